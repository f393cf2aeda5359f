"""The linear layer's maths, written once: ``affine_forward`` and ``affine_backward`` (CS231n's pair).

    out = x @ W + b        dW = xᵀ @ dout        db = dout summed over the samples        dx = dout @ Wᵀ

Written with ``np.matmul`` and axes counted from the end, so the same two functions serve

* one network: x (N, D), W (D, M), b (1, M), out and dout (N, M) (``Linear`` calls them this way);
* a stack of K networks: x (K, N, D), or one (N, D) shared by all, W (K, D, M), b (K, 1, M),
  out and dout (K, N, M) (the flat engine behind ``sweep`` calls them this way).

Nothing else in the package writes these matrix products (a test greps for them). The optional
``out=`` buffers let the engine reuse its arrays every epoch; the numbers are the same either way.
"""
from __future__ import annotations

import numpy as np


def affine_forward(x, W, b, out=None):
    """out = x @ W + b.

    x: (N, D) or (K, N, D); W: (D, M) or (K, D, M); b: (1, M) or (K, 1, M), added to every row.
    Returns out, (N, M) or (K, N, M), written into ``out`` if that array is given.
    """
    out = np.matmul(x, W, out=out)
    out += b
    return out


def affine_backward(x, W, grad_out, out=(None, None, None), need_dx=True):
    """The gradients of out = x @ W + b, given grad_out = dL/dout: returns (dx, dW, db).

    x: (N, D) or (K, N, D) (the forward's input); W: (D, M) or (K, D, M); grad_out: (N, M) or (K, N, M).
    dx = grad_out @ Wᵀ has the shape of x (N, D) / (K, N, D); dW = xᵀ @ grad_out the shape of W;
    db = grad_out summed over the N samples, (1, M) / (K, 1, M). ``out``: three arrays (or None) to
    write dx, dW, db into. ``need_dx=False`` skips dx (the first layer's, which nothing uses): None.
    """
    dx_out, dW_out, db_out = out
    dW = np.matmul(np.swapaxes(x, -1, -2), grad_out, out=dW_out)           # (D, N) @ (N, M)
    db = np.sum(grad_out, axis=-2, keepdims=True, out=db_out)              # (1, M)
    dx = np.matmul(grad_out, np.swapaxes(W, -1, -2), out=dx_out) if need_dx else None   # (N, M) @ (M, D)
    return dx, dW, db
