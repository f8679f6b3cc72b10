"""Reader of production statistics (transitional: the module is being split, see build.py)."""

from unggulan.io.statistics import build as _build_module
from unggulan.io.statistics.build import (  # noqa: F401
    LEVELS,
    RECORD_COLUMNS,
    TOTAL_TOLERANCE_ABS,
    TOTAL_TOLERANCE_REL,
    UNKNOWN_UNIT,
    StatisticsOptions,
    StatTable,
    __all__,
    guess_decimal,
    parse_value,
    read_statistics,
    year_in_text,
)

__doc__ = _build_module.__doc__
__test__ = {name: getattr(_build_module, name) for name in __all__ if name != "RECORD_COLUMNS"}
