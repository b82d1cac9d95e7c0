#!/usr/bin/python3
"""scikit-learn's answers for the small cases pinned in tests/test_kmeans.cpp.

Run with the scikit-learn the tests claim parity with (1.2):
    /usr/bin/python3 tests/reference/kmeans_reference.py
and copy the printed values into the test when a case changes. Every case is deterministic
(explicit initial centres, or a fixed sequence of them through a callable init), so the values
do not depend on NumPy's random generator.
"""
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.cluster._k_means_common import _is_same_clustering
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

warnings.filterwarnings("ignore")  # ConvergenceWarning for the cases with empty clusters


def column(values):
    return np.array(values, dtype=float)[:, None]


def fit(X, init, **kw):
    kw.setdefault("n_init", 1)
    return KMeans(len(init), init=column(init) if np.ndim(init) == 1 else np.asarray(init, float), **kw).fit(X)


def show(title, km):
    print(f"  {title}: labels {km.labels_.tolist()} centres {km.cluster_centers_.ravel().tolist()} "
          f"inertia {km.inertia_!r} n_iter {km.n_iter_}")


print("scikit-learn", sklearn.__version__, "numpy", np.__version__)

print("\n1. best of n_init runs: the same-clustering guard")
a = lambda *v: np.array(v, dtype=np.int32)
for l1, l2 in [((0, 0, 1, 1), (1, 1, 0, 0)), ((0, 0, 1, 1), (0, 0, 0, 0)), ((0, 0, 0, 0), (0, 0, 1, 1)),
               ((0, 1, 1, 2), (2, 0, 0, 1)), ((0, 1, 2, 2), (0, 1, 1, 2))]:
    print(f"  _is_same_clustering({list(l1)}, {list(l2)}, 3) = {_is_same_clustering(a(*l1), a(*l2), 3)}")
# X = 0, 1, 10, 11: whatever two samples start the run, one iteration gives {0, 1} {10, 11}; starting
# from two samples of the same pair leaves the centres away from the means, so the inertia is higher.
X = column([0, 1, 10, 11])
for starts in ([[0, 1], [0, 2]], [[0, 2], [0, 1]], [[2, 3], [1, 2]]):
    it = iter(starts)
    km = KMeans(2, init=lambda Xc, k, random_state: Xc[next(it)].copy(), n_init=len(starts), max_iter=1).fit(X)
    single = [fit(X, X[s].ravel(), max_iter=1).inertia_ for s in starts]
    print(f"  runs starting from samples {starts}: inertias {single} -> kept inertia {km.inertia_!r} "
          f"labels {km.labels_.tolist()} centres {km.cluster_centers_.ravel().tolist()}")

print("\n2. empty-cluster relocation (max_iter=1 shows the M step; default max_iter the result)")
cases = [
    ("6 points, third centre far away", [0, 0.1, 0.3, 10, 10.1, 10.2], [0, 10, 1000]),
    ("every sample on its centre (distance 0)", [0, 0, 0, 5, 5], [0, 5, 100]),
    ("equal farthest distances: the last sample moves", [0, 2, 4, 10], [2, 10, 100]),
    ("a singleton loses its sample (centre left at the data mean)", [0, 1, 2, 60], [1, 100, 1000]),
    ("the same, the emptied cluster first", [0, 1, 2, 60], [100, 0, 1000]),
    ("two empty clusters: farthest to the lower index", [0, 1, 3, 7, 20], [0, 20, 200, 100]),
]
for title, x, init in cases:
    print(f" {title}: X {x} init {init}")
    for algo in ("lloyd", "elkan"):
        for max_iter in (1, 300):
            show(f"{algo} max_iter {max_iter}", fit(column(x), init, max_iter=max_iter, algorithm=algo))

print("\n3. k-means++ candidates: np.searchsorted(cumsum, r) (side='left'), clipped to n - 1")
cumsum = np.array([0.0, 0.0, 2.0, 2.0, 5.0])
r = np.array([0.0, 1.0, 2.0, 2.5, 5.0, 5.5])
ids = np.searchsorted(cumsum, r)
print(f"  cumsum {cumsum.tolist()} r {r.tolist()} -> {np.clip(ids, None, cumsum.size - 1).tolist()}")

print("\n4. an exact tie in an E step after the first: scikit-learn's lloyd takes the lower index,")
print("   its elkan keeps the current label")
x, init = [3, 6, 7, 7, 11, 14], [0, 7]
for algo in ("lloyd", "elkan"):
    show(algo, fit(column(x), init, algorithm=algo))

print("\n5. tol scaled by the mean feature variance")
# 20 points in 2-D with unequal feature variances, three centres started in a corner so Lloyd
# needs several iterations; the centre shifts are recomputed here to place tol just above and
# just below the shift of an iteration.
i = np.arange(20)
X = np.stack([(i * 7) % 20, ((i * i) % 13) / 2.0], axis=1).astype(float)
init = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
var = np.var(X, axis=0).mean()
print(f"  X[i] = ((7 i) % 20, ((i * i) % 13) / 2), i < 20; init {init.tolist()}; mean variance {var!r}")
Xc, c = X - X.mean(axis=0), init - X.mean(axis=0)
shifts = []
for _ in range(100):
    labels = ((Xc[:, None, :] - c[None]) ** 2).sum(axis=2).argmin(axis=1)
    new = np.array([Xc[labels == j].mean(axis=0) for j in range(3)])
    shifts.append(((new - c) ** 2).sum())
    c = new
    if shifts[-1] == 0:
        break
print(f"  sum of squared centre shifts per iteration: {shifts}")
print(f"  tol=0: n_iter {fit(X, init, tol=0).n_iter_}, tol=1e-4: n_iter {fit(X, init).n_iter_}")
for t in range(1, len(shifts) - 1):
    for factor in (1.01, 0.99):
        tol = shifts[t - 1] / var * factor
        print(f"  tol = shift[{t}] / var * {factor} = {tol!r}: n_iter {fit(X, init, tol=tol).n_iter_}")

print("\n6. clustering metrics' special cases")
for t, p in [([0], [0]), ([0], [7]), ([], []), ([0, 1], [0, 0]), ([0, 0], [1, 1]), ([0, 1, 2], [5, 6, 7]),
             ([0, 0, 1, 1], [0, 1, 0, 1]), ([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]),
             ([0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2])]:
    print(f"  {t} {p}: ARI {adjusted_rand_score(t, p)!r} NMI {normalized_mutual_info_score(t, p)!r}")
