#!/usr/bin/env python3
"""scikit-learn's TSNE on a .npy array, timed like `autoenc tsne` (wall and CPU time).

    tsne_sklearn.py latent.npy --rows 5000 --perplexity 15 --learning-rate 100 --random-state 0
                    [--method barnes_hut|exact] [--init pca|random] [--n-iter 1000] [--angle 0.5]
                    [--out embedding.npy]
"""
import argparse
import time

import numpy as np
from sklearn.manifold import TSNE


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("--rows", type=int, default=0)
    p.add_argument("--perplexity", type=float, default=30.0)
    p.add_argument("--learning-rate", default="auto")
    p.add_argument("--early-exaggeration", type=float, default=12.0)
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--method", default="barnes_hut")
    p.add_argument("--init", default="pca")
    p.add_argument("--n-iter", type=int, default=1000)
    p.add_argument("--angle", type=float, default=0.5)
    p.add_argument("--out")
    args = p.parse_args()
    X = np.load(args.input)
    if args.rows:
        X = X[: args.rows]
    lr = args.learning_rate if args.learning_rate == "auto" else float(args.learning_rate)
    tsne = TSNE(n_components=2, perplexity=args.perplexity, learning_rate=lr, early_exaggeration=args.early_exaggeration,
                n_iter=args.n_iter, init=args.init, method=args.method, angle=args.angle,
                random_state=args.random_state)
    wall, cpu = time.perf_counter(), time.process_time()
    Y = tsne.fit_transform(X)
    print(f"CPU times: total: {time.process_time() - cpu:.2f} s")
    print(f"Wall time: {time.perf_counter() - wall:.2f} s")
    print(f"n_iter: {tsne.n_iter_}")
    if args.out:
        np.save(args.out, Y)
    print(f"kl_divergence: {tsne.kl_divergence_:.6f}")


if __name__ == "__main__":
    main()
