"""Readers for the files planners hold: vector layers, spreadsheets and CSVs typed by hand.

Every failure raises :class:`app.base.errors.DatasetError` naming the file and the problem.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from app.base.errors import DatasetError

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".parquet", ".geoparquet", ".fgb", ".zip")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc", ".nc")

_SEPARATORS = (",", ";", "\t", "|")


def _vector_source(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        return f"/vsizip/{path}"
    return str(path)


def list_vector_layers(path: str | Path) -> list[str]:
    """Names of the layers in a vector file (one for single-layer formats)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return [path.stem]
    try:
        layers = pyogrio.list_layers(_vector_source(path))
    except Exception as exc:  # pyogrio raises several DataSource errors
        raise DatasetError(f"cannot open as a vector layer ({exc})", path=path) from None
    return [str(name) for name, _ in layers]


def read_vector(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoPackage, shapefile (or zipped shapefile), GeoJSON or GeoParquet layer."""
    path = Path(path)
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gdf = gpd.read_file(_vector_source(path), layer=layer, engine="pyogrio")
    except DatasetError:
        raise
    except Exception as exc:
        where = f" layer '{layer}'" if layer else ""
        raise DatasetError(f"cannot read{where}: {exc}", path=path) from None
    if len(gdf) == 0:
        where = f"layer '{layer}' " if layer else ""
        raise DatasetError(f"{where}has no features", path=path)
    return gdf


@dataclass
class TableFormat:
    """How a table file was read: what the user may put into dataset.toml."""

    sep: str | None = None
    decimal: str = "."
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 0
    guessed: dict[str, str] = field(default_factory=dict)


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DatasetError(f"cannot decode as {encoding}: {exc}", path=path) from None
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    # latin-1 decodes every byte string, so this is never reached
    raise DatasetError("cannot decode the text", path=path)  # pragma: no cover


def sniff_separator(text: str) -> str:
    """The separator whose field count is most consistent (and >1) over the first lines."""
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()]
    best, best_score = ",", (-1.0, 0)
    for sep in _SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(counts), mode)
        if score > best_score:
            best, best_score = sep, score
    return best


_COMMA_DECIMAL = re.compile(r"^[-+]?\d{1,3}(\.\d{3})*,\d+$|^[-+]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[-+]?\d+\.\d+$")
_DOT_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+$")


def sniff_decimal(frame: pd.DataFrame) -> str:
    """',' when comma decimals outnumber dot decimals among the cells, else '.'."""
    comma = dot = 0
    for col in frame.columns:
        vals = frame[col].astype(str).str.strip()
        comma += int(vals.str.match(_COMMA_DECIMAL).sum())
        dot += int((vals.str.match(_DOT_DECIMAL) & ~vals.str.match(_DOT_THOUSANDS)).sum())
    return "," if comma > dot else "."


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_hint: set[str] | None = None,
) -> tuple[pd.DataFrame, TableFormat]:
    """Read a CSV/TSV/XLSX table as strings, guessing what is not given.

    Returns the frame (every cell a string, empty string for blanks; the index is the
    1-based line or row number in the file, for messages) and how it was read.
    ``header_hint`` holds folded column names that mark the header row of a sheet with
    title rows above it.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    fmt = TableFormat()
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            book = pd.read_excel(path, sheet_name=sheet if sheet else 0, header=None, dtype=str)
        except Exception as exc:
            raise DatasetError(f"cannot read the spreadsheet: {exc}", path=path) from None
        book = book.fillna("")
        if book.empty or not (book.astype(str) != "").to_numpy().any():
            raise DatasetError("the sheet has no rows", path=path)
        fmt.sheet = sheet
        header = _find_header(book, header_hint)
        fmt.header_row = header
        frame = book.iloc[header + 1 :].copy()
        frame.columns = _unique_columns(book.iloc[header].tolist())
        frame.index = np.arange(header + 2, header + 2 + len(frame))  # spreadsheet row numbers
    else:
        text, enc = _decode(path.read_bytes(), encoding, path)
        fmt.encoding = enc
        if not encoding:
            fmt.guessed["encoding"] = enc
        fmt.sep = sep or ("\t" if suffix == ".tsv" else sniff_separator(text))
        if not sep:
            fmt.guessed["sep"] = fmt.sep
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=fmt.sep))
        except csv.Error as exc:
            raise DatasetError(f"not a readable {fmt.sep!r}-separated table: {exc}",
                               path=path) from None
        rows_nonblank = [(i, r) for i, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
        if not rows_nonblank:
            raise DatasetError("the table has no rows", path=path)
        width = Counter(len(r) for _, r in rows_nonblank).most_common(1)[0][0]
        # title lines above the header have fewer fields than the table itself
        start = next(k for k, (_, r) in enumerate(rows_nonblank) if len(r) >= width)
        header_line, header = rows_nonblank[start]
        body = rows_nonblank[start + 1 :]
        cols = _unique_columns(header)
        data = []
        index = []
        for line_no, r in body:
            r = list(r) + [""] * (len(cols) - len(r))
            data.append(r[: len(cols)])
            index.append(line_no)
        frame = pd.DataFrame(data, columns=cols, index=index, dtype=object)
        fmt.header_row = header_line - 1
    frame = frame.map(lambda v: "" if v is None else str(v).strip())
    frame = frame.loc[(frame != "").any(axis=1)]
    if frame.empty:
        raise DatasetError("the table has a header but no data rows", path=path)
    fmt.decimal = decimal or sniff_decimal(frame)
    if not decimal:
        fmt.guessed["decimal"] = fmt.decimal
    return frame, fmt


def _unique_columns(names: list[object]) -> list[str]:
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, n in enumerate(names):
        text = str(n).strip() if n is not None else ""
        name = text if text not in ("", "nan") else f"col{i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _find_header(book: pd.DataFrame, hint: set[str] | None) -> int:
    from app.base.names import column_key

    best, best_hits = 0, -1
    for i in range(min(15, len(book))):
        cells = [column_key(c) for c in book.iloc[i].tolist() if str(c).strip()]
        if hint:
            hits = sum(any(c == h or c.startswith(h) for h in hint) for c in cells)
        else:
            hits = len(cells)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def parse_numbers(values: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Parse strings as numbers the way the table writes them.

    Returns the floats (NaN where empty or bad) and a boolean mask of the cells that were
    not empty but could not be read as a number.
    """
    s = values.astype(str).str.strip().str.replace("\u00a0", "", regex=False)
    s = s.str.replace(" ", "", regex=False)
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        thousands = s.str.match(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
        s = s.where(~thousands, s.str.replace(",", "", regex=False))
    empty = s.isin(["", "-", "nan", "NaN", "NA", "null"])
    out = pd.to_numeric(s.where(~empty), errors="coerce")
    bad = out.isna() & ~empty
    return out.astype(float), bad
