"""What areas already produce: location quotients (``lq``), dynamic LQ (``dlq``), growth
(``growth``), shift-share, Klassen typology, specialisation and concentration indices, spatial
clusters (``clusters``), the planning methods behind ``Dataset.analysis`` (``analysis``) and
the statistics' evidence per area and commodity (``evidence``; ``regions``: of every
kabupaten at once).

The names of ``evidence`` (the module ``unggulan.core.activity`` was up to version 0.6) are
also found here, for code written against the old module.
"""

from __future__ import annotations

import importlib
import pkgutil

_SUBMODULES = {m.name for m in pkgutil.iter_modules(__path__)}


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in _SUBMODULES:  # ``from unggulan.core.activity import lq`` asks here first
        return importlib.import_module(f"{__name__}.{name}")
    for module in ("evidence", "regions"):
        found = getattr(importlib.import_module(f"{__name__}.{module}"), name, None)
        if found is not None:
            return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
