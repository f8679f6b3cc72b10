"""Finding the agro-ecological rasters of a dataset and what attribute each holds."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

import rasterio

from app.base.problems import Problem
from app.core.config import RASTER_ATTRIBUTES
from app.io.readers import RASTER_SUFFIXES

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

    def to_dict(self) -> dict:
        return asdict(self)


def attribute_for(path: Path) -> str | None:
    """The attribute a raster file name speaks of, or None."""
    tokens = set(re.split(r"[^a-z0-9]+", path.stem.lower()))
    for attr, groups in RASTER_ALIASES.items():
        if any(set(g) <= tokens for g in groups):
            return attr
    return None


def describe(
    path: Path, attribute: str, guessed: bool, problems: list[Problem]
) -> RasterInfo | None:
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                problems.append(Problem("error", str(path), "the raster has no CRS"))
                return None
            return RasterInfo(
                attribute=attribute, path=str(path), guessed=guessed, crs=src.crs.to_string(),
                width=src.width, height=src.height, resolution=tuple(src.res),
                dtype=src.dtypes[0], nodata=src.nodata, bounds=tuple(src.bounds),
            )
    except rasterio.errors.RasterioIOError as exc:
        problems.append(Problem("error", str(path), f"cannot read the raster: {exc}"))
        return None


def find_rasters(
    folder: Path, configured: dict[str, str], problems: list[Problem]
) -> dict[str, RasterInfo]:
    """Rasters by attribute: configured ones first, the rest guessed from file names."""
    found: dict[str, RasterInfo] = {}
    root = folder.parent
    for attr, rel in configured.items():
        path = (root / rel) if not Path(rel).is_absolute() else Path(rel)
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
