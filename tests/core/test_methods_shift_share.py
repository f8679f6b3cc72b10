"""Shift-share (Dunn and Esteban-Marquillas) against a hand-worked table, with zeros and gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.core.test_methods_lq import row, table
from unggulan.base.errors import UnggulanError
from unggulan.core.activity.shift_share import shift_share

# Table T3 (see test_methods_lq): start 2020, end 2024.
# Reference growth: padi 200 -> 240 (R_i = 0.2), jagung 100 -> 150 (0.5),
# kedelai 100 -> 50 (-0.5), total 400 -> 440 (R = 0.1).
#
#             e_start e_end | N = e0*R | M = e0*(R_i - R) | D = e_end - e0*(1 + R_i) | total
# A padi        60     90   |   6      |  60*0.1  =   6   |  90 - 72  =  18          |  30
# A jagung      30     30   |   3      |  30*0.4  =  12   |  30 - 45  = -15          |   0
# A kedelai     10      5   |   1      |  10*-0.6 =  -6   |   5 -  5  =   0          |  -5
# B padi        20     20   |   2      |  20*0.1  =   2   |  20 - 24  =  -4          |   0
# B jagung      60     90   |   6      |  60*0.4  =  24   |  90 - 90  =   0          |  30
# B kedelai     20     10   |   2      |  20*-0.6 = -12   |  10 - 10  =   0          | -10
# C padi       120    130   |  12      | 120*0.1  =  12   | 130 - 144 = -14          |  10
# C jagung      10     30   |   1      |  10*0.4  =   4   |  30 - 15  =  15          |  20
# C kedelai     70     35   |   7      |  70*-0.6 = -42   |  35 - 35  =   0          | -35
CLASSIC = {
    ("A", "padi"): (6, 6, 18), ("A", "jagung"): (3, 12, -15), ("A", "kedelai"): (1, -6, 0),
    ("B", "padi"): (2, 2, -4), ("B", "jagung"): (6, 24, 0), ("B", "kedelai"): (2, -12, 0),
    ("C", "padi"): (12, 12, -14), ("C", "jagung"): (1, 4, 15), ("C", "kedelai"): (7, -42, 0),
}


def test_classic_components_by_hand():
    out = shift_share(table(), start=2020, end=2024)
    assert len(out) == 9
    for (code, comm), (n, m, d) in CLASSIC.items():
        r = row(out, code, comm)
        assert [r["national_share"], r["proportional"], r["differential"]] == \
            pytest.approx([n, m, d], abs=1e-9), (code, comm)
        assert r["total"] == pytest.approx(r["e_end"] - r["e_start"], abs=1e-9)
    r = row(out, "C", "jagung")
    assert [r["r_ij"], r["R_i"], r["R"]] == pytest.approx([2.0, 0.5, 0.1])
    assert [r["E_i_start"], r["E_i_end"], r["E_start"], r["E_end"]] == [100, 150, 400, 440]
    # summed over the area the components are REAT's shift() for region A:
    # national 6+3+1 = 10, industrial mix 6+12-6 = 12, regional shift 18-15+0 = 3, growth 25
    a = out[out["code"] == "A"][["national_share", "proportional", "differential",
                                 "total"]].sum()
    assert a.tolist() == pytest.approx([10, 12, 3, 25])
    assert out["reason"].isna().all()


def test_esteban_marquillas_by_hand():
    out = shift_share(table(), method="esteban")
    # Homothetic h = e_j,start * E_i,start / E_start: A and B (e_j = 100): padi 50, jagung 25,
    # kedelai 25; C (e_j = 200): 100, 50, 50.
    # A padi: r_ij = 0.5, R_i = 0.2: h*(r-R_i) = 50*0.3 = 15; (60-50)*0.3 = 3; 15 + 3 = 18 = D
    # A jagung: r = 0, R_i = 0.5: 25*(-0.5) = -12.5; (30-25)*(-0.5) = -2.5; sum -15 = D
    # B padi: r = 0, R_i = 0.2: 50*(-0.2) = -10; (20-50)*(-0.2) = 6; sum -4
    # C jagung: r = 2, R_i = 0.5: 50*1.5 = 75; (10-50)*1.5 = -60; sum 15
    # C padi: r = 1/12, R_i = 0.2: 100*(-7/60) = -11.667; 20*(-7/60) = -2.333; sum -14
    expected = {("A", "padi"): (50, 15, 3), ("A", "jagung"): (25, -12.5, -2.5),
                ("B", "padi"): (50, -10, 6), ("C", "jagung"): (50, 75, -60),
                ("C", "padi"): (100, -700 / 60, -140 / 60), ("C", "kedelai"): (50, 0, 0)}
    for (code, comm), (h, dh, al) in expected.items():
        r = row(out, code, comm)
        assert [r["homothetic"], r["differential_homothetic"], r["allocation"]] == \
            pytest.approx([h, dh, al], abs=1e-9), (code, comm)
        assert r["differential_homothetic"] + r["allocation"] == pytest.approx(
            r["differential"], abs=1e-9)
    assert row(out, "C", "padi")["e_j_start"] == 200
    # N + M + D_h + A is the actual change in every row
    comp = out[["national_share", "proportional", "differential_homothetic", "allocation"]]
    assert comp.sum(axis=1).to_numpy() == pytest.approx(
        (out["e_end"] - out["e_start"]).to_numpy(), abs=1e-9)


def test_new_commodity_all_zero_area_and_gap():
    data = pd.concat([table(), pd.DataFrame(
        [{"code": "C", "commodity": "kopi", "year": 2024, "value": 12.0}]       # new in C
        + [{"code": "D", "commodity": "padi", "year": y, "value": 0.0} for y in (2020, 2024)]
        + [{"code": "E", "commodity": "padi", "year": 2020, "value": 5.0}])])   # E: no 2024
    out = shift_share(data, method="esteban")
    num = out.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(num).any()
    kopi = row(out, "C", "kopi")
    # absent at the start: no growth rate, all of the change is differential
    assert [kopi["national_share"], kopi["proportional"], kopi["differential"],
            kopi["total"]] == [0.0, 0.0, 12.0, 12.0]
    assert np.isnan(kopi["allocation"]) and "growth from zero" in kopi["reason"]
    d = row(out, "D", "padi")
    assert [d["national_share"], d["proportional"], d["differential"], d["total"]] == [0, 0, 0, 0]
    e = row(out, "E", "padi")
    assert np.isnan(e["total"]) and e["reason"] == "area not complete in 2024"
    # the balanced reference leaves E out: padi 200 -> 240 as before, so A padi is unchanged
    assert row(out, "A", "padi")["differential"] == pytest.approx(18)


def test_commodity_zero_in_the_reference_at_start():
    # An explicit reference in which kedelai was 0 in 2020: R_i undefined, M and D NaN
    ref = pd.DataFrame({"commodity": ["padi", "jagung", "kedelai"] * 2,
                        "year": [2020] * 3 + [2024] * 3,
                        "value": [400.0, 200.0, 0.0, 480.0, 300.0, 100.0]})
    out = shift_share(table(), reference=ref)
    k = row(out, "A", "kedelai")
    assert np.isnan(k["proportional"]) and np.isnan(k["total"])
    assert k["reason"] == "commodity is zero in the reference in 2020: its growth is undefined"
    # padi: R = 880/600 - 1 = 0.4667, R_i = 0.2: N = 60*0.4667 = 28, M = 60*(0.2-0.4667) = -16
    p = row(out, "A", "padi")
    assert [p["national_share"], p["proportional"], p["differential"]] == \
        pytest.approx([28, -16, 18])


def test_arguments_checked():
    with pytest.raises(UnggulanError) as e:
        shift_share(table(), start=2024, end=2020)
    assert e.value.field == "start"
    with pytest.raises(UnggulanError) as e:
        shift_share(table(), method="dunn")
    assert e.value.field == "method"
    with pytest.raises(UnggulanError) as e:
        shift_share(table(), start=2019)
    assert e.value.field == "years"
