"""A national-size synthetic dataset for benchmarks (deterministic, cached under benchmarks/out).

About 84,000 desa-like polygons (Voronoi cells of points on synthetic islands, segmentized
to about 44 vertices each) with Kemendagri-style codes, and ten float32 rasters at about
1 km (0.009°) over Indonesia's extent (5111 x 1888 px) with sea as nodata.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

WEST, NORTH, RES = 95.0, 6.0, 0.009
WIDTH, HEIGHT = 5111, 1888
N_DESA = 84_000
SEED = 7
RASTERS = ("elevation", "slope", "temperature", "rainfall", "humidity", "dry_months", "ph",
           "cec", "base_saturation", "soil_depth")


def _land(rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Island ellipses (centre x, y, radii) covering a large share of the extent."""
    n = 260
    cx = rng.uniform(WEST + 1, WEST + WIDTH * RES - 1, n)
    cy = rng.uniform(NORTH - HEIGHT * RES + 1, NORTH - 1, n)
    r = rng.uniform(0.3, 2.4, n)
    return cx, cy, r


def _on_land(x, y, land) -> np.ndarray:
    cx, cy, r = land
    inside = np.zeros(np.shape(x), bool)
    for i in range(len(cx)):
        inside |= ((x - cx[i]) / r[i]) ** 2 + ((y - cy[i]) / (0.7 * r[i])) ** 2 < 1
    return inside


def build(folder: Path) -> Path:
    folder = Path(folder)
    marker = folder / ".complete"
    if marker.exists():
        return folder
    rng = np.random.default_rng(SEED)
    land = _land(rng)
    (folder / "agroecology").mkdir(parents=True, exist_ok=True)
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    cols = WEST + (np.arange(WIDTH) + 0.5) * RES
    rows = NORTH - (np.arange(HEIGHT) + 0.5) * RES
    xx, yy = np.meshgrid(cols, rows)
    mask = _on_land(xx, yy, land)
    # about 3.5% nodata is the target: sea cells far from every island are nodata
    base = np.sin(xx * 0.9) * np.cos(yy * 1.3)
    fields = {
        "elevation": np.clip(1500 * (base + 1) * rng.uniform(0.9, 1.1), 0, None),
        "slope": 30 * np.abs(np.sin(xx * 7) * np.cos(yy * 5)),
        "temperature": 27 - 0.006 * 1500 * (base + 1),
        "rainfall": 2200 + 900 * np.sin(xx * 0.4 + yy),
        "humidity": 75 + 10 * np.cos(xx * 0.3),
        "dry_months": np.clip(3 + 2.5 * np.sin(yy * 0.8), 0, 12),
        "ph": 5.5 + 0.8 * np.sin(xx * 2 + yy),
        "cec": 18 + 8 * np.cos(yy * 3),
        "base_saturation": 45 + 25 * np.sin(xx * 1.7),
        "soil_depth": 90 + 40 * np.cos(xx + yy),
    }
    nodata = ~mask & (rng.random(mask.shape) < 0.12)
    transform = from_origin(WEST, NORTH, RES, RES)
    profile = dict(driver="GTiff", width=WIDTH, height=HEIGHT, count=1, dtype="float32",
                   crs="EPSG:4326", transform=transform, nodata=np.nan, tiled=True,
                   compress="deflate")
    for name in RASTERS:
        arr = np.where(nodata, np.nan, fields[name]).astype("float32")
        with rasterio.open(folder / "agroecology" / f"{name}.tif", "w", **profile) as dst:
            dst.write(arr, 1)

    pts_x, pts_y = [], []
    while sum(map(len, pts_x)) < N_DESA:
        x = rng.uniform(WEST, WEST + WIDTH * RES, 200_000)
        y = rng.uniform(NORTH - HEIGHT * RES, NORTH, 200_000)
        keep = _on_land(x, y, land)
        pts_x.append(x[keep])
        pts_y.append(y[keep])
    x = np.concatenate(pts_x)[:N_DESA]
    y = np.concatenate(pts_y)[:N_DESA]
    pts = shapely.points(x, y)
    env = shapely.box(WEST, NORTH - HEIGHT * RES, WEST + WIDTH * RES, NORTH)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=env))
    cells = shapely.intersection(cells, env)
    # order cells like their seeds (voronoi_polygons does not keep input order)
    tree = shapely.STRtree(cells)
    idx = tree.query(pts, predicate="within")
    order = np.empty(len(cells), dtype=np.int64)
    order[idx[0]] = idx[1]
    cells = cells[order]
    perim = shapely.length(cells)
    cells = shapely.segmentize(cells, perim / 44)
    gdf = gpd.GeoDataFrame(geometry=cells, crs="EPSG:4326")
    h = gdf.hilbert_distance().to_numpy()
    gdf = gdf.iloc[np.argsort(h, kind="stable")].reset_index(drop=True)
    i = np.arange(len(gdf))
    prov, kab = 11 + i // 2520, (i // 168) % 15 + 1
    kec, desa = (i // 14) % 12 + 1, i % 14 + 1
    gdf.insert(0, "kode", [f"{a:02d}.{b:02d}.{c:02d}.{2000 + d:04d}"
                           for a, b, c, d in zip(prov, kab, kec, desa)])
    gdf.insert(1, "nama", [f"Desa Sintetis {k}" for k in range(len(gdf))])
    gdf.to_file(folder / "boundaries" / "desa.gpkg", layer="desa", driver="GPKG")
    (folder / "dataset.toml").write_text('name = "nasional sintetis"\nsynthetic = true\n')
    marker.touch()
    return folder


if __name__ == "__main__":
    import sys
    import time

    t = time.perf_counter()
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("benchmarks/out/national"))
    print(f"built in {time.perf_counter() - t:.1f} s")


# ---------------------------------------------------------------- activity (issue #22)
ACTIVITY_SEED = 22
MARKETS = ("lokal", "regional", "nasional", "ekspor")
STAT_YEARS = tuple(range(2018, 2025))  # seven years
STAT_COMMODITIES_KEC = 12  # commodities per kecamatan table row set
STAT_COMMODITIES_DESA = 3  # commodities per desa
STAT_DESA_PROVINCES = 3  # desa-level tables exist for the first provinces only (7,560 desa)


def _catalogue_names(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Indonesian names and sectors of the bundled catalogue (as a dinas would type them)."""
    import pandas as pd

    cat = pd.read_csv(data_dir / "commodities.csv")
    return cat["name_id"].to_numpy(object), cat["sector"].to_numpy(object)


def _clustered_desa(rng, n: int, n_desa: int, n_comm: int) -> tuple[np.ndarray, np.ndarray]:
    """(desa index, commodity index) of ``n`` records: commodities by a Zipf-like popularity,
    each produced around a few centres along the Hilbert order of the desa (neighbouring
    indices are neighbouring desa), so hot spots exist."""
    pop = 1.0 / np.arange(1, n_comm + 1) ** 0.9
    comm = rng.choice(n_comm, size=n, p=pop / pop.sum())
    centres = rng.integers(0, n_desa, size=(n_comm, 6))
    which = centres[comm, rng.integers(0, 6, size=n)]
    spread = rng.choice([40.0, 400.0, 4000.0], size=n, p=[0.5, 0.35, 0.15])
    desa = np.clip(np.rint(which + rng.normal(0.0, 1.0, n) * spread), 0, n_desa - 1)
    return desa.astype(np.int64), comm


def build_sentra(national: Path, out: Path, n: int, placement: str = "code",
                 data_dir: Path | None = None) -> Path:
    """``n`` synthetic sentra records on the national layer's desa, as a CSV a dinas keeps.

    ``placement='code'`` writes ``kode_desa`` (placed by code); ``'coordinates'`` writes
    ``lon``/``lat`` inside the desa and no code (placed by a spatial join). Deterministic.
    """
    import pandas as pd

    out = Path(out)
    if out.exists():
        return out
    data_dir = data_dir or Path(__file__).resolve().parents[1] / "data"
    rng = np.random.default_rng(ACTIVITY_SEED + n + (placement == "coordinates"))
    desa = gpd.read_file(national / "boundaries" / "desa.gpkg", layer="desa",
                         columns=["kode", "nama"])
    names, sectors = _catalogue_names(data_dir)
    idx, comm = _clustered_desa(rng, n, len(desa), len(names))
    workers = np.maximum(1, np.rint(rng.lognormal(3.0, 0.9, n))).astype(np.int64)
    units = np.maximum(1, np.rint(workers / rng.uniform(2, 8, n))).astype(np.int64)
    frame = pd.DataFrame({
        "id_sentra": [f"S{k:07d}" for k in range(1, n + 1)],
        "komoditas": names[comm],
        "sektor": sectors[comm],
    })
    if placement == "code":
        frame["kode_desa"] = desa["kode"].to_numpy(object)[idx]
    elif placement == "coordinates":
        # desa are convex Voronoi cells: a point between the centroid and a vertex is inside
        geoms = desa.geometry.to_numpy()
        cx, cy = shapely.get_coordinates(shapely.centroid(geoms)).T
        vx, vy = shapely.get_coordinates(shapely.get_point(shapely.get_exterior_ring(geoms),
                                                           0)).T
        t = rng.uniform(0.0, 0.8, n)
        frame["lon"] = np.round(cx[idx] + t * (vx[idx] - cx[idx]), 6)
        frame["lat"] = np.round(cy[idx] + t * (vy[idx] - cy[idx]), 6)
    else:
        raise ValueError(f"placement must be 'code' or 'coordinates', not {placement!r}")
    frame["unit_usaha"] = units
    frame["tenaga_kerja"] = workers
    frame["tahun_mulai"] = rng.integers(1975, 2024, n)
    frame["pemasaran"] = np.asarray(MARKETS, object)[rng.choice(4, n, p=[.5, .3, .15, .05])]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(out)
    return out


def build_statistics(national: Path, out_dir: Path, data_dir: Path | None = None) -> Path:
    """Production statistics for seven years in long tables as a dinas exports them: one by
    kecamatan (``kode_kecamatan``, all 6,000 kecamatan, 12 commodities each: 504,000 rows)
    and one by desa (``kode_desa``, 3 commodities each, for the desa of the first three
    provinces, 7,560 desa: 158,760 rows; desa-level production tables are kept by some
    kabupaten, not nationally). Deterministic."""
    import pandas as pd

    out_dir = Path(out_dir)
    marker = out_dir / ".complete"
    if marker.exists():
        return out_dir
    data_dir = data_dir or Path(__file__).resolve().parents[1] / "data"
    rng = np.random.default_rng(ACTIVITY_SEED)
    desa = gpd.read_file(national / "boundaries" / "desa.gpkg", layer="desa", columns=["kode"],
                         ignore_geometry=True)["kode"].to_numpy(object)
    kec = np.unique([c[:8] for c in desa])
    provinces = sorted({c[:2] for c in desa})[:STAT_DESA_PROVINCES]
    desa = np.asarray([c for c in desa if c[:2] in provinces], dtype=object)
    cat = pd.read_csv(data_dir / "commodities.csv")
    crops = cat.loc[cat["sector"] == "pertanian_perkebunan", "name_id"].to_numpy(object)[:40]
    out_dir.mkdir(parents=True, exist_ok=True)
    years = np.asarray(STAT_YEARS)
    for level, codes, k, col in (("kecamatan", kec, STAT_COMMODITIES_KEC, "kode_kecamatan"),
                                 ("desa", desa, STAT_COMMODITIES_DESA, "kode_desa")):
        n = len(codes)
        # each area grows k of the crops (its own draw), each with a base level and a trend
        pick = np.argsort(rng.random((n, len(crops))), axis=1)[:, :k]
        base = rng.lognormal(5.0 if level == "kecamatan" else 3.0, 1.2, (n, k))
        trend = rng.normal(0.02, 0.05, (n, k))
        t = years - years[0]
        val = base[:, :, None] * (1 + trend[:, :, None]) ** t * rng.lognormal(0, .1,
                                                                              (n, k, len(t)))
        frame = pd.DataFrame({
            col: np.repeat([c.replace(".", "") for c in codes], k * len(t)),
            "komoditas": np.repeat(crops[pick].ravel(), len(t)),
            "tahun": np.tile(years, n * k),
            "produksi_ton": np.round(val.ravel(), 1),
        })
        frame.to_csv(out_dir / f"produksi_{level}_{years[0]}_{years[-1]}.csv", index=False)
    marker.touch()
    return out_dir


def build_variant(national: Path, folder: Path, n_sentra: int, placement: str = "code",
                  statistics: bool = False) -> Path:
    """A dataset folder sharing the national layer's boundaries and rasters (symlinks) with
    ``n_sentra`` sentra and, if asked, the seven years of statistics."""
    folder = Path(folder)
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("boundaries", "agroecology"):
        link = folder / sub
        if not link.exists():
            link.symlink_to((national / sub).resolve(), target_is_directory=True)
    cache = national.parent / "activity"
    if n_sentra:
        src = build_sentra(national, cache / f"sentra_{n_sentra}_{placement}.csv", n_sentra,
                           placement)
        (folder / "sentra").mkdir(exist_ok=True)
        link = folder / "sentra" / "sentra.csv"
        if not link.exists():
            link.symlink_to(src.resolve())
    if statistics:
        stats = build_statistics(national, cache / "statistik")
        link = folder / "statistik"
        if not link.exists():
            link.symlink_to(stats.resolve(), target_is_directory=True)
    (folder / "dataset.toml").write_text('name = "nasional sintetis"\nsynthetic = true\n')
    marker.touch()
    return folder
