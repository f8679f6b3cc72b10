from unggulan.base.names import place_key
from unggulan.core.inputs.commodities import Catalogue, match_sector
from unggulan.core.inputs.sentra import match_market


def test_place_key_tolerates_case_spacing_prefixes_and_old_spelling():
    assert place_key("Desa Mattiro Walie") == place_key("MATTIROWALIE")
    assert place_key("Kel. Tjikoneng") == place_key("Cikoneng")
    assert place_key("Soerabaja") == place_key("surabaja")
    assert place_key("Watang  Cani") == place_key("watangcani")
    assert place_key("Kahu") != place_key("Kajuara")


def test_catalogue_matching():
    cat = Catalogue.load()
    assert cat.match("Kopi Arabika") == ("kopi_arabika", "exact")
    assert cat.match("  COKLAT ") == ("kakao", "synonym")
    assert cat.match("jambu mente") == ("jambu_mete", "synonym")
    assert cat.match("Kopi Arabica")[0] == "kopi_arabika"
    assert cat.match("kakaoo") == ("kakao", "fuzzy")
    assert cat.match("batu akik") == (None, "none")
    assert cat.match("") == (None, "none")


def test_catalogue_processed_products_name_their_raw_material():
    cat = Catalogue.load()
    assert cat.get("keripik_pisang").raw_material == ("pisang",)
    assert cat.get("gula_aren").raw_material == ("aren",)
    for c in cat.items.values():
        for raw in c.raw_material:
            assert raw in cat
    assert len({c.sector for c in cat.items.values()}) == 6


def test_sector_and_market_words():
    assert match_sector("Makanan & Minuman") == "makanan_minuman"
    assert match_sector("perkebunan") == "pertanian_perkebunan"
    assert match_sector("Kerajinan") == "industri_kerajinan"
    assert match_sector("Sandang") == "sandang"
    assert match_sector("???") is None
    assert match_market("Antar provinsi") == "nasional"
    assert match_market("EKSPOR") == "ekspor"
    assert match_market("lokal (desa)") == "lokal"
    assert match_market("entah") is None
