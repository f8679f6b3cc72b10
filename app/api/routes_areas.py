"""Areas: listing with filters and paging, one area with its evidence, its candidates."""

from __future__ import annotations

import functools
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter
from shapely.geometry import box

from unggulan.api import heap, pool
from unggulan.api.convert import clean, feature_collection, records
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.headers import run_headers
from unggulan.api.models import (
    Area,
    AreaCandidates,
    AreaDetail,
    AreaPage,
    CandidateItem,
    SuitabilityItem,
)
from unggulan.api.paging import paged
from unggulan.api.routes_scenarios import saved_scenario
from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.base.names import fold
from unggulan.core.land.suitability import explain
from unggulan.core.ranking.run import effective_scenario
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
    return box(*bbox)


@router.get("/areas", response_model=AreaPage,
            responses={200: {"content": {"application/geo+json": {}},
                             "description": "JSON, or GeoJSON with geometry=true"}})
async def list_areas(
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
    # a page asked before on this dataset is a lookup on the event loop; a new one is made
    # on the thread pool and kept (KEPT_PAGES)
    store = pool.kept(ds, "areas", KEPT_PAGES, KEPT_BYTES)
    body, media = await pool.kept_or_run(None, store, (level, parent, q, bbox, limit, offset,
                                                       geometry),
                                         areas_answer, ds, level, parent, q, bbox, limit,
                                         offset, geometry)
    return Response(body, media_type=media)


#: answers of GET /areas kept per dataset: this many pages, of at most this many bytes together
#: (a larger page, e.g. a national level with polygons, is made each time)
KEPT_PAGES = 512
KEPT_BYTES = 32 * 1024 * 1024


def areas_answer(ds, level: str, parent: str | None, q: str | None, bbox: str | None,
                 limit: int, offset: int, geometry: bool) -> tuple[bytes, str]:
    """The body and media type of ``GET /areas``: an :class:`AreaPage` as JSON, or with
    ``geometry`` a GeoJSON FeatureCollection with ``numberMatched`` and ``numberReturned``."""
    areas = filter_areas(ds, level, parent, q, parse_bbox(bbox))
    fields = [c for c in AREA_FIELDS if c in areas.columns]
    if geometry:
        page = areas.iloc[offset:offset + limit]
        fc = feature_collection(page[fields + ["geometry"]])
        fc.update({"numberMatched": len(areas), "numberReturned": len(page)})
        return JSONResponse(fc).body, "application/geo+json"
    page = AreaPage(**paged(areas, limit, offset, lambda page: records(page[fields])))
    return _AREA_PAGE.dump_json(page), "application/json"  # as FastAPI serializes a model


_AREA_PAGE = TypeAdapter(AreaPage)


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
    _area(ds, level, code)
    # an answer given before on this dataset is a lookup on the event loop; else it is made
    # on the area-detail lane from the level's details, which are made once per dataset (the
    # first one explains every area's suitability: seconds), and kept
    store = pool.kept(ds, "area detail", KEPT_DETAILS, KEPT_BYTES)
    body = await pool.kept_or_run("area detail", store, (level, code, top), area_detail_json,
                                  ds, level, code, top)
    return Response(body, media_type="application/json")


#: answers of GET /areas/{code} kept per dataset (at most KEPT_BYTES together)
KEPT_DETAILS = 1024


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
    if scenario is not None:  # a saved scenario is read (and may be changed) each time
        return _response(await pool.run("area candidates", _area_candidates_response, ds, code,
                                        level, top, weights, scenario, False))
    # answered on the event loop when given before on this dataset, or when the level's
    # candidates of these weights are prepared (a lookup); computing them runs on the
    # area-candidates lane
    store = pool.kept(ds, "area candidates", KEPT_CANDIDATES, KEPT_BYTES)
    key = (code, level, top, weights)
    answer = store.peek(key)
    if answer is None:
        fast = _area_candidates_response(ds, code, level, top, weights, None, True)
        if fast is not None:
            answer = store.get(key, lambda: fast)
    if answer is None:
        answer = await pool.run("area candidates", store.get, key, functools.partial(
            _area_candidates_response, ds, code, level, top, weights, None, False))
        # the level's records were prepared now and are kept
        await pool.run(None, heap.settle)
    return _response(answer)


#: answers of GET /areas/{code}/candidates kept per dataset (at most KEPT_BYTES together)
KEPT_CANDIDATES = 4096


def _response(answer: tuple[bytes, dict[str, str]]) -> Response:
    body, headers = answer
    return Response(body, media_type="application/json", headers=headers)


def prepare_default(ds) -> list[str]:
    """Prepare the default candidates of every level of ``ds`` (top 3, the catalogue's
    weights) as the route answers them: afterwards each area's answer is a lookup. The plan
    (read from the disk cache, or attributes, suitability and candidates per level), an
    estimate of its time and each step's time go to the log (:func:`unggulan.api.startup.
    prepare`). Returns the levels prepared."""
    from unggulan.api.startup import prepare

    def level_records(level: str) -> None:
        code = str(ds.areas(level).index[0])
        _area_candidates_response(ds, code, level, 3, None, None, False)

    done = prepare(ds, effective_scenario(None, None, top=3), level_records)
    heap.settle()
    return done


def finish_default(ds, tile_limit: int, prepared):
    """Beside :func:`prepare_default` and after it (once ``prepared``, a threading.Event,
    is set), on a thread: the vector tiles' index and the answers of the levels too large
    to prepare before (:func:`unggulan.api.startup.finish_in_background`)."""
    from unggulan.api.startup import finish_in_background

    return finish_in_background(ds, effective_scenario(None, None, top=3), tile_limit,
                                prepared)


def _area_candidates_response(ds, code: str, level: str, top: int, weights: str | None,
                              scenario: str | None, prepared_only: bool
                              ) -> tuple[bytes, dict[str, str]] | None:
    """The body (an :class:`AreaCandidates` as JSON) and run headers of
    ``GET /areas/{code}/candidates``; None with ``prepared_only`` when the level's candidates
    of these weights are not prepared."""
    areas = ds.areas(level)
    if code not in areas.index:
        raise UnknownArea(f"no {level} with code '{code}'", field="code")
    sc = effective_scenario(saved_scenario(ds, scenario) if scenario else None, weights,
                            top=top)
    items = ds.area_candidate_records(code, level, scenario=sc, prepared_only=prepared_only)
    if items is None:
        return None
    info = ds.run_info(sc)
    body = AreaCandidates(code=code, name=clean(areas["name"].get(code)), level=level,
                          weights=sc.weights_resolved(), candidates=_candidate_items(items),
                          scenario=info.scenario, run_hash=info.run_hash)
    return JSONResponse(body.model_dump()).body, run_headers(info)
