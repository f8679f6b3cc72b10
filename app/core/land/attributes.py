"""Agro-ecological attributes per area from the dataset's rasters.

Slope is derived from the DEM when no slope raster is given (percent, computed in metres
even for a DEM in geographic coordinates); temperature is estimated from elevation with
Braak's lapse-rate formula, T = 26.3 - 0.6 * elevation / 100 (°C), when no temperature
raster is given, and marked as estimated.

With several workers, :meth:`AttributeEngine.attributes` works on spatial chunks of the
areas in several processes (each computes its chunk's coverage, reads only its chunk's
window of every raster and reduces it); the numbers are those of one process, bit for bit.
Worker processes start from a forkserver: a script that computes attributes with workers > 1
must guard its top level with ``if __name__ == "__main__":``, as any multiprocessing
program (without it the workers fail and this process computes every chunk itself).
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ThreadPoolExecutor,
    as_completed,
    wait,
)
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import CRS

from unggulan.core.inputs.rasters import RasterInfo
from unggulan.core.land.zonal import (
    Coverage,
    Grid,
    bounds_window,
    class_weights,
    compute_coverage,
    coverage_cache_path,
    coverage_of_wkb,
    merge_coverages,
    partition_areas,
    process_context,
    read_coverage_cache,
    reduce_continuous,
    shares_from_class_weights,
    write_coverage_cache,
)

log = logging.getLogger(__name__)
CATEGORICAL = ("drainage", "texture")
UNITS = {
    "elevation": "m", "slope": "%", "temperature": "°C", "rainfall": "mm/yr", "humidity": "%",
    "wet_months": "months", "dry_months": "months", "ph": "pH", "cec": "cmol/kg",
    "organic_carbon": "", "nitrogen": "", "coarse_fragments": "%", "base_saturation": "%",
    "drainage": "class", "texture": "class", "salinity": "", "esp": "", "soil_depth": "cm",
}  # fmt: skip
# WGS84 ellipsoid, for metres per degree in geographic rasters
_A = 6378137.0
_E2 = 6.69437999014e-3


def braak_temperature(elevation_m: np.ndarray) -> np.ndarray:
    """Mean annual temperature (°C) estimated from elevation (m), Braak (1928)."""
    return 26.3 - 0.6 * elevation_m / 100.0


def metres_per_degree(lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude at ``lat_deg`` on WGS84."""
    phi = np.radians(lat_deg)
    w = 1 - _E2 * np.sin(phi) ** 2
    per_lon = np.pi / 180 * _A * np.cos(phi) / np.sqrt(w)
    per_lat = np.pi / 180 * _A * (1 - _E2) / w**1.5
    return per_lon, per_lat


def slope_percent(dem: np.ndarray, grid: Grid, row_offset: int = 0) -> np.ndarray:
    """Slope (%) of a DEM by central differences; NaN where a neighbour is missing.

    For a DEM in geographic coordinates the cell size is converted to metres per row
    (longitude spacing shrinks with cos(latitude)); for a projected DEM the CRS unit is
    converted to metres. ``dem`` may be rows ``row_offset ...`` of ``grid``: latitudes are
    computed from the whole grid's origin, so a cell's slope is the same bit for bit
    whatever window it is read in.

    Examples
    --------
    >>> g = Grid(CRS.from_epsg(32750).to_wkt(), (10.0, 0.0, 0.0, 0.0, -10.0, 0.0), 3, 3)
    >>> slope_percent(np.array([[0.0, 1, 2]] * 3), g)[1].tolist()  # 1 m rise per 10 m
    [10.0, 10.0, 10.0]
    """
    z = dem.astype(np.float64)
    a = grid.affine
    crs = grid.crs
    if crs.is_geographic:
        rows = np.arange(row_offset, row_offset + z.shape[0])
        lat = a.f + (rows + 0.5) * a.e
        per_lon, per_lat = metres_per_degree(lat)
        dx = (abs(a.a) * per_lon)[:, None]
        dy = abs(a.e) * per_lat[:, None]
    else:
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        dx, dy = abs(a.a) * factor, abs(a.e) * factor
    gy, gx = np.gradient(z)  # per cell; NaN neighbours give NaN
    return 100.0 * np.hypot(gx / dx, gy / dy)


@dataclass
class Layer:
    """One attribute: where its values come from and on which grid."""

    attribute: str
    grid: Grid
    nodata: float | None
    load: Callable[..., np.ndarray]  # load(window=None) -> 2-D array
    source: str
    estimated: bool = False

    @property
    def categorical(self) -> bool:
        return self.attribute in CATEGORICAL


Window = tuple[int, int, int, int]  # row_off, col_off, height, width


# rasters kept open by a thread that reads window after window of them (a chunk process):
# GDAL's block cache then decodes a tile shared by neighbouring windows once
_OPEN = threading.local()


def _read(path: str, window: Window | None) -> np.ndarray:

    handles = getattr(_OPEN, "handles", None)
    if handles is None:
        with rasterio.open(path) as src:
            return src.read(1) if window is None else _read_window(src, window)
    if path not in handles:
        handles[path] = rasterio.open(path)
    return _read_window(handles[path], window)


def _read_window(src, window: Window | None) -> np.ndarray:
    from rasterio.windows import Window as RWindow

    if window is None:
        return src.read(1)
    r0, c0, h, w = window
    return src.read(1, window=RWindow(c0, r0, w, h))


@contextmanager
def _rasters_kept_open():
    """Within: this thread's reads keep their rasters open (closed on leaving)."""
    _OPEN.handles = {}
    try:
        yield
    finally:
        handles, _OPEN.handles = _OPEN.handles, None
        for src in handles.values():
            src.close()


def _reader(path: str) -> Callable[[Window | None], np.ndarray]:
    return lambda window=None: _read(path, window)


def _padded(window: Window | None, grid: Grid) -> tuple[Window | None, tuple[slice, slice]]:
    """The window grown by one cell (within the grid) and the slices that cut it back."""
    if window is None:
        return None, (slice(None), slice(None))
    r0, c0, h, w = window
    pr0, pc0 = max(r0 - 1, 0), max(c0 - 1, 0)
    pr1, pc1 = min(r0 + h + 1, grid.height), min(c0 + w + 1, grid.width)
    return (pr0, pc0, pr1 - pr0, pc1 - pc0), (slice(r0 - pr0, r0 - pr0 + h),
                                              slice(c0 - pc0, c0 - pc0 + w))


def build_layers(rasters: dict[str, RasterInfo]) -> dict[str, Layer]:
    """Layers for every raster present, plus derived slope and estimated temperature."""
    layers: dict[str, Layer] = {}
    for attr, info in rasters.items():
        with rasterio.open(info.path) as src:
            grid = Grid.of(src)
            nodata = src.nodata
        layers[attr] = Layer(attr, grid, nodata, _reader(info.path), Path(info.path).name)
    elev = layers.get("elevation")

    def dem(e: Layer, window: Window | None) -> np.ndarray:
        z = e.load(window).astype(np.float64)
        if e.nodata is not None and not np.isnan(e.nodata):
            z[z == e.nodata] = np.nan
        return z

    if elev is not None and "slope" not in layers:
        def load_slope(window=None, e=elev):
            # one extra cell around the window, so its edge cells get central differences
            padded, cut = _padded(window, e.grid)
            z = dem(e, padded)
            if padded is None:
                return slope_percent(z, e.grid)
            return slope_percent(z, e.grid, row_offset=padded[0])[cut]

        layers["slope"] = Layer("slope", elev.grid, None, load_slope,
                                f"derived from {elev.source}")
    if elev is not None and "temperature" not in layers:
        layers["temperature"] = Layer(
            "temperature", elev.grid, None,
            lambda window=None, e=elev: braak_temperature(dem(e, window)),
            f"estimated from {elev.source} (Braak)", estimated=True)
    return layers




STATS = ("mean", "min", "max", "covered")
# attributes on several processes from this many areas on (below, starting processes costs
# more than it saves)
PARALLEL_MIN_AREAS = 2000
# spatial chunks per process: the processes take chunks as they get free, so a process that
# starts late or shares its core with someone else does fewer of them
CHUNKS_PER_WORKER = 8
# fixed cost of one area in the partition's work estimate, in pixels of its bounding box
AREA_COST_CELLS = 32.0
# this process takes chunks too (False sends every chunk to the worker processes: tests)
CHUNKS_HERE = True


def chunk_sizes(n_parts: int, workers: int) -> np.ndarray:
    """Relative sizes of the chunks, in the order they are laid out: the worker processes
    take them from the front, this process from the back, so they meet about
    ``(workers - 1) / workers`` of the way. The chunks there, done last, are the smallest
    (down to a fifth), so no process is left long alone with a large one.

    Examples
    --------
    >>> chunk_sizes(8, 2).round(3).tolist()
    [1.0, 1.0, 0.75, 0.25, 0.25, 0.75, 1.0, 1.0]
    """
    meet = n_parts * (workers - 1) / workers
    d = np.abs(np.arange(n_parts) + 0.5 - meet)
    return np.clip(d / max(n_parts / 4, 1.0), 0.2, 1.0)


def _columns(attr: str, layer: Layer, stats: dict[str, np.ndarray], weights: dict | None,
             n: int) -> dict[str, np.ndarray]:
    """An attribute's output columns from its reduced statistics (in their fixed order)."""
    res = {f"{attr}_{c}": stats[c] for c in STATS}
    if layer.estimated:  # e.g. temperature from elevation (Braak), not measured
        res[f"{attr}_estimated"] = np.ones(n, dtype=bool)
    if layer.categorical:
        majority, shares = shares_from_class_weights(weights or {}, n)
        res[f"{attr}_majority"] = majority.to_numpy()
        for cls in shares.columns:
            res[f"{attr}_share_{cls:g}"] = shares[cls].to_numpy()
    return res


def _chunk_window(grid: Grid, shapes: np.ndarray) -> Window:
    """The window of ``grid`` holding the chunk's geometries (as :func:`bounds_window`)."""
    b = shapely.total_bounds(shapes)
    return bounds_window(grid, tuple(b)) if np.isfinite(b).all() else (0, 0, 0, 0)


def _chunk_stats(layers: dict[str, Layer], grids: dict[str, Grid], wkbs: dict[str, list],
                 windows: dict[str, Window], keep: tuple[str, ...]) -> tuple[dict, dict]:
    """Coverage and statistics of one spatial chunk of areas, reading only the window of
    every raster that the chunk covers.

    Returns per attribute its continuous statistics (and class weights for categorical
    layers), and for the grids in ``keep`` the chunk's coverage as
    ``(offsets, cells, weights)`` (cells as int32 where the grid allows, to send less).
    """
    covs = {gk: coverage_of_wkb(wkbs[gk], grid) for gk, grid in grids.items()}
    stats: dict[str, dict] = {}
    for attr, layer in layers.items():
        gk = layer.grid.key()
        cov, window = covs[gk], windows[gk]
        if window[2] * window[3]:
            vals = np.ascontiguousarray(layer.load(window)).ravel()
        else:  # no covered cell: nothing to read
            vals = np.empty(0)
        cont = reduce_continuous(cov, vals, layer.nodata, window)
        res: dict = {c: cont[c].to_numpy() for c in STATS}
        if layer.categorical:
            res["classes"] = class_weights(cov, vals, layer.nodata, window)
        stats[attr] = res
    kept = {}
    for gk in keep:
        cov = covs[gk]
        small = grids[gk].width * grids[gk].height < 2**31
        kept[gk] = (cov.offsets, cov.cells.astype(np.int32) if small else cov.cells,
                    cov.weights)
    return stats, kept


_WORKER_LAYERS: dict[tuple, dict[str, Layer]] = {}


def _warm_up(rasters: dict[str, RasterInfo]) -> None:
    """A worker's first task: its layers built before the first chunk comes."""
    _worker_layers(rasters)


def _worker_layers(rasters: dict[str, RasterInfo]) -> dict[str, Layer]:
    """The layers of ``rasters`` in a worker process (built once per set of rasters), whose
    rasters stay open for the process's life (its GDAL block cache serves the tiles that
    neighbouring chunks share)."""
    if getattr(_OPEN, "handles", None) is None:
        _OPEN.handles = {}
    ident = tuple(sorted((a, str(info.path)) for a, info in rasters.items()))
    if ident not in _WORKER_LAYERS:
        _WORKER_LAYERS.clear()
        _WORKER_LAYERS[ident] = build_layers(rasters)
    return _WORKER_LAYERS[ident]


def _open_pool(n: int, rasters: dict[str, RasterInfo]) -> ProcessPoolExecutor | None:
    """``n`` worker processes, started now (from the forkserver: see
    :func:`~unggulan.core.land.zonal.process_context`), or None where processes cannot be
    started."""
    if n < 1:
        return None
    try:
        pool = ProcessPoolExecutor(n, mp_context=process_context())
        for _ in range(n):
            pool.submit(_warm_up, rasters)
        return pool
    except (OSError, RuntimeError) as exc:  # no semaphores, no fork server, bootstrapping
        log.warning("no worker processes (%s); every chunk is computed in this process", exc)
        return None


def _run_chunks(n_chunks: int, workers: int, opened: Future,
                here: Callable[[int], tuple], remote: Callable[[int, str], tuple],
                progress: str | None) -> tuple[list, dict[str, int]]:
    """Chunk results ``0 .. n_chunks - 1``: this process computes ``here(i)`` on a thread
    while the workers of the pool being ``opened`` (:func:`_open_pool`) run
    ``remote(i, out)`` (a function and its arguments, that pickles the result to the file
    ``out``); each takes the next chunk when it is free.

    The workers take chunks from the front of the order, this process from the back, so
    each tends to get a neighbour of its previous chunk. A pool that breaks (or that there
    is none) leaves its chunks to this process. Returns the results and how many chunks
    each side computed.
    """
    results: list = [None] * n_chunks
    todo = deque(range(n_chunks))
    lock = threading.Lock()
    done_by = {"here": 0, "pool": 0}
    bar = None
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task(progress, total=n_chunks)
        bar.start()

    def take(last: bool = False) -> int | None:
        with lock:
            return (todo.pop() if last else todo.popleft()) if todo else None

    def finished(i: int, result, where: str) -> None:
        results[i] = result
        done_by[where] += 1
        if bar is not None:
            bar.advance(task)

    def local() -> None:
        try:
            with _rasters_kept_open():
                while CHUNKS_HERE and (i := take(last=True)) is not None:
                    finished(i, here(i), "here")
        except BaseException:
            with lock:  # the workers stop taking chunks too
                todo.clear()
            raise

    def in_pool(pool: ProcessPoolExecutor) -> None:
        n_pool = workers - 1
        scratch = _scratch_dir()
        running: dict = {}

        def top_up() -> None:
            # one chunk queued behind each running one while many are left, so a worker
            # never waits for this process to send the next; none near the end, where a
            # queued chunk could leave the others idle
            while len(running) < n_pool * (2 if len(todo) > 2 * workers else 1):
                i = take()
                if i is None:
                    return
                fn, *args = remote(i, os.path.join(scratch, f"chunk-{i}.pickle"))
                running[pool.submit(fn, *args)] = i

        try:
            top_up()
            while running:
                ready, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in ready:
                    i, path = running.pop(fut), fut.result()
                    top_up()  # the next chunks first: the worker waits for them
                    finished(i, _load_result(path), "pool")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(scratch, ignore_errors=True)

    try:
        with ThreadPoolExecutor(max_workers=1) as helper:
            mine = helper.submit(local)
            pool = opened.result()
            if pool is not None:
                try:
                    in_pool(pool)
                except (BrokenProcessPool, OSError) as exc:
                    # a worker died (or could not start): this process does the rest
                    log.warning("attribute worker processes failed (%s); continuing in "
                                "this process", exc)
                except BaseException:
                    with lock:
                        todo.clear()
                    raise
            mine.result()
        for i, res in enumerate(results):
            if res is None:  # lost with a broken pool or left without one
                finished(i, here(i), "here")
    finally:
        if bar is not None:
            bar.stop()
    return results, done_by


def _chunk_job(rasters: dict[str, RasterInfo], attrs: list[str], grids: dict[str, Grid],
               wkbs: dict[str, list], windows: dict[str, Window], keep: tuple[str, ...],
               out: str) -> str:
    """:func:`_chunk_stats` in a worker process; the result is pickled to the file ``out``.

    Through a file, not the pool's pipe: the calling process reads a pipe 64 KiB at a time,
    taking the GIL again for each read while its own thread computes a chunk, which made
    each 20 MB result take most of a second.
    """
    built = _worker_layers(rasters)
    result = _chunk_stats({a: built[a] for a in attrs}, grids, wkbs, windows, keep)
    Path(out).write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    return out


def _load_result(path: str) -> tuple[dict, dict]:
    data = Path(path).read_bytes()  # one read
    Path(path).unlink(missing_ok=True)
    return pickle.loads(data)


def _scratch_dir() -> str:
    """A private folder for the chunks' results: in memory (/dev/shm) where there is one."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return tempfile.mkdtemp(prefix="unggulan-chunks-", dir=base)


class AttributeEngine:
    """Coverage per (level, grid) and raster values, computed once and shared.

    With ``workers > 1`` and at least :data:`PARALLEL_MIN_AREAS` areas whose coverage is
    not known yet (in memory or in ``cache_dir``), :meth:`attributes` splits the areas
    into spatially compact chunks of similar pixel work (:func:`partition_areas`), and
    ``workers`` processes (this one and ``workers - 1`` started from a forkserver, see
    :func:`process_context`) take the chunks one by one: each computes the chunk's
    coverage, reads only the chunk's window of every raster and reduces every attribute.
    The result is identical to ``workers=1``; the coverage of the whole level is kept (and
    written to ``cache_dir``) as with one process.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> eng = AttributeEngine(ds.rasters, workers=1)
    >>> a = eng.attributes("desa", ds.areas("desa"))
    >>> bool((a["elevation_covered"] > 0.9).all())
    True
    """

    def __init__(self, rasters: dict[str, RasterInfo], *, workers: int = 1,
                 cache_dir: Path | None = None):
        self.layers = build_layers(rasters)
        self.workers = workers
        self.cache_dir = cache_dir
        self._rasters = dict(rasters)
        self._built = dict(self.layers)  # what worker processes can rebuild from the files
        self._values: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._coverage: dict[tuple[str, str], Coverage] = {}
        # coverage computed in chunks by the parallel path, merged when first asked for
        self._pending: dict[tuple[str, str], tuple] = {}
        self.last_run: dict = {}

    def values(self, attr: str, window: Window | None = None) -> np.ndarray:
        """The flat (row-major) values of an attribute on its own grid, or of a window
        ``(row_off, col_off, height, width)`` of it."""
        grid = self.layers[attr].grid
        if window is not None and window == (0, 0, grid.height, grid.width):
            window = None
        key = attr if window is None else f"{attr}@{window}"
        if key not in self._values:
            arr = np.ascontiguousarray(self.layers[attr].load(window)).ravel()
            with self._lock:
                self._values.setdefault(key, arr)
        return self._values[key]

    def coverage(self, key: str, geoms: gpd.GeoSeries, grid: Grid) -> Coverage:
        k = (key, grid.key())
        if k not in self._coverage:
            pending = self._pending.pop(k, None)
            self._coverage[k] = (
                merge_coverages(*pending) if pending is not None
                else compute_coverage(geoms, grid, workers=self.workers,
                                      cache_dir=self.cache_dir))
        return self._coverage[k]

    def _known(self, key: str, geoms: gpd.GeoSeries, grid: Grid) -> bool:
        """Whether the coverage of ``key`` on ``grid`` is in memory or in the disk cache
        (which is then read into memory)."""
        k = (key, grid.key())
        if k in self._coverage or k in self._pending:
            return True
        if self.cache_dir is None:
            return False
        cached = read_coverage_cache(coverage_cache_path(geoms, grid, self.cache_dir), grid,
                                     len(geoms))
        if cached is not None:
            self._coverage[k] = cached
        return cached is not None

    def _use_processes(self, key: str, areas: gpd.GeoDataFrame) -> bool:
        if self.workers <= 1 or not self.layers or len(areas) < max(PARALLEL_MIN_AREAS, 1):
            return False
        if any(self._built.get(a) is not layer for a, layer in self.layers.items()):
            return False  # layers set by hand: worker processes could not rebuild them
        grids = {layer.grid.key(): layer.grid for layer in self.layers.values()}
        return not all(self._known(key, areas.geometry, g) for g in grids.values())

    def attributes(self, key: str, areas: gpd.GeoDataFrame, progress: bool = False) -> pd.DataFrame:
        """Per area: ``{attr}_mean/_min/_max/_covered``; for drainage and texture also
        ``{attr}_majority`` and ``{attr}_share_{class}``. Indexed like ``areas``."""
        if self._use_processes(key, areas):
            return self._attributes_parallel(key, areas, progress)
        self.last_run = {"processes": 1}
        cols: dict[str, np.ndarray] = {}
        items = list(self.layers.items())
        # Raster windows follow from the areas' bounds, so reading (GDAL releases the GIL)
        # starts on threads while exactextract computes the coverage.
        windows = {}
        for attr, layer in items:
            geoms = areas.geometry
            if geoms.crs is not None and not layer.grid.crs.equals(geoms.crs):
                geoms = geoms.to_crs(layer.grid.crs)
            windows[attr] = bounds_window(layer.grid, tuple(geoms.total_bounds))

        def read(attr):
            return self.values(attr, windows[attr])

        def reduce(attr, layer, vals):
            cov = self.coverage(key, areas.geometry, layer.grid)
            stats = reduce_continuous(cov, vals, layer.nodata, windows[attr])
            weights = (class_weights(cov, vals, layer.nodata, windows[attr])
                       if layer.categorical else None)
            return _columns(attr, layer, {c: stats[c].to_numpy() for c in STATS}, weights,
                            len(areas))

        results: dict[str, dict] = {}
        with ThreadPoolExecutor(max_workers=max(2, self.workers)) as pool:
            reads = {attr: pool.submit(read, attr) for attr, _ in items}
            for _, layer in items:
                self.coverage(key, areas.geometry, layer.grid)
            futures = {pool.submit(reduce, attr, layer, reads[attr].result()): attr
                       for attr, layer in items}
            done = as_completed(futures)
            if progress:
                from rich.progress import track

                done = track(done, total=len(futures),
                             description=f"attributes ({len(areas)} areas)")
            for fut in done:
                results[futures[fut]] = fut.result()
        for attr, _ in items:  # columns in layer order, whatever finished first
            cols.update(results[attr])
        out = pd.DataFrame(cols, index=areas.index)
        return out

    def _attributes_parallel(self, key: str, areas: gpd.GeoDataFrame,
                             progress: bool) -> pd.DataFrame:
        n = len(areas)
        items = list(self.layers.items())
        grids: dict[str, Grid] = {}
        for _, layer in items:
            grids.setdefault(layer.grid.key(), layer.grid)
        # the worker processes start (and open the rasters) while the chunks are prepared;
        # on a thread: the first start waits for the forkserver to import the engine
        starter = ThreadPoolExecutor(max_workers=1)
        pool = starter.submit(_open_pool, self.workers - 1, self._rasters)
        starter.shutdown(wait=False)
        ref = self.reference_grid()
        ref_key = ref.key() if ref is not None and ref.key() in grids else next(iter(grids))
        geoms = areas.geometry
        shapes: dict[str, np.ndarray] = {}  # the areas in each grid's CRS
        for gk, grid in grids.items():
            g = geoms
            if g.crs is not None and not CRS(g.crs).equals(grid.crs):  # as compute_coverage
                g = g.to_crs(grid.crs)
            shapes[gk] = np.asarray(g.values)
        bounds = shapely.bounds(shapes[ref_key])
        # bounding boxes in pixels of the reference grid: centres and pixel counts
        inv = ~grids[ref_key].affine
        cols = inv.a * bounds[:, [0, 2]] + inv.b * bounds[:, [3, 1]] + inv.c
        rows = inv.d * bounds[:, [0, 2]] + inv.e * bounds[:, [3, 1]] + inv.f
        work = (np.abs(cols[:, 1] - cols[:, 0]) + 1) * (np.abs(rows[:, 1] - rows[:, 0]) + 1)
        work = np.where(np.isfinite(work), work, 0.0) + AREA_COST_CELLS
        n_parts = min(CHUNKS_PER_WORKER * self.workers, n)
        parts = partition_areas(cols.mean(axis=1), rows.mean(axis=1), work, n_parts,
                                sizes=chunk_sizes(n_parts, self.workers))
        keep = tuple(gk for gk in grids
                     if (key, gk) not in self._coverage and (key, gk) not in self._pending)
        attrs = [a for a, _ in items]
        read: list = [None] * len(parts)  # the raster windows each chunk reads, per grid

        def job(i: int) -> tuple[dict[str, list], dict[str, Window]]:
            chunk = {gk: g[parts[i]] for gk, g in shapes.items()}
            read[i] = {gk: _chunk_window(grids[gk], g) for gk, g in chunk.items()}
            # WKB, as compute_coverage hands them to exactextract
            return {gk: shapely.to_wkb(g).tolist() for gk, g in chunk.items()}, read[i]

        def here(i: int) -> tuple[dict, dict]:
            return _chunk_stats(self.layers, grids, *job(i), keep)

        def remote(i: int, out: str) -> tuple:
            return (_chunk_job, self._rasters, attrs, grids, *job(i), keep, out)

        results, done_by = _run_chunks(len(parts), self.workers, pool, here, remote,
                                       f"attributes ({n} areas, {self.workers} processes)"
                                       if progress else None)
        self.last_run = {"processes": self.workers, "chunks": len(parts), **done_by,
                         "parts": parts, "windows": read}

        out_cols: dict[str, np.ndarray] = {}
        for attr, layer in items:
            stats = {c: np.empty(n) for c in STATS}
            weights: dict | None = {} if layer.categorical else None
            for part, (st, _) in zip(parts, results):
                r = st[attr]
                for c in STATS:
                    stats[c][part] = r[c]
                if weights is not None:
                    for cls, w in r["classes"].items():
                        if cls not in weights:
                            weights[cls] = np.zeros(n)
                        weights[cls][part] = w
            out_cols.update(_columns(attr, layer, stats, weights, n))
        for gk in keep:
            pieces = [(part, *kept[gk]) for part, (_, kept) in zip(parts, results)]
            if self.cache_dir is not None:  # the same file as one process writes
                cov = merge_coverages(grids[gk], n, pieces)
                write_coverage_cache(coverage_cache_path(geoms, grids[gk], self.cache_dir),
                                     cov)
                self._coverage[(key, gk)] = cov
            else:
                self._pending[(key, gk)] = (grids[gk], n, pieces)
        return pd.DataFrame(out_cols, index=areas.index)

    def forget_coverage(self, key: str) -> None:
        """Let the coverage of the areas ``key`` go (on every grid): computed again, or read
        from the disk cache, if asked for later."""
        with self._lock:
            for k in [k for k in (*self._coverage, *self._pending) if k[0] == key]:
                self._coverage.pop(k, None)
                self._pending.pop(k, None)

    def _release(self, attr: str) -> None:
        """Forget the values read of ``attr`` (whole, windows or warped; derived layers
        read their source raster themselves)."""
        with self._lock:
            for k in [k for k in self._values if k == attr or k.startswith(attr + "@")]:
                del self._values[k]

    def drop_values(self) -> None:
        """Forget the raster values read so far (they are read again when needed)."""
        with self._lock:
            self._values.clear()

    def reference_grid(self) -> Grid | None:
        """The grid most layers share (elevation's on a tie): per-pixel classes live there."""
        if not self.layers:
            return None
        grids: dict[str, list[str]] = {}
        for attr, layer in self.layers.items():
            grids.setdefault(layer.grid.key(), []).append(attr)
        best = max(grids.values(), key=lambda attrs: (len(attrs), "elevation" in attrs))
        return self.layers[best[0]].grid

    def values_on(self, attr: str, grid: Grid) -> np.ndarray:
        """Flat values of ``attr`` on ``grid``: as stored, or warped there (nearest
        neighbour for categorical layers, bilinear otherwise) when on another grid."""
        layer = self.layers[attr]
        if layer.grid.key() == grid.key():
            return self.values(attr)
        key = f"{attr}@{grid.key()}"
        if key not in self._values:
            from rasterio.warp import Resampling, reproject

            src = self.values(attr).reshape(layer.grid.height, layer.grid.width).astype(
                np.float64)
            if layer.nodata is not None and not np.isnan(layer.nodata):
                src = np.where(src == layer.nodata, np.nan, src)
            dst = np.full((grid.height, grid.width), np.nan)
            reproject(src, dst, src_transform=layer.grid.affine, src_crs=layer.grid.crs,
                      dst_transform=grid.affine, dst_crs=grid.crs, src_nodata=np.nan,
                      dst_nodata=np.nan,
                      resampling=Resampling.nearest if layer.categorical else Resampling.bilinear)
            self._values[key] = dst.ravel()
        return self._values[key]

    def cell_values(self, key: str, areas: gpd.GeoDataFrame, release: bool = False
                    ) -> tuple[Coverage, dict]:
        """Coverage on the reference grid and every layer's values at its covered cells
        (NaN where a layer has no data). ``release``: forget each raster's values (see
        :meth:`values`) once its cells are picked, so that whole rasters and per-cell values
        are not all held at once."""
        grid = self.reference_grid()
        cov = self.coverage(key, areas.geometry, grid)
        geoms = areas.geometry
        if geoms.crs is not None and not grid.crs.equals(geoms.crs):
            geoms = geoms.to_crs(grid.crs)
        window = bounds_window(grid, tuple(geoms.total_bounds))  # as attributes() reads
        out = {}
        for attr, layer in self.layers.items():
            same = layer.grid.key() == grid.key()
            src = self.values(attr, window) if same else self.values_on(attr, grid)
            v = cov.pick(src, window if same else None).astype(np.float32)
            nod = layer.nodata if layer.grid.key() == grid.key() else None
            if nod is not None and not np.isnan(nod):
                v[v == np.float32(nod)] = np.nan
            out[attr] = v
            del src
            if release:
                self._release(attr)
        return cov, out
