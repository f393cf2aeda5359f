"""Mini-batches, L2 weight decay and the gradients' size per layer in ``train`` (issue 22).

Each claim is checked against its definition, computed here from the package's layers one step at a
time, on both engines where both run it.
"""
import numpy as np
import pytest

import backprop_lab as bl

XOR_X, XOR_Y = bl.generate_xor_easy()              # 21 samples
LIN_X, LIN_Y = bl.load_dataset("linear", seed=0)


@pytest.mark.parametrize("engine", ["flat", "layers"])
def test_a_batch_of_the_whole_set_is_the_full_batch_bit_for_bit(engine):
    full = bl.train(bl.MLP(seed=0), LIN_X, LIN_Y, epochs=300, lr=1.0, print_fn=None, engine=engine)
    for size in (len(LIN_X), 10 * len(LIN_X)):
        batch = bl.train(bl.MLP(seed=0), LIN_X, LIN_Y, epochs=300, lr=1.0, print_fn=None, engine=engine,
                         batch_size=size)
        assert np.array_equal(full.loss, batch.loss) and np.array_equal(full.accuracy, batch.accuracy)
        assert all(np.array_equal(full.model.state_dict()[k], v) for k, v in batch.model.state_dict().items())


class CountingGD(bl.GD):
    """GD that counts its steps and the batch sizes it was stepped on (through the gradient's owner)."""

    steps = 0

    def step(self, params):
        CountingGD.steps += 1
        super().step(params)


def test_batch_size_7_on_21_samples_takes_3_steps_per_epoch():
    CountingGD.steps = 0
    hist = bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=5, optimizer=CountingGD(0.5), print_fn=None, batch_size=7)
    assert CountingGD.steps == 3 * 5 and hist.config["engine"] == "layers"
    CountingGD.steps = 0
    bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=5, optimizer=CountingGD(0.5), print_fn=None, batch_size=8)
    assert CountingGD.steps == 3 * 5                 # 8 + 8 + 5: the last batch smaller


def _manual_minibatch_epoch(model, x, y, lr, batch_size, seed):
    """One epoch by hand: the permutation train draws, then forward, MSE, backward, GD per batch."""
    order = np.random.default_rng(seed).permutation(len(x))
    loss = bl.MSELoss()
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        loss.forward(model.forward(x[idx]), y[idx])
        model.backward(loss.backward())
        for p in model.parameters():
            p.value -= lr * p.grad


@pytest.mark.parametrize("engine", ["flat", "layers"])
def test_mini_batch_epochs_are_shuffled_batches_of_gd_and_reproducible(engine):
    runs = [bl.train(bl.MLP(seed=1), XOR_X, XOR_Y, epochs=1, lr=0.5, print_fn=None, batch_size=4,
                     shuffle_seed=3, engine=engine) for _ in range(2)]
    assert np.array_equal(runs[0].model.state_dict()["0.weight"], runs[1].model.state_dict()["0.weight"])
    manual = bl.MLP(seed=1)
    _manual_minibatch_epoch(manual, XOR_X, XOR_Y, 0.5, 4, seed=3)
    for k, v in manual.state_dict().items():
        assert np.allclose(runs[0].model.state_dict()[k], v, rtol=0, atol=1e-12), k
    other = bl.train(bl.MLP(seed=1), XOR_X, XOR_Y, epochs=1, lr=0.5, print_fn=None, batch_size=4, shuffle_seed=4)
    assert not np.array_equal(other.model.state_dict()["0.weight"], runs[0].model.state_dict()["0.weight"])


def test_history_stays_per_epoch_on_the_whole_set():
    hist = bl.train(bl.MLP(seed=0), LIN_X, LIN_Y, epochs=4, lr=0.5, print_fn=None, batch_size=10)
    assert hist.loss.shape == (4,) and hist.accuracy.shape == (4,)
    # epoch 1's loss is the whole set's loss on the initial weights
    first = bl.MSELoss().forward(bl.MLP(seed=0).forward(LIN_X), LIN_Y)
    assert hist.loss[0] == pytest.approx(first, rel=1e-12)


def test_per_sample_sgd_learns_the_linear_data():
    hist = bl.train(bl.MLP(seed=0), LIN_X, LIN_Y, epochs=60, lr=0.5, print_fn=None, batch_size=1)
    assert hist.final_accuracy >= 0.97 and hist.loss[-1] < hist.loss[0] / 5


@pytest.mark.parametrize("engine", ["flat", "layers"])
def test_one_epoch_of_weight_decay_is_the_l2_rule(engine):
    lam, lr = 0.05, 0.3
    start = bl.MLP(seed=2)
    hist = bl.train(bl.MLP(seed=2), XOR_X, XOR_Y, epochs=1, lr=lr, weight_decay=lam, print_fn=None, engine=engine)
    loss = bl.MSELoss()
    loss.forward(start.forward(XOR_X), XOR_Y)
    start.backward(loss.backward())
    after = hist.model.state_dict()
    for p in start.parameters():
        decay = lam * p.value if p.name.endswith("weight") else 0.0      # the biases are not decayed
        assert np.allclose(after[p.name], p.value - lr * (p.grad + decay), rtol=0, atol=1e-12), p.name
    weights = [p.value for p in bl.MLP(seed=2).parameters() if p.name.endswith("weight")]
    assert hist.penalty[0] == pytest.approx(0.5 * lam * sum(np.sum(W ** 2) for W in weights), rel=1e-12)
    assert hist.config["weight_decay"] == lam


def test_weight_decay_shrinks_the_weights_and_keeps_the_data_loss_apart():
    plain = bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=2000, lr=1.0, print_fn=None)
    decayed = bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=2000, lr=1.0, print_fn=None, weight_decay=1e-3)
    norm = {name: sum(np.sum(p.value ** 2) for p in h.model.parameters() if p.name.endswith("weight"))
            for name, h in (("plain", plain), ("decayed", decayed))}
    assert norm["decayed"] < norm["plain"]
    assert plain.penalty is None and decayed.penalty.shape == (2000,)
    assert decayed.penalty[-1] == pytest.approx(0.5 * 1e-3 * norm["decayed"], rel=0.05)   # before vs after step


def test_grad_rms_at_epoch_1_is_the_rms_of_a_numerical_gradient():
    model = bl.MLP(seed=0)
    params = {p.name: p.value.copy() for p in model.parameters()}
    hist = bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=3, lr=1.0, print_fn=None, record_gradients=True)
    assert hist.grad_rms.shape == (3, 3)
    probe = bl.MLP(seed=0)
    loss = bl.MSELoss()
    for j, name in enumerate(["0.weight", "2.weight", "4.weight"]):
        W = dict((p.name, p.value) for p in probe.parameters())[name]
        assert np.array_equal(W, params[name])
        numeric = bl.numerical_gradient(lambda: loss.forward(probe.forward(XOR_X), XOR_Y), W)
        assert hist.grad_rms[0, j] == pytest.approx(np.sqrt(np.mean(numeric ** 2)), rel=1e-6)
    assert bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=3, lr=1.0, print_fn=None).grad_rms is None


def test_grad_rms_with_mini_batches_is_the_rms_over_the_epochs_steps():
    hist = bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=1, lr=1e-12, print_fn=None, batch_size=7,
                    record_gradients=True, engine="layers")
    # with a vanishing lr every batch sees the initial weights: average the three batches' mean squares
    model, loss = bl.MLP(seed=0), bl.MSELoss()
    order = np.random.default_rng(0).permutation(21)
    squares = np.zeros(3)
    for start in range(0, 21, 7):
        idx = order[start:start + 7]
        loss.forward(model.forward(XOR_X[idx]), XOR_Y[idx])
        model.backward(loss.backward())
        squares += [np.mean(lin.weight_grad ** 2) / 3 for lin in model.linear_layers()]
    assert np.allclose(hist.grad_rms[0], np.sqrt(squares), rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=2.5), TypeError, "batch_size"),
    (dict(weight_decay=-0.1), ValueError, "weight_decay must be a finite number >= 0"),
    (dict(weight_decay="a lot"), TypeError, "weight_decay must be a number >= 0"),
    (dict(shuffle_seed=-1), ValueError, "shuffle_seed"),
])
def test_bad_settings_are_refused_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        bl.train(bl.MLP(seed=0), XOR_X, XOR_Y, epochs=2, print_fn=None, **kwargs)


def test_sweep_takes_batch_size_and_weight_decay_as_axes_and_matches_train():
    res = bl.sweep(XOR_X, XOR_Y, lr=[0.5, 1.0], seed=range(2), batch_size=[None, 7, 100], weight_decay=[0.0, 1e-3],
                   epochs=200, workers=1)
    assert len(res) == 2 * 2 * 3 * 2 and set(res.swept) == {"lr", "seed", "batch_size", "weight_decay"}
    assert {s["batch_size"] for s in res.settings} == {None, 7}          # 100 >= 21 samples: the full batch
    for k, s in enumerate(res.settings):
        hist = bl.train(bl.MLP(seed=s["seed"]), XOR_X, XOR_Y, epochs=200, lr=s["lr"], batch_size=s["batch_size"],
                        weight_decay=s["weight_decay"], print_fn=None)
        assert np.allclose(res.loss[k], hist.loss, rtol=1e-10, atol=0), s
        assert res.history(k).config["batch_size"] == s["batch_size"]
    table = res.table(by=["batch_size", "weight_decay"])
    assert table.splitlines()[0].split()[:2] == ["batch_size", "weight_decay"] and len(table.splitlines()) == 1 + 4
    with pytest.raises(ValueError, match="weight_decay must be a finite number >= 0"):
        bl.sweep(XOR_X, XOR_Y, weight_decay=[0.0, -1.0], epochs=2)


def test_sweep_records_each_networks_gradient_rms_as_train_does():
    res = bl.sweep(XOR_X, XOR_Y, activation=["sigmoid", "relu"], hidden=[(6, 6, 6), (6,)], seed=range(2), lr=0.1,
                   batch_size=[None, 7], epochs=30, record_gradients=True, workers=1)
    assert res.grad_rms.shape == (len(res), 30, 4)
    for k, s in enumerate(res.settings):
        hist = bl.train(bl.MLP((2, *s["hidden"], 1), activation=s["activation"], seed=s["seed"]), XOR_X, XOR_Y,
                        epochs=30, lr=0.1, batch_size=s["batch_size"], record_gradients=True, print_fn=None)
        assert np.allclose(res.history(k).grad_rms, hist.grad_rms, rtol=1e-8, atol=0), s
        if len(s["hidden"]) == 1:
            assert np.isnan(res.grad_rms[k, :, 2:]).all()        # two weight matrices: the rest padded
    assert bl.sweep(XOR_X, XOR_Y, epochs=3).grad_rms is None
