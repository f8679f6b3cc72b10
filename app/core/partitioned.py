"""The per-area pipeline on Dask: attributes, suitability, evidence and candidates of many
areas computed partition by partition, on one machine or a cluster, with exactly the results
of the single-process :class:`~unggulan.core.dataset.Dataset` methods (same rows, order, values and
dtypes; ``tests/core/test_partitioned.py`` compares them with ``assert_frame_equal``).

How the work is split
---------------------
The areas are cut into ``npartitions`` spatially compact partitions with dask-geopandas
(``from_geopandas``, then ``spatial_shuffle(by="hilbert")``), so that each partition reads a
small window of the rasters. Then, as one Dask graph:

1. **Per partition**: zonal statistics of the partition's areas, by an
   :class:`~unggulan.core.land.attributes.AttributeEngine` of its own (``workers=1``) that opens the
   dataset's raster files by path on the worker; the per-cell land classes of the requirement bases
   and their shares per area (the costly part of the suitability,
   :func:`~unggulan.core.land.suitability.shares_by_basis`); the sentra counts per (area, commodity)
   (:func:`~unggulan.core.activity.specialisation.counts`) and their partial sums per reference
   region and commodity (:func:`~unggulan.core.activity.specialisation.reference_totals`).
2. **Reduction**: the partial sums are added up across partitions into the reference-region
   totals the LQ needs (:func:`~unggulan.core.activity.specialisation.combine_totals`): a kabupaten
   split over several partitions is summed from all of them, nothing assumes that it lies in one.
3. **Combined (one task)**: the partitions' attribute tables are put back in the areas' order
   and the limiting-factor rules (:func:`~unggulan.core.land.suitability.assess_areas`) run on the
   whole table: its categorical columns list their labels in the order they first appear over all
   areas, and a product with several raw materials is classified per cell by the basis it has in the
   first area (the client works that basis out from the first area alone before step 1, so the
   partitions classify exactly the bases the single-process path does). The step is vectorised (a
   second or two for the 84,000 national desa).
4. **Per partition**: the suitability's evidence text (``explain``); the LQ and OVOP
   components of the partition's sentra with the all-area totals
   (:func:`~unggulan.core.activity.specialisation.specialisation` with ``totals=``); the pairs that
   may be proposed (own activity, or land S1-S3:
   :func:`~unggulan.core.ranking.candidates.eligible_pairs`, the first, row-filtering step of
   :func:`unggulan.core.ranking.candidates.evidence`).
5. **Combined (one task)**: the evidence columns are aligned to those pairs and the
   neighbourhood score and Gi* hot spots computed, on the combined pairs
   (:func:`~unggulan.core.ranking.candidates.assemble`): the hot spots need neighbours across
   partition edges (the contiguity of all areas), and the aligned text columns take their labels in
   the order of all areas' rows. All of it is vectorised over the pairs and fast (the contiguity,
   neighbourhood score and Gi* of every commodity take 2.4 s for the national desa, see
   :mod:`unggulan.core.activity.clusters`).
6. **Per partition**: scores, ranks and reasons (:func:`unggulan.core.ranking.candidates.propose` on
the
   partition's evidence). Scores need no global normalisation: the weighted sum is absolute
   and TOPSIS / VIKOR compare the candidates of one area. The partitions' candidates are put
   together in the order of the area codes, as the single-process path gives them.

The statistics' evidence (SLQ, DLQ from BPS and dinas tables, by kecamatan) and the
contiguity are computed on the client (tables, not rasters; a few seconds nationally).
Steps 4 and 5 call the functions :func:`unggulan.core.ranking.candidates.evidence` is made of
(``eligible_pairs``, then ``assemble``), cut where the partitions meet;
``tests/core/test_partitioned.py`` checks that the results are the same.

Sums are identical, not only close: each area lies in one partition, so its own sums see its
rows in the same order; a region's total is the sum of the partitions' partial sums, exact
when the counts are whole numbers (workers and units are head counts); when some are not,
the reduction adds the values in the single-process order instead
(:func:`~unggulan.core.activity.specialisation.combine_totals`).

Scheduler
---------
``scheduler=None`` uses ``UNGGULAN_DASK_SCHEDULER``: a scheduler address
(``tcp://10.0.0.5:8786``) connects a :class:`distributed.Client` to it; unset, a
:class:`distributed.LocalCluster` of worker processes starts for the call and stops after
it. ``"synchronous"`` and ``"threads"`` (argument or variable) run without ``distributed``,
for tests and debugging; a :class:`distributed.Client` may be passed as it is. Workers open
the raster files themselves: every worker needs the dataset folder at the same absolute
path (or a shared mount) and unggulan installed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import dask
import geopandas as gpd
import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError
from unggulan.core.activity.specialisation import (
    Totals,
    combine_totals,
    counts,
    reference_totals,
    region_of,
    specialisation,
)
from unggulan.core.land.attributes import AttributeEngine, build_layers
from unggulan.core.land.suitability import (
    CLASSES,
    assess_areas,
    check_management,
    explain,
    shares_by_basis,
    status_of,
)
from unggulan.core.ranking.candidates import (
    assemble,
    compact,
    eligible_pairs,
    level_statistics,
    local_production,
    propose,
    to_wide,
)
from unggulan.core.ranking.run import run_scenario
from unggulan.core.scenario import Scenario

SCHEDULER_ENV = "UNGGULAN_DASK_SCHEDULER"
LOCAL_SCHEDULERS = {"synchronous": "synchronous", "sync": "synchronous",
                    "single-threaded": "synchronous", "threads": "threads",
                    "threading": "threads"}
#: the area columns a partition carries (besides its geometry and ``_pos``)
AREA_COLUMNS = ("code", "name", "kabupaten_code", "province_code")
_STAT_KINDS = ("mean", "min", "max", "covered")
# dask would turn text columns into pyarrow strings: keep the frames' own dtypes
_DASK_CONFIG = {"dataframe.convert-string": False}


# ---------------------------------------------------------------------------- scheduler
@contextmanager
def dask_scheduler(scheduler=None, n_workers: int | None = None) -> Iterator[object]:
    """The scheduler to compute with, as ``dask.compute(..., scheduler=...)`` takes it.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        None: the environment variable ``UNGGULAN_DASK_SCHEDULER``, else a local cluster.
        ``"synchronous"`` or ``"threads"``: dask's own schedulers (no ``distributed``).
        ``"local"``: a :class:`distributed.LocalCluster` of worker processes, started here
        and closed on leaving. Any other string: the address of a running ``dask scheduler``
        (``tcp://host:8786``). A ``Client``: used as it is (and left open).
    n_workers : int, optional
        Worker processes of a local cluster (default: the machine's cores).

    Examples
    --------
    >>> with dask_scheduler("synchronous") as s:
    ...     dask.compute(dask.delayed(sum)([1, 2]), scheduler=s)
    (3,)
    """
    spec = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV) or "local")
    if not isinstance(spec, str):
        yield spec  # a Client (or a get function) of the caller's
        return
    key = spec.strip().lower()
    if key in LOCAL_SCHEDULERS:
        yield LOCAL_SCHEDULERS[key]
        return
    from distributed import Client, LocalCluster

    if key == "local":
        n = n_workers or max(1, os.cpu_count() or 1)
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, \
                Client(cluster, set_as_default=False) as client:
            yield client
        return
    with Client(spec.strip(), set_as_default=False) as client:
        yield client


def _workers(n_workers: int | None, npartitions: int) -> int:
    """Worker processes for a local cluster: as asked, else one per partition up to the
    machine's cores."""
    return n_workers or max(1, min(int(npartitions), os.cpu_count() or 1))


def _compute(scheduler, *objs):
    with dask.config.set(_DASK_CONFIG):
        return dask.compute(*objs, scheduler=scheduler)


# ---------------------------------------------------------------------------- partitions
def partition_areas(areas: gpd.GeoDataFrame, npartitions: int = 4, scheduler=None):
    """The areas as a dask-geopandas frame in ``npartitions`` spatially compact partitions.

    Rows are sorted by the Hilbert distance of their centres
    (``spatial_shuffle(by="hilbert")``). Columns: those of :data:`AREA_COLUMNS` that
    ``areas`` has, ``_pos`` (the row's position in ``areas``) and the geometry. The
    partition boundaries are computed (a quick pass over the centres) with ``scheduler``.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> parts = partition_areas(Dataset.open().areas("desa"), 2, scheduler="synchronous")
    >>> parts.npartitions, sorted(parts.compute(scheduler="synchronous")["_pos"])[:3]
    (2, [0, 1, 2])
    """
    import dask_geopandas

    cols = {c: areas[c].to_numpy() for c in AREA_COLUMNS if c in areas.columns}
    cols["_pos"] = np.arange(len(areas), dtype=np.int64)
    frame = gpd.GeoDataFrame(cols, geometry=np.asarray(areas.geometry.values),
                             crs=areas.crs)
    k = max(1, min(int(npartitions), len(frame)))
    with dask.config.set({**_DASK_CONFIG, "scheduler": scheduler or "synchronous"}):
        dgdf = dask_geopandas.from_geopandas(frame, npartitions=k)
        return dgdf.spatial_shuffle(by="hilbert", npartitions=k)


def _absolute(rasters: dict) -> dict:
    """Raster infos with absolute paths: workers may run in another folder."""
    return {a: replace(r, path=str(Path(r.path).resolve())) for a, r in rasters.items()}


def _bases(ds, level: str, commodities: Sequence[str], management: str,
           rasters: dict) -> list[str]:
    """The requirement bases whose per-cell classes the suitability needs: as
    ``Dataset.suitability``, the basis each commodity has in the level's first area (a
    product with several raw materials takes the best one there). The first area's
    attributes are computed here for that (one polygon); the partitions then classify
    exactly these bases, as the single-process path does (its pixel table groups cells by
    the limits of the bases it is given)."""
    out: set[str] = set()
    several = False
    for cid in commodities:
        status, basis = status_of(cid, ds.catalogue, ds.requirements)
        if status in ("assessed", "inherited"):
            out.add(basis)
            several |= "|" in basis
    if several:
        areas = ds.areas(level).iloc[:1]
        first = gpd.GeoDataFrame(geometry=np.asarray(areas.geometry.values), crs=areas.crs)
        attrs = AttributeEngine(rasters, workers=1).attributes("first area", first)
        attrs.index = areas.index
        res = assess_areas(attrs, list(commodities), ds.catalogue, ds.requirements,
                           management)
        out = {b for b in res["basis"].to_numpy() if isinstance(b, str)}
    return sorted(out)


# ---------------------------------------------------------------------------- land
def _land_task(part: gpd.GeoDataFrame, rasters: dict, bases: list[str], requirements,
               cache_dir: Path | None = None) -> dict:
    """Zonal statistics and per-basis class shares of one partition (runs on a worker;
    ``cache_dir``: the client's disk cache of coverage, ``Dataset.settings``)."""
    pos = part["_pos"].to_numpy(np.int64)
    if not len(pos):
        return {"pos": pos, "attrs": pd.DataFrame(), "shares": {}}
    areas = gpd.GeoDataFrame(geometry=np.asarray(part.geometry.values), crs=part.crs)
    engine = AttributeEngine(rasters, workers=1, cache_dir=cache_dir)
    key = f"partition:{int(pos.min())}:{len(pos)}"
    attrs = engine.attributes(key, areas)
    shares: dict[str, np.ndarray] = {}
    if rasters and bases:
        cov, cells = engine.cell_values(key, areas)
        engine.drop_values()
        shares = shares_by_basis(cov, cells, bases, requirements)
    return {"pos": pos, "attrs": attrs.reset_index(drop=True), "shares": shares}


def _layer_meta(rasters: dict) -> list[tuple[str, bool, bool, np.dtype | None]]:
    """(attribute, estimated, categorical, class-label dtype) of each layer, in the
    engine's order."""
    return [(a, lay.estimated, lay.categorical,
             np.dtype(rasters[a].dtype) if a in rasters else None)
            for a, lay in build_layers(rasters).items()]


def _combine_attributes(results: list[dict], meta: list, n: int) -> tuple[pd.DataFrame,
                                                                          np.ndarray]:
    """The partitions' attribute tables as one, in the areas' order (RangeIndex), and the
    position of each area in the concatenation."""
    frames = [r["attrs"] for r in results]
    union: set[str] = set().union(*(f.columns for f in frames)) if frames else set()
    columns: list[str] = []
    for attr, estimated, categorical, _ in meta:
        columns += [f"{attr}_{k}" for k in _STAT_KINDS]
        if estimated:
            columns.append(f"{attr}_estimated")
        if categorical:
            columns.append(f"{attr}_majority")
            pre = f"{attr}_share_"
            columns += sorted((c for c in union if c.startswith(pre)),
                              key=lambda c, p=pre: float(c[len(p):]))
    if set(columns) != union:
        raise UnggulanError("partition attribute columns do not match the raster layers: "
                            f"{sorted(union ^ set(columns))}")
    fixed = []
    for f in frames:
        f = f.copy()
        for attr, _, categorical, _ in meta:
            if not categorical:
                continue
            # a class absent from a partition: share 0 where the area has classes, else NaN
            has = f[f"{attr}_majority"].notna().to_numpy()
            for c in columns:
                if c.startswith(f"{attr}_share_") and c not in f.columns:
                    f[c] = np.where(has, 0.0, np.nan)
        fixed.append(f[columns])
    pos = np.concatenate([r["pos"] for r in results]) if results else np.empty(0, np.int64)
    order = np.empty(n, dtype=np.int64)
    order[pos] = np.arange(len(pos))
    out = pd.concat(fixed, ignore_index=True).iloc[order].reset_index(drop=True) \
        if fixed else pd.DataFrame(index=range(n))
    for attr, _, categorical, label in meta:
        if not categorical:
            continue
        col = f"{attr}_majority"
        # as idxmax over the class columns gives it (then NaN where an area has no class)
        has_classes = any(c.startswith(f"{attr}_share_") for c in columns)
        if has_classes and label is not None and (
                np.issubdtype(label, np.floating) or out[col].notna().all()):
            out[col] = out[col].astype(label)
        else:
            out[col] = out[col].astype(np.float64)
    return out, order


def _combine_land(results: list[dict], meta: list, n: int, index: pd.Index, cids: list[str],
                  catalogue, requirements, management: str, with_suitability: bool,
                  has_rasters: bool) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Attributes (indexed like the areas) and, when asked, the suitability: the combined
    step of ``Dataset.attributes`` and ``Dataset.suitability`` (without evidence text)."""
    attrs, order = _combine_attributes([r for r in results if len(r["pos"])], meta, n)
    attrs.index = index
    if not with_suitability:
        return attrs, None
    out = assess_areas(attrs, cids, catalogue, requirements, management)
    shares = np.full((len(out), 4), np.nan, dtype=np.float32)
    if has_rasters and n:
        bases = list(out["basis"].to_numpy()[::n])
        by_basis: dict[str, np.ndarray] = {}
        for basis in sorted({b for b in bases if isinstance(b, str)}):
            parts = [r["shares"].get(basis) for r in results if len(r["pos"])]
            if any(p is None for p in parts):  # cannot be: _bases follows the same rule
                raise UnggulanError(f"land classes of '{basis}' were not computed")
            by_basis[basis] = np.concatenate(parts)[order]
        for j, basis in enumerate(bases):
            if isinstance(basis, str):
                shares[j * n:(j + 1) * n] = by_basis[basis]
    for k, c in enumerate(CLASSES):
        out[f"share_{c.lower()}"] = shares[:, k]
    return attrs, out


def _rows_of(pos: np.ndarray, n: int, m: int) -> np.ndarray:
    """Rows of a long (commodity-major, ``m`` blocks of ``n`` areas) frame for the areas at
    ``pos``, in the frame's order."""
    p = np.sort(pos)
    return (np.arange(m, dtype=np.int64)[:, None] * n + p[None, :]).ravel()


def _positions_of(part: gpd.GeoDataFrame) -> np.ndarray:
    return part["_pos"].to_numpy(np.int64)


def _suit_rows(suit: pd.DataFrame, pos: np.ndarray, n: int) -> pd.DataFrame:
    """A partition's rows of the combined suitability (its row numbers kept as index)."""
    m = len(suit) // n if n else 0
    return suit.iloc[_rows_of(pos, n, m)]


def _attr_rows(attrs: pd.DataFrame, pos: np.ndarray) -> pd.DataFrame:
    """A partition's rows of the combined attributes, in the areas' order."""
    return attrs.iloc[np.sort(pos)]


def _explain_task(rows: pd.DataFrame, values: pd.DataFrame, requirements
                  ) -> tuple[pd.Series, pd.Series]:
    return (explain(rows, values, requirements, "id"), explain(rows, values, requirements, "en"))


def _land_graph(ds, level: str, npartitions: int, scheduler, cids: list[str] | None,
                management: str):
    """Delayed (attributes, suitability or None), the partitions and their positions."""
    areas = ds.areas(level)
    rasters = _absolute(ds.rasters)
    bases = _bases(ds, level, cids, management, rasters) if cids is not None and rasters \
        else []
    parts = partition_areas(areas, npartitions, scheduler).to_delayed()
    req = dask.delayed(ds.requirements, pure=True)
    cache = ds.settings.cache_path()
    land = [dask.delayed(_land_task, pure=True)(p, rasters, bases, req, cache)
            for p in parts]
    combined = dask.delayed(_combine_land, nout=2, pure=True)(
        land, _layer_meta(rasters), len(areas), areas.index, cids or [], ds.catalogue, req,
        management, cids is not None, bool(rasters))
    pos = [dask.delayed(_positions_of, pure=True)(p) for p in parts]
    return combined, parts, pos


# ---------------------------------------------------------------------------- public: land
def attributes_partitioned(ds, level: str = "desa", npartitions: int = 4, scheduler=None,
                           n_workers: int | None = None) -> pd.DataFrame:
    """``ds.attributes(level)`` computed in ``npartitions`` spatial partitions on Dask.

    Each partition's zonal statistics come from an engine of its own on the same raster
    files; the tables are put back in the areas' order, with the classes a partition lacks
    added (share 0). Identical to ``ds.attributes(level)``.

    Parameters
    ----------
    ds : Dataset
    level : {"desa", "kecamatan"}
    npartitions : int
        Spatial partitions (at most one per area).
    scheduler : str, distributed.Client or None
        See :func:`dask_scheduler` (None: ``UNGGULAN_DASK_SCHEDULER`` or a local cluster).
    n_workers : int, optional
        Worker processes of a local cluster (default: one per partition, at most the
        machine's cores).

    Returns
    -------
    DataFrame
        Indexed by area code: ``{attr}_mean/_min/_max/_covered`` ... as
        :meth:`Dataset.attributes`.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> a = attributes_partitioned(ds, "desa", npartitions=3, scheduler="synchronous")
    >>> a.equals(ds.attributes("desa"))
    True
    """
    if not len(ds.areas(level)):
        return ds.attributes(level)
    with dask_scheduler(scheduler, _workers(n_workers, npartitions)) as sched:
        combined, _, _ = _land_graph(ds, level, npartitions, sched, None, "rendah")
        return _compute(sched, combined[0])[0]


def suitability_partitioned(ds, level: str = "desa", commodities: list[str] | None = None,
                            management: str = "rendah", explain: bool = True,
                            npartitions: int = 4, scheduler=None,
                            n_workers: int | None = None) -> pd.DataFrame:
    """``ds.suitability(level, commodities, management, explain=explain)`` on Dask.

    Per partition: attributes, and the per-cell classes of every requirement basis with
    their shares per area; combined: the limiting-factor rules (see the module docstring);
    per partition again: the evidence text. Identical to the single-process frame.

    Parameters
    ----------
    ds, level, npartitions, scheduler, n_workers :
        As :func:`attributes_partitioned`.
    commodities, management, explain :
        As :meth:`Dataset.suitability`.

    Returns
    -------
    DataFrame
        Long, one row per (area, commodity): ``code, commodity, status, basis,
        suitability_class, suitability_index, limiting_factors, potential_class,
        interventions, factors_used, share_s1 .. share_n`` (and ``evidence_id``,
        ``evidence_en``).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> s = suitability_partitioned(ds, "kecamatan", ["kopi_arabika"], npartitions=2,
    ...                             scheduler="synchronous")
    >>> s.equals(ds.suitability("kecamatan", ["kopi_arabika"]))
    True
    """
    cids = list(commodities or ds.catalogue.items)
    for c in cids:
        ds.catalogue.get(c)  # raises UnknownCommodity
    check_management(management)
    areas = ds.areas(level)
    if not len(areas):
        return ds.suitability(level, cids, management, explain=explain)
    n = len(areas)
    with dask_scheduler(scheduler, _workers(n_workers, npartitions)) as sched:
        combined, parts, pos = _land_graph(ds, level, npartitions, sched, cids, management)
        attrs, suit = combined[0], combined[1]
        if not explain:
            return _compute(sched, suit)[0]
        req = dask.delayed(ds.requirements, pure=True)
        texts = [dask.delayed(_explain_task, nout=2, pure=True)(
            dask.delayed(_suit_rows, pure=True)(suit, q, n),
            dask.delayed(_attr_rows, pure=True)(attrs, q), req) for q in pos]
        out, texts = _compute(sched, suit, texts)
    return _with_texts(out, texts)


# ---------------------------------------------------------------------------- evidence
def _counts_task(part: gpd.GeoDataFrame | None, sentra: pd.DataFrame, area_col: str,
                 reference: str, known: pd.Index | None = None
                 ) -> tuple[pd.DataFrame, Totals, pd.DataFrame]:
    """A partition's sentra counts, their partial totals and its areas (indexed by code, no
    geometry). With ``part`` None: the sentra placed in areas outside ``known`` (counted in
    the totals, as the single-process path counts them, with no region)."""
    if part is None:
        mine = sentra[~sentra[area_col].isin(known)]
        areas = pd.DataFrame({c: pd.Series(dtype=object) for c in AREA_COLUMNS})
    else:
        mine = sentra[sentra[area_col].isin(part["code"])]
        areas = part[[c for c in AREA_COLUMNS if c in part.columns]].set_index("code",
                                                                              drop=False)
    cnt = counts(mine, area_col)
    return cnt, reference_totals(cnt, region_of(areas, reference)), areas


def _spec_task(counted: tuple, totals: Totals, reference: str, year: int) -> pd.DataFrame:
    cnt, _, areas = counted
    return specialisation(cnt, areas, reference, year, totals=totals)


def _eligible_task(suit: pd.DataFrame, spec: pd.DataFrame, stats: pd.DataFrame, catalogue
                   ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A partition's pairs that may be proposed
    (:func:`unggulan.core.ranking.candidates.eligible_pairs`):
    their suitability rows, (area, commodity) keys and row numbers in the combined
    suitability."""
    rows, keys = eligible_pairs(suit, spec, stats, catalogue)
    return rows, keys, rows.index.to_numpy()


def _assemble_task(eligible: list[tuple], counted: list[tuple], specs: list[pd.DataFrame],
                   stats: pd.DataFrame, w, codes: pd.Index, level: str, local=None
                   ) -> list[pd.DataFrame]:
    """The evidence of all partitions' pairs
    (:func:`unggulan.core.ranking.candidates.assemble`, with the
    all-area sentra LQ and statistics), including the neighbourhood score and Gi*, which
    need neighbours across partition edges; then split by partition again for the scoring.
    Vectorised over the pairs: fast."""
    sizes = [len(e) for e, _, _ in eligible]
    ids = np.concatenate([r for _, _, r in eligible])
    order = np.argsort(ids, kind="stable")
    ev = pd.concat([e for e, _, _ in eligible]).iloc[order].reset_index(drop=True)
    keys = np.concatenate([k for _, k, _ in eligible])[order]
    # the sentra LQ of every area (and of sentra outside the areas) in counts() order
    ev = assemble(ev, keys, _by_code(specs), stats, _by_code([c for c, _, _ in counted]),
                  codes, level, w, local)
    back = np.empty(len(ids), dtype=np.int64)  # concatenation row -> row of ev
    back[order] = np.arange(len(ids))
    out, start = [], 0
    for s in sizes:
        out.append(ev.iloc[np.sort(back[start:start + s])])
        start += s
    return out


def _by_code(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-partition rows of counts() or its LQ as one frame in counts()' order (by area
    code, then commodity)."""
    full = [f for f in frames if len(f)] or frames[:1]
    out = pd.concat(full, ignore_index=True)
    order = np.lexsort((pd.factorize(out["commodity"], sort=True)[0],
                        pd.factorize(out["code"], sort=True)[0]))
    return out.iloc[order].reset_index(drop=True)


def _evidence_graph(ds, level: str, npartitions: int, sched, sc: Scenario):
    """Delayed per-partition evidence (after the neighbourhood step), attributes,
    partitions and their positions, for the scenario's reference, management and
    statistics."""
    reference, management = sc.reference, sc.management
    areas = ds.areas(level)
    n = len(areas)
    combined, parts, pos = _land_graph(ds, level, npartitions, sched,
                                       list(ds.catalogue.items), management)
    attrs, suit = combined[0], combined[1]
    area_col = "desa_code" if level == "desa" else "kecamatan_code"
    s = ds.sentra(placed_only=True)
    sentra = dask.delayed(s[[area_col, "commodity_id", "workers", "units", "year", "market"]],
                          pure=True)
    stats = dask.delayed(level_statistics(ds.statistics_frame(), ds.layers, level, sc),
                         pure=True)
    w = ds.contiguity(level)
    year = dt.date.today().year
    counted = [dask.delayed(_counts_task, pure=True)(p, sentra, area_col, reference)
               for p in parts]
    counted.append(dask.delayed(_counts_task, pure=True)(None, sentra, area_col, reference,
                                                         areas.index))  # outside the areas
    totals = dask.delayed(combine_totals, pure=True)([c[1] for c in counted])
    specs = [dask.delayed(_spec_task, pure=True)(c, totals, reference, year) for c in counted]
    cat = dask.delayed(ds.catalogue, pure=True)
    eligible = [dask.delayed(_eligible_task, pure=True)(
        dask.delayed(_suit_rows, pure=True)(suit, q, n), spec, stats, cat)
        for spec, q in zip(specs[:len(pos)], pos)]
    evs = dask.delayed(_assemble_task, nout=len(eligible), pure=True)(
        eligible, counted, specs, stats, dask.delayed(w, pure=True), areas.index, level,
        dask.delayed(local_production(ds.layers, level, ds.sentra(), ds.statistics_frame()),
                     pure=True))
    return [evs[i] for i in range(len(eligible))], attrs, parts, pos, suit


def _combined_evidence(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The partitions' evidence in the single-process order, compacted as it compacts."""
    return compact(pd.concat(parts).sort_index(kind="stable").reset_index(drop=True))


def evidence_partitioned(ds, level: str = "desa", reference: str = "kabupaten",
                         management: str = "rendah", period=None, measure: str | None = None,
                         npartitions: int = 4, scheduler=None,
                         n_workers: int | None = None) -> pd.DataFrame:
    """:func:`unggulan.core.ranking.candidates.evidence` on Dask: every (area, commodity) pair
    that may
    be proposed, with its evidence components; identical to the single-process frame.

    Parameters
    ----------
    ds, level, npartitions, scheduler, n_workers :
        As :func:`attributes_partitioned`.
    reference, management, period, measure :
        As :func:`unggulan.core.ranking.candidates.evidence` (``period`` may also be
        ``"2018-2022"``).

    Returns
    -------
    DataFrame
        The suitability columns, the sentra counts and LQ, the statistics' evidence, the
        score components and ``cluster_score, gi_z, gi_p, cluster``.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> ev = evidence_partitioned(ds, "desa", npartitions=2, scheduler="synchronous")
    >>> ev.equals(ds.evidence("desa"))
    True
    """
    sc = run_scenario(reference=reference, management=management, period=period,
                      measure=measure)
    with dask_scheduler(scheduler, _workers(n_workers, npartitions)) as sched:
        evs = _evidence_graph(ds, level, npartitions, sched, sc)[0]
        parts = _compute(sched, evs)[0]
    return _combined_evidence(list(parts))


# ---------------------------------------------------------------------------- candidates
def _propose_task(ev: pd.DataFrame, part: gpd.GeoDataFrame, attrs: pd.DataFrame, catalogue,
                  requirements, level: str, sc: Scenario) -> gpd.GeoDataFrame:
    """:func:`unggulan.core.ranking.candidates.propose` on one partition's frames."""
    return propose(ev, part.set_index("code", drop=False), attrs, requirements, catalogue, sc,
                   level=level)


def _candidates_graph(ds, level: str, npartitions: int, sched, sc: Scenario):
    """Delayed candidates per partition, evidence per partition, attributes, suitability,
    and the partitions' positions."""
    evs, attrs, parts, pos, suit = _evidence_graph(ds, level, npartitions, sched, sc)
    cat = dask.delayed(ds.catalogue, pure=True)
    req = dask.delayed(ds.requirements, pure=True)
    cands = [dask.delayed(_propose_task, pure=True)(
        ev, p, dask.delayed(_attr_rows, pure=True)(attrs, q), cat, req, level, sc)
        for ev, p, q in zip(evs, parts, pos)]
    return cands, evs, attrs, suit, pos


def candidates_partitioned(ds, level: str = "desa", npartitions: int = 4, scheduler=None,
                           n_workers: int | None = None, *, top: int = 3, weights=None,
                           wide: bool = False, reference: str = "kabupaten",
                           management: str = "rendah", period=None,
                           measure: str | None = None, method: str = "weighted_sum",
                           scenario=None) -> gpd.GeoDataFrame:
    """``ds.candidates(level, ...)`` computed in ``npartitions`` spatial partitions on Dask.

    The keyword arguments are those of :meth:`Dataset.candidates`, with the same meaning and
    the same result (rows, order, values and dtypes); the module docstring says what runs per
    partition and what on the combined frame. Nothing is cached in ``ds`` but the areas'
    contiguity (shared with the single-process path).

    Parameters
    ----------
    ds : Dataset
    level : {"desa", "kecamatan"}
    npartitions : int
        Spatial partitions (dask-geopandas, Hilbert order).
    scheduler : str, distributed.Client or None
        See :func:`dask_scheduler` (None: ``UNGGULAN_DASK_SCHEDULER`` or a local cluster).
    n_workers : int, optional
        Worker processes of a local cluster (default: one per partition, at most the
        machine's cores).
    top, weights, wide, reference, management, period, measure, method, scenario :
        As :meth:`Dataset.candidates`.

    Returns
    -------
    GeoDataFrame
        As :meth:`Dataset.candidates`: long (``code, name, level, rank, commodity, score,
        ... reason_id, reason_en``, see
        :data:`unggulan.core.ranking.candidates.LONG_COLUMNS`) or, with
        ``wide=True``, one feature per area.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> c = candidates_partitioned(ds, "desa", npartitions=3, scheduler="synchronous")
    >>> c.equals(ds.candidates("desa"))
    True
    """
    sc = run_scenario(scenario, weights, top=top, reference=reference, management=management,
                      period=period, measure=measure, method=method, catalogue=ds.catalogue)
    areas = ds.areas(level)
    if not len(areas):
        return ds.candidates(level, wide=wide, scenario=sc)
    with dask_scheduler(scheduler, _workers(n_workers, npartitions)) as sched:
        cands = _candidates_graph(ds, level, npartitions, sched, sc)[0]
        long = _combined_candidates(list(_compute(sched, cands)[0]), areas)
    return to_wide(long, areas, sc.top) if wide else long


@dataclass
class Pipeline:
    """Everything :func:`pipeline_partitioned` computes, as the single-process methods give
    it: ``attributes`` (``ds.attributes``), ``suitability`` (``ds.suitability`` of every
    commodity), ``evidence`` (:func:`unggulan.core.ranking.candidates.evidence`) and ``candidates``
    (``ds.candidates``)."""

    attributes: pd.DataFrame
    suitability: pd.DataFrame
    evidence: pd.DataFrame
    candidates: gpd.GeoDataFrame


def pipeline_partitioned(ds, level: str = "desa", npartitions: int = 4, scheduler=None,
                         n_workers: int | None = None, *, explain: bool = False,
                         top: int = 3, weights=None, wide: bool = False,
                         reference: str = "kabupaten", management: str = "rendah",
                         period=None, measure: str | None = None,
                         method: str = "weighted_sum", scenario=None) -> Pipeline:
    """The whole per-area pipeline in one Dask graph: attributes, suitability of every
    commodity, evidence and candidates, each computed once (the separate functions each
    compute the land again).

    Parameters
    ----------
    ds, level, npartitions, scheduler, n_workers :
        As :func:`candidates_partitioned`.
    explain : bool
        Add the suitability's ``evidence_id`` / ``evidence_en`` text (slow for national
        runs: one text per area and commodity).
    top, weights, wide, reference, management, period, measure, method, scenario :
        As :meth:`Dataset.candidates` (``management`` is the suitability's too).

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> from unggulan import Dataset
    >>> ds = Dataset.open()
    >>> run = pipeline_partitioned(ds, "kecamatan", 2, scheduler="synchronous", top=1)
    >>> run.candidates.equals(ds.candidates("kecamatan", top=1))
    True
    >>> run.suitability.equals(ds.suitability("kecamatan", explain=False))
    True
    """
    sc = run_scenario(scenario, weights, top=top, reference=reference, management=management,
                      period=period, measure=measure, method=method, catalogue=ds.catalogue)
    areas = ds.areas(level)
    if not len(areas):
        return Pipeline(ds.attributes(level),
                        ds.suitability(level, management=sc.management, explain=explain),
                        ds.evidence(level, sc), ds.candidates(level, wide=wide, scenario=sc))
    n = len(areas)
    with dask_scheduler(scheduler, _workers(n_workers, npartitions)) as sched:
        cands, evs, attrs, suit, pos = _candidates_graph(ds, level, npartitions, sched, sc)
        texts = []
        if explain:
            req = dask.delayed(ds.requirements, pure=True)
            texts = [dask.delayed(_explain_task, nout=2, pure=True)(
                dask.delayed(_suit_rows, pure=True)(suit, q, n),
                dask.delayed(_attr_rows, pure=True)(attrs, q), req) for q in pos]
        a, sv, ev, cd, texts = _compute(sched, attrs, suit, evs, cands, texts)
    if explain:
        sv = _with_texts(sv, texts)
    long = _combined_candidates(list(cd), areas)
    return Pipeline(a, sv, _combined_evidence(list(ev)),
                    to_wide(long, areas, sc.top) if wide else long)


def _with_texts(suit: pd.DataFrame, texts) -> pd.DataFrame:
    """The suitability with its evidence text (the partitions' parts, by row)."""
    out = suit.copy()
    for k, lang in enumerate(("id", "en")):
        out[f"evidence_{lang}"] = pd.concat([t[k] for t in texts])
    return out


def _combined_candidates(parts: list[gpd.GeoDataFrame], areas: gpd.GeoDataFrame
                         ) -> gpd.GeoDataFrame:
    """The partitions' candidates in the single-process order: by area code, then rank.

    A column built from a Python list (``period``: text, or None without statistics) has
    the dtype pandas infers from its values: text where any value is text, object where all
    are None. A partition without text there gets object; the combined column is inferred
    again from all values, as the single-process frame is."""
    full = [p for p in parts if len(p)] or parts[:1]
    cand = pd.concat(full, ignore_index=True)
    for col in cand.columns:
        if cand[col].dtype == object and len({str(p[col].dtype) for p in full}) > 1:
            cand[col] = pd.Series(cand[col].tolist(), index=cand.index)
    order = np.lexsort((cand["rank"].to_numpy(), pd.factorize(cand["code"], sort=True)[0]))
    cand = cand.iloc[order].reset_index(drop=True)
    return gpd.GeoDataFrame(cand, geometry="geometry", crs=areas.crs)
