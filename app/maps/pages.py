"""Folium map pages: the candidate map, the commodity view and the area detail page.

One builder serves the service (``/``, ``/peta``, ``/peta/komoditas/{id}``,
``/peta/wilayah/{code}``), ``unggulan map --out FILE.html`` and ``Dataset.map`` in Jupyter.
Folium builds the page (map, tiles, fullscreen button, scale bar); :class:`UnggulanLayers`
hands the areas and sentra, simplified and rounded, to ``static/unggulan.js``, which draws
them and the legend, popups, search, weights panel and language switch. Scripts come from the
service or are inlined (:mod:`unggulan.maps.assets`), never from a CDN.

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
import math
from dataclasses import dataclass, field
from urllib.parse import quote

import folium
import mapclassify
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen
from folium.template import Template

from unggulan.base import palette
from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.core.inputs.commodities import SECTORS
from unggulan.core.inputs.config import RASTER_ATTRIBUTES
from unggulan.core.ranking.scoring import COLUMNS, parse_weights, score
from unggulan.core.land.suitability import FACTOR_LABEL
from unggulan.maps.assets import localise
from unggulan.maps.colours import (
    CATEGORICAL,
    LAND_ONLY,
    attribute_label,
    basis_counts,
    dataset_palette,
    fmt_number,
    is_missing,
    legend_counts,
    proper_case,
    rank_label,
    run_palette,
)

#: a served page inlines at most this many areas per level; more are fetched from the service
EMBED_LIMIT = 3000
#: a served page draws a level of more areas than this from vector tiles (``/tiles``)
TILE_LIMIT = 20_000
#: coordinate decimals in pages at most (5: about 1 m); fewer for large extents
PRECISION = 5
LANGS = ("id", "en")


@dataclass
class PageOptions:
    """Where the page lives: served (links to the API and other pages) or a standalone file."""

    lang: str = "id"
    weights: str | None = None
    top: int = 3
    api: str | None = None  # "/api/v1" when served: the weights panel calls it
    pages: str | None = None  # "/peta" when served: links to commodity and detail pages
    data_url: str | None = None  # "/peta/data" when served: large levels are fetched from it
    inline: bool = True  # inline the scripts (standalone file, notebook)
    basemap: str = "osm"
    embed_limit: int = EMBED_LIMIT
    #: "/tiles" when served: levels of more than ``tile_limit`` areas are drawn from tiles
    tiles_url: str | None = None
    tile_limit: int = TILE_LIMIT
    extra: dict = field(default_factory=dict)
    #: an unggulan.core.scenario.Scenario replacing weights and top; its id (a saved scenario's
    #: file stem) goes into the page's links and fetches as ?scenario=
    scenario: object | None = None
    scenario_id: str | None = None

    def check(self) -> None:
        if self.lang not in LANGS:
            raise UnggulanError(f"lang must be one of {', '.join(LANGS)}, not '{self.lang}'",
                                field="lang")
        if self.basemap not in ("osm", "plain"):
            raise UnggulanError(f"basemap must be osm or plain, not '{self.basemap}'",
                                field="basemap")
        parse_weights(self.weights)
        if self.scenario is not None and self.weights:
            raise UnggulanError("give weights or a scenario, not both", field="scenario")

    def effective_scenario(self, top: int | None = None):
        """The scenario of the page: :attr:`scenario`, else the default one of
        :attr:`weights` and ``top`` (default :attr:`top`)."""
        from unggulan.core.ranking.run import default_scenario

        if self.scenario is not None:
            return self.scenario
        return default_scenario(self.weights, top=self.top if top is None else top)

    def scenario_query(self) -> str | None:
        """The value of ``?scenario=`` for links and fetches (None without a scenario)."""
        if self.scenario is None:
            return None
        from unggulan.core.ranking.run import slug

        return self.scenario_id or slug(self.scenario.name)  # type: ignore[attr-defined]


class UnggulanLayers(JSCSSMixin, MacroElement):
    """The areas, sentra and page configuration, drawn by ``unggulan.js``."""

    default_js = [("unggulan_js", "unggulan.js"),
                  ("markerclusterjs", ""), ("Leaflet.Search.js", ""),
                  ("leaflet.groupedlayercontrol.min.js", "")]
    default_css = [("unggulan_css", "unggulan.css"), ("markerclustercss", ""),
                   ("markerclusterdefaultcss", ""), ("Leaflet.Search.css", ""),
                   ("leaflet.groupedlayercontrol.min.css", "")]
    _template = Template("""
        {% macro script(this, kwargs) %}
        unggulanInit({{ this._parent.get_name() }}, {{ this.config_text }},
                     {osm: {{ this.osm.get_name() if this.osm else 'null' }}});
        {% endmacro %}
    """)

    def __init__(self, config_text: str, osm=None):
        super().__init__()
        self._name = "UnggulanLayers"
        self.config_text = config_text
        self.osm = osm


# ---------------------------------------------------------------------- geometry
def simplified(ds, level: str) -> np.ndarray:
    """The level's polygons simplified for the zoom levels a page uses, coordinates rounded.

    Shared edges stay shared (shapely's coverage simplification) when the layer is a valid
    coverage; otherwise each polygon is simplified on its own, preserving its topology. The
    tolerance is 1/4000 of the layer's extent (about 30 m for a kabupaten, 1.3 km for the
    nation's kecamatan), small next to what a screen shows at the zoom that fits the extent.
    """
    key = ("map-geometry", level)
    if key in ds._cache:
        return ds._cache[key]
    geoms = np.asarray(ds.areas(level).geometry.values)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tol = max(x1 - x0, y1 - y0) / 4000
    # decimals a tenth of the tolerance needs: 5 for a kabupaten, 3 for the nation
    decimals = int(np.clip(np.ceil(-np.log10(tol / 10)), 3, PRECISION)) if tol > 0 else PRECISION
    try:
        valid = bool(shapely.coverage_is_valid(geoms))
    except Exception:  # noqa: BLE001 - GEOS refuses odd inputs; fall back below
        valid = False
    out = shapely.coverage_simplify(geoms, tol) if valid else \
        shapely.simplify(geoms, tol, preserve_topology=True)
    simple = out
    out = shapely.transform(simple, lambda xy: np.round(xy, decimals))
    bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    if bad.any() and decimals < PRECISION:  # rounding broke a few: more decimals for them
        out[bad] = shapely.transform(simple[bad], lambda xy: np.round(xy, PRECISION))
        bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    if bad.any():  # simplifying broke a few: keep their originals, rounded
        out[bad] = shapely.transform(geoms[bad], lambda xy: np.round(xy, PRECISION))
    ds._cache[key] = out
    return out


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _num(x, digits: int = 2):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, digits)


def _text(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA \
        else str(x)


def features_text(ds, level: str, props: list[dict], codes=None, extra: dict | None = None
                  ) -> str:
    """A GeoJSON FeatureCollection, as text, of the level's simplified polygons; ``extra``
    goes in as the foreign member ``unggulan`` (legend and palette of a fetched level)."""
    areas = ds.areas(level)
    geoms = simplified(ds, level)
    if codes is not None:
        pos = areas.index.get_indexer(codes)
        geoms = geoms[pos]
    texts = shapely.to_geojson(geoms)
    parts = [f'{{"type":"Feature","geometry":{g},"properties":{_json(p)}}}'
             for g, p in zip(texts, props)]
    head = '{"type":"FeatureCollection",' + (f'"unggulan":{_json(extra)},' if extra else "")
    return head + '"features":[' + ",".join(parts) + "]}"


def _area_base(areas: pd.DataFrame, level: str) -> list[dict]:
    codes = areas["code"].to_numpy(object)
    names = areas["name"].to_numpy(object)
    kec = areas["kecamatan_name"].to_numpy(object) if "kecamatan_name" in areas else \
        [None] * len(areas)
    out = [{"code": str(c), "name": _text(proper_case(n)), "level": level,
            "kec": _text(proper_case(k))} for c, n, k in zip(codes, names, kec)]
    if "code_derived" in areas:  # codes the tool derived from names: marked on the page
        for p, d in zip(out, areas["code_derived"].to_numpy(object)):
            if d is True or d == 1:
                p["dc"] = 1
    # what the search box lists: "name (kecamatan)", with the code where that repeats
    labels = [f"{p['name']} ({p['kec']})" if p["kec"] else str(p["name"]) for p in out]
    seen = pd.Series(labels).duplicated(keep=False).to_numpy()
    for p, label, dup in zip(out, labels, seen):
        p["label"] = f"{label} · {p['code']}" if dup else label
    return out


def candidate_props(ds, level: str, top: int, weights, codes=None, scenario=None
                    ) -> tuple[list[dict], pd.DataFrame]:
    """Per area (all, or ``codes`` in that order): name and its ranked candidates ``c`` =
    [commodity, score, class, limiting factors, LQ, sentra, workers, reason_id, reason_en],
    and ``st`` = [stability of the first candidate (0-1), challenger] where the level is
    small enough (:func:`unggulan.core.ranking.run.area_stability`); and the level's candidates.
    ``scenario`` (an :class:`unggulan.core.scenario.Scenario`) replaces ``top`` and ``weights``."""
    from unggulan.core.ranking.run import area_stability, default_scenario

    areas = ds.areas(level)
    sc = scenario if scenario is not None else default_scenario(weights, top=top)
    cand = ds.candidates(level, scenario=sc)
    stab = area_stability(ds, level, sc)
    stab = stab.set_index("code") if stab is not None else None
    if codes is not None:
        areas = areas.loc[list(codes)]
        props = _area_base(areas, level)
        rows = cand[cand["code"].isin(set(codes))]
    else:
        props = _area_base(areas, level)
        rows = cand
    cols = ["code", "commodity", "score", "suitability_class", "limiting_factors", "lq",
            "sentra", "workers", "reason_id", "reason_en"]
    arr = {c: rows[c].to_numpy(object) for c in cols}
    n = len(rows)
    # optional columns: the statistics' SLQ (shown where the sentra give no LQ), the evidence
    # basis and the rank label of shared ranks (unggulan.core scoring, issue #30)
    opt_cols = {c: rows[c].to_numpy(object) if c in rows else [None] * n
                for c in ("slq", "basis", "rank", "rank_label")}
    by_code: dict[str, list] = {}
    for i in range(n):
        lq, kind = _num(arr["lq"][i], 2), None
        if lq is None:
            lq = _num(opt_cols["slq"][i], 2)
            kind = "slq" if lq is not None else None
        label = rank_label(opt_cols["rank"][i], opt_cols["rank_label"][i]) \
            if opt_cols["rank"][i] is not None else None
        by_code.setdefault(str(arr["code"][i]), []).append([
            str(arr["commodity"][i]), _num(arr["score"][i], 1),
            _text(arr["suitability_class"][i]), _text(arr["limiting_factors"][i]),
            lq, int(_num(arr["sentra"][i], 0) or 0), int(_num(arr["workers"][i], 0) or 0),
            _text(arr["reason_id"][i]), _text(arr["reason_en"][i]),
            _basis(opt_cols["basis"][i]), label, kind])
    for p in props:
        c = by_code.get(p["code"], [])
        p["c"] = c
        p["top"] = c[0][0] if c else None
        if c and c[0][9] == LAND_ONLY:
            p["lo"] = 1  # drawn pale: the top candidate rests on land potential only
        if stab is not None and c and p["code"] in stab.index:
            r = stab.loc[p["code"]]
            p["st"] = [_num(r["stability"], 3), _text(r["stability_challenger"])]
    return props, cand


def _basis(x) -> str | None:
    """The candidate's evidence basis when it is one of :data:`colours.BASIS`."""
    from unggulan.maps.colours import BASIS

    return x if isinstance(x, str) and x in BASIS else None


def run_config(ds, opt: PageOptions, top: int | None = None) -> dict:
    """What the page's footer shows: the scenario, the run hash and the criteria without
    data; and the settings the weights panel saves with a scenario."""
    from unggulan.core.ranking.run import run_info

    sc = opt.effective_scenario(top)
    info = run_info(ds, sc)
    settings = {"method": sc.method, "top": sc.top, "reference": sc.reference,
                "management": sc.management}
    if sc.method == "vikor":
        settings["vikor_v"] = sc.vikor_v
    if sc.commodities:
        settings["commodities"] = list(sc.commodities)
    if sc.statistics is not None:
        settings["statistics"] = sc.statistics.model_dump(exclude_none=True)
    return {"scenario": info.scenario, "id": opt.scenario_query(), "run": info.run_hash,
            "scenarioHash": info.short_hash, "inputsHash": info.inputs_hash[:12],
            "version": info.version, "method": info.method,
            "missing": info.criteria_with("tidak ada data"),
            "partial": info.criteria_with("sebagian"), "settings": settings}


# ---------------------------------------------------------------------- shared config
def _commodity_names(ds, ids) -> dict[str, list[str]]:
    cat = ds.catalogue.frame
    out = {}
    for i in sorted({str(x) for x in ids if isinstance(x, str)}):
        if i in cat.index:
            out[i] = [str(cat.at[i, "name_id"]), str(cat.at[i, "name_en"])]
        else:
            out[i] = [i, i]
    return out


def _sectors() -> dict:
    return {k: {"id": v["id"], "en": v["en"], "color": palette.SECTOR_COLOURS[k]}
            for k, v in SECTORS.items()}


def sentra_points(ds, commodity: str | None = None, codes=None) -> list[list]:
    """Placed sentra as [lat, lon, sector, commodity, name, units, workers, desa name]."""
    s = ds.sentra(placed_only=True)
    if commodity is not None:
        s = s[s["commodity_id"] == commodity]
    if codes is not None:
        s = s[s["desa_code"].isin(codes) | s["kecamatan_code"].isin(codes)]
    s = s[s.geometry.notna() & ~s.geometry.is_empty]
    desa = ds.areas("desa")["name"] if "desa" in ds.levels else pd.Series(dtype=object)
    xs, ys = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    cols = {c: s[c].to_numpy(object) for c in ("sector", "commodity_id", "sentra_name",
                                                  "units", "workers", "desa_code")}
    out = []
    for i in range(len(s)):
        out.append([round(float(ys[i]), PRECISION), round(float(xs[i]), PRECISION),
                    _text(cols["sector"][i]), _text(cols["commodity_id"][i]),
                    _text(cols["sentra_name"][i]), _num(cols["units"][i], 0),
                    _num(cols["workers"][i], 0), _text(desa.get(cols["desa_code"][i]))])
    return out


def _base_map(ds, opt: PageOptions, levels: list[str], n_features: int, **frame) -> tuple:
    bounds = shapely.total_bounds(np.asarray(ds.areas(levels[0]).geometry.values))
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
                   zoom_start=9, tiles=None, control_scale=True,
                   prefer_canvas=n_features > opt.embed_limit, **frame)
    # OpenStreetMap refuses tile requests without a Referer
    osm = folium.TileLayer("OpenStreetMap", name="OpenStreetMap", control=False,
                           show=opt.basemap == "osm",
                           referrerPolicy="strict-origin-when-cross-origin")
    osm.add_to(m)
    Fullscreen(position="topleft", title="Layar penuh / full screen",
               title_cancel="Keluar / exit").add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m, osm


def _level_spec(ds, level: str, opt: PageOptions, props_text, query: dict) -> dict:
    """How a page gets a level: a URL to fetch (large levels, served pages) or inlined."""
    from urllib.parse import urlencode

    n = len(ds.areas(level))
    if _fetched(ds, level, opt):
        q = urlencode({k: v for k, v in query.items() if v is not None})
        return {"url": f"{opt.data_url}/{level}.geojson" + (f"?{q}" if q else ""), "n": n}
    return _inline_spec(level, n, props_text())


def _inline_spec(level: str, n: int, text: str) -> dict:
    # a placeholder in the config, replaced by the GeoJSON text in _assemble
    return {"data": "__DATA_" + level + "__", "n": n, "_text": text}


def _assemble(cfg: dict) -> str:
    """The config as JS text, with the (large) GeoJSON texts spliced in unquoted."""
    cfg.setdefault("factors", {f: list(attribute_label(f)[:2])
                               for f in set(FACTOR_LABEL) | set(RASTER_ATTRIBUTES)})
    texts = {lv: spec.pop("_text") for lv, spec in cfg["levels"].items() if "_text" in spec}
    out = _json(cfg)
    for lv, t in texts.items():
        out = out.replace(f'"__DATA_{lv}__"', t)
    return out.replace("</", "<\\/")


def _finish(m, cfg: dict, osm, opt: PageOptions) -> folium.Map:
    layers = UnggulanLayers(_assemble(cfg), osm)
    if any("tiles" in spec for spec in cfg["levels"].values()):
        layers.default_js = UnggulanLayers.default_js + [("Leaflet.VectorGrid.bundled.min.js",
                                                          "")]
    layers.add_to(m)
    localise(m, inline=opt.inline)
    return m


# ---------------------------------------------------------------------- pages
def main_map(ds, level: str = "desa", opt: PageOptions | None = None) -> folium.Map:
    """Areas coloured by their top candidate, both levels switchable, sentra clustered."""
    opt = opt or PageOptions()
    opt.check()
    _check_level(ds, level)
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
    m, osm = _base_map(ds, opt, levels, n_max)
    sentra = sentra_points(ds)
    ids |= {s[3] for s in sentra if s[3]}
    viewable = _viewable(ds)
    w = sc.weights_resolved()
    cfg = {
        "mode": "main", "lang": opt.lang, "level": level, "levels": cfg_levels,
        "dataset": proper_case(ds.name), "synthetic": ds.synthetic,
        "palettes": pal, "counts": counts, "otherCount": other, "basisCounts": bases,
        "other": palette.OTHER, "nodata": palette.NODATA,
        "commodities": _commodity_names(ds, ids | set(viewable)), "viewable": viewable,
        "present": _present(ds, viewable),
        "sectors": _sectors(), "sectorsPresent": sorted({s[2] for s in sentra if s[2]}),
        "sentra": sentra, "api": opt.api, "weights": opt.weights, "top": sc.top,
        "weightValues": {k: round(v, 4) for k, v in w.items()},
        "detail": f"{opt.pages}/wilayah/" if opt.pages else None,
        "links": _links(opt), "basemap": opt.basemap,
        "notice": _notice(ds, counts) if len(counts) == len(levels) else None,
        "run": run_config(ds, opt),
        "zones": zone_outlines(ds, level, opt),
    }
    return _finish(m, cfg, osm, opt)


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
        from urllib.parse import urlencode

        q = {"level": level, "geometry": "true", "limit": 10_000, "weights": opt.weights,
             "scenario": opt.scenario_query()}
        return {"url": f"{opt.api}/zones?" + urlencode({k: v for k, v in q.items()
                                                        if v is not None})}
    try:
        z = ds.zones(level, scenario=opt.effective_scenario())
    except UnggulanError:
        return None
    colours = dataset_palette(ds)
    # outlines only: simplified (about 10 m) and rounded as the page's areas are
    geoms = shapely.simplify(np.asarray(z.geometry.values), 1e-4, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, PRECISION))
    items = []  # [geometry, properties]: the page makes the features (one per zone)
    for g, r in zip(shapely.to_geojson(geoms), z.itertuples()):
        items.append([json.loads(g), {
            "zone_id": r.zone_id, "commodity": r.commodity, "status": r.status,
            "n": int(r.n_members), "ha": round(float(r.area_ha)), "centre": r.centre_name,
            "reason_id": r.reason_id, "reason_en": r.reason_en,
            "colour": colours.get(r.commodity, palette.OTHER)}])
    return {"items": items}


def _check_level(ds, level: str) -> None:
    if level not in ds.levels:
        raise UnggulanError(f"level must be one of {', '.join(ds.levels)}, not '{level}'",
                            field="level")


def _fetched(ds, level: str, opt: PageOptions) -> bool:
    return bool(opt.data_url) and len(ds.areas(level)) > opt.embed_limit


def _tiled(ds, level: str, opt: PageOptions) -> bool:
    return bool(opt.tiles_url) and len(ds.areas(level)) > opt.tile_limit


def _tile_spec(ds, level: str, opt: PageOptions, query: dict) -> dict:
    """How a page draws a level from vector tiles: the tile and legend URLs (with the run's
    weights or scenario), the level's zoom range, its bounds, and the coarser level's tiles
    shown below that range."""
    from urllib.parse import urlencode

    from unggulan.maps.tiles import COARSER, MIN_ZOOM

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


def top_legend(ds, tops: list, bases: list | None = None, scenario=None) -> dict:
    """Palette (the run's: :func:`unggulan.maps.colours.run_palette` of ``scenario``, the
    dataset's palette plus the run's own leaders), legend counts and
    commodity names of a level's top candidates (one commodity id, or None, per area), and
    with ``bases`` (the top candidate's evidence basis per area) the areas per basis.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> info = top_legend(Dataset.open(), ["kakao", "kakao", "padi", None])
    >>> info["counts"][0], info["commodities"]["kakao"]
    (['kakao', 2], ['Kakao', 'Cocoa'])
    """
    tops = [t if isinstance(t, str) and t else None for t in tops]
    colours = run_palette(ds, scenario)
    counts, other = legend_counts(colours, tops)
    present = {t for t in tops if t}
    return {"palette": {c: col for c, col in colours.items()},
            "counts": counts, "otherCount": other,
            "basisCounts": basis_counts(bases or []),
            "commodities": _commodity_names(ds, present | set(colours))}


def legend_info(ds, props: list[dict], scenario=None) -> dict:
    """Palette, legend counts and commodity names of a level's top candidates."""
    info = top_legend(ds, [p["top"] for p in props],
                      [p["c"][0][9] if p.get("c") else None for p in props], scenario)
    ids = {c[0] for p in props for c in p["c"]} | set(info["palette"])
    info["commodities"] = _commodity_names(ds, ids)
    return info


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


def _present_ids(ds) -> set[str]:
    """Commodities the dataset's data hold: with sentra, with statistics of a level, or a
    candidate somewhere under the default scenario."""
    def build() -> frozenset:
        from unggulan.core.ranking.run import default_scenario

        ids = set(ds.sentra()["commodity_id"].dropna().astype(str))
        st = ds.statistics()
        ids |= set(st.loc[st["level"].isin(ds.levels), "commodity"].dropna().astype(str))
        sc = default_scenario(None, top=3)
        for lv in ds.levels:
            try:
                ids |= set(ds.candidates(lv, scenario=sc)["commodity"].astype(str))
            except Exception:  # noqa: BLE001 - no candidates: the other sources stay
                pass
        return frozenset(ids)

    return set(ds.cached(("map-present",), build))


def _viewable(ds) -> list[str]:
    """Commodities worth a commodity view, those in the data first (by name), then those
    with land requirements only (by name; none without rasters: their view would be
    empty)."""
    from unggulan.core.land.suitability import status_of

    present = _present_ids(ds)
    assessed = set()
    if ds.rasters:
        for cid in ds.catalogue.items:
            status, _ = status_of(cid, ds.catalogue, ds.requirements)
            if status in ("assessed", "inherited"):
                assessed.add(cid)
    cat = ds.catalogue.frame

    def key(i):
        return str(cat.at[i, "name_id"]).lower() if i in cat.index else i

    return sorted(present, key=key) + sorted(assessed - present, key=key)


def _present(ds, viewable: list[str]) -> list[str]:
    """Those of ``viewable`` that the data hold (the menu's first group)."""
    present = _present_ids(ds)
    return [c for c in viewable if c in present]


def commodity_props(ds, level: str, commodity: str, view: str, weights) -> tuple[list, list]:
    """Per area: the commodity's class ``k``, limiting factors ``lim``, score ``s``, legend
    bin ``b`` and sentra count ``n``; and the legend bins."""
    from unggulan.core.ranking.candidates import eligible, evidence

    ds.catalogue.get(commodity)
    areas = ds.areas(level)
    props = _area_base(areas, level)
    suit = ds.suitability(level, commodities=[commodity], explain=False).set_index("code")
    ev = evidence(ds, level)
    ev = ev[ev["commodity"] == commodity]
    ev = ev[eligible(ev).to_numpy()]
    scores = pd.Series(score(ev, parse_weights(weights)).to_numpy(), index=ev["code"].to_numpy())
    col = "desa_code" if level == "desa" else "kecamatan_code"
    s = ds.sentra(placed_only=True)
    nsentra = s[s["commodity_id"] == commodity][col].value_counts()
    klass = suit["suitability_class"].astype(object)
    lim = suit["limiting_factors"].astype(object)
    quad = ev.set_index("code")[["slq", "dlq", "quadrant"]] if "quadrant" in ev else None
    if view == "class":
        keys = ["S1", "S2", "S3", "N"]
        legend = [{"key": k, "label": k, "color": palette.CLASS_COLOURS[k]} for k in keys]
        lookup = {k: i for i, k in enumerate(keys)}
    elif view == "quadrant":
        legend = [{"key": k, "label": f"{k} ({rule})", "label_en": f"{en} ({rule})",
                   "color": palette.QUADRANT_COLOURS[k]} for k, en, rule in QUADRANTS]
        lookup = {k: i for i, (k, _, _) in enumerate(QUADRANTS)}
    else:
        vals = scores.to_numpy(float)
        legend, edges = _score_bins(vals)
    for p in props:
        code = p["code"]
        k = _text(klass.get(code))
        p["k"] = k
        p["lim"] = _text(lim.get(code))
        sc = scores.get(code)
        p["s"] = _num(sc, 1) if sc is not None else None
        p["n"] = int(nsentra.get(code, 0))
        if quad is not None and code in quad.index:
            q = quad.loc[code]
            p["slq"], p["dlq"], p["q"] = _num(q["slq"]), _num(q["dlq"]), _text(q["quadrant"])
        if view == "class":
            p["b"] = lookup.get(k, -1)
        elif view == "quadrant":
            p["b"] = lookup.get(p.get("q"), -1)
        else:
            p["b"] = int(np.searchsorted(edges, sc, side="left")) if sc is not None else -1
            if p["b"] >= len(legend):
                p["b"] = len(legend) - 1
    return props, legend


VIEWS = ("class", "score", "quadrant")
#: SLQ x DLQ quadrants (unggulan.core.activity.dlq's default convention), legend order
QUADRANTS = (
    ("unggulan", "leading", "SLQ>1, DLQ>1"),
    ("andalan", "mainstay", "SLQ>1, DLQ≤1"),
    ("prospektif", "prospective", "SLQ≤1, DLQ>1"),
    ("tertinggal", "lagging", "SLQ≤1, DLQ≤1"),
)


def _score_bins(values: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Natural-breaks (Jenks) classes of the scores, at most five, as legend entries."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return [], np.array([])
    k = min(5, len(np.unique(values)))
    if k < 2:
        edges = np.array([values.max()])
    else:
        edges = np.asarray(mapclassify.NaturalBreaks(values, k=k).bins, dtype=float)
    colours = palette.SCORE_COLOURS[-len(edges):] if len(edges) < 5 else palette.SCORE_COLOURS
    lo = values.min()
    legend = []
    for i, hi in enumerate(edges):
        legend.append({"key": str(i), "label": f"{lo:.1f}–{hi:.1f}", "lo": round(float(lo), 1),
                       "hi": round(float(hi), 1), "color": colours[i]})
        lo = hi
    return legend, edges


def commodity_views(ds, commodity: str) -> list[str]:
    """The views a commodity has in ``ds``: ``class`` (land classes: rasters and land
    requirements), ``quadrant`` (statistics of a level), ``score`` (always; empty where the
    commodity is no candidate), in the order a page picks its default."""
    from unggulan.core.land.suitability import status_of

    status, _ = status_of(commodity, ds.catalogue, ds.requirements)
    views = ["class"] if ds.rasters and status in ("assessed", "inherited") else []
    st = ds.statistics(commodity=commodity)
    if len(st) and len(st[st["level"].isin(ds.levels)]):
        views.append("quadrant")
    views.append("score")
    return views


def commodity_map(ds, commodity: str, view: str | None = None, level: str | None = None,
                  opt: PageOptions | None = None) -> folium.Map:
    """One commodity across all areas: suitability class, SLQ x DLQ quadrant or score, and
    its sentra. Without ``view`` (or with one the commodity does not have) the first of
    :func:`commodity_views`: land classes with rasters, else the statistics' quadrants,
    else the candidate score; without ``level`` the dataset's first level."""
    opt = opt or PageOptions()
    opt.check()
    if view is not None and view not in VIEWS:
        raise UnggulanError(f"view must be class, score or quadrant, not '{view}'",
                            field="view")
    level = level or ds.levels[0]
    _check_level(ds, level)
    ds.catalogue.get(commodity)
    views = commodity_views(ds, commodity)
    if view not in views:
        view = views[0]  # e.g. no rasters: no land classes to draw
    weights = opt.weights if opt.scenario is None else \
        opt.effective_scenario().weights_resolved()  # type: ignore[attr-defined]
    props, legend = commodity_props(ds, level, commodity, view, weights)
    spec = _level_spec(ds, level, opt, lambda: features_text(ds, level, props),
                       {"commodity": commodity, "view": view, "weights": opt.weights,
                        "scenario": opt.scenario_query()})
    m, osm = _base_map(ds, opt, [level], spec["n"])
    sentra = sentra_points(ds, commodity)
    viewable = _viewable(ds)
    colours = run_palette(ds, opt.effective_scenario())
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
        "nodata": palette.NODATA, "commodities": _commodity_names(ds, set(viewable) | {commodity}),
        "viewable": viewable, "present": _present(ds, viewable), "sectors": _sectors(),
        "sectorsPresent": sorted({s[2] for s in sentra if s[2]}), "sentra": sentra,
        "api": None, "weights": opt.weights, "detail": f"{opt.pages}/wilayah/" if opt.pages
        else None, "links": _links(opt, level), "basemap": opt.basemap,
        "notice": notice, "run": run_config(ds, opt),
    }
    return _finish(m, cfg, osm, opt)


def level_geojson(ds, level: str, weights=None, top: int = 3, commodity: str | None = None,
                  view: str = "class", scenario=None) -> str:
    """The text a page fetches for a level too large to inline (same properties);
    ``scenario`` replaces ``weights`` and ``top``."""
    if commodity:
        if scenario is not None:
            weights = scenario.weights_resolved()
        props, _ = commodity_props(ds, level, commodity, view, weights)
        return features_text(ds, level, props)
    from unggulan.core.ranking.run import default_scenario

    sc = scenario if scenario is not None else default_scenario(weights, top=top)
    props, _ = candidate_props(ds, level, top, weights, scenario=sc)
    return features_text(ds, level, props, extra=legend_info(ds, props, sc))


# ---------------------------------------------------------------------- detail page
COMPONENT_LABEL = {
    "suitability": ("Kesesuaian lahan", "Land suitability"),
    "specialisation": ("Spesialisasi (LQ)", "Specialisation (LQ)"),
    "scale": ("Skala (pangsa produksi)", "Scale (share of output)"),
    "trend": ("Tren (DLQ)", "Trend (DLQ)"),
    "cluster": ("Klaster", "Cluster"),
    "continuity": ("Keberlanjutan", "Continuity"),
    "market": ("Pasar", "Market"),
    "uniqueness": ("Keunikan", "Uniqueness"),
    "local": ("Relevansi lokal", "Local relevance"),
}
COMPONENT_COLOURS = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                     "#CC6677", "#AA4499", "#882255"]  # Paul Tol's muted


def _both(id_text: str, en_text: str) -> str:
    return (f'<span lang="id">{html.escape(id_text)}</span>'
            f'<span lang="en">{html.escape(en_text)}</span>')


def _fmt(x, digits=1, lang: str = "en") -> str:
    return fmt_number(x, digits, lang)


def _nb(x, digits: int = 1) -> str:
    """A number for both languages of a static page (1.234,5 / 1,234.5)."""
    a, b = fmt_number(x, digits, "id"), fmt_number(x, digits, "en")
    return html.escape(a) if a == b else _both(a, b)


def _code_html(code: str, derived: bool) -> str:
    """An area code, marked when the tool derived it from names (not an official code)."""
    if not derived:
        return html.escape(code)
    return (f'{html.escape(code)} <span class="derived" title="kode turunan dari nama, bukan '
            f'kode resmi / derived from names, not an official code">'
            f'{_both("(kode turunan)", "(derived code)")}</span>')


def _ccol(i: int) -> str:
    return COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]


def breakdown_svg(cand: pd.DataFrame, weights: dict) -> str:
    """Grouped horizontal bars: per candidate, each evidence component (0-100) side by side,
    with the component's weight in the legend."""
    comps = list(COLUMNS)
    bar, gap, left, width = 9, 10, 190, 320
    group_h = bar * len(comps) + gap
    top = 10 + 11 * math.ceil(len(comps) / 3)  # below the legend's rows
    height = top + group_h * max(len(cand), 1) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="breakdown" width="{left + width + 60}"'
           f' height="{height}" role="img" aria-label="score breakdown">']
    for t in range(0, 101, 25):
        x = left + width * t / 100
        out.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{height - 18}" stroke="#ddd"/>'
                   f'<text x="{x}" y="{height - 4}" font-size="10" text-anchor="middle">{t}</text>')
    for g, row in enumerate(cand.itertuples(index=False)):
        y0 = top + g * group_h
        rk = rank_label(row.rank, getattr(row, "rank_label", None))
        lab_id = html.escape(f"{rk}. {row.commodity_name_id} ({_fmt(row.score, 1, 'id')})")
        lab_en = html.escape(f"{rk}. {row.commodity_name_en} ({_fmt(row.score, 1, 'en')})")
        out.append(f'<text x="{left - 6}" y="{y0 + group_h / 2}" font-size="11" '
                   f'text-anchor="end" class="cand"><tspan lang="id">{lab_id}</tspan>'
                   f'<tspan lang="en">{lab_en}</tspan></text>')
        for i, comp in enumerate(comps):
            v = getattr(row, f"score_{comp}", None)
            v = 0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            w = width * v
            out.append(f'<rect x="{left}" y="{y0 + i * bar}" width="{w:.1f}" height="{bar - 1}"'
                       f' fill="{_ccol(i)}"><title>{comp}: {v * 100:.0f}</title>'
                       f'</rect>')
    for i, comp in enumerate(comps):
        x = 4 + (i % 3) * 170
        y = 4 + (i // 3) * 11
        lab_id, lab_en = COMPONENT_LABEL.get(comp, (comp, comp))
        out.append(f'<rect x="{x}" y="{y}" width="9" height="9" fill="{_ccol(i)}"/>'
                   f'<text x="{x + 12}" y="{y + 8}" font-size="10">'
                   f'<tspan lang="id">{lab_id} ×{_fmt(weights.get(comp), 2, "id")}</tspan>'
                   f'<tspan lang="en">{lab_en} ×{_fmt(weights.get(comp), 2, "en")}</tspan></text>')
    out.append("</svg>")
    return "".join(out)


def area_page(ds, code: str, opt: PageOptions | None = None) -> folium.Map:
    """An area with its neighbours, its attributes, its candidates' score breakdown and
    links to export its data."""
    from unggulan.core.inputs.codes import clean_code

    opt = opt or PageOptions(top=5)
    opt.check()
    level, row = None, None
    for lv in ds.levels:
        areas = ds.areas(lv)
        hit = areas.index[areas["code"] == code]
        if not len(hit):
            cc = clean_code(code)
            hit = areas.index[areas["code"].map(clean_code) == cc] if cc else hit
        if len(hit):
            level, row = lv, areas.loc[hit[0]]
            break
    if level is None:
        raise UnknownArea(f"no desa or kecamatan with code '{code}'", field="code")
    code = str(row["code"])
    areas = ds.areas(level)
    geom = row.geometry
    near = areas.index[areas.sindex.query(geom, predicate="intersects")]
    near = [code] + [c for c in near if c != code]
    sub_props, cand = candidate_props(ds, level, opt.top, opt.weights, codes=near,
                                      scenario=opt.scenario)
    spec = _inline_spec(level, len(near), features_text(ds, level, sub_props, codes=near))
    # the detail on the left, the map on the right
    m, osm = _base_map(ds, opt, [level], len(near), width="56%", height="100%", left="44%",
                       top="0%", position="absolute")
    b = shapely.total_bounds(np.asarray(areas.loc[near].geometry.values))
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    sentra = sentra_points(ds, codes=[code])
    ids = {c[0] for p in sub_props for c in p["c"]} | {s[3] for s in sentra if s[3]}
    info = legend_info(ds, sub_props, opt.effective_scenario())  # the run's, as on every map
    cfg = {
        "mode": "main", "lang": opt.lang, "level": level, "levels": {level: spec},
        "dataset": proper_case(ds.name), "synthetic": ds.synthetic,
        "palettes": {level: info["palette"]}, "counts": {level: info["counts"]},
        "otherCount": {level: info["otherCount"]},
        "basisCounts": {level: info["basisCounts"]},
        "other": palette.OTHER, "nodata": palette.NODATA, "focus": code,
        "commodities": _commodity_names(ds, ids), "viewable": [], "sectors": _sectors(),
        "sectorsPresent": sorted({s[2] for s in sentra if s[2]}), "sentra": sentra,
        "api": None, "weights": opt.weights, "weightValues": {},
        "detail": f"{opt.pages}/wilayah/" if opt.pages else None, "links": None,
        "basemap": opt.basemap, "run": run_config(ds, opt),
    }
    own = cand[cand["code"] == code].sort_values("rank")
    m.get_root().html.add_child(Element(_detail_html(ds, level, row, own, opt)),
                                name="unggulan_detail")
    m.get_root().title = f"{proper_case(row['name'])} – unggulan"
    return _finish(m, cfg, osm, opt)


def _detail_html(ds, level: str, row, cand: pd.DataFrame, opt: PageOptions) -> str:
    code = str(row["code"])
    w = opt.effective_scenario().weights_resolved()  # the weights as used
    esc = html.escape
    kind = _both("Desa/kelurahan", "Village") if level == "desa" else \
        _both("Kecamatan", "District")
    derived = bool(row.get("code_derived", False) is True or row.get("code_derived") == 1)
    kec = proper_case(row.get("kecamatan_name")) if level == "desa" else None
    kec_txt = f" · {_both('Kec.', 'District')} {esc(str(kec))}" if not is_missing(kec) else ""
    head = (f'<div class="unggulan-detail"><h2>{esc(str(proper_case(row["name"])))} '
            f'<small>{kind} · {_code_html(code, derived)}{kec_txt}</small></h2>')
    langs = " ".join(f'<button type="button" class="lang-btn" data-lang="{lg}">{lg.upper()}'
                     '</button>' for lg in LANGS)
    back = (f'<a href="{opt.pages}?lang={opt.lang}&level={level}">'
            f'{_both("← Peta kandidat", "← Candidate map")}</a> · ' if opt.pages else "")
    parts = [head, f"<p>{back}{langs}</p>", '<div class="cols"><div>']
    # candidates and their breakdown
    parts.append(f"<h3>{_both('Kandidat komoditas unggulan', 'Candidate flagship commodities')}"
                 "</h3>")
    if len(cand):
        parts.append(f'<div class="scroll">{breakdown_svg(cand, w)}</div>')
        from unggulan.maps.series import series_svg

        st = ds.statistics(area=code, with_parents=True)
        colours = run_palette(ds, opt.effective_scenario())
        # the reason on its own row under each candidate: the table fits the column
        parts.append("<div class='scroll'><table class='cand'><tr><th>#</th><th>" +
                     _both("Komoditas", "Commodity") +
                     "</th><th>" + _both("Skor", "Score") + "</th><th>" +
                     _both("Kelas", "Class") + "</th><th>LQ · DLQ</th><th>" +
                     _both("Seri", "Series") + "</th></tr>")
        for r in cand.itertuples(index=False):
            colour = colours.get(r.commodity, palette.OTHER)
            name = (f"<i class='swatch' style='background:{colour}' "
                    f"data-commodity='{esc(str(r.commodity))}'></i>" +
                    _both(str(r.commodity_name_id), str(r.commodity_name_en)))
            quad_id = getattr(r, "quadrant", None)
            quad_en = getattr(r, "quadrant_en", None) or \
                {k: en for k, en, _ in QUADRANTS}.get(quad_id)
            quad = (f"<br><small>{_both(str(quad_id), str(quad_en or quad_id))}</small>"
                    if isinstance(quad_id, str) else "")
            ser = st[(st["commodity"] == r.commodity) & (st["measure"] == r.stat_measure)]
            ser = ser.dropna(subset=["year"]).sort_values("year")
            chart = series_svg([int(y) for y in ser["year"]], ser["value"].astype(float).tolist(),
                               width=110, height=26) if len(ser) else "–"
            lq = r.lq if not is_missing(r.lq) else getattr(r, "slq", None)
            basis = _basis(getattr(r, "basis", None))
            basis_txt = ""
            reason_id, reason_en = _clean(r.reason_id), _clean(r.reason_en)
            if basis and "dasar" not in reason_id.lower():  # the reason may say it already
                from unggulan.maps.colours import BASIS_LABEL

                b_id, b_en = BASIS_LABEL[basis]
                basis_txt = f" <small class='basis'>({_both('dasar: ' + b_id, 'basis: ' + b_en)})" \
                    "</small>"
            klass = r.suitability_class if isinstance(r.suitability_class, str) and \
                r.suitability_class else "–"
            rk = rank_label(r.rank, getattr(r, "rank_label", None))
            parts.append(f"<tbody><tr class='head'><td class='rank'>{esc(rk)}</td><td>{name}</td>"
                         f"<td class='num'>{_nb(r.score)}</td>"
                         f"<td class='cls'>{esc(klass)}</td>"
                         f"<td class='num'>{_nb(lq, 2)} · {_nb(r.dlq, 2)}{quad}</td>"
                         f"<td>{chart}</td></tr>"
                         f"<tr class='why'><td></td><td colspan='5' class='why'>"
                         f"<b>{_both('Alasan', 'Why')}:</b> {_both(reason_id, reason_en)}"
                         f"{basis_txt}</td></tr></tbody>")
        parts.append("</table></div>")
    else:
        parts.append(f"<p>{_both('Tidak ada kandidat.', 'No candidate.')}</p>")
    parts.append("</div><div>")
    # attributes
    if ds.rasters:
        attrs = ds.attributes(level)
        if code in attrs.index:
            a = attrs.loc[code]
            parts.append(f"<h3>{_both('Atribut agroekologi', 'Agro-ecological attributes')}"
                         "</h3><div class='scroll'><table class='attrs'><tr><th></th><th>" +
                         _both("rata-rata", "mean") + "</th><th>min</th><th>max</th></tr>")
            for attr in ds.engine.layers:
                if f"{attr}_mean" not in a.index:
                    continue
                lab = attribute_label(attr)
                u_id = f" ({lab[2]})" if lab[2] else ""
                u_en = f" ({lab[3]})" if lab[3] else ""
                if attr in CATEGORICAL:
                    maj = a.get(f"{attr}_majority")
                    maj_txt = "–" if is_missing(maj) else f"{int(maj)}"
                    mean = _both(f"kelas mayoritas {maj_txt}", f"majority class {maj_txt}")
                    lo, hi = _nb(a[f"{attr}_min"], 0), _nb(a[f"{attr}_max"], 0)
                else:
                    mean = _nb(a[f"{attr}_mean"])
                    lo, hi = _nb(a[f"{attr}_min"]), _nb(a[f"{attr}_max"])
                parts.append(f"<tr><th>{_both(lab[0] + u_id, lab[1] + u_en)}</th>"
                             f"<td class='num'>{mean}</td><td class='num'>{lo}</td>"
                             f"<td class='num'>{hi}</td></tr>")
            parts.append("</table></div>")
            # layers fetched by `unggulan rasters fetch` cite their source
            cited = [f"{html.escape(a_)}: {html.escape(r.source_text)}"
                     for a_, r in ds.rasters.items() if r.source_text]
            if cited:
                parts.append(f"<p class='note'>{_both('Sumber raster', 'Raster sources')}: "
                             + "; ".join(cited) + "</p>")
    # statistics: the area's own, and a desa's kecamatan's (labelled as such)
    st = ds.statistics(area=code, with_parents=True)
    st = st[st["level"].isin(ds.levels)]
    if len(st):
        from unggulan.maps.series import statistics_html

        names = {c: proper_case(n) for lv in ds.levels for c, n in ds.areas(lv)["name"].items()
                 if c in set(st["code"])}
        parts.append("<div class='scroll'>" + statistics_html(st, level, names, _both) +
                     "</div>")
    # exports
    if opt.api:
        parts.append(f"<h3>{_both('Unduh data wilayah ini', 'Download this area')}</h3><ul>")
        for layer, lid, len_ in (("candidates", "Kandidat", "Candidates"),
                                 ("suitability", "Kesesuaian lahan", "Land suitability"),
                                 ("areas", "Batas & atribut", "Boundary & attributes"),
                                 ("sentra", "Sentra", "Sentra"),
                                 ("statistics", "Statistik", "Statistics")):
            run = (f"&scenario={quote(opt.scenario_query())}" if opt.scenario_query() else
                   f"&weights={quote(opt.weights)}" if opt.weights else "")
            links = " · ".join(
                f'<a href="{opt.api}/export?layer={layer}&level={level}&area={code}'
                f'&format={fmt}{run}">{label}</a>'
                for fmt, label in (("gpkg", "GeoPackage"), ("shp", "Shapefile"),
                                   ("geojson", "GeoJSON"), ("csv", "CSV")))
            parts.append(f"<li>{_both(lid, len_)}: {links}</li>")
        parts.append("</ul>")
    parts.append("</div></div></div>")
    return "".join(parts)


def _clean(text) -> str:
    """A text for the page: missing is "–" (never "nan" or "None")."""
    return "–" if is_missing(text) or str(text) in ("nan", "None") else str(text)


def render(m: folium.Map) -> str:
    """The page's HTML; the same map gives the same bytes (element ids numbered in tree
    order instead of folium's random ones)."""
    _number_ids(m.get_root())
    return m.get_root().render()


def _number_ids(root) -> None:
    """Replace branca's random element ids by their position in the tree (``0000...01``)."""
    seen: set[int] = set()
    stack = [root]
    n = 0
    while stack:
        el = stack.pop(0)
        if id(el) in seen:
            continue
        seen.add(id(el))
        if hasattr(el, "_id"):
            n += 1
            el._id = f"{n:032x}"
        stack.extend(getattr(el, "_children", {}).values())
        for attr in ("header", "html", "script"):
            child = getattr(el, attr, None)
            if child is not None and hasattr(child, "_children"):
                stack.append(child)


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
