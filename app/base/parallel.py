"""Running independent steps of one run side by side, in forked processes.

A national run has steps that do not depend on each other: the statistics' evidence (tables)
does not need the land suitability (rasters), and the candidates of one block of areas do not
need another block's. Python threads do not run such pandas and numpy work in parallel (the
GIL), so with ``workers`` of two or more (``UNGGULAN_WORKERS``) these steps run in a child
process made by ``fork``: the child sees the parent's frames without copying them (pages are
shared until written), computes, and sends back its result (pickled through a pipe).

Where ``fork`` is not available or not safe to rely on (Windows, macOS) or ``workers`` is 1,
everything runs in the calling process, one step after another: the results are the same
either way, only the time differs.

Examples
--------
>>> job = in_background(sum, [1, 2, 3], workers=1)   # one worker: computed right here
>>> job.result()
6
>>> in_blocks(lambda part: [x * 2 for x in part], [[1, 2], [3]], workers=1)
[[2, 4], [6]]
"""

from __future__ import annotations

import multiprocessing as mp
import platform
import traceback
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """Whether steps may run in forked processes here (Linux: yes; macOS's and Windows'
    system libraries are not fork-safe, so no)."""
    return platform.system() == "Linux" and "fork" in mp.get_all_start_methods()


def _child(conn, fn, args) -> None:
    try:
        value = ("ok", fn(*args))
    except BaseException as exc:  # sent back whole: raised again by the parent
        value = ("error", exc, traceback.format_exc())
    try:
        conn.send(value)
    except Exception as exc:  # (an unpicklable exception or value)
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), ""))
    finally:
        conn.close()


class Background(Generic[T]):
    """A step started by :func:`in_background`: :meth:`result` waits for its value (an
    exception raised in the step is raised again here)."""

    def __init__(self, fn: Callable[..., T], args: tuple, fork: bool):
        self._value: tuple | None = None
        self._process = None
        if not fork:
            try:
                self._value = ("ok", fn(*args))
            except Exception as exc:  # raised by result(), where the value is asked for
                self._value = ("error", exc, "")
            return
        ctx = mp.get_context("fork")
        self._conn, child_end = ctx.Pipe(duplex=False)
        # with fork, the target and its arguments are inherited, not pickled
        self._process = ctx.Process(target=_child, args=(child_end, fn, args), daemon=True)
        self._process.start()
        child_end.close()

    def cancel(self) -> None:
        """Stop the step if it still runs (the caller failed before it needed the value)."""
        if self._process is not None and self._value is None:
            self._process.terminate()
            self._process.join()
            self._conn.close()
            self._value = ("error", RuntimeError("the background step was cancelled"), "")

    def result(self) -> T:
        if self._value is None:
            try:
                self._value = self._conn.recv()
            except EOFError:  # the child died without an answer (killed: out of memory?)
                self._process.join()
                raise RuntimeError(f"a background step's process ended with exit code "
                                   f"{self._process.exitcode} without a result") from None
            finally:
                self._conn.close()
            self._process.join()
        if self._value[0] == "error":
            raise self._value[1]
        return self._value[1]

    def take(self) -> T:
        """:meth:`result`, no longer held by the step: the caller's to hand over or free
        (a large value's memory goes when the caller lets it go)."""
        value = self.result()
        self._value = ("error", RuntimeError("the background step's value was taken"), "")
        return value


def in_background(fn: Callable[..., T], *args, workers: int = 1) -> Background[T]:
    """``fn(*args)`` in a forked child process when ``workers`` > 1 and fork is available
    (:func:`can_fork`), else right away in this process; ``.result()`` gives its value
    (or raises its exception).

    The child sees the parent's memory as it was at the call (fork), so ``fn`` may read
    large frames without their being copied; its value is pickled back.
    """
    return Background(fn, args, fork=workers > 1 and can_fork())


def in_blocks(fn: Callable[[T], object], blocks: Sequence[T], workers: int = 1) -> list:
    """``[fn(block) for block in blocks]``, in order: each block after the first in a forked
    child process of its own (:func:`in_background`; give as many blocks as there are
    workers) while this process computes the first. One worker (or no fork): one after
    another here."""
    if workers <= 1 or len(blocks) <= 1:
        return [fn(b) for b in blocks]
    jobs = [in_background(fn, b, workers=workers) for b in blocks[1:]]
    first = fn(blocks[0])
    return [first] + [j.result() for j in jobs]
