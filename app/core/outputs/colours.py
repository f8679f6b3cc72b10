"""One commodity colour per dataset: the assignment every map, page, brief and QGIS style
of a dataset reads (issue #30; the reasons are in :mod:`unggulan.maps.colours`).

It depends on the candidates only, so it lives in the core: the exports' QGIS styles
(:mod:`unggulan.io.qml`) are given the same colours as the web map.
"""

from __future__ import annotations

import pandas as pd

from unggulan.base import palette
from unggulan.core.ranking.run import default_scenario


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
    >>> from unggulan.core.ranking.run import default_scenario
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
