"""Bounded lanes for the expensive kinds of request, and the answers kept per dataset.

FastAPI runs a sync route on one shared pool of 40 threads; under load the threads of every
kind then share the interpreter's lock, and an expensive kind (an area's detail, an export,
a ranking with new weights) gets a fortieth of the CPU while its clients wait: under 50
clients the area details of a kecamatan took 33 s (1 s alone). Each expensive kind runs here
on worker threads but at most ``LIMITS[kind]`` at a time (its *lane*); the others of that kind
wait their turn in order (a fair queue), on the event loop, holding no thread, so that cheap
requests keep their share of the CPU and an expensive request, once started, is not slowed
by forty others. No request is refused: a full lane queues (the load benchmark counts a 503
as an error).

What has been made once is answered without any lane: :func:`kept_or_run` looks the answer up
on the event loop (:meth:`Lru.peek`, no thread, no lock held for long) and goes to the lane only
when it is missing. :func:`kept` is the bounded store of such answers on the dataset
(:meth:`unggulan.core.dataset.Dataset.cached`): a reloaded dataset starts with an empty one.

Examples
--------
>>> import anyio
>>> anyio.run(run, "export", sum, [1, 2, 3])
6
>>> store = Lru(4)
>>> anyio.run(kept_or_run, "candidates", store, "k", sum, [1, 2])
3
>>> store.peek("k")  # the second ask is a lookup on the event loop
3
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

T = TypeVar("T")

#: how many requests of each expensive kind run at once (per worker process)
LIMITS = {
    "area detail": 2,  # the first of a level explains the whole level (seconds); then lookups
    "area candidates": 2,  # one area's candidates under weights not prepared yet
    "candidates": 2,  # the candidates listing (a ranking of every area for new weights)
    "export": 2,
    "brief": 1,
    "zones": 1,  # commodity zones of a run (candidates, contiguity, stability)
}

_limiters: anyio.lowlevel.RunVar[dict[str, anyio.CapacityLimiter]] = \
    anyio.lowlevel.RunVar("unggulan_pool_limiters")


def limiter(kind: str) -> anyio.CapacityLimiter:
    """The capacity limiter of ``kind``'s lane in the running event loop (made on first
    use)."""
    try:
        by_kind = _limiters.get()
    except LookupError:
        by_kind = {}
        _limiters.set(by_kind)
    lim = by_kind.get(kind)
    if lim is None:
        lim = by_kind[kind] = anyio.CapacityLimiter(LIMITS[kind])
    return lim


async def run(kind: str | None, fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` on a worker thread, at most ``LIMITS[kind]`` of ``kind`` at
    once (``kind`` None: on the default thread pool of the cheap routes)."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                          limiter=limiter(kind) if kind else None)


async def kept_or_run(kind: str | None, store: Lru, key: Hashable, make: Callable[..., T],
                      *args, **kwargs) -> T:
    """The value of ``key`` in ``store`` if it is there (looked up on the event loop: no
    thread, no lane), else ``make(*args, **kwargs)`` on ``kind``'s lane (see :func:`run`),
    kept in ``store``.
    An exception of ``make`` is raised and nothing is kept."""
    hit = store.peek(key)
    if hit is not None:
        return hit
    return await run(kind, store.get, key, functools.partial(make, *args, **kwargs))


def kept(ds, name: str, size: int, max_bytes: int | None = None) -> Lru:
    """The store ``name`` of answers kept on dataset ``ds`` (made on first use, with room for
    ``size`` values and, with ``max_bytes``, at most that many bytes of bodies; see
    :class:`Lru`). Reloading the dataset starts a new, empty store."""
    return ds.cached(("api", "kept", name), lambda: Lru(size, max_bytes=max_bytes))


def body_bytes(value) -> int:
    """The bytes an answer kept by :class:`Lru` holds: its length for ``bytes``, the sum of
    the ``bytes`` items of a tuple, 0 otherwise.

    >>> body_bytes(b"abc"), body_bytes((b"ab", {"x": "y"}, b"c")), body_bytes(3)
    (3, 3, 0)
    """
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, tuple):
        return sum(len(v) for v in value if isinstance(v, bytes | bytearray))
    return 0


class Lru:
    """The last ``size`` values made, by key; with ``max_bytes``, also at most that many bytes
    of bodies together (:func:`body_bytes`; a single value larger than ``max_bytes`` is
    returned but not kept). Thread-safe (a value may be made twice when two threads ask for
    a missing key at once; the first kept wins).

    >>> kept = Lru(2)
    >>> [kept.get(k, lambda: k * 10) for k in (1, 2, 1, 3)]
    [10, 20, 10, 30]
    >>> list(kept.values)  # 2 was the least recently used
    [1, 3]
    >>> small = Lru(10, max_bytes=5)
    >>> [small.get(k, lambda: b"abc") for k in "xy"], list(small.values), small.bytes
    ([b'abc', b'abc'], ['y'], 3)
    >>> small.get("z", lambda: b"too long"), "z" in small.values
    (b'too long', False)
    """

    def __init__(self, size: int, max_bytes: int | None = None):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
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
        """The value of ``key``, made by ``make()`` and kept when it is missing."""
        with self.lock:
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = make()
        weight = body_bytes(value) if self.max_bytes is not None else 0
        if self.max_bytes is not None and weight > self.max_bytes:
            return value
        with self.lock:
            if key in self.values:
                value = self.values[key]
            else:
                self.values[key] = value
                self.bytes += weight
            self.values.move_to_end(key)
            while len(self.values) > self.size or (
                    self.max_bytes is not None and self.bytes > self.max_bytes):
                _, old = self.values.popitem(last=False)
                if self.max_bytes is not None:
                    self.bytes -= body_bytes(old)
        return value
