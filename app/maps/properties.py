"""What the map pages say about each area, and their legends.

The properties of a page's features (``unggulan.js`` draws the popups, the search list and
the colours from them): per area its name, kecamatan and ranked candidates
(:func:`candidate_props`) or one commodity's class, score and quadrant
(:func:`commodity_props`); the placed sentra (:func:`sentra_points`); the legend of a level's
top candidates (:func:`top_legend`, :func:`legend_info`); and which commodities have a
commodity view (:func:`viewable`, :func:`commodity_views`).

The commodity view's score of an area is the score the candidates rank for that pair under
the page's scenario (:meth:`unggulan.core.dataset.Dataset.scores`): method, reference,
management level and weights alike.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from unggulan.base import palette
from unggulan.core.activity.dlq import QUADRANTS as QUADRANT_LABELS
from unggulan.core.inputs.commodities import SECTORS
from unggulan.core.land.suitability import status_of
from unggulan.core.outputs.labels import (
    BASIS,
    LAND_ONLY,
    basis_counts,
    legend_counts,
    proper_case,
    rank_label,
)
from unggulan.core.ranking.run import default_scenario
from unggulan.maps.geometry import PRECISION

#: the views of a commodity page
VIEWS = ("class", "score", "quadrant")
#: SLQ x DLQ quadrants (:data:`unggulan.core.activity.dlq.QUADRANTS`, the default
#: convention) in legend order: (label, English label, rule)
QUADRANTS = tuple(
    (label, en, f"SLQ{'>' if hi_s else '≤'}1, DLQ{'>' if hi_d else '≤'}1")
    for (hi_s, hi_d), (label, en) in QUADRANT_LABELS.items())


def _num(x, digits: int = 2):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, digits)


def _text(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA \
        else str(x)


def area_base(areas: pd.DataFrame, level: str) -> list[dict]:
    """Per area: ``code``, ``name``, ``level``, ``kec`` (its kecamatan), ``dc`` (1 where the
    tool derived the code from names) and ``label``, what the search box lists: "name
    (kecamatan)", with the code where that repeats."""
    codes = areas["code"].to_numpy(object)
    names = areas["name"].to_numpy(object)
    kec = areas["kecamatan_name"].to_numpy(object) if "kecamatan_name" in areas else \
        [None] * len(areas)
    out = [{"code": str(c), "name": _text(proper_case(n)), "level": level,
            "kec": _text(proper_case(k))} for c, n, k in zip(codes, names, kec)]
    if "code_derived" in areas:  # codes the tool derived from names: marked on the page
        for p, d in zip(out, areas["code_derived"].to_numpy(object)):
            if d is True or d == 1:
                p["dc"] = 1
    labels = [f"{p['name']} ({p['kec']})" if p["kec"] else str(p["name"]) for p in out]
    seen = pd.Series(labels).duplicated(keep=False).to_numpy()
    for p, label, dup in zip(out, labels, seen):
        p["label"] = f"{label} · {p['code']}" if dup else label
    return out


def evidence_basis(x) -> str | None:
    """The candidate's evidence basis when it is one of
    :data:`~unggulan.core.outputs.labels.BASIS`."""
    return x if isinstance(x, str) and x in BASIS else None


def candidate_props(ds, level: str, top: int, weights, codes=None, scenario=None
                    ) -> tuple[list[dict], pd.DataFrame]:
    """Per area (all, or ``codes`` in that order): name and its ranked candidates ``c`` =
    [commodity, score, class, limiting factors, LQ, sentra, workers, reason_id, reason_en],
    and ``st`` = [stability of the first candidate (0-1), challenger] where the level is
    small enough (:meth:`unggulan.core.dataset.Dataset.area_stability`); and the level's
    candidates.
    ``scenario`` (an :class:`unggulan.core.scenario.Scenario`) replaces ``top`` and ``weights``."""
    areas = ds.areas(level)
    sc = scenario if scenario is not None else default_scenario(weights, top=top)
    cand = ds.candidates(level, scenario=sc)
    stab = ds.area_stability(level, sc)
    stab = stab.set_index("code") if stab is not None else None
    if codes is not None:
        areas = areas.loc[list(codes)]
        props = area_base(areas, level)
        rows = cand[cand["code"].isin(set(codes))]
    else:
        props = area_base(areas, level)
        rows = cand
    cols = ["code", "commodity", "score", "suitability_class", "limiting_factors", "lq",
            "sentra", "workers", "reason_id", "reason_en"]
    arr = {c: rows[c].to_numpy(object) for c in cols}
    n = len(rows)
    # optional columns: the statistics' SLQ (shown where the sentra give no LQ), the evidence
    # basis and the rank label of shared ranks (unggulan.core scoring, issue #30)
    opt_cols = {c: rows[c].to_numpy(object) if c in rows else [None] * n
                for c in ("slq", "basis", "rank", "rank_label")}
    by_code: dict[str, list] = {}
    for i in range(n):
        lq, kind = _num(arr["lq"][i], 2), None
        if lq is None:
            lq = _num(opt_cols["slq"][i], 2)
            kind = "slq" if lq is not None else None
        label = rank_label(opt_cols["rank"][i], opt_cols["rank_label"][i]) \
            if opt_cols["rank"][i] is not None else None
        by_code.setdefault(str(arr["code"][i]), []).append([
            str(arr["commodity"][i]), _num(arr["score"][i], 1),
            _text(arr["suitability_class"][i]), _text(arr["limiting_factors"][i]),
            lq, int(_num(arr["sentra"][i], 0) or 0), int(_num(arr["workers"][i], 0) or 0),
            _text(arr["reason_id"][i]), _text(arr["reason_en"][i]),
            evidence_basis(opt_cols["basis"][i]), label, kind])
    for p in props:
        c = by_code.get(p["code"], [])
        p["c"] = c
        p["top"] = c[0][0] if c else None
        if c and c[0][9] == LAND_ONLY:
            p["lo"] = 1  # drawn pale: the top candidate rests on land potential only
        if stab is not None and c and p["code"] in stab.index:
            r = stab.loc[p["code"]]
            p["st"] = [_num(r["stability"], 3), _text(r["stability_challenger"])]
    return props, cand


# ---------------------------------------------------------------------- names, sentra, legend
def commodity_names(ds, ids) -> dict[str, list[str]]:
    """[name_id, name_en] per commodity id of ``ids`` (the id itself for one the catalogue
    does not hold), sorted by id."""
    cat = ds.catalogue.frame
    out = {}
    for i in sorted({str(x) for x in ids if isinstance(x, str)}):
        if i in cat.index:
            out[i] = [str(cat.at[i, "name_id"]), str(cat.at[i, "name_en"])]
        else:
            out[i] = [i, i]
    return out


def sector_info() -> dict:
    """The sectors with their names in both languages and their colour."""
    return {k: {"id": v["id"], "en": v["en"], "color": palette.SECTOR_COLOURS[k]}
            for k, v in SECTORS.items()}


def sentra_points(ds, commodity: str | None = None, codes=None) -> list[list]:
    """Placed sentra as [lat, lon, sector, commodity, name, units, workers, desa name]."""
    s = ds.sentra(placed_only=True)
    if commodity is not None:
        s = s[s["commodity_id"] == commodity]
    if codes is not None:
        s = s[s["desa_code"].isin(codes) | s["kecamatan_code"].isin(codes)]
    s = s[s.geometry.notna() & ~s.geometry.is_empty]
    desa = ds.areas("desa")["name"] if "desa" in ds.levels else pd.Series(dtype=object)
    xs, ys = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    cols = {c: s[c].to_numpy(object) for c in ("sector", "commodity_id", "sentra_name",
                                                  "units", "workers", "desa_code")}
    out = []
    for i in range(len(s)):
        out.append([round(float(ys[i]), PRECISION), round(float(xs[i]), PRECISION),
                    _text(cols["sector"][i]), _text(cols["commodity_id"][i]),
                    _text(cols["sentra_name"][i]), _num(cols["units"][i], 0),
                    _num(cols["workers"][i], 0), _text(desa.get(cols["desa_code"][i]))])
    return out


def top_legend(ds, tops: list, bases: list | None = None, scenario=None) -> dict:
    """Palette (the run's: :meth:`~unggulan.core.dataset.Dataset.palette` of ``scenario``, the
    dataset's palette plus the run's own leaders), legend counts and
    commodity names of a level's top candidates (one commodity id, or None, per area), and
    with ``bases`` (the top candidate's evidence basis per area) the areas per basis.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> info = top_legend(Dataset.open(), ["kakao", "kakao", "padi", None])
    >>> info["counts"][0], info["commodities"]["kakao"]
    (['kakao', 2], ['Kakao', 'Cocoa'])
    """
    tops = [t if isinstance(t, str) and t else None for t in tops]
    colours = ds.palette(scenario)
    counts, other = legend_counts(colours, tops)
    present = {t for t in tops if t}
    return {"palette": {c: col for c, col in colours.items()},
            "counts": counts, "otherCount": other,
            "basisCounts": basis_counts(bases or []),
            "commodities": commodity_names(ds, present | set(colours))}


def legend_info(ds, props: list[dict], scenario=None) -> dict:
    """Palette, legend counts and commodity names of a level's top candidates."""
    info = top_legend(ds, [p["top"] for p in props],
                      [p["c"][0][9] if p.get("c") else None for p in props], scenario)
    ids = {c[0] for p in props for c in p["c"]} | set(info["palette"])
    info["commodities"] = commodity_names(ds, ids)
    return info


# ---------------------------------------------------------------------- commodity views
def present_ids(ds) -> set[str]:
    """Commodities the dataset's data hold: with sentra, with statistics of a level, or a
    candidate somewhere under the default scenario."""
    def build() -> frozenset:
        ids = set(ds.sentra()["commodity_id"].dropna().astype(str))
        st = ds.statistics()
        ids |= set(st.loc[st["level"].isin(ds.levels), "commodity"].dropna().astype(str))
        sc = default_scenario(None, top=3)
        for lv in ds.levels:
            try:
                ids |= set(ds.candidates(lv, scenario=sc)["commodity"].astype(str))
            except Exception:  # noqa: BLE001 - no candidates: the other sources stay
                pass
        return frozenset(ids)

    return set(ds.cached(("map-present",), build))


def viewable(ds) -> list[str]:
    """Commodities worth a commodity view, those in the data first (by name), then those
    with land requirements only (by name; none without rasters: their view would be
    empty)."""
    present = present_ids(ds)
    assessed = set()
    if ds.rasters:
        for cid in ds.catalogue.items:
            status, _ = status_of(cid, ds.catalogue, ds.requirements)
            if status in ("assessed", "inherited"):
                assessed.add(cid)
    cat = ds.catalogue.frame

    def key(i):
        return str(cat.at[i, "name_id"]).lower() if i in cat.index else i

    return sorted(present, key=key) + sorted(assessed - present, key=key)


def present(ds, viewable_ids: list[str]) -> list[str]:
    """Those of ``viewable_ids`` that the data hold (the menu's first group)."""
    held = present_ids(ds)
    return [c for c in viewable_ids if c in held]


def commodity_views(ds, commodity: str) -> list[str]:
    """The views a commodity has in ``ds``: ``class`` (land classes: rasters and land
    requirements), ``quadrant`` (statistics of a level), ``score`` (always; empty where the
    commodity is no candidate), in the order a page picks its default."""
    status, _ = status_of(commodity, ds.catalogue, ds.requirements)
    views = ["class"] if ds.rasters and status in ("assessed", "inherited") else []
    st = ds.statistics(commodity=commodity)
    if len(st) and len(st[st["level"].isin(ds.levels)]):
        views.append("quadrant")
    views.append("score")
    return views


def commodity_scores(ds, level: str, commodity: str, scenario) -> pd.DataFrame:
    """The (area, ``commodity``) pairs the candidates of ``scenario`` rank, one row per area
    indexed by code, with their score and its components
    (:meth:`unggulan.core.dataset.Dataset.scores`): an area's score on the commodity page is
    its candidate score, under the scenario's method, reference, management level and
    weights."""
    pairs = ds.scores(level, scenario=scenario)
    return pairs[pairs["commodity"] == commodity].set_index("code")


def commodity_props(ds, level: str, commodity: str, view: str, scenario=None
                    ) -> tuple[list, list]:
    """Per area: the commodity's class ``k``, limiting factors ``lim``, score ``s`` (the
    candidates' score of the pair under ``scenario``, :func:`commodity_scores`), legend
    bin ``b``, sentra count ``n`` and where the statistics give them ``slq``, ``dlq`` and
    quadrant ``q`` (for the scenario's reference and statistics); and the legend bins.
    ``scenario`` None: the default scenario."""
    sc = scenario if scenario is not None else default_scenario()
    ds.catalogue.get(commodity)
    areas = ds.areas(level)
    props = area_base(areas, level)
    suit = ds.suitability(level, commodities=[commodity], explain=False).set_index("code")
    scores = commodity_scores(ds, level, commodity, sc)["score"]
    col = "desa_code" if level == "desa" else "kecamatan_code"
    s = ds.sentra(placed_only=True)
    nsentra = s[s["commodity_id"] == commodity][col].value_counts()
    klass = suit["suitability_class"].astype(object)
    lim = suit["limiting_factors"].astype(object)
    ev = ds.evidence(level, sc)
    ev = ev[ev["commodity"] == commodity]
    quad = ev.set_index("code")[["slq", "dlq", "quadrant"]] if "quadrant" in ev else None
    if view == "class":
        keys = ["S1", "S2", "S3", "N"]
        legend = [{"key": k, "label": k, "color": palette.CLASS_COLOURS[k]} for k in keys]
        lookup = {k: i for i, k in enumerate(keys)}
    elif view == "quadrant":
        legend = [{"key": k, "label": f"{k} ({rule})", "label_en": f"{en} ({rule})",
                   "color": palette.QUADRANT_COLOURS[k]} for k, en, rule in QUADRANTS]
        lookup = {k: i for i, (k, _, _) in enumerate(QUADRANTS)}
    else:
        legend, edges = score_bins(scores.to_numpy(float))
    for p in props:
        code = p["code"]
        k = _text(klass.get(code))
        p["k"] = k
        p["lim"] = _text(lim.get(code))
        value = scores.get(code)
        p["s"] = _num(value, 1) if value is not None else None
        p["n"] = int(nsentra.get(code, 0))
        if quad is not None and code in quad.index:
            q = quad.loc[code]
            p["slq"], p["dlq"], p["q"] = _num(q["slq"]), _num(q["dlq"]), _text(q["quadrant"])
        if view == "class":
            p["b"] = lookup.get(k, -1)
        elif view == "quadrant":
            p["b"] = lookup.get(p.get("q"), -1)
        else:
            p["b"] = int(np.searchsorted(edges, value, side="left")) if value is not None \
                else -1
            if p["b"] >= len(legend):
                p["b"] = len(legend) - 1
    return props, legend


def score_bins(values: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Natural-breaks (Jenks) classes of the scores, at most five, as legend entries.

    Jenks' natural breaks are k-means in one dimension, as mapclassify's ``NaturalBreaks``
    computes them with scikit-learn's ``KMeans``, here with a fixed seed: mapclassify's own
    starts at random, so two worker processes could bin the same area differently.

    >>> legend, edges = score_bins(np.array([1.0, 2, 3, 50, 51, 52, 90, 91, 92, 93]))
    >>> edges.tolist(), [e["label"] for e in legend][:2]
    ([1.0, 3.0, 52.0, 91.0, 93.0], ['1.0–1.0', '1.0–3.0'])
    """
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return [], np.array([])
    k = min(5, len(np.unique(values)))
    if k < 2:
        edges = np.array([values.max()])
    else:
        # (scikit-learn: mapclassify's natural breaks) imported here: 1.5 s of a service's
        # start otherwise (#34)
        from sklearn.cluster import KMeans

        fit = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0).fit(
            values.reshape(-1, 1).astype(float))
        edges = np.sort([values[fit.labels_ == c].max() for c in range(k)]).astype(float)
    colours = palette.SCORE_COLOURS[-len(edges):] if len(edges) < 5 else palette.SCORE_COLOURS
    lo = values.min()
    legend = []
    for i, hi in enumerate(edges):
        legend.append({"key": str(i), "label": f"{lo:.1f}–{hi:.1f}", "lo": round(float(lo), 1),
                       "hi": round(float(hi), 1), "color": colours[i]})
        lo = hi
    return legend, edges
