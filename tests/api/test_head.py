"""HEAD is answered wherever GET is (unggulan.api.middleware.HeadMiddleware): the GET's
status and headers, no body; over every route of the app."""

from __future__ import annotations

import re

import pytest

from unggulan.maps.tiles import tile_of

#: what is slow to make even on the demo data: HEAD must answer, its status is compared
#: with GET's on the others
SLOW = {"/api/v1/areas/{code}/brief.pdf", "/api/v1/areas/{code}/brief.html"}


def _get_paths(app):
    """Every path template routed for GET, through included routers and mounts."""
    out = []
    for r in app.router.routes:
        cands = r.effective_candidates() if type(r).__name__ == "_IncludedRouter" else [r]
        for c in cands:
            methods = getattr(c, "methods", None)
            if methods and "GET" in methods:
                out.append(c.path)
            elif methods is None and type(c).__name__ == "Mount":
                out.append(c.path + "/")
    return out


def _values(demo) -> dict[str, str]:
    code = str(demo.areas("desa").index[0])
    p = demo.areas("desa").geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 12)
    return {"code": code, "commodity_id": next(iter(demo.catalogue.items)),
            "method": "slq", "scenario_id": "tidak-ada", "collection_id": "desa",
            "feature_id": code, "tileMatrix": "12", "tileRow": str(y), "tileCol": str(x),
            "level": "desa", "z": "12", "x": str(x), "y": str(y),
            "kecamatan": str(demo.areas("kecamatan").index[0])}


def test_head_is_answered_wherever_get_is(client, demo):
    values = _values(demo)
    paths = _get_paths(client.app)
    assert len(paths) > 30 and "/ogc/collections/{collection_id}/items" in paths
    for template in paths:
        given = {**values, "code": values["kecamatan"]} if template in SLOW else values
        url = re.sub(r"\{(\w+)\}", lambda m, g=given: g.get(m.group(1), "x"), template)
        if template == "/static/peta/":
            url += "unggulan.js"
        head = client.head(url)
        assert head.status_code != 405, (template, head.status_code)
        assert head.content == b"", template
        if template in SLOW:  # not made twice: answered (not 405), checked above
            continue
        get = client.get(url)
        assert head.status_code == get.status_code, (template, head.status_code,
                                                     get.status_code)
        assert head.headers.get("content-type") == get.headers.get("content-type"), template
        if "content-length" in get.headers and get.status_code == 200:
            assert head.headers["content-length"] == get.headers["content-length"], template


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_head_gives_the_length_of_the_get_as_it_would_be_sent(client, encoding):
    h = {"Accept-Encoding": encoding}
    head = client.head("/api/v1/areas", params={"limit": 1000}, headers=h)
    with client.stream("GET", "/api/v1/areas", params={"limit": 1000}, headers=h) as get:
        raw = b"".join(get.iter_raw())
    assert head.status_code == 200 and head.content == b""
    assert head.headers.get("content-encoding") == get.headers.get("content-encoding")
    assert int(head.headers["content-length"]) == len(raw)


def test_head_of_a_write_only_route_is_405_as_get_is(client):
    get = client.get("/api/v1/reload")
    head = client.head("/api/v1/reload")
    assert get.status_code == head.status_code == 405
    assert head.headers["allow"] == get.headers["allow"]
