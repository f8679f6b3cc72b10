"""Scores 0-100 per (area, commodity): a weighted mean of normalised evidence in [0, 1].

Components and their default weights (served by ``GET /api/v1/weights``):

==============  ======  ===================================================================
component       weight  evidence (column) and why this weight
==============  ======  ===================================================================
suitability     0.25    land suitability index (``suitability_index``): whether the land
                        carries the crop; a quarter, because land alone proposes crops no one
                        grows (the OVOP question is what an area already makes)
specialisation  0.25    LQ: the higher of the sentra-workers LQ (stabilised) and the
                        statistics' SLQ weighed by the size of its base (below 5 % of the
                        area's hectares or heads of its family, proportionally less)
                        (``specialisation_score``): the economic-base test Bappeda uses
scale           0.15    the commodity's extent share (its share of the area's hectares or
                        heads of its family, :mod:`unggulan.core.activity.extent`; else of
                        the statistics' own measure) or of the sentra workers
                        (``scale_score``; 50 % or more scores 1): what an area plainly lives
                        on, even when common across the region
trend           0.10    DLQ over the period (``trend_score``: 0.5 at DLQ 1, 1 at DLQ >= 4):
                        growing faster than the region
cluster         0.10    neighbourhood LQ of sentra workers, own area excluded
continuity      0.05    years since the oldest sentra started (20 years = 1)
market          0.05    widest market reach: lokal .25, regional .5, nasional .75, ekspor 1
uniqueness      0.05    the area's share of the dataset's workers in the commodity
local           0.10    land-only pairs: 1 when the kabupaten already produces the commodity
                        (sentra, statistics at any level, its row of a kabupaten table), 0
                        when there is no trace of it in the kabupaten (``local_score``): the
                        OVOP local raw material rule, Permendagri 9/2014's "ketersediaan bahan
                        baku". Left out (NaN) for pairs with activity in the area (they are
                        produced there) and in kabupaten with no production records at all
==============  ======  ===================================================================

A component without evidence for a pair (no land requirement for crafts; no DLQ without a
series) is left out and the other weights are renormalised, so such a pair is judged on what
there is. Pairs with activity in the area (sentra, or statistics above zero) rank before pairs
without while any activity component has weight, and among land-only pairs those the
kabupaten produces rank before those with no trace there while ``local`` has weight (see
:func:`~unggulan.core.ranking.candidates.propose`; ``local=0`` turns both the component and that
order off).

Every candidate carries its **basis** (:data:`BASIS`), the strongest evidence it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from unggulan.base.errors import InvalidWeights, UnggulanError

DEFAULT_WEIGHTS: dict[str, float] = {
    "suitability": 0.25,
    "specialisation": 0.25,
    "scale": 0.15,
    "trend": 0.10,
    "cluster": 0.10,
    "continuity": 0.05,
    "market": 0.05,
    "uniqueness": 0.05,
    "local": 0.10,
}
COLUMNS = {
    "suitability": "suitability_index",
    "specialisation": "specialisation_score",
    "scale": "scale_score",
    "trend": "trend_score",
    "cluster": "cluster_score",
    "continuity": "continuity_score",
    "market": "market_score",
    "uniqueness": "uniqueness",
    "local": "local_score",
}
#: components that measure what an area already does (the rest: its land)
ACTIVITY_COMPONENTS = ("specialisation", "scale", "trend", "cluster", "continuity", "market",
                       "uniqueness")
DESCRIPTIONS = {
    "suitability": "land suitability index (0-1)",
    "specialisation": "location quotient: sentra workers (stabilised) or statistics (SLQ, "
                      "weighed down below a 5% extent share); the higher counts",
    "scale": "the commodity's share of the area's hectares or heads of its family (else of "
             "its output) or of the sentra workers (50% scores 1)",
    "trend": "dynamic LQ over the statistics' period (1 scores 0.5, 4 or more scores 1)",
    "cluster": "the neighbours' LQ, own area excluded",
    "continuity": "years since the oldest sentra started (20 years scores 1)",
    "market": "widest market reach (lokal .25 ... ekspor 1)",
    "uniqueness": "the area's share of the dataset's workers in the commodity",
    "local": "land-only candidates: produced in the kabupaten (1) or no recorded production "
             "there (0)",
}
#: the evidence a candidate rests on (``basis``), strongest first, with its labels
BASIS = {
    "own_activity": ("aktivitas sendiri (sentra/statistik wilayah ini)",
                     "own activity (the area's sentra or statistics)"),
    "kecamatan_statistics": ("statistik kecamatan", "kecamatan statistics"),
    "neighbours": ("hanya wilayah tetangga", "neighbours only"),
    "land_only": ("hanya lahan", "land only"),
}
#: scores closer than this (points of 100) are reported as near ties (``near_tie``); equal
#: scores (to 6 decimals) share a rank
NEAR_TIE = 0.5


def parse_weights(spec: str | Mapping[str, float] | None) -> dict[str, float]:
    """Weights from ``"suitability=0.4,specialisation=0.3"`` or a mapping, validated.

    Components not named keep their default weight. Every weight must be a number in
    [0, 1] and their sum positive; unknown names are refused.

    >>> parse_weights("suitability=0.5")["suitability"]
    0.5
    """
    given: dict[str, object] = {}
    if spec is None:
        given = {}
    elif isinstance(spec, str):
        for part in filter(None, (p.strip() for p in spec.split(","))):
            if "=" not in part:
                raise InvalidWeights(f"weight '{part}' is not name=value", field="weights")
            name, value = (x.strip() for x in part.split("=", 1))
            given[name] = value
    else:
        given = dict(spec)
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in given.items():
        if name not in DEFAULT_WEIGHTS:
            raise InvalidWeights(f"unknown weight '{name}'; known: "
                                 f"{', '.join(DEFAULT_WEIGHTS)}", field="weights")
        try:
            v = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidWeights(f"weight {name}={value!r} is not a number",
                                 field="weights") from None
        if not math.isfinite(v) or v < 0 or v > 1:
            raise InvalidWeights(f"weight {name}={v:g} is outside [0, 1]", field="weights")
        weights[name] = v
    if sum(weights.values()) <= 0:
        raise InvalidWeights("the weights sum to 0; at least one must be positive",
                             field="weights")
    return weights


#: the aggregation methods: the weighted sum (:func:`score`), TOPSIS and VIKOR
#: (:mod:`unggulan.core.ranking.mcda`)
METHODS = ("weighted_sum", "topsis", "vikor")


def check_method(method: str) -> None:
    """An :class:`UnggulanError` (``field="method"``) for a method not in :data:`METHODS`.

    >>> check_method("topsis")
    >>> check_method("ahp")
    Traceback (most recent call last):
    ...
    unggulan.base.errors.UnggulanError: method must be one of weighted_sum, topsis, vikor, not 'ahp'
    """
    if method not in METHODS:
        raise UnggulanError(f"method must be one of {', '.join(METHODS)}, not '{method}'",
                            field="method")


def weighted_mean(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted mean of the available criteria, times 100: the weighted sum's one rule
    (:func:`score` and :func:`unggulan.core.ranking.mcda.ws_scores` both call it).

    ``x``: ``(rows, criteria)`` in [0, 1], NaN where a criterion has no evidence (left out of
    that row's mean: its weight counts neither above nor below the line); ``weights``:
    ``(criteria,)`` or ``(draws, criteria)``. Returns ``(rows,)`` or ``(rows, draws)``; 0
    where a row has no evidence at all.

    >>> weighted_mean(np.array([[1.0, np.nan], [0.5, 0.0]]), np.array([0.75, 0.25])).tolist()
    [100.0, 37.5]
    """
    return weighted_mean_of((x[:, k] for k in range(x.shape[1])), len(x), weights)


def weighted_mean_of(columns: Iterable[np.ndarray], n: int, weights: np.ndarray) -> np.ndarray:
    """:func:`weighted_mean` of the criteria given one column at a time (``n`` rows each),
    so that the ``(rows, criteria)`` matrix is never held: a national evidence has 7
    million rows."""
    w = np.asarray(weights, dtype=float)
    flat = w.ndim == 1
    W = w[None, :] if flat else w
    num = np.zeros((n, len(W)))
    den = np.zeros((n, len(W)))
    for k, col in enumerate(columns):
        have = ~np.isnan(col)
        num += np.where(have, col, 0.0)[:, None] * W[None, :, k]
        den += have[:, None] * W[None, :, k]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, 100.0 * num / den, 0.0)
    return out[:, 0] if flat else out


def score(evidence: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the available components, times 100 (:func:`weighted_mean`)."""
    used = [(name, w) for name, w in weights.items()
            if w != 0 and COLUMNS[name] in evidence]  # a frame without it: no evidence
    columns = (np.clip(evidence[COLUMNS[name]].to_numpy(dtype=float), 0, 1)
               for name, _ in used)       # one at a time
    out = weighted_mean_of(columns, len(evidence), np.array([w for _, w in used], dtype=float))
    return pd.Series(np.round(out, 6), index=evidence.index)
