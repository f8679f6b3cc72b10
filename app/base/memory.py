"""Giving freed memory back to the operating system between the large steps of a run.

A national run builds and frees frames of hundreds of megabytes one after another. glibc's
allocator keeps much of what is freed inside the process (pieces of its heap between live
blocks), so the resident size grows past what is alive and the next step's temporaries
come on top of it. ``malloc_trim(0)`` returns those free pages; it costs a few milliseconds
and changes no result. Elsewhere than glibc (macOS, Windows, musl) this does nothing.

Measured on the benchmark's national layer (84,000 desa, 100,000 sentra): the resident
size after the land suitability 1.74 GB without it, 1.35 GB with it.

pandas keeps text in Arrow arrays, and pyarrow allocates them from its own pool (mimalloc or
jemalloc), which keeps what is freed for later and answers no ``malloc_trim``.
:func:`arrow_from_system_allocator` points pyarrow at the system allocator instead, so the
same trimming reaches Arrow's memory too: the national layer opened 888 MiB instead of 983,
its desa candidates peaked 2,997-3,016 MiB instead of 3,042-3,044 and took 41-44 s instead of
46-47 (two runs each). A pool chosen by the user (``ARROW_DEFAULT_MEMORY_POOL``) is kept.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from functools import cache
from typing import TypeVar

import pandas as pd

T = TypeVar("T", pd.DataFrame, pd.Series)


@cache
def _malloc_trim():
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return the allocator's free pages to the operating system (glibc only).

    Returns whether anything could be asked of the allocator.

    Examples
    --------
    >>> release_freed_memory() in (True, False)
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@cache
def arrow_from_system_allocator() -> bool:
    """Let pyarrow allocate from the system allocator (``malloc``), whose freed memory
    :func:`release_freed_memory` returns, unless ``ARROW_DEFAULT_MEMORY_POOL`` names a pool
    (the user's choice stays). Once per process; returns whether the pool was changed.

    >>> arrow_from_system_allocator() in (True, False)
    True
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return False
    try:
        import pyarrow as pa
    except ImportError:
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True


#: pandas 3 and later: copy-on-write always (a frame sharing data with another copies it
#: when either is changed)
COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def handed_copy(frame: T) -> T:
    """A cached frame to hand to a caller who may change it: with copy-on-write (pandas 3) a
    shallow copy, whose changes never reach the cache (the data is copied where either side
    writes), so handing out a national result costs no copy of it; a deep copy before.

    >>> df = pd.DataFrame({"x": [1, 2]})
    >>> out = handed_copy(df)
    >>> out.loc[0, "x"] = 9
    >>> df["x"].tolist()
    [1, 2]
    """
    return frame.copy(deep=not COPY_ON_WRITE)
