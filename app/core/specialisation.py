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
    """Per (area, commodity): sentra, workers, units, first year, widest market."""
    s = sentra[sentra[area_col].notna() & sentra["commodity_id"].notna()]
    g = s.groupby([area_col, "commodity_id"], observed=True)
    out = pd.DataFrame({
        "sentra": g.size(),
        "workers": g["workers"].sum(min_count=1).fillna(0.0),
        "units": g["units"].sum(min_count=1).fillna(0.0),
        "first_year": g["year"].min(),
        "market": g["market"].agg(lambda m: max(m.dropna(), key=lambda x: MARKET_SCORE[x])
                                  if m.notna().any() else None),
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
    c["region"] = c["code"].map(region)
    for measure, k, suffix in (("workers", SHRINK_WORKERS, ""), ("units", SHRINK_UNITS,
                                                                  "_units")):
        e_ac = c[measure]
        e_a = c.groupby("code")[measure].transform("sum")
        E_c = c.groupby(["region", "commodity"])[measure].transform("sum")
        E = c.groupby("region")[measure].transform("sum")
        p = (E_c / E).where(E > 0)
        shrunk = (e_ac + k * p) / (e_a + k)
        c[f"lq{suffix}"] = (shrunk / p).where(p > 0)
        if measure == "workers":
            c["lq_raw"] = ((e_ac / e_a) / p).where((e_a > 0) & (p > 0))
            # score: reference share outside the area itself (see the module docstring)
            p_rest = (E_c - e_ac + 1.0) / (E - e_a + 1.0)
            lq_rest = ((e_ac + k * p_rest) / (e_a + k)) / p_rest
            c["lq_score"] = np.clip(np.log2(lq_rest.clip(lower=1.0)) / np.log2(LQ_FULL_SCORE),
                                    0, 1)
            total_c = c.groupby("commodity")[measure].transform("sum")
            c["uniqueness"] = (e_ac / total_c).where(total_c > 0, 0.0)
    yrs = (year - c["first_year"]).clip(lower=0)
    c["continuity_years"] = yrs
    c["continuity_score"] = (yrs / CONTINUITY_FULL_YEARS).clip(upper=1).fillna(0.0)
    c["market_score"] = c["market"].map(MARKET_SCORE).astype(float).fillna(0.0)
    return c.drop(columns="region")
