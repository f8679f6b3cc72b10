"""The printable brief of a kecamatan or kabupaten, as PDF or HTML (:mod:`unggulan.reports`).

Building a kabupaten brief takes tens of seconds; the last few briefs are kept per dataset
(a dataset reload starts afresh), keyed by everything that changes them, the date included.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from unggulan.api.deps import DatasetDep
from unggulan.api.headers import run_headers
from unggulan.api.pool import Lru
from unggulan.base.errors import DatasetError
from unggulan.core.ranking.run import find_scenario, saved_scenarios
from unggulan.core.scenario import load_scenario
from unggulan.reports.brief import (
    BriefOptions,
    build_brief,
    build_brief_pdf,
    resolve_area,
)

router = APIRouter(tags=["brief"])
LangQ = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]
WeightsQ = Annotated[str | None, Query(examples=["suitability=0.5,specialisation=0.3"])]
TopQ = Annotated[int, Query(ge=1, le=10, description="candidates per area")]
ScenarioQ = Annotated[str | None, Query(
    description="id or name of a saved scenario (instead of weights)",
    examples=["permendagri_9_2014"])]
#: briefs kept per dataset: the last ones asked
KEEP = 8


def _scenario(ds, name: str | None):
    """A saved scenario by id or name (never a path from the request), or None."""
    if not name:
        return None

    hit = find_scenario(ds.folder, name)
    if hit is None:
        known = ", ".join(s.id for s in saved_scenarios(ds.folder)) or "none"
        raise DatasetError(f"no saved scenario '{name}'; saved: {known}", field="scenario")
    return load_scenario(hit.path)


def _brief(ds, code: str, fmt: str, lang: str, weights: str | None, top: int,
           scenario: str | None) -> tuple[bytes, dict[str, str]]:
    """The brief's bytes and its run headers, built or from the cache."""
    kind, code, _ = resolve_area(ds, code)  # 404 / 422 before any work
    key = (code, fmt, lang, weights or None, top, scenario or None, dt.date.today())

    def build() -> tuple[bytes, dict[str, str]]:
        opts = BriefOptions(lang=lang, weights=weights or None, top=top,
                            scenario=_scenario(ds, scenario))
        if fmt == "pdf":  # (figures drawn beside WeasyPrint's layout)
            body, b = build_brief_pdf(ds, code, opts)
        else:
            b = build_brief(ds, code, opts)
            body = b.html.encode("utf-8")
        return body, (run_headers(b.info) if b.info is not None else {})

    return ds.cached(("api", "briefs"), lambda: Lru(KEEP)).get(key, build)


def _filename(code: str, lang: str, ext: str) -> str:
    return f"brief_{code.replace('.', '')}_{lang}.{ext}"


@router.get("/areas/{code}/brief.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def brief_pdf(ds: DatasetDep, code: str, lang: LangQ = "id", weights: WeightsQ = None,
              top: TopQ = 3, scenario: ScenarioQ = None):
    """A printable A4 brief of a kecamatan, or of a kabupaten (a page per kecamatan): map,
    ranked candidates per desa, land suitability, score components, sentra, method."""
    body, headers = _brief(ds, code, "pdf", lang, weights, top, scenario)
    return Response(body, media_type="application/pdf", headers={
        **headers,
        "Content-Disposition": f'inline; filename="{_filename(code, lang, "pdf")}"'})


@router.get("/areas/{code}/brief.html", response_class=HTMLResponse)
def brief_html(ds: DatasetDep, code: str, lang: LangQ = "id", weights: WeightsQ = None,
               top: TopQ = 3, scenario: ScenarioQ = None):
    """The same brief as one self-contained HTML page (images inlined)."""
    body, headers = _brief(ds, code, "html", lang, weights, top, scenario)
    return HTMLResponse(body.decode("utf-8"), headers=headers)
