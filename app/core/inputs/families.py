"""Commodity families: which commodities a location quotient may compare.

An LQ compares a commodity's share of an area's output with its share of the reference
region's output. The "output" must be one comparable sum: tonnes of padi and tonnes of
potatoes are both tonnes, but a kecamatan's food-crop tonnage and its vegetable tonnage are
different economies, and ekor of fish fry, tangkai of cut flowers and litres of milk cannot be
added to tonnes at all. Indonesian planning texts compute LQ per sub-sector (*subsektor*):
BPS publishes food crops, horticulture (vegetables, fruit, medicinal plants, ornamentals),
estate crops, livestock and fisheries in separate tables and chapters, and the komoditas
unggulan literature (e.g. Hendayana 2003, "Aplikasi metode Location Quotient (LQ) dalam
penentuan komoditas unggulan nasional", *Informatika Pertanian* 12; the Kementan
*Pedoman Penetapan Komoditas Unggulan*) compares a commodity with the others of its
sub-sector. So every statistics row carries a ``family`` and the methods compare within
(measure, unit, family) only.

The family of a row is, in this order:

1. set for the table in dataset.toml (``[[statistics]] family = "vegetables"``);
2. an animal product named by the commodity cell ("Telur Itik" -> eggs, "Daging Sapi" ->
   meat, "Susu" -> milk, "Kulit" -> hides);
3. the table's title or the column's group header ("Produksi Tanaman Sayuran ..." ->
   vegetables, "... Perikanan Budidaya ..." -> aquaculture);
4. the catalogue's own family of the commodity (``family`` in ``data/commodities.csv``);
5. ``other``.

>>> family_of_text("Luas Panen Tanaman Sayuran Menurut Desa (ha)")
'vegetables'
>>> family_of_text("Populasi Ternak Unggas Menurut Kecamatan")
'poultry'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from unggulan.base.names import fold
from unggulan.io.units import animal_product

#: family id -> (Bahasa Indonesia, English), in the order reports list them
FAMILIES: dict[str, tuple[str, str]] = {
    "food_crops": ("tanaman pangan", "food crops"),
    "vegetables": ("sayuran", "vegetables"),
    "fruit": ("buah-buahan", "fruit"),
    "medicinal": ("tanaman biofarmaka", "medicinal plants"),
    "ornamental": ("tanaman hias", "ornamentals"),
    "estate_crops": ("tanaman perkebunan", "estate crops"),
    "forestry": ("kehutanan", "forestry"),
    "livestock": ("ternak", "livestock"),
    "poultry": ("unggas", "poultry"),
    "meat": ("daging", "meat"),
    "eggs": ("telur", "eggs"),
    "milk": ("susu", "milk"),
    "hides": ("kulit", "hides"),
    "capture_fisheries": ("perikanan tangkap", "capture fisheries"),
    "aquaculture": ("perikanan budidaya", "aquaculture"),
    "fish_seed": ("benih ikan", "fish seed"),
    "fisheries": ("perikanan", "fisheries"),
    "processed_food": ("pangan olahan", "processed food"),
    "industry": ("industri", "industry"),
    "crafts": ("kerajinan", "crafts"),
    "other": ("lainnya", "other"),
}

# folded phrases of a title or group header -> family; the longest phrase found wins, so
# "benih ikan" beats "ikan" and "perikanan tangkap" beats "perikanan"
_TEXT_PHRASES: dict[str, str] = {}
for _family, _phrases in {
    "food_crops": ("tanaman pangan", "padi", "palawija", "padi dan palawija", "food crops",
                   "food crop", "jagung", "kedelai", "ubi kayu", "ubi jalar", "kacang tanah",
                   "kacang hijau"),
    "vegetables": ("sayuran", "sayur sayuran", "sayur", "vegetables", "vegetable",
                   "hortikultura sayuran"),
    "fruit": ("buah buahan", "buah", "fruits", "fruit", "tanaman menghasilkan buah"),
    "medicinal": ("biofarmaka", "tanaman obat", "obat obatan", "medicinal", "medicinal plants"),
    "ornamental": ("tanaman hias", "bunga potong", "ornamental", "ornamental plants",
                   "florikultura"),
    "estate_crops": ("perkebunan", "tanaman perkebunan", "estate crops", "estate crop",
                     "plantation"),
    "forestry": ("kehutanan", "hasil hutan", "forestry", "forest"),
    "livestock": ("ternak", "peternakan", "ternak besar", "ternak kecil", "livestock"),
    "poultry": ("unggas", "ternak unggas", "poultry"),
    "meat": ("daging", "produksi daging", "meat"),
    "eggs": ("telur", "produksi telur", "eggs", "egg"),
    "milk": ("susu", "produksi susu", "milk"),
    "hides": ("kulit", "hides"),
    "capture_fisheries": ("perikanan tangkap", "penangkapan ikan", "penangkapan",
                          "perikanan laut", "perairan umum", "capture fisheries", "capture"),
    "aquaculture": ("perikanan budidaya", "budidaya", "budi daya", "kolam", "tambak",
                    "keramba", "karamba", "jaring apung", "mina padi", "sawah mina padi",
                    "aquaculture"),
    "fish_seed": ("benih ikan", "benih", "bibit ikan", "fish seed", "fry"),
    "fisheries": ("perikanan", "ikan", "fisheries", "fishery"),
    "processed_food": ("makanan", "minuman", "olahan", "food processing"),
    "industry": ("industri", "industry", "industri unggulan"),
    "crafts": ("kerajinan", "handicraft", "crafts"),
}.items():
    for _p in _phrases:
        _TEXT_PHRASES[_p] = _family
_BY_LENGTH = sorted(_TEXT_PHRASES, key=len, reverse=True)


#: the broad sector of each family: a title's family yields to the catalogue's across sectors
_SECTOR = {**{f: "crops" for f in ("food_crops", "vegetables", "fruit", "medicinal",
                                   "ornamental", "estate_crops", "forestry")},
           **{f: "animals" for f in ("livestock", "poultry", "meat", "eggs", "milk", "hides")},
           **{f: "fish" for f in ("capture_fisheries", "aquaculture", "fish_seed", "fisheries")},
           **{f: "industry" for f in ("processed_food", "industry", "crafts")}}
_GENERIC = {"fisheries": ("capture_fisheries", "aquaculture", "fish_seed"),
            "livestock": ("poultry",)}


def family_of_text(text: str | None) -> str | None:
    """The one family a title or header names, or None when it names none or several
    ("Produksi Pertanian dan Populasi Ternak": a mixed table, left to the catalogue).
    Longer phrases are taken first ("benih ikan" before "ikan"); a generic family beside a
    specific one of its kind ("Produksi Ikan Perikanan Tangkap") is the specific one.

    >>> family_of_text("Produksi Sayuran dan Buah-buahan Menurut Kecamatan") is None
    True
    >>> family_of_text("Produksi Ikan Perikanan Tangkap")
    'capture_fisheries'
    """
    if not text:
        return None
    s = " " + fold(text) + " "
    found: set[str] = set()
    for phrase in _BY_LENGTH:
        key = " " + phrase + " "
        if key in s:
            found.add(_TEXT_PHRASES[phrase])
            s = s.replace(key, " | ")
    for generic, specific in _GENERIC.items():
        if generic in found and found & set(specific):
            found.discard(generic)
    return found.pop() if len(found) == 1 else None


def family_label(family: str | None, lang: str = "id") -> str:
    """The family's name in Bahasa Indonesia (``id``) or English (``en``).

    >>> family_label("vegetables", "en"), family_label("vegetables")
    ('vegetables', 'sayuran')
    """
    pair = FAMILIES.get(family or "other", FAMILIES["other"])
    return pair[1] if lang == "en" else pair[0]


def assign_families(frame: pd.DataFrame, titles: pd.Series, catalogue_family: pd.Series,
                    table_family: pd.Series | None = None,
                    headers: pd.Series | None = None) -> np.ndarray:
    """The family of every statistics row (see the module docstring for the order).

    Parameters
    ----------
    frame : DataFrame
        Statistics rows with ``commodity`` (id) and ``commodity_raw`` or ``commodity_name``.
    titles : Series
        Per row, the table's title (or file name) that may name the family.
    headers : Series, optional
        Per row, the column header, used where the title names no single family.
    catalogue_family : Series
        The catalogue's family per commodity id.
    table_family : Series, optional
        Per row, a family set in dataset.toml (None where not set).
    """
    n = len(frame)
    out = np.full(n, "other", dtype=object)
    raw = frame["commodity_raw"] if "commodity_raw" in frame else frame["commodity_name"]
    cat = frame["commodity"].map(catalogue_family).to_numpy(object)
    text_cache: dict[str, str | None] = {}

    def of(text) -> str | None:
        key = text if isinstance(text, str) else ""
        if key not in text_cache:
            text_cache[key] = family_of_text(key)
        return text_cache[key]

    hs = headers.to_numpy(object) if headers is not None else np.full(n, None, dtype=object)
    # one decision per distinct (cell, title, header, catalogue family): national tables
    # repeat a few dozen of them over millions of rows
    codes, first = distinct_rows(raw.to_numpy(object), titles.to_numpy(object), hs, cat)
    sub = np.empty(len(first), dtype=object)
    for u, k in enumerate(first):
        sub[u] = _family_one(raw.iat[k], titles.iat[k], hs[k], cat[k], of)
    out[:] = sub[codes]
    if table_family is not None:
        tf = table_family.to_numpy(object)
        set_ = np.array([isinstance(x, str) and bool(x) for x in tf], dtype=bool)
        out[set_] = tf[set_]
    return out


def distinct_rows(*columns: np.ndarray | pd.Series, missing_as_blank: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's combination of values in ``columns`` as a code (0, 1, ...) in order of
    first appearance, and the first row of each code; a missing value (None, NaN) counts as
    ``""`` (``missing_as_blank=False``: as one value of its own). What factorizing a
    MultiIndex of the columns gives, without building its tuples (seconds for 660,000 rows).

    >>> codes, first = distinct_rows(np.array(["a", "b", "a", None, ""], dtype=object),
    ...                              np.array([1, 1, 1, 2, 2], dtype=object))
    >>> codes.tolist(), first.tolist()
    ([0, 1, 0, 2, 2], [0, 1, 3])
    """
    n = len(columns[0]) if columns else 0
    key = np.zeros(n, dtype=np.int64)
    for col in columns:
        codes, uniq = pd.factorize(col)
        if (codes < 0).any():   # missing: the code of "" (a new one when "" is absent)
            blank = np.flatnonzero(pd.Index(uniq, dtype=object) == "") \
                if missing_as_blank else []
            codes = np.where(codes < 0, blank[0] if len(blank) else len(uniq), codes)
        key = pd.factorize(key * (len(uniq) + 1) + codes)[0]
    first = np.unique(key, return_index=True)[1] if n else np.zeros(0, dtype=np.int64)
    return key, first


def _family_one(r, t, h, cat_family, of) -> str:
    """The family of one distinct row (see :func:`assign_families`)."""
    fam = of(t) or of(h)
    prod = animal_product(r) if isinstance(r, str) else None
    if prod and _SECTOR.get(fam or "") != "industry":
        return prod      # (salted eggs in an industry table are an industry)
    c = cat_family if isinstance(cat_family, str) and cat_family and \
        cat_family != "other" else None
    if fam and c and _SECTOR.get(fam) != _SECTOR.get(c) and _SECTOR.get(fam) != "industry":
        fam = c      # "Produksi Pertanian dan Populasi Ternak": padi is not livestock
    elif fam in ("livestock", "fisheries") and c in ("poultry", "livestock",
                                                      "capture_fisheries", "aquaculture"):
        # a "Populasi Ternak" table lists cattle and chickens: the catalogue tells them
        # apart; a generic fisheries title leaves capture/culture to the catalogue
        fam = c
    return fam or c or "other"


def valid_family(name: str) -> str:
    """``name`` if it is a known family id (for dataset.toml), else a ValueError."""
    key = re.sub(r"[\s-]+", "_", str(name).strip().lower())
    if key not in FAMILIES:
        raise ValueError(f"unknown family '{name}' (one of {', '.join(FAMILIES)})")
    return key


# The catalogue's ``ovop_group`` ``pangan_segar`` holds food crops, vegetables and fruit
# together; BPS tabulates them apart (Statistik Tanaman Pangan; Statistik Hortikultura:
# sayuran, buah-buahan, with melon, semangka and stroberi among the fruit and kacang merah
# among the vegetables). These lists split it the BPS way; jahe is tabulated by BPS among the
# biofarmaka.
_FOOD_CROPS = frozenset("""padi_sawah padi_gogo jagung ubi_kayu ubi_jalar kedelai kacang_tanah
kacang_hijau sagu sorgum talas garut ganyong uwi gembili suweg jewawut kacang_tunggak
kacang_gude kacang_bogor gandum""".split())
_VEGETABLES = frozenset("""bawang_merah bawang_putih cabai cabai_rawit kentang kubis tomat wortel
kacang_merah kecipir kembang_kol sawi bawang_daun kacang_panjang buncis ketimun terung
labu_siam kangkung bayam lobak selada seledri kacang_kapri labu pare oyong kucai jamur""".split())
_MEDICINAL_EXTRA = frozenset({"jahe"})
_POULTRY = frozenset("""ayam_kampung ayam_ras ayam_ras_petelur ayam_ras_pedaging itik itik_manila
puyuh entok angsa merpati""".split())
_CAPTURE = frozenset({"ikan_tuna", "ikan_cakalang", "ikan_tongkol", "ikan_kembung"})
_BY_GROUP = {"perkebunan": "estate_crops", "biofarmaka": "medicinal",
             "tanaman_hias": "ornamental", "kehutanan": "forestry",
             "pangan_olahan": "processed_food", "minuman": "processed_food"}
_BY_SECTOR = {"industri_kerajinan": "crafts", "sandang": "crafts",
              "makanan_minuman": "processed_food"}


def catalogue_family(cid: str, sector: str | None, ovop_group: str | None) -> str:
    """The family of a catalogue entry (see the lists above).

    >>> catalogue_family("kentang", "pertanian_perkebunan", "pangan_segar")
    'vegetables'
    >>> catalogue_family("kopi_arabika", "pertanian_perkebunan", "perkebunan")
    'estate_crops'
    """
    if cid in _FOOD_CROPS:
        return "food_crops"
    if cid in _VEGETABLES:
        return "vegetables"
    if cid in _MEDICINAL_EXTRA:
        return "medicinal"
    if ovop_group == "pangan_segar":
        return "fruit"
    if ovop_group in _BY_GROUP:
        return _BY_GROUP[ovop_group]
    if sector == "peternakan":
        return "poultry" if cid in _POULTRY else "livestock"
    if sector == "perikanan":
        return "capture_fisheries" if cid in _CAPTURE else "fisheries"
    return _BY_SECTOR.get(sector or "", "other")


def catalogue_families(catalogue_frame: pd.DataFrame) -> pd.Series:
    """``id -> family`` for every entry of a catalogue frame (``sector``, ``ovop_group``),
    indexed by id."""
    f = catalogue_frame
    ids = f.index if "id" not in f.columns else f["id"]
    return pd.Series([catalogue_family(i, s, g) for i, s, g in
                      zip(ids, f["sector"], f["ovop_group"])], index=pd.Index(ids), dtype=object)
