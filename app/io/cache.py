"""Results kept on disk between runs and shared by worker processes: pickles written
atomically (temp file, fsync, rename), read back or, when damaged, removed and recomputed."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

log = logging.getLogger(__name__)


def read_pickle(path: Path):
    """The object stored at ``path``, or None when there is none or it cannot be read (a
    damaged file is removed so that it is written again)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # truncated, from another version, ...
        log.warning("result cache %s unreadable (%s): recomputed", path, exc)
        path.unlink(missing_ok=True)
        return None


def write_pickle(path: Path, obj) -> None:
    """Store ``obj`` at ``path`` atomically; a full or read-only disk only logs a warning."""
    from unggulan.io.exports import _atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _atomic(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        log.warning("result cache %s not written (%s)", path, exc)
