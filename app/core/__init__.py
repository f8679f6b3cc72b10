"""The pure domain: layers, joins, zonal statistics, suitability and scoring.

Nothing here imports FastAPI or Folium; a notebook uses it directly.
"""
