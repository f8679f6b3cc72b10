"""The planners' web map in headless Chromium, against the running service.

Opens the main map, waits for the polygons, counts them against the API, clicks an area and
reads its popup's top candidate against the API, switches language, uses the weights panel,
opens the commodity view and the detail page, and opens a standalone `unggulan map` file.
No JavaScript error and no request outside 127.0.0.1 (map tiles excepted, which fail here).
"""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest

from tests.browser.conftest import OUTPUT
from tests.conftest import BONE, BUNDLED
from tests.helpers import serve


@pytest.fixture(scope="module", params=["bone", "bundled"])
def service(request):
    data = BONE if request.param == "bone" else BUNDLED
    if not data.exists():
        pytest.skip(f"{data} not present")
    with serve(data) as base:
        yield request.param, base


def _wait_drawn(page, level="desa", timeout=30_000) -> int:
    page.wait_for_function(
        f"document.documentElement.getAttribute('data-drawn-{level}') !== null",
        timeout=timeout)
    return int(page.evaluate(f"document.documentElement.getAttribute('data-drawn-{level}')"))


def _click_area(page, code: str, lon: float, lat: float) -> None:
    """Click the area at a point inside it (sentra markers hidden so they can't catch it)."""
    page.evaluate("() => window.unggulan.map.removeLayer(window.unggulan.state.sentra)")
    page.evaluate(f"() => window.unggulan.map.setView([{lat}, {lon}], 13, {{animate: false}})")
    pt = page.evaluate(f"""() => {{ const m = window.unggulan.map;
        const p = m.latLngToContainerPoint([{lat}, {lon}]);
        const r = m.getContainer().getBoundingClientRect();
        return [p.x + r.left, p.y + r.top]; }}""")
    page.mouse.click(pt[0], pt[1])
    page.wait_for_selector(".leaflet-popup-content .unggulan-popup", timeout=10_000)
    got = page.inner_text(".leaflet-popup-content .code")
    assert code in got, f"the popup opened is {got!r}, not area {code}"


def _probe_area(base: str, level: str = "desa"):
    """A large area with candidates, and a point inside it."""
    import shapely

    fc = httpx.get(f"{base}/api/v1/areas", params={"level": level, "geometry": "true",
                                                    "limit": 10_000}, timeout=60).json()
    feats = fc["features"] if "features" in fc else fc["items"]
    cand = httpx.get(f"{base}/api/v1/candidates",
                     params={"level": level, "top": 1, "limit": 10_000}, timeout=60).json()
    with_cand = {c["code"] for c in cand["items"]}
    best = None
    for f in feats:
        code = f["properties"]["code"] if "properties" in f else f["code"]
        if code not in with_cand:
            continue
        g = shapely.geometry.shape(f["geometry"])
        if best is None or g.area > best[1].area:
            best = (code, g)
    code, g = best
    # the point deepest inside, so simplification at the page's zoom can't move it out
    p = shapely.maximum_inscribed_circle(g).coords[0] if hasattr(
        shapely, "maximum_inscribed_circle") else g.representative_point().coords[0]
    return code, float(p[0]), float(p[1])


def test_main_map(service, page):
    name, base = service
    console = page.console
    page.goto(f"{base}/")
    drawn = _wait_drawn(page, "desa")
    total = httpx.get(f"{base}/api/v1/areas", params={"level": "desa", "limit": 1}).json()["total"]
    assert drawn == total
    paths = page.locator("path.unggulan-desa").count()
    assert paths == total, f"{paths} polygons drawn, {total} desa in the data"
    # legend, search, fullscreen, scale bar, layer switch, language buttons are there
    assert page.locator(".unggulan-legend h4").first.inner_text().startswith("Kandidat utama")
    for sel in (".leaflet-control-search", ".leaflet-control-zoom-fullscreen",
                ".leaflet-control-scale", ".leaflet-control-layers", ".lang-btn"):
        assert page.locator(sel).count() >= 1, sel

    code, lon, lat = _probe_area(base)
    _click_area(page, code, lon, lat)
    api = httpx.get(f"{base}/api/v1/areas/{code}/candidates", params={"level": "desa"}).json()
    top = api["candidates"][0]
    assert page.inner_text(".leaflet-popup-content tr.top1 td.commodity") == \
        top["commodity_name_id"]
    assert page.locator(".leaflet-popup-content tr").count() == len(api["candidates"]) + 1
    link = page.get_attribute(".leaflet-popup-content a.detail-link", "href")
    assert link.startswith(f"/peta/wilayah/{code}")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # the popup fades in
    page.screenshot(path=str(OUTPUT / f"peta_{name}_id.png"))

    # switch language: legend, panel and the popup (reopened) speak English
    page.click(".lang-btn[data-lang=en]")
    assert page.locator(".unggulan-legend h4").first.inner_text().startswith("Top candidate")
    assert "Flagship commodities" in page.inner_text(".unggulan-panel .title")
    assert page.evaluate("document.documentElement.lang") == "en"
    _click_area(page, code, lon, lat)
    assert page.inner_text(".leaflet-popup-content tr.top1 td.commodity") == \
        top["commodity_name_en"]
    assert "lang=en" in page.url
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUTPUT / f"peta_{name}_en.png"))

    # the level switch shows the kecamatan
    page.locator(".leaflet-control-layers label", has_text="District").click()
    n_kec = _wait_drawn(page, "kecamatan")
    kec_total = httpx.get(f"{base}/api/v1/areas",
                          params={"level": "kecamatan", "limit": 1}).json()["total"]
    assert n_kec == kec_total
    assert page.locator("path.unggulan-kecamatan").count() == kec_total
    assert page.locator("path.unggulan-desa").count() == 0

    # search by name: type part of a desa's name, pick it, its popup opens
    page.locator(".leaflet-control-layers label", has_text="Village").click()
    _wait_drawn(page, "desa")
    area = httpx.get(f"{base}/api/v1/areas/{code}", params={"level": "desa"}).json()["area"]
    page.click(".leaflet-control-search .search-button")
    # typed key by key, as a planner types (the search control listens to key presses)
    page.locator(".leaflet-control-search input.search-input").press_sequentially(
        area["name"], delay=20)
    label = page.evaluate(f"""() => {{ let out = null;
        window.unggulan.state.layers.desa.eachLayer(l => {{
            if (l.feature.properties.code === {code!r}) out = l.feature.properties.label; }});
        return out; }}""")
    assert label.startswith(f"{area['name']} ({area['kecamatan_name']})")
    page.locator(".leaflet-control-search .search-tip").get_by_text(label, exact=True).click()
    page.wait_for_selector(".leaflet-popup-content .unggulan-popup")
    assert code in page.inner_text(".leaflet-popup-content .code")
    assert console.errors == [], console.errors
    assert console.external == [], console.external


def test_weights_panel_recomputes_through_the_api(service, page):
    _, base = service
    page.goto(f"{base}/peta")
    _wait_drawn(page)
    page.click(".unggulan-panel details.weights summary")
    # all weight on land suitability
    page.evaluate("""() => document.querySelectorAll('.weights input[type=range]').forEach(
        i => { i.value = i.name === 'suitability' ? 1 : 0; })""")
    with page.expect_response(lambda r: "/api/v1/candidates" in r.url) as resp:
        with page.expect_navigation():
            page.click(".weights button.recompute")
    assert resp.value.status == 200
    _wait_drawn(page)
    weights = parse_qs(urlparse(page.url).query)["weights"][0]
    assert "suitability=1" in weights
    cfg_weights = page.evaluate("window.unggulan.cfg.weightValues")
    assert cfg_weights["suitability"] == pytest.approx(1.0)
    # the map shows the candidates under these weights: compare the legend's leader
    api = httpx.get(f"{base}/api/v1/candidates",
                    params={"level": "desa", "top": 1, "limit": 10_000, "weights": weights}).json()
    tops = {}
    for c in api["items"]:
        tops[c["commodity"]] = tops.get(c["commodity"], 0) + 1
    leader = sorted(tops.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    assert page.evaluate("window.unggulan.cfg.counts.desa[0]") == list(leader)

    # weights the API refuses: the panel says why and stays on the page
    page.click(".unggulan-panel details.weights summary")
    page.evaluate("""() => document.querySelectorAll('.weights input[type=range]').forEach(
        i => { i.value = 0; })""")
    page.click(".weights button.recompute")
    page.wait_for_function(
        "document.querySelector('.weights .error').textContent.includes('ditolak')")
    assert page.console.errors == [] or all("422" in e for e in page.console.errors)


def test_commodity_view_and_detail_page(service, page):
    _, base = service
    commodities = httpx.get(f"{base}/api/v1/sentra", params={"limit": 10_000}).json()["items"]
    with_sentra = sorted({s["commodity_id"] for s in commodities if s["commodity_id"]
                          and s["desa_code"]})
    land = [c for c in with_sentra if httpx.get(f"{base}/api/v1/commodities/{c}").json()
            ["land_status"] == "assessed"]
    cid = land[0]
    page.goto(f"{base}/peta/komoditas/{cid}?view=class")
    n = _wait_drawn(page)
    suit = httpx.get(f"{base}/api/v1/commodities/{cid}/suitability",
                     params={"level": "desa"}).json()["items"]
    assert n == len(suit)
    # the choropleth uses one colour per class present in the data
    fills = page.evaluate("""() => { const out = {};
        window.unggulan.state.layers.desa.eachLayer(l => {
            const k = l.feature.properties.k || '-';
            (out[k] = out[k] || new Set()).add(l.options.fillColor); });
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v]])); }""")
    for k, colours in fills.items():
        assert len(colours) == 1, (k, colours)
    counts = {}
    for s in suit:
        counts[s["suitability_class"] or "-"] = counts.get(s["suitability_class"] or "-", 0) + 1
    assert set(fills) == set(counts)
    n_sentra = sum(1 for s in commodities if s["commodity_id"] == cid and s["desa_code"])
    assert page.evaluate("window.unggulan.cfg.sentra.length") == n_sentra

    page.goto(f"{base}/peta/komoditas/{cid}?view=score")
    _wait_drawn(page)
    legend = page.locator(".unggulan-legend div").all_inner_texts()
    assert any("–" in t for t in legend)

    code, lon, lat = _probe_area(base)
    page.goto(f"{base}/peta/wilayah/{code}")
    _wait_drawn(page)
    api = httpx.get(f"{base}/api/v1/areas/{code}/candidates",
                    params={"level": "desa", "top": 5}).json()
    n_cand = len(api["candidates"])
    assert page.locator("svg.breakdown text.cand").count() == n_cand
    from unggulan.maps.pages import COMPONENT_LABEL

    assert page.locator("svg.breakdown rect title").count() == len(COMPONENT_LABEL) * n_cand
    href = page.get_attribute("a[href*='/export?layer=candidates'][href*='format=gpkg']", "href")
    r = httpx.get(base + href, timeout=60)
    assert r.status_code == 200 and r.content[:15] == b"SQLite format 3"
    page.click(".unggulan-detail .lang-btn >> text=EN")
    assert page.locator("h3 span[lang=en]").first.is_visible()
    assert not page.locator("h3 span[lang=id]").first.is_visible()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"wilayah_{code}.png"), full_page=True)
    assert page.console.errors == [], page.console.errors
    assert page.console.external == [], page.console.external


def test_standalone_file_opens_offline(page, tmp_path):
    out = tmp_path / "peta.html"
    subprocess.run([sys.executable, "-m", "unggulan.cli", "map", "--out", str(out),
                    "--data", str(BUNDLED), "--lang", "en"], check=True, capture_output=True)
    page.goto(out.as_uri())
    n = _wait_drawn(page)
    from unggulan import Dataset

    assert n == len(Dataset.open(BUNDLED).areas("desa"))
    assert page.locator(".unggulan-legend h4").first.inner_text().startswith("Top candidate")
    assert page.console.errors == [], page.console.errors
    assert page.console.external == [], page.console.external
    assert np.isfinite(n)


def test_a_level_too_large_to_inline_is_fetched(page):
    """With a small inline limit the desa come from /peta/data, legend included."""
    with serve(BUNDLED, env={"UNGGULAN_MAP_EMBED_LIMIT": "10"}) as base:
        with page.expect_response(lambda r: "/peta/data/desa.geojson" in r.url) as resp:
            page.goto(f"{base}/")
        assert resp.value.status == 200
        n = _wait_drawn(page)
        total = httpx.get(f"{base}/api/v1/areas", params={"limit": 1}).json()["total"]
        assert n == total
        # many areas: drawn on a canvas, not as one SVG path each
        assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
        legend = page.locator(".unggulan-legend div").all_inner_texts()
        counted = sum(int(t.split()[-1]) for t in legend if t.split()[-1].isdigit())
        with_top = httpx.get(f"{base}/api/v1/candidates",
                             params={"top": 1, "limit": 10_000}).json()["total"]
        assert counted == with_top
        fills = page.evaluate("""() => { const s = new Set();
            window.unggulan.state.layers.desa.eachLayer(l => s.add(l.options.fillColor));
            return s.size; }""")
        assert fills > 1  # coloured by the palette that came with the data
        assert page.console.errors == [], page.console.errors
