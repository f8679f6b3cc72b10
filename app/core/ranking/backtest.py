"""Backtest of the proposals on the dataset's own statistics series (uji mundur).

Cut the series after year ``until``, propose from what is left (statistics only), and count
how often the marks hold in the years after the cut, against two naive rules given the same
number of marks per area.

Methods compared
----------------
``tool``
    The tool's statistics components on the truncated series, computed by the functions the
    candidates use (:func:`unggulan.core.activity.evidence.statistics_evidence`, then
    :func:`unggulan.core.ranking.candidates.add_components`,
    :func:`unggulan.core.ranking.scoring.score` and
    :func:`unggulan.core.ranking.candidates.rank_order`): ``specialisation`` (the SLQ of the
    period's sums, log scale), ``scale`` (the commodity's share of the area's own output) and
    ``trend`` (DLQ over the period), with their default weights 0.25 / 0.15 / 0.10 renormalised.
    Land, sentra and market components are left out (weight 0): the backtest judges what can be
    judged on the series, not the land.
``last_slq``
    The K commodities with the highest SLQ in the commodity's last known year (ties: the
    larger share of the area's output that year, then the commodity id).
``persistence``
    The K commodities in which the area ranks highest among the areas by its value in the
    commodity's last known year (rank 1 = the largest producer; ties between areas share the
    best rank; within an area ties by the larger share of its output that year, then the
    commodity id): "what it leads in today, it will lead in tomorrow".

Every method chooses from the same pairs: the (area, commodity) pairs with a value above zero
over the kept years (what the tool may propose from statistics). An area with fewer than K
such commodities gets that many marks from every method. ``random`` is what a uniform random
choice of the same number of marks from the same pairs gets on average (the chance level).

The two measures
----------------
The horizon is the years ``until + 1 .. until + horizon`` (default: every year after the cut).
For each mark (area, commodity):

- ``hit_slq``: the SLQ over the horizon (the LQ of the horizon's summed values, as the
  candidates compute it, same measure and reference) is above 1;
- ``hit_top5``: the area is among the commodity's ``top_producers`` (5) largest producers
  over the horizon: its mean value over the horizon's years ranks 1-5 among the areas of the
  level (ties share the best rank, so a tie at fifth place counts) and is above zero.

A mark is *judged* on a measure when the horizon has the number (an area that did not report,
or a commodity no longer published, is not judged: neither hit nor miss). Rates are hits /
judged marks; ``rate_mean`` is the mean of the two rates.

Each commodity keeps one comparable group (measure, and unit and family where the evidence names
them) for the whole series: the one :func:`~unggulan.core.activity.evidence.statistics_evidence`
chooses on the full series (production, else population, else harvested area ...), so the kept years
and the horizon compare the same thing. The statistics are read at one level (kecamatan where there
are kecamatan statistics). A year counts when some value in it is above zero; a series needs two
such years (:class:`~unggulan.base.errors.UnggulanError` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from unggulan.base.errors import InvalidWeights, UnggulanError
from unggulan.core.activity.evidence import statistics_evidence
from unggulan.core.activity.extent import extent_shares, with_extent
from unggulan.core.ranking.candidates import add_components, rank_order
from unggulan.core.ranking.scoring import parse_weights, score

METHODS = ("tool", "last_slq", "persistence", "random")
LABELS = {
    "tool": ("Alat (statistik saja)", "Tool (statistics only)"),
    "last_slq": ("SLQ tahun terakhir", "Last year's SLQ"),
    "persistence": ("Persistensi (produsen teratas)", "Persistence (top producers)"),
    "random": ("Acak (harapan)", "Random (expected)"),
}
#: the scoring components that can be computed from the statistics alone
STATISTICS_COMPONENTS = ("specialisation", "scale", "trend")
TOP_PRODUCERS = 5
TABLE_COLUMNS = [
    "method", "label_id", "label_en", "areas", "marks", "judged_slq", "hits_slq", "rate_slq",
    "judged_top5", "hits_top5", "rate_top5", "rate_mean", "level", "kept_years",
    "horizon_years", "top", "top_producers", "reference", "share_weight",
]
MARK_COLUMNS = [
    "method", "code", "mark", "commodity", "stat_measure", "score", "kept_slq", "last_year",
    "last_slq", "last_rank", "horizon_slq", "horizon_value", "horizon_rank", "hit_slq",
    "hit_top5",
]


@dataclass
class BacktestResult:
    """What :func:`backtest` returns: the summary ``table`` (one row per method), the
    ``marks`` (one row per method, area and mark, with the evidence and both hits) and the
    years and settings used."""

    table: pd.DataFrame
    marks: pd.DataFrame
    level: str
    kept_years: list[int]
    horizon_years: list[int]
    top: int
    top_producers: int
    reference: str
    weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready summary (the table's rows and the settings)."""
        rows = self.table.astype(object).where(self.table.notna(), None)
        return {"level": self.level, "kept_years": self.kept_years,
                "horizon_years": self.horizon_years, "top": self.top,
                "top_producers": self.top_producers, "reference": self.reference,
                "weights": self.weights, "methods": rows.to_dict(orient="records")}


def _span(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


def statistics_weights(weights=None, share_weight: float = 0.0) -> dict[str, float]:
    """The scoring weights with every component that is not computed from statistics set to
    0 (:data:`STATISTICS_COMPONENTS` keep theirs, default or given), and ``uniqueness`` set
    to ``share_weight`` (see :func:`backtest`).

    >>> w = statistics_weights("trend=0.5")
    >>> w["specialisation"], w["trend"], w["suitability"], w["uniqueness"]
    (0.25, 0.5, 0.0, 0.0)
    """
    w = parse_weights(weights)
    out = {k: (v if k in STATISTICS_COMPONENTS else 0.0) for k, v in w.items()}
    if not (0.0 <= float(share_weight) <= 1.0):
        raise InvalidWeights(f"share_weight {share_weight:g} is outside [0, 1]",
                             field="share_weight")
    out["uniqueness"] = float(share_weight)
    if sum(out.values()) <= 0:
        raise InvalidWeights("the backtest scores statistics only: give "
                             f"{', '.join(STATISTICS_COMPONENTS)} or share_weight a weight "
                             "above 0", field="weights")
    return out


def backtest(statistics: pd.DataFrame, areas: pd.DataFrame | None = None, *, until: int,
             horizon: int | None = None, top: int = 3, weights=None, level: str | None = None,
             reference: str = "kabupaten", measure: str | None = None,
             top_producers: int = TOP_PRODUCERS, share_weight: float = 0.0
             ) -> BacktestResult:
    """Backtest the statistics-only proposals against the naive rules (see the module).

    Parameters
    ----------
    statistics : DataFrame
        The long statistics (``Dataset.statistics()``: ``code, commodity, measure, unit,
        level, year, value, ratio`` ...).
    areas : DataFrame, optional
        The level's areas, indexed by code (``Dataset.areas(level)``): only their statistics
        are judged; a ``kabupaten_code`` column lets ``reference='kabupaten'`` compare each
        area with its own kabupaten. Default: every area of the statistics.
    until : int
        The last year kept; later years judge.
    horizon : int, optional
        Years judged after ``until`` (default: every year after it).
    top : int
        Marks per area (K).
    weights : str or mapping, optional
        Scoring weights (:func:`unggulan.core.ranking.scoring.parse_weights`); only the statistics
        components count (:func:`statistics_weights`).
    level : str, optional
        Level of the statistics (default: kecamatan when there are kecamatan statistics,
        else desa).
    reference : str
        ``kabupaten`` (each area against its own kabupaten, as the candidates by default),
        ``dataset`` (the sum of the areas) or ``province`` (a kabupaten-level table's sum).
    measure : str, optional
        One measure for every commodity (default: the first the commodity has, as the
        candidates).
    top_producers : int
        How many of the largest producers count for ``hit_top5``.
    share_weight : float
        Weight (0-1) of the area's share of the dataset's output of the commodity over the
        kept years (mean value / the sum of the areas' means), scored as the candidates'
        ``uniqueness`` component, which they compute from sentra workers only. Default 0:
        the tool's statistics components as the candidates weigh them. (A documented
        variant, not what ``propose`` does; see the README's "Backtest / Uji mundur".)

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> res = backtest(ds.statistics(), ds.areas("kecamatan"), until=2021)
    >>> res.table["method"].tolist(), res.kept_years[-1], res.horizon_years
    (['tool', 'last_slq', 'persistence', 'random'], 2021, [2022, 2023, 2024])
    """
    if top < 1:
        raise UnggulanError(f"top must be at least 1, not {top}", field="top")
    if top_producers < 1:
        raise UnggulanError(f"top_producers must be at least 1, not {top_producers}",
                            field="top_producers")
    if reference not in ("kabupaten", "dataset", "province"):
        raise UnggulanError(f"reference must be kabupaten, dataset or province, not "
                            f"'{reference}'", field="reference")
    w = statistics_weights(weights, share_weight)
    st = statistics
    level = level or _default_level(st)
    rows = _series_rows(st, level, areas)
    # a year counts when something was produced in it (a year of only missing or nil
    # cells, e.g. a column of a book that prints the previous year's totals only, does not)
    years = sorted(rows.loc[rows["value"].to_numpy(float) > 0, "year"].astype(int).unique()
                   .tolist())
    if len(years) < 2:
        have = (f"{level} statistics have values only for {years[0]}" if years else
                "the dataset has no statistics with a year" + (
                    f" at level {level}" if len(st) else " (put BPS tables in statistik/)"))
        raise UnggulanError(f"the backtest needs a statistics series of at least two years "
                            f"(some to propose from, a later one to judge); {have}",
                            field="statistics")
    until = int(until)
    if not years[0] <= until < years[-1]:
        raise UnggulanError(f"until must be from {years[0]} to {years[-1] - 1}: the series runs "
                            f"{years[0]}-{years[-1]}; the years up to it propose, later years "
                            f"judge", field="until")
    if horizon is None:
        horizon = years[-1] - until
    if horizon < 1:
        raise UnggulanError(f"horizon must be at least 1 year, not {horizon}", field="horizon")
    if until + horizon > years[-1]:
        raise UnggulanError(f"horizon {until + 1}-{until + horizon} reaches past the series' "
                            f"last year {years[-1]}: use horizon {years[-1] - until} or less, "
                            f"or an earlier until", field="horizon")
    kept_years = [y for y in years if y <= until]
    horizon_years = [y for y in years if until < y <= until + horizon]
    if not horizon_years:
        raise UnggulanError(f"no statistics in {until + 1}-{until + horizon} (years: "
                            f"{', '.join(map(str, years))})", field="horizon")

    kab = None
    if areas is not None and reference == "kabupaten" and "kabupaten_code" in areas:
        kab = areas["kabupaten_code"]
    ref = "dataset" if reference == "kabupaten" else reference

    def evidence(frame: pd.DataFrame, period: tuple[int, int] | None) -> pd.DataFrame:
        return _evidence(statistics_evidence, frame, level, period, ref, measure, kab)

    # one measure per commodity, chosen on the full series, kept for the cut and the horizon
    full = evidence(rows, None)
    keep = _same_group(rows, full)
    others = st[(st["level"] == "kabupaten").to_numpy()] if ref == "province" else st.iloc[:0]
    series = pd.concat([rows[keep], others], ignore_index=True)
    kept = series[series["year"].notna() & (series["year"] <= until)]

    # the extent shares of the kept years, of every extent measure (not only the chosen group)
    train = with_extent(evidence(kept, None), extent_shares(
        rows[rows["year"].notna().to_numpy() & (rows["year"] <= until).to_numpy()], level))
    pool = train[train["stat_value"].to_numpy(float) > 0].reset_index(drop=True)
    if pool.empty:
        of = rows if measure is None else rows[(rows["measure"] == measure).to_numpy()]
        gone = int(of["value"].isna().sum())
        why = (f"; {gone} {measure or 'statistics'} value(s) of this level are missing, "
               "some perhaps set missing while loading (`unggulan validate` lists why: "
               "impossible values, a change of unit between years)") if gone else ""
        raise UnggulanError(f"no area produced anything in {_span(kept_years)}{why}",
                            field="statistics")
    last = _last_year_evidence(evidence, kept, pool)
    outcome = _with_rank(evidence(series, (horizon_years[0], horizon_years[-1])))
    outcome = outcome[["code", "commodity", "slq", "value_known", "producer_rank"]].rename(
        columns={"slq": "horizon_slq", "value_known": "horizon_value",
                 "producer_rank": "horizon_rank"})

    pool = pool.merge(last, on=["code", "commodity"], how="left")
    pool = pool.merge(outcome, on=["code", "commodity"], how="left")
    pool["score"] = _tool_scores(pool, w, level)
    pool["hit_slq"] = _hit(pool["horizon_slq"].to_numpy(float) > 1, pool["horizon_slq"])
    pool["hit_top5"] = _hit((pool["horizon_rank"].to_numpy(float) <= top_producers)
                            & (pool["horizon_value"].to_numpy(float) > 0),
                            pool["horizon_value"])
    k_area = pool.groupby("code")["commodity"].size().clip(upper=top)
    pool["k"] = pool["code"].map(k_area).to_numpy()

    marks = []
    for method in ("tool", "last_slq", "persistence"):
        order = _order(pool, method, w, level)
        ranked = pool.iloc[order].copy()
        ranked["mark"] = ranked.groupby("code", sort=False).cumcount() + 1
        ranked = ranked[ranked["mark"] <= ranked["k"]]
        ranked["method"] = method
        marks.append(ranked)
    marks = pd.concat(marks, ignore_index=True).rename(columns={"slq": "kept_slq"})
    marks["score"] = np.where(marks["method"] == "tool", marks["score"], np.nan)
    marks = marks[MARK_COLUMNS].reset_index(drop=True)

    table = pd.DataFrame([_summary(marks[marks["method"] == m], m) for m in METHODS[:3]]
                         + [_random_expectation(pool)])
    table["level"] = level
    table["kept_years"] = _span(kept_years)
    table["horizon_years"] = _span(horizon_years)
    table["top"] = top
    table["top_producers"] = top_producers
    table["reference"] = reference
    table["share_weight"] = float(share_weight)
    return BacktestResult(table[TABLE_COLUMNS], marks, level, kept_years, horizon_years, top,
                          top_producers, reference, w)


def _default_level(st: pd.DataFrame) -> str:
    have = set(st["level"]) if len(st) else set()
    for lv in ("kecamatan", "desa"):
        if lv in have:
            return lv
    return "kecamatan"


def _series_rows(st: pd.DataFrame, level: str, areas: pd.DataFrame | None) -> pd.DataFrame:
    """The level's counted rows (not ratios, with a year) of the areas."""
    if st.empty:
        return st
    rows = st[(st["level"] == level).to_numpy() & ~st["ratio"].astype(bool).to_numpy()
              & st["year"].notna().to_numpy()]
    if areas is not None:
        rows = rows[rows["code"].isin(set(areas.index))]
    return rows


def _same_group(rows: pd.DataFrame, ev: pd.DataFrame) -> np.ndarray:
    """Which statistics rows belong to the group (measure, and unit and family where the
    evidence names them) that the evidence chose for their commodity."""
    pairs = [("commodity", "commodity", None), ("measure", "stat_measure", None),
             ("unit", "stat_unit", ""), ("family", "stat_family", "other")]
    pairs = [p for p in pairs if p[1] in ev.columns and (p[0] in rows or p[2] is not None)]

    def keys(frame: pd.DataFrame, cols: list[str], fills: list) -> pd.MultiIndex:
        arrays = []
        for c, fill in zip(cols, fills):
            v = frame[c] if c in frame else pd.Series(fill, index=frame.index)
            arrays.append((v.fillna(fill) if fill is not None else v).astype(str))
        return pd.MultiIndex.from_arrays(arrays)

    fills = [p[2] for p in pairs]
    chosen = keys(ev, [p[1] for p in pairs], fills).unique()
    return keys(rows, [p[0] for p in pairs], fills).isin(chosen)


def _evidence(fn, frame, level, period, reference, measure, kab) -> pd.DataFrame:
    """:func:`statistics_evidence`, per kabupaten when the areas name more than one."""
    if kab is None or kab.nunique() <= 1:
        return fn(frame, level, period, reference, measure)
    groups = frame.groupby(frame["code"].map(kab), sort=True)
    parts = [fn(g, level, period, reference, measure) for _, g in groups]
    return pd.concat(parts, ignore_index=True)


def _with_rank(ev: pd.DataFrame) -> pd.DataFrame:
    """The evidence with ``value_known`` (the mean value; 0 where the area reported the
    measure but not the commodity, so its SLQ is known) and ``producer_rank`` among the
    areas (1 = largest; ties share the best rank)."""
    v = ev["stat_value"].to_numpy(float)
    ev = ev.assign(value_known=np.where(np.isnan(v) & np.isfinite(ev["slq"].to_numpy(float)),
                                        0.0, v))
    by = ev.groupby(["commodity", "stat_measure"])["value_known"]
    ev["producer_rank"] = by.rank(method="min", ascending=False)
    return ev


def _last_year_evidence(evidence, kept: pd.DataFrame, pool: pd.DataFrame) -> pd.DataFrame:
    """Per pool pair the evidence of its commodity's last kept year: ``last_year``,
    ``last_slq``, ``last_share``, ``last_rank`` (rank among the areas by value)."""
    rows = kept[kept["value"].notna()]
    last_of = rows.groupby("commodity")["year"].max().astype(int)
    parts = []
    for y, comms in last_of.groupby(last_of):
        ev = _with_rank(evidence(kept, (int(y), int(y))))
        ev = ev[ev["commodity"].isin(set(comms.index))]
        parts.append(ev.assign(last_year=int(y)))
    ev = pd.concat(parts, ignore_index=True)
    ev = ev.rename(columns={"slq": "last_slq", "stat_share": "last_share",
                            "producer_rank": "last_rank"})
    return ev[["code", "commodity", "last_year", "last_slq", "last_share", "last_rank"]]


def _tool_scores(pool: pd.DataFrame, weights: Mapping[str, float], level: str) -> np.ndarray:
    """The candidates' score of each pair from its statistics evidence alone."""
    ev = _components(pool, level)
    return score(ev, weights).to_numpy()


def _components(pool: pd.DataFrame, level: str) -> pd.DataFrame:
    ev = pool[["code", "commodity", "stat_value", "stat_share", "extent_share", "slq", "dlq",
               "stat_level"]].copy()
    for col in ("workers", "sentra", "lq_score"):
        ev[col] = 0.0  # no sentra in a statistics-only proposal
    ev = add_components(ev, level, copy=False)
    # the area's share of the dataset's output of the commodity (used with share_weight)
    total = pool.groupby(["commodity", "stat_measure"])["stat_value"].transform("sum")
    ev["uniqueness"] = (pool["stat_value"] / total).to_numpy(float)
    return ev


def _order(pool: pd.DataFrame, method: str, weights: Mapping[str, float],
           level: str) -> np.ndarray:
    """Row order of the pool: by area, then the method's preference."""
    area = pd.factorize(pool["code"], sort=True)[0]
    comm = pd.factorize(pool["commodity"], sort=True)[0]
    share = -np.nan_to_num(pool["last_share"].to_numpy(float), nan=-1.0)
    if method == "tool":
        return rank_order(_components(pool, level), pool["score"].to_numpy(float), weights)
    if method == "last_slq":
        key = -np.nan_to_num(pool["last_slq"].to_numpy(float), nan=-1.0)
    else:
        key = np.nan_to_num(pool["last_rank"].to_numpy(float), nan=np.inf)
    return np.lexsort((comm, share, key, area))


def _hit(hit: np.ndarray, value: pd.Series) -> pd.Series:
    """True/False where ``value`` is known, NA where the mark cannot be judged."""
    out = pd.Series(hit, dtype="boolean")
    out[value.isna().to_numpy()] = pd.NA
    return out


def _summary(m: pd.DataFrame, method: str) -> dict:
    js, jt = int(m["hit_slq"].notna().sum()), int(m["hit_top5"].notna().sum())
    hs, ht = int(m["hit_slq"].sum()), int(m["hit_top5"].sum())
    return _row(method, m["code"].nunique(), len(m), js, hs, jt, ht)


def _row(method, areas, marks, js, hs, jt, ht) -> dict:
    rs = hs / js if js else np.nan
    rt = ht / jt if jt else np.nan
    return {"method": method, "label_id": LABELS[method][0], "label_en": LABELS[method][1],
            "areas": int(areas), "marks": int(marks), "judged_slq": js, "hits_slq": hs,
            "rate_slq": rs, "judged_top5": jt, "hits_top5": ht, "rate_top5": rt,
            "rate_mean": np.nanmean([rs, rt]) if js or jt else np.nan}


def _random_expectation(pool: pd.DataFrame) -> dict:
    """The expected counts of k uniformly random marks per area from the area's pool:
    k times the area's share of judged pairs, and of hits."""
    g = pool.groupby("code")
    n = g.size()
    k = g["k"].first()
    js = (k * g["hit_slq"].apply(lambda s: s.notna().sum()) / n).sum()
    hs = (k * g["hit_slq"].apply(lambda s: s.fillna(False).sum()) / n).sum()
    jt = (k * g["hit_top5"].apply(lambda s: s.notna().sum()) / n).sum()
    ht = (k * g["hit_top5"].apply(lambda s: s.fillna(False).sum()) / n).sum()
    row = _row("random", len(n), int(k.sum()), 0, 0, 0, 0)
    rs = hs / js if js else np.nan
    rt = ht / jt if jt else np.nan
    row.update(judged_slq=round(float(js), 2), hits_slq=round(float(hs), 2), rate_slq=rs,
               judged_top5=round(float(jt), 2), hits_top5=round(float(ht), 2), rate_top5=rt,
               rate_mean=np.nanmean([rs, rt]) if js or jt else np.nan)
    return row
