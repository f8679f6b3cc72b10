"""Golden fingerprints of the public outputs (issue #31): proof that a refactor changes no
frame, page or export byte.

For each dataset (the bundled demo, Bone and Malang-Batu from ``../shared/data``) this computes
the outputs of the PUBLIC API only -- ``from unggulan import Dataset`` and its methods, the
exports, a few HTTP pages of ``unggulan.api.main.create_app`` -- and reduces each to a small
fingerprint: shape, columns, dtypes, index hash and one sha256 per column of a canonical
serialisation (so a failure names the column that changed). No raw data is stored.
It never imports ``unggulan.core.<module>``: those paths move in the refactor.

Canonical forms:

- numbers, booleans, datetimes, categoricals: ``pd.util.hash_pandas_object(col, index=False)``
  (exact bits); float columns also get an ``approx`` hash of the values at 10 significant
  digits, so a failure tells float noise (exact differs, approx equal) from a real change;
- object columns: each value written out with its type (str, int, float repr, None/NaN, bool,
  list/tuple in order, dict and set sorted, shapely geometry as WKB hex), joined and hashed;
- geometry columns: WKB hex;
- exports: every file written is hashed as bytes, except GeoPackages, compared table by
  table as read back through sqlite (rows sorted; their bytes are recorded too, since the
  export pins the timestamp), and zipped shapefiles, compared entry by entry with the .dbf
  header's date of last update masked (GDAL writes the day of writing there);
- the checkout's location (dataset folder, repository root, the export folder) is replaced
  by a placeholder in every string and byte, so the goldens do not depend on where the tree
  is checked out.

An output that raises is recorded as ``{"error": "<Type>: <message>"}`` (the same error
afterwards is the same behaviour).

Usage::

    .venv/bin/python scripts/golden.py              # compare with tests/golden/*.json
    .venv/bin/python scripts/golden.py --write      # regenerate tests/golden/*.json
    .venv/bin/python scripts/golden.py --only demo  # one dataset (demo, bone, malang_batu)

``tests/test_golden.py`` runs the comparison in the test suite. Regenerate the goldens ONLY
when an output is meant to change, with ``--write``, in its own commit whose message says
which outputs changed and why (the diff of tests/golden/*.json shows which columns).
The goldens were first captured from commit dcac79d (before the #31 refactor) by running this
script with that commit's code (a worktree put first on PYTHONPATH) and a fresh
``UNGGULAN_CACHE_DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared" / "data"
DATASETS = {"demo": None, "bone": SHARED / "bone", "malang_batu": SHARED / "malang_batu"}
LAND_DATASETS = ("demo", "bone")  # those with rasters (Malang-Batu has none)
HTTP_DATASETS = ("demo",)  # the HTTP pages are taken over the demo only (a service each)
HASH_LEN = 16  # hex digits kept of each sha256: 64 bits tell any change apart
PERIOD = "2020-2023"  # inside the statistics years of the demo (2019-2024) and Bone (2018-2024)
WEIGHTS = "suitability=0.5,specialisation=0.1,local=0.3"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_LEN]


class Canon:
    """Canonical serialisation, with the checkout-dependent paths replaced."""

    def __init__(self, replacements: list[tuple[str, str]]):
        # longest first: a dataset folder inside the repository is replaced before the root
        self.replacements = sorted({(a, b) for a, b in replacements if a},
                                   key=lambda r: -len(r[0]))

    def text(self, s: str) -> str:
        for a, b in self.replacements:
            if a in s:
                s = s.replace(a, b)
        return s

    def bytes(self, data: bytes) -> bytes:
        for a, b in self.replacements:
            data = data.replace(a.encode(), b.encode())
        return data

    def value(self, v) -> str:
        """One value as text that says its type (1 != 1.0 != '1')."""
        if v is None or v is pd.NA or v is pd.NaT:
            return "~"
        if isinstance(v, str):
            return "s" + self.text(v)
        if isinstance(v, (bool, np.bool_)):
            return "b" + str(bool(v))
        if isinstance(v, (int, np.integer)):
            return "i" + str(int(v))
        if isinstance(v, (float, np.floating)):
            return "~" if math.isnan(v) else "f" + repr(float(v))
        if isinstance(v, (list, tuple, np.ndarray)):
            return "[" + ",".join(self.value(x) for x in list(v)) + "]"
        if isinstance(v, dict):
            return "{" + ",".join(f"{self.value(k)}:{self.value(x)}"
                                  for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))) + "}"
        if isinstance(v, (set, frozenset)):
            return "<" + ",".join(sorted(self.value(x) for x in v)) + ">"
        if isinstance(v, (pd.Timestamp,)):
            return "t" + v.isoformat()
        if isinstance(v, bytes):
            return "x" + self.bytes(v).hex()
        if hasattr(v, "wkb_hex"):  # a shapely geometry
            return "g" + v.wkb_hex
        if isinstance(v, Path):
            return "p" + self.text(str(v))
        return type(v).__name__ + ":" + self.text(repr(v))

    def json(self, obj) -> str:
        return self.text(json.dumps(obj, sort_keys=True, default=str, ensure_ascii=False))


def _column_hashes(col: pd.Series, canon: Canon) -> tuple[str, str | None]:
    """(exact hash, approx hash for float columns else None) of one column."""
    dtype = col.dtype
    if str(dtype) == "geometry":
        import shapely

        arr = np.asarray(col.array, dtype=object)
        wkb = shapely.to_wkb(arr, hex=True)
        return _sha("\x1e".join("~" if w is None else w for w in wkb).encode()), None
    if pd.api.types.is_object_dtype(dtype):
        values = col.tolist()
        if values and pd.api.types.infer_dtype(values, skipna=False) == "string":
            # all str (the common case, e.g. the reasons): the same text as value() gives
            # per value, with the paths replaced once over the whole (no path holds \x1e)
            return _sha(canon.text("s" + "\x1es".join(values)).encode()), None
        return _sha("\x1e".join(canon.value(v) for v in values).encode()), None
    if isinstance(dtype, pd.StringDtype):
        return _sha("\x1e".join(canon.value(v) for v in col.tolist()).encode()), None
    if isinstance(dtype, pd.CategoricalDtype):
        return _sha("\x1e".join(canon.value(v) for v in col.astype(object).tolist())
                    .encode()), None
    exact = _sha(pd.util.hash_pandas_object(col, index=False).to_numpy().tobytes())
    approx = None
    if pd.api.types.is_float_dtype(dtype):
        vals = col.to_numpy(dtype=float, na_value=np.nan)
        approx = _sha("\x1e".join(np.char.mod("%.10g", vals).tolist()).encode())
    return exact, approx


def frame_fingerprint(df: pd.DataFrame, canon: Canon) -> dict:
    """Shape, columns, dtypes, index and per-column hashes of a DataFrame."""
    names = [str(c) for c in df.columns]
    keys = [n if names.count(n) == 1 else f"{n}#{i}" for i, n in enumerate(names)]
    hashes, approx, dtypes = {}, {}, {}
    for i, key in enumerate(keys):
        col = df.iloc[:, i]
        dtypes[key] = str(col.dtype)
        exact, near = _column_hashes(col, canon)
        hashes[key] = exact
        if near is not None:
            approx[key] = near
    idx = df.index
    if isinstance(idx, pd.MultiIndex):
        index_hash = frame_fingerprint(idx.to_frame(index=False), canon)["columns_sha"]
        index_hash = _sha(canon.json(index_hash).encode())
    else:
        index_hash = _column_hashes(pd.Series(idx), canon)[0]
    out = {
        "type": type(df).__name__,
        "shape": list(df.shape),
        "columns": names,
        "dtypes": dtypes,
        "index": {"names": [None if n is None else str(n) for n in idx.names],
                  "dtype": str(idx.dtype), "sha": index_hash},
        "columns_sha": hashes,
    }
    if approx:
        out["columns_approx"] = approx
    crs = getattr(df, "crs", None) if hasattr(df, "geometry") else None
    if crs is not None:
        out["crs"] = crs.to_string()
    if df.attrs:
        out["attrs_sha"] = {str(k): _sha(canon.json(v).encode()) for k, v in df.attrs.items()}
    return out


def object_fingerprint(obj, canon: Canon) -> dict:
    """A dict / list / scalar result: its canonical JSON hash, per top-level key for dicts."""
    if isinstance(obj, dict):
        return {"type": "dict", "keys": sorted(map(str, obj)),
                "items_sha": {str(k): _sha(canon.json(v).encode()) for k, v in obj.items()}}
    if isinstance(obj, list):
        return {"type": "list", "len": len(obj), "sha": _sha(canon.json(obj).encode())}
    return {"type": type(obj).__name__, "sha": _sha(canon.json(obj).encode())}


def gpkg_fingerprint(path: Path, canon: Canon) -> dict:
    """Every table of a GeoPackage as read back (rows sorted): not the file's bytes."""
    out = {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for t in tables:
            if t.startswith("sqlite_") or t.startswith("rtree_"):
                continue  # sqlite's own statistics and the spatial index's internal nodes
            cur = con.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            rows = sorted("\x1f".join(canon.value(v) for v in row) for row in cur.fetchall())
            out[t] = {"columns": cols, "rows": len(rows),
                      "sha": _sha("\x1e".join(rows).encode())}
    finally:
        con.close()
    # the bytes too: the export pins GDAL's timestamp (OGR_CURRENT_DATE), so the same layer
    # gives the same file; a difference here with equal tables is a layout-only change
    return {"type": "gpkg", "tables": out, "bytes_sha": _sha(canon.bytes(path.read_bytes()))}


def zip_fingerprint(path: Path, canon: Canon) -> dict:
    """A zipped shapefile entry by entry (the zip's own bytes hold the compressed entries),
    each .dbf with its header's date of last update (bytes 1-3) masked: GDAL's shapefile
    driver writes today's date there (OGR_CURRENT_DATE does not reach it), so the same layer
    written on another day differs in those three bytes only."""
    import zipfile

    entries = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename.lower().endswith(".dbf") and len(data) >= 4:
                data = data[:1] + b"\0\0\0" + data[4:]
            entries[info.filename] = {"bytes": len(data), "sha": _sha(canon.bytes(data)),
                                      "date_time": list(info.date_time)}
    return {"type": "zip", "entries": entries}


def export_fingerprint(ds, layer: str, suffix: str, level: str, canon: Canon,
                       **options) -> dict:
    """Hashes of every file ``ds.export`` writes for ``layer`` in format ``suffix``."""
    with tempfile.TemporaryDirectory(prefix="golden-export-") as tmp:
        folder = Path(tmp)
        target = folder / f"{layer}_{level}{suffix}"
        sub = Canon(canon.replacements + [(str(folder), "{OUT}"),
                                          (str(folder.resolve()), "{OUT}")])
        ds.export(layer, target, level=level, **options)
        files = {}
        for p in sorted(folder.iterdir()):
            if p.suffix == ".gpkg":
                files[p.name] = gpkg_fingerprint(p, sub)
            elif p.suffix == ".zip":
                files[p.name] = zip_fingerprint(p, sub)
            else:
                data = p.read_bytes()
                files[p.name] = {"bytes": len(data), "sha": _sha(sub.bytes(data))}
        return {"type": "export", "files": files}


def fingerprint(obj, canon: Canon) -> dict:
    if isinstance(obj, pd.DataFrame):
        return frame_fingerprint(obj, canon)
    if isinstance(obj, pd.Series):
        return frame_fingerprint(obj.to_frame(), canon)
    return object_fingerprint(obj, canon)


def outputs(ds, canon: Canon, name: str = "") -> dict[str, Callable[[], object]]:
    """The outputs fingerprinted, by name: each a function of the dataset's public API."""
    o: dict[str, Callable[[], object]] = {}
    levels = ("desa", "kecamatan")
    o["levels"] = lambda: list(ds.levels)
    o["summary"] = ds.summary
    o["problems"] = lambda: [canon.value(p.__dict__ if hasattr(p, "__dict__") else p)
                             for p in ds.problems]
    for lv in levels:
        o[f"areas.{lv}"] = lambda lv=lv: ds.areas(lv)
    o["sentra"] = ds.sentra
    o["sentra.placed"] = lambda: ds.sentra(placed_only=True)
    o["statistics"] = ds.statistics
    o["statistics.production"] = lambda: ds.statistics(measure="production")
    # candidates: default, wide, other methods, weights, period/measure, one area
    for lv in levels:
        o[f"candidates.{lv}"] = lambda lv=lv: ds.candidates(lv)
        o[f"candidates.{lv}.wide"] = lambda lv=lv: ds.candidates(lv, wide=True)
        o[f"candidates.{lv}.topsis"] = lambda lv=lv: ds.candidates(lv, method="topsis")
        o[f"candidates.{lv}.weights"] = lambda lv=lv: ds.candidates(lv, weights=WEIGHTS)
        o[f"candidates.{lv}.period"] = lambda lv=lv: ds.candidates(
            lv, period=PERIOD, measure="production")
    o["candidates.kecamatan.vikor"] = lambda: ds.candidates("kecamatan", method="vikor")
    o["candidates.kecamatan.top5"] = lambda: ds.candidates("kecamatan", top=5)

    def first(lv):
        return ds.areas(lv).index[0]

    for lv in levels:
        o[f"area_candidates.{lv}"] = lambda lv=lv: ds.area_candidates(first(lv), lv)
        o[f"area_candidate_records.{lv}"] = lambda lv=lv: ds.area_candidate_records(
            first(lv), lv)
    # land (a dataset without rasters: the kecamatan level shows what it answers)
    land = name in LAND_DATASETS
    for lv in levels:
        o[f"attributes.{lv}"] = lambda lv=lv: ds.attributes(lv)
        if land or lv == "kecamatan":
            o[f"suitability.{lv}"] = lambda lv=lv: ds.suitability(lv, explain=True)
    if land:  # another management level (the candidates' is the default's)
        o["suitability.kecamatan.tinggi"] = lambda: ds.suitability("kecamatan",
                                                                   management="tinggi")
    # planning methods on the statistics
    analyses = {
        "slq": ("slq", {}), "slq.period": ("slq", {"period": PERIOD}),
        "slq.by_year": ("slq", {"by_year": True}),
        "slq.workers.desa": ("slq", {"measure": "workers", "level": "desa"}),
        "slq.harvested_area": ("slq", {"measure": "harvested_area"}),
        "slq.kabupaten": ("slq", {"level": "kabupaten"}),  # Malang-Batu's statistics
        "dlq": ("dlq", {}), "dlq.cagr": ("dlq", {"growth": "cagr"}),
        "dlq.angelina": ("dlq", {"convention": "angelina"}),
        "shift-share": ("shift-share", {}),
        "shift-share.esteban": ("shift-share", {"variant": "esteban"}),
        "klassen": ("klassen", {}), "specialisation": ("specialisation", {}),
        "localisation": ("localisation", {}),
    }
    for name, (method, kw) in analyses.items():
        o[f"analysis.{name}"] = lambda method=method, kw=kw: ds.analysis(method, **kw)
    # zones with their members
    for lv in levels:
        o[f"zones.{lv}"] = lambda lv=lv: ds.zones(lv)
        o[f"zones.{lv}.members"] = lambda lv=lv: ds.zones(lv, members=True)[1]
    # exports
    for layer, lv in (("candidates", "desa"), ("candidates", "kecamatan"),
                      ("suitability", "kecamatan"), ("zones", "desa")):
        for suffix in (".csv", ".geojson", ".gpkg"):
            if layer == "suitability" and not land and suffix != ".csv":
                continue  # no rasters: every class is missing, the CSV says it
            o[f"export.{layer}.{lv}{suffix}"] = (
                lambda layer=layer, lv=lv, suffix=suffix:
                export_fingerprint(ds, layer, suffix, lv, canon))
    o["export.candidates.kecamatan.zip"] = lambda: export_fingerprint(
        ds, "candidates", ".zip", "kecamatan", canon)
    o["export.candidates.kecamatan.wide.geojson"] = lambda: export_fingerprint(
        ds, "candidates", ".geojson", "kecamatan", canon, wide=True)
    o["export.areas.desa.geojson"] = lambda: export_fingerprint(
        ds, "areas", ".geojson", "desa", canon)
    return o


def http_outputs(folder: Path | None, canon: Canon) -> dict[str, Callable[[], object]]:
    """A few pages of the HTTP API over the dataset (bodies as canonical JSON)."""
    from fastapi.testclient import TestClient

    from unggulan.api.main import create_app
    from unggulan.settings import Settings

    paths = ["/api/v1/areas?level=kecamatan", "/api/v1/areas?level=desa&limit=20",
             "/api/v1/areas/{kec}/candidates?level=kecamatan",
             "/api/v1/areas/{desa}/candidates?level=desa",
             "/ogc/collections", "/ogc/collections/desa/items?limit=10"]

    def run() -> dict:
        settings = Settings(data=folder) if folder is not None else Settings()
        out = {}
        with TestClient(create_app(settings), raise_server_exceptions=False) as c:
            ds = c.app.state.holder.dataset
            codes = {"kec": ds.areas("kecamatan").index[0], "desa": ds.areas("desa").index[0]}
            for p in paths:
                r = c.get(p.format(**codes))
                try:
                    body = canon.json(r.json())
                except ValueError:
                    body = canon.text(r.text)
                out[p] = {"status": r.status_code, "sha": _sha(body.encode())}
        return out

    return {"http": run}


def compute(name: str, ds=None, http: bool = True, log=None) -> dict:
    """The fingerprints of dataset ``name`` (``ds``: an opened Dataset to reuse)."""
    import time

    import unggulan
    from unggulan import Dataset

    folder = DATASETS[name]
    if ds is None:
        ds = Dataset.open(folder)
    root = Path(unggulan.__file__).resolve().parents[1]
    reps = [(str(ds.folder.resolve()), "{DATASET}"), (str(ds.folder), "{DATASET}"),
            (str(root), "{ROOT}")]
    canon = Canon(reps)
    result: dict[str, dict] = {}
    funcs = outputs(ds, canon, name)
    if http and name in HTTP_DATASETS:
        funcs.update(http_outputs(folder, canon))
    for key, fn in funcs.items():
        t0 = time.perf_counter()
        try:
            value = fn()
        except Exception as exc:  # the same error afterwards is the same behaviour
            result[key] = {"error": canon.text(f"{type(exc).__name__}: {exc}")}
        else:
            result[key] = value if isinstance(value, dict) and value.get("type") in (
                "export", "gpkg") else fingerprint(value, canon)
        if log:
            log(f"{name} {key}: {time.perf_counter() - t0:.2f} s")
    return result


def compare(expected: dict, actual: dict) -> list[str]:
    """Every difference, one line each, naming the output and the column."""
    diffs = []
    for key in sorted(set(expected) | set(actual)):
        if key not in actual:
            diffs.append(f"{key}: missing now")
            continue
        if key not in expected:
            diffs.append(f"{key}: new output (not in the golden)")
            continue
        diffs.extend(_diff(key, expected[key], actual[key]))
    return diffs


def _diff(path: str, exp, act) -> list[str]:
    if isinstance(exp, dict) and isinstance(act, dict):
        out = []
        approx_e, approx_a = exp.get("columns_approx", {}), act.get("columns_approx", {})
        for k in sorted(set(exp) | set(act), key=str):
            if k == "columns_approx":
                continue
            if k not in act or k not in exp:
                out.append(f"{path}.{k}: {'missing now' if k not in act else 'new'}")
            elif k == "columns_sha":
                for c in sorted(set(exp[k]) | set(act[k])):
                    e, a = exp[k].get(c), act[k].get(c)
                    if e != a:
                        note = ""
                        if c in approx_e and approx_e.get(c) == approx_a.get(c):
                            note = " (float noise only: equal at 10 significant digits)"
                        out.append(f"{path} column {c!r}: {e} -> {a}{note}")
            else:
                out.extend(_diff(f"{path}.{k}", exp[k], act[k]))
        return out
    if exp != act:
        return [f"{path}: {_short(exp)} -> {_short(act)}"]
    return []


def _short(v) -> str:
    s = json.dumps(v, default=str)
    return s if len(s) <= 200 else s[:200] + "..."


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help="regenerate tests/golden/*.json")
    p.add_argument("--only", action="append", choices=list(DATASETS),
                   help="this dataset only (repeatable)")
    p.add_argument("--out", type=Path, default=None,
                   help="write the fingerprints to this folder instead of tests/golden")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP pages")
    p.add_argument("-v", "--verbose", action="store_true", help="time each output")
    args = p.parse_args(argv)
    if not os.environ.get("UNGGULAN_CACHE_DIR"):
        print("note: UNGGULAN_CACHE_DIR is not set: results may be read from the default "
              "disk cache", file=sys.stderr)
    failed = 0
    for name in args.only or list(DATASETS):
        folder = DATASETS[name]
        if folder is not None and not folder.exists():
            print(f"{name}: {folder} missing, skipped", file=sys.stderr)
            continue
        log = (lambda m: print(m, file=sys.stderr)) if args.verbose else None
        actual = compute(name, http=not args.no_http, log=log)
        target = (args.out / f"{name}.json") if args.out else golden_path(name)
        if args.write or args.out:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")
            print(f"{name}: wrote {target} ({len(actual)} outputs)")
            continue
        expected = json.loads(target.read_text(encoding="utf-8"))
        diffs = compare(expected, actual)
        if diffs:
            failed += 1
            print(f"{name}: {len(diffs)} differences")
            for d in diffs:
                print("  " + d)
        else:
            print(f"{name}: identical ({len(actual)} outputs)")
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
