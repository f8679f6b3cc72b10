"""What the statistics reader is asked (:class:`StatisticsOptions`) and what it returns
(:class:`StatTable` with long ``records``), and the constants both sides share."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from unggulan.base.problems import Problem

#: columns of ``StatTable.records``, in this order
RECORD_COLUMNS = [
    "area_raw", "area_code", "area_label", "commodity_raw", "measure", "unit", "unit_raw",
    "factor", "ratio", "year", "value", "cell", "mark", "file", "sheet", "row", "column",
]
#: the columns of ``records`` holding text (dtype object, None where there is nothing)
TEXT_COLUMNS = frozenset({"area_raw", "area_code", "area_label", "commodity_raw", "measure",
                          "unit", "unit_raw", "cell", "mark", "file", "sheet", "column"})
#: the area levels, highest first
LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")
#: rank of each level (0 provinsi ... 3 desa)
LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}
#: a total row differs from the sum of its rows when it is off by more than both of these
TOTAL_TOLERANCE_ABS = 0.5
TOTAL_TOLERANCE_REL = 0.001
#: the unit of a column whose unit is stated nowhere, for measures that have several usual
#: units (production: ton, kuintal, kg; value: rupiah, ribu, juta; yields)
UNKNOWN_UNIT = "unknown"


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
