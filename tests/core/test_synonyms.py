"""Commodity names as BPS and dinas tables write them match the intended catalogue id, by an
exact name or a synonym (never by the fuzzy fallback), and no name points to two ids."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from tests.conftest import BONE, BUNDLED, MALANG
from unggulan.base.names import fold
from unggulan.core.inputs.commodities import Catalogue

CAT = Catalogue.load()

# names a planner's tables use -> intended catalogue id
NAMED = {
    "Kopi Arabica": "kopi_arabika", "Kopi Robusta": "kopi_robusta",
    "Cabai Besar": "cabai", "Cabe Besar": "cabai", "Cabai": "cabai", "Cabe Merah": "cabai",
    "Cabai Rawit": "cabai_rawit", "Cabe Rawit": "cabai_rawit",
    "Petsai": "sawi", "Sawi": "sawi", "Petsai/Sawi": "sawi",
    "Jeruk": "jeruk", "Jeruk Siam": "jeruk", "Jeruk Keprok": "jeruk",
    "Jeruk Besar": "jeruk_besar", "Jeruk Bali": "jeruk_besar", "Jeruk Nipis": "jeruk_nipis",
    "Ayam Ras Petelur": "ayam_ras_petelur", "Ayam Ras Pedaging": "ayam_ras_pedaging",
    "Ayam Buras": "ayam_kampung", "Ayam Kampung": "ayam_kampung", "Ayam": "ayam_ras",
    "Kelapa": "kelapa", "Kelapa Dalam": "kelapa", "Kelapa Hibrida": "kelapa",
    "Kelapa Sawit": "kelapa_sawit", "Sawit": "kelapa_sawit",
    "Laos": "lengkuas", "Lengkuas": "lengkuas", "Krisan": "krisan",
    "Sapi": "sapi_potong", "Sapi Potong": "sapi_potong", "Sapi Perah": "sapi_perah",
    "Kerbau": "kerbau", "Kuda": "kuda", "Kambing": "kambing", "Domba": "domba", "Babi": "babi",
    "Itik": "itik", "Bebek": "itik", "Itik Manila": "itik_manila", "Entok": "itik_manila",
    "Jambu Mete": "jambu_mete", "Jambu Mente": "jambu_mete",
    "Kacang Panjang": "kacang_panjang", "Kacang Merah": "kacang_merah",
    "Bawang Merah": "bawang_merah", "Bawang Putih": "bawang_putih", "Bawang Daun": "bawang_daun",
    "Kentang": "kentang", "Kubis": "kubis", "Wortel": "wortel", "Tomat": "tomat",
    "Terung": "terung", "Terong": "terung", "Buncis": "buncis", "Ketimun": "ketimun",
    "Timun": "ketimun", "Labu Siam": "labu_siam", "Kangkung": "kangkung", "Bayam": "bayam",
    "Petai": "petai", "Jengkol": "jengkol", "Melinjo": "melinjo", "Ubi Jalar": "ubi_jalar",
    "Ubi Kayu": "ubi_kayu", "Talas": "talas", "Kacang Hijau": "kacang_hijau",
    "Kedelai": "kedelai", "Kacang Tanah": "kacang_tanah",
    "Padi Sawah": "padi_sawah", "Padi Ladang": "padi_gogo", "Padi": "padi_sawah",
    "Tebu": "tebu", "Tembakau": "tembakau", "Nilam": "nilam", "Aren": "aren", "Sagu": "sagu",
    "Pala": "pala", "Vanili": "vanili", "Kayu Manis": "kayu_manis", "Karet": "karet",
    "Teh": "teh", "Ikan Nila": "ikan_nila", "Ikan Mas": "ikan_mas", "Lele": "ikan_lele",
    "Bandeng": "ikan_bandeng", "Ikan Bandeng": "ikan_bandeng", "Udang Vaname": "udang",
    "Rumput Laut": "rumput_laut", "Telur Itik": "itik", "Susu": "sapi_perah",
    # beras is milled rice: its tables count all padi, mostly lowland (see commodities.md)
    "Beras": "padi_sawah",
    "Carica": "carica", "Cendana": "cendana", "Gerabah": "gerabah",
    "Anyaman Pandan": "anyaman_pandan",
    "Jahe": "jahe", "Kunyit": "kunyit", "Kencur": "kencur", "Temulawak": "temulawak",
    "Anggrek": "anggrek", "Mawar": "mawar", "Melati": "melati",
    "Jati": "jati", "Sengon": "sengon", "Mahoni": "mahoni",
}
# names in the shared data files (read below); every one must be listed here
IN_FILES = {
    # bone/statistik perkebunan CSV headers
    "Kakao": "kakao", "Cengkeh": "cengkeh", "Lada": "lada", "Kemiri": "kemiri",
    # padi palawija CSV ("Produksi X (Ton)")
    "Jagung": "jagung",
    # vegetable XLSX, both halves of "Indonesian/English"
    "Shallot": "bawang_merah", "Big Chili": "cabai", "Cayenne Pepper": "cabai_rawit",
    "Tomato": "tomat", "Cabbage": "kubis",
    # Jatim komoditas column
    "Alpukat": "alpukat", "Belimbing": "belimbing", "Buah naga": "buah_naga",
    "Durian": "durian", "Jambu Air": "jambu_air", "Jambu Biji": "jambu_biji",
    "Jeruk Lemon": "jeruk_lemon", "Lengkeng": "lengkeng", "Mangga": "mangga",
    "Melon": "melon", "Nangka": "nangka", "Pepaya": "pepaya", "Pisang": "pisang",
    "Rambutan": "rambutan", "Salak": "salak", "Sawo": "sawo", "Semangka": "semangka",
    "Sirsak": "sirsak", "Sukun": "sukun", "Susu (kg)": "sapi_perah",
    "Telur Ayam Kampung": "ayam_kampung",
}
EXPECTED = NAMED | IN_FILES


@pytest.mark.parametrize("text, cid", sorted(EXPECTED.items()))
def test_name_matches_its_commodity_by_name_or_synonym(text, cid):
    assert CAT.match(text) == (cid, "exact") or CAT.match(text) == (cid, "synonym")


def _names_in_shared_files() -> set[str]:
    names: set[str] = set()
    stat = BONE / "statistik"
    perkebunan = pd.read_csv(stat / "Produksi Tanaman Perkebunan Menurut Kecamatan dan Jenis "
                             "Tanaman (ton) SINTETIS.csv", nrows=0)
    names |= {c.strip() for c in perkebunan.columns} - {"Kecamatan", "Tahun"}
    palawija = pd.read_csv(stat / "luas panen produksi padi palawija 2018-2024 SINTETIS.csv",
                           sep=";", encoding="utf-8-sig", nrows=0)
    names |= {m[1] for c in palawija.columns if (m := re.fullmatch(r"Produksi (.+) \(Ton\)", c))}
    for book in sorted(stat.glob("*.xlsx")):
        for ws in openpyxl.load_workbook(book, read_only=True):
            for row in ws.iter_rows(values_only=True):
                cells = [c for c in row[1:] if c is not None]
                if row[0] is None and cells and all(isinstance(c, str) and "/" in c
                                                     for c in cells):
                    names |= {part.strip() for c in cells for part in c.split("/")}
    ternak = pd.read_csv(stat / "populasi ternak kecamatan SINTETIS.csv")
    names |= set(ternak["jenis_ternak"])
    jatim = pd.read_csv(MALANG / "sentra" / "jatim_produksi_komoditas_kabupaten.csv")
    names |= set(jatim["komoditas"])
    return names


def test_every_commodity_name_in_the_shared_tables_is_expected():
    if not BONE.exists() or not MALANG.exists():
        pytest.skip("../shared/data not present")
    names = _names_in_shared_files()
    # 7 perkebunan + 6 padi/palawija + 5 vegetables x 2 languages + 6 livestock + 35 Jatim,
    # less the names two files share (Kacang Tanah ..., Bawang Merah, Tomat, Itik ...)
    assert len(names) > 50
    assert names <= set(EXPECTED), sorted(names - set(EXPECTED))
    wrong = {n: CAT.match(n) for n in names if CAT.match(n)[0] != EXPECTED[n]
             or CAT.match(n)[1] == "fuzzy"}
    assert not wrong, wrong


def test_sentra_names_of_the_bundled_and_bone_tables_keep_their_commodity():
    demo = pd.read_csv(BUNDLED / "sentra" / "sentra_contoh.csv", sep=";")["Komoditi"]
    expected = {"Kopi Arabica": "kopi_arabika", "Cabe merah": "cabai",
                "Anyaman bambu": "anyaman_bambu", "Gula Aren": "gula_aren", "Coklat": "kakao",
                "Kopi robusta": "kopi_robusta", "Keripik Pisang": "keripik_pisang",
                "Tenun Ikat": "tenun_ikat", "Jagung": "jagung", "Padi": "padi_sawah",
                "Sapi Bali": "sapi_potong", "Cengkeh": "cengkeh", "Rumput Laut": "rumput_laut",
                "Bandeng": "ikan_bandeng", "Kelapa": "kelapa"}
    assert set(demo) == set(expected)
    assert {n: CAT.match(n)[0] for n in expected} == expected


def test_no_name_or_synonym_points_to_two_commodities():
    owners: dict[str, set[str]] = {}
    for c in CAT.items.values():
        for text in (c.id, c.name_id, c.name_en, *c.synonyms):
            owners.setdefault(fold(text).replace(" ", ""), set()).add(c.id)
    shared = {k: sorted(v) for k, v in owners.items() if len(v) > 1}
    assert not shared, shared
    # the pairs most at risk resolve to different commodities
    for general, specific in (("Jeruk", "Jeruk Siam"), ("Jeruk", "Jeruk Besar"),
                              ("Cabai", "Cabai Rawit"), ("Kelapa", "Kelapa Sawit"),
                              ("Sapi", "Sapi Perah"), ("Itik", "Itik Manila"),
                              ("Labu", "Labu Siam"), ("Jati", "Jati Putih")):
        a, b = CAT.match(general)[0], CAT.match(specific)[0]
        assert a and b
        # jeruk siam is the jeruk of the Indonesian criteria; every other pair differs
        assert (a == b) == (specific == "Jeruk Siam"), (general, a, specific, b)


def test_short_names_no_longer_land_on_a_lookalike_by_accident():
    # "Ayam" is 0.89 similar to "bayam" (spinach): it is a synonym of ayam_ras now
    assert CAT.match("Ayam") == ("ayam_ras", "synonym")
    # before the catalogue had sawi, "Sawi" fuzzy-matched "sawit"
    assert CAT.match("Sawi") == ("sawi", "exact")  # the id itself
    assert CAT.match("Sawit") == ("kelapa_sawit", "synonym")
