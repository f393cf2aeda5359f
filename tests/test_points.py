"""Points drawn by hand on the playground's picture (issue 22): a click adds a point of the chosen
class where it landed, "clear points" empties the data, and with fewer than two points of a class
the status says what is missing and nothing trains. The clicks are simulated at the pixels where the
panel draws the points (the browser test clicks the real picture)."""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.widgets import playground

pytestmark = pytest.mark.usefixtures("stop_panels")


def _click(panel, x1, x2, label):
    panel.view.points.label.value = label
    panel.view.points.click(*panel.view.pixel(x1, x2))
    assert panel.wait()


def test_a_pixel_and_the_point_it_shows_go_both_ways():
    panel = playground(controls=(), hidden=(4,), epochs=100)
    for point in [(0.0, 0.0), (0.25, 0.75), (1.0, 0.5)]:
        assert np.allclose(panel.view.plane_point(*panel.view.pixel(*point)), point)
    assert panel.view.plane_point(2, 2) is None                      # the learning curve's corner, not the plane


def test_a_click_adds_a_point_of_the_chosen_class_and_retrains():
    panel = playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=300)
    x0, y0 = panel.data
    _click(panel, 0.2, 0.8, 0)
    x, y = panel.data
    assert len(x) == len(x0) + 1 and np.allclose(x[-1], (0.2, 0.8)) and y[-1, 0] == 0
    assert np.array_equal(x[:-1], x0) and np.array_equal(y[:-1], y0)
    assert panel.live.x is x and f"/{len(x)})" in panel.status.value       # retrained on the new data
    assert "x, y, epochs=300" in panel.code_text                     # the call now names your data
    plain = bl.train(bl.MLP((2, 4, 1), seed=0), x, y, epochs=300, lr=1.0, print_fn=None)
    assert np.array_equal(panel.history.loss, plain.loss)


def test_clear_then_two_points_of_each_class_train():
    panel = playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=300)
    panel.view.points.clear_button.click()
    assert len(panel.data[0]) == 0
    assert "Not enough points to train: 0 red (class 0) and 0 blue (class 1)" in panel.status.value
    assert panel.live.epoch == 0 and not panel.playing
    for x1, x2, label in [(0.1, 0.1, 0), (0.9, 0.9, 0), (0.1, 0.9, 1)]:
        _click(panel, x1, x2, label)
    assert "2 red (class 0) and 1 blue (class 1)" in panel.status.value and panel.live.epoch == 0
    _click(panel, 0.9, 0.1, 1)
    assert panel.live.epoch == 300 and "Accuracy" in panel.status.value
    assert panel.data[1].ravel().tolist() == [0.0, 0.0, 1.0, 1.0]


def test_a_click_outside_the_plane_adds_nothing_and_says_where_to_click():
    panel = playground(controls=(), hidden=(4,), epochs=100)
    n = len(panel.data[0])
    panel.view.points.click(3, 3)
    assert len(panel.data[0]) == n and "Click inside the decision boundary's picture" in panel.view.note


def test_a_data_set_chosen_after_drawing_replaces_the_points():
    panel = playground(controls=("dataset",), hidden=(4,), epochs=100)
    _click(panel, 0.5, 0.5, 1)
    assert len(panel.data[0]) == 22
    panel.controls["dataset"].value = "linear"
    assert panel.wait()
    assert len(panel.data[0]) == 100 and 'bl.load_dataset("linear"' in panel.code_text
