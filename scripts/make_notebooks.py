"""Write notebooks/*.ipynb from the cells below (committed without outputs; the test suite
executes them). Run: python scripts/make_notebooks.py"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

QUICKSTART = [
    ("md", """# unggulan: quickstart

Open a dataset, look at the candidate flagship commodities (*komoditas unggulan*) of each
desa, change the score weights, map them and export them for QGIS.

This notebook uses the bundled sample dataset (`data/`, synthetic: *Kabupaten Contoh*).
Point `Dataset.open` at your own folder of boundaries, sentra tables and rasters to run the
same steps on real data."""),
    ("code", """from pathlib import Path
import tempfile

import geopandas as gpd
from unggulan import Dataset

ds = Dataset.open()          # the bundled data; Dataset.open("path/to/folder") for yours
summary = ds.summary()
{k: summary[k] for k in ("dataset", "synthetic", "levels", "usable")}"""),
    ("md", "## Areas and sentra\nBoundaries come back as GeoDataFrames in EPSG:4326, keyed by the official area code."),
    ("code", """desa = ds.areas("desa")
print(len(desa), "desa,", len(ds.areas("kecamatan")), "kecamatan")
desa[["code", "name", "kecamatan_name", "area_ha"]].head()"""),
    ("code", """sentra = ds.sentra()
sentra.groupby("commodity_id")["workers"].agg(["count", "sum"]).sort_values("sum", ascending=False).head(10)"""),
    ("md", """## Candidates
One row per area and rank; `reason_id` / `reason_en` say why."""),
    ("code", """cand = ds.candidates("desa", top=3)
cand[["code", "name", "rank", "commodity", "score", "suitability_class", "lq", "sentra", "reason_en"]].head(9)"""),
    ("md", """## Change the weights
Weights not given keep their default; see `GET /api/v1/weights` or `unggulan.core.ranking.scoring.DEFAULT_WEIGHTS`."""),
    ("code", """from unggulan.core.ranking.scoring import DEFAULT_WEIGHTS
print(DEFAULT_WEIGHTS)
land_first = ds.candidates("desa", top=1, weights="suitability=0.7,specialisation=0.1")
default_top = cand[cand["rank"] == 1].set_index("code")["commodity"]
changed = (land_first.set_index("code")["commodity"] != default_top.reindex(land_first["code"]).values)
print(f"{changed.sum()} of {len(land_first)} desa change their top candidate when land counts most")"""),
    ("md", "## Map it\nThe same map the service shows, inline (scripts are embedded, so it works offline)."),
    ("code", """m = ds.map("desa", lang="en")
m"""),
    ("md", "## Export for QGIS\nGeoPackage (several layers in one file, styled), zipped shapefile with a field mapping, GeoJSON, CSV, GeoParquet."),
    ("code", """out = Path(tempfile.mkdtemp())
ds.export("candidates", out / "unggulan.gpkg", level="desa", overwrite=True)
ds.export("areas", out / "unggulan.gpkg", level="kecamatan")
ds.export("candidates", out / "kandidat_desa.zip", level="desa", overwrite=True)
back = gpd.read_file(out / "unggulan.gpkg", layer="candidates_desa")
assert len(back) == len(desa) and back.crs.to_epsg() == 4326
back[["code", "name", "top1", "top1_score"]].head()"""),
]

ANALYSIS = [
    ("md", """# unggulan: an analysis walk-through on Kabupaten Bone

Real desa and kecamatan boundaries and 18 real agro-ecological rasters of Kabupaten Bone
(South Sulawesi), from `../shared/data/bone` beside the project. Its sentra table is
**synthetic** (no real sentra list was available), so the specialisation results illustrate
the method, not Bone's economy. Where the folder is absent the notebook falls back to the
bundled sample data.

1. the distribution of land suitability for one commodity;
2. location quotients against sentra counts;
3. how sensitive the ranking is to the weights."""),
    ("code", """from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from unggulan import Dataset

BONE = Path("../../shared/data/bone")
ds = Dataset.open(BONE if BONE.exists() else None)
print(ds.name, "-", len(ds.areas("desa")), "desa,", len(ds.sentra()), "sentra records")"""),
    ("md", "## 1. Land suitability for cocoa (kakao)\nFAO classes S1-S3/N by the limiting-factor method, and each area's share of pixels in each class."),
    ("code", """suit = ds.suitability("desa", commodities=["kakao"])
print(suit["suitability_class"].value_counts().sort_index())
print(suit["limiting_factors"].str.split(",").explode().value_counts().head(5))"""),
    ("code", """fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
suit["suitability_index"].plot.hist(bins=30, ax=axes[0], color="#117733")
axes[0].set_xlabel("suitability index (0-1)")
axes[0].set_title("kakao: suitability index per desa")
suit[["share_s1", "share_s2", "share_s3", "share_n"]].mean().plot.bar(ax=axes[1], color=["#238443", "#78C679", "#D9F0A3", "#BBBBBB"])
axes[1].set_title("mean share of each desa's pixels per class")
plt.tight_layout()"""),
    ("code", """ds.map("desa", commodity="kakao", lang="en")"""),
    ("md", "## 2. Location quotient against sentra counts\nLQ on sentra workers, shrunk towards 1 where there is little evidence."),
    ("code", """long = ds.candidates("desa", top=20)
with_sentra = long[long["sentra"] > 0]
fig, ax = plt.subplots(figsize=(6, 4))
for sector, g in with_sentra.groupby("sector"):
    ax.scatter(g["sentra"], g["lq"], s=12, label=sector, alpha=0.7)
ax.set_xlabel("sentra in the desa"); ax.set_ylabel("LQ (workers)"); ax.set_yscale("log")
ax.axhline(1, color="grey", lw=0.8); ax.legend(fontsize=7)
print(with_sentra[["sentra", "lq"]].corr(method="spearman"))"""),
    ("md", """## 3. Sensitivity of the ranking to the weights
Each weight in turn is halved and doubled (the others keep their default), then 30 random
weight vectors are drawn from a Dirichlet distribution centred on the defaults. For each, the
share of desa whose top candidate stays the same."""),
    ("code", """from unggulan.core.ranking.scoring import DEFAULT_WEIGHTS

def top1(weights):
    c = ds.candidates("desa", top=1, weights=weights)
    return c.set_index("code")["commodity"]

base = top1(None)
rows = []
for comp, w in DEFAULT_WEIGHTS.items():
    for factor in (0.5, 2.0):
        weights = dict(DEFAULT_WEIGHTS, **{comp: min(1.0, w * factor)})
        same = (top1(weights).reindex(base.index) == base).mean()
        rows.append({"component": comp, "change": f"x{factor:g}", "same top candidate": same})
oat = pd.DataFrame(rows).pivot(index="component", columns="change", values="same top candidate")
oat"""),
    ("code", """rng = np.random.default_rng(7)
names = list(DEFAULT_WEIGHTS)
alpha = np.array([DEFAULT_WEIGHTS[n] for n in names]) * 40
stable = []
for sample in rng.dirichlet(alpha, size=30):
    weights = {n: float(v) for n, v in zip(names, sample)}
    stable.append((top1(weights).reindex(base.index) == base).mean())
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
oat.plot.barh(ax=axes[0]); axes[0].set_xlim(0, 1); axes[0].set_title("one weight at a time")
axes[1].hist(stable, bins=10, color="#332288"); axes[1].set_title("30 random weight vectors")
axes[1].set_xlabel("share of desa keeping their top candidate")
plt.tight_layout()
print(f"median share unchanged: {np.median(stable):.2f}")"""),
    ("md", """## 4. What the statistics say: SLQ x DLQ and shift-share
Production by kecamatan from the BPS-shaped tables in `statistik/` (for Bone: synthetic values in
the real publications' shapes). Static LQ of the period's sums against its dynamic LQ: the
quadrant says whether a commodity is a base today (SLQ > 1) and gaining (DLQ > 1)."""),
    ("code", """dlq = ds.analysis("dlq", measure="production")
colours = {"unggulan": "#117733", "andalan": "#DDCC77", "prospektif": "#88CCEE", "tertinggal": "#CC6677"}
fig, ax = plt.subplots(figsize=(6, 4.5))
for q, g in dlq.dropna(subset=["slq", "dlq"]).groupby("quadrant"):
    ax.scatter(g["slq"], g["dlq"], s=14, color=colours.get(q, "grey"), label=q, alpha=0.8)
ax.set_xscale("log"); ax.set_yscale("log"); ax.axvline(1, color="grey", lw=0.8); ax.axhline(1, color="grey", lw=0.8)
ax.set_xlabel("SLQ (period)"); ax.set_ylabel("DLQ"); ax.legend(fontsize=8)
dlq["quadrant"].value_counts()"""),
    ("code", """ss = ds.analysis("shift-share", measure="production", variant="esteban")
cols = ["name", "commodity_name", "e_start", "e_end", "national_share", "proportional", "differential", "allocation"]
ss.sort_values("differential", ascending=False)[cols].head(8).round(1)"""),
]


def build(cells) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells]
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"
    return nb


def main() -> None:
    out = ROOT / "notebooks"
    out.mkdir(exist_ok=True)
    nbformat.write(build(QUICKSTART), out / "01_quickstart.ipynb")
    nbformat.write(build(ANALYSIS), out / "02_analysis_bone.ipynb")


if __name__ == "__main__":
    main()
