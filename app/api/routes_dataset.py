"""The dataset summary."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api.deps import DatasetDep
from app.api.models import Summary

router = APIRouter(tags=["dataset"])


@router.get("/summary", response_model=Summary)
def summary(ds: DatasetDep):
    """What the service has loaded: areas per level, sentra placed and unplaced, rasters."""
    return ds.summary()


@router.post("/reload")
def reload(request: Request) -> dict:
    """Read the dataset folder again now (changes are also noticed by themselves)."""
    holder = request.app.state.holder
    ds = holder.reload()
    return {"reloaded": True, "dataset": ds.name, "loaded_at": holder.loaded_at}
