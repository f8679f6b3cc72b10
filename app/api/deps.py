"""Dependencies handed to routes through Annotated aliases, and the loaded dataset's holder."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request

from unggulan.api import heap
from unggulan.base.errors import UnggulanError
from unggulan.base.settings import Settings
from unggulan.core.dataset import Dataset
from unggulan.core.snapshot import fingerprint

LEVELS = ("desa", "kecamatan")
log = logging.getLogger("unggulan.service")


class DatasetHolder:
    """The loaded dataset; reloaded when a file of its folder changes on disk.

    Thread safety (requests run on a thread pool): a reload opens the new dataset completely
    and then publishes it in one assignment, so a request sees either the old or the new
    dataset, never one half read; a request keeps the object it started with (the route gets
    it once, through :data:`DatasetDep`). One reload runs at a time. While a request reloads
    because it noticed a change, the other requests keep being served the old dataset instead
    of waiting. A change that cannot be read (a file half copied, a broken table) keeps the
    old dataset and is kept in :attr:`error` until the folder changes again; ``POST
    /api/v1/reload`` (:meth:`reload`) still answers with the error.

    Examples
    --------
    >>> from unggulan.base.settings import bundled_data_dir
    >>> holder = DatasetHolder(bundled_data_dir())
    >>> holder.get() is holder.dataset
    True
    """

    def __init__(self, folder: Path, check_every: float = 2.0, *,
                 settings: Settings | None = None,
                 opened: tuple[tuple, Dataset] | None = None):
        self.folder = folder
        self.check_every = check_every
        #: the service's settings, handed to every dataset opened (cache folder, workers,
        #: results kept in memory); None: the dataset reads them from the environment
        self.settings = settings
        self.lock = threading.Lock()  # one change check at a time; others do not wait for it
        self._reload_lock = threading.Lock()  # one reload at a time
        if opened is not None:  # (fingerprint taken before opening, dataset): the service's
            self.print, self.dataset = opened  # start (unggulan.api.startup)
        else:
            self.print = fingerprint(folder)  # before opening: a change while opening is noticed
            self.dataset = Dataset.open(folder, settings=settings)
        heap.settle()  # the dataset lives as long as the service: out of the GC's walks
        self.checked = time.monotonic()
        self.loaded_at = time.time()
        self.error: str | None = None  # why the last noticed change could not be loaded

    def check_due(self) -> bool:
        """Whether the next :meth:`get` checks the folder for changes."""
        return time.monotonic() - self.checked >= self.check_every

    def get(self) -> Dataset:
        """The current dataset; at most every ``check_every`` seconds one caller checks the
        folder and reloads it when a file changed (the others get the current dataset)."""
        if time.monotonic() - self.checked >= self.check_every and \
                self.lock.acquire(blocking=False):
            try:
                if time.monotonic() - self.checked >= self.check_every:
                    self.checked = time.monotonic()
                    current = fingerprint(self.folder)
                    if current != self.print:
                        self._reload_noticed(current)
            finally:
                self.lock.release()
        return self.dataset

    def _reload_noticed(self, current: tuple) -> None:
        try:
            self.reload(current)
        except Exception as exc:  # noqa: BLE001 - any unreadable change keeps the old data
            self.print = current  # tried once; again when the folder changes again
            self.error = str(exc)
            log.warning("dataset %s changed but cannot be read; the previous one is kept: %s",
                        self.folder, exc)

    def reload(self, current: tuple | None = None) -> Dataset:
        """Open the folder again and publish the new dataset (raises when it cannot be
        opened; the old dataset stays)."""
        with self._reload_lock:
            current = current or fingerprint(self.folder)
            ds = Dataset.open(self.folder, settings=self.settings)
            self.dataset = ds  # one assignment: requests that started keep their object
            self.print, self.loaded_at, self.error = current, time.time(), None
            heap.settle()  # the old dataset is collected (when no request holds it)
        return ds


async def get_dataset(request: Request) -> Dataset:
    """The current dataset. Async (no thread hop per request): only the periodic check of
    the folder, which may reload it, runs on the thread pool."""
    holder = request.app.state.holder
    if holder.check_due():
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(holder.get)
    return holder.dataset


async def level_param(level: str = Query("desa", description="desa or kecamatan",
                                   examples=["desa"])) -> str:
    if level not in LEVELS:
        raise UnggulanError(f"level must be one of {', '.join(LEVELS)}, not '{level}'",
                            field="level")
    return level


DatasetDep = Annotated[Dataset, Depends(get_dataset)]
LevelDep = Annotated[str, Depends(level_param)]
