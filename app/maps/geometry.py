"""A level's polygons as the map pages carry them: simplified, rounded, as GeoJSON text.

:func:`simplified` is computed once per level and kept in the dataset's cache
(:meth:`unggulan.core.dataset.Dataset.cached`); :func:`features_text` writes the
FeatureCollection a page inlines or fetches, with the per-area properties of
:mod:`unggulan.maps.properties`.
"""

from __future__ import annotations

import json

import numpy as np
import shapely

#: coordinate decimals in pages at most (5: about 1 m); fewer for large extents
PRECISION = 5


def simplified(ds, level: str) -> np.ndarray:
    """The level's polygons simplified for the zoom levels a page uses, coordinates rounded.

    Shared edges stay shared (shapely's coverage simplification) when the layer is a valid
    coverage; otherwise each polygon is simplified on its own, preserving its topology. The
    tolerance is 1/4000 of the layer's extent (about 30 m for a kabupaten, 1.3 km for the
    nation's kecamatan), small next to what a screen shows at the zoom that fits the extent.
    """
    return ds.cached(("map-geometry", level), lambda: _simplify(ds.areas(level)))


def _simplify(areas) -> np.ndarray:
    geoms = np.asarray(areas.geometry.values)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    tol = max(x1 - x0, y1 - y0) / 4000
    # decimals a tenth of the tolerance needs: 5 for a kabupaten, 3 for the nation
    decimals = int(np.clip(np.ceil(-np.log10(tol / 10)), 3, PRECISION)) if tol > 0 else PRECISION
    try:
        valid = bool(shapely.coverage_is_valid(geoms))
    except Exception:  # noqa: BLE001 - GEOS refuses odd inputs; fall back below
        valid = False
    simple = shapely.coverage_simplify(geoms, tol) if valid else \
        shapely.simplify(geoms, tol, preserve_topology=True)
    out = shapely.transform(simple, lambda xy: np.round(xy, decimals))
    bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    if bad.any() and decimals < PRECISION:  # rounding broke a few: more decimals for them
        out[bad] = shapely.transform(simple[bad], lambda xy: np.round(xy, PRECISION))
        bad = shapely.is_empty(out) | ~shapely.is_valid(out)
    if bad.any():  # simplifying broke a few: keep their originals, rounded
        out[bad] = shapely.transform(geoms[bad], lambda xy: np.round(xy, PRECISION))
    return out


def outlines(geoms: np.ndarray) -> np.ndarray:
    """Outlines drawn over a page's areas (the commodity zones): simplified (about 10 m) and
    rounded as the areas are."""
    out = shapely.simplify(geoms, 1e-4, preserve_topology=True)
    return shapely.transform(out, lambda xy: np.round(xy, PRECISION))


def json_text(value) -> str:
    """``value`` as compact JSON (UTF-8 kept, no NaN): how the pages write their data."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def features_text(ds, level: str, props: list[dict], codes=None, extra: dict | None = None
                  ) -> str:
    """A GeoJSON FeatureCollection, as text, of the level's simplified polygons (all, or
    ``codes`` in that order) with ``props`` (one dict per polygon); ``extra`` goes in as the
    foreign member ``unggulan`` (legend and palette of a fetched level)."""
    areas = ds.areas(level)
    geoms = simplified(ds, level)
    if codes is not None:
        pos = areas.index.get_indexer(codes)
        geoms = geoms[pos]
    texts = shapely.to_geojson(geoms)
    parts = [f'{{"type":"Feature","geometry":{g},"properties":{json_text(p)}}}'
             for g, p in zip(texts, props)]
    head = '{"type":"FeatureCollection",' + (f'"unggulan":{json_text(extra)},' if extra else "")
    return head + '"features":[' + ",".join(parts) + "]}"
