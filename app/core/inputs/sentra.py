"""Sentra records: reading the tables people keep, and placing every record in a desa.

A record is placed, in this order, by its desa code, by its coordinates (spatial join,
or the nearest desa within ``SNAP_DISTANCE_M`` for points just off a coast), or by its
desa name together with its kecamatan name. A record that cannot be placed keeps the
reason in ``unplaced_reason``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import NameIndex, NameMatch, column_key, fold, plain_key
from unggulan.base.problems import Problem
from unggulan.core.inputs.boundaries import AREA_CRS, INDONESIA_BOUNDS, STORAGE_CRS
from unggulan.core.inputs.codes import clean_code, why_not_code
from unggulan.core.inputs.commodities import Catalogue, match_sector
from unggulan.core.inputs.config import SENTRA_FIELDS, SentraConfig
from unggulan.io.readers import (
    RASTER_SUFFIXES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    open_table,
    parse_numbers,
    read_vector,
)

#: a point this close to a desa (but outside every desa) is placed in it, e.g. seaweed plots
SNAP_DISTANCE_M = 2000.0

ALIASES: dict[str, list[str]] = {
    "id": ["id_sentra", "kode_sentra", "no_sentra", "id", "no", "nomor", "no_urut"],
    "sentra_name": ["nama_sentra", "sentra", "nama_kelompok", "nama_ikm", "nama_usaha",
                    "nama_sentra_ikm", "nama"],
    "commodity": ["komoditas", "komoditi", "commodity", "produk", "jenis_produk", "nama_produk",
                  "produk_unggulan", "komoditas_unggulan", "jenis_komoditas", "product",
                  "komoditas_produk"],
    "sector": ["sektor", "sector", "bidang", "kategori", "subsektor", "sub_sektor",
               "kelompok_industri", "cabang_industri", "jenis_usaha"],
    "desa_code": ["kode_desa", "kd_desa", "kode_kel", "kode_kelurahan", "kode_desa_kel",
                  "kdepum", "kdebps", "desa_code", "id_desa", "kode_wilayah", "kd_wilayah"],
    "desa": ["desa", "nama_desa", "kelurahan", "desa_kelurahan", "nama_kelurahan", "desa_kel",
             "nama_desa_kel", "lokasi_desa", "village", "desa_lokasi"],
    "kecamatan": ["kecamatan", "nama_kecamatan", "nama_kec", "kec", "district"],
    "lon": ["lon", "long", "lng", "longitude", "bujur", "x", "koordinat_x", "bujur_timur", "bt"],
    "lat": ["lat", "latitude", "lintang", "y", "koordinat_y", "lintang_selatan", "ls"],
    "units": ["unit_usaha", "jumlah_unit_usaha", "jumlah_unit", "jml_unit", "units",
              "jumlah_usaha", "jml_usaha", "jumlah_ikm", "jml_ikm", "unit", "ikm",
              "jumlah_pelaku_usaha"],
    "workers": ["tenaga_kerja", "jumlah_tenaga_kerja", "jml_tenaga_kerja", "jml_tk", "tk",
                "jumlah_tk", "workers", "tenagakerja", "pekerja", "jumlah_pekerja", "naker",
                "employment"],
    "value": ["nilai_produksi", "nilai_output", "nilai", "output", "value", "omzet",
              "nilai_produksi_rp", "production_value"],
    "year": ["tahun_mulai", "tahun_berdiri", "tahun_mulai_usaha", "mulai_tahun", "year_started",
             "berdiri_sejak", "sejak", "tahun", "year"],
    "market": ["pemasaran", "jangkauan_pemasaran", "wilayah_pemasaran", "jangkauan_pasar",
               "pasar", "market", "market_reach", "tujuan_pemasaran", "daerah_pemasaran"],
}  # fmt: skip
# columns whose header may carry a unit suffix (nilai_produksi_juta_rp, tenaga_kerja_orang)
_PREFIX_OK = {"units", "workers", "value", "year", "market", "commodity", "sentra_name"}

MARKETS = ("lokal", "regional", "nasional", "ekspor")
_MARKET_WORDS = {
    "lokal": "lokal local desa kecamatan setempat",
    "regional": "regional kabupaten provinsi antar kabupaten antarkabupaten kota",
    "nasional": "nasional national antar provinsi antarprovinsi indonesia",
    "ekspor": "ekspor export internasional international luar negeri mancanegara",
}
_MARKET_ORDER = ("ekspor", "nasional", "regional", "lokal")  # widest first wins


def match_market(text: object) -> str | None:
    """'lokal' | 'regional' | 'nasional' | 'ekspor' from a typed market reach."""
    words = set(fold(text).split())
    for m in _MARKET_ORDER:
        if words & set(_MARKET_WORDS[m].split()):
            return m
    return None


def guess_columns(columns: list[str], cfg: SentraConfig) -> tuple[dict[str, str], dict[str, str]]:
    """Map canonical sentra fields to table columns; return (mapping, what was guessed)."""
    keys = {column_key(c): c for c in columns}
    mapping: dict[str, str] = {}
    guessed: dict[str, str] = {}
    for fld in SENTRA_FIELDS:
        given = getattr(cfg, fld)
        if given:
            if given not in columns:
                raise DatasetError(
                    f"configured column '{given}' for {fld} is not in the table; columns are: "
                    f"{', '.join(columns)}",
                    field=given,
                )
            mapping[fld] = given
    taken = set(mapping.values())
    # exact alias matches first (in alias order), then headers that start with an alias
    for exact in (True, False):
        for fld in SENTRA_FIELDS:
            if fld in mapping or (not exact and fld not in _PREFIX_OK):
                continue
            for alias in ALIASES[fld]:
                hit = next(
                    (
                        col
                        for key, col in keys.items()
                        if col not in taken
                        and (key == alias if exact else key.startswith(alias + "_"))
                    ),
                    None,
                )
                if hit:
                    mapping[fld] = guessed[fld] = hit
                    taken.add(hit)
                    break
    return mapping, guessed


@dataclass
class SentraSource:
    """How one sentra file was read: shown by ``unggulan validate``."""

    file: str
    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    guessed: dict[str, str] = field(default_factory=dict)
    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    notes: list[tuple[str, str | None]] = field(default_factory=list)
    #: desa/kecamatan names matched by spelling or fuzzily (with the score)
    names_inexact: list[dict] = field(default_factory=list)


def placed(records: pd.DataFrame) -> pd.DataFrame:
    """The sentra records placed in a desa (``desa_code`` set): what the LQ and the
    candidates count; a frame without that column is taken as placed already."""
    return records[records["desa_code"].notna()] if "desa_code" in records else records


def sentra_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and p.suffix.lower() in TABLE_SUFFIXES + VECTOR_SUFFIXES
        and p.suffix.lower() not in RASTER_SUFFIXES
        and p.suffix.lower() != ".md"
    ]


_REGION_KEYS = {"kode_kab", "kabupaten", "nama_kab", "kab_kota", "kode_kabupaten",
                "kabupaten_kota", "kode_prov", "provinsi", "nama_prov", "kode_kec",
                "kode_kecamatan", "nama_kec", "kecamatan"}
_VALUE_WORDS = ("produksi", "populasi", "luas", "production", "population", "jumlah", "nilai")


def statistics_like(path: Path, cfg: SentraConfig) -> str | None:
    """Why a table in ``sentra/`` is really a statistics table (values by kabupaten or
    kecamatan, no desa location), or None. Such a table is read as statistics."""
    if path.suffix.lower() not in TABLE_SUFFIXES or cfg.path:
        return None
    try:
        # the header is all that is needed: only the first chunk of a large CSV is read
        with open_table(path, sep=cfg.sep, decimal=cfg.decimal, encoding=cfg.encoding,
                        sheet=cfg.sheet, header_hint=_HEADER_HINT) as table:
            columns = list(table.columns)
        mapping, _ = guess_columns(columns, cfg)
    except DatasetError:
        return None
    if {"desa_code", "desa"} & set(mapping) or {"lon", "lat"} <= set(mapping):
        return None
    keys = {column_key(c) for c in columns}
    region = sorted(keys & _REGION_KEYS)
    values = [k for k in keys if k.startswith(_VALUE_WORDS)]
    if region and values and ("commodity" in mapping or len(values) > 1):
        return (f"values ({', '.join(sorted(values)[:3])}) by {region[0]} and no desa location:"
                " read as a statistics table (move it to statistik/ to say so)")
    return None


_HEADER_HINT = {a for names in ALIASES.values() for a in names}


def read_sentra_file(path: Path, cfg: SentraConfig) -> tuple[pd.DataFrame, SentraSource]:
    """Read one sentra table or point layer into string columns named by canonical field.

    A CSV is streamed (:func:`unggulan.io.readers.open_table`): only the columns of the sentra
    fields are kept from each chunk, so the whole file's text and its other columns are
    never in memory at once. What the reader chose or fixed by itself (the sheet of a
    workbook, hidden rows, a UTF-16 file) is in ``SentraSource.notes``.
    """
    src = SentraSource(file=str(path))
    if path.suffix.lower() in TABLE_SUFFIXES:
        with open_table(
            path, sep=cfg.sep, decimal=cfg.decimal, encoding=cfg.encoding, sheet=cfg.sheet,
            header_hint=_HEADER_HINT, section="[sentra]",
        ) as table:
            fmt = table.format
            src.sep, src.decimal, src.encoding = fmt.sep, fmt.decimal, fmt.encoding
            src.sheet, src.notes = fmt.sheet, list(fmt.notes)
            src.guessed.update({k: repr(v) for k, v in fmt.guessed.items()})
            columns = list(table.columns)
            mapping = _map_columns(path, columns, cfg, src)
            keep = list(dict.fromkeys(mapping.values()))
            parts = [chunk[keep] for chunk in table]
        frame = parts[0] if len(parts) == 1 else pd.concat(parts)
    else:
        gdf = read_vector(path, cfg.layer)
        if gdf.crs is None:
            raise DatasetError("the sentra layer has no CRS", path=path)
        pts = gdf.geometry.to_crs(STORAGE_CRS)
        pts = pts.where(pts.geom_type == "Point", pts.representative_point())
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
        frame = frame.replace({"None": "", "nan": "", "<NA>": ""})
        frame["lon"] = pts.x.map(lambda v: "" if np.isnan(v) else repr(v))
        frame["lat"] = pts.y.map(lambda v: "" if np.isnan(v) else repr(v))
        frame.index = np.arange(1, len(frame) + 1)
        src.decimal = "."
        mapping = _map_columns(path, list(frame.columns), cfg, src)
    src.rows = len(frame)
    out = pd.DataFrame(index=frame.index)
    for fld in SENTRA_FIELDS:
        out[fld] = frame[mapping[fld]] if fld in mapping else ""
    return out, src


def _map_columns(path: Path, columns: list[str], cfg: SentraConfig,
                 src: SentraSource) -> dict[str, str]:
    """The sentra fields' columns; raises when there is no commodity or no location."""
    try:
        mapping, guessed = guess_columns(columns, cfg)
    except DatasetError as exc:
        raise DatasetError(exc.detail, path=path, field=exc.field) from None
    src.columns = mapping
    src.guessed.update(guessed)
    if "commodity" not in mapping:
        raise DatasetError(
            "no commodity column found (looked for komoditas, komoditi, produk, commodity, ...). "
            f'Set commodity = "<column>" under [sentra] in dataset.toml; columns are: '
            f"{', '.join(map(str, columns))}",
            path=path,
            field="commodity",
        )
    located = {"desa_code", "desa"} & set(mapping) or {"lon", "lat"} <= set(mapping)
    if not located:
        keys = {column_key(c) for c in columns}
        hint = ""
        if keys & {"kode_kab", "kabupaten", "nama_kab", "kab_kota", "kode_kabupaten"}:
            hint = " (it looks like a kabupaten-level table; sentra need a desa location)"
        raise DatasetError(
            f"no location columns found{hint}: need lon and lat, a desa code, or a desa name. "
            "Set them under [sentra] in dataset.toml",
            path=path,
        )
    return mapping


#: Excel stores dates as days since 1899-12-30; a year cell holding 18264 (1950-01-01) up to
#: today's serial is a date whose year is meant
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN = (dt.date(1950, 1, 1) - _EXCEL_EPOCH).days
# a date typed or exported as text: ISO (2015-01-01 00:00:00), or day/month/year (01/01/2015)
_DATE_TEXT = re.compile(
    r"^(?:(?P<iso>(?:19|20)\d{2})-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?P<dmy>(?:19|20)\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?)$")


def year_of_date(value: object) -> int | None:
    """The year of a date written as text (``2015-01-01 00:00:00``, ``01/01/2015``), or None.

    Examples
    --------
    >>> year_of_date("2015-01-01 00:00:00"), year_of_date("1/3/2016"), year_of_date("2015")
    (2015, 2016, None)
    """
    m = _DATE_TEXT.match(str(value).strip())
    if not m:
        return None
    return int(m.group("iso") or m.group("dmy"))


def _years(raw: pd.Series, decimal: str) -> tuple[pd.Series, pd.Series, int, list[str]]:
    """Parse a year column where dates may stand for years (Excel date cells and serials).

    Returns the years, the mask of bad cells, how many cells were dates and up to five
    examples ``(row, what was read)`` for a note.
    """
    from_text = raw.map(year_of_date)
    is_text_date = from_text.notna()
    values, bad = parse_numbers(raw.where(~is_text_date, ""), decimal)
    values = values.where(~is_text_date, from_text.astype(float))
    today = (dt.date.today() - _EXCEL_EPOCH).days
    serial = values.notna() & (values % 1 == 0) & values.between(_SERIAL_MIN, today)
    days = values[serial]
    dates = pd.Timestamp(_EXCEL_EPOCH) + pd.to_timedelta(days, unit="D")
    values = values.where(~serial, pd.Series(dates.dt.year, index=days.index, dtype=float))
    dated = is_text_date | serial
    examples = []
    for r in raw.index[dated][:5]:
        if is_text_date[r]:
            examples.append(f"row {r}: '{raw[r]}' -> {int(values[r])}")
        else:
            examples.append(f"row {r}: {raw[r]} (an Excel date serial, "
                            f"{dates[r].date().isoformat()}) -> {int(values[r])}")
    return values, bad, int(dated.sum()), examples


def _not_degrees_hint(value: float) -> str:
    if abs(value) > 1000:
        return (" (it looks like metres of a projected CRS such as UTM: give degrees, "
                "e.g. 120.3456, or a desa code)")
    return ""


def _numbers(
    raw: pd.DataFrame, decimal: str, fname: str, src: SentraSource, problems: list[Problem]
) -> pd.DataFrame:
    this_year = dt.date.today().year
    rules = {
        "units": (0, None, True, "number of business units"),
        "workers": (0, None, True, "number of workers"),
        "value": (0, None, False, "output value"),
        "year": (1800, this_year + 1, True, "year started"),
        "lon": (-180, 180, False, "longitude"),
        "lat": (-90, 90, False, "latitude"),
    }
    parsed = {fld: parse_numbers(raw[fld], decimal) for fld in rules if fld != "year"}
    years, bad_years, n_dates, examples = _years(raw["year"], decimal)
    parsed["year"] = (years, bad_years)
    if n_dates:
        shown = "; ".join(examples) + (" ..." if n_dates > len(examples) else "")
        first = int(examples[0].split(":")[0].removeprefix("row "))
        problems.append(Problem(
            "info", fname, f"{n_dates} year cell(s) held a date instead of a year; the "
            f"date's year was taken ({shown}). Type the year alone (2015) to avoid this",
            row=first, field=src.columns.get("year", "year")))
    # swapped coordinates (lat typed in the lon column) are common in hand-typed tables
    lon, lat = parsed["lon"][0], parsed["lat"][0]
    swapped = lon.between(-15, 10) & lat.between(90, 145)
    parsed["lon"] = (lon.where(~swapped, lat), parsed["lon"][1])
    parsed["lat"] = (lat.where(~swapped, lon), parsed["lat"][1])
    out = {"swapped": swapped}
    for fld, (lo, hi, integer, label) in rules.items():
        values, bad = parsed[fld]
        col = src.columns.get(fld, fld)
        for row in raw.index[bad]:
            problems.append(
                Problem("warning", fname, f"{label} '{raw.at[row, fld]}' is not a number "
                        "(left empty)",
                        row=int(row), field=col)
            )
        out_of_range = values.notna() & (
            (values < lo) | (values > hi if hi is not None else False)
        )
        if integer and fld != "year":
            out_of_range |= values.notna() & (values % 1 != 0)
        for row in raw.index[out_of_range]:
            rng = f"in {lo}..{hi}" if hi is not None else f">= {lo}"
            what = "a whole number " if integer else "a number "
            hint = _not_degrees_hint(values[row]) if fld in ("lon", "lat") else ""
            problems.append(
                Problem("warning", fname, f"{label} {raw.at[row, fld]} must be "
                        f"{what}{rng}{hint} (left empty)",
                        row=int(row), field=col)
            )
        out[fld] = values.where(~out_of_range)
    return pd.DataFrame(out, index=raw.index)


def _flipped_latitude(lon: pd.Series, lat: pd.Series, desa: gpd.GeoDataFrame) -> pd.Series:
    """Desa codes of the points that fall in a desa once their latitude's sign is flipped
    (south latitudes typed without the minus, as "LS" columns often are)."""
    if lon.empty:
        return pd.Series(dtype=object)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, -lat), index=lon.index,
                           crs=STORAGE_CRS)
    hit = gpd.sjoin(pts, desa[["code", "geometry"]], how="inner", predicate="intersects")
    hit = hit[~hit.index.duplicated(keep="first")]
    return hit["code"]


class _Gazetteer:
    """Look-ups of desa by code, by name and by kecamatan name (names in the tiers of
    :class:`unggulan.base.names.NameIndex`; every inexact match is kept in ``inexact``)."""

    def __init__(self, desa: gpd.GeoDataFrame, kecamatan: gpd.GeoDataFrame | None):
        self.desa = desa
        self.by_digits = dict(zip(desa["code"].str.replace(".", "", regex=False), desa["code"]))
        kec_names = {}
        if kecamatan is not None and "name" in kecamatan:
            kec_names = dict(zip(kecamatan["code"], kecamatan["name"]))
        if "kecamatan_name" in desa:
            for code, name in zip(desa["kecamatan_code"], desa["kecamatan_name"]):
                if name and code not in kec_names:
                    kec_names[code] = name
        self.kec_names = kec_names
        self.kec_index = NameIndex((n, c) for c, n in kec_names.items() if n)
        self._desa_index: dict[tuple | None, NameIndex] = {}
        #: (level, name as written) -> (code, NameMatch) of the names matched inexactly
        self.inexact: dict[tuple[str, str], tuple[str, NameMatch]] = {}

    def _desa_names(self, kec_codes: tuple | None) -> NameIndex:
        if kec_codes not in self._desa_index:
            d = self.desa if kec_codes is None else \
                self.desa[self.desa["kecamatan_code"].isin(kec_codes)]
            self._desa_index[kec_codes] = NameIndex(zip(d["name"], d["code"]))
        return self._desa_index[kec_codes]

    def by_name(self, desa: str, kecamatan: str) -> tuple[str | None, str | None, str]:
        """(code, reason_if_not_placed, how)."""
        if not plain_key(desa):
            return None, "no desa name", ""
        kec_note = ""
        kec_codes: tuple | None = None
        if kecamatan:
            km = self.kec_index.lookup(kecamatan)
            if km.value is not None:
                kec_codes = (km.value,)
                if km.inexact:
                    self.inexact[("kecamatan", kecamatan)] = (km.value, km)
            elif km.how == "ambiguous" and len(set(km.tied)) <= 1:
                kec_codes = tuple(sorted(km.values))  # one name, several kecamatan
            elif km.how == "ambiguous":
                kec_note = (f"; kecamatan '{kecamatan}' fits {' and '.join(km.tied)} equally "
                            f"(score {km.score:.2f}): not guessed")
            else:
                kec_note = f"; kecamatan '{kecamatan}' unknown"
        m = self._desa_names(kec_codes).lookup(desa)
        if m.value is not None:
            if m.inexact:
                self.inexact[("desa", desa)] = (m.value, m)
            return m.value, None, "name" if m.how == "exact" else f"name ({m.how})"
        if m.how == "ambiguous" and len(set(m.tied)) > 1:
            return (None, f"desa name '{desa}' fits {' and '.join(m.tied)} equally (score "
                          f"{m.score:.2f}): not guessed; give the desa code", "")
        if m.how == "ambiguous":
            cand = self.desa.loc[self.desa["code"].isin(m.values)]
            kecs = sorted(cand["kecamatan_code"].unique())
            kabs = sorted(cand["kabupaten_code"].unique())
            if len(kabs) > 1:
                named = ", ".join(f"{k} {self.kec_names.get(k, '')}".strip() for k in kecs)
                return (None, f"desa name '{desa}' is in {len(kabs)} kabupaten "
                              f"({', '.join(kabs)}; {len(m.values)} desa, kecamatan {named}): "
                              "not guessed across kabupaten; give the kecamatan or the desa "
                              "code", "")
            return (None, f"desa name '{desa}' matches {len(m.values)} desa in kecamatan "
                          f"{', '.join(kecs)}; give the kecamatan or the desa code", "")
        return None, f"unknown desa name '{desa}'{kec_note}", ""

    def inexact_report(self) -> list[dict]:
        """The names matched by spelling or fuzzily, for ``unggulan validate``."""
        out = []
        for (level, written), (code, m) in self.inexact.items():
            label = (self.kec_names.get(code) if level == "kecamatan"
                     else self.desa.at[code, "name"] if code in self.desa.index else m.name)
            out.append({"level": level, "name": written, "code": code, "matched": label,
                        "how": m.how, "score": m.score, "rules": list(m.rules)})
        return out


def place_sentra(
    raw: pd.DataFrame,
    nums: pd.DataFrame,
    desa: gpd.GeoDataFrame,
    kecamatan: gpd.GeoDataFrame | None,
    fname: str,
    problems: list[Problem],
) -> pd.DataFrame:
    """Place each record in a desa; return desa_code, placed_by, note, unplaced_reason, lon, lat."""
    gaz = _Gazetteer(desa, kecamatan)
    n = len(raw)
    lon, lat = nums["lon"], nums["lat"].copy()
    note = pd.Series("", index=raw.index, dtype=object)
    note[nums["swapped"]] = "lon/lat were swapped; "
    zero = (lon == 0) & (lat == 0)
    bx0, by0, bx1, by1 = INDONESIA_BOUNDS
    given = lon.notna() & lat.notna() & ~zero
    abroad = given & ~(lon.between(bx0, bx1) & lat.between(by0, by1))
    has_xy = given & ~abroad
    in_desa = pd.Series(None, index=raw.index, dtype=object)
    dist_m = pd.Series(np.nan, index=raw.index)
    if has_xy.any():
        pts = gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(lon[has_xy], lat[has_xy]), index=raw.index[has_xy],
            crs=STORAGE_CRS,
        )
        joined = gpd.sjoin(pts, desa[["code", "geometry"]], how="left", predicate="intersects")
        joined = joined[~joined.index.duplicated(keep="first")]
        in_desa[joined.index] = joined["code"].where(joined["code"].notna(), None)
        outside = joined.index[joined["code"].isna()]
        if len(outside):
            near = gpd.sjoin_nearest(
                pts.loc[outside].to_crs(AREA_CRS), desa[["code", "geometry"]].to_crs(AREA_CRS),
                how="left", distance_col="dist",
            )
            near = near[~near.index.duplicated(keep="first")]
            dist_m[near.index] = near["dist"]
            ok = near.index[near["dist"] <= SNAP_DISTANCE_M]
            in_desa[ok] = near.loc[ok, "code"]
            for r in ok:
                note[r] += f"point {near.at[r, 'dist']:.0f} m outside desa, placed in nearest; "
            far = near.index[near["dist"] > SNAP_DISTANCE_M]
            flipped = _flipped_latitude(lon[far], lat[far], desa)
            for r, code in flipped.items():
                note[r] += (f"latitude sign flipped ({lat[r]:g} -> {-lat[r]:g}: south of the "
                            "equator is negative, LS); ")
                lat[r] = -lat[r]
                in_desa[r] = code

    codes = pd.Series(None, index=raw.index, dtype=object)
    placed_by = pd.Series("", index=raw.index, dtype=object)
    reason = pd.Series("", index=raw.index, dtype=object)
    for r in raw.index:
        digits = clean_code(raw.at[r, "desa_code"])
        why = []
        if digits:
            code = gaz.by_digits.get(digits)
            if code:
                codes[r], placed_by[r] = code, "code"
                if isinstance(in_desa[r], str) and in_desa[r] != code:
                    note[r] += f"coordinates lie in desa {in_desa[r]}; "
                continue
            why.append(f"desa code '{raw.at[r, 'desa_code']}' not in the boundaries")
        elif raw.at[r, "desa_code"]:
            why.append(f"desa code '{raw.at[r, 'desa_code']}' is not a code: "
                       f"{why_not_code(raw.at[r, 'desa_code'])}")
        if zero[r]:
            why.append("coordinates are 0, 0 (an empty GPS fix or a blank filled with 0), "
                       "not a place")
        elif abroad[r]:
            why.append(f"coordinates (lon {lon[r]:g}, lat {lat[r]:g}) lie outside Indonesia "
                       f"(lon {bx0:g} to {bx1:g}, lat {by0:g} to {by1:g})")
        if has_xy[r]:
            if isinstance(in_desa[r], str):
                codes[r], placed_by[r] = in_desa[r], "coordinates"
                continue
            why.append(f"point outside every desa (nearest {dist_m[r] / 1000:.1f} km away)")
        if raw.at[r, "desa"]:
            code, bad, how = gaz.by_name(raw.at[r, "desa"], raw.at[r, "kecamatan"])
            if code:
                codes[r], placed_by[r] = code, how
                for lv in ("kecamatan", "desa"):
                    hit = gaz.inexact.get((lv, raw.at[r, lv]))
                    if hit:
                        note[r] += (f"{lv} name '{raw.at[r, lv]}' read as '{hit[1].name}' "
                                    f"({hit[1].describe()}); ")
                continue
            why.append(bad)
        if not why:
            why.append("no desa code, no coordinates and no desa name")
        elif not given[r] and not raw.at[r, "desa"] and not digits and not zero[r]:
            why.append("no coordinates and no desa name")
        reason[r] = "; ".join(why)
    placed = codes.notna()
    note[abroad & placed] += "coordinates outside Indonesia ignored; "
    note[zero & placed] += "coordinates 0, 0 ignored; "
    decimal_codes = raw["desa_code"].str.fullmatch(r"\d+\.0+") & codes.notna()
    if decimal_codes.any():
        r0 = raw.index[decimal_codes][0]
        problems.append(Problem(
            "info", fname, f"{int(decimal_codes.sum())} desa code(s) were written as decimal "
            f"numbers (e.g. '{raw.at[r0, 'desa_code']}' in row {r0}) and read as codes "
            f"({codes[r0]}); no Indonesian code starts with 0, so nothing was lost",
            row=int(r0), field="desa_code"))
    inexact = gaz.inexact_report()
    if inexact:
        shown = "; ".join(f"{x['level']} '{x['name']}' -> {x['matched']} ({x['code']}, "
                          + (f"fuzzy, score {x['score']:.2f})" if x["how"] == "fuzzy" else
                             "spelling" + (f": {', '.join(x['rules'])})" if x["rules"]
                                           else ")")) for x in inexact[:10])
        problems.append(Problem(
            "info", fname, f"{len(inexact)} name(s) matched by spelling or fuzzily, check "
            f"them: {shown}" + ("; ..." if len(inexact) > 10 else ""), field="desa"))
    n_unplaced = int((reason != "").sum())
    if n_unplaced:
        problems.append(
            Problem("warning", fname, f"{n_unplaced} of {n} record(s) could not be placed in a "
                    "desa (see unplaced_reason)")
        )
    out = pd.DataFrame(
        {
            "desa_code": codes,
            "placed_by": placed_by,
            "unplaced_reason": reason.where(reason != "", None),
            "note": note.str.rstrip("; ").where(note != "", None),
            "lon": lon.where(has_xy),
            "lat": lat.where(has_xy),
        },
        index=raw.index,
    )
    out.attrs["names_inexact"] = inexact
    return out


def load_sentra(
    paths: list[Path],
    cfg: SentraConfig,
    desa: gpd.GeoDataFrame,
    kecamatan: gpd.GeoDataFrame | None,
    catalogue: Catalogue,
    problems: list[Problem],
) -> tuple[gpd.GeoDataFrame, list[SentraSource]]:
    """Read, clean and place the sentra records of every file given.

    Returns one GeoDataFrame (EPSG:4326 points: the record's coordinates, or the desa's
    representative point when it was placed by code or name; ``point_source`` says which).
    """
    frames, sources = [], []
    for path in paths:
        fname = str(path)
        try:
            raw, src = read_sentra_file(path, cfg)
        except DatasetError as exc:
            # one unusable table must not hide what the others and the layers say
            problems.append(Problem("error", fname, exc.detail, field=exc.field))
            sources.append(SentraSource(file=fname))
            continue
        for message, fld in src.notes:
            problems.append(Problem("info", fname, message, field=fld))
        nums = _numbers(raw, src.decimal or ".", fname, src, problems)
        placed = place_sentra(raw, nums, desa, kecamatan, fname, problems)
        src.names_inexact = placed.attrs.pop("names_inexact", [])
        matches = raw["commodity"].map(catalogue.match)
        cid = matches.map(lambda m: m[0])
        sector = raw["sector"].map(match_sector)
        sector = sector.where(sector.notna(), cid.map(
            lambda c: catalogue.get(c).sector if isinstance(c, str) else None))
        market = raw["market"].map(match_market)
        bad_market = (raw["market"] != "") & market.isna()
        for r in raw.index[bad_market]:
            problems.append(Problem("warning", fname, f"market reach '{raw.at[r, 'market']}' "
                                    f"not understood (use one of {', '.join(MARKETS)})",
                                    row=int(r), field=src.columns.get("market")))
        no_commodity = raw["commodity"] == ""
        for r in raw.index[no_commodity]:
            problems.append(Problem("warning", fname, "commodity is empty (the record "
                                    "counts for no commodity)", row=int(r),
                                    field=src.columns.get("commodity")))
        frame = pd.DataFrame(
            {
                "source_file": path.name,
                "row": raw.index.astype(int),
                "sentra_id": raw["id"].replace("", None),
                "sentra_name": raw["sentra_name"].replace("", None),
                "commodity_raw": raw["commodity"],
                "commodity_id": cid,
                "commodity_match": matches.map(lambda m: m[1]),
                "sector": sector,
                "desa_code": placed["desa_code"],
                "placed_by": placed["placed_by"].replace("", None),
                "unplaced_reason": placed["unplaced_reason"],
                "note": placed["note"],
                "units": nums["units"],
                "workers": nums["workers"],
                "value": nums["value"],
                "year": nums["year"],
                "market": market,
                "lon": placed["lon"],
                "lat": placed["lat"],
            }
        )
        frames.append(frame)
        sources.append(src)
    columns = [
        "source_file", "row", "sentra_id", "sentra_name", "commodity_raw", "commodity_id",
        "commodity_match", "sector", "desa_code", "kecamatan_code", "placed_by",
        "unplaced_reason", "note", "units", "workers", "value", "year", "market", "lon", "lat",
        "point_source",
    ]  # fmt: skip
    if not frames:
        numeric = {"row", "units", "workers", "value", "year", "lon", "lat"}
        empty = gpd.GeoDataFrame(
            {c: pd.Series([], dtype=float if c in numeric else object) for c in columns},
            geometry=[], crs=STORAGE_CRS,
        )
        return empty, sources
    allf = pd.concat(frames, ignore_index=True)
    allf["kecamatan_code"] = allf["desa_code"].map(desa["kecamatan_code"])
    desa_pts = desa.geometry.representative_point()
    xy = gpd.points_from_xy(allf["lon"], allf["lat"])
    fallback = allf["desa_code"].map(desa_pts)
    use_xy = allf["lon"].notna().to_numpy()
    geom = np.where(use_xy, np.asarray(xy, dtype=object), fallback.to_numpy(dtype=object))
    allf["point_source"] = np.where(
        use_xy, "coordinates", np.where(allf["desa_code"].notna(), "desa", None)
    )
    out = gpd.GeoDataFrame(allf[columns], geometry=list(geom), crs=STORAGE_CRS)
    return out, sources
