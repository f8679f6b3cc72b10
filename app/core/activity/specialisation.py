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

The reference-region totals may be summed elsewhere and handed in (``totals=``): the Dask
path (:mod:`unggulan.core.partitioned`) adds up each partition's :func:`reference_totals` with
:func:`combine_totals`, and :func:`specialisation` of one partition's counts with those
totals gives its rows exactly the values of the single-process run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError

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


def region_of(areas: pd.DataFrame, reference: str) -> pd.Series:
    """The reference region of each area (indexed like ``areas``): its kabupaten, its
    province, or ``"all"`` (``reference="dataset"``).

    Examples
    --------
    >>> a = pd.DataFrame({"kabupaten_code": ["73.08", "73.11"], "province_code": ["73"] * 2},
    ...                  index=["a", "b"])
    >>> region_of(a, "province").tolist(), region_of(a, "dataset").tolist()
    (['73', '73'], ['all', 'all'])
    """
    if reference not in REFERENCES:
        raise UnggulanError(f"reference must be one of {', '.join(REFERENCES)}, "
                            f"not '{reference}'")
    if reference == "kabupaten":
        return areas["kabupaten_code"]
    if reference == "province":
        return areas["province_code"]
    return pd.Series("all", index=areas.index)


def specialisation(cnt: pd.DataFrame, areas: pd.DataFrame, reference: str = "kabupaten",
                   year: int | None = None, totals: Totals | None = None) -> pd.DataFrame:
    """LQ on workers and units, the score components and OVOP criteria per (area, commodity).

    Parameters
    ----------
    cnt : DataFrame
        :func:`counts` at the areas' level.
    areas : DataFrame
        The boundary frame, indexed by area code (for the reference region, see
        :func:`region_of`).
    reference : {"kabupaten", "province", "dataset"}
    year : int, optional
        The year continuity is counted to (default: this year).
    totals : Totals, optional
        The reference-region totals (:func:`reference_totals`, summed over partitions by
        :func:`combine_totals`). None: summed over ``cnt`` itself. With the totals of all
        areas, the rows of some areas' counts get exactly the values ``specialisation``
        of all areas' counts gives them (the Dask path, :mod:`unggulan.core.partitioned`).

    Returns
    -------
    DataFrame
        ``cnt`` with ``lq``, ``lq_raw``, ``lq_units``, ``lq_score``, ``continuity_years``,
        ``continuity_score``, ``market_score``, ``uniqueness``.

    Examples
    --------
    >>> cnt = pd.DataFrame({"code": ["a", "b"], "commodity": ["kakao", "kopi"],
    ...                     "sentra": [1, 1], "workers": [10.0, 30.0], "units": [2.0, 3.0],
    ...                     "first_year": [2000.0, None], "market": ["lokal", None]})
    >>> areas = pd.DataFrame({"kabupaten_code": ["k", "k"]}, index=["a", "b"])
    >>> s = specialisation(cnt, areas, year=2020)
    >>> # a: all its 10 workers in kakao; the region's share 10 / 40 = 0.25; the shrunk
    >>> # share (10 + 20 * 0.25) / (10 + 20) = 0.5; LQ 0.5 / 0.25 = 2
    >>> float(s["lq"].iat[0]), float(s["continuity_years"].iat[0])
    (2.0, 20.0)
    >>> t = combine_totals([reference_totals(cnt[:1], areas["kabupaten_code"]),
    ...                     reference_totals(cnt[1:], areas["kabupaten_code"])])
    >>> specialisation(cnt[:1], areas, year=2020, totals=t).equals(s[:1])
    True
    """
    year = year or dt.date.today().year
    region = region_of(areas, reference)
    c = cnt.copy()
    area_i = pd.factorize(c["code"])[0]
    total = _summed(c, region) if totals is None else _looked_up(c, region, totals)
    for measure, k, suffix in (("workers", SHRINK_WORKERS, ""), ("units", SHRINK_UNITS,
                                                                  "_units")):
        e_ac = c[measure].to_numpy(dtype=float)
        e_a = _group_sum(area_i, e_ac)
        E_c = total("region_commodity", measure, e_ac)  # noqa: N806 (the module's notation)
        E = total("region", measure, e_ac)  # noqa: N806
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
                total_c = total("commodity", measure, e_ac)
                c["uniqueness"] = np.where(total_c > 0, e_ac / total_c, 0.0)
    yrs = (year - c["first_year"]).clip(lower=0)
    c["continuity_years"] = yrs
    c["continuity_score"] = (yrs / CONTINUITY_FULL_YEARS).clip(upper=1).fillna(0.0)
    c["market_score"] = c["market"].map(MARKET_SCORE).astype(float).fillna(0.0)
    return c


_Total = Callable[[str, str, np.ndarray], np.ndarray]


def _summed(c: pd.DataFrame, region: pd.Series) -> _Total:
    """Per row of ``c``, the totals of its region and commodity (``kind``: ``region``,
    ``region_commodity`` or ``commodity``) summed over ``c``: group sums by integer codes
    and np.bincount, the row and column sums of the sparse area x commodity matrices."""
    comm_i = pd.factorize(c["commodity"])[0]
    reg_i = pd.factorize(c["code"].map(region))[0]
    n_comm = int(comm_i.max()) + 1 if len(c) else 1
    reg_comm_i = np.where((reg_i >= 0) & (comm_i >= 0),
                          pd.factorize(reg_i.astype(np.int64) * n_comm + comm_i)[0], -1)
    keys = {"region_commodity": reg_comm_i, "region": reg_i, "commodity": comm_i}
    return lambda kind, measure, values: _group_sum(keys[kind], values)


def _looked_up(c: pd.DataFrame, region: pd.Series, totals: Totals) -> _Total:
    """As :func:`_summed`, the totals looked up in ``totals`` (NaN where a row has no
    region or its key has no total)."""
    reg = c["code"].map(region)
    keys = {"region_commodity": _keys(reg, c["commodity"]).to_numpy(),
            "region": reg.to_numpy(object), "commodity": c["commodity"].to_numpy(object)}

    def total(kind: str, measure: str, values: np.ndarray) -> np.ndarray:
        frame = getattr(totals, kind)
        if not len(c) or not len(frame):
            return np.full(len(c), np.nan)
        return frame[measure].reindex(keys[kind]).to_numpy(float)

    return total


def _group_sum(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over the rows with the same key (missing values count
    as 0, like pandas' sum); NaN where the key is -1 (missing)."""
    ok = keys >= 0
    out = np.full(len(keys), np.nan)
    if ok.any():
        tot = np.bincount(keys[ok], weights=np.nan_to_num(values[ok], nan=0.0))
        out[ok] = tot[keys[ok]]
    return out


# ---------------------------------------------------------------- reference totals
_MEASURES = ("workers", "units")
_EXACT = 2.0 ** 53  # whole numbers up to here add exactly in float64
_SEP = "\x1f"  # between region and commodity in a key


@dataclass
class Totals:
    """Sums of sentra workers and units for the LQ's reference region, of one partition or
    of all: per region and commodity (key ``region + "\\x1f" + commodity``), per region and
    per commodity (frames with columns ``workers``, ``units``).

    ``whole`` says every value was a whole number (then partial sums add up exactly);
    ``rows`` keeps the values (``code, region, commodity, workers, units``) so that
    :func:`combine_totals` can add them in the single-process order when they are not.
    """

    region_commodity: pd.DataFrame
    region: pd.DataFrame
    commodity: pd.DataFrame
    whole: bool
    rows: pd.DataFrame
    n: int = 0


def _sums(keys: pd.Series, values: pd.DataFrame) -> pd.DataFrame:
    """Per distinct key (missing keys left out): the sum of each column, added in row order
    with np.bincount, as :func:`_group_sum` does."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    ok = codes >= 0
    out = {m: np.bincount(codes[ok], weights=np.nan_to_num(values[m].to_numpy(float)[ok],
                                                           nan=0.0),
                          minlength=len(uniques)) for m in values.columns}
    return pd.DataFrame(out, index=pd.Index(np.asarray(uniques, dtype=object)))


def _keys(region: pd.Series, commodity: pd.Series) -> pd.Series:
    reg = region.astype(object).to_numpy()
    com = commodity.astype(object).to_numpy()
    return pd.Series([None if not isinstance(r, str) else r + _SEP + c
                      for r, c in zip(reg, com)], dtype=object)


def _totals_of(rows: pd.DataFrame, n: int) -> Totals:
    vals = rows[list(_MEASURES)]
    v = np.nan_to_num(vals.to_numpy(float), nan=0.0)
    whole = bool(np.all(v == np.round(v)) and np.abs(v).sum() < _EXACT)
    return Totals(_sums(_keys(rows["region"], rows["commodity"]), vals),
                  _sums(rows["region"], vals), _sums(rows["commodity"], vals), whole, rows, n)


def reference_totals(cnt: pd.DataFrame, region: pd.Series) -> Totals:
    """One partition's sums of :func:`counts` rows for the LQ.

    Parameters
    ----------
    cnt : DataFrame
        ``counts`` of the partition's areas (``code, commodity, workers, units`` ...).
    region : Series
        The reference region of each area code (kabupaten, province or ``"all"``); codes
        missing from it have no region (their LQ is NaN, as in the single-process path).

    Returns
    -------
    Totals

    Examples
    --------
    >>> cnt = pd.DataFrame({"code": ["a", "b"], "commodity": ["kakao", "kakao"],
    ...                     "workers": [10.0, 5.0], "units": [2.0, 1.0]})
    >>> t = reference_totals(cnt, pd.Series({"a": "73.08", "b": "73.08"}))
    >>> float(t.region.loc["73.08", "workers"]), t.whole
    (15.0, True)
    """
    rows = pd.DataFrame({"code": cnt["code"].to_numpy(object),
                         "region": cnt["code"].map(region).to_numpy(object),
                         "commodity": cnt["commodity"].to_numpy(object),
                         **{m: cnt[m].to_numpy(float) for m in _MEASURES}})
    return _totals_of(rows, len(cnt))


def combine_totals(parts: Sequence[Totals]) -> Totals:
    """The reduction of :func:`reference_totals` across partitions.

    With whole numbers everywhere the partial sums are added (exactly). Otherwise the
    values are added again in the single-process order (rows by area code and commodity),
    so that the rounding, too, is the same.

    Examples
    --------
    >>> cnt = pd.DataFrame({"code": ["a", "b"], "commodity": ["kakao", "kakao"],
    ...                     "workers": [10.0, 5.0], "units": [2.0, 1.0]})
    >>> region = pd.Series({"a": "73.08", "b": "73.08"})
    >>> t = combine_totals([reference_totals(cnt[:1], region),
    ...                     reference_totals(cnt[1:], region)])
    >>> float(t.region_commodity.loc["73.08\\x1fkakao", "workers"])
    15.0
    """
    parts = list(parts)
    n = sum(p.n for p in parts)
    rows = pd.concat([p.rows for p in parts], ignore_index=True) if parts else \
        pd.DataFrame(columns=["code", "region", "commodity", *_MEASURES])
    if not all(p.whole for p in parts):
        order = np.lexsort((pd.factorize(rows["commodity"], sort=True)[0],
                            pd.factorize(rows["code"], sort=True)[0]))
        return _totals_of(rows.iloc[order].reset_index(drop=True), n)

    def add(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame({m: np.empty(0) for m in _MEASURES},
                                index=pd.Index([], dtype=object))
        return pd.concat(frames).groupby(level=0, sort=False).sum()

    return Totals(add([p.region_commodity for p in parts]), add([p.region for p in parts]),
                  add([p.commodity for p in parts]), True, rows, n)
