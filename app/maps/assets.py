"""Scripts and stylesheets of the map pages, from the service itself, never from a CDN.

Folium elements name their scripts (``default_js``/``default_css``) with CDN addresses.
:func:`localise` replaces each of them with a file of the npm packages that ``make install``
puts in ``web/node_modules`` and copies into the package (``app/maps/vendor``, shipped in the
wheel; ``scripts/vendor_assets.py``), either as a link under the service's ``/static/vendor/``
(served pages) or inlined into the page (a standalone HTML file, a Jupyter cell), so that a
map opens in an office with no internet, from the source tree as from an installed package.
Assets a page does not need (Bootstrap, jQuery, Font Awesome: folium's defaults for widgets
unggulan does not use) are dropped.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
from functools import lru_cache
from pathlib import Path

from branca.element import Element, Figure, MacroElement

from unggulan.base.errors import UnggulanError

#: folium's asset names -> files below the assets folder (None: not needed, dropped)
VENDOR: dict[str, str | None] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "leaflet_css": "leaflet/dist/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "Leaflet.Search.js": "leaflet-search/dist/leaflet-search.min.js",
    "Leaflet.Search.css": "leaflet-search/dist/leaflet-search.min.css",
    "leaflet.groupedlayercontrol.min.js":
        "leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.js",
    "leaflet.groupedlayercontrol.min.css":
        "leaflet-groupedlayercontrol/dist/leaflet.groupedlayercontrol.min.css",
    # vector tiles of large levels (unggulan.maps.tiles); Beerware licence, bundles pbf and
    # @mapbox/vector-tile (BSD-3-Clause)
    "Leaflet.VectorGrid.bundled.min.js":
        "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js",
    "jquery": None,
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
#: the project's own page code, in app/maps/static
OWN = {"unggulan_js": "unggulan.js", "unggulan_css": "unggulan.css"}
OWN_DIR = Path(__file__).with_name("static")
VENDOR_URL = "/static/vendor"
OWN_URL = "/static/peta"


#: the copies shipped in the package (``make assets``: scripts/vendor_assets.py; gitignored)
PACKAGED_DIR = Path(__file__).resolve().with_name("vendor")
#: the npm packages of the source tree (``make install``: npm ci in web/)
SOURCE_DIR = Path(__file__).resolve().parents[2] / "web" / "node_modules"


def _complete(folder: Path) -> bool:
    return all((folder / rel).is_file() for rel in VENDOR.values() if rel)


def assets_dir() -> Path:
    """The folder holding the npm packages' files: ``UNGGULAN_ASSETS_DIR`` if set, else the
    package's own copies (``unggulan/maps/vendor``, in the wheel) when complete, else the
    source tree's ``web/node_modules``."""
    env = os.environ.get("UNGGULAN_ASSETS_DIR")
    if env:
        return Path(env)
    for folder in (PACKAGED_DIR, SOURCE_DIR):
        if _complete(folder):
            return folder
    return PACKAGED_DIR if PACKAGED_DIR.is_dir() or not SOURCE_DIR.is_dir() else SOURCE_DIR


def check_assets() -> Path:
    """The assets folder, or a clear error naming what is missing and how to get it."""
    folder = assets_dir()
    missing = [rel for rel in VENDOR.values() if rel and not (folder / rel).is_file()]
    if missing:
        raise UnggulanError(
            f"map assets missing in {folder}: {', '.join(missing[:3])}"
            f"{' ...' if len(missing) > 3 else ''}; run `make install` (npm ci in web/, then "
            "scripts/vendor_assets.py) or set UNGGULAN_ASSETS_DIR", field="assets")
    return folder


def _elements(root):
    yield root
    for child in list(getattr(root, "_children", {}).values()):
        yield from _elements(child)


def localise(m: MacroElement, inline: bool = False) -> Figure:
    """Point every script and stylesheet of ``m``'s page at local files.

    ``inline=False``: links under ``/static/vendor`` and ``/static/peta`` (the service serves
    them). ``inline=True``: the files' content goes into the page, so the HTML stands alone.
    Raises :class:`UnggulanError` for an asset unggulan does not know, rather than let a page
    reach for a CDN.
    """
    folder = check_assets()
    fig = m.get_root()
    for el in _elements(fig):
        for kind in ("default_js", "default_css"):
            items = getattr(el, kind, None)
            if not items:
                continue
            kept = []
            for name, url in items:
                if name in OWN:
                    path, link = OWN_DIR / OWN[name], f"{OWN_URL}/{OWN[name]}"
                elif name in VENDOR:
                    rel = VENDOR[name]
                    if rel is None:
                        continue
                    path, link = folder / rel, f"{VENDOR_URL}/{rel}"
                else:
                    raise UnggulanError(f"no local copy of map asset '{name}' ({url})",
                                        field="assets")
                if inline:
                    text = (_inline_css(path) if kind == "default_css" else _read(path))
                    tag = "style" if kind == "default_css" else "script"
                    fig.header.add_child(Element(f"<{tag}>{text}</{tag}>"), name=f"inline_{name}")
                else:
                    kept.append((name, link))
            setattr(el, kind, kept)
    return fig


@lru_cache(maxsize=32)
def _read(path: Path) -> str:
    # a "</script>" inside a script would end it early
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script")


@lru_cache(maxsize=32)
def _inline_css(path: Path) -> str:
    """CSS with its relative url(...) images turned into data URIs."""
    text = path.read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "http:", "https:", "#")):
            return match.group(0)
        target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            return match.group(0)
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        b64 = base64.b64encode(target.read_bytes()).decode()
        return f"url(data:{mime};base64,{b64})"

    return re.sub(r"url\((['\"]?)([^'\")]+)\1\)", data_uri, text)
