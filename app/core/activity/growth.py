"""Shared helpers of the planning methods: input checks, the area x commodity x year panel,
the reference region and average annual growth rates.

Every planning method (:mod:`unggulan.core.activity.lq`, :mod:`unggulan.core.activity.dlq`,
:mod:`unggulan.core.activity.shift_share`, :mod:`unggulan.core.activity.klassen`,
:mod:`unggulan.core.activity.concentration`) reads the same long frame ``data`` with
columns ``code`` (area code), ``commodity``, ``year`` and ``value`` (one measure: ton, ha,
ekor ...; NaN = missing, 0 = nil) and an optional ``reference`` (``commodity, year, value`` of
the reference region). This module turns them into arrays with one rule set, so that every
method treats gaps the same way.

Missing values and zeros
------------------------
- A row with ``value`` NaN is a **missing** value.
- A ``(code, commodity, year)`` without a row, for an area that has other rows that year, is
  **nil** (0): BPS tables write ``-`` for none and many readers drop such rows.
- An area without any row in a year **did not report** that year: all its values are missing.
- An area-year is **complete** when it reported and none of its values is missing. The methods
  use complete area-years only (an area's total ``e_j`` is meaningless with a hole in it) and say
  which years were left out.

Reference region
----------------
Without ``reference`` the reference region is the sum of the areas of ``data``:

- for a single year (static LQ), the areas complete in that year;
- for growth (DLQ, shift-share, Klassen), a **balanced panel**: the areas complete in every
  selected year, so that the reference does not "grow" because an area re-appears after a gap.
  If no area is complete in every year, the per-year sums are used and a note says so.

With ``reference`` (a kabupaten, province or national table), ``E_i`` is the reference's value of
commodity i and ``E`` the sum over **all** its commodities that year (the textbook LQ total,
commodities the areas do not grow included). A commodity never listed in the reference is NaN
(with a reason); one listed in other years but not this one is 0. A year the reference does not
cover is left out.

Average annual growth rate
--------------------------
``"mean"`` (default): the arithmetic mean of the year-on-year rates ``x_t / x_(t-1) - 1``, as most
Indonesian DLQ and Klassen studies compute it (so a planner can reproduce a published table).
Across a gap of k years the step rate is annualised, ``(x_b / x_a) ** (1/k) - 1``, and weighted
by k, so that the mean always covers ``t = last year - first year``. A step that starts from zero
has no rate: the mean is undefined (NaN with the year in the reason), never inf.

``"cagr"``: the compound rate ``(x_last / x_first) ** (1/t) - 1``. It only needs a non-zero
first value and ignores the path in between; with it the DLQ equals ``SLQ_last / SLQ_first``.

>>> import numpy as np
>>> g = average_growth(np.array([[100.0, 110.0, 132.0]]), [2020, 2021, 2022])
>>> round(float(g.g[0]), 4), float(g.t[0])     # (10 % + 20 %) / 2 over 2 years
(0.15, 2.0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError

GROWTH_METHODS = ("mean", "cagr")
DATA_COLUMNS = ("code", "commodity", "year", "value")
REFERENCE_COLUMNS = ("commodity", "year", "value")


def _numeric(s: pd.Series, name: str, what: str) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna() & s.notna()
    if bad.any():
        raise UnggulanError(f"{what}: column '{name}' has values that are not numbers, e.g. "
                            f"{s[bad].iloc[0]!r}", field=name)
    return out.astype(float)


def check_frame(frame: pd.DataFrame, keys: tuple[str, ...], what: str,
                categorical: bool = False) -> pd.DataFrame:
    """Validated copy of a long frame: str keys, int year, float value >= 0, no duplicate key.
    ``categorical``: a categorical key column stays categorical, its labels made str (not
    every row: national statistics hold millions of rows of a few thousand labels).

    Raises :class:`~unggulan.base.errors.UnggulanError` (``field`` = the column at fault) for a
    missing
    column, a non-numeric or fractional year, a non-numeric, negative or infinite value, or two
    rows for the same key.

    >>> r = check_frame(pd.DataFrame({"commodity": ["padi"], "year": ["2020"], "value": [1]}),
    ...                 ("commodity", "year"), "reference")
    >>> r["year"].tolist(), r["value"].tolist()
    ([2020], [1.0])
    >>> c = check_frame(pd.DataFrame({"code": pd.Categorical([7, 3]), "year": 2020,
    ...                               "value": [1, 2]}), ("code", "year"), "d", categorical=True)
    >>> c["code"].dtype.name, c["code"].tolist()
    ('category', ['7', '3'])
    """
    if not isinstance(frame, pd.DataFrame):
        raise UnggulanError(f"{what} must be a DataFrame, not {type(frame).__name__}", field=what)
    cols = (*keys, "value")
    for c in cols:
        if c not in frame.columns:
            raise UnggulanError(f"{what} has no column '{c}' (needs {', '.join(cols)})", field=c)
    d = frame.loc[:, list(cols)].copy()
    if d.empty:
        raise UnggulanError(f"{what} has no rows", field=what)
    for c in keys:
        if c == "year":
            continue
        if d[c].isna().any():
            raise UnggulanError(f"{what}: column '{c}' has empty cells", field=c)
        col = d[c]
        if categorical and isinstance(col.dtype, pd.CategoricalDtype):
            labels = col.cat.categories.astype(str)
            if labels.is_unique:
                d[c] = col.cat.rename_categories(labels)
                continue
        d[c] = col.astype(str)
    year = _numeric(d["year"], "year", what)
    if year.isna().any() or (year != np.round(year)).any():
        raise UnggulanError(f"{what}: column 'year' must hold whole years", field="year")
    d["year"] = year.astype("int64")
    d["value"] = _numeric(d["value"], "value", what)
    v = d["value"]
    if np.isinf(v).any():
        raise UnggulanError(f"{what}: column 'value' has infinite values", field="value")
    if (v < 0).any():
        row = d[v < 0].iloc[0]
        raise UnggulanError(f"{what}: negative value {row['value']} for "
                            f"{', '.join(str(row[k]) for k in keys)}", field="value")
    dup = d.duplicated(list(keys), keep=False)
    if dup.any():
        row = d[dup].iloc[0]
        raise UnggulanError(f"{what}: more than one row for "
                            f"{', '.join(f'{k}={row[k]}' for k in keys)}; aggregate first",
                            field="value")
    return d


@dataclass
class Panel:
    """``data`` as dense arrays: ``values[j, i, t]`` for area j, commodity i, year t.

    ``reported[j, t]``: the area has rows that year; ``complete[j, t]``: reported and no value
    missing. Values of areas that did not report are NaN; absent rows of reporting areas are 0.
    """

    codes: list[str]
    commodities: list[str]
    years: np.ndarray
    values: np.ndarray
    reported: np.ndarray
    complete: np.ndarray
    notes: list[str] = field(default_factory=list)

    def masked(self, mask: np.ndarray) -> np.ndarray:
        """``values`` with area-years outside ``mask`` (J x T) set to NaN."""
        return np.where(mask[:, None, :], self.values, np.nan)


def build_panel(data: pd.DataFrame, years: Iterable[int] | None = None) -> Panel:
    """The :class:`Panel` of ``data`` over ``years`` (default: every year of ``data``).

    >>> d = pd.DataFrame({"code": ["A", "A", "B"], "commodity": ["padi", "jagung", "padi"],
    ...                   "year": [2020, 2020, 2020], "value": [5.0, 1.0, 3.0]})
    >>> p = build_panel(d)
    >>> p.values[:, :, 0].tolist()     # rows: A, B; columns: jagung, padi (B's jagung is nil)
    [[1.0, 5.0], [0.0, 3.0]]
    """
    d = check_frame(data, ("code", "commodity", "year"), "data")
    available = sorted(d["year"].unique().tolist())
    if years is None:
        sel = available
    else:
        try:
            sel = sorted({int(y) for y in years})
        except (TypeError, ValueError) as exc:
            raise UnggulanError(f"years must be whole years, not {years!r}",
                                field="years") from exc
        unknown = [y for y in sel if y not in available]
        if unknown:
            raise UnggulanError(f"years not in data: {', '.join(map(str, unknown))} "
                                f"(data has {available[0]}-{available[-1]})", field="years")
        if not sel:
            raise UnggulanError("years is empty", field="years")
    codes = sorted(d["code"].unique().tolist())
    d = d[d["year"].isin(sel)]
    commodities = sorted(d["commodity"].unique().tolist())
    J, C, T = len(codes), len(commodities), len(sel)
    j = pd.Categorical(d["code"], categories=codes).codes
    i = pd.Categorical(d["commodity"], categories=commodities).codes
    t = pd.Categorical(d["year"], categories=sel).codes
    values, reported, complete = panel_arrays(j, i, t, d["value"].to_numpy(), (J, C, T))
    return Panel(codes, commodities, np.asarray(sel, dtype="int64"), values, reported, complete)


def panel_arrays(j: np.ndarray, i: np.ndarray, t: np.ndarray, value: np.ndarray,
                 shape: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``values, reported, complete`` of a :class:`Panel` from each row's area ``j``,
    commodity ``i``, year ``t`` and ``value``: absent rows of a reporting area-year are 0,
    the values of an area-year without rows NaN."""
    values = np.zeros(shape)
    values[j, i, t] = value
    reported = np.zeros((shape[0], shape[2]), dtype=bool)
    reported[j, t] = True
    values[np.broadcast_to(~reported[:, None, :], values.shape)] = np.nan
    complete = reported & ~np.isnan(values).any(axis=1)
    return values, reported, complete


def reference_arrays(panel: Panel, reference: pd.DataFrame | None = None, *,
                     balanced: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``E_i[i, t]`` and ``E[t]`` of the reference region, and notes on how they were made.

    See the module docstring for the rules (default: sum of the complete areas; ``balanced``:
    of the areas complete in every year of the panel).

    >>> d = pd.DataFrame({"code": ["A", "B"], "commodity": ["padi", "padi"],
    ...                   "year": [2020, 2020], "value": [5.0, 3.0]})
    >>> E_i, E, notes = reference_arrays(build_panel(d))
    >>> E_i.tolist(), E.tolist()
    ([[8.0]], [8.0])
    """
    notes: list[str] = []
    if reference is None:
        mask = panel.complete
        if balanced and len(panel.years) > 1:
            full = panel.complete.all(axis=1)
            if full.any():
                mask = np.broadcast_to(full[:, None], panel.complete.shape)
                left = [c for c, f in zip(panel.codes, full) if not f]
                if left:
                    notes.append(f"reference = sum of the {int(full.sum())} areas complete in "
                                 f"every year; left out of it (gaps): {', '.join(left)}")
            else:
                notes.append("no area is complete in every year: the reference is the sum of the "
                             "areas complete in each year, so its growth mixes areas")
        vals = np.where(mask[:, None, :], panel.values, 0.0)
        E_i = vals.sum(axis=0)
        any_area = mask.any(axis=0)
        E_i[:, ~any_area] = np.nan
        E = E_i.sum(axis=0)
        return E_i, E, notes
    r = check_frame(reference, ("commodity", "year"), "reference")
    years = panel.years.tolist()
    covered = set(r["year"].unique().tolist())
    E = np.full(len(years), np.nan)
    totals = r.groupby("year")["value"].sum(min_count=1)
    has_nan = r.groupby("year")["value"].apply(lambda v: bool(v.isna().any()))
    for t, y in enumerate(years):
        if y in covered and not has_nan.get(y, False):
            E[t] = totals.get(y, np.nan)
    gone = [y for y in years if y not in covered]
    if gone:
        notes.append(f"reference has no data for {year_list(gone)}: left out")
    holes = [y for y in years if y in covered and has_nan.get(y, False)]
    if holes:
        notes.append(f"reference has missing values in {year_list(holes)}: left out")
    listed = set(r["commodity"].unique().tolist())
    E_i = np.full((len(panel.commodities), len(years)), np.nan)
    for i, c in enumerate(panel.commodities):
        if c in listed:
            E_i[i, [t for t, y in enumerate(years) if y in covered]] = 0.0
    r = r[r["year"].isin(years) & r["commodity"].isin(panel.commodities)]
    ii = pd.Categorical(r["commodity"], categories=panel.commodities).codes
    tt = pd.Categorical(r["year"], categories=years).codes
    E_i[ii, tt] = r["value"].to_numpy()
    unlisted = [c for c in panel.commodities if c not in listed]
    if unlisted:
        notes.append(f"not in the reference (NaN): {', '.join(unlisted)}")
    return E_i, E, notes


def check_growth(method: str) -> str:
    """``method`` if it is one of :data:`GROWTH_METHODS`, else an UnggulanError."""
    if method not in GROWTH_METHODS:
        raise UnggulanError(f"growth must be one of {', '.join(GROWTH_METHODS)}, not {method!r}",
                            field="growth")
    return method


@dataclass
class Growth:
    """Average annual growth per row: rate ``g``, span ``t`` in years, first and last year used,
    and ``reason`` (None where ``g`` is a number)."""

    g: np.ndarray
    t: np.ndarray
    first_year: np.ndarray
    last_year: np.ndarray
    reason: np.ndarray


def average_growth(values: np.ndarray, years: Iterable[int], method: str = "mean",
                   reasons: bool = True) -> Growth:
    """Average annual growth rate of each row of ``values`` (rows x years, NaN = year skipped).

    ``method`` is ``"mean"`` (arithmetic mean of the year-on-year rates, gaps annualised and
    weighted by their length) or ``"cagr"`` (compound annual rate first -> last); see the module
    docstring. Rows with fewer than two values, growth from zero or only zeros get NaN and a
    reason; the result is never inf. ``reasons=False`` leaves ``reason`` empty (None) for
    callers that read the rates only (the same rates, without a Python loop over the rows).

    >>> v = np.array([[100.0, 110.0, 132.0], [0.0, 5.0, 10.0], [100.0, np.nan, 121.0]])
    >>> g = average_growth(v, [2020, 2021, 2022])
    >>> [None if np.isnan(x) else round(float(x), 4) for x in g.g]
    [0.15, None, 0.1]
    >>> g.reason[1]
    'zero in 2020: growth from zero is undefined'
    >>> round(float(average_growth(v, [2020, 2021, 2022], "cagr").g[0]), 4)   # sqrt(1.32) - 1
    0.1489
    """
    check_growth(method)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise UnggulanError("values must be a 2-D array (rows x years)", field="values")
    yrs = np.asarray(list(years), dtype=float)
    n, T = v.shape
    first_val = np.full(n, np.nan)
    first_year = np.full(n, np.nan)
    last_val = np.full(n, np.nan)
    last_year = np.full(n, np.nan)
    acc = np.zeros(n)
    zero_year = np.full(n, np.nan)
    count = np.zeros(n, dtype=int)
    nonzero = np.zeros(n, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for k in range(T):
            x = v[:, k]
            ok = ~np.isnan(x)
            step = ok & ~np.isnan(last_val)
            gap = yrs[k] - last_year
            from_zero = step & (last_val == 0)
            zero_year = np.where(from_zero & np.isnan(zero_year), last_year, zero_year)
            good = step & (last_val > 0)
            r = np.where(good, (x / last_val) ** (1.0 / gap) - 1.0, 0.0)
            acc += np.where(good, gap * r, 0.0)
            newfirst = ok & np.isnan(first_val)
            first_val = np.where(newfirst, x, first_val)
            first_year = np.where(newfirst, yrs[k], first_year)
            last_val = np.where(ok, x, last_val)
            last_year = np.where(ok, yrs[k], last_year)
            count += ok
            nonzero |= ok & (x != 0)
        t = np.where(count >= 2, last_year - first_year, np.nan)
        if method == "mean":
            g = np.where(np.isnan(zero_year), acc / t, np.nan)
        else:
            g = np.where(first_val > 0, (last_val / first_val) ** (1.0 / t) - 1.0, np.nan)
    g = np.where(np.isfinite(g) & (count >= 2), g, np.nan)
    # a zero year leaves the year-on-year (or first-to-last) rate undefined: with four years
    # or more, the rate between the means of the first and the second half of the years
    via_means = np.zeros(n, dtype=bool)
    if method == "mean":
        todo = np.isnan(g) & (count >= 4) & nonzero
        if todo.any():
            g_means = np.full(n, np.nan)
            g_means[todo] = _growth_of_means(v[todo], yrs)
            via_means = todo & ~np.isnan(g_means)
            g = np.where(via_means, g_means, g)
    reason = np.full(n, None, dtype=object)
    keep = count >= 2
    if not reasons:
        return Growth(g, t, np.where(keep, first_year, np.nan),
                      np.where(keep, last_year, np.nan), reason)
    for k in np.flatnonzero(via_means):
        reason[k] = "growth from the means of the first and second half of the years " \
            "(a zero year leaves the yearly rates undefined)"
    for k in np.flatnonzero(np.isnan(g)):
        if count[k] < 2:
            reason[k] = "insufficient years: fewer than two years with data"
        elif not nonzero[k]:
            reason[k] = "zero in every year"
        elif method == "mean" and not np.isnan(zero_year[k]):
            reason[k] = f"zero in {int(zero_year[k])}: growth from zero is undefined"
        elif method == "cagr" and first_val[k] == 0:
            reason[k] = f"zero in {int(first_year[k])}: growth from zero is undefined"
        else:
            reason[k] = "growth not computable"
    return Growth(g, t, np.where(keep, first_year, np.nan), np.where(keep, last_year, np.nan),
                  reason)


def _growth_of_means(v: np.ndarray, yrs: np.ndarray) -> np.ndarray:
    """Per row, the annual rate between the mean of the first half of its years with data and
    the mean of the second half, over the distance between the halves' mean years:
    ``(m2 / m1) ** (1 / (c2 - c1)) - 1``; NaN where ``m1`` is not positive.

    >>> r = _growth_of_means(np.array([[0.0, 10.0, 20.0, 30.0]]), np.array([1, 2, 3, 4.0]))
    >>> round(float(r[0]), 4)          # (25 / 5) ** (1 / 2) - 1
    1.2361
    """
    out = np.full(len(v), np.nan)
    for k in range(len(v)):
        ok = ~np.isnan(v[k])
        x, y = v[k][ok], yrs[ok]
        if len(x) < 4:
            continue
        h = len(x) // 2
        m1, m2 = x[:h].mean(), x[len(x) - h:].mean()
        c1, c2 = y[:h].mean(), y[len(x) - h:].mean()
        if m1 > 0 and m2 >= 0 and c2 > c1:
            out[k] = (m2 / m1) ** (1.0 / (c2 - c1)) - 1.0
    return out


def finite(x: np.ndarray) -> np.ndarray:
    """``x`` with inf and -inf replaced by NaN (results never hold inf)."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def fill_reason(reason: np.ndarray, where: np.ndarray, text: str | np.ndarray) -> None:
    """Set ``reason`` to ``text`` where ``where`` holds and no reason was given yet (in place)."""
    # (``== None`` elementwise: an object array's None cells, without a Python loop)
    todo = np.asarray(where, dtype=bool) & np.equal(reason, None)
    if isinstance(text, np.ndarray):
        reason[todo] = text[todo]
    else:
        reason[todo] = text


def year_list(years: Iterable[int]) -> str:
    """``2019, 2020`` for a note or a reason."""
    return ", ".join(str(int(y)) for y in years)
