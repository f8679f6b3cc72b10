"""Attributes and suitability through the Dataset API and the CLI."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from exactextract import exact_extract

from tests.helpers import run_cli


def test_bone_attributes_cover_every_raster_and_derived_layer(bone):
    a = bone.attributes("desa")
    assert len(a) == 372 and a.index.equals(bone.areas("desa").index)
    for attr in bone.rasters:
        assert f"{attr}_mean" in a and f"{attr}_covered" in a
    assert a["elevation_covered"].min() > 0.5
    assert "texture_majority" in a and "drainage_majority" in a
    shares = a.filter(like="texture_share_")
    assert np.allclose(shares.fillna(0).sum(axis=1)[a["texture_covered"] > 0], 1.0)


def test_kecamatan_values_come_from_kecamatan_polygons(bone, bone_dir):
    a = bone.attributes("kecamatan")
    kec = gpd.read_file(bone_dir / "boundaries" / "kecamatan_bone.gpkg")
    ref = exact_extract(str(bone_dir / "agroecology" / "elevation.tif"), kec, ["mean"],
                        include_cols=["kode"], output="pandas").set_index("kode")
    assert np.allclose(a.loc[ref.index, "elevation_mean"], ref["mean"], rtol=1e-9)
    # not the plain average of desa means
    desa = bone.attributes("desa")["elevation_mean"]
    plain = desa.groupby(bone.areas("desa")["kecamatan_code"]).mean()
    assert not np.allclose(a.loc[plain.index, "elevation_mean"], plain, rtol=1e-6)


def test_demo_estimates_temperature_and_derives_slope(demo):
    a = demo.attributes("desa")
    assert np.allclose(a["temperature_mean"], 26.3 - 0.6 * a["elevation_mean"] / 100)
    assert a["temperature_estimated"].all() and "slope_estimated" not in a
    layers = demo.engine.layers
    assert layers["temperature"].estimated and "Braak" in layers["temperature"].source
    assert layers["slope"].source.startswith("derived from")
    assert a["slope_mean"].between(0, 200).all()


def test_suitability_long_form_with_shares(bone):
    s = bone.suitability("desa", commodities=["kakao", "kopi_arabika", "keripik_pisang",
                                              "anyaman_bambu"])
    assert len(s) == 4 * 372
    assessed = s[s["status"].isin(["assessed", "inherited"])]
    assert assessed["suitability_class"].isin(["S1", "S2", "S3", "N"]).all()
    sh = assessed[["share_s1", "share_s2", "share_s3", "share_n"]]
    assert np.allclose(sh.sum(axis=1), 1.0)
    assert assessed["suitability_index"].between(0, 1).all()
    assert (s.loc[s["commodity"] == "anyaman_bambu", "status"] == "not_applicable").all()
    lim = assessed[assessed["suitability_class"] != "S1"]
    assert lim["limiting_factors"].notna().all()


def test_unknown_commodity_is_refused(bone):
    from unggulan.base.errors import UnknownCommodity

    with pytest.raises(UnknownCommodity):
        bone.suitability("desa", commodities=["unobtainium"])


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".geojson", ".parquet"])
def test_cli_suitability_writes_every_format(tmp_path, suffix):
    out = tmp_path / f"s{suffix}"
    res = run_cli("suitability", "--level", "kecamatan", "--commodity", "kopi_arabika",
                  "--out", str(out))
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out) if suffix == ".csv" else (
        gpd.read_parquet(out) if suffix == ".parquet" else gpd.read_file(out))
    assert len(frame) == 5 and set(frame["commodity"]) == {"kopi_arabika"}
    assert not list(tmp_path.glob(".s-*"))  # no temporary file left behind


def test_cli_bad_output_format(tmp_path):
    res = run_cli("suitability", "--out", str(tmp_path / "x.xlsx"))
    assert res.returncode != 0 and "unknown output format" in res.stderr


def test_windowed_reads_equal_whole_grid_results(demo):
    """A subset of areas reads a window; derived slope must not change at its edges."""
    from unggulan.core.land.attributes import AttributeEngine, slope_percent
    from unggulan.core.land.zonal import reduce_continuous

    areas = demo.areas("desa").iloc[10:20]
    eng = AttributeEngine(demo.rasters)
    got = eng.attributes("subset", areas)
    cov = eng.coverage("subset", areas.geometry, eng.layers["slope"].grid)
    assert cov.window[2] < cov.grid.height or cov.window[3] < cov.grid.width
    dem = eng.layers["elevation"].load().astype(float)
    full = slope_percent(dem, cov.grid)
    ref = reduce_continuous(cov, full.ravel(), None)
    assert np.allclose(got["slope_mean"], ref["mean"], rtol=1e-12, equal_nan=True)
    elev_ref = reduce_continuous(cov, dem.ravel(), np.nan)
    assert np.allclose(got["elevation_mean"], elev_ref["mean"], rtol=1e-12)
