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

The functions here take what was read; :meth:`unggulan.core.dataset.Dataset.readiness` and
:meth:`~unggulan.core.dataset.Dataset.summary` give it to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

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


def problem_blocks(problem, boundaries: Mapping[str, str | Path | None],
                   sentra_files: Iterable[str | Path]) -> str | None:
    """What an error blocks, from the input it concerns (None for warnings and info).

    ``boundaries``: the boundary file of each level; ``sentra_files``: the sentra files read.

    Examples
    --------
    >>> from unggulan.base.problems import Problem
    >>> problem_blocks(Problem("error", "agroecology/ph.tif", "no data"), {}, [])[:33]
    "land suitability without 'ph.tif'"
    >>> problem_blocks(Problem("warning", "sentra/a.csv", "a row left out"), {}, []) is None
    True
    """
    if problem.severity != "error":
        return None
    where = _resolved(problem.file)
    for lv, file in boundaries.items():
        if where is not None and where == _resolved(file):
            return (f"the {lv} areas left out are missing from every output (maps, exports, "
                    "candidates, analyses)")
    fld = problem.field or ""
    name = Path(problem.file).name.lower()
    if fld.startswith("rasters.") or Path(problem.file).suffix.lower() in (".tif", ".tiff",
                                                                             ".asc", ".vrt"):
        attr = fld.split(".", 1)[1] if "." in fld else name
        return (f"land suitability without '{attr}': suitability, attributes and the land "
                "part of propose/brief/map miss it")
    sentra = {_resolved(f) for f in sentra_files}
    if where in sentra or "sentra" in name:
        return ("the sentra of this file: propose, brief and maps miss their activity, and "
                "analyse on sentra workers/units")
    if "statisti" in str(problem.file).lower():
        return "this table's values: analyse and the statistics evidence of propose"
    return "the outputs that need this input"


def commands(statistics: pd.DataFrame, sentra: pd.DataFrame, rasters: Sequence[str],
             areas: Mapping[str, int]) -> dict[str, dict]:
    """Each command: ``ready`` (runs), ``complete`` (runs with every kind of evidence) and
    ``note`` (what it works on, or what is missing).

    ``statistics``: the statistics read (long, :meth:`unggulan.core.dataset.Dataset.statistics`);
    ``sentra``: the sentra records (``desa_code`` where placed); ``rasters``: the attributes
    of the rasters read; ``areas``: the number of areas of each level, in level order.

    Examples
    --------
    >>> import pandas as pd
    >>> none = pd.DataFrame(columns=["ratio", "year", "measure"])
    >>> c = commands(none, pd.DataFrame({"desa_code": [None]}), ["elevation"], {"desa": 3})
    >>> c["export (areas)"]["note"], c["analyse"]["ready"], c["propose / brief / map"]["ready"]
    ('areas: 3 desa', False, True)
    """
    st = statistics
    series = st[~st["ratio"].astype(bool) & st["year"].notna()] if len(st) else st
    measures = sorted(set(series["measure"])) if len(series) else []
    placed = int(sentra["desa_code"].notna().sum())
    n_rasters = len(rasters)
    levels = ", ".join(f"{n} {lv}" for lv, n in areas.items())
    out = {
        "export (areas)": (True, True, f"areas: {levels}"),
        "analyse": (bool(measures or placed), bool(measures),
                    (f"statistics: {', '.join(measures)}" if measures else
                     "no statistics series: only slq, specialisation and localisation on "
                     "sentra workers/units" if placed else
                     "no statistics tables read and no sentra placed")),
        "attributes / suitability": (n_rasters > 0, n_rasters > 0,
                                     f"{n_rasters} raster(s): {', '.join(rasters)}"
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
