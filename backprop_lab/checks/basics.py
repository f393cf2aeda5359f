"""Checks for the "your turn" exercises of notebooks 1, 2 and 4, and the gradient exercises of notebooks 3 and 10.

Each ``check_*`` function calls the student's function on random inputs (seeded), compares it with
the right answer and, when it differs, with the typical wrong answers, so the reply can name the
mistake (a missing 1/N, σ applied twice, a transpose missing, the bias gradient not summed over the
batch...). It prints the verdict and returns a ``CheckResult`` (truthy when correct).
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid
from .verdict import CheckResult, call, exercise_check, report, verdict


@exercise_check
def check_sigmoid_derivative(fn, seed: int = 0) -> CheckResult:
    """``fn(x)`` must return σ'(x) = σ(x)(1 - σ(x)) element-wise, for x of any shape."""
    x = np.random.default_rng(seed).normal(0, 3, (4, 5))
    got, error = call(fn, x.copy())
    if error is not None:
        return report(error)
    s = sigmoid(x)
    wrong = [
        (s, "you returned σ(x) itself; the derivative is σ(x) · (1 - σ(x))."),
        (x * (1 - x), "you applied s(1 - s) to x itself: first compute s = σ(x), then s · (1 - s)."),
        (sigmoid(s) * (1 - sigmoid(s)), "σ is applied twice: compute s = σ(x) once and use s · (1 - s)."),
        (s * (1 + s), "a sign is off: the derivative is σ(x) · (1 - σ(x)), with a minus."),
        (-s * (1 - s), "the sign is flipped: σ is increasing, so its derivative is positive."),
        (np.exp(-x) / (1 + np.exp(-x)), "close: e^{-x}/(1+e^{-x}) = 1 - σ(x); multiply by σ(x) as well."),
    ]
    return report(verdict(got, s * (1 - s), wrong, "σ'(x) = σ(x)(1 - σ(x)), matching on 20 random inputs.",
                            "σ'(x)"))


@exercise_check
def check_forward(fn, seed: int = 0) -> CheckResult:
    """``fn(x, W1, b1, W2, b2, W3, b3)`` must return σ(σ(σ(x W1 + b1) W2 + b2) W3 + b3), shape (N, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (6, 2))
    Ws = [rng.normal(size=s) for s in [(2, 10), (10, 10), (10, 1)]]
    bs = [rng.normal(size=(1, s)) for s in (10, 10, 1)]
    args = (x, Ws[0], bs[0], Ws[1], bs[1], Ws[2], bs[2])
    got, error = call(fn, *args)
    if error is not None:
        return report(error)

    def net(act=(sigmoid, sigmoid, sigmoid), bias=True):
        h = x
        for W, b, f in zip(Ws, bs, act):
            h = f(h @ W + (b if bias else 0))
        return h

    ident = lambda z: z  # noqa: E731
    wrong = [
        (net(act=(sigmoid, sigmoid, ident)), "the output layer needs its sigmoid too: ŷ = σ(Z2 W3 + b3)."),
        (net(bias=False), "the biases are missing: each layer computes x W + b before the sigmoid."),
        (net(act=(ident, ident, ident)), "no sigmoid was applied: each layer is σ(x W + b)."),
    ]
    return report(verdict(got, net(), wrong, "your forward pass matches the package's on 6 random points.",
                            "ŷ"))


@exercise_check
def check_mse_grad(fn, seed: int = 0) -> CheckResult:
    """``fn(pred, target)`` must return dL/dŷ = 2 (ŷ - y) / N for L = mean((ŷ - y)²), shape (N, 1)."""
    rng = np.random.default_rng(seed)
    pred, target = rng.uniform(0, 1, (8, 1)), rng.integers(0, 2, (8, 1)).astype(float)
    got, error = call(fn, pred.copy(), target.copy())
    if error is not None:
        return report(error)
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
    return report(verdict(got, 2 * d / n, wrong, "dL/dŷ = 2(ŷ - y)/N, matching on 8 random samples.",
                            "dL/dŷ"))


@exercise_check
def check_linear_backward(fn, seed: int = 0) -> CheckResult:
    """``fn(x, W, grad_out)`` must return (dL/dx, dL/dW, dL/db) = (g Wᵀ, xᵀ g, Σ_batch g (1, out))."""
    rng = np.random.default_rng(seed)
    x, W, g = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    got, error = call(fn, x.copy(), W.copy(), g.copy())
    if error is not None:
        return report(error)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return report(CheckResult(False, "return three arrays: (grad_x, grad_W, grad_b)."))
    gx, gW, gb = got
    checks = [
        (gx, g @ W.T, "dL/dx (grad_x)", [
            (W @ g.T, "grad_x is transposed: use grad_out @ W.T, shape (N, in); you computed W @ grad_out.T."),
        ]),
        (gW, x.T @ g, "dL/dW (grad_W)", [
            (g.T @ x, "grad_W is transposed: it must have W's shape (in, out), so compute x.T @ grad_out."),
            (x.T @ g / len(x),
             "grad_W is divided by N: the loss's gradient already holds the 1/N, don't divide again."),
        ]),
        (gb, g.sum(axis=0, keepdims=True), "dL/db (grad_b)", [
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
    lr = 0.3
    student, ref = MLP(seed=seed), MLP(seed=seed)
    before = ref.state_dict()
    loss_fn = MSELoss()
    right_loss = loss_fn.forward(ref.forward(x), y)
    ref.backward(loss_fn.backward())
    grads = {p.name: p.grad.copy() for p in ref.parameters()}
    got, error = call(fn, student, x, y, lr)
    if error is not None:
        return report(error)
    after = student.state_dict()
    right = {k: before[k] - lr * grads[k] for k in before}
    if all(np.allclose(after[k], before[k]) for k in before):
        return report(CheckResult(False, "the weights did not change: after backward, update each parameter "
                                          "in place, p.value -= lr * p.grad."))
    if all(np.allclose(after[k], before[k] + lr * grads[k]) for k in before):
        return report(CheckResult(False, "the weights moved uphill: subtract the gradient (p.value -= lr * p.grad)."))
    if all(np.allclose(after[k], before[k] - grads[k]) for k in before):
        return report(CheckResult(False, "the learning rate is missing from the update: p.value -= lr * p.grad."))
    if not all(np.allclose(after[k], right[k]) for k in before):
        return report(CheckResult(False, "the weights after your step differ from one gradient-descent step. "
                                          "Order: forward, loss, loss.backward(), model.backward(grad), update."))
    if got is None or not np.isclose(float(got), right_loss):
        return report(CheckResult(False, f"the update is right, but return the loss before the step "
                                          f"(expected {right_loss:.4f}, got {got})."))
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
    import contextlib
    import io

    from ..data import generate_xor_easy
    from ..nn.model import MLP
    from ..nn.train import train
    x, y = generate_xor_easy()
    epochs, lr, every = 30, 0.5, 10
    right = train(MLP(seed=seed), x, y, epochs=epochs, lr=lr, print_fn=None).loss
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        got, error = call(fn, MLP(seed=seed), x, y, epochs, lr, every)
    if error is not None:
        return report(error)
    if got is None:
        return report(CheckResult(False, "your function returned None; return the losses, np.array(losses)."))
    got = np.asarray(got, dtype=float).ravel()
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


@exercise_check
def check_stable_sigmoid(fn) -> CheckResult:
    """``fn(x)`` must return σ(x) for any array, without overflowing (no warning) for any finite x."""
    x = np.concatenate([np.linspace(-1000, 1000, 41), np.random.default_rng(0).normal(0, 5, 20)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got, error = call(fn, x.copy())
    if error is not None and "overflow" in error.message:
        return report(CheckResult(False, "exp overflowed: never exponentiate a large positive number. Use "
                                          "e = np.exp(-np.abs(x)), then 1/(1+e) where x >= 0 and e/(1+e) "
                                          "where x < 0."))
    if error is not None:
        return report(error)
    right = sigmoid(x)
    if got is None or np.shape(got) != x.shape:
        return report(CheckResult(False, f"return an array of the shape of x, {x.shape}."))
    got = np.asarray(got, dtype=float)
    if np.allclose(got, 1 - right, rtol=1e-9, atol=1e-12):
        return report(CheckResult(False, "the branches are swapped: for x >= 0 it is 1/(1 + e^-x), "
                                          "for x < 0 e^x/(1 + e^x)."))
    if not np.allclose(got, right, rtol=1e-12, atol=1e-300):
        return report(CheckResult(False, f"your values differ from σ(x) by up to {np.max(np.abs(got - right)):.3g}; "
                                          f"with e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) for x < 0."))
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
    got, error = call(fn, pred.copy(), target.copy())
    if error is not None:
        return report(error)
    n, d = pred.size, pred - target
    wrong = [
        (d / n, "that is dL/da, the gradient after the sigmoid's σ' cancelled; the loss's own gradient with "
                "respect to ŷ still has ŷ(1 - ŷ) in the denominator."),
        (d / (pred * (1 - pred)), "the 1/N is missing: L is a mean over N samples."),
        (-d / (pred * (1 - pred)) / n, "the sign is flipped: dL/dŷ = (ŷ - y) / (ŷ(1 - ŷ) N)."),
        (2 * d / n, "that is the MSE gradient; differentiate -[y log ŷ + (1-y) log(1-ŷ)] instead."),
    ]
    return report(verdict(got, d / (pred * (1 - pred)) / n, wrong,
                            "dL/dŷ = (ŷ - y) / (ŷ(1 - ŷ)N), matching on 8 random samples.", "dL/dŷ"))
