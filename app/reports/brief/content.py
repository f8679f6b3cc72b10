"""What a brief says, gathered from the dataset: the run (options, weights or scenario,
candidates), the area a code names, the desa of a kecamatan, the statistics' quadrants and the
warnings about synthetic data. No HTML here (:mod:`.sections` lays it out).

The words and polygons the web maps also show (rank labels, area names in title case,
limiting factors, the evidence basis and its labels, the score components' names, the
simplified polygons) come from the core (:mod:`unggulan.core.outputs.labels`,
:meth:`unggulan.core.dataset.Dataset.display_geometry`): the brief and the maps say the same
things, and neither imports the other.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.core.activity import dlq, lq
from unggulan.core.inputs.codes import clean_code
from unggulan.core.outputs.colours import first_ranked

# (BASIS, BASIS_LABEL, LAND_ONLY and basis_counts are read by .sections from here)
from unggulan.core.outputs.labels import (  # noqa: F401
    BASIS,
    BASIS_LABEL,
    COMPONENT_LABEL,
    LAND_ONLY,
    attribute_label,
    basis_counts,
    proper_case,
    rank_label,
)
from unggulan.core.ranking.run import default_scenario, resolve_scenario
from unggulan.core.ranking.scoring import parse_weights
from unggulan.reports.brief.wording import LANGS, fmt_num, text


# ---------------------------------------------------------------------- options
@dataclass
class BriefOptions:
    """What a brief shows and how.

    ``weights`` (a mapping or ``"suitability=0.4,..."``) and ``scenario`` (a
    :class:`unggulan.core.scenario.Scenario`, a scenario TOML file, or the id or name of a saved
    scenario) exclude each other. ``date`` defaults to today; fix it
    to get byte-identical output.
    """

    lang: str = "id"
    weights: str | Mapping[str, float] | None = None
    scenario: Any = None
    top: int = 3
    date: dt.date | None = None

    def check(self) -> None:
        if self.lang not in LANGS:
            raise UnggulanError(f"lang must be one of {', '.join(LANGS)}, not '{self.lang}'",
                                field="lang")
        if not 1 <= int(self.top) <= 10:
            raise UnggulanError(f"top must lie in 1..10, not {self.top}", field="top")
        if self.weights is not None and self.scenario is not None:
            raise UnggulanError("give weights or a scenario, not both", field="weights")


# ---------------------------------------------------------------------- what the maps show too
def component_labels() -> dict[str, tuple[str, str]]:
    """Score component -> (Bahasa, English) name, as the detail page shows it."""
    return COMPONENT_LABEL


# ---------------------------------------------------------------------- a run
@dataclass
class Run:
    """One brief's settings and the dataset's results it reads (built once per brief)."""

    ds: Any
    lang: str
    top: int
    weights: dict[str, float]
    weights_given: bool
    scenario: dict | None
    reference: str
    management: str
    date: dt.date
    method: str = "weighted_sum"
    scenario_obj: Any = None
    info: Any = None  # unggulan.core.ranking.run.RunInfo when the core has it
    notes: list[str] = field(default_factory=list)
    _cand: dict = field(default_factory=dict)

    def t(self, key: str, **kw) -> str:
        return text(key, self.lang, **kw)

    def n(self, x, digits: int = 0) -> str:
        return fmt_num(x, digits, self.lang)

    def cand(self, level: str) -> pd.DataFrame:
        if level not in self._cand:
            if self.scenario_obj is not None and accepts(self.ds.candidates, "scenario"):
                c = self.ds.candidates(level, scenario=self.scenario_obj)
            else:
                c = self.ds.candidates(level, top=self.top, weights=self.weights,
                                       reference=self.reference, management=self.management)
            self._cand[level] = pd.DataFrame(c.drop(columns="geometry"))
        return self._cand[level]

    def first(self, level: str) -> pd.DataFrame:
        """The level's first candidate of each area (:func:`first`), built once (a
        kabupaten brief asks for it on every kecamatan page); not to be changed."""
        key = ("first", level)
        if key not in self._cand:
            self._cand[key] = first(self.cand(level))
        return self._cand[key]

    def ranked(self, level: str) -> dict[str, list]:
        """Area code -> its candidates (named tuples) in rank order, built once."""
        key = ("ranked", level)
        if key not in self._cand:
            c = self.cand(level).sort_values(["code", "rank"], kind="stable")
            out: dict[str, list] = {}
            for r in c.itertuples(index=False):
                out.setdefault(r.code, []).append(r)
            self._cand[key] = out
        return self._cand[key]

    def scenario_or_default(self):
        """The run's scenario, or the default scenario of its weights and settings."""
        if self.scenario_obj is not None:
            return self.scenario_obj
        return default_scenario(self.weights, top=self.top, reference=self.reference,
                                management=self.management)

    def colours(self, level: str) -> dict[str, str]:
        """The run's palette, the same on every map, page and brief of the dataset and run
        (:meth:`unggulan.core.dataset.Dataset.palette`; ``level`` is kept for callers)."""
        return self.ds.palette(self.scenario_or_default())

    def lq(self, r) -> str:
        """The candidate's LQ: the sentra's, else the statistics' SLQ marked "ˢ"."""
        lq = getattr(r, "lq", None)
        if lq is not None and lq == lq:
            return self.n(lq, 2)
        slq = getattr(r, "slq", None)
        return f"{self.n(slq, 2)}ˢ" if slq is not None and slq == slq else "–"

    def rank(self, r) -> str:
        """A candidate's rank as shown: "1=" where the scoring shares it."""
        return rank_label(r.rank, getattr(r, "rank_label", None))

    def name(self, text) -> str:
        """An area name as shown (title case for names a source wrote in one case)."""
        return "–" if text is None or (isinstance(text, float) and math.isnan(text)) \
            else str(proper_case(str(text)))

    def commodity(self, cid) -> str:
        if cid is None or (isinstance(cid, float) and math.isnan(cid)):
            return "–"
        cat = self.ds.catalogue.frame
        col = "name_id" if self.lang == "id" else "name_en"
        return str(cat.at[cid, col]) if cid in cat.index else str(cid)

    def factors(self, text) -> str:
        if not isinstance(text, str) or not text:
            return "–"
        k = 0 if self.lang == "id" else 1
        return ", ".join(attribute_label(f)[k] for f in text.split(","))


def accepts(func, name: str) -> bool:
    """Whether ``func`` takes a parameter ``name``."""
    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------- areas
def resolve_area(ds, code: str) -> tuple[str, str, str]:
    """(kind, code, name) of a kecamatan or kabupaten code (with or without dots, either
    code system the dataset uses).

    Raises :class:`UnknownArea` for a code the dataset does not have, and
    :class:`UnggulanError` for a desa (a brief covers a kecamatan or a kabupaten).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> resolve_area(Dataset.open(), "99.01.01")[0]
    'kecamatan'
    """
    want = clean_code(code) or str(code)
    kec = ds.areas("kecamatan")
    hit = kec.index[kec["code"].map(clean_code) == want]
    if len(hit):
        row = kec.loc[hit[0]]
        return "kecamatan", str(row["code"]), str(row["name"])
    kab = kec["kabupaten_code"].astype(object)
    hit = kec.index[kab.map(lambda c: clean_code(c) if isinstance(c, str) else None) == want]
    if len(hit):
        kab_code = str(kec.at[hit[0], "kabupaten_code"])
        return "kabupaten", kab_code, kabupaten_name(ds, kab_code)
    if "desa" in ds.levels:
        desa = ds.areas("desa")
        hit = desa.index[desa["code"].map(clean_code) == want]
        if len(hit):
            row = desa.loc[hit[0]]
            raise UnggulanError(
                f"'{code}' is the desa {row['name']}; a brief covers a kecamatan (here "
                f"{row['kecamatan_code']}) or a kabupaten ({row['kabupaten_code']})",
                field="code")
    raise UnknownArea(f"no kecamatan or kabupaten with code '{code}'", field="code")


def kabupaten_name(ds, kab_code: str) -> str:
    kabs = ds.areas("kecamatan")["kabupaten_code"].astype(object).unique()
    if ds.config.name and len(kabs) == 1:
        return str(ds.config.name)
    return f"{kab_code} ({ds.name})" if len(kabs) == 1 else kab_code


def desa_of(ds, kec_codes) -> pd.DataFrame:
    """The desa of the kecamatan ``kec_codes``, by code (none in a dataset of kecamatan)."""
    if "desa" not in ds.levels:
        return ds.areas("kecamatan").iloc[0:0]
    d = ds.areas("desa")
    return d[d["kecamatan_code"].isin(set(kec_codes))].sort_values("code")


def synthetic_notes(run: Run, short: bool = False) -> list[str]:
    """Warnings that the data are made up: the dataset says so, or input files are named
    so (``short``: their number only, for the title page)."""
    ds = run.ds
    out = []
    if ds.synthetic:
        out.append(run.t("synthetic"))
    files = [getattr(src, "file", "") for src in ds.sentra_sources] + \
        [getattr(rep, "file", "") for rep in getattr(ds, "statistics_reports", None) or []]
    marked = [Path(str(f)).name for f in files
              if any(w in Path(str(f)).name.lower() for w in ("sintetis", "synthetic",
                                                               "sintetik"))]
    if marked and not ds.synthetic:
        names = sorted(set(marked))
        out.append(run.t("synthetic_short", n=len(names)) if short else
                   run.t("synthetic_files", files=", ".join(names)))
    return out


def geometry(ds, level: str, codes) -> gpd.GeoDataFrame:
    """The level's polygons simplified as on the web map, for ``codes``, as a GeoDataFrame."""
    areas = ds.areas(level)
    geoms = ds.display_geometry(level)
    pos = areas.index.get_indexer(list(codes))
    return gpd.GeoDataFrame({"code": list(codes)}, geometry=geoms[pos], crs=areas.crs)


def first(cand: pd.DataFrame) -> pd.DataFrame:
    """One row per area, its first candidate (shared ranks give several rows rank 1)."""
    return first_ranked(cand)


def rank1(run: Run, codes) -> list:
    """The rank-1 commodity of each of ``codes`` (desa, or kecamatan without desa)."""
    level = "desa" if "desa" in run.ds.levels else "kecamatan"
    key = ("top1", level)
    if key not in run._cand:
        run._cand[key] = run.first(level).set_index("code")["commodity"]
    top1 = run._cand[key]
    return [top1.get(c) for c in codes]


def leading(run: Run, kec_codes: list[str], kec_rows: pd.DataFrame) -> list[str]:
    """The commodities a land table shows: the kecamatan's candidates, then the desa's
    rank-1 commodities by frequency; at most eight."""
    out = list(dict.fromkeys(kec_rows.sort_values(["rank", "code"])["commodity"].astype(str)))
    if "desa" in run.ds.levels:
        desa = set(desa_of(run.ds, kec_codes)["code"])
        cd1 = run.first("desa")
        tops = cd1[cd1["code"].isin(desa)]["commodity"].value_counts()
        for c in sorted(tops.index, key=lambda c: (-tops[c], c)):
            if c not in out:
                out.append(str(c))
    return out[:8]


# ---------------------------------------------------------------------- statistics
def quadrants(run: Run, measure: str) -> pd.DataFrame | None:
    """SLQ x DLQ quadrants of every kecamatan on one measure of the dataset's statistics:
    ``ds.analysis("dlq", measure=...)`` when the dataset offers it, else
    :func:`unggulan.core.activity.lq.static_lq`, :func:`unggulan.core.activity.dlq.dynamic_lq`
    and :func:`unggulan.core.activity.dlq.quadrants` on ``ds.statistics()`` (the reference
    region is the sum of the dataset's kecamatan). Kept in the dataset's cache."""
    ds = run.ds
    return ds.cached(("brief-quadrants", measure), lambda: _quadrants(ds, measure))


def _quadrants(ds, measure: str) -> pd.DataFrame | None:
    need = {"code", "commodity", "slq", "dlq", "quadrant"}
    q = None
    if hasattr(ds, "analysis"):
        try:
            q = ds.analysis("dlq", measure=measure)
        except (TypeError, ValueError, UnggulanError):
            q = None
        if not isinstance(q, pd.DataFrame) or not need <= set(q.columns):
            q = None
    if q is None:
        st = ds.statistics(measure=measure, level="kecamatan")
        st = st[~st["ratio"].astype(bool) & st["commodity"].notna() & st["year"].notna()]
        data = st.groupby(["code", "commodity", "year"], as_index=False)["value"].sum(
            min_count=1)
        if data["year"].nunique() < 2 or data["code"].nunique() < 2:
            q = None
        else:
            q = dlq.quadrants(lq.static_lq(data), dlq.dynamic_lq(data))
    return q


def quadrant_names(run: Run) -> list[str]:
    """Quadrant names top-right, top-left, bottom-left, bottom-right (SLQ x, DLQ y)."""
    k = 0 if run.lang == "id" else 1
    return [dlq.QUADRANTS[key][k] for key in ((True, True), (False, True), (False, False),
                                              (True, False))]


# ---------------------------------------------------------------------- scenario
def scenario_of(ds, opt: BriefOptions) -> tuple[dict | None, Any]:
    """(scenario info for the method page, the scenario object) from ``opt.scenario``: a
    :class:`unggulan.core.scenario.Scenario`, a scenario file, or the id or name of a saved
    scenario (the dataset's ``scenarios/`` or the bundled ones)."""
    if opt.scenario is None:
        return None, None
    sc = opt.scenario if hasattr(opt.scenario, "content_hash") else \
        resolve_scenario(opt.scenario, ds.folder)
    info = {"name": str(sc.name), "hash": str(sc.content_hash()),
            "description": getattr(sc, "description", None) or None}
    return info, sc


def make_run(ds, opt: BriefOptions) -> Run:
    """The :class:`Run` of a brief of ``ds`` with options ``opt`` (checked here)."""
    opt.check()
    info, sc = scenario_of(ds, opt)
    top, reference, management = int(opt.top), "kabupaten", "rendah"
    method = "weighted_sum"
    if sc is not None:
        weights = parse_weights(sc.weights_resolved())
        method = getattr(sc, "method", None) or method
        if method != "weighted_sum" and not accepts(ds.candidates, "scenario"):
            raise UnggulanError(f"scenario method '{method}' needs a newer unggulan "
                                "(weighted_sum only here)", field="scenario")
        top = int(getattr(sc, "top", None) or top)
        reference = getattr(sc, "reference", None) or reference
        management = getattr(sc, "management", None) or management
    else:
        weights = parse_weights(opt.weights)
    run = Run(ds=ds, lang=opt.lang, top=top, weights=weights,
              weights_given=opt.weights is not None, scenario=info, reference=reference,
              management=management, date=opt.date or dt.date.today(), method=method,
              scenario_obj=sc)
    # the run's scenario, inputs and run hashes (the default scenario of the given weights
    # when no scenario is named)
    run.info = ds.run_info(sc if sc is not None else default_scenario(
        opt.weights, top=top, reference=reference, management=management))
    return run
