"""A change of unit between years (a "unit break") is found, reported and kept out of the
location quotients, while real changes (an expansion, one area's boom) are not.

The shape is Jember's: BPS "Kecamatan Dalam Angka 2021" table 3.2.2 prints "(Ton)" over both
years, yet its 2020 coconut and sugar figures are about 100 × 2019's in every kecamatan and its
coffee 1/10 by yield. Fixtures copy that shape on the real kecamatan polygons of Bone (values
made up); the last tests read Jember's checked extraction itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.core.test_extent import BONE_KEC, JEMBER, dataset
from unggulan.base.problems import Problem
from unggulan.core.activity.evidence import chosen_groups, grouped_rows
from unggulan.core.inputs.breaks import set_breaks_missing, unit_breaks

needs_data = pytest.mark.skipif(not BONE_KEC.exists(), reason="../shared/data not present")

AREAS = ("Tonra", "Mare", "Kahu", "Salomekko", "Libureng")
# hectares per kecamatan of kelapa, kopi, tembakau (nearly the same both years)
HA = {"Tonra": (24, 0, 410), "Mare": (713, 0, 1133), "Kahu": (142, 162, 396),
      "Salomekko": (66, 544, 36), "Libureng": (40, 0, 394)}
# tonnes in 2019; in 2020 the kelapa column is in another unit (×100), the rest unchanged
T2019 = {"Tonra": (31, 0, 62), "Mare": (950, 0, 170), "Kahu": (180, 110, 60),
         "Salomekko": (85, 380, 5), "Libureng": (52, 0, 59)}


def _table(title: str, rows: dict, scale=(1, 1, 1)) -> tuple[str, str]:
    body = "".join(f"{a},{','.join(str(round(v * s, 2)) for v, s in zip(vals, scale))}\n"
                   for a, vals in rows.items())
    return f"{title}.csv", "Kecamatan,Kelapa,Kopi,Tembakau\n" + body


def _estate(production_2020_scale=(100, 1, 1), area_2020_scale=(1, 1, 1)):
    return (
        _table("Luas Areal Tanaman Perkebunan Menurut Kecamatan (ha) 2019", HA),
        _table("Luas Areal Tanaman Perkebunan Menurut Kecamatan (ha) 2020", HA,
               area_2020_scale),
        _table("Produksi Tanaman Perkebunan Menurut Kecamatan (ton) 2019", T2019),
        _table("Produksi Tanaman Perkebunan Menurut Kecamatan (ton) 2020", T2019,
               production_2020_scale),
    )


@needs_data
def test_a_change_of_unit_between_years_is_reported_and_kept_out_of_the_lqs(tmp_path):
    ds = dataset(tmp_path, *_estate())
    msgs = [p.message for p in ds.problems if "unit or the method changed" in p.message]
    assert len(msgs) == 1
    assert msgs[0].startswith("kelapa production (ton, kecamatan): the 2020 values are ×100 "
                              "those of 2019 in 5 of the 5 areas reporting both years "
                              "(judged by the yield per hectare)")
    assert "Produksi Tanaman Perkebunan" in msgs[0]          # the cell it was read from
    st = ds.statistics()
    prod = st[st["measure"] == "production"]
    # the whole group goes: tobacco's tonnes would be shares of a total without coconuts
    assert len(prod) == 30 and prod["value"].isna().all()
    assert st.loc[st["measure"] == "area", "value"].notna().all()
    cand = ds.candidates("kecamatan", top=3)
    estate = cand[cand["commodity"].isin(["kelapa", "kopi", "tembakau"])
                  & cand["slq"].notna()]
    assert len(estate) and (estate["stat_measure"] == "area").all()
    assert not estate["reason_id"].str.contains("LQ produksi").any()


@needs_data
def test_without_the_break_production_carries_the_lq(tmp_path):
    """The control: the same tables with one unit in both years keep their production."""
    ds = dataset(tmp_path, *_estate(production_2020_scale=(1.1, 0.9, 1.05)))
    assert not [p for p in ds.problems if "unit or the method changed" in p.message]
    cand = ds.candidates("kecamatan", top=3)
    tb = cand[(cand["commodity"] == "tembakau") & cand["slq"].notna()]
    assert len(tb) and (tb["stat_measure"] == "production").all()


def _long(values: dict, measure="production", unit="ton", commodity="porang") -> pd.DataFrame:
    """Long statistics rows: ``{area: (2019, 2020)}``."""
    return pd.DataFrame([
        dict(code=a, level="kecamatan", commodity=commodity, measure=measure, unit=unit,
             family="estate_crops", year=y, value=v, ratio=False, source=f"t.csv!{a}",
             file="t.csv")
        for a, pair in values.items() for y, v in zip((2019, 2020), pair)])


def test_a_real_expansion_is_not_a_break_because_the_land_grew_too():
    """Porang in East Java 2019-2020: output ×10 everywhere, because planting grew ×10. By
    yield nothing jumped; without the land the same figures would read as a unit change."""
    output = {a: (10 + i, (10 + i) * 10.5) for i, a in enumerate(AREAS)}
    land = {a: (2 + i, (2 + i) * 10) for i, a in enumerate(AREAS)}
    both = pd.concat([_long(output), _long(land, "harvested_area", "ha")], ignore_index=True)
    assert unit_breaks(both).empty
    alone = unit_breaks(_long(output))
    assert len(alone) == 1 and alone["basis"].iat[0] == "value"
    assert alone["factor"].iat[0] == pytest.approx(10.5)


def test_of_a_production_and_its_land_the_one_that_moved_is_the_break():
    """The land printed in m² one year (×10,000) and the output steady: the yield jumps, and
    the land is the series whose values moved."""
    output = {a: (10 + i, 11 + i) for i, a in enumerate(AREAS)}
    land = {a: (2 + i, (2 + i) * 10_000) for i, a in enumerate(AREAS)}
    found = unit_breaks(pd.concat([_long(output), _long(land, "harvested_area", "ha")],
                                  ignore_index=True))
    assert found["measure"].tolist() == ["harvested_area"]
    assert found["basis"].iat[0] == "yield"


def test_one_areas_jump_and_scattered_changes_are_not_breaks():
    steady = {a: (100, 100 * (1 + 0.05 * i)) for i, a in enumerate(AREAS)}
    one_boom = dict(steady, Tonra=(100, 10_000))              # a new mill in one kecamatan
    assert unit_breaks(_long(one_boom)).empty
    scattered = dict(zip(AREAS, [(10, 200), (10, 3), (10, 10), (10, 500), (10, 90)]))
    assert unit_breaks(_long(scattered)).empty                 # median ×9, and no agreement
    few = {"Tonra": (10, 1000), "Mare": (20, 2000)}          # two areas judge nothing
    assert unit_breaks(_long(few)).empty
    # a year of zeros (nil) is no ratio: the break needs values on both sides
    nil = {a: (10 * (i + 1), 0) for i, a in enumerate(AREAS)}
    assert unit_breaks(_long(nil)).empty


def test_set_missing_takes_the_group_and_says_where():
    broken = _long({a: (10 + i, (10 + i) * 1000) for i, a in enumerate(AREAS)}, commodity="tebu")
    other = _long({a: (5, 6) for a in AREAS}, commodity="tembakau")
    livestock = _long({a: (50, 55) for a in AREAS}, "population", "ekor", "sapi_potong")
    st = pd.concat([broken, other, livestock], ignore_index=True)
    problems: list[Problem] = []
    out = set_breaks_missing(st, problems)
    assert [p.file for p in problems] == ["t.csv"] and problems[0].field == "production"
    assert "tebu production (ton, kecamatan): the 2020 values are ×1,000 those of 2019" \
        in problems[0].message and "[t.csv!" in problems[0].message
    assert out.loc[out["measure"] == "production", "value"].isna().all()
    assert out.loc[out["measure"] == "population", "value"].notna().all()
    assert st["value"].notna().all()                          # the input is not changed


def test_a_group_without_values_is_not_chosen():
    """Each commodity's evidence uses its first measure *with values*: production set missing
    gives way to the area."""
    prod = _long({a: (np.nan, np.nan) for a in AREAS}, commodity="kelapa")
    area = _long({a: (3, 4) for a in AREAS}, "area", "ha", "kelapa")
    rows = grouped_rows(pd.concat([prod, area], ignore_index=True), "kecamatan")
    assert set(chosen_groups(rows)["measure"]) == {"area"}


@pytest.mark.skipif(not (JEMBER / "reference" / "long.csv").exists(), reason="no Jember data")
def test_jember_unit_changes_are_the_ones_its_readme_lists():
    """The checked extraction of the six books: the breaks found are table 3.2.2's coconut,
    sugar and coffee between 2019 and 2020 (the data README: "2020 Kelapa and Kristal Tebu
    are about 100 × 2019, and Kopi is 1/20 of 2019"), and nothing else of its 18 tables."""
    long = pd.read_csv(JEMBER / "reference" / "long.csv")
    prods = {"Kelapa": "kelapa", "Kopi": "kopi", "Kristal Tebu": "tebu"}
    st = long.assign(code=long["kecamatan"] + "/" + long["desa"].fillna(""),
                     commodity=long["commodity"].map(prods).fillna(long["commodity"]),
                     ratio=False, source=long["source_pdf"], file=long["source_pdf"])
    # long.csv keeps each book's copy of the kabupaten tables: one copy per cell
    st = st.drop_duplicates(["code", "level", "commodity", "measure", "unit", "year"])
    found = unit_breaks(st)
    assert sorted(found["commodity"]) == ["kelapa", "kopi", "tebu"]
    assert set(found["measure"]) == {"production"} and set(found["basis"]) == {"yield"}
    assert (found["year_before"] == 2019).all() and (found["year"] == 2020).all()
    f = found.set_index("commodity")["factor"]
    assert 80 < f["kelapa"] < 130 and 80 < f["tebu"] < 130 and 0.05 < f["kopi"] < 0.2
