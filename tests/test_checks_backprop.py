"""Notebooks 3 and 4's checks (numerical gradient, whole backward pass) against right and typical wrong answers.

Every wrong answer below is written the way a student writes it, independently of the check's own
reference code; the check must say "not yet" and name that mistake, and accept the right answers.
"""
import numpy as np
import pytest

from backprop_lab import checks


def student_backward(c, y, mistake=None):
    """A student's backward pass for the 2-hidden-layer sigmoid network with MSE, with one optional mistake:
    the dict of notebook 4, the intermediates dA3, dZ2, dA2, dZ1, dA1 and the six parameter gradients."""
    N = 1 if mistake == "no 1/N" else len(y)
    grads = {}
    g = 2 * (c["yhat"] - y) / N
    for k, inp in ((3, "Z2"), (2, "Z1"), (1, "X")):
        out, pre = (c["yhat"] if k == 3 else c[f"Z{k}"]), c[f"A{k}"]
        if mistake == "sigma' of A" or (mistake == "sigma' of A3" and k == 3) or (
                mistake == "sigma' of A1, A2" and k < 3):
            g = g * pre * (1 - pre)
        elif mistake == "no sigma'":
            pass
        elif mistake == "no output sigma'" and k == 3:
            pass
        elif mistake == "no hidden sigma'" and k < 3:
            pass
        else:
            g = g * out * (1 - out)
        grads[f"dA{k}"] = g
        grads[f"dW{k}"] = g.T @ c[inp] if mistake == "dW transposed" else c[inp].T @ g
        if mistake == "bias not summed":
            grads[f"db{k}"] = g
        elif mistake == "bias mean":
            grads[f"db{k}"] = np.mean(g, axis=0, keepdims=True)
        elif mistake == "bias no keepdims":
            grads[f"db{k}"] = np.sum(g, axis=0)
        else:
            grads[f"db{k}"] = np.sum(g, axis=0, keepdims=True)
        W = c[f"W{k}"]
        if k > 1:
            g = g @ (W if mistake == "W not transposed" and k == 2 else W.T)
            if mistake == "dZ2 sign flipped" and k == 3:
                g = -g                                  # dZ2 = -dA3 W3ᵀ
            grads[f"dZ{k - 1}"] = g
    if mistake == "layers reversed":
        for kind in ("dW", "db"):
            grads[f"{kind}1"], grads[f"{kind}3"] = grads[f"{kind}3"], grads[f"{kind}1"]
    return grads


def test_backward_pass_right_answer_is_accepted(capsys):
    assert checks.check_backward_pass(student_backward)
    assert "match the chain rule, and a numerical gradient" in capsys.readouterr().out


def test_backward_pass_through_the_package_layers_is_accepted():
    # A second right form, and the notebook's stand-in while the exercise is unfinished.
    assert checks.check_backward_pass(checks.package_backward_pass)


@pytest.mark.parametrize("mistake, named", [
    ("sigma' of A", "σ′ is taken of the pre-activation: σ′(A) = Z (1 - Z)"),
    ("sigma' of A3", "at the output, σ′ is taken of the pre-activation A3"),
    ("sigma' of A1, A2", "in the hidden layers σ′ is taken of the pre-activation"),
    ("no sigma'", "the σ′ factors are missing"),
    ("no output sigma'", "the output sigmoid's σ′ is missing"),
    ("dW transposed", "weight gradients are transposed"),
    ("W not transposed", "uses W, not Wᵀ"),
    ("bias not summed", "must be summed over the batch"),
    ("bias mean", "a sum over the batch, not a mean"),
    ("bias no keepdims", "keepdims=True"),
    ("no 1/N", "the 1/N is missing"),
    ("layers reversed", "right gradients under the wrong names"),
])
def test_backward_pass_names_each_typical_mistake(mistake, named):
    result = checks.check_backward_pass(lambda c, y: student_backward(c, y, mistake))
    assert not result and named in result.message, result.message


def test_backward_pass_placeholder_and_wrong_return():
    def placeholder(cache, y):
        raise NotImplementedError("your code here: replace this line")

    assert "placeholder" in checks.check_backward_pass(placeholder).message
    assert "return a dict with the keys dA3, dZ2, dA2, dZ1, dA1, dW1" in checks.check_backward_pass(
        lambda c, y: None).message


@pytest.mark.parametrize("mistake, first, where", [
    ("no output sigma'", "dA3 is the first wrong array", "the output sigmoid's σ′ is missing"),
    ("no hidden sigma'", "dA2 is the first wrong array", "the hidden sigmoids' σ′ factors are missing"),
    ("dZ2 sign flipped", "dZ2 is wrong; dA3 was right", "the pass back through layer 3's weights"),
])
def test_backward_pass_names_the_first_wrong_intermediate(mistake, first, where):
    # σ′ missing at the output only, in the hidden layers only, a sign flipped in dZ2: the check says
    # which array of the chain is the first wrong one, working back from the output.
    result = checks.check_backward_pass(lambda c, y: student_backward(c, y, mistake))
    assert not result and first in result.message and where in result.message, result.message


def test_backward_pass_without_a_known_mistake_points_at_the_step():
    def sigma_prime_of_layer_2_halved(c, y):
        grads = student_backward(c, y)
        grads["dA2"] = grads["dA2"] / 2
        return grads

    message = checks.check_backward_pass(sigma_prime_of_layer_2_halved).message
    assert "dA2 is wrong; dZ2 was right, so look at σ′ of layer 2" in message, message
    message = checks.check_backward_pass(lambda c, y: student_backward(c, y, "dZ2 sign flipped")).message
    assert "opposite sign" in message, message

    def wrong_db2(c, y):
        grads = student_backward(c, y)
        grads["db2"] = grads["db2"] + 1
        return grads

    message = checks.check_backward_pass(wrong_db2).message
    assert "db2 is wrong, though dA2 is right" in message, message


def test_backward_pass_the_six_gradients_alone_are_not_enough():
    grads = lambda c, y: tuple(student_backward(c, y)[k] for k in ("dW1", "db1", "dW2", "db2", "dW3", "db3"))  # noqa: E731
    message = checks.check_backward_pass(grads).message
    assert "the intermediates show where a chain breaks" in message, message
    message = checks.check_backward_pass(lambda c, y: {k: v for k, v in student_backward(c, y).items()
                                                        if k != "dZ1"}).message
    assert "lacks dZ1" in message, message


def student_numerical_gradient(f, x, h=1e-5, mistake=None):
    grad = np.zeros_like(x)
    if mistake == "perturbs a copy":
        x = x.copy()
    for i in np.ndindex(x.shape):
        old = x[i]
        if mistake == "all at once":
            x += h
            fp = f()
            x -= 2 * h
            fm = f()
            x += h
            grad[i] = (fp - fm) / (2 * h)
            continue
        x[i] = old + h
        fp = f()
        x[i] = old if mistake == "forward" else old - h
        fm = f()
        if mistake != "not restored":
            x[i] = old
        grad[i] = {"forward": (fp - fm) / h, "no half": (fp - fm) / h}.get(mistake, (fp - fm) / (2 * h))
    return grad.ravel() if mistake == "flat" else grad


def test_numerical_gradient_right_answers_are_accepted():
    assert checks.check_numerical_gradient(student_numerical_gradient)
    import backprop_lab as bl  # the package's five-point version is right too
    assert checks.check_numerical_gradient(bl.numerical_gradient)


@pytest.mark.parametrize("mistake, named", [
    ("forward", "one-sided difference"),
    ("no half", "the factor 1/2 is missing"),
    ("not restored", "x is not restored"),
    ("flat", "yours is flat"),
    ("all at once", "one element at a time"),
    ("perturbs a copy", "f() never saw your change: your gradient is all 0"),
])
def test_numerical_gradient_names_each_typical_mistake(mistake, named):
    result = checks.check_numerical_gradient(lambda f, x, h: student_numerical_gradient(f, x, h, mistake))
    assert not result and named in result.message, result.message


def test_forward_cache_is_the_lab_forward_pass():
    rng = np.random.default_rng(0)
    x, W1, W2, W3 = rng.normal(size=(5, 2)), rng.normal(size=(2, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 1))
    b1, b2, b3 = np.zeros((1, 3)), np.ones((1, 3)), np.full((1, 1), -1.0)
    c = checks.forward_cache(x, W1, b1, W2, b2, W3, b3)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    np.testing.assert_allclose(c["yhat"], sig(sig(sig(x @ W1 + b1) @ W2 + b2) @ W3 + b3), rtol=1e-14)
    assert c["A2"].shape == (5, 3) and c["Z1"].shape == (5, 3)


def student_forward(x, W1, b1, W2, b2, W3, b3, mistake=None):
    """A student's forward pass keeping every array, with one optional mistake."""
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    A1 = x @ W1 + (0 if mistake == "no bias" else b1)
    Z1 = A1 if mistake == "no sigmoid" else sig(A1)
    A2 = Z1 @ W2 + b2
    Z2 = sig(A2)
    A3 = Z2 @ W3 + b3
    yhat = A3 if mistake == "no output sigmoid" else sig(A3)
    cache = dict(X=x, W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3, A1=A1, Z1=Z1, A2=A2, Z2=Z2, A3=A3, yhat=yhat)
    if mistake == "no weights kept":
        del cache["W2"], cache["W3"]
    return cache


def test_forward_cache_right_answers_are_accepted():
    assert checks.check_forward_cache(student_forward)
    assert checks.check_forward_cache(checks.forward_cache)


@pytest.mark.parametrize("mistake, named", [
    ("no bias", "A1 has no bias"), ("no sigmoid", "Z1 is the pre-activation"),
    ("no output sigmoid", "yhat is A3"), ("no weights kept", "the dict lacks W2, W3"),
])
def test_forward_cache_names_each_typical_mistake(mistake, named):
    result = checks.check_forward_cache(lambda *a: student_forward(*a, mistake=mistake))
    assert not result and named in result.message, result.message
    assert "return a dict" in checks.check_forward_cache(lambda *a: student_forward(*a)["yhat"]).message


def test_numerical_gradient_calling_f_with_an_argument_is_named():
    def passes_x(f, x, h):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[i] += h
            minus[i] -= h
            grad[i] = (f(plus) - f(minus)) / (2 * h)
        return grad

    result = checks.check_numerical_gradient(passes_x)
    assert not result and "f takes no argument" in result.message, result.message


def test_backward_pass_returns_checked_one_by_one():
    def eleven_strings(c, y):
        return {k: k for k in student_backward(c, y)}

    def complex_db3(c, y):
        grads = student_backward(c, y)
        grads["db3"] = grads["db3"] + 0j
        return grads

    result = checks.check_backward_pass(eleven_strings)
    assert not result and "dA3: your function returned a str" in result.message, result.message
    result = checks.check_backward_pass(complex_db3)
    assert not result and "db3: your function returned complex numbers" in result.message, result.message
    result = checks.check_backward_pass(lambda c, y: list(student_backward(c, y).values())[:5])
    assert not result and "return a dict" in result.message and "you returned a list" in result.message


def test_a_wrong_shape_says_the_check_runs_a_smaller_network_on_purpose():
    """Issue 23: "db1 should have shape (1, 4)" puzzled a student whose network is 10 wide."""
    def flat_bias(cache, y):
        grads = dict(checks.package_backward_pass(cache, y))
        grads["db1"] = grads["db1"].ravel()                  # keepdims forgotten
        return grads

    result = checks.check_backward_pass(flat_bias)
    assert not result and "db1 should have shape (1, 4)" in result.message
    assert "small 2-4-4-1 network with 6 samples on purpose" in result.message
