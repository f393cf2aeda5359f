"""``History``: what a training run recorded, per epoch and at its snapshots (``train`` returns one)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np


@dataclass
class History:
    """What ``train`` recorded.

    ``loss[i]`` and ``accuracy[i]`` are measured at epoch ``i + 1``, on the weights before that epoch's
    update (as the lab's loop prints them). ``snapshots[j]`` holds the weights after
    ``snapshot_epochs[j]`` updates (epoch 0 = the initial weights). If training diverged,
    ``diverged_at`` is the epoch whose loss was not finite, ``loss`` stops there, and ``message``
    says what to try. If it got **stuck** (``stuck.is_stuck``: the loss flat for the last 1,000 epochs
    and the accuracy near chance), ``stuck`` is True and ``message`` says why and what to try.
    """

    loss: np.ndarray
    accuracy: np.ndarray
    snapshot_epochs: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    diverged_at: int | None = None
    stuck: bool = False
    message: str = ""
    config: dict = field(default_factory=dict)
    model: object = field(default=None, repr=False)
    #: (epochs,) the L2 penalty ½λ Σ‖W‖² at each epoch, beside the data loss ``loss``; None without weight decay.
    penalty: np.ndarray | None = None
    #: (epochs, linear layers) the root-mean-square of each layer's weight gradient (the gradients the
    #: updates of that epoch used, over all its batches); None unless ``train(record_gradients=True)``.
    grad_rms: np.ndarray | None = None

    @property
    def epochs(self) -> int:
        """Number of epochs that completed with a finite loss."""
        return int(np.isfinite(self.loss).sum())

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    @property
    def final_accuracy(self) -> float:
        return float(self.accuracy[-1])

    @property
    def label(self) -> str:
        c = self.config
        return f"{c.get('optimizer', '?')}, lr={c.get('lr', float('nan')):g}"

    def epochs_to_accuracy(self, target: float = 1.0):
        """The first epoch (1-based) whose accuracy reached ``target``, or None if none did."""
        hit = np.flatnonzero(self.accuracy >= target)
        return int(hit[0]) + 1 if hit.size else None

    def weights_at(self, epoch: int) -> dict:
        """The latest snapshot taken at or before ``epoch``: a dict of arrays by parameter name."""
        j = int(np.searchsorted(self.snapshot_epochs, epoch, side="right")) - 1
        if j < 0:
            raise ValueError(f"no snapshot at or before epoch {epoch}; snapshots: {self.snapshot_epochs}.")
        return self.snapshots[j]

    def model_at(self, epoch: int):
        """A copy of the trained model with the weights it had at ``epoch`` (from the snapshots)."""
        if self.model is None:
            raise ValueError("this History has no model attached.")
        m = copy.deepcopy(self.model)
        m.load_state_dict(self.weights_at(epoch))
        return m

    def __repr__(self):
        status = f"diverged at epoch {self.diverged_at}" if self.diverged else (
            f"final loss {self.final_loss:.4f}, accuracy {self.final_accuracy:.1%}" + (", stuck" if self.stuck else ""))
        return f"History({len(self.loss)} epochs, {status}, {self.config.get('optimizer_repr', '')})"
