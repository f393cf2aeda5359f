"""Stuck is named like diverged (issue 23): a run that makes no progress at all gets a message.

The settings are the lab's: the 2-10-10-1 sigmoid network on the linear data (100 points), GD. At
lr = 100 the output sigmoid is pinned at 0 or 1 for every point, so σ(1 - σ) = 0 and the loss does
not move at all; at lr = 1 the network learns; at lr = 0.001 it crawls (the loss still moves by about
1 % per thousand epochs), which is slow, not stuck.
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.stuck import STUCK_CHANGE, is_stuck, most_saturated, stuck_window

X, Y = bl.load_dataset("linear", seed=0)


def _train(lr, seed=0, epochs=3000, x=X, y=Y):
    printed = []
    hist = bl.train(bl.MLP((2, 10, 10, 1), seed=seed), x, y, epochs=epochs, lr=lr, print_fn=printed.append)
    return hist, printed


@pytest.mark.parametrize("seed", [0, 1])
def test_lr_100_on_the_linear_data_is_stuck_and_says_why(seed):
    hist, printed = _train(100, seed)
    assert hist.stuck and not hist.diverged
    assert printed == [hist.message]
    msg = hist.message
    assert msg.startswith("stuck: the loss has not moved for 1,000 epochs and accuracy is ")
    assert "with lr=100 the sigmoid units saturate" in msg and "try lr ≤ 10" in msg
    assert "the output layer's outputs are 0 or 1 for 100% of the points" in msg
    assert f"accuracy is {hist.final_accuracy:.0%}" in msg and abs(hist.final_accuracy - 0.5) <= 0.05
    assert "stuck" in repr(hist)


@pytest.mark.parametrize("lr", [1.0, 0.001])
def test_learning_or_crawling_is_not_stuck(lr):
    hist, printed = _train(lr)
    assert not hist.stuck and printed == [] and hist.message == ""


def test_stuck_survives_another_order_of_the_samples():
    """The verdict is not a rounding accident: the same run on permuted samples is stuck too."""
    order = np.random.default_rng(1).permutation(len(X))
    assert _train(100, x=X[order], y=Y[order])[0].stuck
    assert not _train(1.0, x=X[order], y=Y[order])[0].stuck


def test_the_rule_on_made_up_curves():
    y = np.array([[0.0]] * 50 + [[1.0]] * 50)
    flat, chance, learned = np.full(2000, 0.5), np.full(2000, 0.5), np.full(2000, 1.0)
    assert is_stuck(flat, chance, y)
    assert not is_stuck(flat, learned, y), "a converged run has a flat loss too, at full accuracy"
    slow = np.linspace(0.30, 0.30 * (1 - 10 * STUCK_CHANGE), 2000)
    assert not is_stuck(slow, chance, y), "a loss still moving is slow, not stuck"
    barely = np.linspace(0.30, 0.30 * (1 - STUCK_CHANGE / 10), 2000)
    assert is_stuck(barely, chance, y)
    assert not is_stuck(flat[:300], chance[:300], y), "too short to tell"
    assert stuck_window(3000) == 1000 and stuck_window(600) == 300 and stuck_window(300) is None
    skewed = np.array([[1.0]] * 90 + [[0.0]] * 10)          # chance is 90% here: always answering 1
    assert is_stuck(flat, np.full(2000, 0.9), skewed) and not is_stuck(flat, np.full(2000, 0.99), skewed)


def test_most_saturated_finds_the_pinned_layer():
    model = bl.MLP((2, 3, 1), seed=0)
    assert most_saturated(model, X)[1] < 0.5
    model.linear_layers()[-1].weight[...] = 1e4                   # the output pinned at 0 or 1
    assert most_saturated(model, X) == ("the output layer", 1.0)


def test_sweep_counts_stuck_networks_in_its_table():
    res = bl.sweep(X, Y, lr=[1.0, 100.0], seed=range(2), epochs=3000)
    assert res.stuck.tolist() == [s["lr"] == 100.0 for s in res.settings]
    table = res.table(by="lr")
    assert table.splitlines()[0].split()[-1] == "stuck"
    rows = {line.split()[0]: line.split()[-1] for line in table.splitlines()[1:]}
    assert rows == {"1": "0/2", "100": "2/2"}
    assert res.history(int(np.argmax(res.stuck))).stuck


def test_the_message_names_the_likely_cause():
    xor_x, xor_y = bl.generate_xor_easy()
    one_layer = bl.train(bl.MLP((2, 1), seed=0), xor_x, xor_y, epochs=5000, lr=1.0, print_fn=None)
    assert one_layer.stuck, "logistic regression on XOR stops at the best line: no progress, 52%"
    assert "If the network cannot draw the boundary (no hidden layer, too few units)" in one_layer.message
    assert "saturate" not in one_layer.message

    model = bl.MLP((2, 10, 10, 1), seed=0)
    for layer in model.linear_layers():
        layer.weight[...] *= 60                          # saturated from the start, at the default lr
    hist = bl.train(model, X, Y, epochs=3000, lr=1.0, print_fn=None)
    assert hist.stuck and "here not the learning rate, lr=1" in hist.message and "BCE" in hist.message
