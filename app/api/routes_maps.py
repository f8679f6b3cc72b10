"""The planners' web map: HTML pages built by :mod:`unggulan.maps`, and the data they fetch.

Pages are cached per dataset and query (building one takes tens of milliseconds on a
kabupaten, seconds on a province); a dataset reload starts a new cache. A level of more than
``UNGGULAN_MAP_TILE_LIMIT`` areas (default 20,000) is drawn from ``/tiles``
(:mod:`unggulan.api.routes_tiles`), one of more than ``UNGGULAN_MAP_EMBED_LIMIT`` (3,000) is fetched
from ``/peta/data``, smaller ones are inlined.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from unggulan.api.deps import DatasetDep
from unggulan.api.routes_scenarios import ScenarioQ, output_headers, page_scenario
from unggulan.maps.pages import (
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
TILES = "/tiles"  # unggulan.api.routes_tiles


def _options(request: Request, lang: str, weights: str | None, top: int = 3,
             scenario: tuple | None = None) -> PageOptions:
    settings = request.app.state.settings
    sc, sid = scenario or (None, None)
    return PageOptions(lang=lang, weights=weights or None, top=top, api="/api/v1",
                       pages=PAGES, data_url=DATA, tiles_url=TILES, inline=False,
                       basemap=settings.basemap, embed_limit=settings.map_embed_limit,
                       tile_limit=settings.map_tile_limit, scenario=sc, scenario_id=sid)


def _key(found: tuple | None) -> str | None:
    """A saved scenario in a cache key: its content, so a replaced file is not served stale."""
    return found[0].content_hash() if found else None


def _cached(ds, key: tuple, build) -> str:
    cache = ds._cache.setdefault("map-pages", {})
    html = cache.get(key)
    if html is None:
        html = build()
        if len(cache) > 64:
            cache.clear()
        cache[key] = html  # another thread may clear the cache: return our own copy
    return html


@router.get("/", response_class=HTMLResponse, summary="Candidate map (home page)")
@router.get("/peta", response_class=HTMLResponse, summary="Candidate map")
def main_page(request: Request, ds: DatasetDep, level: LevelQ = "desa", lang: LangQ = "id",
              weights: WeightsQ = None, top: Annotated[int, Query(ge=1, le=10)] = 3,
              scenario: ScenarioQ = None):
    """Areas coloured by their top candidate; sentra; popups with the ranked candidates."""
    if level not in ds.levels:
        level = ds.levels[0]
    found = page_scenario(ds, scenario)
    opt = _options(request, lang, weights, top, found)
    html = _cached(ds, ("main", level, lang, weights, top, _key(found)),
                   lambda: render(main_map(ds, level, opt)))
    return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))


@router.get("/peta/komoditas/{commodity_id}", response_class=HTMLResponse)
def commodity_page(request: Request, ds: DatasetDep, commodity_id: str,
                   view: Literal["class", "score", "quadrant"] = "class", level: LevelQ = "desa",
                   lang: LangQ = "id", weights: WeightsQ = None, scenario: ScenarioQ = None):
    """One commodity's suitability class or score across all areas, with its sentra."""
    found = page_scenario(ds, scenario)
    opt = _options(request, lang, weights, scenario=found)
    html = _cached(ds, ("commodity", commodity_id, view, level, lang, weights, _key(found)),
                   lambda: render(commodity_map(ds, commodity_id, view, level, opt)))
    return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))


@router.get("/peta/wilayah/{code}", response_class=HTMLResponse)
def area_detail_page(request: Request, ds: DatasetDep, code: str, lang: LangQ = "id",
                     weights: WeightsQ = None, scenario: ScenarioQ = None):
    """One area with its neighbours, attributes, score breakdown and export links."""
    found = page_scenario(ds, scenario)
    opt = _options(request, lang, weights, top=5, scenario=found)
    html = _cached(ds, ("area", code, lang, weights, _key(found)),
                   lambda: render(area_page(ds, code, opt)))
    return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))


@router.get("/peta/data/{level}.geojson",
            responses={200: {"content": {"application/geo+json": {}}}})
def map_data(ds: DatasetDep, level: Literal["desa", "kecamatan"], weights: WeightsQ = None,
             top: Annotated[int, Query(ge=1, le=10)] = 3, commodity: str | None = None,
             view: Literal["class", "score", "quadrant"] = "class",
             scenario: ScenarioQ = None):
    """Simplified polygons with the properties a map page draws; fetched by pages whose
    extent is too large to inline."""
    found = page_scenario(ds, scenario)
    sc = found[0] if found else None
    text = _cached(ds, ("data", level, weights, top, commodity, view, _key(found)),
                   lambda: level_geojson(ds, level, weights, top, commodity, view, sc))
    return Response(text, media_type="application/geo+json")
