"""Activations, each written once as element-wise NumPy: ``function(x)`` and ``derivative(out)``.

Both work on arrays of any shape, so the same definitions serve an ``Activation`` layer here, on
(N, D) arrays, and the batched engine behind ``sweep``, on (K, N, D) stacks of K networks (as
scikit-learn's ``neural_network/_base.py`` keeps one table of activations and derivatives).
``derivative`` is written in terms of the output ``out = function(x)``, which the layer caches:
σ'(x) = s (1 - s) needs no second exponential. ``output_range`` is the (lowest, highest) value the
activation can give; a loss checks it (BCE needs predictions in (0, 1), i.e. a sigmoid output).

The table ``ACTIVATIONS`` maps names to classes; ``get_activation(name)`` looks a name up. Adding an
activation is one edit: a subclass of ``Activation`` entered in ``ACTIVATIONS``.
"""
from __future__ import annotations

import numpy as np

from ..validation import lookup
from .layers import Layer


def sigmoid(x):
    """Numerically stable logistic function σ(x) = 1 / (1 + e^(-x)), element-wise, as float64.

    The naive ``1 / (1 + np.exp(-x))`` overflows in ``exp(-x)`` for x < -709 (NumPy warns). The
    two-branch form never exponentiates a positive number: for x >= 0 the textbook 1 / (1 + e^(-x)),
    for x < 0 the equivalent e^x / (1 + e^x). Both divide by 1 + e with e = e^(-|x|) in (0, 1]; only
    the numerator differs: 1, or e (= e^x when x < 0). The same values, bit for bit, as notebook 01's
    ``np.where(x >= 0, 1 / (1 + e), e / (1 + e))`` (tested). The numerator is the larger of e and
    sign(x): 1 for x > 0, e for x < 0 (as sign(x) = -1 < e), and e = 1 at x = 0.
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))                        # e^(-|x|) in (0, 1]: never overflows
    return np.maximum(e, np.sign(x)) / (1 + e)    # numerator: 1 for x >= 0, e (= e^x) for x < 0


class Activation(Layer):
    """An element-wise activation layer ``out = function(x)``; caches its output.

    ``backward(grad_out)`` returns ``grad_out * derivative(out)``: f'(x) element by element, times the
    upstream gradient, shape (N, D) like ``x``. Subclasses set ``name`` and ``output_range`` and
    define ``function`` and ``derivative`` (static: element-wise, any shape). A class that states
    ``elementwise = True`` in its own body lets the flat engine call ``function`` / ``derivative`` on
    stacks of K networks (``validation.declares_elementwise``; the package's activations do).
    """

    name = "activation"
    output_range = (-np.inf, np.inf)

    @staticmethod
    def function(x):
        raise NotImplementedError

    @staticmethod
    def derivative(out):
        raise NotImplementedError

    def __init__(self):
        self._out = None

    def forward(self, x):
        """x: (N, D) -> f(x), (N, D)."""
        self._out = self.function(np.asarray(x, dtype=np.float64))
        return self._out

    def backward(self, grad_out):
        """grad_out: dL/d(out), (N, D) -> dL/dx = grad_out · f'(x), (N, D)."""
        out = self._cached(self._out)
        self._check_grad(grad_out, out.shape)
        return grad_out * self.derivative(out)


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^(-x)), values in (0, 1); from its output s, σ'(x) = s (1 - s)."""

    name = "sigmoid"
    elementwise = True
    output_range = (0.0, 1.0)
    function = staticmethod(sigmoid)

    @staticmethod
    def derivative(s):
        return s * (1 - s)


class Tanh(Activation):
    """tanh(x), values in (-1, 1); from its output t, tanh'(x) = 1 - t²."""

    name = "tanh"
    elementwise = True
    output_range = (-1.0, 1.0)
    function = staticmethod(np.tanh)

    @staticmethod
    def derivative(t):
        return 1 - t * t


class ReLU(Activation):
    """max(0, x), values in [0, ∞); the derivative is 1 where x > 0 (exactly where the output is > 0),
    else 0: a boolean mask, multiplied element-wise (not ``float(mask)``, which fails for more than
    one element, the seed report's bug)."""

    name = "relu"
    elementwise = True
    output_range = (0.0, np.inf)

    @staticmethod
    def function(x):
        return np.maximum(x, 0.0)

    @staticmethod
    def derivative(out):
        return out > 0


class Identity(Activation):
    """f(x) = x, the "no activation" case: f'(x) = 1, the gradient passes through unchanged."""

    name = "none"
    elementwise = True

    @staticmethod
    def function(x):
        return x

    @staticmethod
    def derivative(out):
        return 1.0


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "none": Identity,
               "identity": Identity, "linear": Identity}


def get_activation(name) -> Activation:
    """A new activation layer for ``name``, or ``name`` itself if it already is a layer (None: "none")."""
    if isinstance(name, Layer):
        return name
    if name is None:
        return Identity()
    return lookup(ACTIVATIONS, name, "activation")()
