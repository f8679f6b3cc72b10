"""The Dask path (unggulan.core.partitioned) gives exactly the single-process results.

Every comparison is ``assert_frame_equal(..., check_exact=True)``: same rows, order, values
(bit for bit) and dtypes. Bone (372 desa, one kabupaten split over four partitions, real
rasters, synthetic sentra and statistics) runs on the synchronous scheduler; about 5,000 desa
cut from Bone (two kabupaten, each spread over the partitions) run on a local cluster of
worker processes reached through ``UNGGULAN_DASK_SCHEDULER``, so every task and its data are
pickled.
"""

from __future__ import annotations

import dask
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from unggulan.core import partitioned as P
from unggulan.core.activity.specialisation import (
    combine_totals,
    counts,
    reference_totals,
    specialisation,
)
from unggulan.core.ranking.run import default_scenario

pytest.importorskip("dask_geopandas")

SOME = ["kakao", "kopi_arabika", "kopi_bubuk", "gula_aren", "padi_sawah", "sapi_potong"]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert_frame_equal(a, b, check_exact=True)


@pytest.fixture(scope="module")
def env():
    """No disk caches (both paths compute now) and no scheduler from the caller's shell."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UNGGULAN_NO_CACHE", "1")
        mp.delenv(P.SCHEDULER_ENV, raising=False)
        yield mp


@pytest.fixture(scope="module")
def bone_ds(bone_dir, env):
    from unggulan import Dataset

    return Dataset.open(bone_dir)


def _partitions(ds, level: str, k: int) -> list:
    parts = P.partition_areas(ds.areas(level), k, "synchronous").to_delayed()
    return list(dask.compute(*parts, scheduler="synchronous"))


# ---------------------------------------------------------------------------- Bone
def test_bone_one_kabupaten_over_four_partitions(bone_ds):
    ds = bone_ds
    parts = _partitions(ds, "desa", 4)
    # the one kabupaten (73.08) lies in all four partitions, and so do the sentra
    assert len(parts) == 4 and all(len(p) for p in parts)
    assert [set(p["kabupaten_code"]) for p in parts] == [{"73.08"}] * 4
    sentra_codes = set(ds.sentra(placed_only=True)["desa_code"])
    assert all(len(sentra_codes & set(p["code"])) > 10 for p in parts)
    assert sorted(np.concatenate([p["_pos"] for p in parts])) == list(range(372))

    run = P.pipeline_partitioned(ds, "desa", 4, "synchronous", explain=True)
    same(run.attributes, ds.attributes("desa"))
    same(run.suitability, ds.suitability("desa"))
    same(run.evidence, ds.evidence("desa"))
    same(run.candidates, ds.candidates("desa"))
    # every (desa, commodity) with sentra has its LQ against the kabupaten's totals (a
    # reduction over the partitions); the statistics (kecamatan tables) are in, and hot spots
    ev = run.evidence
    n_pairs = len(counts(ds.sentra(placed_only=True), "desa_code"))
    assert ev["lq"].notna().sum() == n_pairs and ev["lq"].nunique() > n_pairs // 2
    assert ev["slq"].notna().sum() > 1000
    assert (ev["cluster"] == "hot spot").sum() > 50
    assert run.candidates["stat_measure"].notna().sum() > 100


def test_compacted_evidence_is_identical_too(bone_ds, monkeypatch):
    # national evidence frames keep their detail columns sparse: the Dask path as well
    from unggulan.core.ranking import candidates as C

    monkeypatch.setattr(C, "COMPACT_FROM", 0)
    ds = bone_ds
    ev = P.evidence_partitioned(ds, "kecamatan", npartitions=3, scheduler="synchronous")
    single = C.evidence(ds.layers, "kecamatan",
                        ds.suitability("kecamatan", explain=False), ds.sentra(),
                        ds.statistics(), ds.catalogue, default_scenario())
    assert any(isinstance(t, pd.SparseDtype) for t in single.dtypes)
    same(ev, single)


def test_local_totals_would_not_do(bone_ds):
    """The reduction matters: with each partition's own totals the LQ comes out different
    (a test that passes either way would show nothing)."""
    ds = bone_ds
    areas = ds.areas("desa")
    cnt = counts(ds.sentra(placed_only=True), "desa_code")
    full = specialisation(cnt, areas, "kabupaten", year=2025)
    region = areas["kabupaten_code"]
    parts = [cnt[cnt["code"].isin(set(p["code"]))] for p in _partitions(ds, "desa", 4)]
    totals = combine_totals([reference_totals(c, region) for c in parts])
    assert totals.whole  # head counts: partial sums add up exactly
    joined = pd.concat([specialisation(c, areas, "kabupaten", 2025, totals=totals)
                        for c in parts])
    same(joined.sort_index(), full)
    own = pd.concat([specialisation(c, areas, "kabupaten", 2025,
                                    totals=reference_totals(c, region))
                     for c in parts]).sort_index()
    assert not np.allclose(own["lq"], full["lq"])
    assert not np.allclose(own["uniqueness"], full["uniqueness"])


def test_derived_slope_and_classes_missing_from_partitions(bone_dir, env, tmp_path):
    """Slope derived from the DEM in each partition's own window, Braak temperature, and
    texture classes absent from most of 8 partitions (share 0 is filled in)."""
    from unggulan import Dataset

    (tmp_path / "boundaries").symlink_to(bone_dir / "boundaries", target_is_directory=True)
    (tmp_path / "agroecology").mkdir()
    for name in ("elevation.tif", "soil_TEXTURE_USDA.tif"):
        (tmp_path / "agroecology" / name).symlink_to(bone_dir / "agroecology" / name)
    ds = Dataset.open(tmp_path)
    single = ds.attributes("desa")
    assert {"slope_mean", "temperature_estimated", "texture_share_9"} <= set(single.columns)
    parts = _partitions(ds, "desa", 8)
    lacking = [p for p in parts
               if (single.iloc[p["_pos"].to_numpy()]["texture_share_9"] == 0).all()]
    assert len(lacking) >= 4
    same(P.attributes_partitioned(ds, "desa", 8, "synchronous"), single)


# ---------------------------------------------------------------------------- LQ totals
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_totals_reduction_is_exact(data):
    """Any split of the areas over partitions gives ``specialisation``'s LQ bit for bit,
    fractional counts included (then the values are added in the single-process order)."""
    n_areas = data.draw(st.integers(2, 12))
    codes = [f"a{i:02d}" for i in range(n_areas)]
    region = pd.Series(data.draw(st.lists(st.sampled_from(["k1", "k2", "k3"]),
                                          min_size=n_areas, max_size=n_areas)), index=codes)
    value = st.one_of(st.integers(0, 500).map(float),
                      st.floats(0, 500, allow_nan=False).map(lambda x: round(x, 3)))
    rows = data.draw(st.lists(st.tuples(st.sampled_from(codes),
                                        st.sampled_from(["kakao", "kopi", "padi"]), value,
                                        value), min_size=1, max_size=30,
                              unique_by=lambda t: t[:2]))
    cnt = pd.DataFrame(rows, columns=["code", "commodity", "workers", "units"])
    cnt = cnt.sort_values(["code", "commodity"]).reset_index(drop=True)  # as counts() gives
    cnt.insert(2, "sentra", 1)
    cnt["first_year"] = 2000.0
    cnt["market"] = "lokal"
    k = data.draw(st.integers(1, 4))
    part_of = {c: data.draw(st.integers(0, k - 1)) for c in codes}
    parts = [cnt[cnt["code"].map(part_of) == i] for i in range(k)]
    areas = pd.DataFrame({"kabupaten_code": region})
    totals = combine_totals([reference_totals(p, region) for p in parts])
    got = pd.concat([specialisation(p, areas, "kabupaten", 2025, totals=totals)
                     for p in parts])
    same(got.sort_index(), specialisation(cnt, areas, "kabupaten", year=2025))


def test_fractional_totals_keep_the_single_process_rounding():
    # added left to right (a, b, c, the single-process order) 0.1 + 0.2 + 0.4 is
    # 0.7000000000000001; as partial sums (a + c) + b it is 0.7: a and c lie in one
    # partition, b in the other
    assert (0.1 + 0.2) + 0.4 != (0.1 + 0.4) + 0.2
    cnt = pd.DataFrame({"code": ["a", "b", "c"], "commodity": ["kakao"] * 3,
                        "workers": [0.1, 0.2, 0.4], "units": [1.0, 1.0, 1.0]})
    region = pd.Series("k", index=["a", "b", "c"])
    totals = combine_totals([reference_totals(cnt.iloc[[0, 2]], region),
                             reference_totals(cnt.iloc[[1]], region)])
    assert not totals.whole
    assert totals.region.loc["k", "workers"] == (0.1 + 0.2) + 0.4
    assert totals.commodity.loc["kakao", "workers"] == (0.1 + 0.2) + 0.4


def test_combined_candidates_infer_list_columns_again():
    """``period`` is built from a list: text, or None without statistics. A partition with
    only None gets object; put together, the column is what the whole list gives."""
    from shapely.geometry import Point

    def part(codes, periods):
        return gpd.GeoDataFrame({"code": codes, "rank": [1] * len(codes), "period": periods},
                                geometry=[Point(0, 0)] * len(codes), crs="EPSG:4326")

    a, b = part(["b"], [None]), part(["a"], ["2018-2022"])
    assert a["period"].dtype == object and b["period"].dtype != object
    got = P._combined_candidates([a, b], a)
    same(got, part(["a", "b"], ["2018-2022", None]))


# ---------------------------------------------------------------------------- scheduler
def test_scheduler_choice(env, monkeypatch):
    monkeypatch.setenv(P.SCHEDULER_ENV, "synchronous")
    with P.dask_scheduler() as s:
        assert s == "synchronous"
    with P.dask_scheduler("threads") as s:  # the argument wins over the variable
        assert s == "threads"
    sentinel = object()
    with P.dask_scheduler(sentinel) as s:  # a Client of the caller's passes through
        assert s is sentinel


# ---------------------------------------------------------------------------- 5,000 desa
@pytest.fixture(scope="module")
def split_bone(bone_dir, env, tmp_path_factory):
    from tests.core.partitioned_data import SECOND_KABUPATEN, build_split_bone
    from unggulan import Dataset

    folder = build_split_bone(bone_dir, tmp_path_factory.mktemp("split") / "bone5000")
    ds = Dataset.open(folder)
    assert len(ds.areas("desa")) == 5000
    assert set(ds.areas("desa")["kabupaten_code"]) == {"73.08", SECOND_KABUPATEN}
    assert len(ds.sentra(placed_only=True)) == 3000
    return ds


@pytest.fixture(scope="module")
def cluster_address(env):
    """A local cluster of two worker processes, reached by address as a real one is."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_kecamatan_wide_topsis_on_threads(split_bone):
    """Kecamatan (dissolved from the cells), TOPSIS (which compares an area's candidates),
    the wide form, the dataset as reference region, another management level."""
    ds = split_bone
    kw = {"wide": True, "method": "topsis", "top": 2, "reference": "dataset"}
    same(P.candidates_partitioned(ds, "kecamatan", 4, "threads", **kw),
         ds.candidates("kecamatan", **kw))
    same(P.suitability_partitioned(ds, "kecamatan", SOME, "tinggi", npartitions=4,
                                   scheduler="threads"),
         ds.suitability("kecamatan", SOME, "tinggi"))


def test_5000_desa_in_4_partitions_on_worker_processes(split_bone, cluster_address, env):
    ds = split_bone
    parts = _partitions(ds, "desa", 4)
    # four substantial spatial chunks (about 1,250 each; dask's quantiles of the Hilbert
    # distances set the cuts, and one CI run had a chunk of just under 1,000)
    assert [len(p) > 600 for p in parts] == [True] * 4
    assert all(len(set(p["kabupaten_code"])) == 2 for p in parts)

    env.setenv(P.SCHEDULER_ENV, cluster_address)  # scheduler=None: the variable's address
    run = P.pipeline_partitioned(ds, "desa", 4)
    env.delenv(P.SCHEDULER_ENV)
    same(run.attributes, ds.attributes("desa"))
    same(run.suitability, ds.suitability("desa", explain=False))
    same(run.candidates, ds.candidates("desa"))
    assert len(run.candidates) > 10_000 and (run.candidates["cluster"] == "hot spot").sum() > 500
    assert run.evidence["lq"].notna().sum() == len(counts(ds.sentra(placed_only=True),
                                                          "desa_code"))
