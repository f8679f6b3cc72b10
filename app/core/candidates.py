"""Candidate flagship commodities per area: evidence, score, rank and explanation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from app.core import clusters
from app.core.scoring import COLUMNS, parse_weights, score
from app.core.specialisation import counts, specialisation
from app.core.suitability import explain

LONG_COLUMNS = [
    "code", "name", "level", "rank", "commodity", "commodity_name_id", "commodity_name_en",
    "sector", "score", "suitability_class", "suitability_index", "limiting_factors",
    "potential_class", "lq", "lq_raw", "sentra", "workers", "units", "cluster", "gi_p",
    "score_suitability", "score_specialisation", "score_cluster", "score_continuity",
    "score_market", "score_uniqueness", "reason_id", "reason_en",
]  # fmt: skip


def _num(x: float, lang: str, decimals: int = 0) -> str:
    """1,150.5 (en) or 1.150,5 (id)."""
    text = f"{x:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def evidence(ds, level: str = "desa", reference: str = "kabupaten",
             management: str = "rendah") -> pd.DataFrame:
    """The (area, commodity) pairs that may be proposed (:func:`eligible`), with their
    evidence components before weighting."""
    key = ("evidence", level, reference, management)
    if key in ds._cache:
        return ds._cache[key]
    areas = ds.areas(level)
    area_col = "desa_code" if level == "desa" else "kecamatan_code"
    suit = ds.suitability(level, management=management, explain=False, copy=False)
    cnt = counts(ds.sentra(placed_only=True), area_col)
    spec = specialisation(cnt, areas, reference) if len(cnt) else cnt
    # filter before anything else: a national run has millions of pairs
    code_cat = suit["code"].cat.categories
    comm_cat = suit["commodity"].cat.categories
    pair = suit["code"].cat.codes.to_numpy(np.int64) * len(comm_cat) + \
        suit["commodity"].cat.codes.to_numpy(np.int64)
    mask = suit["suitability_class"].isin(["S1", "S2", "S3"]).to_numpy().copy()
    if len(spec):
        sp = (pd.Categorical(spec["code"], categories=code_cat).codes.astype(np.int64)
              * len(comm_cat)
              + pd.Categorical(spec["commodity"], categories=comm_cat).codes.astype(np.int64))
        mask |= np.isin(pair, sp[sp >= 0])
    ev = suit.loc[mask, [c for c in suit.columns if not c.startswith("share_")]].copy()
    for col in ("code", "commodity"):
        ev[col] = ev[col].astype(str)
    ev = ev.merge(spec, on=["code", "commodity"], how="left") if len(spec) else ev
    for col in ("sentra", "workers", "units", "lq_score", "continuity_score", "market_score",
                "uniqueness"):
        ev[col] = ev[col].fillna(0.0) if col in ev else 0.0
    for col in ("lq", "lq_raw", "lq_units", "continuity_years", "market", "first_year"):
        if col not in ev:
            ev[col] = np.nan
    ev["cluster_score"] = 0.0
    ev["gi_z"] = np.nan
    ev["gi_p"] = np.nan
    ev["cluster"] = None
    if len(cnt):
        wide = cnt.pivot_table(index="code", columns="commodity", values="workers",
                               aggfunc="sum", fill_value=0.0).reindex(areas.index, fill_value=0.0)
        wkey = ("contiguity", level)
        if wkey not in ds._cache:
            ds._cache[wkey] = clusters.contiguity(areas)
        w = ds._cache[wkey]
        neigh = clusters.neighbourhood_score(w, areas.index, wide)
        gi = clusters.hot_spots(areas, wide, w=w)
        ev = ev.drop(columns=["cluster_score", "gi_z", "gi_p", "cluster"])
        ev = ev.merge(neigh, on=["code", "commodity"], how="left")
        ev["cluster_score"] = ev["cluster_score"].fillna(0.0)
        ev = ev.merge(gi, on=["code", "commodity"], how="left")
    ds._cache[key] = ev
    return ev


def eligible(ev: pd.DataFrame) -> pd.Series:
    """Pairs that may be proposed: sentra in the area, or land class S1-S3 there."""
    has_sentra = ev["sentra"] > 0
    land_ok = ev["suitability_class"].astype(object).isin(["S1", "S2", "S3"])
    return has_sentra | land_ok


def propose(ds, level: str = "desa", top: int = 3, weights=None, reference: str = "kabupaten",
            management: str = "rendah") -> gpd.GeoDataFrame:
    """Ranked candidates per area, long form (one row per area and rank).

    A commodity is a candidate in an area when it has sentra there, or when the land there
    suits it (S1-S3). A commodity whose land class is N and that has no sentra in the area
    is never proposed.
    """
    if top < 1:
        from app.base.errors import UnggulanError

        raise UnggulanError(f"top must be at least 1, not {top}")
    w = parse_weights(weights)
    ev = evidence(ds, level, reference, management)
    sc = score(ev, w).to_numpy()
    # rank within each area: score, then workers, then commodity id (deterministic)
    order = np.lexsort((ev["commodity"].to_numpy(), -ev["workers"].to_numpy(float), -sc,
                        ev["code"].to_numpy()))
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
    attrs = ds.attributes(level)
    sentra = cand["sentra"].to_numpy(float)
    lq = cand["lq"].to_numpy(float)
    workers = cand["workers"].to_numpy(float)
    cluster = cand["cluster"].to_numpy(object)
    gi_p = cand["gi_p"].to_numpy(float)
    for lang in ("id", "en"):
        land = explain(cand, attrs, ds.requirements, lang).to_numpy(object)
        cand[f"reason_{lang}"] = [
            _reason(land[i], sentra[i], lq[i], workers[i], cluster[i], gi_p[i], lang)
            for i in range(len(cand))
        ]
    for col in ("suitability_class", "limiting_factors", "potential_class"):
        cand[col] = cand[col].astype(object)
    out = gpd.GeoDataFrame(cand[LONG_COLUMNS], geometry=cand["code"].map(areas.geometry).values,
                           crs=areas.crs)
    return out


def _reason(land: str, sentra: float, lq: float, workers: float, cluster, gi_p: float,
            lang: str) -> str:
    parts = [land]
    if sentra > 0:
        lq_txt = "" if np.isnan(lq) else f"LQ {_num(lq, lang, 1)} "
        if lang == "id":
            parts.append(f"{lq_txt}dari {int(sentra)} sentra, {_num(workers, lang)} tenaga kerja")
        else:
            parts.append(f"{lq_txt}from {int(sentra)} sentra, {_num(workers, lang)} workers")
    else:
        parts.append("belum ada sentra" if lang == "id" else "no sentra yet")
    if isinstance(cluster, str) and cluster == "hot spot":
        p = _num(gi_p, lang, 3)
        parts.append(f"hot spot p={p}" if lang == "id" else f"in a hot spot (p={p})")
    return "; ".join(parts)


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
