"""FAO land-suitability classes (S1/S2/S3/N) by the limiting-factor method.

Rules are data (``data/land_requirements.csv``, ``data/land_interventions.csv``); see
``data/land_requirements.md`` for the class limits, the index and the management levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from app.core.commodities import Catalogue
from app.core.errors import DatasetError, UnggulanError

CLASSES = ("S1", "S2", "S3", "N")  # class codes 1..4; 0 = no data
LIMITS = ("s3_low", "s2_low", "s1_low", "s1_high", "s2_high", "s3_high")
MANAGEMENT = ("rendah", "sedang", "tinggi")
FACTOR_LABEL = {
    "temperature": ("suhu", "temperature", "°C"),
    "rainfall": ("curah hujan", "rainfall", "mm"),
    "dry_months": ("bulan kering", "dry months", "bln"), "humidity": ("kelembapan", "humidity", "%"),
    "elevation": ("elevasi", "elevation", "m"), "slope": ("lereng", "slope", "%"),
    "soil_depth": ("kedalaman tanah", "soil depth", "cm"),
    "coarse_fragments": ("bahan kasar", "coarse fragments", "%"), "ph": ("pH", "pH", ""),
    "cec": ("KTK", "CEC", "cmol/kg"), "base_saturation": ("kejenuhan basa", "base saturation", "%"),
    "organic_carbon": ("C-organik", "organic carbon", "%"),
}  # fmt: skip
# sectors whose commodities are judged on land; the others are "not applicable"
LAND_SECTORS = ("pertanian_perkebunan",)
NOT_ASSESSED_SECTORS = ("perikanan", "peternakan")


@dataclass(frozen=True)
class Requirements:
    """Class limits per (commodity, factor) with sources, and the intervention table."""

    table: pd.DataFrame  # one row per commodity and factor
    interventions: pd.DataFrame  # indexed by factor
    sources: dict[str, str]

    @classmethod
    def load(cls, folder: str | Path | None = None) -> Requirements:
        from app.settings import bundled_data_dir

        folder = Path(folder) if folder else bundled_data_dir()
        path = folder / "land_requirements.csv"
        table = pd.read_csv(path, dtype={"commodity": str, "factor": str, "source": str})
        sources = dict(pd.read_csv(folder / "land_sources.csv").values)
        inter = pd.read_csv(folder / "land_interventions.csv").set_index("factor")
        for i, r in table.iterrows():
            if not isinstance(r["source"], str) or r["source"] not in sources:
                raise DatasetError(f"row {i + 2}: source '{r['source']}' is not a key of "
                                   "land_sources.csv", path=path)
            lim = [r[c] for c in LIMITS]
            lo = [-np.inf if pd.isna(v) else v for v in lim[:3]]
            hi = [np.inf if pd.isna(v) else v for v in lim[3:]]
            seq = lo + hi
            if any(a > b for a, b in zip(seq, seq[1:])) and not _ordered(lim):
                raise DatasetError(f"row {i + 2} ({r['commodity']} {r['factor']}): class "
                                   "limits are not in order", path=path)
        return cls(table, inter, sources)

    def commodities(self) -> list[str]:
        return sorted(self.table["commodity"].unique())

    def factors(self, commodity: str) -> pd.DataFrame:
        return self.table[self.table["commodity"] == commodity]


def _ordered(lim) -> bool:
    lo = [v for v in lim[:3] if not pd.isna(v)]
    hi = [v for v in lim[3:] if not pd.isna(v)]
    return lo == sorted(lo) and hi == sorted(hi) and (not lo or not hi or max(lo) <= min(hi))


def _bounds(row) -> np.ndarray:
    lim = np.array([row[c] for c in LIMITS], dtype=float)
    lim[:3] = np.where(np.isnan(lim[:3]), -np.inf, lim[:3])
    lim[3:] = np.where(np.isnan(lim[3:]), np.inf, lim[3:])
    return lim


def classify(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Class codes 1..4 (S1..N) of ``values``; 0 where a value is NaN.

    ``bounds`` = (s3_low, s2_low, s1_low, s1_high, s2_high, s3_high), ±inf when open.
    The better class wins at a shared limit.
    """
    v = np.asarray(values, dtype=float)
    s3l, s2l, s1l, s1h, s2h, s3h = bounds
    out = np.full(v.shape, 4, dtype=np.int8)
    out[(v >= s3l) & (v <= s3h)] = 3
    out[(v >= s2l) & (v <= s2h)] = 2
    out[(v >= s1l) & (v <= s1h)] = 1
    out[np.isnan(v)] = 0
    return out


def factor_index(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Continuous suitability in [0, 1]: 1 in S1, 0.75->0.5 across S2, 0.5->0.25 across S3,
    0 in N; the band midpoint (0.625, 0.375) where a band is unbounded."""
    v = np.asarray(values, dtype=float)
    s3l, s2l, s1l, s1h, s2h, s3h = bounds
    cls = classify(v, bounds)
    out = np.full(v.shape, np.nan)
    out[cls == 1] = 1.0
    out[cls == 4] = 0.0
    for code, top, (inner_lo, outer_lo, inner_hi, outer_hi) in (
        (2, 0.75, (s1l, s2l, s1h, s2h)),
        (3, 0.5, (s2l, s3l, s2h, s3h)),
    ):
        m = cls == code
        low_side = m & (v < inner_lo)
        high_side = m & (v > inner_hi)
        for side, inner, outer in ((low_side, inner_lo, outer_lo), (high_side, inner_hi, outer_hi)):
            if np.isinf(inner) or np.isinf(outer):
                out[side] = top - 0.125
                continue
            width = abs(inner - outer)
            if width == 0:
                out[side] = top - 0.25
            else:
                out[side] = top - 0.25 * np.abs(v[side] - inner) / width
        # a value equal to an S1 limit of a zero-width band lands in neither side
        out[m & ~low_side & ~high_side] = top
    return out


def status_of(commodity: str, catalogue: Catalogue, req: Requirements) -> tuple[str, str | None]:
    """('assessed'|'inherited'|'not_assessed'|'not_applicable', commodity whose land counts)."""
    have = set(req.table["commodity"])
    if commodity in have:
        return "assessed", commodity
    c = catalogue.get(commodity) if commodity in catalogue else None
    if c is not None:
        raws = [r for r in c.raw_material if r in have]
        if raws:
            return "inherited", "|".join(raws)
        if c.sector in NOT_ASSESSED_SECTORS:
            return "not_assessed", None
        if c.sector in LAND_SECTORS:
            return "not_assessed", None
    return "not_applicable", None


def _fmt(x: float) -> str:
    if np.isinf(x):
        return "∞"
    return f"{x:,.1f}".rstrip("0").rstrip(".") if abs(x) < 100 else f"{x:,.0f}"


def _range_text(b: np.ndarray) -> str:
    lo, hi = b[2], b[3]
    if np.isinf(lo) and np.isinf(hi):
        return "any"
    if np.isinf(lo):
        return f"≤ {_fmt(hi)}"
    if np.isinf(hi):
        return f"≥ {_fmt(lo)}"
    return f"{_fmt(lo)}–{_fmt(hi)}"


def assess_areas(
    values: pd.DataFrame,
    commodities: list[str],
    catalogue: Catalogue,
    req: Requirements,
    management: str = "rendah",
) -> pd.DataFrame:
    """Suitability of each area (rows of ``values``: ``{factor}_mean`` columns) for each
    commodity, long form: one row per (area, commodity).

    Columns: ``code``, ``commodity``, ``status``, ``suitability_class``, ``suitability_index``,
    ``limiting_factors``, ``potential_class``, ``interventions``, ``evidence_id``,
    ``evidence_en``, ``factors_used``.
    """
    if management not in MANAGEMENT:
        raise UnggulanError(f"management must be one of {', '.join(MANAGEMENT)}, "
                            f"not '{management}'")
    level_i = MANAGEMENT.index(management)
    n = len(values)
    frames = []
    cache: dict[str, pd.DataFrame] = {}
    for cid in commodities:
        status, basis = status_of(cid, catalogue, req)
        if status in ("assessed", "inherited"):
            parts = [cache.get(b) if b in cache else _assess_one(values, b, req, level_i)
                     for b in basis.split("|")]
            for b, p in zip(basis.split("|"), parts):
                cache[b] = p
            # several raw materials: the best one counts
            best = parts[0].copy()
            for p in parts[1:]:
                better = p["suitability_index"].fillna(-1) > best["suitability_index"].fillna(-1)
                best[better] = p[better]
            f = best.copy()
            if status == "inherited":
                f["evidence_id"] = "bahan baku: " + f["evidence_id"]
                f["evidence_en"] = "raw material: " + f["evidence_en"]
        else:
            f = pd.DataFrame({
                "suitability_class": [None] * n, "suitability_index": np.nan,
                "limiting_factors": None, "potential_class": None, "interventions": None,
                "evidence_id": "tidak dinilai" if status == "not_assessed" else "tidak berlaku",
                "evidence_en": "not assessed" if status == "not_assessed" else "not applicable",
                "factors_used": 0}, index=values.index)
        f.insert(0, "basis", basis)
        f.insert(0, "status", status)
        f.insert(0, "commodity", cid)
        f.insert(0, "code", values.index.to_numpy())
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    return out


def _assess_one(values: pd.DataFrame, commodity: str, req: Requirements,
                level_i: int) -> pd.DataFrame:
    rows = req.factors(commodity)
    n = len(values)
    worst = np.zeros(n, dtype=np.int8)
    potential = np.zeros(n, dtype=np.int8)
    index = np.full(n, np.inf)
    limiting: list[list[str]] = [[] for _ in range(n)]
    lifts: list[set[str]] = [set() for _ in range(n)]
    ev_id: list[list[str]] = [[] for _ in range(n)]
    ev_en: list[list[str]] = [[] for _ in range(n)]
    used = np.zeros(n, dtype=np.int16)
    per_factor = []
    for _, r in rows.iterrows():
        col = f"{r['factor']}_mean"
        if col not in values:
            continue
        b = _bounds(r)
        v = values[col].to_numpy(dtype=float)
        cls = classify(v, b)
        idx = factor_index(v, b)
        has = cls > 0
        used += has
        worst = np.maximum(worst, cls)
        index = np.where(has, np.minimum(index, idx), index)
        inter = req.interventions.loc[r["factor"]] if r["factor"] in req.interventions.index \
            else None
        lift = int(inter[MANAGEMENT[level_i]]) if inter is not None else 0
        pot = np.where(has, np.maximum(cls - lift, 1), 0).astype(np.int8)
        # N caused by a factor that cannot be lifted stays N; lifting never passes S1
        potential = np.maximum(potential, pot)
        per_factor.append((r["factor"], cls, v, b, lift, inter, pot))
    for factor, cls, v, b, lift, inter, pot in per_factor:
        lab_id, lab_en, unit = FACTOR_LABEL.get(factor, (factor, factor, ""))
        for i in np.nonzero((cls == worst) & (worst > 1))[0]:
            limiting[i].append(factor)
            txt = f"{_fmt(v[i])}{(' ' + unit) if unit else ''}"
            ev_id[i].append(f"{lab_id} {txt} (S1 {_range_text(b)})")
            ev_en[i].append(f"{lab_en} {txt} (S1 {_range_text(b)})")
            if lift and pot[i] < cls[i] and inter is not None:
                lifts[i].add(f"{inter['intervention_id']}|{inter['intervention_en']}")
    best_fit_id, best_fit_en = _s1_evidence(per_factor, worst)
    cls_names = np.array((None, *CLASSES), dtype=object)
    out = pd.DataFrame({
        "suitability_class": cls_names[worst],
        "suitability_index": np.where(used > 0, index, np.nan),
        "limiting_factors": [",".join(x) if x else None for x in limiting],
        "potential_class": cls_names[potential],
        "interventions": [";".join(sorted(x)) if x else None for x in lifts],
        "evidence_id": [("; ".join(e) if e else best_fit_id[i]) for i, e in enumerate(ev_id)],
        "evidence_en": [("; ".join(e) if e else best_fit_en[i]) for i, e in enumerate(ev_en)],
        "factors_used": used,
    }, index=values.index)
    out.loc[used == 0, ["suitability_class", "potential_class"]] = None
    out.loc[used == 0, "evidence_id"] = "tidak ada data lahan"
    out.loc[used == 0, "evidence_en"] = "no land data"
    return out


def _s1_evidence(per_factor, worst):
    """For S1 areas: the first factor (elevation or temperature preferred) that fits."""
    n = len(worst)
    ev_id, ev_en = [""] * n, [""] * n
    order = sorted(per_factor, key=lambda t: ("elevation", "temperature", "rainfall").index(t[0])
                   if t[0] in ("elevation", "temperature", "rainfall") else 9)
    if not order:
        return ev_id, ev_en
    factor, cls, v, b, *_ = order[0]
    lab_id, lab_en, unit = FACTOR_LABEL.get(factor, (factor, factor, ""))
    for i in range(n):
        if worst[i] == 1 and cls[i] == 1:
            txt = f"{_fmt(v[i])}{(' ' + unit) if unit else ''}"
            ev_id[i] = f"{lab_id} {txt} cocok ({_range_text(b)})"
            ev_en[i] = f"{lab_en} {txt} fits ({_range_text(b)})"
    return ev_id, ev_en


def cell_classes(
    cell_values: dict[str, np.ndarray], commodity: str, req: Requirements
) -> np.ndarray:
    """Per covered cell: the limiting class (1..4) of a commodity over the factors that have
    data in that cell; 0 where no factor has data."""
    rows = req.factors(commodity)
    out = None
    for _, r in rows.iterrows():
        v = cell_values.get(r["factor"])
        if v is None:
            continue
        c = classify(v, _bounds(r))
        out = c if out is None else np.maximum(out, c)
    if out is None:
        n = len(next(iter(cell_values.values()))) if cell_values else 0
        return np.zeros(n, dtype=np.int8)
    return out
