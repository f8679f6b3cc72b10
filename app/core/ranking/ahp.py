"""Weights from AHP pairwise comparisons (Saaty's Analytic Hierarchy Process).

A planning team compares the criteria two at a time on Saaty's 1-9 scale (1 equal, 3 moderate,
5 strong, 7 very strong, 9 extreme importance, 2/4/6/8 in between; the reciprocal when the
second criterion is the more important one). From the matrix ``A`` of judgements:

- the **weights** are the principal (Perron) eigenvector of ``A``, scaled to sum to 1;
- ``lambda_max`` is its eigenvalue, ``CI = (lambda_max - n) / (n - 1)`` the consistency index
  and ``CR = CI / RI(n)`` the consistency ratio, with ``RI`` the mean CI of random reciprocal
  matrices of the same order. Saaty's rule accepts a matrix with ``CR < 0.10``.

Random index tables (``RI[n]``, n = number of criteria)::

    n                 1    2    3     4     5     6     7     8     9     10
    saaty1980 (*)     0    0    0.58  0.90  1.12  1.24  1.32  1.41  1.45  1.49
    saaty2005         0    0    0.52  0.89  1.11  1.25  1.35  1.40  1.45  1.49
    saaty2005, n = 11..15:  1.52  1.54  1.56  1.58  1.59

(*) default. ``saaty1980``: T. L. Saaty, *The Analytic Hierarchy Process*, McGraw-Hill, 1980;
the same table is used in T. L. Saaty, "How to make a decision: the analytic hierarchy
process", *European Journal of Operational Research* 48 (1990) 9-26 (its house example divides
CI = 0.238 by RI(8) = 1.41 to give CR = 0.169; ``tests/core/test_ahp.py`` reproduces it), and
it is the table of Indonesian AHP practice. ``saaty2005``: T. L. Saaty, *Theory and
Applications of the Analytic Network Process*, RWS Publications, 2005, p. 31 (values as
transcribed in the MIT-licensed ``ahpy`` package). ``saaty1980`` stops at n = 10; for
11-15 criteria its ``RI`` is taken from ``saaty2005`` and ``ri_source`` says so.

**Most inconsistent judgement**: Saaty's perturbation ``e_ij = a_ij * w_j / w_i`` (T. L. Saaty,
"Decision-making with the AHP: why is the principal eigenvector necessary", *European Journal
of Operational Research* 145 (2003) 85-91): for a consistent matrix every ``e_ij`` is 1; the
judgement with the largest ``|log e_ij|`` is the one to revisit first, and ``w_i / w_j`` is the
value that would be consistent with the other judgements.

``ahpy`` (MIT, maintained) was considered; this module is small, has no dependency beyond
numpy and gives the clear, located errors a planner needs, so it is written here.

>>> r = ahp_weights(["suitability", "market"], [[1, 3], ["1/3", 1]])
>>> round(r.weights["suitability"], 2), r.cr
(0.75, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from unggulan.base.errors import InvalidWeights

#: Saaty's random consistency index by matrix order (index = n); see the module docstring.
RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty1980": (0.0, 0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49),
    "saaty2005": (0.0, 0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49,
                  1.52, 1.54, 1.56, 1.58, 1.59),
}  # fmt: skip
RI_SOURCES = {
    "saaty1980": "Saaty (1980), The Analytic Hierarchy Process; Saaty (1990), EJOR 48:9-26",
    "saaty2005": "Saaty (2005), Theory and Applications of the ANP, p. 31",
}
MAX_CR = 0.10
SCALE_MIN, SCALE_MAX = 1 / 9, 9.0
#: a judgement and its mirror may be typed as rounded decimals (0.33 for 1/3, 0.14 for 1/7)
RECIPROCAL_TOLERANCE = 0.05


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one pairwise comparison matrix.

    ``worst_pair`` is ``(criterion_i, criterion_j)`` of the most inconsistent judgement
    (upper triangle, as typed), ``worst_value`` its judgement ``a_ij`` and
    ``worst_consistent`` the value ``w_i / w_j`` consistent with the weights.
    """

    criteria: tuple[str, ...]
    matrix: np.ndarray = field(repr=False)
    weights: dict[str, float]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    ri_source: str
    worst_pair: tuple[str, str] | None
    worst_value: float | None
    worst_consistent: float | None

    @property
    def consistent(self) -> bool:
        """``CR < 0.10`` (Saaty's threshold)."""
        return self.cr < MAX_CR

    def check(self, max_cr: float = MAX_CR) -> AHPResult:
        """Return self when ``CR < max_cr``, else raise :class:`InvalidWeights` naming the CR and
        the most inconsistent judgement.

        >>> ahp_weights(["a", "b", "c"], [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]).check().cr
        0.0
        """
        if self.cr < max_cr:
            return self
        msg = f"CR {self.cr:.2f} >= {max_cr:.2f}"
        if self.worst_pair is not None:
            a, b = self.worst_pair
            msg += (f"; the most inconsistent judgement is {a} vs {b} "
                    f"({_fmt(self.worst_value)}, consistent value would be "
                    f"{self.worst_consistent:.2g})")
        raise InvalidWeights(msg, field="ahp.matrix")

    def to_dict(self) -> dict:
        """Plain JSON-ready summary (weights, lambda_max, CI, RI, CR, worst judgement)."""
        return {
            "criteria": list(self.criteria),
            "weights": dict(self.weights),
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "ri": self.ri,
            "cr": self.cr,
            "ri_source": self.ri_source,
            "worst_pair": list(self.worst_pair) if self.worst_pair else None,
            "worst_value": self.worst_value,
            "worst_consistent": self.worst_consistent,
        }


def _fmt(x: float | None) -> str:
    """3, 1/3, 2.5: how a judgement is written."""
    if x is None:
        return "-"
    if abs(x - round(x)) < 1e-9:
        return str(int(round(x)))
    inv = 1 / x
    if abs(inv - round(inv)) < 1e-9:
        return f"1/{int(round(inv))}"
    return f"{x:g}"


def parse_judgement(value: object, where: str = "") -> float:
    """One judgement: a positive number or a fraction string such as ``"1/3"``.

    >>> parse_judgement("1/3") == 1 / 3, parse_judgement(" 5 "), parse_judgement(0.5)
    (True, 5.0, 0.5)
    """
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or value is None:
        raise InvalidWeights(f"{prefix}{value!r} is not a number", field="ahp.matrix")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            x = float(Fraction(text.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise InvalidWeights(f"{prefix}{value!r} is not a number or a fraction like '1/3'",
                                 field="ahp.matrix") from None
    else:
        raise InvalidWeights(f"{prefix}{value!r} is not a number", field="ahp.matrix")
    if not math.isfinite(x) or x <= 0:
        raise InvalidWeights(f"{prefix}{value!r} must be a positive number", field="ahp.matrix")
    return x


def parse_matrix(criteria: Sequence[str], matrix: Sequence[Sequence[object]]) -> np.ndarray:
    """The judgements as a float matrix, checked: square, one row per criterion, diagonal 1,
    every value on Saaty's scale 1/9..9 and ``a_ji = 1/a_ij``.

    The lower triangle must mirror the upper one (rounded decimals such as 0.33 for 1/3 are
    accepted within 5 %); the returned matrix is rebuilt from the upper triangle so that it is
    exactly reciprocal.
    """
    names = [str(c) for c in criteria]
    n = len(names)
    if n == 0:
        raise InvalidWeights("no criteria given", field="ahp.criteria")
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise InvalidWeights(f"criteria named twice: {', '.join(dup)}", field="ahp.criteria")
    rows = list(matrix)
    if len(rows) != n:
        raise InvalidWeights(f"{n} criteria but {len(rows)} matrix rows", field="ahp.matrix")
    a = np.empty((n, n))
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != n:
            length = len(row) if isinstance(row, Sequence) else "no"
            raise InvalidWeights(f"row {i + 1} ({names[i]}) has {length} values, needs {n}",
                                 field="ahp.matrix")
        for j, value in enumerate(row):
            a[i, j] = parse_judgement(value, _cell(names, i, j))
    for i in range(n):
        if abs(a[i, i] - 1) > 1e-9:
            raise InvalidWeights(f"{_cell(names, i, i)}: the diagonal must be 1, not "
                                 f"{_fmt(a[i, i])}", field="ahp.matrix")
    for i in range(n):
        for j in range(n):
            x = a[i, j]
            if x < SCALE_MIN * (1 - 2e-2) or x > SCALE_MAX * (1 + 1e-9):
                raise InvalidWeights(f"{_cell(names, i, j)}: {_fmt(x)} is outside Saaty's scale "
                                     "1/9..9", field="ahp.matrix")
    for i in range(n):
        for j in range(i + 1, n):
            if abs(a[i, j] * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise InvalidWeights(
                    f"{_cell(names, j, i)}: {_fmt(a[j, i])} is not the reciprocal of "
                    f"{_fmt(a[i, j])} ({_cell(names, i, j)}); expected {_fmt(1 / a[i, j])}",
                    field="ahp.matrix")
    iu = np.triu_indices(n, 1)
    out = np.ones((n, n))
    out[iu] = a[iu]
    out[(iu[1], iu[0])] = 1 / a[iu]
    return out


def _cell(names: Sequence[str], i: int, j: int) -> str:
    return f"row {i + 1} ({names[i]}), column {j + 1} ({names[j]})"


def random_index(n: int, table: str = "saaty1980") -> tuple[float, str]:
    """``(RI, source)`` for a matrix of order ``n``.

    >>> random_index(8)
    (1.41, 'Saaty (1980), The Analytic Hierarchy Process; Saaty (1990), EJOR 48:9-26')
    """
    if table not in RANDOM_INDEX:
        raise InvalidWeights(f"unknown random index table '{table}'; known: "
                             f"{', '.join(RANDOM_INDEX)}", field="ahp.ri_table")
    values = RANDOM_INDEX[table]
    if n < len(values):
        return values[n], RI_SOURCES[table]
    longest = RANDOM_INDEX["saaty2005"]
    if n < len(longest):
        return longest[n], RI_SOURCES["saaty2005"] + f" (n = {n} is beyond {table})"
    raise InvalidWeights(f"{n} criteria: Saaty's random index is tabulated up to 15; compare "
                         "fewer criteria (group them in a hierarchy)", field="ahp.criteria")


def ahp_weights(criteria: Sequence[str], matrix: Sequence[Sequence[object]],
                ri_table: str = "saaty1980") -> AHPResult:
    """Weights, lambda_max, CI, RI, CR and the most inconsistent judgement of a pairwise
    comparison matrix (row criterion compared with column criterion).

    Parameters
    ----------
    criteria
        Names, one per row/column.
    matrix
        Judgements: numbers or fraction strings (``"1/3"``), full square matrix.
    ri_table
        ``"saaty1980"`` (default) or ``"saaty2005"``; see the module docstring.

    Examples
    --------
    >>> r = ahp_weights(["a", "b", "c"], [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]])
    >>> [round(r.weights[c], 4) for c in "abc"], r.cr
    ([0.5714, 0.2857, 0.1429], 0.0)
    """
    names = tuple(str(c) for c in criteria)
    a = parse_matrix(names, matrix)
    n = len(names)
    ri, source = random_index(n, ri_table)
    if n == 1:
        return AHPResult(names, a, {names[0]: 1.0}, 1.0, 0.0, ri, 0.0, source, None, None, None)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = max((lam - n) / (n - 1), 0.0)
    if ci < 1e-12:
        ci = 0.0
    cr = ci / ri if ri > 0 else 0.0
    eps = a * w[None, :] / w[:, None]
    dev = np.abs(np.log(eps))
    iu = np.triu_indices(n, 1)
    kk = int(np.argmax(dev[iu]))
    i, j = int(iu[0][kk]), int(iu[1][kk])
    worst = (names[i], names[j]) if dev[i, j] > 1e-9 else None
    return AHPResult(
        criteria=names,
        matrix=a,
        weights={c: float(x) for c, x in zip(names, w, strict=True)},
        lambda_max=lam,
        ci=float(ci),
        ri=float(ri),
        cr=float(round(cr, 10)),
        ri_source=source,
        worst_pair=worst,
        worst_value=float(a[i, j]) if worst else None,
        worst_consistent=float(w[i] / w[j]) if worst else None,
    )
