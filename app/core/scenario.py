"""Scenarios: the agreed, shown and reproducible settings of a ranking.

A scenario is a TOML file (see ``data/scenarios/README.md``)::

    name = "Musrenbang 2025"
    description = "Bobot hasil FGD Bappeda"
    method = "weighted_sum"          # or "topsis", "vikor"
    reference = "kabupaten"          # LQ reference region: "kabupaten", "province", "dataset"
    management = "rendah"            # land management level: "rendah", "sedang", "tinggi"
    top = 3
    commodities = ["kakao", "kopi_robusta"]   # optional filter

    [weights]                        # either weights ...
    suitability = 0.4
    specialisation = 0.3

    [ahp]                            # ... or an AHP pairwise comparison matrix
    criteria = ["suitability", "specialisation", "market"]
    matrix = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]

    [statistics]
    measure = "production"
    period = "2018-2022"

    [zones]                          # commodity zones (unggulan.core.ranking.zones); optional
    gap_m = 500
    min_areas = 3

Weight names are the components of :data:`unggulan.core.ranking.scoring.DEFAULT_WEIGHTS` at run time
and are validated with :func:`unggulan.core.ranking.scoring.parse_weights`. In a scenario, a
component that is not named gets weight **0** (a scenario states all of its weights; the
command-line ``--weights`` keeps the defaults instead), and a scenario with neither ``[weights]``
nor ``[ahp]`` uses the default weights. An AHP matrix must have ``CR < 0.10`` (``ahp.max_cr``).

Errors are :class:`~unggulan.base.errors.DatasetError` naming the file and the key, e.g.
``scenario.toml: key 'ahp.matrix': CR 0.17 >= 0.10; ...``.

:meth:`Scenario.content_hash` is the sha256 of a canonical JSON of the resolved content (the
weights as used, whether typed or derived by AHP, and every other setting, name included), so
comments, key order and number spelling in the TOML do not change it.

>>> s = scenario_from_dict({"name": "uji", "weights": {"suitability": 1}})
>>> s.weights_resolved()["suitability"], s.weights_resolved()["market"], len(s.content_hash())
(1.0, 0.0, 64)
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from unggulan.base.errors import DatasetError, InvalidWeights, UnknownCommodity
from unggulan.base.resources import bundled_file
from unggulan.core.provenance import canon_float, canonical_json
from unggulan.core.ranking import scoring
from unggulan.core.ranking.ahp import AHPResult, ahp_weights, parse_judgement
from unggulan.core.ranking.scoring import METHODS  # noqa: F401 (the methods a scenario may name)

#: canonical measures of production statistics (as the statistics reader names them)
MEASURES = (
    "production", "harvested_area", "planted_area", "area", "population", "units", "workers",
    "value", "productivity", "other",
)  # fmt: skip
STATUSES = ("ada data", "sebagian", "tidak ada data")
#: scenarios shipped with the tool
SCENARIOS_DIR = bundled_file("scenarios")
_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-\u2013/]\s*(\d{4}))?\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AHPSpec(_Strict):
    """``[ahp]``: criteria and their pairwise comparison matrix (row vs column)."""

    criteria: list[str]
    matrix: list[list[int | float | str]]
    max_cr: float = Field(0.1, gt=0, le=1, description="largest accepted consistency ratio")
    ri_table: Literal["saaty1980", "saaty2005"] = "saaty1980"


class StatisticsSpec(_Strict):
    """``[statistics]``: which production statistics and which years."""

    measure: str | None = None
    period: str | None = None

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str | None) -> str | None:
        if v is not None and v not in MEASURES:
            raise ValueError(f"unknown measure '{v}'; known: {', '.join(MEASURES)}")
        return v

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v: object) -> str | None:
        if v is None:
            return None
        m = _PERIOD.match(str(v))
        if not m:
            raise ValueError(f"period {v!r} is not a year or a range such as '2018-2022'")
        start = int(m.group(1))
        end = int(m.group(2) or start)
        if not 1900 <= start <= end <= 2100:
            raise ValueError(f"period {v!r}: years must be 1900-2100, the first not after the "
                             "last")
        return f"{start}-{end}" if end != start else str(start)

    def years(self) -> tuple[int, int] | None:
        """``(first, last)`` year of the period, or None."""
        if self.period is None:
            return None
        first, _, last = self.period.partition("-")
        return int(first), int(last or first)


class CriterionSpec(_Strict):
    """One criterion of a guideline (``[criteria.<key>]``) and the evidence that answers it."""

    name_id: str
    name_en: str = ""
    evidence: list[str] = Field(default_factory=list)
    status: Literal["ada data", "sebagian", "tidak ada data"]
    note: str = ""

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence(cls, v: object) -> object:
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        return v


#: defaults of the ``[zones]`` table (the project's own choice: the Ministry's guidelines
#: give no number of areas or hectares for a kawasan; see README "Kawasan komoditas unggulan")
ZONE_DEFAULTS = {"hot_spots": True, "hot_spot_top": 10, "gap_m": 500.0, "min_areas": 3,
                 "min_ha": 0.0}
#: per-level defaults over :data:`ZONE_DEFAULTS` (a kecamatan is large: two make a zone)
ZONE_LEVEL_DEFAULTS = {"kecamatan": {"min_areas": 2}}


class ZoneSize(_Strict):
    """``[zones.levels.<level>]`` or ``[zones.families.<family>]``: thresholds that replace
    those of ``[zones]`` for one level or one commodity family."""

    top: int | None = Field(None, ge=1, le=10)
    hot_spots: bool | None = None
    gap_m: float | None = Field(None, ge=0, le=50_000)
    min_areas: int | None = Field(None, ge=1)
    min_ha: float | None = Field(None, ge=0)


class ZonesSpec(_Strict):
    """``[zones]``: how commodity zones (kawasan) are drawn (:mod:`unggulan.core.ranking.zones`).

    ``top``: an area belongs when the commodity is among its ``top`` candidates (default: the
    scenario's ``top``); ``hot_spots``: or when the area is in the commodity's Gi* hot spot
    and the commodity among its ``hot_spot_top`` candidates; ``gap_m``: areas this close
    (metres) count as neighbours besides those sharing a boundary; ``min_areas`` and
    ``min_ha``: a smaller zone is an embryo (embrio). ``levels`` and ``families`` replace
    these per level (desa, kecamatan) and per commodity family (food_crops, estate_crops,
    livestock ...; the family wins over the level)."""

    top: int | None = Field(None, ge=1, le=10)
    hot_spots: bool = ZONE_DEFAULTS["hot_spots"]
    hot_spot_top: int = Field(ZONE_DEFAULTS["hot_spot_top"], ge=1, le=20)
    gap_m: float = Field(ZONE_DEFAULTS["gap_m"], ge=0, le=50_000)
    min_areas: int = Field(ZONE_DEFAULTS["min_areas"], ge=1)
    min_ha: float = Field(ZONE_DEFAULTS["min_ha"], ge=0)
    levels: dict[Literal["desa", "kecamatan"], ZoneSize] = Field(default_factory=dict)
    families: dict[str, ZoneSize] = Field(default_factory=dict)

    def rule(self, level: str, family: str | None = None, top: int = 3) -> dict:
        """The thresholds for one level and commodity family: ``[zones]``, then the level's
        defaults and table, then the family's table.

        >>> ZonesSpec().rule("kecamatan")["min_areas"], ZonesSpec(top=2).rule("desa")["top"]
        (2, 2)
        """
        out = {"top": self.top or top, "hot_spots": self.hot_spots,
               "hot_spot_top": self.hot_spot_top, "gap_m": self.gap_m,
               "min_areas": self.min_areas, "min_ha": self.min_ha}
        if "min_areas" not in self.model_fields_set:
            out.update(ZONE_LEVEL_DEFAULTS.get(level, {}))
        for spec in (self.levels.get(level), self.families.get(family or "")):
            if spec is not None:
                out.update(spec.model_dump(exclude_none=True))
        return out


class Scenario(_Strict):
    """A ranking's settings; see the module docstring for the file format."""

    name: str = Field(min_length=1)
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    weights: dict[str, float] | None = None
    ahp: AHPSpec | None = None
    method: Literal["weighted_sum", "topsis", "vikor"] = "weighted_sum"
    vikor_v: float = Field(0.5, ge=0, le=1)
    reference: Literal["kabupaten", "province", "dataset"] = "kabupaten"
    management: Literal["rendah", "sedang", "tinggi"] = "rendah"
    statistics: StatisticsSpec | None = None
    commodities: list[str] | None = None
    top: int = Field(3, ge=1)
    criteria: dict[str, CriterionSpec] = Field(default_factory=dict)
    zones: ZonesSpec | None = None

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        out = [c.strip() for c in v]
        if any(not c for c in out):
            raise ValueError("an empty commodity id")
        return sorted(set(out))

    def ahp_result(self) -> AHPResult | None:
        """The AHP weights and consistency, when the scenario has an ``[ahp]`` matrix."""
        if self.ahp is None:
            return None
        return ahp_weights(self.ahp.criteria, self.ahp.matrix, self.ahp.ri_table)

    def weights_resolved(self) -> dict[str, float]:
        """Every component's weight as used: typed, derived by AHP (rounded to 6 decimals),
        or the defaults; components not named get 0.

        >>> s = scenario_from_dict({"name": "a", "ahp": {"criteria": ["suitability", "market"],
        ...                         "matrix": [[1, 3], ["1/3", 1]]}})
        >>> s.weights_resolved()["suitability"], s.weights_resolved()["market"]
        (0.75, 0.25)
        """
        if self.ahp is not None:
            res = self.ahp_result()
            assert res is not None
            given = {k: round(v, 6) for k, v in res.weights.items()}
        elif self.weights is not None:
            given = dict(self.weights)
        else:
            return scoring.parse_weights(None)
        full = {name: 0.0 for name in scoring.DEFAULT_WEIGHTS}
        full.update(given)
        return scoring.parse_weights(full)

    def check_commodities(self, known) -> None:
        """Raise :class:`UnknownCommodity` when the filter names a commodity not in ``known``."""
        if not self.commodities:
            return
        unknown = sorted(set(self.commodities) - set(known))
        if unknown:
            raise UnknownCommodity(f"scenario '{self.name}': unknown commodity "
                                   f"{', '.join(unknown)}", field="commodities")

    def resolved(self) -> dict:
        """The content the hash is taken of: settings as used, weights resolved."""
        doc: dict = {
            "name": self.name,
            "description": self.description,
            "sources": list(self.sources),
            # zero weights left out: a component added to the tool later (weight 0 here)
            # changes neither the ranking nor the hash
            "weights": {k: v for k, v in self.weights_resolved().items() if v > 0},
            "method": self.method,
            "reference": self.reference,
            "management": self.management,
            "top": self.top,
            "commodities": self.commodities,
            "statistics": self.statistics.model_dump() if self.statistics else None,
            "criteria": {k: c.model_dump() for k, c in sorted(self.criteria.items())},
        }
        if self.method == "vikor":
            doc["vikor_v"] = self.vikor_v
        if self.zones is not None:  # only when given: older scenarios keep their hash
            doc["zones"] = self.zones.model_dump(exclude_unset=True)
        if self.ahp is not None:
            res = self.ahp_result()
            assert res is not None
            doc["ahp"] = {
                "criteria": list(res.criteria),
                "matrix": [[canon_float(x) for x in row] for row in res.matrix.tolist()],
                "max_cr": self.ahp.max_cr,
                "ri_table": self.ahp.ri_table,
                "cr": round(res.cr, 6),
            }
        return doc

    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON of :meth:`resolved`."""
        return hashlib.sha256(canonical_json(self.resolved()).encode("utf-8")).hexdigest()


def scenario_from_dict(d: dict, path: str | Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (parsed TOML or JSON); ``path`` names the file in
    errors.

    >>> scenario_from_dict({"name": "x", "method": "topsis"}).method
    'topsis'
    """
    try:
        s = Scenario.model_validate(d)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        # union members add their type to the location (e.g. 'int', 'str'); drop them
        loc = [p for p in loc if p not in {"int", "float", "str"}]
        where = ".".join(loc) or "(top)"
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling)"
        elif first["type"] == "missing":
            msg = "is required"
        raise DatasetError(f"key '{where}': {msg}", path=path, field=where) from None
    _check(s, path)
    return s


def _check(s: Scenario, path: str | Path | None) -> None:
    """What pydantic cannot see: weight names and values, AHP, criteria evidence."""
    def fail(where: str, msg: str) -> DatasetError:
        return DatasetError(f"key '{where}': {msg}", path=path, field=where)

    known = list(scoring.DEFAULT_WEIGHTS)
    if s.weights is not None and s.ahp is not None:
        raise fail("ahp", "give either [weights] or [ahp], not both")
    if s.weights is not None:
        for name, value in s.weights.items():
            if name not in scoring.DEFAULT_WEIGHTS:
                raise fail(f"weights.{name}", f"unknown weight; known: {', '.join(known)}")
            try:
                scoring.parse_weights({name: value})
            except InvalidWeights as exc:
                raise fail(f"weights.{name}", str(exc)) from None
        if sum(s.weights.values()) <= 0:
            raise fail("weights", "the weights sum to 0; at least one must be positive")
    if s.ahp is not None:
        for k, name in enumerate(s.ahp.criteria):
            if name not in scoring.DEFAULT_WEIGHTS:
                raise fail(f"ahp.criteria.{k}", f"unknown weight '{name}'; known: "
                           f"{', '.join(known)}")
        try:
            s.ahp_result().check(s.ahp.max_cr)  # type: ignore[union-attr]
        except InvalidWeights as exc:
            raise fail(exc.field or "ahp.matrix", str(exc)) from None
    for key, crit in s.criteria.items():
        for name in crit.evidence:
            if name not in scoring.DEFAULT_WEIGHTS:
                raise fail(f"criteria.{key}.evidence", f"unknown component '{name}'; known: "
                           f"{', '.join(known)}")
        if (crit.status == "tidak ada data") != (not crit.evidence):
            raise fail(f"criteria.{key}.status",
                       "'tidak ada data' goes with evidence = \"\" and only with it")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    >>> s = load_scenario(SCENARIOS_DIR / "permendagri_9_2014.toml")
    >>> s.method, len(s.criteria)
    ('weighted_sum', 12)
    """
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError("scenario file not found", path=p) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"not valid TOML: {exc}", path=p) from None
    return scenario_from_dict(raw, path=p)


def _judgement_toml(x: int | float | str) -> int | float | str:
    """Keep fractions readable: 3 -> 3, 1/3 -> "1/3", 2.5 -> 2.5."""
    v = parse_judgement(x)
    if abs(v - round(v)) < 1e-9:
        return int(round(v))
    if abs(1 / v - round(1 / v)) < 1e-9:
        return f"1/{int(round(1 / v))}"
    return v


def scenario_to_toml(s: Scenario) -> str:
    """The scenario as TOML text that :func:`load_scenario` reads back to an equal scenario
    (same :meth:`Scenario.content_hash`).

    >>> print(scenario_to_toml(scenario_from_dict({"name": "x", "weights": {"market": 1}})))
    name = "x"
    method = "weighted_sum"
    reference = "kabupaten"
    management = "rendah"
    top = 3
    <BLANKLINE>
    [weights]
    market = 1.0
    <BLANKLINE>
    """
    doc: dict = {"name": s.name}
    if s.description:
        doc["description"] = s.description
    if s.sources:
        doc["sources"] = list(s.sources)
    doc["method"] = s.method
    if s.method == "vikor":
        doc["vikor_v"] = s.vikor_v
    doc["reference"] = s.reference
    doc["management"] = s.management
    doc["top"] = s.top
    if s.commodities is not None:
        doc["commodities"] = list(s.commodities)
    if s.weights is not None:
        doc["weights"] = {k: float(v) for k, v in s.weights.items()}
    if s.ahp is not None:
        ahp: dict = {"criteria": list(s.ahp.criteria),
                     "matrix": [[_judgement_toml(x) for x in row] for row in s.ahp.matrix]}
        if s.ahp.max_cr != 0.1:
            ahp["max_cr"] = s.ahp.max_cr
        if s.ahp.ri_table != "saaty1980":
            ahp["ri_table"] = s.ahp.ri_table
        doc["ahp"] = ahp
    if s.statistics is not None:
        doc["statistics"] = s.statistics.model_dump(exclude_none=True)
    if s.zones is not None:
        doc["zones"] = s.zones.model_dump(exclude_unset=True)
    if s.criteria:
        doc["criteria"] = {
            k: {"name_id": c.name_id, "name_en": c.name_en, "evidence": ", ".join(c.evidence),
                "status": c.status, **({"note": c.note} if c.note else {})}
            for k, c in s.criteria.items()
        }
    return tomli_w.dumps(doc)
