"""The statistics' evidence of many reference regions in one pass.

With ``reference='kabupaten'`` every kabupaten's areas are compared with their own
kabupaten's total: nationally about 500 kabupaten, each with its own comparable groups,
panels, LQ and DLQ. :func:`evidence_by_region` gives exactly the frame that
:func:`unggulan.core.activity.evidence.statistics_evidence` gives for each region alone
(``reference='dataset'`` on the region's rows), concatenated in the order of the regions,
but builds one panel per comparable group and set of years with the region as a dimension:
only the reference sums (and each area's total over its region's commodities) are per
region, cut out of the panel in the shape a region alone has, so that numpy adds the same
numbers in the same order and the results are the same bits; everything else is per area
already.

Only what the evidence keeps is computed (LQ and share of the period's sums, DLQ, quadrant,
mean, source); the methods' explanations (reasons, notes) are the business of
:mod:`unggulan.core.activity.lq` and :mod:`unggulan.core.activity.dlq`, which a planner
asking for one area's analysis still gets.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from unggulan.base.arrays import unique
from unggulan.core.activity.dlq import dlq_of_growth, quadrant_labels
from unggulan.core.activity.evidence import (
    EVIDENCE_COLUMNS,
    chosen_groups,
    complete_cells,
    grouped_rows,
    join_left,
    means_and_sources,
    statistics_evidence,
)
from unggulan.core.activity.extent import extent_shares, with_extent
from unggulan.core.activity.growth import average_growth, check_frame, panel_arrays
from unggulan.core.activity.lq import lq_values, period_sums

_COLUMNS = ["code", "commodity", "year", "value", "unit", "family", "measure", "table",
            "source"]


def _by_reference(areas: Mapping[str, pd.DataFrame], st: pd.DataFrame, level: str, period,
                  reference: str, measure: str | None) -> pd.DataFrame:
    """With ``reference='kabupaten'`` each kabupaten's areas are compared with their own
    kabupaten's total; otherwise with the dataset's (or a province table's)."""
    if reference != "kabupaten" or level not in areas:
        return statistics_evidence(st, level, period, reference, measure)
    kab = areas[level]["kabupaten_code"]
    if kab.nunique() <= 1:
        return statistics_evidence(st, level, period, "dataset", measure)
    # one pass over every kabupaten (one call per kabupaten took 85 % of a national run)
    return evidence_by_region(grouped_rows(st, level, measure), kab, level, period)


def evidence_for_level(statistics: pd.DataFrame, areas: Mapping[str, pd.DataFrame], level: str,
                       period: tuple[int, int] | None = None, reference: str = "kabupaten",
                       measure: str | None = None) -> pd.DataFrame:
    """:func:`statistics_evidence` for the areas of ``level``, with each pair's extent share
    (:func:`unggulan.core.activity.extent.extent_shares`); desa without statistics of
    their own take their kecamatan's (``stat_level`` says whose). A frame of
    :data:`CATEGORICAL_FROM` rows or more (national desa) holds its text as categoricals.

    ``statistics``: every statistics row (``Dataset.statistics()``); ``areas``: the
    dataset's areas by level (``{"desa": ..., "kecamatan": ...}``, indexed by code)."""
    st = statistics
    if st.empty:
        return with_extent(statistics_evidence(st, level), extent_shares(st, level))
    own = with_extent(_by_reference(areas, st, level, period, reference, measure),
                      extent_shares(st, level, period))
    if level != "desa" or not (st["level"] == "kecamatan").any():
        return own
    kec = _by_reference(areas, st, "kecamatan", period, reference, measure)
    if kec.empty:
        return own
    kec = with_extent(kec, extent_shares(st, "kecamatan", period))
    desa = areas["desa"][["code", "kecamatan_code"]]
    if len(own):
        desa = desa[~desa["code"].isin(set(own["code"]))]
    return _with_inherited(own, kec, desa)


#: from this many rows the evidence's text columns are categoricals (a national desa frame
#: repeats each kecamatan's rows in every one of its desa: millions of rows, a few labels)
CATEGORICAL_FROM = 100_000


def _with_inherited(own: pd.DataFrame, kec: pd.DataFrame, desa: pd.DataFrame
                    ) -> pd.DataFrame:
    """``own`` followed by, for each desa of ``desa`` (``code, kecamatan_code``) in order,
    its kecamatan's rows of ``kec`` in their order with the desa's code (as an inner merge
    of ``desa`` and ``kec`` on the kecamatan gives them). Text columns are categoricals when
    the result has :data:`CATEGORICAL_FROM` rows or more."""
    kec_codes = pd.Index(kec["code"].unique())
    k = kec_codes.get_indexer(kec["code"])
    order = np.argsort(k, kind="stable")               # kec rows by kecamatan, in order
    count = np.bincount(k, minlength=len(kec_codes))
    start = np.r_[0, np.cumsum(count)[:-1]]
    d = kec_codes.get_indexer(desa["kecamatan_code"])
    desa_codes = desa["code"].to_numpy()[d >= 0]
    d = d[d >= 0]
    n = count[d]
    offset = np.repeat(start[d] - np.r_[0, np.cumsum(n)[:-1]], n)
    at = order[offset + np.arange(int(n.sum()))]         # kec row of each inherited row
    large = len(own) + len(at) >= CATEGORICAL_FROM
    if not large:
        inherited = kec.iloc[at].reset_index(drop=True)
        inherited["code"] = pd.Series(np.repeat(desa_codes, n), dtype=desa["code"].dtype)
        return pd.concat([own, inherited], ignore_index=True) if len(own) else inherited
    m = len(own)
    out = {}
    for c in kec.columns:
        if c == "code":
            labels = pd.Index(pd.unique(np.concatenate([own["code"].to_numpy(object),
                                                        desa_codes.astype(object)])))
            codes = np.concatenate([labels.get_indexer(own["code"]),
                                    np.repeat(labels.get_indexer(desa_codes), n)])
            out[c] = pd.Categorical.from_codes(codes, categories=labels)
        elif kec[c].dtype.kind in "fiub" and (not m or own[c].dtype == kec[c].dtype):
            out[c] = np.concatenate([own[c].to_numpy(), kec[c].to_numpy()[at]]) if m \
                else kec[c].to_numpy()[at]
        else:
            both = pd.concat([own[c], kec[c]], ignore_index=True) if m else kec[c]
            codes, labels = pd.factorize(both, use_na_sentinel=True)
            codes = np.concatenate([codes[:m], codes[m:][at]])
            out[c] = pd.Categorical.from_codes(codes, categories=labels)
    return pd.DataFrame(out, copy=False)      # (fresh arrays: no copy, no stacking)


def _sorted_categorical(col: pd.Series) -> pd.Categorical:
    """``col`` as a categorical of its distinct values in sorted order (missing: NaN), as
    ``col.astype(CategoricalDtype(sorted(col.dropna().unique())))`` gives it, from one
    hash pass (pandas' factorize) rather than a conversion per row.

    >>> _sorted_categorical(pd.Series(["b", None, "a", "b"])).tolist()
    ['b', nan, 'a', 'b']
    >>> list(_sorted_categorical(pd.Series(["b", None, "a", "b"])).categories)
    ['a', 'b']
    """
    codes, uniques = pd.factorize(col, sort=True)
    # (text uniques as they are: a list of half a million distinct citations would be
    # inferred again; object ones become text as the list would make them)
    cats = uniques if uniques.dtype != object else list(uniques)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats))


def evidence_by_region(rows: pd.DataFrame, region: pd.Series, level: str,
                       period: tuple[int, int] | None = None) -> pd.DataFrame:
    """The evidence of ``rows`` with each region as its own reference.

    Parameters
    ----------
    rows : DataFrame
        :func:`~unggulan.core.activity.evidence.grouped_rows` of one level (``_group`` set).
    region : Series
        The region (kabupaten code) of each area code (index: code). Rows of codes without
        a region are left out.
    level, period
        As in :func:`~unggulan.core.activity.evidence.statistics_evidence`.

    Returns
    -------
    DataFrame
        The columns of :func:`~unggulan.core.activity.evidence.statistics_evidence`; the
        rows of the regions in their sorted order, each region's as it alone gives them.
    """
    reg = rows["code"].map(region)
    rows = rows.loc[reg.notna().to_numpy(),
                    [c for c in (*_COLUMNS, "_group") if c in rows.columns]]
    if rows.empty:
        return _empty()
    # text as categoricals (in sorted order, as the strings sort) while the rows are
    # completed and split: nationally millions of rows of a few thousand labels
    text = {c: rows[c].dtype for c in ("code", "commodity", "unit", "family", "measure",
                                       "source", "_group")
            if c in rows and rows[c].dtype.kind not in "fiubM"}
    rows = rows.assign(**{c: _sorted_categorical(rows[c]) for c in text})
    reg_i, regions = pd.factorize(reg[reg.notna()], sort=True)
    rows = rows.assign(_region=reg_i)
    rows = chosen_groups(rows, by=("_region",))
    d = rows[[c for c in _COLUMNS if c in rows.columns]].copy()
    if "family" not in d:
        d["family"] = "other"
    d["year"] = d["year"].astype(int)
    g_i, groups = pd.factorize(rows["_group"], sort=True)
    n_groups = len(groups)
    d = complete_cells(d, rows["_region"].to_numpy() * n_groups + g_i)
    d["year"] = d["year"].astype(int)
    blk = d.pop("_block").to_numpy()
    d["_region"], d["_g"] = blk // n_groups, blk % n_groups
    if period:
        d = d[d["year"].between(period[0], period[1]).to_numpy()]
    if d.empty:
        return _empty()
    # the years of each block: blocks with the same years and group share a panel
    years_of = d.groupby(["_region", "_g"], sort=False)["year"].unique()
    years_of = years_of.map(lambda y: tuple(sorted(int(v) for v in y)))
    batch = years_of.reset_index(name="_years")
    frames = []
    for (g, yrs), blocks in batch.groupby(["_g", "_years"], sort=False):
        mine = d[(d["_g"].to_numpy() == g) & d["_region"].isin(blocks["_region"]).to_numpy()]
        m, unit, fam = str(groups[g]).split("|")
        ev = _panel_evidence(mine, list(yrs), text)
        ev["stat_measure"] = m
        ev["stat_unit"] = unit
        ev["stat_family"] = fam
        ev["period_start"] = int(yrs[0])
        ev["period_end"] = int(yrs[-1])
        ev["_g"] = g
        frames.append(ev)
    out = pd.concat(frames, ignore_index=True)
    # regions in order, then their groups in order (each region's own order)
    out = out.sort_values(["_region", "_g"], kind="stable", ignore_index=True)
    out["stat_level"] = level
    for c in EVIDENCE_COLUMNS:
        if c not in out:
            out[c] = None
    return out[EVIDENCE_COLUMNS]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=EVIDENCE_COLUMNS)


def _reference(values: np.ndarray, mask: np.ndarray, segments: list[tuple[int, int]],
               member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``E_i`` (regions x commodities x years) and ``E`` (regions x years): the sums of the
    areas in ``mask`` (areas x years) of each region (areas ordered by region: region r's
    are ``segments[r]``), over the region's own commodities (``member``); NaN for a year no
    area of the region is in, and for the commodities of other regions. Each region's
    arrays are cut out and summed as the region alone would sum them (same shapes, so the
    same order of additions, so the same bits)."""
    R, (_, C, T) = len(segments), values.shape
    E_i = np.full((R, C, T), np.nan)
    E = np.empty((R, T))
    for r, (a, b) in enumerate(segments):
        cols = np.flatnonzero(member[r])
        vals = np.where(mask[a:b, None, :], np.take(values[a:b], cols, axis=1), 0.0)
        ei = vals.sum(axis=0)
        ei[:, ~mask[a:b].any(axis=0)] = np.nan
        E_i[r, cols] = ei
        E[r] = ei.sum(axis=0)
    return E_i, E


def _area_totals(e: np.ndarray, segments: list[tuple[int, int]], member: np.ndarray
                 ) -> np.ndarray:
    """``e_j`` (areas x years): each area's sum over its region's commodities, summed as the
    region alone would sum them (see :func:`_reference`)."""
    out = np.empty((e.shape[0], e.shape[2]))
    for r, (a, b) in enumerate(segments):
        out[a:b] = np.take(e[a:b], np.flatnonzero(member[r]), axis=1).sum(axis=1)
    return out


def _sorted_keys(col: pd.Series, region: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The distinct values of ``col`` ordered by ``region`` (ints, one per row; optional)
    then as text, each one's region, and each row's position among them. A categorical of
    sorted labels (the statistics' text, :func:`_sorted_categorical`) is ordered by its
    codes, not its millions of strings.

    >>> v, r, at = _sorted_keys(pd.Series(pd.Categorical(["b", "a", "b"])), np.array([1, 0, 1]))
    >>> v.tolist(), r.tolist(), at.tolist()
    (['a', 'b'], [0, 1], [1, 0, 1])
    >>> _sorted_keys(pd.Series(["b", "a", "b"]))[0].tolist()
    ['a', 'b']
    """
    reg = np.zeros(len(col), np.int64) if region is None else np.asarray(region, np.int64)
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.is_monotonic_increasing \
            and col.cat.categories.is_unique:
        labels = np.asarray(col.cat.categories, dtype=object)
        n = max(len(labels), 1)
        key = reg * n + col.cat.codes.to_numpy().astype(np.int64)
        uniq = unique(key)
        return labels[uniq % n], (uniq // n if region is not None else None), \
            np.searchsorted(uniq, key)
    pairs = pd.DataFrame({"r": reg, "v": col.to_numpy()}).drop_duplicates().sort_values(
        ["r", "v"], kind="stable")
    values = pairs["v"].to_numpy(dtype=object)
    return values, (pairs["r"].to_numpy() if region is not None else None), \
        pd.Index(values).get_indexer(col)


def _panel_evidence(d: pd.DataFrame, years: list[int], text: dict) -> pd.DataFrame:
    """The evidence of one comparable group's blocks that share ``years``: one row per
    (area, commodity of the area's region), areas ordered by region then code (``text``:
    the dtypes of the columns ``d`` holds as categoricals)."""
    data = check_frame(d[["code", "commodity", "year", "value"]], ("code", "commodity", "year"),
                       "data", categorical=True)
    region = d["_region"].to_numpy()
    # areas by (region, code); commodities sorted; years given
    codes, reg_of, j = _sorted_keys(data["code"], region)
    comms, _, i = _sorted_keys(data["commodity"])
    t = pd.Index(years).get_indexer(data["year"])
    J, C, T = len(codes), len(comms), len(years)
    values, _, complete = panel_arrays(j, i, t, data["value"].to_numpy(), (J, C, T))
    starts = np.flatnonzero(np.r_[True, reg_of[1:] != reg_of[:-1]])
    segments = list(zip(starts.tolist(), np.r_[starts[1:], J].tolist(), strict=True))
    r_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, J]))   # region no. per area
    member = np.zeros((len(starts), C), dtype=bool)                       # region x commodity
    member[r_of[j], i] = True

    # static LQ of the period's sums (lq.static_lq_panel, reference = the region's areas)
    E_i, E = _reference(values, complete, segments, member)
    e = np.where(complete[:, None, :], values, np.nan)
    e_j = _area_totals(e, segments, member)
    Ei, Eb = E_i[r_of], E[r_of]
    use = complete & np.isfinite(Eb)
    share, _, slq = lq_values(*period_sums(e, e_j, Ei, Eb, use)[:4])

    # dynamic LQ (dlq.dynamic_lq_panel: the reference a balanced panel of each region)
    dlq = np.full((J, C), np.nan)
    if T >= 2:
        full = complete.all(axis=1)
        any_full = np.logical_or.reduceat(full, starts)
        bal = np.where(any_full[r_of][:, None], full[:, None], complete)
        E_i, E = _reference(values, bal, segments, member)
        use = complete & np.isfinite(E[r_of])
        e = np.where(use[:, None, :], values, np.nan)
        e_j = _area_totals(e, segments, member)
        Ei = np.where(use[:, None, :], E_i[r_of], np.nan)
        Ej = np.where(use, E[r_of], np.nan)
        yrs = np.asarray(years)
        g_ij = average_growth(e.reshape(J * C, T), yrs, reasons=False)
        g_j = average_growth(e_j, yrs, reasons=False)
        G_i = average_growth(Ei.reshape(J * C, T), yrs, reasons=False)
        G = average_growth(Ej, yrs, reasons=False)
        flat, wild = dlq_of_growth(g_ij.g, np.repeat(g_j.g, C), G_i.g, np.repeat(G.g, C),
                                   g_ij.t)
        dlq = np.where(wild, np.nan, flat).reshape(J, C)

    # a region's only commodity of the group: share 1, LQ and DLQ 1 by construction
    alone = (member.sum(axis=1) < 2)[r_of]
    slq = np.where(alone[:, None], np.nan, slq)
    share = np.where(alone[:, None], np.nan, share)
    dlq = np.where(alone[:, None], np.nan, dlq)
    q_id, q_en = quadrant_labels(slq, dlq)

    keep = member[r_of].ravel()
    jj, ii = np.divmod(np.flatnonzero(keep), C)
    ev = pd.DataFrame({
        "code": codes[jj], "commodity": comms[ii], "slq": slq.ravel()[keep],
        "stat_share": share.ravel()[keep], "dlq": dlq.ravel()[keep],
        "quadrant": q_id.ravel()[keep], "quadrant_en": q_en.ravel()[keep],
        "_region": reg_of[jj],
    }, copy=False)
    # the mean over the period's reported years, and where the latest value was read
    mean = means_and_sources(d, ["_region", "code", "commodity"])
    if "source" in text:
        mean["stat_source"] = mean["stat_source"].astype(text["source"])
    for c in ("code", "commodity"):
        if c in text:
            mean[c] = mean[c].astype(text[c])
    return join_left(ev, mean.drop(columns="_region").rename(columns={"value": "stat_value"}))
