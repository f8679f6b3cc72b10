"""The brief printed: its sections as one self-contained HTML page (Jinja, ``templates/``,
style inlined) and that page as an A4 PDF (WeasyPrint, in one pass: one layout of the whole
document, then its pages written).

The same HTML gives the same PDF bytes: WeasyPrint subsets the fonts with HarfBuzz, and its
fontTools fallback is given the brief's date (:func:`reproducible_fonts`). A PDF is kept in
the brief cache under its HTML (:func:`unggulan.reports.brief.figures.pdf`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2

from unggulan.base.errors import UnggulanError
from unggulan.base.version import __version__
from unggulan.reports.brief import figures
from unggulan.reports.brief.content import Run
from unggulan.reports import charts
from unggulan.reports.brief.sections import Section, legend_keys
from unggulan.reports.brief.wording import area_heading, fmt_date

TEMPLATES = Path(__file__).parent.parent / "templates"

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                         autoescape=jinja2.select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


def render_html(sections: list[Section], run: Run, kind: str, code: str, name: str) -> str:
    """The brief's HTML from its sections (template ``templates/brief.html``, style inlined)."""
    css = (TEMPLATES / "brief.css").read_text(encoding="utf-8")
    what = run.t("kecamatan") if kind == "kecamatan" else run.t("kabupaten")
    name = run.name(name)
    running = f"{area_heading(what, name)} · {code}"
    run_label = f"run {run.info.run_hash} · " if run.info is not None else ""
    page_css = (
        "@page {\n"
        f"  @top-left {{ content: {css_string(running)}; }}\n"
        f"  @bottom-left {{ content: {css_string(f'unggulan {__version__} · ' + run_label)} "
        f"{css_string(fmt_date(run.date, run.lang))}; }}\n"
        f"  @bottom-right {{ content: {css_string(run.t('page_of') + ' ')} counter(page) "
        f"{css_string(' ' + run.t('of') + ' ')} counter(pages); }}\n}}")
    return ENV.get_template("brief.html").render(
        lang=run.lang, title=f"{run.t('title')} – {area_heading(what, name)}", css=css,
        page_css=page_css, key_css=charts.key_css(legend_keys(sections)), sections=sections,
        version=__version__)


def css_string(text: str) -> str:
    """A CSS string literal of ``text`` (quotes, backslashes and ``<`` escaped).

    >>> css_string('Desa "A" </style>')
    '"Desa \\\\22 A\\\\22  \\\\3C /style>"'
    """
    out = text.replace("\\", "\\5C ").replace('"', "\\22 ").replace("<", "\\3C ")
    return f'"{out}"'


PDF_LOCK = threading.Lock()


@contextmanager
def reproducible_fonts(date: dt.date) -> Iterator[None]:
    """WeasyPrint subsets fonts with HarfBuzz (deterministic); its fontTools fallback stamps
    the font with the current time unless ``SOURCE_DATE_EPOCH`` is set: set it to the
    brief's date for the duration."""
    try:
        from weasyprint.text.ffi import harfbuzz_subset  # WeasyPrint: heavy, imported late
    except ImportError:  # pragma: no cover - older WeasyPrint
        harfbuzz_subset = None
    if harfbuzz_subset is not None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    epoch = int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def html_to_pdf(html: str, date: dt.date | None = None, cache: Path | None = None
                ) -> tuple[bytes, int]:
    """An A4 PDF of the brief's HTML with WeasyPrint, and its page count; ``cache``: a
    folder where the PDF of the same HTML is kept (see :mod:`.figures`).

    Examples
    --------
    >>> pdf, pages = html_to_pdf("<p>Halo</p>")
    >>> pdf[:5], pages
    (b'%PDF-', 1)
    """
    try:
        # WeasyPrint (with Pango) is heavy (about 2 s to import) and optional: HTML briefs
        # do without it
        import weasyprint
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise UnggulanError(f"PDF output needs WeasyPrint and Pango ({exc}); write .html "
                            "instead, or install them (see README)") from None

    def make() -> tuple[bytes, int]:
        with PDF_LOCK, reproducible_fonts(date or dt.date.today()):
            doc = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render()
            return doc.write_pdf(), len(doc.pages)

    return figures.pdf(cache, html, make)
