"""Spatial clustering of each commodity's sentra: local Getis-Ord Gi* and the neighbours' LQ.

Contiguity
----------
Queen contiguity: two areas are neighbours when their boundaries share at least one vertex
(libpysal's ``Queen`` rule, reproduced exactly), built from all polygons' coordinates at once
into a binary scipy sparse matrix (:func:`contiguity`, :class:`Contiguity`). It is built once
per level; the candidates keep it in ``ds._cache[("contiguity", level)]``.

Hot spots: Gi*
--------------
Getis & Ord (1992) and Ord & Getis (1995), star form (the area itself included) with binary
weights ``w_ij`` (1 for the area and each neighbour, ``W_i = sum_j w_ij``)::

    z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((n W_i - W_i^2) / (n - 1)))

with ``xbar`` and ``s`` the mean and the (population) standard deviation of ``x`` over the
``n`` areas: the expectation and variance of Gi* under the randomisation hypothesis. These
z-scores are esda's ``G_Local(y, w, transform="B", star=True).Zs``. They are computed for
every commodity at once: one sparse product ``W* X`` for the area x commodity matrix ``X``.

p-values (``gi_p``):

* ``method="analytical"`` (default): ``p = P(Z >= |z|)`` for a standard normal ``Z``: one-sided
  in the direction of the observed z. This is what esda's ``p_sim`` means (a *directed*
  pseudo p-value: the share of permutations at least as extreme in the tail where the
  observed value lies); the two-sided p-value is twice this.
* ``method="permutation"``: esda's conditional permutations (999 under a fixed seed), one
  commodity at a time; ``gi_p`` is ``p_sim``. Slow (minutes on national data): small data.

An area is a ``hot spot`` when ``z > 0`` and ``p <= 0.05``, a ``cold spot`` when ``z < 0``
and ``p <= 0.05``. Commodities present in fewer than 3 areas, or with the same value
everywhere, are not tested (no rows).

The two methods agree on "hot spot" for 3,190 of 3,348 desa-commodity pairs (95.3 %) on
Bone's sentra (``tests/core/test_hot_spots.py`` prints the rest; esda's permutations with
other seeds agree with each other on 98.8-99.2 %). They differ on: (a) producers whose
neighbours produce nothing: the permutations keep the area's own value fixed and every
permuted neighbour sum is at least the observed 0, which esda's directed p-value counts as
extreme (``p_sim = 0.001``), and the positive z then labels it a hot spot; (b) producers with
a large own value: Gi* randomises the area's own value too, the conditional permutations do
not; (c) areas next to a single large producer, where the normal approximation of a skewed,
mostly-zero variable is generous (analytical p 0.01-0.05, permutation p 0.05-0.09). On
Bone: 51, 38 and 69 pairs. National desa (84,000 areas, 217 commodities): 2.4 s for the
contiguity, the neighbourhood score and Gi* of every commodity; esda's permutations take
about 16 s per commodity there.

Neighbourhood score
-------------------
The score's cluster component (``cluster_score``, :func:`neighbourhood_score`) is the
neighbourhood's LQ: the commodity's share of the workers in the area's neighbours against
its share in the dataset outside the area, scaled like the LQ score. It leaves the area's own
count out, so the area's own growth cannot lower it; Gi* is reported beside it as the
significance test.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy import sparse, special

SEED = 12345


def _normal_sf(z: np.ndarray) -> np.ndarray:
    """The standard normal's upper tail, P(Z > z): ``scipy.stats.norm.sf``'s own formula
    (``ndtr(-z)``), without importing scipy.stats (a second of every CLI start).

    >>> float(_normal_sf(np.array([1.959963984540054]))[0].round(6))
    0.025
    """
    return special.ndtr(-np.asarray(z, dtype=float))
PERMUTATIONS = 999
ALPHA = 0.05
MIN_AREAS = 3  # commodities present in fewer areas are not tested
METHODS = ("analytical", "permutation")
_CHUNK = 32  # commodities per block of the vectorised Gi* (bounds temporary memory)
HOT, COLD, NOT_SIGNIFICANT = "hot spot", "cold spot", "not significant"
GI_COLUMNS = ["code", "commodity", "gi_z", "gi_p", "cluster"]


@dataclass(frozen=True, eq=False)
class Contiguity:
    """Binary queen contiguity of ``n`` areas (row order = the areas' order).

    ``sparse`` is the n x n CSR matrix with 1.0 for each pair of neighbours and no
    self-links.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> sq = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2), box(5, 5, 6, 6)])
    >>> w = contiguity(sq)
    >>> w.cardinalities.tolist(), w.islands.tolist()
    ([1, 1, 0], [2])
    """

    sparse: sparse.csr_matrix

    @property
    def n(self) -> int:
        return self.sparse.shape[0]

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of each area."""
        return np.diff(self.sparse.indptr)

    @property
    def islands(self) -> np.ndarray:
        """Positions of the areas without neighbours."""
        return np.flatnonzero(self.cardinalities == 0)

    def star(self) -> sparse.csr_matrix:
        """The binary weights with the area itself included (ones on the diagonal)."""
        return (self.sparse + sparse.identity(self.n, format="csr")).tocsr()

    def to_libpysal(self):
        """The same weights as a libpysal ``W`` (positional ids), for esda."""
        from libpysal.weights import W

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # islands
            return W.from_sparse(self.sparse)


def contiguity(areas) -> Contiguity:
    """Queen contiguity of the areas: neighbours share at least one boundary vertex.

    The rule of libpysal's ``Queen.from_dataframe`` (exact coordinate equality of the
    vertices of every ring and part), computed with numpy: all coordinates are sorted once
    and the polygons sharing a coordinate are paired.

    Parameters
    ----------
    areas : GeoDataFrame
        Polygons; the matrix rows follow their order.

    Returns
    -------
    Contiguity

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1)
    ...                                   for y in range(3) for x in range(3)])
    >>> contiguity(grid).cardinalities.tolist()  # corners 3, edges 5, the centre 8
    [3, 5, 3, 5, 8, 5, 3, 5, 3]
    """
    geoms = np.asarray(areas.geometry.values, dtype=object)
    n = len(geoms)
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    # by x, then y (complex numbers sort so), then polygon: the owners come ascending, and
    # a stable sort keeps that order (faster than a three-key lexsort)
    order = np.argsort(xy[:, 0] + 1j * xy[:, 1], kind="stable")
    x, y, owner = xy[order, 0], xy[order, 1], owner[order]
    # one group per distinct vertex; within it, one entry per polygon
    new_vertex = np.r_[True, (x[1:] != x[:-1]) | (y[1:] != y[:-1])]
    group = np.cumsum(new_vertex)
    first = np.r_[True, new_vertex[1:] | (owner[1:] != owner[:-1])]
    group, owner = group[first], owner[first]
    rows, cols = [], []
    d = 1
    while d < len(group):
        same = group[d:] == group[:-d]
        if not same.any():
            break
        rows.append(owner[:-d][same])
        cols.append(owner[d:][same])
        d += 1
    r = np.concatenate(rows + cols) if rows else np.empty(0, np.int64)
    c = np.concatenate(cols + rows) if rows else np.empty(0, np.int64)
    m = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    m.data[:] = 1.0
    m.sort_indices()
    return Contiguity(m)


def _binary(w) -> sparse.csr_matrix:
    """The binary neighbour matrix (no self-links) of a :class:`Contiguity` or a libpysal
    ``W``."""
    if isinstance(w, Contiguity):
        return w.sparse
    m = sparse.csr_matrix(w.sparse, dtype=float, copy=True)
    m.setdiag(0)
    m.eliminate_zeros()
    m.data[:] = 1.0
    return m


def _tested(values: np.ndarray) -> np.ndarray:
    """Columns Gi* is computed for: present in at least ``MIN_AREAS`` areas and not the
    same everywhere (``np.allclose`` to the first area's value)."""
    out = np.zeros(values.shape[1], dtype=bool)
    for lo in range(0, values.shape[1], _CHUNK):  # a block at a time: national matrices
        block = _dense_cols(values, slice(lo, lo + _CHUNK))
        present = (block > 0).sum(axis=0) >= MIN_AREAS
        first = block[:1]
        constant = np.all(np.abs(block - first) <= 1e-8 + 1e-5 * np.abs(first), axis=0)
        out[lo:lo + _CHUNK] = present & ~constant
    return out


def gi_star_z(w, values: np.ndarray) -> np.ndarray:
    """Gi* z-scores (star, binary weights, randomisation moments) of every column at once.

    Parameters
    ----------
    w : Contiguity or libpysal W
        Neighbours of the ``n`` areas (self-links are added here).
    values : array (n, m)
        One column per variable (commodity).

    Returns
    -------
    array (n, m)
        esda's ``G_Local(values[:, j], w, transform="B", star=True).Zs`` for each ``j``
        (NaN for a constant column).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame(geometry=[box(x, 0, x + 1, 1) for x in range(5)])
    >>> z = gi_star_z(contiguity(row), np.array([[9.0], [8.0], [0.0], [0.0], [1.0]]))
    >>> # first area: W = 2, sum 9 + 8 = 17, mean 3.6, s = 4.030:
    >>> # (17 - 2 * 3.6) / (4.030 * sqrt((5 * 2 - 4) / 4)) = 1.986
    >>> np.round(z[:, 0], 3).tolist()
    [1.986, 1.256, -0.567, -1.986, -1.256]
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    out = np.empty_like(x)
    for lo, z in _gi_star_blocks(w, x, np.arange(x.shape[1])):
        out[:, lo:lo + z.shape[1]] = z
    return out


def _gi_star_blocks(w, x: np.ndarray, cols: np.ndarray):
    """:func:`gi_star_z` of the columns ``cols`` of ``x``, block by block of
    :data:`_CHUNK` columns: yields ``(start, z)``, ``z`` the z-scores of
    ``cols[start:start + _CHUNK]`` (only a block is ever held)."""
    n = x.shape[0]
    s_star = w.star() if isinstance(w, Contiguity) else Contiguity(_binary(w)).star()
    if s_star.shape[0] != n:
        raise ValueError(f"weights are for {s_star.shape[0]} areas, values for {n}")
    card = np.asarray(s_star.sum(axis=1), dtype=float)  # W_i, (n, 1)
    scale = np.sqrt(card * (n - card) / (n - 1))
    for lo in range(0, len(cols), _CHUNK):
        block = _dense_cols(x, cols[lo:lo + _CHUNK])
        mean = block.mean(axis=0)
        sd = block.std(axis=0)
        lag = s_star @ block
        with np.errstate(divide="ignore", invalid="ignore"):
            lag -= card * mean
            lag /= scale
            lag /= np.where(sd > 0, sd, np.nan)
        yield lo, lag


_LABELS = np.array([NOT_SIGNIFICANT, HOT, COLD], dtype=object)


def _labels(z: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """'hot spot' / 'cold spot' / 'not significant' (an object array of three shared
    strings, cheap for millions of rows)."""
    return _LABELS[_label_codes(z, p, alpha)]


def _label_codes(z: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """Positions in :data:`_LABELS` of :func:`_labels`."""
    sig = p <= alpha
    return np.where(sig & (z > 0), 1, np.where(sig & (z < 0), 2, 0)).astype(np.int8)


def _label_column(codes: np.ndarray, categorical: bool = False):
    """Labels from :func:`_label_codes` (-1: not tested): an object array with None, or a
    Categorical (no text per row: national evidence has millions)."""
    if categorical:
        return pd.Categorical.from_codes(codes, categories=pd.Index(_LABELS, dtype=object))
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    out[ok] = _LABELS[codes[ok]]
    return out


def _lookup(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Positions of ``values`` in ``index`` (-1 where absent), hashing each distinct value
    once (a categorical column's categories, else its factorized uniques)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # (32-bit positions where they fit: national evidence has 7 million pairs)
    pos = index.get_indexer(pd.Index(uniques)).astype(
        np.int32 if len(index) < 2**31 else np.int64)
    return np.where(codes >= 0, pos[np.maximum(codes, 0)], pos.dtype.type(-1)) \
        if len(pos) else np.full(len(values), -1)


def _positions(codes: pd.Index, columns: pd.Index, pairs: pd.DataFrame
               ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column positions of ``pairs``' (code, commodity); -1 where absent."""
    return _lookup(codes, pairs["code"]), _lookup(columns, pairs["commodity"])


def hot_spots(areas, intensity: pd.DataFrame, permutations: int = PERMUTATIONS,
              seed: int = SEED, w=None, method: str = "analytical", alpha: float = ALPHA,
              pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gi* per (area, commodity): ``gi_z``, ``gi_p`` and ``cluster`` ('hot spot',
    'cold spot' or 'not significant').

    Parameters
    ----------
    areas : GeoDataFrame
        The areas (used to build the weights when ``w`` is not given).
    intensity : DataFrame
        Index = area codes in ``areas`` order, one column per commodity (sentra workers).
    permutations, seed :
        For ``method="permutation"`` (esda's conditional permutations).
    w : Contiguity or libpysal W, optional
        Neighbours in the same order (built with :func:`contiguity` when None).
    method : {"analytical", "permutation"}
        See the module docstring; both report the same ``gi_z``.
    alpha : float
        Significance level of the ``cluster`` label.
    pairs : DataFrame, optional
        With ``code`` and ``commodity`` columns: return one row per pair, aligned with
        ``pairs`` (same index and order; NaN/None where the commodity is not tested or the
        code unknown) instead of every area of every tested commodity.

    Returns
    -------
    DataFrame
        ``code, commodity, gi_z, gi_p, cluster``: long rows, commodity by commodity (tested
        commodities only), or aligned with ``pairs``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1)
    ...                                   for y in range(5) for x in range(5)])
    >>> y = np.zeros(25)
    >>> y[[0, 1, 5, 6]] = [40, 35, 30, 45]  # one corner produces
    >>> gi = hot_spots(grid, pd.DataFrame({"kakao": y}, index=[f"a{i}" for i in range(25)]))
    >>> gi.loc[gi["cluster"] == "hot spot", "code"].tolist()
    ['a0', 'a1', 'a5', 'a6']
    """
    w = w if w is not None else contiguity(areas)
    if pairs is None:
        z, p, cols = _gi_matrix(w, intensity.to_numpy(dtype=float), method, permutations,
                                seed)
        if not len(cols):
            return pd.DataFrame(columns=GI_COLUMNS)
        n = len(intensity)
        zz = z.T.ravel()
        pp = _normal_sf(np.abs(zz)) if p is None else p.T.ravel()
        return pd.DataFrame({
            "code": np.tile(intensity.index.to_numpy(), len(cols)),
            "commodity": np.repeat(intensity.columns.to_numpy()[cols], n),
            "gi_z": zz, "gi_p": pp, "cluster": _labels(zz, pp, alpha)})
    r, c = _positions(intensity.index, intensity.columns, pairs)
    zz, pp, codes = _gi_at(w, intensity.to_numpy(dtype=float), r, c, method, alpha,
                         permutations, seed)
    return pd.DataFrame({"code": pairs["code"].array, "commodity": pairs["commodity"].array,
                         "gi_z": zz, "gi_p": pp, "cluster": _label_column(codes)},
                        index=pairs.index)


def _gi_matrix(w, x: np.ndarray, method: str, permutations: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """z (n, k) and p (n, k; None: from z by the normal) of the k tested columns, and
    their positions among ``x``'s columns."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    cols = _tested_columns(x)
    if method == "analytical":
        z = gi_star_z(w, x[:, cols]) if len(cols) else np.empty((x.shape[0], 0))
        return z, None, cols
    z, p = _permutation(w, x[:, cols], permutations, seed)
    return z, p, cols


def _tested_columns(x) -> np.ndarray:
    """Positions of the columns of ``x`` (array or sparse matrix) Gi* is computed for."""
    if not (x.shape[0] and x.shape[1]):
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(_tested(x))


def _slots(cols: np.ndarray, r: np.ndarray, c: np.ndarray, width: int) -> np.ndarray:
    """Each pair's position among the tested columns ``cols`` (-1 where the pair is outside
    the matrix or its column is not tested)."""
    slot = np.full(width, -1, dtype=np.int32 if width < 2**31 else np.int64)
    slot[cols] = np.arange(len(cols))
    return np.where((c >= 0) & (r >= 0), slot[np.maximum(c, 0)], slot.dtype.type(-1))


def _gi_at(w, x: np.ndarray, r: np.ndarray, c: np.ndarray, method: str, alpha: float,
           permutations: int = PERMUTATIONS, seed: int = SEED
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gi_z, gi_p and the cluster's label code (:func:`_label_column`) at the positions
    (r, c) of ``x`` (NaN/-1 where -1 or the column is not tested)."""
    zz = np.full(len(r), np.nan)
    pp = np.full(len(r), np.nan)
    lab = np.full(len(r), -1, dtype=np.int8)  # label codes (see _label_column)
    if method == "analytical":
        # z-scores a block of commodities at a time, read at that block's pairs: never the
        # whole area x commodity matrix (national: 84,000 x 200)
        cols = _tested_columns(x)
        c = _slots(cols, r, c, x.shape[1])
        order = np.argsort(c, kind="stable").astype(np.int32 if len(c) < 2**31 else np.int64)
        bounds = np.searchsorted(c[order], np.arange(0, len(cols) + _CHUNK, _CHUNK))
        for b, (lo, z) in enumerate(_gi_star_blocks(w, x, cols)):
            for at in _slices(order[bounds[b]:bounds[b + 1]]):
                zz[at] = z[r[at], c[at] - lo]
                pp[at] = _normal_sf(np.abs(zz[at]))
                lab[at] = _label_codes(zz[at], pp[at], alpha)
        return zz, pp, lab
    if sparse.issparse(x):  # esda's permutations take arrays
        x = x.toarray()
    z, p, cols = _gi_matrix(w, x, method, permutations, seed)
    c = _slots(cols, r, c, x.shape[1])
    for at in _slices(np.flatnonzero(c >= 0)):  # see _neighbourhood_at
        ri, ci = r[at], c[at]
        zz[at] = z[ri, ci]
        pp[at] = _normal_sf(np.abs(zz[at])) if p is None else p[ri, ci]
        lab[at] = _label_codes(zz[at], pp[at], alpha)
    return zz, pp, lab


def _permutation(w, x: np.ndarray, permutations: int, seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """esda's G_Local per column: (Zs, p_sim), each (n, m)."""
    from esda.getisord import G_Local

    wl = w.to_libpysal() if isinstance(w, Contiguity) else w
    wl.transform = "B"
    z = np.empty_like(x)
    p = np.empty_like(x)
    for j in range(x.shape[1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # n_jobs=1: esda's default (-1) starts a joblib process pool, which deadlocks
            # inside a worker process and makes results depend on scheduling
            g = G_Local(x[:, j], wl, transform="B", star=True, permutations=permutations,
                        seed=seed, keep_simulations=False, n_jobs=1)
        # p_sim is float32 (k + 1) / (permutations + 1): keep the exact fraction, so that
        # p <= alpha means what it meant in float32 (0.05 stays 0.05)
        z[:, j] = np.asarray(g.Zs)
        p[:, j] = np.rint(np.asarray(g.p_sim, dtype=float) * (permutations + 1)) / (
            permutations + 1)
    return z, p


def neighbourhood_score(w, codes: pd.Index, workers: pd.DataFrame, full_lq: float = 8.0,
                        pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (area, commodity): the neighbours' LQ (own area excluded), scaled to [0, 1].

    Parameters
    ----------
    w : Contiguity or libpysal W
        Neighbours of the areas, in ``codes`` order.
    codes : Index
        Area codes (the rows of ``workers``).
    workers : DataFrame
        Sentra workers, one row per area (``codes`` order), one column per commodity.
    full_lq : float
        The neighbourhood LQ that scores 1 (log2 scale).
    pairs : DataFrame, optional
        With ``code`` and ``commodity`` columns: one row per pair, aligned with ``pairs``
        (NaN for a pair outside ``codes`` x ``workers.columns``), instead of every
        (area, commodity).

    Returns
    -------
    DataFrame
        ``code, commodity, cluster_score``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame(geometry=[box(x, 0, x + 1, 1) for x in range(4)])
    >>> codes = pd.Index(["a", "b", "c", "d"])
    >>> wk = pd.DataFrame({"kakao": [0, 300, 0, 0], "kopi": [50, 0, 50, 50]}, index=codes)
    >>> s = neighbourhood_score(contiguity(row), codes, wk)
    >>> # a's kakao: neighbour b has 300 of its 300 workers in kakao; outside a the share is
    >>> # p = (300 + 1) / (400 + 1) = 0.751; (300 + 20 p) / (300 + 20) / p = 1.311;
    >>> # log2(1.311) / log2(8) = 0.13
    >>> s[s["commodity"] == "kakao"]["cluster_score"].round(2).tolist()
    [0.13, 0.0, 0.06, 0.0]
    """
    codes = pd.Index(codes, name="code")  # a new Index: never rename the caller's
    own = workers.to_numpy(dtype=float)
    if pairs is None:
        n, m = own.shape
        r, c = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    else:
        r, c = _positions(codes, workers.columns, pairs)
    score = _neighbourhood_at(w, own, r, c, full_lq)
    if pairs is None:
        return pd.DataFrame({"code": codes.take(r), "commodity": workers.columns.take(c),
                             "cluster_score": score})
    return pd.DataFrame({"code": pairs["code"].array, "commodity": pairs["commodity"].array,
                         "cluster_score": score}, index=pairs.index)


def _neighbourhood_at(w, own: np.ndarray, r: np.ndarray, c: np.ndarray,
                      full_lq: float = 8.0) -> np.ndarray:
    """The neighbourhood score at positions (r, c) of the area x commodity workers
    ``own`` (NaN where -1)."""
    adj = _binary(w)
    neigh = adj @ own  # neighbours' workers per commodity (sparse when own is)
    neigh_total = _sums(neigh, 1)
    col_tot = _sums(own, 0)
    all_tot = _sums(own)
    own_tot = _sums(own, 1)
    score = np.full(len(r), np.nan)
    k = 20.0
    # in slices of pairs: a national evidence has millions, each temporary the size of all
    for at in _slices(np.flatnonzero((r >= 0) & (c >= 0))):
        ri, ci = r[at], c[at]
        # reference share outside the area itself, with one pseudo-worker so it is never 0
        p_rest = (col_tot[0, ci] - _at(own, ri, ci) + 1.0) / (all_tot - own_tot[ri, 0] + 1.0)
        share = (_at(neigh, ri, ci) + k * p_rest) / (neigh_total[ri, 0] + k)
        lq = share / p_rest
        score[at] = np.clip(np.log2(np.clip(lq, 1.0, None)) / np.log2(full_lq), 0, 1)
    return score


SLICE = 1_000_000  # pairs computed at a time (bounds the temporaries of national runs)


def _matrix(workers: pd.DataFrame):
    """The area x commodity values of ``workers``: a CSR matrix when every column is
    sparse (national: 84,000 areas x 200 commodities, 100,000 non-zero), else an array."""
    if len(workers.columns) and all(isinstance(t, pd.SparseDtype) for t in workers.dtypes):
        return workers.sparse.to_coo().tocsr().astype(float)
    return workers.to_numpy(dtype=float)


def _dense_cols(x, cols) -> np.ndarray:
    """Columns ``cols`` of ``x`` (array or sparse matrix) as an array, laid out as NumPy
    lays out ``array[:, cols]`` (the layout decides the order in which column means and
    deviations are summed, so a sparse and a dense ``x`` give the same bits)."""
    if sparse.issparse(x):
        block = x[:, cols].toarray()
        return block[:, np.arange(block.shape[1])] if not isinstance(cols, slice) else block
    return x[:, cols]


def _at(m, ri: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """Values of the array or sparse matrix ``m`` at positions (ri, ci)."""
    return np.asarray(m[ri, ci]).ravel() if sparse.issparse(m) else m[ri, ci]


def _sums(m, axis: int | None = None) -> np.ndarray:
    """``m.sum(axis, keepdims=True)`` of an array or a sparse matrix, as an array."""
    if axis is None:
        return float(m.sum())
    return np.asarray(m.sum(axis=axis)).reshape((-1, 1) if axis == 1 else (1, -1))


def _slices(at: np.ndarray, size: int | None = None) -> list[np.ndarray]:
    """``at`` in consecutive pieces of at most ``size`` (:data:`SLICE`)."""
    size = size or SLICE
    return [at[i:i + size] for i in range(0, len(at), size)] or [at]


def cluster_evidence(w, codes: pd.Index, workers: pd.DataFrame, pairs: pd.DataFrame,
                     method: str = "analytical", alpha: float = ALPHA,
                     full_lq: float = 8.0, categorical: bool = False) -> pd.DataFrame:
    """:func:`neighbourhood_score` and :func:`hot_spots` of ``pairs`` in one pass (each
    pair's area and commodity are looked up once): what the candidates' evidence needs.

    Parameters
    ----------
    w : Contiguity or libpysal W
        Neighbours of the areas, in ``codes`` order.
    codes : Index
        Area codes (the rows of ``workers``).
    workers : DataFrame
        Sentra workers, one row per area, one column per commodity (all columns sparse:
        computed on a sparse matrix, with the same result).
    pairs : DataFrame
        ``code`` and ``commodity`` columns (e.g. the evidence rows).
    method, alpha, full_lq :
        As in :func:`hot_spots` and :func:`neighbourhood_score`.
    categorical : bool
        ``cluster`` as a Categorical (NaN where not tested) instead of text.

    Returns
    -------
    DataFrame
        Aligned with ``pairs`` (same index and order): ``cluster_score`` (0 for a pair
        outside ``codes`` x ``workers.columns``), ``gi_z``, ``gi_p``, ``cluster`` (NaN/None
        where the commodity is not tested).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame(geometry=[box(x, y, x + 1, y + 1)
    ...                                   for y in range(5) for x in range(5)])
    >>> codes = pd.Index([f"a{i}" for i in range(25)])
    >>> y = np.zeros(25)
    >>> y[[0, 1, 5, 6]] = [40, 35, 30, 45]
    >>> ev = pd.DataFrame({"code": ["a0", "a24", "a0"], "commodity": ["kakao", "kakao", "kopi"]})
    >>> out = cluster_evidence(contiguity(grid), codes, pd.DataFrame({"kakao": y}, index=codes),
    ...                        ev)
    >>> out["cluster"].fillna("(kopi not tested)").tolist()
    ['hot spot', 'not significant', '(kopi not tested)']
    """
    return pd.DataFrame(cluster_columns(w, codes, workers, pairs, method, alpha, full_lq,
                                        categorical), index=pairs.index)


def cluster_columns(w, codes: pd.Index, workers: pd.DataFrame, pairs: pd.DataFrame,
                    method: str = "analytical", alpha: float = ALPHA, full_lq: float = 8.0,
                    categorical: bool = False) -> dict:
    """The columns of :func:`cluster_evidence` as a dict of arrays (not copied into one
    frame: a national evidence takes them one by one, 7 million rows each)."""
    codes = pd.Index(codes)
    own = _matrix(workers)
    r, c = _positions(codes, workers.columns, pairs)
    score = _neighbourhood_at(w, own, r, c, full_lq)
    np.nan_to_num(score, copy=False, nan=0.0)
    zz, pp, labels = _gi_at(w, own, r, c, method, alpha)
    del r, c, own
    return {"cluster_score": score, "gi_z": zz, "gi_p": pp,
            "cluster": _label_column(labels, categorical)}
