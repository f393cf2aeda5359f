"""Write the graded cells of the exercise notebooks: the visible check, run from a fresh copy of the
checks, and hidden tests on inputs the student never saw, with the expected values written in.

    .venv/bin/python tools/hidden_tests.py          # (re)write every graded cell
    .venv/bin/python tools/hidden_tests.py --check  # exit 1 if a notebook's graded cell differs

Each exercise has a spec below: the student's name for the function or class, its visible check,
and hidden inputs drawn from a seed of their own (other shapes and values than the visible check
uses). The expected values are computed here, by the package's own reference, and written into the
cell as literals: a hidden test asserts on values the cell itself holds, so patching the package at
grading time cannot change what is expected (backprop_lab/checks/grading.py; README, "For
instructors"). tests/test_hidden_tests.py checks that the cells are what this script writes.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import backprop_lab as bl  # noqa: E402
from backprop_lab.checks import forward_cache, package_backward_pass  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
HIDDEN_SEED = 20261202          # not any seed the visible checks use (0, 1, 2, their fixed problems)


def literal(a) -> str:
    """Python source for the array ``a``: np.array([...]) with every float written exactly (repr)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return repr(float(a))

    def nested(v):
        return "[" + ", ".join(nested(e) for e in v) + "]" if isinstance(v, list) else repr(float(v))
    return f"np.array({nested(a.tolist())})"


def _rng(name: str):
    return np.random.default_rng([HIDDEN_SEED, sum(map(ord, name))])


def _net_params(rng, sizes):
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        out += [rng.normal(size=(n_in, n_out)), rng.normal(size=(1, n_out))]
    return out


WEIGHT_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def spec_sigmoid_derivative():
    x = _rng("sd").normal(0, 4, (2, 3))
    s = bl.sigmoid(x)
    return dict(target="sigmoid_derivative", check="check_sigmoid_derivative", inputs={"x": x},
                args="(hidden_x,)", expected=s * (1 - s), what="sigmoid_derivative(x)")


def spec_stable_sigmoid():
    x = np.array([-745.5, -600.0, -35.25, -0.5, 0.0, 1e-3, 19.0, 710.0, 900.0])
    return dict(target="two_branch_sigmoid", check="check_stable_sigmoid", inputs={"x": x},
                args="(hidden_x,)", expected=bl.sigmoid(x), what="two_branch_sigmoid(x)",
                tolerance="rtol=1e-12, atol=1e-300")


def spec_forward():
    rng = _rng("fw")
    x = rng.uniform(-1, 2, (3, 2))
    params = _net_params(rng, (2, 3, 2, 1))
    h = x
    for W, b in zip(params[::2], params[1::2]):
        h = bl.sigmoid(h @ W + b)
    return dict(target="forward", check="check_forward", inputs={"x": x, **dict(zip(WEIGHT_NAMES, params))},
                args="(hidden_x, hidden_W1, hidden_b1, hidden_W2, hidden_b2, hidden_W3, hidden_b3)",
                expected=h, what="forward(x, W1, b1, W2, b2, W3, b3) on a 2-3-2-1 network")


def spec_numerical_gradient():
    x = _rng("ng").normal(0, 1, (2, 3))
    # f reads x. For f = Σ x³ - x² the centred difference is exactly 3x² + h² - 2x (the h² is its
    # truncation error, written into the expected value), so the tolerance is about rounding only.
    h = 1e-4
    expected = 3 * x ** 2 + h ** 2 - 2 * x
    return dict(target="numerical_gradient", check="check_numerical_gradient", inputs={"x": x},
                setup="def hidden_f():\n    return float(np.sum(hidden_x ** 3 - hidden_x ** 2))\n\n\n",
                args=f"(hidden_f, hidden_x, {h!r})", expected=expected,
                what="numerical_gradient(f, x, h) for f = Σ x³ - x²", tolerance="rtol=1e-6, atol=1e-6")


def spec_mse_grad():
    rng = _rng("mse")
    pred, target = rng.uniform(0, 1, (5, 1)), rng.integers(0, 2, (5, 1)).astype(float)
    return dict(target="mse_grad", check="check_mse_grad", inputs={"pred": pred, "target": target},
                args="(hidden_pred, hidden_target)", expected=2 * (pred - target) / pred.size,
                what="mse_grad(pred, target) on 5 samples")


def spec_linear_backward():
    rng = _rng("lb")
    x, W, g = rng.normal(size=(3, 2)), rng.normal(size=(2, 3)), rng.normal(size=(3, 3))
    return dict(target="linear_backward", check="check_linear_backward", inputs={"x": x, "W": W, "grad_out": g},
                args="(hidden_x, hidden_W, hidden_grad_out)", expected=(g @ W.T, x.T @ g, g.sum(axis=0, keepdims=True)),
                what="linear_backward(x, W, grad_out)")


def spec_forward_cache():
    rng = _rng("fc")
    x = rng.normal(size=(2, 2))
    params = _net_params(rng, (2, 3, 2, 1))
    cache = forward_cache(x, *params)
    keep = ("A1", "Z1", "A2", "Z2", "A3", "yhat")
    return dict(target="forward_pass", check="check_forward_cache", inputs={"x": x, **dict(zip(WEIGHT_NAMES, params))},
                args="(hidden_x, hidden_W1, hidden_b1, hidden_W2, hidden_b2, hidden_W3, hidden_b3)",
                expected={k: cache[k] for k in keep}, what="forward_pass(...) on a 2-3-2-1 network")


def spec_backward_pass():
    rng = _rng("bp")
    x, y = rng.normal(size=(3, 2)), np.array([[1.0], [0.0], [1.0]])
    params = _net_params(rng, (2, 3, 3, 1))
    expected = package_backward_pass(forward_cache(x, *params), y)
    return dict(target="backward_pass", check="check_backward_pass",
                inputs={"x": x, "y": y, **dict(zip(WEIGHT_NAMES, params))},
                args="(hidden_x, hidden_y, hidden_W1, hidden_b1, hidden_W2, hidden_b2, hidden_W3, hidden_b3)",
                run="grade.backward_from_inputs", expected=expected,
                what="backward_pass(cache, y) on a 2-3-3-1 network")


def spec_train_step():
    rng = _rng("ts")
    x, y = rng.uniform(0, 1, (4, 2)), np.array([[0.0], [1.0], [1.0], [0.0]])
    sizes, seed, lr = (2, 3, 1), 7, 0.4
    model = bl.MLP(sizes, seed=seed)
    loss = bl.checks.package_train_step(model, x, y, lr)
    return dict(target="train_step", check="check_train_step", inputs={"x": x, "y": y},
                args=f"({sizes!r}, {seed}, hidden_x, hidden_y, {lr!r})", run="grade.train_step_on",
                expected=(loss, *[p.value for p in model.parameters()]),
                what="train_step on a 2-3-1 network: (the loss returned, W1, b1, W2, b2 after the step)")


def spec_fit():
    rng = _rng("fit")
    x, y = rng.uniform(0, 1, (4, 2)), np.array([[1.0], [0.0], [0.0], [1.0]])
    sizes, seed, epochs, lr = (2, 4, 1), 3, 6, 0.8
    losses = bl.train(bl.MLP(sizes, seed=seed), x, y, epochs=epochs, lr=lr, print_fn=None).loss
    return dict(target="fit", check="check_fit", inputs={"x": x, "y": y},
                args=f"({sizes!r}, {seed}, hidden_x, hidden_y, {epochs}, {lr!r}, 2)", run="grade.fit_on",
                expected=losses, what=f"fit's {epochs} losses on a 2-4-1 network")


def _optimizer_spec(name, target, check, cls, hyper, shape=(2, 2), steps=3):
    rng = _rng(name)
    w0 = [rng.normal(size=shape) for _ in range(2)]
    grads = [[rng.normal(size=shape) for _ in range(2)] for _ in range(steps)]
    values = [w.copy() for w in w0]
    params = [bl.Parameter(f"{2 * i}.weight", v, np.zeros_like(v)) for i, v in enumerate(values)]
    opt = cls(**hyper)
    for step in grads:
        for p, g in zip(params, step):
            p.grad[...] = g
        opt.step(params)
    inputs = {"w0": w0, "grads": grads}
    return dict(target=target, check=check, check_module="optim", inputs=inputs,
                args=f"({hyper!r}, hidden_w0, hidden_grads)", run="grade.optimizer_path",
                expected=tuple(p.value for p in params),
                what=f"{target}({', '.join(f'{k}={v}' for k, v in hyper.items())}): two parameters after {steps} steps")


def spec_momentum():
    return _optimizer_spec("mo", "MyMomentum", "check_momentum", bl.Momentum, {"lr": 0.1, "beta": 0.7})


def spec_adam():
    return _optimizer_spec("ad", "MyAdam", "check_adam", bl.Adam,
                           {"lr": 0.02, "beta1": 0.85, "beta2": 0.95, "eps": 1e-3})


def _layer_spec(name, target, check, cls, x):
    g = _rng(name + "g").normal(size=x.shape)
    layer = cls()
    out = layer.forward(x.copy())
    return dict(target=target, check=check, check_module="layers", inputs={"x": x, "grad_out": g},
                args="(hidden_x, hidden_grad_out)", run="grade.layer_pass",
                expected=(out, layer.backward(g.copy())), what=f"{target}: forward(x) and backward(grad_out)")


def spec_tanh():
    return _layer_spec("tanh", "MyTanh", "check_tanh", bl.Tanh, _rng("tanh").normal(0, 2, (3, 2)))


def spec_relu():
    x = _rng("relu").normal(0, 1, (2, 4))
    x[1, 2] = 0.0                      # the kink, where the derivative is taken as 0
    return _layer_spec("relu", "MyReLU", "check_relu", bl.ReLU, x)


def spec_bce_grad():
    rng = _rng("bce")
    pred, target = rng.uniform(0.1, 0.9, (4, 1)), np.array([[1.0], [0.0], [0.0], [1.0]])
    return dict(target="bce_grad", check="check_bce_grad", inputs={"pred": pred, "target": target},
                args="(hidden_pred, hidden_target)", expected=bl.checks.package_bce_grad(pred, target),
                what="bce_grad(pred, target) on 4 samples")


SPECS = {
    "nb01-exercise-1-test": spec_sigmoid_derivative, "nb01-stable-sigmoid-test": spec_stable_sigmoid,
    "nb02-exercise-1-test": spec_forward, "nb03-numerical-gradient-test": spec_numerical_gradient,
    "nb03-mse-grad-test": spec_mse_grad, "nb03-linear-backward-test": spec_linear_backward,
    "nb04-forward-cache-test": spec_forward_cache, "nb04-backward-pass-test": spec_backward_pass,
    "nb05-exercise-1-test": spec_train_step, "nb05-fit-test": spec_fit,
    "nb11-momentum-test": spec_momentum, "nb11-adam-test": spec_adam,
    "nb12-tanh-test": spec_tanh, "nb12-relu-test": spec_relu, "nb13-bce-grad-test": spec_bce_grad,
}


def _value_source(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_value_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        items = [_value_source(v) for v in value]
        return ("(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")") if isinstance(value, tuple) \
            else "[" + ", ".join(items) + "]"
    return literal(value)


def wrap(line: str, width: int = 116) -> str:
    """``line`` broken after commas into lines of at most ``width`` characters, continued with four
    spaces (always inside brackets here, so no backslash is needed)."""
    if len(line) <= width:
        return line
    out, current = [], ""
    for piece in line.split(", "):
        candidate = piece if not current else current + ", " + piece
        if len(candidate) + 1 > width and current:
            out.append(current + ",")
            current = "    " + piece
        else:
            current = candidate
    out.append(current)
    return "\n".join(out)


def cell_source(points: int, spec: dict) -> str:
    """The graded cell: the visible check from a fresh copy of the checks, then the hidden tests."""
    target, check = spec["target"], spec["check"]
    module = spec.get("check_module")
    check_ref = f"grade.{module}.{check}" if module else f"grade.{check}"
    s = "" if points == 1 else "s"
    lines = [
        f"# Graded: {points} point{s}. This cell runs the check above on your {target} again, from a fresh copy",
        "# of the checks (nothing a cell above changed counts), and fails with the check's message if it",
        "# is not right yet. When your work is graded, hidden tests also run it on inputs you have not seen.",
        "from importlib import reload",
        "",
        "import backprop_lab.checks.grading as grading",
        "",
        "grade = reload(grading).fresh()",
        f"graded = {check_ref}({target})",
        "assert graded, graded.failure",
        "### BEGIN HIDDEN TESTS",
    ]
    for name, value in spec["inputs"].items():
        lines.append(wrap(f"hidden_{name} = {_value_source(value)}"))
    if spec.get("setup"):
        lines.extend(spec["setup"].rstrip("\n").split("\n"))
    run = f", run={spec['run']}" if spec.get("run") else ""
    tolerance = f", {spec['tolerance']}" if spec.get("tolerance") else ""
    lines.append(wrap(f"hidden_expected = {_value_source(spec['expected'])}"))
    what = f"hidden_what = {spec['what']!r}"
    assert len(what) <= 120, what
    lines.append(what)
    lines.append(wrap(f"hidden = grade.same({target}, {spec['args']}, hidden_expected, hidden_what{run}{tolerance})"))
    lines.append("assert hidden, hidden.failure")
    lines.append("### END HIDDEN TESTS")
    return "\n".join(lines)


def graded_cells():
    """(notebook path, notebook, cell, the source this script writes) for every graded cell."""
    out = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("grade") and cell.cell_type == "code":
                spec = SPECS[grading["grade_id"]]()
                out.append((path, nb, cell, cell_source(grading["points"], spec)))
    return out


if __name__ == "__main__":
    cells = graded_cells()
    if sys.argv[1:] == ["--check"]:
        stale = [f"{p.name}: {c.metadata['nbgrader']['grade_id']}" for p, _, c, src in cells if c.source != src]
        sys.exit(f"graded cells to rewrite (tools/hidden_tests.py): {stale}" if stale else 0)
    changed = {}
    for path, nb, cell, source in cells:
        if cell.source != source:
            cell.source = source
            changed[path] = nb
    for path, nb in changed.items():
        nbformat.write(nb, path)
        print("rewrote", path.name)
    print(f"{len(cells)} graded cells; {len(changed)} notebook(s) changed")
