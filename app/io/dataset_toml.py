"""Writing a ``dataset.toml`` that records what was read and guessed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import tomli_w


def _rel(path: str | Path, root: Path) -> str:
    p = Path(path).resolve()
    try:
        return p.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(p)


def guessed_config(ds) -> dict:
    """The dataset's effective configuration as a TOML-ready dict."""
    root = ds.folder
    doc: dict = {"name": ds.name}
    if ds.synthetic:
        doc["synthetic"] = True
    bounds: dict = {}
    for level, info in ds.layer_info.items():
        if info.dissolved:
            continue
        entry = {"path": _rel(info.file, root)}
        if info.layer:
            entry["layer"] = info.layer
        if info.code_column:
            entry["code"] = info.code_column
        if info.name_column:
            entry["name"] = info.name_column
        if info.code_system:
            entry["code_system"] = info.code_system
        bounds[level] = entry
    doc["boundaries"] = bounds
    if ds.sentra_sources:
        src = ds.sentra_sources[0]
        sentra: dict = {"path": _rel(src.file, root)}
        for key in ("sep", "decimal", "encoding"):
            val = getattr(src, key)
            if val:
                sentra[key] = val
        sentra.update(src.columns)
        doc["sentra"] = sentra
    doc["rasters"] = {a: _rel(r.path, root) for a, r in ds.rasters.items()}
    stats = []
    for rep in ds.statistics_reports:
        entry = {"path": _rel(rep.file, root)}
        if rep.sheet:
            entry["sheet"] = rep.sheet
        if rep.level:
            entry["area_level"] = rep.level
        if entry not in stats:
            stats.append(entry)
    if stats:
        doc["statistics"] = stats
    return doc


def write_guessed_config(ds, target: Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    text = (
        "# Written by `unggulan init` from what it guessed. Correct what is wrong;\n"
        "# every key is optional and a missing one is guessed again.\n"
        + tomli_w.dumps(guessed_config(ds))
    )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dataset-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
