"""Saving and loading models: a plain .npz round trip, and clear errors for anything else."""
import zipfile

import numpy as np
import pytest

import backprop_lab as bl


@pytest.fixture
def trained():
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 10, 10, 1), activation="tanh", output_activation="sigmoid", seed=1, init="xavier")
    bl.train(model, x, y, epochs=50, lr=0.5)
    return model, x


def test_round_trip_gives_identical_predictions_sizes_and_activations(tmp_path, trained):
    model, x = trained
    path = tmp_path / "m.npz"
    model.save(path)
    loaded = bl.load_model(path)
    assert isinstance(loaded, bl.MLP)
    assert loaded.sizes == (2, 10, 10, 1)
    assert (loaded.activation, loaded.output_activation, loaded.init) == ("tanh", "sigmoid", "xavier")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))  # bit for bit
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value)


def test_loaded_model_is_trainable(tmp_path, trained):
    # load_model writes into the new model's parameters in place, so train() (which steps the flat
    # buffer behind them) must move the loaded weights
    model, x = trained
    model.save(tmp_path / "m.npz")
    loaded = bl.load_model(tmp_path / "m.npz")
    before = loaded.predict_proba(x)
    bl.train(loaded, x, bl.generate_xor_easy()[1], epochs=5, lr=0.5)
    assert not np.array_equal(loaded.predict_proba(x), before)


def test_load_into_a_model_of_the_same_architecture(tmp_path, trained):
    model, x = trained
    path = tmp_path / "weights.npz"
    model.save(path)
    other = bl.MLP((2, 10, 10, 1), activation="tanh", seed=99)
    assert not np.array_equal(other.predict_proba(x), model.predict_proba(x))
    assert other.load(path) is other
    np.testing.assert_array_equal(other.predict_proba(x), model.predict_proba(x))


def test_path_without_suffix(tmp_path, trained):
    # np.savez appends ".npz"; loading with the same name as saving must still work
    model, x = trained
    model.save(tmp_path / "model")
    assert (tmp_path / "model.npz").exists()
    np.testing.assert_array_equal(bl.load_model(tmp_path / "model").predict_proba(x), model.predict_proba(x))


def test_the_file_is_plain_arrays_without_pickles(tmp_path, trained):
    model, _ = trained
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as f:
        files = {k: f[k] for k in f.files}
    assert str(files["format"]) == "backprop_lab.model.v1"
    np.testing.assert_array_equal(files["config/sizes"], [2, 10, 10, 1])
    assert str(files["config/activation"]) == "tanh"
    np.testing.assert_array_equal(files["param/0.weight"], model.layers[0].weight)
    assert all(arr.dtype != object for arr in files.values())


# --- files that are not saved models -----------------------------------------------------------------

def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("these are not weights\n")
    with pytest.raises(ValueError, match=r"notes\.txt'? is not a saved backprop_lab model"):
        bl.load_model(path)
    with pytest.raises(ValueError, match=r"is not a saved backprop_lab model"):
        bl.MLP(seed=0).load(path)


def test_npz_without_the_marker_is_refused(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, w=np.zeros((2, 10)))
    marker = r"arrays\.npz'? is not a saved backprop_lab model \(no 'backprop_lab\.model\.v1' marker\)"
    with pytest.raises(ValueError, match=marker):
        bl.load_model(path)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip file"], ids=["empty", "corrupt-zip"])
def test_empty_or_corrupt_file_is_refused_with_our_error(tmp_path, content):
    # an interrupted save leaves such files; NumPy alone raises EOFError / zipfile.BadZipFile here
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"broken\.npz'? is not a saved backprop_lab model"):
        bl.load_model(path)


def test_npz_with_a_pickled_array_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, format=np.array("backprop_lab.model.v1"), payload=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"is not a saved backprop_lab model"):
        bl.load_model(path)


def test_weights_of_a_different_architecture_are_refused(tmp_path, trained):
    model, _ = trained
    path = tmp_path / "m.npz"
    model.save(path)
    with pytest.raises(ValueError, match=r"do not match this model's architecture: 0\.weight has shape \(2, 10\) "
                                         r"in the file but \(2, 4\) in the model"):
        bl.MLP((2, 4, 10, 1)).load(path)
    with pytest.raises(ValueError, match=r"do not match this model's architecture: missing \[\], "
                                         r"unexpected \['4\.bias', '4\.weight'\]"):
        bl.MLP((2, 10, 10)).load(path)


@pytest.mark.parametrize("sizes", [(2, 10, 10), (2, 10, 10, 3)])
def test_failed_load_leaves_the_model_unchanged(tmp_path, trained, sizes):
    # (2, 10, 10, 3): the first four arrays fit, only the last layer's do not; nothing may be copied
    model, x = trained
    model.save(tmp_path / "m.npz")
    other = bl.MLP(sizes, seed=0)
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"do not match this model's architecture"):
        other.load(tmp_path / "m.npz")
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no saved model at .*nowhere\.npz"):
        bl.load_model(tmp_path / "nowhere.npz")


def test_weights_of_a_sequential_need_a_model_to_load_into(tmp_path):
    seq = bl.Sequential(bl.Linear(2, 3, seed=0), bl.Sigmoid())
    path = tmp_path / "seq.npz"
    seq.save(path)
    with pytest.raises(ValueError, match=r"without an architecture.*model\.load\(path\)"):
        bl.load_model(path)
    target = bl.Sequential(bl.Linear(2, 3, seed=5), bl.Sigmoid())
    target.load(path)
    np.testing.assert_array_equal(target.layers[0].weight, seq.layers[0].weight)
    assert zipfile.is_zipfile(path)
