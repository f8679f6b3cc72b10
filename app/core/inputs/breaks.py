"""Unit breaks: a statistics series whose values jump by one factor everywhere between years.

Published tables change a column's unit or method between editions without saying so. BPS
Jember's *Kecamatan Dalam Angka 2021* prints table 3.2.2 "(Ton)" for both years, yet its 2020
coconut and sugar figures are about 100 × those of 2019 in every kecamatan, and its coffee
yield about 1/10: 2,972,866 "tonnes" of coconut from 5,674 ha would be 524 t/ha. Summed with
the other commodities, such a series outweighs them all and every location quotient of the
table goes wrong (tobacco's LQ in Ajung read 0.09).

A real change differs from area to area; a change of unit multiplies every area's value by
the same factor. So a series (one level, commodity, measure and unit) *breaks* between two
of its reported years when, over the areas with a positive value in both, the median ratio is
at least :data:`FACTOR` (or at most its inverse) and most areas' ratios lie near that median.
A production is judged by its yield where its hectares are known (and a land by the same
yield): an expansion, output and land growing together, is no break, and of the two series
the one whose own values moved is the one that broke.

Which side is right cannot be told from the table alone, so the series is set missing with
the rest of its comparable group (whose totals would miss it), reported with its factor,
years and source; the commodities' other measures (their area, say) then carry the evidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from unggulan.base.problems import Problem
from unggulan.core.inputs.families import distinct_rows

#: the smallest uniform jump taken for a change of unit (×10 or ÷10)
FACTOR = 10.0
#: areas whose ratio lies within this factor of the median ratio "agree" with it
NEAR = 2.5
#: the share of areas that must agree (a change of unit moves them all)
AGREE = 0.75
#: the fewest areas with a value in both years to judge by (one area's jump may be real)
MIN_AREAS = 3
#: the breaks listed one by one in the problems (then a count)
MAX_LISTED = 20

SERIES = ["level", "commodity", "measure", "unit"]
#: the land a production is judged against, in order; a production and its land judge each
#: other by the yield, which separates a change of unit (the yield jumps, and so does the
#: series' own values) from a real expansion (the land grows with the output)
LAND_MEASURES = ("harvested_area", "area", "planted_area")


def _ids(st: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (missing is a value too)."""
    return distinct_rows(*(st[c] for c in columns), missing_as_blank=False)[0]


def _companions(st: pd.DataFrame, rows: np.ndarray, place: np.ndarray, year: np.ndarray,
                value: np.ndarray) -> np.ndarray:
    """Per row of ``st`` in ``rows``: the land (ha) of a production in tonnes, the
    production (ton) of a land in hectares, of the same place (level, area, commodity) and
    year; NaN elsewhere. ``place``, ``year``, ``value``: of every row of ``st``."""
    out = np.full(len(rows), np.nan)
    unit, measure = st["unit"].to_numpy(object), st["measure"].to_numpy(object)
    prod = (measure == "production") & (unit == "ton")
    land = np.isin(measure, LAND_MEASURES) & (unit == "ha")
    ok = (value > 0) & (year >= 0)
    for mine, theirs, order in ((prod, land, LAND_MEASURES), (land, prod, ("production",))):
        want = mine[rows]
        have = np.flatnonzero(theirs & ok)
        if not want.any() or not len(have):
            continue
        # the first of ``order`` an area has, per (place, year)
        rank = pd.Series(measure[have]).map({m: i for i, m in enumerate(order)}).to_numpy()
        other = pd.DataFrame({"p": place[have], "y": year[have], "r": rank,
                              "c": value[have]})
        other = other.sort_values("r", kind="stable").drop_duplicates(["p", "y"])
        at = rows[want]
        out[want] = pd.DataFrame({"p": place[at], "y": year[at]}).merge(
            other, how="left", on=["p", "y"])["c"].to_numpy()
    return out


def unit_breaks(st: pd.DataFrame, factor: float = FACTOR, near: float = NEAR,
                agree: float = AGREE, min_areas: int = MIN_AREAS) -> pd.DataFrame:
    """The breaks of ``st`` (the long statistics frame): one row per series and pair of
    adjacent reported years, with ``level, commodity, measure, unit, year_before, year,
    factor`` (the median ratio), ``areas`` (with a value in both years), ``agreeing``,
    ``basis`` (``yield`` when a production is judged by its output per hectare, else
    ``value``), ``source``, ``file`` and ``at`` (where a value of the later year was read:
    its position in ``st``).

    >>> rows = [("k1", 10, 1000), ("k2", 20, 2100), ("k3", 5, 480), ("k4", 8, 9)]
    >>> st = pd.DataFrame([dict(code=c, level="kecamatan", commodity="kelapa",
    ...                         measure="production", unit="ton", year=y, value=v,
    ...                         source=f"t.pdf!{c}")
    ...                    for c, a, b in rows for y, v in ((2019, a), (2020, b))])
    >>> b = unit_breaks(st)
    >>> b[["commodity", "year_before", "year", "areas", "agreeing", "basis"]]
      commodity  year_before  year  areas  agreeing  basis
    0    kelapa         2019  2020      4         3  value
    >>> round(float(b["factor"].iat[0]))         # the median ratio (k4's 9/8 disagrees)
    98
    """
    cols = [*SERIES, "year_before", "year", "factor", "areas", "agreeing", "basis",
            "source", "file", "at"]
    v = pd.to_numeric(st["value"], errors="coerce").to_numpy(float)
    year = st["year"].fillna(-1).to_numpy(np.int64)
    keep = (v > 0) & (year >= 0)
    if "ratio" in st:
        keep &= ~st["ratio"].fillna(False).astype(bool).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=cols)
    # integers only from here: a national frame has millions of rows of a few labels
    rows = np.flatnonzero(keep)
    place = _ids(st, ["level", "code", "commodity"])
    d = pd.DataFrame({"_s": _ids(st, SERIES)[rows], "code": place[rows], "year": year[rows],
                      "value": v[rows], "_row": rows})
    d = d.drop_duplicates(["_s", "code", "year"])
    # each series' reported years, numbered in order: adjacent years are k and k + 1
    years = d[["_s", "year"]].drop_duplicates()
    if len(years) == years["_s"].nunique():
        return pd.DataFrame(columns=cols)          # no series has two years
    years = years.sort_values(["_s", "year"])
    years["_k"] = years.groupby("_s").cumcount()
    d = d.merge(years, on=["_s", "year"])
    # a production's yield where its land is known in the same area and year (and a land's)
    d["_c"] = _companions(st, d["_row"].to_numpy(), place, year, v)
    nxt = d[["_s", "code", "_k", "value", "year", "_row", "_c"]].assign(_k=d["_k"] - 1)
    pairs = d[["_s", "code", "_k", "value", "year", "_c"]].merge(
        nxt, on=["_s", "code", "_k"], suffixes=("", "_next"))
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pairs["_v"] = np.log10(pairs["value_next"].to_numpy() / pairs["value"].to_numpy())
    # judge a pair of years by the yields when enough areas have them, else by the values
    yr = pairs["_v"] - np.log10(pairs["_c_next"] / pairs["_c"])
    by_yield = yr.notna().groupby([pairs["_s"], pairs["_k"]]).transform("sum") >= min_areas
    pairs["_r"] = pairs["_v"].where(~by_yield, yr)
    pairs["_by"] = by_yield
    pairs = pairs[~by_yield | yr.notna()]
    g = pairs.groupby(["_s", "_k"], sort=True)
    stats = g.agg(areas=("_r", "size"), med=("_r", "median"), year_before=("year", "first"),
                  year=("year_next", "first"), _row=("_row", "first"),
                  _by=("_by", "first"), _med_v=("_v", "median"))
    # the yield jumped, and so did the series' own values (of a production and its land,
    # the one whose unit changed moved; the other kept its level)
    stats = stats[(stats["areas"] >= min_areas) & (stats["med"].abs() >= np.log10(factor))
                  & (stats["_med_v"].abs() >= np.log10(factor) / 2)]
    if stats.empty:
        return pd.DataFrame(columns=cols)
    pairs = pairs.join(stats["med"], on=["_s", "_k"], how="inner")
    close = (pairs["_r"] - pairs["med"]).abs() <= np.log10(near)
    stats["agreeing"] = close.groupby([pairs["_s"], pairs["_k"]]).sum().reindex(
        stats.index).fillna(0).astype(int)
    stats = stats[stats["agreeing"] >= agree * stats["areas"]]
    if stats.empty:
        return pd.DataFrame(columns=cols)
    rows = stats["_row"].to_numpy()
    out = st.iloc[rows][SERIES].reset_index(drop=True)
    out["year_before"] = stats["year_before"].to_numpy()
    out["year"] = stats["year"].to_numpy()
    out["factor"] = 10.0 ** stats["med"].to_numpy()
    out["areas"] = stats["areas"].to_numpy()
    out["agreeing"] = stats["agreeing"].to_numpy()
    out["basis"] = np.where(stats["_by"].to_numpy(bool), "yield", "value")
    out["at"] = rows
    for c in ("source", "file"):      # where a value of the later year was read
        out[c] = (st[c].iloc[rows].to_numpy() if c in st
                  else np.full(len(out), None, dtype=object))
    return out[cols]


def _factor_text(f: float) -> str:
    """``×100`` or ``÷16``, rounded to two significant figures.

    >>> _factor_text(99.93), _factor_text(0.0617)
    ('×100', '÷16')
    """
    x = f if f >= 1 else 1 / f
    x = float(f"{x:.2g}")
    return ("×" if f >= 1 else "÷") + f"{x:,.0f}"


def set_breaks_missing(st: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """``st`` with every series that has a unit break (:func:`unit_breaks`) set missing,
    each break reported as a warning naming the series, the years, the factor and a cell's
    source."""
    breaks = unit_breaks(st)
    if breaks.empty:
        return st
    for b in breaks.head(MAX_LISTED).itertuples(index=False):
        judged = " (judged by the yield per hectare)" if b.basis == "yield" else ""
        problems.append(Problem(
            "warning", str(b.file) if pd.notna(b.file) else "statistics",
            f"{b.commodity} {b.measure} ({b.unit}, {b.level}): the {b.year} values are "
            f"{_factor_text(b.factor)} those of {b.year_before} in {b.agreeing} of the "
            f"{b.areas} areas reporting both years{judged}: the unit or the method changed "
            "and the table cannot tell which year is right"
            + (f" [{b.source}]" if pd.notna(b.source) else "")
            + ". Set missing, with the rest of its group (same measure, unit and family), "
            "whose totals would miss it: the commodities' other measures carry the "
            "evidence", field=b.measure))
    if len(breaks) > MAX_LISTED:
        problems.append(Problem("warning", "statistics", f"{len(breaks)} unit breaks found "
                                f"(the first {MAX_LISTED} listed); their series set missing"))
    # the whole comparable group goes: its totals, so every LQ in it, would miss the series
    group = _ids(st, ["level", "measure", "unit", "family"] if "family" in st else SERIES)
    hit = np.isin(group, group[breaks["at"].to_numpy()])
    out = st.copy()
    out.loc[hit, "value"] = np.nan
    return out
