"""Finding the tables of a grid: the kind of each row (title, header, column numbers, data,
footer), then blocks of title rows, header band (1-3 rows) and body rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unggulan.base.names import fold
from unggulan.io.statistics.cells import (
    cell_text,
    is_blank,
    norm_ws,
    per_value,
    valueish,
    year_of_cell,
)
from unggulan.io.statistics.grids import Grid
from unggulan.io.statistics.model import StatisticsOptions
from unggulan.io.statistics.words import HEADERISH_WORDS, TOTAL_LABELS, tokens

#: the first cell of a footer row (source, notes, footnotes)
FOOTER = re.compile(
    r"^\s*(sumber|source|catatan|note|notes|keterangan|ket\s*[.:]|remarks?|footnote|"
    r"\*|\d{1,2}\)\s|[a-z]\)\s|angka sementara|angka sangat sementara|preliminary|"
    r"data diolah|diolah dari)", re.IGNORECASE)
_NUMROW_CELL = re.compile(r"^[(\[]?(\d{1,2})[)\]]?$")
_YEAR_CELL = re.compile(r"\s*(?:19|20)\d{2}(?:\.0+)?\s*\**\s*")


def _year_like(v: object) -> int | None:
    if isinstance(v, str) and not _YEAR_CELL.fullmatch(v):
        return None
    return year_of_cell(v)


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


def _data_cell(v: object) -> bool:
    """A cell that makes its row a data row whatever the other cells are: a number (or none
    marker) that is not a year and cannot be a column number, so the row is neither a
    column-number row nor a year header (see :func:`_row_kind`)."""
    if not valueish(v) or _year_like(v):
        return False
    if isinstance(v, str):
        return not _NUMROW_CELL.match(v.strip())
    return not (isinstance(v, int | float) and float(v).is_integer())


def row_kinds(rows: list[list[object]]) -> list[str]:
    """:func:`_row_kind` of each row; a row with a :func:`_data_cell` is data at once (the
    rows of a big table: its first cell, a code or a number, is usually one, and codes
    repeat, so each distinct cell is looked at once)."""
    data_cell = per_value(_data_cell)
    return ["data" if any(map(data_cell, r)) else _row_kind(r) for r in rows]


def _row_kind(cells: list[object]) -> str:
    # the non-blank cells (is_blank, text first: most cells are)
    ne = [v for v in cells if (v.strip() if v.__class__ is str else not is_blank(v))]
    if not ne:
        return "empty"
    if _is_numrow(ne):
        return "numrow"
    is_val = [valueish(v) for v in ne]
    vals = [v for v, x in zip(ne, is_val) if x]
    texts = [v for v, x in zip(ne, is_val) if not x]
    if not vals and isinstance(ne[0], str) and FOOTER.match(ne[0]):
        return "footer"
    if vals:
        all_years = all(_year_like(v) for v in vals)
        if all_years and len(vals) == 1 and len(texts) == 1 and isinstance(texts[0], str) \
                and _titleish([texts[0]], 0):
            return "title"       # "Produksi Padi Menurut Kecamatan", " 2023" split by a CSV
        if all_years:
            headerish = any(tokens(cell_text(t)) and set(tokens(cell_text(t))) <=
                            HEADERISH_WORDS for t in texts)
            if headerish or (not texts and len(vals) >= 2):
                return "yearhead"
        return "data"
    if len(ne) == 1:
        return "title"
    return "text"


@dataclass
class Block:
    """One table of a grid as row indices (0-based) into ``Grid.rows``."""

    titles: list[int]
    header: list[int]
    body: list[int]
    footers: list[int] = field(default_factory=list)


def _first_col(cells: list[object]) -> int:
    return next((j for j, v in enumerate(cells) if not is_blank(v)), 0)


def _label_only_ok(v: object) -> bool:
    if not isinstance(v, str):
        return False
    t = norm_ws(v)
    return 0 < len(t) <= 50 and len(t.split()) <= 5 and not t.endswith(":") and \
        not re.search(r"[.!?;]\s", t)


def _titleish(cells: list[object], table_col: int) -> bool:
    """A title line split by the CSV separator: "Produksi Padi Menurut Kecamatan, 2023"."""
    ne = [(j, v) for j, v in enumerate(cells) if not is_blank(v)]
    if not ne or len(ne) > 2 or ne[0][0] > table_col or not isinstance(ne[0][1], str):
        return False
    text = norm_ws(ne[0][1])
    return len(text) >= 30 or bool(re.match(r"(?i)^(tabel|table)\s+\d", text))


def _header_band(pending: list[int], kinds: list[str], grid: Grid, first_data: int,
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


def split_tables(grid: Grid, opts: StatisticsOptions) -> list[Block]:
    """The tables of a grid, top to bottom: each a run of data rows with the title and
    header rows above it and its footer rows (see the package docstring, "Tables")."""
    kinds = row_kinds(grid.rows)
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
    blocks: list[Block] = []
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
            if fold(cell_text(last)) not in TOTAL_LABELS:
                body.extend(trailing)
                trailing = []
        blocks.append(Block(titles, header, body))
        if trailing:
            j = trailing[0]
        pending = []
        i = j
    if blocks and pending:
        blocks[-1].footers.extend(pending)
    return blocks
