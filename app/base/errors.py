"""Domain errors. The core raises these; only ``unggulan.api`` and ``unggulan.cli`` map them to
HTTP statuses or exit codes."""

from __future__ import annotations


class UnggulanError(Exception):
    """Base class of every error the core raises on purpose.

    ``field`` names the parameter, column or key at fault, where there is one.
    """

    def __init__(self, message: str = "", *, field: str | None = None):
        super().__init__(message)
        self.field = field


class DatasetError(UnggulanError):
    """A dataset (folder, file, layer or table) cannot be used as given.

    The message names the file and, where known, the row or field and what to do.
    """

    def __init__(self, message: str, *, path: object | None = None, field: str | None = None):
        self.path = str(path) if path is not None else None
        prefix = f"{self.path}: " if self.path else ""
        super().__init__(prefix + message, field=field)
        self.detail = message


class UnknownArea(UnggulanError):
    """An area code that is not in the dataset."""


class UnknownCommodity(UnggulanError):
    """A commodity id that is not in the catalogue."""


class InvalidWeights(UnggulanError):
    """Scoring weights that are negative, above one, unknown or sum to zero."""
