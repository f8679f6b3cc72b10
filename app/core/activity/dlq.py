"""Dynamic location quotient (DLQ) and the SLQ x DLQ quadrants of Indonesian regional planning.

::

    DLQ_ij = [ (1 + g_ij) / (1 + g_j) ]^t  /  [ (1 + G_i) / (1 + G) ]^t

g_ij the average annual growth rate of commodity i in area j, g_j that of the area's total (all
commodities of the same measure), G_i and G the same in the reference region, t the number of
years between the first and the last year. DLQ > 1: the commodity's weight in the area grows
faster than its weight in the reference. The formula and the reading of t ("selisih tahun awal
dengan tahun akhir") are those given by C. Angelina, "Comparative Advantage dan Location
Quotient", Kompasiana, 15 Nov 2019,
https://www.kompasiana.com/181910501059callistaa/5dcda0f1097f3604df138602/comparative-advantage-dan-location-quotient?page=2
(Indonesian studies attribute the DLQ to Suyatno 2000, "Analisa economic base terhadap
pertumbuhan ekonomi daerah tingkat II Wonogiri"; that paper itself was not found to check).

Growth rates (see :mod:`unggulan.core.activity.growth`): ``growth="mean"`` (default) is the
arithmetic mean of the year-on-year rates, the way most Indonesian studies compute g, so a published
table can be reproduced; ``growth="cagr"`` is the compound rate, with which the DLQ is exactly
``SLQ_last / SLQ_first`` and the years in between do not matter. A commodity absent (zero) at the
start, or (with ``"mean"``) in any year before the last, has no growth rate: DLQ NaN with the year
in ``reason``, never inf. Each area is judged on its complete years; the default reference is the
balanced panel of the areas complete in every year.

Quadrants (:func:`quadrants`), "above" meaning > 1 and "below" <= 1:

=========  =========  ===============  ==========================================================
SLQ        DLQ        quadrant         reading
=========  =========  ===============  ==========================================================
> 1        > 1        ``unggulan``     leading: a basis today and gaining ground
> 1        <= 1       ``andalan``      mainstay: a basis today but losing ground
<= 1       > 1        ``prospektif``   prospective: not yet a basis, gaining ground
<= 1       <= 1       ``tertinggal``   lagging
=========  =========  ===============  ==========================================================

The names of the two mixed quadrants vary between sources. The default follows the words:
*prospektif* (looking ahead) for a commodity that is not yet a basis but grows faster, as the
SLQ/DLQ study of Kepulauan Riau calls such sectors "sektor basis baru yang prospektif" (JEMB
2(6), https://doi.org/10.62017/jemb.v2i6.5038), and *andalan* (relied on) for today's basis
that is slowing. Angelina (2019, above) names the rising non-basis quadrant *andalan* instead
(her SLQ > 1, DLQ < 1 line repeats "tertinggal", evidently a slip for the remaining name,
*prospektif*); ``convention="angelina"`` swaps the two labels to reproduce such tables.

Example: padi in area A, 40 -> 60 -> 90 t (+50 %, +50 %), A's total 100 -> 120 -> 150
(+20 %, +25 %), the reference's padi and total both +20 %, +12.5 %:
DLQ = [(1.5 / 1.225) / (1.1625 / 1.1625)]^2 = 1.4994.

>>> import pandas as pd
>>> d = pd.DataFrame({"code": ["A"] * 6 + ["B"] * 6,
...     "commodity": ["padi", "jagung"] * 6, "year": [2020, 2020, 2021, 2021, 2022, 2022] * 2,
...     "value": [40, 60, 60, 60, 90, 60, 60, 40, 60, 60, 45, 75.0]})
>>> dynamic_lq(d).round(4)[["code", "commodity", "dlq"]].values.tolist()
[['A', 'jagung', 0.6664], ['A', 'padi', 1.4994], ['B', 'jagung', 1.5625], ['B', 'padi', 0.6327]]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.activity.growth import (
    Panel,
    average_growth,
    build_panel,
    check_growth,
    fill_reason,
    finite,
    reference_arrays,
)

QUADRANTS = {
    # (slq above 1, dlq above 1) -> (id, en)
    (True, True): ("unggulan", "leading"),
    (True, False): ("andalan", "mainstay"),
    (False, True): ("prospektif", "prospective"),
    (False, False): ("tertinggal", "lagging"),
}
CONVENTIONS = ("default", "angelina")


#: a DLQ outside these bounds comes from a broken series (a table missing one year read as
#: zeros, a unit changing between years): it is not shown, its reason says why
DLQ_PLAUSIBLE = (1e-4, 1e4)


def growth_arrays(data: pd.DataFrame, reference: pd.DataFrame | None,
                  years: Iterable[int] | None, growth: str) -> dict[str, object]:
    """Average annual growth of e_ij, e_j, E_i, E per (area, commodity), on each area's years.

    Shared by :func:`dynamic_lq` and :func:`unggulan.core.activity.klassen.klassen`. Returns a dict
    of flat arrays (one entry per pair, areas outer, commodities inner) and the panel's sums over
    the years used (``sum_e_ij`` ...), with ``notes``.
    """
    check_growth(growth)  # before the data's checks, as always
    return growth_arrays_panel(build_panel(data, years), reference, growth)


def growth_arrays_panel(p: Panel, reference: pd.DataFrame | None, growth: str
                        ) -> dict[str, object]:
    """:func:`growth_arrays` of a panel already built (:func:`~unggulan.core.activity.growth.
    build_panel`)."""
    check_growth(growth)
    E_i, E, notes = reference_arrays(p, reference, balanced=True)
    J, C, T = p.values.shape
    use = p.complete & np.isfinite(E)[None, :]
    e = p.masked(use)
    e_j = e.sum(axis=1)                                            # J x T
    Ei = np.where(use[:, None, :], E_i[None, :, :], np.nan)        # J x C x T
    Ej = np.where(use, E[None, :], np.nan)                         # J x T
    g_ij = average_growth(e.reshape(J * C, T), p.years, growth)
    g_j = average_growth(e_j, p.years, growth)
    G_i = average_growth(Ei.reshape(J * C, T), p.years, growth)
    G = average_growth(Ej, p.years, growth)
    rep = lambda a: np.repeat(a, C)  # noqa: E731  per-area arrays -> per pair
    u3 = use[:, None, :]
    return {
        "panel": p, "notes": notes, "use": use,
        "codes": np.repeat(np.asarray(p.codes, dtype=object), C),
        "commodities": np.tile(np.asarray(p.commodities, dtype=object), J),
        "g_ij": g_ij, "g_j": g_j, "G_i": G_i, "G": G, "rep": rep,
        "sum_e_ij": np.where(u3, e, 0.0).sum(axis=2).ravel(),
        "sum_e_j": rep(np.where(use, e_j, 0.0).sum(axis=1)),
        "sum_E_i": np.where(u3, Ei, 0.0).sum(axis=2).ravel(),
        "sum_E": rep(np.where(use, Ej, 0.0).sum(axis=1)),
        "n_years": rep(use.sum(axis=1)),
    }


def dynamic_lq(data: pd.DataFrame, reference: pd.DataFrame | None = None,
               years: Iterable[int] | None = None, growth: str = "mean") -> pd.DataFrame:
    """Dynamic location quotient per (area, commodity) over a period.

    Parameters
    ----------
    data : DataFrame
        Long ``code, commodity, year, value`` of one measure (NaN = missing, 0 = nil).
    reference : DataFrame, optional
        ``commodity, year, value`` of the reference region; default: the sum of the areas
        (balanced panel, see :mod:`unggulan.core.activity.growth`).
    years : iterable of int, optional
        Years of the period (default: all years of ``data``); at least two.
    growth : {"mean", "cagr"}
        How the average annual growth rate is computed (module docstring).

    Returns
    -------
    DataFrame
        ``code, commodity, g_ij, g_j, G_i, G, t, first_year, last_year, dlq, reason``
        (growth rates as fractions, 0.15 = 15 %); ``attrs["notes"]`` on the reference.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"code": ["A"] * 6 + ["B"] * 6,
    ...     "commodity": ["padi", "jagung"] * 6, "year": [2020, 2020, 2021, 2021, 2022, 2022] * 2,
    ...     "value": [40, 60, 60, 60, 90, 60, 60, 40, 60, 60, 45, 75.0]})
    >>> r = dynamic_lq(d).iloc[1]
    >>> [round(float(r[c]), 4) for c in ("g_ij", "g_j", "G_i", "G", "t")]
    [0.5, 0.225, 0.1625, 0.1625, 2.0]
    >>> round(float(dynamic_lq(d, growth="cagr").iloc[1]["dlq"]), 6)   # SLQ 2022/SLQ 2020 = 1.2/0.8
    1.5
    """
    check_growth(growth)
    return dynamic_lq_panel(build_panel(data, years), reference, growth)


def dlq_of_growth(g_ij: np.ndarray, g_j: np.ndarray, G_i: np.ndarray, G: np.ndarray,
                  t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``DLQ = [((1 + g_ij) / (1 + g_j)) / ((1 + G_i) / (1 + G))] ** t`` per pair (NaN where
    a growth factor is not positive, never inf) and where it lies outside
    :data:`DLQ_PLAUSIBLE` (a broken series: callers show NaN there).

    >>> d, wild = dlq_of_growth(np.array([0.5]), np.array([0.225]), np.array([0.1625]),
    ...                         np.array([0.1625]), np.array([2.0]))
    >>> round(float(d[0]), 4), bool(wild[0])
    (1.4994, False)
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = ((1 + g_ij) / (1 + g_j)) / ((1 + G_i) / (1 + G))
        dlq = finite(np.where((1 + g_j > 0) & (1 + G_i > 0) & (1 + G > 0), ratio ** t, np.nan))
    wild = np.isfinite(dlq) & ((dlq < DLQ_PLAUSIBLE[0]) | (dlq > DLQ_PLAUSIBLE[1]))
    return dlq, wild


def quadrant_labels(slq: np.ndarray, dlq: np.ndarray, labels: dict | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The quadrant (Indonesian, English) of each SLQ x DLQ pair (:data:`QUADRANTS`, or
    ``labels``); None where either is NaN.

    >>> quadrant_labels(np.array([1.3, 0.7, np.nan]), np.array([0.9, 1.4, 1.0]))[0].tolist()
    ['andalan', 'prospektif', None]
    """
    q_id = np.full(np.shape(slq), None, dtype=object)
    q_en = np.full(np.shape(slq), None, dtype=object)
    ok = np.isfinite(slq) & np.isfinite(dlq)
    for (hi_s, hi_d), (lid, len_) in (labels or QUADRANTS).items():
        sel = ok & ((slq > 1) == hi_s) & ((dlq > 1) == hi_d)
        q_id[sel] = lid
        q_en[sel] = len_
    return q_id, q_en


def dynamic_lq_panel(p: Panel, reference: pd.DataFrame | None = None,
                     growth: str = "mean") -> pd.DataFrame:
    """:func:`dynamic_lq` of a panel already built (:func:`~unggulan.core.activity.growth.
    build_panel`): callers computing the static and the dynamic LQ of the same data build
    it once."""
    a = growth_arrays_panel(p, reference, growth)
    rep = a["rep"]
    g_ij, g_j, G_i, G = a["g_ij"], a["g_j"], a["G_i"], a["G"]
    gj, Gg = rep(g_j.g), rep(G.g)
    t = g_ij.t
    dlq, wild = dlq_of_growth(g_ij.g, gj, G_i.g, Gg, t)
    n = len(dlq)
    reason = np.full(n, None, dtype=object)
    if wild.any():
        reason[wild] = [f"DLQ {x:.2g} outside [{DLQ_PLAUSIBLE[0]:g}, {DLQ_PLAUSIBLE[1]:g}]: "
                        "implausible growth rates, check the series" for x in dlq[wild]]
        dlq = np.where(wild, np.nan, dlq)
    nan = np.isnan(dlq)
    few = a["n_years"] < 2
    fill_reason(reason, nan & few, "fewer than two complete years for the area")
    for label, gr, per_area in (("commodity in the area", g_ij, False),
                                ("area total", g_j, True),
                                ("commodity in the reference", G_i, False),
                                ("reference total", G, True)):
        why = rep(gr.reason) if per_area else gr.reason
        has = np.array([w is not None for w in why], dtype=bool)
        text = np.array([f"{label}: {w}" if w is not None else None for w in why], dtype=object)
        fill_reason(reason, nan & has, text)
    fill_reason(reason, nan & (1 + gj == 0), "area total fell to zero")
    fill_reason(reason, nan & (1 + G_i.g == 0), "commodity fell to zero in the reference")
    fill_reason(reason, nan, "not computable (overflow)")
    out = pd.DataFrame({
        "code": a["codes"], "commodity": a["commodities"],
        "g_ij": g_ij.g, "g_j": gj, "G_i": G_i.g, "G": Gg,
        "t": pd.array(np.where(np.isnan(t), pd.NA, t), dtype="Int64"),
        "first_year": pd.array(np.where(np.isnan(g_ij.first_year), pd.NA, g_ij.first_year),
                               dtype="Int64"),
        "last_year": pd.array(np.where(np.isnan(g_ij.last_year), pd.NA, g_ij.last_year),
                              dtype="Int64"),
        "dlq": dlq, "reason": reason,
    })
    out.attrs["notes"] = a["notes"]
    return out


def quadrants(slq_frame: pd.DataFrame, dlq_frame: pd.DataFrame,
              convention: str = "default") -> pd.DataFrame:
    """SLQ x DLQ quadrant of each (area, commodity), labelled in Indonesian and English.

    Parameters
    ----------
    slq_frame : DataFrame
        :func:`unggulan.core.activity.lq.static_lq` over the period (``by_year=False``): ``code,
        commodity, slq`` (and ``reason``).
    dlq_frame : DataFrame
        :func:`dynamic_lq`: ``code, commodity, dlq`` (and ``reason``).
    convention : {"default", "angelina"}
        Which mixed quadrant is *prospektif* and which *andalan* (module docstring).

    Returns
    -------
    DataFrame
        ``code, commodity, slq, dlq, quadrant, quadrant_en, reason``; ``quadrant`` is None
        where SLQ or DLQ is NaN (or the pair is in one frame only), with the reason.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"code": ["A", "A"], "commodity": ["padi", "kopi"], "slq": [1.3, 0.7]})
    >>> d = pd.DataFrame({"code": ["A", "A"], "commodity": ["padi", "kopi"], "dlq": [0.9, 1.4]})
    >>> quadrants(s, d)[["commodity", "quadrant", "quadrant_en"]].values.tolist()
    [['kopi', 'prospektif', 'prospective'], ['padi', 'andalan', 'mainstay']]
    """
    if convention not in CONVENTIONS:
        raise UnggulanError(f"convention must be one of {', '.join(CONVENTIONS)}, not "
                            f"{convention!r}", field="convention")
    for name, frame, col in (("slq_frame", slq_frame, "slq"), ("dlq_frame", dlq_frame, "dlq")):
        if not isinstance(frame, pd.DataFrame):
            raise UnggulanError(f"{name} must be a DataFrame", field=name)
        for c in ("code", "commodity", col):
            if c not in frame.columns:
                raise UnggulanError(f"{name} has no column '{c}'", field=name)
    if "year" in slq_frame.columns:
        raise UnggulanError("slq_frame has one row per year: pass static_lq(..., by_year=False)",
                            field="slq_frame")
    s = slq_frame[["code", "commodity", "slq"]].assign(
        reason_s=slq_frame["reason"] if "reason" in slq_frame.columns else None)
    d = dlq_frame[["code", "commodity", "dlq"]].assign(
        reason_d=dlq_frame["reason"] if "reason" in dlq_frame.columns else None)
    for f, name in ((s, "slq_frame"), (d, "dlq_frame")):
        if f.duplicated(["code", "commodity"]).any():
            raise UnggulanError(f"{name} has more than one row per (code, commodity)", field=name)
    m = s.merge(d, on=["code", "commodity"], how="outer", indicator=True)
    m = m.sort_values(["code", "commodity"], kind="stable").reset_index(drop=True)
    slq = pd.to_numeric(m["slq"], errors="coerce").to_numpy(dtype=float)
    dlq = pd.to_numeric(m["dlq"], errors="coerce").to_numpy(dtype=float)
    labels = dict(QUADRANTS)
    if convention == "angelina":
        labels[(True, False)], labels[(False, True)] = (
            ("prospektif", "prospective"), ("andalan", "mainstay"))
    q_id, q_en = quadrant_labels(slq, dlq, labels)
    reason = np.full(len(m), None, dtype=object)
    only = m["_merge"].astype(str).to_numpy()
    fill_reason(reason, only == "left_only", "no DLQ for the pair")
    fill_reason(reason, only == "right_only", "no SLQ for the pair")
    rs = m["reason_s"].to_numpy(dtype=object)
    rd = m["reason_d"].to_numpy(dtype=object)
    fill_reason(reason, ~np.isfinite(slq), np.array(
        [f"SLQ: {r}" if isinstance(r, str) else "SLQ is NaN" for r in rs], dtype=object))
    fill_reason(reason, ~np.isfinite(dlq), np.array(
        [f"DLQ: {r}" if isinstance(r, str) else "DLQ is NaN" for r in rd], dtype=object))
    return pd.DataFrame({
        "code": m["code"].to_numpy(dtype=object), "commodity": m["commodity"].to_numpy(
            dtype=object),
        "slq": np.where(np.isfinite(slq), slq, np.nan), "dlq": np.where(np.isfinite(dlq), dlq,
                                                                         np.nan),
        "quadrant": q_id, "quadrant_en": q_en, "reason": reason,
    })
