"""Small inline SVG charts of a statistics series (one commodity, one measure, by year)."""

from __future__ import annotations

import html
import math

import pandas as pd

from unggulan.base.numbers import fmt_number
from unggulan.core.activity.evidence import MEASURE_LABEL


def series_svg(years: list[int], values: list[float], width: int = 150, height: int = 34) -> str:
    """Bars by year, scaled to the series' maximum; missing years are left empty and
    marked with a small cross (missing is not zero)."""
    if not years:
        return ""
    y0, y1 = min(years), max(years)
    n = y1 - y0 + 1
    finite = [v for v in values if v is not None and not math.isnan(v)]
    top = max(finite) if finite and max(finite) > 0 else 1.0
    bw = width / n
    by_year = dict(zip(years, values))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="series" width="{width}" '
           f'height="{height + 11}" role="img" aria-label="series {y0}-{y1}">']
    for k in range(n):
        yr = y0 + k
        v = by_year.get(yr)
        x = k * bw
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(f'<text x="{x + bw / 2:.1f}" y="{height - 2}" font-size="9" '
                       f'text-anchor="middle" fill="#999">×<title>{yr}: –</title></text>')
            continue
        h = max(1.0, height * v / top) if v > 0 else 0.5
        out.append(f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{max(bw - 2, 1):.1f}" '
                   f'height="{h:.1f}" fill="#4477aa"><title>{yr}: {_n(v, "id")} / {_n(v, "en")}'
                   '</title></rect>')
    out.append(f'<text x="0" y="{height + 10}" font-size="9">{y0}</text>'
               f'<text x="{width}" y="{height + 10}" font-size="9" text-anchor="end">{y1}'
               f'</text></svg>')
    return "".join(out)


def _n(x: float, lang: str) -> str:
    return fmt_number(x, 1, lang)


def statistics_html(st: pd.DataFrame, own_level: str, names: dict[str, str], both) -> str:
    """A table of every (commodity, measure) of an area: unit, series chart, latest value.
    Rows of a higher level (a desa page showing its kecamatan's figures) say whose they are."""
    if st.empty:
        return ""
    st = st[~st["ratio"].astype(bool)] if "ratio" in st else st
    parts = [f"<h3>{both('Statistik produksi', 'Production statistics')}</h3>"]
    for (code, level), grp in st.groupby(["code", "level"], sort=False):
        if level != own_level:
            who = str(names.get(code, code))
            parts.append("<p class='note'>" + both(
                f"Angka {level} {who} (tidak dibagi ke desa)",
                f"Figures of {level} {who} (not spread over desa)") + "</p>")
        parts.append("<table class='stats'><tr><th>" + both("Komoditas", "Commodity") +
                     "</th><th>" + both("Ukuran", "Measure") + "</th><th>" +
                     both("Seri", "Series") + "</th><th>" + both("Terakhir", "Latest") +
                     "</th></tr>")
        for (cname, measure, unit), g in grp.groupby(
                ["commodity_name", "measure", "unit"], sort=True):
            g = g.dropna(subset=["year"]).sort_values("year")
            years = [int(y) for y in g["year"]]
            vals = [float(v) for v in g["value"]]
            last = next(((y, v) for y, v in zip(reversed(years), reversed(vals))
                         if not math.isnan(v)), None)
            lab = MEASURE_LABEL.get(measure, (measure, measure))
            unit_txt = "" if unit is None or str(unit) in ("nan", "None") else f" {unit}"
            last_txt = both(f"{_n(last[1], 'id')}{unit_txt} ({last[0]})",
                            f"{_n(last[1], 'en')}{unit_txt} ({last[0]})") if last else "–"
            parts.append(f"<tr><td>{html.escape(str(cname))}</td><td>{both(*lab)}</td>"
                         f"<td>{series_svg(years, vals)}</td><td class='num'>{last_txt}</td>"
                         "</tr>")
        parts.append("</table>")
    return "".join(parts)
