"""The area detail page (``/peta/wilayah/{code}``): an area with its neighbours on the map,
and beside it the area's candidates with their score breakdown, its agro-ecological
attributes, its statistics and links to export its data."""

from __future__ import annotations

import html
import math
from urllib.parse import quote

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element

from unggulan.base import palette
from unggulan.base.errors import UnknownArea
from unggulan.base.numbers import fmt_number, is_missing
from unggulan.core.inputs.codes import clean_code
from unggulan.core.outputs.labels import (
    BASIS_LABEL,
    CATEGORICAL,
    COMPONENT_COLOURS,
    COMPONENT_LABEL,
    attribute_label,
    proper_case,
    rank_label,
)
from unggulan.core.ranking.scoring import COLUMNS
from unggulan.maps.frame import LANGS, PageOptions, base_map, finish, inline_spec, run_config
from unggulan.maps.geometry import features_text
from unggulan.maps.properties import (
    QUADRANTS,
    candidate_props,
    commodity_names,
    evidence_basis,
    legend_info,
    sector_info,
    sentra_points,
)
from unggulan.maps.series import series_svg, statistics_html


def both(id_text: str, en_text: str) -> str:
    """A text in both languages of a static page (the page shows the one chosen)."""
    return (f'<span lang="id">{html.escape(id_text)}</span>'
            f'<span lang="en">{html.escape(en_text)}</span>')


def _fmt(x, digits=1, lang: str = "en") -> str:
    return fmt_number(x, digits, lang)


def _nb(x, digits: int = 1) -> str:
    """A number for both languages of a static page (1.234,5 / 1,234.5)."""
    a, b = fmt_number(x, digits, "id"), fmt_number(x, digits, "en")
    return html.escape(a) if a == b else both(a, b)


def code_html(code: str, derived: bool) -> str:
    """An area code, marked when the tool derived it from names (not an official code)."""
    if not derived:
        return html.escape(code)
    return (f'{html.escape(code)} <span class="derived" title="kode turunan dari nama, bukan '
            f'kode resmi / derived from names, not an official code">'
            f'{both("(kode turunan)", "(derived code)")}</span>')


def _ccol(i: int) -> str:
    return COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]


def breakdown_svg(cand: pd.DataFrame, weights: dict) -> str:
    """Grouped horizontal bars: per candidate, each evidence component (0-100) side by side,
    with the component's weight in the legend."""
    comps = list(COLUMNS)
    bar, gap, left, width = 9, 10, 190, 320
    group_h = bar * len(comps) + gap
    top = 10 + 11 * math.ceil(len(comps) / 3)  # below the legend's rows
    height = top + group_h * max(len(cand), 1) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="breakdown" width="{left + width + 60}"'
           f' height="{height}" role="img" aria-label="score breakdown">']
    for t in range(0, 101, 25):
        x = left + width * t / 100
        out.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 18}" stroke="#ddd"/>'
                   f'<text x="{x}" y="{height - 4}" font-size="10" text-anchor="middle">{t}</text>')
    for g, row in enumerate(cand.itertuples(index=False)):
        y0 = top + g * group_h
        rk = rank_label(row.rank, getattr(row, "rank_label", None))
        lab_id = html.escape(f"{rk}. {row.commodity_name_id} ({_fmt(row.score, 1, 'id')})")
        lab_en = html.escape(f"{rk}. {row.commodity_name_en} ({_fmt(row.score, 1, 'en')})")
        out.append(f'<text x="{left - 6}" y="{y0 + group_h / 2}" font-size="11" '
                   f'text-anchor="end" class="cand"><tspan lang="id">{lab_id}</tspan>'
                   f'<tspan lang="en">{lab_en}</tspan></text>')
        for i, comp in enumerate(comps):
            v = getattr(row, f"score_{comp}", None)
            v = 0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            w = width * v
            out.append(f'<rect x="{left}" y="{y0 + i * bar}" width="{w:.1f}" height="{bar - 1}"'
                       f' fill="{_ccol(i)}"><title>{comp}: {v * 100:.0f}</title>'
                       f'</rect>')
    for i, comp in enumerate(comps):
        x = 4 + (i % 3) * 170
        y = 4 + (i // 3) * 11
        lab_id, lab_en = COMPONENT_LABEL.get(comp, (comp, comp))
        out.append(f'<rect x="{x}" y="{y}" width="9" height="9" fill="{_ccol(i)}"/>'
                   f'<text x="{x + 12}" y="{y + 8}" font-size="10">'
                   f'<tspan lang="id">{lab_id} ×{_fmt(weights.get(comp), 2, "id")}</tspan>'
                   f'<tspan lang="en">{lab_en} ×{_fmt(weights.get(comp), 2, "en")}</tspan></text>')
    out.append("</svg>")
    return "".join(out)


def area_page(ds, code: str, opt: PageOptions | None = None) -> folium.Map:
    """An area with its neighbours, its attributes, its candidates' score breakdown and
    links to export its data."""
    opt = opt or PageOptions(top=5)
    opt.check()
    level, row = None, None
    for lv in ds.levels:
        areas = ds.areas(lv)
        hit = areas.index[areas["code"] == code]
        if not len(hit):
            cc = clean_code(code)
            hit = areas.index[areas["code"].map(clean_code) == cc] if cc else hit
        if len(hit):
            level, row = lv, areas.loc[hit[0]]
            break
    if level is None:
        raise UnknownArea(f"no desa or kecamatan with code '{code}'", field="code")
    code = str(row["code"])
    areas = ds.areas(level)
    geom = row.geometry
    near = areas.index[areas.sindex.query(geom, predicate="intersects")]
    near = [code] + [c for c in near if c != code]
    sub_props, cand = candidate_props(ds, level, opt.top, opt.weights, codes=near,
                                      scenario=opt.scenario)
    spec = inline_spec(level, len(near), features_text(ds, level, sub_props, codes=near))
    # the detail on the left, the map on the right
    m, osm = base_map(ds, opt, [level], len(near), width="56%", height="100%", left="44%",
                      top="0%", position="absolute")
    b = shapely.total_bounds(np.asarray(areas.loc[near].geometry.values))
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    sentra = sentra_points(ds, codes=[code])
    ids = {c[0] for p in sub_props for c in p["c"]} | {s[3] for s in sentra if s[3]}
    info = legend_info(ds, sub_props, opt.effective_scenario())  # the run's, as on every map
    cfg = {
        "mode": "main", "lang": opt.lang, "level": level, "levels": {level: spec},
        "dataset": proper_case(ds.name), "synthetic": ds.synthetic,
        "palettes": {level: info["palette"]}, "counts": {level: info["counts"]},
        "otherCount": {level: info["otherCount"]},
        "basisCounts": {level: info["basisCounts"]},
        "other": palette.OTHER, "nodata": palette.NODATA, "focus": code,
        "commodities": commodity_names(ds, ids), "viewable": [], "sectors": sector_info(),
        "sectorsPresent": sorted({s[2] for s in sentra if s[2]}), "sentra": sentra,
        "api": None, "weights": opt.weights, "weightValues": {},
        "detail": f"{opt.pages}/wilayah/" if opt.pages else None, "links": None,
        "basemap": opt.basemap, "run": run_config(ds, opt),
    }
    own = cand[cand["code"] == code].sort_values("rank")
    m.get_root().html.add_child(Element(_detail_html(ds, level, row, own, opt)),
                                name="unggulan_detail")
    m.get_root().title = f"{proper_case(row['name'])} – unggulan"
    return finish(m, cfg, osm, opt)


def _detail_html(ds, level: str, row, cand: pd.DataFrame, opt: PageOptions) -> str:
    code = str(row["code"])
    w = opt.effective_scenario().weights_resolved()  # the weights as used
    esc = html.escape
    kind = both("Desa/kelurahan", "Village") if level == "desa" else \
        both("Kecamatan", "District")
    derived = bool(row.get("code_derived", False) is True or row.get("code_derived") == 1)
    kec = proper_case(row.get("kecamatan_name")) if level == "desa" else None
    kec_txt = f" · {both('Kec.', 'District')} {esc(str(kec))}" if not is_missing(kec) else ""
    head = (f'<div class="unggulan-detail"><h2>{esc(str(proper_case(row["name"])))} '
            f'<small>{kind} · {code_html(code, derived)}{kec_txt}</small></h2>')
    langs = " ".join(f'<button type="button" class="lang-btn" data-lang="{lg}">{lg.upper()}'
                     '</button>' for lg in LANGS)
    back = (f'<a href="{opt.pages}?lang={opt.lang}&level={level}">'
            f'{both("← Peta kandidat", "← Candidate map")}</a> · ' if opt.pages else "")
    parts = [head, f"<p>{back}{langs}</p>", '<div class="cols"><div>']
    # candidates and their breakdown
    parts.append(f"<h3>{both('Kandidat komoditas unggulan', 'Candidate flagship commodities')}"
                 "</h3>")
    if len(cand):
        parts.append(f'<div class="scroll">{breakdown_svg(cand, w)}</div>')
        st = ds.statistics(area=code, with_parents=True)
        colours = ds.palette(opt.effective_scenario())
        quad_en_of = {k: en for k, en, _ in QUADRANTS}
        # the reason on its own row under each candidate: the table fits the column
        parts.append("<div class='scroll'><table class='cand'><tr><th>#</th><th>" +
                     both("Komoditas", "Commodity") +
                     "</th><th>" + both("Skor", "Score") + "</th><th>" +
                     both("Kelas", "Class") + "</th><th>LQ · DLQ</th><th>" +
                     both("Seri", "Series") + "</th></tr>")
        for r in cand.itertuples(index=False):
            colour = colours.get(r.commodity, palette.OTHER)
            name = (f"<i class='swatch' style='background:{colour}' "
                    f"data-commodity='{esc(str(r.commodity))}'></i>" +
                    both(str(r.commodity_name_id), str(r.commodity_name_en)))
            quad_id = getattr(r, "quadrant", None)
            quad_en = getattr(r, "quadrant_en", None) or quad_en_of.get(quad_id)
            quad = (f"<br><small>{both(str(quad_id), str(quad_en or quad_id))}</small>"
                    if isinstance(quad_id, str) else "")
            ser = st[(st["commodity"] == r.commodity) & (st["measure"] == r.stat_measure)]
            ser = ser.dropna(subset=["year"]).sort_values("year")
            chart = series_svg([int(y) for y in ser["year"]], ser["value"].astype(float).tolist(),
                               width=110, height=26) if len(ser) else "–"
            lq = r.lq if not is_missing(r.lq) else getattr(r, "slq", None)
            basis = evidence_basis(getattr(r, "basis", None))
            basis_txt = ""
            reason_id, reason_en = _clean(r.reason_id), _clean(r.reason_en)
            if basis and "dasar" not in reason_id.lower():  # the reason may say it already
                b_id, b_en = BASIS_LABEL[basis]
                basis_txt = f" <small class='basis'>({both('dasar: ' + b_id, 'basis: ' + b_en)})" \
                    "</small>"
            klass = r.suitability_class if isinstance(r.suitability_class, str) and \
                r.suitability_class else "–"
            rk = rank_label(r.rank, getattr(r, "rank_label", None))
            parts.append(f"<tbody><tr class='head'><td class='rank'>{esc(rk)}</td><td>{name}</td>"
                         f"<td class='num'>{_nb(r.score)}</td>"
                         f"<td class='cls'>{esc(klass)}</td>"
                         f"<td class='num'>{_nb(lq, 2)} · {_nb(r.dlq, 2)}{quad}</td>"
                         f"<td>{chart}</td></tr>"
                         f"<tr class='why'><td></td><td colspan='5' class='why'>"
                         f"<b>{both('Alasan', 'Why')}:</b> {both(reason_id, reason_en)}"
                         f"{basis_txt}</td></tr></tbody>")
        parts.append("</table></div>")
    else:
        parts.append(f"<p>{both('Tidak ada kandidat.', 'No candidate.')}</p>")
    parts.append("</div><div>")
    # attributes
    if ds.rasters:
        attrs = ds.attributes(level)
        if code in attrs.index:
            a = attrs.loc[code]
            parts.append(f"<h3>{both('Atribut agroekologi', 'Agro-ecological attributes')}"
                         "</h3><div class='scroll'><table class='attrs'><tr><th></th><th>" +
                         both("rata-rata", "mean") + "</th><th>min</th><th>max</th></tr>")
            for attr in ds.engine.layers:
                if f"{attr}_mean" not in a.index:
                    continue
                lab = attribute_label(attr)
                u_id = f" ({lab[2]})" if lab[2] else ""
                u_en = f" ({lab[3]})" if lab[3] else ""
                if attr in CATEGORICAL:
                    maj = a.get(f"{attr}_majority")
                    maj_txt = "–" if is_missing(maj) else f"{int(maj)}"
                    mean = both(f"kelas mayoritas {maj_txt}", f"majority class {maj_txt}")
                    lo, hi = _nb(a[f"{attr}_min"], 0), _nb(a[f"{attr}_max"], 0)
                else:
                    mean = _nb(a[f"{attr}_mean"])
                    lo, hi = _nb(a[f"{attr}_min"]), _nb(a[f"{attr}_max"])
                parts.append(f"<tr><th>{both(lab[0] + u_id, lab[1] + u_en)}</th>"
                             f"<td class='num'>{mean}</td><td class='num'>{lo}</td>"
                             f"<td class='num'>{hi}</td></tr>")
            parts.append("</table></div>")
            # layers fetched by `unggulan rasters fetch` cite their source
            cited = [f"{html.escape(a_)}: {html.escape(r.source_text)}"
                     for a_, r in ds.rasters.items() if r.source_text]
            if cited:
                parts.append(f"<p class='note'>{both('Sumber raster', 'Raster sources')}: "
                             + "; ".join(cited) + "</p>")
    # statistics: the area's own, and a desa's kecamatan's (labelled as such)
    st = ds.statistics(area=code, with_parents=True)
    st = st[st["level"].isin(ds.levels)]
    if len(st):
        names = {c: proper_case(n) for lv in ds.levels for c, n in ds.areas(lv)["name"].items()
                 if c in set(st["code"])}
        parts.append("<div class='scroll'>" + statistics_html(st, level, names, both) +
                     "</div>")
    # exports
    if opt.api:
        parts.append(f"<h3>{both('Unduh data wilayah ini', 'Download this area')}</h3><ul>")
        for layer, lid, len_ in (("candidates", "Kandidat", "Candidates"),
                                 ("suitability", "Kesesuaian lahan", "Land suitability"),
                                 ("areas", "Batas & atribut", "Boundary & attributes"),
                                 ("sentra", "Sentra", "Sentra"),
                                 ("statistics", "Statistik", "Statistics")):
            run = (f"&scenario={quote(opt.scenario_query())}" if opt.scenario_query() else
                   f"&weights={quote(opt.weights)}" if opt.weights else "")
            links = " · ".join(
                f'<a href="{opt.api}/export?layer={layer}&level={level}&area={code}'
                f'&format={fmt}{run}">{label}</a>'
                for fmt, label in (("gpkg", "GeoPackage"), ("shp", "Shapefile"),
                                   ("geojson", "GeoJSON"), ("csv", "CSV")))
            parts.append(f"<li>{both(lid, len_)}: {links}</li>")
        parts.append("</ul>")
    parts.append("</div></div></div>")
    return "".join(parts)


def _clean(text) -> str:
    """A text for the page: missing is "–" (never "nan" or "None")."""
    return "–" if is_missing(text) or str(text) in ("nan", "None") else str(text)
