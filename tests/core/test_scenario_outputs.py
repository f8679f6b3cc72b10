"""Scenarios in every output (#20): the same scenario and inputs give the same hashes and
byte-identical files; one weight changed gives another hash; each format carries the
scenario, the hashes and the criteria without data; the map pages' footer names the run; the
stability of each area's first candidate is in the candidates.

On the bundled demo dataset (64 desa, 5 kecamatan) so the file runs in seconds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
from typer.testing import CliRunner

from tests.conftest import BUNDLED
from unggulan import Dataset
from unggulan.core.provenance import run_hash
from unggulan.core.ranking import run as runmod
from unggulan.core.ranking.run import (
    DEFAULT_NAME,
    default_scenario,
    find_scenario,
    resolve_scenario,
    slug,
)
from unggulan.core.scenario import SCENARIOS_DIR, load_scenario, scenario_from_dict
from unggulan.io.exports import write_layer
from unggulan.maps.pages import PageOptions, area_page, commodity_map, main_map, render

PERMENDAGRI = SCENARIOS_DIR / "permendagri_9_2014.toml"
FORMATS = (".gpkg", ".csv", ".geojson", ".parquet", ".zip")


@pytest.fixture(scope="module")
def pm():
    return load_scenario(PERMENDAGRI)


@pytest.fixture(scope="module")
def pm_changed():
    """The Permendagri scenario with one weight changed (market 1.0 -> 0.9)."""
    doc = load_scenario(PERMENDAGRI).model_dump(exclude_none=True)
    doc["weights"] = {**doc["weights"], "market": 0.9}
    return scenario_from_dict(doc)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _export(ds, scenario, path):
    gdf = ds.layer("candidates", "kecamatan", scenario=scenario)
    return write_layer(gdf, path, layer="candidates_kecamatan")


# ---------------------------------------------------------------------- hashes and bytes
def test_same_scenario_twice_same_hashes_and_identical_files(demo, pm, tmp_path):
    # a second Dataset opened from the same folder: nothing cached is shared
    fresh = Dataset.open(BUNDLED)
    a, b = demo.run_info(pm), fresh.run_info(load_scenario(PERMENDAGRI))
    assert a == b
    assert a.run_hash == run_hash(pm.content_hash(), demo.inputs_hash(), a.version)
    for suffix in FORMATS:
        p1 = _export(demo, pm, tmp_path / f"a{suffix}")
        p2 = _export(fresh, pm, tmp_path / f"b{suffix}")
        assert _digest(p1) == _digest(p2), f"{suffix} differs between two runs"
    assert _digest(tmp_path / "a.metadata.json") == _digest(tmp_path / "b.metadata.json")
    # the map page: the whole HTML, twice, from the two datasets
    opt = dict(lang="id", inline=True, scenario=pm)
    h1 = render(main_map(demo, "kecamatan", PageOptions(**opt)))
    h2 = render(main_map(fresh, "kecamatan", PageOptions(**opt)))
    assert h1 == h2
    assert f"run {a.run_hash}" not in h1  # the footer is drawn by the script, from the config
    assert f'"run":"{a.run_hash}"' in h1 and '"scenario":"Permendagri 9/2014"' in h1


def test_one_weight_changed_changes_the_hashes_and_the_files(demo, pm, pm_changed, tmp_path):
    a, b = demo.run_info(pm), demo.run_info(pm_changed)
    assert a.inputs_hash == b.inputs_hash
    assert a.scenario_hash != b.scenario_hash and a.run_hash != b.run_hash
    for suffix in (".gpkg", ".csv", ".geojson"):
        p1 = _export(demo, pm, tmp_path / f"a{suffix}")
        p2 = _export(demo, pm_changed, tmp_path / f"b{suffix}")
        assert _digest(p1) != _digest(p2)
    # without a scenario the weights used are the scenario "bawaan / default", hashed alike
    d0, d1 = default_scenario(), default_scenario("market=0.06")
    assert d0.name == d1.name == DEFAULT_NAME
    assert demo.run_info().run_hash == demo.run_info(d0).run_hash != demo.run_info(d1).run_hash
    # the default weights as an explicit scenario of the same name hash the same
    same = scenario_from_dict({"name": DEFAULT_NAME, "weights": d0.weights_resolved()})
    assert same.content_hash() == d0.content_hash()


# ---------------------------------------------------------------------- metadata per format
def test_each_format_carries_the_scenario_hashes_and_missing_criteria(demo, pm, tmp_path):
    info = demo.run_info(pm)
    missing = info.criteria_with("tidak ada data")
    assert len(missing) == 6 and missing[1] == "h. modal (capital)"
    for suffix in FORMATS:
        _export(demo, pm, tmp_path / f"k{suffix}")

    con = sqlite3.connect(tmp_path / "k.gpkg")
    (xml,) = con.execute("select metadata from gpkg_metadata").fetchone()
    con.close()
    assert "Permendagri 9/2014" in xml and info.run_hash in xml and info.inputs_hash in xml
    md = pyogrio.read_info(tmp_path / "k.gpkg", layer="candidates_kecamatan")["layer_metadata"]
    assert md["scenario"] == "Permendagri 9/2014" and md["run_hash"] == info.run_hash
    assert md["scenario_hash"] == pm.content_hash()
    assert "h. modal (capital)" in md["criteria_without_data"]
    layer = gpd.read_file(tmp_path / "k.gpkg", layer="candidates_kecamatan")
    assert set(layer["scenario"]) == {"Permendagri 9/2014"}  # also a layer field
    assert set(layer["run_hash"]) == {info.run_hash}

    fc = json.loads((tmp_path / "k.geojson").read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 5
    assert fc["unggulan"]["run_hash"] == info.run_hash
    assert fc["unggulan"]["criteria_without_data"] == missing
    assert fc["unggulan"]["weights"]["specialisation"] == 0.6

    csv = pd.read_csv(tmp_path / "k.csv")
    assert set(csv["scenario"]) == {"Permendagri 9/2014"} and set(csv["run_hash"]) == {
        info.run_hash}
    side = json.loads((tmp_path / "k.metadata.json").read_text(encoding="utf-8"))
    assert side["scenario_hash"] == pm.content_hash() and side["level"] == "kecamatan"
    assert side["criteria_partial_data"][0].startswith("a. penyerapan tenaga kerja")

    meta = json.loads(pq.read_schema(tmp_path / "k.parquet").metadata[b"unggulan"])
    assert meta["run_hash"] == info.run_hash and meta["inputs_hash"] == info.inputs_hash
    assert len(gpd.read_parquet(tmp_path / "k.parquet")) == 5  # still GeoParquet

    z = zipfile.ZipFile(tmp_path / "k.zip")
    readme = z.read("README.txt").decode("utf-8")
    assert f"run_hash: {info.run_hash}" in readme and "l. harga (price)" in readme
    assert json.loads(z.read("metadata.json"))["scenario"] == "Permendagri 9/2014"
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_non_candidate_layers_carry_the_inputs_hash_too(demo, tmp_path):
    gdf = demo.layer("areas", "desa")
    meta = gdf.attrs["unggulan"]
    assert meta["layer"] == "areas" and meta["inputs_hash"] == demo.inputs_hash()
    assert meta["scenario"] == DEFAULT_NAME
    path = write_layer(gdf, tmp_path / "a.geojson", layer="areas_desa")
    assert json.loads(path.read_text(encoding="utf-8"))["unggulan"]["layer"] == "areas"
    sub = demo.layer("candidates", "desa", area=demo.areas("kecamatan").index[0])
    assert sub.attrs["unggulan"]["area"] == demo.areas("kecamatan").index[0]


# ---------------------------------------------------------------------- stability
@pytest.mark.parametrize("method", ["weighted_sum", "topsis"])
def test_stability_follows_the_first_candidate(demo, method):
    sc = scenario_from_dict({"name": f"uji {method}", "method": method,
                             "weights": {"suitability": 0.5, "specialisation": 0.3,
                                         "scale": 0.2}})
    st = demo.area_stability("desa", sc).set_index("code")
    cand = demo.candidates("desa", scenario=sc)
    first = cand[cand["rank"] == 1].set_index("code")["commodity"]
    assert set(st.index) == set(first.index)
    assert (st.loc[first.index, "stability_top"] == first).all()
    assert st["stability"].between(0, 1).all()
    # the label is the share rounded down: 0.995 is "stabil 99%", never 100 %
    pct = (st["stability"] * 100 + 1e-9).astype(float).apply(int)
    assert (st["stability_label_id"] == "stabil " + pct.astype(str) + "%").all()
    # an area whose first candidate always stays first has no challenger
    sure = st[st["stability"] == 1.0]
    assert sure["stability_challenger"].isna().all()


def test_candidates_layer_has_stability_wide_and_long(demo, pm):
    wide = demo.candidates_layer("kecamatan", pm)
    long = demo.candidates_layer("kecamatan", pm, long=True)
    assert wide["stability"].notna().all() and len(wide) == 5
    firsts = long[long["rank"] == 1].set_index("code")["stability"]
    assert (firsts == wide.set_index("code")["stability"].loc[firsts.index]).all()
    assert long.loc[long["rank"] > 1, "stability"].isna().all()  # the area's, on rank 1


def test_stability_is_skipped_on_large_levels_and_the_metadata_says_so(demo, monkeypatch):
    monkeypatch.setattr(runmod, "STABILITY_MAX_AREAS", 10)
    assert demo.area_stability("desa") is None
    gdf = demo.layer("candidates", "desa")
    assert "stability" not in gdf.columns
    assert gdf.attrs["unggulan"]["stability"].startswith("not computed: 64 areas > 10")
    assert demo.area_stability("kecamatan") is not None  # 5 areas: computed


# ---------------------------------------------------------------------- map pages
def test_every_map_page_names_the_run(demo, pm):
    info = demo.run_info(pm)
    pages = [main_map(demo, "desa", PageOptions(scenario=pm)),
             commodity_map(demo, "kakao", "class", "desa", PageOptions(scenario=pm)),
             area_page(demo, demo.areas("desa").index[0], PageOptions(top=5, scenario=pm))]
    for m in pages:
        html = render(m)
        assert f'"run":"{info.run_hash}"' in html
        assert '"scenario":"Permendagri 9/2014","id":"permendagri_9_2014"' in html
        assert '"missing":["d. dapat diperbaharui (renewable)"' in html
    # the popup's stability: every area with a candidate, on both levels of the main map,
    # has [share, challenger]
    html = render(pages[0])
    firsts = sum(int((demo.candidates(lv, scenario=pm)["rank"] == 1).sum())
                 for lv in ("desa", "kecamatan"))
    assert html.count('"st":[') == firsts == 64 + 5
    # weights and a scenario at once are refused
    with pytest.raises(Exception, match="not both"):
        main_map(demo, "desa", PageOptions(scenario=pm, weights="market=0.1"))


# ---------------------------------------------------------------------- names and ids
def test_saved_scenario_ids_are_slugs_and_lookups_never_make_paths():
    assert slug("Permendagri 9/2014") == "permendagri_9_2014" == PERMENDAGRI.stem
    assert slug("../../etc/passwd") == "etc_passwd"
    assert slug("Kopi Séko — FGD 12/5") == "kopi_seko_fgd_12_5"
    assert slug("///") == "skenario" and len(slug("x" * 500)) == 60
    assert find_scenario(None, "Permendagri 9/2014").path == PERMENDAGRI
    for bad in ("../scenarios/permendagri_9_2014", "/etc/passwd", "permendagri_9_2014.toml"):
        hit = find_scenario(None, bad)
        assert hit is None or hit.path == PERMENDAGRI
    assert resolve_scenario(str(PERMENDAGRI)).name == "Permendagri 9/2014"
    with pytest.raises(Exception, match="no saved scenario"):
        resolve_scenario("tidak_ada")


# ---------------------------------------------------------------------- command line
def test_cli_scenario_check_prints_ahp_and_refuses_an_inconsistent_matrix(tmp_path):
    from unggulan.cli import cli

    good = tmp_path / "ahp.toml"
    # 3 criteria, consistent (a13 = a12 * a23 = 2 * 2 = 4): weights 4/7, 2/7, 1/7, CR 0
    good.write_text('name = "AHP uji"\n[ahp]\ncriteria = ["suitability", "specialisation", '
                    '"market"]\nmatrix = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]\n',
                    encoding="utf-8")
    r = CliRunner().invoke(cli, ["scenario", "check", str(good)])
    assert r.exit_code == 0, r.output
    assert "0.5714" in r.output and "0.2857" in r.output and "0.1429" in r.output
    assert "CR 0.0000" in r.output
    bad = tmp_path / "bad.toml"
    # suitability 9x market, market 9x specialisation, but specialisation 9x suitability
    bad.write_text('name = "AHP buruk"\n[ahp]\ncriteria = ["suitability", "specialisation", '
                   '"market"]\nmatrix = [[1, "1/9", 9], [9, 1, "1/9"], ["1/9", 9, 1]]\n',
                   encoding="utf-8")
    r = CliRunner().invoke(cli, ["scenario", "check", str(bad)])
    assert r.exit_code == 1
    assert "CR" in r.output and ">= 0.10" in r.output
    assert "most inconsistent judgement is" in r.output and " vs " in r.output


def test_cli_propose_with_the_permendagri_template(tmp_path, monkeypatch):
    from unggulan.cli import cli

    monkeypatch.chdir(BUNDLED.parent)  # the path as the issue gives it, from the repository
    out = tmp_path / "k.csv"
    r = CliRunner().invoke(cli, ["propose", "--data", str(BUNDLED), "--level", "kecamatan",
                                 "--scenario", "data/scenarios/permendagri_9_2014.toml",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Permendagri 9/2014" in r.output and "h. modal (capital)" in r.output
    csv = pd.read_csv(out)
    assert {"scenario", "run_hash", "stability"} <= set(csv.columns)
    r = CliRunner().invoke(cli, ["propose", "--data", str(BUNDLED), "--scenario",
                                 "permendagri_9_2014", "--weights", "market=0.1",
                                 "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 1 and "not both" in r.output
