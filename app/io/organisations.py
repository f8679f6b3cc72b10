"""The farmers' and village organisations of a dataset: ``organisasi/*.csv`` (optional).

Columns (case and language as typed; the first of each list found is used):

- name: ``nama``, ``name``, ``nama_lembaga``, ``organisasi`` (required);
- kind: ``jenis``, ``kind``, ``tipe``, ``bentuk`` (koperasi, KUD, Gapoktan, Poktan, KWT,
  BUMDes ...; optional);
- where: ``kode_desa`` / ``desa_code`` (a desa code, dots or not), else ``kode_kecamatan`` /
  ``kecamatan_code``, else ``lon``/``lat`` (``longitude``/``latitude``, ``x``/``y``, WGS84);
- commodity: ``komoditas``, ``commodity`` (optional, shown only).

Rows are returned as read (``name, kind, desa_code, kecamatan_code, lon, lat, commodity,
file, row``); :func:`unggulan.core.ranking.zones.place_organisations` places them in areas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from unggulan.base.errors import DatasetError
from unggulan.io.readers import read_table

FOLDER = "organisasi"
_ALIASES = {
    "name": ("nama", "name", "nama_lembaga", "organisasi", "nama_organisasi"),
    "kind": ("jenis", "kind", "tipe", "bentuk", "jenis_lembaga"),
    "desa_code": ("kode_desa", "desa_code", "kode_kelurahan", "kd_desa"),
    "kecamatan_code": ("kode_kecamatan", "kecamatan_code", "kd_kec"),
    "lon": ("lon", "longitude", "bujur", "x"),
    "lat": ("lat", "latitude", "lintang", "y"),
    "commodity": ("komoditas", "commodity"),
}
COLUMNS = ["name", "kind", "desa_code", "kecamatan_code", "lon", "lat", "commodity", "file",
           "row"]


def read_organisations(folder: str | Path) -> pd.DataFrame:
    """Every ``organisasi/*.csv`` of the dataset folder, or an empty frame without one.

    Raises :class:`DatasetError` naming the file when a table has no name column or no
    location column.
    """
    files = sorted((Path(folder) / FOLDER).glob("*.csv")) if (Path(folder) / FOLDER).is_dir() \
        else []
    frames = []
    for path in files:
        raw, _ = read_table(path)
        cols = {str(c).strip().lower().replace(" ", "_"): c for c in raw.columns}
        pick = {k: next((cols[a] for a in names if a in cols), None)
                for k, names in _ALIASES.items()}
        if pick["name"] is None:
            raise DatasetError(f"no name column (one of {', '.join(_ALIASES['name'])})",
                               path=path, field="nama")
        if pick["desa_code"] is None and pick["kecamatan_code"] is None and (
                pick["lon"] is None or pick["lat"] is None):
            raise DatasetError("no location: give kode_desa, kode_kecamatan or lon/lat",
                               path=path, field="kode_desa")
        out = pd.DataFrame({k: (raw[c].replace("", None).to_numpy(object) if c is not None
                                else np.full(len(raw), None, dtype=object))
                            for k, c in pick.items()})
        for k in ("lon", "lat"):
            out[k] = pd.to_numeric(pd.Series(out[k]).astype(str).str.replace(",", ".",
                                                                             regex=False),
                                   errors="coerce")
        out["file"] = path.name
        out["row"] = raw.index.to_numpy()  # the line in the file
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]
