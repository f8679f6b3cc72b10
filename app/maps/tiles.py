"""Mapbox Vector Tiles of a level's areas with their top candidate, for national maps.

A national desa map cannot ship 84,000 polygons in one page; the map asks for the tiles it
shows instead (``/tiles/{level}/{z}/{x}/{y}.mvt``, drawn by the Leaflet.VectorGrid plugin).
Each tile holds one layer named after the level, one feature per area that meets the tile,
clipped to the tile (plus a small buffer, so that strokes meet across tile edges) and
simplified to a sixteenth of a pixel (one unit of the 4096 tile grid); areas smaller than a
quarter pixel are left out. Properties: ``code``, ``name``, ``kec`` (a desa's kecamatan),
``top1`` (commodity id), ``top1_name``, ``top1_score`` (0-100, one decimal) and
``top1_class`` (land class) and ``top1_basis`` (the evidence it rests on, when the candidates
carry it); a property is absent where the area has no value (no candidate). Names a source
wrote all in lower or upper case are title-cased (:func:`unggulan.core.outputs.labels.proper_case`).

Geometry and spatial index are prepared once per level (EPSG:3857, an STRtree) and kept in
the dataset's cache, with the top candidates of the last few scenarios (weights) asked for
(:func:`tile_source`); a tile is then a query, a clip, one vectorised transform to tile units,
a simplification and the encoding. The encoder (:func:`encode_layer`) writes the MVT
geometry commands with numpy for all rings of a tile at once and builds the protobuf with the
message classes of `mapbox-vector-tile` (MIT): its own ``encode`` spent three quarters of a
tile's time in per-coordinate Python (quantising, winding order) and made a national
kecamatan tile at zoom 5 take 1.9 s. Encoded tiles are kept in a small in-memory cache
(:data:`CACHE_BYTES`), so that the tiles of a national map's opening view are made once.

Zoom ranges (:data:`MIN_ZOOM`). Below a level's minimum zoom its tiles are empty and the map
shows the next coarser level's tiles there (:data:`COARSER`), coloured with the finer
level's palette: the choice made for issue #22, rather than lowering the desa minimum
further, because a desa is about a pixel wide below zoom 7 and a tile would then carry
thousands of them. Worst tile per zoom on the synthetic national layer (84,000 desa; 6,000
kecamatan dissolved from them), 2 shared cores under a load of ~1.5; `mapbox-vector-tile`'s
``encode`` first, :func:`encode_layer` second:

====  ================================  ================================
zoom  desa: areas · encode · size       kecamatan: areas · encode · size
====  ================================  ================================
3     47,238 · 5.0 s / 0.85 s · 1.2 MB   3,368 · 2.7 s / 0.28 s · 320 kB
4     28,111 · 6.9 s / 0.59 s · 2.1 MB   1,997 · 2.1 s / 0.18 s · 212 kB
5     14,503 · 3.7 s / 0.40 s · 1.1 MB   1,031 · 1.9 s / 0.07 s · 117 kB
6      4,577 · 1.4 s / 0.16 s · 374 kB    335 · 0.49 s / 0.02 s · 41 kB
7      1,267 · 0.34 s / 0.02 s · 111 kB    94 · 0.12 s / 0.01 s · 14 kB
8        341 · 0.07 s / 0.01 s · 32 kB     26 · 0.03 s / 0.00 s · 5 kB
====  ================================  ================================

So desa tiles start at zoom 7 (at most ~1,300 desa and ~110 kB a tile, tens of
milliseconds) and kecamatan tiles at zoom 3, which covers the opening view of a national map
(zoom 4-5 on a laptop screen) with tiles of at most a few hundred milliseconds, made once
and then served from the cache.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from unggulan.core.outputs.labels import proper_case
from unggulan.core.ranking.run import default_scenario

EXTENT = 4096  # tile coordinate units (the MVT default)
BUFFER = 64 / EXTENT  # share of a tile added on each side before clipping
HALF_WORLD = 20037508.342789244  # EPSG:3857
MIN_ZOOM = {"desa": 7, "kecamatan": 3}
#: the level a map shows below a level's minimum zoom
COARSER = {"desa": "kecamatan"}
MAX_ZOOM = 22
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: encoded tiles kept in memory per dataset (bytes)
CACHE_BYTES = 64 * 1024 * 1024
#: scenarios (weights) whose top candidates are kept per level
SCENARIOS_KEPT = 4
PROPERTIES = ("code", "name", "kec", "top1", "top1_name", "top1_score", "top1_class",
              "top1_basis")

_CMD_MOVE_TO_1 = 1 | (1 << 3)
_CMD_LINE_TO = 2
_CMD_CLOSE = 7 | (1 << 3)
_lock = threading.Lock()


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
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA \
        else str(v)


def _props(areas, wide=None) -> list[dict]:
    codes = areas["code"].astype(str).to_numpy()
    names = areas["name"].to_numpy(object) if "name" in areas else np.full(len(codes), "")
    kec = areas["kecamatan_name"].to_numpy(object) if "kecamatan_name" in areas and \
        str(areas["level"].iat[0] if "level" in areas and len(areas) else "") == "desa" \
        else None
    top = {}
    if wide is not None and len(wide):
        w = wide.drop_duplicates("code").set_index("code")
        for col in ("top1", "top1_name", "top1_score", "top1_class", "top1_basis"):
            if col in w:
                top[col] = w[col].reindex(codes).to_numpy(object)
    props = []
    for i, code in enumerate(codes):
        p = {"code": code}
        name = _text(proper_case(names[i]))
        if name:
            p["name"] = name
        if kec is not None and _text(kec[i]):
            p["kec"] = _text(proper_case(kec[i]))
        for col, vals in top.items():
            v = vals[i]
            if not _text(v):
                continue
            p[col] = round(float(v), 1) if col == "top1_score" else _text(v)
        props.append(p)
    return props


def source(areas, wide=None, props: bool = True) -> TileSource:
    """Prepare a level for tiles: ``areas`` (EPSG:4326 GeoDataFrame with ``code``, ``name``)
    and optionally the top candidates (``code``, ``top1``, ``top1_name``, ``top1_score``,
    ``top1_class``: :func:`unggulan.core.ranking.candidates.to_wide` or :func:`top1_of`).
    ``props=False``: the polygons and their index alone (no properties).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> src = source(Dataset.open().areas("desa"))
    >>> len(src.geoms), sorted(src.props[0])
    (64, ['code', 'kec', 'name'])
    """
    geo = areas.to_crs(3857) if areas.crs is not None and areas.crs.to_epsg() != 3857 \
        else areas
    geoms = np.asarray(geo.geometry.values, dtype=object)
    level = str(areas["level"].iat[0]) if "level" in areas and len(areas) else "areas"
    return TileSource(level, geoms, shapely.STRtree(geoms),
                      _props(areas, wide) if props else [])


def top1_of(candidates):
    """The first-ranked candidate of each area from the long candidates frame, with the
    column names :func:`source` reads (``code``, ``top1``, ``top1_name``, ``top1_score``,
    ``top1_class``).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> t = top1_of(Dataset.open().candidates("kecamatan"))
    >>> list(t.columns)[:5]
    ['code', 'top1', 'top1_name', 'top1_score', 'top1_class']
    """
    first = candidates[candidates["rank"] == 1].drop_duplicates("code")  # shared ranks: one
    cols = ["code", "commodity", "commodity_name_id", "score", "suitability_class"]
    if "basis" in first:  # the evidence basis: land-only areas are drawn pale
        cols.append("basis")
    out = first[cols].rename(columns={"commodity": "top1", "commodity_name_id": "top1_name",
                                      "score": "top1_score", "suitability_class": "top1_class",
                                      "basis": "top1_basis"})
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------- encoding
def _zigzag(v: np.ndarray) -> np.ndarray:
    return ((v << 1) ^ (v >> 63)).astype(np.uint32)


def _geometry_commands(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MVT polygon geometry commands of ``geoms`` (polygons in tile units, y down).

    Returns the commands of all features one after the other, the start of each feature's
    commands (with the end as last element) and the index (into ``geoms``) of each feature
    that kept a ring: rings with fewer than three distinct points or no area after rounding
    to the grid are dropped (a polygon with its exterior), exteriors are made clockwise on
    screen (positive area in tile units, MVT 2.1 §4.3.4.4), holes anticlockwise.
    """
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    for _ in range(3):  # collections inside collections (rare clipping results)
        multi = shapely.get_type_id(parts) >= 4
        if not multi.any():
            break
        sub, sub_of = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        part_of = np.concatenate([part_of[~multi], part_of[multi][sub_of]])
        order = np.argsort(part_of, kind="stable")
        parts, part_of = parts[order], part_of[order]
    polygon = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygon], part_of[polygon]
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    empty = (np.zeros(0, np.uint32), np.zeros(1, np.int64), np.zeros(0, np.int64))
    if not len(rings):
        return empty
    exterior = np.ones(len(rings), bool)
    exterior[1:] = ring_of[1:] != ring_of[:-1]
    coords, point_of = shapely.get_coordinates(rings, return_index=True)
    xy = np.rint(coords).astype(np.int64)
    n_ring = len(rings)
    counts = np.bincount(point_of, minlength=n_ring)
    ends = np.cumsum(counts)
    # drop each ring's closing point and consecutive repeats (after rounding)
    keep = np.ones(len(xy), bool)
    keep[ends[counts > 0] - 1] = False
    same = np.zeros(len(xy), bool)
    same[1:] = (xy[1:] == xy[:-1]).all(axis=1) & (point_of[1:] == point_of[:-1])
    keep &= ~same
    xy, point_of = xy[keep], point_of[keep]
    n = np.bincount(point_of, minlength=n_ring)
    # signed area (twice) of each ring: positive = clockwise on screen
    start = np.cumsum(n) - n
    pos = np.arange(len(xy)) - start[point_of]
    nxt = np.where(pos + 1 < n[point_of], np.arange(len(xy)) + 1, start[point_of])
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    area2 = np.bincount(point_of, weights=cross, minlength=n_ring)
    ok = (n >= 3) & (area2 != 0)
    # a polygon whose exterior collapsed goes with its holes
    poly_ok = np.zeros(len(parts), bool)
    poly_ok[ring_of[exterior]] = ok[exterior]
    ok &= poly_ok[ring_of]
    if not ok.any():
        return empty
    flip = ok & np.where(exterior, area2 < 0, area2 > 0)
    # reverse the points of the rings wound the wrong way
    new_pos = np.where(flip[point_of], n[point_of] - 1 - pos, pos)
    order = np.empty(len(xy), np.int64)
    order[start[point_of] + new_pos] = np.arange(len(xy))
    xy = xy[order]
    # keep the good rings only
    keep_pt = ok[point_of]
    xy, point_of = xy[keep_pt], point_of[keep_pt]
    rings_kept = np.flatnonzero(ok)
    n = n[rings_kept]
    feature_of_ring = part_of[ring_of[rings_kept]]
    # renumber points by kept ring
    ring_new = np.cumsum(ok) - 1
    point_ring = ring_new[point_of]
    start = np.cumsum(n) - n
    pos = np.arange(len(xy)) - start[point_ring]
    # deltas: the cursor runs on across a feature's rings, from (0, 0) at its start
    first_of_feature = np.zeros(len(xy), bool)
    feat_pt = feature_of_ring[point_ring]
    first_of_feature[0] = True
    first_of_feature[1:] = feat_pt[1:] != feat_pt[:-1]
    prev = np.zeros_like(xy)
    prev[1:] = xy[:-1]
    prev[first_of_feature] = 0
    delta = _zigzag(xy - prev)
    # commands: MoveTo(1) x y LineTo(n-1) x y ... ClosePath
    ring_len = 2 * n + 3
    ring_off = np.cumsum(ring_len) - ring_len
    out = np.empty(int(ring_len.sum()), np.uint32)
    out[ring_off] = _CMD_MOVE_TO_1
    out[ring_off + 3] = (_CMD_LINE_TO | ((n - 1) << 3)).astype(np.uint32)
    out[ring_off + ring_len - 1] = _CMD_CLOSE
    px = ring_off[point_ring] + np.where(pos == 0, 1, 2 * pos + 2)
    out[px] = delta[:, 0]
    out[px + 1] = delta[:, 1]
    # features: runs of rings of the same feature
    new_feature = np.ones(len(n), bool)
    new_feature[1:] = feature_of_ring[1:] != feature_of_ring[:-1]
    feat_start = np.append(ring_off[new_feature], len(out))
    return out, feat_start, feature_of_ring[new_feature]


def encode_layer(name: str, geoms: np.ndarray, ids: np.ndarray, props: list[dict]) -> bytes:
    """One MVT (protobuf bytes) with one layer ``name`` of polygons in tile units (0-4096,
    y down; rounded here), feature ``i`` with id ``ids[i]`` and properties ``props[ids[i]]``
    (strings and numbers). Empty bytes when no polygon keeps an area on the tile grid.

    Examples
    --------
    >>> import mapbox_vector_tile
    >>> sq = shapely.box(0, 0, 100, 50)
    >>> tile = mapbox_vector_tile.decode(
    ...     encode_layer("desa", np.array([sq]), np.array([7]), {7: {"code": "a"}}),
    ...     default_options={"y_coord_down": True})
    >>> f = tile["desa"]["features"][0]
    >>> f["id"], f["properties"], sorted(f["geometry"]["coordinates"][0])
    (7, {'code': 'a'}, [[0, 0], [0, 50], [100, 0], [100, 0], [100, 50]])
    """
    # lazy: the protobuf classes are heavy to import, and only encoding a tile needs them
    from mapbox_vector_tile.Mapbox import vector_tile_pb2

    commands, starts, which = _geometry_commands(np.asarray(geoms, dtype=object))
    if not len(which):
        return b""
    tile = vector_tile_pb2.tile()
    layer = tile.layers.add()
    layer.version = 2
    layer.name = name
    layer.extent = EXTENT
    keys: dict[str, int] = {}
    values: dict[tuple, int] = {}
    bounds = starts.tolist()
    for k, i in enumerate(which.tolist()):
        f = layer.features.add()
        fid = int(ids[i])
        f.id = fid
        f.type = 3  # polygon
        tags = []
        for key, v in props[fid].items():
            ki = keys.get(key)
            if ki is None:
                ki = keys[key] = len(keys)
                layer.keys.append(key)
            vk = (type(v), v)
            vi = values.get(vk)
            if vi is None:
                vi = values[vk] = len(values)
                val = layer.values.add()
                if isinstance(v, bool):
                    val.bool_value = v
                elif isinstance(v, int):
                    val.int_value = v
                elif isinstance(v, float):
                    val.double_value = v
                else:
                    val.string_value = str(v)
            tags += (ki, vi)
        f.tags.extend(tags)
        f.geometry.extend(commands[bounds[k]:bounds[k + 1]].tolist())
    return tile.SerializeToString()


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
    >>> from unggulan import Dataset
    >>> desa = Dataset.open().areas("desa")
    >>> pt = desa.geometry.iloc[0].representative_point()
    >>> x, y = tile_of(pt.x, pt.y, 12)
    >>> tile = mapbox_vector_tile.decode(encode_tile(source(desa), 12, x, y, layer="desa"))
    >>> "99.01.01.1001" in [f["properties"]["code"] for f in tile["desa"]["features"]]
    True
    """
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
    clipped = shapely.clip_by_rect(src.geoms[hits], west - buf, south - buf, east + buf,
                                   north + buf)
    k = EXTENT / size

    def to_tile(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - west) * k, (north - xy[:, 1]) * k))

    local = shapely.transform(clipped, to_tile)
    simple = shapely.simplify(local, 1.0, preserve_topology=False)
    pixel = EXTENT / 256
    keep = ~shapely.is_empty(simple) & (shapely.area(simple) >= pixel * pixel / 4)
    if not keep.any():
        return b""
    return encode_layer(layer or src.level, simple[keep], hits[keep], src.props)


# ---------------------------------------------------------------------- dataset cache
@dataclass
class TileCache:
    """A dataset's encoded tiles, least recently used first, and their total size in
    bytes (kept at most :data:`CACHE_BYTES`)."""

    tiles: OrderedDict = field(default_factory=OrderedDict)
    total: int = 0


def tile_geometry(ds, level: str) -> TileSource:
    """The level's polygons in EPSG:3857 and their index, without properties (cached in the
    dataset, the polygons also in its disk cache: a fresh service reads them back instead of
    projecting them again; a starting service makes them before the first tile is asked)."""
    def build() -> TileSource:
        geoms = ds.kept_on_disk(("tiles-geometry", level),
                                lambda: source(ds.areas(level), props=False).geoms)
        return TileSource(level, geoms, shapely.STRtree(geoms), [])

    return ds.cached(("tiles-geometry", level), build)


def tile_source(ds, level: str, scenario=None) -> TileSource:
    """The level's tile source with the top candidates of ``scenario`` (an
    :class:`unggulan.core.scenario.Scenario`; None: the default one, as the map pages use). The
    candidates are those of the long frame the popups and the API read (same cache); the
    last :data:`SCENARIOS_KEPT` scenarios per level are kept.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> src = tile_source(Dataset.open(), "kecamatan")
    >>> src.level, "top1" in src.props[0]
    ('kecamatan', True)
    """
    sc = scenario if scenario is not None else default_scenario()
    key = ("tiles", level, sc.content_hash())

    def build() -> TileSource:
        geo = tile_geometry(ds, level)
        try:
            # kept in the disk cache as the candidates they come from are: a fresh service
            # reads them back (nationally a fraction of a second instead of 2 s)
            props = ds.kept_on_disk(("tiles-props", level, sc.content_hash()), lambda: _props(
                ds.areas(level), top1_of(ds.candidates(level, scenario=sc))))
        except Exception:  # noqa: BLE001 - no rasters and no sentra: polygons without a top
            props = _props(ds.areas(level), None)  # (not kept on disk)
        return TileSource(level, geo.geoms, geo.tree, props)

    src = ds.cached(key, build)
    with _lock:
        kept = ds.cached(("tiles-kept", level), list)  # the level's keys, oldest first
        if key in kept:
            kept.remove(key)
        kept.append(key)
        while len(kept) > SCENARIOS_KEPT:
            ds.forget(kept.pop(0))
    return src


def tile_for(ds, level: str, z: int, x: int, y: int, scenario=None) -> bytes:
    """A tile of a dataset's level with the top candidates of ``scenario`` (default: the
    default scenario). Tiles are cached in memory (:data:`CACHE_BYTES` per dataset).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> p = ds.areas("kecamatan").geometry.iloc[0].representative_point()
    >>> len(tile_for(ds, "kecamatan", 10, *tile_of(p.x, p.y, 10))) > 0
    True
    """
    sc = scenario if scenario is not None else default_scenario()
    key = (level, sc.content_hash(), z, x, y)
    cache = ds.cached(("tiles-bytes",), TileCache)
    with _lock:
        hit = cache.tiles.get(key)
        if hit is not None:
            cache.tiles.move_to_end(key)
            return hit
    if z < MIN_ZOOM.get(level, 0):
        return b""
    data = encode_tile(tile_source(ds, level, sc), z, x, y, layer=level)
    with _lock:
        cache.tiles[key] = data
        cache.total += len(data)
        while cache.total > CACHE_BYTES and cache.tiles:
            cache.total -= len(cache.tiles.popitem(last=False)[1])
    return data
