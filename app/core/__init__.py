"""The domain: pure functions over DataFrames, in the order the data flows.

::

    inputs/    boundaries, codes, sentra, statistics matching, commodities, rasters found
       |
    land/      zonal statistics -> attributes -> suitability (FAO S1/S2/S3/N, limiting factors)
    activity/  what areas produce: LQ, DLQ, growth, shift-share, Klassen, specialisation, clusters
       |
    ranking/   scoring (weighted sum, TOPSIS, VIKOR, AHP) -> candidates, stability, zones, run
       |
    outputs/   the exportable layers, their colours, the readiness report

``scenario.py`` (the planner's settings, resolved and typed), ``dataset.py`` (the facade that
loads a folder, owns the one cache and calls the functions above), ``provenance.py`` (hashes)
and ``partitioned.py`` (the same functions on Dask partitions) sit beside them. Nothing here
imports FastAPI or Folium; a notebook uses it directly.

The modules lived flat in ``unggulan.core`` up to version 0.6; their old paths
(``unggulan.core.candidates`` ...) still import, with a ``DeprecationWarning``, through
the alias finder below.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old flat module path -> its place now
MOVED = {
    **{f"unggulan.core.{m}": f"unggulan.core.inputs.{m}" for m in (
        "boundaries", "codes", "commodities", "families", "config", "sentra", "statistics",
        "rasters", "fetch_layers")},
    **{f"unggulan.core.{m}": f"unggulan.core.land.{m}" for m in (
        "zonal", "attributes", "terrain_climate", "suitability")},
    **{f"unggulan.core.{m}": f"unggulan.core.activity.{m}" for m in (
        "lq", "dlq", "growth", "shift_share", "klassen", "specialisation", "concentration",
        "clusters", "analysis")},
    **{f"unggulan.core.{m}": f"unggulan.core.ranking.{m}" for m in (
        "scoring", "mcda", "ahp", "candidates", "stability", "run", "backtest", "zones")},
    **{f"unggulan.core.{m}": f"unggulan.core.outputs.{m}" for m in (
        "layers", "colours", "readiness")},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path as the module at its new place (the same module object:
    ``unggulan.core.candidates is unggulan.core.ranking.candidates``)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None  # a placeholder module; exec_module puts the real one in its place

    def exec_module(self, module):
        new = MOVED[module.__name__]
        warnings.warn(f"{module.__name__} moved to {new}", DeprecationWarning, stacklevel=2)
        # the import system returns what sys.modules holds after exec_module
        sys.modules[module.__name__] = importlib.import_module(new)


if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
