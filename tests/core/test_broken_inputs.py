"""Broken inputs get a clear message naming the file and the problem, no traceback, exit != 0."""

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from tests.helpers import grid_desa, make_dataset, run_cli

GOOD_SENTRA = "komoditas,kode_desa,tenaga_kerja\nkakao,73.08.01.2001,10\n"


def _expect_failure(folder: Path, *words: str, code: int | None = None) -> str:
    res = run_cli("validate", "--data", str(folder))
    text = res.stdout + res.stderr
    assert res.returncode != 0, text
    if code is not None:
        assert res.returncode == code
    assert "Traceback" not in text
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    return text


def test_missing_folder(tmp_path):
    _expect_failure(tmp_path / "nowhere", "nowhere", "not found")


def test_no_boundaries(tmp_path):
    (tmp_path / "sentra").mkdir()
    _expect_failure(tmp_path, "boundaries")


def test_empty_file(tmp_path):
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "boundaries" / "desa.gpkg").write_bytes(b"")
    _expect_failure(tmp_path, "desa.gpkg", "empty")


def test_no_code_column_and_no_name_column(tmp_path):
    desa = grid_desa()
    desa["kode"] = ["x"] * len(desa)
    desa = desa.rename(columns={"kode": "label"}).drop(columns="nama")
    make_dataset(tmp_path, desa)
    _expect_failure(tmp_path, "desa.gpkg", "no area-code column and no name column", "code =")


def test_names_without_codes_get_derived_codes(tmp_path):
    from unggulan import Dataset

    desa = grid_desa().drop(columns="kode")
    desa["kecamatan"] = ["Kec B"] * 3 + ["Kec A"] * 3
    make_dataset(tmp_path, desa)
    ds = Dataset.open(tmp_path)
    a = ds.areas("desa")
    # kecamatan numbered by sorted name, desa by sorted name within their kecamatan
    assert dict(zip(a["name"], a["code"]))["Desa 2-1"] == "00.00.01.2001"
    assert dict(zip(a["name"], a["code"]))["Desa 1-3"] == "00.00.02.2003"
    assert a["code_derived"].all() and len(ds.areas("kecamatan")) == 2
    assert any("not official codes" in p.message for p in ds.problems)


def test_configured_code_column_that_does_not_exist(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "dataset.toml").write_text('[boundaries.desa]\npath = "boundaries/desa.gpkg"\n'
                                           'code = "KDEPUM"\n')
    _expect_failure(tmp_path, "desa.gpkg", "KDEPUM", "not in the layer")


def test_unknown_key_in_dataset_toml(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "dataset.toml").write_text('[sentra]\ncomodity = "produk"\n')
    _expect_failure(tmp_path, "dataset.toml", "sentra.comodity", "unknown key")


def test_duplicate_codes(tmp_path):
    desa = grid_desa()
    desa.loc[1, "kode"] = desa.loc[0, "kode"]
    make_dataset(tmp_path, desa)
    _expect_failure(tmp_path, "desa.gpkg", "duplicate", "73.08.01.2001", "merge_duplicates")


def test_duplicate_codes_merged_when_asked(tmp_path):
    from unggulan import Dataset

    desa = grid_desa()
    desa.loc[1, "kode"] = desa.loc[0, "kode"]
    make_dataset(tmp_path, desa)
    (tmp_path / "dataset.toml").write_text("[boundaries.desa]\nmerge_duplicates = true\n")
    ds = Dataset.open(tmp_path)
    assert len(ds.areas("desa")) == len(desa) - 1


def test_invalid_geometry_is_repaired_and_counted(tmp_path):
    from unggulan import Dataset

    desa = grid_desa()
    x0, y0 = desa.geometry.iloc[0].bounds[:2]
    bowtie = Polygon([(x0, y0), (x0 + 0.01, y0 + 0.01), (x0 + 0.01, y0), (x0, y0 + 0.01)])
    desa.loc[0, "geometry"] = bowtie
    make_dataset(tmp_path, desa)
    res = run_cli("validate", "--data", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "desa.gpkg" in res.stdout and "repaired" in res.stdout
    ds = Dataset.open(tmp_path)
    assert ds.layer_info["desa"].repaired == 1
    assert ds.areas("desa").is_valid.all()
    assert ds.areas("desa").loc["73.08.01.2001", "area_ha"] > 0


def test_unrepairable_geometry_is_an_error(tmp_path):
    desa = grid_desa()
    x0, y0 = desa.geometry.iloc[0].bounds[:2]
    desa.loc[0, "geometry"] = Polygon([(x0, y0), (x0 + 0.01, y0), (x0 + 0.02, y0)])  # no area
    make_dataset(tmp_path, desa)
    _expect_failure(tmp_path, "desa.gpkg", "empty geometry", code=1)


def test_layer_with_no_crs(tmp_path):
    desa = grid_desa().set_crs(None, allow_override=True)
    (tmp_path / "boundaries").mkdir()
    desa.to_file(tmp_path / "boundaries" / "desa.shp")
    assert not (tmp_path / "boundaries" / "desa.prj").exists()
    _expect_failure(tmp_path, "desa.shp", "no CRS", 'crs = "EPSG:4326"')


def test_layer_with_no_crs_given_in_config(tmp_path):
    from unggulan import Dataset

    desa = grid_desa().to_crs("EPSG:32750").set_crs(None, allow_override=True)
    (tmp_path / "boundaries").mkdir()
    desa.to_file(tmp_path / "boundaries" / "desa.shp")
    (tmp_path / "dataset.toml").write_text('[boundaries.desa]\ncrs = "EPSG:32750"\n')
    ds = Dataset.open(tmp_path)
    assert ds.areas("desa").crs.to_epsg() == 4326
    assert abs(ds.areas("desa").total_bounds[0] - 120.0) < 1e-6


def test_points_instead_of_polygons(tmp_path):
    desa = grid_desa()
    desa["geometry"] = desa.geometry.centroid
    make_dataset(tmp_path, desa)
    _expect_failure(tmp_path, "desa.gpkg", "not polygons")


def _expect_warning(folder: Path, *words: str) -> str:
    """A bad cell blocks nothing (the value is left empty): a warning, validate exits 0."""
    res = run_cli("validate", "--data", str(folder))
    text = res.stdout + res.stderr
    assert res.returncode == 0, text
    assert "Traceback" not in text
    for w in (*words, "warning"):
        assert w in text, f"{w!r} not in {text!r}"
    return text


@pytest.mark.parametrize(
    "value, words",
    [("dua puluh", ["'dua puluh' is not a number", "row 3", "tenaga_kerja"]),
     ("-4", ["must be a whole number >= 0", "row 3"]), ("2,5", ["whole number", "row 3"])],
)
def test_csv_rows_with_bad_values(tmp_path, value, words):
    table = GOOD_SENTRA + f'kakao,73.08.01.2002,"{value}"\n'
    make_dataset(tmp_path, sentra=table)
    _expect_warning(tmp_path, "sentra.csv", *words, "(left empty)")


def test_bad_year_and_empty_commodity(tmp_path):
    table = "komoditas;kode_desa;tahun_mulai\nkakao;73.08.01.2001;2091\n;73.08.01.2002;2001\n"
    make_dataset(tmp_path, sentra=table)
    _expect_warning(tmp_path, "sentra.csv", "row 2", "year started 2091", "row 3",
                    "commodity is empty")


def test_sentra_without_commodity_column(tmp_path):
    make_dataset(tmp_path, sentra="desa,jumlah\nDesa 1-1,3\n")
    _expect_failure(tmp_path, "sentra.csv", "no commodity column", code=1)


def test_empty_sentra_table(tmp_path):
    make_dataset(tmp_path, sentra="komoditas,kode_desa\n")
    _expect_failure(tmp_path, "sentra.csv", "no data rows", code=1)


def test_unreadable_raster(tmp_path):
    make_dataset(tmp_path)
    (tmp_path / "agroecology").mkdir()
    (tmp_path / "agroecology" / "elevation.tif").write_bytes(b"not a tiff")
    _expect_failure(tmp_path, "elevation.tif", "cannot read the raster", code=1)


def test_desa_and_kecamatan_in_different_code_systems(tmp_path):
    make_dataset(tmp_path)
    kec = gpd.GeoDataFrame({"kode_kec": ["7311010"], "nama_kec": ["X"]},
                           geometry=[box(120, -5, 120.1, -4.9)], crs="EPSG:4326")
    kec.to_file(tmp_path / "boundaries" / "kec.gpkg", layer="kecamatan")
    _expect_failure(tmp_path, "kec.gpkg", "cannot be joined")
