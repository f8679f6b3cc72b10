"""Every JSON endpoint, with its error cases."""

import pytest
from fastapi.testclient import TestClient


def test_areas_listing_filters_and_paging(client, demo):
    r = client.get("/api/v1/areas", params={"level": "kecamatan"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5 and len(body["items"]) == 5
    r = client.get("/api/v1/areas", params={"level": "desa", "limit": 10, "offset": 60})
    assert r.json()["total"] == 64 and len(r.json()["items"]) == 4
    kec = demo.areas("kecamatan")["code"].iloc[0]
    r = client.get("/api/v1/areas", params={"parent": kec})
    expected = (demo.areas("desa")["kecamatan_code"] == kec).sum()
    assert r.json()["total"] == expected
    name = demo.areas("desa")["name"].iloc[3]
    r = client.get("/api/v1/areas", params={"q": name[:5].upper()})
    assert name in [i["name"] for i in r.json()["items"]]
    minx, miny, maxx, maxy = demo.areas("desa").total_bounds
    r = client.get("/api/v1/areas", params={"bbox": f"{minx},{miny},{(minx + maxx) / 2},{maxy}"})
    assert 0 < r.json()["total"] < 64


def test_areas_as_geojson(client):
    r = client.get("/api/v1/areas", params={"level": "kecamatan", "geometry": "true"})
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 5
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_one_area_with_evidence(client, demo):
    code = demo.areas("desa")["code"].iloc[0]
    r = client.get(f"/api/v1/areas/{code}")
    assert r.status_code == 200
    body = r.json()
    assert body["area"]["code"] == code and body["synthetic"] is True
    assert "elevation_mean" in body["attributes"]
    assert {s["commodity"] for s in body["suitability"]} == set(demo.catalogue.items)
    assert 1 <= len(body["candidates"]) <= 3
    assert body["candidates"][0]["reason_id"] and body["candidates"][0]["components"]


def test_area_candidates_match_the_python_api(client, demo):
    code = demo.areas("kecamatan")["code"].iloc[1]
    r = client.get(f"/api/v1/areas/{code}/candidates",
                   params={"level": "kecamatan", "top": 2, "weights": "suitability=0.8"})
    assert r.status_code == 200
    body = r.json()
    assert body["weights"]["suitability"] == 0.8
    py = demo.candidates("kecamatan", top=2, weights="suitability=0.8")
    py = py[py["code"] == code]
    assert [c["commodity"] for c in body["candidates"]] == list(py["commodity"])


@pytest.mark.parametrize("url, status, field", [
    ("/api/v1/areas/00.00.00.0000", 404, "code"),
    ("/api/v1/areas?level=kota", 422, "level"),
    ("/api/v1/areas?limit=0", 422, "limit"),
    ("/api/v1/areas?bbox=1,2,3", 422, "bbox"),
    ("/api/v1/areas?bbox=5,2,3,4", 422, "bbox"),
    ("/api/v1/commodities/unobtainium", 404, None),
    ("/api/v1/candidates?weights=suitability=2", 422, "weights"),
    ("/api/v1/candidates?weights=price=0.5", 422, "weights"),
    ("/api/v1/candidates?top=0", 422, "top"),
    ("/ogc/collections/nothing", 404, None),
    ("/ogc/collections/desa/items?colour=red", 422, "colour"),
])
def test_errors_are_json_with_the_right_status(client, url, status, field):
    r = client.get(url)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["detail"]
    if field:
        assert body["field"] == field


def test_commodities_and_requirements(client):
    r = client.get("/api/v1/commodities", params={"sector": "perikanan"})
    assert r.status_code == 200 and all(c["sector"] == "perikanan" for c in r.json())
    r = client.get("/api/v1/commodities/kakao")
    body = r.json()
    assert body["land_status"] == "assessed"
    assert body["requirements"] and all(q["citation"] for q in body["requirements"])
    r = client.get("/api/v1/commodities/keripik_pisang")
    assert r.json()["land_status"] == "inherited"
    assert {q["factor"] for q in r.json()["requirements"]} >= {"temperature"}


def test_commodity_suitability_across_areas(client):
    r = client.get("/api/v1/commodities/kopi_arabika/suitability",
                   params={"level": "kecamatan"})
    items = r.json()["items"]
    assert len(items) == 5 and all(i["commodity"] == "kopi_arabika" for i in items)
    r = client.get("/api/v1/commodities/kopi_arabika/suitability",
                   params={"level": "desa", "geometry": "true"})
    assert len(r.json()["features"]) == 64


def test_sentra_filters(client, demo):
    r = client.get("/api/v1/sentra", params={"commodity": "kakao"})
    s = demo.sentra()
    assert r.json()["total"] == int((s["commodity_id"] == "kakao").sum())
    r = client.get("/api/v1/sentra", params={"placed": "false"})
    assert r.json()["total"] == int(s["desa_code"].isna().sum())


def test_candidates_and_weights(client):
    r = client.get("/api/v1/candidates", params={"level": "kecamatan", "top": 2})
    body = r.json()
    assert body["total"] <= 10 and {i["rank"] for i in body["items"]} <= {1, 2}
    r = client.get("/api/v1/weights")
    # the activity and land components sum to 1; `local` (issue #30, land-only candidates
    # only) comes on top, so that every candidate with activity keeps its score
    d = r.json()["defaults"]
    assert abs(sum(v for k, v in d.items() if k != "local") - 1.0) < 1e-9
    assert d["local"] == 0.10


def test_reload_needs_the_write_key(client, tmp_path):
    from tests.conftest import BUNDLED
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    r = client.post("/api/v1/reload")  # no key configured: writes are off
    assert r.status_code == 403
    with TestClient(create_app(Settings(data=BUNDLED, write_api_key="rahasia"))) as c:
        assert c.post("/api/v1/reload").status_code == 403
        assert c.post("/api/v1/reload", headers={"X-API-Key": "salah"}).status_code == 403
        r = c.post("/api/v1/reload", headers={"X-API-Key": "rahasia"})
        assert r.status_code == 200 and r.json()["reloaded"] is True


def test_changed_file_is_noticed_without_restart(tmp_path):
    import os
    import shutil
    import time

    from fastapi.testclient import TestClient

    from tests.conftest import BUNDLED
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    for sub in ("boundaries", "sentra"):
        shutil.copytree(BUNDLED / sub, tmp_path / sub)
    with TestClient(create_app(Settings(data=tmp_path))) as c:
        c.app.state.holder.check_every = 0
        before = c.get("/api/v1/summary").json()["sentra"]["records"]
        csv = tmp_path / "sentra" / "sentra_contoh.csv"
        lines = csv.read_text(encoding="utf-8").splitlines()
        csv.write_text("\n".join(lines[:-5]) + "\n", encoding="utf-8")
        os.utime(csv, (time.time() + 5, time.time() + 5))
        after = c.get("/api/v1/summary").json()["sentra"]["records"]
        assert after == before - 5


@pytest.mark.parametrize("fmt, ctype, suffix", [
    ("gpkg", "application/geopackage+sqlite3", ".gpkg"), ("shp", "application/zip", ".zip"),
    ("geojson", "application/geo+json", ".geojson"), ("csv", "text/csv", ".csv"),
    ("parquet", "application/vnd.apache.parquet", ".parquet")])
def test_export_streams_a_named_file(client, fmt, ctype, suffix):
    r = client.get("/api/v1/export", params={"level": "kecamatan", "layer": "candidates",
                                             "format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(ctype)
    assert f'filename="unggulan_candidates_kecamatan{suffix}"' in r.headers[
        "content-disposition"]
    assert len(r.content) > 100


def test_export_rejects_unknown_format(client):
    r = client.get("/api/v1/export", params={"format": "xlsx"})
    assert r.status_code == 422 and r.json()["field"] == "format"


def _upload(client, text, name="baru.csv", **params):
    return client.post("/api/v1/sentra/preview", params=params,
                       files={"file": (name, text.encode("utf-8"), "text/csv")},
                       headers=params.pop("headers", {}))


def test_upload_preview_reports_rows_and_changes_nothing(client, demo):
    code = demo.areas("desa")["code"].iloc[0]
    before = client.get("/api/v1/summary").json()["sentra"]["records"]
    text = ("komoditas;kode_desa;tenaga_kerja\n"
            f"kakao;{code};12\n"
            "batu akik;99.01.01.9999;3\n"
            f"kopi robusta;{code};dua\n")
    r = _upload(client, text)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 3 and body["placed"] == 2 and body["applied"] is False
    assert body["unmatched_names"] == ["batu akik"]
    bad = [p for p in body["problems"] if p["severity"] == "warning" and p["row"]]
    assert bad and bad[0]["row"] == 4 and bad[0]["field"] == "tenaga_kerja"
    assert client.get("/api/v1/summary").json()["sentra"]["records"] == before


def test_upload_errors(client):
    assert _upload(client, "x", name="peta.pdf").status_code == 422
    r = _upload(client, "komoditas,desa\nkakao,x\n", apply="true")
    assert r.status_code == 403 and r.json()["field"] == "x-api-key"
    client.app.state.settings.max_upload_mb = 0
    try:
        r = _upload(client, "komoditas,desa\nkakao,x\n")
        assert r.status_code == 413
    finally:
        client.app.state.settings.max_upload_mb = 10


def test_upload_applied_with_the_key(tmp_path):
    import shutil

    from fastapi.testclient import TestClient

    from tests.conftest import BUNDLED
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    for sub in ("boundaries", "sentra"):
        shutil.copytree(BUNDLED / sub, tmp_path / sub)
    with TestClient(create_app(Settings(data=tmp_path, write_api_key="rahasia"))) as c:
        before = c.get("/api/v1/summary").json()["sentra"]["records"]
        code = c.get("/api/v1/areas?limit=1").json()["items"][0]["code"]
        r = _upload(c, f"komoditas,kode_desa\nkakao,{code}\n", apply="true",
                    headers={"X-API-Key": "rahasia"})
        assert r.status_code == 200 and r.json()["applied"] is True
        assert (tmp_path / "sentra" / "baru.csv").exists()
        assert c.get("/api/v1/summary").json()["sentra"]["records"] == before + 1
