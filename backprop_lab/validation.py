"""Input checks shared by the package: clear errors at the edges, nothing silent.

Every public entry point (``train``, ``accuracy``, the losses, the plots) validates its arrays here
once, so a mistake is reported with the argument's name and what to do, instead of a NumPy
traceback from deep inside, or worse, a silent broadcast of ``(n,)`` labels into an ``(n, n)`` array.
"""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np


def as_2d_array(a, name: str, n_features: int | None = None) -> np.ndarray:
    """Return ``a`` as a finite float64 array of shape (n_samples, n_features).

    Raises ``ValueError`` naming ``name`` when ``a`` is not 2-D, is empty, has the wrong number of
    columns, or holds NaN or infinite values; ``TypeError`` when it is not numeric.
    """
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {type(a).__name__} ({exc}).") from None
    if arr.ndim != 2:
        hint = (f" If it holds n samples of one value, pass {name}.reshape(-1, 1)."
                if arr.ndim == 1 else "")
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features); "
                         f"got shape {arr.shape}.{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one sample (row).")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} feature column(s) (shape {arr.shape}) but "
                         f"{n_features} are expected (the model's input size).")
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite value(s) (first in row {row}); "
                         f"remove or replace them before training.")
    return arr


def check_xy(x, y, n_features: int | None = None, n_outputs: int | None = None):
    """Validate inputs ``x`` (n, n_features) and labels ``y`` (n, n_outputs) together.

    Labels of shape (n,) are refused rather than broadcast: ``(n, 1) - (n,)`` would silently give an
    (n, n) array. Returns both as float64 arrays.
    """
    x = as_2d_array(x, "x", n_features)
    y_arr = np.asarray(y) if y is not None else None
    if y_arr is not None and y_arr.ndim == 1:
        raise ValueError(f"y has shape {y_arr.shape} but labels must have shape (n_samples, 1) to match the "
                         f"predictions; pass y.reshape(-1, 1). (An (n,) array would broadcast against "
                         f"(n, 1) predictions into an (n, n) array.)")
    y = as_2d_array(y, "y", n_outputs)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples (rows); "
                         f"got x with {len(x)} and y with {len(y)}.")
    return x, y


def check_same_shape(pred: np.ndarray, target: np.ndarray, pred_name="pred", target_name="target"):
    """Raise unless ``pred`` and ``target`` have exactly the same shape (no broadcasting)."""
    if np.shape(pred) != np.shape(target):
        hint = ""
        if np.ndim(target) == 1:
            hint = f" Pass {target_name}.reshape(-1, 1)."
        raise ValueError(f"{pred_name} has shape {np.shape(pred)} but {target_name} has shape "
                         f"{np.shape(target)}; they must match exactly (no broadcasting).{hint}")


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


def check_learning_rate(lr, name: str = "lr") -> float:
    """Return ``lr`` as a float, raising unless it is a finite number > 0."""
    if isinstance(lr, bool) or not isinstance(lr, Real):
        raise TypeError(f"{name} must be a positive number such as 0.1; got {lr!r} ({type(lr).__name__}).")
    lr = float(lr)
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"{name} must be a finite number > 0 (typical values: 0.01 to 1.0); got {lr}.")
    return lr


def check_weight_decay(weight_decay, name: str = "weight_decay") -> float:
    """Return the L2 weight decay λ as a float, raising unless it is a finite number >= 0 (0: none)."""
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, Real):
        raise TypeError(f"{name} must be a number >= 0 such as 0.001 (0: no weight decay); got {weight_decay!r} "
                        f"({type(weight_decay).__name__}).")
    weight_decay = float(weight_decay)
    if not math.isfinite(weight_decay) or weight_decay < 0:
        raise ValueError(f"{name} must be a finite number >= 0 (typical values: 0.0001 to 0.01; 0 for none); "
                         f"got {weight_decay}.")
    return weight_decay


def lookup(table: dict, name, what: str):
    """Look a lower-cased ``name`` up in ``table``; unknown names list the valid ones."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a name (one of {sorted(table)}) or an object; got {name!r}.")
    key = name.strip().lower()
    if key not in table:
        raise ValueError(f"unknown {what} {name!r}; valid names are: {', '.join(sorted(table))}.")
    return table[key]


def canonical_names(table: dict) -> list[str]:
    """The ``name`` of each entry of ``table`` once (aliases such as "sgd" for "gd" left out), in order."""
    return list(dict.fromkeys(cls.name for cls in table.values()))


def declares_elementwise(obj, methods=("update", "step", "state_for")) -> bool:
    """Does ``obj`` claim ``elementwise = True`` for the code it runs? The claim belongs to the class
    whose own body states it; a subclass that overrides one of ``methods`` without stating it again
    does not inherit it (its new code may treat each array as a whole)."""
    cls = type(obj)
    declaring = next((c for c in cls.__mro__ if "elementwise" in vars(c)), None)
    if declaring is None or vars(declaring)["elementwise"] is not True:
        return False
    return all(getattr(cls, m, None) is getattr(declaring, m, None) for m in methods)


def check_binary_labels(y, name: str = "y") -> None:
    """Refuse labels other than 0 and 1 (the classes; accuracy counts an output above 0.5 as class 1).

    The one rule for ``train``, ``sweep`` and the playground's own data."""
    if not ((y == 0) | (y == 1)).all():
        raise ValueError(f"{name} must hold class labels 0 and 1 (an output above 0.5 counts as class 1); got "
                         f"values {np.unique(y)[:5].tolist()}. Map your classes to 0 and 1 first, e.g. "
                         f"{name} = ({name} > 0).astype(float) for labels -1/+1.")


def check_seed(seed, name: str = "seed"):
    """Return ``seed`` if it is None, an integer >= 0 or a ``numpy.random.Generator``; raise otherwise."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise (ValueError if isinstance(seed, Integral) and not isinstance(seed, bool) else TypeError)(
            f"{name} must be a non-negative integer such as 0 (or None for a fresh random draw); got {seed!r}.")
    return int(seed)


#: The most memory (bytes) one call may ask for: 4 GiB. Above it a call is refused before anything
#: is allocated, with the amount it would need (a typo such as epochs=10**9 would otherwise exhaust
#: the machine and freeze a laptop).
MAX_BYTES = 4 * 2**30


class MemoryLimitError(ValueError, MemoryError):
    """A call refused because it would need more than ``MAX_BYTES`` of memory (a ``ValueError`` too:
    the arguments ask for too much)."""


def check_memory(n_bytes: int, what: str, hint: str) -> None:
    """Refuse ``what`` if it would need more than ``MAX_BYTES``; ``hint`` says what takes the memory
    and what to do instead."""
    if n_bytes > MAX_BYTES:
        raise MemoryLimitError(f"{what} would need {n_bytes / 2**30:.1f} GiB of memory for {hint}; the limit is "
                          f"{MAX_BYTES / 2**30:g} GiB (validation.MAX_BYTES).")
