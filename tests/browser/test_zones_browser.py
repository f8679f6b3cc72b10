"""The map's "Kawasan komoditas" layer (#35) in Chromium: in the layer control, off at first,
drawing one outline per zone when switched on; inline in a standalone file and fetched from
GET /api/v1/zones on a served page."""

from __future__ import annotations

from tests.browser.conftest import Console
from tests.helpers import serve

BUNDLED = "data"


def _switch_on(page) -> tuple[int, int]:
    label = page.locator(".leaflet-control-layers label", has_text="Kawasan komoditas")
    assert label.count() >= 1
    before = page.locator("path.leaflet-interactive").count()
    label.locator("input").first.check()
    for _ in range(120):  # polled from here: the served page's CSP forbids evaluated code
        if page.locator("path.leaflet-interactive").count() > before:
            break
        page.wait_for_timeout(500)
    return before, page.locator("path.leaflet-interactive").count()


def test_zones_layer_inline(browser, demo, tmp_path):
    from unggulan.maps.pages import render

    n = len(demo.zones("desa"))
    (tmp_path / "peta.html").write_text(render(demo.map("desa")), encoding="utf-8")
    page = browser.new_page()
    console = Console(page)
    page.goto((tmp_path / "peta.html").as_uri())
    page.wait_for_selector(".leaflet-control-layers")
    before, after = _switch_on(page)
    assert after - before == n
    assert not console.errors


def test_zones_layer_served(browser, demo):
    n = len(demo.zones("desa"))
    with serve(BUNDLED, env={"UNGGULAN_RATE_LIMIT_PER_MINUTE": "0"}) as base:
        page = browser.new_page()
        console = Console(page)
        page.goto(f"{base}/peta?level=desa")
        page.wait_for_selector(".leaflet-control-layers")
        before, after = _switch_on(page)
        page.wait_for_timeout(1000)  # every zone added from the one answer
        after = page.locator("path.leaflet-interactive").count()
        assert after - before == n
        assert not console.errors
