"""The words and names every output shows, in Bahasa Indonesia and English: what a map page,
a brief and an export call the same things.

- the candidate's evidence basis (``basis``, added by the scoring) and its labels;
- the score components' names and colours (the detail page's bars, the brief's charts);
- rank labels for shared ranks ("1=");
- the display form of area names (title case for names a source wrote all in lower or upper
  case);
- the agro-ecological attributes' names and units.

The commodity colours are :mod:`unggulan.core.outputs.colours` (one palette per dataset, issue
#30: every page, the vector-tile legend, the brief's static map and its charts read it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from unggulan.base import palette
from unggulan.core.land.suitability import FACTOR_LABEL

#: the evidence a candidate rests on (column ``basis`` of the candidates), legend order
BASIS = ("own_activity", "kecamatan_statistics", "neighbours", "land_only")
BASIS_LABEL = {
    "own_activity": ("aktivitas sendiri", "own activity"),
    "kecamatan_statistics": ("statistik kecamatan", "kecamatan statistics"),
    "neighbours": ("aktivitas tetangga", "neighbours' activity"),
    "land_only": ("potensi lahan saja", "land potential only"),
}
LAND_ONLY = "land_only"
#: the score components' names (:data:`unggulan.core.ranking.scoring.COLUMNS` order)
COMPONENT_LABEL = {
    "suitability": ("Kesesuaian lahan", "Land suitability"),
    "specialisation": ("Spesialisasi (LQ)", "Specialisation (LQ)"),
    "scale": ("Skala (pangsa produksi)", "Scale (share of output)"),
    "trend": ("Tren (DLQ)", "Trend (DLQ)"),
    "cluster": ("Klaster", "Cluster"),
    "continuity": ("Keberlanjutan", "Continuity"),
    "market": ("Pasar", "Market"),
    "uniqueness": ("Keunikan", "Uniqueness"),
    "local": ("Relevansi lokal", "Local relevance"),
}
#: their colours (Paul Tol's muted scheme)
COMPONENT_COLOURS = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77",
                     "#CC6677", "#AA4499", "#882255"]
#: fill opacity of an area whose top candidate rests on land potential only (others 0.75)
LAND_ONLY_OPACITY = 0.3


def legend_counts(colours: dict[str, str], tops: Iterable) -> tuple[list[list], int]:
    """([[commodity, areas]] of the coloured commodities leading here, most first; the
    number of areas led by a commodity without a colour of its own)."""
    cc = palette.commodity_counts([t for t in tops if isinstance(t, str) and t])
    shown = [[c, n] for c, n in cc if c in colours]
    return shown, sum(n for c, n in cc if c not in colours)


def basis_counts(bases: Iterable) -> dict[str, int]:
    """Areas per basis of their top candidate, in :data:`BASIS` order (absent ones left
    out); empty when the candidates carry no basis."""
    s = pd.Series([b for b in bases if isinstance(b, str) and b], dtype=object)
    vc = s.value_counts()
    order = list(BASIS) + sorted(set(vc.index) - set(BASIS))
    return {b: int(vc[b]) for b in order if b in vc.index}


def rank_label(rank, label=None) -> str:
    """The rank as shown: the scoring's ``rank_label`` ("1=" for a shared rank) if given,
    else the rank.

    >>> rank_label(1, "1="), rank_label(2.0), rank_label(3, float("nan"))
    ('1=', '2', '3')
    """
    if isinstance(label, str) and label:
        return label
    try:
        return str(int(rank))
    except (TypeError, ValueError):
        return "–"


_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
_PARTICLES = {"dan", "di", "ke", "of", "and"}


def proper_case(name):
    """An area name as shown: title case when the source wrote it all in lower or all in
    upper case (``KAHU`` -> ``Kahu``, ``sumber jambe`` -> ``Sumber Jambe``), roman
    numerals upper case (``Sukamaju II``), parts of hyphenated names capitalised
    (``Oro-Oro Ombo``), small particles lower case inside a name; names in mixed case are
    kept as the source wrote them.

    >>> proper_case("SUMBER JAMBE"), proper_case("tanjung rejo ii"), proper_case("McKenzie")
    ('Sumber Jambe', 'Tanjung Rejo II', 'McKenzie')
    >>> proper_case("oro-oro ombo"), proper_case("TANAH DI ATAS")
    ('Oro-Oro Ombo', 'Tanah di Atas')
    """
    if not isinstance(name, str):
        return name
    letters = [c for c in name if c.isalpha()]
    if not letters or not (all(c.islower() for c in letters) or
                           all(c.isupper() for c in letters)):
        return name
    words = name.split(" ")
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if i and low in _PARTICLES:
            out.append(low)
        elif _ROMAN.match(w) and i:
            out.append(w.upper())
        else:
            out.append("-".join(_cap(p) for p in w.split("-")))
    return " ".join(out)


def _cap(part: str) -> str:
    # "sidenreng'e" -> "Sidenreng'e"; "(sintetis)" -> "(Sintetis)"
    for j, ch in enumerate(part):
        if ch.isalpha():
            return part[:j] + ch.upper() + part[j + 1:].lower()
    return part


#: attribute -> (Bahasa, English, unit in Bahasa, unit in English); completes
#: unggulan.core.land.suitability.FACTOR_LABEL with the attributes it does not name
_MORE_LABELS = {
    "wet_months": ("bulan basah", "wet months", "bln", "months"),
    "dry_months": ("bulan kering", "dry months", "bln", "months"),
    "nitrogen": ("nitrogen", "nitrogen", "", ""),
    "drainage": ("drainase", "drainage", "", ""),
    "texture": ("tekstur", "texture", "", ""),
    "salinity": ("salinitas", "salinity", "", ""),
    "esp": ("natrium dapat ditukar (ESP)", "exchangeable sodium (ESP)", "", ""),
}
#: categorical attributes: shown by their majority class, not a mean
CATEGORICAL = ("drainage", "texture")


def attribute_label(attr: str) -> tuple[str, str, str, str]:
    """(Bahasa, English, unit Bahasa, unit English) of an agro-ecological attribute.

    >>> attribute_label("wet_months")[:2], attribute_label("slope")
    (('bulan basah', 'wet months'), ('lereng', 'slope', '%', '%'))
    """
    if attr in _MORE_LABELS:
        return _MORE_LABELS[attr]
    if attr in FACTOR_LABEL:
        lab = FACTOR_LABEL[attr]
        return lab[0], lab[1], lab[2], lab[2]
    text = attr.replace("_", " ")
    return text, text, "", ""


