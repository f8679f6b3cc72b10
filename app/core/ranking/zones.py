"""Commodity zones (kawasan komoditas unggulan): contiguous areas that together grow one
flagship commodity, with the centre and the farmers' organisations that can run them.

The Ministry of Agriculture asks kabupaten to delineate a *kawasan* per commodity (Permentan
50/2012, replaced by 56/2016 and 18/2018 "Kawasan Pertanian Berbasis Korporasi Petani"); see
the README section "Kawasan komoditas unggulan" for what those guidelines say and which numbers
here are the project's own choice.

Rule (:func:`zone_members`): an area is a **member** of commodity *c*'s zones when

1. *c* is among the area's ``top`` candidates (``rank <= top``), **or** the area lies in *c*'s
   Gi* hot spot (``cluster == "hot spot"``) and *c* is among its ``hot_spot_top`` candidates
   (the candidates are asked with ``max(top, hot_spot_top)`` ranks so that hot spots beyond
   ``top`` are seen; ``hot_spots = false`` turns this off); **and**
2. its land is at least marginally suitable: ``potential_class`` (else ``suitability_class``)
   is S1, S2 or S3. An area whose land was not assessed for *c* (no rasters in the dataset,
   or a commodity without land requirements: crafts, processed food, most livestock) is
   allowed, and the reason says "lahan belum dinilai / land not assessed"; class N excludes.

A **zone** is a connected set of members in the neighbour graph (:func:`zone_graph`): queen
contiguity (:func:`unggulan.core.activity.clusters.contiguity`, shared boundary vertices) plus, as a
tolerance for slivers, small gaps and islands, an edge between any two areas within ``gap_m``
metres (distance between polygons in the equal-area CRS EPSG:6933, shapely STRtree
``dwithin``). A zone with fewer than ``min_areas`` members or less than ``min_ha`` hectares is
kept as an **embryo** (``status = "embrio"``), else ``status = "kawasan"``. One area may belong
to zones of several commodities.

Per zone: members (codes and names), area and suitable land (ha per class, the class shares of
:meth:`unggulan.core.dataset.Dataset.suitability` times the member's area), production from the
statistics **of the level itself** (a desa's figure inherited from its kecamatan is never
summed), sentra and workers inside, the share of the kabupaten's production or workers, the
centre (the sentra with the most workers, else the member with the most production or workers,
else the member containing the zone's representative point; ``centre_basis`` says which), the
organisations named inside (:func:`organisations_in`), a reason in Bahasa Indonesia and
English, and the zone's geometry (the union of its members).

:func:`member_stability`: the share of the scenario's weight draws (as
:func:`unggulan.core.ranking.stability.sensitivity` draws them) in which each member still satisfies
the rule; the land and the hot spot do not depend on the weights, only the rank does.

All functions here take frames, never a dataset (:meth:`Dataset.zones` gathers them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from unggulan.core.activity.clusters import contiguity as queen
from unggulan.core.activity.evidence import measure_data
from unggulan.core.ranking.mcda import prepare, scores
from unggulan.core.ranking.stability import TIEBREAK, first_keys, tier_keys

#: land classes that admit an area
LAND_OK = ("S1", "S2", "S3")
#: weight draws of the members' stability: the first 50 of the candidates' 200 (same seed and
#: spread); bounded so that a kabupaten's zones stay under a second
ZONE_DRAWS = 50
#: the metric CRS of the gap tolerance (as unggulan.core.inputs.boundaries.AREA_CRS)
METRIC_CRS = "EPSG:6933"
#: words naming a farmers' or village organisation in a sentra's text fields
ORGANISATION_WORDS = re.compile(
    r"\b(koperasi|kud|kop\.|gapoktan|poktan|kelompok\s+tani|kelompok\s+wanita\s+tani|kwt|"
    r"bumdes|bum\s+desa|bumdesa|kub|lmdh)\b", re.IGNORECASE)
#: sentra columns read for organisation names
SENTRA_TEXT = ("sentra_name", "note", "organisation", "organisasi", "kelembagaan", "lembaga")
#: zone columns, in order
COLUMNS = [
    "zone_id", "commodity", "commodity_name_id", "commodity_name_en", "family", "level",
    "status", "n_members", "members", "member_names", "area_ha", "suitable_s1_ha",
    "suitable_s2_ha", "suitable_s3_ha", "land_assessed", "production", "production_unit",
    "production_measure", "production_share", "sentra", "workers", "workers_share",
    "centre_name", "centre_code", "centre_basis", "centre_lon", "centre_lat", "organisations",
    "stability", "stability_min", "reason_id", "reason_en", "geometry",
]


@dataclass(frozen=True)
class ZoneRule:
    """Thresholds of one commodity's zones (see the module docstring)."""

    top: int = 3
    hot_spots: bool = True
    hot_spot_top: int = 10
    gap_m: float = 500.0
    min_areas: int = 3
    min_ha: float = 0.0


# ---------------------------------------------------------------------- graph
def zone_graph(areas: gpd.GeoDataFrame, gap_m: float, contiguity=None) -> sparse.csr_matrix:
    """The neighbour graph of ``areas`` (rows in their order): queen contiguity plus an edge
    between areas at most ``gap_m`` metres apart (EPSG:6933).

    ``contiguity``: a :class:`unggulan.core.activity.clusters.Contiguity` already made for
    ``areas``.

    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, .01, .01), box(.01, 0, .02, .01),
    ...                                box(.0205, 0, .03, .01)], crs=4326)
    >>> int(zone_graph(g, 0)[1, 2]), int(zone_graph(g, 100)[1, 2])  # a 55 m gap
    (0, 1)
    """
    w = (contiguity if contiguity is not None else queen(areas)).sparse
    m = sparse.csr_matrix(w, dtype=np.int8, copy=True)
    if gap_m > 0 and len(areas) > 1:
        geoms = np.asarray(areas.to_crs(METRIC_CRS).geometry.values, dtype=object)
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms, predicate="dwithin", distance=float(gap_m))
        keep = a != b
        extra = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.int8),
                                   (a[keep], b[keep])), shape=m.shape)
        m = ((m + extra + extra.T) > 0).astype(np.int8)
    m.setdiag(0)
    m.eliminate_zeros()
    return m.tocsr()


def components(graph: sparse.csr_matrix, members: np.ndarray) -> np.ndarray:
    """Component label (0..k-1) of each of ``members`` (row positions) in the graph
    restricted to them."""
    if not len(members):
        return np.zeros(0, dtype=np.int64)
    sub = graph[members][:, members]
    _, labels = csgraph.connected_components(sub, directed=False)
    return labels.astype(np.int64)


# ---------------------------------------------------------------------- members
def land_class(cand: pd.DataFrame) -> pd.Series:
    """``potential_class``, else ``suitability_class`` (object; None where not assessed)."""
    pc = cand["potential_class"].astype(object) if "potential_class" in cand else None
    sc = cand["suitability_class"].astype(object) if "suitability_class" in cand else None
    if pc is None and sc is None:
        return pd.Series(None, index=cand.index, dtype=object)
    if pc is None:
        return sc.where(sc.notna(), None)
    out = pc.where(pc.notna(), sc) if sc is not None else pc
    return out.where(out.notna(), None)


def zone_members(cand: pd.DataFrame, rules: Mapping[str, ZoneRule] | ZoneRule,
                 commodity: str | None = None) -> pd.DataFrame:
    """The (area, commodity) pairs satisfying the rule, one row each: ``code, commodity,
    rank, by_top, by_hot_spot, land_class, land_assessed`` (plus the candidate columns
    ``sentra, workers`` when present).

    ``cand``: candidates, long (``code, commodity, rank, cluster, potential_class,
    suitability_class``), ranked at least ``max(top, hot_spot_top)`` deep.

    >>> c = pd.DataFrame({"code": ["a", "a", "b"], "commodity": ["x", "y", "x"],
    ...                   "rank": [1, 5, 4], "cluster": [None, None, "hot spot"],
    ...                   "potential_class": ["S2", "S1", None]})
    >>> zone_members(c, ZoneRule(top=3))[["code", "by_top", "by_hot_spot"]].values.tolist()
    [['a', True, False], ['b', False, True]]
    """
    c = cand if commodity is None else cand[cand["commodity"] == commodity]
    n = len(c)
    com = c["commodity"].astype(str).to_numpy(object)
    if isinstance(rules, ZoneRule):
        top = np.full(n, rules.top)
        hot_top = np.full(n, rules.hot_spot_top if rules.hot_spots else 0)
    else:
        default = rules.get("*", ZoneRule())
        got = [rules.get(x, default) for x in pd.unique(com)]
        by = dict(zip(pd.unique(com), got))
        top = np.array([by[x].top for x in com], dtype=np.int64)
        hot_top = np.array([by[x].hot_spot_top if by[x].hot_spots else 0 for x in com],
                           dtype=np.int64)
    rank = c["rank"].to_numpy(np.int64)
    hot = (c["cluster"].astype(object) == "hot spot").to_numpy(bool) if "cluster" in c \
        else np.zeros(n, bool)
    by_top = rank <= top
    by_hot = hot & (rank <= hot_top) & ~by_top
    land = land_class(c)
    assessed = land.notna().to_numpy(bool)
    land_ok = ~assessed | land.isin(LAND_OK).to_numpy(bool)
    keep = (by_top | by_hot) & land_ok
    out = pd.DataFrame({
        "code": c["code"].astype(str).to_numpy(object)[keep],
        "commodity": com[keep],
        "rank": rank[keep],
        "by_top": by_top[keep],
        "by_hot_spot": by_hot[keep] | (hot[keep] & by_top[keep]),
        "land_class": land.to_numpy(object)[keep],
        "land_assessed": assessed[keep],
    })
    for col in ("sentra", "workers"):
        if col in c:
            out[col] = np.nan_to_num(c[col].to_numpy(float)[keep])
    # an area ranked twice for a commodity (never in propose's output): keep the best rank
    out = out.sort_values(["commodity", "code", "rank"], kind="stable")
    return out.drop_duplicates(["commodity", "code"]).reset_index(drop=True)


# ---------------------------------------------------------------------- organisations
def organisation_names(text: object) -> list[str]:
    """Organisation names a text mentions: the phrase from the organisation word to the end
    of its clause ("Sentra Kopi Gapoktan Sipakainge" -> "Gapoktan Sipakainge").

    >>> organisation_names("Sentra Kopi, dikelola Koperasi Tani Makmur; pasar lokal")
    ['Koperasi Tani Makmur']
    >>> organisation_names("Sentra Jagung")
    []
    """
    if not isinstance(text, str) or not text:
        return []
    out = []
    for m in ORGANISATION_WORDS.finditer(text):
        rest = re.split(r"[,;()/|\n]", text[m.start():], maxsplit=1)[0]
        name = " ".join(rest.split()[:5]).strip(" .-")
        if name and name not in out:
            out.append(name)
    return out


def organisations_in(sentra: pd.DataFrame | None, organisations: pd.DataFrame | None,
                     area_col: str) -> pd.DataFrame:
    """Organisations per area: ``code, name, kind, source`` from the sentra's text fields
    (:data:`SENTRA_TEXT`) and from a placed organisations table (``code`` of the level,
    ``name``, ``kind``)."""
    rows = []
    if sentra is not None and len(sentra) and area_col in sentra:
        cols = [c for c in SENTRA_TEXT if c in sentra.columns]
        for col in cols:
            text_col = sentra[col].astype(object).where(sentra[col].notna(), "").astype(str)
            hit = np.array([ORGANISATION_WORDS.search(t) is not None  # few rows match
                            for t in text_col.to_numpy(object)], dtype=bool)
            codes = sentra[area_col].to_numpy(object)[hit]
            for code, text in zip(codes, text_col.to_numpy(object)[hit]):
                if not isinstance(code, str):
                    continue
                for name in organisation_names(text):
                    kind = ORGANISATION_WORDS.search(name).group(1).lower().rstrip(".")
                    rows.append((code, name, _KIND.get(kind, kind), f"sentra:{col}"))
    if organisations is not None and len(organisations) and "code" in organisations:
        o = organisations[organisations["code"].notna()]
        for code, name, kind in zip(o["code"], o["name"], o.get("kind", [None] * len(o))):
            rows.append((str(code), str(name), kind if isinstance(kind, str) else None,
                         "organisasi"))
    out = pd.DataFrame(rows, columns=["code", "name", "kind", "source"])
    return out.drop_duplicates(["code", "name"]).reset_index(drop=True)


_KIND = {"kop": "koperasi", "kelompok tani": "poktan", "kelompok wanita tani": "kwt",
         "bum desa": "bumdes", "bumdesa": "bumdes"}


# ---------------------------------------------------------------------- zones
def draw_zones(
    areas: gpd.GeoDataFrame, cand: pd.DataFrame, rules: Mapping[str, ZoneRule],
    *, level: str = "desa", graphs: Mapping[float, sparse.csr_matrix] | None = None,
    suitability: pd.DataFrame | None = None, statistics: pd.DataFrame | None = None,
    sentra: pd.DataFrame | None = None, organisations: pd.DataFrame | None = None,
    names: pd.DataFrame | None = None, families: Mapping[str, str] | None = None,
    commodity: str | None = None, stability: pd.DataFrame | None = None,
    rasters: bool = True,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The zones of every commodity (or of ``commodity``) and their members.

    Parameters
    ----------
    areas
        The level's polygons indexed by code, with ``name``, ``area_ha``,
        ``kabupaten_code``.
    cand
        Candidates, long (see :func:`zone_members`).
    rules
        :class:`ZoneRule` per commodity id (``"*"``: the default).
    graphs
        Neighbour graphs (:func:`zone_graph`) by ``gap_m``; made when missing.
    suitability
        ``code, commodity, share_s1, share_s2, share_s3``.
    statistics
        Statistics evidence of this level: ``code, commodity, stat_value, stat_unit,
        stat_measure, stat_level``; rows whose ``stat_level`` is another level are left out.
    sentra
        Placed sentra: ``commodity_id``, the level's area column (``desa_code`` or
        ``kecamatan_code``), ``workers``, ``sentra_name``, geometry.
    organisations
        :func:`organisations_in` of the level.
    names
        Commodity names: ``name_id``, ``name_en`` indexed by id.
    families
        Commodity family by id (shown; the rules are already per commodity).
    stability
        :func:`member_stability` (``code, commodity, stability``).
    rasters
        Whether the dataset has rasters (says why land was not assessed).

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The zones (:data:`COLUMNS`, EPSG:4326) and the members (``zone_id, code, name,
        commodity, rank, by_top, by_hot_spot, land_class, land_assessed, area_ha,
        production, workers, sentra, stability``).
    """
    codes = pd.Index(areas.index.astype(str))
    pos_of = pd.Series(np.arange(len(codes)), index=codes)
    area_ha = areas["area_ha"].to_numpy(float)
    kab = areas["kabupaten_code"].astype(str).to_numpy(object) if "kabupaten_code" in areas \
        else np.full(len(areas), "", dtype=object)
    mem = zone_members(cand, rules, commodity)
    mem = mem[mem["code"].isin(codes)].reset_index(drop=True)
    mem["pos"] = pos_of.reindex(mem["code"]).to_numpy(np.int64)
    graphs = dict(graphs or {})
    default = rules.get("*", ZoneRule())

    # production of the level's own statistics, per (code, commodity)
    prod = _own_statistics(statistics, level)
    area_col = "desa_code" if level == "desa" else "kecamatan_code"
    s = sentra if sentra is not None and len(sentra) and area_col in sentra else None
    if s is not None:
        s = s[s[area_col].notna() & s["commodity_id"].notna()]
    # kabupaten totals (the share's denominator): production and workers per commodity
    kab_s = pd.Series(kab, index=codes)
    prod_tot = (prod.assign(kab=prod["code"].map(kab_s))
                .groupby(["kab", "commodity"])["stat_value"].sum()) if len(prod) else None
    work_tot = None
    if s is not None:
        w = s.assign(kab=s[area_col].map(kab_s), w=pd.to_numeric(s["workers"], errors="coerce"))
        work_tot = w.groupby(["kab", "commodity_id"])["w"].sum()

    # zone labels, per commodity
    zid = np.full(len(mem), -1, dtype=np.int64)
    next_id = 0
    for com, rows in mem.groupby("commodity", sort=True).indices.items():
        rule = rules.get(com, default)
        g = graphs.get(rule.gap_m)
        if g is None:
            g = graphs[rule.gap_m] = zone_graph(areas, rule.gap_m)
        lab = components(g, mem["pos"].to_numpy()[rows])
        # zones numbered by their first member's code: stable for the same inputs
        first = pd.Series(mem["code"].to_numpy()[rows]).groupby(lab).min()
        order = {k: i for i, k in enumerate(first.sort_values(kind="stable").index)}
        zid[rows] = next_id + np.array([order[x] for x in lab], dtype=np.int64)
        next_id += len(order)
    mem["zone"] = zid
    mem["name"] = areas["name"].to_numpy(object)[mem["pos"].to_numpy()] if len(mem) else []
    mem["area_ha"] = area_ha[mem["pos"].to_numpy()] if len(mem) else []
    key = pd.MultiIndex.from_arrays([mem["code"], mem["commodity"]])
    if len(prod):
        p = prod.set_index(["code", "commodity"])
        p = p[~p.index.duplicated()]
        mem["production"] = p["stat_value"].reindex(key).to_numpy(float)
        mem["production_unit"] = p["stat_unit"].reindex(key).to_numpy(object)
        mem["production_measure"] = p["stat_measure"].reindex(key).to_numpy(object)
    else:
        mem["production"] = np.nan
        mem["production_unit"] = None
        mem["production_measure"] = None
    if s is not None:
        sg = s.assign(w=pd.to_numeric(s["workers"], errors="coerce")).groupby(
            [area_col, "commodity_id"])
        mem["sentra"] = sg.size().reindex(key).fillna(0).to_numpy(float)
        mem["workers"] = sg["w"].sum().reindex(key).fillna(0).to_numpy(float)
    else:
        mem["sentra"] = 0.0
        mem["workers"] = 0.0
    if suitability is not None and len(suitability):
        # the member pairs only (a national suitability frame has millions of rows)
        su = suitability[suitability["code"].isin(set(mem["code"])).to_numpy()
                         & suitability["commodity"].isin(set(mem["commodity"])).to_numpy()]
        su = su.assign(code=su["code"].astype(str), commodity=su["commodity"].astype(str))
        su = su.drop_duplicates(["code", "commodity"]).set_index(["code", "commodity"])
        for k in ("s1", "s2", "s3"):
            col = f"share_{k}"
            share = su[col].reindex(key).to_numpy(float) if col in su else np.full(len(mem),
                                                                                   np.nan)
            mem[f"{k}_ha"] = share * mem["area_ha"].to_numpy(float)
    else:
        for k in ("s1", "s2", "s3"):
            mem[f"{k}_ha"] = np.nan
    if stability is not None and len(stability):
        st = stability.set_index(["code", "commodity"])["stability"]
        st = st[~st.index.duplicated()]
        mem["stability"] = st.reindex(key).to_numpy(float)
    else:
        mem["stability"] = np.nan

    orgs = organisations if organisations is not None else pd.DataFrame(
        columns=["code", "name", "kind", "source"])
    geoms = np.asarray(areas.geometry.values, dtype=object)
    name_id = names["name_id"].to_dict() if names is not None else {}
    name_en = names["name_en"].to_dict() if names is not None else {}
    fam = dict(families or {})
    if not len(mem):
        empty = gpd.GeoDataFrame(pd.DataFrame(columns=COLUMNS), geometry="geometry",
                                 crs=areas.crs)
        return empty, mem.assign(zone_id=pd.Series(dtype=object))[
            ["zone_id", "code", "name", "commodity", "rank", "by_top", "by_hot_spot",
             "land_class", "land_assessed", "area_ha", "production", "workers", "sentra",
             "stability"]]

    # one row per zone, by vectorised group sums (a national run has tens of thousands)
    mem = mem.sort_values(["zone", "code"], kind="stable").reset_index(drop=True)
    g = mem.groupby("zone", sort=True)
    z = pd.DataFrame({
        "commodity": g["commodity"].first(),
        "n_members": g.size(),
        "members": g["code"].agg(";".join),
        "member_names": g["name"].agg(lambda x: ";".join(map(str, x))),
        "area_ha": g["area_ha"].sum(),
        "land_assessed": g["land_assessed"].any(),
        "all_assessed": g["land_assessed"].all(),
        "production": g["production"].sum(min_count=1),
        "production_unit": g["production_unit"].first(),
        "production_measure": g["production_measure"].first(),
        "sentra": g["sentra"].sum().astype(int),
        "workers": g["workers"].sum(),
        "stability": g["stability"].mean().round(3),
        "stability_min": g["stability"].min().round(3),
        "n_top": g["by_top"].sum(),
        "n_hot": (~mem["by_top"] & mem["by_hot_spot"]).groupby(mem["zone"]).sum(),
        "kab": g["pos"].first().map(lambda i: kab[i]),
    })
    for k in ("s1", "s2", "s3"):
        z[f"suitable_{k}_ha"] = g[f"{k}_ha"].sum(min_count=1).round(1)
    rule_of = {c: rules.get(c, default) for c in pd.unique(z["commodity"])}
    min_areas = z["commodity"].map({c: r.min_areas for c, r in rule_of.items()})
    min_ha = z["commodity"].map({c: r.min_ha for c, r in rule_of.items()})
    z["status"] = np.where((z["n_members"] >= min_areas) & (z["area_ha"] >= min_ha),
                           "kawasan", "embrio")
    # shares of the kabupaten's totals (a zone across a border: its first member's kabupaten
    # and every other kabupaten it touches)
    kabs_of = mem.assign(kab=kab[mem["pos"].to_numpy()]).groupby("zone")["kab"].agg(
        lambda x: sorted(set(x)))

    def share(values: pd.Series, totals) -> np.ndarray:
        if totals is None:
            return np.full(len(z), np.nan)
        tot = totals.to_dict()
        den = np.array([sum(float(tot.get((k, c), 0.0)) for k in ks)
                        for ks, c in zip(kabs_of.reindex(z.index), z["commodity"])])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, values.to_numpy(float) / den, np.nan)

    z["production_share"] = share(z["production"], prod_tot)
    z["workers_share"] = np.where(z["workers"] > 0, share(z["workers"], work_tot), np.nan)
    # organisations named in the members
    if len(orgs):
        om = mem[["zone", "code"]].merge(orgs[["code", "name"]], on="code")
        om = om.drop_duplicates(["zone", "name"])
        z["organisations"] = om.groupby("zone")["name"].agg("; ".join).reindex(z.index)
    else:
        z["organisations"] = None
    z["organisations"] = z["organisations"].astype(object).where(z["organisations"].notna(),
                                                                 None)
    # geometry: the union of the members (a single member is its own polygon)
    starts = np.r_[0, np.cumsum(z["n_members"].to_numpy())[:-1]]
    pos = mem["pos"].to_numpy()
    z_geoms = np.empty(len(z), dtype=object)
    coverage = [True]
    for i, (a, n) in enumerate(zip(starts.tolist(), z["n_members"].tolist())):
        z_geoms[i] = geoms[pos[a]] if n == 1 else _union(geoms[pos[a:a + n]], coverage)
    centre = _centres(mem, z, s, area_col, z_geoms, geoms)
    for col in centre.columns:
        z[col] = centre[col].to_numpy()
    z["commodity_name_id"] = [name_id.get(c, c) for c in z["commodity"]]
    z["commodity_name_en"] = [name_en.get(c, c) for c in z["commodity"]]
    z["family"] = [fam.get(c) for c in z["commodity"]]
    z["level"] = level
    z["area_ha"] = z["area_ha"].round(1)
    z["geometry"] = z_geoms
    z["zone_id"] = ""
    recs = z.to_dict("records")
    ids, ens = [], []
    for rec in recs:
        a, b = _reasons(rec, rule_of[rec["commodity"]], level, rasters)
        ids.append(a)
        ens.append(b)
    z["reason_id"], z["reason_en"] = ids, ens
    # ids: per commodity, zones before embryos, larger first, then by first member code
    z["_first"] = z["members"].str.split(";").str[0]
    z = z.sort_values(["commodity", "status", "n_members", "_first"],
                      ascending=[True, False, False, True], kind="stable")
    seq = z.groupby("commodity").cumcount() + 1
    z["zone_id"] = [f"{c}-{level[:3]}-{i:03d}" for c, i in zip(z["commodity"], seq)]
    mem["zone_id"] = mem["zone"].map(z["zone_id"])
    mem["status"] = mem["zone"].map(z["status"])
    out = gpd.GeoDataFrame(z[COLUMNS].reset_index(drop=True), geometry="geometry",
                           crs=areas.crs)
    members = mem[["zone_id", "code", "name", "commodity", "status", "rank", "by_top",
                   "by_hot_spot", "land_class", "land_assessed", "area_ha", "production",
                   "workers", "sentra", "stability"]].sort_values(
        ["zone_id", "code"]).reset_index(drop=True)
    return out, members


def _own_statistics(statistics: pd.DataFrame | None, level: str) -> pd.DataFrame:
    cols = ["code", "commodity", "stat_value", "stat_unit", "stat_measure"]
    if statistics is None or not len(statistics):
        return pd.DataFrame(columns=cols)
    st = statistics
    if "stat_level" in st:
        st = st[(st["stat_level"].astype(object) == level).to_numpy()]
    st = st[cols].copy()
    st["code"] = st["code"].astype(str)
    st["commodity"] = st["commodity"].astype(str)
    st["stat_value"] = pd.to_numeric(st["stat_value"], errors="coerce")
    return st[st["stat_value"].notna()]


def _union(geoms: np.ndarray, coverage: list[bool]):
    """The union of a zone's polygons: the fast coverage union while the polygons form a
    clean coverage (shared edges noded alike; ``coverage[0]`` turns False at the first zone
    that does not, e.g. simplified boundaries), else the polygons buffered by 0 as one
    collection (the general union, faster than ``union_all`` on such layers)."""
    if coverage[0]:
        try:
            out = shapely.coverage_union_all(geoms)
            if out.is_valid and not out.is_empty:
                return out
        except shapely.errors.GEOSException:
            pass
        coverage[0] = False
    return shapely.buffer(shapely.geometrycollections(geoms), 0)


def _centres(mem: pd.DataFrame, z: pd.DataFrame, s, area_col: str, z_geoms: np.ndarray,
             geoms: np.ndarray) -> pd.DataFrame:
    """Each zone's centre: its sentra of the commodity with the most workers, else the member
    with the most production (else workers), else the member holding the zone's
    representative point (``centre_basis`` says which). ``mem`` is sorted by zone, ``z``'s
    rows are the zones in that order."""
    nz = len(z)
    name = np.full(nz, None, dtype=object)
    code = np.full(nz, None, dtype=object)
    basis = np.full(nz, None, dtype=object)
    lon = np.full(nz, np.nan)
    lat = np.full(nz, np.nan)
    at = pd.Series(np.arange(nz), index=z.index)
    done = np.zeros(nz, dtype=bool)
    if s is not None and len(s):
        pts = s.geometry
        cand = pd.DataFrame({
            "code": s[area_col].astype(str).to_numpy(object),
            "commodity": s["commodity_id"].astype(str).to_numpy(object),
            "w": pd.to_numeric(s["workers"], errors="coerce").fillna(-1).to_numpy(float),
            "name": s["sentra_name"].to_numpy(object) if "sentra_name" in s
            else np.full(len(s), "sentra", dtype=object),
            "x": pts.x.to_numpy(float) if len(pts) else [],
            "y": pts.y.to_numpy(float) if len(pts) else [],
        }).merge(mem[["zone", "code", "commodity"]], on=["code", "commodity"])
        best = cand.sort_values(["zone", "w"], ascending=[True, False],
                                kind="stable").drop_duplicates("zone")
        if len(best):
            i = at.reindex(best["zone"]).to_numpy()
            name[i] = [str(n) if isinstance(n, str) and n else "sentra" for n in best["name"]]
            code[i] = best["code"].to_numpy(object)
            basis[i] = "sentra"
            lon[i] = best["x"].to_numpy(float)
            lat[i] = best["y"].to_numpy(float)
            done[i] = True
    m_name = mem["name"].astype(object).to_numpy(object)
    m_code = mem["code"].astype(object).to_numpy(object)
    m_pos = mem["pos"].to_numpy()
    m_zone = at.reindex(mem["zone"]).to_numpy()
    for col in ("production", "workers"):
        v = mem[col].fillna(0).to_numpy(float)
        keep = (v > 0) & ~done[m_zone]
        if not keep.any():
            continue
        rows = np.flatnonzero(keep)
        order = np.lexsort((-v[rows], m_zone[rows]))
        rows = rows[order]
        first = rows[np.r_[True, m_zone[rows][1:] != m_zone[rows][:-1]]]
        i = m_zone[first]
        pts = shapely.point_on_surface(geoms[m_pos[first]])
        name[i], code[i], basis[i] = m_name[first], m_code[first], col
        lon[i], lat[i] = shapely.get_x(pts), shapely.get_y(pts)
        done[i] = True
    starts = np.r_[0, np.cumsum(z["n_members"].to_numpy())[:-1]]
    sizes = z["n_members"].to_numpy()
    todo = np.flatnonzero(~done)
    if len(todo):
        pts = shapely.point_on_surface(z_geoms[todo])
        for i, pt in zip(todo.tolist(), pts):
            a = int(starts[i])
            hit = [k for k in range(a, a + int(sizes[i])) if geoms[m_pos[k]].covers(pt)]
            k = hit[0] if hit else a
            name[i], code[i], basis[i] = m_name[k], m_code[k], "representative_point"
            lon[i], lat[i] = pt.x, pt.y
    return pd.DataFrame({"centre_name": [str(x) for x in name], "centre_code": code,
                         "centre_basis": basis, "centre_lon": lon, "centre_lat": lat},
                        index=z.index)


#: how a zone's reason names the statistics' measure it sums
_MEASURE = {"production": ("produksi", "production"),
            "harvested_area": ("luas panen", "harvested area"),
            "planted_area": ("luas tanam", "planted area"), "area": ("luas", "area"),
            "population": ("populasi", "population"), "units": ("unit usaha", "units"),
            "workers": ("tenaga kerja", "workers"), "value": ("nilai", "value")}
_LEVEL = {"desa": ("desa", "villages"), "kecamatan": ("kecamatan", "districts")}
_BASIS = {"sentra": ("sentra dengan tenaga kerja terbanyak", "the sentra with most workers"),
          "production": ("anggota dengan produksi terbesar", "the member producing most"),
          "workers": ("anggota dengan tenaga kerja terbanyak", "the member with most workers"),
          "representative_point": ("anggota di titik tengah kawasan",
                                   "the member at the zone's representative point")}


def _fmt(x: float, lang: str) -> str:
    text = f"{x:,.0f}"
    return text.replace(",", ".") if lang == "id" else text


def _reasons(rec: dict, rule: ZoneRule, level: str, rasters: bool = True
             ) -> tuple[str, str]:
    lv_id, lv_en = _LEVEL.get(level, (level, level))
    lv_en_n = lv_en  # the members' word: "1 village", "1 district"
    if rec["n_members"] == 1:
        lv_en_n = {"villages": "village", "districts": "district"}.get(lv_en, lv_en)
    n_top, n_hot = int(rec["n_top"]), int(rec["n_hot"])
    cid, cen = rec["commodity_name_id"], rec["commodity_name_en"]
    gap = f"{rule.gap_m:g} m"
    if rec["status"] == "kawasan":
        head_id = f"Kawasan {cid}: {rec['n_members']} {lv_id} bersebelahan"
        head_en = f"{cen} zone: {rec['n_members']} neighbouring {lv_en}"
    else:
        ha_id = f", {_fmt(rule.min_ha, 'id')} ha" if rule.min_ha > 0 else ""
        ha_en = f", {_fmt(rule.min_ha, 'en')} ha" if rule.min_ha > 0 else ""
        head_id = (f"Embrio kawasan {cid}: {rec['n_members']} {lv_id}, di bawah ukuran minimum "
                   f"({rule.min_areas} {lv_id}{ha_id})")
        head_en = (f"Embryo {cen} zone: {rec['n_members']} {lv_en_n}, below the minimum size "
                   f"({rule.min_areas} {lv_en}{ha_en})")
    near_id = f" (bersinggungan atau berjarak <= {gap})" if rec["n_members"] > 1 else ""
    near_en = f" (touching or within {gap})" if rec["n_members"] > 1 else ""
    parts_id = [f"{head_id}{near_id}, {_fmt(rec['area_ha'], 'id')} ha"]
    parts_en = [f"{head_en}{near_en}, {_fmt(rec['area_ha'], 'en')} ha"]
    rule_id = f"{n_top} dengan {cid} di {rule.top} kandidat teratas"
    rule_en = f"{n_top} with {cen} among their top {rule.top} candidates"
    if n_hot:
        rule_id += f", {n_hot} di hot spot Gi*"
        rule_en += f", {n_hot} in its Gi* hot spot"
    parts_id.append(rule_id)
    parts_en.append(rule_en)
    if rec["land_assessed"]:
        s = [f"{k.upper()} {_fmt(rec[f'suitable_{k}_ha'], 'id')} ha" for k in ("s1", "s2", "s3")
             if np.isfinite(rec[f"suitable_{k}_ha"]) and rec[f"suitable_{k}_ha"] >= 0.5]
        se = [f"{k.upper()} {_fmt(rec[f'suitable_{k}_ha'], 'en')} ha" for k in ("s1", "s2", "s3")
              if np.isfinite(rec[f"suitable_{k}_ha"]) and rec[f"suitable_{k}_ha"] >= 0.5]
        parts_id.append("lahan sesuai " + (", ".join(s) if s else "S1-S3"))
        parts_en.append("suitable land " + (", ".join(se) if se else "S1-S3"))
        if not rec["all_assessed"]:
            parts_id.append("sebagian lahan belum dinilai")
            parts_en.append("part of the land not assessed")
    else:
        if rasters:
            parts_id.append("lahan belum dinilai (komoditas tanpa syarat lahan)")
            parts_en.append("land not assessed (no land requirements for this commodity)")
        else:
            parts_id.append("lahan belum dinilai (dataset tanpa data raster)")
            parts_en.append("land not assessed (the dataset has no rasters)")
    if np.isfinite(rec["production"]):
        share = rec["production_share"]
        what_id, what_en = _MEASURE.get(rec["production_measure"],
                                        (str(rec["production_measure"] or "produksi"),
                                         str(rec["production_measure"] or "production")))
        unit = f" {rec['production_unit']}" if rec["production_unit"] else ""
        parts_id.append(f"{what_id} {_fmt(rec['production'], 'id')}{unit}/tahun"
                        + (f" ({share:.0%} kabupaten)" if np.isfinite(share) else ""))
        parts_en.append(f"{what_en} {_fmt(rec['production'], 'en')}{unit}/year"
                        + (f" ({share:.0%} of the kabupaten)" if np.isfinite(share) else ""))
    if rec["sentra"]:
        share = rec["workers_share"]
        parts_id.append(f"{rec['sentra']} sentra, {_fmt(rec['workers'], 'id')} tenaga kerja"
                        + (f" ({share:.0%} kabupaten)" if np.isfinite(share) else ""))
        parts_en.append(f"{rec['sentra']} sentra, {_fmt(rec['workers'], 'en')} workers"
                        + (f" ({share:.0%} of the kabupaten)" if np.isfinite(share) else ""))
    b_id, b_en = _BASIS[rec["centre_basis"]]
    parts_id.append(f"pusat: {rec['centre_name']} ({b_id})")
    parts_en.append(f"centre: {rec['centre_name']} ({b_en})")
    if rec["organisations"]:
        parts_id.append(f"kelembagaan: {rec['organisations']}")
        parts_en.append(f"organisations: {rec['organisations']}")
    return "; ".join(parts_id) + ".", "; ".join(parts_en) + "."


# ---------------------------------------------------------------------- stability
def member_stability(ev: pd.DataFrame, pairs: pd.DataFrame, columns: Mapping[str, str],
                     weights: Mapping[str, float], tops: Mapping[str, int],
                     method: str = "weighted_sum", *, draws: int = 200, spread: float = 0.2,
                     seed: int = 12345, v: float = 0.5, hot: pd.Series | None = None
                     ) -> pd.DataFrame:
    """The share of weight draws in which each (area, commodity) pair of ``pairs`` stays a
    member: its rank among the area's candidates in ``ev`` stays within ``pairs["limit"]``
    (the ``top`` of its commodity, or ``hot_spot_top`` for a pair admitted by its hot spot;
    without the column, ``tops`` by commodity, default 3). The land and the hot spot do not
    move with the weights; only the rank does. The weights are drawn as
    :func:`unggulan.core.ranking.stability.sensitivity` draws them (each positive weight times
    ``U(1 - spread, 1 + spread)``, renormalised, seeded); ranks follow the same keys (the
    activity tier first while an activity component has weight, then the score, then
    :data:`unggulan.core.ranking.stability.TIEBREAK`).

    Returns ``code, commodity, stability`` (0-1).
    """
    out = pairs[["code", "commodity"]].copy()
    if not len(pairs) or not len(ev):
        out["stability"] = np.nan
        return out
    ev = ev[ev["code"].astype(str).isin(set(pairs["code"]))]
    keys = first_keys(ev, weights)
    p = prepare(ev, columns, weights, "code", tiebreak=(*keys, *TIEBREAK))
    penalty = 1000.0 * tier_keys(ev, keys).astype(float)[p.order]
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(int(draws), len(p.w)))
    wd = p.w[None, :] * factors
    wd = wd / wd.sum(axis=1, keepdims=True)
    sc = np.round(scores(p, wd, method, v=v), 6) - penalty[:, None]
    code_s = ev["code"].astype(str).to_numpy(object)[p.order]
    com_s = ev["commodity"].astype(str).to_numpy(object)[p.order]
    at = pd.MultiIndex.from_arrays([code_s, com_s]).get_indexer(
        pd.MultiIndex.from_arrays([pairs["code"].astype(str), pairs["commodity"].astype(str)]))
    ends = np.r_[p.starts[1:], p.rows]
    limit = pairs.get("limit")
    limits = (limit.to_numpy(np.int64) if limit is not None else
              np.array([tops.get(c, 3) for c in pairs["commodity"]], dtype=np.int64))
    share = np.full(len(pairs), np.nan)
    for j, r in enumerate(at.tolist()):
        if r < 0:
            continue
        g = p.gid[r]
        a, b = p.starts[g], ends[g]
        block = sc[a:b]
        own = sc[r]
        ahead = (block > own[None, :]).sum(axis=0) + (block[:r - a] == own[None, :]).sum(axis=0)
        share[j] = float(np.mean(ahead + 1 <= limits[j]))
    out["stability"] = np.round(share, 3)
    return out


def place_organisations(orgs: pd.DataFrame, areas: gpd.GeoDataFrame, level: str
                        ) -> pd.DataFrame:
    """The rows of an organisations table (:func:`unggulan.io.organisations.read_organisations`)
    placed in the areas of ``level``: ``code, name, kind, source``. A row is placed by its
    desa code (desa level; for kecamatan its desa's kecamatan), else by its kecamatan code
    (kecamatan level), else by its point; codes are compared without dots."""
    cols = ["code", "name", "kind", "source"]
    if orgs is None or not len(orgs):
        return pd.DataFrame(columns=cols)
    plain = pd.Series(areas.index.astype(str), index=areas.index.astype(str).str.replace(
        ".", "", regex=False))
    code = pd.Series(None, index=orgs.index, dtype=object)
    if level == "desa":
        d = orgs["desa_code"].astype(str).str.replace(".", "", regex=False).str.strip()
        code = d.map(plain)
    elif "kecamatan_code" in orgs:
        k = orgs["kecamatan_code"].where(orgs["kecamatan_code"].notna(),
                                         orgs["desa_code"].astype(str).str.replace(
                                             ".", "", regex=False).str[:6])
        code = k.astype(str).str.replace(".", "", regex=False).str.strip().map(plain)
    todo = code.isna() & orgs["lon"].notna() & orgs["lat"].notna()
    if todo.any():
        pts = gpd.GeoSeries(gpd.points_from_xy(orgs.loc[todo, "lon"], orgs.loc[todo, "lat"]),
                            crs=4326, index=orgs.index[todo])
        hit = gpd.sjoin(gpd.GeoDataFrame(geometry=pts), areas[["geometry"]].reset_index(
            names="_code"), predicate="within", how="left")
        hit = hit[~hit.index.duplicated()]
        code.loc[todo] = hit["_code"].reindex(pts.index).to_numpy(object)
    out = pd.DataFrame({"code": code.to_numpy(object), "name": orgs["name"].astype(str),
                        "kind": orgs["kind"].to_numpy(object),
                        "source": ("organisasi/" + orgs["file"].astype(str) + ":"
                                   + orgs["row"].astype(str)).to_numpy(object)})
    return out[out["code"].notna()].reset_index(drop=True)


def own_statistics(st: pd.DataFrame, level: str, period: tuple[int, int] | None = None,
                   measure: str | None = None) -> pd.DataFrame:
    """The statistics of ``level``'s own rows as zones sum them: ``code, commodity,
    stat_value`` (the mean over the period's years, as the candidates' ``stat_value``),
    ``stat_unit``, ``stat_measure``, ``stat_level``; one measure per commodity, chosen as
    :func:`unggulan.core.activity.evidence.measure_data` chooses it. No LQ is computed (the
    candidates
    have it); rows of other levels (a desa's kecamatan) are never taken."""
    cols = ["code", "commodity", "stat_value", "stat_unit", "stat_measure", "stat_level"]
    if st is None or not len(st):
        return pd.DataFrame(columns=cols)
    frames = []
    for (m, unit, _fam), d in measure_data(st, level, measure).items():
        if period:
            d = d[(d["year"] >= period[0]) & (d["year"] <= period[1])]
        if not len(d):
            continue
        mean = d.groupby(["code", "commodity"], as_index=False)["value"].mean()
        frames.append(mean.rename(columns={"value": "stat_value"}).assign(
            stat_unit=unit, stat_measure=m, stat_level=level))
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
