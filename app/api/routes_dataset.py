"""The dataset summary, and reloading it (a write: it needs the write key)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from unggulan.api.deps import DatasetDep
from unggulan.api.models import ErrorBody, Summary
from unggulan.api.security import require_write_key

router = APIRouter(tags=["dataset"])
#: what a write endpoint may answer besides its result
WRITE_RESPONSES: dict[int | str, dict] = {
    403: {"model": ErrorBody, "description": "writes are off (no UNGGULAN_WRITE_API_KEY) or "
          "the X-API-Key header is missing or wrong"},
    429: {"model": ErrorBody, "description": "too many requests from this client; see "
          "Retry-After"},
}


@router.get("/summary", response_model=Summary)
def summary(ds: DatasetDep):
    """What the service has loaded: areas per level, sentra placed and unplaced, rasters."""
    return ds.summary()


@router.post("/reload", dependencies=[Depends(require_write_key)], responses=WRITE_RESPONSES)
def reload(request: Request) -> dict:
    """Read the dataset folder again now (changes are also noticed by themselves).

    Needs the write key (header ``X-API-Key``): reading a dataset costs seconds to minutes.
    """
    holder = request.app.state.holder
    ds = holder.reload()
    return {"reloaded": True, "dataset": ds.name, "loaded_at": holder.loaded_at}
