"""Issue #28: real published tables give numbers a planner can defend.

Each fixture copies a shape real BPS/dinas tables have (a flow column beside the commodity, a
negative transcription error, units mixed in one "production" family, a table missing a year,
old header prefixes, animal products), on the real kecamatan polygons of Bone (names only
matter here; the values are made up for the test).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from unggulan import Dataset

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
BONE_KEC = SHARED / "bone" / "boundaries" / "kecamatan_bone.gpkg"
JEMBER = SHARED / "jember"
KEC = ["Tonra", "Mare", "Kahu", "Salomekko"]

pytestmark = pytest.mark.skipif(not BONE_KEC.exists(), reason="../shared/data not present")


def dataset(tmp_path: Path, tables: dict[str, str]) -> Dataset:
    (tmp_path / "boundaries").mkdir(parents=True, exist_ok=True)
    os.symlink(BONE_KEC, tmp_path / "boundaries" / "kecamatan_bone.gpkg")
    st = tmp_path / "statistik"
    st.mkdir()
    for name, text in tables.items():
        (st / name).write_text(text, encoding="utf-8")
    return Dataset.open(tmp_path)


def test_flows_capacity_and_a_negative_cell(tmp_path):
    ds = dataset(tmp_path, {
        "Produksi Perikanan Budidaya Kolam Menurut Kecamatan (Kg) 2022.csv":
            "Kecamatan,Produksi Ikan Nila,Produksi Ikan Lele,Dipelihara Sendiri,"
            "Dijual ke Lain Daerah,Kolam Balai Benih Ikan,Kapasitas\n"
            "Tonra,1200,800,400,1600,2,50\n"
            "Mare,900,300,1564,-364,0,40\n"
            "Kahu,500,2500,1000,2000,1,10\n",
    })
    st = ds.statistics()
    kinds = st.groupby("commodity_name")["kind"].first()
    assert kinds["Dijual ke Lain Daerah"] == "flow" and kinds["Dipelihara Sendiri"] == "flow"
    assert kinds["Kapasitas"] == "capacity" and kinds["Kolam Balai Benih Ikan"] == "capacity"
    assert set(st.loc[st["kind"] == "commodity", "commodity"]) == {"ikan_nila", "ikan_lele"}
    # the negative cell: missing, and a warning naming file, row, column, area and year
    bad = st[(st["name"] == "Mare") & (st["commodity_name"] == "Dijual ke Lain Daerah")]
    assert bad["value"].isna().all()
    msgs = [p for p in ds.problems if "negative value -364" in p.message]
    assert msgs and "Mare" in msgs[0].message and "2022" in msgs[0].message
    assert msgs[0].row == 3 and msgs[0].field == "Dijual ke Lain Daerah"
    assert msgs[0].file.endswith("(Kg) 2022.csv")
    # flows and capacities stay out of LQ: the area total is nila + lele only
    a = ds.analysis("slq", measure="production")
    assert set(a["commodity"]) == {"ikan_nila", "ikan_lele"}
    tonra = a[(a["name"] == "Tonra")].iloc[0]
    assert tonra["e_j"] == pytest.approx(2.0)      # 1,200 + 800 kg = 2 t
    assert set(a["family"]) == {"aquaculture"} and set(a["unit"]) == {"ton"}
    # and candidates run (no traceback over the bad cell)
    assert len(ds.candidates("kecamatan", top=2))


def test_units_and_families_never_mixed(tmp_path):
    ds = dataset(tmp_path, {
        "Produksi Tanaman Sayuran Menurut Kecamatan (ton) 2022.csv":
            "Kecamatan,Kentang,Kubis\nTonra,100,50\nMare,10,90\nKahu,5,5\n",
        "Produksi Padi dan Palawija Menurut Kecamatan (ton) 2022.csv":
            "Kecamatan,Padi,Jagung\nTonra,20000,1000\nMare,15000,3000\nKahu,9000,900\n",
        "Produksi Benih Ikan Menurut Kecamatan (ekor) 2022.csv":
            "Kecamatan,Benih Ikan Nila,Benih Ikan Mas\nTonra,9000000,10\nMare,5,5\nKahu,1,1\n",
        "Produksi Tanaman Hias Menurut Kecamatan (tangkai) 2022.csv":
            "Kecamatan,Krisan,Mawar\nTonra,100,200\nMare,0,50\nKahu,3,3\n",
    })
    st = ds.statistics()
    assert st.loc[st["commodity"] == "kentang", "family"].unique().tolist() == ["vegetables"]
    assert st.loc[st["commodity"] == "padi_sawah", "family"].unique().tolist() == ["food_crops"]
    a = ds.analysis("slq", measure="production")
    # potatoes in Tonra: compared with the vegetables of Tonra only, in tonnes
    k = a[(a["name"] == "Tonra") & (a["commodity"] == "kentang")].iloc[0]
    assert k["e_j"] == pytest.approx(150.0) and k["E"] == pytest.approx(260.0)
    assert k["slq"] == pytest.approx((100 / 150) / (115 / 260))
    assert k["family"] == "vegetables" and k["unit"] == "ton"
    # fish seed in ekor and flowers in tangkai are their own groups, never summed with tonnes
    seed = a[a["commodity"].str.contains("nila")]
    assert set(seed["unit"]) == {"ekor"} and set(seed["family"]) == {"fish_seed"}
    groups = a.groupby(["unit", "family"])["E"].max()
    assert groups[("ton", "food_crops")] == pytest.approx(20000 + 15000 + 9000 + 1000 + 3000
                                                          + 900)
    # the candidates' evidence names the family
    c = ds.candidates("kecamatan", top=3)
    row = c[(c["name"] == "Tonra") & (c["commodity"] == "kentang")].iloc[0]
    assert row["stat_family"] == "vegetables"
    assert "among vegetables" in row["reason_en"] and "di antara sayuran" in row["reason_id"]


def test_missing_year_is_not_zero_and_dlq_stays_sane(tmp_path):
    # vegetables 2018-2022, but the cabbage table was first published in 2020: before, the
    # absent years counted as zero and the reference "grew" by thousands of % a year
    rows = ["Kecamatan,Tahun,Kentang,Kubis"]
    for y in range(2018, 2023):
        for kec, base in zip(KEC[:3], (100, 60, 30)):
            kubis = "" if y < 2020 else str(base * 2 + y - 2018)
            rows.append(f"{kec},{y},{base + 5 * (y - 2018)},{kubis}")
    ds = dataset(tmp_path, {"Produksi Sayuran Menurut Kecamatan (ton).csv":
                            "\n".join(rows) + "\n"})
    st = ds.statistics()
    assert st.loc[(st["commodity"] == "kubis") & (st["year"] < 2020), "value"].isna().all()
    d = ds.analysis("dlq", measure="production", period="2018-2022")
    assert d["dlq"].dropna().between(1e-4, 1e4).all()
    assert d["dlq"].notna().all()      # a series from 2020 on is still a series
    assert (d["first_year"] == 2020).all()     # the years every commodity was tabulated
    # a kecamatan a table does not list is missing, not zero: Salomekko is in the meat table
    # only, so its eggs are missing (not 0)


def test_products_prefixes_and_slashes(tmp_path):
    ds = dataset(tmp_path, {
        "Populasi Ternak Unggas Menurut Kecamatan (ekor) 2021.csv":
            "Kecamatan,Jenis Ternak Ayam Ras Layer,Itik\nTonra,1000,50\nMare,300,70\n",
        "Populasi Ternak Unggas Menurut Kecamatan (ekor) 2022.csv":
            "Kecamatan,Ayam Ras Layer,Itik\nTonra,1100,55\nMare,320,75\n",
        "Produksi Telur Menurut Kecamatan (kg) 2021.csv":
            "Kecamatan,Telur Itik,Telur Ayam Ras\nTonra,500,9000\nMare,800,2000\n",
        "Produksi Daging Menurut Kecamatan (kg) 2022.csv":
            "Kecamatan,Daging Itik,Daging Ayam Ras\nTonra,50,900\nMare,80,200\n",
        "Produksi Perikanan Perairan Umum Menurut Kecamatan (ton) 2022.csv":
            "Kecamatan,Perairan Umum Sungai,Perairan Umum Telaga/Rawa\nTonra,5,7\nMare,3,1\n",
    })
    st = ds.statistics()
    layer = st[st["commodity_name"].str.contains("Layer", case=False)]
    assert layer["commodity"].nunique() == 1 and sorted(layer["year"].unique()) == [2021, 2022]
    eggs = st[st["commodity_name"].str.startswith("Telur")]
    meat = st[st["commodity_name"].str.startswith("Daging")]
    assert set(eggs["family"]) == {"eggs"} and set(meat["family"]) == {"meat"}
    assert "itik" not in set(eggs["commodity"]) | set(meat["commodity"])
    assert set(eggs["commodity"]).isdisjoint(set(meat["commodity"]))
    assert "Perairan Umum Telaga/Rawa" in set(st["commodity_name"])


def test_unit_not_stated_is_left_out(tmp_path):
    ds = dataset(tmp_path, {
        "Produksi Perikanan Menurut Kecamatan 2022.csv":
            "Kecamatan,Ikan Nila,Ikan Lele\nTonra,1200,800\nMare,900,300\n",
        "Produksi Tanaman Sayuran Menurut Kecamatan (ton) 2022.csv":
            "Kecamatan,Kentang,Kubis\nTonra,100,50\nMare,10,90\n",
    })
    st = ds.statistics()
    assert set(st.loc[st["commodity"] == "ikan_nila", "unit"]) == {"unknown"}
    assert any("unit 'unknown'" in p.message and p.file.endswith("2022.csv")
               for p in ds.problems)
    a = ds.analysis("slq", measure="production")
    assert "ikan_nila" not in set(a["commodity"])


def test_yield_column_is_a_ratio(tmp_path):
    ds = dataset(tmp_path, {
        "Tanaman Pangan Menurut Kecamatan 2022.csv":
            "Kecamatan,Produksi Jagung (ton),Produksi Ubi Kayu (ton),"
            "Produksi Rata Rata Jagung/Ubi Kayu (kw/ha)\nTonra,100,50,45\nMare,10,90,30\n",
    })
    st = ds.statistics()
    r = st[st["column"].str.contains("Rata")]
    assert len(r) and set(r["kind"]) == {"ratio"} and r["ratio"].all()
    a = ds.analysis("slq", measure="production")
    assert set(a["commodity"]) == {"jagung", "ubi_kayu"}


@pytest.mark.skipif(not (JEMBER / "reference" / "long.csv").exists(), reason="no Jember data")
def test_jember_reference_long_table(tmp_path):
    (tmp_path / "boundaries").mkdir()
    for f in ("desa_jember.gpkg", "kecamatan_jember.gpkg"):
        os.symlink(JEMBER / "boundaries" / f, tmp_path / "boundaries" / f)
    (tmp_path / "statistik").mkdir()
    os.symlink(JEMBER / "reference" / "long.csv", tmp_path / "statistik" / "long.csv")
    ds = Dataset.open(tmp_path)
    st = ds.statistics()
    assert set(st["level"]) == {"desa", "kecamatan"}
    # every desa the books print is found, desa names two kecamatan share ("Ajung") by the
    # row's kecamatan (the 55 of reference/area_crosswalk.csv)
    crosswalk = pd.read_csv(JEMBER / "reference" / "area_crosswalk.csv")
    desa = crosswalk[crosswalk["level"] == "desa"]
    assert set(st.loc[st["level"] == "desa", "code"]) == set(desa["kode"])
    # units as printed, converted within their measure: kw and kg to ton, m2 to ha; tangkai,
    # pohon and ekor kept
    assert {"ton", "ha", "tangkai", "pohon", "ekor"} <= set(st["unit"])
    fam = st.groupby("commodity")["family"].first()
    assert fam["kentang"] == "vegetables" and fam["kopi"] == "estate_crops"
    assert fam["padi_sawah"] == "food_crops" and fam["mangga"] == "fruit"
    # one LQ by hand: estate-crop area of one kecamatan, from the printed table 3.2.1 (its
    # production, 3.2.2, changes unit between 2019 and 2020: set missing, test_breaks.py)
    prod = st[(st["level"] == "kecamatan") & (st["family"] == "estate_crops")
              & (st["measure"] == "production")]
    assert len(prod) and prod["value"].isna().all()
    a = ds.analysis("slq", measure="area", level="kecamatan", period="2020")
    est = a[(a["family"] == "estate_crops") & (a["unit"] == "ha")]
    raw = st[(st["level"] == "kecamatan") & (st["family"] == "estate_crops")
             & (st["measure"] == "area") & (st["year"] == 2020)]
    raw = raw.drop_duplicates(["code", "commodity"])
    row = est.dropna(subset=["slq"]).iloc[0]
    e_ij = raw[(raw["code"] == row["code"]) & (raw["commodity"] == row["commodity"])]["value"]
    e_j = raw[raw["code"] == row["code"]]["value"].sum()
    complete = raw.groupby("code")["value"].apply(lambda v: v.notna().all())
    ref = raw[raw["code"].isin(complete[complete].index)]
    E_i = ref[ref["commodity"] == row["commodity"]]["value"].sum()
    E = ref["value"].sum()
    assert row["slq"] == pytest.approx((e_ij.iat[0] / e_j) / (E_i / E))
    # never across units or families
    assert (a.groupby(["code", "unit", "family"])["e_j"].nunique() <= 1).all()
    assert not np.isinf(a["slq"].dropna()).any() and pd.notna(a["slq"]).any()


def test_growth_from_multi_year_means_where_a_year_is_zero():
    from unggulan.core.activity.growth import average_growth

    v = np.array([[0.0, 10.0, 20.0, 30.0], [0.0, 5.0, 10.0, np.nan],
                  [np.nan, 0.0, 4.0, np.nan]])
    g = average_growth(v, [2019, 2020, 2021, 2022])
    # four years: (mean 2021-22 / mean 2019-20) ** (1 / 2) - 1 = (25 / 5) ** 0.5 - 1
    assert g.g[0] == pytest.approx(5 ** 0.5 - 1)
    assert "means of the first and second half" in g.reason[0]
    # three years or fewer with a zero: undefined, said
    assert np.isnan(g.g[1]) and "zero in 2019" in g.reason[1]
    assert np.isnan(g.g[2])
    assert "insufficient years" in average_growth(np.array([[5.0, np.nan]]), [1, 2]).reason[0]


def test_dlq_outside_plausible_bounds_is_flagged():
    from unggulan.core.activity.dlq import dynamic_lq

    # x in A from 1 to a million in a year (a unit changed, or a table's zeros): DLQ ~ 3e5
    d = pd.DataFrame({
        "code": ["A"] * 4 + ["B"] * 4,
        "commodity": ["x", "y"] * 4,
        "year": [2020, 2020, 2021, 2021] * 2,
        "value": [1, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6]})
    out = dynamic_lq(d)
    a = out[(out["code"] == "A") & (out["commodity"] == "x")].iloc[0]
    assert np.isnan(a["dlq"]) and "outside [0.0001, 10000]" in a["reason"]


def test_hides_in_lembar_and_eggs_in_butir_keep_their_units(tmp_path):
    ds = dataset(tmp_path, {
        "Produksi Hasil Peternakan Menurut Kecamatan 2022.csv":
            "Kecamatan,Kulit Sapi (lembar),Kulit Kambing (lembar),Telur Ayam Ras (butir)\n"
            "Tonra,120,300,90000\nMare,80,500,12000\n",
    })
    st = ds.statistics()
    hides = st[st["commodity_name"].str.startswith("Kulit")]
    assert set(hides["unit"]) == {"lembar"} and set(hides["family"]) == {"hides"}
    eggs = st[st["commodity_name"].str.startswith("Telur")]
    assert set(eggs["unit"]) == {"butir"} and set(eggs["family"]) == {"eggs"}
    assert not any("assumed ton" in p.message for p in ds.problems)
    a = ds.analysis("slq", measure="production")
    # hides compared with hides (in lembar); eggs alone in their group: no LQ by construction
    k = a[(a["name"] == "Tonra") & a["commodity_name"].str.startswith("Kulit Sapi")].iloc[0]
    assert k["e_j"] == pytest.approx(420) and k["unit"] == "lembar"
    assert a[a["family"] == "eggs"]["slq"].isna().all()


def test_livestock_flows_never_win_over_head_counts(tmp_path):
    # a dinas livestock table: population beside animals brought in, sent out, slaughtered
    ds = dataset(tmp_path, {
        "Populasi dan Mutasi Ternak Menurut Kecamatan (ekor) 2022.csv":
            "Kecamatan,Populasi Sapi Potong,Populasi Kambing,Ternak Masuk Sapi Potong,"
            "Ternak Keluar Sapi Potong,Sapi Potong Dipotong\n"
            "Tonra,1200,300,5000,40,80\nMare,800,900,10,30,20\nKahu,400,200,0,5,3\n",
    })
    st = ds.statistics()
    flows = st[st["kind"] == "flow"]
    assert len(flows) == 9 and not flows["commodity"].isin(["sapi_potong"]).any()
    pop = st[(st["commodity"] == "sapi_potong") & (st["kind"] == "commodity")]
    assert sorted(pop["value"]) == [400, 800, 1200]     # head counts, not the 5,000 brought in
    a = ds.analysis("slq", measure="population")
    assert set(a["commodity"]) == {"sapi_potong", "kambing"}


def test_a_blank_cell_leaves_out_only_its_own_group_that_year(tmp_path):
    rows = ["Kecamatan,Tahun,Kentang,Kubis,Padi,Jagung"]
    for y in (2021, 2022):
        for kec, k in zip(KEC[:3], (1, 2, 3)):
            kubis = "" if (kec, y) == ("Tonra", 2022) else str(10 * k + y - 2020)
            rows.append(f"{kec},{y},{5 * k + y - 2020},{kubis},{100 * k + y},{50 * k + y}")
    ds = dataset(tmp_path, {"Produksi Tanaman Menurut Kecamatan (ton).csv":
                            "\n".join(rows) + "\n"})
    a = ds.analysis("slq", measure="production").set_index(["name", "commodity"])
    # Tonra's vegetables miss 2022 (a blank kubis cell): they use 2021 only ...
    assert a.loc[("Tonra", "kentang"), "n_years"] == 1
    # ... while its food crops keep both years
    assert a.loc[("Tonra", "padi_sawah"), "n_years"] == 2
