"""The limiting-factor classifier on hand-worked cases, the requirement table, and its sources."""

import csv
import re

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BUNDLED, SHARED
from unggulan.base.errors import DatasetError
from unggulan.core.inputs.commodities import Catalogue
from unggulan.core.land.suitability import (
    Requirements,
    assess_areas,
    classify,
    explain,
    factor_index,
)

INF = np.inf
# kakao temperature, Djaenudin et al. 2011: S1 25-28, S2 20-25 / 28-32, S3 32-35, N <20 / >35
KAKAO_T = np.array([20, 20, 25, 28, 32, 35], dtype=float)


@pytest.mark.parametrize(
    "value, cls, index",
    [(19.99, 4, 0.0), (20.0, 2, 0.5), (22.5, 2, 0.625), (24.99, 2, 0.749), (25.0, 1, 1.0),
     (26.5, 1, 1.0), (28.0, 1, 1.0), (28.01, 2, 0.749), (30.0, 2, 0.625), (32.0, 2, 0.5),
     (32.01, 3, 0.499), (33.5, 3, 0.375), (35.0, 3, 0.25), (35.01, 4, 0.0)],
)
def test_two_sided_factor_at_and_around_every_limit(value, cls, index):
    assert classify(np.array([value]), KAKAO_T)[0] == cls
    assert factor_index(np.array([value]), KAKAO_T)[0] == pytest.approx(index, abs=1e-3)


# slope: S1 <= 8, S2 8-15, S3 15-30, N > 30 (one-sided)
SLOPE = np.array([-INF, -INF, -INF, 8, 15, 30])


@pytest.mark.parametrize(
    "value, cls", [(0, 1), (8, 1), (8.001, 2), (15, 2), (15.001, 3), (30, 3), (30.001, 4)]
)
def test_one_sided_factor(value, cls):
    assert classify(np.array([float(value)]), SLOPE)[0] == cls


def test_missing_value_has_no_class():
    assert classify(np.array([np.nan]), SLOPE)[0] == 0
    assert np.isnan(factor_index(np.array([np.nan]), SLOPE)[0])


def test_open_band_index_is_its_midpoint():
    # base saturation: S1 > 35, S2 20-35, S3 < 20 (S3 open downwards)
    b = np.array([-INF, 20, 35, INF, INF, INF])
    assert classify(np.array([10.0]), b)[0] == 3
    assert factor_index(np.array([10.0]), b)[0] == pytest.approx(0.375)


def _req(rows):
    table = pd.DataFrame(rows, columns=["commodity", "factor", "unit", "s3_low", "s2_low",
                                        "s1_low", "s1_high", "s2_high", "s3_high", "source",
                                        "checked"])
    base = Requirements.load()
    return Requirements(table, base.interventions, base.sources)


def test_limiting_factor_and_potential_class():
    req = _req([
        ["kakao", "temperature", "degC", 20, 20, 25, 28, 32, 35, "djaenudin2011", ""],
        ["kakao", "slope", "%", None, None, None, 8, 15, 30, "djaenudin2011", ""],
        ["kakao", "ph", "pH", None, 5.5, 6.0, 7.0, 7.6, None, "djaenudin2011", ""],
    ])
    values = pd.DataFrame({
        "temperature_mean": [26.0, 26.0, 22.0, 36.0],
        "slope_mean": [3.0, 20.0, 20.0, 3.0],
        "ph_mean": [6.5, 5.0, 6.5, 6.5],
    }, index=["A", "B", "C", "D"])
    cat = Catalogue.load()
    r = assess_areas(values, ["kakao"], cat, req, "rendah").set_index("code")
    assert list(r["suitability_class"]) == ["S1", "S3", "S3", "N"]
    assert pd.isna(r.at["A", "limiting_factors"])
    assert r.at["B", "limiting_factors"] == "slope,ph"
    assert r.at["C", "limiting_factors"] == "slope"
    assert r.at["D", "limiting_factors"] == "temperature"
    ev = explain(r.reset_index(), values, req, "id")
    assert ev[0] == "S1: suhu 26 °C cocok (S1 25–28)"
    assert ev[1] == "S3: lereng 20 % (S1 ≤ 8); pH 5 (S1 6–7)"
    assert explain(r.reset_index(), values, req, "en")[3] == "N: temperature 36 °C (S1 25–28)"
    # sedang: terracing and liming lift slope and pH one class; temperature cannot be lifted
    s = assess_areas(values, ["kakao"], cat, req, "sedang").set_index("code")
    assert list(s["potential_class"]) == ["S1", "S2", "S2", "N"]
    assert "pengapuran|liming" in s.at["B", "interventions"]
    assert pd.isna(s.at["D", "interventions"])
    t = assess_areas(values, ["kakao"], cat, req, "tinggi").set_index("code")
    assert t.at["B", "potential_class"] == "S2"  # slope lifted once at most
    assert t.at["C", "suitability_class"] == "S3"  # actual class unchanged


def test_status_of_processed_crafts_and_livestock():
    values = pd.DataFrame({"temperature_mean": [26.0]}, index=["A"])
    r = assess_areas(values, ["keripik_pisang", "anyaman_pandan", "sapi_potong"],
                     Catalogue.load(), Requirements.load(), "rendah").set_index("commodity")
    assert r.at["keripik_pisang", "status"] == "inherited"
    assert r.at["keripik_pisang", "suitability_class"] == "S1"  # banana at 26 °C
    assert r.at["anyaman_pandan", "status"] == "not_applicable"
    assert r.at["sapi_potong", "status"] == "not_assessed"
    assert pd.isna(r.at["sapi_potong", "suitability_class"])


def test_every_requirement_row_names_its_source():
    req = Requirements.load()
    assert req.table["source"].isin(req.sources.keys()).all()
    assert req.table["commodity"].nunique() >= 25
    cat = Catalogue.load()
    assert set(req.table["commodity"]) <= set(cat.items)
    for name in ("padi_sawah", "jagung", "ubi_kayu", "kedelai", "kopi_arabika", "kopi_robusta",
                 "kakao", "kelapa", "kelapa_sawit", "karet", "cengkeh", "lada", "pala", "teh",
                 "tebu", "bawang_merah", "cabai", "kentang", "pisang", "mangga", "durian",
                 "salak", "jeruk", "nanas", "vanili", "jambu_mete"):
        assert name in set(req.table["commodity"]), name


def test_a_row_without_source_is_refused(tmp_path):
    for f in ("land_sources.csv", "land_interventions.csv"):
        (tmp_path / f).write_text((BUNDLED / f).read_text())
    text = (BUNDLED / "land_requirements.csv").read_text().splitlines()
    text.append("kakao,slope,%,,,,8,15,30,,")
    (tmp_path / "land_requirements.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DatasetError, match="source"):
        Requirements.load(tmp_path)


# ---------------------------------------------------------------- check against LaSEM
LASEM_CROPS = {"padi_irigasi": "padi_sawah", "padi_gogo": "padi_gogo", "jagung": "jagung",
               "kakao": "kakao", "kopi_arabika": "kopi_arabika", "kopi_robusta": "kopi_robusta",
               "kelapa": "kelapa", "kelapa_sawit": "kelapa_sawit", "karet": "karet",
               "cengkeh": "cengkeh", "jambu_mente": "jambu_mete", "kemiri": "kemiri",
               "pisang": "pisang", "durian": "durian", "jeruk": "jeruk", "alpukat": "alpukat"}
LASEM_PARAMS = {"clim_temperature_avg": "temperature", "clim_precipitation_tot": "rainfall",
                "clim_dry_months": "dry_months", "clim_humidity": "humidity", "soil_ph": "ph",
                "soil_slope": "slope", "soil_depth": "soil_depth",
                "soil_base_saturation": "base_saturation", "soil_cec": "cec",
                "soil_organic_c": "organic_carbon", "soil_coarse_fragments": "coarse_fragments",
                "soil_elevation": "elevation"}


def _interval(text: str):
    t = text.replace(" ", "")
    if m := re.fullmatch(r"([\d.]+)-([\d.]+)", t):
        return float(m[1]), float(m[2])
    if m := re.fullmatch(r">([\d.]+)", t):
        return float(m[1]), INF
    if m := re.fullmatch(r"<([\d.]+)|([\d.]+)<", t):
        return -INF, float(m[1] or m[2])
    if m := re.fullmatch(r"[\d.]+", t):
        return float(t), float(t)
    return None  # unreadable (e.g. '4>.5')


def _lasem_class(intervals, x):
    for cls in ("S1", "S2", "S3", "N"):
        for lo, hi in intervals.get(cls, []):
            if lo <= x <= hi:
                return cls
    return None


def test_djaenudin_rows_agree_with_lasem():
    folder = SHARED / "reference" / "lasem"
    if not folder.exists():
        pytest.skip("LaSEM reference not present")
    req = Requirements.load()
    checked = req.table[req.table["checked"] == "lasem"]
    compared = disagreements = 0
    report = []
    for fname, cid in LASEM_CROPS.items():
        with open(folder / f"kesesuaian_{fname}.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        ref: dict[str, dict[str, list]] = {}
        for r in rows:
            p = LASEM_PARAMS.get(r["name_parameter"])
            iv = _interval(r["value"])
            if p and iv:
                ref.setdefault(p, {}).setdefault(r["class"], []).append(iv)
        for _, row in checked[checked["commodity"] == cid].iterrows():
            assert row["factor"] in ref, (cid, row["factor"])
            b = np.array([row[c] for c in ("s3_low", "s2_low", "s1_low", "s1_high", "s2_high",
                                           "s3_high")], dtype=float)
            finite = b[~np.isnan(b)]
            probes = np.unique(np.concatenate([finite - 0.01, finite + 0.01,
                                               (finite[1:] + finite[:-1]) / 2]))
            for x in probes:
                theirs = _lasem_class(ref[row["factor"]], x)
                if theirs is None:
                    continue  # LaSEM leaves x uncovered (a gap or a typo)
                lim = np.where(np.isnan(b), [-INF, -INF, -INF, INF, INF, INF], b)
                ours = ("S1", "S2", "S3", "N")[classify(np.array([x]), lim)[0] - 1]
                compared += 1
                if ours != theirs:
                    disagreements += 1
                    report.append(f"{cid} {row['factor']} at {x:g}: ours {ours}, LaSEM {theirs}")
    print(f"compared {compared} probe values; {disagreements} disagreements")
    assert compared > 500
    assert not report, "\n".join(report)
