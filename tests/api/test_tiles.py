"""Vector tiles of the areas with their top candidate."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from unggulan.maps.tiles import (
    BUFFER,
    EXTENT,
    MIN_ZOOM,
    encode_layer,
    encode_tile,
    source,
    tile_bounds,
    tile_for,
    tile_of,
)

MVT = "application/vnd.mapbox-vector-tile"


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def test_a_tile_holds_the_areas_it_meets_with_their_top_candidate(client, demo):
    desa = demo.areas("desa")
    p = desa.geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 12)
    r = client.get(f"/tiles/desa/12/{x}/{y}.mvt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(MVT)
    layer = mapbox_vector_tile.decode(r.content)["desa"]
    codes = {f["properties"]["code"] for f in layer["features"]}
    assert desa.index[0] in codes
    top = demo.candidates("desa", top=1).set_index("code")["commodity"]
    for f in layer["features"]:
        assert f["properties"].get("top1") == top.get(f["properties"]["code"])
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        # a desa names its kecamatan, for the popup
        assert f["properties"]["kec"] == desa.at[f["properties"]["code"], "kecamatan_name"]


def test_tiles_outside_the_grid_or_the_levels(client):
    assert client.get("/tiles/desa/2/4/0.mvt").status_code == 404
    assert client.get("/tiles/provinsi/2/1/1.mvt").status_code == 422
    far = client.get("/tiles/desa/12/0/0.mvt")  # no area there: an empty tile
    assert far.status_code == 200 and far.content == b""


def test_below_the_minimum_zoom_a_level_is_empty_and_the_coarser_one_is_not(client, demo):
    p = demo.areas("kecamatan").geometry.iloc[0].representative_point()
    z = MIN_ZOOM["desa"] - 1
    x, y = tile_of(p.x, p.y, z)
    assert client.get(f"/tiles/desa/{z}/{x}/{y}.mvt").content == b""
    assert MIN_ZOOM["kecamatan"] <= z
    kec = _decode(client.get(f"/tiles/kecamatan/{z}/{x}/{y}.mvt").content)["kecamatan"]
    assert {f["properties"]["code"] for f in kec["features"]} == set(demo.areas("kecamatan").index)


def test_weights_change_the_top_candidate_as_the_api_says(client, demo):
    """With other weights the tiles carry the top candidate the API gives for them."""
    weights = "suitability=0.05,specialisation=0.05,scale=0.05,trend=0.05,cluster=0.6," \
              "continuity=0.05,market=0.1,uniqueness=0.05"
    p = demo.areas("desa").geometry.union_all().centroid
    x, y = tile_of(p.x, p.y, 9)
    plain = _decode(client.get(f"/tiles/desa/9/{x}/{y}.mvt").content)["desa"]["features"]
    weighted = _decode(client.get(f"/tiles/desa/9/{x}/{y}.mvt",
                                  params={"weights": weights}).content)["desa"]["features"]
    api = client.get("/api/v1/candidates", params={"level": "desa", "top": 1, "limit": 1000,
                                                   "weights": weights}).json()["items"]
    want = {c["code"]: c["commodity"] for c in api}
    got = {f["properties"]["code"]: f["properties"].get("top1") for f in weighted}
    assert got and all(got[c] == want.get(c) for c in got)
    before = {f["properties"]["code"]: f["properties"].get("top1") for f in plain}
    assert before != got  # the weights moved at least one area's first candidate
    assert client.get(f"/tiles/desa/9/{x}/{y}.mvt", params={"weights": "nope=1"}
                      ).status_code == 422


def test_legend_counts_the_top_candidates(client, demo):
    # one palette per dataset (#30): the legend counts the coloured commodities leading here
    from unggulan.core.outputs.colours import first_ranked
    from unggulan.core.outputs.labels import legend_counts
    from unggulan.core.ranking.run import default_scenario

    body = client.get("/tiles/desa/legend.json").json()
    tops = first_ranked(demo.candidates("desa"))["commodity"].tolist()
    colours = demo.palette(default_scenario(None, top=3))
    assert body["palette"] == colours
    assert body["counts"] == legend_counts(colours, tops)[0]
    assert body["n"] == len(demo.areas("desa"))
    assert body["minZoom"] == MIN_ZOOM["desa"] and body["coarser"] == "kecamatan"
    first = body["counts"][0][0]
    assert body["commodities"][first] == [demo.catalogue.frame.at[first, "name_id"],
                                          demo.catalogue.frame.at[first, "name_en"]]


# ---------------------------------------------------------------------- the encoder
def _reference(src, z, x, y, layer):
    """The same tile through mapbox-vector-tile's own encoder (topology-preserving
    simplification in map units): what the vectorised encoder is checked against."""
    west, south, east, north = tile_bounds(z, x, y)
    size = east - west
    buf = size * BUFFER
    hits = np.sort(src.tree.query(shapely.box(west - buf, south - buf, east + buf,
                                              north + buf), predicate="intersects"))
    pixel = size / 256.0
    clipped = shapely.clip_by_rect(src.geoms[hits], west - buf, south - buf, east + buf,
                                   north + buf)
    simple = shapely.simplify(clipped, size / EXTENT, preserve_topology=True)
    keep = ~shapely.is_empty(simple) & (shapely.area(simple) >= pixel * pixel / 4)
    feats = [{"geometry": g, "properties": src.props[i], "id": int(i)}
             for g, i in zip(simple[keep], hits[keep])]
    return mapbox_vector_tile.encode(
        [{"name": layer, "features": feats}],
        default_options={"quantize_bounds": (west, south, east, north), "extents": EXTENT})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # mapbox-vector-tile's own
@pytest.mark.parametrize("z", [9, 12])
def test_the_encoder_agrees_with_mapbox_vector_tile(bone, z):
    desa = bone.areas("desa")
    src = source(desa)
    p = desa.geometry.union_all().centroid
    x, y = tile_of(p.x, p.y, z)
    ours = _decode(encode_tile(src, z, x, y, layer="desa"))["desa"]["features"]
    ref = _decode(_reference(src, z, x, y, "desa"))["desa"]["features"]
    assert len(ours) > 5
    assert {f["id"] for f in ours} == {f["id"] for f in ref}
    ref = {f["id"]: f for f in ref}
    diffs = []
    for f in ours:
        a = shapely.make_valid(shape(f["geometry"]))
        b = shapely.make_valid(shape(ref[f["id"]]["geometry"]))
        assert f["properties"] == ref[f["id"]]["properties"]
        diffs.append(a.symmetric_difference(b).area / b.area)
    # the simplifications differ (ours in tile units, without topology checks) by a few
    # grid cells at most
    assert np.median(diffs) < 0.001 and max(diffs) < 0.2


def test_rings_are_wound_as_mvt_wants_and_holes_survive():
    # a square with a square hole, wound the "wrong" way round on purpose, and a sliver
    # that rounds to nothing on the grid
    outer = shapely.Polygon([(10, 10), (10, 110), (110, 110), (110, 10)],
                            [[(40, 40), (70, 40), (70, 70), (40, 70)]])
    sliver = shapely.Polygon([(0, 0), (50, 0.2), (100, 0.1)])
    data = encode_layer("t", np.array([outer, sliver]), np.array([3, 4]),
                        {3: {"code": "x", "score": 1.5}, 4: {"code": "y"}})
    layer = _decode(data)["t"]
    assert [f["id"] for f in layer["features"]] == [3]
    f = layer["features"][0]
    assert f["properties"] == {"code": "x", "score": 1.5}
    rings = [shapely.LinearRing(r) for r in f["geometry"]["coordinates"]]

    def signed_area(ring):  # surveyor's formula in tile units (y down)
        c = np.asarray(ring.coords)
        return 0.5 * float(np.sum(c[:-1, 0] * c[1:, 1] - c[1:, 0] * c[:-1, 1]))

    assert signed_area(rings[0]) == 100 * 100  # exterior: positive, clockwise on screen
    assert signed_area(rings[1]) == -30 * 30  # hole: negative
    assert shape(f["geometry"]).area == 100 * 100 - 30 * 30
    assert encode_layer("t", np.array([sliver]), np.array([0]), [{}]) == b""


def test_tiles_are_cached_and_follow_the_scenario(demo):
    from unggulan.core.ranking.run import default_scenario

    p = demo.areas("desa").geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 11)
    a = tile_for(demo, "desa", 11, x, y)
    assert tile_for(demo, "desa", 11, x, y) is a  # from the cache
    other = default_scenario("cluster=0.9")
    b = tile_for(demo, "desa", 11, x, y, other)
    assert b is not a
    top = demo.candidates("desa", scenario=other).query("rank == 1").set_index("code")
    for f in _decode(b)["desa"]["features"]:
        assert f["properties"].get("top1") == top["commodity"].get(f["properties"]["code"])


def test_the_module_examples_run():
    import doctest

    import unggulan.maps.tiles

    result = doctest.testmod(unggulan.maps.tiles, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 6 and result.failed == 0


def test_ogc_api_tiles_serve_the_same_tiles(client, demo):
    rel = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
    coll = client.get("/ogc/collections/desa").json()
    link = [ln["href"] for ln in coll["links"] if ln["rel"] == rel]
    assert link and link[0].endswith("/ogc/collections/desa/tiles")
    assert not [ln for ln in client.get("/ogc/collections/sentra").json()["links"]
                if ln["rel"] == rel]
    sets = client.get("/ogc/collections/desa/tiles").json()["tilesets"]
    assert [s["tileMatrixSetURI"] for s in sets] == [
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"]
    meta = client.get("/ogc/collections/desa/tiles/WebMercatorQuad").json()
    template = [ln["href"] for ln in meta["links"] if ln["rel"] == "item"][0]
    assert template.endswith("/ogc/collections/desa/tiles/WebMercatorQuad/"
                             "{tileMatrix}/{tileRow}/{tileCol}")
    assert meta["layers"][0]["minTileMatrix"] == str(MIN_ZOOM["desa"])
    p = demo.areas("desa").geometry.iloc[0].representative_point()
    x, y = tile_of(p.x, p.y, 12)
    ogc = client.get(template.replace("http://testserver", "").replace("{tileMatrix}", "12")
                     .replace("{tileRow}", str(y)).replace("{tileCol}", str(x)))
    assert ogc.status_code == 200 and ogc.headers["content-type"].startswith(MVT)
    assert ogc.content and ogc.content == client.get(f"/tiles/desa/12/{x}/{y}.mvt").content
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf
    assert client.get("/ogc/collections/sentra/tiles").status_code == 404
    assert client.get("/ogc/collections/desa/tiles/WebMercatorQuad/2/0/9").status_code == 404


def test_polygons_inside_collections_are_kept_and_lines_dropped():
    a, b = shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)
    nested = shapely.GeometryCollection([shapely.MultiPolygon([a, b]),
                                         shapely.LineString([(0, 0), (500, 500)])])
    plain = shapely.box(400, 400, 450, 450)
    layer = _decode(encode_layer("t", np.array([nested, plain]), np.array([0, 1]),
                                 [{"code": "n"}, {"code": "p"}]))["t"]
    got = {f["properties"]["code"]: shape(f["geometry"]) for f in layer["features"]}
    assert got["n"].geom_type == "MultiPolygon" and got["n"].area == 2 * 100 * 100
    assert got["p"].area == 50 * 50
