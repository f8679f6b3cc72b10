"""AHP weights, consistency and the errors a planning team sees."""

from __future__ import annotations

import numpy as np
import pytest

from unggulan.base.errors import InvalidWeights
from unggulan.core.ranking.ahp import (
    RANDOM_INDEX,
    ahp_weights,
    parse_judgement,
    parse_matrix,
    random_index,
)

# Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process. European Journal
# of Operational Research 48, 9-26: the house example, criteria compared with respect to the
# overall satisfaction with the house. The paper reports lambda_max = 9.669, C.I. = 0.238,
# C.R. = 0.169 and the priorities .173 .054 .188 .018 .031 .036 .167 .333.
HOUSE_CRITERIA = ["size", "transportation", "neighbourhood", "age", "yard", "facilities",
                  "condition", "financing"]
HOUSE = [
    [1, 5, 3, 7, 6, 6, "1/3", "1/4"],
    ["1/5", 1, "1/3", 5, 3, 3, "1/5", "1/7"],
    ["1/3", 3, 1, 6, 3, 4, 6, "1/5"],
    ["1/7", "1/5", "1/6", 1, "1/3", "1/4", "1/7", "1/8"],
    ["1/6", "1/3", "1/3", 3, 1, "1/2", "1/5", "1/6"],
    ["1/6", "1/3", "1/4", 4, 2, 1, "1/5", "1/6"],
    [3, 5, "1/6", 7, 5, 5, 1, "1/2"],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
HOUSE_PRIORITIES = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]

# Saaty, T. L. (2008). Decision making with the analytic hierarchy process. Int. J. Services
# Sciences 1(1), 83-98: relative consumption of drinks in the United States, judgements as
# typed in the MIT-licensed ahpy test-suite (row vs column); published priorities
# coffee .177, wine .019, tea .042, beer .116, soda .190, milk .129, water .327.
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, "1/2"],
    ["1/9", 1, "1/3", "1/9", "1/9", "1/9", "1/9"],
    ["1/5", 3, 1, "1/3", "1/4", "1/3", "1/9"],
    ["1/2", 9, 3, 1, "1/2", 1, "1/3"],
    [1, 9, 4, 2, 1, 2, "1/2"],
    [1, 9, 3, 1, "1/2", 1, "1/3"],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PRIORITIES = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


def test_consistent_matrix_gives_cr_zero_and_the_generating_weights():
    # a_ij = w_i / w_j for w = (4/7, 2/7, 1/7): every judgement agrees with every other
    # (a_13 = a_12 * a_23 = 2 * 2 = 4), so lambda_max = n = 3, CI = 0 and CR = 0.
    r = ahp_weights(["suitability", "specialisation", "market"],
                    [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]])
    assert r.weights == pytest.approx({"suitability": 4 / 7, "specialisation": 2 / 7,
                                       "market": 1 / 7}, abs=1e-12)
    assert r.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert r.cr == pytest.approx(0.0, abs=1e-9)
    assert r.consistent
    assert r.worst_pair is None
    assert r.check() is r


def test_weights_from_a_non_integer_consistent_matrix():
    # w = (0.5, 0.3, 0.2): a_12 = 5/3, a_13 = 5/2, a_23 = 3/2, typed as decimals and fractions
    r = ahp_weights(["a", "b", "c"], [[1, "5/3", 2.5], [0.6, 1, 1.5], [0.4, "2/3", 1]])
    assert [r.weights[c] for c in "abc"] == pytest.approx([0.5, 0.3, 0.2], abs=1e-12)
    assert r.cr == pytest.approx(0.0, abs=1e-9)


def test_published_inconsistent_matrix_is_refused_with_its_cr():
    r = ahp_weights(HOUSE_CRITERIA, HOUSE)
    assert r.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert r.ci == pytest.approx(0.238, abs=5e-4)
    assert r.ri == 1.41
    assert r.cr == pytest.approx(0.169, abs=5e-4)
    assert [round(r.weights[c], 3) for c in HOUSE_CRITERIA] == HOUSE_PRIORITIES
    assert not r.consistent
    # Saaty's e_ij = a_ij w_j / w_i: neighbourhood vs condition was judged 6 where the other
    # judgements imply w_3 / w_7 = 0.188 / 0.167 = 1.13, the largest deviation (e = 5.3)
    assert r.worst_pair == ("neighbourhood", "condition")
    assert r.worst_value == 6
    assert r.worst_consistent == pytest.approx(0.188 / 0.167, abs=0.01)
    with pytest.raises(InvalidWeights) as err:
        r.check()
    assert str(err.value) == ("CR 0.17 >= 0.10; the most inconsistent judgement is "
                              "neighbourhood vs condition (6, consistent value would be 1.1)")
    assert err.value.field == "ahp.matrix"
    # a looser threshold agreed by the team accepts it
    assert r.check(max_cr=0.2) is r


def test_published_consistent_matrix_gives_the_published_priorities():
    r = ahp_weights(DRINKS, DRINKS_MATRIX)
    assert [round(r.weights[c], 3) for c in DRINKS] == DRINKS_PRIORITIES
    # ahpy reports CR 0.022 with Saaty's 2005 random index (RI(7) = 1.35)
    assert ahp_weights(DRINKS, DRINKS_MATRIX, "saaty2005").cr == pytest.approx(0.022, abs=5e-4)
    assert r.cr < 0.1
    # the same CI divided by the 1980 random index RI(7) = 1.32
    assert r.cr == pytest.approx(r.ci / 1.32)


def test_weights_do_not_depend_on_the_order_of_the_criteria():
    r = ahp_weights(HOUSE_CRITERIA, HOUSE)
    perm = [7, 2, 0, 6, 1, 5, 4, 3]
    a = np.array([[float(parse_judgement(x)) for x in row] for row in HOUSE])
    b = a[np.ix_(perm, perm)]
    r2 = ahp_weights([HOUSE_CRITERIA[i] for i in perm], b.tolist())
    assert r2.weights == pytest.approx(r.weights, abs=1e-12)
    assert r2.cr == pytest.approx(r.cr, abs=1e-12)


def test_parse_judgements():
    assert parse_judgement("1/3") == pytest.approx(1 / 3)
    assert parse_judgement(" 1 / 7 ") == pytest.approx(1 / 7)
    assert parse_judgement("0,5") == 0.5
    assert parse_judgement(9) == 9.0
    for bad in ("tiga", "1/0", "", None, True, -2, 0, float("nan")):
        with pytest.raises(InvalidWeights):
            parse_judgement(bad)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [3, 1]], "row 2 (b), column 1 (a): 3 is not the reciprocal of 3 "
                           "(row 1 (a), column 2 (b)); expected 1/3"),
        ([[2, 3], ["1/3", 1]], "row 1 (a), column 1 (a): the diagonal must be 1, not 2"),
        ([[1, 12], ["1/12", 1]], "row 1 (a), column 2 (b): 12 is outside Saaty's scale 1/9..9"),
        ([[1, "x"], [1, 1]], "row 1 (a), column 2 (b): 'x' is not a number or a fraction"),
        ([[1, 3]], "2 criteria but 1 matrix rows"),
        ([[1, 3], ["1/3"]], "row 2 (b) has 1 values, needs 2"),
    ],
)
def test_matrix_errors_name_the_cell(matrix, message):
    with pytest.raises(InvalidWeights) as err:
        ahp_weights(["a", "b"], matrix)
    assert message in str(err.value)


def test_rounded_reciprocals_are_accepted_and_made_exact():
    a = parse_matrix(["a", "b", "c"], [[1, 3, 7], [0.33, 1, 2], [0.14, 0.5, 1]])
    assert a[1, 0] == pytest.approx(1 / 3)
    assert a[2, 0] == pytest.approx(1 / 7)
    assert np.allclose(a * a.T, 1.0)


def test_duplicate_criteria_and_size_limits():
    with pytest.raises(InvalidWeights, match="criteria named twice: a"):
        ahp_weights(["a", "a"], [[1, 1], [1, 1]])
    ones = [[1] * 16 for _ in range(16)]
    with pytest.raises(InvalidWeights, match="tabulated up to 15"):
        ahp_weights([f"c{i}" for i in range(16)], ones)
    # 12 criteria: beyond the 1980 table, Saaty 2005 is used and said so
    ri, source = random_index(12)
    assert ri == RANDOM_INDEX["saaty2005"][12] == 1.54
    assert "n = 12" in source
    r = ahp_weights(["only"], [[1]])
    assert r.weights == {"only": 1.0} and r.cr == 0.0
    two = ahp_weights(["a", "b"], [[1, 9], ["1/9", 1]])
    assert two.cr == 0.0 and two.weights["a"] == pytest.approx(0.9)
