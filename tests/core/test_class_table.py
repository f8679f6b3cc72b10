"""The compressed pixel table gives the per-pixel class shares of the direct path."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from unggulan.core.land.suitability import (
    ClassTable,
    cell_classes,
    classification_keys,
    classify,
    shares_by_basis,
)
from unggulan.core.land.zonal import class_shares


def _cov(area: np.ndarray, weights: np.ndarray, n: int):
    offsets = np.r_[0, np.cumsum(np.bincount(area, minlength=n))]
    return SimpleNamespace(n_areas=n, area=area, weights=weights, offsets=offsets)


def test_values_at_the_limits_classify_as_pixel_by_pixel():
    # every limit itself, values just beside it, NaN, and values beyond both ends
    bounds = (4.0, 4.5, 5.5, 7.0, 7.5, 8.0)
    lim = np.array(bounds)
    v = np.r_[lim, np.nextafter(lim, -np.inf), np.nextafter(lim, np.inf), np.nan, -1e9, 1e9,
              6.2].astype(np.float64)
    area = np.arange(len(v))
    cov = _cov(area, np.ones(len(v)), len(v))
    key = ("ph", bounds)
    got = ClassTable(cov, {"ph": v}, [key]).shares([key])
    want = class_shares(cov, classify(v, lim))
    np.testing.assert_array_equal(np.nan_to_num(got, nan=-1), np.nan_to_num(want, nan=-1))
    # the worked case: 4.0 is S3's lower limit (S3), 4.5 S2's (S2), 8.0 S3's upper (S3)
    assert got[0].tolist() == [0, 0, 1, 0] and got[1].tolist() == [0, 1, 0, 0]
    assert got[5].tolist() == [0, 0, 1, 0] and np.isnan(got[len(lim) * 3]).all()


def test_open_limits_and_a_factor_without_finite_limits():
    keys = [("a", (-np.inf, -np.inf, -np.inf, np.inf, np.inf, np.inf)),
            ("b", (-np.inf, -np.inf, 10.0, 20.0, np.inf, np.inf))]
    rng = np.random.default_rng(0)
    cells = {"a": rng.normal(size=500), "b": rng.uniform(0, 30, 500)}
    cells["a"][::7] = np.nan
    cells["b"][::11] = np.nan
    area = np.sort(rng.integers(0, 40, 500))
    cov = _cov(area, rng.uniform(0.1, 1, 500), 40)
    got = ClassTable(cov, cells, keys).shares(keys)
    direct = None
    for f, b in keys:
        c = classify(cells[f], np.array(b))
        direct = c if direct is None else np.maximum(direct, c)
    np.testing.assert_allclose(got, class_shares(cov, direct), rtol=0, atol=1e-12)


def test_bone_every_commodity_equals_the_direct_path(bone_dir):
    from unggulan import Dataset

    ds = Dataset.open(bone_dir)
    cov, cells = ds.engine.cell_values("desa:test", ds.areas("desa"))
    bases = ds.requirements.commodities()
    assert len(bases) > 100
    table_shares = shares_by_basis(cov, cells, bases, ds.requirements)
    keys = {k for b in bases for k in classification_keys(b, ds.requirements, cells)}
    table = ClassTable(cov, cells, keys)
    assert table.n_tuples < table.n_cells  # it compresses
    for b in bases:
        want = class_shares(cov, cell_classes(cells, b, ds.requirements))
        np.testing.assert_allclose(table_shares[b], want, rtol=0, atol=1e-12, err_msg=b)
    # few commodities take the direct path with the same answer
    few = shares_by_basis(cov, cells, bases[:2], ds.requirements)
    for b in bases[:2]:
        np.testing.assert_allclose(few[b], table_shares[b], rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_limits", [0, 1, 300])
def test_bins_hold_one_class_each(n_limits):
    from unggulan.core.land.suitability import _bins

    rng = np.random.default_rng(n_limits)
    limits = np.unique(rng.uniform(0, 100, n_limits))
    v = np.r_[rng.uniform(-10, 110, 2000), limits, np.nan]
    b, reps = _bins(v, limits)
    assert b.max() < len(reps)
    # each bin's values sit on the same side of (or on) every limit as its representative
    for lim in limits[:20]:
        for op in (np.less, np.greater, np.equal):
            side = op(v, lim)
            np.testing.assert_array_equal(side[~np.isnan(v)], op(reps[b], lim)[~np.isnan(v)])


def test_consuming_the_values_gives_the_same_shares(bone_dir):
    """With ``consume`` the table empties the per-pixel values as it bins them (national
    memory) and gives exactly the shares it gives without."""
    from unggulan import Dataset

    ds = Dataset.open(bone_dir)
    cov, cells = ds.engine.cell_values("desa:consume", ds.areas("desa"))
    bases = ds.requirements.commodities()
    kept = shares_by_basis(cov, dict(cells), bases, ds.requirements)
    mine = dict(cells)
    consumed = shares_by_basis(cov, mine, bases, ds.requirements, consume=True)
    assert mine == {}  # every factor taken out, used or not
    assert kept.keys() == consumed.keys()
    for b in bases:
        np.testing.assert_array_equal(kept[b], consumed[b], err_msg=b)
