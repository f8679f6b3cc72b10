"""The planning methods on a dataset's statistics, by name: one entry point for
``ds.analysis``, ``unggulan analyse`` and ``GET /api/v1/analysis/{method}``.

Methods (each its own module): ``slq`` (:mod:`unggulan.core.activity.lq`), ``dlq``
(:mod:`unggulan.core.activity.dlq`, with the SLQ x DLQ quadrant), ``shift-share``
(:mod:`unggulan.core.activity.shift_share`, classic or Esteban-Marquillas), ``klassen``
(:mod:`unggulan.core.activity.klassen`), ``specialisation`` and ``localisation``
(:mod:`unggulan.core.activity.concentration`).

The data are one measure of ``ds.statistics()`` at one level (ratios such as productivity are
never used), or sentra ``workers`` / ``units`` per area (sentra have no years: only ``slq``,
``specialisation`` and ``localisation`` apply to them). The reference region is the dataset's
total by default; ``reference='province'`` uses the sum of a kabupaten-level table of the same
measure when the dataset has one.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.activity import concentration, dlq, klassen, lq, shift_share
from unggulan.core.activity.dlq import CONVENTIONS
from unggulan.core.activity.evidence import (
    comparable_rows,
    measure_data,
    parse_period,
    reference_rows,
)
from unggulan.core.activity.growth import GROWTH_METHODS
from unggulan.core.activity.shift_share import METHODS as SHIFT_SHARE_METHODS

METHODS = ("slq", "dlq", "shift-share", "klassen", "specialisation", "localisation")
SENTRA_MEASURES = ("workers", "units")
#: the options each method takes (any other keyword is an error naming it)
OPTIONS = {
    "slq": ("by_year",), "dlq": ("growth", "convention"), "shift-share": ("variant",),
    "klassen": ("growth",), "specialisation": (), "localisation": (),
}
#: the values an option takes (None: any; by_year is a bool)
OPTION_VALUES = {"growth": GROWTH_METHODS, "convention": CONVENTIONS,
                 "variant": SHIFT_SHARE_METHODS}


def method_data(statistics: pd.DataFrame, sentra: pd.DataFrame, measure: str, level: str,
                period=None) -> list[tuple[tuple[str, str, str], pd.DataFrame, list[int]]]:
    """Per comparable group ``(measure, unit, family)`` of ``measure`` at ``level``: its long
    ``code, commodity, year, value`` rows (absent cells explicit, see
    :func:`unggulan.core.activity.evidence.complete_cells`) and its years. ``statistics``:
    every statistics row; ``sentra``: the placed sentra records (for ``workers`` / ``units``
    when no table has them)."""
    per = parse_period(period)
    if measure in SENTRA_MEASURES and measure not in set(statistics["measure"]):
        col = "desa_code" if level == "desa" else "kecamatan_code"
        s = sentra
        d = (s.groupby([col, "commodity_id"])[measure].sum().reset_index()
             .rename(columns={col: "code", "commodity_id": "commodity", measure: "value"}))
        d["year"] = 0
        return [((measure, "orang" if measure == "workers" else "unit", "sentra"), d, [0])]
    groups = measure_data(statistics, level, measure)
    if not groups:
        have = comparable_rows(statistics)
        combos = sorted({f"{m} ({lv})" for m, lv in zip(have["measure"], have["level"])})
        raise UnggulanError(
            f"no statistics of measure '{measure}' at level '{level}'"
            + (f"; the dataset has: {', '.join(combos)}" if combos else
               "; the dataset has no statistics (put BPS tables in statistik/)"),
            field="measure")
    out = []
    span = []
    for key, d in groups.items():
        d = d[["code", "commodity", "year", "value"]]
        years = sorted(d["year"].unique())
        span += years
        if per:
            years = [y for y in years if per[0] <= y <= per[1]]
            d = d[d["year"].isin(years)]
        if years:
            out.append((key, d, years))
    if not out:
        raise UnggulanError(f"no {measure} statistics in {per[0]}-{per[1]} (years: "
                            f"{min(span)}-{max(span)})", field="period")
    return out


def analyse(statistics: pd.DataFrame, sentra: pd.DataFrame, areas: Mapping[str, pd.DataFrame],
            names: pd.Series, method: str, measure: str = "production", period=None,
            level: str | None = None, reference: str = "dataset", **options) -> pd.DataFrame:
    """Run a planning method; a DataFrame keyed by area ``code`` and ``commodity`` (per area
    for ``specialisation``, per commodity for ``localisation``), with ``name`` and ``level``.

    ``statistics``: every statistics row (``Dataset.statistics()``); ``sentra``: the placed
    sentra records; ``areas``: the areas by level; ``names``: commodity names by id (the
    catalogue's ``name_id``).
    """
    if method not in METHODS:
        raise UnggulanError(f"method must be one of {', '.join(METHODS)}, not '{method}'",
                            field="method")
    if reference not in ("dataset", "province"):
        raise UnggulanError(f"reference must be dataset or province, not '{reference}'",
                            field="reference")
    check_options(method, options)
    level = level or _default_level(statistics, areas, measure)
    parts = []
    for (m, unit, fam), data, years in method_data(statistics, sentra, measure, level, period):
        ref = reference_rows(statistics, measure, reference, (m, unit, fam))
        if ref is not None:
            ref = ref[ref["year"].isin(years)]
        part = _run(method, data, ref, years, options, measure)
        part["unit"] = unit
        part["family"] = fam
        if data["commodity"].nunique() < 2 and ref is None and "commodity" in part:
            # the only commodity of its group: LQ and DLQ are 1 by construction
            for c in ("slq", "slq_mean", "dlq"):
                if c in part:
                    part[c] = np.nan
            if "reason" in part:
                part["reason"] = "the only commodity of its family and unit: nothing to compare"
        part["period"] = (f"{years[0]}-{years[-1]}" if years[0] != years[-1] else
                          f"{years[0]}") if years != [0] else None
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out.copy()
    if "code" in out:
        area_names = areas[level]["name"] if level in areas else pd.Series(dtype=object)
        out.insert(1, "name", out["code"].map(area_names))
    if "commodity" in out:
        pos = list(out.columns).index("commodity") + 1
        out.insert(pos, "commodity_name", out["commodity"].map(names))
    out.insert(0, "level", level)
    out["measure"] = measure
    out = out[[c for c in out.columns if c != "period"] + ["period"]]
    return out.reset_index(drop=True)


def _run(method: str, data: pd.DataFrame, ref, years: list[int], options: dict,
         measure: str) -> pd.DataFrame:
    """One method on one comparable group."""
    if years == [0] and method not in ("slq", "specialisation", "localisation"):
        raise UnggulanError(f"sentra {measure} have no years: {method} needs a series "
                            "(use statistics)", field="method")
    if method == "slq":
        out = lq.static_lq(data, ref, years=years, by_year=bool(options.get("by_year")))
    elif method == "dlq":
        slq = lq.static_lq(data, ref, years=years)
        d = dlq.dynamic_lq(data, ref, years=years, growth=options.get("growth", "mean"))
        q = dlq.quadrants(slq, d, convention=options.get("convention", "default"))
        out = d.merge(q[[c for c in q.columns if c not in d.columns or c in
                         ("code", "commodity")]], on=["code", "commodity"], how="left")
    elif method == "shift-share":
        out = shift_share.shift_share(data, ref, start=years[0], end=years[-1],
                                      method=options.get("variant", "classic"))
    elif method == "klassen":
        out = klassen.klassen(data, ref, years=years, growth=options.get("growth", "mean"))
    elif method == "specialisation":
        out = concentration.specialisation_index(data, ref, years=years)
    else:
        out = concentration.localisation_index(data, years=years)
    return out.copy()


def check_options(method: str, options: dict) -> None:
    """An :class:`UnggulanError` (``field`` = the option) for a keyword ``method`` does not
    take or a value it does not know: nothing is silently ignored.

    >>> check_options("dlq", {"convention": "angelina"})
    >>> check_options("dlq", {"conventoin": "angelina"})
    Traceback (most recent call last):
    ...
    unggulan.base.errors.UnggulanError: unknown option 'conventoin' for method dlq (its ...
    """
    known = OPTIONS.get(method, ())
    for name, value in options.items():
        if name not in known:
            other = sorted(m for m, opts in OPTIONS.items() if name in opts)
            raise UnggulanError(
                (f"option '{name}' does not apply to method {method} (it is an option of "
                 f"{', '.join(other)})" if other else f"unknown option '{name}' for method "
                 f"{method}") + f" (its options: {', '.join(known) or 'none'})", field=name)
        allowed = OPTION_VALUES.get(name)
        if allowed is not None and value not in allowed:
            raise UnggulanError(f"{name} must be one of {', '.join(allowed)}, not {value!r}",
                                field=name)


def _default_level(statistics: pd.DataFrame, areas: Mapping[str, pd.DataFrame],
                   measure: str) -> str:
    have = set(statistics.loc[(statistics["measure"] == measure).to_numpy(), "level"])
    levels = [lv for lv in ("kecamatan", "desa") if lv in have]
    return levels[0] if levels else ("kecamatan" if "kecamatan" in areas else next(iter(areas)))
