"""A level's polygons as the map pages carry them: simplified, rounded, as GeoJSON text.

:func:`simplified` is computed once per level and kept in the dataset's cache
(:meth:`unggulan.core.dataset.Dataset.display_geometry`); :func:`features_text` writes the
FeatureCollection a page inlines or fetches, with the per-area properties of
:mod:`unggulan.maps.properties`.
"""

from __future__ import annotations

import json

import numpy as np
import shapely

from unggulan.core.outputs.geometry import PRECISION


def simplified(ds, level: str) -> np.ndarray:
    """The level's polygons as pages show them (:meth:`Dataset.display_geometry
    <unggulan.core.dataset.Dataset.display_geometry>`: simplified, rounded; once per
    level)."""
    return ds.display_geometry(level)


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
