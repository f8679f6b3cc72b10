"""The planning methods on a dataset's statistics, by name: one entry point for
``ds.analysis``, ``unggulan analyse`` and ``GET /api/v1/analysis/{method}``.

Methods (each its own module): ``slq`` (:mod:`unggulan.core.lq`), ``dlq`` (:mod:`unggulan.core.dlq`,
with the SLQ x DLQ quadrant), ``shift-share`` (:mod:`unggulan.core.shift_share`, classic or
Esteban-Marquillas), ``klassen`` (:mod:`unggulan.core.klassen`), ``specialisation`` and
``localisation`` (:mod:`unggulan.core.concentration`).

The data are one measure of ``ds.statistics()`` at one level (ratios such as productivity are
never used), or sentra ``workers`` / ``units`` per area (sentra have no years: only ``slq``,
``specialisation`` and ``localisation`` apply to them). The reference region is the dataset's
total by default; ``reference='province'`` uses the sum of a kabupaten-level table of the same
measure when the dataset has one.
"""

from __future__ import annotations

import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.activity import parse_period, reference_rows

METHODS = ("slq", "dlq", "shift-share", "klassen", "specialisation", "localisation")
SENTRA_MEASURES = ("workers", "units")


def method_data(ds, measure: str, level: str, period=None) -> tuple[pd.DataFrame, list[int]]:
    """Long ``code, commodity, year, value`` of ``measure`` at ``level`` and its years."""
    per = parse_period(period)
    if measure in SENTRA_MEASURES and measure not in set(ds.statistics()["measure"]):
        col = "desa_code" if level == "desa" else "kecamatan_code"
        s = ds.sentra(placed_only=True)
        d = (s.groupby([col, "commodity_id"])[measure].sum().reset_index()
             .rename(columns={col: "code", "commodity_id": "commodity", measure: "value"}))
        d["year"] = 0
        return d, [0]
    st = ds.statistics(measure=measure, level=level)
    st = st[~st["ratio"].astype(bool) & st["year"].notna()]
    if st.empty:
        have = ds.statistics()
        have = have[~have["ratio"].astype(bool)]
        combos = sorted({f"{m} ({lv})" for m, lv in zip(have["measure"], have["level"])})
        raise UnggulanError(
            f"no statistics of measure '{measure}' at level '{level}'"
            + (f"; the dataset has: {', '.join(combos)}" if combos else
               "; the dataset has no statistics (put BPS tables in statistik/)"),
            field="measure")
    d = st[["code", "commodity", "year", "value"]].copy()
    d["year"] = d["year"].astype(int)
    years = sorted(d["year"].unique())
    if per:
        years = [y for y in years if per[0] <= y <= per[1]]
        if not years:
            raise UnggulanError(f"no {measure} statistics in {per[0]}-{per[1]} (years: "
                                f"{min(d['year'])}-{max(d['year'])})", field="period")
        d = d[d["year"].isin(years)]
    return d, years


def analyse(ds, method: str, measure: str = "production", period=None, level: str | None = None,
            reference: str = "dataset", **options) -> pd.DataFrame:
    """Run a planning method; a DataFrame keyed by area ``code`` and ``commodity`` (per area
    for ``specialisation``, per commodity for ``localisation``), with ``name`` and ``level``.
    """
    from unggulan.core import concentration, dlq, klassen, lq, shift_share

    if method not in METHODS:
        raise UnggulanError(f"method must be one of {', '.join(METHODS)}, not '{method}'",
                            field="method")
    if reference not in ("dataset", "province"):
        raise UnggulanError(f"reference must be dataset or province, not '{reference}'",
                            field="reference")
    level = level or _default_level(ds, measure)
    data, years = method_data(ds, measure, level, period)
    ref = reference_rows(ds.statistics(), measure, reference)
    if ref is not None:
        ref = ref[ref["year"].isin(years)]
    if years == [0] and method not in ("slq", "specialisation", "localisation"):
        raise UnggulanError(f"sentra {measure} have no years: {method} needs a series "
                            "(use statistics)", field="method")
    if method == "slq":
        out = lq.static_lq(data, ref, years=years, by_year=bool(options.get("by_year")))
    elif method == "dlq":
        slq = lq.static_lq(data, ref, years=years)
        d = dlq.dynamic_lq(data, ref, years=years, growth=options.get("growth", "mean"))
        q = dlq.quadrants(slq, d)
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
    out = out.copy()
    if "code" in out:
        names = ds.areas(level)["name"] if level in ds.levels else pd.Series(dtype=object)
        out.insert(1, "name", out["code"].map(names))
    if "commodity" in out:
        cat = ds.catalogue.frame["name_id"]
        pos = list(out.columns).index("commodity") + 1
        out.insert(pos, "commodity_name", out["commodity"].map(cat))
    out.insert(0, "level", level)
    out["measure"] = measure
    out["period"] = f"{years[0]}-{years[-1]}" if years != [0] else None
    return out.reset_index(drop=True)


def _default_level(ds, measure: str) -> str:
    st = ds.statistics(measure=measure)
    levels = [lv for lv in ("kecamatan", "desa") if lv in set(st["level"])]
    return levels[0] if levels else ("kecamatan" if "kecamatan" in ds.levels else ds.levels[0])
