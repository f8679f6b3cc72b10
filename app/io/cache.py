"""Results kept on disk between runs and shared by worker processes: pickles written
atomically (temp file, fsync, rename), read back or, when damaged, removed and recomputed."""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections import OrderedDict
from pathlib import Path

from unggulan.base.errors import DatasetError

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
    from unggulan.io.exports import atomic_replace  # lazy: exports loads geopandas (heavy)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_replace(path) as tmp, open(tmp, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        log.warning("result cache %s not written (%s)", path, exc)


BLOCK = 1 << 20
CACHE_SIZE = 4096
_cache: OrderedDict[tuple[str, int, int], str] = OrderedDict()
_lock = threading.Lock()


def file_digest(path: str | Path) -> str:
    """sha256 (hex) of the file's content, cached by (path, size, mtime_ns).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> file_digest(p)[:16]
    'ba7816bf8f01cfea'
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DatasetError("input file not found", path=p) from None
    if not p.is_file():
        raise DatasetError("not a file", path=p)
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    h = hashlib.sha256()
    with p.open("rb") as fh:
        while block := fh.read(BLOCK):
            h.update(block)
    digest = h.hexdigest()
    with _lock:
        _cache[key] = digest
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return digest
