"""Opened datasets kept on disk, and the one ``unggulan serve`` opens before its service
starts (issue #34).

A dataset opened once is kept in the disk cache (``UNGGULAN_CACHE_DIR/datasets``), keyed by
the content hash of every file of the folder, the tool's code and the folder's path; a fresh
process reads it back (about a second nationally) instead of reading and checking the layers
again (the national desa layer: 8 s, its kecamatan dissolved from it). ``unggulan serve``
opens the dataset before uvicorn starts (a clear message on bad data): :func:`preopen` hands
that object to the service of the same process (:func:`open_for_service`) rather than
opening it twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from pathlib import Path

from unggulan import __version__
from unggulan.base.settings import Settings
from unggulan.core.dataset import Dataset, code_fingerprint
from unggulan.core.provenance import inputs_hash
from unggulan.io.cache import read_pickle, write_pickle

log = logging.getLogger("unggulan.service")

#: opened datasets kept in the disk cache per folder (the newest; older ones are removed)
SNAPSHOTS_KEPT = 2

#: per MB of a dataset's files besides the rasters: Dataset.open (national: 92 MB, 22 s at
#: load ~5; 8.4 s on a quiet machine, README): a guide for the log
RATE_OPEN_MB = 0.25

# ``unggulan serve`` opens the dataset before uvicorn starts; with one worker the service runs
# in the same process and takes it from here (folder -> (fingerprint, dataset))
_PREOPENED: dict[str, tuple[tuple, Dataset]] = {}
_preopened_lock = threading.Lock()


def fingerprint(folder: Path) -> tuple:
    """Paths, sizes and modification times of every file of a dataset folder (saved
    scenarios excluded: saving one changes no input, so it must not reload the dataset)."""
    items = []
    for p in sorted(folder.rglob("*")):
        parts = p.relative_to(folder).parts
        if p.is_file() and not any(part.startswith(".") for part in parts) \
                and parts[0] != "scenarios":
            st = p.stat()
            items.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(items)


def duration(seconds: float) -> str:
    """``12 s`` or ``2.7 min`` for the log."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


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
    :func:`fingerprint`, when known). Without a disk cache
    (``UNGGULAN_NO_CACHE``) it is plain :meth:`Dataset.open`."""
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
             "about %s", folder, len(files), mb, duration(RATE_OPEN_MB * mb))
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
    with _preopened_lock:
        kept = _PREOPENED.pop(str(folder.resolve()), None)
    print_ = fingerprint(folder)
    if kept is not None and kept[0] == print_ and kept[1].settings == settings:
        return kept
    return print_, open_snapshot(folder, settings, print_)


