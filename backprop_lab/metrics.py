"""Accuracy and the lab's printouts: the "testing result" and the training log."""
from __future__ import annotations

import numpy as np

from .validation import as_2d_array, check_positive_int, check_same_shape


def _right(y, pred, threshold):
    """Validated (y, pred) and the (N, 1) mask of predictions on the right side of ``threshold``."""
    y = as_2d_array(y, "y")
    pred = as_2d_array(pred, "pred")
    check_same_shape(pred, y, "pred", "y")
    return y, pred, (pred > threshold) == (y > threshold)


def accuracy(y, pred, threshold: float = 0.5) -> float:
    """Fraction of samples whose prediction, thresholded at ``threshold``, equals the label.

    y: (N, 1) labels 0/1; pred: (N, 1) probabilities or 0/1 labels. Returns a float in [0, 1].
    """
    return float(np.mean(_right(y, pred, threshold)[2]))


def print_predictions(y, pred, threshold: float = 0.5, digits: int = 5, max_rows=None, style: str = "table") -> float:
    """Print each sample's ground truth beside its prediction, then the accuracy; return the accuracy.

    y: (N, 1) labels; pred: (N, 1) network outputs (probabilities). ``style="table"`` numbers the
    samples and marks wrong predictions with ``✗``; ``style="handout"`` prints the lab handout's own
    lines, ``Ground truth: [1] | prediction: 0.94253``. ``max_rows`` limits how many samples are
    listed (the accuracy always counts all of them). ``digits``: decimals of each prediction (the
    handout prints all 16; the last ones differ from one computer to another).
    """
    if style not in ("table", "handout"):
        raise ValueError(f"style must be 'table' or 'handout'; got {style!r}.")
    y, pred, ok = _right(y, pred, threshold)
    n = len(y) if max_rows is None else min(len(y), max_rows)
    width = len(str(len(y) - 1))
    for i in range(n):
        if style == "handout":
            print(f"Ground truth: [{int(y[i, 0])}] | prediction: {pred[i, 0]:.{digits}f}")
        else:
            mark = "" if ok[i, 0] else "   ✗ wrong"
            print(f"Sample {i:>{width}}  ground truth: {int(y[i, 0])}  prediction: {pred[i, 0]:.{digits}f}{mark}")
    if n < len(y):
        print(f"... ({len(y) - n} more samples)")
    acc = float(ok.mean())
    print(f"Accuracy: {acc:.1%}" + ("" if style == "handout" else f" ({int(ok.sum())}/{len(y)} correct)"))
    return acc


def print_loss_log(history, every: int = 5000, digits: int = 6) -> None:
    """The handout's training log from a ``History``: ``Epoch: 5000    loss: 0.123510``, every ``every`` epochs.

    The loss printed for epoch e is ``history.loss[e - 1]``, measured before that epoch's update.
    """
    every = check_positive_int(every, "every")
    for epoch in range(every, len(history.loss) + 1, every):
        print(f"{'Epoch: ' + str(epoch):<15}loss: {history.loss[epoch - 1]:.{digits}f}")
