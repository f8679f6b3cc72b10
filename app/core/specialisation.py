"""Existing specialisation and OVOP product criteria per (area, commodity), from placed sentra.

Location quotient, against a reference region (``kabupaten``, ``province`` or ``dataset``)::

    LQ = (e_ac / e_a) / (E_c / E)

with e the sentra workers (or business units) of the area and E those of the reference
region. Small counts are stabilised by empirical-Bayes style shrinkage: the area's share is
``(e_ac + K * E_c/E) / (e_a + K)`` with ``K = 20`` workers (5 units), so an area with few
workers gets an LQ near 1 instead of a wild one. Raw counts are kept beside it.

For the score (``lq_score``) the reference share is taken over the reference region outside
the area itself, ``(E_c - e_ac + 1) / (E - e_a + 1)``: then an area's own growth can never
lower its own score (with the classic LQ, the only producer of a commodity would see its
LQ fall as it grows, because the region's share grows with it).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from app.base.errors import UnggulanError

SHRINK_WORKERS = 20.0
SHRINK_UNITS = 5.0
LQ_FULL_SCORE = 8.0  # an LQ of 8 or more scores 1 (log2 scale)
CONTINUITY_FULL_YEARS = 20.0
MARKET_SCORE = {"lokal": 0.25, "regional": 0.5, "nasional": 0.75, "ekspor": 1.0}
REFERENCES = ("kabupaten", "province", "dataset")


def counts(sentra: pd.DataFrame, area_col: str) -> pd.DataFrame:
    """Per (area, commodity): sentra, workers, units, first year, widest market.

    Vectorised: sums, minimum and the widest market (the maximum of its rank in
    :data:`MARKET_SCORE`) are Cython group aggregations, no Python function per group.

    Examples
    --------
    >>> s = pd.DataFrame({"desa_code": ["a", "a", "b"], "commodity_id": ["kakao"] * 3,
    ...                   "workers": [10.0, 5.0, None], "units": [2.0, 1.0, 1.0],
    ...                   "year": [2001.0, 1999.0, None],
    ...                   "market": ["lokal", "ekspor", None]})
    >>> counts(s, "desa_code")[["code", "sentra", "workers", "first_year", "market"]
    ...                        ].values.tolist()
    [['a', 2, 15.0, 1999.0, 'ekspor'], ['b', 1, 0.0, nan, nan]]
    """
    s = sentra[sentra[area_col].notna() & sentra["commodity_id"].notna()]
    keys = [s[area_col], s["commodity_id"]]
    g = s.groupby(keys, observed=True)
    order = sorted(MARKET_SCORE, key=MARKET_SCORE.__getitem__)
    rank = s["market"].map({m: float(i) for i, m in enumerate(order)}).astype(float)
    widest = rank.groupby(keys, observed=True).max().to_numpy()
    labels = np.asarray(order + [None], dtype=object)[
        np.where(np.isnan(widest), len(order), np.nan_to_num(widest)).astype(np.int64)]
    size = g.size()
    out = pd.DataFrame({
        "sentra": size,
        "workers": g["workers"].sum(min_count=1).fillna(0.0),
        "units": g["units"].sum(min_count=1).fillna(0.0),
        "first_year": g["year"].min(),
        "market": pd.Series(labels, index=size.index),
    })
    out.index.names = ["code", "commodity"]
    return out.reset_index()


def _region_of(areas: pd.DataFrame, reference: str) -> pd.Series:
    if reference not in REFERENCES:
        raise UnggulanError(f"reference must be one of {', '.join(REFERENCES)}, "
                            f"not '{reference}'")
    if reference == "kabupaten":
        return areas["kabupaten_code"]
    if reference == "province":
        return areas["province_code"]
    return pd.Series("all", index=areas.index)


def specialisation(cnt: pd.DataFrame, areas: pd.DataFrame, reference: str = "kabupaten",
                   year: int | None = None) -> pd.DataFrame:
    """LQ on workers and units, the score components and OVOP criteria per (area, commodity).

    ``cnt`` is :func:`counts` at the areas' level; ``areas`` the boundary frame (for the
    reference region). Returns ``cnt`` with ``lq``, ``lq_raw``, ``lq_units``, ``lq_score``,
    ``continuity_years``, ``continuity_score``, ``market_score``, ``uniqueness``.
    """
    year = year or dt.date.today().year
    region = _region_of(areas, reference)
    c = cnt.copy()
    # group sums by integer codes (area, region, region x commodity, commodity) and
    # np.bincount: the row and column sums of the sparse area x commodity matrices
    area_i = pd.factorize(c["code"])[0]
    comm_i = pd.factorize(c["commodity"])[0]
    reg_i = pd.factorize(c["code"].map(region))[0]
    n_comm = int(comm_i.max()) + 1 if len(c) else 1
    reg_comm_i = np.where((reg_i >= 0) & (comm_i >= 0),
                          pd.factorize(reg_i.astype(np.int64) * n_comm + comm_i)[0], -1)
    for measure, k, suffix in (("workers", SHRINK_WORKERS, ""), ("units", SHRINK_UNITS,
                                                                  "_units")):
        e_ac = c[measure].to_numpy(dtype=float)
        e_a = _group_sum(area_i, e_ac)
        E_c = _group_sum(reg_comm_i, e_ac)
        E = _group_sum(reg_i, e_ac)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(E > 0, E_c / E, np.nan)
            shrunk = (e_ac + k * p) / (e_a + k)
            c[f"lq{suffix}"] = np.where(p > 0, shrunk / p, np.nan)
            if measure == "workers":
                c["lq_raw"] = np.where((e_a > 0) & (p > 0), (e_ac / e_a) / p, np.nan)
                # score: reference share outside the area itself (see the module docstring)
                p_rest = (E_c - e_ac + 1.0) / (E - e_a + 1.0)
                lq_rest = ((e_ac + k * p_rest) / (e_a + k)) / p_rest
                c["lq_score"] = np.clip(np.log2(np.clip(lq_rest, 1.0, None))
                                        / np.log2(LQ_FULL_SCORE), 0, 1)
                total_c = _group_sum(comm_i, e_ac)
                c["uniqueness"] = np.where(total_c > 0, e_ac / total_c, 0.0)
    yrs = (year - c["first_year"]).clip(lower=0)
    c["continuity_years"] = yrs
    c["continuity_score"] = (yrs / CONTINUITY_FULL_YEARS).clip(upper=1).fillna(0.0)
    c["market_score"] = c["market"].map(MARKET_SCORE).astype(float).fillna(0.0)
    return c


def _group_sum(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over the rows with the same key (missing values count
    as 0, like pandas' sum); NaN where the key is -1 (missing)."""
    ok = keys >= 0
    out = np.full(len(keys), np.nan)
    if ok.any():
        tot = np.bincount(keys[ok], weights=np.nan_to_num(values[ok], nan=0.0))
        out[ok] = tot[keys[ok]]
    return out
