"""GET /api/v1/zones, the OGC collection kawasan and the zones export give the same zones as
Dataset.zones (#35)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest


@pytest.fixture(scope="module")
def expected():
    from unggulan import Dataset

    z = Dataset.open().zones("desa")
    return {r.zone_id: set(r.members.split(";")) for r in z.itertuples()}


def test_list_and_one(client, expected):
    r = client.get("/api/v1/zones", params={"level": "desa", "limit": 10_000})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(expected)
    got = {it["zone_id"]: set(it["members"]) for it in body["items"]}
    assert got == expected
    assert r.headers.get("X-Unggulan-Run") == body["run_hash"]
    first = body["items"][0]
    assert {m["code"] for m in first["member_detail"]} == set(first["members"])
    assert first["reason_id"] and first["reason_en"] and "geometry" not in first
    one = client.get(f"/api/v1/zones/{first['zone_id']}", params={"level": "desa"})
    assert one.status_code == 200
    assert one.json()["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert set(one.json()["members"]) == set(first["members"])


def test_filters_and_errors(client, expected):
    kopi = client.get("/api/v1/zones", params={"commodity": "kopi_robusta"}).json()
    assert {it["commodity"] for it in kopi["items"]} <= {"kopi_robusta"}
    assert kopi["total"] == sum(1 for z in expected if z.startswith("kopi_robusta-"))
    emb = client.get("/api/v1/zones", params={"status": "embrio"}).json()
    assert {it["status"] for it in emb["items"]} == {"embrio"}
    page = client.get("/api/v1/zones", params={"limit": 2, "offset": 1}).json()
    assert len(page["items"]) == 2 and page["total"] == len(expected)
    assert client.get("/api/v1/zones", params={"commodity": "bukan_komoditas"}
                      ).status_code == 404
    assert client.get("/api/v1/zones/tidak-ada").status_code == 404
    assert client.get("/api/v1/zones", params={"status": "besar"}).status_code == 422
    assert client.get("/api/v1/zones", params={"level": "provinsi"}).status_code in (404, 422)


def test_ogc_collection_same_members(client, expected):
    cols = client.get("/ogc/collections").json()["collections"]
    assert "kawasan" in [c["id"] for c in cols]
    r = client.get("/ogc/collections/kawasan/items", params={"limit": 10_000})
    assert r.status_code == 200
    fc = r.json()
    got = {f["id"]: set(f["properties"]["members"].split(";")) for f in fc["features"]}
    assert got == expected
    zid = next(iter(expected))
    one = client.get(f"/ogc/collections/kawasan/items/{zid}")
    assert one.status_code == 200 and one.json()["id"] == zid
    kopi = client.get("/ogc/collections/kawasan/items",
                      params={"commodity": "kopi_robusta"}).json()
    assert {f["properties"]["commodity"] for f in kopi["features"]} <= {"kopi_robusta"}


def test_export_same_members(client, expected):
    r = client.get("/api/v1/export", params={"layer": "zones", "format": "geojson"})
    assert r.status_code == 200, r.text
    fc = json.loads(r.content)
    got = {f["properties"]["zone_id"]: set(f["properties"]["members"].split(";"))
           for f in fc["features"]}
    assert got == expected
    shp = client.get("/api/v1/export", params={"layer": "zones", "format": "shp"})
    assert shp.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(shp.content)).namelist()
    assert any(n.endswith("zones_desa.qml") for n in names)
    assert any(n.endswith("zones_desa.shp") for n in names)


def test_map_and_brief_same_zones(expected):
    from unggulan import Dataset
    from unggulan.maps.pages import PageOptions, zone_outlines
    from unggulan.reports.brief import build_brief

    ds = Dataset.open()
    items = zone_outlines(ds, "desa", PageOptions(inline=True))["items"]
    assert {props["zone_id"] for _, props in items} == set(expected)
    assert all(props["colour"].startswith("#") for _, props in items)
    assert all(geom["type"] in ("Polygon", "MultiPolygon") for geom, _ in items)
    kab = ds.areas("desa")["kabupaten_code"].iat[0]
    brief = build_brief(ds, kab)
    zones = next(s for s in brief.sections if s.id == "zones")
    shown = {row[0][0]["text"] for row in zones.blocks[1]["groups"]}
    assert shown == set(expected)
