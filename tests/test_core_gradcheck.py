"""Numerical gradient checks: every layer, activation, loss and whole models, in float64.

Each backward pass is compared with finite differences through ``backprop_lab.nn.gradcheck`` (the
five-point centred stencil, step h): a correct gradient agrees to far better than the 1e-7 tolerance.
The last part checks the checker: a deliberately wrong backward pass must be reported as wrong.

About the set-ups. ``rel_error`` is the largest *element-wise* relative error |a - b| / (|a| + |b|),
which is only meaningful where the true gradient is not tiny compared with the numerical noise
(rounding of order 1e-16 * |f| / h, truncation of order h^4 times the fifth derivative). The model
checks use small, well-scaled networks (Xavier weights, random biases, inputs of order 1), so that
no activation is saturated, and *assert* that precondition: every non-zero gradient element is larger
than 1e-4 in magnitude. Exact zeros (dead ReLU units) are fine: both sides are then exactly 0.
"""
import inspect

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.gradcheck import (
    check_layer_gradients,
    check_loss_gradient,
    check_model_gradients,
    numerical_gradient,
    rel_error,
)

TOL = 1e-7
ACTIVATION_NAMES = ["sigmoid", "tanh", "relu", "none"]
# The step the checks use by default; the stencil evaluates f at w ± h and w ± 2h.
H = inspect.signature(check_layer_gradients).parameters["h"].default
assert H == inspect.signature(check_model_gradients).parameters["h"].default
# ReLU has a kink at 0 (see test_activation_gradients): inputs and pre-activations must stay further
# than the stencil's reach (2h) from it; 5h leaves a margin.
KINK_MARGIN = 5 * H


# --- the tools themselves ------------------------------------------------------------------------

def test_numerical_gradient_of_a_known_function_and_x_is_restored():
    # f(x) = sum(x^3) has gradient 3 x^2. A centred stencil (two- or five-point) is exact for
    # polynomials of degree <= 3 in each variable, so only rounding remains (~1e-16 * |f| / h).
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    grad = numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(grad, 3 * original ** 2, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(x, original)  # perturbed in place, restored exactly


def test_numerical_gradient_is_exactly_zero_where_f_does_not_depend_on_x():
    # A weight into a dead ReLU unit does not change the loss: the analytic gradient is exactly 0, so
    # the numerical one must be exactly 0 too, or rel_error sees |0 - tiny| / 1e-8, a false failure.
    x = np.array([[0.3, -1.7, 2.5]])
    np.testing.assert_array_equal(numerical_gradient(lambda: 5.587053034757, x), np.zeros_like(x))
    w = np.array([[1.0, 2.0]])
    # f depends on w[0, 0] only: the gradient with respect to w[0, 1] must be exactly 0
    grad = numerical_gradient(lambda: float(np.sin(w[0, 0]) + 4.0), w)
    assert grad[0, 1] == 0.0
    assert grad[0, 0] == pytest.approx(np.cos(1.0), rel=1e-9)


def test_rel_error_values():
    # |1 - 1.1| / (1 + 1.1) = 0.1 / 2.1; the max is taken over elements.
    assert rel_error([1.0, 2.0], [1.1, 2.0]) == pytest.approx(0.1 / 2.1)
    assert rel_error([3.0], [3.0]) == 0.0
    # both zero: the denominator floor of 1e-8 avoids 0/0
    assert rel_error([0.0], [0.0]) == 0.0
    # opposite signs are a relative error of 1, the maximum
    assert rel_error([2.0], [-2.0]) == pytest.approx(1.0)


# --- layers and activations ----------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_layer_gradients(seed):
    rng = np.random.default_rng(seed)
    layer = bl.Linear(3, 4, seed=seed)
    layer.bias[...] = rng.normal(size=layer.bias.shape)  # a non-zero bias, so it is not a trivial case
    x = rng.normal(size=(5, 3))
    result = check_layer_gradients(layer, x, seed=seed)
    assert [row[0] for row in result.rows] == ["input x", "weight", "bias"]
    assert result.passed, result
    assert result.max_error <= TOL


def _inputs_away_from_zero(seed, shape=(6, 4)):
    """Values with |x| in [0.1, 2] and random signs: away from ReLU's kink (see below)."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2.0, size=shape)


@pytest.mark.parametrize("cls", [bl.Sigmoid, bl.Tanh, bl.ReLU, bl.Identity])
@pytest.mark.parametrize("seed", [0, 1])
def test_activation_gradients(cls, seed):
    # ReLU is not differentiable at 0: if |x| < 2h the finite-difference stencil (which evaluates at
    # x ± h and x ± 2h) straddles the kink and returns a slope somewhere between 0 and 1, while
    # backward gives exactly 0 or 1: a relative error of order 1 that says nothing about the code.
    # So every input is kept with |x| >= 0.1, far beyond 2h (h = 1e-3); negative inputs are included,
    # so the zero half of the derivative is checked too. The smooth activations get the same inputs.
    x = _inputs_away_from_zero(seed)
    assert np.abs(x).min() > KINK_MARGIN
    assert (x < 0).any() and (x > 0).any()
    result = check_layer_gradients(cls(), x, seed=seed)
    assert result.passed, result
    assert result.max_error <= TOL


def test_relu_gradient_is_zero_for_negative_and_one_for_positive_inputs():
    relu = bl.ReLU()
    relu.forward(np.array([[-2.0, -0.5, 0.5, 2.0]]))
    np.testing.assert_array_equal(relu.backward(np.array([[3.0, 3.0, 3.0, 3.0]])), [[0.0, 0.0, 3.0, 3.0]])


# --- losses --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mse_loss_gradient(seed):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=(7, 1))
    target = rng.normal(size=(7, 1))
    assert np.abs(pred - target).min() > 1e-3  # no element with a vanishing gradient (see module doc)
    result = check_loss_gradient("mse", pred, target)
    assert result.passed, result
    assert result.max_error <= TOL


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bce_loss_gradient(seed):
    rng = np.random.default_rng(seed)
    # predictions in (0.05, 0.95), where -log(p) and -log(1 - p) are smooth and far from the clipping;
    # targets: hard labels 0/1 and soft ones, all in [0, 1]
    pred = rng.uniform(0.05, 0.95, size=(8, 1))
    target = np.array([[0.0], [1.0], [0.0], [1.0], [0.3], [0.7], [0.0], [1.0]])
    result = check_loss_gradient(bl.BCELoss(), pred, target)
    assert result.passed, result
    assert result.max_error <= TOL


# --- whole models --------------------------------------------------------------------------------

def _well_scaled_problem(activation, output_activation="sigmoid", seed=19):
    """A (2, 3, 3, 1) MLP with Xavier weights and random biases, 4 inputs of order 1, soft targets."""
    model = bl.MLP((2, 3, 3, 1), activation=activation, output_activation=output_activation, seed=seed,
                   init="xavier")
    rng = np.random.default_rng(100 + seed)
    for p in model.parameters():
        if p.name.endswith("bias"):
            p.value[...] = rng.normal(0, 0.5, p.value.shape)
    x = rng.normal(0, 1, (4, 2))
    y = rng.uniform(0, 1, (4, 1))
    return model, x, y


def _pre_activations(model, x):
    out, pre = x, []
    for layer in model.layers:
        out = layer.forward(out)
        if isinstance(layer, bl.Linear):
            pre.append(out)
    return pre


def _assert_well_scaled(model, x, y, loss, activation):
    """The preconditions of the module docstring, checked on the analytic gradients."""
    loss_fn = bl.get_loss(loss)
    loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    grads = {p.name: p.grad.copy() for p in model.parameters()}
    flat = np.concatenate([g.ravel() for g in grads.values()])
    assert np.abs(flat[flat != 0]).min() > 1e-4
    if activation == "relu":
        # away from the kink (as for the ReLU layer): no hidden pre-activation within 5h of 0 ...
        assert min(np.abs(z).min() for z in _pre_activations(model, x)[:-1]) > KINK_MARGIN
        # ... and every parameter still gets some gradient (not a network of dead units)
        assert all(g.any() for g in grads.values())
    else:
        assert np.all(flat != 0)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_model_gradients(activation, loss):
    model, x, y = _well_scaled_problem(activation)
    _assert_well_scaled(model, x, y, loss, activation)
    result = check_model_gradients(model, x, y, loss=loss)
    assert [row[0] for row in result.rows] == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert result.passed, result
    assert result.max_error <= TOL


@pytest.mark.parametrize("activation", ["none", "tanh"])
def test_model_gradients_with_unbounded_output_and_mse(activation):
    # No output activation (the divergence experiment's network when activation="none"), MSE.
    model, x, y = _well_scaled_problem(activation, output_activation="none")
    _assert_well_scaled(model, x, y, "mse", activation)
    result = check_model_gradients(model, x, y, loss="mse")
    assert result.passed, result
    assert result.max_error <= TOL


# --- the check can fail --------------------------------------------------------------------------

class LinearForgetsInput(bl.Linear):
    """Broken on purpose: dL/dW = 1^T · dL/dout, the factor x forgotten (bias and dL/dx are right)."""

    def backward(self, grad_out):
        grad_in = super().backward(grad_out)
        self.weight_grad = np.ones_like(self._x).T @ grad_out
        return grad_in


class SigmoidForgetsOneMinusS(bl.Sigmoid):
    """Broken on purpose: returns grad_out · s instead of grad_out · s (1 - s)."""

    def backward(self, grad_out):
        return grad_out * self._cached(self._out)


class MSEForgetsTwo(bl.MSELoss):
    """Broken on purpose: dL/dŷ = (ŷ - y) / N, the factor 2 forgotten."""

    def gradient(self, pred, target):
        return (pred - target) / pred.size


def test_gradient_check_catches_a_broken_linear_layer_and_names_the_parameter():
    rng = np.random.default_rng(0)
    layer = LinearForgetsInput(3, 2, seed=0)
    result = check_layer_gradients(layer, rng.normal(size=(5, 3)))
    assert not result.passed
    errors = result.errors()
    assert errors["weight"] > 1e-2            # the broken gradient: an error of order 1
    assert errors["bias"] <= TOL               # the parts that are right still pass
    assert errors["input x"] <= TOL
    assert "FAIL" in repr(result) and "WRONG" in repr(result)


def test_gradient_check_catches_a_broken_activation():
    result = check_layer_gradients(SigmoidForgetsOneMinusS(), _inputs_away_from_zero(0))
    # analytic G s against the true G s (1 - s): relative error s / (2 - s) per element, > 0.02 for
    # s = σ(x) > 0.04, i.e. for any x > -3.2 (the inputs include x >= 0.1, where s > 0.5)
    assert not result.passed
    assert result.max_error > 0.3


def test_gradient_check_catches_a_broken_loss():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))
    result = check_loss_gradient(MSEForgetsTwo(), pred, target)
    # analytic g / 2 against true g: |g/2 - g| / (|g/2| + |g|) = 1/3 for every element
    assert not result.passed
    assert result.max_error == pytest.approx(1 / 3, rel=1e-6)


def test_gradient_check_catches_a_broken_layer_inside_a_model():
    model, x, y = _well_scaled_problem("sigmoid")
    assert isinstance(model.layers[3], bl.Sigmoid)
    model.layers[3] = SigmoidForgetsOneMinusS()  # the second hidden activation
    result = check_model_gradients(model, x, y, loss="mse")
    errors = result.errors()
    assert not result.passed
    # back-propagation passes the error to everything *before* the broken layer, nothing after it
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert errors[name] > 1e-2, name
    for name in ("4.weight", "4.bias"):
        assert errors[name] <= TOL, name
