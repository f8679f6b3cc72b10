"""A static map for print: areas coloured (and hatched) by their top candidate, numbered.

Drawn with matplotlib, without web tiles, so that it prints offline; in a local UTM zone
(metres), with a scale bar, a north arrow and a legend below the map. Areas carry a number
keyed to the brief's tables, in a white disc, so the map reads in black and white; numbers
that would overlap are moved aside with a leader line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from pyproj import CRS
from shapely.geometry.polygon import orient

from unggulan.reports.charts import ink_on, place_labels, render_svg


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a label and the fill colour and hatch it stands for."""

    label: str
    colour: str
    hatch: str = ""


def polygon_path(geom) -> MplPath:
    """A matplotlib path of (multi)polygons, holes included: exteriors counter-clockwise,
    holes clockwise, so that holes stay holes under the non-zero fill rule.

    >>> from shapely.geometry import box
    >>> len(polygon_path(box(0, 0, 1, 1)).vertices)
    5
    """
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in _polygons(geom):
        poly = orient(poly, 1.0)
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return MplPath(np.zeros((0, 2)))
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _polygons(geom):
    if geom is None or geom.is_empty:
        return
    if geom.geom_type == "Polygon":
        yield geom
    elif hasattr(geom, "geoms"):
        for g in geom.geoms:
            yield from _polygons(g)


def nice_length(max_m: float) -> float:
    """The longest 1, 2 or 5 x 10^k metres not above ``max_m`` (a scale-bar length).

    >>> nice_length(3700), nice_length(19000), nice_length(999)
    (2000.0, 10000.0, 500.0)
    """
    if max_m <= 0:
        return 1.0
    k = math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * 10 ** k <= max_m:
            return float(m * 10 ** k)
    return float(10 ** k)


def _km(m: float, lang: str) -> str:
    text = f"{m / 1000:g}" if m >= 1000 else f"{m:g}"
    if lang == "id":
        text = text.replace(".", ",")
    return text + (" km" if m >= 1000 else " m")


def area_map(areas: gpd.GeoDataFrame, fills: Sequence[str], hatches: Sequence[str],
             numbers: Sequence[int] | None, legend: Sequence[LegendEntry], *,
             context: gpd.GeoDataFrame | None = None, outline=None, lang: str = "id",
             legend_title: str = "", width_cm: float = 17.0, height_cm: float = 12.5,
             label_size: float = 6.5, legend_right: bool = False) -> str:
    """The areas (EPSG:4326 polygons) filled with ``fills`` and ``hatches``, numbered with
    ``numbers`` (same order), neighbours of ``context`` in light grey, ``outline`` (a
    polygon) drawn thick; scale bar, north arrow and legend (below the map, or on its right
    with ``legend_right``). Returns SVG text.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(120, -5, 120.1, -4.9)], crs=4326)
    >>> svg = area_map(g, ["#CC6677"], ["//"], [1], [LegendEntry("Kakao (1)", "#CC6677", "//")])
    >>> "Kakao (1)" in svg and "km" in svg
    True
    """
    crs = utm_crs(areas)
    proj = areas.to_crs(crs)
    ctx = context.to_crs(crs) if context is not None and len(context) else None
    ring = gpd.GeoSeries([outline], crs=areas.crs).to_crs(crs).iloc[0] \
        if outline is not None else None
    ncol, legend_cm = legend_layout(legend, legend_title, legend_right)
    map_cm = height_cm - legend_cm
    map_w = width_cm * (0.62 if legend_right else 1.0)

    def draw(fig: Figure) -> None:
        ax = fig.add_axes((0.0, legend_cm / height_cm, map_w / width_cm, map_cm / height_cm))
        ax.set_axis_off()
        x0, y0, x1, y1 = proj.total_bounds
        pad = 0.04 * max(x1 - x0, y1 - y0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad * 2.2, x1 + pad, y1 + pad
        # fill the axes: widen the shorter side to the axes' aspect
        aspect = map_cm / map_w
        w, h = x1 - x0, y1 - y0
        if h / w < aspect:
            extra = w * aspect - h
            y0, y1 = y0 - extra / 2, y1 + extra / 2
        else:
            extra = h / aspect - w
            x0, x1 = x0 - extra / 2, x1 + extra / 2
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal", adjustable="box")
        # the polygons are added as artists, not patches: the limits are set above, and
        # add_patch would walk every vertex to widen the data limits (same drawing, a third
        # of a map's time)
        if ctx is not None:
            ax.add_artist(PathPatch(polygon_path(shapely.GeometryCollection(
                list(ctx.geometry.values))), facecolor="#F0F0F0", edgecolor="#AAAAAA",
                linewidth=0.3, zorder=1))
        # one compound path per style: a printer (and WeasyPrint) fills each hatch pattern
        # once per path, not once per area
        styles: dict[tuple[str, str], list] = {}
        for geom, fill, hatch in zip(proj.geometry.values, fills, hatches):
            styles.setdefault((fill, hatch or ""), []).append(geom)
        for (fill, hatch), geoms in styles.items():
            ax.add_artist(PathPatch(polygon_path(shapely.GeometryCollection(geoms)),
                                    facecolor=fill, hatch=hatch or None, edgecolor="#444444",
                                    linewidth=0.35, hatchcolor=ink_on(fill), zorder=2))
        if ring is not None:
            ax.add_artist(PathPatch(polygon_path(ring), facecolor="none", edgecolor="#000000",
                                    linewidth=1.1, zorder=3))
        if numbers is not None and len(proj):
            pts = np.array([[p.x, p.y] for p in
                            shapely.point_on_surface(np.asarray(proj.geometry.values))])
            # a label's radius in metres: points -> metres at this map's scale
            m_per_pt = (x1 - x0) / (map_w / 2.54 * 72)
            digits = len(str(max(numbers)))
            radius = m_per_pt * label_size * (0.55 + 0.28 * digits)
            pos = place_labels(pts, radius)
            for (px, py), (lx, ly), num in zip(pts, pos, numbers):
                if (lx, ly) != (px, py):
                    ax.plot([px, lx], [py, ly], color="#000000", linewidth=0.4, zorder=4)
                ax.text(lx, ly, str(num), ha="center", va="center", fontsize=label_size,
                        zorder=5, bbox={"boxstyle": "circle,pad=0.18", "fc": "white",
                                        "ec": "#000000", "lw": 0.35})
        _scale_bar(ax, x1 - x0, lang)
        _north_arrow(ax, lang)
        if legend:
            handles = [Rectangle((0, 0), 1, 1, facecolor=e.colour, hatch=e.hatch or None,
                                 edgecolor="#444444", linewidth=0.35,
                                 hatchcolor=ink_on(e.colour), label=e.label) for e in legend]
            anchor = (map_w / width_cm + 0.01, 0.98) if legend_right else \
                (0.0, legend_cm / height_cm)
            fig.legend(handles=handles, loc="upper left", bbox_to_anchor=anchor, ncol=ncol,
                       frameon=False,
                       fontsize=7, title=legend_title or None, title_fontsize=7.5,
                       alignment="left", handlelength=2.2, handleheight=1.1,
                       columnspacing=1.2, borderaxespad=0.1)

    return render_svg(draw, width_cm, height_cm)


def legend_layout(legend: Sequence[LegendEntry], title: str = "", right: bool = False
                  ) -> tuple[int, float]:
    """The columns of a map's legend and the height (cm) it takes below the map (0 on the
    right): what :func:`area_map` draws, and what a legend printed beside the map takes.

    >>> legend_layout([LegendEntry("Kakao (1)", "#CC6677")] * 4, "Desa")
    (3, 1.69)
    """
    ncol = 1 if right else \
        3 if max((len(e.label) for e in legend), default=0) < 34 else 2
    rows = math.ceil(len(legend) / ncol) if legend else 0
    height = 0.5 + 0.42 * rows + (0.35 if title else 0) if legend and not right else 0.0
    return ncol, round(height, 6)


def utm_crs(areas: gpd.GeoDataFrame) -> CRS:
    """The WGS 84 UTM zone of the centre of ``areas``' bounds: what
    :meth:`geopandas.GeoDataFrame.estimate_utm_crs` answers, without its query of the PROJ
    database (about 0.3 s a map) where the centre lies inside a zone; on a zone's edge or the
    equator (two zones match), off the UTM latitudes or in a projected CRS, that query.

    >>> from shapely.geometry import box
    >>> utm_crs(gpd.GeoDataFrame(geometry=[box(120.1, -4.6, 120.3, -4.4)], crs=4326)).to_epsg()
    32751
    """
    if areas.crs is None or not areas.crs.is_geographic:
        return areas.estimate_utm_crs()
    x0, y0, x1, y1 = areas.total_bounds
    x, y = float(np.mean([x0, x1])), float(np.mean([y0, y1]))
    strip = (x + 180) / 6
    if not (-180 < x < 180 and -80 < y < 84) or y == 0 or strip == math.floor(strip):
        return areas.estimate_utm_crs()
    zone = int(math.floor(strip)) + 1
    return _epsg((32600 if y > 0 else 32700) + zone)


@lru_cache(maxsize=64)
def _epsg(code: int) -> CRS:
    return CRS.from_epsg(code)


def _scale_bar(ax, width_m: float, lang: str) -> None:
    length = nice_length(width_m * 0.25)
    frac = length / width_m
    x, y, h = 0.03, 0.035, 0.012
    ax.add_patch(Rectangle((x - 0.012, y - 0.022), frac + 0.05, 0.075, transform=ax.transAxes,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=6))
    for i in range(2):
        ax.add_patch(Rectangle((x + i * frac / 2, y), frac / 2, h, transform=ax.transAxes,
                               facecolor="#000000" if i == 0 else "white",
                               edgecolor="#000000", linewidth=0.5, zorder=7))
    for f, text in ((0, "0"), (0.5, _km(length / 2, lang).split()[0]),
                    (1, _km(length, lang))):
        ax.text(x + f * frac, y + h + 0.008, text, transform=ax.transAxes, ha="center",
                va="bottom", fontsize=6.5, zorder=7)


def _north_arrow(ax, lang: str) -> None:
    x, y, w, h = 0.955, 0.87, 0.018, 0.07
    ax.add_patch(Polygon([(x - w, y), (x, y + h), (x, y + 0.018)], closed=True,
                         transform=ax.transAxes, facecolor="#000000", edgecolor="#000000",
                         linewidth=0.5, zorder=7))
    ax.add_patch(Polygon([(x + w, y), (x, y + h), (x, y + 0.018)], closed=True,
                         transform=ax.transAxes, facecolor="white", edgecolor="#000000",
                         linewidth=0.5, zorder=7))
    ax.text(x, y + h + 0.01, "U" if lang == "id" else "N", transform=ax.transAxes,
            ha="center", va="bottom", fontsize=8, fontweight="bold", zorder=7)
