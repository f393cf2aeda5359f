"""What a locked, graded cell runs: the checks as the package ships them, and hidden tests whose
inputs and expected values the cell itself holds.

Every graded cell of the notebooks starts the same way::

    from importlib import reload

    import backprop_lab.checks.grading as grading

    grade = reload(grading).fresh()

``reload`` runs this module's code again, so a cell above that replaced ``grading.fresh`` (or anything
else here) is undone; ``fresh()`` then imports the checks package anew, as module objects of its own
that no cell has touched: a student's ``checks.check_x = lambda *a: True``, or a class named
``checks``, changes nothing in ``grade``. The cell then asserts the visible check, with the check's
own message as the error::

    result = grade.check_sigmoid_derivative(sigmoid_derivative)
    assert result, result.failure

and its hidden part (removed from the student's copy) compares the student's code with values the
cell holds, on inputs the student never saw, with ``same``::

    hidden = grade.same(sigmoid_derivative, (x,), expected, "sigmoid_derivative(x)")
    assert hidden, hidden.failure

What this does not stop (a kernel runs whatever a cell says): patching NumPy, ``importlib`` or
``sys.modules`` itself. The README's "For instructors" section has the table.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np

from .verdict import CheckResult, as_array, call

PACKAGE = __name__.rsplit(".", 1)[0]            # backprop_lab.checks


def fresh():
    """A new copy of the checks package (``backprop_lab.checks`` and its modules), imported from the
    files, leaving the copy the notebook uses (``checks``) as it is."""
    names = [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]
    saved = {n: sys.modules.pop(n) for n in names}
    parent = sys.modules[PACKAGE.rsplit(".", 1)[0]]
    bound = parent.__dict__.get("checks")
    try:
        copy = importlib.import_module(PACKAGE)
    finally:
        for n in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[n]
        sys.modules.update(saved)
        if bound is not None:
            parent.checks = bound        # the import bound the new copy to backprop_lab.checks
    return copy


def _compare(got, expected, what: str, rtol: float, atol: float) -> CheckResult | None:
    """None if ``got`` matches ``expected`` (an array, or a tuple/list/dict of them), else the verdict."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return CheckResult(False, f"{what} should be a dict with the keys {', '.join(expected)}; "
                                      f"yours is a {type(got).__name__}.")
        for key, value in expected.items():
            if key not in got:
                return CheckResult(False, f"{what} lacks the key {key!r}.")
            problem = _compare(got[key], value, f"{what}[{key!r}]", rtol, atol)
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return CheckResult(False, f"{what} should be {len(expected)} arrays; yours is "
                                      f"{len(got) if isinstance(got, (tuple, list)) else 'a ' + type(got).__name__}"
                                      f"{' values' if isinstance(got, (tuple, list)) else ''}.")
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _compare(g, e, f"{what}[{i}]", rtol, atol)
            if problem is not None:
                return problem
        return None
    expected = np.asarray(expected, dtype=float)
    arr, problem = as_array(got, what, shape=expected.shape)
    if problem is not None:
        return problem
    if not np.allclose(arr, expected, rtol=rtol, atol=atol):
        with np.errstate(all="ignore"):
            worst = np.nanmax(np.abs(arr - expected)) if np.isfinite(arr).all() else float("nan")
        return CheckResult(False, f"on the hidden inputs, {what} differs from the right answer by up to "
                                  f"{worst:.3g}.")
    return None


def same(yours, args, expected, what: str, run=None, rtol: float = 1e-6, atol: float = 1e-9) -> CheckResult:
    """The hidden test: ``yours(*args)`` (or ``run(yours, *args)``, a runner below) must give
    ``expected`` (an array, or a tuple/list/dict of arrays) to ``rtol``/``atol``. Returns a verdict,
    shown like a check's; the student's code runs under the checks' time limit and on copies."""
    if run is None:
        got, problem = call(yours, *args)
    else:
        try:
            got, problem = run(yours, *args)
        except Exception as exc:     # a runner's own trouble with what the student's code gave back
            got, problem = None, CheckResult(False, f"{type(exc).__name__}: {exc}")
    if problem is None:
        problem = _compare(got, expected, what, rtol, atol)
    result = problem if problem is not None else CheckResult(True, f"the hidden test of {what} passes.")
    result.subject = result.subject or getattr(yours, "__name__", None)
    from IPython.display import display
    display(result)
    return result


# --- runners: how a hidden test drives a training step, a loop, an optimizer class, a layer class ---
def backward_from_inputs(yours, x, y, W1, b1, W2, b2, W3, b3):
    """``yours(cache, y)`` with the cache of ``forward_cache`` for these inputs (built by the package)."""
    from .backprop import forward_cache
    return call(yours, forward_cache(x, W1, b1, W2, b2, W3, b3), y)


def _model(sizes, seed):
    from ..nn.model import MLP
    return MLP(tuple(sizes), seed=seed)


def train_step_on(yours, sizes, seed, x, y, lr):
    """``yours(model, x, y, lr)`` on ``MLP(sizes, seed)``: (loss returned, then every parameter after)."""
    model = _model(sizes, seed)
    loss, problem = call(yours, model, x, y, lr, keep_inputs=False)       # the model must change
    if problem is not None:
        return None, problem
    value, problem = as_array(loss, "the loss (one number)", shape=())
    if problem is not None:
        return None, problem
    return (value, *[p.value for p in model.parameters()]), None


def fit_on(yours, sizes, seed, x, y, epochs, lr, log_every):
    """``yours(model, x, y, epochs, lr, log_every)`` on ``MLP(sizes, seed)``: its losses, printing silenced."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return call(yours, _model(sizes, seed), x, y, epochs, lr, log_every, keep_inputs=False)


def optimizer_path(cls, hyper, w0, grads):
    """``cls(**hyper)`` stepped once per entry of ``grads`` on parameters starting at ``w0``: the
    parameters' values after the last step (a tuple, one array per parameter)."""
    from ..nn.layers import Parameter
    opt, problem = call(lambda: cls(**hyper))
    if problem is not None:
        return None, problem
    values = [np.array(w, dtype=float) for w in w0]
    params = [Parameter(f"{2 * i}.weight", v, np.zeros_like(v)) for i, v in enumerate(values)]
    for step in grads:
        for p, g in zip(params, step):
            p.grad[...] = g
        _, problem = call(opt.step, params, keep_inputs=False)
        if problem is not None:
            return None, problem
    return tuple(p.value for p in params), None


def layer_pass(cls, x, grad_out):
    """``cls()``'s ``forward(x)`` and then ``backward(grad_out)``: (output, gradient with respect to x)."""
    layer, problem = call(cls)
    if problem is not None:
        return None, problem
    out, problem = call(layer.forward, np.array(x, dtype=float))
    if problem is not None:
        return None, problem
    back, problem = call(layer.backward, np.array(grad_out, dtype=float))
    if problem is not None:
        return None, problem
    return (out, back), None
