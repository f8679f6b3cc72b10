"""A location quotient over a negligible base is no flagship (the Jember case: 17 buffalo among
a kecamatan's 8,545 head, LQ 3.7, was its top candidate), and shares are taken in a measure
that adds up across commodities (hectares, heads), not in tonnes of unlike crops.

Fixtures copy the shapes of Jember's real tables (BPS "Kecamatan Dalam Angka" 2021, tables
3.2.1/3.2.2 and 3.4.1: a kabupaten-wide livestock table in heads with rare species, an estate
table whose "production (ton)" column holds coconuts in another unit) on the real kecamatan
polygons of Bone; names only matter, the values are made up in those shapes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unggulan import Dataset
from unggulan.core.activity.extent import extent_shares, with_extent
from unggulan.core.ranking.candidates import MATERIAL_SHARE, material

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BONE_KEC = SHARED / "bone" / "boundaries" / "kecamatan_bone.gpkg"
JEMBER = SHARED / "jember"

LIVESTOCK = (
    "Populasi Ternak Menurut Kecamatan dan Jenis Ternak (ekor) 2020.csv",
    "Kecamatan,Sapi Potong,Kerbau,Kambing,Domba,Babi\n"
    "Tonra,4153,17,1460,2812,0\n"
    "Mare,12453,2,1503,2050,1\n"
    "Kahu,8708,1,146,1126,0\n"
    "Salomekko,9242,1,4311,2910,0\n"
    "Libureng,15579,0,3157,3850,0\n",
)
ESTATE_AREA = (
    "Luas Areal Tanaman Perkebunan Menurut Kecamatan (ha) 2020.csv",
    "Kecamatan,Kelapa,Kopi,Tembakau,Kakao\n"
    "Tonra,24,0,410,0\n"
    "Mare,713,0,1133,2\n"
    "Kahu,142,162,396,0\n"
    "Salomekko,66,544,36,0\n"
    "Libureng,40,0,394,0\n",
)
ESTATE_PRODUCTION = (
    # coconuts counted in another unit under the table's "(ton)": a planner's real table
    "Produksi Tanaman Perkebunan Menurut Kecamatan (ton) 2020.csv",
    "Kecamatan,Kelapa,Kopi,Tembakau,Kakao\n"
    "Tonra,15000,0,310,0\n"
    "Mare,321000,0,181,0.3\n"
    "Kahu,101400,13,244,0\n"
    "Salomekko,48000,46,5,0\n"
    "Libureng,28947,0,63,0\n",
)

needs_data = pytest.mark.skipif(not BONE_KEC.exists(), reason="../shared/data not present")


def dataset(tmp_path: Path, *tables: tuple[str, str]) -> Dataset:
    (tmp_path / "boundaries").mkdir(parents=True, exist_ok=True)
    os.symlink(BONE_KEC, tmp_path / "boundaries" / "kecamatan_bone.gpkg")
    st = tmp_path / "statistik"
    st.mkdir()
    for name, text in tables:
        (st / name).write_text(text, encoding="utf-8")
    return Dataset.open(tmp_path)


def _rows(**cols) -> pd.DataFrame:
    n = len(cols["code"])
    base = {"level": "kecamatan", "family": "livestock", "year": 2020, "ratio": False,
            "measure": "population", "unit": "ekor"}
    return pd.DataFrame({**{k: [v] * n for k, v in base.items() if k not in cols}, **cols})


def test_extent_share_is_the_commodity_share_of_the_area_heads():
    st = _rows(code=["A", "A", "A"], commodity=["sapi", "kerbau", "kambing"],
               value=[8000.0, 17.0, 528.0])
    out = extent_shares(st, "kecamatan").set_index("commodity")
    assert out.loc["kerbau", "extent_share"] == pytest.approx(17 / 8545)
    assert out.loc["sapi", "extent_share"] == pytest.approx(8000 / 8545)
    assert set(out["extent_measure"]) == {"population"}


def test_duplicates_count_once_negatives_and_other_years_are_left_out():
    # the same kabupaten-wide table printed in two books (same cell twice), a negative
    # transcription error and a year outside the period
    st = _rows(code=["A"] * 5, commodity=["sapi", "sapi", "kerbau", "kambing", "kambing"],
               value=[90.0, 90.0, 10.0, -5.0, 400.0], year=[2020, 2020, 2020, 2020, 2015])
    out = extent_shares(st, "kecamatan", period=(2019, 2020)).set_index("commodity")
    assert out.loc["sapi", "extent_share"] == pytest.approx(0.9)
    assert out.loc["kerbau", "extent_share"] == pytest.approx(0.1)
    assert "kambing" not in out.index


def test_area_is_preferred_to_production_and_a_lone_commodity_has_no_share():
    st = pd.concat([
        _rows(code=["A", "A"], commodity=["kelapa", "tembakau"], value=[24.0, 410.0],
              measure="area", unit="ha", family="estate_crops"),
        _rows(code=["A", "A"], commodity=["kelapa", "tembakau"], value=[15000.0, 310.0],
              measure="production", unit="ton", family="estate_crops"),
        # (the readers convert m2 to ha)
        _rows(code=["A"], commodity=["mengkudu"], value=[0.012], measure="harvested_area",
              unit="ha", family="medicinal"),
    ], ignore_index=True)
    out = extent_shares(st, "kecamatan").set_index("commodity")
    # within the family: hectares, not tonnes
    assert out.loc["tembakau", "extent_share"] == pytest.approx(410 / 434)
    assert out.loc["tembakau", "extent_measure"] == "area"
    # the crop land: hectares of every family add up (120 m2 of noni is 0.012 ha)
    assert out.loc["tembakau", "land_share"] == pytest.approx(410 / 434.012)
    assert out.loc["mengkudu", "land_share"] == pytest.approx(0.012 / 434.012)
    # a pool of one commodity has no share (1 by construction): noni alone in its family
    assert np.isnan(out.loc["mengkudu", "extent_share"])
    alone = extent_shares(st[st["commodity"] == "mengkudu"], "kecamatan")
    assert alone[["extent_share", "land_share"]].isna().all().all()
    # rows of another level are not read; an empty frame gives the columns
    assert extent_shares(st, "desa").columns.tolist() == [
        "code", "commodity", "extent_share", "extent_measure", "land_share"]
    ev = with_extent(pd.DataFrame({"code": ["A", "B"], "commodity": ["tembakau", "x"]}), out
                     .reset_index())
    assert ev["extent_share"].iloc[0] == pytest.approx(410 / 434)
    assert ev["land_share"].iloc[0] == pytest.approx(410 / 434.012)
    assert np.isnan(ev["extent_share"].iloc[1]) and pd.isna(ev["extent_measure"].iloc[1])


def test_material_weight():
    assert material(np.array([MATERIAL_SHARE]))[0] == 1.0
    assert material(np.array([MATERIAL_SHARE / 4]))[0] == pytest.approx(0.25)
    assert material(np.array([np.nan]))[0] == 1.0


@needs_data
def test_a_rare_species_is_not_the_flagship(tmp_path):
    ds = dataset(tmp_path, LIVESTOCK)
    cand = ds.candidates("kecamatan", top=3)
    tonra = cand[cand["name"] == "Tonra"].set_index("commodity")
    # kerbau: 17 of 8,442 head, LQ > 3; it must not lead (it did before the extent weight)
    ev = ds.candidates("kecamatan", top=10)
    kerbau = ev[(ev["name"] == "Tonra") & (ev["commodity"] == "kerbau")].iloc[0]
    assert kerbau["slq"] > 3 and kerbau["extent_share"] < 0.01
    top = cand[(cand["name"] == "Tonra") & (cand["rank"] == 1)]["commodity"].iloc[0]
    assert top != "kerbau" and top in {"sapi_potong", "domba"}
    # its explanation says the base is small, in both languages
    assert "basis kecil: 0,2% populasi ternak kecamatan" in kerbau["reason_id"]
    assert "small base: 0.2% of the kecamatan's livestock population" in kerbau["reason_en"]
    # and the dominant species is named as livestock, not as the kecamatan's population
    sapi = tonra.loc["sapi_potong"]
    assert "populasi ternak kecamatan" in sapi["reason_id"]
    assert "of the kecamatan's livestock population" in sapi["reason_en"]
    # babi (a handful of animals in one kecamatan) leads nowhere
    tops = cand[cand["rank"] == 1]["commodity"]
    assert not tops.isin(["kerbau", "babi"]).any()


@needs_data
def test_shares_in_hectares_not_in_tonnes_of_unlike_crops(tmp_path):
    ds = dataset(tmp_path, ESTATE_AREA, ESTATE_PRODUCTION)
    cand = ds.candidates("kecamatan", top=3)
    tonra = cand[cand["name"] == "Tonra"].set_index("commodity")
    # tobacco holds 94% of Tonra's estate land, 2% of its "tonnes" (coconuts in nuts)
    tb = tonra.loc["tembakau"]
    assert tb["rank"] == 1
    assert tb["extent_share"] == pytest.approx(410 / 434)
    assert tb["extent_measure"] == "area"
    assert "dominan: 94% luas tanaman perkebunan kecamatan" in tb["reason_id"]
    assert "dominant: 94% of the kecamatan's estate crops area" in tb["reason_en"]
    # the LQ still reads production (the planner's measure), the share reads hectares
    assert tb["stat_measure"] == "production"
    # a crop of 2 ha (0.1% of Mare's estate land) with a huge LQ is not proposed first
    mare = cand[(cand["name"] == "Mare") & (cand["rank"] == 1)]["commodity"].iloc[0]
    assert mare != "kakao"


@needs_data
def test_a_square_metre_of_a_herb_is_not_a_desa_flagship(tmp_path):
    """Jember Lor's shape (Kecamatan Patrang Dalam Angka 2021, tables 3.1.1-3.1.6): 1 m2 and
    1 kg of sambiloto, alone in the medicinal tables, beside hectares of vegetables. Its LQ is
    huge and it was "100% of the medicinal plants"; of the crop land it is 0.001 %."""
    ds = dataset(
        tmp_path,
        ("Luas Panen Tanaman Sayuran Menurut Kecamatan (ha) 2020.csv",
         "Kecamatan,Cabe Rawit,Petsai,Kangkung,Bayam\n"
         "Tonra,1,2.5,2,2\nMare,40,3,1,1\nKahu,12,8,2,3\n"),
        ("Produksi Tanaman Sayuran Menurut Kecamatan (kw) 2020.csv",
         "Kecamatan,Cabe Rawit,Petsai,Kangkung,Bayam\n"
         "Tonra,289.58,143.9,65,73\nMare,3100,160,30,30\nKahu,900,500,70,90\n"),
        ("Luas Panen Tanaman Biofarmaka Menurut Kecamatan (m2) 2020.csv",
         "Kecamatan,Sambiloto,Jahe\nTonra,1,0\nMare,0,5000\nKahu,0,20000\n"),
        ("Produksi Tanaman Biofarmaka Menurut Kecamatan (kg) 2020.csv",
         "Kecamatan,Sambiloto,Jahe\nTonra,1,0\nMare,0,9000\nKahu,0,41000\n"),
    )
    cand = ds.candidates("kecamatan", top=10)
    tonra = cand[cand["name"] == "Tonra"].set_index("commodity")
    herb = tonra.loc["sambiloto"]
    assert herb["slq"] > 100 and herb["extent_measure"] == "harvested_area"
    # all of Tonra's medicinal plants, nothing of its crop land
    assert herb["extent_share"] == 1.0
    assert herb["land_share"] == pytest.approx(0.0001 / 7.5001)
    assert herb["rank"] > 1 and tonra["rank"].idxmin() != "sambiloto"
    assert "basis kecil: 0,001% lahan tanaman kecamatan" in herb["reason_id"]
    assert "small base: 0.001% of the kecamatan's crop land" in herb["reason_en"]


@pytest.mark.skipif(not (JEMBER / "reference" / "long.csv").exists(), reason="no Jember data")
def test_jember_tops_are_the_kabupaten_known_crops(tmp_path):
    """Real BPS books (their checked extraction): no kecamatan's first candidate is a species
    of a few dozen head (buffalo, pigs, horses: 0.06-0.12% of the kabupaten's livestock) or
    cacao (11.5 ha in the kabupaten); the estate crops the kabupaten is known for (tobacco,
    sugar cane, coconut, coffee) lead most, tobacco and sugar cane each in at least five."""
    (tmp_path / "boundaries").mkdir()
    for f in ("desa_jember.gpkg", "kecamatan_jember.gpkg"):
        os.symlink(JEMBER / "boundaries" / f, tmp_path / "boundaries" / f)
    (tmp_path / "statistik").mkdir()
    os.symlink(JEMBER / "reference" / "long.csv", tmp_path / "statistik" / "long.csv")
    cand = Dataset.open(tmp_path).candidates("kecamatan", top=1)
    tops = cand["commodity"].value_counts()
    assert not set(tops.index) & {"kerbau", "babi", "kuda", "kakao"}
    estate = tops.reindex(["tembakau", "tebu", "kelapa", "kopi"]).fillna(0)
    assert estate.sum() >= 20 and estate["tembakau"] >= 5 and estate["tebu"] >= 5


@needs_data
def test_the_api_gives_the_shares(tmp_path, monkeypatch):
    """Scripts see why an LQ was weighed down: the area candidates' JSON carries the shares."""
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))
    ds = dataset(tmp_path / "data", LIVESTOCK)
    code = ds.areas("kecamatan").index[ds.areas("kecamatan")["name"] == "Tonra"][0]
    with TestClient(create_app(Settings(data=tmp_path / "data"))) as c:
        r = c.get(f"/api/v1/areas/{code}/candidates", params={"level": "kecamatan", "top": 5})
    assert r.status_code == 200
    items = {it["commodity"]: it for it in r.json()["candidates"]}
    assert items["kerbau"]["extent_share"] == pytest.approx(17 / 8442, rel=1e-6)
    assert items["kerbau"]["extent_measure"] == "population"
    assert items["kerbau"]["land_share"] is None
    assert "basis kecil" in items["kerbau"]["reason_id"]
