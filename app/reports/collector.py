"""Python's cyclic garbage collector paused while a brief is drawn (:func:`gc_paused`)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_GC_LOCK = threading.Lock()
_GC = {"pauses": 0, "was_enabled": True}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the duration (nested, and across threads:
    until the last one leaves), then one collection of the objects made meanwhile.

    WeasyPrint makes about a million objects for a kabupaten's brief; with the collector
    on, each full collection walks all of them and every other object of the process (the
    dataset of a service): 2-5 s of a 10-13 s brief, for cycles that die with the
    document. Paused, they are collected once at the end (about 0.5 s, counted in the
    brief's time: the objects made while paused are all in the young generation).

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    with _GC_LOCK:
        if _GC["pauses"] == 0:
            _GC["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC["pauses"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC["pauses"] -= 1
            last = _GC["pauses"] == 0
            if last and _GC["was_enabled"]:
                gc.enable()
        if last and gc.isenabled():
            gc.collect(0)
