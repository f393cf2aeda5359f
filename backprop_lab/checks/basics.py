"""Checks for the "your turn" exercises of notebooks 2 and 5, and the gradient exercises of notebooks 3 and 13.

Each ``check_*`` function calls the student's function on random inputs (seeded), compares it with
the right answer and, when it differs, with the typical wrong answers, so the reply can name the
mistake (a missing 1/N, σ applied twice, a transpose missing, the bias gradient not summed over the
batch...). It prints the verdict and returns a ``CheckResult`` (truthy when correct).
"""
from __future__ import annotations

import contextlib
import itertools

import numpy as np

from ..nn.activations import sigmoid
from .verdict import CheckResult, as_array, as_parts, call, describe, exercise_check, report, verdict

_FORWARD_ARGS = ("x", "W1", "b1", "W2", "b2", "W3", "b3")


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
