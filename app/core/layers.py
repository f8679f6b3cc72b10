"""The exportable layers of a dataset, by name: one function serves the CLI, the API and
the Python API (``ds.layer`` / ``ds.export``)."""

from __future__ import annotations

import geopandas as gpd

from app.base.errors import UnggulanError, UnknownArea

LAYERS = ("areas", "sentra", "suitability", "candidates", "statistics", "analysis")


def get_layer(ds, layer: str, level: str = "desa", area: str | None = None,
              **options) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``layer`` ('areas', 'sentra', 'suitability', 'candidates').

    ``area``: only the rows inside this area code (a desa, kecamatan, kabupaten or province,
    with or without dots).
    """
    if layer not in LAYERS:
        raise UnggulanError(f"layer must be one of {', '.join(LAYERS)}, not '{layer}'",
                            field="layer")
    out = _layer(ds, layer, level, **options)
    if area is None:
        return out
    codes = codes_within(ds, level, area)
    if layer == "statistics":
        inside = codes_within(ds, level, area) | {area}
        for lv in ds.levels:
            if lv != level:
                try:
                    inside |= codes_within(ds, lv, area)
                except UnknownArea:
                    pass
        keep = out["code"].isin(inside)
    elif layer == "sentra":
        keep = out["desa_code"].isin(codes_within(ds, "desa", area)) if "desa" in ds.levels \
            else out["kecamatan_code"].isin(codes)
    else:
        keep = out["code"].isin(codes)
    return out[keep.to_numpy()].reset_index(drop=True)


def codes_within(ds, level: str, area: str) -> set[str]:
    """Codes of ``level`` that lie in ``area`` (the area itself or one of its parents)."""
    from app.core.codes import clean_code

    a = ds.areas(level)
    wanted = clean_code(area) or str(area)
    hit = set()
    for col in ("code", "parent_code", "kecamatan_code", "kabupaten_code", "province_code"):
        if col in a:
            cleaned = a[col].map(lambda c: clean_code(c) if isinstance(c, str) else None)
            hit |= set(a.loc[(cleaned == wanted).to_numpy(), "code"])
    if not hit:
        raise UnknownArea(f"no {level} in area '{area}'", field="area")
    return hit


def _layer(ds, layer: str, level: str, **options) -> gpd.GeoDataFrame:
    if layer == "areas":
        a = ds.areas(level)
        attrs = ds.attributes(level) if ds.rasters else None
        out = a.reset_index(drop=True)
        if attrs is not None:
            out = out.merge(attrs, left_on="code", right_index=True, how="left")
        return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)
    if layer == "sentra":
        return ds.sentra().reset_index(drop=True)
    if layer == "statistics":
        return statistics_layer(ds)
    if layer == "analysis":
        have = set(ds.statistics()["level"])
        return analysis_layer(ds, options.get("method", "dlq"), options.get("measure",
                              "production"), options.get("period"),
                              level if level in have else None)
    if layer == "suitability":
        s = ds.suitability(level, commodities=options.get("commodities"),
                           management=options.get("management", "rendah"))
        s = s.astype({c: object for c in s.columns if str(s[c].dtype) == "category"})
        geo = ds.areas(level)[["code", "name", "geometry"]].reset_index(drop=True)
        return gpd.GeoDataFrame(geo.merge(s, on="code"), geometry="geometry", crs=geo.crs)
    return ds.candidates(level, top=options.get("top", 3), weights=options.get("weights"),
                         wide=not options.get("long", False)).reset_index(drop=True)


def statistics_layer(ds) -> gpd.GeoDataFrame:
    """The statistics, long, with each row's area polygon (none for reference regions)."""
    st = ds.statistics().reset_index(drop=True)
    geom = gpd.GeoSeries([None] * len(st), crs="EPSG:4326")
    for lv in ds.levels:
        sel = (st["level"] == lv).to_numpy()
        if sel.any():
            geom[sel] = ds.areas(lv).geometry.reindex(st.loc[sel, "code"]).to_numpy()
    st["year"] = st["year"].astype("float").astype("Int64")
    return gpd.GeoDataFrame(st, geometry=geom.values, crs="EPSG:4326")


def analysis_layer(ds, method: str, measure: str, period, level: str | None
                   ) -> gpd.GeoDataFrame:
    """A planning method's result with each area's polygon (methods per commodity only,
    such as localisation, have none)."""
    res = ds.analysis(method, measure=measure, period=period, level=level)
    lv = res["level"].iat[0] if len(res) else level
    geom = None
    if "code" in res and lv in ds.levels:
        geom = ds.areas(lv).geometry.reindex(res["code"]).to_numpy()
    return gpd.GeoDataFrame(res, geometry=geom, crs="EPSG:4326")
