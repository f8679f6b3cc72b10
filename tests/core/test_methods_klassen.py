"""Klassen typology against a hand-worked table, with ties, gaps and zeros."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.core.test_methods_lq import d2, row, table
from unggulan.core.activity.klassen import klassen


def test_klassen_types_by_hand():
    out = klassen(table())
    assert len(out) == 9
    # T3, one 4-year step 2020 -> 2024, so g = (e_end/e_start)^(1/4) - 1 for both methods.
    # Shares are of the summed period: reference padi 440/840 = 0.5238, jagung 250/840 = 0.2976.
    #
    # A padi:   g = 1.5^0.25 - 1 = 0.1067 > G = 1.2^0.25 - 1 = 0.0466;
    #           share 150/225 = 0.667 > 0.524                       -> I   (maju, tumbuh cepat)
    # C padi:   g = (130/120)^0.25 - 1 = 0.0202 < 0.0466;
    #           share 250/395 = 0.633 > 0.524                       -> II  (maju tapi tertekan)
    # C jagung: g = 3^0.25 - 1 = 0.3161 > G = 1.5^0.25 - 1 = 0.1067;
    #           share 40/395 = 0.101 < 0.298                        -> III (potensial)
    # A jagung: g = 0 < 0.1067; share 60/225 = 0.267 < 0.298       -> IV  (relatif tertinggal)
    a = row(out, "A", "padi")
    assert a["g_ij"] == pytest.approx(1.5 ** 0.25 - 1)
    assert a["G_i"] == pytest.approx(1.2 ** 0.25 - 1)
    assert a["share_area"] == pytest.approx(150 / 225)
    assert a["share_reference"] == pytest.approx(440 / 840)
    assert a["t"] == 4
    got = {(c, k): t for c, k, t in out[["code", "commodity", "klassen"]].values}
    assert got[("A", "padi")] == "I"
    assert got[("C", "padi")] == "II"
    assert got[("C", "jagung")] == "III"
    assert got[("A", "jagung")] == "IV"
    assert row(out, "C", "padi")["klassen_id"] == "maju tapi tertekan"
    assert row(out, "C", "jagung")["klassen_en"] == "potential, fast-developing"
    # B jagung grew exactly like the reference's jagung (60 -> 90 and 100 -> 150, both x1.5):
    # a tie is "not faster"; share 150/220 = 0.68 > 0.30 -> II
    b = row(out, "B", "jagung")
    assert b["g_ij"] == b["G_i"] and b["klassen"] == "II"


def test_klassen_mean_growth_over_three_years():
    out = klassen(d2())
    # D2: A padi g = 50 % > G_i = 16.25 %; share 190/370 = 0.514 > 355/710 = 0.5      -> I
    #     B padi g = -12.5 % < 16.25 %; share 165/340 = 0.485 < 0.5                  -> IV
    #     B jagung g = 37.5 % > 16.25 %; share 175/340 = 0.515 > 0.5                 -> I
    assert row(out, "A", "padi")["g_ij"] == pytest.approx(0.5)
    assert row(out, "B", "padi")["g_ij"] == pytest.approx(-0.125)
    assert row(out, "A", "padi")["share_area"] == pytest.approx(190 / 370)
    assert [row(out, c, k)["klassen"] for c, k in
            (("A", "padi"), ("B", "padi"), ("B", "jagung"), ("A", "jagung"))] == \
        ["I", "IV", "I", "IV"]


def test_klassen_gaps_zeros_single_area_commodity():
    data = table()
    data = data[~((data["code"] == "B") & (data["year"] == 2024))]
    data = pd.concat([data, pd.DataFrame(
        [{"code": "C", "commodity": "kopi", "year": y, "value": v}
         for y, v in ((2020, 3.0), (2024, 6.0))]
        + [{"code": "D", "commodity": "padi", "year": y, "value": 0.0} for y in (2020, 2024)])])
    out = klassen(data)
    num = out.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(num).any()
    assert row(out, "B", "padi")["reason"] == "fewer than two complete years for the area"
    assert pd.isna(row(out, "B", "padi")["klassen"])
    assert row(out, "D", "padi")["reason"] == "commodity in the area: zero in every year"
    # kopi only in C: it grows as fast as the reference (which is C) and C has all of it
    k = row(out, "C", "kopi")
    assert k["g_ij"] == pytest.approx(k["G_i"]) and k["share_area"] > k["share_reference"]
    assert k["klassen"] == "II"
    assert row(out, "A", "kopi")["reason"] == "commodity in the area: zero in every year"
    assert out.loc[out["klassen"].isna(), "reason"].notna().all()
