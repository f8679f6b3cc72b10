"""Writing a ``dataset.toml`` that records what was read and guessed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import tomli_w

from unggulan.base.paths import resolve_in


def _rel(path: str | Path, root: Path) -> str:
    p = Path(path).resolve()
    try:
        return p.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(p)


def guessed_config(ds) -> dict:
    """The dataset's effective configuration as a TOML-ready dict: what ``dataset.toml``
    already said (kept), then what was guessed. Codes the tool made (derived from names) are
    no column of the file and are left out (``validate`` would refuse them)."""
    root = ds.folder
    own = ds.config.model_dump(exclude_defaults=True)
    doc: dict = {"name": ds.name}
    for key in ("kabupaten_code", "synthetic", "commodities"):
        if own.get(key):
            doc[key] = own[key]
    if ds.synthetic:
        doc["synthetic"] = True
    bounds: dict = {}
    for level, info in ds.layer_info.items():
        if info.dissolved:
            continue
        entry = {"path": _rel(info.file, root)}
        if info.layer:
            entry["layer"] = info.layer
        # a column of the file (guessed or configured); codes the tool made (derived from
        # names, from a codes table or from the desa inside) name none
        if info.code_column and info.guessed.get("code") == info.code_column:
            entry["code"] = info.code_column
        if info.name_column:
            entry["name"] = info.name_column
        if info.code_system:
            entry["code_system"] = info.code_system
        for key, val in own.get("boundaries", {}).get(level, {}).items():
            if key == "code" and not _has_field(info.file, info.layer, val):
                continue  # e.g. "(kode turunan / derived code)" from an older init
            if key == "codes":
                val = _rel(resolve_in(root, val), root)
            entry.setdefault(key, val)
        bounds[level] = entry
    doc["boundaries"] = bounds
    readable = [src for src in ds.sentra_sources if src.columns]
    if readable:
        src = readable[0]
        # one file is named only when there is one: a path would hide the others
        sentra: dict = {"path": _rel(src.file, root)} if len(ds.sentra_sources) == 1 else {}
        for key in ("sep", "decimal", "encoding", "sheet"):  # what every file shares
            val = getattr(src, key)
            if val and all(getattr(s, key) == val for s in readable):
                sentra[key] = val
        if all(s.columns == src.columns for s in readable):
            sentra.update(src.columns)
        for key, val in own.get("sentra", {}).items():
            sentra.setdefault(key, val)
        doc["sentra"] = sentra
    doc["rasters"] = {**own.get("rasters", {}),
                      **{a: _rel(r.path, root) for a, r in ds.rasters.items()}}
    stats = [dict(e) for e in own.get("statistics", [])]
    for rep in ds.statistics_reports:
        entry = {"path": _rel(rep.file, root)}
        if rep.sheet:
            entry["sheet"] = rep.sheet
        if any(_same_table(e, entry, root) for e in stats):
            continue
        if rep.level:
            entry["area_level"] = rep.level
        stats.append(entry)
    if stats:
        doc["statistics"] = stats
    return doc


def _has_field(path: str | None, layer: str | None, column: str) -> bool:
    """Whether ``column`` is a field of the vector file (True when it cannot be read: the
    setting is kept as it was)."""
    import pyogrio

    try:
        return column in list(pyogrio.read_info(path, layer=layer)["fields"])
    except Exception:  # noqa: BLE001  an unreadable file says nothing against the setting
        return True


def _same_table(a: dict, b: dict, root: Path) -> bool:
    def where(e):
        return (resolve_in(root, e["path"]).resolve(), e.get("sheet"))

    return where(a) == where(b)


def _notes(ds) -> str:
    """Commented lines for what ``init`` cannot know: the kabupaten code of derived codes."""
    derived = [lv for lv, info in ds.layer_info.items() if info.codes_derived]
    if not derived or ds.config.kabupaten_code:
        return ""
    return (
        f"# The {' and '.join(derived)} layer has names but no codes: codes were derived from "
        "the sorted\n# names under kabupaten 00.00. Give the kabupaten's Kemendagri code so "
        "that they start\n# with it (uncomment), or official codes with codes = \"file.csv\" "
        "under [boundaries.<level>]. E.g. for Kabupaten Bone:\n# kabupaten_code = "
        "\"73.08\"\n")


def write_guessed_config(ds, target: Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    text = (
        "# Written by `unggulan init` from what it guessed. Correct what is wrong;\n"
        "# every key is optional and a missing one is guessed again.\n"
        + _notes(ds) + tomli_w.dumps(guessed_config(ds))
    )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dataset-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
