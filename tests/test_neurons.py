"""Neuron maps: one image per unit, and each image holds that unit's activation, checked against a
forward pass written out by hand (x @ W + b, then the activation) at a few grid points."""
import numpy as np
import pytest
from matplotlib.image import AxesImage

import backprop_lab as bl


def _images(ax):
    return [a for a in ax.get_children() if isinstance(a, AxesImage)]


def _manual_layers(model, points):
    """Each Linear layer's activations at points (M, 2), by hand: [(M, n_units), ...]."""
    out, h = [], points
    for lin in model.linear_layers():
        h = h @ lin.weight + lin.bias
        i = model.layers.index(lin)
        h = model.layers[i + 1].function(h)
        out.append(h)
    return out


@pytest.mark.parametrize("sizes", [(2, 4, 1), (2, 5, 3, 1), (2, 3, 4, 2, 1)])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "none"])
def test_one_image_per_unit_holding_its_activation(sizes, activation):
    x, y = bl.generate_xor_easy()
    model = bl.MLP(sizes, activation=activation, seed=0)
    axes = bl.plot_neuron_maps(model, x, y, resolution=12)
    assert axes.shape == (len(sizes) - 1, max(sizes[1:]))     # one row per hidden layer, then the output
    grid, _ = bl.input_grid(x, resolution=12)
    manual = _manual_layers(model, grid.reshape(-1, 2))
    for row, n_units, by_hand in zip(axes, sizes[1:], manual):
        assert sum(len(_images(ax)) for ax in row) == n_units
        for j in range(n_units):
            (image,) = _images(row[j])
            drawn = np.asarray(image.get_array())            # (res, res), row i at height i
            np.testing.assert_allclose(drawn.ravel(), by_hand[:, j], rtol=1e-12, atol=1e-12)
        assert all(not ax.axison for ax in row[n_units:])     # spare axes switched off
    assert axes[0, 2].get_title() == "layer 1, unit 3"
    assert axes[-1, 0].get_title() == "output"


def test_neuron_outputs_at_a_few_points_match_a_manual_forward_pass():
    model = bl.MLP((2, 3, 2, 1), activation="tanh", seed=1)
    pts = np.array([[0.0, 0.0], [0.3, -1.2], [2.0, 0.5]])
    w1, w2, w3 = (lin.weight for lin in model.linear_layers())
    b1, b2, b3 = (lin.bias for lin in model.linear_layers())
    h1 = np.tanh(pts @ w1 + b1)                               # (3 points, 3 units)
    h2 = np.tanh(h1 @ w2 + b2)                                # (3, 2)
    out = bl.sigmoid(h2 @ w3 + b3)                            # (3, 1)
    got = bl.neuron_outputs(model, pts)
    assert [g.shape for g in got] == [(3, 3), (2, 3), (1, 3)]  # (n_units, n_points)
    for g, expected in zip(got, [h1, h2, out]):
        np.testing.assert_allclose(g, expected.T, rtol=1e-12)
    np.testing.assert_allclose(got[-1][0], model.forward(pts)[:, 0], rtol=1e-12)


def test_grid_shape_is_kept_and_sequential_models_work():
    model = bl.Sequential(bl.Linear(2, 4, seed=0), bl.ReLU(), bl.Linear(4, 1, seed=1), bl.Sigmoid())
    grid, extent = bl.input_grid(np.array([[0.0, 0.0], [1.0, 2.0]]), resolution=7, padding=0.0)
    assert grid.shape == (7, 7, 2) and extent == (0.0, 1.0, 0.0, 2.0)
    hidden, output = bl.neuron_outputs(model, grid)
    assert hidden.shape == (4, 7, 7) and output.shape == (1, 7, 7)
    np.testing.assert_allclose(output[0, 3, 5], model.forward(grid[3, 5][None])[0, 0], rtol=1e-12)
    axes = bl.plot_neuron_maps(model, grid.reshape(-1, 2), resolution=7)
    assert [sum(len(_images(ax)) for ax in row) for row in axes] == [4, 1]


def test_colour_range_fixed_for_bounded_activations_and_own_range_otherwise():
    x, y = bl.generate_xor_easy()
    for activation, fixed in [("sigmoid", (0.0, 1.0)), ("tanh", (-1.0, 1.0)), ("relu", None), ("none", None)]:
        model = bl.MLP((2, 3, 1), activation=activation, seed=0)
        axes = bl.plot_neuron_maps(model, x, y, resolution=10)
        hidden = bl.neuron_outputs(model, bl.input_grid(x, resolution=10)[0])[0]
        expected = fixed or (hidden.min(), hidden.max())
        for ax in axes[0]:
            np.testing.assert_allclose(_images(ax)[0].get_clim(), expected)
        assert _images(axes[1, 0])[0].get_clim() == (0.0, 1.0)   # sigmoid output


def test_refuses_points_that_are_not_on_the_plane():
    model = bl.MLP((2, 3, 1), seed=0)
    with pytest.raises(ValueError, match=r"x must hold points of the 2-D input plane.*x\[:, :2\]"):
        bl.plot_neuron_maps(model, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"x must be a 2-D array"):
        bl.plot_neuron_maps(model, np.zeros(5))
    with pytest.raises(ValueError, match=r"grid must hold 2-D input points"):
        bl.neuron_outputs(model, np.zeros((4, 3)))


def test_refuses_a_model_without_two_inputs():
    model = bl.MLP((3, 4, 1), seed=0)
    with pytest.raises(ValueError, match=r"model must take 2 inputs.*Linear\(3, 4\).*bl.MLP\(\(2, 10, 10, 1\)\)"):
        bl.plot_neuron_maps(model, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"model must take 2 inputs"):
        bl.neuron_outputs(model, np.zeros((5, 2)))
