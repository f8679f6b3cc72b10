"""Weighted sum, TOPSIS and VIKOR: hand-worked examples, edge cases, vectorisation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from unggulan.base.errors import InvalidWeights, UnggulanError
from unggulan.core.ranking import scoring
from unggulan.core.ranking.mcda import aggregate, topsis, vikor, weighted_sum

COLS = {"x": "x", "y": "y"}


def _example() -> pd.DataFrame:
    """Area d1: three commodities, two criteria; area d2: a lone commodity."""
    return pd.DataFrame({
        "code": ["d1", "d1", "d1", "d2"],
        "commodity": ["A", "B", "C", "Z"],
        "x": [0.6, 0.8, 0.0, 0.3],
        "y": [0.8, 0.6, 0.0, 0.9],
    })


def test_topsis_hand_worked():
    ev = _example()
    r = topsis(ev, COLS, {"x": 0.75, "y": 0.25})
    # Area d1. Vector normalisation: |x| = sqrt(.36 + .64 + 0) = 1 and |y| = sqrt(.64 + .36)
    # = 1, so r = x. Weighted (w = .75, .25): A (.45, .20), B (.60, .15), C (0, 0).
    # Ideal (.60, .20), anti-ideal (0, 0).
    # A: D+ = sqrt(.15^2 + 0) = .15; D- = sqrt(.45^2 + .20^2) = sqrt(.2425) = .492443;
    #    C = .492443 / (.15 + .492443) = .766516
    # B: D+ = sqrt(0 + .05^2) = .05; D- = sqrt(.60^2 + .15^2) = sqrt(.3825) = .618466;
    #    C = .618466 / (.05 + .618466) = .925202
    # C: D+ = sqrt(.60^2 + .20^2) = .632456; D- = 0; C = 0
    assert r["d_best"].tolist()[:3] == pytest.approx([0.15, 0.05, 0.632456], abs=1e-6)
    assert r["d_worst"].tolist()[:3] == pytest.approx([0.492443, 0.618466, 0.0], abs=1e-6)
    assert r["closeness"].tolist()[:3] == pytest.approx([0.766516, 0.925202, 0.0], abs=1e-6)
    assert r["score"].tolist()[:3] == pytest.approx([76.6516, 92.5202, 0.0], abs=1e-4)
    # Area d2 has one commodity: it is its own ideal, closeness 1
    assert r.loc[3, "closeness"] == 1.0 and r.loc[3, "score"] == 100.0
    assert aggregate(ev, COLS, {"x": 0.75, "y": 0.25}, "topsis").tolist() == r["score"].tolist()


def test_vikor_hand_worked():
    ev = pd.DataFrame({"code": ["d1"] * 3, "commodity": ["A", "B", "C"],
                       "x": [0.6, 0.8, 0.2], "y": [0.8, 0.6, 0.4]})
    r = vikor(ev, COLS, {"x": 0.75, "y": 0.25})
    # best f* = (.8, .8), worst f- = (.2, .4); ranges .6 and .4
    # A: d = ((.8-.6)/.6, 0) = (1/3, 0);  w*d = (.25, 0)   -> S = .25,  R = .25
    # B: d = (0, (.8-.6)/.4) = (0, .5);   w*d = (0, .125)  -> S = .125, R = .125
    # C: d = (1, 1);                      w*d = (.75, .25) -> S = 1,    R = .75
    # S* = .125, S- = 1; R* = .125, R- = .75; v = .5
    # Q_A = .5 (.25-.125)/.875 + .5 (.25-.125)/.625 = .071429 + .1 = .171429
    # Q_B = 0; Q_C = .5 + .5 = 1
    assert r["S"].tolist() == pytest.approx([0.25, 0.125, 1.0])
    assert r["R"].tolist() == pytest.approx([0.25, 0.125, 0.75])
    assert r["Q"].tolist() == pytest.approx([0.171429, 0.0, 1.0], abs=1e-6)
    assert r["score"].tolist() == pytest.approx([82.857143, 100.0, 0.0], abs=1e-6)
    # v = 1: only the group utility counts: Q_A = (.25-.125)/.875 = .142857
    assert vikor(ev, COLS, {"x": 0.75, "y": 0.25}, v=1.0)["Q"][0] == pytest.approx(0.142857,
                                                                                 abs=1e-6)


def test_not_applicable_criterion_is_dropped_for_that_row():
    # P has no y (a craft's land suitability). Normalization "none", w = (.5, .5).
    # x: best 1, worst 0 (over P, Q, R); y: best 1, worst 0 (over Q, R).
    ev = pd.DataFrame({"code": ["d"] * 3, "commodity": ["P", "Q", "R"],
                       "x": [0.8, 1.0, 0.0], "y": [np.nan, 0.0, 1.0]})
    w = {"x": 0.5, "y": 0.5}
    # TOPSIS, P judged on x alone (weight .5 renormalised to 1):
    #   D+ = sqrt(.5^2 (.8-1)^2) / .5 = .2, D- = sqrt(.5^2 (.8-0)^2) / .5 = .8, C = .8
    # Q: D+ = sqrt(.25 * 0 + .25 * 1) = .5, D- = sqrt(.25 * 1 + 0) = .5, C = .5; R the same
    t = topsis(ev, COLS, w, normalization="none")
    assert t["closeness"].tolist() == pytest.approx([0.8, 0.5, 0.5])
    # VIKOR: P: d_x = .2 -> S = R = (.5 * .2) / .5 = .2; Q and R: S = .5, R = .5
    # S* = R* = .2, S- = R- = .5 -> Q_P = 0, Q_Q = Q_R = 1
    v = vikor(ev, COLS, w)
    assert v["S"].tolist() == pytest.approx([0.2, 0.5, 0.5])
    assert v["Q"].tolist() == pytest.approx([0.0, 1.0, 1.0])
    # weighted sum: P = 100 * .8 = 80 (y left out), Q = 50, R = 50
    assert weighted_sum(ev, COLS, w).tolist() == pytest.approx([80.0, 50.0, 50.0])


def test_zero_range_and_nothing_applicable():
    # y is .5 for everyone: it separates nobody. Row C has no criterion at all.
    ev = pd.DataFrame({"code": ["d"] * 3, "commodity": ["A", "B", "C"],
                       "x": [0.9, 0.1, np.nan], "y": [0.5, 0.5, np.nan]})
    w = {"x": 0.5, "y": 0.5}
    v = vikor(ev, COLS, w)
    # A: d = (0, 0) -> S = R = 0; B: d = (1, 0) -> S = R = .5 / 1 = .5
    assert v["S"].tolist()[:2] == pytest.approx([0.0, 0.5])
    assert v["score"].tolist() == [100.0, 0.0, 0.0]
    assert np.isnan(v.loc[2, "Q"])
    t = topsis(ev, COLS, w)
    assert t["score"].tolist() == [100.0, 0.0, 0.0]
    assert weighted_sum(ev, COLS, w).tolist() == pytest.approx([70.0, 30.0, 0.0])
    # every alternative identical: all on the ideal
    same = pd.DataFrame({"code": ["d", "d"], "x": [0.4, 0.4], "y": [0.2, 0.2]})
    assert aggregate(same, COLS, w, "topsis").tolist() == [100.0, 100.0]
    assert aggregate(same, COLS, w, "vikor").tolist() == [100.0, 100.0]


def test_weighted_sum_equals_scoring_score():
    rng = np.random.default_rng(7)
    n = 500
    ev = pd.DataFrame({"code": rng.integers(0, 40, n).astype(str)})
    for col in scoring.COLUMNS.values():
        v = rng.uniform(-0.1, 1.1, n)  # out-of-range values are clipped by both
        v[rng.uniform(size=n) < 0.2] = np.nan
        ev[col] = v
    w = scoring.parse_weights("suitability=0.6,market=0")
    ours = aggregate(ev, scoring.COLUMNS, w, "weighted_sum")
    assert np.allclose(ours.to_numpy(), scoring.score(ev, w).to_numpy(), atol=2e-6)


def test_areas_are_independent_and_row_order_does_not_matter():
    rng = np.random.default_rng(3)
    n = 300
    ev = pd.DataFrame({"code": rng.integers(0, 30, n).astype(str),
                       "x": rng.uniform(0, 1, n), "y": rng.uniform(0, 1, n)})
    ev.loc[rng.uniform(size=n) < 0.1, "y"] = np.nan
    w = {"x": 0.3, "y": 0.7}
    for method in ("topsis", "vikor"):
        full = aggregate(ev, COLS, w, method)
        shuffled = ev.sample(frac=1, random_state=1)
        assert aggregate(shuffled, COLS, w, method).sort_index().equals(full)
        one = ev[ev["code"] == ev["code"].iloc[0]]
        assert aggregate(one, COLS, w, method).equals(full.loc[one.index])


def test_methods_match_pymcdm_on_random_data():
    pymcdm = pytest.importorskip("pymcdm")
    from pymcdm.methods import TOPSIS, VIKOR
    from pymcdm.normalizations import vector_normalization

    rng = np.random.default_rng(11)
    rows = []
    for g in range(25):
        m = int(rng.integers(2, 9))
        x = rng.uniform(0.01, 1, (m, 4))
        rows += [{"code": f"g{g}", **{f"c{k}": x[i, k] for k in range(4)}} for i in range(m)]
    ev = pd.DataFrame(rows)
    cols = {f"c{k}": f"c{k}" for k in range(4)}
    w = {"c0": 0.4, "c1": 0.3, "c2": 0.2, "c3": 0.1}
    wv = np.array(list(w.values()))
    t = topsis(ev, cols, w)
    vk = vikor(ev, cols, w)
    assert pymcdm.__name__ == "pymcdm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymcdm warns about dominated alternatives
        for _, sub in ev.groupby("code"):
            x = sub[list(cols)].to_numpy()
            ref_t = TOPSIS(vector_normalization)(x, wv, np.ones(4))
            ref_v = VIKOR()(x, wv, np.ones(4))
            assert t.loc[sub.index, "closeness"].to_numpy() == pytest.approx(ref_t, abs=1e-12)
            assert vk.loc[sub.index, "Q"].to_numpy() == pytest.approx(ref_v, abs=1e-12)


def test_errors():
    ev = _example()
    with pytest.raises(InvalidWeights, match="no evidence column"):
        aggregate(ev, COLS, {"z": 1})
    with pytest.raises(InvalidWeights, match="sum to 0"):
        aggregate(ev, COLS, {"x": 0, "y": 0})
    with pytest.raises(InvalidWeights, match=">= 0"):
        aggregate(ev, COLS, {"x": -1, "y": 1})
    with pytest.raises(UnggulanError, match="method must be one of"):
        aggregate(ev, COLS, {"x": 1}, "electre")
    with pytest.raises(UnggulanError, match="no column q"):
        aggregate(ev, {"x": "q"}, {"x": 1})
    with pytest.raises(UnggulanError, match="v must lie"):
        vikor(ev, COLS, {"x": 1}, v=2)
    empty = ev.iloc[:0]
    for method in ("weighted_sum", "topsis", "vikor"):
        assert aggregate(empty, COLS, {"x": 1}, method).empty
