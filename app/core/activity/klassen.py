"""Klassen typology per (area, commodity): growth and share against the reference region.

The sectoral (here: commodity-level) Klassen typology of Indonesian regional studies compares,
for each sector, its growth rate in the area with the **same sector's** growth rate in the
reference region, and its contribution to the area's output with its contribution to the
reference's output (Sjafrizal 2008, as summarised in "Analisis Tipologi Klassen",
https://text-id.123dok.com/document/oz1onm3q9-analisis-tipologi-klassen-teori-basis-ekonomi.html;
that the typology serves "sektor, subsektor, usaha, atau komoditi" is Syafrizal 1997, quoted in
https://text-id.123dok.com/document/nzwm5nrgq-tipologi-klassen-pertumbuhan-ekonomi-regional.html).

::

    fast = g_ij > G_i                         average annual growth, area vs reference
    big  = share_area > share_reference      e_ij / e_j vs E_i / E over the period (summed)

=====  ======  ======  ===============================  =========================================
type   fast    big     klassen_id                       klassen_en
=====  ======  ======  ===============================  =========================================
I      yes     yes     maju dan tumbuh cepat (prima)    developed and fast-growing (prime)
II     no      yes     maju tapi tertekan               developed but depressed
III    yes     no      potensial / berkembang cepat     potential, fast-developing
IV     no      no      relatif tertinggal               relatively lagging
=====  ======  ======  ===============================  =========================================

"big" is the same test as SLQ > 1 over the period (the shares' ratio is the LQ). Ties count as
"not above". Another variant in use (PSAP UGM) compares the sector's growth with the growth of
the reference's *total*; this module uses the same-commodity comparison, which asks "does the
area gain ground in this commodity", the question behind a flagship choice.

Growth rates as in :mod:`unggulan.core.activity.growth` (``growth="mean"``: arithmetic mean of the
year-on-year rates; ``"cagr"``: compound). A commodity absent at the start has no growth rate:
type None with a reason. The default reference is the balanced panel of the areas complete in
every year, and both the shares and the growth use each area's complete years.

Example: area A, padi 60 -> 90 t over 2020-2024 (g = 1.5^(1/4) - 1 = 10.7 %/year) while the
reference's padi grew 200 -> 240 (G = 4.7 %/year); padi is 150 of A's 225 t (0.667) against
440 of 840 t (0.524) in the reference: type I.

>>> import pandas as pd
>>> d = pd.DataFrame({"code": ["A", "A", "B", "B"] * 2, "commodity": ["padi", "jagung"] * 4,
...                   "year": [2020] * 4 + [2024] * 4,
...                   "value": [60, 40, 140, 160, 90, 50, 150, 150.0]})
>>> klassen(d)[["code", "commodity", "klassen"]].values.tolist()
[['A', 'jagung', 'III'], ['A', 'padi', 'I'], ['B', 'jagung', 'II'], ['B', 'padi', 'IV']]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from unggulan.core.activity.dlq import growth_arrays
from unggulan.core.activity.growth import fill_reason
from unggulan.core.activity.lq import lq_reasons, lq_values

TYPES = {
    # (fast, big) -> (type, id, en)
    (True, True): ("I", "maju dan tumbuh cepat (prima)", "developed and fast-growing (prime)"),
    (False, True): ("II", "maju tapi tertekan", "developed but depressed"),
    (True, False): ("III", "potensial / berkembang cepat", "potential, fast-developing"),
    (False, False): ("IV", "relatif tertinggal", "relatively lagging"),
}


def klassen(data: pd.DataFrame, reference: pd.DataFrame | None = None,
            years: Iterable[int] | None = None, growth: str = "mean") -> pd.DataFrame:
    """Klassen type (I-IV) of each (area, commodity) over a period.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    reference : DataFrame, optional
        ``commodity, year, value`` of the reference region; default: the sum of the areas.
    years : iterable of int, optional
        Years of the period (default: all years of ``data``); at least two.
    growth : {"mean", "cagr"}
        Average annual growth rate (see :mod:`unggulan.core.activity.growth`).

    Returns
    -------
    DataFrame
        ``code, commodity, g_ij, G_i, share_area, share_reference, t, klassen, klassen_id,
        klassen_en, reason``; ``klassen`` is ``"I"`` ... ``"IV"`` or None (then ``reason``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A", "A", "B", "B"] * 2, "commodity": ["padi", "jagung"] * 4,
    ...                   "year": [2020] * 4 + [2024] * 4,
    ...                   "value": [60, 40, 140, 160, 90, 50, 150, 150.0]})
    >>> klassen(d).loc[1, ["klassen_id", "klassen_en"]].tolist()
    ['maju dan tumbuh cepat (prima)', 'developed and fast-growing (prime)']
    """
    a = growth_arrays(data, reference, years, growth)
    g_ij, G_i = a["g_ij"], a["G_i"]
    s_e, s_ej, s_Ei, s_E = a["sum_e_ij"], a["sum_e_j"], a["sum_E_i"], a["sum_E"]
    no_year = a["n_years"] == 0
    for arr in (s_e, s_ej, s_Ei, s_E):
        arr[no_year] = np.nan
    share_a, share_r, slq = lq_values(s_e, s_ej, s_Ei, s_E)
    n = len(slq)
    kind = np.full(n, None, dtype=object)
    k_id = np.full(n, None, dtype=object)
    k_en = np.full(n, None, dtype=object)
    ok = np.isfinite(g_ij.g) & np.isfinite(G_i.g) & np.isfinite(share_a) & np.isfinite(share_r)
    fast = g_ij.g > G_i.g
    big = share_a > share_r
    for (f, b), (k, kid, ken) in TYPES.items():
        sel = ok & (fast == f) & (big == b)
        kind[sel], k_id[sel], k_en[sel] = k, kid, ken
    reason = np.full(n, None, dtype=object)
    nan = ~ok
    fill_reason(reason, nan & (a["n_years"] < 2), "fewer than two complete years for the area")
    for label, gr in (("commodity in the area", g_ij), ("commodity in the reference", G_i)):
        text = np.array([f"{label}: {w}" if w is not None else None for w in gr.reason],
                        dtype=object)
        fill_reason(reason, nan & np.array([w is not None for w in gr.reason]), text)
    share_why = lq_reasons((n,), s_e, s_ej, s_Ei, s_E, np.where(
        np.isfinite(share_a) & np.isfinite(share_r), 0.0, np.nan))
    fill_reason(reason, nan & np.array([w is not None for w in share_why]), share_why)
    fill_reason(reason, nan, "not computable")
    t = g_ij.t
    out = pd.DataFrame({
        "code": a["codes"], "commodity": a["commodities"],
        "g_ij": g_ij.g, "G_i": G_i.g, "share_area": share_a, "share_reference": share_r,
        "t": pd.array(np.where(np.isnan(t), pd.NA, t), dtype="Int64"),
        "klassen": kind, "klassen_id": k_id, "klassen_en": k_en, "reason": reason,
    })
    out.attrs["notes"] = a["notes"]
    return out
