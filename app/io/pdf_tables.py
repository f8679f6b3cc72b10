"""Statistics tables read from BPS PDF books ("Kecamatan/Kabupaten ... Dalam Angka").

Planners keep the BPS publications as the PDFs BPS prints. This module finds the statistical
tables of such a book by their number and title ("Tabel 3.1.17 ...") and reads each into the
same long records as :func:`unggulan.io.statistics.read_statistics` (a list of
:class:`~unggulan.io.statistics.StatTable`), so a PDF dropped in a dataset's ``statistik/``
folder is read like any CSV or workbook.

Why pdfplumber
--------------
The text is read from the PDF's own text layer with **pdfplumber** (MIT, pure Python on
pdfminer.six): it gives every word with its position, font and size, which is what the BPS
layout needs (poppler's ``pdftotext -layout`` drops or shifts cells of these pages; camelot
needs ghostscript and OpenCV and guesses cells from ruling lines these tables do not have).
pdfminer interprets a page in about 0.08 s, so a 270-page book would take 20 s; the pages are
first sorted with **pypdfium2** (a dependency of pdfplumber; PDFium reads a whole book's
text in under a second): only the pages of production tables are given to pdfplumber. A page
without a text layer (a scan) is reported as such; nothing is OCRed.

How a page is read
------------------
* The diagonal watermark (``https://<kab>.bps.go.id``, Helvetica-Bold above 15 pt) and any
  other character above 15 pt are dropped before words are built.
* **Title.** The word ``Tabel``/``Table`` next to a number ``3.1.17``; the title is the lines
  right of them; Indonesian words are upright, the English gloss is italic (kept apart, the
  Indonesian one is the title). ``Lanjutan Tabel 3.1.13/ Continued Table`` (or a page with a
  column-number row and no title) continues the previous table: its rows are joined to it.
* **Columns** come from the column-number row ``(1) (2) (3) ...``; the first column holds the
  areas, the others the values. Each value is given to the column whose number is nearest.
* **Header.** The words between the title and the column-number row form blocks (words
  touching each other); each column takes, in every band of blocks, the nearest block: so a
  commodity printed over its ``2019 2020`` pair heads both. A line of years gives each
  column its year. Letter-spaced words (``C a be Rawit``, ``K r i s t a l T ebu``) are joined.
* **Rows.** Printed row numbers (``1``, ``12.``) anchor the rows; a row without a number is a
  total when its label is one (``Kecamatan X``, ``Jumlah/Total``, ``Tahun/Year 2020``, a
  name and a year such as ``Jember 2020``) or printed bold. Every other word joins the nearest
  row: a desa name wrapped onto two lines, a value printed half a row above or below its name.
  Number fragments a thin space apart (``1 535,90``), or wrapped onto two lines, join into one
  cell.
* **Level.** The first column's header says what the rows are: ``Desa``/``Kelurahan``/
  ``Village`` (desa), ``Kecamatan``/``Subdistrict`` (kecamatan). A table whose rows are
  commodities or years (a time series) is skipped, and said so.
* **Year**: a column's year from the header, else the (last) year of the title. **Unit**: from
  the column header, else the title (``(ha)``, ``(Ton.)``, ``(Pohon)``). **Measure**: from the
  header, else the title (:func:`unggulan.io.units.find_measures`); counts of industries
  ("Banyaknya Industri ... Menurut Desa") are activity evidence, measure ``units``; counts of
  producing trees ("Jumlah Tanaman Menghasilkan ...", unit ``pohon``) are measure ``other``.
  The commodity is the column's header (``Bawang Merah``; a footnote asterisk ``Palem*`` goes
  to ``mark``), else the title's subject (``Padi`` in "Luas Tanam, Panen, dan Produksi
  Tanaman Padi Menurut Desa").

Numbers as BPS prints them
--------------------------
``-``/``--`` nil (0); ``...``/``…``/``x`` missing (NaN); thousands by thin space
(``1 286,00``), ``.`` (``1.911,47``, ``2.255``) or ``,`` (``6,199``) and decimals by ``,`` or
``.``: a single mark followed by exactly three digits is a thousands mark, otherwise a
decimal mark. A **lost decimal mark** (``1 197 07``, ``121 69``: a last group of one or two
digits) is read as decimals and reported as a warning with its page; a number that cannot be
read (``6 2 5 9``, ``C14,00``) is kept as missing and reported. A stray ``-`` after a number
(``550-``) is ignored.

Totals and footnotes
--------------------
Total rows are dropped from the records and checked against the sum of the rows of the same
column (the table's pages together); each check is a dict in ``StatTable.totals`` (the CSV
reader's keys plus ``year``, ``unit`` and ``page``); a total whose year has no rows (the
``Tahun/Year 2019`` line under 2020 desa rows) is listed with ``sum_of_rows`` None. Source
and note lines (``Sumber/Source``, ``Catatan``, ``*)``) end a table.

Which tables are read
---------------------
By default the tables whose title names a production measure of a commodity (luas panen,
produksi, populasi ternak, jumlah tanaman, banyaknya industri ...) and whose rows are desa or
kecamatan; ``[[statistics]] tables = ["3.1.1", "Populasi Ternak"]`` picks tables by number
or by words of the title instead. :func:`pdf_contents` lists every table of the book, read or
skipped and why (``unggulan validate`` shows it).

Results are cached on disk by the file's SHA-256 and :data:`READER_VERSION` (a pickle under
``$UNGGULAN_CACHE_DIR/pdf_tables`` or ``~/.cache/unggulan/pdf_tables``), so a book is read
once.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.base.names import fold
from unggulan.base.problems import Problem
from unggulan.io.cache import file_digest
from unggulan.io.statistics.model import (
    RECORD_COLUMNS,
    TOTAL_TOLERANCE_ABS,
    TOTAL_TOLERANCE_REL,
    StatTable,
)
from unggulan.io.units import (
    RATIO_MEASURES,
    find_measures,
    parse_unit,
    split_header,
)

__all__ = ["READER_VERSION", "PdfTableInfo", "parse_bps_number", "pdf_contents",
           "read_pdf_statistics", "unspace"]

#: bump when the reading changes: cached results of older versions are read again
READER_VERSION = "6"
#: characters above this size (pt) are display type or the diagonal watermark
WATERMARK_SIZE = 15.0

_NUMBER = re.compile(r"^\d+(?:\.\d+){1,3}$")
_COLNUM = re.compile(r"^\((\d{1,2})\)$")
_YEARTOK = re.compile(r"^((?:19|20)\d{2})\*?$")
_ROWNUM = re.compile(r"^(\d{1,3})\.?$")
_FOOTER = re.compile(r"^((sumber|source|catatan|note|notes|keterangan|ket)(\s*/\s*\w+)?\s*:"
                     r"|\*\)|\d\)\s)", re.I)
_MISSING = frozenset({"...", "..", "…", "....", "x", "X", "×", "…-", "...-"})
_NIL = frozenset({"-", "–", "—", "−", "--", "---", "- -"})
_ACTIVITY = re.compile(r"\b(banyaknya|jumlah)\s+(industri|usaha|perusahaan|unit usaha)\b", re.I)
_TREES = re.compile(r"\bjumlah\s+(pohon|tanaman)\b", re.I)
_SUBJECT = re.compile(
    r"\b(tanaman|sayur|sayuran|buah|biofarmaka|hias|padi|jagung|kedelai|ubi|kacang|palawija|"
    r"perkebunan|kehutanan|hutan|ternak|unggas|ikan|perikanan|budidaya|industri|kerajinan|"
    r"komoditas|komoditi|hortikultura|pangan|peternakan)\b", re.I)
_NOT_PRODUCTION = re.compile(r"\b(luas\s+(daerah|wilayah|desa|kecamatan)|penduduk)\b", re.I)
_TOTAL_LABEL = re.compile(
    r"^(jumlah|total|jumlah\s*/\s*total|kecamatan|kabupaten|kab\.?|kota|provinsi|"
    r"tahun|year|rata-rata|average)\b", re.I)
_LEVEL_WORDS = (("desa", "desa"), ("kelurahan", "desa"), ("village", "desa"),
                ("kecamatan", "kecamatan"), ("subdistrict", "kecamatan"),
                ("sub district", "kecamatan"), ("distrik", "kecamatan"))


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------


def parse_bps_number(text: str) -> tuple[float, str, str | None]:
    """Read one printed cell: ``(value, status, note)``.

    status is ``number``, ``nil`` (0), ``missing`` (NaN), ``empty`` (NaN) or ``bad`` (NaN: not
    readable); note says which rule was needed (``lost decimal mark``, ``thousands '.'`` ...).

    Examples
    --------
    >>> parse_bps_number("1 286,00")[:2], parse_bps_number("1.911,47")[0]
    ((1286.0, 'number'), 1911.47)
    >>> parse_bps_number("6,199")[0], parse_bps_number("15,0")[0], parse_bps_number("6.35")[0]
    (6199.0, 15.0, 6.35)
    >>> parse_bps_number("1 197 07")
    (1197.07, 'number', 'lost decimal mark')
    >>> parse_bps_number("-")[:2], parse_bps_number("…")[1], parse_bps_number("6 2 5 9")[1]
    ((0.0, 'nil'), 'missing', 'bad')
    """
    t = re.sub(r"[\s\u00a0\u2009\u202f\u2007]+", " ", str(text or "")).strip()
    if not t:
        return math.nan, "empty", None
    if t in _NIL:
        return 0.0, "nil", "'--' read as nil" if t == "--" else None
    if t in _MISSING or t.lower() == "x":
        return math.nan, "missing", None
    note = None
    t = t.rstrip("*").strip()
    if re.fullmatch(r"[\d., ]*\d[\d.,]*\s*-", t):          # "550-"
        t, note = t[:-1].strip(), "stray '-' after the number ignored"
    if t.startswith(("…", "...")) and t.rstrip(".…- ") == "":
        return math.nan, "missing", None
    groups = t.split(" ")
    if len(groups) > 1:
        head, last = groups[:-1], groups[-1]
        if not (re.fullmatch(r"\d{1,3}", head[0]) and all(re.fullmatch(r"\d{3}", g)
                                                          for g in head[1:])):
            return math.nan, "bad", None
        if re.fullmatch(r"\d{3}([.,]\d+)?", last):
            t = "".join(head) + last
        elif re.fullmatch(r"\d{1,2}", last) and (len(head) > 1 or len(head[0]) > 0):
            return float("".join(head) + "." + last), "number", "lost decimal mark"
        else:
            return math.nan, "bad", None
        if not re.search(r"[.,]", last):
            return float(t), "number", note
    value, note2 = _single_number(t)
    if value is None:
        return math.nan, "bad", None
    return value, "number", note or note2


def _single_number(t: str) -> tuple[float | None, str | None]:
    if re.fullmatch(r"\d+", t):
        return float(t), None
    m = re.fullmatch(r"(\d{1,3})(([.,])\d{3})(\3\d{3})*", t)
    if m and not (t.startswith("0") and len(m.group(1)) == 1):
        return float(re.sub(r"[.,]", "", t)), f"'{m.group(3)}' read as thousands separator"
    if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", t):
        return float(t.replace(".", "").replace(",", ".")), None
    if re.fullmatch(r"\d{1,3}(,\d{3})+\.\d+", t):
        return float(t.replace(",", "")), None
    if re.fullmatch(r"\d+[.,]\d+", t):
        return float(t.replace(",", ".")), None
    return None, None


def _valueish(t: str) -> bool:
    t = t.strip().rstrip("*")
    return bool(t) and (t in _NIL or t in _MISSING or t.lower() == "x"
                        or bool(re.fullmatch(r"[\d.,]*\d[\d.,]*-?", t))
                        or bool(re.fullmatch(r"(…|\.\.\.)-", t)))


# --------------------------------------------------------------------------------------------
# words
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _W:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    italic: bool

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def unspace(text: str) -> str:
    """Join letter-spaced words as BPS headers print them.

    Examples
    --------
    >>> unspace("K r i s t a l T ebu"), unspace("C a be Rawit"), unspace("Bawang Merah")
    ('Kristal Tebu', 'Cabe Rawit', 'Bawang Merah')
    >>> unspace("K ecamatan Aju ng")
    'Kecamatan Ajung'
    """
    toks = text.split()
    if not any(len(t) == 1 and t.isalpha() for t in toks) or len(toks) < 2:
        return " ".join(toks)
    # glue runs that contain single letters, then split again before inner capitals
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            joined = "".join(run)
            out.extend(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", joined).split())
            run.clear()

    for i, t in enumerate(toks):
        single = len(t) == 1 and t.isalpha()
        near_single = (i > 0 and len(toks[i - 1]) == 1 and toks[i - 1].isalpha()) or \
            (i + 1 < len(toks) and len(toks[i + 1]) == 1 and toks[i + 1].isalpha())
        if t.isalpha() and (single or near_single or (run and t[:1].islower())):
            run.append(t)
        else:
            flush()
            out.append(t)
    flush()
    # a lower-case fragment left alone after a word ("Aju ng") belongs to that word
    fixed: list[str] = []
    for t in out:
        if fixed and t[:1].islower() and t.isalpha() and len(t) <= 3 and fixed[-1][:1].isupper():
            fixed[-1] += t
        else:
            fixed.append(t)
    return " ".join(fixed)


def _page_words(page) -> list[_W]:
    def keep(obj) -> bool:
        if obj.get("object_type") == "char":
            return float(obj.get("size") or 0) <= WATERMARK_SIZE and obj.get("upright", True)
        return False   # only characters are needed (faster, and no drawn watermark)

    words = page.filter(keep).extract_words(extra_attrs=["fontname", "size"],
                                            keep_blank_chars=False, use_text_flow=False)
    out = []
    for w in words:
        fn = str(w.get("fontname", ""))
        out.append(_W(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]),
                      float(w["bottom"]), float(w.get("size") or 8.0),
                      "bold" in fn.lower(), "italic" in fn.lower() or "oblique" in fn.lower()))
    return _attach_small(out)


def _attach_small(words: list[_W]) -> list[_W]:
    """Superscripts (``m²`` printed as ``(m`` + a small ``2`` + ``)``) glued to their word."""
    small = [w for w in words if w.size < 6.5]
    if not small:
        return words
    big = [w for w in words if w.size >= 6.5]
    gone: set[int] = set()
    for s in small:
        host = next((w for w in big if id(w) not in gone and abs(w.x1 - s.x0) < 1.2
                     and w.top - 1 <= s.bottom and s.top <= w.bottom), None)
        if host is None:
            continue
        host.text += s.text
        host.x1 = s.x1
        gone.add(id(s))
        after = next((w for w in big if id(w) not in gone and w is not host
                      and abs(w.x0 - s.x1) < 1.2 and abs(w.cy - host.cy) < 1.0), None)
        if after is not None and not after.text[:1].isalnum():
            host.text += after.text
            host.x1 = after.x1
            gone.add(id(after))
    return [w for w in words if id(w) not in gone]


def _lines(words: list[_W]) -> list[list[_W]]:
    """Words grouped into lines (vertical centres closer than 0.4 of the font size)."""
    lines: list[list[_W]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.x0)):
        if lines:
            ln = lines[-1]
            cy = sum(v.cy for v in ln) / len(ln)
            if abs(w.cy - cy) <= 0.4 * min(w.size, ln[0].size):
                ln.append(w)
                continue
        lines.append([w])
    return [sorted(ln, key=lambda w: w.x0) for ln in lines]


def _text(words: list[_W]) -> str:
    """Words as text, line by line; a line holding only the end of a word broken without a
    hyphen ("Minum" over "an") is glued to it."""
    out = ""
    for ln in _lines(words):
        t = " ".join(w.text for w in ln)
        if out and re.fullmatch(r"[a-z]{1,3}", t) and out[-1:].isalpha() and t not in \
                ("di", "ke", "dan", "dlm", "per", "of", "and", "in", "by", "the"):
            out += t
        else:
            out = f"{out} {t}" if out else t
    return unspace(re.sub(r"(?<=\w) /(?=\w)", "/", out))


# --------------------------------------------------------------------------------------------
# one page
# --------------------------------------------------------------------------------------------


@dataclass
class _Row:
    kind: str                 # 'row' | 'total'
    number: int | None
    y: float
    label_words: list[_W] = field(default_factory=list)
    cells: dict[int, list[_W]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        ws = [w for w in self.label_words if not (w is self.label_words[0] and self.number
                                                  is not None and _ROWNUM.match(w.text))]
        return _clean_label(_text(ws))


@dataclass
class _Part:
    """The piece of one table printed on one page."""

    page: int                 # 1-based
    number: str | None        # None: a continuation without a number
    continued: bool
    title_id: str
    title_en: str
    centres: list[float]
    colnums: list[int]
    headers: list[tuple[str, str]]   # per column: (Indonesian, English)
    years: list[int | None]
    rows: list[_Row]
    odd_words: int = 0


def _clean_label(s: str) -> str:
    s = re.sub(r"^\d{1,3}[.)]?\s+", "", s.strip())
    return re.sub(r"\s+", " ", s).strip(" .:")


def _find_titles(lines: list[list[_W]]) -> list[dict]:
    """Title blocks on a page: number, continued, top, bottom, Indonesian and English text."""
    out = []
    words = [w for ln in lines for w in ln]
    for ln in lines:
        texts = [fold(w.text) for w in ln]
        if "lanjutan" in texts or "continued" in texts:
            nums = [w.text for w in ln if _NUMBER.match(w.text)]
            out.append({"number": nums[0] if nums else None, "continued": True,
                        "top": min(w.top for w in ln), "bottom": max(w.bottom for w in ln),
                        "id": "", "en": ""})
            continue
        for w in ln:
            if fold(w.text) not in ("tabel", "table"):
                continue
            # the number: right of or just below the word
            cands = [v for v in words if _NUMBER.match(v.text) and v.x0 >= w.x0 - 2
                     and -4 <= v.top - w.top <= 30 and v.x0 - w.x1 < 60]
            if not cands:
                continue
            num = min(cands, key=lambda v: (abs(v.top - w.top) + abs(v.x0 - w.x1)))
            if any(t["number"] == num.text and not t["continued"] for t in out):
                break
            left = max(w.x1, num.x1) + 1
            near = [v for v in words if v.top >= w.top - 28 and v.top <= w.bottom + 40
                    and not _COLNUM.match(v.text) and v is not w and v is not num
                    and not (v.x1 < left and (fold(v.text) in ("tabel", "table")
                                              or re.fullmatch(r"[\d.]+", v.text)))]
            # a line belongs to the title when it starts right of "Tabel 3.1.1"
            tl = [ln2 for ln2 in _lines(near) if ln2[0].x0 >= left - 1]
            if not tl:
                continue
            seed = min(range(len(tl)), key=lambda i: abs(tl[i][0].cy - (w.cy + num.cy) / 2)
                       if tl[i][0].x0 - left < 30 else 1e9)
            x0 = tl[seed][0].x0
            plain_seed = any(not (v.bold or v.italic) for v in tl[seed])
            keep = [seed]
            for step in (-1, 1):
                i = seed
                while 0 <= i + step < len(tl):
                    a, b = (tl[i + step], tl[i]) if step < 0 else (tl[i], tl[i + step])
                    gap = min(v.top for v in b) - max(v.bottom for v in a)
                    nxt = tl[i + step]
                    plain = any(not (v.bold or v.italic) for v in nxt)
                    if gap > 0.9 * nxt[0].size or abs(nxt[0].x0 - x0) > 2.5 or \
                            (plain and not plain_seed):
                        break
                    i += step
                    keep.append(i)
            tw = [v for i in sorted(keep) for v in tl[i]]
            out.append({
                "number": num.text, "continued": False,
                "top": min([v.top for v in tw] + [w.top]),
                "bottom": max([v.bottom for v in tw] + [num.bottom]),
                "id": _text([v for v in tw if not v.italic]),
                "en": _text([v for v in tw if v.italic])})
            break
    return out


def _colnum_rows(lines: list[list[_W]]) -> list[list[_W]]:
    out = []
    for ln in lines:
        nums = [w for w in ln if _COLNUM.match(w.text)]
        if len(nums) >= 2 and len(nums) >= 0.8 * len(ln):
            out.append(nums)
    return out


def _header_blocks(words: list[_W]) -> list[list[_W]]:
    """Words touching each other (same line and close, or stacked and overlapping)."""
    n = len(words)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        a = words[i]
        for j in range(i + 1, n):
            b = words[j]
            s = min(a.size, b.size)
            same_line = abs(a.cy - b.cy) < 0.4 * s
            if same_line:
                gap = max(a.x0, b.x0) - min(a.x1, b.x1)
                ok = gap < 0.45 * s
            else:
                vgap = max(a.top, b.top) - min(a.bottom, b.bottom)
                ok = vgap < 0.6 * s and min(a.x1, b.x1) - max(a.x0, b.x0) > -0.3 * s
            if ok:
                parent[find(i)] = find(j)
    groups: dict[int, list[_W]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(words[i])
    return list(groups.values())


def _column_headers(words: list[_W], centres: list[float]
                    ) -> tuple[list[tuple[str, str]], list[int | None]]:
    """Per column: (Indonesian header, English header) and the year of the years line."""
    k = len(centres)
    years: list[int | None] = [None] * k
    b12 = (centres[0] + centres[1]) / 2 if k > 1 else centres[0]
    # the language of a word: a header line mostly in italics is the English gloss (an
    # upright "Pig" among them too), a line mostly upright is Indonesian ("Laos /Lengkuas")
    english: set[int] = set()
    for ln in _lines(words):
        share = sum(w.italic for w in ln) / len(ln)
        for w in ln:
            if share >= 0.8 or (share > 0.4 and w.italic):
                english.add(id(w))
    # the years line: year tokens standing alone (no word touching them on their line)
    # among the value columns' header words; printed at two heights in some books
    vals = [w for w in words if w.cx > b12]
    lone = [w for w in vals if _YEARTOK.match(w.text) and not any(
        v is not w and not _YEARTOK.match(v.text) and abs(v.cy - w.cy) < 0.4 * w.size
        and max(v.x0, w.x0) - min(v.x1, w.x1) < 0.45 * w.size for v in vals)]
    year_ids: set[int] = set()
    if len(lone) >= 2:
        lone.sort(key=lambda w: w.cx)
        year_ids = {id(w) for w in lone}
        ys = [int(_YEARTOK.match(w.text).group(1)) for w in lone]
        if len(lone) == k - 1:       # one year per value column: in order
            for c, y in enumerate(ys, start=1):
                years[c] = y
        else:
            for w, y in zip(lone, ys):
                c = min(range(1, k), key=lambda i: abs(centres[i] - w.cx)) if k > 1 else 0
                years[c] = y
    rest = [w for w in words if id(w) not in year_ids]
    blocks = _header_blocks(rest)
    # in a block, the lines after one ending with "/" ("Jambu Biji/" over "Guava") are the gloss
    for b in blocks:
        after = False
        for ln in _lines(b):
            if after:
                english |= {id(w) for w in ln}
            elif ln[-1].text.endswith("/"):
                after = True
    spans = [(min(w.x0 for w in b), max(w.x1 for w in b), min(w.top for w in b),
              max(w.bottom for w in b)) for b in blocks]
    taken: list[list[int]] = [[] for _ in range(k)]
    for c, x in enumerate(centres):
        spacing = min([abs(x - y) for i, y in enumerate(centres) if i != c] or [60.0])

        def dist(s: tuple, x: float = x) -> float:
            return 0.0 if s[0] <= x <= s[1] else min(abs(x - s[0]), abs(x - s[1]))

        for bi, s in enumerate(spans):
            d = dist(s)
            if d > max(0.75 * spacing, 4.0):
                continue
            rivals = [dist(o) for oi, o in enumerate(spans)
                      if oi != bi and o[2] < s[3] and s[2] < o[3]]
            if all(d <= r for r in rivals):
                taken[c].append(bi)
    # a block over several columns without distinct years holds one header per column
    # ("Sapi Perah Sapi Potong" printed with ordinary word spacing): split by nearest column
    words_of: dict[tuple[int, int], list[_W]] = {}
    for bi, b in enumerate(blocks):
        cols = [c for c in range(k) if bi in taken[c]]
        ys = [years[c] for c in cols]
        if len(cols) > 1 and (None in ys or len(set(ys)) < len(ys)):
            for w in b:
                c = min(cols, key=lambda c: abs(centres[c] - w.cx))
                words_of.setdefault((c, bi), []).append(w)
        else:
            for c in cols:
                words_of[(c, bi)] = b
    heads = []
    for c in range(k):
        bl = sorted(taken[c], key=lambda i: spans[i][2])
        ind = " | ".join(t for t in (_text([w for w in words_of.get((c, i), [])
                                            if id(w) not in english]) for i in bl) if t)
        en = " | ".join(t for t in (_text([w for w in words_of.get((c, i), [])
                                           if id(w) in english]) for i in bl) if t)
        heads.append((ind, en))
    return heads, years


def _is_total_label(label: str, bold: bool) -> bool:
    lab = label.strip()
    if _TOTAL_LABEL.match(lab) or re.search(r"(19|20)\d{2}$", lab.replace(" ", "")):
        return True
    return bold and bool(lab)


def _merge_fragments(ws: list[_W]) -> list[list[_W]]:
    """Value words of one line joined into cells: thin-space groups of one number."""
    glued: list[_W] = []
    for w in sorted(ws, key=lambda w: w.x0):
        # pieces of one number with no gap at all ("95" "1,00"): one word
        if glued and w.x0 - glued[-1].x1 < 0.15 * w.size and \
                re.fullmatch(r"[\d.,]+", glued[-1].text) and re.fullmatch(r"[\d.,]+-?", w.text):
            g = glued[-1]
            glued[-1] = _W(g.text + w.text, g.x0, w.x1, min(g.top, w.top),
                           max(g.bottom, w.bottom), g.size, g.bold, g.italic)
        else:
            glued.append(w)
    cells: list[list[_W]] = []
    for w in glued:
        if cells:
            prev = cells[-1]
            gap = w.x0 - prev[-1].x1
            joined = " ".join(v.text for v in prev)
            if gap < 0.5 * w.size and re.fullmatch(r"\d{1,3}( \d{3})*", joined) and \
                    re.fullmatch(r"\d{1,3}([.,]\d+)?-?", w.text):
                cells[-1].append(w)
                continue
        cells.append([w])
    return cells


def _read_part(words: list[_W], lines: list[list[_W]], colrow: list[_W], top: float,
               bottom: float, page: int, title: dict | None) -> _Part:
    centres = [w.cx for w in colrow]
    colnums = [int(_COLNUM.match(w.text).group(1)) for w in colrow]
    hdr_top = title["bottom"] if title is not None else top
    ctop = min(w.top for w in colrow)
    cbottom = max(w.bottom for w in colrow)
    label_words = {id(w) for w in words if fold(w.text) in ("tabel", "table")
                   or _NUMBER.match(w.text)}
    head = [w for w in words if hdr_top - 0.5 < w.top and w.bottom <= ctop + 1.0
            and id(w) not in label_words and not _COLNUM.match(w.text)]
    headers, years = _column_headers(head, centres)
    # body
    body = [w for w in words if w.top > cbottom - 0.5 and w.bottom <= bottom + 0.5]
    cut = bottom
    for ln in _lines(body):   # "Sumber: ...", not the desa "Sumber Ketempah"
        if _FOOTER.match(" ".join(w.text for w in ln[:3])):
            cut = min(cut, ln[0].top)
            break
    body = [w for w in body if w.bottom <= cut + 0.5]
    b12 = (centres[0] + centres[1]) / 2 if len(centres) > 1 else centres[0] + 40
    c2 = centres[1] if len(centres) > 1 else b12
    is_label = [w.cx < b12 or (w.cx < c2 and not _valueish(w.text)) for w in body]
    # a year closing a label ("Tahun/ Year 2020", "Jember 2020") is the label's, however far
    # right it reaches
    for i, w in enumerate(body):
        if not is_label[i] and _YEARTOK.match(w.text) and any(
                is_label[j] and not _valueish(v.text) and abs(v.cy - w.cy) < 0.4 * w.size
                and 0 <= w.x0 - v.x1 < 0.6 * w.size for j, v in enumerate(body)):
            is_label[i] = True
    label_ws = [w for w, lab in zip(body, is_label) if lab]
    value_ws = [w for w, lab in zip(body, is_label) if not lab]
    value_line_ys = [sum(w.cy for w in ln) / len(ln) for ln in _lines(value_ws)]
    # printed row numbers: 1-3 digits left of the names; each anchors one row
    names = [w for w in label_ws if not _ROWNUM.match(w.text)]
    name_x0 = sorted(w.x0 for w in names)[len(names) // 2] if names else 1e9
    nums = [w for w in label_ws if _ROWNUM.match(w.text) and w.x1 <= name_x0 + 1]
    anchors: list[_Row] = [_Row("row", int(_ROWNUM.match(w.text).group(1)), w.cy, [w])
                           for w in nums]
    ys = sorted(r.y for r in anchors)
    gaps = sorted(b - a for a, b in zip(ys, ys[1:]))
    row_pitch = gaps[len(gaps) // 2] if gaps else 2.0 * (label_ws[0].size if label_ws else 8)
    loose: list[_W] = []
    # the other label lines: near a numbered row they belong to it (a wrapped name); apart,
    # lines touching each other form one label ("Kecamatan" over "Kalisat")
    free: list[list[_W]] = []
    num_ids = {id(w) for w in nums}
    for ln in _lines([w for w in label_ws if id(w) not in num_ids]):
        cy = sum(w.cy for w in ln) / len(ln)
        if ys and min(abs(y - cy) for y in ys) < 0.75 * row_pitch:
            loose.extend(ln)
            continue
        def level_with_values(ws: list[_W]) -> bool:
            y = sum(w.cy for w in ws) / len(ws)
            return any(abs(v - y) < 0.4 * ws[0].size for v in value_line_ys)

        # two lines each level with its own values are two rows ("Tahun/Year 2019" over
        # "Tahun/Year 2018"), not one label printed over two lines
        if free and min(w.top for w in ln) - max(w.bottom for w in free[-1]) < 0.5 * ln[0].size \
                and not (level_with_values(free[-1]) and level_with_values(ln)):
            free[-1].extend(ln)
        else:
            free.append(list(ln))
    for group in free:
        cy = sum(w.cy for w in group) / len(group)
        lab = _clean_label(_text(group))
        has_values = any(abs(y - cy) < 0.9 * group[0].size for y in value_line_ys)
        if _is_total_label(lab, all(w.bold for w in group)) and \
                (has_values or _TOTAL_LABEL.match(lab)):
            anchors.append(_Row("total", None, cy, group))
        elif has_values:
            anchors.append(_Row("row", None, cy, group))
        else:
            loose.extend(group)
    anchors.sort(key=lambda r: r.y)
    # the body ends at a gap much larger than the row pitch (a running footer below)
    size = body[0].size if body else 8.0
    pitch = 2.0 * size
    if len(anchors) > 2:
        ys = [r.y for r in anchors]
        pitch = sorted(b - a for a, b in zip(ys, ys[1:]))[len(ys) // 2 - 1] or pitch
        for i in range(1, len(anchors)):
            if anchors[i].y - anchors[i - 1].y > max(4 * pitch, 40.0):
                anchors = anchors[:i]
                break
    if anchors:
        limit = anchors[-1].y + 1.5 * pitch
        loose = [w for w in loose if w.cy <= limit]
        value_ws = [w for w in value_ws if w.cy <= limit]
    part = _Part(page, title["number"] if title else None,
                 bool(title is None or title["continued"]),
                 title["id"] if title else "", title["en"] if title else "",
                 centres, colnums, headers, years, anchors)
    if not anchors:
        return part

    def nearest(y: float) -> _Row:
        return min(anchors, key=lambda r: abs(r.y - y))

    for w in loose:
        r = nearest(w.cy)
        if abs(r.y - w.cy) < 2.5 * w.size:
            r.label_words.append(w)
    # value cells: merge fragments per line, then per column vertically
    frags: list[tuple[int, list[_W]]] = []
    for ln in _lines(value_ws):
        for cell in _merge_fragments(ln):
            cx = (cell[0].x0 + cell[-1].x1) / 2
            col = min(range(1, len(centres)), key=lambda i: abs(centres[i] - cx)) \
                if len(centres) > 1 else 0
            frags.append((col, cell))
    by_col: dict[int, list[list[_W]]] = {}
    for col, cell in frags:
        by_col.setdefault(col, []).append(cell)
    for col, cells in by_col.items():
        cells.sort(key=lambda c: c[0].cy)
        merged: list[list[_W]] = []
        i = 0
        while i < len(cells):
            c = cells[i]
            txt = " ".join(w.text for w in c)
            if i + 1 < len(cells) and re.fullmatch(r"\d{1,3}", txt):
                nxt = cells[i + 1]
                ntxt = " ".join(w.text for w in nxt)
                if nxt[0].top - c[-1].bottom < 0.6 * c[0].size and \
                        re.fullmatch(r"\d{3}([.,]\d+)?", ntxt) and \
                        not any(abs(r.y - c[0].cy) < 0.3 * c[0].size for r in anchors):
                    merged.append(c + nxt)
                    i += 2
                    continue
            merged.append(c)
            i += 1
        for cell in merged:
            main = max(cell, key=lambda w: len(w.text))
            r = nearest(main.cy)
            if abs(r.y - main.cy) > 2.5 * main.size:
                part.odd_words += 1
                continue
            r.cells.setdefault(col, []).extend(cell)
    return part


def _read_page(page, pageno: int) -> tuple[list[_Part], list[dict]]:
    """The table parts of one page, and the titles seen on it."""
    words = _page_words(page)
    lines = _lines(words)
    titles = _find_titles(lines)
    colrows = _colnum_rows(lines)
    parts = []
    colrows.sort(key=lambda r: r[0].top)
    for k, cr in enumerate(colrows):
        ctop = min(w.top for w in cr)
        above = [t for t in titles if t["bottom"] <= ctop + 1]
        prev_c = max(w.bottom for w in colrows[k - 1]) if k else -1.0
        title = max(above, key=lambda t: t["top"]) if above else None
        if title is not None and title["top"] < prev_c:
            title = None
        below_titles = [t["top"] for t in titles if t["top"] > ctop]
        nxt = [min(w.top for w in colrows[k + 1]) - 40] if k + 1 < len(colrows) else []
        bottom = min(below_titles + nxt + [float(page.height)])
        top = prev_c if prev_c > 0 else 0.0
        parts.append(_read_part(words, lines, cr, top, bottom, pageno, title))
    return parts, titles


# --------------------------------------------------------------------------------------------
# triage with pypdfium2: titles of every page, pages without text
# --------------------------------------------------------------------------------------------


@dataclass
class PdfTableInfo:
    """One table of a PDF book, read or skipped: shown by ``unggulan validate``."""

    number: str
    title: str
    pages: list[int]
    status: str                     # 'read' | 'skipped'
    reason: str | None = None
    year: int | None = None
    level: str | None = None
    unit: str | None = None
    measures: list[str] = field(default_factory=list)
    rows: int = 0
    values: int = 0

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


_TRIAGE_TITLE = re.compile(r"(Lanjutan\s+)?Tab(?:el|le)\s*(\d+(?:\.\d+){1,3})(?!\.\d)\b")
# "Tabel Luas Panen ... Menurut Desa dan Jenis 5.8 Table Tanaman (ha) ...": the number
# printed under the word Tabel lands after the title's first line in the text flow
_TRIAGE_TITLE_SPLIT = re.compile(
    r"\bTabel\s+(?P<pre>[A-Za-z][^\d]{0,160}?)\s(?P<num>\d+(?:\.\d+){1,3})\s+Table\s"
    r"(?P<post>.{0,200})")


def _triage(path: Path) -> tuple[int, dict[str, dict], list[int], list[int]]:
    """Pages, tables by number (pages, rough title), scanned pages, and the pages holding a
    column-number row "(1) (2)"."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:  # noqa: BLE001 - any PDFium failure means "not a readable PDF"
        raise DatasetError(f"not a readable PDF ({exc})", path=path) from None
    tables: dict[str, dict] = {}
    scanned: list[int] = []
    page_tables: dict[int, str] = {}
    colrow_pages: list[int] = []
    current: str | None = None
    try:
        n = len(pdf)
        for i in range(n):
            page = pdf[i]
            text = page.get_textpage().get_text_range()
            flat = re.sub(r"\s+", " ", text)
            if len(flat.strip()) < 20:
                has_image = any(True for _ in page.get_objects(filter=[3], max_depth=1))
                if has_image:
                    scanned.append(i + 1)
                current = None
                continue
            found = False
            hits = [(m.group(2), bool(m.group(1)) or "Continued" in
                     flat[max(0, m.start() - 40):m.end()], m.end(), None)
                    for m in _TRIAGE_TITLE.finditer(flat)]
            if not hits:
                hits = [(m.group("num"), False, m.end(), m.group("pre") + " " + m.group("post"))
                        for m in _TRIAGE_TITLE_SPLIT.finditer(flat)]
            for num, cont, end, split_title in hits:
                if num not in tables:
                    if cont and current is None:
                        continue
                    after = re.sub(r"^\s*(Table|Tabel)\b", "", flat[end:end + 300])
                    title = split_title or re.split(r"\s(Table|Tabel)\s", after)[0].strip()
                    tables[num] = {"pages": [i + 1], "title": title[:200]}
                elif (i + 1) not in tables[num]["pages"]:
                    tables[num]["pages"].append(i + 1)
                current = num
                page_tables[i + 1] = num
                found = True
            if re.search(r"\(1\)\s*\(2\)", flat):
                colrow_pages.append(i + 1)
            if not found and current is not None and re.search(r"\(1\)\s*\(2\)", flat):
                tables[current]["pages"].append(i + 1)    # a continuation without a title
                page_tables[i + 1] = current
            elif not found:
                current = None
            if "Lanjutan" in flat or "Continued" in flat:
                if current is not None and (i + 1) not in tables[current]["pages"]:
                    tables[current]["pages"].append(i + 1)
    finally:
        pdf.close()
    return n, tables, scanned, colrow_pages


def _wanted(number: str, title: str, selection: list[str] | None) -> tuple[bool, str | None]:
    if selection:
        for s in selection:
            if s.strip() == number or (not _NUMBER.match(s.strip())
                                       and fold(s) and fold(s) in fold(title)):
                return True, None
        return False, "not among the tables chosen in dataset.toml"
    if _NOT_PRODUCTION.search(title) and not _SUBJECT.search(title):
        return False, "not a commodity table (area of the region, population)"
    measures = [m for m in find_measures(_title_head(title)) if m != "other"]
    if not (measures or _ACTIVITY.search(title) or _TREES.search(title)
            or re.search(r"\bpopulasi\b", title, re.I)):
        return False, "the title names no production measure"
    if not _SUBJECT.search(title):
        return False, "the title names no crop, livestock, fishery or industry"
    if re.search(r"(19|20)\d{2}\s*[-–]\s*(19|20)\d{2}", title) and not re.search(
            r"(?i)\b(menurut|by)\s+(desa|kelurahan|kecamatan|village|subdistrict)", title):
        return False, "a time series (years as columns), not by desa or kecamatan"
    return True, None


def _title_head(title: str) -> str:
    return re.split(r"(?i)\s(menurut|by)\s", title)[0]


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def _level_of(header: str) -> str | None:
    """The level a first-column header names: 'Desa/Kelurahan', 'Kecamatan/Subdistrict'."""
    f = fold(re.sub(r"^\W*(no\.?|nomor)\s+", "", header, flags=re.I))
    for word, level in _LEVEL_WORDS:
        if f.startswith(word):
            return level
    return None


def _title_year(title: str) -> int | None:
    ys = re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", title)
    if not ys:
        return None
    if re.search(r"(19|20)\d{2}\s*[-–]\s*(19|20)\d{2}", title):
        return None
    return int(ys[-1])


def _title_unit(title: str) -> str | None:
    for m in re.finditer(r"\(([^()]{1,20})\)", title):
        inner = m.group(1).strip().rstrip(".").strip()
        if parse_unit(inner) is not None:
            return m.group(1).strip()
    return None


_SUBJECT_DROP = re.compile(
    r"\b(luas|tanam|panen|produksi|rata-rata|rata rata|total|dan|jumlah|tanaman|menghasilkan|"
    r"banyaknya|populasi|areal|hasil|produktivitas|produktifitas|of|and)\b", re.I)


def _title_subject(title: str) -> str | None:
    head = _title_head(title)
    head = re.sub(r"\([^)]*\)", " ", head)
    head = re.sub(r"(?<!\d)(19|20)\d{2}(?!\d)", " ", head)
    head = _SUBJECT_DROP.sub(" ", head)
    head = re.sub(r"[,;:]", " ", head)
    head = re.sub(r"\s+", " ", head).strip(" -/")
    return head or None


def _clean_commodity(text: str) -> tuple[str | None, str | None]:
    """The commodity name without footnote asterisks (returned as the mark) and without a
    trailing parenthesised gloss ("Heliconia (Pisang-pisangan)*" -> "Heliconia", "*").

    >>> _clean_commodity("Heliconia (Pisang- pisangan)*"), _clean_commodity("Palem/ *")
    (('Heliconia', '*'), ('Palem', '*'))
    """
    t = re.sub(r"\s+", " ", text).strip()
    mark = None
    stars = re.findall(r"\*+\)?", t)
    if stars:
        mark = stars[0]
        t = re.sub(r"\s*\*+\)?", "", t)
    t = re.sub(r"\s*\([^()]*\)\s*$", "", t).strip(" /")
    return (t or None), mark


def _measure_for(title: str) -> tuple[str | None, str | None]:
    """(measure, reason) named by a title when its columns do not say."""
    head = _title_head(title)
    if _ACTIVITY.search(head):
        return "units", "industry count"
    if _TREES.search(head):
        return "other", "count of producing trees"
    ms = [m for m in find_measures(head) if m != "other"]
    if len(ms) == 1:
        return ms[0], None
    if re.search(r"\bpopulasi\b", head, re.I):
        return "population", None
    return None, None


def _column_info(header: tuple[str, str], bilingual: bool) -> dict:
    """Measure, commodity, unit and year of one value column's header.

    ``header`` is (Indonesian, English), blocks top-down joined by " | ". The Indonesian
    words are upright and the English italic, so a slash inside the Indonesian part
    ("Laos/Lengkuas", "Keripik/ Kerupuk") belongs to the name, except in a bilingual table
    where "Kembang Kol/ Cauliflower" printed upright is still "name/ gloss".

    >>> _column_info(("Luas Tanam (Ha)/", "Planting Area (Ha)"), True)["measure"]
    'planted_area'
    >>> _column_info(("Produktifitas (Kw./Ha.)", "Productivity"), True)["commodity"] is None
    True
    >>> _column_info(("Kembang Kol/ Cauliflower", ""), True)["commodity"]
    'Kembang Kol'
    >>> _column_info(("Laos/Lengkuas", "Galanga"), True)["commodity"]
    'Laos/Lengkuas'
    """
    ind, en = header
    stars = re.findall(r"\*+\)?", ind)
    ind = re.sub(r"\s*\*+\)?", "", ind)
    parts = [x.strip() for x in ind.split(" | ") if x.strip()]
    clean = []
    for x in parts:
        if bilingual and re.search(r"/\s+\S", x):
            x, gloss = re.split(r"/\s+", x, maxsplit=1)
            en = (gloss + " " + en).strip()
        x = re.sub(r"\s*/\s*$", "", x)
        clean.append(re.sub(r"(?<=[A-Za-z])\s*/\s*(?=[A-Za-z])", "\u2215", x))
    infos = [split_header(x) for x in clean]
    einfo = split_header(en.replace(" | ", " / ")) if en else split_header("")
    measure = next((i.measure for i in infos if i.measure), None)
    commodity = next((i.commodity for i in reversed(infos) if i.commodity), None)
    if measure is None and einfo.measure is not None:
        # named only in English ("Produktifitas/Productivity"): the title's commodity
        measure, commodity = einfo.measure, None
    if commodity and (find_measures(commodity.replace("\u2215", "/"))
                      or _YEARTOK.match(commodity)):
        commodity = None
    unit_raw = next((i.unit_raw for i in infos if i.unit_raw), None) or einfo.unit_raw
    year = next((i.year for i in infos if i.year), None) or einfo.year
    return {"measure": measure, "commodity": commodity.replace("\u2215", "/")
            if commodity else None, "unit_raw": unit_raw, "year": year,
            "mark": stars[0] if stars else None,
            "ind": " | ".join(x.replace("\u2215", "/") for x in clean)}


def _build_table(number: str, parts: list[_Part], path: Path, opts) -> tuple[object, dict]:
    """One StatTable from the parts of a table (or a skip reason)."""
    first = parts[0]
    title_id = first.title_id.strip()
    info: dict = {"title": title_id, "pages": [p.page for p in parts]}
    level = None
    for p in parts:
        level = (_level_of(p.headers[0][0]) or _level_of(p.headers[0][1])) if p.headers \
            else None
        if level:
            break
    if opts is not None and getattr(opts, "area_level", None):
        level = opts.area_level
    if level is None:
        what = parts[0].headers[0][0] if parts[0].headers else ""
        return None, {**info, "reason": f"rows are '{what or '?'}', not desa or kecamatan"}
    year = _title_year(title_id)
    if opts is not None and getattr(opts, "year", None):
        year = opts.year
    t_unit = (getattr(opts, "unit", None) if opts is not None else None) or _title_unit(title_id)
    t_measure, why = _measure_for(title_id)
    opt_measure = getattr(opts, "measure", None) if opts is not None else None
    opt_unit = getattr(opts, "unit", None) if opts is not None else None
    if opts is not None and getattr(opts, "measure", None):
        t_measure = opts.measure
    subject = _title_subject(title_id)
    fname = str(path)
    problems: list[Problem] = []
    recs: dict[str, list] = {c: [] for c in RECORD_COLUMNS}
    tot_rows: list[dict] = []
    lost: list[str] = []
    bad: list[str] = []
    commodities_map = {fold(k): v for k, v in (getattr(opts, "commodities", None) or {}).items()}
    for p in parts:
        sheet = f"Tabel {number}, hal. {p.page}"
        col_meta = {}
        ncols = len(p.centres) - 1
        bilingual = sum(1 for c in range(1, len(p.centres)) if p.headers[c][1]) >= 0.5 * ncols
        for c in range(1, len(p.centres)):
            hi = _column_info(p.headers[c], bilingual)
            # [[statistics]] measure/unit: for every column, over what the headers say
            measure = (opt_measure or hi["measure"] or t_measure)
            commodity = hi["commodity"]
            commodity, mark = _clean_commodity(commodity) if commodity else (subject, None)
            mark = hi["mark"] or mark
            if commodity and fold(commodity) in commodities_map:
                commodity = commodities_map[fold(commodity)]
            ind = hi["ind"]
            en = p.headers[c][1]
            unit_raw = opt_unit or hi["unit_raw"] or t_unit
            unit = parse_unit(unit_raw.rstrip(". ") if unit_raw else None)
            if unit is None and measure == "units":
                unit = parse_unit("unit")
            if measure is None and unit is not None and unit.measure is not None:
                measure = unit.measure
            measure = measure or "other"
            cyear = p.years[c] or hi["year"] or year
            column = ind or en or f"({p.colnums[c]})"
            if p.years[c] and str(p.years[c]) not in column:
                column = f"{column} / {p.years[c]}"
            col_meta[c] = (commodity, mark, measure, unit, unit_raw, cyear, column,
                           p.years[c] is not None)
        for line_no, r in enumerate(p.rows, start=1):   # line_no: for rows with no number
            label = r.label
            for c, (commodity, mark, measure, unit, unit_raw, cyear, column, col_has_year) \
                    in col_meta.items():
                ws = sorted(r.cells.get(c, []), key=lambda w: (round(w.cy), w.x0))
                cell = " ".join(w.text for w in ws)
                value, status, note = parse_bps_number(cell)
                if status == "bad":
                    bad.append(f"hal. {p.page} row '{label}' {column}: '{cell}'")
                elif note == "lost decimal mark":
                    lost.append(f"hal. {p.page} '{label}' {column}: '{cell}' read as {value:g}")
                factor = unit.factor if unit is not None else 1.0
                if r.kind == "total":
                    ty = cyear
                    ly = re.search(r"((?:19|20)\d{2})$", label.replace(" ", ""))
                    if ly and not col_has_year:
                        ty = int(ly.group(1))
                    tot_rows.append({"label": label, "column": column, "commodity": commodity,
                                     "measure": measure, "year": ty, "value": value * factor
                                     if not math.isnan(value) else value,
                                     "unit": unit.unit if unit else unit_raw, "page": p.page,
                                     "row": r.number if r.number is not None else
                                     line_no, "ratio": measure in RATIO_MEASURES,
                                     "cell": cell})
                    continue
                recs["area_raw"].append(label)
                recs["area_code"].append(None)
                recs["area_label"].append(label)
                recs["commodity_raw"].append(commodity)
                recs["measure"].append(measure)
                recs["unit"].append(unit.unit if unit is not None else
                                    (unit_raw.lower() if unit_raw else None))
                recs["unit_raw"].append(unit_raw)
                recs["factor"].append(factor)
                recs["ratio"].append(measure in RATIO_MEASURES)
                recs["year"].append(cyear)
                recs["value"].append(value * factor if not math.isnan(value) else math.nan)
                recs["cell"].append(cell)
                recs["mark"].append(mark)
                recs["file"].append(fname)
                recs["sheet"].append(sheet)
                recs["row"].append(r.number if r.number is not None else line_no)
                recs["column"].append(column)
        if p.odd_words:
            problems.append(Problem("info", fname, f"Tabel {number}, hal. {p.page}: "
                                    f"{p.odd_words} value(s) far from any row were ignored"))
    frame = pd.DataFrame(recs, columns=RECORD_COLUMNS)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    frame["value"] = frame["value"].astype(float)
    frame["factor"] = frame["factor"].astype(float)
    frame["ratio"] = frame["ratio"].astype(bool)
    frame["row"] = frame["row"].astype(int)
    # totals checked against the rows
    totals = []
    if len(frame):
        sums = frame.loc[~frame["ratio"]].groupby(
            ["commodity_raw", "measure", "year"], dropna=False)["value"]
        sum_of = sums.sum(min_count=1)
        count_of = sums.size()
    for t in tot_rows:
        if t["ratio"]:
            continue
        key = (t["commodity"], t["measure"], t["year"])
        s = None
        if len(frame) and key in count_of.index:
            v = sum_of.get(key)
            s = 0.0 if v is None or pd.isna(v) else float(v)
        total = t["value"]
        diff = None if s is None or math.isnan(total) else round(total - s, 9)
        totals.append({"row": t["row"], "label": t["label"], "column": t["column"],
                       "commodity": t["commodity"], "measure": t["measure"],
                       "total": None if math.isnan(total) else total,
                       "sum_of_rows": None if s is None else round(s, 9), "difference": diff,
                       "year": t["year"], "unit": t["unit"], "page": t["page"],
                       "cell": t["cell"]})
        if diff is not None and abs(diff) > TOTAL_TOLERANCE_ABS and \
                abs(diff) > TOTAL_TOLERANCE_REL * abs(total):
            problems.append(Problem(
                "warning", fname, f"Tabel {number}, hal. {t['page']}: total row "
                f"'{t['label']}' {t['commodity']} {t['year']}: {total:g} but the rows sum to "
                f"{s:g} (difference {diff:+g})", field=t["column"]))
    if lost:
        problems.append(Problem(
            "warning", fname, f"Tabel {number}: {len(lost)} number(s) printed without their "
            "decimal mark, the last group of 1-2 digits read as decimals: "
            + "; ".join(lost[:5]) + (" ..." if len(lost) > 5 else "")))
    if bad:
        problems.append(Problem(
            "warning", fname, f"Tabel {number}: {len(bad)} cell(s) not readable as numbers, "
            "kept as missing: " + "; ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")))
    units = sorted({u for u in frame["unit_raw"].dropna().unique()}) if len(frame) else []
    # the kecamatan a desa table is of ("... di Kecamatan Ajung 2020", or its total row):
    # settles desa names that several kecamatan share
    m = re.search(r"(?i)\bdi\s+kecamatan\s+([A-Z][\w ]*?)(?:\s*,|\s+(?:19|20)\d{2}|\s*$)",
                  title_id)
    within = m.group(1).strip() if m else next(
        (re.sub(r"(?i)^kecamatan\s+", "", t["label"]) for t in tot_rows
         if re.match(r"(?i)kecamatan\s+\w", t["label"])), None)
    table = StatTable(
        file=fname, sheet=f"Tabel {number}, hal. {first.page}",
        title=f"{number} {title_id}".strip(), layout="wide", area_column=first.headers[0][0]
        if first.headers else "", area_level=level, year=year, year_column=None,
        records=frame, totals=totals, problems=problems,
        guessed={"reader": f"pdf (pdfplumber), tabel {number}, "
                 f"pages {', '.join(str(p.page) for p in parts)}"}
        | ({"measure": why} if why else {})
        | ({"within": within} if within and level == "desa" else {}))
    info.update({"year": year, "level": level, "unit": ", ".join(units) or None,
                 "measures": sorted(frame["measure"].dropna().unique().tolist())
                 if len(frame) else [],
                 "rows": int(frame.groupby(["sheet", "row"]).ngroups) if len(frame) else 0,
                 "values": int(frame["value"].notna().sum()) if len(frame) else 0})
    if frame.empty:
        return None, {**info, "reason": "no rows of values found"}
    return table, info


# --------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------


def _cache_dir() -> Path | None:
    env = os.environ
    if env.get("UNGGULAN_NO_CACHE", "").lower() in ("1", "true", "yes", "on"):
        return None
    base = env.get("UNGGULAN_CACHE_DIR")
    if not base:
        base = str(Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "unggulan")
    return Path(base) / "pdf_tables"


def _options_key(opts) -> str:
    if opts is None:
        return "-"
    keys = ("tables", "area_level", "year", "measure", "unit", "commodities")
    used = [(k, getattr(opts, k, None)) for k in keys if getattr(opts, k, None)]
    return repr(used) if used else "-"


def _read(path: Path, opts) -> tuple[list, list[PdfTableInfo], list[Problem]]:
    import pdfplumber

    npages, found, scanned, colrow_pages = _triage(path)
    selection = list(getattr(opts, "tables", None) or []) if opts is not None else []
    listing: list[PdfTableInfo] = []
    problems: list[Problem] = []
    fname = str(path)
    if scanned:
        problems.append(Problem(
            "warning" if len(scanned) > 0.5 * npages else "info", fname,
            f"{len(scanned)} page(s) have no text layer (scanned images), not read (no OCR): "
            + _ranges(scanned)))
    wanted: dict[str, list[int]] = {}
    for num, t in found.items():
        ok, reason = _wanted(num, t["title"], selection)
        if ok:
            wanted[num] = sorted(t["pages"])
        else:
            listing.append(PdfTableInfo(num, t["title"], sorted(t["pages"]), "skipped", reason,
                                        year=_title_year(t["title"])))
    if not found and npages and len(scanned) < npages:
        problems.append(Problem("warning", fname, "no 'Tabel N.N' title found in the PDF: "
                                "is it a BPS 'Dalam Angka' book?"))
    # pages with a column-number row that the quick scan could not give to a table (a title
    # PDFium's text layer misses, as in some 2022 editions): pdfplumber reads their titles
    seen = {p for t in found.values() for p in t["pages"]}
    untitled = [p for p in colrow_pages if p not in seen]
    pages = sorted({p for ps in wanted.values() for p in ps} | set(untitled))
    parts_by_table: dict[str, list[_Part]] = {}
    late_skips: set[str] = set()
    if pages:
        with pdfplumber.open(str(path)) as pdf:
            last: str | None = None
            prev_page = -1
            for pno in pages:
                page = pdf.pages[pno - 1]
                parts, _titles = _read_page(page, pno)
                if pno != prev_page + 1:
                    last = None
                for part in parts:
                    num = part.number
                    if num is not None and num not in found and num not in late_skips \
                            and not part.continued and part.title_id:
                        ok, reason = _wanted(num, part.title_id, selection)
                        if ok:
                            found[num] = {"pages": [], "title": part.title_id}
                            wanted[num] = []
                        else:
                            late_skips.add(num)
                            listing.append(PdfTableInfo(num, part.title_id, [pno], "skipped",
                                                        reason, year=_title_year(part.title_id)))
                    if num is None or (part.continued and num not in wanted):
                        num = last
                    if num is None or num not in wanted:
                        last = None if num in late_skips else last
                        continue
                    parts_by_table.setdefault(num, []).append(part)
                    if pno not in wanted[num]:
                        wanted[num].append(pno)
                    last = num
                prev_page = pno
                page.close()
    tables = []
    for num in sorted(wanted, key=lambda n: [int(x) for x in n.split(".")]):
        parts = parts_by_table.get(num, [])
        rough = found[num]["title"]
        if not parts or not parts[0].title_id:
            if parts and not parts[0].title_id:
                parts[0].title_id = rough
            if not parts:
                listing.append(PdfTableInfo(num, rough, wanted[num], "skipped",
                                            "no column-number row (1) (2) ... found"))
                continue
        table, info = _build_table(num, parts, path, opts)
        if table is None:
            listing.append(PdfTableInfo(num, info["title"], info["pages"], "skipped",
                                        info.get("reason"), year=info.get("year"),
                                        level=info.get("level")))
            continue
        listing.append(PdfTableInfo(num, info["title"], info["pages"], "read", None,
                                    info["year"], info["level"], info["unit"],
                                    info["measures"], info["rows"], info["values"]))
        tables.append(table)
    listing.sort(key=lambda i: [int(x) for x in i.number.split(".")])
    return tables, listing, problems


def _ranges(pages: list[int]) -> str:
    out, start, prev = [], None, None
    for p in pages + [None]:
        if start is None:
            start = prev = p
        elif p is not None and p == prev + 1:
            prev = p
        else:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = p
    return ", ".join(out)


def _cached(path: Path, opts) -> tuple[list, list[PdfTableInfo], list[Problem]]:
    from unggulan.io.cache import read_pickle, write_pickle

    cdir = _cache_dir()
    key = None
    if cdir is not None:
        digest = hashlib.sha256((file_digest(path) + READER_VERSION + _options_key(opts))
                                .encode()).hexdigest()[:40]
        key = cdir / f"{digest}.pkl"
        hit = read_pickle(key)
        if isinstance(hit, tuple) and len(hit) == 3:
            return _relocate(hit, str(path))
    result = _read(path, opts)
    if key is not None:
        write_pickle(key, result)
    return result


def _relocate(hit: tuple, fname: str) -> tuple:
    """A cached result of the same bytes read under another path names this path."""
    tables, listing, problems = hit
    for t in tables:
        if t.file != fname:
            old = t.file
            t.file = fname
            t.records["file"] = fname
            t.problems = [Problem(p.severity, fname if p.file == old else p.file, p.message,
                                  p.row, p.field) for p in t.problems]
    problems = [Problem(p.severity, fname, p.message, p.row, p.field) for p in problems]
    return tables, listing, problems


def read_pdf_statistics(path: Path | str, options=None) -> list:
    """Read the statistics tables of a BPS PDF book (see the module docstring).

    Parameters
    ----------
    path : Path
        The PDF.
    options : StatisticsOptions, optional
        ``tables`` (numbers or title words), ``area_level``, ``year``, ``measure``, ``unit``
        and ``commodities`` are used; the other options are for CSV/XLSX files.

    Returns
    -------
    list of StatTable
        One per table read. The first carries the book's listing in ``book`` (every table,
        read or skipped and why, as :func:`pdf_contents` gives it) and the book's problems
        (pages without a text layer).

    Raises
    ------
    DatasetError
        The file is missing, not a PDF, or holds no table that could be read.
    """
    path = Path(path)
    if not path.exists():
        raise DatasetError("file not found", path=path)
    if path.stat().st_size == 0:
        raise DatasetError("the file is empty (0 bytes)", path=path)
    tables, listing, problems = _cached(path, options)
    if not tables:
        skipped = [f"{i.number} ({i.reason})" for i in listing][:6]
        raise DatasetError("no statistics table could be read from the PDF"
                           + (": " + problems[0].message if problems else "")
                           + (f"; tables skipped: {', '.join(skipped)}" if skipped else ""),
                           path=path)
    tables[0].problems = list(problems) + list(tables[0].problems)
    tables[0].book = [i.to_dict() for i in listing]
    return tables


def pdf_contents(path: Path | str, options=None) -> list[PdfTableInfo]:
    """Every table of a PDF book, read or skipped (with why); cached like the tables, so
    after :func:`read_pdf_statistics` with the same options this costs a hash of the file."""
    path = Path(path)
    if not path.exists():
        raise DatasetError("file not found", path=path)
    return _cached(path, options)[1]
