"""The printable brief of a kecamatan or kabupaten, as PDF or HTML (:mod:`app.reports`).

Building a kabupaten brief takes tens of seconds; the last few briefs are kept per dataset
(a dataset reload starts afresh), keyed by everything that changes them, the date included.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from app.api.deps import DatasetDep
from app.reports.brief import BriefOptions, build_brief, html_to_pdf, resolve_area

router = APIRouter(tags=["brief"])
LangQ = Annotated[Literal["id", "en"], Query(description="Bahasa Indonesia or English")]
WeightsQ = Annotated[str | None, Query(examples=["suitability=0.5,specialisation=0.3"])]
TopQ = Annotated[int, Query(ge=1, le=10, description="candidates per area")]
#: briefs kept per dataset
KEEP = 8
_LOCK = threading.Lock()


def _brief(ds, code: str, fmt: str, lang: str, weights: str | None, top: int) -> bytes:
    kind, code, _ = resolve_area(ds, code)  # 404 / 422 before any work
    key = (code, fmt, lang, weights or None, top, dt.date.today())
    cache = ds._cache.setdefault("briefs", {})
    with _LOCK:
        if key in cache:
            return cache[key]
    b = build_brief(ds, code, BriefOptions(lang=lang, weights=weights or None, top=top))
    body = html_to_pdf(b.html, b.date)[0] if fmt == "pdf" else b.html.encode("utf-8")
    with _LOCK:
        if len(cache) >= KEEP:
            cache.pop(next(iter(cache)))
        cache[key] = body
    return body


def _filename(code: str, lang: str, ext: str) -> str:
    return f"brief_{code.replace('.', '')}_{lang}.{ext}"


@router.get("/areas/{code}/brief.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def brief_pdf(ds: DatasetDep, code: str, lang: LangQ = "id", weights: WeightsQ = None,
              top: TopQ = 3):
    """A printable A4 brief of a kecamatan, or of a kabupaten (a page per kecamatan): map,
    ranked candidates per desa, land suitability, score components, sentra, method."""
    body = _brief(ds, code, "pdf", lang, weights, top)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{_filename(code, lang, "pdf")}"'})


@router.get("/areas/{code}/brief.html", response_class=HTMLResponse)
def brief_html(ds: DatasetDep, code: str, lang: LangQ = "id", weights: WeightsQ = None,
               top: TopQ = 3):
    """The same brief as one self-contained HTML page (images inlined)."""
    return HTMLResponse(_brief(ds, code, "html", lang, weights, top).decode("utf-8"))
