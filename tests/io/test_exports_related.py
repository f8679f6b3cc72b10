"""Long layers (several rows per area) exported with each area's polygon once: a GeoPackage
areas layer + related attribute table (Related Tables Extension), a shapefile + CSV in the
zip, a wide GeoJSON, a CSV without polygons; stale temporary files of killed writes removed
by the next write."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from unggulan.io.exports import remove_stale_temporaries, write_layer, write_spatial


@pytest.fixture(scope="module")
def suit(demo):
    return demo.layer("suitability", "desa")


def _key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["code", "commodity"]).reset_index(drop=True)


def test_a_geopackage_holds_the_areas_once_and_the_rows_in_a_related_table(suit, tmp_path):
    path = write_layer(suit, tmp_path / "s.gpkg", layer="suitability_desa")
    layers = dict(pyogrio.list_layers(path))
    assert layers["suitability_desa_areas"] in ("Polygon", "MultiPolygon")
    assert layers["suitability_desa"] is None  # no geometry: an attribute table
    areas = pyogrio.read_dataframe(path, layer="suitability_desa_areas")
    rows = pyogrio.read_dataframe(path, layer="suitability_desa", fid_as_index=True)
    assert len(areas) == suit["code"].nunique() == areas["code"].nunique()
    assert len(rows) == len(suit)
    # joined on code they are the long layer again, polygon and values
    back = rows.merge(pd.DataFrame(areas), on="code")
    src = _key(pd.DataFrame(suit))
    back = _key(back)
    assert gpd.GeoSeries(back["geometry"].values).geom_equals_exact(
        gpd.GeoSeries(src["geometry"].values), tolerance=1e-9).all()
    for col in ("suitability_class", "potential_class", "evidence_en", "name"):
        assert back[col].fillna("").tolist() == src[col].fillna("").tolist(), col
    assert back["suitability_index"].fillna(-1).round(9).tolist() == \
        src["suitability_index"].fillna(-1).round(9).tolist()
    # the relation, as the GeoPackage Related Tables Extension records it
    con = sqlite3.connect(path)
    rel = con.execute("SELECT base_table_name, base_primary_column, related_table_name, "
                      "related_primary_column, relation_name, mapping_table_name "
                      "FROM gpkgext_relations").fetchall()
    assert rel == [("suitability_desa_areas", "fid", "suitability_desa", "fid", "attributes",
                    "suitability_desa_relation")]
    ext = {r[0] for r in con.execute("SELECT table_name FROM gpkg_extensions WHERE "
                                     "extension_name = 'gpkg_related_tables'")}
    assert ext == {"gpkgext_relations", "suitability_desa_relation"}
    pairs = con.execute("SELECT a.code, r.code FROM suitability_desa_relation m "
                        "JOIN suitability_desa_areas a ON a.fid = m.base_id "
                        "JOIN suitability_desa r ON r.fid = m.related_id").fetchall()
    con.close()
    assert len(pairs) == len(suit) and all(a == b for a, b in pairs)
    # the run metadata on both
    meta = pyogrio.read_info(path, layer="suitability_desa")["layer_metadata"]
    assert meta["run_hash"] == suit.attrs["unggulan"]["run_hash"]


def test_the_geopackage_is_smaller_than_with_a_polygon_per_row_and_reproducible(suit,
                                                                                  tmp_path):
    related = write_layer(suit, tmp_path / "a.gpkg", layer="suitability_desa")
    again = write_layer(suit, tmp_path / "b.gpkg", layer="suitability_desa")
    repeated = write_spatial(suit, tmp_path / "c.gpkg", ".gpkg", "suitability_desa", True,
                              None)
    assert related.read_bytes() == again.read_bytes()
    assert related.stat().st_size < repeated.stat().st_size


def test_other_layers_of_the_geopackage_stay_and_a_second_write_replaces(suit, demo,
                                                                          tmp_path):
    path = tmp_path / "all.gpkg"
    write_layer(demo.areas("desa"), path, layer="areas_desa")
    write_layer(suit, path, layer="suitability_desa")
    write_layer(suit.iloc[: len(suit) // 2], path, layer="suitability_desa", overwrite=True)
    names = [n for n, _ in pyogrio.list_layers(path)]
    assert {"areas_desa", "suitability_desa_areas", "suitability_desa"} <= set(names)
    assert len(pyogrio.read_dataframe(path, layer="suitability_desa")) == len(suit) // 2
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM gpkgext_relations").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM suitability_desa_relation").fetchone()[0] == \
        len(suit) // 2
    con.close()


def test_a_zipped_shapefile_has_the_areas_and_the_rows_as_csv(suit, tmp_path):
    path = write_layer(suit, tmp_path / "s.zip", layer="suitability_desa")
    z = zipfile.ZipFile(path)
    names = z.namelist()
    assert "suitability_desa_areas.shp" in names and "suitability_desa.csv" in names
    areas = pyogrio.read_dataframe(f"/vsizip/{path}/suitability_desa_areas.shp")
    assert len(areas) == suit["code"].nunique()
    rows = pd.read_csv(z.open("suitability_desa.csv"))
    assert len(rows) == len(suit) and "evidence_en" in rows.columns  # full names
    readme = z.read("README.txt").decode()
    assert "code" in readme and "Relations" in readme


def test_a_geojson_has_one_feature_per_area_with_the_rows_as_columns(suit, tmp_path):
    path = write_layer(suit, tmp_path / "s.geojson", layer="suitability_desa")
    fc = json.loads(path.read_text())
    assert len(fc["features"]) == suit["code"].nunique()
    assert fc["unggulan"]["run_hash"] == suit.attrs["unggulan"]["run_hash"]
    row = suit.iloc[0]
    props = next(f["properties"] for f in fc["features"] if f["properties"]["code"] ==
                 row["code"])
    assert props[f"{row['commodity']}__suitability_class"] == row["suitability_class"]


def test_a_csv_has_the_rows_without_polygons(suit, tmp_path):
    path = write_layer(suit, tmp_path / "s.csv", layer="suitability_desa")
    back = pd.read_csv(path)
    assert len(back) == len(suit) and "wkt" not in back.columns
    assert set(back["run_hash"]) == {suit.attrs["unggulan"]["run_hash"]}


def test_the_export_endpoint_writes_the_related_geopackage(client, tmp_path):
    r = client.get("/api/v1/export", params={"layer": "suitability", "level": "kecamatan",
                                             "format": "gpkg"})
    assert r.status_code == 200
    (tmp_path / "k.gpkg").write_bytes(r.content)
    layers = dict(pyogrio.list_layers(tmp_path / "k.gpkg"))
    assert layers["unggulan_suitability_kecamatan"] is None
    assert layers["unggulan_suitability_kecamatan_areas"] in ("Polygon", "MultiPolygon")


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app

    with TestClient(create_app()) as c:
        yield c


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temporaries_of_dead_writers_are_removed_by_the_next_write(demo, tmp_path):
    target = tmp_path / "kandidat.gpkg"
    dead = _dead_pid()
    stale = [tmp_path / f".kandidat-{dead}-abcd1234.gpkg",
             tmp_path / f".kandidat-{dead}-abcd1234.gpkg-journal"]
    stale_dir = tmp_path / f".kandidat-{dead}-zzzz9999"  # a zipped shapefile's folder
    live = tmp_path / f".kandidat-{os.getppid()}-live0000.gpkg"  # a live process's write
    mine = tmp_path / f".kandidat-{os.getpid()}-mine0000.gpkg"  # this process's, just now
    other = [tmp_path / f".kandidat-desa-{dead}-abcd1234.gpkg",  # another target's
             tmp_path / f".kandidat-{dead}-abcd1234.csv",
             tmp_path / f".kandidat-{dead}-abcd1234.gpkg.bak.txt".replace(".gpkg", "")]
    for p in stale + [live, mine] + other:
        p.write_bytes(b"partial")
    stale_dir.mkdir()
    (stale_dir / "kandidat.shp").write_bytes(b"partial")
    write_layer(demo.areas("desa"), target, layer="areas_desa")
    for p in stale + [stale_dir]:
        assert not p.exists(), p
    assert live.exists() and mine.exists() and all(p.exists() for p in other)
    # this process's own temporaries older than this process are an earlier process's
    old = time.time() - 10 * 24 * 3600
    os.utime(mine, (old, old))
    assert remove_stale_temporaries(target) == [mine]


def test_the_same_export_is_written_once_per_dataset_and_run(client, monkeypatch):
    """Exports are reproducible: the service keeps the last ones and sends the same bytes
    and headers without writing again; other weights are another run."""
    from unggulan.api import routes_export

    q = {"layer": "candidates", "level": "kecamatan", "format": "gpkg"}
    first = client.get("/api/v1/export", params=q)

    def refuse(*args, **kwargs):
        raise AssertionError("written again")

    monkeypatch.setattr(routes_export, "_write", refuse)
    again = client.get("/api/v1/export", params=q)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    for h in ("content-type", "content-disposition", "x-unggulan-run"):
        assert again.headers[h] == first.headers[h], h
    assert again.headers["content-disposition"] == \
        'attachment; filename="unggulan_candidates_kecamatan.gpkg"'
    with pytest.raises(AssertionError, match="written again"):  # another run: written
        client.get("/api/v1/export", params={**q, "weights": "suitability=1"})
