"""Layers: one contract for all of them.

``forward(x) -> out`` caches what ``backward`` needs; ``backward(grad_out) -> grad_in`` fills the
layer's gradients and returns dL/d(input). Shapes: ``x`` is (N, in_features), ``grad_out`` has the
shape of ``out``, ``grad_in`` the shape of ``x``. A model's backward walks its layers in reverse.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_positive_int, check_seed, lookup
from .affine import affine_backward, affine_forward


class Parameter:
    """A parameter array and its gradient array, under a readable name.

    ``layer.parameters()`` builds fresh pairs from the arrays the layer holds *at that moment*, so an
    optimizer always steps what ``backward`` last wrote, even when ``backward`` assigned new arrays
    (``self.weight_grad = x.T @ grad_out``). The optimizer updates ``value`` in place: that array is
    the layer's own ``weight``.
    """

    __slots__ = ("name", "value", "grad")

    def __init__(self, name: str, value: np.ndarray, grad: np.ndarray | None):
        self.name, self.value, self.grad = name, value, grad

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.value.shape})"


def parameters_to_vector(params, which: str = "value") -> np.ndarray:
    """All ``p.value`` (or, with ``which="grad"``, all ``p.grad``) of ``params``, flattened and
    concatenated in order into one new 1-D array of length ``sum(p.value.size)``."""
    attr = lookup({"value": "value", "grad": "grad"}, which, "which")
    return np.concatenate([np.ravel(getattr(p, attr)) for p in params])


def vector_to_parameters(vector, params) -> None:
    """Copy consecutive pieces of the 1-D ``vector`` into each ``p.value`` of ``params``, in place
    (the inverse of ``parameters_to_vector``); its length must be the total number of parameters."""
    vector = np.asarray(vector, dtype=np.float64)
    total = sum(p.value.size for p in params)
    if vector.shape != (total,):
        raise ValueError(f"vector must have shape ({total},), one entry per parameter; got {vector.shape}.")
    start = 0
    for p in params:
        p.value[...] = vector[start:start + p.value.size].reshape(p.value.shape)
        start += p.value.size


class Layer:
    """Base class: a layer without parameters. Subclasses define ``forward`` and ``backward``.

    A layer with parameters keeps each one in an attribute (``weight``), its gradient in the
    attribute of the same name with ``_grad`` appended (``weight_grad``), and names the parameters in
    ``param_names``; ``parameters()`` then pairs them up. ``output_range`` is (lowest, highest) value
    the layer can output, or None if unknown (losses use it to refuse an output they cannot take).
    """

    param_names: tuple = ()
    output_range = None

    def parameters(self) -> list[Parameter]:
        """Fresh (value, gradient) pairs of the arrays the layer holds now, one per ``param_names``."""
        return [Parameter(name, getattr(self, name), getattr(self, name + "_grad", None))
                for name in self.param_names]

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
    ``weight_grad = x.T @ grad_out`` (in, out), ``bias_grad = grad_out.sum(axis=0, keepdims=True)``
    (1, out), and the return value is ``grad_out @ weight.T`` (N, in).

    ``init`` is ``"normal"`` (standard normal, as the seed report's ``np.random.randn``) or ``"xavier"``; ``seed``
    (an int) or ``rng`` (a ``numpy.random.Generator``) makes the draw reproducible.
    """

    param_names = ("weight", "bias")
    output_range = (-np.inf, np.inf)

    def __init__(self, in_features: int, out_features: int, *, init: str = "normal", seed=None, rng=None):
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        draw = lookup(INITS, init, "init")
        rng = np.random.default_rng(check_seed(seed)) if rng is None else rng
        self.weight = draw(rng, self.in_features, self.out_features)
        self.bias = np.zeros((1, self.out_features))
        self.weight_grad = np.zeros_like(self.weight)
        self.bias_grad = np.zeros_like(self.bias)
        self._x = None

    def forward(self, x):
        """x: (N, in_features) -> (N, out_features)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}).forward(): x must have shape "
                             f"(N, {self.in_features}); got {x.shape}.")
        self._x = x
        return affine_forward(x, self.weight, self.bias)       # x @ W + b, the (1, out) bias on every row

    def backward(self, grad_out):
        """grad_out: (N, out_features) -> dL/dx of shape (N, in_features); sets the two gradients."""
        x = self._cached(self._x)
        self._check_grad(grad_out, (x.shape[0], self.out_features))
        # dL/dx = grad_out @ W.T (N, in); dL/dW = x.T @ grad_out (in, out); dL/db = grad_out summed
        # over the batch (1, out): affine.py writes these products once for the layer and the engine.
        grad_in, self.weight_grad, self.bias_grad = affine_backward(x, self.weight, grad_out)
        return grad_in

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"
