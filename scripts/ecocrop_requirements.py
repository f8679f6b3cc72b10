"""Generate the ECOCROP-derived rows of ``data/land_requirements.csv``.

For every crop in ``data/ecocrop_species.csv`` that has no row from the Indonesian criteria
(``djaenudin2011``, the first source), the class limits are derived from FAO ECOCROP's optimal
and absolute ranges with the EcoCrop model's rule (Hijmans et al. 2001; Ramirez-Villegas et al.
2013): suitability is linear between an absolute limit (index 0) and the optimal limit on the
same side (index 1). S1 is the optimum (index 1), S2 is index 0.5 to 1, S3 is index 0 to 0.5
(both ends at an absolute limit included), N is outside the absolute range. Hence the S2/S3
boundary is the midpoint between the optimal and the absolute limit. See
``data/land_requirements.md``.

Factors: temperature (TMIN/TOPMN/TOPMX/TMAX), annual rainfall (RMIN/ROPMN/ROPMX/RMAX), pH
(PHMIN/PHOPMN/PHOPMX/PHMAX) and soil depth (the lower bounds of the optimal depth class DEP and
the absolute depth class DEPR). A factor whose four values are not all given, or not in order,
is left out (never repaired). Altitude, texture, drainage and salinity are not used.

Usage::

    python scripts/ecocrop_requirements.py            # rewrite data/land_requirements.csv
    python scripts/ecocrop_requirements.py --check    # exit 1 if the file differs
    python scripts/ecocrop_requirements.py --ecocrop PATH/EcoCrop_DB.csv

The output is deterministic: the rows of other sources come first, untouched and in their
order; the ECOCROP rows follow in the order of ``data/ecocrop_species.csv``, factors in the
order temperature, rainfall, ph, soil_depth.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEFAULT_DB = ROOT.parent / "shared" / "data" / "reference" / "ecocrop" / "EcoCrop_DB.csv"
COLUMNS = ["commodity", "factor", "unit", "s3_low", "s2_low", "s1_low", "s1_high", "s2_high",
           "s3_high", "source", "species", "checked"]
LIMITS = COLUMNS[3:9]
SOURCE = "ecocrop"
FIRST_SOURCE = "djaenudin2011"
#: factor -> (unit, absolute min, optimal min, optimal max, absolute max) column names
RANGES = {
    "temperature": ("degC", "TMIN", "TOPMN", "TOPMX", "TMAX"),
    "rainfall": ("mm/yr", "RMIN", "ROPMN", "ROPMX", "RMAX"),
    "ph": ("pH", "PHMIN", "PHOPMN", "PHOPMX", "PHMAX"),
}
#: lower bound (cm) of ECOCROP's soil depth classes: shallow (20-50 cm), medium (50-150 cm),
#: deep (>>150 cm)
DEPTH_LOWER_CM = {"shallow": 20.0, "medium": 50.0, "deep": 150.0}
FACTORS = (*RANGES, "soil_depth")


def read_ecocrop(path: str | Path = DEFAULT_DB) -> pd.DataFrame:
    """The ECOCROP table indexed by ``ScientificName`` (the file is Windows-1252 text).

    Examples
    --------
    >>> db = read_ecocrop()  # doctest: +SKIP
    >>> db.loc["Theobroma cacao", "TOPMN"]  # doctest: +SKIP
    21.0
    """
    db = pd.read_csv(path, encoding="cp1252", encoding_errors="replace", low_memory=False)
    dup = db["ScientificName"][db["ScientificName"].duplicated()].tolist()
    if dup:
        raise ValueError(f"{path}: duplicate ScientificName {dup[:5]}")
    return db.set_index("ScientificName")


def two_sided_limits(amin: float, omin: float, omax: float,
                     amax: float) -> tuple[float, ...] | None:
    """Class limits (s3_low, s2_low, s1_low, s1_high, s2_high, s3_high) from an absolute and
    an optimal range; None when a value is missing or the four are not in order.

    The S2/S3 boundary is where the EcoCrop index (0 at the absolute limit, 1 at the optimal
    limit) is 0.5, i.e. the midpoint.

    Examples
    --------
    >>> two_sided_limits(10, 20, 29, 35)  # cassava temperature
    (10.0, 15.0, 20.0, 29.0, 32.0, 35.0)
    >>> two_sided_limits(12, 10, 20, 30) is None  # absolute min above the optimal min
    True
    """
    vals = [float(v) for v in (amin, omin, omax, amax)]
    if any(math.isnan(v) for v in vals) or vals != sorted(vals):
        return None
    lo, olo, ohi, hi = vals
    return (lo, (lo + olo) / 2, olo, ohi, (ohi + hi) / 2, hi)


def depth_limits(optimal: object, absolute: object) -> tuple[float, ...] | None:
    """Soil depth limits (cm) from ECOCROP's optimal (DEP) and absolute (DEPR) depth classes:
    S1 from the optimal class's lower bound, N below the absolute class's lower bound, the
    S2/S3 boundary at the midpoint; deeper soil is never limiting.

    Examples
    --------
    >>> depth_limits("deep (>>150 cm)", "medium (50-150 cm)")
    (50.0, 100.0, 150.0, nan, nan, nan)
    >>> depth_limits("medium (50-150 cm)", None) is None
    True
    """
    lo = [DEPTH_LOWER_CM.get(str(v).split(" ")[0].strip().lower()) for v in (absolute, optimal)]
    if None in lo or lo[0] > lo[1]:
        return None
    a, o = lo
    return (a, (a + o) / 2, o, math.nan, math.nan, math.nan)


def species_factors(record: pd.Series) -> tuple[dict[str, tuple], dict[str, str]]:
    """The limits of each usable factor of one ECOCROP record, and why others are left out."""
    used: dict[str, tuple] = {}
    skipped: dict[str, str] = {}
    for factor, (_unit, *cols) in RANGES.items():
        vals = [pd.to_numeric(record.get(c), errors="coerce") for c in cols]
        lim = two_sided_limits(*vals)
        if lim is None:
            missing = any(pd.isna(v) for v in vals)
            skipped[factor] = ("missing value" if missing
                               else f"ranges out of order {[float(v) for v in vals]}")
        else:
            used[factor] = lim
    dep = depth_limits(record.get("DEP"), record.get("DEPR"))
    if dep is None:
        skipped["soil_depth"] = f"depth classes {record.get('DEP')!r} / {record.get('DEPR')!r}"
    else:
        used["soil_depth"] = dep
    return used, skipped


def read_species(path: str | Path = DATA / "ecocrop_species.csv") -> pd.DataFrame:
    """The reviewed mapping catalogue id -> ECOCROP ScientificName (columns id, species, note)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns) != ["id", "species", "note"]:
        raise ValueError(f"{path}: columns must be id, species, note")
    dup = table["id"][table["id"].duplicated()].tolist()
    if dup:
        raise ValueError(f"{path}: duplicate id(s) {dup}")
    return table


def ecocrop_table(species: pd.DataFrame, db: pd.DataFrame,
                  commodities: list[str] | None = None) -> pd.DataFrame:
    """ECOCROP-derived requirement rows (floats, NaN where open) for the mapped commodities
    (all of them, or those listed), in the mapping's order.

    Examples
    --------
    >>> t = ecocrop_table(read_species(), read_ecocrop(), ["kakao"])  # doctest: +SKIP
    >>> t.loc[t["factor"] == "temperature", LIMITS].values.tolist()  # doctest: +SKIP
    [[10.0, 15.5, 21.0, 32.0, 35.0, 38.0]]
    """
    rows = []
    wanted = None if commodities is None else set(commodities)
    for r in species.itertuples(index=False):
        if wanted is not None and r.id not in wanted:
            continue
        if r.species not in db.index:
            raise KeyError(f"{r.id}: species '{r.species}' is not in ECOCROP")
        used, _ = species_factors(db.loc[r.species])
        for factor in FACTORS:
            if factor in used:
                unit = RANGES[factor][0] if factor in RANGES else "cm"
                rows.append([r.id, factor, unit, *used[factor], SOURCE, r.species, ""])
    return pd.DataFrame(rows, columns=COLUMNS)


def _text(v: object) -> str:
    """A limit as the CSV writes it: empty when open, no trailing '.0'."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    s = repr(round(float(v), 6))
    return s[:-2] if s.endswith(".0") else s


def build_requirements(current: pd.DataFrame, species: pd.DataFrame,
                       db: pd.DataFrame) -> pd.DataFrame:
    """The whole requirement table as text cells: the rows of other sources unchanged, then
    the ECOCROP rows of every mapped commodity that has no row of another source."""
    current = current.copy()
    if "species" not in current:
        current.insert(current.columns.get_loc("source") + 1, "species", "")
    keep = current[current["source"] != SOURCE][COLUMNS]
    covered = set(keep["commodity"])
    todo = [c for c in species["id"] if c not in covered]
    generated = ecocrop_table(species, db, todo).map(_text)
    return pd.concat([keep, generated], ignore_index=True)


def render(table: pd.DataFrame) -> str:
    """CSV text of a requirement table (``\\n`` line ends, minimal quoting)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table[COLUMNS].itertuples(index=False):
        writer.writerow([_text(v) for v in row])
    return buf.getvalue()


def generate(path: str | Path = DATA / "land_requirements.csv", *,
             ecocrop: str | Path = DEFAULT_DB,
             species: str | Path = DATA / "ecocrop_species.csv") -> str:
    """The text ``land_requirements.csv`` should have, given its non-ECOCROP rows."""
    current = pd.read_csv(path, dtype=str, keep_default_na=False)
    return render(build_requirements(current, read_species(species), read_ecocrop(ecocrop)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare instead of writing; exit 1 when the file differs")
    ap.add_argument("--ecocrop", default=str(DEFAULT_DB), help="path of EcoCrop_DB.csv")
    ap.add_argument("--table", default=str(DATA / "land_requirements.csv"))
    ap.add_argument("--species", default=str(DATA / "ecocrop_species.csv"))
    args = ap.parse_args(argv)
    text = generate(args.table, ecocrop=args.ecocrop, species=args.species)
    path = Path(args.table)
    if args.check:
        same = path.read_text(encoding="utf-8") == text
        print(f"{path}: {'up to date' if same else 'differs from the generator output'}")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    n = sum(1 for line in text.splitlines()[1:] if f",{SOURCE}," in line)
    print(f"wrote {path}: {len(text.splitlines()) - 1} rows, {n} from ECOCROP")
    return 0


if __name__ == "__main__":
    sys.exit(main())
