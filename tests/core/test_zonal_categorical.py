"""Majority class of areas whose cells are all nodata (seen on a Dask partition)."""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from unggulan.core.land.zonal import Coverage, Grid, reduce_categorical


def test_an_area_without_valid_cells_has_no_majority():
    g = Grid(CRS.from_epsg(4326).to_wkt(), (1.0, 0.0, 0.0, 0.0, -1.0, 1.0), 3, 1)
    # area 0: cells 0 and 1 (classes 3 and 4, weights 1 and 0.5); area 1: cell 2 (nodata)
    cov = Coverage(g, np.array([0, 2, 3]), np.array([0, 1, 2]), np.array([1.0, 0.5, 1.0]))
    majority, shares = reduce_categorical(cov, np.array([3.0, 4.0, -9.0]), -9.0)
    assert majority.iloc[0] == 3.0 and np.isnan(majority.iloc[1])
    assert shares.iloc[0].round(3).tolist() == [0.667, 0.333]
    assert shares.iloc[1].isna().all()
