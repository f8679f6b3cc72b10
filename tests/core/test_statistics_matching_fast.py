"""The statistics matching's shortcuts for national tables (#34) give what the plain pandas
expressions they replace give: values, order and dtypes."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from unggulan.core.inputs.families import distinct_rows
from unggulan.core.inputs.statistics import _map_distinct, _measures, _sources


def _plain_sources(f: pd.DataFrame) -> pd.Series:
    """The expression _sources replaces."""
    return (f["file"].map(lambda x: x.rsplit("/", 1)[-1])
            + np.where(f["sheet"].notna(), "#" + f["sheet"].astype(str), "")
            + "!" + f["row"].astype(str) + ":" + f["column"].astype(str))


@pytest.mark.parametrize("columns", [["produksi_ton", None, "Padi (ton)"],
                                     [1.5, None, "Jagung"]])   # a header that is a number
def test_sources_are_the_plain_expressions(columns):
    f = pd.DataFrame({"file": pd.Series(["/d/a.csv", "/d/b.xlsx", "/d/b.xlsx"], dtype=object),
                      "sheet": pd.Series([None, "Tabel 1", np.nan], dtype=object),
                      "row": [2, 3, 40], "column": pd.Series(columns, dtype=object)})
    got, want = _sources(f), _plain_sources(f)
    assert got.equals(want) and got.dtype == want.dtype
    assert got.iat[0].startswith("a.csv!2:") and pd.isna(got.iat[1])


def test_measures_keep_the_last_unit_in_first_appearance_order():
    rng = random.Random(34)
    for _ in range(200):
        n = rng.randint(0, 25)
        rec = pd.DataFrame({
            "measure": pd.Series([rng.choice(["production", "area", "other"])
                                  for _ in range(n)], dtype=object),
            "unit": pd.Series([rng.choice(["ton", "ha", None, "kw"]) for _ in range(n)],
                              dtype=object)})
        want = {m: u for m, u in zip(rec["measure"], rec["unit"])}
        got = _measures(rec)
        assert got == want and list(got) == list(want)


@pytest.mark.parametrize("values", [
    ["7308", "73.08", "7308", "7309"],                 # text: mapped per distinct value
    ["7308", None, "7308"],                            # missing: the plain map
    [7308, 7308.0, "7308"],                            # mixed objects: the plain map
])
def test_map_distinct_is_series_map(values):
    s = pd.Series(values * 3, dtype=object)
    calls = []

    def fn(v):
        calls.append(v)
        return None if v is None else str(v).replace(".", "") + "!"

    got, want = _map_distinct(s, fn), s.map(fn)
    assert got.equals(want) and got.dtype == want.dtype
    mapping = {"7308": "Bone", "7309": "Soppeng"}
    got, want = _map_distinct(s, mapping), s.map(mapping)
    assert got.equals(want) and got.dtype == want.dtype


def test_distinct_rows_is_factorizing_a_multiindex():
    rng = random.Random(7)
    a = np.array([rng.choice(["Padi", "", None, "Jagung"]) for _ in range(500)], dtype=object)
    b = np.array([rng.choice(["x", np.nan, "y"]) for _ in range(500)], dtype=object)
    codes, first = distinct_rows(a, b)
    keys = pd.MultiIndex.from_arrays([pd.Series(a, dtype=object).fillna(""),
                                      pd.Series(b, dtype=object).fillna("")])
    want_codes, _ = pd.factorize(keys)
    assert codes.tolist() == want_codes.tolist()
    assert first.tolist() == np.unique(want_codes, return_index=True)[1].tolist()
    # missing kept apart from blank
    codes2, _ = distinct_rows(np.array(["", None, ""], dtype=object), missing_as_blank=False)
    assert codes2.tolist() == [0, 1, 0]
