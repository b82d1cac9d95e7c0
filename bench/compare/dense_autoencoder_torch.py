#!/usr/bin/env python3
"""The chapter's Dense autoencoder in PyTorch, timed the way bench_dense times autoenc.

    Dense(784, relu) -> Dense(64, relu) -> Dense(784, sigmoid), Adam (Keras's settings), MSE,
    batch 256, shuffled, on the 60,000 MNIST training images.

Prints seconds per epoch and milliseconds per step. Run it through bench/compare/run.sh, which
runs autoenc and PyTorch side by side with the same thread count.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch


def load_idx_images(path):
    with open(path, "rb") as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols).astype(np.float32) / 255.0


def train_and_time(model, x, epochs, batch=256):
    """Trains `model` to reproduce x (Adam with Keras's settings, MSE, shuffled batches) and
    returns the seconds each epoch took."""
    # foreach=True is PyTorch's fastest non-fused CPU Adam (one multi-tensor kernel per step).
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7, foreach=True)
    loss_fn = torch.nn.MSELoss()
    steps = (x.shape[0] + batch - 1) // batch
    times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0])
        total = 0.0
        for s in range(steps):
            xb = x[order[s * batch:(s + 1) * batch]]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), xb)
            loss.backward()
            optimizer.step()
            total += loss.item() * xb.shape[0]
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {times[-1]:.3f} s, loss {total / x.shape[0]:.4f}", file=sys.stderr)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    # Subnormal numbers flushed to zero, as autoenc and TensorFlow do while training: without it
    # the saturated sigmoid outputs' tiny gradients take slow microcode paths on x86.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    x = torch.from_numpy(load_idx_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 784), torch.nn.ReLU(),
        torch.nn.Linear(784, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 784), torch.nn.Sigmoid())
    # foreach=True is PyTorch's fastest non-fused CPU Adam (one multi-tensor kernel per step).
    times = train_and_time(model, x, args.epochs)
    best = min(times)
    print(f"torch {torch.__version__} threads={args.threads}")
    print(f"torch_seconds_per_epoch: {best:.3f}")
    print(f"torch_ms_per_step: {best / ((x.shape[0] + 255) // 256) * 1e3:.3f}")


if __name__ == "__main__":
    main()
