"""The settings of a run, checked and made canonical in one place (backprop_lab.experiments.settings), as
``sweep`` and the playground both use them; and the playground's ``check_settings`` over them."""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.experiments.settings import (
    RULES,
    check_loss_fits,
    hidden_sizes,
    resolve_lr,
    resolve_output_activation,
    setting,
)
from backprop_lab.widgets import DEFAULTS, check_settings


@pytest.mark.parametrize("name, value, canonical", [
    ("activation", "Sigmoid", "sigmoid"),
    ("activation", " TANH ", "tanh"),
    ("activation", "identity", "none"),
    ("activation", "linear", "none"),
    ("output_activation", None, None),
    ("output_activation", "ReLU", "relu"),
    ("optimizer", "sgd", "gd"),
    ("optimizer", "Adam", "adam"),
    ("loss", "MSE", "mse"),
    ("dataset", " XOR", "xor"),
    ("init", "Xavier", "xavier"),
    ("hidden", 10, (10, 10)),                  # an int h means two layers of h, as in the lab
    ("hidden", np.int64(3), (3, 3)),
    ("hidden", [4], (4,)),
    ("hidden", (3, 4, 5), (3, 4, 5)),
    ("lr", 1, 1.0),
    ("lr", None, None),                        # the optimizer's default, resolved by resolve_lr
    ("epochs", 5, 5),
    ("seed", 0, 0),
    ("noise", 0, 0.0),
    ("noise", 0.25, 0.25),
    ("Activation", "Tanh", "tanh"),            # the setting's name is looked up like a value
])
def test_setting_gives_the_canonical_value(name, value, canonical):
    got = setting(name, value)
    assert got == canonical and type(got) is type(canonical)


@pytest.mark.parametrize("name, value, error, match", [
    ("activation", "softmax", ValueError, "unknown activation 'softmax'; valid names are: identity, linear, none"),
    ("output_activation", "softmax", ValueError, "unknown output activation 'softmax'"),
    ("optimizer", "rmsprop", ValueError, "unknown optimizer 'rmsprop'; valid names are: adam, gd, momentum, sgd"),
    ("loss", "hinge", ValueError, "unknown loss 'hinge'; valid names are: bce, mse"),
    ("dataset", "moons", ValueError, "unknown dataset 'moons'; valid names are: circles, linear, spiral, xor"),
    ("init", "he", ValueError, "unknown init 'he'; valid names are: normal, xavier"),
    ("activation", 3, TypeError, "activation must be a name"),
    ("hidden", 0, ValueError, r"hidden\[0\] \(units in hidden layer 1\) must be >= 1"),
    ("hidden", (10, -2), ValueError, r"hidden\[1\] \(units in hidden layer 2\) must be >= 1"),
    ("hidden", (10, 2.5), TypeError, r"hidden\[1\] .* must be an integer"),
    ("hidden", "10", ValueError, "a hidden setting is a tuple of layer sizes"),
    ("hidden", True, ValueError, "a hidden setting is a tuple of layer sizes"),
    ("lr", 0, ValueError, "lr must be a finite number > 0"),
    ("lr", float("inf"), ValueError, "lr must be a finite number > 0"),
    ("lr", "0.1", TypeError, "lr must be a positive number"),
    ("lr", True, TypeError, "lr must be a positive number"),
    ("epochs", 0, ValueError, "epochs must be >= 1"),
    ("epochs", 10.0, TypeError, "epochs must be an integer"),
    ("seed", -1, ValueError, "seed must be >= 0"),
    ("noise", -0.1, ValueError, "noise is the standard deviation"),
    ("noise", 1.5, ValueError, "noise is the standard deviation"),
    ("noise", True, ValueError, "noise is the standard deviation"),
    ("colour", "red", ValueError,
     "unknown setting 'colour'; valid names are: activation, batch_size, dataset, epochs, features, hidden"),
])
def test_setting_refuses_bad_values_naming_the_setting(name, value, error, match):
    with pytest.raises(error, match=match):
        setting(name, value)


def test_every_playground_setting_but_test_has_a_rule():
    assert set(RULES) == set(DEFAULTS) - {"test"}
    assert hidden_sizes((2,)) == (2,)


def test_the_two_settings_that_depend_on_another():
    assert resolve_lr("adam", None) == bl.DEFAULT_LR["adam"] == bl.Adam.default_lr
    assert resolve_lr("sgd", None) == bl.GD.default_lr
    assert resolve_lr("adam", 0.5) == 0.5
    with pytest.raises(ValueError, match="lr must be"):
        resolve_lr("gd", -1.0)
    assert resolve_output_activation("relu", None) == "sigmoid"
    assert resolve_output_activation("none", None) == "none"    # "none": no activation anywhere
    assert resolve_output_activation("Identity", None) == "none"
    assert resolve_output_activation("none", "Sigmoid") == "sigmoid"
    assert resolve_output_activation("tanh", "linear") == "none"


def test_a_loss_must_fit_the_output():
    check_loss_fits("bce", "sigmoid")
    check_loss_fits("mse", "none")
    with pytest.raises(ValueError, match="loss 'bce' needs predictions from 0 to 1.*Use output_activation='sigmoid'"):
        check_loss_fits("bce", "none")
    with pytest.raises(ValueError, match="output_activation='tanh'"):
        check_loss_fits("BCE", "tanh")


def test_check_settings_fills_the_defaults_and_resolves_what_depends_on_another():
    s = check_settings({"activation": "Identity", "optimizer": "SGD", "hidden": 4, "dataset": "Circles"})
    assert s == {**DEFAULTS, "activation": "none", "output_activation": "none", "optimizer": "gd",
                 "hidden": (4, 4), "dataset": "circles", "lr": bl.DEFAULT_LR["gd"]}
    assert check_settings({})["lr"] == bl.DEFAULT_LR["gd"] and check_settings({})["hidden"] == (10, 10)
    assert check_settings({"test": np.bool_(True)})["test"] is True
    assert check_settings({"dataset": "your data"})["dataset"] == "your data"
    with pytest.raises(ValueError, match=r"unknown setting\(s\) 'colour', 'size'; valid settings are: dataset, lr"):
        check_settings({"size": 1, "colour": 2})
    with pytest.raises(TypeError, match="test must be True"):
        check_settings({"test": 1})
    with pytest.raises(ValueError, match="Use output_activation='sigmoid'"):
        check_settings({"loss": "bce", "activation": "none"})
