"""Statistics in a dataset: Bone's BPS-shaped tables read by ``Dataset.open`` and checked
against an independent read of each file; names-only boundaries; levels kept as published;
commodities outside the catalogue kept."""

from __future__ import annotations

import csv
import json
import re
import shutil

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from tests.helpers import run_cli
from unggulan.base.names import fold, place_key
from unggulan.core.inputs.commodities import Catalogue

STAT = "statistik"
CAT = Catalogue.load()


def _number(text, decimal: str) -> float | None:
    """An independent parse of a published number: '-' is nil (0), empty is missing."""
    if isinstance(text, int | float):
        return float(text)
    t = str(text).strip()
    if t in ("-", "–"):
        return 0.0
    if t in ("", "...", "x"):
        return None
    if decimal == ",":
        return float(t.replace(".", "").replace(",", "."))
    return float(t.replace(",", ""))


def _area_code(label: str, kecamatan: pd.DataFrame) -> str:
    name = re.sub(r"^\s*\d+\.\s*", "", str(label))
    keys = {place_key(n): c for c, n in zip(kecamatan["code"], kecamatan["name"])}
    return keys[place_key(name)]


def _commodity(label: str) -> str:
    cid, _ = CAT.match(label.split("/")[0])
    assert cid, label
    return cid


@pytest.fixture(scope="module")
def expected(bone_dir, bone):
    """(code, commodity, measure, year) -> value, read with csv/openpyxl only."""
    kec = bone.areas("kecamatan")
    folder = bone_dir / STAT
    exp: dict[tuple, float | None] = {}
    # 1. wide plantation table, years in a 'Tahun ' column, thousands commas
    with open(next(folder.glob("Produksi Tanaman Perkebunan*.csv")), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    for r in rows[1:]:
        if not any(x.strip() for x in r):
            continue
        year = int(r[-1])
        for col, cell in zip(head[1:-1], r[1:-1]):
            exp[(_area_code(r[0], kec), _commodity(col), "production", year)] = \
                _number(cell, ".")
    # 2. ';' table with decimal commas: measure and commodity joined in the header
    with open(next(folder.glob("luas panen produksi padi*.csv")), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))
    head = rows[0]
    for r in rows[1:]:
        code, year = _area_code(r[0], kec), int(r[1])
        for col, cell in zip(head[2:], r[2:]):
            m = re.match(r"(Luas Panen|Produksi|Rata-rata Produksi) (.+) \((\w+)/?(\w*)\)", col)
            kind, name = m.group(1), m.group(2)
            measure = {"Luas Panen": "harvested_area", "Produksi": "production",
                       "Rata-rata Produksi": "productivity"}[kind]
            v = _number(cell, ",")
            if measure == "productivity" and v is not None:
                v = v / 10  # kuintal/ha -> ton/ha
            exp[(code, _commodity(name), measure, year)] = v
    # 3. long livestock table with Kemendagri kecamatan codes without dots
    with open(next(folder.glob("populasi ternak*.csv")), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            k = r["kode_kecamatan"]
            code = f"{k[:2]}.{k[2:4]}.{k[4:6]}"
            exp[(code, _commodity(r["jenis_ternak"]), "population", int(r["tahun"]))] = \
                float(r["populasi_ekor"])
    # 4. BPS sheets: header merged over two rows, a column-number row, total row, footer
    for path in sorted(folder.glob("*.xlsx")):
        year = int(re.search(r"(20\d\d)", path.name).group(1))
        ws = openpyxl.load_workbook(path).active
        values = list(ws.iter_rows(values_only=True))
        labels = values[4]  # the commodity row under the merged 'Luas Panen (ha)' cell
        for r in values[6:]:
            first = str(r[0] or "")
            if not first or first.startswith(("Sumber", "Source", "Kabupaten", "Jumlah", "Bone")):
                continue
            for lab, cell in zip(labels[1:], r[1:]):
                exp[(_area_code(first, kec), _commodity(lab), "harvested_area", year)] = \
                    _number(cell, ".")
    return exp


def test_bone_statistics_equal_an_independent_read(bone, expected):
    st = bone.statistics()
    got = {(r.code, r.commodity, r.measure, int(r.year)): r.value
           for r in st.itertuples() if pd.notna(r.year)}
    assert len(expected) > 5000
    assert set(got) == set(expected)
    wrong = [(k, got[k], v) for k, v in expected.items()
             if not ((v is None and pd.isna(got[k])) or
                     (v is not None and got[k] == pytest.approx(v, rel=1e-9, abs=1e-9)))]
    assert not wrong, wrong[:5]
    # every value says where it came from
    assert st["source"].str.contains(r"!\d+:").all()
    assert set(st["level"]) == {"kecamatan"}
    assert st.loc[st["measure"] == "productivity", "ratio"].all()
    assert not st.loc[st["measure"] != "productivity", "ratio"].any()


def test_bone_total_row_difference_is_reported(bone):
    msgs = [str(p) for p in bone.problems if "2024" in p.file and "total" in p.message]
    assert any("difference +5" in m or "differ" in m for m in msgs), msgs
    rep = [r for r in bone.statistics_reports if "2024" in r.file][0]
    assert any(abs((t.get("difference") or 0) - 5) < 1e-6 for t in rep.totals)


def test_validate_reports_statistics_as_strict_json(bone_dir):
    res = run_cli("validate", "--data", str(bone_dir), "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-strict {c}"))
    tables = doc["statistics"]["tables"]
    assert len(tables) == 6
    for t in tables:
        assert t["areas_matched"] == 27 and not t["areas_unmatched"]
        assert t["years"] and t["level"] == "kecamatan"
        assert t["commodities_matched"] and not t["commodities_unmatched"]
    plain = run_cli("validate", "--data", str(bone_dir))
    assert "Statistik / Statistics" in plain.stdout


# ---------------------------------------------------------------- names-only boundaries
@pytest.fixture(scope="module")
def names_only(tmp_path_factory, bone_dir):
    """Bone's kecamatan polygons with names only (no code column) and its statistics."""
    folder = tmp_path_factory.mktemp("names_only")
    (folder / "boundaries").mkdir()
    kec = gpd.read_file(bone_dir / "boundaries" / "kecamatan_bone.gpkg")
    kec[["nama", "geometry"]].rename(columns={"nama": "KECAMATAN"}).to_file(
        folder / "boundaries" / "batas_kecamatan.shp")
    shutil.copytree(bone_dir / STAT, folder / STAT)
    (folder / "dataset.toml").write_text('name = "Uji nama saja"\nkabupaten_code = "73.08"\n',
                                         encoding="utf-8")
    return folder


def test_names_only_kecamatan_open_with_derived_codes(names_only):
    from unggulan import Dataset

    ds = Dataset.open(names_only)
    kec = ds.areas("kecamatan")
    assert len(kec) == 27 and kec["code_derived"].all()
    # documented rule: kabupaten code, then the names sorted by their folded key
    ordered = sorted(kec["name"], key=fold)
    assert kec.sort_values("code")["name"].tolist() == ordered
    assert kec["code"].str.match(r"^73\.08\.\d\d$").all()
    assert ds.layer_info["kecamatan"].codes_derived
    assert any("derived" in p.message for p in ds.problems)
    # the livestock table's official codes cannot be joined to derived ones: its rows are
    # matched by nothing and reported, the named tables are matched by name
    st = ds.statistics()
    assert set(st["code"]) <= set(kec["code"])
    assert {"production", "harvested_area"} <= set(st["measure"])
    c = ds.candidates("kecamatan", top=3)
    assert len(c) == 27 * 3 and c["active"].all()


def test_names_only_dataset_validates_and_serves_statistics(names_only):
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.base.settings import Settings

    res = run_cli("validate", "--data", str(names_only))
    assert res.returncode == 0, res.stdout + res.stderr
    with TestClient(create_app(Settings(data=names_only))) as client:
        r = client.get("/api/v1/statistics", params={"commodity": "kakao", "limit": 5})
        assert r.status_code == 200
        body = r.json()
        assert body["total"] > 100 and len(body["items"]) == 5
        assert {i["commodity"] for i in body["items"]} == {"kakao"}
        r = client.get("/ogc/collections/statistics/items", params={"limit": 3})
        assert r.status_code == 200 and len(r.json()["features"]) == 3
        assert r.json()["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert client.get("/api/v1/analysis/dlq").status_code == 200


def test_codes_table_gives_official_codes(tmp_path, bone_dir):
    from unggulan import Dataset

    (tmp_path / "boundaries").mkdir()
    kec = gpd.read_file(bone_dir / "boundaries" / "kecamatan_bone.gpkg")
    kec[["nama", "geometry"]].to_file(tmp_path / "boundaries" / "kecamatan.gpkg")
    table = kec[["kode", "nama"]].assign(nama=kec["nama"].str.upper())
    table.to_csv(tmp_path / "kode_kecamatan.csv", index=False, sep=";")
    (tmp_path / "dataset.toml").write_text(
        '[boundaries.kecamatan]\ncodes = "kode_kecamatan.csv"\n', encoding="utf-8")
    ds = Dataset.open(tmp_path)
    a = ds.areas("kecamatan")
    assert not a["code_derived"].any()
    assert dict(zip(a["name"], a["code"])) == dict(zip(kec["nama"], kec["kode"]))


# ---------------------------------------------------------------- levels as published
def test_kecamatan_statistics_stay_kecamatan_on_desa_boundaries(tmp_path, bone_dir):
    from unggulan import Dataset

    (tmp_path / "boundaries").mkdir()
    shutil.copy(bone_dir / "boundaries" / "desa_bone.gpkg", tmp_path / "boundaries")
    shutil.copy(bone_dir / "boundaries" / "kecamatan_bone.gpkg", tmp_path / "boundaries")
    (tmp_path / STAT).mkdir()
    shutil.copy(next((bone_dir / STAT).glob("populasi*.csv")), tmp_path / STAT)
    ds = Dataset.open(tmp_path)
    st = ds.statistics()
    assert set(st["level"]) == {"kecamatan"}
    desa = ds.areas("desa").index[0]
    own = ds.statistics(area=desa, with_parents=True)
    assert len(own) and set(own["level"]) == {"kecamatan"}
    assert set(own["code"]) == {ds.areas("desa").at[desa, "kecamatan_code"]}
    c = ds.candidates("desa", top=3)
    inherited = c[c["stat_level"] == "kecamatan"]
    assert len(inherited) and inherited["reason_id"].str.contains("kecamatan").all()


def test_kabupaten_table_is_read_as_reference(tmp_path, malang_dir):
    from unggulan import Dataset

    (tmp_path / "boundaries").mkdir()
    shutil.copy(malang_dir / "boundaries" / "desa_malang_batu.gpkg", tmp_path / "boundaries")
    (tmp_path / STAT).mkdir()
    shutil.copy(malang_dir / "sentra" / "jatim_produksi_komoditas_kabupaten.csv",
                tmp_path / STAT)
    ds = Dataset.open(tmp_path)
    assert not ds.errors
    st = ds.statistics()
    assert set(st["level"]) == {"kabupaten"}
    assert st["code"].nunique() == 38
    raw = pd.read_csv(malang_dir / "sentra" / "jatim_produksi_komoditas_kabupaten.csv")
    kw = raw[raw["satuan"].str.lower().isin(["kw", "kuintal"])].iloc[0]
    row = st[(st["code"] == f"{str(kw['kode_kab'])[:2]}.{str(kw['kode_kab'])[-2:]}")
             & (st["commodity_name"].str.lower() == CAT.get(
                 CAT.match(kw["komoditas"])[0]).name_id.lower())]
    assert len(row) == 1 and row["unit"].iat[0] == "ton"
    assert row["value"].iat[0] == pytest.approx(float(kw["produksi"]) / 10)


# ---------------------------------------------------------------- unknown commodities
def test_commodities_outside_the_catalogue_are_proposed_where_they_dominate(tmp_path,
                                                                            bone_dir):
    from unggulan import Dataset

    for sub in ("boundaries", "agroecology"):
        shutil.copytree(bone_dir / sub, tmp_path / sub)
    (tmp_path / "sentra").mkdir()
    src = pd.read_csv(bone_dir / "sentra" / "sentra_bone_SINTETIS.csv", dtype=str)
    desa = src["kode_desa"].dropna().unique()[:3]
    extra = []
    for i, (code, name) in enumerate([(desa[0], "KERAJINAN GERABAH"),
                                      (desa[1], "Keripik Pisang Sale"),
                                      (desa[2], "Anyaman Lontar")]):
        for k in range(2):
            extra.append({**{c: "" for c in src.columns}, "id_sentra": f"X{i}{k}",
                          "komoditas": name, "kode_desa": code, "tenaga_kerja": "400",
                          "unit_usaha": "30", "sektor": ""})
    pd.concat([src, pd.DataFrame(extra)]).to_csv(tmp_path / "sentra" / "sentra.csv",
                                                index=False)
    ds = Dataset.open(tmp_path)
    assert {"kerajinan_gerabah", "keripik_pisang_sale", "anyaman_lontar"} <= set(
        ds.catalogue.unknown)
    assert ds.catalogue.get("kerajinan_gerabah").sector == "industri_kerajinan"
    assert ds.catalogue.get("keripik_pisang_sale").sector == "makanan_minuman"
    summary = ds.summary()
    assert "kerajinan_gerabah" in summary["sentra"]["unknown_commodities"]
    c = ds.candidates("desa", top=3)
    for code, cid in zip(desa, ("kerajinan_gerabah", "keripik_pisang_sale",
                                "anyaman_lontar")):
        top = c[(c["code"] == code)].sort_values("rank")
        assert top["commodity"].iat[0] == cid, top[["commodity", "score"]]


def test_init_writes_statistics_entries_that_read_the_same(tmp_path, bone_dir, bone):
    from unggulan import Dataset

    for sub in ("boundaries", STAT):
        (tmp_path / sub).symlink_to(bone_dir / sub)
    res = run_cli("init", str(tmp_path))
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "dataset.toml").read_text(encoding="utf-8")
    assert text.count("[[statistics]]") == 6 and 'area_level = "kecamatan"' in text
    again = Dataset.open(tmp_path).statistics()
    cols = ["code", "commodity", "measure", "year", "value"]
    pd.testing.assert_frame_equal(
        again[cols].sort_values(cols[:4]).reset_index(drop=True),
        bone.statistics()[cols].sort_values(cols[:4]).reset_index(drop=True))


def test_a_kabupaten_table_among_the_sentra_is_read_as_statistics(malang_dir):
    """Malang/Batu as shipped: the Jawa Timur kabupaten table sits in sentra/."""
    from unggulan import Dataset

    ds = Dataset.open(malang_dir)
    assert not ds.errors
    assert any("read as a statistics table" in p.message for p in ds.problems)
    st = ds.statistics()
    assert set(st["level"]) == {"kabupaten"} and st["code"].nunique() == 38
    assert len(ds.sentra()) == 0
    res = run_cli("validate", "--data", str(malang_dir))
    assert res.returncode == 0, res.stdout
