"""Issue #30: land-only candidates the kabupaten already produces first (the ``local``
component), each candidate's basis, ties that are ties, and the management level's class.

Fixture: the demo's boundaries and rasters (64 desa, one kabupaten) with a small sentra list
covering three desa and, for the basis "kecamatan_statistics", a kecamatan table with maize
for one kecamatan: the shapes of a new user's kabupaten (rasters, sentra for some desa)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BUNDLED

SENTRA = """No;Nama Sentra;Komoditi;Sektor;Kode Desa;Desa/Kelurahan;Jumlah Unit Usaha;Jumlah Tenaga Kerja;Tahun Berdiri;Jangkauan Pemasaran
1;Sentra Ubi Kayu A;Ubi kayu;Pertanian;99.01.01.1001;Sidomaju;12;30;2005;Lokal
2;Sentra Kacang Tanah B;Kacang tanah;Pertanian;99.01.04.2006;Telukjaya;8;20;2010;Lokal
3;Sentra Ubi Jalar C;Ubi jalar;Pertanian;99.01.05.2016;Bukitmakmur;5;14;2015;Regional
"""  # noqa: E501
STATS = """Kecamatan,Produksi Jagung (Ton),Tahun
Pesisir Barat,120,2022
Pesisir Barat,135,2023
"""


def _dataset(folder, stats: bool = False):
    from unggulan import Dataset

    for sub in ("boundaries", "agroecology"):
        (folder / sub).symlink_to(BUNDLED / sub)
    (folder / "sentra").mkdir()
    (folder / "sentra" / "sentra.csv").write_text(SENTRA, encoding="utf-8")
    if stats:
        (folder / "statistik").mkdir()
        (folder / "statistik" / "jagung.csv").write_text(STATS, encoding="utf-8")
    return Dataset.open(folder)


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("sentra_only"))


@pytest.fixture(scope="module")
def ds_stats(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("sentra_stats"), stats=True)


LOCAL = {"ubi_kayu", "kacang_tanah", "ubi_jalar"}


def _land_only_desa(ds) -> set[str]:

    ev = ds.evidence("desa")
    active = set(ev.loc[ev["active"].astype(bool), "code"].astype(str))
    return set(ds.areas("desa").index) - active


def test_sentra_commodities_are_the_kabupatens(ds):
    from unggulan.core.ranking.candidates import local_production

    kab, produced = local_production(ds.layers, "desa", ds.sentra(), ds.statistics())
    assert set(kab) == {"99.01"}
    assert set(produced["commodity"]) == LOCAL


def test_land_only_desa_get_a_local_commodity_on_top(ds):

    cand = ds.candidates("desa", top=5)
    ev = ds.evidence("desa")
    land_only = _land_only_desa(ds)
    assert len(land_only) >= 50
    ok = ev[ev["suitability_class"].astype(str).isin(["S1", "S2", "S3"])]
    local_ok = set(ok.loc[ok["commodity"].astype(str).isin(LOCAL), "code"].astype(str))
    first = cand[cand["rank"] == 1].set_index("code")
    want = land_only & local_ok
    assert want and all(first.loc[d, "commodity"] in LOCAL for d in want)
    # the component: 1 for a land-only local pair, 0 for one with no trace, NaN where the
    # area produces the commodity itself (its own activity is scored)
    lo = cand[cand["code"].isin(land_only)]
    assert (lo.loc[lo["commodity"].isin(LOCAL), "score_local"] == 1).all()
    assert (lo.loc[~lo["commodity"].isin(LOCAL), "score_local"] == 0).all()
    own = cand[cand["active"].astype(bool)]
    assert len(own) and own["score_local"].isna().all() and (own["local"] == 1).all()
    # and the reasons say which
    far = lo[~lo["commodity"].isin(LOCAL)]
    assert len(far) and far["reason_id"].str.contains(
        "tidak ada produksi tercatat di kabupaten").all()
    assert far["reason_en"].str.contains("no recorded production in the kabupaten").all()
    near = lo[lo["commodity"].isin(LOCAL)]
    assert near["reason_en"].str.contains("produced in the kabupaten").all()


def test_local_weight_zero_turns_the_rule_off(ds):
    """``local=0`` (weights) or a scenario that does not name it: the land alone again."""
    from unggulan.core.ranking.scoring import DEFAULT_WEIGHTS
    from unggulan.core.scenario import scenario_from_dict

    off = ds.candidates("desa", top=3, weights="local=0")
    land_only = _land_only_desa(ds)
    first = off[(off["rank"] == 1) & off["code"].isin(land_only)]
    assert (~first["commodity"].isin(LOCAL)).any()  # the rule was what put them first
    assert off.loc[off["code"].isin(land_only), "score_local"].notna().all()
    # with weight 0 the component is not in the score: the weighted mean of the others
    w = {k: v for k, v in DEFAULT_WEIGHTS.items() if k != "local"}
    cols = [f"score_{k}" for k in w]
    x = off[cols].to_numpy(float)
    wv = np.array(list(w.values()))
    have = ~np.isnan(x)
    expect = 100 * np.nansum(np.clip(x, 0, 1) * wv, axis=1) / (have * wv).sum(axis=1)
    assert np.allclose(off["score"].to_numpy(float), expect, atol=1e-5)
    sc = scenario_from_dict({"name": "tanpa local", "weights": {
        k: v for k, v in DEFAULT_WEIGHTS.items() if k != "local"}})
    assert sc.weights_resolved()["local"] == 0
    by_scenario = ds.candidates("desa", scenario=sc)
    pd.testing.assert_frame_equal(
        by_scenario[["code", "rank", "commodity", "score"]].reset_index(drop=True),
        off[["code", "rank", "commodity", "score"]].reset_index(drop=True))


def test_basis_values_and_labels(ds_stats):
    from unggulan.core.ranking.scoring import BASIS

    cand = ds_stats.candidates("desa", top=5)
    assert set(cand["basis"]) == set(BASIS)
    own = cand[cand["basis"] == "own_activity"]
    assert (own["activity_tier"] == 2).all() and len(own) == 3  # the three sentra
    kec = cand[cand["basis"] == "kecamatan_statistics"]
    assert len(kec) and (kec["commodity"] == "jagung").all()
    assert (kec["stat_level"] == "kecamatan").all()
    nb = cand[cand["basis"] == "neighbours"]
    assert len(nb) and (nb["score_cluster"] > 0).all() and (nb["activity_tier"] == 0).all()
    land = cand[cand["basis"] == "land_only"]
    assert (land["score_cluster"] == 0).all() and not land["active"].astype(bool).any()
    for b, (lab_id, lab_en) in BASIS.items():
        rows = cand[cand["basis"] == b]
        assert (rows["basis_id"] == lab_id).all() and (rows["basis_en"] == lab_en).all()
        assert rows["reason_id"].str.startswith(f"dasar: {lab_id}").all()
        assert rows["reason_en"].str.startswith(f"basis: {lab_en}").all()
    # the wide form and the layer carry it too
    wide = ds_stats.candidates("desa", wide=True)
    assert {"top1_basis", "top1_basis_id", "top1_rank", "top1_tie_with"} <= set(wide.columns)


def test_shared_ranks_unit():
    from unggulan.core.ranking.candidates import shared_ranks

    codes = np.array([0, 0, 0, 0, 1, 1])
    tier = np.array([1, 0, 0, 0, 0, 0])
    sc = np.array([10.0, 27.8, 27.8, 27.5, 50.0, 49.0])
    r = shared_ranks(codes, (tier,), sc)
    # a better tier is not a tie whatever the score; equal scores share the lower rank
    assert r["rank"].tolist() == [1, 2, 3, 4, 1, 2]
    assert r["rank_shared"].tolist() == [1, 2, 2, 4, 1, 2]
    assert r["tie"].tolist() == [False, True, True, False, False, False]
    assert (r["tie_lo"][1], r["tie_hi"][1]) == (1, 3)
    assert (r["near_lo"][3], r["near_hi"][3]) == (1, 4)  # 27.5 is within 0.5 of 27.8
    assert (r["near_lo"][4], r["near_hi"][4]) == (4, 5)  # 49 is not within 0.5 of 50


def test_ties_share_a_rank_and_say_so(ds):
    cand = ds.candidates("desa", top=3, weights="local=0")
    assert cand["tie"].any()  # land alone ties often (the 27.8 = 27.8 = 27.8)
    for _code, g in cand.groupby("code"):
        s = g["score"].round(6).to_numpy()
        key = list(zip(g["activity_tier"], g["local"].fillna(0), s))
        for i in range(len(g)):
            same = [j for j in range(len(g)) if key[j] == key[i]]
            shared = g["rank_shared"].to_numpy()
            assert len({shared[j] for j in same}) == 1
            tie = bool(g["tie"].iat[i])
            label = g["rank_label"].iat[i]
            assert label == (f"{shared[i]}=" if tie else str(shared[i]))
            if len(same) > 1:
                assert tie
                others = set(str(g["tie_with"].iat[i]).split(", "))
                assert {g["commodity"].iat[j] for j in same if j != i} <= others
    tied = cand[cand["tie"] & (cand["rank_shared"] == 1)]
    assert len(tied) and tied["reason_en"].str.contains("same score as").all()
    # near ties: another candidate within 0.5 points, not equal
    near = cand[cand["near_tie"].notna()]
    for r in near.itertuples():
        g = cand[cand["code"] == r.code].set_index("commodity")["score"]
        for other in r.near_tie.split(", "):
            if other in g.index and not other.startswith("+"):
                assert 0 < abs(g[other] - r.score) <= 0.5 + 1e-9


def test_stability_never_calls_a_tie_stable(ds):
    from unggulan.core.ranking.run import default_scenario
    from unggulan.core.ranking.stability import sensitivity

    ev = pd.DataFrame({"code": ["a"] * 3 + ["b"] * 2,
                       "commodity": ["akar_wangi", "bayam", "buncis", "x", "y"],
                       "s": [1.0, 1.0, 0.4, 0.9, 0.1], "m": [0.0, 0.0, 0.2, 0.5, 0.5]})
    r = sensitivity(ev, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}, draws=50).set_index("code")
    assert bool(r.loc["a", "tie"]) and r.loc["a", "tied_with"] == "bayam"
    assert r.loc["a", "stable_share"] == 0 and r.loc["a", "label_id"] == "seri dengan bayam"
    assert r.loc["a", "label_en"] == "tied with bayam"
    assert not r.loc["b", "tie"] and r.loc["b", "label_id"] == "stabil 100%"
    sc = default_scenario("local=0")
    cand = ds.candidates("desa", scenario=sc)
    st = ds.area_stability("desa", sc).set_index("code")
    tied = cand.loc[(cand["rank"] == 1) & cand["tie"], "code"]
    assert len(tied)
    assert st.loc[tied, "stability_tie"].all()
    assert not (st.loc[tied, "stability_label_id"] == "stabil 100%").any()
    assert st.loc[tied, "stability_label_id"].str.startswith("seri dengan").all()


def test_management_class_is_scored_and_both_are_explained(ds):
    """At "sedang", land N only through its slope is S3 with terraces: proposed, scored at
    the S3 index, and the reason says both; at "rendah" (the default) it is not proposed."""
    from unggulan.core.ranking.candidates import CLASS_FLOOR
    from unggulan.core.ranking.run import default_scenario

    suit = ds.suitability("desa", management="sedang", explain=False)
    lifted = suit[(suit["suitability_class"].astype(str) == "N")
                  & (suit["potential_class"].astype(str) == "S3")
                  & (suit["limiting_factors"].astype(str) == "slope")
                  & (suit["status"].astype(str) == "assessed")]  # (not processed products)
    assert len(lifted)
    pairs = set(zip(lifted["code"].astype(str), lifted["commodity"].astype(str)))
    ev_low = ds.evidence("desa")
    ev_mid = ds.evidence("desa", default_scenario(management="sedang"))
    low = set(zip(ev_low["code"].astype(str), ev_low["commodity"].astype(str)))
    mid = ev_mid[[p in pairs for p in zip(ev_mid["code"].astype(str),
                                          ev_mid["commodity"].astype(str))]]
    assert len(mid) == len(pairs)  # every one proposed at "sedang"
    inactive = {p for p in pairs if p not in set(zip(
        ev_low.loc[ev_low["active"].astype(bool), "code"].astype(str),
        ev_low.loc[ev_low["active"].astype(bool), "commodity"].astype(str)))}
    assert inactive and not (inactive & low)  # none of the land-only ones at "rendah"
    assert (mid["suitability_index"] >= CLASS_FLOOR["S3"]).all()
    cand = ds.candidates("desa", scenario=default_scenario(
        top=3, management="sedang", commodities=sorted({c for _, c in pairs})))
    hit = cand[[p in pairs for p in zip(cand["code"], cand["commodity"])]]
    assert len(hit)
    assert hit["reason_id"].str.contains(r"lahan N: lereng .*; S3 dengan pembuatan teras").all()
    assert hit["reason_en"].str.contains(r"land N: slope .*; S3 with terracing").all()


def test_local_is_per_kabupaten():
    """A dataset of two kabupaten: what one produces is no trace in the other; a kabupaten
    without any record leaves the component out (NaN), as a dataset without sentra."""
    from unggulan.core.ranking.candidates import add_local

    kab_of = pd.Series({"11.01.01.2001": "11.01", "11.01.01.2002": "11.01",
                        "11.02.01.2001": "11.02", "11.03.01.2001": "11.03"})
    produced = pd.DataFrame({"kabupaten_code": ["11.01", "11.02"],
                             "commodity": ["kopi_arabika", "kakao"]})
    ev = pd.DataFrame({"code": ["11.01.01.2001", "11.01.01.2002", "11.01.01.2002",
                                "11.02.01.2001", "11.02.01.2001", "11.03.01.2001"],
                       "commodity": ["kopi_arabika", "kopi_arabika", "kakao", "kopi_arabika",
                                     "kakao", "kakao"],
                       "activity_tier": [2, 0, 0, 0, 0, 0]})
    out = add_local(ev.copy(), (kab_of, produced))
    assert out["local"].tolist()[:5] == [1.0, 1.0, 0.0, 0.0, 1.0]
    assert np.isnan(out["local"].iat[5])
    # own activity is scored by itself: the component is left out there
    assert np.isnan(out["local_score"].iat[0]) and out["local_score"].iat[1] == 1.0
    none = add_local(ev.copy(), None)
    assert none["local"].isna().all() and none["local_score"].isna().all()


def test_api_candidate_items_carry_basis_and_ties(demo):
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app

    code = demo.areas("desa")["code"].iloc[3]
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        r = client.get(f"/api/v1/areas/{code}/candidates", params={"level": "desa", "top": 3})
    assert r.status_code == 200
    items = r.json()["candidates"]
    py = demo.candidates("desa", top=3)
    py = py[py["code"] == code]
    assert [c["basis"] for c in items] == py["basis"].tolist()
    assert [c["rank_label"] for c in items] == py["rank_label"].tolist()
    assert all("local" in c["components"] and "tie" in c for c in items)
