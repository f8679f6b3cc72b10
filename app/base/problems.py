"""Problems found while loading a dataset: kept, counted and shown, never swallowed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or guessed) in a dataset, located as precisely as we can."""

    severity: Severity
    file: str
    message: str
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", column '{self.field}'"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)
