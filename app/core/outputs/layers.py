"""The exportable layers of a dataset, by name: :meth:`unggulan.core.dataset.Dataset.layer`
serves the CLI, the API and the Python API (``ds.layer`` / ``ds.export``); the functions
here make each layer from the frames the dataset gives them.

Every layer carries its run metadata in ``attrs["unggulan"]`` (:func:`layer_metadata`:
:meth:`unggulan.core.ranking.run.RunInfo.to_dict` plus ``layer``, ``level`` and, for
candidates, how ``stability`` was computed), which :mod:`unggulan.io.exports` writes into each
format. Options of ``ds.layer``: ``scenario`` (a :class:`~unggulan.core.scenario.Scenario`) or
``weights`` and ``top`` (the default scenario); ``long`` (candidates one row per area and
rank); ``stability`` (default True: the candidates get the per-area stability of their first
candidate where the level is small enough, see :func:`unggulan.core.ranking.run.area_stability`).

>>> "zones" in LAYERS
True
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from unggulan.base.errors import UnknownArea
from unggulan.core.inputs.codes import clean_code
from unggulan.core.ranking import run
from unggulan.core.ranking.run import RunInfo, stability_note
from unggulan.core.ranking.zones import ZONE_DRAWS

#: ``attrs`` key of the commodity colours a layer's QGIS style uses (as the io's key)
COLOURS_KEY = "unggulan_colours"
META_KEY = "unggulan"  # as unggulan.io.exports.META_KEY (core does not import io)

LAYERS = ("areas", "sentra", "suitability", "candidates", "statistics", "analysis", "zones")
#: the stability columns :func:`candidates_layer` adds
STABILITY_COLUMNS = ("stability", "stability_challenger", "stability_tie",
                     "stability_tied_with", "stability_label_id", "stability_label_en")


def layer_metadata(layer: str, level: str, info: RunInfo, *, n_areas: int | None = None,
                   has_stability: bool = False) -> dict:
    """The run metadata of a layer: ``info`` (:meth:`~unggulan.core.ranking.run.RunInfo.to_dict`),
    the layer and level, and for candidates how their ``stability`` column was made (or why
    not; ``has_stability``: the frame has that column), for zones how their members'
    stability was. ``n_areas``: the areas of ``level`` (candidates and zones).

    Examples
    --------
    >>> info = RunInfo("Uji", "a" * 64, "b" * 64, "0.1.0", "c" * 16, "topsis", {}, 3, "X")
    >>> m = layer_metadata("candidates", "desa", info, n_areas=10)
    >>> m["layer"], m["level"], m["run_hash"], m["stability"]
    ('candidates', 'desa', 'cccccccccccccccc', 'not computed (stability=False)')
    >>> "level" in layer_metadata("sentra", "desa", info)
    False
    """
    most = run.STABILITY_MAX_AREAS  # the module's value, read now: a test may change it
    meta = {"layer": layer, "level": level if layer not in ("sentra", "statistics") else None,
            **info.to_dict()}
    if layer == "candidates":
        meta["stability"] = stability_note(n_areas) \
            if has_stability or n_areas > most \
            else "not computed (stability=False)"
    if layer == "zones":
        meta["stability"] = (f"per member: share of {ZONE_DRAWS} weight draws (the first of "
                             "the candidates' draws, same seed and spread) in which it stays "
                             "a member; zone: mean and minimum over its members"
                             if n_areas <= most
                             else "not computed (too many areas)")
    return {k: v for k, v in meta.items() if v is not None}


def codes_within(areas: pd.DataFrame, area: str, level: str) -> set[str]:
    """Codes of ``areas`` (the areas of ``level``) that lie in ``area`` (the area itself or
    one of its parents, with or without dots).

    Examples
    --------
    >>> a = pd.DataFrame({"code": ["99.01.01.1001", "99.01.02.1001"],
    ...                   "parent_code": ["99.01.01", "99.01.02"]})
    >>> codes_within(a, "990101", "desa")
    {'99.01.01.1001'}
    """
    wanted = clean_code(area) or str(area)
    hit = set()
    for col in ("code", "parent_code", "kecamatan_code", "kabupaten_code", "province_code"):
        if col in areas:
            cleaned = areas[col].map(lambda c: clean_code(c) if isinstance(c, str) else None)
            hit |= set(areas.loc[(cleaned == wanted).to_numpy(), "code"])
    if not hit:
        raise UnknownArea(f"no {level} in area '{area}'", field="area")
    return hit


def within_area(frame: gpd.GeoDataFrame, layer: str, level: str, area: str,
                areas: Mapping[str, pd.DataFrame]) -> gpd.GeoDataFrame:
    """The rows of ``frame`` (a layer of :data:`LAYERS`) inside ``area`` (a desa, kecamatan,
    kabupaten or province code, with or without dots), its ``attrs`` kept with ``area``
    added to the metadata. ``areas``: the dataset's areas by level (``level`` among them).
    Statistics: the rows of the areas of any level inside; sentra: those placed in a desa
    inside; zones: those with a member inside.
    """
    codes = codes_within(areas[level], area, level)
    out = frame
    if layer == "statistics":
        inside = codes | {area}
        for lv, a in areas.items():
            if lv != level:
                try:
                    inside |= codes_within(a, area, lv)
                except UnknownArea:
                    pass
        keep = out["code"].isin(inside)
    elif layer == "sentra":
        keep = out["desa_code"].isin(codes_within(areas["desa"], area, "desa")) \
            if "desa" in areas else out["kecamatan_code"].isin(codes)
    elif layer == "zones":  # the zones with a member in the area
        keep = out["members"].str.split(";").map(lambda m: not codes.isdisjoint(m))
    else:
        keep = out["code"].isin(codes)
    attrs = dict(out.attrs)
    out = out[keep.to_numpy()].reset_index(drop=True)
    out.attrs.update(attrs)
    out.attrs[META_KEY] = {**attrs[META_KEY], "area": area}
    return out


def areas_layer(areas: gpd.GeoDataFrame, attributes: pd.DataFrame | None = None
                ) -> gpd.GeoDataFrame:
    """The areas of a level, one feature each, with their agro-ecological ``attributes``
    (indexed by code; None without rasters)."""
    out = areas.reset_index(drop=True)
    if attributes is not None:
        out = out.merge(attributes, left_on="code", right_index=True, how="left")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=areas.crs)


def suitability_layer(areas: gpd.GeoDataFrame, suitability: pd.DataFrame
                      ) -> gpd.GeoDataFrame:
    """The land ``suitability`` (long, one row per area and commodity) with each area's
    ``name`` and polygon from ``areas``."""
    s = suitability.astype({c: object for c in suitability.columns
                            if str(suitability[c].dtype) == "category"})
    geo = areas[["code", "name", "geometry"]].reset_index(drop=True)
    return gpd.GeoDataFrame(geo.merge(s, on="code"), geometry="geometry", crs=geo.crs)


def candidates_layer(candidates: pd.DataFrame, info: RunInfo,
                     stability: pd.DataFrame | None = None, *, long: bool = False
                     ) -> gpd.GeoDataFrame:
    """The ``candidates`` of one run (wide: one feature per area, ``top1..topN``; with
    ``long`` one row per area and rank) with ``scenario`` and ``run_hash`` columns of
    ``info`` and, given the run's per-area ``stability``
    (:func:`unggulan.core.ranking.run.area_stability`), the area's ``stability`` (share of
    weight draws in which its first candidate stays first, 0-1; on the rank-1 rows when
    long), ``stability_challenger``, ``stability_tie`` / ``stability_tied_with`` and
    ``stability_label_id`` / ``_en`` ("stabil 94%", "seri dengan bayam" for a tie).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> c = candidates_layer(ds.candidates("kecamatan", wide=True), ds.run_info())
    >>> {"top1", "scenario", "run_hash"} <= set(c.columns)
    True
    """
    out = candidates.reset_index(drop=True)
    if stability is not None:
        st = stability.set_index("code")
        first = (out["rank"] == 1).to_numpy() if long else None
        for c in STABILITY_COLUMNS:
            values = out["code"].map(st[c])
            out[c] = values.where(first, None) if long else values
        out["stability"] = out["stability"].astype(float)
    out["scenario"] = info.scenario
    out["run_hash"] = info.run_hash
    return out


def zones_layer(zones: gpd.GeoDataFrame, info: RunInfo) -> gpd.GeoDataFrame:
    """The commodity ``zones`` of one run (:meth:`unggulan.core.dataset.Dataset.zones`), one
    feature per zone, with ``scenario`` and ``run_hash`` columns of ``info``.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> z = zones_layer(ds.zones("desa"), ds.run_info())
    >>> {"zone_id", "members", "status", "run_hash"} <= set(z.columns)
    True
    """
    out = zones.copy()
    out["scenario"] = info.scenario
    out["run_hash"] = info.run_hash
    return out


def statistics_layer(statistics: pd.DataFrame, areas: Mapping[str, gpd.GeoDataFrame]
                     ) -> gpd.GeoDataFrame:
    """The ``statistics``, long, with each row's area polygon from ``areas`` (the areas by
    level, indexed by code; none for reference regions)."""
    st = statistics.reset_index(drop=True)
    geom = gpd.GeoSeries([None] * len(st), crs="EPSG:4326")
    for lv, a in areas.items():
        sel = (st["level"] == lv).to_numpy()
        if sel.any():
            geom[sel] = a.geometry.reindex(st.loc[sel, "code"]).to_numpy()
    st["year"] = st["year"].astype("float").astype("Int64")
    return gpd.GeoDataFrame(st, geometry=geom.values, crs="EPSG:4326")


def analysis_layer(result: pd.DataFrame, level: str | None,
                   areas: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """A planning method's ``result`` (:meth:`unggulan.core.dataset.Dataset.analysis` at
    ``level``) with each area's polygon from ``areas`` (the areas by level, indexed by code);
    methods per commodity only, such as localisation, have none."""
    lv = result["level"].iat[0] if len(result) else level
    geom = None
    if "code" in result and lv in areas:
        geom = areas[lv].geometry.reindex(result["code"]).to_numpy()
    return gpd.GeoDataFrame(result, geometry=geom, crs="EPSG:4326")
