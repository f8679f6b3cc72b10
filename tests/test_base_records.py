"""records(): column-wise cleaning gives what cleaning every cell gives (NaN/inf -> None,
numpy scalars -> Python), for every kind of column a result carries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from unggulan.base.records import clean, records


def _per_cell(frame: pd.DataFrame) -> list[dict]:
    cols = [c for c in frame.columns if c != "geometry"]
    arrays = {c: frame[c].to_numpy(dtype=object) for c in cols}
    return [{c: clean(arrays[c][i]) for c in cols} for i in range(len(frame))]


def test_records_equal_cell_by_cell_cleaning_with_the_same_types():
    frame = pd.DataFrame({
        "f64": [0.5, np.nan, np.inf, -np.inf],
        "f32": np.array([1.5, np.nan, 2.25, 3.0], dtype=np.float32),
        "i64": np.array([1, 2, 3, 4], dtype=np.int64),
        "u8": np.array([1, 2, 3, 250], dtype=np.uint8),
        "b": [True, False, True, False],
        "obj": ["a", None, np.nan, np.float64(2.5)],
        "mixed": [np.int64(3), np.bool_(True), pd.NA, "x"],
        "s": pd.array(["a", None, "c", "d"], dtype="string"),
        "nullable": pd.array([1, None, 3, 4], dtype="Int64"),
        "cat": pd.Categorical(["x", None, "y", "x"]),
        "t": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04"]),
        "geometry": [shapely.Point(0, 0)] * 4,
    })
    got, want = records(frame), _per_cell(frame)
    assert got == want
    assert [[type(v) for v in r.values()] for r in got] == \
        [[type(v) for v in r.values()] for r in want]
    assert got[1]["f64"] is None and got[2]["f64"] is None and "geometry" not in got[0]
    assert type(got[0]["f32"]) is float and type(got[0]["u8"]) is int


def test_records_of_no_columns_and_no_rows():
    assert records(pd.DataFrame(index=[0, 1])) == [{}, {}]
    assert records(pd.DataFrame({"a": pd.Series([], dtype=float)})) == []
