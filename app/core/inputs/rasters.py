"""Finding the agro-ecological rasters of a dataset and what attribute each holds."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio

from unggulan.base.paths import resolve_in
from unggulan.base.problems import Problem
from unggulan.core.inputs.config import RASTER_ATTRIBUTES
from unggulan.io.fetch_rasters import read_sidecar
from unggulan.io.readers import RASTER_SUFFIXES

# token groups that name an attribute in a file name; all tokens of a group must appear
RASTER_ALIASES: dict[str, list[tuple[str, ...]]] = {
    "elevation": [("elevation",), ("elev",), ("dem",), ("srtm",), ("altitude",),
                  ("ketinggian",), ("elevasi",), ("dtm",)],
    "slope": [("slope",), ("lereng",), ("kemiringan",)],
    "temperature": [("temperature",), ("temp",), ("suhu",), ("tavg",), ("tmean",), ("bio1",),
                    ("bio01",)],
    "rainfall": [("precipitation",), ("rainfall",), ("curah", "hujan"), ("prec",), ("precip",),
                 ("prcp",), ("bio12",), ("rain",), ("ch",)],
    "humidity": [("humidity",), ("kelembapan",), ("kelembaban",), ("rh",)],
    "wet_months": [("wet", "months"), ("bulan", "basah"), ("wet",)],
    "dry_months": [("dry", "months"), ("bulan", "kering"), ("dry",)],
    "ph": [("ph",), ("phh2o",), ("ph", "h2o")],
    "cec": [("cec",), ("ktk",)],
    "organic_carbon": [("soc",), ("organic", "carbon"), ("c", "organik"), ("corg",)],
    "nitrogen": [("nitrogen",), ("n", "total")],
    "coarse_fragments": [("cfvo",), ("coarse",), ("bahan", "kasar")],
    "base_saturation": [("bsat",), ("base", "saturation"), ("kejenuhan", "basa"), ("kb",)],
    "drainage": [("drainage",), ("drainase",)],
    "texture": [("texture",), ("tekstur",)],
    "salinity": [("elec", "cond"), ("salinity",), ("salinitas",), ("ec",)],
    "esp": [("esp",), ("alkalinitas",), ("sodicity",)],
    "soil_depth": [("soil", "depth"), ("depth",), ("kedalaman",), ("solum",)],
}  # fmt: skip
assert set(RASTER_ALIASES) == set(RASTER_ATTRIBUTES)


@dataclass
class RasterInfo:
    attribute: str
    path: str
    guessed: bool
    crs: str | None
    width: int
    height: int
    resolution: tuple[float, float]
    dtype: str
    nodata: float | None
    bounds: tuple[float, float, float, float]
    # what `unggulan rasters fetch` wrote beside the file (<file>.json): product, licence,
    # source URLs, date, sha256; None for a raster the office made
    provenance: dict | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.provenance:  # the file lists shortened (a monthly series names 360 files)
            d["provenance"] = dict(self.provenance, sources=[
                {k: v for k, v in s.items() if k not in ("files", "missing_tiles")}
                | {"files": len(s.get("files") or []),
                   "first_file": (s.get("files") or [None])[0]}
                for s in self.provenance.get("sources", [])])
        return d

    @property
    def source_text(self) -> str | None:
        """'product (licence), fetched date' from the provenance, or None."""
        p = self.provenance
        if not p:
            return None
        text = p.get("product") or "?"
        if p.get("licence"):
            text += f" ({p['licence']})"
        if p.get("derivation"):
            text += f"; {p['attribute']} derived"
        return text + f", {str(p.get('fetched_at', ''))[:10]}"


def attribute_for(path: Path) -> str | None:
    """The attribute a raster file name speaks of, or None."""
    tokens = set(re.split(r"[^a-z0-9]+", path.stem.lower()))
    for attr, groups in RASTER_ALIASES.items():
        if any(set(g) <= tokens for g in groups):
            return attr
    return None


#: What each attribute's values can be, in the unit the tool reads it in (see
#: ``unggulan.core.land.attributes.UNITS``): (lowest, highest) over the 1st-99th percentile of the
#: cells, a plausible range of the median where the extremes alone cannot tell units apart,
#: and the units the numbers may be in instead, as (name, conversion to the tool's unit,
#: how to convert). Only *impossible* ranges are reported: slope in degrees, for one, is a
#: possible range of percent and is only suspected from the file name.
UNIT_CHECKS: dict[str, tuple] = {
    "elevation": ((-200, 5100), None, "m", [
        ("feet", lambda v: v * 0.3048, "multiply by 0.3048"),
        ("decimetres", lambda v: v / 10, "divide by 10"),
        ("centimetres", lambda v: v / 100, "divide by 100")]),
    "slope": ((0, 1500), None, "%", []),
    "temperature": ((-15, 35), (8, 28.5), "°C", [
        ("Kelvin", lambda v: v - 273.15, "subtract 273.15"),
        ("tenths of a degree", lambda v: v / 10, "divide by 10"),
        ("hundredths of a degree", lambda v: v / 100, "divide by 100"),
        ("Fahrenheit", lambda v: (v - 32) / 1.8, "subtract 32, divide by 1.8")]),
    "rainfall": ((200, 12000), None, "mm/yr", [
        ("mm per month (a monthly mean)", lambda v: v * 12, "multiply by 12"),
        ("mm per day", lambda v: v * 365, "multiply by 365"),
        ("metres per year", lambda v: v * 1000, "multiply by 1000"),
        ("tenths of a mm", lambda v: v / 10, "divide by 10")]),
    "humidity": ((20, 100), None, "%", [
        ("a fraction 0-1", lambda v: v * 100, "multiply by 100")]),
    "wet_months": ((0, 12), None, "months", [("days", lambda v: v / 30.4, "divide by 30.4")]),
    "dry_months": ((0, 12), None, "months", [("days", lambda v: v / 30.4, "divide by 30.4")]),
    "ph": ((2, 11), None, "pH", [
        ("pH x 10 (as SoilGrids' phh2o)", lambda v: v / 10, "divide by 10")]),
    "cec": ((0, 200), None, "cmol/kg", [
        ("mmol(c)/kg (as SoilGrids' cec)", lambda v: v / 10, "divide by 10")]),
    "organic_carbon": ((0, 60), (0, 20), "%", [
        ("g/kg", lambda v: v / 10, "divide by 10"),
        ("dg/kg (as SoilGrids' soc)", lambda v: v / 100, "divide by 100")]),
    "coarse_fragments": ((0, 100), None, "%", [
        ("per mille, cm3/dm3 (as SoilGrids' cfvo)", lambda v: v / 10, "divide by 10")]),
    "base_saturation": ((0, 100), None, "%", []),
    "soil_depth": ((0, None), None, "cm", []),
}  # fmt: skip
_DEGREE_WORDS = {"deg", "degree", "degrees", "derajat", "drjt"}
_SAMPLE_SIDE = 512


def _sample(src) -> np.ndarray:
    """Valid values of band 1: the whole band when small, else a decimated read from the
    overviews, or (without overviews, where a decimated read would touch every tile of a
    national raster) an 8 x 8 lattice of 64 x 64 windows."""
    from rasterio.windows import Window

    if src.width * src.height <= _SAMPLE_SIDE**2 or src.overviews(1):
        h, w = min(src.height, _SAMPLE_SIDE), min(src.width, _SAMPLE_SIDE)
        arrays = [src.read(1, out_shape=(h, w), masked=True)]
    else:
        side = 64
        rows = np.linspace(0, max(src.height - side, 0), 8).astype(int)
        cols = np.linspace(0, max(src.width - side, 0), 8).astype(int)
        arrays = [src.read(1, window=Window(int(c), int(r), min(side, src.width),
                                            min(side, src.height)), masked=True)
                  for r in rows for c in cols]
    vals = np.concatenate([np.ma.compressed(a).astype(np.float64) for a in arrays])
    return vals[np.isfinite(vals)]


def _has_any_data(src) -> bool:
    """True when any cell holds data (block by block, stopping at the first)."""
    for _, window in src.block_windows(1):
        block = src.read(1, window=window, masked=True)
        vals = np.ma.compressed(block)
        if vals.size and np.isfinite(vals.astype(np.float64)).any():
            return True
    return False


def unit_problem(attribute: str, values: np.ndarray, stem: str = "") -> str | None:
    """What is impossible about a raster's values for ``attribute`` and the likely unit, or
    None when they can be right.

    Examples
    --------
    >>> kelvin = np.full(10, 298.0)                      # 24.85 °C
    >>> unit_problem("temperature", kelvin)[:50]
    'values 298 to 298 (1st to 99th percentile of the c'
    >>> "they look like Kelvin (subtract 273.15)." in unit_problem("temperature", kelvin)
    True
    >>> unit_problem("temperature", np.array([22.5, 26.0])) is None
    True
    """
    check = UNIT_CHECKS.get(attribute)
    if check is None:
        return None
    (lo, hi), median_range, unit, alternatives = check
    tokens = set(re.split(r"[^a-z0-9]+", stem.lower()))
    if attribute == "slope" and tokens & _DEGREE_WORDS:
        return ("the file name says degrees, but slope is read as percent (45° is 100 %): "
                "convert it (tan(slope°) x 100) or give a slope raster in percent")
    if values.size == 0:
        return None
    q1, q99 = np.percentile(values, [1, 99])
    med = float(np.median(values))

    def fits(a: float, b: float, m: float) -> bool:
        ok = (lo is None or a >= lo) and (hi is None or b <= hi)
        return ok and (median_range is None or median_range[0] <= m <= median_range[1])

    if fits(q1, q99, med):
        return None
    likely = [f"{name} ({how})" for name, f, how in alternatives
              if fits(f(q1), f(q99), f(med))]
    rng = f"{lo:,g} to {hi:,g}" if hi is not None else f"at least {lo:,g}"
    text = (f"values {q1:,.4g} to {q99:,.4g} (1st to 99th percentile of the cells"
            + (f", median {med:,.4g}" if median_range else "")
            + f") are impossible for {attribute} in {unit} (expected {rng}"
            + (f", median {median_range[0]:g} to {median_range[1]:g})" if median_range
               else ")"))
    if likely:
        alts = likely[0] if len(likely) == 1 else ", ".join(likely[:-1]) + " or " + likely[-1]
        text += f"; they look like {alts}"
    else:
        text += "; the unit is not one we recognise"
    return (text + ". Convert the raster (e.g. with gdal_calc.py) before using it: until then "
            "its suitability classes are wrong")


def describe(
    path: Path, attribute: str, guessed: bool, problems: list[Problem]
) -> RasterInfo | None:
    """What a raster holds, checked: a raster without a CRS or without any data is reported
    as an error and left out (None); values impossible for ``attribute`` in its unit are a
    warning naming the likely unit (:func:`unit_problem`)."""
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                problems.append(Problem("error", str(path), "the raster has no CRS"))
                return None
            info = RasterInfo(
                attribute=attribute, path=str(path), guessed=guessed, crs=src.crs.to_string(),
                width=src.width, height=src.height, resolution=tuple(src.res),
                dtype=src.dtypes[0], nodata=src.nodata, bounds=tuple(src.bounds),
                provenance=read_sidecar(path),
            )
            values = _sample(src)
            if values.size == 0 and not _has_any_data(src):
                problems.append(Problem(
                    "error", str(path), f"the raster holds no data: all {src.width * src.height:,}"
                    f" cells are nodata ({src.nodata}); it was left out. Check the file (a "
                    "failed export or clip?) or remove it", field=f"rasters.{attribute}"))
                return None
    except rasterio.errors.RasterioIOError as exc:
        problems.append(Problem("error", str(path), f"cannot read the raster: {exc}"))
        return None
    why = unit_problem(attribute, values, path.stem)
    if why:
        problems.append(Problem("warning", str(path), why, field=f"rasters.{attribute}"))
    return info


def check_coverage(
    rasters: dict[str, RasterInfo], areas: gpd.GeoDataFrame, problems: list[Problem]
) -> dict[str, RasterInfo]:
    """The rasters that overlap ``areas``; each that overlaps none of them is reported as an
    error and left out, one that covers less than half of them as a warning.

    Examples
    --------
    >>> check_coverage({}, None, [])
    {}
    """
    if not rasters or areas is None or areas.empty:
        return dict(rasters)
    from rasterio.warp import transform_bounds
    from shapely.geometry import box

    geoms = areas.geometry.to_crs("EPSG:4326")
    ax0, ay0, ax1, ay1 = geoms.total_bounds
    out = {}
    for attr, info in rasters.items():
        try:
            rx0, ry0, rx1, ry1 = transform_bounds(info.crs, "EPSG:4326", *info.bounds)
        except Exception:  # a CRS PROJ cannot transform: leave the raster as it is
            out[attr] = info
            continue
        inside = geoms.intersects(box(rx0, ry0, rx1, ry1))
        where = (f"the raster covers lon {rx0:.3f} to {rx1:.3f}, lat {ry0:.3f} to {ry1:.3f}; "
                 f"the areas lie at lon {ax0:.3f} to {ax1:.3f}, lat {ay0:.3f} to {ay1:.3f}")
        if not inside.any():
            problems.append(Problem(
                "error", info.path, f"no area overlaps the raster for '{attr}' ({where}): "
                f"another region's file, or a wrong CRS ({info.crs})? It was left out",
                field=f"rasters.{attr}"))
            continue
        share = float(inside.mean())
        if share < 0.5:
            problems.append(Problem(
                "warning", info.path, f"the raster for '{attr}' reaches only {share:.0%} of the "
                f"areas ({where}); the others get no {attr} value", field=f"rasters.{attr}"))
        out[attr] = info
    return out


def find_rasters(
    folder: Path, configured: dict[str, str], problems: list[Problem]
) -> dict[str, RasterInfo]:
    """Rasters by attribute: configured ones first, the rest guessed from file names."""
    found: dict[str, RasterInfo] = {}
    root = folder.parent
    for attr, rel in configured.items():
        path = resolve_in(root, rel)
        if not path.exists():
            problems.append(Problem("error", str(path), f"raster for '{attr}' not found",
                                    field=f"rasters.{attr}"))
            continue
        info = describe(path, attr, False, problems)
        if info:
            found[attr] = info
    used = {Path(i.path).resolve() for i in found.values()}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in RASTER_SUFFIXES or path.resolve() in used:
                continue
            attr = attribute_for(path)
            if attr is None:
                problems.append(Problem("warning", str(path), "raster not recognised; name it in "
                                        "[rasters] of dataset.toml to use it"))
                continue
            if attr in found:
                problems.append(Problem("warning", str(path), f"second raster for '{attr}' "
                                        f"ignored (using {found[attr].path})"))
                continue
            info = describe(path, attr, True, problems)
            if info:
                found[attr] = info
    return dict(sorted(found.items(), key=lambda kv: RASTER_ATTRIBUTES.index(kv[0])))
