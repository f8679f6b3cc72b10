"""The words the reader recognises in headers and labels: area, code, year, commodity,
unit, measure and level columns, provenance columns, and total rows."""

from __future__ import annotations

from unggulan.base.names import column_key, fold
from unggulan.io.statistics.cells import cell_text
from unggulan.io.statistics.model import LEVELS

#: header words of an area column, and the level each names (None: any level)
AREA_WORDS: dict[str, str | None] = {
    "desa": "desa", "kelurahan": "desa", "village": "desa", "villages": "desa", "kel": "desa",
    "kecamatan": "kecamatan", "kec": "kecamatan", "subdistrict": "kecamatan",
    "subdistricts": "kecamatan", "district": "kecamatan", "districts": "kecamatan",
    "kabupaten": "kabupaten", "kab": "kabupaten", "kota": "kabupaten", "regency": "kabupaten",
    "regencies": "kabupaten", "city": "kabupaten", "municipality": "kabupaten",
    "kabkota": "kabupaten", "kabupatenkota": "kabupaten",
    "provinsi": "provinsi", "province": "provinsi", "prov": "provinsi",
    "wilayah": None, "region": None, "daerah": None, "area": None, "lokasi": None,
    "location": None,
}
#: header words of an area code column
CODE_WORDS = frozenset({"kode", "code", "kd", "id", "pcode", "kdepum", "kdebps", "kdcbps",
                        "kdcpum", "idkec", "iddesa", "kodewilayah"})
#: header words of a year column
YEAR_WORDS = frozenset({"tahun", "year", "thn", "th", "years", "periode", "period"})
#: headers of a row-number column ("No")
NUMBER_KEYS = frozenset({"no", "nomor", "no_urut", "nomor_urut", "number", "nr", "urut"})
#: headers of a unit column ("Satuan")
UNIT_KEYS = frozenset({"satuan", "unit", "units", "satuan_unit", "uom", "satuan_units"})
#: header words of a long table's commodity column
COMMODITY_WORDS = frozenset({
    "komoditas", "komoditi", "commodity", "commodities", "jenis", "tanaman", "ternak", "crop",
    "crops", "livestock", "produk", "product", "products", "item", "items", "ikan", "fish",
    "type", "kind", "plant", "plants"})
#: columns of a long table that describe where a value came from, never values themselves
META_KEYS = frozenset({"page", "pages", "halaman", "hal", "page_printed", "printed", "cetak",
                       "note", "notes", "catatan", "keterangan", "ket", "remarks", "source",
                       "sumber", "source_pdf", "source_file", "file", "table", "tabel",
                       "table_no", "no_tabel", "judul", "title", "sheet"})
#: a long table's column naming the measure of each row ("production", "Luas Panen")
MEASURE_COL_KEYS = frozenset({"measure", "ukuran", "indikator", "indicator", "variabel",
                              "variable", "jenis_data", "besaran", "measure_type"})
#: a long table's column naming the area level of each row (desa rows and kecamatan rows)
LEVEL_COL_KEYS = frozenset({"level", "tingkat", "tingkatan", "jenjang", "level_wilayah",
                            "area_level"})
#: headers of a value column that name no commodity ("Nilai", "Jumlah")
GENERIC_VALUE_WORDS = frozenset({"nilai", "value", "values", "data", "angka", "jumlah",
                                 "besaran", "volume", "total", "amount"})
#: words of a header row (a row of years beside them is a header, not data)
HEADERISH_WORDS = frozenset(set(AREA_WORDS) | YEAR_WORDS | COMMODITY_WORDS | {
    "uraian", "rincian", "description", "nama", "name", "subdistrict", "no"})

#: labels (folded) of a total row or a total commodity
TOTAL_LABELS = frozenset({
    "jumlah", "total", "jumlah total", "total jumlah", "grand total", "jumlah seluruhnya",
    "total keseluruhan", "keseluruhan", "seluruhnya", "jumlah total total", "total total",
    "sum", "subtotal", "sub total", "jumlah kabupaten", "total kabupaten", "kabupaten",
    "jumlah kecamatan", "total kecamatan"})


def tokens(text: str) -> list[str]:
    """The words of a header as :func:`~unggulan.base.names.column_key` spells them."""
    return [t for t in column_key(text).split("_") if t]


def row_level(v: object) -> str | None:
    """The area level a level cell names ("desa", "Kecamatan", "kelurahan" ...)."""
    t = fold(cell_text(v))
    if t in LEVELS:
        return t
    return AREA_WORDS.get(t) if t else None
