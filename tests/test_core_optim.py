"""Each optimizer against its update rule, with the state set beforehand; train() steps model.parameters().

The expected values are worked out in the comments from the formulas in the optimizers' docstrings;
a preset, non-zero state makes sure the state is actually read (a rule that ignored it, or reset it,
would give different numbers).
"""
import math

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.layers import Parameter


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


# --- train() steps what model.parameters() lists after each backward ---------------------------------

def _manual_training(model, x, y, opt, epochs):
    """The loop of train(), written out: forward, loss, backward, step model.parameters()."""
    loss = bl.MSELoss()
    for _ in range(epochs):
        _, grad = loss.value_and_grad(model.forward(x), y)
        model.backward(grad)
        opt.step(model.parameters())


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_train_equals_the_written_out_loop(optimizer):
    # The same arithmetic in the same order, so the weights must be *identical* after several epochs,
    # including the optimizer state's effect.
    x, y = bl.generate_xor_easy()
    epochs = 6
    by_hand = bl.MLP((2, 10, 10, 1), seed=3)
    _manual_training(by_hand, x, y, bl.get_optimizer(optimizer), epochs)
    via_train = bl.MLP((2, 10, 10, 1), seed=3)
    bl.train(via_train, x, y, epochs=epochs, optimizer=optimizer)

    initial = bl.MLP((2, 10, 10, 1), seed=3).state_dict()
    expected, got = by_hand.state_dict(), via_train.state_dict()
    assert any(not np.array_equal(expected[k], initial[k]) for k in initial)  # training moved the weights
    assert got.keys() == expected.keys()
    for k in expected:
        np.testing.assert_array_equal(got[k], expected[k], err_msg=k)


class StudentLinear(bl.Layer):
    """A fully connected layer as students write it (CS231n style): ``backward`` assigns NEW arrays to
    its gradient attributes instead of writing into the old ones."""

    param_names = ("weight", "bias")

    def __init__(self, weight, bias):
        self.weight, self.bias = weight.copy(), bias.copy()

    def forward(self, x):
        self.x = x
        return x @ self.weight + self.bias

    def backward(self, grad_out):
        self.weight_grad = self.x.T @ grad_out
        self.bias_grad = grad_out.sum(axis=0, keepdims=True)
        return grad_out @ self.weight.T


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_a_student_style_layer_trains_like_the_built_in_linear(optimizer):
    # Stepping a list of parameters taken once, before training, would keep stepping the first
    # gradient arrays (never written again) and leave this model's weights behind; train() steps
    # model.parameters() after each backward, so both models follow the same arithmetic.
    x, y = bl.generate_xor_easy()
    builtin = bl.MLP((2, 4, 1), seed=5)
    first, last = builtin.linear_layers()
    student = bl.Sequential(StudentLinear(first.weight, first.bias), bl.Sigmoid(),
                            StudentLinear(last.weight, last.bias), bl.Sigmoid())
    h_student = bl.train(student, x, y, epochs=50, optimizer=optimizer, print_fn=None)
    h_builtin = bl.train(builtin, x, y, epochs=50, optimizer=optimizer, print_fn=None)
    assert h_student.loss[-1] < h_student.loss[0]                      # it did train
    np.testing.assert_allclose(h_student.loss, h_builtin.loss, rtol=1e-12, atol=0)
    got, expected = student.state_dict(), builtin.state_dict()
    assert got.keys() == expected.keys() == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for k in expected:
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-12, atol=0, err_msg=k)


def test_nested_sequentials_name_their_parameters_by_path_and_train():
    x, y = bl.generate_xor_easy()
    flat = bl.MLP((2, 3, 1), seed=1)
    l1, l2 = (layer for layer in flat.layers if isinstance(layer, bl.Linear))
    inner = bl.Sequential(l1, bl.Sigmoid())
    nested = bl.Sequential(bl.Sequential(inner), l2, bl.Sigmoid())
    assert [p.name for p in nested.parameters()] == ["0.0.0.weight", "0.0.0.bias", "1.weight", "1.bias"]
    twin = bl.MLP((2, 3, 1), seed=1)           # the same layers, not nested
    h_nested = bl.train(nested, x, y, epochs=30, lr=1.0, print_fn=None)
    h_twin = bl.train(twin, x, y, epochs=30, lr=1.0, print_fn=None)
    np.testing.assert_array_equal(h_nested.loss, h_twin.loss)
    np.testing.assert_array_equal(l1.weight, twin.linear_layers()[0].weight)
    result = bl.check_model_gradients(nested, x, y)
    assert result.passed, result


def test_parameters_to_vector_and_back():
    model = bl.MLP((2, 3, 1), seed=0)
    params = model.parameters()
    v = bl.parameters_to_vector(params)
    assert v.shape == (2 * 3 + 3 + 3 + 1,)
    np.testing.assert_array_equal(v[:6], params[0].value.ravel())       # W1 first, row by row
    np.testing.assert_array_equal(v[-1:], params[-1].value.ravel())     # b2 last
    bl.vector_to_parameters(np.arange(v.size, dtype=float), params)
    np.testing.assert_array_equal(model.linear_layers()[0].weight, [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(model.linear_layers()[1].bias, [[12]])
    with pytest.raises(ValueError, match=r"vector must have shape \(13,\)"):
        bl.vector_to_parameters(np.zeros(12), params)
    with pytest.raises(ValueError, match="valid names are: grad, value"):
        bl.parameters_to_vector(params, "gradient")


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("data, sizes", [("xor", (2, 5, 3, 1)), ("linear", (2, 10, 10, 1)), ("circles", (2, 4, 1))])
def test_train_leaves_the_model_and_optimizer_as_the_written_out_loop_does(optimizer, data, sizes):
    # train() runs an MLP of the package's own layers on one flat parameter vector (engine="auto" picks
    # the flat engine); afterwards the weights, the layers' gradients and caches and the optimizer's
    # state per parameter must be those of the written-out loop, to the bit.
    x, y = bl.load_dataset(data, seed=0)
    by_hand, via_train = bl.MLP(sizes, seed=2), bl.MLP(sizes, seed=2)
    opt_hand, opt_train = bl.get_optimizer(optimizer), bl.get_optimizer(optimizer)
    weight = via_train.layers[0].weight
    _manual_training(by_hand, x, y, opt_hand, 7)
    assert bl.train(via_train, x, y, epochs=7, optimizer=opt_train).config["engine"] == "flat"
    assert via_train.layers[0].weight is weight                # updated in place, as the loop does
    for mine, theirs in zip(via_train.layers, by_hand.layers):
        for attr in ("weight", "bias", "weight_grad", "bias_grad", "_x", "_out"):
            if hasattr(theirs, attr):
                np.testing.assert_array_equal(getattr(mine, attr), getattr(theirs, attr), err_msg=attr)
    assert opt_train.t == opt_hand.t == 7
    assert opt_train.state.keys() == opt_hand.state.keys()
    for name, st in opt_hand.state.items():
        for k, v in st.items():
            np.testing.assert_array_equal(opt_train.state[name][k], v, err_msg=f"{name} {k}")


def test_only_models_of_the_package_layers_take_the_flat_vector_path():
    from backprop_lab.nn.engine import refusal
    gd = bl.get_optimizer("gd")
    mlp = bl.MLP((2, 3, 1), seed=0)
    assert refusal(mlp, gd) is None
    assert refusal(bl.Sequential(*mlp.layers), gd) is None
    nested = bl.Sequential(bl.Sequential(*mlp.layers[:2]), *mlp.layers[2:])
    assert "not Linear, activation, Linear" in refusal(nested, gd)
    student = bl.Sequential(StudentLinear(np.ones((2, 1)), np.zeros((1, 1))), bl.Sigmoid())
    assert "not the package's own Linear" in refusal(student, gd)

    class MyGD(bl.GD):
        def step(self, params):
            super().step(params)
    assert "does not declare elementwise" in refusal(mlp, MyGD(1.0))
    used = bl.get_optimizer("momentum")
    used.step(mlp.parameters())                  # state of exactly these parameters: a run continued, fits
    assert refusal(mlp, used) is None
    other = bl.MLP((2, 3, 1), seed=1)             # the same names, other arrays: not this model's state
    assert "state of other parameters" in refusal(other, used)
    bigger = bl.MLP((2, 3, 3, 1), seed=0)
    assert "state of other parameters" in refusal(bigger, used)      # names it has no state for


def test_a_run_continued_in_chunks_on_the_flat_path_equals_one_call():
    """train() called again with the same model and optimizer (the playground's chunks) continues the
    optimizer's state on the flat vector path, bit for bit as one call of the whole length."""
    from backprop_lab.nn.engine import refusal
    x, y = bl.generate_xor_easy()
    for name in ("gd", "momentum", "adam"):
        whole = bl.MLP((2, 5, 4, 1), seed=2)
        h = bl.train(whole, x, y, epochs=300, optimizer=name, print_fn=None)
        chunked, opt = bl.MLP((2, 5, 4, 1), seed=2), bl.get_optimizer(name)
        losses = []
        for n in (1, 49, 100, 150):
            assert refusal(chunked, opt) is None
            h_chunk = bl.train(chunked, x, y, epochs=n, optimizer=opt, print_fn=None)
            assert h_chunk.config["engine"] == "flat"
            losses.append(h_chunk.loss)
        assert np.array_equal(np.concatenate(losses), h.loss), name
        assert all(np.array_equal(a.value, b.value) for a, b in zip(whole.parameters(), chunked.parameters())), name


def test_the_flat_vector_path_keeps_the_layers_clear_errors():
    x, y = bl.generate_xor_easy()                                 # 2 features
    model = bl.Sequential(bl.Linear(3, 4, seed=0), bl.Sigmoid(), bl.Linear(4, 1, seed=1), bl.Sigmoid())
    with pytest.raises(ValueError, match=r"Linear\(3, 4\).forward\(\): x must have shape \(N, 3\)"):
        bl.train(model, x, y, epochs=3)
    chained_wrong = bl.Sequential(bl.Linear(2, 3, seed=0), bl.Sigmoid(), bl.Linear(4, 1, seed=1), bl.Sigmoid())
    with pytest.raises(ValueError, match=r"Linear\(4, 1\).forward\(\): x must have shape \(N, 4\)"):
        bl.train(chained_wrong, x, y, epochs=3)
