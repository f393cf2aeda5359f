"""Input features and the network drawn as a graph (issue 22)."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.figures.network import node_values

XOR_X, XOR_Y = bl.generate_xor_easy()


def test_add_features_computes_each_named_column():
    x = np.array([[1.0, 2.0], [-0.5, 3.0]])
    got = bl.add_features(x, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    expected = np.array([[1.0, 2.0, 1.0, 4.0, 2.0, np.sin(1.0), np.sin(2.0)],
                         [-0.5, 3.0, 0.25, 9.0, -1.5, np.sin(-0.5), np.sin(3.0)]])
    assert np.array_equal(got, expected)
    assert np.array_equal(bl.add_features(x, "X1 * X2"), [[2.0], [-1.5]])        # one name; case and spaces


@pytest.mark.parametrize("names, error, match", [
    (["x1", "x3"], ValueError, r"unknown feature 'x3'; valid names are: .*x1\*x2"),
    ([], ValueError, "at least one"),
    (["x1", "x1"], ValueError, "twice"),
    (7, TypeError, "list of names"),
])
def test_bad_feature_names_are_refused(names, error, match):
    with pytest.raises(error, match=match):
        bl.add_features(XOR_X, names)


def test_add_features_wants_points_of_the_plane():
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        bl.add_features(np.ones((4, 3)), ["x1"])


def test_xor_with_the_product_and_no_hidden_layer_reaches_100_percent():
    names = ["x1", "x2", "x1*x2"]
    hist = bl.train(bl.MLP((3, 1), seed=0), bl.add_features(XOR_X, names), XOR_Y, epochs=4000, lr=1.0, print_fn=None)
    assert hist.final_accuracy == 1.0
    plain = bl.train(bl.MLP((2, 1), seed=0), XOR_X, XOR_Y, epochs=4000, lr=1.0, print_fn=None)
    assert plain.accuracy.max() <= 16 / 21 + 1e-12              # without the product: one line, 16 of 21 at best


def test_plot_network_draws_one_map_per_node_and_an_edge_per_weight():
    model = bl.MLP((2, 4, 3, 1), seed=0)
    fig = bl.plot_network(model, XOR_X, XOR_Y, resolution=12)
    ax = fig.axes[0]
    assert len(ax.images) == 2 + 4 + 3 + 1                      # inputs, hidden units, output
    assert len(ax.lines) == 2 * 4 + 4 * 3 + 3 * 1               # one edge per weight
    first = model.linear_layers()[0].weight
    widths = [line.get_linewidth() for line in ax.lines[:8]]
    assert np.argmax(widths) == np.argmax(np.abs(first).ravel())  # the thickest edge is the largest weight
    colours = [line.get_color() for line in ax.lines[:8]]
    assert [c == "tab:blue" for c in colours] == list((first > 0).ravel())
    plt.close(fig)


def test_node_values_are_what_each_node_computes():
    model = bl.MLP((2, 3, 1), seed=1)
    values, extent = node_values(model, XOR_X, resolution=5)
    grid, _ = bl.input_grid(XOR_X, 5)
    assert np.allclose(values[0][0], grid[..., 0]) and np.allclose(values[0][1], grid[..., 1])
    hidden = bl.neuron_outputs(model, grid)
    assert np.allclose(values[1], hidden[0]) and np.allclose(values[2], hidden[1])


def test_plot_network_with_features_shows_them_as_inputs():
    names = ["x1", "x2", "x1*x2"]
    model = bl.MLP((3, 1), seed=0)
    fig = bl.plot_network(model, XOR_X, XOR_Y, features=names, resolution=8)
    assert len(fig.axes[0].images) == 3 + 1
    assert [t.get_text() for t in fig.axes[0].texts][:3] == names
    with pytest.raises(ValueError, match="takes 3 inputs but features"):
        bl.plot_network(model, XOR_X, XOR_Y)
    plt.close(fig)
