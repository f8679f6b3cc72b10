"""Paths a user writes in a settings file: relative to the file's folder, absolute as given."""

from __future__ import annotations

from pathlib import Path


def resolve_in(folder: str | Path, path: str | Path) -> Path:
    """``path`` as given when absolute (``~`` expanded), else under ``folder``: the one rule
    for every path a ``dataset.toml``, a raster catalogue or a statistics entry names.

    >>> resolve_in("/data/bone", "statistik/padi.csv").as_posix()
    '/data/bone/statistik/padi.csv'
    >>> resolve_in("/data/bone", "/srv/dem.tif").as_posix()
    '/srv/dem.tif'
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path(folder) / p
