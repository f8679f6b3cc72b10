"""Areas: listing with filters and paging, one area with its evidence, its candidates."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from unggulan.api import heap
from unggulan.api.convert import clean, feature_collection, records
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.models import AreaCandidates, AreaDetail, AreaPage, CandidateItem
from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.base.names import fold
from unggulan.core.scoring import COLUMNS

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
    page = areas.iloc[offset:offset + limit]
    fields = [c for c in AREA_FIELDS if c in areas.columns]
    if geometry:
        fc = feature_collection(page[fields + ["geometry"]])
        fc.update({"numberMatched": len(areas), "numberReturned": len(page)})
        return JSONResponse(fc, media_type="application/geo+json")
    return AreaPage(total=len(areas), limit=limit, offset=offset,
                    items=records(page[fields]))


def _area(ds, level: str, code: str):
    areas = ds.areas(level)
    if code not in areas.index:
        raise UnknownArea(f"no {level} with code '{code}'", field="code")
    return areas.loc[code]


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


@router.get("/areas/{code}", response_model=AreaDetail)
def get_area(ds: DatasetDep, code: str, level: LevelDep,
             top: Annotated[int, Query(ge=1, le=20)] = 3):
    """One area: its attributes, its suitability for every commodity, its candidates."""
    row = _area(ds, level, code)
    from unggulan.core.suitability import explain

    attrs_all = ds.attributes(level)
    attrs = attrs_all.loc[code]
    suit = ds.suitability(level, explain=False, copy=False)
    suit = suit[(suit["code"] == code).to_numpy()].copy()  # explained: this area's rows only
    suit["evidence_id"] = explain(suit, attrs_all, ds.requirements, "id").to_numpy()
    suit["evidence_en"] = explain(suit, attrs_all, ds.requirements, "en").to_numpy()
    suit = suit.astype({c: object for c in suit.columns if str(suit[c].dtype) == "category"})
    return AreaDetail(
        area={k: clean(row[k]) for k in AREA_FIELDS if k in row.index},
        synthetic=ds.synthetic,
        attributes={k: clean(v) for k, v in attrs.items()},
        suitability=records(suit.drop(columns=["code", "basis", "interventions",
                                               "factors_used"])),
        candidates=_candidate_items(area_candidates(ds, level, code, top, None)),
    )


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
    from unggulan.core.run import effective_scenario, run_info

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
    return JSONResponse(body.model_dump(), headers=info.headers())
