"""The memory-lean paths of the national evidence and ranking give what the plain ones give.

A national desa run holds 7.3 million pairs, most land only; the evidence is assembled on
sparse columns, components are computed on the rows that can have them, scores are fed one
criterion at a time, and the activity is handed over so the statistics' evidence can be freed.
Each of these is checked here against the plain computation on frames made to hit the edge
cases (NaN and zero workers, rows without statistics, a lone kabupaten without production).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unggulan.base.parallel import in_background
from unggulan.core.ranking.candidates import (
    COMPACT_FROM,
    _compact_column,
    add_components,
    add_local,
)
from unggulan.core.ranking.scoring import weighted_mean, weighted_mean_of


def _evidence(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = pd.Categorical(rng.choice([f"a{i:03d}" for i in range(400)], n))
    stat = rng.random(n) < 0.3                          # rows with statistics
    workers = np.where(rng.random(n) < 0.05, rng.integers(1, 90, n).astype(float), 0.0)
    workers[rng.random(n) < 0.001] = np.nan

    def some(p_nan: float, scale: float = 1.0) -> np.ndarray:
        v = rng.random(n) * scale
        return np.where(stat & (rng.random(n) > p_nan), v, np.nan)

    return pd.DataFrame({
        "code": codes,
        "commodity": pd.Categorical(rng.choice(["kopi", "kakao", "padi_sawah"], n)),
        "workers": workers, "sentra": np.where(workers > 0, 1.0, 0.0),
        "lq_score": np.where(workers > 0, rng.random(n), 0.0),
        "stat_value": np.where(stat, rng.random(n) * 100 - 5, np.nan),
        "stat_share": some(0.1), "slq": some(0.2, 6.0), "dlq": some(0.3, 2.0),
        "extent_share": some(0.5), "land_share": some(0.6, 0.01),
        "stat_level": np.where(stat, np.where(rng.random(n) < 0.5, "desa", "kecamatan"), None),
    })


def test_components_of_sparse_columns_equal_the_dense_ones():
    """Sparse activity columns (as a national evidence holds them) give the same components
    as the same values held dense."""
    n = COMPACT_FROM + 5_000
    dense = _evidence(n)
    sparse = dense.copy()
    for col in ("workers", "sentra", "lq_score", "stat_value", "slq", "dlq", "extent_share",
                "land_share", "stat_share"):
        sparse[col] = _compact_column(col, sparse[col].to_numpy(), keep=())
    assert isinstance(sparse["slq"].dtype, pd.SparseDtype)
    a = add_components(dense, "desa")
    b = add_components(sparse, "desa")
    for col in ("sentra_share", "active", "activity_tier", "specialisation_score",
                "scale_score", "trend_score"):
        x = np.asarray(a[col].to_numpy(), dtype=float)
        y = np.asarray(b[col].to_numpy(), dtype=float)
        np.testing.assert_array_equal(x, y, err_msg=col)


def test_components_where_nothing_is_known():
    """A row without sentra and statistics: no LQ score, no base share, no trend."""
    ev = _evidence(50)
    out = add_components(ev, "desa")
    none = (ev["workers"] == 0) & ev["stat_level"].isna()
    assert (out.loc[none, "specialisation_score"] == 0).all()
    assert (out.loc[none, "scale_score"] == 0).all()
    assert out.loc[none, "trend_score"].isna().all()
    assert (out.loc[none, "activity_tier"] == 0).all()
    # the sentra share: each area's workers, NaN workers staying NaN
    nan_rows = ev["workers"].isna()
    assert out.loc[nan_rows, "sentra_share"].isna().all()
    one = ev[(ev["workers"] > 0)].iloc[0]
    area = ev["code"] == one["code"]
    total = ev.loc[area, "workers"].sum()
    got = out.loc[(ev["workers"] > 0) & area, "sentra_share"].iloc[0]
    assert got == pytest.approx(one["workers"] / total)


def test_local_production_from_the_lookup_table():
    ev = pd.DataFrame({
        "code": pd.Categorical(["d1", "d1", "d2", "d3", "d4"]),
        "commodity": pd.Categorical(["kopi", "kakao", "kopi", "kopi", "kopi"]),
        "activity_tier": [0, 2, 0, 0, 0],
    })
    kab_of = pd.Series({"d1": "k1", "d2": "k2", "d3": "k3"})        # d4: no kabupaten
    produced = pd.DataFrame({"kabupaten_code": ["k1", "k2", "k2"],
                             "commodity": ["kopi", "kakao", "cengkeh"]})
    out = add_local(ev.copy(), (kab_of, produced))
    # k1 produces kopi; k2 produces kakao (not kopi); k3 records nothing at all; d4 has none
    assert out["local"].tolist()[:3] == [1.0, 0.0, 0.0]
    assert np.isnan(out["local"].to_numpy()[3:]).all()
    assert np.isnan(out["local_score"].iat[1])                 # own activity: scored itself
    assert out["local_score"].iat[0] == 1.0


def test_weighted_mean_fed_one_column_at_a_time_is_the_same():
    rng = np.random.default_rng(7)
    x = rng.random((1_000, 6))
    x[rng.random(x.shape) < 0.3] = np.nan
    w1 = np.array([0.3, 0.2, 0.1, 0.15, 0.15, 0.1])
    w2 = rng.random((4, 6))
    for w in (w1, w2):
        np.testing.assert_array_equal(
            weighted_mean(x, w), weighted_mean_of((x[:, k] for k in range(6)), 1_000, w))


def test_a_background_value_is_handed_over():
    job = in_background(lambda: ("activity", "neighbours"), workers=1)
    assert job.take() == ("activity", "neighbours")
    with pytest.raises(RuntimeError, match="taken"):
        job.result()


def test_reasons_written_in_slices_equal_those_written_whole(monkeypatch):
    """The candidates' sentences are written a slice of rows at a time (the sentence loop's
    lists are a slice's): slices of 7 rows give the same candidates, text and types."""
    from unggulan import Dataset
    from unggulan.core.ranking import candidates as cmod

    monkeypatch.setenv("UNGGULAN_NO_CACHE", "1")      # (computed both times, not read back)
    whole = Dataset.open().candidates("desa", top=4)
    monkeypatch.setattr(cmod, "TEXT_SLICE", 7)
    sliced = Dataset.open().candidates("desa", top=4)
    assert len(whole) > 7 * 3 and whole["reason_id"].str.len().min() > 0
    pd.testing.assert_frame_equal(pd.DataFrame(sliced.drop(columns="geometry")),
                                  pd.DataFrame(whole.drop(columns="geometry")))


def test_a_handed_frame_changes_without_the_cache():
    """Dataset hands out its cached frames as shallow copies under copy-on-write: changing
    the copy (a value, a column, the geometry) leaves the cached frame as it was."""
    from shapely.geometry import Point

    from unggulan import Dataset

    ds = Dataset.open()
    first = ds.candidates("kecamatan")
    kept = first.copy(deep=True)
    first.loc[first.index[0], "score"] = -1.0
    first["reason_id"] = "x"
    first.loc[first.index[0], "geometry"] = Point(0, 0)
    again = ds.candidates("kecamatan")
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(kept))


def test_arrow_text_is_allocated_where_freed_memory_can_be_returned(monkeypatch):
    """After Dataset.open pyarrow allocates from the system allocator (whose freed pages
    malloc_trim returns), unless the user named a pool."""
    pa = pytest.importorskip("pyarrow")
    from unggulan import Dataset
    from unggulan.base import memory

    Dataset.open()
    assert pa.default_memory_pool().backend_name == "system"
    memory.arrow_from_system_allocator.cache_clear()
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    assert memory.arrow_from_system_allocator() is False
    memory.arrow_from_system_allocator.cache_clear()


@pytest.mark.parametrize("direct", [True, False])
def test_activity_rows_found_by_pair_key(monkeypatch, direct):
    """_positions finds each pair's activity row by key, through a table indexed by key
    (small keys) or a hash index (large ones), with the same answers: -1 where no row has
    the key, rows keyed -1 never matched, a key twice an error."""
    from unggulan.core.ranking import candidates as cmod

    monkeypatch.setattr(cmod, "DIRECT_KEYS", 10**9 if direct else 0)
    frame_keys = np.array([7, -1, 3, 12, 0])
    keys = np.array([3, 0, 5, 12, 7, 1])
    assert cmod._positions(keys, frame_keys).tolist() == [2, 4, -1, 3, 0, -1]
    assert cmod._positions(np.array([], dtype=np.int64), frame_keys).tolist() == []
    with pytest.raises(ValueError, match="unique per"):
        cmod._positions(keys, np.array([3, 9, 3]))


def _ranking_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Evidence to rank with many exact ties and near ties (scores on a 0.1 grid, a few
    tenths apart), both keys, and areas of one to forty rows."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, n // 20 + 1)
    area = np.repeat(np.arange(len(sizes)), sizes)[:n]
    rng.shuffle(area)                                   # (rows of an area scattered)
    ev = pd.DataFrame({
        "code": pd.Categorical([f"d{a:04d}" for a in area]),
        "commodity": pd.Categorical(rng.choice([f"k{i:02d}" for i in range(60)], len(area))),
        "activity_tier": rng.choice([0, 0, 0, 1, 2], len(area)).astype(np.int8),
        "local": rng.choice([0.0, 1.0, np.nan], len(area)),
        "suitability_index": np.round(rng.random(len(area)), 1),
        "share_s1": np.round(rng.random(len(area)), 1),
        "workers": rng.choice([0.0, 5.0], len(area)),
    })
    sc = np.round(rng.choice([20.0, 40.0, 60.0], len(area)) + rng.integers(0, 8, len(area))
                  * 0.1, 1)
    return ev, sc


@pytest.mark.parametrize("seed, top, chunk", [(1, 1, None), (2, 3, None), (3, 5, None),
                                              (4, 3, 50), (5, 2, 7)])
def test_ranking_the_contenders_only_gives_the_same_top_ranks(monkeypatch, seed, top, chunk):
    """Ordering only the rows that can reach the top ranks (or tie or near-tie with them)
    gives the kept rows the ranks, shared ranks, ties and tie and near-tie partners that
    ordering every row gives (also a block of areas at a time)."""
    from unggulan.core.ranking import candidates as cm

    if chunk:
        monkeypatch.setattr(cm, "RANK_CHUNK", chunk)
    ev, sc = _ranking_frame(3000, seed)
    w = {c: 1.0 for c in cm.ACTIVITY_COMPONENTS} | {"local": 1.0}
    area = ev["code"].cat.codes.to_numpy()
    tier, local = cm.rank_tiers(ev, w)

    def ranked(rows):
        order = cm.rank_order(ev, sc, w, rows=rows)
        r = cm.shared_ranks(area[order], (tier[order], local[order]), sc[order], top=top)
        at = r["kept"]
        partners = [tuple(order[a:b]) for key in ("tie", "near") for a, b in
                    zip(r[f"{key}_lo"].tolist(), r[f"{key}_hi"].tolist(), strict=True)]
        return (order[at].tolist(), r["rank"].tolist(), r["rank_shared"].tolist(),
                r["tie"].tolist(), partners)

    rows = cm.contenders(area, (tier, local), sc, top)
    assert rows is not None and len(rows) < len(ev)       # (some rows left out)
    assert ranked(rows) == ranked(None)


def test_contenders_give_way_to_every_row_when_they_cannot_judge():
    from unggulan.core.ranking.candidates import contenders

    area = np.array([0, 0, 1])
    assert contenders(area, (np.zeros(3),), np.array([1.0, np.nan, 2.0]), top=1) is None
    assert contenders(area, (np.zeros(3),), np.array([1.0, 2.0, 3.0]), top=None) is None
    # an area of fewer rows than ``top``: all of them
    assert contenders(area, (np.zeros(3),), np.array([1.0, 2.0, 3.0]), top=5).tolist() == \
        [0, 1, 2]


@pytest.mark.parametrize("n_limits", [0, 1, 5, 16, 17, 30, 200])
def test_class_bins_counted_equal_bins_searched(monkeypatch, n_limits):
    """The bins counted limit by limit (16 limits or fewer), or searched a slice at a time,
    are those one search of every value finds: values between limits, at a limit (float32
    cells against float64 limits that float32 cannot hold), beyond both ends, and NaN."""
    from unggulan.core.land import suitability
    from unggulan.core.land.suitability import _bins

    monkeypatch.setattr(suitability, "BIN_SLICE", 333)

    rng = np.random.default_rng(n_limits)
    limits = np.unique(np.round(rng.random(n_limits) * 100, 1))
    v = np.concatenate([rng.random(5000) * 120 - 10, limits, limits.astype(np.float32),
                        [np.nan, -np.inf, np.inf]]).astype(np.float32)
    b, reps = _bins(v, limits)
    n = len(limits)
    p = np.searchsorted(limits, v.astype(float), side="left")
    expect = 2 * p + ((p < n) & (limits[np.minimum(p, n - 1)] == v) if n else 0)
    expect[np.isnan(v)] = 2 * n + 1
    assert b.tolist() == expect.tolist()
    assert len(reps) == 2 * n + 2
    assert b.dtype == (np.uint8 if n < 127 else np.uint16)


def test_managed_index_on_category_codes_equals_the_labels():
    """The management floor found on categorical codes equals the one found on labels,
    also where the two columns have other categories, labels the other lacks, or none."""
    from unggulan.core.ranking.candidates import managed_index

    rng = np.random.default_rng(7)
    labels = np.array(["S1", "S2", "S3", "N", None], dtype=object)
    actual, pot = labels[rng.integers(0, 5, 4000)], labels[rng.integers(0, 5, 4000)]
    idx = np.round(rng.random(4000), 2)
    plain = pd.DataFrame({"suitability_index": idx, "suitability_class": actual,
                          "potential_class": pot})
    expect = managed_index(plain)
    assert (expect != idx).any()                          # (some rows lifted)
    for act_cats, pot_cats in ((None, None), (["N", "S3", "S2", "S1"], ["S2", "S1", "N", "S3"]),
                               (["S1", "S2", "S3", "N"], None)):
        frame = plain.assign(
            suitability_class=pd.Categorical(actual, categories=act_cats),
            potential_class=pd.Categorical(pot, categories=pot_cats))
        assert np.array_equal(managed_index(frame), expect, equal_nan=True)
    # an actual class the potential's categories lack is not the same class
    frame = plain.assign(potential_class=pd.Categorical(np.where(pot == "S1", "S1", None)))
    assert np.array_equal(managed_index(frame),
                          managed_index(plain.assign(potential_class=frame["potential_class"]
                                                     .astype(object))), equal_nan=True)


def test_rows_taken_dense_equal_iloc_then_dense():
    """Taking rows of sparse columns by searching their stored positions equals a sparse
    take made dense: rows in any order, repeated, at stored and fill positions."""
    from unggulan.core.ranking.candidates import _dense, _take_dense

    rng = np.random.default_rng(3)
    n = 5000
    stored = np.where(rng.random(n) < 0.2, rng.random(n), np.nan)
    frame = pd.DataFrame({
        "code": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "x": pd.arrays.SparseArray(stored),
        "y": pd.arrays.SparseArray(np.nan_to_num(stored), fill_value=0.0),
        "z": pd.arrays.SparseArray(np.nan_to_num(stored).astype(np.float32), fill_value=0.0),
        "w": rng.random(n),
    }, index=pd.RangeIndex(10, 10 + n))
    for rows in (rng.permutation(n)[:700], np.sort(rng.integers(0, n, 900)),
                 np.array([n - 1, 0, 0]), np.empty(0, np.int64)):
        pd.testing.assert_frame_equal(_dense(_take_dense(frame, rows)),
                                      _dense(frame.iloc[rows].copy()))


def test_managed_index_without_any_actual_class():
    from unggulan.core.ranking.candidates import managed_index

    frame = pd.DataFrame({"suitability_index": [0.1, 0.2],
                          "suitability_class": pd.Categorical([None, None]),
                          "potential_class": pd.Categorical(["S2", None])})
    assert managed_index(frame).tolist() == [0.5, 0.2]
