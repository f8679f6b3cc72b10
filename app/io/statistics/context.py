"""What the title rows, the sheet name, the file name and the options say about a whole
table: its measure, units, year, area level, places and commodity."""

from __future__ import annotations

import re
from pathlib import Path

from unggulan.base.errors import DatasetError
from unggulan.io.statistics.areas import TITLE_LEVEL, WORD_LEVEL, title_areas
from unggulan.io.statistics.cells import norm_ws, year_in_text
from unggulan.io.statistics.model import StatisticsOptions
from unggulan.io.statistics.plan import Plan
from unggulan.io.units import Unit, find_measures, parse_unit, split_header


def table_context(plan: Plan, path: Path, opts: StatisticsOptions) -> dict:
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
        m = TITLE_LEVEL.search(text)
        if m:
            ctx["level"] = (WORD_LEVEL[m.group(1).lower()], src)
            break
    ctx["places"] = title_areas(plan.titles + ([plan.grid.sheet] if plan.grid.sheet else []))
    # a commodity named in the first title row with a measure: "Produksi Padi Sawah Menurut"
    for t in plan.titles:
        if not find_measures(t):
            continue
        head = re.split(r"(?i)\b(?:menurut|di|by|in|per|tahun|year|dalam)\b|[(:]", t)[0]
        head = re.sub(r"(?i)^\s*(tabel|table)\s+[\d.]+\w?\s*", "", head)
        name = split_header(head).commodity
        if name:
            name = re.sub(r"(?i)(^|[\s,]+)(dan|and|serta|&)(?=\s|$)", " ", name)
            name = norm_ws(re.sub(r"\s*,\s*", " ", name)).strip(" ,.-")
        if name and not find_measures(name):
            ctx["commodity"] = (name, "title")
        break
    return ctx
