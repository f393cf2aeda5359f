"""Models, labels, settings and files that cannot work are refused before anything runs, with a message
that names the argument and says what to do; so are calls that would exhaust the machine's memory."""
import tracemalloc

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.model import _FORMAT
from backprop_lab.playground.panel_settings import check_data
from backprop_lab.validation import MAX_BYTES

X, Y = bl.generate_xor_easy()          # (21, 2), (21, 1)


def test_a_model_whose_output_width_does_not_match_the_labels_is_refused():
    # the case: Linear(2, 3) then Sigmoid gives 3 outputs per point, y has 1 column; it used
    # to train and report an accuracy of 142.9 % (63 correct outputs over 21 points)
    model = bl.Sequential(bl.Linear(2, 3, seed=0), bl.Sigmoid())
    with pytest.raises(ValueError, match=r"the model's output has shape \(21, 3\).*y has shape \(21, 1\).*"
                                         r"one column per output \(3\)"):
        bl.train(model, X, Y, epochs=5)
    with pytest.raises(ValueError, match=r"y has 1 feature column\(s\).*but 3 are expected"):
        bl.train(bl.MLP((2, 4, 3), seed=0), X, Y, epochs=5)          # an MLP knows its sizes


def test_an_empty_model_is_refused():
    with pytest.raises(ValueError, match=r"model Sequential\(\) has no layers"):
        bl.train(bl.Sequential(), X, Y, epochs=5)


@pytest.mark.parametrize("labels", [np.where(Y > 0, 5.0, 0.0), np.where(Y > 0, 1.0, -1.0), Y * 0.5])
def test_labels_outside_0_and_1_are_refused_alike_by_train_sweep_and_the_playground(labels):
    rule = r"y must hold class labels 0 and 1 \(an output above 0.5 counts as class 1\); got values"
    with pytest.raises(ValueError, match=rule):
        bl.train(bl.MLP(seed=0), X, labels, epochs=5)
    with pytest.raises(ValueError, match=rule):
        bl.sweep(X, labels, epochs=5)
    with pytest.raises(ValueError, match=rule):
        check_data((X, labels))
    bl.train(bl.MLP(seed=0), X, Y, epochs=1, print_fn=None)             # 0/1 labels are fine
    bl.train(bl.MLP(seed=0), X, Y.astype(bool), epochs=1, print_fn=None)


def test_mlp_sizes_must_be_a_sequence():
    with pytest.raises(TypeError, match=r"sizes must be a sequence of layer sizes such as \(2, 10, 10, 1\); got 5"):
        bl.MLP(5)
    with pytest.raises(TypeError, match="sizes must be a sequence"):
        bl.MLP("2-10-1")


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (True, TypeError)])
def test_a_seed_that_is_not_a_non_negative_int_is_refused(seed, error):
    with pytest.raises(error, match=rf"seed must be a non-negative integer such as 0.*got {seed!r}"):
        bl.MLP((2, 3, 1), seed=seed)
    with pytest.raises(error, match="seed must be a non-negative integer"):
        bl.Linear(2, 3, seed=seed)
    bl.MLP((2, 3, 1), seed=None)
    bl.MLP((2, 3, 1), seed=np.int64(3))


# --- memory ------------------------------------------------------------------------------------------

def _refused_cheaply(call, match):
    """``call`` raises MemoryError (a ValueError too) matching ``match`` having allocated under 10 MB."""
    tracemalloc.start()
    try:
        with pytest.raises(MemoryError, match=match) as info:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, ValueError)
    assert peak < 10 * 2**20, f"{peak / 2**20:.0f} MB allocated before the refusal"
    return str(info.value)


def test_a_huge_mlp_is_refused_before_anything_is_allocated():
    # 2·100000 + 100000·100000 + 100000 weights ≈ 1.0e10, twice (weights and gradients), 8 bytes each
    msg = _refused_cheaply(lambda: bl.MLP((2, 100000, 100000, 1)),
                           r"MLP\(\(2, 100000, 100000, 1\)\) would need 14\d\.\d GiB")
    assert f"the limit is {MAX_BYTES / 2**30:g} GiB" in msg


def test_a_file_declaring_huge_sizes_is_refused_before_anything_is_allocated(tmp_path):
    path = tmp_path / "huge.npz"
    np.savez(path, format=np.array(_FORMAT), **{"config/sizes": np.array([2, 100000, 100000, 1]),
                                                "config/activation": np.array("sigmoid"),
                                                "config/output_activation": np.array("sigmoid")})
    assert path.stat().st_size < 10_000
    _refused_cheaply(lambda: bl.load_model(path), r"load_model\(.*huge.npz'\) would need 14\d\.\d GiB")


def test_training_for_a_billion_epochs_is_refused_before_the_history_is_allocated():
    # loss and accuracy for 10⁹ epochs: 16 GB; snapshots of 151 weights at ~50 epochs are small
    _refused_cheaply(lambda: bl.train(bl.MLP(seed=0), X, Y, epochs=10**9),
                     r"train\(epochs=1000000000\) would need 1\d\.\d GiB")


def test_a_sweep_of_a_thousand_seeds_for_a_million_epochs_is_refused():
    # 1000 networks × 10⁶ epochs × (loss, accuracy) × 8 bytes = 16 GB, about 14.9 GiB
    _refused_cheaply(lambda: bl.sweep("xor", seed=range(1000), epochs=10**6),
                     r"sweep of 1000 networks × 1000000 epochs would need 1\d\.\d GiB")


# --- files ---------------------------------------------------------------------------------------------

def _saved(tmp_path, **change):
    model = bl.MLP((2, 3, 1), seed=0)
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays.update(change)
    np.savez(path, **arrays)
    return path


def test_a_file_whose_arrays_do_not_have_the_declared_shapes_is_refused(tmp_path):
    path = _saved(tmp_path, **{"param/0.weight": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"0.weight has shape \(3, 3\) but sizes=\[2, 3, 1\] need \(2, 3\)"):
        bl.load_model(path)


def test_a_file_with_sizes_that_are_not_integers_is_refused(tmp_path):
    path = _saved(tmp_path, **{"config/sizes": np.array([2.5, 3.0, 1.0])})
    with pytest.raises(ValueError, match=r"declares sizes=\[2.5, 3.0, 1.0\]; sizes must be a list of integers"):
        bl.load_model(path)


def test_a_file_with_nan_or_infinite_weights_is_refused(tmp_path):
    w = bl.MLP((2, 3, 1), seed=0).state_dict()["2.weight"]
    w[1, 0] = np.nan
    path = _saved(tmp_path, **{"param/2.weight": w})
    with pytest.raises(ValueError, match=r"2.weight holds NaN or infinite weights"):
        bl.load_model(path)


def test_saving_to_a_directory_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a directory; give a file name such as .*model.npz"):
        bl.MLP((2, 3, 1), seed=0).save(tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- after a run diverged -----------------------------------------------------------------------------

def test_predict_proba_after_a_diverged_run_raises_instead_of_returning_nan():
    # A sigmoid output keeps MSE finite, so only weights that overflow make it diverge: a linear
    # network under it with an absurd learning rate, whose weights reach inf at the first step.
    x, y = bl.generate_linear(100, seed=0)
    model = bl.MLP(activation="none", seed=0)
    h = bl.train(model, x, y, epochs=20, lr=1e200, print_fn=None)
    assert h.diverged
    with np.errstate(all="ignore"):
        out = model.forward(x)
    assert not np.isfinite(out).all()                     # what predict_proba used to return
    with pytest.raises(ValueError, match=r"predict_proba: the model's output is NaN or infinite for \d+ of 100 "
                                         r"points.*training diverged.*smaller learning rate"):
        with np.errstate(all="ignore"):
            model.predict_proba(x)
    with pytest.raises(ValueError, match="predict: the model's output is NaN"):
        with np.errstate(all="ignore"):
            model.predict(x)
