"""Dependencies handed to routes through Annotated aliases."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request

from app.base.errors import UnggulanError
from app.core.dataset import Dataset

LEVELS = ("desa", "kecamatan")


def fingerprint(folder: Path) -> tuple:
    """Paths, sizes and modification times of every file of a dataset folder."""
    items = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts):
            st = p.stat()
            items.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(items)


class DatasetHolder:
    """The loaded dataset; reloaded when a file of its folder changes on disk."""

    def __init__(self, folder: Path, check_every: float = 2.0):
        self.folder = folder
        self.check_every = check_every
        self.lock = threading.Lock()
        self.dataset = Dataset.open(folder)
        self.print = fingerprint(folder)
        self.checked = time.monotonic()
        self.loaded_at = time.time()

    def get(self) -> Dataset:
        now = time.monotonic()
        if now - self.checked >= self.check_every:
            with self.lock:
                if now - self.checked >= self.check_every:
                    self.checked = now
                    current = fingerprint(self.folder)
                    if current != self.print:
                        self.reload(current)
        return self.dataset

    def reload(self, current: tuple | None = None) -> Dataset:
        ds = Dataset.open(self.folder)  # a broken change keeps the old dataset (raises)
        self.dataset, self.print = ds, current or fingerprint(self.folder)
        self.loaded_at = time.time()
        return ds


def get_dataset(request: Request) -> Dataset:
    return request.app.state.holder.get()


def level_param(level: str = Query("desa", description="desa or kecamatan",
                                   examples=["desa"])) -> str:
    if level not in LEVELS:
        raise UnggulanError(f"level must be one of {', '.join(LEVELS)}, not '{level}'",
                            field="level")
    return level


DatasetDep = Annotated[Dataset, Depends(get_dataset)]
LevelDep = Annotated[str, Depends(level_param)]
