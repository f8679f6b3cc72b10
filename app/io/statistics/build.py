"""Reader of production statistics as BPS ("Kecamatan Dalam Angka") and the dinas publish them.

One CSV/XLSX file in, a list of :class:`StatTable` out, each holding long ``records``: one row
per value cell, nothing renamed or edited by hand. Area names are not matched to boundaries
and commodity names are not matched to the catalogue here (the core does both): the reader
only finds the tables, splits the headers, parses the numbers and says where each came from.

What is found, and how
----------------------
* **Tables.** A table is a header (1-3 rows) followed by rows of numbers. Rows with a single
  text cell above the header are title rows; a column-number row ``(1) (2) (3)`` (or
  ``1 2 3 ...``) below the header is skipped; footers (``Sumber/Source:``, ``Catatan/Note:``,
  ``Keterangan``, lines starting with ``*`` or ``1)``) are dropped. A sheet may hold several
  tables one below the other (separated by a blank row or by a new title/header) and a
  workbook several sheets: each table is one :class:`StatTable`. Hidden rows are read (they
  are data). Rows and columns that are entirely empty are ignored. Tables side by side on
  one sheet are not separated.
* **Headers.** XLSX files are read with openpyxl so merged ranges are known: a merged header
  cell is copied over its whole range before the header rows are joined (with ``" / "``)
  into the ``column`` text. Without merges (CSV), an empty header cell right of a group
  header ("Luas Panen (ha)" over several commodities) takes the group header when both it
  and its left neighbour have a header below them.
* **Layout.** ``long`` when a commodity column is found (header words komoditas, komoditi,
  commodity, jenis, tanaman, ternak, crop, produk, ...; or ``commodity_column``), else
  ``wide``: one value column per commodity (or per measure and commodity, or per year).
* **Measure, commodity, unit** of a value column are split from its own header parts
  (bottom-most first: "Produksi Padi Sawah (Ton)" -> production, "Padi Sawah", Ton), then
  the header over it, then the table (``measure``/``unit`` options, the title rows, the sheet
  name, the file name). Bilingual labels keep the Indonesian part ("Cabai Besar/Big Chili"
  -> "Cabai Besar"). Units are converted to one unit per measure (see :mod:`unggulan.io.units`);
  a long table with a unit column converts row by row. A production, value or
  productivity column whose unit is stated nowhere (header, unit row or column, title,
  sheet or file name, option) gets the unit ``"unknown"`` and a warning: the core leaves it
  out of comparisons until the unit is given (tonnes, kuintal and kilograms all occur). Area,
  population, business units and workers without a unit are read in their one usual unit
  (ha, ekor, unit, orang), said as info. Productivity and price/percentage columns are ratios
  (``ratio`` True): never summed and never checked against totals. Columns headed
  "Jumlah"/"Total" (a total over commodities) are not commodities: dropped, and checked
  against the sum of the commodity columns of the same measure.
* **Year.** A year column ("Tahun", "Tahun ", "Year"; numbers, ``2019.0``, text or Excel
  dates), a year in a value column's header ("2022", "Tahun 2023"), or one year for the
  table from the ``year`` option, the title rows, the sheet name or the file name, in that
  order. A range ("2018-2024", "2018–2022", "2022/2023") is not a single year; several
  different years in one place are not either.
* **Areas.** The area column is found by header words (kecamatan, desa, kelurahan, wilayah,
  kabupaten/kota, subdistrict, district, village, regency, region, nama_kab,
  kode_kecamatan, ...), else it is the first text column. ``area_raw`` is the cell as written
  (stripped). ``area_code`` holds the digits of a code written in the area cell or in a code
  column ("730801", "73.08.01", "7311010": 4-10 digits, or two digits and dotted groups).
  ``area_label`` is the name part with a list number ("18. Wanayasa", "05. Tonra": 1-3
  digits) or a code prefix removed; administrative prefixes ("Kec. Batur") and case are kept.
  In a table whose rows are commodities and which has no area column, the area is taken
  from the title ("... di Kecamatan Tonra"). ``area_level`` is guessed from the area header,
  else the code lengths (2 provinsi, 4 kabupaten, 6-7 kecamatan, 10 desa), else the title
  ("menurut kecamatan", "by subdistrict"), else the labels' prefixes.
* **Total rows** are dropped from ``records`` and checked: "Jumlah", "Total", "Jumlah/Total";
  a higher-level name in a lower-level table ("Kabupaten Bone", "Kab. Bone", "Kota X" among
  kecamatan; "Kecamatan X" among desa, as a subtotal); and, as first or last row of a wide
  table, the kabupaten's bare name from the title ("Bone") or a blank label when its numbers
  are the sum of the other rows in most columns, or any label when they are in every column
  (the unlabelled "SULAWESI SELATAN" of a BPS web export). Each is checked, per value column,
  against the sum of the rows it covers (same column, commodity, unit and year; the rows
  since the previous total of the same or a higher rank, or up to the next one for a total
  above its rows). Each check is one dict in ``StatTable.totals``; a difference above 0.5
  and above 0.1 % of the total is also a warning :class:`~unggulan.base.problems.Problem`.
  "Rata-rata"/"Average" rows are dropped unchecked (not sums); ratio columns are never
  checked. In a long table a "Jumlah"/"Total" commodity is a total over the area's
  commodities: dropped and checked the same way (``commodity`` None in its dict).
* **Blank label cells** under a merged cell take its value; in long and multi-year tables a
  blank area or year cell takes the one above (said in ``guessed``).

Records
-------
``records`` has the columns :data:`RECORD_COLUMNS`, one row per value cell in reading order
(row by row). Text columns are ``object`` with ``None`` where there is nothing; ``year`` is
``Int64``; ``value`` is the number after conversion (``factor`` applied), NaN when missing;
``cell`` the cell as written; ``mark`` a stripped footnote mark ("*", "r)") or None.

Numbers written as text
-----------------------
Spaces, non-breaking spaces and padding are removed; footnote marks that are clearly marks
are stripped and kept in the ``mark`` column: trailing asterisks (``1.234*``), a letter or
digit closing a parenthesis (``1.234 r)``, ``12 1)``, ``(r)``) and superscript digits. A
letter glued to a number (``12,5a``) is not taken for a mark: the cell is not a number.

None markers follow the BPS legends, because 0 and missing differ (a growth rate from 0 is
infinite, from missing it is unknown):

* ``-``, ``–``, ``—``, ``−``, ``--``: nil, **0**;
* ``...``, ``..``, ``…``: data not available, **missing** (NaN);
* ``x``, ``X``: confidential, **missing** (NaN);
* ``NA``, ``n.a.``, ``n/a``, ``#N/A``, ``tad``: **missing** (NaN);
* an empty cell: **missing** (NaN).

Missing cells are kept as records with ``value`` NaN (``cell`` says which marker) so that
"reported as missing" stays visible; a cell that is not a number is kept the same way and
reported as a warning.

The decimal convention is guessed once per file (the ``decimal`` option overrides it), from
the text cells of the value columns:

* evidence for a decimal comma: ``20.244,9`` (dot groups then a comma), ``62,44`` or
  ``0,5`` (a comma followed by other than three digits), ``1.234.567`` (several dot groups);
* evidence for a decimal point: the same with the roles swapped (``1,234.5``, ``62.44``);
* the side with more evidence wins; with none, cells like ``2.165`` (one group of three
  after a dot) mean a decimal comma (BPS's Indonesian thousands dots), cells like
  ``1,893`` a decimal point; with neither, a decimal point.

Each cell is then read with that convention, except that a single separator that cannot be
a thousands separator (not exactly three digits after it, a leading 0, or more than three
digits before it) is read as a decimal separator whatever the convention. So in a
decimal-comma file ``2.165`` is 2165 and ``62.44`` is 62.44; in a decimal-point file
``1,893`` is 1893 and ``62,44`` is 62.44.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "produksi 2023.csv").write_text(
...     "Kecamatan;Padi (ton);Jagung (kw)\\nTonra;1.234,5;-\\nMare;...;300\\nJumlah;1.234,5;300\\n")
>>> t = read_statistics(d / "produksi 2023.csv")[0]
>>> t.records[["area_label", "commodity_raw", "unit", "year", "value"]].values.tolist()
... # doctest: +NORMALIZE_WHITESPACE
[['Tonra', 'Padi', 'ton', 2023, 1234.5], ['Tonra', 'Jagung', 'ton', 2023, 0.0],
 ['Mare', 'Padi', 'ton', 2023, nan], ['Mare', 'Jagung', 'ton', 2023, 30.0]]
>>> t.totals[0]["label"], t.totals[0]["difference"]
('Jumlah', 0.0)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import column_key, fold
from unggulan.base.problems import Problem
from unggulan.io.readers import _decode, sniff_separator
from unggulan.io.units import (
    CANONICAL_UNIT,
    MEASURES,
    RATIO_MEASURES,
    Unit,
    compatible,
    find_measures,
    parse_unit,
    split_bilingual,
    split_header,
)

__all__ = [
    "RECORD_COLUMNS",
    "StatTable",
    "StatisticsOptions",
    "guess_decimal",
    "parse_value",
    "read_statistics",
    "year_in_text",
]

#: columns of ``StatTable.records``, in this order
RECORD_COLUMNS = [
    "area_raw", "area_code", "area_label", "commodity_raw", "measure", "unit", "unit_raw",
    "factor", "ratio", "year", "value", "cell", "mark", "file", "sheet", "row", "column",
]
_TEXT_COLUMNS = frozenset({"area_raw", "area_code", "area_label", "commodity_raw", "measure",
                           "unit", "unit_raw", "cell", "mark", "file", "sheet", "column"})
LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")
_LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}
_AVERAGE_ROW = 9
TOTAL_TOLERANCE_ABS = 0.5
TOTAL_TOLERANCE_REL = 0.001
_MAX_CELL_PROBLEMS = 20
#: the unit of a column whose unit is stated nowhere, for measures that have several usual
#: units (production: ton, kuintal, kg; value: rupiah, ribu, juta; yields)
UNKNOWN_UNIT = "unknown"
_UNIT_REQUIRED = frozenset({"production", "value", "productivity"})


@dataclass
class StatisticsOptions:
    """How to read one statistics file (``[[statistics]]`` in dataset.toml); all optional.

    Examples
    --------
    >>> StatisticsOptions(year=2023, measure="production", unit="kuintal").year
    2023
    """

    path: str | None = None
    sheet: str | None = None           # XLSX: one sheet; default all sheets holding a table
    header_rows: int | None = None     # number of header rows (1-3) when the guess is wrong
    header_row: int | None = None      # 1-based first header row in the file
    area_column: str | None = None
    area_level: str | None = None      # 'desa' | 'kecamatan' | 'kabupaten' | 'provinsi'
    year: int | None = None
    year_column: str | None = None
    measure: str | None = None
    unit: str | None = None
    commodity_column: str | None = None   # long tables
    value_column: str | None = None       # long tables
    unit_column: str | None = None        # long tables with a unit per row
    family: str | None = None             # the table's commodity family (used by the core)
    commodities: dict[str, str] = field(default_factory=dict)  # column/name -> commodity name
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    tables: list[str] = field(default_factory=list)  # PDF books: table numbers or title words


@dataclass
class StatTable:
    """One statistics table (a CSV, or one table of one sheet) as long records.

    ``records`` has the columns :data:`RECORD_COLUMNS` (see the module docstring);
    ``totals`` one dict per checked column of a dropped total row: ``row``, ``label``,
    ``column``, ``commodity``, ``measure``, ``total``, ``sum_of_rows``, ``difference``.
    """

    file: str
    sheet: str | None
    title: str | None
    layout: str                       # 'wide' | 'long'
    area_column: str                  # header text; "" when the area comes from the title
    area_level: str | None
    year: int | None                  # the table's single year, when it has one
    year_column: str | None
    records: pd.DataFrame
    totals: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    guessed: dict[str, str] = field(default_factory=dict)
    # a PDF book (first table only): every table of the book, read or skipped and why
    book: list[dict] = field(default_factory=list)
    #: per row number, the name of the higher area a row's area lies in, where the table
    #: gives it per row (a long table's kecamatan beside its desa); None when it does not
    parents: dict[int, str] | None = None


# --------------------------------------------------------------------------------------------
# cells and numbers
# --------------------------------------------------------------------------------------------

_NIL = frozenset({"-", "–", "—", "−", "‒", "--", "---", "- -"})
_MISSING = frozenset({"...", "..", "…", "....", "x", "×", "na", "n.a.", "n.a", "n/a", "#n/a",
                      "tad", "t.a.d", "t.a.d."})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_MARK = re.compile(r"^(.*?\d)\s*(\*+\)?|\(\*+\)|[A-Za-z]\)|\([A-Za-z]\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")
_DIGIT_MARK = re.compile(r"^(.*?\d)\s+(\d\)|\(\d\))$")
_NUMLIKE = re.compile(r"^[-+]?(\d[\d.,]*|[.,]\d+)$")


def _is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return not v.strip()
    return False


def _cell_text(v: object) -> str:
    """The cell as written (numbers from XLSX without a spurious ``.0``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _norm_ws(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _strip_mark(t: str) -> tuple[str, str | None]:
    m = _MARK.match(t) or _DIGIT_MARK.match(t)
    if m:
        return m.group(1).strip(), m.group(2)
    return t, None


def _clean_number_text(text: str) -> tuple[str, str | None]:
    t = _norm_ws(text).replace("−", "-").replace("–", "-") if text else ""
    t, mark = _strip_mark(t)
    t = re.sub(r"(?<=[\d.,])\s+(?=[\d.,])", "", t)   # "1 234" -> "1234"
    t = re.sub(r"^([-+])\s+(?=\d)", r"\1", t)
    return t, mark


def _to_float(t: str, decimal: str) -> float | None:
    m = re.fullmatch(r"([-+]?)(\d[\d.,]*\d|\d|[.,]\d+)", t)
    if not m:
        return None
    sign, b = m.group(1), m.group(2)
    if re.fullmatch(r"\d{1,3}(\.\d{3}){2,}(,\d+)?", b):
        b = b.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(,\d{3}){2,}(\.\d+)?", b):
        b = b.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", b):
        b = b.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(,\d{3})+\.\d+", b):
        b = b.replace(",", "")
    elif re.fullmatch(r"\d+", b):
        pass
    elif re.fullmatch(r"\d*[.,]\d+", b):
        sep = "." if "." in b else ","
        before, after = b.split(sep)
        thousands_ok = len(after) == 3 and 1 <= len(before) <= 3 and before[0] != "0"
        if sep != decimal and thousands_ok:
            b = before + after
        else:
            b = b.replace(",", ".")
    else:
        return None
    return float(sign + b)


@lru_cache(maxsize=65536)
def _parse_text(text: str, decimal: str) -> tuple[float, str, str | None]:
    t = _norm_ws(text)
    if not t:
        return math.nan, "empty", None
    if t in _NIL:
        return 0.0, "nil", None
    if t.lower() in _MISSING:
        return math.nan, "missing", None
    t2, mark = _clean_number_text(t)
    if t2 in _NIL:
        return 0.0, "nil", mark
    if t2.lower() in _MISSING:
        return math.nan, "missing", mark
    value = _to_float(t2, decimal)
    if value is None:
        return math.nan, "bad", None
    return value, "number", mark


def parse_value(v: object, decimal: str = ".") -> tuple[float, str, str | None]:
    """Read one cell as a number.

    Returns ``(value, status, mark)``: status is ``number``, ``nil`` (``-``: 0),
    ``missing`` (``...``, ``x``: NaN), ``empty`` (NaN) or ``bad`` (not a number: NaN); mark is
    a stripped footnote mark or None. See the module docstring for the rules.

    Examples
    --------
    >>> parse_value(" 1,893 ")
    (1893.0, 'number', None)
    >>> parse_value("20.244,9", ",")
    (20244.9, 'number', None)
    >>> parse_value("1.234 r)", ",")
    (1234.0, 'number', 'r)')
    >>> parse_value("-"), parse_value("...")[1], parse_value("12,5a")[1]
    ((0.0, 'nil', None), 'missing', 'bad')
    """
    if _is_blank(v):
        return math.nan, "empty", None
    if isinstance(v, bool):
        return math.nan, "bad", None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v), "number", None
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return math.nan, "bad", None
    return _parse_text(str(v), decimal)


def _valueish(v: object) -> bool:
    """A number or a none marker, whatever the decimal convention."""
    if isinstance(v, bool) or _is_blank(v):
        return False
    if isinstance(v, int | float | np.integer | np.floating):
        return True
    if not isinstance(v, str):
        return False
    return _valueish_text(v)


@lru_cache(maxsize=65536)
def _valueish_text(v: str) -> bool:
    t = _norm_ws(v)
    if t in _NIL or t.lower() in _MISSING:
        return True
    t2, _ = _clean_number_text(t)
    return bool(_NUMLIKE.match(t2)) or t2 in _NIL


_EVID_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$|^\d+,(\d{1,2}|\d{4,})$|^0,\d+$|"
                         r"^\d{4,},\d+$|^\d{1,3}(\.\d{3}){2,}$")
_EVID_DOT = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$|^\d+\.(\d{1,2}|\d{4,})$|^0\.\d+$|"
                       r"^\d{4,}\.\d+$|^\d{1,3}(,\d{3}){2,}$")
_AMBIG_DOT = re.compile(r"^[1-9]\d{0,2}\.\d{3}$")
_AMBIG_COMMA = re.compile(r"^[1-9]\d{0,2},\d{3}$")


def guess_decimal(texts: list[str]) -> tuple[str, str]:
    """The decimal separator of a file's number cells, and why.

    Examples
    --------
    >>> guess_decimal(["3.242", "20.244,9", "62,44"])[0]
    ','
    >>> guess_decimal([" 1,893 ", " 162 "])[0]
    '.'
    >>> guess_decimal(["2.165", "12"])[0]
    ','
    """
    comma = dot = amb_dot = amb_comma = 0
    for text in texts:
        t, _ = _clean_number_text(text)
        t = t.lstrip("+-")
        if _EVID_COMMA.match(t):
            comma += 1
        elif _EVID_DOT.match(t):
            dot += 1
        elif _AMBIG_DOT.match(t):
            amb_dot += 1
        elif _AMBIG_COMMA.match(t):
            amb_comma += 1
    if comma > dot:
        return ",", f"',' ({comma} cells like '20.244,9' or '62,44' against {dot})"
    if dot > comma:
        return ".", f"'.' ({dot} cells like '1,234.5' or '62.44' against {comma})"
    if amb_dot and not amb_comma:
        return ",", f"',' ({amb_dot} cells like '2.165' read with thousands dots)"
    if amb_comma and not amb_dot:
        return ".", f"'.' ({amb_comma} cells like '1,893' read with thousands commas)"
    if amb_comma and amb_dot:
        return ".", "'.' (cells like '2.165' and '1,893' both present: ambiguous)"
    return ".", "'.' (no decimals written)"


# --------------------------------------------------------------------------------------------
# years
# --------------------------------------------------------------------------------------------

_YEAR_RANGE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*(?:-|–|—|/|s\.?\s?d\.?|s/d|sampai|hingga|to|until)\s*"
    r"(?:(?:19|20)\d{2}|\d{2})(?!\d)", re.IGNORECASE)
_YEAR_SINGLE = re.compile(r"(?<![\d.,])((?:19|20)\d{2})(?!\d)")


def year_in_text(text: str | None) -> int | None:
    """The one year written in ``text`` (a title, sheet or file name), else None.

    A range is not a single year, nor are two different years.

    Examples
    --------
    >>> year_in_text("Luas Panen Tanaman Sayuran (ha), 2023 SINTETIS")
    2023
    >>> year_in_text("luas panen produksi padi palawija 2018-2024") is None
    True
    """
    if not text:
        return None
    s = _YEAR_RANGE.sub(" ", str(text))
    years = {int(y) for y in _YEAR_SINGLE.findall(s)}
    return years.pop() if len(years) == 1 else None


# Excel's day numbers of 1950-01-01 and 2100-12-31: a "year" cell that Excel turned into a
# date and the file then saved as a plain number
_SERIAL_FIRST, _SERIAL_LAST = 18264, 73415


def _year_of_serial(v: object) -> int | None:
    """The year of an Excel date serial (44197 -> 2021), for cells of a year column."""
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        if isinstance(v, str) and re.fullmatch(r"\s*\d{5}(?:\.0+)?\s*", v):
            v = float(v)
        else:
            return None
    if not float(v).is_integer() or not _SERIAL_FIRST <= int(v) <= _SERIAL_LAST:
        return None
    return (dt.date(1899, 12, 30) + dt.timedelta(days=int(v))).year


def _year_of_cell(v: object) -> int | None:
    if _is_blank(v) or isinstance(v, bool):
        return None
    if isinstance(v, dt.date | dt.datetime):
        return v.year
    if isinstance(v, int | np.integer):
        y = int(v)
    elif isinstance(v, float | np.floating):
        if not float(v).is_integer():
            return None
        y = int(v)
    else:
        return _year_of_text(str(v))
    return y if 1900 <= y <= 2100 else None


@lru_cache(maxsize=4096)
def _year_of_text(v: str) -> int | None:
    t, _ = _strip_mark(_norm_ws(v))
    m = re.fullmatch(r"((?:19|20)\d{2})(?:\.0+)?", t)
    if not m:
        m = re.fullmatch(r"(\d{4})-\d{2}-\d{2}(?:[ T][\d:]+)?", t)
    if not m:
        return None
    y = int(m.group(1))
    return y if 1900 <= y <= 2100 else None


# --------------------------------------------------------------------------------------------
# grids: a sheet or a CSV as rows of cells
# --------------------------------------------------------------------------------------------


@dataclass
class _Grid:
    rows: list[list[object]]
    numbers: list[int]                         # 1-based row/line number in the file
    sheet: str | None
    merged: list[tuple[int, int, int, int]]    # 0-based inclusive (r1, c1, r2, c2)


def _csv_grid(path: Path, opts: StatisticsOptions, guessed: dict[str, str]) -> _Grid:
    text, enc = _decode(path.read_bytes(), opts.encoding, path)
    if not opts.encoding:
        guessed["encoding"] = enc
    if opts.sep:
        sep = opts.sep
    elif path.suffix.lower() == ".tsv":
        sep = "\t"
    else:
        sep = sniff_separator(text)
        guessed["sep"] = repr(sep)
    rows: list[list[object]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    last = 0
    try:
        for rec in reader:
            numbers.append(last + 1)
            last = reader.line_num
            rows.append(list(rec))
    except csv.Error as exc:
        raise DatasetError(f"cannot read as CSV: {exc}", path=path) from None
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return _Grid(rows, numbers, None, [])


def _xlsx_grids(path: Path, opts: StatisticsOptions, guessed: dict[str, str]) -> list[_Grid]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise DatasetError(f"cannot read the workbook: {exc}", path=path) from None
    sheets = book.worksheets
    if opts.sheet:
        chosen = [ws for ws in sheets if ws.title == opts.sheet] or \
            [ws for ws in sheets if ws.title.strip().casefold() == opts.sheet.strip().casefold()]
        if not chosen:
            names = ", ".join(f"'{ws.title}'" for ws in sheets)
            raise DatasetError(f"no sheet '{opts.sheet}' (sheets: {names})", path=path,
                               field="sheet")
        sheets = chosen
    grids = []
    for ws in sheets:
        n_rows, n_cols = ws.max_row or 0, ws.max_column or 0
        if n_rows == 0 or n_cols == 0:
            continue
        rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=n_rows, min_col=1,
                                               max_col=n_cols, values_only=True)]
        merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1)
                  for m in ws.merged_cells.ranges]
        grids.append(_Grid(rows, list(range(1, len(rows) + 1)), ws.title, merged))
    book.close()
    return grids


def _pandas_grids(path: Path, opts: StatisticsOptions) -> list[_Grid]:
    try:
        book = pd.read_excel(path, sheet_name=opts.sheet if opts.sheet else None, header=None,
                             dtype=object)
    except Exception as exc:
        raise DatasetError(f"cannot read the spreadsheet ({exc}); save it as .xlsx",
                           path=path) from None
    if isinstance(book, pd.DataFrame):
        book = {opts.sheet: book}
    grids = []
    for name, frame in book.items():
        rows = [[None if _is_blank(v) else v for v in r] for r in frame.itertuples(index=False)]
        grids.append(_Grid(rows, list(range(1, len(rows) + 1)), str(name), []))
    return grids


# --------------------------------------------------------------------------------------------
# finding tables: titles, header band, body, footers
# --------------------------------------------------------------------------------------------

_FOOTER = re.compile(
    r"^\s*(sumber|source|catatan|note|notes|keterangan|ket\s*[.:]|remarks?|footnote|"
    r"\*|\d{1,2}\)\s|[a-z]\)\s|angka sementara|angka sangat sementara|preliminary|"
    r"data diolah|diolah dari)", re.IGNORECASE)
_NUMROW_CELL = re.compile(r"^[(\[]?(\d{1,2})[)\]]?$")

_AREA_WORDS: dict[str, str | None] = {
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
_CODE_WORDS = frozenset({"kode", "code", "kd", "id", "pcode", "kdepum", "kdebps", "kdcbps",
                         "kdcpum", "idkec", "iddesa", "kodewilayah"})
_YEAR_WORDS = frozenset({"tahun", "year", "thn", "th", "years", "periode", "period"})
_NUMBER_KEYS = frozenset({"no", "nomor", "no_urut", "nomor_urut", "number", "nr", "urut"})
_UNIT_KEYS = frozenset({"satuan", "unit", "units", "satuan_unit", "uom", "satuan_units"})
_COMMODITY_WORDS = frozenset({
    "komoditas", "komoditi", "commodity", "commodities", "jenis", "tanaman", "ternak", "crop",
    "crops", "livestock", "produk", "product", "products", "item", "items", "ikan", "fish",
    "type", "kind", "plant", "plants"})
#: columns of a long table that describe where a value came from, never values themselves
_META_KEYS = frozenset({"page", "pages", "halaman", "hal", "page_printed", "printed", "cetak",
                        "note", "notes", "catatan", "keterangan", "ket", "remarks", "source",
                        "sumber", "source_pdf", "source_file", "file", "table", "tabel",
                        "table_no", "no_tabel", "judul", "title", "sheet"})
#: a long table's column naming the measure of each row ("production", "Luas Panen")
_MEASURE_COL_KEYS = frozenset({"measure", "ukuran", "indikator", "indicator", "variabel",
                               "variable", "jenis_data", "besaran", "measure_type"})
#: a long table's column naming the area level of each row (desa rows and kecamatan rows)
_LEVEL_COL_KEYS = frozenset({"level", "tingkat", "tingkatan", "jenjang", "level_wilayah",
                             "area_level"})
_GENERIC_VALUE_WORDS = frozenset({"nilai", "value", "values", "data", "angka", "jumlah",
                                  "besaran", "volume", "total", "amount"})
_HEADERISH_WORDS = frozenset(set(_AREA_WORDS) | _YEAR_WORDS | _COMMODITY_WORDS | {
    "uraian", "rincian", "description", "nama", "name", "subdistrict", "no"})


def _tokens(text: str) -> list[str]:
    return [t for t in column_key(text).split("_") if t]


def _year_like(v: object) -> int | None:
    if isinstance(v, str) and not re.fullmatch(r"\s*(?:19|20)\d{2}(?:\.0+)?\s*\**\s*", v):
        return None
    return _year_of_cell(v)


def _is_numrow(values: list[object]) -> bool:
    nums = []
    paren = False
    for v in values:
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float) and float(v).is_integer():
            nums.append(int(v))
            continue
        if not isinstance(v, str):
            return False
        m = _NUMROW_CELL.match(v.strip())
        if not m:
            return False
        paren = paren or not v.strip()[0].isdigit()
        nums.append(int(m.group(1)))
    if len(nums) < 2 or any(b - a != 1 for a, b in zip(nums, nums[1:])):
        return False
    return paren or (nums[0] in (0, 1) and len(nums) >= 3)


def _row_kind(cells: list[object]) -> str:
    ne = [v for v in cells if not _is_blank(v)]
    if not ne:
        return "empty"
    if _is_numrow(ne):
        return "numrow"
    vals = [v for v in ne if _valueish(v)]
    texts = [v for v in ne if not _valueish(v)]
    if isinstance(ne[0], str) and _FOOTER.match(ne[0]) and not vals:
        return "footer"
    if vals:
        years = [_year_like(v) for v in vals]
        if all(years) and len(vals) == 1 and len(texts) == 1 and isinstance(texts[0], str) \
                and _titleish([texts[0]], 0):
            return "title"       # "Produksi Padi Menurut Kecamatan", " 2023" split by a CSV
        if all(years):
            headerish = any(_tokens(_cell_text(t)) and set(_tokens(_cell_text(t))) <=
                            _HEADERISH_WORDS for t in texts)
            if headerish or (not texts and len(vals) >= 2):
                return "yearhead"
        return "data"
    if len(ne) == 1:
        return "title"
    return "text"


@dataclass
class _Block:
    titles: list[int]
    header: list[int]
    body: list[int]
    footers: list[int] = field(default_factory=list)


def _first_col(cells: list[object]) -> int:
    return next((j for j, v in enumerate(cells) if not _is_blank(v)), 0)


def _label_only_ok(v: object) -> bool:
    if not isinstance(v, str):
        return False
    t = _norm_ws(v)
    return 0 < len(t) <= 50 and len(t.split()) <= 5 and not t.endswith(":") and \
        not re.search(r"[.!?;]\s", t)


def _titleish(cells: list[object], table_col: int) -> bool:
    """A title line split by the CSV separator: "Produksi Padi Menurut Kecamatan, 2023"."""
    ne = [(j, v) for j, v in enumerate(cells) if not _is_blank(v)]
    if not ne or len(ne) > 2 or ne[0][0] > table_col or not isinstance(ne[0][1], str):
        return False
    text = _norm_ws(ne[0][1])
    return len(text) >= 30 or bool(re.match(r"(?i)^(tabel|table)\s+\d", text))


def _header_band(pending: list[int], kinds: list[str], grid: _Grid, first_data: int,
                 opts: StatisticsOptions) -> tuple[list[int], list[int]]:
    rows = [r for r in pending if kinds[r] != "numrow"]
    if not rows:
        return [], []
    if opts.header_row is not None and opts.header_row in grid.numbers:
        hr = grid.numbers.index(opts.header_row)
        if rows[0] <= hr < first_data:
            header = [r for r in rows if r >= hr][: opts.header_rows or 3]
            return [r for r in rows if r not in header], header
    if opts.header_rows:
        header = rows[-opts.header_rows:]
        return [r for r in rows if r not in header], header
    # the last run of rows with no blank row inside (numbered rows don't break it)
    group = [rows[-1]]
    for r in reversed(rows[:-1]):
        between = range(r + 1, group[0])
        if all(kinds[k] == "numrow" for k in between):
            group.insert(0, r)
        else:
            break
    table_col = _first_col(grid.rows[first_data])
    while group and len(group) > 1 and (
            (kinds[group[0]] in ("title", "footer")
             and _first_col(grid.rows[group[0]]) <= table_col)
            or _titleish(grid.rows[group[0]], table_col)):
        group.pop(0)
    if len(group) == 1 and kinds[group[0]] in ("title", "footer") and \
            _first_col(grid.rows[group[0]]) <= table_col:
        group = []
    header = group[-3:]
    return [r for r in rows if r not in header], header


def _split_tables(grid: _Grid, opts: StatisticsOptions) -> list[_Block]:
    kinds = [_row_kind(r) for r in grid.rows]
    n = len(kinds)
    if opts.header_row is not None and opts.header_row in grid.numbers:
        # the user says where the header is: it is a header, what is above is titles
        hr = grid.numbers.index(opts.header_row)
        for r in range(hr):
            if kinds[r] != "empty":
                kinds[r] = "title"
        for r in range(hr, min(n, hr + (opts.header_rows or 1))):
            if kinds[r] != "empty":
                kinds[r] = "text"
    blocks: list[_Block] = []
    pending: list[int] = []
    i = 0
    while i < n:
        k = kinds[i]
        if k == "empty":
            i += 1
            continue
        if k == "footer":
            if blocks and not pending:
                blocks[-1].footers.append(i)
            else:
                pending.append(i)
            i += 1
            continue
        if k != "data":
            pending.append(i)
            i += 1
            continue
        titles, header = _header_band(pending, kinds, grid, i, opts)
        label_col = _first_col(grid.rows[i])
        body: list[int] = []
        j = i
        while j < n:
            kj = kinds[j]
            if kj == "data":
                body.append(j)
            elif kj == "numrow":
                pass
            elif kj == "empty":
                m = j
                while m < n and kinds[m] == "empty":
                    m += 1
                if m < n and kinds[m] == "data":
                    j = m
                    continue
                break
            elif kj == "title":
                col = _first_col(grid.rows[j])
                if col == label_col and _label_only_ok(grid.rows[j][col]):
                    body.append(j)
                else:
                    break
            else:
                break
            j += 1
        # label-only rows at the end of the body are the next table's titles (or notes)
        # when a new header follows, or when they come after the total row
        ended_by_header = j < n and kinds[j] in ("text", "yearhead", "title")
        if not ended_by_header and j < n and kinds[j] == "empty":
            m = j
            while m < n and kinds[m] == "empty":
                m += 1
            ended_by_header = m < n and kinds[m] in ("text", "yearhead", "title")
        trailing = []
        while body and kinds[body[-1]] == "title":
            trailing.insert(0, body.pop())
        if trailing and body and not ended_by_header:
            last = grid.rows[body[-1]][_first_col(grid.rows[body[-1]])]
            if fold(_cell_text(last)) not in _TOTAL_LABELS:
                body.extend(trailing)
                trailing = []
        blocks.append(_Block(titles, header, body))
        if trailing:
            j = trailing[0]
        pending = []
        i = j
    if blocks and pending:
        blocks[-1].footers.extend(pending)
    return blocks


# --------------------------------------------------------------------------------------------
# areas
# --------------------------------------------------------------------------------------------

_CODE_PREFIX = re.compile(r"^(\d{2}(?:\.\d{1,4}){1,3}|\d{4,10})\.?(?:\s*[-–:.)|]\s*|\s+|$)(.*)$")
_CODE_SUFFIX = re.compile(r"^(.*?)\s*[(\[](\d{2}(?:\.\d{1,4}){1,3}|\d{4,10})[)\]]$")
_LIST_PREFIX = re.compile(r"^\(?\d{1,3}\s*[.)]\s*(\S.*)$|^\d{1,3}\s+([^\d\s].*)$")
_ADMIN_PREFIX = re.compile(
    r"^(?:(provinsi|prov)|(kabupaten|kab|kota|kabupaten/kota)|(kecamatan|kec)|"
    r"(desa|kelurahan|kel|ds))\b\.?\s*(\S.*)$", re.IGNORECASE)


def _split_area(v: object) -> tuple[str, str | None, str | None]:
    """(area_raw, area_code, area_label) of an area cell."""
    if _is_blank(v):
        return "", None, None
    if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
        text = _cell_text(v)
        if re.fullmatch(r"\d{4,10}", text):
            return text, text, None
        return text, None, text
    return _split_area_text(str(v))


@lru_cache(maxsize=65536)
def _split_area_text(v: str) -> tuple[str, str | None, str | None]:
    raw = v.strip()
    text = _norm_ws(raw)
    m = _CODE_PREFIX.match(text)
    if m:
        label = m.group(2).strip() or None
        return raw, re.sub(r"\D", "", m.group(1)), label
    m = _CODE_SUFFIX.match(text)
    if m:
        return raw, re.sub(r"\D", "", m.group(2)), m.group(1).strip() or None
    m = _LIST_PREFIX.match(text)
    if m:
        return raw, None, (m.group(1) or m.group(2)).strip()
    return raw, None, text


def _code_of_cell(v: object) -> str | None:
    """The digits of a cell in a code column (any length: "010" is a code there)."""
    code = _split_area(v)[1]
    if code is None and not _is_blank(v):
        t = _cell_text(v).strip()
        if re.fullmatch(r"\d[\d.]*", t):
            code = t.replace(".", "")
    return code


def _code_like(v: object) -> bool:
    raw, code, label = _split_area(v)
    return code is not None


@lru_cache(maxsize=65536)
def _admin_level(label: str | None) -> str | None:
    if not label:
        return None
    m = _ADMIN_PREFIX.match(label)
    if not m:
        return None
    for k, level in enumerate(LEVELS):
        if m.group(k + 1):
            return level
    return None  # pragma: no cover


def _level_of_code(code: str | None) -> str | None:
    return {2: "provinsi", 4: "kabupaten", 6: "kecamatan", 7: "kecamatan",
            10: "desa"}.get(len(code)) if code else None


_TITLE_AREA_PRE = re.compile(
    r"(?i:\b(provinsi|province|kabupaten|kab\.|kota|kecamatan|kec\.|desa|kelurahan))"
    r"\s+([A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*)")
_TITLE_AREA_POST = re.compile(
    r"\b([A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*)\s+(Regency|City|Province|Subdistrict|District|"
    r"Village)\b")
_TITLE_LEVEL = re.compile(
    r"(?i:\b(?:menurut|per|by|tiap|setiap|masing-masing)\s+(desa|kelurahan|kecamatan|"
    r"kabupaten|kota|provinsi|subdistrict|district|village|regency|province|city))")
_WORD_LEVEL = {"provinsi": "provinsi", "province": "provinsi", "kabupaten": "kabupaten",
               "kab.": "kabupaten", "kota": "kabupaten", "regency": "kabupaten",
               "city": "kabupaten", "kecamatan": "kecamatan", "kec.": "kecamatan",
               "subdistrict": "kecamatan", "district": "kecamatan", "desa": "desa",
               "kelurahan": "desa", "village": "desa"}
_NOT_NAMES = frozenset({"dan", "and", "dalam", "angka", "in", "figures", "menurut", "by",
                        "tahun", "year", "dan jenis", "jenis"})


def _title_areas(titles: list[str]) -> list[tuple[str, str]]:
    """(level, name) of places named in the title rows: "di Kabupaten Bone" -> (kab, Bone)."""
    out: list[tuple[str, str]] = []
    for t in titles:
        for m in _TITLE_AREA_PRE.finditer(t):
            level = _WORD_LEVEL[m.group(1).lower()]
            name = re.split(r"\s+(?:Dalam|In|Tahun|Menurut|Dan|And)\b", m.group(2))[0].strip()
            if name and fold(name) not in _NOT_NAMES:
                out.append((level, name))
        for m in _TITLE_AREA_POST.finditer(t):
            name = m.group(1).split()[-1] if len(m.group(1).split()) > 3 else m.group(1)
            if fold(name) not in _NOT_NAMES:
                out.append((_WORD_LEVEL[m.group(2).lower()], name))
    return out


# --------------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------------


@dataclass
class _Col:
    idx: int
    text: str                  # header parts joined with " / "
    parts: list[str]
    role: str = ""             # area code year commodity unit number value total text
    measure: str | None = None
    measure_src: str | None = None
    commodity: str | None = None
    unit: Unit | None = None
    unit_src: str | None = None
    year: int | None = None
    ratio: bool = False
    drop: bool = False
    serial: bool = False       # a year column whose cells are Excel date numbers


@dataclass
class _Plan:
    grid: _Grid
    block: _Block
    titles: list[str]
    cols: list[_Col]
    layout: str = "wide"
    area: _Col | None = None
    code: _Col | None = None
    year_col: _Col | None = None
    commodity_col: _Col | None = None
    unit_col: _Col | None = None
    values: list[_Col] = field(default_factory=list)
    measure_col: _Col | None = None     # long tables: the measure of each row
    level_col: _Col | None = None       # long tables: the area level of each row
    lower_area: _Col | None = None      # the area column of the rows at the lower level
    table_col: _Col | None = None       # long tables: the table (number, title) of each row
    area_from_title: str | None = None
    guessed: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skip: bool = False


def _header_parts(grid: _Grid, header: list[int]) -> dict[int, list[str]]:
    width = len(grid.rows[0]) if grid.rows else 0
    if not header:
        return {}
    hset = set(header)
    filled = {r: list(grid.rows[r]) for r in header}
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merged:
        rows = [r for r in range(r1, r2 + 1) if r in hset]
        if not rows:
            continue
        top = grid.rows[r1][c1] if r1 < len(grid.rows) and c1 < width else None
        for r in rows:
            for c in range(c1, min(c2, width - 1) + 1):
                filled[r][c] = top
                covered.add((r, c))
    bottom = filled[header[-1]]
    for r in header[:-1]:
        row = filled[r]
        for c in range(1, width):
            if (r, c) in covered or not _is_blank(row[c]):
                continue
            if not _is_blank(row[c - 1]) and not _is_blank(bottom[c]) and \
                    not _is_blank(bottom[c - 1]):
                row[c] = row[c - 1]
    parts: dict[int, list[str]] = {}
    for c in range(width):
        ps: list[str] = []
        for r in header:
            t = _norm_ws(_cell_text(filled[r][c]))
            if t and (not ps or ps[-1].casefold() != t.casefold()):
                ps.append(t)
        parts[c] = ps
    return parts


def _match_option(cols: list[_Col], name: str) -> _Col | None:
    key = column_key(name)
    for c in cols:
        if column_key(c.text) == key or any(column_key(p) == key for p in c.parts):
            return c
    for c in cols:
        if any(column_key(p) == key for p in split_bilingual(c.text)):
            return c
    return None


def _describe_value_col(col: _Col) -> None:
    """Measure, commodity, unit, year and total of a wide value column from its header."""
    infos = [split_header(p) for p in col.parts]
    own_unit = None
    for k in range(len(infos) - 1, -1, -1):
        h = infos[k]
        if col.measure is None and h.measure is not None:
            col.measure = h.measure
            col.measure_src = "header" if k == len(infos) - 1 else "group header"
            if h.unit_raw:
                own_unit = (h.unit_raw, col.measure_src)
        if col.commodity is None and h.commodity is not None:
            col.commodity = h.commodity
        if col.year is None and h.year is not None:
            col.year = h.year
    if own_unit is None:
        for k in range(len(infos) - 1, -1, -1):
            if infos[k].unit_raw:
                own_unit = (infos[k].unit_raw,
                            "header" if k == len(infos) - 1 else "group header")
                break
    if own_unit is not None:
        col.unit = parse_unit(own_unit[0])
        col.unit_src = own_unit[1]
    if col.commodity is None and any(h.total for h in infos):
        col.role = "total"


def _table_context(plan: _Plan, path: Path, opts: StatisticsOptions) -> dict:
    """Measure, unit, year, level and commodity of the whole table, with where each came from."""
    ctx: dict = {}
    sources = [("title", t) for t in plan.titles]
    if plan.grid.sheet:
        sources.append(("sheet name", plan.grid.sheet))
    sources.append(("file name", path.stem))
    # measure
    if opts.measure:
        ctx["measure"] = (opts.measure, "option 'measure'")
    else:
        # the first place naming measures decides: one measure is the table's, several
        # (a title over "Luas Panen, Produksi dan Produktivitas") leave it to the columns
        places = [("title", [m for t in plan.titles for m in find_measures(t)])]
        places += [(src, list(find_measures(text))) for src, text in sources if src != "title"]
        for src, ms in places:
            if ms:
                if len(set(ms)) == 1:
                    ctx["measure"] = (ms[0], src)
                break
    # units from parentheses ("(hektar)", "(ton)")
    units: list[tuple[Unit, str]] = []
    if opts.unit:
        u = parse_unit(opts.unit)
        if u is None:
            raise DatasetError(f"unknown unit '{opts.unit}'", path=path, field="unit")
        units.append((u, "option 'unit'"))
    for src, text in sources:
        for m in re.finditer(r"[(\[]([^()\[\]]*)[)\]]", text):
            u = parse_unit(m.group(1))
            if u is not None:
                units.append((u, src))
    ctx["units"] = units
    # year
    if opts.year is not None:
        ctx["year"] = (int(opts.year), "option 'year'")
    else:
        found = []
        for src, text in ([("title", " \n ".join(plan.titles))] if plan.titles else []) + \
                [s for s in sources if s[0] != "title"]:
            y = year_in_text(text)
            if y is not None:
                found.append((y, src))
        if found:
            ctx["year"] = found[0]
            others = [f"{y} ({src})" for y, src in found[1:] if y != found[0][0]]
            if others:
                ctx["year_conflict"] = (f"the {found[0][1]} says {found[0][0]} but the "
                                        f"{', '.join(others)}: {found[0][0]} is used")
    # level from "menurut kecamatan" / "by subdistrict"
    for src, text in sources:
        m = _TITLE_LEVEL.search(text)
        if m:
            ctx["level"] = (_WORD_LEVEL[m.group(1).lower()], src)
            break
    ctx["places"] = _title_areas(plan.titles + ([plan.grid.sheet] if plan.grid.sheet else []))
    # a commodity named in the first title row with a measure: "Produksi Padi Sawah Menurut"
    for t in plan.titles:
        if not find_measures(t):
            continue
        head = re.split(r"(?i)\b(?:menurut|di|by|in|per|tahun|year|dalam)\b|[(:]", t)[0]
        head = re.sub(r"(?i)^\s*(tabel|table)\s+[\d.]+\w?\s*", "", head)
        name = split_header(head).commodity
        if name:
            name = re.sub(r"(?i)(^|[\s,]+)(dan|and|serta|&)(?=\s|$)", " ", name)
            name = _norm_ws(re.sub(r"\s*,\s*", " ", name)).strip(" ,.-")
        if name and not find_measures(name):
            ctx["commodity"] = (name, "title")
        break
    return ctx


def _plan_table(grid: _Grid, block: _Block, path: Path, opts: StatisticsOptions) -> _Plan:
    titles = [" ".join(_norm_ws(_cell_text(v)) for v in grid.rows[r] if not _is_blank(v))
              for r in block.titles if grid.rows[r]]
    titles = [t for t in titles if t and not _FOOTER.match(t)]
    parts = _header_parts(grid, block.header)
    width = len(grid.rows[0])
    body_rows = [grid.rows[r] for r in block.body]
    cols: list[_Col] = []
    for c in range(width):
        ps = parts.get(c, [])
        own = block.header and not _is_blank(grid.rows[block.header[-1]][c])
        overhang = bool(ps) and c > 0 and parts.get(c - 1, [None])[:1] == ps[:1]
        if all(_is_blank(row[c]) for row in body_rows) and (not ps or (not own and overhang)):
            continue       # empty, or only under a group header that overhangs the data
        cols.append(_Col(c, " / ".join(ps) if ps else f"col{c + 1}", ps))
    plan = _Plan(grid, block, titles, cols)
    g = plan.guessed
    if block.header:
        g["header"] = (f"{len(block.header)} row(s) from row {grid.numbers[block.header[0]]}")
    else:
        g["header"] = "none (the table starts with numbers)"

    def cells(col: _Col) -> list[object]:
        return [row[col.idx] for row in body_rows]

    stats = {}
    for col in cols:
        vals = [v for v in cells(col) if not _is_blank(v)]
        n = len(vals)
        n_val = sum(_valueish(v) for v in vals)
        stats[col.idx] = {
            "n": n, "val": n_val, "text": n - n_val,
            "year": sum(_year_of_cell(v) is not None for v in vals),
            "serial": sum(_year_of_serial(v) is not None for v in vals),
            "code": sum(_code_like(v) for v in vals),
            "distinct": len({_cell_text(v).strip() for v in vals}),
        }

    def texty(col: _Col) -> bool:
        s = stats[col.idx]
        return s["n"] > 0 and s["text"] >= 0.5 * s["n"]

    def unassigned() -> list[_Col]:
        return [c for c in cols if not c.role]

    # options naming columns
    for opt, role in (("area_column", "area"), ("year_column", "year"),
                      ("commodity_column", "commodity"), ("unit_column", "unit"),
                      ("value_column", "value")):
        name = getattr(opts, opt)
        if not name:
            continue
        col = _match_option(cols, name)
        if col is None:
            plan.problems.append(Problem("warning", str(path), _where(grid) +
                                         f"no column '{name}' (option '{opt}'); table skipped"))
            plan.skip = True
            return plan
        col.role = role
        g[opt] = f"option: '{col.text}'"
    # row numbers ("No")
    for col in unassigned():
        if column_key(col.text) in _NUMBER_KEYS and stats[col.idx]["val"] == stats[col.idx]["n"]:
            col.role = "number"
    # provenance columns (page, note, source ...) and a long table's measure / level columns
    meta: list[str] = []
    for col in unassigned():
        key = column_key(col.text)
        if key in _META_KEYS:
            col.role = "text"
            if key in ("table", "tabel", "judul", "title", "table_no", "no_tabel") and \
                    plan.table_col is None:
                plan.table_col = col
            meta.append(col.text)
        elif key in _MEASURE_COL_KEYS and texty(col):
            col.role = "measure"
            plan.measure_col = col
            g["measure_column"] = f"'{col.text}'"
        elif key in _LEVEL_COL_KEYS and texty(col) and all(
                _row_level(v) for v in cells(col) if not _is_blank(v)):
            col.role = "level"
            plan.level_col = col
            g["level_column"] = f"'{col.text}'"
    # year column
    if not any(c.role == "year" for c in cols):
        for col in unassigned():
            s = stats[col.idx]
            toks = set(_tokens(col.text))
            if s["n"] and s["year"] >= 0.8 * s["n"] and (toks & _YEAR_WORDS or not col.parts):
                col.role = "year"
                g["year_column"] = f"'{col.text}' (header word and year values)"
                break
            if s["n"] and s["serial"] >= 0.8 * s["n"] and toks & _YEAR_WORDS:
                col.role = "year"
                col.serial = True
                g["year_column"] = (f"'{col.text}' (header word; its cells are Excel date "
                                    "numbers, read as their years)")
                break
    # unit column
    if not any(c.role == "unit" for c in cols):
        for col in unassigned():
            if (column_key(col.text) in _UNIT_KEYS or "satuan" in _tokens(col.text)) and \
                    (texty(col) or stats[col.idx]["n"] == 0):
                col.role = "unit"
                g["unit_column"] = f"'{col.text}'"
                break
    # area (name) and code columns
    area = next((c for c in cols if c.role == "area"), None)
    scored = []
    for col in unassigned():
        toks = _tokens(col.text)
        words = [t for t in toks if t in _AREA_WORDS]
        is_code_word = bool(set(toks) & _CODE_WORDS)
        s = stats[col.idx]
        codes = s["n"] and s["code"] >= 0.8 * s["n"]
        if is_code_word and s["n"] and not codes and all(
                re.fullmatch(r"\d[\d.]*", _cell_text(v).strip())
                for v in cells(col) if not _is_blank(v)):
            codes = True      # short codes ("010", the kecamatan part of a BPS code)
        if words and is_code_word and codes:
            scored.append((2, col, "code"))
        elif words and texty(col):
            level_word = any(_AREA_WORDS[w] for w in words)
            scored.append((4 if level_word else 3, col, "name"))
        elif is_code_word and codes:
            scored.append((1, col, "code"))
        elif codes and s["n"] and all(
                re.fullmatch(r"\d{2}(\.\d{1,4}){2,3}|\d{6,10}", _cell_text(v).strip())
                for v in cells(col) if not _is_blank(v)):
            scored.append((1, col, "code"))
    scored.sort(key=lambda x: (-x[0], x[1].idx))
    code_col = next((c for sc, c, kind in scored if kind == "code"), None)
    if area is None:
        names = [c for sc, c, kind in scored if kind == "name"]
        if names:
            area = names[0]
            g["area_column"] = f"'{area.text}' (header word)"
        elif code_col is not None:
            area = code_col
            g["area_column"] = f"'{area.text}' (area codes)"
    if area is not None:
        area.role = "area"
        if plan.level_col is not None:
            # "kecamatan" and "desa" columns side by side, the level column saying which a
            # row is: the area of a desa row is its desa cell
            own = _AREA_WORDS.get(next((t for t in _tokens(area.text) if t in _AREA_WORDS), ""))
            for _sc, col, kind in scored:
                lv = next((_AREA_WORDS[t] for t in _tokens(col.text) if _AREA_WORDS.get(t)),
                          None)
                if kind == "name" and col is not area and not col.role and lv and lv != own:
                    col.role = "area2"
                    plan.lower_area = col
                    g["lower_area_column"] = f"'{col.text}' (the area of the {lv} rows)"
                    break
    if code_col is not None and code_col is not area:
        code_col.role = "code"
        g["code_column"] = f"'{code_col.text}'"
        plan.code = code_col
    # commodity column (long tables)
    commodity = next((c for c in cols if c.role == "commodity"), None)
    if commodity is None:
        for col in unassigned():
            if set(_tokens(col.text)) & _COMMODITY_WORDS and texty(col):
                commodity = col
                g["commodity_column"] = f"'{col.text}' (header word)"
                break
    if area is None:
        text_cols = [c for c in unassigned() if texty(c) and c is not commodity]
        if text_cols:
            area = text_cols[0]
            area.role = "area"
            g["area_column"] = f"'{area.text}' (first text column)"
    if commodity is None and area is not None:
        # a long table whose commodity column has an unknown header: a text column repeating
        # across areas, beside a few numeric columns that name no commodity themselves
        s_area = stats[area.idx]
        numeric = [c for c in unassigned() if stats[c.idx]["n"] and
                   stats[c.idx]["val"] >= 0.5 * stats[c.idx]["n"]]
        generic = len(numeric) <= 3 and all(
            split_header(c.text).commodity is None
            or fold(split_header(c.text).commodity) in _GENERIC_VALUE_WORDS for c in numeric)
        for col in unassigned() if generic and numeric else []:
            s = stats[col.idx]
            if texty(col) and 2 <= s["distinct"] <= 0.5 * s["n"] and \
                    s_area["distinct"] < s_area["n"] and \
                    column_key(col.text) not in ("keterangan", "ket", "catatan", "remarks"):
                commodity = col
                g["commodity_column"] = f"'{col.text}' (repeating text)"
                break
    if commodity is not None:
        commodity.role = "commodity"
        plan.commodity_col = commodity
        plan.layout = "long"
    if area is None:
        places = _title_areas(titles)
        if places and commodity is not None:
            level, name = max(places, key=lambda p: _LEVEL_RANK[p[0]])
            plan.area_from_title = name
            g["area"] = f"title: '{name}' ({level}); the rows are commodities"
            g["area_level"] = f"{level} (title)"
        else:
            plan.problems.append(Problem("warning", str(path), _where(grid) +
                                         "no area column found (name it with 'area_column'); "
                                         "table skipped"))
            plan.skip = True
            return plan
    plan.area = area
    plan.year_col = next((c for c in cols if c.role == "year"), None)
    plan.unit_col = next((c for c in cols if c.role == "unit"), None)
    # value columns
    for col in unassigned():
        s = stats[col.idx]
        if s["n"] == 0 or s["val"] >= 0.5 * s["n"]:
            col.role = "value"
    if plan.layout == "long" and not opts.value_column:
        vals = [c for c in cols if c.role == "value"]
        named = [c for c in vals if column_key(c.text) in _GENERIC_VALUE_WORDS]
        if len(vals) > 1 and len(named) == 1:
            for c in vals:
                if c is not named[0]:
                    c.role = "text"
            g["value_column"] = f"'{named[0].text}' (header word)"
    if opts.value_column:
        for col in cols:
            if col.role == "value" and column_key(col.text) != column_key(opts.value_column) \
                    and not any(column_key(p) == column_key(opts.value_column)
                                for p in col.parts):
                col.role = "text"
    ignored = meta + [c.text for c in unassigned()]
    for c in unassigned():
        c.role = "text"
    if ignored:
        g["ignored_columns"] = ", ".join(f"'{t}'" for t in ignored)
    for col in cols:
        if col.role == "value":
            _describe_value_col(col)
    values = [c for c in cols if c.role in ("value", "total")]
    if plan.layout == "wide" and values and all(c.role == "total" for c in values):
        for c in values:
            c.role = "value"
    plan.values = [c for c in cols if c.role == "value"]
    if not plan.values:
        plan.problems.append(Problem("warning", str(path), _where(grid) +
                                     "no value columns (numbers) found; table skipped"))
        plan.skip = True
    return plan


def _row_level(v: object) -> str | None:
    """The area level a level cell names ("desa", "Kecamatan", "kelurahan" ...)."""
    t = fold(_cell_text(v))
    if t in LEVELS:
        return t
    return _AREA_WORDS.get(t) if t else None


def _measure_of_cell(text: str) -> tuple[str | None, str | None]:
    """A measure cell of a long table ("harvested_area", "Luas Panen", "Produksi (ton)") ->
    (measure, unit written in it)."""
    key = re.sub(r"[\s-]+", "_", text.strip().lower())
    if key in MEASURES:
        return key, None
    if key in ("count", "jumlah", "banyaknya", "number"):
        return None, None
    info = split_header(text)
    return info.measure, info.unit_raw


def _where(grid: _Grid) -> str:
    return f"sheet '{grid.sheet}': " if grid.sheet else ""


# --------------------------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------------------------


def _resolve_unit(measure: str | None, measure_src: str | None, own: Unit | None,
                  own_src: str | None, table_units: list[tuple[Unit, str]]
                  ) -> tuple[str | None, str | None, Unit | None, str | None]:
    if own is not None:
        if measure is None and own.measure is not None:
            return own.measure, f"unit ({own_src})", own, own_src
        return measure, measure_src, own, own_src
    for u, src in table_units:
        if compatible(u, measure):
            if measure is None and u.measure is not None:
                return u.measure, f"unit ({src})", u, src
            return measure, measure_src, u, src
    return measure, measure_src, None, None


def _guess_level(plan: _Plan, opts: StatisticsOptions, path: Path,
                 splits: list[tuple[str, str | None, str | None]], codes: list[str | None],
                 ctx: dict) -> tuple[str | None, str | None]:
    """The table's area level and where it came from: option, area header, code lengths,
    title, label prefixes (or the title, for a table whose area is in the title)."""
    level = opts.area_level
    if level and level not in LEVELS:
        raise DatasetError(f"unknown area_level '{level}' (one of {', '.join(LEVELS)})",
                           path=path, field="area_level")
    if level:
        return level, "option"
    if plan.area_from_title is not None:
        places = _title_areas(plan.titles)
        if places:
            return max(places, key=lambda p: _LEVEL_RANK[p[0]])[0], "title"
        return None, None
    for col in (plan.area, plan.code):
        if col is None:
            continue
        lv = [_AREA_WORDS[t] for t in _tokens(col.text) if _AREA_WORDS.get(t)]
        if lv:
            return lv[0], f"header '{col.text}'"
    lens = [_level_of_code(c) for c in codes if c]
    if lens:
        best = max(set(lens), key=lens.count)
        if best and lens.count(best) >= 0.8 * len(lens):
            return best, "code lengths"
    if "level" in ctx:
        return ctx["level"]
    lv = [_admin_level(s[2]) for s in splits if s[2]]
    if lv:
        best = max(set(lv), key=lv.count)
        if best and lv.count(best) >= 0.8 * len(lv):
            return best, "label prefixes"
    return None, None


def _total_rows(plan: _Plan, rows: dict[int, list], splits: list[tuple], level: str | None,
                ctx: dict, decimal: str) -> tuple[list[int], list[str]]:
    """Rank of each body row as a total (0 no, 1 subtotal, 2 total, _AVERAGE_ROW) and the
    row labels (see the module docstring for the rules)."""
    body = plan.block.body
    area_col = plan.area
    places = ctx["places"]
    region_keys = set()
    for lv, name in places:
        if level is None or _LEVEL_RANK[lv] < _LEVEL_RANK.get(level, 9):
            region_keys.add(fold(name))
            region_keys.add(fold(f"{lv} {name}"))
    labels = [s[2] or "" for s in splits]
    prefixed = [_admin_level(lb) for lb in labels]
    prefix_counts = {lv: prefixed.count(lv) for lv in set(prefixed)}
    total_rank = [0] * len(body)
    for k, lb in enumerate(labels):
        fl = fold(lb)
        if not fl and area_col is not None:
            first = next((v for v in rows[body[k]] if isinstance(v, str) and v.strip()
                          and not _valueish(v)), "")
            fl = fold(first)
            if fl:
                labels[k] = _norm_ws(first)
        if fl in _TOTAL_LABELS or re.match(r"^(jumlah|total)\b", fl):
            total_rank[k] = 2
            continue
        if re.match(r"^(rata rata|rerata|average|mean)\b", fl):
            total_rank[k] = _AVERAGE_ROW      # an aggregate, but not a sum: dropped unchecked
            continue
        lv = prefixed[k]
        if lv is not None:
            n_same = prefix_counts[lv]
            if level is not None and _LEVEL_RANK[lv] < _LEVEL_RANK[level]:
                total_rank[k] = 2 if lv in ("provinsi", "kabupaten") or level == "kecamatan" \
                    else 1
            elif level is None and n_same <= 2 and len(body) >= 3 and \
                    lv in ("provinsi", "kabupaten"):
                total_rank[k] = 2
    if plan.layout == "wide" and plan.year_col is None and plan.area_from_title is None \
            and len(body) >= 3:
        for k in sorted({0, len(body) - 1}):
            fl = fold(labels[k])
            if total_rank[k]:
                continue
            if not fl or fl in region_keys:
                if _sums_match(plan, rows, body, k, total_rank, decimal):
                    total_rank[k] = 2
            elif len(body) >= 3 and _sums_match(plan, rows, body, k, total_rank, decimal,
                                                strict=True):
                total_rank[k] = 2      # an unlabelled aggregate ("SULAWESI SELATAN")
    return total_rank, labels


def _build(plan: _Plan, path: Path, opts: StatisticsOptions, decimal: str,
           file_guessed: dict[str, str]) -> list[StatTable]:
    grid, block = plan.grid, plan.block
    fname = str(path)
    where = _where(grid)
    problems = list(plan.problems)
    g = dict(file_guessed)
    g.update(plan.guessed)
    ctx = _table_context(plan, path, opts)
    table_measure = ctx.get("measure")
    table_year = ctx.get("year")
    mapping = {column_key(k): v for k, v in (opts.commodities or {}).items()}
    if opts.measure and opts.measure not in MEASURES:
        raise DatasetError(f"unknown measure '{opts.measure}' (one of {', '.join(MEASURES)})",
                           path=path, field="measure")

    # ---- value columns: measure and unit
    for col in plan.values:
        if plan.layout == "long":
            col.commodity = None
        if col.measure is None and table_measure is not None:
            col.measure, col.measure_src = table_measure
        col.measure, col.measure_src, col.unit, col.unit_src = _resolve_unit(
            col.measure, col.measure_src, col.unit, col.unit_src, ctx["units"])
        if plan.layout == "wide" and col.commodity is None:
            if "commodity" in ctx:
                col.commodity = ctx["commodity"][0]
                g.setdefault("commodity", f"'{col.commodity}' (title)")
        if plan.layout == "wide" and mapping:
            for key in [col.text] + col.parts + ([col.commodity] if col.commodity else []):
                if column_key(key) in mapping:
                    col.commodity = mapping[column_key(key)] or None
                    col.drop = not mapping[column_key(key)]
                    break
        ratio_phrase = col.measure == "other" and col.measure_src is not None and \
            not col.measure_src.startswith("option")
        col.ratio = col.measure in RATIO_MEASURES or ratio_phrase or (
            col.unit is not None and (col.unit.unit == "%" or "/" in col.unit.unit))
    unknown = [c.text for c in plan.values if c.measure is None and not c.drop]
    if unknown and plan.measure_col is None:
        problems.append(Problem("warning", fname, where + f"what {len(unknown)} column(s) "
                                "count is not stated (production, harvested area, ...): read as "
                                "'other'; set 'measure' for this file",
                                field=unknown[0] if len(unknown) == 1 else None))
    measures_seen = sorted({c.measure or "other" for c in plan.values})
    srcs = sorted({c.measure_src for c in plan.values if c.measure_src})
    g["measure"] = ", ".join(measures_seen) + (f" (from {', '.join(srcs)})" if srcs else "")

    # ---- areas and their level
    area_col = plan.area
    body = block.body
    row_levels: dict[int, str | None] | None = None
    row_parents: dict[int, str | None] = {}
    if plan.level_col is not None and area_col is not None:
        # a long table of several levels: each row's level from its level cell; a row of the
        # lower level takes its area from the lower area column ("desa" beside "kecamatan")
        row_levels = {}
        low = plan.lower_area
        low_lv = next((_AREA_WORDS[t] for t in _tokens(low.text) if _AREA_WORDS.get(t)),
                      None) if low is not None else None
        for r in body:
            lv = _row_level(grid.rows[r][plan.level_col.idx])
            row_levels[grid.numbers[r]] = lv
            if low is not None and lv == low_lv and not _is_blank(grid.rows[r][low.idx]):
                cells_r = list(grid.rows[r])
                row_parents[grid.numbers[r]] = _split_area(cells_r[area_col.idx])[2] or None
                cells_r[area_col.idx] = cells_r[low.idx]
                grid.rows[r] = cells_r
    area_cells = [grid.rows[r][area_col.idx] if area_col is not None else None for r in body]
    splits = [_split_area(v) for v in area_cells]
    if plan.code is not None:
        code_cells = [_code_of_cell(grid.rows[r][plan.code.idx]) for r in body]
    else:
        code_cells = [None] * len(body)
    codes = [s[1] or cc for s, cc in zip(splits, code_cells)]
    level, level_src = _guess_level(plan, opts, path, splits, codes, ctx)
    if level_src:
        g.setdefault("area_level", f"{level} ({level_src})")

    # ---- fill merged label cells down in the body, and blank labels in long/yearly tables
    label_idx = {c.idx for c in (area_col, plan.code, plan.year_col, plan.commodity_col,
                                 plan.unit_col) if c is not None}
    body_pos = {r: k for k, r in enumerate(body)}
    rows = {r: list(grid.rows[r]) for r in body}
    for r1, c1, r2, _c2 in grid.merged:
        if c1 not in label_idx or r1 not in body_pos:
            continue
        for r in range(r1 + 1, r2 + 1):
            if r in rows:
                rows[r][c1] = grid.rows[r1][c1]
    if plan.code is not None:
        code_cells = [_code_of_cell(rows[r][plan.code.idx]) for r in body]
    if area_col is not None:
        splits = [_split_area(rows[r][area_col.idx]) for r in body]
        codes = [s[1] or cc for s, cc in zip(splits, code_cells)]

    # ---- total rows
    total_rank, labels = _total_rows(plan, rows, splits, level, ctx, decimal)
    if plan.area_from_title is None:
        drops = [k for k, t in enumerate(total_rank) if t]
        if drops:
            g["total_rows"] = ", ".join(f"row {grid.numbers[body[k]]} '{labels[k]}'"
                                        for k in drops)

    filled_down = 0
    if area_col is not None and (plan.layout == "long" or plan.year_col is not None):
        prev = None
        for k in range(len(body)):
            if not splits[k][0] and not total_rank[k] and prev is not None:
                splits[k] = prev
                codes[k] = prev[1] or codes[k]
                filled_down += 1
            elif splits[k][0]:
                prev = splits[k]
        if filled_down:
            g["area_filled_down"] = f"{filled_down} row(s) with a blank area took the one above"
    if area_col is not None and any(not s[0] and not total_rank[k]
                                    for k, s in enumerate(splits)):
        n_blank = sum(not s[0] and not total_rank[k] for k, s in enumerate(splits))
        problems.append(Problem("warning", fname, where + f"{n_blank} row(s) with numbers but "
                                "no area name", field=area_col.text))

    # ---- per-row year, commodity, unit
    years: list[int | None] = [None] * len(body)
    if plan.year_col is not None:
        prev_y = None
        bad_years = 0
        for k, r in enumerate(body):
            v = rows[r][plan.year_col.idx]
            y = _year_of_serial(v) if plan.year_col.serial else _year_of_cell(v)
            if y is None and _is_blank(v) and prev_y is not None and not total_rank[k]:
                y = prev_y
            elif y is None and not _is_blank(v):
                bad_years += 1
                if bad_years <= _MAX_CELL_PROBLEMS:
                    problems.append(Problem("warning", fname, where + f"not a year: "
                                            f"'{_cell_text(v)}'", row=grid.numbers[r],
                                            field=plan.year_col.text))
            years[k] = y
            prev_y = y if y is not None else prev_y
        g["year"] = f"per row from column '{plan.year_col.text}'"
    elif any(c.year for c in plan.values):
        g["year"] = "per column from the header"
    elif table_year is not None:
        g["year"] = f"{table_year[0]} ({table_year[1]})"
    else:
        g["year"] = "unknown"
        problems.append(Problem("info", fname, where + "no year found (no year column, none in "
                                "the headers, title, sheet or file name); set 'year'"))
    table_year_value = table_year[0] if table_year is not None and plan.year_col is None \
        else None
    if table_year_value is not None and "year_conflict" in ctx:
        problems.append(Problem("warning", fname, where + ctx["year_conflict"]))

    commodities: list[str | None] = [None] * len(body)
    commodity_total = [False] * len(body)
    row_units: list[Unit | None] = [None] * len(body)
    row_unit_raw: list[str | None] = [None] * len(body)
    bad_units: dict[str, int] = {}
    if plan.layout == "long":
        assert plan.commodity_col is not None
        prev_c = None
        for k, r in enumerate(body):
            v = rows[r][plan.commodity_col.idx]
            text = _norm_ws(_cell_text(v))
            if not text and prev_c is not None:
                commodities[k] = prev_c
                continue
            info = split_header(text) if text else None
            name = info.commodity if info and info.commodity else (text or None)
            if info and info.unit_raw:
                row_unit_raw[k] = info.unit_raw
                row_units[k] = parse_unit(info.unit_raw)
            key = column_key(text)
            if mapping and (key in mapping or column_key(name) in mapping):
                name = mapping.get(key, mapping.get(column_key(name))) or None
            commodities[k] = name
            prev_c = name
            fc = fold(name)
            commodity_total[k] = fc in _TOTAL_LABELS or bool(re.match(r"^(jumlah|total)\b", fc))
    row_measures: list[str | None] = [None] * len(body)
    if plan.measure_col is not None:
        unknown_m: dict[str, int] = {}
        for k, r in enumerate(body):
            text = _norm_ws(_cell_text(rows[r][plan.measure_col.idx]))
            if not text:
                continue
            m, u = _measure_of_cell(text)
            row_measures[k] = m
            if u and row_unit_raw[k] is None:
                row_unit_raw[k], row_units[k] = u, parse_unit(u)
            if m is None:
                unknown_m[text] = unknown_m.get(text, 0) + 1
        g["measure"] = f"per row from column '{plan.measure_col.text}'"
        for text, n in unknown_m.items():
            problems.append(Problem("info", fname, where + f"measure '{text}' ({n} row(s)) is "
                                    "not one of " + ", ".join(MEASURES) + ": read from the "
                                    "unit, else 'other'", field=plan.measure_col.text))
    if plan.unit_col is not None:
        for k, r in enumerate(body):
            v = rows[r][plan.unit_col.idx]
            text = _norm_ws(_cell_text(v))
            if not text:
                continue
            u = parse_unit(text)
            row_unit_raw[k] = text
            row_units[k] = u
            if u is None:
                bad_units[text] = bad_units.get(text, 0) + 1
        for text, n in bad_units.items():
            problems.append(Problem("warning", fname, where + f"unknown unit '{text}' in {n} "
                                    "row(s): values kept as written", field=plan.unit_col.text))

    # ---- value cells -> records
    out: dict[str, list] = {c: [] for c in RECORD_COLUMNS}
    is_total: list[bool] = []
    ctot: list[bool] = []
    ranks: list[int] = []
    bad_cells = 0
    assumed: set[tuple[str, str]] = set()
    sheet = grid.sheet
    used = [c for c in plan.values if not c.drop]
    for k, r in enumerate(body):
        for col in used:
            col_unit = col.unit
            v = rows[r][col.idx]
            value, status, mark = parse_value(v, decimal)
            if status == "bad":
                bad_cells += 1
                if bad_cells <= _MAX_CELL_PROBLEMS:
                    problems.append(Problem("warning", fname, where +
                                            f"not a number: '{_cell_text(v)}' (kept as missing)",
                                            row=grid.numbers[r], field=col.text))
            measure = row_measures[k] or col.measure
            unit = col_unit
            unit_raw_text = unit.raw if unit is not None else None
            if row_units[k] is not None or row_unit_raw[k] is not None:
                unit, unit_raw_text = row_units[k], row_unit_raw[k]
                if measure is None and unit is not None:
                    measure = unit.measure
            if unit is not None:
                unit_name, factor = unit.unit, unit.factor
            elif measure is not None and CANONICAL_UNIT.get(measure) and \
                    row_unit_raw[k] is None:
                # tonnes, kilograms and kuintal all occur in "production" tables, rupiah in
                # ones, thousands and millions: never assumed. Areas (ha), heads (ekor),
                # units and persons have one usual unit: assumed, and said
                unit_name = UNKNOWN_UNIT if measure in _UNIT_REQUIRED else \
                    CANONICAL_UNIT[measure]
                factor = 1.0
                assumed.add((col.text, measure))
            else:
                unit_name, factor = (fold(row_unit_raw[k]) or None) \
                    if row_unit_raw[k] else None, 1.0
            ratio = col.ratio or (unit is not None and (unit.unit == "%" or "/" in unit.unit))
            if measure in RATIO_MEASURES:
                ratio = True
            raw, code, label = splits[k] if plan.area_from_title is None else \
                (plan.area_from_title, None, plan.area_from_title)
            year = col.year or years[k] or table_year_value
            out["area_raw"].append(raw)
            out["area_code"].append(codes[k] if plan.area_from_title is None else None)
            out["area_label"].append(label)
            out["commodity_raw"].append(commodities[k] if plan.layout == "long"
                                        else col.commodity)
            out["measure"].append(measure or "other")
            out["unit"].append(unit_name)
            out["unit_raw"].append(unit_raw_text)
            out["factor"].append(factor)
            out["ratio"].append(bool(ratio))
            out["year"].append(year)
            out["value"].append(round(value * factor, 10) if status == "number" and factor != 1
                                else value)
            out["cell"].append(_cell_text(v))
            out["mark"].append(mark)
            out["file"].append(fname)
            out["sheet"].append(sheet)
            out["row"].append(grid.numbers[r])
            tcell = _norm_ws(_cell_text(rows[r][plan.table_col.idx])) \
                if plan.table_col is not None else ""
            # a long table naming each row's source table: that table is where the value is
            out["column"].append(tcell or col.text)
            is_total.append(bool(total_rank[k]))
            ctot.append(commodity_total[k])
            ranks.append(total_rank[k])
    if bad_cells > _MAX_CELL_PROBLEMS:
        problems.append(Problem("warning", fname, where + f"{bad_cells} cells are not numbers "
                                f"(the first {_MAX_CELL_PROBLEMS} are listed)"))
    for text, measure in sorted(assumed):
        if measure in _UNIT_REQUIRED:
            problems.append(Problem(
                "warning", fname, where + f"no unit stated for {measure} in column '{text}': "
                f"unit '{UNKNOWN_UNIT}', left out of LQ and the other comparisons until it is "
                "stated (dataset.toml [[statistics]] path = ..., unit = \"ton\" or \"kg\" ...)",
                field=text))
        else:
            problems.append(Problem("info", fname, where + f"no unit stated for {measure}: "
                                    f"assumed {CANONICAL_UNIT[measure]}", field=text))
    frame = pd.DataFrame({c: pd.Series(out[c], dtype=object) if c in _TEXT_COLUMNS
                          else out[c] for c in RECORD_COLUMNS}, columns=RECORD_COLUMNS)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    frame["value"] = frame["value"].astype(float)
    frame["factor"] = frame["factor"].astype(float)
    frame["ratio"] = frame["ratio"].astype(bool)
    frame["row"] = frame["row"].astype(int)
    flags = np.array(is_total, dtype=bool)
    rank_arr = np.array(ranks, dtype=int)

    totals = _check_totals(frame, flags, rank_arr, labels_by_row={
        grid.numbers[body[k]]: labels[k] for k in range(len(body))})
    cflags = np.array(ctot, dtype=bool) & ~flags
    if cflags.any():
        totals += _check_commodity_totals(frame, flags, cflags)
        g["total_commodities"] = ", ".join(sorted(set(frame.loc[cflags, "commodity_raw"])))
    for t in totals:
        if abs(t["difference"]) > TOTAL_TOLERANCE_ABS and \
                abs(t["difference"]) > TOTAL_TOLERANCE_REL * abs(t["total"]):
            what = f" {t['commodity']}" if t["commodity"] else ""
            problems.append(Problem(
                "warning", fname, where + f"total row '{t['label']}'{what}: {t['total']:g} but "
                f"the rows sum to {t['sum_of_rows']:g} (difference {t['difference']:+g})",
                row=t["row"], field=t["column"]))
    records = frame.loc[~flags & ~cflags].reset_index(drop=True) if len(frame) else frame
    problems.extend(_check_total_columns(plan, rows, body, total_rank, decimal, fname, where,
                                         grid))
    if plan.layout == "wide" and any(c.role == "total" for c in plan.cols):
        g["total_columns"] = ", ".join(f"'{c.text}'" for c in plan.cols if c.role == "total")
    table = StatTable(
        file=fname, sheet=sheet, title="\n".join(plan.titles) or None, layout=plan.layout,
        area_column=area_col.text if area_col is not None else "",
        area_level=level, year=table_year_value,
        year_column=plan.year_col.text if plan.year_col is not None else None,
        records=records, totals=totals, problems=problems, guessed=g)
    table.parents = {k: v for k, v in row_parents.items() if v} or None
    return _split_levels(table, row_levels) if row_levels else [table]


def _split_levels(table: StatTable, row_levels: dict[int, str | None]) -> list[StatTable]:
    """One table per area level of a long table with a level column."""
    lv = table.records["row"].map(row_levels)
    out = []
    for level in [x for x in LEVELS if x in set(lv.dropna())]:
        part = table.records[lv.to_numpy() == level].reset_index(drop=True)
        g = dict(table.guessed)
        g["area_level"] = f"{level} (column {g.get('level_column', 'level')})"
        out.append(StatTable(
            file=table.file, sheet=table.sheet, title=table.title, layout=table.layout,
            area_column=table.area_column, area_level=level, year=table.year,
            year_column=table.year_column, records=part,
            totals=[t for t in table.totals if row_levels.get(t.get("row")) == level],
            problems=table.problems if not out else [], guessed=g,
            parents=table.parents))
    return out or [table]


_TOTAL_LABELS = frozenset({
    "jumlah", "total", "jumlah total", "total jumlah", "grand total", "jumlah seluruhnya",
    "total keseluruhan", "keseluruhan", "seluruhnya", "jumlah total total", "total total",
    "sum", "subtotal", "sub total", "jumlah kabupaten", "total kabupaten", "kabupaten",
    "jumlah kecamatan", "total kecamatan"})


def _sums_match(plan: _Plan, rows: dict[int, list], body: list[int], k: int,
                total_rank: list[int], decimal: str, strict: bool = False) -> bool:
    """True when row ``k``'s numbers are the sum of the other rows in most value columns
    (``strict``: in every column, and in at least two unless there are 5 other rows)."""
    checked = matched = 0
    others = [r for j, r in enumerate(body) if j != k and not total_rank[j]]
    for col in plan.values:
        if col.ratio:
            continue
        total, status, _ = parse_value(rows[body[k]][col.idx], decimal)
        if status != "number":
            continue
        s = 0.0
        for r in others:
            v, st, _ = parse_value(rows[r][col.idx], decimal)
            if st == "number":
                s += v
        if s == 0 and total == 0:
            continue
        checked += 1
        diff = abs(total - s)
        if diff <= max(TOTAL_TOLERANCE_ABS, TOTAL_TOLERANCE_REL * abs(total)):
            matched += 1
    if strict:
        return matched == checked and (checked >= 2 or len(others) >= 5)
    return matched >= 1 and matched >= 0.5 * checked


def _check_totals(frame: pd.DataFrame, flags: np.ndarray, ranks: np.ndarray,
                  labels_by_row: dict[int, str]) -> list[dict]:
    if not flags.any():
        return []
    out: list[dict] = []
    keys = ["column", "commodity_raw", "unit"]
    f = frame.assign(_total=flags, _rank=ranks)
    f = f.loc[~f["ratio"]]
    for _, grp in f.groupby(keys, dropna=False, sort=False):
        tot = grp.loc[grp["_total"] & (grp["_rank"] != _AVERAGE_ROW)]
        if tot.empty:
            continue
        rows_ = grp.loc[~grp["_total"]]
        for _, t in tot.sort_values("row").iterrows():
            if pd.isna(t["value"]):
                continue
            same_year = rows_ if pd.isna(t["year"]) else rows_.loc[rows_["year"].eq(t["year"])
                                                                   .fillna(False)]
            earlier = tot.loc[(tot["row"] < t["row"]) & (tot["_rank"] >= t["_rank"])
                              & (tot["year"].eq(t["year"]).fillna(False)
                                 if not pd.isna(t["year"]) else True)]
            start = earlier["row"].max() if len(earlier) else -1
            seg = same_year.loc[(same_year["row"] > start) & (same_year["row"] < t["row"])]
            if seg.empty:   # a total above its rows
                later = tot.loc[tot["row"] > t["row"]]
                end = later["row"].min() if len(later) else np.inf
                seg = same_year.loc[(same_year["row"] > t["row"]) & (same_year["row"] < end)]
            if seg.empty:
                continue
            s = float(seg["value"].sum(min_count=1)) if seg["value"].notna().any() else 0.0
            total = float(t["value"])
            out.append({
                "row": int(t["row"]), "label": labels_by_row.get(int(t["row"]), ""),
                "column": t["column"],
                "commodity": None if pd.isna(t["commodity_raw"]) else t["commodity_raw"],
                "measure": t["measure"], "total": total, "sum_of_rows": round(s, 9),
                "difference": round(total - s, 9),
            })
    out.sort(key=lambda d: (d["row"], str(d["column"])))
    return out


def _check_commodity_totals(frame: pd.DataFrame, flags: np.ndarray, cflags: np.ndarray
                            ) -> list[dict]:
    """Rows of a long table whose commodity is "Jumlah"/"Total": the sum over the area's
    other commodities (same column, year and unit)."""
    keys = ["area_raw", "column", "unit", "year"]
    f = frame.assign(_c=cflags, _t=flags)
    f = f.loc[~f["ratio"] & ~f["_t"]]
    f["year"] = f["year"].fillna(-1)
    f["unit"] = f["unit"].fillna("")
    sums = f.loc[~f["_c"]].groupby(keys, sort=False)["value"].sum(min_count=1)
    out = []
    for t in f.loc[f["_c"] & f["value"].notna()].itertuples():
        s = sums.get((t.area_raw, t.column, t.unit, t.year))
        if s is None or pd.isna(s):
            continue
        out.append({"row": int(t.row), "label": t.commodity_raw, "column": t.column,
                    "commodity": None, "measure": t.measure, "total": float(t.value),
                    "sum_of_rows": round(float(s), 9),
                    "difference": round(float(t.value) - float(s), 9)})
    return out


def _check_total_columns(plan: _Plan, rows: dict[int, list], body: list[int],
                         total_rank: list[int], decimal: str, fname: str, where: str,
                         grid: _Grid) -> list[Problem]:
    problems: list[Problem] = []
    if plan.layout != "wide":
        return problems
    for tcol in [c for c in plan.cols if c.role == "total"]:
        infos = [split_header(p) for p in tcol.parts]
        measure = next((h.measure for h in infos if h.measure), None)
        unit = next((parse_unit(h.unit_raw) for h in infos if h.unit_raw), None)
        tfactor = unit.factor if unit is not None else 1.0
        parts = [c for c in plan.values if not c.ratio and not c.drop
                 and (measure is None or c.measure == measure)]
        if not parts:
            continue
        bad = []
        for r in body:
            t, st, _ = parse_value(rows[r][tcol.idx], decimal)
            if st != "number":
                continue
            t *= tfactor
            s = 0.0
            for c in parts:
                v, stv, _ = parse_value(rows[r][c.idx], decimal)
                if stv == "number":
                    s += v * (c.unit.factor if c.unit is not None else 1.0)
            if abs(t - s) > TOTAL_TOLERANCE_ABS and abs(t - s) > TOTAL_TOLERANCE_REL * abs(t):
                bad.append(f"row {grid.numbers[r]}: {t:g} vs {s:g}")
        if bad:
            problems.append(Problem("warning", fname, where + f"total column '{tcol.text}' "
                                    f"differs from the sum of the commodities in {len(bad)} "
                                    f"row(s) ({'; '.join(bad[:5])})", field=tcol.text))
    return problems


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

_SPREADSHEETS = (".xlsx", ".xlsm")


def read_statistics(path: Path | str, options: StatisticsOptions | None = None
                    ) -> list[StatTable]:
    """Read a BPS/dinas statistics file (CSV, TSV, XLSX) into long records, table by table.

    Parameters
    ----------
    path : Path
        The file.
    options : StatisticsOptions, optional
        What to use instead of a guess (from ``[[statistics]]`` in dataset.toml).

    Returns
    -------
    list of StatTable
        One per table found (a CSV holds one, a workbook one or more per sheet).

    Raises
    ------
    DatasetError
        The file is missing, empty, unreadable, or holds no table of numbers.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ternak.csv"
    >>> _ = p.write_text("kode_kecamatan,jenis_ternak,tahun,populasi_ekor\\n"
    ...                  "730801,Sapi Potong,2018,6540\\n730801,Kerbau,2018,-\\n")
    >>> t = read_statistics(p)[0]
    >>> t.layout, t.area_level
    ('long', 'kecamatan')
    >>> t.records[["area_code", "commodity_raw", "measure", "unit", "year", "value"]].values.tolist()
    [['730801', 'Sapi Potong', 'population', 'ekor', 2018, 6540.0], ['730801', 'Kerbau', 'population', 'ekor', 2018, 0.0]]
    """  # noqa: E501
    path = Path(path)
    opts = options or StatisticsOptions()
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    if path.suffix.lower() == ".pdf":   # BPS "Dalam Angka" books (unggulan.io.pdf_tables)
        from unggulan.io.pdf_tables import read_pdf_statistics

        return read_pdf_statistics(path, opts)
    if opts.header_rows is not None and not 1 <= opts.header_rows <= 3:
        raise DatasetError("header_rows must be 1, 2 or 3", path=path, field="header_rows")
    if opts.decimal not in (None, ".", ","):
        raise DatasetError("decimal must be '.' or ','", path=path, field="decimal")
    file_guessed: dict[str, str] = {}
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEETS:
        grids = _xlsx_grids(path, opts, file_guessed)
    elif suffix in (".xls", ".ods"):
        grids = _pandas_grids(path, opts)
    else:
        grids = [_csv_grid(path, opts, file_guessed)]
    plans: list[_Plan] = []
    skipped: list[Problem] = []
    for grid in grids:
        if not grid.rows:
            continue
        for block in _split_tables(grid, opts):
            plan = _plan_table(grid, block, path, opts)
            if plan.skip:
                skipped.extend(plan.problems)
                continue
            plans.append(plan)
    if not plans:
        why = "; ".join(p.message for p in skipped[:3])
        raise DatasetError("no statistics table found (a header with an area column, then rows "
                           "of numbers)" + (f": {why}" if why else ""), path=path)
    if opts.decimal:
        decimal = opts.decimal
    else:
        texts = [v for plan in plans for r in plan.block.body for c in plan.values
                 if isinstance(v := plan.grid.rows[r][c.idx], str)]
        decimal, why = guess_decimal(texts)
        file_guessed["decimal"] = why
    tables = [t for plan in plans for t in _build(plan, path, opts, decimal, file_guessed)]
    if skipped:
        tables[0].problems[:0] = skipped
    return tables
