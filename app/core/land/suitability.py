"""FAO land-suitability classes (S1/S2/S3/N) by the limiting-factor method.

Rules are data (``data/land_requirements.csv``, ``data/land_interventions.csv``); see
``data/land_requirements.md`` for the class limits, the index and the management levels.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError, UnggulanError
from unggulan.base.resources import bundled_data_dir
from unggulan.core.inputs.commodities import Catalogue
from unggulan.core.land.zonal import class_shares

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
    "wet_months": ("bulan basah", "wet months", "bln"), "nitrogen": ("nitrogen", "nitrogen", ""),
    "drainage": ("drainase", "drainage", ""), "texture": ("tekstur", "texture", ""),
    "salinity": ("salinitas", "salinity", ""),
    "esp": ("natrium dapat ditukar (ESP)", "exchangeable sodium (ESP)", ""),
}  # fmt: skip
#: a FACTOR_LABEL unit in English where the Bahasa one differs ("6,3 bln" / "6.3 months")
UNIT_EN = {"bln": "months"}
# land-based sectors: a commodity of these without requirement rows is "not assessed" (no
# published criteria, none guessed); crafts, textiles and processed food without a judged raw
# material are "not applicable". Any commodity with requirement rows is assessed, whatever
# its sector (see status_of).
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
        """The requirement rows of ``commodity`` (none: an empty frame), as the table
        holds them."""
        rows = self._by_commodity.get(commodity)
        return self.table.iloc[0:0] if rows is None else rows.copy(deep=False)

    @cached_property
    def _by_commodity(self) -> dict[str, pd.DataFrame]:
        # (split once: a national run asks for each commodity's rows hundreds of times)
        return dict(tuple(self.table.groupby("commodity", sort=False)))


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
    """How a commodity's land is judged, and whose requirements judge it.

    ``('assessed', commodity)`` when it has rows in the requirement table, whatever its sector
    (a fishery or livestock commodity with published criteria is assessed like a crop);
    ``('inherited', 'raw|...')`` for a product whose raw material has rows;
    ``('not_assessed', None)`` for a crop, fishery or livestock commodity without rows (no
    published criteria: none are guessed); ``('not_applicable', None)`` otherwise.

    Examples
    --------
    >>> cat, req = Catalogue.load(), Requirements.load()
    >>> status_of("kakao", cat, req), status_of("gula_aren", cat, req)
    (('assessed', 'kakao'), ('inherited', 'aren'))
    >>> status_of("krisan", cat, req), status_of("gerabah", cat, req)
    (('not_assessed', None), ('not_applicable', None))
    """
    have = set(req.table["commodity"])
    if commodity in have:
        return "assessed", commodity
    c = catalogue.get(commodity) if commodity in catalogue else None
    if c is None:
        return "not_applicable", None
    raws = [r for r in c.raw_material if r in have]
    if raws:
        return "inherited", "|".join(raws)
    if c.sector in LAND_SECTORS or c.sector in NOT_ASSESSED_SECTORS:
        return "not_assessed", None
    return "not_applicable", None


@lru_cache(maxsize=1 << 16)  # (an area's value, written for each of its candidates)
def _fmt(x: float, lang: str = "en") -> str:
    """1,150 / 23.3 (en) or 1.150 / 23,3 (id)."""
    if x in (np.inf, -np.inf):
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


def assessed_bases(assessed: pd.DataFrame, n: int) -> list[str]:
    """The requirement bases of :func:`assess_areas`' output (``n`` areas per commodity, the
    basis each commodity has in the first area), sorted: what :func:`shares_by_basis`
    classifies per cell."""
    bases = list(assessed["basis"].iloc[::n]) if n else []
    return sorted({b for b in bases if isinstance(b, str)})


def add_class_shares(assessed: pd.DataFrame, n: int, by_basis: dict[str, np.ndarray]
                     ) -> pd.DataFrame:
    """:func:`assess_areas`' output with ``share_s1`` ... ``share_n`` (``n`` areas per
    commodity): each commodity's rows take the per-area class shares of its basis
    (:func:`shares_by_basis`, ``(n, 4)``), NaN without one (no rasters, or not assessed).
    One float32 column per class, filled in place and joined without a copy (national
    runs: 18 million rows; ``frame[col] = array`` would copy each)."""
    shares = [np.full(len(assessed), np.nan, dtype=np.float32) for _ in CLASSES]
    bases = list(assessed["basis"].iloc[::n]) if n else []
    for j, basis in enumerate(bases):
        if isinstance(basis, str) and basis in by_basis:
            for k, col in enumerate(shares):
                col[j * n:(j + 1) * n] = by_basis[basis][:, k]
    return pd.concat([assessed, pd.DataFrame(
        {f"share_{c.lower()}": shares[k] for k, c in enumerate(CLASSES)},
        index=assessed.index, copy=False)], axis=1)


def check_management(management: str) -> None:
    """An :class:`UnggulanError` for a management level not in :data:`MANAGEMENT`.

    >>> check_management("sedang")
    """
    if management not in MANAGEMENT:
        raise UnggulanError(f"management must be one of {', '.join(MANAGEMENT)}, "
                            f"not '{management}'")


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
    check_management(management)
    level_i = MANAGEMENT.index(management)
    n = len(values)
    parts: list[dict] = []
    cache: dict[str, dict] = {}
    empty = {"suitability_class": pd.Categorical([None] * n),
             "suitability_index": np.full(n, np.nan),
             "limiting_factors": pd.Categorical([None] * n),
             "potential_class": pd.Categorical([None] * n),
             "interventions": pd.Categorical([None] * n),
             "factors_used": np.zeros(n, dtype=np.int16)}
    for cid in commodities:
        status, basis = status_of(cid, catalogue, req)
        if status in ("assessed", "inherited"):
            options = []
            for b in basis.split("|"):
                if b not in cache:
                    cache[b] = _assess_one(values, b, req, level_i)
                options.append((b, cache[b]))
            best_b, best = options[0]
            part = dict(best)
            # one basis for every area (a scalar) unless several raw materials compete
            part["basis"] = best_b if len(options) == 1 else np.full(n, best_b, dtype=object)
            for b, p in options[1:]:  # several raw materials: the best one counts
                better = np.nan_to_num(p["suitability_index"], nan=-1) > np.nan_to_num(
                    part["suitability_index"], nan=-1)
                for col in part:
                    if col == "basis":
                        part[col] = np.where(better, b, part[col])
                    else:
                        cur = np.asarray(part[col], dtype=object if isinstance(
                            part[col], pd.Categorical) else None)
                        new_vals = np.asarray(p[col], dtype=cur.dtype)
                        part[col] = np.where(better, new_vals, cur)
        else:
            part = dict(empty)
            part["basis"] = None
        part["status"] = status
        part["commodity"] = cid
        parts.append(part)
    # every column is built from small integer codes: a national run has millions of rows
    statuses = sorted({p["status"] for p in parts})
    status_codes = np.array([statuses.index(p["status"]) for p in parts], dtype=np.int8)
    out = {
        "code": pd.Categorical.from_codes(np.tile(np.arange(n, dtype=np.int32), len(parts)),
                                          categories=pd.Index(values.index.astype(str))),
        "commodity": pd.Categorical.from_codes(
            np.repeat(np.arange(len(parts), dtype=np.int32), n),
            categories=pd.Index(commodities)),
        "status": pd.Categorical.from_codes(np.repeat(status_codes, n), categories=statuses),
    }
    for col in ("basis", "suitability_class", "limiting_factors", "potential_class",
                "interventions"):
        out[col] = _concat_categoricals([p[col] for p in parts], n)
    out["suitability_index"] = np.concatenate([np.asarray(p["suitability_index"], float)
                                               for p in parts]) if parts else []
    out["factors_used"] = np.concatenate([np.asarray(p["factors_used"], np.int16)
                                          for p in parts]) if parts else []
    cols = ["code", "commodity", "status", "basis", "suitability_class", "suitability_index",
            "limiting_factors", "potential_class", "interventions", "factors_used"]
    # (copy=False: the fresh arrays become the columns as they are, neither copied nor
    # stacked into blocks; 1.3 s and a copy of every column nationally)
    return pd.DataFrame({c: out[c] for c in cols}, copy=False)


def _concat_categoricals(items: list, n: int = 0) -> pd.Categorical:
    """Concatenate categoricals (or object arrays) whose categories differ, by codes; a
    scalar item (a string or None) stands for ``n`` rows of that value."""
    cats: dict[str, int] = {}
    n_total = sum(n if item is None or isinstance(item, str) else len(item) for item in items)
    codes = np.empty(n_total, dtype=np.int32)  # filled in place: no list of code arrays
    pos = 0
    for item in items:
        if item is None or isinstance(item, str):
            code = -1 if item is None else cats.setdefault(item, len(cats))
            codes[pos:pos + n] = code
            pos += n
            continue
        if isinstance(item, pd.Categorical):
            c = item
        else:
            arr = np.asarray(item, dtype=object)
            if len(arr) and arr[0] is arr[-1] and (arr == arr[0]).all():
                c = pd.Categorical.from_codes(  # one value repeated (a basis, say)
                    np.zeros(len(arr), dtype=np.int8) - (arr[0] is None),
                    categories=[] if arr[0] is None else [arr[0]])
            else:
                c = pd.Categorical(arr)
        local = [str(x) for x in c.categories]
        remap = np.array([cats.setdefault(x, len(cats)) for x in local] + [-1], dtype=np.int32)
        codes[pos:pos + len(c)] = remap[np.where(c.codes < 0, len(local), c.codes)]
        pos += len(c)
    if not items:
        return pd.Categorical([])
    return pd.Categorical.from_codes(codes, categories=list(cats))


def _assess_one(values: pd.DataFrame, commodity: str, req: Requirements,
                level_i: int) -> pd.DataFrame:
    rows = [r for _, r in req.factors(commodity).iterrows() if f"{r['factor']}_mean" in values]
    n = len(values)
    if not rows:
        return {"suitability_class": pd.Categorical([None] * n),
                "suitability_index": np.full(n, np.nan),
                "limiting_factors": pd.Categorical([None] * n),
                "potential_class": pd.Categorical([None] * n),
                "interventions": pd.Categorical([None] * n),
                "factors_used": np.zeros(n, dtype=np.int16)}
    names = [r["factor"] for r in rows]
    # one 1-D array per factor (element-wise operations across a few factors are much
    # faster than reductions along a short second axis over 84,000 national desa)
    cls, idx, pot = [], [], []
    for f, r in zip(names, rows):
        v = values[f"{f}_mean"].to_numpy(float)
        c = classify(v, _bounds(r))
        lift = int(req.interventions.loc[f, MANAGEMENT[level_i]]) \
            if f in req.interventions.index else 0
        cls.append(c)
        idx.append(factor_index(v, _bounds(r)))
        p = np.maximum(c - lift, 1).astype(np.int8)
        p[c == 0] = 0
        pot.append(p)
    used = np.zeros(n, dtype=np.int16)
    worst = np.zeros(n, dtype=np.int8)
    potential = np.zeros(n, dtype=np.int8)
    index = np.full(n, np.inf)
    for c, i, p in zip(cls, idx, pot):
        has = c > 0
        used += has
        np.maximum(worst, c, out=worst)
        np.maximum(potential, p, out=potential)
        np.minimum(index, np.where(has, i, np.inf), out=index)
    index[used == 0] = np.nan
    lim_bits = np.zeros(n, dtype=np.int64)
    lift_bits = np.zeros(n, dtype=np.int64)
    for k, (c, p) in enumerate(zip(cls, pot)):
        lim_bits |= ((c == worst) & (worst > 1)).astype(np.int64) << k
        # an intervention counts where it lifts a factor that holds the class down
        lift_bits |= ((c > 0) & (p < c) & (c > potential)).astype(np.int64) << k

    def names_of(bits: int) -> str | None:
        return ",".join(f for k, f in enumerate(names) if bits >> k & 1) or None

    def interventions_of(bits: int) -> str | None:
        items = {f"{req.interventions.loc[f, 'intervention_id']}|"
                 f"{req.interventions.loc[f, 'intervention_en']}"
                 for k, f in enumerate(names) if bits >> k & 1}
        return ";".join(sorted(items)) or None

    def categorical(bits: np.ndarray, label) -> pd.Categorical:
        # (bits of a few factors: np.unique's sort costs more than counting them)
        seen = np.bincount(bits, minlength=1)
        uniq = np.flatnonzero(seen)
        position = np.zeros(len(seen), dtype=np.intp)
        position[uniq] = np.arange(len(uniq))
        inv = position[bits]
        labels = [label(int(b)) for b in uniq]
        cats = sorted({x for x in labels if x is not None})
        code_of = {c: i for i, c in enumerate(cats)}
        codes = np.array([code_of.get(x, -1) for x in labels], dtype=np.int64)[inv]
        return pd.Categorical.from_codes(codes, categories=cats)

    class_codes = np.where(used > 0, worst - 1, -1)
    pot_codes = np.where(used > 0, potential - 1, -1)
    return {
        "suitability_class": pd.Categorical.from_codes(class_codes, categories=list(CLASSES)),
        "suitability_index": index,
        "limiting_factors": categorical(lim_bits, names_of),
        "potential_class": pd.Categorical.from_codes(pot_codes, categories=list(CLASSES)),
        "interventions": categorical(lift_bits, interventions_of),
        "factors_used": used,
    }


def explain(rows: pd.DataFrame, values: pd.DataFrame, req: Requirements,
            lang: str = "id") -> pd.Series:
    """Short evidence text of suitability rows (from :func:`assess_areas`): the limiting
    factors' values against their S1 range, or, for S1, the factor that fits best.

    ``values`` are the area attributes (``{factor}_mean``) indexed by code.
    """
    k = 0 if lang == "id" else 1
    out = []
    facs_of: dict[str, dict[str, str]] = {}
    chosen_of: dict[tuple, list[tuple[str, str]]] = {}
    pos = pd.Series(np.arange(len(values)), index=values.index)
    row_of = pos.reindex(rows["code"].astype(str)).to_numpy().tolist()
    columns = {c: values[c].to_numpy(float).tolist() for c in values.columns
               if c.endswith("_mean")}
    fixed = {"not_assessed": ("tidak dinilai", "not assessed")[k],
             "not_applicable": ("tidak berlaku", "not applicable")[k]}
    no_land = ("tidak ada data lahan", "no land data")[k]
    inherited = ("bahan baku {}: ", "raw material {}: ")[k]
    cols = [rows[c].astype(object).tolist() for c in
            ("status", "suitability_class", "basis", "limiting_factors")]
    for j, (status, klass, basis, lim) in enumerate(zip(*cols)):
        status = str(status)
        if status in fixed:
            out.append(fixed[status])
            continue
        if klass is None or klass != klass:
            out.append(no_land)
            continue
        basis = str(basis)
        lim_key = None if lim is None or lim != lim else str(lim)
        key = (basis, klass, lim_key)
        chosen = chosen_of.get(key)
        if chosen is None:
            if basis not in facs_of:
                facs_of[basis] = {row["factor"]: _range_text(_bounds(row), lang)
                                  for _, row in req.factors(basis).iterrows()}
            facs = facs_of[basis]
            if klass == "S1":
                names = [f for f in ("elevation", "temperature", "rainfall") if f in facs
                         and f"{f}_mean" in columns][:1]
                verb = (" cocok", " fits")[k]
            else:
                names = [] if lim_key is None else lim_key.split(",")
                verb = ""
            # (column, "label ", " unit verb (S1 range)") per chosen factor: the value
            # goes between (joined, not formatted: 250,000 rows a language nationally)
            chosen = []
            for f in names:
                lab = FACTOR_LABEL.get(f, (f, f, ""))
                u = lab[2] if k == 0 else UNIT_EN.get(lab[2], lab[2])
                unit = f" {u}" if u else ""
                chosen.append((columns[f"{f}_mean"], f"{lab[k]} ",
                               f"{unit}{verb} (S1 {facs[f]})"))
            chosen_of[key] = chosen
        r = row_of[j]
        parts = [pre + _fmt(col[r], lang) + post for col, pre, post in chosen]
        text = f"{klass}: " + "; ".join(parts) if parts else str(klass)
        if status == "inherited":
            text = inherited.format(basis) + text
        out.append(text)
    return pd.Series(out, index=rows.index, dtype=object)


def classification_keys(commodity: str, req: Requirements, factors) -> list[tuple]:
    """The (factor, limits) classifications a commodity needs, for shared caching."""
    return [(r["factor"], tuple(_bounds(r))) for _, r in req.factors(commodity).iterrows()
            if r["factor"] in factors]


class ClassCache:
    """Per-cell classifications shared between commodities with the same limits, each
    dropped once the last commodity that needs it has used it (national runs would
    otherwise hold one int8 array per distinct limit set)."""

    def __init__(self, uses: dict[tuple, int]):
        self.uses = dict(uses)
        self.store: dict[tuple, np.ndarray] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple, values: np.ndarray) -> np.ndarray:
        with self.lock:
            hit = self.store.get(key)
        if hit is None:
            hit = classify(values, np.array(key[1]))
            with self.lock:
                if self.uses.get(key, 0) > 1:
                    self.store.setdefault(key, hit)
        return hit

    def release(self, key: tuple) -> None:
        with self.lock:
            self.uses[key] = self.uses.get(key, 1) - 1
            if self.uses[key] <= 0:
                self.store.pop(key, None)


def cell_classes(
    cell_values: dict[str, np.ndarray], commodity: str, req: Requirements,
    cache: ClassCache | None = None,
) -> np.ndarray:
    """Per covered cell: the limiting class (1..4) of a commodity over the factors that have
    data in that cell; 0 where no factor has data."""
    out = None
    for key in classification_keys(commodity, req, cell_values):
        v = cell_values[key[0]]
        if cache is not None:
            c = cache.get(key, v)
            cache.release(key)
        else:
            c = classify(v, np.array(key[1]))
        out = c.copy() if out is None else np.maximum(out, c, out=out)
    if out is None:
        n = len(next(iter(cell_values.values()))) if cell_values else 0
        return np.zeros(n, dtype=np.int8)
    return out


#: threads binning the factors of a :class:`ClassTable` (tens of millions of cells each)
#: and finding the commodities' shares from it
BIN_THREADS = 2


class ClassTable:
    """Per-pixel class shares of many commodities at once, on a compressed pixel table.

    A pixel's class for a commodity depends only on where each factor's value lies among
    that commodity's limits. Binning every factor once by all the limits in use (each bin
    stands for a range of values that no limit splits, or a value equal to a limit) turns a
    pixel into a tuple of bins; the distinct tuples, and the (area, tuple) pairs with their
    summed coverage, are far fewer than the covered pixels (national synthetic layer: 11.8
    million covered cells, 0.72 million tuples, 1.44 million pairs). A commodity is then
    classified once per tuple (each bin by a representative value, with :func:`classify`
    itself, so comparisons at the limits are exactly those of the per-pixel path) and its
    class shares are one weighted count over the pairs.

    Shares equal :func:`unggulan.core.land.zonal.class_shares` of :func:`cell_classes` up to the
    order in which coverage weights are summed (differences near 1e-16).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> cov = SimpleNamespace(n_areas=1, area=np.array([0, 0, 0]),
    ...                       weights=np.array([1.0, 1.0, 0.5]))
    >>> cells = {"ph": np.array([5.0, 6.0, np.nan], dtype=np.float32)}
    >>> key = ("ph", (4.0, 4.5, 5.5, 7.0, 7.5, 8.0))  # S1 5.5-7, S2 4.5-5.5 ...
    >>> ClassTable(cov, cells, [key]).shares([key]).round(2).tolist()
    [[0.5, 0.5, 0.0, 0.0]]
    """

    def __init__(self, cov, cell_values: dict[str, np.ndarray], keys, consume: bool = False):
        """``consume``: take each factor's values out of ``cell_values`` once binned (and
        the factors no key uses at once), so the per-pixel values and their bins are not
        all held together (national: 12 rasters x 11.8 million cells)."""
        limits: dict[str, set] = {}
        for factor, bounds in keys:
            limits.setdefault(factor, set()).update(b for b in bounds if np.isfinite(b))
        self.reps: dict[str, np.ndarray] = {}
        self.tuple_bins: dict[str, np.ndarray] = {}
        bins: dict[str, np.ndarray] = {}
        if consume:
            for factor in [f for f in cell_values if f not in limits]:
                del cell_values[factor]
        code = np.zeros(len(cov.area), dtype=np.int64)
        size = 1
        factors = sorted(limits)

        def binned(factor):
            return _bins(cell_values[factor], np.array(sorted(limits[factor]), float))

        # two factors binned at a time (numpy's comparisons run without the GIL), while
        # this thread mixes the finished ones into the code
        with ThreadPoolExecutor(max_workers=BIN_THREADS) as pool:
            for factor, (b, reps) in zip(factors, pool.map(binned, factors), strict=True):
                if consume:
                    del cell_values[factor]
                bins[factor], self.reps[factor] = b, reps
                if size * len(reps) >= 2 ** 62:  # keep the mixed-radix code within int64
                    code, uniq = pd.factorize(code)
                    size = len(uniq)
                code *= len(reps)
                code += b
                size *= len(reps)
        labels, uniq = pd.factorize(code)
        del code
        n_tuples = len(uniq)
        first = np.empty(n_tuples, dtype=np.intp)
        first[labels] = np.arange(len(labels))  # any pixel of a tuple has its bins
        for factor, b in bins.items():
            self.tuple_bins[factor] = b[first]
        del bins, first
        pair, uniq = pd.factorize(cov.area.astype(np.int64) * n_tuples + labels)
        self.n_areas = cov.n_areas
        self.pair_area = (uniq // n_tuples).astype(np.int64)
        self.pair_tuple = (uniq % n_tuples).astype(np.intp)
        self.pair_weight = np.bincount(pair, weights=cov.weights, minlength=len(uniq))
        self.n_cells = len(labels)

    @property
    def n_tuples(self) -> int:
        return len(next(iter(self.tuple_bins.values()))) if self.tuple_bins else 0

    def shares(self, keys, n_classes: int = 4) -> np.ndarray:
        """(n_areas, n_classes) shares of S1..N for one commodity's classification keys."""
        slots = n_classes + 1
        cls = None
        for factor, bounds in keys:
            c = classify(self.reps[factor], np.array(bounds))[self.tuple_bins[factor]]
            cls = c if cls is None else np.maximum(cls, c, out=cls)
        if cls is None:
            return np.full((self.n_areas, n_classes), np.nan)
        key = self.pair_area * slots + cls[self.pair_tuple]
        sums = np.bincount(key, weights=self.pair_weight,
                           minlength=self.n_areas * slots).reshape(self.n_areas, slots)[:, 1:]
        tot = sums.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, sums / tot, np.nan)


def _bins(values: np.ndarray, limits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin index per value and one representative value per bin for sorted finite
    ``limits`` L: bin 2p holds the values strictly between L[p-1] and L[p] (open at the
    ends), bin 2p+1 the values equal to L[p], the last bin NaN."""
    n = len(limits)
    v = np.asarray(values)
    nan_bin = 2 * n + 1
    # the smallest integers that hold the bins (tens of millions of cells per factor, and
    # every factor's bins held together by a ClassTable)
    dtype = np.uint8 if nan_bin < 2 ** 8 else np.uint16 if nan_bin < 2 ** 16 else np.uint32
    if n > 16:
        # searched a slice at a time: the search's 64-bit positions and the limits found
        # are a slice's, not every cell's (two factors are binned at once)
        b = np.empty(len(v), dtype=dtype)
        for a in range(0, len(v), BIN_SLICE):
            part = v[a:a + BIN_SLICE]
            p = np.searchsorted(limits, part, side="left")
            at = (p < n) & (limits[np.minimum(p, n - 1)] == part)
            p *= 2
            p += at
            b[a:a + BIN_SLICE] = p
    else:
        # for a few limits, counted (faster than a search or a lookup): the limits below a
        # value plus those at or below it, 2p between L[p-1] and L[p], 2p + 1 at L[p]
        b = np.zeros(len(v), dtype=np.uint8)      # (2 * 16 + 1 bins fit in 8 bits)
        hit = np.empty(len(v), dtype=bool)        # (tens of millions of cells: in place)
        for limit in limits:
            for compare in (np.greater, np.greater_equal):
                compare(v, limit, out=hit)
                b += hit.view(np.uint8)
        del hit
    b[np.isnan(v)] = nan_bin
    reps = np.empty(nan_bin + 1)
    if n:
        ext = np.r_[limits[0] - 1.0, limits, limits[-1] + 1.0]
        reps[0:2 * n + 1:2] = (ext[:-1] + ext[1:]) / 2
        reps[1:2 * n:2] = limits
    else:
        reps[0] = 0.0
    reps[nan_bin] = np.nan
    return b, reps


#: cells searched at a time by :func:`_bins`
BIN_SLICE = 1 << 20


def shares_by_basis(cov, cell_values: dict[str, np.ndarray], bases, req: Requirements,
                    direct_below: int = 6, consume: bool = False) -> dict[str, np.ndarray]:
    """(n_areas, 4) shares of S1..N land per assessed basis (a commodity or raw material
    with requirement rows), from per-pixel classification weighted by coverage.

    Few bases are classified pixel by pixel (:func:`cell_classes`); many share one
    :class:`ClassTable` (building it costs about as much as classifying six commodities
    directly; each commodity then costs a few milliseconds nationally). ``consume``: the
    table may empty ``cell_values`` as it bins them (the caller has no further use).
    """
    bases = list(dict.fromkeys(bases))
    keys_of = {b: classification_keys(b, req, cell_values) for b in bases}
    if len(bases) < direct_below:
        return {b: class_shares(cov, cell_classes(cell_values, b, req)) for b in bases}
    table = ClassTable(cov, cell_values, {k for ks in keys_of.values() for k in ks},
                       consume=consume)
    with ThreadPoolExecutor(max_workers=BIN_THREADS) as pool:  # (numpy, without the GIL)
        return dict(zip(bases, pool.map(lambda b: table.shares(keys_of[b]), bases),
                        strict=True))
