"""unggulan: flagship commodities (komoditas unggulan) per desa and kecamatan.

>>> from app import Dataset
>>> ds = Dataset.open()  # the bundled, synthetic demo region
"""

from app.core.dataset import Dataset

__all__ = ["Dataset"]
__version__ = "0.1.0"
