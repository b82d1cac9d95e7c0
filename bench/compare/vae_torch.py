#!/usr/bin/env python3
"""The variational autoencoder of examples/ae_vae.cpp in PyTorch, for bench/compare/zoo.sh.

    vae_torch.py [--epochs N] [--batch-size N] [--seed N] [--threads N] [--train-limit N]

784 - Dense(64, relu) - (z_mean, z_log_var) in 2-d - z = z_mean + exp(z_log_var / 2) * eps
    - Dense(64, relu) - Dense(784, sigmoid), with Keras's rules: glorot-uniform kernels
(xavier_uniform_), zero biases, Adam(lr 1e-3, betas 0.9 / 0.999, eps 1e-7), and the blog's
loss: 784 * binary cross-entropy (from the logits, as Keras after a sigmoid) + KL divergence,
per image, averaged over the batch. The test loss samples eps too (seeded), as the example's
evaluate does. Random numbers come from torch's generators, not the example's: compare over
seeds. Prints seconds_per_epoch, then test_loss last.
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from dense_autoencoder_torch import load_idx_images  # noqa: E402


class VAE(nn.Module):
    def __init__(self, latent=2, hidden=64):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU())
        self.z_mean = nn.Linear(hidden, latent)
        self.z_log_var = nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))  # logits
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def loss(self, x, generator):
        h = self.encoder(x)
        mu, log_var = self.z_mean(h), self.z_log_var(h)
        eps = torch.randn(mu.shape, generator=generator)
        z = mu + torch.exp(log_var / 2) * eps
        logits = self.decoder(z)
        reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
        kl = -0.5 * (1 + log_var - mu.square() - log_var.exp()).sum(dim=1)
        return (reconstruction + kl).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/mnist"))
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-limit", type=int, default=0, help="train on the first N images only (0: all)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    # Subnormal numbers flushed to zero, as autoenc and TensorFlow do while training: without it
    # the saturated sigmoid outputs' tiny gradients take slow microcode paths on x86.
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    x_train = torch.from_numpy(load_idx_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    x_test = torch.from_numpy(load_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte")))
    if args.train_limit > 0:
        x_train = x_train[:args.train_limit]

    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7, foreach=True)
    shuffle = torch.Generator().manual_seed(args.seed)
    noise = torch.Generator().manual_seed(args.seed + 1)
    n, batch = x_train.shape[0], args.batch_size
    times = []
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=shuffle)
        total = 0.0
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = model.loss(x_train[idx], noise)
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.shape[0]
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}/{args.epochs}: {times[-1]:.3f} s, loss {total / n:.4f}", file=sys.stderr)

    test_sum = 0.0
    evaluation = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for first in range(0, x_test.shape[0], 256):
            xb = x_test[first:first + 256]
            test_sum += model.loss(xb, evaluation).item() * xb.shape[0]
    print(f"torch {torch.__version__} threads={args.threads} model=vae epochs={args.epochs} batch={batch} seed={args.seed}")
    print(f"seconds_per_epoch: {sum(times) / len(times) if times else 0.0:.3f}")
    print(f"test_loss: {test_sum / x_test.shape[0]:.6f}")


if __name__ == "__main__":
    main()
