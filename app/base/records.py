"""DataFrame rows to plain JSON values (NaN -> None, numpy scalars -> Python).

Below core and the API: the service answers from records prepared once by the core.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def clean(value):
    """A JSON-ready Python value.

    Examples
    --------
    >>> clean(np.float32(1.5)), clean(float("nan")), clean(np.int64(3)), clean(np.bool_(True))
    (1.5, None, 3, True)
    """
    if value is None:
        return None
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    """One dict per row of ``frame`` (geometry left out), values :func:`clean`.

    Examples
    --------
    >>> records(pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]}))
    [{'a': 1, 'b': 0.5}, {'a': 2, 'b': None}]
    """
    cols = [c for c in frame.columns if c != "geometry"]
    arrays = {c: frame[c].to_numpy(dtype=object) for c in cols}
    return [{c: clean(arrays[c][i]) for c in cols} for i in range(len(frame))]
