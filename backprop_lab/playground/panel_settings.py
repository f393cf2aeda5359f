"""A playground run's settings: their defaults, one check that normalises them, the data they name,
and the one-line ``backprop_lab`` call that reproduces the run.

How the settings map onto the package (``format_call`` writes exactly this call)::

    bl.train(bl.MLP((2, *hidden, 1), activation=activation, output_activation=<see below>, seed=seed,
                    init=init),
             *bl.load_dataset(dataset, seed=seed, noise=noise), epochs=epochs, lr=lr, optimizer=optimizer,
             loss=loss, batch_size=batch_size, shuffle_seed=seed, weight_decay=weight_decay)

  and with ``features`` other than ("x1", "x2") the network's inputs are those columns of the points::

    x, y = bl.load_dataset(dataset, seed=seed, noise=noise)
    bl.train(bl.MLP((len(features), *hidden, 1), ...), bl.add_features(x, features), y, ...)

* ``activation`` follows every hidden layer; the output activation is ``output_activation`` if one
  is given, otherwise "sigmoid", except that ``activation="none"`` means no activation anywhere
  (``settings.resolve_output_activation``).
* ``seed`` seeds the weight draw, the data set and its noise (the XOR set itself has no randomness).
* ``lr=None`` takes the optimizer's default (``settings.resolve_lr``); the call shows the value used.
* ``batch_size=None`` is the full batch (the lab's gradient descent); a number shuffles the points
  each epoch (``shuffle_seed=seed``) and steps once per batch. ``weight_decay`` is L2's λ (0: none).
* ``features``: the network's inputs, columns of the points (``bl.add_features``); the pictures still
  show the plane (x1, x2).
* ``test=True`` also draws held-out points (``bl.load_test_set``), measured but never trained on.
* Data of your own (``playground(data=(x, y))``) replaces ``dataset``, ``noise`` and ``test``: the
  call then reads ``bl.train(..., x, y, ...)``, and ``data=(x, y, x_test, y_test)`` brings held-out points.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import load_dataset, load_test_set
from ..experiments import settings as rules
from ..validation import as_2d_array, check_binary_labels

#: The settings of a run and their defaults (the lab's network, on the XOR set).
DEFAULTS = {"dataset": "xor", "lr": None, "hidden": (10, 10), "activation": "sigmoid",
            "output_activation": None, "optimizer": "gd", "loss": "mse", "epochs": 2000, "seed": 0,
            "init": "normal", "noise": 0.0, "test": False, "batch_size": None, "weight_decay": 0.0,
            "features": ("x1", "x2")}

#: The network's inputs when none are chosen: the point's coordinates.
PLANE = ("x1", "x2")

#: What the dataset setting reads when the data are the user's own, and the settings such data replace.
YOUR_DATA = "your data"
DATA_SETTINGS = ("dataset", "noise", "test")


def check_settings(settings: dict) -> dict:
    """Validate one run's settings; return them normalised: canonical names, ``lr`` and
    ``output_activation`` resolved. Missing keys take ``DEFAULTS``. Raises ``ValueError`` /
    ``TypeError`` with the package's messages; a loss that does not fit the output activation (BCE
    without a sigmoid output) is refused here, before training."""
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(map(repr, unknown))}; valid settings are: "
                         f"{', '.join(DEFAULTS)}.")
    given = {**DEFAULTS, **settings}
    s = {k: (given[k] if k in ("test", "dataset") else rules.setting(k, given[k])) for k in DEFAULTS}
    s["dataset"] = given["dataset"] if given["dataset"] == YOUR_DATA else rules.setting("dataset", given["dataset"])
    if not isinstance(given["test"], (bool, np.bool_)):
        raise TypeError(f"test must be True (draw held-out points) or False; got {given['test']!r}.")
    s["test"] = bool(given["test"])
    s["lr"] = rules.resolve_lr(s["optimizer"], s["lr"])
    s["output_activation"] = rules.resolve_output_activation(s["activation"], s["output_activation"])
    rules.check_loss_fits(s["loss"], s["output_activation"])
    return s


class Data(NamedTuple):
    """Training points x (N, d), y (N, 1) and held-out x_test, y_test (or None)."""
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def check_data(data) -> Data:
    """The user's ``data=(x, y)`` or ``(x, y, x_test, y_test)``, checked: points of the plane (N, 2),
    labels (N, 1) that are 0 or 1, as many labels as points."""
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 4):
        raise TypeError("data must be a pair (x, y) of points (N, 2) and labels (N, 1), or (x, y, x_test, y_test) "
                        "with held-out points as well.")
    names = ("x", "y", "x_test", "y_test")[:len(data)]
    checked = []
    for x_name, y_name, x, y in zip(names[0::2], names[1::2], data[0::2], data[1::2]):
        x = as_2d_array(x, x_name)
        if x.shape[1] != 2:
            raise ValueError(f"{x_name} must hold points of the plane, shape (N, 2), because the panel draws the "
                             f"input plane; got shape {x.shape}.")
        if np.ndim(y) == 1:
            raise ValueError(f"{y_name} has shape {np.shape(y)} but labels must have shape (N, 1); pass "
                             f"{y_name}.reshape(-1, 1).")
        y = as_2d_array(y, y_name, 1)
        if len(y) != len(x):
            raise ValueError(f"{x_name} has {len(x)} points but {y_name} has {len(y)} labels; one label per point.")
        check_binary_labels(y, y_name)
        checked += [x, y]
    return Data(*checked)


def own_data(data, names: tuple, settings: dict, all_controls: bool):
    """(the checked ``data`` or None, the control names): data of your own replace the data set, so
    the dataset, noise and test controls are left out of all the controls, and refused if asked for;
    ``settings`` (changed in place) then name the data set ``YOUR_DATA``."""
    if data is None:
        if settings.get("dataset") == YOUR_DATA:
            raise ValueError(f"dataset={YOUR_DATA!r} needs the points: pass data=(x, y) (and no dataset).")
        return None, names
    own = check_data(data)
    if all_controls:
        names = tuple(n for n in names if n not in DATA_SETTINGS)
    clash = [n for n in DATA_SETTINGS if n in names or n in settings]
    if clash:
        raise ValueError(f"data=(x, y) replaces the data set: leave {', '.join(clash)} out "
                         f"(pass data=(x, y, x_test, y_test) for held-out points).")
    settings["dataset"], settings["test"] = YOUR_DATA, own.x_test is not None
    return own, names


def load_data(s: dict, own: Data | None = None) -> Data:
    """The points of the (normalised) settings ``s``: the user's own data if given, else the data
    set with its noise, plus held-out points when ``s["test"]``."""
    if own is not None:
        return own
    x, y = load_dataset(s["dataset"], seed=s["seed"], noise=s["noise"])
    if not s["test"]:
        return Data(x, y)
    return Data(x, y, *load_test_set(s["dataset"], seed=s["seed"], noise=s["noise"]))


PLAIN_RANGE = (1e-3, 1e4)     # numbers in this range are written as plain decimals, others as 2.5e-4


def plain_number(value: float) -> str:
    """``value`` as a person writes it, in the fewest digits that give back the same float: plain
    decimals in ``PLAIN_RANGE`` (0.0025, 0.11, 1.0, 2000.0), scientific notation outside it (1e-5,
    2.5e-4, 2e4). Python's ``repr`` would write 1e-05 and 0.0001."""
    value = float(value)
    lo, hi = PLAIN_RANGE
    if value == 0 or lo <= abs(value) < hi or not np.isfinite(value):
        return repr(value)
    return np.format_float_scientific(value, unique=True, trim="-", exp_digits=1).replace("e+", "e")


def format_call(settings: dict) -> str:
    """The ``backprop_lab`` call (``import backprop_lab as bl``) that reproduces a run: one line (two
    when the inputs are features of the points: the data first), and a last line that draws the
    held-out points when ``test`` is on."""
    s = check_settings(settings)
    mlp = f'bl.MLP({(len(s["features"]), *s["hidden"], 1)!r}, activation="{s["activation"]}"'
    if s["output_activation"] != "sigmoid":
        mlp += f', output_activation="{s["output_activation"]}"'
    mlp += f', seed={s["seed"]}'
    mlp += ")" if s["init"] == "normal" else f', init="{s["init"]}")'
    noise = f', noise={plain_number(s["noise"])}' if s["noise"] else ""
    first = ""
    if s["dataset"] == YOUR_DATA:
        data = "x, y"
    elif s["features"] == PLANE:
        data = f'*bl.load_dataset("{s["dataset"]}", seed={s["seed"]}{noise})'
    else:
        first, data = f'x, y = bl.load_dataset("{s["dataset"]}", seed={s["seed"]}{noise})\n', "x, y"
    if s["features"] != PLANE:
        names = ", ".join(f'"{name}"' for name in s["features"])
        data = f"bl.add_features(x, [{names}]), y"
    extra = ""
    if s["batch_size"] is not None:
        extra += f', batch_size={s["batch_size"]}, shuffle_seed={s["seed"]}'
    if s["weight_decay"]:
        extra += f', weight_decay={plain_number(s["weight_decay"])}'
    call = (f'{first}bl.train({mlp}, {data}, epochs={s["epochs"]}, lr={plain_number(s["lr"])}, '
            f'optimizer="{s["optimizer"]}", loss="{s["loss"]}"{extra})')
    if s["test"] and s["dataset"] != YOUR_DATA:        # the held-out points: measured, never trained on
        call += f'\nx_test, y_test = bl.load_test_set("{s["dataset"]}", seed={s["seed"]}{noise})'
    return call
