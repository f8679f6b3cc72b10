"""What the planner holds, read and matched: boundaries and their codes, sentra records,
statistics tables matched to areas and commodities, the commodity catalogue and its
families, the dataset's settings (``dataset.toml``) and its rasters (found or fetched)."""
