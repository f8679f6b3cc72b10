"""Would another method, or slightly different weights, give the same answer?

- :func:`rank_agreement`: Kendall's tau-b per area between two rankings of the same
  candidates (e.g. weighted sum against TOPSIS), and the share of areas whose first candidate
  is the same. Tau-b is computed for all areas at once (pairs of candidates within an area,
  grouped by the number of candidates; the same value as ``scipy.stats.kendalltau``, which the
  tests check it against): a per-area loop of ``kendalltau`` takes minutes on 84,000 areas.
- :func:`sensitivity`: for every area, the share of weight draws in which its first candidate
  stays first ("stabil 94%"). Each positive weight is multiplied by a factor drawn uniformly
  in ``[1 - spread, 1 + spread]`` and the weights are renormalised to sum 1 (zero weights stay
  zero), with a seeded ``numpy.random.Generator``: the same seed gives the same result.
  All draws are scored at once as ``(rows, draws)`` matrices, in chunks of whole areas of at
  most ``max_cells`` cells (memory stays near ``8 * max_cells`` bytes per array whatever the
  extent); ``sample_areas`` scores a seeded random sample of areas instead of all of them.
  Measured on the 2-core development machine, 400,000 rows (20,000 areas x 20 candidates)
  x 200 draws: weighted sum 3 s, TOPSIS 4 s, VIKOR 10 s; a national run (8.4 million rows)
  takes about 20 times as long, so a national preview should sample areas.

Ranks follow :func:`unggulan.core.ranking.candidates.rank_order` by default: pairs with activity in
the area first (``activity_tier``, while an activity component has weight), then the score rounded
to 6 decimals, then the evidence tie-breaks (:data:`TIEBREAK`), the commodity id last. Both key
lists can be given (``first``, ``tiebreak``; ``"-col"`` sorts descending, NaN last).

>>> ev = pd.DataFrame({"code": ["a", "a"], "commodity": ["x", "y"],
...                    "s": [0.9, 0.2], "m": [0.1, 0.3]})
>>> sensitivity(ev, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}, draws=50)[
...     ["code", "top", "stable_share", "label_id"]].values.tolist()
[['a', 'x', 1.0, 'stabil 100%']]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.ranking import scoring
from unggulan.core.ranking.mcda import Prepared, aggregate, prepare, scores

#: keys after the score, as ``candidates.rank_order``
TIEBREAK = ("-suitability_index", "-share_s1", "-cluster_score", "-workers", "-stat_share",
            "commodity")
#: pairs (or cells) handled per vectorised block
MAX_CELLS = 2_000_000


@dataclass(frozen=True)
class RankAgreement:
    """Per area: ``code``, ``n_common`` (candidates ranked in both), ``tau`` (Kendall's tau-b,
    NaN with fewer than 2 common candidates or no order), ``top_a``, ``top_b`` and
    ``top1_agree``; and the summary over the areas present in both rankings."""

    per_area: pd.DataFrame
    areas: int
    mean_tau: float
    median_tau: float
    top1_share: float

    def summary(self) -> dict:
        """``{"areas", "mean_tau", "median_tau", "top1_share"}``."""
        return {"areas": self.areas, "mean_tau": self.mean_tau, "median_tau": self.median_tau,
                "top1_share": self.top1_share}


def _order_key(frame: pd.DataFrame, value: str) -> np.ndarray:
    """Lower is better: a rank as it is, a score negated."""
    if value not in frame.columns:
        raise UnggulanError(f"the ranking has no column '{value}'", field=value)
    x = frame[value].to_numpy(dtype=float, na_value=np.nan)
    return x if value == "rank" else -x


def kendall_tau_groups(starts: np.ndarray, a: np.ndarray, b: np.ndarray,
                       max_cells: int = MAX_CELLS) -> np.ndarray:
    """Kendall's tau-b of ``a`` against ``b`` within each group of consecutive rows
    (``starts``: first row of each group); NaN for groups of fewer than 2 rows or when one
    side has no order.

    >>> kendall_tau_groups(np.array([0, 3]), np.array([1., 2, 3, 1, 2]),
    ...                    np.array([1., 3, 2, 2, 1])).round(4).tolist()
    [0.3333, -1.0]
    """
    n = len(a)
    g = len(starts)
    tau = np.full(g, np.nan)
    if n == 0:
        return tau
    sizes = np.diff(np.r_[starts, n])
    for m in np.unique(sizes):
        if m < 2:
            continue
        groups = np.flatnonzero(sizes == m)
        i, j = np.triu_indices(int(m), 1)
        pairs = len(i)
        step = max(1, max_cells // pairs)
        for c0 in range(0, len(groups), step):
            gs = groups[c0 : c0 + step]
            idx = starts[gs][:, None] + np.arange(m)[None, :]
            aa, bb = a[idx], b[idx]
            da = np.sign(aa[:, i] - aa[:, j])
            db = np.sign(bb[:, i] - bb[:, j])
            s = (da * db).sum(axis=1)
            ta = (da == 0).sum(axis=1)
            tb = (db == 0).sum(axis=1)
            den = np.sqrt((pairs - ta) * (pairs - tb))
            with np.errstate(invalid="ignore", divide="ignore"):
                tau[gs] = np.where(den > 0, s / den, np.nan)
    return tau


def rank_agreement(ranks_a: pd.DataFrame, ranks_b: pd.DataFrame, *, by: str = "code",
                   item: str = "commodity", value: str = "rank") -> RankAgreement:
    """Kendall's tau-b per area between two rankings, and whether their first candidates agree.

    Parameters
    ----------
    ranks_a, ranks_b
        Long frames with ``by``, ``item`` and ``value`` columns, e.g. two outputs of
        ``propose`` (``value="rank"``, lower is better) or evidence frames with a score
        (``value="score"``, higher is better). Tau is computed over the candidates present in
        both; the first candidate is taken from each ranking on its own.

    Examples
    --------
    >>> a = pd.DataFrame({"code": ["d"] * 3, "commodity": ["x", "y", "z"], "rank": [1, 2, 3]})
    >>> b = a.assign(rank=[1, 3, 2])
    >>> r = rank_agreement(a, b)
    >>> round(r.mean_tau, 4), r.top1_share
    (0.3333, 1.0)
    """
    ka = _order_key(ranks_a, value)
    kb = _order_key(ranks_b, value)
    left = pd.DataFrame({by: ranks_a[by].to_numpy(), item: ranks_a[item].to_numpy(), "_a": ka})
    right = pd.DataFrame({by: ranks_b[by].to_numpy(), item: ranks_b[item].to_numpy(), "_b": kb})
    common = left.merge(right, on=[by, item], how="inner").sort_values(by, kind="stable")
    codes = common[by].to_numpy()
    first = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    tau = kendall_tau_groups(starts, common["_a"].to_numpy(float), common["_b"].to_numpy(float))
    n_common = np.diff(np.r_[starts, len(codes)])
    per = pd.DataFrame({by: codes[starts], "n_common": n_common, "tau": tau})

    def _top(df: pd.DataFrame, key: str) -> pd.Series:
        d = df.dropna(subset=[key]).sort_values([by, key, item], kind="stable")
        return d.drop_duplicates(by).set_index(by)[item]

    top_a = _top(left, "_a")
    top_b = _top(right, "_b")
    both = top_a.index.intersection(top_b.index)
    tops = pd.DataFrame({by: both, "top_a": top_a.loc[both].to_numpy(),
                         "top_b": top_b.loc[both].to_numpy()})
    tops["top1_agree"] = tops["top_a"] == tops["top_b"]
    per = tops.merge(per, on=by, how="left")
    per["n_common"] = per["n_common"].fillna(0).astype(int)
    per = per[[by, "n_common", "tau", "top_a", "top_b", "top1_agree"]]
    valid = per["tau"].dropna()
    return RankAgreement(
        per_area=per.reset_index(drop=True),
        areas=len(per),
        mean_tau=float(valid.mean()) if len(valid) else math.nan,
        median_tau=float(valid.median()) if len(valid) else math.nan,
        top1_share=float(per["top1_agree"].mean()) if len(per) else math.nan,
    )


def first_keys(frame: pd.DataFrame, weights: Mapping[str, float],
               first: Sequence[str] | None = None) -> tuple[str, ...]:
    """Keys ranked before the score: ``first`` when given, else, as ``propose`` ranks while an
    activity component has weight, the activity tier (``activity_tier``, higher first, or the
    older boolean ``active``) when the frame has one, then, while ``local`` has weight,
    ``local`` (the kabupaten produces the commodity); else none.

    >>> first_keys(pd.DataFrame({"active": [True]}), {"market": 0.1})
    ('-active',)
    """
    if first is not None:
        return tuple(first)
    activity = getattr(scoring, "ACTIVITY_COMPONENTS", ())
    keys: tuple[str, ...] = ()
    if any(weights.get(c, 0) > 0 for c in activity):
        for col in ("activity_tier", "active"):
            if col in frame.columns:
                keys = (f"-{col}",)
                break
    if weights.get("local", 0) > 0 and "local" in frame.columns:
        keys = (*keys, "-local")  # land-only: what the kabupaten produces first
    return keys


def tier_keys(frame: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Dense rank (0 = ranked first) of each row on the ``keys`` alone."""
    if not keys or len(frame) == 0:
        return np.zeros(len(frame), dtype=np.int64)
    tmp = frame[[k.lstrip("-") for k in keys if k.lstrip("-") in frame.columns]].copy()
    tmp["_all"] = "x"
    p = prepare(tmp.assign(_z=0.0), {"z": "_z"}, {"z": 1.0}, "_all", tiebreak=keys)
    cols = [tmp[k.lstrip("-")].to_numpy()[p.order] for k in keys if k.lstrip("-") in tmp]
    change = np.zeros(len(frame), dtype=bool)
    for c in cols:
        c = pd.Series(c).astype(object).where(pd.notna(c), None).to_numpy()
        change[1:] |= c[1:] != c[:-1]
    out = np.empty(len(frame), dtype=np.int64)
    out[p.order] = np.cumsum(change)
    return out


def _first_max(p: Prepared, sc: np.ndarray) -> np.ndarray:
    """Row (within ``p``) of each area's first candidate per draw: the highest score, ties to
    the earliest row (rows are in tie-break order)."""
    top = np.maximum.reduceat(sc, p.starts, axis=0)[p.gid]
    rows = np.arange(p.rows)[:, None]
    idx = np.where(sc >= top, rows, p.rows)
    return np.minimum.reduceat(idx, p.starts, axis=0)


def _n_max(p: Prepared, sc: np.ndarray) -> np.ndarray:
    """Number of rows at each area's highest score, per draw (``(groups, draws)``)."""
    top = np.maximum.reduceat(sc, p.starts, axis=0)[p.gid]
    return np.add.reduceat((sc >= top).astype(np.int64), p.starts, axis=0)


def rank_within(frame: pd.DataFrame, score: pd.Series | np.ndarray, *, by: str = "code",
                first: Sequence[str] = (), tiebreak: Sequence[str] = TIEBREAK) -> pd.Series:
    """Rank (1 = first) of each row within its area: the ``first`` keys, then the score
    rounded to 6 decimals descending, then the ``tiebreak`` keys (``"-col"`` descending).

    >>> f = pd.DataFrame({"code": ["a", "a", "b"], "commodity": ["y", "x", "z"]})
    >>> rank_within(f, [50.0, 50.0, 10.0]).tolist()
    [2, 1, 1]
    """
    sc = -np.round(np.asarray(score, dtype=float), 6)
    keys = (*first, "_neg_score", *tiebreak)
    wanted = {by, *(k.lstrip("-") for k in keys)} - {"_neg_score"}
    tmp = frame[[c for c in frame.columns if c in wanted]].assign(_neg_score=sc)
    p = prepare(tmp, {"_s": "_neg_score"}, {"_s": 1.0}, by, tiebreak=keys)
    rank = np.arange(p.rows) - p.starts[p.gid] + 1
    out = np.empty(p.rows, dtype=np.int64)
    out[p.order] = rank
    return pd.Series(out, index=frame.index, name="rank")


def sensitivity(frame: pd.DataFrame, columns: Mapping[str, str], weights: Mapping[str, float],
                method: str = "weighted_sum", draws: int = 200, spread: float = 0.2,
                seed: int = 12345, *, by: str = "code", item: str = "commodity",
                first: Sequence[str] | None = None, tiebreak: Sequence[str] = TIEBREAK,
                v: float = 0.5, normalization: str = "vector", sample_areas: int | None = None,
                max_cells: int = MAX_CELLS) -> pd.DataFrame:
    """How often each area's first candidate stays first when the weights move.

    Parameters
    ----------
    frame, columns, weights, method
        As :func:`unggulan.core.ranking.mcda.aggregate`.
    draws
        Number of weight draws.
    spread
        Each positive weight is multiplied by ``U(1 - spread, 1 + spread)``, then all are
        renormalised to sum 1.
    seed
        Seed of the ``numpy.random.Generator``: the same seed, the same result.
    sample_areas
        Score only this many areas, drawn at random (seeded), e.g. for a national preview.

    Returns
    -------
    DataFrame
        One row per area: ``by``, ``top`` (first candidate with the given weights),
        ``top_score``, ``alternatives``, ``draws``, ``stable_share`` (0-1), ``challenger``
        (the candidate most often first instead; missing when none), ``challenger_share``,
        ``tie`` (the first candidate shares the highest score, with the same keys before the
        score, with ``tied_with``: their ids joined by ", "; ``stable_share`` then counts
        only draws in which it is first alone), ``label_id`` ("stabil 94%"; "seri dengan
        bayam" for a tie, never "stabil 100%") and ``label_en`` ("stable 94%", "tied with
        bayam").

    Examples
    --------
    >>> ev = pd.DataFrame({"code": ["a", "a"], "commodity": ["x", "y"],
    ...                    "s": [0.6, 0.5], "m": [0.4, 0.5]})
    >>> r = sensitivity(ev, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}, draws=100, seed=1)
    >>> r.loc[0, "top"], r.loc[0, "challenger"], bool(0 < r.loc[0, "stable_share"] < 1)
    ('x', 'y', True)
    """
    if int(draws) < 1:
        raise UnggulanError(f"draws must be at least 1, not {draws}", field="draws")
    if not 0 <= spread < 1:
        raise UnggulanError(f"spread must lie in [0, 1), not {spread}", field="spread")
    rng = np.random.default_rng(seed)
    if sample_areas is not None:
        codes = pd.unique(frame[by])
        if sample_areas < len(codes):
            keep = codes[np.sort(rng.choice(len(codes), size=int(sample_areas), replace=False))]
            frame = frame[frame[by].isin(keep)]
    keys = first_keys(frame, weights, first)
    p = prepare(frame, columns, weights, by, tiebreak=(*keys, *tiebreak))
    # a better tier always wins: scores lie in [0, 100]
    penalty = 1000.0 * tier_keys(frame, keys).astype(float)
    factors = rng.uniform(1 - spread, 1 + spread, size=(int(draws), len(p.w)))
    wd = p.w[None, :] * factors
    wd = wd / wd.sum(axis=1, keepdims=True)
    items = frame[item].to_numpy(dtype=object)
    opts = {"v": v, "normalization": normalization}

    out_top: list[np.ndarray] = []
    out_score: list[np.ndarray] = []
    out_share: list[np.ndarray] = []
    out_chal: list[np.ndarray] = []
    out_chal_share: list[np.ndarray] = []
    out_tie: list[np.ndarray] = []
    limit = max(1, int(max_cells) // (int(draws) + 1))
    g0 = 0
    while g0 < p.groups:
        g1 = int(np.searchsorted(p.starts, p.starts[g0] + limit, side="right"))
        g1 = min(max(g1, g0 + 1), p.groups)
        c = p.slice(g0, g1)
        pen = penalty[c.order][:, None]
        base_sc = np.round(scores(c, c.w, method, **opts), 6)
        base = _first_max(c, base_sc - pen)[:, 0]
        base_n = _n_max(c, base_sc - pen)[:, 0]
        drawn = np.round(scores(c, wd, method, **opts), 6) - pen
        won = _first_max(c, drawn)
        # first alone: a candidate tied with another is not "stable" however often the
        # order of the tie-break keeps it first
        share = ((won == base[:, None]) & (_n_max(c, drawn) == 1)).mean(axis=1)
        tied = np.flatnonzero(base_n > 1)
        tie_text = np.full(len(base), None, dtype=object)
        if len(tied):
            adj = (base_sc - pen)[:, 0]
            top_v = np.maximum.reduceat(adj, c.starts)
            for g in tied.tolist():
                a = int(c.starts[g])
                b = int(c.starts[g + 1]) if g + 1 < len(c.starts) else c.rows
                rows = [j for j in range(a, b) if adj[j] == top_v[g] and j != base[g]]
                tie_text[g] = ", ".join(str(items[c.order[j]]) for j in rows)
        out_tie.append(tie_text)
        wins = np.bincount(won.ravel(), minlength=c.rows).astype(np.int64)
        wins[base] = -1
        best = np.maximum.reduceat(wins, c.starts)
        is_best = (wins == best[c.gid]) & (best[c.gid] > 0)
        chal = np.minimum.reduceat(np.where(is_best, np.arange(c.rows), c.rows), c.starts)
        has = chal < c.rows
        out_top.append(items[c.order[base]])
        out_score.append(base_sc[base, 0])
        out_share.append(share)
        chal_items = np.full(len(chal), None, dtype=object)
        chal_items[has] = items[c.order[chal[has]]]
        out_chal.append(chal_items)
        out_chal_share.append(np.where(has, np.maximum(best, 0) / int(draws), 0.0))
        g0 = g1

    code_col = frame[by].to_numpy(dtype=object)
    area_codes = code_col[p.order[p.starts]] if p.rows else np.zeros(0, dtype=object)
    share = np.concatenate(out_share) if out_share else np.zeros(0)
    pct = np.floor(share * 100 + 1e-9).astype(int)  # 99.6 % is not "100 %"
    tied_with = np.concatenate(out_tie) if out_tie else np.zeros(0, dtype=object)
    is_tie = np.array([t is not None for t in tied_with], dtype=bool)
    return pd.DataFrame({
        by: area_codes,
        "top": np.concatenate(out_top) if out_top else np.zeros(0, dtype=object),
        "top_score": np.concatenate(out_score) if out_score else np.zeros(0),
        "alternatives": np.diff(np.r_[p.starts, p.rows]),
        "draws": int(draws),
        "stable_share": share,
        "challenger": np.concatenate(out_chal) if out_chal else np.zeros(0, dtype=object),
        "challenger_share": (np.concatenate(out_chal_share) if out_chal_share
                             else np.zeros(0)),
        "tie": is_tie,
        "tied_with": tied_with,
        "label_id": [f"seri dengan {t}" if t is not None else f"stabil {x}%"
                     for x, t in zip(pct, tied_with)],
        "label_en": [f"tied with {t}" if t is not None else f"stable {x}%"
                     for x, t in zip(pct, tied_with)],
    })


def method_agreement(frame: pd.DataFrame, columns: Mapping[str, str],
                     weights: Mapping[str, float], method_a: str = "weighted_sum",
                     method_b: str = "topsis", *, by: str = "code", item: str = "commodity",
                     first: Sequence[str] | None = None, tiebreak: Sequence[str] = TIEBREAK,
                     v: float = 0.5,
                     normalization: str = "vector") -> RankAgreement:
    """:func:`rank_agreement` of two aggregation methods on the same evidence and weights.

    >>> ev = pd.DataFrame({"code": ["a"] * 3, "commodity": ["x", "y", "z"],
    ...                    "s": [0.9, 0.5, 0.1], "m": [0.8, 0.4, 0.2]})
    >>> method_agreement(ev, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}).mean_tau
    1.0
    """
    keys = first_keys(frame, weights, first)
    ranks = []
    for method in (method_a, method_b):
        sc = aggregate(frame, columns, weights, method, by=by, v=v, normalization=normalization)
        ranks.append(pd.DataFrame({by: frame[by].to_numpy(), item: frame[item].to_numpy(),
                                   "rank": rank_within(frame, sc, by=by, first=keys,
                                                       tiebreak=tiebreak).to_numpy()}))
    return rank_agreement(ranks[0], ranks[1], by=by, item=item)
