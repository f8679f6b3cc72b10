"""Static location quotient (SLQ) of commodity i in area j against a reference region.

::

    SLQ_ij = (e_ij / e_j) / (E_i / E)

e_ij the value (production, harvested area, population ...) of commodity i in area j, e_j the
area's total over all commodities of the same measure, E_i and E the same in the reference
region. SLQ > 1: the commodity weighs more in the area's output than in the reference's, the
area is a *basis* for it. This is REAT's ``locq(e_ij, e_j, e_i, e)`` (Wieland, R package REAT,
https://search.r-project.org/CRAN/refmans/REAT/html/locq.html, after Farhauer & Kroell 2013),
written as ``(e_ij * E) / (E_i * e_j)`` so that SLQ > 1 exactly when the area's share exceeds the
reference's (one rounding instead of three).

Over a period (``by_year=False``) two numbers are given:

- ``slq``: the LQ of the period's **summed** values, ``(sum e_ij / sum e_j) / (sum E_i / sum E)``
  (a year of large output weighs more; this is the one the quadrants use);
- ``slq_mean``: the **mean of the yearly LQs**, as REAT's ``locq.growth`` and many Indonesian
  studies tabulate it (each year weighs the same; years whose LQ is undefined are skipped).

Each area uses its complete years only (see :mod:`unggulan.core.activity.growth` for missing values,
nil rows and the default reference); the reference is summed over the same years, ``n_years`` says
how many and ``years_left_out`` which were skipped. An LQ that cannot be computed (area total zero,
commodity not in the reference ...) is NaN with a ``reason``, never inf.

Example: area A grows 60 t padi of its 100 t, the kabupaten 200 t of 400 t:
SLQ = (60/100)/(200/400) = 1.2.

>>> import pandas as pd
>>> d = pd.DataFrame({"code": ["A", "A", "B", "B"], "commodity": ["padi", "jagung"] * 2,
...                   "year": 2020, "value": [60.0, 40.0, 140.0, 160.0]})
>>> static_lq(d)[["code", "commodity", "slq"]].round(3).values.tolist()
[['A', 'jagung', 0.8], ['A', 'padi', 1.2], ['B', 'jagung', 1.067], ['B', 'padi', 0.933]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from unggulan.core.activity.growth import (
    Panel,
    build_panel,
    fill_reason,
    finite,
    reference_arrays,
    year_list,
)


def lq_values(e_ij: np.ndarray, e_j: np.ndarray, E_i: np.ndarray,
              E: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shares and LQ from broadcastable arrays: ``(share_area, share_reference, slq)``.

    NaN where a denominator is zero or an input is NaN; never inf.

    >>> [float(x) for x in lq_values(np.array(60.0), np.array(100.0), np.array(200.0),
    ...                              np.array(400.0))]
    [0.6, 0.5, 1.2]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share_area = finite(np.where(e_j > 0, e_ij / e_j, np.nan))
        share_ref = finite(np.where(E > 0, E_i / E, np.nan))
        slq = finite(np.where((e_j > 0) & (E_i > 0) & (E > 0), (e_ij * E) / (E_i * e_j), np.nan))
    return share_area, share_ref, slq


def period_sums(e: np.ndarray, e_j: np.ndarray, E_i: np.ndarray, E: np.ndarray,
                use: np.ndarray) -> tuple[np.ndarray, ...]:
    """The period's sums of ``e_ij, e_j, E_i, E`` (areas x commodities x years, areas x years,
    and what broadcasts to them) over the years each area is judged on (``use``, areas x
    years), per (area, commodity); NaN for an area with no such year, which ``none`` marks.
    Returns ``s_e, s_ej, s_Ei, s_E, none``."""
    u3 = np.broadcast_to(use[:, None, :], e.shape)
    ones = np.ones((1, e.shape[1]))
    s_e = np.where(u3, e, 0.0).sum(axis=2)
    s_ej = np.where(use, e_j, 0.0).sum(axis=1)[:, None] * ones
    s_Ei = np.where(u3, E_i, 0.0).sum(axis=2)      # NaN if the commodity is not in the reference
    s_E = np.where(use, E, 0.0).sum(axis=1)[:, None] * ones
    none = np.broadcast_to((use.sum(axis=1) == 0)[:, None], s_e.shape)
    for arr in (s_e, s_ej, s_Ei, s_E):
        arr[none] = np.nan
    return s_e, s_ej, s_Ei, s_E, none


def lq_reasons(shape: tuple[int, ...], e_ij, e_j, E_i, E, slq) -> np.ndarray:
    """Why each NaN LQ is NaN, in the order a planner would look (arrays broadcast to shape)."""
    reason = np.full(shape, None, dtype=object)
    nan = np.isnan(slq)
    b = lambda x: np.broadcast_to(np.asarray(x), shape)  # noqa: E731
    fill_reason(reason, nan & b(np.isnan(E)), "reference has no data for the year(s)")
    fill_reason(reason, nan & b(np.isnan(E_i)), "commodity not in the reference")
    fill_reason(reason, nan & b(np.isnan(e_j) | np.isnan(e_ij)), "missing value in the area")
    fill_reason(reason, nan & b(e_j == 0), "area total is zero")
    fill_reason(reason, nan & b(E == 0), "reference total is zero")
    fill_reason(reason, nan & b(E_i == 0), "commodity is zero in the reference")
    fill_reason(reason, nan, "not computable")
    return reason


def static_lq(data: pd.DataFrame, reference: pd.DataFrame | None = None,
              years: Iterable[int] | None = None, by_year: bool = False) -> pd.DataFrame:
    """Static location quotient per (area, commodity), per year or over a period.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    reference : DataFrame, optional
        ``commodity, year, value`` of the reference region; default: the sum of the areas.
    years : iterable of int, optional
        Years to use (default: all years of ``data``).
    by_year : bool
        One row per (area, commodity, year) instead of one per pair over the period.

    Returns
    -------
    DataFrame
        ``code, commodity, [year], e_ij, e_j, E_i, E, share_area, share_reference, slq,
        reason``; over a period also ``slq_mean`` (mean of the yearly LQs), ``n_years`` and
        ``years_left_out``. ``e_*`` / ``E*`` are the (summed) values used, so the arithmetic can
        be checked. ``attrs["notes"]`` says how the reference was made.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A", "A", "B", "B"] * 2,
    ...                   "commodity": ["padi", "jagung"] * 4,
    ...                   "year": [2020] * 4 + [2021] * 4,
    ...                   "value": [60, 40, 140, 160, 90, 30, 110, 170.0]})
    >>> out = static_lq(d)
    >>> out.loc[0, ["e_ij", "e_j", "E_i", "E"]].tolist()    # A jagung, 2020 + 2021
    [70.0, 220.0, 400.0, 800.0]
    >>> round(float(out.loc[0, "slq"]), 4), round(float(out.loc[0, "slq_mean"]), 4)
    (0.6364, 0.65)
    >>> static_lq(d, by_year=True).query("code == 'A' and commodity == 'padi'")["slq"].tolist()
    [1.2, 1.5]
    """
    return static_lq_panel(build_panel(data, years), reference, by_year)


def static_lq_panel(p: Panel, reference: pd.DataFrame | None = None,
                    by_year: bool = False) -> pd.DataFrame:
    """:func:`static_lq` of a panel already built (:func:`~unggulan.core.activity.growth.
    build_panel`): callers computing the static and the dynamic LQ of the same data build
    it once."""
    E_i, E, notes = reference_arrays(p, reference, balanced=False)
    J, C, T = p.values.shape
    e = p.masked(p.complete)                      # J x C x T, incomplete area-years NaN
    e_j = e.sum(axis=1)                           # J x T (NaN where incomplete)
    Ei = np.broadcast_to(E_i[None, :, :], e.shape)
    Eb = np.broadcast_to(E[None, None, :], e.shape)
    ejb = np.broadcast_to(e_j[:, None, :], e.shape)
    share_a, share_r, slq_y = lq_values(e, ejb, Ei, Eb)
    codes = np.repeat(np.asarray(p.codes, dtype=object), C)
    comms = np.tile(np.asarray(p.commodities, dtype=object), J)
    if by_year:
        reason = lq_reasons(e.shape, e, ejb, Ei, Eb, slq_y)
        not_rep = np.broadcast_to(~p.reported[:, None, :], e.shape)
        gap = np.broadcast_to(~p.complete[:, None, :], e.shape)
        reason = np.where(np.isnan(slq_y) & not_rep, "area did not report the year",
                          np.where(np.isnan(slq_y) & gap, "missing value in the area that year",
                                   reason))
        reason = np.where(np.isnan(slq_y), reason, None)
        out = pd.DataFrame({
            "code": np.repeat(codes, T), "commodity": np.repeat(comms, T),
            "year": np.tile(p.years, J * C),
            "e_ij": e.ravel(), "e_j": ejb.ravel(), "E_i": Ei.ravel(), "E": Eb.ravel(),
            "share_area": share_a.ravel(), "share_reference": share_r.ravel(),
            "slq": slq_y.ravel(), "reason": reason.ravel(),
        })
        out.attrs["notes"] = notes
        return out
    use = p.complete & np.isfinite(E)[None, :]     # J x T: the years each area is judged on
    n_years = use.sum(axis=1)
    u3 = np.broadcast_to(use[:, None, :], e.shape)
    s_e, s_ej, s_Ei, s_E, none = period_sums(e, e_j, Ei, E[None, :], use)
    share_a, share_r, slq = lq_values(s_e, s_ej, s_Ei, s_E)
    yearly = np.where(u3, slq_y, np.nan)
    cnt = (~np.isnan(yearly)).sum(axis=2)
    slq_mean = np.where(cnt > 0, np.nansum(yearly, axis=2) / np.maximum(cnt, 1), np.nan)
    reason = lq_reasons(s_e.shape, s_e, s_ej, s_Ei, s_E, slq)
    why_none = np.where(p.complete.any(axis=1),
                        "reference has no data for the area's complete years",
                        "no year with complete data for the area")
    reason = np.where(none, np.broadcast_to(why_none[:, None], none.shape), reason)
    left = np.asarray([year_list(p.years[~use[j]]) or None for j in range(J)], dtype=object)
    out = pd.DataFrame({
        "code": codes, "commodity": comms,
        "e_ij": s_e.ravel(), "e_j": s_ej.ravel(), "E_i": s_Ei.ravel(), "E": s_E.ravel(),
        "share_area": share_a.ravel(), "share_reference": share_r.ravel(),
        "slq": slq.ravel(), "slq_mean": finite(slq_mean).ravel(),
        "n_years": np.repeat(n_years, C), "years_left_out": np.repeat(left, C),
        "reason": reason.ravel(),
    })
    out.attrs["notes"] = notes
    return out
