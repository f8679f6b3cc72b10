"""OGC API - Features, Part 1 Core with GeoJSON: landing page, conformance, collections,
items (bbox, limit, offset, property filters, next/prev links) and single features, so QGIS
("Add WFS / OGC API - Features layer") can load the layers from the running service.

OGC API - Tiles (Part 1, core, tilesets list, tileset, geodata tilesets, MVT) for the area
collections ``desa`` and ``kecamatan``: their Mapbox Vector Tiles in the WebMercatorQuad
tile matrix set, the same bytes as ``/tiles/{level}/{z}/{x}/{y}.mvt``
(:mod:`unggulan.api.routes_tiles`: each area with its top candidate), at
``/ogc/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}``."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from shapely.geometry import box as make_box
from starlette.concurrency import run_in_threadpool

from unggulan.api.convert import records
from unggulan.api.deps import DatasetDep
from unggulan.api.paging import window
from unggulan.api.pool import Lru
from unggulan.api.routes_areas import parse_bbox
from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.core.activity.evidence import MEASURE_PRIORITY
from unggulan.core.outputs.layers import analysis_layer, statistics_layer, zones_layer
from unggulan.maps.tiles import MAX_ZOOM, MEDIA_TYPE, MIN_ZOOM

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
]
#: collections with vector tiles (unggulan.api.routes_tiles)
TILED = ("desa", "kecamatan")
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILESETS_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
COLLECTIONS = {
    "desa": ("Desa / kelurahan", "Village polygons with codes and names"),
    "kecamatan": ("Kecamatan", "District polygons with codes and names"),
    "sentra": ("Sentra", "Sentra records placed in desa (points)"),
    "candidates_desa": ("Kandidat komoditas unggulan (desa)",
                        "Top candidate commodities per desa, one feature per desa"),
    "candidates_kecamatan": ("Kandidat komoditas unggulan (kecamatan)",
                             "Top candidate commodities per kecamatan"),
    "quadrants": ("Kuadran SLQ x DLQ / SLQ x DLQ quadrants",
                  "Static and dynamic LQ of each commodity's production (else population, "
                  "harvested area) per area over every year of the statistics, with the "
                  "quadrant (unggulan, andalan, prospektif, tertinggal)"),
    "statistics": ("Statistik produksi / production statistics",
                   "Values by area, commodity, measure and year from BPS and dinas tables, "
                   "each with its source cell; the area's polygon as geometry"),
    "kawasan": ("Kawasan komoditas unggulan / commodity zones",
                "Contiguous desa where a commodity is a top candidate or in its hot spot on "
                "suitable land (default scenario), with members, centre, organisations and "
                "a reason; status kawasan or embrio"),
}
RESERVED = {"bbox", "limit", "offset", "f", "datetime", "crs", "bbox-crs"}
#: items pages kept whole per collection: the last asked, each of at most KEPT_PAGE_BYTES
#: (a page of 100 Bone desa is 0.2-0.3 MB; one of 10,000 national desa is not kept)
KEPT_PAGES = 32
KEPT_PAGE_BYTES = 1 << 20


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _layer(ds, cid: str) -> gpd.GeoDataFrame:
    if cid not in COLLECTIONS or (cid == "quadrants" and _quadrants(ds, copy=False) is None):
        raise UnknownArea(f"no collection '{cid}'; collections: "
                          f"{', '.join(_available(ds))}")
    if cid in ("desa", "kecamatan"):
        a = ds.areas(cid)
        cols = [c for c in a.columns if c != "code_system"]
        return a[cols].reset_index(drop=True)
    if cid == "sentra":
        s = ds.sentra(placed_only=True).copy()
        s["fid"] = s["source_file"] + ":" + s["row"].astype(int).astype(str)
        return s.reset_index(drop=True)
    if cid == "quadrants":
        st = _quadrants(ds)
        st["fid"] = st["code"].astype(str) + ":" + st["commodity"].astype(str)
        return st
    if cid == "statistics":
        st = statistics_layer(ds.statistics(), ds.layers)
        st["fid"] = [f"s{i}" for i in range(len(st))]
        return st
    if cid == "kawasan":
        return zones_layer(ds.zones(_zone_level(ds)), ds.run_info())
    level = cid.split("_", 1)[1]
    return ds.candidates(level, wide=True).reset_index(drop=True)


def _zone_level(ds) -> str:
    """The level of the ``kawasan`` collection: desa, else kecamatan."""
    return "desa" if "desa" in ds.levels else ds.levels[0]


def _features(ds, cid: str) -> _Features:
    """The collection's frame and each feature's GeoJSON text, built once per loaded
    dataset (a reload is a new dataset with its own cache)."""
    return ds.cached(("ogc", "features", cid), lambda: _Features.build(_layer(ds, cid), cid))


async def _features_ready(ds, cid: str) -> _Features:
    """:func:`_features` on the event loop when built (a lookup), else built on the thread
    pool (the candidates' collections compute a ranking)."""
    feats = ds.peek(("ogc", "features", cid))
    if feats is not None:
        return feats

    return await run_in_threadpool(_features, ds, cid)


def _dumps(value) -> str:
    """JSON as starlette's JSONResponse writes it (compact, UTF-8, no NaN)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                      default=str)


class _Features:
    """A collection's features as GeoJSON (UTF-8 bytes), one per row: a page is their join,
    with no geometry encoded per request. ``ids`` maps a feature id to its row."""

    __slots__ = ("layer", "texts", "ids", "pages", "_strings")

    def __init__(self, layer: gpd.GeoDataFrame, texts: list[bytes], ids: dict[str, int]):
        self.layer, self.texts, self.ids = layer, texts, ids
        #: the last items pages asked, whole (bytes), by URL
        self.pages = Lru(KEPT_PAGES)
        self._strings: dict[str, np.ndarray] = {}

    @classmethod
    def build(cls, layer: gpd.GeoDataFrame, cid: str, precision: int = 6) -> _Features:
        layer = layer.to_crs(4326) if layer.crs is not None and layer.crs.to_epsg() != 4326 \
            else layer
        geoms = shapely.transform(np.asarray(layer.geometry.values),
                                  lambda xy: np.round(xy, precision))
        geo_texts = shapely.to_geojson(geoms)
        id_col = _id_col(cid)
        texts, ids = [], {}
        for i, (g, props) in enumerate(zip(geo_texts, records(layer))):
            fid = props.get(id_col, i)
            ids.setdefault(str(fid), i)
            texts.append(f'{{"type":"Feature","geometry":{g if g is not None else "null"},'
                         f'"properties":{_dumps(props)},"id":{_dumps(fid)}}}'.encode())
        return cls(layer, texts, ids)

    def strings(self, column: str) -> np.ndarray:
        """A column as text (the property filters compare text), made once per column."""
        out = self._strings.get(column)
        if out is None:
            out = self._strings[column] = self.layer[column].astype(str).to_numpy()
        return out


def _id_col(cid: str) -> str:
    if cid == "kawasan":
        return "zone_id"
    return "fid" if cid in ("sentra", "statistics", "quadrants") else "code"


def _available(ds) -> list[str]:
    """The collections this dataset has (the quadrants need a series of statistics)."""
    return [c for c in COLLECTIONS
            if c != "quadrants" or _quadrants(ds, copy=False) is not None]


def _quadrants(ds, copy: bool = True):
    """SLQ, DLQ and quadrant of every (area, commodity) at the statistics' own level, on
    the first measure of :data:`unggulan.core.activity.evidence.MEASURE_PRIORITY` with two
    years or more, with the area's polygon; None when there is no such series."""
    def build():
        st = ds.statistics()
        st = st[st["level"].isin(ds.levels) & ~st["ratio"].astype(bool)]
        for m in MEASURE_PRIORITY:
            have = st[st["measure"] == m]
            if have["year"].nunique() >= 2:
                lv = str(have["level"].iat[0])
                return analysis_layer(ds.analysis("dlq", measure=m, period=None, level=lv),
                                      lv, ds.layers)
        return None

    out = ds.cached(("ogc-quadrants",), build)
    return out.copy() if out is not None and copy else out


def _bounds(ds, cid: str) -> list[float]:
    """The collection's extent (CRS84) without building its layer: candidates are features of
    their level's areas, statistics those of the areas they name."""
    if cid in ("desa", "kecamatan"):
        b = ds.areas(cid).total_bounds
    elif cid.startswith("candidates_"):
        b = ds.areas(cid.split("_", 1)[1]).total_bounds
    elif cid == "kawasan":  # zones lie within their level's areas: no zones computed here
        b = ds.areas(_zone_level(ds)).total_bounds
    elif cid == "sentra":
        b = ds.sentra(placed_only=True).total_bounds
    elif cid == "quadrants":
        b = _quadrants(ds, copy=False).total_bounds
    else:  # statistics: the polygons of the areas it has rows of, at each level
        st = ds.statistics_records
        parts = []
        if st is not None:
            for lv in ds.levels:
                codes = pd.unique(st.loc[(st["level"] == lv).to_numpy(), "code"])
                if len(codes):
                    a = ds.areas(lv)
                    parts.append(a.loc[a.index.intersection(codes)].total_bounds)
        b = np.array([min(p[0] for p in parts), min(p[1] for p in parts),
                      max(p[2] for p in parts), max(p[3] for p in parts)]) if parts \
            else np.full(4, np.nan)
    if not np.isfinite(b).all():  # rows of reference regions have no polygon
        b = ds.areas(ds.levels[0]).total_bounds
    return [float(v) for v in b]


def _metadata(ds) -> dict:
    """The collections this dataset has, each with its title and extent: made once per
    loaded dataset (the landing, conformance and collections answers read it)."""
    def build() -> dict:
        out = {}
        for cid in _available(ds):
            title, description = COLLECTIONS[cid]
            if ds.synthetic:
                title += " (SINTETIS / synthetic data)"
            out[cid] = (title, description, _bounds(ds, cid))
        return out

    return ds.cached(("ogc", "metadata"), build)


def _collection(base: str, cid: str, meta: dict) -> dict:
    title, description, (minx, miny, maxx, maxy) = meta[cid]
    return {
        "id": cid, "title": title, "description": description, "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [[minx, miny, maxx, maxy]],
                               "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "links": [
            {"href": f"{base}/ogc/collections/{cid}", "rel": "self",
             "type": "application/json", "title": title},
            {"href": f"{base}/ogc/collections/{cid}/items", "rel": "items",
             "type": GEOJSON, "title": title},
        ] + ([{"href": f"{base}/ogc/collections/{cid}/tiles", "rel": TILESETS_REL,
               "type": "application/json", "title": f"{title}: vector tiles"}]
             if cid in TILED else []),
    }


async def _answer(request: Request, ds, key: str, make) -> Response:
    """The JSON text of ``make(base, meta)``, made once per dataset, base URL and ``key``;
    on the event loop when the metadata is ready, else on the thread pool (the first
    answer of a dataset computes the extents, the quadrants' among them)."""
    base = _base(request)

    def build() -> bytes:
        return _dumps(make(base, _metadata(ds))).encode("utf-8")

    cache_key = ("ogc", "answer", key, base)
    body = ds.peek(cache_key)
    if body is None:
        body = await run_in_threadpool(ds.cached, cache_key, build)
    return Response(body, media_type="application/json")


@router.get("")
@router.get("/", include_in_schema=False)
async def landing(request: Request, ds: DatasetDep):
    """Landing page with links to the API definition, conformance and collections."""
    def make(base: str, meta: dict) -> dict:
        return {
            "title": f"unggulan: {ds.name}",
            "description": "Komoditas unggulan per desa dan kecamatan (OGC API - Features)"
            + (" - SINTETIS / synthetic data" if ds.synthetic else ""),
            "links": [
                {"href": f"{base}/ogc", "rel": "self", "type": "application/json",
                 "title": "this document"},
                {"href": f"{base}/openapi.json", "rel": "service-desc",
                 "type": "application/vnd.oai.openapi+json;version=3.0",
                 "title": "API definition"},
                {"href": f"{base}/docs", "rel": "service-doc", "type": "text/html",
                 "title": "API documentation"},
                {"href": f"{base}/ogc/conformance", "rel": "conformance",
                 "type": "application/json", "title": "conformance classes"},
                {"href": f"{base}/ogc/collections", "rel": "data",
                 "type": "application/json", "title": "collections"},
            ],
        }

    return await _answer(request, ds, "landing", make)


_CONFORMANCE = _dumps({"conformsTo": CONFORMANCE}).encode("utf-8")


@router.get("/conformance")
async def conformance():
    """The conformance classes implemented."""
    return Response(_CONFORMANCE, media_type="application/json")


@router.get("/collections")
async def collections(request: Request, ds: DatasetDep):
    """Every collection with its extent and links."""
    def make(base: str, meta: dict) -> dict:
        return {"links": [{"href": f"{base}/ogc/collections", "rel": "self",
                           "type": "application/json", "title": "collections"}],
                "collections": [_collection(base, cid, meta) for cid in meta]}

    return await _answer(request, ds, "collections", make)


@router.get("/collections/{collection_id}")
async def collection(request: Request, ds: DatasetDep, collection_id: str):
    """One collection."""
    if collection_id not in COLLECTIONS:
        raise UnknownArea(f"no collection '{collection_id}'")

    def make(base: str, meta: dict) -> dict:
        if collection_id not in meta:  # the quadrants, without a series of statistics
            raise UnknownArea(f"no collection '{collection_id}'; collections: "
                              f"{', '.join(meta)}")
        return _collection(base, collection_id, meta)

    return await _answer(request, ds, f"collection:{collection_id}", make)


@router.get("/collections/{collection_id}/items")
async def items(
    request: Request, ds: DatasetDep, collection_id: str,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy (CRS84)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Features of a collection; other query parameters filter on equal property values.
    A page is the join of the features' GeoJSON texts, made once per dataset; the
    :data:`KEPT_PAGES` last pages asked are kept whole."""
    if collection_id not in COLLECTIONS:
        raise UnknownArea(f"no collection '{collection_id}'")
    feats = await _features_ready(ds, collection_id)
    # the same URL on the same dataset is the same page: the last ones are kept whole
    key = (collection_id, str(request.base_url), request.url.query, limit, offset)
    body = feats.pages.peek(key)
    if body is None:
        body = _items_page(request, feats, collection_id, bbox, limit, offset)
        if len(body) <= KEPT_PAGE_BYTES:
            feats.pages.get(key, lambda: body)
    return Response(body, media_type=GEOJSON)


def _items_page(request: Request, feats: _Features, collection_id: str, bbox: str | None,
                limit: int, offset: int) -> bytes:
    """The GeoJSON of an items page: the features' texts joined, with the links."""
    layer = feats.layer
    box = parse_bbox(bbox)
    filters = [(k, v) for k, v in request.query_params.items() if k not in RESERVED]
    for key, _ in filters:
        if key not in layer.columns or key == "geometry":
            raise UnggulanError(f"unknown property '{key}' for collection '{collection_id}'",
                                field=key)
    if box or filters:
        positions = np.arange(len(layer))
        if box:
            positions = np.sort(layer.sindex.query(_shape(box), predicate="intersects"))
        for key, value in filters:
            positions = positions[feats.strings(key)[positions] == value]
        matched = len(positions)
        w = window(matched, limit, offset)
        page = positions[w.start:w.stop].tolist()
    else:  # paging by index: no array of every position
        matched = len(layer)
        page = window(matched, limit, offset)
    base = _base(request) + f"/ogc/collections/{collection_id}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}

    def link(rel: str, off: int) -> dict:
        q = urlencode({**params, "limit": limit, "offset": off})
        return {"href": f"{base}?{q}", "rel": rel, "type": GEOJSON}

    links = [link("self", offset),
             {"href": _base(request) + f"/ogc/collections/{collection_id}", "rel": "collection",
              "type": "application/json"}]
    if offset + limit < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(offset - limit, 0)))
    texts = feats.texts
    return b"".join((b'{"type":"FeatureCollection","features":[',
                     b",".join([texts[i] for i in page]),
                     f'],"numberMatched":{matched},"numberReturned":{len(page)},'
                     f'"links":{_dumps(links)}}}'.encode()))


@router.get("/collections/{collection_id}/items/{feature_id}")
async def item(request: Request, ds: DatasetDep, collection_id: str, feature_id: str):
    """One feature."""
    if collection_id not in COLLECTIONS:
        raise UnknownArea(f"no collection '{collection_id}'")
    feats = await _features_ready(ds, collection_id)
    at = feats.ids.get(feature_id)
    if at is None:
        raise UnknownArea(f"no feature '{feature_id}' in collection '{collection_id}'")
    base = _base(request) + f"/ogc/collections/{collection_id}"
    links = [{"href": f"{base}/items/{feature_id}", "rel": "self", "type": GEOJSON},
             {"href": base, "rel": "collection", "type": "application/json"}]
    body = feats.texts[at][:-1] + f',"links":{_dumps(links)}}}'.encode()
    return Response(body, media_type=GEOJSON)


def _shape(box):
    return make_box(*box)


# --- OGC API - Tiles ---------------------------------------------------------------------


def _tiled(ds, collection_id: str) -> None:
    if collection_id not in TILED or collection_id not in ds.levels:
        raise UnknownArea(f"no vector tiles for collection '{collection_id}'; tiled: "
                          f"{', '.join(c for c in TILED if c in ds.levels)}")


def _tileset(request: Request, ds, cid: str) -> dict:
    base = _base(request) + f"/ogc/collections/{cid}/tiles/WebMercatorQuad"
    return {
        "title": f"{COLLECTIONS[cid][0]} (WebMercatorQuad)", "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"href": base, "rel": "self", "type": "application/json"},
            {"href": WEB_MERCATOR_QUAD, "rel": "http://www.opengis.net/def/rel/ogc/1.0/"
             "tiling-scheme", "type": "application/json"},
            {"href": f"{base}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "rel": "item",
             "type": MEDIA_TYPE, "templated": True},
        ],
        "layers": [{"id": cid, "dataType": "vector", "geometryDimension": 2,
                    "minTileMatrix": str(MIN_ZOOM.get(cid, 0)), "maxTileMatrix": str(MAX_ZOOM),
                    "propertiesSchema": {"type": "object", "properties": {
                        k: {"type": "number" if k == "top1_score" else "string"}
                        for k in ("code", "name", "kec", "top1", "top1_name", "top1_score",
                                  "top1_class")}}}],
    }


@router.get("/collections/{collection_id}/tiles", tags=["OGC API - Tiles"])
def tilesets(request: Request, ds: DatasetDep, collection_id: str):
    """The vector tilesets of an area collection (one: WebMercatorQuad)."""
    _tiled(ds, collection_id)
    ts = _tileset(request, ds, collection_id)
    return {"tilesets": [{k: ts[k] for k in ("title", "dataType", "crs", "tileMatrixSetURI",
                                             "links")}]}


@router.get("/collections/{collection_id}/tiles/WebMercatorQuad", tags=["OGC API - Tiles"])
def tileset(request: Request, ds: DatasetDep, collection_id: str):
    """The WebMercatorQuad vector tileset of an area collection."""
    _tiled(ds, collection_id)
    return _tileset(request, ds, collection_id)


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
    tags=["OGC API - Tiles"], response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}},
                     "description": "Mapbox Vector Tile (empty when no area meets it)"}})
def tile(ds: DatasetDep, collection_id: str,
         tileMatrix: Annotated[int, Path(ge=0, le=MAX_ZOOM)],  # noqa: N803 - OGC's names
         tileRow: Annotated[int, Path(ge=0)],  # noqa: N803
         tileCol: Annotated[int, Path(ge=0)]):  # noqa: N803
    """One tile: zoom ``tileMatrix``, row ``tileRow`` (y, from the north), column ``tileCol``
    (x); the bytes of ``/tiles/{collection_id}/{z}/{x}/{y}.mvt``."""
    from unggulan.api.routes_tiles import tile_response

    _tiled(ds, collection_id)
    return tile_response(ds, collection_id, tileMatrix, tileCol, tileRow)
