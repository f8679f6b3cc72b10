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
    "dry_months": ("bulan kering", "dry months", "bln"),
    "humidity": ("kelembapan", "humidity", "%"),
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
    v = np.asarray(values)
    if v.dtype.kind != "f":
        v = v.astype(float)
    # steps below S1 on the low side (0..3) and above it on the high side (0..3); plain
    # comparisons are several times faster than a binary search over millions of cells
    s3l, s2l, s1l, s1h, s2h, s3h = bounds
    low = np.zeros(v.shape, dtype=np.int8)
    for limit in (s1l, s2l, s3l):
        if limit > -np.inf:
            low += v < limit
    high = np.zeros(v.shape, dtype=np.int8)
    for limit in (s1h, s2h, s3h):
        if limit < np.inf:
            high += v > limit
    out = np.maximum(low, high)
    out += 1
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


def _fmt(x: float, lang: str = "en") -> str:
    """1,150 / 23.3 (en) or 1.150 / 23,3 (id)."""
    if np.isinf(x):
        return "∞"
    text = f"{x:,.1f}".rstrip("0").rstrip(".") if abs(x) < 100 else f"{x:,.0f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _range_text(b: np.ndarray, lang: str = "en") -> str:
    lo, hi = b[2], b[3]
    if np.isinf(lo) and np.isinf(hi):
        return "any"
    if np.isinf(lo):
        return f"≤ {_fmt(hi, lang)}"
    if np.isinf(hi):
        return f"≥ {_fmt(lo, lang)}"
    return f"{_fmt(lo, lang)}–{_fmt(hi, lang)}"


def assess_areas(
    values: pd.DataFrame,
    commodities: list[str],
    catalogue: Catalogue,
    req: Requirements,
    management: str = "rendah",
) -> pd.DataFrame:
    """Suitability of each area (rows of ``values``: ``{factor}_mean`` columns) for each
    commodity, long form: one row per (area, commodity).

    Columns: ``code``, ``commodity``, ``status``, ``basis`` (the commodity whose land
    requirements judge it: itself, or its raw material), ``suitability_class``,
    ``suitability_index``, ``limiting_factors``, ``potential_class``, ``interventions``,
    ``factors_used``. Text columns are categorical (a national run has millions of rows).
    """
    if management not in MANAGEMENT:
        raise UnggulanError(f"management must be one of {', '.join(MANAGEMENT)}, "
                            f"not '{management}'")
    level_i = MANAGEMENT.index(management)
    frames = []
    cache: dict[str, pd.DataFrame] = {}
    for cid in commodities:
        status, basis = status_of(cid, catalogue, req)
        if status in ("assessed", "inherited"):
            parts = []
            for b in basis.split("|"):
                if b not in cache:
                    cache[b] = _assess_one(values, b, req, level_i)
                parts.append(cache[b].assign(basis=b))
            # several raw materials: the best one counts
            f = parts[0]
            for p in parts[1:]:
                better = p["suitability_index"].fillna(-1) > f["suitability_index"].fillna(-1)
                f = f.where(~better, p)
        else:
            f = pd.DataFrame({
                "basis": None, "suitability_class": None, "suitability_index": np.nan,
                "limiting_factors": None, "potential_class": None, "interventions": None,
                "factors_used": np.int16(0)}, index=values.index)
        f = f.copy()
        f.insert(0, "status", status)
        f.insert(0, "commodity", cid)
        f.insert(0, "code", values.index.to_numpy())
        frames.append(f.reset_index(drop=True))
    out = pd.concat(frames, ignore_index=True)
    for col in ("code", "commodity", "status", "basis", "suitability_class", "limiting_factors",
                "potential_class", "interventions"):
        out[col] = out[col].astype("category")
    return out


def _assess_one(values: pd.DataFrame, commodity: str, req: Requirements,
                level_i: int) -> pd.DataFrame:
    rows = [r for _, r in req.factors(commodity).iterrows() if f"{r['factor']}_mean" in values]
    if not rows:
        return pd.DataFrame({"suitability_class": None, "suitability_index": np.nan,
                             "limiting_factors": None, "potential_class": None,
                             "interventions": None, "factors_used": np.int16(0)},
                            index=values.index)
    names = [r["factor"] for r in rows]
    cls = np.stack([classify(values[f"{f}_mean"].to_numpy(float), _bounds(r))
                    for f, r in zip(names, rows)], axis=1)
    idx = np.stack([factor_index(values[f"{f}_mean"].to_numpy(float), _bounds(r))
                    for f, r in zip(names, rows)], axis=1)
    lifts = np.array([int(req.interventions.loc[f, MANAGEMENT[level_i]])
                      if f in req.interventions.index else 0 for f in names])
    has = cls > 0
    used = has.sum(axis=1).astype(np.int16)
    worst = cls.max(axis=1)
    index = np.where(has, idx, np.inf).min(axis=1)
    index[used == 0] = np.nan
    pot = np.where(has, np.maximum(cls - lifts, 1), 0)
    potential = pot.max(axis=1)
    limiting = (cls == worst[:, None]) & (worst[:, None] > 1)
    # an intervention counts where it lifts a factor that holds the class down
    lifted = has & (pot < cls) & (cls > potential[:, None])
    weights = 1 << np.arange(len(names), dtype=np.int64)
    lim_bits = limiting.astype(np.int64) @ weights
    lift_bits = lifted.astype(np.int64) @ weights

    def names_of(bits: int) -> str | None:
        return ",".join(f for k, f in enumerate(names) if bits >> k & 1) or None

    def interventions_of(bits: int) -> str | None:
        items = {f"{req.interventions.loc[f, 'intervention_id']}|"
                 f"{req.interventions.loc[f, 'intervention_en']}"
                 for k, f in enumerate(names) if bits >> k & 1}
        return ";".join(sorted(items)) or None

    lim_u, lim_inv = np.unique(lim_bits, return_inverse=True)
    lift_u, lift_inv = np.unique(lift_bits, return_inverse=True)
    cls_names = np.array((None, *CLASSES), dtype=object)
    return pd.DataFrame({
        "suitability_class": cls_names[worst],
        "suitability_index": index,
        "limiting_factors": np.array([names_of(b) for b in lim_u], dtype=object)[lim_inv],
        "potential_class": np.where(used > 0, cls_names[potential], None),
        "interventions": np.array([interventions_of(b) for b in lift_u], dtype=object)[lift_inv],
        "factors_used": used,
    }, index=values.index)


def explain(rows: pd.DataFrame, values: pd.DataFrame, req: Requirements,
            lang: str = "id") -> pd.Series:
    """Short evidence text of suitability rows (from :func:`assess_areas`): the limiting
    factors' values against their S1 range, or, for S1, the factor that fits best.

    ``values`` are the area attributes (``{factor}_mean``) indexed by code.
    """
    k = 0 if lang == "id" else 1
    out = []
    facs_of: dict[str, dict[str, str]] = {}
    pos = pd.Series(np.arange(len(values)), index=values.index)
    row_of = pos.reindex(rows["code"].astype(str)).to_numpy()
    columns = {c: values[c].to_numpy() for c in values.columns if c.endswith("_mean")}
    for j, r in enumerate(rows.itertuples(index=False)):
        status = str(r.status)
        if status in ("not_assessed", "not_applicable"):
            out.append({"not_assessed": ("tidak dinilai", "not assessed"),
                        "not_applicable": ("tidak berlaku", "not applicable")}[status][k])
            continue
        if pd.isna(r.suitability_class):
            out.append(("tidak ada data lahan", "no land data")[k])
            continue
        basis = str(r.basis)
        if basis not in facs_of:
            facs_of[basis] = {row["factor"]: _range_text(_bounds(row), lang)
                              for _, row in req.factors(basis).iterrows()}
        facs = facs_of[basis]
        if r.suitability_class == "S1":
            order = [f for f in ("elevation", "temperature", "rainfall") if f in facs
                     and f"{f}_mean" in columns]
            chosen = order[:1]
            verb = (" cocok", " fits")[k]
        else:
            lim = r.limiting_factors
            chosen = [] if pd.isna(lim) else str(lim).split(",")
            verb = ""
        parts = []
        for f in chosen:
            lab = FACTOR_LABEL.get(f, (f, f, ""))
            v = columns[f"{f}_mean"][row_of[j]]
            unit = f" {lab[2]}" if lab[2] else ""
            rng = facs[f]
            parts.append(f"{lab[k]} {_fmt(v, lang)}{unit}{verb} (S1 {rng})")
        text = f"{r.suitability_class}: " + "; ".join(parts) if parts else str(r.suitability_class)
        if status == "inherited":
            text = (f"bahan baku {basis}: ", f"raw material {basis}: ")[k] + text
        out.append(text)
    return pd.Series(out, index=rows.index, dtype=object)


def cell_classes(
    cell_values: dict[str, np.ndarray], commodity: str, req: Requirements,
    cache: dict | None = None,
) -> np.ndarray:
    """Per covered cell: the limiting class (1..4) of a commodity over the factors that have
    data in that cell; 0 where no factor has data. ``cache`` (a dict kept by the caller)
    shares the classification of a factor between commodities with the same limits."""
    out = None
    for _, r in req.factors(commodity).iterrows():
        v = cell_values.get(r["factor"])
        if v is None:
            continue
        b = _bounds(r)
        key = (r["factor"], tuple(b))
        if cache is not None and key in cache:
            c = cache[key]
        else:
            c = classify(v, b)
            if cache is not None:
                cache[key] = c
        out = c.copy() if out is None else np.maximum(out, c, out=out)
    if out is None:
        n = len(next(iter(cell_values.values()))) if cell_values else 0
        return np.zeros(n, dtype=np.int8)
    return out
