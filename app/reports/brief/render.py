"""The brief printed: its sections as one self-contained HTML page (Jinja, ``templates/``,
style inlined) and that page as an A4 PDF (WeasyPrint, in one pass: one layout of the whole
document, then its pages written). A PDF brief's figures not in the cache are drawn in a
second process while WeasyPrint lays the pages out around blank figures of their size
(:func:`html_to_pdf` with ``pending``), and the cyclic garbage collector waits for the end
(:func:`gc_paused`).

The same HTML gives the same PDF bytes: WeasyPrint subsets the fonts with HarfBuzz, and its
fontTools fallback is given the brief's date (:func:`reproducible_fonts`). A PDF is kept in
the brief cache under its HTML (:func:`unggulan.reports.brief.figures.pdf`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2

from unggulan.base.errors import UnggulanError
from unggulan.base.version import __version__
from unggulan.reports import charts
from unggulan.reports.brief import figures
from unggulan.reports.brief.content import Run
from unggulan.reports.brief.sections import Section, legend_keys
from unggulan.reports.brief.wording import area_heading, fmt_date
from unggulan.reports.collector import gc_paused

TEMPLATES = Path(__file__).parent.parent / "templates"

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                         autoescape=jinja2.select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


def figure_src(src: str | charts.Pending) -> str:
    """A figure's ``src``: its data URI, or for a figure still being drawn
    (:func:`unggulan.reports.brief.figures.deferring`) a blank SVG of its size
    (:func:`placeholder`), replaced by the figure before the PDF is drawn."""
    if not isinstance(src, charts.Pending):
        return src
    return charts.data_uri(src.text) if src.text is not None else placeholder(src)


def placeholder(p: charts.Pending) -> str:
    """A blank SVG (data URI) of the size of the figure ``p``, numbered: WeasyPrint lays a
    page out from a figure's size alone.

    >>> from unggulan.reports.charts import record, render_svg
    >>> import base64
    >>> base64.b64decode(placeholder(record(render_svg, None, 4, 3)).split(",")[1]).decode()
    '<svg xmlns="http://www.w3.org/2000/svg" id="unggulan-figure-0" width="113.385827pt" \
height="85.03937pt" viewBox="0 0 113.385827 85.03937"/>'
    """
    size = " ".join(f'{k}="{v}"' for k, v in p.root_size().items())
    return charts.data_uri(f'<svg xmlns="{charts.SVG_NS}" id="unggulan-figure-{p.number}" '
                           f'{size}/>')


ENV.filters["figure_src"] = figure_src


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


def html_to_pdf(html: str, date: dt.date | None = None, cache: Path | None = None,
                pending: list[charts.Pending] | None = None) -> tuple[bytes, int]:
    """An A4 PDF of the brief's HTML with WeasyPrint, and its page count; ``cache``: a
    folder where the PDF of the same HTML is kept (see :mod:`.figures`).

    ``pending``: the figures ``html`` holds as placeholders (:func:`figure_src`), recorded
    by :func:`unggulan.reports.brief.figures.deferring`. They are drawn in a second process
    while WeasyPrint lays the pages out around their placeholders, then drawn into the PDF
    in their place: the same PDF as from the HTML with the figures in it (which is the HTML
    it is kept under), in the time of the longer of the two.

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
        with PDF_LOCK, reproducible_fonts(date or dt.date.today()), gc_paused():
            doc = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render()
            out = doc.write_pdf(), len(doc.pages)
            del doc  # garbage before the collection at the end of gc_paused
            return out

    if not pending:
        return figures.pdf(cache, html, make)
    with gc_paused(), figures.draw_pending(pending) as drawing, PDF_LOCK, \
            reproducible_fonts(date or dt.date.today()):
        images: dict = {}  # WeasyPrint's images by URL: the placeholders among them
        doc = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render(cache=images)
        drawing.finish()
        full = with_figures(html, pending)
        if not _put_figures(images, pending):  # another WeasyPrint, or another size
            doc = weasyprint.HTML(string=full, base_url=str(TEMPLATES)).render()
        out = doc.write_pdf(), len(doc.pages)
        del doc, images  # garbage before the collection at the end of gc_paused
    figures.keep_pdf(cache, full, out)
    return out


def with_figures(html: str, pending: list[charts.Pending]) -> str:
    """``html`` with each placeholder of ``pending`` (drawn) replaced by its figure: the
    HTML the brief has when its figures are drawn at once."""
    if not pending:
        return html
    by_src = {placeholder(p): charts.data_uri(p.text) for p in pending}
    return re.sub(r'(?<=src=")data:image/svg\+xml;base64,[^"]*',
                  lambda m: by_src.get(m.group(0), m.group(0)), html)


def _put_figures(images: dict, pending: list[charts.Pending]) -> bool:
    """Give each placeholder WeasyPrint loaded (an ``SVGImage`` of the figure's size) the
    figure's drawing, as WeasyPrint would have loaded it from the figure's data URI; False
    where that cannot be done (another WeasyPrint), and the page is rendered anew."""
    from xml.etree import ElementTree

    from weasyprint.images import SVGImage

    swaps = []
    for p in pending:
        if placeholder(p) not in images:
            continue  # not in the page
        image = images[placeholder(p)]
        if not isinstance(image, SVGImage) or not all(
                hasattr(image, a) for a in ("_base_url", "_url_fetcher", "_context")):
            return False
        tree = ElementTree.fromstring(p.text.encode("utf-8"))
        if any(tree.get(k) != v for k, v in p.root_size().items()):
            return False  # drawn at another size than laid out
        swaps.append((image, tree))
    for image, tree in swaps:
        image.__init__(tree, image._base_url, image._url_fetcher, image._context)
    return True
