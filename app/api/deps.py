"""Dependencies handed to routes through Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.dataset import Dataset


def get_dataset(request: Request) -> Dataset:
    return request.app.state.dataset


DatasetDep = Annotated[Dataset, Depends(get_dataset)]
