"""Commodities with land requirements, sentra, candidates and weights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.api.convert import feature_collection, records
from app.api.deps import DatasetDep, LevelDep
from app.api.models import (
    CandidatePage,
    Commodity,
    CommodityDetail,
    CommoditySuitability,
    Requirement,
    SentraPage,
    Weights,
)
from app.core.scoring import DEFAULT_WEIGHTS, DESCRIPTIONS, parse_weights
from app.core.suitability import status_of

router = APIRouter()
WeightsQ = Annotated[str | None, Query(
    description="name=value pairs; names not given keep their default",
    examples=["suitability=0.4,specialisation=0.3"])]


def _commodity(c) -> dict:
    return {"id": c.id, "name_id": c.name_id, "name_en": c.name_en, "sector": c.sector,
            "ovop_group": c.ovop_group, "raw_material": list(c.raw_material),
            "synonyms": list(c.synonyms)}


@router.get("/commodities", response_model=list[Commodity], tags=["commodities"])
def list_commodities(ds: DatasetDep,
                     sector: Annotated[str | None, Query(examples=["perikanan"])] = None):
    """The commodity catalogue."""
    return [_commodity(c) for c in ds.catalogue.items.values()
            if sector is None or c.sector == sector]


@router.get("/commodities/{commodity_id}", response_model=CommodityDetail,
            tags=["commodities"])
def get_commodity(ds: DatasetDep, commodity_id: str):
    """One commodity with its land requirements and their sources."""
    c = ds.catalogue.get(commodity_id)
    req = ds.requirements
    status, basis = status_of(commodity_id, ds.catalogue, req)
    rows = []
    for b in (basis or "").split("|"):
        if not b:
            continue
        for r in records(req.factors(b)):
            r["citation"] = req.sources.get(r["source"], "")
            rows.append(Requirement(**r))
    return CommodityDetail(**_commodity(c), land_status=status, requirements=rows)


@router.get("/commodities/{commodity_id}/suitability", tags=["commodities"],
            response_model=CommoditySuitability,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "JSON, or GeoJSON with geometry=true"}})
def commodity_suitability(ds: DatasetDep, commodity_id: str, level: LevelDep,
                          geometry: bool = False):
    """A commodity's suitability class, index and limiting factors across all areas."""
    ds.catalogue.get(commodity_id)
    s = ds.suitability(level, commodities=[commodity_id]).drop(columns=["basis"])
    s["code"] = s["code"].astype(str)
    if geometry:
        areas = ds.areas(level)
        gdf = areas[["code", "name", "geometry"]].merge(s, on="code")
        return JSONResponse(feature_collection(gdf), media_type="application/geo+json")
    return {"commodity": commodity_id, "level": level, "items": records(s)}


@router.get("/sentra", response_model=SentraPage, tags=["sentra"])
def list_sentra(
    ds: DatasetDep,
    commodity: Annotated[str | None, Query(examples=["kakao"])] = None,
    sector: str | None = None,
    desa: Annotated[str | None, Query(description="desa code")] = None,
    kecamatan: Annotated[str | None, Query(description="kecamatan code")] = None,
    placed: Annotated[bool | None, Query(description="only placed (true) or unplaced")]
    = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Sentra records with their commodity match and placement."""
    s = ds.sentra()
    if commodity:
        s = s[s["commodity_id"] == commodity]
    if sector:
        s = s[s["sector"] == sector]
    if desa:
        s = s[s["desa_code"] == desa]
    if kecamatan:
        s = s[s["kecamatan_code"] == kecamatan]
    if placed is not None:
        s = s[s["desa_code"].notna() == placed]
    page = s.iloc[offset:offset + limit]
    return SentraPage(total=len(s), limit=limit, offset=offset, items=records(page))


@router.get("/candidates", response_model=CandidatePage, tags=["candidates"])
def list_candidates(
    ds: DatasetDep, level: LevelDep,
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    weights: WeightsQ = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Ranked candidates of every area (long form), paged."""
    w = parse_weights(weights)
    c = ds.candidates(level, top=top, weights=weights)
    page = c.iloc[offset:offset + limit].drop(columns="geometry")
    return CandidatePage(level=level, top=top, weights=w, total=len(c), limit=limit,
                         offset=offset, items=records(page))


@router.get("/weights", response_model=Weights, tags=["candidates"])
def weights():
    """The default score weights and what each component measures."""
    return Weights(defaults=dict(DEFAULT_WEIGHTS), description=dict(DESCRIPTIONS))


