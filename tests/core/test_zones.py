"""Commodity zones (kawasan, #35): the rule, contiguity with the gap tolerance, embryos,
centre, organisations, own-level production; on fixtures, the demo, Bone and Malang-Batu."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point, box

from unggulan.base.errors import DatasetError
from unggulan.core.ranking import zones as zn
from unggulan.core.scenario import ZonesSpec, scenario_from_dict, scenario_to_toml

D = 0.01  # one cell, about 1.1 km


def _grid(n: int = 5, gap_col: int | None = None, gap: float = 0.0) -> gpd.GeoDataFrame:
    """n x n unit boxes; the columns from ``gap_col`` on shifted east by ``gap`` degrees."""
    rows = []
    for y in range(n):
        for x in range(n):
            dx = gap if gap_col is not None and x >= gap_col else 0.0
            rows.append((f"99.01.0{y}.200{x}", f"Desa {y}{x}",
                         box(x * D + dx, y * D, (x + 1) * D + dx, (y + 1) * D)))
    g = gpd.GeoDataFrame({"code": [r[0] for r in rows], "name": [r[1] for r in rows]},
                         geometry=[r[2] for r in rows], crs=4326)
    g["area_ha"] = g.to_crs("EPSG:6933").area / 1e4
    g["kabupaten_code"] = "99.01"
    return g.set_index("code", drop=False)


def _cand(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "commodity", "rank", "cluster",
                                       "potential_class", "suitability_class"])


def _code(y: int, x: int) -> str:
    return f"99.01.0{y}.200{x}"


def _connected(graph, codes: list[str], index: pd.Index) -> bool:
    pos = index.get_indexer(codes)
    n, _ = connected_components(graph[pos][:, pos], directed=False)
    return n == 1


# ---------------------------------------------------------------------- the rule
def test_members_follow_the_rule():
    c = _cand([
        (_code(0, 0), "kopi", 1, None, "S2", "S2"),        # top
        (_code(0, 1), "kopi", 3, None, "S3", "S3"),        # top (K = 3)
        (_code(0, 2), "kopi", 4, None, "S1", "S1"),        # outside top, no hot spot
        (_code(0, 3), "kopi", 7, "hot spot", "S2", "S2"),  # hot spot within 10
        (_code(0, 4), "kopi", 2, None, "N", "N"),          # land N: out
        (_code(1, 0), "kopi", 2, None, None, None),        # not assessed: in
        (_code(1, 1), "kopi", 2, None, None, "S3"),        # potential missing: class used
    ])
    m = zn.zone_members(c, zn.ZoneRule(top=3, hot_spot_top=10))
    assert set(m["code"]) == {_code(0, 0), _code(0, 1), _code(0, 3), _code(1, 0), _code(1, 1)}
    hot = m.set_index("code")
    assert hot.at[_code(0, 3), "by_hot_spot"] and not hot.at[_code(0, 3), "by_top"]
    assert not hot.at[_code(1, 0), "land_assessed"]
    assert hot.at[_code(1, 1), "land_class"] == "S3"
    off = zn.zone_members(c, zn.ZoneRule(top=3, hot_spots=False))
    assert _code(0, 3) not in set(off["code"])


def test_contiguity_gap_tolerance_and_embryos():
    g = _grid(5, gap_col=3, gap=0.003)  # a ~330 m strait between columns 2 and 3
    rows = [(_code(y, x), "kopi", 1, None, "S2", "S2") for y in range(2) for x in range(5)]
    rows += [(_code(4, 4), "kopi", 1, None, "S2", "S2")]  # an isolated desa
    c = _cand(rows)
    apart, _ = zn.draw_zones(g, c, {"*": zn.ZoneRule(gap_m=0, min_areas=3)})
    assert sorted(apart["n_members"]) == [1, 4, 6]
    assert dict(zip(apart["n_members"], apart["status"])) == {1: "embrio", 4: "kawasan",
                                                              6: "kawasan"}
    joined, mem = zn.draw_zones(g, c, {"*": zn.ZoneRule(gap_m=500, min_areas=3)})
    assert sorted(joined["n_members"]) == [1, 10]
    graph = zn.zone_graph(g, 500)
    for z in joined.itertuples():
        assert _connected(graph, z.members.split(";"), g.index)
    # the zone's geometry is the union of its members, its area their sum
    big = joined[joined["n_members"] == 10].iloc[0]
    assert big["area_ha"] == pytest.approx(g.loc[big["members"].split(";"), "area_ha"].sum(),
                                           abs=0.1)
    metric = gpd.GeoSeries([big.geometry], crs=4326).to_crs("EPSG:6933").area.iat[0] / 1e4
    assert metric == pytest.approx(big["area_ha"], abs=0.1)
    assert set(mem["zone_id"]) == set(joined["zone_id"])
    # a minimum in hectares makes the small zone an embryo
    ha, _ = zn.draw_zones(g, c, {"*": zn.ZoneRule(gap_m=500, min_areas=3, min_ha=1e9)})
    assert set(ha["status"]) == {"embrio"}
    assert "Embrio kawasan" in ha["reason_id"].iat[0] and "Embryo" in ha["reason_en"].iat[0]


def test_one_area_in_zones_of_two_commodities():
    g = _grid(3)
    c = _cand([(_code(0, x), k, r, None, "S2", "S2") for x in range(3)
               for k, r in (("kopi", 1), ("kakao", 2))])
    z, _ = zn.draw_zones(g, c, {"*": zn.ZoneRule(min_areas=3)})
    assert sorted(z["commodity"]) == ["kakao", "kopi"]
    assert z["members"].nunique() == 1


def test_centre_production_organisations_and_shares():
    g = _grid(3)
    c = _cand([(_code(0, x), "kopi", 1, None, None, None) for x in range(3)]
              + [(_code(2, 2), "kopi", 1, None, None, None)])
    sentra = gpd.GeoDataFrame({
        "commodity_id": ["kopi", "kopi", "kopi", "jagung"],
        "desa_code": [_code(0, 0), _code(0, 1), _code(2, 2), _code(0, 2)],
        "workers": [10.0, 40.0, 50.0, 5.0],
        "sentra_name": ["Sentra Kopi A", "Sentra Kopi B, Gapoktan Sumber Rejeki", "Sentra C",
                        "Sentra Jagung, KUD Makmur"],
    }, geometry=[Point(0.005, 0.005), Point(0.015, 0.005), Point(0.025, 0.025),
                 Point(0.025, 0.005)], crs=4326)
    stats = pd.DataFrame({  # desa figures of the level, and one inherited from a kecamatan
        "code": [_code(0, 0), _code(0, 2), _code(2, 2), _code(0, 1)],
        "commodity": ["kopi"] * 4, "stat_value": [100.0, 50.0, 50.0, 999.0],
        "stat_unit": ["ton"] * 4, "stat_measure": ["production"] * 4,
        "stat_level": ["desa", "desa", "desa", "kecamatan"]})
    orgs = zn.organisations_in(sentra, None, "desa_code")
    assert set(orgs["name"]) == {"Gapoktan Sumber Rejeki", "KUD Makmur"}
    z, mem = zn.draw_zones(g, c, {"*": zn.ZoneRule(min_areas=3, gap_m=0)}, sentra=sentra,
                           statistics=stats, organisations=orgs, rasters=False)
    row = z[z["n_members"] == 3].iloc[0]
    assert row["production"] == 150.0  # the kecamatan's 999 is never summed
    assert row["production_share"] == pytest.approx(150 / 200)
    assert row["workers"] == 50.0 and row["sentra"] == 2
    assert row["workers_share"] == pytest.approx(50 / 100)
    assert row["centre_name"] == "Sentra Kopi B, Gapoktan Sumber Rejeki"
    assert row["centre_basis"] == "sentra"
    assert row["organisations"] == "Gapoktan Sumber Rejeki; KUD Makmur"
    assert "dataset tanpa data raster" in row["reason_id"]
    assert "no rasters" in row["reason_en"]
    # without sentra: the member with the most production; without either: the member at
    # the representative point
    z2, _ = zn.draw_zones(g, c, {"*": zn.ZoneRule(gap_m=0)}, statistics=stats)
    assert z2[z2["n_members"] == 3]["centre_code"].iat[0] == _code(0, 0)
    assert set(z2["centre_basis"]) == {"production"}
    z3, _ = zn.draw_zones(g, c, {"*": zn.ZoneRule(gap_m=0)})
    r3 = z3[z3["n_members"] == 3].iloc[0]
    assert r3["centre_basis"] == "representative_point" and r3["centre_code"] == _code(0, 1)


def test_organisations_table(tmp_path):
    from unggulan.io.organisations import read_organisations

    assert read_organisations(tmp_path).empty
    (tmp_path / "organisasi").mkdir()
    (tmp_path / "organisasi" / "lembaga.csv").write_text(
        "nama,jenis,kode_desa,lon,lat\n"
        "Koperasi Kopi Maju,koperasi,9901012001,,\n"   # a code without its dots
        "Gapoktan Subur,gapoktan,,0.015,0.005\n"       # a point
        "KWT Mawar,kwt,,5,5\n", encoding="utf-8")       # outside every desa
    orgs = read_organisations(tmp_path)
    assert list(orgs["name"]) == ["Koperasi Kopi Maju", "Gapoktan Subur", "KWT Mawar"]
    g = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[box(0, 0, D, D), box(D, 0, 2 * D, D)],
                         index=["99.01.01.2001", "99.01.01.2002"], crs=4326)
    placed = zn.place_organisations(orgs, g, "desa")
    assert dict(zip(placed["name"], placed["code"])) == {
        "Koperasi Kopi Maju": "99.01.01.2001", "Gapoktan Subur": "99.01.01.2002"}
    assert placed["source"].iat[0] == "organisasi/lembaga.csv:2"
    (tmp_path / "organisasi" / "bad.csv").write_text("jenis\nkud\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no name column"):
        read_organisations(tmp_path)


# ---------------------------------------------------------------------- scenario
def test_scenario_zones_table_validated_and_round_trips():
    s = scenario_from_dict({"name": "z", "zones": {"gap_m": 250, "levels": {
        "desa": {"min_areas": 4}}, "families": {"estate_crops": {"min_ha": 500}}}})
    assert s.zones.rule("desa", "estate_crops") == {
        "top": 3, "hot_spots": True, "hot_spot_top": 10, "gap_m": 250.0, "min_areas": 4,
        "min_ha": 500.0}
    assert ZonesSpec().rule("kecamatan")["min_areas"] == 2  # the level's default
    import tomllib

    back = scenario_from_dict(tomllib.loads(scenario_to_toml(s)))
    assert back == s and back.content_hash() == s.content_hash()
    with pytest.raises(DatasetError, match="zones.gap_m"):
        scenario_from_dict({"name": "z", "zones": {"gap_m": -1}})
    with pytest.raises(DatasetError, match="zones.levels"):
        scenario_from_dict({"name": "z", "zones": {"levels": {"kabupaten": {}}}})
    # a scenario without [zones] hashes as before the table existed
    plain = scenario_from_dict({"name": "z"})
    assert "zones" not in plain.resolved()


def test_saved_scenarios_still_load():
    from unggulan.core.scenario import SCENARIOS_DIR, load_scenario

    for p in sorted(SCENARIOS_DIR.glob("*.toml")):
        assert load_scenario(p).zones is None


# ---------------------------------------------------------------------- datasets
def _check_dataset(ds, level: str = "desa", scenario=None):
    """Every member satisfies the rule; members of a zone are connected in the graph."""
    from unggulan.core.ranking.run import effective_scenario

    sc = effective_scenario(scenario)
    z, mem = ds.zones(level, scenario=sc, members=True)
    assert len(z) and set(z["status"]) <= {"kawasan", "embrio"}
    rule = (sc.zones or ZonesSpec()).rule(level, None, sc.top)
    cand = ds.candidates(level, scenario=sc.model_copy(update={"top": rule["hot_spot_top"]}))
    c = cand.set_index(["code", "commodity"])
    graph = zn.zone_graph(ds.areas(level), rule["gap_m"])
    for r in mem.itertuples():
        row = c.loc[(r.code, r.commodity)]
        row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
        hot = row["cluster"] == "hot spot" and row["rank"] <= rule["hot_spot_top"]
        assert row["rank"] <= rule["top"] or hot
        land = row["potential_class"] if isinstance(row["potential_class"], str) \
            else row["suitability_class"]
        assert not isinstance(land, str) or land in ("S1", "S2", "S3")
    for zone in z.itertuples():
        codes = zone.members.split(";")
        assert zone.n_members == len(codes) == len(set(codes))
        assert _connected(graph, codes, ds.areas(level).index)
        assert zone.area_ha == pytest.approx(ds.areas(level).loc[codes, "area_ha"].sum(),
                                             abs=0.2)
        status = "kawasan" if len(codes) >= rule["min_areas"] else "embrio"
        assert zone.status == status
    # zone ids unique; the members frame gives the same member sets
    assert z["zone_id"].is_unique
    sets = mem.groupby("zone_id")["code"].apply(lambda x: ";".join(sorted(x)))
    assert sets.to_dict() == {r.zone_id: ";".join(sorted(r.members.split(";")))
                              for r in z.itertuples()}
    return z, mem


def test_demo_zones(demo):
    z, mem = _check_dataset(demo)
    assert {"sentra"} <= set(z["centre_basis"])
    assert z["stability"].between(0, 1).all()
    one = demo.zones("desa", commodity=z["commodity"].iat[0])
    assert set(one["commodity"]) == {z["commodity"].iat[0]}


def test_demo_kecamatan_zones(demo):
    """Kecamatan zones: production from the kecamatan statistics themselves."""
    zk, _ = _check_dataset(demo, "kecamatan")
    assert zk["production"].notna().any()


def test_scenario_thresholds_change_the_zones(demo):
    strict = scenario_from_dict({"name": "ketat", "zones": {"top": 1, "hot_spots": False,
                                                            "gap_m": 0, "min_areas": 5}})
    z, _ = _check_dataset(demo, scenario=strict)
    loose = demo.zones("desa")
    assert len(z) <= len(loose)
    assert (z[z["status"] == "kawasan"]["n_members"] >= 5).all()


def test_bone_zones(bone):
    z, mem = _check_dataset(bone)
    assert z["land_assessed"].any()  # real rasters: suitable land by class
    assessed = z[z["land_assessed"]]
    assert (assessed[["suitable_s1_ha", "suitable_s2_ha", "suitable_s3_ha"]].sum(axis=1)
            <= assessed["area_ha"] + 1).all()
    assert (mem["stability"].dropna().between(0, 1)).all()


def test_another_kabupaten_malang(tmp_path, malang_dir):
    """A dataset made of Malang-Batu's real desa polygons and a small sentra list."""
    from unggulan import Dataset

    desa = gpd.read_file(malang_dir / "boundaries" / "desa_malang_batu.gpkg")
    kec = desa[desa["kode_desa"].str.startswith("35.07.01.")].sort_values("kode_desa")
    pick = kec.iloc[:6]
    (tmp_path / "sentra").mkdir()
    lines = ["id_sentra,nama_sentra,komoditas,sektor,kode_desa,desa,unit_usaha,tenaga_kerja"]
    for i, r in enumerate(pick.itertuples()):
        name = f"Sentra Kopi {r.nama_desa}" + (", Gapoktan Sido Makmur" if i == 0 else "")
        lines.append(f"S{i},\"{name}\",kopi robusta,pertanian,{r.kode_desa},{r.nama_desa},"
                     f"{5 + i},{20 + 10 * i}")
    (tmp_path / "sentra" / "sentra.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "dataset.toml").write_text(
        'name = "malang-uji"\nsynthetic = true\n[boundaries.desa]\npath = "'
        + str(malang_dir / "boundaries" / "desa_malang_batu.gpkg") + '"\n', encoding="utf-8")
    ds = Dataset.open(tmp_path)
    z, mem = _check_dataset(ds)
    kopi = z[z["commodity"] == "kopi_robusta"]
    assert set(mem[mem["commodity"] == "kopi_robusta"]["code"]) <= set(pick["kode_desa"])
    assert not kopi["land_assessed"].any()  # no rasters: allowed, and said
    assert kopi["reason_en"].str.contains("no rasters").all()
    assert kopi["organisations"].fillna("").str.contains("Gapoktan Sido Makmur").any()
    best = kopi.sort_values("n_members").iloc[-1]
    assert best["centre_basis"] == "sentra"


def test_export_layer_same_members(demo, tmp_path):
    import pyogrio

    demo.export("zones", tmp_path / "k.gpkg", overwrite=True)
    back = gpd.read_file(tmp_path / "k.gpkg", layer="zones_desa")
    z = demo.zones("desa")
    assert dict(zip(back["zone_id"], back["members"])) == dict(zip(z["zone_id"], z["members"]))
    info = pyogrio.read_info(tmp_path / "k.gpkg", layer="zones_desa")
    assert info["features"] == len(z)
    import sqlite3

    con = sqlite3.connect(tmp_path / "k.gpkg")
    qml = con.execute("SELECT styleQML FROM layer_styles WHERE f_table_name='zones_desa'"
                      ).fetchone()[0]
    con.close()
    assert 'attr="commodity"' in qml and 'name="style" value="no"' in qml
    demo.export("zones", tmp_path / "k.geojson", overwrite=True)
    assert (tmp_path / "k.qml").exists()
    assert np.isfinite(gpd.read_file(tmp_path / "k.geojson").total_bounds).all()


def test_member_stability_moves_with_the_weights():
    ev = pd.DataFrame({"code": ["a", "a", "a", "b", "b"],
                       "commodity": ["x", "y", "z", "x", "y"],
                       "s": [0.52, 0.50, 0.10, 0.9, 0.1], "m": [0.48, 0.50, 0.10, 0.9, 0.1]})
    pairs = pd.DataFrame({"code": ["a", "a", "b"], "commodity": ["x", "y", "x"],
                          "limit": [1, 1, 1]})
    st = zn.member_stability(ev, pairs, {"s": "s", "m": "m"}, {"s": 0.5, "m": 0.5}, {},
                             draws=200, seed=1).set_index(["code", "commodity"])["stability"]
    assert 0 < st[("a", "x")] < 1 and 0 < st[("a", "y")] < 1  # x and y swap first place
    assert st[("a", "x")] + st[("a", "y")] == pytest.approx(1.0, abs=0.01)
    assert st[("b", "x")] == 1.0  # far ahead: stays whatever the draw
    wide = zn.member_stability(ev, pairs.assign(limit=2), {"s": "s", "m": "m"},
                               {"s": 0.5, "m": 0.5}, {}, draws=50)
    assert (wide["stability"] == 1.0).all()  # within the top 2 in every draw


def test_cli_zones(tmp_path):
    from typer.testing import CliRunner

    from unggulan.cli import cli

    runner = CliRunner()
    out = tmp_path / "kawasan.geojson"
    res = runner.invoke(cli, ["zones", "--out", str(out), "--level", "kecamatan"])
    assert res.exit_code == 0, res.output
    assert out.exists() and (tmp_path / "kawasan.qml").exists()
    assert "kawasan" in res.output and "run" in res.output
    back = gpd.read_file(out)
    assert back["zone_id"].is_unique and set(back["status"]) <= {"kawasan", "embrio"}
    bad = runner.invoke(cli, ["zones", "--out", str(tmp_path / "x.gpkg"),
                              "--commodity", "bukan_komoditas"])
    assert bad.exit_code != 0
    again = runner.invoke(cli, ["zones", "--out", str(out), "--level", "kecamatan"])
    assert again.exit_code != 0  # an existing file needs --overwrite
