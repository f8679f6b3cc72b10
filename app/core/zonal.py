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


def _coverage_chunk(args) -> tuple[int, list[np.ndarray], list[np.ndarray]]:
    wkbs, start, grid = args
    xmin, ymin, xmax, ymax = grid.bounds
    # an all-valid stand-in of the grid: exactextract skips nodata cells of the raster it runs on
    stand_in = NumPyRasterSource(np.zeros((grid.height, grid.width), dtype=np.uint8),
                                 xmin, ymin, xmax, ymax, srs_wkt=grid.crs_wkt)
    res = exact_extract(stand_in, _WKBSource(wkbs, grid.crs_wkt, start), ["cell_id", "coverage"],
                        include_cols=["_idx"], output="pandas")
    res = res.sort_values("_idx")
    return start, list(res["cell_id"]), list(res["coverage"])


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
        key = f"cov-{CACHE_VERSION}-{geometry_hash(geoms)}-{grid.key()}.npz"
        path = Path(cache_dir) / key
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
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for (chunk, (_, c_cells, c_cov)) in zip(
                [c for c in chunks if len(c)], pool.map(_coverage_chunk, jobs)
            ):
                for pos, i in enumerate(chunk):
                    cells[i], covs[i] = c_cells[pos], c_cov[pos]
    else:
        _, cells, covs = _coverage_chunk((wkbs, 0, grid))
    counts = np.fromiter((len(c) for c in cells), dtype=np.int64, count=n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    cat_cells = np.concatenate(cells).astype(np.int64) if n else np.empty(0, np.int64)
    cat_w = np.concatenate(covs).astype(np.float64) if n else np.empty(0)
    cov = Coverage(grid, offsets, cat_cells, cat_w)
    if path is not None:
        write_coverage_cache(path, cov)
    return cov


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
    n = cov.n_areas
    v = cov.pick(values, window)
    ok = valid_mask(v, nodata) & (cov.weights > 0)
    classes = np.unique(v[ok]) if ok.any() else np.array([])
    area = cov.area
    shares = {}
    for c in classes:
        m = ok & (v == c)
        shares[c] = np.bincount(area[m], weights=cov.weights[m], minlength=n)
    frame = pd.DataFrame(shares, index=range(n))
    tot = frame.sum(axis=1)
    frame = frame.div(tot.where(tot > 0), axis=0)
    # an area with no valid cell has NaN shares (pandas refuses idxmax over them): any
    # label, masked to NaN below
    majority = frame.fillna(-1.0).idxmax(axis=1) if len(classes) else \
        pd.Series(np.nan, index=range(n))
    return majority.where(tot > 0), frame


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
