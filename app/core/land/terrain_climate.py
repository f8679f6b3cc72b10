"""Agro-ecological layers derived from fetched inputs: pure functions over arrays.

Used by ``unggulan rasters fetch`` (:mod:`unggulan.core.inputs.fetch_layers`) to turn what public
sources hold into what the suitability rules read (units of
:data:`unggulan.core.land.attributes.UNITS`):

- **slope** (%) from elevation: the same central differences as the suitability engine uses
  when it derives slope itself (:func:`unggulan.core.land.attributes.slope_percent`), so a written
  slope raster and a derived one agree;
- **annual rainfall** (mm/yr): the sum of the 12 mean monthly totals;
- **wet and dry months** after Oldeman (1975; Oldeman, Las & Muladi 1980, *The agroclimatic
  maps of Kalimantan, Maluku, Irian Jaya and Bali, West and East Nusa Tenggara*, Contr. Centr.
  Res. Inst. Agric. Bogor 60): a wet month has more than 200 mm, a dry month less than 100 mm.
  These are the thresholds of Indonesian agro-climatic practice and of the criteria the
  suitability table reads (Djaenudin et al. 2011's *lamanya masa kering*, "length of the dry
  period", in months); Schmidt & Ferguson (1951) use > 100 / < 60 mm instead. Bone's
  ``clim_wet_months.tif`` (1-8 months where the mean month has ~190 mm) fits Oldeman's > 200
  mm, not > 100 mm (which would give 8-12 there). The months are counted as the longest
  run of consecutive wet (dry) months in the mean annual cycle, December joined to January,
  as Oldeman's zones count them ("length of the period");
- **temperature** (°C) from elevation with Braak's (1928) lapse rate, 26.3 - 0.6 h/100, the
  formula of Indonesian agro-climatic practice (also used by the suitability engine, which
  marks such values as estimated);
- **USDA texture class** from clay, sand and silt (%), with the USDA-NRCS texture triangle
  (Soil Science Division Staff 2017, *Soil Survey Manual*, USDA Handbook 18, fig. 3-7), coded
  as SoilGrids' 2017 ``TEXMHT`` layer and LaSEM's ``lookup_texture_usda.csv``
  (``TEXTURE_USDA``): 1 clay, 2 silty clay, 3 sandy clay, 4 clay loam, 5 silty clay loam,
  6 sandy clay loam, 7 loam, 8 silt loam, 9 sandy loam, 10 silt, 11 loamy sand, 12 sand.
"""

from __future__ import annotations

import numpy as np

from unggulan.core.land.attributes import braak_temperature, slope_percent
from unggulan.core.land.zonal import Grid

__all__ = [
    "DRY_BELOW_MM", "WET_ABOVE_MM", "annual_rainfall", "braak_temperature", "dry_months",
    "slope_percent", "slope_of", "texture_class", "wet_months", "TEXTURE_CODES",
]  # fmt: skip

#: Oldeman (1975): a wet month has more than 200 mm of rain, a dry month less than 100 mm
WET_ABOVE_MM = 200.0
DRY_BELOW_MM = 100.0

TEXTURE_CODES = {
    1: "clay", 2: "silty clay", 3: "sandy clay", 4: "clay loam", 5: "silty clay loam",
    6: "sandy clay loam", 7: "loam", 8: "silt loam", 9: "sandy loam", 10: "silt",
    11: "loamy sand", 12: "sand",
}  # fmt: skip


def slope_of(elevation: np.ndarray, grid: Grid) -> np.ndarray:
    """Slope (%) of an elevation array on ``grid`` (NaN where a neighbour is missing).

    Examples
    --------
    >>> from pyproj import CRS
    >>> g = Grid(CRS.from_epsg(32750).to_wkt(), (10.0, 0.0, 0.0, 0.0, -10.0, 0.0), 3, 3)
    >>> float(slope_of(np.array([[0.0, 1, 2]] * 3), g)[1, 1])
    10.0
    """
    return slope_percent(elevation, grid).astype(np.float32)


def _monthly(months: np.ndarray) -> np.ndarray:
    m = np.asarray(months, dtype=np.float64)
    if m.ndim < 1 or m.shape[0] != 12:
        raise ValueError(f"expected 12 monthly values on the first axis, got shape {m.shape}")
    return m


def annual_rainfall(months: np.ndarray) -> np.ndarray:
    """Annual total (mm) of 12 mean monthly totals; NaN where any month is missing.

    Examples
    --------
    >>> float(annual_rainfall(np.full(12, 150.0)))
    1800.0
    """
    return _monthly(months).sum(axis=0)


def _longest_run(flags: np.ndarray) -> np.ndarray:
    """Longest run of True along axis 0 (12 months), wrapping December into January."""
    n = flags.shape[0]
    twice = np.concatenate([flags, flags], axis=0)
    run = np.zeros(flags.shape[1:], dtype=np.int64)
    best = np.zeros(flags.shape[1:], dtype=np.int64)
    for i in range(2 * n):
        run = np.where(twice[i], run + 1, 0)
        best = np.maximum(best, run)
    return np.minimum(best, n)


def _months(months: np.ndarray, flags: np.ndarray, consecutive: bool) -> np.ndarray:
    m = _monthly(months)
    out = np.asarray(_longest_run(flags) if consecutive else flags.sum(axis=0), np.float32)
    return np.where(np.isnan(m).any(axis=0), np.float32(np.nan), out)


def wet_months(months: np.ndarray, above: float = WET_ABOVE_MM,
               consecutive: bool = True) -> np.ndarray:
    """Wet months (mean monthly rain > ``above`` mm): the longest consecutive run in the
    mean year (December joined to January), or their count with ``consecutive=False``.

    Examples
    --------
    >>> rain = np.array([300, 250, 220, 150, 90, 60, 40, 50, 80, 120, 210, 280.0])
    >>> float(wet_months(rain)), float(wet_months(rain, consecutive=False))
    (5.0, 5.0)
    >>> float(wet_months(np.array([300.0, 50] * 6)))
    1.0
    """
    m = _monthly(months)
    return _months(m, m > above, consecutive)


def dry_months(months: np.ndarray, below: float = DRY_BELOW_MM,
               consecutive: bool = True) -> np.ndarray:
    """Dry months (mean monthly rain < ``below`` mm), as :func:`wet_months`.

    Examples
    --------
    >>> rain = np.array([300, 250, 220, 150, 90, 60, 40, 50, 80, 120, 210, 280.0])
    >>> float(dry_months(rain))
    5.0
    >>> float(dry_months(np.array([50.0, 300] * 6), consecutive=False))
    6.0
    """
    m = _monthly(months)
    return _months(m, m < below, consecutive)


def texture_class(clay: np.ndarray, sand: np.ndarray, silt: np.ndarray) -> np.ndarray:
    """USDA texture class code (see :data:`TEXTURE_CODES`) from clay, sand and silt in %;
    0 where a fraction is missing. The three are rescaled to sum to 100 first (SoilGrids'
    predicted fractions need not add up exactly).

    Examples
    --------
    >>> texture_class(np.array([50.0, 20, 5, 15, 5]), np.array([20.0, 40, 90, 15, 5]),
    ...               np.array([30.0, 40, 5, 70, 90])).tolist()
    [1, 7, 12, 8, 10]
    """
    c, sa, si = (np.asarray(a, dtype=np.float64) for a in (clay, sand, silt))
    total = c + sa + si
    bad = ~np.isfinite(total) | (total <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        c, sa, si = (np.where(bad, np.nan, 100 * a / total) for a in (c, sa, si))
    out = np.zeros(c.shape, dtype=np.uint8)
    rules = [  # (code, condition); the first that holds wins, as the triangle's regions
        (12, si + 1.5 * c < 15),
        (11, (si + 1.5 * c >= 15) & (si + 2 * c < 30)),
        (9, ((c >= 7) & (c < 20) & (sa > 52) & (si + 2 * c >= 30))
         | ((c < 7) & (si < 50) & (si + 2 * c >= 30))),
        (7, (c >= 7) & (c < 27) & (si >= 28) & (si < 50) & (sa <= 52)),
        (10, (si >= 80) & (c < 12)),
        (8, ((si >= 50) & (c >= 12) & (c < 27)) | ((si >= 50) & (si < 80) & (c < 12))),
        (6, (c >= 20) & (c < 35) & (si < 28) & (sa > 45)),
        (4, (c >= 27) & (c < 40) & (sa > 20) & (sa <= 45)),
        (5, (c >= 27) & (c < 40) & (sa <= 20)),
        (3, (c >= 35) & (sa > 45)),
        (2, (c >= 40) & (si >= 40)),
        (1, (c >= 40) & (sa <= 45) & (si < 40)),
    ]
    with np.errstate(invalid="ignore"):
        for code, cond in rules:
            out[(out == 0) & cond & ~bad] = code
    return out
