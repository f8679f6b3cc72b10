"""The dataset summary."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import DatasetDep

router = APIRouter(tags=["dataset"])


@router.get("/summary")
def summary(ds: DatasetDep) -> dict:
    """What the service has loaded: areas per level, sentra placed and unplaced, rasters."""
    return ds.summary()
