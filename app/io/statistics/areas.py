"""Area cells and the table's area level: a cell split into its code and name, the level a
prefix or a code length says, the places a title names, and the level of the whole table."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from unggulan.base.errors import DatasetError
from unggulan.base.names import fold
from unggulan.io.statistics.cells import cell_text, is_blank, norm_ws
from unggulan.io.statistics.model import LEVEL_RANK, LEVELS, StatisticsOptions
from unggulan.io.statistics.words import AREA_WORDS, tokens

if TYPE_CHECKING:  # the plan module imports this one
    from unggulan.io.statistics.plan import Plan


CODE_PREFIX = re.compile(r"^(\d{2}(?:\.\d{1,4}){1,3}|\d{4,10})\.?(?:\s*[-–:.)|]\s*|\s+|$)(.*)$")
_CODE_SUFFIX = re.compile(r"^(.*?)\s*[(\[](\d{2}(?:\.\d{1,4}){1,3}|\d{4,10})[)\]]$")
_LIST_PREFIX = re.compile(r"^\(?\d{1,3}\s*[.)]\s*(\S.*)$|^\d{1,3}\s+([^\d\s].*)$")
_ADMIN_PREFIX = re.compile(
    r"^(?:(provinsi|prov)|(kabupaten|kab|kota|kabupaten/kota)|(kecamatan|kec)|"
    r"(desa|kelurahan|kel|ds))\b\.?\s*(\S.*)$", re.IGNORECASE)


def split_area(v: object) -> tuple[str, str | None, str | None]:
    """(area_raw, area_code, area_label) of an area cell."""
    if is_blank(v):
        return "", None, None
    if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
        text = cell_text(v)
        if re.fullmatch(r"\d{4,10}", text):
            return text, text, None
        return text, None, text
    return _split_area_text(str(v))


@lru_cache(maxsize=65536)
def _split_area_text(v: str) -> tuple[str, str | None, str | None]:
    raw = v.strip()
    text = norm_ws(raw)
    m = CODE_PREFIX.match(text)
    if m:
        label = m.group(2).strip() or None
        return raw, re.sub(r"\D", "", m.group(1)), label
    m = _CODE_SUFFIX.match(text)
    if m:
        return raw, re.sub(r"\D", "", m.group(2)), m.group(1).strip() or None
    m = _LIST_PREFIX.match(text)
    if m:
        return raw, None, (m.group(1) or m.group(2)).strip()
    return raw, None, text


def code_of_cell(v: object) -> str | None:
    """The digits of a cell in a code column (any length: "010" is a code there)."""
    code = split_area(v)[1]
    if code is None and not is_blank(v):
        t = cell_text(v).strip()
        if re.fullmatch(r"\d[\d.]*", t):
            code = t.replace(".", "")
    return code


def code_like(v: object) -> bool:
    """The cell holds an area code (alone or beside a name)."""
    raw, code, label = split_area(v)
    return code is not None


@lru_cache(maxsize=65536)
def admin_level(label: str | None) -> str | None:
    """The level an administrative prefix names ("Kec. Batur" -> kecamatan), else None."""
    if not label:
        return None
    m = _ADMIN_PREFIX.match(label)
    if not m:
        return None
    for k, level in enumerate(LEVELS):
        if m.group(k + 1):
            return level
    return None  # pragma: no cover


def _level_of_code(code: str | None) -> str | None:
    return {2: "provinsi", 4: "kabupaten", 6: "kecamatan", 7: "kecamatan",
            10: "desa"}.get(len(code)) if code else None


_TITLE_AREA_PRE = re.compile(
    r"(?i:\b(provinsi|province|kabupaten|kab\.|kota|kecamatan|kec\.|desa|kelurahan))"
    r"\s+([A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*)")
_TITLE_AREA_POST = re.compile(
    r"\b([A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*)\s+(Regency|City|Province|Subdistrict|District|"
    r"Village)\b")
#: "menurut kecamatan", "by subdistrict": the level of a table's rows, in a title
TITLE_LEVEL = re.compile(
    r"(?i:\b(?:menurut|per|by|tiap|setiap|masing-masing)\s+(desa|kelurahan|kecamatan|"
    r"kabupaten|kota|provinsi|subdistrict|district|village|regency|province|city))")
#: the level each area word of a title names
WORD_LEVEL = {"provinsi": "provinsi", "province": "provinsi", "kabupaten": "kabupaten",
              "kab.": "kabupaten", "kota": "kabupaten", "regency": "kabupaten",
              "city": "kabupaten", "kecamatan": "kecamatan", "kec.": "kecamatan",
              "subdistrict": "kecamatan", "district": "kecamatan", "desa": "desa",
              "kelurahan": "desa", "village": "desa"}
_NOT_NAMES = frozenset({"dan", "and", "dalam", "angka", "in", "figures", "menurut", "by",
                        "tahun", "year", "dan jenis", "jenis"})


def title_areas(titles: list[str]) -> list[tuple[str, str]]:
    """(level, name) of places named in the title rows: "di Kabupaten Bone" -> (kab, Bone)."""
    out: list[tuple[str, str]] = []
    for t in titles:
        for m in _TITLE_AREA_PRE.finditer(t):
            level = WORD_LEVEL[m.group(1).lower()]
            name = re.split(r"\s+(?:Dalam|In|Tahun|Menurut|Dan|And)\b", m.group(2))[0].strip()
            if name and fold(name) not in _NOT_NAMES:
                out.append((level, name))
        for m in _TITLE_AREA_POST.finditer(t):
            name = m.group(1).split()[-1] if len(m.group(1).split()) > 3 else m.group(1)
            if fold(name) not in _NOT_NAMES:
                out.append((WORD_LEVEL[m.group(2).lower()], name))
    return out


def guess_level(plan: Plan, opts: StatisticsOptions, path: Path,
                splits: list[tuple[str, str | None, str | None]], codes: list[str | None],
                ctx: dict) -> tuple[str | None, str | None]:
    """The table's area level and where it came from: option, area header, code lengths,
    title, label prefixes (or the title, for a table whose area is in the title)."""
    level = opts.area_level
    if level and level not in LEVELS:
        raise DatasetError(f"unknown area_level '{level}' (one of {', '.join(LEVELS)})",
                           path=path, field="area_level")
    if level:
        return level, "option"
    if plan.area_from_title is not None:
        places = title_areas(plan.titles)
        if places:
            return max(places, key=lambda p: LEVEL_RANK[p[0]])[0], "title"
        return None, None
    for col in (plan.area, plan.code):
        if col is None:
            continue
        lv = [AREA_WORDS[t] for t in tokens(col.text) if AREA_WORDS.get(t)]
        if lv:
            return lv[0], f"header '{col.text}'"
    lens = [_level_of_code(c) for c in codes if c]
    if lens:
        best = max(set(lens), key=lens.count)
        if best and lens.count(best) >= 0.8 * len(lens):
            return best, "code lengths"
    if "level" in ctx:
        return ctx["level"]
    lv = [admin_level(s[2]) for s in splits if s[2]]
    if lv:
        best = max(set(lv), key=lv.count)
        if best and lv.count(best) >= 0.8 * len(lv):
            return best, "label prefixes"
    return None, None
