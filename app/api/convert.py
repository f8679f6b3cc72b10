"""DataFrame rows to plain JSON values (NaN -> None, numpy scalars -> Python)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np

from unggulan.base.records import clean, records

__all__ = ["clean", "feature_collection", "records"]


def feature_collection(gdf: gpd.GeoDataFrame, id_col: str | None = "code",
                       precision: int = 6) -> dict:
    """GeoJSON (RFC 7946) of a GeoDataFrame in EPSG:4326, coordinates rounded."""
    import shapely

    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geoms = shapely.transform(np.asarray(gdf.geometry.values),
                              lambda xy: np.round(xy, precision))
    texts = shapely.to_geojson(geoms)
    props = records(gdf)
    features = []
    for i, (g, p) in enumerate(zip(texts, props)):
        feat = {"type": "Feature", "geometry": json.loads(g) if g is not None else None,
                "properties": p}
        if id_col:
            feat["id"] = p.get(id_col, i)
        features.append(feat)
    return {"type": "FeatureCollection", "features": features}
