"""A dataset of about 5,000 small desa over Kabupaten Bone's real rasters, built by code.

Bone's 372 desa are replaced by Voronoi cells of seeded random points inside the regency
(cut to its outline), so the cells lie on the real agro-ecological rasters (linked, not
copied, from ../shared/data/bone/agroecology). Each cell takes the kecamatan of the Bone desa
holding its seed point and a Kemendagri-style code ``PP.KK.CC.2nnn``; the kecamatan with an
odd number are put in a second, made-up kabupaten (``73.90``), so that the LQ's reference
regions are two kabupaten, each spread over every spatial partition. Sentra records are
synthetic: commodities drawn with the frequencies of Bone's synthetic sentra file, clustered
around a few hubs per commodity, placed by desa code (``kode_desa``). The dataset's own
``commodities.csv`` keeps a part of the bundled catalogue (the sentra's commodities, their
raw materials, ground coffee with its two raw materials, and the first land crops with
requirement rows), so the test's suitability has about 35 commodities, not 217.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

SEED = 20260822
SECOND_KABUPATEN = "73.90"


def _cells(outline, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` seed points inside ``outline`` and their Voronoi cells cut to it (same order)."""
    minx, miny, maxx, maxy = outline.bounds
    shapely.prepare(outline)
    pts = np.empty((0, 2))
    while len(pts) < n:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(2 * n, 2))
        inside = shapely.contains_xy(outline, cand[:, 0], cand[:, 1])
        pts = np.vstack([pts, cand[inside]])
    pts = np.round(pts[:n], 6)
    points = shapely.points(pts)
    cells = np.asarray(shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(points), extend_to=shapely.box(minx, miny, maxx, maxy))))
    # voronoi_polygons does not keep the input order: match each cell to its seed
    tree = shapely.STRtree(cells)
    seed_i, cell_i = tree.query(points, predicate="within")
    ordered = np.empty(n, dtype=object)
    ordered[seed_i] = cells[cell_i]
    inner = shapely.within(ordered, outline)
    ordered[~inner] = shapely.intersection(ordered[~inner], outline)
    return pts, ordered


def build_split_bone(bone_dir: Path, folder: Path, n: int = 5000, n_sentra: int = 3000,
                     seed: int = SEED) -> Path:
    """Write the dataset folder (boundaries, sentra, a link to Bone's rasters) and return it.

    Deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    desa = gpd.read_file(bone_dir / "boundaries" / "desa_bone.gpkg", layer="desa")
    outline = shapely.make_valid(shapely.union_all(desa.geometry.values))
    pts, cells = _cells(outline, n, rng)
    # the Bone desa (hence kecamatan) of each seed point
    tree = shapely.STRtree(desa.geometry.values)
    seed_i, desa_i = tree.query(shapely.points(pts), predicate="within")
    first = np.full(n, -1)
    first[seed_i[::-1]] = desa_i[::-1]  # a seed on a shared edge: the first desa
    keep = (first >= 0) & ~shapely.is_empty(cells)
    kec = desa["kode"].str[:8].to_numpy()[first[keep]]
    kab = np.where(np.array([int(k[6:8]) % 2 for k in kec]) == 1,
                   SECOND_KABUPATEN, kec.astype(str).astype(object))
    kec = np.array([f"{b[:5]}{k[5:]}" if b == SECOND_KABUPATEN else k
                    for b, k in zip(kab, kec)], dtype=object)
    frame = pd.DataFrame({"kec": kec, "i": np.arange(len(kec))})
    number = frame.groupby("kec").cumcount().to_numpy() + 1
    codes = [f"{k}.{2000 + j}" for k, j in zip(kec, number)]
    gdf = gpd.GeoDataFrame({"kode": codes, "nama": [f"Sel {i + 1}" for i in range(len(codes))]},
                           geometry=cells[keep], crs=desa.crs)
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    gdf.to_file(folder / "boundaries" / "desa.gpkg", layer="desa", driver="GPKG")
    (folder / "agroecology").symlink_to((bone_dir / "agroecology").resolve(),
                                        target_is_directory=True)
    _sentra(bone_dir, folder, gdf, pts[keep], n_sentra, rng)
    _catalogue(folder)
    (folder / "dataset.toml").write_text('name = "Bone dipecah (uji Dask)"\nsynthetic = true\n',
                                         encoding="utf-8")
    return folder


def _sentra(bone_dir: Path, folder: Path, gdf: gpd.GeoDataFrame, pts: np.ndarray, n: int,
            rng: np.random.Generator) -> None:
    src = pd.read_csv(bone_dir / "sentra" / "sentra_bone_SINTETIS.csv")
    freq = src["komoditas"].value_counts(normalize=True)
    sector = src.drop_duplicates("komoditas").set_index("komoditas")["sektor"]
    commodity = rng.choice(freq.index.to_numpy(), size=n, p=freq.to_numpy())
    hubs = {c: rng.choice(len(gdf), size=4, replace=False) for c in freq.index}
    xy = np.empty((n, 2))
    for c in freq.index:
        rows = np.flatnonzero(commodity == c)
        xy[rows] = pts[rng.choice(hubs[c], size=len(rows))] + rng.normal(
            0.0, 0.03, size=(len(rows), 2))
    # the cell whose seed is nearest (its Voronoi cell, where it was not cut away)
    cells = cKDTree(pts).query(xy)[1]
    out = pd.DataFrame({
        "id_sentra": [f"X{i + 1:05d}" for i in range(n)],
        "nama_sentra": [f"Sentra {c} {i + 1}" for i, c in enumerate(commodity)],
        "komoditas": commodity,
        "sektor": sector.reindex(commodity).to_numpy(),
        "kode_desa": gdf["kode"].to_numpy()[cells],
        "unit_usaha": rng.integers(1, 60, size=n),
        "tenaga_kerja": rng.integers(5, 200, size=n),
        "tahun_mulai": rng.integers(1975, 2024, size=n),
        "pemasaran": rng.choice(["lokal", "regional", "nasional", "ekspor"], size=n,
                                p=[0.45, 0.3, 0.2, 0.05]),
    })
    (folder / "sentra").mkdir(exist_ok=True)
    out.to_csv(folder / "sentra" / "sentra_uji.csv", index=False)


SENTRA_IDS = ("padi_sawah", "kakao", "rumput_laut", "ikan_bandeng", "sapi_potong",
              "anyaman_bambu", "kopi_robusta", "sarung_sutra", "gula_aren", "kopi_arabika")


def _catalogue(folder: Path, n_land: int = 20) -> None:
    from unggulan.base.settings import bundled_data_dir

    cat = pd.read_csv(bundled_data_dir() / "commodities.csv", dtype=str)
    req = pd.read_csv(bundled_data_dir() / "land_requirements.csv", dtype=str)
    raws = {r for ids in cat.loc[cat["id"].isin(SENTRA_IDS + ("kopi_bubuk",)), "raw_material"]
            .dropna() for r in ids.split("|")}
    land = [c for c in cat["id"] if c in set(req["commodity"])][:n_land]
    keep = set(SENTRA_IDS) | raws | {"kopi_bubuk"} | set(land)
    cat[cat["id"].isin(keep)].to_csv(folder / "commodities.csv", index=False)
