"""Mapbox Vector Tiles of a level's areas with their top candidate, for national maps.

A national desa map cannot ship 84,000 polygons in one page; the map asks for the tiles it
shows instead (``/tiles/{level}/{z}/{x}/{y}.mvt``, drawn by the Leaflet.VectorGrid plugin).
Each tile holds one layer named after the level, one feature per area that meets the tile,
clipped to the tile (plus a small buffer, so that strokes meet across tile edges) and
simplified to about a pixel of that zoom; areas smaller than a pixel are left out.
Properties: ``code``, ``name``, ``top1`` (commodity id), ``top1_name``, ``top1_score``
(0-100, one decimal) and ``top1_class`` (land class), empty where the area has no candidate.

Geometry and spatial index are prepared once per level (EPSG:3857, an STRtree) and kept in
the dataset's cache; a tile is then a query, a clip, a simplification and the encoding
(`mapbox-vector-tile`, MIT licence). Below :data:`MIN_ZOOM` a level's tiles are empty: the
map shows a coarser level there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

EXTENT = 4096  # tile coordinate units (the MVT default)
BUFFER = 64 / EXTENT  # share of a tile added on each side before clipping
HALF_WORLD = 20037508.342789244  # EPSG:3857
MIN_ZOOM = {"desa": 9, "kecamatan": 6}
MAX_ZOOM = 22
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass
class TileSource:
    """A level's polygons in EPSG:3857 with an STRtree and their feature properties."""

    level: str
    geoms: np.ndarray
    tree: shapely.STRtree
    props: list[dict]


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Web Mercator bounds (EPSG:3857 metres) of the XYZ tile ``z/x/y``.

    Examples
    --------
    >>> [round(v) for v in tile_bounds(1, 1, 0)]  # the north-east quarter of the world
    [0, 0, 20037508, 20037508]
    """
    size = 2 * HALF_WORLD / 2 ** z
    west = -HALF_WORLD + x * size
    north = HALF_WORLD - y * size
    return west, north - size, west + size, north


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) holding a WGS84 point at zoom ``z``.

    Examples
    --------
    >>> tile_of(120.33, -4.54, 12)  # Watampone, Bone
    (3417, 2099)
    """
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def source(areas, wide=None) -> TileSource:
    """Prepare a level for tiles: ``areas`` (EPSG:4326 GeoDataFrame with ``code``, ``name``)
    and optionally the wide candidates (``code``, ``top1``, ``top1_name``, ``top1_score``,
    ``top1_class``; :func:`app.core.candidates.to_wide`).

    Examples
    --------
    >>> from app import Dataset
    >>> src = source(Dataset.open().areas("desa"))
    >>> len(src.geoms), sorted(src.props[0])[:2]
    (64, ['code', 'name'])
    """
    geo = areas.to_crs(3857) if areas.crs is not None and areas.crs.to_epsg() != 3857 \
        else areas
    geoms = np.asarray(geo.geometry.values, dtype=object)
    codes = areas["code"].astype(str).to_numpy()
    names = areas["name"].to_numpy(object) if "name" in areas else np.full(len(codes), "")
    top = {}
    if wide is not None and len(wide):
        w = wide.set_index("code")
        for col in ("top1", "top1_name", "top1_score", "top1_class"):
            if col in w:
                top[col] = w[col].reindex(codes).to_numpy(object)
    props = []
    for i, code in enumerate(codes):
        p = {"code": code, "name": _text(names[i])}
        for col, vals in top.items():
            v = vals[i]
            if col == "top1_score":
                p[col] = round(float(v), 1) if _text(v) else -1.0
            else:
                p[col] = _text(v)
        props.append(p)
    level = str(areas["level"].iat[0]) if "level" in areas and len(areas) else "areas"
    return TileSource(level, geoms, shapely.STRtree(geoms), props)


def encode_tile(src: TileSource, z: int, x: int, y: int, layer: str | None = None,
                min_zoom: int = 0) -> bytes:
    """One Mapbox Vector Tile (protobuf bytes; empty when no area meets the tile).

    Parameters
    ----------
    src : TileSource
        From :func:`source`.
    z, x, y : int
        XYZ tile address (Web Mercator, y down from the north).
    layer : str, optional
        The layer's name (default: the level).
    min_zoom : int
        Below this zoom the tile is empty.

    Examples
    --------
    >>> import mapbox_vector_tile
    >>> from app import Dataset
    >>> desa = Dataset.open().areas("desa")
    >>> pt = desa.geometry.iloc[0].representative_point()
    >>> x, y = tile_of(pt.x, pt.y, 12)
    >>> tile = mapbox_vector_tile.decode(encode_tile(source(desa), 12, x, y, layer="desa"))
    >>> "99.01.01.1001" in [f["properties"]["code"] for f in tile["desa"]["features"]]
    True
    """
    import mapbox_vector_tile

    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise ValueError(f"no tile {z}/{x}/{y}")
    if z < min_zoom:
        return b""
    west, south, east, north = tile_bounds(z, x, y)
    size = east - west
    buf = size * BUFFER
    hits = src.tree.query(shapely.box(west - buf, south - buf, east + buf, north + buf),
                          predicate="intersects")
    if not len(hits):
        return b""
    hits = np.sort(hits)
    pixel = size / 256.0
    clipped = shapely.clip_by_rect(src.geoms[hits], west - buf, south - buf, east + buf,
                                   north + buf)
    simple = shapely.simplify(clipped, size / EXTENT, preserve_topology=True)
    keep = ~shapely.is_empty(simple) & (shapely.area(simple) >= pixel * pixel / 4)
    features = [{"geometry": g, "properties": src.props[i], "id": int(i)}
                for g, i in zip(simple[keep], hits[keep])]
    if not features:
        return b""
    return mapbox_vector_tile.encode(
        [{"name": layer or src.level, "features": features}],
        default_options={"quantize_bounds": (west, south, east, north), "extents": EXTENT})


def tile_for(ds, level: str, z: int, x: int, y: int) -> bytes:
    """A tile of a dataset's level with its top candidates (the level's candidates are
    computed on the first tile, then kept with the prepared geometry in the dataset's
    cache)."""
    key = ("tiles", level)
    src = ds._cache.get(key)
    if src is None:
        areas = ds.areas(level)
        try:
            wide = ds.candidates(level, top=1, wide=True)
        except Exception:  # noqa: BLE001 - no rasters and no sentra: polygons without a top
            wide = None
        src = ds._cache[key] = source(areas, wide)
    return encode_tile(src, z, x, y, layer=level, min_zoom=MIN_ZOOM.get(level, 0))
