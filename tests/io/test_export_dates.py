"""A zipped shapefile carries no date of its writing: the same layer gives the same bytes on
any day (GDAL writes today's date into the .dbf header unless told otherwise)."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import shapely

from unggulan.io.exports import write_layer


def test_shapefile_dbf_header_has_a_fixed_date(tmp_path):
    gdf = gpd.GeoDataFrame({"code": ["99.01.01"], "score": [1.5]},
                           geometry=[shapely.box(120, -5, 120.1, -4.9)], crs=4326)
    out = write_layer(gdf, tmp_path / "k.zip", layer="kandidat")
    with zipfile.ZipFile(out) as zf:
        dbf = zf.read("kandidat.dbf")
        infos = {i.filename: i.date_time for i in zf.infolist()}
    # bytes 1-3 of a dBase header: year - 1900, month, day of the last update
    assert tuple(dbf[1:4]) == (100, 1, 1)
    assert set(infos.values()) == {(1980, 1, 1, 0, 0, 0)}
    again = write_layer(gdf, tmp_path / "k2.zip", layer="kandidat")
    assert out.read_bytes() == again.read_bytes()
