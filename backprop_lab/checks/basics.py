"""Checks for the "your turn" exercises of notebooks 1, 2 and 4, and the gradient exercises of notebooks 3 and 10.

Each ``check_*`` function calls the student's function on random inputs (seeded), compares it with
the right answer and, when it differs, with the typical wrong answers, so the reply can name the
mistake (a missing 1/N, σ applied twice, a transpose missing, the bias gradient not summed over the
batch...). It prints the verdict and returns a ``CheckResult`` (truthy when correct).
"""
from __future__ import annotations

import contextlib
import itertools
import threading

import numpy as np

from ..nn.activations import sigmoid
from .verdict import CheckResult, as_array, as_parts, call, describe, exercise_check, report, verdict

_FORWARD_ARGS = ("x", "W1", "b1", "W2", "b2", "W3", "b3")


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


def _listed(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _forward_mistake(no_sigmoid, no_bias) -> str:
    """The hint for a forward pass without the sigmoids of the layers ``no_sigmoid`` and the biases of
    the layers ``no_bias`` (layers numbered 1 to 3)."""
    hints = []
    if set(no_sigmoid) == {1, 2, 3}:
        hints.append("no sigmoid was applied: each layer is σ(x W + b).")
    elif set(no_sigmoid) == {3}:
        hints.append("the output layer needs its sigmoid too: ŷ = σ(Z2 W3 + b3).")
    elif no_sigmoid:
        hints.append(f"layer {_listed(str(k) for k in no_sigmoid)} lacks its sigmoid: every layer, hidden or "
                     f"output, is σ(x W + b).")
    if set(no_bias) == {1, 2, 3}:
        hints.append("the biases are missing: each layer computes x W + b before the sigmoid.")
    elif len(no_bias) == 1:
        k = no_bias[0]
        hints.append(f"the bias b{k} is missing: layer {k} computes {'x' if k == 1 else f'Z{k - 1}'} W{k} + b{k} "
                     f"before its sigmoid.")
    elif no_bias:
        hints.append(f"the biases {_listed(f'b{k}' for k in no_bias)} are missing: every layer computes x W + b "
                     f"before its sigmoid.")
    return " Also, ".join(hints)


@exercise_check
def check_forward(fn, seed: int = 0) -> CheckResult:
    """``fn(x, W1, b1, W2, b2, W3, b3)`` must return σ(σ(σ(x W1 + b1) W2 + b2) W3 + b3), shape (N, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (6, 2))
    Ws = [rng.normal(size=s) for s in [(2, 10), (10, 10), (10, 1)]]
    bs = [rng.normal(size=(1, s)) for s in (10, 10, 1)]

    def net(no_sigmoid=(), no_bias=()):
        h = x
        for k, (W, b) in enumerate(zip(Ws, bs), start=1):
            h = h @ W + (0 if k in no_bias else b)
            h = h if k in no_sigmoid else sigmoid(h)
        return h

    # every combination of missing sigmoids and missing biases, so the hint names the layers
    layers = [c for r in range(4) for c in itertools.combinations((1, 2, 3), r)]
    wrong = [(net(no_sig, no_b), _forward_mistake(no_sig, no_b))
             for no_sig in layers for no_b in layers if no_sig or no_b]
    right = net()
    args = (x, Ws[0], bs[0], Ws[1], bs[1], Ws[2], bs[2])
    got, error = call(fn, *[a.copy() for a in args], names=_FORWARD_ARGS)
    if error is not None:
        return report(error)
    return report(verdict(got, right, wrong, "your forward pass matches the package's on 6 random points.",
                            "ŷ"))


@exercise_check
def check_mse_grad(fn, seed: int = 0) -> CheckResult:
    """``fn(pred, target)`` must return dL/dŷ = 2 (ŷ - y) / N for L = mean((ŷ - y)²), shape (N, 1)."""
    rng = np.random.default_rng(seed)
    pred, target = rng.uniform(0, 1, (8, 1)), rng.integers(0, 2, (8, 1)).astype(float)
    n, d = pred.size, pred - target
    wrong = [
        (2 * d, "the 1/N is missing: L is a mean over N samples, so each sample's gradient is divided by N."),
        (d / n, "the factor 2 is missing: d/dŷ (ŷ - y)² = 2 (ŷ - y)."),
        (-2 * d / n, "the sign is flipped: differentiate with respect to ŷ, giving +2 (ŷ - y)/N."),
        (2 * d ** 2 / n, "the error is squared: the derivative of (ŷ - y)² is 2 (ŷ - y), not 2 (ŷ - y)²."),
        (d, "both the 2 and the 1/N are missing: dL/dŷ = 2 (ŷ - y) / N."),
        (np.full_like(d, float(np.mean(d ** 2))),
         "you returned the loss itself; return its gradient, one value per sample."),
    ]
    got, error = call(fn, pred.copy(), target.copy(), names=("pred", "target"))
    if error is not None:
        return report(error)
    return report(verdict(got, 2 * d / n, wrong, "dL/dŷ = 2(ŷ - y)/N, matching on 8 random samples.",
                            "dL/dŷ"))


@exercise_check
def check_linear_backward(fn, seed: int = 0) -> CheckResult:
    """``fn(x, W, grad_out)`` must return (dL/dx, dL/dW, dL/db) = (g Wᵀ, xᵀ g, Σ_batch g (1, out))."""
    rng = np.random.default_rng(seed)
    x, W, g = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    right = (g @ W.T, x.T @ g, g.sum(axis=0, keepdims=True))
    got, error = call(fn, x.copy(), W.copy(), g.copy(), names=("x", "W", "grad_out"))
    if error is not None:
        return report(error)
    got, problem = as_parts(got, ("grad_x", "grad_W", "grad_b"))
    if problem is not None:
        return report(problem)
    gx, gW, gb = got
    checks = [
        (gx, right[0], "dL/dx (grad_x)", [
            (W @ g.T, "grad_x is transposed: use grad_out @ W.T, shape (N, in); you computed W @ grad_out.T."),
        ]),
        (gW, right[1], "dL/dW (grad_W)", [
            (g.T @ x, "grad_W is transposed: it must have W's shape (in, out), so compute x.T @ grad_out."),
            (x.T @ g / len(x),
             "grad_W is divided by N: the loss's gradient already holds the 1/N, don't divide again."),
        ]),
        (gb, right[2], "dL/db (grad_b)", [
            (g, "the bias gradient must be summed over the batch: grad_out.sum(axis=0, keepdims=True), "
                "shape (1, out)."),
            (g.mean(axis=0, keepdims=True),
             "the bias gradient is a sum over the batch, not a mean (the 1/N is already in grad_out)."),
            (g.sum(axis=0), "right values, but keep the shape (1, out): use keepdims=True."),
            (g.sum(axis=1, keepdims=True), "summed over the wrong axis: sum over the batch, axis=0."),
        ]),
    ]
    for got_i, right, what, wrong in checks:
        res = verdict(got_i, right, wrong, "", what)
        if not res.passed:
            return report(res)
    return report(CheckResult(True, "all three gradients match: dL/dx = g Wᵀ, dL/dW = xᵀ g, dL/db = Σ g."))


@exercise_check
def check_train_step(fn, seed: int = 0) -> CheckResult:
    """``fn(model, x, y, lr)`` must do one GD step (forward, MSE loss, backward, W ← W - lr ∂L/∂W)
    on ``model`` in place and return the loss before the step (a float)."""
    from ..data import generate_xor_easy
    from ..nn.losses import MSELoss
    from ..nn.model import MLP
    x, y = generate_xor_easy()
    lr, n = 0.3, len(x)
    student, ref = MLP(seed=seed), MLP(seed=seed)
    before = ref.state_dict()
    loss_fn = MSELoss()
    right_loss = loss_fn.forward(ref.forward(x), y)
    ref.backward(loss_fn.backward())
    grads = {p.name: p.grad.copy() for p in ref.parameters()}
    right = {k: before[k] - lr * grads[k] for k in before}
    ref.load_state_dict(right)
    loss_after = MSELoss().forward(ref.forward(x), y)
    # the model is the exercise's to change; x and y must stay as they were
    got, error = call(fn, student, x.copy(), y.copy(), lr, names=("model", "x", "y", "lr"))
    if error is not None:
        return report(error)
    after = student.state_dict()
    wrong = [
        (before, "the weights did not change: after backward, update each parameter in place, "
                 "p.value -= lr * p.grad."),
        ({k: before[k] + lr * grads[k] for k in before},
         "the weights moved uphill: subtract the gradient (p.value -= lr * p.grad)."),
        ({k: before[k] - grads[k] for k in before},
         "the learning rate is missing from the update: p.value -= lr * p.grad."),
        ({k: before[k] - n * lr * grads[k] for k in before},
         f"the step is {n} times too large: the gradient misses the 1/N. The loss is a mean over the N = {n} "
         f"samples, so dL/dŷ = 2 (ŷ - y) / N, which the loss's backward() returns."),
        ({k: before[k] - lr * grads[k] / 2 for k in before},
         "the step is half as large as it should be: dL/dŷ = 2 (ŷ - y) / N, with the factor 2."),
    ]
    for weights, hint in wrong:
        if all(np.allclose(after[k], weights[k]) for k in before):
            return report(CheckResult(False, hint))
    if not all(np.allclose(after[k], right[k]) for k in before):
        worst = max(float(np.max(np.abs(after[k] - right[k]))) for k in before)
        return report(CheckResult(False, f"the weights after your step differ from one gradient-descent step by up "
                                          f"to {worst:.3g}. One step is: forward, loss, loss.backward(), "
                                          f"model.backward(grad), then p.value -= lr * p.grad for every parameter."))
    if got is None:
        return report(CheckResult(False, f"the update is right, but return the loss before the step "
                                          f"(expected {right_loss:.4f}, got None)."))
    if isinstance(got, (tuple, list)):
        return report(CheckResult(False, f"the update is right, but you returned {len(got)} values; return the "
                                          f"loss alone, one number (fit keeps it and prints it)."))
    loss, problem = as_array(got, "the loss")
    if problem is not None:
        kind = "complex numbers" if "complex" in problem.message else describe(got)
        return report(CheckResult(False, f"the update is right, but your function returned {kind}; "
                                          f"return the loss before the step, one real number (a float)."))
    if loss.shape != ():
        return report(CheckResult(False, f"the update is right, but the loss you returned is an array of shape "
                                          f"{loss.shape}; return one number, the mean loss (fit prints it with "
                                          f":.4f, which an array refuses)."))
    if np.isclose(float(loss), loss_after) and not np.isclose(loss_after, right_loss):
        return report(CheckResult(False, f"the update is right, but you returned the loss after the step "
                                          f"({float(loss):.4f}); return the loss measured before it "
                                          f"({right_loss:.4f}), the one the gradient was computed from."))
    if not np.isclose(float(loss), right_loss):
        return report(CheckResult(False, f"the update is right, but return the loss before the step "
                                          f"(expected {right_loss:.4f}, got {float(loss):.4g})."))
    return report(CheckResult(True, "one step of gradient descent, exactly as train() does it."))


def package_train_step(model, x, y, lr):
    """One gradient-descent step with the package's MSELoss and GD: the stand-in for ``train_step``."""
    from ..nn.losses import MSELoss
    from ..nn.optim import GD
    loss_fn = MSELoss()
    value = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    GD(lr).step(model.parameters())
    return value


@exercise_check
def check_fit(fn, seed: int = 0) -> CheckResult:
    """``fn(model, x, y, epochs, lr, log_every)`` must run ``epochs`` training steps, print
    ``Epoch ...  loss: ...`` every ``log_every`` epochs and return the (epochs,) array of the losses
    measured before each step, as ``train()``'s ``History.loss``."""
    import io

    from ..data import generate_xor_easy
    from ..nn.model import MLP
    from ..nn.train import train
    x, y = generate_xor_easy()
    epochs, lr, every = 30, 0.5, 10
    right = train(MLP(seed=seed), x, y, epochs=epochs, lr=lr, print_fn=None).loss
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        got, error = call(fn, MLP(seed=seed), x.copy(), y.copy(), epochs, lr, every,
                          names=("model", "x", "y", "epochs", "lr", "log_every"))
    if error is not None and "__format__" in error.message:
        raised = error.message.split(" Check the shapes")[0].rstrip(".")
        return report(CheckResult(False, raised + ". Printing the loss failed: the value train_step returned is "
                                  "not one number. Make train_step pass its own check first (it must return the "
                                  "loss alone, a float)."))
    if error is not None:
        return report(error)
    got, problem = as_array(got, "the losses")
    if problem is not None:
        return report(problem)
    got = got.ravel()
    if len(got) != epochs:
        return report(CheckResult(False, f"{len(got)} losses for {epochs} epochs: run the step once per epoch, "
                                          f"for epoch in range(1, epochs + 1), and keep every loss."))
    if np.allclose(got, got[0]):
        return report(CheckResult(False, "every epoch has the same loss: the model is not trained. Call "
                                          "train_step(model, x, y, lr) in the loop, on the same model."))
    if np.allclose(got[:-1], right[1:]):
        return report(CheckResult(False, "each loss is one epoch late: keep the loss train_step returns, "
                                          "measured before its update, not a loss computed after it."))
    if not np.allclose(got, right, rtol=1e-10, atol=1e-12):
        return report(CheckResult(False, "your losses differ from train()'s: one train_step per epoch, on the "
                                          "model you were given, with the learning rate lr."))
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    if len(lines) != epochs // every:
        return report(CheckResult(False, f"the losses are right; print one line every log_every epochs "
                                          f"({epochs // every} lines for {epochs} epochs and log_every={every}), "
                                          f"you printed {len(lines)}: use if epoch % log_every == 0."))
    return report(CheckResult(True, f"{epochs} epochs, the same losses as train(), one line every {every} epochs."))


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


def package_bce_grad(pred, target):
    """dL/dŷ by the package's ``BCELoss``: the stand-in for ``bce_grad``."""
    from ..nn.losses import BCELoss
    loss = BCELoss()
    loss.forward(pred, target)
    return loss.backward()

@exercise_check
def check_bce_grad(fn, seed: int = 0) -> CheckResult:
    """``fn(pred, target)`` must return dL/dŷ of L = -mean(y log ŷ + (1-y) log(1-ŷ)): (ŷ - y) / (ŷ(1-ŷ)N)."""
    rng = np.random.default_rng(seed)
    pred, target = rng.uniform(0.05, 0.95, (8, 1)), rng.integers(0, 2, (8, 1)).astype(float)
    n, d = pred.size, pred - target
    wrong = [
        (d / n, "that is dL/da, the gradient after the sigmoid's σ' cancelled; the loss's own gradient with "
                "respect to ŷ still has ŷ(1 - ŷ) in the denominator."),
        (d / (pred * (1 - pred)), "the 1/N is missing: L is a mean over N samples."),
        (-d / (pred * (1 - pred)) / n, "the sign is flipped: dL/dŷ = (ŷ - y) / (ŷ(1 - ŷ) N)."),
        (2 * d / n, "that is the MSE gradient; differentiate -[y log ŷ + (1-y) log(1-ŷ)] instead."),
    ]
    right = d / (pred * (1 - pred)) / n
    got, error = call(fn, pred.copy(), target.copy(), names=("pred", "target"))
    if error is not None:
        return report(error)
    return report(verdict(got, right, wrong,
                            "dL/dŷ = (ŷ - y) / (ŷ(1 - ŷ)N), matching on 8 random samples.", "dL/dŷ"))
