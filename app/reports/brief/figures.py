"""The brief's figures and PDFs kept on disk: each is made once per content and read back.

Drawing the static map and the charts with matplotlib is most of the time of building a brief
(a kabupaten's has one map and one chart per kecamatan), and WeasyPrint's PDF most of the
rest. Both are pure functions of what they are given, so they are kept in the disk cache
(``ds.settings.cache_path() / "brief"``; none when the disk cache is off) under the sha256 of
that content:

- a figure under its drawing function, every argument (areas as WKB, colours, labels, sizes)
  and a digest of the drawing code (:mod:`unggulan.reports.charts`,
  :mod:`unggulan.reports.static_map`, :mod:`unggulan.base.palette`) and matplotlib's version,
  so the same inputs, scenario, area and language find the same figure, and any change of
  them or of the code draws it anew;
- a PDF under its HTML (which holds every figure and the date) and WeasyPrint's version.

A cached figure is the very SVG text the drawing returned, so a brief is byte-identical
whether its figures were drawn or read. The folder holds at most :data:`MAX_FILES` files; the
least recently used go first (and no more than :data:`MAX_BYTES`).

A PDF brief does not wait for its figures: inside :func:`deferring` a figure that is not in
the cache is recorded (its drawing and size, :func:`unggulan.reports.charts.record`), and
:func:`draw_pending` draws the recorded figures in a forked process while WeasyPrint lays the
pages out (:func:`unggulan.reports.brief.render.html_to_pdf`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import shapely

from unggulan.base import palette
from unggulan.base.parallel import Background, can_fork, in_background
from unggulan.io.cache import read_pickle
from unggulan.reports import charts, static_map

log = logging.getLogger(__name__)

#: files and bytes the cache folder keeps at most (a kabupaten brief adds about 60 files and
#: 4 MB, its PDF 1.6 MB of them)
MAX_FILES = 3000
MAX_BYTES = 500 * 1024 * 1024
#: writes between two looks at the folder's size (the first write of a process looks)
PRUNE_EVERY = 64
_writes = [0]


def _code_digest() -> str:
    h = hashlib.sha256(matplotlib.__version__.encode())
    for module in (charts, static_map, palette):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


#: the drawing code's digest: a figure drawn by other code is not read back
DRAWING = _code_digest()


def folder(ds) -> Path | None:
    """The brief cache folder of ``ds`` (None: the disk cache is off)."""
    settings = getattr(ds, "settings", None)
    base = settings.cache_path() if settings is not None else None
    return Path(base) / "brief" if base is not None else None


def svg(ds, draw: Callable[..., str], *args, **kwargs) -> str | charts.Pending:
    """``draw(*args, **kwargs)`` (SVG text), or the same text from the disk cache; inside
    :func:`deferring`, a figure not in the cache is recorded instead (a
    :class:`~unggulan.reports.charts.Pending`, drawn by :func:`draw_pending`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import tempfile
    >>> from unggulan.base.settings import Settings
    >>> ds = SimpleNamespace(settings=Settings(cache_dir=tempfile.mkdtemp()))
    >>> drawn = []
    >>> def draw(n): drawn.append(n); return f"<svg>{n}</svg>"
    >>> svg(ds, draw, 1), svg(ds, draw, 1), svg(ds, draw, 2), drawn
    ('<svg>1</svg>', '<svg>1</svg>', '<svg>2</svg>', [1, 2])
    """
    where = folder(ds)
    path = None
    if where is not None:
        try:
            key = digest(f"{draw.__module__}.{draw.__qualname__}", DRAWING, args, kwargs)
        except TypeError:  # an argument it cannot hash: drawn every time
            return draw(*args, **kwargs)
        path = where / f"{key}.svg.pickle"
        hit = _read(path)
        if isinstance(hit, str):
            return hit
    batch = getattr(_DEFERRED, "batch", None)
    if batch is not None:
        out = charts.record(draw, *args, **kwargs)
        if isinstance(out, charts.Pending):
            out.number, out.cache_path = len(batch), path
            batch.append(out)
            return out
    else:
        out = draw(*args, **kwargs)
    if path is not None:
        _write(path, out)
    return out


_DEFERRED = threading.local()


@contextmanager
def deferring() -> Iterator[list[charts.Pending]]:
    """Within: figures not in the cache are recorded, not drawn (:func:`svg`); yields the
    list they are recorded in, for :func:`draw_pending`."""
    before = getattr(_DEFERRED, "batch", None)
    _DEFERRED.batch = batch = []
    try:
        yield batch
    finally:
        _DEFERRED.batch = before


#: recorded figures from which they are drawn in a second process (below: in this one)
FORK_FROM = 2


class Drawing:
    """Recorded figures being drawn (:func:`draw_pending`); :meth:`finish` waits for them,
    gives each its SVG text and keeps it in the cache."""

    def __init__(self, pending: list[charts.Pending]):
        self.todo = [p for p in pending if p.text is None]
        self.child: Background | None = None
        # fork: Linux only (macOS's system libraries are not safe in a forked child)
        if len(self.todo) >= FORK_FROM and can_fork():
            self.child = _fork_drawing(self.todo)

    def finish(self) -> None:
        texts = self._collect()
        for i, p in enumerate(self.todo):
            if p.text is not None:
                continue
            p.text = texts[i] if texts is not None else p.render()
            if p.cache_path is not None:
                _write(p.cache_path, p.text)

    def _collect(self) -> list[str] | None:
        if self.child is None:
            return None
        job, self.child = self.child, None
        try:
            texts = job.result()
        except Exception:  # noqa: BLE001 - any failure there: drawn here instead
            log.warning("brief figures: the drawing process failed; drawn here")
            return None
        ok = isinstance(texts, list) and len(texts) == len(self.todo) and \
            all(isinstance(t, str) for t in texts)
        return texts if ok else None

    def close(self) -> None:
        """Stop the drawing process if it still runs (after an error)."""
        if self.child is not None:
            self.child.cancel()
            self.child = None

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def draw_pending(pending: list[charts.Pending]) -> Drawing:
    """Start drawing the recorded figures: from :data:`FORK_FROM` of them in a forked child
    process (matplotlib and the figures' data are already in memory), which the caller
    overlaps with its own work (WeasyPrint laying out the text: the two cores of a small
    server both busy); fewer, or off Linux, here when finished. A child that fails leaves
    its figures to be drawn here.

    >>> with deferring() as batch:
    ...     fig = svg(None, charts.series_chart, [2020, 2021], {"a": [1.0, 2.0]}, "ton", "id")
    >>> with draw_pending(batch) as drawing:
    ...     drawing.finish()
    >>> batch[0].text == charts.series_chart([2020, 2021], {"a": [1.0, 2.0]}, "ton", "id")
    True
    """
    return Drawing(pending)


def _render_all(todo: list[charts.Pending]) -> list[str]:
    return [p.render() for p in todo]


def _fork_drawing(todo: list[charts.Pending]) -> Background | None:
    """The figures of ``todo`` drawn in a forked process (:func:`unggulan.base.parallel.
    in_background`), or None when no process could be started."""
    try:
        # no other thread draws while the process forks (the child would inherit the lock
        # held and wait for ever)
        with charts.DRAW_LOCK:
            return in_background(_render_all, todo, workers=2)
    except OSError as exc:
        log.warning("brief figures: no second process (%s); drawn here", exc)
        return None


def keep_pdf(where: Path | None, html: str, value: tuple[bytes, int]) -> None:
    """Keep a PDF rendered for ``html`` where :func:`pdf` finds it."""
    if where is not None:
        import weasyprint

        _write(where / f"{digest('pdf', weasyprint.__version__, html)}.pdf.pickle", value)


def pdf(where: Path | None, html: str, make: Callable[[], tuple[bytes, int]]
        ) -> tuple[bytes, int]:
    """``make()`` (PDF bytes and page count of ``html``), or the same from the folder
    ``where`` (None: made every time)."""
    if where is None:
        return make()
    import weasyprint  # heavy: imported by the caller's make() in any case

    path = where / f"{digest('pdf', weasyprint.__version__, html)}.pdf.pickle"
    hit = _read(path)
    if isinstance(hit, tuple) and len(hit) == 2 and isinstance(hit[0], bytes):
        return hit
    out = make()
    _write(path, out)
    return out


def _read(path: Path):
    value = read_pickle(path)
    if value is not None:
        try:
            os.utime(path)  # recently used: pruned last
        except OSError:
            pass
    return value


def _write(path: Path, value) -> None:
    """Keep ``value`` at ``path``: written to a temporary file beside it and renamed (a
    reader sees the old entry or the new one), but not flushed to the disk: two fsyncs per
    entry were half a second of a kabupaten brief's 57 entries, and an entry a crash left
    damaged is unreadable, so removed and made again (:func:`unggulan.io.cache.read_pickle`).
    A full or read-only disk only logs a warning."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("brief cache %s not written (%s)", path, exc)
    if _writes[0] % PRUNE_EVERY == 0:
        prune(path.parent)
    _writes[0] += 1


def prune(where: Path, keep: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> int:
    """When ``where`` holds more than ``keep`` files or ``max_bytes``, remove its least
    recently used files down to three quarters of both; the number removed."""
    try:
        entries = [(st.st_mtime, st.st_size, e.path) for e in os.scandir(where)
                   if e.is_file() and (st := e.stat())]
    except OSError:
        return 0
    if len(entries) <= keep and sum(size for _, size, _ in entries) <= max_bytes:
        return 0
    entries.sort(reverse=True)  # most recently used first
    kept = kept_bytes = gone = 0
    for _, size, path in entries:
        if kept < keep * 3 // 4 and kept_bytes + size <= max_bytes * 3 // 4:
            kept += 1
            kept_bytes += size
            continue
        try:
            os.unlink(path)
            gone += 1
        except OSError:
            pass
    return gone


def digest(*parts) -> str:
    """sha256 (hex) of ``parts``: strings, numbers, None, bytes, sequences, mappings, numpy
    arrays, pandas and geopandas frames and series, shapely geometries and dataclasses.
    Anything else raises TypeError (rather than being hashed by an identity).

    >>> digest("a", 1, [0.5, None]) == digest("a", 1, (0.5, None))
    False
    >>> digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})
    True
    """
    h = hashlib.sha256()
    _feed(h, parts)
    return h.hexdigest()


def _feed(h, x) -> None:
    if x is None or isinstance(x, (bool, int, str)):
        h.update(f"{type(x).__name__}:{x!r};".encode())
    elif isinstance(x, float):
        h.update(f"float:{x.hex()};".encode())
    elif isinstance(x, (np.integer, np.floating, np.bool_)):
        _feed(h, x.item())
    elif isinstance(x, bytes):
        h.update(b"bytes:%d:" % len(x) + x)
    elif isinstance(x, (list, tuple)):
        h.update(f"{type(x).__name__}:{len(x)}[".encode())
        for item in x:
            _feed(h, item)
        h.update(b"]")
    elif isinstance(x, dict):
        h.update(f"dict:{len(x)}{{".encode())
        for k in sorted(x, key=repr):
            _feed(h, k)
            _feed(h, x[k])
        h.update(b"}")
    elif isinstance(x, shapely.Geometry):
        _feed(h, shapely.to_wkb(x))
    elif isinstance(x, np.ndarray):
        if x.dtype == object:
            h.update(f"objects:{x.shape}".encode())
            for item in x.ravel():
                _feed(h, item)
        else:
            h.update(f"array:{x.dtype.str}:{x.shape}:".encode())
            h.update(np.ascontiguousarray(x).tobytes())
    elif isinstance(x, (pd.DataFrame, pd.Series)):
        crs = _crs(x)
        h.update(f"{type(x).__name__}:{crs.to_wkt() if crs is not None else None}:".encode())
        _feed(h, x.index.to_numpy())
        if isinstance(x, pd.Series):
            h.update(f"{x.dtype}:".encode())
            _feed(h, x.to_numpy())
        else:
            _feed(h, [str(c) for c in x.columns])
            for c in x.columns:
                _feed(h, x[c])
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        h.update(f"{type(x).__qualname__}(".encode())
        _feed(h, [(f.name, getattr(x, f.name)) for f in dataclasses.fields(x)])
        h.update(b")")
    else:
        raise TypeError(f"cannot hash a {type(x).__name__} for the brief cache")


def _crs(x):
    try:
        return getattr(x, "crs", None)
    except Exception:  # noqa: BLE001 - a GeoDataFrame without an active geometry column
        return None
