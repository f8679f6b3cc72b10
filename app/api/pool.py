"""Bounded worker pools for the expensive kinds of request.

FastAPI runs a sync route on one shared pool of 40 threads; under load the threads of every
kind then share the interpreter's lock, and an expensive kind (an area's detail, an export,
a ranking with new weights) gets a fortieth of the CPU while its clients wait: under 50
clients the area details of a kecamatan took 33 s (1 s alone). Each expensive kind runs here
on the threads of the default pool but at most ``LIMITS[kind]`` at a time; the others of that
kind wait their turn in order (a fair queue), on the event loop, holding no thread, so cheap
requests keep their share of the CPU and an expensive request, once started, is not slowed
by forty others.

Examples
--------
>>> import anyio
>>> anyio.run(run, "export", sum, [1, 2, 3])
6
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

T = TypeVar("T")

#: how many requests of each expensive kind run at once (per worker process)
LIMITS = {
    "area detail": 2,
    "candidates": 2,
    "export": 2,
    "brief": 1,
}

_limiters: anyio.lowlevel.RunVar[dict[str, anyio.CapacityLimiter]] = \
    anyio.lowlevel.RunVar("unggulan_pool_limiters")


def limiter(kind: str) -> anyio.CapacityLimiter:
    """The capacity limiter of ``kind`` in the running event loop (made on first use)."""
    try:
        by_kind = _limiters.get()
    except LookupError:
        by_kind = {}
        _limiters.set(by_kind)
    lim = by_kind.get(kind)
    if lim is None:
        lim = by_kind[kind] = anyio.CapacityLimiter(LIMITS[kind])
    return lim


async def run(kind: str, fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` on a worker thread, at most ``LIMITS[kind]`` of ``kind`` at
    once."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                          limiter=limiter(kind))


class Lru:
    """The last ``size`` values made, by key; thread-safe (a value may be made twice when
    two threads ask for a missing key at once; the first kept wins).

    >>> kept = Lru(2)
    >>> [kept.get(k, lambda: k * 10) for k in (1, 2, 1, 3)]
    [10, 20, 10, 30]
    >>> list(kept.values)  # 2 was the least recently used
    [1, 3]
    """

    def __init__(self, size: int):
        import threading
        from collections import OrderedDict

        self.size = size
        self.values: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def peek(self, key):
        """The value of ``key`` (now the most recently used), or None."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        return None

    def get(self, key, make: Callable[[], T]) -> T:
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = make()
        with self.lock:
            value = self.values.setdefault(key, value)
            self.values.move_to_end(key)
            while len(self.values) > self.size:
                self.values.popitem(last=False)
        return value
