"""One table from domain error to HTTP status, installed once on the app."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from unggulan.base.errors import (
    DatasetError,
    InvalidWeights,
    UnggulanError,
    UnknownArea,
    UnknownCommodity,
)


class PayloadTooLarge(UnggulanError):
    """An upload over the size limit."""


class NotAuthorised(UnggulanError):
    """A write without the configured API key, or with another key."""


class WritesDisabled(NotAuthorised):
    """A write while the service has no write API key configured: writes are off."""


class RequestTooLarge(HTTPException):
    """A request body over the size limit, noticed while it is read.

    An :class:`HTTPException` (not an :class:`UnggulanError`) so that FastAPI passes it on
    from the body parsing instead of turning it into a 400.
    """

    def __init__(self, detail: str):
        super().__init__(status_code=413, detail=detail)


DEFAULT_STATUS_CODES: dict[type[Exception], int] = {
    UnknownArea: 404,
    UnknownCommodity: 404,
    InvalidWeights: 422,
    PayloadTooLarge: 413,
    WritesDisabled: 403,
    NotAuthorised: 403,
    DatasetError: 422,
    UnggulanError: 422,
}


def add_exception_handlers(app: FastAPI, codes: dict[type[Exception], int]) -> None:
    for exc_type, status in codes.items():

        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            body = {"detail": str(exc), "field": getattr(exc, "field", None)}
            return JSONResponse(status_code=status, content=body)

        app.add_exception_handler(exc_type, handler)

    def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in first.get("loc", []) if x not in ("query", "path", "body")]
        field = ".".join(loc) or None
        msg = first.get("msg", "invalid request")
        return JSONResponse(status_code=422,
                            content={"detail": f"{field}: {msg}" if field else msg,
                                     "field": field})

    app.add_exception_handler(RequestValidationError, validation)

    def too_large(request: Request, exc: RequestTooLarge) -> JSONResponse:
        return JSONResponse(status_code=413, content={"detail": exc.detail, "field": None})

    app.add_exception_handler(RequestTooLarge, too_large)
