"""Paging, one way for every list the API answers: ``limit`` rows from ``offset``, with the
number of rows there are (``total``).

:func:`window` is the positions of a page; :func:`paged` the page of a frame (or a sequence)
as the fields of :class:`Page`; :class:`Page` the body of a plain page, whose typed subclasses
(``AreaPage``, ``SentraPage`` ...) keep their names in the OpenAPI schema.

>>> window(250, 100, 200), window(250, 100, 300)
(range(200, 250), range(250, 250))
>>> import pandas as pd
>>> paged(pd.DataFrame({"code": ["a", "b", "c"]}), 2, 1)
{'total': 3, 'limit': 2, 'offset': 1, 'items': [{'code': 'b'}, {'code': 'c'}]}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import pandas as pd
from pydantic import BaseModel

from unggulan.api.convert import records

T = TypeVar("T")


def window(total: int, limit: int, offset: int) -> range:
    """The positions of the page of ``limit`` rows from ``offset`` among ``total`` (empty past
    the end): paging by index, without an array of every position."""
    return range(min(offset, total), min(offset + limit, total))


def paged(rows: pd.DataFrame | Sequence, limit: int, offset: int,
          convert: Callable[[Any], list] = records) -> dict[str, Any]:
    """The page of ``rows`` as the fields of a :class:`Page`: ``total`` (every row),
    ``limit``, ``offset`` and ``items``, the page's rows through ``convert`` (default: a
    frame's rows as plain JSON values, :func:`unggulan.api.convert.records`)."""
    w = window(len(rows), limit, offset)
    page = rows.iloc[w.start:w.stop] if isinstance(rows, pd.DataFrame) else rows[w.start:w.stop]
    return {"total": len(rows), "limit": limit, "offset": offset, "items": convert(page)}


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items`` are the rows from ``offset``, at most ``limit``, of the
    ``total`` rows matching the request."""

    total: int
    limit: int
    offset: int
    items: list[T]
