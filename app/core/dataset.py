"""A dataset: a folder of boundaries, sentra tables and agro-ecological rasters.

Layout (each part optional but the boundaries)::

    DIR/
      dataset.toml        optional; every key optional, what is missing is guessed
      boundaries/         desa and/or kecamatan polygons (gpkg, shp, geojson, parquet)
      sentra/             sentra tables (csv, xlsx) or point layers
      agroecology/        rasters (GeoTIFF ...), attribute guessed from the file name
      commodities.csv     optional catalogue replacing the bundled one
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError, UnggulanError
from unggulan.base.memory import (
    arrow_from_system_allocator,
    handed_copy,
    release_freed_memory,
)
from unggulan.base.parallel import in_background
from unggulan.base.problems import Problem
from unggulan.base.records import records
from unggulan.base.resources import bundled_data_dir
from unggulan.base.settings import Settings
from unggulan.base.version import __version__
from unggulan.core.activity.analysis import analyse
from unggulan.core.activity.clusters import contiguity
from unggulan.core.inputs import boundaries as bnd
from unggulan.core.inputs.commodities import Catalogue
from unggulan.core.inputs.config import DatasetConfig, load_config
from unggulan.core.inputs.families import catalogue_families
from unggulan.core.inputs.fetch_layers import fetch_rasters
from unggulan.core.inputs.folder import add_unknown_commodities, load_boundaries, sentra_paths
from unggulan.core.inputs.rasters import RasterInfo, check_coverage, find_rasters
from unggulan.core.inputs.sentra import SentraSource, load_sentra, placed, statistics_like
from unggulan.core.inputs.statistics import COLUMNS as STATISTICS_COLUMNS
from unggulan.core.inputs.statistics import load_statistics, summary_of
from unggulan.core.land.attributes import PARALLEL_MIN_AREAS, AttributeEngine
from unggulan.core.land.suitability import (
    Requirements,
    add_class_shares,
    assess_areas,
    assessed_bases,
    shares_by_basis,
)
from unggulan.core.land.suitability import explain as explain_rows
from unggulan.core.outputs import layers as ly
from unggulan.core.outputs.colours import dataset_order, dataset_palette, first_ranked, run_palette
from unggulan.core.outputs.geometry import simplify
from unggulan.core.outputs.readiness import SEVERITY_MEANING, commands, problem_blocks
from unggulan.core.provenance import canonical_json, inputs_hash
from unggulan.core.ranking import run
from unggulan.core.ranking import zones as zn
from unggulan.core.ranking.backtest import backtest
from unggulan.core.ranking.candidates import (
    activity_inputs,
    evidence,
    propose,
    scenario_rows,
    statistics_options,
    to_wide,
)
from unggulan.core.ranking.candidates import scores as pair_scores
from unggulan.core.ranking.run import (
    STABILITY_DRAWS,
    STABILITY_SEED,
    STABILITY_SPREAD,
    area_stability,
    default_scenario,
    effective_scenario,
    method_comparison,
    ranking_key,
    run_scenario,
)
from unggulan.core.ranking.scoring import COLUMNS
from unggulan.core.scenario import ZonesSpec
from unggulan.io.cache import read_pickle, write_pickle
from unggulan.io.exports import write_layer
from unggulan.io.organisations import read_organisations

T = TypeVar("T")


def _activity_and_neighbours(areas, level: str, sentra: pd.DataFrame,
                             statistics: pd.DataFrame, scenario, neighbours: bool) -> tuple:
    """:func:`~unggulan.core.ranking.candidates.activity_inputs` and, when ``neighbours``
    and there are sentra to find hot spots of, the level's contiguity (else None): the
    part of :meth:`Dataset.evidence` that does not wait for the land."""
    activity = activity_inputs(areas, level, sentra, statistics, scenario)
    w = contiguity(areas[level]) if neighbours and len(activity[0]) else None
    return activity, w


@dataclass
class Dataset:
    """Boundaries, sentra and rasters of one region, read and checked.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()            # the bundled demo dataset
    >>> ds.areas("desa").head()        # doctest: +SKIP
    """

    folder: Path
    config: DatasetConfig
    catalogue: Catalogue
    layers: dict[str, gpd.GeoDataFrame]
    layer_info: dict[str, bnd.LayerInfo]
    sentra_records: gpd.GeoDataFrame
    sentra_sources: list[SentraSource]
    rasters: dict[str, RasterInfo]
    problems: list[Problem] = field(default_factory=list)
    statistics_records: pd.DataFrame | None = field(default=None, repr=False)
    statistics_reports: list = field(default_factory=list, repr=False)
    #: the settings the dataset was opened with (cache folder, workers, results kept in
    #: memory): read once, by :meth:`open`, and handed to what needs them
    settings: Settings = field(default_factory=Settings, repr=False, compare=False)
    _engine: object = field(default=None, repr=False)
    _requirements: object = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)
    # The service answers requests on threads that share one Dataset: a cache entry is built
    # once (the others asking for it wait) and the land fills, which share the engine's raster
    # values, run one at a time. See :meth:`cached`.
    _locks: dict = field(default_factory=dict, repr=False, compare=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _land: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    # candidate results in memory, least recently used first (see _keep_recent)
    _recent: dict = field(default_factory=dict, repr=False, compare=False)
    _recent_limit: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, path: str | Path | None = None, *, settings: Settings | None = None
             ) -> Dataset:
        """Open a dataset folder (default: ``settings.data``, i.e. ``UNGGULAN_DATA``, or the
        bundled ``data/``).

        ``settings``: the :class:`~unggulan.base.settings.Settings` to work with (cache
        folder, worker processes, results kept in memory); default: read from the environment
        once, here. Raises :class:`DatasetError` when the folder cannot be used at all;
        smaller problems are kept in ``ds.problems``.
        """
        settings = settings if settings is not None else Settings()
        arrow_from_system_allocator()  # (Arrow's freed memory trimmed too: base.memory)
        folder = Path(path) if path is not None else settings.data_dir()
        if not folder.exists():
            raise DatasetError("dataset folder not found", path=folder)
        if not folder.is_dir():
            raise DatasetError("a dataset is a folder, not a file", path=folder)
        problems: list[Problem] = []
        config = load_config(folder)
        own = folder / "commodities.csv"
        catalogue = Catalogue.load(own if own.exists() else None).with_synonyms(
            config.commodities, folder / "dataset.toml")
        layers, info = load_boundaries(folder, config, problems)
        spaths = sentra_paths(folder, config)
        # a table of values by kabupaten or kecamatan put among the sentra (as many are)
        as_stats = []
        for p in list(spaths):
            why = statistics_like(p, config.sentra)
            if why:
                problems.append(Problem("info", str(p), why))
                spaths.remove(p)
                as_stats.append(p)
        if not spaths:
            problems.append(Problem("warning", str(folder / "sentra"), "no sentra table found"))
        desa = layers.get("desa")
        if desa is None and spaths:
            problems.append(Problem("warning", str(spaths[0]), "no desa layer: sentra records "
                                    "cannot be placed"))
            spaths = []
        records, sources = load_sentra(
            spaths, config.sentra, desa if desa is not None else None,
            layers.get("kecamatan"), catalogue, problems,
        )
        rasters = find_rasters(folder / "agroecology", config.rasters, problems)
        if rasters and layers:
            rasters = check_coverage(rasters, layers.get("desa", layers.get("kecamatan")),
                                     problems)
        if not rasters:
            problems.append(Problem("warning", str(folder / "agroecology"), "no rasters found: "
                                    "land suitability cannot be assessed"))
        stats, reports = load_statistics(folder, config.statistics, layers, catalogue, problems,
                                         extra=as_stats)
        catalogue = add_unknown_commodities(catalogue, records, stats, problems)
        # the readers' temporaries are gone: their pages back to the system (a national
        # dataset: 1.22 -> 1.05 GB, which every later step's peak carries)
        release_freed_memory()
        return cls(folder, config, catalogue, layers, info, records, sources, rasters, problems,
                   stats, reports, settings=settings)

    # ------------------------------------------------------------------ accessors
    @property
    def name(self) -> str:
        name = self.__dict__.get("_name")
        if name is None:  # resolve() is a system call: asked on every API request
            name = self.__dict__["_name"] = self.config.name or self.folder.resolve().name
        return name

    @property
    def synthetic(self) -> bool:
        return self.config.synthetic

    @property
    def levels(self) -> list[str]:
        return [lv for lv in bnd.LEVELS if lv in self.layers]

    def areas(self, level: str = "desa") -> gpd.GeoDataFrame:
        """Boundary polygons of ``level`` ('desa' or 'kecamatan'), EPSG:4326, keyed by code.

        Columns: ``code``, ``name``, ``level``, ``parent_code``, ``province_code``,
        ``kabupaten_code`` (and ``kecamatan_code``, ``kecamatan_name`` for desa),
        ``code_system`` ('kemendagri' or 'bps'), ``area_ha``, ``geometry``.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> desa = ds.areas("desa")
        >>> desa.crs.to_epsg(), len(desa)
        (4326, 64)
        >>> desa.loc["99.01.01.1001", "kecamatan_code"]
        '99.01.01'
        """
        if level not in self.layers:
            raise DatasetError(
                f"no {level} layer in this dataset (levels: {', '.join(self.levels)})",
                path=self.folder,
            )
        return self.layers[level]

    def sentra(self, placed_only: bool = False) -> gpd.GeoDataFrame:
        """Sentra records with commodity match and placement (one row per input row).

        ``commodity_id`` is the catalogue commodity the ``commodity_raw`` text matched
        (``commodity_match`` says how); ``desa_code``/``kecamatan_code`` where the record was
        placed, ``placed_by`` how (code, coordinates or names) or ``unplaced_reason`` why
        not. ``placed_only=True`` keeps the placed ones.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> s = ds.sentra(placed_only=True)
        >>> bool(s["desa_code"].notna().all())
        True
        """
        return placed(self.sentra_records) if placed_only else self.sentra_records

    def statistics(
        self, *, area: str | None = None, commodity: str | None = None,
        measure: str | None = None, year: int | None = None, level: str | None = None,
        with_parents: bool = False,
    ) -> pd.DataFrame:
        """Production statistics, long: one row per area, commodity, measure and year.

        Columns ``code, name, level, commodity, commodity_name, commodity_match, measure,
        unit, year, value, ratio, kind, family, table, area_raw, source, file, sheet, row,
        column``: ``kind`` commodity / flow / ratio / capacity / total, ``family`` the
        commodity family LQ compares within (:mod:`unggulan.core.inputs.families`), ``table`` the
        number of the table read, ``area_raw`` the area as the table names it. ``measure``
        is one of production (ton), harvested_area / planted_area / area (ha), population (ekor),
        units, workers (orang), value (rupiah) or productivity (ton/ha, a ratio: never
        summed). ``value`` NaN is missing; 0 is nil ("-" in BPS tables). ``source`` locates
        the cell: ``file#sheet!row:column``. Kecamatan tables stay at kecamatan level; with
        ``area`` a desa code and ``with_parents=True`` its kecamatan's rows are included
        (their ``level`` says so). Kabupaten/province tables have ``level`` 'kabupaten'.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> st = ds.statistics(measure="production")
        >>> sorted(st.columns)[:4]
        ['area_raw', 'code', 'column', 'commodity']
        >>> sorted(st["family"].unique())
        ['estate_crops', 'food_crops']
        """
        st = self.statistics_records
        if st is None:
            return pd.DataFrame(columns=STATISTICS_COLUMNS)
        mask = np.ones(len(st), dtype=bool)
        if area is not None:
            codes = {area}
            if with_parents:
                for lv in self.levels:
                    a = self.layers[lv]
                    if area in a.index:
                        codes |= {a.at[area, "parent_code"], a.at[area, "kabupaten_code"]}
            mask &= st["code"].isin(codes).to_numpy()
        if commodity is not None:
            mask &= (st["commodity"] == commodity).to_numpy()
        if measure is not None:
            mask &= (st["measure"] == measure).to_numpy()
        if year is not None:
            mask &= (st["year"] == year).fillna(False).to_numpy(bool)
        if level is not None:
            mask &= (st["level"] == level).to_numpy()
        return st[mask].copy()

    def statistics_frame(self) -> pd.DataFrame:
        """Every statistics row as read (the frame itself, not a copy: never change it), or
        an empty frame of the same columns: what the core's functions take."""
        st = self.statistics_records
        return st if st is not None else pd.DataFrame(columns=STATISTICS_COLUMNS)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # ------------------------------------------------------------------ land
    @property
    def engine(self):
        """The zonal-statistics engine over this dataset's rasters (built on first use)."""
        if self._engine is None:
            with self._land:
                if self._engine is None:
                    st = self.settings
                    self._engine = AttributeEngine(self.rasters, workers=st.workers,
                                                   cache_dir=st.cache_path())
        return self._engine

    @property
    def requirements(self):
        if self._requirements is None:
            with self._land:
                if self._requirements is None:
                    own = self.folder / "land_requirements.csv"
                    self._requirements = Requirements.load(self.folder if own.exists()
                                                           else None)
        return self._requirements

    def attributes(self, level: str = "desa", progress: bool = False) -> pd.DataFrame:
        """Agro-ecological attributes per area of ``level`` (zonal statistics).

        Columns ``{attr}_mean``, ``_min``, ``_max`` and ``_covered`` (share of the area's
        surface with data) for every raster, derived slope and estimated temperature; for
        drainage and texture also ``_majority`` and ``_share_{class}``. Kecamatan values come
        from the kecamatan polygons themselves. Indexed by area code.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> bool(ds.attributes("desa")["elevation_mean"].max() > 1000)
        True
        """
        return handed_copy(self._attributes(level, progress))

    def _attributes(self, level: str, progress: bool = False) -> pd.DataFrame:
        """:meth:`attributes` as cached, not copied: for the steps here that only read it."""
        return self._fill(("attributes", level), lambda: self.engine.attributes(
            level + ":" + self.name, self.areas(level), progress=progress), self._land)

    def suitability(
        self, level: str = "desa", commodities: list[str] | None = None,
        management: str = "rendah", progress: bool = False, explain: bool = True,
        copy: bool = True,
    ) -> pd.DataFrame:
        """Land suitability per (area, commodity), long form, with class shares.

        ``suitability_class`` is the limiting-factor class of the area's mean attribute
        values; ``share_s1`` ... ``share_n`` are the shares of the area's covered surface in
        each class from per-pixel classification. ``potential_class`` is the class after the
        interventions of ``management`` ('rendah', 'sedang', 'tinggi'). With ``explain``,
        ``evidence_id`` / ``evidence_en`` say why (skip it for national runs: it is text for
        every row).

        Examples
        --------
        >>> ds = Dataset.open()
        >>> s = ds.suitability("kecamatan", commodities=["kopi_arabika"])
        >>> set(s["suitability_class"]) <= {"S1", "S2", "S3", "N"}
        True
        """
        cids = commodities or list(self.catalogue.items)
        for c in cids:
            self.catalogue.get(c)  # raises UnknownCommodity
        key = ("suitability", level, tuple(cids), management)

        def build() -> pd.DataFrame:
            attrs = self._attributes(level, progress)
            out = assess_areas(attrs, cids, self.catalogue, self.requirements, management)
            release_freed_memory()
            by_basis = {}
            if self.rasters:
                # the per-cell values are all that is needed now: each raster's values are
                # let go once picked (release), so the engine holds none afterwards
                cov, cells = self.engine.cell_values(level + ":" + self.name,
                                                     self.areas(level), release=True)
                release_freed_memory()
                by_basis = shares_by_basis(cov, cells, assessed_bases(out, len(attrs)),
                                           self.requirements, consume=True)
                del cells, cov
                # the shares were the coverage's last use for this level: the attributes
                # are kept, and another management level reads it again (or the disk cache)
                self.engine.forget_coverage(level + ":" + self.name)
            return add_class_shares(out, len(attrs), by_basis)

        # one land fill at a time: a fill drops the engine's raster values when it is done
        cached = self._fill(key, build, self._land)
        out = handed_copy(cached) if copy or explain else cached
        if explain:
            attrs = self._attributes(level)
            out["evidence_id"] = explain_rows(out, attrs, self.requirements, "id")
            out["evidence_en"] = explain_rows(out, attrs, self.requirements, "en")
        return out

    def candidates(
        self, level: str = "desa", top: int = 3, weights=None, *, wide: bool = False,
        reference: str = "kabupaten", management: str = "rendah", period=None,
        measure: str | None = None, method: str = "weighted_sum", scenario=None,
        partitions: int | None = None, scheduler=None,
    ) -> gpd.GeoDataFrame:
        """Ranked candidate flagship commodities per area, with the evidence and a reason.

        Long form (default): one row per area and rank with ``code, name, level, rank,
        commodity, score, suitability_class, limiting_factors, lq, sentra, workers, cluster,
        slq, dlq, quadrant, stat_measure, period, active, reason_id, reason_en`` and the score
        components. ``wide=True``: one feature per area with ``top1..topN`` and their
        scores. ``weights``: a mapping or ``"suitability=0.4,specialisation=0.3"``; see
        :mod:`unggulan.core.ranking.scoring`. ``period`` ("2018-2022") and ``measure`` choose the
        statistics used (default: every year, and per commodity the first of production,
        population, harvested area ...). ``method``: ``weighted_sum`` (default), ``topsis``
        or ``vikor``. ``scenario``: an :class:`unggulan.core.scenario.Scenario` whose settings
        replace these arguments. ``partitions``: compute in that many spatial partitions on
        Dask (:mod:`unggulan.core.partitioned`; ``scheduler`` or ``UNGGULAN_DASK_SCHEDULER``, else
        a local cluster), with the same result.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> c = ds.candidates("kecamatan", top=2)
        >>> int(c["rank"].max())
        2
        """
        sc = run_scenario(scenario, weights, top=top, reference=reference,
                          management=management, period=period, measure=measure,
                          method=method, catalogue=self.catalogue)
        key, build = self._candidates_plan(level, sc, wide=wide, partitions=partitions,
                                           scheduler=scheduler)
        out = handed_copy(self.cached(key, build))
        self._keep_recent(key)
        return out

    def _keep_recent(self, key: tuple) -> None:
        """Mark the candidates of ``key`` as just used, and let go of the least recently used
        beyond ``UNGGULAN_RESULTS_IN_MEMORY`` (with their per-area records): a service asked
        for many weightings would otherwise keep every result (nationally ~0.5 GB each with
        its records). A result let go is read back from the disk cache when asked again."""
        if self._recent_limit is None:
            self._recent_limit = max(1, self.settings.results_in_memory)
        limit = self._recent_limit
        with self._guard:
            self._recent.pop(key, None)
            self._recent[key] = None
            while len(self._recent) > limit:
                old = next(iter(self._recent))
                del self._recent[old]
                for k in (old, ("candidates_rows", old), ("candidate_records", old)):
                    self._cache.pop(k, None)
                    self._locks.pop(k, None)

    def area_candidates(self, code: str, level: str = "desa", **kwargs) -> gpd.GeoDataFrame:
        """The :meth:`candidates` rows of one area (same keyword arguments), looked up in
        the level's cached result through an index by code: what the API answers per area,
        without copying or scanning a national result on every request.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> code = ds.areas("desa").index[0]
        >>> c = ds.area_candidates(code, "desa", top=2)
        >>> c.equals(ds.candidates("desa", top=2).query("code == @code"))
        True
        """
        key, build = self._candidates_plan(level, **kwargs)
        full = self.cached(key, build)
        rows = self.cached(("candidates_rows", key), lambda: _rows_by_code(full["code"]))
        self._keep_recent(key)
        return full.iloc[rows.get(code, _NO_ROWS)].copy()

    def area_candidate_records(self, code: str, level: str = "desa", *,
                               prepared_only: bool = False, **kwargs) -> list[dict] | None:
        """:meth:`area_candidates` as plain records (NaN as None, no geometry), prepared
        once for every area of the result: a service answers each request by a lookup.
        ``prepared_only``: ``None`` instead of computing when they are not prepared yet.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> code = ds.areas("desa").index[0]
        >>> [r["rank"] for r in ds.area_candidate_records(code, "desa", top=2)]
        [1, 2]
        """
        key, build = self._candidates_plan(level, **kwargs)
        if prepared_only:
            by = self._cache.get(("candidate_records", key))
            if by is None or not by.ready(code):
                return None  # not prepared yet: the caller computes it where it may block
        by = self.cached(("candidate_records", key),
                         lambda: _AreaRecords(self.cached(key, build)))
        self._keep_recent(key)
        return [dict(r) for r in by.get(code)]

    def prepare_candidate_records(self, level: str = "desa", scenario=None) -> None:
        """Make the records :meth:`area_candidate_records` answers for every area of the
        candidates of ``level`` under ``scenario`` now (otherwise each area's are made when
        first asked: a service starts without making 84,000 areas' at once)."""
        key, build = self._candidates_plan(level, scenario)
        self.cached(("candidate_records", key),
                    lambda: _AreaRecords(self.cached(key, build))).fill()
        self._keep_recent(key)

    def result_stored(self, level: str = "desa", scenario=None) -> bool:
        """Whether the candidates of ``level`` under ``scenario`` (default: the default
        scenario) are in the disk cache: a fresh process reads them instead of computing
        them (what a starting service says in its log)."""
        path = _result_path(self, self._candidates_plan(level, scenario)[0])
        return path is not None and path.is_file()

    def _candidates_plan(
        self, level: str = "desa", scenario=None, *, wide: bool = False,
        partitions: int | None = None, scheduler=None, **arguments,
    ) -> tuple[tuple, Callable[[], pd.DataFrame]]:
        """The cache key of a :meth:`candidates` call and the function computing it
        (``arguments``: the separate settings :meth:`candidates` takes, when ``scenario`` is
        not a resolved one already)."""
        if arguments or scenario is None:
            scenario = run_scenario(scenario, arguments.pop("weights", None),
                                    catalogue=self.catalogue, **arguments)
        sc = scenario
        key = ("candidates", level, ranking_key(sc), wide)

        def build() -> pd.DataFrame:
            # kept on disk too: a restart or another worker process reads it back
            stored = _result_path(self, key)
            out = _read_result(stored, self.areas(level)) if stored else None
            if out is None and partitions:  # the same result, computed on Dask
                try:
                    from unggulan.core.partitioned import candidates_partitioned
                except ImportError as exc:  # (dask is an optional dependency)
                    raise UnggulanError(
                        f"computing in partitions needs Dask ({exc.name} is missing): "
                        "pip install 'unggulan[dask]'", field="partitions") from exc

                out = candidates_partitioned(self, level, partitions, scheduler, wide=wide,
                                             scenario=sc)
            elif out is None:
                long = propose(self.evidence(level, sc), self.areas(level),
                               self._attributes(level), self.requirements, self.catalogue, sc,
                               level=level, workers=self._workers(level))
                out = to_wide(long, self.areas(level), sc.top) if wide else long
                if stored:
                    _write_result(stored, out, self.areas(level))
            return out

        return key, build

    def evidence(self, level: str = "desa", scenario=None) -> pd.DataFrame:
        """The (area, commodity) pairs the candidates rank, with their evidence components
        before weighting (:func:`unggulan.core.ranking.candidates.evidence`), for the
        scenario's reference, management level and statistics (default: the default
        scenario's). Cached per level and those settings: every weighting shares it.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ev = ds.evidence("kecamatan")
        >>> {"code", "commodity", "suitability_index"} <= set(ev.columns)
        True
        """
        sc = scenario if scenario is not None else default_scenario()
        period, measure = statistics_options(sc)
        key = ("evidence", level, sc.reference, sc.management, period, measure)

        def build() -> pd.DataFrame:
            sentra, statistics = self.sentra(), self.statistics_frame()
            # the activity (tables) does not wait for the land (rasters): with two or more
            # workers it is computed in another process meanwhile, once the attributes
            # (which use every worker themselves) are there
            if self._workers(level) > 1:
                self._attributes(level)
            job = in_background(_activity_and_neighbours, self.layers, level, sentra,
                                statistics, sc, self.peek(("contiguity", level)) is None,
                                workers=self._workers(level))
            try:
                suit = self.suitability(level, management=sc.management, explain=False,
                                        copy=False)
            except BaseException:
                job.cancel()
                raise
            handed = list(job.take())                       # [activity, neighbours]
            neighbours = handed.pop()
            if neighbours is not None:
                self.cached(("contiguity", level), lambda: neighbours)
            # the activity handed over (no name here holds it): its statistics' evidence
            # (3 million rows for national desa) is freed once aligned to the pairs
            return evidence(self.layers, level, suit, sentra, statistics, self.catalogue, sc,
                            contiguity=lambda: self.contiguity(level), activity=handed.pop())

        return self.cached(key, build)

    def _workers(self, level: str) -> int:
        """The processes a step of ``level`` may use: the settings' ``workers`` (1 below
        :data:`~unggulan.core.land.attributes.PARALLEL_MIN_AREAS` areas, where starting a
        process costs more than it saves)."""
        return self.settings.workers if len(self.areas(level)) >= PARALLEL_MIN_AREAS else 1

    def contiguity(self, level: str = "desa"):
        """The areas' neighbours (:func:`unggulan.core.activity.clusters.contiguity`),
        computed once per level."""
        return self.cached(("contiguity", level), lambda: contiguity(self.areas(level)))

    def scores(self, level: str = "desa", scenario=None, **arguments) -> pd.DataFrame:
        """The score of every (area, commodity) pair the candidates rank under a scenario
        (or the separate settings of :meth:`candidates`): ``code, commodity, score`` and the
        score components (``score_suitability`` ...), one row per pair: the scores
        :meth:`candidates` ranks, for views that show one commodity across all areas.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> s = ds.scores("kecamatan", method="topsis")
        >>> c = ds.candidates("kecamatan", method="topsis").set_index(["code", "commodity"])
        >>> bool((s.set_index(["code", "commodity"]).loc[c.index, "score"]
        ...       == c["score"]).all())
        True
        """
        sc = run_scenario(scenario, arguments.pop("weights", None), catalogue=self.catalogue,
                          **arguments)

        def build() -> pd.DataFrame:
            ev = scenario_rows(self.evidence(level, sc), sc)
            out = pd.DataFrame({"code": ev["code"].astype(str).to_numpy(object),
                                "commodity": ev["commodity"].astype(str).to_numpy(object),
                                "score": pair_scores(ev, sc)})
            for comp, col in COLUMNS.items():
                out[f"score_{comp}"] = ev[col].to_numpy(float) if col in ev else np.nan
            return out

        return handed_copy(self.cached(("scores", level, ranking_key(sc)), build))

    def area_stability(self, level: str = "desa", scenario=None, *,
                       draws: int = STABILITY_DRAWS, spread: float = STABILITY_SPREAD,
                       seed: int = STABILITY_SEED, max_areas: int | None = None,
                       sample_areas: int | None = None) -> pd.DataFrame | None:
        """Per area, how often its first candidate stays first when the weights move
        (:func:`unggulan.core.ranking.run.area_stability`); None when the level has more
        than ``max_areas`` (default :data:`~unggulan.core.ranking.run.STABILITY_MAX_AREAS`)
        areas and no ``sample_areas`` is given.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ds.area_stability("desa", max_areas=10) is None, len(ds.area_stability("kecamatan"))
        (True, 5)
        """
        sc = scenario if scenario is not None else default_scenario()
        n = len(self.areas(level))
        # (the module's value, read now: a test or a service may change it)
        if n > (run.STABILITY_MAX_AREAS if max_areas is None else max_areas) \
                and sample_areas is None:
            return None
        key = ("stability", level, ranking_key(sc), draws, spread, seed, sample_areas)
        return handed_copy(self.cached(key, lambda: area_stability(
            self.evidence(level, sc), sc, draws=draws, spread=spread, seed=seed,
            sample_areas=sample_areas)))

    def method_comparison(self, level: str = "desa", scenario=None, *,
                          sample_areas: int | None = None, seed: int = STABILITY_SEED
                          ) -> pd.DataFrame:
        """Rank agreement between the aggregation methods for the scenario's weights
        (:func:`unggulan.core.ranking.run.method_comparison`)."""
        sc = scenario if scenario is not None else default_scenario()
        return method_comparison(self.evidence(level, sc), sc, sample_areas=sample_areas,
                                 seed=seed)

    def zones(self, level: str = "desa", commodity: str | None = None, scenario=None, *,
              weights=None, stability: bool = True, members: bool = False):
        """Commodity zones (kawasan komoditas unggulan) of ``level``: contiguous areas where
        the commodity is a top candidate or in its hot spot on suitable land, with centre,
        organisations, production and a reason; see :mod:`unggulan.core.ranking.zones`. Thresholds
        from the scenario's ``[zones]`` table. ``members=True`` returns ``(zones,
        members)``; ``stability``: each member's share of the scenario's weight draws in
        which it stays in (levels of at most ``STABILITY_MAX_AREAS`` areas).

        Examples
        --------
        >>> ds = Dataset.open()
        >>> z = ds.zones("desa")
        >>> set(z["status"]) <= {"kawasan", "embrio"}
        True
        """
        sc = effective_scenario(scenario, weights)
        if commodity is not None:
            self.catalogue.get(commodity)  # raises UnknownCommodity
        resolved = sc.resolved()
        for k in ("name", "description", "sources", "criteria"):
            resolved.pop(k, None)
        key = ("zones", level, canonical_json(resolved), bool(stability))
        zones, mem = self.cached(key, lambda: self._zones(level, sc, stability))
        if commodity is not None:
            zones = zones[(zones["commodity"] == commodity).to_numpy()].reset_index(drop=True)
            mem = mem[(mem["commodity"] == commodity).to_numpy()].reset_index(drop=True)
        return (handed_copy(zones), handed_copy(mem)) if members else handed_copy(zones)

    def _zones(self, level: str, sc, stability: bool):
        """The frames :func:`unggulan.core.ranking.zones.draw_zones` takes, gathered from this
        dataset (see :meth:`zones`)."""
        spec = sc.zones or ZonesSpec()
        fam = catalogue_families(self.catalogue.frame).to_dict()
        base = zn.ZoneRule(**spec.rule(level, None, sc.top))
        depth = max(base.top, base.hot_spot_top if base.hot_spots else 0)
        for f in spec.families.values():
            depth = max(depth, f.top or 0)
        cand = self.candidates(level, scenario=sc.model_copy(update={"top": depth}))
        rules = {"*": base}
        for c in pd.unique(cand["commodity"]):
            rules[c] = zn.ZoneRule(**spec.rule(level, fam.get(c), sc.top))
        suit = None
        if self.rasters:
            # the cached frame itself (no copy: nationally 18 million rows); draw_zones
            # keeps the member pairs only
            suit = self.suitability(level, management=sc.management, explain=False,
                                    copy=False)
        stats = None  # the level's own statistics only: a desa's inherited figure is no desa's
        if self.statistics_records is not None and \
                (self.statistics_records["level"] == level).any():
            stats = zn.own_statistics(self.statistics(level=level), level,
                                      *statistics_options(sc))
        sentra = self.sentra(placed_only=True)
        area_col = "desa_code" if level == "desa" else "kecamatan_code"
        orgs = pd.concat([zn.organisations_in(sentra, None, area_col),
                          zn.place_organisations(read_organisations(self.folder),
                                                 self.areas(level), level)],
                         ignore_index=True).drop_duplicates(["code", "name"])
        graphs = {g: self.cached(("zone_graph", level, g), lambda g=g: zn.zone_graph(
            self.areas(level), g, self.contiguity(level)))
                  for g in sorted({r.gap_m for r in rules.values()})}
        stab = None
        if stability and len(self.areas(level)) <= run.STABILITY_MAX_AREAS:
            pairs = zn.zone_members(cand, rules)
            lim = [rules.get(c, base).top if t else rules.get(c, base).hot_spot_top
                   for c, t in zip(pairs["commodity"], pairs["by_top"])]
            pairs = pairs.assign(limit=lim)
            stab = zn.member_stability(
                scenario_rows(self.evidence(level, sc), sc), pairs, COLUMNS,
                sc.weights_resolved(), {}, sc.method,
                draws=min(STABILITY_DRAWS, zn.ZONE_DRAWS), spread=STABILITY_SPREAD,
                seed=STABILITY_SEED, v=sc.vikor_v)
        return zn.draw_zones(
            self.areas(level), cand, rules, level=level, graphs=graphs, suitability=suit,
            statistics=stats, sentra=sentra, organisations=orgs,
            names=self.catalogue.frame[["name_id", "name_en"]], families=fam,
            stability=stab, rasters=bool(self.rasters))

    def input_files(self) -> dict[str, Path]:
        """Every file the results depend on, by role (for the inputs' content hash)."""
        files: dict[str, Path] = {}
        for lv, info in self.layer_info.items():
            if info.file and not info.dissolved:
                files[f"boundaries/{lv}"] = Path(info.file)
        for i, src in enumerate(self.sentra_sources):
            files[f"sentra/{i}"] = Path(src.file)
        for i, rep in enumerate(sorted({r.file for r in self.statistics_reports})):
            files[f"statistics/{i}"] = Path(rep)
        for attr, r in sorted(self.rasters.items()):
            files[f"raster/{attr}"] = Path(r.path)
        if self.catalogue.source:
            files["catalogue"] = Path(self.catalogue.source)
        req = self.folder if (self.folder / "land_requirements.csv").exists() \
            else bundled_data_dir()
        for name in ("land_requirements.csv", "land_sources.csv", "land_interventions.csv"):
            files[f"requirements/{name}"] = req / name
        if (self.folder / "dataset.toml").exists():
            files["dataset.toml"] = self.folder / "dataset.toml"
        return files

    def inputs_hash(self) -> str:
        """Content hash (sha256 hex) of every input file and the tool's version."""
        return self.cached("inputs_hash", lambda: inputs_hash(self.input_files(),
                                                              {"version": __version__}))

    def analysis(self, method: str, measure: str = "production", period=None,
                 level: str | None = None, reference: str = "dataset", **options
                 ) -> pd.DataFrame:
        """A planning method on the statistics: ``slq``, ``dlq`` (with the SLQ x DLQ
        quadrant), ``shift-share`` (``variant="classic"`` or ``"esteban"``), ``klassen``,
        ``specialisation`` or ``localisation``; see :mod:`unggulan.core.activity.analysis`.

        ``measure``: production, harvested_area, population ... or sentra ``workers`` /
        ``units``; ``period``: ``"2018-2022"`` (default: every year); ``level``: where the
        statistics are (default: kecamatan when there are kecamatan statistics). Options by
        method: ``growth="mean"|"cagr"`` (dlq, klassen), ``convention="default"|"angelina"``
        (dlq: which mixed quadrant is *andalan*), ``variant`` (shift-share), ``by_year``
        (slq); any other keyword, or an unknown value, is an :class:`UnggulanError` naming it.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ds.analysis("slq", measure="workers", level="desa").columns[:3].tolist()
        ['level', 'code', 'name']
        """
        key = ("analysis", method, measure, str(period), level, reference,
               tuple(sorted(options.items())))
        return handed_copy(self.cached(key, lambda: analyse(
            self.statistics_frame(), self.sentra(placed_only=True), self.layers,
            self.catalogue.frame["name_id"], method, measure, period, level, reference,
            **options)))

    def backtest(self, until: int, horizon: int | None = None, top: int = 3, *,
                 level: str | None = None, **options):
        """Backtest the statistics-only proposals on this dataset's series: cut after
        ``until``, propose ``top`` per area, count how often the marks hold in the next
        ``horizon`` years (SLQ > 1; among the top-5 producers) against last year's SLQ and
        persistence (see :mod:`unggulan.core.ranking.backtest`; ``options``: ``weights``,
        ``reference``, ``measure``, ``top_producers``, ``share_weight``).

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ds.backtest(2021, horizon=3).table["method"].tolist()
        ['tool', 'last_slq', 'persistence', 'random']
        """
        st = self.statistics()
        if level is None:
            have = set(st["level"]) if len(st) else set()
            level = next((lv for lv in ("kecamatan", "desa") if lv in have), None)
        areas = self.areas(level) if level in self.levels else None
        return backtest(st, areas, until=until, horizon=horizon, top=top, level=level,
                        **options)

    def export(self, layer: str, path: str | Path, level: str = "desa",
               overwrite: bool = False, **options) -> Path:
        """Write ``layer`` ('areas', 'sentra', 'suitability', 'candidates', 'zones') to ``path``;
        the format follows the extension (.gpkg, .zip shapefile, .geojson, .csv, .parquet).

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ds.export("candidates", "/tmp/kandidat.gpkg", level="kecamatan", overwrite=True)
        PosixPath('/tmp/kandidat.gpkg')
        """
        gdf = self.layer(layer, level, **options)
        name = layer if layer in ("sentra", "statistics") else f"{layer}_{level}"
        return write_layer(gdf, Path(path), layer=name, overwrite=overwrite)

    def fetch_rasters(self, sources: str | Path | None = None, *, buffer_km: float = 2.0,
                      resolution_m: float = 90.0, dry_run: bool = False, force: bool = False,
                      **options):
        """Fetch the agro-ecological layers of this dataset's areas into
        ``agroecology/<attribute>.tif`` (COGs with a ``.tif.json`` provenance sidecar) from
        the public sources of ``data/raster_sources.toml`` or ``sources`` (a TOML replacing or
        adding entries: a mirror, a file share). Only the windows over the areas (plus
        ``buffer_km``) are read, by HTTP range requests; ``dry_run`` returns the plan only.
        Open the dataset again afterwards to use the layers. Options: ``attributes``,
        ``retries``, ``backoff``, ``workers``, ``max_mb``, ``progress(source, done, total)``
        (see :mod:`unggulan.core.inputs.fetch_layers`).

        Examples
        --------
        >>> ds = Dataset.open()
        >>> plan = ds.fetch_rasters(dry_run=True)     # plans only: no network
        >>> plan.grid.arcsec, [lp.action for lp in plan.layers][:2]
        (3, ['present', 'present'])
        """
        level = "desa" if "desa" in self.levels else (self.levels[0] if self.levels else None)
        return fetch_rasters(self.areas(level) if level else None, self.folder, self.rasters,
                             sources, buffer_km=buffer_km, resolution_m=resolution_m,
                             dry_run=dry_run, force=force, **options)

    # ------------------------------------------------------------------ outputs
    def run_info(self, scenario=None) -> run.RunInfo:
        """The :class:`~unggulan.core.ranking.run.RunInfo` of ``scenario`` (default: the
        default scenario) on this dataset: scenario, inputs and run hashes behind an output.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> info = ds.run_info()
        >>> info.scenario, len(info.run_hash), len(info.inputs_hash)
        ('bawaan / default', 16, 64)
        """
        return run.run_info(self.inputs_hash(), self.name, scenario)

    def palette(self, scenario=None) -> dict[str, str]:
        """Commodity id -> colour of every map, page, brief and QGIS style of this dataset
        (:func:`unggulan.core.outputs.colours.dataset_palette` of :meth:`palette_order`);
        with ``scenario``, the palette of a page or brief showing that run: the dataset's,
        plus colours for the commodities leading areas in it without one
        (:func:`~unggulan.core.outputs.colours.run_palette`). Kept in the cache.

        Examples
        --------
        >>> from unggulan.core.ranking.run import default_scenario
        >>> ds = Dataset.open()
        >>> pal = ds.palette(default_scenario("suitability=1"))
        >>> all(pal[c] == col for c, col in ds.palette().items())
        True
        """
        base = self.cached(("map-palette",), lambda: dataset_palette(self.palette_order()))
        if scenario is None:
            return base
        try:
            key = ("map-palette-run", scenario.content_hash())
        except AttributeError:
            return base
        return self.cached(key, lambda: run_palette(base, self._first_candidates(scenario)))

    def palette_order(self) -> list[tuple[str, int]]:
        """(commodity, areas it leads over all levels under the default scenario), in
        :meth:`palette` order (:func:`unggulan.core.outputs.colours.dataset_order`)."""

        def build() -> list[tuple[str, int]]:
            sc = default_scenario(None, top=3)  # the main map's default run: cache shared
            return dataset_order(self._first_candidates(sc),
                                 {lv: len(self.areas(lv)) for lv in self.levels})

        return self.cached(("map-palette-order",), build)

    def _first_candidates(self, scenario) -> dict[str, pd.DataFrame]:
        """Each level's first candidates under ``scenario`` (a level without candidates
        left out)."""
        out = {}
        for level in self.levels:
            try:
                out[level] = first_ranked(self.candidates(level, scenario=scenario))
            except Exception:  # noqa: BLE001 - no candidates: the other levels' colours
                continue
        return out

    def readiness(self) -> dict[str, dict]:
        """What each command can do with what was read (``unggulan validate``): per
        command ``ready``, ``complete`` and ``note``
        (:func:`unggulan.core.outputs.readiness.commands`).

        Examples
        --------
        >>> Dataset.open().readiness()["export (areas)"]
        {'ready': True, 'complete': True, 'note': 'areas: 64 desa, 5 kecamatan'}
        """
        return commands(self.statistics(), self.sentra_records, list(self.rasters),
                        {lv: len(self.layers[lv]) for lv in self.levels})

    def layer(self, layer: str, level: str = "desa", area: str | None = None,
              **options) -> gpd.GeoDataFrame:
        """The exportable ``layer`` of :data:`unggulan.core.outputs.layers.LAYERS`
        ('areas', 'sentra', 'suitability', 'candidates', 'statistics', 'analysis',
        'zones') of ``level``, with its run metadata (and for candidates and zones the
        run's colours) in ``attrs``; what :meth:`export`, the CLI and the API write.

        ``area``: only the rows inside this area code (a desa, kecamatan, kabupaten or
        province, with or without dots). Options: ``scenario`` or ``weights`` and ``top``;
        candidates ``long``, ``stability``; suitability ``commodities``, ``management``;
        analysis ``method``, ``measure``, ``period``; zones ``commodity``.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> z = ds.layer("zones", "desa")
        >>> z.attrs["unggulan"]["layer"], "run_hash" in z.columns
        ('zones', True)
        """
        if layer not in ly.LAYERS:
            raise UnggulanError(f"layer must be one of {', '.join(ly.LAYERS)}, not '{layer}'",
                                field="layer")
        sc = effective_scenario(options.get("scenario"), options.get("weights"),
                                top=options.get("top", 3))
        out = self._layer(layer, level, sc, options)
        out.attrs[ly.META_KEY] = self.layer_metadata(layer, level, sc, out)
        if layer in ("candidates", "zones"):
            # the QGIS style an export writes takes the colours of the web map and the brief
            out.attrs[ly.COLOURS_KEY] = self.palette(sc)
        if area is None:
            return out
        self.areas(level)  # a level the dataset lacks: its DatasetError
        return ly.within_area(out, layer, level, area, self.layers)

    def _layer(self, layer: str, level: str, sc, options: dict) -> gpd.GeoDataFrame:
        """The frame of :meth:`layer` (without its ``attrs``)."""
        if layer == "areas":
            a = self.areas(level)
            return ly.areas_layer(a, self.attributes(level) if self.rasters else None)
        if layer == "sentra":
            return self.sentra().reset_index(drop=True)
        if layer == "statistics":
            return ly.statistics_layer(self.statistics(), self.layers)
        if layer == "zones":
            return ly.zones_layer(self.zones(level, options.get("commodity"), scenario=sc),
                                  self.run_info(sc))
        stats = sc.statistics
        if layer == "analysis":
            have = set(self.statistics_frame()["level"])
            measure = options.get("measure") or (stats.measure if stats else None) \
                or "production"
            period = options.get("period") or (stats.period if stats else None)
            lv = level if level in have else None
            return ly.analysis_layer(self.analysis(options.get("method", "dlq"),
                                                   measure=measure, period=period, level=lv),
                                     lv, self.layers)
        if layer == "suitability":
            s = self.suitability(level, commodities=options.get("commodities"),
                                 management=options.get("management") or sc.management)
            return ly.suitability_layer(self.areas(level), s)
        return self.candidates_layer(level, sc, long=options.get("long", False),
                                     stability=options.get("stability", True))

    def candidates_layer(self, level: str = "desa", scenario=None, *, long: bool = False,
                         stability: bool = True, partitions: int | None = None
                         ) -> gpd.GeoDataFrame:
        """The candidates of ``scenario`` (default: the default scenario) as the layer
        'candidates' has them, without ``attrs``: one feature per area (``top1..topN``) or
        with ``long`` one row per area and rank, with ``scenario``, ``run_hash`` and, with
        ``stability`` where the level is small enough, the area's stability columns
        (:func:`unggulan.core.outputs.layers.candidates_layer`). ``partitions``: computed on
        Dask in that many spatial partitions (same result).

        Examples
        --------
        >>> c = Dataset.open().candidates_layer("kecamatan")
        >>> {"top1", "stability", "scenario", "run_hash"} <= set(c.columns)
        True
        """
        sc = scenario if scenario is not None else default_scenario()
        cand = self.candidates(level, wide=not long, scenario=sc, partitions=partitions)
        st = self.area_stability(level, sc) if stability else None
        return ly.candidates_layer(cand, self.run_info(sc), st, long=long)

    def layer_metadata(self, layer: str, level: str, scenario=None, frame=None) -> dict:
        """The run metadata :meth:`layer` puts in ``attrs["unggulan"]`` (``frame``: the
        layer, whose ``stability`` column the metadata describes); see
        :func:`unggulan.core.outputs.layers.layer_metadata`.

        Examples
        --------
        >>> Dataset.open().layer_metadata("areas", "desa")["scenario"]
        'bawaan / default'
        """
        info = self.run_info(scenario)
        n = len(self.areas(level)) if layer in ("candidates", "zones") else None
        return ly.layer_metadata(layer, level, info, n_areas=n,
                                 has_stability=frame is not None and "stability" in frame.columns)

    def display_geometry(self, level: str = "desa") -> np.ndarray:
        """The level's polygons as every display shows them (web map, brief): simplified
        for the zoom that fits the extent, coordinates rounded
        (:func:`unggulan.core.outputs.geometry.simplify`); once per level.

        >>> ds = Dataset.open()
        >>> len(ds.display_geometry("kecamatan")) == len(ds.areas("kecamatan"))
        True
        """
        return self.cached(("map-geometry", level), lambda: simplify(self.areas(level)))

    # ------------------------------------------------------------------ cache
    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value cached under ``key``, made by ``build()`` the first time.

        Safe for the service's request threads: when several ask for a missing key at once,
        one builds it and the others wait for its value (rather than each computing it);
        different keys are built side by side. ``build`` may ask for other keys (never its
        own). Cached values are shared: copy a frame before changing it.

        Examples
        --------
        >>> ds = Dataset.open()
        >>> ds.cached(("example", 1), lambda: 41 + 1)
        42
        >>> ds.cached(("example", 1), lambda: 0)  # built once: the first value stays
        42
        """
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
        return self._fill(key, build, lock)

    def kept_on_disk(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()``, kept in the disk cache (``UNGGULAN_CACHE_DIR/results``) under ``key``
        with the inputs' content hash and the code, as the candidates are: a fresh process
        reads it back instead of building it. Not kept in memory (see :meth:`cached`)."""
        path = _result_path(self, key)
        value = read_pickle(path) if path is not None else None
        if value is None:
            value = build()
            if path is not None:
                write_pickle(path, value)
        return value

    def peek(self, key: Hashable, default=None):
        """The value cached under ``key`` if it is there, else ``default`` (never builds):
        a service asks whether something is prepared before deciding where to compute it.

        >>> ds = Dataset.open()
        >>> ds.peek(("example", 2)) is None
        True
        """
        return self._cache.get(key, default)

    def forget(self, *keys: Hashable) -> None:
        """Let go of the values cached under ``keys`` (those not there are ignored): the
        caller keeps its own bound on what it caches (map tiles, pages by weighting)."""
        with self._guard:
            for key in keys:
                self._cache.pop(key, None)
                self._locks.pop(key, None)

    def _fill(self, key: Hashable, build: Callable[[], T], lock) -> T:
        try:
            return self._cache[key]
        except KeyError:
            pass
        with lock:
            try:
                return self._cache[key]  # built by another thread while this one waited
            except KeyError:
                t0 = time.perf_counter()
                value = build()
                self._cache[key] = value
                if time.perf_counter() - t0 > 0.2:  # a large build: its temporaries go
                    release_freed_memory()  # (see unggulan.base.memory; milliseconds)
                return value

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict:
        """What was read and what was guessed: the content of ``unggulan validate``.

        ``usable`` is False when an error-level problem remains (an input left out whole:
        each error's ``blocks`` says which outputs lack it); ``commands`` says what each
        command runs on; ``severity_meaning`` what each level of problem blocks."""
        boundaries = {lv: info.file for lv, info in self.layer_info.items()}
        sentra_files = [src.file for src in self.sentra_sources]
        s = self.sentra_records
        placed = s["desa_code"].notna()
        reasons = (
            s.loc[~placed, "unplaced_reason"].fillna("").str.split("; ").str[0]
            .str.replace(r"'[^']*'", "'…'", regex=True).value_counts().to_dict()
        )
        matched = s["commodity_match"] != "none"
        return {
            "dataset": self.name,
            "folder": str(self.folder),
            "synthetic": self.synthetic,
            "crs": bnd.STORAGE_CRS,
            "area_crs": bnd.AREA_CRS,
            "levels": {
                lv: {
                    **{k: v for k, v in asdict(self.layer_info[lv]).items()},
                    "areas": int(len(self.layers[lv])),
                    "area_ha": round(float(self.layers[lv]["area_ha"].sum()), 1),
                }
                for lv in self.levels
            },
            "sentra": {
                "files": [asdict(src) for src in self.sentra_sources],
                "records": int(len(s)),
                "placed": int(placed.sum()),
                "unplaced": int((~placed).sum()),
                "placed_by": s.loc[placed, "placed_by"].value_counts().to_dict(),
                "unplaced_reasons": reasons,
                "commodities_matched": int(s.loc[matched, "commodity_id"].nunique()),
                "unknown_commodities": {
                    c: {"name": self.catalogue.get(c).name_id,
                        "sector": self.catalogue.get(c).sector,
                        "closest": self.catalogue.closest(self.catalogue.get(c).name_id)}
                    for c in self.catalogue.unknown},
                "records_matched": int(matched.sum()),
                "unmatched_names": s.loc[~matched & (s["commodity_raw"] != ""), "commodity_raw"]
                .value_counts().to_dict(),
                "match_kinds": s["commodity_match"].value_counts().to_dict(),
            },
            "rasters": {a: r.to_dict() for a, r in self.rasters.items()},
            "statistics": summary_of(self.statistics(), self.statistics_reports),
            "catalogue": {"commodities": len(self.catalogue),
                          "source": str(self.catalogue.source)},
            "problems": [{**p.to_dict(), "blocks": problem_blocks(p, boundaries, sentra_files)}
                         for p in self.problems],
            "severity_meaning": SEVERITY_MEANING,
            "commands": self.readiness(),
            "usable": not self.errors,
        }


def code_fingerprint() -> str:
    """sha256 of the tool's own source and data tables: a result computed by other code is
    never read back from the disk cache."""
    global _CODE_FINGERPRINT
    if _CODE_FINGERPRINT is None:
        h = hashlib.sha256()
        root = Path(__file__).resolve().parents[1]
        files = sorted(root.rglob("*.py")) + sorted(bundled_data_dir().glob("*.csv"))
        for p in files:
            h.update(str(p.relative_to(root.parent)).encode())
            h.update(p.read_bytes())
        _CODE_FINGERPRINT = h.hexdigest()
    return _CODE_FINGERPRINT


_CODE_FINGERPRINT: str | None = None


_NO_ROWS = np.empty(0, dtype=np.intp)


def _rows_by_code(codes: pd.Series) -> dict[str, np.ndarray]:
    """Row positions of each code (rows of one code are contiguous in a ranking)."""
    values = codes.to_numpy()
    if not len(values):
        return {}
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    out: dict[str, np.ndarray] = {}
    for code, a, b in zip(values[starts].tolist(), starts.tolist(), ends.tolist()):
        rows = np.arange(a, b)
        out[code] = np.concatenate([out[code], rows]) if code in out else rows
    return out


class _AreaRecords:
    """The records of a candidates frame per area code, made when an area is first asked
    (a few rows) or for all areas at once (:meth:`fill`); the same records either way."""

    def __init__(self, full: pd.DataFrame):
        self.full = full
        self.rows = _rows_by_code(full["code"])
        self.made: dict[str, list[dict]] = {}

    def ready(self, code: str) -> bool:
        return code in self.made or code not in self.rows

    def get(self, code: str) -> list[dict]:
        got = self.made.get(code)
        if got is None:
            at = self.rows.get(code)
            if at is None:
                return []
            got = self.made[code] = records(self.full.iloc[at])  # one assignment: threads
        return got

    def fill(self) -> None:
        if len(self.made) == len(self.rows):
            return
        rows = records(self.full)
        made = {code: [rows[i] for i in at] for code, at in self.rows.items()}
        made.update(self.made)  # those given out already stay the same objects
        self.made = made


def _write_result(path: Path, out: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    """Keep a result on disk; without its polygons when they are the areas' (each area's
    repeated on every rank: nationally 3/4 of the file, and 4 of the 4.5 s reading it
    back), which :func:`_read_result` takes from the layer again."""
    geom = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    if geom is not None and "code" in out and out.crs == areas.crs:
        mine = out[geom].array
        theirs = out["code"].map(areas.geometry).array
        if len(mine) == len(theirs) and all(a is b or (a is not None and b is not None and
                                                       a.equals_exact(b, 0))
                                            for a, b in zip(mine, theirs)):
            write_pickle(path, {"without_geometry": pd.DataFrame(out.drop(columns=geom)),
                                "geometry": geom, "columns": list(out.columns)})
            return
    write_pickle(path, out)


def _read_result(path: Path, areas: gpd.GeoDataFrame):
    """A result kept by :func:`_write_result` (None when there is none), its polygons taken
    from the areas as :func:`unggulan.core.ranking.candidates.propose` takes them."""
    out = read_pickle(path)
    if isinstance(out, dict) and "without_geometry" in out:
        frame, name, columns = out["without_geometry"], out["geometry"], out["columns"]
        out = gpd.GeoDataFrame(frame, geometry=frame["code"].map(areas.geometry).values,
                               crs=areas.crs)
        if name != out.geometry.name:
            out = out.rename_geometry(name)
        if list(out.columns) != columns:
            out = out[columns]
    return out


def _result_path(ds: Dataset, key: tuple) -> Path | None:
    """Where a result of ``key`` is kept on disk (``UNGGULAN_CACHE_DIR``/results): keyed by
    the inputs' content hash, the code and the arguments, so a restart or another worker
    process reads it instead of computing it again. None when the disk cache is off."""
    folder = ds.settings.cache_path()
    if folder is None:
        return None
    digest = hashlib.sha256(repr((ds.inputs_hash(), code_fingerprint(), key)).encode())
    return folder / "results" / f"{key[0]}-{digest.hexdigest()[:32]}.pickle"
