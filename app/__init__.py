"""unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.

>>> from unggulan import Dataset
>>> ds = Dataset.open()  # the bundled, synthetic demo region
"""

from unggulan.base.version import __version__

__all__ = ["Dataset", "__version__"]


def __getattr__(name: str):
    """``unggulan.Dataset``, imported when first asked for: ``import unggulan.cli`` (every
    command, ``--help`` too) then starts without loading the whole domain (geopandas, scipy,
    the rasters' libraries), which a command imports when it runs."""
    if name != "Dataset":
        raise AttributeError(f"module 'unggulan' has no attribute {name!r}")
    from unggulan import maps
    from unggulan.core.dataset import Dataset

    # ``ds.map(...)`` in a notebook is :func:`unggulan.maps.web_map` (its docstring says
    # how). Bound here, at the top of the package, above every layer: the core never imports
    # the maps (the map pages are built above it). Importing unggulan.maps loads no map
    # library: web_map imports folium and the page builders when it is called.
    Dataset.map = maps.web_map
    globals()["Dataset"] = Dataset
    return Dataset
