"""OGC API - Features conformance: required links and fields, paging walks every feature."""

import pytest

REQUIRED_LANDING = {"self", "service-desc", "conformance", "data"}


def _rels(links):
    return {link["rel"] for link in links}


def test_landing_and_conformance(client):
    landing = client.get("/ogc").json()
    assert REQUIRED_LANDING <= _rels(landing["links"])
    for link in landing["links"]:
        assert link["href"].startswith("http") and link["type"]
    conf = client.get("/ogc/conformance").json()
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf["conformsTo"]


def test_collections_have_extent_and_links(client):
    body = client.get("/ogc/collections").json()
    assert "self" in _rels(body["links"])
    ids = {c["id"] for c in body["collections"]}
    assert {"desa", "kecamatan", "sentra", "candidates_desa", "candidates_kecamatan"} <= ids
    for c in body["collections"]:
        assert {"self", "items"} <= _rels(c["links"])
        bbox = c["extent"]["spatial"]["bbox"][0]
        assert len(bbox) == 4 and bbox[0] <= bbox[2] and bbox[1] <= bbox[3]
        one = client.get(f"/ogc/collections/{c['id']}").json()
        assert one["id"] == c["id"]


@pytest.mark.parametrize("cid, limit", [("desa", 7), ("sentra", 25), ("kecamatan", 2),
                                        ("candidates_desa", 30)])
def test_paging_with_next_links_walks_every_feature_once(client, cid, limit):
    url = f"/ogc/collections/{cid}/items?limit={limit}"
    seen = []
    matched = None
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/geo+json")
        fc = r.json()
        assert fc["type"] == "FeatureCollection"
        assert fc["numberReturned"] == len(fc["features"]) <= limit
        matched = fc["numberMatched"] if matched is None else matched
        assert fc["numberMatched"] == matched
        assert {"self", "collection"} <= _rels(fc["links"])
        seen += [f["id"] for f in fc["features"]]
        nxt = [link["href"] for link in fc["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
        pages += 1
        assert pages < 1000
    assert len(seen) == len(set(seen)) == matched


def test_bbox_and_property_filters(client, demo):
    minx, miny, maxx, maxy = demo.areas("desa").total_bounds
    half = f"{minx},{miny},{(minx + maxx) / 2},{maxy}"
    fc = client.get(f"/ogc/collections/desa/items?bbox={half}&limit=1000").json()
    assert 0 < fc["numberMatched"] < 64
    kec = demo.areas("desa")["kecamatan_code"].iloc[0]
    fc = client.get(f"/ogc/collections/desa/items?kecamatan_code={kec}&limit=1000").json()
    assert fc["numberMatched"] == int((demo.areas("desa")["kecamatan_code"] == kec).sum())
    nxt = [link for link in fc["links"] if link["rel"] == "next"]
    assert not nxt


def test_single_feature(client, demo):
    code = demo.areas("desa")["code"].iloc[0]
    f = client.get(f"/ogc/collections/desa/items/{code}").json()
    assert f["type"] == "Feature" and f["id"] == code
    assert {"self", "collection"} <= _rels(f["links"])
    assert client.get("/ogc/collections/desa/items/nope").status_code == 404


def test_bone_layers_over_ogc(bone_client):
    fc = bone_client.get("/ogc/collections/desa/items?limit=1").json()
    assert fc["numberMatched"] == 372
    fc = bone_client.get("/ogc/collections/sentra/items?limit=1").json()
    assert fc["numberMatched"] == 510
