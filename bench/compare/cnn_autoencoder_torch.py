#!/usr/bin/env python3
"""The chapter's convolutional autoencoder in PyTorch, timed like autoenc's cnn_autoencoder_epoch.

    Conv2d(1->32, k2, s2) -> Conv2d(32->64, k2, s2) -> Flatten -> Linear(3136, 64)
    -> Linear(64, 3136) -> Unflatten(64, 7, 7) -> ConvTranspose2d(64->32, k2, s2)
    -> ConvTranspose2d(32->1, k2, s2) + sigmoid;  relu or elu in every layer but the last.

Adam with Keras's settings, MSE, batch 256, shuffled, the 60,000 MNIST training images.
(With kernel 2 and stride 2, Keras's 'same' padding adds nothing, so plain ConvTranspose2d is
the same layer.) Prints seconds per epoch and milliseconds per step.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from dense_autoencoder_torch import load_idx_images, train_and_time  # noqa: E402


def model(act):
    a = torch.nn.ReLU if act == "relu" else torch.nn.ELU
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 2, stride=2), a(),
        torch.nn.Conv2d(32, 64, 2, stride=2), a(),
        torch.nn.Flatten(),
        torch.nn.Linear(3136, 64), a(),
        torch.nn.Linear(64, 3136), a(),
        torch.nn.Unflatten(1, (64, 7, 7)),
        torch.nn.ConvTranspose2d(64, 32, 2, stride=2), a(),
        torch.nn.ConvTranspose2d(32, 1, 2, stride=2), torch.nn.Sigmoid())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    parser.add_argument("--activation", choices=["relu", "elu"], default="relu")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels-last", action="store_true", help="NHWC memory format (as Keras and autoenc)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    # Subnormal numbers flushed to zero, as autoenc and TensorFlow do while training: without it
    # the saturated sigmoid outputs' tiny gradients take slow microcode paths on x86.
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    x = torch.from_numpy(load_idx_images(os.path.join(args.data, "train-images-idx3-ubyte"))).reshape(-1, 1, 28, 28)
    net = model(args.activation)
    if args.channels_last:
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    times = train_and_time(net, x, args.epochs)
    best = min(times)
    print(f"torch {torch.__version__} threads={args.threads} activation={args.activation}")
    print(f"torch_seconds_per_epoch: {best:.3f}")
    print(f"torch_ms_per_step: {best / ((x.shape[0] + 255) // 256) * 1e3:.3f}")


if __name__ == "__main__":
    main()
