"""What every map page shares: its options, the folium map, the configuration handed to
``static/unggulan.js`` and the rendering to HTML.

Folium builds the page (map, tiles, fullscreen button, scale bar); :class:`UnggulanLayers`
hands the areas and sentra (:mod:`unggulan.maps.geometry`, :mod:`unggulan.maps.properties`)
to ``unggulan.js``, which draws them and the legend, popups, search, weights panel and
language switch. Scripts come from the service or are inlined (:mod:`unggulan.maps.assets`),
never from a CDN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen
from folium.template import Template

from unggulan.base.errors import UnggulanError
from unggulan.core.inputs.config import RASTER_ATTRIBUTES
from unggulan.core.land.suitability import FACTOR_LABEL
from unggulan.core.outputs.labels import attribute_label
from unggulan.core.ranking.run import effective_scenario, slug
from unggulan.core.ranking.scoring import parse_weights
from unggulan.maps.assets import localise
from unggulan.maps.geometry import json_text

#: a served page inlines at most this many areas per level; more are fetched from the service
EMBED_LIMIT = 3000
#: a served page draws a level of more areas than this from vector tiles (``/tiles``)
TILE_LIMIT = 20_000
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
        self.effective_scenario()  # weights or a scenario, not both

    def effective_scenario(self, top: int | None = None):
        """The scenario of the page: :attr:`scenario`, else the default one of
        :attr:`weights` and ``top`` (default :attr:`top`)
        (:func:`unggulan.core.ranking.run.effective_scenario`: both at once are refused)."""
        return effective_scenario(self.scenario, self.weights,  # type: ignore[arg-type]
                                  top=self.top if top is None else top)

    def scenario_query(self) -> str | None:
        """The value of ``?scenario=`` for links and fetches (None without a scenario)."""
        if self.scenario is None:
            return None
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


def check_level(ds, level: str) -> None:
    """Refuse a level the dataset does not have."""
    if level not in ds.levels:
        raise UnggulanError(f"level must be one of {', '.join(ds.levels)}, not '{level}'",
                            field="level")


def run_config(ds, opt: PageOptions, top: int | None = None) -> dict:
    """What the page's footer shows: the scenario, the run hash and the criteria without
    data; and the settings the weights panel saves with a scenario."""
    sc = opt.effective_scenario(top)
    info = ds.run_info(sc)
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


def base_map(ds, opt: PageOptions, levels: list[str], n_features: int, **frame) -> tuple:
    """The folium map fitted to the first of ``levels``, with the OpenStreetMap layer (shown
    or not by ``opt.basemap``) and the fullscreen button; and that layer. ``frame``: more
    arguments of :class:`folium.Map` (size and position of the detail page's map)."""
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


def inline_spec(level: str, n: int, text: str) -> dict:
    """A level inlined in the page: its ``n`` areas' GeoJSON ``text`` (:func:`finish`
    splices it into the configuration)."""
    # a placeholder in the config, replaced by the GeoJSON text in _assemble
    return {"data": "__DATA_" + level + "__", "n": n, "_text": text}


def _assemble(cfg: dict) -> str:
    """The config as JS text, with the (large) GeoJSON texts spliced in unquoted."""
    # sorted: a set's order changes with the interpreter's string hashing, the page must not
    cfg.setdefault("factors", {f: list(attribute_label(f)[:2])
                               for f in sorted(set(FACTOR_LABEL) | set(RASTER_ATTRIBUTES))})
    texts = {lv: spec.pop("_text") for lv, spec in cfg["levels"].items() if "_text" in spec}
    out = json_text(cfg)
    for lv, t in texts.items():
        out = out.replace(f'"__DATA_{lv}__"', t)
    return out.replace("</", "<\\/")


def finish(m, cfg: dict, osm, opt: PageOptions) -> folium.Map:
    """``m`` with the page configuration ``cfg`` handed to ``unggulan.js`` and its scripts
    made local (served or inlined, :func:`unggulan.maps.assets.localise`)."""
    layers = UnggulanLayers(_assemble(cfg), osm)
    if any("tiles" in spec for spec in cfg["levels"].values()):
        layers.default_js = UnggulanLayers.default_js + [("Leaflet.VectorGrid.bundled.min.js",
                                                          "")]
    layers.add_to(m)
    localise(m, inline=opt.inline)
    return m


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
