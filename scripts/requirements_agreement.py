"""How often the Indonesian criteria and ECOCROP give a desa the same suitability class.

For every crop with ``djaenudin2011`` rows (Djaenudin et al. 2011, the table's first source),
ECOCROP rows are generated in memory from ``data/ecocrop_species.csv`` with the rule of
``scripts/ecocrop_requirements.py`` (they never enter the table). Both sets of limits are
applied to the real Bone rasters (``Dataset.open(...).attributes("desa")``) with unggulan's
classifier (:func:`unggulan.core.land.suitability.assess_areas`, management ``rendah``) and compared
desa by desa:

- ``all``: each source with all of its factors, as unggulan would classify the crop;
- ``shared``: each source with only the factors both have (temperature, rainfall, pH and soil
  depth where both give them), which isolates the difference in the limits themselves.

Usage::

    python scripts/requirements_agreement.py [--data ../shared/data/bone] [--level desa]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from unggulan.core.inputs.commodities import Catalogue  # noqa: E402
from unggulan.core.land.suitability import CLASSES, Requirements, assess_areas  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location(
        "ecocrop_requirements", ROOT / "scripts" / "ecocrop_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _classes(values: pd.DataFrame, crop: str, table: pd.DataFrame, base: Requirements,
             catalogue: Catalogue) -> pd.Series:
    req = Requirements(table, base.interventions, base.sources)
    out = assess_areas(values, [crop], catalogue, req, "rendah")
    return pd.Series(out["suitability_class"].astype(object).to_numpy(), index=values.index)


def agreement(values: pd.DataFrame, djaenudin: pd.DataFrame, ecocrop: pd.DataFrame,
              catalogue: Catalogue, base: Requirements) -> pd.DataFrame:
    """Per crop: areas compared, share with the same class (all factors and shared factors),
    how often ECOCROP's class is better or worse, and each source's class counts.

    ``djaenudin`` and ``ecocrop`` are requirement tables (rows of both sources for the same
    crops); ``values`` holds the areas' ``{factor}_mean`` columns.

    Examples
    --------
    >>> # see tests/core/test_requirements_ecocrop.py for a hand-worked case
    """
    rows = []
    rank = {c: i for i, c in enumerate(CLASSES)}
    for crop in sorted(set(djaenudin["commodity"]) & set(ecocrop["commodity"])):
        dj = djaenudin[djaenudin["commodity"] == crop]
        ec = ecocrop[ecocrop["commodity"] == crop]
        present = {c[:-5] for c in values.columns if c.endswith("_mean")}
        shared = sorted(set(dj["factor"]) & set(ec["factor"]) & present)
        a = _classes(values, crop, dj, base, catalogue)
        b = _classes(values, crop, ec, base, catalogue)
        both = a.notna() & b.notna()
        ra, rb = a[both].map(rank), b[both].map(rank)
        row = {"crop": crop, "species": ec["species"].iloc[0],
               "factors_djaenudin": len(set(dj["factor"]) & present),
               "factors_ecocrop": len(set(ec["factor"]) & present),
               "shared": ",".join(shared), "n": int(both.sum()),
               "agree_all": float((ra == rb).mean()) if both.any() else np.nan,
               "ecocrop_better": float((rb < ra).mean()) if both.any() else np.nan,
               "ecocrop_worse": float((rb > ra).mean()) if both.any() else np.nan}
        if shared:
            sa = _classes(values, crop, dj[dj["factor"].isin(shared)], base, catalogue)
            sb = _classes(values, crop, ec[ec["factor"].isin(shared)], base, catalogue)
            ok = sa.notna() & sb.notna()
            row["n_shared"] = int(ok.sum())
            row["agree_shared"] = float((sa[ok] == sb[ok]).mean()) if ok.any() else np.nan
        else:
            row["n_shared"], row["agree_shared"] = 0, np.nan
        for name, s in (("djaenudin", a[both]), ("ecocrop", b[both])):
            counts = s.value_counts()
            row[f"classes_{name}"] = " ".join(f"{c}:{int(counts.get(c, 0))}" for c in CLASSES)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    from unggulan import Dataset

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "bone"))
    ap.add_argument("--level", default="desa")
    ap.add_argument("--ecocrop", default=None, help="path of EcoCrop_DB.csv")
    args = ap.parse_args(argv)

    gen = _generator()
    ds = Dataset.open(args.data)
    values = ds.attributes(args.level)
    base = Requirements.load()
    dj = base.table[base.table["source"] == "djaenudin2011"]
    db = gen.read_ecocrop(args.ecocrop or gen.DEFAULT_DB)
    eco = gen.ecocrop_table(gen.read_species(), db, sorted(set(dj["commodity"])))
    table = agreement(values, dj, eco, ds.catalogue, base)

    show = table.copy()
    for c in ("agree_all", "agree_shared", "ecocrop_better", "ecocrop_worse"):
        show[c] = (100 * show[c]).round(1)
    pd.set_option("display.width", 200)
    print(f"Djaenudin et al. 2011 vs ECOCROP, {len(values)} {args.level} of {args.data}")
    print("(agree/better/worse in % of areas; 'shared' = factors both sources give)\n")
    print(show.to_string(index=False))
    n, n_s = table["n"].sum(), table["n_shared"].sum()
    pooled = (table["agree_all"] * table["n"]).sum() / n
    pooled_s = (table["agree_shared"].fillna(0) * table["n_shared"]).sum() / n_s
    print(f"\noverall, all factors: {100 * pooled:.1f}% of {n} crop x {args.level} pairs "
          f"(crop mean {100 * table['agree_all'].mean():.1f}%); ECOCROP better in "
          f"{100 * (table['ecocrop_better'] * table['n']).sum() / n:.1f}%, worse in "
          f"{100 * (table['ecocrop_worse'] * table['n']).sum() / n:.1f}%")
    print(f"overall, shared factors: {100 * pooled_s:.1f}% of {n_s} pairs "
          f"(crop mean {100 * table['agree_shared'].mean():.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
