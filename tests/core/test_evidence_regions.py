"""The statistics' evidence of every kabupaten in one pass (``activity.regions``) gives, bit
for bit, what each kabupaten alone gives (``statistics_evidence`` on its rows, reference
``dataset``): tables in the shapes BPS and dinas publish them (zeros left out of long tables,
missing cells, a kecamatan absent one year, a table absent one year, several measures,
units and families, a single-commodity group, more than eight commodities, one year)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unggulan.core.activity.evidence import grouped_rows, statistics_evidence
from unggulan.core.activity.extent import extent_shares, with_extent
from unggulan.core.activity.regions import evidence_by_region, evidence_for_level

CROPS = ["padi", "jagung", "kedelai", "kacang tanah", "ubi kayu", "ubi jalar", "cabai",
         "bawang merah", "tomat", "kopi", "kakao", "kelapa"]
LIVESTOCK = ["sapi potong", "kambing", "ayam buras"]


def _statistics(seed: int, years=range(2016, 2023)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kecamatan rows of five kabupaten: production (ton) of crops (one long table per year,
    zeros left out), harvested area (ha) of some crops, livestock population (ekor), a
    kabupaten with a single commodity in a group; gaps of every kind."""
    rng = np.random.default_rng(seed)
    kec = pd.DataFrame({"code": [f"{k}.{j:02d}" for k in ("11.01", "11.02", "12.01", "12.02",
                                                           "13.05") for j in range(1, 7)]})
    kec["kabupaten_code"] = kec["code"].str[:5]
    rows = []
    for t, year in enumerate(years):
        for code, kab in kec[["code", "kabupaten_code"]].itertuples(index=False):
            if rng.random() < 0.05:
                continue                      # the kecamatan did not report this year
            crops = CROPS if kab != "13.05" else CROPS[:9]
            for c in crops:
                if rng.random() < 0.2:
                    continue                  # nil left out of the long table
                v = float(rng.gamma(2.0, 500.0)) * (1 + 0.05 * t)
                if rng.random() < 0.03:
                    v = np.nan                # a missing cell
                rows.append((code, c, year, v, "production", "ton", "pangan",
                             f"prod{year}", f"prod.csv!{year}:{c}"))
            if year != 2019:                  # the harvested-area table is absent in 2019
                for c in ("kopi", "kakao"):
                    rows.append((code, c, year, float(rng.gamma(2.0, 50.0)),
                                 "harvested_area", "ha", "perkebunan", f"area{year}", None))
            animals = LIVESTOCK if kab != "12.02" else LIVESTOCK[:1]
            for c in animals:
                if rng.random() < 0.1:
                    continue
                rows.append((code, c, year, float(rng.integers(0, 4000)), "population",
                             "ekor", "ternak", f"ternak{year}", f"ternak.csv!{year}:{c}"))
    st = pd.DataFrame(rows, columns=["code", "commodity", "year", "value", "measure", "unit",
                                     "family", "table", "source"])
    st["level"] = "kecamatan"
    st["ratio"] = False
    st["kind"] = "commodity"
    return st, kec.set_index("code", drop=False)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal bit for bit; the dtypes the one pass gives (one kabupaten alone gives the
    quadrant as object or as text depending on whether a group has a single commodity).
    The extent shares ``evidence_for_level`` adds are compared on their own."""
    got = got.drop(columns=[c for c in ("extent_share", "extent_measure", "land_share")
                            if c in got and c not in want])
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)
    for c in ("stat_value", "stat_share", "slq", "dlq"):
        assert got[c].dtype == np.float64, c
    for c in ("period_start", "period_end"):
        assert got[c].dtype == np.int64, c
    for c in ("code", "commodity", "quadrant", "quadrant_en", "stat_measure"):
        assert pd.api.types.is_string_dtype(got[c].dtype), c


def _one_by_one(st: pd.DataFrame, kab: pd.Series, period=None) -> pd.DataFrame:
    """The definition: each kabupaten alone, reference its own total, in sorted order."""
    parts = []
    for k in sorted(kab.unique()):
        mine = st[st["code"].map(kab).eq(k).to_numpy()]
        ev = statistics_evidence(mine, "kecamatan", period, "dataset")
        if len(ev):
            parts.append(ev)
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("period", [None, (2018, 2022), (2020, 2020), (2019, 2019)])
def test_one_pass_equals_each_kabupaten_alone(seed, period):
    st, kec = _statistics(seed)
    kab = kec["kabupaten_code"]
    want = _one_by_one(st, kab, period)
    got = evidence_by_region(grouped_rows(st, "kecamatan"), kab, "kecamatan", period)
    _same(got, want)
    # a real comparison: LQ, DLQ and quadrants are there, and differ between kabupaten
    assert got["slq"].notna().sum() > 100
    if period != (2020, 2020) and period != (2019, 2019):
        assert got["quadrant"].notna().sum() > 50


def test_through_evidence_for_level_and_single_commodity_groups():
    st, kec = _statistics(4)
    kab = kec["kabupaten_code"]
    got = evidence_for_level(st, {"kecamatan": kec}, "kecamatan")
    _same(got, _one_by_one(st, kab))
    # each row's extent share is the area's own (extent_shares), whatever the reference
    ext = extent_shares(st, "kecamatan").set_index(["code", "commodity"])["extent_share"]
    mine = ext.reindex(pd.MultiIndex.from_frame(got[["code", "commodity"]])).to_numpy()
    np.testing.assert_array_equal(got["extent_share"].to_numpy(float), mine)
    assert got["extent_share"].notna().any()
    # kabupaten 12.02 has one livestock commodity: its share and LQ are 1 by construction,
    # so not shown; the other kabupaten's sapi potong has an LQ
    sapi = got[got["commodity"] == "sapi potong"]
    assert sapi[sapi["code"].str.startswith("12.02")]["slq"].isna().all()
    assert sapi[~sapi["code"].str.startswith("12.02")]["slq"].notna().any()
    # each kabupaten picks its own measure: kabupaten 13.05 has no production table of kopi,
    # so there kopi is compared with kakao by harvested area; elsewhere by production
    kopi = got[got["commodity"] == "kopi"]
    in_1305 = kopi["code"].str.startswith("13.05")
    assert set(kopi.loc[in_1305, "stat_measure"]) == {"harvested_area"}
    assert set(kopi.loc[~in_1305, "stat_measure"]) == {"production"}


def test_kabupaten_without_rows_and_codes_without_kabupaten():
    st, kec = _statistics(5)
    kab = kec["kabupaten_code"].copy()
    kab = pd.concat([kab, pd.Series({"14.01.01": "14.01"})])       # a kabupaten, no rows
    st = pd.concat([st, st.iloc[:3].assign(code="99.99.99")])       # rows of no known area
    got = evidence_by_region(grouped_rows(st, "kecamatan"), kab, "kecamatan")
    want = _one_by_one(st[st["code"] != "99.99.99"], kab[kab.index != "14.01.01"])
    _same(got, want)


@pytest.mark.parametrize("categorical_from", [10**9, 0])
def test_desa_inherit_their_kecamatan_rows(monkeypatch, categorical_from):
    """Desa without statistics of their own take their kecamatan's rows, in the order an
    inner merge of the desa and the kecamatan rows gives; large frames hold text as
    categoricals with the same values."""
    import unggulan.core.activity.regions as regions

    monkeypatch.setattr(regions, "CATEGORICAL_FROM", categorical_from)
    st, kec = _statistics(6)
    desa = pd.DataFrame({"code": [f"{k}.{i:03d}" for k in kec["code"] for i in (1, 2, 3)]})
    desa["kecamatan_code"] = desa["code"].str[:8]
    desa["kabupaten_code"] = desa["code"].str[:5]
    desa = desa[desa["kecamatan_code"] != "11.01.03"]         # a kecamatan without desa
    own = st[st["code"] == "12.01.02"].assign(code="12.01.02.001", level="desa")
    own = pd.concat([own, own.assign(code="12.01.02.003")])
    rows = pd.concat([st, own], ignore_index=True)
    areas = {"kecamatan": kec, "desa": desa.set_index("code", drop=False)}
    got = evidence_for_level(rows, areas, "desa")
    kec_ev = evidence_for_level(rows, areas, "kecamatan")
    own_ev = with_extent(evidence_by_region(grouped_rows(rows, "desa"),
                                            areas["desa"]["kabupaten_code"], "desa"),
                         extent_shares(rows, "desa"))
    inherited = desa[["code", "kecamatan_code"]].merge(
        kec_ev.rename(columns={"code": "kecamatan_code"}), on="kecamatan_code")
    inherited = inherited.drop(columns="kecamatan_code")
    inherited = inherited[~inherited["code"].isin(set(own_ev["code"]))]
    want = pd.concat([own_ev, inherited], ignore_index=True)
    assert len(got) == len(want) > len(own_ev) > 0
    pd.testing.assert_frame_equal(got.astype(object), want.astype(object), check_exact=True)
    assert set(got.loc[got["code"] == "12.01.02.001", "stat_level"]) == {"desa"}
    assert set(got.loc[got["code"] == "12.01.02.002", "stat_level"]) == {"kecamatan"}
    if categorical_from == 0:
        assert isinstance(got["stat_measure"].dtype, pd.CategoricalDtype)
        assert got["slq"].dtype == np.float64
    else:
        assert pd.api.types.is_string_dtype(got["stat_measure"].dtype)
