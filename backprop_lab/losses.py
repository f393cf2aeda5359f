"""Losses: ``forward(pred, target) -> float`` and ``backward() -> dL/dpred``.

``pred`` and ``target`` must have exactly the same shape, (N, 1) for the lab's networks; an (N,)
target is refused instead of being broadcast to (N, N). The loss and the output activation stay
separate: ``backward`` returns dL/dŷ only, the output sigmoid multiplies by its own derivative.
"""
from __future__ import annotations

import numpy as np

from .validation import check_same_shape, lookup


class Loss:
    """Base class; subclasses set ``name`` and implement ``_value`` and ``_grad``."""

    name = "loss"

    def __init__(self):
        self._pred = self._target = None

    def forward(self, pred, target) -> float:
        """pred, target: (N, K) arrays of the same shape -> the loss as a Python float."""
        pred = np.asarray(pred, dtype=np.float64)
        target = np.asarray(target, dtype=np.float64)
        check_same_shape(pred, target)
        if not np.isfinite(target).all():
            raise ValueError("target contains NaN or infinite values; labels must be finite numbers.")
        self._check_target(target)
        self._pred, self._target = pred, target
        return float(self._value(pred, target))

    __call__ = forward

    def backward(self) -> np.ndarray:
        """dL/dpred, of the shape of ``pred`` from the last ``forward``."""
        if self._pred is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before forward(pred, target).")
        return self._grad(self._pred, self._target)

    def value_and_grad(self, pred, target):
        """(loss, dL/dpred) without re-validating: for training loops that checked their data once."""
        self._pred, self._target = pred, target
        return float(self._value(pred, target)), self._grad(pred, target)

    def _check_target(self, target):
        pass

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error over all N·K elements: L = mean((ŷ - y)²), dL/dŷ = 2 (ŷ - y) / (N·K)."""

    name = "mse"

    def value_and_grad(self, pred, target):
        self._pred, self._target = pred, target
        diff = pred - target                       # computed once for both
        flat = diff.ravel()
        value = float(flat @ flat) / flat.size
        diff *= 2.0 / flat.size
        return value, diff

    def _value(self, pred, target):
        diff = (pred - target).ravel()
        return diff @ diff / diff.size

    def _grad(self, pred, target):
        return (pred - target) * (2.0 / pred.size)


class BCELoss(Loss):
    """Binary cross-entropy, mean over all elements, for predictions ŷ in (0, 1) and targets y in [0, 1].

    L = -mean(y log ŷ + (1 - y) log(1 - ŷ)); dL/dŷ = (ŷ - y) / (ŷ (1 - ŷ)) / N. ŷ is clipped to
    [eps, 1 - eps] so that a saturated sigmoid gives a large but finite loss instead of inf.
    """

    name = "bce"

    def __init__(self, eps: float = 1e-12):
        super().__init__()
        self.eps = eps

    def _check_target(self, target):
        if target.min() < 0 or target.max() > 1:
            raise ValueError(f"BCELoss: target values must lie in [0, 1] (class labels or probabilities: the labels y); "
                             f"got values from {target.min():g} to {target.max():g}.")

    def _value(self, pred, target):
        p = np.clip(pred, self.eps, 1 - self.eps)
        return -np.mean(target * np.log(p) + (1 - target) * np.log1p(-p))

    def _grad(self, pred, target):
        p = np.clip(pred, self.eps, 1 - self.eps)
        return (p - target) / (p * (1 - p)) / pred.size


LOSSES = {"mse": MSELoss, "bce": BCELoss}


def get_loss(name) -> Loss:
    """A new loss for ``name`` ("mse" or "bce"), or ``name`` itself if it already is a ``Loss``."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")()
