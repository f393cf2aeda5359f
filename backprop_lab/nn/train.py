"""``train``: the full-batch training loop (forward, loss, backward, step), and its ``History``."""
from __future__ import annotations

import copy
import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..validation import check_binary_labels, check_memory, check_positive_int, check_xy
from . import engine as flat_engine
from .losses import get_loss
from .model import check_model
from .optim import DEFAULT_LR, get_optimizer
from .stuck import is_stuck, most_saturated, stuck_message, stuck_window

#: The values of ``train(..., engine=...)``.
ENGINES = ("auto", "flat", "layers")


class TrainingDiverged(ValueError):
    """Raised by ``train(..., on_divergence="raise")`` when the loss becomes NaN or infinite."""


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


def divergence_message(epoch: int, loss_value: float, lr: float, unbounded_output: bool) -> str:
    why = ("the network's output is unbounded (no output activation), so each too-large step "
           "makes the next error and gradient larger" if unbounded_output else
           "the updates overshoot and grow without bound")
    return (f"Training diverged at epoch {epoch}: the loss became {loss_value} with lr={lr:g}; {why}. "
            f"Try a smaller learning rate: lr={lr / 10:g}, and if the loss still grows, ten times smaller again.")


def train(model, x, y, epochs: int = 5000, lr=None, optimizer="gd", loss="mse", log_every=None,
          snapshot_every=None, progress: bool = False, on_divergence: str = "stop", print_fn=print,
          engine: str = "auto") -> History:
    """Train ``model`` on (x, y) with full-batch updates; return a ``History``.

    x: (N, n_inputs); y: (N, n_outputs) labels 0 or 1, as many columns as the model has outputs (an
    (N,) array is refused: pass ``y.reshape(-1, 1)``).
    ``optimizer`` is a name ("gd", "momentum", "adam") or an ``Optimizer``; ``lr=None`` takes the
    optimizer's default (``optim.DEFAULT_LR``). ``loss`` is "mse" or "bce" (or a ``Loss``); a loss
    that cannot take the model's outputs (BCE needs a sigmoid output) is refused before the first
    epoch with ``ValueError``. Each step updates the ``model.parameters()`` of that moment.
    ``engine`` chooses how: ``"layers"`` walks the model's layers (``forward``, ``backward``,
    ``opt.step(model.parameters())``); ``"flat"`` runs the same formulas on one flat parameter vector
    (``engine.py``: the same numbers, bit for bit, in about two thirds of the time), and refuses a
    model or optimizer it cannot run exactly (``engine.refusal`` says why); ``"auto"`` takes ``"flat"``
    when it can, else ``"layers"``. ``History.config["engine"]`` says which one ran.
    ``log_every=5000`` prints ``Epoch  5000  loss: 0.1235 ...`` lines through ``print_fn``.
    ``snapshot_every`` keeps a copy of the weights every so many epochs (default: about 50 in all).
    If the loss becomes NaN or infinite, training stops at that epoch and the message is printed
    through ``print_fn`` (``None`` prints nothing; ``on_divergence="stop"``) or raised as
    ``TrainingDiverged`` (``"raise"``). A run that got stuck (no progress at all: ``nn/stuck.py``) is
    named too: ``History.stuck`` and a message through ``print_fn``, saying why (saturated sigmoids
    at a large lr, typically) and what to try.
    ``progress=True`` shows a tqdm progress bar (the notebook widget form in Jupyter).
    """
    print_fn = print_fn if print_fn is not None else (lambda *args: None)  # None: silent
    check_model(model)
    sizes = getattr(model, "sizes", None)
    x, y = check_xy(x, y, n_features=sizes[0] if sizes else None, n_outputs=sizes[-1] if sizes else None)
    check_binary_labels(y, "y")
    epochs = check_positive_int(epochs, "epochs")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}.")
    opt = get_optimizer(optimizer, lr)
    loss_fn = get_loss(loss)
    loss_fn.check_target(y)
    loss_fn.check_output(getattr(model, "output_range", None), _output_name(model))
    if on_divergence not in ("stop", "raise"):
        raise ValueError(f"on_divergence must be 'stop' or 'raise'; got {on_divergence!r}.")
    log_every = None if log_every is None else check_positive_int(log_every, "log_every")
    every = max(1, epochs // 50) if snapshot_every is None else check_positive_int(snapshot_every, "snapshot_every")
    n_params = sum(p.value.size for p in model.parameters())       # history: loss, accuracy, snapshots
    check_memory(8 * (2 * epochs + (epochs // every + 2) * n_params), f"train(epochs={epochs})",
                 "its history (loss and accuracy per epoch, the snapshots of the weights); train fewer "
                 "epochs, take fewer snapshots (snapshot_every), or continue a run in several calls")
    _check_output_width(model, x, y)
    why_not = flat_engine.refusal(model, opt)
    if engine == "flat" and why_not:
        raise ValueError(f"engine='flat' cannot train this model exactly: {why_not}. Use engine='layers' "
                         f"(or 'auto', which picks 'flat' only where it computes the same thing).")
    ran = "layers" if engine == "layers" or why_not else "flat"

    n = len(y)
    target = y > 0.5
    losses = np.full(epochs, np.nan)
    accs = np.full(epochs, np.nan)
    snap_epochs, snaps = [0], [model.state_dict()]
    hist = History(losses, accs, snap_epochs, snaps, model=model,
                   config={"epochs": epochs, "lr": opt.lr, "optimizer": opt.name, "loss": loss_fn.name,
                           "optimizer_repr": repr(opt), "engine": ran})
    width = len(str(epochs))
    bar = _progress_bar(epochs) if progress else None
    # ``net`` walks the model's layers, or (engine "flat") runs the same formulas in the same order
    # on one flat parameter vector (``engine.one_network``: the same numbers, faster).
    runner = flat_engine.one_network(model, opt) if ran == "flat" else _layer_loop(model, opt)
    with runner as net, np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            pred = net.forward(x)
            value, grad = loss_fn.value_and_grad(pred, y)
            if not math.isfinite(value):
                hist.diverged_at = epoch
                hist.loss, hist.accuracy = losses[:epoch - 1], accs[:epoch - 1]
                hist.message = divergence_message(epoch, value, opt.lr,
                                                  getattr(model, "output_activation", "") == "none")
                if bar is not None:
                    bar.close()
                if on_divergence == "raise":
                    raise TrainingDiverged(hist.message)
                print_fn(hist.message)
                return hist
            losses[epoch - 1] = value
            accs[epoch - 1] = np.count_nonzero((pred > 0.5) == target) / n
            net.backward(grad)
            net.step()                          # layers: opt.step(model.parameters()) after this backward
            if epoch % every == 0 or epoch == epochs:
                snap_epochs.append(epoch)
                snaps.append(flat_engine.state_dict(net) if ran == "flat" else model.state_dict())
            if log_every and epoch % log_every == 0:
                print_fn(f"Epoch {epoch:>{width}}  loss: {value:.4f}  accuracy: {accs[epoch - 1]:.1%}")
            if bar is not None and (epoch % 100 == 0 or epoch == epochs):
                bar.update(epoch - bar.n)
                bar.set_postfix(loss=f"{value:.4f}", refresh=False)
    if bar is not None:
        bar.close()
    if is_stuck(losses, accs, y):
        hist.stuck = True
        hist.message = stuck_message(stuck_window(epochs), float(accs[-1]), opt.lr, most_saturated(model, x),
                                     large_lr=opt.lr >= 10 * (DEFAULT_LR.get(opt.name) or np.inf))
        print_fn(hist.message)
    return hist


class _LayerLoop:
    """The teaching loop: the model's own ``forward`` / ``backward``, and the optimizer's ``step`` on
    the ``model.parameters()`` of that moment (the arrays the layers hold after this backward)."""

    def __init__(self, model, opt):
        self.forward, self.backward = model.forward, model.backward
        self.step = lambda: opt.step(model.parameters())


@contextmanager
def _layer_loop(model, opt):
    yield _LayerLoop(model, opt)


def _check_output_width(model, x, y):
    """Run the model once on x (the layers' own checks and clear errors) and refuse labels y whose
    columns do not match its output's."""
    with np.errstate(over="ignore", invalid="ignore"):     # as in the loop: a diverging run is reported there
        out = np.shape(model.forward(x))
    if out != y.shape:
        width = out[-1] if len(out) == 2 else "?"
        raise ValueError(f"the model's output has shape {out} for x of shape {x.shape}, but y has shape {y.shape}: "
                         f"y needs one column per output ({width}). Make the last Linear layer's out_features "
                         f"match y's columns, or pass labels of shape ({len(x)}, {width}).")


def _output_name(model) -> str:
    """How the error for a loss that does not fit the output names the model's output."""
    if hasattr(model, "output_activation"):
        return f"output_activation={model.output_activation!r}"
    last = model.layers[-1] if getattr(model, "layers", None) else model
    return f"the model's last layer, {last!r},"


def _progress_bar(total):
    # tqdm's notebook-aware bar: a widget in Jupyter, text in a terminal.
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="training", unit="epoch")
