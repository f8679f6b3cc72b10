"""The brief's words: every label in Bahasa Indonesia and English, and how dates, numbers and
area headings are written.

:data:`T` maps a key to its (Bahasa, English) text; :func:`text` picks one and fills its
``{placeholders}``. The other modules of :mod:`unggulan.reports.brief` never write a label
themselves.
"""

from __future__ import annotations

import datetime as dt

from unggulan.base.numbers import fmt_number

LANGS = ("id", "en")

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
#: what each score component measures, in Indonesian (English:
#: unggulan.core.ranking.scoring.DESCRIPTIONS)
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


def text(key: str, lang: str, **kw) -> str:
    """The label ``key`` in ``lang`` ("id" or "en"), its ``{placeholders}`` filled from ``kw``.

    >>> text("made", "en", date="17 August 2025", version="0.1")
    'Made on 17 August 2025 with unggulan version 0.1 (open-source software).'
    """
    out = T[key][0 if lang == "id" else 1]
    return out.format(**kw) if kw else out


#: measures whose SLQ x DLQ the brief shows, in this order, with their labels
STAT_MEASURES = {
    "production": ("produksi", "production"),
    "population": ("populasi ternak", "livestock population"),
}


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
