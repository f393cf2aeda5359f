"""IPython start-up file: every ``train`` and ``sweep`` call sees its training samples in another order.

``tests/test_portability.py`` puts this file in the start-up folder of a throw-away IPython profile and
re-runs the notebooks with nbval against their stored outputs. Summing the same samples in another
order changes only the rounding of every sum over the batch (the loss, x.T @ grad, the bias
gradient), which is what another CPU's BLAS kernel, thread count or vector width does. A stored
output that changes under it states digits that are not a property of the network.

The order is a fixed permutation (seed ``BACKPROP_LAB_PERMUTATION_SEED``, default 1), so a failure can
be reproduced. Calls whose data the package would refuse (wrong shapes, NaN, a data set name that
does not exist) are passed on unchanged, so that every error message stays the package's own.
"""
import os
import sys

import numpy as np

import backprop_lab
import backprop_lab.data

_SEED = int(os.environ.get("BACKPROP_LAB_PERMUTATION_SEED", "1"))
_LOG = os.environ.get("BACKPROP_LAB_PERMUTATION_LOG")     # the test reads it: proof that this ran
_train, _sweep = backprop_lab.train, backprop_lab.sweep


def _log(line):
    if _LOG:
        with open(_LOG, "a") as f:
            f.write(line + "\n")


def _permuted(x, y):
    """(x, y) with their rows in the fixed permuted order, or None if they are not two (N, d) arrays."""
    try:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        return None
    if x.ndim != 2 or y.ndim != 2 or len(x) != len(y) or len(x) < 2:
        return None
    order = np.random.default_rng(_SEED).permutation(len(x))
    _log(f"permuted {len(x)} samples")
    return x[order], y[order]


def train(model, x, y, *args, **kwargs):
    xy = _permuted(x, y)
    return _train(model, *(xy or (x, y)), *args, **kwargs)


def sweep(data, y=None, **kwargs):
    if isinstance(data, str) and y is None and data.strip().lower() in backprop_lab.data.DATASETS:
        data, y = backprop_lab.data.load_dataset(data)
    elif y is None and isinstance(data, tuple) and len(data) == 2:
        data, y = data
    xy = _permuted(data, y) if y is not None else None
    return _sweep(*(xy or (data, y)), **kwargs)


train.__doc__, sweep.__doc__ = _train.__doc__, _sweep.__doc__
# Replace the functions wherever the package imported them (widgets, sweep, the package itself).
for _module in list(sys.modules.values()):
    if getattr(_module, "__name__", "").startswith("backprop_lab"):
        for _name, _value in list(vars(_module).items()):
            if _value is _train:
                setattr(_module, _name, train)
            elif _value is _sweep:
                setattr(_module, _name, sweep)
_log("loaded")
