"""Small builders of test datasets in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

ROOT = Path(__file__).resolve().parents[1]
UNGGULAN = [sys.executable, "-m", "app.cli"]


def grid_desa(
    n_kec: int = 2, per_kec: int = 3, *, system: str = "kemendagri", code_col: str = "kode",
    name_col: str = "nama", origin=(120.0, -5.0), size=0.01,
) -> gpd.GeoDataFrame:
    """A row of square desa, ``per_kec`` per kecamatan, with valid codes."""
    rows = []
    i = 0
    for k in range(1, n_kec + 1):
        for d in range(1, per_kec + 1):
            x0 = origin[0] + i * size
            if system == "kemendagri":
                code = f"73.08.{k:02d}.{2000 + d}"
            else:
                code = f"7311{k * 10:03d}{d:03d}"
            rows.append({code_col: code, name_col: f"Desa {k}-{d}",
                         "geometry": box(x0, origin[1], x0 + size, origin[1] + size)})
            i += 1
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def make_dataset(folder: Path, desa: gpd.GeoDataFrame | None = None, sentra: str | None = None,
                 sentra_name: str = "sentra.csv") -> Path:
    (folder / "boundaries").mkdir(parents=True, exist_ok=True)
    desa = grid_desa() if desa is None else desa
    desa.to_file(folder / "boundaries" / "desa.gpkg", layer="desa", driver="GPKG")
    if sentra is not None:
        (folder / "sentra").mkdir(exist_ok=True)
        (folder / "sentra" / sentra_name).write_text(sentra, encoding="utf-8")
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*UNGGULAN, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
