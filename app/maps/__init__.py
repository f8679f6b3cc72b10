"""Maps of a dataset: the web map pages, their data and the vector tiles.

- :mod:`unggulan.maps.pages`: the candidate map and the commodity view (and the error page);
- :mod:`unggulan.maps.detail`: the area detail page;
- :mod:`unggulan.maps.frame`: what every page shares (options, folium map, rendering);
- :mod:`unggulan.maps.geometry`: a level's simplified polygons as GeoJSON text;
- :mod:`unggulan.maps.properties`: what the popups and legends say about each area;
- :mod:`unggulan.maps.tiles`: Mapbox Vector Tiles of national levels;
- :mod:`unggulan.maps.series`, :mod:`unggulan.maps.assets`:
  small charts, the pages' scripts (the palette and labels: :mod:`unggulan.core.outputs`).

:func:`web_map` is the map of a notebook; the package binds it as ``Dataset.map``
(``unggulan/__init__.py``), since the core never imports the maps.
"""

from __future__ import annotations

__all__ = ["web_map"]


def web_map(ds, level: str = "desa", *, commodity: str | None = None, view: str = "class",
            lang: str = "id", weights=None, top: int = 3, basemap: str = "osm",
            scenario=None):
    """The web map of ``ds`` as a :class:`folium.Map`; shown inline in Jupyter
    (``ds.map(...)`` is this function).

    Without ``commodity``: areas coloured by their top candidate, with popups listing the
    ranked candidates and why, both levels and the sentra. With ``commodity``: that
    commodity's suitability class (``view="class"``), score (``view="score"``) or SLQ x DLQ
    quadrant (``view="quadrant"``) across all areas. ``weights`` and ``top``, or
    ``scenario`` (an :class:`unggulan.core.scenario.Scenario`), choose the run. Scripts are
    inlined, so the map works offline; ``lang`` is ``"id"`` or ``"en"``; ``basemap``
    ``"osm"`` or ``"plain"``. Save it with ``m.save("peta.html")``.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> m = ds.map("kecamatan", lang="en")
    >>> type(m).__name__
    'Map'
    """
    # lazy: folium and the page builders are heavy, and ``import unggulan`` (which binds
    # this function as Dataset.map) must not load them (tests/core/test_dataset.py)
    from unggulan.maps.pages import PageOptions, commodity_map, main_map

    opt = PageOptions(lang=lang, weights=weights, top=top, inline=True, basemap=basemap,
                      scenario=scenario)
    if commodity:
        return commodity_map(ds, commodity, view, level, opt)
    return main_map(ds, level, opt)
