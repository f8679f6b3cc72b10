"""#31 in the API: one paging helper, the run headers built here (not in the core), the
dataset's cache reached through its methods only, and the service's settings handed to
every dataset it opens."""

import re
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
from fastapi.testclient import TestClient

from unggulan.api import ogc
from unggulan.api.headers import header_value, run_headers
from unggulan.api.main import create_app
from unggulan.api.paging import paged, window
from unggulan.base.settings import Settings
from unggulan.core.ranking import run as runmod

API = Path(__file__).resolve().parents[2] / "app" / "api"


def test_window_and_paged_cut_frames_and_lists_alike():
    frame = pd.DataFrame({"code": list("abcde"), "x": [1.0, None, 3.0, 4.0, 5.0]})
    assert window(5, 2, 4) == range(4, 5) and window(5, 2, 9) == range(5, 5)
    assert paged(frame, 2, 1) == {"total": 5, "limit": 2, "offset": 1,
                                  "items": [{"code": "b", "x": None}, {"code": "c", "x": 3.0}]}
    assert paged(list("abcde"), 3, 3, convert=list) == {"total": 5, "limit": 3, "offset": 3,
                                                        "items": ["d", "e"]}
    assert paged(frame, 10, 7)["items"] == []


def test_pages_keep_their_fields_and_order(client):
    body = client.get("/api/v1/areas", params={"limit": 2, "offset": 1}).json()
    assert list(body) == ["total", "limit", "offset", "items"]
    everything = client.get("/api/v1/areas", params={"limit": 10_000}).json()
    assert body["items"] == everything["items"][1:3] and body["total"] == everything["total"]
    st = client.get("/api/v1/statistics", params={"limit": 3, "offset": 2}).json()
    assert list(st) == ["total", "limit", "offset", "items"] and len(st["items"]) <= 3
    sen = client.get("/api/v1/sentra", params={"limit": 1}).json()
    assert list(sen) == ["total", "limit", "offset", "items"]
    cand = client.get("/api/v1/candidates", params={"limit": 4, "offset": 2,
                                                    "stability": "false"}).json()
    assert list(cand)[:7] == ["level", "top", "weights", "total", "limit", "offset", "items"]
    assert len(cand["items"]) == 4 and "geometry" not in cand["items"][0]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"AreaPage", "SentraPage", "StatisticsPage", "CandidatePage"} <= set(schemas)
    assert schemas["AreaPage"]["required"] == ["total", "limit", "offset", "items"]
    assert "description" not in schemas["SentraPage"]


def test_run_headers_come_from_the_api_not_the_core(client):
    assert header_value("Permendagri 9/2014") == "Permendagri 9/2014"
    assert header_value("Séko 100%") == "S%C3%A9ko%20100%25"
    assert unquote(header_value("Kopi Séko — FGD")) == "Kopi Séko — FGD"
    for name in ("header_value", "run_headers"):
        assert not hasattr(runmod, name)
    assert not hasattr(runmod.RunInfo, "headers")
    ds = client.app.state.holder.dataset
    info = ds.run_info(None)
    assert run_headers(info) == run_headers(info.to_dict()) == {
        "X-Unggulan-Run": info.run_hash, "X-Unggulan-Scenario": "bawaan / default"}
    r = client.get("/api/v1/analysis/slq", params={"limit": 1})
    if r.status_code == 200:
        assert r.headers["x-unggulan-run"] == r.json()["run_hash"]
    r = client.get(f"/api/v1/areas/{ds.areas('desa').index[0]}/candidates")
    assert r.headers["x-unggulan-run"] == r.json()["run_hash"]


def test_the_api_never_touches_the_dataset_cache_directly():
    for path in API.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\._cache\b", text), path.name
        assert "Settings()" not in re.sub(r'""".*?"""|>>>.*', "", text, flags=re.S) \
            or path.name == "main.py", path.name


def test_the_service_opens_its_datasets_with_its_own_settings(tmp_path):
    from unggulan.base.settings import bundled_data_dir

    settings = Settings(data=bundled_data_dir(), cache_dir=tmp_path / "cache",
                        results_in_memory=3, workers=1, rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as c:
        holder = c.app.state.holder
        assert holder.dataset.settings is settings
        assert holder.dataset.settings.cache_path() == tmp_path / "cache"
        assert holder.reload().settings is settings  # a reload (and an applied upload) too


def test_items_pages_are_kept_whole_and_stay_the_same(client):
    url = "/ogc/collections/desa/items?limit=3&offset=2"
    first = client.get(url)
    ds = client.app.state.holder.dataset
    feats = ds.peek(("ogc", "features", "desa"))
    assert feats is not None and len(feats.pages.values) >= 1
    again = client.get(url)
    assert again.content == first.content and again.headers["content-type"] == \
        first.headers["content-type"]
    # another base URL, another query: their own pages (the links name them)
    other = client.get("http://example.org" + url)
    assert b"http://example.org/ogc/collections/desa/items?" in other.content
    assert other.json()["features"] == first.json()["features"]
    name = first.json()["features"][0]["properties"]["name"]
    for _ in range(2):
        fc = client.get("/ogc/collections/desa/items", params={"name": name}).json()
        assert fc["numberMatched"] >= 1
        assert {f["properties"]["name"] for f in fc["features"]} == {name}
    # a bad parameter is refused every time (errors are not kept)
    for _ in range(2):
        assert client.get(url + "&no_such_field=1").status_code == 422
    big = client.get("/ogc/collections/desa/items?limit=10000")
    assert big.status_code == 200
    assert all(len(v) <= ogc.KEPT_PAGE_BYTES for v in feats.pages.values.values())
