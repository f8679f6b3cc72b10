"""A run: the scenario, the inputs and the tool version behind an output, and how stable its
first candidates are.

Every output (export, API response, map page) carries a :class:`RunInfo`:

- ``scenario``: the scenario's name; without a scenario, the settings used (weights from
  ``--weights`` or the defaults, method, top, ...) *are* the scenario, named
  :data:`DEFAULT_NAME` ("bawaan / default") and hashed the same way (:func:`default_scenario`);
- ``scenario_hash``: :meth:`unggulan.core.scenario.Scenario.content_hash` (sha256 of the resolved
  settings, name included: one weight changed, another hash);
- ``inputs_hash``: :meth:`unggulan.core.dataset.Dataset.inputs_hash` (boundary, sentra,
  statistics and raster files, requirement tables, catalogue, dataset.toml, tool version);
- ``run_hash``: :func:`unggulan.core.provenance.run_hash` of the two and the version, 16 hex
  characters, short enough for a map footer ("run 3f9c2a1b0d4e5f60").

:func:`area_stability` is the sensitivity of each area's first candidate to the weights
(:func:`unggulan.core.ranking.stability.sensitivity`: 200 draws, each weight times ``U(0.8, 1.2)``,
seeded), for levels of at most :data:`STABILITY_MAX_AREAS` areas (Bone's 372 desa take about
1.5 s with the weighted sum, 4 s with VIKOR; a national desa level is skipped and the
metadata says so).

Saved scenarios are the ``*.toml`` files of ``DIR/scenarios/`` and of the bundled
``data/scenarios/``; each is known by its **id**, the file's stem, which :func:`slug` makes
from the scenario's name when it is saved. :func:`find_scenario` looks a request's value up
in that listing: no request value ever becomes a path.

>>> s = default_scenario("suitability=0.5")
>>> s.name, s.weights_resolved()["suitability"], slug("Permendagri 9/2014")
('bawaan / default', 0.5, 'permendagri_9_2014')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError, InvalidWeights, UnggulanError
from unggulan.base.names import fold
from unggulan.base.version import __version__
from unggulan.core.activity.evidence import REFERENCES, parse_period
from unggulan.core.land.suitability import check_management
from unggulan.core.provenance import canonical_json, run_hash
from unggulan.core.ranking.candidates import scenario_rows
from unggulan.core.ranking.scoring import COLUMNS, check_method, parse_weights
from unggulan.core.ranking.stability import method_agreement, sensitivity
from unggulan.core.scenario import SCENARIOS_DIR, Scenario, load_scenario, scenario_from_dict

#: the name of the scenario made of the settings used when no scenario is given
DEFAULT_NAME = "bawaan / default"
#: sensitivity of the first candidates: weight draws, spread and seed
STABILITY_DRAWS = 200
STABILITY_SPREAD = 0.2
STABILITY_SEED = 12345
#: levels with more areas than this get no stability column (a note in the metadata instead)
STABILITY_MAX_AREAS = 5000
#: the folder of a dataset that holds its saved scenarios
SCENARIO_FOLDER = "scenarios"
_SLUG_MAX = 60


# ---------------------------------------------------------------------- scenarios
def default_scenario(weights: str | Mapping[str, float] | None = None, *,
                     method: str = "weighted_sum", top: int = 3, reference: str = "kabupaten",
                     management: str = "rendah", period: str | None = None,
                     measure: str | None = None, commodities: list[str] | None = None,
                     vikor_v: float = 0.5) -> Scenario:
    """The scenario of a run without one: :data:`DEFAULT_NAME`, the weights as used (the
    defaults, or ``weights`` over them, as ``--weights`` does) and the other settings.

    Examples
    --------
    >>> a, b = default_scenario(), default_scenario("market=0.06")
    >>> a.content_hash() == default_scenario().content_hash() != b.content_hash()
    True
    """
    doc: dict = {"name": DEFAULT_NAME, "weights": parse_weights(weights), "method": method,
                 "top": top, "reference": reference, "management": management}
    if method == "vikor":
        doc["vikor_v"] = vikor_v
    if commodities:
        doc["commodities"] = list(commodities)
    if period is not None or measure is not None:
        doc["statistics"] = {k: v for k, v in (("period", period), ("measure", measure))
                             if v is not None}
    return scenario_from_dict(doc)


def effective_scenario(scenario: Scenario | None = None,
                       weights: str | Mapping[str, float] | None = None,
                       **settings) -> Scenario:
    """``scenario`` as it is, or :func:`default_scenario` of ``weights`` and ``settings``;
    both at once are refused (a scenario states all of its weights).

    >>> effective_scenario(None, "market=0.1", top=2).top
    2
    """
    if scenario is not None:
        if weights:
            raise InvalidWeights("give weights or a scenario, not both", field="scenario")
        return scenario
    return default_scenario(weights, **settings)


def run_scenario(scenario: Scenario | None = None, weights=None, *, top: int = 3,
                 reference: str = "kabupaten", management: str = "rendah", period=None,
                 measure: str | None = None, method: str = "weighted_sum",
                 commodities: list[str] | None = None, vikor_v: float = 0.5,
                 catalogue=None) -> Scenario:
    """The one resolved, typed :class:`Scenario` of a run, from a scenario or from the
    separate arguments the Python API and the CLI take: every argument is checked and the
    weights parsed here, once; the pipeline then reads the scenario only.

    With ``scenario``, its settings replace the arguments, but a ``period`` or ``measure``
    argument fills a scenario that names none; ``weights`` with a scenario is an error (a
    scenario states all of its weights). ``catalogue``: the commodity filter is checked
    against it.

    Examples
    --------
    >>> sc = run_scenario(weights="suitability=1", period=(2019, 2021), top=2)
    >>> sc.weights_resolved()["suitability"], sc.statistics.years(), sc.top
    (1.0, (2019, 2021), 2)
    >>> run_scenario(top=0)
    Traceback (most recent call last):
    ...
    unggulan.base.errors.UnggulanError: top must be at least 1, not 0
    """
    per = parse_period(period)
    per_text = None if per is None else (f"{per[0]}-{per[1]}" if per[0] != per[1]
                                         else str(per[0]))
    if scenario is not None:
        if weights:
            raise InvalidWeights("give weights or a scenario, not both", field="scenario")
        sc = scenario
        st = sc.statistics
        fill = {k: v for k, v in (("period", per_text), ("measure", measure))
                if v is not None and (st is None or getattr(st, k) is None)}
        if fill:
            spec = {**(st.model_dump() if st is not None else {}), **fill}
            sc = scenario_from_dict({**sc.model_dump(exclude_unset=True), "statistics": spec})
    else:
        if top < 1:
            raise UnggulanError(f"top must be at least 1, not {top}")
        check_method(method)
        check_management(management)
        if reference not in REFERENCES:
            raise UnggulanError(f"reference must be one of {', '.join(REFERENCES)}, "
                                f"not '{reference}'")
        sc = default_scenario(weights, method=method, top=top, reference=reference,
                              management=management, period=per_text, measure=measure,
                              commodities=commodities, vikor_v=vikor_v)
    if catalogue is not None:
        sc.check_commodities(catalogue.items)
    return sc


def ranking_key(scenario: Scenario) -> str:
    """What of a scenario decides its candidates (not its name, description, sources,
    criteria or zones), as canonical JSON: the cache key of a ranking.

    >>> ranking_key(default_scenario()) == ranking_key(default_scenario().model_copy(
    ...     update={"name": "other"}))
    True
    """
    resolved = scenario.resolved()
    for k in ("name", "description", "sources", "criteria", "zones"):
        resolved.pop(k, None)
    return canonical_json(resolved)


def slug(name: str) -> str:
    """The file stem a scenario is saved under: folded to ASCII, ``[a-z0-9_]``, at most 60
    characters ("skenario" when nothing is left).

    >>> slug("Musrenbang Kab. Bone 2025 (FGD 12 Mei)"), slug("../../etc"), slug("Ärger")
    ('musrenbang_kab_bone_2025_fgd_12_mei', 'etc', 'arger')
    """
    s = fold(name).replace(" ", "_")[:_SLUG_MAX].strip("_")
    return s or "skenario"


@dataclass(frozen=True)
class SavedScenario:
    """A scenario file: ``id`` (its stem), ``path`` and ``source`` ("dataset" or
    "bundled")."""

    id: str
    path: Path
    source: str


def scenario_folder(folder: str | Path) -> Path:
    """``DIR/scenarios``, where a dataset's scenarios are saved."""
    return Path(folder) / SCENARIO_FOLDER


def saved_scenarios(folder: str | Path | None = None) -> list[SavedScenario]:
    """The dataset's saved scenarios (``DIR/scenarios/*.toml``), then the bundled ones whose
    id the dataset does not use, each sorted by id.

    >>> [s.id for s in saved_scenarios() if s.source == "bundled"][:1]
    ['permendagri_9_2014']
    """
    out: list[SavedScenario] = []
    seen: set[str] = set()
    bundled = SCENARIOS_DIR.resolve()
    dirs: list[tuple[Path, str]] = []
    if folder is not None:
        own = scenario_folder(folder)
        if own.is_dir() and own.resolve() != bundled:
            dirs.append((own, "dataset"))
    dirs.append((SCENARIOS_DIR, "bundled"))
    for d, source in dirs:
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.toml")):
            if p.name.startswith(".") or not p.is_file() or p.stem in seen:
                continue
            seen.add(p.stem)
            out.append(SavedScenario(p.stem, p, source))
    return out


def find_scenario(folder: str | Path | None, name: str) -> SavedScenario | None:
    """The saved scenario whose id is ``name`` or ``slug(name)``; None when there is none.
    ``name`` is only compared with the listing, never joined to a path.

    >>> find_scenario(None, "Permendagri 9/2014").id
    'permendagri_9_2014'
    >>> find_scenario(None, "../../etc/passwd") is None
    True
    """
    listing = saved_scenarios(folder)
    for want in (str(name), slug(str(name))):
        for s in listing:
            if s.id == want:
                return s
    return None


def resolve_scenario(value: str | Path, folder: str | Path | None = None) -> Scenario:
    """A scenario from a file path or, when no such file exists, from the id or name of a
    saved scenario (the dataset's or a bundled one).

    >>> resolve_scenario("permendagri_9_2014").name
    'Permendagri 9/2014'
    """
    p = Path(value)
    if p.is_file():
        return load_scenario(p)
    hit = find_scenario(folder, str(value))
    if hit is None:
        known = ", ".join(s.id for s in saved_scenarios(folder)) or "none"
        raise DatasetError(f"no scenario file '{value}' and no saved scenario of that name; "
                           f"saved: {known}", field="scenario")
    return load_scenario(hit.path)


# ---------------------------------------------------------------------- run info
@dataclass(frozen=True)
class RunInfo:
    """What an output was made from; see the module docstring.

    ``criteria`` lists the scenario's guideline criteria (``[criteria]``) as dicts with
    ``key, name_id, name_en, evidence, status``: those with status "tidak ada data" (no data)
    or "sebagian" (partly) are named in every output's metadata, never dropped silently.
    """

    scenario: str
    scenario_hash: str
    inputs_hash: str
    version: str
    run_hash: str
    method: str
    weights: dict[str, float]
    top: int
    dataset: str
    criteria: tuple[dict, ...] = field(default=())

    @property
    def short_hash(self) -> str:
        """The scenario hash's first 12 characters (the run hash is already short)."""
        return self.scenario_hash[:12]

    def criteria_with(self, status: str) -> list[str]:
        """Names of the criteria with ``status`` ("tidak ada data", "sebagian", "ada data"),
        as "name_id (name_en)"."""
        return [f"{c['name_id']} ({c['name_en']})" if c["name_en"] else c["name_id"]
                for c in self.criteria if c["status"] == status]

    def label(self, lang: str = "id") -> str:
        """The footer text: scenario name and run hash.

        >>> RunInfo("Uji", "a" * 64, "b" * 64, "0.1.0", "c" * 16, "topsis", {}, 3,
        ...         "X").label("en")
        'Scenario: Uji · run cccccccccccccccc'
        """
        word = "Skenario" if lang == "id" else "Scenario"
        return f"{word}: {self.scenario} · run {self.run_hash}"

    def to_dict(self) -> dict:
        """JSON-able, no dates: the same run gives the same dict (byte-identical files)."""
        return {
            "tool": "unggulan",
            "version": self.version,
            "dataset": self.dataset,
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "inputs_hash": self.inputs_hash,
            "run_hash": self.run_hash,
            "method": self.method,
            "top": self.top,
            "weights": {k: float(v) for k, v in self.weights.items()},
            "criteria_without_data": self.criteria_with("tidak ada data"),
            "criteria_partial_data": self.criteria_with("sebagian"),
        }

def flat_metadata(meta: Mapping) -> dict[str, str]:
    """String values for formats that hold only text (GeoPackage metadata items): lists
    joined with "; ", dicts as compact JSON.

    >>> flat_metadata({"a": [1, 2], "b": {"x": 0.5}, "c": "t"})
    {'a': '1; 2', 'b': '{"x":0.5}', 'c': 't'}
    """
    out: dict[str, str] = {}
    for k, v in meta.items():
        if isinstance(v, list | tuple):
            out[str(k)] = "; ".join(str(x) for x in v)
        elif isinstance(v, dict):
            out[str(k)] = canonical_json(v)
        else:
            out[str(k)] = "" if v is None else str(v)
    return out


def run_info(inputs_hash: str, dataset: str, scenario: Scenario | None = None) -> RunInfo:
    """The :class:`RunInfo` of ``scenario`` (default: :func:`default_scenario`) on the
    dataset named ``dataset`` whose inputs hash to ``inputs_hash``
    (:meth:`unggulan.core.dataset.Dataset.inputs_hash`); ``ds.run_info(scenario)`` gives
    both.

    Examples
    --------
    >>> info = run_info("ab" * 32, "Demo")
    >>> info.scenario, info.dataset, len(info.run_hash), info.inputs_hash[:4]
    ('bawaan / default', 'Demo', 16, 'abab')
    """
    sc = scenario if scenario is not None else default_scenario()
    s_hash = sc.content_hash()
    i_hash = inputs_hash
    crit = tuple({"key": k, "name_id": c.name_id, "name_en": c.name_en,
                  "evidence": list(c.evidence), "status": c.status}
                 for k, c in sc.criteria.items())
    return RunInfo(scenario=sc.name, scenario_hash=s_hash, inputs_hash=i_hash,
                   version=__version__, run_hash=run_hash(s_hash, i_hash, __version__),
                   method=sc.method, weights={k: v for k, v in sc.weights_resolved().items()
                                              if v > 0},
                   top=sc.top, dataset=dataset, criteria=crit)


# ---------------------------------------------------------------------- stability
def stability_note(n_areas: int, max_areas: int | None = None) -> str:
    """How the stability column was computed, or why it was not (for the metadata).

    >>> stability_note(372)[:60]
    'share of 200 weight draws (each weight x U(0.8, 1.2), seed 1'
    >>> stability_note(84000)
    'not computed: 84000 areas > 5000 (unggulan scenario compare samples areas)'
    """
    max_areas = STABILITY_MAX_AREAS if max_areas is None else max_areas
    if n_areas > max_areas:
        return (f"not computed: {n_areas} areas > {max_areas} (unggulan scenario compare "
                "samples areas)")
    lo, hi = 1 - STABILITY_SPREAD, 1 + STABILITY_SPREAD
    return (f"share of {STABILITY_DRAWS} weight draws (each weight x U({lo:g}, {hi:g}), "
            f"seed {STABILITY_SEED}) in which the first candidate stays first alone; a first "
            "candidate that ties is reported as a tie, not as stable")


def area_stability(ev: pd.DataFrame, scenario: Scenario, *,
                   draws: int = STABILITY_DRAWS, spread: float = STABILITY_SPREAD,
                   seed: int = STABILITY_SEED, sample_areas: int | None = None
                   ) -> pd.DataFrame:
    """Per area, how often its first candidate stays first when the weights move.

    ``ev``: the level's evidence for the scenario (``Dataset.evidence(level, scenario)``);
    ``Dataset.area_stability`` caches the result and leaves out levels of more than
    :data:`STABILITY_MAX_AREAS` areas.

    Returns
    -------
    DataFrame
        Columns ``code``, ``stability`` (share of draws, 0-1), ``stability_top`` (the first
        candidate), ``stability_challenger`` (the one most often first instead),
        ``stability_tie`` and ``stability_tied_with`` (the first candidate shares its score
        with these; the label then says so instead of a share),
        ``stability_label_id`` ("stabil 94%", "seri dengan bayam"), ``stability_label_en``
        ("stable 94%", "tied with bayam").

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> sc = default_scenario()
    >>> st = area_stability(ds.evidence("kecamatan", sc), sc)
    >>> bool(st["stability"].between(0, 1).all()), st["stability_label_id"].iat[0][:7]
    (True, 'stabil ')
    """
    res = sensitivity(scenario_rows(ev, scenario), COLUMNS, scenario.weights_resolved(),
                      scenario.method, draws=draws, spread=spread, seed=seed,
                      v=scenario.vikor_v, sample_areas=sample_areas)
    return pd.DataFrame({
        "code": res["code"].astype(str).to_numpy(),
        "stability": np.round(res["stable_share"].to_numpy(float), 3),
        "stability_top": res["top"].to_numpy(object),
        "stability_challenger": res["challenger"].to_numpy(object),
        "stability_tie": res["tie"].to_numpy(bool),
        "stability_tied_with": res["tied_with"].to_numpy(object),
        "stability_label_id": res["label_id"].to_numpy(object),
        "stability_label_en": res["label_en"].to_numpy(object),
    })


def method_comparison(ev: pd.DataFrame, scenario: Scenario, *,
                      sample_areas: int | None = None, seed: int = STABILITY_SEED
                      ) -> pd.DataFrame:
    """Rank agreement between the aggregation methods for ``scenario``'s weights: one row
    per pair of methods with ``areas``, ``mean_tau``, ``median_tau`` (Kendall's tau-b per
    area) and ``top1_share`` (share of areas with the same first candidate). ``ev``: the
    level's evidence for the scenario (``Dataset.evidence``).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> sc = default_scenario()
    >>> t = method_comparison(Dataset.open().evidence("kecamatan", sc), sc)
    >>> t[["method_a", "method_b"]].values.tolist()[0]
    ['weighted_sum', 'topsis']
    """
    ev = scenario_rows(ev, scenario)
    if sample_areas is not None:
        codes = pd.unique(ev["code"])
        if sample_areas < len(codes):
            rng = np.random.default_rng(seed)
            keep = codes[np.sort(rng.choice(len(codes), size=int(sample_areas),
                                            replace=False))]
            ev = ev[ev["code"].isin(keep)].reset_index(drop=True)
    rows = []
    w = scenario.weights_resolved()
    for a, b in (("weighted_sum", "topsis"), ("weighted_sum", "vikor"), ("topsis", "vikor")):
        r = method_agreement(ev, COLUMNS, w, a, b, v=scenario.vikor_v)
        rows.append({"method_a": a, "method_b": b, **r.summary()})
    return pd.DataFrame(rows)
