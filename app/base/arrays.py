"""Set operations on large integer key arrays (area x commodity keys: millions nationally).

numpy 2's ``np.unique`` and ``np.isin`` build a hash table that is many times slower on
millions of int64 keys than sorting (``unique``) or pandas' hash table (``isin``); these
give the same results.

>>> isin(np.array([3, 1, 2]), np.array([2, 3, 3]))
array([ True, False,  True])
>>> unique(np.array([3, 1, 3, 2]))
array([1, 2, 3])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: non-negative integer keys below this are looked up in a table indexed by key
DIRECT_KEYS = 100_000_000


def isin(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin(a, values)`` for 1-D arrays: for non-negative integer keys below
    :data:`DIRECT_KEYS` (area x commodity pair keys) a boolean table indexed by key, else
    pandas' hash table (hashing 18 million national pair keys took 0.8 s).

    >>> isin(np.array([5, 0, 9]), np.array([9, 5])).tolist()
    [True, False, True]
    >>> isin(np.array([-2, 3]), np.array([3])).tolist()
    [False, True]
    """
    a, values = np.asarray(a), np.asarray(values)
    if a.dtype.kind in "iu" and values.dtype.kind in "iu" and len(a):
        size = int(max(a.max(), values.max(initial=0))) + 1
        if size <= DIRECT_KEYS and a.min() >= 0 and values.min(initial=0) >= 0:
            table = np.zeros(size, dtype=bool)
            table[values] = True
            return table[a]
    return pd.Series(a, copy=False).isin(values).to_numpy()


def unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` (sorted distinct values) for a 1-D array, by sorting."""
    s = np.sort(np.asarray(a))
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) > 1 else s


def runs(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of sorted ``s`` and the index of each one's first place
    (``np.unique(s, return_index=True)`` for sorted ``s``).

    >>> runs(np.array([1, 1, 4, 7, 7]))
    (array([1, 4, 7]), array([0, 2, 3]))
    """
    first = np.flatnonzero(np.r_[True, s[1:] != s[:-1]]) if len(s) else np.empty(0, int)
    return s[first], first


def setdiff_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values of ``a`` not in ``b`` (both sorted and distinct), in order.

    >>> setdiff_sorted(np.array([1, 2, 5, 9]), np.array([2, 9, 10]))
    array([1, 5])
    """
    if not len(b) or not len(a):
        return a
    i = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[i] != a]
