"""The weights panel's saved scenarios in headless Chromium (#20), against the running service.

With a write key set: weights are set on the sliders and recomputed, the planner saves them
as a scenario from the panel (typing the key), loads it from the panel's list, and the map
reloads with ``?scenario=ID`` and the same ranking; the footer names the scenario and the run
hash the API gives. Without a write key the panel says that saving is off. No JavaScript
error (the pages' CSP included) and no request outside 127.0.0.1.
"""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.browser.conftest import OUTPUT
from tests.conftest import BUNDLED
from tests.helpers import serve
from unggulan.core.scenario import load_scenario

KEY = "kunci-peta-uji"
WEIGHTS = {"suitability": 0.8, "specialisation": 0.1, "scale": 0.05, "trend": 0.0,
           "cluster": 0.3, "continuity": 0.0, "market": 0.6, "uniqueness": 0.15,
           "local": 0.2}


@pytest.fixture(scope="module")
def keyed_service(tmp_path_factory):
    """The service on a copy of the demo dataset (saving writes into it), with a write key."""
    folder = tmp_path_factory.mktemp("peta") / "data"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("scenarios"))
    with serve(folder, env={"UNGGULAN_WRITE_API_KEY": KEY,
                            "UNGGULAN_RATE_LIMIT_PER_MINUTE": "0"}) as base:
        yield base, folder


def _wait_drawn(page, level: str, timeout: int = 60_000) -> None:
    page.wait_for_function(
        f"document.documentElement.getAttribute('data-drawn-{level}') !== null",
        timeout=timeout)


def _ranking(page, level: str) -> dict[str, list[str]]:
    """Every area's ranked candidates as the page holds them."""
    return page.evaluate("""(lv) => { const out = {};
        window.unggulan.state.layers[lv].eachLayer(l => { const p = l.feature.properties;
            out[p.code] = (p.c || []).map(c => c[0]); });
        return out; }""", level)


def _open_weights(page) -> None:
    page.click(".unggulan-panel details.weights summary")
    page.wait_for_selector(".unggulan-panel details.weights[open] .scenario-select")


def test_a_scenario_saved_from_the_panel_reloads_with_the_same_ranking(keyed_service, page):
    base, folder = keyed_service
    page.goto(f"{base}/peta?level=kecamatan&lang=en")
    _wait_drawn(page, "kecamatan")
    _open_weights(page)
    page.evaluate("""(w) => document.querySelectorAll('.unggulan-panel input[type=range]')
        .forEach(i => { i.value = w[i.name]; i.dispatchEvent(new Event('input')); })""",
                  WEIGHTS)
    with page.expect_navigation():
        page.click(".unggulan-panel .recompute")
    _wait_drawn(page, "kecamatan")
    _wait_drawn(page, "desa")
    assert "weights" in parse_qs(urlparse(page.url).query)
    before = {lv: _ranking(page, lv) for lv in ("kecamatan", "desa")}
    assert sum(len(c) > 0 for c in before["desa"].values()) > 0
    assert "bawaan / default" in page.inner_text(".unggulan-footer")

    # save: the panel asks for a name and the write key
    _open_weights(page)
    page.wait_for_selector(".unggulan-panel .save .write-key")
    page.fill(".unggulan-panel .scenario-name", "Uji Peta Contoh")
    page.fill(".unggulan-panel .write-key", KEY)
    page.click(".unggulan-panel .save-scenario")
    page.wait_for_function("document.querySelector('.unggulan-panel .scenario-msg')"
                           ".textContent.indexOf('uji_peta_contoh') >= 0", timeout=20_000)
    path = folder / "scenarios" / "uji_peta_contoh.toml"
    assert path.is_file()
    saved = load_scenario(path)
    assert saved.name == "Uji Peta Contoh"
    assert saved.weights_resolved() == pytest.approx(WEIGHTS)

    # load it from the list: the page reloads with ?scenario=ID and ranks the same
    with page.expect_navigation():
        page.select_option(".unggulan-panel .scenario-select", "uji_peta_contoh")
    _wait_drawn(page, "kecamatan")
    _wait_drawn(page, "desa")
    q = parse_qs(urlparse(page.url).query)
    assert q["scenario"] == ["uji_peta_contoh"] and "weights" not in q
    assert page.evaluate("window.unggulan.cfg.run.id") == "uji_peta_contoh", \
        "the map page ignored ?scenario=: app/api/routes_maps.py must pass it to the page"
    assert {lv: _ranking(page, lv) for lv in ("kecamatan", "desa")} == before

    # the footer: the scenario's name and the run hash the API gives for it
    api = httpx.get(f"{base}/api/v1/candidates", params={
        "level": "kecamatan", "scenario": "uji_peta_contoh", "limit": 1}, timeout=60)
    run = api.headers["X-Unggulan-Run"]
    footer = page.inner_text(".unggulan-footer")
    assert "Uji Peta Contoh" in footer and f"run {run}" in footer
    assert page.evaluate("window.unggulan.cfg.run.run") == run
    # the list shows the loaded scenario as selected, and the popup its stability
    _open_weights(page)
    page.wait_for_function("document.querySelector('.unggulan-panel .scenario-select')"
                           ".value === 'uji_peta_contoh'")
    page.evaluate("""() => { const lv = window.unggulan.state.layers.kecamatan;
        let done = false; lv.eachLayer(l => { if (!done && l.feature.properties.c.length) {
            l.openPopup(l.getBounds().getCenter()); done = true; } }); }""")
    page.wait_for_selector(".leaflet-popup-content .stability")
    assert "stable" in page.inner_text(".leaflet-popup-content .stability")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "scenario_loaded.png"))
    assert not page.console.errors, page.console.errors
    assert not page.console.external, page.console.external


def test_the_panel_says_when_saving_is_off(page):
    with serve(BUNDLED, env={"UNGGULAN_WRITE_API_KEY": None}) as base:  # no write key
        page.goto(f"{base}/peta?level=kecamatan")
        _wait_drawn(page, "kecamatan")
        _open_weights(page)
        page.wait_for_selector(".unggulan-panel .save-off")
        text = page.inner_text(".unggulan-panel .save-off")
        assert "Penyimpanan mati" in text and "UNGGULAN_WRITE_API_KEY" in text
        assert page.query_selector(".unggulan-panel .write-key") is None
        # the bundled scenario is listed and can be loaded
        options = page.eval_on_selector_all(".unggulan-panel .scenario-select option",
                                            "os => os.map(o => o.value)")
        assert "permendagri_9_2014" in options
        assert "Skenario: bawaan / default" in page.inner_text(".unggulan-footer")
        assert not page.console.errors, page.console.errors
