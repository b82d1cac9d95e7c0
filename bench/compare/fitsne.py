#!/usr/bin/python3
"""autoenc's t-SNE (method fft) against FIt-SNE, side by side, at FIt-SNE's defaults.

    bench/compare/fitsne.py [--sizes 60000,250000,1000000] [--fitsne-src DIR] [--latent out/latent.npy]
                            [--threads 2] [--seed 0] [--work build/fitsne] [--method fft] [--neighbors auto]
                            [--reuse-fitsne] [--only autoenc|fitsne]

FIt-SNE cannot be installed from Debian: put a checkout of its public source
(https://github.com/KlugerLab/FIt-SNE) in third_party/FIt-SNE, or pass --fitsne-src, or set
FITSNE_SRC. The script compiles it there (bin/fast_tsne, g++ -O3 -march=native with FFTW, as its
README says plus -march=native) and skips the comparison with a message when the source is absent.

Data: n = 60000 is the chapter's latent vectors (--latent, written by
`ch9_2_cnn_autoencoder --activation elu --epochs 20 --latent-out out/latent.npy`); other sizes are
a seeded 50-d mixture of 20 Gaussians (centres N(0, 2^2) per coordinate, unit spread).

Settings (FIt-SNE's defaults): perplexity 30, 750 iterations, early exaggeration 12 for 250
iterations, momentum 0.5 then 0.8, PCA start, learning rate N/12 in FIt-SNE's convention
(gradient without the factor 4), which is autoenc's (scikit-learn's) 'auto' N/12/4 with it.
Both get the same threads. Printed per size: wall times (the whole run: kNN, P, optimisation),
their ratio, each run's final KL divergence as it reports it (each over its own kNN P: FIt-SNE's
neighbours are approximate) and both maps' KL under one P (exact neighbours) with an accurate Z
(`autoenc tsne --evaluate`), trustworthiness (k = 10) on the same 5,000-point sample, and peak
memory.

FIt-SNE at a million points runs for half an hour: --reuse-fitsne takes its figures from the log
and map an earlier run of this script left in --work (same data, same settings) instead of
running it again (--reuse-autoenc likewise for autoenc), and --only fitsne runs the peer alone;
the runs are timed one at a time, and the comparison (KL under one P, trustworthiness, untimed)
can then follow on its own.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mixture(n, seed, dims=50, clusters=20):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, size=(clusters, dims))
    labels = rng.integers(0, clusters, size=n)
    return (centres[labels] + rng.normal(size=(n, dims))).astype(np.float32)


def dataset(n, args):
    if n == 60000 and os.path.exists(args.latent):
        return args.latent, "the chapter's latent vectors"
    if n == 60000:
        print(f"({args.latent} not found: using the mixture at 60000 too; make it with "
              "build/examples/ch9_2_cnn_autoencoder --activation elu --epochs 20 --latent-out out/latent.npy)")
    path = os.path.join(args.work, f"mixture_{n}_{args.seed}.npy")
    if not os.path.exists(path):
        tmp = path + ".tmp.npy"
        np.save(tmp, mixture(n, args.seed))
        os.replace(tmp, path)
    return path, "50-d mixture of 20 Gaussians"


def run_measured(cmd, env=None, log=None, cwd=None):
    """Runs cmd; returns (stdout, wall seconds, peak resident MB of the process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, cwd=cwd)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if log:
        with open(log, "w") as f:
            f.write(" ".join(cmd) + "\n" + out)
            f.write(f"measured_wall: {wall}\nmeasured_peak_mb: {usage.ru_maxrss / 1024}\n")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"fitsne.py: '{' '.join(cmd)}' failed:\n{out[-2000:]}")
    return out, wall, usage.ru_maxrss / 1024


def build_fitsne(src):
    binary = os.path.join(src, "bin", "fast_tsne")
    sources = [os.path.join(src, "src", f) for f in ("sptree.cpp", "tsne.cpp", "nbodyfft.cpp")]
    if os.path.exists(binary) and all(os.path.getmtime(binary) > os.path.getmtime(s) for s in sources):
        return binary
    os.makedirs(os.path.dirname(binary), exist_ok=True)
    cmd = ["g++", "-std=c++11", "-O3", "-march=native", *sources, "-o", binary, "-pthread", "-lfftw3", "-lm",
           "-Wno-address-of-packed-member"]
    print("building FIt-SNE:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return binary


FITSNE_RUNNER = r"""
import resource, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from fast_tsne import fast_tsne
X = np.load(sys.argv[2]).astype(np.float64)
start = time.perf_counter()
Y, loss = fast_tsne(X, perplexity=30, max_iter=750, nthreads=int(sys.argv[4]), seed=int(sys.argv[5]), return_loss=True)
wall = time.perf_counter() - start
np.save(sys.argv[3], Y.astype(np.float32))
print("fitsne_wall:", wall)
print("fitsne_peak_mb:", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
print("kl_divergence:", float(loss[-1]))
"""


def trustworthiness_on_sample(data, maps, seed, size=5000, k=10):
    from sklearn.manifold import trustworthiness
    X = np.load(data, mmap_mode="r")
    rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=min(size, X.shape[0]), replace=False))
    Xs = np.asarray(X[rows], dtype=np.float64)
    return [trustworthiness(Xs, np.load(m)[rows].astype(np.float64), n_neighbors=k) for m in maps]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="60000,250000,1000000")
    parser.add_argument("--fitsne-src", default=os.environ.get("FITSNE_SRC", os.path.join(ROOT, "third_party", "FIt-SNE")))
    parser.add_argument("--latent", default=os.path.join(ROOT, "out", "latent.npy"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=os.path.join(ROOT, "build", "fitsne"))
    parser.add_argument("--method", default="fft", help="autoenc's method (fft, barnes_hut, auto)")
    parser.add_argument("--neighbors", default="auto", help="autoenc's neighbour search (exact, approximate, auto)")
    parser.add_argument("--reuse-fitsne", action="store_true", help="take FIt-SNE's figures from an earlier run's log")
    parser.add_argument("--reuse-autoenc", action="store_true", help="take autoenc's figures from an earlier run's log")
    parser.add_argument("--only", choices=["autoenc", "fitsne"], help="run one side only")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    have_fitsne = os.path.exists(os.path.join(args.fitsne_src, "src", "tsne.cpp"))
    if not have_fitsne:
        print(f"FIt-SNE's source is not in {args.fitsne_src}: put a checkout of "
              "https://github.com/KlugerLab/FIt-SNE there (or pass --fitsne-src DIR, or set FITSNE_SRC). "
              "Skipping the comparison; autoenc alone:")
    else:
        build_fitsne(args.fitsne_src)
    autoenc = os.path.join(ROOT, "build", "autoenc")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/openblas-openmp")  # NumPy's PCA at full speed
    for slow in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(slow, None)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"CPU: {cpu}; {args.threads} threads each; perplexity 30, 750 iterations, FIt-SNE's defaults", flush=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        data, what = dataset(n, args)
        ours_map = os.path.join(args.work, f"autoenc_{n}.npy")
        row = {"n": n, "what": what}
        maps = []
        ours_log = os.path.join(args.work, f"autoenc_{n}.log")
        if args.only != "fitsne" and args.reuse_autoenc and os.path.exists(ours_map) and os.path.exists(ours_log):
            out = open(ours_log).read()
            wall = float(re.findall(r"measured_wall: (\S+)", out)[-1])
            peak = float(re.findall(r"measured_peak_mb: (\S+)", out)[-1])
            print(f"n = {n}: autoenc's figures from {ours_log} (an earlier run)")
        elif args.only != "fitsne":
            out, wall, peak = run_measured(
                [autoenc, "tsne", data, "--method", args.method, "--neighbors", args.neighbors, "--perplexity", "30",
                 "--n-iter", "750", "--random-state", str(args.seed), "--threads", str(args.threads), "--verbose", "1",
                 "--out", ours_map],
                env, ours_log)
        if args.only != "fitsne":
            kl = float(re.findall(r"kl_divergence: (\S+)", out)[-1])
            phases = "; ".join(re.findall(r"\[t-SNE\] (Computed .*?neighbors.*?in [0-9.]+s|Computed the joint.*?in [0-9.]+s|"
                                          r"Optimisation.*?took [0-9.]+s)", out))
            row.update({"ours": wall, "ours_kl": kl, "ours_mb": peak, "phases": phases})
            print(f"n = {n} ({what}): autoenc {wall:.1f} s, KL {kl:.4f}, peak {peak:.0f} MB ({phases})", flush=True)
            maps.append(ours_map)
        if have_fitsne and args.only != "autoenc":
            fit_map = os.path.join(args.work, f"fitsne_{n}.npy")
            fit_log = os.path.join(args.work, f"fitsne_{n}.log")
            if args.reuse_fitsne and os.path.exists(fit_map) and os.path.exists(fit_log):
                out = open(fit_log).read()
                print(f"n = {n}: FIt-SNE's figures from {fit_log} (an earlier run)")
            else:
                out, _, _ = run_measured([sys.executable, "-c", FITSNE_RUNNER, args.fitsne_src, data, fit_map,
                                          str(args.threads), str(args.seed)], env, fit_log,
                                         cwd=args.work)  # its wrapper writes its files in the current directory
            row["theirs"] = float(re.findall(r"fitsne_wall: (\S+)", out)[-1])
            row["theirs_kl"] = float(re.findall(r"kl_divergence: (\S+)", out)[-1])
            row["theirs_mb"] = float(re.findall(r"fitsne_peak_mb: (\S+)", out)[-1])
            print(f"n = {n}: FIt-SNE {row['theirs']:.1f} s, KL {row['theirs_kl']:.4f}, peak {row['theirs_mb']:.0f} MB",
                  flush=True)
            maps.append(fit_map)
        if args.only:
            continue
        same_p = []
        for m in maps:
            out, _, _ = run_measured([autoenc, "tsne", data, "--perplexity", "30", "--threads", str(args.threads),
                                      "--neighbors", args.neighbors, "--evaluate", m], env)
            same_p.append(float(re.findall(r"kl_divergence: (\S+)", out)[-1]))
        row["ours_kl_same_p"] = same_p[0]
        if have_fitsne:
            row["theirs_kl_same_p"] = same_p[1]
        trust = trustworthiness_on_sample(data, maps, args.seed)
        row["ours_trust"] = trust[0]
        if have_fitsne:
            row["theirs_trust"] = trust[1]
        rows.append(row)

    print("\n| n | data | autoenc s | FIt-SNE s | time autoenc / FIt-SNE | KL reported autoenc / FIt-SNE | "
          "KL same P autoenc / FIt-SNE (ratio) | trust autoenc / FIt-SNE | peak MB autoenc / FIt-SNE |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "theirs" in r:
            print(f"| {r['n']} | {r['what']} | {r['ours']:.1f} | {r['theirs']:.1f} | {r['ours'] / r['theirs']:.3f} | "
                  f"{r['ours_kl']:.4f} / {r['theirs_kl']:.4f} | {r['ours_kl_same_p']:.4f} / {r['theirs_kl_same_p']:.4f} "
                  f"({r['ours_kl_same_p'] / r['theirs_kl_same_p']:.4f}) | {r['ours_trust']:.4f} / {r['theirs_trust']:.4f} | "
                  f"{r['ours_mb']:.0f} / {r['theirs_mb']:.0f} |")
        else:
            print(f"| {r['n']} | {r['what']} | {r['ours']:.1f} | - | - | {r['ours_kl']:.4f} | {r['ours_kl_same_p']:.4f} | "
                  f"{r['ours_trust']:.4f} | {r['ours_mb']:.0f} |")


if __name__ == "__main__":
    main()
