"""Desa and kecamatan boundaries: finding the code and name columns, repairing geometry,
deriving the code hierarchy, and dissolving kecamatan from desa when no layer is given.

Layers are stored in EPSG:4326; areas (``area_ha``) are measured in the global equal-area
projection EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from unggulan.base.errors import DatasetError
from unggulan.base.names import NameIndex, column_key, fold, place_key
from unggulan.base.problems import Problem
from unggulan.core.inputs.codes import (
    CodeSystem,
    clean_code,
    format_code,
    guess_system,
    length_note,
    parent_code,
    stored_as_numbers,
    why_not_code,
)
from unggulan.core.inputs.config import BoundaryConfig
from unggulan.io.readers import VECTOR_SUFFIXES, list_vector_layers, read_table, read_vector

STORAGE_CRS = "EPSG:4326"
AREA_CRS = "EPSG:6933"
LEVELS = ("desa", "kecamatan")

CODE_ALIASES = {
    "desa": [
        "kode_desa", "kd_desa", "kdepum", "kdebps", "kode_kel", "kode_kelurahan", "kd_kel",
        "adm4_pcode", "kodedesa", "desa_code", "id_desa", "iddesa", "kode_desa_kel", "kdesa",
        "village_code", "kode_wilayah", "kd_wilayah", "kode", "code",
    ],
    "kecamatan": [
        "kode_kec", "kd_kec", "kdcpum", "kdcbps", "adm3_pcode", "kode_kecamatan", "kodekec",
        "kecamatan_code", "id_kec", "idkec", "kdkec", "district_code", "kode_wilayah",
        "kd_wilayah", "kode", "code",
    ],
}  # fmt: skip
NAME_ALIASES = {
    "desa": [
        "nama_desa", "nama_kel", "nama_kelurahan", "nama_desa_kel", "namobj", "wadmkd", "desa",
        "kelurahan", "desa_kelurahan", "desa_kel", "nm_desa", "nmdesa", "adm4_en", "adm4_id",
        "village", "nama", "name",
    ],
    "kecamatan": [
        "nama_kec", "nama_kecamatan", "wadmkc", "kecamatan", "nm_kec", "nmkec", "adm3_en",
        "adm3_id", "district", "namobj", "nama", "name",
    ],
}  # fmt: skip
# columns of a desa layer naming its kecamatan (used for dissolved kecamatan names)
PARENT_NAME_ALIASES = ["nama_kec", "nama_kecamatan", "wadmkc", "kecamatan", "nm_kec", "adm3_en"]

_LEVEL_WORDS = {
    "desa": ("desa", "kel", "kelurahan", "village", "adm4"),
    "kecamatan": ("kec", "kecamatan", "district", "adm3"),
}


@dataclass
class CodeColumn:
    column: str
    digits: pd.Series  # cleaned digits per row (None where not a code)
    length: int
    share_valid: float
    by_alias: bool


@dataclass
class LayerInfo:
    """How a boundary layer was read: shown by ``unggulan validate``."""

    level: str
    file: str | None
    layer: str | None = None
    code_column: str | None = None
    name_column: str | None = None
    code_system: str | None = None
    code_system_reason: str | None = None
    source_crs: str | None = None
    features: int = 0
    repaired: int = 0
    dropped: int = 0
    dissolved: bool = False
    codes_derived: bool = False
    guessed: dict[str, str] = field(default_factory=dict)


def _code_candidates(gdf: gpd.GeoDataFrame) -> list[CodeColumn]:
    """Columns whose values look like area codes, most specific first."""
    keys = {column_key(c): c for c in gdf.columns if c != gdf.geometry.name}
    aliases = {a for lv in CODE_ALIASES.values() for a in lv}
    out = []
    for key, col in keys.items():
        series = gdf[col]
        if series.dtype.kind == "f" and not series.dropna().map(float.is_integer).all():
            continue
        digits = series.map(clean_code)
        valid = digits.dropna()
        if valid.empty:
            continue
        length, count = Counter(valid.str.len()).most_common(1)[0]
        if length not in (2, 4, 6, 7, 10):
            continue
        share = count / len(series)
        by_alias = key in aliases
        if share < (0.5 if by_alias else 0.95):
            continue
        out.append(CodeColumn(col, digits, length, share, by_alias))
    out.sort(key=lambda c: (c.by_alias, c.length, c.share_valid), reverse=True)
    return out


def _level_from_length(length: int) -> str | None:
    return {10: "desa", 6: "kecamatan", 7: "kecamatan", 4: "kabupaten", 2: "provinsi"}.get(length)


def _level_from_name(path: Path, layer: str | None) -> str | None:
    words = column_key(f"{path.stem} {layer or ''}").split("_")
    for level, hints in _LEVEL_WORDS.items():
        if any(w.startswith(h) for w in words for h in hints):
            return level
    return None


def _find_name(gdf: gpd.GeoDataFrame, level: str, code_col: str) -> str | None:
    keys = {column_key(c): c for c in gdf.columns if c not in (gdf.geometry.name, code_col)}
    for alias in NAME_ALIASES[level]:
        if alias in keys:
            col = keys[alias]
            if gdf[col].dtype == object or pd.api.types.is_string_dtype(gdf[col]):
                return col
    # otherwise the text column with the most distinct, mostly alphabetic values
    best, best_n = None, 0
    for key, col in keys.items():
        s = gdf[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        vals = s.dropna().astype(str)
        alpha = vals.str.contains(r"[A-Za-z]{3,}", regex=True).mean() if len(vals) else 0
        n = vals.nunique()
        if alpha > 0.9 and n > best_n and key not in ("geometry", "jenis", "type", "tipe"):
            best, best_n = col, n
    return best if best_n >= max(2, 0.5 * len(gdf)) else None


def _polygonal(geom):
    """The polygonal part of a geometry (collections can hold lines after repairs)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


@dataclass
class GeometryReport:
    """What :func:`check_geometries` found: boolean masks over the layer's rows."""

    null: np.ndarray          # no geometry at all
    empty: np.ndarray         # an empty geometry
    invalid: np.ndarray       # invalid polygons, made valid
    collection: np.ndarray    # GeometryCollections (lines or points inside), cut to polygons
    lost: np.ndarray          # had a geometry, but no polygon is left after repair

    @property
    def repaired(self) -> np.ndarray:
        return (self.invalid | self.collection) & ~self.lost


def check_geometries(before: gpd.GeoSeries, after: gpd.GeoSeries) -> GeometryReport:
    """Classify each row's geometry before and after :func:`repair_geometries`."""
    g0 = np.asarray(before.values)
    null = shapely.is_missing(g0)
    empty = ~null & shapely.is_empty(g0)
    present = ~null & ~empty
    invalid = present & ~shapely.is_valid(g0)
    collection = present & (shapely.get_type_id(g0) == 7)
    g1 = np.asarray(after.values)
    lost = present & (shapely.is_missing(g1) | shapely.is_empty(g1))
    return GeometryReport(null, empty, invalid, collection, lost)


def repair_geometries(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Make geometries valid and polygonal; return the frame and the number repaired."""
    geoms = gdf.geometry.values
    invalid = ~shapely.is_valid(np.asarray(geoms))
    fixed = np.asarray(geoms).copy()
    if invalid.any():
        fixed[invalid] = shapely.make_valid(fixed[invalid])
    non_poly = ~np.isin(shapely.get_type_id(fixed), (3, 6))
    repaired = invalid | non_poly
    if non_poly.any():
        fixed[non_poly] = [_polygonal(g) for g in fixed[non_poly]]
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs)
    changed = int((repaired & ~shapely.is_empty(np.asarray(geoms))).sum())
    return out, changed


def _read_crs(gdf: gpd.GeoDataFrame, cfg: BoundaryConfig, path: Path,
              problems: list[Problem] | None = None, level: str | None = None
              ) -> gpd.GeoDataFrame:
    """The layer with its CRS: the file's, or ``crs`` from dataset.toml (which overrides a
    wrong .prj, reported in ``problems``). Raises when the coordinates cannot be in that CRS
    (degrees under a projected CRS, metres under a geographic one), saying what they look
    like and what to set."""
    section = f"[boundaries.{level}]" if level else "its [boundaries.*]"
    if cfg.crs:
        try:
            want = CRS.from_user_input(cfg.crs)
        except Exception as exc:
            raise DatasetError(f"crs '{cfg.crs}' is not a CRS: {exc}", path=path,
                               field="crs") from None
        if gdf.crs is None:
            gdf = gdf.set_crs(want)
        elif not CRS(gdf.crs).equals(want):
            if problems is not None:
                problems.append(Problem(
                    "info", str(path), f"the file says its CRS is {_crs_label(gdf.crs)}; "
                    f"crs = \"{cfg.crs}\" from dataset.toml was used instead", field="crs"))
            gdf = gdf.set_crs(want, allow_override=True)
    elif gdf.crs is None:
        raise DatasetError(
            "the layer has no CRS (a shapefile without its .prj?). Add the .prj, or set "
            f'crs = "EPSG:4326" (or the right one) under {section} in dataset.toml',
            path=path,
            field="crs",
        )
    _check_coordinates(gdf, path, section, configured=bool(cfg.crs))
    return gdf


#: where Indonesia lies (EPSG:4326, lon/lat) with a margin: a layer outside is suspect
INDONESIA_BOUNDS = (94.0, -11.5, 142.0, 6.5)


def _crs_label(crs) -> str:
    crs = CRS(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def looks_like(bounds: tuple[float, float, float, float]) -> tuple[str, str]:
    """What CRS coordinates with these bounds look like, for Indonesia: a description and
    the ``crs`` to suggest.

    Examples
    --------
    >>> looks_like((120.0, -5.0, 120.1, -4.9))[1]
    'EPSG:4326'
    >>> looks_like((178_000, 9_447_000, 189_000, 9_458_000))[1]
    'EPSG:327NN'
    """
    x0, y0, x1, y1 = bounds
    if -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90:
        return "degrees of longitude and latitude (WGS 84, EPSG:4326)", "EPSG:4326"
    if 10.0e6 <= x0 and x1 <= 16.0e6 and -1.5e6 <= y0 and y1 <= 0.9e6:
        return "metres of Web Mercator (EPSG:3857, as web maps use)", "EPSG:3857"
    utm_x = 100e3 <= x0 and x1 <= 900e3
    if utm_x and 8.6e6 <= y0 and y1 <= 10.0e6:
        return ("metres of UTM south of the equator (WGS 84 / UTM zone 46S-54S, "
                "EPSG:32746-32754; eastings do not tell the zone: EPSG:32750 for 114-120°E, "
                "EPSG:32751 for 120-126°E ...)", "EPSG:327NN")
    tm3 = 0 < x0 and x1 < 400e3 and 0.15e6 <= y0 and y1 <= 2.3e6
    if utm_x and 0 <= y0 and y1 <= 0.8e6:
        also = (" or of Indonesia TM-3 (DGN95 / Indonesia TM-3 zone 46.2-54.1, "
                "EPSG:23830-23845)") if tm3 else ""
        return ("metres of UTM north of the equator (WGS 84 / UTM zone 46N-54N, "
                f"EPSG:32646-32654){also}", "EPSG:326NN")
    if tm3:
        return ("metres of Indonesia TM-3 (DGN95 / Indonesia TM-3 zone 46.2-54.1, "
                "EPSG:23830-23845)", "EPSG:238NN")
    return "numbers of a projected CRS (metres or feet) that is not UTM, TM-3 or Web Mercator", \
        "EPSG:<code>"


def _check_coordinates(gdf: gpd.GeoDataFrame, path: Path, section: str,
                       configured: bool) -> None:
    """Raise when the coordinate ranges cannot be in the layer's CRS."""
    geoms = gdf.geometry
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    if geoms.empty:
        return
    x0, y0, x1, y1 = (float(v) for v in geoms.total_bounds)
    if not np.isfinite([x0, y0, x1, y1]).all():
        return
    crs = CRS(gdf.crs)
    degrees = -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90
    where = "crs in dataset.toml" if configured else "file's CRS (its .prj)"
    if crs.is_geographic and not degrees:
        what, suggest = looks_like((x0, y0, x1, y1))
        raise DatasetError(
            f"the coordinates (x {x0:,.0f} to {x1:,.0f}, y {y0:,.0f} to {y1:,.0f}) cannot be "
            f"degrees, but the {where} is {_crs_label(crs)}, in degrees. They look like "
            f"{what}. Set crs = \"{suggest}\" (with the right zone) under {section} in "
            "dataset.toml, or correct the .prj",
            path=path, field="crs")
    if crs.is_projected and degrees:
        raise DatasetError(
            f"the coordinates (x {x0:.4f} to {x1:.4f}, y {y0:.4f} to {y1:.4f}) look like "
            f"degrees of longitude and latitude, but the {where} is {_crs_label(crs)}, in "
            f"{crs.axis_info[0].unit_name if crs.axis_info else 'metres'}. Set "
            f'crs = "EPSG:4326" under {section} in dataset.toml, or correct the .prj',
            path=path, field="crs")


@dataclass
class RawLayer:
    path: Path
    layer: str | None
    gdf: gpd.GeoDataFrame
    code: CodeColumn | None
    level: str | None


def inspect_layer(path: Path, layer: str | None, cfg: BoundaryConfig | None = None) -> RawLayer:
    """Read one layer and find its code column and level (without normalising yet)."""
    cfg = cfg or BoundaryConfig()
    if cfg.code == DERIVED_CODE_COLUMN:  # written by an older `unggulan init`: no column
        cfg = cfg.model_copy(update={"code": None})
    gdf = read_vector(path, layer)
    code = None
    if cfg.code:
        if cfg.code not in gdf.columns:
            raise DatasetError(
                f"configured code column '{cfg.code}' is not in the layer; "
                f"columns are: {', '.join(map(str, gdf.columns.drop(gdf.geometry.name)))}",
                path=path,
                field=cfg.code,
            )
        digits = gdf[cfg.code].map(clean_code)
        valid = digits.dropna()
        length = Counter(valid.str.len()).most_common(1)[0][0] if len(valid) else 0
        code = CodeColumn(cfg.code, digits, length, len(valid) / len(gdf), True)
    else:
        cands = _code_candidates(gdf)
        code = cands[0] if cands else None
    level = _level_from_length(code.length) if code else _level_from_name(path, layer)
    return RawLayer(path, layer, gdf, code, level)


def normalise_layer(
    raw: RawLayer, level: str, cfg: BoundaryConfig, problems: list[Problem], *,
    kabupaten: str | None = None, context: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, LayerInfo]:
    """Canonical boundary frame of one level from a raw layer.

    Columns: ``code``, ``name``, ``level``, ``parent_code`` and the hierarchy
    (``province_code``, ``kabupaten_code``, ``kecamatan_code`` for desa), ``area_ha`` and
    geometry, indexed by ``code``.
    """
    path = raw.path
    gdf = raw.gdf
    fname = str(path)
    info = LayerInfo(level=level, file=fname, layer=raw.layer, features=len(gdf))
    derived_reason = None
    if raw.code is None:
        gdf = _read_crs(gdf, cfg, path, problems, level)
        gdf, code, derived_reason, info.codes_derived = codes_from_names(
            gdf, level, cfg, problems, path, kabupaten=kabupaten, context=context
        )
    else:
        code = raw.code
    info.code_column = code.column
    if not cfg.code and raw.code is not None:
        info.guessed["code"] = code.column
    geom_types = set(gdf.geom_type.dropna())
    if geom_types and not geom_types & {"Polygon", "MultiPolygon", "GeometryCollection"}:
        raise DatasetError(
            f"the {level} layer holds {', '.join(sorted(geom_types))}, not polygons", path=path
        )
    gdf = _read_crs(gdf, cfg, path, problems, level)
    info.source_crs = gdf.crs.to_string()
    if not CRS(gdf.crs).equals(CRS(STORAGE_CRS)):
        problems.append(Problem("info", fname, f"the layer is in {_crs_label(gdf.crs)}; it was "
                                f"reprojected to {STORAGE_CRS} (areas are measured in "
                                f"{AREA_CRS})", field="crs"))
    if raw.code is not None:
        number = stored_as_numbers(gdf[code.column].head(1000))
        if number is not None:
            problems.append(Problem(
                "info", fname, f"codes in column '{code.column}' are stored as numbers (e.g. "
                f"{number!r}); they were read as text ('{clean_code(number)}'). No Indonesian "
                "code starts with 0, so no leading zero was lost", field=code.column))

    system: CodeSystem
    if derived_reason:
        system, reason = "kemendagri", derived_reason
    elif cfg.code_system:
        system, reason = cfg.code_system, "set in dataset.toml"
    else:
        sample = gdf[code.column].dropna().astype(str).head(200).tolist()
        if any("." in s.strip() for s in sample) and not all(
            s.strip().endswith(".0") for s in sample
        ):
            system, reason = "kemendagri", "codes written with dots (Kemendagri)"
        else:
            system, reason = guess_system(code.digits.dropna().tolist(), hint=code.column)
        info.guessed["code_system"] = system
    info.code_system, info.code_system_reason = system, reason

    digits = code.digits
    want = {"desa": 10, "kecamatan": 6 if system == "kemendagri" else 7}[level]
    bad = digits.isna() | (digits.str.len() != want)
    if bad.any():
        n = int(bad.sum())
        examples = gdf.loc[bad, code.column].astype(str).head(3).tolist()
        why = _bad_code_reason(gdf.loc[bad, code.column], digits[bad], want, level)
        if n == len(gdf):
            raise DatasetError(
                f"column '{code.column}' holds no {level} codes ({want} digits in the "
                f"{system} system), e.g. {examples}{why}",
                path=path,
                field=code.column,
            )
        problems.append(
            Problem(
                "warning",
                fname,
                f"{n} feature(s) without a valid {level} code were left out, e.g. "
                f"{examples}{why}",
                field=code.column,
            )
        )
        gdf, digits = gdf.loc[~bad], digits.loc[~bad]
        info.dropped += n

    name_col = cfg.name or _find_name(gdf, level, code.column)
    if cfg.name and cfg.name not in gdf.columns:
        raise DatasetError(
            f"configured name column '{cfg.name}' is not in the layer", path=path, field=cfg.name
        )
    info.name_column = name_col
    if name_col and not cfg.name:
        info.guessed["name"] = name_col

    before = gdf.geometry
    gdf, _ = repair_geometries(gdf)
    gdf, digits, info.repaired, dropped = _report_geometries(
        gdf, digits, before, code.column, fname, problems)
    info.dropped += dropped

    names = gdf[name_col].astype(str).str.strip() if name_col else pd.Series(None, index=gdf.index)
    out = gpd.GeoDataFrame(
        {"code": digits.map(lambda d: format_code(d, system)), "name": names},
        geometry=gdf.geometry.to_crs(STORAGE_CRS).values,
        crs=STORAGE_CRS,
    )
    _warn_outside_indonesia(out, fname, problems)
    if level == "desa":
        pcol = parent_name_column(gdf.drop(columns=[name_col] if name_col else []))
        if pcol:
            out["kecamatan_name"] = gdf[pcol].astype(str).str.strip().values
            info.guessed["kecamatan_name"] = pcol
    out.index = range(len(out))

    dup = out["code"].duplicated(keep=False)
    if dup.any():
        if cfg.merge_duplicates:
            n_before = len(out)
            agg = {c: "first" for c in out.columns if c not in ("code", "geometry")}
            out = out.dissolve(by="code", aggfunc=agg, as_index=False)
            problems.append(
                Problem("info", fname, f"{n_before - len(out)} duplicate feature(s) merged")
            )
        else:
            codes = sorted(out.loc[dup, "code"].unique())
            raise DatasetError(
                f"{len(codes)} duplicate {level} code(s) in column '{code.column}', e.g. "
                f"{', '.join(codes[:5])}. If these are parts of one area, set "
                f"merge_duplicates = true under [boundaries.{level}]",
                path=path,
                field=code.column,
            )
    out = add_hierarchy(out, level, system)
    out["code_derived"] = bool(info.codes_derived)
    return out, info


def _warn_outside_indonesia(gdf: gpd.GeoDataFrame, fname: str, problems: list[Problem]) -> None:
    """Warn when a layer (EPSG:4326) lies wholly outside Indonesia: a wrong CRS or zone."""
    if gdf.empty:
        return
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    bx0, by0, bx1, by1 = INDONESIA_BOUNDS
    if np.isfinite([x0, y0, x1, y1]).all() and (x1 < bx0 or x0 > bx1 or y1 < by0 or y0 > by1):
        problems.append(Problem(
            "warning", fname, f"the layer lies at lon {x0:.3f} to {x1:.3f}, lat {y0:.3f} to "
            f"{y1:.3f}, outside Indonesia (lon {bx0:g} to {bx1:g}, lat {by0:g} to {by1:g}): is "
            "its CRS right (a UTM layer in the wrong zone?); set crs under its [boundaries.*] "
            "in dataset.toml", field="crs"))


def _bad_code_reason(values: pd.Series, digits: pd.Series, want: int, level: str) -> str:
    """Why the first bad code is bad, as ``": <reason>"`` for a message."""
    for v, d in zip(values, digits):
        why = why_not_code(v)
        if why:
            return f": {why}"
        if isinstance(d, str) and len(d) != want:
            return f": {length_note(d, want, level)}"
    return ""


def _report_geometries(
    gdf: gpd.GeoDataFrame, digits: pd.Series, before: gpd.GeoSeries, code_col: str,
    fname: str, problems: list[Problem],
) -> tuple[gpd.GeoDataFrame, pd.Series, int, int]:
    """Report repairs and drop features left without a polygon; return the frame, its
    digits, the number repaired and the number dropped."""
    rep = check_geometries(before, gdf.geometry)

    def codes(mask: np.ndarray) -> str:
        return ", ".join(gdf.loc[mask, code_col].astype(str).head(5))

    repaired = int(rep.repaired.sum())
    if repaired:
        parts = []
        if (n := int((rep.invalid & ~rep.collection & ~rep.lost).sum())):
            parts.append(f"{n} invalid polygon(s) made valid (make_valid)")
        if (n := int((rep.collection & ~rep.lost).sum())):
            parts.append(f"{n} GeometryCollection(s) cut to their polygons (lines and points "
                         f"inside dropped): {codes(rep.collection & ~rep.lost)}")
        problems.append(Problem("info", fname, f"{repaired} geometr"
                                f"{'y' if repaired == 1 else 'ies'} repaired: "
                                + "; ".join(parts), field="geometry"))
    if (rep.null | rep.empty).any():
        n = int((rep.null | rep.empty).sum())
        kinds = []
        if rep.null.any():
            kinds.append(f"{int(rep.null.sum())} null: {codes(rep.null)}")
        if rep.empty.any():
            kinds.append(f"{int(rep.empty.sum())} empty: {codes(rep.empty)}")
        problems.append(Problem("error", fname, f"{n} feature(s) with no geometry (empty "
                                f"geometry or none) were left out ({'; '.join(kinds)}); draw "
                                "their polygons or delete the rows", field="geometry"))
    if rep.lost.any():
        n = int(rep.lost.sum())
        problems.append(Problem("error", fname, f"{n} feature(s) with no polygon (only lines "
                                "or points, or no area even after repair: an empty geometry "
                                f"once repaired) were left out: {codes(rep.lost)}",
                                field="geometry"))
    drop = rep.null | rep.empty | rep.lost
    if drop.any():
        gdf, digits = gdf.loc[~drop], digits.loc[~drop]
    return gdf, digits, repaired, int(drop.sum())


def add_hierarchy(gdf: gpd.GeoDataFrame, level: str, system: CodeSystem) -> gpd.GeoDataFrame:
    """Add level, parent and ancestor codes derived from the codes, and the area in ha."""
    digits = gdf["code"].str.replace(".", "", regex=False)
    gdf = gdf.copy()
    gdf["level"] = level
    gdf["code_system"] = system
    gdf["province_code"] = digits.map(lambda d: format_code(d[:2], system))
    gdf["kabupaten_code"] = digits.map(lambda d: format_code(d[:4], system))
    if level == "desa":
        gdf["kecamatan_code"] = digits.map(
            lambda d: format_code(parent_code(d, "kecamatan", system), system)
        )
        gdf["parent_code"] = gdf["kecamatan_code"]
    else:
        gdf["parent_code"] = gdf["kabupaten_code"]
    gdf["area_ha"] = gdf.geometry.to_crs(AREA_CRS).area / 1e4
    cols = ["code", "name", "level", "parent_code", "province_code", "kabupaten_code"]
    if level == "desa":
        cols.append("kecamatan_code")
        if "kecamatan_name" not in gdf.columns:
            gdf["kecamatan_name"] = None
        cols.append("kecamatan_name")
    cols += ["code_system", "area_ha"]
    if "code_derived" in gdf.columns:
        cols.append("code_derived")
    cols.append("geometry")
    return gdf[cols].sort_values("code").set_index("code", drop=False).rename_axis(None)


def dissolve_kecamatan(desa: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Kecamatan polygons as the union of their desa, named where the desa layer says."""
    system = desa["code_system"].iloc[0]
    codes, geoms = union_by(desa["kecamatan_code"], desa.geometry)
    kec = gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=desa.crs)
    names = desa["kecamatan_name"].dropna().groupby(desa["kecamatan_code"]).agg(
        lambda s: s.mode().iat[0]
    )
    kec["name"] = kec["code"].map(names)
    kec["geometry"] = kec.geometry.map(_polygonal)
    return add_hierarchy(kec, "kecamatan", system)


def union_by(keys: pd.Series, geometry: gpd.GeoSeries) -> tuple[list[str], np.ndarray]:
    """The union of the geometries of each key (sorted keys), as ``GeoDataFrame.dissolve``
    gives it; groups are unioned on two threads (GEOS releases the GIL), which halves a
    national dissolve of 84,000 desa."""
    k = keys.astype(str).to_numpy(object)
    g = np.asarray(geometry.values)
    order = np.argsort(k, kind="stable")
    k, g = k[order], g[order]
    starts = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1, len(k)] if len(k) else np.r_[0]
    groups = [g[a:b] for a, b in zip(starts[:-1], starts[1:])]
    if len(groups) > 200:
        with ThreadPoolExecutor(max_workers=2) as pool:
            merged = list(pool.map(shapely.union_all, groups))
    else:
        merged = [shapely.union_all(x) for x in groups]
    return [str(k[a]) for a in starts[:-1]], np.array(merged, dtype=object)


def vector_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    files = [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix.lower() in VECTOR_SUFFIXES and not p.name.startswith(".")
    ]
    return files


def discover_layers(folder: Path) -> list[RawLayer]:
    """Every readable polygon layer under ``folder``, with its guessed level."""
    found = []
    for path in vector_files(folder):
        layers = list_vector_layers(path)
        for layer in layers:
            found.append(inspect_layer(path, None if len(layers) == 1 else layer))
    return found


def parent_name_column(gdf: gpd.GeoDataFrame) -> str | None:
    keys = {column_key(c): c for c in gdf.columns}
    for alias in PARENT_NAME_ALIASES:
        if alias in keys:
            return keys[alias]
    return None


# ---------------------------------------------------------------- layers with names only
DERIVED_CODE_COLUMN = "(kode turunan / derived code)"
#: derived codes start with this kabupaten code when none is configured: "00" is no
#: province, so a derived code can never be mistaken for an official one
UNKNOWN_KABUPATEN = "0000"


def codes_from_names(
    gdf: gpd.GeoDataFrame, level: str, cfg: BoundaryConfig, problems: list[Problem],
    path: Path, *, kabupaten: str | None = None, context: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, CodeColumn, str, bool]:
    """Codes for a layer that has names but no code column (the usual local GIS file).

    In this order:

    1. ``codes = "file.csv"`` under ``[boundaries.<level>]``: official codes looked up by
       name (case, spacing, prefixes and old spelling tolerated);
    2. a kecamatan layer beside a coded desa layer (``context``): each kecamatan takes the
       kecamatan code of the desa whose representative points fall in it (the majority);
    3. otherwise codes are **derived**, Kemendagri-shaped and stable: the kabupaten code
       (``kabupaten_code`` in dataset.toml, else ``00.00``, which is no province), then the
       areas' names sorted (lower case, accents and punctuation removed) and numbered:
       kecamatan ``01``, ``02`` ...; desa ``2001``, ``2002`` ... within their kecamatan
       (from the desa layer's kecamatan name column or, failing that, the kecamatan
       polygon holding the desa). Renaming or adding an area renumbers the areas after
       it; give official codes for anything that must be kept over time.
    """
    name_col = cfg.name or _find_name(gdf, level, "")
    if name_col is None or name_col not in gdf.columns:
        cols = ", ".join(map(str, gdf.columns.drop(gdf.geometry.name)))
        raise DatasetError(
            f"no area-code column and no name column found for the {level} layer (columns: "
            f'{cols}). Set code = "<column>" (or name = "<column>") under '
            f"[boundaries.{level}] in dataset.toml",
            path=path, field="code",
        )
    names = gdf[name_col].astype(str).str.strip()
    keys = names.map(place_key)  # for matching: spelling variants coincide
    order_keys = names.map(fold)  # for numbering: every name keeps its own place
    want = 10 if level == "desa" else 6
    kab = clean_code(cfg.kabupaten_code or kabupaten) or UNKNOWN_KABUPATEN
    if len(kab) != 4:
        raise DatasetError(f"kabupaten_code '{cfg.kabupaten_code or kabupaten}' is not a "
                           "4-digit kabupaten code", path=path, field="kabupaten_code")
    if cfg.codes:
        digits, rule = _codes_from_table(Path(cfg.codes), names, keys, want, path, problems)
        derived = False
    elif level == "kecamatan" and context is not None and not context.get(
            "code_derived", pd.Series(False)).any():
        pts = gpd.GeoDataFrame(geometry=context.geometry.representative_point().values,
                               crs=context.crs).assign(kec=context["kecamatan_code"].values)
        hit = gpd.sjoin(pts, gdf.to_crs(context.crs)[[gdf.geometry.name]], predicate="within")
        best = hit.groupby("index_right")["kec"].agg(lambda s: s.mode().iat[0])
        digits = pd.Series(gdf.index.map(best), index=gdf.index).map(clean_code)
        rule = "kecamatan codes taken from the desa inside each polygon"
        derived = False
    else:
        if level == "kecamatan":
            digits = _numbered(order_keys, pd.Series(kab, index=gdf.index), 1, 2)
        else:
            parent = _desa_parents(gdf, name_col, context, kab, problems, path)
            digits = _numbered(order_keys, parent, 2001, 4)
        derived = True
        rule = (f"codes derived from the sorted names under kabupaten "
                f"{format_code(kab, 'kemendagri')} (not official codes)")
        problems.append(Problem("warning", str(path), f"the {level} layer has names but no "
                                f"codes: {rule}. Give official codes with codes = \"file.csv\" "
                                f"under [boundaries.{level}]", field=name_col))
    dup = keys[keys.duplicated(keep=False)]
    if len(dup) and cfg.codes is None:
        problems.append(Problem("warning", str(path), f"{dup.nunique()} name(s) occur more "
                                f"than once, e.g. '{names[dup.index[0]]}'; they were numbered "
                                "in file order", field=name_col))
    gdf = gdf.assign(**{DERIVED_CODE_COLUMN: digits})
    code = CodeColumn(DERIVED_CODE_COLUMN, digits, want, float(digits.notna().mean()), True)
    return gdf, code, rule, derived


def _numbered(keys: pd.Series, parent: pd.Series, start: int, width: int) -> pd.Series:
    """``parent`` digits + a number by sorted key within each parent (stable on ties)."""
    frame = pd.DataFrame({"key": keys, "parent": parent, "pos": range(len(keys))})
    frame = frame.sort_values(["parent", "key", "pos"])
    frame["n"] = frame.groupby("parent").cumcount() + start
    if (frame["n"] >= 10 ** width).any():
        raise DatasetError(f"more than {10 ** width - start} areas in one parent: codes cannot "
                           "be derived; give official codes")
    out = frame["parent"] + frame["n"].map(lambda n: f"{n:0{width}d}")
    return out.reindex(keys.index)


def _desa_parents(gdf, name_col, kecamatan, kab, problems, path) -> pd.Series:
    """Kecamatan digits of each desa of a names-only desa layer."""
    pcol = parent_name_column(gdf.drop(columns=[name_col]))
    if kecamatan is not None and pcol:
        by_key = {place_key(n): c for c, n in zip(kecamatan["code"], kecamatan["name"]) if n}
        found = gdf[pcol].map(lambda n: by_key.get(place_key(n)))
        if found.notna().all():
            return found.map(clean_code)
    if kecamatan is not None:
        pts = gpd.GeoDataFrame(geometry=gdf.geometry.representative_point().values,
                               crs=gdf.crs, index=gdf.index)
        hit = gpd.sjoin(pts, kecamatan.to_crs(gdf.crs)[["code", "geometry"]],
                        predicate="within")
        hit = hit[~hit.index.duplicated()]
        found = hit["code"].reindex(gdf.index)
        if found.notna().all():
            return found.map(clean_code)
    if pcol:
        kec_keys = gdf[pcol].astype(str).map(fold)
        kec_digits = _numbered(pd.Series(sorted(set(kec_keys))),
                               pd.Series(kab, index=range(kec_keys.nunique())), 1, 2)
        lookup = dict(zip(sorted(set(kec_keys)), kec_digits))
        return kec_keys.map(lookup)
    problems.append(Problem("warning", str(path), "names-only desa without a kecamatan name "
                            "column or a kecamatan layer: all desa were put in one derived "
                            "kecamatan"))
    return pd.Series(kab + "00", index=gdf.index)


def _codes_from_table(table: Path, names: pd.Series, keys: pd.Series, want: int,
                      path: Path, problems: list[Problem] | None = None
                      ) -> tuple[pd.Series, str]:
    frame, _ = read_table(table)
    code_col = name_col = None
    for col in frame.columns:
        digits = frame[col].map(clean_code)
        if code_col is None and digits.notna().mean() > 0.9:
            code_col = col
        elif name_col is None and frame[col].str.contains(r"[A-Za-z]{3,}").mean() > 0.9:
            name_col = col
    if code_col is None or name_col is None:
        raise DatasetError("the codes table needs a name column and a code column",
                           path=table)
    index = NameIndex((n, clean_code(c)) for n, c in zip(frame[name_col], frame[code_col]))
    found = {n: index.lookup(n) for n in names.unique()}
    digits = names.map(lambda n: found[n].value)
    inexact = [f"'{n}' -> {m.name} ({m.value}; {m.describe()})"
               for n, m in found.items() if m.inexact]
    if inexact and problems is not None:
        problems.append(Problem("info", str(table), f"{len(inexact)} name(s) of {path.name} "
                                "matched by spelling or fuzzily, check them: "
                                + "; ".join(inexact[:10]), field=name_col))
    if digits.isna().any():
        bad = names[digits.isna()].head(5).tolist()
        tied = [f"'{n}' fits {', '.join(m.tied or (m.name,))} equally"
                for n, m in found.items() if m.how == "ambiguous"][:3]
        raise DatasetError(f"{int(digits.isna().sum())} name(s) of {path.name} are not in the "
                           f"codes table, e.g. {bad}" + (f" ({'; '.join(tied)}: not guessed)"
                                                         if tied else ""),
                           path=table, field=name_col)
    return digits, f"official codes by name from {table.name}"
