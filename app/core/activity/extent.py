"""How much of an area a commodity takes, in a measure that adds up across commodities.

A location quotient says how specialised an area is in a commodity, not how much of the area
the commodity is. Over a negligible base it is large and means little: 17 buffalo among a
kecamatan's 8,545 head of livestock give an LQ of 3.7 when the kabupaten keeps buffalo
nowhere else. The *extent share* says how large that base is: the commodity's share of the
area's hectares (harvested, planted or standing area) or heads under its family, over the
period; a crop's *land share* is its share of the hectares of every crop of the area (1 m²
of a medicinal herb is "all the desa's medicinal plants" and nothing of its land). Hectares
and heads add up across commodities;
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

from unggulan.core.activity.evidence import chosen_groups, grouped_rows

#: the measures that add up across commodities
EXTENT_MEASURES = ("harvested_area", "planted_area", "area", "population")
#: the columns :func:`extent_shares` gives beside ``code, commodity``
EXTENT_COLUMNS = ("extent_share", "extent_measure", "land_share")


def extent_shares(st: pd.DataFrame, level: str, period: tuple[int, int] | None = None
                  ) -> pd.DataFrame:
    """Per (area, commodity) of ``level``: ``extent_share``, ``extent_measure`` and
    ``land_share``.

    Each commodity takes one extent measure (:data:`EXTENT_MEASURES`), chosen as the
    statistics' evidence chooses its group
    (:func:`~unggulan.core.activity.evidence.chosen_groups`: the first of
    ``MEASURE_PRIORITY``, then the group with the most values), counted once.
    ``extent_share`` is its share of the area's total of that group (measure, unit, family):
    of the estate crops' hectares, of the livestock's heads. ``land_share`` (crops, in
    hectares) is its share of the area's crop land: every commodity in hectares, whatever its
    family, so that 1 m² of a medicinal herb, "100 % of the desa's medicinal plants", is
    0.001 % of a desa with 7 ha of vegetables. Sums are over the period's years. NaN where
    the pool holds one commodity only (its share is 1 by construction). Duplicate values of
    one cell (the same table printed in several books) count once (their mean); negative and
    missing values are left out.

    >>> st = pd.DataFrame({"level": "kecamatan", "code": ["A", "A", "A", "B", "A", "A", "A"],
    ...     "commodity": ["sapi", "kerbau", "kambing", "kerbau", "sapi", "jahe", "padi"],
    ...     "measure": ["population"] * 4 + ["production"] + ["harvested_area"] * 2,
    ...     "unit": ["ekor"] * 4 + ["ton", "ha", "ha"], "year": 2020,
    ...     "family": ["livestock"] * 5 + ["medicinal", "food_crops"],
    ...     "value": [80.0, 2.0, 18.0, 5.0, 9.0, 0.5, 99.5], "ratio": False})
    >>> extent_shares(st, "kecamatan").round(3).values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['A', 'jahe', nan, 'harvested_area', 0.005], ['A', 'kambing', 0.18, 'population', nan],
     ['A', 'kerbau', 0.02, 'population', nan], ['A', 'padi', nan, 'harvested_area', 0.995],
     ['A', 'sapi', 0.8, 'population', nan], ['B', 'kerbau', 1.0, 'population', nan]]
    """
    empty = pd.DataFrame({"code": pd.Series(dtype=object), "commodity": pd.Series(dtype=object),
                          "extent_share": pd.Series(dtype=float),
                          "extent_measure": pd.Series(dtype=object),
                          "land_share": pd.Series(dtype=float)})
    if st.empty or "measure" not in st:
        return empty
    rows = grouped_rows(st, level)
    rows = rows[rows["measure"].astype(object).isin(EXTENT_MEASURES).to_numpy()]
    value = rows["value"].to_numpy(float)
    keep = np.isfinite(value) & (value >= 0)
    if period is not None:
        year = rows["year"].to_numpy(float)
        keep &= (year >= period[0]) & (year <= period[1])
    # each commodity's group, chosen as the statistics' evidence chooses (chosen_groups)
    rows = chosen_groups(rows[keep])
    if rows.empty:
        return empty
    code_i, codes = pd.factorize(rows["code"], sort=False)
    comm_i, comms = pd.factorize(rows["commodity"], sort=False)
    grp_i, groups = pd.factorize(rows["_group"], sort=False)
    year_i, _ = pd.factorize(rows["year"], sort=False)
    J, C, G = len(codes), len(comms), len(groups)
    Y = int(year_i.max()) + 1
    v = rows["value"].to_numpy(float)
    # one value per cell (code, commodity, group, year): the mean of duplicates
    cell = ((code_i.astype(np.int64) * C + comm_i) * G + grp_i) * Y + year_i
    cells, inv = np.unique(cell, return_inverse=True)
    val = np.bincount(inv, v) / np.bincount(inv)
    parts = [str(k).split("|") for k in groups]
    measure_of = np.asarray([p[0] for p in parts], dtype=object)
    in_ha = np.asarray([p[1] == "ha" for p in parts])
    # each (code, commodity) once, in its commodity's group: summed over the period
    pairs, pinv = np.unique(cells // Y, return_inverse=True)
    psum = np.bincount(pinv, val)
    pg, pj, pc = pairs % G, pairs // (C * G), (pairs // G) % C

    def shares(pool: np.ndarray, n_pools: int) -> np.ndarray:
        total = np.bincount(pj * n_pools + pool, psum, minlength=J * n_pools)
        n_comms = np.bincount(np.unique(pool * C + pc) // C, minlength=n_pools)
        tot = total[pj * n_pools + pool]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((tot > 0) & (n_comms[pool] >= 2), psum / tot, np.nan)

    group_share = shares(pg, G)
    land = shares(in_ha[pg].astype(np.int64), 2)        # pool 1: every group in hectares
    out = pd.DataFrame({"code": np.asarray(codes, dtype=object)[pj],
                        "commodity": np.asarray(comms, dtype=object)[pc],
                        "extent_share": group_share, "extent_measure": measure_of[pg],
                        "land_share": np.where(in_ha[pg], land, np.nan)})
    return out.sort_values(["code", "commodity"], kind="stable").reset_index(drop=True)


def with_extent(ev: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """``ev`` (statistics' evidence, ``code, commodity, ...``) with the :data:`EXTENT_COLUMNS`
    of ``shares`` (:func:`extent_shares`) beside each row (NaN / None where it has none)."""
    ev = ev.copy()
    if ev.empty or shares.empty:
        for col in EXTENT_COLUMNS:
            ev[col] = None if col == "extent_measure" else np.nan
        return ev
    index = pd.MultiIndex.from_arrays([shares["code"].astype(str).to_numpy(object),
                                       shares["commodity"].astype(str).to_numpy(object)])
    at = index.get_indexer(pd.MultiIndex.from_arrays(
        [ev["code"].astype(str).to_numpy(object), ev["commodity"].astype(str).to_numpy(object)]))
    hit = at >= 0
    for col in EXTENT_COLUMNS:
        text = col == "extent_measure"
        out = np.full(len(ev), None if text else np.nan, dtype=object if text else float)
        out[hit] = shares[col].to_numpy(object if text else float)[at[hit]]
        ev[col] = out
    return ev
