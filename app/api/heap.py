"""Keeping the cycle collector's pauses out of the answers.

A service holding a national dataset keeps about 600,000 container objects alive (frames,
records prepared per area). Python's cycle collector walks all of them in a full collection:
135 ms on the benchmark's national dataset, every so often in the middle of some request, so
that one answer in a hundred waited for it (HTTP p99 several times the median). Objects that
stay for the dataset's life are therefore moved out of the collector's sight once built
(:func:`gc.freeze`, as long-running Python services do), and given back to it when a
dataset is replaced (:func:`gc.unfreeze`), so that the old one can be collected.
"""

from __future__ import annotations

import gc
import threading

_LOCK = threading.Lock()


def settle() -> None:
    """After a long-lived result was built and kept (a dataset opened, a level's candidates
    prepared): collect what is garbage now, including what was frozen before and has gone
    since (a result let go from memory, a replaced dataset), then freeze every surviving
    object. A full walk (about 135 ms nationally), only after work that took far longer.

    Examples
    --------
    >>> settle()
    >>> gc.get_freeze_count() > 0
    True
    >>> thaw()
    """
    with _LOCK:
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def thaw() -> None:
    """Before a dataset is replaced: frozen objects are seen by the collector again."""
    with _LOCK:
        gc.unfreeze()
