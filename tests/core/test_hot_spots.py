"""Hot spots at national speed (#22): analytical Gi* against esda, vectorised contiguity,
neighbourhood score and specialisation against their previous implementations."""

from __future__ import annotations

import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from shapely.geometry import MultiPolygon, Polygon, box

from unggulan.core.activity import clusters
from unggulan.core.activity.specialisation import (
    CONTINUITY_FULL_YEARS,
    LQ_FULL_SCORE,
    MARKET_SCORE,
    SHRINK_UNITS,
    SHRINK_WORKERS,
    counts,
    region_of,
    specialisation,
)

PERMUTATIONS, SEED = 999, 12345


# ---------------------------------------------------------------- previous implementations Copied
# from app/core/activity/specialisation.py and app/core/activity/clusters.py as of commit c48707e
# (before issue #22), so that the vectorised versions are compared with what they replace.
def _old_counts(sentra: pd.DataFrame, area_col: str) -> pd.DataFrame:
    s = sentra[sentra[area_col].notna() & sentra["commodity_id"].notna()]
    g = s.groupby([area_col, "commodity_id"], observed=True)
    out = pd.DataFrame({
        "sentra": g.size(),
        "workers": g["workers"].sum(min_count=1).fillna(0.0),
        "units": g["units"].sum(min_count=1).fillna(0.0),
        "first_year": g["year"].min(),
        "market": g["market"].agg(lambda m: max(m.dropna(), key=lambda x: MARKET_SCORE[x])
                                  if m.notna().any() else None),
    })
    out.index.names = ["code", "commodity"]
    return out.reset_index()


def _old_specialisation(cnt, areas, reference="kabupaten", year=None):
    year = year or dt.date.today().year
    region = region_of(areas, reference)
    c = cnt.copy()
    c["region"] = c["code"].map(region)
    for measure, k, suffix in (("workers", SHRINK_WORKERS, ""), ("units", SHRINK_UNITS,
                                                                  "_units")):
        e_ac = c[measure]
        e_a = c.groupby("code")[measure].transform("sum")
        E_c = c.groupby(["region", "commodity"])[measure].transform("sum")
        E = c.groupby("region")[measure].transform("sum")
        p = (E_c / E).where(E > 0)
        shrunk = (e_ac + k * p) / (e_a + k)
        c[f"lq{suffix}"] = (shrunk / p).where(p > 0)
        if measure == "workers":
            c["lq_raw"] = ((e_ac / e_a) / p).where((e_a > 0) & (p > 0))
            p_rest = (E_c - e_ac + 1.0) / (E - e_a + 1.0)
            lq_rest = ((e_ac + k * p_rest) / (e_a + k)) / p_rest
            c["lq_score"] = np.clip(np.log2(lq_rest.clip(lower=1.0)) / np.log2(LQ_FULL_SCORE),
                                    0, 1)
            total_c = c.groupby("commodity")[measure].transform("sum")
            c["uniqueness"] = (e_ac / total_c).where(total_c > 0, 0.0)
    yrs = (year - c["first_year"]).clip(lower=0)
    c["continuity_years"] = yrs
    c["continuity_score"] = (yrs / CONTINUITY_FULL_YEARS).clip(upper=1).fillna(0.0)
    c["market_score"] = c["market"].map(MARKET_SCORE).astype(float).fillna(0.0)
    return c.drop(columns="region")


def _old_neighbourhood_score(w, codes, workers, full_lq=8.0):
    from scipy import sparse

    W = w.sparse.tocsr().astype(float)
    W.setdiag(0)
    W.eliminate_zeros()
    W = (W > 0).astype(float)
    X = sparse.csr_matrix(workers.to_numpy(dtype=float))
    neigh = np.asarray((W @ X).todense())
    neigh_total = neigh.sum(axis=1, keepdims=True)
    own = workers.to_numpy(dtype=float)
    col_tot = own.sum(axis=0, keepdims=True)
    all_tot = own.sum()
    own_tot = own.sum(axis=1, keepdims=True)
    p_rest = (col_tot - own + 1.0) / (all_tot - own_tot + 1.0)
    k = 20.0
    share = (neigh + k * p_rest) / (neigh_total + k)
    lq = share / p_rest
    score = np.clip(np.log2(np.clip(lq, 1.0, None)) / np.log2(full_lq), 0, 1)
    out = pd.DataFrame(score, index=pd.Index(codes, name="code"), columns=workers.columns)
    return out.stack().rename("cluster_score").reset_index().rename(
        columns={"level_1": "commodity"})


def _queen(areas):
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Queen.from_dataframe(areas.reset_index(drop=True), use_index=False,
                                    silence_warnings=True)


def _esda(y, w, permutations=0, seed=SEED):
    from esda.getisord import G_Local

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed,
                       keep_simulations=False, n_jobs=1)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def bone_desa(bone):
    """Bone's desa, sentra workers per desa per commodity (as candidates.evidence builds
    them: counts + pivot) and libpysal's queen weights (built independently)."""
    areas = bone.areas("desa")
    cnt = counts(bone.sentra(placed_only=True), "desa_code")
    wide = cnt.pivot_table(index="code", columns="commodity", values="workers",
                           aggfunc="sum", fill_value=0.0).reindex(areas.index, fill_value=0.0)
    return areas, cnt, wide, _queen(areas)


@pytest.fixture(scope="module")
def esda_bone(bone_desa):
    """esda's Gi* of every commodity: Zs and p_sim (999 permutations, fixed seed)."""
    areas, _, wide, queen = bone_desa
    out = {}
    for cid in wide.columns:
        y = wide[cid].to_numpy(float)
        if (y > 0).sum() < clusters.MIN_AREAS:
            continue
        g = _esda(y, queen, PERMUTATIONS)
        out[cid] = (np.asarray(g.Zs), np.asarray(g.p_sim))
    return out


# ---------------------------------------------------------------- contiguity
def test_contiguity_equals_libpysal_queen_on_bone(bone):
    for level in ("desa", "kecamatan"):
        areas = bone.areas(level)
        mine = clusters.contiguity(areas).sparse
        ref = _queen(areas).sparse.tocsr()
        assert mine.shape == ref.shape == (len(areas), len(areas))
        assert (mine != (ref > 0).astype(float)).nnz == 0, level
        assert mine.diagonal().sum() == 0


def test_contiguity_corners_holes_parts_and_islands():
    hole = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    areas = gpd.GeoDataFrame(geometry=[
        hole,                                   # 0: a ring around 1
        box(1, 1, 3, 3),                        # 1: fills the hole (shares its vertices)
        box(4, 4, 5, 5),                        # 2: touches 0 at the corner (4, 4) only
        MultiPolygon([box(9, 9, 10, 10), box(5, 5, 6, 6)]),  # 3: touches 2 at (5, 5)
        box(20, 20, 21, 21),                    # 4: an island
        box(0, -1, 2, 0),                       # 5: shares the edge (0,0)-(2,0) with 0
    ])
    w = clusters.contiguity(areas)
    assert (w.sparse != _queen(areas).sparse).nnz == 0
    neighbours = {i: sorted(w.sparse[i].indices.tolist()) for i in range(len(areas))}
    assert neighbours == {0: [1, 2, 5], 1: [0], 2: [0, 3], 3: [2], 4: [], 5: [0]}
    assert w.islands.tolist() == [4]


# ---------------------------------------------------------------- Gi*
def test_z_scores_equal_esda_zs(bone_desa, esda_bone):
    areas, _, wide, _ = bone_desa
    gi = clusters.hot_spots(areas, wide, w=clusters.contiguity(areas))
    tested = sorted(gi["commodity"].unique())
    assert tested == sorted(esda_bone)  # kopi_arabika (one desa) is not tested
    for cid, (zs, _) in esda_bone.items():
        z = gi.loc[gi["commodity"] == cid, "gi_z"].to_numpy()
        np.testing.assert_allclose(z, zs, rtol=0, atol=1e-6, err_msg=cid)
    # p-values: one-sided normal in the direction of z (what esda's directed p_sim means)
    np.testing.assert_allclose(gi["gi_p"], stats.norm.sf(np.abs(gi["gi_z"])))


def test_analytical_agrees_with_permutations_on_hot_spots(bone_desa, esda_bone):
    """At least 95 % of (desa, commodity) pairs get the same "hot spot at p <= 0.05" from
    the analytical test and from esda's permutations; every other pair is explained."""
    areas, _, wide, queen = bone_desa
    gi = clusters.hot_spots(areas, wide, w=clusters.contiguity(areas))
    neigh = clusters.contiguity(areas).sparse @ wide.to_numpy(float)  # neighbours' sum
    rows = []
    for cid, (zs, p_sim) in esda_bone.items():
        j = wide.columns.get_loc(cid)
        mine = gi[gi["commodity"] == cid]
        rows.append(pd.DataFrame({
            "code": wide.index, "commodity": cid, "own": wide[cid].to_numpy(),
            "neighbours": neigh[:, j], "z": zs, "p_sim": p_sim,
            "p_norm": mine["gi_p"].to_numpy(),
            "hot_perm": (p_sim <= 0.05) & (zs > 0),
            "hot_norm": mine["cluster"].to_numpy() == "hot spot"}))
    pairs = pd.concat(rows, ignore_index=True)
    agree = pairs["hot_perm"] == pairs["hot_norm"]
    share = agree.mean()
    d = pairs[~agree].copy()
    # why they differ (see app/core/activity/clusters.py):
    # tie: a producer whose neighbours produce nothing: every permuted neighbour sum is
    #   >= the observed 0, esda's directed p_sim counts that as extreme (1/1000) and z > 0
    #   labels it hot; Gi*'s normal test does not;
    # own: a producer hot by Gi* (its own value is part of the randomisation) but not by
    #   the conditional permutations (which keep the area's own value fixed);
    # near: both p-values within 0.10 of each other's side of 0.05 (mostly non-producers
    #   next to one large producer: a skewed, mostly-zero variable).
    tie = d["hot_perm"] & (d["neighbours"] == 0) & (d["p_sim"] == 1 / (PERMUTATIONS + 1))
    own = ~tie & d["hot_norm"] & (d["own"] > 0)
    near = ~tie & ~own & (np.maximum(d["p_sim"], d["p_norm"]) <= 0.10)
    d["why"] = np.select([tie, own, near], ["tie", "own", "near"], "unexplained")
    print(f"\nhot spot agreement: {agree.sum()} of {len(pairs)} pairs ({share:.1%}); "
          f"differences: {d['why'].value_counts().to_dict()}")
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(d[["code", "commodity", "own", "neighbours", "z", "p_sim", "p_norm",
                 "hot_perm", "hot_norm", "why"]].round(4).to_string(index=False))
    assert share >= 0.95
    assert (d["why"] != "unexplained").all()


def test_permutation_method_is_esdas(bone_desa, esda_bone):
    areas, _, wide, _ = bone_desa
    gi = clusters.hot_spots(areas, wide, method="permutation")
    for cid, (zs, p_sim) in esda_bone.items():
        got = gi[gi["commodity"] == cid]
        np.testing.assert_allclose(got["gi_z"], zs, atol=1e-9)
        np.testing.assert_allclose(got["gi_p"], p_sim, rtol=1e-6)  # esda's are float32
        lab = np.where((p_sim <= 0.05) & (zs > 0), "hot spot",
                       np.where((p_sim <= 0.05) & (zs < 0), "cold spot", "not significant"))
        assert got["cluster"].tolist() == lab.tolist()


def test_pairs_are_aligned_with_the_long_rows(bone_desa):
    areas, cnt, wide, _ = bone_desa
    w = clusters.contiguity(areas)
    long = clusters.hot_spots(areas, wide, w=w)
    # some producing pairs, a pair of an untested commodity, an unknown code, reversed order
    pairs = pd.concat([cnt[["code", "commodity"]],
                       pd.DataFrame({"code": ["73.08.99.9999", areas.index[0]],
                                     "commodity": ["kakao", "kopi_arabika"]})],
                      ignore_index=True).iloc[::-1]
    pairs.index = pairs.index + 100  # the caller's index is kept
    got = clusters.hot_spots(areas, wide, w=w, pairs=pairs)
    assert got.index.equals(pairs.index)
    assert got[["code", "commodity"]].equals(pairs[["code", "commodity"]])
    want = pairs.merge(long, on=["code", "commodity"], how="left")
    np.testing.assert_array_equal(got["gi_z"].to_numpy(), want["gi_z"].to_numpy())
    np.testing.assert_array_equal(got["gi_p"].to_numpy(), want["gi_p"].to_numpy())
    assert got["cluster"].fillna("-").tolist() == want["cluster"].fillna("-").tolist()
    untested = got["commodity"].eq("kopi_arabika") | got["code"].eq("73.08.99.9999")
    assert got.loc[untested, "gi_z"].isna().all() and got.loc[untested, "cluster"].isna().all()
    assert got.loc[~untested, "gi_z"].notna().all()


def test_a_corner_of_producers_is_a_hot_spot_by_hand():
    # 5 x 5 grid, the 2 x 2 corner produces 40, 35, 30, 45 workers, the rest nothing.
    # n = 25, sum 150, mean 6, population variance (40²+35²+30²+45²)/25 - 36 = 194,
    # s = 13.928. Corner area 0: itself and 3 neighbours (1, 5, 6): W = 4, sum = 150,
    # z = (150 - 4 * 6) / (13.928 * sqrt((25 * 4 - 16) / 24)) = 126 / 26.057 = 4.836.
    # Area 12 (the centre): itself and 8 neighbours, one of them (6) produces 45:
    # z = (45 - 9 * 6) / (13.928 * sqrt((225 - 81) / 24)) = -9 / 34.117 = -0.264.
    grid = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1)
                                      for y in range(5) for x in range(5)])
    y = np.zeros(25)
    y[[0, 1, 5, 6]] = [40, 35, 30, 45]
    gi = clusters.hot_spots(grid, pd.DataFrame({"kakao": y}, index=range(25)))
    assert gi.at[0, "gi_z"] == pytest.approx(4.836, abs=1e-3)
    assert gi.at[12, "gi_z"] == pytest.approx(-0.264, abs=1e-3)
    assert gi.at[0, "gi_p"] == pytest.approx(stats.norm.sf(4.836), rel=1e-2)
    assert gi.loc[gi["cluster"] == "hot spot", "code"].tolist() == [0, 1, 5, 6]
    # fewer than three producing areas: not tested at all
    y2 = np.zeros(25)
    y2[[0, 24]] = 10
    assert clusters.hot_spots(grid, pd.DataFrame({"kopi": y2})).empty


def test_gi_star_over_many_columns_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    grid = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1)
                                      for y in range(12) for x in range(12)])
    x = rng.poisson(2.0, (144, 150)) * (rng.random((144, 150)) < 0.3)  # > one chunk
    w = clusters.contiguity(grid)
    z = clusters.gi_star_z(w, x)
    queen = _queen(grid)
    for j in (0, 63, 64, 149):
        np.testing.assert_allclose(z[:, j], _esda(x[:, j].astype(float), queen).Zs,
                                   atol=1e-9)


# ---------------------------------------------------------------- neighbourhood score
def test_neighbourhood_score_identical_on_bone(bone_desa):
    areas, cnt, wide, queen = bone_desa
    old = _old_neighbourhood_score(queen, areas.index, wide)
    new = clusters.neighbourhood_score(clusters.contiguity(areas), areas.index, wide)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    pairs = cnt[["code", "commodity"]]
    got = clusters.neighbourhood_score(queen, areas.index, wide, pairs=pairs)
    want = pairs.merge(old, on=["code", "commodity"], how="left")["cluster_score"]
    np.testing.assert_array_equal(got["cluster_score"].to_numpy(), want.to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_neighbourhood_score_identical_on_random_frames(bone_desa, seed):
    areas, _, _, queen = bone_desa
    rng = np.random.default_rng(seed)
    n, m = len(areas), 25
    workers = pd.DataFrame(rng.integers(0, 300, (n, m)) * (rng.random((n, m)) < 0.1),
                           index=areas.index, columns=[f"c{j}" for j in range(m)])
    old = _old_neighbourhood_score(queen, areas.index, workers)
    new = clusters.neighbourhood_score(clusters.contiguity(areas), areas.index, workers)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    floats = workers * rng.random((n, m)) * 3.7  # not whole numbers: same to rounding
    pd.testing.assert_frame_equal(
        clusters.neighbourhood_score(clusters.contiguity(areas), areas.index, floats),
        _old_neighbourhood_score(queen, areas.index, floats), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- specialisation
def _random_sentra(rng, codes, n=4000) -> pd.DataFrame:
    markets = np.array(["lokal", "regional", "nasional", "ekspor", None], dtype=object)
    codes = np.asarray(list(codes) + [None], dtype=object)
    comm = np.array(["kakao", "kopi_robusta", "padi_sawah", "rumput_laut", None], object)
    workers = rng.integers(0, 200, n).astype(float)
    workers[rng.random(n) < 0.05] = np.nan
    year = rng.integers(1970, 2024, n).astype(float)
    year[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "desa_code": codes[rng.integers(0, len(codes), n)],
        "commodity_id": comm[rng.integers(0, len(comm), n)],
        "workers": workers, "units": rng.integers(1, 30, n).astype(float), "year": year,
        "market": pd.Series(markets[rng.integers(0, 5, n)], dtype="str")})


def test_counts_identical(bone):
    s = bone.sentra(placed_only=True)
    pd.testing.assert_frame_equal(counts(s, "desa_code"), _old_counts(s, "desa_code"))
    pd.testing.assert_frame_equal(counts(s, "kecamatan_code"),
                                  _old_counts(s, "kecamatan_code"))
    rng = np.random.default_rng(5)
    r = _random_sentra(rng, bone.areas("desa").index[:60], 300)
    new, old = counts(r, "desa_code"), _old_counts(r, "desa_code")
    assert new["market"].isna().any() and len(new) > 100  # groups without a market occur
    pd.testing.assert_frame_equal(new, old)


def _areas_with_regions(n_kab=4, per=40) -> pd.DataFrame:
    codes = [f"7{k // 2}.{k:02d}.01.{2001 + i}" for k in range(n_kab) for i in range(per)]
    return pd.DataFrame({"kabupaten_code": [c[:5] for c in codes],
                         "province_code": [c[:2] for c in codes]},
                        index=pd.Index(codes, name="code"))


@pytest.mark.parametrize("reference", ["kabupaten", "province", "dataset"])
def test_specialisation_identical(bone, reference):
    areas = bone.areas("desa")
    cnt = counts(bone.sentra(placed_only=True), "desa_code")
    pd.testing.assert_frame_equal(specialisation(cnt, areas, reference, year=2025),
                                  _old_specialisation(cnt, areas, reference, year=2025),
                                  check_exact=True)
    rng = np.random.default_rng(11)
    many = _areas_with_regions()
    # codes outside the areas (no region) and whole-number workers and units, as read
    cnt = counts(_random_sentra(rng, list(many.index) + ["99.99.99.9999"], 6000),
                 "desa_code")
    pd.testing.assert_frame_equal(specialisation(cnt, many, reference, year=2025),
                                  _old_specialisation(cnt, many, reference, year=2025),
                                  check_exact=True)
    cnt["workers"] = cnt["workers"] * rng.random(len(cnt)) * 1.3  # fractions: same to 1e-12
    pd.testing.assert_frame_equal(specialisation(cnt, many, reference, year=2025),
                                  _old_specialisation(cnt, many, reference, year=2025),
                                  rtol=1e-12)


def test_cluster_evidence_is_both_functions_on_the_pairs(bone_desa):
    areas, cnt, wide, _ = bone_desa
    w = clusters.contiguity(areas)
    pairs = pd.concat([cnt[["code", "commodity"]].iloc[::3],
                       pd.DataFrame({"code": [areas.index[5]], "commodity": ["tebu"]})],
                      ignore_index=True)
    got = clusters.cluster_evidence(w, areas.index, wide, pairs)
    neigh = clusters.neighbourhood_score(w, areas.index, wide, pairs=pairs)
    gi = clusters.hot_spots(areas, wide, w=w, pairs=pairs)
    assert got.index.equals(pairs.index)
    np.testing.assert_array_equal(got["cluster_score"], neigh["cluster_score"].fillna(0.0))
    assert got["cluster_score"].iat[-1] == 0.0  # tebu: no sentra anywhere
    np.testing.assert_array_equal(got["gi_z"], gi["gi_z"])
    np.testing.assert_array_equal(got["gi_p"], gi["gi_p"])
    assert got["cluster"].fillna("-").tolist() == gi["cluster"].fillna("-").tolist()
    assert (got["cluster"] == "hot spot").sum() > 0


def test_sparse_workers_matrix_gives_the_same_bits(bone_desa):
    """The evidence passes the workers as a sparse matrix (national: 84,000 x 200 with
    100,000 non-zero): the neighbourhood score and Gi* are those of the dense frame, bit for
    bit, and the matrix is the pivot table the dense path builds."""
    from unggulan.core.ranking.candidates import _workers_matrix

    areas, cnt, wide, _ = bone_desa
    sp = _workers_matrix(cnt, areas.index)
    assert all(isinstance(t, pd.SparseDtype) for t in sp.dtypes)
    assert list(sp.columns) == list(wide.columns)
    np.testing.assert_array_equal(sp.sparse.to_dense().to_numpy(), wide.to_numpy())
    w = clusters.contiguity(areas)
    # every (area, commodity) pair, plus one outside the matrix
    pairs = pd.DataFrame({"code": np.repeat(areas.index.to_numpy(), len(wide.columns)),
                          "commodity": np.tile(wide.columns.to_numpy(), len(areas))})
    pairs.loc[len(pairs)] = [areas.index[0], "tebu"]
    dense = clusters.cluster_evidence(w, areas.index, wide, pairs)
    sparse = clusters.cluster_evidence(w, areas.index, sp, pairs)
    pd.testing.assert_frame_equal(dense, sparse, check_exact=True)
    assert dense["gi_z"].notna().sum() > 1000 and (dense["cluster"] == "hot spot").any()


def test_slices_cover_every_pair_once(bone_desa, monkeypatch):
    """Pairs are computed a slice at a time (national runs): small slices give the same
    result as one."""
    areas, cnt, wide, _ = bone_desa
    w = clusters.contiguity(areas)
    pairs = cnt[["code", "commodity"]]
    whole = clusters.cluster_evidence(w, areas.index, wide, pairs)
    monkeypatch.setattr(clusters, "SLICE", 7)
    monkeypatch.setattr(clusters, "_CHUNK", 3)
    sliced = clusters.cluster_evidence(w, areas.index, wide, pairs)
    pd.testing.assert_frame_equal(whole, sliced, check_exact=True)
