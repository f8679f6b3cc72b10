"""Agro-ecological attributes per area from the dataset's rasters.

Slope is derived from the DEM when no slope raster is given (percent, computed in metres
even for a DEM in geographic coordinates); temperature is estimated from elevation with
Braak's lapse-rate formula, T = 26.3 - 0.6 * elevation / 100 (°C), when no temperature
raster is given, and marked as estimated.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

from app.core.rasters import RasterInfo
from app.core.zonal import (
    Coverage,
    Grid,
    bounds_window,
    compute_coverage,
    reduce_categorical,
    reduce_continuous,
)

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


def slope_percent(dem: np.ndarray, grid: Grid) -> np.ndarray:
    """Slope (%) of a DEM by central differences; NaN where a neighbour is missing.

    For a DEM in geographic coordinates the cell size is converted to metres per row
    (longitude spacing shrinks with cos(latitude)); for a projected DEM the CRS unit is
    converted to metres.
    """
    z = dem.astype(np.float64)
    a = grid.affine
    crs = grid.crs
    if crs.is_geographic:
        rows = np.arange(grid.height)
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


def _read(path: str, window: Window | None) -> np.ndarray:
    from rasterio.windows import Window as RWindow

    with rasterio.open(path) as src:
        if window is None:
            return src.read(1)
        r0, c0, h, w = window
        return src.read(1, window=RWindow(c0, r0, w, h))


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
            r0, c0, h, w = padded
            a = e.grid.affine
            sub = Grid(e.grid.crs_wkt, (a.a, a.b, a.c + c0 * a.a, a.d, a.e, a.f + r0 * a.e),
                       w, h)
            return slope_percent(z, sub)[cut]

        layers["slope"] = Layer("slope", elev.grid, None, load_slope,
                                f"derived from {elev.source}")
    if elev is not None and "temperature" not in layers:
        layers["temperature"] = Layer(
            "temperature", elev.grid, None,
            lambda window=None, e=elev: braak_temperature(dem(e, window)),
            f"estimated from {elev.source} (Braak)", estimated=True)
    return layers


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unggulan"


class AttributeEngine:
    """Coverage per (level, grid) and raster values, computed once and shared."""

    def __init__(self, rasters: dict[str, RasterInfo], *, workers: int = 1,
                 cache_dir: Path | None = None):
        self.layers = build_layers(rasters)
        self.workers = workers
        self.cache_dir = cache_dir
        self._values: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._coverage: dict[tuple[str, str], Coverage] = {}

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
            self._coverage[k] = compute_coverage(geoms, grid, workers=self.workers,
                                                 cache_dir=self.cache_dir)
        return self._coverage[k]

    def attributes(self, key: str, areas: gpd.GeoDataFrame, progress: bool = False) -> pd.DataFrame:
        """Per area: ``{attr}_mean/_min/_max/_covered``; for drainage and texture also
        ``{attr}_majority`` and ``{attr}_share_{class}``. Indexed like ``areas``."""
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
            res = {f"{attr}_{c}": stats[c].to_numpy() for c in ("mean", "min", "max", "covered")}
            if layer.estimated:  # e.g. temperature from elevation (Braak), not measured
                res[f"{attr}_estimated"] = np.ones(len(areas), dtype=bool)
            if layer.categorical:
                majority, shares = reduce_categorical(cov, vals, layer.nodata, windows[attr])
                res[f"{attr}_majority"] = majority.to_numpy()
                for cls in shares.columns:
                    res[f"{attr}_share_{cls:g}"] = shares[cls].to_numpy()
            return res

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

    def cell_values(self, key: str, areas: gpd.GeoDataFrame) -> tuple[Coverage, dict]:
        """Coverage on the reference grid and every layer's values at its covered cells
        (NaN where a layer has no data)."""
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
        return cov, out
