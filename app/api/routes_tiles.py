"""Vector tiles of the areas with their top candidate: ``/tiles/{level}/{z}/{x}/{y}.mvt``.

Mapbox Vector Tiles (:mod:`app.maps.tiles`) so that a national desa map draws only what it
shows. One layer per tile, named after the level; properties ``code``, ``name``, ``top1``,
``top1_name``, ``top1_score``, ``top1_class``. A tile outside the level's zoom range or with
no area is an empty body (status 200). Wired in :mod:`app.api.main` without a prefix.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import Response

from app.api.deps import DatasetDep
from app.base.errors import UnknownArea
from app.maps.tiles import MAX_ZOOM, MEDIA_TYPE, tile_for

router = APIRouter(tags=["web map"])
CACHE_SECONDS = 300


@router.get(
    "/tiles/{level}/{z}/{x}/{y}.mvt",
    response_class=Response,
    summary="Vector tile of a level's areas with their top candidate",
    responses={200: {"content": {MEDIA_TYPE: {}},
                     "description": "Mapbox Vector Tile (empty when no area meets it)"}},
)
def vector_tile(
    ds: DatasetDep,
    level: Literal["desa", "kecamatan"],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    """One tile (Web Mercator XYZ, y counted from the north) of ``level``'s polygons,
    clipped and simplified for zoom ``z``, each with its top candidate and score."""
    if level not in ds.levels:
        raise UnknownArea(f"no {level} layer in this dataset (levels: "
                          f"{', '.join(ds.levels)})", field="level")
    if x >= 2 ** z or y >= 2 ** z:
        raise UnknownArea(f"no tile {z}/{x}/{y}: x and y must be below {2 ** z}",
                          field="x" if x >= 2 ** z else "y")
    data = tile_for(ds, level, z, x, y)
    return Response(content=data, media_type=MEDIA_TYPE,
                    headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"})
