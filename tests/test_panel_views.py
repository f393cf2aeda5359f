"""The playground's TensorFlow-Playground controls and views (issue 22): batch size, L2 and input
features as controls, and the three pictures (boundary, network, gradients).

Each control must give the run its reproducing call names: the call shown under the panel is run
here and must give the panel's numbers bit for bit. The pictures are checked by what they show: the
network picture's node maps are the units' maps, its edges have the weights' colours, its output
node maps clicks to points of the plane; the gradients picture draws one line per weight matrix
with the recorded ``grad_rms``.
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.figures.network import node_values
from backprop_lab.playground.controls import FULL_BATCH
from backprop_lab.playground.drawing import MAX_POINTS, OUTPUT_GRADIENT_COLOUR, thin
from backprop_lab.playground.images import colour_image, colour_table
from backprop_lab.playground.live import LiveRun
from backprop_lab.playground.network_picture import EDGE_RGB, NetworkPicture
from backprop_lab.widgets import PanelCanvas, playground, render_network, render_run

pytestmark = pytest.mark.usefixtures("stop_panels")

XOR_FEATURES = ("x1", "x2", "x1*x2")


def _run_shown_call(panel):
    """Run the call shown under the panel; return its History."""
    namespace = {"bl": bl}
    exec(panel.code_text.replace("bl.train(", "history = bl.train(", 1), namespace)
    return namespace["history"]


def _same(panel, history):
    np.testing.assert_array_equal(panel.history.loss, history.loss)
    for name, value in history.model.state_dict().items():
        np.testing.assert_array_equal(panel.model.state_dict()[name], value)


def test_every_panel_control_is_offered_and_the_new_ones_start_at_the_lab_s_settings():
    panel = playground(epochs=200)
    for name in ("batch_size", "weight_decay", "features"):
        assert name in panel.controls
    assert panel.controls["batch_size"].value == FULL_BATCH and panel.controls["batch_size"].label == "full"
    assert panel.controls["weight_decay"].value == 0.0
    assert panel.controls["features"].value == ("x1", "x2")
    assert panel.settings()["batch_size"] is None                # the menu's "full" is the setting None
    assert "batch_size" not in panel.code_text and "weight_decay" not in panel.code_text


def test_the_three_controls_change_the_run_as_the_call_shown_says():
    panel = playground(controls=("batch_size", "weight_decay", "features"), hidden=(4,), lr=1.0, epochs=300)
    panel.controls["batch_size"].value = 4
    assert panel.wait()
    panel.controls["weight_decay"].value = 0.01
    assert panel.wait()
    panel.controls["features"].buttons["x1*x2"].value = True
    assert panel.wait() and panel.last_error is None
    code = panel.code_text
    assert 'bl.add_features(x, ["x1", "x2", "x1*x2"]), y' in code
    assert "batch_size=4, shuffle_seed=0" in code and "weight_decay=0.01" in code
    assert panel.model.sizes == (3, 4, 1)                            # one input per feature
    shown = _run_shown_call(panel)
    _same(panel, shown)
    x, y = bl.load_dataset("xor", seed=0)                            # and that call is the one we mean
    direct = bl.train(bl.MLP((3, 4, 1), seed=0), bl.add_features(x, XOR_FEATURES), y, epochs=300, lr=1.0,
                      batch_size=4, shuffle_seed=0, weight_decay=0.01, print_fn=None)
    _same(panel, direct)
    assert panel.history.config["batch_size"] == 4 and panel.history.config["weight_decay"] == 0.01


def test_a_run_in_chunks_shuffles_as_one_train_call():
    """Play trains a run a chunk at a time; the batches' order must go on from chunk to chunk."""
    x, y = bl.load_dataset("linear", seed=3)
    run = LiveRun(bl.MLP((2, 5, 1), seed=3), x, y, epochs=60, optimizer=bl.get_optimizer("gd", 0.5), loss="mse",
                  batch_size=16, shuffle_seed=3)
    for n in (7, 1, 20, 32):
        run.advance(n)
    plain = bl.train(bl.MLP((2, 5, 1), seed=3), x, y, epochs=60, lr=0.5, batch_size=16, shuffle_seed=3,
                     record_gradients=True, print_fn=None)
    np.testing.assert_array_equal(run.loss, plain.loss)
    np.testing.assert_array_equal(run.grad_rms, plain.grad_rms)


def test_features_are_the_network_s_inputs_and_the_pictures_stay_on_the_plane():
    panel = playground(controls=("features",), features=XOR_FEATURES, hidden=(), lr=1.0, epochs=4000)
    assert panel.last_error is None
    assert panel.x.shape[1] == 2 and panel.live.inputs.shape[1] == 3
    np.testing.assert_array_equal(panel.live.inputs, bl.add_features(panel.x, XOR_FEATURES))
    assert "Accuracy: 100.0% (21/21)" in panel.status.value         # XOR without hidden layers, via x1*x2
    assert panel.view.plane_point(*panel.view.pixel(0.3, 0.7)) == pytest.approx((0.3, 0.7))


def test_no_input_at_all_is_refused_with_the_features_rule_s_message():
    panel = playground(controls=("features",), hidden=(4,), epochs=200, features=("x1",))
    before = panel.history
    panel.controls["features"].buttons["x1"].value = False           # the last input switched off
    panel.wait()
    assert "features must name at least one of x1, x2, x1^2" in panel.last_error
    assert panel.history is not None and np.array_equal(panel.history.loss, before.loss)   # nothing new trained


@pytest.mark.parametrize("setting, value, message", [
    ("batch_size", 0, "batch_size must be"),
    ("weight_decay", -0.1, "weight_decay"),
    ("features", ["x1", "x3"], r"unknown feature .x3.; valid names are: sin\(x1\)"),
])
def test_a_bad_value_of_a_new_setting_is_refused_naming_it(setting, value, message):
    with pytest.raises((ValueError, TypeError), match=message):
        playground(**{setting: value})


def test_a_value_not_on_a_menu_is_added_to_it():
    panel = playground(controls=("batch_size", "weight_decay"), hidden=(4,), epochs=100)
    panel.run(batch_size=7, weight_decay=0.02)
    assert panel.controls["batch_size"].value == 7 and panel.controls["weight_decay"].value == 0.02
    assert panel.history.config["batch_size"] == 7


# ---- the pictures -------------------------------------------------------------------------------------

def _png_pixels(data):
    import io

    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_the_picture_buttons_switch_what_the_image_shows():
    panel = playground(controls=("lr",), hidden=(6,), lr=1.0, epochs=300)
    shapes = {}
    for picture in ("boundary", "network", "gradients"):
        panel.pictures.value = picture                             # as a click on the button does
        assert panel.last_error is None and panel.image.format == "png"
        shapes[picture] = _png_pixels(panel.image.value)
    assert shapes["boundary"].shape == shapes["gradients"].shape   # the same canvas, another left plot
    assert not np.array_equal(shapes["boundary"], shapes["gradients"])
    assert shapes["network"].shape[1] == shapes["boundary"].shape[1]   # as wide as the other pictures
    panel.show_picture("boundary")
    np.testing.assert_array_equal(_png_pixels(panel.image.value), shapes["boundary"])
    with pytest.raises(ValueError, match="picture must be one of 'boundary', 'network', 'gradients'"):
        playground(picture="graph")


def test_a_replayed_epoch_keeps_its_picture_when_the_picture_changes():
    panel = playground(controls=("lr",), hidden=(6,), lr=1.0, epochs=500)
    shown = panel.show_epoch(100)
    panel.pictures.value = "network"
    model = panel.live.snapshot_model(panel.live.snapshot_epochs.index(shown))
    np.testing.assert_array_equal(_png_pixels(panel.image.value),
                                  NetworkPicture().pixels(model, panel.x, panel.y))
    assert f"Replay: epoch {shown}" in panel.status.value


def test_the_network_picture_shows_each_unit_s_map_in_its_node():
    x, y = bl.load_dataset("xor", seed=0)
    model = bl.train(bl.MLP((3, 4, 1), seed=0), bl.add_features(x, XOR_FEATURES), y, epochs=200, lr=1.0,
                     print_fn=None).model
    picture = NetworkPicture()
    rgb = picture.pixels(model, x, y, XOR_FEATURES)
    values, _ = node_values(model, x, XOR_FEATURES, 20)
    boxes = picture.layout.boxes
    assert [len(column) for column in boxes] == [3, 4, 1]          # one node per feature, unit and output
    lut = colour_table()
    for k, (left, top, size) in enumerate(boxes[1]):               # the hidden units: sigmoid, 0 to 1
        expected = colour_image(values[1][k][::-1], 0.0, 1.0, lut)
        idx = np.arange(size) * 20 // size
        np.testing.assert_array_equal(rgb[top + 1:top + size - 1, left + 1:left + size - 1],
                                      expected[idx][:, idx][1:-1, 1:-1])


def test_the_network_picture_colours_each_edge_by_its_weight_s_sign():
    model = bl.MLP((2, 1, 1), seed=0)
    first = model.parameters()[0].value
    first[:] = [[3.0], [-3.0]]                                       # x1 -> unit: positive; x2 -> unit: negative
    x = np.array([[0.0, 0.0], [1.0, 1.0]])
    picture = NetworkPicture()
    rgb = picture.pixels(model, x, None).astype(int)
    (l0, t0, s0), (l1, t1, s1) = picture.layout.boxes[0][0], picture.layout.boxes[0][1]
    (lu, tu, su), = picture.layout.boxes[1]
    for (left, top, size), rgb_expected in (((l0, t0, s0), EDGE_RGB[1]), ((l1, t1, s1), EDGE_RGB[0])):
        start = np.array((left + size, top + size / 2))
        end = np.array((lu, tu + su / 2))
        cx, cy = np.round(start + 0.3 * (end - start)).astype(int)   # on the edge, near its input
        pixel = rgb[cy, cx]
        assert np.argmax(pixel) == np.argmax(rgb_expected), (pixel, rgb_expected)


def test_a_click_on_the_network_picture_s_output_node_adds_a_point_there():
    panel = playground(controls=(), hidden=(4,), epochs=100, picture="network")
    n = len(panel.data[0])
    panel.view.points.label.value = 1
    panel.view.points.click(*panel.view.pixel(0.4, 0.6))
    assert panel.wait()
    x, y = panel.data
    assert len(x) == n + 1 and np.allclose(x[-1], (0.4, 0.6), atol=0.02) and y[-1, 0] == 1
    panel.view.points.click(5, 5)                                    # the column labels: not the plane
    assert "output node" in panel.view.note


def test_the_gradients_picture_draws_grad_rms_one_line_per_layer():
    panel = playground(controls=("lr",), hidden=(5, 5, 5), lr=1.0, epochs=400, picture="gradients")
    plain = bl.train(bl.MLP((2, 5, 5, 5, 1), seed=0), *bl.load_dataset("xor", seed=0), epochs=400, lr=1.0,
                     record_gradients=True, print_fn=None)
    np.testing.assert_array_equal(panel.history.grad_rms, plain.grad_rms)      # (400, 4): 4 weight matrices
    canvas = PanelCanvas()
    canvas.start(panel.x, panel.y, epochs=400)
    canvas.frame(plain.model, plain.loss, grad_rms=plain.grad_rms)
    shown = [line for line in canvas.gradient_lines if line.get_visible()]
    assert len(shown) == 4 and not canvas.train_line.get_visible()
    for j, line in enumerate(shown):
        np.testing.assert_array_equal(line.get_ydata(), plain.grad_rms[:, j])
    assert [t.get_text() for t in canvas.legend.get_texts()] == ["layer 1", "layer 2", "layer 3", "output"]
    assert canvas.ax_curve.get_ylabel() == "gradient"
    lo, hi = canvas.ax_curve.get_ylim()                                  # whole decades around every line
    assert lo <= plain.grad_rms.min() and hi >= plain.grad_rms.max()
    canvas.frame(plain.model, plain.loss)                                # and back to the loss
    assert canvas.train_line.get_visible() and not any(line.get_visible() for line in canvas.gradient_lines)


def test_a_long_curve_is_thinned_to_its_buckets_lows_and_highs():
    rng = np.random.default_rng(0)
    epochs = np.arange(1, 50_001)
    values = rng.uniform(0.1, 0.2, 50_000)
    values[12_345] = 5.0                                            # a spike: it must still be drawn
    values[40_000] = 1e-4
    xs, ys = thin(epochs, values)
    assert len(xs) == len(ys) <= MAX_POINTS + 50
    assert 5.0 in ys and 1e-4 in ys and 12_346 in xs and 40_001 in xs
    assert np.all(np.diff(xs) >= 0)                                  # still in epoch order
    short = np.arange(1, 101), values[:100]
    assert thin(*short)[0] is short[0] and thin(*short)[1] is short[1]


def test_a_network_deeper_than_the_colours_still_gets_a_line_per_layer():
    x, y = bl.load_dataset("xor", seed=0)
    h = bl.train(bl.MLP((2, 4, 4, 4, 4, 4, 4, 1), seed=0), x, y, epochs=50, lr=1.0, record_gradients=True,
                 print_fn=None)
    canvas = PanelCanvas()
    canvas.start(x, y, epochs=50)
    canvas.frame(h.model, h.loss, grad_rms=h.grad_rms)
    shown = [line for line in canvas.gradient_lines if line.get_visible()]
    assert len(shown) == 7 and len({(line.get_color(), line.get_linestyle()) for line in shown}) == 7


def test_the_pictures_as_plain_functions_for_a_notebook():
    x, y = bl.load_dataset("xor", seed=0)
    h = bl.train(bl.MLP((2, 6, 1), seed=0), x, y, epochs=200, lr=1.0, record_gradients=True, print_fn=None)
    np.testing.assert_array_equal(_png_pixels(render_network(h.model, x, y)), NetworkPicture().pixels(h.model, x, y))
    loss, grads = (_png_pixels(render_run(h.model, h, x, y, gradients=g)) for g in (False, True))
    assert loss.shape == grads.shape and not np.array_equal(loss, grads)
    plain = bl.train(bl.MLP((2, 6, 1), seed=0), x, y, epochs=20, lr=1.0, print_fn=None)
    with pytest.raises(ValueError, match="record_gradients=True"):
        render_run(plain.model, plain, x, y, gradients=True)


def test_the_output_layer_s_gradient_is_always_the_red_line():
    x, y = bl.load_dataset("xor", seed=0)
    canvas = PanelCanvas()
    canvas.start(x, y, epochs=20)
    for hidden in [(3,), (3, 3), (3, 3, 3, 3)]:
        h = bl.train(bl.MLP((2, *hidden, 1), seed=0), x, y, epochs=20, lr=1.0, record_gradients=True, print_fn=None)
        canvas.frame(h.model, h.loss, grad_rms=h.grad_rms)
        shown = [line for line in canvas.gradient_lines if line.get_visible()]
        assert len(shown) == len(hidden) + 1 and shown[-1].get_color() == OUTPUT_GRADIENT_COLOUR
        assert OUTPUT_GRADIENT_COLOUR not in [line.get_color() for line in shown[:-1]]
