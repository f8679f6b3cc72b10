"""Attributes on several processes (issue #22): identical to one process, cache included."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

from unggulan.core.inputs.rasters import RasterInfo
from unggulan.core.land import attributes as attrs_mod
from unggulan.core.land.attributes import AttributeEngine
from unggulan.core.land.zonal import (
    Grid,
    coverage_cache_path,
    coverage_of_wkb,
    merge_coverages,
    partition_areas,
)


@pytest.fixture
def parallel_always(monkeypatch):
    """The parallel path for any number of areas (Bone has 372 desa, below the threshold)."""
    monkeypatch.setattr(attrs_mod, "PARALLEL_MIN_AREAS", 0)


@pytest.fixture
def pool_only(parallel_always, monkeypatch):
    """Every chunk goes to the worker processes: what they compute is what is compared."""
    monkeypatch.setattr(attrs_mod, "CHUNKS_HERE", False)


def _same_coverage(a, b):
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.cells, b.cells)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.cells.dtype == b.cells.dtype == np.int64


# ---------------------------------------------------------------- Bone, 18 real rasters
@pytest.mark.parametrize("slope", ["given", "derived"])
def test_bone_on_two_processes_is_identical_to_one(bone, pool_only, slope):
    rasters = dict(bone.rasters)
    assert len(rasters) == 18
    if slope == "derived":  # slope from the DEM (padded windows) and Braak's temperature
        rasters = {k: v for k, v in rasters.items() if k not in ("slope", "temperature")}
    areas = bone.areas("desa")
    one = AttributeEngine(rasters, workers=1).attributes("desa", areas)
    eng = AttributeEngine(rasters, workers=2)
    two = eng.attributes("desa", areas)
    run = eng.last_run
    assert run["processes"] == 2 and run["chunks"] == 2 * attrs_mod.CHUNKS_PER_WORKER
    assert run["pool"] == run["chunks"] and run["here"] == 0  # all in the other process
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert {"drainage_majority", "texture_majority", "slope_mean"} <= set(two.columns)
    assert (two["elevation_covered"] > 0).all()  # every desa lies on the rasters
    if slope == "derived":
        assert two["temperature_estimated"].all()
    # every chunk read its own window of each raster: each holds the chunk's covered cells
    # and is a small part of the level's (what one process holds at a time); together they
    # are not much more than the level's
    grid = eng.layers["elevation"].grid
    cov = eng.coverage("desa", areas.geometry, grid)
    level = cov.window[2] * cov.window[3]
    sizes = []
    for part, windows in zip(run["parts"], run["windows"]):
        assert list(windows) == [grid.key()]  # one grid: one window per chunk
        r0, c0, h, w = windows[grid.key()]
        cells = np.concatenate([cov.cells[cov.offsets[i]:cov.offsets[i + 1]] for i in part])
        rows, cols = np.divmod(cells, grid.width)
        assert r0 <= rows.min() and rows.max() < r0 + h
        assert c0 <= cols.min() and cols.max() < c0 + w
        sizes.append(h * w)
    assert max(sizes) < level / 4
    assert sum(sizes) < 1.3 * level


def test_bone_both_processes_taking_chunks_and_cell_values(bone, parallel_always):
    areas = bone.areas("desa")
    ref = AttributeEngine(bone.rasters, workers=1)
    one = ref.attributes("desa", areas)
    eng = AttributeEngine(bone.rasters, workers=2)
    two = eng.attributes("desa", areas)
    assert eng.last_run["here"] + eng.last_run["pool"] == eng.last_run["chunks"]
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    # per-pixel values for suitability: coverage merged from the chunks, values read here
    cov1, cells1 = ref.cell_values("desa", areas)
    cov2, cells2 = eng.cell_values("desa", areas)
    _same_coverage(cov1, cov2)
    assert cells1.keys() == cells2.keys()
    for attr in cells1:
        np.testing.assert_array_equal(cells1[attr], cells2[attr])


# ---------------------------------------------------------------- a synthetic boundary case
def _tif(path: Path, arr: np.ndarray, transform, nodata) -> RasterInfo:
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0],
                       count=1, dtype=arr.dtype, crs="EPSG:4326", transform=transform,
                       nodata=nodata) as dst:
        dst.write(arr, 1)
        bounds = tuple(dst.bounds)
    return RasterInfo(path.stem, str(path), False, "EPSG:4326", arr.shape[1], arr.shape[0],
                      (transform.a, -transform.e), str(arr.dtype), nodata, bounds)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A 60 x 90 grid of 0.01 deg: elevation with holes (slope and temperature derived), a
    drainage class found only in the west, and areas of every awkward kind."""
    folder = tmp_path_factory.mktemp("par")
    rng = np.random.default_rng(7)
    t = from_origin(110.0, -5.0, 0.01, 0.01)
    elev = (rng.normal(500, 150, (60, 90))).astype("float32")
    elev[rng.random(elev.shape) < 0.04] = np.nan
    elev[20:26, 40:48] = np.nan  # a hole straddling the middle
    rain = rng.integers(1000, 3000, (60, 90)).astype("int16")
    rain[:5, :] = -1  # nodata rows along the top
    drain = rng.integers(1, 4, (60, 90)).astype("uint8")
    drain[:, :15] = np.where(rng.random((60, 15)) < 0.5, 7, drain[:, :15])  # 7: west only
    drain[50:, 60:] = 0  # nodata
    rasters = {"elevation": _tif(folder / "elevation.tif", elev, t, np.nan),
               "rainfall": _tif(folder / "rainfall.tif", rain, t, -1),
               "drainage": _tif(folder / "drainage.tif", drain, t, 0)}
    boxes = [box(110.02 + 0.1 * i, -5.58 + 0.07 * j, 110.02 + 0.1 * i + 0.083,
                 -5.58 + 0.07 * j + 0.061) for i in range(9) for j in range(8)]
    long_strip = box(110.003, -5.303, 110.897, -5.2915)  # west to east across every split
    diagonal = Polygon([(110.05, -5.55), (110.07, -5.57), (110.86, -5.03), (110.84, -5.01)])
    half_out = box(110.85, -5.1, 111.2, -4.8)  # reaches out of the grid (north-east)
    outside = box(120.0, -5.5, 120.1, -5.4)  # no cell at all
    tiny = box(110.4512, -5.2512, 110.4531, -5.2533)  # inside one cell
    areas = gpd.GeoDataFrame(
        {"code": [f"a{i}" for i in range(len(boxes) + 5)]},
        geometry=boxes + [long_strip, diagonal, half_out, outside, tiny], crs="EPSG:4326",
    ).set_index("code")
    return rasters, areas


def test_areas_across_the_split_and_awkward_areas(synthetic, pool_only):
    rasters, areas = synthetic
    one = AttributeEngine(rasters, workers=1).attributes("t", areas)
    eng = AttributeEngine(rasters, workers=2)
    two = eng.attributes("t", areas)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert list(two.index) == list(areas.index)
    assert {"slope_mean", "temperature_estimated", "drainage_share_7"} <= set(two.columns)
    assert two.loc["a75", "elevation_covered"] == 0 and np.isnan(two.loc["a75", "slope_mean"])
    assert 0 < two.loc["a74", "elevation_covered"] < 1
    assert np.isnan(two.loc["a75", "drainage_majority"])
    # class 7 lies in the west only: the eastern chunks had no such class, and the shares
    # put side by side still sum to one over the covered part
    shares = two.filter(like="drainage_share_")
    has = shares.notna().any(axis=1)
    np.testing.assert_allclose(shares[has].fillna(0).sum(axis=1), 1.0)
    assert (shares["drainage_share_7"].fillna(0) == 0).sum() > 10
    # the strip's bounding box crosses the split: it overlaps the boxes of other chunks
    parts = eng.last_run["parts"]
    grid = eng.layers["elevation"].grid
    inv = ~grid.affine
    b = areas.geometry.bounds.to_numpy()
    col0, col1 = inv.a * b[:, 0] + inv.c, inv.a * b[:, 2] + inv.c
    strip = list(areas.index).index("a72")
    own = next(k for k, p in enumerate(parts) if strip in p)
    others = [k for k, p in enumerate(parts) if k != own
              and col0[p].min() < col1[strip] and col1[p].max() > col0[strip]]
    assert len(others) >= 2
    assert len(parts) == 2 * attrs_mod.CHUNKS_PER_WORKER


def test_cache_written_by_two_processes_is_the_one_process_cache(synthetic, parallel_always,
                                                                 tmp_path):
    rasters, areas = synthetic
    plain = AttributeEngine(rasters, workers=1).attributes("t", areas)
    e1 = AttributeEngine(rasters, workers=1, cache_dir=tmp_path / "one")
    e2 = AttributeEngine(rasters, workers=2, cache_dir=tmp_path / "two")
    a1, a2 = e1.attributes("t", areas), e2.attributes("t", areas)
    assert e2.last_run["processes"] == 2
    f1 = sorted(p.name for p in (tmp_path / "one").iterdir())
    f2 = sorted(p.name for p in (tmp_path / "two").iterdir())
    assert f1 == f2 and len(f1) == 1  # one grid, one file per level whatever the workers
    grid = e1.layers["elevation"].grid
    assert f1[0] == coverage_cache_path(areas.geometry, grid, tmp_path).name
    with np.load(tmp_path / "one" / f1[0]) as z1, np.load(tmp_path / "two" / f2[0]) as z2:
        for name in ("offsets", "cells", "weights"):
            np.testing.assert_array_equal(z1[name], z2[name])
    # read back: two processes find the coverage and reduce it here, one process too
    e3 = AttributeEngine(rasters, workers=2, cache_dir=tmp_path / "two")
    a3 = e3.attributes("t", areas)
    assert e3.last_run["processes"] == 1
    a4 = AttributeEngine(rasters, workers=1, cache_dir=tmp_path / "two").attributes("t", areas)
    for other in (a1, a2, a3, a4):
        pd.testing.assert_frame_equal(plain, other, check_exact=True)


def test_without_worker_processes_this_process_does_every_chunk(synthetic, parallel_always,
                                                                monkeypatch, caplog):
    rasters, areas = synthetic

    class NoProcesses:
        def __init__(self, *args, **kwargs):
            raise PermissionError("no semaphores here")

    monkeypatch.setattr(attrs_mod, "ProcessPoolExecutor", NoProcesses)
    monkeypatch.setattr(attrs_mod, "CHUNKS_HERE", False)  # even the chunks meant for them
    eng = AttributeEngine(rasters, workers=2)
    two = eng.attributes("t", areas)
    assert eng.last_run["here"] == eng.last_run["chunks"] == 2 * attrs_mod.CHUNKS_PER_WORKER
    assert "in this process" in caplog.text
    one = AttributeEngine(rasters, workers=1).attributes("t", areas)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_small_levels_stay_in_one_process(synthetic):
    rasters, areas = synthetic
    assert len(areas) < attrs_mod.PARALLEL_MIN_AREAS
    eng = AttributeEngine(rasters, workers=2)
    eng.attributes("t", areas)
    assert eng.last_run == {"processes": 1}


# ---------------------------------------------------------------- the pieces
def test_partition_by_hand():
    # six areas on a line, x = 0 1 2 | 10 11 12; all of work 1: cut in the middle
    x = np.array([0.0, 1, 2, 10, 11, 12])
    parts = partition_areas(x, np.zeros(6), np.ones(6), 2)
    assert [p.tolist() for p in parts] == [[0, 1, 2], [3, 4, 5]]
    # tall rather than wide: cut across y; area 3 (y=0) weighs 4 = half of 1+1+1+4+1
    y = np.array([5.0, 6, 7, 0, 8])
    parts = partition_areas(np.zeros(5), y, np.array([1.0, 1, 1, 4, 1]), 2)
    assert [p.tolist() for p in parts] == [[3], [0, 1, 2, 4]]
    # three parts of a 2 x 3 block of unit areas: 1/3 cut off across x (the longer side),
    # then the rest halved
    xs, ys = np.meshgrid(np.arange(3.0), np.arange(2.0))
    parts = partition_areas(xs.ravel(), ys.ravel(), np.ones(6), 3)
    assert [p.tolist() for p in parts] == [[0, 3], [1, 4], [2, 5]]


def test_partition_with_sizes_and_the_chunk_sizes():
    # 1,200 unit areas along x, parts of shares 2 : 2 : 1 : 1 -> 400, 400, 200, 200 areas
    x = np.arange(1200.0)
    parts = partition_areas(x, np.zeros(1200), np.ones(1200), 4, sizes=[2, 2, 1, 1])
    assert [len(p) for p in parts] == [400, 400, 200, 200]
    assert [int(p[0]) for p in parts] == [0, 400, 800, 1000]  # in order along x
    with pytest.raises(ValueError):
        partition_areas(x, np.zeros(1200), np.ones(1200), 4, sizes=[1, 1, 1])
    # two processes meet half way: the chunks there are the smallest; 16 chunks:
    # |i + 0.5 - 8| / 4 clipped to [0.2, 1]
    sizes = attrs_mod.chunk_sizes(16, 2)
    assert sizes[7] == sizes[8] == 0.2 and sizes[6] == 1.5 / 4 and sizes[0] == 1.0
    # three processes (two workers from the front, this one from the back) meet at 2/3
    sizes = attrs_mod.chunk_sizes(24, 3)
    assert sizes.argmin() in (15, 16) and sizes[:8].min() == 1.0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 16), st.integers(0, 2**31 - 1))
def test_partition_is_a_balanced_partition(n, k, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 1000, n), rng.uniform(0, 300, n)
    work = rng.uniform(1, 10, n)
    x[rng.random(n) < 0.05] = np.nan  # empty geometries
    parts = partition_areas(x, y, work, k)
    assert len(parts) == min(n, k)
    every = np.concatenate(parts)
    assert sorted(every.tolist()) == list(range(n))  # each area exactly once
    assert all(len(p) and (np.diff(p) > 0).all() for p in parts)
    if n >= 50 * k:  # many small areas: every part near its share of the work
        shares = np.array([work[p].sum() for p in parts]) / work.sum()
        assert np.abs(shares - 1 / k).max() < 0.1 / k + 10 / n


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5))
def test_merging_chunk_coverages_gives_the_level_coverage(seed, k):
    rng = np.random.default_rng(seed)
    grid = Grid(rasterio.crs.CRS.from_epsg(4326).to_wkt(), (0.1, 0, 0, 0, -0.1, 3.0), 30, 30)
    n = int(rng.integers(1, 25))
    lo = rng.uniform(-0.5, 3.0, (n, 2))
    size = rng.uniform(0.0, 0.8, (n, 2))
    geoms = [box(a, b, a + w, b + h) for (a, b), (w, h) in zip(lo, size)]
    wkbs = [g.wkb for g in geoms]
    whole = coverage_of_wkb(wkbs, grid)
    label = rng.integers(0, k, n)
    parts = []
    for j in range(k):
        idx = np.flatnonzero(label == j)
        if len(idx):
            c = coverage_of_wkb([wkbs[i] for i in idx], grid)
            parts.append((idx, c.offsets, c.cells.astype(np.int32), c.weights))
    _same_coverage(whole, merge_coverages(grid, n, parts))
