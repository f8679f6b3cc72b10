"""Zonal statistics engine: pixel coverage computed once per grid, shared by every raster.

Each area's covered cells and coverage fractions are computed with exactextract
(``cell_id`` and ``coverage`` on an all-valid stand-in of the raster grid, so no cell is
skipped because one raster has nodata there), cached in memory and on disk keyed by a
content hash of the geometries and the grid. Every raster on that grid is then reduced with
vectorised numpy: coverage-weighted mean (as exactextract's ``mean``), min and max over
cells with coverage > 0, the covered share (coverage with data / all coverage), majority
and class shares.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from exactextract import exact_extract
from exactextract._exactextract import Feature
from exactextract.feature import FeatureSource
from exactextract.raster import NumPyRasterSource
from exactextract.writer import Writer
from pyproj import CRS

CACHE_VERSION = "1"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grid:
    """A raster grid: CRS, transform and size. Rasters on the same grid share coverage."""

    crs_wkt: str
    transform: tuple[float, ...]
    width: int
    height: int

    @classmethod
    def of(cls, src: rasterio.io.DatasetReader) -> Grid:
        return cls(src.crs.to_wkt(), tuple(src.transform)[:6], src.width, src.height)

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)

    @property
    def crs(self) -> CRS:
        return CRS.from_wkt(self.crs_wkt)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        a = self.affine
        x0, y0 = a.c, a.f
        x1 = a.c + a.a * self.width + a.b * self.height
        y1 = a.f + a.d * self.width + a.e * self.height
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def key(self) -> str:
        crs = CRS.from_wkt(self.crs_wkt)
        ident = crs.to_string()
        txt = f"{ident}|{','.join(f'{v:.12g}' for v in self.transform)}|{self.width}|{self.height}"
        return hashlib.sha256(txt.encode()).hexdigest()[:20]


class _WKBFeature(Feature):
    """A feature handed to exactextract as WKB (no per-feature GeoJSON conversion)."""

    def __init__(self, wkb: bytes | None = None, idx: int | None = None):
        Feature.__init__(self)
        self.wkb = wkb
        self.props: dict = {} if idx is None else {"_idx": idx}

    def geometry(self):
        return self.wkb

    def set_geometry_format(self):
        return "wkb"

    def get(self, name):
        return self.props[name]

    def set(self, name, value):
        self.props[name] = value

    def set_geometry(self, geometry):
        pass

    def fields(self):
        return list(self.props)


class _WKBSource(FeatureSource):
    def __init__(self, wkbs: list[bytes], srs_wkt: str, start: int = 0):
        super().__init__()
        self.wkbs, self.wkt, self.start = wkbs, srs_wkt, start

    def count(self):
        return len(self.wkbs)

    def __iter__(self):
        for i, w in enumerate(self.wkbs):
            yield _WKBFeature(w, self.start + i)

    def srs_wkt(self):
        return self.wkt


@dataclass
class Coverage:
    """Covered cells of every area on one grid.

    ``cells`` (flat row-major indices) and ``weights`` (coverage fractions) of area ``i``
    are ``cells[offsets[i]:offsets[i + 1]]``. Cells are grouped by area, so per-area sums
    are ``reduceat`` over contiguous segments.
    """

    grid: Grid
    offsets: np.ndarray
    cells: np.ndarray
    weights: np.ndarray

    @property
    def n_areas(self) -> int:
        return len(self.offsets) - 1

    @cached_property
    def area(self) -> np.ndarray:
        dtype = np.int32 if self.n_areas < 2**31 // 8 else np.int64
        return np.repeat(np.arange(self.n_areas, dtype=dtype), np.diff(self.offsets))

    @cached_property
    def nonempty(self) -> np.ndarray:
        return np.diff(self.offsets) > 0

    @cached_property
    def starts(self) -> np.ndarray:
        """Segment starts of the non-empty areas (``reduceat`` cannot take empty groups)."""
        return self.offsets[:-1][self.nonempty]

    @cached_property
    def total_weight(self) -> np.ndarray:
        return self.segment_sum(self.weights)

    @cached_property
    def all_positive(self) -> bool:
        return bool((self.weights > 0).all())

    @cached_property
    def window(self) -> tuple[int, int, int, int]:
        """(row_off, col_off, height, width) of the grid window holding every covered cell."""
        if self.cells.size == 0:
            return (0, 0, 0, 0)
        w = self.grid.width
        rows, cols = np.divmod(self.cells, w)
        r0, c0 = int(rows.min()), int(cols.min())
        return (r0, c0, int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1)

    def local_cells(self, window: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """Cell indices into a flat grid window (default :attr:`window`), kept per window."""
        window = self.window if window is None else window
        cache = self.__dict__.setdefault("_local_cells", {})
        if window not in cache:
            r0, c0, _, width = window
            rows, cols = np.divmod(self.cells, self.grid.width)
            cache[window] = (rows - r0) * width + (cols - c0)
        return cache[window]

    def pick(self, values: np.ndarray, window: tuple[int, int, int, int] | None = None
             ) -> np.ndarray:
        """Values at the covered cells, from a flat full grid, the flat :attr:`window`, or
        the flat ``window`` given (which must hold every covered cell)."""
        if values.size == self.grid.width * self.grid.height:
            return values.take(self.cells)
        return values.take(self.local_cells(window))

    def segment_sum(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_areas)
        if x.size:
            out[self.nonempty] = np.add.reduceat(x, self.starts)
        return out


def _stand_in(grid: Grid) -> NumPyRasterSource:
    """An all-valid stand-in of ``grid`` for exactextract, which skips the nodata cells of the
    raster it runs on. A zero-stride view: it costs no memory whatever the grid's size."""
    xmin, ymin, xmax, ymax = grid.bounds
    zeros = np.broadcast_to(np.zeros((1, 1), dtype=np.uint8), (grid.height, grid.width))
    return NumPyRasterSource(zeros, xmin, ymin, xmax, ymax, srs_wkt=grid.crs_wkt)


class _CoverageWriter(Writer):
    """Keeps each feature's ``cell_id`` and ``coverage`` arrays in the features' order (no
    data frame in between)."""

    def __init__(self, start: int, n: int):
        super().__init__()
        self.start = start
        self.cells: list = [np.empty(0, np.int64)] * n
        self.covs: list = [np.empty(0)] * n

    def add_operation(self, op):
        pass

    def add_column(self, col_name):
        pass

    def add_geometry(self):
        pass

    def write(self, feature):
        f = _WKBFeature()
        feature.copy_to(f)
        i = f.props["_idx"] - self.start
        self.cells[i] = f.props["cell_id"]
        self.covs[i] = f.props["coverage"]

    def features(self):
        return None


def _coverage_chunk(args) -> tuple[int, list[np.ndarray], list[np.ndarray]]:
    wkbs, start, grid = args
    out = _CoverageWriter(start, len(wkbs))
    exact_extract(_stand_in(grid), _WKBSource(wkbs, grid.crs_wkt, start),
                  ["cell_id", "coverage"], include_cols=["_idx"], output=out)
    return start, out.cells, out.covs


def _assemble(grid: Grid, cells: list, covs: list) -> Coverage:
    n = len(cells)
    counts = np.fromiter((len(c) for c in cells), dtype=np.int64, count=n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    cat_cells = (np.concatenate(cells).astype(np.int64, copy=False) if n
                 else np.empty(0, np.int64))
    cat_w = np.concatenate(covs).astype(np.float64, copy=False) if n else np.empty(0)
    return Coverage(grid, offsets, cat_cells, cat_w)


def coverage_of_wkb(wkbs: list[bytes | None], grid: Grid) -> Coverage:
    """Coverage of geometries given as WKB, already in ``grid``'s CRS, in their order.

    Cell indices are those of the whole grid whatever part of it the geometries cover, so
    the coverage of a subset of areas is exactly the matching segments of the coverage of
    all of them (each geometry is computed on its own).

    Examples
    --------
    >>> g = Grid(CRS.from_epsg(4326).to_wkt(), (1.0, 0.0, 0.0, 0.0, -1.0, 4.0), 4, 4)
    >>> cov = coverage_of_wkb([shapely.box(1, 1, 3, 2).wkb], g)
    >>> cov.cells.tolist(), cov.weights.tolist()
    ([9, 10], [1.0, 1.0])
    """
    _, cells, covs = _coverage_chunk((list(wkbs), 0, grid))
    return _assemble(grid, cells, covs)


def merge_coverages(grid: Grid, n_areas: int,
                    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
                    ) -> Coverage:
    """One coverage of ``n_areas`` areas from the coverages of disjoint subsets of them.

    Each part is ``(index, offsets, cells, weights)``: the positions of its areas among the
    ``n_areas`` and their coverage in that order (cells of the whole grid, any integer type).
    Areas in no part have no cells.

    Examples
    --------
    >>> g = Grid(CRS.from_epsg(4326).to_wkt(), (1.0, 0.0, 0.0, 0.0, -1.0, 2.0), 2, 2)
    >>> a = (np.array([1]), np.array([0, 2]), np.array([0, 1]), np.array([0.5, 1.0]))
    >>> b = (np.array([0, 2]), np.array([0, 1, 1]), np.array([3]), np.array([0.25]))
    >>> cov = merge_coverages(g, 3, [a, b])
    >>> cov.offsets.tolist(), cov.cells.tolist(), cov.weights.tolist()
    ([0, 1, 3, 3], [3, 0, 1], [0.25, 0.5, 1.0])
    """
    counts = np.zeros(n_areas, dtype=np.int64)
    for index, offsets, _, _ in parts:
        counts[index] = np.diff(offsets)
    out_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(out_offsets[-1])
    cells = np.empty(total, dtype=np.int64)
    weights = np.empty(total, dtype=np.float64)
    for index, offsets, c, w in parts:
        if not len(c):
            continue
        # where each cell of the part goes: its area's new start + its rank within the area
        part_counts = np.diff(offsets)
        shift = np.repeat(out_offsets[index] - offsets[:-1], part_counts)
        dest = shift + np.arange(len(c), dtype=np.int64)
        cells[dest] = c
        weights[dest] = w
    return Coverage(grid, out_offsets, cells, weights)


def partition_areas(x: np.ndarray, y: np.ndarray, work: np.ndarray, n_parts: int,
                    sizes: np.ndarray | None = None) -> list[np.ndarray]:
    """Split areas into up to ``n_parts`` spatially compact groups of given shares of work.

    Recursive coordinate bisection: the areas' points (``x``, ``y``, e.g. bounding-box
    centres in pixels) are cut across the longer side of their extent where the cumulative
    ``work`` (e.g. bounding-box pixels) reaches the share of the parts on each side; each
    side is cut again. ``sizes`` are the parts' relative shares of the work, in the order
    the parts are returned (neighbours follow each other); equal by default. Returns the
    positions of each part's areas, ascending; no part is empty (fewer parts when there
    are fewer areas).

    Examples
    --------
    >>> x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> parts = partition_areas(x, np.zeros(6), np.ones(6), 2)
    >>> [p.tolist() for p in parts]
    [[0, 1, 2], [3, 4, 5]]
    >>> [p.tolist() for p in partition_areas(x, np.zeros(6), np.array([5.0, 1, 1, 1, 1, 1]), 2)]
    [[0], [1, 2, 3, 4, 5]]
    >>> [p.tolist() for p in partition_areas(x, np.zeros(6), np.ones(6), 2, sizes=[2, 1])]
    [[0, 1, 2, 3], [4, 5]]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    work = np.asarray(work, dtype=np.float64)
    shares = (np.ones(n_parts) if sizes is None else np.asarray(sizes, dtype=np.float64))
    if len(shares) != n_parts or not (shares > 0).all():
        raise ValueError("sizes must give a positive share for each of the n_parts")
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.any() and not finite.all():  # empty geometries: anywhere, they cost nothing
        x = np.where(finite, x, np.median(x[finite]))
        y = np.where(finite, y, np.median(y[finite]))
    elif not finite.any():
        x, y = np.zeros_like(x), np.zeros_like(y)

    def split(idx: np.ndarray, share: np.ndarray) -> list[np.ndarray]:
        k = len(share)
        if k <= 1 or len(idx) <= 1:
            return [np.sort(idx)] if len(idx) else []
        xs, ys = x[idx], y[idx]
        along = xs if np.ptp(xs) >= np.ptp(ys) else ys
        order = idx[np.argsort(along, kind="stable")]
        k1 = k // 2
        cum = np.cumsum(work[order])
        target = cum[-1] * share[:k1].sum() / share.sum()
        cut = int(np.searchsorted(cum, target))  # first area at or past the target
        if cut < len(cum) and cum[cut] - target < target - (cum[cut - 1] if cut else 0.0):
            cut += 1  # that area goes left: closer to the target
        # each side keeps at least as many areas as parts (or one each when there are fewer)
        m, k2 = len(order), k - k1
        cut = min(max(cut, max(1, min(k1, m - k2))), min(m - 1, max(k1, m - k2)))
        return split(order[:cut], share[:k1]) + split(order[cut:], share[k1:])

    return split(np.arange(len(x)), shares)


def process_context():
    """The multiprocessing context of the engine's worker processes: ``forkserver``.

    Workers fork from a small server process that imported the engine once (numpy, GDAL,
    exactextract), never from the caller: the caller may run threads (the web service, the
    engine's own readers) and hold large arrays, which ``fork`` would copy or break, while
    ``spawn`` would import everything again in every worker of every pool.
    """
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["unggulan.core.land.attributes"])
    return ctx


def geometry_hash(geoms: gpd.GeoSeries) -> str:
    h = hashlib.sha256()
    h.update(str(geoms.crs.to_string() if geoms.crs else "").encode())
    for wkb in shapely.to_wkb(np.asarray(geoms.values), hex=False):
        h.update(wkb if wkb is not None else b"\0")
    return h.hexdigest()[:24]


def compute_coverage(
    geoms: gpd.GeoSeries,
    grid: Grid,
    *,
    workers: int = 1,
    cache_dir: Path | None = None,
) -> Coverage:
    """Covered cells and coverage fractions of ``geoms`` on ``grid``.

    Geometries are transformed to the grid's CRS first. With ``workers > 1`` the areas
    are split into spatially contiguous chunks (Hilbert order) over processes; the result
    is the same either way. With ``cache_dir`` the result is stored as ``.npz`` keyed by
    the geometry hash and the grid, written atomically (:func:`write_coverage_cache`); a
    cache file that cannot be read or does not fit (a partial file, another version) is
    deleted and the coverage computed again.
    """
    path = None
    if cache_dir is not None:
        path = coverage_cache_path(geoms, grid, cache_dir)
        cached = read_coverage_cache(path, grid, len(geoms))
        if cached is not None:
            return cached
    g = geoms.to_crs(grid.crs) if geoms.crs is not None and not CRS(geoms.crs).equals(grid.crs) \
        else geoms
    wkbs = list(shapely.to_wkb(np.asarray(g.values)))
    n = len(wkbs)
    if workers > 1 and n >= 2000:
        order = np.argsort(g.hilbert_distance(), kind="stable")
        chunks = np.array_split(order, workers * 4)
        jobs = [([wkbs[i] for i in c], 0, grid) for c in chunks if len(c)]
        cells: list = [None] * n
        covs: list = [None] * n
        with ProcessPoolExecutor(max_workers=workers, mp_context=process_context()) as pool:
            for (chunk, (_, c_cells, c_cov)) in zip(
                [c for c in chunks if len(c)], pool.map(_coverage_chunk, jobs)
            ):
                for pos, i in enumerate(chunk):
                    cells[i], covs[i] = c_cells[pos], c_cov[pos]
    else:
        _, cells, covs = _coverage_chunk((wkbs, 0, grid))
    cov = _assemble(grid, cells, covs)
    if path is not None:
        write_coverage_cache(path, cov)
    return cov


def coverage_cache_path(geoms: gpd.GeoSeries, grid: Grid, cache_dir: Path) -> Path:
    """Where :func:`compute_coverage` stores the coverage of ``geoms`` on ``grid``: one file
    per set of geometries (a whole level) and grid, whatever the number of workers.

    Examples
    --------
    >>> g = Grid(CRS.from_epsg(4326).to_wkt(), (1.0, 0.0, 0.0, 0.0, -1.0, 4.0), 4, 4)
    >>> p = coverage_cache_path(gpd.GeoSeries([shapely.box(0, 0, 1, 1)]), g, Path("c"))
    >>> p.parent.name, p.name.startswith("cov-" + CACHE_VERSION + "-"), p.suffix
    ('c', True, '.npz')
    """
    return Path(cache_dir) / f"cov-{CACHE_VERSION}-{geometry_hash(geoms)}-{grid.key()}.npz"


def read_coverage_cache(path: Path, grid: Grid, n_areas: int) -> Coverage | None:
    """The coverage stored at ``path``, or None when there is none or it is unusable.

    An unusable file (truncated, not an ``.npz``, arrays missing or inconsistent with
    ``n_areas`` and ``grid``) is logged and deleted, so the caller computes and stores it
    again; it never raises.

    Examples
    --------
    >>> read_coverage_cache(Path("/nonexistent/cov.npz"), None, 3) is None
    True
    """
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            offsets, cells, weights = z["offsets"], z["cells"], z["weights"]
        n_cells = grid.width * grid.height
        ok = (offsets.ndim == cells.ndim == weights.ndim == 1
              and len(offsets) == n_areas + 1 and int(offsets[0]) == 0
              and int(offsets[-1]) == len(cells) == len(weights)
              and bool(np.all(np.diff(offsets) >= 0))
              and (len(cells) == 0 or (int(cells.min()) >= 0 and int(cells.max()) < n_cells))
              and bool(np.all(np.isfinite(weights))))
        problem = "arrays do not fit the areas or the grid"
    except Exception as exc:  # a partial or foreign file: zipfile, numpy and OS errors alike
        ok, problem = False, f"{type(exc).__name__}: {exc}"
    if ok:
        return Coverage(grid, offsets, cells, weights)
    log.warning("coverage cache %s is unusable (%s); computing it again", path, problem)
    try:
        path.unlink()
    except OSError:
        pass
    return None


def write_coverage_cache(path: Path, cov: Coverage) -> None:
    """Store ``cov`` at ``path`` atomically: a temporary file in the same folder, flushed to
    the disk (fsync), then renamed onto ``path``. A process killed midway leaves no file at
    ``path``, or the previous one, never a partial one; a disk that cannot take the file
    (read-only, full) only logs a warning.

    Temporary files of writes killed more than an hour ago are removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> cov = Coverage(None, np.array([0, 1]), np.array([4]), np.array([0.5]))
    >>> write_coverage_cache(folder / "cov.npz", cov)
    >>> sorted(p.name for p in folder.iterdir())
    ['cov.npz']
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, offsets=cov.offsets, cells=cov.cells, weights=cov.weights)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        log.warning("coverage cache %s not written (%s)", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temporaries(folder: Path, age_s: float = 3600.0) -> None:
    now = time.time()
    for p in folder.glob(".cov-*.tmp"):
        try:
            if now - p.stat().st_mtime > age_s:
                p.unlink()
        except OSError:
            pass


def valid_mask(values: np.ndarray, nodata: float | None) -> np.ndarray:
    ok = np.isfinite(values) if values.dtype.kind == "f" else np.ones(values.shape, bool)
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        ok &= values != nodata
    return ok


def bounds_window(grid: Grid, bounds: tuple[float, float, float, float]
                  ) -> tuple[int, int, int, int]:
    """The grid window (row_off, col_off, height, width) holding ``bounds`` (grid CRS),
    one cell wider on every side; cut to the grid."""
    a = grid.affine
    minx, miny, maxx, maxy = bounds
    cols = sorted(((minx - a.c) / a.a, (maxx - a.c) / a.a))
    rows = sorted(((maxy - a.f) / a.e, (miny - a.f) / a.e))
    c0 = min(max(int(np.floor(cols[0])) - 1, 0), grid.width)
    r0 = min(max(int(np.floor(rows[0])) - 1, 0), grid.height)
    c1 = min(int(np.ceil(cols[1])) + 1, grid.width)
    r1 = min(int(np.ceil(rows[1])) + 1, grid.height)
    return (r0, c0, max(r1 - r0, 0), max(c1 - c0, 0))


def reduce_continuous(cov: Coverage, values: np.ndarray, nodata: float | None,
                      window: tuple[int, int, int, int] | None = None) -> pd.DataFrame:
    """Per area: coverage-weighted ``mean``, ``min``, ``max`` and ``covered`` share.

    ``values`` is the flat raster (``arr.ravel()``) on ``cov.grid``, or the flat
    ``cov.window`` of it. Cells without data,
    and cells with zero coverage, are left out of min and max (as exactextract does).
    """
    n = cov.n_areas
    v = cov.pick(values, window)
    ok = valid_mask(v, nodata)
    if not cov.all_positive:
        ok &= cov.weights > 0
    mean = np.full(n, np.nan)
    mins = np.full(n, np.nan)
    maxs = np.full(n, np.nan)
    if v.size == 0:
        return pd.DataFrame({"mean": mean, "min": mins, "max": maxs, "covered": np.zeros(n)})
    if ok.all():
        w = cov.weights
        vmin = vmax = v
    else:
        w = np.where(ok, cov.weights, 0.0)
        big = np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).max
        small = -np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).min
        vmin = np.where(ok, v, big)
        vmax = np.where(ok, v, small)
        v = np.where(ok, v, 0)
    sum_w = cov.segment_sum(w)
    sum_wv = cov.segment_sum(w * v.astype(np.float64, copy=False))
    has = sum_w > 0
    mean[has] = sum_wv[has] / sum_w[has]
    ne = cov.nonempty
    mins[ne] = np.minimum.reduceat(vmin, cov.starts)
    maxs[ne] = np.maximum.reduceat(vmax, cov.starts)
    mins[~has] = np.nan
    maxs[~has] = np.nan
    tot = cov.total_weight
    covered = np.divide(sum_w, tot, out=np.zeros(n), where=tot > 0)
    return pd.DataFrame({"mean": mean, "min": mins, "max": maxs, "covered": covered})


def reduce_categorical(
    cov: Coverage, values: np.ndarray, nodata: float | None,
    window: tuple[int, int, int, int] | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Per area: the majority class and the share of each class in the covered part."""
    return shares_from_class_weights(class_weights(cov, values, nodata, window), cov.n_areas)


def class_weights(
    cov: Coverage, values: np.ndarray, nodata: float | None,
    window: tuple[int, int, int, int] | None = None,
) -> dict:
    """Per class present: the summed coverage of its cells in each area (``n_areas``).

    The first half of :func:`reduce_categorical`; the weights of disjoint sets of areas
    can be put side by side (a class absent from a set weighs 0 there) and finished with
    :func:`shares_from_class_weights`.

    Examples
    --------
    >>> g = Grid(CRS.from_epsg(4326).to_wkt(), (1.0, 0.0, 0.0, 0.0, -1.0, 1.0), 3, 1)
    >>> cov = Coverage(g, np.array([0, 2, 3]), np.array([0, 1, 2]), np.array([1, .5, 1]))
    >>> {float(k): v.tolist() for k, v in class_weights(cov, np.array([3., 4, 4]), None).items()}
    {3.0: [1.0, 0.0], 4.0: [0.5, 1.0]}
    """
    n = cov.n_areas
    v = cov.pick(values, window)
    ok = valid_mask(v, nodata) & (cov.weights > 0)
    classes = np.unique(v[ok]) if ok.any() else np.array([])
    area = cov.area
    sums = {}
    for c in classes:
        m = ok & (v == c)
        sums[c] = np.bincount(area[m], weights=cov.weights[m], minlength=n)
    return sums


def shares_from_class_weights(sums: dict, n_areas: int) -> tuple[pd.Series, pd.DataFrame]:
    """The majority class and class shares per area from :func:`class_weights`.

    Examples
    --------
    >>> majority, shares = shares_from_class_weights({1: np.array([3.0, 0.0]),
    ...                                               2: np.array([1.0, 0.0])}, 2)
    >>> majority.tolist()[0], shares.loc[0].tolist(), bool(shares.loc[1].isna().all())
    (1.0, [0.75, 0.25], True)
    """
    frame = pd.DataFrame({c: sums[c] for c in sorted(sums)}, index=range(n_areas))
    tot = frame.sum(axis=1)
    has = tot > 0
    frame = frame.div(tot.where(has), axis=0)
    if not has.any():
        return pd.Series(np.nan, index=range(n_areas)), frame
    # only over areas with data: pandas refuses the idxmax of an all-NaN row
    return frame[has].idxmax(axis=1).reindex(frame.index), frame


CHUNK_CELLS = 1 << 20


def class_shares(cov: Coverage, cell_class: np.ndarray, n_classes: int = 4) -> np.ndarray:
    """(n_areas, n_classes) shares of classes 1..n over the covered cells with a class (>0)."""
    n = cov.n_areas
    slots = n_classes + 1  # class 0 (no data) gets its own slot
    sums = np.zeros((n, slots))
    # areas in chunks of about a million cells: bincount's temporaries stay small when
    # two threads classify national layers side by side
    offsets = cov.offsets
    a0 = 0
    while a0 < n:
        a1 = int(np.searchsorted(offsets, offsets[a0] + CHUNK_CELLS, side="right")) - 1
        a1 = min(max(a1, a0 + 1), n)
        c0, c1 = int(offsets[a0]), int(offsets[a1])
        if c1 > c0:
            key = (cov.area[c0:c1] - a0).astype(np.intp) * slots + cell_class[c0:c1]
            sums[a0:a1] = np.bincount(key, weights=cov.weights[c0:c1],
                                      minlength=(a1 - a0) * slots).reshape(a1 - a0, slots)
        a0 = a1
    sums = sums[:, 1:]
    tot = sums.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, sums / tot, np.nan)
