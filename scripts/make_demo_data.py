"""Generate the bundled demo dataset: a SYNTHETIC island region, "Kabupaten Contoh".

Everything here is made up by this script (deterministic, fixed seed), so the project may
ship it. It sits in open sea (Banda Sea) so that nobody mistakes it for a real place; its
codes use province 99, which no Indonesian province has.

Run: ``python scripts/make_demo_data.py data`` (``make demo-data``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.transform import from_origin
from shapely.geometry import Point, Polygon

SEED = 20261124
CENTRE = (126.80, -6.20)  # lon, lat: open Banda Sea
RES = 0.0025  # degrees (~275 m)
PEAK = (126.86, -6.16)
PEAK_M = 2350.0

KECAMATAN = ["Pesisir Barat", "Gunung Contoh", "Pesisir Timur", "Tanjung Selatan", "Lembah Hijau"]
PREFIX = ["Suka", "Sumber", "Tanjung", "Bukit", "Mekar", "Karya", "Sido", "Tunas", "Lembah",
          "Pasir", "Batu", "Air", "Padang", "Teluk", "Sri"]
SUFFIX = ["maju", "jaya", "makmur", "harapan", "indah", "mulya", "sari", "rejo", "baru", "asri",
          "sentosa", "wangi"]


def island(rng: np.random.Generator) -> Polygon:
    angles = np.linspace(0, 2 * np.pi, 181)[:-1]
    wobble = 1 + 0.08 * np.sin(3 * angles + 0.7) + 0.05 * np.cos(5 * angles) + rng.normal(
        0, 0.012, angles.size)
    rx, ry = 0.20, 0.15
    xs = CENTRE[0] + rx * wobble * np.cos(angles)
    ys = CENTRE[1] + ry * wobble * np.sin(angles)
    return shapely.make_valid(Polygon(zip(xs, ys)))


def elevation_at(lon: np.ndarray, lat: np.ndarray, coast_dist: np.ndarray) -> np.ndarray:
    d = np.hypot((lon - PEAK[0]) / 0.13, (lat - PEAK[1]) / 0.10)
    cone = PEAK_M * np.exp(-(d**1.6))
    ridge = 180 * np.sin(lon * 60) * np.cos(lat * 45)
    coastal = np.clip(coast_dist / 0.03, 0, 1)  # fall to sea level at the coast
    return np.clip((cone + ridge + 40) * coastal, 0, None)


def make_rasters(folder: Path, isle: Polygon) -> dict[str, np.ndarray]:
    minx, miny, maxx, maxy = isle.buffer(0.02).bounds
    width, height = int(np.ceil((maxx - minx) / RES)), int(np.ceil((maxy - miny) / RES))
    transform = from_origin(minx, maxy, RES, RES)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    lon = minx + (cols + 0.5) * RES
    lat = maxy - (rows + 0.5) * RES
    pts = shapely.points(lon.ravel(), lat.ravel())
    inside = shapely.contains_xy(isle, lon.ravel(), lat.ravel()).reshape(lon.shape)
    coast = shapely.distance(isle.boundary, pts).reshape(lon.shape)
    elev = elevation_at(lon, lat, coast)
    rain = 1400 + 0.9 * elev + 500 * (CENTRE[0] - lon) / 0.2  # wetter on the west (windward)
    ph = 6.6 - 0.0006 * elev + 0.25 * np.sin(lon * 80)
    dry = np.clip(5.5 - rain / 700, 0, 12)
    layers = {"dem_sintetis": elev, "curah_hujan_tahunan": rain, "ph_tanah": ph,
              "bulan_kering": dry}
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="float32",
                   crs="EPSG:4326", transform=transform, nodata=np.nan, compress="deflate")
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in layers.items():
        data = np.where(inside, arr, np.nan).astype("float32")
        with rasterio.open(folder / f"{name}.tif", "w", **profile) as dst:
            dst.write(data, 1)
    return {"transform": transform, "elev": np.where(inside, elev, np.nan)}


def make_desa(rng: np.random.Generator, isle: Polygon) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = isle.bounds
    seeds: list[Point] = []
    while len(seeds) < 64:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if isle.contains(p) and all(p.distance(q) > 0.026 for q in seeds):
            seeds.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=isle.buffer(0.1))
    polys = [c.intersection(isle) for c in shapely.get_parts(cells)]
    # each Voronoi cell belongs to the seed inside it
    order = [next(i for i, s in enumerate(seeds) if c.contains(s)) for c in
             shapely.get_parts(cells)]
    polys = [p for _, p in sorted(zip(order, polys), key=lambda t: t[0])]
    angle = np.array([np.arctan2(s.y - PEAK[1], s.x - PEAK[0]) for s in seeds])
    near_peak = np.array([s.distance(Point(PEAK)) < 0.05 for s in seeds])
    sector = ((angle + np.pi) / (2 * np.pi) * 4).astype(int) % 4
    kec_idx = np.where(near_peak, 1, np.array([0, 3, 2, 4])[sector])
    rows = []
    used_names: set[str] = set()
    counters = {k: 0 for k in range(len(KECAMATAN))}
    for i in np.lexsort((angle, kec_idx)):
        k = int(kec_idx[i])
        counters[k] += 1
        n = counters[k]
        while True:
            name = str(rng.choice(PREFIX)) + str(rng.choice(SUFFIX))
            if name not in used_names:
                used_names.add(name)
                break
        kelurahan = n == 1 and k in (0, 2)  # the first of two kecamatan is an urban kelurahan
        num = (1000 if kelurahan else 2000) + n
        rows.append({
            "KDEPUM": f"99.01.{k + 1:02d}.{num}", "KDCPUM": f"99.01.{k + 1:02d}",
            "WADMKD": name, "WADMKC": KECAMATAN[k], "WADMKK": "Kabupaten Contoh (sintetis)",
            "TIPADM": "Kelurahan" if kelurahan else "Desa", "geometry": polys[i],
        })
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    # one non-ASCII name, so that exports are tested on UTF-8
    gdf.loc[gdf.index[5], "WADMKD"] = "Séwumulyo"
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-6)
    return gdf.sort_values("KDEPUM").reset_index(drop=True)


COMMODITY_BANDS = [  # (name as typed in the demo table, sector as typed, min m, max m, coast)
    ("Kopi Arabica", "Perkebunan", 1000, 2400, False),
    ("Cabe merah", "Pertanian", 900, 2000, False),
    ("Kopi robusta", "Perkebunan", 300, 1100, False),
    ("Coklat", "Perkebunan", 50, 700, False),
    ("Cengkeh", "perkebunan", 300, 1000, False),
    ("Padi", "Pertanian", 0, 300, False),
    ("Jagung", "Pertanian", 0, 600, False),
    ("Kelapa", "Perkebunan", 0, 250, False),
    ("Rumput Laut", "Perikanan", 0, 30, True),
    ("Bandeng", "Perikanan", 0, 20, True),
    ("Sapi Bali", "Peternakan", 0, 900, False),
    ("Gula Aren", "Makanan & Minuman", 100, 1200, False),
    ("Keripik Pisang", "Makanan dan minuman", 0, 800, False),
    ("Anyaman bambu", "Kerajinan", 0, 1500, False),
    ("Tenun Ikat", "Sandang", 0, 600, False),
]
MARKETS = ["Lokal", "Regional", "Antar provinsi", "Ekspor"]


def fmt_id(x: float, decimals: int) -> str:
    """Indonesian number format: decimal comma, no thousands separator."""
    return f"{x:.{decimals}f}".replace(".", ",")


def make_sentra(rng: np.random.Generator, desa: gpd.GeoDataFrame, elev: dict) -> pd.DataFrame:
    from rasterio.transform import rowcol

    isle_coast = desa.union_all().boundary
    records = []
    for _, d in desa.iterrows():
        # 1-4 sentra per desa, commodities drawn from those that fit its elevation
        for _ in range(int(rng.integers(1, 5))):
            for _try in range(40):
                minx, miny, maxx, maxy = d.geometry.bounds
                p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
                if d.geometry.contains(p):
                    break
            r, c = rowcol(elev["transform"], p.x, p.y)
            h = float(elev["elev"][r, c]) if not np.isnan(elev["elev"][r, c]) else 0.0
            coastal = p.distance(isle_coast) < 0.02
            fits = [b for b in COMMODITY_BANDS if b[2] <= h <= b[3] and (coastal or not b[4])]
            if not fits:
                continue
            name, sector, *_ = fits[int(rng.integers(len(fits)))]
            units = int(rng.integers(3, 40))
            workers = int(units * rng.uniform(1.5, 6))
            records.append({
                "Nama Sentra": f"Sentra {name.title()} {d.WADMKD}",
                "Komoditi": name, "Sektor": sector, "Kode Desa": d.KDEPUM,
                "Desa/Kelurahan": d.WADMKD, "Kecamatan": d.WADMKC,
                "Bujur": fmt_id(p.x, 6), "Lintang": fmt_id(p.y, 6),
                "Jumlah Unit Usaha": str(units), "Jumlah Tenaga Kerja": str(workers),
                "Nilai Produksi (Rp juta)": fmt_id(units * rng.uniform(20, 120), 1),
                "Tahun Berdiri": str(int(rng.integers(1985, 2024))),
                "Jangkauan Pemasaran": str(rng.choice(MARKETS, p=[0.45, 0.3, 0.18, 0.07])),
            })
    df = pd.DataFrame(records)
    # how tables arrive: some records carry only a code, some only names
    n = len(df)
    only_code = rng.random(n) < 0.2
    only_name = ~only_code & (rng.random(n) < 0.2)
    df.loc[only_code | only_name, ["Bujur", "Lintang"]] = ""
    df.loc[only_name, "Kode Desa"] = ""
    df.loc[only_code, ["Desa/Kelurahan", "Kecamatan"]] = ""
    upper = only_name & (rng.random(n) < 0.5)
    df.loc[upper, "Desa/Kelurahan"] = "Desa " + df.loc[upper, "Desa/Kelurahan"].str.upper()
    df.insert(0, "No", range(1, n + 1))
    return df


STAT_FILE = "Produksi Pertanian dan Populasi Ternak Menurut Kecamatan 2019-2024 SINTETIS.csv"


def fmt_thousands(x: float) -> str:
    """A BPS table's number as text: ' 1,893 ', and '-' for nil."""
    return " - " if x == 0 else f" {x:,.0f} "


def make_statistics(sentra: pd.DataFrame, desa: gpd.GeoDataFrame) -> pd.DataFrame:
    """A wide table by kecamatan and year (2019-2024), shaped as BPS publishes it: list
    numbers before the names, a 'Tahun ' column with a trailing space, thousands commas, '-'
    for nil. Production (ton) of the farmed commodities follows each kecamatan's sentra
    workers with a growth trend of its own; livestock as population (ekor). Its own seed, so
    the other files do not change when it is regenerated."""
    rng = np.random.default_rng(SEED + 1)
    farm = {"Kakao": 2.0, "Kopi Arabica": 1.2, "Cengkeh": 0.4, "Padi": 30.0, "Jagung": 12.0,
            "Kelapa": 6.0}
    order = {k: i + 1 for i, k in enumerate(KECAMATAN)}
    by = sentra[sentra["Kecamatan"] != ""].groupby(["Kecamatan", "Komoditi"])[
        "Jumlah Tenaga Kerja"].apply(lambda s: s.astype(int).sum())
    rows = []
    for kec in KECAMATAN:
        base = {c: float(by.get((kec, c), 0.0)) * f + (rng.uniform(0, 40) if rng.random() < 0.5
                                                      else 0.0)
                for c, f in farm.items()}
        trend = {c: rng.uniform(-0.04, 0.09) for c in farm}
        cattle = rng.uniform(300, 3000)
        for t, year in enumerate(range(2019, 2025)):
            row = {"Kecamatan": f"{order[kec]}. {kec}" if year % 2 else kec.upper()}
            for c in farm:
                v = base[c] * (1 + trend[c]) ** t * rng.uniform(0.93, 1.07)
                row[f"Produksi {c} (Ton)"] = fmt_thousands(round(v))
            row["Populasi Sapi Potong (Ekor)"] = fmt_thousands(round(cattle * (1.03 ** t)))
            row["Tahun "] = str(year)
            rows.append(row)
    return pd.DataFrame(rows)


README = """# Bundled demo dataset — SINTETIS / SYNTHETIC

**Everything in this folder except `commodities.csv`/`commodities.md` is made up** by
`scripts/make_demo_data.py` (fixed seed {seed}); regenerate it with `make demo-data`. It is not
a real place: "Kabupaten Contoh" is an invented island in the open Banda Sea, its codes use
province 99 (no Indonesian province has it), and its sentra records are invented. It exists so
that the service, the maps and the tests work on a fresh machine. Never present it as real data.

| path | what |
|---|---|
| `boundaries/desa_contoh.gpkg` | {n_desa} desa/kelurahan polygons (Voronoi cells of random seeds clipped to the island), BIG-style columns `KDEPUM`, `KDCPUM`, `WADMKD`, `WADMKC`, `TIPADM`; no kecamatan layer (unggulan dissolves {n_kec} kecamatan from the desa) |
| `sentra/sentra_contoh.csv` | {n_sentra} sentra records, `;`-separated with decimal commas, typed the way dinas tables are: commodity spelling variants (Coklat, Kopi Arabica, Padi), some rows with only a desa code, some with only desa and kecamatan names |
| `agroecology/dem_sintetis.tif` | elevation (m): a volcano of {peak:.0f} m |
| `agroecology/curah_hujan_tahunan.tif` | annual rainfall (mm), wetter on the west and with height |
| `agroecology/ph_tanah.tif` | soil pH |
| `agroecology/bulan_kering.tif` | dry months per year |
| `statistik/{stat_file}` | production (ton) of six crops and beef-cattle population (ekor) by kecamatan, 2019-2024, shaped as BPS tables are (list numbers and upper-case names in alternate years, `Tahun ` with a trailing space, thousands commas, `-` for nil), following the sentra with a trend of each kecamatan's own |

There is no slope or temperature raster on purpose: unggulan derives slope from the DEM and
estimates temperature from elevation.
"""


def main(out: Path) -> None:
    rng = np.random.default_rng(SEED)
    isle = island(rng)
    elev = make_rasters(out / "agroecology", isle)
    desa = make_desa(rng, isle)
    (out / "boundaries").mkdir(parents=True, exist_ok=True)
    target = out / "boundaries" / "desa_contoh.gpkg"
    target.unlink(missing_ok=True)
    desa.to_file(target, layer="desa", driver="GPKG")
    sentra = make_sentra(rng, desa, elev)
    (out / "sentra").mkdir(parents=True, exist_ok=True)
    sentra.to_csv(out / "sentra" / "sentra_contoh.csv", sep=";", index=False)
    (out / "statistik").mkdir(parents=True, exist_ok=True)
    make_statistics(sentra, desa).to_csv(out / "statistik" / STAT_FILE, index=False)
    (out / "dataset.toml").write_text(
        '# The bundled demo dataset: synthetic (see README.md).\n'
        'name = "Kabupaten Contoh (sintetis)"\nsynthetic = true\n', encoding="utf-8")
    (out / "README.md").write_text(README.format(
        seed=SEED, stat_file=STAT_FILE, n_desa=len(desa), n_kec=desa["KDCPUM"].nunique(), n_sentra=len(sentra),
        peak=float(np.nanmax(elev["elev"]))), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data"))
