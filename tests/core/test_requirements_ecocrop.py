"""The requirement table: coverage, sources, and the ECOCROP-derived rows (rule and generator)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import BUNDLED, ROOT, SHARED
from unggulan.base.errors import DatasetError
from unggulan.core.inputs.commodities import Catalogue
from unggulan.core.land.suitability import (
    Requirements,
    assess_areas,
    classify,
    factor_index,
    status_of,
)

ECOCROP_DB = SHARED / "reference" / "ecocrop" / "EcoCrop_DB.csv"
LIMITS = ["s3_low", "s2_low", "s1_low", "s1_high", "s2_high", "s3_high"]


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "ecocrop_requirements", ROOT / "scripts" / "ecocrop_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
REQ = Requirements.load()
CAT = Catalogue.load()


@pytest.fixture(scope="module")
def db():
    if not ECOCROP_DB.exists():
        pytest.skip(f"{ECOCROP_DB} not present (tests read ../shared/data in place)")
    return gen.read_ecocrop(ECOCROP_DB)


def _bounds(row) -> np.ndarray:
    b = np.array([row[c] for c in LIMITS], dtype=float)
    b[:3] = np.where(np.isnan(b[:3]), -np.inf, b[:3])
    b[3:] = np.where(np.isnan(b[3:]), np.inf, b[3:])
    return b


# ------------------------------------------------------------------ coverage and sources
def test_at_least_120_crops_have_requirements_and_each_is_a_catalogue_row():
    crops = [c for c in REQ.commodities() if CAT.get(c).sector == "pertanian_perkebunan"]
    assert len(crops) >= 120
    assert set(REQ.commodities()) <= set(CAT.items)
    # the groups the brief names are all there
    for cid in ("kunyit", "lengkuas", "jati", "sengon", "cendana", "mahoni", "carica",
                "sawi", "cabai_rawit", "jeruk_besar", "kacang_panjang", "petai", "jengkol",
                "kayu_manis", "nilam", "sagu", "talas", "kacang_hijau"):
        assert cid in REQ.commodities(), cid


def test_every_row_names_a_source_of_land_sources_csv():
    sources = pd.read_csv(BUNDLED / "land_sources.csv")
    assert sources["key"].is_unique
    assert REQ.table["source"].isin(set(sources["key"])).all()
    assert set(REQ.table["source"]) == {"djaenudin2011", "ecocrop"}
    # the ECOCROP citation names the rule's literature
    text = REQ.sources["ecocrop"]
    assert "Hijmans" in text and "Ramirez-Villegas" in text


def test_an_unknown_source_key_is_refused(tmp_path):
    for f in ("land_sources.csv", "land_interventions.csv"):
        (tmp_path / f).write_text((BUNDLED / f).read_text())
    text = (BUNDLED / "land_requirements.csv").read_text()
    (tmp_path / "land_requirements.csv").write_text(
        text + "tomat,slope,%,,,,8,15,30,my_guess,Lycopersicon esculentum,\n")
    with pytest.raises(DatasetError, match="my_guess"):
        Requirements.load(tmp_path)


def test_indonesian_criteria_come_first_and_sources_are_not_mixed():
    per_crop = REQ.table.groupby("commodity")["source"].nunique()
    assert (per_crop == 1).all(), per_crop[per_crop > 1]
    dj = REQ.table[REQ.table["source"] == "djaenudin2011"]
    assert dj["commodity"].nunique() == 16 and (dj["checked"] == "lasem").all()
    mapping = gen.read_species(BUNDLED / "ecocrop_species.csv")
    # the Djaenudin crops are mapped for the agreement script only
    compare = mapping[mapping["note"].str.startswith("comparison only")]
    assert set(compare["id"]) == set(dj["commodity"])


def test_every_row_names_its_species():
    assert REQ.table["species"].notna().all()
    mapping = gen.read_species(BUNDLED / "ecocrop_species.csv").set_index("id")["species"]
    eco = REQ.table[REQ.table["source"] == "ecocrop"]
    assert (eco["species"] == eco["commodity"].map(mapping)).all()
    assert set(mapping.index) <= set(CAT.items)


# ------------------------------------------------------------------ the rule, hand-worked
def test_cassava_temperature_on_the_ecocrop_index():
    # ECOCROP Manihot esculenta: TMIN 10, TOPMN 20, TOPMX 29, TMAX 35 (degC)
    # S2/S3 boundary where the index is 0.5: (10 + 20) / 2 = 15 and (29 + 35) / 2 = 32
    lim = gen.two_sided_limits(10, 20, 29, 35)
    assert lim == (10, 15, 20, 29, 32, 35)
    row = REQ.factors("ubi_kayu").set_index("factor").loc["temperature"]
    assert tuple(row[LIMITS]) == lim  # the table row keeps these values
    b = np.array(lim, dtype=float)
    # x      index                      class
    # 9.9    below TMIN: 0              N
    # 10     (10-10)/(20-10) = 0        S3 (the limit is in the band: better class wins)
    # 12     (12-10)/10 = 0.2           S3
    # 15     (15-10)/10 = 0.5           S2
    # 17     (17-10)/10 = 0.7           S2
    # 25     inside the optimum: 1      S1
    # 30.5   (35-30.5)/(35-29) = 0.75   S2
    # 33.5   (35-33.5)/6 = 0.25         S3
    # 35.1   above TMAX                 N
    x = np.array([9.9, 10, 12, 15, 17, 25, 30.5, 33.5, 35.1])
    assert classify(x, b).tolist() == [4, 3, 3, 2, 2, 1, 2, 3, 4]
    # unggulan's own index inside S2 and S3 is 0.25 + 0.5 x EcoCrop's index
    ecocrop_index = np.array([0.0, 0.2, 0.5, 0.7, 0.75, 0.25])
    assert np.allclose(factor_index(x[[1, 2, 3, 4, 6, 7]], b), 0.25 + 0.5 * ecocrop_index)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=4, max_size=4, unique=True), st.floats(0, 1))
def test_class_follows_the_ecocrop_index_for_any_ranges(values, t):
    amin, omin, omax, amax = sorted(float(v) for v in values)
    b = np.array(gen.two_sided_limits(amin, omin, omax, amax))
    for inner, outer in ((omin, amin), (omax, amax)):
        x = outer + t * (inner - outer)  # EcoCrop index t on this side
        got = classify(np.array([x]), b)[0]
        if np.isclose(t, 0.5, atol=1e-6) or np.isclose(t, 1.0, atol=1e-6):
            continue  # exactly on a class limit: floating point decides the side
        assert got == (1 if t > 1 - 1e-12 else 2 if t > 0.5 else 3)
        assert factor_index(np.array([x]), b)[0] == pytest.approx(0.25 + 0.5 * t, abs=1e-6)


def test_soil_depth_from_ecocrop_depth_classes():
    # deep optimum (>150 cm) with a medium absolute class (50-150 cm): S1 >= 150, N < 50
    assert gen.depth_limits("deep (>>150 cm)", "medium (50-150 cm)")[:3] == (50, 100, 150)
    assert gen.depth_limits("shallow (20-50 cm)", "shallow (20-50 cm)")[:3] == (20, 20, 20)
    assert gen.depth_limits("shallow (20-50 cm)", None) is None  # no absolute class: no row
    assert gen.depth_limits("shallow (20-50 cm)", "deep (>>150 cm)") is None  # out of order


def test_missing_or_disordered_ranges_give_no_row():
    assert gen.two_sided_limits(450, 350, 3500, 3000) is None  # Hylocereus undatus rainfall
    assert gen.two_sided_limits(np.nan, 20, 30, 35) is None
    facs = set(REQ.factors("buah_naga")["factor"])
    assert facs == {"temperature", "ph", "soil_depth"}  # no rainfall row


def test_a_crop_with_indonesian_criteria_gets_no_ecocrop_rows(db):
    species = gen.read_species(BUNDLED / "ecocrop_species.csv")
    current = pd.DataFrame([["tomat", "slope", "%", "", "", "", "8", "15", "30", "djaenudin2011",
                             "Lycopersicon esculentum", ""]], columns=gen.COLUMNS)
    out = gen.build_requirements(current, species, db)
    assert (out.loc[out["commodity"] == "tomat", "source"] == "djaenudin2011").all()
    assert len(out[out["commodity"] == "tomat"]) == 1
    assert "kentang" in set(out["commodity"])  # the others are still generated


# ------------------------------------------------------------ generator against the table
def test_ecocrop_rows_reproduce_the_generator_output(db):
    text = (BUNDLED / "land_requirements.csv").read_text(encoding="utf-8")
    assert gen.generate(BUNDLED / "land_requirements.csv", ecocrop=ECOCROP_DB) == text
    assert gen.main(["--check", "--ecocrop", str(ECOCROP_DB)]) == 0


def test_every_ecocrop_row_follows_the_rule_from_the_shared_file(db):
    eco = REQ.table[REQ.table["source"] == "ecocrop"]
    assert len(eco) > 400
    cols = {"temperature": ("TMIN", "TOPMN", "TOPMX", "TMAX"),
            "rainfall": ("RMIN", "ROPMN", "ROPMX", "RMAX"),
            "ph": ("PHMIN", "PHOPMN", "PHOPMX", "PHMAX")}
    lower = {"shallow": 20, "medium": 50, "deep": 150}
    for row in eco.itertuples(index=False):
        rec = db.loc[row.species]
        if row.factor in cols:
            amin, omin, omax, amax = (float(rec[c]) for c in cols[row.factor])
            want = [amin, (amin + omin) / 2, omin, omax, (omax + amax) / 2, amax]
        else:
            assert row.factor == "soil_depth" and row.unit == "cm"
            a, o = lower[rec["DEPR"].split()[0]], lower[rec["DEP"].split()[0]]
            want = [a, (a + o) / 2, o, np.nan, np.nan, np.nan]
        got = [getattr(row, c) for c in LIMITS]
        assert np.allclose(got, want, equal_nan=True), (row.commodity, row.factor, got, want)
    # no altitude, texture, drainage or salinity row
    assert set(eco["factor"]) == {"temperature", "rainfall", "ph", "soil_depth"}


# ------------------------------------------------------------------ which commodities count
def test_any_sector_with_requirement_rows_is_assessed():
    # a made-up row: only the mechanism is tested here (no fishery criteria are published
    # in the table)
    fish = pd.DataFrame([["ikan_nila", "slope", "%", None, None, None, 2.0, 5.0, 8.0, "test",
                          "", ""]], columns=gen.COLUMNS)
    req = Requirements(pd.concat([REQ.table, fish], ignore_index=True), REQ.interventions,
                       REQ.sources)
    assert status_of("ikan_nila", CAT, req) == ("assessed", "ikan_nila")
    assert status_of("ikan_nila", CAT, REQ) == ("not_assessed", None)
    values = pd.DataFrame({"slope_mean": [1.0, 6.0]}, index=["A", "B"])
    r = assess_areas(values, ["ikan_nila", "sapi_perah"], CAT, req)
    assert list(r["status"]) == ["assessed"] * 2 + ["not_assessed"] * 2
    assert list(r["suitability_class"][:2]) == ["S1", "S3"]
    # new crops without published criteria stay not assessed; crafts are not applicable
    assert status_of("krisan", CAT, REQ) == ("not_assessed", None)
    assert status_of("anggrek", CAT, REQ) == ("not_assessed", None)
    assert status_of("gerabah", CAT, REQ) == ("not_applicable", None)
    assert status_of("sarung_sutra", CAT, REQ) == ("inherited", "murbei")


# ------------------------------------------------------------------ the agreement script
def test_agreement_counts_same_better_and_worse_classes_per_area():
    spec = importlib.util.spec_from_file_location(
        "requirements_agreement", ROOT / "scripts" / "requirements_agreement.py")
    agree = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(agree)
    cols = gen.COLUMNS
    dj = pd.DataFrame([["kakao", "temperature", "degC", 20, 20, 25, 28, 32, 35, "djaenudin2011",
                        "", ""],
                       ["kakao", "slope", "%", None, None, None, 8, 15, 30, "djaenudin2011",
                        "", ""]], columns=cols)
    ec = pd.DataFrame([["kakao", "temperature", "degC", 10, 15.5, 21, 32, 35, 38, "ecocrop",
                        "Theobroma cacao", ""]], columns=cols)
    values = pd.DataFrame({"temperature_mean": [26.0, 22.0, 36.0],
                           "slope_mean": [20.0, 3.0, 3.0]}, index=["A", "B", "C"])
    t = agree.agreement(values, dj, ec, CAT, REQ).set_index("crop").loc["kakao"]
    # all factors: A  dj S3 (slope 20 in 15-30)   ec S1 (26 in 21-32)   -> ECOCROP better
    #              B  dj S2 (22 in 20-25)         ec S1 (22 in 21-32)   -> ECOCROP better
    #              C  dj N  (36 > 35)             ec S3 (36 in 35-38)   -> ECOCROP better
    assert t["n"] == 3 and t["agree_all"] == 0 and t["ecocrop_better"] == 1
    # temperature only (the shared factor): A S1/S1, B S2/S1, C N/S3 -> 1 of 3 agree
    assert t["shared"] == "temperature" and t["agree_shared"] == pytest.approx(1 / 3)
    assert t["classes_djaenudin"] == "S1:0 S2:1 S3:1 N:1"
    assert t["classes_ecocrop"] == "S1:2 S2:0 S3:1 N:0"
