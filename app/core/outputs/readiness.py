"""What a dataset's commands can do with what was read: the verdict of ``unggulan validate``.

A dataset that opens (:meth:`unggulan.core.dataset.Dataset.open` raises when it cannot) always
has areas; each command then needs its own inputs. The levels of a problem say what it blocks:

* **error** (*galat*): an input was left out whole or cannot be used as given (areas without a
  polygon, a raster without data or off the areas, a sentra file that cannot be read, a
  configured file or sheet that is not there). The outputs that need it lack it until it is
  fixed: ``validate`` exits 1 and names what each error blocks;
* **warning** (*peringatan*): a part was left out or guessed (a cell, a row, a name not
  matched, a table skipped, a raster unit that looks wrong): every command runs, on the rest;
* **info**: what was read, guessed or repaired; nothing is left out.
"""

from __future__ import annotations

from pathlib import Path

#: what each level of problem blocks (shown by ``unggulan validate``, in its JSON too)
SEVERITY_MEANING = {
    "error": "an input left out whole or unusable as given: the outputs that need it lack it "
             "until it is fixed (validate exits 1)",
    "warning": "a cell, row, name or table left out or guessed: every command runs on the rest",
    "info": "what was read, guessed or repaired: nothing is left out",
}


def _resolved(path: str | Path | None) -> Path | None:
    if not path:
        return None
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path)


def problem_blocks(ds, problem) -> str | None:
    """What an error blocks, from the input it concerns (None for warnings and info)."""
    if problem.severity != "error":
        return None
    where = _resolved(problem.file)
    for lv, info in ds.layer_info.items():
        if where is not None and where == _resolved(info.file):
            return (f"the {lv} areas left out are missing from every output (maps, exports, "
                    "candidates, analyses)")
    fld = problem.field or ""
    name = Path(problem.file).name.lower()
    if fld.startswith("rasters.") or Path(problem.file).suffix.lower() in (".tif", ".tiff",
                                                                             ".asc", ".vrt"):
        attr = fld.split(".", 1)[1] if "." in fld else name
        return (f"land suitability without '{attr}': suitability, attributes and the land "
                "part of propose/brief/map miss it")
    sentra = {_resolved(s.file) for s in ds.sentra_sources}
    if where in sentra or "sentra" in name:
        return ("the sentra of this file: propose, brief and maps miss their activity, and "
                "analyse on sentra workers/units")
    if "statisti" in str(problem.file).lower():
        return "this table's values: analyse and the statistics evidence of propose"
    return "the outputs that need this input"


def commands(ds) -> dict[str, dict]:
    """Each command: ``ready`` (runs), ``complete`` (runs with every kind of evidence) and
    ``note`` (what it works on, or what is missing)."""
    st = ds.statistics()
    series = st[~st["ratio"].astype(bool) & st["year"].notna()] if len(st) else st
    measures = sorted(set(series["measure"])) if len(series) else []
    placed = int(ds.sentra_records["desa_code"].notna().sum())
    n_rasters = len(ds.rasters)
    levels = ", ".join(f"{len(ds.layers[lv])} {lv}" for lv in ds.levels)
    out = {
        "export (areas)": (True, True, f"areas: {levels}"),
        "analyse": (bool(measures or placed), bool(measures),
                    (f"statistics: {', '.join(measures)}" if measures else
                     "no statistics series: only slq, specialisation and localisation on "
                     "sentra workers/units" if placed else
                     "no statistics tables read and no sentra placed")),
        "attributes / suitability": (n_rasters > 0, n_rasters > 0,
                                     f"{n_rasters} raster(s): {', '.join(ds.rasters)}"
                                     if n_rasters else "no rasters (put them in agroecology/)"),
    }
    evidence = [w for w, ok in (("land suitability", n_rasters > 0),
                                (f"{placed} placed sentra", placed > 0),
                                ("statistics", bool(measures))) if ok]
    missing = [w for w, ok in (("land suitability (no rasters)", n_rasters > 0),
                               ("sentra (none placed)", placed > 0),
                               ("statistics (none read)", bool(measures))) if not ok]
    out["propose / brief / map"] = (
        bool(evidence), not missing,
        "on " + ", ".join(evidence) + (f"; without {', '.join(missing)}" if missing else "")
        if evidence else "no evidence: no rasters, no placed sentra, no statistics")
    return {k: {"ready": r, "complete": c, "note": n} for k, (r, c, n) in out.items()}
