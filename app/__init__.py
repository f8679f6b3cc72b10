"""unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.

>>> from unggulan import Dataset
>>> ds = Dataset.open()  # the bundled, synthetic demo region
"""

from unggulan.core.dataset import Dataset

__all__ = ["Dataset"]
__version__ = "0.1.0"
