"""Scenarios over HTTP (#20): POST /api/v1/candidates with a scenario body (weights, AHP,
TOPSIS), the run in the body and the headers, 4xx naming what is wrong; GET and POST
/api/v1/scenarios (saving needs the write key, writes DIR/scenarios/<slug>.toml atomically).

Saving writes into a copy of the bundled demo dataset in a temporary folder.
"""

from __future__ import annotations

import shutil
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.conftest import BUNDLED
from unggulan.api.main import create_app
from unggulan.base.settings import Settings
from unggulan.core.scenario import load_scenario, scenario_from_dict

KEY = "kunci-uji-2025"
AHP = {"criteria": ["suitability", "specialisation", "market"],
       # consistent: a13 = a12 * a23 = 2 * 2 = 4, so the weights are 4/7, 2/7, 1/7, CR 0
       "matrix": [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo") / "data"
    shutil.copytree(BUNDLED, d, ignore=shutil.ignore_patterns("scenarios"))
    return d


@pytest.fixture(scope="module")
def keyed(folder):
    """A service on the copy, with a write key and no rate limit."""
    s = Settings(data=folder, write_api_key=KEY, rate_limit_per_minute=0)
    with TestClient(create_app(s), raise_server_exceptions=False) as c:
        yield c


def _ranking(items) -> list[tuple[str, int, str]]:
    return [(i["code"], i["rank"], i["commodity"]) for i in items]


def _python_ranking(ds, level, scenario) -> list[tuple[str, int, str]]:
    c = ds.candidates(level, scenario=scenario)
    return list(zip(c["code"], c["rank"].astype(int), c["commodity"]))


# ---------------------------------------------------------------------- POST candidates
def test_post_candidates_with_weights(client, demo):
    body = {"name": "Musrenbang uji", "weights": {"suitability": 0.4, "specialisation": 0.3,
                                                  "market": 0.3}}
    r = client.post("/api/v1/candidates", params={"level": "kecamatan"}, json=body)
    assert r.status_code == 200, r.text
    page = r.json()
    sc = scenario_from_dict(body)
    info = demo.run_info(sc)
    assert page["scenario"] == "Musrenbang uji" == page["run"]["scenario"]
    assert page["run"]["run_hash"] == info.run_hash == r.headers["X-Unggulan-Run"]
    assert page["run"]["scenario_hash"] == sc.content_hash()
    assert r.headers["X-Unggulan-Scenario"] == "Musrenbang uji"
    # a scenario states all of its weights: those it does not name are 0
    assert page["weights"]["scale"] == 0.0 and page["weights"]["suitability"] == 0.4
    assert page["run"]["weights"] == {"suitability": 0.4, "specialisation": 0.3,
                                      "market": 0.3}
    assert _ranking(page["items"]) == _python_ranking(demo, "kecamatan", sc)
    firsts = [i for i in page["items"] if i["rank"] == 1]
    assert all(0 <= i["stability"] <= 1 for i in firsts)
    assert all(i["stability"] is None for i in page["items"] if i["rank"] > 1)


def test_post_candidates_with_ahp(client, demo):
    body = {"name": "FGD AHP", "ahp": AHP}
    r = client.post("/api/v1/candidates", params={"level": "kecamatan", "limit": 3},
                    json=body)
    assert r.status_code == 200, r.text
    w = r.json()["run"]["weights"]
    assert w == pytest.approx({"suitability": 4 / 7, "specialisation": 2 / 7,
                               "market": 1 / 7}, abs=1e-6)
    assert len(r.json()["items"]) == 3 and r.json()["total"] == 15  # 5 areas x top 3
    assert _ranking(r.json()["items"]) == _python_ranking(demo, "kecamatan",
                                                          scenario_from_dict(body))[:3]


def test_post_candidates_with_topsis(client, demo):
    body = {"name": "TOPSIS Séko", "method": "topsis", "top": 2,
            "weights": {"suitability": 0.5, "specialisation": 0.5}}
    r = client.post("/api/v1/candidates", params={"level": "desa", "stability": "false"},
                    json=body)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["run"]["method"] == "topsis" and page["top"] == 2
    assert page["run"]["stability"] == "not computed (stability=False)"
    assert "stability" not in page["items"][0]
    assert _ranking(page["items"]) == _python_ranking(demo, "desa", scenario_from_dict(body))
    # TOPSIS compares the candidates within an area: its first scores 100 when it is the
    # ideal on both criteria, and no score leaves 0-100
    assert all(0 <= i["score"] <= 100 for i in page["items"])
    # a name outside ASCII is percent-encoded in the header
    assert unquote(r.headers["X-Unggulan-Scenario"]) == "TOPSIS Séko"
    # another method, another run
    ws = client.post("/api/v1/candidates", params={"level": "desa", "limit": 1},
                     json={**body, "method": "weighted_sum"})
    assert ws.headers["X-Unggulan-Run"] != r.headers["X-Unggulan-Run"]


@pytest.mark.parametrize("body, field, words", [
    ({"name": "x", "weights": {"markt": 0.3}}, "weights.markt",
     ["unknown weight", "known: suitability"]),
    ({"name": "x", "ahp": {"criteria": ["suitability", "specialisation", "market"],
                           # suitability 9x market, market 9x specialisation, but
                           # specialisation 9x suitability: CR far above 0.10
                           "matrix": [[1, "1/9", 9], [9, 1, "1/9"], ["1/9", 9, 1]]}},
     "ahp.matrix", ["CR", ">= 0.10", "most inconsistent judgement is", " vs "]),
    ({"name": "x", "weight": {"market": 1}}, "weight", ["unknown key", "spelling"]),
    ({"name": "x", "weights": {"market": 1.5}}, "weights.market", ["outside [0, 1]"]),
    ({"name": "x", "method": "electre"}, "method", ["weighted_sum"]),
    ({"weights": {"market": 1}}, "name", ["required"]),
])
def test_a_bad_scenario_is_a_422_naming_the_key(client, body, field, words):
    r = client.post("/api/v1/candidates", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    for w in words:
        assert w in r.json()["detail"]


def test_unknown_commodity_in_a_scenario_is_a_404(client):
    r = client.post("/api/v1/candidates", json={"name": "x", "commodities": ["durian_emas"]})
    assert r.status_code == 404 and "durian_emas" in r.json()["detail"]


def test_get_candidates_carries_the_default_run(client, demo):
    r = client.get("/api/v1/candidates", params={"level": "kecamatan", "weights":
                                                 "suitability=0.5", "limit": 1})
    assert r.status_code == 200
    assert r.json()["run"]["scenario"] == "bawaan / default"
    assert r.headers["X-Unggulan-Run"] == demo.run_info(
        scenario_from_dict({"name": "bawaan / default", "weights": {
            **r.json()["weights"]}})).run_hash
    r2 = client.get("/api/v1/candidates", params={"level": "kecamatan", "weights":
                                                  "suitability=0.55", "limit": 1})
    assert r2.headers["X-Unggulan-Run"] != r.headers["X-Unggulan-Run"]
    both = client.get("/api/v1/candidates", params={"weights": "market=0.1",
                                                    "scenario": "permendagri_9_2014"})
    assert both.status_code == 422 and "not both" in both.json()["detail"]


# ---------------------------------------------------------------------- saved scenarios
def test_list_and_read_saved_scenarios(client):
    r = client.get("/api/v1/scenarios")
    assert r.status_code == 200
    body = r.json()
    assert body["writable"] is False  # the default settings have no write key
    pm = {i["id"]: i for i in body["items"]}["permendagri_9_2014"]
    assert pm["name"] == "Permendagri 9/2014" and pm["source"] == "bundled"
    r = client.get("/api/v1/scenarios/permendagri_9_2014")
    assert r.status_code == 200
    d = r.json()
    assert d["scenario_hash"] == pm["scenario_hash"]
    assert d["weights"]["specialisation"] == 0.6 and d["ahp"] is None
    statuses = [c["status"] for c in d["criteria"]]
    assert statuses.count("tidak ada data") == 6 and len(statuses) == 12
    # its JSON form, posted back, is the same scenario (same hash)
    assert scenario_from_dict(d["scenario"]).content_hash() == d["scenario_hash"]
    # by name as well as by id (the name's slug is the id)
    r = client.get("/api/v1/candidates", params={"scenario": "Permendagri 9/2014",
                                                 "level": "kecamatan", "limit": 1})
    assert r.status_code == 200 and r.json()["run"]["scenario_hash"] == d["scenario_hash"]
    assert len(r.json()["run"]["criteria_without_data"]) == 6
    for bad in ("tidak_ada", "..%2F..%2Fetc%2Fpasswd", "permendagri_9_2014.toml"):
        assert client.get(f"/api/v1/scenarios/{bad}").status_code == 404


def test_saving_is_off_without_a_write_key(client):
    r = client.post("/api/v1/scenarios", json={"name": "x", "weights": {"market": 1}})
    assert r.status_code == 403
    assert "UNGGULAN_WRITE_API_KEY" in r.json()["detail"]


def test_save_a_scenario_with_the_write_key(keyed, folder):
    body = {"name": "Musrenbang Kab. Contoh 2025", "method": "vikor",
            "weights": {"suitability": 0.6, "market": 0.4}}
    assert keyed.get("/api/v1/scenarios").json()["writable"] is True
    r = keyed.post("/api/v1/scenarios", json=body)
    assert r.status_code == 403  # no key sent
    r = keyed.post("/api/v1/scenarios", json=body, headers={"X-API-Key": "salah"})
    assert r.status_code == 403
    r = keyed.post("/api/v1/scenarios", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["id"] == "musrenbang_kab_contoh_2025" and saved["replaced"] is False
    path = folder / "scenarios" / "musrenbang_kab_contoh_2025.toml"
    assert path.is_file()
    assert load_scenario(path).content_hash() == scenario_from_dict(body).content_hash() \
        == saved["scenario_hash"]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp left
    # listed first (the dataset's own), and usable by id in GET /candidates
    items = keyed.get("/api/v1/scenarios").json()["items"]
    assert items[0]["id"] == saved["id"] and items[0]["source"] == "dataset"
    a = keyed.get("/api/v1/candidates", params={"level": "kecamatan", "scenario": saved["id"]})
    b = keyed.post("/api/v1/candidates", params={"level": "kecamatan"}, json=body)
    assert a.status_code == b.status_code == 200
    assert _ranking(a.json()["items"]) == _ranking(b.json()["items"])
    assert a.headers["X-Unggulan-Run"] == b.headers["X-Unggulan-Run"]
    # the same id again: 409 unless overwrite=true
    r = keyed.post("/api/v1/scenarios", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 409 and "overwrite=true" in r.json()["detail"]
    changed = {**body, "weights": {"suitability": 0.5, "market": 0.5}}
    r = keyed.post("/api/v1/scenarios", params={"overwrite": "true"}, json=changed,
                   headers={"X-API-Key": KEY})
    assert r.status_code == 201 and r.json()["replaced"] is True
    assert load_scenario(path).weights == {"suitability": 0.5, "market": 0.5}


def test_a_scenario_name_never_becomes_a_path(keyed, folder):
    body = {"name": "../../../tmp/jahat", "weights": {"market": 1}}
    r = keyed.post("/api/v1/scenarios", json=body, headers={"X-API-Key": KEY})
    assert r.status_code == 201
    assert r.json()["id"] == "tmp_jahat"
    assert (folder / "scenarios" / "tmp_jahat.toml").is_file()
    assert not (folder.parent / "tmp").exists()
    # a bad scenario is refused before anything is written
    r = keyed.post("/api/v1/scenarios", json={"name": "buruk", "weights": {"markt": 1}},
                   headers={"X-API-Key": KEY})
    assert r.status_code == 422 and r.json()["field"] == "weights.markt"
    assert not (folder / "scenarios" / "buruk.toml").exists()
