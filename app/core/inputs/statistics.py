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

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import NameIndex, NameMatch, fold, place_key
from unggulan.base.paths import resolve_in
from unggulan.base.problems import Problem
from unggulan.core.inputs.breaks import set_breaks_missing
from unggulan.core.inputs.codes import clean_code, format_code
from unggulan.core.inputs.families import (
    assign_families,
    catalogue_families,
    distinct_rows,
)
from unggulan.io.readers import TABLE_SUFFIXES
from unggulan.io.statistics import StatisticsOptions, read_statistics
from unggulan.io.statistics.cells import per_value
from unggulan.io.units import animal_product, clean_commodity_text, column_kind

STAT_DIRS = ("statistik", "statistics", "statistik_bps")
COLUMNS = [
    "code", "name", "level", "commodity", "commodity_name", "commodity_match", "measure",
    "unit", "year", "value", "ratio", "kind", "family", "table", "area_raw", "source", "file",
    "sheet", "row", "column",
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
    #: names matched by spelling or fuzzily: label -> code, name, how, score, rules
    areas_inexact: dict[str, dict] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    commodities_matched: dict[str, str] = field(default_factory=dict)
    commodities_unmatched: dict[str, list[str]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    totals: list[dict] = field(default_factory=list)
    guessed: dict[str, str] = field(default_factory=dict)
    book: list[dict] = field(default_factory=list)   # a PDF book's tables, read or skipped

    def to_dict(self) -> dict:
        return asdict(self)


def statistics_files(folder: Path) -> list[Path]:
    """CSV/XLSX tables and BPS PDF books under ``folder/statistik`` (or ``statistics``)."""
    suffixes = TABLE_SUFFIXES + (".pdf",)   # BPS PDF books: here only, never sentra/boundaries
    out: list[Path] = []
    for name in STAT_DIRS:
        d = folder / name
        if d.is_dir():
            out += [p for p in sorted(d.rglob("*")) if p.is_file()
                    and p.suffix.lower() in suffixes and not p.name.startswith((".", "~$"))]
    return out


class AreaIndex:
    """Look-ups of the dataset's areas by code digits and by name, per level (names in the
    tiers of :class:`unggulan.base.names.NameIndex`: exact, spelling, fuzzy)."""

    def __init__(self, layers: dict):
        self.codes: dict[str, tuple[str, str]] = {}  # digits -> (level, code)
        self.labels: dict[str, dict[str, str]] = {}
        self.kabupaten: dict[str, str] = {}
        self._layers = layers
        self._names: dict[str, NameIndex] = {}
        for level, gdf in layers.items():
            codes = gdf["code"].tolist()   # (as a list: iterating an Arrow column is slow)
            for code in codes:
                self.codes[code.replace(".", "")] = (level, code)
            self.labels[level] = dict(zip(codes, gdf["name"].tolist()))
            for kab in gdf["kabupaten_code"].unique():
                self.kabupaten[kab.replace(".", "")] = kab

    @property
    def names(self) -> dict[str, NameIndex]:
        """The name index of every level (built on first use: a table of codes never needs
        them, and the desa index of 84,000 names takes seconds)."""
        for level in self._layers:
            self.name_index(level)
        return self._names

    def name_index(self, level: str) -> NameIndex | None:
        """The name index of ``level`` (None when the dataset has no such layer)."""
        idx = self._names.get(level)
        if idx is None and level in self._layers:
            gdf = self._layers[level]
            idx = self._names[level] = NameIndex(zip(gdf["name"], gdf["code"]),
                                                 cutoff=_AREA_CUTOFF)
        return idx

    def level_by_names(self, labels: list[str]) -> str | None:
        """The level whose names match most of ``labels`` (None when none match)."""
        best, best_n = None, 0
        for level, idx in self.names.items():
            n = sum(idx.lookup(x).how != "none" for x in labels)
            if n > best_n:
                best, best_n = level, n
        return best

    def by_name(self, level: str, label: str) -> NameMatch:
        """How ``label`` matches the names of ``level`` (``.value`` the code, or None)."""
        idx = self.name_index(level)
        return idx.lookup(label) if idx is not None else NameMatch("none")

    def within(self, match: NameMatch, kecamatan: str | None, layers: dict) -> NameMatch:
        """A desa name several desa share, settled by the kecamatan the table is of (a BPS
        book's "... di Kecamatan Ajung": desa Ajung of Kec. Ajung, not of Kec. Kalisat)."""
        desa, kec = layers.get("desa"), layers.get("kecamatan")
        if match.how != "ambiguous" or not kecamatan or desa is None or kec is None \
                or "kecamatan_code" not in desa:
            return match
        kec_name = dict(zip(kec["code"], kec["name"]))
        parent = dict(zip(desa["code"], desa["kecamatan_code"]))
        fits = [c for c in match.values
                if place_key(kec_name.get(parent.get(c), "")) == place_key(kecamatan)]
        return NameMatch("exact", (fits[0],), match.name) if len(fits) == 1 else match


def _distinct_text(s: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """(codes, distinct values) of a column of text with nothing missing, else None."""
    if not len(s):
        return None
    codes, uniq = pd.factorize(s)
    if (codes < 0).any() or pd.api.types.infer_dtype(uniq, skipna=False) != "string":
        return None     # (factorizing mixed objects would take 1, 1.0 and True for one)
    return codes, uniq


def _map_distinct(s: pd.Series, mapper, distinct=None) -> pd.Series:
    """``s.map(mapper)`` (a function or dict) with the mapper applied once per distinct
    value: a national table repeats each code and name on every row. The same values and
    dtype (pandas infers the dtype from the mapped values, here from the distinct ones).
    ``distinct`` is :func:`_distinct_text` of ``s`` when known."""
    distinct = distinct or _distinct_text(s)
    if distinct is None:
        return s.map(mapper)
    codes, uniq = distinct
    small = pd.Series(uniq).map(mapper)
    return pd.Series(small.array.take(codes), index=s.index, name=s.name)


def _code_level(digits: str, system_hint: str | None) -> str | None:
    return {10: "desa", 6: "kecamatan", 7: "kecamatan", 4: "kabupaten", 2: "provinsi"}.get(
        len(digits))


def match_areas(records: pd.DataFrame, index: AreaIndex, level: str | None,
                report: TableReport, layers: dict | None = None) -> pd.DataFrame:
    """Add ``code``, ``name`` and ``level`` to a table's records (None where unmatched)."""
    # (each distinct code cleaned once: a national table repeats every code for each
    # commodity and year)
    digits = _map_distinct(records["area_code"], per_value(clean_code)) \
        if "area_code" in records else pd.Series(None, index=records.index, dtype=object)
    labels = records["area_label"].fillna(records["area_raw"]).astype(str)
    if level is None:
        lens = digits.dropna().str.len()
        if len(lens):
            level = _code_level(str(lens.mode().iat[0]), None)
        else:
            level = index.level_by_names(sorted(set(labels.unique())))
    report.level = level
    names = labels.copy()
    lvl = level or "kecamatan"
    if lvl in ("kabupaten", "provinsi"):
        # the reference region's figures: kept under their own codes (or labels)
        have = digits.notna()
        codes = pd.Series(None, index=records.index, dtype=object)
        codes[have] = digits[have].map(lambda d: format_code(d, "kemendagri"))
        codes[~have] = labels[~have].map(lambda x: "nama:" + fold(x))
        report.areas_matched = int(codes.nunique())
        out = records.assign(code=codes, name=names, level=lvl)
        return out
    cache: dict[tuple, NameMatch] = {}
    # the kecamatan each row is of, where the table says it per row (a long table's
    # "kecamatan" column beside its "desa" column): settles desa names several kecamatan share
    parents = records["_parent"].to_numpy(object) if "_parent" in records else \
        np.full(len(records), None, dtype=object)
    # each distinct (code, label, parent) matched once, in reading order
    rows_of, first = distinct_rows(digits, labels, parents, missing_as_blank=False)
    d_arr, l_arr = digits.take(first).to_numpy(object), labels.take(first).to_numpy(object)
    found_codes = np.empty(len(first), dtype=object)
    for u, k in enumerate(first.tolist()):
        d, lab, par = d_arr[u], l_arr[u], parents[k]
        if isinstance(d, str) and d in index.codes and index.codes[d][0] == lvl:
            found = NameMatch("code", (index.codes[d][1],))
        elif lab and lab.strip() and not lab.strip().isdigit():
            found = index.by_name(lvl, lab)
            if found.how == "ambiguous" and lvl == "desa" and layers is not None:
                found = index.within(found, par or report.guessed.get("within"), layers)
        else:
            found = NameMatch("none")
        cache[(d, lab, par)] = found
        found_codes[u] = found.value
    # (set once: a setitem per row was three quarters of the matching nationally)
    codes = pd.Series(found_codes[rows_of], index=records.index, dtype=object)
    labels_of = index.labels.get(lvl, {})
    unmatched: dict[str, str | None] = {}
    for (d, lab, _par), m in cache.items():
        shown = (lab.strip() if isinstance(lab, str) and lab.strip() else
                 d if isinstance(d, str) and d else "(blank)")
        if m.value is not None:
            if m.inexact:
                report.areas_inexact[shown] = {
                    "code": m.value, "name": labels_of.get(m.value, m.name), "how": m.how,
                    "score": m.score, "rules": list(m.rules)}
            continue
        if m.how == "ambiguous":
            fits = ", ".join(f"{labels_of.get(c, c)} ({c})" for c in m.values)
            unmatched[shown] = (f"{len(m.values)} {lvl} fit equally: {fits}; not guessed"
                                + (f" (score {m.score:.2f})" if m.score < 1 else ""))
        else:
            unmatched[shown] = m.closest
    report.areas_matched = len({m.value for m in cache.values() if m.value is not None})
    report.areas_unmatched = dict(sorted(unmatched.items(), key=lambda kv: str(kv[0])))
    names = _map_distinct(codes, labels_of).where(codes.notna(), labels)
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
        elif cid is not None and column_kind(text) != "commodity":
            cid = None      # "Dijual ke Lain Daerah", "Kapasitas": not the commodity itself
        elif cid is not None and animal_product(text) and \
                animal_product(catalogue.get(cid).name_id) is None:
            # "Telur Itik" is not the duck: eggs, meat, milk and hides are commodities of
            # their own, never merged with the animal (nor with each other across years)
            cid = None
        if cid is None:
            slug = fold(target or text).replace(" ", "_")
            ids[text], hows[text], names[text] = slug, "none", (target or text).strip()
            report.commodities_unmatched[text] = sorted(catalogue.closest(text, cutoff=0.6))
        else:
            ids[text], hows[text] = cid, how
            names[text] = catalogue.get(cid).name_id
            report.commodities_matched[text] = cid
    distinct = _distinct_text(raw)
    return records.assign(commodity=_map_distinct(raw, ids, distinct),
                          commodity_name=_map_distinct(raw, names, distinct),
                          commodity_match=_map_distinct(raw, hows, distinct))


def _options(cfg):
    if cfg is None:
        return None
    return StatisticsOptions(**cfg.model_dump(exclude_none=True))


def load_statistics(
    folder: Path, configs: list, layers: dict, catalogue, problems: list[Problem],
    extra: list[Path] | None = None,
) -> tuple[pd.DataFrame, list[TableReport]]:
    """Read every statistics table of a dataset: one long frame (:data:`COLUMNS`) and a
    report per table. Files named in ``[[statistics]]`` entries use those settings."""
    by_path: dict[Path, list] = {}
    for cfg in configs:
        p = resolve_in(folder, cfg.path)
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
            problems.append(Problem("warning", str(path), exc.detail + "; table skipped"))
            continue
        for t in tables:
            problems.extend(t.problems)
            rec = t.records
            rep = TableReport(
                file=str(path), sheet=t.sheet, title=t.title, layout=t.layout,
                level=None, rows=int(rec["row"].nunique()) if len(rec) else 0,
                values=int(rec["value"].notna().sum()) if len(rec) else 0,
                totals=list(t.totals), guessed=dict(t.guessed), book=list(t.book),
            )
            reports.append(rep)
            if rec.empty:
                problems.append(Problem("warning", str(path), "no values found in the table"
                                        + (f" of sheet '{t.sheet}'" if t.sheet else "")))
                continue
            level = (cfg.area_level if cfg is not None and cfg.area_level else None) \
                or t.area_level
            rec = rec.assign(commodity_raw=_map_distinct(rec["commodity_raw"],
                                                         clean_commodity_text))
            if getattr(t, "parents", None):
                rec = rec.assign(_parent=rec["row"].map(t.parents))
            rec = match_areas(rec, index, level, rep, layers)
            rec = match_commodities(rec, catalogue, cfg.commodities if cfg else {}, rep)
            rec = _describe_rows(rec, t, len(reports) - 1, cfg, catalogue, problems)
            rep.years = sorted(int(y) for y in rec["year"].dropna().unique())
            rep.measures = _measures(rec)
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
    out["source"] = _sources(out)
    out["year"] = out["year"].astype("Int64")
    out = _drop_duplicates(out, problems)
    out = set_breaks_missing(out, problems)
    return out[COLUMNS].reset_index(drop=True), reports


def _measures(rec: pd.DataFrame) -> dict:
    """Each measure of a table's records and its unit (the last row's, as a dict filled row
    by row keeps it), the measures in order of first appearance."""
    pairs, first = distinct_rows(rec["measure"].to_numpy(object), rec["unit"].to_numpy(object),
                                 missing_as_blank=False)
    if not len(first):
        return {}
    last = len(pairs) - 1 - np.unique(pairs[::-1], return_index=True)[1]  # each pair's last row
    measures, units = rec["measure"].to_numpy(object), rec["unit"].to_numpy(object)
    out: dict = {}
    for k in first.tolist():                  # the measures in order of first appearance
        out.setdefault(measures[k], None)
    for k in np.sort(last).tolist():          # then the units in row order: the last wins
        out[measures[k]] = units[k]
    return out


def _sources(frame: pd.DataFrame) -> pd.Series:
    """Where each value was read: ``file#sheet!row:column`` (missing where the column is),
    the file's name and sheet worked out once per run of rows of one file and sheet (a
    table's rows follow each other); joined by Arrow when pandas keeps text in Arrow and
    the columns are text, else row by row."""
    files, sheets = frame["file"].to_numpy(object), frame["sheet"].to_numpy(object)
    n = len(frame)
    starts = np.concatenate([[0], np.flatnonzero((files[1:] != files[:-1])
                                                 | (sheets[1:] != sheets[:-1])) + 1]) \
        if n else np.zeros(0, dtype=np.int64)
    ends = np.append(starts[1:], n)
    named: dict = {}

    def name(k: int) -> str:
        f, sh = files[k], sheets[k]
        key = (f, sh if pd.notna(sh) else None)
        if key not in named:
            named[key] = Path(f).name + ("#" + str(sh) if pd.notna(sh) else "")
        return named[key]

    columns = frame["column"].to_numpy(object)
    text_dtype = pd.Series(["x"]).dtype      # "str" (pandas 3) or object
    if getattr(text_dtype, "storage", None) == "pyarrow" and len(starts) <= 1000:
        import pyarrow as pa  # (pandas has imported it: its text is in Arrow)
        import pyarrow.compute as pc

        try:
            cols = pa.array(columns, type=pa.string())     # (None: null, so no source)
        except (pa.ArrowException, TypeError, UnicodeError):
            cols = None       # a header that is not text
        if cols is not None:
            rows = pc.cast(pa.array(frame["row"].to_numpy(np.int64)), pa.string())
            parts = [pc.binary_join_element_wise(
                pc.binary_join_element_wise(name(a), rows[a:b], "!"), cols[a:b], ":")
                for a, b in zip(starts.tolist(), ends.tolist())]
            joined = pa.chunked_array(parts, type=pa.string())
            return pd.Series(pd.array(joined, dtype=text_dtype), index=frame.index)

    @per_value
    def text(v) -> str:    # what astype(str) makes of a cell (None and NaN: missing)
        return None if pd.isna(v) else str(v)

    prefixes = np.empty(n, dtype=object)
    for a, b in zip(starts.tolist(), ends.tolist()):
        prefixes[a:b] = name(a)
    out = [None if c is None else f"{p}!{r}:{c}"
           for p, r, c in zip(prefixes, frame["row"].tolist(),
                              (c if c.__class__ is str else text(c) for c in columns))]
    return pd.Series(out, index=frame.index, dtype=text_dtype)


def _describe_rows(rec: pd.DataFrame, table, number: int, cfg, catalogue,
                   problems: list[Problem]) -> pd.DataFrame:
    """Add ``kind``, ``family`` and ``table`` to a table's matched records, and set bad cells
    (negative values; percentages over 100) missing with a warning naming the file, row,
    column, the area as the table names it, and the year."""
    # kind and family follow from the commodity cell, the column and the commodity (the
    # title and dataset.toml's family are the table's): worked out per distinct triple
    raw_c, col_c = rec["commodity_raw"].to_numpy(object), rec["column"].to_numpy(object)
    codes, first = distinct_rows(raw_c, col_c, rec["commodity"])
    sub = np.empty(len(first), dtype=object)
    for u, k in enumerate(first):
        r, c = raw_c[k], col_c[k]
        r, c = ("" if pd.isna(r) else r), ("" if pd.isna(c) else c)
        kind = column_kind(r) if r else "commodity"
        if kind == "commodity" and table.layout == "wide":
            # a wide table's header is the column's own (a long table's "column" is the
            # value column or the row's source table title)
            hk = column_kind(c) if c else "commodity"
            kind = hk if hk in ("flow", "ratio", "capacity") else kind
        sub[u] = kind
    kinds = sub[codes] if len(rec) else np.empty(0, dtype=object)
    kinds[rec["ratio"].to_numpy(bool)] = "ratio"
    title = table.title or Path(table.file).stem
    one = rec.iloc[first]
    fam = assign_families(
        one, pd.Series(title, index=one.index), catalogue_families(catalogue.frame),
        pd.Series(cfg.family if cfg is not None and getattr(cfg, "family", None) else None,
                  index=one.index, dtype=object),
        headers=one["column"])[codes] if len(rec) else np.empty(0, dtype=object)
    out = rec.assign(kind=kinds, family=fam, table=number,
                     ratio=rec["ratio"].to_numpy(bool) | (kinds == "ratio"))
    v = out["value"].to_numpy(float)
    pct = out["unit"].to_numpy(object) == "%"
    bad = (v < 0) | (pct & (v > 100))
    if bad.any():
        for _, row in out[bad].head(_MAX_BAD_CELLS).iterrows():
            why = "negative" if row["value"] < 0 else "a share over 100 %"
            year = "" if pd.isna(row["year"]) else f", {int(row['year'])}"
            problems.append(Problem(
                "warning", str(row["file"]),
                f"{why} value {row['cell'] or row['value']} "
                f"({row['commodity_raw'] or row['column']}, "
                f"{row['area_raw']}{year}): a transcription error in the source? set missing",
                row=int(row["row"]), field=str(row["column"])))
        if bad.sum() > _MAX_BAD_CELLS:
            problems.append(Problem("warning", str(table.file), f"{int(bad.sum())} impossible "
                                    f"values set missing (the first {_MAX_BAD_CELLS} listed)"))
        out.loc[bad, "value"] = np.nan
    return out


_MAX_BAD_CELLS = 20


def _drop_duplicates(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Keep one value per (area, commodity, measure, year); conflicting duplicates are
    reported (the first table in file order wins)."""
    key = ["code", "level", "commodity", "measure", "unit", "year"]
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
            f"{k[3]} {k[5]} of {first['area_raw'].iat[0]} ({k[0]}): "
            f"{first['value'].tolist()[:6]} ({', '.join(first['source'].tolist()[:6])})"
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
