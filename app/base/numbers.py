"""Numbers as a planner reads them: per language, and quotients to a few significant figures.

An LQ of 807.280220 or a DLQ of 1.7001 pretends to a precision the tables do not have; they
are shown to two or three significant figures (at least the integer part): 807, 32.1, 1.7,
0.0123.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd


def is_missing(x) -> bool:
    """None, NaN, pandas' NA or an empty text.

    >>> is_missing(None), is_missing(float("nan")), is_missing(" "), is_missing(0)
    (True, True, True, False)
    """
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) or \
        (isinstance(x, str) and not x.strip())


def fmt_number(x, digits: int = 0, lang: str = "id") -> str:
    """A number for a page or a sentence: ``1.234,5`` (id) or ``1,234.5`` (en); missing is
    "–"; a text that is not a number is shown as it is.

    >>> fmt_number(1234.56, 1, "id"), fmt_number(1234.56, 1, "en"), fmt_number(None)
    ('1.234,6', '1,234.6', '–')
    """
    if is_missing(x):
        return "–"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        return "–"
    text = f"{x:,.{digits}f}"
    if lang != "en":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_sig(x, lang: str = "id", figures: int = 3) -> str:
    """``x`` with one decimal from 1 to 100, none above, and ``figures`` significant figures
    below 1 (so two or three in all, never fewer than its integer digits), with the language's
    separators: ``1.234,5`` (id) or ``1,234.5`` (en); "–" for a missing value.

    >>> fmt_sig(807.28022, "en"), fmt_sig(32.1448, "id"), fmt_sig(1.7001, "en")
    ('807', '32,1', '1.7')
    >>> fmt_sig(0.012345, "en"), fmt_sig(12345.6, "id"), fmt_sig(float("nan"))
    ('0.0123', '12.346', '–')
    """
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "–"
    return _fmt_sig(v, lang, figures)


@lru_cache(maxsize=1 << 16)  # national runs write the same kecamatan figures for its desa
def _fmt_sig(v: float, lang: str, figures: int) -> str:
    if not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    digits = math.floor(math.log10(abs(v))) + 1          # integer digits (<= 0 for 0.0x)
    decimals = figures - digits if digits <= 0 else (1 if digits <= 2 else 0)
    text = f"{v:,.{decimals}f}"
    if lang != "en":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text
