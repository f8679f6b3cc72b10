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


def complete_cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of one comparable group with every absent cell made explicit.

    * nil: an (area, commodity) absent from a table that lists both the area and the
      commodity that year is 0 (long tables often leave out the zeros);
    * missing: an (area, commodity) of the group for an area that reports the group that
      year but whose table did not list it (a table absent that year, a kecamatan a table
      does not list) is NaN: never zero.

    Rows need ``code, commodity, year, value`` and, for the nil rule, ``table``. Tables that
    are full rectangles (the usual BPS table) add nothing and cost one count.

    >>> r = pd.DataFrame({"code": ["A", "B", "A"], "commodity": ["x", "x", "y"],
    ...                   "year": [2020, 2020, 2021], "value": [1.0, 2.0, 3.0],
    ...                   "table": [0, 0, 1]})
    >>> complete_cells(r).sort_values(["year", "code", "commodity"])[
    ...     ["code", "commodity", "year", "value"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['A', 'x', 2020, 1.0], ['A', 'y', 2020, nan], ['B', 'x', 2020, 2.0],
     ['B', 'y', 2020, nan], ['A', 'x', 2021, nan], ['A', 'y', 2021, 3.0]]
    """
    code_i, codes = pd.factorize(rows["code"], sort=False)
    comm_i, comms = pd.factorize(rows["commodity"], sort=False)
    year_i, years = pd.factorize(rows["year"], sort=False)
    J, C = len(codes), len(comms)
    key = (year_i.astype(np.int64) * J + code_i) * C + comm_i
    present = np.unique(key)
    add_nil: list[np.ndarray] = []
    if "table" in rows and rows["table"].notna().any():
        tab_i, _ = pd.factorize(rows["table"], sort=False)
        cell = tab_i.astype(np.int64) * len(years) + year_i
        for t in np.unique(cell[tab_i >= 0]):
            m = cell == t
            cj, ci = np.unique(code_i[m]), np.unique(comm_i[m])
            if len(cj) * len(ci) <= len(np.unique(key[m])):
                continue          # a full rectangle
            y = year_i[m][0]
            full = ((np.int64(y) * J + cj[:, None]) * C + ci[None, :]).ravel()
            add_nil.append(full)
    if add_nil:
        nil = np.setdiff1d(np.unique(np.concatenate(add_nil)), present, assume_unique=True)
        present = np.union1d(present, nil)
    else:
        nil = np.empty(0, dtype=np.int64)
    add_miss: list[np.ndarray] = []
    all_c = np.arange(C)
    for y in range(len(years)):
        m = year_i == y
        cj = np.unique(code_i[m])
        have = len(np.unique(key[m])) + np.count_nonzero(nil // (J * C) == y)
        if len(cj) * C <= have:
            continue          # every area reporting that year lists every commodity
        add_miss.append(((np.int64(y) * J + cj[:, None]) * C + all_c[None, :]).ravel())
    miss = (np.setdiff1d(np.unique(np.concatenate(add_miss)), present, assume_unique=True)
            if add_miss else np.empty(0, dtype=np.int64))
    if not len(nil) and not len(miss):
        return rows

    def frame(k: np.ndarray, value: float) -> pd.DataFrame:
        ci, rest = k % C, k // C
        return pd.DataFrame({"code": codes.take(rest % J), "commodity": comms.take(ci),
                             "year": years.take(rest // J), "value": value})

    out = pd.concat([rows, frame(nil, 0.0), frame(miss, np.nan)], ignore_index=True)
    for c in GROUP_KEYS:
        if c in rows:
            out[c] = out[c].fillna(rows[c].iat[0])
    return out


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


def groups_of_rows(rows: pd.DataFrame) -> dict[tuple[str, str, str], pd.DataFrame]:
    """:func:`measure_data` of :func:`grouped_rows` (or a subset of them)."""
    if rows.empty:
        return {}
    rank = {m: i for i, m in enumerate(MEASURE_PRIORITY)}
    sizes = rows.groupby(["commodity", "_group", "measure"], sort=False)["value"].count()
    sizes = sizes.reset_index()
    sizes["_rank"] = sizes["measure"].map(lambda m: rank.get(m, 99))
    best = (sizes.sort_values(["commodity", "_rank", "value"], ascending=[True, True, False],
                              kind="stable")
            .drop_duplicates("commodity").set_index("commodity")["_group"])
    rows = rows[rows["_group"].to_numpy() == rows["commodity"].map(best).to_numpy()]
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
        mean = d.groupby(["code", "commodity"], as_index=False)["value"].mean()
        if "source" in d:
            # where the latest value of each pair was read: a reason can cite it (a BPS
            # book's table and page)
            last = (d[d["value"].notna() & d["source"].notna()]
                    .sort_values("year", kind="stable")
                    .drop_duplicates(["code", "commodity"], keep="last"))
            mean = mean.merge(last[["code", "commodity", "source"]]
                              .rename(columns={"source": "stat_source"}),
                              on=["code", "commodity"], how="left")
        ev = join_left(slq[["code", "commodity", "slq", "share_area"]].rename(
            columns={"share_area": "stat_share"}), q)
        ev = join_left(ev, mean.rename(columns={"value": "stat_value"}))
        ev["stat_measure"] = m
        ev["stat_unit"] = unit
        ev["stat_family"] = fam
        ev["period_start"] = int(years[0])
        ev["period_end"] = int(years[-1])
        frames.append(ev)
    cols = ["code", "commodity", "stat_measure", "stat_unit", "stat_family", "stat_value",
            "stat_source", "stat_share", "slq", "dlq", "quadrant", "quadrant_en",
            "period_start", "period_end",
            "stat_level"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["stat_level"] = level
    for c in cols:
        if c not in out:
            out[c] = None
    return out[cols]


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


def _by_reference(areas: Mapping[str, pd.DataFrame], st: pd.DataFrame, level: str, period,
                  reference: str, measure: str | None) -> pd.DataFrame:
    """With ``reference='kabupaten'`` each kabupaten's areas are compared with their own
    kabupaten's total; otherwise with the dataset's (or a province table's)."""
    if reference != "kabupaten" or level not in areas:
        return statistics_evidence(st, level, period, reference, measure)
    kab = areas[level]["kabupaten_code"]
    if kab.nunique() <= 1:
        return statistics_evidence(st, level, period, "dataset", measure)
    # the level's rows grouped by kabupaten once (filtering the whole table per kabupaten
    # was quadratic nationally); the other levels' rows play no part with reference
    # "dataset"
    # (the rows' comparable groups are found once: row-wise, the same for every subset)
    rows = grouped_rows(st, level, measure)
    kab_of = rows["code"].map(kab)
    groups = dict(list(rows.groupby(kab_of, sort=True)))
    parts = [evidence_of_groups(groups_of_rows(groups.get(k, rows.iloc[:0])), st, level,
                                period, "dataset") for k in kab.groupby(kab).groups]
    return pd.concat(parts, ignore_index=True)


def evidence_for_level(statistics: pd.DataFrame, areas: Mapping[str, pd.DataFrame], level: str,
                       period: tuple[int, int] | None = None, reference: str = "kabupaten",
                       measure: str | None = None) -> pd.DataFrame:
    """:func:`statistics_evidence` for the areas of ``level``; desa without statistics of
    their own take their kecamatan's (``stat_level`` says whose).

    ``statistics``: every statistics row (``Dataset.statistics()``); ``areas``: the
    dataset's areas by level (``{"desa": ..., "kecamatan": ...}``, indexed by code)."""
    st = statistics
    if st.empty:
        return statistics_evidence(st, level)
    own = _by_reference(areas, st, level, period, reference, measure)
    if level != "desa" or "kecamatan" not in set(st["level"]):
        return own
    kec = _by_reference(areas, st, "kecamatan", period, reference, measure)
    if kec.empty:
        return own
    desa = areas["desa"][["code", "kecamatan_code"]]
    inherited = desa.merge(kec.rename(columns={"code": "kecamatan_code"}), on="kecamatan_code")
    inherited = inherited.drop(columns="kecamatan_code")
    if len(own):
        inherited = inherited[~inherited["code"].isin(set(own["code"]))]
    return pd.concat([own, inherited], ignore_index=True) if len(own) else inherited
