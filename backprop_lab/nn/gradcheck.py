"""Numerical gradient checks: is the backward pass the derivative of the forward pass?

The simple centred difference (f(w + h) - f(w - h)) / 2h has an error of order h², plus rounding
error of order ε·|f| / h. For gradient elements much smaller than the loss, that rounding error alone
can exceed 1e-7 relative. So the check uses the five-point centred stencil

    f'(w) ≈ [f(w - 2h) - 8 f(w - h) + 8 f(w + h) - f(w + 2h)] / 12h,

whose error is of order h⁴: with h = 1e-3 it is about 1e-13, and rounding stays near 1e-14, so a
correct gradient agrees to 1e-8 relative or better even for tiny elements.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_xy
from .losses import get_loss


def numerical_gradient(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Five-point centred-difference gradient of the scalar function ``f()`` with respect to ``x``.

    ``x`` is perturbed in place, one element at a time, and restored; ``f`` takes no arguments and
    must read ``x`` (e.g. a closure running the forward pass). Returns an array shaped like ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        f_at = []
        for step in (-2, -1, 1, 2):
            x[i] = old + step * h
            f_at.append(f())
        x[i] = old
        # Differences of the paired values first: if f did not change, the result is exactly 0 (summed
        # left to right, f - 8f + 8f - f leaves a rounding residue, a false error where dL/dw = 0).
        grad[i] = ((f_at[0] - f_at[3]) + 8 * (f_at[2] - f_at[1])) / (12 * h)
    return grad


def rel_error(a, b) -> float:
    """Largest element-wise relative error max |a - b| / max(|a| + |b|, 1e-8)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


class GradCheckResult:
    """Rows of (parameter name, shape, max relative error); ``passed`` if all are below ``tol``."""

    def __init__(self, rows, tol):
        self.rows, self.tol = rows, tol

    @property
    def max_error(self) -> float:
        return max(err for _, _, err in self.rows)

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tol

    def errors(self) -> dict:
        return {name: err for name, _, err in self.rows}

    def __repr__(self):
        w = max(len("parameter"), *(len(n) for n, _, _ in self.rows))
        lines = [f"{'parameter':<{w}}  {'shape':<9}  max rel. error", "-" * (w + 27)]
        for name, shape, err in self.rows:
            mark = "ok" if err <= self.tol else "FAIL"
            lines.append(f"{name:<{w}}  {str(shape):<9}  {err:.1e}  {mark}")
        verdict = "all gradients agree" if self.passed else "some gradients are WRONG"
        lines.append(f"{verdict} (tolerance {self.tol:.0e})")
        return "\n".join(lines)


def check_model_gradients(model, x, y, loss="mse", h: float = 1e-3, tol: float = 1e-7) -> GradCheckResult:
    """Compare ``model.backward`` with numerical gradients for every parameter, for ``loss``.

    x: (N, n_inputs), y: (N, 1). Runs forward, loss and backward once for the analytic gradients,
    then four forward passes per parameter element. Returns a ``GradCheckResult`` table.
    """
    sizes = getattr(model, "sizes", None)
    x, y = check_xy(x, y, n_features=sizes[0] if sizes else None)
    loss_fn = get_loss(loss)

    def f():
        return loss_fn.forward(model.forward(x), y)

    f()
    model.backward(loss_fn.backward())
    params = model.parameters()
    analytic = {p.name: p.grad.copy() for p in params}
    rows = []
    for p in params:
        num = numerical_gradient(f, p.value, h)
        rows.append((p.name, p.value.shape, rel_error(analytic[p.name], num)))
    return GradCheckResult(rows, tol)


def check_layer_gradients(layer, x, seed=0, h: float = 1e-3, tol: float = 1e-7) -> GradCheckResult:
    """Check one layer: its input gradient and each parameter gradient, for L = sum(out · G).

    G is a fixed random upstream gradient (seeded), so dL/dout = G and ``layer.backward(G)`` must
    return dL/dx. x: (N, D), float64.
    """
    x = np.array(x, dtype=np.float64)
    g = np.random.default_rng(seed).standard_normal(layer.forward(x).shape)

    def f():
        return float(np.sum(layer.forward(x) * g))

    f()
    grad_x = layer.backward(g)
    analytic = {p.name: p.grad.copy() for p in layer.parameters()}
    rows = [("input x", x.shape, rel_error(grad_x, numerical_gradient(f, x, h)))]
    for p in layer.parameters():
        rows.append((p.name, p.value.shape, rel_error(analytic[p.name], numerical_gradient(f, p.value, h))))
    return GradCheckResult(rows, tol)


def check_loss_gradient(loss, pred, target, h: float = 1e-4, tol: float = 1e-7) -> GradCheckResult:
    """Check ``loss.backward()`` against numerical derivatives of ``loss.forward`` in ``pred``."""
    loss_fn = get_loss(loss)
    pred = np.array(pred, dtype=np.float64)
    loss_fn.forward(pred, target)
    analytic = loss_fn.backward().copy()
    num = numerical_gradient(lambda: loss_fn.forward(pred, target), pred, h)
    return GradCheckResult([("pred", pred.shape, rel_error(analytic, num))], tol)
