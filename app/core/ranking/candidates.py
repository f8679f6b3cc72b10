"""Candidate flagship commodities per area: evidence, score, rank and explanation."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from unggulan.base.arrays import DIRECT_KEYS, isin
from unggulan.base.memory import release_freed_memory
from unggulan.base.numbers import fmt_number, fmt_sig
from unggulan.base.parallel import in_blocks
from unggulan.core.activity import clusters
from unggulan.core.activity.evidence import MEASURE_LABEL, cite
from unggulan.core.activity.regions import evidence_for_level
from unggulan.core.activity.specialisation import counts, specialisation
from unggulan.core.inputs.families import family_label
from unggulan.core.inputs.sentra import placed
from unggulan.core.land.suitability import explain
from unggulan.core.ranking.mcda import aggregate
from unggulan.core.ranking.scoring import (
    ACTIVITY_COMPONENTS,
    BASIS,
    COLUMNS,
    NEAR_TIE,
    check_method,
    score,
)
from unggulan.core.scenario import Scenario

LONG_COLUMNS = [
    "code", "name", "level", "rank", "commodity", "commodity_name_id", "commodity_name_en",
    "sector", "score", "suitability_class", "suitability_index", "limiting_factors",
    "potential_class", "lq", "lq_raw", "sentra", "workers", "units", "cluster", "gi_p",
    "slq", "dlq", "quadrant", "stat_measure", "stat_family", "stat_source", "stat_level",
    "stat_share", "extent_share", "extent_measure", "land_share",
    "period", "active",
    "activity_tier", "score_suitability", "score_specialisation", "score_scale", "score_trend",
    "score_cluster", "score_continuity", "score_market", "score_uniqueness", "local",
    "score_local", "basis", "basis_id", "basis_en", "rank_shared", "rank_label", "tie",
    "tie_with", "near_tie", "reason_id", "reason_en",
]  # fmt: skip
#: at most this many commodities are named in ``tie_with`` / ``near_tie`` (then "+n")
TIE_NAMES = 5
STAT_LQ_FULL = 4.0  # a statistics SLQ of 4 or more scores 1 (log2 scale)
SCALE_FULL = 0.5  # half of the area's output (or sentra workers) scores 1
#: a statistics LQ counts in full from this extent share (the commodity's share of the area's
#: land under its family's crops, or of its livestock heads: unggulan.core.activity.extent;
#: the share of the LQ's own measure where there is none); below, its score is scaled by
#: share / MATERIAL_SHARE: a high quotient over a negligible base (17 buffalo among a
#: kecamatan's 8,545 head of livestock, LQ 3.7) is no flagship
MATERIAL_SHARE = 0.05
#: and from this share of the area's crop land (every crop's hectares): rice takes most of
#: a desa's land, so 3.5 ha of eggplant (0.37 % of Wirowongso's 946 ha) is a real base; a herb
#: garden's 1 m2 (0.001 %, the sambiloto of Jember Lor, LQ 288,557) is not
MATERIAL_LAND = 0.001
DOMINANT_SHARE = 0.25  # explanations call a commodity dominant from this share


def _num(x: float, lang: str, decimals: int = 0) -> str:
    """1,150.5 (en) or 1.150,5 (id)."""
    return fmt_number(x, decimals, lang)


def evidence(areas: Mapping[str, gpd.GeoDataFrame], level: str, suitability: pd.DataFrame,
             sentra: pd.DataFrame, statistics: pd.DataFrame, catalogue, scenario: Scenario, *,
             contiguity=None, activity: tuple | None = None) -> pd.DataFrame:
    """The (area, commodity) pairs that may be proposed, with their evidence components
    before weighting.

    A pair may be proposed when the area produces the commodity (sentra there, or a
    statistics value above zero for the area or, for a desa, its kecamatan), or when its
    land is S1-S3 — except a processed product (one with a raw material in the catalogue),
    which needs its own or its raw material's activity in the area: it is never proposed
    from land alone.

    Parameters
    ----------
    areas : mapping of str to GeoDataFrame
        The dataset's areas by level (``Dataset.layers``), indexed by code.
    level : {"desa", "kecamatan"}
    suitability : DataFrame
        The level's suitability at ``scenario.management`` (``Dataset.suitability(...,
        explain=False)``).
    sentra : DataFrame
        Every sentra record (placed or not: the ``local`` component reads the unplaced too).
    statistics : DataFrame
        Every statistics row (``Dataset.statistics()``).
    catalogue : Catalogue
    scenario : Scenario
        Its ``reference`` and ``statistics`` (period, measure) are used here; the weights,
        method and top only rank (:func:`propose`).
    contiguity : Contiguity or callable, optional
        The level's neighbours (:func:`unggulan.core.activity.clusters.contiguity`), or a
        function returning them (called only when there are sentra); default: computed.
    activity : tuple, optional
        :func:`activity_inputs` of the same areas, sentra, statistics and scenario, when
        already computed (elsewhere, or in another process); default: computed here. A
        caller that keeps no reference to it lets its statistics' evidence be freed once
        aligned to the pairs (``Dataset.evidence`` does).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.ranking.run import default_scenario
    >>> ds = Dataset.open()
    >>> ev = evidence(ds.layers, "desa", ds.suitability("desa", explain=False), ds.sentra(),
    ...               ds.statistics(), ds.catalogue, default_scenario())
    >>> ev.equals(ds.evidence("desa"))
    True
    """
    lv_areas = areas[level]
    if activity is None:
        activity = activity_inputs(areas, level, sentra, statistics, scenario)
    cnt, spec, stats, local = activity
    del activity   # (handed over by the caller: the statistics' evidence goes once aligned)
    # filter before anything else: a national run has millions of pairs
    rows, keys = eligible_pairs(suitability, spec, stats, catalogue)
    release_freed_memory()
    if contiguity is None:
        contiguity = partial(clusters.contiguity, lv_areas)
    # assemble's two steps, the statistics' evidence (3 million rows for national desa)
    # let go between them when no caller holds it
    ev = align_activity(rows.reset_index(drop=True), keys, spec, stats)
    del rows, keys, stats
    ev = score_and_neighbourhood(ev, cnt, lv_areas.index, level, contiguity, local=local)
    return compact(ev)  # (its temporaries are released by Dataset.cached, see _fill)


def activity_inputs(areas: Mapping[str, gpd.GeoDataFrame], level: str, sentra: pd.DataFrame,
                    statistics: pd.DataFrame, scenario: Scenario) -> tuple:
    """What :func:`evidence` reads of the activity, before it meets the land: the sentra
    :func:`~unggulan.core.activity.specialisation.counts` of the areas of ``level``, their
    LQ (:func:`~unggulan.core.activity.specialisation.specialisation`, scenario's reference),
    the statistics' evidence (:func:`level_statistics`) and :func:`local_production`.
    Independent of the land suitability: ``Dataset.evidence`` computes it in a separate
    process while the land is assessed (:func:`unggulan.base.parallel.in_background`).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.ranking.run import default_scenario
    >>> ds = Dataset.open()
    >>> cnt, spec, stats, local = activity_inputs(ds.layers, "desa", ds.sentra(),
    ...                                           ds.statistics(), default_scenario())
    >>> bool(stats["code"].isin(ds.areas("desa").index).all())
    True
    """
    area_col = "desa_code" if level == "desa" else "kecamatan_code"
    cnt = counts(placed(sentra), area_col)
    spec = specialisation(cnt, areas[level], scenario.reference) if len(cnt) else cnt
    stats = level_statistics(statistics, areas, level, scenario)
    return cnt, spec, stats, local_production(areas, level, sentra, statistics)


def statistics_options(scenario: Scenario) -> tuple[tuple[int, int] | None, str | None]:
    """The ``(period, measure)`` of the statistics a scenario uses (None: every year; the
    first measure available per commodity).

    >>> from unggulan.core.ranking.run import default_scenario
    >>> statistics_options(default_scenario(period="2019-2021"))
    ((2019, 2021), None)
    """
    st = scenario.statistics
    return (st.years(), st.measure) if st is not None else (None, None)


def level_statistics(statistics: pd.DataFrame, areas: Mapping[str, pd.DataFrame], level: str,
                     scenario: Scenario) -> pd.DataFrame:
    """The statistics' evidence (:func:`unggulan.core.activity.regions.evidence_for_level`)
    of the areas of ``level`` only, for the scenario's reference, period and measure.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.ranking.run import default_scenario
    >>> ds = Dataset.open()
    >>> st = level_statistics(ds.statistics(), ds.layers, "desa", default_scenario())
    >>> bool(st["code"].isin(ds.areas("desa").index).all())
    True
    """
    period, measure = statistics_options(scenario)
    stats = evidence_for_level(statistics, areas, level, period, scenario.reference, measure)
    return stats[stats["code"].isin(areas[level].index)]


def local_production(areas: Mapping[str, pd.DataFrame], level: str, sentra: pd.DataFrame,
                     statistics: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """What each kabupaten already produces, for the ``local`` component: the kabupaten of
    each area of ``level`` (``kabupaten_code`` by area code) and the ``kabupaten_code,
    commodity`` pairs with a trace there: a sentra in any of its desa or kecamatan (placed or
    not, by its desa or kecamatan code; a dataset of one kabupaten: any of its records), or
    statistics above zero at any level in it (its
    desa, its kecamatan, or its own row of a kabupaten table), any year and measure
    (productivity ratios and total rows left out).

    ``areas``: the areas by level; ``sentra``: every sentra record; ``statistics``: every
    statistics row.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> kab, produced = local_production(ds.layers, "desa", ds.sentra(), ds.statistics())
    >>> list(produced.columns), bool(produced["kabupaten_code"].isin(set(kab)).all())
    (['kabupaten_code', 'commodity'], True)
    """
    kab_of = areas[level]["kabupaten_code"].astype(object)
    # every level's area code -> its kabupaten (a later level's wins, as dict.update
    # would), looked up by a hash index rather than row by row (663,000 statistics rows)
    code_kab = pd.concat([pd.Series(a["kabupaten_code"].astype(str).to_numpy(object),
                                    index=a["code"].astype(str).to_numpy(object))
                          for a in areas.values()]) if areas else pd.Series(dtype=object)
    code_kab = code_kab[~code_kab.index.duplicated(keep="last")]
    frames = []
    s = sentra
    if len(s):
        kab = pd.Series(None, index=s.index, dtype=object)
        for col in ("kecamatan_code", "desa_code"):  # the desa's, where placed in one
            if col in s:
                kab = s[col].map(code_kab).where(lambda x: x.notna(), kab)
        if len(set(kab_of)) == 1:  # one kabupaten: its list's unplaced records are its own
            kab = kab.fillna(next(iter(set(kab_of))))
        frames.append(pd.DataFrame({"kabupaten_code": kab.to_numpy(object),
                                    "commodity": s["commodity_id"].to_numpy(object)}))
    st = statistics
    if len(st):
        keep = (pd.to_numeric(st["value"], errors="coerce") > 0).to_numpy() \
            & ~st["ratio"].astype(bool).to_numpy()
        if "kind" in st:  # a total row is no commodity, a ratio no production
            keep &= ~st["kind"].isin(["total", "ratio"]).to_numpy()
        st = st[keep]
        kabs = set(code_kab.to_numpy())
        kab = st["code"].map(code_kab)
        own = st["code"].where(st["code"].isin(kabs) & (st["level"] == "kabupaten"))
        frames.append(pd.DataFrame({"kabupaten_code": kab.fillna(own).to_numpy(object),
                                    "commodity": st["commodity"].to_numpy(object)}))
    if not frames:
        return kab_of, pd.DataFrame({"kabupaten_code": [], "commodity": []}, dtype=object)
    produced = pd.concat(frames, ignore_index=True).dropna().drop_duplicates()
    produced = produced.sort_values(["kabupaten_code", "commodity"]).reset_index(drop=True)
    return kab_of, produced


def add_local(ev: pd.DataFrame, local: tuple[pd.Series, pd.DataFrame] | None) -> pd.DataFrame:
    """``local`` (1: the area's kabupaten produces the commodity, 0: no trace of it there,
    NaN: the kabupaten has no production record at all) and ``local_score`` (``local`` for
    pairs without activity in the area, NaN for the rest: their own activity is scored) of
    the evidence ``ev`` (``code``, ``commodity``, ``activity_tier``), in place; ``local``
    from :func:`local_production`, None: both NaN."""
    n = len(ev)
    out = np.full(n, np.nan)
    if local is not None and len(local[1]) and n:
        kab_of, produced = local
        code = ev["code"].astype("category") if not isinstance(
            ev["code"].dtype, pd.CategoricalDtype) else ev["code"]
        comm = ev["commodity"].astype("category") if not isinstance(
            ev["commodity"].dtype, pd.CategoricalDtype) else ev["commodity"]
        kabs = pd.Index(pd.unique(produced["kabupaten_code"]))
        comms = comm.cat.categories
        # a (kabupaten x commodity) table, 1 where produced; its last row (NaN) is for the
        # areas without a kabupaten: looked up per row by the categories' codes (a national
        # frame has 7 million rows and a few hundred kabupaten)
        table = np.zeros((len(kabs) + 1, len(comms)))
        table[-1] = np.nan
        c_i = comms.get_indexer(produced["commodity"])
        k_i = kabs.get_indexer(produced["kabupaten_code"])
        table[k_i[c_i >= 0], c_i[c_i >= 0]] = 1.0
        kab_i = kabs.get_indexer(pd.Index(kab_of.reindex(code.cat.categories.astype(str))
                                          .to_numpy(object)))
        kab_i = np.append(kab_i, -1).astype(np.int32)       # (code -1, missing: no kabupaten)
        out = table[kab_i[code.cat.codes.to_numpy()], comm.cat.codes.to_numpy()]
    ev["local"] = out
    tier = ev["activity_tier"].to_numpy(np.int8) if "activity_tier" in ev else np.zeros(n)
    ev["local_score"] = np.where(tier == 0, out, np.nan)
    return ev


def pair_keys(frame: pd.DataFrame, codes: pd.Index, commodities: pd.Index) -> np.ndarray:
    """One integer key per row of ``frame``: ``area * len(commodities) + commodity``, the
    positions of its ``code`` in ``codes`` and of its ``commodity`` in ``commodities``; -1
    where either is not there (rows outside the assessed pairs).

    Examples
    --------
    >>> f = pd.DataFrame({"code": ["b", "a", "z"], "commodity": ["kopi", "kopi", "kopi"]})
    >>> pair_keys(f, pd.Index(["a", "b"]), pd.Index(["kakao", "kopi"])).tolist()
    [3, 1, -1]
    """
    # positions by value (as pd.Categorical(values, categories=...).codes, which pandas 4
    # will refuse for values outside the categories)
    a = _index_of(pd.Index(codes), frame["code"])
    c = _index_of(pd.Index(commodities), frame["commodity"])
    return np.where((a >= 0) & (c >= 0), a * len(commodities) + c, -1)


def _index_of(index: pd.Index, values: pd.Series) -> np.ndarray:
    """``index.get_indexer(values)`` as int64; a categorical's categories looked up once."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        at = index.get_indexer(values.cat.categories).astype(np.int64)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, at[np.maximum(codes, 0)], -1)
    return index.get_indexer(values).astype(np.int64)


def eligible_pairs(suit: pd.DataFrame, spec: pd.DataFrame, stats: pd.DataFrame, catalogue
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """The (area, commodity) pairs that may be proposed (see :func:`evidence`): the first,
    row-filtering step of the evidence.

    Parameters
    ----------
    suit : DataFrame
        Suitability rows (``Dataset.suitability(..., explain=False)`` or some of its rows),
        ``code`` and ``commodity`` categorical; their categories number the pairs.
    spec : DataFrame
        The sentra's :func:`~unggulan.core.activity.specialisation.specialisation` rows (``code``,
        ``commodity`` ...); a row is the area's own activity.
    stats : DataFrame
        The statistics' evidence (:func:`level_statistics`): ``stat_value > 0`` is activity.
    catalogue : Catalogue
        For the processed products (a raw material in the catalogue): proposed from land
        alone only where the area produces one of their raw materials.

    Returns
    -------
    rows : DataFrame
        The rows of ``suit`` that may be proposed (index kept), without the ``share_*``
        columns but ``share_s1``.
    keys : ndarray of int64
        Their pair keys (:func:`pair_keys` with ``suit``'s categories).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> suit = ds.suitability("desa", explain=False)
    >>> rows, keys = eligible_pairs(suit, pd.DataFrame(), pd.DataFrame(), ds.catalogue)
    >>> set(rows["suitability_class"]) <= {"S1", "S2", "S3"}, len(keys) == len(rows)
    (True, True)
    """
    code_cat = suit["code"].cat.categories
    comm_cat = suit["commodity"].cat.categories
    n_comm = len(comm_cat)

    def activity_keys(frame: pd.DataFrame) -> np.ndarray:
        k = pair_keys(frame, code_cat, comm_cat)
        return k[k >= 0]

    # the pair keys, in place (18 million rows nationally), in 32 bits while they fit
    wide = np.int32 if len(code_cat) * n_comm < 2**31 else np.int64
    pair = suit["code"].cat.codes.to_numpy().astype(wide)
    pair *= n_comm
    pair += suit["commodity"].cat.codes.to_numpy()
    active_keys = np.concatenate([
        activity_keys(spec) if len(spec) else np.empty(0, np.int64),
        activity_keys(stats[stats["stat_value"] > 0]) if len(stats) else np.empty(0, np.int64),
    ])
    active = isin(pair, active_keys)
    # the class at the management level (equal to the land as it is at "rendah")
    cls_col = "potential_class" if "potential_class" in suit else "suitability_class"
    land_ok = suit[cls_col].isin(["S1", "S2", "S3"]).to_numpy()
    processed = _processed(catalogue, comm_cat)
    if processed:
        # a processed product from land alone only where its raw material is produced
        raw_of = {c: catalogue.get(c).raw_material for c in processed}
        comm_idx = {c: i for i, c in enumerate(comm_cat)}
        comm_i = suit["commodity"].cat.codes.to_numpy()
        is_proc = np.isin(comm_i, [comm_idx[c] for c in processed])
        codes_i = suit["code"].cat.codes.to_numpy()    # (widened per product's rows only)
        ok = np.zeros(len(suit), dtype=bool)
        todo = np.flatnonzero(is_proc & land_ok & ~active)
        for c in processed:  # one pass per processed product, vectorised over its rows
            rows = todo[comm_i[todo] == comm_idx[c]]
            at = codes_i[rows].astype(np.int64) * n_comm
            for r in raw_of[c]:
                if r in comm_idx and len(rows):
                    ok[rows] |= isin(at + comm_idx[r], active_keys)
        land_ok = land_ok & (~is_proc | ok)
        del is_proc, ok, todo
    mask = land_ok | active
    del land_ok, active       # (the row copy below is the step's peak: nothing else held)
    keep = [c for c in suit.columns if not c.startswith("share_") or c == "share_s1"]
    keys = pair[mask].astype(np.int64)
    del pair                  # (before the rows are copied out: 18 million keys nationally)
    rows = suit.loc[mask, keep]
    if "potential_class" in rows:
        rows["suitability_index"] = managed_index(rows)
    return rows, keys


#: lowest suitability index of each class (data/land_requirements.md): the index of a class
#: reached by management
CLASS_FLOOR = {"S1": 1.0, "S2": 0.5, "S3": 0.25, "N": 0.0}


def managed_index(rows: pd.DataFrame) -> np.ndarray:
    """The suitability index at the management level: where management lifts the class
    (``potential_class`` better than ``suitability_class``: terraces on a slope, fertiliser,
    liming), at least the lowest index of the class reached (:data:`CLASS_FLOOR`); elsewhere
    (and at management "rendah", which lifts nothing) the index as it is.

    >>> managed_index(pd.DataFrame({"suitability_class": ["N", "S2"],
    ...     "potential_class": ["S3", "S2"], "suitability_index": [0.0, 0.6]})).tolist()
    [0.25, 0.6]
    """
    idx = rows["suitability_index"].to_numpy(float)
    # both classes as positions among the labels S1..N (-1: missing or another label), read
    # through the category codes where they are categorical (national: 7 million rows)
    labels = pd.Index(list(CLASS_FLOOR))

    def position(col: pd.Series) -> np.ndarray:
        if isinstance(col.dtype, pd.CategoricalDtype):
            return np.append(labels.get_indexer(col.cat.categories), -1)[col.cat.codes.to_numpy()]
        return labels.get_indexer(col.astype(object))

    pot, act = position(rows["potential_class"]), position(rows["suitability_class"])
    lifted = (pot >= 0) & (pot != act)
    if not lifted.any():
        return idx
    floor = np.append(np.array(list(CLASS_FLOOR.values()), float), np.nan)[pot]
    return np.where(lifted, np.fmax(idx, floor), idx)


def assemble(ev: pd.DataFrame, keys: np.ndarray, spec: pd.DataFrame, stats: pd.DataFrame,
             cnt: pd.DataFrame, codes: pd.Index, level: str, contiguity,
             local: tuple[pd.Series, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The evidence of the eligible pairs: their activity columns, score components and
    neighbourhood (the steps of :func:`evidence` after :func:`eligible_pairs`).

    Parameters
    ----------
    ev : DataFrame
        The eligible suitability rows (:func:`eligible_pairs`) in the evidence's order, with
        a RangeIndex; filled in place and returned. ``code`` and ``commodity`` keep the
        suitability's categories (they number ``keys``); unused ones are dropped here and
        the rest sorted as strings.
    keys : ndarray of int64
        The rows' pair keys (:func:`eligible_pairs`).
    spec, stats : DataFrame
        The sentra LQ (:func:`~unggulan.core.activity.specialisation.specialisation` of all
        areas) and the statistics' evidence (:func:`level_statistics`), at most one row per
        (area, commodity); aligned to the rows by key, not merged.
    cnt : DataFrame
        The sentra :func:`~unggulan.core.activity.specialisation.counts` of all areas (the
        neighbourhood score and Gi* hot spots use their workers).
    codes : Index
        All area codes, in the contiguity's order.
    level : str
        The areas' level (``activity_tier``: own or the kecamatan's statistics).
    contiguity : Contiguity, or a function returning it
        The areas' neighbours (:func:`unggulan.core.activity.clusters.contiguity`); a function
        is called only when there are sentra.
    local : tuple, optional
        :func:`local_production`: ``local`` and ``local_score`` (:func:`add_local`); None:
        both NaN (the ``local`` component left out).

    Returns
    -------
    DataFrame
        ``ev`` with the sentra columns (``sentra, workers, units, lq, lq_raw, lq_units,
        lq_score, continuity_*, market*, uniqueness, first_year``), the statistics' columns
        (``stat_*, slq, dlq, quadrant`` ...), the components of :func:`add_components` and
        ``cluster_score, gi_z, gi_p, cluster``.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.activity.specialisation import counts, specialisation
    >>> from unggulan.core.ranking.run import default_scenario
    >>> ds = Dataset.open()
    >>> areas = ds.areas("desa")
    >>> cnt = counts(ds.sentra(placed_only=True), "desa_code")
    >>> stats = level_statistics(ds.statistics(), ds.layers, "desa", default_scenario())
    >>> spec = specialisation(cnt, areas)
    >>> suit = ds.suitability("desa", explain=False)
    >>> rows, keys = eligible_pairs(suit, spec, stats, ds.catalogue)
    >>> local = local_production(ds.layers, "desa", ds.sentra(), ds.statistics())
    >>> ev = assemble(rows.reset_index(drop=True), keys, spec, stats, cnt, areas.index,
    ...               "desa", clusters.contiguity(areas), local)
    >>> ev.equals(ds.evidence("desa"))
    True
    """
    ev = align_activity(ev, keys, spec, stats)
    return score_and_neighbourhood(ev, cnt, codes, level, contiguity, local)


def align_activity(ev: pd.DataFrame, keys: np.ndarray, spec: pd.DataFrame,
                   stats: pd.DataFrame) -> pd.DataFrame:
    """The first step of :func:`assemble`: the sentra and statistics columns aligned to the
    eligible rows ``ev`` by their pair ``keys`` (in place; ``ev`` returned). After it the
    statistics' evidence is no longer read (:func:`evidence` lets it go)."""
    code_cat = ev["code"].cat.categories  # the suitability's, before trimming
    comm_cat = ev["commodity"].cat.categories
    # code and commodity stay categorical (lexically ordered categories: rank_order and the
    # outputs sort them as strings); national runs have millions of rows
    for col in ("code", "commodity"):
        ev[col] = _used_sorted(ev[col])
    # activity columns are aligned by (area, commodity) keys, not merged: a merge copies the
    # whole frame, and most pairs (land only) have no activity
    spec_at = _positions(keys, pair_keys(spec, code_cat, comm_cat)) if len(spec) else None
    stats_at = _positions(keys, pair_keys(stats, code_cat, comm_cat)) if len(stats) else None
    # each column compacted as it comes (see :func:`compact`), the read-everywhere ones too:
    # the steps after read them per row subset or one at a time
    for col in (spec.columns.drop(["code", "commodity"]) if len(spec) else []):
        ev[col] = _compact_column(col, _aligned(spec[col], spec_at,
                                                0.0 if col in ZERO_FILLED else None), keep=())
    for col in ZERO_FILLED:
        if col not in ev:
            ev[col] = _compact_column(col, np.zeros(len(ev)), keep=())
    for col in ("lq", "lq_raw", "lq_units", "continuity_years", "market", "first_year"):
        if col not in ev:
            ev[col] = _compact_column(col, np.full(len(ev), np.nan), keep=())
    for col in stats.columns.drop(["code", "commodity"]):
        ev[col] = _compact_column(col, _aligned(stats[col], stats_at, None) if len(stats)
                                  else np.full(len(ev), np.nan), keep=())
    return ev


def _used_sorted(col: pd.Series) -> pd.Categorical:
    """``col.cat.remove_unused_categories()`` with the categories then in sorted order, by
    one count and one lookup of the codes (pandas recodes 7 million rows twice).

    >>> c = pd.Series(pd.Categorical(["b", "d", None, "b"], categories=["d", "c", "b"]))
    >>> r = _used_sorted(c)
    >>> list(r.categories), r.tolist()
    (['b', 'd'], ['b', 'd', nan, 'b'])
    """
    codes = col.cat.codes.to_numpy()
    cats = col.cat.categories
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cats)))
    names = [cats[i] for i in used]
    order = sorted(range(len(used)), key=names.__getitem__)
    new = np.full(len(cats) + 1, -1, dtype=np.int32)   # (the last: missing stays missing)
    new[used[order]] = np.arange(len(order), dtype=np.int32)
    return pd.Categorical.from_codes(new[codes], dtype=pd.CategoricalDtype(
        [names[i] for i in order], ordered=col.cat.ordered))


def score_and_neighbourhood(ev: pd.DataFrame, cnt: pd.DataFrame, codes: pd.Index, level: str,
                            contiguity, local: tuple[pd.Series, pd.DataFrame] | None = None
                            ) -> pd.DataFrame:
    """The rest of :func:`assemble` on the aligned rows (:func:`align_activity`): the score
    components, the local production and the neighbourhood."""
    ev = add_components(ev, level, copy=False)  # ev is this function's own frame
    ev = add_local(ev, local)
    # the components are final: compacted before the neighbourhood is computed
    ev = compact(ev)
    release_freed_memory()
    if len(cnt):
        wide = _workers_matrix(cnt, codes)
        w = contiguity() if callable(contiguity) else contiguity
        # one row per evidence row (aligned), not every area x commodity
        cl = clusters.cluster_columns(w, codes, wide, ev[["code", "commodity"]],
                                      categorical=len(ev) >= COMPACT_FROM)
        del wide
        for col in ("cluster_score", "gi_z", "gi_p", "cluster"):
            # (cluster: a Categorical in large frames, as compact() keeps it; the others
            # compacted as they come, each array let go once it is in the frame)
            values = cl.pop(col)
            ev[col] = values if col in TEXT_COLUMNS else _compact_column(col, values)
        del cl, values
    else:
        ev["cluster_score"] = 0.0
        ev["gi_z"] = np.nan
        ev["gi_p"] = np.nan
        ev["cluster"] = None
    return ev


def _workers_matrix(cnt: pd.DataFrame, codes: pd.Index) -> pd.DataFrame:
    """Sentra workers per area (``codes``, in order) and commodity (sorted), summed: as
    ``pivot_table(..., fill_value=0).reindex(codes, fill_value=0)``, with sparse columns (an
    area has few of the commodities)."""
    comms = pd.Index(sorted(pd.unique(cnt["commodity"].astype(object))))
    rows = pd.Index(codes).get_indexer(cnt["code"])
    cols = comms.get_indexer(cnt["commodity"])
    ok = rows >= 0
    m = sparse.coo_matrix((cnt["workers"].to_numpy(float)[ok], (rows[ok], cols[ok])),
                          shape=(len(codes), len(comms))).tocsr()
    m.sum_duplicates()
    m.eliminate_zeros()
    return pd.DataFrame.sparse.from_spmatrix(m, index=codes, columns=comms)


#: evidence columns read for every pair (scores, ranking, eligibility); the rest are read
#: only for the rows a ranking returns
DENSE = {"code", "commodity", "suitability_index", "share_s1", "workers", "stat_share",
         "cluster_score", "active", "activity_tier", "local", *COLUMNS.values()}


COMPACT_FROM = 100_000  # rows; smaller frames stay plain


def compact(ev: pd.DataFrame) -> pd.DataFrame:
    """Float columns read only for returned rows, and empty (NaN or 0) for most pairs,
    kept sparse: a national evidence frame has millions of land-only pairs. Text columns
    read only for returned rows (:data:`TEXT_COLUMNS`) become categoricals; :func:`_dense`
    turns both back for the rows returned."""
    if len(ev) < COMPACT_FROM:
        return ev
    for col in ev.columns:
        if col in TEXT_COLUMNS and (ev[col].dtype == object
                                    or isinstance(ev[col].dtype, pd.StringDtype)):
            ev[col] = pd.Categorical(ev[col])
        elif ev[col].dtype.kind == "f":
            # the frame is complete: the columns every pair reads are compacted too (each
            # read densifies one column for a moment)
            ev[col] = _compact_column(col, ev[col], keep=())
    return ev


#: text columns of the evidence held as categoricals in a compacted frame, and given back
#: as text (None where empty) for the rows returned
TEXT_COLUMNS = ("cluster",)


def _compact_column(col: str, values, keep=DENSE):
    """A float evidence column as :func:`compact` keeps it: sparse where more than half
    NaN or 0, in frames of :data:`COMPACT_FROM` rows or more, unless ``col`` is in ``keep``
    (while the evidence is assembled: the columns every step reads); otherwise as given."""
    if (col in keep or len(values) < COMPACT_FROM or isinstance(values, pd.Categorical)
            or isinstance(getattr(values, "dtype", None), pd.SparseDtype)):
        return values
    arr = np.asarray(values)
    if arr.dtype.kind != "f":
        return values
    fill = np.nan if int(np.isnan(arr).sum()) * 2 > len(arr) else (
        0.0 if int((arr == 0).sum()) * 2 > len(arr) else None)
    return values if fill is None else pd.arrays.SparseArray(arr, fill_value=fill)


def _take_dense(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.iloc[rows]`` with its sparse columns as plain ones (the values of
    ``frame[col].sparse.to_dense()`` at ``rows``): a sparse column's stored positions are
    searched for ``rows`` instead of a sparse take (national runs take 250,000 of 7 million
    rows of 28 sparse columns)."""
    rows = np.asarray(rows)
    by_row = np.argsort(rows, kind="stable")
    ascending = rows[by_row]              # (searched in order: fewer cache misses)
    out = {}
    for col in frame.columns:
        arr = frame[col].array
        if isinstance(arr.dtype, pd.SparseDtype):
            at = arr.sp_index.indices
            j = np.searchsorted(at, ascending)
            hit = j < len(at)
            hit[hit] = at[j[hit]] == ascending[hit]
            v = np.full(len(rows), arr.fill_value, dtype=arr.dtype.subtype)
            v[hit] = arr.sp_values[j[hit]]
            out[col] = np.empty_like(v)
            out[col][by_row] = v
        else:
            out[col] = arr.take(rows)
    return pd.DataFrame(out, index=frame.index[rows], copy=False)


def _dense(frame: pd.DataFrame) -> pd.DataFrame:
    """Sparse columns (see :func:`compact`) as plain ones."""
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.SparseDtype):
            frame[col] = frame[col].sparse.to_dense()
        elif col in TEXT_COLUMNS and isinstance(frame[col].dtype, pd.CategoricalDtype):
            # given as the uncompacted frame has it: an object array set as a column
            text = frame[col].astype(object)
            frame[col] = text.where(text.notna(), None).to_numpy()
    return frame


ZERO_FILLED = ("sentra", "workers", "units", "lq_score", "continuity_score", "market_score",
               "uniqueness")  # activity columns that are 0 (not NaN) where there is none


def _positions(keys: np.ndarray, frame_keys: np.ndarray) -> np.ndarray:
    """Row of ``frame_keys`` holding each of ``keys`` (-1 where none); frame keys unique
    (-1 entries, rows outside the assessed pairs, never match)."""
    ok = frame_keys >= 0
    rows = np.flatnonzero(ok)
    size = int(max(keys.max(initial=-1), frame_keys.max(initial=-1))) + 1
    if size <= DIRECT_KEYS and keys.min(initial=0) >= 0:
        # pair keys are small integers (area x commodity): a table indexed by key answers
        # both questions without hashing (national: 7 million keys into 3 million rows)
        table = np.full(size, -1, dtype=np.int64)
        table[frame_keys[ok]] = rows
        if not np.array_equal(table[frame_keys[ok]], rows):  # a key twice: the later won
            raise ValueError("activity rows must be unique per (area, commodity)")
        return table[keys] if len(keys) else np.empty(0, np.int64)
    index = pd.Index(frame_keys[ok])     # (one index: its hash table serves both questions)
    if index.has_duplicates:
        raise ValueError("activity rows must be unique per (area, commodity)")
    at = index.get_indexer(keys)
    return np.where(at >= 0, rows[np.maximum(at, 0)], -1)


def _aligned(col: pd.Series, at: np.ndarray, fill):
    """``col``'s values at rows ``at`` (-1: ``fill``, NaN/None when ``fill`` is None).
    Text columns become categoricals (a few labels over millions of rows)."""
    hit = at >= 0
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "fiub":  # (text: not converted)
        values = col.to_numpy()
        out = np.full(len(at), np.nan if fill is None else fill, dtype=float)
        out[hit] = values[at[hit]]
        return out
    codes, labels = pd.factorize(col, use_na_sentinel=True)
    out_codes = np.full(len(at), -1, dtype=np.int32)
    out_codes[hit] = codes[at[hit]]
    return pd.Categorical.from_codes(out_codes, categories=pd.Index(labels, dtype=object))


def share_basis(extent: np.ndarray, stat_share: np.ndarray) -> np.ndarray:
    """The share a pair's scale and base size are judged by: its extent share (hectares,
    heads: :mod:`unggulan.core.activity.extent`) where it has one, else its share of the
    statistics' own measure (tonnes of coconuts and of tobacco leaf do not add up).

    >>> share_basis(np.array([0.2, np.nan]), np.array([0.9, 0.4])).tolist()
    [0.2, 0.4]
    """
    return np.where(np.isfinite(extent), extent, stat_share)


def material(share: np.ndarray, full: float = MATERIAL_SHARE) -> np.ndarray:
    """The weight of a statistics LQ by a share of its base: 1 from ``full``
    (:data:`MATERIAL_SHARE` of the family's hectares or heads, :data:`MATERIAL_LAND` of the
    crop land), linear to 0 below it (1 where the share is unknown).

    >>> material(np.array([0.002, 0.025, 0.05, 0.6, np.nan])).round(2).tolist()
    [0.04, 0.5, 1.0, 1.0, 1.0]
    """
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(share), np.clip(share / full, 0.0, 1.0), 1.0)


def add_components(ev: pd.DataFrame, level: str | None = None, copy: bool = True
                   ) -> pd.DataFrame:
    """The activity components from the evidence columns (``workers``, ``sentra``,
    ``lq_score``, and where statistics exist ``stat_value``, ``stat_share``, ``slq``,
    ``dlq``): ``sentra_share``, ``active``, ``specialisation_score``, ``scale_score``,
    ``trend_score`` (see :mod:`unggulan.core.ranking.scoring`)."""
    ev = ev.copy() if copy else ev
    n = len(ev)
    stat_cols = ("stat_share", "slq", "dlq", "extent_share", "land_share")
    for col in ("stat_value", *stat_cols):
        if col not in ev:
            ev[col] = np.nan
    # each component computed on the rows that can have it, then spread: a national frame
    # has 7 million pairs, most of them land only (no sentra, no statistics)
    workers = ev["workers"].to_numpy(float)
    has = np.flatnonzero(workers != 0)          # (NaN too: as the division gives it)
    sentra_share = np.zeros(n)
    if len(has):
        w_has = workers[has]
        # each area's workers (the zeros of its other rows add nothing)
        area_workers = pd.Series(w_has).groupby(
            ev["code"].iloc[has].to_numpy(), sort=False).transform("sum").to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sentra_share[has] = np.where(area_workers > 0, w_has / area_workers, 0.0)
        del w_has, area_workers
    del workers
    # the statistics' rows: NaN in every statistics column elsewhere, where the LQ scores
    # 0, the base share is unknown and the trend is NaN
    on = np.zeros(n, dtype=bool)
    for col in stat_cols:
        on |= ev[col].notna().to_numpy(bool)
    s = np.flatnonzero(on)
    del on
    slq_score = np.zeros(n)
    base_share = np.zeros(n)         # (unknown: 0 for the scale, as nan_to_num gives it)
    trend = np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        slq = _values_at(ev["slq"], s)
        score = np.clip(np.log2(np.clip(np.nan_to_num(slq, nan=1.0), 1.0, None))
                        / np.log2(STAT_LQ_FULL), 0, 1)
        base = share_basis(_values_at(ev["extent_share"], s), _values_at(ev["stat_share"], s))
        score *= material(base)
        score *= material(_values_at(ev["land_share"], s), MATERIAL_LAND)
        slq_score[s], base_share[s] = score, np.nan_to_num(base)
        dlq = _values_at(ev["dlq"], s)
        trend[s] = np.where(np.isfinite(dlq) & (dlq > 0),
                            np.clip(0.5 + np.log2(np.where(dlq > 0, dlq, 1.0)) / 4, 0, 1),
                            np.where(dlq == 0, 0.0, np.nan))
    del slq, score, base, dlq, s
    # (each column compacted as it comes: see compact; large frames only)
    ev["sentra_share"] = _compact_column("sentra_share", sentra_share)
    sentra_on = _positive(ev["sentra"]) if "sentra" in ev else np.zeros(n, bool)
    stat_on = _positive(ev["stat_value"])
    ev["active"] = sentra_on | stat_on
    # own activity (the area's sentra or statistics) before its kecamatan's figures
    inherited = stat_on & (ev["stat_level"] != level).to_numpy(bool, na_value=True) \
        if level is not None and "stat_level" in ev else np.zeros(n, dtype=bool)
    ev["activity_tier"] = np.where(sentra_on | (stat_on & ~inherited), 2,
                                   np.where(stat_on, 1, 0)).astype(np.int8)
    del inherited, sentra_on, stat_on
    ev["specialisation_score"] = _compact_column("specialisation_score", np.maximum(
        ev["lq_score"].to_numpy(float), slq_score))
    del slq_score
    ev["scale_score"] = _compact_column("scale_score", np.clip(np.fmax(
        sentra_share, base_share) / SCALE_FULL, 0, 1))
    del base_share, sentra_share
    ev["trend_score"] = _compact_column("trend_score", trend)
    return ev


def _positive(col: pd.Series) -> np.ndarray:
    """``col > 0`` as booleans (missing: False); a sparse column compared as it is."""
    if isinstance(col.dtype, pd.SparseDtype):
        return (col > 0).to_numpy(bool)
    return col.to_numpy(float) > 0


def _values_at(col: pd.Series, rows: np.ndarray | slice) -> np.ndarray:
    """``col``'s values at positions ``rows`` (or a slice) as floats; a sparse column is
    read at those rows only (not made dense first)."""
    if isinstance(col.dtype, pd.SparseDtype):
        return np.asarray(col.array[rows], dtype=float)
    return col.to_numpy(float)[rows]


def _processed(catalogue, ids) -> list[str]:
    return [c for c in ids if c in catalogue and catalogue.get(c).raw_material]


def eligible(ev: pd.DataFrame) -> pd.Series:
    """Pairs that may be proposed: activity in the area, or land class S1-S3 there."""
    land_ok = ev["suitability_class"].astype(object).isin(["S1", "S2", "S3"])
    active = ev["active"].astype(bool) if "active" in ev else ev["sentra"] > 0
    return active | land_ok


def rank_tiers(ev: pd.DataFrame, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """The keys ranked before the score: the activity tier (``activity_tier``: own activity
    2, the kecamatan's statistics 1, none 0; while any activity component has weight) and
    whether the kabupaten produces the commodity (``local``, 1 or 0; while ``local`` has
    weight); zeros where a key is off."""
    n = len(ev)
    tier = ev["activity_tier"].to_numpy(np.int8) \
        if sum(weights[c] for c in ACTIVITY_COMPONENTS) > 0 else np.zeros(n, np.int8)
    local = np.nan_to_num(ev["local"].to_numpy(float), nan=0.0).astype(np.int8) \
        if weights.get("local", 0) > 0 and "local" in ev else np.zeros(n, np.int8)
    return tier, local


def rank_order(ev: pd.DataFrame, sc: np.ndarray, weights: dict[str, float],
               rows: np.ndarray | None = None) -> np.ndarray:
    """Row order: by area; within an area pairs with the area's own activity first, then
    those with activity only in its kecamatan's statistics (while any activity component has
    weight), then land-only pairs the kabupaten produces before those it does not (while
    ``local`` has weight), then by score, then by evidence: the continuous land index, the
    share of S1 land, the neighbours' activity, workers, the share of output; the
    commodity id only as the last resort (identical evidence). Pairs with the same keys and
    score are ties (:func:`shared_ranks`): the evidence and the id only order them.

    ``rows``: ascending positions of the rows to order (whole areas' leading rows, such as
    :func:`contenders`); the order returned is of those rows only."""
    tier, local = rank_tiers(ev, weights)
    # integer codes (sorting strings is slow), in the strings' order
    area = pd.factorize(ev["code"], sort=True)[0].astype(np.int32)
    item = pd.factorize(ev["commodity"], sort=True)[0].astype(np.int32)
    def order_of(rows) -> np.ndarray:
        def desc(col: str) -> np.ndarray:
            # read at the block's rows only (a sparse column is not made dense first)
            v = _values_at(ev[col], rows) if col in ev else np.zeros(len(area[rows]))
            return -np.nan_to_num(v, nan=-1.0)

        return np.lexsort((
            item[rows], desc("stat_share"), desc("workers"), desc("cluster_score"),
            desc("share_s1"), desc("suitability_index"), -np.round(sc[rows], 6),
            -local[rows], -tier[rows], area[rows],
        ))

    if rows is not None and len(rows) <= RANK_CHUNK:
        return rows[order_of(rows)]
    if rows is None and len(ev) <= RANK_CHUNK:
        return order_of(slice(None))
    # the area is the first key: areas never interleave, so a block of areas at a time
    # (each block's rows in their order, so that ties keep it) gives the same order with
    # the ten keys of a block only in memory
    pos = np.int32 if len(ev) < 2**31 else np.int64   # (positions: half the memory)
    if rows is None:
        by_area = np.argsort(area, kind="stable").astype(pos)
    else:
        by_area = rows.astype(pos)[np.argsort(area[rows], kind="stable")]
    starts = np.flatnonzero(np.r_[True, area[by_area][1:] != area[by_area][:-1]])
    cuts = [0]
    for x in range(RANK_CHUNK, len(by_area), RANK_CHUNK):
        k = np.searchsorted(starts, x)       # the first area starting at or after x
        if k < len(starts) and starts[k] > cuts[-1]:
            cuts.append(int(starts[k]))
    cuts.append(len(by_area))
    parts = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        rows = np.sort(by_area[a:b])
        parts.append(rows[order_of(rows)])
    del by_area
    return np.concatenate(parts)


#: rows ordered at once by :func:`rank_order` (larger frames: a block of areas at a time)
RANK_CHUNK = 1_000_000


_SLICE = 1_000_000


def score_units(sc: np.ndarray) -> np.ndarray:
    """Scores in millionths (int64), as ranks compare them (to 6 decimals); a slice of the
    float temporaries at a time."""
    sc = np.asarray(sc, float)
    out = np.empty(len(sc), dtype=np.int64)
    for a in range(0, len(sc), _SLICE):
        out[a:a + _SLICE] = np.round(np.round(sc[a:a + _SLICE], 6) * 1e6)
    return out


def contenders(area: np.ndarray, keys: tuple[np.ndarray, ...], sc: np.ndarray,
               top: int | None, tol: float = NEAR_TIE) -> np.ndarray | None:
    """Ascending positions of the rows that decide the ``top`` ranks of each area: the rows
    of an area whose keys and score (:func:`rank_tiers`, to 6 decimals) are at least those
    of its ``top``-th row, or within ``tol`` points below it under the same keys. Every row
    ranked before a kept row is one of them, and so is every row :func:`shared_ranks` reads
    for a kept row (its ties and near ties), so ranking these alone gives the kept rows the
    same ranks, ties and near ties (a national run: 3 of 87 rows per area ranked, not all).

    ``area``: non-negative integer codes; ``keys``: ranked before the score, the first
    first; None (rank every row) without ``top``, with a missing score, or when the keys
    and scores do not fit one 64-bit integer.

    >>> area = np.array([0, 0, 0, 0, 1])
    >>> contenders(area, (np.array([0, 0, 0, 1, 0]),), np.array([50., 40., 39.8, 1., 7.]),
    ...            top=2).tolist()   # rows 3 (the higher key) and 0 ranked; 40 is 10 below
    [0, 3, 4]
    >>> contenders(area, (np.zeros(5),), np.array([50., 40., 39.8, 1., 7.]), top=2).tolist()
    [0, 1, 2, 4]
    >>> # (39.8 is a near tie of the second row, 40; 1 is not)
    """
    n = len(area)
    if top is None or n == 0:
        return None
    sc = np.asarray(sc, float)
    if np.isnan(sc).any():
        return None
    t = int(round(tol * 1e6))
    s = score_units(sc)
    s_min = int(s.min())
    s -= s_min
    span = int(s.max()) + 1 + t             # (a key's scores and room below for the tolerance)
    seg = np.zeros(n, dtype=np.int64)
    n_seg = 1
    for k in keys:
        k = np.asarray(k, dtype=np.int64)
        lo, hi = int(k.min()), int(k.max())
        seg *= hi - lo + 1
        seg += k - lo
        n_seg *= hi - lo + 1
    area = np.asarray(area, dtype=np.int64)
    n_areas = int(area.max()) + 1
    m = n_seg * span                         # the combined values are 0 .. m - 1
    if n_areas * m >= 2**62:
        return None
    value = seg * span
    del seg
    value += s
    value += t
    del s
    # each area's values, largest first: the area times m, plus m - 1 - value, sorted
    key = area * m
    key += m - 1 - value
    key.sort()
    base = np.arange(n_areas, dtype=np.int64) * m
    starts = np.searchsorted(key, base)
    ends = np.r_[starts[1:], n]
    at = starts + top - 1
    has = at < ends                          # (an area of fewer rows: all of them)
    floor = np.zeros(n_areas, dtype=np.int64)
    floor[has] = (m - 1) - (key[at[has]] - base[has]) - t
    del key
    return np.flatnonzero(value >= floor[area])


def shared_ranks(codes: np.ndarray, keys: tuple[np.ndarray, ...], sc: np.ndarray,
                 tol: float = NEAR_TIE, top: int | None = None) -> dict[str, np.ndarray]:
    """Ranks where ties are ties, for rows already in ranking order (:func:`rank_order`).

    ``codes``: area per row (ints or strings), ``keys``: the keys ranked before the score
    (:func:`rank_tiers`), ``sc``: the scores. Rows of one area with the same keys and the
    same score (to 6 decimals) share a rank, the lowest of their positions (pandas'
    ``method="min"``). Returns ``rank`` (position 1, 2, ...), ``rank_shared``, ``tie`` (the
    row shares its rank), and, as row ranges into the order, ``tie_lo, tie_hi`` (rows with
    the same score) and ``near_lo, near_hi`` (rows with the same keys whose score is within
    ``tol`` points), at the positions ``kept``: every row, or with ``top`` the rows ranked
    ``top`` or better only (a national run keeps 3 of 87 rows per area).

    Examples
    --------
    >>> r = shared_ranks(np.array([0, 0, 0, 1]), (np.zeros(4),), np.array([30., 30., 29.8, 5]))
    >>> r["rank"].tolist(), r["rank_shared"].tolist(), r["tie"].tolist()
    ([1, 2, 3, 1], [1, 1, 3, 1], [True, True, False, False])
    >>> r["near_lo"].tolist(), r["near_hi"].tolist()
    ([0, 0, 0, 3], [3, 3, 3, 4])
    >>> r1 = shared_ranks(np.array([0, 0, 0, 1]), (np.zeros(4),), np.array([30., 30., 29.8, 5]),
    ...                   top=1)
    >>> r1["kept"].tolist(), r1["rank_shared"].tolist(), r1["tie_hi"].tolist()
    ([0, 3], [1, 1], [2, 4])
    """
    n = len(codes)
    if n == 0:
        z = np.zeros(0, np.int64)
        return {"kept": z, "rank": z, "rank_shared": z, "tie": np.zeros(0, bool), "tie_lo": z,
                "tie_hi": z, "near_lo": z, "near_hi": z}
    # positions in 32 bits and in place where they can be (national runs rank 7 million
    # rows); the kept rows' values returned as int64
    pos = np.int32 if n < 2**31 else np.int64
    idx = np.arange(n, dtype=pos)
    first = np.r_[True, codes[1:] != codes[:-1]]
    seg = first.copy()
    for k in keys:
        seg[1:] |= k[1:] != k[:-1]
    s_int = score_units(sc)
    new = seg.copy()
    new[1:] |= s_int[1:] != s_int[:-1]
    group_start = np.where(first, idx, 0)
    np.maximum.accumulate(group_start, out=group_start)
    del first
    rank = idx - group_start
    rank += 1
    at = np.arange(n) if top is None else np.flatnonzero(rank <= top)
    del idx
    start_at = group_start[at].astype(np.int64)
    del group_start
    run_start = np.where(new, np.arange(n, dtype=pos), 0)
    np.maximum.accumulate(run_start, out=run_start)
    run_id = np.cumsum(new, dtype=pos)
    run_id -= 1
    del new
    size = np.bincount(run_id)
    tie = size[run_id[at]] > 1
    rank_shared = run_start[at] - start_at + 1
    del run_start, run_id, size
    # one key increasing along the order: segment, then the score descending
    span = 200_000_000  # scores 0-100 in millionths, and room for the tolerance
    key = np.cumsum(seg, dtype=np.int64)
    del seg
    key *= span
    key += 100_000_000
    key -= s_int
    del s_int
    t = int(round(tol * 1e6))
    key_at = key[at]
    return {
        "kept": at,
        "rank": rank[at].astype(np.int64),
        "rank_shared": rank_shared,
        "tie": tie,
        "tie_lo": np.searchsorted(key, key_at, "left"),
        "tie_hi": np.searchsorted(key, key_at, "right"),
        "near_lo": np.searchsorted(key, key_at - t, "left"),
        "near_hi": np.searchsorted(key, key_at + t, "right"),
    }


class _Labels:
    """``labels[codes]`` read one item at a time (``obj[j]``), without the object array of
    every row (7 million nationally) that indexing would make."""

    def __init__(self, labels: np.ndarray, codes: np.ndarray):
        self.labels, self.codes = labels, codes

    def __getitem__(self, j: int):
        return self.labels[self.codes[j]]


def _others(items: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            skip_lo: np.ndarray, skip_hi: np.ndarray) -> list[str | None]:
    """For each row of ``rows``: the ``items`` in ``lo:hi`` but not in ``skip_lo:skip_hi``
    (the row's own range, itself at least), joined with ", ", at most :data:`TIE_NAMES`
    then "+n"; None when there are none."""
    out: list[str | None] = [None] * len(rows)
    # rows with another row in their range only (most have none): national runs return
    # 250,000 rows
    skip_lo = np.clip(skip_lo, lo, hi)
    skip_hi = np.clip(np.maximum(skip_hi, skip_lo), lo, hi)
    own = (rows >= lo) & (rows < hi) & ~((rows >= skip_lo) & (rows < skip_hi))
    count = (hi - lo) - (skip_hi - skip_lo) - own.astype(np.int64)
    for i in np.flatnonzero(count > 0).tolist():
        r, a, b, sa, sb = int(rows[i]), int(lo[i]), int(hi[i]), int(skip_lo[i]), int(skip_hi[i])
        picked: list[int] = []
        for j in (*range(a, sa), *range(sb, b)):
            if j != r:
                picked.append(j)
                if len(picked) == TIE_NAMES:
                    break
        names = [str(items[j]) for j in picked]
        if count[i] > TIE_NAMES:
            names.append(f"+{int(count[i]) - TIE_NAMES}")
        out[i] = ", ".join(names)
    return out


def basis_of(cand: pd.DataFrame) -> np.ndarray:
    """The evidence a candidate rests on (:data:`unggulan.core.ranking.scoring.BASIS`):
    ``own_activity`` (the area's own sentra or statistics of its own level),
    ``kecamatan_statistics`` (a desa taking its kecamatan's figures), ``neighbours`` (no
    activity in the area, but the neighbours' sentra: a neighbourhood LQ above 0 or a hot
    spot), ``land_only``.

    >>> basis_of(pd.DataFrame({"activity_tier": [2, 1, 0, 0], "cluster_score": [0, 0, .4, 0],
    ...                        "cluster": [None] * 4})).tolist()
    ['own_activity', 'kecamatan_statistics', 'neighbours', 'land_only']
    """
    n = len(cand)
    tier = cand["activity_tier"].to_numpy(np.int8) if "activity_tier" in cand \
        else np.zeros(n, np.int8)
    cl = np.nan_to_num(cand["cluster_score"].to_numpy(float)) if "cluster_score" in cand \
        else np.zeros(n)
    hot = (cand["cluster"].astype(object).to_numpy() == "hot spot") if "cluster" in cand \
        else np.zeros(n, bool)
    return np.select([tier >= 2, tier == 1, (cl > 0) | hot],
                     ["own_activity", "kecamatan_statistics", "neighbours"],
                     "land_only").astype(object)


def scenario_rows(ev: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The evidence rows a scenario ranks: all, or those of its ``commodities``."""
    if scenario.commodities:
        return ev[ev["commodity"].isin(set(scenario.commodities))].reset_index(drop=True)
    return ev


def scores(ev: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """The score (0-100) of each row of ``ev`` (the rows :func:`scenario_rows` keeps) under
    the scenario's weights and method: what :func:`propose` ranks, and what every view of a
    score shows."""
    return scores_of(ev, scenario.weights_resolved(), scenario.method, scenario.vikor_v)


def propose(ev: pd.DataFrame, areas: gpd.GeoDataFrame, attributes: pd.DataFrame,
            requirements, catalogue, scenario: Scenario, *, level: str, workers: int = 1
            ) -> gpd.GeoDataFrame:
    """Ranked candidates per area, long form (one row per area and rank).

    A commodity is a candidate in an area when the area produces it (sentra or statistics)
    or when the land there suits it (S1-S3; processed products need their raw material's
    activity, see :func:`evidence`). A commodity whose land is N and that the area does not
    produce is never proposed; one that the area produces is kept on any land, and its
    explanation says both.

    Parameters
    ----------
    ev : DataFrame
        The level's :func:`evidence` for the scenario's reference, management and statistics.
    areas : GeoDataFrame
        The areas of ``level`` (names and geometry of the candidates), indexed by code.
    attributes : DataFrame
        Their agro-ecological attributes (``Dataset.attributes``: the land explanations).
    requirements : Requirements
        The land requirements (``Dataset.requirements``).
    catalogue : Catalogue
    scenario : Scenario
        Its weights, method, ``top``, ``commodities`` and ``vikor_v`` rank.
    level : {"desa", "kecamatan"}
    workers : int, default 1
        With 2 or more and at least :data:`PARALLEL_ROWS` rows, the areas are cut into
        ``workers`` blocks ranked and explained side by side in forked processes
        (:func:`unggulan.base.parallel.in_blocks`; each area's candidates depend on its own
        rows only, so the result is the same).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.ranking.run import default_scenario
    >>> ds = Dataset.open()
    >>> sc = default_scenario(top=2)
    >>> c = propose(ds.evidence("kecamatan", sc), ds.areas("kecamatan"),
    ...             ds.attributes("kecamatan"), ds.requirements, ds.catalogue, sc,
    ...             level="kecamatan")
    >>> c.equals(ds.candidates("kecamatan", scenario=sc))
    True
    """
    ev = scenario_rows(ev, scenario)
    blocks = area_blocks(ev, workers) if workers > 1 and len(ev) >= PARALLEL_ROWS else [None]
    parts = in_blocks(partial(_proposed, ev, names=areas["name"], attributes=attributes,
                              requirements=requirements, catalogue=catalogue,
                              scenario=scenario, level=level), blocks, workers)
    cand = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(cand, geometry=cand["code"].map(areas.geometry).values,
                            crs=areas.crs)


#: :func:`propose` cuts the areas into blocks for several workers from this many rows
PARALLEL_ROWS = 500_000


def area_blocks(ev: pd.DataFrame, n: int) -> list[np.ndarray]:
    """The row positions of ``ev`` in ``n`` blocks of whole areas, in the order of the area
    codes (as :func:`rank_order` sorts them), of about equal numbers of rows; empty blocks
    left out.

    >>> ev = pd.DataFrame({"code": ["b", "a", "c", "a", "b", "d"], "x": range(6)})
    >>> [ev["code"].to_numpy()[rows].tolist() for rows in area_blocks(ev, 2)]
    [['b', 'a', 'a', 'b'], ['c', 'd']]
    >>> [rows.tolist() for rows in area_blocks(ev, 3)]
    [[1, 3], [0, 4], [2, 5]]
    """
    col = ev["code"]
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.is_monotonic_increasing:
        pos = col.cat.codes.to_numpy()
        n_codes = len(col.cat.categories)
    else:
        pos, uniques = pd.factorize(col.astype(str), sort=True)
        n_codes = len(uniques)
    rows_per = np.bincount(pos, minlength=n_codes)
    # each block ends at the area where the cumulative rows pass its share
    ends = np.searchsorted(np.cumsum(rows_per), len(ev) * np.arange(1, n) / n) + 1
    cuts = np.unique(np.concatenate([[0], np.minimum(ends, n_codes), [n_codes]]))
    block = np.searchsorted(cuts, pos, side="right") - 1  # the block of each row's area
    by_block = np.argsort(block, kind="stable")
    bounds = np.searchsorted(block[by_block], np.arange(len(cuts)))
    return [by_block[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


#: the columns :func:`propose` ranks by (the rest is read for the kept rows only)
RANK_COLUMNS = ("code", "commodity", "activity_tier", "local", "stat_share", "workers",
                "cluster_score", "share_s1", "suitability_index")


def _rank_frame(ev: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The columns scored and ranked (:data:`RANK_COLUMNS`, the components) at ``rows``: a
    block of a large frame without copying its other columns (sparse columns stay sparse:
    the scores and the order read them one at a time)."""
    cols = dict.fromkeys([*RANK_COLUMNS, *COLUMNS.values()])
    out = {}
    for c in cols:
        if c in ev:
            v = ev[c].array
            out[c] = v.take(rows) if isinstance(ev[c].dtype, (pd.CategoricalDtype,
                                                              pd.SparseDtype)) else \
                np.asarray(v)[rows]
    return pd.DataFrame(out, copy=False)


def _proposed(full: pd.DataFrame, rows: np.ndarray | None, *, names: pd.Series,
              attributes: pd.DataFrame, requirements, catalogue, scenario: Scenario,
              level: str) -> pd.DataFrame:
    """:func:`propose` for the rows ``rows`` (positions, whole areas; None: all) of the
    evidence ``full``, without the geometry."""
    top = scenario.top
    w = scenario.weights_resolved()
    ev = full if rows is None else _rank_frame(full, rows)
    sc = scores(ev, scenario)
    release_freed_memory()
    code_col = ev["code"]
    codes = (code_col.cat.codes.to_numpy() if isinstance(code_col.dtype, pd.CategoricalDtype)
             else pd.factorize(code_col)[0])
    tier, local = rank_tiers(ev, w)
    # only the rows that can reach or touch the top ranks are ordered
    order = rank_order(ev, sc, w, rows=contenders(codes, (tier, local), sc, top))
    release_freed_memory()                   # (the order's temporaries)
    codes = codes[order]
    sc = sc[order]                           # (in ranking order from here)
    ranks = shared_ranks(codes, (tier[order], local[order]), sc, top=top)
    del codes, tier, local
    kept = ranks["kept"]
    keep = order[kept]
    cand = _dense(_take_dense(full, keep if rows is None else rows[keep]))
    for col in ("code", "commodity"):
        cand[col] = cand[col].astype(str)
    if "activity_tier" in cand:  # (int8 in the evidence; the candidates' column stays int64)
        cand["activity_tier"] = cand["activity_tier"].astype(np.int64)
    cand["score"] = sc[kept]
    cand["rank"] = ranks["rank"]
    cand["rank_shared"] = ranks["rank_shared"]
    cand["tie"] = ranks["tie"]
    cand["rank_label"] = [f"{r}=" if t else str(r)
                          for r, t in zip(cand["rank_shared"].tolist(), cand["tie"].tolist())]
    items = ev["commodity"].to_numpy(object)[order] if not isinstance(
        ev["commodity"].dtype, pd.CategoricalDtype) else _Labels(
            np.asarray(ev["commodity"].cat.categories, dtype=object),
            ev["commodity"].cat.codes.to_numpy()[order])
    lo, hi = ranks["tie_lo"], ranks["tie_hi"]
    cand["tie_with"] = _others(items, kept, lo, hi, kept, kept)
    cand["near_tie"] = _others(items, kept, ranks["near_lo"], ranks["near_hi"], lo, hi)
    cand = cand.reset_index(drop=True)
    # the ranking's arrays (millions of rows) go before the text is written
    del ev, sc, order, ranks, items, lo, hi, kept, keep
    release_freed_memory()

    cat = catalogue.frame
    cand["name"] = cand["code"].map(names)
    cand["level"] = level
    cand["commodity_name_id"] = cand["commodity"].map(cat["name_id"])
    cand["commodity_name_en"] = cand["commodity"].map(cat["name_en"])
    cand["sector"] = cand["commodity"].map(cat["sector"])
    for comp, col in COLUMNS.items():
        cand[f"score_{comp}"] = cand[col]
    cand["period"] = [(f"{int(a)}-{int(b)}" if int(a) != int(b) else f"{int(a)}")
                      if pd.notna(a) else None
                      for a, b in zip(cand["period_start"], cand["period_end"])]
    # (the land explanations read the suitability's own ``basis``, the commodity whose
    # requirements judge the land; the candidates' ``basis`` is their evidence)
    land_basis = cand["basis"]
    cand["basis"] = basis_of(cand)
    for k, lang in enumerate(("id", "en")):
        cand[f"basis_{lang}"] = cand["basis"].map({b: lab[k] for b, lab in BASIS.items()})
    for lang in ("id", "en"):     # one language's land texts at a time
        land = explain(cand.assign(basis=land_basis), attributes, requirements,
                       lang).to_numpy(object)
        names = cat[f"name_{lang}"].to_dict() if f"name_{lang}" in cat else {}
        # a slice of rows at a time: the sentence loop's per-row lists (a dozen lists of
        # Python floats) are a slice's, and each slice's text becomes a column part at once
        parts = [pd.Series(reasons(cand.iloc[a:a + TEXT_SLICE], land[a:a + TEXT_SLICE],
                                   lang, names)) for a in range(0, len(cand), TEXT_SLICE)]
        cand[f"reason_{lang}"] = pd.concat(parts, ignore_index=True) if parts else []
        del parts
        del land
        release_freed_memory()
    for col in ("stat_family", "stat_source", "extent_measure"):
        if col not in cand:
            cand[col] = None
    for col in ("suitability_class", "limiting_factors", "potential_class", "quadrant",
                "stat_measure", "stat_family", "stat_level", "extent_measure"):
        cand[col] = cand[col].astype(object)
    return cand[LONG_COLUMNS]


#: rows explained at a time by :func:`_proposed` (see :func:`reasons`)
TEXT_SLICE = 50_000


def scores_of(ev: pd.DataFrame, weights: dict[str, float], method: str = "weighted_sum",
              vikor_v: float = 0.5) -> np.ndarray:
    """Scores 0-100 by an aggregation method: ``weighted_sum`` (:func:`scoring.score`),
    ``topsis`` or ``vikor`` (:mod:`unggulan.core.ranking.mcda`, candidates compared within
    each area)."""
    if method == "weighted_sum":
        return score(ev, weights).to_numpy()
    check_method(method)
    return aggregate(ev, COLUMNS, weights, method, v=vikor_v).to_numpy()


def area_word(level, stat_level) -> str:
    """Whose figures a share is of: the kecamatan's for kecamatan statistics (a desa's
    inherited ones too), else the area's level."""
    return "kecamatan" if stat_level == "kecamatan" or level != "desa" else "desa"


def share_of(measure, family, area: str, lang: str) -> str:
    """What a share in an explanation is of: the measure, its family (so that "89% populasi"
    reads as the livestock's heads, not the people's) and the area; ``crop_land``: the
    hectares of every crop of the area (a crop's ``land_share``).

    >>> share_of("population", "livestock", "kecamatan", "id")
    'populasi ternak kecamatan'
    >>> share_of("crop_land", "medicinal", "desa", "en")
    "the desa's crop land"
    """
    if measure == "crop_land":
        return f"lahan tanaman {area}" if lang == "id" else f"the {area}'s crop land"
    lab = MEASURE_LABEL.get(measure, ("statistik", "statistics"))
    grp = ("" if not isinstance(family, str) or family in ("other", "sentra")
           else family_label(family, lang) + " ")
    return (f"{str(lab[0]).lower()} {grp}{area}" if lang == "id"
            else f"the {area}'s {grp}{str(lab[1]).lower()}")


def reasons(cand: pd.DataFrame, land: np.ndarray, lang: str,
            names: dict[str, str] | None = None) -> list[str]:
    """One sentence per candidate: its basis (:data:`unggulan.core.ranking.scoring.BASIS`), what the
    area produces (statistics, sentra), whether the kabupaten produces a land-only
    candidate, then its land, a hot spot, and the candidates it ties with (``names``:
    commodity id -> name). (Plain lists and one loop: national runs explain 250,000 rows.)"""
    k = 0 if lang == "id" else 1
    n = len(cand)

    def floats(c: str) -> list[float]:
        if c not in cand:
            return [np.nan] * n
        return pd.to_numeric(cand[c], errors="coerce").to_numpy(float).tolist()

    def objects(c: str) -> list:
        return cand[c].astype(object).tolist() if c in cand else [None] * n

    sentra, lq, workers, gi_p, slq, dlq, stat_share, sentra_share = (floats(c) for c in (
        "sentra", "lq", "workers", "gi_p", "slq", "dlq", "stat_share", "sentra_share"))
    measures, levels, stat_levels, periods, clusters_, actives = (objects(c) for c in (
        "stat_measure", "level", "stat_level", "period", "cluster", "active"))
    families, sources = objects("stat_family"), objects("stat_source")
    bases, ties, nears = (objects(c) for c in ("basis", "tie_with", "near_tie"))
    classes, potentials, inters = (objects(c) for c in (
        "suitability_class", "potential_class", "interventions"))
    local = floats("local")
    # the share the components used (share_basis), and what it is a share of
    extents, ext_measures = floats("extent_share"), objects("extent_measure")
    shares = share_basis(np.asarray(extents), np.asarray(stat_share)).tolist()
    share_measures = [e if x == x and isinstance(e, str) else m
                      for x, e, m in zip(extents, ext_measures, measures, strict=True)]
    lands = floats("land_share")
    names = names or {}

    def named(text) -> str:
        return ", ".join(names.get(x, x) for x in str(text).split(", "))
    quadrants = objects("quadrant" if lang == "id" else "quadrant_en")
    lower = {m: (lab[0].lower(), lab[1].lower()) for m, lab in MEASURE_LABEL.items()}
    of_kec = " kecamatan" if lang == "id" else " of the kecamatan"
    out = []
    for i in range(n):
        parts = []
        if isinstance(bases[i], str) and bases[i] in BASIS:
            parts.append(("dasar: " if k == 0 else "basis: ") + BASIS[bases[i]][k])
        measure = measures[i]
        x_slq, x_dlq = slq[i], dlq[i]
        if isinstance(measure, str):
            # a measure without a label ("other") is named as statistics, not in English
            lab = lower.get(measure, ("statistik", "statistics"))[k]
            whose = of_kec if stat_levels[i] == "kecamatan" and levels[i] == "desa" else ""
            text = ""
            fam = families[i]
            among = "" if not isinstance(fam, str) or fam in ("other", "sentra") else (
                f" di antara {family_label(fam, 'id')}" if k == 0
                else f" among {family_label(fam, 'en')}")
            if x_slq == x_slq:
                text = (f"LQ {lab}{whose} {fmt_sig(x_slq, lang)}{among} ({periods[i]})"
                        if k == 0 else
                        f"{lab} LQ{whose} {fmt_sig(x_slq, lang)}{among} ({periods[i]})")
            if x_dlq == x_dlq:
                q = quadrants[i]
                text += f", DLQ {fmt_sig(x_dlq, lang)}" + (f": {q}" if q else "")
            x_ext = shares[i]
            x_land = lands[i]
            if x_slq == x_slq and x_slq > 1:
                # the quotient over a small base is weighed down (see material): say so
                small = None
                if x_land == x_land and x_land < MATERIAL_LAND:
                    small = (x_land, "crop_land")
                elif x_ext == x_ext and x_ext < MATERIAL_SHARE:
                    small = (x_ext, share_measures[i])
                if small is not None:
                    pct = f"{small[0] * 100:.{1 if small[0] >= 0.001 else 3}f}%"
                    pct = pct.replace(".", ",") if k == 0 else pct
                    of = share_of(small[1], fam, area_word(levels[i], stat_levels[i]), lang)
                    text += (f"; basis kecil: {pct} {of}" if k == 0 else
                             f"; small base: {pct} of {of}")
            # a BPS book's table and page (a spreadsheet's file name stays in stat_source:
            # long in every popup of a page)
            src = cite(sources[i]) if ".pdf#" in str(sources[i]) else None
            if text and src:
                text += f" [{'sumber' if k == 0 else 'source'}: {src}]"
            if text:
                parts.append(text)
        st = shares[i] if shares[i] == shares[i] else 0.0
        se = sentra_share[i] if sentra_share[i] == sentra_share[i] else 0.0
        share = max(st, se)
        if share >= DOMINANT_SHARE:
            pct = f"{share * 100:.0f}%"
            if st >= se:
                of = share_of(share_measures[i], families[i],
                              area_word(levels[i], stat_levels[i]), lang)
                parts.append(f"dominan: {pct} {of}" if k == 0 else f"dominant: {pct} of {of}")
            else:
                parts.append(f"dominan: {pct} tenaga kerja sentra" if k == 0 else
                             f"dominant: {pct} of the sentra workers")
        if sentra[i] > 0:
            x_lq = lq[i]
            lq_txt = "" if x_lq != x_lq else f"LQ {fmt_sig(x_lq, lang)} "
            if k == 0:
                parts.append(f"{lq_txt}dari {int(sentra[i])} sentra, "
                             f"{_num(workers[i], lang)} tenaga kerja")
            else:
                parts.append(f"{lq_txt}from {int(sentra[i])} sentra, "
                             f"{_num(workers[i], lang)} workers")
        if not actives[i]:
            parts.append("belum ada produksi atau sentra" if k == 0 else
                         "not produced here yet (land only)")
            if local[i] == 1:
                parts.append("diproduksi di kabupaten ini" if k == 0 else
                             "produced in the kabupaten")
            elif local[i] == 0:
                parts.append("tidak ada produksi tercatat di kabupaten" if k == 0 else
                             "no recorded production in the kabupaten")
        if isinstance(land[i], str) and land[i]:
            text = land[i] if land[i] in ("tidak ada data lahan", "no land data") else \
                ("lahan " if k == 0 else "land ") + land[i]  # not "land no land data"
            pot, act = potentials[i], classes[i]
            if isinstance(pot, str) and isinstance(act, str) and pot != act:
                how = _interventions(inters[i], k)
                text += (f"; {pot} dengan {how}" if k == 0 else f"; {pot} with {how}") \
                    if how else (f"; {pot} dengan pengelolaan" if k == 0 else
                                 f"; {pot} with management")
            parts.append(text)
        if clusters_[i] == "hot spot":
            p = _num(gi_p[i], lang, 3)
            parts.append(f"hot spot p={p}" if k == 0 else f"in a hot spot (p={p})")
        if isinstance(ties[i], str):
            parts.append(f"skor sama dengan {named(ties[i])}" if k == 0 else
                         f"same score as {named(ties[i])}")
        if isinstance(nears[i], str):
            tol = _num(NEAR_TIE, lang, 1)
            parts.append(f"selisih skor ≤ {tol} dengan {named(nears[i])}" if k == 0 else
                         f"within {tol} points of {named(nears[i])}")
        out.append("; ".join(parts))
    return out


def _interventions(text, k: int) -> str:
    """"pembuatan teras|terracing;pengapuran|liming" -> "pembuatan teras, pengapuran" (k=0)."""
    if not isinstance(text, str) or not text:
        return ""
    return ", ".join(item.split("|")[min(k, len(item.split("|")) - 1)]
                     for item in text.split(";"))


def to_wide(long: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, top: int) -> gpd.GeoDataFrame:
    """One feature per area: top1..topN commodity, score, class, ``topK_rank`` (the shared
    rank's label, "1=" for a tie) and ``topK_basis``; for the first also ``top1_basis_id`` /
    ``_en``, ``top1_tie_with`` and ``top1_near_tie``."""
    base = areas[["code", "name", "level", "geometry"]].reset_index(drop=True)
    for k in range(1, top + 1):
        r = long[long["rank"] == k].set_index("code")
        base[f"top{k}"] = base["code"].map(r["commodity"])
        base[f"top{k}_name"] = base["code"].map(r["commodity_name_id"])
        base[f"top{k}_score"] = base["code"].map(r["score"])
        base[f"top{k}_class"] = base["code"].map(r["suitability_class"])
        for col, name in (("rank_label", "rank"), ("basis", "basis")):
            if col in r:
                base[f"top{k}_{name}"] = base["code"].map(r[col])
    first = long[long["rank"] == 1].set_index("code")
    for col in ("basis_id", "basis_en", "tie_with", "near_tie"):
        if col in first:
            base[f"top1_{col}"] = base["code"].map(first[col])
    base["top1_reason_id"] = base["code"].map(long[long["rank"] == 1].set_index("code")[
        "reason_id"])
    base["top1_reason_en"] = base["code"].map(long[long["rank"] == 1].set_index("code")[
        "reason_en"])
    base["candidates"] = base["code"].map(long.groupby("code").size()).fillna(0).astype(int)
    return gpd.GeoDataFrame(base, geometry="geometry", crs=areas.crs)
