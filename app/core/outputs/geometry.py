"""The areas' polygons as every display shows them: simplified for the zoom that fits the
extent, coordinates rounded (the web map, its vector tiles' neighbours, the brief's maps).
:meth:`unggulan.core.dataset.Dataset.display_geometry` keeps them once per level."""

from __future__ import annotations

import numpy as np
import shapely

#: coordinate decimals in pages at most (5: about 1 m); fewer for large extents
PRECISION = 5


def simplify(areas) -> np.ndarray:
    """The polygons of ``areas`` simplified for the zoom levels a page uses, coordinates
    rounded.

    Shared edges stay shared (shapely's coverage simplification) when the layer is a valid
    coverage; otherwise each polygon is simplified on its own, preserving its topology. The
    tolerance is 1/4000 of the layer's extent (about 30 m for a kabupaten, 1.3 km for the
    nation's kecamatan), small next to what a screen shows at the zoom that fits the extent.
    """
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
