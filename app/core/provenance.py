"""Fingerprints that tie an output to its scenario, its input files and the tool's version.

- :func:`file_digest`: sha256 of a file's bytes, read in 1 MiB blocks and cached by
  ``(path, size, mtime_ns)`` so an unchanged file is read once per process.
- :func:`inputs_hash`: sha256 over the inputs' *names and contents* (each input named by the
  role given, or by its path relative to the inputs' common folder, then sorted), plus an
  ``extra`` dict (e.g. the dataset.toml settings); modification times and absolute paths do
  not enter, so the same data copied elsewhere gives the same hash. A folder stands for every
  file below it (names starting with ``.`` are skipped).
- :func:`run_hash`: 16 hex characters from scenario hash, inputs hash and version, short
  enough for a map label ("run 3f9c2a1b0d4e5f60").

>>> len(run_hash("a" * 64, "b" * 64, "0.1.0"))
16
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from unggulan.base.errors import DatasetError
from unggulan.io.cache import BLOCK, file_digest  # noqa: F401  (re-exported)


def canon_float(x: float) -> float:
    """A float rounded so that platform noise in the last bits does not change a hash."""
    return float(f"{x:.12g}")


def canonical_json(obj: object) -> str:
    """Sorted keys, no spaces, UTF-8, floats rounded to 12 significant digits.

    >>> canonical_json({"b": 1 / 3, "a": [1, "x"]})
    '{"a":[1,"x"],"b":0.333333333333}'
    """
    def fix(o: object) -> object:
        if isinstance(o, (set, frozenset)):
            o = sorted(o, key=str)
        if not isinstance(o, (str, int, float, dict, list, tuple, type(None))):
            o = o.item() if hasattr(o, "item") else str(o)  # numpy scalars, paths
        if isinstance(o, float):
            if not math.isfinite(o):
                raise ValueError(f"{o} cannot be hashed")
            return canon_float(o)
        if isinstance(o, dict):
            return {str(k): fix(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [fix(v) for v in o]
        return o

    return json.dumps(fix(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return out


def _named(paths: Iterable[str | Path] | Mapping[str, str | Path]) -> list[tuple[str, Path]]:
    """(name, file) pairs: a mapping's keys are roles; a list is named relative to its
    common folder; a folder expands to its files."""
    if isinstance(paths, Mapping):
        items = [(str(k), Path(v)) for k, v in paths.items()]
    else:
        ps = [Path(p) for p in paths]
        if not ps:
            return []
        resolved = [p.resolve() for p in ps]
        parents = [r if r.is_dir() else r.parent for r in resolved]
        common = Path(os.path.commonpath([str(r) for r in parents]))
        items = [(r.relative_to(common).as_posix() if r != common else ".", p)
                 for r, p in zip(resolved, ps, strict=True)]
    out: list[tuple[str, Path]] = []
    for name, p in items:
        if p.is_dir():
            root = p.resolve()
            for f in _files(root):
                rel = f.relative_to(root).as_posix()
                out.append((rel if name == "." else f"{name}/{rel}", f))
        else:
            out.append((name, p))
    return out


def inputs_hash(paths: Iterable[str | Path] | Mapping[str, str | Path],
                extra: Mapping | None = None) -> str:
    """sha256 (hex) over the inputs' names and contents and ``extra`` (canonical JSON).

    Parameters
    ----------
    paths
        Files or folders; a mapping ``{role: path}`` names each input by its role (e.g.
        ``{"boundaries/desa": ..., "sentra": ...}``), a list by the path relative to the
        inputs' common folder.
    extra
        Settings that change the result without being a file (JSON-serialisable).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x"); _ = (d / "b.csv").write_text("y")
    >>> inputs_hash([d / "a.csv", d / "b.csv"]) == inputs_hash([d / "b.csv", d / "a.csv"])
    True
    """
    named = _named(paths)
    names = [n for n, _ in named]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DatasetError(f"two inputs share the name {', '.join(dup)}; name them by role")
    lines = [f"{name}\t{file_digest(p)}" for name, p in sorted(named)]
    lines.append("extra\t" + canonical_json(dict(extra or {})))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def run_hash(scenario_hash: str, inputs_hash: str, version: str) -> str:
    """16 hex characters identifying a run: scenario, inputs and tool version.

    >>> run_hash("s", "i", "0.1.0") == run_hash("s", "i", "0.1.0") != run_hash("s", "i", "0.2")
    True
    """
    text = f"scenario\t{scenario_hash}\ninputs\t{inputs_hash}\nversion\t{version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
