"""One definition of every activation, loss and update rule: train() and sweep() both use it.

* Every registered activation × loss × optimizer: sweep() agrees with train() to 1e-10 relative.
* Registering a new activation, loss and optimizer is one edit each, and both engines then use them.
* No name falls through: an unknown name is the same clear error in the batched engine.
* A loss that cannot take the model's output is refused before the first epoch.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import backprop_lab as bl
import backprop_lab.widgets  # noqa: F401  (bl.widgets.check_settings)
from backprop_lab.experiments.sweep import sweep
from backprop_lab.nn.activations import ACTIVATIONS, Activation
from backprop_lab.nn.losses import LOSSES, Loss
from backprop_lab.nn.optim import OPTIMIZERS, Optimizer
from backprop_lab.playground.controls import make_control
from backprop_lab.validation import canonical_names

X, Y = bl.generate_linear(100, seed=0)
EPOCHS = 300
#: Learning rates (and a seed) with which no network of the grid diverges on the linear set, the
#: unbounded ones included, and every one lowers its loss by a quarter or more in 300 epochs (with
#: seed 3, for one, the ReLU output starts dead: a flat line would be a weak comparison).
LR = {"gd": 0.02, "momentum": 0.005, "adam": 0.01}
SEED = 2


def _fits(output, loss):
    lo, hi = LOSSES[loss].pred_range
    out_lo, out_hi = ACTIVATIONS[output].output_range
    return lo <= out_lo and out_hi <= hi


def _grid():
    """(activation, output activation, loss, optimizer) for every registered name, valid pairs only."""
    acts, losses, opts = (canonical_names(t) for t in (ACTIVATIONS, LOSSES, OPTIMIZERS))
    return [(a, o, loss, opt) for a in acts for o in acts for loss in losses if _fits(o, loss) for opt in opts]


def test_the_grid_covers_every_name_and_leaves_out_only_bce_without_a_sigmoid():
    grid = _grid()
    assert {g[0] for g in grid} == {"sigmoid", "tanh", "relu", "none"}
    assert {g[3] for g in grid} == {"gd", "momentum", "adam"}
    assert {g[1] for g in grid if g[2] == "bce"} == {"sigmoid"}
    assert len(grid) == 4 * (4 + 1) * 3


def _assert_agree(res, k, x=X, y=Y, epochs=EPOCHS, rtol=1e-10):
    """Network k of a sweep against train() on its own: loss history and final weights."""
    s = res.settings[k]
    model = bl.MLP((x.shape[1], *s["hidden"], 1), activation=s["activation"],
                   output_activation=s["output_activation"], seed=s["seed"])
    hist = bl.train(model, x, y, epochs=epochs, lr=s["lr"], optimizer=s["optimizer"], loss=s["loss"], print_fn=None)
    assert not hist.diverged and res.diverged_at[k] is None, s
    np.testing.assert_allclose(res.loss[k], hist.loss, rtol=rtol, atol=0, err_msg=str(s))
    got, expected = res.state_dict(k), model.state_dict()
    for name in expected:
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(got[name], expected[name], rtol=rtol, atol=rtol * scale, err_msg=f"{s} {name}")
    return hist


@pytest.fixture(scope="module")
def sweeps():
    """One sweep per (loss, optimizer): every hidden activation × every output activation that fits."""
    out = {}
    for loss in canonical_names(LOSSES):
        outputs = [o for o in canonical_names(ACTIVATIONS) if _fits(o, loss)]
        for opt in canonical_names(OPTIMIZERS):
            out[loss, opt] = sweep(X, Y, hidden=(5, 4), activation=canonical_names(ACTIVATIONS),
                                   output_activation=outputs, optimizer=opt, loss=loss, lr=LR[opt],
                                   seed=SEED, epochs=EPOCHS)
    return out


@pytest.mark.parametrize("activation, output_activation, loss, optimizer", _grid())
def test_sweep_agrees_with_train(sweeps, activation, output_activation, loss, optimizer):
    res = sweeps[loss, optimizer]
    (k,) = res.select(activation=activation, output_activation=output_activation)
    hist = _assert_agree(res, k)
    assert hist.loss[-1] < 0.8 * hist.loss[0]        # a run that learned something, not a flat line


# --- adding an activation, a loss and an optimizer: one edit each -----------------------------------

class Softplus(Activation):
    """softplus(x) = log(1 + e^x), values in (0, ∞); from its output y, softplus'(x) = σ(x) = 1 - e^(-y)."""

    name = "softplus"
    output_range = (0.0, np.inf)
    elementwise = True               # function and derivative act on each entry alone: the flat engine may run it

    @staticmethod
    def function(x):
        return np.logaddexp(0.0, x)

    @staticmethod
    def derivative(out):
        return -np.expm1(-out)


class LogCoshLoss(Loss):
    """L = mean(log cosh(ŷ - y)), dL/dŷ = tanh(ŷ - y) / (N·K)."""

    name = "logcosh"

    def value(self, pred, target):
        return np.mean(np.log(np.cosh(pred - target)), axis=(-2, -1))

    def gradient(self, pred, target):
        return np.tanh(pred - target) / (pred.shape[-2] * pred.shape[-1])


class RMSProp(Optimizer):
    """s ← ρ s + (1 - ρ) g²,  W ← W - η g / (√s + ε)."""

    name = "rmsprop"
    default_lr = 0.01
    state_names = ("s",)
    elementwise = True               # update treats each entry alone: the flat engine may run it

    def update(self, w, g, state, lr):
        s = state["s"]
        s *= 0.9
        s += 0.1 * g * g
        w -= lr * g / (np.sqrt(s) + 1e-8)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "softplus", Softplus)
    monkeypatch.setitem(LOSSES, "logcosh", LogCoshLoss)
    monkeypatch.setitem(OPTIMIZERS, "rmsprop", RMSProp)


def test_the_new_definitions_pass_the_gradient_checks(registered):
    rng = np.random.default_rng(0)
    assert bl.check_layer_gradients(bl.get_activation("softplus"), rng.normal(0, 3, size=(5, 4))).passed
    assert bl.check_loss_gradient("logcosh", rng.normal(size=(6, 1)), rng.normal(size=(6, 1))).passed
    model = bl.MLP((2, 3, 1), activation="softplus", output_activation="none", seed=0)
    assert bl.check_model_gradients(model, X[:8], Y[:8], loss="logcosh").passed


def test_rmsprop_step_against_its_formula(registered):
    # s = 0.9·0 + 0.1·g² = [0.1, 0.4] for g = [1, -2]; W ← W - 0.1 g / √s = -0.1 [1/√0.1, -2/√0.4]
    p = bl.Parameter("w", np.zeros(2), np.array([1.0, -2.0]))
    bl.get_optimizer("rmsprop", lr=0.1).step([p])
    np.testing.assert_allclose(p.value, [-0.1 / np.sqrt(0.1), 0.2 / np.sqrt(0.4)], rtol=1e-7)


def test_registered_names_are_used_by_train_and_sweep_alike(registered):
    # RMSProp divides by √s, so once the linear network ("none") nears its minimum it amplifies the
    # rounding differences of tiny gradients (1e-10 relative is lost after about 190 epochs):
    # 150 epochs keep the comparison sharp.
    epochs = 150
    res = sweep(X, Y, hidden=(5, 4), activation=["softplus", "none"], output_activation="none",
                loss="logcosh", optimizer="rmsprop", lr=0.01, seed=1, epochs=epochs)
    for k in range(len(res)):
        _assert_agree(res, k, epochs=epochs)
    # sweep really ran softplus (the old engine ran any unknown activation as the identity)
    assert abs(res.final_loss[0] - res.final_loss[1]) > 1e-3 * res.final_loss[1]
    model = res.model(0)
    first = model.linear_layers()[0]
    np.testing.assert_allclose(model.layers[1].forward(X @ first.weight + first.bias),
                               np.log1p(np.exp(X @ first.weight + first.bias)), rtol=1e-12)
    assert "softplus" in make_control("activation", "sigmoid").options   # the playground's dropdown lists it


def test_an_unknown_name_is_an_error_in_sweep_too():
    for what, name in (("activation", "softsign"), ("output_activation", "softsign"), ("loss", "hinge"),
                       ("optimizer", "lion")):
        with pytest.raises(ValueError, match=f"unknown {what.replace('_', ' ')} '{name}'; valid names are"):
            sweep(X, Y, epochs=1, **{what: name})


# --- a loss that does not fit the output ------------------------------------------------------------

@pytest.mark.parametrize("output", ["relu", "none", "tanh"])
def test_bce_without_a_sigmoid_output_is_refused_before_the_first_epoch(output):
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 10, 10, 1), output_activation=output, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=rf"loss 'bce' needs predictions from 0 to 1.*output_activation='{output}'"
                                         r".*Use output_activation='sigmoid'"):
        bl.train(model, x, y, loss="bce", epochs=10)
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)       # not a single step taken
    with pytest.raises(ValueError, match="Use output_activation='sigmoid'"):
        sweep(x, y, output_activation=output, loss=["mse", "bce"], epochs=1)
    with pytest.raises(ValueError, match="Use output_activation='sigmoid'"):
        bl.widgets.check_settings({"output_activation": output, "loss": "bce"})


def test_a_model_whose_last_layer_is_linear_is_unbounded_for_bce():
    model = bl.Sequential(bl.Linear(2, 1, seed=0))
    with pytest.raises(ValueError, match=r"the model's last layer, Linear\(2, 1\), gives values from -inf to inf"):
        bl.train(model, *bl.generate_xor_easy(), loss="bce", epochs=1)
    bl.train(model, *bl.generate_xor_easy(), loss="mse", epochs=1, print_fn=None)   # MSE takes any output


def test_predict_proba_only_for_probabilities():
    x = X[:5]
    sig = bl.MLP((2, 3, 1), seed=0)
    np.testing.assert_array_equal(sig.predict_proba(x), sig.output(x))
    for output in ("none", "relu", "tanh"):
        model = bl.MLP((2, 3, 1), output_activation=output, seed=0)
        with pytest.raises(ValueError, match=rf"predict_proba needs a sigmoid output.*'{output}'.*model.output\(x\)"):
            model.predict_proba(x)
        np.testing.assert_array_equal(model.predict(x), (model.output(x) > 0.5).astype(int))


# --- the sigmoid is the lecture's two-branch formula, and SciPy is not needed ----------------------

def test_sigmoid_is_the_stable_two_branch_formula():
    x = np.array([-1e4, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            s = bl.sigmoid(x)
    # limits and values worked out by hand: σ(0) = 1/2; σ(±1) = 1/(1 + e^∓1); σ(-30) = e^-30 / (1 + e^-30)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    np.testing.assert_allclose(s[[3, 5]], [1 / (1 + np.e), 1 / (1 + 1 / np.e)], rtol=1e-15)
    np.testing.assert_allclose(s[2], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-15)
    np.testing.assert_allclose(s + bl.sigmoid(-x), 1.0, rtol=1e-15)      # σ(x) + σ(-x) = 1


def test_sigmoid_equals_notebook_01s_np_where_form_bit_for_bit():
    x = np.random.default_rng(0).normal(0, 20, size=100_000)
    x = np.concatenate([x, [0.0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 800.0, -800.0, np.inf, -np.inf]])
    e = np.exp(-np.abs(x))
    np.testing.assert_array_equal(bl.sigmoid(x), np.where(x >= 0, 1 / (1 + e), e / (1 + e)))


def test_the_package_imports_without_scipy():
    code = "import sys, backprop_lab, backprop_lab.widgets; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
