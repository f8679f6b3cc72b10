"""Spatial clustering of each commodity's sentra: local Getis-Ord Gi* (esda) on contiguity.

Gi* is computed on each commodity's sentra workers per area over queen contiguity weights
(libpysal), with conditional-permutation p-values under a fixed seed. An area whose Gi* is
positive with ``p_sim <= 0.05`` is a hot spot.

The score's cluster component (``cluster_score``) is the neighbourhood's LQ: the commodity's
share of the workers in the area's neighbours against its share in the dataset outside the
area, scaled like the LQ score. It leaves the area's own count out, so the area's own growth
cannot lower it; Gi* is reported beside it as the significance test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

SEED = 12345
PERMUTATIONS = 999
ALPHA = 0.05
MIN_AREAS = 3  # commodities present in fewer areas are not tested


def contiguity(areas):
    """Queen contiguity weights of the areas (row order = ``areas`` order)."""
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Queen.from_dataframe(areas.reset_index(drop=True), use_index=False,
                                 silence_warnings=True)
    return w


def hot_spots(areas, intensity: pd.DataFrame, permutations: int = PERMUTATIONS,
              seed: int = SEED, w=None) -> pd.DataFrame:
    """Gi* per (area, commodity). ``intensity``: index = area codes (in ``areas`` order),
    one column per commodity (workers). Returns long rows with ``gi_z``, ``gi_p``,
    ``cluster`` ('hot spot', 'cold spot' or 'not significant')."""
    from esda.getisord import G_Local

    w = w or contiguity(areas)
    w.transform = "B"
    rows = []
    for cid in intensity.columns:
        y = intensity[cid].to_numpy(dtype=float)
        if (y > 0).sum() < MIN_AREAS or np.allclose(y, y[0]):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # n_jobs=1: esda's default (-1) starts a joblib process pool, which deadlocks
            # inside a worker process and makes results depend on scheduling
            g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed,
                        keep_simulations=False, n_jobs=1)
        z, p = np.asarray(g.Zs), np.asarray(g.p_sim)
        label = np.where((p <= ALPHA) & (z > 0), "hot spot",
                         np.where((p <= ALPHA) & (z < 0), "cold spot", "not significant"))
        rows.append(pd.DataFrame({"code": intensity.index, "commodity": cid, "gi_z": z,
                                  "gi_p": p, "cluster": label}))
    if not rows:
        return pd.DataFrame(columns=["code", "commodity", "gi_z", "gi_p", "cluster"])
    return pd.concat(rows, ignore_index=True)


def neighbourhood_score(w, codes: pd.Index, workers: pd.DataFrame,
                        full_lq: float = 8.0) -> pd.DataFrame:
    """Per (area, commodity): the neighbours' LQ (own area excluded), scaled to [0, 1]."""
    from scipy import sparse

    W = w.sparse.tocsr().astype(float)
    W.setdiag(0)
    W.eliminate_zeros()
    W = (W > 0).astype(float)
    X = sparse.csr_matrix(workers.to_numpy(dtype=float))
    neigh = np.asarray((W @ X).todense())  # neighbours' workers per commodity
    neigh_total = neigh.sum(axis=1, keepdims=True)
    own = workers.to_numpy(dtype=float)
    col_tot = own.sum(axis=0, keepdims=True)
    all_tot = own.sum()
    own_tot = own.sum(axis=1, keepdims=True)
    # reference share outside the area itself, with one pseudo-worker so it is never 0
    p_rest = (col_tot - own + 1.0) / (all_tot - own_tot + 1.0)
    k = 20.0
    share = (neigh + k * p_rest) / (neigh_total + k)
    lq = share / p_rest
    score = np.clip(np.log2(np.clip(lq, 1.0, None)) / np.log2(full_lq), 0, 1)
    # a new Index: naming the caller's own would rename its frame's index too
    out = pd.DataFrame(score, index=pd.Index(codes, name="code"), columns=workers.columns)
    return out.stack().rename("cluster_score").reset_index().rename(
        columns={"level_1": "commodity"})
