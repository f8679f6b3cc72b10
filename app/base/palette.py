"""Colours shared by the web map, ``ds.map`` and the QGIS style of the candidates export.

Areas are coloured by their top candidate with Paul Tol's *muted* qualitative scheme (nine
colours designed to stay distinct under the common colour-vision deficiencies); the nine
commodities that lead in most areas get a colour in that order, the others share grey.
Sentra markers use the Okabe-Ito palette by sector; suitability classes and score classes use
ColorBrewer's sequential YlGn and YlGnBu.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

TOL_MUTED = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
             "#999933", "#AA4499"]
#: the dataset-wide commodity palette of the maps and briefs (unggulan.core.outputs.colours):
#: the nine muted colours, then the two of Tol's *light* scheme that none of them resembles (orange,
#: pear), so that fewer areas fall into grey "other"
COMMODITY_COLOURS = TOL_MUTED + ["#EE8866", "#BBCC33"]
#: colours for a run's leaders that the dataset palette leaves grey
#: (unggulan.core.outputs.colours.run_palette): Tol's *vibrant* blue, magenta and red and his
#: *light* pink, the ones unlike every colour above
EXTRA_COLOURS = ["#0077BB", "#EE3377", "#CC3311", "#FFAABB"]
OTHER = "#BBBBBB"
NODATA = "#FFFFFF"
SECTOR_COLOURS = {
    "pertanian_perkebunan": "#009E73",
    "perikanan": "#0072B2",
    "peternakan": "#E69F00",
    "makanan_minuman": "#D55E00",
    "sandang": "#CC79A7",
    "industri_kerajinan": "#56B4E9",
}
CLASS_COLOURS = {"S1": "#238443", "S2": "#78C679", "S3": "#D9F0A3", "N": "#E7E1EF"}
#: SLQ x DLQ quadrants, from Paul Tol's muted scheme (distinct under colour-vision deficiency)
QUADRANT_COLOURS = {"unggulan": "#117733", "andalan": "#DDCC77", "prospektif": "#88CCEE",
                    "tertinggal": "#CC6677"}
SCORE_COLOURS = ["#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494"]


def commodity_counts(top: Iterable) -> list[tuple[str, int]]:
    """(commodity, number of areas it leads) sorted by count, then id: the legend order."""
    s = pd.Series(list(top), dtype=object).dropna()
    counts = s.value_counts()
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


def commodity_colours(top: Iterable) -> dict[str, str]:
    """Top-candidate commodity -> colour; commodities beyond the ninth are left out (grey)."""
    return {c: TOL_MUTED[i] for i, (c, _) in enumerate(commodity_counts(top)[:len(TOL_MUTED)])}
