"""The ``unggulan`` logger's lines in a service's log."""

from __future__ import annotations

import logging
import sys


def ensure_logging(level: str = "info") -> None:
    """Give the ``unggulan`` logger a handler writing to standard error in uvicorn's format
    when nothing above it has one (uvicorn configures only its own loggers; under pytest or
    an application's logging setup this does nothing)."""
    logger = logging.getLogger("unggulan")
    if logger.hasHandlers():
        return
    handler = logging.StreamHandler(sys.stderr)
    try:
        from uvicorn.logging import DefaultFormatter

        handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    except ImportError:  # pragma: no cover - uvicorn is a dependency of the service
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(level.upper())
