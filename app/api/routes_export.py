"""Exports: the same layers and writers as ``unggulan export``, streamed as a file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse

from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.routes_scenarios import ScenarioQ, saved_scenario
from unggulan.core.layers import get_layer
from unggulan.core.run import run_headers
from unggulan.io.exports import write_layer

router = APIRouter(tags=["export"])
MEDIA = {"shp": ("zip", "application/zip"), "gpkg": ("gpkg", "application/geopackage+sqlite3"),
         "geojson": ("geojson", "application/geo+json"), "csv": ("csv", "text/csv"),
         "parquet": ("parquet", "application/vnd.apache.parquet")}


@router.get("/export", response_class=FileResponse)
def export(
    ds: DatasetDep, level: LevelDep, background: BackgroundTasks,
    layer: Annotated[Literal["areas", "sentra", "suitability", "candidates"],
                     Query(examples=["candidates"])] = "candidates",
    format: Annotated[Literal["shp", "gpkg", "geojson", "csv", "parquet"],
                      Query(examples=["gpkg"])] = "gpkg",
    top: Annotated[int, Query(ge=1, le=20)] = 3,
    weights: Annotated[str | None, Query(examples=["suitability=0.4"])] = None,
    area: Annotated[str | None, Query(description="only this area (desa, kecamatan, "
                                      "kabupaten or province code)")] = None,
    scenario: ScenarioQ = None,
):
    """A layer as a file: zipped shapefile (10-character fields, mapping in fields.csv),
    GeoPackage, GeoJSON, CSV (WKT) or GeoParquet."""
    sc = saved_scenario(ds, scenario) if scenario else None
    gdf = get_layer(ds, layer, level, area=area, top=top, weights=weights, scenario=sc)
    ext, media = MEDIA[format]
    stem = f"unggulan_{layer}_{level}" if layer != "sentra" else "unggulan_sentra"
    if area:
        stem += "_" + "".join(ch for ch in area if ch.isalnum())
    name = f"{stem}.{ext}"
    tmpdir = tempfile.mkdtemp(prefix="unggulan-export-")
    path = write_layer(gdf, Path(tmpdir) / name, layer=Path(name).stem)
    background.add_task(_cleanup, tmpdir)
    return FileResponse(path, media_type=media, filename=name,
                        headers=run_headers(gdf.attrs["unggulan"]))


def _cleanup(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
