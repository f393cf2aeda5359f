"""Plots, with the Agg backend (set in conftest.py): what is drawn, not how it looks.

Class 0 must be red and class 1 blue, as in the handout; predictions are thresholded before they are
coloured; one line per history; one line per weight in the network diagram.
"""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet

import backprop_lab as bl

RED, BLUE = to_rgba("tab:red"), to_rgba("tab:blue")


def _points_by_colour(ax):
    """{RGBA colour: number of points} over the scatter collections of ``ax``."""
    counts = {}
    for coll in ax.collections:
        if isinstance(coll, ContourSet):
            continue
        colours = coll.get_facecolors()
        assert len(colours) == 1  # one colour per class collection
        key = tuple(np.round(colours[0], 6))
        counts[key] = counts.get(key, 0) + len(coll.get_offsets())
    return counts


def _key(rgba):
    return tuple(np.round(rgba, 6))


def test_show_result_titles_colours_and_thresholded_predictions():
    x = np.array([[0.1, 0.2], [0.3, 0.9], [0.5, 0.5], [0.8, 0.1], [0.6, 0.7], [0.2, 0.4]])
    y = np.array([[0], [1], [1], [0], [1], [0]])
    # probabilities: 0.2 -> 0, 0.9 -> 1, 0.5 -> 0 (not > 0.5), 0.51 -> 1, 0.49 -> 0, 0.7 -> 1
    pred = np.array([[0.2], [0.9], [0.5], [0.51], [0.49], [0.7]])
    # thresholded: [0, 1, 0, 1, 0, 1] against labels [0, 1, 1, 0, 1, 0]: samples 2, 3, 4, 5 wrong
    axes = bl.show_result(x, y, pred)
    assert len(axes) == 2
    truth, predicted = axes
    assert truth.get_title() == "Ground truth"
    assert predicted.get_title().startswith("Predict result")
    assert predicted.get_title() == "Predict result (4 wrong)"
    assert _points_by_colour(truth) == {_key(RED): 3, _key(BLUE): 3}
    assert _points_by_colour(predicted) == {_key(RED): 3, _key(BLUE): 3}
    # and the right points: the blue points of the prediction panel are samples 1, 3 and 5
    blue = [c for c in predicted.collections if _key(c.get_facecolors()[0]) == _key(BLUE)][0]
    np.testing.assert_array_equal(np.asarray(blue.get_offsets()), x[[1, 3, 5]])


def test_show_result_with_perfect_predictions_and_own_axes():
    x, y = bl.generate_xor_easy()
    fig, axes = plt.subplots(1, 2)
    returned = bl.show_result(x, y, np.where(y == 1, 0.97, 0.03), axes=axes)
    assert returned is axes
    assert axes[1].get_title() == "Predict result (0 wrong)"
    assert _points_by_colour(axes[1]) == {_key(RED): 11, _key(BLUE): 10}


def test_show_result_refuses_mismatched_inputs():
    x, y = bl.generate_xor_easy()
    with pytest.raises(ValueError, match=r"pred has shape \(20, 1\) but y has shape \(21, 1\)"):
        bl.show_result(x, y, y[:20])
    with pytest.raises(ValueError, match=r"x has 20 points but y has 21 labels"):
        bl.show_result(x[:20], y, y)


def test_plot_learning_curves_one_line_per_history():
    histories = [bl.History(loss=np.array([1.0, 0.5, 0.25]), accuracy=np.array([0.5, 0.75, 1.0]),
                            config={"optimizer": "gd", "lr": 1.0}),
                 bl.History(loss=np.array([0.8, 0.6, 0.4, 0.3]), accuracy=np.array([0.5, 0.5, 0.75, 1.0]),
                            config={"optimizer": "adam", "lr": 0.01})]
    ax = bl.plot_learning_curves(histories)
    lines = ax.get_lines()
    assert len(lines) == 2
    for line, h in zip(lines, histories):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(h.loss) + 1))  # epochs from 1
        np.testing.assert_array_equal(line.get_ydata(), h.loss)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gd, lr=1", "adam, lr=0.01"]
    assert ax.get_title() == "Learning curves"


@pytest.mark.parametrize("n", [1, 3, 5])
def test_plot_learning_curves_overlays_n_trained_histories(n):
    x, y = bl.generate_xor_easy()
    histories = {f"lr={lr}": bl.train(bl.MLP(seed=0), x, y, epochs=20, lr=lr) for lr in [0.1, 0.5, 1.0, 2.0, 4.0][:n]}
    ax = bl.plot_learning_curves(histories, metric="accuracy")
    assert len(ax.get_lines()) == n
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(histories)
    assert ax.get_ylabel() == "accuracy" and ax.get_yscale() == "linear"


def test_plot_learning_curves_marks_a_diverged_run():
    x, y = bl.generate_linear(100, seed=0)
    diverged = bl.train(bl.MLP(activation="none", output_activation="none", seed=0), x, y, epochs=100, lr=10,
                        print_fn=lambda *a: None)
    fine = bl.train(bl.MLP(seed=0), x, y, epochs=10)
    ax = bl.plot_learning_curves([fine, diverged], labels=["fine", "diverged"])
    lines = ax.get_lines()
    assert len(lines) == 3  # two curves and the ✕ where the diverged one stopped
    marker = lines[2]
    assert marker.get_marker() == "x"
    assert list(marker.get_xdata()) == [diverged.diverged_at]
    assert marker.get_color() == lines[1].get_color()


def test_plot_learning_curves_label_count_must_match():
    h = bl.History(loss=np.array([1.0]), accuracy=np.array([1.0]))
    with pytest.raises(ValueError, match=r"got 2 labels for 1 histories"):
        bl.plot_learning_curves([h], labels=["a", "b"])
    with pytest.raises(ValueError, match=r"metric must be 'loss' or 'accuracy'"):
        bl.plot_learning_curves([h], metric="f1")


def test_plot_decision_boundary_draws_the_model_boundary():
    # ŷ = σ(10 (x2 - x1)): class 1 above the diagonal, the 0.5 contour is the line x2 = x1
    model = bl.MLP((2, 1), seed=0)
    model.load_state_dict({"0.weight": np.array([[-10.0], [10.0]]), "0.bias": np.zeros((1, 1))})
    x, y = bl.generate_linear(50, seed=1)
    ax = bl.plot_decision_boundary(model, x, y, resolution=41)
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    lines = [c for c in contours if not c.filled]
    assert len(lines) == 1
    # the output over the plane is drawn as one image (origin lower: row 0 is the bottom, x2 low)
    (image,) = ax.get_images()
    field = np.asarray(image.get_array())
    assert field.shape == (41, 41)
    assert field[-1, 0] > 0.99 and field[0, -1] < 0.01   # top-left is class 1, bottom-right class 0
    x0, x1, y0, y1 = image.get_extent()                   # every pixel is the model's output there
    g1, g0 = np.meshgrid(np.linspace(y0, y1, 41), np.linspace(x0, x1, 41), indexing="ij")
    np.testing.assert_allclose(field, 1 / (1 + np.exp(-10 * (g1 - g0))), atol=1e-12)
    assert list(lines[0].levels) == [0.5]
    vertices = np.concatenate([p.vertices for p in lines[0].get_paths()])
    assert len(vertices) > 10
    # on the diagonal, up to the linear interpolation between grid points (spacing ~0.03); a wrong
    # boundary (e.g. axes swapped into x2 = 1 - x1, or the wrong level) would be off by ~0.1 or more
    np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-3)
    assert np.ptp(vertices[:, 0]) > 0.8  # ... all the way across the plot
    assert _points_by_colour(ax) == {_key(RED): int((y == 0).sum()), _key(BLUE): int((y == 1).sum())}
    lo, hi = x.min(axis=0) - 0.1, x.max(axis=0) + 0.1
    np.testing.assert_allclose(ax.get_xlim(), (lo[0], hi[0]))
    np.testing.assert_allclose(ax.get_ylim(), (lo[1], hi[1]))
    assert ax.get_title() == "Decision boundary"


def test_plot_decision_boundary_without_labels_and_with_own_axes():
    fig, ax = plt.subplots()
    x, _ = bl.generate_xor_easy()
    assert bl.plot_decision_boundary(bl.MLP(seed=0), x, ax=ax, title="untrained") is ax
    assert ax.get_title() == "untrained"


def test_draw_network_one_line_per_weight():
    model = bl.MLP((2, 10, 10, 1), seed=0)
    ax = bl.draw_network(model)
    lines = ax.get_lines()
    assert len(lines) == 2 * 10 + 10 * 10 + 10 * 1 == 130
    weights = np.concatenate([lin.weight.ravel() for lin in model.linear_layers()])
    colours = [to_rgba(line.get_color()) for line in lines]
    assert colours.count(BLUE) == int((weights >= 0).sum())
    assert colours.count(RED) == int((weights < 0).sum())
    # the widest line is the largest |weight|: 0.2 + 2.8 = 3.0
    assert max(line.get_linewidth() for line in lines) == pytest.approx(3.0)
    # one column of neurons per layer: 2, 10, 10, 1
    assert [len(c.get_offsets()) for c in ax.collections] == [2, 10, 10, 1]


def test_draw_network_gradients():
    x, y = bl.generate_xor_easy()
    model = bl.MLP((2, 3, 1), seed=0)
    loss = bl.MSELoss()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    ax = bl.draw_network(model, values="grad")
    assert len(ax.get_lines()) == 2 * 3 + 3 * 1
    grads = np.concatenate([lin.weight_grad.ravel() for lin in model.linear_layers()])
    assert [to_rgba(line.get_color()) for line in ax.get_lines()].count(RED) == int((grads < 0).sum())
    assert ax.get_title().startswith("Gradients")
    with pytest.raises(ValueError, match=r"values must be 'weight' or 'grad'"):
        bl.draw_network(model, values="bias")


def test_figures_are_closed_between_tests():
    # conftest.py closes every figure after each test; the tests above each opened at least one
    assert plt.get_fignums() == []


def test_learning_curves_keep_the_finite_part_readable_when_a_run_diverges():
    """A diverging run (loss 15 -> 1e196 in a few epochs) no longer stretches the log axis to 1e100:
    the axis stops at ten times the largest starting loss, and the ✕ sits on its top edge."""
    x, y = bl.load_dataset("linear", seed=0)
    runs = {f"lr={lr:g}": bl.train(bl.MLP((2, 10, 10, 1), activation="none", output_activation="none", seed=0),
                                   x, y, epochs=15, lr=lr, print_fn=None) for lr in (0.003, 1.0)}
    assert runs["lr=1"].diverged and not runs["lr=0.003"].diverged
    ax = bl.plot_learning_curves(runs)
    bottom, top = ax.get_ylim()
    start = max(h.loss[0] for h in runs.values())
    assert top == pytest.approx(10 * start)
    assert bottom <= runs["lr=0.003"].loss.min() < top
    marks = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(marks) == 1 and marks[0].get_ydata()[0] == pytest.approx(top)
    assert any(t.get_text() == f"{runs['lr=1'].loss[-1]:.0e}" for t in ax.texts)
