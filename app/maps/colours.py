"""One commodity palette per dataset, and the words and names a page or brief shows.

Issue #30: a commodity had one colour on the desa map, another on the kecamatan map and a
third on the detail page, because each page coloured the nine commodities leading *its*
areas. Now the colours are assigned once per dataset (:func:`dataset_palette`): the
commodities are ordered by how many areas (desa and kecamatan together) they lead under the
default scenario (its share of the areas of the level where it leads most, so that the few
kecamatan leaders are not crowded out by the many desa; then the number of areas, then the
id), and the first eleven get the colours of ``palette.COMMODITY_COLOURS`` (Paul Tol's
nine muted colours, then two of his light scheme) in that order; every page, the
vector-tile legend, the brief's static map and its charts read that assignment, whatever
weights or scenario the page shows. A commodity beyond the eleventh is grey ("other"),
unless it leads areas in the run a page shows (the default one included): then it takes
one of four extra colours for that run, on every map, page and brief of the run
(:func:`run_palette`). The assignments are kept in the dataset's cache
(:meth:`unggulan.core.dataset.Dataset.cached`), so a reload starts afresh.

Also here: the candidate's evidence basis (``basis``, added by the scoring), its labels in
both languages, rank labels for shared ranks ("1="), and the display form of area names
(title case for names a source wrote all in lower or upper case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from unggulan.base import palette
from unggulan.base.numbers import fmt_number, is_missing  # noqa: F401  (re-exported)

#: the evidence a candidate rests on (column ``basis`` of the candidates), legend order
BASIS = ("own_activity", "kecamatan_statistics", "neighbours", "land_only")
BASIS_LABEL = {
    "own_activity": ("aktivitas sendiri", "own activity"),
    "kecamatan_statistics": ("statistik kecamatan", "kecamatan statistics"),
    "neighbours": ("aktivitas tetangga", "neighbours' activity"),
    "land_only": ("potensi lahan saja", "land potential only"),
}
LAND_ONLY = "land_only"
#: fill opacity of an area whose top candidate rests on land potential only (others 0.75)
LAND_ONLY_OPACITY = 0.3


def dataset_palette(ds) -> dict[str, str]:
    """Commodity id -> colour for every map, page and brief of ``ds`` (see the module).

    Examples
    --------
    >>> from unggulan import Dataset
    >>> pal = dataset_palette(Dataset.open())
    >>> len(pal) <= 11 and all(c.startswith("#") for c in pal.values())
    True
    """
    return ds.cached(("map-palette",), lambda: _build_palette(ds))


def run_palette(ds, scenario=None) -> dict[str, str]:
    """The palette of a page or brief showing ``scenario`` (None: the default run): the
    dataset's (:func:`dataset_palette`, never changed), plus, for the commodities that lead
    areas under this scenario but have no colour in it (e.g. all weight on land suitability),
    colours of ``palette.EXTRA_COLOURS`` by the number of areas they lead over all levels.
    Every map, page and brief of the same run gives a commodity the same colour.

    Examples
    --------
    >>> from unggulan import Dataset
    >>> from unggulan.core.run import default_scenario
    >>> ds = Dataset.open()
    >>> pal = run_palette(ds, default_scenario("suitability=1"))
    >>> all(pal[c] == col for c, col in dataset_palette(ds).items())
    True
    """
    base = dataset_palette(ds)
    if scenario is None:
        return base
    try:
        key = ("map-palette-run", scenario.content_hash())
    except AttributeError:
        return base

    def build() -> dict[str, str]:
        tops: list = []
        for level in ds.levels:
            try:
                tops += list(first_ranked(ds.candidates(level, scenario=scenario))["commodity"])
            except Exception:  # noqa: BLE001 - no candidates: the dataset palette alone
                continue
        missing = [c for c, _ in palette.commodity_counts(tops) if c not in base]
        extra = dict(zip(missing, palette.EXTRA_COLOURS))
        return {**base, **extra}

    return ds.cached(key, build)


def dataset_order(ds) -> list[tuple[str, int]]:
    """(commodity, areas it leads over all levels under the default scenario), in palette
    order: by the largest share of a level's areas it leads, then areas, then id."""
    return ds.cached(("map-palette-order",), lambda: _build_order(ds))


def _build_order(ds) -> list[tuple[str, int]]:
    from unggulan.core.run import default_scenario

    sc = default_scenario(None, top=3)  # the main map's default run: its cache is shared
    share: dict[str, float] = {}
    total: dict[str, int] = {}
    for level in ds.levels:
        try:
            cand = ds.candidates(level, scenario=sc)
        except Exception:  # noqa: BLE001 - a dataset without candidates: no colours
            continue
        n = max(len(ds.areas(level)), 1)
        for c, k in palette.commodity_counts(first_ranked(cand)["commodity"]):
            share[c] = max(share.get(c, 0.0), k / n)
            total[c] = total.get(c, 0) + k
    # the share of a level's areas a commodity leads, at its best level: the few kecamatan
    # leaders are not crowded out by the many desa
    order = sorted(total, key=lambda c: (-share[c], -total[c], c))
    return [(c, total[c]) for c in order]


def _build_palette(ds) -> dict[str, str]:
    order = dataset_order(ds)
    cols = palette.COMMODITY_COLOURS
    return {c: cols[i] for i, (c, _) in enumerate(order[:len(cols)])}


def first_ranked(cand: pd.DataFrame) -> pd.DataFrame:
    """One row per area: its first candidate (with shared ranks several rows have rank 1;
    the first of them in the frame's order, which is the scoring's order)."""
    if not len(cand):
        return cand
    first = cand[cand["rank"] == cand.groupby("code")["rank"].transform("min")]
    return first.drop_duplicates("code")


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
#: unggulan.core.suitability.FACTOR_LABEL with the attributes it does not name
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
    from unggulan.core.suitability import FACTOR_LABEL

    if attr in _MORE_LABELS:
        return _MORE_LABELS[attr]
    if attr in FACTOR_LABEL:
        lab = FACTOR_LABEL[attr]
        return lab[0], lab[1], lab[2], lab[2]
    text = attr.replace("_", " ")
    return text, text, "", ""


