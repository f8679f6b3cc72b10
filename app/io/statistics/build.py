"""A planned table turned into a :class:`~unggulan.io.statistics.model.StatTable`: each value
column's measure and unit settled, each row's area, year, commodity and unit, then one
record per value cell, the total rows dropped and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import column_key, fold
from unggulan.base.problems import Problem
from unggulan.io.statistics.areas import code_of_cell, guess_level, split_area
from unggulan.io.statistics.cells import (
    cell_text,
    is_blank,
    norm_ws,
    parse_cells,
    per_value,
    year_of_cell,
    year_of_serial,
)
from unggulan.io.statistics.context import table_context
from unggulan.io.statistics.model import (
    LEVELS,
    RECORD_COLUMNS,
    TEXT_COLUMNS,
    TOTAL_TOLERANCE_ABS,
    TOTAL_TOLERANCE_REL,
    UNKNOWN_UNIT,
    StatisticsOptions,
    StatTable,
)
from unggulan.io.statistics.plan import Column, Plan, sheet_prefix
from unggulan.io.statistics.totals import (
    check_commodity_totals,
    check_total_columns,
    check_totals,
    total_rows,
)
from unggulan.io.statistics.words import AREA_WORDS, TOTAL_LABELS, row_level, tokens
from unggulan.io.units import (
    CANONICAL_UNIT,
    MEASURES,
    RATIO_MEASURES,
    Unit,
    compatible,
    parse_unit,
    split_header,
)

_MAX_CELL_PROBLEMS = 20
_TOTAL_START = re.compile(r"^(jumlah|total)\b")
_UNIT_REQUIRED = frozenset({"production", "value", "productivity"})


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


@dataclass
class _Notes:
    """Where one table's messages go: its file, the sheet prefix, the problems and the
    guesses (``guessed``) found while building it."""

    fname: str
    where: str
    problems: list[Problem]
    guessed: dict[str, str]

    def add(self, level: str, message: str, **at) -> None:
        """A problem of ``level`` (``row``/``field`` in ``at``), its message after the sheet."""
        self.problems.append(Problem(level, self.fname, self.where + message, **at))


@dataclass
class _Rows:
    """What each body row says besides its values (lists in body order)."""

    splits: list[tuple[str, str | None, str | None]]   # area (raw, code, label)
    codes: list[str | None]
    total_rank: list[int]           # 0 not a total, 1 subtotal, 2 total, average
    labels: list[str]
    years: list[int | None]
    commodities: list[str | None]   # long tables
    commodity_total: list[bool]     # long tables: the commodity is "Jumlah"/"Total"
    units: list[Unit | None]
    unit_raw: list[str | None]
    measures: list[str | None]


def build_tables(plan: Plan, path: Path, opts: StatisticsOptions, decimal: str,
                 file_guessed: dict[str, str]) -> list[StatTable]:
    """The StatTable of a planned table (one per area level when a level column splits it):
    value columns settled, each row described, one record per value cell, total rows
    dropped and checked."""
    grid, body = plan.grid, plan.block.body
    g = dict(file_guessed)
    g.update(plan.guessed)
    notes = _Notes(str(path), sheet_prefix(grid), list(plan.problems), g)
    ctx = table_context(plan, path, opts)
    mapping = {column_key(k): v for k, v in (opts.commodities or {}).items()}
    if opts.measure and opts.measure not in MEASURES:
        raise DatasetError(f"unknown measure '{opts.measure}' (one of {', '.join(MEASURES)})",
                           path=path, field="measure")
    _settle_value_columns(plan, ctx, mapping, notes)

    # ---- areas and their level (guessed before merged cells are filled down)
    row_levels, row_parents = _rows_by_level(plan)
    splits, codes = _areas(plan, grid.rows)
    level, level_src = guess_level(plan, opts, path, splits, codes, ctx)
    if level_src:
        g.setdefault("area_level", f"{level} ({level_src})")
    rows = _filled_rows(plan)
    if plan.area is not None and rows is not grid.rows and \
            any(rows[r] is not grid.rows[r] for r in body):
        splits, codes = _areas(plan, rows)      # merged cells filled down: read again

    # ---- total rows, blank areas, and each row's year, commodity, measure and unit
    total_rank, labels = total_rows(plan, rows, splits, level, ctx, decimal)
    if plan.area_from_title is None:
        drops = [k for k, t in enumerate(total_rank) if t]
        if drops:
            g["total_rows"] = ", ".join(f"row {grid.numbers[body[k]]} '{labels[k]}'"
                                        for k in drops)
    _fill_down_areas(plan, splits, codes, total_rank, notes)
    years, table_year = _row_years(plan, rows, total_rank, ctx, notes)
    commodities, commodity_total, units, unit_raw = _row_commodities(plan, rows, mapping)
    measures = _row_measures(plan, rows, units, unit_raw, notes)
    _row_units(plan, rows, units, unit_raw, notes)
    facts = _Rows(splits, codes, total_rank, labels, years, commodities, commodity_total,
                  units, unit_raw, measures)

    # ---- value cells -> records; total rows dropped and checked
    frame, flags, ranks, ctot = _records(plan, rows, facts, decimal, table_year, notes)
    records, totals = _drop_and_check_totals(plan, frame, flags, ranks, ctot, labels, notes)
    notes.problems.extend(check_total_columns(plan, rows, body, total_rank, decimal,
                                              notes.fname, notes.where, grid))
    if plan.layout == "wide" and any(c.role == "total" for c in plan.cols):
        g["total_columns"] = ", ".join(f"'{c.text}'" for c in plan.cols if c.role == "total")
    area_col = plan.area
    table = StatTable(
        file=notes.fname, sheet=grid.sheet, title="\n".join(plan.titles) or None,
        layout=plan.layout, area_column=area_col.text if area_col is not None else "",
        area_level=level, year=table_year,
        year_column=plan.year_col.text if plan.year_col is not None else None,
        records=records, totals=totals, problems=notes.problems, guessed=g)
    table.parents = {k: v for k, v in row_parents.items() if v} or None
    return _split_levels(table, row_levels) if row_levels else [table]


def _settle_value_columns(plan: Plan, ctx: dict, mapping: dict[str, str],
                          notes: _Notes) -> None:
    """Each value column's measure and unit (its header's, else the table's), its commodity
    in a wide table (header, title, the ``commodities`` option; an empty name drops the
    column) and whether it is a ratio."""
    g = notes.guessed
    table_measure = ctx.get("measure")
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
        notes.add("warning", f"what {len(unknown)} column(s) count is not stated (production, "
                  "harvested area, ...): read as 'other'; set 'measure' for this file",
                  field=unknown[0] if len(unknown) == 1 else None)
    measures_seen = sorted({c.measure or "other" for c in plan.values})
    srcs = sorted({c.measure_src for c in plan.values if c.measure_src})
    g["measure"] = ", ".join(measures_seen) + (f" (from {', '.join(srcs)})" if srcs else "")


def _rows_by_level(plan: Plan) -> tuple[dict[int, str | None] | None, dict[int, str | None]]:
    """A long table of several levels: each row's level (by row number) from its level cell;
    a row of the lower level takes its area from the lower area column ("desa" beside
    "kecamatan"; its ``grid.rows`` row is replaced), and its higher area is its parent.
    Returns (levels or None, parents)."""
    grid, area_col = plan.grid, plan.area
    row_parents: dict[int, str | None] = {}
    if plan.level_col is None or area_col is None:
        return None, row_parents
    row_levels: dict[int, str | None] = {}
    low = plan.lower_area
    low_lv = next((AREA_WORDS[t] for t in tokens(low.text) if AREA_WORDS.get(t)),
                  None) if low is not None else None
    for r in plan.block.body:
        lv = row_level(grid.rows[r][plan.level_col.idx])
        row_levels[grid.numbers[r]] = lv
        if low is not None and lv == low_lv and not is_blank(grid.rows[r][low.idx]):
            cells_r = list(grid.rows[r])
            row_parents[grid.numbers[r]] = split_area(cells_r[area_col.idx])[2] or None
            cells_r[area_col.idx] = cells_r[low.idx]
            grid.rows[r] = cells_r
    return row_levels, row_parents


def _areas(plan: Plan, rows) -> tuple[list[tuple[str, str | None, str | None]],
                                      list[str | None]]:
    """Each body row's area cell split (raw, code, label), and its code (from the area cell,
    else the code column). ``rows`` is ``grid.rows`` or the filled rows (by row index)."""
    body, area_col = plan.block.body, plan.area
    split = per_value(split_area)
    splits = [split(rows[r][area_col.idx] if area_col is not None else None) for r in body]
    if plan.code is not None:
        code_of = per_value(code_of_cell)
        code_cells = [code_of(rows[r][plan.code.idx]) for r in body]
    else:
        code_cells = [None] * len(body)
    return splits, [s[1] or cc for s, cc in zip(splits, code_cells)]


def _filled_rows(plan: Plan) -> dict[int, list] | list[list]:
    """The body rows (by row index), merged label cells (area, code, year, commodity, unit)
    filled down from the merge's top cell: the grid's own rows when it has no merged cells
    (a CSV)."""
    grid, body = plan.grid, plan.block.body
    if not grid.merged:
        return grid.rows
    label_idx = {c.idx for c in (plan.area, plan.code, plan.year_col, plan.commodity_col,
                                 plan.unit_col) if c is not None}
    body_pos = {r: k for k, r in enumerate(body)}
    rows = {r: grid.rows[r] for r in body}     # the grid's rows, copied where filled
    for r1, c1, r2, _c2 in grid.merged:
        if c1 not in label_idx or r1 not in body_pos:
            continue
        for r in range(r1 + 1, r2 + 1):
            if r in rows:
                if rows[r] is grid.rows[r]:
                    rows[r] = list(grid.rows[r])
                rows[r][c1] = grid.rows[r1][c1]
    return rows


def _fill_down_areas(plan: Plan, splits: list, codes: list, total_rank: list[int],
                     notes: _Notes) -> None:
    """In long and multi-year tables a blank area cell takes the one above; rows with numbers
    and still no area are a warning."""
    area_col = plan.area
    if area_col is None:
        return
    if plan.layout == "long" or plan.year_col is not None:
        filled_down = 0
        prev = None
        for k in range(len(splits)):
            if not splits[k][0] and not total_rank[k] and prev is not None:
                splits[k] = prev
                codes[k] = prev[1] or codes[k]
                filled_down += 1
            elif splits[k][0]:
                prev = splits[k]
        if filled_down:
            notes.guessed["area_filled_down"] = (f"{filled_down} row(s) with a blank area "
                                                 "took the one above")
    if any(not s[0] and not total_rank[k] for k, s in enumerate(splits)):
        n_blank = sum(not s[0] and not total_rank[k] for k, s in enumerate(splits))
        notes.add("warning", f"{n_blank} row(s) with numbers but no area name",
                  field=area_col.text)


def _row_years(plan: Plan, rows: dict[int, list], total_rank: list[int], ctx: dict,
               notes: _Notes) -> tuple[list[int | None], int | None]:
    """Each row's year from the year column (a blank cell takes the one above), and the
    table's one year when it has no year column (from the context)."""
    grid, body = plan.grid, plan.block.body
    g = notes.guessed
    table_year = ctx.get("year")
    years: list[int | None] = [None] * len(body)
    if plan.year_col is not None:
        prev_y = None
        bad_years = 0
        for k, r in enumerate(body):
            v = rows[r][plan.year_col.idx]
            y = year_of_serial(v) if plan.year_col.serial else year_of_cell(v)
            if y is None and is_blank(v) and prev_y is not None and not total_rank[k]:
                y = prev_y
            elif y is None and not is_blank(v):
                bad_years += 1
                if bad_years <= _MAX_CELL_PROBLEMS:
                    notes.add("warning", f"not a year: '{cell_text(v)}'", row=grid.numbers[r],
                              field=plan.year_col.text)
            years[k] = y
            prev_y = y if y is not None else prev_y
        g["year"] = f"per row from column '{plan.year_col.text}'"
    elif any(c.year for c in plan.values):
        g["year"] = "per column from the header"
    elif table_year is not None:
        g["year"] = f"{table_year[0]} ({table_year[1]})"
    else:
        g["year"] = "unknown"
        notes.add("info", "no year found (no year column, none in the headers, title, sheet "
                  "or file name); set 'year'")
    table_year_value = table_year[0] if table_year is not None and plan.year_col is None \
        else None
    if table_year_value is not None and "year_conflict" in ctx:
        notes.add("warning", ctx["year_conflict"])
    return years, table_year_value


def _row_commodities(plan: Plan, rows: dict[int, list], mapping: dict[str, str]
                     ) -> tuple[list[str | None], list[bool], list[Unit | None],
                                list[str | None]]:
    """A long table's commodity per row (a blank cell takes the one above; renamed by the
    ``commodities`` option), whether it is a total, and a unit written in it."""
    body = plan.block.body
    commodities: list[str | None] = [None] * len(body)
    commodity_total = [False] * len(body)
    row_units: list[Unit | None] = [None] * len(body)
    row_unit_raw: list[str | None] = [None] * len(body)
    if plan.layout != "long":
        return commodities, commodity_total, row_units, row_unit_raw
    assert plan.commodity_col is not None

    def read(text: str) -> tuple[str | None, str | None, Unit | None, bool]:
        info = split_header(text) if text else None
        name = info.commodity if info and info.commodity else (text or None)
        unit_raw = info.unit_raw if info and info.unit_raw else None
        key = column_key(text)
        if mapping and (key in mapping or column_key(name) in mapping):
            name = mapping.get(key, mapping.get(column_key(name))) or None
        fc = fold(name)
        return (name, unit_raw, parse_unit(unit_raw) if unit_raw else None,
                fc in TOTAL_LABELS or bool(_TOTAL_START.match(fc)))

    # a long table repeats its few commodities: each distinct cell read once
    read_cell = per_value(lambda v: (text := norm_ws(cell_text(v)), read(text)))
    idx = plan.commodity_col.idx
    prev_c = None
    for k, r in enumerate(body):
        text, (name, unit_raw, unit, is_total) = read_cell(rows[r][idx])
        if not text and prev_c is not None:
            commodities[k] = prev_c
            continue
        if unit_raw:
            row_unit_raw[k] = unit_raw
            row_units[k] = unit
        commodities[k] = name
        prev_c = name
        commodity_total[k] = is_total
    return commodities, commodity_total, row_units, row_unit_raw


def _row_measures(plan: Plan, rows: dict[int, list], row_units: list[Unit | None],
                  row_unit_raw: list[str | None], notes: _Notes) -> list[str | None]:
    """Each row's measure from a long table's measure column (and a unit written there)."""
    body = plan.block.body
    row_measures: list[str | None] = [None] * len(body)
    if plan.measure_col is None:
        return row_measures
    unknown_m: dict[str, int] = {}
    for k, r in enumerate(body):
        text = norm_ws(cell_text(rows[r][plan.measure_col.idx]))
        if not text:
            continue
        m, u = _measure_of_cell(text)
        row_measures[k] = m
        if u and row_unit_raw[k] is None:
            row_unit_raw[k], row_units[k] = u, parse_unit(u)
        if m is None:
            unknown_m[text] = unknown_m.get(text, 0) + 1
    notes.guessed["measure"] = f"per row from column '{plan.measure_col.text}'"
    for text, n in unknown_m.items():
        notes.add("info", f"measure '{text}' ({n} row(s)) is not one of " + ", ".join(MEASURES)
                  + ": read from the unit, else 'other'", field=plan.measure_col.text)
    return row_measures


def _row_units(plan: Plan, rows: dict[int, list], row_units: list[Unit | None],
               row_unit_raw: list[str | None], notes: _Notes) -> None:
    """Each row's unit from the unit column (over one written in the commodity or measure)."""
    if plan.unit_col is None:
        return
    bad_units: dict[str, int] = {}
    for k, r in enumerate(plan.block.body):
        v = rows[r][plan.unit_col.idx]
        text = norm_ws(cell_text(v))
        if not text:
            continue
        u = parse_unit(text)
        row_unit_raw[k] = text
        row_units[k] = u
        if u is None:
            bad_units[text] = bad_units.get(text, 0) + 1
    for text, n in bad_units.items():
        notes.add("warning", f"unknown unit '{text}' in {n} row(s): values kept as written",
                  field=plan.unit_col.text)


def _records(plan: Plan, rows: dict[int, list], facts: _Rows, decimal: str,
             table_year: int | None, notes: _Notes
             ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """One record per value cell, row by row (total rows included): the frame, which records
    are of total rows and their rank, and which are a long table's total commodity."""
    grid, body = plan.grid, plan.block.body
    out: dict[str, list] = {}
    bad_cells = 0
    assumed: set[tuple[str, str]] = set()
    used = [c for c in plan.values if not c.drop]
    row_units, row_unit_raw = facts.units, facts.unit_raw

    # the measure, unit, factor and ratio of a cell follow from its column and its row's
    # measure and unit: worked out once per combination (below)
    def describe(col: Column, k: int) -> tuple:
        measure = facts.measures[k] or col.measure
        unit = col.unit
        unit_raw_text = unit.raw if unit is not None else None
        if row_units[k] is not None or row_unit_raw[k] is not None:
            unit, unit_raw_text = row_units[k], row_unit_raw[k]
            if measure is None and unit is not None:
                measure = unit.measure
        if unit is not None:
            unit_name, factor = unit.unit, unit.factor
        elif measure is not None and CANONICAL_UNIT.get(measure) and row_unit_raw[k] is None:
            # tonnes, kilograms and kuintal all occur in "production" tables, rupiah in
            # ones, thousands and millions: never assumed. Areas (ha), heads (ekor),
            # units and persons have one usual unit: assumed, and said
            unit_name = UNKNOWN_UNIT if measure in _UNIT_REQUIRED else CANONICAL_UNIT[measure]
            factor = 1.0
            assumed.add((col.text, measure))
        else:
            unit_name, factor = (fold(row_unit_raw[k]) or None) \
                if row_unit_raw[k] else None, 1.0
        ratio = col.ratio or (unit is not None and (unit.unit == "%" or "/" in unit.unit))
        if measure in RATIO_MEASURES:
            ratio = True
        return measure or "other", unit_name, unit_raw_text, factor, bool(ratio)

    # the cells in reading order (row by row), each read once: cell i is of row i // m and
    # of column used[i % m]
    m, n_rows = len(used), len(body)
    body_rows = [rows[r] for r in body]
    raw_cells = [row[c.idx] for row in body_rows for c in used]
    values, statuses, marks = parse_cells(raw_cells, decimal)
    if "bad" in statuses:
        for i in (i for i, st in enumerate(statuses) if st == "bad"):
            bad_cells += 1
            if bad_cells <= _MAX_CELL_PROBLEMS:
                notes.add("warning", f"not a number: '{cell_text(raw_cells[i])}' (kept as "
                          "missing)", row=grid.numbers[body[i // m]], field=used[i % m].text)

    def per_cell(per_row: list) -> list:
        return per_row if m == 1 else [x for x in per_row for _ in range(m)]

    # each distinct (measure, unit, unit text) of the rows described once per column, in
    # reading order: the table of descriptions, and each cell's entry in it
    seen: dict[tuple, int] = {}
    row_code = np.fromiter((seen.setdefault(key, len(seen)) for key in
                            zip(facts.measures, map(id, row_units), row_unit_raw)),
                           dtype=np.int64, count=n_rows)
    firsts = np.unique(row_code, return_index=True)[1] if n_rows else []
    table = [describe(col, int(k)) for k in firsts for col in used]
    cell_code = (np.repeat(row_code * m, m) + np.tile(np.arange(m), n_rows)) if m != 1 \
        else row_code

    def described(j: int, dtype=object) -> np.ndarray:
        return np.array([d[j] for d in table], dtype=dtype)[cell_code] if table else \
            np.empty(0, dtype=dtype)

    from_title = plan.area_from_title
    if from_title is None:
        out["area_raw"] = per_cell([s[0] for s in facts.splits])
        out["area_code"] = per_cell(facts.codes)
        out["area_label"] = per_cell([s[2] for s in facts.splits])
    else:
        n = n_rows * m
        out["area_raw"] = [from_title] * n
        out["area_code"] = [None] * n
        out["area_label"] = [from_title] * n
    out["commodity_raw"] = per_cell(facts.commodities) \
        if plan.layout == "long" else [col.commodity for col in used] * n_rows
    out["measure"] = described(0)
    out["unit"] = described(1)
    out["unit_raw"] = described(2)
    factors = described(3, float)
    out["factor"] = factors
    out["ratio"] = described(4, bool)
    if any(col.year for col in used):
        out["year"] = [col.year or y or table_year for y in facts.years for col in used]
    else:
        out["year"] = per_cell([y or table_year for y in facts.years])
    if any(d[3] != 1 for d in table):
        for i in np.flatnonzero(factors != 1).tolist():
            if statuses[i] == "number":
                values[i] = round(values[i] * table[cell_code[i]][3], 10)
    out["value"] = values
    out["cell"] = [v if v.__class__ is str else cell_text(v) for v in raw_cells]
    out["mark"] = marks
    out["file"] = [notes.fname] * (n_rows * m)
    out["sheet"] = [grid.sheet] * (n_rows * m)
    out["row"] = per_cell([grid.numbers[r] for r in body])
    if plan.table_col is not None:
        # a long table naming each row's source table: that table is where the value is
        tidx = plan.table_col.idx
        tcells = [norm_ws(cell_text(row[tidx])) for row in body_rows]
        out["column"] = [t or col.text for t in tcells for col in used]
    else:
        out["column"] = [col.text for col in used] * n_rows
    ranks = np.repeat(np.asarray(facts.total_rank, dtype=int), m)
    ctot = np.repeat(np.asarray(facts.commodity_total, dtype=bool), m)
    if bad_cells > _MAX_CELL_PROBLEMS:
        notes.add("warning", f"{bad_cells} cells are not numbers (the first "
                  f"{_MAX_CELL_PROBLEMS} are listed)")
    for text, measure in sorted(assumed):
        if measure in _UNIT_REQUIRED:
            notes.add("warning", f"no unit stated for {measure} in column '{text}': unit "
                      f"'{UNKNOWN_UNIT}', left out of LQ and the other comparisons until it is "
                      "stated (dataset.toml [[statistics]] path = ..., unit = \"ton\" or \"kg\" "
                      "...)", field=text)
        else:
            notes.add("info", f"no unit stated for {measure}: assumed "
                      f"{CANONICAL_UNIT[measure]}", field=text)
    # each column made in its final dtype, the frame made once
    years = out["year"]
    out["year"] = pd.array(years if None in years else np.array(years, dtype=np.int64),
                           dtype="Int64")
    out["value"] = np.array(out["value"], dtype=float)
    out["factor"] = np.asarray(out["factor"], dtype=float)
    out["ratio"] = np.asarray(out["ratio"], dtype=bool)
    out["row"] = np.array(out["row"], dtype=int)
    frame = pd.DataFrame({c: pd.Series(out[c], dtype=object) if c in TEXT_COLUMNS
                          else out[c] for c in RECORD_COLUMNS}, columns=RECORD_COLUMNS)
    return frame, ranks != 0, ranks, ctot


def _drop_and_check_totals(plan: Plan, frame: pd.DataFrame, flags: np.ndarray,
                           ranks: np.ndarray, ctot: np.ndarray, labels: list[str],
                           notes: _Notes) -> tuple[pd.DataFrame, list[dict]]:
    """The records without the total rows and total commodities, and the checks of those
    (a warning for each that differs from the sum of its rows)."""
    grid, body = plan.grid, plan.block.body
    totals = check_totals(frame, flags, ranks, labels_by_row={
        grid.numbers[body[k]]: labels[k] for k in range(len(body))})
    cflags = np.array(ctot, dtype=bool) & ~flags
    if cflags.any():
        totals += check_commodity_totals(frame, flags, cflags)
        notes.guessed["total_commodities"] = ", ".join(
            sorted(set(frame.loc[cflags, "commodity_raw"])))
    for t in totals:
        if abs(t["difference"]) > TOTAL_TOLERANCE_ABS and \
                abs(t["difference"]) > TOTAL_TOLERANCE_REL * abs(t["total"]):
            what = f" {t['commodity']}" if t["commodity"] else ""
            notes.add("warning", f"total row '{t['label']}'{what}: {t['total']:g} but the rows "
                      f"sum to {t['sum_of_rows']:g} (difference {t['difference']:+g})",
                      row=t["row"], field=t["column"])
    records = frame.loc[~flags & ~cflags].reset_index(drop=True) if len(frame) else frame
    return records, totals


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
