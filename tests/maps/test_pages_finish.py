"""Issue #30 without a browser: one palette per dataset, land-only areas and shared ranks,
views that never come up empty (no rasters), HTML error pages, and the pages' words,
numbers and names."""

from __future__ import annotations

import html as htmlmod
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.conftest import BUNDLED
from unggulan.base import palette
from unggulan.base.numbers import fmt_number
from unggulan.core.outputs.colours import first_ranked
from unggulan.core.outputs.labels import basis_counts, proper_case, rank_label
from unggulan.maps.detail import code_html
from unggulan.maps.pages import (
    PageOptions,
    UnggulanLayers,
    area_page,
    commodity_map,
    commodity_views,
    error_page,
    level_geojson,
    main_map,
    render,
)
from unggulan.maps.properties import area_base


def page_config(m) -> dict:
    """The configuration a page hands to unggulan.js."""
    for child in m._children.values():
        if isinstance(child, UnggulanLayers):
            return json.loads(child.config_text.replace("<\\/", "</"))
    raise AssertionError("no UnggulanLayers on the page")


def visible_text(page_html: str) -> str:
    """The page's text without scripts, styles and tags (what a person reads, both
    languages)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def noras(tmp_path_factory) -> Path:
    """The demo dataset without its rasters (agroecology/)."""
    out = tmp_path_factory.mktemp("noras") / "data"
    shutil.copytree(BUNDLED, out, ignore=shutil.ignore_patterns("agroecology", ".unggulan*"))
    return out


@pytest.fixture(scope="module")
def noras_ds(noras):
    from unggulan import Dataset

    return Dataset.open(noras)


@pytest.fixture
def with_basis(monkeypatch):
    """A fresh demo dataset whose candidates carry the scoring's ``basis``, ``rank_label``
    and a shared first rank in one area (whatever the core computes today)."""
    from unggulan import Dataset

    ds = Dataset.open(BUNDLED)
    original = ds.candidates

    def candidates(*args, **kwargs):
        c = original(*args, **kwargs)
        c = c.copy()
        first = c.groupby("code").cumcount() == 0
        codes = list(dict.fromkeys(c["code"]))
        land_only = set(codes[::3])  # every third area's candidates rest on land only
        c["basis"] = ["land_only" if code in land_only else "own_activity"
                      for code in c["code"]]
        c["rank_label"] = c["rank"].astype(int).astype(str)
        # the second candidate of the second area shares rank 1
        second = c.index[(c["code"] == codes[1]) & ~first.to_numpy()]
        if len(second):
            c.loc[second[0], "rank"] = 1
            c.loc[c["code"].eq(codes[1]) & c["rank"].eq(1), "rank_label"] = "1="
        return c

    monkeypatch.setattr(ds, "candidates", candidates)
    return ds


# ---------------------------------------------------------------------- one palette
def test_one_palette_on_every_page(demo):
    from unggulan.core.ranking.run import default_scenario

    base = demo.palette()
    assert base and len(base) <= len(palette.COMMODITY_COLOURS)
    colours = demo.palette(default_scenario(None, top=3))  # + the run's extra leaders
    assert {c: colours[c] for c in base} == base
    assert len(set(colours.values())) == len(colours)
    main_desa = page_config(main_map(demo, "desa", PageOptions()))
    main_kec = page_config(main_map(demo, "kecamatan", PageOptions()))
    # the desa and kecamatan maps give each commodity the dataset's colour
    for cfg in (main_desa, main_kec):
        for level in ("desa", "kecamatan"):
            assert cfg["palettes"][level] == colours
    code = str(demo.areas("desa")["code"].iloc[0])
    assert page_config(area_page(demo, code, PageOptions(top=5)))["palettes"]["desa"] == colours
    # another weighting still uses the dataset's colours
    other = page_config(main_map(demo, "desa", PageOptions(weights="suitability=1")))
    assert {c: other["palettes"]["desa"][c] for c in base} == base
    # the commodity view shows the commodity's colour
    cid = next(iter(colours))
    assert page_config(commodity_map(demo, cid, None, "desa", PageOptions()))["colour"] == \
        colours[cid]
    # the fetched GeoJSON and the vector-tile legend carry the same palette
    assert json.loads(level_geojson(demo, "kecamatan"))["unggulan"]["palette"] == colours
    from unggulan.maps.pages import top_legend

    assert top_legend(demo, [cid, None], scenario=default_scenario(None))["palette"] == colours


def test_palette_order_counts_both_levels(demo):
    """Colours go by the largest share of a level's areas a commodity leads: every
    kecamatan leader of the demo (5 kecamatan) gets a colour of its own."""
    from unggulan.core.ranking.run import default_scenario

    sc = default_scenario(None, top=3)
    share: dict[str, float] = {}
    for level in demo.levels:
        first = first_ranked(demo.candidates(level, scenario=sc))
        for c, n in first["commodity"].value_counts().items():
            share[c] = max(share.get(c, 0), n / len(demo.areas(level)))
    colours = demo.palette()
    best = sorted(share.values(), reverse=True)[:len(colours)]
    assert sorted((share[c] for c in colours), reverse=True) == best
    kec = first_ranked(demo.candidates("kecamatan", scenario=sc))
    assert set(kec["commodity"]) <= set(colours)


def test_another_weighting_keeps_the_palette_and_colours_its_leaders(demo):
    """All weight on land suitability: the dataset's colours stay, and the commodities that
    now lead but had no colour get extra colours, the same on both maps of the run."""
    from unggulan.core.ranking.run import default_scenario

    sc = default_scenario("suitability=1")
    run = demo.palette(sc)
    base = demo.palette()
    assert {c: run[c] for c in base} == base
    extra = {c: col for c, col in run.items() if c not in base}
    assert set(extra.values()) <= set(palette.EXTRA_COLOURS)
    desa = page_config(main_map(demo, "desa", PageOptions(weights="suitability=1")))
    kec = page_config(main_map(demo, "kecamatan", PageOptions(weights="suitability=1")))
    assert desa["palettes"]["desa"] == kec["palettes"]["kecamatan"] == run
    leader = desa["counts"]["desa"][0][0]  # the legend's first: the run's leader, coloured
    tops = first_ranked(demo.candidates("desa", scenario=sc))["commodity"].value_counts()
    assert leader == tops.index[0] and leader in run


def test_brief_uses_the_dataset_palette(demo):
    from unggulan.core.ranking.run import default_scenario
    from unggulan.reports.brief import BriefOptions, make_run

    run = make_run(demo, BriefOptions(weights="market=0.5"))
    want = demo.palette(default_scenario("market=0.5", top=3))
    assert run.colours("desa") == run.colours("kecamatan") == want
    # and the same run's web map
    cfg = page_config(main_map(demo, "kecamatan", PageOptions(weights="market=0.5")))
    assert cfg["palettes"]["kecamatan"] == want


# ---------------------------------------------------------------------- basis and ties
def test_land_only_areas_marked_and_counted(with_basis):
    ds = with_basis
    cfg = page_config(main_map(ds, "desa", PageOptions()))
    fc = cfg["levels"]["desa"]["data"]
    props = [f["properties"] for f in fc["features"]]
    cand = first_ranked(ds.candidates("desa"))
    land_only = set(cand.loc[cand["basis"] == "land_only", "code"])
    marked = {p["code"] for p in props if p.get("lo")}
    assert marked == land_only and marked
    counts = cfg["basisCounts"]["desa"]
    assert counts == basis_counts(cand["basis"])
    assert counts["land_only"] == len(land_only)
    # each candidate carries its basis and rank label; the shared rank shows as "1="
    labels = [c[10] for p in props for c in p["c"]]
    assert "1=" in labels
    assert {c[9] for p in props for c in p["c"]} <= {"own_activity", "land_only"}


def test_shared_rank_on_detail_page_and_brief(with_basis):
    ds = with_basis
    codes = list(dict.fromkeys(ds.candidates("desa")["code"]))
    page = render(area_page(ds, codes[1], PageOptions(top=5)))
    assert "<td class='rank'>1=</td>" in page
    from unggulan.reports.brief import BriefOptions, build_brief

    kec = str(ds.areas("desa").set_index("code").loc[codes[1], "kecamatan_code"])
    b = build_brief(ds, kec, BriefOptions(lang="en"))
    assert ">1=<" in b.html or "1=" in visible_text(b.html)
    assert "land potential only" in b.html  # legend entry and the map caption


def test_tiles_carry_the_basis(with_basis):
    from unggulan.maps.tiles import source, top1_of

    ds = with_basis
    t = top1_of(ds.candidates("desa"))
    assert "top1_basis" in t and t["code"].is_unique
    src = source(ds.areas("desa"), t)
    assert any(p.get("top1_basis") == "land_only" for p in src.props)


# ---------------------------------------------------------------------- never empty
def test_commodity_view_without_rasters_is_not_empty(noras_ds):
    ds = noras_ds
    assert not ds.rasters
    stats = ds.statistics()
    cid = str(stats["commodity"].dropna().iloc[0])
    views = commodity_views(ds, cid)
    assert "class" not in views and views[0] == "quadrant"
    for level in ds.levels:
        cfg = page_config(commodity_map(ds, cid, None, level, PageOptions()))
        assert cfg["view"] == "quadrant" and cfg["legend"]
        props = [f["properties"] for f in cfg["levels"][level]["data"]["features"]]
        assert sum(1 for p in props if p["b"] >= 0) > 0  # areas drawn in a colour
    # asking for land classes without rasters falls back to a view that has data
    assert page_config(commodity_map(ds, cid, "class", None, PageOptions()))["view"] == \
        "quadrant"
    # the menu: commodities in the data only (no land view without rasters)
    cfg = page_config(main_map(ds, "desa", PageOptions()))
    assert cfg["present"] == cfg["viewable"]
    assert set(stats["commodity"].dropna().astype(str)) <= set(cfg["viewable"])


def test_commodity_menu_lists_the_data_first(demo):
    cfg = page_config(main_map(demo, "desa", PageOptions()))
    present, viewable = cfg["present"], cfg["viewable"]
    assert present and viewable[:len(present)] == present
    sentra = set(demo.sentra()["commodity_id"].dropna().astype(str))
    assert sentra <= set(present)


def test_routes_default_level_and_html_errors(noras, monkeypatch):
    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    monkeypatch.setenv("UNGGULAN_DATA", str(noras))
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        for url in ("/peta/komoditas/kakao", "/peta/komoditas/kakao?lang=en",
                    "/peta", "/peta/komoditas/sapi_potong?view=score"):
            r = client.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            assert r.headers["content-type"].startswith("text/html")
        for url, status, words in (
                ("/peta/komoditas/kakao?level=provinsi", 422, "level"),
                ("/peta/komoditas/kakao?view=peta", 422, "view"),
                ("/peta?top=banyak", 422, "top"),
                ("/peta/komoditas/durian_emas?lang=en", 404, "durian_emas"),
                ("/peta/wilayah/12.34?lang=xx", 422, "lang")):
            r = client.get(url)
            assert r.status_code == status, url
            assert r.headers["content-type"].startswith("text/html"), url
            assert words in r.text
            # both languages, readable
            assert "Parameter tidak sah" in r.text or "Tidak ditemukan" in r.text
            assert "Invalid parameter" in r.text or "Not found" in r.text


def test_error_page_language_order():
    en = error_page(422, "bad", "level", "en")
    assert en.index('lang="en"><h1>') < en.index('lang="id"><h1>')
    assert "<script" not in en


# ---------------------------------------------------------------------- words, numbers, names
def test_detail_page_has_no_nan_and_formats_numbers(demo, noras_ds):
    for ds in (demo, noras_ds):
        for level in ds.levels:
            code = str(ds.areas(level)["code"].iloc[0])
            page = render(area_page(ds, code, PageOptions(top=5)))
            text = visible_text(page.split("unggulan-detail", 1)[1])
            assert not re.search(r"\bnan\b|\bNone\b", text, re.I), text[:400]
            # a number in both languages: 1.234,5 in Bahasa, 1,234.5 in English
            ids = re.findall(r'<span lang="id">(\d[\d.]*,\d+)</span><span lang="en">'
                             r'(\d[\d,]*\.\d+)</span>', page)
            assert ids, "no bilingual number"
            for a, b in ids:
                assert a.replace(".", "").replace(",", ".") == b.replace(",", "")


def test_detail_page_labels_translated(bone):
    code = str(bone.areas("desa")["code"].iloc[0])
    page = render(area_page(bone, code, PageOptions(top=5)))
    ids = " ".join(re.findall(r'<span lang="id">(.*?)</span>', page))
    for english in ("wet months", "drainage", "texture", "dry months"):
        assert english not in ids.lower(), english
    for bahasa in ("bulan basah", "drainase", "tekstur"):
        assert bahasa in ids
    ens = " ".join(re.findall(r'<span lang="en">(.*?)</span>', page))
    assert "bln" not in ens


def test_numbers_per_language():
    assert fmt_number(1234.5, 1, "id") == "1.234,5"
    assert fmt_number(1234.5, 1, "en") == "1,234.5"
    assert fmt_number(float("nan")) == fmt_number(None) == "–"


def test_names_in_proper_case_and_derived_codes_marked():
    assert proper_case("KAHU") == "Kahu"
    assert proper_case("sumber jambe") == "Sumber Jambe"
    assert proper_case("Ujung Loe") == "Ujung Loe"  # mixed case: as written
    assert proper_case("TELLU SIATTINGE II") == "Tellu Siattinge II"
    areas = pd.DataFrame({"code": ["00.00.07", "73.08.01"], "name": ["KAJUARA", "kahu"],
                          "code_derived": [True, False]})
    props = area_base(areas, "kecamatan")
    assert [p["name"] for p in props] == ["Kajuara", "Kahu"]
    assert props[0].get("dc") == 1 and "dc" not in props[1]
    assert "kode turunan" in code_html("00.00.07", True)
    assert "turunan" not in code_html("73.08.01", False)
    assert rank_label(1, "1=") == "1=" and rank_label(2, None) == "2"


def test_brief_heading_not_doubled(demo):
    from unggulan.reports.brief import BriefOptions, area_heading, build_brief

    kab = str(demo.areas("kecamatan")["kabupaten_code"].iloc[0])
    b = build_brief(demo, kab, BriefOptions(lang="id"))
    assert "Kabupaten/Kota Kabupaten" not in b.html
    assert area_heading("Kecamatan", "Kahu") == "Kecamatan Kahu"
