"""A service's start (issue #34): the dataset opened from the disk cache when this service has
seen it before, and every level's default candidates prepared with a plan, an estimate and
progress in the log.

- :func:`open_for_service`: the opened dataset and the folder's fingerprint. A dataset opened
  once is kept in the disk cache (``UNGGULAN_CACHE_DIR/datasets``), keyed by the content hash
  of every file of the folder, the tool's code and the folder's path; a fresh process reads
  it back (about a second nationally) instead of reading and checking the layers again (the
  national desa layer: 8 s, its kecamatan dissolved from it). ``unggulan serve`` opens the
  dataset before uvicorn starts (a clear message on bad data): :func:`preopen` hands that
  object to the service of the same process rather than opening it twice.
- :func:`prepare`: what :func:`unggulan.api.routes_areas.prepare_default` does, with the plan
  logged first (per level: areas, and whether the candidates are read from the disk cache or
  computed, then from what: rasters, commodities, sentra, statistics rows), an estimate of
  the time from those sizes (:func:`estimate`), and each step's time as it ends.
- :func:`ensure_logging`: the ``unggulan`` logger's lines reach the service's log under
  uvicorn (which configures only its own loggers).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from unggulan import __version__
from unggulan.base.settings import Settings
from unggulan.core.dataset import Dataset, code_fingerprint
from unggulan.core.provenance import inputs_hash
from unggulan.io.cache import read_pickle, write_pickle

log = logging.getLogger("unggulan.service")

#: opened datasets kept in the disk cache per folder (the newest; older ones are removed)
SNAPSHOTS_KEPT = 2

# ``unggulan serve`` opens the dataset before uvicorn starts; with one worker the service runs
# in the same process and takes it from here (folder -> (fingerprint, dataset))
_PREOPENED: dict[str, tuple[tuple, Dataset]] = {}
_preopened_lock = threading.Lock()


def ensure_logging(level: str = "info") -> None:
    """Give the ``unggulan`` logger a handler writing to standard error in uvicorn's format
    when nothing above it has one (uvicorn configures only its own loggers; under pytest or
    an application's logging setup this does nothing)."""
    logger = logging.getLogger("unggulan")
    if logger.hasHandlers():
        return
    handler = logging.StreamHandler(sys.stderr)
    try:
        from uvicorn.logging import DefaultFormatter

        handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    except ImportError:  # pragma: no cover - uvicorn is a dependency of the service
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(level.upper())


# ---------------------------------------------------------------- opening
def _snapshot_path(folder: Path, files: list[Path], cache: Path) -> Path:
    """Where the opened dataset of ``folder`` with these files' contents is kept."""
    # the folder as given and where it is: the dataset keeps its paths as given
    where = hashlib.sha256(f"{folder}\n{folder.resolve()}".encode()).hexdigest()[:12]
    key = inputs_hash({f.relative_to(folder).as_posix(): f for f in files},
                      {"code": code_fingerprint(), "version": __version__})
    return cache / "datasets" / f"{where}-{key[:32]}.pickle"


def _fields(ds: Dataset) -> dict:
    """What :class:`Dataset` is made of once opened (its constructor's arguments), without
    the settings and the caches."""
    return {f.name: getattr(ds, f.name) for f in dataclasses.fields(ds)
            if f.init and not f.name.startswith("_") and f.name != "settings"}


def open_snapshot(folder: Path, settings: Settings, print_: tuple | None = None) -> Dataset:
    """``Dataset.open(folder)``, read from the disk cache when this folder with the same
    file contents was opened before by the same code (``print_``: the folder's
    :func:`unggulan.api.deps.fingerprint`, when known). Without a disk cache
    (``UNGGULAN_NO_CACHE``) it is plain :meth:`Dataset.open`."""
    from unggulan.api.deps import fingerprint

    cache = settings.cache_path()
    if cache is None:
        return Dataset.open(folder, settings=settings)
    t0 = time.perf_counter()
    items = print_ if print_ is not None else fingerprint(folder)
    files = [Path(p) for p, _, _ in items]
    path = _snapshot_path(folder, files, cache)
    hashed = time.perf_counter() - t0
    fields = read_pickle(path) if path.is_file() else None
    if isinstance(fields, dict):
        try:
            ds = Dataset(**fields, settings=settings)
        except TypeError as exc:  # written by another shape of Dataset: open it again
            log.warning("opened dataset in %s does not fit (%s): opened again", path, exc)
        else:
            log.info("dataset %s read from the disk cache in %.1f s (%d files hashed in "
                     "%.1f s)", folder, time.perf_counter() - t0, len(files), hashed)
            return ds
    # the tables and layers read (the rasters' headers only)
    mb = sum(size for p, size, _ in items
             if Path(p).relative_to(folder).parts[0] != "agroecology") / 1e6
    log.info("dataset %s not seen before: opening %d files (%.0f MB besides the rasters), "
             "about %s", folder, len(files), mb, _duration(RATE_OPEN_MB * mb))
    ds = Dataset.open(folder, settings=settings)
    opened = time.perf_counter() - t0
    write_pickle(path, _fields(ds))
    for old in sorted(path.parent.glob(path.name.split("-")[0] + "-*.pickle"),
                      key=lambda p: p.stat().st_mtime, reverse=True)[SNAPSHOTS_KEPT:]:
        old.unlink(missing_ok=True)
    log.info("dataset %s opened in %.1f s and kept in the disk cache (%.1f s)", folder,
             opened, time.perf_counter() - t0 - opened)
    return ds


def preopen(folder: Path, settings: Settings, keep: bool = True) -> Dataset:
    """Open ``folder`` as the service will (:func:`open_snapshot`); with ``keep`` the
    service started in this process takes this object (:func:`open_for_service`) instead
    of opening it again."""
    from unggulan.api.deps import fingerprint

    print_ = fingerprint(folder)
    ds = open_snapshot(folder, settings, print_)
    if keep:
        with _preopened_lock:
            _PREOPENED[str(folder.resolve())] = (print_, ds)
    return ds


def forget_preopened() -> None:
    """Let go of what :func:`preopen` kept and no service took (it did not start)."""
    with _preopened_lock:
        _PREOPENED.clear()


def open_for_service(folder: Path, settings: Settings) -> tuple[tuple, Dataset]:
    """The folder's fingerprint (taken before opening, so that a change while opening is
    noticed) and its dataset: the one :func:`preopen` kept when the folder has not changed
    since, else :func:`open_snapshot`."""
    from unggulan.api.deps import fingerprint

    with _preopened_lock:
        kept = _PREOPENED.pop(str(folder.resolve()), None)
    print_ = fingerprint(folder)
    if kept is not None and kept[0] == print_ and kept[1].settings == settings:
        return kept
    return print_, open_snapshot(folder, settings, print_)


# ---------------------------------------------------------------- preparing
#: seconds per unit of work, measured on the synthetic national dataset
#: (benchmarks/out/national: 84,000 desa and 6,000 kecamatan over the same 10 rasters of 9.6 M
#: cells; 147 commodities assessed, 217 ranked) by benchmarks/fresh_service.py's first start,
#: on 2 cores shared with other work (load ~6): a guide for the estimate in the log, not a
#: promise. Attributes and class shares cost per area and per raster cell (kecamatan, 14
#: times fewer areas over the same cells, took 2/3 of desa's time).
RATE_ATTRIBUTES_AREA = 1.4e-5  # per area and raster
RATE_ATTRIBUTES_CELL = 1.9e-7  # per raster cell, every raster
RATE_SUITABILITY_AREA = 2.1e-6  # per area and commodity with land requirements
RATE_SUITABILITY_CELL = 1.2e-8  # per cell of the largest raster and such commodity
RATE_CANDIDATES = 2.6e-6  # per area and commodity ranked
RATE_SENTRA = 4e-4  # per placed sentra record (LQ, clusters, hot spots; README: #22)
RATE_STATISTICS = 1.5e-5  # per statistics row (LQ, DLQ, growth; README: #22)
RATE_DISK = 1e-5  # per area: candidates read back from the disk cache
#: per MB of a dataset's files besides the rasters: Dataset.open (national: 92 MB, 22 s at
#: load ~5; 8.4 s on a quiet machine, README)
RATE_OPEN_MB = 0.25


@dataclass
class Step:
    """One step of the preparation: what, of which level, and its estimated seconds."""

    level: str
    what: str
    detail: str
    estimate: float


def _sizes(ds: Dataset) -> dict:
    req = ds.requirements.commodities() if ds.rasters else []
    cells = [r.width * r.height for r in ds.rasters.values()]
    return {"rasters": len(ds.rasters), "assessed": len(req), "cells": sum(cells),
            "grid": max(cells, default=0),
            "commodities": len(ds.catalogue.items),
            "sentra": int(len(ds.sentra(placed_only=True))),
            "statistics": int(len(ds.statistics_frame()))}


def plan(ds: Dataset, scenario) -> list[Step]:
    """The steps that prepare ``scenario``'s candidates of every level of ``ds``: a read
    from the disk cache where they are stored, else attributes (with rasters), suitability
    (with rasters) and candidates; each with its estimated seconds (:data:`RATE_DISK`
    ...)."""
    sz = _sizes(ds)
    steps = []
    for level in ds.levels:
        n = len(ds.areas(level))
        if not n:
            continue
        if ds.result_stored(level, scenario):
            steps.append(Step(level, "read", f"{n:,} areas' candidates from the disk cache",
                              RATE_DISK * n))
            continue
        if sz["rasters"]:
            steps.append(Step(level, "attributes",
                              f"{n:,} areas x {sz['rasters']} rasters "
                              f"({sz['cells'] / 1e6:.1f} M cells)",
                              RATE_ATTRIBUTES_AREA * n * sz["rasters"]
                              + RATE_ATTRIBUTES_CELL * sz["cells"]))
            steps.append(Step(level, "suitability",
                              f"{n:,} areas x {sz['assessed']} commodities",
                              (RATE_SUITABILITY_AREA * n + RATE_SUITABILITY_CELL * sz["grid"])
                              * sz["assessed"]))
        # sentra and statistics are counted nationally: a level's share is not known before
        steps.append(Step(level, "candidates",
                          f"{n:,} areas x {sz['commodities']} commodities, "
                          f"{sz['sentra']:,} sentra, {sz['statistics']:,} statistics rows",
                          RATE_CANDIDATES * n * sz["commodities"]
                          + RATE_SENTRA * sz["sentra"] + RATE_STATISTICS * sz["statistics"]))
    return steps


def estimate(steps: list[Step]) -> float:
    """Estimated seconds of the steps together."""
    return sum(s.estimate for s in steps)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def prepare(ds: Dataset, scenario, run_step) -> list[str]:
    """Run :func:`plan`'s steps, logging the plan with its estimate first and each step's
    time and the time so far as it ends. ``run_step(level)`` prepares the level's candidates
    as the route answers them (:func:`unggulan.api.routes_areas.prepare_default`). Returns
    the levels prepared."""
    t0 = time.perf_counter()
    steps = plan(ds, scenario)
    total = estimate(steps)
    stored = all(s.what == "read" for s in steps)
    log.info("preparing the default candidates of %s (%s): %s; estimate %s",
             ds.name, ", ".join(f"{lv} {len(ds.areas(lv)):,}" for lv in ds.levels),
             "every level from the disk cache" if stored else
             "not seen before, computed now (once: kept in the disk cache)",
             _duration(total))
    for i, s in enumerate(steps, 1):
        log.info("  step %d/%d: %s, %s: %s (about %s)", i, len(steps), s.level, s.what,
                 s.detail, _duration(s.estimate))
    done: list[str] = []
    for i, s in enumerate(steps, 1):
        t = time.perf_counter()
        if s.what == "attributes":
            ds.attributes(s.level)
        elif s.what == "suitability":
            ds.suitability(s.level, management=scenario.management, explain=False,
                           copy=False)
        else:
            run_step(s.level)
            done.append(s.level)
        now = time.perf_counter()
        log.info("  step %d/%d done: %s, %s in %.1f s (%.0f s of about %s)", i, len(steps),
                 s.level, s.what, now - t, now - t0, _duration(total))
    for level in done:
        if len(ds.areas(level)) <= RECORDS_AT_START:
            ds.prepare_candidate_records(level, scenario)
    log.info("default candidates of %s ready in %.1f s", ", ".join(done) or "no level",
             time.perf_counter() - t0)
    return done


#: levels of at most this many areas have every area's answer made before the service
#: accepts requests; a larger one's (national desa: 84,000 areas, 2-3 s) are made after it
#: started (:func:`finish_in_background`), each area's when first asked until then (ms)
RECORDS_AT_START = 20_000


def finish_in_background(ds: Dataset, scenario, tile_limit: int,
                         prepared: threading.Event) -> threading.Thread | None:
    """Beside and after the preparation (:func:`prepare`), on a thread: when a level is
    drawn from vector tiles (more than ``tile_limit`` areas) every level's polygons in Web
    Mercator with their index at once (the projection mostly leaves the interpreter free),
    and once ``prepared`` is set their top candidates, so that the first map tile waits for
    neither; then the answers of every area of the levels too large to make them before
    (:data:`RECORDS_AT_START`). Each step logged. None when there is nothing to do."""
    from unggulan.api import heap
    from unggulan.maps.tiles import tile_geometry, tile_source

    # the largest level first: the national desa map's tiles
    order = sorted(ds.levels, key=lambda lv: -len(ds.areas(lv)))
    tiled = order if any(len(ds.areas(lv)) > tile_limit for lv in order) else []
    large = [lv for lv in order if len(ds.areas(lv)) > RECORDS_AT_START]
    if not tiled and not large:
        return None

    def work() -> None:
        try:
            t0 = time.perf_counter()
            for level in tiled:
                t = time.perf_counter()
                tile_geometry(ds, level)
                log.info("beside the preparation: %s vector tile polygons ready in %.1f s",
                         level, time.perf_counter() - t)
            prepared.wait()
            for level in tiled:
                t = time.perf_counter()
                tile_source(ds, level, scenario)
                log.info("after start: %s vector tiles ready in %.1f s", level,
                         time.perf_counter() - t)
            for level in large:
                t = time.perf_counter()
                ds.prepare_candidate_records(level, scenario)
                log.info("after start: %s answers of %s areas ready in %.1f s", level,
                         f"{len(ds.areas(level)):,}", time.perf_counter() - t)
            heap.settle()
            log.info("after start: done in %.1f s", time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - a request makes it again, and logs its error
            log.exception("after start: preparing failed (requests make what they need)")

    thread = threading.Thread(target=work, name="unggulan-after-start", daemon=True)
    thread.start()
    return thread
