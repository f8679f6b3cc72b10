"""Measures and units of production statistics, as BPS and the dinas write them.

A statistics column says *what* is counted (the measure: production, harvested area, ...)
and *in what* (the unit: ton, kuintal, hektar, ekor, juta rupiah, kw/ha, ...). This module
holds the vocabulary for both, in Bahasa Indonesia and English, and the conversion of every
unit to one canonical unit per measure:

==============  ===============  ==========================================================
measure         canonical unit   converted from
==============  ===============  ==========================================================
production      ton              kuintal/kw/ku (x0.1), kg (x0.001), ton
harvested_area  ha               hektar, hectare, m2 (x0.0001), km2 (x100)
planted_area    ha               (as above)
area            ha               (as above; generic "Luas", "Luas Areal")
population      ekor             head
units           unit             buah, usaha
workers         orang            jiwa, person
value           rupiah           ribu (x1e3), juta (x1e6), miliar/milyar (x1e9) rupiah
productivity    ton/ha           kw/ha (x0.1), kg/ha (x0.001); a ratio, never summed
other           (as written)     price (harga) and percentages are ratios
==============  ===============  ==========================================================

Units that cannot be converted without knowing the commodity (liter of milk, butir of eggs,
batang of trees, m3 of timber) are kept as written (lower case) with factor 1.

Examples
--------
>>> parse_unit("Kw").unit, parse_unit("Kw").factor
('ton', 0.1)
>>> split_header("Produksi Padi Sawah (Ton)")
HeaderInfo(measure='production', commodity='Padi Sawah', unit_raw='Ton', year=None, total=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from unggulan.base.names import fold

#: canonical unit of each measure
CANONICAL_UNIT: dict[str, str | None] = {
    "production": "ton",
    "harvested_area": "ha",
    "planted_area": "ha",
    "area": "ha",
    "population": "ekor",
    "units": "unit",
    "workers": "orang",
    "value": "rupiah",
    "productivity": "ton/ha",
    "other": None,
}
MEASURES = tuple(CANONICAL_UNIT)
#: measures whose values are per-unit ratios: never summed, never checked against totals
RATIO_MEASURES = frozenset({"productivity"})

# folded phrase -> measure. The longest phrase found in a header wins.
_MEASURE_PHRASES: dict[str, str] = {}
for _measure, _phrases in {
    "productivity": ("rata rata produksi", "rata rata hasil", "produktivitas", "productivity",
                     "yield", "hasil per hektar", "average production", "average yield",
                     "provitas"),
    "value": ("nilai produksi", "nilai penjualan", "nilai tambah", "production value",
              "value of production", "nilai output", "output value", "nilai investasi",
              "investment value", "sales value"),
    "units": ("jumlah unit usaha", "unit usaha", "jumlah usaha", "jumlah perusahaan",
              "banyaknya perusahaan", "jumlah industri", "number of establishments",
              "establishments", "number of firms", "business units", "jumlah ikm",
              "rumah tangga usaha", "jumlah rumah tangga usaha", "jumlah sentra"),
    "workers": ("tenaga kerja", "jumlah pekerja", "pekerja", "workers", "labor", "labour",
                "employees", "employment", "penyerapan tenaga kerja", "number of workers"),
    "population": ("populasi", "population", "jumlah ternak", "livestock population",
                   "populasi ternak", "jumlah ternak"),
    "harvested_area": ("luas panen", "harvested area", "area harvested"),
    "planted_area": ("luas tanam", "planted area", "area planted", "luas tambah tanam"),
    "area": ("luas areal", "luas lahan", "luas", "area", "land area", "luas wilayah"),
    "production": ("produksi", "production", "jumlah produksi", "hasil produksi", "output",
                   "total production"),
    "other": ("harga", "price", "harga rata rata", "average price", "persentase",
              "percentage"),
}.items():
    for _p in _phrases:
        _MEASURE_PHRASES[_p] = _measure
_PHRASES_BY_LENGTH = sorted(_MEASURE_PHRASES, key=len, reverse=True)

#: folded header texts that mean "a total over the row (or column)"
TOTAL_WORDS = frozenset({
    "jumlah", "total", "jumlah total", "total jumlah", "grand total", "jumlah seluruhnya",
    "total keseluruhan", "keseluruhan", "seluruhnya", "semua", "all", "sum", "subtotal",
    "sub total", "jumlah total total",
})


@dataclass(frozen=True)
class Unit:
    """A unit as written and what it converts to."""

    raw: str               # as written, e.g. "Kw"
    unit: str              # canonical: ton, ha, ekor, unit, orang, rupiah, ton/ha, %, or raw
    factor: float          # multiply values by this to get ``unit``
    measure: str | None    # the measure the unit implies, None when it implies none
    converted: bool        # False: not a known unit, kept as written


_CANON = {
    # key: normalised unit text (lower case, no dots, single spaces)
    "ton": ("ton", 1.0, "production"), "tons": ("ton", 1.0, "production"),
    "tonnes": ("ton", 1.0, "production"), "tonne": ("ton", 1.0, "production"),
    "t": ("ton", 1.0, "production"), "metric ton": ("ton", 1.0, "production"),
    "kuintal": ("ton", 0.1, "production"), "kwintal": ("ton", 0.1, "production"),
    "kw": ("ton", 0.1, "production"), "ku": ("ton", 0.1, "production"),
    "quintal": ("ton", 0.1, "production"), "quintals": ("ton", 0.1, "production"),
    "kwt": ("ton", 0.1, "production"), "qu": ("ton", 0.1, "production"),
    "kg": ("ton", 0.001, "production"), "kilogram": ("ton", 0.001, "production"),
    "kgs": ("ton", 0.001, "production"),
    "ha": ("ha", 1.0, "area"), "hektar": ("ha", 1.0, "area"), "hektare": ("ha", 1.0, "area"),
    "hectare": ("ha", 1.0, "area"), "hectares": ("ha", 1.0, "area"),
    "hektar ha": ("ha", 1.0, "area"),
    "m2": ("ha", 1e-4, "area"), "m²": ("ha", 1e-4, "area"),
    "km2": ("ha", 100.0, "area"), "km²": ("ha", 100.0, "area"),
    "ekor": ("ekor", 1.0, "population"), "head": ("ekor", 1.0, "population"),
    "heads": ("ekor", 1.0, "population"), "ekor/head": ("ekor", 1.0, "population"),
    "unit": ("unit", 1.0, "units"), "units": ("unit", 1.0, "units"),
    "buah": ("unit", 1.0, "units"), "usaha": ("unit", 1.0, "units"),
    "orang": ("orang", 1.0, "workers"), "jiwa": ("orang", 1.0, "workers"),
    "org": ("orang", 1.0, "workers"), "person": ("orang", 1.0, "workers"),
    "persons": ("orang", 1.0, "workers"), "people": ("orang", 1.0, "workers"),
    "orang/persons": ("orang", 1.0, "workers"),
    "rupiah": ("rupiah", 1.0, "value"), "rp": ("rupiah", 1.0, "value"),
    "idr": ("rupiah", 1.0, "value"),
    "kw/ha": ("ton/ha", 0.1, "productivity"), "ku/ha": ("ton/ha", 0.1, "productivity"),
    "kuintal/ha": ("ton/ha", 0.1, "productivity"),
    "kwintal/ha": ("ton/ha", 0.1, "productivity"),
    "quintal/ha": ("ton/ha", 0.1, "productivity"),
    "kw/hektar": ("ton/ha", 0.1, "productivity"),
    "kuintal/hektar": ("ton/ha", 0.1, "productivity"),
    "ton/ha": ("ton/ha", 1.0, "productivity"), "t/ha": ("ton/ha", 1.0, "productivity"),
    "tons/ha": ("ton/ha", 1.0, "productivity"), "ton/hektar": ("ton/ha", 1.0, "productivity"),
    "kg/ha": ("ton/ha", 0.001, "productivity"),
    "%": ("%", 1.0, "other"), "persen": ("%", 1.0, "other"), "percent": ("%", 1.0, "other"),
    "rp/kg": ("rupiah/kg", 1.0, "other"), "rupiah/kg": ("rupiah/kg", 1.0, "other"),
    "rp/ton": ("rupiah/ton", 1.0, "other"), "rupiah/ton": ("rupiah/ton", 1.0, "other"),
    "rp/ekor": ("rupiah/ekor", 1.0, "other"), "rupiah/ekor": ("rupiah/ekor", 1.0, "other"),
}
_MONEY_SCALE = {"ribu": 1e3, "rb": 1e3, "thousand": 1e3, "000": 1e3, "juta": 1e6, "jt": 1e6,
                "million": 1e6, "000 000": 1e6, "miliar": 1e9, "milyar": 1e9, "m": 1e9,
                "billion": 1e9}
#: words that are units we keep as written (no conversion without the commodity)
_KEPT_UNITS = frozenset({"liter", "litre", "lt", "ltr", "butir", "batang", "pohon", "m3",
                         "kubik", "rumpun", "tangkai", "ikat", "kk", "rumah tangga", "rt",
                         "trip", "kapal", "sarang", "lembar", "kodi", "biji", "buah/pcs",
                         "pcs", "keping", "karung", "bal", "stek", "polybag"})
# unit words recognised as bare tokens of a header ("populasi_ekor", "produksi ton")
_TOKEN_UNITS = frozenset({"ton", "kw", "kuintal", "kwintal", "kg", "ha", "hektar", "ekor",
                          "orang", "jiwa", "rupiah", "rp"})


def _norm_unit(text: str) -> str:
    s = str(text).strip().lower().replace("\u00a0", " ")
    s = re.sub(r"(?<=[a-z])\.", "", s)          # "kw." "rp." -> "kw" "rp"
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"[()\[\]]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@lru_cache(maxsize=4096)
def parse_unit(text: str | None) -> Unit | None:
    """The unit written in ``text`` (a header fragment or a unit cell), or None.

    Parameters
    ----------
    text : str
        "Ton", "Kw", "kuintal", "(ha)", "juta rupiah", "Rp. 000", "Kw/Ha", "ekor", "liter" ...

    Returns
    -------
    Unit or None
        None when ``text`` is empty or does not look like a unit at all.

    Examples
    --------
    >>> u = parse_unit("juta rupiah")
    >>> (u.unit, u.factor, u.measure)
    ('rupiah', 1000000.0, 'value')
    >>> parse_unit("Kw/Ha").factor
    0.1
    >>> parse_unit("Liter").converted
    False
    """
    if text is None:
        return None
    raw = str(text).strip()
    s = _norm_unit(raw)
    if not s:
        return None
    if s in _CANON:
        unit, factor, measure = _CANON[s]
        return Unit(raw, unit, factor, measure, True)
    # money with a scale: "juta rupiah", "rp juta", "ribu rp", "rp 000", "000 rp", "miliar"
    words = s.replace("/", " ").split()
    if any(w in ("rupiah", "rp", "idr") for w in words):
        rest = " ".join(w for w in words if w not in ("rupiah", "rp", "idr"))
        rest = rest.replace("000000", "000 000").strip()
        if rest in _MONEY_SCALE:
            return Unit(raw, "rupiah", _MONEY_SCALE[rest], "value", True)
        if not rest:
            return Unit(raw, "rupiah", 1.0, "value", True)
        return None
    if s in _KEPT_UNITS:
        return Unit(raw, s, 1.0, None, False)
    return None


@lru_cache(maxsize=4096)
def find_measures(text: str) -> tuple[str, ...]:
    """The distinct measures named in ``text``, in order of appearance.

    A phrase inside a longer phrase does not count ("Produksi" inside "Rata-rata Produksi"
    or "Nilai Produksi").

    Examples
    --------
    >>> find_measures("Luas Panen (ha)/Harvested Area (ha)")
    ('harvested_area',)
    >>> find_measures("Luas Panen, Produksi, dan Produktivitas Padi")
    ('harvested_area', 'production', 'productivity')
    """
    s = " " + fold(text) + " "
    taken: list[tuple[int, int, str]] = []
    for phrase in _PHRASES_BY_LENGTH:
        for m in re.finditer(" " + re.escape(phrase) + " ", s):
            a, b = m.start() + 1, m.end() - 1
            if any(a < tb and ta < b for ta, tb, _ in taken):
                continue
            taken.append((a, b, _MEASURE_PHRASES[phrase]))
    out: list[str] = []
    for _, _, measure in sorted(taken):
        if measure not in out:
            out.append(measure)
    return tuple(out)


def measure_family(measure: str | None) -> str | None:
    """Measures that share a unit: the three areas are one family.

    Examples
    --------
    >>> measure_family("harvested_area"), measure_family("production")
    ('area', 'production')
    """
    if measure in ("harvested_area", "planted_area", "area"):
        return "area"
    return measure


def compatible(unit: Unit, measure: str | None) -> bool:
    """True when ``unit`` is a unit ``measure`` can be expressed in.

    Examples
    --------
    >>> compatible(parse_unit("hektar"), "planted_area"), compatible(parse_unit("ton"), "area")
    (True, False)
    """
    if measure is None or unit.measure is None:
        return True
    if measure == "other":
        return True
    if measure == "production" and unit.unit == "ekor":
        return True      # fish seed and day-old chicks are produced by the head
    return measure_family(unit.measure) == measure_family(measure)


def _phrase_regex(phrase: str) -> str:
    return r"(?<![A-Za-z0-9])" + r"[\W_]+".join(re.escape(w) for w in phrase.split()) + \
        r"(?![A-Za-z0-9])"


_PARENS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_YEAR = re.compile(r"^(?:tahun|year|th\.?)?\s*((?:19|20)\d{2})\s*\**$", re.IGNORECASE)


#: a label ending in "Word/Word" with no space around the slash
_GLUED_ALTERNATIVE = re.compile(r"([A-Za-z]+)/([A-Za-z]+)\s*$")
#: English words of BPS bilingual labels: a one-word part after a slash that is one of them
#: is a translation ("Padi Sawah Irigasi/Paddy"), not an alternative name
ENGLISH_LABEL_WORDS = frozenset("""
paddy rice corn maize soybean soybeans peanut peanuts cassava potato potatoes sweet cattle beef
dairy cow cows goat goats sheep buffalo buffaloes horse horses pig pigs swine chicken chickens
duck ducks egg eggs meat milk fish shrimp seaweed pond ponds sea marine inland water waters
public capture culture aquaculture fruit fruits vegetable vegetables plant plants crop crops
total number average yield production area harvested planted population cabbage tomato
tomatoes carrot carrots shallot shallots garlic onion onions spinach beans bean cucumber
eggplant pumpkin mushroom mushrooms banana bananas mango mangoes orange oranges durian
coconut coffee cocoa tea rubber tobacco sugarcane clove cloves pepper chili chilies others
other lake lakes swamp swamps river rivers reservoir reservoirs cage cages net nets rabbit
quail pigeon layer broiler native village villages subdistrict district regency year
""".split())


def split_bilingual(text: str) -> list[str]:
    """Split "Indonesian/English" (or a line break) into its parts.

    A slash inside parentheses or between two units ("Kw/Ha") does not split, nor does a
    one-word alternative glued to the end of a label of two or more words when that word is
    not English ("Perairan Umum Telaga/Rawa": lake or swamp waters, one commodity).

    Examples
    --------
    >>> split_bilingual("Cabai Besar/Big Chili")
    ['Cabai Besar', 'Big Chili']
    >>> split_bilingual("Rata-rata Produksi (Kw/Ha)/Average Production")
    ['Rata-rata Produksi (Kw/Ha)', 'Average Production']
    >>> split_bilingual("Perairan Umum Telaga/Rawa")
    ['Perairan Umum Telaga/Rawa']
    """
    s = str(text).replace("\r", "\n")
    glued = _GLUED_ALTERNATIVE.search(s)
    if glued and "\n" not in s and fold(glued.group(2)) not in ENGLISH_LABEL_WORDS \
            and len(s[:glued.start(1)].split()) >= 2:
        # "Perairan Umum Telaga/Rawa": a one-word alternative glued to the end of a longer
        # Indonesian label, not a translation of the whole label (a translation of a
        # three-word label is rarely one word): kept whole
        return [re.sub(r"\s+", " ", s).strip()]
    parts: list[str] = []
    depth = 0
    buf = ""
    for i, ch in enumerate(s):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "/\n":
            if ch == "/":
                left = re.search(r"([A-Za-z]+)\s*$", buf)
                right = re.match(r"\s*([A-Za-z]+)", s[i + 1:])
                if left and right and parse_unit(left.group(1) + "/" + right.group(1)):
                    buf += ch
                    continue
            parts.append(buf)
            buf = ""
            continue
        buf += ch
    parts.append(buf)
    return [re.sub(r"\s+", " ", p).strip() for p in parts if p.strip()]


# unit words that are also ordinary words in a header ("Buah" is fruit, "Usaha" business)
_AMBIGUOUS_UNIT_WORDS = frozenset({"buah", "usaha", "unit", "units", "t", "ku", "qu"})


@dataclass(frozen=True)
class HeaderInfo:
    """What one header text names: measure, commodity, unit, year, or a total."""

    measure: str | None = None
    commodity: str | None = None
    unit_raw: str | None = None
    year: int | None = None
    total: bool = False


@lru_cache(maxsize=8192)
def split_header(text: str) -> HeaderInfo:
    """Split a header text into measure, commodity, unit (as written) and year.

    The Indonesian part of a bilingual header is used for the commodity; the measure and
    unit are taken from the first part that names them.

    Examples
    --------
    >>> split_header("Cabai Besar/Big Chili").commodity
    'Cabai Besar'
    >>> h = split_header("Rata-rata Produksi Jagung (Kw/Ha)")
    >>> (h.measure, h.commodity, h.unit_raw)
    ('productivity', 'Jagung', 'Kw/Ha')
    >>> split_header("Luas Panen (ha)/Harvested Area (ha)")
    HeaderInfo(measure='harvested_area', commodity=None, unit_raw='ha', year=None, total=False)
    >>> split_header("Jumlah/Total").total
    True
    """
    cut = re.search(r"(?i)\s(menurut|by|according to)\s", text)
    if cut:   # a title-like header: "Luas Panen Padi Menurut Kabupaten/Kota (Hektar)"
        units = [m.group(0) for m in _PARENS.finditer(text[cut.start():])
                 if parse_unit(m.group(1)) is not None]
        text = text[:cut.start()] + (" " + units[0] if units else "")
    parts = split_bilingual(text)
    if not parts:
        return HeaderInfo()
    measure = commodity = unit_raw = None
    year = None
    total = False
    for k, part in enumerate(parts):
        m, c, u, y, t = _split_one(part)
        if measure is None and m is not None:
            measure = m
            if u is not None:
                unit_raw = u
        if unit_raw is None and u is not None:
            unit_raw = u
        if year is None and y is not None:
            year = y
        if k == 0:
            commodity, total = c, t
    return HeaderInfo(measure, commodity, unit_raw, year, total)


def _split_one(part: str) -> tuple[str | None, str | None, str | None, int | None, bool]:
    whole = parse_unit(part)
    if whole is not None and whole.converted and fold(part) not in _AMBIGUOUS_UNIT_WORDS:
        return whole.measure if whole.measure == "productivity" else None, None, \
            part.strip("()[] "), None, False
    rest = part
    unit_raw = None
    for m in list(_PARENS.finditer(part)):
        if parse_unit(m.group(1)) is not None:
            if unit_raw is None:
                unit_raw = m.group(1).strip()
            rest = rest.replace(m.group(0), " ")
    measures = find_measures(rest)
    measure = measures[0] if len(measures) == 1 else None
    if measures:
        for phrase in _PHRASES_BY_LENGTH:
            if _MEASURE_PHRASES[phrase] in measures:
                rest = re.sub(_phrase_regex(phrase), " ", rest, flags=re.IGNORECASE)
    # bare unit words ("populasi_ekor", "Produksi Ton"), and "Kw/Ha" written without parens
    for m in re.finditer(r"(?<![A-Za-z])([A-Za-z]+\s*/\s*[A-Za-z]+)(?![A-Za-z])", rest):
        u = parse_unit(m.group(1))
        if u is not None and u.converted:
            unit_raw = unit_raw or m.group(1).strip()
            rest = rest.replace(m.group(1), " ")
    tokens = re.split(r"[\s_]+", rest.strip())
    kept = []
    for tok in tokens:
        bare = tok.strip(".,:;-()")
        if bare.lower() in _TOKEN_UNITS and (measure is not None or len(tokens) > 1):
            unit_raw = unit_raw or bare
            continue
        kept.append(tok)
    rest = " ".join(kept)
    rest = re.sub(r"\s+", " ", rest).strip(" -–—:;,._/")
    rest = re.sub(r"^(dan|and|of|per|di|in)\s+|\s+(dan|and|of|per)$", "", rest,
                  flags=re.IGNORECASE).strip(" -–—:;,._/")
    year = None
    ym = _YEAR.match(rest)
    if ym:
        year = int(ym.group(1))
        rest = ""
    total = fold(rest) in TOTAL_WORDS
    commodity = rest if rest and not total else None
    return measure, commodity, unit_raw, year, total


# --------------------------------------------------------------------------------------------
# what a column (or a long table's commodity cell) is
# --------------------------------------------------------------------------------------------

#: kinds of a statistics column: only ``commodity`` columns enter LQ, the methods and the
#: candidates; the rest stay readable in ``ds.statistics()`` with their kind
COLUMN_KINDS = ("commodity", "flow", "ratio", "capacity", "total")
# folded phrases, matched as whole words anywhere in the header or cell
_KIND_PHRASES: dict[str, tuple[str, ...]] = {
    # dispositions and movements of a stock: not what an area produces
    "flow": ("dipelihara sendiri", "di pelihara sendiri", "dipelihara", "dijual", "di jual",
             "terjual", "penjualan", "dipasarkan", "lain daerah", "luar daerah", "antar pulau",
             "masuk", "keluar", "pemasukan", "pengeluaran", "didatangkan", "dikirim",
             "pengiriman", "dipotong", "di potong", "pemotongan", "dikonsumsi", "kelahiran",
             "lahir", "kematian", "mati", "ekspor", "impor", "sold", "kept", "slaughtered",
             "slaughter", "brought in", "sent out", "births", "deaths", "imported",
             "exported"),
    # per-unit figures: never summed
    "ratio": ("rata rata", "rerata", "produktivitas", "provitas", "per hektar", "per ha",
              "persentase", "persen", "harga", "average", "yield", "productivity", "price",
              "percentage"),
    # facilities and capacities
    "capacity": ("kapasitas", "daya tampung", "balai benih", "lumbung", "capacity"),
}
_KIND_ORDER = ("flow", "ratio", "capacity")
#: prefixes of a header or cell before the commodity's own name
_COMMODITY_PREFIXES = ("hasil obyek perikanan", "hasil obyek", "hasil objek", "jenis ternak",
                       "jenis tanaman", "jenis ikan", "jenis unggas", "jenis komoditas",
                       "jenis komoditi", "jenis hewan", "jenis", "komoditas", "komoditi")
#: the first word of an animal product, and its family
ANIMAL_PRODUCTS = {"telur": "eggs", "egg": "eggs", "eggs": "eggs", "daging": "meat",
                   "meat": "meat", "susu": "milk", "milk": "milk", "kulit": "hides",
                   "hide": "hides", "hides": "hides"}


def column_kind(*texts: str | None) -> str:
    """What a statistics column is, from its header and/or cell texts: ``commodity``,
    ``flow`` (kept, sold, brought in, slaughtered ...), ``ratio`` (averages, yields,
    prices, shares), ``capacity`` (a barn's or hatchery's capacity) or ``total``.

    Examples
    --------
    >>> column_kind("Produksi Rata Rata Jagung/Ubi Kayu")
    'ratio'
    >>> column_kind("Dijual ke Lain Daerah"), column_kind("Kapasitas")
    ('flow', 'capacity')
    >>> column_kind("Sapi Potong"), column_kind("Jumlah/Total")
    ('commodity', 'total')
    """
    joined = " ".join(t for t in texts if t)
    s = " " + fold(joined) + " "
    for kind in _KIND_ORDER:
        if any(" " + p + " " in s for p in _KIND_PHRASES[kind]):
            return kind
    for t in texts:
        if not t:
            continue
        first = split_bilingual(t)[:1]
        f = fold(first[0]) if first else ""
        if f in TOTAL_WORDS or re.fullmatch(r"(jumlah|total|sub ?total)( \w+)?", f):
            return "total"
    return "commodity"


def clean_commodity_text(text: str | None) -> str | None:
    """A commodity name without header prefixes ("Jenis Ternak Ayam Ras Layer" ->
    "Ayam Ras Layer").

    >>> clean_commodity_text("Jenis Ternak Ayam Ras Layer")
    'Ayam Ras Layer'
    >>> clean_commodity_text("Jenis")
    'Jenis'
    """
    try:
        return _clean_commodity_text(text)   # a long table names a few commodities per row
    except TypeError:    # an unhashable value
        return _clean_commodity_text.__wrapped__(text)


@lru_cache(maxsize=8192)
def _clean_commodity_text(text: str | None) -> str | None:
    if text is None:
        return None
    t = re.sub(r"\s+", " ", str(text)).strip()
    f = fold(t)
    for p in _COMMODITY_PREFIXES:
        if f.startswith(p + " "):
            n = len(p.split())
            words = t.split(" ")
            if len(words) > n:
                return " ".join(words[n:]).strip(" :-")
    return t


def animal_product(text: str | None) -> str | None:
    """The family of an animal product named in ``text`` ("Telur Itik" -> "eggs"), else None.

    >>> animal_product("Telur Itik"), animal_product("Itik")
    ('eggs', None)
    """
    if not text:
        return None
    words = fold(text).split()
    return ANIMAL_PRODUCTS.get(words[0]) if len(words) >= 1 else None
