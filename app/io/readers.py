"""Readers for the files planners hold: vector layers, spreadsheets and CSVs typed by hand.

Every failure raises :class:`unggulan.base.errors.DatasetError` naming the file and the problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from unggulan.base.errors import DatasetError
from unggulan.base.names import column_key

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
    """How a table file was read: what the user may put into dataset.toml.

    ``notes`` are automatic fixes and choices the user should hear of (a UTF-16 file, the
    sheet chosen among several, hidden rows read as data), as ``(message, field)`` pairs;
    the callers turn them into :class:`unggulan.base.problems.Problem` entries.
    """

    sep: str | None = None
    decimal: str = "."
    encoding: str | None = None
    sheet: str | None = None
    header_row: int = 0
    guessed: dict[str, str] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    notes: list[tuple[str, str | None]] = field(default_factory=list)


#: rows per chunk when a CSV is streamed (:func:`open_table`)
CHUNK_ROWS = 50_000
#: records looked at to find the table's width (title lines above the header are narrower)
_HEAD_RECORDS = 1000
_SCAN_BYTES = 1 << 18
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip
_UTF16_NOTE = ("the file is UTF-16 text (Excel's \"Unicode text\" format); it was read as "
               "UTF-16")


def _bom_or_nul_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark or the NUL pattern of ``head`` proves, else None.

    UTF-16 without a BOM shows as NUL in every other byte of ASCII text: NUL at odd offsets
    is little-endian, at even offsets big-endian.
    """
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    sample = head[:4096]
    if len(sample) >= 8 and sample.count(0) >= len(sample) // 4:
        even = sample[0::2].count(0) / max(len(sample[0::2]), 1)
        odd = sample[1::2].count(0) / max(len(sample[1::2]), 1)
        if odd > 0.6 and even < 0.1:
            return "utf-16-le"
        if even > 0.6 and odd < 0.1:
            return "utf-16-be"
    return None


def decode_text(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode a whole file's bytes: the encoding given, else UTF-16/32 by BOM, UTF-8,
    Windows-1252, Latin-1 (in that order). Returns the text and the encoding used.

    ``path`` only names the file in the :class:`~unggulan.base.errors.DatasetError` raised
    when the encoding given does not decode it.

    >>> decode_text("Desa Kéju".encode("cp1252"), None, Path("t.csv"))
    ('Desa Kéju', 'cp1252')
    """
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DatasetError(f"cannot decode as {encoding}: {exc}", path=path) from None
    proven = _bom_or_nul_encoding(raw[:_SCAN_BYTES])
    order = ((proven,) if proven else ()) + ("utf-8-sig", "cp1252", "latin-1")
    for enc in order:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    # latin-1 decodes every byte string, so this is never reached
    raise DatasetError("cannot decode the text", path=path)  # pragma: no cover


def detect_encoding(path: str | Path) -> str:
    """The encoding of a text file, read in blocks of 256 KiB (memory does not grow with the file).

    A byte-order mark (or UTF-16's NUL pattern) decides; otherwise the first of UTF-8,
    Windows-1252 and Latin-1 that decodes the whole file.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("komoditas\\tdesa\\nkopi\\tDesa Kéju\\n".encode("utf-16"))
    >>> detect_encoding(p)
    'utf-16'
    """
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(_SCAN_BYTES)
    proven = _bom_or_nul_encoding(head)
    if proven:
        return proven
    for enc in ("utf-8-sig", "cp1252"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            with open(path, "rb") as fh:
                while block := fh.read(_SCAN_BYTES):
                    dec.decode(block)
                dec.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    return "latin-1"


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


class TableStream:
    """A table read chunk by chunk: :attr:`format`, :attr:`columns`, and iteration over
    DataFrames of strings (index: 1-based record or row number in the file, for messages).

    A CSV is decoded and parsed as it is iterated, so memory holds one chunk of
    :data:`CHUNK_ROWS` rows at a time (plus whatever the caller keeps); a spreadsheet comes
    as one chunk. Iterate once; use it as a context manager, or iterate to the end, to close
    the file.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("komoditas;tenaga_kerja\\nkopi;3\\nkakao;4\\n")
    >>> with open_table(p, chunk_rows=1) as t:
    ...     [len(c) for c in t], t.columns, t.format.sep
    ([1, 1], ['komoditas', 'tenaga_kerja'], ';')
    """

    def __init__(self, fmt: TableFormat, columns: list[str], first: pd.DataFrame,
                 rest: Iterator[pd.DataFrame], close: Callable[[], None] = lambda: None):
        self.format = fmt
        self.columns = columns
        self._first: pd.DataFrame | None = first
        self._rest = rest
        self._close = close

    def __iter__(self) -> Iterator[pd.DataFrame]:
        try:
            if self._first is not None:
                first, self._first = self._first, None
                yield first
            yield from self._rest
        finally:
            self.close()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> TableStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.map(lambda v: "" if v is None else str(v).strip())
    return frame.loc[(frame != "").any(axis=1)]


def open_table(
    path: str | Path,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    header_hint: set[str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    section: str | None = None,
) -> TableStream:
    """Open a CSV/TSV/XLSX table for reading in chunks of strings, guessing what is not given.

    The separator is sniffed from the first lines, the header from the first
    ``1000`` records (title lines above it are narrower) and the decimal mark from the first
    chunk. ``section`` names the dataset.toml table the notes point to (``"[sentra]"``).
    See :func:`read_table` for the whole table at once.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("komoditas,nilai\\nkopi,\\"1,5\\"\\n")
    >>> t = open_table(p)
    >>> t.format.decimal, [c.to_dict("list") for c in t]
    (',', [{'komoditas': ['kopi'], 'nilai': ['1,5']}])
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    fmt = TableFormat()
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        frame = _strip_cells(_read_sheet(path, sheet, header_hint, fmt, section))
        if frame.empty:
            raise DatasetError("the table has a header but no data rows", path=path)
        _set_decimal(fmt, frame, decimal)
        return TableStream(fmt, list(frame.columns), frame, iter(()))
    return _open_csv(path, fmt, sep, decimal, encoding, chunk_rows)


def _set_decimal(fmt: TableFormat, frame: pd.DataFrame, decimal: str | None) -> None:
    fmt.decimal = decimal or sniff_decimal(frame)
    if not decimal:
        fmt.guessed["decimal"] = fmt.decimal


def _open_csv(path: Path, fmt: TableFormat, sep: str | None, decimal: str | None,
              encoding: str | None, chunk_rows: int) -> TableStream:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise DatasetError(f"cannot decode as {encoding}: {exc}", path=path) from None
        enc = encoding
    else:
        enc = detect_encoding(path)
        fmt.guessed["encoding"] = enc
        if enc.startswith("utf-16"):
            fmt.notes.append((_UTF16_NOTE, None))
    fmt.encoding = enc
    stream = io.TextIOWrapper(open(path, "rb"), encoding=enc, newline="")

    def fail(exc: Exception) -> DatasetError:
        stream.close()
        if isinstance(exc, UnicodeDecodeError):
            return DatasetError(f"cannot decode as {enc}: {exc}", path=path)
        return DatasetError(f"not a readable {fmt.sep!r}-separated table: {exc}", path=path)

    try:
        head: list[str] = []
        size = 0
        while len(head) < 200 and size < _SCAN_BYTES:
            line = stream.readline()
            if not line:
                break
            head.append(line)
            size += len(line)
        fmt.sep = sep or ("\t" if path.suffix.lower() == ".tsv"
                          else sniff_separator("".join(head)))
        if not sep:
            fmt.guessed["sep"] = fmt.sep
        records = enumerate(csv.reader(itertools.chain(head, stream), delimiter=fmt.sep), start=1)
        buffered = []
        for i, r in records:
            if any(c.strip() for c in r):
                buffered.append((i, r))
                if len(buffered) >= _HEAD_RECORDS:
                    break
    except (csv.Error, UnicodeDecodeError) as exc:
        raise fail(exc) from None
    if not buffered:
        stream.close()
        raise DatasetError("the table has no rows", path=path)
    width = Counter(len(r) for _, r in buffered).most_common(1)[0][0]
    # title lines above the header have fewer fields than the table itself
    start = next(k for k, (_, r) in enumerate(buffered) if len(r) >= width)
    header_line, header = buffered[start]
    fmt.header_row = header_line - 1
    cols = _unique_columns(header)
    ncol = len(cols)

    def chunks() -> Iterator[pd.DataFrame]:
        data: list[list[str]] = []
        index: list[int] = []
        body = itertools.chain(buffered[start + 1:], records)
        try:
            for line_no, r in body:
                if not any(c.strip() for c in r):
                    continue
                data.append((r + [""] * (ncol - len(r)))[:ncol] if len(r) != ncol else r)
                index.append(line_no)
                if len(data) >= chunk_rows:
                    yield _strip_cells(pd.DataFrame(data, columns=cols, index=index,
                                                    dtype=object))
                    data, index = [], []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise fail(exc) from None
        if data:
            yield _strip_cells(pd.DataFrame(data, columns=cols, index=index, dtype=object))
        stream.close()

    rest = chunks()
    first = next((c for c in rest if not c.empty), None)
    if first is None:
        stream.close()
        raise DatasetError("the table has a header but no data rows", path=path)
    _set_decimal(fmt, first, decimal)
    return TableStream(fmt, cols, first, rest, stream.close)


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
    title rows above it, and choose the sheet of a workbook with several (the one whose
    header matches most; the choice is in ``format.notes``). UTF-16 files (Excel's
    "Unicode text") are recognised by their byte-order mark. For large CSVs use
    :func:`open_table`, which streams.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("DATA SENTRA\\nkomoditas;tenaga_kerja\\nkopi;3\\n")
    >>> frame, fmt = read_table(p)
    >>> frame.to_dict("index"), fmt.sep, fmt.header_row
    ({3: {'komoditas': 'kopi', 'tenaga_kerja': '3'}}, ';', 1)
    """
    with open_table(path, sep=sep, decimal=decimal, encoding=encoding, sheet=sheet,
                    header_hint=header_hint) as table:
        parts = list(table)
        frame = parts[0] if len(parts) == 1 else pd.concat(parts)
        return frame, table.format


def _read_sheet(path: Path, sheet: str | None, hint: set[str] | None,
                fmt: TableFormat, section: str | None = None) -> pd.DataFrame:
    """The table of one sheet (given, or the best of several) as strings, with spreadsheet
    row numbers as index; the choice and hidden rows go to ``fmt``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pd.ExcelFile(path) as xl:
                names = [str(n) for n in xl.sheet_names]
                if sheet:
                    wanted = [n for n in names if n == sheet] or [
                        n for n in names if n.strip().casefold() == sheet.strip().casefold()]
                    if not wanted:
                        raise DatasetError(
                            f"no sheet '{sheet}' (sheets: "
                            f"{', '.join(repr(n) for n in names)})", path=path, field="sheet")
                else:
                    wanted = names
                books = {n: xl.parse(xl.sheet_names[names.index(n)], header=None, dtype=str)
                         .fillna("") for n in wanted}
    except DatasetError:
        raise
    except Exception as exc:
        raise DatasetError(f"cannot read the spreadsheet: {exc}", path=path) from None
    fmt.sheets = names
    filled = {n: b for n, b in books.items()
              if not b.empty and (b.astype(str) != "").to_numpy().any()}
    if not filled:
        raise DatasetError("the sheet has no rows" if len(books) == 1 else
                           f"none of the {len(books)} sheets has rows", path=path)
    headers = {n: _find_header(b, hint) for n, b in filled.items()}
    if sheet:
        name = next(iter(filled))
    else:
        name = max(filled, key=lambda n: headers[n][1] if hint else 0)  # first on ties
        if len(names) > 1:
            fmt.guessed["sheet"] = name
            why = ("its header has the most known column names" if hint and headers[name][1]
                   else "the first sheet with data")
            others = ", ".join(f"'{n}'" for n in names if n != name)
            fmt.notes.append((f"the workbook has {len(names)} sheets; sheet '{name}' was read "
                              f"({why}); the others ({others}) were not. Set sheet = "
                              f"\"<name>\" {'under ' + section + ' ' if section else ''}in "
                              "dataset.toml to read another", "sheet"))
    fmt.sheet = name
    book = filled[name]
    header = headers[name][0]
    fmt.header_row = header
    frame = book.iloc[header + 1 :].copy()
    frame.columns = _unique_columns(book.iloc[header].tolist())
    frame.index = np.arange(header + 2, header + 2 + len(frame))  # spreadsheet row numbers
    hidden = [r for r in hidden_rows(path, name) if r > header + 1]
    if hidden:
        frame_rows = set(frame.index[(frame != "").any(axis=1)])
        hidden = [r for r in hidden if r in frame_rows]
    if hidden:
        fmt.hidden_rows = hidden
        shown = ", ".join(map(str, hidden[:8])) + (" ..." if len(hidden) > 8 else "")
        fmt.notes.append((f"{len(hidden)} hidden row(s) of sheet '{name}' (rows {shown}) were "
                          "read as data like the others: hidden is not deleted. Delete the rows "
                          "to leave them out", None))
    return frame


def hidden_rows(path: str | Path, sheet: str) -> list[int]:
    """Spreadsheet row numbers (1-based) hidden in ``sheet`` of an .xlsx/.xlsm workbook.

    Read from the sheet's XML as a stream (the workbook is not loaded); an .xls file, or a
    workbook that cannot be read so, gives ``[]``.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> wb = Workbook(); ws = wb.active; ws.title = "Data"
    >>> for r in range(4): ws.append([r])
    >>> ws.row_dimensions[3].hidden = True
    >>> p = Path(tempfile.mkdtemp()) / "t.xlsx"; wb.save(p)
    >>> hidden_rows(p, "Data")
    [3]
    """
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as z:
            wb = ET.fromstring(z.read("xl/workbook.xml"))
            rid = next((s.get(f"{rel_ns}id") for s in wb.iter(f"{main}sheet")
                        if s.get("name") == sheet), None)
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
            if target is None:
                return []
            member = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
            out = []
            with z.open(member) as fh:
                for _, el in ET.iterparse(fh, events=("end",)):
                    if el.tag == f"{main}row":
                        if el.get("hidden") in ("1", "true") and el.get("r"):
                            out.append(int(el.get("r")))
                        el.clear()
            return out
    except Exception:  # a diagnostic only: never fail the read for it
        return []


def _unique_columns(names: list[object]) -> list[str]:
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, n in enumerate(names):
        text = str(n).strip() if n is not None else ""
        name = text if text not in ("", "nan") else f"col{i + 1}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _find_header(book: pd.DataFrame, hint: set[str] | None) -> tuple[int, int]:
    """The header row of a sheet (0-based, among the first 15) and how many of its cells
    match ``hint`` (or are filled, without a hint)."""
    best, best_hits = 0, -1
    for i in range(min(15, len(book))):
        cells = [column_key(c) for c in book.iloc[i].tolist() if str(c).strip()]
        if hint:
            hits = sum(any(c == h or c.startswith(h) for h in hint) for c in cells)
        else:
            hits = len(cells)
        if hits > best_hits:
            best, best_hits = i, hits
    return best, best_hits


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
