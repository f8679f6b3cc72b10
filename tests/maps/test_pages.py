"""Map pages without a browser: assets, sizes, geometry, routes, the CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient

from tests.helpers import run_cli
from unggulan.api.main import create_app
from unggulan.base import palette
from unggulan.base.settings import Settings
from unggulan.core.outputs.colours import first_ranked
from unggulan.maps.assets import VENDOR, assets_dir
from unggulan.maps.pages import (
    PageOptions,
    area_page,
    commodity_map,
    level_geojson,
    main_map,
    render,
    simplified,
)

EXTERNAL = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["'](https?:)?//""", re.I)


def test_assets_installed():
    for rel in VENDOR.values():
        if rel:
            assert (assets_dir() / rel).is_file(), rel


@pytest.mark.parametrize("inline", [True, False])
def test_pages_load_nothing_from_a_cdn(demo, inline):
    opt = PageOptions(inline=inline, api="/api/v1", pages="/peta")
    for m in (main_map(demo, "desa", opt), commodity_map(demo, "kakao", "class", "desa", opt),
              area_page(demo, str(demo.areas("desa")["code"].iloc[0]), opt)):
        html = render(m)
        assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)
        assert "cdn" not in html.lower().replace("cdnjs", "cdn") or inline, "CDN link"
        if not inline:
            assert "/static/vendor/leaflet/dist/leaflet.js" in html


def test_bone_desa_page_is_light(bone):
    html = render(main_map(bone, "desa", PageOptions(inline=True)))
    size = len(html.encode())
    # (3.1 MB: the explanations name what a share is of and a small base, 2.99 -> 3.03 MB;
    # served gzip-compressed, about a quarter of that on the wire)
    assert size < 3_100_000, size
    # every desa is in the page, once
    assert html.count('"type":"Feature"') == len(bone.areas("desa")) + len(
        bone.areas("kecamatan"))


def test_simplified_geometry_keeps_the_coverage(bone):
    for level in ("desa", "kecamatan"):
        orig = np.asarray(bone.areas(level).geometry.values)
        simp = simplified(bone, level)
        assert len(simp) == len(orig)
        assert shapely.is_valid(simp).all()
        assert not shapely.is_empty(simp).any()
        # fewer vertices, nearly the same area, and no new overlaps between neighbours
        assert shapely.get_num_coordinates(simp).sum() < shapely.get_num_coordinates(orig).sum()
        a0 = shapely.area(orig).sum()
        assert abs(shapely.area(simp).sum() - a0) / a0 < 0.01
        if shapely.coverage_is_valid(orig):
            assert shapely.coverage_is_valid(simp)
        # coordinates rounded to 5 decimals
        xy = shapely.get_coordinates(simp)
        assert np.allclose(xy, np.round(xy, 5), atol=1e-12)


def test_page_data_matches_candidates(bone):
    fc = json.loads(level_geojson(bone, "desa"))
    cand = bone.candidates("desa", top=3)
    top1 = first_ranked(cand).set_index("code")["commodity"]  # shared ranks: the first
    assert len(fc["features"]) == len(bone.areas("desa"))
    for f in fc["features"]:
        p = f["properties"]
        assert p["top"] == top1.get(p["code"])
        assert len(p["c"]) == int((cand["code"] == p["code"]).sum())


def test_palette_is_stable_and_distinct():
    tops = ["kakao"] * 5 + ["padi_sawah"] * 5 + ["cengkeh"] * 2 + [None]
    colours = palette.commodity_colours(tops)
    assert list(colours) == ["kakao", "padi_sawah", "cengkeh"]  # count, then id
    assert len(set(colours.values())) == 3
    many = [f"c{i:02d}" for i in range(15)]
    assert len(palette.commodity_colours(many)) == len(palette.TOL_MUTED)


def test_large_extent_is_fetched_not_inlined(demo):
    opt = PageOptions(inline=False, data_url="/peta/data", embed_limit=10)
    html = render(main_map(demo, "desa", opt))
    assert '"url":"/peta/data/desa.geojson' in html
    assert '"url":"/peta/data/kecamatan.geojson' not in html  # 5 kecamatan: inlined
    assert html.count('"type":"Feature"') == len(demo.areas("kecamatan"))
    # the fetched level brings its legend: same palette as an inlined page would have
    fc = json.loads(level_geojson(demo, "desa"))
    inline = render(main_map(demo, "desa", PageOptions(inline=False)))
    for cid, colour in fc["unggulan"]["palette"].items():
        assert f'"{cid}":"{colour}"' in inline
    assert sum(n for _, n in fc["unggulan"]["counts"]) + fc["unggulan"]["otherCount"] == sum(
        1 for f in fc["features"] if f["properties"]["top"])


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
        yield c


def test_routes(client, demo):
    for url in ("/", "/peta", "/peta?lang=en&level=kecamatan",
                "/peta/komoditas/kakao", "/peta/komoditas/kakao?view=score"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/html")
        assert "unggulanInit" in r.text
    code = str(demo.areas("desa")["code"].iloc[0])
    r = client.get(f"/peta/wilayah/{code}")
    assert r.status_code == 200 and "svg" in r.text
    assert client.get("/peta/wilayah/99.99.99.9999").status_code == 404
    assert client.get("/peta/komoditas/durian_emas").status_code == 404
    # HTML pages answer a bad parameter with a readable HTML page (issue #30), not JSON
    r = client.get("/peta?weights=suitability=-1")
    assert r.status_code == 422 and "suitability=-1" in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert client.get("/peta?lang=fr").status_code == 422
    r = client.get("/peta/data/desa.geojson")
    assert r.status_code == 200
    assert len(r.json()["features"]) == len(demo.areas("desa"))
    for asset in ("/static/vendor/leaflet/dist/leaflet.js", "/static/peta/unggulan.js",
                  "/static/vendor/leaflet/dist/images/layers.png"):
        assert client.get(asset).status_code == 200, asset


def test_export_of_one_area(client, demo):
    kec = str(demo.areas("kecamatan")["code"].iloc[0])
    r = client.get("/api/v1/export", params={"layer": "candidates", "level": "desa",
                                             "area": kec, "format": "geojson"})
    assert r.status_code == 200
    codes = {f["properties"]["code"] for f in r.json()["features"]}
    desa = demo.areas("desa")
    assert codes == set(desa.loc[desa["kecamatan_code"] == kec, "code"])
    r = client.get("/api/v1/export", params={"layer": "sentra", "area": kec,
                                             "format": "geojson"})
    assert r.status_code == 200
    assert {f["properties"]["kecamatan_code"] for f in r.json()["features"]} == {kec}
    r = client.get("/api/v1/export", params={"area": "12.34"})
    assert r.status_code == 404 and "area" in r.json()["detail"]


def test_cli_map(tmp_path):
    out = tmp_path / "peta.html"
    r = run_cli("map", "--out", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "unggulanInit" in html and not EXTERNAL.search(html)
    before = out.read_bytes()
    r = run_cli("map", "--out", str(out), "--lang", "en")
    assert r.returncode != 0 and "--overwrite" in r.stderr
    assert out.read_bytes() == before
    r = run_cli("map", "--out", str(out), "--commodity", "kakao", "--overwrite")
    assert r.returncode == 0, r.stderr
    r = run_cli("map", "--out", str(tmp_path / "x.html"), "--commodity", "durian_emas")
    assert r.returncode != 0 and "durian_emas" in r.stderr
    r = run_cli("map", "--out", str(tmp_path / "x.html"), "--weights", "suitability=abc")
    assert r.returncode != 0 and "suitability" in r.stderr
    assert not (tmp_path / "x.html").exists()


def test_a_map_with_no_candidate_says_why(tmp_path):
    """Boundaries only (no rasters, no sentra): the map says why it is empty."""
    import shutil

    from tests.conftest import BUNDLED
    from unggulan import Dataset

    shutil.copytree(BUNDLED / "boundaries", tmp_path / "boundaries")
    ds = Dataset.open(tmp_path)
    html = render(main_map(ds, "desa", PageOptions(inline=False)))
    assert "Belum ada kandidat" in html and "no agro-ecological rasters" in html
    html = render(main_map(Dataset.open(BUNDLED), "desa", PageOptions(inline=False)))
    assert '"notice":null' in html
