"""The exportable layers of a dataset, by name: one function serves the CLI, the API and
the Python API (``ds.layer`` / ``ds.export``)."""

from __future__ import annotations

import geopandas as gpd

from app.core.errors import UnggulanError

LAYERS = ("areas", "sentra", "suitability", "candidates")


def get_layer(ds, layer: str, level: str = "desa", **options) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``layer`` ('areas', 'sentra', 'suitability', 'candidates')."""
    if layer not in LAYERS:
        raise UnggulanError(f"layer must be one of {', '.join(LAYERS)}, not '{layer}'",
                            field="layer")
    if layer == "areas":
        a = ds.areas(level)
        attrs = ds.attributes(level) if ds.rasters else None
        out = a.reset_index(drop=True)
        if attrs is not None:
            out = out.merge(attrs, left_on="code", right_index=True, how="left")
        return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)
    if layer == "sentra":
        return ds.sentra().reset_index(drop=True)
    if layer == "suitability":
        s = ds.suitability(level, commodities=options.get("commodities"),
                           management=options.get("management", "rendah"))
        s = s.astype({c: object for c in s.columns if str(s[c].dtype) == "category"})
        geo = ds.areas(level)[["code", "name", "geometry"]].reset_index(drop=True)
        return gpd.GeoDataFrame(geo.merge(s, on="code"), geometry="geometry", crs=geo.crs)
    return ds.candidates(level, top=options.get("top", 3), weights=options.get("weights"),
                         wide=not options.get("long", False)).reset_index(drop=True)
