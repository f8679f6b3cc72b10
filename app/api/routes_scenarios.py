"""Saved scenarios: list, read and save them (``DIR/scenarios/*.toml`` and the bundled
``data/scenarios/*.toml``).

A scenario is known by its id, the file's stem. Saving (``POST /api/v1/scenarios``, write key
required) writes ``DIR/scenarios/<slug>.toml`` atomically (a temporary file, then a rename);
the slug is made from the scenario's name (``[a-z0-9_]``,
:func:`unggulan.core.ranking.run.slug`), and no other request value ever becomes a path: ids
are looked up in the folder's listing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request

from unggulan.api.deps import DatasetDep
from unggulan.api.headers import run_headers
from unggulan.api.models import ErrorBody, ScenarioDetail, ScenarioList, ScenarioSaved
from unggulan.api.security import require_write_key
from unggulan.base.errors import UnggulanError
from unggulan.core.ranking.run import (
    SavedScenario,
    find_scenario,
    saved_scenarios,
    scenario_folder,
    slug,
)
from unggulan.core.scenario import Scenario, load_scenario, scenario_from_dict, scenario_to_toml
from unggulan.io.exports import write_text

router = APIRouter(tags=["scenarios"])
#: the query parameter of every route that takes a saved scenario
ScenarioQ = Annotated[str | None, Query(
    description="the id or name of a saved scenario (GET /api/v1/scenarios); replaces "
                "weights and top", examples=["permendagri_9_2014"])]


def _error_text(exc: UnggulanError, s: SavedScenario) -> str:
    """The error without the server's folders: the file's name and what is wrong."""
    detail = getattr(exc, "detail", None) or str(exc)
    return f"{s.path.name}: {detail}"


def _summary(s: SavedScenario, sc: Scenario | None = None, error: str | None = None) -> dict:
    out: dict[str, Any] = {"id": s.id, "source": s.source, "file": s.path.name}
    if sc is not None:
        out.update(name=sc.name, description=sc.description or None, method=sc.method,
                   scenario_hash=sc.content_hash())
    if error:
        out["error"] = error
    return out


def _find(ds, name: str) -> SavedScenario:
    hit = find_scenario(ds.folder, name)
    if hit is None:
        known = ", ".join(s.id for s in saved_scenarios(ds.folder)) or "none"
        raise HTTPException(404, f"no saved scenario '{name}'; saved: {known}")
    return hit


def _load(hit: SavedScenario) -> Scenario:
    try:
        return load_scenario(hit.path)
    except UnggulanError as exc:
        raise UnggulanError(_error_text(exc, hit), field="scenario") from None


def saved_scenario(ds, name: str) -> Scenario:
    """The saved scenario of id or name ``name`` (404 when there is none, 422 when its file
    cannot be used)."""
    return _load(_find(ds, name))


def page_scenario(ds, name: str | None) -> tuple[Scenario, str] | None:
    """For the map pages: the saved scenario ``name`` and its id (None without a name)."""
    if not name:
        return None
    hit = _find(ds, name)
    return _load(hit), hit.id


def output_headers(ds, scenario: Scenario | None) -> dict[str, str]:
    """``X-Unggulan-Run`` and ``X-Unggulan-Scenario`` of an output made with ``scenario``
    (None: the default scenario)."""
    return run_headers(ds.run_info(scenario))


@router.get("/scenarios", response_model=ScenarioList)
def list_scenarios(request: Request, ds: DatasetDep):
    """The dataset's saved scenarios, then the bundled ones (a dataset's scenario shadows a
    bundled one of the same id); ``writable`` says whether saving is on."""
    items = []
    for s in saved_scenarios(ds.folder):
        try:
            items.append(_summary(s, load_scenario(s.path)))
        except UnggulanError as exc:
            items.append(_summary(s, error=_error_text(exc, s)))
    writable = bool(request.app.state.settings.write_api_key)
    return ScenarioList(writable=writable, items=items)


@router.get("/scenarios/{scenario_id}", response_model=ScenarioDetail,
            responses={404: {"model": ErrorBody, "description": "no saved scenario of that id"}})
def get_scenario(ds: DatasetDep, scenario_id: str):
    """One saved scenario: its settings as JSON and TOML, the weights as used and, for an AHP
    matrix, its weights and consistency ratio."""
    hit = _find(ds, scenario_id)
    sc = _load(hit)
    res = sc.ahp_result()
    return ScenarioDetail(
        **_summary(hit, sc), scenario=sc.model_dump(mode="json", exclude_none=True),
        weights=sc.weights_resolved(), ahp=res.to_dict() if res is not None else None,
        criteria=[{"key": k, **c.model_dump(mode="json")} for k, c in sc.criteria.items()],
        toml=scenario_to_toml(sc))


@router.post("/scenarios", response_model=ScenarioSaved, status_code=201,
             dependencies=[Depends(require_write_key)],
             responses={403: {"model": ErrorBody, "description": "saving is off, or the write "
                              "key is missing or wrong"},
                        409: {"model": ErrorBody, "description": "a scenario of that id exists "
                              "(send overwrite=true to replace it)"}})
def save_scenario(
    ds: DatasetDep,
    scenario: Annotated[dict[str, Any], Body(
        description="a scenario as JSON (the keys of a scenario TOML file)",
        openapi_examples={"weights": {"summary": "weights", "value": {
            "name": "Musrenbang 2025", "weights": {"suitability": 0.4, "market": 0.6}}}})],
    overwrite: Annotated[bool, Query(description="replace a saved scenario of the same id")]
    = False,
):
    """Check a scenario and save it as ``DIR/scenarios/<id>.toml`` (the id made from its
    name); the write key (``X-API-Key``) is required."""
    sc = scenario_from_dict(scenario)
    sc.check_commodities(ds.catalogue.items)
    sid = slug(sc.name)
    folder = scenario_folder(ds.folder)
    target = folder / f"{sid}.toml"  # sid is [a-z0-9_]{1,60}: never a path of its own
    existed = target.exists()
    if existed and not overwrite:
        raise HTTPException(409, f"a saved scenario '{sid}' exists; send overwrite=true to "
                                 "replace it, or choose another name")

    try:
        folder.mkdir(exist_ok=True)
        write_text(target, scenario_to_toml(sc), overwrite=True)
    except OSError as exc:
        raise UnggulanError(f"cannot save the scenario: {exc.strerror}") from None
    return ScenarioSaved(id=sid, name=sc.name, file=target.name,
                         scenario_hash=sc.content_hash(), replaced=existed)
