"""Commodities with land requirements, sentra, candidates and weights."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from unggulan.api import pool
from unggulan.api.convert import feature_collection, records
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.headers import run_headers
from unggulan.api.models import (
    CandidatePage,
    Commodity,
    CommodityDetail,
    CommoditySuitability,
    Requirement,
    Run,
    SentraPage,
    Weights,
)
from unggulan.api.paging import paged
from unggulan.api.routes_scenarios import saved_scenario
from unggulan.core.land.suitability import status_of
from unggulan.core.ranking.run import effective_scenario
from unggulan.core.ranking.scoring import DEFAULT_WEIGHTS, DESCRIPTIONS
from unggulan.core.scenario import scenario_from_dict

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
    return SentraPage(**paged(s, limit, offset))


ScenarioQ = Annotated[str | None, Query(
    description="the id or name of a saved scenario (GET /api/v1/scenarios); replaces "
                "weights and top", examples=["permendagri_9_2014"])]
StabilityQ = Annotated[bool, Query(
    description="add each area's stability (share of 200 weight draws within +-20 % in which "
                "its first candidate stays first) where the level has at most 5,000 areas")]
LimitQ = Annotated[int, Query(ge=1, le=10_000)]
OffsetQ = Annotated[int, Query(ge=0)]
SCENARIO_EXAMPLES = {
    "weights": {"summary": "weights", "value": {
        "name": "Musrenbang 2025", "weights": {"suitability": 0.4, "specialisation": 0.3,
                                               "market": 0.3}}},
    "ahp": {"summary": "AHP pairwise comparisons", "value": {
        "name": "FGD Bappeda (AHP)", "ahp": {
            "criteria": ["suitability", "specialisation", "market"],
            "matrix": [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]}}},
    "topsis": {"summary": "TOPSIS, two commodities", "value": {
        "name": "TOPSIS kakao-kopi", "method": "topsis", "top": 2,
        "weights": {"suitability": 0.5, "specialisation": 0.5}}},
}


def candidate_page(ds, level: str, scenario, response: Response, *, stability: bool = True,
                   limit: int = 1000, offset: int = 0) -> CandidatePage:
    """The candidates of ``scenario`` as a page, with the run in the body and headers."""
    c, meta = _candidates_layer(ds, level, scenario, stability)
    run = {k: meta[k] for k in Run.model_fields if k in meta}
    response.headers.update(run_headers(meta))
    return CandidatePage(level=level, top=scenario.top, weights=scenario.weights_resolved(),
                         **paged(c, limit, offset, lambda page: records(page.drop(
                             columns=["geometry", "scenario", "run_hash"]))),
                         scenario=meta["scenario"], run=Run(**run))


#: candidate layers (with stability and metadata) kept per dataset for paging: the last few
PAGED_LAYERS = 8


def _candidates_layer(ds, level: str, scenario, stability: bool):
    """The long candidates layer of ``scenario`` and its metadata, made once per dataset and
    run (the run hash: scenario, inputs, version) for the :data:`PAGED_LAYERS` last asked; a
    page is then a slice."""

    def make():
        c = ds.candidates_layer(level, scenario, long=True, stability=stability)
        return c, ds.layer_metadata("candidates", level, scenario, c)

    kept = ds.cached(("api", "candidate-layers"), lambda: pool.Lru(PAGED_LAYERS))
    key = (level, scenario.name, ds.run_info(scenario).run_hash, bool(stability))
    return kept.get(key, make)


@router.get("/candidates", response_model=CandidatePage, tags=["candidates"])
async def list_candidates(
    ds: DatasetDep, level: LevelDep, response: Response,
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    weights: WeightsQ = None,
    scenario: ScenarioQ = None,
    stability: StabilityQ = True,
    limit: LimitQ = 1000,
    offset: OffsetQ = 0,
):
    """Ranked candidates of every area (long form), paged, with the scenario and run hash
    they were made with (``run``; headers ``X-Unggulan-Run``, ``X-Unggulan-Scenario``).
    Without ``scenario`` the weights (default: the defaults) and ``top`` are the scenario
    "bawaan / default". On the candidates pool (:mod:`unggulan.api.pool`): new weights
    compute a ranking of every area."""
    args = (ds, level, top, weights, scenario, stability, limit, offset)
    if scenario is not None:  # a saved scenario is read (and may change) each time
        body, headers = await pool.run("candidates", _candidates_answer, *args)
    else:  # a page given before on this dataset: a lookup on the event loop
        store = pool.kept(ds, "candidates", KEPT_PAGES, KEPT_BYTES)
        body, headers = await pool.kept_or_run(
            "candidates", store, (level, top, weights, stability, limit, offset),
            _candidates_answer, *args)
    return Response(body, media_type="application/json", headers=headers)


#: candidate pages kept per dataset (GET /candidates without a saved scenario)
KEPT_PAGES = 256
KEPT_BYTES = 64 * 1024 * 1024
_CANDIDATE_PAGE = TypeAdapter(CandidatePage)


def _candidates_answer(ds, level, top, weights, scenario, stability, limit, offset
                       ) -> tuple[bytes, dict[str, str]]:
    """The body (a :class:`CandidatePage` as JSON, as FastAPI serializes it, made on the
    lane's thread) and the run headers of ``GET /candidates``."""
    answer = Response()
    page = _list_candidates(ds, level, answer, top, weights, scenario, stability, limit,
                            offset)
    headers = {k: v for k, v in answer.headers.items() if k.lower().startswith("x-unggulan")}
    return _CANDIDATE_PAGE.dump_json(page), headers


def _list_candidates(ds, level, response, top, weights, scenario, stability, limit, offset):
    sc = saved_scenario(ds, scenario) if scenario else None
    run = effective_scenario(sc, weights, top=top)
    return candidate_page(ds, level, run, response, stability=stability, limit=limit,
                          offset=offset)


@router.post("/candidates", response_model=CandidatePage, tags=["candidates"])
def post_candidates(
    ds: DatasetDep, level: LevelDep, response: Response,
    scenario: Annotated[dict[str, Any], Body(
        description="a scenario as JSON: the keys of a scenario TOML file (name, weights or "
                    "ahp, method, top, reference, management, commodities, statistics, "
                    "criteria; see data/scenarios/README.md)",
        openapi_examples=SCENARIO_EXAMPLES)],
    stability: StabilityQ = True,
    limit: LimitQ = 1000,
    offset: OffsetQ = 0,
):
    """Ranked candidates for a scenario sent as the JSON body (weights or AHP, weighted sum,
    TOPSIS or VIKOR); 422 naming the key for a scenario that cannot be used (an unknown
    weight, an AHP matrix with CR >= 0.10 naming the judgement to revisit, ...)."""
    sc = scenario_from_dict(scenario)
    sc.check_commodities(ds.catalogue.items)
    return candidate_page(ds, level, sc, response, stability=stability, limit=limit,
                          offset=offset)


@router.get("/weights", response_model=Weights, tags=["candidates"])
def weights():
    """The default score weights and what each component measures."""
    return Weights(defaults=dict(DEFAULT_WEIGHTS), description=dict(DESCRIPTIONS))


