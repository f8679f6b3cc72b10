"""Scoring and candidates: property tests, the Bone acceptance share, CLI, determinism."""

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from tests.helpers import run_cli
from unggulan.base.errors import InvalidWeights
from unggulan.core.activity import clusters
from unggulan.core.activity.specialisation import specialisation
from unggulan.core.ranking.candidates import add_components, eligible
from unggulan.core.ranking.scoring import ACTIVITY_COMPONENTS, DEFAULT_WEIGHTS, parse_weights, score

COMPONENTS = list(DEFAULT_WEIGHTS)


# ---------------------------------------------------------------- weights
@given(st.sampled_from(COMPONENTS),
       st.one_of(st.floats(max_value=-1e-9, allow_nan=False),
                 st.floats(min_value=1.0 + 1e-9, allow_infinity=True, allow_nan=False)))
def test_weights_outside_unit_interval_are_rejected(name, value):
    with pytest.raises(InvalidWeights, match=name):
        parse_weights({name: value})
    with pytest.raises(InvalidWeights, match="outside"):
        parse_weights(f"{name}={value!r}")


def test_weights_summing_to_zero_or_unknown_or_not_numbers_are_rejected():
    with pytest.raises(InvalidWeights, match="sum to 0"):
        parse_weights({n: 0 for n in COMPONENTS})
    with pytest.raises(InvalidWeights, match="unknown weight 'price'"):
        parse_weights("price=0.2")
    with pytest.raises(InvalidWeights, match="not a number"):
        parse_weights("suitability=banyak")
    with pytest.raises(InvalidWeights, match="nan"):
        parse_weights({"market": float("nan")})


@given(st.dictionaries(st.sampled_from(COMPONENTS), st.floats(0, 1), min_size=1))
def test_valid_weights_are_kept(given_weights):
    if sum({**DEFAULT_WEIGHTS, **given_weights}.values()) <= 0:
        return
    w = parse_weights(given_weights)
    for k, v in given_weights.items():
        assert w[k] == v


# ---------------------------------------------------------------- monotonicity
N_SIDE = 4
AREAS = gpd.GeoDataFrame(
    {"code": [f"73.08.{1 + i // 8:02d}.{2001 + i}" for i in range(N_SIDE * N_SIDE)],
     "kabupaten_code": ["73.08"] * (N_SIDE * N_SIDE),
     "province_code": ["73"] * (N_SIDE * N_SIDE)},
    geometry=[box(x, y, x + 1, y + 1) for y in range(N_SIDE) for x in range(N_SIDE)],
    crs="EPSG:4326").set_index("code", drop=False)
W = clusters.contiguity(AREAS)
COMMODITIES = ["kakao", "padi_sawah", "rumput_laut"]

counts_strategy = st.lists(
    st.tuples(st.integers(0, N_SIDE * N_SIDE - 1), st.sampled_from(COMMODITIES),
              st.integers(1, 400), st.integers(1, 40)),
    min_size=1, max_size=25)


def _scores(rows, suit, weights):
    cnt = pd.DataFrame(rows, columns=["i", "commodity", "workers", "units"])
    cnt["code"] = AREAS.index[cnt["i"]]
    cnt = cnt.groupby(["code", "commodity"], as_index=False)[["workers", "units"]].sum()
    cnt["sentra"] = 1
    cnt["first_year"] = 2000
    cnt["market"] = "lokal"
    spec = specialisation(cnt, AREAS, "kabupaten", year=2026)
    wide = cnt.pivot_table(index="code", columns="commodity", values="workers",
                           aggfunc="sum", fill_value=0).reindex(AREAS.index, fill_value=0)
    neigh = clusters.neighbourhood_score(W, AREAS.index, wide)
    ev = spec.merge(neigh, on=["code", "commodity"], how="left")
    ev["suitability_index"] = ev["commodity"].map(suit)
    ev = add_components(ev)
    return ev.set_index(["code", "commodity"])["lq_score"], score(
        ev.fillna({"cluster_score": 0.0}), weights).set_axis(
        pd.MultiIndex.from_frame(ev[["code", "commodity"]]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts_strategy, st.integers(0, len(COMMODITIES) - 1), st.integers(1, 500),
       st.dictionaries(st.sampled_from(COMPONENTS), st.floats(0, 1)),
       st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_more_workers_never_lower_the_score(rows, which, extra, given_w, suit_vals):
    if sum({**DEFAULT_WEIGHTS, **given_w}.values()) <= 0:
        return
    weights = parse_weights(given_w)
    suit = dict(zip(COMMODITIES, suit_vals))
    i, commodity = rows[0][0], COMMODITIES[which]
    key = (AREAS.index[i], commodity)
    _, before = _scores(rows, suit, weights)
    _, after = _scores(rows + [(i, commodity, extra, 1)], suit, weights)
    old = before.get(key, 0.0)
    assert after[key] >= old - 1e-9


@given(st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "N", None]),
                          st.integers(0, 3)), min_size=1, max_size=50))
def test_no_sentra_and_class_n_is_never_eligible(pairs):
    ev = pd.DataFrame(pairs, columns=["suitability_class", "sentra"])
    ok = eligible(ev)
    assert not (ok & (ev["sentra"] == 0) & ~ev["suitability_class"].isin(["S1", "S2", "S3"])).any()
    assert ok[ev["sentra"] > 0].all()


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def bone_candidates(bone):
    return bone.candidates("desa")


def test_bone_candidates_long_form(bone, bone_candidates):
    c = bone_candidates
    for col in ("code", "name", "level", "rank", "commodity", "score", "suitability_class",
                "limiting_factors", "lq", "sentra", "workers", "cluster", "reason_id",
                "reason_en"):
        assert col in c.columns
    assert c["rank"].max() == 3 and c["score"].between(0, 100).all()
    assert c.crs.to_epsg() == 4326
    placed = set(bone.sentra(placed_only=True)["desa_code"])
    assert placed <= set(c["code"])  # every area with a sentra gets a candidate
    inactive = c[~c["active"].astype(bool)]
    assert inactive["suitability_class"].isin(["S1", "S2", "S3"]).all()
    # within an area: the area's own products first, then its kecamatan's, then land
    # only; each group by decreasing score
    for _, g in c.sort_values(["code", "rank"]).groupby("code"):
        tier = g["activity_tier"].to_numpy()
        assert (tier[:-1] >= tier[1:]).all()
        assert ((tier > 0) == g["active"].astype(bool).to_numpy()).all()
        for t in (0, 1, 2):
            assert g.loc[tier == t, "score"].is_monotonic_decreasing


def test_bone_top_workers_commodity_with_good_land_is_in_top3(bone, bone_candidates):
    s = bone.sentra(placed_only=True)
    by = s.groupby(["desa_code", "commodity_id"])["workers"].sum().reset_index()
    top = by.sort_values(["desa_code", "workers", "commodity_id"],
                         ascending=[True, False, True]).drop_duplicates("desa_code")
    suit = bone.suitability("desa", explain=False).astype({"code": str, "commodity": str})
    top = top.merge(suit[["code", "commodity", "suitability_class"]],
                    left_on=["desa_code", "commodity_id"], right_on=["code", "commodity"])
    good = top[top["suitability_class"].astype(object).isin(["S1", "S2"])]
    proposed = set(zip(bone_candidates["code"], bone_candidates["commodity"]))
    hits = [(r.desa_code, r.commodity_id) in proposed for r in good.itertuples()]
    share = sum(hits) / len(hits)
    print(f"top-workers commodity with S1/S2 land in the top 3: {sum(hits)}/{len(hits)} "
          f"= {share:.1%}")
    assert len(hits) >= 20 and share >= 0.95


def test_bone_more_workers_in_real_data_never_lower_the_score(bone_dir):
    from unggulan import Dataset
    from unggulan.core.ranking.scoring import score as score_fn

    ds = Dataset.open(bone_dir)
    ev = ds.evidence("desa").set_index(["code", "commodity"])
    before = score_fn(ev, DEFAULT_WEIGHTS)
    rec = ds.sentra_records
    row = rec.index[rec["commodity_id"] == "padi_sawah"][0]
    key = (rec.at[row, "desa_code"], "padi_sawah")
    ds.sentra_records.loc[row, "workers"] += 300
    ds._cache = {k: v for k, v in ds._cache.items() if k[0] != "evidence"}
    after = score_fn(ds.evidence("desa").set_index(["code", "commodity"]), DEFAULT_WEIGHTS)
    assert after[key] >= before[key]


def test_weights_change_the_ranking(bone):
    # (local: the kabupaten's own production, a component of its own, off too: the score
    # is then the land alone)
    land = bone.candidates("kecamatan", weights={c: 0 for c in ACTIVITY_COMPONENTS}
                           | {"suitability": 1, "local": 0})
    sentra = bone.candidates("kecamatan", weights="suitability=0")
    assert not land[["code", "commodity"]].equals(sentra[["code", "commodity"]])
    assert (land.loc[land["score_suitability"].notna(), "score"].round(4)
            == (100 * land.loc[land["score_suitability"].notna(),
                               "score_suitability"]).round(4)).all()


def test_wide_form(bone):
    wide = bone.candidates("kecamatan", top=2, wide=True)
    assert len(wide) == 27 and {"top1", "top1_score", "top2", "top2_score"} <= set(wide.columns)
    assert (wide["top1_score"] >= wide["top2_score"]).all()


def test_cli_propose_is_deterministic(tmp_path):
    outs = []
    for _ in range(2):
        for name in ("c.gpkg", "c.csv"):
            res = run_cli("propose", "--level", "kecamatan", "--top", "2", "--out",
                          str(tmp_path / name), "--weights", "suitability=0.5,market=0.2")
            assert res.returncode == 0, res.stderr
        outs.append(((tmp_path / "c.gpkg").read_bytes(), (tmp_path / "c.csv").read_bytes()))
    assert outs[0] == outs[1]
    res = run_cli("propose", "--long", "--out", str(tmp_path / "l.csv"))
    assert res.returncode == 0, res.stderr
    long = pd.read_csv(tmp_path / "l.csv")
    assert {"rank", "reason_id", "reason_en"} <= set(long.columns)


def test_cli_propose_rejects_bad_weights(tmp_path):
    res = run_cli("propose", "--weights", "suitability=2", "--out", str(tmp_path / "x.csv"))
    assert res.returncode != 0 and "outside [0, 1]" in res.stderr
    assert not (tmp_path / "x.csv").exists()
