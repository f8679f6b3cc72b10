"""Static and dynamic LQ, the SLQ x DLQ quadrants and the concentration indexes, against
hand-worked tables (the working is in the comments), plus gaps, zeros and the Bone statistics."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from unggulan.base.errors import UnggulanError
from unggulan.core.activity.concentration import localisation_index, specialisation_index
from unggulan.core.activity.dlq import dynamic_lq, quadrants
from unggulan.core.activity.growth import average_growth
from unggulan.core.activity.lq import static_lq

COMMODITIES = ("padi", "jagung", "kedelai")

# Table T3: three kecamatan x three commodities, 2020 and 2024 (ton).
#              padi  jagung  kedelai | e_j
# 2020  A       60     30      10    | 100
#       B       20     60      20    | 100
#       C      120     10      70    | 200
#       E_i    200    100     100    | E = 400
# 2024  A       90     30       5    | 125
#       B       20     90      10    | 120
#       C      130     30      35    | 195
#       E_i    240    150      50    | E = 440
T3 = {
    2020: {"A": (60, 30, 10), "B": (20, 60, 20), "C": (120, 10, 70)},
    2024: {"A": (90, 30, 5), "B": (20, 90, 10), "C": (130, 30, 35)},
}

# Table D2: two areas x two commodities, 2020-2022, built for round growth rates.
#              padi        jagung      | e_j
# A         40 60 90     60 60 60      | 100 120 150   (+20 %, +25 %)
# B         60 60 45     40 60 75      | 100 120 120   (+20 %,   0 %)
# reference 100 120 135  100 120 135   | 200 240 270   (+20 %, +12.5 %)
D2 = {"A": {"padi": (40, 60, 90), "jagung": (60, 60, 60)},
      "B": {"padi": (60, 60, 45), "jagung": (40, 60, 75)}}


def table(t=T3) -> pd.DataFrame:
    return pd.DataFrame([{"code": c, "commodity": k, "year": y, "value": float(v)}
                         for y, areas in t.items() for c, vals in areas.items()
                         for k, v in zip(COMMODITIES, vals)])


def d2() -> pd.DataFrame:
    return pd.DataFrame([{"code": c, "commodity": k, "year": 2020 + i, "value": float(v)}
                         for c, comm in D2.items() for k, vals in comm.items()
                         for i, v in enumerate(vals)])


def row(frame: pd.DataFrame, code: str, commodity: str, **kw) -> pd.Series:
    sel = (frame["code"] == code) & (frame["commodity"] == commodity)
    for k, v in kw.items():
        sel &= frame[k] == v
    assert sel.sum() == 1
    return frame[sel].iloc[0]


# --- static LQ --------------------------------------------------------------------------------

def test_static_lq_by_year_hand_worked():
    out = static_lq(table(), by_year=True)
    assert len(out) == 3 * 3 * 2
    # 2020: A padi (60/100)/(200/400) = 0.6/0.5 = 1.2; B jagung (60/100)/(100/400) = 2.4;
    #       C jagung (10/200)/(100/400) = 0.05/0.25 = 0.2; A kedelai 0.1/0.25 = 0.4
    expected_2020 = {("A", "padi"): 1.2, ("A", "jagung"): 1.2, ("A", "kedelai"): 0.4,
                     ("B", "padi"): 0.4, ("B", "jagung"): 2.4, ("B", "kedelai"): 0.8,
                     ("C", "padi"): 1.2, ("C", "jagung"): 0.2, ("C", "kedelai"): 1.4}
    for (code, comm), lq in expected_2020.items():
        assert row(out, code, comm, year=2020)["slq"] == pytest.approx(lq, rel=1e-12)
    # 2024: A padi (90/125)/(240/440) = 90*440/(240*125) = 39600/30000 = 1.32
    #       B jagung (90/120)/(150/440) = 90*440/(150*120) = 39600/18000 = 2.2
    #       C kedelai (35/195)/(50/440) = 35*440/(50*195) = 15400/9750 = 1.579487...
    r = row(out, "A", "padi", year=2024)
    assert r[["e_ij", "e_j", "E_i", "E"]].tolist() == [90.0, 125.0, 240.0, 440.0]
    assert r["share_area"] == pytest.approx(0.72)                  # 90/125
    assert r["share_reference"] == pytest.approx(240 / 440)        # 0.5454...
    assert r["slq"] == pytest.approx(1.32)
    assert row(out, "B", "jagung", year=2024)["slq"] == pytest.approx(2.2)
    assert row(out, "C", "kedelai", year=2024)["slq"] == pytest.approx(15400 / 9750)
    assert out["reason"].isna().all()


def test_static_lq_period_sums_and_mean_of_years():
    out = static_lq(table())
    assert len(out) == 9 and "year" not in out.columns
    # A padi over 2020+2024: e_ij = 60+90 = 150, e_j = 100+125 = 225, E_i = 200+240 = 440,
    # E = 400+440 = 840 -> (150/225)/(440/840) = 150*840/(225*440) = 126000/99000 = 14/11
    r = row(out, "A", "padi")
    assert r[["e_ij", "e_j", "E_i", "E"]].tolist() == [150.0, 225.0, 440.0, 840.0]
    assert r["slq"] == pytest.approx(14 / 11)
    assert r["slq_mean"] == pytest.approx((1.2 + 1.32) / 2)        # mean of the yearly LQs
    assert r["n_years"] == 2 and pd.isna(r["years_left_out"])
    # B jagung: (60+90)/(100+120) / ((100+150)/840) = 150*840/(220*250) = 126000/55000
    assert row(out, "B", "jagung")["slq"] == pytest.approx(126000 / 55000)
    assert row(out, "B", "jagung")["slq_mean"] == pytest.approx((2.4 + 2.2) / 2)


def test_static_lq_explicit_reference():
    # The province in 2020: padi 1000, jagung 500, kedelai 300 and ubi 200 (not grown in the
    # areas), E = 2000. A padi (60/100)/(1000/2000) = 1.2; A kedelai (10/100)/(300/2000) = 0.1/0.15
    ref = pd.DataFrame({"commodity": ["padi", "jagung", "kedelai", "ubi"], "year": 2020,
                        "value": [1000.0, 500.0, 300.0, 200.0]})
    data = table()
    data = pd.concat([data[data["year"] == 2020],
                      pd.DataFrame([{"code": "A", "commodity": "sagu", "year": 2020,
                                     "value": 5.0}])])
    out = static_lq(data, reference=ref)
    r = row(out, "A", "padi")
    assert (r["E_i"], r["E"]) == (1000.0, 2000.0)
    # A's total now includes 5 t sagu: (60/105)/(0.5) = 1.142857...
    assert r["slq"] == pytest.approx((60 / 105) / 0.5)
    assert row(out, "B", "kedelai")["slq"] == pytest.approx((20 / 100) / 0.15)
    sagu = row(out, "A", "sagu")
    assert np.isnan(sagu["slq"]) and sagu["reason"] == "commodity not in the reference"
    assert any("sagu" in n for n in out.attrs["notes"])


def test_static_lq_missing_year_zeros_and_single_area_commodity():
    data = table()
    data = data[~((data["code"] == "B") & (data["year"] == 2024))]      # B did not report 2024
    data.loc[(data["code"] == "C") & (data["commodity"] == "jagung") & (data["year"] == 2020),
             "value"] = np.nan                                           # C jagung 2020 missing
    extra = pd.DataFrame([
        {"code": "A", "commodity": "kopi", "year": 2024, "value": 7.0},  # only A, only 2024
        {"code": "D", "commodity": "padi", "year": 2020, "value": 0.0},  # D: all zeros
        {"code": "D", "commodity": "padi", "year": 2024, "value": 0.0},
    ])
    out = static_lq(pd.concat([data, extra]), by_year=True)
    assert not np.isinf(out.select_dtypes("number").to_numpy(dtype=float)).any()
    assert row(out, "B", "padi", year=2024)["reason"] == "area did not report the year"
    assert row(out, "C", "padi", year=2020)["reason"] == "missing value in the area that year"
    assert row(out, "D", "padi", year=2024)["reason"] == "area total is zero"
    # 2024 reference = A + C (B absent, D zero): kopi E_i = 7, E = 125 + 7 + 195 = 327
    # A kopi = (7/132)/(7/327) = 327/132; C kopi = 0 (C reported 2024, no kopi row = nil)
    assert row(out, "A", "kopi", year=2024)["slq"] == pytest.approx(327 / 132)
    assert row(out, "C", "kopi", year=2024)["slq"] == 0.0
    # 2020: kopi is nowhere, E_i = 0 -> NaN with a reason, not inf
    assert row(out, "A", "kopi", year=2020)["reason"] == "commodity is zero in the reference"
    period = static_lq(pd.concat([data, extra]))
    b = row(period, "B", "jagung")
    assert b["n_years"] == 1 and b["years_left_out"] == "2024"
    # B on 2020 only, against the 2020 reference of the complete areas A, B, D (C has a gap):
    # jagung 30 + 60 = 90 of E = 200 -> (60/100)/(90/200) = 1.3333
    assert b["slq"] == pytest.approx((60 / 100) / (90 / 200))
    assert row(period, "D", "padi")["reason"] == "area total is zero"


def test_static_lq_refuses_bad_input():
    with pytest.raises(UnggulanError) as e:
        static_lq(table().drop(columns="value"))
    assert e.value.field == "value"
    bad = table()
    bad.loc[0, "value"] = -1
    with pytest.raises(UnggulanError, match="negative"):
        static_lq(bad)
    with pytest.raises(UnggulanError, match="more than one row"):
        static_lq(pd.concat([table(), table().iloc[:1]]))
    with pytest.raises(UnggulanError) as e:
        static_lq(table(), years=[2019])
    assert e.value.field == "years"


# --- growth rates and DLQ -----------------------------------------------------------------------

def test_average_growth_mean_and_cagr_by_hand():
    v = np.array([[40.0, 60.0, 90.0],          # +50 %, +50 %
                  [100.0, 120.0, 150.0],       # +20 %, +25 %  -> mean 22.5 %
                  [100.0, np.nan, 121.0],      # gap: (121/100)^(1/2) - 1 = 10 % a year
                  [10.0, 0.0, 5.0],            # a step from zero: undefined for "mean"
                  [0.0, 0.0, 0.0]])
    g = average_growth(v, [2020, 2021, 2022], "mean")
    assert g.g[:3] == pytest.approx([0.5, 0.225, 0.1])
    assert g.t.tolist()[:3] == [2.0, 2.0, 2.0]
    assert np.isnan(g.g[3]) and g.reason[3] == "zero in 2021: growth from zero is undefined"
    assert g.reason[4] == "zero in every year"
    c = average_growth(v, [2020, 2021, 2022], "cagr")
    # cagr: sqrt(90/40) - 1 = 0.5; sqrt(150/100) - 1 = 0.224745; sqrt(5/10) - 1 = -0.292893
    assert c.g[:4] == pytest.approx([0.5, 1.5 ** 0.5 - 1, 0.1, 0.5 ** 0.5 - 1])


def test_dynamic_lq_hand_worked_mean():
    out = dynamic_lq(d2())
    # A padi: g_ij = (50 % + 50 %)/2 = 0.5; g_j = (20 % + 25 %)/2 = 0.225;
    #         G_i = G = (20 % + 12.5 %)/2 = 0.1625; t = 2022 - 2020 = 2
    #         DLQ = [(1.5/1.225) / (1.1625/1.1625)]^2 = 1.2244898^2 = 1.4993753
    r = row(out, "A", "padi")
    assert [r["g_ij"], r["g_j"], r["G_i"], r["G"]] == pytest.approx([0.5, 0.225, 0.1625, 0.1625])
    assert r["t"] == 2 and (r["first_year"], r["last_year"]) == (2020, 2022)
    assert r["dlq"] == pytest.approx((1.5 / 1.225) ** 2)
    # A jagung: g_ij = 0 -> (1/1.225)^2 = 0.666389
    assert row(out, "A", "jagung")["dlq"] == pytest.approx((1 / 1.225) ** 2)
    # B padi: (0 % - 25 %)/2 = -0.125, g_j = (20 % + 0 %)/2 = 0.1 -> (0.875/1.1)^2 = 0.632748
    assert row(out, "B", "padi")["dlq"] == pytest.approx((0.875 / 1.1) ** 2)
    # B jagung: (50 % + 25 %)/2 = 0.375 -> (1.375/1.1)^2 = 1.25^2 = 1.5625
    assert row(out, "B", "jagung")["dlq"] == pytest.approx(1.5625)
    assert out["reason"].isna().all()


def test_dynamic_lq_cagr_is_the_ratio_of_the_end_and_start_lq():
    out = dynamic_lq(d2(), growth="cagr")
    # A padi: SLQ 2022 = (90/150)/(135/270) = 1.2, SLQ 2020 = (40/100)/(100/200) = 0.8 -> 1.5
    assert row(out, "A", "padi")["dlq"] == pytest.approx(1.5)
    # A jagung: (60/150)/(0.5) = 0.8 over (60/100)/(0.5) = 1.2 -> 2/3
    assert row(out, "A", "jagung")["dlq"] == pytest.approx(2 / 3)
    # B padi: (45/120)/0.5 = 0.75 over (60/100)/0.5 = 1.2 -> 0.625
    assert row(out, "B", "padi")["dlq"] == pytest.approx(0.625)
    lq = static_lq(d2(), by_year=True)
    for code in D2:
        for comm in ("padi", "jagung"):
            ratio = (row(lq, code, comm, year=2022)["slq"] / row(lq, code, comm, year=2020)["slq"])
            assert row(out, code, comm)["dlq"] == pytest.approx(ratio)


def test_dynamic_lq_gaps_and_zeros():
    data = table()
    data = data[~((data["code"] == "B") & (data["year"] == 2024))]
    data = pd.concat([data, pd.DataFrame([
        {"code": "C", "commodity": "kopi", "year": 2024, "value": 4.0},   # new in C
    ])])
    out = dynamic_lq(data)
    assert not np.isinf(out[["g_ij", "g_j", "G_i", "G", "dlq"]].to_numpy(dtype=float)).any()
    assert row(out, "B", "padi")["reason"] == "fewer than two complete years for the area"
    kopi = row(out, "C", "kopi")
    assert np.isnan(kopi["dlq"])
    assert kopi["reason"] == "commodity in the area: zero in 2020: growth from zero is undefined"
    assert row(out, "A", "kopi")["reason"] == "commodity in the area: zero in every year"
    # The reference is the balanced panel A + C (B has a gap): padi 180 -> 220, total 300 -> 324
    # (kopi counts in C's 2024 total: 195 + 4). A padi, one 4-year step, DLQ = ratio of ratios:
    # (90/60) / (125/100) / ((220/180) / (324/300)) = 1.2 * (180/220) * (324/300) = 1.060364
    assert row(out, "A", "padi")["dlq"] == pytest.approx(1.2 * (180 / 220) * (324 / 300))
    assert any("left out" in n and "B" in n for n in out.attrs["notes"])


def test_dynamic_lq_refuses_unknown_growth():
    with pytest.raises(UnggulanError) as e:
        dynamic_lq(d2(), growth="median")
    assert e.value.field == "growth"


# --- quadrants -----------------------------------------------------------------------------------

def test_quadrants_of_t3_by_hand():
    # With one 4-year step the DLQ is SLQ_2024 / SLQ_2020 for both growth methods.
    # B jagung: SLQ period 2.29 (> 1), DLQ 2.2/2.4 = 0.9167 (<= 1) -> andalan (mainstay)
    # C jagung: SLQ period (40/395)/(250/840) = 0.3403, DLQ 0.451282/0.2 = 2.256 -> prospektif
    # A padi: 14/11 and 1.32/1.2 = 1.1 -> unggulan; A kedelai: 0.3733 and 0.352/0.4 -> tertinggal
    q = quadrants(static_lq(table()), dynamic_lq(table()))
    assert len(q) == 9
    assert row(q, "B", "jagung")["dlq"] == pytest.approx(2.2 / 2.4)
    assert row(q, "C", "jagung")["slq"] == pytest.approx((40 / 395) / (250 / 840))
    got = {(c, k): (i, e) for c, k, i, e in q[["code", "commodity", "quadrant",
                                               "quadrant_en"]].values}
    assert got[("A", "padi")] == ("unggulan", "leading")
    assert got[("B", "jagung")] == ("andalan", "mainstay")
    assert got[("C", "jagung")] == ("prospektif", "prospective")
    assert got[("A", "kedelai")] == ("tertinggal", "lagging")
    swapped = quadrants(static_lq(table()), dynamic_lq(table()), convention="angelina")
    assert row(swapped, "B", "jagung")["quadrant"] == "prospektif"
    assert row(swapped, "C", "jagung")["quadrant"] == "andalan"


def test_quadrants_boundary_nan_and_errors():
    s = pd.DataFrame({"code": ["A"] * 4, "commodity": ["a", "b", "c", "d"],
                      "slq": [1.0, 1.5, np.nan, 2.0], "reason": [None, None, "area total is zero",
                                                                   None]})
    d = pd.DataFrame({"code": ["A"] * 3, "commodity": ["a", "b", "c"], "dlq": [1.0, 1.01, 2.0]})
    q = quadrants(s, d)
    assert row(q, "A", "a")["quadrant"] == "tertinggal"          # exactly 1 is not above 1
    assert row(q, "A", "b")["quadrant"] == "unggulan"
    assert pd.isna(row(q, "A", "c")["quadrant"])
    assert row(q, "A", "c")["reason"] == "SLQ: area total is zero"
    assert row(q, "A", "d")["reason"] == "no DLQ for the pair"
    with pytest.raises(UnggulanError, match="by_year=False"):
        quadrants(static_lq(table(), by_year=True), dynamic_lq(table()))
    with pytest.raises(UnggulanError):
        quadrants(s, d, convention="other")


# --- concentration -------------------------------------------------------------------------------

def test_specialisation_index_hand_worked():
    out = specialisation_index(table(), years=[2020])
    # Reference shares 200/400, 100/400, 100/400 = 0.5, 0.25, 0.25.
    # A: 0.6, 0.3, 0.1 -> |0.1| + |0.05| + |0.15| = 0.3  (hoover 0.15)
    # B: 0.2, 0.6, 0.2 -> 0.3 + 0.35 + 0.05 = 0.7          (0.35)
    # C: 0.6, 0.05, 0.35 -> 0.1 + 0.2 + 0.1 = 0.4          (0.2)
    assert out["code"].tolist() == ["A", "B", "C"]
    assert out["krugman"].tolist() == pytest.approx([0.3, 0.7, 0.4])
    assert out["hoover"].tolist() == pytest.approx([0.15, 0.35, 0.2])
    # Gini of A's LQs 1.2, 1.2, 0.4 (REAT gini.spec): sorted 0.4, 1.2, 1.2, mean 2.8/3;
    # sum k*(x_k - mean) = -0.5333 + 2*0.2667 + 3*0.2667 = 0.8 -> 2*0.8/(9*0.9333) = 0.190476
    assert out.loc[0, "gini"] == pytest.approx(1.6 / 8.4)
    # With the province as reference (ubi 200 of 2000 is grown nowhere in the data):
    # A: |0.6-0.5| + |0.3-0.25| + |0.1-0.15| + 0.1 (ubi) = 0.3
    ref = pd.DataFrame({"commodity": ["padi", "jagung", "kedelai", "ubi"], "year": 2020,
                        "value": [1000.0, 500.0, 300.0, 200.0]})
    assert specialisation_index(table(), ref, years=[2020]).loc[0, "krugman"] == \
        pytest.approx(0.3)


def test_localisation_index_hand_worked():
    out = localisation_index(table(), years=[2020]).set_index("commodity")
    # Area weights e_j/E = 0.25, 0.25, 0.5.
    # padi: 60/200, 20/200, 120/200 = 0.3, 0.1, 0.6 -> 0.05 + 0.15 + 0.1 = 0.3 -> hoover 0.15
    # jagung: 0.3, 0.6, 0.1 -> 0.05 + 0.35 + 0.4 = 0.8 -> 0.4
    # kedelai: 0.1, 0.2, 0.7 -> 0.15 + 0.05 + 0.2 = 0.4 -> 0.2
    assert out.loc[["padi", "jagung", "kedelai"], "hoover"].tolist() == \
        pytest.approx([0.15, 0.4, 0.2])
    assert out.loc["jagung", "krugman"] == pytest.approx(0.8)
    # padi's LQs by area 1.2, 0.4, 1.2: the same Gini as above, 0.190476
    assert out.loc["padi", "gini"] == pytest.approx(1.6 / 8.4)
    assert out.loc["padi", "n_producing"] == 3


def test_concentration_with_zero_area_and_empty_commodity():
    data = pd.concat([table(), pd.DataFrame([
        {"code": "D", "commodity": "padi", "year": y, "value": 0.0} for y in (2020, 2024)] + [
        {"code": "A", "commodity": "kopi", "year": y, "value": 0.0} for y in (2020, 2024)])])
    spec = specialisation_index(data).set_index("code")
    assert np.isnan(spec.loc["D", "krugman"]) and spec.loc["D", "reason"] == "area total is zero"
    loc = localisation_index(data).set_index("commodity")
    assert np.isnan(loc.loc["kopi", "hoover"])
    assert loc.loc["kopi", "reason"] == "commodity has no output in any area"
    assert np.isfinite(loc.loc["padi", "gini"])        # D (LQ undefined) is left out of the Gini


# --- real tables ---------------------------------------------------------------------------------

def test_bone_livestock_statistics(bone_dir):
    # The synthetic livestock table of Bone: one kecamatan has no rows for 2019.
    d = pd.read_csv(bone_dir / "statistik" / "populasi ternak kecamatan SINTETIS.csv",
                    dtype={"kode_kecamatan": str})
    d = d.rename(columns={"kode_kecamatan": "code", "jenis_ternak": "commodity",
                          "tahun": "year", "populasi_ekor": "value"})
    gap = set(d["code"]) - set(d.loc[d["year"] == 2019, "code"])
    assert len(gap) == 1
    (code,) = gap
    yearly = static_lq(d, by_year=True)
    miss = yearly[(yearly["code"] == code) & (yearly["year"] == 2019)]
    assert miss["slq"].isna().all()
    assert (miss["reason"] == "area did not report the year").all()
    period = static_lq(d)
    assert (period.loc[period["code"] == code, "years_left_out"] == "2019").all()
    # shares of each area over the commodities sum to 1, and the reference's too
    sums = period.groupby("code")["share_area"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    dl = dynamic_lq(d)
    q = quadrants(period, dl)
    assert set(q["quadrant"].dropna()) <= {"unggulan", "andalan", "prospektif", "tertinggal"}
    assert q["quadrant"].notna().mean() > 0.9
    assert q.loc[q["quadrant"].isna(), "reason"].notna().all()
    for f in (period, yearly, dl, specialisation_index(d), localisation_index(d)):
        assert not np.isinf(f.select_dtypes("number").to_numpy(dtype=float)).any()


@pytest.mark.parametrize("name", ["unggulan.core.activity.growth", "unggulan.core.activity.lq",
"unggulan.core.activity.dlq",
                                  "unggulan.core.activity.shift_share",
                                  "unggulan.core.activity.klassen",
                                  "unggulan.core.activity.concentration"])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
