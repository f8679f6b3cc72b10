"""How specialised each area is, and how localised each commodity is.

Specialisation of area j (:func:`specialisation_index`), over the commodities of one measure,
against the reference region, with ``s_ij = e_ij / e_j`` and ``S_i = E_i / E``::

    krugman_j = sum_i | s_ij - S_i |          0 (same mix as the reference) .. 2
    hoover_j  = krugman_j / 2                 0 .. 1, the share of the area's output that
                                              would have to change commodity to match
    gini_j    = Gini of the area's LQs over the commodities

Krugman's coefficient as REAT ``krugman.spec`` / ``krugman.spec2`` (Wieland,
https://search.r-project.org/CRAN/refmans/REAT/html/krugman.spec.html; range 0..2, after
Farhauer & Kroell 2013); the Hoover coefficient as REAT ``hoover(e_ij, weighting = e_i)``
(half the sum of absolute share differences); the Gini as REAT ``gini.spec``:
``2 / (I^2 * mean(LQ)) * sum_k k * (LQ_(k) - mean(LQ))`` over the sorted LQs (unweighted).
Reference commodities that the areas do not list count with an area share of 0 in ``krugman``.

Localisation of commodity i (:func:`localisation_index`), across the areas of ``data``, with
``c_ij = e_ij / E_i`` (the area's share of the commodity) and ``w_j = e_j / E`` (its share of
all output)::

    krugman_i = sum_j | c_ij - w_j |          REAT krugman.conc
    hoover_i  = krugman_i / 2                 Hoover's coefficient of localisation, 0 .. 1
    gini_i    = Gini of the areas' LQs for the commodity (REAT gini.conc, unweighted)

Both use the period's summed values (:func:`unggulan.core.activity.lq.static_lq` over the period:
each area on its complete years). The localisation compares the areas with each other, so it uses
only the areas complete in every selected year (the others are listed in ``attrs["notes"]``) and
areas whose total is zero are left out of the Gini (their LQ is undefined).

Example: area A grows padi, jagung, kedelai 60/30/10 t, the kabupaten 200/100/100:
krugman = |0.6-0.5| + |0.3-0.25| + |0.1-0.25| = 0.3, hoover 0.15.

>>> import pandas as pd
>>> d = pd.DataFrame({"code": ["A"] * 3 + ["B"] * 3, "year": 2020,
...                   "commodity": ["padi", "jagung", "kedelai"] * 2,
...                   "value": [60, 30, 10, 140, 70, 90.0]})
>>> specialisation_index(d).round(4)[["code", "krugman", "hoover"]].values.tolist()
[['A', 0.3, 0.15], ['B', 0.1, 0.05]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from unggulan.core.activity.growth import build_panel, check_frame, finite
from unggulan.core.activity.lq import static_lq


def gini_unweighted(x: np.ndarray) -> float:
    """Gini of the values ``x`` as REAT's ``gini.spec`` / ``gini.conc`` compute it.

    ``2 / (n^2 * mean) * sum_k k * (x_(k) - mean)`` over the ascending values; NaN for no value
    or a zero mean.

    >>> round(gini_unweighted(np.array([1.2, 1.2, 0.4])), 6)     # 2*0.8 / (9*0.9333)
    0.190476
    """
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    if n == 0:
        return float("nan")
    m = x.mean()
    if not m > 0:
        return float("nan")
    k = np.arange(1, n + 1)
    return float(2.0 / (n * n * m) * np.sum(k * (x - m)))


def gini_rows(x: np.ndarray) -> np.ndarray:
    """:func:`gini_unweighted` of each row of ``x`` (rows without NaN)."""
    x = np.sort(np.asarray(x, dtype=float), axis=1)
    n = x.shape[1]
    m = x.mean(axis=1, keepdims=True)
    k = np.arange(1, n + 1)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 / (n * n * m[:, 0]) * np.sum(k * (x - m), axis=1)
    return np.where(m[:, 0] > 0, g, np.nan)


def specialisation_index(data: pd.DataFrame, reference: pd.DataFrame | None = None,
                         years: Iterable[int] | None = None) -> pd.DataFrame:
    """Krugman, Hoover and Gini specialisation of each area against the reference region.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    reference : DataFrame, optional
        ``commodity, year, value`` of the reference region; default: the sum of the areas.
    years : iterable of int, optional
        Years summed (default: all years of ``data``).

    Returns
    -------
    DataFrame
        ``code, e_j, E, n_commodities`` (commodities with output in the area), ``n_years``,
        ``krugman, hoover, gini, reason`` (one row per area; NaN with a reason where the area's
        total is zero or a share is unknown).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A"] * 3 + ["B"] * 3, "year": 2020,
    ...                   "commodity": ["padi", "jagung", "kedelai"] * 2,
    ...                   "value": [60, 30, 10, 140, 70, 90.0]})
    >>> round(float(specialisation_index(d).loc[0, "gini"]), 4)   # LQs 1.2, 1.2, 0.4
    0.1905
    """
    lq = static_lq(data, reference, years)
    ref_rest = _reference_rest(lq, reference, years, data)
    codes = list(dict.fromkeys(lq["code"]))          # static_lq: full grid, areas outer
    J = len(codes)
    C = len(lq) // J
    grid = lambda col: lq[col].to_numpy(dtype=float).reshape(J, C)  # noqa: E731
    sa, sr, slq, e_ij = grid("share_area"), grid("share_reference"), grid("slq"), grid("e_ij")
    bad = np.isnan(sa).any(axis=1) | np.isnan(sr).any(axis=1)
    rest = np.array([ref_rest.get(c, 0.0) for c in codes])
    k = np.where(bad, np.nan, np.abs(sa - sr).sum(axis=1) + rest)
    gini = np.where(bad | np.isnan(slq).any(axis=1), np.nan, gini_rows(slq))
    reasons = lq["reason"].to_numpy(dtype=object).reshape(J, C)
    why = [next((r for r in reasons[j] if isinstance(r, str)), "share not computable")
           if bad[j] else None for j in range(J)]
    out = pd.DataFrame({
        "code": codes, "e_j": grid("e_j")[:, 0], "E": grid("E")[:, 0],
        "n_commodities": (e_ij > 0).sum(axis=1),
        "n_years": lq["n_years"].to_numpy().reshape(J, C)[:, 0],
        "krugman": finite(k), "hoover": finite(k / 2), "gini": finite(gini), "reason": why,
    })
    out.attrs["notes"] = lq.attrs.get("notes", [])
    return out


def _reference_rest(lq: pd.DataFrame, reference: pd.DataFrame | None,
                    years: Iterable[int] | None, data: pd.DataFrame) -> dict[str, float]:
    """Per area: the reference's share in commodities that ``data`` does not list (area share 0)."""
    if reference is None:
        return {}
    r = check_frame(reference, ("commodity", "year"), "reference")
    listed = set(lq["commodity"])
    extra = r[~r["commodity"].isin(listed)]
    if extra.empty:
        return {}
    p = build_panel(data, years)
    covered = set(r["year"])
    by_year = extra.groupby("year")["value"].sum()
    tot = r.groupby("year")["value"].sum()
    out: dict[str, float] = {}
    for j, code in enumerate(p.codes):
        yrs = [int(y) for y, ok in zip(p.years, p.complete[j]) if ok and int(y) in covered]
        E = float(tot.reindex(yrs).sum())
        out[code] = float(by_year.reindex(yrs).fillna(0.0).sum()) / E if E > 0 else 0.0
    return out


def localisation_index(data: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Hoover, Krugman and Gini localisation of each commodity across the areas of ``data``.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    years : iterable of int, optional
        Years summed (default: all years of ``data``); only areas complete in all of them count.

    Returns
    -------
    DataFrame
        ``commodity, E_i, E, n_areas, n_producing, hoover, krugman, gini, reason`` (one row per
        commodity; NaN with a reason for a commodity with no output).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A", "A", "B", "B", "C", "C"], "year": 2020,
    ...                   "commodity": ["padi", "kopi"] * 3,
    ...                   "value": [50, 0, 50, 0, 0, 100.0]})
    >>> localisation_index(d).round(4)[["commodity", "hoover", "gini"]].values.tolist()
    [['kopi', 0.5, 0.6667], ['padi', 0.5, 0.3333]]
    """
    p = build_panel(data, years)
    full = p.complete.all(axis=1)
    notes: list[str] = []
    left = [c for c, f in zip(p.codes, full) if not f]
    if left:
        notes.append(f"left out (not complete in every year): {', '.join(left)}")
    v = p.values[full].sum(axis=2)                     # J' x C
    e_j = v.sum(axis=1)                                # J'
    E_i = v.sum(axis=0)                                # C
    E = float(e_j.sum())
    rows = []
    for i, c in enumerate(p.commodities):
        reason = None
        if not full.any():
            reason = "no area complete in every year"
        elif E_i[i] <= 0:
            reason = "commodity has no output in any area"
        if reason:
            h = gini = float("nan")
        else:
            h = 0.5 * float(np.abs(v[:, i] / E_i[i] - e_j / E).sum())
            pos = e_j > 0
            lq = (v[pos, i] * E) / (E_i[i] * e_j[pos])
            gini = gini_unweighted(lq)
        rows.append({"commodity": c, "E_i": float(E_i[i]) if full.any() else float("nan"),
                     "E": E if full.any() else float("nan"), "n_areas": int(full.sum()),
                     "n_producing": int((v[:, i] > 0).sum()),
                     "hoover": h, "krugman": 2 * h, "gini": gini, "reason": reason})
    out = pd.DataFrame(rows)
    for col in ("hoover", "krugman", "gini"):
        out[col] = finite(out[col].to_numpy(dtype=float))
    out.attrs["notes"] = notes
    return out
