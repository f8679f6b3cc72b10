"""Vector tiles of the areas with their top candidate: ``/tiles/{level}/{z}/{x}/{y}.mvt``.

Mapbox Vector Tiles (:mod:`unggulan.maps.tiles`) so that a national desa map draws only what it
shows. One layer per tile, named after the level; properties ``code``, ``name``, ``kec``,
``top1``, ``top1_name``, ``top1_score``, ``top1_class``. A tile outside the level's zoom range
or with no area is an empty body (status 200). ``weights``, ``top`` and ``scenario`` choose
the run as on the map pages (``/peta?weights=...``), so the tiles agree with the popups.
``/tiles/{level}/legend.json`` gives the palette and legend counts of the level's top
candidates, which a map page reads before drawing the tiles. Wired in :mod:`unggulan.api.main`
without a prefix.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from unggulan.api.deps import DatasetDep
from unggulan.api.routes_scenarios import saved_scenario
from unggulan.base.errors import UnknownArea
from unggulan.core.ranking.run import effective_scenario
from unggulan.maps.tiles import COARSER, MAX_ZOOM, MEDIA_TYPE, MIN_ZOOM, tile_for, tile_source

router = APIRouter(tags=["web map"])
CACHE_SECONDS = 300
WeightsQ = Annotated[str | None, Query(
    description="name=value pairs over the default weights, as on /peta",
    examples=["suitability=0.5"])]
TopQ = Annotated[int, Query(ge=1, le=10, description="candidates per area of the run "
                                                     "(the tiles carry the first)")]
ScenarioQ = Annotated[str | None, Query(
    description="a saved scenario's id or name (replaces weights and top)")]
LevelP = Literal["desa", "kecamatan"]


def run_scenario(ds, weights: str | None, top: int, scenario: str | None):
    """The scenario of a tile request: a saved one, or the default one of ``weights`` and
    ``top`` (the map page's run)."""
    return effective_scenario(saved_scenario(ds, scenario) if scenario else None, weights,
                              top=top)


def _check_level(ds, level: str) -> None:
    if level not in ds.levels:
        raise UnknownArea(f"no {level} layer in this dataset (levels: "
                          f"{', '.join(ds.levels)})", field="level")


def tile_response(ds, level: str, z: int, x: int, y: int, scenario=None) -> Response:
    """The tile ``z/x/y`` of ``level`` as an HTTP answer (also used by the OGC API)."""
    _check_level(ds, level)
    if x >= 2 ** z or y >= 2 ** z:
        raise UnknownArea(f"no tile {z}/{x}/{y}: x and y must be below {2 ** z}",
                          field="x" if x >= 2 ** z else "y")
    data = tile_for(ds, level, z, x, y, scenario)
    return Response(content=data, media_type=MEDIA_TYPE,
                    headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"})


@router.get(
    "/tiles/{level}/{z}/{x}/{y}.mvt",
    response_class=Response,
    summary="Vector tile of a level's areas with their top candidate",
    responses={200: {"content": {MEDIA_TYPE: {}},
                     "description": "Mapbox Vector Tile (empty when no area meets it)"}},
)
def vector_tile(
    ds: DatasetDep,
    level: LevelP,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    weights: WeightsQ = None,
    top: TopQ = 3,
    scenario: ScenarioQ = None,
) -> Response:
    """One tile (Web Mercator XYZ, y counted from the north) of ``level``'s polygons,
    clipped and simplified for zoom ``z``, each with its top candidate and score."""
    _check_level(ds, level)
    return tile_response(ds, level, z, x, y, run_scenario(ds, weights, top, scenario))


@router.get("/tiles/{level}/legend.json", summary="Palette and legend of a level's tiles")
def tile_legend(ds: DatasetDep, level: LevelP, weights: WeightsQ = None, top: TopQ = 3,
                scenario: ScenarioQ = None) -> JSONResponse:
    """What a map page needs to colour and explain the tiles: ``palette`` (commodity id ->
    colour: the run's palette, :meth:`unggulan.core.dataset.Dataset.palette`),
    ``counts`` ([id, areas] for the legend), ``basisCounts`` (areas per evidence basis),
    ``otherCount`` (areas whose top candidate has no colour of its own), ``commodities``
    (id -> [name_id, name_en]), ``n`` (areas), ``minZoom`` and ``coarser`` (the level shown
    below ``minZoom``, or null)."""
    from unggulan.maps.pages import top_legend

    _check_level(ds, level)
    sc = run_scenario(ds, weights, top, scenario)
    src = tile_source(ds, level, sc)
    body = top_legend(ds, [p.get("top1") for p in src.props],
                      [p.get("top1_basis") for p in src.props], sc)
    coarser = COARSER.get(level)
    body.update(n=len(src.props), minZoom=MIN_ZOOM.get(level, 0),
                coarser=coarser if coarser in ds.levels else None)
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"})
