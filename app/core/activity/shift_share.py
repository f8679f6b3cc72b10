"""Shift-share analysis per (area, commodity): classic (Dunn) and Esteban-Marquillas.

The change of commodity i in area j between ``start`` and ``end`` is split into what the
reference's overall growth, the commodity's own growth in the reference, and the area's own
performance explain::

    e_end - e_start = N + M + D
    N = e_start * R                      national (reference) share: as if it grew like the
                                         reference's total, R = E_end / E_start - 1
    M = e_start * (R_i - R)              proportional shift (industry mix): the commodity grows
                                         faster or slower than everything in the reference,
                                         R_i = E_i,end / E_i,start - 1
    D = e_end - e_start * (1 + R_i)      differential shift (competitive): the area does better
                                         or worse than the reference in the same commodity,
                                         = e_start * (r_ij - R_i) with r_ij = e_end / e_start - 1

These are the components of REAT's ``shift(..., shift.method = "Dunn")`` ("National share",
"Industrial mix", "Regional shift"; Wieland, https://rdrr.io/cran/REAT/src/R/shift.R, after Dunn
1960), kept per commodity instead of summed over the area.

Esteban-Marquillas (1972), ``method="esteban"``, splits D with the *homothetic* value, what the
area would have of the commodity if its structure were the reference's::

    h = e_j,start * E_i,start / E_start
    D = h * (r_ij - R_i)  +  (e_start - h) * (r_ij - R_i)
        differential_homothetic   allocation

(REAT ``shift(..., shift.method = "Esteban")``: ``he_region1`` and "Allocation effect"). The
allocation effect is positive where the area is specialised (e_start > h) in a commodity in
which it is competitive (r_ij > R_i), or neither.

``total = N + M + D`` equals ``e_end - e_start`` up to rounding (1e-9 relative), by construction.

Zeros and gaps: a commodity absent (0) at the start has no growth rate, but its change is known:
N = M = 0 and all of it is differential (D = e_end); the Esteban-Marquillas split of D is then
NaN with a reason. A commodity zero in the reference at the start (R_i undefined) gets M and D
NaN with a reason. An area not complete in the start or the end year gets NaN components.
The default reference is the balanced panel of the areas complete in both years.

Example: area A, padi 60 -> 90 t; the reference's padi 200 -> 240 (R_i = 0.2) and total
400 -> 440 (R = 0.1): N = 60 * 0.1 = 6, M = 60 * (0.2 - 0.1) = 6, D = 90 - 60 * 1.2 = 18,
total 30 = 90 - 60.

>>> import pandas as pd
>>> d = pd.DataFrame({"code": ["A", "A", "B", "B"] * 2, "commodity": ["padi", "jagung"] * 4,
...                   "year": [2020] * 4 + [2024] * 4,
...                   "value": [60, 40, 140, 160, 90, 50, 150, 150.0]})
>>> shift_share(d).round(3)[["code", "commodity", "national_share", "proportional",
...                          "differential", "total"]].values.tolist()[1]
['A', 'padi', 6.0, 6.0, 18.0, 30.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.activity.growth import (
    build_panel,
    check_frame,
    fill_reason,
    finite,
    reference_arrays,
)

METHODS = ("classic", "esteban")


def shift_share(data: pd.DataFrame, reference: pd.DataFrame | None = None,
                start: int | None = None, end: int | None = None,
                method: str = "classic") -> pd.DataFrame:
    """Shift-share components of the change of each (area, commodity) from ``start`` to ``end``.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    reference : DataFrame, optional
        ``commodity, year, value`` of the reference region; default: the sum of the areas
        complete in both years.
    start, end : int, optional
        First and last year (default: the first and last year of ``data``).
    method : {"classic", "esteban"}
        Dunn's three components, or with the Esteban-Marquillas split of the differential.

    Returns
    -------
    DataFrame
        ``code, commodity, e_start, e_end, E_i_start, E_i_end, E_start, E_end, r_ij, R_i, R,
        national_share, proportional, differential, total, reason``; with ``"esteban"`` also
        ``e_j_start, homothetic, differential_homothetic, allocation``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A", "A", "B", "B"] * 2, "commodity": ["padi", "jagung"] * 4,
    ...                   "year": [2020] * 4 + [2024] * 4,
    ...                   "value": [60, 40, 140, 160, 90, 50, 150, 150.0]})
    >>> r = shift_share(d, method="esteban").iloc[1]             # A padi
    >>> [round(float(r[c]), 3) for c in ("homothetic", "differential_homothetic", "allocation")]
    [50.0, 15.0, 3.0]
    """
    if method not in METHODS:
        raise UnggulanError(f"method must be one of {', '.join(METHODS)}, not {method!r}",
                            field="method")
    years = sorted(check_frame(data, ("code", "commodity", "year"), "data")["year"].unique())
    start = years[0] if start is None else int(start)
    end = years[-1] if end is None else int(end)
    if start >= end:
        raise UnggulanError(f"start ({start}) must be before end ({end})", field="start")
    p = build_panel(data, [start, end])
    E_i, E, notes = reference_arrays(p, reference, balanced=True)
    J, C, _ = p.values.shape
    use = p.complete & np.isfinite(E)[None, :]
    ok_area = use.all(axis=1)                                   # J
    e = np.where(ok_area[:, None, None], p.values, np.nan)      # J x C x 2
    e0, e1 = e[:, :, 0].ravel(), e[:, :, 1].ravel()
    ej0 = np.repeat(np.where(ok_area, p.values[:, :, 0].sum(axis=1), np.nan), C)
    ok_pair = np.repeat(ok_area, C)
    Ei0 = np.where(ok_pair, np.tile(E_i[:, 0], J), np.nan)
    Ei1 = np.where(ok_pair, np.tile(E_i[:, 1], J), np.nan)
    E0 = np.where(ok_pair, E[0], np.nan)
    E1 = np.where(ok_pair, E[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = finite(np.where(E0 > 0, E1 / E0 - 1.0, np.nan))
        R_i = finite(np.where(Ei0 > 0, Ei1 / Ei0 - 1.0, np.nan))
        r_ij = finite(np.where(e0 > 0, e1 / e0 - 1.0, np.nan))
        new = e0 == 0
        N = np.where(new, 0.0, finite(e0 * R))
        M = np.where(new, 0.0, finite(e0 * (R_i - R)))
        D = np.where(new, e1, finite(e1 - e0 * (1.0 + R_i)))
        D = np.where(np.isnan(e0) | np.isnan(e1), np.nan, D)
        N = np.where(np.isnan(e0) | np.isnan(e1), np.nan, N)
        M = np.where(np.isnan(e0) | np.isnan(e1), np.nan, M)
        total = N + M + D
    n = J * C
    reason = np.full(n, None, dtype=object)
    bad = np.isnan(total)
    not_start = np.repeat(~p.complete[:, 0], C)
    not_end = np.repeat(~p.complete[:, 1], C)
    fill_reason(reason, bad & not_start, f"area not complete in {start}")
    fill_reason(reason, bad & not_end, f"area not complete in {end}")
    fill_reason(reason, bad & np.isnan(E0), f"reference has no data for {start}")
    fill_reason(reason, bad & np.isnan(E1), f"reference has no data for {end}")
    fill_reason(reason, bad & (np.isnan(Ei0) | np.isnan(Ei1)), "commodity not in the reference")
    fill_reason(reason, bad & (E0 == 0), f"reference total is zero in {start}")
    fill_reason(reason, bad & (Ei0 == 0),
                f"commodity is zero in the reference in {start}: its growth is undefined")
    fill_reason(reason, bad, "not computable")
    out = pd.DataFrame({
        "code": np.repeat(np.asarray(p.codes, dtype=object), C),
        "commodity": np.tile(np.asarray(p.commodities, dtype=object), J),
        "e_start": e0, "e_end": e1, "E_i_start": Ei0, "E_i_end": Ei1, "E_start": E0,
        "E_end": E1, "r_ij": r_ij, "R_i": R_i, "R": R,
        "national_share": N, "proportional": M, "differential": D, "total": finite(total),
    })
    if method == "esteban":
        with np.errstate(divide="ignore", invalid="ignore"):
            h = finite(np.where(E0 > 0, ej0 * Ei0 / E0, np.nan))
            diff = r_ij - R_i
            D_h = finite(h * diff)
            A = finite((e0 - h) * diff)
        split_bad = np.isnan(A) & ~bad
        fill_reason(reason, split_bad & new,
                    f"zero in {start}: growth from zero is undefined, so the differential "
                    "is not split (Esteban-Marquillas)")
        fill_reason(reason, split_bad, "Esteban-Marquillas split not computable")
        out.insert(out.columns.get_loc("E_i_start"), "e_j_start", ej0)
        out["homothetic"] = h
        out["differential_homothetic"] = D_h
        out["allocation"] = A
    out["reason"] = reason
    out.attrs["notes"] = notes
    out.attrs["start"], out.attrs["end"] = start, end
    return out
