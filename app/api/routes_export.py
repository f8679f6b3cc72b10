"""Exports: the same layers and writers as ``unggulan export``, streamed as a file."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse, Response

from unggulan.api import pool
from unggulan.api.deps import DatasetDep, LevelDep
from unggulan.api.headers import run_headers
from unggulan.api.pool import Lru
from unggulan.api.routes_scenarios import ScenarioQ, saved_scenario
from unggulan.core.ranking.run import effective_scenario
from unggulan.io.exports import pid_alive, write_layer

router = APIRouter(tags=["export"])
MEDIA = {"shp": ("zip", "application/zip"), "gpkg": ("gpkg", "application/geopackage+sqlite3"),
         "geojson": ("geojson", "application/geo+json"), "csv": ("csv", "text/csv"),
         "parquet": ("parquet", "application/vnd.apache.parquet")}


@router.get("/export", response_class=FileResponse)
async def export(
    ds: DatasetDep, level: LevelDep, background: BackgroundTasks,
    layer: Annotated[Literal["areas", "sentra", "suitability", "candidates", "zones"],
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
    GeoPackage, GeoJSON, CSV (WKT) or GeoParquet. Layers with several rows per area
    (suitability) keep each area's polygon once: a GeoPackage has the areas layer and the
    rows' related table, a shapefile zip the areas and a CSV of the rows, a GeoJSON one
    feature per area with the rows as columns (see :mod:`unggulan.io.exports`)."""
    args = (ds, level, layer, format, top, weights, area, scenario)
    # the same request on the same dataset and run gives the same bytes (exports are
    # reproducible): the last ones are kept; a saved scenario is read on the pool
    kept = _kept(ds).peek(_key(*args)) if scenario is None else None
    if kept is None:
        kept = await pool.run("export", _export, *args)
    if isinstance(kept, tuple):
        body, media, name, headers = kept
        return Response(body, media_type=media, headers={
            **headers, "content-disposition": f'attachment; filename="{name}"'})
    path, media, name, headers, tmpdir = kept.values()
    background.add_task(_cleanup, tmpdir)
    return FileResponse(path, media_type=media, filename=name, headers=headers)


#: exports kept per dataset: the last few, each up to this size (larger ones are sent from
#: their temporary file and not kept)
KEPT_EXPORTS = 16
KEPT_MAX_BYTES = 32 * 1024 * 1024


def _kept(ds):
    return ds.cached(("api", "exports"), lambda: Lru(KEPT_EXPORTS))


def _key(ds, level, layer, format, top, weights, area, scenario) -> tuple:
    """What an export's bytes depend on besides the dataset: the layer, level, format, area
    and the run (the scenario's content, the inputs and the version: its run hash)."""
    sc = effective_scenario(saved_scenario(ds, scenario) if scenario else None, weights,
                            top=top)
    return (layer, level, format, area, sc.name, ds.run_info(sc).run_hash)


def _export(ds, level, layer, format, top, weights, area, scenario):
    """The export's (bytes, media type, file name, headers), kept; or, when larger than
    :data:`KEPT_MAX_BYTES`, its file in a temporary folder (removed once sent)."""
    key = _key(ds, level, layer, format, top, weights, area, scenario)
    kept = _kept(ds).peek(key)
    if kept is not None:
        return kept
    path, media, name, headers, tmpdir = _write(ds, level, layer, format, top, weights,
                                                area, scenario)
    if path.stat().st_size > KEPT_MAX_BYTES:
        return {"path": path, "media": media, "name": name, "headers": headers,
                "tmpdir": tmpdir}
    try:
        out = (path.read_bytes(), media, name, headers)
    finally:
        _cleanup(tmpdir)
    return _kept(ds).get(key, lambda: out)


def _write(ds, level: str, layer: str, format: str, top: int, weights: str | None,
           area: str | None, scenario: str | None):
    """The layer written to a new temporary folder (on the export pool: at most
    :data:`unggulan.api.pool.LIMITS` ``["export"]`` at once)."""
    sc = saved_scenario(ds, scenario) if scenario else None
    gdf = ds.layer(layer, level, area=area, top=top, weights=weights, scenario=sc)
    ext, media = MEDIA[format]
    stem = f"unggulan_{layer}_{level}" if layer != "sentra" else "unggulan_sentra"
    if area:
        stem += "_" + "".join(ch for ch in area if ch.isalnum())
    name = f"{stem}.{ext}"
    _remove_stale_folders()
    tmpdir = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
    try:
        path = write_layer(gdf, Path(tmpdir) / name, layer=Path(name).stem)
    except BaseException:
        _cleanup(tmpdir)
        raise
    return path, media, name, run_headers(gdf.attrs["unggulan"]), tmpdir


TMP_PREFIX = "unggulan-export-"


def _remove_stale_folders() -> None:
    """Remove the export folders of service processes that are gone (killed while writing
    or before the answer was sent): ``unggulan-export-<pid>-*`` in the temporary folder."""
    pattern = re.compile(rf"^{TMP_PREFIX}(\d+)-")
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return
    for e in entries:
        m = pattern.match(e.name)
        if m and not pid_alive(int(m[1])) and e.is_dir(follow_symlinks=False):
            _cleanup(e.path)


def _cleanup(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)
