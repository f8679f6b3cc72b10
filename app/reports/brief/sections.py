"""The brief's sections: the blocks (title, facts, tables, figures, notes) each part of a
kecamatan or kabupaten brief holds, in the order the template (``templates/brief.html``)
prints them, built from what :mod:`.content` gathers, in the words of :mod:`.wording`.

A block is a dict with a ``kind`` ("title", "facts", "h3", "p", "list", "figure",
"table"); a :class:`Section` groups blocks and says whether it starts a new page. Figures
(the static map, the charts) are drawn through :mod:`.figures`, which keeps them on disk per
content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from unggulan.base.errors import UnggulanError
from unggulan.base.version import __version__
from unggulan.core.inputs.commodities import SECTORS
from unggulan.core.ranking.scoring import DESCRIPTIONS
from unggulan.reports import charts
from unggulan.reports.brief import figures
from unggulan.reports.brief.content import (
    BASIS,
    BASIS_LABEL,
    LAND_ONLY,
    Run,
    basis_counts,
    component_labels,
    desa_of,
    first,
    geometry,
    leading,
    quadrant_names,
    quadrants,
    rank1,
    synthetic_notes,
)
from unggulan.reports.brief.wording import (
    STAT_MEASURES,
    WEIGHT_EVIDENCE_ID,
    area_heading,
    fmt_date,
    fmt_num,
)
from unggulan.reports.static_map import LegendEntry, area_map, legend_layout

#: width of the page's text block, cm (A4 210 mm minus 2 x 14 mm margins)
CONTENT_CM = 18.2
#: share of the width a map with its legend on its right takes
MAP_SHARE = 0.62


@dataclass
class Section:
    """A part of the brief; ``page_break``: it starts on a new page."""

    id: str
    title: str
    page_break: bool
    blocks: list[dict] = field(default_factory=list)
    anchor: str | None = None


def _cell(text: Any = "", cls: str = "", span: int = 1, sub: str | None = None,
          href: str | None = None) -> dict:
    return {"text": "" if text is None else str(text), "cls": cls, "span": span, "sub": sub,
            "href": href}


def _table(head: list[dict], groups: list[list[list[dict]]], cls: str = "",
           widths: list[float] | None = None) -> dict:
    return {"kind": "table", "head": head, "groups": groups, "cls": cls, "widths": widths}


def _figure(svg: str | charts.Pending, alt: str, caption: str | None = None,
            width: float = 100.0, legend: dict | None = None,
            img_width: float | None = None) -> dict:
    # a figure recorded to be drawn later keeps its place (its src written when rendered)
    src = svg if isinstance(svg, charts.Pending) else charts.data_uri(svg)
    return {"kind": "figure", "src": src, "alt": alt, "caption": caption,
            "width": width, "legend": legend, "img_width": img_width}


def _legend(keys: list[tuple[str, str, str | None]], labels: list[str], cols: int,
            place: str, title: str | None = None) -> dict:
    """A figure's legend printed as text beside it (``place``: "right", "below" or
    "above"): WeasyPrint lays out a line of text at once but a figure's text letter by
    letter. Its keys are CSS classes (:func:`unggulan.reports.charts.key_css`), their rules
    written once in the page's style (:func:`legend_keys`)."""
    return {"title": title, "cols": cols, "place": place, "keys": list(keys),
            "items": [(charts.key_class(*key), label) for key, label in zip(keys, labels)]}


def legend_keys(sections: list[Section]) -> list[tuple[str, str, str | None]]:
    """The keys of every legend printed in ``sections`` (for their CSS rules)."""
    return [key for s in sections for b in s.blocks if b.get("kind") == "figure"
            and b.get("legend") for key in b["legend"]["keys"]]


def _map_block(run: Run, level: str, codes: list[str], tops: list, numbers: list[int],
               outline_code: str | None, height_cm: float, what: str,
               legend_right: bool = False) -> dict:
    ds = run.ds
    colours = run.colours(level)
    styles = [charts.commodity_style(c, colours) for c in tops]
    # the evidence the rank-1 candidate rests on: land potential only is drawn pale
    top = run.first(level)
    basis = top.set_index("code")["basis"] if "basis" in top else pd.Series(dtype=object)
    bases = [basis.get(c) if isinstance(t, str) else None for c, t in zip(codes, tops)]
    bases = [b if b in BASIS else None for b in bases]
    styles = [(charts.pale(f), h) if b == LAND_ONLY else (f, h) for (f, h), b in
              zip(styles, bases)]
    geo = geometry(ds, level, codes)
    # legend: the commodities leading here, in the palette's order, then other and none
    counts = pd.Series([c for c in tops if isinstance(c, str)], dtype=object).value_counts()
    unit = "desa" if level == "desa" else "kec."
    legend = []
    for cid in sorted(counts.index, key=lambda c: (list(colours).index(c) if c in colours
                                                   else 99, -counts[c], c)):
        if cid in colours:
            fill, hatch = charts.commodity_style(cid, colours)
            legend.append(LegendEntry(f"{run.commodity(cid)} ({counts[cid]} {unit})", fill,
                                      hatch))
    n_other = int(sum(counts[c] for c in counts.index if c not in colours))
    if n_other:
        legend.append(LegendEntry(f"{run.t('other')} ({n_other} {unit})",
                                  charts.commodity_style("?", {})[0]))
    n_none = sum(1 for c in tops if not isinstance(c, str))
    if n_none:
        legend.append(LegendEntry(f"{run.t('none')} ({n_none} {unit})", "#FFFFFF"))
    by_basis = basis_counts(bases)
    if by_basis.get(LAND_ONLY):
        legend.append(LegendEntry(f"{run.t('land_only')} ({by_basis[LAND_ONLY]} {unit})",
                                  charts.pale(charts.commodity_style("?", {})[0])))
    k = 0 if run.lang == "id" else 1
    basis_text = run.t("basis_note", items="; ".join(
        f"{BASIS_LABEL[b][k]} {n} {unit}" for b, n in by_basis.items() if b in BASIS_LABEL))
    basis_text = (basis_text if basis_text.endswith(".") else basis_text + ".") \
        if by_basis else ""
    # neighbours for context: the level's areas around the extent
    bounds = shapely.box(*geo.total_bounds).buffer(
        0.15 * max(geo.total_bounds[2] - geo.total_bounds[0],
                   geo.total_bounds[3] - geo.total_bounds[1]))
    ctx_level = "kecamatan"
    ctx_all = ds.areas(ctx_level)
    near = ctx_all.index[ctx_all.sindex.query(bounds, predicate="intersects")]
    near = [c for c in near if c != outline_code]
    context = geometry(ds, ctx_level, near) if near else None
    outline = geometry(ds, "kecamatan", [outline_code]).geometry.iloc[0] \
        if outline_code else None
    title = run.t("legend_desa" if level == "desa" else "legend_kec")
    # the legend is printed beside the map as text (see _legend), in the room the map
    # would give it: the map keeps its size
    ncol, below_cm = legend_layout(legend, title, legend_right)
    width_cm = CONTENT_CM * (MAP_SHARE if legend_right else 1.0)
    svg = figures.svg(ds, area_map, geo, [s[0] for s in styles], [s[1] for s in styles],
                      numbers, [], context=context, outline=outline, lang=run.lang,
                      width_cm=width_cm, height_cm=height_cm - below_cm,
                      label_size=6.5 if len(codes) <= 40 else 5.5)
    keys = [(e.colour, e.hatch, charts.ink_on(e.colour)) for e in legend]
    return _figure(svg, title,
                   run.t("map_note", what=what) + (" " + basis_text if basis_text else ""),
                   legend=_legend(keys, [e.label for e in legend], ncol,
                                  "right" if legend_right else "below", title),
                   img_width=100 * MAP_SHARE if legend_right else None)


def _candidate_table(run: Run, rows: pd.DataFrame, with_reason: bool) -> dict:
    head = [_cell(run.t(k), cls) for k, cls in (
        ("rank", "num"), ("commodity", ""), ("score", "num"), ("klass", ""),
        ("limiting", ""), ("lq", "num"), ("sentra", "num"), ("workers", "num"))]
    groups = []
    for r in rows.sort_values("rank").itertuples(index=False):
        group = [[_cell(run.rank(r), "num"), _cell(run.commodity(r.commodity), "strong"),
                  _cell(run.n(r.score, 1), "num"), _cell(_klass(r.suitability_class)),
                  _cell(run.factors(r.limiting_factors)), _cell(run.lq(r), "num"),
                  _cell(run.n(r.sentra), "num"), _cell(run.n(r.workers), "num")]]
        if with_reason:
            reason = r.reason_id if run.lang == "id" else r.reason_en
            group.append([_cell(""), _cell(f"{run.t('reason')}: {reason}", "reason", span=7)])
        groups.append(group)
    return _table(head, groups, "cand", [5, 21, 8, 11, 22, 8, 9, 12])


def _klass(x) -> str:
    return x if isinstance(x, str) and x else "–"


def _desa_table(run: Run, desa: pd.DataFrame, numbers: dict[str, int]) -> dict:
    by = run.ranked("desa")
    head = [_cell(run.t(k), cls) for k, cls in (
        ("no", "num"), ("desa", ""), ("rank", "num"), ("commodity", ""), ("score", "num"),
        ("klass", ""), ("limiting", ""), ("lq", "num"), ("sentra", "num"), ("workers", "num"))]
    groups = []
    for d in desa.itertuples(index=False):
        first = [_cell(numbers[d.code], "num strong"),
                 _cell(run.name(d.name), "strong", sub=_code_text(run, d))]
        g = by.get(d.code)
        if not g:
            groups.append([first + [_cell(run.t("none"), "muted", span=8)]])
            continue
        rows = []
        for i, r in enumerate(g):
            lead = first if i == 0 else [_cell(""), _cell("")]
            rows.append(lead + [
                _cell(run.rank(r), "num"), _cell(run.commodity(r.commodity)),
                _cell(run.n(r.score, 1), "num"), _cell(_klass(r.suitability_class)),
                _cell(run.factors(r.limiting_factors)), _cell(run.lq(r), "num"),
                _cell(run.n(r.sentra), "num"), _cell(run.n(r.workers), "num")])
        groups.append(rows)
    return _table(head, groups, "desa", [5, 17, 4, 17, 7, 8, 17, 7, 7, 11])


def _tops_table(run: Run, level: str, areas: pd.DataFrame, numbers: dict[str, int],
                pages: bool, compact: bool = False) -> dict:
    """One row per area: its candidates (commodity, score, class); ``compact``: one line
    per area, without codes."""
    by = run.ranked(level)
    head = [_cell(run.t("no"), "num"), _cell(run.t("desa" if level == "desa" else "kecamatan"))]
    count_desa = level == "kecamatan" and "desa" in run.ds.levels
    if count_desa:
        head.append(_cell(run.t("n_desa"), "num"))
    head += [_cell(f"{run.t('cand_n')} {k}") for k in range(1, run.top + 1)]
    if pages:
        head.append(_cell(run.t("page"), "num"))
    n_desa = desa_of(run.ds, areas["code"]).groupby("kecamatan_code").size() \
        if count_desa else None
    groups = []
    for a in areas.itertuples(index=False):
        items = by.get(a.code, [])
        row = [_cell(numbers[a.code], "num strong"),
               _cell(run.name(a.name), "strong", sub=None if compact else _code_text(run, a))]
        if n_desa is not None:
            row.append(_cell(int(n_desa.get(a.code, 0)), "num"))
        for k in range(run.top):
            if k < len(items):
                r = items[k]
                detail = f"{run.n(r.score, 1)} · {_klass(r.suitability_class)}"
                row.append(_cell(f"{run.commodity(r.commodity)} ({detail})") if compact else
                           _cell(run.commodity(r.commodity), sub=detail))
            else:
                row.append(_cell("–" if k else run.t("none"), "muted"))
        if pages:
            row.append(_cell("", "num pageref", href=f"#{_anchor(a.code)}"))
        groups.append([row])
    widths = [5, 20] + ([9] if count_desa else []) + \
        [(66 - (9 if count_desa else 0)) / run.top] * run.top + ([6] if pages else [])
    return _table(head, groups, "tops compact" if compact else "tops", widths)


def _anchor(code: str) -> str:
    return "kec-" + code.replace(".", "-")


def _land_blocks(run: Run, level: str, codes: list[str], commodities: list[str],
                 what: str) -> list[dict]:
    """Shares of the land in S1..N per leading commodity, over ``codes`` of ``level``
    weighted by area_ha, as a chart and a table."""
    ds = run.ds
    blocks: list[dict] = [{"kind": "h3", "text": run.t("h_land")}]
    if not ds.rasters or not commodities:
        blocks.append({"kind": "p", "text": run.t("no_land"), "cls": "muted"})
        return blocks
    suit = ds.suitability(level, management=run.management, explain=False, copy=False)
    want = set(codes)
    sub = suit[suit["code"].astype(str).isin(want) &
               suit["commodity"].astype(str).isin(set(commodities))]
    area_ha = ds.areas(level)["area_ha"]
    cols = ["share_s1", "share_s2", "share_s3", "share_n"]
    rows = []
    for cid in commodities:
        s = sub[sub["commodity"].astype(str) == cid]
        s = s[s["share_s1"].notna()]
        if not len(s):
            continue
        w = s["code"].astype(str).map(area_ha).to_numpy(float)
        shares = s[cols].to_numpy(float)
        mean = (w[:, None] * shares).sum(axis=0) / w.sum()
        ha = float((w * shares[:, :3].sum(axis=1)).sum())
        rows.append((cid, mean, ha))
    if not rows:
        blocks.append({"kind": "p", "text": run.t("no_land"), "cls": "muted"})
        return blocks
    labels = [run.commodity(c) for c, _, _ in rows]
    shares = np.array([m for _, m, _ in rows])
    svg = figures.svg(ds, charts.class_shares_chart, labels, shares,
                      [run.t(k) for k in ("S1", "S2", "S3", "N")], run.lang, width_cm=CONTENT_CM)
    blocks.append(_figure(svg, run.t("h_land")))
    head = [_cell(run.t("commodity"))] + [_cell(f"{k} (%)", "num") for k in
                                          ("S1", "S2", "S3", "N")] + \
        [_cell(run.t("ha_s123"), "num")]
    groups = [[[_cell(label, "strong")] + [_cell(run.n(100 * v), "num") for v in m] +
               [_cell(run.n(ha), "num")]] for label, (_, m, ha) in zip(labels, rows)]
    blocks.append(_table(head, groups, "land keep", [30, 12, 12, 12, 12, 22]))
    blocks.append({"kind": "p", "text": run.t("land_note", what=what), "cls": "note"})
    return blocks


def _components_block(run: Run, rows: pd.DataFrame, compact: bool = False) -> list[dict]:
    """Each candidate's score components: grouped bars of the component values (0-100),
    or, ``compact``, one stacked bar of weighted contributions adding up to the score
    (when they do: a score from another aggregation method falls back to the bars)."""
    labels_of = component_labels()
    comps = [c for c in run.weights if f"score_{c}" in rows.columns]
    if not len(rows) or not comps:
        return []
    rows = rows.sort_values("rank")
    k = 0 if run.lang == "id" else 1
    labels = [f"{run.rank(r)}. {run.commodity(r.commodity)} ({run.n(r.score, 1)})"
              for r in rows.itertuples(index=False)]
    values = rows[[f"score_{c}" for c in comps]].to_numpy(float)
    w = np.array([run.weights[c] for c in comps])
    have = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = 100 * np.where(have, w * np.clip(values, 0, 1), 0.0) / \
            (have * w).sum(axis=1, keepdims=True)
    adds_up = bool(np.allclose(np.nan_to_num(contrib).sum(axis=1), rows["score"].to_numpy(float),
                               atol=0.5))
    comp_labels = [f"{labels_of.get(c, (c, c))[k]} ×{fmt_num(run.weights[c], 2, run.lang)}"
                   for c in comps]
    if compact and adds_up:
        svg = figures.svg(run.ds, charts.contributions_chart, labels, contrib, comp_labels,
                          run.lang, width_cm=CONTENT_CM, legend=False)
        return [_figure(svg, run.t("contributions_note"),
                        legend=_legend(charts.legend_keys(len(comps)), comp_labels, 3,
                                       "above"))]
    svg = figures.svg(run.ds, charts.components_chart, labels, values, comp_labels, run.lang,
                      width_cm=CONTENT_CM)
    return [{"kind": "h3", "text": run.t("h_components")},
            _figure(svg, run.t("h_components"), run.t("components_note"))]


def _sentra_blocks(run: Run, kec_codes: list[str]) -> list[dict]:
    s = run.ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"].isin(set(kec_codes))]
    blocks: list[dict] = [{"kind": "h3", "text": run.t("h_sentra")}]
    if not len(s):
        blocks.append({"kind": "p", "text": run.t("no_sentra"), "cls": "muted"})
        return blocks
    k = "id" if run.lang == "id" else "en"
    head = [_cell(run.t("sector")), _cell(run.t("sentra"), "num"), _cell(run.t("units"), "num"),
            _cell(run.t("workers"), "num"), _cell(run.t("main_commodities"))]
    groups = []
    sectors = list(SECTORS) + sorted(set(s["sector"].dropna().astype(str)) - set(SECTORS))
    for sec in sectors:
        g = s[s["sector"].astype(object) == sec]
        if not len(g):
            continue
        names = g["commodity_id"].astype(object).where(g["commodity_id"].notna(),
                                                       g["commodity_raw"])
        vc = names.value_counts()
        vc = sorted(vc.items(), key=lambda kv: (-kv[1], str(kv[0])))[:4]
        main = ", ".join(f"{run.commodity(c) if c in run.ds.catalogue.frame.index else c} "
                         f"({n})" for c, n in vc)
        label = SECTORS[sec][k] if sec in SECTORS else sec
        groups.append([[_cell(label, "strong"), _cell(run.n(len(g)), "num"),
                        _cell(run.n(g["units"].sum()), "num"),
                        _cell(run.n(g["workers"].sum()), "num"), _cell(main)]])
    groups.append([[_cell(run.t("total"), "strong"), _cell(run.n(len(s)), "num strong"),
                    _cell(run.n(s["units"].sum()), "num strong"),
                    _cell(run.n(s["workers"].sum()), "num strong"), _cell("")]])
    blocks.append(_table(head, groups, "sentra keep", [24, 9, 12, 13, 42]))
    return blocks


def _facts(items: list[tuple[str, str]], cls: str = "") -> dict:
    return {"kind": "facts", "items": items, "cls": cls}


def _statistics_section(run: Run, kec_codes: list[str], names: dict[str, str]
                        ) -> Section | None:
    """Production statistics: the SLQ x DLQ quadrant of each commodity and the yearly
    series (one kecamatan), or the kecamatan in the leading quadrant per commodity (a
    kabupaten). Left out when the dataset has no statistics."""
    ds = run.ds
    if not hasattr(ds, "statistics"):
        return None
    try:
        stats = ds.statistics(level="kecamatan")
    except Exception as exc:  # noqa: BLE001 - optional layer: the method page says why
        run.notes.append(run.t("stats_missing", why=str(exc)))
        return None
    if not isinstance(stats, pd.DataFrame) or not len(stats):
        return None
    want = set(kec_codes)
    sec = Section("statistics", run.t("sec_stats"), True)
    k = 0 if run.lang == "id" else 1
    qcol = "quadrant" if run.lang == "id" else "quadrant_en"
    for measure, label in STAT_MEASURES.items():
        try:
            q = quadrants(run, measure)
        except UnggulanError as exc:
            run.notes.append(run.t("stats_missing", why=str(exc)))
            continue
        if q is None:
            continue
        q = q[q["code"].astype(str).isin(want)]
        if not len(q):
            continue
        unit = stats.loc[stats["measure"] == measure, "unit"]
        unit = f" ({unit.iloc[0]})" if len(unit) else ""
        sec.blocks.append({"kind": "h3", "text": f"SLQ × DLQ: {label[k]}{unit}"})
        if len(want) == 1:
            q = q.sort_values(["slq", "commodity"], ascending=[False, True])
            nums = list(range(1, len(q) + 1))
            ok = (q["slq"].notna() & q["dlq"].notna()).any()
            if ok:
                svg = figures.svg(ds, charts.quadrant_chart, q["slq"].to_numpy(float),
                                  q["dlq"].to_numpy(float), nums, ("SLQ", "DLQ"),
                                  quadrant_names(run), run.lang, width_cm=13.0)
                sec.blocks.append(_figure(svg, f"SLQ × DLQ {label[k]}", width=72.0))
            head = [_cell(run.t("no"), "num"), _cell(run.t("commodity")), _cell("SLQ", "num"),
                    _cell("DLQ", "num"), _cell(run.t("quadrant"))]
            groups = [[[_cell(n, "num"), _cell(run.commodity(r["commodity"]), "strong"),
                        _cell(run.n(r["slq"], 2), "num"), _cell(run.n(r["dlq"], 2), "num"),
                        _cell(r[qcol] if isinstance(r[qcol], str) else "–")]]
                      for n, (_, r) in zip(nums, q.iterrows())]
            sec.blocks.append(_table(head, groups, "stats keep", [8, 36, 14, 14, 28]))
        else:
            lead = q[q["quadrant"] == "unggulan"]
            head = [_cell(run.t("commodity")), _cell(run.t("n_kec"), "num"),
                    _cell(run.t("quadrant") + f": {quadrant_names(run)[0]}")]
            groups = []
            for cid, g in sorted(lead.groupby("commodity"), key=lambda kv: (-len(kv[1]),
                                                                          str(kv[0]))):
                where = ", ".join(names.get(str(c), str(c)) for c in sorted(g["code"]))
                groups.append([[_cell(run.commodity(cid), "strong"), _cell(len(g), "num"),
                                _cell(where)]])
            if groups:
                sec.blocks.append(_table(head, groups, "stats", [22, 12, 66]))
    if len(want) == 1:
        s = stats[stats["code"].astype(str).isin(want) & (stats["measure"] == "production")
                  & stats["commodity"].notna()]
        if len(s) and s["year"].nunique() > 1:
            tot = s.groupby(["commodity", "year"])["value"].sum(min_count=1).unstack("year")
            tot = tot.loc[tot.sum(axis=1).sort_values(ascending=False).index[:6]]
            years = [int(y) for y in tot.columns]
            series = {run.commodity(c): tot.loc[c].to_numpy(float) for c in tot.index}
            unit = f"{STAT_MEASURES['production'][k]} ({s['unit'].iloc[0]})"
            sec.blocks.append({"kind": "h3", "text": run.t("series")})
            sec.blocks.append(_figure(figures.svg(ds, charts.series_chart, years, series, unit,
                                                  run.lang, CONTENT_CM), run.t("series")))
    if sec.blocks:
        sec.blocks.append({"kind": "p", "text": run.t("stats_note"), "cls": "note"})
    return sec if sec.blocks else None


def _table_note(run: Run, rows: pd.DataFrame, areas: pd.DataFrame | None = None) -> str:
    """The note under a candidates table: what "–" means, and where they occur, shared
    ranks ("1=") and derived codes."""
    text = run.t("class_dash")
    if "rank_label" in rows and rows["rank_label"].astype(str).str.endswith("=").any():
        text += " " + run.t("tie_note")
    if areas is not None and "code_derived" in areas and \
            areas["code_derived"].astype(object).isin([True, 1]).any():
        text += " " + run.t("derived_note")
    return text


def _code_text(run: Run, row) -> str:
    """An area's code, marked when the tool derived it from names."""
    d = getattr(row, "code_derived", False)
    return f"{row.code} ({run.t('derived')})" if d is True or d == 1 else str(row.code)


def _title_block(run: Run, kind: str, code: str, name: str) -> dict:
    what = run.t("kecamatan") if kind == "kecamatan" else run.t("kabupaten")
    name = run.name(name)
    return {"kind": "title", "title": run.t("title"), "what": what, "name": name,
            "heading": area_heading(what, name), "code": code,
            "date": fmt_date(run.date, run.lang), "dataset": run.ds.name,
            "notices": synthetic_notes(run, short=True)}


def kecamatan_sections(run: Run, kec_code: str, kec_name: str) -> list[Section]:
    ds = run.ds
    desa = desa_of(ds, [kec_code])
    numbers = {c: i + 1 for i, c in enumerate(desa["code"])}
    ck = run.cand("kecamatan")
    own = ck[ck["code"] == kec_code]
    kec_row = ds.areas("kecamatan").loc[kec_code]
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"] == kec_code]
    first = own.sort_values("rank").head(1)
    summary = Section("summary", run.t("sec_summary"), False, [
        _title_block(run, "kecamatan", kec_code, kec_name),
        _facts([(run.t("code"), kec_code),
                (run.t("kabupaten"), str(kec_row.get("kabupaten_code", "–"))),
                (run.t("n_desa"), run.n(len(desa))), (run.t("area"), run.n(kec_row["area_ha"])),
                (run.t("n_sentra"), run.n(len(s))), (run.t("n_workers"), run.n(s["workers"].sum())),
                (run.t("top_kec"), run.commodity(first["commodity"].iloc[0]) if len(first)
                 else run.t("none"))]),
    ])
    if len(desa):
        tops = rank1(run, desa["code"])
        summary.blocks.append(_map_block(run, "desa", list(desa["code"]), tops,
                                         [numbers[c] for c in desa["code"]], kec_code, 16.0,
                                         run.t("kecamatan").split(" ")[0].lower()))
    else:  # a dataset of kecamatan only: the kecamatan itself, by its own candidate
        tops = [first["commodity"].iloc[0] if len(first) else None]
        summary.blocks.append(_map_block(run, "kecamatan", [kec_code], tops, [1], kec_code,
                                         17.0, run.t("kecamatan").split(" ")[0].lower()))
    cands = Section("candidates", run.t("sec_candidates"), True)
    if len(own):
        cands.blocks.append(_candidate_table(run, own, with_reason=True))
        cands.blocks.append({"kind": "p", "text": _table_note(run, own), "cls": "note"})
        cands.blocks += _components_block(run, own)
    else:
        cands.blocks.append({"kind": "p", "text": run.t("no_candidates"), "cls": "muted"})
    cands.blocks += _land_blocks(run, "desa" if len(desa) else "kecamatan",
                                 list(desa["code"]) if len(desa) else [kec_code],
                                 leading(run, [kec_code], own), "desa")
    cands.blocks += _sentra_blocks(run, [kec_code])
    out = [summary, cands]
    if len(desa):
        out.append(Section("desa", run.t("sec_desa"), True, [
            _desa_table(run, desa, numbers),
            {"kind": "p", "text": _table_note(run, run.cand("desa")[
                run.cand("desa")["code"].isin(set(desa["code"]))], desa), "cls": "note"}]))
    stats = _statistics_section(run, [kec_code], {kec_code: kec_name})
    if stats is not None:
        out.append(stats)
    return out


def kabupaten_sections(run: Run, kab_code: str, kab_name: str,
                        progress: Callable[[str], None]) -> list[Section]:
    ds = run.ds
    kec = ds.areas("kecamatan")
    kec = kec[kec["kabupaten_code"].astype(object) == kab_code].sort_values("code")
    kec_codes = list(kec["code"])
    numbers = {c: i + 1 for i, c in enumerate(kec_codes)}
    desa = desa_of(ds, kec_codes)
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"].isin(set(kec_codes))]
    ck = run.cand("kecamatan")
    top1 = first(ck).set_index("code")["commodity"]
    summary = Section("summary", run.t("sec_summary"), False, [
        _title_block(run, "kabupaten", kab_code, kab_name),
        _facts([(run.t("code"), kab_code), (run.t("n_kec"), run.n(len(kec))),
                (run.t("n_desa"), run.n(len(desa))), (run.t("area"), run.n(kec["area_ha"].sum())),
                (run.t("n_sentra"), run.n(len(s))),
                (run.t("n_workers"), run.n(s["workers"].sum()))]),
        _map_block(run, "kecamatan", kec_codes, [top1.get(c) for c in kec_codes],
                   [numbers[c] for c in kec_codes], None, 16.0, "kecamatan"),
    ])
    overview = Section("overview", run.t("sec_overview"), True, [
        _tops_table(run, "kecamatan", kec, numbers, pages=True)])
    if len(desa):
        cd = run.cand("desa")
        d1 = first(cd)
        d1 = d1[d1["code"].isin(set(desa["code"]))]
        vc = d1["commodity"].value_counts()
        head = [_cell(run.t("commodity")), _cell(run.t("n_desa_leading"), "num"),
                _cell(run.t("kecamatan"))]
        groups = []
        for c in sorted(vc.index, key=lambda c: (-vc[c], c)):
            where = d1[d1["commodity"] == c]["code"].map(desa.set_index("code")["kecamatan_code"])
            kc = where.value_counts()
            names = ", ".join(f"{run.name(kec.at[k, 'name'])} ({kc[k]})"
                              for k in sorted(kc.index, key=lambda k: (-kc[k], k)))
            groups.append([[_cell(run.commodity(c), "strong"), _cell(int(vc[c]), "num"),
                            _cell(names)]])
        overview.blocks += [{"kind": "h3", "text": run.t("h_desa_tops")},
                            _table(head, groups, "desatops", [22, 14, 64])]
    lead = list(dict.fromkeys(
        list(first(ck)[first(ck)["code"].isin(set(kec_codes))]["commodity"]
             .value_counts().index)))
    if len(desa):
        lead += [c for c in leading(run, kec_codes, ck.iloc[0:0]) if c not in lead]
    overview.blocks += _land_blocks(run, "kecamatan", kec_codes, lead[:8], "kecamatan")
    overview.blocks += _sentra_blocks(run, kec_codes)
    out = [summary, overview]
    zones = _zones_section(run, kec_codes)
    if zones is not None:
        out.append(zones)
    names = dict(zip(kec["code"], kec["name"]))
    for i, k in enumerate(kec.itertuples(index=False)):
        progress(f"{k.name} ({i + 1}/{len(kec)})")
        out.append(_kecamatan_page(run, k, numbers[k.code]))
    stats = _statistics_section(run, kec_codes, names)
    if stats is not None:
        out.append(stats)
    return out


def _zones_section(run: Run, kec_codes: list[str]) -> Section | None:
    """The commodity zones (kawasan) with a member in the kabupaten: one page, a table per
    zone (:meth:`unggulan.core.dataset.Dataset.zones` of the run's scenario, desa level where
    the dataset has desa); None when there are none or they cannot be drawn."""
    ds = run.ds
    level = "desa" if "desa" in ds.levels else "kecamatan"
    sc = run.scenario_or_default()
    try:
        z = ds.zones(level, scenario=sc, stability=False)
    except Exception:  # noqa: BLE001 - an optional page: the brief stands without it
        return None
    inside = set(desa_of(ds, kec_codes)["code"]) if level == "desa" else set(kec_codes)
    z = z[z["members"].str.split(";").map(lambda m: not inside.isdisjoint(m)).to_numpy()]
    if not len(z):
        return None
    en = run.lang == "en"
    title = "Commodity zones (kawasan)" if en else "Kawasan komoditas unggulan"
    note = ("Neighbouring areas where the commodity is among the top candidates or in its "
            "hot spot, on S1-S3 land (or land not assessed); a zone below the minimum size is "
            "an embryo. Thresholds: the scenario's [zones] table." if en else
            "Wilayah bersebelahan tempat komoditas termasuk kandidat teratas atau berada di "
            "hot spot-nya, pada lahan S1-S3 (atau lahan belum dinilai); kawasan di bawah "
            "ukuran minimum disebut embrio. Ambang: tabel [zones] skenario.")
    head = [_cell("Kawasan" if not en else "Zone"), _cell(run.t("commodity")),
            _cell("Status"), _cell("Anggota" if not en else "Members"), _cell("ha", "num"),
            _cell("Pusat" if not en else "Centre")]
    groups = []
    z = z.sort_values(["status", "n_members", "area_ha"], ascending=[False, False, False],
                      kind="stable")
    for r in z.itertuples(index=False):
        members = ", ".join(run.name(n) for n in str(r.member_names).split(";"))
        status = {"kawasan": "kawasan" if not en else "zone",
                  "embrio": "embrio" if not en else "embryo"}[r.status]
        centre = run.name(r.centre_name)
        if isinstance(r.organisations, str) and r.organisations:
            centre += f"; {r.organisations}"
        groups.append([[_cell(r.zone_id), _cell(run.commodity(r.commodity), "strong"),
                        _cell(status), _cell(members), _cell(run.n(r.area_ha), "num"),
                        _cell(centre)]])
    return Section("zones", title, True, [{"kind": "p", "text": note},
                                          _table(head, groups, "zones",
                                                 [16, 14, 9, 33, 9, 19])])


def _kecamatan_page(run: Run, k, number: int) -> Section:
    ds = run.ds
    desa = desa_of(ds, [k.code])
    dnum = {c: i + 1 for i, c in enumerate(desa["code"])}
    ck = run.cand("kecamatan")
    own = ck[ck["code"] == k.code]
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"] == k.code]
    heading = area_heading(run.t("kecamatan"), run.name(k.name))
    sec = Section(f"kec-{k.code}", f"{number}. {heading}", True, anchor=_anchor(k.code))
    sec.blocks.append(_facts([(run.t("code"), k.code), (run.t("n_desa"), run.n(len(desa))),
                              (run.t("area"), run.n(k.area_ha)),
                              (run.t("n_sentra"), run.n(len(s))),
                              (run.t("n_workers"), run.n(s["workers"].sum()))], "five"))
    if len(desa):
        block = _map_block(run, "desa", list(desa["code"]), rank1(run, desa["code"]),
                           [dnum[c] for c in desa["code"]], k.code, 7.0,
                           run.t("kecamatan").split(" ")[0].lower(), legend_right=True)
        block["caption"] = None  # said once, under the kabupaten map
        sec.blocks.append(block)
    if len(own):
        sec.blocks.append({"kind": "h3", "text": run.t("sec_candidates")})
        sec.blocks.append(_candidate_table(run, own, with_reason=True))
        sec.blocks += _components_block(run, own, compact=True)
    else:
        sec.blocks.append({"kind": "p", "text": run.t("no_candidates"), "cls": "muted"})
    if len(desa):
        sec.blocks.append({"kind": "h3", "text": run.t("sec_desa")})
        sec.blocks.append(_tops_table(run, "desa", desa, dnum, pages=False, compact=True))
    return sec


def method_section(run: Run) -> Section:
    ds = run.ds
    sec = Section("method", run.t("sec_method"), True)
    summ = ds.summary()
    items = []

    def rel(p) -> str:
        try:
            return str(Path(p).resolve().relative_to(Path(ds.folder).resolve()))
        except (ValueError, OSError):
            return Path(str(p)).name

    for lv, v in summ["levels"].items():
        src = run.t("dissolved") if v.get("dissolved") else rel(v["file"]) + (
            f" [{v['layer']}]" if v.get("layer") else "")
        items.append(f"{run.t('boundaries')} {lv}: {src}; " + run.t(
            "features", n=run.n(v["areas"]), code=v.get("code_column") or "–",
            system=v.get("code_system") or "–"))
    for f in summ["sentra"]["files"]:
        rec = ds.sentra_records
        mine = rec["source_file"].astype(str).map(lambda x: Path(x).name) == Path(f["file"]).name
        placed = int(rec.loc[mine.to_numpy(), "desa_code"].notna().sum())
        items.append(f"{run.t('sentra')}: {rel(f['file'])}; " +
                     run.t("sentra_file", rows=run.n(f["rows"]), placed=run.n(placed)))
    tables: dict[str, list[dict]] = {}
    for t in (summ.get("statistics") or {}).get("tables", []):
        tables.setdefault(str(t.get("file")), []).append(t)
    for file, ts in tables.items():
        years = sorted({int(y) for t in ts for y in (t.get("years") or [])})
        measures = sorted({m for t in ts for m in (t.get("measures") or {})})
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "–")
        items.append(f"{run.t('statistics')}: {rel(file)}; " + run.t(
            "stat_file", tables=len(ts), values=run.n(sum(t.get("values", 0) for t in ts)),
            years=span, measures=", ".join(measures) or "–"))
    if summ["rasters"]:
        files = ", ".join(f"{a}: {rel(r['path'])}" + (
            f" [{ds.rasters[a].source_text}]" if a in ds.rasters and ds.rasters[a].source_text
            else "") for a, r in summ["rasters"].items())
        items.append(f"{run.t('rasters')} ({len(summ['rasters'])}): {files}")
    items.append(f"{run.t('catalogue')}: {rel(summ['catalogue']['source'])} "
                 f"({summ['catalogue']['commodities']})")
    sec.blocks += [{"kind": "h3", "text": run.t("h_data")}, {"kind": "list", "items": items}]
    sec.blocks += [{"kind": "p", "text": n, "cls": "notice"} for n in synthetic_notes(run)]
    sec.blocks += [{"kind": "p", "text": n, "cls": "note"} for n in run.notes]
    sources = getattr(ds.requirements, "sources", {}) or {}
    sec.blocks += [{"kind": "h3", "text": run.t("h_requirements")},
                   {"kind": "list", "items": [f"[{k}] {v}" for k, v in sources.items()]}]
    k = 0 if run.lang == "id" else 1
    sec.blocks.append({"kind": "h3", "text": run.t("h_weights")})
    if run.scenario:
        sc = run.scenario
        said = {"kind": "p", "text": f"{run.t('scenario')}: {sc['name']} "
                f"({run.t('hash')} {sc['hash']})" +
                (f". {sc['description']}" if sc.get("description") else ""), "cls": "strong"}
    else:
        said = {"kind": "p", "text": run.t(
            "weights_custom" if run.weights_given else "weights_default")}
    head = [_cell(run.t("component")), _cell(run.t("weight"), "num"), _cell(run.t("evidence"))]
    evidence = {c: (WEIGHT_EVIDENCE_ID.get(c) or DESCRIPTIONS.get(c, c)) if run.lang == "id"
                else DESCRIPTIONS.get(c, c) for c in run.weights}
    labels_of = component_labels()
    groups = [[[_cell(labels_of.get(c, (c, c))[k], "strong"),
                _cell(fmt_num(w, 2, run.lang), "num"), _cell(evidence[c])]]
              for c, w in run.weights.items()]
    # the table first, so that the heading stays with it
    sec.blocks.append(_table(head, groups, "weights keep", [28, 12, 60]))
    sec.blocks.append(said)
    sec.blocks.append({"kind": "p", "text": run.t(
        "params", top=run.top, reference=run.reference, management=run.management) +
        " " + run.t("method", method=run.method)})
    if run.info is not None:
        i = run.info
        sec.blocks.append({"kind": "list", "items": [
            run.t("run_scenario", name=i.scenario, hash=i.scenario_hash),
            run.t("inputs_hash", hash=i.inputs_hash), run.t("run_hash", hash=i.run_hash)]})
        for status, key in (("tidak ada data", "criteria_none"), ("sebagian", "criteria_part")):
            names = i.criteria_with(status)
            if names:
                sec.blocks.append({"kind": "p", "text": run.t(key, names="; ".join(names)),
                                   "cls": "note"})
    sec.blocks += [{"kind": "h3", "text": run.t("h_reading")},
                   {"kind": "p", "text": run.t("read_score")},
                   {"kind": "p", "text": run.t("read_class")},
                   {"kind": "p", "text": run.t("read_lq")},
                   {"kind": "h3", "text": run.t("h_made")},
                   {"kind": "p", "text": run.t("made", date=fmt_date(run.date, run.lang),
                                               version=__version__)}]
    return sec
