"""Production statistics (BPS and dinas tables) matched to the dataset's areas and catalogue.

The tables are read by :mod:`unggulan.io.statistics` as they are published; here each row's area
is matched to the boundaries (by code in either system, dotted or not, or by name with the
spelling tolerance of :func:`unggulan.base.names.place_key`) and each commodity to the catalogue
(the same matcher as the sentra). A name the catalogue does not know stays a commodity of
its own (its id is the folded name) and is reported, never dropped.

Levels are kept as published: a kecamatan table stays at kecamatan level even when the
dataset has desa polygons (nothing is spread over desa); a kabupaten or province table is
read as the reference region's figures (``level = 'kabupaten'``), for location quotients
against a wider region.

Values: ``"-"`` is nil (0), ``"..."``, ``"x"`` and empty cells are missing (NaN); see the
reader's docstring for why.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import best_match, fold, place_key
from unggulan.base.problems import Problem
from unggulan.core.codes import clean_code, format_code

STAT_DIRS = ("statistik", "statistics", "statistik_bps")
COLUMNS = [
    "code", "name", "level", "commodity", "commodity_name", "commodity_match", "measure",
    "unit", "year", "value", "ratio", "source", "file", "sheet", "row", "column",
]  # fmt: skip
#: area-name keys of a table that mean "the whole region" (total rows the reader kept)
_AREA_CUTOFF = 0.84


@dataclass
class TableReport:
    """What was read from one statistics table: shown by ``unggulan validate``."""

    file: str
    sheet: str | None
    title: str | None
    layout: str
    level: str | None
    rows: int
    values: int
    areas_matched: int = 0
    areas_unmatched: dict[str, str | None] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    commodities_matched: dict[str, str] = field(default_factory=dict)
    commodities_unmatched: dict[str, list[str]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    totals: list[dict] = field(default_factory=list)
    guessed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def statistics_files(folder: Path) -> list[Path]:
    """CSV/XLSX tables under ``folder/statistik`` (or ``statistics``), sorted."""
    from unggulan.io.readers import TABLE_SUFFIXES

    out: list[Path] = []
    for name in STAT_DIRS:
        d = folder / name
        if d.is_dir():
            out += [p for p in sorted(d.rglob("*")) if p.is_file()
                    and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith((".", "~$"))]
    return out


class AreaIndex:
    """Look-ups of the dataset's areas by code digits and by name key, per level."""

    def __init__(self, layers: dict):
        self.codes: dict[str, tuple[str, str]] = {}  # digits -> (level, code)
        self.names: dict[str, dict[str, list[str]]] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.kabupaten: dict[str, str] = {}
        for level, gdf in layers.items():
            for code in gdf["code"]:
                self.codes[code.replace(".", "")] = (level, code)
            by_key: dict[str, list[str]] = {}
            for code, name in zip(gdf["code"], gdf["name"]):
                if isinstance(name, str) and name:
                    by_key.setdefault(place_key(name), []).append(code)
            self.names[level] = by_key
            self.labels[level] = dict(zip(gdf["code"], gdf["name"]))
            for kab in gdf["kabupaten_code"].unique():
                self.kabupaten[kab.replace(".", "")] = kab

    def level_by_names(self, keys: list[str]) -> str | None:
        """The level whose names match most of ``keys`` (None when none match)."""
        best, best_n = None, 0
        for level, by_key in self.names.items():
            n = sum(k in by_key or best_match(k, by_key, _AREA_CUTOFF) is not None
                    for k in keys)
            if n > best_n:
                best, best_n = level, n
        return best

    def by_name(self, level: str, label: str) -> tuple[str | None, str | None]:
        """(code, None) or (None, closest boundary name)."""
        by_key = self.names.get(level, {})
        key = place_key(label)
        codes = by_key.get(key)
        if codes is None:
            hit = best_match(key, by_key, _AREA_CUTOFF)
            codes = by_key.get(hit) if hit else None
        if codes and len(codes) == 1:
            return codes[0], None
        near = difflib.get_close_matches(key, list(by_key), n=1, cutoff=0.0)
        closest = self.labels[level][by_key[near[0]][0]] if near else None
        if codes:
            return None, f"{len(codes)} {level} share this name"
        return None, closest


def _code_level(digits: str, system_hint: str | None) -> str | None:
    return {10: "desa", 6: "kecamatan", 7: "kecamatan", 4: "kabupaten", 2: "provinsi"}.get(
        len(digits))


def match_areas(records: pd.DataFrame, index: AreaIndex, level: str | None,
                report: TableReport) -> pd.DataFrame:
    """Add ``code``, ``name`` and ``level`` to a table's records (None where unmatched)."""
    digits = records["area_code"].map(clean_code) if "area_code" in records else \
        pd.Series(None, index=records.index, dtype=object)
    labels = records["area_label"].fillna(records["area_raw"]).astype(str)
    if level is None:
        lens = digits.dropna().str.len()
        if len(lens):
            level = _code_level(str(lens.mode().iat[0]), None)
        else:
            level = index.level_by_names(sorted({place_key(x) for x in labels.unique()}))
    report.level = level
    codes = pd.Series(None, index=records.index, dtype=object)
    names = labels.copy()
    lvl = level or "kecamatan"
    if lvl in ("kabupaten", "provinsi"):
        # the reference region's figures: kept under their own codes (or labels)
        have = digits.notna()
        codes[have] = digits[have].map(lambda d: format_code(d, "kemendagri"))
        codes[~have] = labels[~have].map(lambda x: "nama:" + fold(x))
        report.areas_matched = int(codes.nunique())
        out = records.assign(code=codes, name=names, level=lvl)
        return out
    cache: dict[tuple, tuple[str | None, str | None]] = {}
    for i, (d, lab) in enumerate(zip(digits.to_numpy(object), labels.to_numpy(object))):
        k = (d, lab)
        if k not in cache:
            found = None
            if isinstance(d, str) and d in index.codes and index.codes[d][0] == lvl:
                found = (index.codes[d][1], None)
            elif lab and lab.strip() and not lab.strip().isdigit():
                found = index.by_name(lvl, lab)
            else:
                found = (None, None)
            cache[k] = found
        codes.iat[i] = cache[k][0]
    matched = {k: v for k, v in cache.items() if v[0]}
    unmatched = {(k[1] or k[0]): v[1] for k, v in cache.items() if not v[0]}
    report.areas_matched = len({v[0] for v in matched.values()})
    report.areas_unmatched = dict(sorted(unmatched.items()))
    labels_of = index.labels.get(lvl, {})
    names = codes.map(labels_of).where(codes.notna(), labels)
    return records.assign(code=codes, name=names, level=lvl)


def match_commodities(records: pd.DataFrame, catalogue, mapping: dict[str, str],
                      report: TableReport) -> pd.DataFrame:
    """Add ``commodity`` (catalogue id, or the folded name of an unknown commodity),
    ``commodity_name`` and ``commodity_match``."""
    raw = records["commodity_raw"].fillna("").astype(str)
    own = {fold(k): v for k, v in mapping.items()}
    ids, hows, names = {}, {}, {}
    for text in raw.unique():
        target = own.get(fold(text))
        cid, how = catalogue.match(target if target else text)
        if target and cid:
            how = "dataset.toml"
        if cid is None:
            slug = fold(target or text).replace(" ", "_")
            ids[text], hows[text], names[text] = slug, "none", (target or text).strip()
            report.commodities_unmatched[text] = sorted(catalogue.closest(text, cutoff=0.6))
        else:
            ids[text], hows[text] = cid, how
            names[text] = catalogue.get(cid).name_id
            report.commodities_matched[text] = cid
    return records.assign(commodity=raw.map(ids), commodity_name=raw.map(names),
                          commodity_match=raw.map(hows))


def _options(cfg):
    from unggulan.io.statistics import StatisticsOptions

    if cfg is None:
        return None
    return StatisticsOptions(**cfg.model_dump(exclude_none=True))


def load_statistics(
    folder: Path, configs: list, layers: dict, catalogue, problems: list[Problem],
    extra: list[Path] | None = None,
) -> tuple[pd.DataFrame, list[TableReport]]:
    """Read every statistics table of a dataset: one long frame (:data:`COLUMNS`) and a
    report per table. Files named in ``[[statistics]]`` entries use those settings."""
    from unggulan.io.statistics import read_statistics

    by_path: dict[Path, list] = {}
    for cfg in configs:
        p = Path(cfg.path)
        p = p if p.is_absolute() else folder / p
        if not p.exists():
            raise DatasetError("statistics file not found (set in dataset.toml "
                               "[[statistics]] path)", path=p, field="path")
        by_path.setdefault(p.resolve(), []).append(cfg)
    paths = {p.resolve(): p for p in statistics_files(folder) + list(extra or [])}
    for p in by_path:
        paths.setdefault(p, p)
    # one read per [[statistics]] entry (several entries may name sheets of one workbook)
    jobs = [(paths[k], cfg) for k in sorted(paths, key=str) for cfg in by_path.get(k, [None])]
    if not jobs:  # no statistics: no area index to build (seconds for 84,000 desa)
        return pd.DataFrame(columns=COLUMNS), []
    index = AreaIndex(layers)
    frames, reports = [], []
    for path, cfg in jobs:
        try:
            tables = read_statistics(path, _options(cfg))
        except DatasetError as exc:
            problems.append(Problem("error", str(path), exc.detail))
            continue
        for t in tables:
            problems.extend(t.problems)
            rec = t.records
            rep = TableReport(
                file=str(path), sheet=t.sheet, title=t.title, layout=t.layout,
                level=None, rows=int(rec["row"].nunique()) if len(rec) else 0,
                values=int(rec["value"].notna().sum()) if len(rec) else 0,
                totals=list(t.totals), guessed=dict(t.guessed),
            )
            reports.append(rep)
            if rec.empty:
                problems.append(Problem("warning", str(path), "no values found in the table"
                                        + (f" of sheet '{t.sheet}'" if t.sheet else "")))
                continue
            level = (cfg.area_level if cfg is not None and cfg.area_level else None) \
                or t.area_level
            rec = match_areas(rec, index, level, rep)
            rec = match_commodities(rec, catalogue, cfg.commodities if cfg else {}, rep)
            rep.years = sorted(int(y) for y in rec["year"].dropna().unique())
            rep.measures = {m: u for m, u in zip(rec["measure"], rec["unit"])}
            if rep.areas_unmatched:
                ex = ", ".join(f"'{k}'" + (f" (closest: {v})" if v else "")
                               for k, v in list(rep.areas_unmatched.items())[:5])
                problems.append(Problem(
                    "warning", str(path), f"{len(rep.areas_unmatched)} area name(s) not found "
                    f"among the {rep.level} boundaries, their rows left out: {ex}",
                    field=str(t.area_column)))
            if rep.commodities_unmatched:
                problems.append(Problem(
                    "info", str(path), f"{len(rep.commodities_unmatched)} commodity name(s) "
                    "not in the catalogue, kept as commodities of their own: "
                    + ", ".join(list(rep.commodities_unmatched)[:8])))
            if rep.level and rep.level not in layers and rep.level in ("desa", "kecamatan"):
                problems.append(Problem("warning", str(path), f"a {rep.level} table but the "
                                        f"dataset has no {rep.level} areas"))
            frames.append(rec[rec["code"].notna()])
    if not frames:
        return pd.DataFrame(columns=COLUMNS), reports
    out = pd.concat(frames, ignore_index=True)
    out["source"] = (out["file"].map(lambda f: Path(f).name)
                     + np.where(out["sheet"].notna(), "#" + out["sheet"].astype(str), "")
                     + "!" + out["row"].astype(str) + ":" + out["column"].astype(str))
    out["year"] = out["year"].astype("Int64")
    out = _drop_duplicates(out, problems)
    return out[COLUMNS].reset_index(drop=True), reports


def _drop_duplicates(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Keep one value per (area, commodity, measure, year); conflicting duplicates are
    reported (the first table in file order wins)."""
    key = ["code", "level", "commodity", "measure", "year"]
    dup = frame.duplicated(key, keep=False) & frame["year"].notna()
    if not dup.any():
        return frame
    d = frame[dup]
    spread = d.groupby(key, dropna=False)["value"].agg(lambda v: v.max() - v.min())
    conflicts = spread[spread.fillna(0) > 1e-9]
    if len(conflicts):
        k = conflicts.index[0]
        first = d.set_index(key).loc[[k]]
        problems.append(Problem(
            "warning", str(first["file"].iat[0]),
            f"{len(conflicts)} value(s) given twice with different figures, e.g. {k[2]} "
            f"{k[3]} {k[4]} of {k[0]}: {first['value'].tolist()} ({', '.join(first['source'])})"
            "; the first is used"))
    return frame[~frame.duplicated(key, keep="first") | frame["year"].isna()]


def summary_of(frame: pd.DataFrame, reports: list[TableReport]) -> dict:
    """The statistics part of ``ds.summary()`` (strict JSON: no NaN)."""
    return {
        "tables": [r.to_dict() for r in reports],
        "values": int(frame["value"].notna().sum()),
        "levels": frame["level"].value_counts().to_dict(),
        "measures": sorted(frame["measure"].dropna().unique().tolist()),
        "years": sorted(int(y) for y in frame["year"].dropna().unique()),
        "commodities": int(frame["commodity"].nunique()),
    }
