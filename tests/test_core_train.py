"""train(): the handout's data sets are learnt with the defaults, divergence is caught, History records."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import backprop_lab as bl


def _silent(*args, **kwargs):
    pass


# --- the lab's goal: 100% on both handout data sets with the defaults ------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_data_reaches_100_percent_with_the_defaults(seed):
    x, y = bl.generate_linear(100, seed=seed)
    model = bl.MLP((2, 10, 10, 1), seed=seed)
    history = bl.train(model, x, y, print_fn=_silent)
    assert not history.diverged
    assert history.epochs == 5000 and history.config["optimizer"] == "gd" and history.config["lr"] == 1.0
    assert bl.accuracy(y, model.predict_proba(x)) == 1.0
    np.testing.assert_array_equal(model.predict(x), y)
    assert history.final_loss < history.loss[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_data_reaches_100_percent_with_the_defaults(seed):
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 10, 10, 1), seed=seed)
    history = bl.train(model, x, y, print_fn=_silent)
    assert not history.diverged
    np.testing.assert_array_equal(model.predict(x), y)
    assert history.epochs_to_accuracy(1.0) is not None


# --- divergence ------------------------------------------------------------------------------------

def _unbounded_model():
    # no activation anywhere: a linear model with an unbounded output, which a large lr blows up
    return bl.MLP((2, 10, 10, 1), activation="none", output_activation="none", seed=0)


@pytest.mark.parametrize("lr", [10, 100])
def test_divergence_is_caught_reported_and_printed(lr):
    x, y = bl.generate_linear(100, seed=0)
    printed = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = bl.train(_unbounded_model(), x, y, epochs=500, lr=lr, print_fn=printed.append)
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []  # no overflow warnings escape

    assert history.diverged is True
    assert isinstance(history.diverged_at, int) and 1 <= history.diverged_at <= 500
    k = history.diverged_at
    # the loss (and accuracy) stop before the epoch whose loss was not finite
    assert len(history.loss) == len(history.accuracy) == k - 1
    assert np.all(np.isfinite(history.loss))
    assert history.epochs == k - 1
    assert f"epoch {k}" in history.message
    assert "smaller learning rate" in history.message
    assert f"lr={lr / 10:g}" in history.message
    assert printed == [history.message]
    assert f"diverged at epoch {k}" in repr(history)


def test_the_same_model_with_a_small_lr_does_not_diverge():
    # the counterpart of the test above: it is the learning rate that made the difference
    x, y = bl.generate_linear(100, seed=0)
    printed = []
    history = bl.train(_unbounded_model(), x, y, epochs=200, lr=0.01, print_fn=printed.append)
    assert not history.diverged and history.diverged_at is None
    assert len(history.loss) == 200 and np.all(np.isfinite(history.loss))
    assert printed == []


def test_divergence_can_raise():
    x, y = bl.generate_linear(100, seed=0)
    with pytest.raises(bl.TrainingDiverged, match=r"diverged at epoch \d+.*smaller learning rate"):
        bl.train(_unbounded_model(), x, y, epochs=500, lr=10, on_divergence="raise", print_fn=_silent)
    assert issubclass(bl.TrainingDiverged, ValueError)


def test_on_divergence_must_be_stop_or_raise():
    x, y = bl.generate_xor_easy()
    with pytest.raises(ValueError, match="on_divergence"):
        bl.train(bl.MLP(seed=0), x, y, epochs=1, on_divergence="ignore")


# --- History -----------------------------------------------------------------------------------------

def test_history_records_loss_before_each_update_and_snapshots():
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 10, 10, 1), seed=0)
    initial = model.state_dict()
    initial_loss = bl.MSELoss().forward(model.predict_proba(x), y)
    initial_acc = bl.accuracy(y, model.predict_proba(x))
    history = bl.train(model, x, y, epochs=100, lr=1.0)
    assert history.loss.shape == history.accuracy.shape == (100,)
    assert history.loss[0] == pytest.approx(initial_loss, rel=1e-12)
    assert history.accuracy[0] == pytest.approx(initial_acc)
    # default snapshots: every epochs // 50 = 2 epochs, plus the initial weights at epoch 0
    assert history.snapshot_epochs == list(range(0, 101, 2))
    for name, value in initial.items():
        np.testing.assert_array_equal(history.weights_at(0)[name], value)
        np.testing.assert_array_equal(history.weights_at(1)[name], value)  # latest at or before epoch 1
    final = model.state_dict()
    for name, value in final.items():
        np.testing.assert_array_equal(history.weights_at(100)[name], value)
    with pytest.raises(ValueError, match="no snapshot"):
        history.weights_at(-1)
    assert history.label == "gd, lr=1"


def test_log_every_prints_epoch_loss_and_accuracy():
    x, y = bl.generate_xor_easy()
    lines = []
    history = bl.train(bl.MLP(seed=0), x, y, epochs=20, lr=1.0, log_every=10, print_fn=lines.append)
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 10") and f"loss: {history.loss[9]:.4f}" in lines[0]
    assert lines[1].startswith("Epoch 20") and f"accuracy: {history.accuracy[19]:.1%}" in lines[1]


def test_model_at_gives_the_snapshot_weights_and_can_be_trained_further():
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 10, 10, 1), seed=0)
    history = bl.train(model, x, y, epochs=50, lr=1.0, snapshot_every=10)
    early = history.model_at(20)
    for name, value in history.weights_at(20).items():
        np.testing.assert_array_equal(early.state_dict()[name], value)
    assert early is not model
    # Continuing to train the copy must change the copy (and only the copy). A deep copy used to
    # lose the link between the layers' arrays and the flat buffer that train() steps, so training
    # the copy silently did nothing.
    before_copy, before_original = early.state_dict(), model.state_dict()
    more = bl.train(early, x, y, epochs=30, lr=1.0)
    after = early.state_dict()
    assert any(not np.array_equal(after[k], before_copy[k]) for k in after)
    assert more.loss[-1] < more.loss[0]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before_original[k])


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_copied_model_trains_like_the_original(duplicate):
    x, y = bl.generate_xor_easy()
    original = bl.MLP((2, 10, 10, 1), seed=4)
    twin = duplicate(original)
    bl.train(original, x, y, epochs=25, optimizer="momentum")
    bl.train(twin, x, y, epochs=25, optimizer="momentum")
    for k, v in original.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[k], v)
    np.testing.assert_array_equal(twin.predict_proba(x), original.predict_proba(x))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_every_optimizer_and_loss_lowers_the_loss(optimizer, loss):
    x, y = bl.generate_xor_easy()
    history = bl.train(bl.MLP((2, 10, 10, 1), seed=0), x, y, epochs=300, optimizer=optimizer, loss=loss)
    assert not history.diverged
    assert history.config["loss"] == loss and history.config["optimizer"] == optimizer
    assert history.final_loss < 0.9 * history.loss[0]
