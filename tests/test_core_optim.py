"""Each optimizer against its update rule, with the state set beforehand, and the flat-parameter step.

The expected values are worked out in the comments from the formulas in the optimizers' docstrings;
a preset, non-zero state makes sure the state is actually read (a rule that ignored it, or reset it,
would give different numbers).
"""
import math

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.layers import Parameter


def _param(name, value, grad):
    return Parameter(name, np.array(value, dtype=float), np.array(grad, dtype=float))


def test_gd_step():
    # W ← W - lr g with lr = 0.1: [1 - 0.05, -2 - 0.05, 3 + 0.1] = [0.95, -2.05, 3.1]
    p = _param("w", [1.0, -2.0, 3.0], [0.5, 0.5, -1.0])
    value_array = p.value
    bl.GD(0.1).step([p])
    np.testing.assert_allclose(p.value, [0.95, -2.05, 3.1], rtol=1e-15)
    assert p.value is value_array  # updated in place: the model's views stay valid
    np.testing.assert_array_equal(p.grad, [0.5, 0.5, -1.0])  # the gradient is not modified


def test_momentum_step_with_preset_velocity():
    opt = bl.Momentum(0.1, beta=0.9)
    p = _param("w", [1.0, -2.0, 3.0], [0.5, 0.5, -1.0])
    opt.state["w"] = {"v": np.array([1.0, -1.0, 0.0])}
    opt.step([p])
    # V_1 = β V_0 - lr g = 0.9 [1, -1, 0] - 0.1 [0.5, 0.5, -1] = [0.85, -0.95, 0.1]
    # W_1 = W_0 + V_1 = [1 + 0.85, -2 - 0.95, 3 + 0.1] = [1.85, -2.95, 3.1]
    np.testing.assert_allclose(opt.state["w"]["v"], [0.85, -0.95, 0.1], rtol=1e-15)
    np.testing.assert_allclose(p.value, [1.85, -2.95, 3.1], rtol=1e-15)
    # A second step reads the stored V_1: with g = [0, 1, 1],
    # V_2 = 0.9 [0.85, -0.95, 0.1] - 0.1 [0, 1, 1] = [0.765, -0.955, -0.01]
    # W_2 = [1.85 + 0.765, -2.95 - 0.955, 3.1 - 0.01] = [2.615, -3.905, 3.09]
    p.grad[...] = [0.0, 1.0, 1.0]
    opt.step([p])
    np.testing.assert_allclose(opt.state["w"]["v"], [0.765, -0.955, -0.01], rtol=1e-14)
    np.testing.assert_allclose(p.value, [2.615, -3.905, 3.09], rtol=1e-14)


def test_momentum_first_step_starts_from_zero_velocity_and_equals_gd():
    # V_0 = 0, so V_1 = -lr g and W_1 = W_0 - lr g: the first step is a plain GD step
    a = _param("w", [1.0, -2.0], [0.3, -0.7])
    b = _param("w", [1.0, -2.0], [0.3, -0.7])
    bl.Momentum(0.2).step([a])
    bl.GD(0.2).step([b])
    np.testing.assert_allclose(a.value, b.value, rtol=1e-15)


def test_momentum_keeps_one_velocity_per_parameter_name():
    opt = bl.Momentum(0.1, beta=0.5)
    p = _param("0.weight", [0.0], [1.0])
    q = _param("2.weight", [0.0, 0.0], [-1.0, -1.0])
    opt.step([p, q])
    opt.step([p, q])
    # per parameter: V_1 = -0.1 g, V_2 = 0.5 V_1 - 0.1 g = -0.15 g, W_2 = V_1 + V_2 = -0.25 g
    np.testing.assert_allclose(p.value, [-0.25], rtol=1e-15)
    np.testing.assert_allclose(q.value, [0.25, 0.25], rtol=1e-15)
    assert set(opt.state) == {"0.weight", "2.weight"}


def test_adam_step_with_preset_moments_and_step_count():
    opt = bl.Adam(0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    p = _param("w", [1.0, 1.0], [0.5, -1.0])
    opt.state["w"] = {"m": np.array([0.1, -0.2]), "v": np.array([0.01, 0.04])}
    opt.t = 2
    opt.step([p])
    # t = 3;  m_3 = 0.9 m_2 + 0.1 g   = [0.09 + 0.05, -0.18 - 0.1]            = [0.14, -0.28]
    #         v_3 = 0.999 v_2 + 0.001 g² = [0.00999 + 0.00025, 0.03996 + 0.001] = [0.01024, 0.04096]
    # bias correction for t = 3: 1 - 0.9³ = 0.271, 1 - 0.999³ = 0.002997001
    #   m̂ = m_3 / 0.271 = [0.516605, -1.033210],  v̂ = v_3 / 0.002997001 = [3.416749, 13.666996]
    #   step = lr m̂ / (√v̂ + ε) = 0.01 * [0.516605 / 1.848445, -1.033210 / 3.696890] ≈ [0.0027948, -0.0027948]
    # (without bias correction it would be 0.01 * 0.14 / 0.1012 ≈ 0.0138; with the t = 1 correction,
    #  i.e. ignoring the preset t, 0.01 * 1.4 / 3.2 = 0.004375: both clearly different)
    assert opt.t == 3
    np.testing.assert_allclose(opt.state["w"]["m"], [0.14, -0.28], rtol=1e-14)
    np.testing.assert_allclose(opt.state["w"]["v"], [0.01024, 0.04096], rtol=1e-13)
    np.testing.assert_allclose(p.value, [1.0 - 0.0027948, 1.0 + 0.0027948], rtol=0, atol=1e-7)
    # and to full precision against the formula, evaluated independently here with Python floats
    c1, c2 = 1 - 0.9 ** 3, 1 - 0.999 ** 3
    expected = [1.0 - 0.01 * (m / c1) / (math.sqrt(v / c2) + 1e-8) for m, v in ((0.14, 0.01024), (-0.28, 0.04096))]
    np.testing.assert_allclose(p.value, expected, rtol=1e-13)


def test_adam_first_step_from_zero_state_moves_each_weight_by_about_lr():
    # t = 1: m̂ = (0.1 g) / 0.1 = g and v̂ = (0.001 g²) / 0.001 = g², so the step is
    # lr g / (|g| + ε) ≈ lr sign(g), whatever the gradient's size: the point of the bias correction.
    p = _param("w", [0.0, 0.0, 0.0], [1e-3, -5.0, 200.0])
    bl.Adam(0.01).step([p])
    np.testing.assert_allclose(p.value, [-0.01, 0.01, -0.01], rtol=1e-4)


def test_adam_reset_clears_moments_and_step_count():
    opt = bl.Adam(0.01)
    p = _param("w", [0.0], [1.0])
    opt.step([p])
    opt.step([p])
    opt.reset()
    assert opt.t == 0 and opt.state == {}


@pytest.mark.parametrize("name, cls, lr", [("gd", bl.GD, 1.0), ("momentum", bl.Momentum, 0.5),
                                           ("adam", bl.Adam, 0.01)])
def test_get_optimizer_defaults(name, cls, lr):
    opt = bl.get_optimizer(name)
    assert isinstance(opt, cls)
    assert opt.lr == lr == bl.DEFAULT_LR[name]
    assert bl.get_optimizer(name.upper(), lr=0.3).lr == 0.3
    assert bl.get_optimizer(opt) is opt


# --- train() steps one flat parameter: the same weights as stepping each parameter ----------------

def test_flat_parameter_is_a_view_of_every_parameter():
    model = bl.MLP((2, 10, 10, 1), seed=0)
    flat = model.flat_parameter()
    params = model.parameters()
    assert flat.value.size == sum(p.value.size for p in params) == 2 * 10 + 10 + 10 * 10 + 10 + 10 + 1
    for p in params:
        assert np.shares_memory(flat.value, p.value)
        assert np.shares_memory(flat.grad, p.grad)
    flat.value[...] = 7.0
    assert all(np.all(p.value == 7.0) for p in params)


def _manual_training(model, x, y, opt, params, epochs):
    """The loop of train(), stepping the given parameter list."""
    loss = bl.MSELoss()
    for _ in range(epochs):
        _, grad = loss.value_and_grad(model.forward(x), y)
        model.backward(grad, need_input_grad=False)
        opt.step(params)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_stepping_the_flat_parameter_equals_stepping_each_parameter(optimizer):
    # Element-wise optimizers do the same arithmetic on each element either way, so the weights must
    # be *identical* (not merely close) after several epochs, including the optimizer state's effect.
    x, y = bl.generate_xor_easy()
    epochs = 6
    by_param = bl.MLP((2, 10, 10, 1), seed=3)
    _manual_training(by_param, x, y, bl.get_optimizer(optimizer), by_param.parameters(), epochs)

    by_flat = bl.MLP((2, 10, 10, 1), seed=3)
    _manual_training(by_flat, x, y, bl.get_optimizer(optimizer), [by_flat.flat_parameter()], epochs)

    via_train = bl.MLP((2, 10, 10, 1), seed=3)
    bl.train(via_train, x, y, epochs=epochs, optimizer=optimizer)

    initial = bl.MLP((2, 10, 10, 1), seed=3).state_dict()
    expected = by_param.state_dict()
    assert any(not np.array_equal(expected[k], initial[k]) for k in initial)  # training moved the weights
    for other in (by_flat, via_train):
        got = other.state_dict()
        assert got.keys() == expected.keys()
        for k in expected:
            np.testing.assert_array_equal(got[k], expected[k], err_msg=k)
