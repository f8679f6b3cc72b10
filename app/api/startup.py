"""A service's start (issue #34): the dataset opened from the disk cache when this service has
seen it before, and every level's default candidates prepared with a plan, an estimate and
progress in the log.

- :func:`open_for_service` (:mod:`unggulan.core.snapshot`): the opened dataset, read back
  from the disk cache when seen before; ``unggulan serve`` opens it before uvicorn starts
  and a service of the same process takes that object.
- :func:`prepare`: what :func:`unggulan.api.routes_areas.prepare_default` does, with the plan
  logged first (per level: areas, and whether the candidates are read from the disk cache or
  computed, then from what: rasters, commodities, sentra, statistics rows), an estimate of
  the time from those sizes (:func:`estimate`), and each step's time as it ends.
- :func:`ensure_logging` (:mod:`unggulan.base.logs`): the ``unggulan`` logger's lines reach
  the service's log under uvicorn (which configures only its own loggers).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from unggulan.base.logs import ensure_logging
from unggulan.core.dataset import Dataset
from unggulan.core.snapshot import (
    SNAPSHOTS_KEPT,
    duration,
    forget_preopened,
    open_for_service,
    open_snapshot,
    preopen,
)

log = logging.getLogger("unggulan.service")

__all__ = ["SNAPSHOTS_KEPT", "ensure_logging", "estimate", "finish_in_background",
           "forget_preopened", "open_for_service", "open_snapshot", "plan", "preopen",
           "prepare"]


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
             duration(total))
    for i, s in enumerate(steps, 1):
        log.info("  step %d/%d: %s, %s: %s (about %s)", i, len(steps), s.level, s.what,
                 s.detail, duration(s.estimate))
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
                 s.level, s.what, now - t, now - t0, duration(total))
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
