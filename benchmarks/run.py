"""`make bench`: speed and memory, measured and printed as a table, never asserted.

Every row runs in a fresh process (so its peak memory is its own) and reports the median of
several runs. Real data comes from ../shared/data; the national-size layer is synthetic
(benchmarks/synthetic.py, built once into benchmarks/out/).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
NATIONAL = OUT / "national"


# ---------------------------------------------------------------- measured bodies
def _dataset(folder):
    from unggulan import Dataset

    return Dataset.open(folder)


def open_dataset(folder):
    _dataset(folder)


def attributes(folder, level="desa", workers=1, cache=None):
    from unggulan.core.land.attributes import AttributeEngine

    ds = _dataset(folder)
    t0 = time.perf_counter()
    AttributeEngine(ds.rasters, workers=workers, cache_dir=cache).attributes(level,
                                                                             ds.areas(level))
    return time.perf_counter() - t0


def class_shares_all(folder, level="desa", workers=1, cache=None):
    """Per-pixel class shares of every commodity with land requirements."""
    from collections import Counter

    from unggulan.core.land.attributes import AttributeEngine
    from unggulan.core.land.suitability import ClassCache, cell_classes, classification_keys
    from unggulan.core.land.zonal import class_shares

    ds = _dataset(folder)
    eng = AttributeEngine(ds.rasters, workers=workers, cache_dir=cache)
    cov, cells = eng.cell_values(level, ds.areas(level))  # coverage outside the timing
    t0 = time.perf_counter()
    cids = ds.requirements.commodities()
    shared = ClassCache(Counter(k for c in cids
                                for k in classification_keys(c, ds.requirements, cells)))
    for cid in cids:
        class_shares(cov, cell_classes(cells, cid, ds.requirements, shared))
    return time.perf_counter() - t0


def brief_pdf(folder, code):
    """The printable brief of ``code`` (a kecamatan, or the kabupaten: the whole dataset) as
    a PDF, candidates included (no disk cache)."""
    os.environ["UNGGULAN_NO_CACHE"] = "1"
    from unggulan import Dataset
    from unggulan.reports import write_brief

    with tempfile.TemporaryDirectory() as tmp:
        write_brief(Dataset.open(folder), code, Path(tmp) / "brief.pdf")


_BRIEF_RUNS = [0]


def brief_cached(folder, code, cache="cold"):
    """The brief of ``code`` as a PDF in a process that has the dataset open with its
    candidates and WeasyPrint imported, as the service has (not timed). ``cache``: "cold",
    the brief cache (figures and PDFs) emptied first; "figures", the map and charts cached
    but the PDF rendered (another date); "warm", figures and PDF cached. The dataset's disk
    cache is benchmarks/out/brief_cache (candidates computed there once)."""
    import datetime as dt
    import shutil

    import weasyprint  # noqa: F401  (imported by a service that has served a brief)

    from unggulan import Dataset
    from unggulan.base.settings import Settings
    from unggulan.reports.brief import BriefOptions, brief_pdf, cache_folder

    key = ("brief", str(folder))
    if key not in _OPENED:
        ds = Dataset.open(folder, settings=Settings(cache_dir=OUT / "brief_cache"))
        for level in ds.levels:
            ds.candidates(level)
        _OPENED[key] = ds
    ds = _OPENED[key]
    _BRIEF_RUNS[0] += 1
    date = dt.date(2025, 8, 17)
    if cache == "cold":
        shutil.rmtree(cache_folder(ds), ignore_errors=True)
    else:
        brief_pdf(ds, code, BriefOptions(date=date))  # fills the cache (not timed)
        if cache == "figures":
            date += dt.timedelta(days=_BRIEF_RUNS[0])  # a PDF not rendered before
    t0 = time.perf_counter()
    brief_pdf(ds, code, BriefOptions(date=date))
    return time.perf_counter() - t0


def end_to_end(folder, level="desa", workers=1, what="suitability"):
    """Attributes + class shares + suitability (+ candidates), coverage included."""
    os.environ["UNGGULAN_NO_CACHE"] = "1"
    os.environ["UNGGULAN_WORKERS"] = str(workers)
    ds = _dataset(folder)
    t0 = time.perf_counter()
    if what == "candidates":
        ds.candidates(level)
    else:
        ds.suitability(level, explain=False)  # text for millions of rows is not measured here
    return time.perf_counter() - t0


def naive_loop(folder, n=5000):
    """exactextract called once per raster on a GeoDataFrame (mean, min, max)."""
    from exactextract import exact_extract

    ds = _dataset(folder)
    areas = ds.areas("desa").iloc[:n]
    t0 = time.perf_counter()
    for info in ds.rasters.values():
        exact_extract(info.path, areas, ["mean", "min", "max"], output="pandas")
    return time.perf_counter() - t0


def engine_subset(folder, n=5000):
    from unggulan.core.land.attributes import AttributeEngine

    ds = _dataset(folder)
    areas = ds.areas("desa").iloc[:n]
    eng = AttributeEngine({k: v for k, v in ds.rasters.items()})
    eng.layers = {k: v for k, v in eng.layers.items() if k in ds.rasters}  # same rasters only
    t0 = time.perf_counter()
    eng.attributes("subset", areas)
    return time.perf_counter() - t0


# ---------------------------------------------------------------- national activity (#22)
# Dataset folders sharing the national layer's boundaries and rasters (symlinks) with
# synthetic sentra and statistics (benchmarks/synthetic.py; built into benchmarks/out/).
ACTIVITY = {
    "100k_code": (100_000, "code", False),
    "100k_xy": (100_000, "coordinates", False),
    "1m_code": (1_000_000, "code", False),
    "1m_xy": (1_000_000, "coordinates", False),
    "100k_code_stats": (100_000, "code", True),
}


_OPENED: dict = {}


def _opened(folder):
    """One Dataset.open per benchmark process for rows whose timing excludes it (the
    repeats of a row then measure the same work without re-reading a million records)."""
    key = str(folder)
    if key not in _OPENED:
        _OPENED[key] = _dataset(folder)
    return _OPENED[key]


def activity_folder(name: str) -> Path:
    from benchmarks.synthetic import build_variant

    n, placement, stats = ACTIVITY[name]
    return build_variant(NATIONAL, OUT / f"national_{name}", n, placement, stats)


def sentra_placement(folder):
    """Reading, cleaning and placing the sentra (the boundaries are read before)."""
    from unggulan.core.inputs.config import SentraConfig
    from unggulan.core.inputs.sentra import load_sentra, sentra_files

    base = _opened(NATIONAL)
    t0 = time.perf_counter()
    load_sentra(sentra_files(Path(folder) / "sentra"), SentraConfig(), base.layers["desa"],
                base.layers.get("kecamatan"), base.catalogue, [])
    return time.perf_counter() - t0


def statistics_reading(folder):
    """Reading the statistics tables and matching their areas and commodities."""
    from unggulan.core.inputs.statistics import load_statistics

    base = _opened(NATIONAL)
    t0 = time.perf_counter()
    load_statistics(Path(folder), [], base.layers, base.catalogue, [])
    return time.perf_counter() - t0


def pdf_book(path, cached=False):
    """Reading one BPS "Dalam Angka" PDF book into statistics tables (#29): cold (an empty
    cache) or from the disk cache (read once before the timing)."""
    import os
    import tempfile

    from unggulan.io.pdf_tables import read_pdf_statistics

    with tempfile.TemporaryDirectory() as d:
        os.environ["UNGGULAN_CACHE_DIR"] = d
        if cached:
            read_pdf_statistics(path)
        t0 = time.perf_counter()
        read_pdf_statistics(path)
        return time.perf_counter() - t0


def lq_sentra(folder, level="desa"):
    """LQ of the sentra: counts per (area, commodity) and specialisation."""
    from unggulan.core.activity.specialisation import counts, specialisation

    ds = _opened(folder)
    col = "desa_code" if level == "desa" else "kecamatan_code"
    t0 = time.perf_counter()
    specialisation(counts(ds.sentra(placed_only=True), col), ds.areas(level))
    return time.perf_counter() - t0


def dlq_statistics(folder, level="desa"):
    """Static and dynamic LQ of the statistics (seven years), per kabupaten."""
    from unggulan.core.activity.regions import evidence_for_level

    ds = _opened(folder)
    t0 = time.perf_counter()
    evidence_for_level(ds.statistics_frame(), ds.layers, level)
    return time.perf_counter() - t0


def hot_spots_national(folder, level="desa", method="analytical", commodities=None):
    """Queen contiguity (built once) + neighbourhood score + Gi* of the placed sentra's
    (area, commodity) pairs; workers per area as the candidates build them."""
    from unggulan.core.activity import clusters
    from unggulan.core.activity.specialisation import counts

    ds = _opened(folder)
    areas = ds.areas(level)
    cnt = counts(ds.sentra(placed_only=True),
                 "desa_code" if level == "desa" else "kecamatan_code")
    wide = cnt.pivot_table(index="code", columns="commodity", values="workers",
                           aggfunc="sum", fill_value=0.0).reindex(areas.index, fill_value=0.0)
    if commodities:
        wide = wide[wide.columns[:commodities]]
        cnt = cnt[cnt["commodity"].isin(set(wide.columns))]
    pairs = cnt[["code", "commodity"]]
    t0 = time.perf_counter()
    w = clusters.contiguity(areas)
    clusters.neighbourhood_score(w, areas.index, wide, pairs=pairs)
    clusters.hot_spots(areas, wide, w=w, method=method, pairs=pairs)
    return time.perf_counter() - t0


def candidates_only(folder, level="desa"):
    """The candidates once attributes and suitability are computed (those not timed)."""
    os.environ["UNGGULAN_NO_CACHE"] = "1"
    os.environ["UNGGULAN_WORKERS"] = "1"
    ds = _dataset(folder)
    ds.suitability(level, explain=False)
    t0 = time.perf_counter()
    ds.candidates(level)
    return time.perf_counter() - t0


def zones_only(folder, level="desa"):
    """Commodity zones (#35) once the candidates (ranked 10 deep, as the zones ask) and the
    suitability are computed (those not timed); member stability included where the level
    has at most STABILITY_MAX_AREAS areas."""
    os.environ["UNGGULAN_NO_CACHE"] = "1"
    os.environ["UNGGULAN_WORKERS"] = "1"
    from unggulan.core.ranking.run import default_scenario

    ds = _dataset(folder)
    sc = default_scenario()
    ds.suitability(level, explain=False, copy=False)
    ds.candidates(level, scenario=sc.model_copy(update={"top": 10}))
    t0 = time.perf_counter()
    ds.zones(level, scenario=sc)
    return time.perf_counter() - t0


def one_tile(folder, level="desa", z=12, with_candidates=True, n=50):
    """Median time of one vector tile (``/tiles/{level}/{z}/{x}/{y}.mvt``'s body) over ``n``
    tiles centred on random areas; the level's geometry index (and candidates) are prepared
    before the timing."""
    import numpy as np

    from unggulan.maps.tiles import encode_tile, source, tile_of

    ds = _opened(folder)
    areas = ds.areas(level)
    src = source(areas, ds.candidates(level, top=1, wide=True) if with_candidates else None)
    pts = areas.geometry.iloc[np.random.default_rng(1).integers(0, len(areas), n)
                              ].representative_point()
    addresses = [tile_of(p.x, p.y, z) for p in pts]
    encode_tile(src, z, *addresses[0])  # imports
    times = []
    for x, y in addresses:
        t0 = time.perf_counter()
        encode_tile(src, z, x, y, layer=level)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@contextmanager
def service(folder, workers: int = 1):
    """``workers`` uvicorn workers on 127.0.0.1 serving ``folder`` (uvicorn itself, log
    level warning), each preparing the default candidates before it accepts requests (as
    ``unggulan serve`` does); yields its base URL. See :func:`tests.helpers.serve`."""
    from tests.helpers import serve

    with serve(folder, uvicorn=True, workers=workers, log_level="warning", timeout=900,
               env={"UNGGULAN_PREPARE_ON_START": "1"}) as base:
        yield base


def map_build(folder, level="desa"):
    """Build and render the main map page (inlined scripts, as `unggulan map` writes it);
    the candidates are computed before the timing."""
    from unggulan.maps.pages import PageOptions, main_map, render

    ds = _dataset(folder)
    for lv in ds.levels:
        ds.candidates(lv)
    t0 = time.perf_counter()
    render(main_map(ds, level, PageOptions(inline=True)))
    return time.perf_counter() - t0


def map_size(folder, level="desa") -> tuple[float, float]:
    """HTML size (MB) of the standalone page and of the served page (scripts linked)."""
    from unggulan.maps.pages import PageOptions, main_map, render

    ds = _dataset(folder)
    inline = len(render(main_map(ds, level, PageOptions(inline=True))).encode())
    served = len(render(main_map(ds, level, PageOptions(
        inline=False, api="/api/v1", pages="/peta", data_url="/peta/data"))).encode())
    return inline / 1e6, served / 1e6


def compressed_sizes(folder, url: str = "/peta?level=desa") -> dict:
    """Bytes on the wire of a served page plain, gzip and brotli (the service's middleware;
    TestClient, nothing timed), and that each decodes to the plain bytes."""
    import gzip

    import brotli
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    out = {}
    with TestClient(create_app(Settings(data=folder))) as c:
        for enc in ("identity", "gzip", "br"):
            with c.stream("GET", url, headers={"Accept-Encoding": enc}) as r:
                raw = b"".join(r.iter_raw())
                out[enc] = (len(raw), r.headers.get("content-encoding"))
            if enc == "identity":
                plain = raw
            else:
                assert (gzip.decompress if enc == "gzip" else brotli.decompress)(raw) == plain
    return out


def export_size(folder, layer="suitability", level="desa", suffix=".gpkg") -> dict:
    """Size (MB) and write time of a layer's export, and of the same rows with a polygon on
    every row (the layout before #34, for comparison)."""
    from unggulan.io.exports import write_layer, write_spatial

    gdf = _dataset(folder).layer(layer, level)
    out = {"rows": len(gdf), "areas": int(gdf["code"].nunique())}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        p = write_layer(gdf, Path(tmp) / f"x{suffix}", layer=f"{layer}_{level}")
        out["s"], out["mb"] = time.perf_counter() - t0, p.stat().st_size / 1e6
        if suffix in (".gpkg", ".geojson", ".parquet"):
            p = write_spatial(gdf, Path(tmp) / f"old{suffix}", suffix, f"{layer}_{level}",
                              True, None)
            out["mb_polygon_per_row"] = p.stat().st_size / 1e6
    return out


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"]


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def drawn_ms(browser, base: str, level: str) -> tuple[float, int]:
    """One load of the main map in a fresh context, map tiles blocked: milliseconds from
    navigation until the level's polygons are drawn, and how many were drawn."""
    # the served page's CSP forbids eval, which wait_for_function needs: bypassed for it
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.route("**/*", lambda r: r.abort() if "tile.openstreetmap" in r.request.url
                   else r.continue_())
        page.goto(f"{base}/?level={level}")
        attr = f"document.documentElement.getAttribute('data-drawn-{level}')"
        page.wait_for_function(f"{attr} !== null", timeout=300_000)
        return (page.evaluate(f"window.unggulan.state.drawnAt['{level}']"),
                int(page.evaluate(attr)))
    finally:
        ctx.close()


def map_drawn(folder, levels=("desa", "kecamatan"), runs=3) -> dict:
    """Median milliseconds to the polygons drawn per level, against the service; a first
    load (which builds the page on the server) is not counted."""
    out = {}
    with service(folder) as base, chromium() as browser:
        for level in levels:
            drawn_ms(browser, base, level)
            out[level] = statistics.median(drawn_ms(browser, base, level)[0]
                                           for _ in range(runs))
    return out


def map_served(folder, level="kecamatan", runs=3) -> dict:
    """A served map of a large extent: the page build, the page and data sizes (the data's
    first request computes the level's candidates), and the time to the polygons drawn in
    Chromium (page and data cached)."""
    import httpx

    out = {}
    with service(folder) as base:
        t0 = time.perf_counter()
        page_html = httpx.get(f"{base}/?level={level}", timeout=600).text
        out["build"] = time.perf_counter() - t0
        out["page_mb"] = len(page_html.encode()) / 1e6
        t0 = time.perf_counter()
        data = httpx.get(f"{base}/peta/data/{level}.geojson?top=3", timeout=600).content
        out["data_s"] = time.perf_counter() - t0
        out["data_mb"] = len(data) / 1e6
        with chromium() as browser:
            runs_ = [drawn_ms(browser, base, level) for _ in range(runs)]
        out["drawn"] = statistics.median(ms for ms, _ in runs_)
        out["features"] = runs_[-1][1]
    return out


def fresh_service(folder) -> dict:
    """#34: seconds from the start of `unggulan serve` until the first z10 desa tile and the
    first desa's candidates answer, never seen (a new cache folder) and then seen
    (benchmarks/fresh_service.py); each start's peak memory."""
    from benchmarks.fresh_service import cold_and_warm

    return {k: {x: r[x] for x in ("health", "tile", "candidates", "peak_mb")}
            for k, r in cold_and_warm(folder).items()}


def national_map(folder) -> dict:
    """The national desa map in Chromium (vector tiles): benchmarks/national_map.py."""
    from benchmarks.national_map import national_desa_map

    return national_desa_map(folder)


def http_load(folder, path_template: str, requests_total: int = 400, threads: int = 8,
              max_seconds: float = 60.0, workers: int = 1, client: str | None = None) -> dict:
    """A bounded load on 127.0.0.1 against ``workers`` uvicorn workers; stops by itself.

    ``threads`` clients each send a request, wait for its answer and send the next (a
    closed loop), cycling through the areas' codes. The clients are wrk (C, event-driven:
    `wrk -t2 -c{threads}`, for ``requests_total / 1000`` seconds, at least 5 and at most
    ``max_seconds``) where it is installed (``make bench`` installs it), else httpx in
    ``threads`` Python threads, ``requests_total`` requests in all. On this 2-core machine
    the clients share the cores with the server: Python clients spend about a millisecond
    of CPU per request under one GIL, which the latencies then include (at 8 threads, p99
    21 ms with httpx against 14-18 ms with wrk, same server).
    """
    with service(folder, workers) as base:
        return load_on(base, path_template, requests_total, threads, max_seconds, workers,
                       client)


def http_load_many(folder, templates: list[str], requests_total: int = 400, threads: int = 8,
                   max_seconds: float = 60.0, workers: int = 1) -> list[dict]:
    """:func:`http_load` of each path template in turn against one service; a template
    ``(path, clients)`` with its own number of clients."""
    with service(folder, workers) as base:
        return [load_on(base, t, requests_total, threads, max_seconds, workers)
                if isinstance(t, str) else
                load_on(base, t[0], requests_total, t[1], max_seconds, workers)
                for t in templates]


def load_on(base: str, path_template: str, requests_total: int = 400, threads: int = 8,
            max_seconds: float = 60.0, workers: int = 1, client: str | None = None,
            codes: list[str] | None = None) -> dict:
    """The bounded load of :func:`http_load` against a running service at ``base``
    (``codes``: the areas' codes for ``{code}``; default: those ``base`` lists)."""
    import shutil
    import subprocess
    import threading

    import httpx

    client = client or ("wrk" if shutil.which("wrk") else "httpx")

    def path(i: int, code: str) -> str:  # {code}: an area's code; {offset}: 0, 100, 200, 300
        # {wide_offset}: every 100th of the listed areas (pages all over a national level)
        return path_template.format(code=code, offset=(i % 4) * 100,
                                    wide_offset=(i * 100) % max(len(codes), 1))

    if codes is None:
        codes = httpx.get(f"{base}/api/v1/areas", params={"limit": 10_000}).json()["items"]
        codes = [c["code"] for c in codes]
    # the workers prepared the default candidates before accepting requests; a few
    # requests warm the rest (e.g. the OGC pages)
    for k in range(3 * workers):
        httpx.get(base + path(k, codes[k % len(codes)]), timeout=900)
    if client == "wrk":
        seconds = int(min(max(5, requests_total / 1000), max_seconds))
        with tempfile.TemporaryDirectory() as tmp:
            paths = Path(tmp) / "paths.txt"
            paths.write_text("\n".join(path(i, c) for i, c in enumerate(codes[:5000])))
            out = subprocess.run(
                ["wrk", f"-t{min(2, threads)}", f"-c{threads}", f"-d{seconds}s", "--timeout", "10s",
                 "-s", str(ROOT / "benchmarks" / "wrk_paths.lua"), base],
                capture_output=True, text=True, timeout=seconds + 60,
                env=dict(os.environ, WRK_PATHS=str(paths)), check=True).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT"))
        f = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
        return {"n": f["requests"], "rps": f["requests"] / (f["duration_us"] / 1e6),
                "p50": f["p50_us"] / 1000, "p99": f["p99_us"] / 1000,
                "max": f["max_us"] / 1000, "errors": f["errors"] + f["non2xx"],
                "client": "wrk", "workers": workers}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + max_seconds
    per_thread = requests_total // threads

    def worker(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            for i in range(per_thread):
                if time.monotonic() > stop_at:
                    return
                j = k * per_thread + i
                url = path(j, codes[j % len(codes)])
                t0 = time.perf_counter()
                r = client.get(url)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors[0] += 1

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    return {"n": len(lat), "rps": len(lat) / wall, "p50": lat[len(lat) // 2] * 1000,
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
            "max": lat[-1] * 1000, "errors": errors[0], "client": "httpx",
            "workers": workers}


# ---------------------------------------------------------------- pygeoapi, the same areas
#: the OGC API server measured beside ours, in its own environment (benchmarks/out)
PYGEOAPI = "pygeoapi==0.21.*"
PYGEOAPI_VENV = OUT / "pygeoapi-venv"


def pygeoapi_python() -> tuple[Path | None, str]:
    """The Python of the benchmark's own pygeoapi environment, made once: ``python -m venv
    benchmarks/out/pygeoapi-venv``, then ``pip install pygeoapi==0.21.* uvicorn starlette``
    (pygeoapi's Starlette app under uvicorn, as ours runs). Returns (python, "") or (None,
    why it could not be installed)."""
    import subprocess

    py = PYGEOAPI_VENV / "bin" / "python"
    check = [str(py), "-c", "import pygeoapi, starlette, uvicorn"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return py, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PYGEOAPI_VENV)],
                       check=True, capture_output=True, text=True, timeout=300)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PYGEOAPI, "uvicorn",
                        "starlette"], check=True, capture_output=True, text=True,
                       timeout=1800)
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or exc.stdout or "").strip().splitlines()[-1:]
        return None, f"`{' '.join(map(str, exc.cmd[:5]))}` failed: {' '.join(last)}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"installing {PYGEOAPI} failed: {exc}"
    return py, ""


def pygeoapi_site(folder, out: Path, port: int) -> tuple[Path, Path]:
    """The desa of ``folder`` as pygeoapi serves them: a GeoJSON file of the features of our
    OGC collection ``desa`` (the same properties, CRS84, coordinates to 6 decimals), a
    configuration with one collection (pygeoapi's GeoJSON provider, id field ``code``) and
    its OpenAPI document. Returns the configuration's and the document's paths."""
    import json
    import subprocess

    from unggulan import Dataset
    from unggulan.api.convert import feature_collection

    areas = Dataset.open(folder).areas("desa")
    layer = areas[[c for c in areas.columns if c != "code_system"]].reset_index(drop=True)
    fc = feature_collection(layer, "code")
    out.mkdir(parents=True, exist_ok=True)
    data = out / "desa.geojson"
    data.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    url = f"http://127.0.0.1:{port}"
    crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": url,
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
                   "gzip": False, "languages": ["en-US"], "pretty_print": False,
                   "limits": {"default_items": 100, "max_items": 10000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "OpenStreetMap contributors"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "unggulan benchmark", "description": "Bone desa",
                               "keywords": ["desa"], "keywords_type": "theme",
                               "terms_of_service": url, "url": url},
            "license": {"name": "benchmark only", "url": url},
            "provider": {"name": "unggulan benchmarks", "url": url},
            "contact": {"name": "benchmark", "email": "benchmark@example.org"}},
        "resources": {"desa": {
            "type": "collection", "title": "Desa / kelurahan", "description": "Bone desa",
            "keywords": ["desa"],
            "extents": {"spatial": {"bbox": [float(v) for v in layer.to_crs(4326).total_bounds],
                                    "crs": crs84}},
            "providers": [{"type": "feature", "name": "GeoJSON", "data": str(data),
                           "id_field": "code", "title_field": "name"}]}},
    }
    cfg = out / "pygeoapi-config.yml"  # JSON is YAML
    cfg.write_text(json.dumps(config, indent=1), encoding="utf-8")
    doc = out / "pygeoapi-openapi.yml"
    subprocess.run([str(PYGEOAPI_VENV / "bin" / "pygeoapi"), "openapi", "generate", str(cfg),
                    "--output-file", str(doc)], check=True, capture_output=True, text=True,
                   timeout=300, env=dict(os.environ, PYGEOAPI_CONFIG=str(cfg)))
    return cfg, doc


@contextmanager
def pygeoapi_service(folder, py: Path):
    """pygeoapi (Starlette app, one uvicorn worker, log level warning) serving the desa of
    ``folder`` on 127.0.0.1; yields its base URL."""
    import subprocess

    import httpx

    from tests.helpers import _stop, free_port

    port = free_port()
    cfg, doc = pygeoapi_site(folder, OUT / "pygeoapi", port)
    env = dict(os.environ, PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(doc))
    proc = subprocess.Popen(
        [str(py), "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env, cwd=OUT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"pygeoapi exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/conformance?f=json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("pygeoapi did not answer within 120 s")
            time.sleep(0.3)
        yield base
    finally:
        _stop(proc)


def ogc_national(folder, requests_total: int = 4000, threads: int = 8,
                 max_seconds: float = 20.0) -> dict:
    """OGC items pages of 100 desa from all over a national level (offsets 0-9,900, more
    pages than the service keeps whole) with ``threads`` clients; the first request
    serialises every desa (not timed)."""
    from tests.helpers import serve

    with serve(folder, uvicorn=True, log_level="warning", timeout=900) as base:
        return load_on(base, "/ogc/collections/desa/items?limit=100&offset={wide_offset}",
                       requests_total, threads, max_seconds)


#: OGC API rows with 8 clients, ours and pygeoapi's on the same Bone desa (#34)
OGC_PATHS = [
    ("landing", "/ogc", "/?f=json"),
    ("conformance", "/ogc/conformance", "/conformance?f=json"),
    ("collections", "/ogc/collections", "/collections?f=json"),
    ("items page of 100 desa, offsets 0-300",
     "/ogc/collections/desa/items?limit=100&offset={offset}",
     "/collections/desa/items?f=json&limit=100&offset={offset}"),
    ("one desa feature", "/ogc/collections/desa/items/{code}",
     "/collections/desa/items/{code}?f=json"),
]


def ogc_load(folder, which: list[str], requests_total: int = 4000, threads: int = 8,
             max_seconds: float = 20.0, pygeoapi: bool = True) -> list[tuple[str, dict]]:
    """The OGC API rows of :data:`OGC_PATHS` named in ``which`` against our service, then
    (``pygeoapi``) the same requests against pygeoapi serving the same desa: rows of
    (label, result); pygeoapi's result is {"skipped": why} when it cannot run."""
    import httpx

    rows = []
    wanted = [p for p in OGC_PATHS if p[0] in which]
    with service(folder) as base:
        codes = [a["code"] for a in httpx.get(f"{base}/api/v1/areas",
                                              params={"limit": 10_000}).json()["items"]]
        for name, ours, _ in wanted:
            rows.append((f"OGC {name} (Bone)",
                         load_on(base, ours, requests_total, threads, max_seconds,
                                 codes=codes)))
    if not pygeoapi:
        return rows
    py, why = pygeoapi_python()
    if py is None:
        return rows + [(f"pygeoapi {PYGEOAPI[10:]} OGC {name} (Bone)", {"skipped": why})
                       for name, _, _ in wanted]
    try:
        with pygeoapi_service(folder, py) as base:
            for name, _, theirs in wanted:
                rows.append((f"pygeoapi {PYGEOAPI[10:]} (GeoJSON provider) OGC {name} (Bone)",
                             load_on(base, theirs, requests_total, threads, max_seconds,
                                     codes=codes)))
    except (OSError, RuntimeError) as exc:
        rows.append((f"pygeoapi {PYGEOAPI[10:]} OGC (Bone)", {"skipped": str(exc)}))
    return rows


# ---------------------------------------------------------------- isolation
def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` now (Linux; cheap, unlike their PSS)."""
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(k) for k in f.read().split()]
    except OSError:
        pass
    return out


def _tree_pss_mb() -> float:
    """Proportional set size of this process and its descendants, MiB (Linux): memory of
    forked workers counted once where they share pages with their parent."""
    pids, i = [os.getpid()], 0
    while i < len(pids):
        pids += _children(pids[i])
        i += 1
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(x.split()[1]) for x in f if x.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def _child(conn, fn_name, args, repeat):
    import gc
    import threading

    # the peak: this process's largest resident size, or, when it starts worker processes,
    # the largest proportional size of it and its workers together (sampled every 0.2 s
    # while there are workers). Alone, the process's own peak is exact (ru_maxrss) and not
    # sampled: reading smaps_rollup of a 2.8 GB process takes about 50 ms, and sampling it
    # every 0.2 s made the one-process national candidates 5.5 s slower (42.5 and 48.9 s
    # against 36.9 and 43.6 s in alternating runs)
    tree = [0.0]
    done = threading.Event()

    def sample():
        while not done.wait(0.2):
            if _children(os.getpid()):
                tree[0] = max(tree[0], _tree_pss_mb())

    if os.path.exists("/proc/self/smaps_rollup"):
        threading.Thread(target=sample, daemon=True).start()
    fn = globals()[fn_name]
    times = []
    for _ in range(repeat):
        gc.collect()  # what one run left in reference cycles is not the next run's memory
        t0 = time.perf_counter()
        inner = fn(*args)
        times.append(inner if isinstance(inner, float) else time.perf_counter() - t0)
    done.set()
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, tree[0])
    conn.send((times, peak_mb))
    conn.close()


def _call_child(conn, fn_name, args):
    conn.send(globals()[fn_name](*args))
    conn.close()


def _call(fn_name, *args):
    """``fn_name(*args)`` in a fresh process; its return value."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_call_child, args=(child, fn_name, args))
    p.start()
    out = parent.recv()
    p.join()
    return out


def measure(fn_name, *args, repeat=3):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_child, args=(child, fn_name, args, repeat))
    p.start()
    times, peak = parent.recv()
    p.join()
    return statistics.median(times), peak, repeat


def activity_rows(row, only) -> None:
    """National rows with sentra and statistics (#22). 1,000,000-record rows run once (their
    Dataset.open alone places a million records)."""
    def wanted(label):
        return not only or only in label

    def variant(label, name):
        return activity_folder(name) if wanted(label) else None

    for name, label, rep in (
        ("100k_code", "national sentra: placement, 100,000 records by desa code", 3),
        ("100k_xy", "national sentra: placement, 100,000 records by coordinates", 3),
        ("1m_code", "national sentra: placement, 1,000,000 records by desa code", 1),
        ("1m_xy", "national sentra: placement, 1,000,000 records by coordinates", 1),
    ):
        if (folder := variant(label, name)) is not None:
            row(label, "sentra_placement", folder, repeat=rep)
    label = ("national statistics: read and match, 7 years (504,000 kecamatan rows + "
             "158,760 desa rows)")
    if (folder := variant(label, "100k_code_stats")) is not None:
        row(label, "statistics_reading", folder, repeat=1)
    for name, n_label, rep in (("100k_code", "100,000", 3), ("1m_code", "1,000,000", 1)):
        label = f"national LQ of the sentra (counts + specialisation), desa, {n_label} sentra"
        if (folder := variant(label, name)) is not None:
            row(label, "lq_sentra", folder, "desa", repeat=rep)
        label = (f"national hot spots: contiguity + neighbourhood + Gi* (analytical), desa, "
                 f"{n_label} sentra")
        if (folder := variant(label, name)) is not None:
            row(label, "hot_spots_national", folder, "desa", repeat=rep)
    label = "national hot spots: esda permutations (999), desa, 2 commodities of 100,000 sentra"
    if (folder := variant(label, "100k_code")) is not None:
        row(label, "hot_spots_national", folder, "desa", "permutation", 2, repeat=1)
    label = "national LQ and DLQ of the statistics (7 years, per kabupaten), desa"
    if (folder := variant(label, "100k_code_stats")) is not None:
        row(label, "dlq_statistics", folder, "desa", repeat=1)
    for name, n_label, rep in (("100k_code", "100,000 sentra", 3),
                               ("1m_code", "1,000,000 sentra", 1),
                               ("100k_code_stats", "100,000 sentra + statistics", 1)):
        for level in ("desa", "kecamatan"):
            # national desa candidates run once: minutes each (see the report of #22)
            reps = 1 if level == "desa" else rep
            label = (f"national candidates only (suitability before), {level}, {n_label}")
            if (folder := variant(label, name)) is not None:
                row(label, "candidates_only", folder, level, repeat=reps)
            label = (f"national attributes + suitability + candidates, {level}, {n_label}")
            if (folder := variant(label, name)) is not None:
                row(label, "end_to_end", folder, level, 1, "candidates", repeat=reps)
    # #34: the same on two processes (UNGGULAN_WORKERS=2: attributes in chunks, the activity
    # beside the land, the candidates in two blocks of areas); peak = all processes' PSS
    for level in ("desa", "kecamatan"):
        for name, n_label in (("100k_code", "100,000 sentra"),
                              ("100k_code_stats", "100,000 sentra + statistics")):
            label = (f"national attributes + suitability + candidates, {level}, {n_label}, "
                     "2 workers")
            if (folder := variant(label, name)) is not None:
                row(label, "end_to_end", folder, level, 2, "candidates",
                    repeat=1 if level == "desa" else 3)
    label = "national commodity zones after candidates (#35), desa, 100,000 sentra"
    if (folder := variant(label, "100k_code")) is not None:
        row(label, "zones_only", folder, "desa", repeat=1)


def main() -> None:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    rows = []
    loads: dict[str, tuple[float, float]] = {}  # 1-minute load average before / after a row

    def row(label, fn_name, *args, repeat=3):
        if only and only not in label:
            return float("nan")
        before = os.getloadavg()[0]
        sec, peak, n = measure(fn_name, *args, repeat=repeat)
        loads[label] = (before, os.getloadavg()[0])
        rows.append((label, sec, peak, n))
        print(f"  {label}: {sec:.3f} s, peak {peak:.0f} MiB, load {before:.1f}-"
              f"{loads[label][1]:.1f}", file=sys.stderr, flush=True)
        return sec

    bone = SHARED / "bone"
    row("demo: Dataset.open", "open_dataset", ROOT / "data")
    if bone.exists():
        row("Bone: Dataset.open (372 desa, 510 sentra)", "open_dataset", bone)
        row("Bone: attributes, 18 rasters, desa (coverage included)", "attributes", bone)
        row("Bone: attributes + suitability, all commodities, desa", "end_to_end",
            bone)
        row("Bone: attributes + suitability, all commodities, kecamatan",
            "end_to_end", bone, "kecamatan")
        row("Bone: attributes + suitability + candidates, desa", "end_to_end", bone, "desa",
            1, "candidates")
        row("Bone: attributes + suitability + candidates, kecamatan", "end_to_end", bone,
            "kecamatan", 1, "candidates")
        row("Bone: commodity zones after candidates, desa (stability of 50 draws included)",
            "zones_only", bone, "desa")
        row("Bone: commodity zones after candidates, kecamatan", "zones_only", bone,
            "kecamatan")
        row("Bone: brief of one kecamatan (Bontocani, PDF)", "brief_pdf", bone, "73.08.01",
            repeat=1)
        row("Bone: brief of the kabupaten (27 kecamatan, 372 desa, PDF)", "brief_pdf", bone,
            "73.08", repeat=1)
        # #34: a brief in a process that has the dataset and its candidates (the service)
        for label, code in (("brief: one kecamatan (Bone, Bontocani)", "73.08.01"),
                            ("brief: kabupaten (Bone, 27 kecamatan, 372 desa)", "73.08")):
            row(f"{label}, cold cache", "brief_cached", bone, code, "cold")
            row(f"{label}, figures cached, PDF rendered", "brief_cached", bone, code,
                "figures")
            row(f"{label}, warm cache", "brief_cached", bone, code, "warm")
        row("Bone: one z12 desa vector tile with its top candidates (median of 50)",
            "one_tile", bone, "desa", 12, True)
    book = SHARED / "jember" / "statistik" / "pdf" / "Ajung dalam angka 2021.pdf"
    if book.exists():
        row("Jember: one BPS PDF book read cold (Ajung 2021, 272 pages, 20 tables)",
            "pdf_book", book, False, repeat=1)
        row("Jember: the same PDF book from the disk cache", "pdf_book", book, True)
    map_rows = []
    national_map = national_desa = None
    if bone.exists() and (not only or "map" in only):
        drawn = _call("map_drawn", bone)
        for level in ("desa", "kecamatan"):
            build, _, _ = measure("map_build", bone, level)
            inline, served = _call("map_size", bone, level)
            map_rows.append((f"Bone main map, {level}", inline, served, build, drawn[level]))
            print(f"  map {level}: {map_rows[-1][1:]}", file=sys.stderr, flush=True)
    http_rows = []
    if bone.exists() and (not only or "HTTP" in only):
        for label, tmpl in (
            ("HTTP GET one desa's candidates (Bone)",
             "/api/v1/areas/{code}/candidates?level=desa"),
            ("HTTP GET OGC items page of 100 desa (Bone)",
             "/ogc/collections/desa/items?limit=100&offset=0"),
        ):
            res = http_load(bone, tmpl)
            http_rows.append((label, res))
            print(f"  {label}: {res}", file=sys.stderr, flush=True)
        if not only or "map" in only:
            national_desa = _call("national_map", activity_folder("100k_code"))
            print(f"  national desa map: {national_desa}", file=sys.stderr, flush=True)
    ogc_rows = []
    if bone.exists() and (not only or "OGC" in only or "ogc" in only.lower()
                          or "pygeoapi" in only):
        # OGC API with 8 clients (#34): ours, then pygeoapi on the same desa in the same run
        # --only ogc (or pygeoapi): every row; ogc-ours: ours only; else the rows it names
        every = not only or only.lower() in ("ogc", "ogc-ours", "pygeoapi")
        which = [name for name, _, _ in OGC_PATHS if every or only in name]
        ogc_rows = _call("ogc_load", bone, which, 4000, 8, 20.0,
                         not only or only.lower() != "ogc-ours") if which else []
        for label, r in ogc_rows:
            print(f"  {label}: {r}", file=sys.stderr, flush=True)
        http_rows += [(label, r) for label, r in ogc_rows if "skipped" not in r]
    extra_rows = []
    label = "Bone served main map page (desa), bytes on the wire: plain / gzip / brotli"
    if bone.exists() and (not only or only in label):
        sz = _call("compressed_sizes", bone)
        extra_rows.append(f"{label}: {sz['identity'][0] / 1e6:.2f} MB / "
                          f"{sz['gzip'][0] / 1e6:.3f} MB / {sz['br'][0] / 1e6:.3f} MB")
        print(f"  {extra_rows[-1]}", file=sys.stderr, flush=True)
    for suffix in (".gpkg", ".zip", ".geojson", ".csv", ".parquet"):
        label = f"Bone suitability export, desa, {suffix}: size"
        if bone.exists() and (not only or only in label):
            r = _call("export_size", bone, "suitability", "desa", suffix)
            extra_rows.append(
                f"{label} {r['mb']:.1f} MB ({r['rows']:,} rows, {r['areas']} areas; written "
                f"in {r['s']:.1f} s)" + (f"; a polygon on every row: "
                                          f"{r['mb_polygon_per_row']:.1f} MB"
                                          if "mb_polygon_per_row" in r else ""))
            print(f"  {extra_rows[-1]}", file=sys.stderr, flush=True)
    load_tables = []
    if bone.exists() and (not only or "load" in only):
        from benchmarks.load import load

        # the bounded load (#34), once with 1 and once with 2 uvicorn workers: p50/p99 per kind
        for workers in (1, 2):
            load_tables.append(load(bone, requests_total=1_000 if quick else 10_000,
                                    quiet=True, workers=workers))
    if not quick:
        from benchmarks.synthetic import build

        t0 = time.perf_counter()
        build(NATIONAL)
        print(f"  national layer ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        row("national: Dataset.open (84,000 desa; kecamatan dissolved)", "open_dataset",
            NATIONAL, repeat=1)
        row("national: attributes, 10 rasters, 1 process (coverage included)", "attributes",
            NATIONAL, "desa", 1)
        row("national: attributes, 10 rasters, 2 processes (coverage included)", "attributes",
            NATIONAL, "desa", 2)
        with tempfile.TemporaryDirectory() as cache:
            measure("attributes", NATIONAL, "desa", 1, Path(cache), repeat=1)  # fill the cache
            row("national: attributes, 10 rasters, coverage from disk cache", "attributes",
                NATIONAL, "desa", 1, Path(cache))
            row("national: class shares, every commodity with land requirements",
                "class_shares_all", NATIONAL, "desa", 1, Path(cache))
        row("national: attributes + class shares + suitability, whole catalogue",
            "end_to_end", NATIONAL, "desa", 1)
        row("national: attributes + suitability + candidates (84,000 x catalogue)",
            "end_to_end", NATIONAL, "desa", 1, "candidates")
        activity_rows(row, only)
        row("national: one z12 desa vector tile, polygons of 84,000 desa (median of 50)",
            "one_tile", NATIONAL, "desa", 12, False)
        label = "national: fresh service"  # (#34) seconds from `unggulan serve` started
        if not only or only in label:
            r = _call("fresh_service", NATIONAL)
            for name, seen in (("cold", "never-seen dataset"), ("warm", "seen dataset")):
                for what, text in (("tile", "first z10 desa tile"),
                                   ("candidates", "first desa's candidates")):
                    rows.append((f"{label}, {seen}: {text}", r[name][what],
                                 r[name]["peak_mb"], 1))
                    print(f"  {rows[-1][0]}: {r[name][what]:.1f} s", file=sys.stderr,
                          flush=True)
        label = "OGC items pages of 100 desa, offsets 0-9,900 (national: 84,000 desa)"
        if not only or only in label or only.lower() == "ogc":
            res = _call("ogc_national", NATIONAL)
            http_rows.append((label, res))
            print(f"  {label}: {res}", file=sys.stderr, flush=True)
        for workers in (1, 2):
            label = (f"HTTP GET one desa's candidates (national: 84,000 desa, 100,000 "
                     f"sentra), {workers} worker{'s' if workers > 1 else ''}")
            if not only or "HTTP" in only:
                # the first request computes (or reads from the disk cache) the candidates
                res = _call("http_load", activity_folder("100k_code"),
                            "/api/v1/areas/{code}/candidates?level=desa", 10_000, 8, 120.0,
                            workers)
                http_rows.append((label, res))
                print(f"  {label}: {res}", file=sys.stderr, flush=True)
        if not only or "map" in only:
            national_desa = _call("national_map", activity_folder("100k_code"))
            print(f"  national desa map: {national_desa}", file=sys.stderr, flush=True)
        if not only or "map" in only:
            r = _call("map_served", NATIONAL)
            national_map = r
            print(f"  national kecamatan map: {r}", file=sys.stderr, flush=True)
        naive = row("national subset 5,000 desa: naive exactextract loop per raster",
                    "naive_loop", NATIONAL, repeat=3)
        engine = row("national subset 5,000 desa: engine (coverage included)", "engine_subset",
                     NATIONAL, repeat=5)
        if not only:
            rows.append(("  ratio naive / engine", naive / engine, float("nan"), 0))

    if national_desa:
        r = national_desa
        print(f"\nweb map, national desa (100,000 sentra; vector tiles): page {r['page_mb']:.3f} "
              f"MB; opening view z{r['open_zoom']} ({r['open_level']}, {r['open_tiles']} "
              f"tiles, {r['open_kb']:.0f} kB) drawn {r['open_ms']} ms after navigation; z10 "
              f"({r['z10_drawn']} desa, {r['z10_tiles']} tiles) drawn {r['z10_ms']} ms after "
              f"the zoom (medians of {r['runs']}, tile caches warm; cold open "
              f"{r['cold_open_ms'] / 1000:.0f} s computes the candidates)")
    if national_map:
        r = national_map
        print(f"\nweb map, national kecamatan ({r['features']:,} areas, fetched by the page): "
              f"page {r['page_mb']:.2f} MB built in {r['build']:.1f} s; data "
              f"{r['data_mb']:.1f} MB, first request {r['data_s']:.1f} s (attributes, "
              f"suitability and candidates of the level computed then); polygons drawn "
              f"{r['drawn']:.0f} ms after navigation (median of 3, server caches warm)")
    if map_rows:
        w = max(len(r[0]) for r in map_rows)
        head = "web map (scripts inlined in the file)"
        print(f"\n{head:<{w}}  {'file MB':>7}  {'served MB':>9}  {'build s':>7}  "
              f"{'drawn ms':>8}")
        for label, inline, served, build, ms in map_rows:
            print(f"{label:<{w}}  {inline:>7.2f}  {served:>9.2f}  {build:>7.3f}  {ms:>8.0f}")
    if http_rows:
        w = max(len(r[0]) for r in http_rows)
        print(f"\n{'load on 127.0.0.1, 8 clients (1 uvicorn worker) unless said':<{w}}  "
              f"client  requests  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  "
              f"{'max ms':>7}  errors")
        for label, r in http_rows:
            print(f"{label:<{w}}  {r['client']:>6}  {r['n']:>8}  {r['rps']:>7.1f}  "
                  f"{r['p50']:>7.1f}  {r['p99']:>7.1f}  {r['max']:>7.1f}  {r['errors']:>6}")
    for label, r in ogc_rows:
        if "skipped" in r:
            print(f"{label}: skipped, {r['skipped']}")
    ours = {label.removeprefix("OGC "): r for label, r in ogc_rows if label.startswith("OGC ")}
    for label, r in ogc_rows:
        name = label.split(" OGC ", 1)[-1]
        if label.startswith("pygeoapi") and "skipped" not in r and name in ours:
            o = ours[name]
            print(f"pygeoapi / unggulan, OGC {name}: p50 {r['p50'] / o['p50']:.1f}x, p99 "
                  f"{r['p99'] / o['p99']:.1f}x, req/s {o['rps'] / r['rps']:.1f}x")
    if extra_rows:
        print()
        for line in extra_rows:
            print(line)
    if load_tables:
        from benchmarks.load import print_table

        for load_rows in load_tables:
            print_table(load_rows)
    if not rows:
        return
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'median s':>9}  {'peak MiB':>8}  runs  load")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 8}  ----  -------")
    for label, sec, peak, n in rows:
        if label.strip().startswith("ratio"):
            print(f"{label:<{width}}  {sec:>8.1f}x")
        else:
            lo = loads.get(label)
            load = f"{lo[0]:.1f}-{lo[1]:.1f}" if lo else ""
            print(f"{label:<{width}}  {sec:>9.3f}  {peak:>8.0f}  {n:>4}  {load}")


if __name__ == "__main__":
    main()
