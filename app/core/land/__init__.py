"""The land: zonal statistics of the rasters per area (``zonal``, ``attributes``), derived
terrain and climate (``terrain_climate``), and FAO land suitability against each commodity's
requirements (``suitability``: S1/S2/S3/N, limiting factors, management levels)."""
