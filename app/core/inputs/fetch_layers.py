"""``unggulan rasters fetch``: the agro-ecological layers of a dataset's areas from public
sources (or an office's mirror), written as ``DIR/agroecology/<attribute>.tif``.

What is fetched and what is derived (the files are named after the attribute, so the
dataset's raster discovery, :func:`unggulan.core.inputs.rasters.attribute_for`, recognises them):

==================  ===========================================  =========================
file                from                                          unit (as the rules read)
==================  ===========================================  =========================
elevation.tif       elevation source (Copernicus DEM GLO-90)      m
slope.tif           derived from the fetched elevation            %
rainfall.tif        sum of 12 mean monthly totals (CHIRPS)        mm/yr
wet_months.tif      months > 200 mm (Oldeman), longest run        months
dry_months.tif      months < 100 mm (Oldeman), longest run        months
ph.tif, cec.tif,    SoilGrids 2.0, 0-5 cm, scaled                 pH, cmol/kg, %, g/kg, %
organic_carbon.tif,
nitrogen.tif,
coarse_fragments.tif
texture.tif         USDA class from SoilGrids clay/sand/silt      class code 1-12
==================  ===========================================  =========================

Temperature is not fetched by default: the suitability engine estimates it from elevation
with Braak's formula and marks it as estimated (:mod:`unggulan.core.land.attributes`); a source
with ``attribute = "temperature"`` fetches a measured one. The derivations are in
:mod:`unggulan.core.land.terrain_climate`; reading and writing in :mod:`unggulan.io.fetch_rasters`.
The service never fetches by itself: only this command (or :meth:`Dataset.fetch_rasters`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from unggulan.base.errors import DatasetError, UnggulanError
from unggulan.base.resources import bundled_data_dir
from unggulan.core.inputs.config import RASTER_ATTRIBUTES
from unggulan.core.inputs.rasters import RasterInfo
from unggulan.core.land import terrain_climate as tc
from unggulan.core.land.zonal import Grid
from unggulan.io import fetch_rasters as fr

#: inputs that are read only to derive an attribute (not written themselves)
INPUTS = ("monthly_rainfall", "clay", "sand", "silt")
#: derived attribute -> the sources it needs
DERIVED: dict[str, tuple[str, ...]] = {
    "slope": ("elevation",),
    "rainfall": ("monthly_rainfall",),
    "wet_months": ("monthly_rainfall",),
    "dry_months": ("monthly_rainfall",),
    "texture": ("clay", "sand", "silt"),
}
DERIVATION_TEXT = {
    "slope": "slope (%) of the fetched elevation by central differences, in metres per cell "
             "(unggulan.core.land.terrain_climate.slope_of)",
    "rainfall": "sum of the 12 mean monthly totals (unggulan.core.land.terrain_climate."
                "annual_rainfall)",
    "wet_months": f"longest run of consecutive months with mean rain > {tc.WET_ABOVE_MM:g} mm "
                  "(Oldeman 1975), December joined to January",
    "dry_months": f"longest run of consecutive months with mean rain < {tc.DRY_BELOW_MM:g} mm "
                  "(Oldeman 1975), December joined to January",
    "texture": "USDA texture class (USDA-NRCS Soil Survey Manual 2017 texture triangle) of "
               "clay, sand and silt, coded as SoilGrids 2017 TEXMHT / LaSEM TEXTURE_USDA",
}
UNITS = {"slope": "%", "rainfall": "mm/yr", "wet_months": "months", "dry_months": "months",
         "texture": "USDA class code"}
#: above this estimated transfer a fetch needs ``max_mb`` raised (``--max-mb``)
DEFAULT_MAX_MB = 2048.0


class FetchError(UnggulanError):
    """A fetch that cannot start (bad sources file, too large, no areas)."""


def default_sources_path() -> Path:
    return bundled_data_dir() / "raster_sources.toml"


def catalogue(sources_file: str | Path | None = None) -> dict[str, fr.Source]:
    """The sources by attribute: the bundled defaults, with the entries of ``sources_file``
    replacing those of the same attribute and adding new ones (or alone, when that file says
    ``replace_defaults = true``)."""
    defaults, _ = fr.load_sources(default_sources_path())
    out = {s.attribute: s for s in defaults}
    if sources_file is not None:
        own, replace = fr.load_sources(Path(sources_file))
        if replace:
            out = {}
        for s in own:
            out[s.attribute] = s
    known = set(RASTER_ATTRIBUTES) | set(INPUTS)
    for attr, s in out.items():
        if attr not in known:
            raise DatasetError(f"unknown attribute '{attr}'; known: "
                               f"{', '.join(RASTER_ATTRIBUTES + INPUTS)}", path=s.origin,
                               field="attribute")
    return out


@dataclass
class LayerPlan:
    attribute: str
    path: Path
    action: str  # "fetch", "done" (fetched before), "present" (another raster), "none"
    needs: tuple[str, ...]
    reason: str = ""


@dataclass
class FetchPlan:
    folder: Path
    grid: fr.TargetGrid
    areas_bounds: tuple[float, float, float, float]
    buffer_km: float
    resolution_m: float
    sources: dict[str, fr.Source]
    layers: list[LayerPlan]
    estimates: dict[str, tuple[int, int]] = field(default_factory=dict)  # files, bytes
    notes: list[str] = field(default_factory=list)

    @property
    def to_fetch(self) -> list[LayerPlan]:
        return [lp for lp in self.layers if lp.action == "fetch"]

    @property
    def needed_sources(self) -> list[str]:
        seen: list[str] = []
        for lp in self.to_fetch:
            for s in lp.needs:
                if s not in seen:
                    seen.append(s)
        return seen

    @property
    def total_bytes(self) -> int:
        return sum(self.estimates[s][1] for s in self.needed_sources if s in self.estimates)

    def to_dict(self) -> dict:
        return {
            "folder": str(self.folder), "grid": self.grid.to_dict(),
            "areas_bounds_lonlat": list(self.areas_bounds), "buffer_km": self.buffer_km,
            "resolution_m": self.resolution_m,
            "layers": [{"attribute": lp.attribute, "file": str(lp.path), "action": lp.action,
                        "from": list(lp.needs), "reason": lp.reason} for lp in self.layers],
            "sources": {a: {"url": s.url, "product": s.product, "licence": s.licence,
                            "files": self.estimates.get(a, (0, 0))[0],
                            "estimated_bytes": self.estimates.get(a, (0, 0))[1]}
                        for a, s in self.sources.items() if a in self.needed_sources},
            "estimated_bytes": self.total_bytes, "notes": self.notes,
        }


@dataclass
class FetchResult:
    plan: FetchPlan
    written: dict[str, dict] = field(default_factory=dict)  # attribute -> provenance
    failed: dict[str, str] = field(default_factory=dict)  # attribute -> why
    source_errors: dict[str, str] = field(default_factory=dict)  # source -> why

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"plan": self.plan.to_dict(),
                "written": {a: p.get("file") for a, p in self.written.items()},
                "failed": self.failed, "source_errors": self.source_errors, "ok": self.ok}


def _outputs(sources: dict[str, fr.Source]) -> dict[str, tuple[str, ...]]:
    """Attribute -> the sources it is made from, for everything the catalogue allows."""
    out: dict[str, tuple[str, ...]] = {}
    for attr in sources:
        if attr in RASTER_ATTRIBUTES:
            out[attr] = (attr,)
    for attr, needs in DERIVED.items():
        if attr not in out and all(n in sources for n in needs):
            out[attr] = needs
    return dict(sorted(out.items(), key=lambda kv: RASTER_ATTRIBUTES.index(kv[0])))


def plan_fetch(areas: gpd.GeoDataFrame | None, folder: str | Path,
               rasters: Mapping[str, RasterInfo], sources_file: str | Path | None = None, *,
               buffer_km: float = 2.0, resolution_m: float = 90.0, force: bool = False,
               attributes: list[str] | None = None) -> FetchPlan:
    """What a fetch would do for a dataset in ``folder`` with ``areas`` (its desa, or its
    kecamatan without desa; None: no areas) and ``rasters`` (its rasters by attribute): the
    grid, each layer's action and the sources read, with an estimate of the bytes. Touches
    no network."""
    if areas is None:
        raise FetchError("the dataset has no areas (boundaries) to fetch layers for")
    if buffer_km < 0:
        raise FetchError("--buffer must be >= 0 km", field="buffer_km")
    if resolution_m <= 0:
        raise FetchError("--resolution must be > 0 m", field="resolution_m")
    areas = areas.to_crs("EPSG:4326")
    bounds = tuple(float(v) for v in areas.total_bounds)
    grid = fr.grid_for(bounds, buffer_km, resolution_m)
    sources = catalogue(sources_file)
    outputs = _outputs(sources)
    if attributes:
        unknown = [a for a in attributes if a not in outputs]
        if unknown:
            raise FetchError(f"no source for {', '.join(unknown)}; the sources give: "
                             f"{', '.join(outputs)}", field="attribute")
        outputs = {a: n for a, n in outputs.items() if a in attributes}
    agro = Path(folder) / "agroecology"
    layers = []
    for attr, needs in outputs.items():
        path = agro / f"{attr}.tif"
        have = rasters.get(attr)
        ours = path.exists() and fr.read_sidecar(path) is not None
        base = [rasters[n] for n in needs if n != attr and n in rasters]
        if have is not None and Path(have.path).resolve() != path.resolve():
            layers.append(LayerPlan(attr, path, "present", needs,
                                    f"the dataset has {Path(have.path).name}"))
        elif (path.exists() or path.is_symlink()) and not ours:
            # a file of the office's own under the name the fetch writes: never replaced
            layers.append(LayerPlan(attr, path, "present", needs,
                                    f"{path.name} exists and was not written by the fetch "
                                    "(no .json sidecar): kept; move it away to fetch"))
        elif base and fr.read_sidecar(Path(base[0].path)) is None:
            # e.g. slope of the dataset's own DEM: the engine derives it from that DEM
            layers.append(LayerPlan(attr, path, "present", needs,
                                    f"derived by the suitability engine from "
                                    f"{Path(base[0].path).name}"))
        elif ours and not force:
            layers.append(LayerPlan(attr, path, "done", needs,
                                    "fetched before (--force to fetch again)"))
        else:
            layers.append(LayerPlan(attr, path, "fetch", needs))
    plan = FetchPlan(Path(folder), grid, bounds, buffer_km, resolution_m, sources, layers)
    for s in plan.needed_sources:
        plan.estimates[s] = fr.estimate_bytes(sources[s], grid)
    natives = {s: sources[s].resolution_m for s in plan.needed_sources}
    if natives and all(natives.values()) and resolution_m < min(natives.values()) / 1.5:
        finest = min(natives, key=natives.get)
        plan.notes.append(f"the grid ({resolution_m:g} m) is finer than every source (finest: "
                          f"{finest}, {natives[finest]:g} m): the layers are interpolated, not "
                          "more detailed; give a finer source (e.g. Copernicus GLO-30) in "
                          "--sources, or a coarser --resolution")
    return plan


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _source_record(r: fr.ReadResult) -> dict:
    s = r.source
    return {"attribute": s.attribute, "product": s.product, "version": s.version,
            "licence": s.licence, "citation": s.citation, "documentation": s.documentation,
            "url": s.url, "unit": s.unit, "scale": s.scale, "offset": s.offset,
            "resampling": s.resampling, "years": list(s.years) if s.years else None,
            "files": r.urls, "missing_tiles": r.missing, "note": s.note}


def run_fetch(plan: FetchPlan, *, retries: int = 3, backoff: float = 1.0, workers: int = 4,
              max_mb: float | None = DEFAULT_MAX_MB,
              progress: Callable[[str, int, int], None] | None = None) -> FetchResult:
    """Read the plan's sources, derive and write its layers. A source that fails (offline,
    refused, not found) fails the layers made from it; the others are still written."""
    if max_mb is not None and plan.total_bytes > max_mb * 1e6:
        raise FetchError(f"the fetch would read about {plan.total_bytes / 1e6:,.0f} MB "
                         f"(uncompressed windows), more than --max-mb {max_mb:g}: fetch "
                         "fewer layers (--attribute), a coarser --resolution, or raise "
                         "--max-mb", field="max_mb")
    result = FetchResult(plan)
    read: dict[str, fr.ReadResult] = {}
    grid = plan.grid
    zgrid = Grid(CRS.from_user_input(grid.crs).to_wkt(), grid.transform,
                 grid.width, grid.height)
    fetched_at = _now()

    def get(name: str) -> fr.ReadResult | None:
        if name in read:
            return read[name]
        if name in result.source_errors:
            return None
        src = plan.sources[name]
        own = plan.folder / "agroecology" / f"{name}.tif"
        refetch = any(lp.attribute == name for lp in plan.to_fetch)
        if not refetch and own.exists() and fr.read_sidecar(own) is not None:
            # fetched before: read back from the written layer, not the network
            src = replace(src, url=str(own), scale=1.0, offset=0.0, nodata=None,
                          years=None, resampling="bilinear")
        cb = (lambda d, t, n=name: progress(n, d, t)) if progress else None
        try:
            read[name] = fr.read_source(src, grid, retries=retries, backoff=backoff,
                                        workers=workers, progress=cb)
        except fr.SourceError as exc:
            result.source_errors[name] = str(exc)
            return None
        except Exception as exc:  # a broken file or an unexpected GDAL answer: this source only
            result.source_errors[name] = f"{src.url}: {type(exc).__name__}: {exc}"
            return None
        return read[name]

    for lp in plan.to_fetch:
        inputs = [get(n) for n in lp.needs]
        if any(r is None for r in inputs):
            bad = [n for n, r in zip(lp.needs, inputs, strict=True) if r is None]
            result.failed[lp.attribute] = "; ".join(f"{n}: {result.source_errors[n]}"
                                                    for n in bad)
            continue
        attr = lp.attribute
        dtype, nodata = "float32", None
        if attr in DERIVED and lp.needs != (attr,):
            if attr == "slope":
                values = tc.slope_of(inputs[0].array, zgrid)
            elif attr == "rainfall":
                values = tc.annual_rainfall(inputs[0].array).astype(np.float32)
            elif attr == "wet_months":
                values = tc.wet_months(inputs[0].array)
            elif attr == "dry_months":
                values = tc.dry_months(inputs[0].array)
            else:  # texture
                values = tc.texture_class(*(r.array for r in inputs))
                dtype, nodata = "uint8", 0
            derivation, unit = DERIVATION_TEXT[attr], UNITS[attr]
        else:
            values, derivation, unit = inputs[0].array, None, inputs[0].source.unit
        if values.ndim != 2:
            result.failed[attr] = (f"the source for {attr} gives {values.shape[0]} monthly "
                                   "layers; give one raster of the attribute itself")
            continue
        valid = np.isfinite(values) if values.dtype.kind == "f" else values != nodata
        if not valid.any():
            result.failed[attr] = "the sources hold no data over the areas (all nodata)"
            continue
        srcs = [_source_record(r) for r in inputs]
        prov = {
            "attribute": attr, "unit": unit,
            "product": "; ".join(dict.fromkeys(s["product"] for s in srcs if s["product"])),
            "licence": "; ".join(dict.fromkeys(s["licence"] for s in srcs if s["licence"])),
            "derivation": derivation, "fetched_at": fetched_at,
            "tool": "unggulan rasters fetch",
            "window": {"bounds_lonlat": [round(v, 8) for v in grid.bounds],
                       "areas_bounds_lonlat": [round(v, 8) for v in plan.areas_bounds],
                       "buffer_km": plan.buffer_km},
            "grid": grid.to_dict(), "sources": srcs,
        }
        try:
            result.written[attr] = fr.write_cog(lp.path, values, grid, prov, dtype=dtype,
                                                nodata=nodata)
        except Exception as exc:  # disk full, permission: this layer only
            result.failed[attr] = f"cannot write {lp.path}: {exc}"
    return result


def fetch_rasters(areas: gpd.GeoDataFrame | None, folder: str | Path,
                  rasters: Mapping[str, RasterInfo], sources_file: str | Path | None = None,
                  *, buffer_km: float = 2.0, resolution_m: float = 90.0,
                  dry_run: bool = False, force: bool = False,
                  attributes: list[str] | None = None, retries: int = 3,
                  backoff: float = 1.0, workers: int = 4,
                  max_mb: float | None = DEFAULT_MAX_MB,
                  progress: Callable[[str, int, int], None] | None = None
                  ) -> FetchPlan | FetchResult:
    """Plan (``dry_run``) or run a fetch (:func:`plan_fetch`, :func:`run_fetch`); see
    :meth:`unggulan.core.dataset.Dataset.fetch_rasters`."""
    plan = plan_fetch(areas, folder, rasters, sources_file, buffer_km=buffer_km,
                      resolution_m=resolution_m, force=force, attributes=attributes)
    if dry_run:
        return plan
    return run_fetch(plan, retries=retries, backoff=backoff, workers=workers, max_mb=max_mb,
                     progress=progress)
