"""The optional ``dataset.toml`` of a dataset folder. Every key is optional."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from unggulan.base.errors import DatasetError
from unggulan.core.inputs.families import valid_family

CONFIG_NAME = "dataset.toml"

#: attribute names a raster can be taken as (the ``[rasters]`` table)
RASTER_ATTRIBUTES = (
    "elevation", "slope", "temperature", "rainfall", "humidity", "wet_months", "dry_months",
    "ph", "cec", "organic_carbon", "nitrogen", "coarse_fragments", "base_saturation",
    "drainage", "texture", "salinity", "esp", "soil_depth",
)  # fmt: skip

#: canonical sentra fields (the column keys of ``[sentra]``)
SENTRA_FIELDS = (
    "id", "sentra_name", "commodity", "sector", "desa_code", "desa", "kecamatan", "lon", "lat",
    "units", "workers", "value", "year", "market",
)  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoundaryConfig(_Strict):
    path: str | None = None
    layer: str | None = None
    code: str | None = Field(None, description="column holding the area code")
    name: str | None = Field(None, description="column holding the area name")
    crs: str | None = Field(None, description="CRS to assume when the file has none")
    code_system: Literal["kemendagri", "bps"] | None = None
    merge_duplicates: bool = Field(
        False, description="union features that share a code (multi-part areas stored as rows)"
    )
    codes: str | None = Field(
        None, description="CSV of official codes by name, for a layer with names only"
    )
    kabupaten_code: str | None = Field(
        None, description="kabupaten code that derived codes of a names-only layer start with"
    )


class BoundariesConfig(_Strict):
    desa: BoundaryConfig = BoundaryConfig()
    kecamatan: BoundaryConfig = BoundaryConfig()


class SentraConfig(_Strict):
    path: str | None = None
    sep: str | None = None
    decimal: Literal[".", ","] | None = None
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    id: str | None = None
    sentra_name: str | None = None
    commodity: str | None = None
    sector: str | None = None
    desa_code: str | None = None
    desa: str | None = None
    kecamatan: str | None = None
    lon: str | None = None
    lat: str | None = None
    units: str | None = None
    workers: str | None = None
    value: str | None = None
    year: str | None = None
    market: str | None = None


class StatisticsConfig(_Strict):
    """One ``[[statistics]]`` entry: overrides what is guessed for a statistics table."""

    path: str
    sheet: str | None = None
    header_rows: int | None = Field(None, ge=1, le=4)
    header_row: int | None = Field(None, ge=1)
    area_column: str | None = None
    area_level: Literal["desa", "kecamatan", "kabupaten", "provinsi"] | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    year_column: str | None = None
    measure: str | None = None
    unit: str | None = None
    commodity_column: str | None = None
    value_column: str | None = None
    unit_column: str | None = None
    family: str | None = Field(
        None, description="the commodity family of the whole table (vegetables, fruit, "
        "estate_crops, livestock ...): LQ compares commodities of one family only"
    )
    commodities: dict[str, str] = Field(
        default_factory=dict, description="column or typed name -> commodity (id or name)"
    )
    sep: str | None = None
    decimal: Literal[".", ","] | None = None
    encoding: str | None = None
    tables: list[str] = Field(
        default_factory=list,
        description="PDF books: the tables to read, by number ('3.1.1') or title words",
    )

    @field_validator("family")
    @classmethod
    def _known_family(cls, v: str | None) -> str | None:
        return None if v is None else valid_family(v)


class DatasetConfig(_Strict):
    name: str | None = None
    kabupaten_code: str | None = Field(
        None, description="the kabupaten's code, for codes derived from names"
    )
    synthetic: bool = Field(False, description="the data is made up (shown on maps and answers)")
    boundaries: BoundariesConfig = BoundariesConfig()
    sentra: SentraConfig = SentraConfig()
    rasters: dict[str, str] = Field(default_factory=dict)
    statistics: list[StatisticsConfig] = Field(default_factory=list)
    commodities: dict[str, str] = Field(
        default_factory=dict, description="typed commodity name -> catalogue id"
    )


def load_config(folder: Path) -> DatasetConfig:
    """Read ``folder/dataset.toml``; an absent file gives the all-defaults config."""
    path = folder / CONFIG_NAME
    if not path.exists():
        return DatasetConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"not valid TOML: {exc}", path=path) from None
    try:
        cfg = DatasetConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling)"
        raise DatasetError(f"key '{where}': {msg}", path=path, field=where) from None
    unknown = sorted(set(cfg.rasters) - set(RASTER_ATTRIBUTES))
    if unknown:
        raise DatasetError(
            f"[rasters] has unknown attribute(s) {', '.join(unknown)}; "
            f"known: {', '.join(RASTER_ATTRIBUTES)}",
            path=path,
            field="rasters",
        )
    return cfg
