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

Modules
-------
The reading follows a file through the package's modules: ``grids`` (the file as rows of
cells), ``tables`` (the title, header and body rows of each table), ``plan`` (the role of each
column; ``words`` holds the header words it looks for), ``context`` (what the title, sheet and
file name say about the table), ``build`` (the records: ``cells`` reads each cell, ``areas``
each area cell and the table's level, ``totals`` finds and checks the total rows), all
started by :func:`read_statistics` in ``reader``; ``model`` holds the options and the
result. The names below are the reader's interface; the modules' other public names serve
the package itself.

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

from unggulan.io.statistics.cells import guess_decimal, parse_value, year_in_text
from unggulan.io.statistics.model import (
    LEVELS,
    RECORD_COLUMNS,
    TOTAL_TOLERANCE_ABS,
    TOTAL_TOLERANCE_REL,
    UNKNOWN_UNIT,
    StatisticsOptions,
    StatTable,
)
from unggulan.io.statistics.reader import read_statistics

__all__ = [
    "LEVELS",
    "RECORD_COLUMNS",
    "TOTAL_TOLERANCE_ABS",
    "TOTAL_TOLERANCE_REL",
    "UNKNOWN_UNIT",
    "StatTable",
    "StatisticsOptions",
    "guess_decimal",
    "parse_value",
    "read_statistics",
    "year_in_text",
]

# doctest.testmod(unggulan.io.statistics) runs the examples of the re-exported functions and
# classes too (it would otherwise look only at objects defined in this file)
__test__ = {"StatisticsOptions": StatisticsOptions, "guess_decimal": guess_decimal,
            "parse_value": parse_value, "read_statistics": read_statistics,
            "year_in_text": year_in_text}
