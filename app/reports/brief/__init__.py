"""The printable brief of a kecamatan or a kabupaten: one HTML document, printed to PDF.

Planners carry a document into a Musrenbang or an RPJMD annex, not a web page. The brief
holds, in Bahasa Indonesia (or English):

- a static map of the area, its desa coloured and hatched by their top candidate (the web
  map's palette) and numbered, keyed to the tables;
- the ranked candidates (score, land class and limiting factors, LQ, sentra, workers, why),
  of the kecamatan itself and of each desa;
- the share of the land in S1/S2/S3/N for the leading commodities;
- each top candidate's score components;
- the sentra by sector;
- production statistics (SLQ x DLQ quadrant, series) when the dataset has them;
- a method page: data files, the sources of the land requirements, the weights or the
  scenario (name and hash), the date and the tool's version.

A kabupaten brief (the code of a kabupaten: ``73.08``) has an overview and then a summary
page per kecamatan. The HTML is self-contained (charts and maps as SVG data URIs) and is
the same document WeasyPrint turns into an A4 PDF with page numbers and table headers
repeated across pages. The same inputs give the same bytes apart from the date
(:attr:`BriefOptions.date` fixes it).

Page rule (tested): every section of :attr:`Brief.sections` with ``page_break`` starts on a
new page; so the PDF has at least as many pages as such sections, and each section's
heading is on a later page than the one before.

The package, by concern:

- :mod:`.wording`: the bilingual labels, dates and headings;
- :mod:`.content`: the options and the run, and what the brief reads from the dataset;
- :mod:`.sections`: the blocks of each section (tables, figures, notes);
- :mod:`.figures`: the static map, the charts and the PDF kept on disk per content;
- :mod:`.render`: the HTML (Jinja) and the PDF (WeasyPrint);
- here: :func:`build_brief` and the ways out (:func:`brief_html`, :func:`brief_pdf`,
  :func:`write_brief`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unggulan.base.errors import UnggulanError
from unggulan.io.exports import atomic_replace, check_target, write_text
from unggulan.reports.brief import figures
from unggulan.reports.brief.content import (
    BriefOptions,
    Run,
    desa_of,
    make_run,
    rank1,
    resolve_area,
)
from unggulan.reports.brief.render import (
    TEMPLATES,
    css_string,
    gc_paused,
    html_to_pdf,
    render_html,
    with_figures,
)
from unggulan.reports.brief.sections import (
    CONTENT_CM,
    Section,
    kabupaten_sections,
    kecamatan_sections,
    method_section,
)
from unggulan.reports.brief.wording import LANGS, T, area_heading, fmt_date, fmt_num

__all__ = ["CONTENT_CM", "LANGS", "T", "TEMPLATES", "Brief", "BriefOptions", "Progress", "Run",
           "Section", "area_heading", "brief_html", "brief_pdf", "build_brief", "build_brief_pdf",
           "cache_folder", "css_string", "fmt_date", "fmt_num", "html_to_pdf", "make_run",
           "render_html", "resolve_area", "write_brief"]

Progress = Callable[[int, int, str], None]

@dataclass
class Brief:
    """A built brief: its HTML and what it holds."""

    code: str
    kind: str  # "kecamatan" or "kabupaten"
    name: str
    lang: str
    date: dt.date
    html: str
    sections: list[Section]
    desa: list[tuple[str, str, str | None]]  # (code, name, rank-1 commodity id) shown
    weights: dict[str, float]
    scenario: dict | None
    steps: int = 0  # progress steps the build reported
    info: Any = None  # unggulan.core.ranking.run.RunInfo: scenario, inputs and run hashes


def cache_folder(ds) -> Path | None:
    """Where the briefs of ``ds`` keep their figures and PDFs (None: the disk cache is off);
    :func:`html_to_pdf` takes it as ``cache``."""
    return figures.folder(ds)


def build_brief(ds, code: str, options: BriefOptions | None = None,
                progress: Progress | None = None, _extra_steps: int = 0,
                _then: Callable[[], Any] | None = None) -> Brief:
    """The brief of a kecamatan or kabupaten ``code`` as HTML, with what it holds.

    ``progress(done, total, what)`` is called as parts are built (a kabupaten brief builds
    one page per kecamatan).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> b = build_brief(Dataset.open(), "99.01.01", BriefOptions(lang="en"))
    >>> b.kind, [s.id for s in b.sections][-1]
    ('kecamatan', 'method')
    """
    opt = options or BriefOptions()
    run = make_run(ds, opt)
    kind, code, name = resolve_area(ds, code)
    n_kec = 1
    if kind == "kabupaten":
        kec = ds.areas("kecamatan")
        n_kec = int((kec["kabupaten_code"].astype(object) == code).sum())
    total = 3 + n_kec + _extra_steps
    done = [0]

    def step(what: str) -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], total), total, what)

    if progress:
        progress(0, total, "kandidat / candidates")
    run.cand("kecamatan")
    if "desa" in ds.levels:
        run.cand("desa")
    step("kandidat / candidates")
    if _then is not None:  # the candidates are there (build_brief_pdf pauses the collector)
        _then()
    if kind == "kecamatan":
        sections = kecamatan_sections(run, code, name)
        step(name)
    else:
        sections = kabupaten_sections(run, code, name, step)
    sections.append(method_section(run))
    step("metode / method")
    html = render_html(sections, run, kind, code, name)
    shown = desa_of(ds, [code] if kind == "kecamatan" else
                    list(ds.areas("kecamatan").query("kabupaten_code == @code")["code"]))
    tops = rank1(run, shown["code"]) if len(shown) else []
    return Brief(code=code, kind=kind, name=name, lang=run.lang, date=run.date, html=html,
                 sections=sections,
                 desa=[(c, n, t) for c, n, t in zip(shown["code"], shown["name"], tops)],
                 weights=run.weights, scenario=run.scenario, steps=total, info=run.info)


def brief_html(ds, code: str, options: BriefOptions | None = None,
               progress: Progress | None = None) -> str:
    """The brief as one self-contained HTML page.

    >>> from unggulan import Dataset
    >>> "<html" in brief_html(Dataset.open(), "99.01.01")
    True
    """
    return build_brief(ds, code, options, progress).html


def brief_pdf(ds, code: str, options: BriefOptions | None = None,
              progress: Progress | None = None) -> bytes:
    """The brief as an A4 PDF (bytes).

    >>> from unggulan import Dataset
    >>> brief_pdf(Dataset.open(), "99.01.01")[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    return build_brief_pdf(ds, code, options, progress)[0]


def build_brief_pdf(ds, code: str, options: BriefOptions | None = None,
                    progress: Progress | None = None) -> tuple[bytes, Brief]:
    """The brief as an A4 PDF and the :class:`Brief` it prints (its ``html`` with the
    figures in it). Figures not in the cache are drawn in a second process while
    WeasyPrint lays the pages out (:func:`html_to_pdf` with ``pending``): the same bytes as
    :func:`build_brief` then :func:`html_to_pdf`, in less time.
    """
    with ExitStack() as paused:
        # the collector waits from when the candidates are there (the dataset's own
        # computations keep their collections) to when the PDF is written
        with figures.deferring() as pending:
            b = build_brief(ds, code, options, progress, _extra_steps=1,
                            _then=lambda: paused.enter_context(gc_paused()))
        pdf, _ = html_to_pdf(b.html, b.date, cache=cache_folder(ds), pending=pending)
        b.html = with_figures(b.html, pending)
    if progress:
        progress(b.steps, b.steps, "PDF")
    return pdf, b


def write_brief(ds, code: str, path: str | Path, options: BriefOptions | None = None,
                overwrite: bool = False, progress: Progress | None = None) -> Path:
    """Write the brief to ``path``: ``.pdf`` or ``.html`` (atomically; an existing file is
    kept unless ``overwrite``).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> write_brief(Dataset.open(), "99.01.01", "/tmp/brief.html", overwrite=True)
    PosixPath('/tmp/brief.html')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise UnggulanError(f"{path}: a brief is written as .pdf or .html, not '{suffix}'",
                            field="out")
    check_target(path, overwrite)  # before the work
    if suffix == ".pdf":
        pdf = brief_pdf(ds, code, options, progress)
        with atomic_replace(path) as tmp:
            tmp.write_bytes(pdf)
        return path
    html = brief_html(ds, code, options, progress)
    return write_text(path, html, overwrite)
