"""Compressed answers (unggulan.api.middleware): brotli when the client accepts it, else gzip;
vector tiles, zips and small bodies as they are; the compressed bytes decode to the plain
answer's bytes."""

from __future__ import annotations

import gzip

import brotli
import pytest

from unggulan.maps.tiles import tile_of

PLAIN = {"Accept-Encoding": "identity"}


def _raw(client, url: str, encoding: str, **params) -> tuple[object, bytes]:
    """The answer's headers and its body as sent (not decoded by the client)."""
    with client.stream("GET", url, params=params,
                       headers={"Accept-Encoding": encoding}) as r:
        assert r.status_code == 200, (url, r.status_code)
        return r.headers, b"".join(r.iter_raw())


DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize("url,params,media", [
    ("/peta", {"level": "desa"}, "text/html"),
    ("/api/v1/areas", {"level": "desa", "limit": 1000}, "application/json"),
    ("/ogc/collections/desa/items", {"limit": 20}, "application/geo+json"),
    ("/peta/data/desa.geojson", {}, "application/geo+json"),
    ("/api/v1/export", {"layer": "candidates", "level": "kecamatan", "format": "csv"},
     "text/csv"),
])
@pytest.mark.parametrize("encoding,sent", [("gzip, deflate, br", "br"), ("gzip", "gzip"),
                                           ("br;q=0, gzip;q=0.5", "gzip")])
def test_pages_json_and_geojson_are_compressed_and_decode_to_the_same_bytes(
        client, url, params, media, encoding, sent):
    plain = client.get(url, params=params, headers=PLAIN)
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert plain.headers["content-type"].startswith(media)
    headers, body = _raw(client, url, encoding, **params)
    assert headers["content-encoding"] == sent
    assert "accept-encoding" in headers["vary"].lower()
    assert int(headers["content-length"]) == len(body) < len(plain.content)
    assert DECODE[sent](body) == plain.content


def test_without_accept_encoding_the_body_is_plain(client):
    headers, body = _raw(client, "/api/v1/areas", "identity", level="desa", limit=1000)
    assert "content-encoding" not in headers
    assert body.startswith(b"{")


def test_vector_tiles_zips_and_small_bodies_stay_as_they_are(client, demo):
    p = demo.areas("desa").geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 12)
    headers, body = _raw(client, f"/tiles/desa/12/{x}/{y}.mvt", "gzip, br")
    assert headers["content-type"].startswith("application/vnd.mapbox-vector-tile")
    assert "content-encoding" not in headers and len(body) > 500
    assert body == client.get(f"/tiles/desa/12/{x}/{y}.mvt", headers=PLAIN).content
    headers, body = _raw(client, "/api/v1/export", "gzip, br", layer="candidates",
                         level="kecamatan", format="shp")
    assert headers["content-type"] == "application/zip"
    assert "content-encoding" not in headers and body[:2] == b"PK"
    headers, body = _raw(client, "/health", "gzip, br")  # under 500 bytes
    assert "content-encoding" not in headers and body.startswith(b'{"status"')


def test_accept_encoding_quality_values():
    from unggulan.api.middleware import accepts

    assert accepts("gzip, deflate, br, zstd", "br")
    assert not accepts("br;q=0, gzip", "br") and accepts("br;q=0, gzip", "gzip")
    assert accepts("*;q=0.1", "gzip") and not accepts("*;q=0", "gzip")
    assert not accepts("deflate", "gzip")


@pytest.mark.parametrize("encoding,responder", [("br", "BrotliResponder"),
                                                ("gzip", "GZipResponder")])
def test_a_large_body_is_compressed_once(client, monkeypatch, encoding, responder):
    """A whole body of 64 KB or more asked again is sent from its kept compressed form."""
    from unggulan.api import middleware

    monkeypatch.setattr(middleware, "KEPT", middleware._Kept())
    monkeypatch.setattr(middleware, "KEEP_MINIMUM", 4096)  # the demo's answers are small
    url, params = "/api/v1/areas", {"level": "desa", "limit": 1000}
    plain = client.get(url, params=params, headers=PLAIN).content
    assert len(plain) >= middleware.KEEP_MINIMUM
    headers, first = _raw(client, url, encoding, **params)

    def refuse(self, body, more_body):
        raise AssertionError("compressed again")

    cls = getattr(middleware, responder)
    monkeypatch.setattr(cls, "_compress_body", refuse)
    headers2, again = _raw(client, url, encoding, **params)
    assert again == first and headers2["content-encoding"] == encoding
    assert DECODE[encoding](again) == plain
