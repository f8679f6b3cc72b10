"""Agreement between rankings, and sensitivity of the first candidate to the weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

from unggulan.core.ranking import scoring
from unggulan.core.ranking.candidates import rank_order
from unggulan.core.ranking.mcda import aggregate
from unggulan.core.ranking.stability import (
    first_keys,
    kendall_tau_groups,
    method_agreement,
    rank_agreement,
    rank_within,
    sensitivity,
)

COLS = {"s": "s", "m": "m", "k": "k"}
W = {"s": 0.5, "m": 0.3, "k": 0.2}


def _frame(n_areas: int = 60, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_areas):
        for c in range(int(rng.integers(1, 7))):
            rows.append({"code": f"A{a:03d}", "commodity": f"k{c}",
                         "workers": float(rng.integers(0, 3)),
                         "s": rng.uniform(), "m": rng.choice([0.25, 0.5, 0.75, 1.0]),
                         "k": np.nan if rng.uniform() < 0.2 else rng.uniform()})
    return pd.DataFrame(rows)


def test_kendall_tau_matches_scipy_per_group():
    rng = np.random.default_rng(0)
    sizes = [1, 2, 2, 3, 4, 5, 5, 8, 13]
    a = np.concatenate([rng.integers(0, 4, m) for m in sizes]).astype(float)  # with ties
    b = np.concatenate([rng.integers(0, 4, m) for m in sizes]).astype(float)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    ours = kendall_tau_groups(starts, a, b, max_cells=7)  # tiny blocks: chunking exercised
    for g, (s0, m) in enumerate(zip(starts, sizes, strict=True)):
        if m < 2:
            assert math.isnan(ours[g])
            continue
        ref = kendalltau(a[s0:s0 + m], b[s0:s0 + m]).statistic
        if math.isnan(ref):
            assert math.isnan(ours[g])
        else:
            assert ours[g] == pytest.approx(ref, abs=1e-12)


def test_rank_agreement_hand_worked():
    a = pd.DataFrame({"code": ["d1"] * 4 + ["d2"] * 2 + ["d3"],
                      "commodity": ["w", "x", "y", "z", "p", "q", "r"],
                      "rank": [1, 2, 3, 4, 1, 2, 1]})
    b = pd.DataFrame({"code": ["d1"] * 4 + ["d2"] * 2 + ["d4"],
                      "commodity": ["w", "x", "y", "z", "p", "q", "s"],
                      "rank": [2, 1, 3, 4, 1, 2, 1]})
    r = rank_agreement(a, b)
    per = r.per_area.set_index("code")
    # d1: 6 pairs; only (w, x) is reversed: tau = (5 - 1) / 6 = .6667; first w vs x
    # d2: the same order: tau = 1, first p in both; d3 and d4 are in one ranking only
    assert list(per.index) == ["d1", "d2"]
    assert per.loc["d1", "tau"] == pytest.approx(4 / 6)
    assert per.loc["d2", "tau"] == 1.0
    assert per["top1_agree"].tolist() == [False, True]
    assert (r.areas, r.top1_share) == (2, 0.5)
    assert r.mean_tau == pytest.approx((4 / 6 + 1) / 2)
    assert r.summary()["median_tau"] == pytest.approx((4 / 6 + 1) / 2)
    # scores instead of ranks: higher is better
    sa = a.assign(score=-a["rank"].astype(float))
    sb = b.assign(score=-b["rank"].astype(float))
    assert rank_agreement(sa, sb, value="score").per_area.equals(r.per_area)


def test_rank_within_follows_propose_rank_order():
    rng = np.random.default_rng(2)
    n = 400
    ev = pd.DataFrame({
        "code": rng.integers(0, 40, n).astype(str),
        "commodity": [f"c{i:03d}" for i in rng.permutation(n)],
        "activity_tier": np.where(rng.uniform(size=n) < 0.4, 2, 0),
        "suitability_index": np.where(rng.uniform(size=n) < 0.2, np.nan,
                                      rng.choice([0.2, 0.5, 0.8], n)),
        "share_s1": rng.choice([0.0, 0.5, 1.0], n),
        "cluster_score": rng.choice([0.0, 0.3], n),
        "workers": rng.choice([0.0, 10.0], n),
        "stat_share": rng.choice([0.0, 0.1], n),
    })
    ev["active"] = ev["activity_tier"] > 0
    sc = rng.choice([40.0, 50.0, 60.0], n)  # many ties, so the tie-breaks matter
    w = dict(scoring.DEFAULT_WEIGHTS)
    order = rank_order(ev, sc, w)
    codes = ev["code"].to_numpy()[order]
    first = np.r_[True, codes[1:] != codes[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    expected = np.empty(n, dtype=int)
    expected[order] = np.arange(n) - start + 1
    keys = first_keys(ev, w)
    assert keys == ("-activity_tier",)
    assert rank_within(ev, sc, first=keys).to_numpy().tolist() == expected.tolist()
    # no activity weight: activity is not ranked first
    only_land = {k: (1.0 if k == "suitability" else 0.0) for k in w}
    assert first_keys(ev, only_land) == ()


def test_sensitivity_is_deterministic_under_its_seed():
    ev = _frame()
    a = sensitivity(ev, COLS, W, draws=100, seed=42)
    b = sensitivity(ev, COLS, W, draws=100, seed=42)
    pd.testing.assert_frame_equal(a, b)
    c = sensitivity(ev, COLS, W, draws=100, seed=43)
    assert not a["stable_share"].equals(c["stable_share"])
    # chunking does not change the answer
    small = sensitivity(ev, COLS, W, draws=100, seed=42, max_cells=500)
    pd.testing.assert_frame_equal(a, small)
    assert len(a) == ev["code"].nunique()
    assert a["stable_share"].between(0, 1).all()
    assert (a.loc[a["alternatives"] == 1, "stable_share"] == 1.0).all()


def test_sensitivity_top_is_the_ranked_first_candidate():
    ev = _frame(seed=9)
    for method in ("weighted_sum", "topsis", "vikor"):
        r = sensitivity(ev, COLS, W, method, draws=20)
        sc = aggregate(ev, COLS, W, method)
        firsts = ev[rank_within(ev, sc) == 1].set_index("code")["commodity"]
        assert r.set_index("code")["top"].to_dict() == firsts.to_dict()
        assert r.set_index("code")["top_score"].to_numpy() == pytest.approx(
            sc[rank_within(ev, sc) == 1].to_numpy())


def test_sensitivity_shares():
    # area a: x wins exactly when w_s > w_m (x: .6 s + .4 m, y: .4 s + .6 m); with equal base
    # weights and symmetric +-20 % factors that is half of the draws.
    # area b: u dominates v on both criteria: always first.
    ev = pd.DataFrame({"code": ["a", "a", "b", "b"], "commodity": ["x", "y", "u", "v"],
                       "s": [0.6, 0.4, 0.9, 0.2], "m": [0.4, 0.6, 0.8, 0.1]})
    r = sensitivity(ev, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}, draws=4000, seed=3)
    ra, rb = r.iloc[0], r.iloc[1]
    assert ra["top"] == "x"  # tie at the base weights: commodity id orders it, and ...
    assert ra["tie"] and ra["tied_with"] == "y"  # ... it is reported as a tie (issue #30)
    assert 0.45 < ra["stable_share"] < 0.55
    assert ra["challenger"] == "y"
    assert ra["challenger_share"] == pytest.approx(1 - ra["stable_share"])
    assert (rb["top"], rb["stable_share"]) == ("u", 1.0)
    assert pd.isna(rb["challenger"]) and rb["challenger_share"] == 0.0
    assert rb["label_id"] == "stabil 100%" and rb["label_en"] == "stable 100%"
    assert not rb["tie"] and pd.isna(rb["tied_with"])
    # a tie is never labelled stable, whatever share of draws keeps it first
    assert ra["label_id"] == "seri dengan y" and ra["label_en"] == "tied with y"
    # no spread: nothing moves
    still = sensitivity(ev, {"s": "s", "m": "m"}, {"s": 0.6, "m": 0.4}, draws=10, spread=0)
    assert still["stable_share"].tolist() == [1.0, 1.0]


def test_sensitivity_keeps_active_pairs_first():
    # y has the higher score but x is produced in the area (active): x is first whatever
    # the weights, as propose ranks it
    ev = pd.DataFrame({"code": ["a", "a"], "commodity": ["x", "y"], "active": [True, False],
                       "suitability_index": [0.1, 0.9], "market_score": [0.3, np.nan]})
    cols = {"suitability": "suitability_index", "market": "market_score"}
    r = sensitivity(ev, cols, {"suitability": 0.5, "market": 0.5}, draws=50)
    assert (r.loc[0, "top"], r.loc[0, "stable_share"]) == ("x", 1.0)
    r2 = sensitivity(ev, cols, {"suitability": 0.5, "market": 0.5}, draws=50, first=())
    assert r2.loc[0, "top"] == "y"


def test_sampled_areas_and_method_agreement():
    ev = _frame(n_areas=80)
    s = sensitivity(ev, COLS, W, draws=30, sample_areas=25, seed=8)
    assert len(s) == 25
    assert s.equals(sensitivity(ev, COLS, W, draws=30, sample_areas=25, seed=8))
    same = method_agreement(ev, COLS, W, "vikor", "vikor")
    assert same.top1_share == 1.0 and same.mean_tau == 1.0
    other = method_agreement(ev, COLS, W, "weighted_sum", "topsis")
    assert -1 <= other.mean_tau <= 1 and 0 <= other.top1_share <= 1
    assert other.areas == ev["code"].nunique()


def test_on_the_bundled_dataset_first_candidates_are_propose_s(demo):
    # the real evidence frame: the first candidate that sensitivity starts from is the one
    # propose ranks first, and the weighted sum is the tool's score
    w = scoring.parse_weights(None)
    ev = demo.evidence("desa")
    assert aggregate(ev, scoring.COLUMNS, w).to_numpy() == pytest.approx(
        scoring.score(ev, w).to_numpy(), abs=2e-6)
    firsts = demo.candidates("desa", top=1, weights=w).set_index("code")["commodity"]
    r = sensitivity(ev, scoring.COLUMNS, w, draws=20).set_index("code")
    assert r.loc[firsts.index, "top"].to_dict() == firsts.to_dict()
    assert r["stable_share"].between(0, 1).all()


@pytest.mark.parametrize("chunk", [1, 7, 50, 399])
def test_rank_order_a_block_of_areas_at_a_time_is_the_same_order(monkeypatch, chunk):
    """Large frames are ordered a block of areas at a time (memory): the order, ties
    included, is the order of the whole frame at once."""
    import unggulan.core.ranking.candidates as cand

    rng = np.random.default_rng(7)
    n = 400
    ev = pd.DataFrame({
        "code": pd.Categorical(rng.integers(0, 40, n).astype(str)),
        "commodity": [f"c{i:02d}" for i in rng.integers(0, 12, n)],
        "activity_tier": rng.choice([0, 1, 2], n),
        "local": rng.choice([0.0, 1.0, np.nan], n),
        "suitability_index": rng.choice([0.2, 0.5, np.nan], n),
        "share_s1": rng.choice([0.0, 1.0], n),
        "cluster_score": rng.choice([0.0, 0.3], n),
        "workers": rng.choice([0.0, 10.0], n),
        "stat_share": rng.choice([0.0, 0.1, np.nan], n),
    })
    sc = rng.choice([40.0, 50.0], n)          # ties everywhere: the input order decides
    w = dict(scoring.DEFAULT_WEIGHTS)
    whole = rank_order(ev, sc, w)
    monkeypatch.setattr(cand, "RANK_CHUNK", chunk)
    blocks = rank_order(ev, sc, w)
    assert sorted(blocks.tolist()) == list(range(n))
    assert blocks.tolist() == whole.tolist()
