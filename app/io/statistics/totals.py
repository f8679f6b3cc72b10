"""Total rows and total columns: which body rows are totals (dropped from the records), and
the checks of each total against the sum of the rows or columns it covers."""

from __future__ import annotations

import re
from operator import itemgetter

import numpy as np
import pandas as pd

from unggulan.base.names import fold
from unggulan.base.problems import Problem
from unggulan.io.statistics.areas import admin_level
from unggulan.io.statistics.cells import norm_ws, parse_value, per_value, valueish
from unggulan.io.statistics.grids import Grid
from unggulan.io.statistics.model import LEVEL_RANK, TOTAL_TOLERANCE_ABS, TOTAL_TOLERANCE_REL
from unggulan.io.statistics.plan import Plan
from unggulan.io.statistics.words import TOTAL_LABELS
from unggulan.io.units import parse_unit, split_header

_AVERAGE_ROW = 9
_TOTAL_START = re.compile(r"^(jumlah|total)\b")
_AVERAGE_START = re.compile(r"^(rata rata|rerata|average|mean)\b")


def total_rows(plan: Plan, rows: dict[int, list], splits: list[tuple], level: str | None,
               ctx: dict, decimal: str) -> tuple[list[int], list[str]]:
    """Rank of each body row as a total (0 no, 1 subtotal, 2 total, _AVERAGE_ROW) and the
    row labels (see the module docstring for the rules)."""
    body = plan.block.body
    area_col = plan.area
    places = ctx["places"]
    region_keys = set()
    for lv, name in places:
        if level is None or LEVEL_RANK[lv] < LEVEL_RANK.get(level, 9):
            region_keys.add(fold(name))
            region_keys.add(fold(f"{lv} {name}"))
    labels = [s[2] or "" for s in splits]
    n = len(body)
    lab_codes, lab_uniq = pd.factorize(np.array(labels, dtype=object)) if n else \
        (np.zeros(0, dtype=np.int64), [])
    lab_uniq = list(lab_uniq)
    prefixed = [admin_level(lb) for lb in lab_uniq]     # per distinct label
    times = np.bincount(lab_codes, minlength=len(lab_uniq))
    prefix_counts: dict[str | None, int] = {}
    for lv, t in zip(prefixed, times.tolist()):
        prefix_counts[lv] = prefix_counts.get(lv, 0) + t
    folded_u = [fold(lb) for lb in lab_uniq]
    # a row with a blank label is named by its first text cell (its commodity, say)
    first, first_texts = _first_texts(rows, body, lab_codes, [not f for f in folded_u]) \
        if area_col is not None else (np.full(n, -1), [])
    said = per_value(lambda fl: 2 if fl in TOTAL_LABELS or _TOTAL_START.match(fl) else
                     _AVERAGE_ROW if _AVERAGE_START.match(fl) else 0)
    # each distinct (label, first text cell) decided once
    pairs = pd.factorize(lab_codes * (len(first_texts) + 1) + (first + 1))[0]
    one = np.unique(pairs, return_index=True)[1]
    rank_u, label_u = [], []
    for k in one.tolist():
        u = lab_codes[k]
        lb, fl = lab_uniq[u], folded_u[u]
        if not fl and area_col is not None:
            cell = first_texts[first[k]] if first[k] >= 0 else ""
            fl = fold(cell)
            if fl:
                lb = norm_ws(cell)
        label_u.append(lb)
        rank = said(fl)
        if rank:
            rank_u.append(rank)      # _AVERAGE_ROW: an aggregate, not a sum: dropped unchecked
            continue
        lv = prefixed[u]
        rank = 0
        if lv is not None:
            n_same = prefix_counts[lv]
            if level is not None and LEVEL_RANK[lv] < LEVEL_RANK[level]:
                rank = 2 if lv in ("provinsi", "kabupaten") or level == "kecamatan" else 1
            elif level is None and n_same <= 2 and len(body) >= 3 and \
                    lv in ("provinsi", "kabupaten"):
                rank = 2
        rank_u.append(rank)
    total_rank = np.array(rank_u, dtype=int)[pairs].tolist() if n else []
    labels = np.array(label_u, dtype=object)[pairs].tolist() if n else []
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


def _first_texts(rows: dict[int, list], body: list[int], lab_codes: np.ndarray,
                 blank: list[bool]) -> tuple[np.ndarray, list]:
    """The first text cell (not a number) of each body row whose label is blank (``blank``
    per distinct label, ``lab_codes`` each row's), column by column with each distinct cell
    looked at once: per row an index into the distinct first cells returned (-1: none)."""
    first = np.full(len(body), -1, dtype=np.int64)
    texts: list = []
    todo = np.flatnonzero(np.asarray(blank, dtype=bool)[lab_codes]) if len(body) else first
    body_rows = [rows[r] for r in body]
    widths = set(map(len, body_rows))
    seen: dict = {}
    for j in range(max(widths, default=0)):
        if not len(todo):
            break
        if len(widths) > 1:     # (rows of a grid have one width; a cell past a row's end)
            cells = [body_rows[k][j] if j < len(body_rows[k]) else None for k in todo.tolist()]
        elif len(todo) == len(body_rows):
            cells = list(map(itemgetter(j), body_rows))
        else:
            cells = [body_rows[k][j] for k in todo.tolist()]
        try:
            distinct = set(cells)
        except TypeError:       # an unhashable cell
            distinct = None
        if distinct is not None:
            text = {v for v in distinct if _is_text(v)}
            if not text:        # (a column of codes or numbers)
                continue
            if len(text) == len(distinct):      # (a column of names)
                ids = {v: seen.setdefault(v, len(seen)) for v in text}
                first[todo] = [ids[v] for v in cells]
                todo = todo[:0]
                continue
        cells = np.array(cells, dtype=object)
        codes, uniq = pd.factorize(cells)    # (missing cells: -1, never text)
        at = np.array([_is_text(v) for v in uniq] + [False], dtype=bool)[codes]
        if at.any():
            ids = np.array([seen.setdefault(v, len(seen)) if _is_text(v) else -1
                            for v in uniq] + [-1], dtype=np.int64)
            first[todo[at]] = ids[codes[at]]
            todo = todo[~at]
    texts = list(seen)
    return first, texts


def _is_text(v: object) -> bool:
    return bool(isinstance(v, str) and v.strip() and not valueish(v))


def _sums_match(plan: Plan, rows: dict[int, list], body: list[int], k: int,
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


def check_totals(frame: pd.DataFrame, flags: np.ndarray, ranks: np.ndarray,
                 labels_by_row: dict[int, str]) -> list[dict]:
    """Each total row (``flags``, rank in ``ranks``) checked per value column against the sum
    of the rows it covers (see the package docstring, "Total rows")."""
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


def check_commodity_totals(frame: pd.DataFrame, flags: np.ndarray, cflags: np.ndarray
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


def check_total_columns(plan: Plan, rows: dict[int, list], body: list[int],
                        total_rank: list[int], decimal: str, fname: str, where: str,
                        grid: Grid) -> list[Problem]:
    """A warning per total column of a wide table ("Jumlah") that differs from the sum of
    the commodity columns of its measure in some rows."""
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
