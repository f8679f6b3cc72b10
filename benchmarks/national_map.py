"""The planners' web map on the national synthetic layer (84,000 desa), drawn from vector tiles.

``national_desa_map(folder)`` serves ``folder`` on 127.0.0.1 (one uvicorn worker), opens the
main map in headless Chromium (map tiles of OpenStreetMap blocked, a fresh browser context per
run: no HTTP cache) and measures, over ``runs`` runs after one warm-up:

- at the page's opening view (the national extent): milliseconds from navigation until the
  first tiles are drawn, of the desa or, below the desa's minimum zoom, of the kecamatan
  standing in for them (``data-drawn-desa`` / ``data-drawn-desa-coarse``, the page's own
  ``performance.now()`` stamps), and the vector tiles asked for and their kilobytes;
- after zooming to zoom 10 on land (a desa's inside point): milliseconds from the zoom until
  every desa tile of the new view is in and drawn, tiles and kilobytes.

The warm-up run computes the national candidates in the service (about a minute and 3 GB
the first time) and fills its tile cache; its times are reported apart (``cold_*``). The
numbers are measured, never asserted. Run: ``.venv/bin/python -m benchmarks.national_map``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import NATIONAL, chromium, service  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
ZOOM = 10
#: the level drawn at the opening view: the desa, or the coarser level standing in
DRAWN = "html[data-drawn-desa], html[data-drawn-desa-coarse]"
#: every tile of the grids drawing the desa level at the map's zoom is in and drawn
TILES_DONE = """() => { const u = window.unggulan, z = Math.round(u.map.getZoom());
    let n = 0, pending = 0;
    u.state.layers.desa.eachLayer(g => {
        if (z < g.options.minZoom || z > g.options.maxZoom) return;
        Object.values(g._tiles).forEach(t => { if (t.coords.z === z) {
            n += 1; if (!t.loaded) pending += 1; } }); });
    return n > 0 && pending === 0; }"""
#: zoom to [lat, lon, z]; the time from the call until the desa grid's next "load"
ZOOM_IN = """([lat, lon, z]) => { const u = window.unggulan;
    let grid = null;
    u.state.layers.desa.eachLayer(g => {
        if (g.options.minZoom === u.cfg.levels.desa.minZoom) grid = g; });
    window.__zoomed = null;
    const t0 = performance.now();
    grid.once('load', () => { window.__zoomed = performance.now() - t0; });
    u.map.setView([lat, lon], z, {animate: false}); }"""


def _land_point(base: str) -> tuple[float, float]:
    """A point inside a desa near the middle of the listing (on land by construction)."""
    import httpx
    import shapely

    total = httpx.get(f"{base}/api/v1/areas", params={"level": "desa", "limit": 1},
                      timeout=600).json()["total"]
    fc = httpx.get(f"{base}/api/v1/areas", params={"level": "desa", "limit": 1,
                                                    "offset": total // 2, "geometry": "true"},
                   timeout=600).json()
    p = shapely.geometry.shape(fc["features"][0]["geometry"]).representative_point()
    return float(p.x), float(p.y)


def _tile_stats(responses: list) -> tuple[int, float]:
    tiles = [r for r in responses if ".mvt" in r.url]
    kb = sum(int(r.headers.get("content-length") or 0) for r in tiles) / 1024
    return len(tiles), round(kb, 1)


def _one_run(browser, base: str, lon: float, lat: float, timeout_ms: int) -> dict:
    # the page's CSP forbids the string functions Playwright's waits use: bypassed here,
    # the policy itself is tested in tests/browser and tests/maps
    ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.route("**/*", lambda r: r.abort() if "tile.openstreetmap" in r.request.url
                   else r.continue_())
        seen: list = []
        page.on("response", lambda r: seen.append(r) if "/tiles/" in r.url else None)
        page.goto(f"{base}/?level=desa", timeout=timeout_ms)
        page.wait_for_selector(DRAWN, state="attached", timeout=timeout_ms)
        page.wait_for_function(TILES_DONE, timeout=timeout_ms)
        stamps = page.evaluate("window.unggulan.state.drawnAt")
        level = "desa" if "desa" in stamps else "desa-coarse"
        out = {"open_ms": stamps[level], "open_level": level,
               "open_zoom": page.evaluate("window.unggulan.map.getZoom()"),
               "open_drawn": int(page.get_attribute("html", f"data-drawn-{level}"))}
        out["open_tiles"], out["open_kb"] = _tile_stats(seen)
        seen.clear()
        page.evaluate(ZOOM_IN, [lat, lon, ZOOM])
        page.wait_for_function("window.__zoomed !== null", timeout=timeout_ms)
        page.wait_for_function(TILES_DONE, timeout=timeout_ms)
        out["z10_ms"] = page.evaluate("window.__zoomed")
        out["z10_drawn"] = int(page.get_attribute("html", "data-drawn-desa"))
        out["z10_tiles"], out["z10_kb"] = _tile_stats(seen)
        return out
    finally:
        ctx.close()


def national_desa_map(folder=NATIONAL, runs: int = 3) -> dict:
    """The national desa map served and drawn: page size, tiles and milliseconds at the
    opening view and after zooming to zoom 10 (medians of ``runs`` runs after a warm-up,
    whose times are given as ``cold_open_ms`` and ``cold_z10_ms``)."""
    import httpx

    with service(folder) as base, chromium() as browser:
        t0 = time.perf_counter()
        page = httpx.get(f"{base}/?level=desa", timeout=600)
        page.raise_for_status()
        first_page_s = time.perf_counter() - t0
        lon, lat = _land_point(base)
        cold = _one_run(browser, base, lon, lat, timeout_ms=900_000)
        measured = [_one_run(browser, base, lon, lat, timeout_ms=300_000) for _ in range(runs)]
    last = measured[-1]
    return {
        "page_mb": round(len(page.content) / 1e6, 3),
        "page_build_s": round(first_page_s, 2),
        "open_level": last["open_level"], "open_zoom": last["open_zoom"],
        "open_drawn": last["open_drawn"], "open_tiles": last["open_tiles"],
        "open_kb": last["open_kb"],
        "open_ms": round(statistics.median(r["open_ms"] for r in measured)),
        "z10_at": [round(lon, 4), round(lat, 4)], "z10_drawn": last["z10_drawn"],
        "z10_tiles": last["z10_tiles"], "z10_kb": last["z10_kb"],
        "z10_ms": round(statistics.median(r["z10_ms"] for r in measured)),
        "cold_open_ms": round(cold["open_ms"]), "cold_z10_ms": round(cold["z10_ms"]),
        "runs": runs,
    }


def main() -> None:
    import os

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else NATIONAL
    if not folder.exists():
        sys.exit(f"{folder} missing: `make bench` builds the national synthetic layer")
    result = national_desa_map(folder)
    result["load_average"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
