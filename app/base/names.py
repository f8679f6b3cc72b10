"""Matching of place and commodity names as people type them in spreadsheets.

Case, spacing, punctuation, administrative prefixes ("Desa", "Kel.") and the common
spelling variants of Indonesian names (old spelling ``oe``/``dj``/``tj``/``ch``/``nj``/``sj``)
are tolerated; anything beyond that goes through a conservative fuzzy match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_PREFIXES = re.compile(
    r"^(desa|kelurahan|kel|ds|kec|kecamatan|kab|kabupaten|kota|sentra|ikm)\b\.?\s*",
    re.IGNORECASE,
)
# Old (pre-1972) spellings still found in names, mapped to EYD.
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))


def fold(text: object) -> str:
    """Lower-case ASCII with single spaces and no punctuation."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = s.encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def place_key(name: object) -> str:
    """A key under which spellings of the same desa/kecamatan name coincide.

    >>> place_key("Desa Mattiro Walie") == place_key("MATTIROWALIE")
    True
    >>> place_key("Kel. Tjikoneng") == place_key("cikoneng")
    True
    """
    s = fold(name)
    prev = None
    while prev != s:
        prev = s
        s = _PREFIXES.sub("", s)
    for old, new in _OLD_SPELLING:
        s = s.replace(old, new)
    s = s.replace(" ", "")
    # doubled letters are often typed once (Mattiro / Matiro)
    return re.sub(r"(.)\1+", r"\1", s)


def column_key(name: object) -> str:
    """Key for matching column headers: folded, words joined by underscores."""
    return fold(name).replace(" ", "_")


def best_match(key: str, candidates: Iterable[str], cutoff: float = 0.88) -> str | None:
    """The closest candidate key to ``key`` when it is clearly the closest, else None."""
    cands = list(candidates)
    if not key or not cands:
        return None
    found = difflib.get_close_matches(key, cands, n=2, cutoff=cutoff)
    if not found:
        return None
    if len(found) == 2:
        a = difflib.SequenceMatcher(None, key, found[0]).ratio()
        b = difflib.SequenceMatcher(None, key, found[1]).ratio()
        if a - b < 0.03:  # two nearly equal candidates: refuse to guess
            return None
    return found[0]
