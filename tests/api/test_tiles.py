"""Vector tiles of the areas with their top candidate."""

from __future__ import annotations

import mapbox_vector_tile

from app.maps.tiles import tile_of


def test_a_tile_holds_the_areas_it_meets_with_their_top_candidate(client, demo):
    desa = demo.areas("desa")
    p = desa.geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 12)
    r = client.get(f"/tiles/desa/12/{x}/{y}.mvt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.mapbox-vector-tile")
    layer = mapbox_vector_tile.decode(r.content)["desa"]
    codes = {f["properties"]["code"] for f in layer["features"]}
    assert desa.index[0] in codes
    top = demo.candidates("desa", top=1).set_index("code")["commodity"]
    for f in layer["features"]:
        assert f["properties"].get("top1") == top.get(f["properties"]["code"])
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_tiles_outside_the_grid_or_the_levels(client):
    assert client.get("/tiles/desa/2/4/0.mvt").status_code == 404
    assert client.get("/tiles/provinsi/2/1/1.mvt").status_code == 422
    far = client.get("/tiles/desa/12/0/0.mvt")  # no area there: an empty tile
    assert far.status_code == 200 and far.content == b""
