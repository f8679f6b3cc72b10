"""Typed response bodies (pydantic v2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Area(BaseModel):
    code: str = Field(examples=["73.08.01.2001"])
    name: str | None = Field(None, examples=["Bontojai"])
    level: str = Field(examples=["desa"])
    parent_code: str | None = None
    kecamatan_code: str | None = None
    kecamatan_name: str | None = None
    kabupaten_code: str | None = None
    province_code: str | None = None
    area_ha: float | None = None


class AreaPage(BaseModel):
    total: int = Field(description="areas matching the filters")
    limit: int
    offset: int
    items: list[Area]


class CandidateItem(BaseModel):
    rank: int
    commodity: str
    commodity_name_id: str | None = None
    commodity_name_en: str | None = None
    sector: str | None = None
    score: float
    suitability_class: str | None = None
    limiting_factors: str | None = None
    lq: float | None = None
    sentra: int = 0
    workers: float = 0
    cluster: str | None = None
    reason_id: str
    reason_en: str
    components: dict[str, float | None] = Field(
        description="the evidence components (0-1) behind the score")


class AreaCandidates(BaseModel):
    code: str
    name: str | None
    level: str
    weights: dict[str, float]
    candidates: list[CandidateItem]


class SuitabilityItem(BaseModel):
    commodity: str
    status: str
    suitability_class: str | None = None
    suitability_index: float | None = None
    limiting_factors: str | None = None
    potential_class: str | None = None
    evidence_id: str | None = None
    evidence_en: str | None = None
    share_s1: float | None = None
    share_s2: float | None = None
    share_s3: float | None = None
    share_n: float | None = None


class AreaDetail(BaseModel):
    area: Area
    synthetic: bool = Field(description="the dataset is synthetic (made up), not real data")
    attributes: dict[str, float | None]
    suitability: list[SuitabilityItem]
    candidates: list[CandidateItem]


class Commodity(BaseModel):
    id: str = Field(examples=["kopi_arabika"])
    name_id: str
    name_en: str
    sector: str
    ovop_group: str
    raw_material: list[str]
    synonyms: list[str]


class Requirement(BaseModel):
    factor: str
    unit: str
    s3_low: float | None = None
    s2_low: float | None = None
    s1_low: float | None = None
    s1_high: float | None = None
    s2_high: float | None = None
    s3_high: float | None = None
    source: str
    citation: str


class CommodityDetail(Commodity):
    land_status: str = Field(description="assessed, inherited, not_assessed or not_applicable")
    requirements: list[Requirement]


class SentraRecord(BaseModel):
    row: int
    source_file: str
    sentra_id: str | None = None
    sentra_name: str | None = None
    commodity_raw: str
    commodity_id: str | None = None
    sector: str | None = None
    desa_code: str | None = None
    kecamatan_code: str | None = None
    placed_by: str | None = None
    unplaced_reason: str | None = None
    units: float | None = None
    workers: float | None = None
    value: float | None = None
    year: float | None = None
    market: str | None = None
    lon: float | None = None
    lat: float | None = None


class SentraPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SentraRecord]


class CandidatePage(BaseModel):
    level: str
    top: int
    weights: dict[str, float]
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class Weights(BaseModel):
    defaults: dict[str, float]
    description: dict[str, str]


class SuitabilityRow(SuitabilityItem):
    code: str
    factors_used: int | None = None
    interventions: str | None = None


class CommoditySuitability(BaseModel):
    commodity: str
    level: str
    items: list[SuitabilityRow]


class Summary(BaseModel):
    """What was read and guessed (the same as ``unggulan validate --json``)."""

    dataset: str
    folder: str
    synthetic: bool
    crs: str
    area_crs: str
    levels: dict[str, dict[str, Any]]
    sentra: dict[str, Any]
    rasters: dict[str, dict[str, Any]]
    catalogue: dict[str, Any]
    problems: list[dict[str, Any]]
    usable: bool


class ErrorBody(BaseModel):
    detail: str = Field(description="what is wrong", examples=["no desa with code '73.08.99'"])
    field: str | None = Field(None, description="the parameter at fault", examples=["code"])


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "unknown code, commodity or collection"},
    422: {"model": ErrorBody, "description": "a parameter is not valid"},
}
