"""unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.

>>> from unggulan import Dataset
>>> ds = Dataset.open()  # the bundled, synthetic demo region
"""

from unggulan import maps
from unggulan.base.version import __version__
from unggulan.core.dataset import Dataset

# ``ds.map(...)`` in a notebook is :func:`unggulan.maps.web_map` (its docstring says how).
# Bound here, at the top of the package, above every layer: the core never imports the maps
# (the map pages are built above it). Importing unggulan.maps loads no map library: web_map
# imports folium and the page builders when it is called.
Dataset.map = maps.web_map

__all__ = ["Dataset", "__version__"]
