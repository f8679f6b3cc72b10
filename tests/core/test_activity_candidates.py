"""Candidates that weigh what an area already produces (Bone: sentra only, and with its
statistics), and the planning methods on Bone's statistics against plain-Python arithmetic."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import BONE


@pytest.fixture(scope="module")
def sentra_only(tmp_path_factory, bone_dir):
    """Bone without its statistics: boundaries, rasters and the sentra table."""
    from unggulan import Dataset

    folder = tmp_path_factory.mktemp("bone_sentra_only")
    for sub in ("boundaries", "agroecology", "sentra"):
        (folder / sub).symlink_to(bone_dir / sub)
    return Dataset.open(folder)


def _top_workers(ds) -> pd.DataFrame:
    s = ds.sentra(placed_only=True)
    by = s.groupby(["desa_code", "commodity_id"])["workers"].sum().reset_index()
    return by.sort_values(["desa_code", "workers", "commodity_id"],
                          ascending=[True, False, True]).drop_duplicates("desa_code")


@pytest.mark.parametrize("which", ["sentra_only", "bone"])
def test_most_workers_commodity_is_in_the_top3(which, request):
    ds = request.getfixturevalue(which)
    cand = ds.candidates("desa", top=3)
    top = _top_workers(ds)
    suit = ds.suitability("desa", explain=False).astype({"code": str, "commodity": str})
    top = top.merge(suit[["code", "commodity", "suitability_class"]], how="left",
                    left_on=["desa_code", "commodity_id"], right_on=["code", "commodity"])
    ev = ds.sentra(placed_only=True)
    lq = ds.candidates("desa", top=50).set_index(["code", "commodity"])["lq_raw"]
    top["lq_raw"] = [lq.get((d, c), math.nan) for d, c in zip(top["desa_code"],
                                                              top["commodity_id"])]
    proposed = set(zip(cand["code"], cand["commodity"]))
    top["hit"] = [(d, c) in proposed for d, c in zip(top["desa_code"], top["commodity_id"])]
    share = top["hit"].mean()
    hard_n = top[top["suitability_class"].astype(object) == "N"]
    common = top[top["lq_raw"].between(0.8, 1.25)]
    print(f"{which}: {top['hit'].sum()}/{len(top)} = {share:.1%}; on N land "
          f"{hard_n['hit'].sum()}/{len(hard_n)}; common across the kabupaten (LQ 0.8-1.25) "
          f"{common['hit'].sum()}/{len(common)}")
    assert len(top) == ev["desa_code"].nunique() and share >= 0.95
    # the hard cases Bone has are kept too (more are made in the next test)
    assert hard_n["hit"].all() and common["hit"].all()


def test_a_common_product_on_n_land_stays_in_the_top3(tmp_path, bone_dir, sentra_only):
    """The held-out kabupaten's case: desa whose main product is common across the
    kabupaten (LQ near 1) and whose land for it is N (slope) must still get it."""
    from unggulan import Dataset

    suit = sentra_only.suitability("desa", commodities=["kopi_arabika"], explain=False)
    n_desa = suit.loc[suit["suitability_class"] == "N", "code"].astype(str).tolist()
    assert len(n_desa) >= 40
    src = pd.read_csv(bone_dir / "sentra" / "sentra_bone_SINTETIS.csv", dtype=str)
    placed = sentra_only.sentra(placed_only=True)
    most = placed.groupby("desa_code")["workers"].sum()  # each desa's workers today
    rows = []
    all_desa = sentra_only.areas("desa").index.tolist()
    common = [d for d in all_desa if d not in n_desa[:40]]  # everywhere: LQ near 1
    for i, code in enumerate(n_desa[:40] + common):
        workers = int(max(most.get(code, 0.0), 50) * 1.2) + 1
        rows.append({**{c: "" for c in src.columns}, "id_sentra": f"K{i}",
                     "komoditas": "Kopi Arabika", "kode_desa": code,
                     "tenaga_kerja": str(workers), "unit_usaha": "10"})
    for sub in ("boundaries", "agroecology"):
        (tmp_path / sub).symlink_to(bone_dir / sub)
    (tmp_path / "sentra").mkdir()
    pd.concat([src, pd.DataFrame(rows)]).to_csv(tmp_path / "sentra" / "s.csv", index=False)
    ds = Dataset.open(tmp_path)
    cand = ds.candidates("desa", top=3)
    hit = cand[cand["commodity"] == "kopi_arabika"].set_index("code")
    target = n_desa[:40]
    lq = hit["lq_raw"].reindex(target)
    print(f"kopi arabika: LQ {lq.min():.2f}-{lq.max():.2f} in the N desa, in the top 3 of "
          f"{hit.index.isin(target).sum()}/{len(target)}")
    assert lq.median() < 2.5  # common across the kabupaten, not a specialisation
    assert hit.index.isin(target).sum() >= 0.95 * len(target)
    assert (hit.loc[hit.index.isin(target), "suitability_class"] == "N").all()


@pytest.mark.parametrize("which", ["sentra_only", "bone"])
def test_no_land_only_candidate_ahead_of_a_real_product(which, request):
    ds = request.getfixturevalue(which)
    cand = ds.candidates("desa", top=3).sort_values(["code", "rank"])
    for _, g in cand.groupby("code"):
        act = g["active"].astype(bool).to_numpy()
        assert not (~act[:-1] & act[1:]).any(), g[["rank", "commodity", "active"]]


def test_ties_among_land_only_candidates_are_broken_by_evidence(sentra_only):
    cand = sentra_only.candidates("desa", top=3)
    land = cand[~cand["active"].astype(bool)].sort_values(["code", "rank"])
    for _, g in land.groupby("code"):
        sc = g["score"].round(6).tolist()
        idx = g["score_suitability"].tolist()
        for i in range(len(g) - 1):
            if sc[i] == sc[i + 1]:
                # equal scores: the better land index (or share of S1 land) first
                assert idx[i] >= idx[i + 1]


def test_processed_products_need_their_raw_material(bone):
    cat = bone.catalogue
    cand = bone.candidates("desa", top=10)
    active = set(zip(cand.loc[cand["active"].astype(bool), "code"],
                     cand.loc[cand["active"].astype(bool), "commodity"]))
    ev_active = bone.candidates("desa", top=200)
    ev_active = set(zip(ev_active.loc[ev_active["active"].astype(bool), "code"],
                        ev_active.loc[ev_active["active"].astype(bool), "commodity"]))
    checked = 0
    for r in cand.itertuples():
        c = cat.get(r.commodity)
        if c.raw_material and not r.active:
            checked += 1
            assert any((r.code, m) in ev_active for m in c.raw_material), r
    assert active  # and processed products with their own activity stay
    print(f"{checked} land-only processed-product candidates, each with its raw material")


def test_a_dominant_product_on_n_land_is_kept_and_explained(bone):
    cand = bone.candidates("kecamatan", top=3)
    n_land = cand[(cand["suitability_class"] == "N") & cand["active"].astype(bool)]
    assert len(n_land)
    for r in n_land.itertuples():
        assert "lahan N" in r.reason_id and "land N" in r.reason_en
        assert "LQ" in r.reason_id
    dominant = cand[cand["reason_id"].str.contains("dominan: ")]
    assert len(dominant) and dominant["reason_en"].str.contains("dominant: ").all()


def test_explanations_cite_the_statistics(bone):
    from unggulan.base.numbers import fmt_sig

    cand = bone.candidates("kecamatan", top=3)
    with_stats = cand[cand["slq"].notna()]
    assert len(with_stats) > len(cand) / 2  # the rest: sentra products without statistics
    for r in with_stats.itertuples():
        assert f"({r.period})" in r.reason_id
        if r.quadrant is not None and isinstance(r.quadrant, str):
            assert f"DLQ {fmt_sig(r.dlq, 'id')}" in r.reason_id   # 2-3 significant figures
            assert r.quadrant in r.reason_id


def test_a_commodity_without_activity_needs_the_weights_to_win(sentra_only):
    from unggulan.core.ranking.scoring import ACTIVITY_COMPONENTS

    land = sentra_only.candidates("desa", top=3,
                                  weights={c: 0 for c in ACTIVITY_COMPONENTS})
    assert (~land["active"].astype(bool)).sum() > len(land) * 0.5


# ---------------------------------------------------------------- methods on Bone statistik
@pytest.fixture(scope="module")
def production(bone):
    st = bone.statistics(measure="production", level="kecamatan")
    assert not st["value"].isna().any()  # complete table: no gaps to treat specially
    return st


def _table(st):
    """{(code, commodity): {year: value}} with absent rows as 0 (nil)."""
    years = sorted(int(y) for y in st["year"].unique())
    codes, comms = sorted(set(st["code"])), sorted(set(st["commodity"]))
    t = {(c, k): {y: 0.0 for y in years} for c in codes for k in comms}
    for r in st.itertuples():
        t[(r.code, r.commodity)][int(r.year)] = float(r.value)
    return t, years, codes, comms


def _mean_growth(series: list[float]) -> float:
    rates = [series[i] / series[i - 1] - 1 for i in range(1, len(series))]
    return sum(rates) / len(rates)


def _families(st):
    """The production rows of each comparable group (issue #28: LQ, DLQ and shift-share
    compare a commodity with its own family only: estate crops with estate crops ...)."""
    return [g for _, g in st.groupby(["unit", "family"])]


@pytest.mark.parametrize("group", [0, 1])
def test_bone_quadrants_equal_an_independent_computation(bone, production, group):
    fams = _families(production)
    assert len(fams) == 2        # Bone: estate crops and food crops, in tonnes
    t, years, codes, comms = _table(fams[group])
    n = years[-1] - years[0]
    area = {c: [sum(t[(c, k)][y] for k in comms) for y in years] for c in codes}
    ref_c = {k: [sum(t[(c, k)][y] for c in codes) for y in years] for k in comms}
    ref = [sum(area[c][i] for c in codes) for i in range(len(years))]
    got = bone.analysis("dlq", measure="production").set_index(["code", "commodity"])
    checked = 0
    for c in codes:
        for k in comms:
            e = [t[(c, k)][y] for y in years]
            # static LQ of the period's sums
            slq = (sum(e) / sum(area[c])) / (sum(ref_c[k]) / sum(ref))
            row = got.loc[(c, k)]
            if sum(e) == 0:
                continue
            assert row["slq"] == pytest.approx(slq, rel=1e-9)
            if min(e[:-1]) <= 0:
                continue  # growth from nil: rates of multi-year means (tested in test_growth)
            g_ij, g_j = _mean_growth(e), _mean_growth(area[c])
            G_i, G = _mean_growth(ref_c[k]), _mean_growth(ref)
            dlq = ((1 + g_ij) / (1 + g_j)) ** n / ((1 + G_i) / (1 + G)) ** n
            assert row["dlq"] == pytest.approx(dlq, rel=1e-9)
            quadrant = ("unggulan" if slq > 1 and dlq > 1 else "andalan" if slq > 1 else
                        "prospektif" if dlq > 1 else "tertinggal")
            assert row["quadrant"] == quadrant
            checked += 1
    assert checked > 80


@pytest.mark.parametrize("group", [0, 1])
@pytest.mark.parametrize("variant", ["classic", "esteban"])
def test_bone_shift_share_equals_an_independent_computation(bone, production, variant, group):
    t, years, codes, comms = _table(_families(production)[group])
    y0, y1 = years[0], years[-1]
    E0 = sum(t[(c, k)][y0] for c in codes for k in comms)
    E1 = sum(t[(c, k)][y1] for c in codes for k in comms)
    R = E1 / E0 - 1
    got = bone.analysis("shift-share", measure="production", variant=variant) \
        .set_index(["code", "commodity"])
    for c in codes:
        e_j0 = sum(t[(c, k)][y0] for k in comms)
        for k in comms:
            e0, e1 = t[(c, k)][y0], t[(c, k)][y1]
            Ei0 = sum(t[(x, k)][y0] for x in codes)
            Ei1 = sum(t[(x, k)][y1] for x in codes)
            row = got.loc[(c, k)]
            if e0 == 0:
                assert row["differential"] == pytest.approx(e1)
                continue
            Ri, r = Ei1 / Ei0 - 1, e1 / e0 - 1
            assert row["national_share"] == pytest.approx(e0 * R, rel=1e-9, abs=1e-9)
            assert row["proportional"] == pytest.approx(e0 * (Ri - R), rel=1e-9, abs=1e-9)
            assert row["differential"] == pytest.approx(e0 * (r - Ri), rel=1e-9, abs=1e-6)
            assert (row["national_share"] + row["proportional"] + row["differential"]
                    == pytest.approx(e1 - e0, abs=1e-6))
            if variant == "esteban":
                homothetic = e_j0 * Ei0 / E0
                assert row["homothetic"] == pytest.approx(homothetic, rel=1e-9)
                assert row["allocation"] == pytest.approx((e0 - homothetic) * (r - Ri),
                                                          rel=1e-9, abs=1e-6)


def test_cli_analyse_and_api(tmp_path, bone_dir):
    from fastapi.testclient import TestClient

    from tests.helpers import run_cli
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    out = tmp_path / "dlq.csv"
    res = run_cli("analyse", "--data", str(bone_dir), "--method", "dlq", "--measure",
                  "production", "--period", "2018-2022", "--level", "kecamatan", "--out",
                  str(out))
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert {"slq", "dlq", "quadrant", "quadrant_en"} <= set(frame.columns)
    assert set(frame["period"]) == {"2018-2022"}
    res = run_cli("analyse", "--data", str(bone_dir), "--method", "klassen", "--measure",
                  "berat", "--out", str(tmp_path / "x.csv"))
    assert res.returncode != 0 and "no statistics of measure 'berat'" in res.stderr
    with TestClient(create_app(Settings(data=BONE))) as client:
        r = client.get("/api/v1/analysis/shift-share", params={"variant": "esteban",
                                                              "commodity": "kakao"})
        assert r.status_code == 200
        assert r.json()["total"] == 27 and "allocation" in r.json()["items"][0]
        assert client.get("/api/v1/analysis/nope").status_code == 422


def test_ogc_serves_the_quadrants(bone):
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    expected = bone.analysis("dlq", measure="production")
    with TestClient(create_app(Settings(data=BONE))) as client:
        ids = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
        assert "quadrants" in ids
        r = client.get("/ogc/collections/quadrants/items",
                       params={"limit": 500, "commodity": "kakao"})
        assert r.status_code == 200
        feats = r.json()["features"]
        assert len(feats) == 27 and feats[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
        got = {f["properties"]["code"]: f["properties"]["quadrant"] for f in feats}
        want = expected[expected["commodity"] == "kakao"].set_index("code")["quadrant"]
        assert got == {k: (None if v != v else v) for k, v in want.items()}  # NaN -> null


def test_no_quadrants_collection_without_a_series(tmp_path):
    from fastapi.testclient import TestClient

    from tests.helpers import make_dataset
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    make_dataset(tmp_path)
    with TestClient(create_app(Settings(data=tmp_path))) as client:
        ids = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
        assert "quadrants" not in ids and "statistics" in ids
        assert client.get("/ogc/collections/quadrants/items").status_code == 404
