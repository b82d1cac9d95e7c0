#!/usr/bin/python3
"""How autoenc's t-SNE scales: time per phase and peak memory from 10,000 to 1,000,000 points for
exact kNN + Barnes-Hut, approximate kNN + Barnes-Hut and approximate kNN + FFT interpolation.

    bench/compare/tsne_scaling.py [--sizes 10000,100000,1000000] [--threads 2] [--budget 1800]
                                  [--work build/fitsne] [--seed 0]

Data: the seeded 50-d mixture of 20 Gaussians of fitsne.py (the same files, in --work).
Settings: FIt-SNE's defaults as in fitsne.py (perplexity 30, 750 iterations, learning rate
'auto'). A configuration whose run would take longer than --budget seconds, judged from its
previous size (kNN as n^2 for the exact search, the rest as n log n), is not run: the table
prints the estimate, marked as such.
"""
import argparse
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fitsne import ROOT, dataset, run_measured  # noqa: E402

CONFIGS = [("exact", "barnes_hut"), ("approximate", "barnes_hut"), ("approximate", "fft")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=1800, help="longest run to attempt, in seconds")
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "fitsne"))
    args = parser.parse_args()
    args.latent = ""  # always the mixture, also at 60000
    os.makedirs(args.work, exist_ok=True)
    autoenc = os.path.join(ROOT, "build", "autoenc")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"CPU: {cpu}; {args.threads} threads; perplexity 30, 750 iterations", flush=True)
    rows, last = [], {}
    for n in (int(s) for s in args.sizes.split(",")):
        data, _ = dataset(n, args)
        for neighbors, method in CONFIGS:
            key = (neighbors, method)
            if key in last:  # estimate from the previous size before committing to the run
                n0, knn0, rest0 = last[key]
                grow = (n / n0) ** 2 if neighbors == "exact" else n * math.log(n) / (n0 * math.log(n0))
                estimate = knn0 * grow + rest0 * n * math.log(n) / (n0 * math.log(n0))
                if estimate > args.budget:
                    rows.append((n, neighbors, method, None, estimate, None, None, None))
                    print(f"n = {n}, {neighbors} + {method}: skipped, estimated {estimate:.0f} s", flush=True)
                    continue
            out, wall, peak = run_measured(
                [autoenc, "tsne", data, "--method", method, "--neighbors", neighbors, "--perplexity", "30",
                 "--n-iter", "750", "--random-state", str(args.seed), "--threads", str(args.threads), "--verbose", "1"],
                env, os.path.join(args.work, f"scaling_{n}_{neighbors}_{method}.log"))
            knn = float(re.search(r"Computed (?:approximate )?neighbors for \d+ samples in ([0-9.]+)s", out).group(1))
            p = float(re.search(r"Computed the joint probabilities .*? in ([0-9.]+)s", out).group(1))
            opt = float(re.search(r"Optimisation \(\w+\) took ([0-9.]+)s", out).group(1))
            kl = float(re.findall(r"kl_divergence: (\S+)", out)[-1])
            last[key] = (n, knn, wall - knn)
            rows.append((n, neighbors, method, wall, None, (knn, p, opt), kl, peak))
            print(f"n = {n}, {neighbors} + {method}: {wall:.1f} s (kNN {knn:.1f}, P {p:.1f}, optimisation {opt:.1f}), "
                  f"KL {kl:.4f}, peak {peak:.0f} MB", flush=True)

    print("\n| n | kNN | gradient | total s | kNN s | P s | optimisation s | KL | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, neighbors, method, wall, estimate, phases, kl, peak in rows:
        if wall is None:
            print(f"| {n} | {neighbors} | {method} | ~{estimate:.0f} (estimated, not run) | | | | | |")
        else:
            print(f"| {n} | {neighbors} | {method} | {wall:.1f} | {phases[0]:.1f} | {phases[1]:.1f} | {phases[2]:.1f} | "
                  f"{kl:.4f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
