"""backprop_lab.experiments.sweep: K networks trained at once must be K runs of train(), and the summaries right."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import backprop_lab as bl  # noqa: E402
from backprop_lab.experiments.sweep import SETTINGS, SweepResult, sweep  # noqa: E402

X, Y = bl.generate_linear(100, seed=0)


def _train_alone(setting, epochs, x=X, y=Y, init="normal"):
    """The same setting trained on its own with train(): (model, History)."""
    model = bl.MLP((x.shape[1], *setting["hidden"], 1), activation=setting["activation"],
                   output_activation=setting["output_activation"], seed=setting["seed"], init=init)
    hist = bl.train(model, x, y, epochs=epochs, lr=setting["lr"], optimizer=setting["optimizer"],
                    loss=setting["loss"], print_fn=lambda *a: None)
    return model, hist


def _assert_matches_train(res, k, epochs, **kw):
    model, hist = _train_alone(res.settings[k], epochs, **kw)
    expected, got = model.state_dict(), res.state_dict(k)
    assert expected.keys() == got.keys()
    for name in expected:                                   # per parameter, as the issue asks
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-10 * scale,
                                   err_msg=f"net {k} {name}")
    assert res.diverged_at[k] == hist.diverged_at           # an epoch, or None for both
    n = len(hist.loss)
    np.testing.assert_allclose(res.loss[k, :n], hist.loss, rtol=1e-10, atol=0)
    np.testing.assert_array_equal(res.accuracy[k, :n], hist.accuracy)
    assert np.isnan(res.loss[k, n:]).all() and np.isnan(res.accuracy[k, n:]).all()
    if n:
        assert res.final_loss[k] == pytest.approx(hist.final_loss, rel=1e-10)
        assert res.final_accuracy[k] == hist.final_accuracy
    return hist


def test_batched_networks_end_with_the_weights_of_train_after_1000_epochs():
    # lr and seed vary inside each batch; the (activation, optimizer) pairs make four batches.
    epochs = 1000
    res = sweep(X, Y, lr=[0.1, 1.0], seed=[0, 3], activation=["sigmoid", "tanh"],
                optimizer=["gd", "momentum"], epochs=epochs)
    assert len(res) == 16 and res.loss.shape == res.accuracy.shape == (16, epochs)
    assert {(s["activation"], s["optimizer"]) for s in res.settings} == {
        ("sigmoid", "gd"), ("sigmoid", "momentum"), ("tanh", "gd"), ("tanh", "momentum")}
    for k in range(len(res)):
        _assert_matches_train(res, k, epochs)
    assert not res.diverged.any()


def test_other_shapes_activations_optimizers_and_losses_match_train():
    epochs = 300
    res = sweep("xor", lr=[0.01, 0.05], seed=[1, 2], hidden=[(3, 5), 1], activation="relu",
                output_activation="sigmoid", optimizer="adam", loss=["mse", "bce"], epochs=epochs, init="xavier")
    x, y = bl.load_dataset("xor")
    assert {s["hidden"] for s in res.settings} == {(3, 5), (1, 1)}
    for k in range(len(res)):
        _assert_matches_train(res, k, epochs, x=x, y=y, init="xavier")


def test_a_diverging_network_stops_alone_at_the_epoch_train_reports():
    epochs = 200
    res = sweep(X, Y, lr=[0.003, 0.01, 1000.0], seed=[0, 1], activation="none", output_activation="none",
                epochs=epochs)
    got = dict(zip(((s["lr"], s["seed"]) for s in res.settings), res.diverged_at))
    # The huge lr diverges at once; lr=0.01 diverges for seed 1 only, in the same batch as the others.
    assert got[(1000.0, 0)] >= 1 and got[(1000.0, 1)] >= 1 and got[(0.01, 1)] >= 1
    assert got[(0.003, 0)] is got[(0.003, 1)] is got[(0.01, 0)] is None     # never: None, as in History
    assert list(res.diverged) == [d is not None for d in res.diverged_at]
    for k in range(len(res)):
        hist = _assert_matches_train(res, k, epochs)        # the diverged weights are frozen like train's
        assert res.diverged[k] == hist.diverged
    assert res.summary()[2]["diverged"] == 2 and np.isnan(res.summary()[2]["accuracy_mean"])


def test_a_data_set_name_is_the_same_as_its_arrays_and_lr_none_takes_the_default():
    a = sweep("linear", seed=[0, 1], optimizer=["gd", "momentum"], epochs=5)
    b = sweep(bl.load_dataset("linear"), seed=[0, 1], optimizer=["gd", "momentum"], epochs=5)
    np.testing.assert_array_equal(a.loss, b.loss)
    assert [s["lr"] for s in a.settings] == [bl.DEFAULT_LR["gd"]] * 2 + [bl.DEFAULT_LR["momentum"]] * 2
    assert a.swept == ("optimizer", "seed")


def _hand_made():
    """lr 0.1 and 1 × seeds 0, 1, 2, 3 epochs each, with known final values; one network diverged."""
    settings = [dict(hidden=(2, 2), activation="sigmoid", output_activation="sigmoid", optimizer="gd", loss="mse",
                     lr=lr, seed=s, batch_size=None, weight_decay=0.0) for lr in (0.1, 1.0) for s in (0, 1, 2)]
    final_loss = np.array([0.2, 0.4, 0.6, 0.1, 0.3, np.nan])
    final_acc = np.array([0.5, 0.75, 1.0, 0.9, 1.0, np.nan])
    loss = np.tile([[0.9], [0.8], [0.0]], 6).T.copy()       # (6, 3) curves ending at final_loss
    loss[:, 2] = final_loss
    acc = np.full((6, 3), 0.5)
    acc[:, 2] = final_acc
    loss[5, 1:] = acc[5, 1:] = np.nan                        # network 5: loss not finite at epoch 2
    diverged_at = [None] * 5 + [2]
    return SweepResult(settings, loss, acc, diverged_at, [None] * 6, X, Y, "normal", swept=("lr", "seed"))


def test_summary_mean_and_spread_over_seeds_by_hand():
    res = _hand_made()
    np.testing.assert_array_equal(res.final_loss, [0.2, 0.4, 0.6, 0.1, 0.3, 0.9])  # last recorded, as History
    rows = res.summary()
    assert [(r["lr"], r["n"], r["diverged"]) for r in rows] == [(0.1, 3, 0), (1.0, 3, 1)]
    r = rows[0]
    assert r["loss_mean"] == pytest.approx(0.4)
    assert r["loss_std"] == pytest.approx(np.sqrt((0.2 ** 2 + 0 + 0.2 ** 2) / 3))   # ddof = 0
    assert (r["loss_min"], r["loss_max"]) == (0.2, 0.6)
    assert r["accuracy_mean"] == pytest.approx(0.75) and r["accuracy_std"] == pytest.approx(np.sqrt(0.125 / 3))
    r = rows[1]                                                # the diverged network is left out
    assert r["loss_mean"] == pytest.approx(0.2) and r["loss_std"] == pytest.approx(0.1)
    assert r["accuracy_mean"] == pytest.approx(0.95) and (r["accuracy_min"], r["accuracy_max"]) == (0.9, 1.0)
    assert [row["seed"] for row in res.summary(by="seed")] == [0, 1, 2]
    text = res.table()
    assert text.splitlines()[0].split()[:2] == ["lr", "n"] and len(text.splitlines()) == 3
    # mean ± std with one significant figure of the std, the mean to the same decimal place:
    # loss 0.4 ± 0.163, accuracy 75% ± 20.4% (7.5 tens round half up to 8)
    assert "0.4 ± 0.2" in text and "80% ± 20%" in text and "1/3" in text
    assert list(res.groups()) == [(0.1,), (1.0,)] and list(res.select(lr=1, seed=2)) == [5]


def test_epochs_table_counts_who_reached_the_target_by_hand():
    res = _hand_made()                   # accuracy 0.5 until the last epoch; networks 2 and 4 end at 1.0
    np.testing.assert_array_equal(res.epochs_to_accuracy(), [np.inf, np.inf, 3, np.inf, 3, np.inf])
    np.testing.assert_array_equal(res.epochs_to_accuracy(0.9), [np.inf, np.inf, 3, 3, 3, np.inf])
    lines = res.epochs_table().splitlines()
    assert lines[0].split() == ["lr", "n", "at", "100%", "median", "epochs", "worst", "final", "loss"]
    # lr=0.1: only seed 2 got there (median of inf, inf, 3 is ">3"), loss 0.4 ± 0.163;
    # lr=1: seed 1 got there, seed 2 diverged (never), loss over the two finite runs 0.2 ± 0.1
    assert lines[1].split() == ["0.1", "3", "1/3", ">3", ">3", "0.4", "±", "0.2"]
    assert lines[2].split() == ["1", "3", "1/3", ">3", ">3", "0.2", "±", "0.1"]
    assert res.epochs_table(target=0.9).splitlines()[2].split()[2:5] == ["2/3", "3", ">3"]


def test_curves_draw_the_mean_and_band_over_seeds():
    res = _hand_made()
    ax = res.plot_curves(by="lr", logy=False, band="minmax")
    assert [line.get_label() for line in ax.lines] == ["lr=0.1", "lr=1 (1/3 diverged)"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.9, 0.8, 0.4])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.9, 0.8, 0.2])   # network 5 left from epoch 2
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.2) and band.max() == pytest.approx(0.9)
    ax = res.plot_curves(metric="accuracy", band="std")
    assert len(ax.lines) == 2 and ax.get_ylabel() == "accuracy"
    plt.close("all")


def test_heatmap_has_one_cell_per_pair_of_settings():
    res = sweep("xor", lr=[0.1, 1.0, 10.0], seed=[0, 1], hidden=[(2, 2), (4, 4)], epochs=20)
    ax = res.plot_heatmap("lr", "hidden", value="accuracy")
    grid = ax.images[0].get_array()
    assert grid.shape == (2, 3)                                # rows: hidden, columns: lr
    for i, h in enumerate([(2, 2), (4, 4)]):
        for j, lr in enumerate([0.1, 1.0, 10.0]):
            assert grid[i, j] == pytest.approx(res.final_accuracy[res.select(lr=lr, hidden=h)].mean())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "1", "10"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2×2", "4×4"]
    fig, axes = plt.subplots(1, 2)
    assert res.plot_heatmap("hidden", "seed", value="loss", ax=axes[0]) is axes[0]
    assert axes[0].images[0].get_array().shape == (2, 2)
    assert res.plot_curves(ax=axes[1]) is axes[1] and len(axes[1].lines) == 6   # hidden × lr
    plt.close("all")


def test_model_and_history_of_one_network():
    res = sweep(X, Y, lr=[0.5, 1.0], epochs=50)
    model, hist = _train_alone(res.settings[1], 50)
    np.testing.assert_allclose(res.model(1).predict_proba(X), model.predict_proba(X), rtol=1e-8)
    h = res.history(1)
    np.testing.assert_allclose(h.loss, hist.loss, rtol=1e-12)
    assert h.label == hist.label and not h.diverged
    assert "2 networks × 50 epochs" in repr(res)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(activation="sigmoidd"), ValueError, "valid names are: identity, linear, none, relu, sigmoid, tanh"),
    (dict(output_activation=["relu", "soft"]), ValueError, "unknown output activation 'soft'"),
    (dict(optimizer="rmsprop"), ValueError, "valid names are: adam, gd, momentum, sgd"),
    (dict(loss="hinge"), ValueError, "valid names are: bce, mse"),
    (dict(lr=0), ValueError, "lr must be a finite number > 0"),
    (dict(lr=[0.1, -1]), ValueError, "lr must be a finite number > 0"),
    (dict(lr="fast"), TypeError, "lr must be a positive number"),
    (dict(epochs=0), ValueError, "epochs must be >= 1"),
    (dict(epochs=2.5), TypeError, "epochs must be an integer"),
    (dict(hidden=(0, 5)), ValueError, r"units in hidden layer 1\) must be >= 1"),
    (dict(hidden=[(2, 2), -1]), ValueError, r"units in hidden layer 1\) must be >= 1"),
    (dict(hidden="ten"), ValueError, "a hidden setting is a tuple of layer sizes"),
    (dict(hidden=[(10,), (10, 0)]), ValueError, r"units in hidden layer 2\) must be >= 1"),
    (dict(loss="bce", output_activation=["sigmoid", "none"]), ValueError,
     "loss 'bce' needs predictions from 0 to 1.*output_activation='none'.*Use output_activation='sigmoid'"),
    (dict(hidden=[10, 10]), ValueError, "more than once"),
    (dict(seed=-1), ValueError, "seed must be >= 0"),
    (dict(seed=[]), ValueError, "seed needs at least one value"),
])
def test_bad_settings_are_refused_with_a_clear_message(kwargs, error, match):
    with pytest.raises(error, match=match):
        sweep(X, Y, epochs=kwargs.pop("epochs", 1), **kwargs)


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match="pass y.reshape"):
        sweep(X, Y.ravel(), epochs=1)
    with pytest.raises(ValueError, match="2-D array"):
        sweep(X[:, 0], Y, epochs=1)
    with pytest.raises(ValueError, match="same number of samples"):
        sweep(X[:10], Y, epochs=1)
    with pytest.raises(ValueError, match="y is missing"):
        sweep(X, epochs=1)
    with pytest.raises(ValueError, match="valid names are: circles, linear, spiral, xor"):
        sweep("moons", epochs=1)
    with pytest.raises(ValueError, match="y must hold class labels 0 and 1"):
        sweep(X, 2 * Y, loss="bce", epochs=1)


def test_bad_names_in_the_helpers_list_the_settings():
    res = _hand_made()
    for call in (lambda: res.summary(by="learning_rate"), lambda: res.plot_heatmap("lr", "lrs"),
                 lambda: res.select(speed=1)):
        with pytest.raises(ValueError, match="valid names are: activation, batch_size, hidden, loss, lr"):
            call()
    with pytest.raises(ValueError, match="two different settings"):
        res.plot_heatmap("lr", "lr")
    with pytest.raises(ValueError, match="valid names are: accuracy, diverged, loss"):
        res.plot_heatmap("lr", "seed", value="f1")
    with pytest.raises(ValueError, match="valid names are: minmax, std"):
        res.plot_curves(band="iqr")
    assert set(SETTINGS) == set(res.settings[0])


def test_any_number_of_hidden_layers_and_any_input_width_match_train():
    # Three input features (the lab's sets have two), and zero to three hidden layers in one sweep.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x @ [[1.0], [-2.0], [0.5]] > 0).astype(float)
    epochs = 200
    res = sweep(x, y, hidden=[(), (10,), (10, 10, 10), 4], lr=0.5, seed=[0, 1], epochs=epochs)
    assert [s["hidden"] for s in res.settings[::2]] == [(), (10,), (10, 10, 10), (4, 4)]   # int h: (h, h)
    assert res.model(4).sizes == (3, 10, 10, 10, 1)
    for k in range(len(res)):
        _assert_matches_train(res, k, epochs, x=x, y=y)
    assert sweep(x, y, hidden=(10, 10, 10), epochs=2).settings[0]["hidden"] == (10, 10, 10)   # one setting


def test_worker_threads_do_not_change_the_results():
    # The networks are split between threads; each still follows exactly its own arithmetic, and a
    # network that diverges in one thread is recorded the same way.
    x, y = bl.generate_linear(100, seed=1)
    kw = dict(lr=[0.01, 0.1, 1.0, 100.0], seed=range(4), activation="none", output_activation="none",
              epochs=200)
    one, two = sweep(x, y, workers=1, **kw), sweep(x, y, workers=2, **kw)
    assert one.diverged.any() and not one.diverged.all()
    assert one.diverged_at == two.diverged_at
    np.testing.assert_array_equal(one.loss, two.loss)
    for k in range(len(one)):
        a, b = one.state_dict(k), two.state_dict(k)
        assert all(np.array_equal(a[n], b[n]) for n in a)
    with pytest.raises(ValueError, match="workers"):
        sweep(x, y, workers=0, epochs=1)
