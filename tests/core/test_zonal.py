"""The zonal engine against exactextract itself and an independent rasterio check."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.mask
from exactextract import exact_extract
from rasterio.transform import from_origin
from shapely.geometry import box

from unggulan.core.land.attributes import braak_temperature, metres_per_degree, slope_percent
from unggulan.core.land.zonal import (
    Grid,
    class_shares,
    compute_coverage,
    reduce_categorical,
    reduce_continuous,
)


@pytest.fixture(scope="module")
def bone_desa(bone_dir):
    return gpd.read_file(bone_dir / "boundaries" / "desa_bone.gpkg")


@pytest.fixture(scope="module")
def bone_cov(bone_dir, bone_desa):
    with rasterio.open(bone_dir / "agroecology" / "elevation.tif") as src:
        grid = Grid.of(src)
    return compute_coverage(bone_desa.geometry, grid)


def _rel(a, b):
    both = ~np.isnan(a) & ~np.isnan(b)
    assert (np.isnan(a) == np.isnan(b)).all()
    return np.max(np.abs(a[both] - b[both]) / np.maximum(np.abs(b[both]), 1e-12), initial=0)


def test_engine_equals_exactextract_on_every_real_raster(bone_dir, bone_desa, bone_cov):
    tifs = sorted((bone_dir / "agroecology").glob("*.tif"))
    assert len(tifs) == 18
    for tif in tifs:
        with rasterio.open(tif) as src:
            assert Grid.of(src) == bone_cov.grid
            arr, nodata = src.read(1), src.nodata
        ours = reduce_continuous(bone_cov, arr.ravel(), nodata)
        ref = exact_extract(str(tif), bone_desa, ["mean", "min", "max"], output="pandas")
        for stat in ("mean", "min", "max"):
            assert _rel(ours[stat].to_numpy(), ref[stat].to_numpy()) <= 1e-9, (tif.name, stat)


def test_rasterio_all_touched_and_centre_bracket_the_engine(bone_dir, bone_desa, bone_cov):
    tif = bone_dir / "agroecology" / "elevation.tif"
    with rasterio.open(tif) as src:
        arr = src.read(1)
        ours = reduce_continuous(bone_cov, arr.ravel(), src.nodata)
        big = bone_desa.geometry.to_crs("EPSG:6933").area.sort_values().index[-40::8]
        for i in big:
            geom = [bone_desa.geometry.iloc[i]]
            at, _ = rasterio.mask.mask(src, geom, all_touched=True, crop=True, filled=False)
            cc, _ = rasterio.mask.mask(src, geom, all_touched=False, crop=True, filled=False)
            at = at.compressed()
            cc = cc.compressed()
            at, cc = at[~np.isnan(at)], cc[~np.isnan(cc)]
            # covered cells include every centre cell and lie within the touched cells
            assert at.min() <= ours.at[i, "min"] <= cc.min()
            assert cc.max() <= ours.at[i, "max"] <= at.max()
            lo, hi = sorted((at.mean(), cc.mean()))
            spread = max(hi - lo, 1e-6)
            assert lo - spread <= ours.at[i, "mean"] <= hi + spread


def _raster(path: Path, arr, transform, crs="EPSG:4326", nodata=np.nan):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0],
                       count=1, dtype=arr.dtype, crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(arr, 1)
    return path


def _grid(path):
    with rasterio.open(path) as src:
        return Grid.of(src)


def test_subpixel_area_and_nodata_only_area(tmp_path):
    arr = np.arange(100, dtype="float32").reshape(10, 10)
    arr[5:, 5:] = np.nan
    tif = _raster(tmp_path / "r.tif", arr, from_origin(0, 10, 1, 1))
    areas = gpd.GeoSeries([box(2.3, 7.3, 2.5, 7.6),     # inside cell row 2, col 2
                           box(6.1, 1.1, 8.9, 3.9),     # over nodata only
                           box(4.0, 4.0, 6.0, 6.0)],    # a quarter of it over nodata
                          crs="EPSG:4326")
    cov = compute_coverage(areas, _grid(tif))
    r = reduce_continuous(cov, arr.ravel(), np.nan)
    assert r.at[0, "mean"] == pytest.approx(arr[2, 2])
    assert r.at[0, "min"] == r.at[0, "max"] == arr[2, 2]
    assert np.isnan(r.at[1, "mean"]) and np.isnan(r.at[1, "min"]) and r.at[1, "covered"] == 0
    assert r.at[2, "covered"] == pytest.approx(0.75)
    assert r.at[2, "mean"] == pytest.approx(np.mean([arr[4, 4], arr[4, 5], arr[5, 4]]))


def test_class_shares_sum_to_one_over_the_covered_part(bone_dir, bone_cov):
    with rasterio.open(bone_dir / "agroecology" / "soil_TEXTURE_USDA.tif") as src:
        arr, nodata = src.read(1), src.nodata
    majority, shares = reduce_categorical(bone_cov, arr.ravel(), nodata)
    covered = shares.notna().any(axis=1)
    assert np.allclose(shares[covered].fillna(0).sum(axis=1), 1.0)
    assert majority[covered].isin(shares.columns).all()
    rng = np.random.default_rng(1)
    cls = rng.integers(0, 5, size=bone_cov.cells.size).astype(np.int8)  # 0 = no data
    sh = class_shares(bone_cov, cls)
    ok = ~np.isnan(sh).any(axis=1)
    assert ok.sum() == bone_cov.n_areas
    assert np.allclose(sh[ok].sum(axis=1), 1.0)
    # counted chunk by chunk (as national layers are): the same shares
    from unggulan.core.land import zonal

    old = zonal.CHUNK_CELLS
    try:
        zonal.CHUNK_CELLS = 37
        chunked = class_shares(bone_cov, cls)
    finally:
        zonal.CHUNK_CELLS = old
    np.testing.assert_array_equal(np.isnan(chunked), np.isnan(sh))
    np.testing.assert_allclose(chunked[ok], sh[ok], rtol=1e-12)
    # and by hand for one area
    i = int(np.argmax(np.diff(bone_cov.offsets)))
    sl = slice(bone_cov.offsets[i], bone_cov.offsets[i + 1])
    w, c = bone_cov.weights[sl], cls[sl]
    expected = np.array([w[c == k].sum() for k in (1, 2, 3, 4)]) / w[c > 0].sum()
    np.testing.assert_allclose(sh[i], expected, rtol=1e-12)


def test_raster_in_another_crs_and_resolution(bone_dir, bone_desa, tmp_path):
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src_path = bone_dir / "agroecology" / "elevation.tif"
    with rasterio.open(src_path) as src:
        dst_crs = "EPSG:32750"
        transform, w, h = calculate_default_transform(src.crs, dst_crs, src.width, src.height,
                                                      *src.bounds, resolution=200)
        out = np.full((h, w), np.nan, dtype="float32")
        reproject(src.read(1), out, src_transform=src.transform, src_crs=src.crs,
                  dst_transform=transform, dst_crs=dst_crs, resampling=Resampling.bilinear,
                  src_nodata=np.nan, dst_nodata=np.nan)
        original = reduce_continuous(compute_coverage(bone_desa.geometry, Grid.of(src)),
                                     src.read(1).ravel(), np.nan)
    utm = _raster(tmp_path / "utm.tif", out, transform, crs=dst_crs)
    cov = compute_coverage(bone_desa.geometry, _grid(utm))  # polygons go to the raster CRS
    ours = reduce_continuous(cov, out.ravel(), np.nan)
    ref = exact_extract(str(utm), bone_desa.to_crs(dst_crs), ["mean"], output="pandas")
    assert _rel(ours["mean"].to_numpy(), ref["mean"].to_numpy()) <= 1e-9
    # against the original grid: resampling changes values a little; stated tolerance 3 %
    # of the mean or 15 m, whichever is larger
    diff = np.abs(ours["mean"] - original["mean"])
    assert (diff <= np.maximum(0.03 * original["mean"], 15)).all()


def test_workers_and_disk_cache_give_the_same_coverage(tmp_path):
    boxes = [box(x * 0.01, y * 0.01, x * 0.01 + 0.013, y * 0.01 + 0.011)
             for x in range(50) for y in range(45)]
    areas = gpd.GeoSeries(boxes, crs="EPSG:4326")
    arr = np.random.default_rng(0).random((60, 70)).astype("float32")
    tif = _raster(tmp_path / "r.tif", arr, from_origin(-0.05, 0.5, 0.0087, 0.0087))
    grid = _grid(tif)
    one = compute_coverage(areas, grid, workers=1)
    two = compute_coverage(areas, grid, workers=2)
    np.testing.assert_array_equal(one.offsets, two.offsets)
    np.testing.assert_array_equal(one.cells, two.cells)
    np.testing.assert_array_equal(one.weights, two.weights)
    cached = compute_coverage(areas, grid, cache_dir=tmp_path / "cache")
    files = list((tmp_path / "cache").glob("cov-*.npz"))
    assert len(files) == 1
    again = compute_coverage(areas, grid, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(cached.cells, again.cells)
    np.testing.assert_array_equal(one.weights, again.weights)


@pytest.mark.parametrize("lat0", [-6.0, 45.0])
def test_slope_from_a_geographic_dem_on_a_known_plane(lat0):
    res = 0.001
    rows, cols = 60, 80
    transform = from_origin(110.0, lat0 + rows * res / 2, res, res)
    grid = Grid(rasterio.crs.CRS.from_epsg(4326).to_wkt(), tuple(transform)[:6], cols, rows)
    lat = transform.f + (np.arange(rows) + 0.5) * transform.e
    lon = transform.c + (np.arange(cols) + 0.5) * transform.a
    per_lon, per_lat = metres_per_degree(lat)
    g_north, g_east = 0.12, 0.05  # metres of rise per metre of run
    north_m = np.cumsum(np.r_[0, np.diff(lat) * (per_lat[1:] + per_lat[:-1]) / 2])
    east_m = (lon - lon[0])[None, :] * per_lon[:, None]
    dem = g_north * north_m[:, None] + g_east * east_m
    slope = slope_percent(dem, grid)
    expected = 100 * np.hypot(g_north, g_east)
    inner = slope[2:-2, 2:-2]
    assert np.allclose(inner, expected, rtol=2e-3)


def test_braak_lapse_rate():
    assert braak_temperature(np.array([0.0]))[0] == pytest.approx(26.3)
    assert braak_temperature(np.array([1150.0]))[0] == pytest.approx(26.3 - 6.9)


def test_engine_equals_exactextract_on_a_synthetic_layer(tmp_path):
    rng = np.random.default_rng(3)
    arr = rng.normal(100, 30, size=(120, 150)).astype("float32")
    arr[rng.random(arr.shape) < 0.05] = np.nan
    tif = _raster(tmp_path / "s.tif", arr, from_origin(100.0, 1.0, 0.01, 0.01))
    centres = rng.uniform([100.05, -0.15], [101.45, 0.95], size=(300, 2))
    sizes = rng.uniform(0.002, 0.2, size=(300, 2))  # from sub-pixel to many pixels
    polys = gpd.GeoDataFrame(geometry=[
        box(x - w / 2, y - h / 2, x + w / 2, y + h / 2).buffer(w / 5)
        for (x, y), (w, h) in zip(centres, sizes)], crs="EPSG:4326")
    cov = compute_coverage(polys.geometry, _grid(tif))
    ours = reduce_continuous(cov, arr.ravel(), np.nan)
    ref = exact_extract(str(tif), polys, ["mean", "min", "max"], output="pandas")
    for stat in ("mean", "min", "max"):
        assert _rel(ours[stat].to_numpy(), ref[stat].to_numpy()) <= 1e-9, stat
