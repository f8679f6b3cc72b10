"""One commodity colour per dataset: the assignment every map, page, brief and QGIS style
of a dataset reads (issue #30; the reasons are in :mod:`unggulan.maps.colours`).

It depends on the candidates only, so it lives in the core: the exports' QGIS styles
(:mod:`unggulan.io.qml`) are given the same colours as the web map. The functions here take
the candidates frames; :meth:`unggulan.core.dataset.Dataset.palette` and
:meth:`~unggulan.core.dataset.Dataset.palette_order` gather them and keep the result in the
dataset's cache.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from unggulan.base import palette


def dataset_order(candidates: Mapping[str, pd.DataFrame], areas: Mapping[str, int]
                  ) -> list[tuple[str, int]]:
    """(commodity, areas it leads over all levels), in palette order: by the largest share
    of a level's areas it leads, then areas, then id.

    ``candidates``: each level's candidates under the default scenario (a level without
    candidates left out); ``areas``: the number of areas of each level.

    Examples
    --------
    >>> c = pd.DataFrame({"code": ["a", "b", "c"], "rank": [1, 1, 1],
    ...                   "commodity": ["kopi", "padi", "padi"]})
    >>> dataset_order({"desa": c}, {"desa": 3})
    [('padi', 2), ('kopi', 1)]
    """
    share: dict[str, float] = {}
    total: dict[str, int] = {}
    for level, cand in candidates.items():
        n = max(areas[level], 1)
        for c, k in palette.commodity_counts(first_ranked(cand)["commodity"]):
            share[c] = max(share.get(c, 0.0), k / n)
            total[c] = total.get(c, 0) + k
    # the share of a level's areas a commodity leads, at its best level: the few kecamatan
    # leaders are not crowded out by the many desa
    order = sorted(total, key=lambda c: (-share[c], -total[c], c))
    return [(c, total[c]) for c in order]


def dataset_palette(order: list[tuple[str, int]]) -> dict[str, str]:
    """Commodity id -> colour for every map, page and brief of a dataset (see the module):
    the colours of ``palette.COMMODITY_COLOURS`` given to the first commodities of
    :func:`dataset_order`.

    Examples
    --------
    >>> pal = dataset_palette([("padi", 2), ("kopi", 1)])
    >>> list(pal), all(c.startswith("#") for c in pal.values())
    (['padi', 'kopi'], True)
    """
    cols = palette.COMMODITY_COLOURS
    return {c: cols[i] for i, (c, _) in enumerate(order[:len(cols)])}


def run_palette(base: Mapping[str, str], candidates: Mapping[str, pd.DataFrame]
                ) -> dict[str, str]:
    """The palette of a page or brief showing one scenario: the dataset's ``base`` palette
    (:func:`dataset_palette`, never changed), plus, for the commodities that lead areas in
    ``candidates`` (each level's candidates under that scenario) but have no colour in
    ``base`` (e.g. all weight on land suitability), colours of ``palette.EXTRA_COLOURS`` by
    the number of areas they lead over all levels. Every map, page and brief of the same run
    gives a commodity the same colour.

    Examples
    --------
    >>> c = pd.DataFrame({"code": ["a", "b"], "rank": [1, 1], "commodity": ["kopi", "padi"]})
    >>> pal = run_palette({"padi": "#000000"}, {"desa": c})
    >>> pal["padi"], pal["kopi"] == palette.EXTRA_COLOURS[0]
    ('#000000', True)
    """
    tops: list = []
    for cand in candidates.values():
        tops += list(first_ranked(cand)["commodity"])
    missing = [c for c, _ in palette.commodity_counts(tops) if c not in base]
    extra = dict(zip(missing, palette.EXTRA_COLOURS))
    return {**base, **extra}


def first_ranked(cand: pd.DataFrame) -> pd.DataFrame:
    """One row per area: its first candidate (with shared ranks several rows have rank 1;
    the first of them in the frame's order, which is the scoring's order)."""
    if not len(cand):
        return cand
    first = cand[cand["rank"] == cand.groupby("code")["rank"].transform("min")]
    return first.drop_duplicates("code")
