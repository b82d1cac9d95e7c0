#!/usr/bin/env python3
"""The autoencoder zoo (examples/ae_*.cpp) in PyTorch, for bench/compare/zoo.sh.

    zoo_torch.py MODEL [--epochs N] [--seed N] [--threads N] [--train-limit N] ...
    MODEL: simple, sparse, deep, conv, denoising

The same architectures as the examples, with Keras's rules:
  - kernels glorot-uniform (xavier_uniform_, whose fans for Linear and Conv2d are Keras's),
    biases zero;
  - Adam(lr 1e-3, betas 0.9 / 0.999, eps 1e-7);
  - binary cross-entropy averaged over every pixel, computed from the last layer's
    pre-activation (BCEWithLogitsLoss), as Keras does after a sigmoid;
  - padding 'same' for a 3x3 kernel at stride 1 is padding=1; MaxPooling2D(2, padding='same')
    is MaxPool2d(2, ceil_mode=True) (7 -> 4, the last window clipped); UpSampling2D is
    nearest-neighbour Upsample;
  - sparse: loss += 1e-4 * sum |code| / batch size (Keras's activity_regularizer = l1(1e-4)),
    in training and in the test loss, as Keras's evaluate reports it;
  - denoising: inputs clip(x + 0.5 N(0, 1), 0, 1), noise drawn once (training images from
    --seed, test images from --seed + 1), clean targets.
Random numbers (initial weights, shuffling, noise) come from torch's generators, so they are
not the examples' numbers: compare losses over several seeds, not digit for digit.

Prints one line per epoch on stderr, then seconds_per_epoch (the mean over the epochs),
the sparse model's mean_code_activation, and test_loss (on the 10,000 test images) last.
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from dense_autoencoder_torch import load_idx_images  # noqa: E402

# (epochs, batch size) of each model, as the examples' defaults.
DEFAULTS = {"simple": (50, 256), "sparse": (100, 256), "deep": (100, 256), "conv": (50, 128), "denoising": (100, 128)}
L1 = 1e-4  # the sparse model's activity regulariser


def conv(cin, cout, padding=1):
    return nn.Conv2d(cin, cout, 3, padding=padding)


def same_pool():
    return nn.MaxPool2d(2, ceil_mode=True)


def up():
    return nn.Upsample(scale_factor=2, mode="nearest")


def build(name):
    """(encoder, decoder); the decoder ends with the output layer's pre-activation (logits)."""
    if name in ("simple", "sparse"):
        return nn.Sequential(nn.Linear(784, 32), nn.ReLU()), nn.Sequential(nn.Linear(32, 784))
    if name == "deep":
        return (nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU()),
                nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 784)))
    if name == "conv":
        return (nn.Sequential(conv(1, 16), nn.ReLU(), same_pool(),     # 28 -> 14
                              conv(16, 8), nn.ReLU(), same_pool(),     # 14 -> 7
                              conv(8, 8), nn.ReLU(), same_pool()),     # 7 -> 4: the (8, 4, 4) code
                nn.Sequential(conv(8, 8), nn.ReLU(), up(),             # 4 -> 8
                              conv(8, 8), nn.ReLU(), up(),             # 8 -> 16
                              conv(8, 16, padding=0), nn.ReLU(), up(),  # 'valid': 16 -> 14 -> 28
                              conv(16, 1)))
    if name == "denoising":
        return (nn.Sequential(conv(1, 32), nn.ReLU(), same_pool(),     # 28 -> 14
                              conv(32, 32), nn.ReLU(), same_pool()),   # 14 -> 7: the (32, 7, 7) code
                nn.Sequential(conv(32, 32), nn.ReLU(), up(),           # 7 -> 14
                              conv(32, 32), nn.ReLU(), up(),           # 14 -> 28
                              conv(32, 1)))
    raise ValueError(name)


def keras_init(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


class Autoencoder(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.encoder, self.decoder = build(name)
        self.sparse = name == "sparse"
        self.apply(keras_init)

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code

    def loss(self, x, y):
        """Keras's loss of a batch: mean binary cross-entropy (+ the L1 activity term)."""
        logits, code = self(x)
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
        if self.sparse:
            loss = loss + L1 * code.abs().sum() / x.shape[0]
        return loss, code


def add_noise(x, generator, factor=0.5):
    return (x + factor * torch.randn(x.shape, generator=generator)).clamp_(0.0, 1.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=sorted(DEFAULTS))
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/mnist"))
    parser.add_argument("--epochs", type=int, help="default: the example's (50 or 100)")
    parser.add_argument("--batch-size", type=int, help="default: the example's (256 or 128)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-limit", type=int, default=0, help="train on the first N images only (0: all)")
    parser.add_argument("--channels-first", action="store_true",
                        help="NCHW memory for the conv models (default NHWC, as Keras and autoenc: faster here)")
    args = parser.parse_args()
    epochs = args.epochs if args.epochs is not None else DEFAULTS[args.model][0]
    batch = args.batch_size or DEFAULTS[args.model][1]

    torch.set_num_threads(args.threads)
    # Subnormal numbers flushed to zero, as autoenc and TensorFlow do while training: without it
    # the saturated sigmoid outputs' tiny gradients take slow microcode paths on x86.
    torch.set_flush_denormal(True)
    torch.manual_seed(args.seed)
    x_train = torch.from_numpy(load_idx_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    x_test = torch.from_numpy(load_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte")))
    if args.train_limit > 0:
        x_train = x_train[:args.train_limit]
    convolutional = args.model in ("conv", "denoising")
    if convolutional:
        x_train, x_test = x_train.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)
    # Inputs and targets: the same images, except for the denoising model's noisy inputs.
    in_train, in_test = x_train, x_test
    if args.model == "denoising":
        in_train = add_noise(x_train, torch.Generator().manual_seed(args.seed))
        in_test = add_noise(x_test, torch.Generator().manual_seed(args.seed + 1))

    model = Autoencoder(args.model)
    if convolutional and not args.channels_first:
        model = model.to(memory_format=torch.channels_last)
        in_train, x_train = in_train.contiguous(memory_format=torch.channels_last), x_train.contiguous(memory_format=torch.channels_last)
        in_test, x_test = in_test.contiguous(memory_format=torch.channels_last), x_test.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7, foreach=True)

    shuffle = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n, generator=shuffle)
        total = 0.0
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss, _ = model.loss(in_train[idx], x_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.shape[0]
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}/{epochs}: {times[-1]:.3f} s, loss {total / n:.4f}", file=sys.stderr)

    # The test loss as Keras's evaluate: batch losses weighted by batch size.
    test_sum, code_sum, code_count = 0.0, 0.0, 0
    with torch.no_grad():
        for first in range(0, x_test.shape[0], batch):
            loss, code = model.loss(in_test[first:first + batch], x_test[first:first + batch])
            test_sum += loss.item() * code.shape[0]
            code_sum += code.double().sum().item()
            code_count += code.numel()
    print(f"torch {torch.__version__} threads={args.threads} model={args.model} epochs={epochs} batch={batch} seed={args.seed}")
    print(f"seconds_per_epoch: {sum(times) / len(times) if times else 0.0:.3f}")
    if args.model == "sparse":
        print(f"mean_code_activation: sparse {code_sum / code_count:.6f}")
    print(f"test_loss: {test_sum / x_test.shape[0]:.6f}")


if __name__ == "__main__":
    main()
