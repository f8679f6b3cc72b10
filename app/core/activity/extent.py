"""How much of an area a commodity takes, in a measure that adds up across commodities.

A location quotient says how specialised an area is in a commodity, not how much of the area
the commodity is. Over a negligible base it is large and means little: 17 buffalo among a
kecamatan's 8,545 head of livestock give an LQ of 3.7 when the kabupaten keeps buffalo
nowhere else. The *extent share* says how large that base is: the commodity's share of the
area's land under the crops of its family (harvested, planted or standing area, in hectares)
or of its livestock (heads), over the period. Hectares and heads add up across commodities;
tonnes of coconuts, cane sugar and cured tobacco leaf, the production the LQ usually uses, do
not (Jember's estate-crop table prints 2.97 million "tonnes" of coconut beside 1,994 tonnes of
tobacco).

The ranking weighs a statistics LQ by this share
(:func:`unggulan.core.ranking.candidates.material`), and the explanation names it where it
is small.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from unggulan.core.activity.evidence import comparable_rows, group_key

#: the measures that add up across the commodities of a family, preferred in this order
EXTENT_MEASURES = ("harvested_area", "planted_area", "area", "population")
#: the columns :func:`extent_shares` gives beside ``code, commodity``
EXTENT_COLUMNS = ("extent_share", "extent_measure")


def extent_shares(st: pd.DataFrame, level: str, period: tuple[int, int] | None = None
                  ) -> pd.DataFrame:
    """Per (area, commodity) of ``level``: ``extent_share``, the commodity's share of the
    area's total of one extent measure (:data:`EXTENT_MEASURES`) of its comparable group
    (measure, unit, family), summed over the period's years, and ``extent_measure``.

    Each commodity takes the first extent measure it has (then the group with the most
    values); the area's total is over every commodity of that group (NaN where the group
    has one commodity only: its share is 1 by construction). Duplicate values of
    one cell (the same table printed in several books) count once (their mean); negative
    and missing values are left out.

    >>> st = pd.DataFrame({"level": "kecamatan", "code": ["A", "A", "A", "B", "A"],
    ...     "commodity": ["sapi", "kerbau", "kambing", "kerbau", "sapi"],
    ...     "measure": ["population"] * 4 + ["production"], "unit": ["ekor"] * 4 + ["ton"],
    ...     "family": "livestock", "year": 2020, "value": [80.0, 2.0, 18.0, 5.0, 9.0],
    ...     "ratio": False})
    >>> extent_shares(st, "kecamatan").round(2).values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['A', 'kambing', 0.18, 'population'], ['A', 'kerbau', 0.02, 'population'],
     ['A', 'sapi', 0.8, 'population'], ['B', 'kerbau', 1.0, 'population']]
    """
    empty = pd.DataFrame({"code": pd.Series(dtype=object), "commodity": pd.Series(dtype=object),
                          "extent_share": pd.Series(dtype=float),
                          "extent_measure": pd.Series(dtype=object)})
    if st.empty or "measure" not in st:
        return empty
    rows = st[(st["level"] == level).to_numpy()]
    rows = comparable_rows(rows)
    rows = rows[rows["measure"].astype(object).isin(EXTENT_MEASURES).to_numpy()]
    value = rows["value"].to_numpy(float)
    keep = np.isfinite(value) & (value >= 0)
    if period is not None:
        year = rows["year"].to_numpy(float)
        keep &= (year >= period[0]) & (year <= period[1])
    rows = rows[keep]
    if rows.empty:
        return empty
    code_i, codes = pd.factorize(rows["code"], sort=False)
    comm_i, comms = pd.factorize(rows["commodity"], sort=False)
    grp_i, groups = pd.factorize(group_key(rows), sort=False)
    year_i, _ = pd.factorize(rows["year"], sort=False)
    J, C, G = len(codes), len(comms), len(groups)
    Y = int(year_i.max()) + 1
    v = rows["value"].to_numpy(float)
    # one value per cell (code, commodity, group, year): the mean of duplicates
    cell = ((code_i.astype(np.int64) * C + comm_i) * G + grp_i) * Y + year_i
    cells, inv = np.unique(cell, return_inverse=True)
    val = np.bincount(inv, v) / np.bincount(inv)
    pair = cells // Y                                    # (code, commodity, group)
    g = pair % G
    j = pair // (C * G)
    c = (pair // G) % C
    # each commodity's extent group: the first measure of EXTENT_MEASURES, then most values
    measure_of = np.asarray([str(k).split("|")[0] for k in groups], dtype=object)
    rank = np.asarray([EXTENT_MEASURES.index(m) for m in measure_of])
    n_vals = np.bincount(c * G + g, minlength=C * G).reshape(C, G)
    order = np.where(n_vals > 0, rank[None, :] * (len(v) + 1) - n_vals, np.iinfo(np.int64).max)
    chosen = np.argmin(order, axis=1)                    # group per commodity
    # the area's total of each group over the period, and each pair's sum
    total = np.bincount(j * G + g, val, minlength=J * G)
    pairs, pinv = np.unique(pair, return_inverse=True)
    psum = np.bincount(pinv, val)
    pg, pj, pc = pairs % G, pairs // (C * G), (pairs // G) % C
    mine = pg == chosen[pc]
    pg, pj, pc, psum = pg[mine], pj[mine], pc[mine], psum[mine]
    tot = total[pj * G + pg]
    # a group of one commodity: its share is 1 by construction, not evidence
    n_comms = (n_vals > 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where((tot > 0) & (n_comms[pg] >= 2), psum / tot, np.nan)
    out = pd.DataFrame({"code": np.asarray(codes, dtype=object)[pj],
                        "commodity": np.asarray(comms, dtype=object)[pc],
                        "extent_share": share, "extent_measure": measure_of[pg]})
    return out.sort_values(["code", "commodity"], kind="stable").reset_index(drop=True)


def with_extent(ev: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """``ev`` (statistics' evidence, ``code, commodity, ...``) with the :data:`EXTENT_COLUMNS`
    of ``shares`` (:func:`extent_shares`) beside each row (NaN / None where it has none)."""
    ev = ev.copy()
    if ev.empty or shares.empty:
        ev["extent_share"] = np.nan
        ev["extent_measure"] = None
        return ev
    index = pd.MultiIndex.from_arrays([shares["code"].astype(str).to_numpy(object),
                                       shares["commodity"].astype(str).to_numpy(object)])
    at = index.get_indexer(pd.MultiIndex.from_arrays(
        [ev["code"].astype(str).to_numpy(object), ev["commodity"].astype(str).to_numpy(object)]))
    hit = at >= 0
    share = np.full(len(ev), np.nan)
    share[hit] = shares["extent_share"].to_numpy(float)[at[hit]]
    measure = np.full(len(ev), None, dtype=object)
    measure[hit] = shares["extent_measure"].to_numpy(object)[at[hit]]
    ev["extent_share"] = share
    ev["extent_measure"] = measure
    return ev
