"""``sweep``: train a grid of networks at once, vectorised over the networks, and compare them.

>>> res = sweep("xor", lr=[0.01, 0.1, 1, 10], seed=range(8), hidden=[(10,), (10, 10), (10, 10, 10)], epochs=2000)
>>> res.table()                                  # mean ± std of the final loss and accuracy over seeds
>>> res.plot_heatmap("lr", "hidden")             # mean final accuracy over two swept settings
>>> res.plot_curves(by="lr")                     # mean loss curve ± std over seeds, one line per lr

Each of ``lr``, ``seed``, ``hidden``, ``activation``, ``output_activation``, ``optimizer``, ``loss``,
``batch_size`` and ``weight_decay`` takes one value or a list; the grid is their product, K networks
``MLP((d, *hidden, 1), ...)``: Linear → activation for each hidden layer, then Linear → output
activation, for any input width d and any number of hidden layers. Networks that share hidden sizes,
activations, optimizer, loss, batch size and weight decay
form one batch, trained with one set of NumPy calls per epoch: weights stacked as (K_b, in, out),
e.g. ``(K_b, N, h1) @ (K_b, h1, h2)`` (the flat engine, ``engine.py``, has all the shapes); a large batch is split
between worker threads, one per CPU up to 4 (NumPy releases the GIL inside array operations).
Network k starts from the weights of ``MLP((d, *hidden, 1), activation, output_activation, seed=s)``,
sees the same data and calls the same definitions of the activations, the loss and the update rule
as ``train()``, so it ends with the same weights, up to rounding (1e-10 relative in the tests).

The result, for K networks and E epochs (epoch semantics of ``History``):

* ``res.settings``: K dicts {"hidden", "activation", "output_activation", "optimizer", "loss", "lr", "seed"};
* ``res.loss``, ``res.accuracy``: (K, E), entry i measured at epoch i + 1 before that epoch's update;
  NaN from the epoch where a network diverged on;
* ``res.diverged_at``: a list of K entries, the epoch whose loss was NaN or infinite (that network's
  weights stay as they were then; the others go on), or None if it never diverged (as
  ``History.diverged_at``); ``res.diverged`` is the (K,) boolean array "diverged at some epoch";
* ``res.final_loss``, ``res.final_accuracy``: (K,), the last recorded values (``History.final_loss``).
"""
from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral

import numpy as np

from ..data import load_dataset
from ..nn import engine
from ..nn.activations import get_activation
from ..nn.layers import parameters_to_vector
from ..nn.losses import LOSSES, get_loss
from ..nn.optim import get_optimizer
from ..validation import check_binary_labels, check_memory, check_positive_int, check_xy
from .settings import check_loss_fits, resolve_lr, resolve_output_activation, setting
from .sweep_result import SETTINGS, SweepResult


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple, range, np.ndarray)) else [value]


def _axis(name, value):
    """The list of values of one grid axis, each checked and in canonical form (``settings.setting``)."""
    if name == "hidden":        # (10, 10) is one setting, two layers; [(10,), (10, 10)] two settings
        one = isinstance(value, Integral) or (isinstance(value, tuple) and all(isinstance(s, Integral) for s in value))
        values = [value] if one else _as_list(value)
    else:
        values = _as_list(value)
    values = [setting(name, v) for v in values]
    if not values:
        raise ValueError(f"{name} needs at least one value.")
    for v in values:
        if values.count(v) > 1:
            hint = " (one shape is written as a tuple, e.g. hidden=(10, 10))." if name == "hidden" else "."
            raise ValueError(f"{name} lists {v!r} more than once; give each value once{hint}")
    return values


def sweep(data, y=None, *, lr=None, seed=0, hidden=(10, 10), activation="sigmoid", output_activation="sigmoid",
          optimizer="gd", loss="mse", batch_size=None, weight_decay=0.0, epochs: int = 5000, init: str = "normal",
          workers=None, record_gradients: bool = False) -> SweepResult:
    """Train one network per combination of the settings; return a ``SweepResult``.

    ``data``: a data set name ("linear", "xor", "circles", "spiral"; ``load_dataset(name)``), or x of
    shape (N, d) with ``y`` (N, 1) labels 0/1 (or the pair ``(x, y)``). Every setting takes one value
    or a list: ``lr`` (None: ``DEFAULT_LR`` of the optimizer), ``seed`` (the weight draw of ``MLP``),
    ``hidden`` (a tuple of hidden-layer sizes, any number of layers: (10,), (10, 10), (10, 10, 10);
    an int h means (h, h); a list of them sweeps the shapes), ``activation`` and ``output_activation``
    ("sigmoid", "tanh", "relu", "none"), ``optimizer`` ("gd", "momentum", "adam"), ``loss`` ("mse",
    "bce"; a loss that does not fit an output activation in the grid, such as BCE without a sigmoid
    output, is refused before training), ``batch_size`` (None: the full batch; else mini-batches as
    ``train(batch_size=..., shuffle_seed=0)`` takes them) and ``weight_decay`` (L2 on the weights, as
    ``train``). ``epochs`` and ``init`` ("normal", "xavier") are shared.
    ``workers`` threads share the networks (default: the usable CPUs, at most 4; 1 runs everything in
    the calling thread); the results do not depend on it. ``record_gradients=True`` fills
    ``res.grad_rms`` (K, epochs, hidden layers + 1), each network's ``History.grad_rms`` (networks with
    fewer layers padded with NaN).
    """
    if isinstance(data, str):
        if y is not None:
            raise ValueError(f"pass either a data set name or (x, y), not both; got {data!r} and y.")
        x, y = load_dataset(data)
    elif y is None and isinstance(data, tuple) and len(data) == 2:
        x, y = data
    elif y is None:
        raise ValueError("y is missing: call sweep(x, y, ...) with labels y of shape (N, 1), or sweep('xor', ...).")
    else:
        x = data
    x, y = check_xy(x, y, n_outputs=1)
    check_binary_labels(y, "y")
    epochs = check_positive_int(epochs, "epochs")
    axes = {name: _axis(name, value) for name, value in zip(SETTINGS, (
        hidden, activation, output_activation, optimizer, loss, lr, seed, batch_size, weight_decay))}
    for loss_name in axes["loss"]:
        LOSSES[loss_name]().check_target(y)
    settings = [dict(zip(SETTINGS, combo)) for combo in itertools.product(*axes.values())]
    for s in settings:          # every pair is refused before any network trains
        if s["batch_size"] is not None and s["batch_size"] >= len(x):
            s["batch_size"] = None                      # one batch of everything: the full batch, as train()
        s["output_activation"] = resolve_output_activation(s["activation"], s["output_activation"])
        check_loss_fits(s["loss"], s["output_activation"])
        s["lr"] = resolve_lr(s["optimizer"], s["lr"])
    K = len(settings)
    n_params = max(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
                   for sizes in ((x.shape[1], *hid, 1) for hid in axes["hidden"]))
    check_memory(8 * K * (2 * epochs + 6 * n_params + 4 * len(x) * max(max((*h, 1)) for h in axes["hidden"])),
                 f"sweep of {K} networks × {epochs} epochs", "their loss and accuracy curves and their "
                 "weights; sweep fewer settings or epochs, or split the grid into several sweeps")
    res = SweepResult(settings, np.full((K, epochs), np.nan), np.full((K, epochs), np.nan),
                      [None] * K, [None] * K, x, y, init,
                      swept=tuple(n for n in SETTINGS if len(axes[n]) > 1))
    if record_gradients:
        res.grad_rms = np.full((K, epochs, 1 + max(len(h) for h in axes["hidden"])), np.nan)
    workers = _workers(workers)
    groups = {}
    batched = ("hidden", "activation", "output_activation", "optimizer", "loss", "batch_size", "weight_decay")
    for k, s in enumerate(settings):
        groups.setdefault(tuple(s[n] for n in batched), []).append(k)
    jobs = []
    for (hid, act, out_act, opt, loss_name, size, decay), index in groups.items():
        # A batch of networks is split between the worker threads (NumPy releases the GIL inside its
        # array operations, so two halves run on two cores); small batches are not worth splitting.
        parts = min(workers, max(1, len(index) // _MIN_PER_THREAD))
        sizes = (x.shape[1], *hid, 1)
        acts = [get_activation(act) for _ in hid] + [get_activation(out_act)]
        loss_fn = get_loss(loss_name)
        for part in np.array_split(np.asarray(index), parts):
            flat0 = [parameters_to_vector(res.initial_model(k).parameters()) for k in part]
            rule = get_optimizer(opt, 1.0)      # one per thread (it counts its steps); its lr is not used
            batch = engine.FlatNetworks(sizes, flat0, [settings[k]["lr"] for k in part], acts, rule)
            jobs.append((batch, loss_fn, part, size, decay, len(hid) + 1))

    def run(job):
        batch, loss_fn, part, size, decay, layers = job
        rms = None if res.grad_rms is None else res.grad_rms[:, :, :layers]
        engine.run(batch, x, y, epochs, loss_fn, res.loss, res.accuracy, res.diverged_at, res.final_weights, part,
                   batch_size=size, weight_decay=decay, grad_rms=rms)

    if workers == 1 or len(jobs) == 1:
        for job in jobs:
            run(job)
    else:   # each job writes its own rows of the result: no locking needed
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, jobs))
    return res


#: A thread gets at least this many networks; below that, splitting costs more than it saves.
_MIN_PER_THREAD = 8


def _workers(workers):
    """The number of threads: ``None`` uses the CPUs this process may run on (at most 4)."""
    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, min(4, cpus))
    return check_positive_int(workers, "workers")
