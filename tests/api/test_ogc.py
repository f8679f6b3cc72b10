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


# --- made once per dataset (#34) ------------------------------------------------------------


def test_landing_and_collections_are_made_once_per_dataset(client, monkeypatch):
    """After the first answer no layer is built again to read its extent (the collections
    list rebuilt and copied every layer on each request)."""
    from unggulan.api import ogc

    first = {u: client.get(u) for u in ("/ogc", "/ogc/collections", "/ogc/collections/desa")}

    def refuse(*args, **kwargs):
        raise AssertionError("a layer was built again")

    monkeypatch.setattr(ogc, "_layer", refuse)
    monkeypatch.setattr(ogc, "_bounds", refuse)
    for url, r in first.items():
        again = client.get(url)
        assert again.status_code == r.status_code == 200
        assert again.content == r.content and again.headers["content-type"] == \
            "application/json"


def test_a_reloaded_dataset_gets_its_own_collections(tmp_path):
    """The cache belongs to the dataset: a changed folder (a new dataset) answers anew."""
    import shutil

    from fastapi.testclient import TestClient

    from tests.conftest import BUNDLED
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    folder = tmp_path / "data"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("agroecology"))
    with TestClient(create_app(Settings(data=folder))) as c:
        before = c.get("/ogc/collections/sentra").json()["extent"]["spatial"]["bbox"][0]
        assert c.get("/ogc/collections/sentra/items?limit=1").json()["numberMatched"] > 0
        shutil.rmtree(folder / "sentra")
        c.app.state.holder.reload()
        assert c.get("/ogc/collections/sentra/items?limit=1").json()["numberMatched"] == 0
        after = c.get("/ogc/collections/sentra").json()["extent"]["spatial"]["bbox"][0]
        assert after != before  # no sentra: the extent is the areas'


def test_items_pages_are_the_features_geojson(client, demo):
    """A page joins each feature's text made once: the same GeoJSON as encoding the layer."""
    from unggulan.api import ogc
    from unggulan.api.convert import feature_collection

    layer = ogc._layer(demo, "desa")
    want = feature_collection(layer.iloc[5:15], id_col="code")["features"]
    fc = client.get("/ogc/collections/desa/items?limit=10&offset=5").json()
    assert fc["features"] == want
    assert fc["numberMatched"] == len(layer) and fc["numberReturned"] == 10
    one = client.get(f"/ogc/collections/desa/items/{want[0]['id']}").json()
    assert {k: v for k, v in one.items() if k != "links"} == want[0]
    past = client.get(f"/ogc/collections/desa/items?offset={len(layer) + 5}").json()
    assert past["features"] == [] and past["numberReturned"] == 0
    assert past["numberMatched"] == len(layer)
