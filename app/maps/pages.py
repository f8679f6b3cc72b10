"""Folium map pages: the candidate map and the commodity view; the area detail page is
:mod:`unggulan.maps.detail`.

One builder serves the service (``/``, ``/peta``, ``/peta/komoditas/{id}``,
``/peta/wilayah/{code}``), ``unggulan map --out FILE.html`` and ``Dataset.map`` in Jupyter
(:func:`unggulan.maps.web_map`). The page frame (options, folium map, configuration,
rendering) is :mod:`unggulan.maps.frame`; the polygons :mod:`unggulan.maps.geometry`; what the
popups and legends say about each area :mod:`unggulan.maps.properties`. The names other code
imports from here are re-exported (``__all__``).

How a served page gets a level of ``n`` areas: inlined when ``n <= embed_limit``
(:data:`EMBED_LIMIT`), fetched whole as GeoJSON from ``/peta/data/{level}.geojson`` up to
``tile_limit`` (:data:`TILE_LIMIT`), and above that drawn from the vector tiles
``/tiles/{level}/{z}/{x}/{y}.mvt`` (:mod:`unggulan.maps.tiles`) by Leaflet.VectorGrid, coloured
by the top candidate with the palette of ``/tiles/{level}/legend.json``; below the level's
minimum zoom the page draws the coarser level's tiles (desa -> kecamatan) in that palette.
A standalone file (no service) always inlines.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

import folium
import numpy as np
import shapely

from unggulan.base import palette
from unggulan.base.errors import UnggulanError
from unggulan.core.outputs.labels import COMPONENT_COLOURS, COMPONENT_LABEL, proper_case  # noqa: F401
from unggulan.core.ranking.run import default_scenario
from unggulan.maps.detail import area_page, breakdown_svg
from unggulan.maps.frame import (
    EMBED_LIMIT,
    LANGS,
    TILE_LIMIT,
    PageOptions,
    UnggulanLayers,
    base_map,
    check_level,
    finish,
    inline_spec,
    render,
    run_config,
)
from unggulan.maps.geometry import PRECISION, features_text, outlines, simplified
from unggulan.maps.properties import (
    QUADRANTS,
    VIEWS,
    candidate_props,
    commodity_names,
    commodity_props,
    commodity_views,
    legend_info,
    present,
    sector_info,
    sentra_points,
    top_legend,
    viewable,
)
from unggulan.maps.tiles import COARSER, MIN_ZOOM

__all__ = [
    "COMPONENT_COLOURS", "COMPONENT_LABEL", "EMBED_LIMIT", "ERROR_TITLE", "LANGS", "PRECISION",
    "QUADRANTS", "TILE_LIMIT", "VIEWS", "PageOptions", "UnggulanLayers", "area_page",
    "breakdown_svg", "candidate_props", "commodity_map", "commodity_props", "commodity_views",
    "error_page", "features_text", "legend_info", "level_geojson", "main_map", "render",
    "run_config", "sentra_points", "simplified", "top_legend", "zone_outlines",
]


# ---------------------------------------------------------------------- candidate map
def main_map(ds, level: str = "desa", opt: PageOptions | None = None) -> folium.Map:
    """Areas coloured by their top candidate, both levels switchable, sentra clustered."""
    opt = opt or PageOptions()
    opt.check()
    check_level(ds, level)
    levels = [level] + [lv for lv in ds.levels if lv != level]
    cfg_levels, counts, other, pal, ids, bases = {}, {}, {}, {}, set(), {}
    sc = opt.effective_scenario()
    for lv in levels:
        query = {"weights": opt.weights, "top": opt.top, "scenario": opt.scenario_query()}
        if _tiled(ds, lv, opt):
            # drawn from vector tiles; palette and legend come from the service
            cfg_levels[lv] = _tile_spec(ds, lv, opt, query)
            continue
        if _fetched(ds, lv, opt):
            # computed when the page asks for it (a national desa layer only on demand);
            # its legend comes with the data
            cfg_levels[lv] = _level_spec(ds, lv, opt, None, query)
            continue
        props, _ = candidate_props(ds, lv, opt.top, opt.weights, scenario=sc)
        info = legend_info(ds, props, sc)
        pal[lv], counts[lv], other[lv] = info["palette"], info["counts"], info["otherCount"]
        bases[lv] = info["basisCounts"]
        ids |= set(info["commodities"])
        cfg_levels[lv] = _level_spec(
            ds, lv, opt, lambda lv=lv, props=props: features_text(ds, lv, props), query)
    n_max = max(s["n"] for s in cfg_levels.values())
    m, osm = base_map(ds, opt, levels, n_max)
    sentra = sentra_points(ds)
    ids |= {s[3] for s in sentra if s[3]}
    views = viewable(ds)
    w = sc.weights_resolved()
    cfg = {
        "mode": "main", "lang": opt.lang, "level": level, "levels": cfg_levels,
        "dataset": proper_case(ds.name), "synthetic": ds.synthetic,
        "palettes": pal, "counts": counts, "otherCount": other, "basisCounts": bases,
        "other": palette.OTHER, "nodata": palette.NODATA,
        "commodities": commodity_names(ds, ids | set(views)), "viewable": views,
        "present": present(ds, views),
        "sectors": sector_info(), "sectorsPresent": sorted({s[2] for s in sentra if s[2]}),
        "sentra": sentra, "api": opt.api, "weights": opt.weights, "top": sc.top,
        "weightValues": {k: round(v, 4) for k, v in w.items()},
        "detail": f"{opt.pages}/wilayah/" if opt.pages else None,
        "links": _links(opt), "basemap": opt.basemap,
        "notice": _notice(ds, counts) if len(counts) == len(levels) else None,
        "run": run_config(ds, opt),
        "zones": zone_outlines(ds, level, opt),
    }
    return finish(m, cfg, osm, opt)


def zone_outlines(ds, level: str, opt: PageOptions) -> dict | None:
    """The commodity zones of ``level`` (:meth:`unggulan.core.dataset.Dataset.zones`, the
    page's scenario) for the map's "Kawasan komoditas" layer (``items``: each zone's GeoJSON
    geometry and properties, the page making the features): outlines in the
    commodity's colour of the dataset palette (grey beyond it); on a served page only the
    URL of ``GET /api/v1/zones`` (fetched when the layer is switched on: no zones computed
    for a page that does not show them); None for a level drawn from tiles or fetched
    (national extents), or when zones cannot be drawn."""
    if _tiled(ds, level, opt) or _fetched(ds, level, opt):
        return None
    if opt.api:  # a served page asks for them when the layer is switched on
        q = {"level": level, "geometry": "true", "limit": 10_000, "weights": opt.weights,
             "scenario": opt.scenario_query()}
        return {"url": f"{opt.api}/zones?" + urlencode({k: v for k, v in q.items()
                                                        if v is not None})}
    try:
        z = ds.zones(level, scenario=opt.effective_scenario())
    except UnggulanError:
        return None
    colours = ds.palette()
    geoms = outlines(np.asarray(z.geometry.values))
    items = []  # [geometry, properties]: the page makes the features (one per zone)
    for g, r in zip(shapely.to_geojson(geoms), z.itertuples()):
        items.append([json.loads(g), {
            "zone_id": r.zone_id, "commodity": r.commodity, "status": r.status,
            "n": int(r.n_members), "ha": round(float(r.area_ha)), "centre": r.centre_name,
            "reason_id": r.reason_id, "reason_en": r.reason_en,
            "colour": colours.get(r.commodity, palette.OTHER)}])
    return {"items": items}


def _fetched(ds, level: str, opt: PageOptions) -> bool:
    return bool(opt.data_url) and len(ds.areas(level)) > opt.embed_limit


def _tiled(ds, level: str, opt: PageOptions) -> bool:
    return bool(opt.tiles_url) and len(ds.areas(level)) > opt.tile_limit


def _level_spec(ds, level: str, opt: PageOptions, props_text, query: dict) -> dict:
    """How a page gets a level: a URL to fetch (large levels, served pages) or inlined."""
    n = len(ds.areas(level))
    if _fetched(ds, level, opt):
        q = urlencode({k: v for k, v in query.items() if v is not None})
        return {"url": f"{opt.data_url}/{level}.geojson" + (f"?{q}" if q else ""), "n": n}
    return inline_spec(level, n, props_text())


def _tile_spec(ds, level: str, opt: PageOptions, query: dict) -> dict:
    """How a page draws a level from vector tiles: the tile and legend URLs (with the run's
    weights or scenario), the level's zoom range, its bounds, and the coarser level's tiles
    shown below that range."""
    q = urlencode({k: v for k, v in query.items() if v is not None})
    q = f"?{q}" if q else ""

    def tiles(lv: str) -> str:
        return f"{opt.tiles_url}/{lv}/{{z}}/{{x}}/{{y}}.mvt{q}"

    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(ds.areas(level).geometry.values))
    spec = {"tiles": tiles(level), "legend": f"{opt.tiles_url}/{level}/legend.json{q}",
            "n": len(ds.areas(level)), "minZoom": MIN_ZOOM.get(level, 0),
            "bounds": [[round(float(y0), 5), round(float(x0), 5)],
                       [round(float(y1), 5), round(float(x1), 5)]]}
    coarser = COARSER.get(level)
    if coarser in ds.levels and MIN_ZOOM.get(coarser, 0) < spec["minZoom"]:
        spec["under"] = {"level": coarser, "tiles": tiles(coarser),
                         "minZoom": MIN_ZOOM.get(coarser, 0)}
    return spec


def _notice(ds, counts: dict) -> dict | None:
    """Why the map shows no candidate at all, in both languages (None when it shows some)."""
    if any(counts.values()):
        return None
    placed = int(ds.sentra()["desa_code"].notna().sum())
    parts_id, parts_en = [], []
    if not ds.rasters:
        parts_id.append("tidak ada raster agroekologi")
        parts_en.append("no agro-ecological rasters")
    if placed == 0:
        parts_id.append("tidak ada sentra yang terpetakan ke desa")
        parts_en.append("no sentra placed in a desa")
    errors = [p.message for p in ds.errors][:1]
    return {"id": "Belum ada kandidat: " + "; ".join(parts_id or ["lihat unggulan validate"]),
            "en": "No candidates yet: " + "; ".join(parts_en or ["see unggulan validate"]),
            "detail": errors[0] if errors else None}


def _links(opt: PageOptions, level: str | None = None) -> dict | None:
    if not opt.pages:
        return None
    main = f"{opt.pages}?lang={opt.lang}" + (f"&level={level}" if level else "")
    return {"main": main, "commodity": f"{opt.pages}/komoditas/"}


# ---------------------------------------------------------------------- commodity view
def commodity_map(ds, commodity: str, view: str | None = None, level: str | None = None,
                  opt: PageOptions | None = None) -> folium.Map:
    """One commodity across all areas: suitability class, SLQ x DLQ quadrant or score, and
    its sentra. Without ``view`` (or with one the commodity does not have) the first of
    :func:`commodity_views`: land classes with rasters, else the statistics' quadrants,
    else the candidate score; without ``level`` the dataset's first level. The score is the
    one the candidates of the page's scenario rank
    (:func:`unggulan.maps.properties.commodity_scores`)."""
    opt = opt or PageOptions()
    opt.check()
    if view is not None and view not in VIEWS:
        raise UnggulanError(f"view must be class, score or quadrant, not '{view}'",
                            field="view")
    level = level or ds.levels[0]
    check_level(ds, level)
    ds.catalogue.get(commodity)
    views = commodity_views(ds, commodity)
    if view not in views:
        view = views[0]  # e.g. no rasters: no land classes to draw
    sc = opt.effective_scenario()
    props, legend = commodity_props(ds, level, commodity, view, sc)
    spec = _level_spec(ds, level, opt, lambda: features_text(ds, level, props),
                       {"commodity": commodity, "view": view, "weights": opt.weights,
                        "scenario": opt.scenario_query()})
    m, osm = base_map(ds, opt, [level], spec["n"])
    sentra = sentra_points(ds, commodity)
    all_views = viewable(ds)
    colours = ds.palette(sc)
    drawn = sum(1 for p in props if p.get("b", -1) >= 0)
    notice = None
    if not drawn:
        parts = ("Tidak ada data komoditas ini di wilayah mana pun pada tampilan ini",
                 "No data on this commodity in any area in this view")
        where = (f"; {len(sentra)} sentra ditandai", f"; {len(sentra)} sentra marked") \
            if sentra else ("", "")
        notice = {"id": parts[0] + where[0] + ".", "en": parts[1] + where[1] + "."}
    cfg = {
        "mode": "commodity", "commodity": commodity, "view": view, "views": views,
        "lang": opt.lang, "colour": colours.get(commodity, palette.OTHER),
        "level": level, "levels": {level: spec}, "dataset": proper_case(ds.name),
        "synthetic": ds.synthetic, "legend": legend, "other": palette.OTHER,
        "nodata": palette.NODATA,
        "commodities": commodity_names(ds, set(all_views) | {commodity}),
        "viewable": all_views, "present": present(ds, all_views), "sectors": sector_info(),
        "sectorsPresent": sorted({s[2] for s in sentra if s[2]}), "sentra": sentra,
        "api": None, "weights": opt.weights, "detail": f"{opt.pages}/wilayah/" if opt.pages
        else None, "links": _links(opt, level), "basemap": opt.basemap,
        "notice": notice, "run": run_config(ds, opt),
    }
    return finish(m, cfg, osm, opt)


def level_geojson(ds, level: str, weights=None, top: int = 3, commodity: str | None = None,
                  view: str = "class", scenario=None) -> str:
    """The text a page fetches for a level too large to inline (same properties);
    ``scenario`` replaces ``weights`` and ``top``."""
    sc = scenario if scenario is not None else default_scenario(weights, top=top)
    if commodity:
        props, _ = commodity_props(ds, level, commodity, view, sc)
        return features_text(ds, level, props)
    props, _ = candidate_props(ds, level, top, weights, scenario=sc)
    return features_text(ds, level, props, extra=legend_info(ds, props, sc))


# ---------------------------------------------------------------------- error page
ERROR_TITLE = {400: ("Permintaan tidak dapat dipenuhi", "The request cannot be answered"),
               404: ("Tidak ditemukan", "Not found"),
               422: ("Parameter tidak sah", "Invalid parameter")}


def error_page(status: int, message: str, field: str | None = None, lang: str = "id",
               pages: str | None = "/peta") -> str:
    """A readable HTML page for a map page's bad request, in both languages (the one asked
    for shown first; the other below it), with a link back to the candidate map."""
    esc = html.escape
    lang = lang if lang in LANGS else "id"
    t_id, t_en = ERROR_TITLE.get(status, ERROR_TITLE[400])
    what_id = f"Parameter <code>{esc(field)}</code>: " if field else ""
    what_en = f"Parameter <code>{esc(field)}</code>: " if field else ""
    back = (f'<p><a href="{esc(pages)}?lang=id">← Peta kandidat</a> · '
            f'<a href="{esc(pages)}?lang=en">← Candidate map</a></p>' if pages else "")
    blocks = {
        "id": (f'<section lang="id"><h1>{esc(t_id)} ({status})</h1><p>{what_id}'
               f'{esc(message)}</p><p>Periksa alamat halaman; parameter yang dikenal: '
               "<code>level</code> (desa, kecamatan), <code>lang</code> (id, en), "
               "<code>view</code> (class, score, quadrant), <code>top</code> (1–10), "
               "<code>weights</code>, <code>scenario</code>.</p></section>"),
        "en": (f'<section lang="en"><h1>{esc(t_en)} ({status})</h1><p>{what_en}'
               f'{esc(message)}</p><p>Check the page address; known parameters: '
               "<code>level</code> (desa, kecamatan), <code>lang</code> (id, en), "
               "<code>view</code> (class, score, quadrant), <code>top</code> (1–10), "
               "<code>weights</code>, <code>scenario</code>.</p></section>"),
    }
    order = [lang] + [lg for lg in LANGS if lg != lang]
    body = "<hr>".join(blocks[lg] for lg in order)
    return ("<!DOCTYPE html><html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(t_id)} / {esc(t_en)} – unggulan</title>"
            "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
            "padding:0 1rem;color:#222}h1{font-size:1.3rem}code{background:#f2f2f2;"
            "padding:0 3px}hr{border:0;border-top:1px solid #ccc;margin:1.5rem 0}</style>"
            f"</head><body class=\"unggulan-error\">{back}{body}</body></html>")
