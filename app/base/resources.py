"""Where the files shipped with unggulan are, from the source tree or from an installed wheel.

The source tree keeps the bundled data at the top (``data/`` beside ``app/``); the wheel maps
that folder into the package as ``unggulan/_data`` (pyproject.toml: ``package-dir``). Every
place that reads the bundled demo dataset, the commodity catalogue, the land requirement
tables or the bundled scenarios asks :func:`bundled_data_dir`, so the installed tool finds them
as the source tree does (an editable install reads the source tree's ``data/``).

>>> (bundled_data_dir() / "commodities.csv").is_file()
True
"""

from __future__ import annotations

import os
from pathlib import Path

#: the package folder: ``app/`` in the source tree, ``site-packages/unggulan`` installed
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: the bundled data inside an installed package
INSTALLED_DATA = PACKAGE_DIR / "_data"
#: the bundled data in the source tree
SOURCE_DATA = PACKAGE_DIR.parent / "data"


def bundled_data_dir() -> Path:
    """The bundled data folder: the demo dataset (``Dataset.open()`` with no argument), the
    commodity catalogue (``commodities.csv``), the land requirement tables and ``scenarios/``.
    ``unggulan/_data`` of an installed package, else the source tree's ``data/``."""
    return INSTALLED_DATA if INSTALLED_DATA.is_dir() else SOURCE_DATA


def bundled_file(*parts: str) -> Path:
    """A path below :func:`bundled_data_dir`, e.g. ``bundled_file("scenarios")``."""
    return bundled_data_dir().joinpath(*parts)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/unggulan`` (default ``~/.cache/unggulan``): the disk cache of
    coverage, PDF tables and results unless ``UNGGULAN_CACHE_DIR`` says otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unggulan"
