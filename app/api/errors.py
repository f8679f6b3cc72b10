"""One table from domain error to HTTP status, installed once on the app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app.core.errors import (
    DatasetError,
    InvalidWeights,
    UnggulanError,
    UnknownArea,
    UnknownCommodity,
)

DEFAULT_STATUS_CODES: dict[type[Exception], int] = {
    UnknownArea: 404,
    UnknownCommodity: 404,
    InvalidWeights: 422,
    DatasetError: 422,
    UnggulanError: 400,
}


def add_exception_handlers(app: FastAPI, codes: dict[type[Exception], int]) -> None:
    for exc_type, status in codes.items():

        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            body = {"detail": str(exc), "field": getattr(exc, "field", None)}
            return JSONResponse(status_code=status, content=body)

        app.add_exception_handler(exc_type, handler)
