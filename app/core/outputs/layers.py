"""The exportable layers of a dataset, by name: one function serves the CLI, the API and
the Python API (``ds.layer`` / ``ds.export``).

Every layer carries its run metadata in ``attrs["unggulan"]`` (:meth:`unggulan.core.ranking.run.RunInfo.
to_dict` plus ``layer``, ``level`` and, for candidates, how ``stability`` was computed), which
:mod:`unggulan.io.exports` writes into each format. Options: ``scenario`` (a
:class:`~unggulan.core.scenario.Scenario`) or ``weights`` and ``top`` (the default scenario);
``long`` (candidates one row per area and rank); ``stability`` (default True: the candidates
get the per-area stability of their first candidate where the level is small enough, see
:func:`unggulan.core.ranking.run.area_stability`).
"""

from __future__ import annotations

import geopandas as gpd

from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.core.outputs.colours import run_palette

#: ``attrs`` key of the commodity colours a layer's QGIS style uses (as the io's key)
COLOURS_KEY = "unggulan_colours"
META_KEY = "unggulan"  # as unggulan.io.exports.META_KEY (core does not import io)

LAYERS = ("areas", "sentra", "suitability", "candidates", "statistics", "analysis", "zones")


def get_layer(ds, layer: str, level: str = "desa", area: str | None = None,
              **options) -> gpd.GeoDataFrame:
    """A GeoDataFrame of ``layer`` ('areas', 'sentra', 'suitability', 'candidates',
    'statistics', 'analysis', 'zones'; zones: option ``commodity``).

    ``area``: only the rows inside this area code (a desa, kecamatan, kabupaten or province,
    with or without dots).
    """
    if layer not in LAYERS:
        raise UnggulanError(f"layer must be one of {', '.join(LAYERS)}, not '{layer}'",
                            field="layer")
    sc = _scenario(options)
    options = {k: v for k, v in options.items() if k != "scenario"}
    out = _layer(ds, layer, level, scenario=sc, **options)
    out.attrs[META_KEY] = layer_metadata(ds, layer, level, sc, out)
    if layer in ("candidates", "zones"):
        # the QGIS style an export writes takes the colours of the web map and the brief
        out.attrs[COLOURS_KEY] = run_palette(ds, sc)
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
    elif layer == "zones":  # the zones with a member in the area
        keep = out["members"].str.split(";").map(lambda m: not codes.isdisjoint(m))
    else:
        keep = out["code"].isin(codes)
    attrs = dict(out.attrs)
    out = out[keep.to_numpy()].reset_index(drop=True)
    out.attrs.update(attrs)
    out.attrs[META_KEY] = {**attrs[META_KEY], "area": area}
    return out


def _scenario(options: dict):
    """The scenario of a layer: ``options["scenario"]``, or the default one of ``weights``
    and ``top`` (see :func:`unggulan.core.ranking.run.effective_scenario`)."""
    from unggulan.core.ranking.run import effective_scenario

    return effective_scenario(options.get("scenario"), options.get("weights"),
                              top=options.get("top", 3))


def layer_metadata(ds, layer: str, level: str, scenario, frame=None) -> dict:
    """The run metadata of a layer: :meth:`~unggulan.core.ranking.run.RunInfo.to_dict`, the layer and
    level, and for candidates how their ``stability`` column was made (or why not)."""
    from unggulan.core.ranking.run import run_info, stability_note

    meta = {"layer": layer, "level": level if layer not in ("sentra", "statistics") else None,
            **run_info(ds, scenario).to_dict()}
    if layer == "candidates":
        n = len(ds.areas(level))
        has = frame is not None and "stability" in frame.columns
        meta["stability"] = stability_note(n) if has or n > _max_areas() else \
            "not computed (stability=False)"
    if layer == "zones":
        from unggulan.core.ranking.zones import ZONE_DRAWS

        meta["stability"] = (f"per member: share of {ZONE_DRAWS} weight draws (the first of "
                             "the candidates' draws, same seed and spread) in which it stays "
                             "a member; zone: mean and minimum over its members"
                             if len(ds.areas(level)) <= _max_areas()
                             else "not computed (too many areas)")
    return {k: v for k, v in meta.items() if v is not None}


def _max_areas() -> int:
    from unggulan.core.ranking.run import STABILITY_MAX_AREAS

    return STABILITY_MAX_AREAS


def codes_within(ds, level: str, area: str) -> set[str]:
    """Codes of ``level`` that lie in ``area`` (the area itself or one of its parents)."""
    from unggulan.core.inputs.codes import clean_code

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


def _layer(ds, layer: str, level: str, scenario=None, **options) -> gpd.GeoDataFrame:
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
    if layer == "zones":
        return zones_layer(ds, level, scenario, commodity=options.get("commodity"))
    stats = scenario.statistics if scenario is not None else None
    if layer == "analysis":
        have = set(ds.statistics()["level"])
        measure = options.get("measure") or (stats.measure if stats else None) or "production"
        period = options.get("period") or (stats.period if stats else None)
        return analysis_layer(ds, options.get("method", "dlq"), measure, period,
                              level if level in have else None)
    if layer == "suitability":
        management = options.get("management") or (scenario.management if scenario else
                                                    "rendah")
        s = ds.suitability(level, commodities=options.get("commodities"),
                           management=management)
        s = s.astype({c: object for c in s.columns if str(s[c].dtype) == "category"})
        geo = ds.areas(level)[["code", "name", "geometry"]].reset_index(drop=True)
        return gpd.GeoDataFrame(geo.merge(s, on="code"), geometry="geometry", crs=geo.crs)
    return candidates_layer(ds, level, scenario, long=options.get("long", False),
                            stability=options.get("stability", True))


def candidates_layer(ds, level: str, scenario=None, *, long: bool = False,
                     stability: bool = True, partitions: int | None = None
                     ) -> gpd.GeoDataFrame:
    """The candidates of ``scenario`` (default: the default scenario), one feature per area
    (``top1..topN``) or with ``long`` one row per area and rank, with ``scenario`` and
    ``run_hash`` columns and, where computed, the area's ``stability`` (share of weight
    draws in which its first candidate stays first, 0-1; on the rank-1 rows when long),
    ``stability_challenger``, ``stability_tie`` / ``stability_tied_with`` and
    ``stability_label_id`` / ``_en`` ("stabil 94%", "seri dengan bayam" for a tie).
    ``partitions``: computed on Dask in that many spatial partitions (same result).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> c = candidates_layer(Dataset.open(), "kecamatan")
    >>> {"top1", "stability", "scenario", "run_hash"} <= set(c.columns)
    True
    """
    from unggulan.core.ranking.run import area_stability, default_scenario, run_info

    sc = scenario if scenario is not None else default_scenario()
    out = ds.candidates(level, wide=not long, scenario=sc,
                        partitions=partitions).reset_index(drop=True)
    st = area_stability(ds, level, sc) if stability else None
    if st is not None:
        cols = ["stability", "stability_challenger", "stability_tie", "stability_tied_with",
                "stability_label_id", "stability_label_en"]
        st = st.set_index("code")
        first = (out["rank"] == 1).to_numpy() if long else None
        for c in cols:
            values = out["code"].map(st[c])
            out[c] = values.where(first, None) if long else values
        out["stability"] = out["stability"].astype(float)
    info = run_info(ds, sc)
    out["scenario"] = info.scenario
    out["run_hash"] = info.run_hash
    return out


def zones_layer(ds, level: str, scenario=None, commodity: str | None = None
                ) -> gpd.GeoDataFrame:
    """The commodity zones (:meth:`unggulan.core.dataset.Dataset.zones`) of ``scenario``, one
    feature per zone, with ``scenario`` and ``run_hash`` columns.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> z = zones_layer(Dataset.open(), "desa")
    >>> {"zone_id", "members", "status", "run_hash"} <= set(z.columns)
    True
    """
    from unggulan.core.ranking.run import default_scenario, run_info

    sc = scenario if scenario is not None else default_scenario()
    out = ds.zones(level, commodity, scenario=sc)
    info = run_info(ds, sc)
    out["scenario"] = info.scenario
    out["run_hash"] = info.run_hash
    return out


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
