"""Checks for notebooks 3 and 4: a numerical gradient (3), and the whole backward pass of the lab's network (4).

Same contract as ``checks``: each check runs the student's function on seeded random inputs, prints
the verdict and returns a ``CheckResult``; a wrong answer is compared with the typical mistakes so the
reply can name the one made.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid
from ..nn.gradcheck import numerical_gradient as _package_numerical_gradient
from ..nn.gradcheck import rel_error
from .verdict import CheckResult, as_array, call, close, describe, exercise_check, report

GRAD_NAMES = ("dW1", "db1", "dW2", "db2", "dW3", "db3")
# dL/dA3, dL/dZ2, ...: what each step of the backward pass hands to the next, from the output back
INTERMEDIATE_NAMES = ("dA3", "dZ2", "dA2", "dZ1", "dA1")
ALL_NAMES = INTERMEDIATE_NAMES + GRAD_NAMES


# --- numerical_gradient(f, x, h) ---
def _test_function(x):
    """f(x) = Σ x³/3 + Σ sin x, whose gradient x² + cos x is known exactly."""
    return float(np.sum(x ** 3) / 3 + np.sum(np.sin(x)))


def _difference(x, h, rule):
    """What a centred (or a mistaken) difference rule gives for ``_test_function`` at ``x``."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        f0, fp, fm = _test_function(x), _test_function(plus), _test_function(minus)
        grad[i] = {"centred": (fp - fm) / (2 * h), "forward": (fp - f0) / h, "no_half": (fp - fm) / h,
                   "h_squared": (fp - fm) / (2 * h * h)}[rule]
    return grad


@exercise_check
def check_numerical_gradient(fn, seed: int = 0) -> CheckResult:
    """``fn(f, x, h)`` must return the centred difference (f(x + h e_i) - f(x - h e_i)) / 2h for every
    element i of ``x`` (any shape), where ``f()`` takes no argument and reads ``x``; ``x`` is perturbed in
    place, one element at a time, and restored."""
    x = np.random.default_rng(seed).normal(0, 1, (3, 4))
    original, h = x.copy(), 1e-4
    right = x ** 2 + np.cos(x)
    wrong = [
        (_difference(x, h, "forward"), "that is the one-sided difference (f(x+h) - f(x))/h, whose error shrinks "
                                        "only like h; use the centred one, (f(x+h) - f(x-h)) / 2h."),
        (_difference(x, h, "no_half"), "the factor 1/2 is missing: x+h and x-h are 2h apart, so divide by 2h."),
        (_difference(x, h, "h_squared"), "divide by 2h, not 2h²."),
        (-right, "the sign is flipped: it is f(x+h) - f(x-h), in that order."),
    ]
    # changing x is the exercise: it is judged below (restored?), not refused
    got, error = call(fn, lambda: _test_function(x), x, h, keep_inputs=False)
    if error is not None and "positional argument" in error.message and "<lambda>()" in error.message:
        return report(CheckResult(False, "f takes no argument: it reads the array x itself. Change x in place "
                                          "(x[i] = old + h), call f(), and put the old value back."))
    if error is not None:
        return report(error)
    if not np.allclose(x, original, rtol=0, atol=1e-12):      # x[i] -= h style restores to rounding
        return report(CheckResult(False, "x is not restored: after perturbing an element, put its old value back "
                                          "(x[i] = old), or every later element is measured at a shifted point."))
    got_arr, problem = as_array(got, "the gradient")
    if problem is not None:
        return report(problem)
    if got_arr.shape == (x.size,):
        return report(CheckResult(False, f"the gradient must have the shape of x, {x.shape}; yours is flat "
                                          f"{got_arr.shape}. Fill grad = np.zeros_like(x) at index i."))
    if got_arr.shape != x.shape:
        return report(CheckResult(False, f"the gradient must have the shape of x, {x.shape}; "
                                          f"yours is {got_arr.shape}."))
    if np.all(got_arr == 0):
        return report(CheckResult(False, "f() never saw your change: your gradient is all 0, so f(x+h) and "
                                          "f(x-h) came out equal. f reads the array x you were given: perturb "
                                          "x itself in place (x[i] = old + h), not a copy of it."))
    if np.allclose(got_arr, got_arr.flat[0]):
        return report(CheckResult(False, "every element has the same value: perturb one element at a time "
                                          "(x[i] += h for a single index i), not the whole array at once."))
    for candidate, hint in wrong:
        if close(got_arr, candidate) and not close(candidate, right):
            return report(CheckResult(False, hint))
    if np.allclose(got_arr, right, rtol=1e-6, atol=1e-8):
        return report(CheckResult(True, f"centred differences, error {rel_error(got_arr, right):.0e} against the "
                                         f"exact gradient of a test function; x restored."))
    with np.errstate(all="ignore"):
        worst = np.max(np.abs(got_arr - right))
    return report(CheckResult(False, f"the differences are off by up to {worst:.3g}. "
                                      f"For each index i: keep the old value, evaluate f() with x[i] raised by h and "
                                      f"then lowered by h, put the old value back, and divide the difference by 2h."))


# --- backward_pass(cache, y) for the 2-hidden-layer sigmoid network with MSE ---
def forward_cache(x, W1, b1, W2, b2, W3, b3):
    """The forward pass of the lab's network, keeping every array: the ``cache`` of notebook 4.

    x (N, d); W1 (d, h1), b1 (1, h1); W2 (h1, h2), b2 (1, h2); W3 (h2, 1), b3 (1, 1). Returns a dict
    with those and A1 = x W1 + b1, Z1 = σ(A1), A2, Z2, A3 and yhat = σ(A3).
    """
    A1 = x @ W1 + b1
    Z1 = sigmoid(A1)
    A2 = Z1 @ W2 + b2
    Z2 = sigmoid(A2)
    A3 = Z2 @ W3 + b3
    return dict(X=x, W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3, A1=A1, Z1=Z1, A2=A2, Z2=Z2, A3=A3, yhat=sigmoid(A3))


@exercise_check
def check_forward_cache(fn, seed: int = 0) -> CheckResult:
    """``fn(x, W1, b1, W2, b2, W3, b3)`` must return the dict of ``forward_cache``: the inputs and
    weights, and A1, Z1, A2, Z2, A3, yhat, every array of the forward pass."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, 2))
    params = [rng.normal(size=shape) for shape in ((2, 4), (1, 4), (4, 3), (1, 3), (3, 1), (1, 1))]
    right = forward_cache(x, *params)
    got, error = call(fn, x.copy(), *[p.copy() for p in params], names=("x", "W1", "b1", "W2", "b2", "W3", "b3"))
    if error is not None:
        return report(error)
    if not isinstance(got, dict):
        return report(CheckResult(False, f"return a dict with the keys {', '.join(right)}; "
                                          f"you returned {describe(got)}."))
    missing = [k for k in right if k not in got]
    if missing:
        return report(CheckResult(False, f"the dict lacks {', '.join(missing)}: keep every array of the forward "
                                          f"pass, and the inputs and weights (the backward pass needs them)."))
    W3 = params[4]
    for k in ("A1", "Z1", "A2", "Z2", "A3", "yhat"):
        g, problem = as_array(got[k], f"{k}, an array")
        if problem is not None:
            return report(CheckResult(False, f"cache[{k!r}]: " + problem.message))
        r = right[k]
        if np.shape(g) == np.shape(r) and close(g, r):
            continue
        if k == "yhat":
            hints = [(right["A3"], "yhat is A3: the output layer has a sigmoid too, yhat = σ(A3)."),
                     (sigmoid(right["Z2"] @ W3), "yhat has no output bias: yhat = σ(Z2 @ W3 + b3).")]
        elif k[0] == "A":
            n = int(k[1])
            before = x if n == 1 else right[f"Z{n - 1}"]
            hints = [(before @ params[2 * n - 2], f"{k} has no bias: A{n} = Z @ W{n} + b{n}.")]
        else:
            hints = [(right[f"A{k[1]}"], f"{k} is the pre-activation A{k[1]}: apply the sigmoid, {k} = σ(A{k[1]}).")]
        for wrong, hint in hints:
            if np.shape(g) == np.shape(wrong) and close(g, wrong):
                return report(CheckResult(False, hint))
        return report(CheckResult(False, f"{k} is not right (the arrays before it are): "
                                          f"A = Z @ W + b, then Z = σ(A), layer by layer."))
    return report(CheckResult(True, "every array of the forward pass, A1 to yhat, on a random 2-4-3-1 network."))

def package_backward_pass(cache, y):
    """Every gradient of notebook 4's ``backward_pass`` for ``cache`` (``forward_cache``), by the package's layers.

    A dict: the intermediates dA3 (N, 1), dZ2 (N, h2), dA2 (N, h2), dZ1 (N, h1), dA1 (N, h1), and the
    parameters' gradients dW1, db1, dW2, db2, dW3, db3 (each of its parameter's shape). The stand-in for
    the student's ``backward_pass`` while that exercise is unfinished: the cache's weights are loaded into
    an ``MLP`` whose layers (``Linear`` and ``Sigmoid``) are walked in reverse, keeping what each returns.
    """
    from ..nn.losses import MSELoss
    from ..nn.model import MLP
    sizes = (cache["W1"].shape[0], cache["W1"].shape[1], cache["W2"].shape[1], cache["W3"].shape[1])
    model = MLP(sizes, seed=0)
    for k, lin in enumerate(model.linear_layers(), start=1):
        lin.weight[...] = cache[f"W{k}"]
        lin.bias[...] = cache[f"b{k}"]
    loss = MSELoss()
    loss.forward(model.forward(cache["X"]), y)
    grad, passed_back = loss.backward(), []
    for layer in reversed(model.layers):                # sigmoid 3, linear 3, sigmoid 2, ... linear 1
        grad = layer.backward(grad)
        passed_back.append(grad.copy())
    out = dict(zip(INTERMEDIATE_NAMES, passed_back[:5]))
    out.update(zip(GRAD_NAMES, (p.grad.copy() for p in model.parameters())))
    return out


def _backward(c, y, out="Z", hidden="Z", transpose_back=False, swap_dW=False, bias="sum", mean=True,
              flip=None):
    """The right gradients, or one typical mistake, for the cache ``c`` (see ``check_backward_pass``):
    a dict with the keys of ``ALL_NAMES``.

    ``out`` and ``hidden`` say what σ′ is computed from at the output layer and in the hidden layers:
    ``"Z"`` the cached output (right), ``"A"`` the pre-activation (A (1 - A)), None for no σ′ at all.
    ``flip`` names an intermediate computed with its sign flipped."""
    n = len(y) if mean else 1
    grad = 2 * (c["yhat"] - y) / n                          # dL/dŷ
    grads = {}
    for k, inp in ((3, "Z2"), (2, "Z1"), (1, "X")):
        prime = out if k == 3 else hidden
        if prime is not None:
            s = (c["yhat"] if k == 3 else c[f"Z{k}"]) if prime == "Z" else c[f"A{k}"]
            grad = grad * s * (1 - s)                       # dL/dA_k
        grad = -grad if flip == f"dA{k}" else grad
        grads[f"dA{k}"] = grad
        grads[f"dW{k}"] = grad.T @ c[inp] if swap_dW else c[inp].T @ grad
        grads[f"db{k}"] = {"sum": grad.sum(axis=0, keepdims=True), "flat": grad.sum(axis=0), "none": grad,
                           "mean": grad.mean(axis=0, keepdims=True)}[bias]
        W = c[f"W{k}"]
        grad = grad @ (W if transpose_back and W.shape[0] == W.shape[1] else W.T)   # dL/dZ_{k-1}
        grad = -grad if flip == f"dZ{k - 1}" else grad
        if k > 1:
            grads[f"dZ{k - 1}"] = grad
    return {name: grads[name] for name in ALL_NAMES}


_MISTAKES = [
    (dict(out="A", hidden="A"), "σ′ is taken of the pre-activation: σ′(A) = Z (1 - Z) with Z = σ(A), the cached "
                                "output; you computed A (1 - A)."),
    (dict(out="A"), "at the output, σ′ is taken of the pre-activation A3: use yhat * (1 - yhat), not "
                    "A3 * (1 - A3) (the hidden layers are right)."),
    (dict(hidden="A"), "in the hidden layers σ′ is taken of the pre-activation: use Z (1 - Z), not A (1 - A) "
                       "(the output layer is right)."),
    (dict(out=None, hidden=None), "the σ′ factors are missing: after each sigmoid, multiply the upstream gradient "
                                  "by Z (1 - Z) element-wise."),
    (dict(out=None), "the output sigmoid's σ′ is missing: dL/dA3 = dL/dŷ · ŷ (1 - ŷ)."),
    (dict(hidden=None), "the hidden sigmoids' σ′ factors are missing: dL/dA_k = dL/dZ_k · Z_k (1 - Z_k)."),
    (dict(swap_dW=True), "the weight gradients are transposed: dL/dW = Zᵀ · dL/dA has W's shape (in, out); "
                         "you computed dL/dAᵀ · Z."),
    (dict(transpose_back=True), "the gradient passed back to the previous layer uses W, not Wᵀ: "
                                "dL/dZ = dL/dA · Wᵀ (it only ran because W2 is square)."),
    (dict(bias="none"), "the bias gradient must be summed over the batch: every sample adds to the same "
                        "bias, so the sum over the samples has shape (1, out)."),
    (dict(bias="flat"), "right values, but keep the bias gradient's shape (1, out): sum with keepdims=True."),
    (dict(bias="mean"), "the bias gradient is a sum over the batch, not a mean (the 1/N is already in dL/dŷ)."),
    (dict(mean=False), "the 1/N is missing: L is a mean over the N samples, so dL/dŷ = 2 (ŷ - y) / N."),
]

# Where to look when an intermediate is the first wrong one and the one before it was right.
_STEP = {
    "dA3": "the first step: dA3 = dL/dŷ ⊙ ŷ (1 - ŷ), with dL/dŷ = 2 (ŷ - y) / N",
    "dZ2": "the pass back through layer 3's weights: dZ2 = dA3 W3ᵀ",
    "dA2": "σ′ of layer 2: dA2 = dZ2 ⊙ Z2 (1 - Z2)",
    "dZ1": "the pass back through layer 2's weights: dZ1 = dA2 W2ᵀ",
    "dA1": "σ′ of layer 1: dA1 = dZ1 ⊙ Z1 (1 - Z1)",
}
_PARAM_STEP = {"dW": "dW{k} = (the layer's input)ᵀ dA{k}, of W{k}'s shape (in, out)",
               "db": "db{k} is dA{k} summed over the batch, of b{k}'s shape (1, out)"}


@exercise_check
def check_backward_pass(fn, seed: int = 0) -> CheckResult:
    """``fn(cache, y)`` must return a dict of every gradient of the MSE loss of the lab's network: the
    intermediates dA3, dZ2, dA2, dZ1, dA1 (dL/dA_k and dL/dZ_k, shapes (N, size of layer k)) and the
    parameters' dW1, db1, dW2, db2, dW3, db3 (shapes as the parameters').

    ``cache`` is ``forward_cache(x, W1, b1, W2, b2, W3, b3)``. Checked on a random 2-4-4-1 network
    (6 samples): the intermediates first, from the output back, naming the first wrong one and the step
    before it; then the parameters' gradients, against the formulas of notebook 4 and a numerical
    gradient of the loss. A wrong answer is also matched against the typical mistakes. W2 is square,
    as in the lab's 2-10-10-1 network, so a missing transpose there runs and is caught by its values.
    """
    rng = np.random.default_rng(seed)
    sizes = (2, 4, 4, 1)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(size=(n_in, n_out)), rng.normal(size=(1, n_out))]
    x, y = rng.normal(size=(6, 2)), rng.integers(0, 2, (6, 1)).astype(float)
    cache = forward_cache(x, *params)
    right = _backward(cache, y)
    got, error = call(fn, {k: v.copy() for k, v in cache.items()}, y.copy(), names=("cache", "y"))
    if error is not None:
        return report(error)
    wanted = f"return a dict with the keys {', '.join(ALL_NAMES)}"
    if not isinstance(got, dict):
        extra = " (the six parameter gradients alone are not enough: the intermediates show where a chain " \
                "breaks)" if isinstance(got, (tuple, list)) else ""
        return report(CheckResult(False, f"{wanted}{extra}; you returned {describe(got)}."))
    missing = [k for k in ALL_NAMES if k not in got]
    if missing:
        return report(CheckResult(False, f"{wanted}; yours lacks {', '.join(missing)}."))
    arrays = {}
    for name in ALL_NAMES:
        g, problem = as_array(got[name], name)
        if problem is not None:
            return report(CheckResult(False, f"{name}: " + problem.message))
        arrays[name] = g
    got = arrays
    verdict = _compare(got, right)
    if verdict is None:
        numeric = _numerical(x, y, params)
        worst = max(rel_error(got[name], r) for name, r in zip(GRAD_NAMES, numeric))
        return report(CheckResult(True, f"all six gradients match the chain rule, and a numerical gradient of the "
                                         f"loss to {worst:.0e}."))
    for options, hint in _MISTAKES:
        if _compare(got, _backward(cache, y, **options)) is None:
            first = verdict.split(" ", 1)[0]
            return report(CheckResult(False, f"{first} is the first wrong array, working back from the output: "
                                              f"{hint}"))
    order = [next((name for name in GRAD_NAMES if close(got[g], right[name])), None) for g in GRAD_NAMES]
    if None not in order and all(close(got[k], right[k]) for k in INTERMEDIATE_NAMES):
        return report(CheckResult(False, f"right gradients under the wrong names: your dW1, db1, dW2, db2, dW3, "
                                          f"db3 are the right ({', '.join(order)})."))
    return report(CheckResult(False, verdict))


#: Said with a wrong shape: the check's network is smaller than the lab's, on purpose.
_SIZES_NOTE = (" (The check runs a small 2-4-4-1 network with 6 samples on purpose, so its shapes are not "
               "your 2-10-10-1 network's: compare the shape's pattern, e.g. (1, out) for a bias.)")


def _compare(got, right):
    """None if every array matches, else a message naming the first wrong one: the intermediates from the
    output back, then each layer's dW and db (the output layer first), with the step to look at."""
    previous = None
    for name in INTERMEDIATE_NAMES:
        g, r = got[name], right[name]
        if np.shape(g) != np.shape(r):
            return (f"{name} should have shape {np.shape(r)}; yours has shape {np.shape(g)}. Look at {_STEP[name]}."
                    + _SIZES_NOTE)
        if not close(g, r):
            sign = " It has the right size but the opposite sign." if close(g, -r) else ""
            before = f"; {previous} was right, so look at {_STEP[name]}." if previous else \
                f": look at {_STEP[name]}."
            return f"{name} is wrong{before}{sign}"
        previous = name
    for k in (3, 2, 1):
        for kind in ("dW", "db"):
            name = f"{kind}{k}"
            g, r = got[name], right[name]
            if np.shape(g) != np.shape(r):
                return f"{name} should have shape {np.shape(r)}; yours has shape {np.shape(g)}." + _SIZES_NOTE
            if not close(g, r):
                return (f"{name} is wrong, though dA{k} is right: {_PARAM_STEP[kind].format(k=k)}.")
    return None


def _numerical(x, y, params):
    """dL/d(each parameter) by the package's five-point differences, for the check's message."""
    def loss():
        yhat = forward_cache(x, *params)["yhat"]
        return float(np.mean((yhat - y) ** 2))
    return [_package_numerical_gradient(loss, p) for p in params]
