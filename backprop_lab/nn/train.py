"""``train``: the full-batch training loop (forward, loss, backward, step), and its ``History``."""
from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from ..validation import check_binary_labels, check_memory, check_positive_int, check_seed, check_weight_decay, check_xy
from . import engine as flat_engine
from .history import History
from .losses import get_loss
from .model import check_model
from .optim import DEFAULT_LR, get_optimizer
from .stuck import is_stuck, most_saturated, stuck_message, stuck_window

#: The values of ``train(..., engine=...)``.
ENGINES = ("auto", "flat", "layers")


class TrainingDiverged(ValueError):
    """Raised by ``train(..., on_divergence="raise")`` when the loss becomes NaN or infinite."""


def divergence_message(epoch: int, loss_value: float, lr: float, unbounded_output: bool) -> str:
    why = ("the network's output is unbounded (no output activation), so each too-large step "
           "makes the next error and gradient larger" if unbounded_output else
           "the updates overshoot and grow without bound")
    return (f"Training diverged at epoch {epoch}: the loss became {loss_value} with lr={lr:g}; {why}. "
            f"Try a smaller learning rate: lr={lr / 10:g}, and if the loss still grows, ten times smaller again.")


def train(model, x, y, epochs: int = 5000, lr=None, optimizer="gd", loss="mse", log_every=None,
          snapshot_every=None, progress: bool = False, on_divergence: str = "stop", print_fn=print,
          engine: str = "auto", batch_size=None, weight_decay: float = 0.0, shuffle_seed: int = 0,
          record_gradients: bool = False) -> History:
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

    ``batch_size`` (default None: the full batch, as in the lab): each epoch shuffles the samples
    (``shuffle_seed``: the same call gives the same numbers) and takes one step per batch of that
    many samples (the last batch may be smaller); ``batch_size=1`` is per-sample SGD, and a
    ``batch_size`` of ``len(x)`` or more is the full batch, bit for bit. ``History.loss`` and
    ``accuracy`` stay per epoch, on the whole training set, measured before the epoch's steps.
    ``weight_decay`` λ adds the L2 penalty ½λ‖W‖² on the weights (not the biases): λW joins each
    weight's gradient before the step, so GD does W ← W - η(∂L/∂W + λW); ``History.penalty`` records
    the penalty, apart from the data loss. ``record_gradients=True`` fills ``History.grad_rms``.
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
    n = len(y)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
        batch_size = None if batch_size >= n else batch_size            # one batch: the full batch, unshuffled
    weight_decay = check_weight_decay(weight_decay)
    shuffle_seed = check_seed(shuffle_seed, "shuffle_seed")
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

    target = y > 0.5
    losses = np.full(epochs, np.nan)
    accs = np.full(epochs, np.nan)
    snap_epochs, snaps = [0], [model.state_dict()]
    hist = History(losses, accs, snap_epochs, snaps, model=model,
                   config={"epochs": epochs, "lr": opt.lr, "optimizer": opt.name, "loss": loss_fn.name,
                           "optimizer_repr": repr(opt), "engine": ran, "batch_size": batch_size,
                           "weight_decay": weight_decay})
    penalty = hist.penalty = np.full(epochs, np.nan) if weight_decay else None
    rms = hist.grad_rms = np.full((epochs, n_linear(model)), np.nan) if record_gradients else None
    batches = None if batch_size is None else np.random.default_rng(shuffle_seed)
    width = len(str(epochs))
    bar = _progress_bar(epochs) if progress else None
    # ``net`` walks the model's layers, or (engine "flat") runs the same formulas in the same order
    # on one flat parameter vector (``engine.one_network``: the same numbers, faster).
    runner = flat_engine.one_network(model, opt) if ran == "flat" else _layer_loop(model, opt)
    with runner as net, np.errstate(over="ignore", invalid="ignore"):
        weights = weight_pairs(net, model, ran)
        extras = bool(weight_decay) or rms is not None
        for epoch in range(1, epochs + 1):
            pred = net.forward(x)
            if batches is None:
                value, grad = loss_fn.value_and_grad(pred, y)
            else:
                value = loss_fn.value(pred, y)           # the whole set, before this epoch's steps
            if penalty is not None:
                penalty[epoch - 1] = 0.5 * weight_decay * sum(float(np.vdot(W, W)) for W, _ in weights)
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
            if batches is None:
                net.backward(grad)
                if extras:                      # (skipped when neither is asked for: a call per epoch costs ~5%)
                    _decay_and_record(weights, weight_decay, rms, epoch, steps=1, first=True)
                net.step()                      # layers: opt.step(model.parameters()) after this backward
            else:
                order = batches.permutation(n)
                for start in range(0, n, batch_size):
                    idx = order[start:start + batch_size]
                    _, grad = loss_fn.value_and_grad(net.forward(x[idx]), y[idx])
                    net.backward(grad)
                    if extras:
                        _decay_and_record(weights, weight_decay, rms, epoch, steps=-(-n // batch_size),
                                          first=start == 0)
                    net.step()
                if rms is not None:
                    rms[epoch - 1] = np.sqrt(rms[epoch - 1])
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


def n_linear(model) -> int:
    """How many weight matrices ``model`` has (the columns of ``History.grad_rms``)."""
    return sum(1 for p in model.parameters() if p.name.endswith("weight"))


def weight_pairs(net, model, ran: str) -> list:
    """[(W, its gradient array), ...] per weight matrix, the arrays the step reads: the flat engine's
    views, or the model's own weights and the gradient arrays its ``backward`` refills in place."""
    if ran == "flat":
        return [(W, W_grad) for W, (W_grad, _) in zip(net.values[0::2], net.grads)]
    return _LayerWeights(model)


class _LayerWeights:
    """The layer loop's (W, W_grad) pairs, read afresh at each use: a layer's backward may give it new
    gradient arrays."""

    def __init__(self, model):
        self.model = model

    def __iter__(self):
        return iter([(p.value, p.grad) for p in self.model.parameters() if p.name.endswith("weight")])


def _decay_and_record(weights, weight_decay, rms, epoch, steps, first):
    """Add λW to each weight's gradient (L2 weight decay), and add this step's share of the mean square
    of each weight gradient to ``rms[epoch - 1]`` (the caller takes the root after the last batch; with
    one step per epoch, ``steps=1``, the root is taken here)."""
    for j, (W, W_grad) in enumerate(weights):
        if weight_decay:
            W_grad += weight_decay * W
        if rms is not None:
            mean_square = float(np.vdot(W_grad, W_grad)) / W_grad.size / steps
            rms[epoch - 1, j] = mean_square if first else rms[epoch - 1, j] + mean_square
    if rms is not None and steps == 1:
        rms[epoch - 1] = np.sqrt(rms[epoch - 1])


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
