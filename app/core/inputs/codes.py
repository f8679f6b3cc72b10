"""Indonesian area codes (kode wilayah).

Two official systems exist and do not convert into each other by string arithmetic:

* Kemendagri (Permendagri / PUM): province 2, kabupaten 4, kecamatan 6, desa 10 digits,
  written ``73.08.01.2001`` (with dots) or ``7308012001``;
* BPS: province 2, kabupaten 4, kecamatan 7, desa 10 digits, written without dots
  (``7311010001``).

We keep the system a file uses and normalise only its form: Kemendagri codes are stored
dotted, BPS codes as plain digits. Codes are always strings.

**Codes stored as numbers.** No Indonesian area code begins with 0: province codes run
from 11 (Aceh) to 97 (the first digit is one of 1, 2, 3, 5, 6, 7, 8, 9 in both systems), so a
code column that a spreadsheet or GIS stored as a number (``7308012001``, ``730801``,
``1101012001``) loses no leading zero and is read back exactly; an Excel float
(``7308012001.0``, as a number or as text) is read as its integer. What *is* lost is a code
Excel wrote in scientific notation (``7.30801E+09``, the way it shows long numbers in a
narrow column, and saves them so in a CSV): its last digits are gone, and
:func:`why_not_code` says so. Codes beginning with ``00`` are the derived codes of
names-only layers (see :mod:`unggulan.core.inputs.boundaries`), which no official code can be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Literal

CodeSystem = Literal["kemendagri", "bps"]
Level = Literal["provinsi", "kabupaten", "kecamatan", "desa"]

#: digits per level for each code system
LEVEL_DIGITS: dict[CodeSystem, dict[Level, int]] = {
    "kemendagri": {"provinsi": 2, "kabupaten": 4, "kecamatan": 6, "desa": 10},
    "bps": {"provinsi": 2, "kabupaten": 4, "kecamatan": 7, "desa": 10},
}

_CODE_CHARS = re.compile(r"^[0-9][0-9.\s]*$")


def clean_code(value: object) -> str | None:
    """Return the digits of a code cell (dots and spaces removed), or None when empty.

    Numbers that spreadsheets turned into floats (``7308012001.0``) are recovered.

    Examples
    --------
    >>> clean_code("73.08.01.2001")
    '7308012001'
    >>> clean_code(7308012001.0)
    '7308012001'
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return None
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "null", "-"}:
        return None
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    if not _CODE_CHARS.match(text):
        return None
    digits = re.sub(r"[.\s]", "", text)
    return digits or None


#: first digits of Indonesian province codes (11-19, 21, 31-36, 51-53, 61-65, 71-76, 81-82,
#: 91-97); never 0, so a number cannot have dropped a leading zero
PROVINCE_FIRST_DIGITS = frozenset("12356789")

_SCIENTIFIC = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+\s*$")


def why_not_code(value: object) -> str | None:
    """Why a non-empty cell is not an area code, in words for a message; None when it is one
    (or is empty).

    Examples
    --------
    >>> why_not_code("7.30801E+09")[:54]
    'written in scientific notation (7.30801E+09): Excel dr'
    >>> why_not_code(7308012001.0) is None
    True
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if clean_code(value) is not None:
        return None
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "null", "-"}:
        return None
    if _SCIENTIFIC.match(text):
        return (f"written in scientific notation ({text}): Excel dropped its last digits; "
                "format the column as Text and type the codes again")
    if re.fullmatch(r"[-+]?\d+[.,]\d+", text) and not text.endswith((".0", ",0")):
        return f"a decimal number ({text}), not a code"
    return f"'{text}' is not made of digits (and dots)"


def stored_as_numbers(values: Iterable[object]) -> object | None:
    """The first cell showing that codes were stored as numbers (an int or float, or text
    like ``7308012001.0``), else None.

    Examples
    --------
    >>> stored_as_numbers(["73.08.01.2001", 7308012002.0])
    7308012002.0
    >>> stored_as_numbers(["73.08.01.2001"]) is None
    True
    """
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, float) and math.isnan(v):
            continue
        if isinstance(v, int | float) or re.fullmatch(r"\d+\.0", str(v).strip()):
            return v
    return None


def length_note(digits: str, want: int, level: str) -> str:
    """What is wrong with a code of the wrong length, for a message.

    >>> length_note("730801200", 10, "desa")[:53]
    '9 digits where a desa code has 10: a digit is missing'
    """
    n = len(digits)
    if n < want:
        return (f"{n} digits where a {level} code has {want}: a digit is missing (codes never "
                "start with 0, so it is not a lost leading zero)")
    return f"{n} digits where a {level} code has {want}"


def looks_dotted(values: Iterable[object]) -> bool:
    """True when most non-empty values are written with dots (Kemendagri style)."""
    vals = [str(v) for v in values if v is not None and str(v).strip()]
    if not vals:
        return False
    return sum("." in v.strip().rstrip(".0") for v in vals) > len(vals) / 2


def level_of(digits: str, system: CodeSystem) -> Level | None:
    """The administrative level a code of ``len(digits)`` belongs to, or None."""
    for level, n in LEVEL_DIGITS[system].items():
        if len(digits) == n:
            return level
    return None


def guess_system(codes: Iterable[str], hint: str | None = None) -> tuple[CodeSystem, str]:
    """Guess the code system of cleaned codes; return it with the reason.

    Dotted codes and 6-digit kecamatan codes are Kemendagri; 7-digit kecamatan codes are
    BPS. For undotted 10-digit desa codes the seventh digit decides: a Kemendagri desa
    number starts with 1 (kelurahan) or 2 (desa), while the BPS kecamatan number in that
    place ends in 0 for most kecamatan.
    """
    if hint:
        h = hint.lower()
        if "bps" in h:
            return "bps", f"column name '{hint}' says BPS"
        if "pum" in h or "kemendagri" in h or "dagri" in h:
            return "kemendagri", f"column name '{hint}' says Kemendagri"
    codes = [c for c in codes if c]
    lengths = {len(c) for c in codes}
    if 7 in lengths and 6 not in lengths:
        return "bps", "7-digit kecamatan codes (BPS)"
    if 6 in lengths and 7 not in lengths:
        return "kemendagri", "6-digit kecamatan codes (Kemendagri)"
    desa = [c for c in codes if len(c) == 10]
    if desa:
        one_two = sum(c[6] in "12" for c in desa)
        if one_two >= 0.8 * len(desa):
            return "kemendagri", "desa numbers start with 1 or 2 (Kemendagri)"
        zero = sum(c[6] == "0" for c in desa)
        if zero >= 0.5 * len(desa):
            return "bps", "7th digit mostly 0: 3-digit kecamatan number (BPS)"
    return "kemendagri", "no clear sign; Kemendagri assumed (set code_system in dataset.toml)"


def format_code(digits: str, system: CodeSystem) -> str:
    """Write cleaned digits in the system's canonical form.

    >>> format_code("7308012001", "kemendagri")
    '73.08.01.2001'
    >>> format_code("7311010001", "bps")
    '7311010001'
    """
    if system == "bps":
        return digits
    parts = [digits[:2], digits[2:4], digits[4:6], digits[6:]]
    return ".".join(p for p in parts if p)


def parent_code(digits: str, level: Level, system: CodeSystem) -> str | None:
    """Cleaned digits of the parent area of ``level`` (which must be higher)."""
    n = LEVEL_DIGITS[system][level]
    if len(digits) <= n:
        return None
    return digits[:n]
