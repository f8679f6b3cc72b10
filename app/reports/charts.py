"""Charts of the printable brief, drawn with matplotlib as SVG text.

Every chart reads in black and white: bars carry hatch patterns besides their colour and
their values are written beside them. Output is deterministic: a fixed ``svg.hashsalt`` (the
element ids), no date in the metadata, one font (DejaVu Sans, kept as text so that it stays
searchable in the PDF). Figures are built with :class:`matplotlib.figure.Figure` (no pyplot
state) under one lock, because ``rcParams`` are global and the service renders on threads.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

import matplotlib as mpl
import matplotlib.hatch
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from unggulan.base import palette
from unggulan.reports.collector import gc_paused

CM = 1 / 2.54
FONT = "DejaVu Sans"
RC = {
    "svg.hashsalt": "unggulan",
    "svg.fonttype": "none",  # text stays text: searchable, and drawn with the page's font
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 7.5,
    "hatch.linewidth": 0.5,
    "axes.linewidth": 0.5,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
}
DRAW_LOCK = threading.RLock()

#: hatch per palette colour (same order as palette.COMMODITY_COLOURS); OTHER is plain grey. Only
#: straight lines: dots and stars are hundreds of curves per tile, slow to print
COMMODITY_HATCHES = ["//", "\\\\", "xx", "--", "||", "++", "/-", "\\|", "x-", "/|", "\\-",
                     "+/", "x|", "-\\", "|/", "+-", "x/"]
COMPONENT_COLOURS = ["#332288", "#88CCEE", "#44AA99", "#117733", "#DDCC77", "#CC6677",
                     "#AA4499", "#999933", "#882255"]
COMPONENT_HATCHES = ["", "//", "\\\\", "xx", "--", "||", "++", "/-", "x-"]
CLASS_HATCHES = {"S1": "", "S2": "\\\\", "S3": "//", "N": "xx"}


_RECORDING = threading.local()


class Pending:
    """A figure recorded but not drawn yet (:func:`record`): its drawing function and size.
    :meth:`render` draws it (the SVG text :func:`render_svg` would have returned); its size
    is known before, so a page can be laid out around it while it is drawn elsewhere (the
    brief's figures are drawn in a second process while WeasyPrint lays out the text)."""

    def __init__(self, draw: Callable[[Figure], None], width_cm: float, height_cm: float):
        self.draw = draw
        self.width_cm = width_cm
        self.height_cm = height_cm
        self.text: str | None = None  # the SVG, once drawn
        self.number = 0  # its place among the figures recorded together
        self.cache_path = None  # where the brief cache keeps it (None: not kept)

    def render(self) -> str:
        """The figure drawn: the SVG text :func:`render_svg` returns for it."""
        return render_svg(self.draw, self.width_cm, self.height_cm)

    def root_size(self) -> dict[str, str]:
        """The ``width``, ``height`` and ``viewBox`` of the SVG's root, as matplotlib's SVG
        writes them (a page's layout reads the figure's size from these alone).

        >>> p = record(lambda: render_svg(lambda fig: None, 4, 3))
        >>> size = p.root_size()
        >>> all(f'{k}="{v}"' in p.render() for k, v in size.items())
        True
        """
        w, h = (_short_float(x * CM * 72) for x in (self.width_cm, self.height_cm))
        return {"width": f"{w}pt", "height": f"{h}pt", "viewBox": f"0 0 {w} {h}"}


def _short_float(x: float) -> str:
    # matplotlib's SVG backend writes the root's size so (backend_svg._short_float_fmt)
    return f"{x:f}".rstrip("0").rstrip(".")


def record(fn: Callable[..., str], *args, **kwargs) -> str | Pending:
    """``fn(*args, **kwargs)`` (a function that returns :func:`render_svg`'s figure) with
    the figure recorded instead of drawn: a :class:`Pending` that draws it later. What
    ``fn`` computes before its figure (projections, layout) is done now.

    >>> p = record(components_chart, ["Kakao"], np.array([[0.5, 0.2]]), ["a", "b"], "id")
    >>> isinstance(p, Pending) and p.render() == components_chart(
    ...     ["Kakao"], np.array([[0.5, 0.2]]), ["a", "b"], "id")
    True
    """
    before = getattr(_RECORDING, "on", False)
    _RECORDING.on = True
    try:
        return fn(*args, **kwargs)
    finally:
        _RECORDING.on = before


def render_svg(draw: Callable[[Figure], None], width_cm: float, height_cm: float) -> str:
    """Build a figure with ``draw`` and return it as SVG text (deterministic); while
    :func:`record` runs, a :class:`Pending` figure instead (drawn by its ``render``).

    Examples
    --------
    >>> svg = render_svg(lambda fig: fig.add_subplot().plot([0, 1]), 4, 3)
    >>> svg.startswith("<?xml") and "<dc:date>" not in svg
    True
    """
    if getattr(_RECORDING, "on", False):
        return Pending(draw, width_cm, height_cm)  # type: ignore[return-value]
    with gc_paused(), DRAW_LOCK, mpl.rc_context(RC):
        fig = Figure(figsize=(width_cm * CM, height_cm * CM))
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return slim_svg(buf.getvalue())


SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_STAR_RULE = re.compile(r"\s*\*\s*\{([^}]*)\}\s*")
_XML_HEAD = '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'


def slim_svg(svg: str) -> str:
    """Matplotlib's SVG drawn the same with less for a renderer to read (WeasyPrint reads
    every element of every figure of a brief, in Python): no metadata; each ``style``
    attribute as presentation attributes (the sheet's one ``*`` rule as attributes of the
    root, which its elements inherit unless they set their own); no ``rotate(-0 ...)`` on
    text; groups that carry nothing but an unreferenced id replaced by their children;
    path data on one line, no indentation.

    >>> print(slim_svg('<svg xmlns="http://www.w3.org/2000/svg"><defs><style>*{stroke-linecap:'
    ...                ' butt}</style></defs>\\n <g id="a">\\n  <path d="M 0 0 \\nL 1 1"'
    ...                ' style="fill: #fff"/></g></svg>').split("?>")[1].strip())
    ... # doctest: +NORMALIZE_WHITESPACE
    <svg stroke-linecap="butt" xmlns="http://www.w3.org/2000/svg"
         xmlns:xlink="http://www.w3.org/1999/xlink"><defs />
    <path d="M 0 0 L 1 1" fill="#fff" />
    </svg>
    """
    root = ET.fromstring(svg)
    # plain names (the namespaces declared on the root once, as matplotlib does)
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]
        for key in [k for k in el.attrib if k.startswith("{")]:
            ns, _, local = key[1:].partition("}")
            el.set(("xlink:" if ns == XLINK_NS else "") + local, el.attrib.pop(key))
    q = ""
    for meta in root.findall(q + "metadata"):
        root.remove(meta)
    for defs in root.findall(q + "defs"):
        for sheet in defs.findall(q + "style"):
            rule = _STAR_RULE.fullmatch(sheet.text or "")
            if rule is None:
                continue
            for name, value in _DECLARATION.findall(rule.group(1)):
                root.set(name, value)
            defs.remove(sheet)
    referenced = set(re.findall(r"#([^\s\"');]+)", svg))
    for el in root.iter():
        style = el.attrib.pop("style", None)
        if style:
            for name, value in _DECLARATION.findall(style):
                el.set(name, value)
        if el.tag == q + "text" and el.get("transform", "").startswith("rotate(-0 "):
            del el.attrib["transform"]
        if el.tag == q + "path" and "d" in el.attrib:
            el.set("d", " ".join(el.get("d").split()))

    def unwrap(parent) -> None:
        children = []
        for child in parent:
            unwrap(child)
            if parent.tag != "text" and not (child.tail or "").strip():
                child.tail = "\n"  # indentation: nothing outside text reads it
            if child.tag not in ("text", "tspan", "style") and not (child.text or "").strip():
                child.text = None
            if child.tag == q + "g" and set(child.attrib) <= {"id"} and \
                    child.get("id") not in referenced and not (child.text or "").strip():
                children.extend(child)
            else:
                children.append(child)
        parent[:] = children

    unwrap(root)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    return _XML_HEAD + ET.tostring(root, encoding="unicode")


def data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI (the brief is one self-contained file).

    >>> data_uri("<svg/>")
    'data:image/svg+xml;base64,PHN2Zy8+'
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


#: a legend key printed beside a figure: its size (points) and the pixels per point of its
#: picture (288 dpi)
KEY_PT = (14.0, 7.0)
KEY_PX_PER_PT = 4


def key_class(colour: str, hatch: str = "", hatchcolour: str | None = None) -> str:
    """The CSS class of a legend key (:func:`key_css`).

    >>> key_class("#CC6677", "//"), key_class("#FFFFFF")
    ('key-cc6677-2f2f-222222', 'key-ffffff--222222')
    """
    ink = hatchcolour or ink_on(colour)
    return f"key-{colour.lstrip('#').lower()}-{hatch.encode().hex()}-{ink.lstrip('#').lower()}"


def key_css(keys) -> str:
    """CSS rules of legend keys ``(colour, hatch, hatch colour)``: each a class whose
    background is the key's fill and hatch (:func:`key_png`), written once however often the
    key is printed (a figure's legend printed as text beside it: see the brief's template).

    >>> key_css([("#FFFFFF", "", None)])
    '.key-ffffff--222222 { background-color: #FFFFFF; }'
    """
    rules = {}
    for colour, hatch, ink in keys:
        cls = key_class(colour, hatch, ink)
        if cls not in rules:
            image = f" background-image: url({key_png(colour, hatch, ink)});" if hatch else ""
            rules[cls] = f".{cls} {{ background-color: {colour};{image} }}"
    return "\n".join(rules[c] for c in sorted(rules))


@functools.lru_cache(maxsize=256)
def key_png(colour: str, hatch: str, hatchcolour: str | None = None) -> str:
    """A legend key's hatch as a PNG ``data:`` URI: ``colour`` with the lines matplotlib
    draws for ``hatch`` (its density, its 72-point tile, ``hatch.linewidth``) in
    ``hatchcolour``, at 288 dpi, drawn at 4x and reduced (smooth lines). A picture, not
    SVG: WeasyPrint decodes it once and embeds it once however often it is printed.

    >>> key_png("#CC6677", "//").startswith("data:image/png;base64,")
    True
    """
    from PIL import Image, ImageDraw  # matplotlib's own dependency

    ink = hatchcolour or ink_on(colour)
    w_pt, h_pt = KEY_PT
    big = KEY_PX_PER_PT * 4  # supersampled pixels per point
    img = Image.new("RGB", (round(w_pt * big), round(h_pt * big)), colour)
    draw = ImageDraw.Draw(img)
    path = mpl.hatch.get_path(hatch, 6)  # as backend_svg: unit tile, density 6
    xy = path.vertices * 72.0 * big
    xy[:, 1] = 72.0 * big - xy[:, 1]  # y down, the tile's top at the key's top
    codes = path.codes if path.codes is not None else \
        [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 1)
    width = max(1, round(RC["hatch.linewidth"] * big))
    start = None
    for (x, y), code in zip(xy, codes):
        if code == MplPath.LINETO and start is not None:
            draw.line([start, (float(x), float(y))], fill=ink, width=width)
        start = (float(x), float(y))
    img = img.resize((round(w_pt * KEY_PX_PER_PT), round(h_pt * KEY_PX_PER_PT)),
                     Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def hbars(ax, y, width, height: float, left=0.0, **style) -> PathPatch:
    """Horizontal bars (what ``ax.barh`` draws) as one compound path added to ``ax``: one
    SVG path and one hatch fill per style instead of one per bar, and no walk over the data
    limits (the caller sets them). Returns a legend handle of the same style.

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> len(hbars(ax, [0, 1], [2.0, 3.0], 0.8, facecolor="#CC6677").get_path().vertices)
    10
    """
    y = np.atleast_1d(np.asarray(y, dtype=float))
    width = np.broadcast_to(np.asarray(width, dtype=float), y.shape)
    left = np.broadcast_to(np.asarray(left, dtype=float), y.shape)
    x0, x1 = left, left + width
    y0, y1 = y - height / 2, y + height / 2
    # Rectangle's own vertex order (lower left, lower right, upper right, upper left, close)
    verts = np.stack([np.c_[x0, y0], np.c_[x1, y0], np.c_[x1, y1], np.c_[x0, y1],
                      np.c_[x0, y0]], axis=1).reshape(-1, 2)
    codes = np.tile([MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO,
                     MplPath.CLOSEPOLY], len(y)).astype(MplPath.code_type)
    patch = PathPatch(MplPath(verts, codes), **style)
    ax.add_artist(patch)
    return patch


def luminance(colour: str) -> float:
    """Relative luminance (0 black .. 1 white) of a ``#RRGGBB`` colour.

    >>> round(luminance("#FFFFFF"), 2), round(luminance("#000000"), 2)
    (1.0, 0.0)
    """
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def ink_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (text and hatch lines).

    >>> ink_on("#332288"), ink_on("#DDCC77")
    ('#FFFFFF', '#222222')
    """
    return "#FFFFFF" if luminance(colour) < 0.18 else "#222222"


def commodity_style(commodity: str | None, colours: dict[str, str]) -> tuple[str, str]:
    """(fill colour, hatch) of a top candidate, as on the web map (plus a hatch per colour).

    >>> commodity_style("kakao", {"kakao": "#CC6677"})
    ('#CC6677', '//')
    >>> commodity_style(None, {})
    ('#FFFFFF', '')
    """
    if commodity is None or (isinstance(commodity, float) and math.isnan(commodity)):
        return palette.NODATA, ""
    if commodity in colours:
        colour = colours[commodity]
        cols = palette.COMMODITY_COLOURS + palette.EXTRA_COLOURS
        i = cols.index(colour) if colour in cols else -1
        return colour, COMMODITY_HATCHES[i % len(COMMODITY_HATCHES)] if i >= 0 else ""
    return palette.OTHER, ""


def _num(x: float, digits: int, lang: str) -> str:
    text = f"{x:,.{digits}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def components_chart(labels: Sequence[str], values: np.ndarray, components: Sequence[str],
                     lang: str = "id", width_cm: float = 17.0) -> str:
    """Grouped horizontal bars: per candidate (``labels``), each score component (0-1) as a
    bar of 0-100, hatched, its value written at its end; NaN is "not applicable" (–).

    ``values`` is (candidates x components); ``components`` are the legend labels (with
    their weights).

    Examples
    --------
    >>> svg = components_chart(["1. Kakao"], np.array([[0.4, np.nan]]), ["a ×0.5", "b ×0.5"])
    >>> "1. Kakao" in svg and "–" in svg
    True
    """
    n, k = values.shape
    bar = 0.26  # cm per bar
    legend_rows = math.ceil(k / 3)
    height = 0.9 + 0.42 * legend_rows + n * (k * bar + 0.3)

    def draw(fig: Figure) -> None:
        top = 1 - (0.25 + 0.42 * legend_rows) / height
        ax = fig.add_axes((0.27, 0.55 / height, 0.66, top - 0.55 / height))
        step = k + 0.9  # a candidate's bars, then a gap
        for i in range(k):  # one compound path per component (see hbars)
            colour = COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]
            hatch = COMPONENT_HATCHES[i % len(COMPONENT_HATCHES)]
            hbars(ax, np.arange(n) * step + i, 100 * np.nan_to_num(values[:, i]), 0.85,
                  facecolor=colour, hatch=hatch or None, edgecolor="#333333",
                  linewidth=0.3, hatchcolor=ink_on(colour))
        for g in range(n):
            for i in range(k):
                v = values[g, i]
                width = 0.0 if np.isnan(v) else 100 * float(v)
                text = "–" if np.isnan(v) else _num(100 * float(v), 0, lang)
                ax.text(width + 1.2, g * step + i, text, va="center", ha="left", fontsize=6.5)
        ticks = [g * step + (k - 1) / 2 for g in range(n)]
        tick_labels = list(labels)
        y = n * step
        ax.set_yticks(ticks, tick_labels)
        ax.tick_params(axis="y", length=0, labelsize=7.5)
        ax.set_ylim(y - 0.4, -0.6)
        ax.set_xlim(0, 108)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.tick_params(axis="x", labelsize=6.5)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.4)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles = [Patch(facecolor=COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)],
                         hatch=COMPONENT_HATCHES[i % len(COMPONENT_HATCHES)],
                         edgecolor="#333333", linewidth=0.3,
                         hatchcolor=ink_on(COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]),
                         label=components[i]) for i in range(k)]
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.995), ncol=3,
                   frameon=False, fontsize=7, handlelength=1.6, handleheight=1.0,
                   columnspacing=1.5)

    return render_svg(draw, width_cm, height)


def legend_keys(n: int) -> list[tuple[str, str, str]]:
    """(colour, hatch, hatch colour) of the first ``n`` score components, as the component
    charts draw them.

    >>> legend_keys(2)
    [('#332288', '', '#FFFFFF'), ('#88CCEE', '//', '#222222')]
    """
    return [(COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)],
             COMPONENT_HATCHES[i % len(COMPONENT_HATCHES)],
             ink_on(COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)])) for i in range(n)]


def contributions_chart(labels: Sequence[str], contributions: np.ndarray,
                        components: Sequence[str], lang: str = "id",
                        width_cm: float = 17.0, legend: bool = True) -> str:
    """One stacked bar per candidate: each component's weighted contribution to the score
    (they add up to the score, 0-100), hatched, the score written at the bar's end; the
    legend above the bars, or none with ``legend=False`` (printed beside the figure: see
    :func:`legend_keys`).

    Examples
    --------
    >>> svg = contributions_chart(["1. Kakao"], np.array([[20.0, 35.5]]), ["a", "b"])
    >>> "55,5" in svg
    True
    """
    n, k = contributions.shape
    legend_rows = math.ceil(k / 4) if legend else 0
    height = 0.75 + 0.4 * legend_rows + 0.48 * n

    def draw(fig: Figure) -> None:
        top = 1 - (0.2 + 0.4 * legend_rows) / height
        ax = fig.add_axes((0.27, 0.5 / height, 0.66, top - 0.5 / height))
        left = np.zeros(n)
        for i in range(k):
            v = np.nan_to_num(contributions[:, i])
            colour = COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]
            hbars(ax, np.arange(n), v, 0.72, left=left.copy(), facecolor=colour,
                  hatch=COMPONENT_HATCHES[i % len(COMPONENT_HATCHES)] or None,
                  edgecolor="#333333", linewidth=0.3, hatchcolor=ink_on(colour),
                  label=components[i])
            left += v
        for j in range(n):
            ax.text(left[j] + 1, j, _num(left[j], 1, lang), va="center", fontsize=6.5)
        ax.set_yticks(np.arange(n), list(labels))
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.tick_params(axis="y", length=0, labelsize=7)
        ax.tick_params(axis="x", labelsize=6.5)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.4)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if legend:
            fig.legend(loc="upper left", bbox_to_anchor=(0.01, 0.995), ncol=4, frameon=False,
                       fontsize=6.5, handlelength=1.6, handleheight=1.0, columnspacing=1.2)

    return render_svg(draw, width_cm, height)


def class_shares_chart(labels: Sequence[str], shares: np.ndarray, class_labels: Sequence[str],
                       lang: str = "id", width_cm: float = 17.0) -> str:
    """Stacked horizontal bars: per commodity the share (0-1) of the land in S1, S2, S3, N;
    shares of 6 % and more are written inside their segment.

    Examples
    --------
    >>> svg = class_shares_chart(["Kakao"], np.array([[0.1, 0.2, 0.3, 0.4]]),
    ...                          ["S1", "S2", "S3", "N"])
    >>> "40" in svg
    True
    """
    n = len(labels)
    height = 1.6 + 0.55 * n
    keys = ["S1", "S2", "S3", "N"]

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.22, 0.45 / height, 0.74, 1 - 1.25 / height))
        for j, key in enumerate(keys):
            left = np.nansum(shares[:, :j], axis=1) * 100 if j else np.zeros(n)
            width = np.nan_to_num(shares[:, j]) * 100
            colour = palette.CLASS_COLOURS[key]
            hbars(ax, np.arange(n), width, 0.7, left=left, facecolor=colour,
                  hatch=CLASS_HATCHES[key] or None, edgecolor="#333333", linewidth=0.3,
                  hatchcolor="#555555", label=class_labels[j])
            for i in range(n):
                if width[i] >= 6:
                    ax.text(left[i] + width[i] / 2, i, _num(width[i], 0, lang), ha="center",
                            va="center", fontsize=6.5, color=ink_on(colour),
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                                  "alpha": 0.85} if key != "S1" else None)
        ax.set_yticks(np.arange(n), list(labels))
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel("%", fontsize=7, labelpad=1)
        ax.tick_params(labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, frameon=False,
                  fontsize=7, handlelength=1.6, handleheight=1.0, borderaxespad=0.2)

    return render_svg(draw, width_cm, height)


def place_labels(points: np.ndarray, radius: float) -> np.ndarray:
    """Label positions (same units as ``points``) at least ``2 * radius`` apart: a label
    that would overlap one already placed moves outwards on a spiral of eight directions.

    >>> p = place_labels(np.array([[0.0, 0.0], [0.1, 0.0]]), 1.0)
    >>> bool(np.hypot(*(p[0] - p[1])) >= 2.0)
    True
    """
    placed = np.zeros_like(points, dtype=float)
    angles = np.deg2rad([90, 270, 0, 180, 45, 135, 225, 315])
    for i, p in enumerate(points):
        pos = p
        if i:
            for step in range(0, 12):
                r = step * radius * 1.1
                options = [p] if step == 0 else [p + r * np.array([math.cos(a), math.sin(a)])
                                                 for a in angles]
                free = [q for q in options
                        if np.min(np.hypot(*(placed[:i] - q).T)) >= 2 * radius]
                if free:
                    pos = free[0]
                    break
        placed[i] = pos
    return placed


def quadrant_chart(slq: np.ndarray, dlq: np.ndarray, numbers: Sequence[int],
                   axis_labels: tuple[str, str], quadrant_labels: Sequence[str],
                   lang: str = "id", width_cm: float = 12.0) -> str:
    """SLQ (x) against DLQ (y) on log axes, the quadrant lines at 1; each point carries its
    number (keyed to a table), moved aside with a leader line where numbers would overlap.

    ``quadrant_labels`` name the quadrants top-right, top-left, bottom-left, bottom-right.

    Examples
    --------
    >>> svg = quadrant_chart(np.array([2.0]), np.array([0.5]), [7], ("SLQ", "DLQ"),
    ...                      ["a", "b", "c", "d"])
    >>> ">7<" in svg
    True
    """
    ok = np.isfinite(slq) & np.isfinite(dlq) & (slq > 0) & (dlq > 0)
    xs, ys = slq[ok], dlq[ok]
    nums = np.asarray(numbers, dtype=object)[ok]

    def limits(v: np.ndarray) -> tuple[float, float]:
        lv = np.log2(v) if len(v) else np.zeros(1)
        return min(float(lv.min()), -1.0) - 0.7, max(float(lv.max()), 1.0) + 0.7

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.12, 0.13, 0.85, 0.84))
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        fmt = FuncFormatter(lambda v, _: f"{v:g}".replace(".", "," if lang == "id" else "."))
        for axis, (lo, hi), setter in ((ax.xaxis, limits(xs), ax.set_xlim),
                                       (ax.yaxis, limits(ys), ax.set_ylim)):
            setter(2 ** lo, 2 ** hi)
            exps = list(range(math.ceil(lo), math.floor(hi) + 1))
            step = max(1, math.ceil(len(exps) / 7))
            axis.set_major_locator(FixedLocator([2.0 ** e for e in exps
                                                 if e % step == 0]))
            axis.set_major_formatter(fmt)
            axis.set_minor_locator(NullLocator())
        ax.axvline(1, color="#333333", linewidth=0.6)
        ax.axhline(1, color="#333333", linewidth=0.6)
        for (x, y, ha, va), text in zip([(0.98, 0.98, "right", "top"),
                                         (0.02, 0.98, "left", "top"),
                                         (0.02, 0.02, "left", "bottom"),
                                         (0.98, 0.02, "right", "bottom")], quadrant_labels):
            ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7,
                    color="#555555", style="italic")
        ax.scatter(xs, ys, s=10, color="#332288", edgecolor="white", linewidth=0.4, zorder=3)
        if len(xs):
            # place the numbers in display space (points), up and right of their points
            disp = ax.transData.transform(np.c_[xs, ys])
            pos = place_labels(disp + 6.0, 5.5)
            back = ax.transData.inverted().transform(pos)
            for (x, y), (lx, ly), num in zip(np.c_[xs, ys], back, nums):
                ax.plot([x, lx], [y, ly], color="#777777", linewidth=0.35, zorder=2)
                ax.text(lx, ly, str(num), ha="center", va="center", fontsize=6.5, zorder=4,
                        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "#333333",
                              "lw": 0.3})
        ax.set_xlabel(axis_labels[0], fontsize=7)
        ax.set_ylabel(axis_labels[1], fontsize=7)
        ax.tick_params(labelsize=6.5)

    return render_svg(draw, width_cm, width_cm * 0.7)


def series_chart(years: Sequence[int], series: dict[str, Sequence[float]], unit: str,
                 lang: str = "id", width_cm: float = 17.0) -> str:
    """Lines of yearly values per commodity, each with its own marker (black-and-white safe).

    Examples
    --------
    >>> svg = series_chart([2020, 2021], {"Kakao": [1.0, 2.0]}, "ton")
    >>> "Kakao" in svg
    True
    """
    markers = ["o", "s", "^", "D", "v", "P", "X", "*", "h"]
    styles = ["-", "--", ":", "-."]

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.09, 0.14, 0.62, 0.8))
        for i, (name, values) in enumerate(series.items()):
            ax.plot(list(years), list(values), marker=markers[i % len(markers)],
                    linestyle=styles[i % len(styles)], markersize=3.5, linewidth=0.9,
                    color=COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)], label=name)
        ax.set_ylabel(unit, fontsize=7)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _num(v, 0, lang)))
        ax.set_xticks(list(years))
        ax.tick_params(labelsize=6.5)
        ax.grid(color="#DDDDDD", linewidth=0.4)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=7)

    return render_svg(draw, width_cm, 6.5)


def pale(colour: str, keep: float = 0.4) -> str:
    """``colour`` mixed with white (``keep`` of the colour): how the maps draw an area whose
    top candidate rests on land potential only.

    >>> pale("#000000"), pale("#FFFFFF")
    ('#999999', '#FFFFFF')
    """
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 - keep * (255 - c)) for c in (r, g, b)]
    return "#" + "".join(f"{c:02X}" for c in mix)
