#!/usr/bin/env python3
"""Cost model of one data-parallel training step on N nodes (docs/distributed.md).

    t_step(N) = t_compute(b) + t_comm(N)
    t_comm(N) = 2 (N - 1) alpha + 2 (N - 1) / N * M / beta

t_compute(b) is the time one node (this machine: 2 cores, one process with 2 threads) takes for
a step on b samples, measured (see --measure below) and interpolated in log-log; M is the
gradient's size in bytes (4 bytes per parameter); the exchange is autoenc's reduce-scatter by
hand (each node sends slice q of its shard to node q) and an all-gather (MPI_Allgatherv), with
one shard per node (S = N), which moves the bytes of a ring allreduce. alpha is the latency of
one message, beta the bandwidth. The model adds compute and communication: with one shard per
node nothing overlaps (a node's only shard is also its last), so it is the pessimistic bound
when nodes compute several shards.

Strong scaling keeps the chapter's global batch (256), so each node gets b = 256 / N samples;
weak scaling keeps b = 256 per node (global batch 256 N, fewer steps per epoch).

    python3 bench/compare/mpi_cost_model.py            # the table, from this machine's numbers
    python3 bench/compare/mpi_cost_model.py --measure  # re-measure t_compute with the examples
"""
import argparse
import math
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ms per step for a batch of b samples, one node = 2 cores (one process, 2 threads), measured
# with --measure on an AMD EPYC (AVX-512) 2-core machine.
MEASURED = {
    "cnn": {256: 22.333, 128: 11.750, 32: 3.875, 8: 1.521, 2: 0.958},
    "dense": {256: 5.500, 128: 3.333, 32: 1.729, 8: 1.396, 2: 0.979},
}
PARAMS = {"cnn": 421_377, "dense": 716_640}
PROGRAMS = {"cnn": "ch9_2_cnn_autoencoder", "dense": "ch9_1_dense_autoencoder"}
NETWORKS = {  # name: (bandwidth in bytes/s, latency of one message in s)
    "10 Gbit/s Ethernet": (10e9 / 8, 30e-6),
    "100 Gbit/s InfiniBand": (100e9 / 8, 2e-6),
}
SAMPLES = 60_000


def measure(model, build_dir):
    program = os.path.join(build_dir, "examples", PROGRAMS[model])
    table = {}
    with tempfile.TemporaryDirectory() as work:
        for b in (256, 128, 32, 8, 2):
            limit = 15360 if b > 8 else 3840
            results = os.path.join(work, "r.txt")
            subprocess.run([program, "--threads", "2", "--batch-size", str(b), "--epochs", "1", "--train-limit",
                            str(limit), "--out", work, "--results", results], check=True, stdout=subprocess.DEVNULL)
            with open(results) as f:
                seconds = float(next(l for l in f if l.startswith("train_seconds")).split(": ")[1])
            table[b] = 1000 * seconds / (limit / b)
    return table


def compute_ms(table, b):
    """t_compute(b), interpolated in log-log between the measured batch sizes."""
    sizes = sorted(table)
    b = min(max(b, sizes[0]), sizes[-1])
    for lo, hi in zip(sizes, sizes[1:]):
        if lo <= b <= hi:
            w = math.log(b / lo) / math.log(hi / lo)
            return math.exp((1 - w) * math.log(table[lo]) + w * math.log(table[hi]))
    return table[sizes[-1]]


def comm_ms(nodes, params, bandwidth, latency):
    if nodes == 1:
        return 0.0
    bytes_ = 4 * params
    return 1000 * (2 * (nodes - 1) * latency + 2 * (nodes - 1) / nodes * bytes_ / bandwidth)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", action="store_true", help="measure t_compute with the built examples")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--nodes", default="1,2,8,32,128")
    args = parser.parse_args()
    nodes_list = [int(n) for n in args.nodes.split(",")]
    for model in ("cnn", "dense"):
        table = measure(model, args.build_dir) if args.measure else MEASURED[model]
        params = PARAMS[model]
        print(f"\n{model}: {params:,} parameters, gradient {4 * params / 1e6:.2f} MB; t_compute(b) ms: " +
              ", ".join(f"b={b}: {t:.3f}" for b, t in sorted(table.items(), reverse=True)))
        for net, (bandwidth, latency) in NETWORKS.items():
            print(f"\n{model}, {net} (alpha {latency * 1e6:.0f} us, beta {bandwidth / 1e9:.2f} GB/s)\n")
            print("| nodes | strong: batch/node | compute ms | comm ms | epoch s | efficiency "
                  "| weak: epoch s (batch 256/node) | efficiency |")
            print("|---:|---:|---:|---:|---:|---:|---:|---:|")
            t1 = compute_ms(table, 256)
            epoch1 = SAMPLES / 256 * t1 / 1000
            for n in nodes_list:
                b = 256 / n
                tc, tm = compute_ms(table, b), comm_ms(n, params, bandwidth, latency)
                epoch = SAMPLES / 256 * (tc + tm) / 1000
                weak_epoch = SAMPLES / (256 * n) * (t1 + tm) / 1000
                print(f"| {n} | {b:g} | {tc:.2f} | {tm:.2f} | {epoch:.2f} | {100 * epoch1 / (n * epoch):.0f}% "
                      f"| {weak_epoch:.3f} | {100 * epoch1 / (n * weak_epoch):.0f}% |")


if __name__ == "__main__":
    main()
