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
