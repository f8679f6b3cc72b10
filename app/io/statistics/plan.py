"""The plan of one table: the role of each column (area, code, year, commodity, unit,
measure, level, value, total ...), each value column's measure, commodity, unit and year
from its header, and the table's layout (``wide`` or ``long``)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import numpy as np

from unggulan.base.names import column_key, fold
from unggulan.base.problems import Problem
from unggulan.io.statistics.areas import CODE_PREFIX, code_like, title_areas
from unggulan.io.statistics.cells import (
    COLUMNAR_CELLS,
    SERIAL_FIRST,
    SERIAL_LAST,
    cell_text,
    is_blank,
    norm_ws,
    valueish,
    year_of_cell,
    year_of_serial,
)
from unggulan.io.statistics.grids import Grid
from unggulan.io.statistics.model import LEVEL_RANK, StatisticsOptions
from unggulan.io.statistics.tables import FOOTER, Block
from unggulan.io.statistics.words import (
    AREA_WORDS,
    CODE_WORDS,
    COMMODITY_WORDS,
    GENERIC_VALUE_WORDS,
    LEVEL_COL_KEYS,
    MEASURE_COL_KEYS,
    META_KEYS,
    NUMBER_KEYS,
    UNIT_KEYS,
    YEAR_WORDS,
    row_level,
    tokens,
)
from unggulan.io.units import Unit, parse_unit, split_bilingual, split_header


@dataclass
class Column:
    """One column of a table: its header and what the plan makes of it."""

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
class Plan:
    """How to read one table: its columns' roles, layout, and what was guessed or is wrong
    (``skip``: the table is not read, ``problems`` say why)."""

    grid: Grid
    block: Block
    titles: list[str]
    cols: list[Column]
    layout: str = "wide"
    area: Column | None = None
    code: Column | None = None
    year_col: Column | None = None
    commodity_col: Column | None = None
    unit_col: Column | None = None
    values: list[Column] = field(default_factory=list)
    measure_col: Column | None = None     # long tables: the measure of each row
    level_col: Column | None = None       # long tables: the area level of each row
    lower_area: Column | None = None      # the area column of the rows at the lower level
    table_col: Column | None = None       # long tables: the table (number, title) of each row
    area_from_title: str | None = None
    guessed: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skip: bool = False


def _header_parts(grid: Grid, header: list[int]) -> dict[int, list[str]]:
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
            if (r, c) in covered or not is_blank(row[c]):
                continue
            if not is_blank(row[c - 1]) and not is_blank(bottom[c]) and \
                    not is_blank(bottom[c - 1]):
                row[c] = row[c - 1]
    parts: dict[int, list[str]] = {}
    for c in range(width):
        ps: list[str] = []
        for r in header:
            t = norm_ws(cell_text(filled[r][c]))
            if t and (not ps or ps[-1].casefold() != t.casefold()):
                ps.append(t)
        parts[c] = ps
    return parts


def _match_option(cols: list[Column], name: str) -> Column | None:
    key = column_key(name)
    for c in cols:
        if column_key(c.text) == key or any(column_key(p) == key for p in c.parts):
            return c
    for c in cols:
        if any(column_key(p) == key for p in split_bilingual(c.text)):
            return c
    return None


def _describe_value_col(col: Column) -> None:
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


def plan_table(grid: Grid, block: Block, path: Path, opts: StatisticsOptions) -> Plan:
    """How to read one table of ``grid``: the role of each column (options first, then row
    numbers, provenance, year, unit, area and code, commodity, values), then each value
    column's measure, commodity, unit and year from its header. ``plan.skip`` (and a warning
    in ``plan.problems``) when the table cannot be read."""
    body_rows = [grid.rows[r] for r in block.body]
    plan = Plan(grid, block, _titles(grid, block), _columns(grid, block, body_rows))
    if block.header:
        plan.guessed["header"] = (f"{len(block.header)} row(s) from row "
                                  f"{grid.numbers[block.header[0]]}")
    else:
        plan.guessed["header"] = "none (the table starts with numbers)"
    survey = _Survey(body_rows, _column_stats(plan.cols, body_rows))
    if not _columns_named_by_options(plan, opts, path):
        return plan
    _number_columns(plan, survey)
    meta = _provenance_measure_level_columns(plan, survey)
    _year_column(plan, survey)
    _unit_column(plan, survey)
    area = _area_and_code_columns(plan, survey)
    area, commodity = _commodity_column(plan, survey, area)
    if commodity is not None:
        commodity.role = "commodity"
        plan.commodity_col = commodity
        plan.layout = "long"
    if area is None and not _area_from_title(plan, path, commodity):
        return plan
    plan.area = area
    plan.year_col = next((c for c in plan.cols if c.role == "year"), None)
    plan.unit_col = next((c for c in plan.cols if c.role == "unit"), None)
    _value_columns(plan, survey, opts, meta)
    if not plan.values:
        plan.problems.append(Problem("warning", str(path), sheet_prefix(grid) +
                                     "no value columns (numbers) found; table skipped"))
        plan.skip = True
    return plan


def _titles(grid: Grid, block: Block) -> list[str]:
    """The table's title rows as text (footer-like lines left out)."""
    titles = [" ".join(norm_ws(cell_text(v)) for v in grid.rows[r] if not is_blank(v))
              for r in block.titles if grid.rows[r]]
    return [t for t in titles if t and not FOOTER.match(t)]


def _columns(grid: Grid, block: Block, body_rows: list[list[object]]) -> list[Column]:
    """The table's columns with their header parts; empty columns left out, and columns only
    under a group header that overhangs the data."""
    parts = _header_parts(grid, block.header)
    width = len(grid.rows[0])
    cols: list[Column] = []
    for c in range(width):
        ps = parts.get(c, [])
        own = block.header and not is_blank(grid.rows[block.header[-1]][c])
        overhang = bool(ps) and c > 0 and parts.get(c - 1, [None])[:1] == ps[:1]
        if all(is_blank(row[c]) for row in body_rows) and (not ps or (not own and overhang)):
            continue       # empty, or only under a group header that overhangs the data
        cols.append(Column(c, " / ".join(ps) if ps else f"col{c + 1}", ps))
    return cols


def _column_stats(cols: list[Column], body_rows: list[list[object]]) -> dict[int, dict]:
    """Per column (by index) the counts of its non-blank body cells: all (``n``), values,
    text, years, Excel date serials, area codes and distinct texts."""
    stats = {}
    for col in cols:
        # each distinct cell (by type and value) looked at once, counted as often as it occurs
        try:
            by_value = Counter(map(itemgetter(col.idx), body_rows))
            if all(v.__class__ is str for v in by_value):
                counts = [(v, times) for v, times in by_value.items() if v.strip()]
            else:   # 1, 1.0 and True are one key of by_value, and NaN several
                typed = Counter((v.__class__, v) for v in (row[col.idx] for row in body_rows)
                                if not is_blank(v))
                counts = [(v, times) for (_cls, v), times in typed.items()]
        except TypeError:   # an unhashable cell: each cell on its own
            counts = [(v, 1) for v in (row[col.idx] for row in body_rows) if not is_blank(v)]
        n = n_val = n_year = n_serial = n_code = 0
        texts = set()
        if len(counts) >= COLUMNAR_CELLS and all(v.__class__ is str for v, _t in counts):
            (n, n_val, n_year, n_serial, n_code), counts = _plain_counts(counts, texts)
        for v, times in counts:
            n += times
            n_val += times if valueish(v) else 0
            n_year += times if year_of_cell(v) is not None else 0
            n_serial += times if year_of_serial(v) is not None else 0
            n_code += times if code_like(v) else 0
            texts.add(cell_text(v).strip())
        stats[col.idx] = {
            "n": n, "val": n_val, "text": n - n_val, "year": n_year, "serial": n_serial,
            "code": n_code, "distinct": len(texts),
        }
    return stats


#: the plain numbers (ASCII digits, at most one separator between digits) of a column
_PLAIN = r"^[0-9]+(?:[.,][0-9]+)?$"


def _plain_counts(counts: list[tuple[str, int]], texts: set
                  ) -> tuple[tuple[int, int, int, int, int], list[tuple[str, int]]]:
    """The counts of :func:`_column_stats` (all, values, years, serials, codes) over the
    plain numbers among a column's distinct text cells, found in one columnar pass (Arrow;
    the whole-text patterns of ``year_of_cell``, ``year_of_serial`` and ``code_like`` as
    they apply to such text, ASCII digits for ``\\d``), their texts added to ``texts``;
    and the other cells, for the cell-by-cell count. A plain number is always a value."""
    import pyarrow as pa  # (pandas has imported it)
    import pyarrow.compute as pc

    values = [v for v, _t in counts]
    try:
        arr = pa.array(values, type=pa.string())
    except (pa.ArrowException, TypeError, UnicodeError):
        return (0, 0, 0, 0, 0), counts
    plain = pc.match_substring_regex(arr, _PLAIN).to_numpy(zero_copy_only=False)
    times = np.fromiter((t for _v, t in counts), dtype=np.int64, count=len(counts))[plain]
    sub = pc.filter(arr, pa.array(plain))

    def share(pattern: str) -> np.ndarray:
        return pc.match_substring_regex(sub, pattern).to_numpy(zero_copy_only=False)

    year = share(r"^(?:19|20)[0-9]{2}(?:\.0+)?$")
    serial = share(r"^[0-9]{5}(?:\.0+)?$").copy()   # (Arrow's array may be read-only)
    if serial.any():
        first5 = np.array([int(v[:5]) for v in sub.filter(pa.array(serial)).to_pylist()])
        serial[serial] = (first5 >= SERIAL_FIRST) & (first5 <= SERIAL_LAST)
    code = share(CODE_PREFIX.pattern.replace("\\d", "[0-9]"))
    total = int(times.sum())
    texts.update(sub.to_pylist())
    rest = [counts[i] for i in np.flatnonzero(~plain).tolist()]
    return (total, total, int(times[year].sum()), int(times[serial].sum()),
            int(times[code].sum())), rest


@dataclass
class _Survey:
    """The body cells of a table and their counts per column, for the role guesses."""

    body_rows: list[list[object]]
    stats: dict[int, dict]

    def cells(self, col: Column) -> list[object]:
        return [row[col.idx] for row in self.body_rows]

    def texty(self, col: Column) -> bool:
        s = self.stats[col.idx]
        return s["n"] > 0 and s["text"] >= 0.5 * s["n"]


def _unassigned(plan: Plan) -> list[Column]:
    return [c for c in plan.cols if not c.role]


def _columns_named_by_options(plan: Plan, opts: StatisticsOptions, path: Path) -> bool:
    """The roles the options give (``area_column`` ...); False (table skipped) when an option
    names no column of the table."""
    for opt, role in (("area_column", "area"), ("year_column", "year"),
                      ("commodity_column", "commodity"), ("unit_column", "unit"),
                      ("value_column", "value")):
        name = getattr(opts, opt)
        if not name:
            continue
        col = _match_option(plan.cols, name)
        if col is None:
            plan.problems.append(Problem("warning", str(path), sheet_prefix(plan.grid) +
                                         f"no column '{name}' (option '{opt}'); table skipped"))
            plan.skip = True
            return False
        col.role = role
        plan.guessed[opt] = f"option: '{col.text}'"
    return True


def _number_columns(plan: Plan, survey: _Survey) -> None:
    """Row numbers ("No")."""
    for col in _unassigned(plan):
        s = survey.stats[col.idx]
        if column_key(col.text) in NUMBER_KEYS and s["val"] == s["n"]:
            col.role = "number"


def _provenance_measure_level_columns(plan: Plan, survey: _Survey) -> list[str]:
    """Provenance columns (page, note, source ...: ignored, their headers returned; a table
    column names each row's table) and a long table's measure and level columns."""
    g = plan.guessed
    meta: list[str] = []
    for col in _unassigned(plan):
        key = column_key(col.text)
        if key in META_KEYS:
            col.role = "text"
            if key in ("table", "tabel", "judul", "title", "table_no", "no_tabel") and \
                    plan.table_col is None:
                plan.table_col = col
            meta.append(col.text)
        elif key in MEASURE_COL_KEYS and survey.texty(col):
            col.role = "measure"
            plan.measure_col = col
            g["measure_column"] = f"'{col.text}'"
        elif key in LEVEL_COL_KEYS and survey.texty(col) and all(
                row_level(v) for v in survey.cells(col) if not is_blank(v)):
            col.role = "level"
            plan.level_col = col
            g["level_column"] = f"'{col.text}'"
    return meta


def _year_column(plan: Plan, survey: _Survey) -> None:
    """A column of years (or of Excel date serials) under a year header word."""
    if any(c.role == "year" for c in plan.cols):
        return
    g = plan.guessed
    for col in _unassigned(plan):
        s = survey.stats[col.idx]
        toks = set(tokens(col.text))
        if s["n"] and s["year"] >= 0.8 * s["n"] and (toks & YEAR_WORDS or not col.parts):
            col.role = "year"
            g["year_column"] = f"'{col.text}' (header word and year values)"
            return
        if s["n"] and s["serial"] >= 0.8 * s["n"] and toks & YEAR_WORDS:
            col.role = "year"
            col.serial = True
            g["year_column"] = (f"'{col.text}' (header word; its cells are Excel date "
                                "numbers, read as their years)")
            return


def _unit_column(plan: Plan, survey: _Survey) -> None:
    """A column of units ("Satuan")."""
    if any(c.role == "unit" for c in plan.cols):
        return
    for col in _unassigned(plan):
        if (column_key(col.text) in UNIT_KEYS or "satuan" in tokens(col.text)) and \
                (survey.texty(col) or survey.stats[col.idx]["n"] == 0):
            col.role = "unit"
            plan.guessed["unit_column"] = f"'{col.text}'"
            return


def _scored_area_columns(plan: Plan, survey: _Survey) -> list[tuple[int, Column, str]]:
    """Candidate area columns, best first: (score, column, "name" or "code")."""
    scored = []
    for col in _unassigned(plan):
        toks = tokens(col.text)
        words = [t for t in toks if t in AREA_WORDS]
        is_code_word = bool(set(toks) & CODE_WORDS)
        s = survey.stats[col.idx]
        codes = s["n"] and s["code"] >= 0.8 * s["n"]
        if is_code_word and s["n"] and not codes and all(
                re.fullmatch(r"\d[\d.]*", cell_text(v).strip())
                for v in survey.cells(col) if not is_blank(v)):
            codes = True      # short codes ("010", the kecamatan part of a BPS code)
        if words and is_code_word and codes:
            scored.append((2, col, "code"))
        elif words and survey.texty(col):
            level_word = any(AREA_WORDS[w] for w in words)
            scored.append((4 if level_word else 3, col, "name"))
        elif is_code_word and codes:
            scored.append((1, col, "code"))
        elif codes and s["n"] and all(
                re.fullmatch(r"\d{2}(\.\d{1,4}){2,3}|\d{6,10}", cell_text(v).strip())
                for v in survey.cells(col) if not is_blank(v)):
            scored.append((1, col, "code"))
    scored.sort(key=lambda x: (-x[0], x[1].idx))
    return scored


def _area_and_code_columns(plan: Plan, survey: _Survey) -> Column | None:
    """The area (name) column, the code column, and beside a level column the area column
    of the lower level's rows; returns the area column (None: not found yet)."""
    g = plan.guessed
    area = next((c for c in plan.cols if c.role == "area"), None)
    scored = _scored_area_columns(plan, survey)
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
            own = AREA_WORDS.get(next((t for t in tokens(area.text) if t in AREA_WORDS), ""))
            for _sc, col, kind in scored:
                lv = next((AREA_WORDS[t] for t in tokens(col.text) if AREA_WORDS.get(t)),
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
    return area


def _commodity_column(plan: Plan, survey: _Survey, area: Column | None
                      ) -> tuple[Column | None, Column | None]:
    """A long table's commodity column (by header word, else a text column repeating across
    areas), and the first text column as the area when none was found: (area, commodity)."""
    g = plan.guessed
    commodity = next((c for c in plan.cols if c.role == "commodity"), None)
    if commodity is None:
        for col in _unassigned(plan):
            if set(tokens(col.text)) & COMMODITY_WORDS and survey.texty(col):
                commodity = col
                g["commodity_column"] = f"'{col.text}' (header word)"
                break
    if area is None:
        text_cols = [c for c in _unassigned(plan) if survey.texty(c) and c is not commodity]
        if text_cols:
            area = text_cols[0]
            area.role = "area"
            g["area_column"] = f"'{area.text}' (first text column)"
    if commodity is None and area is not None:
        # a long table whose commodity column has an unknown header: a text column repeating
        # across areas, beside a few numeric columns that name no commodity themselves
        stats = survey.stats
        s_area = stats[area.idx]
        numeric = [c for c in _unassigned(plan) if stats[c.idx]["n"] and
                   stats[c.idx]["val"] >= 0.5 * stats[c.idx]["n"]]
        generic = len(numeric) <= 3 and all(
            split_header(c.text).commodity is None
            or fold(split_header(c.text).commodity) in GENERIC_VALUE_WORDS for c in numeric)
        for col in _unassigned(plan) if generic and numeric else []:
            s = stats[col.idx]
            if survey.texty(col) and 2 <= s["distinct"] <= 0.5 * s["n"] and \
                    s_area["distinct"] < s_area["n"] and \
                    column_key(col.text) not in ("keterangan", "ket", "catatan", "remarks"):
                commodity = col
                g["commodity_column"] = f"'{col.text}' (repeating text)"
                break
    return area, commodity


def _area_from_title(plan: Plan, path: Path, commodity: Column | None) -> bool:
    """A table of commodities without an area column takes its area from the title; False
    (table skipped) when there is none."""
    places = title_areas(plan.titles)
    if places and commodity is not None:
        level, name = max(places, key=lambda p: LEVEL_RANK[p[0]])
        plan.area_from_title = name
        plan.guessed["area"] = f"title: '{name}' ({level}); the rows are commodities"
        plan.guessed["area_level"] = f"{level} (title)"
        return True
    plan.problems.append(Problem("warning", str(path), sheet_prefix(plan.grid) +
                                 "no area column found (name it with 'area_column'); "
                                 "table skipped"))
    plan.skip = True
    return False


def _value_columns(plan: Plan, survey: _Survey, opts: StatisticsOptions,
                   meta: list[str]) -> None:
    """The columns of numbers left are value columns (a long table keeps the one named like
    "Nilai" when there are several, or the ``value_column`` option's); the others are
    ignored. Each value column is described from its header; ``plan.values`` is set."""
    g = plan.guessed
    cols = plan.cols
    for col in _unassigned(plan):
        s = survey.stats[col.idx]
        if s["n"] == 0 or s["val"] >= 0.5 * s["n"]:
            col.role = "value"
    if plan.layout == "long" and not opts.value_column:
        vals = [c for c in cols if c.role == "value"]
        named = [c for c in vals if column_key(c.text) in GENERIC_VALUE_WORDS]
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
    ignored = meta + [c.text for c in _unassigned(plan)]
    for c in _unassigned(plan):
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


def sheet_prefix(grid: Grid) -> str:
    """"sheet 'X': " to start a problem's message with, or "" for a CSV."""
    return f"sheet '{grid.sheet}': " if grid.sheet else ""
