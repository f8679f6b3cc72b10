"""Scores 0-100 per (area, commodity): a weighted mean of normalised evidence in [0, 1].

Components and their default weights (documented in the README and served by the API):

=================  =======  ==========================================================
component          weight   evidence (column)
=================  =======  ==========================================================
suitability        0.35     land suitability index (``suitability_index``)
specialisation     0.30     LQ on sentra workers, own area outside the reference (``lq_score``)
cluster            0.10     neighbourhood LQ, own area excluded (``cluster_score``)
continuity         0.10     years since the oldest sentra started, 20 years = 1
market             0.10     widest market reach: lokal .25, regional .5, nasional .75, ekspor 1
uniqueness         0.05     the area's share of the dataset's workers in the commodity
=================  =======  ==========================================================

A component without evidence for a commodity (land of crafts: not applicable) is left out and
the other weights are renormalised, so such a commodity is judged on what there is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from app.base.errors import InvalidWeights

DEFAULT_WEIGHTS: dict[str, float] = {
    "suitability": 0.35,
    "specialisation": 0.30,
    "cluster": 0.10,
    "continuity": 0.10,
    "market": 0.10,
    "uniqueness": 0.05,
}
COLUMNS = {
    "suitability": "suitability_index",
    "specialisation": "lq_score",
    "cluster": "cluster_score",
    "continuity": "continuity_score",
    "market": "market_score",
    "uniqueness": "uniqueness",
}


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


def score(evidence: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the available components, times 100."""
    num = np.zeros(len(evidence))
    den = np.zeros(len(evidence))
    for name, w in weights.items():
        if w == 0:
            continue
        col = evidence[COLUMNS[name]].to_numpy(dtype=float)
        have = ~np.isnan(col)
        num += np.where(have, w * np.clip(col, 0, 1), 0.0)
        den += np.where(have, w, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, 100.0 * num / den, 0.0)
    return pd.Series(np.round(out, 6), index=evidence.index)
