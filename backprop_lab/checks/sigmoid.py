"""Checks for notebook 1's exercises: σ′ from σ, and a sigmoid that never overflows.

``check_stable_sigmoid`` also watches ``numpy.exp`` while the student's function runs (``_watch_exp``):
the exercise's point is never to exponentiate a large positive number, which the values alone cannot
show (the naive formula inside ``np.errstate(all="ignore")`` returns right values).
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..nn.activations import sigmoid
from .verdict import CheckResult, as_array, call, exercise_check, report, verdict


@exercise_check
def check_sigmoid_derivative(fn, seed: int = 0) -> CheckResult:
    """``fn(x)`` must return σ'(x) = σ(x)(1 - σ(x)) element-wise, for x of any shape."""
    x = np.random.default_rng(seed).normal(0, 3, (4, 5))
    s = sigmoid(x)
    wrong = [
        (s, "you returned σ(x) itself; the derivative is σ(x) · (1 - σ(x))."),
        (x * (1 - x), "you applied s(1 - s) to x itself: first compute s = σ(x), then s · (1 - s)."),
        (sigmoid(s) * (1 - sigmoid(s)), "σ is applied twice: compute s = σ(x) once and use s · (1 - s)."),
        (s * (1 + s), "a sign is off: the derivative is σ(x) · (1 - σ(x)), with a minus."),
        (-s * (1 - s), "the sign is flipped: σ is increasing, so its derivative is positive."),
        (np.exp(-x) / (1 + np.exp(-x)), "close: e^{-x}/(1+e^{-x}) = 1 - σ(x); multiply by σ(x) as well."),
    ]
    got, error = call(fn, x.copy(), names=("x",))
    if error is not None:
        return report(error)
    return report(verdict(got, s * (1 - s), wrong, "σ'(x) = σ(x)(1 - σ(x)), matching on 20 random inputs.",
                            "σ'(x)"))


class _ExpWatch:
    """Stands in for ``numpy.exp`` while a student's sigmoid runs: calls the real one and notes the
    largest argument it was given (where ``where=`` lets it compute), and the input x at that place
    when the argument has x's shape. Only calls from the checking thread are noted."""

    def __init__(self, real, x):
        self.real, self.x, self.thread = real, x, threading.get_ident()
        self.largest, self.at = -np.inf, None

    def __getattr__(self, name):            # np.exp.__name__, np.exp.nin...: the real ufunc's
        return getattr(self.real, name)

    def __call__(self, arg, *args, **kwargs):
        if threading.get_ident() == self.thread:
            self._note(arg, kwargs.get("where", True))
        return self.real(arg, *args, **kwargs)

    def _note(self, arg, where):
        try:
            a = np.asarray(arg)
            if a.dtype.kind not in "biufc" or a.size == 0:
                return
            a = np.real(a).astype(float)
            a = np.where(np.broadcast_to(np.asarray(where, dtype=bool), a.shape) & ~np.isnan(a), a, -np.inf)
            i = np.unravel_index(int(np.argmax(a)), a.shape)
            if a[i] > self.largest:
                self.largest = float(a[i])
                self.at = float(self.x[i]) if a.shape == self.x.shape else None
        except Exception:                   # noting must never break the student's code
            pass


@contextlib.contextmanager
def _watch_exp(x):
    """Replace ``numpy.exp`` by an ``_ExpWatch`` for the duration (the module attribute, which is what
    ``np.exp(...)`` looks up), and always put the real one back."""
    watch = _ExpWatch(np.exp, x)
    np.exp = watch
    try:
        yield watch
    finally:
        np.exp = watch.real


_EXP_LIMIT = 700.0       # e^709.8 is the largest float64; an argument past this is a large positive number
# A hint, not the answer (issue 21): which quantity is safe to exponentiate, and that two branches are needed.
_TWO_BRANCHES = ("Only ever exponentiate a number <= 0, such as -|x|: write σ once for x >= 0 and once for x < 0 "
                 "in terms of that one exponential, and pick element by element.")


@exercise_check
def check_stable_sigmoid(fn) -> CheckResult:
    """``fn(x)`` must return σ(x) for any array, without ever exponentiating a large positive number
    (no overflow, warned about or silenced) for any finite x."""
    x = np.concatenate([np.linspace(-1000, 1000, 41), np.random.default_rng(0).normal(0, 5, 20)])
    right = sigmoid(x)
    with np.errstate(over="raise", invalid="raise", divide="raise"), _watch_exp(x) as watch:
        got, error = call(fn, x.copy(), names=("x",))
    if watch.largest > _EXP_LIMIT:
        at = f" for x = {watch.at:g}" if watch.at is not None else ""
        return report(CheckResult(False, f"exp overflowed: your function computed np.exp({watch.largest:g}){at}, "
                                          f"which is beyond the largest float (e^709.8), even if no warning "
                                          f"shows. Never exponentiate a large positive number. " + _TWO_BRANCHES))
    if error is not None and "overflow" in error.message.lower():
        return report(CheckResult(False, "exp overflowed: never exponentiate a large positive number. "
                                  + _TWO_BRANCHES))
    if error is not None:
        return report(error)
    got, problem = as_array(got, "σ(x)", shape=x.shape)
    if problem is not None:
        return report(problem)
    if np.allclose(got, 1 - right, rtol=1e-9, atol=1e-12):
        return report(CheckResult(False, "the branches are swapped: for x >= 0 it is 1/(1 + e^-x), "
                                          "for x < 0 e^x/(1 + e^x)."))
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, right, rtol=1e-12, atol=1e-300)
    if bad.any():
        where = np.sort(x[bad])
        i = int(np.flatnonzero(bad & (x == where[-1]))[0])           # the failing x nearest +inf
        shown = ", ".join(f"{v:g}" for v in where[:4]) + (", ..." if len(where) > 4 else "")
        hint = (" All of them are far from 0 (|x| > 30): if you clip x, σ of the clipped value is not σ(x) "
                "there; the two-branch form needs no clipping." if np.abs(where).min() > 30 else "")
        return report(CheckResult(False, f"your values differ from σ(x) at {len(where)} of the {x.size} inputs, "
                                          f"x = {shown}: at x = {x[i]:g} yours is {got[i]:.3g}, σ(x) = "
                                          f"{right[i]:.3g}.{hint} Both branches are σ: for x >= 0 the "
                                          f"usual form, for x < 0 the one multiplied through by e^x."))
    return report(CheckResult(True, "σ(x) on inputs from -1000 to 1000, with no overflow."))
