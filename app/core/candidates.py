"""Candidate flagship commodities per area: evidence, score, rank and explanation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from app.core import clusters
from app.core.scoring import ACTIVITY_COMPONENTS, COLUMNS, parse_weights, score
from app.core.specialisation import counts, specialisation
from app.core.suitability import explain

LONG_COLUMNS = [
    "code", "name", "level", "rank", "commodity", "commodity_name_id", "commodity_name_en",
    "sector", "score", "suitability_class", "suitability_index", "limiting_factors",
    "potential_class", "lq", "lq_raw", "sentra", "workers", "units", "cluster", "gi_p",
    "slq", "dlq", "quadrant", "stat_measure", "stat_level", "stat_share", "period", "active",
    "activity_tier", "score_suitability", "score_specialisation", "score_scale", "score_trend",
    "score_cluster", "score_continuity", "score_market", "score_uniqueness",
    "reason_id", "reason_en",
]  # fmt: skip
STAT_LQ_FULL = 4.0  # a statistics SLQ of 4 or more scores 1 (log2 scale)
SCALE_FULL = 0.5  # half of the area's output (or sentra workers) scores 1
DOMINANT_SHARE = 0.25  # explanations call a commodity dominant from this share


def _num(x: float, lang: str, decimals: int = 0) -> str:
    """1,150.5 (en) or 1.150,5 (id)."""
    text = f"{x:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def evidence(ds, level: str = "desa", reference: str = "kabupaten",
             management: str = "rendah", period: tuple[int, int] | None = None,
             measure: str | None = None) -> pd.DataFrame:
    """The (area, commodity) pairs that may be proposed, with their evidence components
    before weighting.

    A pair may be proposed when the area produces the commodity (sentra there, or a
    statistics value above zero for the area or, for a desa, its kecamatan), or when its
    land is S1-S3 — except a processed product (one with a raw material in the catalogue),
    which needs its own or its raw material's activity in the area: it is never proposed
    from land alone.
    """
    key = ("evidence", level, reference, management, period, measure)
    return ds.cached(key, lambda: _evidence(ds, level, reference, management, period,
                                            measure))


def _evidence(ds, level: str, reference: str, management: str,
              period: tuple[int, int] | None, measure: str | None) -> pd.DataFrame:
    from app.core.activity import evidence_for_level

    areas = ds.areas(level)
    area_col = "desa_code" if level == "desa" else "kecamatan_code"
    suit = ds.suitability(level, management=management, explain=False, copy=False)
    cnt = counts(ds.sentra(placed_only=True), area_col)
    spec = specialisation(cnt, areas, reference) if len(cnt) else cnt
    stats = evidence_for_level(ds, level, period, reference, measure)
    stats = stats[stats["code"].isin(areas.index)]
    # filter before anything else: a national run has millions of pairs
    code_cat = suit["code"].cat.categories
    comm_cat = suit["commodity"].cat.categories
    n_comm = len(comm_cat)

    def pair_keys(frame: pd.DataFrame) -> np.ndarray:
        k = (pd.Categorical(frame["code"], categories=code_cat).codes.astype(np.int64) * n_comm
             + pd.Categorical(frame["commodity"], categories=comm_cat).codes.astype(np.int64))
        return k[(k >= 0) & (frame["commodity"].isin(comm_cat).to_numpy())]

    pair = suit["code"].cat.codes.to_numpy(np.int64) * n_comm + \
        suit["commodity"].cat.codes.to_numpy(np.int64)
    active_keys = np.concatenate([
        pair_keys(spec) if len(spec) else np.empty(0, np.int64),
        pair_keys(stats[stats["stat_value"] > 0]) if len(stats) else np.empty(0, np.int64),
    ])
    active = np.isin(pair, active_keys)
    land_ok = suit["suitability_class"].isin(["S1", "S2", "S3"]).to_numpy()
    processed = _processed(ds.catalogue, comm_cat)
    if processed:
        # a processed product from land alone only where its raw material is produced
        raw_of = {c: ds.catalogue.get(c).raw_material for c in processed}
        comm_idx = {c: i for i, c in enumerate(comm_cat)}
        active_sorted = np.unique(active_keys)
        comm_i = suit["commodity"].cat.codes.to_numpy()
        is_proc = np.isin(comm_i, [comm_idx[c] for c in processed])
        codes_i = suit["code"].cat.codes.to_numpy(np.int64)
        ok = np.zeros(len(suit), dtype=bool)
        todo = np.flatnonzero(is_proc & land_ok & ~active)
        for c in processed:  # one pass per processed product, vectorised over its rows
            rows = todo[comm_i[todo] == comm_idx[c]]
            for r in raw_of[c]:
                if r in comm_idx and len(rows):
                    ok[rows] |= np.isin(codes_i[rows] * n_comm + comm_idx[r], active_sorted)
        land_ok = land_ok & (~is_proc | ok)
    mask = land_ok | active
    ev = suit.loc[mask, [c for c in suit.columns
                         if not c.startswith("share_") or c == "share_s1"]].copy()
    for col in ("code", "commodity"):
        ev[col] = ev[col].astype(str)
    ev = ev.merge(spec, on=["code", "commodity"], how="left") if len(spec) else ev
    for col in ("sentra", "workers", "units", "lq_score", "continuity_score", "market_score",
                "uniqueness"):
        ev[col] = ev[col].fillna(0.0) if col in ev else 0.0
    for col in ("lq", "lq_raw", "lq_units", "continuity_years", "market", "first_year"):
        if col not in ev:
            ev[col] = np.nan
    if len(stats):
        ev = ev.merge(stats, on=["code", "commodity"], how="left")
    else:
        for col in stats.columns.drop(["code", "commodity"]):
            ev[col] = np.nan
    ev = add_components(ev, level, copy=False)  # ev is this function's own frame
    ev["cluster_score"] = 0.0
    ev["gi_z"] = np.nan
    ev["gi_p"] = np.nan
    ev["cluster"] = None
    if len(cnt):
        wide = cnt.pivot_table(index="code", columns="commodity", values="workers",
                               aggfunc="sum", fill_value=0.0).reindex(areas.index, fill_value=0.0)
        w = ds.cached(("contiguity", level), lambda: clusters.contiguity(areas))
        # one row per evidence row (aligned), not every area x commodity
        cl = clusters.cluster_evidence(w, areas.index, wide, ev)
        for col in ("cluster_score", "gi_z", "gi_p", "cluster"):
            ev[col] = cl[col].to_numpy()
    return ev


def add_components(ev: pd.DataFrame, level: str | None = None, copy: bool = True
                   ) -> pd.DataFrame:
    """The activity components from the evidence columns (``workers``, ``sentra``,
    ``lq_score``, and where statistics exist ``stat_value``, ``stat_share``, ``slq``,
    ``dlq``): ``sentra_share``, ``active``, ``specialisation_score``, ``scale_score``,
    ``trend_score`` (see :mod:`app.core.scoring`)."""
    ev = ev.copy() if copy else ev
    for col in ("stat_value", "stat_share", "slq", "dlq"):
        if col not in ev:
            ev[col] = np.nan
    area_workers = ev.groupby("code")["workers"].transform("sum").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sentra_share = np.where(area_workers > 0, ev["workers"].to_numpy(float) / area_workers,
                                0.0)
        slq = ev["slq"].to_numpy(float)
        slq_score = np.clip(np.log2(np.clip(np.nan_to_num(slq, nan=1.0), 1.0, None))
                            / np.log2(STAT_LQ_FULL), 0, 1)
        dlq = ev["dlq"].to_numpy(float)
        trend = np.where(np.isfinite(dlq) & (dlq > 0),
                         np.clip(0.5 + np.log2(np.where(dlq > 0, dlq, 1.0)) / 4, 0, 1),
                         np.where(dlq == 0, 0.0, np.nan))
    ev["sentra_share"] = sentra_share
    sentra = ev["sentra"].to_numpy(float) if "sentra" in ev else np.zeros(len(ev))
    stat_on = ev["stat_value"].to_numpy(float) > 0
    ev["active"] = (sentra > 0) | stat_on
    # own activity (the area's sentra or statistics) before its kecamatan's figures
    inherited = stat_on & (ev["stat_level"].to_numpy(object) != level) \
        if level is not None and "stat_level" in ev else np.zeros(len(ev), dtype=bool)
    ev["activity_tier"] = np.where((sentra > 0) | (stat_on & ~inherited), 2,
                                   np.where(stat_on, 1, 0))
    ev["specialisation_score"] = np.maximum(ev["lq_score"].to_numpy(float), slq_score)
    ev["scale_score"] = np.clip(np.fmax(sentra_share, np.nan_to_num(
        ev["stat_share"].to_numpy(float))) / SCALE_FULL, 0, 1)
    ev["trend_score"] = trend
    return ev


def _processed(catalogue, ids) -> list[str]:
    return [c for c in ids if c in catalogue and catalogue.get(c).raw_material]


def eligible(ev: pd.DataFrame) -> pd.Series:
    """Pairs that may be proposed: activity in the area, or land class S1-S3 there."""
    land_ok = ev["suitability_class"].astype(object).isin(["S1", "S2", "S3"])
    active = ev["active"].astype(bool) if "active" in ev else ev["sentra"] > 0
    return active | land_ok


def rank_order(ev: pd.DataFrame, sc: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """Row order: by area; within an area pairs with the area's own activity first, then
    those with activity only in its kecamatan's statistics (while any activity component has
    weight), then by score, then by evidence: the continuous land index, the
    share of S1 land, the neighbours' activity, workers, the share of output; the
    commodity id only as the last resort (identical evidence)."""
    tier = ev["activity_tier"].to_numpy(np.int8) \
        if sum(weights[c] for c in ACTIVITY_COMPONENTS) > 0 else np.zeros(len(ev), np.int8)

    def desc(col: str) -> np.ndarray:
        v = ev[col].to_numpy(float) if col in ev else np.zeros(len(ev))
        return -np.nan_to_num(v, nan=-1.0)

    return np.lexsort((
        pd.factorize(ev["commodity"], sort=True)[0], desc("stat_share"), desc("workers"),
        desc("cluster_score"),
        desc("share_s1"), desc("suitability_index"), -np.round(sc, 6), -tier,
        pd.factorize(ev["code"], sort=True)[0],  # integer codes: sorting strings is slow
    ))


def propose(ds, level: str = "desa", top: int = 3, weights=None, reference: str = "kabupaten",
            management: str = "rendah", period: tuple[int, int] | None = None,
            measure: str | None = None, method: str = "weighted_sum",
            commodities: list[str] | None = None, vikor_v: float = 0.5) -> gpd.GeoDataFrame:
    """Ranked candidates per area, long form (one row per area and rank).

    A commodity is a candidate in an area when the area produces it (sentra or statistics)
    or when the land there suits it (S1-S3; processed products need their raw material's
    activity, see :func:`evidence`). A commodity whose land is N and that the area does not
    produce is never proposed; one that the area produces is kept on any land, and its
    explanation says both.
    """
    if top < 1:
        from app.base.errors import UnggulanError

        raise UnggulanError(f"top must be at least 1, not {top}")
    w = parse_weights(weights)
    ev = evidence(ds, level, reference, management, period, measure)
    if commodities:
        ev = ev[ev["commodity"].isin(set(commodities))].reset_index(drop=True)
    sc = scores_of(ev, w, method, vikor_v)
    order = rank_order(ev, sc, w)
    codes = ev["code"].to_numpy()[order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(codes)), 0))
    rank = np.arange(len(codes)) - group_start + 1
    keep = order[rank <= top]
    cand = ev.iloc[keep].copy()
    cand["score"] = sc[keep]
    cand["rank"] = rank[rank <= top]
    cand = cand.reset_index(drop=True)

    areas = ds.areas(level)
    cat = ds.catalogue.frame
    cand["name"] = cand["code"].map(areas["name"])
    cand["level"] = level
    cand["commodity_name_id"] = cand["commodity"].map(cat["name_id"])
    cand["commodity_name_en"] = cand["commodity"].map(cat["name_en"])
    cand["sector"] = cand["commodity"].map(cat["sector"])
    for comp, col in COLUMNS.items():
        cand[f"score_{comp}"] = cand[col]
    cand["period"] = [f"{int(a)}-{int(b)}" if pd.notna(a) else None
                      for a, b in zip(cand["period_start"], cand["period_end"])]
    attrs = ds.attributes(level)
    for lang in ("id", "en"):
        land = explain(cand, attrs, ds.requirements, lang).to_numpy(object)
        cand[f"reason_{lang}"] = reasons(cand, land, lang)
    for col in ("suitability_class", "limiting_factors", "potential_class", "quadrant",
                "stat_measure", "stat_level"):
        cand[col] = cand[col].astype(object)
    out = gpd.GeoDataFrame(cand[LONG_COLUMNS], geometry=cand["code"].map(areas.geometry).values,
                           crs=areas.crs)
    return out


def scores_of(ev: pd.DataFrame, weights: dict[str, float], method: str = "weighted_sum",
              vikor_v: float = 0.5) -> np.ndarray:
    """Scores 0-100 by an aggregation method: ``weighted_sum`` (:func:`scoring.score`),
    ``topsis`` or ``vikor`` (:mod:`app.core.mcda`, candidates compared within each area)."""
    if method == "weighted_sum":
        return score(ev, weights).to_numpy()
    from app.core.mcda import aggregate

    if method not in ("topsis", "vikor"):
        from app.base.errors import UnggulanError

        raise UnggulanError(f"method must be weighted_sum, topsis or vikor, not '{method}'",
                            field="method")
    return aggregate(ev, COLUMNS, weights, method, v=vikor_v).to_numpy()


def _zero_nan(x: float) -> float:
    """``np.nan_to_num`` for one float, without numpy's per-call cost."""
    return 0.0 if x != x else x


def reasons(cand: pd.DataFrame, land: np.ndarray, lang: str) -> list[str]:
    """One sentence per candidate: what the area produces (statistics, sentra), then its
    land, then a hot spot."""
    from app.core.activity import MEASURE_LABEL

    cols = {c: cand[c].to_numpy(object) for c in (
        "sentra", "lq", "workers", "cluster", "gi_p", "slq", "dlq", "quadrant", "quadrant_en",
        "stat_measure", "stat_share", "stat_level", "period", "sentra_share", "active")}
    out = []
    for i in range(len(cand)):
        def v(c, i=i):
            return cols[c][i]

        def f(c, i=i):
            x = cols[c][i]
            return float(x) if x is not None and pd.notna(x) else np.nan

        parts = []
        measure = v("stat_measure")
        if isinstance(measure, str):
            lab = MEASURE_LABEL.get(measure, (measure, measure))[0 if lang == "id" else 1]
            whose = ""
            if v("stat_level") == "kecamatan" and cand["level"].iat[i] == "desa":
                whose = " kecamatan" if lang == "id" else " of the kecamatan"
            text = (f"LQ {lab.lower()}{whose} {_num(f('slq'), lang, 1)} ({v('period')})"
                    if lang == "id" else
                    f"{lab.lower()} LQ{whose} {_num(f('slq'), lang, 1)} ({v('period')})") \
                if not np.isnan(f("slq")) else ""
            if not np.isnan(f("dlq")):
                q = v("quadrant") if lang == "id" else v("quadrant_en")
                text += f", DLQ {_num(f('dlq'), lang, 1)}" + (f": {q}" if q else "")
            if text:
                parts.append(text)
        stat_share, sentra_share = _zero_nan(f("stat_share")), _zero_nan(f("sentra_share"))
        share = max(stat_share, sentra_share)
        if share >= DOMINANT_SHARE:
            pct = f"{share * 100:.0f}%"
            if stat_share >= sentra_share:
                lab = MEASURE_LABEL.get(measure, (measure, measure))
                where = ("kecamatan" if v("stat_level") == "kecamatan" else
                         ("desa" if cand["level"].iat[i] == "desa" else "kecamatan"))
                parts.append(f"dominan: {pct} {lab[0].lower()} {where}" if lang == "id" else
                             f"dominant: {pct} of the {where}'s {lab[1].lower()}")
            else:
                parts.append(f"dominan: {pct} tenaga kerja sentra" if lang == "id" else
                             f"dominant: {pct} of the sentra workers")
        if f("sentra") > 0:
            lq = f("lq")
            lq_txt = "" if np.isnan(lq) else f"LQ {_num(lq, lang, 1)} "
            if lang == "id":
                parts.append(f"{lq_txt}dari {int(f('sentra'))} sentra, "
                             f"{_num(f('workers'), lang)} tenaga kerja")
            else:
                parts.append(f"{lq_txt}from {int(f('sentra'))} sentra, "
                             f"{_num(f('workers'), lang)} workers")
        if not v("active"):
            parts.append("belum ada produksi atau sentra" if lang == "id" else
                         "not produced here yet (land only)")
        if isinstance(land[i], str) and land[i]:
            parts.append(("lahan " if lang == "id" else "land ") + land[i])
        if isinstance(v("cluster"), str) and v("cluster") == "hot spot":
            p = _num(f("gi_p"), lang, 3)
            parts.append(f"hot spot p={p}" if lang == "id" else f"in a hot spot (p={p})")
        out.append("; ".join(parts))
    return out


def to_wide(long: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, top: int) -> gpd.GeoDataFrame:
    """One feature per area: top1..topN commodity, score and class."""
    base = areas[["code", "name", "level", "geometry"]].reset_index(drop=True)
    for k in range(1, top + 1):
        r = long[long["rank"] == k].set_index("code")
        base[f"top{k}"] = base["code"].map(r["commodity"])
        base[f"top{k}_name"] = base["code"].map(r["commodity_name_id"])
        base[f"top{k}_score"] = base["code"].map(r["score"])
        base[f"top{k}_class"] = base["code"].map(r["suitability_class"])
    base["top1_reason_id"] = base["code"].map(long[long["rank"] == 1].set_index("code")[
        "reason_id"])
    base["top1_reason_en"] = base["code"].map(long[long["rank"] == 1].set_index("code")[
        "reason_en"])
    base["candidates"] = base["code"].map(long.groupby("code").size()).fillna(0).astype(int)
    return gpd.GeoDataFrame(base, geometry="geometry", crs=areas.crs)
