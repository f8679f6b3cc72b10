"""Issue #30's counts on a dataset: how the first candidates of desa without activity read.

- land-only desa: desa with no activity of their own (no sentra, no statistics of their own
  or of their kecamatan);
- of those, desa where a commodity the kabupaten produces (its sentra list or statistics,
  any level) is S1-S3, and how many get such a commodity first;
- desa whose first two candidates have exactly the same score, and how many of those the
  stability calls "stabil 100%";
- the most frequent first candidate, and the basis of the first candidates.

Usage (Bone without its statistics, as a new user with rasters and a sentra list)::

    mkdir -p /tmp/bone_nostat
    for d in boundaries agroecology sentra; do ln -s "$PWD/../shared/data/bone/$d" /tmp/bone_nostat/$d; done
    python scripts/local_relevance_counts.py /tmp/bone_nostat [--weights local=0]
"""  # noqa: E501

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    from unggulan import Dataset
    from unggulan.core.ranking.candidates import local_production
    from unggulan.core.ranking.run import default_scenario

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--management", default="rendah")
    a = ap.parse_args()
    ds = Dataset.open(a.data)
    sc = default_scenario(a.weights, management=a.management)
    ev = ds.evidence("desa", sc).copy()
    ev["code"] = ev["code"].astype(str)
    ev["commodity"] = ev["commodity"].astype(str)
    areas = ds.areas("desa")
    kab_of, produced = local_production(ds.layers, "desa", ds.sentra(), ds.statistics())
    local = set(zip(produced["kabupaten_code"], produced["commodity"]))
    active = set(ev.loc[ev["active"].astype(bool), "code"])
    land_only = [c for c in areas.index if c not in active]
    cls = "potential_class" if "potential_class" in ev else "suitability_class"
    ok = ev[ev[cls].astype(str).isin(["S1", "S2", "S3"])]
    local_ok = {c for c, k in zip(ok["code"], ok["commodity"]) if (kab_of[c], k) in local}
    cand = ds.candidates("desa", scenario=sc)
    first = cand[cand["rank"] == 1].set_index("code")
    second = cand[cand["rank"] == 2].set_index("code")
    want = [d for d in land_only if d in local_ok]
    on_top = [d for d in want if (kab_of[d], first.loc[d, "commodity"]) in local]
    both = first.index.intersection(second.index)
    tied = [d for d in both if np.round(first.loc[d, "score"], 6)
            == np.round(second.loc[d, "score"], 6)]
    counts = first["commodity"].value_counts()
    print(f"{a.data} weights={a.weights or 'default'} management={a.management}: "
          f"{len(areas)} desa")
    print(f"land-only desa {len(land_only)}; with a commodity of the kabupaten S1-S3 "
          f"{len(want)}; with one first {len(on_top)}")
    print(f"desa whose first two tie exactly: {len(tied)}")
    print(f"most frequent first: {counts.index[0]} ({int(counts.iloc[0])} desa)")
    print("basis of the first candidates:", first["basis"].value_counts().to_dict())
    st = ds.area_stability("desa", sc)
    if st is not None:
        lab = st.set_index("code")["stability_label_id"].reindex(tied)
        print(f"tied desa labelled 'stabil 100%': {int((lab == 'stabil 100%').sum())}")


if __name__ == "__main__":
    main()
