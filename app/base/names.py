"""Matching of place and commodity names as people type them in spreadsheets.

Case, spacing, punctuation, administrative prefixes ("Desa", "Kel.") and list numbers
("17. Batur") are ignored (an *exact* match); the common spelling variants of Indonesian names
(old spelling ``oe``/``dj``/``tj``/``ch``/``nj``/``sj`` and the old ``j`` for ``y``, doubled
letters) are tolerated next (a *spelling* match); anything beyond that goes through a
conservative *fuzzy* match whose score is kept, so that it can be reported. A name that fits
two candidates equally well is never guessed (:class:`NameIndex`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

_PREFIXES = re.compile(
    r"^(desa|kelurahan|kel|ds|kec|kecamatan|kab|kabupaten|kota|sentra|ikm)\b\.?\s*",
    re.IGNORECASE,
)
# Old (pre-1972) spellings still found in names, mapped to EYD.
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))
# A list number before a name: "17. Batur", "05) Tonra" (a bare "2 Ilir" is a name).
_LIST_NUMBER = re.compile(r"^\s*\(?\d{1,3}\s*[.)]\s*(?=[^\W\d_])")


def fold(text: object) -> str:
    """Lower-case ASCII with single spaces and no punctuation."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = s.encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _bare(name: object) -> str:
    """Folded, without list numbers and administrative prefixes (words kept apart)."""
    s = fold(_LIST_NUMBER.sub("", str(name)) if name is not None else None)
    prev = None
    while prev != s:
        prev = s
        s = _PREFIXES.sub("", s)
    return s


def plain_key(name: object) -> str:
    """The key of an *exact* match: case, spacing, punctuation, prefixes ("Kec.") and list
    numbers ("17.") ignored, every letter kept.

    >>> plain_key("17. Kec. Watang  Cani") == plain_key("WATANGCANI")
    True
    >>> plain_key("Soekamaju") == plain_key("Sukamaju")
    False
    """
    return _bare(name).replace(" ", "")


def place_key(name: object) -> str:
    """A key under which spellings of the same desa/kecamatan name coincide: :func:`plain_key`
    with the old spelling (oe, dj, tj, sj, nj, ch) in EYD, ``j`` and ``y`` as one letter (the
    old ``j`` is EYD's ``y``: Soerabaja, Surabaya) and doubled letters single.

    >>> place_key("Desa Mattiro Walie") == place_key("MATTIROWALIE")
    True
    >>> place_key("Kel. Tjikoneng") == place_key("cikoneng")
    True
    >>> place_key("Djember") == place_key("Jember"), place_key("Soerabaja") == place_key("Surabaya")
    (True, True)
    """
    s = _bare(name)
    for old, new in _OLD_SPELLING:
        s = s.replace(old, new)
    s = s.replace(" ", "").replace("j", "y")
    # doubled letters are often typed once (Mattiro / Matiro)
    return re.sub(r"(.)\1+", r"\1", s)


_RULES = (("oe", "u", "oe/u"), ("dj", "j", "dj/j"), ("tj", "c", "tj/c"), ("sj", "sy", "sj/sy"),
          ("nj", "ny", "nj/ny"), ("ch", "kh", "ch/kh"))


def spelling_rules(a: object, b: object) -> list[str]:
    """Which spelling variants turn ``a`` into ``b`` (for reports: "oe/u", "j/y",
    "doubled letters").

    >>> spelling_rules("Soerabaja", "Surabaya")
    ['oe/u', 'j/y']
    """
    x, y = plain_key(a), plain_key(b)
    out = []
    for old, new, label in _RULES:
        if (old in x) != (old in y):
            x, y = x.replace(old, new), y.replace(old, new)
            out.append(label)
    single = lambda t: re.sub(r"(.)\1+", r"\1", t)  # noqa: E731
    x2, y2 = x.replace("j", "y"), y.replace("j", "y")
    if single(x) != single(y) and single(x2) == single(y2):
        out.append("j/y")
    if x2 != y2 and single(x2) == single(y2):
        out.append("doubled letters")
    return out


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


#: a fuzzy candidate within this many points of the best is a tie: the name is not guessed
TIE_MARGIN = 0.03


@dataclass(frozen=True)
class NameMatch:
    """How one name was matched by :meth:`NameIndex.lookup`.

    ``how`` is ``"exact"`` (same :func:`plain_key`), ``"spelling"`` (same :func:`place_key`;
    ``rules`` names the variants), ``"fuzzy"`` (closest :func:`place_key` by
    :class:`difflib.SequenceMatcher` ratio ``score``), ``"ambiguous"`` (several candidates fit
    equally: ``values`` holds them all, nothing is chosen) or ``"none"`` (``closest`` is the
    nearest name, ``score`` its ratio).
    """

    how: str
    values: tuple = ()
    name: str | None = None
    score: float = 0.0
    rules: tuple[str, ...] = ()
    closest: str | None = None
    tied: tuple[str, ...] = field(default=())

    @property
    def value(self):
        """The one matched value, or None (no match, or ambiguous)."""
        return self.values[0] if len(self.values) == 1 and self.how != "ambiguous" else None

    @property
    def inexact(self) -> bool:
        return self.how in ("spelling", "fuzzy")

    def describe(self) -> str:
        """"spelling (oe/u)", "fuzzy, score 0.91" ..."""
        if self.how == "spelling":
            return "spelling" + (f" ({', '.join(self.rules)})" if self.rules else "")
        if self.how == "fuzzy":
            return f"fuzzy, score {self.score:.2f}"
        return self.how


class NameIndex:
    """Names (of areas) with a value each (their code), looked up in tiers: exact, then
    spelling, then fuzzy with a score; a name fitting several values equally is ambiguous.

    >>> idx = NameIndex([("Sukamaju", "01"), ("Batur", "02"), ("Camplong", "03"),
    ...                  ("Kotaraja", "04"), ("Kotabaru", "05")])
    >>> [idx.lookup(n).how for n in ("17. Batur", "Soekamaju", "Tjamplong", "Btur", "Kotara")]
    ['exact', 'spelling', 'spelling', 'fuzzy', 'none']
    >>> idx.lookup("Tjamplong").value, idx.lookup("Btur").describe()
    ('03', 'fuzzy, score 0.89')
    """

    def __init__(self, items: Iterable[tuple[object, Hashable]], cutoff: float = 0.88):
        self.cutoff = cutoff
        self.exact: dict[str, list] = {}
        self.spelling: dict[str, list] = {}
        self.names: dict[str, str] = {}  # place key -> a name as written (for reports)
        for name, value in items:
            if not isinstance(name, str) or not name.strip():
                continue
            pkey = place_key(name)
            for table, key in ((self.exact, plain_key(name)), (self.spelling, pkey)):
                vals = table.setdefault(key, [])
                if value not in vals:
                    vals.append(value)
            self.names.setdefault(pkey, name.strip())
        self._spelling_keys = list(self.spelling)

    def __len__(self) -> int:
        return len(self.names)

    def lookup(self, name: object, cutoff: float | None = None) -> NameMatch:
        cutoff = self.cutoff if cutoff is None else cutoff
        key = plain_key(name)
        if not key:
            return NameMatch("none")
        vals = self.exact.get(key)
        if vals:
            return NameMatch("ambiguous" if len(vals) > 1 else "exact", tuple(vals),
                             self.names.get(place_key(name)), 1.0)
        pkey = place_key(name)
        vals = self.spelling.get(pkey)
        if vals:
            written = self.names[pkey]
            return NameMatch("ambiguous" if len(vals) > 1 else "spelling", tuple(vals), written,
                             1.0, tuple(spelling_rules(name, written)))
        if not self._spelling_keys:
            return NameMatch("none")
        # every key within TIE_MARGIN of the best ratio, by branch and bound: quick_ratio is an
        # upper bound of ratio, so the (costly) ratio is computed for a few keys only
        sm = difflib.SequenceMatcher(autojunk=False)
        sm.set_seq2(pkey)
        bounds = []
        for k in self._spelling_keys:
            sm.set_seq1(k)
            bounds.append((sm.quick_ratio(), k))
        bounds.sort(key=lambda x: -x[0])
        scored: list[tuple[float, str]] = []
        best = 0.0
        for q, k in bounds:
            if q < best - TIE_MARGIN:
                break
            sm.set_seq1(k)
            r = sm.ratio()
            scored.append((r, k))
            best = max(best, r)
        scored.sort(key=lambda x: (-x[0], x[1]))
        if not scored or scored[0][0] < cutoff:
            r, k = scored[0] if scored else (0.0, None)
            return NameMatch("none", score=round(r, 3), closest=self.names.get(k))
        scored = [x for x in scored if x[0] >= cutoff]
        best, k = scored[0]
        tied = [kk for r, kk in scored[1:] if best - r < TIE_MARGIN]
        if tied or len(self.spelling[k]) > 1:
            vals = tuple(v for kk in [k, *tied] for v in self.spelling[kk])
            return NameMatch("ambiguous", vals, self.names[k], round(best, 3),
                             tied=tuple(self.names[kk] for kk in [k, *tied]))
        return NameMatch("fuzzy", tuple(self.spelling[k]), self.names[k], round(best, 3))
