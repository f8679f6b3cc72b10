"""Datasets opened with everything guessed, checked against counts computed independently."""

import csv
import json

import geopandas as gpd
import pandas as pd
import pyogrio

from tests.helpers import run_cli


def test_bone_counts_match_an_independent_read(bone, bone_dir):
    desa_raw = pyogrio.read_dataframe(bone_dir / "boundaries" / "desa_bone.gpkg")
    kec_raw = pyogrio.read_dataframe(bone_dir / "boundaries" / "kecamatan_bone.gpkg")
    assert len(bone.areas("desa")) == len(desa_raw) == 372
    # kecamatan from the desa codes' first three groups, and from the kecamatan layer
    kec_from_desa = {k[:8] for k in desa_raw["kode"]}
    assert len(kec_from_desa) == 27
    assert set(bone.areas("kecamatan")["code"]) == kec_from_desa == set(kec_raw["kode"])
    with open(bone_dir / "sentra" / "sentra_bone_SINTETIS.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected_placed = sum(r["kode_desa"] in set(desa_raw["kode"]) for r in rows)
    s = bone.sentra()
    assert len(s) == len(rows)
    assert int(s["desa_code"].notna().sum()) == expected_placed
    # the placed desa is the one the table names
    by_row = dict(zip(s["row"], s["desa_code"]))
    assert all(by_row[i + 2] == r["kode_desa"] for i, r in enumerate(rows))
    assert s["commodity_id"].notna().all()
    assert not bone.errors


def test_bone_desa_hierarchy_and_area(bone):
    desa = bone.areas("desa")
    assert (desa["kecamatan_code"] == desa["code"].str[:8]).all()
    assert (desa["kabupaten_code"] == "73.08").all()
    assert (desa["province_code"] == "73").all()
    assert desa.crs.to_epsg() == 4326
    # Kabupaten Bone is about 4,560 km2
    assert 440_000 < desa["area_ha"].sum() < 470_000
    assert desa["kecamatan_name"].notna().all()


def test_bone_rasters_are_all_recognised(bone):
    assert len(bone.rasters) == 18
    assert bone.rasters["temperature"].path.endswith("clim_temperature_avg.tif")
    assert bone.rasters["ph"].path.endswith("phh2o_0-5cm_mean_bone.tif")
    assert bone.rasters["salinity"].path.endswith("soil_ELEC_COND.tif")


def test_validate_bone_cli_json(bone_dir):
    res = run_cli("validate", "--data", str(bone_dir), "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["levels"]["desa"]["areas"] == 372
    assert summary["levels"]["kecamatan"]["areas"] == 27
    assert summary["sentra"]["placed"] == 510 and summary["sentra"]["unplaced"] == 0
    assert summary["levels"]["desa"]["guessed"]["code"] == "kode"
    assert summary["usable"] is True


def test_validate_bone_cli_table(bone_dir):
    res = run_cli("validate", "--data", str(bone_dir))
    assert res.returncode == 0, res.stderr
    assert "372" in res.stdout and "usable" in res.stdout
    assert "clim_precipitation_tot.tif" in res.stdout


def test_bone_dissolved_when_no_kecamatan_layer(bone_dir, tmp_path):
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "boundaries" / "desa.gpkg").symlink_to(
        (bone_dir / "boundaries" / "desa_bone.gpkg").resolve())
    from unggulan import Dataset

    ds = Dataset.open(tmp_path)
    kec = ds.areas("kecamatan")
    assert len(kec) == 27
    assert ds.layer_info["kecamatan"].dissolved
    # the source's simplified desa polygons overlap slightly: the union is a little smaller
    desa_ha = ds.areas("desa")["area_ha"].sum()
    assert 0 <= desa_ha - kec["area_ha"].sum() < 0.001 * desa_ha
    # the same polygons as geopandas' dissolve, whether unioned on one thread or two
    from unggulan.core.inputs.boundaries import union_by

    desa = ds.areas("desa")
    ref = desa[["kecamatan_code", "geometry"]].dissolve(by="kecamatan_code")
    for copies in (1, 10):  # 270 groups: the threaded path
        keys = pd.concat([desa["kecamatan_code"] + f"-{i}" for i in range(copies)])
        geoms = gpd.GeoSeries(pd.concat([desa.geometry] * copies), crs=desa.crs)
        codes, merged = union_by(keys, geoms)
        assert len(codes) == 27 * copies
        for code, g in zip(codes, merged):
            assert g.equals(ref.geometry.loc[code.rsplit("-", 1)[0]])


def test_malang_kecamatan_layer_wider_than_desa(malang_dir):
    from unggulan import Dataset

    ds = Dataset.open(malang_dir)
    desa_raw = pyogrio.read_dataframe(malang_dir / "boundaries" / "desa_malang_batu.gpkg")
    assert len(ds.areas("desa")) == len(desa_raw) == 414
    assert set(ds.areas("kecamatan")["code"]) == set(desa_raw["kode_kec"])
    assert ds.layer_info["desa"].code_column == "kode_desa"
    assert ds.layer_info["desa"].name_column == "nama_desa"
    # the kabupaten-level production table among the sentra is read as statistics
    infos = [str(p) for p in ds.problems if p.severity == "info"]
    assert any("jatim_produksi" in e and "read as a statistics table" in e for e in infos)


def test_demo_dataset_is_usable_and_synthetic(demo):
    assert demo.synthetic
    assert not demo.errors
    s = demo.sentra()
    assert s["desa_code"].notna().all()
    assert set(s["placed_by"]) >= {"code", "name"}
    assert s["commodity_id"].notna().all()
    assert len(demo.areas("kecamatan")) == 5
    assert {"elevation", "rainfall", "ph", "dry_months"} <= set(demo.rasters)


def test_init_writes_a_config_that_reopens_identically(bone_dir, tmp_path):
    import shutil

    from unggulan import Dataset

    for sub in ("boundaries", "sentra"):
        shutil.copytree(bone_dir / sub, tmp_path / sub)
    res = run_cli("init", str(tmp_path))
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "dataset.toml").read_text()
    assert 'code = "kode"' in text and "tenaga_kerja" in text
    ds = Dataset.open(tmp_path)
    assert ds.layer_info["desa"].guessed == {}
    assert len(ds.areas("desa")) == 372 and ds.sentra()["desa_code"].notna().all()
    again = run_cli("init", str(tmp_path))
    assert again.returncode != 0 and "--force" in again.stderr


def test_demo_data_is_regenerated_identically(tmp_path):
    import subprocess
    import sys

    import numpy as np
    import rasterio
    from geopandas.testing import assert_geodataframe_equal

    from tests.conftest import BUNDLED, ROOT

    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_data.py"), str(tmp_path)],
                   check=True, timeout=120)
    for rel in ("sentra/sentra_contoh.csv", "README.md", "dataset.toml"):
        assert (tmp_path / rel).read_bytes() == (BUNDLED / rel).read_bytes(), rel
    for tif in (BUNDLED / "agroecology").glob("*.tif"):
        with rasterio.open(tif) as a, rasterio.open(tmp_path / "agroecology" / tif.name) as b:
            np.testing.assert_array_equal(a.read(), b.read())
            assert a.transform == b.transform
    assert_geodataframe_equal(
        pyogrio.read_dataframe(BUNDLED / "boundaries" / "desa_contoh.gpkg"),
        pyogrio.read_dataframe(tmp_path / "boundaries" / "desa_contoh.gpkg"),
    )


def test_core_imports_no_web_or_map_library():
    import subprocess
    import sys

    code = ("import sys, unggulan, unggulan.core.dataset, unggulan.core.inputs.sentra, "
            "unggulan.core.inputs.boundaries;"
            "bad = [m for m in ('fastapi', 'folium', 'uvicorn') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
