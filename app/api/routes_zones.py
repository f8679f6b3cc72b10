"""Commodity zones (kawasan komoditas unggulan): ``GET /api/v1/zones`` and one zone by id.

The zones are :meth:`unggulan.core.dataset.Dataset.zones` of the scenario (a saved one by id or
name, else the default scenario of ``weights``); the same zones as ``unggulan zones``, the
``zones`` export layer and the OGC collection ``kawasan``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import shapely
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, TypeAdapter

from unggulan.api import pool
from unggulan.api.convert import records
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.headers import run_headers
from unggulan.api.routes_scenarios import ScenarioQ, saved_scenario
from unggulan.base.errors import UnknownArea
from unggulan.core.ranking.run import effective_scenario

router = APIRouter(tags=["zones"])


class ZonePage(BaseModel):
    level: str
    scenario: str
    run_hash: str
    stability: str | None = None
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def _zones(ds, level: str, scenario: str | None, weights: str | None,
           commodity: str | None):
    sc = saved_scenario(ds, scenario) if scenario else None
    gdf = ds.layer("zones", level, weights=weights, scenario=sc)
    z, mem = ds.zones(level, scenario=gdf_scenario(ds, sc, weights), members=True)
    if commodity is not None:
        ds.catalogue.get(commodity)  # 404 for an unknown commodity
        keep = (gdf["commodity"] == commodity).to_numpy()
        gdf = gdf[keep].reset_index(drop=True)
    return gdf, mem


def gdf_scenario(ds, sc, weights):
    """The scenario :meth:`~unggulan.core.dataset.Dataset.layer` used (default of ``weights``)."""
    return effective_scenario(sc, weights)


def _items(gdf, mem, geometry: bool) -> list[dict]:
    by_zone = {k: records(g.drop(columns=["zone_id"]))
               for k, g in mem.groupby("zone_id", sort=False)}
    items = records(gdf.drop(columns=["geometry"]))
    geoms = shapely.to_geojson(gdf.geometry.values) if geometry and len(gdf) else []
    for i, it in enumerate(items):
        it["members"] = it["members"].split(";") if it.get("members") else []
        it["member_names"] = it["member_names"].split(";") if it.get("member_names") else []
        it["member_detail"] = by_zone.get(it["zone_id"], [])
        if geometry:
            it["geometry"] = json.loads(geoms[i])
    return items


@router.get("/zones", response_model=ZonePage)
async def list_zones(
    ds: DatasetDep, level: LevelDep,
    commodity: Annotated[str | None, Query(examples=["kakao"])] = None,
    status: Annotated[Literal["kawasan", "embrio"] | None, Query(
        description="kawasan (at least the minimum size) or embrio (smaller)")] = None,
    weights: Annotated[str | None, Query(examples=["suitability=0.4"])] = None,
    scenario: ScenarioQ = None,
    geometry: Annotated[bool, Query(description="each zone's outline as GeoJSON")] = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Commodity zones: contiguous areas (queen contiguity plus the scenario's ``gap_m``
    tolerance) where the commodity is among the top candidates or in its hot spot on
    suitable land, each with its members (``member_detail``: rank, rule, land class,
    stability), area, suitable land, production or workers and their share of the
    kabupaten's, centre, organisations and a reason (id/en). On the zones lane
    (:mod:`unggulan.api.pool`): new weights compute candidates, contiguity and zones."""
    body, headers = await pool.run("zones", _zone_page, ds, level, commodity, status, weights,
                                   scenario, geometry, limit, offset)
    return Response(body, media_type="application/json", headers=headers)


def _zone_page(ds, level, commodity, status, weights, scenario, geometry, limit, offset
               ) -> tuple[bytes, dict[str, str]]:
    """The body (a :class:`ZonePage` as JSON, made on the lane's thread) and run headers of
    ``GET /zones``."""
    gdf, mem = _zones(ds, level, scenario, weights, commodity)
    if status is not None:
        gdf = gdf[(gdf["status"] == status).to_numpy()].reset_index(drop=True)
    meta = gdf.attrs.get("unggulan", {})
    page = gdf.iloc[offset:offset + limit]
    keep = mem[mem["zone_id"].isin(set(page["zone_id"]))]
    body = ZonePage(level=level, scenario=str(meta.get("scenario")),
                    run_hash=str(meta.get("run_hash")), stability=meta.get("stability"),
                    total=len(gdf), limit=limit, offset=offset,
                    items=_items(page.drop(columns=["scenario", "run_hash"]), keep, geometry))
    return _ZONE_PAGE.dump_json(body), run_headers(meta)  # as FastAPI serializes a model


@router.get("/zones/{zone_id}", response_model=dict)
async def get_zone(ds: DatasetDep, level: LevelDep, zone_id: str,
                   weights: Annotated[str | None, Query()] = None, scenario: ScenarioQ = None,
                   geometry: bool = True) -> Response:
    """One zone by id (``kakao-des-001``), with its members and outline (on the zones
    lane)."""
    body = await pool.run("zones", _zone, ds, level, zone_id, weights, scenario, geometry)
    return Response(body, media_type="application/json")


def _zone(ds, level: str, zone_id: str, weights, scenario, geometry: bool) -> bytes:
    """The body of ``GET /zones/{zone_id}`` (JSON, made on the lane's thread)."""
    gdf, mem = _zones(ds, level, scenario, weights, None)
    hit = gdf[(gdf["zone_id"] == zone_id).to_numpy()]
    if not len(hit):
        raise UnknownArea(f"no zone '{zone_id}' at level {level}", field="zone_id")
    return _ZONE.dump_json(_items(hit.drop(columns=["scenario", "run_hash"]),
                                  mem[(mem["zone_id"] == zone_id).to_numpy()], geometry)[0])


#: what FastAPI serializes the answers with (pydantic's JSON, not json.dumps: floats such as
#: 1e-8 are written alike)
_ZONE_PAGE = TypeAdapter(ZonePage)
_ZONE = TypeAdapter(dict)
