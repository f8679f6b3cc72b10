"""Bad inputs from real planners' files (issue #23 item 2): each gets a specific message
(file, row or field, what is wrong, what to do) or a documented automatic fix that is
reported in ``ds.problems``.

grid_desa() (tests/helpers.py): 2 kecamatan x 3 desa, 0.01-degree squares from lon 120.00
eastwards at lat -5.00 .. -4.99; codes 73.08.01.2001-2003 ("Desa 1-1".."Desa 1-3") and
73.08.02.2001-2003 ("Desa 2-1".."Desa 2-3"), Kemendagri, left to right.
"""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import io
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from openpyxl import Workbook
from rasterio.transform import from_origin
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from tests.conftest import ROOT
from tests.helpers import grid_desa, make_dataset, run_cli
from unggulan import Dataset
from unggulan.core.inputs.codes import PROVINCE_FIRST_DIGITS, clean_code
from unggulan.core.inputs.rasters import check_coverage, find_rasters
from unggulan.io.readers import open_table, read_table


def _messages(ds: Dataset, severity: str | None = None) -> list[str]:
    return [str(p) for p in ds.problems if severity is None or p.severity == severity]


def _one(ds: Dataset, *words: str, severity: str | None = None) -> str:
    """The one problem whose text holds every word."""
    hits = [m for m in _messages(ds, severity) if all(w in m for w in words)]
    assert len(hits) == 1, (words, _messages(ds))
    return hits[0]


def _validate(folder: Path, code: int, *words: str) -> str:
    res = run_cli("validate", "--data", str(folder))
    text = res.stdout + res.stderr
    assert res.returncode == code, text
    assert "Traceback" not in text
    flat = " ".join(text.split())  # rich may wrap long lines of the error panel
    for w in words:
        assert w in flat, f"{w!r} not in {text!r}"
    return text


def _sentra_csv(folder: Path, text: str, name: str = "sentra.csv",
                desa: gpd.GeoDataFrame | None = None) -> Dataset:
    make_dataset(folder, desa=desa, sentra=text, sentra_name=name)
    return Dataset.open(folder)


# ------------------------------------------------------------------------------ codes


@pytest.mark.parametrize("system, as_number", [
    ("kemendagri", "int64"),         # 7308012001
    ("kemendagri", "float64"),       # 7308012001.0, a float column
    ("kemendagri", "text .0"),       # "7308012001.0", Excel's float as text
    ("province 11", "int64"),        # 1101012001: Aceh, the lowest province code
    ("bps", "float64"),              # 7311010001.0
])
def test_codes_stored_as_numbers_read_exactly_and_reported(tmp_path, system, as_number):
    desa = grid_desa(system="bps" if system == "bps" else "kemendagri")
    if system == "province 11":
        desa["kode"] = desa["kode"].str.replace("73.08", "11.01", regex=False)
    want = list(desa["kode"])
    digits = desa["kode"].str.replace(".", "", regex=False)
    desa["kode"] = (digits.astype("int64") if as_number == "int64"
                    else digits.astype("float64") if as_number == "float64"
                    else digits + ".0")
    make_dataset(tmp_path, desa)
    ds = Dataset.open(tmp_path)
    assert list(ds.areas("desa")["code"]) == want  # nothing lost, same form as typed codes
    assert ds.layer_info["desa"].code_system == ("bps" if system == "bps" else "kemendagri")
    msg = _one(ds, "stored as numbers", "read as text", severity="info")
    assert "column 'kode'" in msg and "no leading zero was lost" in msg


def test_kecamatan_layer_codes_as_numbers(tmp_path):
    make_dataset(tmp_path)
    kec = gpd.GeoDataFrame({"kode_kec": [730801, 730802], "nama_kec": ["Kahu", "Bontocani"]},
                           geometry=[box(120.0, -5.0, 120.03, -4.99),
                                     box(120.03, -5.0, 120.06, -4.99)], crs="EPSG:4326")
    kec.to_file(tmp_path / "boundaries" / "kecamatan.gpkg", layer="kecamatan")
    ds = Dataset.open(tmp_path)
    kec_out = ds.areas("kecamatan")
    assert dict(zip(kec_out["code"], kec_out["name"])) == {"73.08.01": "Kahu",
                                                           "73.08.02": "Bontocani"}
    assert any("kecamatan.gpkg" in m and "stored as numbers (e.g. 730801)" in m
               for m in _messages(ds, "info"))


def test_codes_never_start_with_zero_in_the_real_layers(bone_dir, malang_dir):
    # the reason a code stored as a number cannot lose a leading zero: there is none
    layers = [bone_dir / "boundaries" / "desa_bone.gpkg",
              bone_dir / "boundaries" / "kecamatan_bone.gpkg",
              malang_dir / "boundaries" / "desa_malang_batu.gpkg",
              malang_dir / "boundaries" / "kecamatan_jatim.gpkg"]
    firsts = set()
    for path in layers:
        frame = gpd.read_file(path, ignore_geometry=True)
        col = "kode" if "kode" in frame else ("kode_desa" if "kode_desa" in frame
                                              else "kode_kec")
        firsts |= {clean_code(c)[0] for c in frame[col]}
    assert firsts <= PROVINCE_FIRST_DIGITS and "0" not in firsts
    assert {"3", "7"} <= firsts  # Jawa Timur 35, Sulawesi Selatan 73


def test_desa_code_that_lost_a_digit(tmp_path):
    desa = grid_desa()
    desa["kode"] = desa["kode"].str.replace(".", "", regex=False).astype("int64")
    desa.loc[0, "kode"] = 730801200  # 9 digits: a digit lost while typing
    make_dataset(tmp_path, desa)
    ds = Dataset.open(tmp_path)
    msg = _one(ds, "1 feature(s) without a valid desa code were left out", severity="warning")
    assert "['730801200']" in msg
    assert "9 digits where a desa code has 10: a digit is missing" in msg
    assert "not a lost leading zero" in msg
    assert len(ds.areas("desa")) == 5


def test_sentra_codes_as_excel_floats_and_scientific_notation(tmp_path):
    table = ("komoditas,kode_desa\n"
             "kakao,7308012001.0\n"      # row 2: Excel float as text: fixed, reported
             "kakao,7.30801E+09\n"       # row 3: Excel's scientific notation: digits lost
             "kakao,73.08.02.2003\n")    # row 4: a code as typed
    ds = _sentra_csv(tmp_path, table)
    s = ds.sentra()
    assert list(s["desa_code"].fillna("-")) == ["73.08.01.2001", "-", "73.08.02.2003"]
    msg = _one(ds, "written as decimal numbers", severity="info")
    assert "row 2" in msg and "'7308012001.0'" in msg and "(73.08.01.2001)" in msg
    why = s.at[1, "unplaced_reason"]
    assert "desa code '7.30801E+09' is not a code: written in scientific notation" in why
    assert "format the column as Text" in why


def test_sentra_xlsx_code_cells_as_numbers(tmp_path):
    make_dataset(tmp_path)
    book = Workbook()
    ws = book.active
    ws.append(["Komoditas", "Kode Desa", "Tenaga Kerja"])
    ws.append(["kakao", 7308012001, 4])          # an integer cell
    ws.append(["kakao", 7308022003.0, 5])        # a float cell
    ws.append(["kakao", "73.08.01.2002", 6])     # text
    (tmp_path / "sentra").mkdir()
    book.save(tmp_path / "sentra" / "sentra.xlsx")
    s = Dataset.open(tmp_path).sentra()
    assert list(s["desa_code"]) == ["73.08.01.2001", "73.08.02.2003", "73.08.01.2002"]
    assert list(s["workers"]) == [4, 5, 6]


# ------------------------------------------------------------------------------ years


def test_sentra_year_as_excel_dates_and_serials(tmp_path):
    make_dataset(tmp_path)
    book = Workbook()
    ws = book.active
    ws.append(["komoditas", "kode_desa", "tahun_mulai"])
    ws.append(["kakao", "73.08.01.2001", dt.datetime(2015, 1, 1)])   # row 2: a date cell
    ws.append(["kakao", "73.08.01.2002", 42005])                      # row 3: 2015-01-01
    ws.append(["kakao", "73.08.01.2003", dt.date(2016, 3, 1)])        # row 4: a date cell
    ws.append(["kakao", "73.08.02.2001", 2010])                       # row 5: a year
    ws.append(["kakao", "73.08.02.2002", 20915])                      # row 6: a typo
    (tmp_path / "sentra").mkdir()
    book.save(tmp_path / "sentra" / "sentra.xlsx")
    ds = Dataset.open(tmp_path)
    years = ds.sentra()["year"].tolist()
    # Excel counts days from 1899-12-30: 42005 days later is 2015-01-01;
    # 20915 days later is 1957-04-05: read as 1957, and said so
    assert years == [2015, 2015, 2016, 2010, 1957]
    msg = _one(ds, "year cell(s) held a date instead of a year", severity="info")
    assert msg.startswith(str(tmp_path / "sentra" / "sentra.xlsx") + ", row 2, column "
                          "'tahun_mulai': 4 year cell(s)")
    assert "row 2: '2015-01-01 00:00:00' -> 2015" in msg
    assert "row 3: 42005 (an Excel date serial, 2015-01-01) -> 2015" in msg
    assert "row 6: 20915 (an Excel date serial, 1957-04-05) -> 1957" in msg
    assert "Type the year alone" in msg


def test_sentra_year_as_dates_in_a_csv(tmp_path):
    table = ("komoditas;kode_desa;tahun_mulai\n"
             "kakao;73.08.01.2001;01/07/2012\n"    # day/month/year as Excel exports it
             "kakao;73.08.01.2002;2014-05-31\n"
             "kakao;73.08.01.2003;2031\n")          # a year in the future stays an error
    ds = _sentra_csv(tmp_path, table)
    years = ds.sentra()["year"].tolist()
    assert years[:2] == [2012, 2014] and np.isnan(years[2])
    assert "row 2: '01/07/2012' -> 2012" in _one(ds, "held a date", severity="info")
    _one(ds, "row 4", "year started 2031 must be a whole number in 1800..", severity="warning")


def _statistics_book(path: Path, years: list) -> None:
    book = Workbook()
    ws = book.active
    ws.title = "produksi"
    ws.append(["kode_kecamatan", "komoditas", "tahun", "produksi_ton"])
    for code in ("730801", "730802"):
        for k, y in enumerate(years):
            ws.append([code, "Kakao", y, 10 + k])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def test_statistics_year_column_as_dates(tmp_path):
    make_dataset(tmp_path)
    _statistics_book(tmp_path / "statistik" / "kakao.xlsx",
                     [dt.datetime(2021, 1, 1), dt.datetime(2022, 1, 1)])
    ds = Dataset.open(tmp_path)
    st = ds.statistics(measure="production")
    assert sorted(set(st["year"].astype(int))) == [2021, 2022]
    assert st.loc[st["year"] == 2022, "value"].tolist() == [11, 11]


def test_statistics_year_column_as_excel_serials(tmp_path):
    make_dataset(tmp_path)
    _statistics_book(tmp_path / "statistik" / "kakao.xlsx", [44197])
    st = Dataset.open(tmp_path).statistics()
    assert "tahun" not in set(st["column"])  # never a value
    assert st["year"].tolist() == [2021, 2021]


# ------------------------------------------------------------------------------ CRS


def test_projected_layer_is_reprojected_and_reported(tmp_path):
    desa = grid_desa().to_crs("EPSG:32750")
    make_dataset(tmp_path, desa)
    ds = Dataset.open(tmp_path)
    x0, y0, x1, y1 = ds.areas("desa").total_bounds
    assert (x0, y0, x1, y1) == pytest.approx((120.0, -5.0, 120.06, -4.99), abs=1e-7)
    msg = _one(ds, "reprojected to EPSG:4326", severity="info")
    assert "the layer is in EPSG:32750 (WGS 84 / UTM zone 50S)" in msg
    assert ds.layer_info["desa"].source_crs == "EPSG:32750"
    _validate(tmp_path, 0, "EPSG:32750 (WGS 84 / UTM zone 50S); it was reprojected")


def _shapefile(folder: Path, gdf: gpd.GeoDataFrame) -> Path:
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    gdf.to_file(folder / "boundaries" / "desa.shp")
    return folder / "boundaries" / "desa.shp"


def test_degrees_with_a_utm_prj(tmp_path):
    # an agency's export: lon/lat numbers, but the .prj of UTM zone 50S
    shp = _shapefile(tmp_path, grid_desa().set_crs("EPSG:32750", allow_override=True))
    assert "UTM" in shp.with_suffix(".prj").read_text()
    _validate(tmp_path, 2, "desa.shp", "x 120.0000 to 120.0600, y -5.0000 to -4.9900",
              "look like degrees of longitude and latitude",
              "file's CRS (its .prj) is EPSG:32750 (WGS 84 / UTM zone 50S)",
              'Set crs = "EPSG:4326" under [boundaries.desa] in dataset.toml')
    # the fix the message names: crs in dataset.toml overrides the .prj, and says so
    (tmp_path / "dataset.toml").write_text('[boundaries.desa]\ncrs = "EPSG:4326"\n')
    ds = Dataset.open(tmp_path)
    assert ds.areas("desa").total_bounds[0] == pytest.approx(120.0)
    msg = _one(ds, "from dataset.toml was used instead", severity="info")
    assert "the file says its CRS is EPSG:32750" in msg


def test_metres_with_a_wgs84_prj(tmp_path):
    utm = grid_desa().to_crs("EPSG:32750")
    _shapefile(tmp_path, utm.set_crs("EPSG:4326", allow_override=True))
    text = _validate(tmp_path, 2, "desa.shp", "cannot be degrees",
                     "file's CRS (its .prj) is EPSG:4326 (WGS 84)",
                     "metres of UTM south of the equator", "EPSG:32746-32754",
                     "EPSG:32750 for 114-120°E", 'Set crs = "EPSG:327NN"',
                     "[boundaries.desa]")
    # the eastings and northings as they are in the file (UTM 50S, near its east edge)
    assert "x 832,714 to 839,379, y 9,446,545 to 9,447,683" in " ".join(text.split())
    (tmp_path / "dataset.toml").write_text('[boundaries.desa]\ncrs = "EPSG:32750"\n')
    ds = Dataset.open(tmp_path)
    assert ds.areas("desa").total_bounds == pytest.approx((120.0, -5.0, 120.06, -4.99),
                                                          abs=1e-6)
    _one(ds, "the file says its CRS is EPSG:4326", "crs = \"EPSG:32750\"", severity="info")


def test_web_mercator_numbers_under_a_wgs84_prj(tmp_path):
    merc = grid_desa().to_crs("EPSG:3857").set_crs("EPSG:4326", allow_override=True)
    make_dataset(tmp_path, merc)
    with pytest.raises(Exception) as err:
        Dataset.open(tmp_path)
    assert "metres of Web Mercator (EPSG:3857" in str(err.value)
    assert 'crs = "EPSG:3857"' in str(err.value)


def test_utm_layer_in_the_wrong_zone_lies_outside_indonesia(tmp_path):
    # UTM numbers of zone 50S (central meridian 117°E) declared as zone 30S (3°W): the
    # same offsets from the central meridian put the desa at lon 0.00 to 0.06, off Africa
    wrong = grid_desa().to_crs("EPSG:32750").set_crs("EPSG:32730", allow_override=True)
    make_dataset(tmp_path, wrong)
    ds = Dataset.open(tmp_path)
    msg = _one(ds, "outside Indonesia", severity="warning")
    assert "the layer lies at lon 0.000 to 0.060, lat -5.000 to -4.990, outside Indonesia" \
        in msg
    assert "is its CRS right (a UTM layer in the wrong zone?)" in msg


# ------------------------------------------------------------------------------ geometry


def test_mixed_null_and_empty_geometries(tmp_path):
    desa = grid_desa()
    sq = list(desa.geometry)
    x0, y0, x1, y1 = sq[2].bounds
    desa["geometry"] = [
        sq[0],                                                           # Polygon
        MultiPolygon([sq[1]]),                                           # MultiPolygon
        GeometryCollection([sq[2], LineString([(x0, y0), (x1 + 0.02, y1)]),
                            Point(x0 - 0.01, y0)]),                     # polygon + line + point
        None,                                                            # null
        Polygon(),                                                       # empty
        GeometryCollection([LineString([(x0, y0), (x1, y1)]), Point(x0, y0)]),  # no polygon
    ]
    make_dataset(tmp_path, desa)
    ds = Dataset.open(tmp_path)
    a = ds.areas("desa")
    assert list(a["code"]) == ["73.08.01.2001", "73.08.01.2002", "73.08.01.2003"]
    assert set(a.geom_type) <= {"Polygon", "MultiPolygon"}
    # the collection keeps its square: the line and the point are dropped, nothing added
    assert a.loc["73.08.01.2003"].geometry.equals(sq[2])
    assert ds.layer_info["desa"].repaired == 1 and ds.layer_info["desa"].dropped == 3
    repaired = _one(ds, "1 geometry repaired", severity="info")
    assert "1 GeometryCollection(s) cut to their polygons (lines and points inside dropped): " \
           "73.08.01.2003" in repaired
    nogeom = _one(ds, "2 feature(s) with no geometry", severity="error")
    assert "(1 null: 73.08.02.2001; 1 empty: 73.08.02.2002)" in nogeom
    assert "draw their polygons or delete the rows" in nogeom
    nopoly = _one(ds, "1 feature(s) with no polygon", severity="error")
    assert nopoly.endswith("were left out: 73.08.02.2003")
    _validate(tmp_path, 1, "desa.gpkg, column 'geometry': 2 feature(s) with no geometry",
              "1 GeometryCollection(s) cut to their polygons", "not usable")


# ------------------------------------------------------------------------------ names


@pytest.fixture(scope="module")
def malang_batu_sentra(malang_dir, tmp_path_factory):
    """The real desa of Kabupaten Malang (35.07) and Kota Batu (35.79), read in place, with
    sentra placed by names that occur in both."""
    folder = tmp_path_factory.mktemp("malang_batu")
    layer = malang_dir / "boundaries" / "desa_malang_batu.gpkg"
    (folder / "dataset.toml").write_text(f'[boundaries.desa]\npath = "{layer}"\n')
    (folder / "sentra").mkdir()
    (folder / "sentra" / "sentra.csv").write_text(
        "komoditas,desa,kecamatan\n"
        "apel,Sidomulyo,\n"              # row 2: Jabung (35.07) and Batu (35.79)
        "apel,Sidomulyo,Batu\n"          # row 3: the kecamatan decides
        "apel,Gunungsary,\n"             # row 4: a typo of Gunungsari (Tajinan and Bumiaji)
        "apel,Desa Gunungsari,Kec. Bumiaji\n"   # row 5
        "apel,Sumberejo,\n"              # row 6: three in 35.07, one in 35.79
        "apel,Ampeldento,\n")            # row 7: twice, both in 35.07
    return Dataset.open(folder)


def test_same_desa_name_in_two_kabupaten_is_not_guessed(malang_batu_sentra):
    s = malang_batu_sentra.sentra()
    assert s["desa_code"].tolist()[1] == "35.79.01.2007"
    assert s["desa_code"].tolist()[3] == "35.79.02.2002"
    for i in (0, 2, 4):
        assert pd.isna(s.at[i, "desa_code"])
        assert "kabupaten (35.07, 35.79;" in s.at[i, "unplaced_reason"]
        assert "not guessed across kabupaten; give the kecamatan or the desa code" \
            in s.at[i, "unplaced_reason"]
    assert s.at[0, "unplaced_reason"] == (
        "desa name 'Sidomulyo' is in 2 kabupaten (35.07, 35.79; 2 desa, kecamatan 35.07.17 "
        "Jabung, 35.79.01 Batu): not guessed across kabupaten; give the kecamatan or the desa "
        "code")
    assert "4 desa" in s.at[4, "unplaced_reason"]
    # within one kabupaten the message stays the kecamatan one
    assert s.at[5, "unplaced_reason"].startswith("desa name 'Ampeldento' matches 2 desa in "
                                                 "kecamatan 35.07.18, 35.07.23")


# ------------------------------------------------------------------------------ rasters


def _raster(folder: Path, name: str, values: np.ndarray, *, origin=(119.99, -4.98),
            res=0.002, crs="EPSG:4326", nodata: float | None = -9999.0) -> Path:
    (folder / "agroecology").mkdir(parents=True, exist_ok=True)
    path = folder / "agroecology" / name
    with rasterio.open(path, "w", driver="GTiff", height=values.shape[0],
                       width=values.shape[1], count=1, dtype=values.dtype, crs=crs,
                       transform=from_origin(*origin, res, res), nodata=nodata) as dst:
        dst.write(values, 1)
    return path


def _ramp(lo: float, hi: float, shape=(20, 40)) -> np.ndarray:
    return np.linspace(lo, hi, shape[0] * shape[1], dtype="float32").reshape(shape)


def test_raster_with_only_nodata(tmp_path):
    make_dataset(tmp_path)
    _raster(tmp_path, "elevation.tif", np.full((20, 40), -9999.0, "float32"))
    _raster(tmp_path, "curah_hujan.tif", _ramp(1800, 2600))
    ds = Dataset.open(tmp_path)
    assert list(ds.rasters) == ["rainfall"]  # the empty one is left out
    msg = _one(ds, "holds no data", severity="error")
    assert "elevation.tif, column 'rasters.elevation': the raster holds no data: all 800 " \
           "cells are nodata (-9999.0); it was left out" in msg
    _validate(tmp_path, 1, "elevation.tif", "the raster holds no data", "not usable")


def test_raster_off_the_areas(tmp_path):
    make_dataset(tmp_path)
    _raster(tmp_path, "elevation.tif", _ramp(0, 900), origin=(10.0, 50.0))  # Europe
    _raster(tmp_path, "curah_hujan.tif", _ramp(1800, 2600))
    ds = Dataset.open(tmp_path)
    problems = []
    found = find_rasters(tmp_path / "agroecology", {}, [])  # as read, before the check
    kept = check_coverage(found, ds.areas("desa"), problems)
    assert list(kept) == ["rainfall"] and list(ds.rasters) == ["rainfall"]
    assert len(problems) == 1 and problems[0].severity == "error"
    assert problems[0].file.endswith("elevation.tif")
    assert problems[0].message == (
        "no area overlaps the raster for 'elevation' (the raster covers lon 10.000 to 10.080, "
        "lat 49.960 to 50.000; the areas lie at lon 120.000 to 120.060, lat -5.000 to -4.990):"
        " another region's file, or a wrong CRS (EPSG:4326)? It was left out")


def test_raster_covering_a_few_areas(tmp_path):
    make_dataset(tmp_path)
    # lon 120.035 to 120.055 (10 cells of 0.002): desa 4-6 (120.03 to 120.06), 3 of 6
    _raster(tmp_path, "curah_hujan.tif", _ramp(1800, 2600, (20, 10)), origin=(120.035, -4.98))
    ds = Dataset.open(tmp_path)
    problems = []
    assert list(check_coverage(ds.rasters, ds.areas("desa"), problems)) == ["rainfall"]
    assert [p.severity for p in problems] == []  # 3 of 6 = 50 %: not below half
    # lon 120.045 to 120.055: desa 5 and 6, 2 of 6
    _raster(tmp_path, "curah_hujan.tif", _ramp(1800, 2600, (20, 5)), origin=(120.045, -4.98))
    ds = Dataset.open(tmp_path)
    check_coverage(ds.rasters, ds.areas("desa"), problems)
    assert len(problems) == 1 and "reaches only 33% of the areas" in problems[0].message


def test_raster_off_the_areas_through_dataset_open(tmp_path):
    make_dataset(tmp_path)
    _raster(tmp_path, "elevation.tif", _ramp(0, 900), origin=(10.0, 50.0))
    ds = Dataset.open(tmp_path)
    assert "elevation" not in ds.rasters
    _one(ds, "no area overlaps the raster for 'elevation'", severity="error")
    assert ds.attributes("desa").shape[0] == 6


@pytest.mark.parametrize("name, values, likely", [
    # 0-3000 m typed in feet: 0-9843 ft, above Puncak Jaya (4884 m)
    ("dem_feet.tif", _ramp(0, 9843), "they look like feet (multiply by 0.3048)"),
    # 22-28 °C in Kelvin: 295.15-301.15, impossible as °C; tenths would be 29.5-30.1 °C
    # of median, hotter than any Indonesian annual mean: only Kelvin fits
    ("suhu.tif", _ramp(295.15, 301.15), "they look like Kelvin (subtract 273.15)."),
    # WorldClim 1.4 stores tenths of a degree: 180-275 is 18-27.5 °C
    ("tmean.tif", _ramp(180, 275), "they look like tenths of a degree (divide by 10)."),
    # a monthly mean rainfall (mm/month) is 12 times too small for mm/year
    ("curah_hujan.tif", _ramp(120, 280),
     "they look like mm per month (a monthly mean) (multiply by 12)"),
    # SoilGrids' phh2o: pH x 10
    ("phh2o.tif", _ramp(45, 65), "they look like pH x 10 (as SoilGrids' phh2o) (divide by 10)"),
])
def test_raster_values_in_the_wrong_unit(tmp_path, name, values, likely):
    make_dataset(tmp_path)
    _raster(tmp_path, name, values)
    ds = Dataset.open(tmp_path)
    msg = _one(ds, "are impossible for", severity="warning")
    assert name in msg and likely in msg
    assert "Convert the raster" in msg


def test_raster_in_a_projected_crs_with_feet(tmp_path):
    make_dataset(tmp_path)
    # the area in UTM 50S metres is x 832,714 to 839,379, y 9,446,545 to 9,447,683: a
    # 100 m grid over x 832,000 to 840,000, y 9,446,500 to 9,448,500, elevation in feet
    _raster(tmp_path, "elevation.tif", _ramp(0, 9843, (20, 80)), origin=(832_000, 9_448_500),
            res=100, crs="EPSG:32750")
    ds = Dataset.open(tmp_path)
    assert ds.rasters["elevation"].crs == "EPSG:32750"
    assert "they look like feet" in _one(ds, "elevation.tif", "impossible", severity="warning")
    problems = []
    assert list(check_coverage(ds.rasters, ds.areas("desa"), problems)) == ["elevation"]
    assert problems == []


def test_slope_in_degrees_named_so(tmp_path):
    make_dataset(tmp_path)
    _raster(tmp_path, "slope_degrees.tif", _ramp(0, 40))  # a possible range in percent
    ds = Dataset.open(tmp_path)
    msg = _one(ds, "slope_degrees.tif", severity="warning")
    assert "the file name says degrees, but slope is read as percent" in msg


def test_plausible_rasters_raise_no_unit_warning(tmp_path):
    make_dataset(tmp_path)
    _raster(tmp_path, "elevation.tif", _ramp(0, 2800))
    _raster(tmp_path, "suhu.tif", _ramp(18, 27.5))
    _raster(tmp_path, "curah_hujan.tif", _ramp(1400, 3200))
    ds = Dataset.open(tmp_path)
    assert not [m for m in _messages(ds) if "agroecology" in m]


# ------------------------------------------------------------------------------ sentra coordinates


def test_sentra_coordinates_outside_indonesia(tmp_path):
    table = ("komoditas,lon,lat,desa\n"
             "kakao,4.8952,52.3702,\n"          # row 2: Amsterdam
             "kakao,0,0,\n"                      # row 3: an empty GPS fix
             "kakao,0,0,Desa 2-2\n"              # row 4: 0/0, but a desa name
             "kakao,-4.995,120.005,\n"           # row 5: lat and lon swapped
             "kakao,120.015,4.995,\n"            # row 6: south typed without the minus
             "kakao,812345,9447000,\n"           # row 7: UTM metres in lon/lat columns
             "kakao,13.4,52.5,Desa 1-3\n")       # row 8: Berlin, but a desa name
    ds = _sentra_csv(tmp_path, table)
    s = ds.sentra()
    assert pd.isna(s.at[0, "desa_code"])
    assert s.at[0, "unplaced_reason"] == ("coordinates (lon 4.8952, lat 52.3702) lie outside "
                                          "Indonesia (lon 94 to 142, lat -11.5 to 6.5)")
    assert pd.isna(s.at[1, "desa_code"])
    assert s.at[1, "unplaced_reason"] == ("coordinates are 0, 0 (an empty GPS fix or a blank "
                                          "filled with 0), not a place")
    assert s.at[2, "desa_code"] == "73.08.02.2002" and s.at[2, "placed_by"] == "name"
    assert s.at[2, "note"] == "coordinates 0, 0 ignored"
    assert s.at[3, "desa_code"] == "73.08.01.2001" and "swapped" in s.at[3, "note"]
    assert s.at[4, "desa_code"] == "73.08.01.2002"
    assert s.at[4, "note"] == ("latitude sign flipped (4.995 -> -4.995: south of the equator "
                               "is negative, LS)")
    assert s.at[4, "lat"] == -4.995
    assert pd.isna(s.at[5, "desa_code"])
    _one(ds, "row 7, column 'lon': longitude 812345 must be a number in -180..180 (it looks "
         "like metres of a projected CRS such as UTM", severity="warning")
    assert s.at[6, "desa_code"] == "73.08.01.2003"
    assert s.at[6, "note"] == "coordinates outside Indonesia ignored"


# ------------------------------------------------------------------------------ encodings, sheets


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])  # with BOM (Excel) and without
def test_csv_saved_by_excel_as_unicode_text(tmp_path, encoding):
    text = ("Komoditas\tKode Desa\tDesa\tJumlah TK\r\n"
            "Keripik Pisang Kéju\t73.08.01.2001\t\t12\r\n"
            "Tenun Sutera\t\tDésa 2-3\t7\r\n")
    make_dataset(tmp_path)
    (tmp_path / "sentra").mkdir()
    (tmp_path / "sentra" / "sentra.txt").write_bytes(text.encode(encoding))
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert list(s["commodity_raw"]) == ["Keripik Pisang Kéju", "Tenun Sutera"]
    assert list(s["desa_code"]) == ["73.08.01.2001", "73.08.02.2003"]
    assert list(s["workers"]) == [12, 7]
    src = ds.sentra_sources[0]
    assert src.encoding == encoding and src.sep == "\t"
    msg = _one(ds, "UTF-16", severity="info")
    assert msg == (f"{tmp_path / 'sentra' / 'sentra.txt'}: the file is UTF-16 text (Excel's "
                   "\"Unicode text\" format); it was read as UTF-16")


def _workbook(path: Path, extra_data_sheet: bool = False) -> None:
    book = Workbook()
    info = book.active
    info.title = "Petunjuk"
    info.append(["Isi sheet Data dengan satu baris per sentra."])
    info.append(["Kode desa: kode Kemendagri, mis. 73.08.01.2001"])
    data = book.create_sheet("Data")
    data.append(["DATA SENTRA IKM"])
    data.append(["No", "Komoditas", "Kode Desa", "Tenaga Kerja"])
    for i, (code, tk) in enumerate([("73.08.01.2001", 3), ("73.08.01.2002", 4),
                                    ("73.08.01.2003", 5), ("73.08.02.2001", 6)], start=1):
        data.append([i, "kakao", code, tk])
    data.row_dimensions[4].hidden = True   # rows 4 and 5 hidden by a filter: still data
    data.row_dimensions[5].hidden = True
    rekap = book.create_sheet("Rekap")
    rekap.append(["Kecamatan", "Jumlah Sentra"])
    rekap.append(["Kahu", 3])
    if extra_data_sheet:
        old = book.create_sheet("Data 2019")
        old.append(["Komoditas", "Kode Desa", "Tenaga Kerja"])
        old.append(["kopi", "73.08.02.2002", 9])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def test_xlsx_with_several_sheets_and_hidden_rows(tmp_path):
    make_dataset(tmp_path)
    _workbook(tmp_path / "sentra" / "sentra.xlsx")
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert list(s["row"]) == [3, 4, 5, 6]          # hidden rows 4 and 5 are data
    assert list(s["workers"]) == [3, 4, 5, 6]
    assert ds.sentra_sources[0].sheet == "Data"
    sheet = _one(ds, "sheet 'Data' was read", severity="info")
    assert sheet.endswith("sentra.xlsx, column 'sheet': the workbook has 3 sheets; sheet 'Data' "
                          "was read (its header has the most known column names); the others "
                          "('Petunjuk', 'Rekap') were not. Set sheet = \"<name>\" under "
                          "[sentra] in dataset.toml to read another")
    hidden = _one(ds, "hidden row(s)", severity="info")
    assert "2 hidden row(s) of sheet 'Data' (rows 4, 5) were read as data" in hidden
    assert "Delete the rows to leave them out" in hidden


def test_xlsx_sheet_chosen_in_dataset_toml(tmp_path):
    make_dataset(tmp_path)
    _workbook(tmp_path / "sentra" / "sentra.xlsx", extra_data_sheet=True)
    (tmp_path / "dataset.toml").write_text('[sentra]\nsheet = "data 2019"\n')  # any case
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert list(s["commodity_raw"]) == ["kopi"] and list(s["desa_code"]) == ["73.08.02.2002"]
    assert ds.sentra_sources[0].sheet == "Data 2019"
    assert not [m for m in _messages(ds) if "sheet" in m and "was read" in m]
    (tmp_path / "dataset.toml").write_text('[sentra]\nsheet = "Data 2020"\n')
    ds = Dataset.open(tmp_path)
    _one(ds, "sentra.xlsx, column 'sheet': no sheet 'Data 2020' (sheets: 'Petunjuk', 'Data', "
         "'Rekap', 'Data 2019')", severity="error")


# ------------------------------------------------------------------------------ large CSVs


def _write_csv(path: Path, rows: int, block: int = 20_000) -> int:
    """A sentra-like CSV of ``rows`` rows (about 95 bytes each), written as one block of
    rows repeated (fast, and little memory for a 200 MB file); returns its size."""
    k = np.arange(min(rows, block))
    body = pd.DataFrame({
        "id": k, "kom": np.where(k % 3 == 0, "kakao", "kopi arabika"),
        "kode": np.char.add("73.08.01.200", (1 + k % 3).astype(str)),
        "lon": 120.0 + (k % 600) / 10000, "lat": -5.0 + (k % 100) / 10000,
        "tk": k % 50, "ket": "catatan lapangan panjang untuk mengisi baris"})
    lines = body.to_csv(header=False, index=False, float_format="%.4f",
                        lineterminator="\n").splitlines(keepends=True)
    text = "".join(lines)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("id_sentra,komoditas,kode_desa,lon,lat,tenaga_kerja,keterangan\n")
        for _ in range(rows // len(lines)):
            fh.write(text)
        fh.write("".join(lines[: rows % len(lines)]))
    return path.stat().st_size


def _peak_while_streaming(path: Path, chunk_rows: int) -> tuple[int, int]:
    """(rows, peak traced bytes) while the chunks are read and dropped."""
    tracemalloc.start()
    try:
        n = 0
        with open_table(path, chunk_rows=chunk_rows) as table:
            for chunk in table:
                n += len(chunk)
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_is_streamed_in_bounded_memory(tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    size_s = _write_csv(small, 8_000)    # 0.75 MB
    size_l = _write_csv(large, 32_000)   # 3 MB
    assert size_l > 3.9 * size_s
    n_s, peak_s = _peak_while_streaming(small, 1000)
    n_l, peak_l = _peak_while_streaming(large, 1000)
    assert (n_s, n_l) == (8_000, 32_000)
    # four times the file, about the same peak (about 1.5 MB: one chunk of 1000 rows, the
    # 1000 records that find the header, a 256 KiB block of the encoding scan): memory
    # follows the chunk, not the file
    assert peak_l < 1.3 * peak_s, (peak_s, peak_l)
    assert peak_l < 0.7 * size_l, (peak_l, size_l)
    # read whole, the same rows and cells as the chunks
    frame, fmt = read_table(small)
    assert len(frame) == 8_000 and frame.index[0] == 2 and frame.index[-1] == 8_001
    assert (fmt.sep, fmt.decimal) == (",", ".")


def test_sentra_csv_keeps_only_the_sentra_columns(tmp_path):
    # the reader drops the columns that are no sentra field chunk by chunk
    from unggulan.core.inputs.config import SentraConfig
    from unggulan.core.inputs.sentra import read_sentra_file

    path = tmp_path / "sentra.csv"
    _write_csv(path, 5)
    raw, src = read_sentra_file(path, SentraConfig())
    assert src.rows == 5 and "keterangan" not in src.columns.values()
    assert raw.loc[2, "commodity"] == "kakao" and raw.loc[2, "lon"] == "120.0000"


_SLOW = os.environ.get("UNGGULAN_SLOW") == "1"

# VmHWM (the peak resident set of this process image), not ru_maxrss: Linux carries
# ru_maxrss over from the forking parent
_STREAM_SCRIPT = textwrap.dedent("""
    import json, sys, time

    def peak_mb(key="VmHWM"):
        with open("/proc/self/status") as fh:
            return next(int(ln.split()[1]) / 1024 for ln in fh if ln.startswith(key))

    from unggulan.io.readers import open_table
    imported = peak_mb()
    t0 = time.perf_counter()
    n = 0
    with open_table(sys.argv[1]) as table:
        for chunk in table:
            n += len(chunk)
    print(json.dumps({"rows": n, "seconds": time.perf_counter() - t0,
                      "imported_mb": imported, "peak_mb": peak_mb()}))
""")


@pytest.mark.slow
@pytest.mark.skipif(not _SLOW, reason="a 200 MB CSV: set UNGGULAN_SLOW=1 to run it")
def test_200_mb_csv_streams(tmp_path):
    import json
    import time

    path = tmp_path / "besar.csv"
    t0 = time.perf_counter()
    size = _write_csv(path, 2_300_000)
    made = time.perf_counter() - t0
    assert size > 200e6
    res = subprocess.run([sys.executable, "-c", _STREAM_SCRIPT, str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    print(f"\n200 MB CSV: {size / 1e6:.0f} MB written in {made:.1f} s; streamed "
          f"{out['rows']:,} rows in {out['seconds']:.1f} s; peak RSS {out['peak_mb']:.0f} MB "
          f"({out['imported_mb']:.0f} MB after the imports)")
    assert out["rows"] == 2_300_000
    # the file's size never comes into memory: one chunk of 50,000 rows on the imports
    assert out["peak_mb"] - out["imported_mb"] < 150, out


# ------------------------------------------------------------------------------ examples


@pytest.mark.parametrize("name", ["unggulan.io.readers", "unggulan.core.inputs.codes",
                                  "unggulan.core.inputs.rasters",
                                  "unggulan.core.inputs.sentra", "unggulan.core.inputs.boundaries"])
def test_docstring_examples_of_the_readers(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_utf16_bytes_alone_are_recognised(tmp_path):
    from unggulan.io.readers import detect_encoding

    p = tmp_path / "t.csv"
    p.write_bytes("komoditas\tdesa\nkopi\tKéju\n".encode("utf-16-be"))  # no BOM, big-endian
    assert detect_encoding(p) == "utf-16-be"
    frame, fmt = read_table(p)
    assert frame.to_dict("list") == {"komoditas": ["kopi"], "desa": ["Kéju"]}
    buf = io.BytesIO("a;b\n1;2\n".encode("cp1252"))
    p.write_bytes(buf.getvalue())
    assert detect_encoding(p) == "utf-8-sig"  # plain ASCII is valid UTF-8
