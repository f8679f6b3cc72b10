"""Reading windows of public raster sources and writing Cloud-Optimized GeoTIFFs.

The input side of ``unggulan rasters fetch`` (the derivations and the choice of what to fetch
are in :mod:`unggulan.core.inputs.fetch_layers`):

- a **source catalogue** in TOML (``data/raster_sources.toml`` bundled, ``--sources FILE`` to
  replace or add entries): one ``[[source]]`` per layer, with a URL that is one COG or VRT,
  a local path, or a template with ``{lat}``/``{lon}`` (tiled products) and/or
  ``{year}``/``{month}`` (monthly series);
- the **target grid** for the areas (:func:`grid_for`): EPSG:4326, a whole number of
  arc-seconds per cell, snapped to multiples of the cell size;
- **reading** through GDAL (``/vsicurl/`` for http(s) URLs: HTTP range requests, only the
  blocks under the window; never a whole file), warped onto the grid by a WarpedVRT, tiles
  mosaicked, months averaged; retried with backoff, with a clear error per source;
- **writing** a COG (GDAL's COG driver through rasterio, GDAL >= 3.1) to a temporary file
  renamed into place, with a provenance sidecar ``<file>.json`` (source URLs, product,
  version, licence, date fetched, window, sha256).
"""

from __future__ import annotations

import json
import math
import os
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from string import Formatter

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from unggulan.base.errors import DatasetError
from unggulan.base.paths import resolve_in
from unggulan.io.cache import file_digest

#: sha256 of a written layer (the project's one file hash)
sha256_of = file_digest

#: GDAL settings for reading over HTTP: no directory listing of the URL's folder (it would be
#: a GET of the whole index page), GDAL's own retries of 429/5xx answers, a timeout
GDAL_OPTIONS = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_HTTP_MAX_RETRY": "3",
    "GDAL_HTTP_RETRY_DELAY": "1",
    "GDAL_HTTP_TIMEOUT": "60",
    "VSI_CACHE": "TRUE",
}
#: metres per arc-second of latitude (WGS84, mean): 1852 m per minute / 60
M_PER_ARCSEC = 30.87
_TEMPLATE_FIELDS = {"lat", "lon", "NS", "EW", "alat", "alon", "year", "month"}
_SOURCE_KEYS = {
    "attribute", "url", "unit", "product", "version", "licence", "citation", "documentation",
    "scale", "offset", "nodata", "tile_degrees", "years", "resolution_m", "resampling",
    "bytes_per_pixel", "block_px", "note",
}  # fmt: skip


class SourceError(Exception):
    """A source could not be read (offline, refused, not found, not a raster)."""


@dataclass
class Source:
    """One entry of the source catalogue."""

    attribute: str
    url: str
    unit: str = ""
    product: str = ""
    version: str = ""
    licence: str = ""
    citation: str = ""
    documentation: str = ""
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None
    tile_degrees: float = 1.0
    years: tuple[int, int] | None = None
    resolution_m: float | None = None
    resampling: str = "bilinear"
    bytes_per_pixel: int = 4
    block_px: int | None = None  # the files' internal block side, when known
    note: str = ""
    origin: str = ""  # the catalogue file it was read from

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in Formatter().parse(self.url) if f}

    @property
    def tiled(self) -> bool:
        return bool(self.fields & {"lat", "lon", "NS", "EW", "alat", "alon"})

    @property
    def monthly(self) -> bool:
        return bool(self.fields & {"year", "month"})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["years"] = list(self.years) if self.years else None
        return d


def load_sources(path: Path) -> tuple[list[Source], bool]:
    """The ``[[source]]`` entries of a TOML catalogue and its ``replace_defaults`` flag.

    Raises :class:`DatasetError` naming the file and the entry for anything malformed.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError("sources file not found", path=path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"not valid TOML: {exc}", path=path) from None
    unknown_top = set(raw) - {"source", "replace_defaults"}
    if unknown_top:
        raise DatasetError(f"unknown key(s) {', '.join(sorted(unknown_top))}; expected "
                           "[[source]] entries and replace_defaults", path=path)
    entries = raw.get("source", [])
    if not isinstance(entries, list):
        raise DatasetError("'source' must be an array of tables ([[source]])", path=path)
    out = []
    for i, e in enumerate(entries, start=1):
        where = f"source[{i}]"
        extra = set(e) - _SOURCE_KEYS
        if extra:
            raise DatasetError(f"{where}: unknown key(s) {', '.join(sorted(extra))}; known: "
                               f"{', '.join(sorted(_SOURCE_KEYS))}", path=path, field=where)
        for key in ("attribute", "url"):
            if not isinstance(e.get(key), str) or not e[key].strip():
                raise DatasetError(f"{where}: '{key}' is required (text)", path=path,
                                   field=f"{where}.{key}")
        kw = dict(e)
        if "years" in kw:
            y = kw["years"]
            if (not isinstance(y, list) or len(y) != 2 or not all(isinstance(v, int) for v in y)
                    or y[0] > y[1]):
                raise DatasetError(f"{where}: years must be [first, last], e.g. [1991, 2020]",
                                   path=path, field=f"{where}.years")
            kw["years"] = (y[0], y[1])
        for key in ("scale", "offset", "nodata", "tile_degrees", "resolution_m",
                    "bytes_per_pixel", "block_px"):
            if key in kw and not isinstance(kw[key], int | float):
                raise DatasetError(f"{where}: '{key}' must be a number", path=path,
                                   field=f"{where}.{key}")
        if kw.get("resampling", "bilinear") not in Resampling.__members__:
            raise DatasetError(f"{where}: resampling '{kw['resampling']}' unknown; e.g. "
                               "bilinear, average, nearest, cubic", path=path,
                               field=f"{where}.resampling")
        src = Source(**kw, origin=str(path))
        bad = src.fields - _TEMPLATE_FIELDS
        if bad:
            raise DatasetError(f"{where}: unknown placeholder(s) {{{'}, {'.join(sorted(bad))}}} "
                               f"in url; known: {', '.join(sorted(_TEMPLATE_FIELDS))}",
                               path=path, field=f"{where}.url")
        if src.monthly and not src.years:
            raise DatasetError(f"{where}: a url with {{year}}/{{month}} needs years = "
                               "[first, last]", path=path, field=f"{where}.years")
        if not src.url.startswith(("http://", "https://", "/vsi")):
            # a local path: relative to the catalogue file
            src.url = str(resolve_in(path.parent, src.url))
        out.append(src)
    return out, bool(raw.get("replace_defaults", False))


# ---------------------------------------------------------------------------- the grid
@dataclass(frozen=True)
class TargetGrid:
    """The grid every fetched layer is written on."""

    crs: str
    transform: tuple[float, float, float, float, float, float]
    width: int
    height: int
    arcsec: int

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        a = self.affine
        return (a.c, a.f + a.e * self.height, a.c + a.a * self.width, a.f)

    @property
    def res(self) -> float:
        return self.transform[0]

    def to_dict(self) -> dict:
        return {"crs": self.crs, "transform": list(self.transform), "width": self.width,
                "height": self.height, "cell_arcsec": self.arcsec,
                "bounds_lonlat": [round(v, 8) for v in self.bounds]}


def grid_for(bounds: tuple[float, float, float, float], buffer_km: float = 2.0,
             resolution_m: float = 90.0) -> TargetGrid:
    """The grid for areas within ``bounds`` (lon/lat): EPSG:4326, cells of a whole number of
    arc-seconds nearest to ``resolution_m`` (1″ ≈ 30.87 m north-south; east-west cells are
    98-100 % of that at Indonesia's latitudes), edges snapped to multiples of the cell so
    that the grid lines up with 1″/3″ products (Copernicus DEM), ``buffer_km`` around.

    Examples
    --------
    >>> g = grid_for((119.74, -5.14, 120.47, -4.22), buffer_km=2, resolution_m=90)
    >>> g.arcsec, g.width, g.height
    (3, 920, 1148)
    """
    if resolution_m <= 0:
        raise ValueError("resolution must be positive (metres)")
    arcsec = max(1, round(resolution_m / M_PER_ARCSEC))
    res = arcsec / 3600.0
    x0, y0, x1, y1 = bounds
    lat = math.radians((y0 + y1) / 2)
    dlat = buffer_km / 110.574
    dlon = buffer_km / (111.320 * max(math.cos(lat), 0.1))
    eps = 1e-9
    gx0 = math.floor((x0 - dlon) / res + eps) * res
    gx1 = math.ceil((x1 + dlon) / res - eps) * res
    gy0 = math.floor((y0 - dlat) / res + eps) * res
    gy1 = math.ceil((y1 + dlat) / res - eps) * res
    width = int(round((gx1 - gx0) / res))
    height = int(round((gy1 - gy0) / res))
    return TargetGrid("EPSG:4326", (res, 0.0, gx0, 0.0, -res, gy1), width, height, arcsec)


# ---------------------------------------------------------------------------- expansion
@dataclass
class Part:
    """One file to read for a source: its URL and, for tiles and months, which one."""

    url: str
    tile: tuple[int, int] | None = None  # (lat, lon) of the south-west corner
    year: int | None = None
    month: int | None = None


def _tile_values(lat: int, lon: int) -> dict:
    return {"lat": lat, "lon": lon, "NS": "N" if lat >= 0 else "S",
            "EW": "E" if lon >= 0 else "W", "alat": abs(lat), "alon": abs(lon)}


def tiles_for(bounds: tuple[float, float, float, float], step: float = 1.0
              ) -> list[tuple[int, int]]:
    """South-west corners (lat, lon) of the ``step``-degree tiles that ``bounds`` touches.

    Examples
    --------
    >>> tiles_for((119.7, -5.2, 120.5, -4.2))
    [(-6, 119), (-6, 120), (-5, 119), (-5, 120)]
    """
    x0, y0, x1, y1 = bounds
    lats = range(math.floor(y0 / step), math.ceil(y1 / step))
    lons = range(math.floor(x0 / step), math.ceil(x1 / step))
    return [(int(la * step), int(lo * step)) for la in lats for lo in lons]


def parts_of(source: Source, bounds: tuple[float, float, float, float]) -> list[Part]:
    """The files to read for ``source`` over ``bounds``."""
    tiles = tiles_for(bounds, source.tile_degrees) if source.tiled else [None]
    if source.monthly:
        y0, y1 = source.years
        times = [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13)]
    else:
        times = [(None, None)]
    parts = []
    for t in tiles:
        for y, m in times:
            values = dict(_tile_values(*t)) if t else {}
            if y is not None:
                values.update(year=y, month=m)
            parts.append(Part(source.url.format(**values) if values else source.url, t, y, m))
    return parts


def estimate_bytes(source: Source, grid: TargetGrid) -> tuple[int, int]:
    """(files, bytes): the uncompressed size of the source's windows over the grid, at the
    source's resolution (``resolution_m``, else the grid's), rounded up to whole blocks when
    ``block_px`` is known, times the files to read: uncompressed, so usually above what a
    compressed COG transfers, though a window across block edges reads more blocks."""
    res_m = source.resolution_m or grid.arcsec * M_PER_ARCSEC
    x0, y0, x1, y1 = grid.bounds
    lat = math.radians((y0 + y1) / 2)
    w_m = (x1 - x0) * 111_320 * math.cos(lat)
    h_m = (y1 - y0) * 110_574
    cols, rows = math.ceil(w_m / res_m), math.ceil(h_m / res_m)
    if source.block_px:  # whole blocks are read: round up (a window across a block edge
        b = source.block_px  # reads up to twice as many)
        cols, rows = math.ceil(cols / b) * b, math.ceil(rows / b) * b
    pixels = cols * rows
    n_months = 12 * (source.years[1] - source.years[0] + 1) if source.monthly else 1
    n_files = len(parts_of(source, grid.bounds))
    return n_files, pixels * n_months * source.bytes_per_pixel


# ---------------------------------------------------------------------------- reading
def gdal_path(url: str) -> str:
    """The path GDAL opens: ``/vsicurl/`` before an http(s) URL (range requests)."""
    return f"/vsicurl/{url}" if url.startswith(("http://", "https://")) else url


def probe(url: str, timeout: float = 30.0) -> int:
    """HTTP status of a HEAD request to ``url`` (200, 404 ...); raises :class:`SourceError`
    when the server cannot be reached (offline, refused, name not found)."""
    req = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (http(s) only)
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"cannot reach {url}: {reason} (offline, or the server refused the "
                          "connection?)") from None


def _retrying(what: Callable, url: str, retries: int, backoff: float):
    """``what()`` retried ``retries`` times with exponential backoff on errors that may pass
    (unreachable server, GDAL read errors)."""
    for attempt in range(retries + 1):
        try:
            return what()
        except (SourceError, rasterio.errors.RasterioIOError) as exc:
            if attempt == retries:
                if isinstance(exc, SourceError):
                    raise
                raise SourceError(f"cannot read {url}: {exc}") from None
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")


def _warp(path: str, grid: TargetGrid, source: Source) -> np.ndarray:
    """The source file warped onto ``grid`` (float32, NaN where it has no data)."""
    with rasterio.Env(**GDAL_OPTIONS), rasterio.open(path) as src:
        src_nodata = source.nodata if source.nodata is not None else src.nodata
        resampling = Resampling[source.resampling]
        # a source much finer than the grid is averaged, not sampled
        if resampling == Resampling.bilinear:
            src_res = abs(src.transform.a)
            if src.crs and not src.crs.is_geographic:
                src_res = src_res / (M_PER_ARCSEC * 3600)
            if src_res * 1.5 < grid.res:
                resampling = Resampling.average
        with WarpedVRT(src, crs=grid.crs, transform=grid.affine, width=grid.width,
                       height=grid.height, resampling=resampling, src_nodata=src_nodata,
                       nodata=np.nan, dtype="float32") as vrt:
            return vrt.read(1)


@dataclass
class ReadResult:
    """What was read for one source: the array(s) on the grid and where they came from."""

    source: Source
    array: np.ndarray  # (H, W), or (12, H, W) of monthly means for a monthly source
    urls: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # tiles that do not exist (sea)


def read_source(source: Source, grid: TargetGrid, *, retries: int = 3, backoff: float = 1.0,
                workers: int = 4, progress: Callable[[int, int], None] | None = None
                ) -> ReadResult:
    """Read ``source`` over ``grid``: tiles mosaicked (a tile that does not exist, HTTP 404,
    is sea and left as nodata), months averaged into 12 monthly means, ``scale`` and
    ``offset`` applied. Raises :class:`SourceError` with the URL and the reason."""
    parts = parts_of(source, grid.bounds)
    total = len(parts)
    done = 0
    missing: list[str] = []

    def one(part: Part, first: bool = False) -> np.ndarray | None:
        url = part.url
        # a HEAD first tells a missing tile (sea) and an unreachable server apart; for the
        # months of a series only the first is probed (GDAL's error names a missing month)
        remote = url.startswith(("http://", "https://"))
        if remote and (first or source.tiled):
            status = _retrying(lambda: probe(url), url, retries, backoff)
            if status == 404 and source.tiled:
                return None
            if status == 404:
                raise SourceError(f"not found (HTTP 404): {url}")
            if status in (401, 403):
                raise SourceError(f"refused (HTTP {status}): {url}")
            if status >= 400 and status not in (405, 501):  # HEAD not allowed: let GDAL try
                raise SourceError(f"HTTP {status}: {url}")
        elif not remote and not url.startswith("/vsi") and not Path(url).exists():
            if source.tiled:
                return None
            raise SourceError(f"file not found: {url}")
        return _retrying(lambda: _warp(gdal_path(url), grid, source), url, retries, backoff)

    # the first part alone: an unreachable server fails once, not once per file
    results: list[np.ndarray | None] = []
    first, rest = parts[:1], parts[1:]
    for p in first:
        results.append(one(p, first=True))
        done += 1
        if progress:
            progress(done, total)
    if rest:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for arr in pool.map(one, rest):
                results.append(arr)
                done += 1
                if progress:
                    progress(done, total)
    for p, a in zip(parts, results, strict=True):
        if a is None:
            missing.append(p.url)
    if all(a is None for a in results):
        raise SourceError(f"none of the {total} file(s) exists (first: {parts[0].url})")

    if source.monthly:
        sums = np.zeros((12, grid.height, grid.width), dtype=np.float64)
        counts = np.zeros((12, grid.height, grid.width), dtype=np.int32)
        # tiles of one month are mosaicked before averaging
        by_time: dict[tuple[int, int], np.ndarray] = {}
        for p, a in zip(parts, results, strict=True):
            if a is None:
                continue
            key = (p.year, p.month)
            cur = by_time.get(key)
            if cur is None:
                by_time[key] = a
            else:
                fill = np.isnan(cur) & ~np.isnan(a)
                cur[fill] = a[fill]
        for (_, m), a in by_time.items():
            ok = ~np.isnan(a)
            sums[m - 1][ok] += a[ok]
            counts[m - 1][ok] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    else:
        out = np.full((grid.height, grid.width), np.nan, dtype=np.float64)
        for a in results:
            if a is None:
                continue
            fill = np.isnan(out) & ~np.isnan(a)
            out[fill] = a[fill]
    out = out * source.scale + source.offset
    return ReadResult(source, out.astype(np.float32),
                      [p.url for p, a in zip(parts, results, strict=True) if a is not None],
                      missing)


# ---------------------------------------------------------------------------- writing


def sidecar_path(path: Path) -> Path:
    """The provenance sidecar of a raster: ``elevation.tif`` -> ``elevation.tif.json``."""
    return path.with_name(path.name + ".json")


def read_sidecar(path: Path) -> dict | None:
    """The provenance written beside a raster by the fetch, or None."""
    side = sidecar_path(Path(path))
    if not side.exists():
        return None
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cog(path: Path, array: np.ndarray, grid: TargetGrid, provenance: dict, *,
              dtype: str = "float32", nodata: float | None = None) -> dict:
    """Write ``array`` as a COG at ``path`` with its provenance sidecar, both through a
    temporary file renamed into place (never a half-written file); the raster is renamed
    first, so a raster without its sidecar (an interrupted run) is fetched again. Returns
    the provenance as written (with ``sha256`` and ``bytes``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    side = sidecar_path(path)
    side_tmp = side.with_name(f".{side.name}.{os.getpid()}.part")
    if nodata is None:
        nodata = float("nan") if np.dtype(dtype).kind == "f" else None
    profile = {
        "driver": "COG", "width": grid.width, "height": grid.height, "count": 1,
        "dtype": dtype, "crs": grid.crs, "transform": grid.affine, "nodata": nodata,
        "compress": "DEFLATE", "predictor": "YES", "blocksize": 256,
        "resampling": "AVERAGE" if np.dtype(dtype).kind == "f" else "NEAREST",
    }  # fmt: skip
    try:
        with rasterio.Env(), rasterio.open(tmp, "w", **profile) as dst:
            dst.write(array.astype(dtype), 1)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        prov = dict(provenance, file=path.name, sha256=file_digest(tmp),
                    bytes=tmp.stat().st_size, driver="GDAL COG (via rasterio "
                    f"{rasterio.__version__}, GDAL {rasterio.__gdal_version__})")
        side_tmp.write_text(json.dumps(prov, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        os.replace(side_tmp, side)
    finally:
        for t in (tmp, side_tmp):
            if t.exists():
                t.unlink()
    return prov
