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
    # cleaned column by column (numpy's tolist gives Python values; NaN found at once),
    # then zipped into rows: nationally 252,000 rows x 52 columns in about a second
    # instead of 12 (a service prepares every area's records when it starts)
    values = [_column(frame[c]) for c in cols]
    return [dict(zip(cols, row)) for row in zip(*values)] if cols else [{} for _ in
                                                                      range(len(frame))]


def _column(col: pd.Series) -> list:
    """The column's values as :func:`clean` makes them, in one list."""
    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else None
    if kind in ("i", "u", "b"):
        return col.to_numpy().tolist()  # Python int / bool, as clean gives them
    if kind == "f":
        arr = col.to_numpy()
        out = arr.astype(object)  # Python floats
        out[~np.isfinite(arr)] = None
        return out.tolist()
    return [v if type(v) is str else clean(v) for v in col.to_numpy(dtype=object).tolist()]
