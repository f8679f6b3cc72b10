"""Issue #30 in headless Chromium: a commodity keeps its colour on the desa map, the
kecamatan map, the detail page and the commodity view; views of a dataset without rasters
are never empty and bad parameters give readable HTML; the Bahasa pages carry no English
labels, no "nan"/"None", and numbers are written per language; land-only areas are pale.
Screenshots go to tests/output (issue30_*.png)."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.browser.conftest import OUTPUT
from tests.conftest import BONE, BUNDLED
from tests.helpers import serve

#: what the drawn layer and the legend give each commodity on the page
COLOURS = """() => {
  const out = {map: {}, legend: {}, clash: []};
  const st = window.unggulan.state;
  Object.keys(st.layers).forEach(lv => st.layers[lv].eachLayer && st.layers[lv].eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!p || !p.top) return;
    const fill = l.options.fillColor.toUpperCase();
    if (out.map[p.top] && out.map[p.top] !== fill) out.clash.push(p.top);
    out.map[p.top] = fill;
  }));
  document.querySelectorAll('.unggulan-legend .entry[data-commodity] i').forEach(i => {
    out.legend[i.parentElement.dataset.commodity] = getComputedStyle(i).backgroundColor;
  });
  return out;
}"""


def _hex(css: str) -> str:
    """``rgb(204, 102, 119)`` or ``#cc6677`` -> ``#CC6677``."""
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css)
    if m:
        return "#" + "".join(f"{int(v):02X}" for v in m.groups())
    return css.upper()


def _drawn(page, level: str) -> int:
    page.wait_for_function(
        f"document.documentElement.getAttribute('data-drawn-{level}') !== null", timeout=60_000)
    return int(page.evaluate(f"document.documentElement.getAttribute('data-drawn-{level}')"))


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"issue30_{name}.png"))


@pytest.fixture(scope="module")
def demo_base():
    with serve(BUNDLED) as base:
        yield base


@pytest.fixture(scope="module")
def noras_base(tmp_path_factory):
    """The demo dataset without agroecology/ (no rasters), served."""
    folder = tmp_path_factory.mktemp("noras") / "data"
    shutil.copytree(BUNDLED, folder, ignore=shutil.ignore_patterns("agroecology", ".unggulan*"))
    with serve(folder) as base:
        yield base


def test_a_commodity_keeps_its_colour_across_views(demo_base, page):
    base = demo_base
    seen: dict[str, dict[str, str]] = {}  # commodity -> view -> colour

    def note(view: str, colours: dict[str, str]) -> None:
        for c, col in colours.items():
            seen.setdefault(c, {})[view] = _hex(col)

    for level in ("desa", "kecamatan"):
        page.goto(f"{base}/peta?level={level}&lang=id")
        _drawn(page, level)
        got = page.evaluate(COLOURS)
        assert got["clash"] == [], got["clash"]  # one colour per commodity on a map
        note(f"{level}-map", got["map"])
        note(f"{level}-legend", got["legend"])
        # the colours drawn are the SVG paths' fills
        fills = page.evaluate("() => [...document.querySelectorAll('path.unggulan-area')]"
                              ".map(p => p.getAttribute('fill').toUpperCase())")
        shown = page.evaluate(f"""() => {{ const s = new Set();
            window.unggulan.state.layers.{level}.eachLayer(l => s.add(
                l.options.fillColor.toUpperCase())); return [...s]; }}""")
        assert set(shown) == set(fills)
        _shot(page, f"main_{level}")
    # the detail page of an area led by a coloured commodity: its swatches
    code = page.evaluate("""() => { let c = null;
        window.unggulan.state.layers.desa.eachLayer(l => { if (!c && l.feature.properties.top)
            c = l.feature.properties.code; }); return c; }""")
    page.goto(f"{base}/peta/wilayah/{code}?lang=id")
    _drawn(page, "desa")
    swatches = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '.unggulan-detail .swatch[data-commodity]')].map(i => [i.dataset.commodity,
        getComputedStyle(i).backgroundColor]))""")
    assert swatches
    note("detail", swatches)
    note("detail-map", page.evaluate(COLOURS)["map"])
    _shot(page, "detail_id")
    # the commodity view of the two most common leaders: the colour swatch of the commodity
    leaders = sorted(seen, key=lambda c: -len(seen[c]))[:2]
    for cid in leaders:
        page.goto(f"{base}/peta/komoditas/{cid}?lang=en")
        _drawn(page, "desa")
        colour = page.evaluate("() => getComputedStyle(document.querySelector("
                               "'.unggulan-legend .commodity-colour')).backgroundColor")
        note("commodity-view", {cid: colour})
    _shot(page, "commodity_en")
    compared = 0
    for cid, views in seen.items():
        assert len(set(views.values())) == 1, (cid, views)
        compared += len(views) >= 3
    assert compared >= 2, seen
    for cid in leaders:  # seen on both maps, the detail or legend, and its own view
        assert {"commodity-view", "desa-map"} <= set(seen[cid]) or \
            {"commodity-view", "kecamatan-map"} <= set(seen[cid]), seen[cid]
    assert page.console.errors == [], page.console.errors


def test_views_without_rasters_never_empty(noras_base, page):
    base = noras_base
    # the documented URL without level or view: statistics' quadrants, drawn
    page.goto(f"{base}/peta/komoditas/kakao")
    n = _drawn(page, "desa")
    assert n > 0
    fills = page.evaluate("() => [...document.querySelectorAll('path.unggulan-area')]"
                          ".map(p => p.getAttribute('fill').toUpperCase())")
    assert len(fills) == n and sum(f != "#FFFFFF" for f in fills) > 0, "an empty white map"
    legend = page.inner_text(".unggulan-legend")
    assert "Kuadran" in legend and "unggulan" in legend
    _shot(page, "commodity_noras_id")
    page.click(".lang-btn[data-lang=en]")
    assert "quadrant" in page.inner_text(".unggulan-legend")
    _shot(page, "commodity_noras_en")
    # a commodity with sentra only (no statistics): its score view
    page.goto(f"{base}/peta/komoditas/anyaman_bambu?lang=en")
    _drawn(page, "desa")
    assert page.locator(".unggulan-legend i").count() >= 2
    # the commodity menu: those in the data, filterable, inside its panel
    page.goto(f"{base}/peta?lang=id")
    _drawn(page, "desa")
    options = page.locator(".commodity-select option").count()
    assert 2 < options < 60, options
    page.fill(".commodity-filter", "kop")
    shown = page.evaluate("() => [...document.querySelectorAll('.commodity-select option')]"
                          ".filter(o => o.value && !o.hidden).map(o => o.textContent)")
    assert shown and all("kop" in s.lower() for s in shown)
    panel = page.locator(".unggulan-panel").bounding_box()
    select = page.locator(".commodity-select").bounding_box()
    assert select["x"] + select["width"] <= panel["x"] + panel["width"] + 1
    # bad parameters: an HTML page in both languages, never raw JSON
    for url, status in (("/peta/komoditas/kakao?level=provinsi", 422),
                        ("/peta/komoditas/durian_emas?lang=en", 404),
                        ("/peta?top=banyak", 422)):
        resp = page.goto(f"{base}{url}")
        assert resp.status == status and "text/html" in resp.headers["content-type"]
        text = page.inner_text("body")
        assert not text.lstrip().startswith("{")
        assert ("Parameter tidak sah" in text or "Tidak ditemukan" in text) and \
            ("Invalid parameter" in text or "Not found" in text)
    _shot(page, "error_page")


@pytest.mark.skipif(not BONE.exists(), reason="../shared/data/bone not present")
def test_labels_numbers_and_no_nan(page):
    with serve(BONE) as base:
        page.goto(f"{base}/peta/wilayah/73.08.01.1001?lang=id")
        _drawn(page, "desa")
        detail = page.inner_text(".unggulan-detail")
        for english in ("wet months", "drainage", "texture", "LQ other", "dry months",
                        "no land data"):
            assert english not in detail, english
        assert not re.search(r"\bnan\b|\bNone\b", detail), "nan/None on the page"
        nums = page.locator(".unggulan-detail td.num").all_inner_texts()
        decimals = [t for t in nums if re.search(r"\d[.,]\d", t)]
        assert decimals and all(re.search(r"\d,\d", t) for t in decimals
                                if not re.search(r"\d\.\d{3}\b", t)), decimals[:5]
        assert any(re.search(r"\d\.\d{3}", t) for t in nums)  # 2.589,4 (thousands dot)
        # the tables fit their column (or scroll inside it): nothing cut off
        overflow = page.evaluate("""() => { const d = document.querySelector('.unggulan-detail');
            return [...d.querySelectorAll('table')].filter(t => {
              const box = t.closest('.scroll') || d;
              return t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1
                     && getComputedStyle(box).overflowX === 'visible'; }).length; }""")
        assert overflow == 0
        _shot(page, "detail_bone_id")
        page.click(".unggulan-detail .lang-btn[data-lang=en]")
        detail = page.inner_text(".unggulan-detail")
        assert "bln" not in detail and "rata-rata" not in detail
        nums = [t for t in page.locator(".unggulan-detail td.num").all_inner_texts()
                if re.search(r"\d[.,]\d", t)]
        assert all(re.search(r"\d\.\d", t) or re.search(r"\d,\d{3}", t) for t in nums)
        _shot(page, "detail_bone_en")
        # the main map's popup: the LQ column shows a value where the reason gives one
        page.goto(f"{base}/peta?lang=id")
        _drawn(page, "desa")
        page.evaluate("""() => { let done = false;
            window.unggulan.state.layers.desa.eachLayer(l => {
              if (!done && l.feature.properties.c.length) { l.openPopup(); done = true; } }); }""")
        page.wait_for_selector(".leaflet-popup-content .unggulan-popup")
        rows = page.locator(".leaflet-popup-content table.ranked tbody tr").count()
        reasons = page.locator(".leaflet-popup-content ol.reasons li").all_inner_texts()
        lqs = page.locator(".leaflet-popup-content td.lq").all_inner_texts()
        assert rows == len(reasons) == len(lqs)
        for why, lq in zip(reasons, lqs):
            if re.search(r"\bLQ\b", why):
                assert lq.strip() != "–", (why, lq)
        popup = page.inner_text(".leaflet-popup-content")
        assert not re.search(r"\bnan\b|\bNone\b", popup)
        legend = page.inner_text(".unggulan-legend")
        assert legend.count("Sentra menurut sektor") <= 1
        _shot(page, "main_bone_popup_id")
        assert page.console.errors == [], page.console.errors


def test_land_only_areas_drawn_pale(page, tmp_path, monkeypatch):
    """A standalone page of candidates with a ``basis``: land-only areas pale and dashed,
    and the legend counts the areas by basis."""
    from unggulan import Dataset
    from unggulan.maps.pages import PageOptions, main_map, render

    ds = Dataset.open(BUNDLED)
    original = ds.candidates

    def candidates(*args, **kwargs):
        c = original(*args, **kwargs).copy()
        codes = list(dict.fromkeys(c["code"]))
        c["basis"] = ["land_only" if code in set(codes[::4]) else "own_activity"
                      for code in c["code"]]
        return c

    monkeypatch.setattr(ds, "candidates", candidates)
    out = tmp_path / "peta.html"
    out.write_text(render(main_map(ds, "desa", PageOptions(inline=True, lang="id"))),
                   encoding="utf-8")
    page.goto(out.as_uri())
    n = _drawn(page, "desa")
    pale = page.locator("path.unggulan-land-only")
    expected = len(list(dict.fromkeys(ds.candidates("desa")["code"]))[::4])
    assert pale.count() == expected and 0 < expected < n
    assert float(pale.first.get_attribute("fill-opacity")) < 0.5
    assert pale.first.get_attribute("stroke-dasharray")
    legend = page.inner_text(".unggulan-legend")
    assert "potensi lahan saja" in legend and f"{expected} wilayah" in legend
    page.click(".lang-btn[data-lang=en]")
    assert "land potential only" in page.inner_text(".unggulan-legend")
    _shot(page, "land_only_en")
