"""Writing tables and layers, atomically (a temporary file in the target folder, then rename).

**Run metadata.** A layer may carry what it was made from (scenario name and hash, inputs
hash, run hash, weights, criteria without data:
:meth:`unggulan.core.ranking.run.RunInfo.to_dict`), given as ``metadata=`` or found in
``gdf.attrs["unggulan"]``. Each format holds it in its own
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

**Long layers** (several rows per area: suitability per commodity, candidates one row per
rank, statistics) keep each area's polygon once (:func:`long_key`), not on every row:

==============  =============================================================================
format          how
==============  =============================================================================
GeoPackage      a polygon layer ``<layer>_areas`` (``code``, the area's fields, one feature
                per area) and the non-spatial table ``<layer>`` (``code`` and the rows),
                related by the GeoPackage Related Tables Extension (``gpkgext_relations``,
                mapping table ``<layer>_relation``): QGIS 3.28+ finds the relation (Project
                Properties > Relations > Discover Relations); or join them on ``code``
shapefile zip   ``<layer>_areas.shp`` (one feature per area) and ``<layer>.csv`` (the rows,
                full column names), joined on ``code`` (README.txt says how)
GeoJSON         one feature per area, the rows as columns ``<item>__<column>`` (``kakao__
                suitability_class``) when each area has one row per commodity or rank
CSV             the rows without ``wkt`` (the polygons are the ``areas`` export's)
GeoParquet      as it is: Parquet stores a repeated polygon once per column chunk
==============  =============================================================================

**Temporary files** are named ``.<stem>-<pid>-<random><suffix>`` beside the target; a write
first removes those of its target left by a process that is gone (killed midway), never
those of a live writer (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import zipfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from unggulan.base.errors import UnggulanError
from unggulan.io.qml import candidates_qml, write_gpkg_style, zones_qml


@contextmanager
def pyogrio_config(options: dict[str, str]):
    """GDAL config options for the duration of a write. GDAL's options are global to the
    process: one such write at a time, or a concurrent request's write would end the other's
    options half-way (a GeoPackage then gets the current date, no longer byte-identical)."""
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
#: ``attrs`` key of the commodity colours for a layer's QGIS style (commodity id -> colour)
COLOURS_KEY = "unggulan_colours"
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
            with atomic_replace(path.with_suffix(".metadata.json")) as tmp_meta:
                tmp_meta.write_text(metadata_json(meta), encoding="utf-8")
        with atomic_replace(path) as tmp_path:
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
    with atomic_replace(path) as tmp:
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
def atomic_replace(path: Path):
    """Write ``path`` atomically: yields a temporary file beside ``path`` (same folder, so
    same file system) to write; when the block succeeds it is flushed to the disk and
    renamed onto ``path``; when the block fails it is removed.

    A process killed midway leaves the previous ``path`` untouched (and at worst a hidden
    ``.<stem>-<pid>-*`` temporary file beside it, removed by the next write of ``path``).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "hasil.csv"
    >>> with atomic_replace(target) as tmp:
    ...     _ = tmp.write_text("kode,nilai;1,2")
    ...     target.exists()
    False
    >>> target.read_text()
    'kode,nilai;1,2'
    """
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=path.suffix)
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


#: when this module was loaded: a temporary file named with this process's id but older than
#: that was left by an earlier process that had the same id
_LOADED = time.time()
#: temporary names of a target's writes (see _tmp_prefix); mkstemp's random part is 8
#: characters of [a-z0-9_]; GDAL adds -journal / -wal / -shm beside a GeoPackage
_TMP_NAME = re.compile(r"^\.(?P<stem>.+)-(?P<pid>\d+)-[a-z0-9_]{8}(?P<rest>.*)$")


def _tmp_prefix(path: Path) -> str:
    return f".{path.stem}-{os.getpid()}-"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this process, or one of another user, counts as alive).

    >>> pid_alive(os.getpid())
    True
    """
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files (and folders) of writes of ``path`` whose process is gone:
    a writer killed midway cannot clean up, and its leftovers would pile up beside the
    target. Only names this module makes (``.<stem>-<pid>-<8 random><suffix>``) of this very
    target are considered; a live process's are kept (another request or process writing the
    same file), and so are this process's own unless older than this process. Returns what
    was removed.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / ".kandidat-999999999-abcd1234.gpkg").write_bytes(b"x")
    1
    >>> [p.name for p in remove_stale_temporaries(folder / "kandidat.gpkg")]
    ['.kandidat-999999999-abcd1234.gpkg']
    """
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        m = _TMP_NAME.match(entry.name)
        # a file of this target ("<suffix>", GDAL's "<suffix>-journal"), or the folder of
        # a zipped shapefile being made (no suffix)
        if not m or m["stem"] != path.stem or not (
                m["rest"].startswith(path.suffix) or (m["rest"] == "" and entry.is_dir())):
            continue
        pid = int(m["pid"])
        try:
            old = entry.stat(follow_symlinks=False).st_mtime < _LOADED
        except OSError:
            continue
        if pid_alive(pid) and not (pid == os.getpid() and old):
            continue
        target = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(target)
            else:
                target.unlink()
            removed.append(target)
        except OSError:  # removed meanwhile, or not ours to remove
            continue
    return removed


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
    if suffix in (".gpkg", ".zip", ".geojson", ".csv") and long_key(gdf):
        return _write_long(gdf, path, suffix, layer, overwrite, meta)
    if suffix == ".zip":
        return _write_zip(gdf, path, layer, overwrite, meta)
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
    return write_spatial(gdf, path, suffix, layer, overwrite, meta)


def write_spatial(gdf: gpd.GeoDataFrame, path: Path, suffix: str, layer: str | None,
                   overwrite: bool, meta: Mapping | None) -> Path:
    """A GeoPackage layer, a GeoJSON or a GeoParquet file (see :func:`write_layer`)."""
    # a GeoPackage takes another layer beside those it has
    check_target(path, overwrite or (suffix == ".gpkg" and bool(layer)))
    if suffix == ".geojson" and gdf.crs is not None:
        gdf = gdf.to_crs(4326)
    qml = _style(gdf, layer)
    if qml and suffix in (".geojson", ".parquet"):
        # QGIS loads <name>.qml beside a file-based layer
        with atomic_replace(path.with_suffix(".qml")) as tmp_qml:
            tmp_qml.write_text(qml, encoding="utf-8")
    with atomic_replace(path) as tmp_path:
        if suffix == ".parquet":
            gdf.to_parquet(tmp_path, index=False)
            if meta:
                _parquet_metadata(tmp_path, meta)
            return path
        if suffix == ".gpkg" and layer and path.exists():
            # a GeoPackage holds several layers: add or replace this one, keep the others

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
            name = layer or path.stem
            geom_col = pyogrio.read_info(tmp_path, layer=name)["geometry_name"] or "geom"
            write_gpkg_style(tmp_path, name, qml, geom_col)
    return path


def _write_zip(gdf: gpd.GeoDataFrame, path: Path, layer: str | None, overwrite: bool,
               meta: Mapping | None, extra: Mapping[str, bytes] | None = None,
               note: str = "") -> Path:
    """A zipped shapefile (see :func:`write_layer`), with ``extra`` files (name: bytes) and
    ``note`` in its README."""
    check_target(path, overwrite)
    name = layer or path.stem
    mapping = shapefile_field_names([c for c in gdf.columns if c != gdf.geometry.name])
    shp = gdf.rename(columns=mapping)
    remove_stale_temporaries(path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=_tmp_prefix(path)) as tmpdir:
        target = Path(tmpdir) / f"{name}.shp"
        with pyogrio_config({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"}):
            # the .dbf header holds a "last update" date, GDAL's today unless given: fixed,
            # so the same layer gives a byte-identical zip on any day
            shp.to_file(target, driver="ESRI Shapefile", encoding="UTF-8",
                        layer_options={"DBF_DATE_LAST_UPDATE": "2000-01-01"})
        (Path(tmpdir) / "fields.csv").write_text(
            "column,shapefile_field\n" + "".join(f"{k},{v}\n" for k, v in mapping.items()),
            encoding="utf-8")
        cpg = Path(tmpdir) / f"{name}.cpg"
        if not cpg.exists():
            cpg.write_text("UTF-8", encoding="ascii")
        qml = _style(shp, layer, mapping)
        with atomic_replace(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zf.writestr(_zip_entry(f"{name}{ext}"),
                            (Path(tmpdir) / f"{name}{ext}").read_bytes())
            zf.writestr(_zip_entry("fields.csv"),
                        (Path(tmpdir) / "fields.csv").read_bytes())
            if qml:
                zf.writestr(_zip_entry(f"{name}.qml"), qml)
            for entry, data in (extra or {}).items():
                zf.writestr(_zip_entry(entry), data)
            if meta or note:
                zf.writestr(_zip_entry("README.txt"), _readme(name, meta or {}, note))
            if meta:
                zf.writestr(_zip_entry("metadata.json"), metadata_json(meta))
    return path


#: area fields a long layer's rows repeat, kept once per area with its polygon
AREA_FIELDS = ("name", "level", "parent_code", "kecamatan_code", "kecamatan_name",
               "kabupaten_code", "province_code", "area_ha")
#: the column that tells an area's rows apart, for a wide GeoJSON (one row each per area)
ITEM_COLUMNS = ("commodity", "rank")


def long_key(gdf) -> str | None:
    """``"code"`` when ``gdf`` is a long layer: polygons with several rows per area code
    (suitability per commodity, candidates per rank, statistics), else None.

    >>> import shapely
    >>> g = gpd.GeoDataFrame({"code": ["a", "a", "b"]}, geometry=[shapely.Point(0, 0)] * 3)
    >>> long_key(g), long_key(g.iloc[[0, 2]])
    ('code', None)
    """
    if not isinstance(gdf, gpd.GeoDataFrame) or "code" not in gdf.columns or \
            gdf._geometry_column_name not in gdf.columns:
        return None
    return "code" if gdf["code"].duplicated().any() else None


def split_long(gdf: gpd.GeoDataFrame, key: str = "code"
               ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A long layer as its areas (``key``, the :data:`AREA_FIELDS` that are the same on every
    row of an area, the polygon; one feature per area, in first-seen order) and its rows
    (``key`` and every other column, no geometry)."""
    geom = gdf.geometry.name
    fields = [c for c in AREA_FIELDS if c in gdf.columns]
    if fields:
        n = gdf.groupby(key, sort=False, dropna=False)[fields].nunique(dropna=False)
        fields = [c for c in fields if bool((n[c] <= 1).all())]
    first = ~gdf[key].duplicated().to_numpy()
    areas = gdf.loc[first, [key, *fields, geom]].reset_index(drop=True)
    areas.attrs = {}
    table = pd.DataFrame(gdf.drop(columns=[geom, *fields])).reset_index(drop=True)
    table.attrs = {}
    return areas, table


def _write_long(gdf: gpd.GeoDataFrame, path: Path, suffix: str, layer: str | None,
                overwrite: bool, meta: Mapping | None) -> Path:
    """A long layer with each area's polygon once (see the module docstring)."""
    key = long_key(gdf)
    name = layer or path.stem
    areas, table = split_long(gdf, key)
    areas_name = f"{name}_areas"
    if suffix == ".csv":
        return write_frame(table, path, overwrite=overwrite, metadata=meta or {})
    if suffix == ".zip":
        text = table.to_csv(index=False).encode("utf-8")
        note = (f"{areas_name}.shp: one polygon per area (code). {name}.csv: the rows "
                f"({len(table)}), several per area, with full column names.\n"
                f"QGIS: add both (the CSV as Delimited Text, no geometry); then Project "
                f"Properties > Relations > Add Relation ({areas_name}.code -> {name}.code), "
                f"or Layer Properties of {areas_name} > Joins after filtering {name} to one "
                f"row per area (e.g. one commodity), or a virtual layer: SELECT a.*, r.* "
                f"FROM {areas_name} a JOIN {name} r USING (code).\n"
                "Baris per wilayah ada di CSV; poligon sekali per wilayah di shapefile; "
                "gabungkan dengan kolom code.\n")
        return _write_zip(areas, path, areas_name, overwrite, meta,
                          extra={f"{name}.csv": text}, note=note)
    if suffix == ".geojson":
        item = next((c for c in ITEM_COLUMNS if c in table.columns
                     and not table.duplicated([key, c]).any()), None)
        if item is None:  # no one column tells an area's rows apart: written as it is
            return write_spatial(gdf, path, suffix, layer, overwrite, meta)
        wide = areas.merge(_wide(table, key, item), on=key, how="left")
        wide = gpd.GeoDataFrame(wide, geometry=areas.geometry.name, crs=areas.crs)
        return write_spatial(wide, path, suffix, layer, overwrite, meta)
    # GeoPackage: the areas layer, the rows' table and their relation

    check_target(path, overwrite or bool(layer))
    with atomic_replace(path) as tmp_path:
        if layer and path.exists():
            if layer in [n for n, _ in pyogrio.list_layers(path)] and not overwrite:
                raise UnggulanError(f"{path} already has layer '{layer}'; use --overwrite")
            shutil.copy2(path, tmp_path)
        else:
            tmp_path.unlink()
        options = {"metadata": {str(k): _flat(v) for k, v in meta.items()}} if meta else {}
        with pyogrio_config({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"}):
            areas.to_file(tmp_path, driver="GPKG", layer=areas_name, **options)
            pyogrio.write_dataframe(table, tmp_path, layer=name, driver="GPKG", **options)
        fid_of = {c: i + 1 for i, c in enumerate(areas[key].tolist())}
        relate_gpkg(tmp_path, areas_name, name, f"{name}_relation",
                    [(fid_of[c], j + 1) for j, c in enumerate(table[key].tolist())])
    return path


def _wide(table: pd.DataFrame, key: str, item: str) -> pd.DataFrame:
    """One row per ``key``: each other column once per ``item`` value, named
    ``<item value>__<column>``, items in first-seen order."""
    values = [c for c in table.columns if c not in (key, item)]
    items = pd.unique(table[item])
    wide = table.pivot(index=key, columns=item, values=values)
    cols = [(c, it) for it in items for c in values]
    wide = wide.reindex(columns=pd.MultiIndex.from_tuples(cols))
    wide.columns = [f"{it}__{c}" for c, it in cols]
    return wide.reset_index()


RELATED_TABLES = "gpkg_related_tables"
RELATED_TABLES_DEFINITION = "http://www.geopackage.org/18-000.html"


def relate_gpkg(gpkg: Path, base: str, related: str, mapping: str,
                pairs: list[tuple[int, int]]) -> None:
    """Record in a GeoPackage that the rows of table ``related`` belong to the features of
    layer ``base``: the OGC GeoPackage Related Tables Extension (18-000), a relation of
    kind ``attributes`` through the mapping table ``mapping`` of (base fid, related fid)
    ``pairs``, which GDAL (3.6+) and QGIS (3.28+) read as a relationship."""
    con = sqlite3.connect(gpkg)
    try:
        con.execute("""CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,
            column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
            scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name,
            extension_name))""")
        con.execute("""CREATE TABLE IF NOT EXISTS gpkgext_relations (
            id INTEGER PRIMARY KEY AUTOINCREMENT, base_table_name TEXT NOT NULL,
            base_primary_column TEXT NOT NULL DEFAULT 'id', related_table_name TEXT NOT NULL,
            related_primary_column TEXT NOT NULL DEFAULT 'id', relation_name TEXT NOT NULL,
            mapping_table_name TEXT NOT NULL UNIQUE)""")
        con.execute("DELETE FROM gpkgext_relations WHERE mapping_table_name = ? OR "
                    "related_table_name = ?", (mapping, related))
        con.execute(f'DROP TABLE IF EXISTS "{mapping}"')
        con.execute(f'CREATE TABLE "{mapping}" (base_id INTEGER NOT NULL, '
                    "related_id INTEGER NOT NULL)")
        con.executemany(f'INSERT INTO "{mapping}" (base_id, related_id) VALUES (?, ?)', pairs)
        con.execute("INSERT INTO gpkgext_relations (base_table_name, base_primary_column, "
                    "related_table_name, related_primary_column, relation_name, "
                    "mapping_table_name) VALUES (?, 'fid', ?, 'fid', 'attributes', ?)",
                    (base, related, mapping))
        for table in ("gpkgext_relations", mapping):
            con.execute("INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, "
                        "extension_name, definition, scope) VALUES (?, NULL, ?, ?, "
                        "'read-write')", (table, RELATED_TABLES, RELATED_TABLES_DEFINITION))
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                    "last_change) VALUES (?, 'attributes', ?, '2000-01-01T00:00:00.000Z')",
                    (mapping, mapping))
        con.commit()
    finally:
        con.close()


def _readme(name: str, meta: Mapping, note: str = "") -> str:
    """README.txt of a zipped shapefile: what the layer is and what it was made from."""
    return (f"{name}: unggulan\n\n" + (note + "\n" if note else "") +
            "Dibuat dari skenario dan masukan berikut; run_hash yang sama berarti skenario, "
            "data masukan dan versi yang sama.\n"
            "Made from the scenario and inputs below; the same run_hash means the same "
            "scenario, input data and version.\n"
            "fields.csv: column -> shapefile field (10 characters).\n\n"
            + metadata_text(meta))


def _parquet_metadata(path: Path, meta: Mapping) -> None:
    """Add the run metadata to a Parquet file's schema metadata (key ``unggulan``)."""
    import pyarrow.parquet as pq  # (lazy: pyarrow is heavy to import, and only parquet needs it)

    table = pq.read_table(path)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY.encode()] = json.dumps(dict(meta), ensure_ascii=False,
                                                default=str).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(schema_meta), path)


def _style(gdf, layer: str | None, mapping: dict | None = None) -> str | None:
    """The QGIS style of a candidates layer (one feature per area with ``top1``)."""
    mapping = mapping or {}
    colours = gdf.attrs.get(COLOURS_KEY)   # the dataset's palette, given by the core
    com = mapping.get("commodity", "commodity")
    if "zones" in (layer or "") and com in gdf.columns:
        return zones_qml(gdf, field=com, label_field=mapping.get("zone_id", "zone_id"),
                         name_field=mapping.get("commodity_name_id", "commodity_name_id"),
                         colours=colours)
    top = mapping.get("top1", "top1")
    if "candidates" not in (layer or "") or top not in gdf.columns:
        return None

    return candidates_qml(gdf, field=top, label_field=mapping.get("name", "name"),
                          name_field=mapping.get("top1_name", "top1_name"), colours=colours)
