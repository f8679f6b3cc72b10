"""Export round trips: features, codes, values, CRS and UTF-8 names survive every format."""

import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import run_cli
from unggulan.io.exports import shapefile_field_names, write_layer


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
    if path.suffix == ".gpkg":
        return gpd.read_file(path, layer=pyogrio.list_layers(path)[0][0])
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
    # one feature per area, as exported (a long layer is written as areas + rows: see
    # tests/io/test_exports_related.py)
    src = demo.candidates("kecamatan", wide=True)
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
    # layer_styles: the candidates layer's default QGIS style, as QGIS stores it
    assert layers == {"areas_desa", "sentra", "candidates_kecamatan", "layer_styles"}
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


@pytest.mark.parametrize("suffix", [".gpkg", ".zip", ".geojson", ".csv", ".parquet"])
def test_round_trip_of_areas_with_attributes(bone, tmp_path, suffix):

    src = bone.layer("areas", "kecamatan")
    path = write_layer(src, tmp_path / f"wilayah{suffix}", layer="areas_kecamatan")
    mapping = shapefile_field_names([c for c in src.columns if c != "geometry"])
    back = _read(path, mapping).set_index("code").loc[src["code"]]
    assert back.crs.to_epsg() == 4326
    assert list(back["name"]) == list(src["name"])
    for col in ("area_ha", "elevation_mean", "rainfall_max", "ph_mean"):
        np.testing.assert_allclose(back[col].astype(float), src[col].astype(float), rtol=1e-9)


def test_csv_of_points_has_lon_lat(demo, tmp_path):
    src = demo.sentra(placed_only=True)
    path = write_layer(src, tmp_path / "sentra.csv", layer="sentra")
    back = pd.read_csv(path)
    assert len(back) == len(src)
    np.testing.assert_allclose(back["longitude"], src.geometry.x, atol=1e-9)
    np.testing.assert_allclose(back["latitude"], src.geometry.y, atol=1e-9)


def _check_qml(text: str, fields: set[str], tops: list[str]):
    import xml.etree.ElementTree as ET

    from unggulan.base import palette

    root = ET.fromstring(text.split("\n", 1)[1])  # after the DOCTYPE line
    assert root.tag == "qgis"
    r = root.find("renderer-v2")
    assert r.get("type") == "categorizedSymbol"
    assert r.get("attr") in fields, (r.get("attr"), fields)
    symbols = {s.get("name"): s for s in r.find("symbols")}
    cats = r.find("categories")
    values = [c.get("value") for c in cats]
    for c in cats:
        assert c.get("symbol") in symbols
    assert set(v for v in values if v) <= set(tops)
    assert "" in values  # the catch-all for other commodities
    colours = palette.commodity_colours(tops)
    for c in cats:
        if c.get("value"):
            fill = symbols[c.get("symbol")].find("layer/Option/Option[@name='color']").get("value")
            expected = colours[c.get("value")].lstrip("#")
            assert fill.split(",")[:3] == [str(int(expected[i:i + 2], 16)) for i in (0, 2, 4)]
    label = root.find("labeling/settings/text-style").get("fieldName")
    assert label in fields


def test_candidates_export_ships_a_qgis_style(demo, tmp_path):
    import sqlite3

    src = demo.candidates("desa", wide=True)
    tops = list(src["top1"].dropna())
    # GeoPackage: default style in layer_styles
    gpkg = write_layer(src, tmp_path / "k.gpkg", layer="candidates_desa")
    con = sqlite3.connect(gpkg)
    rows = con.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML "
                       "FROM layer_styles").fetchall()
    con.close()
    assert len(rows) == 1 and rows[0][0] == "candidates_desa" and rows[0][2] == 1
    fields = set(pyogrio.read_info(gpkg, layer="candidates_desa")["fields"])
    assert rows[0][1] == pyogrio.read_info(gpkg, layer="candidates_desa")["geometry_name"]
    _check_qml(rows[0][3], fields, tops)
    # zipped shapefile: <layer>.qml beside <layer>.shp, referring to the 10-character names
    src2 = src.assign(top1_reason_id_long_name_x=1)  # force renamed fields in the mapping
    z = write_layer(src2, tmp_path / "k.zip", layer="candidates_desa")
    zf = zipfile.ZipFile(z)
    assert "candidates_desa.qml" in zf.namelist()
    shp_fields = set(pyogrio.read_info(f"/vsizip/{z}/candidates_desa.shp")["fields"])
    _check_qml(zf.read("candidates_desa.qml").decode(), shp_fields, tops)
    # GeoJSON: <name>.qml beside it
    gj = write_layer(src, tmp_path / "k.geojson", layer="candidates_desa")
    _check_qml((tmp_path / "k.qml").read_text(), set(gpd.read_file(gj).columns), tops)
    # an exported layer's style and the web map give each commodity the dataset's colour
    from unggulan.maps.pages import PageOptions, main_map, render

    layer = demo.layer("candidates", "desa")
    write_layer(layer, tmp_path / "p.geojson", layer="candidates_desa")
    qml = (tmp_path / "p.qml").read_text()
    html = render(main_map(demo, "desa", PageOptions(inline=False)))
    shown = [c for c in dict.fromkeys(layer["top1"].dropna()) if c in demo.palette()]
    assert shown
    for cid in shown:
        colour = demo.palette()[cid]
        rgba = ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ",255"
        assert f'"{cid}":"{colour}"' in html
        symbol = qml.split(f'value="{cid}" symbol="')[1].split('"')[0]
        assert f'<symbol type="fill" name="{symbol}"' in qml
        block = qml.split(f'<symbol type="fill" name="{symbol}"')[1].split("</symbol>")[0]
        assert rgba in block


def test_no_style_for_other_layers(demo, tmp_path):
    write_layer(demo.areas("desa"), tmp_path / "a.geojson", layer="areas_desa")
    assert not (tmp_path / "a.qml").exists()
