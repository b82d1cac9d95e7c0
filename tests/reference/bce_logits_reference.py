#!/usr/bin/env python3
"""Reference values for tests/test_loss.cpp: PyTorch's binary_cross_entropy_with_logits (the
loss Keras computes for a sigmoid output layer), in double precision, mean over all elements,
with the gradient dL/dz. Run with Debian's Python: /usr/bin/python3 tests/reference/bce_logits_reference.py
"""
import torch

z = torch.tensor([[-50.0, -20.0, -3.0, -0.5, 0.0, 0.25, 2.0, 20.0, 50.0],
                  [50.0, 20.0, 3.0, 0.5, 0.0, -0.25, -2.0, -20.0, -50.0]], dtype=torch.float64, requires_grad=True)
t = torch.tensor([[0.0, 1.0, 0.0, 1.0, 1.0, 0.3, 0.0, 1.0, 0.0],
                  [0.0, 1.0, 0.7, 0.0, 0.5, 1.0, 1.0, 0.0, 1.0]], dtype=torch.float64)
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, t)
loss.backward()
print(f"loss = {loss.item():.17g}")
print("grad = {" + ", ".join(f"{g:.17g}" for g in z.grad.flatten().tolist()) + "}")
