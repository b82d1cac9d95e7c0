#!/usr/bin/env python3
"""scikit-learn's KMeans on a .npy array, timed like `autoenc kmeans` (wall and CPU time).

    kmeans_sklearn.py latent.npy --n-clusters 10 --n-init 10 --random-state 42 [--algorithm lloyd|elkan]
"""
import argparse
import time

import numpy as np
from sklearn.cluster import KMeans


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("--n-clusters", type=int, default=8)
    p.add_argument("--n-init", type=int, default=10)
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--algorithm", default="lloyd")
    args = p.parse_args()
    X = np.load(args.input)
    wall, cpu = time.perf_counter(), time.process_time()
    km = KMeans(n_clusters=args.n_clusters, n_init=args.n_init, random_state=args.random_state,
                algorithm=args.algorithm).fit(X)
    print(f"CPU times: total: {time.process_time() - cpu:.2f} s")
    print(f"Wall time: {time.perf_counter() - wall:.2f} s")
    print(f"n_iter: {km.n_iter_}")
    print(f"inertia: {km.inertia_:.6g}")


if __name__ == "__main__":
    main()
