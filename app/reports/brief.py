"""The printable brief of a kecamatan or a kabupaten: one HTML document, printed to PDF.

Planners carry a document into a Musrenbang or an RPJMD annex, not a web page. The brief
holds, in Bahasa Indonesia (or English):

- a static map of the area, its desa coloured and hatched by their top candidate (the web
  map's palette) and numbered, keyed to the tables;
- the ranked candidates (score, land class and limiting factors, LQ, sentra, workers, why),
  of the kecamatan itself and of each desa;
- the share of the land in S1/S2/S3/N for the leading commodities;
- each top candidate's score components;
- the sentra by sector;
- production statistics (SLQ x DLQ quadrant, series) when the dataset has them;
- a method page: data files, the sources of the land requirements, the weights or the
  scenario (name and hash), the date and the tool's version.

A kabupaten brief (the code of a kabupaten: ``73.08``) has an overview and then a summary
page per kecamatan. The HTML is self-contained (charts and maps as SVG data URIs) and is
the same document WeasyPrint turns into an A4 PDF with page numbers and table headers
repeated across pages. The same inputs give the same bytes apart from the date
(:attr:`BriefOptions.date` fixes it).

Page rule (tested): every section of :attr:`Brief.sections` with ``page_break`` starts on a
new page; so the PDF has at least as many pages as such sections, and each section's
heading is on a later page than the one before.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from unggulan.base.errors import UnggulanError, UnknownArea
from unggulan.base.numbers import fmt_number
from unggulan.reports import charts
from unggulan.reports.static_map import LegendEntry, area_map

TEMPLATES = Path(__file__).with_name("templates")
LANGS = ("id", "en")
#: width of the page's text block, cm (A4 210 mm minus 2 x 14 mm margins)
CONTENT_CM = 18.2
Progress = Callable[[int, int, str], None]

# ---------------------------------------------------------------------- words
T: dict[str, tuple[str, str]] = {
    "title": ("Profil Komoditas Unggulan", "Flagship Commodity Brief"),
    "kecamatan": ("Kecamatan", "Kecamatan (district)"),
    "kabupaten": ("Kabupaten/Kota", "Kabupaten/kota (regency/city)"),
    "dataset": ("Dataset", "Dataset"),
    "code": ("Kode", "Code"),
    "date": ("Tanggal", "Date"),
    "n_desa": ("Jumlah desa/kelurahan", "Desa/kelurahan"),
    "n_kec": ("Jumlah kecamatan", "Kecamatan"),
    "area": ("Luas (ha)", "Area (ha)"),
    "n_sentra": ("Sentra tercatat", "Sentra recorded"),
    "n_workers": ("Tenaga kerja sentra", "Sentra workers"),
    "top_kec": ("Kandidat utama kecamatan", "Leading candidate of the kecamatan"),
    "page_of": ("Halaman", "Page"),
    "of": ("dari", "of"),
    "sec_summary": ("Ringkasan dan peta", "Summary and map"),
    "sec_candidates": ("Kandidat komoditas unggulan kecamatan",
                       "Candidate flagship commodities of the kecamatan"),
    "sec_desa": ("Kandidat per desa", "Candidates per desa"),
    "sec_overview": ("Kandidat per kecamatan", "Candidates per kecamatan"),
    "sec_stats": ("Statistik produksi: SLQ dan DLQ", "Production statistics: SLQ and DLQ"),
    "sec_method": ("Metode dan sumber data", "Method and data sources"),
    "h_components": ("Komponen skor kandidat", "Score components of the candidates"),
    "h_land": ("Kesesuaian lahan komoditas utama", "Land suitability of the leading commodities"),
    "h_sentra": ("Sentra per sektor", "Sentra by sector"),
    "h_desa_tops": ("Komoditas peringkat 1 desa", "Rank-1 commodities of the desa"),
    "h_data": ("Data yang dipakai", "Data used"),
    "h_requirements": ("Sumber persyaratan lahan", "Sources of the land requirements"),
    "h_weights": ("Bobot skor", "Score weights"),
    "h_reading": ("Cara membaca", "How to read this brief"),
    "h_made": ("Pembuatan dokumen", "About this document"),
    "no": ("No.", "No."),
    "desa": ("Desa/kelurahan", "Desa"),
    "rank": ("#", "#"),
    "commodity": ("Komoditas", "Commodity"),
    "score": ("Skor", "Score"),
    "klass": ("Kelas lahan", "Land class"),
    "limiting": ("Faktor pembatas", "Limiting factors"),
    "lq": ("LQ", "LQ"),
    "sentra": ("Sentra", "Sentra"),
    "workers": ("Tenaga kerja", "Workers"),
    "units": ("Unit usaha", "Business units"),
    "reason": ("Alasan", "Why"),
    "sector": ("Sektor", "Sector"),
    "main_commodities": ("Komoditas utama", "Main commodities"),
    "ha_s123": ("Luas S1–S3 (ha)", "S1–S3 area (ha)"),
    "page": ("Hal.", "Page"),
    "cand_n": ("Kandidat", "Candidate"),
    "n_desa_leading": ("Desa (peringkat 1)", "Desa (rank 1)"),
    "total": ("Jumlah", "Total"),
    "component": ("Komponen", "Component"),
    "weight": ("Bobot", "Weight"),
    "evidence": ("Bukti", "Evidence"),
    "S1": ("S1 sangat sesuai", "S1 highly suitable"),
    "S2": ("S2 cukup sesuai", "S2 moderately suitable"),
    "S3": ("S3 sesuai marginal", "S3 marginally suitable"),
    "N": ("N tidak sesuai", "N not suitable"),
    "none": ("tanpa kandidat", "no candidate"),
    "land_only": ("potensi lahan saja (warna pucat)", "land potential only (pale colour)"),
    "basis_note": ("Dasar kandidat peringkat 1: {items}", "Basis of the rank-1 candidates: "
                   "{items}"),
    "derived": ("kode turunan", "derived code"),
    "derived_note": ("Kode bertanda “kode turunan” diturunkan alat ini dari nama wilayah, "
                     "bukan kode resmi Kemendagri/BPS.",
                     "Codes marked “derived code” were derived by this tool from the area "
                     "names; they are not official Kemendagri/BPS codes."),
    "tie_note": ("Peringkat “1=”: skor sama dengan kandidat lain (peringkat bersama).",
                 "Rank “1=”: the same score as another candidate (a shared rank)."),
    "other": ("lainnya", "other"),
    "no_candidates": ("Belum ada kandidat untuk wilayah ini.", "No candidate for this area."),
    "no_sentra": ("Tidak ada sentra tercatat di wilayah ini.", "No sentra recorded in this area."),
    "no_land": ("Tidak ada komoditas dengan penilaian lahan di antara kandidat utama.",
                "No leading candidate has a land assessment."),
    "legend_desa": ("Desa menurut kandidat peringkat 1", "Desa by rank-1 candidate"),
    "legend_kec": ("Kecamatan menurut kandidat peringkat 1", "Kecamatan by rank-1 candidate"),
    "map_note": ("Warna dan arsiran mengikuti kandidat peringkat 1 (palet yang sama dengan peta "
                 "web); nomor merujuk ke tabel. Garis tebal: batas {what}.",
                 "Colour and hatching follow the rank-1 candidate (the web map's palette); "
                 "numbers refer to the tables. Thick line: boundary of the {what}."),
    "class_dash": ("Kelas lahan “–”: tidak dinilai (perikanan, peternakan), tidak berlaku "
                   "(kerajinan, sandang) atau tanpa data lahan. LQ: dari tenaga kerja sentra; "
                   "bertanda ˢ: SLQ dari statistik produksi; “–”: tidak ada keduanya.",
                   "Land class “–”: not assessed (fishery, livestock), not applicable "
                   "(crafts, textiles) or no land data. LQ: from the sentra workers; marked ˢ: "
                   "the SLQ of the production statistics; “–”: neither."),
    "land_note": ("Persentase luas yang tercakup data raster per kelas, dihitung per piksel, "
                  "dijumlahkan atas {what} dengan bobot luasnya.",
                  "Share of the raster-covered land in each class, classified per pixel and "
                  "summed over the {what}, weighted by their area."),
    "components_note": ("Nilai 0–100 per komponen sebelum pembobotan; “–”: tidak berlaku "
                        "(bobotnya dibagi ke komponen lain).",
                        "Values 0–100 per component before weighting; “–”: not applicable "
                        "(its weight goes to the other components)."),
    "contributions_note": ("Sumbangan tiap komponen (nilai × bobot) pada skor kandidat.",
                           "Each component's contribution (value × weight) to the score."),
    "synthetic": ("PERHATIAN: data SINTETIS (dibuat untuk pengujian), bukan data sebenarnya. "
                  "Jangan dipakai untuk perencanaan.",
                  "WARNING: SYNTHETIC data (made up for testing), not real data. Do not use "
                  "it for planning."),
    "synthetic_files": ("PERHATIAN: berkas bertanda sintetis: {files}. Hasil yang memakainya "
                        "bukan gambaran wilayah yang sebenarnya.",
                        "WARNING: files marked synthetic: {files}. Results that use them do "
                        "not describe the real area."),
    "synthetic_short": ("PERHATIAN: {n} berkas masukan bertanda SINTETIS (daftarnya di halaman "
                        "metode); hasil ini bukan gambaran wilayah yang sebenarnya.",
                        "WARNING: {n} input file(s) marked SYNTHETIC (listed on the method "
                        "page); these results do not describe the real area."),
    "weights_default": ("Bobot bawaan.", "Default weights."),
    "weights_custom": ("Bobot khusus (diberikan pengguna).", "Custom weights (given by the user)."),
    "scenario": ("Skenario", "Scenario"),
    "hash": ("hash isi", "content hash"),
    "params": ("Kandidat per wilayah: {top}; wilayah acuan LQ: {reference}; tingkat "
               "pengelolaan lahan: {management}.",
               "Candidates per area: {top}; LQ reference region: {reference}; land management "
               "level: {management}."),
    "method": ("Metode agregasi skor: {method}.", "Score aggregation method: {method}."),
    "run_scenario": ("Skenario: {name}; hash skenario (sha256): {hash}",
                     "Scenario: {name}; scenario hash (sha256): {hash}"),
    "inputs_hash": ("Hash isi berkas masukan (sha256; sama berarti masukan sama): {hash}",
                    "Content hash of the input files (sha256; equal means the same inputs): "
                    "{hash}"),
    "run_hash": ("Hash run (skenario + masukan + versi): {hash}",
                 "Run hash (scenario + inputs + version): {hash}"),
    "criteria_none": ("Kriteria skenario tanpa data: {names}.",
                      "Scenario criteria without data: {names}."),
    "criteria_part": ("Kriteria skenario dengan data sebagian: {names}.",
                      "Scenario criteria with partial data: {names}."),
    "made": ("Dibuat {date} dengan unggulan versi {version} (perangkat lunak sumber terbuka).",
             "Made on {date} with unggulan version {version} (open-source software)."),
    "read_score": (
        "Skor (0–100) adalah rata-rata tertimbang bukti yang dinormalkan (tabel bobot di atas). "
        "Komponen yang tidak berlaku, misalnya kesesuaian lahan untuk perikanan, dikeluarkan dan "
        "bobot lainnya dinormalkan ulang. Komoditas menjadi kandidat di suatu wilayah bila ada "
        "sentra di sana atau lahannya sesuai (S1–S3); kelas N tanpa sentra tidak pernah diusulkan.",
        "The score (0–100) is the weighted mean of normalised evidence (weights table above). "
        "Components that do not apply, e.g. land suitability for fishery, are left out and the "
        "other weights renormalised. A commodity is a candidate in an area when it has sentra "
        "there or the land suits it (S1–S3); class N without sentra is never proposed."),
    "read_class": (
        "Kelas kesesuaian lahan mengikuti metode faktor pembatas pada nilai rata-rata atribut "
        "agroekologi wilayah: S1 sangat sesuai, S2 cukup sesuai, S3 sesuai marginal, N tidak "
        "sesuai; faktor pembatas adalah atribut yang menurunkan kelas.",
        "Land suitability classes follow the limiting-factor method on the area's mean "
        "agro-ecological attributes: S1 highly, S2 moderately, S3 marginally suitable, N not "
        "suitable; the limiting factors are the attributes that lower the class."),
    "read_lq": (
        "LQ (location quotient) membandingkan pangsa tenaga kerja sentra komoditas di wilayah "
        "dengan pangsanya di wilayah acuan; LQ > 1 berarti wilayah itu lebih terspesialisasi.",
        "The LQ (location quotient) compares the commodity's share of sentra workers in the "
        "area with its share in the reference region; LQ > 1 means the area specialises in it."),
    "boundaries": ("Batas wilayah", "Boundaries"),
    "dissolved": ("digabung dari batas desa", "dissolved from the desa boundaries"),
    "features": ("{n} fitur, kolom kode {code}, sistem kode {system}",
                 "{n} features, code column {code}, code system {system}"),
    "sentra_file": ("{rows} baris, {placed} terpetakan ke desa",
                    "{rows} rows, {placed} placed in a desa"),
    "stat_file": ("{tables} tabel, {values} nilai, tahun {years}; ukuran: {measures}",
                  "{tables} table(s), {values} values, years {years}; measures: {measures}"),
    "rasters": ("Raster agroekologi", "Agro-ecological rasters"),
    "catalogue": ("Katalog komoditas", "Commodity catalogue"),
    "statistics": ("Statistik", "Statistics"),
    "stats_missing": ("Statistik produksi tidak dapat dipakai: {why}",
                      "Production statistics could not be used: {why}"),
    "quadrant": ("Kuadran", "Quadrant"),
    "stats_note": (
        "SLQ: location quotient produksi selama periode terhadap jumlah seluruh kecamatan "
        "dataset; DLQ: LQ dinamis (laju pertumbuhan rata-rata). Kuadran: SLQ > 1 dan DLQ > 1 "
        "unggulan; SLQ > 1, DLQ ≤ 1 andalan; SLQ ≤ 1, DLQ > 1 prospektif; lainnya "
        "tertinggal. “–”: tidak dapat dihitung (mis. nol di awal periode).",
        "SLQ: location quotient of the period's output against the sum of the dataset's "
        "kecamatan; DLQ: dynamic LQ (mean growth rates). Quadrants: SLQ > 1 and DLQ > 1 "
        "leading; SLQ > 1, DLQ ≤ 1 mainstay; SLQ ≤ 1, DLQ > 1 prospective; else lagging. "
        "“–”: cannot be computed (e.g. zero at the start)."),
    "series": ("Deret tahunan", "Yearly series"),
}
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]
#: what each score component measures, in Indonesian (English: unggulan.core.ranking.scoring.DESCRIPTIONS)
WEIGHT_EVIDENCE_ID = {
    "suitability": "indeks kesesuaian lahan (0–1)",
    "specialisation": "location quotient: tenaga kerja sentra (distabilkan) atau statistik "
                      "(SLQ); yang lebih tinggi dipakai",
    "scale": "pangsa komoditas dalam output wilayah sendiri atau tenaga kerja sentra "
             "(50 % bernilai 1)",
    "trend": "LQ dinamis selama periode statistik (1 bernilai 0,5; 4 atau lebih bernilai 1)",
    "cluster": "LQ wilayah tetangga, tanpa wilayah sendiri",
    "continuity": "tahun sejak sentra tertua berdiri (20 tahun bernilai 1)",
    "market": "jangkauan pasar terluas (lokal 0,25 … ekspor 1)",
    "uniqueness": "pangsa wilayah atas tenaga kerja komoditas itu di dataset",
}


#: a number for the page (kept under its old name)
fmt_num = fmt_number


def fmt_date(d: dt.date, lang: str = "id") -> str:
    """``30 November 2025`` (id) or ``30 November 2025`` with English month names (en).

    >>> fmt_date(dt.date(2025, 8, 17), "id"), fmt_date(dt.date(2025, 8, 17), "en")
    ('17 Agustus 2025', '17 August 2025')
    """
    month = MONTHS_ID[d.month - 1] if lang == "id" else d.strftime("%B")
    return f"{d.day} {month} {d.year}"


# ---------------------------------------------------------------------- options, result
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


@dataclass
class Section:
    """A part of the brief; ``page_break``: it starts on a new page."""

    id: str
    title: str
    page_break: bool
    blocks: list[dict] = field(default_factory=list)
    anchor: str | None = None


@dataclass
class Brief:
    """A built brief: its HTML and what it holds."""

    code: str
    kind: str  # "kecamatan" or "kabupaten"
    name: str
    lang: str
    date: dt.date
    html: str
    sections: list[Section]
    desa: list[tuple[str, str, str | None]]  # (code, name, rank-1 commodity id) shown
    weights: dict[str, float]
    scenario: dict | None
    steps: int = 0  # progress steps the build reported
    info: Any = None  # unggulan.core.ranking.run.RunInfo: scenario, inputs and run hashes


# ---------------------------------------------------------------------- a run
@dataclass
class _Run:
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
        text = T[key][0 if self.lang == "id" else 1]
        return text.format(**kw) if kw else text

    def n(self, x, digits: int = 0) -> str:
        return fmt_num(x, digits, self.lang)

    def cand(self, level: str) -> pd.DataFrame:
        if level not in self._cand:
            if self.scenario_obj is not None and _accepts(self.ds.candidates, "scenario"):
                c = self.ds.candidates(level, scenario=self.scenario_obj)
            else:
                c = self.ds.candidates(level, top=self.top, weights=self.weights,
                                       reference=self.reference, management=self.management)
            self._cand[level] = pd.DataFrame(c.drop(columns="geometry"))
        return self._cand[level]

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

    def colours(self, level: str) -> dict[str, str]:
        """The run's palette, the same on every map, page and brief of the dataset and run
        (:func:`unggulan.maps.colours.run_palette`; ``level`` is kept for callers)."""
        from unggulan.core.ranking.run import default_scenario
        from unggulan.maps.colours import run_palette

        sc = self.scenario_obj if self.scenario_obj is not None else default_scenario(
            self.weights, top=self.top, reference=self.reference, management=self.management)
        return run_palette(self.ds, sc)

    def lq(self, r) -> str:
        """The candidate's LQ: the sentra's, else the statistics' SLQ marked "ˢ"."""
        lq = getattr(r, "lq", None)
        if lq is not None and lq == lq:
            return self.n(lq, 2)
        slq = getattr(r, "slq", None)
        return f"{self.n(slq, 2)}ˢ" if slq is not None and slq == slq else "–"

    def rank(self, r) -> str:
        """A candidate's rank as shown: "1=" where the scoring shares it."""
        from unggulan.maps.colours import rank_label

        return rank_label(r.rank, getattr(r, "rank_label", None))

    def name(self, text) -> str:
        """An area name as shown (title case for names a source wrote in one case)."""
        from unggulan.maps.colours import proper_case

        return "–" if text is None or (isinstance(text, float) and math.isnan(text)) \
            else str(proper_case(str(text)))

    def commodity(self, cid) -> str:
        if cid is None or (isinstance(cid, float) and math.isnan(cid)):
            return "–"
        cat = self.ds.catalogue.frame
        col = "name_id" if self.lang == "id" else "name_en"
        return str(cat.at[cid, col]) if cid in cat.index else str(cid)

    def factors(self, text) -> str:
        from unggulan.maps.colours import attribute_label

        if not isinstance(text, str) or not text:
            return "–"
        k = 0 if self.lang == "id" else 1
        return ", ".join(attribute_label(f)[k] for f in text.split(","))


def _accepts(func, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _cell(text: Any = "", cls: str = "", span: int = 1, sub: str | None = None,
          href: str | None = None) -> dict:
    return {"text": "" if text is None else str(text), "cls": cls, "span": span, "sub": sub,
            "href": href}


def _table(head: list[dict], groups: list[list[list[dict]]], cls: str = "",
           widths: list[float] | None = None) -> dict:
    return {"kind": "table", "head": head, "groups": groups, "cls": cls, "widths": widths}


def _figure(svg: str, alt: str, caption: str | None = None, width: float = 100.0) -> dict:
    return {"kind": "figure", "src": charts.data_uri(svg), "alt": alt, "caption": caption,
            "width": width}


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
    from unggulan.core.inputs.codes import clean_code

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
        return "kabupaten", kab_code, _kabupaten_name(ds, kab_code)
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


def _kabupaten_name(ds, kab_code: str) -> str:
    kabs = ds.areas("kecamatan")["kabupaten_code"].astype(object).unique()
    if ds.config.name and len(kabs) == 1:
        return str(ds.config.name)
    return f"{kab_code} ({ds.name})" if len(kabs) == 1 else kab_code


def _desa_of(ds, kec_codes) -> pd.DataFrame:
    if "desa" not in ds.levels:
        return ds.areas("kecamatan").iloc[0:0]
    d = ds.areas("desa")
    return d[d["kecamatan_code"].isin(set(kec_codes))].sort_values("code")


def _synthetic_notes(run: _Run, short: bool = False) -> list[str]:
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


def _geometry(ds, level: str, codes) -> Any:
    """The level's polygons simplified as on the web map, for ``codes``, as a GeoDataFrame."""
    import geopandas as gpd

    from unggulan.maps.pages import simplified

    areas = ds.areas(level)
    geoms = simplified(ds, level)
    pos = areas.index.get_indexer(list(codes))
    return gpd.GeoDataFrame({"code": list(codes)}, geometry=geoms[pos], crs=areas.crs)


# ---------------------------------------------------------------------- maps
def _map_block(run: _Run, level: str, codes: list[str], tops: list, numbers: list[int],
               outline_code: str | None, height_cm: float, what: str,
               legend_right: bool = False) -> dict:
    import shapely

    from unggulan.maps.colours import BASIS, BASIS_LABEL, LAND_ONLY, basis_counts, first_ranked

    ds = run.ds
    colours = run.colours(level)
    styles = [charts.commodity_style(c, colours) for c in tops]
    # the evidence the rank-1 candidate rests on: land potential only is drawn pale
    first = first_ranked(run.cand(level))
    basis = first.set_index("code")["basis"] if "basis" in first else pd.Series(dtype=object)
    bases = [basis.get(c) if isinstance(t, str) else None for c, t in zip(codes, tops)]
    bases = [b if b in BASIS else None for b in bases]
    styles = [(charts.pale(f), h) if b == LAND_ONLY else (f, h) for (f, h), b in
              zip(styles, bases)]
    geo = _geometry(ds, level, codes)
    # legend: the commodities leading here, in the palette's order, then other and none
    counts = pd.Series([c for c in tops if isinstance(c, str)], dtype=object).value_counts()
    unit = "desa" if level == "desa" else "kec."
    legend = []
    for cid in sorted(counts.index, key=lambda c: (list(colours).index(c) if c in colours
                                                   else 99, -counts[c], c)):
        if cid in colours:
            fill, hatch = charts.commodity_style(cid, colours)
            legend.append(LegendEntry(f"{run.commodity(cid)} ({counts[cid]} {unit})", fill,
                                      hatch))
    n_other = int(sum(counts[c] for c in counts.index if c not in colours))
    if n_other:
        legend.append(LegendEntry(f"{run.t('other')} ({n_other} {unit})",
                                  charts.commodity_style("?", {})[0]))
    n_none = sum(1 for c in tops if not isinstance(c, str))
    if n_none:
        legend.append(LegendEntry(f"{run.t('none')} ({n_none} {unit})", "#FFFFFF"))
    by_basis = basis_counts(bases)
    if by_basis.get(LAND_ONLY):
        legend.append(LegendEntry(f"{run.t('land_only')} ({by_basis[LAND_ONLY]} {unit})",
                                  charts.pale(charts.commodity_style("?", {})[0])))
    k = 0 if run.lang == "id" else 1
    basis_text = run.t("basis_note", items="; ".join(
        f"{BASIS_LABEL[b][k]} {n} {unit}" for b, n in by_basis.items() if b in BASIS_LABEL))
    basis_text = (basis_text if basis_text.endswith(".") else basis_text + ".") \
        if by_basis else ""
    # neighbours for context: the level's areas around the extent
    bounds = shapely.box(*geo.total_bounds).buffer(
        0.15 * max(geo.total_bounds[2] - geo.total_bounds[0],
                   geo.total_bounds[3] - geo.total_bounds[1]))
    ctx_level = "kecamatan"
    ctx_all = ds.areas(ctx_level)
    near = ctx_all.index[ctx_all.sindex.query(bounds, predicate="intersects")]
    near = [c for c in near if c != outline_code]
    context = _geometry(ds, ctx_level, near) if near else None
    outline = _geometry(ds, "kecamatan", [outline_code]).geometry.iloc[0] \
        if outline_code else None
    svg = area_map(geo, [s[0] for s in styles], [s[1] for s in styles], numbers, legend,
                   context=context, outline=outline, lang=run.lang,
                   legend_title=run.t("legend_desa" if level == "desa" else "legend_kec"),
                   width_cm=CONTENT_CM, height_cm=height_cm,
                   label_size=6.5 if len(codes) <= 40 else 5.5, legend_right=legend_right)
    return _figure(svg, run.t("legend_desa" if level == "desa" else "legend_kec"),
                   run.t("map_note", what=what) + (" " + basis_text if basis_text else ""))


# ---------------------------------------------------------------------- tables
def _candidate_table(run: _Run, rows: pd.DataFrame, with_reason: bool) -> dict:
    head = [_cell(run.t(k), cls) for k, cls in (
        ("rank", "num"), ("commodity", ""), ("score", "num"), ("klass", ""),
        ("limiting", ""), ("lq", "num"), ("sentra", "num"), ("workers", "num"))]
    groups = []
    for r in rows.sort_values("rank").itertuples(index=False):
        group = [[_cell(run.rank(r), "num"), _cell(run.commodity(r.commodity), "strong"),
                  _cell(run.n(r.score, 1), "num"), _cell(_klass(r.suitability_class)),
                  _cell(run.factors(r.limiting_factors)), _cell(run.lq(r), "num"),
                  _cell(run.n(r.sentra), "num"), _cell(run.n(r.workers), "num")]]
        if with_reason:
            reason = r.reason_id if run.lang == "id" else r.reason_en
            group.append([_cell(""), _cell(f"{run.t('reason')}: {reason}", "reason", span=7)])
        groups.append(group)
    return _table(head, groups, "cand", [5, 21, 8, 11, 22, 8, 9, 12])


def _klass(x) -> str:
    return x if isinstance(x, str) and x else "–"


def _desa_table(run: _Run, desa: pd.DataFrame, numbers: dict[str, int]) -> dict:
    by = run.ranked("desa")
    head = [_cell(run.t(k), cls) for k, cls in (
        ("no", "num"), ("desa", ""), ("rank", "num"), ("commodity", ""), ("score", "num"),
        ("klass", ""), ("limiting", ""), ("lq", "num"), ("sentra", "num"), ("workers", "num"))]
    groups = []
    for d in desa.itertuples(index=False):
        first = [_cell(numbers[d.code], "num strong"),
                 _cell(run.name(d.name), "strong", sub=_code_text(run, d))]
        g = by.get(d.code)
        if not g:
            groups.append([first + [_cell(run.t("none"), "muted", span=8)]])
            continue
        rows = []
        for i, r in enumerate(g):
            lead = first if i == 0 else [_cell(""), _cell("")]
            rows.append(lead + [
                _cell(run.rank(r), "num"), _cell(run.commodity(r.commodity)),
                _cell(run.n(r.score, 1), "num"), _cell(_klass(r.suitability_class)),
                _cell(run.factors(r.limiting_factors)), _cell(run.lq(r), "num"),
                _cell(run.n(r.sentra), "num"), _cell(run.n(r.workers), "num")])
        groups.append(rows)
    return _table(head, groups, "desa", [5, 17, 4, 17, 7, 8, 17, 7, 7, 11])


def _tops_table(run: _Run, level: str, areas: pd.DataFrame, numbers: dict[str, int],
                pages: bool, compact: bool = False) -> dict:
    """One row per area: its candidates (commodity, score, class); ``compact``: one line
    per area, without codes."""
    by = run.ranked(level)
    head = [_cell(run.t("no"), "num"), _cell(run.t("desa" if level == "desa" else "kecamatan"))]
    count_desa = level == "kecamatan" and "desa" in run.ds.levels
    if count_desa:
        head.append(_cell(run.t("n_desa"), "num"))
    head += [_cell(f"{run.t('cand_n')} {k}") for k in range(1, run.top + 1)]
    if pages:
        head.append(_cell(run.t("page"), "num"))
    n_desa = _desa_of(run.ds, areas["code"]).groupby("kecamatan_code").size() \
        if count_desa else None
    groups = []
    for a in areas.itertuples(index=False):
        items = by.get(a.code, [])
        row = [_cell(numbers[a.code], "num strong"),
               _cell(run.name(a.name), "strong", sub=None if compact else _code_text(run, a))]
        if n_desa is not None:
            row.append(_cell(int(n_desa.get(a.code, 0)), "num"))
        for k in range(run.top):
            if k < len(items):
                r = items[k]
                detail = f"{run.n(r.score, 1)} · {_klass(r.suitability_class)}"
                row.append(_cell(f"{run.commodity(r.commodity)} ({detail})") if compact else
                           _cell(run.commodity(r.commodity), sub=detail))
            else:
                row.append(_cell("–" if k else run.t("none"), "muted"))
        if pages:
            row.append(_cell("", "num pageref", href=f"#{_anchor(a.code)}"))
        groups.append([row])
    widths = [5, 20] + ([9] if count_desa else []) + \
        [(66 - (9 if count_desa else 0)) / run.top] * run.top + ([6] if pages else [])
    return _table(head, groups, "tops compact" if compact else "tops", widths)


def _anchor(code: str) -> str:
    return "kec-" + code.replace(".", "-")


def _land_blocks(run: _Run, level: str, codes: list[str], commodities: list[str],
                 what: str) -> list[dict]:
    """Shares of the land in S1..N per leading commodity, over ``codes`` of ``level``
    weighted by area_ha, as a chart and a table."""
    ds = run.ds
    blocks: list[dict] = [{"kind": "h3", "text": run.t("h_land")}]
    if not ds.rasters or not commodities:
        blocks.append({"kind": "p", "text": run.t("no_land"), "cls": "muted"})
        return blocks
    suit = ds.suitability(level, management=run.management, explain=False, copy=False)
    want = set(codes)
    sub = suit[suit["code"].astype(str).isin(want) &
               suit["commodity"].astype(str).isin(set(commodities))]
    area_ha = ds.areas(level)["area_ha"]
    cols = ["share_s1", "share_s2", "share_s3", "share_n"]
    rows = []
    for cid in commodities:
        s = sub[sub["commodity"].astype(str) == cid]
        s = s[s["share_s1"].notna()]
        if not len(s):
            continue
        w = s["code"].astype(str).map(area_ha).to_numpy(float)
        shares = s[cols].to_numpy(float)
        mean = (w[:, None] * shares).sum(axis=0) / w.sum()
        ha = float((w * shares[:, :3].sum(axis=1)).sum())
        rows.append((cid, mean, ha))
    if not rows:
        blocks.append({"kind": "p", "text": run.t("no_land"), "cls": "muted"})
        return blocks
    labels = [run.commodity(c) for c, _, _ in rows]
    shares = np.array([m for _, m, _ in rows])
    svg = charts.class_shares_chart(labels, shares, [run.t(k) for k in ("S1", "S2", "S3", "N")],
                                    run.lang, width_cm=CONTENT_CM)
    blocks.append(_figure(svg, run.t("h_land")))
    head = [_cell(run.t("commodity"))] + [_cell(f"{k} (%)", "num") for k in
                                          ("S1", "S2", "S3", "N")] + \
        [_cell(run.t("ha_s123"), "num")]
    groups = [[[_cell(label, "strong")] + [_cell(run.n(100 * v), "num") for v in m] +
               [_cell(run.n(ha), "num")]] for label, (_, m, ha) in zip(labels, rows)]
    blocks.append(_table(head, groups, "land keep", [30, 12, 12, 12, 12, 22]))
    blocks.append({"kind": "p", "text": run.t("land_note", what=what), "cls": "note"})
    return blocks


def _components_block(run: _Run, rows: pd.DataFrame, compact: bool = False) -> list[dict]:
    """Each candidate's score components: grouped bars of the component values (0-100),
    or, ``compact``, one stacked bar of weighted contributions adding up to the score
    (when they do: a score from another aggregation method falls back to the bars)."""
    from unggulan.maps.pages import COMPONENT_LABEL

    comps = [c for c in run.weights if f"score_{c}" in rows.columns]
    if not len(rows) or not comps:
        return []
    rows = rows.sort_values("rank")
    k = 0 if run.lang == "id" else 1
    labels = [f"{run.rank(r)}. {run.commodity(r.commodity)} ({run.n(r.score, 1)})"
              for r in rows.itertuples(index=False)]
    values = rows[[f"score_{c}" for c in comps]].to_numpy(float)
    w = np.array([run.weights[c] for c in comps])
    have = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = 100 * np.where(have, w * np.clip(values, 0, 1), 0.0) / \
            (have * w).sum(axis=1, keepdims=True)
    adds_up = bool(np.allclose(np.nan_to_num(contrib).sum(axis=1), rows["score"].to_numpy(float),
                               atol=0.5))
    comp_labels = [f"{COMPONENT_LABEL.get(c, (c, c))[k]} ×{fmt_num(run.weights[c], 2, run.lang)}"
                   for c in comps]
    if compact and adds_up:
        svg = charts.contributions_chart(labels, contrib, comp_labels, run.lang,
                                         width_cm=CONTENT_CM)
        return [_figure(svg, run.t("contributions_note"))]
    svg = charts.components_chart(labels, values, comp_labels, run.lang, width_cm=CONTENT_CM)
    return [{"kind": "h3", "text": run.t("h_components")},
            _figure(svg, run.t("h_components"), run.t("components_note"))]


def _sentra_blocks(run: _Run, kec_codes: list[str]) -> list[dict]:
    from unggulan.core.inputs.commodities import SECTORS

    s = run.ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"].isin(set(kec_codes))]
    blocks: list[dict] = [{"kind": "h3", "text": run.t("h_sentra")}]
    if not len(s):
        blocks.append({"kind": "p", "text": run.t("no_sentra"), "cls": "muted"})
        return blocks
    k = "id" if run.lang == "id" else "en"
    head = [_cell(run.t("sector")), _cell(run.t("sentra"), "num"), _cell(run.t("units"), "num"),
            _cell(run.t("workers"), "num"), _cell(run.t("main_commodities"))]
    groups = []
    sectors = list(SECTORS) + sorted(set(s["sector"].dropna().astype(str)) - set(SECTORS))
    for sec in sectors:
        g = s[s["sector"].astype(object) == sec]
        if not len(g):
            continue
        names = g["commodity_id"].astype(object).where(g["commodity_id"].notna(),
                                                       g["commodity_raw"])
        vc = names.value_counts()
        vc = sorted(vc.items(), key=lambda kv: (-kv[1], str(kv[0])))[:4]
        main = ", ".join(f"{run.commodity(c) if c in run.ds.catalogue.frame.index else c} "
                         f"({n})" for c, n in vc)
        label = SECTORS[sec][k] if sec in SECTORS else sec
        groups.append([[_cell(label, "strong"), _cell(run.n(len(g)), "num"),
                        _cell(run.n(g["units"].sum()), "num"),
                        _cell(run.n(g["workers"].sum()), "num"), _cell(main)]])
    groups.append([[_cell(run.t("total"), "strong"), _cell(run.n(len(s)), "num strong"),
                    _cell(run.n(s["units"].sum()), "num strong"),
                    _cell(run.n(s["workers"].sum()), "num strong"), _cell("")]])
    blocks.append(_table(head, groups, "sentra keep", [24, 9, 12, 13, 42]))
    return blocks


def _facts(items: list[tuple[str, str]], cls: str = "") -> dict:
    return {"kind": "facts", "items": items, "cls": cls}


def _leading(run: _Run, kec_codes: list[str], kec_rows: pd.DataFrame) -> list[str]:
    """The commodities a land table shows: the kecamatan's candidates, then the desa's
    rank-1 commodities by frequency; at most eight."""
    out = list(dict.fromkeys(kec_rows.sort_values(["rank", "code"])["commodity"].astype(str)))
    if "desa" in run.ds.levels:
        cd = run.cand("desa")
        desa = set(_desa_of(run.ds, kec_codes)["code"])
        cd1 = _first(cd)
        tops = cd1[cd1["code"].isin(desa)]["commodity"].value_counts()
        for c in sorted(tops.index, key=lambda c: (-tops[c], c)):
            if c not in out:
                out.append(str(c))
    return out[:8]


# ---------------------------------------------------------------------- statistics
#: measures whose SLQ x DLQ the brief shows, in this order, with their labels
STAT_MEASURES = {
    "production": ("produksi", "production"),
    "population": ("populasi ternak", "livestock population"),
}


def _quadrants(run: _Run, measure: str) -> pd.DataFrame | None:
    """SLQ x DLQ quadrants of every kecamatan on one measure of the dataset's statistics:
    ``ds.analysis("dlq", measure=...)`` when the dataset offers it, else
    :func:`unggulan.core.activity.lq.static_lq`, :func:`unggulan.core.activity.dlq.dynamic_lq` and
    :func:`unggulan.core.activity.dlq.quadrants` on ``ds.statistics()`` (the reference region is the sum of
    the dataset's kecamatan)."""
    ds = run.ds
    key = ("brief-quadrants", measure)
    if key in ds._cache:
        return ds._cache[key]
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
        from unggulan.core.activity import dlq
        from unggulan.core.activity import lq

        st = ds.statistics(measure=measure, level="kecamatan")
        st = st[~st["ratio"].astype(bool) & st["commodity"].notna() & st["year"].notna()]
        data = st.groupby(["code", "commodity", "year"], as_index=False)["value"].sum(
            min_count=1)
        if data["year"].nunique() < 2 or data["code"].nunique() < 2:
            q = None
        else:
            q = dlq.quadrants(lq.static_lq(data), dlq.dynamic_lq(data))
    ds._cache[key] = q
    return q


def _quadrant_names(run: _Run) -> list[str]:
    """Quadrant names top-right, top-left, bottom-left, bottom-right (SLQ x, DLQ y)."""
    from unggulan.core.activity.dlq import QUADRANTS

    k = 0 if run.lang == "id" else 1
    return [QUADRANTS[key][k] for key in ((True, True), (False, True), (False, False),
                                          (True, False))]


def _statistics_section(run: _Run, kec_codes: list[str], names: dict[str, str]
                        ) -> Section | None:
    """Production statistics: the SLQ x DLQ quadrant of each commodity and the yearly
    series (one kecamatan), or the kecamatan in the leading quadrant per commodity (a
    kabupaten). Left out when the dataset has no statistics."""
    ds = run.ds
    if not hasattr(ds, "statistics"):
        return None
    try:
        stats = ds.statistics(level="kecamatan")
    except Exception as exc:  # noqa: BLE001 - optional layer: the method page says why
        run.notes.append(run.t("stats_missing", why=str(exc)))
        return None
    if not isinstance(stats, pd.DataFrame) or not len(stats):
        return None
    want = set(kec_codes)
    sec = Section("statistics", run.t("sec_stats"), True)
    k = 0 if run.lang == "id" else 1
    qcol = "quadrant" if run.lang == "id" else "quadrant_en"
    for measure, label in STAT_MEASURES.items():
        try:
            q = _quadrants(run, measure)
        except UnggulanError as exc:
            run.notes.append(run.t("stats_missing", why=str(exc)))
            continue
        if q is None:
            continue
        q = q[q["code"].astype(str).isin(want)]
        if not len(q):
            continue
        unit = stats.loc[stats["measure"] == measure, "unit"]
        unit = f" ({unit.iloc[0]})" if len(unit) else ""
        sec.blocks.append({"kind": "h3", "text": f"SLQ × DLQ: {label[k]}{unit}"})
        if len(want) == 1:
            q = q.sort_values(["slq", "commodity"], ascending=[False, True])
            nums = list(range(1, len(q) + 1))
            ok = (q["slq"].notna() & q["dlq"].notna()).any()
            if ok:
                svg = charts.quadrant_chart(
                    q["slq"].to_numpy(float), q["dlq"].to_numpy(float), nums, ("SLQ", "DLQ"),
                    _quadrant_names(run), run.lang, width_cm=13.0)
                sec.blocks.append(_figure(svg, f"SLQ × DLQ {label[k]}", width=72.0))
            head = [_cell(run.t("no"), "num"), _cell(run.t("commodity")), _cell("SLQ", "num"),
                    _cell("DLQ", "num"), _cell(run.t("quadrant"))]
            groups = [[[_cell(n, "num"), _cell(run.commodity(r["commodity"]), "strong"),
                        _cell(run.n(r["slq"], 2), "num"), _cell(run.n(r["dlq"], 2), "num"),
                        _cell(r[qcol] if isinstance(r[qcol], str) else "–")]]
                      for n, (_, r) in zip(nums, q.iterrows())]
            sec.blocks.append(_table(head, groups, "stats keep", [8, 36, 14, 14, 28]))
        else:
            lead = q[q["quadrant"] == "unggulan"]
            head = [_cell(run.t("commodity")), _cell(run.t("n_kec"), "num"),
                    _cell(run.t("quadrant") + f": {_quadrant_names(run)[0]}")]
            groups = []
            for cid, g in sorted(lead.groupby("commodity"), key=lambda kv: (-len(kv[1]),
                                                                          str(kv[0]))):
                where = ", ".join(names.get(str(c), str(c)) for c in sorted(g["code"]))
                groups.append([[_cell(run.commodity(cid), "strong"), _cell(len(g), "num"),
                                _cell(where)]])
            if groups:
                sec.blocks.append(_table(head, groups, "stats", [22, 12, 66]))
    if len(want) == 1:
        s = stats[stats["code"].astype(str).isin(want) & (stats["measure"] == "production")
                  & stats["commodity"].notna()]
        if len(s) and s["year"].nunique() > 1:
            tot = s.groupby(["commodity", "year"])["value"].sum(min_count=1).unstack("year")
            tot = tot.loc[tot.sum(axis=1).sort_values(ascending=False).index[:6]]
            years = [int(y) for y in tot.columns]
            series = {run.commodity(c): tot.loc[c].to_numpy(float) for c in tot.index}
            unit = f"{STAT_MEASURES['production'][k]} ({s['unit'].iloc[0]})"
            sec.blocks.append({"kind": "h3", "text": run.t("series")})
            sec.blocks.append(_figure(charts.series_chart(years, series, unit, run.lang,
                                                          CONTENT_CM), run.t("series")))
    if sec.blocks:
        sec.blocks.append({"kind": "p", "text": run.t("stats_note"), "cls": "note"})
    return sec if sec.blocks else None


# ---------------------------------------------------------------------- sections
def area_heading(what: str, name: str) -> str:
    """"Kecamatan Kahu", "Kabupaten/Kota Bone": the kind's first word before the name, unless
    the name already starts with a kind ("Kabupaten Contoh", "Kota Batu").

    >>> area_heading("Kabupaten/Kota", "Bone"), area_heading("Kabupaten/Kota", "Kota Batu")
    ('Kabupaten/Kota Bone', 'Kota Batu')
    >>> area_heading("Kecamatan (district)", "Kahu")
    'Kecamatan Kahu'
    """
    first = name.split(" ")[0].lower() if name else ""
    if first in ("kabupaten", "kab.", "kota", "kecamatan", "kec.", "regency", "city"):
        return name
    return f"{what.split(' ')[0]} {name}"


def _table_note(run: _Run, rows: pd.DataFrame, areas: pd.DataFrame | None = None) -> str:
    """The note under a candidates table: what "–" means, and where they occur, shared
    ranks ("1=") and derived codes."""
    text = run.t("class_dash")
    if "rank_label" in rows and rows["rank_label"].astype(str).str.endswith("=").any():
        text += " " + run.t("tie_note")
    if areas is not None and "code_derived" in areas and \
            areas["code_derived"].astype(object).isin([True, 1]).any():
        text += " " + run.t("derived_note")
    return text


def _first(cand: pd.DataFrame) -> pd.DataFrame:
    """One row per area, its first candidate (shared ranks give several rows rank 1)."""
    from unggulan.maps.colours import first_ranked

    return first_ranked(cand)


def _code_text(run: _Run, row) -> str:
    """An area's code, marked when the tool derived it from names."""
    d = getattr(row, "code_derived", False)
    return f"{row.code} ({run.t('derived')})" if d is True or d == 1 else str(row.code)


def _title_block(run: _Run, kind: str, code: str, name: str) -> dict:
    what = run.t("kecamatan") if kind == "kecamatan" else run.t("kabupaten")
    name = run.name(name)
    return {"kind": "title", "title": run.t("title"), "what": what, "name": name,
            "heading": area_heading(what, name), "code": code,
            "date": fmt_date(run.date, run.lang), "dataset": run.ds.name,
            "notices": _synthetic_notes(run, short=True)}


def _kecamatan_sections(run: _Run, kec_code: str, kec_name: str) -> list[Section]:
    ds = run.ds
    desa = _desa_of(ds, [kec_code])
    numbers = {c: i + 1 for i, c in enumerate(desa["code"])}
    ck = run.cand("kecamatan")
    own = ck[ck["code"] == kec_code]
    kec_row = ds.areas("kecamatan").loc[kec_code]
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"] == kec_code]
    first = own.sort_values("rank").head(1)
    summary = Section("summary", run.t("sec_summary"), False, [
        _title_block(run, "kecamatan", kec_code, kec_name),
        _facts([(run.t("code"), kec_code),
                (run.t("kabupaten"), str(kec_row.get("kabupaten_code", "–"))),
                (run.t("n_desa"), run.n(len(desa))), (run.t("area"), run.n(kec_row["area_ha"])),
                (run.t("n_sentra"), run.n(len(s))), (run.t("n_workers"), run.n(s["workers"].sum())),
                (run.t("top_kec"), run.commodity(first["commodity"].iloc[0]) if len(first)
                 else run.t("none"))]),
    ])
    if len(desa):
        tops = _rank1(run, desa["code"])
        summary.blocks.append(_map_block(run, "desa", list(desa["code"]), tops,
                                         [numbers[c] for c in desa["code"]], kec_code, 16.0,
                                         run.t("kecamatan").split(" ")[0].lower()))
    else:  # a dataset of kecamatan only: the kecamatan itself, by its own candidate
        tops = [first["commodity"].iloc[0] if len(first) else None]
        summary.blocks.append(_map_block(run, "kecamatan", [kec_code], tops, [1], kec_code,
                                         17.0, run.t("kecamatan").split(" ")[0].lower()))
    cands = Section("candidates", run.t("sec_candidates"), True)
    if len(own):
        cands.blocks.append(_candidate_table(run, own, with_reason=True))
        cands.blocks.append({"kind": "p", "text": _table_note(run, own), "cls": "note"})
        cands.blocks += _components_block(run, own)
    else:
        cands.blocks.append({"kind": "p", "text": run.t("no_candidates"), "cls": "muted"})
    cands.blocks += _land_blocks(run, "desa" if len(desa) else "kecamatan",
                                 list(desa["code"]) if len(desa) else [kec_code],
                                 _leading(run, [kec_code], own), "desa")
    cands.blocks += _sentra_blocks(run, [kec_code])
    out = [summary, cands]
    if len(desa):
        out.append(Section("desa", run.t("sec_desa"), True, [
            _desa_table(run, desa, numbers),
            {"kind": "p", "text": _table_note(run, run.cand("desa")[
                run.cand("desa")["code"].isin(set(desa["code"]))], desa), "cls": "note"}]))
    stats = _statistics_section(run, [kec_code], {kec_code: kec_name})
    if stats is not None:
        out.append(stats)
    return out


def _rank1(run: _Run, codes) -> list:
    cd = run.cand("desa" if "desa" in run.ds.levels else "kecamatan")
    top1 = _first(cd).set_index("code")["commodity"]
    return [top1.get(c) for c in codes]


def _kabupaten_sections(run: _Run, kab_code: str, kab_name: str,
                        progress: Callable[[str], None]) -> list[Section]:
    ds = run.ds
    kec = ds.areas("kecamatan")
    kec = kec[kec["kabupaten_code"].astype(object) == kab_code].sort_values("code")
    kec_codes = list(kec["code"])
    numbers = {c: i + 1 for i, c in enumerate(kec_codes)}
    desa = _desa_of(ds, kec_codes)
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"].isin(set(kec_codes))]
    ck = run.cand("kecamatan")
    top1 = _first(ck).set_index("code")["commodity"]
    summary = Section("summary", run.t("sec_summary"), False, [
        _title_block(run, "kabupaten", kab_code, kab_name),
        _facts([(run.t("code"), kab_code), (run.t("n_kec"), run.n(len(kec))),
                (run.t("n_desa"), run.n(len(desa))), (run.t("area"), run.n(kec["area_ha"].sum())),
                (run.t("n_sentra"), run.n(len(s))),
                (run.t("n_workers"), run.n(s["workers"].sum()))]),
        _map_block(run, "kecamatan", kec_codes, [top1.get(c) for c in kec_codes],
                   [numbers[c] for c in kec_codes], None, 16.0, "kecamatan"),
    ])
    overview = Section("overview", run.t("sec_overview"), True, [
        _tops_table(run, "kecamatan", kec, numbers, pages=True)])
    if len(desa):
        cd = run.cand("desa")
        d1 = _first(cd)
        d1 = d1[d1["code"].isin(set(desa["code"]))]
        vc = d1["commodity"].value_counts()
        head = [_cell(run.t("commodity")), _cell(run.t("n_desa_leading"), "num"),
                _cell(run.t("kecamatan"))]
        groups = []
        for c in sorted(vc.index, key=lambda c: (-vc[c], c)):
            where = d1[d1["commodity"] == c]["code"].map(desa.set_index("code")["kecamatan_code"])
            kc = where.value_counts()
            names = ", ".join(f"{run.name(kec.at[k, 'name'])} ({kc[k]})"
                              for k in sorted(kc.index, key=lambda k: (-kc[k], k)))
            groups.append([[_cell(run.commodity(c), "strong"), _cell(int(vc[c]), "num"),
                            _cell(names)]])
        overview.blocks += [{"kind": "h3", "text": run.t("h_desa_tops")},
                            _table(head, groups, "desatops", [22, 14, 64])]
    lead = list(dict.fromkeys(
        list(_first(ck)[_first(ck)["code"].isin(set(kec_codes))]["commodity"]
             .value_counts().index)))
    if len(desa):
        lead += [c for c in _leading(run, kec_codes, ck.iloc[0:0]) if c not in lead]
    overview.blocks += _land_blocks(run, "kecamatan", kec_codes, lead[:8], "kecamatan")
    overview.blocks += _sentra_blocks(run, kec_codes)
    out = [summary, overview]
    zones = _zones_section(run, kec_codes)
    if zones is not None:
        out.append(zones)
    names = dict(zip(kec["code"], kec["name"]))
    for i, k in enumerate(kec.itertuples(index=False)):
        progress(f"{k.name} ({i + 1}/{len(kec)})")
        out.append(_kecamatan_page(run, k, numbers[k.code]))
    stats = _statistics_section(run, kec_codes, names)
    if stats is not None:
        out.append(stats)
    return out


def _zones_section(run: _Run, kec_codes: list[str]) -> Section | None:
    """The commodity zones (kawasan) with a member in the kabupaten: one page, a table per
    zone (:meth:`unggulan.core.dataset.Dataset.zones` of the run's scenario, desa level where
    the dataset has desa); None when there are none or they cannot be drawn."""
    from unggulan.core.ranking.run import default_scenario

    ds = run.ds
    level = "desa" if "desa" in ds.levels else "kecamatan"
    sc = run.scenario_obj if run.scenario_obj is not None else default_scenario(
        run.weights, top=run.top, reference=run.reference, management=run.management)
    try:
        z = ds.zones(level, scenario=sc, stability=False)
    except Exception:  # noqa: BLE001 - an optional page: the brief stands without it
        return None
    inside = set(_desa_of(ds, kec_codes)["code"]) if level == "desa" else set(kec_codes)
    z = z[z["members"].str.split(";").map(lambda m: not inside.isdisjoint(m)).to_numpy()]
    if not len(z):
        return None
    en = run.lang == "en"
    title = "Commodity zones (kawasan)" if en else "Kawasan komoditas unggulan"
    note = ("Neighbouring areas where the commodity is among the top candidates or in its "
            "hot spot, on S1-S3 land (or land not assessed); a zone below the minimum size is "
            "an embryo. Thresholds: the scenario's [zones] table." if en else
            "Wilayah bersebelahan tempat komoditas termasuk kandidat teratas atau berada di "
            "hot spot-nya, pada lahan S1-S3 (atau lahan belum dinilai); kawasan di bawah "
            "ukuran minimum disebut embrio. Ambang: tabel [zones] skenario.")
    head = [_cell("Kawasan" if not en else "Zone"), _cell(run.t("commodity")),
            _cell("Status"), _cell("Anggota" if not en else "Members"), _cell("ha", "num"),
            _cell("Pusat" if not en else "Centre")]
    groups = []
    z = z.sort_values(["status", "n_members", "area_ha"], ascending=[False, False, False],
                      kind="stable")
    for r in z.itertuples(index=False):
        members = ", ".join(run.name(n) for n in str(r.member_names).split(";"))
        status = {"kawasan": "kawasan" if not en else "zone",
                  "embrio": "embrio" if not en else "embryo"}[r.status]
        centre = run.name(r.centre_name)
        if isinstance(r.organisations, str) and r.organisations:
            centre += f"; {r.organisations}"
        groups.append([[_cell(r.zone_id), _cell(run.commodity(r.commodity), "strong"),
                        _cell(status), _cell(members), _cell(run.n(r.area_ha), "num"),
                        _cell(centre)]])
    return Section("zones", title, True, [{"kind": "p", "text": note},
                                          _table(head, groups, "zones",
                                                 [16, 14, 9, 33, 9, 19])])


def _kecamatan_page(run: _Run, k, number: int) -> Section:
    ds = run.ds
    desa = _desa_of(ds, [k.code])
    dnum = {c: i + 1 for i, c in enumerate(desa["code"])}
    ck = run.cand("kecamatan")
    own = ck[ck["code"] == k.code]
    s = ds.sentra(placed_only=True)
    s = s[s["kecamatan_code"] == k.code]
    heading = area_heading(run.t("kecamatan"), run.name(k.name))
    sec = Section(f"kec-{k.code}", f"{number}. {heading}", True, anchor=_anchor(k.code))
    sec.blocks.append(_facts([(run.t("code"), k.code), (run.t("n_desa"), run.n(len(desa))),
                              (run.t("area"), run.n(k.area_ha)),
                              (run.t("n_sentra"), run.n(len(s))),
                              (run.t("n_workers"), run.n(s["workers"].sum()))], "five"))
    if len(desa):
        block = _map_block(run, "desa", list(desa["code"]), _rank1(run, desa["code"]),
                           [dnum[c] for c in desa["code"]], k.code, 7.0,
                           run.t("kecamatan").split(" ")[0].lower(), legend_right=True)
        block["caption"] = None  # said once, under the kabupaten map
        sec.blocks.append(block)
    if len(own):
        sec.blocks.append({"kind": "h3", "text": run.t("sec_candidates")})
        sec.blocks.append(_candidate_table(run, own, with_reason=True))
        sec.blocks += _components_block(run, own, compact=True)
    else:
        sec.blocks.append({"kind": "p", "text": run.t("no_candidates"), "cls": "muted"})
    if len(desa):
        sec.blocks.append({"kind": "h3", "text": run.t("sec_desa")})
        sec.blocks.append(_tops_table(run, "desa", desa, dnum, pages=False, compact=True))
    return sec


def _method_section(run: _Run) -> Section:
    from unggulan import __version__
    from unggulan.maps.pages import COMPONENT_LABEL

    ds = run.ds
    sec = Section("method", run.t("sec_method"), True)
    summ = ds.summary()
    items = []

    def rel(p) -> str:
        try:
            return str(Path(p).resolve().relative_to(Path(ds.folder).resolve()))
        except (ValueError, OSError):
            return Path(str(p)).name

    for lv, v in summ["levels"].items():
        src = run.t("dissolved") if v.get("dissolved") else rel(v["file"]) + (
            f" [{v['layer']}]" if v.get("layer") else "")
        items.append(f"{run.t('boundaries')} {lv}: {src}; " + run.t(
            "features", n=run.n(v["areas"]), code=v.get("code_column") or "–",
            system=v.get("code_system") or "–"))
    for f in summ["sentra"]["files"]:
        rec = ds.sentra_records
        mine = rec["source_file"].astype(str).map(lambda x: Path(x).name) == Path(f["file"]).name
        placed = int(rec.loc[mine.to_numpy(), "desa_code"].notna().sum())
        items.append(f"{run.t('sentra')}: {rel(f['file'])}; " +
                     run.t("sentra_file", rows=run.n(f["rows"]), placed=run.n(placed)))
    tables: dict[str, list[dict]] = {}
    for t in (summ.get("statistics") or {}).get("tables", []):
        tables.setdefault(str(t.get("file")), []).append(t)
    for file, ts in tables.items():
        years = sorted({int(y) for t in ts for y in (t.get("years") or [])})
        measures = sorted({m for t in ts for m in (t.get("measures") or {})})
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "–")
        items.append(f"{run.t('statistics')}: {rel(file)}; " + run.t(
            "stat_file", tables=len(ts), values=run.n(sum(t.get("values", 0) for t in ts)),
            years=span, measures=", ".join(measures) or "–"))
    if summ["rasters"]:
        files = ", ".join(f"{a}: {rel(r['path'])}" + (
            f" [{ds.rasters[a].source_text}]" if a in ds.rasters and ds.rasters[a].source_text
            else "") for a, r in summ["rasters"].items())
        items.append(f"{run.t('rasters')} ({len(summ['rasters'])}): {files}")
    items.append(f"{run.t('catalogue')}: {rel(summ['catalogue']['source'])} "
                 f"({summ['catalogue']['commodities']})")
    sec.blocks += [{"kind": "h3", "text": run.t("h_data")}, {"kind": "list", "items": items}]
    sec.blocks += [{"kind": "p", "text": n, "cls": "notice"} for n in _synthetic_notes(run)]
    sec.blocks += [{"kind": "p", "text": n, "cls": "note"} for n in run.notes]
    sources = getattr(ds.requirements, "sources", {}) or {}
    sec.blocks += [{"kind": "h3", "text": run.t("h_requirements")},
                   {"kind": "list", "items": [f"[{k}] {v}" for k, v in sources.items()]}]
    k = 0 if run.lang == "id" else 1
    sec.blocks.append({"kind": "h3", "text": run.t("h_weights")})
    if run.scenario:
        sc = run.scenario
        said = {"kind": "p", "text": f"{run.t('scenario')}: {sc['name']} "
                f"({run.t('hash')} {sc['hash']})" +
                (f". {sc['description']}" if sc.get("description") else ""), "cls": "strong"}
    else:
        said = {"kind": "p", "text": run.t(
            "weights_custom" if run.weights_given else "weights_default")}
    head = [_cell(run.t("component")), _cell(run.t("weight"), "num"), _cell(run.t("evidence"))]
    try:
        from unggulan.core.ranking.scoring import DESCRIPTIONS
    except ImportError:  # an older core without descriptions
        DESCRIPTIONS = {}
    evidence = {c: (WEIGHT_EVIDENCE_ID.get(c) or DESCRIPTIONS.get(c, c)) if run.lang == "id"
                else DESCRIPTIONS.get(c, c) for c in run.weights}
    groups = [[[_cell(COMPONENT_LABEL.get(c, (c, c))[k], "strong"),
                _cell(fmt_num(w, 2, run.lang), "num"), _cell(evidence[c])]]
              for c, w in run.weights.items()]
    # the table first, so that the heading stays with it
    sec.blocks.append(_table(head, groups, "weights keep", [28, 12, 60]))
    sec.blocks.append(said)
    sec.blocks.append({"kind": "p", "text": run.t(
        "params", top=run.top, reference=run.reference, management=run.management) +
        " " + run.t("method", method=run.method)})
    if run.info is not None:
        i = run.info
        sec.blocks.append({"kind": "list", "items": [
            run.t("run_scenario", name=i.scenario, hash=i.scenario_hash),
            run.t("inputs_hash", hash=i.inputs_hash), run.t("run_hash", hash=i.run_hash)]})
        for status, key in (("tidak ada data", "criteria_none"), ("sebagian", "criteria_part")):
            names = i.criteria_with(status)
            if names:
                sec.blocks.append({"kind": "p", "text": run.t(key, names="; ".join(names)),
                                   "cls": "note"})
    sec.blocks += [{"kind": "h3", "text": run.t("h_reading")},
                   {"kind": "p", "text": run.t("read_score")},
                   {"kind": "p", "text": run.t("read_class")},
                   {"kind": "p", "text": run.t("read_lq")},
                   {"kind": "h3", "text": run.t("h_made")},
                   {"kind": "p", "text": run.t("made", date=fmt_date(run.date, run.lang),
                                               version=__version__)}]
    return sec


# ---------------------------------------------------------------------- scenario
def _scenario(ds, opt: BriefOptions) -> tuple[dict | None, Any]:
    """(scenario info for the method page, the scenario object) from ``opt.scenario``: a
    :class:`unggulan.core.scenario.Scenario`, a scenario file, or the id or name of a saved
    scenario (the dataset's ``scenarios/`` or the bundled ones)."""
    if opt.scenario is None:
        return None, None
    if hasattr(opt.scenario, "content_hash"):
        sc = opt.scenario
    else:
        try:
            from unggulan.core.ranking.run import resolve_scenario
        except ImportError:
            resolve_scenario = None
        if resolve_scenario is not None:
            sc = resolve_scenario(opt.scenario, ds.folder)
        else:
            try:
                from unggulan.core.scenario import load_scenario
            except ImportError:
                raise UnggulanError("scenarios need unggulan.core.scenario, which this version of "
                                    "unggulan does not have; use weights instead",
                                    field="scenario") from None
            sc = load_scenario(Path(opt.scenario))
    info = {"name": str(sc.name), "hash": str(sc.content_hash()),
            "description": getattr(sc, "description", None) or None}
    return info, sc


def _run_info(ds, sc, weights, top: int, reference: str, management: str):
    """The run's :class:`unggulan.core.ranking.run.RunInfo` (scenario, inputs and run hashes), or None
    with a core that does not have it."""
    try:
        from unggulan.core.ranking.run import default_scenario, run_info
    except ImportError:
        return None
    if sc is None:
        sc = default_scenario(weights, top=top, reference=reference, management=management)
    return run_info(ds, sc)


def _make_run(ds, opt: BriefOptions) -> _Run:
    from unggulan.core.ranking.scoring import parse_weights

    opt.check()
    info, sc = _scenario(ds, opt)
    top, reference, management = int(opt.top), "kabupaten", "rendah"
    method = "weighted_sum"
    if sc is not None:
        weights = parse_weights(sc.weights_resolved())
        method = getattr(sc, "method", None) or method
        if method != "weighted_sum" and not _accepts(ds.candidates, "scenario"):
            raise UnggulanError(f"scenario method '{method}' needs a newer unggulan "
                                "(weighted_sum only here)", field="scenario")
        top = int(getattr(sc, "top", None) or top)
        reference = getattr(sc, "reference", None) or reference
        management = getattr(sc, "management", None) or management
    else:
        weights = parse_weights(opt.weights)
    return _Run(ds=ds, lang=opt.lang, top=top, weights=weights,
                weights_given=opt.weights is not None, scenario=info, reference=reference,
                management=management, date=opt.date or dt.date.today(), method=method,
                scenario_obj=sc, info=_run_info(ds, sc, opt.weights if sc is None else None,
                                                top, reference, management))


# ---------------------------------------------------------------------- public
def build_brief(ds, code: str, options: BriefOptions | None = None,
                progress: Progress | None = None, _extra_steps: int = 0) -> Brief:
    """The brief of a kecamatan or kabupaten ``code`` as HTML, with what it holds.

    ``progress(done, total, what)`` is called as parts are built (a kabupaten brief builds
    one page per kecamatan).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> b = build_brief(Dataset.open(), "99.01.01", BriefOptions(lang="en"))
    >>> b.kind, [s.id for s in b.sections][-1]
    ('kecamatan', 'method')
    """
    opt = options or BriefOptions()
    run = _make_run(ds, opt)
    kind, code, name = resolve_area(ds, code)
    n_kec = 1
    if kind == "kabupaten":
        kec = ds.areas("kecamatan")
        n_kec = int((kec["kabupaten_code"].astype(object) == code).sum())
    total = 3 + n_kec + _extra_steps
    done = [0]

    def step(what: str) -> None:
        done[0] += 1
        if progress:
            progress(min(done[0], total), total, what)

    if progress:
        progress(0, total, "kandidat / candidates")
    run.cand("kecamatan")
    if "desa" in ds.levels:
        run.cand("desa")
    step("kandidat / candidates")
    if kind == "kecamatan":
        sections = _kecamatan_sections(run, code, name)
        step(name)
    else:
        sections = _kabupaten_sections(run, code, name, step)
    sections.append(_method_section(run))
    step("metode / method")
    html = render_html(sections, run, kind, code, name)
    shown = _desa_of(ds, [code] if kind == "kecamatan" else
                     list(ds.areas("kecamatan").query("kabupaten_code == @code")["code"]))
    tops = _rank1(run, shown["code"]) if len(shown) else []
    return Brief(code=code, kind=kind, name=name, lang=run.lang, date=run.date, html=html,
                 sections=sections,
                 desa=[(c, n, t) for c, n, t in zip(shown["code"], shown["name"], tops)],
                 weights=run.weights, scenario=run.scenario, steps=total, info=run.info)


def render_html(sections: list[Section], run: _Run, kind: str, code: str, name: str) -> str:
    """The brief's HTML from its sections (template ``templates/brief.html``, style inlined)."""
    from unggulan import __version__

    env = _environment()
    css = (TEMPLATES / "brief.css").read_text(encoding="utf-8")
    what = run.t("kecamatan") if kind == "kecamatan" else run.t("kabupaten")
    name = run.name(name)
    running = f"{area_heading(what, name)} · {code}"
    run_label = f"run {run.info.run_hash} · " if run.info is not None else ""
    page_css = (
        "@page {\n"
        f"  @top-left {{ content: {css_string(running)}; }}\n"
        f"  @bottom-left {{ content: {css_string(f'unggulan {__version__} · ' + run_label)} "
        f"{css_string(fmt_date(run.date, run.lang))}; }}\n"
        f"  @bottom-right {{ content: {css_string(run.t('page_of') + ' ')} counter(page) "
        f"{css_string(' ' + run.t('of') + ' ')} counter(pages); }}\n}}")
    return env.get_template("brief.html").render(
        lang=run.lang, title=f"{run.t('title')} – {area_heading(what, name)}", css=css,
        page_css=page_css, sections=sections, version=__version__)


def css_string(text: str) -> str:
    """A CSS string literal of ``text`` (quotes, backslashes and ``<`` escaped).

    >>> css_string('Desa "A" </style>')
    '"Desa \\\\22 A\\\\22  \\\\3C /style>"'
    """
    out = text.replace("\\", "\\5C ").replace('"', "\\22 ").replace("<", "\\3C ")
    return f'"{out}"'


_ENV = None


def _environment():
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                                  autoescape=jinja2.select_autoescape(["html"]),
                                  trim_blocks=True, lstrip_blocks=True)
    return _ENV


_PDF_LOCK = threading.Lock()


@contextmanager
def _reproducible_fonts(date: dt.date):
    """WeasyPrint subsets fonts with HarfBuzz (deterministic); its fontTools fallback stamps
    the font with the current time unless ``SOURCE_DATE_EPOCH`` is set: set it to the
    brief's date for the duration."""
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except ImportError:  # pragma: no cover - older WeasyPrint
        harfbuzz_subset = None
    if harfbuzz_subset is not None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    epoch = int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def html_to_pdf(html: str, date: dt.date | None = None) -> tuple[bytes, int]:
    """An A4 PDF of the brief's HTML with WeasyPrint, and its page count.

    Examples
    --------
    >>> pdf, pages = html_to_pdf("<p>Halo</p>")
    >>> pdf[:5], pages
    (b'%PDF-', 1)
    """
    try:
        import weasyprint
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise UnggulanError(f"PDF output needs WeasyPrint and Pango ({exc}); write .html "
                            "instead, or install them (see README)") from None
    with _PDF_LOCK, _reproducible_fonts(date or dt.date.today()):
        doc = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).render()
        return doc.write_pdf(), len(doc.pages)


def brief_html(ds, code: str, options: BriefOptions | None = None,
               progress: Progress | None = None) -> str:
    """The brief as one self-contained HTML page.

    >>> from unggulan import Dataset
    >>> "<html" in brief_html(Dataset.open(), "99.01.01")
    True
    """
    return build_brief(ds, code, options, progress).html


def brief_pdf(ds, code: str, options: BriefOptions | None = None,
              progress: Progress | None = None) -> bytes:
    """The brief as an A4 PDF (bytes).

    >>> from unggulan import Dataset
    >>> brief_pdf(Dataset.open(), "99.01.01")[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    b = build_brief(ds, code, options, progress, _extra_steps=1)
    pdf, _ = html_to_pdf(b.html, b.date)
    if progress:
        progress(b.steps, b.steps, "PDF")
    return pdf


def write_brief(ds, code: str, path: str | Path, options: BriefOptions | None = None,
                overwrite: bool = False, progress: Progress | None = None) -> Path:
    """Write the brief to ``path``: ``.pdf`` or ``.html`` (atomically; an existing file is
    kept unless ``overwrite``).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> write_brief(Dataset.open(), "99.01.01", "/tmp/brief.html", overwrite=True)
    PosixPath('/tmp/brief.html')
    """
    from unggulan.io.exports import _atomic, check_target, write_text

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise UnggulanError(f"{path}: a brief is written as .pdf or .html, not '{suffix}'",
                            field="out")
    check_target(path, overwrite)  # before the work
    if suffix == ".pdf":
        pdf = brief_pdf(ds, code, options, progress)
        with _atomic(path) as tmp:
            tmp.write_bytes(pdf)
        return path
    html = brief_html(ds, code, options, progress)
    return write_text(path, html, overwrite)
