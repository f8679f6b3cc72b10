"""A large level drawn from vector tiles (issue #22), in headless Chromium under the pages' CSP.

The Bone service runs with ``UNGGULAN_MAP_TILE_LIMIT=100``, so its 372 desa count as a
"large" level: the page draws them with Leaflet.VectorGrid from ``/tiles/desa/{z}/{x}/{y}.mvt``
instead of inlining them. Checked: the tiles answer 200 with the MVT media type, the page
marks the desa drawn, its legend counts what the API says, hovering names the desa, clicking
opens the popup of that desa with the API's top candidate, searching finds a desa through
the API, zoomed out the kecamatan tiles stand in; no console error, no request off the
machine, no CSP violation. Without a browser: what the page builder puts in a tiled page.
"""

from __future__ import annotations

import time

import httpx
import mapbox_vector_tile
import pytest
import shapely

from tests.browser.conftest import OUTPUT, csp_watched_page
from tests.helpers import serve
from unggulan.maps.pages import PageOptions, main_map, render
from unggulan.maps.tiles import MEDIA_TYPE, MIN_ZOOM, tile_of

#: all tiles of the grids drawing `level` at the map's zoom are in and drawn
TILES_DONE = """(level) => { const u = window.unggulan, z = Math.round(u.map.getZoom());
    let n = 0, pending = 0;
    u.state.layers[level].eachLayer(g => {
        if (z < g.options.minZoom || z > g.options.maxZoom) return;
        Object.values(g._tiles).forEach(t => { if (t.coords.z === z) {
            n += 1; if (!t.loaded) pending += 1; } }); });
    return n > 0 && pending === 0; }"""


@pytest.fixture(scope="module")
def service(bone_dir):
    with serve(bone_dir, env={"UNGGULAN_MAP_TILE_LIMIT": "100"}) as base:
        yield base


@pytest.fixture
def page(browser):
    # the pages' CSP in force (no bypass): waits use selectors and evaluate, never strings
    # turned into functions in the page
    context, pg = csp_watched_page(browser)
    pg.tiles = []
    pg.on("response", lambda r: pg.tiles.append(r) if "/tiles/" in r.url else None)
    yield pg
    context.close()


def _until(page, js: str, arg=None, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(js, arg)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {js[:80]}")


def _drawn(page, attr: str) -> int:
    page.wait_for_selector(f"html[data-drawn-{attr}]", state="attached", timeout=120_000)
    return int(page.get_attribute("html", f"data-drawn-{attr}"))


def _violations(page) -> list[str]:
    return page.evaluate("window.__csp || []") + page.csp_console


def _point_in(base: str, level: str):
    """The largest area of ``level`` with candidates and the point deepest inside it."""
    fc = httpx.get(f"{base}/api/v1/areas", params={"level": level, "geometry": "true",
                                                    "limit": 10_000}, timeout=60).json()
    cand = httpx.get(f"{base}/api/v1/candidates", params={"level": level, "top": 1,
                                                          "limit": 10_000}, timeout=60).json()
    with_cand = {c["code"] for c in cand["items"]}
    best = max((f for f in fc["features"] if f["properties"]["code"] in with_cand),
               key=lambda f: shapely.geometry.shape(f["geometry"]).area)
    g = shapely.geometry.shape(best["geometry"])
    p = shapely.maximum_inscribed_circle(g).coords[0]
    return best["properties"], float(p[0]), float(p[1])


def _screen(page, lon: float, lat: float) -> tuple[float, float]:
    return page.evaluate("""([lat, lon]) => { const m = window.unggulan.map;
        const p = m.latLngToContainerPoint([lat, lon]);
        const r = m.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }""", [lat, lon])


def _show(page, level: str, lon: float, lat: float, zoom: int) -> None:
    page.evaluate("""([lat, lon, z]) => { const u = window.unggulan;
        u.map.removeLayer(u.state.sentra); u.map.setView([lat, lon], z, {animate: false}); }""",
                  [lat, lon, zoom])
    _until(page, TILES_DONE, level)
    page.wait_for_timeout(300)  # the canvases are painted on the next frames


def props_top(base: str, code: str, level: str = "desa") -> str:
    """The API's first candidate of an area."""
    api = httpx.get(f"{base}/api/v1/areas/{code}/candidates", params={"level": level}).json()
    return api["candidates"][0]["commodity"]


def _pixel(page, x: float, y: float) -> tuple[int, int, int]:
    from io import BytesIO

    from PIL import Image

    png = page.screenshot(clip={"x": int(x), "y": int(y), "width": 1, "height": 1})
    return Image.open(BytesIO(png)).convert("RGB").getpixel((0, 0))


def _blend(colour: str, under: str, alpha: float) -> tuple[int, ...]:
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(under[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple(round(alpha * p + (1 - alpha) * q) for p, q in zip(a, b))


def _top_counts(base: str, level: str) -> list[list]:
    """[commodity, areas it leads] of the commodities with a colour in the dataset's palette
    (issue #30: one palette per dataset, from the legend), most areas first."""
    items = httpx.get(f"{base}/api/v1/candidates", params={"level": level, "top": 1,
                                                           "limit": 10_000}).json()["items"]
    colours = httpx.get(f"{base}/tiles/{level}/legend.json").json()["palette"]
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for c in items:
        if c["code"] in seen:  # a shared first rank: the area's first candidate counts
            continue
        seen.add(c["code"])
        counts[c["commodity"]] = counts.get(c["commodity"], 0) + 1
    return [list(kv) for kv in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if kv[0] in colours]


def test_desa_drawn_from_tiles_hover_click_and_search(service, page):
    base = service
    total = httpx.get(f"{base}/api/v1/areas", params={"level": "desa", "limit": 1}).json()["total"]
    page.goto(f"{base}/")
    assert page.evaluate("window.unggulan.cfg.levels.desa.tiles").startswith("/tiles/desa/")
    n = _drawn(page, "desa")
    assert 0 < n <= total
    _until(page, TILES_DONE, "desa")

    # tiles: 200, MVT, some with desa in them; the level was not fetched whole
    mvt = [r for r in page.tiles if ".mvt" in r.url]
    assert mvt and all(r.status == 200 for r in mvt)
    assert all(r.headers["content-type"].startswith(MEDIA_TYPE) for r in mvt)
    assert any(httpx.get(r.url).content for r in mvt)  # the same bytes the page got
    assert all("/tiles/desa/" in r.url for r in mvt)  # the opening view is above the minimum
    assert page.evaluate("performance.getEntriesByType('resource').filter("
                         "e => e.name.includes('/peta/data/desa')).length") == 0

    # the legend counts the top candidates as the API gives them
    want = _top_counts(base, "desa")
    assert page.evaluate("window.unggulan.cfg.counts.desa") == want
    legend = page.inner_text(".unggulan-legend")
    assert legend.startswith("Kandidat utama (Desa/kelurahan)")
    leader = httpx.get(f"{base}/api/v1/commodities/{want[0][0]}").json()
    assert f"{leader['name_id']} {want[0][1]}" in legend

    # hover names the desa; a click opens its popup with the API's candidates
    props, lon, lat = _point_in(base, "desa")
    code = props["code"]
    _show(page, "desa", lon, lat, 12)
    x, y = _screen(page, lon, lat)
    # painted in the legend's colour of its first candidate (fill opacity 0.75 over the
    # map's grey: OpenStreetMap cannot load here)
    cfg = page.evaluate("(() => { const c = window.unggulan.cfg; return {palette: "
                        "c.palettes.desa, other: c.other}; })()")
    fill = cfg["palette"].get(props_top(base, code), cfg["other"])
    assert _pixel(page, x, y) == pytest.approx(_blend(fill, "#dddddd", 0.75), abs=3)
    page.mouse.move(x, y)
    page.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    assert props["name"] in page.inner_text(".leaflet-tooltip")
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content .unggulan-popup table", timeout=30_000)
    assert code in page.inner_text(".leaflet-popup-content .code")
    assert page.inner_text(".leaflet-popup-content h4") == props["name"]
    api = httpx.get(f"{base}/api/v1/areas/{code}/candidates", params={"level": "desa"}).json()
    top = api["candidates"][0]
    assert page.inner_text(".leaflet-popup-content tr.top1 td.commodity") == \
        top["commodity_name_id"]
    assert page.locator(".leaflet-popup-content tbody tr").count() == len(api["candidates"])
    link = page.get_attribute(".leaflet-popup-content a.detail-link", "href")
    assert link.startswith(f"/peta/wilayah/{code}?")
    # ... and the tile under the click carries that desa with the same first candidate
    tx, ty = tile_of(lon, lat, 12)
    tile = mapbox_vector_tile.decode(httpx.get(f"{base}/tiles/desa/12/{tx}/{ty}.mvt").content)
    mine = [f for f in tile["desa"]["features"] if f["properties"]["code"] == code]
    assert mine and mine[0]["properties"]["top1"] == top["commodity"]
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # the popup fades in
    page.screenshot(path=str(OUTPUT / "peta_bone_tiles_popup.png"))

    # search goes through the API (the page holds no desa features)
    page.keyboard.press("Escape")
    other = httpx.get(f"{base}/api/v1/areas", params={"level": "desa", "limit": 5}).json()
    area = other["items"][3]
    page.click(".leaflet-control-search .search-button")
    page.locator(".leaflet-control-search input.search-input").press_sequentially(
        area["name"], delay=20)
    label = f"{area['name']} ({area['kecamatan_name']})"
    page.locator(".leaflet-control-search .search-tip").get_by_text(label).first.click()
    page.wait_for_selector(f".leaflet-popup-content .code:has-text('{area['code']}')",
                           timeout=30_000)
    page.wait_for_selector(".leaflet-popup-content .unggulan-popup table", timeout=30_000)

    assert _violations(page) == []
    assert page.console.errors == [], page.console.errors
    assert page.console.external == [], page.console.external


def test_zoomed_out_the_kecamatan_tiles_stand_in(service, page):
    base = service
    page.goto(f"{base}/?lang=en")
    _drawn(page, "desa")
    props, lon, lat = _point_in(base, "kecamatan")
    zoom = MIN_ZOOM["desa"] - 1
    _show(page, "desa", lon, lat, zoom)
    n = _drawn(page, "desa-coarse")
    kec = httpx.get(f"{base}/api/v1/areas", params={"level": "kecamatan", "limit": 1}).json()
    assert n == kec["total"]  # Bone fits in the tiles of this view
    assert "Zoom in to see each village" in page.inner_text(".unggulan-legend .coarse")
    asked = [r.url for r in page.tiles if f"/{zoom}/" in r.url and ".mvt" in r.url]
    assert asked and all("/tiles/kecamatan/" in u for u in asked)
    # the desa legend and palette still apply (the kecamatan are coloured with them)
    assert page.evaluate("window.unggulan.state.level") == "desa"
    x, y = _screen(page, lon, lat)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content .unggulan-popup table", timeout=30_000)
    assert props["code"] in page.inner_text(".leaflet-popup-content .code")
    assert "District (kecamatan)" in page.inner_text(".leaflet-popup-content .code")
    api = httpx.get(f"{base}/api/v1/areas/{props['code']}/candidates",
                    params={"level": "kecamatan"}).json()
    assert page.inner_text(".leaflet-popup-content tr.top1 td.commodity") == \
        api["candidates"][0]["commodity_name_en"]
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "peta_bone_tiles_coarse.png"))
    assert _violations(page) == []
    assert page.console.errors == [], page.console.errors


def test_a_tiled_page_links_or_inlines_vectorgrid_and_embeds_no_desa(bone):
    served = render(main_map(bone, "desa", PageOptions(
        inline=False, api="/api/v1", pages="/peta", data_url="/peta/data", tiles_url="/tiles",
        tile_limit=100)))
    assert '<script src="/static/vendor/leaflet.vectorgrid/dist/' \
           'Leaflet.VectorGrid.bundled.min.js">' in served
    assert '"tiles":"/tiles/desa/{z}/{x}/{y}.mvt?top=3"' in served
    assert '"legend":"/tiles/desa/legend.json?top=3"' in served
    assert f'"minZoom":{MIN_ZOOM["desa"]}' in served
    # the 27 kecamatan are inlined, the desa are not
    assert served.count('"type":"Feature"') == len(bone.areas("kecamatan"))
    inline = render(main_map(bone, "desa", PageOptions(
        inline=True, api="/api/v1", pages="/peta", tiles_url="/tiles", tile_limit=100)))
    assert "L.VectorGrid" in inline and "<script src=" not in inline
    # a page below the limit needs no VectorGrid
    plain = render(main_map(bone, "kecamatan", PageOptions(inline=False, tiles_url="/tiles")))
    assert "VectorGrid" not in plain
