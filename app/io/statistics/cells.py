"""One cell at a time: numbers written as text (thousands separators, decimal comma, footnote
marks, the BPS none markers ``-``, ``...``, ``x``), the decimal convention of a file, and
years (in a cell, in a title, or as an Excel date serial). See the package docstring for the
rules."""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache

import numpy as np

_NIL = frozenset({"-", "–", "—", "−", "‒", "--", "---", "- -"})
_MISSING = frozenset({"...", "..", "…", "....", "x", "×", "na", "n.a.", "n.a", "n/a", "#n/a",
                      "tad", "t.a.d", "t.a.d."})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_MARK = re.compile(r"^(.*?\d)\s*(\*+\)?|\(\*+\)|[A-Za-z]\)|\([A-Za-z]\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)$")
_DIGIT_MARK = re.compile(r"^(.*?\d)\s+(\d\)|\(\d\))$")
_NUMLIKE = re.compile(r"^[-+]?(\d[\d.,]*|[.,]\d+)$")
#: a number with nothing to clean (no spaces, marks or dashes): most cells of a big table
_PLAIN_NUMBER = re.compile(r"[-+]?[\d.,]+")
_INNER_SPACES = re.compile(r"(?<=[\d.,])\s+(?=[\d.,])")
_SIGN_SPACE = re.compile(r"^([-+])\s+(?=\d)")
_FLOAT_TEXT = re.compile(r"([-+]?)(\d[\d.,]*\d|\d|[.,]\d+)")
_DOTS_GROUPS = re.compile(r"\d{1,3}(\.\d{3}){2,}(,\d+)?")
_COMMAS_GROUPS = re.compile(r"\d{1,3}(,\d{3}){2,}(\.\d+)?")
_DOTS_COMMA = re.compile(r"\d{1,3}(\.\d{3})+,\d+")
_COMMAS_DOT = re.compile(r"\d{1,3}(,\d{3})+\.\d+")
_DIGITS = re.compile(r"\d+")
_ONE_SEPARATOR = re.compile(r"\d*[.,]\d+")
_SERIAL_TEXT = re.compile(r"\s*\d{5}(?:\.0+)?\s*")
_YEAR_TEXT = re.compile(r"((?:19|20)\d{2})(?:\.0+)?")
_DATE_TEXT = re.compile(r"(\d{4})-\d{2}-\d{2}(?:[ T][\d:]+)?")


def is_blank(v: object) -> bool:
    """None, NaN, or text of only spaces."""
    if v.__class__ is str:   # most cells: the checks below in the order they apply
        return not v.strip()
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return not v.strip()
    return False


def cell_text(v: object) -> str:
    """The cell as written (numbers from XLSX without a spurious ``.0``)."""
    if v.__class__ is str:
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


_NAN_KEY = object()  # the cache key of every NaN cell (see per_value)


def per_value(fn):
    """``fn`` of a cell, computed once per distinct cell (same type and value) of the pass
    that makes it: a big table repeats its codes, names and years on every row. NaN cells
    share one entry (NaN is unequal to itself: each would be a new key).

    >>> calls = []
    >>> f = per_value(lambda v: calls.append(v) or str(v))
    >>> [f(x) for x in ("a", "a", float("nan"), float("nan"))], len(calls)
    (['a', 'a', 'nan', 'nan'], 2)
    """
    cache: dict = {}

    def once(v):
        try:
            key = (v.__class__, v) if v == v else (v.__class__, _NAN_KEY)
            return cache[key]
        except KeyError:
            out = cache[key] = fn(v)
            return out
        except (TypeError, ValueError):  # an unhashable or uncomparable cell (pd.NA, arrays)
            return fn(v)

    return once


def norm_ws(text: str) -> str:
    """``text`` with each run of spaces (also non-breaking and thin ones) as one space, stripped."""
    return _SPACES.sub(" ", text).strip()


def _strip_mark(t: str) -> tuple[str, str | None]:
    m = _MARK.match(t) or _DIGIT_MARK.match(t)
    if m:
        return m.group(1).strip(), m.group(2)
    return t, None


def _clean_number_text(text: str) -> tuple[str, str | None]:
    if _PLAIN_NUMBER.fullmatch(text):
        return text, None      # what the steps below give for it
    t = norm_ws(text).replace("−", "-").replace("–", "-") if text else ""
    t, mark = _strip_mark(t)
    t = _INNER_SPACES.sub("", t)   # "1 234" -> "1234"
    t = _SIGN_SPACE.sub(r"\1", t)
    return t, mark


def _to_float(t: str, decimal: str) -> float | None:
    m = _FLOAT_TEXT.fullmatch(t)
    if not m:
        return None
    sign, b = m.group(1), m.group(2)
    if _DOTS_GROUPS.fullmatch(b):
        b = b.replace(".", "").replace(",", ".")
    elif _COMMAS_GROUPS.fullmatch(b):
        b = b.replace(",", "")
    elif _DOTS_COMMA.fullmatch(b):
        b = b.replace(".", "").replace(",", ".")
    elif _COMMAS_DOT.fullmatch(b):
        b = b.replace(",", "")
    elif _DIGITS.fullmatch(b):
        pass
    elif _ONE_SEPARATOR.fullmatch(b):
        sep = "." if "." in b else ","
        before, after = b.split(sep)
        thousands_ok = len(after) == 3 and 1 <= len(before) <= 3 and before[0] != "0"
        if sep != decimal and thousands_ok:
            b = before + after
        else:
            b = b.replace(",", ".")
    else:
        return None
    return float(sign + b)


@lru_cache(maxsize=65536)
def _parse_text(text: str, decimal: str) -> tuple[float, str, str | None]:
    t = norm_ws(text)
    if not t:
        return math.nan, "empty", None
    if t in _NIL:
        return 0.0, "nil", None
    if t.lower() in _MISSING:
        return math.nan, "missing", None
    t2, mark = _clean_number_text(t)
    if t2 in _NIL:
        return 0.0, "nil", mark
    if t2.lower() in _MISSING:
        return math.nan, "missing", mark
    value = _to_float(t2, decimal)
    if value is None:
        return math.nan, "bad", None
    return value, "number", mark


#: per decimal convention, the cells that are a plain number in it (ASCII digits only)
_SIMPLE_NUMBER = {".": re.compile(r"[0-9]+(?:\.[0-9]+)?"), ",": re.compile(r"[0-9]+(?:,[0-9]+)?")}


def parse_value(v: object, decimal: str = ".") -> tuple[float, str, str | None]:
    """Read one cell as a number.

    Returns ``(value, status, mark)``: status is ``number``, ``nil`` (``-``: 0),
    ``missing`` (``...``, ``x``: NaN), ``empty`` (NaN) or ``bad`` (not a number: NaN); mark is
    a stripped footnote mark or None. See the module docstring for the rules.

    Examples
    --------
    >>> parse_value(" 1,893 ")
    (1893.0, 'number', None)
    >>> parse_value("20.244,9", ",")
    (20244.9, 'number', None)
    >>> parse_value("1.234 r)", ",")
    (1234.0, 'number', 'r)')
    >>> parse_value("-"), parse_value("...")[1], parse_value("12,5a")[1]
    ((0.0, 'nil', None), 'missing', 'bad')
    """
    if v.__class__ is str:   # most cells: what the checks below give for text
        simple = _SIMPLE_NUMBER.get(decimal)
        if simple is not None and simple.fullmatch(v):
            # digits, or digits with one decimal separator of the file's convention:
            # what _parse_text gives for them, without filling its cache with every value
            return float(v.replace(",", ".")), "number", None
        return _parse_text(v, decimal) if v.strip() else (math.nan, "empty", None)
    if is_blank(v):
        return math.nan, "empty", None
    if isinstance(v, bool):
        return math.nan, "bad", None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v), "number", None
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return math.nan, "bad", None
    return _parse_text(str(v), decimal)


#: the plain numbers of :data:`_SIMPLE_NUMBER` as whole-text patterns for Arrow's regex engine
_SIMPLE_PATTERN = {".": r"^[0-9]+(?:\.[0-9]+)?$", ",": r"^[0-9]+(?:,[0-9]+)?$"}
#: below this many cells a table is read cell by cell (the columnar pass costs more)
COLUMNAR_CELLS = 5000


def parse_cells(cells: list[object], decimal: str = "."
                ) -> tuple[list[float], list[str], list[str | None]]:
    """:func:`parse_value` of each cell as three lists (values, statuses, marks). The plain
    numbers of a big table (digits, one decimal separator of the file's convention) are
    found and converted in one columnar pass (Arrow: its regex engine agrees with Python's
    on these ASCII patterns, and its float parsing rounds correctly, as ``float`` does);
    every other cell goes through :func:`parse_value`.

    >>> parse_cells(["1.5", "-", "12 r)", 7], ".")
    ([1.5, 0.0, 12.0, 7.0], ['number', 'nil', 'number', 'number'], [None, None, 'r)', None])
    """
    n = len(cells)
    fast = None
    if n >= COLUMNAR_CELLS and decimal in _SIMPLE_PATTERN:
        import pyarrow as pa  # (pandas has imported it)
        import pyarrow.compute as pc

        try:
            arr = pa.array(cells, type=pa.string())
        except (pa.ArrowException, TypeError, UnicodeError):   # numbers, dates (a sheet)
            arr = None
        if arr is not None:
            hit = pc.fill_null(pc.match_substring_regex(arr, _SIMPLE_PATTERN[decimal]), False)
            text = pc.if_else(hit, arr, "nan")
            if decimal == ",":
                text = pc.replace_substring(text, ",", ".")
            values = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False).tolist()
            fast = hit.to_numpy(zero_copy_only=False)
    if fast is None:
        parsed = [parse_value(v, decimal) for v in cells]
        return ([p[0] for p in parsed], [p[1] for p in parsed], [p[2] for p in parsed])
    statuses: list[str] = ["number"] * n
    marks: list[str | None] = [None] * n
    for i in np.flatnonzero(~fast).tolist():
        values[i], statuses[i], marks[i] = parse_value(cells[i], decimal)
    return values, statuses, marks


def valueish(v: object) -> bool:
    """A number or a none marker (``-``, ``...``, ``x``), whatever the decimal convention."""
    if v.__class__ is str:   # most cells: what the checks below give for text
        return bool(v.strip()) and _valueish_text(v)
    if isinstance(v, bool) or is_blank(v):
        return False
    if isinstance(v, int | float | np.integer | np.floating):
        return True
    if not isinstance(v, str):
        return False
    return _valueish_text(v)


@lru_cache(maxsize=65536)
def _valueish_text(v: str) -> bool:
    t = norm_ws(v)
    if t in _NIL or t.lower() in _MISSING:
        return True
    t2, _ = _clean_number_text(t)
    return bool(_NUMLIKE.match(t2)) or t2 in _NIL


_EVID_COMMA = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$|^\d+,(\d{1,2}|\d{4,})$|^0,\d+$|"
                         r"^\d{4,},\d+$|^\d{1,3}(\.\d{3}){2,}$")
_EVID_DOT = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$|^\d+\.(\d{1,2}|\d{4,})$|^0\.\d+$|"
                       r"^\d{4,}\.\d+$|^\d{1,3}(,\d{3}){2,}$")
_AMBIG_DOT = re.compile(r"^[1-9]\d{0,2}\.\d{3}$")
_AMBIG_COMMA = re.compile(r"^[1-9]\d{0,2},\d{3}$")


def guess_decimal(texts: list[str]) -> tuple[str, str]:
    """The decimal separator of a file's number cells, and why.

    Examples
    --------
    >>> guess_decimal(["3.242", "20.244,9", "62,44"])[0]
    ','
    >>> guess_decimal([" 1,893 ", " 162 "])[0]
    '.'
    >>> guess_decimal(["2.165", "12"])[0]
    ','
    """
    comma = dot = amb_dot = amb_comma = 0
    if len(texts) >= COLUMNAR_CELLS:
        (comma, dot, amb_dot, amb_comma), texts = _plain_evidence(texts)
    for text in texts:
        t, _ = _clean_number_text(text)
        t = t.lstrip("+-")
        if _EVID_COMMA.match(t):
            comma += 1
        elif _EVID_DOT.match(t):
            dot += 1
        elif _AMBIG_DOT.match(t):
            amb_dot += 1
        elif _AMBIG_COMMA.match(t):
            amb_comma += 1
    if comma > dot:
        return ",", f"',' ({comma} cells like '20.244,9' or '62,44' against {dot})"
    if dot > comma:
        return ".", f"'.' ({dot} cells like '1,234.5' or '62.44' against {comma})"
    if amb_dot and not amb_comma:
        return ",", f"',' ({amb_dot} cells like '2.165' read with thousands dots)"
    if amb_comma and not amb_dot:
        return ".", f"'.' ({amb_comma} cells like '1,893' read with thousands commas)"
    if amb_comma and amb_dot:
        return ".", "'.' (cells like '2.165' and '1,893' both present: ambiguous)"
    return ".", "'.' (no decimals written)"


def _plain_evidence(texts: list[str]) -> tuple[tuple[int, int, int, int], list[str]]:
    """The evidence counts (comma, dot, ambiguous dot, ambiguous comma) of the plain cells of
    ``texts`` (ASCII digits, separators and a sign: nothing for ``_clean_number_text`` to
    clean), counted in one columnar pass with the evidence patterns in Arrow's regex engine
    (the same whole-text patterns, ASCII digits for ``\\d``), and the other texts."""
    import pyarrow as pa  # (pandas has imported it)
    import pyarrow.compute as pc

    try:
        arr = pa.array(texts, type=pa.string())
    except (pa.ArrowException, TypeError, UnicodeError):
        return (0, 0, 0, 0), texts
    plain = pc.fill_null(pc.match_substring_regex(arr, r"^[-+]?[0-9.,]+$"), False)
    t = pc.utf8_ltrim(pc.filter(arr, plain), characters="+-")
    counts, taken = [], None
    for rx in (_EVID_COMMA, _EVID_DOT, _AMBIG_DOT, _AMBIG_COMMA):
        hit = pc.match_substring_regex(t, rx.pattern.replace("\\d", "[0-9]"))
        if taken is not None:
            hit = pc.and_(hit, pc.invert(taken))
        counts.append(pc.sum(hit).as_py() or 0)
        taken = hit if taken is None else pc.or_(taken, hit)
    rest = np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist()
    return tuple(counts), [texts[i] for i in rest]


_YEAR_RANGE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*(?:-|–|—|/|s\.?\s?d\.?|s/d|sampai|hingga|to|until)\s*"
    r"(?:(?:19|20)\d{2}|\d{2})(?!\d)", re.IGNORECASE)
_YEAR_SINGLE = re.compile(r"(?<![\d.,])((?:19|20)\d{2})(?!\d)")


def year_in_text(text: str | None) -> int | None:
    """The one year written in ``text`` (a title, sheet or file name), else None.

    A range is not a single year, nor are two different years.

    Examples
    --------
    >>> year_in_text("Luas Panen Tanaman Sayuran (ha), 2023 SINTETIS")
    2023
    >>> year_in_text("luas panen produksi padi palawija 2018-2024") is None
    True
    """
    if not text:
        return None
    s = _YEAR_RANGE.sub(" ", str(text))
    years = {int(y) for y in _YEAR_SINGLE.findall(s)}
    return years.pop() if len(years) == 1 else None


# Excel's day numbers of 1950-01-01 and 2100-12-31: a "year" cell that Excel turned into a
# date and the file then saved as a plain number
SERIAL_FIRST, SERIAL_LAST = 18264, 73415


def year_of_serial(v: object) -> int | None:
    """The year of an Excel date serial (44197 -> 2021), for cells of a year column."""
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        if isinstance(v, str) and _SERIAL_TEXT.fullmatch(v):
            v = float(v)
        else:
            return None
    if not float(v).is_integer() or not SERIAL_FIRST <= int(v) <= SERIAL_LAST:
        return None
    return (dt.date(1899, 12, 30) + dt.timedelta(days=int(v))).year


def year_of_cell(v: object) -> int | None:
    """The year in a cell of a year column (2019, "2019", "2019.0", a date), else None."""
    if v.__class__ is str:   # most cells: what the checks below give for text
        return _year_of_text(v) if v.strip() else None
    if is_blank(v) or isinstance(v, bool):
        return None
    if isinstance(v, dt.date | dt.datetime):
        return v.year
    if isinstance(v, int | np.integer):
        y = int(v)
    elif isinstance(v, float | np.floating):
        if not float(v).is_integer():
            return None
        y = int(v)
    else:
        return _year_of_text(str(v))
    return y if 1900 <= y <= 2100 else None


@lru_cache(maxsize=4096)
def _year_of_text(v: str) -> int | None:
    t, _ = _strip_mark(norm_ws(v))
    m = _YEAR_TEXT.fullmatch(t)
    if not m:
        m = _DATE_TEXT.fullmatch(t)
    if not m:
        return None
    y = int(m.group(1))
    return y if 1900 <= y <= 2100 else None
