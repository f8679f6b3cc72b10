"""Writing tables and layers, atomically (a temporary file in the target folder, then rename).

**Run metadata.** A layer may carry what it was made from (scenario name and hash, inputs
hash, run hash, weights, criteria without data: :meth:`unggulan.core.run.RunInfo.to_dict`), given
as ``metadata=`` or found in ``gdf.attrs["unggulan"]``. Each format holds it in its own
place, with no date in it, so the same run gives byte-identical files:

==============  =============================================================================
format          where
==============  =============================================================================
GeoPackage      the layer's metadata (``gpkg_metadata``, GDAL's ``<MDI key=...>`` items; QGIS
                shows them under Layer Properties > Metadata), values as text
GeoJSON         a top-level member ``"unggulan": {...}`` of the FeatureCollection
CSV             columns ``scenario`` and ``run_hash`` on every row, and the whole metadata
                beside the file as ``<name>.metadata.json``
shapefile zip   ``README.txt`` (readable) and ``metadata.json`` inside the zip
GeoParquet      the Parquet schema metadata key ``unggulan`` (JSON)
==============  =============================================================================
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from unggulan.base.errors import UnggulanError


@contextmanager
def pyogrio_config(options: dict[str, str]):
    """GDAL config options for the duration of a write. GDAL's options are global to the
    process: one such write at a time, or a concurrent request's write would end the other's
    options half-way (a GeoPackage then gets the current date, no longer byte-identical)."""
    import pyogrio

    with _CONFIG_LOCK:
        old = {k: pyogrio.get_gdal_config_option(k) for k in options}
        pyogrio.set_gdal_config_options(options)
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options(old)


_CONFIG_LOCK = threading.Lock()


FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".csv": "CSV", ".parquet": "Parquet"}
#: the key of the run metadata in ``DataFrame.attrs``, GeoJSON and GeoParquet
META_KEY = "unggulan"
#: the columns a CSV gets from the metadata
CSV_META_COLUMNS = ("scenario", "run_hash")


def run_metadata(frame: pd.DataFrame, metadata: Mapping | None = None) -> dict | None:
    """``metadata``, else the frame's ``attrs["unggulan"]``, as a plain dict (or None).

    >>> f = pd.DataFrame({"a": [1]})
    >>> f.attrs["unggulan"] = {"scenario": "uji"}
    >>> run_metadata(f), run_metadata(f, {"scenario": "lain"})
    ({'scenario': 'uji'}, {'scenario': 'lain'})
    """
    meta = metadata if metadata is not None else frame.attrs.get(META_KEY)
    return dict(meta) if meta else None


def metadata_json(meta: Mapping) -> str:
    """The metadata as JSON text: keys in their order, UTF-8, indented, ending in a newline.

    >>> print(metadata_json({"scenario": "Uji", "run_hash": "ab"}), end="")
    {
      "scenario": "Uji",
      "run_hash": "ab"
    }
    """
    return json.dumps(dict(meta), ensure_ascii=False, indent=2, default=str) + "\n"


def metadata_text(meta: Mapping) -> str:
    """The metadata as text: a ``key: value`` line each, lists joined with "; ".

    >>> print(metadata_text({"scenario": "Uji", "criteria_without_data": ["h. modal"]}), end="")
    scenario: Uji
    criteria_without_data: h. modal
    """
    return "".join(f"{k}: {_flat(v)}\n" for k, v in meta.items())


def _flat(v) -> str:
    if isinstance(v, list | tuple):
        return "; ".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "" if v is None else str(v)


def _with_meta_columns(frame: pd.DataFrame, meta: Mapping | None) -> pd.DataFrame:
    """``scenario`` and ``run_hash`` columns from the metadata (kept when already there)."""
    if not meta:
        return frame
    missing = [c for c in CSV_META_COLUMNS if c in meta and c not in frame.columns]
    if not missing:
        return frame
    frame = frame.copy()
    for c in missing:
        frame[c] = str(meta[c])
    return frame


def write_frame(frame: pd.DataFrame, path: Path, geometry: gpd.GeoDataFrame | None = None,
                overwrite: bool = True, layer: str | None = None,
                metadata: Mapping | None = None) -> Path:
    """Write ``frame`` (keyed by ``code``) to ``path``; the format follows the extension.

    For .gpkg/.geojson/.parquet the area polygons of ``geometry`` are joined on ``code``.
    ``metadata`` (default: ``frame.attrs["unggulan"]``): the run metadata, written as the
    module docstring says.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UnggulanError(f"{path}: unknown output format '{suffix}'; use one of "
                            f"{', '.join(FORMATS)}")
    meta = run_metadata(frame, metadata)
    if suffix == ".csv":
        check_target(path, overwrite)
        out = _with_meta_columns(frame, meta)
        if meta:
            with _atomic(path.with_suffix(".metadata.json")) as tmp_meta:
                tmp_meta.write_text(metadata_json(meta), encoding="utf-8")
        with _atomic(path) as tmp_path:
            out.to_csv(tmp_path, index=False)
        return path
    if geometry is not None and "code" in frame.columns:
        geo = geometry[["code", "geometry"]].reset_index(drop=True)
        gdf = gpd.GeoDataFrame(frame.merge(geo, on="code", how="left"), geometry="geometry",
                               crs=geometry.crs)
    else:
        gdf = gpd.GeoDataFrame(frame)
    return write_layer(gdf, path, layer=layer, overwrite=overwrite, metadata=meta)


def check_target(path: Path, overwrite: bool) -> None:
    """Refuse to clobber an existing file without ``overwrite``, or to write into a folder
    that does not exist, before any work is done."""
    if path.exists() and not overwrite:
        raise UnggulanError(f"{path} exists; use --overwrite to replace it")
    if not path.parent.exists():
        raise UnggulanError(f"{path.parent}: folder does not exist")


def write_text(path: str | Path, text: str, overwrite: bool = False) -> Path:
    """A text file (an HTML map, say), written atomically, not clobbered without
    ``overwrite``."""
    path = Path(path)
    check_target(path, overwrite)
    with _atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def fsync_path(path: Path, directory: bool = False) -> None:
    """Flush a file (or a folder's entries) to the disk: after a crash or power cut, what
    was renamed is there with its bytes, not an empty or partial file.

    >>> import tempfile
    >>> fsync_path(Path(tempfile.gettempdir()), directory=True)
    """
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if directory:  # some systems cannot open a folder; the rename is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


@contextmanager
def _atomic(path: Path):
    """A temporary file beside ``path`` (same folder, so same file system), flushed to the
    disk and renamed onto it when the block succeeds; removed when it fails.

    A process killed midway leaves the previous ``path`` untouched (and at worst a hidden
    ``.<stem>-*`` temporary file beside it).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        fsync_path(tmp_path)  # the writers (GDAL, pandas, zipfile) closed it; flush its bytes
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    fsync_path(path.parent, directory=True)  # and the rename itself


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Collision-free shapefile field names (at most 10 characters), in column order.

    A name that fits is kept; a longer one is cut to 10 characters; when that collides
    (case-insensitively, as dBase compares names) it is cut to 8 and given a number,
    ``_1``, ``_2``, ... The mapping is written beside the shapefile (``fields.csv``).

    >>> shapefile_field_names(["suitability_class", "suitability_index"])
    {'suitability_class': 'suitabilit', 'suitability_index': 'suitabil_1'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col[:10]
        k = 0
        while name.lower() in used:
            k += 1
            suffix = f"_{k}"
            name = col[: 10 - len(suffix)] + suffix
        used.add(name.lower())
        out[col] = name
    return out


def _zip_entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date: the same layer gives a byte-identical zip."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_layer(gdf: gpd.GeoDataFrame, path: Path, *, layer: str | None = None,
                overwrite: bool = True, metadata: Mapping | None = None) -> Path:
    """Write a layer; the format follows the extension.

    ``.gpkg`` (adds or replaces ``layer`` in an existing GeoPackage), ``.zip`` (zipped
    shapefile: .shp .shx .dbf .prj .cpg in UTF-8, plus ``fields.csv`` mapping the column
    names to 10-character field names), ``.geojson`` (RFC 7946, WGS84), ``.csv`` (WKT
    geometry), ``.parquet`` (GeoParquet). Written to a temporary file, then renamed.
    ``metadata`` (default: ``gdf.attrs["unggulan"]``): the run metadata, written as the
    module docstring says.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    meta = run_metadata(gdf, metadata)
    if suffix == ".zip":
        check_target(path, overwrite)
        name = layer or path.stem
        mapping = shapefile_field_names([c for c in gdf.columns if c != gdf.geometry.name])
        shp = gdf.rename(columns=mapping)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}-") as tmpdir:
            target = Path(tmpdir) / f"{name}.shp"
            with pyogrio_config({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"}):
                shp.to_file(target, driver="ESRI Shapefile", encoding="UTF-8")
            (Path(tmpdir) / "fields.csv").write_text(
                "column,shapefile_field\n" + "".join(f"{k},{v}\n" for k, v in mapping.items()),
                encoding="utf-8")
            cpg = Path(tmpdir) / f"{name}.cpg"
            if not cpg.exists():
                cpg.write_text("UTF-8", encoding="ascii")
            qml = _style(shp, layer, mapping)
            with _atomic(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                    zf.writestr(_zip_entry(f"{name}{ext}"),
                                (Path(tmpdir) / f"{name}{ext}").read_bytes())
                zf.writestr(_zip_entry("fields.csv"),
                            (Path(tmpdir) / "fields.csv").read_bytes())
                if qml:
                    zf.writestr(_zip_entry(f"{name}.qml"), qml)
                if meta:
                    zf.writestr(_zip_entry("README.txt"), _readme(name, meta))
                    zf.writestr(_zip_entry("metadata.json"), metadata_json(meta))
        return path
    if suffix == ".csv":
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        geo = gdf.geometry.to_crs(4326) if gdf.crs is not None else gdf.geometry
        frame["wkt"] = geo.to_wkt()
        if len(geo) and (geo.geom_type.dropna() == "Point").all():
            # spreadsheets and QGIS's "delimited text" read points from lon/lat columns
            frame["longitude"] = geo.x
            frame["latitude"] = geo.y
        return write_frame(frame, path, overwrite=overwrite, metadata=meta or {})
    if suffix not in (".gpkg", ".geojson", ".parquet"):
        raise UnggulanError(f"{path}: unknown output format '{suffix}'; use .gpkg, .zip, "
                            ".geojson, .csv or .parquet")
    # a GeoPackage takes another layer beside those it has
    check_target(path, overwrite or (suffix == ".gpkg" and bool(layer)))
    if suffix == ".geojson" and gdf.crs is not None:
        gdf = gdf.to_crs(4326)
    qml = _style(gdf, layer)
    if qml and suffix in (".geojson", ".parquet"):
        # QGIS loads <name>.qml beside a file-based layer
        with _atomic(path.with_suffix(".qml")) as tmp_qml:
            tmp_qml.write_text(qml, encoding="utf-8")
    with _atomic(path) as tmp_path:
        if suffix == ".parquet":
            gdf.to_parquet(tmp_path, index=False)
            if meta:
                _parquet_metadata(tmp_path, meta)
            return path
        if suffix == ".gpkg" and layer and path.exists():
            # a GeoPackage holds several layers: add or replace this one, keep the others
            import pyogrio

            if layer in [n for n, _ in pyogrio.list_layers(path)] and not overwrite:
                raise UnggulanError(f"{path} already has layer '{layer}'; use --overwrite")
            shutil.copy2(path, tmp_path)
        else:
            tmp_path.unlink()
        # a fixed timestamp makes GeoPackages byte-identical for the same inputs
        options: dict = {}
        if meta and suffix == ".gpkg":
            options["metadata"] = {str(k): _flat(v) for k, v in meta.items()}
        elif meta and suffix == ".geojson":
            options["FOREIGN_MEMBERS_COLLECTION"] = json.dumps({META_KEY: meta},
                                                               default=str)
        with pyogrio_config({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"}):
            gdf.to_file(tmp_path, driver=FORMATS[suffix], layer=layer or path.stem, **options)
        if qml and suffix == ".gpkg":
            import pyogrio

            from unggulan.io.qml import write_gpkg_style

            name = layer or path.stem
            geom_col = pyogrio.read_info(tmp_path, layer=name)["geometry_name"] or "geom"
            write_gpkg_style(tmp_path, name, qml, geom_col)
    return path


def _readme(name: str, meta: Mapping) -> str:
    """README.txt of a zipped shapefile: what the layer is and what it was made from."""
    return (f"{name}: unggulan\n\n"
            "Dibuat dari skenario dan masukan berikut; run_hash yang sama berarti skenario, "
            "data masukan dan versi yang sama.\n"
            "Made from the scenario and inputs below; the same run_hash means the same "
            "scenario, input data and version.\n"
            "fields.csv: column -> shapefile field (10 characters).\n\n"
            + metadata_text(meta))


def _parquet_metadata(path: Path, meta: Mapping) -> None:
    """Add the run metadata to a Parquet file's schema metadata (key ``unggulan``)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY.encode()] = json.dumps(dict(meta), ensure_ascii=False,
                                                default=str).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(schema_meta), path)


def _style(gdf, layer: str | None, mapping: dict | None = None) -> str | None:
    """The QGIS style of a candidates layer (one feature per area with ``top1``)."""
    mapping = mapping or {}
    top = mapping.get("top1", "top1")
    if "candidates" not in (layer or "") or top not in gdf.columns:
        return None
    from unggulan.io.qml import candidates_qml

    return candidates_qml(gdf, field=top, label_field=mapping.get("name", "name"),
                          name_field=mapping.get("top1_name", "top1_name"))
