"""Writing tables and layers, atomically (a temporary file in the target folder, then rename)."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from app.core.errors import UnggulanError


@contextmanager
def pyogrio_config(options: dict[str, str]):
    """GDAL config options for the duration of a write."""
    import pyogrio

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".csv": "CSV", ".parquet": "Parquet"}


def write_frame(frame: pd.DataFrame, path: Path, geometry: gpd.GeoDataFrame | None = None,
                overwrite: bool = True, layer: str | None = None) -> Path:
    """Write ``frame`` (keyed by ``code``) to ``path``; the format follows the extension.

    For .gpkg/.geojson/.parquet the area polygons of ``geometry`` are joined on ``code``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnggulanError(f"{path}: unknown output format '{suffix}'; use one of "
                            f"{', '.join(FORMATS)}")
    if path.exists() and not overwrite:
        raise UnggulanError(f"{path} exists; use --overwrite to replace it")
    if not path.parent.exists():
        raise UnggulanError(f"{path.parent}: folder does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        if suffix == ".csv":
            frame.to_csv(tmp_path, index=False)
        else:
            if geometry is not None and "code" in frame.columns:
                geo = geometry[["code", "geometry"]].reset_index(drop=True)
                gdf = gpd.GeoDataFrame(frame.merge(geo, on="code", how="left"),
                                       geometry="geometry", crs=geometry.crs)
            else:
                gdf = gpd.GeoDataFrame(frame)
            if suffix == ".parquet":
                gdf.to_parquet(tmp_path, index=False)
            else:
                tmp_path.unlink()
                # a fixed timestamp makes GeoPackages byte-identical for the same inputs
                with pyogrio_config({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"}):
                    gdf.to_file(tmp_path, driver=FORMATS[suffix], layer=layer or path.stem)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path
