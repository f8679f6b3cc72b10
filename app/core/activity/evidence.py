"""What an area already produces, from the statistics: per (area, commodity) the measure
used, the period's values, the commodity's share of the area's own output, the static and
dynamic LQ and their quadrant. The candidates weigh this beside the sentra.

For each commodity one measure is used, the first available at the level in this order:
production (ton), population (ekor), harvested area, planted area, value, business units,
workers. Shares and LQs compare a commodity with all commodities **of the same measure**
(tons with tons, ekor with ekor); productivity ratios are never used.

Desa with statistics only by kecamatan take their kecamatan's evidence, marked
``stat_level = 'kecamatan'`` (nothing is spread over desa: every desa of the kecamatan sees
the same kecamatan figures, and explanations say so).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from unggulan.base.arrays import runs, setdiff_sorted, unique
from unggulan.base.errors import UnggulanError
from unggulan.core.activity.dlq import dynamic_lq_panel, quadrants
from unggulan.core.activity.growth import build_panel
from unggulan.core.activity.lq import static_lq_panel
from unggulan.io.statistics import UNKNOWN_UNIT

MEASURE_PRIORITY = ("production", "population", "harvested_area", "planted_area", "value",
                    "units", "workers", "area")
REFERENCES = ("dataset", "kabupaten", "province")
MEASURE_LABEL = {
    "production": ("Produksi", "Production"),
    "harvested_area": ("Luas panen", "Harvested area"),
    "planted_area": ("Luas tanam", "Planted area"),
    "area": ("Luas", "Area"),
    "population": ("Populasi", "Population"),
    "units": ("Unit usaha", "Business units"),
    "workers": ("Tenaga kerja", "Workers"),
    "value": ("Nilai produksi", "Production value"),
    "productivity": ("Produktivitas", "Yield"),
}


def parse_period(period) -> tuple[int, int] | None:
    """``"2018-2022"``, ``"2022"``, ``(2018, 2022)`` or None -> (first, last) or None.

    >>> parse_period("2018-2022")
    (2018, 2022)
    """
    if period is None or period == "":
        return None
    if isinstance(period, tuple | list):
        a, b = (int(x) for x in period)
    else:
        parts = str(period).replace("–", "-").split("-")
        try:
            a, b = int(parts[0]), int(parts[-1])
        except ValueError:
            raise UnggulanError(f"period '{period}' is not YEAR or YEAR-YEAR",
                                field="period") from None
    if not (1900 <= a <= b <= 2100):
        raise UnggulanError(f"period '{period}': years must be 1900-2100, first <= last",
                            field="period")
    return a, b


#: the columns of the statistics' evidence (:func:`statistics_evidence`)
EVIDENCE_COLUMNS = ["code", "commodity", "stat_measure", "stat_unit", "stat_family",
                    "stat_value", "stat_source", "stat_share", "slq", "dlq", "quadrant",
                    "quadrant_en", "period_start", "period_end", "stat_level"]

#: a comparable group: LQ and the other methods compare a commodity only with the commodities
#: of the same measure, unit and family (see :mod:`unggulan.core.inputs.families`)
GROUP_KEYS = ("measure", "unit", "family")


def comparable_rows(st: pd.DataFrame) -> pd.DataFrame:
    """The rows the methods may use: commodity columns (not flows, ratios, capacities or
    totals), with a year and a stated unit."""
    keep = ~st["ratio"].astype(bool) & st["year"].notna()
    if "kind" in st:
        keep &= st["kind"].fillna("commodity").eq("commodity")
    if "unit" in st:
        keep &= ~st["unit"].astype(object).eq(UNKNOWN_UNIT)
    return st[keep.to_numpy()]


def group_key(frame: pd.DataFrame) -> pd.Series:
    """``measure|unit|family`` of every row (family ``other`` where the frame has none)."""
    fam = frame["family"].fillna("other") if "family" in frame else "other"
    return (frame["measure"].astype(str) + "|" + frame["unit"].fillna("").astype(str) + "|"
            + (fam.astype(str) if isinstance(fam, pd.Series) else fam))


def complete_cells(rows: pd.DataFrame, block: np.ndarray | None = None) -> pd.DataFrame:
    """The rows of one comparable group with every absent cell made explicit.

    * nil: an (area, commodity) absent from a table that lists both the area and the
      commodity that year is 0 (long tables often leave out the zeros);
    * missing: an (area, commodity) of the group for an area that reports the group that
      year but whose table did not list it (a table absent that year, a kecamatan a table
      does not list) is NaN: never zero.

    Rows need ``code, commodity, year, value`` and, for the nil rule, ``table``. Tables that
    are full rectangles (the usual BPS table) add nothing and cost one count.

    ``block`` (one integer per row): the rows of many groups at once, each block completed
    on its own (the rows of block b as if they were passed alone); the added rows carry
    their block in ``_block`` and the block's first row's :data:`GROUP_KEYS`.

    >>> r = pd.DataFrame({"code": ["A", "B", "A"], "commodity": ["x", "x", "y"],
    ...                   "year": [2020, 2020, 2021], "value": [1.0, 2.0, 3.0],
    ...                   "table": [0, 0, 1]})
    >>> complete_cells(r).sort_values(["year", "code", "commodity"])[
    ...     ["code", "commodity", "year", "value"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['A', 'x', 2020, 1.0], ['A', 'y', 2020, nan], ['B', 'x', 2020, 2.0],
     ['B', 'y', 2020, nan], ['A', 'x', 2021, nan], ['A', 'y', 2021, 3.0]]
    """
    n = len(rows)
    if n == 0:
        return rows
    blk = np.zeros(n, dtype=np.int64) if block is None else np.asarray(block, dtype=np.int64)
    code_i, codes = pd.factorize(rows["code"], sort=False)
    comm_i, comms = pd.factorize(rows["commodity"], sort=False)
    year_i, years = pd.factorize(rows["year"], sort=False)
    J, C, Y = len(codes), len(comms), len(years)
    by = blk * Y + year_i                                   # (block, year) cell of each row
    key = (by * J + code_i) * C + comm_i
    present = unique(key)
    nil = np.empty(0, dtype=np.int64)
    if "table" in rows and rows["table"].notna().any():
        tab_i, tabs = pd.factorize(rows["table"], sort=False)
        listed = tab_i >= 0
        # a (block, table, year) cell lists codes x commodities: a rectangle unless nil
        # rows were left out
        cell = by[listed] * len(tabs) + tab_i[listed]
        nil = _rectangles(cell, code_i[listed], comm_i[listed], key[listed], J, C,
                          lambda c: c // len(tabs))
        nil = setdiff_sorted(nil, present)
        present = unique(np.concatenate([present, nil]))
    # every (block, year) cell: the codes reporting it x every commodity of the block
    block_comms = unique(blk * C + comm_i)
    n_comm = np.bincount(block_comms // C, minlength=int(blk.max()) + 1)
    pairs = unique(by * J + code_i)                    # (block, year, code) reporting
    cells, first = runs(pairs // J)
    n_codes = np.diff(np.append(first, len(pairs)))
    have = np.bincount(np.searchsorted(cells, present // (J * C)), minlength=len(cells))
    add_miss = []
    for k in np.flatnonzero(n_codes * n_comm[cells // Y] > have):
        b = cells[k] // Y
        cj = pairs[first[k]:first[k] + n_codes[k]] % J
        ci = block_comms[np.searchsorted(block_comms, b * C):
                         np.searchsorted(block_comms, (b + 1) * C)] % C
        add_miss.append(((cells[k] * J + cj[:, None]) * C + ci[None, :]).ravel())
    # (each cell's keys are distinct and ascending, and the cells ascend: no sort needed)
    miss = (setdiff_sorted(np.concatenate(add_miss), present)
            if add_miss else np.empty(0, dtype=np.int64))
    if not len(nil) and not len(miss):
        return rows

    def frame(k: np.ndarray, value: float) -> pd.DataFrame:
        ci, rest = k % C, k // C
        cell = rest // J
        f = pd.DataFrame({"code": codes.take(rest % J), "commodity": comms.take(ci),
                          "year": years.take(cell % Y), "value": value})
        if block is not None:
            f["_block"] = cell // Y
        return f

    out = pd.concat([rows, frame(nil, 0.0), frame(miss, np.nan)], ignore_index=True)
    if block is None:
        for c in GROUP_KEYS:
            if c in rows:
                out[c] = out[c].fillna(rows[c].iat[0])
        return out
    out_blk = np.concatenate([blk, out["_block"].to_numpy()[n:].astype(np.int64)])
    out["_block"] = out_blk
    # each block's first row (as the rows of one block passed alone would be filled)
    order = np.argsort(blk, kind="stable")
    first = runs(blk[order])
    first = (first[0], order[first[1]])
    where = np.full(int(blk.max()) + 1, -1)
    where[first[0]] = first[1]                          # the first row of each block
    for c in GROUP_KEYS:
        if c not in rows:
            continue
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):     # by codes: no label lookups
            codes = col.cat.codes.to_numpy()
            fill = rows[c].cat.codes.to_numpy()[where[out_blk]]
            out[c] = pd.Categorical.from_codes(np.where(codes < 0, fill, codes),
                                               dtype=col.dtype)
        else:
            fill = rows[c].to_numpy()[where[out_blk]]
            out[c] = col.fillna(pd.Series(fill, index=out.index))
    return out


def _rectangles(cell: np.ndarray, code_i: np.ndarray, comm_i: np.ndarray, key: np.ndarray,
                J: int, C: int, block_year) -> np.ndarray:
    """The keys of every (code, commodity) of each ``cell``'s codes x commodities, for the
    cells that are not full rectangles already (``block_year(cell)``: the cell's
    (block, year) number, the key's leading part)."""
    codes_in = unique(cell * J + code_i)
    comms_in = unique(cell * C + comm_i)
    cells, cfirst = runs(codes_in // J)
    ncode = np.diff(np.append(cfirst, len(codes_in)))
    _, mfirst = runs(comms_in // C)
    ncomm = np.diff(np.append(mfirst, len(comms_in)))
    order = np.lexsort((key, cell))
    cs, ks = cell[order], key[order]
    distinct = np.ones(len(cs), dtype=bool)
    distinct[1:] = (cs[1:] != cs[:-1]) | (ks[1:] != ks[:-1])
    nkey = np.bincount(np.searchsorted(cells, cs[distinct]), minlength=len(cells))
    out = []
    for k in np.flatnonzero(ncode * ncomm > nkey):
        cj = codes_in[cfirst[k]:cfirst[k] + ncode[k]] % J
        ci = comms_in[mfirst[k]:mfirst[k] + ncomm[k]] % C
        by = block_year(cells[k])
        out.append(((by * J + cj[:, None]) * C + ci[None, :]).ravel())
    return unique(np.concatenate(out)) if out else np.empty(0, dtype=np.int64)


def measure_data(st: pd.DataFrame, level: str, measure: str | None = None
                 ) -> dict[tuple[str, str, str], pd.DataFrame]:
    """Per comparable group ``(measure, unit, family)``, the long ``code, commodity, year,
    value`` rows of ``level``, absent cells made explicit (:func:`complete_cells`). One group
    per commodity: ``measure`` if given, else the first of :data:`MEASURE_PRIORITY` it has,
    then the unit and family with the most values."""
    return groups_of_rows(grouped_rows(st, level, measure))


def grouped_rows(st: pd.DataFrame, level: str, measure: str | None = None) -> pd.DataFrame:
    """The :func:`comparable_rows` of ``level`` (of ``measure`` if given) with their
    comparable group in ``_group`` (:func:`group_key`): what :func:`groups_of_rows` splits;
    row-wise, so a subset of it is the same subset's own."""
    rows = comparable_rows(st[(st["level"] == level).to_numpy()])
    if measure is not None:
        rows = rows[rows["measure"] == measure]
    return rows.assign(_group=group_key(rows).to_numpy())


def chosen_groups(rows: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of each commodity's comparable group (per ``by`` too: a region): the first
    measure of :data:`MEASURE_PRIORITY`, then the group with the most values (the first
    seen on a tie). ``rows``: :func:`grouped_rows` (or a subset of them)."""
    keys = [*by, "commodity"]
    rank = {m: i for i, m in enumerate(MEASURE_PRIORITY)}
    sizes = rows.groupby([*keys, "_group", "measure"], sort=False, observed=True)[
        "value"].count().reset_index()
    sizes = sizes[sizes["value"] > 0]    # a group with no values (all set missing) is none
    sizes["_rank"] = sizes["measure"].astype(object).map(lambda m: rank.get(m, 99))
    best = (sizes.sort_values([*keys, "_rank", "value"],
                              ascending=[True] * (len(keys) + 1) + [False], kind="stable")
            .drop_duplicates(keys))
    chosen = pd.MultiIndex.from_frame(best[[*keys, "_group"]])
    return rows[pd.MultiIndex.from_arrays([rows[k] for k in (*keys, "_group")])
                .isin(chosen)]


def groups_of_rows(rows: pd.DataFrame) -> dict[tuple[str, str, str], pd.DataFrame]:
    """:func:`measure_data` of :func:`grouped_rows` (or a subset of them)."""
    if rows.empty:
        return {}
    rows = chosen_groups(rows)
    out = {}
    cols = ["code", "commodity", "year", "value", "unit", "family", "measure", "table",
            "source"]
    for gk, g in rows.groupby("_group", sort=True):
        d = g[[c for c in cols if c in g.columns]].copy()
        if "family" not in d:
            d["family"] = "other"
        d["year"] = d["year"].astype(int)
        d = complete_cells(d)
        d["year"] = d["year"].astype(int)
        m, u, f = str(gk).split("|")
        out[(m, u, f)] = d
    return out


def reference_rows(st: pd.DataFrame, measure: str, reference: str,
                   group: tuple[str, str, str] | None = None) -> pd.DataFrame | None:
    """The reference region's ``commodity, year, value`` for ``reference='province'``: the
    sum of a kabupaten-level table of the same measure, or of the same comparable ``group``
    (measure, unit, family) when given (None: use the dataset's total)."""
    if reference != "province":
        return None
    kab = comparable_rows(st[(st["level"] == "kabupaten").to_numpy()])
    kab = kab[kab["measure"] == measure]
    if group is not None and len(kab):
        kab = kab[group_key(kab).to_numpy() == "|".join(group)]
    if kab.empty:
        return None
    ref = kab.groupby(["commodity", "year"], as_index=False)["value"].sum(min_count=1)
    ref["year"] = ref["year"].astype(int)
    return ref


def statistics_evidence(st: pd.DataFrame, level: str, period: tuple[int, int] | None = None,
                        reference: str = "dataset", measure: str | None = None
                        ) -> pd.DataFrame:
    """Evidence per (area, commodity) at ``level`` from the statistics.

    Columns: ``code, commodity, stat_measure, stat_unit, stat_value`` (mean over the
    period's reported years), ``stat_share`` (share of the area's own output of that
    measure over the period), ``slq`` (LQ of the period's sums), ``dlq``, ``quadrant``,
    ``quadrant_en``, ``period_start``, ``period_end``, ``stat_level``.
    """
    return evidence_of_groups(measure_data(st, level, measure), st, level, period, reference)


def evidence_of_groups(groups: Mapping[tuple[str, str, str], pd.DataFrame], st: pd.DataFrame,
                       level: str, period: tuple[int, int] | None = None,
                       reference: str = "dataset") -> pd.DataFrame:
    """:func:`statistics_evidence` of the comparable groups :func:`measure_data` gave
    (``st``: the statistics rows, read for ``reference='province'`` only)."""
    frames = []
    for (m, unit, fam), d in groups.items():
        years = sorted(d["year"].unique())
        if period:
            years = [y for y in years if period[0] <= y <= period[1]]
            d = d[d["year"].isin(years)]
        if not years:
            continue
        ref = reference_rows(st, m, reference, (m, unit, fam))
        data = d[["code", "commodity", "year", "value"]]
        # one panel for both LQs (building it checks and copies the rows)
        panel = build_panel(data, years)
        slq = static_lq_panel(panel, ref)
        alone = data["commodity"].nunique() < 2 and ref is None
        if alone:
            # the only commodity of its group: its share is 1 everywhere, LQ 1 by construction
            slq = slq.assign(slq=np.nan, share_area=np.nan)
        if len(years) >= 2:
            dlq = dynamic_lq_panel(panel, ref)
            q = quadrants(slq, dlq)[["code", "commodity", "dlq", "quadrant", "quadrant_en"]]
            if alone:      # DLQ is 1 by construction too
                q = q.assign(dlq=np.nan, quadrant=None, quadrant_en=None)
        else:
            q = slq[["code", "commodity"]].assign(dlq=np.nan, quadrant=None, quadrant_en=None)
        mean = means_and_sources(d, ["code", "commodity"])
        ev = join_left(slq[["code", "commodity", "slq", "share_area"]].rename(
            columns={"share_area": "stat_share"}), q)
        ev = join_left(ev, mean.rename(columns={"value": "stat_value"}))
        ev["stat_measure"] = m
        ev["stat_unit"] = unit
        ev["stat_family"] = fam
        ev["period_start"] = int(years[0])
        ev["period_end"] = int(years[-1])
        frames.append(ev)
    if not frames:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["stat_level"] = level
    for c in EVIDENCE_COLUMNS:
        if c not in out:
            out[c] = None
    return out[EVIDENCE_COLUMNS]


def means_and_sources(d: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per ``by`` (``code, commodity``, and a region where codes repeat), the mean ``value``
    over the rows (the period's reported years) and, where the rows have a ``source``,
    ``stat_source``: where the latest value of the pair was read (a reason can cite it: a BPS
    book's table and page)."""
    mean = d.groupby(by, as_index=False, observed=True)["value"].mean()
    if "source" in d:
        last = (d[d["value"].notna() & d["source"].notna()]
                .sort_values("year", kind="stable")
                .drop_duplicates(["code", "commodity"], keep="last"))
        mean = mean.merge(last[["code", "commodity", "source"]]
                          .rename(columns={"source": "stat_source"}),
                          on=["code", "commodity"], how="left")
    return mean


def join_left(left: pd.DataFrame, right: pd.DataFrame, on=("code", "commodity")
              ) -> pd.DataFrame:
    """``left.merge(right, on=on, how="left")``; where ``right`` has exactly ``left``'s keys
    in ``left``'s order (the LQ, DLQ and means of one panel), its columns are put beside
    ``left``'s without the merge (which hashes the keys: thousands of small merges per
    national run).

    >>> a = pd.DataFrame({"code": ["A", "B"], "x": [1, 2]})
    >>> join_left(a, pd.DataFrame({"code": ["A", "B"], "y": [3, 4]}), on=["code"]).equals(
    ...     a.merge(pd.DataFrame({"code": ["A", "B"], "y": [3, 4]}), on="code", how="left"))
    True
    """
    on = list(on)
    # a key's dtype as the merge gives it: the same on both sides kept, text and object
    # made object; other pairs of dtypes are merged
    as_object = [c for c in on if left[c].dtype != right[c].dtype]
    if len(left) == len(right) and all(
            {left[c].dtype == object, right[c].dtype == object} == {True, False}
            and pd.api.types.is_string_dtype(left[c].dtype)
            and pd.api.types.is_string_dtype(right[c].dtype) for c in as_object) and all(
            np.array_equal(left[c].to_numpy(object), right[c].to_numpy(object)) for c in on):
        out = pd.concat([left.reset_index(drop=True),
                         right.drop(columns=on).reset_index(drop=True)], axis=1)
        for c in as_object:
            out[c] = out[c].astype(object)
        return out
    return left.merge(right, on=on, how="left")


def cite(source) -> str | None:
    """The short citation of a statistics value's ``source`` (``file#sheet!row:column``):
    the file and, for a BPS book, its table and page.

    >>> cite("Ajung dalam angka 2021.pdf#Tabel 3.2.2, hal. 251!12:Kopi")
    'Ajung dalam angka 2021.pdf, Tabel 3.2.2, hal. 251'
    >>> cite("produksi.csv!4:Padi (ton)")
    'produksi.csv'
    """
    if not isinstance(source, str) or not source:
        return None
    head = source.rsplit("!", 1)[0]
    return ", ".join(p for p in head.split("#", 1) if p)
