"""Export round trips: features, codes, values, CRS and UTF-8 names survive every format."""

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.io.exports import shapefile_field_names, write_layer
from tests.helpers import run_cli


def _read(path, mapping=None):
    if path.suffix == ".zip":
        gdf = gpd.read_file(f"zip://{path}")
        return gdf.rename(columns={v: k for k, v in mapping.items()})
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    if path.suffix == ".csv":
        df = pd.read_csv(path, dtype={"code": str})
        return gpd.GeoDataFrame(df.drop(columns="wkt"), geometry=gpd.GeoSeries.from_wkt(
            df["wkt"]), crs="EPSG:4326")
    return gpd.read_file(path)


@pytest.mark.parametrize("suffix", [".gpkg", ".zip", ".geojson", ".csv", ".parquet"])
def test_round_trip_of_candidates(demo, tmp_path, suffix):
    src = demo.candidates("desa", wide=True)
    path = write_layer(src, tmp_path / f"kandidat{suffix}", layer="candidates_desa")
    mapping = shapefile_field_names([c for c in src.columns if c != "geometry"])
    back = _read(path, mapping)
    assert len(back) == len(src)
    assert back.crs.to_epsg() == 4326
    back = back.set_index("code").loc[src["code"]]
    assert list(back.index) == list(src["code"])
    assert list(back["name"]) == list(src["name"])
    assert "Séwumulyo" in set(back["name"])  # non-ASCII survives
    np.testing.assert_allclose(back["top1_score"].astype(float), src["top1_score"], rtol=1e-9)
    assert list(back["top1"].fillna("")) == list(src["top1"].fillna(""))
    assert back.geometry.reset_index(drop=True).geom_equals_exact(
        src.geometry.reset_index(drop=True), tolerance=1e-6).all()


def test_zipped_shapefile_contents(demo, tmp_path):
    src = demo.candidates("kecamatan")
    path = write_layer(src, tmp_path / "k.zip", layer="candidates_kecamatan")
    names = zipfile.ZipFile(path).namelist()
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        assert f"candidates_kecamatan{ext}" in names
    assert "fields.csv" in names
    cpg = zipfile.ZipFile(path).read("candidates_kecamatan.cpg").decode().strip().upper()
    assert cpg in ("UTF-8", "UTF8")
    info = pyogrio.read_info(f"/vsizip/{path}/candidates_kecamatan.shp")
    assert all(len(f) <= 10 for f in info["fields"])


@given(st.lists(st.text(alphabet="abcdefghij_klmnopqrstuvwxyz", min_size=1, max_size=30),
                min_size=1, max_size=40, unique=True))
def test_shapefile_field_mapping_has_no_collisions(columns):
    mapping = shapefile_field_names(columns)
    values = [v.lower() for v in mapping.values()]
    assert len(set(values)) == len(values)
    assert all(len(v) <= 10 for v in mapping.values())
    assert list(mapping) == columns


def test_several_layers_in_one_geopackage(demo, tmp_path):
    path = tmp_path / "semua.gpkg"
    demo.export("areas", path, level="desa")
    demo.export("sentra", path)
    demo.export("candidates", path, level="kecamatan")
    layers = {n for n, _ in pyogrio.list_layers(path)}
    assert layers == {"areas_desa", "sentra", "candidates_kecamatan"}
    areas = gpd.read_file(path, layer="areas_desa")
    assert "elevation_mean" in areas.columns and len(areas) == 64


def test_cli_export_refuses_to_clobber(tmp_path):
    out = tmp_path / "a.geojson"
    assert run_cli("export", "--layer", "areas", "--out", str(out)).returncode == 0
    res = run_cli("export", "--layer", "areas", "--out", str(out))
    assert res.returncode != 0 and "--overwrite" in res.stderr
    assert run_cli("export", "--layer", "areas", "--out", str(out),
                   "--overwrite").returncode == 0
    res = run_cli("export", "--layer", "rivers", "--out", str(tmp_path / "x.gpkg"))
    assert res.returncode != 0 and "layer must be one of" in res.stderr
