"""The planners' web map: HTML pages built by :mod:`app.maps`, and the data they fetch.

Pages are cached per dataset and query (building one takes tens of milliseconds on a
kabupaten, seconds on a province); a dataset reload starts a new cache.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import DatasetDep
from app.maps.pages import (
    PageOptions,
    area_page,
    commodity_map,
    level_geojson,
    main_map,
    render,
)

router = APIRouter(tags=["web map"])
LangQ = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]
WeightsQ = Annotated[str | None, Query(examples=["suitability=0.5,specialisation=0.3"])]
LevelQ = Annotated[Literal["desa", "kecamatan"], Query()]
PAGES = "/peta"
DATA = "/peta/data"


def _options(request: Request, lang: str, weights: str | None, top: int = 3) -> PageOptions:
    settings = request.app.state.settings
    return PageOptions(lang=lang, weights=weights or None, top=top, api="/api/v1",
                       pages=PAGES, data_url=DATA, inline=False, basemap=settings.basemap,
                       embed_limit=settings.map_embed_limit)


def _cached(ds, key: tuple, build) -> str:
    cache = ds._cache.setdefault("map-pages", {})
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = build()
    return cache[key]


@router.get("/", response_class=HTMLResponse, summary="Candidate map (home page)")
@router.get("/peta", response_class=HTMLResponse, summary="Candidate map")
def main_page(request: Request, ds: DatasetDep, level: LevelQ = "desa", lang: LangQ = "id",
              weights: WeightsQ = None, top: Annotated[int, Query(ge=1, le=10)] = 3):
    """Areas coloured by their top candidate; sentra; popups with the ranked candidates."""
    if level not in ds.levels:
        level = ds.levels[0]
    opt = _options(request, lang, weights, top)
    html = _cached(ds, ("main", level, lang, weights, top),
                   lambda: render(main_map(ds, level, opt)))
    return HTMLResponse(html)


@router.get("/peta/komoditas/{commodity_id}", response_class=HTMLResponse)
def commodity_page(request: Request, ds: DatasetDep, commodity_id: str,
                   view: Literal["class", "score", "quadrant"] = "class", level: LevelQ = "desa",
                   lang: LangQ = "id", weights: WeightsQ = None):
    """One commodity's suitability class or score across all areas, with its sentra."""
    opt = _options(request, lang, weights)
    html = _cached(ds, ("commodity", commodity_id, view, level, lang, weights),
                   lambda: render(commodity_map(ds, commodity_id, view, level, opt)))
    return HTMLResponse(html)


@router.get("/peta/wilayah/{code}", response_class=HTMLResponse)
def area_detail_page(request: Request, ds: DatasetDep, code: str, lang: LangQ = "id",
                     weights: WeightsQ = None):
    """One area with its neighbours, attributes, score breakdown and export links."""
    opt = _options(request, lang, weights, top=5)
    html = _cached(ds, ("area", code, lang, weights),
                   lambda: render(area_page(ds, code, opt)))
    return HTMLResponse(html)


@router.get("/peta/data/{level}.geojson",
            responses={200: {"content": {"application/geo+json": {}}}})
def map_data(ds: DatasetDep, level: Literal["desa", "kecamatan"], weights: WeightsQ = None,
             top: Annotated[int, Query(ge=1, le=10)] = 3, commodity: str | None = None,
             view: Literal["class", "score", "quadrant"] = "class"):
    """Simplified polygons with the properties a map page draws; fetched by pages whose
    extent is too large to inline."""
    text = _cached(ds, ("data", level, weights, top, commodity, view),
                   lambda: level_geojson(ds, level, weights, top, commodity, view))
    return Response(text, media_type="application/geo+json")
