"""Every bad input gets an error of ours (ValueError / TypeError, RuntimeError for backward before
forward) whose message names the offending argument, never a NumPy traceback or a silent broadcast."""
import numpy as np
import pytest

import backprop_lab as bl


@pytest.fixture
def xy():
    return bl.generate_xor_easy()


@pytest.fixture
def model():
    return bl.MLP((2, 10, 10, 1), seed=0)


# --- x and y in train() -------------------------------------------------------------------------------

def test_x_must_be_2d(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"x must be a 2-D array.*got shape \(42,\)"):
        bl.train(model, x.ravel(), y, epochs=1)
    with pytest.raises(ValueError, match=r"x must be a 2-D array.*got shape \(21, 2, 1\)"):
        bl.train(model, x[..., None], y, epochs=1)


def test_x_must_have_the_models_number_of_features(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"x has 3 feature column\(s\).*2 are expected"):
        bl.train(model, np.hstack([x, x[:, :1]]), y, epochs=1)
    with pytest.raises(ValueError, match=r"x has 1 feature column"):
        model.predict_proba(x[:, :1])
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        model.layers[0].forward(x[:, :1])


def test_x_and_y_must_have_the_same_length(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"x and y must have the same number of samples.*x with 21 and y with 20"):
        bl.train(model, x, y[:20], epochs=1)


def test_y_of_shape_n_is_refused_in_train_not_broadcast(model, xy):
    x, y = xy
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"y has shape \(21,\).*y\.reshape\(-1, 1\)"):
        bl.train(model, x, y.ravel(), epochs=1)
    for k, v in model.state_dict().items():  # refused before anything was trained
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("loss", [bl.MSELoss(), bl.BCELoss()])
def test_y_of_shape_n_is_refused_by_the_losses(loss):
    pred = np.full((4, 1), 0.5)
    with pytest.raises(ValueError, match=r"target has shape \(4,\).*no broadcasting.*target\.reshape\(-1, 1\)"):
        loss.forward(pred, np.array([0.0, 1.0, 1.0, 0.0]))
    # and the (n, 1) form works: no (n, n) array anywhere, the mean of 4 squared errors of 0.5 is 0.25
    if isinstance(loss, bl.MSELoss):
        assert loss.forward(pred, np.array([[0.0], [1.0], [1.0], [0.0]])) == 0.25
        assert loss.backward().shape == (4, 1)


def test_y_of_shape_n_is_refused_by_accuracy_and_print_predictions():
    y = np.array([[0], [1], [1]])
    pred = np.array([[0.2], [0.7], [0.9]])
    with pytest.raises(ValueError, match=r"y must be a 2-D array.*y\.reshape\(-1, 1\)"):
        bl.accuracy(y.ravel(), pred)
    with pytest.raises(ValueError, match=r"pred must be a 2-D array"):
        bl.accuracy(y, pred.ravel())
    with pytest.raises(ValueError, match=r"y must be a 2-D array"):
        bl.print_predictions(y.ravel(), pred)
    with pytest.raises(ValueError, match=r"pred has shape \(2, 1\) but y has shape \(3, 1\)"):
        bl.accuracy(y, pred[:2])


def test_y_of_shape_n_is_refused_by_the_gradient_check(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"y has shape \(21,\)"):
        bl.check_model_gradients(model, x, y.ravel())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_in_x_are_refused(model, xy, bad):
    x, y = xy
    x = x.copy()
    x[3, 1] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\) \(first in row 3\)"):
        bl.train(model, x, y, epochs=1)
    with pytest.raises(ValueError, match=r"x contains"):
        model.predict(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_in_y_are_refused(model, xy, bad):
    x, y = xy
    y = y.astype(float)
    y[5, 0] = bad
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite value\(s\) \(first in row 5\)"):
        bl.train(model, x, y, epochs=1)
    with pytest.raises(ValueError, match=r"y contains"):
        bl.accuracy(y, np.zeros_like(y))


def test_empty_data_is_refused(model):
    with pytest.raises(ValueError, match=r"x is empty"):
        bl.train(model, np.empty((0, 2)), np.empty((0, 1)), epochs=1)
    with pytest.raises(ValueError, match=r"y is empty"):
        bl.accuracy(np.empty((0, 1)), np.empty((0, 1)))


def test_non_numeric_data_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"x must be a numeric array"):
        bl.train(model, [["a", "b"]], [[0]], epochs=1)


def test_bce_targets_outside_0_1_are_refused(model, xy):
    x, _ = xy
    y = np.where(np.arange(21) % 2 == 0, -1.0, 1.0).reshape(21, 1)  # labels -1/+1: a common mistake
    with pytest.raises(ValueError, match=r"y must hold class labels 0 and 1.*got values \[-1.0, 1.0\]"):
        bl.train(model, x, y, epochs=1, loss="bce")          # train's rule for labels comes first
    with pytest.raises(ValueError, match=r"target values must lie in \[0, 1\]"):
        bl.BCELoss().forward(np.full((2, 1), 0.5), np.array([[0.0], [2.0]]))


# --- learning rates and epochs -------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [0, -0.1, np.nan, np.inf, -np.inf])
def test_bad_learning_rate_values(model, xy, lr):
    x, y = xy
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        bl.train(model, x, y, epochs=1, lr=lr)
    for cls in (bl.GD, bl.Momentum, bl.Adam):
        with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
            cls(lr)


@pytest.mark.parametrize("lr", ["0.1", [0.1], True, 1j])
def test_non_numeric_learning_rate(model, xy, lr):
    x, y = xy
    with pytest.raises(TypeError, match=r"lr must be a positive number"):
        bl.train(model, x, y, epochs=1, lr=lr)
    for cls in (bl.GD, bl.Momentum, bl.Adam):
        with pytest.raises(TypeError, match=r"lr must be a positive number"):
            cls(lr)


def test_learning_rate_given_twice_is_refused(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"lr=0.5 was given together with the optimizer object"):
        bl.train(model, x, y, epochs=1, optimizer=bl.GD(0.1), lr=0.5)


@pytest.mark.parametrize("beta", [-0.1, 1.0, np.nan])
def test_bad_momentum_and_adam_betas(beta):
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        bl.Momentum(0.1, beta=beta)
    with pytest.raises(ValueError, match=r"beta1 must be in \[0, 1\)"):
        bl.Adam(0.1, beta1=beta)
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        bl.Adam(0.1, beta2=beta)


@pytest.mark.parametrize("epochs", [0, -5])
def test_epochs_below_one(model, xy, epochs):
    x, y = xy
    with pytest.raises(ValueError, match=rf"epochs must be >= 1; got {epochs}"):
        bl.train(model, x, y, epochs=epochs)


@pytest.mark.parametrize("epochs", [2.5, 10.0, "10", None, True])
def test_non_integer_epochs(model, xy, epochs):
    x, y = xy
    with pytest.raises(TypeError, match=r"epochs must be an integer"):
        bl.train(model, x, y, epochs=epochs)


def test_numpy_integer_epochs_are_fine(model, xy):
    x, y = xy
    assert len(bl.train(model, x, y, epochs=np.int64(3)).loss) == 3


@pytest.mark.parametrize("name", ["log_every", "snapshot_every"])
def test_bad_logging_intervals(model, xy, name):
    x, y = xy
    with pytest.raises(ValueError, match=rf"{name} must be >= 1"):
        bl.train(model, x, y, epochs=1, **{name: 0})


# --- layer sizes and names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes, index", [((2, 0, 1), 1), ((2, 10, -3, 1), 2), ((0, 1), 0), ((2, 10, 0), 2)])
def test_mlp_layer_size_below_one(sizes, index):
    with pytest.raises(ValueError, match=rf"sizes\[{index}\] \(a layer size\) must be >= 1"):
        bl.MLP(sizes)


def test_mlp_layer_size_not_an_integer():
    with pytest.raises(TypeError, match=r"sizes\[1\] \(a layer size\) must be an integer"):
        bl.MLP((2, 10.5, 1))


def test_mlp_needs_two_sizes():
    with pytest.raises(ValueError, match=r"sizes needs at least an input and an output size"):
        bl.MLP((2,))


@pytest.mark.parametrize("args, name", [((0, 3), "in_features"), ((3, 0), "out_features"), ((-1, 2), "in_features")])
def test_linear_size_below_one(args, name):
    with pytest.raises(ValueError, match=rf"{name} must be >= 1"):
        bl.Linear(*args)


def test_unknown_activation_lists_the_valid_names():
    expected = r"unknown activation 'softmax'; valid names are: identity, linear, none, relu, sigmoid, tanh"
    with pytest.raises(ValueError, match=expected):
        bl.MLP(activation="softmax")
    with pytest.raises(ValueError, match=r"unknown activation 'step'; valid names are: .*sigmoid"):
        bl.MLP(output_activation="step")
    with pytest.raises(TypeError, match=r"activation must be a name"):
        bl.MLP(activation=3)


def test_activation_names_and_objects():
    model = bl.MLP((2, 3, 1), activation=bl.Tanh(), output_activation=None, seed=0)
    assert [type(layer) for layer in model.layers] == [bl.Linear, bl.Tanh, bl.Linear, bl.Identity]
    assert (model.activation, model.output_activation) == ("tanh", "none")
    assert isinstance(bl.MLP((2, 3, 1), activation=" ReLU ").layers[1], bl.ReLU)


def test_unknown_loss_lists_the_valid_names(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; valid names are: bce, mse"):
        bl.train(model, x, y, epochs=1, loss="hinge")


def test_unknown_optimizer_lists_the_valid_names(model, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'; valid names are: adam, gd, momentum, sgd"):
        bl.train(model, x, y, epochs=1, optimizer="rmsprop")


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown dataset 'moons'; valid names are: circles, linear, spiral, xor"):
        bl.load_dataset("moons")


def test_unknown_init_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"unknown init 'he'; valid names are: normal, xavier"):
        bl.MLP(init="he")


def test_bad_generator_sizes():
    with pytest.raises(ValueError, match=r"n must be >= 1"):
        bl.generate_linear(0)
    with pytest.raises(ValueError, match=r"n must be >= 2"):
        bl.generate_circles(1)
    with pytest.raises(TypeError, match=r"n must be an integer"):
        bl.generate_spiral(10.0)


# --- backward before forward ------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [bl.Linear(2, 3, seed=0), bl.Sigmoid(), bl.Tanh(), bl.ReLU(), bl.Identity()],
                         ids=lambda layer: type(layer).__name__)
def test_layer_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match=rf"{type(layer).__name__}\.backward\(\) was called before forward\(\)"):
        layer.backward(np.ones((1, 3)))


@pytest.mark.parametrize("loss", [bl.MSELoss(), bl.BCELoss()], ids=lambda loss: type(loss).__name__)
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match=rf"{type(loss).__name__}\.backward\(\) was called before forward"):
        loss.backward()


def test_model_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"Sigmoid\.backward\(\) was called before forward"):
        bl.MLP(seed=0).backward(np.ones((1, 1)))


def test_backward_with_a_gradient_of_the_wrong_shape():
    layer = bl.Sigmoid()
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"grad_out has shape \(4, 1\) but the last forward output had shape \(4, 3\)"):
        layer.backward(np.ones((4, 1)))


def test_sequential_refuses_non_layers():
    with pytest.raises(TypeError, match=r"layer 1 must be a backprop_lab layer"):
        bl.Sequential(bl.Linear(2, 2), np.tanh)


def test_a_loss_refuses_nan_targets():
    pred = np.full((3, 1), 0.5)
    for loss in (bl.MSELoss(), bl.BCELoss()):
        with pytest.raises(ValueError, match="target contains NaN"):
            loss.forward(pred, np.array([[0.0], [np.nan], [1.0]]))


def test_a_model_refuses_things_that_are_not_layers():
    with pytest.raises(TypeError, match="layer 1 must be a backprop_lab layer"):
        bl.Sequential(bl.Linear(2, 3, seed=0), np.tanh)


def test_one_optimizer_refuses_two_parameters_with_the_same_name():
    # Two separate layers both call their weight "weight": sharing one momentum velocity between
    # them would silently mix their updates.
    a, b = bl.Linear(2, 2, seed=0), bl.Linear(2, 2, seed=1)
    opt = bl.Momentum(0.1)
    opt.step(a.parameters())
    with pytest.raises(ValueError, match="both named 'weight'"):
        opt.step(b.parameters())
