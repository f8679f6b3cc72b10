"""Statistics tables read from BPS PDF books (unggulan.io.pdf_tables), on pages built here.

Each test draws small PDF pages in the shape BPS prints its "Kecamatan Dalam Angka" tables
(matplotlib's PDF backend writes real text, so pdfplumber reads words, fonts and positions):
``Tabel 3.1.1`` beside an upright Indonesian title over an italic English one, commodity
headers over ``2019 2020`` pairs, the column-number row ``(1) (2) ...``, numbered desa rows,
a bold kecamatan total, a ``Sumber:`` line, the diagonal watermark. The expected values are
the ones written onto the page by the test.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from unggulan.io import pdf_tables  # noqa: E402
from unggulan.io.pdf_tables import parse_bps_number, pdf_contents, unspace  # noqa: E402
from unggulan.io.statistics import RECORD_COLUMNS, StatisticsOptions, read_statistics  # noqa: E402

W, H = 419.52, 595.32   # the books' page size (pt)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UNGGULAN_CACHE_DIR", str(tmp_path / "cache"))


class Page:
    """One A5 page; text placed by its left (or right) edge and top, in points from the
    top-left corner, as pdfplumber reports them."""

    def __init__(self) -> None:
        self.fig = Figure(figsize=(W / 72, H / 72))

    def text(self, x: float, top: float, s: str, size: float = 8, ha: str = "left",
             bold: bool = False, italic: bool = False) -> None:
        self.fig.text(x / W, 1 - top / H, s, fontsize=size, ha=ha, va="top",
                      fontweight="bold" if bold else "normal",
                      fontstyle="italic" if italic else "normal")

    def watermark(self) -> None:
        self.fig.text(0.1, 0.3, "https://jemberkab.bps.go.id", fontsize=22, rotation=45,
                      color="0.9", fontweight="bold")


def table_page(number: str | None, title: list[str], title_en: str, heads: list[tuple],
               rows: list[tuple], total: tuple | None, first_col: tuple = ("Desa", "Village"),
               years: tuple | None = (2019, 2020), continued: bool = False,
               colnum_start: int = 2, offsets: dict | None = None,
               more_totals: list[tuple] = ()) -> Page:
    """A BPS table page: ``heads`` (Indonesian, English) per commodity, each over a
    ``years`` pair (or one column when ``years`` is None); ``rows`` (number, name, cells)."""
    p = Page()
    p.watermark()
    p.text(300, 46, "Pertanian", size=11, bold=True)
    if continued:
        p.text(216, 85, f"Lanjutan Tabel {number}/", bold=True)
        p.text(300, 85, f"Continued Table {number}", italic=True)
        top = 100
    else:
        p.text(66, 92, "Tabel", bold=True)
        p.text(96, 102, number, bold=True)
        p.text(66, 112, "Table", italic=True)
        y = 85
        for line in title:
            p.text(125, y, line, bold=True)
            y += 10
        p.text(125, y, title_en, italic=True)
        top = y + 22
    per = 2 if years else 1
    ncol = len(heads) * per
    x0, x1 = 150, 400
    step = (x1 - x0) / ncol
    centres = [x0 + step * (i + 0.5) for i in range(ncol)]
    p.text(92, top + 6, first_col[0])
    p.text(90, top + 15, first_col[1], italic=True)
    for k, (ind, en) in enumerate(heads):
        cx = np.mean(centres[k * per:(k + 1) * per])
        p.text(cx, top, ind, ha="center")
        if en:
            p.text(cx, top + 9, en, ha="center", italic=True)
    if years:
        for i, c in enumerate(centres):
            p.text(c, top + 20, str(years[i % 2]), ha="center", italic=bool(i % 2))
    p.text(100, top + 30, "(1)", ha="center")
    for i, c in enumerate(centres):
        p.text(c, top + 30, f"({colnum_start + i})", ha="center")
    y = top + 44
    offsets = offsets or {}
    for num, name, cells in rows:
        p.text(70, y, str(num))
        p.text(85, y, name)
        for i, cell in enumerate(cells):
            dy = offsets.get((num, i), 0.0)
            p.text(centres[i] + 10, y + dy, cell, ha="right")
        y += 14
    if total is not None:
        y += 6
        for label, cells in [total, *more_totals]:
            p.text(85, y, label, bold=True)
            for i, cell in enumerate(cells):
                p.text(centres[i] + 10, y, cell, ha="right", bold=True)
            y += 10
        y += 2
    p.text(65, y + 4, "Sumber: Dinas Tanaman Pangan Kabupaten Jember.")
    p.text(65, y + 14, "Source: Departement of Crops", italic=True)
    p.text(164, 532, "Kecamatan Contoh Dalam Angka Tahun 2021 155", size=10)
    return p


def write_pdf(path: Path, pages: list[Page]) -> Path:
    with PdfPages(path) as pdf:
        for p in pages:
            pdf.savefig(p.fig)
    return path


VEG_TITLE = ["Luas Panen Tanaman Sayuran Menurut Desa dan Jenis Tanaman (ha) di",
             "Kecamatan Contoh 2020"]
VEG_EN = "Harvested Area of Vegetables by Village and Kind of Plant (ha) 2020"


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A 4-page book: a vegetables table over two pages, a time series (skipped), an
    estate-crop table by kecamatan with a lost decimal mark and a wrong total."""
    d = tmp_path_factory.mktemp("book")
    p1 = table_page("3.1.1", VEG_TITLE, VEG_EN,
                    [("Bawang Merah", "Shallot"), ("Cabe Rawit", "Small Chili")],
                    [(1, "Mangaran", ["...", "-", "...", "4.50"]),
                     (2, "Sukamakmur", ["...", "1 535,90", "...", "6,199"]),
                     (3, "Sumber Ketempah", ["...", "12", "x", "…"])],
                    ("Kecamatan Contoh", ["...", "1 547,90", "...", "6 203,50"]))
    p2 = table_page("3.1.1", [], "", [("Laos/Lengkuas", "Galanga"), ("Palem*", "Palm")],
                    [(1, "Mangaran", ["...", "3", "...", "2"]),
                     (2, "Sukamakmur", ["...", "--", "...", "1"]),
                     (3, "Sumber Ketempah", ["...", "550-", "...", "-"])],
                    ("Kecamatan Contoh", ["...", "553", "...", "3"]),
                    continued=True, colnum_start=6)
    p3 = table_page("3.1.3", ["Luas Panen Tanaman Sayuran Menurut Jenis Tanaman (ha)",
                              "2017-2020"], "Harvest Area by Kind of Plant (ha)",
                    [("2019", ""), ("2020", "")],
                    [(1, "Bawang Merah", ["1", "2"])], None,
                    first_col=("Jenis Tanaman", "Kind of Plants"), years=None)
    p4 = table_page("3.2.1", ["Luas Areal Tanaman Perkebunan Menurut Kecamatan dan Jenis",
                              "Tanaman (ha) di Kabupaten Contoh 2020"],
                    "Planted Area of Estate Crops by Subdistrict (ha) 2020",
                    [("Kelapa", "Coconut"), ("Kopi", "Coffee")],
                    [(1, "Kencong", ["121 69", "13,70", "-", "2.255"]),
                     (2, "Puger", ["6", "8,00", "1", "10,5"])],
                    ("Jember 2020", ["127,69", "30,00", "1", "2265,5"]),
                    first_col=("Kecamatan", "Subdistrict"))
    return write_pdf(d / "Contoh dalam angka 2021.pdf", [p1, p2, p3, p4])


# --------------------------------------------------------------------------------------------
# numbers and names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value, status", [
    ("1 286,00", 1286.0, "number"), ("1.911,47", 1911.47, "number"), ("2.255", 2255.0, "number"),
    ("6,199", 6199.0, "number"), ("2921,58", 2921.58, "number"), ("15,0", 15.0, "number"),
    ("6.35", 6.35, "number"), ("0,125", 0.125, "number"), ("1,234.5", 1234.5, "number"),
    ("48 445.71", 48445.71, "number"), ("1 197 07", 1197.07, "number"),
    ("121 69", 121.69, "number"), ("4 00", 4.0, "number"), ("-", 0.0, "nil"),
    ("--", 0.0, "nil"), ("550-", 550.0, "number"),
])
def test_numbers_as_bps_prints_them(text, value, status):
    v, st, _ = parse_bps_number(text)
    assert st == status
    assert v == pytest.approx(value)


@pytest.mark.parametrize("text, status", [
    ("...", "missing"), ("…", "missing"), ("x", "missing"), ("…-", "missing"), ("", "empty"),
    ("6 2 5 9", "bad"), ("C14,00", "bad"), ("1 2345", "bad"),
])
def test_markers_and_unreadable_cells(text, status):
    v, st, _ = parse_bps_number(text)
    assert st == status and math.isnan(v)


def test_rules_are_named_in_the_note():
    assert parse_bps_number("1 197 07")[2] == "lost decimal mark"
    assert parse_bps_number("2.255")[2] == "'.' read as thousands separator"
    assert parse_bps_number("550-")[2].startswith("stray '-'")


def test_letter_spacing_joined():
    assert unspace("K r i s t a l T ebu") == "Kristal Tebu"
    assert unspace("C a be Rawit") == "Cabe Rawit"
    assert unspace("K ecamatan Aju ng") == "Kecamatan Ajung"
    assert unspace("Sapi Perah") == "Sapi Perah"


# --------------------------------------------------------------------------------------------
# a book
# --------------------------------------------------------------------------------------------


def _tables(book: Path, **opts) -> dict:
    return {t.title.split()[0]: t for t in read_statistics(book, StatisticsOptions(**opts))}


def test_tables_found_by_number_and_continued_pages_joined(book):
    tables = _tables(book)
    assert sorted(tables) == ["3.1.1", "3.2.1"]
    veg = tables["3.1.1"]
    assert veg.title == "3.1.1 " + " ".join(VEG_TITLE)
    assert veg.area_level == "desa" and veg.year == 2020
    assert list(veg.records.columns) == RECORD_COLUMNS
    rec = veg.records
    assert set(rec["sheet"]) == {"Tabel 3.1.1, hal. 1", "Tabel 3.1.1, hal. 2"}
    assert set(rec["commodity_raw"]) == {"Bawang Merah", "Cabe Rawit", "Laos/Lengkuas", "Palem"}
    assert set(rec.loc[rec["commodity_raw"] == "Palem", "mark"]) == {"*"}
    assert set(rec["area_label"]) == {"Mangaran", "Sukamakmur", "Sumber Ketempah"}
    assert set(rec["measure"]) == {"harvested_area"} and set(rec["unit"]) == {"ha"}


def _value(t, area, commodity, year):
    r = t.records
    sel = r[(r["area_label"] == area) & (r["commodity_raw"] == commodity) & (r["year"] == year)]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_values_years_and_markers(book):
    veg = _tables(book)["3.1.1"]
    assert _value(veg, "Sukamakmur", "Bawang Merah", 2020)["value"] == pytest.approx(1535.9)
    assert _value(veg, "Sukamakmur", "Cabe Rawit", 2020)["value"] == 6199.0
    assert _value(veg, "Mangaran", "Cabe Rawit", 2020)["value"] == 4.5
    assert _value(veg, "Mangaran", "Bawang Merah", 2020)["value"] == 0.0      # "-" is nil
    assert math.isnan(_value(veg, "Mangaran", "Bawang Merah", 2019)["value"])  # "..."
    assert math.isnan(_value(veg, "Sumber Ketempah", "Cabe Rawit", 2019)["value"])  # "x"
    assert _value(veg, "Sukamakmur", "Laos/Lengkuas", 2020)["value"] == 0.0    # "--"
    assert _value(veg, "Sumber Ketempah", "Laos/Lengkuas", 2020)["value"] == 550.0
    row = _value(veg, "Sukamakmur", "Bawang Merah", 2020)
    assert row["cell"] == "1 535,90" and row["row"] == 2 and row["sheet"] == "Tabel 3.1.1, hal. 1"


def test_totals_dropped_and_checked(book):
    tables = _tables(book)
    veg = tables["3.1.1"]
    assert "Kecamatan Contoh" not in set(veg.records["area_label"])
    bm = [t for t in veg.totals if t["commodity"] == "Bawang Merah" and t["year"] == 2020]
    assert bm[0]["total"] == pytest.approx(1547.9) and bm[0]["difference"] == pytest.approx(0)
    est = tables["3.2.1"]
    assert est.area_level == "kecamatan"
    kopi = [t for t in est.totals if t["commodity"] == "Kopi" and t["year"] == 2020][0]
    assert kopi["total"] == 2265.5 and kopi["sum_of_rows"] == 2265.5
    kel = [t for t in est.totals if t["commodity"] == "Kelapa" and t["year"] == 2020][0]
    assert kel["difference"] == pytest.approx(30.0 - 21.7)
    msgs = " ".join(p.message for p in est.problems)
    assert "Jember 2020" in msgs and "rows sum to 21.7" in msgs


def test_lost_decimal_mark_read_and_reported(book):
    est = _tables(book)["3.2.1"]
    assert _value(est, "Kencong", "Kelapa", 2019)["value"] == pytest.approx(121.69)
    lost = [p for p in est.problems if "decimal mark" in p.message]
    assert lost and lost[0].severity == "warning" and "'121 69' read as 121.69" in lost[0].message


def test_book_listing_says_what_was_skipped_and_why(book):
    listing = {i.number: i for i in pdf_contents(book)}
    assert listing["3.1.1"].status == "read" and listing["3.1.1"].pages == [1, 2]
    assert listing["3.1.1"].level == "desa" and listing["3.1.1"].unit == "ha"
    assert listing["3.1.3"].status == "skipped"
    assert "desa or kecamatan" in listing["3.1.3"].reason
    first = read_statistics(book)[0]
    assert [b["number"] for b in first.book] == ["3.1.1", "3.1.3", "3.2.1"]


def test_tables_chosen_by_number_or_title(book):
    assert sorted(_tables(book, tables=["3.2.1"])) == ["3.2.1"]
    assert sorted(_tables(book, tables=["Tanaman Sayuran"])) == ["3.1.1"]
    listing = {i.number: i for i in pdf_contents(book, StatisticsOptions(tables=["3.2.1"]))}
    assert listing["3.1.1"].reason == "not among the tables chosen in dataset.toml"


def test_cached_by_file_hash(book, tmp_path, monkeypatch):
    first = read_statistics(book)
    copy = shutil.copy(book, tmp_path / "elsewhere.pdf")

    def no_read(*a, **k):
        raise AssertionError("read again instead of from the cache")

    monkeypatch.setattr(pdf_tables, "_read", no_read)
    again = read_statistics(copy)
    assert [t.title for t in again] == [t.title for t in first]
    assert set(again[0].records["file"]) == {str(copy)}
    assert again[0].records["value"].equals(first[0].records["value"])


def test_values_half_a_row_off_and_wrapped_fragments(tmp_path):
    page = table_page("3.1.14", ["Produksi Tanaman Buah-Buahan Menurut Desa dan Jenis",
                                 "Tanaman (kw) di Kecamatan Contoh 2020"], "Production (kw)",
                      [("Mangga", "Mango")],
                      [(1, "Mangaran", ["...", "2,5"]), (2, "Sukamakmur", ["...", "7"])],
                      ("Kecamatan Contoh", ["...", "9,5"]),
                      offsets={(1, 1): -3.5, (2, 1): 3.0})
    t = read_statistics(write_pdf(tmp_path / "b.pdf", [page]))[0]
    assert t.records["measure"].unique().tolist() == ["production"]
    assert t.records["unit"].unique().tolist() == ["ton"]
    assert _value(t, "Mangaran", "Mangga", 2020)["value"] == pytest.approx(0.25)
    assert _value(t, "Sukamakmur", "Mangga", 2020)["value"] == pytest.approx(0.7)
    assert set(t.records["unit_raw"]) == {"kw"}


def test_scanned_pages_reported_not_read(tmp_path, book):
    scan = Page()
    scan.fig.figimage(np.random.default_rng(0).random((60, 40)), 10, 10)
    veg = table_page("3.1.2", ["Produksi Tanaman Sayuran Menurut Desa (kw) 2020"], "Prod",
                     [("Kubis", "Cabbage")], [(1, "Mangaran", ["...", "5"])], None)
    path = write_pdf(tmp_path / "scan.pdf", [scan, veg])
    tables = read_statistics(path)
    msgs = [p.message for p in tables[0].problems]
    assert any("no text layer" in m and ": 1" in m for m in msgs)


def test_only_scans_is_a_clear_error(tmp_path):
    from unggulan.base.errors import DatasetError

    scan = Page()
    scan.fig.figimage(np.random.default_rng(0).random((60, 40)), 10, 10)
    with pytest.raises(DatasetError, match="no statistics table"):
        read_statistics(write_pdf(tmp_path / "scan.pdf", [scan]))


def test_statistics_folder_picks_pdfs_and_config_takes_tables(tmp_path, book):
    from unggulan.core.inputs.config import load_config
    from unggulan.core.inputs.statistics import statistics_files

    (tmp_path / "statistik").mkdir()
    shutil.copy(book, tmp_path / "statistik" / "buku.pdf")
    (tmp_path / "sentra.pdf").write_bytes(b"%PDF-1.4")
    assert statistics_files(tmp_path) == [tmp_path / "statistik" / "buku.pdf"]
    (tmp_path / "dataset.toml").write_text(
        '[[statistics]]\npath = "statistik/buku.pdf"\ntables = ["3.1.1", "3.2.1"]\n')
    assert load_config(tmp_path).statistics[0].tables == ["3.1.1", "3.2.1"]


def test_stacked_year_totals_are_two_rows(tmp_path):
    """3.1.17-style: one column per measure, totals "Tahun/Year 2020" over "Tahun/Year 2019"
    printed close together; the 2019 total has no desa rows of its year."""
    page = table_page("3.1.20", ["Luas Tanam, Panen, dan Produksi Tanaman Ubi Kayu Menurut",
                                 "Desa, 2020"], "Planting Area, Harvested Area and Production",
                      [("Luas Tanam (Ha)/", "Planting Area (Ha)"),
                       ("Luas Panen (Ha)/", "Planting Area (Ha)"),
                       ("Produksi (Kw)/", "Production (Kw)")],
                      [(1, "Mangaran", ["12", "10", "1 535,90"]),
                       (2, "Sukamakmur", ["3", "2", "400"])],
                      ("Tahun/ Year 2020", ["15", "12", "1 935,90"]), years=None,
                      more_totals=[("Tahun/ Year 2019", ["...", "...", "..."])])
    t = read_statistics(write_pdf(tmp_path / "b.pdf", [page]))[0]
    rec = t.records
    assert set(rec["commodity_raw"]) == {"Ubi Kayu"}
    assert set(rec["measure"]) == {"planted_area", "harvested_area", "production"}
    prod = rec[(rec["measure"] == "production") & (rec["area_label"] == "Mangaran")]
    assert prod["value"].iloc[0] == pytest.approx(153.59) and prod["unit"].iloc[0] == "ton"
    by_year = {(x["measure"], x["year"]): x for x in t.totals}
    assert by_year[("planted_area", 2020)]["difference"] == 0
    assert by_year[("planted_area", 2019)]["sum_of_rows"] is None
    assert by_year[("planted_area", 2019)]["total"] is None     # "..."


def test_dataset_toml_unit_and_measure_override_the_headers(book):
    """`[[statistics]] unit = "kg"` (a book printing the wrong unit) applies to every column."""
    t = _tables(book, tables=["3.2.1"], unit="kg", measure="production")["3.2.1"]
    assert set(t.records["unit_raw"]) == {"kg"} and set(t.records["unit"]) == {"ton"}
    assert set(t.records["measure"]) == {"production"}
    assert _value(t, "Puger", "Kelapa", 2020)["value"] == pytest.approx(0.008)


def test_docstring_examples():
    import doctest

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(pdf_tables, optionflags=flags)
    assert result.attempted > 10 and result.failed == 0


def test_a_desa_name_two_kecamatan_share_is_settled_by_the_books_kecamatan():
    """Desa Ajung lies in Kec. Ajung and in Kec. Kalisat: a table "di Kecamatan Ajung" (the
    reader's ``within``) names the first; without it the name stays unmatched."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from unggulan.core.inputs.statistics import AreaIndex, TableReport, match_areas

    desa = gpd.GeoDataFrame({
        "code": ["35.09.17.2004", "35.09.27.2008", "35.09.17.2002"],
        "name": ["Ajung", "Ajung", "Mangaran"],
        "kecamatan_code": ["35.09.17", "35.09.27", "35.09.17"],
        "kabupaten_code": ["35.09"] * 3}, geometry=[box(0, 0, 1, 1)] * 3, crs=4326)
    kec = gpd.GeoDataFrame({"code": ["35.09.17", "35.09.27"], "name": ["Ajung", "Kalisat"],
                            "kabupaten_code": ["35.09"] * 2}, geometry=[box(0, 0, 1, 1)] * 2,
                           crs=4326)
    layers = {"desa": desa, "kecamatan": kec}
    rec = pd.DataFrame({"area_label": ["Ajung", "Mangaran"], "area_raw": ["Ajung", "Mangaran"],
                        "area_code": [None, None]})
    for within, expected in (("Ajung", "35.09.17.2004"), ("Kalisat", "35.09.27.2008"),
                             (None, None)):
        rep = TableReport(file="b.pdf", sheet=None, title=None, layout="wide", level=None,
                          rows=2, values=2, guessed={"within": within} if within else {})
        out = match_areas(rec, AreaIndex(layers), "desa", rep, layers)
        assert out["code"].tolist() == [expected, "35.09.17.2002"]
