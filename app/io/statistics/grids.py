"""A CSV, TSV or spreadsheet read as grids: the rows of cells of each sheet as written, their
row numbers in the file and the sheet's merged ranges."""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.io.readers import decode_text, sniff_separator
from unggulan.io.statistics.cells import is_blank
from unggulan.io.statistics.model import StatisticsOptions


@dataclass
class Grid:
    """One sheet (or a CSV) as rows of cells as written, all rows of the same width."""

    rows: list[list[object]]
    numbers: list[int]                         # 1-based row/line number in the file
    sheet: str | None
    merged: list[tuple[int, int, int, int]]    # 0-based inclusive (r1, c1, r2, c2)


def _csv_grid(path: Path, opts: StatisticsOptions, guessed: dict[str, str]) -> Grid:
    text, enc = decode_text(path.read_bytes(), opts.encoding, path)
    if not opts.encoding:
        guessed["encoding"] = enc
    if opts.sep:
        sep = opts.sep
    elif path.suffix.lower() == ".tsv":
        sep = "\t"
    else:
        sep = sniff_separator(text)
        guessed["sep"] = repr(sep)
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        rows: list[list[object]] = list(reader)
    except csv.Error as exc:
        raise DatasetError(f"cannot read as CSV: {exc}", path=path) from None
    if reader.line_num == len(rows):
        # every record one line (each takes at least one): record k is on line k
        numbers = list(range(1, len(rows) + 1))
    else:   # quoted line breaks: the line each record starts on
        numbers = []
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        last = 0
        for _rec in reader:
            numbers.append(last + 1)
            last = reader.line_num
    width = max(map(len, rows), default=0)
    if min(map(len, rows), default=0) != width:
        rows = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    return Grid(rows, numbers, None, [])


def _xlsx_grids(path: Path, opts: StatisticsOptions, guessed: dict[str, str]) -> list[Grid]:
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
        grids.append(Grid(rows, list(range(1, len(rows) + 1)), ws.title, merged))
    book.close()
    return grids


def _pandas_grids(path: Path, opts: StatisticsOptions) -> list[Grid]:
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
        rows = [[None if is_blank(v) else v for v in r] for r in frame.itertuples(index=False)]
        grids.append(Grid(rows, list(range(1, len(rows) + 1)), str(name), []))
    return grids


_SPREADSHEETS = (".xlsx", ".xlsm")


def read_grids(path: Path, opts: StatisticsOptions, guessed: dict[str, str]) -> list[Grid]:
    """The grids of a CSV/TSV (one), an XLSX/XLSM (one per sheet, or the ``sheet`` option's,
    with merged ranges) or an XLS/ODS (through pandas, no merges). What was guessed (the
    encoding and separator of a CSV) is added to ``guessed``."""
    suffix = path.suffix.lower()
    if suffix in _SPREADSHEETS:
        return _xlsx_grids(path, opts, guessed)
    if suffix in (".xls", ".ods"):
        return _pandas_grids(path, opts)
    return [_csv_grid(path, opts, guessed)]
