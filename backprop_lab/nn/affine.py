"""The linear layer's maths, written once: ``affine_forward`` and ``affine_backward`` (CS231n's pair).

    out = x @ W + b        dW = xᵀ @ dout        db = dout summed over the samples        dx = dout @ Wᵀ

Written with ``np.matmul`` and axes counted from the end (``.mT`` swaps the last two), so the same
two functions serve

* one network: x (N, D), W (D, M), b (1, M), out and dout (N, M) (``Linear`` calls them this way);
* a stack of K networks: x (K, N, D), or one (N, D) shared by all, W (K, D, M), b (K, 1, M),
  out and dout (K, N, M) (the flat engine behind ``sweep`` calls them this way).

Nothing else in the package writes these matrix products (a test greps for them). The optional
``out=`` buffers let the engine reuse its arrays every epoch. Two details are for speed only: on
2-D arrays ``np.dot`` is ``np.matmul`` (the same BLAS product, the same numbers: tested) with about
0.3 µs less overhead per call (eight calls are a twentieth of a ``train()`` epoch); and for a stack
two of the products take an equivalent faster form (``_stacked``): the same formulas, rounded in
another order.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


def affine_forward(x, W, b, out=None):
    """out = x @ W + b.

    x: (N, D) or (K, N, D); W: (D, M) or (K, D, M); b: (1, M) or (K, 1, M), added to every row.
    Returns out, (N, M) or (K, N, M), written into ``out`` if that array is given.
    """
    out = (np.dot if W.ndim == 2 else np.matmul)(x, W, out=out)       # np.dot: see the module docstring
    out += b
    return out


def affine_backward(x, W, grad_out, out=(None, None, None), need_dx=True):
    """The gradients of out = x @ W + b, given grad_out = dL/dout: returns (dx, dW, db).

    x: (N, D) or (K, N, D) (the forward's input); W: (D, M) or (K, D, M); grad_out: (N, M) or (K, N, M).
    dx = grad_out @ Wᵀ has the shape of x, (N, D) / (K, N, D); dW = xᵀ @ grad_out the shape of W;
    db = grad_out summed over the N samples, (1, M) / (K, 1, M). ``out``: three arrays (or None) to
    write dx, dW, db into. ``need_dx=False`` skips dx (the first layer's, which nothing uses): None.
    """
    dx_out, dW_out, db_out = out
    if grad_out.ndim > 2:
        return _stacked(x, W, grad_out, dx_out, dW_out, db_out, need_dx)
    dW = np.dot(x.T, grad_out, out=dW_out)                                   # (D, N) @ (N, M)
    db = np.add.reduce(grad_out, axis=0, keepdims=True, out=db_out)         # grad_out.sum(axis=0, keepdims=True)
    dx = np.dot(grad_out, W.T, out=dx_out) if need_dx else None             # (N, M) @ (M, D)
    return dx, dW, db


def _stacked(x, W, grad_out, dx_out, dW_out, db_out, need_dx):
    """``affine_backward`` for a stack (K, N, M), in forms measured faster on the lab's shapes
    (benchmarks/README.md): the sum over samples as a product with a row of ones, 1ᵀ @ dout (BLAS,
    several times faster than a reduction over the middle axis); Wᵀ made contiguous; and for M = 1
    (after a layer of one unit, such as the output) dout @ Wᵀ is an outer product, a broadcast multiply."""
    dW = np.matmul(x.mT, grad_out, out=dW_out)                               # (K, D, N) @ (K, N, M)
    db = np.matmul(_ones_row(grad_out.shape[-2]), grad_out, out=db_out)     # (1, N) @ (K, N, M)
    dx = None
    if need_dx:
        W_T = W.mT if W.shape[-1] == 1 else np.ascontiguousarray(W.mT)       # (K, M, D)
        dx = (np.multiply if W.shape[-1] == 1 else np.matmul)(grad_out, W_T, out=dx_out)
    return dx, dW, db


@lru_cache(maxsize=8)
def _ones_row(n):
    """A read-only row of n ones, (1, n)."""
    ones = np.ones((1, n))
    ones.flags.writeable = False
    return ones
