"""Sentra tables and boundary layers the way other people's files arrive."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from tests.helpers import grid_desa, make_dataset
from unggulan import Dataset

# grid_desa(): 2 kecamatan x 3 desa, 0.01 degree squares from lon 120.00 eastwards at lat -5.0
# kode 73.08.01.2001-2003 ("Desa 1-1".."Desa 1-3"), 73.08.02.2001-2003 ("Desa 2-1"..)


def _open(tmp_path, **kw) -> Dataset:
    make_dataset(tmp_path, **kw)
    return Dataset.open(tmp_path)


def test_semicolon_decimal_comma_and_thousands(tmp_path):
    table = ("Komoditi;Bujur;Lintang;Jml TK;Nilai Produksi (Rp)\n"
             "Kopi Arabika;120,005;-4,995;1.250;2.500.000,50\n")
    ds = _open(tmp_path, sentra=table)
    s = ds.sentra()
    assert s.at[0, "desa_code"] == "73.08.01.2001"
    assert s.at[0, "placed_by"] == "coordinates"
    assert s.at[0, "workers"] == 1250
    assert s.at[0, "value"] == pytest.approx(2_500_000.5)
    src = ds.sentra_sources[0]
    assert (src.sep, src.decimal) == (";", ",")


def test_tab_separated_windows_1252(tmp_path):
    make_dataset(tmp_path)
    text = "produk\tdesa\tkecamatan\ttenaga_kerja\nKeripik Pisang Kéju\tdesa 2-2\t\t4\n"
    (tmp_path / "sentra").mkdir()
    (tmp_path / "sentra" / "ikm.txt").write_bytes(text.encode("cp1252"))
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert ds.sentra_sources[0].encoding == "cp1252"
    assert s.at[0, "commodity_raw"] == "Keripik Pisang Kéju"
    assert s.at[0, "desa_code"] == "73.08.02.2002"
    assert s.at[0, "placed_by"].startswith("name")


def test_xlsx_with_title_rows(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "sentra").mkdir()
    rows = [["DATA SENTRA IKM KABUPATEN", None, None, None],
            ["Tahun 2025", None, None, None],
            ["No", "Nama Produk", "Kode Desa", "Jumlah Unit Usaha"],
            [1, "Gula Aren", 7308012003, 12],
            [2, "Tenun Ikat", "73.08.02.2001", 5]]
    pd.DataFrame(rows).to_excel(tmp_path / "sentra" / "ikm.xlsx", header=False, index=False)
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert list(s["desa_code"]) == ["73.08.01.2003", "73.08.02.2001"]
    assert list(s["commodity_id"]) == ["gula_aren", "tenun_ikat"]
    assert list(s["units"]) == [12, 5]
    assert list(s["row"]) == [4, 5]  # spreadsheet row numbers, for messages
    assert list(s["sector"]) == ["makanan_minuman", "sandang"]


def test_point_layer_in_another_crs(tmp_path):
    make_dataset(tmp_path)
    pts = gpd.GeoDataFrame({"komoditas": ["kakao", "rumput laut"], "tk": [3, 8]},
                           geometry=[Point(120.015, -4.995), Point(120.0, -5.005)],
                           crs="EPSG:4326").to_crs("EPSG:32750")
    (tmp_path / "sentra").mkdir()
    pts.to_file(tmp_path / "sentra" / "sentra.geojson")
    s = Dataset.open(tmp_path).sentra()
    assert s.at[0, "desa_code"] == "73.08.01.2002"
    # 0.005 degrees (about 550 m) off the coast: placed in the nearest desa, with a note
    assert s.at[1, "desa_code"] == "73.08.01.2001"
    assert "outside desa" in s.at[1, "note"]


def test_swapped_coordinates_far_points_and_unknown_names(tmp_path):
    table = ("komoditas,lon,lat,desa,kecamatan\n"
             "kakao,-4.995,120.025,,\n"           # lat and lon swapped
             "kakao,121.5,-4.995,,\n"              # 150 km away
             "kakao,,,Desa Tidak Ada,\n"           # unknown name
             "kakao,,,,\n"                         # nothing at all
             "batu akik,120.045,-4.995,,\n")       # commodity not in the catalogue
    s = _open(tmp_path, sentra=table).sentra()
    assert s.at[0, "desa_code"] == "73.08.01.2003" and "swapped" in s.at[0, "note"]
    assert pd.isna(s.at[1, "desa_code"]) and "outside every desa" in s.at[1, "unplaced_reason"]
    assert "unknown desa name 'Desa Tidak Ada'" in s.at[2, "unplaced_reason"]
    assert "no desa code, no coordinates and no desa name" in s.at[3, "unplaced_reason"]
    assert s.at[4, "desa_code"] == "73.08.02.2002"
    # a name outside the catalogue stays a commodity of its own, reported as unmatched
    assert s.at[4, "commodity_id"] == "batu_akik" and s.at[4, "commodity_raw"] == "batu akik"
    assert s.at[4, "commodity_match"] == "none"


def test_same_desa_name_in_two_kecamatan(tmp_path):
    desa = grid_desa()
    desa.loc[desa["kode"] == "73.08.02.2001", "nama"] = "Desa 1-1"
    desa["nama_kec"] = ["Kahu"] * 3 + ["Bontocani"] * 3
    table = "komoditas,desa,kecamatan\nkakao,Desa 1-1,\nkakao,DESA 1-1,Kec. Bontocani\n"
    s = _open(tmp_path, desa=desa, sentra=table).sentra()
    assert pd.isna(s.at[0, "desa_code"])
    assert "matches 2 desa" in s.at[0, "unplaced_reason"]
    assert s.at[1, "desa_code"] == "73.08.02.2001"


def test_code_not_in_boundaries_falls_back_to_names(tmp_path):
    table = "komoditas,kode_desa,desa\nkakao,7311010001,Desa 2-3\nkakao,7311010002,\n"
    s = _open(tmp_path, sentra=table).sentra()
    assert s.at[0, "desa_code"] == "73.08.02.2003" and s.at[0, "placed_by"] == "name"
    assert "not in the boundaries" in s.at[1, "unplaced_reason"]


def test_bps_codes_without_dots(tmp_path):
    desa = grid_desa(system="bps", code_col="KDEBPS", name_col="NAMOBJ")
    ds = _open(tmp_path, desa=desa)
    d = ds.areas("desa")
    assert ds.layer_info["desa"].code_system == "bps"
    assert d["code"].iloc[0] == "7311010001"
    assert set(ds.areas("kecamatan")["code"]) == {"7311010", "7311020"}


def test_bps_codes_recognised_by_digits_alone(tmp_path):
    desa = grid_desa(system="bps", code_col="idesa", name_col="nmdesa")
    ds = _open(tmp_path, desa=desa)
    assert ds.layer_info["desa"].code_system == "bps"
    assert ds.layer_info["desa"].code_column == "idesa"  # found by content, not by name
    assert len(ds.areas("kecamatan")) == 2


def test_big_style_columns_and_kecamatan_names(tmp_path):
    desa = grid_desa(code_col="KDEPUM", name_col="WADMKD")
    desa["WADMKC"] = ["Kahu"] * 3 + ["Bontocani"] * 3
    desa["KDCPUM"] = desa["KDEPUM"].str[:8]
    ds = _open(tmp_path, desa=desa)
    assert ds.layer_info["desa"].code_column == "KDEPUM"
    assert ds.layer_info["desa"].name_column == "WADMKD"
    kec = ds.areas("kecamatan")
    assert dict(zip(kec["code"], kec["name"])) == {"73.08.01": "Kahu", "73.08.02": "Bontocani"}


def test_codes_stored_as_numbers(tmp_path):
    desa = grid_desa()
    desa["kode"] = desa["kode"].str.replace(".", "").astype("int64")
    ds = _open(tmp_path, desa=desa)
    assert ds.areas("desa")["code"].iloc[0] == "73.08.01.2001"


@pytest.mark.parametrize("suffix", [".geojson", ".parquet", ".zip"])
def test_boundary_formats(tmp_path, suffix):
    desa = grid_desa()
    (tmp_path / "boundaries").mkdir()
    if suffix == ".parquet":
        desa.to_parquet(tmp_path / "boundaries" / "desa.parquet")
    elif suffix == ".zip":
        import zipfile

        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        desa.to_file(shp_dir / "desa.shp")
        with zipfile.ZipFile(tmp_path / "boundaries" / "desa.zip", "w") as zf:
            for f in shp_dir.iterdir():
                zf.write(f, f.name)
    else:
        desa.to_file(tmp_path / "boundaries" / f"desa{suffix}")
    ds = Dataset.open(tmp_path)
    assert len(ds.areas("desa")) == 6 and len(ds.areas("kecamatan")) == 2


def test_config_overrides_guessing(tmp_path):
    desa = grid_desa()
    desa["other"] = desa["kode"]
    make_dataset(tmp_path, desa=desa, sentra="a|b|c\nkakao|Desa 1-2|7\n",
                 sentra_name="weird.csv")
    (tmp_path / "dataset.toml").write_text(
        'name = "Uji"\n[boundaries.desa]\ncode = "other"\nname = "nama"\n'
        '[sentra]\npath = "sentra/weird.csv"\nsep = "|"\ncommodity = "a"\ndesa = "b"\n'
        'workers = "c"\n')
    ds = Dataset.open(tmp_path)
    assert ds.name == "Uji"
    assert ds.layer_info["desa"].code_column == "other"
    s = ds.sentra()
    assert s.at[0, "desa_code"] == "73.08.01.2002" and s.at[0, "workers"] == 7
