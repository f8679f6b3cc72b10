"""QGIS layer style (.qml) for the candidates export: areas coloured by their top candidate
with the web map's palette (:mod:`unggulan.base.palette`), labelled by area name.

The style is written beside a GeoJSON (``<name>.qml``, which QGIS loads with the layer),
inside a zipped shapefile (``<name>.qml`` next to ``<name>.shp``) and into a GeoPackage's
``layer_styles`` table as the layer's default style (what QGIS's "Save style to database"
writes), so the layer opens styled however it is added.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

from unggulan.base import palette

QGIS_VERSION = "3.28.0-Firenze"


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _fill_symbol(name: str, colour: str) -> str:
    opts = {
        "color": _rgba(colour), "outline_color": "68,68,68,255", "outline_style": "solid",
        "outline_width": "0.2", "outline_width_unit": "MM", "style": "solid",
        "joinstyle": "bevel", "border_width_map_unit_scale": "3x:0,0,0,0,0,0",
        "offset": "0,0", "offset_unit": "MM",
    }
    options = "".join(f'<Option name="{k}" value="{v}" type="QString"/>' for k, v in opts.items())
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" pass="0" locked="0">'
            f'<Option type="Map">{options}</Option></layer></symbol>')


def _colours_for(values: pd.Series, given: dict | None) -> dict[str, str]:
    """The colours of the commodities in ``values``: the dataset's (``given``, the web map's)
    where the caller has them, else the palette by frequency."""
    if not given:
        return palette.commodity_colours(values)
    present = [v for v, _ in palette.commodity_counts(values)]
    return {v: given[v] for v in present if v in given}


def candidates_qml(frame: pd.DataFrame, field: str = "top1", label_field: str = "name",
                   name_field: str | None = "top1_name", colours: dict | None = None) -> str:
    """The style text. ``field``/``label_field``: the names of the top-candidate and
    area-name fields in the written file (shapefiles rename long fields). ``colours``:
    commodity id -> colour (the dataset's palette, so QGIS shows the web map's colours).
    All other commodities share grey; areas with no candidate are white."""
    return _categorized(frame, field, label_field, name_field, colours, _fill_symbol,
                        palette.NODATA, _RENDERING)


#: the label rendering settings of the candidates' style (scale-dependent labels)
_RENDERING = """      <rendering scaleVisibility="1" scaleMin="1" scaleMax="250000" obstacle="1"
                 displayAll="0" limitNumLabels="0"/>
"""


def _categorized(frame: pd.DataFrame, field: str, label_field: str, name_field: str | None,
                 colours: dict | None, symbol, source: str, rendering: str) -> str:
    """A categorized style by commodity: one ``symbol(name, colour)`` per coloured
    commodity, grey for the rest, ``source`` for the source symbol, labels from
    ``label_field`` (``rendering``: extra label settings)."""
    values = frame[field] if field in frame else pd.Series([], dtype=object)
    colours = _colours_for(values, colours)
    names = dict(zip(frame[field], frame[name_field])) if name_field and name_field in frame \
        else {}
    cats, syms = [], []
    for i, (value, colour) in enumerate(colours.items()):
        label = str(names.get(value) or value)
        cats.append(f'<category value={quoteattr(str(value))} symbol="{i}" '
                    f'label={quoteattr(label)} render="true"/>')
        syms.append(symbol(str(i), colour))
    n = len(colours)
    cats.append(f'<category value="" symbol="{n}" label="Lainnya / other" render="true"/>')
    syms.append(symbol(str(n), palette.OTHER))
    return f"""<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling" labelsEnabled="1">
  <renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0"
               enableorderby="0" forceraster="0" referencescale="-1">
    <categories>
      {chr(10).join('      ' + c for c in cats).strip()}
    </categories>
    <symbols>
      {''.join(syms)}
    </symbols>
    <source-symbol>{symbol("0", source)}</source-symbol>
    <rotation/>
    <sizescale/>
  </renderer-v2>
  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName={quoteattr(label_field)} isExpression="0" fontFamily="Sans Serif"
                  fontSize="8" fontSizeUnit="Point" textColor="30,30,30,255" textOpacity="1"
                  fontWeight="50" fontItalic="0" namedStyle="Regular">
        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM"
                     bufferColor="255,255,255,255" bufferOpacity="0.8"/>
      </text-style>
      <placement placement="0" placementFlags="10" priority="5" centroidInside="1"
                 fitInPolygonOnly="0"/>
{rendering}    </settings>
  </labeling>
  <layerGeometryType>2</layerGeometryType>
</qgis>
"""


def _outline_symbol(name: str, colour: str, width: float = 0.8) -> str:
    opts = {
        "color": "0,0,0,0", "outline_color": _rgba(colour), "outline_style": "solid",
        "outline_width": str(width), "outline_width_unit": "MM", "style": "no",
        "joinstyle": "round", "offset": "0,0", "offset_unit": "MM",
    }
    options = "".join(f'<Option name="{k}" value="{v}" type="QString"/>' for k, v in opts.items())
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" pass="0" locked="0">'
            f'<Option type="Map">{options}</Option></layer></symbol>')


def zones_qml(frame: pd.DataFrame, field: str = "commodity", label_field: str = "zone_id",
              name_field: str | None = "commodity_name_id", colours: dict | None = None
              ) -> str:
    """The style of a zones layer: each zone's outline in its commodity's colour (the
    palette's colours by number of zones; commodities beyond them grey), labelled by zone
    id. ``field``/``label_field``: the field names in the written file."""
    return _categorized(frame, field, label_field, name_field, colours, _outline_symbol,
                        palette.OTHER, "")


def write_gpkg_style(gpkg: Path, layer: str, qml: str, geometry_column: str = "geometry"
                     ) -> None:
    """Store ``qml`` as the default style of ``layer`` in the GeoPackage's ``layer_styles``
    table (created as QGIS creates it)."""
    con = sqlite3.connect(gpkg)
    try:
        con.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
            f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
            styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
            description TEXT, owner TEXT(30), ui TEXT(30),
            update_time DATETIME DEFAULT '2000-01-01T00:00:00Z')""")
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', "
            "'2000-01-01T00:00:00Z')",
            (layer, geometry_column, layer, qml, "unggulan: top candidate per area"))
        # QGIS looks for the table in gpkg_contents, as an attribute table
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                    "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                    "'2000-01-01T00:00:00.000Z')")
        con.commit()
    finally:
        con.close()
