"""Giving freed memory back to the operating system between the large steps of a run.

A national run builds and frees frames of hundreds of megabytes one after another. glibc's
allocator keeps much of what is freed inside the process (pieces of its heap between live
blocks), so the resident size grows past what is alive and the next step's temporaries
come on top of it. ``malloc_trim(0)`` returns those free pages; it costs a few milliseconds
and changes no result. Elsewhere than glibc (macOS, Windows, musl) this does nothing.

Measured on the benchmark's national layer (84,000 desa, 100,000 sentra): the resident
size after the land suitability 1.74 GB without it, 1.35 GB with it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from functools import cache


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
