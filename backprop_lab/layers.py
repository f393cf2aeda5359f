"""Layers: one contract for all of them.

``forward(x) -> out`` caches what ``backward`` needs; ``backward(grad_out) -> grad_in`` fills the
layer's gradients and returns dL/d(input). Shapes: ``x`` is (N, in_features), ``grad_out`` has the
shape of ``out``, ``grad_in`` the shape of ``x``. A model's backward walks its layers in reverse.
"""
from __future__ import annotations

import numpy as np

from .validation import check_positive_int, lookup


class Parameter:
    """A parameter array and the array holding its gradient, under a readable name.

    Both arrays are updated in place (the optimizer writes ``value``, ``backward`` writes ``grad``),
    so the pairs returned by ``model.parameters()`` stay valid for a whole training run.
    """

    __slots__ = ("name", "value", "grad")

    def __init__(self, name: str, value: np.ndarray, grad: np.ndarray):
        self.name, self.value, self.grad = name, value, grad

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.value.shape})"


class Layer:
    """Base class: a layer without parameters. Subclasses define ``forward`` and ``backward``.

    A layer with parameters keeps each one in an attribute (``weight``) and its gradient in the
    attribute of the same name with ``_grad`` appended (``weight_grad``), and lists them in
    ``parameters()``. Both arrays are only ever updated in place.
    """

    def parameters(self) -> list[Parameter]:
        return []

    def __call__(self, x):
        return self.forward(x)

    def _cached(self, value):
        """Return a value cached by ``forward``, or raise if ``forward`` has not run yet."""
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before forward(): "
                               f"call forward(x) first so the layer can cache what backward needs.")
        return value

    def _check_grad(self, grad_out, expected_shape):
        if getattr(grad_out, "shape", None) != expected_shape:
            raise ValueError(f"{type(self).__name__}.backward(): grad_out has shape {np.shape(grad_out)} "
                             f"but the last forward output had shape {expected_shape}; they must match.")

    def __repr__(self):
        return f"{type(self).__name__}()"


def _normal(rng, n_in, n_out):
    """Standard normal weights, as the seed report draws them (np.random.randn)."""
    return rng.standard_normal((n_in, n_out))


def _xavier(rng, n_in, n_out):
    """Glorot/Xavier normal: std = sqrt(2 / (n_in + n_out)), keeps activations at a similar scale."""
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))


INITS = {"normal": _normal, "xavier": _xavier}


class Linear(Layer):
    """Fully connected layer: ``out = x @ weight + bias``. Caches its input ``x``.

    Shapes: ``x`` (N, in_features); ``weight`` (in_features, out_features); ``bias`` (1, out_features);
    ``out`` (N, out_features). After ``backward(grad_out)`` with ``grad_out`` of shape (N, out_features):
    ``weight_grad = x.T @ grad_out`` (in, out), ``bias_grad = grad_out`` summed over the batch (1, out),
    and the return value is ``grad_out @ weight.T`` (N, in).

    ``init`` is ``"normal"`` (standard normal, as the seed report's ``np.random.randn``) or ``"xavier"``; ``seed``
    (an int) or ``rng`` (a ``numpy.random.Generator``) makes the draw reproducible.
    """

    def __init__(self, in_features: int, out_features: int, *, init: str = "normal", seed=None, rng=None):
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        draw = lookup(INITS, init, "init")
        rng = np.random.default_rng(seed) if rng is None else rng
        self.weight = draw(rng, self.in_features, self.out_features)
        self.bias = np.zeros((1, self.out_features))
        self.weight_grad = np.zeros_like(self.weight)
        self.bias_grad = np.zeros_like(self.bias)
        self._x = None
        self._ones = None

    def forward(self, x):
        """x: (N, in_features) -> (N, out_features)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}).forward(): x must have shape "
                             f"(N, {self.in_features}); got {x.shape}.")
        self._x = x
        out = np.dot(x, self.weight)
        out += self.bias                                   # (1, out) added to every row
        return out

    def backward(self, grad_out, need_input_grad: bool = True):
        """grad_out: (N, out_features) -> dL/dx of shape (N, in_features).

        Fills ``weight_grad`` and ``bias_grad`` in place. With ``need_input_grad=False`` (the first
        layer of a model, whose input is the data) the matrix product for dL/dx is skipped and None
        is returned.
        """
        x = self._cached(self._x)
        self._check_grad(grad_out, (x.shape[0], self.out_features))
        np.dot(x.T, grad_out, out=self.weight_grad)       # dL/dW = x^T · dL/dout
        ones = self._ones
        if ones is None or len(ones) != len(x):
            ones = self._ones = np.ones(len(x))
        np.dot(ones, grad_out, out=self.bias_grad[0])     # dL/db: grad_out summed over the batch
        return np.dot(grad_out, self.weight.T) if need_input_grad else None  # dL/dx = dL/dout · W^T

    def parameters(self):
        return [Parameter("weight", self.weight, self.weight_grad),
                Parameter("bias", self.bias, self.bias_grad)]

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"
