"""Areas: listing with filters and paging, one area with its evidence, its candidates."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from unggulan.api import heap
from unggulan.api.convert import clean, feature_collection, records
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.headers import run_headers
from unggulan.api.paging import paged
from unggulan.api.models import AreaCandidates, AreaDetail, AreaPage, CandidateItem
from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.base.names import fold
from unggulan.core.ranking.scoring import COLUMNS

router = APIRouter(tags=["areas"])
AREA_FIELDS = ["code", "name", "level", "parent_code", "kecamatan_code", "kecamatan_name",
               "kabupaten_code", "province_code", "area_ha"]
BboxQ = Annotated[str | None, Query(description="minx,miny,maxx,maxy in WGS84",
                                    examples=["119.9,-5.0,120.3,-4.6"])]


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    if not bbox:
        return None
    try:
        parts = [float(x) for x in bbox.split(",")]
    except ValueError:
        raise UnggulanError(f"bbox '{bbox}' is not four numbers", field="bbox") from None
    if len(parts) != 4 or not all(np.isfinite(parts)):
        raise UnggulanError(f"bbox '{bbox}' must be minx,miny,maxx,maxy", field="bbox")
    minx, miny, maxx, maxy = parts
    if minx > maxx or miny > maxy:
        raise UnggulanError(f"bbox '{bbox}': min is larger than max", field="bbox")
    return minx, miny, maxx, maxy


def filter_areas(ds, level: str, parent: str | None, q: str | None, bbox):
    areas = ds.areas(level)
    if parent:
        mask = (areas["parent_code"] == parent) | (areas["kabupaten_code"] == parent) | (
            areas["province_code"] == parent)
        areas = areas[mask]
    if q:
        key = fold(q)
        areas = areas[areas["name"].map(fold).str.contains(key, regex=False, na=False)]
    if bbox:
        areas = areas.iloc[areas.sindex.query(_box(bbox), predicate="intersects")].sort_index()
    return areas


def _box(bbox):
    from shapely.geometry import box

    return box(*bbox)


@router.get("/areas", response_model=AreaPage,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "JSON, or GeoJSON with geometry=true"}})
def list_areas(
    ds: DatasetDep, level: LevelDep,
    parent: Annotated[str | None, Query(description="kecamatan, kabupaten or province code")]
    = None,
    q: Annotated[str | None, Query(description="part of the name", examples=["bonto"])] = None,
    bbox: BboxQ = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    geometry: Annotated[bool, Query(description="answer GeoJSON with polygons")] = False,
):
    """Areas of a level, filtered by parent code, name and bbox, in pages."""
    areas = filter_areas(ds, level, parent, q, parse_bbox(bbox))
    fields = [c for c in AREA_FIELDS if c in areas.columns]
    if geometry:
        page = areas.iloc[offset:offset + limit]
        fc = feature_collection(page[fields + ["geometry"]])
        fc.update({"numberMatched": len(areas), "numberReturned": len(page)})
        return JSONResponse(fc, media_type="application/geo+json")
    return AreaPage(**paged(areas, limit, offset, lambda page: records(page[fields])))


def _area(ds, level: str, code: str):
    areas = ds.areas(level)
    if code not in areas.index:
        raise UnknownArea(f"no {level} with code '{code}'", field="code")
    return areas.loc[code]


_CANDIDATES = TypeAdapter(list[CandidateItem])


def _candidate_items(frame: pd.DataFrame | list[dict]) -> list[CandidateItem]:
    items = []
    for r in (frame if isinstance(frame, list) else records(frame)):
        r["components"] = {k: r.get(f"score_{k}") for k in COLUMNS}
        r["sentra"] = int(r.get("sentra") or 0)
        r["workers"] = r.get("workers") or 0
        items.append(CandidateItem(**r))
    return items


def area_candidates(ds, level, code, top, weights):
    return ds.area_candidates(code, level, top=top, weights=weights)


#: levels with at most this many areas have every area's detail prepared at once (kept per
#: dataset); larger ones (national desa) make each area's on request
DETAIL_PREPARED_MAX = 5000


@router.get("/areas/{code}", response_model=AreaDetail)
async def get_area(ds: DatasetDep, code: str, level: LevelDep,
                   top: Annotated[int, Query(ge=1, le=20)] = 3):
    """One area: its attributes, its suitability for every commodity, its candidates."""
    from unggulan.api import pool

    _area(ds, level, code)
    # the level's details are made once per dataset: afterwards a lookup; on the area-detail
    # pool either way (the first one explains every area's suitability, seconds)
    body = await pool.run("area detail", area_detail_json, ds, level, code, top)
    return Response(body, media_type="application/json")


def area_detail_json(ds, level: str, code: str, top: int = 3) -> bytes:
    """The JSON of ``GET /areas/{code}`` (:class:`AreaDetail`): the area, its attributes and
    its explained suitability from :func:`area_details` (made once per dataset), its
    candidates from the prepared ones."""
    parts = area_details(ds, level, [code] if len(ds.areas(level)) > DETAIL_PREPARED_MAX
                         else None)[code]
    items = _candidate_items(ds.area_candidate_records(code, level, top=top, weights=None))
    cands = _CANDIDATES.dump_json(items).decode("utf-8")
    return (f'{{"area":{parts["area"]},"synthetic":{"true" if ds.synthetic else "false"},'
            f'"attributes":{parts["attributes"]},"suitability":{parts["suitability"]},'
            f'"candidates":{cands}}}').encode()


def area_details(ds, level: str, codes: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Per area of ``level``: the JSON texts of its fields (``area``), attributes and
    suitability rows with their evidence in both languages, as :class:`AreaDetail` has them.
    Every area's (``codes`` None) is made once per dataset (:meth:`Dataset.cached`); the
    explanations of a whole level take about as long as one area's."""
    if codes is None:
        return ds.cached(("area-details", level), lambda: _area_details(ds, level, None))
    return _area_details(ds, level, codes)


def _area_details(ds, level: str, codes: list[str] | None) -> dict[str, dict[str, str]]:
    from pydantic import TypeAdapter

    from unggulan.api.models import Area, SuitabilityItem
    from unggulan.core.land.suitability import explain

    areas = ds.areas(level)
    if codes is not None:
        areas = areas.loc[codes]
    attrs_all = ds.attributes(level)
    suit = ds.suitability(level, explain=False, copy=False)
    if codes is not None:
        suit = suit[suit["code"].isin(codes).to_numpy()]
    suit = suit.copy()
    suit["evidence_id"] = explain(suit, attrs_all, ds.requirements, "id").to_numpy()
    suit["evidence_en"] = explain(suit, attrs_all, ds.requirements, "en").to_numpy()
    suit = suit.astype({c: object for c in suit.columns if str(suit[c].dtype) == "category"})
    rows = records(suit.drop(columns=["code", "basis", "interventions", "factors_used"]))
    by_code: dict[str, list[dict]] = {}
    for c, r in zip(suit["code"].astype(str).tolist(), rows):
        by_code.setdefault(c, []).append(r)
    suit_json = TypeAdapter(list[SuitabilityItem])
    attrs_json = TypeAdapter(dict[str, float | None])
    fields = [k for k in AREA_FIELDS if k in areas.columns]
    attrs = attrs_all.reindex(areas.index)
    out = {}
    for (code, row), (_, a) in zip(areas[fields].iterrows(), attrs.iterrows()):
        out[str(code)] = {
            "area": Area(**{k: clean(row[k]) for k in fields}).model_dump_json(),
            "attributes": attrs_json.dump_json({k: clean(v) for k, v in a.items()}).decode(),
            "suitability": suit_json.dump_json(suit_json.validate_python(
                by_code.get(str(code), []))).decode(),
        }
    return out


@router.get("/areas/{code}/candidates", response_model=AreaCandidates)
async def get_area_candidates(
    ds: DatasetDep, code: str, level: LevelDep,
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    weights: Annotated[str | None, Query(
        description="name=value pairs, e.g. suitability=0.4,specialisation=0.3",
        examples=["suitability=0.4,specialisation=0.3"])] = None,
    scenario: Annotated[str | None, Query(
        description="a saved scenario's id or name (replaces weights and top)")] = None,
):
    """The ranked candidates of one area, with the weights and the run they were made with
    (headers ``X-Unggulan-Run``, ``X-Unggulan-Scenario``)."""
    # answered on the event loop when the candidates are prepared (a lookup); computing
    # them, or reading a saved scenario, runs on the thread pool
    if scenario is None:
        fast = _area_candidates_response(ds, code, level, top, weights, None, True)
        if fast is not None:
            return fast
    from starlette.concurrency import run_in_threadpool

    out = await run_in_threadpool(_area_candidates_response, ds, code, level, top, weights,
                                  scenario, False)
    if scenario is None:  # the level's records were prepared now and are kept
        await run_in_threadpool(heap.settle)
    return out


def prepare_default(ds) -> list[str]:
    """Prepare the default candidates of every level of ``ds`` (top 3, the catalogue's
    weights) as the route answers them: afterwards each area's answer is a lookup. Returns
    the levels prepared."""
    done = []
    for level in ds.levels:
        areas = ds.areas(level)
        if len(areas):
            _area_candidates_response(ds, str(areas.index[0]), level, 3, None, None, False)
            done.append(level)
    heap.settle()
    return done


def _area_candidates_response(ds, code: str, level: str, top: int, weights: str | None,
                              scenario: str | None, prepared_only: bool):
    from unggulan.api.routes_scenarios import saved_scenario
    from unggulan.core.ranking.run import effective_scenario, run_info

    areas = ds.areas(level)
    if code not in areas.index:
        raise UnknownArea(f"no {level} with code '{code}'", field="code")
    sc = effective_scenario(saved_scenario(ds, scenario) if scenario else None, weights,
                            top=top)
    items = ds.area_candidate_records(code, level, scenario=sc, prepared_only=prepared_only)
    if items is None:
        return None
    info = run_info(ds, sc)
    body = AreaCandidates(code=code, name=clean(areas["name"].get(code)), level=level,
                          weights=sc.weights_resolved(), candidates=_candidate_items(items),
                          scenario=info.scenario, run_hash=info.run_hash)
    return JSONResponse(body.model_dump(), headers=run_headers(info))
