"""The exercise checks (backprop_lab.checks) against right and deliberately wrong answers.

Each wrong implementation is one of the typical mistakes the notebooks warn about; the check must
say "not yet" AND name that mistake, and accept every correct implementation.
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab import checks


def _sig(x):
    return 1 / (1 + np.exp(-x))


# --- sigmoid derivative (notebook 1) ---------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: bl.sigmoid(x) * (1 - bl.sigmoid(x)),
    lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,          # the same derivative, another form
])
def test_sigmoid_derivative_accepts_right_answers(fn, capsys):
    assert checks.check_sigmoid_derivative(fn)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("fn, hint", [
    (lambda x: bl.sigmoid(x), "σ(x) itself"),
    (lambda x: x * (1 - x), "applied s(1 - s) to x"),
    (lambda x: _sig(_sig(x)) * (1 - _sig(_sig(x))), "applied twice"),
    (lambda x: -bl.sigmoid(x) * (1 - bl.sigmoid(x)), "sign is flipped"),
    (lambda x: np.zeros(3), "shape"),
    (lambda x: None, "returned None"),
    (lambda x: 1 / 0, "ZeroDivisionError"),
])
def test_sigmoid_derivative_names_the_mistake(fn, hint, capsys):
    result = checks.check_sigmoid_derivative(fn)
    assert not result
    assert hint in result.message
    assert "Not yet" in capsys.readouterr().out


# --- forward pass (notebook 2) -----------------------------------------------------------------
def test_forward_accepts_the_package_network():
    def forward(x, W1, b1, W2, b2, W3, b3):
        model = bl.MLP((2, 10, 10, 1), seed=0)
        state = dict(zip(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"],
                         [W1, b1, W2, b2, W3, b3]))
        model.load_state_dict(state)
        return model.forward(x)
    assert checks.check_forward(forward)


@pytest.mark.parametrize("fn, hint", [
    (lambda x, W1, b1, W2, b2, W3, b3: _sig(_sig(x @ W1 + b1) @ W2 + b2) @ W3 + b3, "output layer needs its sigmoid"),
    (lambda x, W1, b1, W2, b2, W3, b3: _sig(_sig(_sig(x @ W1) @ W2) @ W3), "biases are missing"),
    (lambda x, W1, b1, W2, b2, W3, b3: ((x @ W1 + b1) @ W2 + b2) @ W3 + b3, "no sigmoid"),
    (lambda x, W1, b1, W2, b2, W3, b3: _sig(x @ W1 + b1), "shape"),
])
def test_forward_names_the_mistake(fn, hint):
    result = checks.check_forward(fn)
    assert not result and hint in result.message


# --- MSE gradient (notebook 3) -------------------------------------------------------------------
def test_mse_grad_accepts_right_answer():
    assert checks.check_mse_grad(lambda p, t: 2 * (p - t) / len(p))
    assert checks.check_mse_grad(lambda p, t: bl.MSELoss().forward(p, t) * 0 + 2 * (p - t) / p.size)


@pytest.mark.parametrize("fn, hint", [
    (lambda p, t: 2 * (p - t), "1/N is missing"),
    (lambda p, t: (p - t) / len(p), "factor 2 is missing"),
    (lambda p, t: 2 * (t - p) / len(p), "sign is flipped"),
    (lambda p, t: 2 * (p - t) ** 2 / len(p), "error is squared"),
    (lambda p, t: np.full_like(p, np.mean((p - t) ** 2)), "loss itself"),
    (lambda p, t: 2 * (p - t).ravel() / len(p), "shape"),
])
def test_mse_grad_names_the_mistake(fn, hint):
    result = checks.check_mse_grad(fn)
    assert not result and hint in result.message


# --- Linear backward (notebook 3) ----------------------------------------------------------------
def right_linear_backward(x, W, g):
    return g @ W.T, x.T @ g, g.sum(axis=0, keepdims=True)


def test_linear_backward_accepts_right_answer_and_the_package_layer():
    assert checks.check_linear_backward(right_linear_backward)

    def with_package(x, W, g):
        layer = bl.Linear(W.shape[0], W.shape[1])
        layer.weight[...] = W
        layer.forward(x)
        gx = layer.backward(g)
        return gx, layer.weight_grad, layer.bias_grad
    assert checks.check_linear_backward(with_package)


@pytest.mark.parametrize("fn, hint", [
    (lambda x, W, g: (g @ W.T, x.T @ g, g), "summed over the batch"),
    (lambda x, W, g: (g @ W.T, x.T @ g, g.mean(axis=0, keepdims=True)), "not a mean"),
    (lambda x, W, g: (g @ W.T, x.T @ g, g.sum(axis=0)), "keepdims"),
    (lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0, keepdims=True)), "transposed"),
    (lambda x, W, g: (g @ W.T, x.T @ g / len(x), g.sum(axis=0, keepdims=True)), "divided by N"),
    (lambda x, W, g: (W @ g.T, x.T @ g, g.sum(axis=0, keepdims=True)), "grad_x is transposed"),
    (lambda x, W, g: (g @ W, x.T @ g, g.sum(axis=0, keepdims=True)), "raised ValueError"),  # missing transpose
    (lambda x, W, g: (g @ W.T, x.T @ g), "three arrays"),
])
def test_linear_backward_names_the_mistake(fn, hint):
    result = checks.check_linear_backward(fn)
    assert not result and hint in result.message


# --- one training step (notebook 5) ----------------------------------------------------------------
def right_step(model, x, y, lr):
    loss = bl.MSELoss()
    value = loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    for p in model.parameters():
        p.value -= lr * p.grad
    return value


def test_train_step_accepts_right_answer():
    assert checks.check_train_step(right_step)

    def with_optimizer(model, x, y, lr):     # the package's own optimizer is also a right answer
        loss = bl.MSELoss()
        value = loss.forward(model.forward(x), y)
        model.backward(loss.backward())
        bl.GD(lr).step(model.parameters())
        return value
    assert checks.check_train_step(with_optimizer)


def _step(update, returns=True):
    def fn(model, x, y, lr):
        loss = bl.MSELoss()
        value = loss.forward(model.forward(x), y)
        model.backward(loss.backward())
        for p in model.parameters():
            update(p, lr)
        return value if returns else None
    return fn


@pytest.mark.parametrize("fn, hint", [
    (_step(lambda p, lr: None), "did not change"),
    (_step(lambda p, lr: p.value.__iadd__(lr * p.grad)), "uphill"),
    (_step(lambda p, lr: p.value.__isub__(p.grad)), "learning rate is missing"),
    (_step(lambda p, lr: p.value.__isub__(lr * p.grad), returns=False), "return the loss"),
    (_step(lambda p, lr: p.value.__isub__(2 * lr * p.grad)), "differ from one gradient-descent step"),
])
def test_train_step_names_the_mistake(fn, hint):
    result = checks.check_train_step(fn)
    assert not result and hint in result.message


def test_yours_or_package_follows_the_last_check_of_that_very_function(capsys):
    def right(x):
        s = bl.sigmoid(x)
        return s * (1 - s)

    def wrong(x):
        return bl.sigmoid(x)

    def endless(x):
        while True:
            pass

    def unchecked(x):
        return x

    assert checks.check_sigmoid_derivative(right) and not checks.check_sigmoid_derivative(wrong)
    assert not checks.check_sigmoid_derivative(endless, timeout=0.2)
    capsys.readouterr()
    assert checks.yours_or_package(right, bl.sigmoid, "sigmoid") is right
    assert capsys.readouterr().out == ""
    assert checks.yours_or_package(wrong, bl.sigmoid, "sigmoid") is bl.sigmoid
    out = capsys.readouterr().out
    assert "your sigmoid does not pass its check yet" in out and "package's sigmoid" in out
    assert checks.yours_or_package(endless, bl.sigmoid, "sigmoid") is bl.sigmoid
    # never checked (the check cell was stopped, or the function was redefined since): the package's
    assert checks.yours_or_package(unchecked, bl.sigmoid, "sigmoid") is bl.sigmoid
    assert "has not been checked since you last ran its cell" in capsys.readouterr().out


# --- the training loop (notebook 5), the stable sigmoid (notebook 1), BCE's gradient (notebook 13) ---
def _fit(train_step, mistake=None):
    def fit(model, x, y, epochs, lr, log_every=None):
        losses = []
        for epoch in range(1, epochs + (2 if mistake == "one epoch too many" else 1)):
            value = train_step(model, x, y, lr)
            if mistake == "loss after the step":
                value = bl.MSELoss().forward(model.forward(x), y)
            losses.append(value)
            if log_every and (epoch % log_every == 0 or mistake == "prints every epoch"):
                print(f"Epoch {epoch}  loss: {value:.4f}")
        return np.array(losses)
    return fit


def test_fit_right_answer_and_typical_mistakes(capsys):
    assert checks.check_fit(_fit(checks.package_train_step))
    frozen = _fit(lambda model, x, y, lr: bl.MSELoss().forward(model.forward(x), y))   # never updates
    for fn, named in [(frozen, "the model is not trained"),
                      (_fit(checks.package_train_step, "one epoch too many"), "31 losses for 30 epochs"),
                      (_fit(checks.package_train_step, "loss after the step"), "one epoch late"),
                      (_fit(checks.package_train_step, "prints every epoch"), "you printed 30"),
                      (_fit(lambda model, x, y, lr: checks.package_train_step(model, x, y, 2 * lr)),
                       "differ from train()")]:
        result = checks.check_fit(fn)
        assert not result and named in result.message, result.message


def test_package_train_step_is_one_gd_step():
    assert checks.check_train_step(checks.package_train_step)


def test_stable_sigmoid_right_answer_and_typical_mistakes():
    def two_branch(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def naive(x):
        return 1 / (1 + np.exp(-x))

    def both_branches_evaluated(x):               # looks right, but computes exp(x) for large x too
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))

    def swapped(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, e / (1 + e), 1 / (1 + e))

    assert checks.check_stable_sigmoid(two_branch) and checks.check_stable_sigmoid(bl.sigmoid)
    for fn, named in [(naive, "exp overflowed"), (both_branches_evaluated, "exp overflowed"),
                      (swapped, "the branches are swapped"), (lambda x: np.tanh(x), "differ from σ(x)")]:
        result = checks.check_stable_sigmoid(fn)
        assert not result and named in result.message, result.message


def test_bce_grad_right_answer_and_typical_mistakes():
    def right(pred, target):
        p = np.clip(pred, 1e-12, 1 - 1e-12)
        return (p - target) / (p * (1 - p)) / pred.size

    assert checks.check_bce_grad(right) and checks.check_bce_grad(checks.package_bce_grad)
    for fn, named in [(lambda p, t: (p - t) / p.size, "that is dL/da"),
                      (lambda p, t: (p - t) / (p * (1 - p)), "the 1/N is missing"),
                      (lambda p, t: (t - p) / (p * (1 - p)) / p.size, "the sign is flipped"),
                      (lambda p, t: 2 * (p - t) / p.size, "that is the MSE gradient")]:
        result = checks.check_bce_grad(fn)
        assert not result and named in result.message, result.message


# --- issue 20: the diagnoses a hostile grader found wrong or missing (notebooks 1, 2, 5) -----------
def _forward(x, W1, b1, W2, b2, W3, b3, biases=(1, 2, 3)):
    b = {1: b1, 2: b2, 3: b3}
    h = x
    for k, W in ((1, W1), (2, W2), (3, W3)):
        h = _sig(h @ W + (b[k] if k in biases else 0))
    return h


@pytest.mark.parametrize("biases, named", [
    ((1, 2), "the bias b3 is missing"),
    ((2, 3), "the bias b1 is missing"),
    ((2,), "the biases b1 and b3 are missing"),
    ((), "the biases are missing"),
])
def test_forward_names_each_missing_bias(biases, named):
    result = checks.check_forward(lambda *a: _forward(*a, biases=biases))
    assert not result and named in result.message, result.message


def test_forward_names_a_missing_hidden_sigmoid():
    def fn(x, W1, b1, W2, b2, W3, b3):
        return _sig((_sig(x @ W1 + b1) @ W2 + b2) @ W3 + b3)        # layer 2 without its sigmoid
    result = checks.check_forward(fn)
    assert not result and "layer 2 lacks its sigmoid" in result.message, result.message


def test_forward_computes_its_reference_before_the_call_and_names_changed_inputs():
    def zeroes_inputs(x, W1, b1, W2, b2, W3, b3):
        for a in (x, W1, b1, W2, b2, W3, b3):
            a[...] = 0.0
        return _forward(x, W1, b1, W2, b2, W3, b3)           # right for the arrays it now holds

    def doubles_x(x, W1, b1, W2, b2, W3, b3):
        x *= 2
        return _forward(x / 2, W1, b1, W2, b2, W3, b3)        # right values, but x is changed

    for fn in (zeroes_inputs, doubles_x):
        result = checks.check_forward(fn)
        assert not result and "changed its input `x` in place" in result.message, result.message


def test_stable_sigmoid_catches_a_silenced_overflow_and_says_which_x():
    def naive_quiet(x):
        with np.errstate(all="ignore"):
            return 1 / (1 + np.exp(-x))

    result = checks.check_stable_sigmoid(naive_quiet)
    assert not result and "np.exp(1000) for x = -1000" in result.message, result.message
    assert isinstance(np.exp, np.ufunc)                       # the real exp is back


def test_stable_sigmoid_accepts_exp_with_where_and_names_exp_of_one_number():
    def masked(x):                                            # exp computed only where x < 0
        e = np.exp(x, where=x < 0, out=np.zeros_like(x))
        return np.where(x < 0, e / (1 + e), 1 / (1 + np.exp(-np.abs(x))))

    def per_element(x):
        with np.errstate(all="ignore"):
            return np.array([1 / (1 + np.exp(-v)) for v in x])

    assert checks.check_stable_sigmoid(masked)
    result = checks.check_stable_sigmoid(per_element)
    assert not result and "np.exp(1000)" in result.message, result.message


def test_stable_sigmoid_clipped_then_naive_says_which_x():
    def clipped(x):
        return 1 / (1 + np.exp(-np.clip(x, -500, 500)))

    result = checks.check_stable_sigmoid(clipped)
    assert not result, result.message
    assert "at 10 of the 61 inputs, x = -1000, -950" in result.message and "at x = -550" in result.message
    assert "clip" in result.message


def test_train_step_missing_one_over_n_is_named():
    def no_one_over_n(model, x, y, lr):
        pred = model.forward(x)
        model.backward(2 * (pred - y))                        # dL/dŷ without the 1/N
        for p in model.parameters():
            p.value -= lr * p.grad
        return float(np.mean((pred - y) ** 2))

    result = checks.check_train_step(no_one_over_n)
    assert not result and "misses the 1/N" in result.message and "21 times too large" in result.message


@pytest.mark.parametrize("returns, named", [
    (lambda loss, model, x: (loss, model.forward(x)), "you returned 2 values"),
    (lambda loss, model, x: np.array([[loss]]), "an array of shape (1, 1)"),
    (lambda loss, model, x: np.full((21, 1), loss), "an array of shape (21, 1)"),
    (lambda loss, model, x: "0.25", "returned a str"),
    (lambda loss, model, x: bl.MSELoss().forward(model.forward(x), bl.generate_xor_easy()[1]),
     "the loss after the step"),
])
def test_train_step_names_what_came_back_instead_of_the_loss(returns, named):
    def step(model, x, y, lr):
        return returns(checks.package_train_step(model, x, y, lr), model, x)

    result = checks.check_train_step(step)
    assert not result and "the update is right" in result.message and named in result.message, result.message


def test_a_tuple_returning_train_step_is_replaced_so_the_right_fit_passes(capsys):
    # notebook 05's cascade: the step returning (loss, pred) must fail its own check, so that fit,
    # which calls the step yours_or_package chose, is judged on its own.
    def train_step(model, x, y, lr):
        return checks.package_train_step(model, x, y, lr), None

    assert not checks.check_train_step(train_step)
    step = checks.yours_or_package(train_step, checks.package_train_step, "train_step")
    assert step is checks.package_train_step
    assert checks.check_fit(_fit(step))


# --- issue 20: every check gives a named verdict for a hostile return, a changed input, a loop ------
# Each of the 15 checks is fed (a) each hostile return value, (b) a submission that changes one of its
# inputs in place but otherwise answers right, (c) a submission that never returns; every time the
# check must return a falsy CheckResult with a ✘ message of its own (not the wrapper's fallback for
# an error inside the check), and print it.
from backprop_lab.checks import layers as checks_layers  # noqa: E402
from backprop_lab.checks import optim as checks_optim  # noqa: E402


class _ArrayRaises:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array here")


HOSTILE = {
    "None": lambda: None,
    "str": lambda: "a string",
    "dict": lambda: {"a": 1},
    "generator": lambda: (i for i in range(3)),
    "ragged": lambda: [[1.0, 2.0], [3.0]],
    "complex": lambda: np.full((4, 5), 0.5 + 0.5j),
    "__array__ raises": lambda: _ArrayRaises(),
    "three strings": lambda: ("a", "b", "c"),
    "six strings": lambda: ("a", "b", "c", "d", "e", "f"),
    "array of str": lambda: np.full((4, 5), "0.5"),
    "array of objects": lambda: np.array([object()] * 20).reshape(4, 5),
}


def _returns(value, kind, name):
    """A submission for the check ``name``, of ``kind``, that gives back ``value()``."""
    if kind == "train_step":                     # a right update, then the hostile value as the loss
        def step(model, x, y, lr):
            checks.package_train_step(model, x, y, lr)
            return value()
        return step
    if kind == "optimizer":                      # the weights replaced by the hostile value
        class Replaces(bl.Optimizer):
            def __init__(self, lr, **hyper):
                super().__init__(lr)

            def step(self, params):
                for p in params:
                    p.value = value()
        return Replaces
    if kind in ("forward", "backward"):          # a layer whose forward (or backward) returns it
        class Returns(bl.Layer):
            def forward(self, x):
                self.x = x.copy()
                return value() if kind == "forward" else (np.tanh(x) if name == "tanh" else np.maximum(x, 0))

            def backward(self, grad_out):
                self._cached(getattr(self, "x", None))
                return value()
        return Returns
    return lambda *args: value()


FUNCTION_CHECKS = {
    "sigmoid_derivative": checks.check_sigmoid_derivative, "stable_sigmoid": checks.check_stable_sigmoid,
    "forward": checks.check_forward, "numerical_gradient": checks.check_numerical_gradient,
    "mse_grad": checks.check_mse_grad, "linear_backward": checks.check_linear_backward,
    "forward_cache": checks.check_forward_cache, "backward_pass": checks.check_backward_pass,
    "train_step": checks.check_train_step, "fit": checks.check_fit, "bce_grad": checks.check_bce_grad,
}
CLASS_CHECKS = {"momentum": checks_optim.check_momentum, "adam": checks_optim.check_adam,
                "tanh": checks_layers.check_tanh, "relu": checks_layers.check_relu}
ALL_CHECKS = {**FUNCTION_CHECKS, **CLASS_CHECKS}
assert len(ALL_CHECKS) == 15


def _named_failure(result, capsys):
    """The check failed with a message of its own, printed as a ✘ verdict, and raised nothing."""
    out = capsys.readouterr()
    assert isinstance(result, checks.CheckResult) and not result
    assert repr(result).startswith("✘ Not yet.") and "✘ Not yet." in out.out
    assert "could not judge" not in result.message, result.message       # the wrapper's fallback
    assert "Traceback" not in out.out + out.err
    return result.message


def _hostile_cases():
    for name in FUNCTION_CHECKS:
        kind = "train_step" if name == "train_step" else "function"
        for value in HOSTILE:
            yield name, kind, value
    for name, kinds in (("momentum", ["optimizer"]), ("adam", ["optimizer"]),
                        ("tanh", ["forward", "backward"]), ("relu", ["forward", "backward"])):
        for kind in kinds:
            for value in HOSTILE:
                yield name, kind, value


@pytest.mark.parametrize("name, kind, value", list(_hostile_cases()))
def test_every_check_names_a_hostile_return(name, kind, value, capsys):
    message = _named_failure(ALL_CHECKS[name](_returns(HOSTILE[value], kind, name)), capsys)
    if kind == "optimizer":
        assert "replaced p.value" in message, message
    elif value == "None" and name not in ("forward_cache", "linear_backward", "backward_pass"):
        assert "None" in message, message


@pytest.mark.parametrize("value, named", [
    ("str", "returned a str"), ("dict", "returned a dict"), ("ragged", "not an array of numbers"),
    ("complex", "complex numbers"), ("__array__ raises", "RuntimeError: no array here"),
    ("generator", "returned a generator"), ("three strings", "tuple of 3 values"),
])
def test_sigmoid_derivative_says_what_came_back(value, named, capsys):
    assert named in _named_failure(checks.check_sigmoid_derivative(lambda x: HOSTILE[value]()), capsys)


def test_sigmoid_derivative_refuses_a_complex_right_answer(capsys):
    def complex_derivative(x):                   # the right values, as complex numbers
        s = bl.sigmoid(x)
        return s * (1 - s) + 0j

    assert "complex numbers" in _named_failure(checks.check_sigmoid_derivative(complex_derivative), capsys)


def test_numbers_written_as_text_are_not_numbers(capsys):
    def as_text(x):                              # the right values, as strings
        s = bl.sigmoid(x)
        return (s * (1 - s)).astype(str)

    assert "array of <U" in _named_failure(checks.check_sigmoid_derivative(as_text), capsys)


def test_fit_blamed_for_a_step_that_returns_a_tuple_points_at_the_step(capsys):
    def step_returns_a_pair(model, x, y, lr):
        return checks.package_train_step(model, x, y, lr), None

    message = _named_failure(checks.check_fit(_fit(step_returns_a_pair)), capsys)
    assert "tuple.__format__" in message and "Make train_step pass its own check first" in message, message


def test_tuple_returning_checks_name_strings_and_a_generator(capsys):
    message = _named_failure(checks.check_linear_backward(lambda x, W, g: ("a", "b", "c")), capsys)
    assert "returned a str; it should return dL/dx (grad_x)" in message
    message = _named_failure(checks.check_mse_grad(lambda p, t: (2 * (p - t) / p.size, np.mean((p - t) ** 2))),
                             capsys)
    assert "tuple of 2 values" in message
    message = _named_failure(checks.check_fit(lambda *a: (0.1 * i for i in range(30))), capsys)
    assert "returned a generator" in message


# (b) an input changed in place is named, although the values returned are right
def _sigma_prime(x):
    s = bl.sigmoid(x)
    return s * (1 - s)


def _changes(fn, change):
    """``fn``'s right answer, after which ``change(*args)`` modifies an input in place."""
    def submission(*args):
        result = fn(*args)
        change(*args)
        return result
    return submission


def _forward_right(x, W1, b1, W2, b2, W3, b3):
    return bl.sigmoid(bl.sigmoid(bl.sigmoid(x @ W1 + b1) @ W2 + b2) @ W3 + b3)


def _fit_right(model, x, y, epochs, lr, log_every=None):
    return _fit(checks.package_train_step)(model, x, y, epochs, lr, log_every)


class _MomentumScalesGrad(bl.Momentum):
    def step(self, params):
        super().step(params)
        for p in params:
            p.grad *= 2


class _AdamZeroesGrad(bl.Adam):
    def step(self, params):
        super().step(params)
        for p in params:
            p.grad[...] = 0


class _TanhInPlace(bl.Tanh):
    def forward(self, x):
        out = super().forward(x)
        x[...] = out
        return out


class _ReLUGradInPlace(bl.ReLU):
    def backward(self, grad_out):
        out = super().backward(grad_out)
        grad_out[...] = out
        return out


CHANGED_INPUTS = {
    "sigmoid_derivative": (_changes(_sigma_prime, lambda x: x.__imul__(2)), "input `x` in place"),
    "stable_sigmoid": (_changes(bl.sigmoid, lambda x: x.fill(0)), "input `x` in place"),
    "forward": (_changes(_forward_right, lambda *a: a[6].__iadd__(1)), "input `b3` in place"),
    "numerical_gradient": (_changes(bl.numerical_gradient, lambda f, x, h: x.__iadd__(h)), "x is not restored"),
    "mse_grad": (_changes(lambda p, t: 2 * (p - t) / p.size, lambda p, t: t.__isub__(p)), "input `target` in place"),
    "linear_backward": (_changes(lambda x, W, g: (g @ W.T, x.T @ g, g.sum(axis=0, keepdims=True)),
                                 lambda x, W, g: g.__imul__(0)), "input `grad_out` in place"),
    "forward_cache": (_changes(lambda *a: checks.forward_cache(*[v.copy() for v in a]), lambda *a: a[3].fill(0)),
                      "input `W2` in place"),
    "backward_pass": (_changes(checks.package_backward_pass, lambda c, y: c["yhat"].__isub__(y)),
                      "input `cache` in place"),
    "train_step": (_changes(checks.package_train_step, lambda m, x, y, lr: x.__imul__(0)), "input `x` in place"),
    "fit": (_changes(_fit_right, lambda m, x, y, *rest: y.__imul__(-1)), "input `y` in place"),
    "bce_grad": (_changes(checks.package_bce_grad, lambda p, t: np.clip(p, 0.1, 0.9, out=p)),
                 "input `pred` in place"),
    "momentum": (_MomentumScalesGrad, "step() changed p.grad"),
    "adam": (_AdamZeroesGrad, "step() changed p.grad"),
    "tanh": (_TanhInPlace, "forward changed its input `x` in place"),
    "relu": (_ReLUGradInPlace, "backward(): your function changed its input `grad_out` in place"),
}
assert CHANGED_INPUTS.keys() == ALL_CHECKS.keys()


@pytest.mark.parametrize("name", list(CHANGED_INPUTS))
def test_every_check_names_an_input_changed_in_place(name, capsys):
    submission, named = CHANGED_INPUTS[name]
    message = _named_failure(ALL_CHECKS[name](submission), capsys)
    assert named in message, message


# (c) the time limit: a submission that never returns gets a verdict, and the check returns
def _endless(*args):
    while True:
        pass


class _EndlessStep(bl.Momentum):
    def step(self, params):
        _endless()


class _EndlessInit(bl.Adam):
    def __init__(self, *args, **kwargs):
        _endless()


class _EndlessForward(bl.Tanh):
    def forward(self, x):
        _endless()


class _EndlessBackward(bl.ReLU):
    def backward(self, grad_out):
        _endless()


ENDLESS = [(name, _endless) for name in FUNCTION_CHECKS] + [
    ("momentum", _EndlessStep), ("adam", _EndlessInit), ("tanh", _EndlessForward), ("relu", _EndlessBackward),
]


@pytest.mark.parametrize("name, submission", ENDLESS, ids=[f"{n}-{getattr(s, '__name__', s)}" for n, s in ENDLESS])
def test_every_check_gives_up_on_an_endless_loop(name, submission, capsys):
    import time
    start = time.perf_counter()
    message = _named_failure(ALL_CHECKS[name](submission, timeout=0.2), capsys)
    assert "did not return within 0.2 s" in message, message
    assert time.perf_counter() - start < 3


def test_the_real_exp_is_back_after_a_stable_sigmoid_check_that_timed_out(capsys):
    _named_failure(checks.check_stable_sigmoid(_endless, timeout=0.2), capsys)
    assert isinstance(np.exp, np.ufunc)


# the reference solutions of the notebooks' graded cells pass their checks
def _solution_cells():
    import json
    import pathlib
    for path in sorted(pathlib.Path(__file__).parent.parent.joinpath("notebooks").glob("*.ipynb")):
        cells = [("".join(c["source"])) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        solutions = [c for c in cells if "### BEGIN SOLUTION" in c]
        if solutions:
            yield pytest.param(solutions, id=path.stem)


@pytest.mark.parametrize("cells", list(_solution_cells()))
def test_the_notebooks_reference_solutions_pass(cells, capsys):
    from backprop_lab.nn.optim import Optimizer
    namespace = dict(np=np, bl=bl, checks=checks, checks_optim=checks_optim, checks_layers=checks_layers,
                     Optimizer=Optimizer)
    for source in cells:
        exec(compile(source, "<solution>", "exec"), namespace)
    results = {k: v for k, v in namespace.items() if k.startswith("result")}
    assert results and all(results.values()), results
    assert "Not yet" not in capsys.readouterr().out
