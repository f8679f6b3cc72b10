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
from unggulan.api.errors import DEFAULT_STATUS_CODES
from unggulan.api.pool import Lru
from unggulan.api.routes_scenarios import ScenarioQ, output_headers, page_scenario
from unggulan.base.errors import UnggulanError
from unggulan.maps.pages import (
    PageOptions,
    area_page,
    commodity_map,
    error_page,
    level_geojson,
    main_map,
    render,
)

router = APIRouter(tags=["web map"])
WeightsQ = Annotated[str | None, Query(examples=["suitability=0.5,specialisation=0.3"])]
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


#: pages and map data kept per dataset: the last ones asked
KEPT_PAGES = 64


def _cached(ds, key: tuple, build) -> str:
    """The page (or data) of ``key``, built once per dataset for the :data:`KEPT_PAGES`
    last asked."""
    return ds.cached(("api", "map-pages"), lambda: Lru(KEPT_PAGES)).get(key, build)


# The HTML pages take their parameters as text and check them themselves: a bad one gets a
# readable HTML page in both languages (never FastAPI's JSON 422), and a missing level is the
# dataset's first level.
PageLevelQ = Annotated[str | None, Query(description="desa or kecamatan (default: the "
                                         "dataset's first level)")]
PageLangQ = Annotated[str, Query(description="id (Bahasa Indonesia) or en (English)")]
PageTopQ = Annotated[str, Query(description="candidates per area, 1-10")]
PageViewQ = Annotated[str | None, Query(description="class, score or quadrant (default: "
                                        "the first the commodity has)")]


def _html_error(exc: Exception, lang: str, field: str | None = None) -> HTMLResponse:
    status = next((code for t, code in DEFAULT_STATUS_CODES.items() if isinstance(exc, t)),
                  400)
    return HTMLResponse(error_page(status, str(exc), getattr(exc, "field", None) or field,
                                   lang if lang in ("id", "en") else "id", PAGES),
                        status_code=status)


def _page_params(ds, lang: str, level: str | None, top: str = "3") -> tuple[str, int]:
    """The checked level (None: the dataset's first) and top; raises UnggulanError."""
    if lang not in ("id", "en"):
        raise UnggulanError(f"lang must be id or en, not '{lang}'", field="lang")
    if level is None or level == "":
        level = ds.levels[0]
    elif level not in ("desa", "kecamatan"):
        raise UnggulanError(f"level must be desa or kecamatan, not '{level}'", field="level")
    elif level not in ds.levels:
        level = ds.levels[0]  # a dataset of kecamatan only
    try:
        n = int(top)
    except (TypeError, ValueError):
        raise UnggulanError(f"top must be a whole number 1-10, not '{top}'",
                            field="top") from None
    if not 1 <= n <= 10:
        raise UnggulanError(f"top must lie in 1..10, not {n}", field="top")
    return level, n


@router.get("/", response_class=HTMLResponse, summary="Candidate map (home page)")
@router.get("/peta", response_class=HTMLResponse, summary="Candidate map")
def main_page(request: Request, ds: DatasetDep, level: PageLevelQ = None, lang: PageLangQ = "id",
              weights: WeightsQ = None, top: PageTopQ = "3", scenario: ScenarioQ = None):
    """Areas coloured by their top candidate; sentra; popups with the ranked candidates."""
    try:
        level, n = _page_params(ds, lang, level, top)
        found = page_scenario(ds, scenario)
        opt = _options(request, lang, weights, n, found)
        html = _cached(ds, ("main", level, lang, weights, n, _key(found)),
                       lambda: render(main_map(ds, level, opt)))
        return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))
    except UnggulanError as exc:
        return _html_error(exc, lang)


@router.get("/peta/komoditas/{commodity_id}", response_class=HTMLResponse)
def commodity_page(request: Request, ds: DatasetDep, commodity_id: str,
                   view: PageViewQ = None, level: PageLevelQ = None,
                   lang: PageLangQ = "id", weights: WeightsQ = None, scenario: ScenarioQ = None):
    """One commodity across all areas: its land class, SLQ x DLQ quadrant or score (by
    default the first it has: land classes need rasters), with its sentra."""
    try:
        level, _ = _page_params(ds, lang, level)
        if view is not None and view not in ("class", "score", "quadrant"):
            raise UnggulanError(f"view must be class, score or quadrant, not '{view}'",
                                field="view")
        found = page_scenario(ds, scenario)
        opt = _options(request, lang, weights, scenario=found)
        html = _cached(ds, ("commodity", commodity_id, view, level, lang, weights, _key(found)),
                       lambda: render(commodity_map(ds, commodity_id, view, level, opt)))
        return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))
    except UnggulanError as exc:
        return _html_error(exc, lang)


@router.get("/peta/wilayah/{code}", response_class=HTMLResponse)
def area_detail_page(request: Request, ds: DatasetDep, code: str, lang: PageLangQ = "id",
                     weights: WeightsQ = None, scenario: ScenarioQ = None):
    """One area with its neighbours, attributes, score breakdown and export links."""
    try:
        _page_params(ds, lang, None)
        found = page_scenario(ds, scenario)
        opt = _options(request, lang, weights, top=5, scenario=found)
        html = _cached(ds, ("area", code, lang, weights, _key(found)),
                       lambda: render(area_page(ds, code, opt)))
        return HTMLResponse(html, headers=output_headers(ds, opt.effective_scenario()))
    except UnggulanError as exc:
        return _html_error(exc, lang)


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
