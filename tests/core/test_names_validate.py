"""Issue #28 items 7-9: old and new spellings of area names, what ``validate`` says (and that
it never ends in a traceback), ``init`` writing a dataset.toml that ``validate`` opens, and
the options of ``ds.analysis`` / ``unggulan analyse`` / the analysis route.

Fixtures are written here in the shapes planners have: a kecamatan polygon layer with names
only (as a kabupaten's GIS office gives it), a BPS "menurut kecamatan" CSV typing names in the
old spelling ("Tjamplong", "Soekamaju") and with list numbers ("17. Batur"), a sentra table
naming desa and kecamatan.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from tests.conftest import BONE, BUNDLED, MALANG, SHARED
from tests.helpers import grid_desa, make_dataset, run_cli
from unggulan import Dataset
from unggulan.base.errors import UnggulanError
from unggulan.base.names import NameIndex, place_key, plain_key, spelling_rules
from unggulan.core.inputs.statistics import AreaIndex, TableReport, match_areas
from unggulan.io.dataset_toml import write_guessed_config


def _cli(*args: str) -> SimpleNamespace:
    """The command through typer's runner, in this process (a subprocess costs seconds of
    imports); an exception escaping the command fails the test (it would be a traceback).
    ``test_hints_name_their_key`` runs the real ``python -m unggulan.cli``."""
    from typer.testing import CliRunner

    from unggulan import cli

    res = CliRunner().invoke(cli.cli, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    try:
        err = res.stderr
    except ValueError:  # older click: stderr mixed into the output
        err = ""
    return SimpleNamespace(returncode=res.exit_code, stdout=res.stdout, stderr=err)


KECAMATAN = ["Camplong", "Sukamaju", "Batur", "Kotaraja", "Nekamese", "Kotabaru",
             "Tanjung Baru", "Tanjung Batu"]


def _kecamatan_names_only(folder: Path, names=KECAMATAN) -> Path:
    """A kecamatan layer with a name column and no code (codes are derived: 00.00.01 ...)."""
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    g = gpd.GeoDataFrame(
        {"nama": names,
         "geometry": [box(123.6 + i * 0.05, -10.1, 123.65 + i * 0.05, -10.05)
                      for i in range(len(names))]}, crs="EPSG:4326")
    g.to_file(folder / "boundaries" / "kecamatan.gpkg", layer="kecamatan", driver="GPKG")
    return folder


LIVESTOCK = (
    "Kecamatan,Sapi Potong,Ayam Ras Petelur,Kambing\n"
    "Tjamplong,120,-,30\n"          # tj -> c
    "Soekamaju,80,1500,\n"          # oe -> u
    "17. Batur,45,200,12\n"         # list number
    "Kotaradja,10,5,5\n"            # dj -> j
    "Nekamesse,7,7,7\n"             # doubled letter
    "Kotabarau,1,2,3\n"             # a typo: fuzzy, with its score
    "Tanjung Baku,4,4,4\n"          # as near to Tanjung Baru as to Tanjung Batu: not guessed
    "Jumlah,267,1718,61\n"
)


@pytest.fixture(scope="module")
def kupang_like(tmp_path_factory) -> Path:
    folder = _kecamatan_names_only(tmp_path_factory.mktemp("names"))
    (folder / "statistik").mkdir()
    (folder / "statistik" / "Populasi Ternak Menurut Kecamatan 2023.csv").write_text(LIVESTOCK)
    return folder


# ------------------------------------------------------------------------------ item 7: names


@pytest.mark.parametrize("old, new", [
    ("Soekamaju", "Sukamaju"), ("Tjamplong", "Camplong"), ("Kotaradja", "Kotaraja"),
    ("Soerabaja", "Surabaya"), ("Djember", "Jember"), ("Njalindung", "Nyalindung"),
    ("Sjamsudin", "Syamsudin"), ("Tarachan", "Tarakhan"), ("Mattiro Walie", "Matiro Walie"),
    ("17. Batur", "Batur"), ("05) Tonra", "Tonra"), ("3. Kec. Kahu", "KAHU"),
])
def test_old_and_new_spellings_share_a_key(old, new):
    assert place_key(old) == place_key(new)


def test_what_stays_apart():
    # a bare number is part of a name (Palembang's "2 Ilir", "3-4 Ulu")
    assert place_key("2 Ilir") != place_key("3 Ilir") != place_key("Ilir")
    assert plain_key("Soekamaju") != plain_key("Sukamaju")  # exact match keeps every letter
    assert place_key("Kahu") != place_key("Kajuara")
    assert spelling_rules("Soerabaja", "Surabaya") == ["oe/u", "j/y"]
    assert spelling_rules("Tjamplong", "Camplong") == ["tj/c"]
    assert spelling_rules("Nekamesse", "Nekamese") == ["doubled letters"]


def test_name_index_tiers_exact_spelling_fuzzy_ambiguous():
    idx = NameIndex([(n, f"c{i}") for i, n in enumerate(KECAMATAN)], cutoff=0.84)
    m = idx.lookup("KEC. BATUR")
    assert (m.how, m.value, m.score) == ("exact", "c2", 1.0)
    m = idx.lookup("Soekamaju")
    assert (m.how, m.value, m.rules) == ("spelling", "c1", ("oe/u",))
    m = idx.lookup("Kotabarau")
    assert m.how == "fuzzy" and m.value == "c5" and 0.84 <= m.score < 1
    m = idx.lookup("Tanjung Baku")
    assert m.how == "ambiguous" and m.value is None
    assert set(m.values) == {"c6", "c7"} and set(m.tied) == {"Tanjung Baru", "Tanjung Batu"}
    m = idx.lookup("Amarasi")
    assert m.how == "none" and m.value is None and m.closest in KECAMATAN
    # the same name twice (two kecamatan called Sukamaju): never guessed
    twice = NameIndex([("Sukamaju", "a"), ("SUKAMAJU", "b")])
    assert twice.lookup("Soekamaju").how == "ambiguous"
    assert twice.lookup("Sukamaju").value is None


def test_kecamatan_table_in_old_spelling_matches_and_reports(kupang_like):
    ds = Dataset.open(kupang_like)
    kec = ds.areas("kecamatan")
    code = dict(zip(kec["name"], kec["code"]))
    assert kec["code_derived"].all()
    st = ds.statistics(measure="population")
    got = st.drop_duplicates("code").set_index("code")["name"].to_dict()
    for name in ("Camplong", "Sukamaju", "Batur", "Kotaraja", "Nekamese", "Kotabaru"):
        assert code[name] in got, name
    # meat, eggs and milk of an old-spelled kecamatan are there, not dropped
    suka = st[st["code"] == code["Sukamaju"]].set_index("commodity")["value"]
    assert suka.notna().sum() == 2 and 1500 in suka.tolist()
    rep = next(r for r in ds.statistics_reports if r.level == "kecamatan")
    assert rep.areas_matched == 6
    inexact = rep.areas_inexact
    assert set(inexact) == {"Tjamplong", "Soekamaju", "Kotaradja", "Nekamesse", "Kotabarau"}
    assert inexact["Tjamplong"] == {"code": code["Camplong"], "name": "Camplong",
                                    "how": "spelling", "score": 1.0, "rules": ["tj/c"]}
    assert inexact["Kotabarau"]["how"] == "fuzzy" and inexact["Kotabarau"]["score"] < 1
    assert "Batur" not in inexact and "17. Batur" not in inexact  # the list number: exact
    why = rep.areas_unmatched["Tanjung Baku"]
    assert "2 kecamatan fit equally" in why and "not guessed" in why
    assert "Tanjung Baru" in why and "Tanjung Batu" in why


def test_validate_reports_each_inexact_name_with_its_score(kupang_like):
    res = _cli("validate", "--data", str(kupang_like), "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    summary = json.loads(res.stdout)
    (table,) = [t for t in summary["statistics"]["tables"] if t["level"] == "kecamatan"]
    assert table["areas_inexact"]["Soekamaju"]["rules"] == ["oe/u"]
    score = table["areas_inexact"]["Kotabarau"]["score"]
    res = _cli("validate", "--data", str(kupang_like))
    text = res.stdout
    assert res.returncode == 0 and "Traceback" not in text + res.stderr
    assert "Names matched by spelling or fuzzily" in text
    for words in (("Tjamplong", "Camplong", "spelling (tj/c)"),
                  ("Soekamaju", "Sukamaju", "spelling (oe/u)"),
                  ("Kotabarau", "Kotabaru", "fuzzy", f"{score:.2f}")):
        line = next((ln for ln in text.splitlines() if words[0] in ln and "│" in ln), "")
        assert all(w in line for w in words), (words, text)
    assert "Tanjung Baku" in text and "not guessed" in text


def test_match_areas_with_a_blank_label_has_no_traceback(kupang_like):
    ds = Dataset.open(kupang_like)
    records = pd.DataFrame({"area_code": [None, None, None, "9999999"],
                            "area_label": [None, "Soekamaju", "Entah", None],
                            "area_raw": ["", "Soekamaju", "Entah", "9999999"]})
    rep = TableReport(file="x.csv", sheet=None, title=None, layout="wide", level=None,
                      rows=4, values=4)
    out = match_areas(records, AreaIndex(ds.layers), "kecamatan", rep)
    assert out["code"].notna().tolist() == [False, True, False, False]
    assert set(rep.areas_unmatched) == {"(blank)", "Entah", "9999999"}


def _desa_with_kecamatan_names(folder: Path) -> Path:
    desa = grid_desa()
    desa["nama"] = ["Tjikoneng", "Sukamaju", "Batur", "Gunungsari", "Kotaraja", "Kotabaru"]
    desa["kecamatan"] = ["Camplong"] * 3 + ["Nekamese"] * 3
    desa["kode"] = desa["kode"]
    make_dataset(folder, desa)
    return folder


def test_sentra_placed_by_old_spelling_and_fuzzy_name_with_score(tmp_path):
    _desa_with_kecamatan_names(tmp_path)
    (tmp_path / "sentra").mkdir()
    (tmp_path / "sentra" / "sentra.csv").write_text(
        "komoditas,desa,kecamatan\n"
        "kakao,Cikoneng,Tjamplong\n"        # the desa in old spelling, the kecamatan too
        "kakao,Soekamadjoe,\n"              # oe, dj
        "kakao,17. Batur,Camplong\n"        # list number
        "kakao,Gunungsary,Nekamesse\n"      # a typo: fuzzy
        "kakao,Kota,\n")                    # nothing near enough
    ds = Dataset.open(tmp_path)
    s = ds.sentra()
    assert s["desa_code"].tolist()[:4] == ["73.08.01.2001", "73.08.01.2002", "73.08.01.2003",
                                           "73.08.02.2001"]
    assert s["placed_by"].tolist()[:4] == ["name (spelling)", "name (spelling)", "name",
                                           "name (fuzzy)"]
    assert "kecamatan name 'Tjamplong' read as 'Camplong' (spelling (tj/c))" in s.at[0, "note"]
    assert "fuzzy, score 0." in s.at[3, "note"]
    assert pd.isna(s.at[4, "desa_code"])
    src = ds.sentra_sources[0]
    by_name = {(x["level"], x["name"]): x for x in src.names_inexact}
    assert by_name[("desa", "Gunungsary")]["how"] == "fuzzy"
    assert 0.84 < by_name[("desa", "Gunungsary")]["score"] < 1
    assert by_name[("kecamatan", "Tjamplong")]["matched"] == "Camplong"
    msg = next(p for p in ds.problems if "matched by spelling or fuzzily" in p.message)
    assert msg.severity == "info" and "'Gunungsary' -> Gunungsari" in msg.message
    res = _cli("validate", "--data", str(tmp_path), "--json")
    files = json.loads(res.stdout)["sentra"]["files"]
    assert any(x["name"] == "Gunungsary" for x in files[0]["names_inexact"])


def test_codes_table_matched_by_old_spelling(tmp_path):
    desa = grid_desa().drop(columns="kode")
    desa["nama"] = ["Tjikoneng", "Soekamaju", "Batur", "Desa 2-1", "Desa 2-2", "Desa 2-3"]
    make_dataset(tmp_path, desa)
    (tmp_path / "kode.csv").write_text(
        "kode,nama\n73.08.01.2001,Cikoneng\n73.08.01.2002,Sukamaju\n73.08.01.2003,Batur\n"
        "73.08.02.2001,Desa 2-1\n73.08.02.2002,Desa 2-2\n73.08.02.2003,Desa 2-3\n")
    (tmp_path / "dataset.toml").write_text('[boundaries.desa]\ncodes = "kode.csv"\n')
    ds = Dataset.open(tmp_path)
    a = ds.areas("desa")
    assert dict(zip(a["name"], a["code"]))["Soekamaju"] == "73.08.01.2002"
    msg = next(p.message for p in ds.problems if "matched by spelling" in p.message)
    assert "'Tjikoneng' -> Cikoneng (7308012001; spelling (tj/c))" in msg


# ------------------------------------------------------------------------------ item 8: validate


def test_a_skipped_statistics_table_is_a_warning_and_validate_passes(kupang_like, tmp_path):
    folder = _kecamatan_names_only(tmp_path)
    (folder / "statistik").mkdir()
    (folder / "statistik" / "a.csv").write_text(LIVESTOCK)
    (folder / "statistik" / "catatan.csv").write_text("Catatan,Isi\nsumber,BPS\nhal,12\n")
    ds = Dataset.open(folder)
    assert not ds.errors
    res = _cli("validate", "--data", str(folder))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "usable" in res.stdout and "not usable" not in res.stdout
    assert "Commands / Perintah" in res.stdout


def test_an_error_says_what_it_blocks(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    make_dataset(tmp_path)
    (tmp_path / "agroecology").mkdir()
    with rasterio.open(tmp_path / "agroecology" / "elevation.tif", "w", driver="GTiff",
                       height=4, width=4, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(119.99, -4.98, 0.02, 0.02), nodata=-9999.0) as d:
        d.write(np.full((4, 4), -9999.0, "float32"), 1)
    res = _validate_in_process("--data", str(tmp_path), "--json")
    assert res.exit_code == 1
    s = json.loads(res.stdout)
    (err,) = [p for p in s["problems"] if p["severity"] == "error"]
    assert "elevation" in err["blocks"] and "suitability" in err["blocks"]
    assert set(s["severity_meaning"]) == {"error", "warning", "info"}
    assert s["commands"]["attributes / suitability"]["ready"] is False
    assert s["commands"]["export (areas)"]["ready"] is True
    text = _validate_in_process("--data", str(tmp_path)).stdout
    assert "[blocks: land suitability without 'elevation'" in text
    assert "1 error(s): an input left out whole" in text and "not usable" in text


def test_hints_name_their_key(tmp_path):
    make_dataset(tmp_path, sentra="komoditas,kode_desa\nbatu akik,73.08.01.2001\n")
    res = run_cli("validate", "--data", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    # rich read "[commodities]" as markup and printed "map it under  in dataset.toml"
    assert "under [commodities] in dataset.toml" in res.stdout
    table = res.stdout.split("Problems")[0]  # the Sentra table's row, wrapped in its cell
    assert "(map it under" in table and "[commodities]" in table
    assert "under  in" not in res.stdout and "under in dataset" not in res.stdout


def _fuzz_folders(root: Path) -> dict[str, Path]:
    """Broken folders as they arrive: each must end in a message, never a traceback."""
    out = {}

    def new(name):
        out[name] = make_dataset(root / name)
        return out[name]

    f = new("empty_statistics_csv")
    (f / "statistik").mkdir()
    (f / "statistik" / "kosong.csv").write_text("")
    f = new("header_only_statistics")
    (f / "statistik").mkdir()
    (f / "statistik" / "t.csv").write_text("Kecamatan,Padi\n")
    f = new("garbage_xlsx")
    (f / "statistik").mkdir()
    (f / "statistik" / "t.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    f = new("blank_area_cells")
    (f / "statistik").mkdir()
    (f / "statistik" / "t.csv").write_text(
        "Kecamatan,Padi,Jagung\n,1,2\n ,3,4\nDesa 1-1,5,6\n-,7,8\n")
    f = new("names_all_blank")
    desa = grid_desa().drop(columns="kode")
    desa["nama"] = [None] * len(desa)
    make_dataset(f, desa)
    f = new("empty_toml_tables")
    (f / "dataset.toml").write_text("[boundaries]\n[sentra]\n[[statistics]]\npath = 'x.csv'\n")
    f = new("sentra_all_blank")
    (f / "sentra").mkdir(exist_ok=True)
    (f / "sentra" / "s.csv").write_text("komoditas,desa,kecamatan\n,,\n,,\n")
    f = new("binary_sentra")
    (f / "sentra").mkdir(exist_ok=True)
    (f / "sentra" / "s.csv").write_bytes(bytes(range(256)) * 4)
    return out


def _validate_in_process(*args: str):
    """``unggulan validate`` through typer's runner (no interpreter start per folder)."""
    from typer.testing import CliRunner

    from unggulan import cli

    return CliRunner().invoke(cli.cli, ["validate", *args])


def test_validate_never_ends_in_a_traceback(tmp_path):
    for name, folder in _fuzz_folders(tmp_path).items():
        res = _validate_in_process("--data", str(folder))
        # anything but the command's own exit is an exception escaping: a traceback
        assert res.exception is None or isinstance(res.exception, SystemExit), (
            name, res.exc_info)
        assert res.exit_code in (0, 1, 2), (name, res.output)
        if res.exit_code == 2:
            assert "error:" in res.output, (name, res.output)
        res = _validate_in_process("--data", str(folder), "--json")
        assert res.exception is None or isinstance(res.exception, SystemExit), name
        if res.exit_code in (0, 1):
            json.loads(res.stdout)


# ------------------------------------------------------------------------------ item 8: init


def _init_then_open(folder: Path) -> tuple[str, Dataset]:
    ds = Dataset.open(folder)
    write_guessed_config(ds, folder / "dataset.toml")
    text = (folder / "dataset.toml").read_text()
    tomllib.loads(text)
    return text, Dataset.open(folder)


def test_init_on_names_only_boundaries_suggests_kabupaten_code(kupang_like, tmp_path):
    folder = _kecamatan_names_only(tmp_path / "k")
    res = _cli("init", str(folder))
    assert res.returncode == 0, res.stdout + res.stderr
    text = (folder / "dataset.toml").read_text()
    assert "(kode turunan" not in text
    assert "code" not in tomllib.loads(text)["boundaries"]["kecamatan"]
    assert '# kabupaten_code = "73.08"' in text
    res = _cli("validate", "--data", str(folder))
    assert res.returncode == 0, res.stdout + res.stderr
    # with the kabupaten code given, the derived codes start with it and init keeps it
    assert tomllib.loads(text)["boundaries"]["kecamatan"]["name"] == "nama"
    (folder / "dataset.toml").write_text('kabupaten_code = "53.01"\n')
    text, ds = _init_then_open(folder)
    assert tomllib.loads(text)["kabupaten_code"] == "53.01"
    assert "# kabupaten_code" not in text
    assert ds.areas("kecamatan")["code"].str.startswith("53.01.").all()


def test_a_dataset_toml_from_the_old_init_opens_and_is_rewritten(tmp_path):
    folder = _kecamatan_names_only(tmp_path)
    (folder / "dataset.toml").write_text(  # what `unggulan init` wrote before (issue #28)
        '[boundaries.kecamatan]\npath = "boundaries/kecamatan.gpkg"\n'
        'code = "(kode turunan / derived code)"\nname = "nama"\n')
    res = _cli("validate", "--data", str(folder))
    assert res.returncode == 0, res.stdout + res.stderr
    res = _cli("init", str(folder), "--force")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "(kode turunan" not in (folder / "dataset.toml").read_text()
    assert _cli("validate", "--data", str(folder)).returncode == 0


@pytest.mark.parametrize("kind", ["names_only_desa", "bps_codes", "no_kecamatan_layer",
                                  "two_sentra_files"])
def test_init_writes_a_dataset_toml_that_validate_opens(tmp_path, kind):
    if kind == "names_only_desa":
        desa = grid_desa().drop(columns="kode")
        desa["kecamatan"] = ["Kec B"] * 3 + ["Kec A"] * 3
        make_dataset(tmp_path, desa, sentra="komoditas,desa,kecamatan\nkakao,Desa 1-1,Kec B\n")
    elif kind == "bps_codes":
        make_dataset(tmp_path, grid_desa(system="bps"),
                     sentra="komoditas,kode_desa\nkakao,7311010001\n")
    elif kind == "no_kecamatan_layer":
        make_dataset(tmp_path, sentra="komoditas,kode_desa\nkakao,73.08.01.2001\n")
    else:
        make_dataset(tmp_path, sentra="komoditas,kode_desa\nkakao,73.08.01.2001\n")
        (tmp_path / "sentra" / "b.csv").write_text("produk;desa\nkopi;Desa 2-2\n")
    before = Dataset.open(tmp_path)
    res = _cli("init", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    res = _cli("validate", "--data", str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    after = Dataset.open(tmp_path)
    assert list(after.areas("desa")["code"]) == list(before.areas("desa")["code"])
    assert len(after.sentra()) == len(before.sentra())
    assert after.sentra()["desa_code"].tolist() == before.sentra()["desa_code"].tolist()


@pytest.mark.parametrize("which", ["bundled", "bone", "malang_batu", "jember"])
def test_init_on_the_real_and_bundled_datasets(tmp_path, which):
    src = {"bundled": BUNDLED, "bone": BONE, "malang_batu": MALANG,
           "jember": SHARED / "jember"}[which]
    if not src.exists():
        pytest.skip(f"{src} not present")
    # the folders are linked, never copied; dataset.toml is written in the temporary folder.
    # Jember's statistics are six PDF books (minutes to read): only its boundaries matter here
    for sub in src.iterdir():
        if sub.name != "dataset.toml" and (which != "jember" or sub.name == "boundaries"):
            (tmp_path / sub.name).symlink_to(sub.resolve())
    before = Dataset.open(tmp_path)
    text, after = _init_then_open(tmp_path)
    assert "(kode turunan" not in text
    assert not after.errors
    for lv in before.levels:
        assert list(after.areas(lv)["code"]) == list(before.areas(lv)["code"])
    assert len(after.sentra()) == len(before.sentra())
    assert len(after.statistics()) == len(before.statistics())


# ------------------------------------------------------------------------------ item 9: options


def test_convention_option_and_unknown_keywords(demo):
    default = demo.analysis("dlq")
    angelina = demo.analysis("dlq", convention="angelina")
    key = ["code", "commodity"]
    both = default.merge(angelina, on=key, suffixes=("", "_a"))
    swap = {"andalan": "prospektif", "prospektif": "andalan"}
    swapped = both["quadrant"].map(lambda q: swap.get(q, q)).fillna("")
    assert (swapped == both["quadrant_a"].fillna("")).all()
    assert both["quadrant"].isin(["andalan", "prospektif"]).any()
    for kwargs, fld in (({"conventoin": "angelina"}, "conventoin"),
                        ({"convention": "kompasiana"}, "convention"),
                        ({"variant": "esteban"}, "variant"),
                        ({"growth": "median"}, "growth")):
        with pytest.raises(UnggulanError) as exc:
            demo.analysis("dlq", **kwargs)
        assert exc.value.field == fld and fld in str(exc.value)
    with pytest.raises(UnggulanError, match="does not apply to method slq"):
        demo.analysis("slq", convention="angelina")


def test_analyse_cli_convention(tmp_path):
    out = tmp_path / "dlq.csv"
    res = _cli("analyse", "--method", "dlq", "--convention", "angelina", "--out", str(out),
                  "--data", str(BUNDLED))
    assert res.returncode == 0, res.stdout + res.stderr
    got = pd.read_csv(out)
    expected = Dataset.open(BUNDLED).analysis("dlq", convention="angelina")
    assert got["quadrant"].fillna("").tolist() == expected["quadrant"].fillna("").tolist()
    res = _cli("analyse", "--method", "dlq", "--convention", "x", "--out", str(out),
                  "--data", str(BUNDLED))
    assert res.returncode == 2 and "convention must be one of default, angelina" in res.stderr
    res = _cli("analyse", "--method", "slq", "--convention", "angelina", "--out", str(out),
                  "--data", str(BUNDLED))
    assert res.returncode == 2 and "'convention' does not apply" in res.stderr


def test_analysis_route_convention():
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        a = c.get("/api/v1/analysis/dlq", params={"convention": "angelina"}).json()["items"]
        d = c.get("/api/v1/analysis/dlq").json()["items"]
        assert [x["quadrant"] for x in a] != [x["quadrant"] for x in d]
        assert c.get("/api/v1/analysis/dlq", params={"convention": "x"}).status_code == 422
        # the summary is the one of validate --json: the verdict's parts are served too
        summ = c.get("/api/v1/summary").json()
        assert summ["commands"]["analyse"]["ready"] is True
        assert set(summ["severity_meaning"]) == {"error", "warning", "info"}
        assert "tables" in summ["statistics"]
