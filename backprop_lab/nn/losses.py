"""Losses, each written once as NumPy on arrays of any leading shape: ``value`` and ``gradient``.

``pred`` and ``target`` hold one network's (N, K) outputs and labels, or a stack (..., N, K) of them
(the batched engine behind ``sweep`` passes (K_nets, N, 1) predictions). ``value`` averages over the
last two axes and returns one loss per network (a 0-d array for one network); ``gradient`` returns
dL/dpred, shaped like ``pred``. The loss and the output activation stay separate: the gradient is
dL/dŷ only, the output sigmoid multiplies by its own derivative.

A ``Loss`` object adds the layer-like contract ``forward(pred, target) -> float`` (validating its
inputs: an (N,) target is refused instead of being broadcast to (N, N)) and ``backward()``. Each loss
states the predictions it can take, ``pred_range``; ``check_output`` refuses an output activation
whose values do not fit (BCE needs a sigmoid output). Adding a loss is one edit: a subclass entered
in ``LOSSES``.
"""
from __future__ import annotations

import numpy as np

from ..validation import canonical_names, check_same_shape, lookup
from .activations import ACTIVATIONS


def _size(pred):
    """The number of predictions per network: N·K of the last two axes."""
    return pred.shape[-2] * pred.shape[-1]


def _fits(output_range, pred_range) -> bool:
    return pred_range[0] <= output_range[0] and output_range[1] <= pred_range[1]


class Loss:
    """Base class; subclasses set ``name``, ``pred_range`` and ``needs``, and define ``value`` and
    ``gradient`` (and ``check_target`` if the labels are restricted)."""

    name = "loss"
    pred_range = (-np.inf, np.inf)       # the predictions this loss can take, (lowest, highest)
    needs = ""                           # why, for the error message

    def __init__(self):
        self._pred = self._target = None

    def value(self, pred, target):
        raise NotImplementedError

    def gradient(self, pred, target):
        raise NotImplementedError

    def check_target(self, target):
        """Raise ``ValueError`` if the labels cannot be used with this loss (none by default)."""

    def forward(self, pred, target) -> float:
        """pred, target: (N, K) arrays of the same shape -> the loss as a Python float."""
        pred = np.asarray(pred, dtype=np.float64)
        target = np.asarray(target, dtype=np.float64)
        check_same_shape(pred, target)
        if not np.isfinite(target).all():
            raise ValueError("target contains NaN or infinite values; labels must be finite numbers.")
        self.check_target(target)
        self._pred, self._target = pred, target
        return float(self.value(pred, target))

    __call__ = forward

    def backward(self) -> np.ndarray:
        """dL/dpred, of the shape of ``pred`` from the last ``forward``."""
        if self._pred is None:
            raise RuntimeError(f"{type(self).__name__}.backward() was called before forward(pred, target).")
        return self.gradient(self._pred, self._target)

    def value_and_grad(self, pred, target):
        """(loss as a float, dL/dpred) without re-validating: for loops that checked their data once."""
        self._pred, self._target = pred, target
        return float(self.value(pred, target)), self.gradient(pred, target)

    def check_output(self, output_range, output: str = "the output activation"):
        """Raise ``ValueError`` unless predictions in ``output_range`` (lowest, highest) fit this loss.

        ``output`` names what produces them, e.g. "output_activation='relu'". ``None`` (an output
        layer of unknown range, such as a layer you wrote) is accepted.
        """
        if output_range is None or _fits(output_range, self.pred_range):
            return
        fitting = [n for n in canonical_names(ACTIVATIONS) if _fits(ACTIVATIONS[n].output_range, self.pred_range)]
        lo, hi = self.pred_range
        raise ValueError(f"loss {self.name!r} needs predictions from {lo:g} to {hi:g}{self.needs}, but "
                         f"{output} gives values from {output_range[0]:g} to {output_range[1]:g}. "
                         f"Use output_activation={' or '.join(map(repr, fitting))} with this loss, "
                         f"or another loss (valid names: {', '.join(sorted(LOSSES))}).")

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error over the N·K predictions: L = mean((ŷ - y)²), dL/dŷ = 2 (ŷ - y) / (N·K)."""

    name = "mse"

    def value(self, pred, target):
        return ((pred - target) ** 2).sum(axis=(-2, -1)) / _size(pred)

    def gradient(self, pred, target):
        return 2 * (pred - target) / _size(pred)


class BCELoss(Loss):
    """Binary cross-entropy, mean over the N·K predictions ŷ in (0, 1), targets y in [0, 1]:

    L = -mean(y log ŷ + (1 - y) log(1 - ŷ)); dL/dŷ = (ŷ - y) / (ŷ (1 - ŷ)) / (N·K). ŷ is clipped to
    [eps, 1 - eps] so that a saturated sigmoid gives a large but finite loss instead of inf.
    """

    name = "bce"
    pred_range = (0.0, 1.0)
    needs = " (it takes log ŷ and log(1 - ŷ): probabilities, as a sigmoid output gives)"

    def __init__(self, eps: float = 1e-12):
        super().__init__()
        self.eps = eps

    def check_target(self, target):
        if target.min() < 0 or target.max() > 1:
            raise ValueError(f"BCELoss: target values must lie in [0, 1] (class labels or probabilities: "
                             f"the labels y); "
                             f"got values from {target.min():g} to {target.max():g}.")

    def value(self, pred, target):
        p = np.clip(pred, self.eps, 1 - self.eps)
        return -(target * np.log(p) + (1 - target) * np.log1p(-p)).sum(axis=(-2, -1)) / _size(pred)

    def gradient(self, pred, target):
        p = np.clip(pred, self.eps, 1 - self.eps)
        return (p - target) / (p * (1 - p)) / _size(pred)


LOSSES = {"mse": MSELoss, "bce": BCELoss}


def get_loss(name) -> Loss:
    """A new loss for ``name`` ("mse" or "bce"), or ``name`` itself if it already is a ``Loss``."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")()
