"""Typed response bodies (pydantic v2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from unggulan.api.paging import Page


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


class AreaPage(Page[Area]):
    total: int = Field(description="areas matching the filters")


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
    extent_share: float | None = Field(
        None, description="share of the area's hectares or livestock heads of the commodity's "
                          "family (statistics); below 0.05 its SLQ counts in proportion")
    extent_measure: str | None = Field(
        None, description="the measure of extent_share: harvested_area, planted_area, area "
                          "or population")
    land_share: float | None = Field(
        None, description="a crop's share of the area's crop land (hectares of every crop); "
                          "below 0.001 its SLQ counts in proportion")
    potential_class: str | None = Field(
        None, description="the land class at the scenario's management level (terraces, "
                          "fertiliser ...), the class scored")
    basis: str | None = Field(
        None, description="the evidence the candidate rests on: own_activity, "
                          "kecamatan_statistics, neighbours or land_only")
    basis_id: str | None = None
    basis_en: str | None = None
    local: float | None = Field(
        None, description="1: the kabupaten produces the commodity; 0: no recorded "
                          "production there; null: the kabupaten has no records")
    rank_shared: int | None = Field(
        None, description="rank with ties sharing the lowest (pandas method='min'); `rank` "
                          "is the position")
    rank_label: str | None = Field(None, description='"1=" for a shared rank, else "1"')
    tie: bool = False
    tie_with: str | None = Field(None, description="commodities with the same score")
    near_tie: str | None = Field(None, description="commodities within 0.5 points")
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
    scenario: str | None = None
    run_hash: str | None = None


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
    species: str | None = None
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


class SentraPage(Page[SentraRecord]):
    pass


class Run(BaseModel):
    """What a result was made from (also in the ``X-Unggulan-Run`` and
    ``X-Unggulan-Scenario`` headers)."""

    scenario: str = Field(description="the scenario's name; 'bawaan / default' without one",
                          examples=["Permendagri 9/2014"])
    scenario_hash: str = Field(description="sha256 of the scenario's resolved settings")
    inputs_hash: str = Field(description="sha256 of every input file and the tool version")
    run_hash: str = Field(description="16 hex characters from both hashes and the version",
                          examples=["3f9c2a1b0d4e5f60"])
    version: str
    dataset: str
    method: str = Field(examples=["weighted_sum"])
    top: int
    weights: dict[str, float] = Field(description="the weights used (zero weights left out)")
    criteria_without_data: list[str] = Field(
        default_factory=list, description="the scenario's criteria with no data (never dropped "
        "silently)")
    criteria_partial_data: list[str] = Field(default_factory=list)
    stability: str | None = Field(None, description="how the items' stability was computed, "
                                  "or why it was not")


class CandidatePage(BaseModel):
    level: str
    top: int
    weights: dict[str, float]
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(
        description="one row per area and rank (rank_label '1=' where ranks are shared, "
        "basis: own_activity, kecamatan_statistics, neighbours or land_only); rank-1 rows "
        "carry the area's stability (share of weight draws in which its first candidate stays "
        "first alone; stability_tie and stability_tied_with where it ties) where it was "
        "computed")
    scenario: str | None = Field(None, description="the scenario's name (as run.scenario)")
    run: Run | None = None


class ScenarioSummary(BaseModel):
    id: str = Field(description="the file's stem: use it in ?scenario= and "
                    "/api/v1/scenarios/{id}", examples=["permendagri_9_2014"])
    name: str | None = Field(None, examples=["Permendagri 9/2014"])
    source: str = Field(description="dataset (DIR/scenarios) or bundled (data/scenarios)")
    file: str = Field(description="the file's name", examples=["permendagri_9_2014.toml"])
    description: str | None = None
    method: str | None = None
    scenario_hash: str | None = None
    error: str | None = Field(None, description="why the file cannot be used, if it cannot")


class ScenarioList(BaseModel):
    writable: bool = Field(description="saving is on (the server has a write key)")
    items: list[ScenarioSummary]


class ScenarioDetail(ScenarioSummary):
    scenario: dict[str, Any] = Field(description="the scenario as JSON: POST it to "
                                     "/api/v1/candidates or /api/v1/scenarios")
    weights: dict[str, float] = Field(description="every component's weight as used")
    ahp: dict[str, Any] | None = Field(None, description="AHP weights, lambda_max, CI, RI, CR")
    criteria: list[dict[str, Any]] = Field(default_factory=list)
    toml: str = Field(description="the scenario as TOML text")


class ScenarioSaved(BaseModel):
    id: str
    name: str
    file: str
    scenario_hash: str
    replaced: bool = Field(description="an existing file of that id was replaced")


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
    statistics: dict[str, Any] = Field(default_factory=dict,
                                       description="each table read, areas matched inexactly")
    problems: list[dict[str, Any]] = Field(description="severity, file, message, row, field "
                                           "and, for an error, what it blocks")
    severity_meaning: dict[str, str] = Field(default_factory=dict,
                                             description="what each level of problem blocks")
    commands: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="what each command runs on (ready, complete, note)")
    usable: bool


class ErrorBody(BaseModel):
    detail: str = Field(description="what is wrong", examples=["no desa with code '73.08.99'"])
    field: str | None = Field(None, description="the parameter at fault", examples=["code"])


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "unknown code, commodity or collection"},
    422: {"model": ErrorBody, "description": "a parameter is not valid"},
}
