"""The playground panel, headless: build it, set control values, check what the outputs hold.

No browser and no kernel: ipywidgets' Python side runs the same callbacks the front end would
trigger (a slider release sets ``.value``, ``button.click()`` fires ``on_click``). A control change
plays the new run in a worker thread, so every test waits for it (``panel.wait()``) before looking;
the ``stop_panels`` fixture (conftest.py) makes sure no worker outlives a test. Results are compared
with a plain ``bl.train`` of the same settings. Epochs are small; nothing here measures time.
This file: construction, the wiring of controls and buttons, errors, the reproducing call and the
picture. The live behaviour (cancel, pause/step/reset, neuron maps, held-out points, your own data,
any depth) is in test_playground_live.py.
"""
import io
import time

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.train import History
from backprop_lab.playground import live as live_module
from backprop_lab.playground import panel as panel_module
from backprop_lab.widgets import CONTROLS, DEFAULTS, PanelCanvas, Playground, format_call, playground, render_run

pytestmark = pytest.mark.usefixtures("stop_panels")

EPOCHS = 200
PNG = b"\x89PNG\r\n\x1a\n"


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def _shown(html_widget):
    return html_widget.layout.display != "none" and html_widget.value != ""


def _plain(dataset="xor", hidden=(10, 10), activation="sigmoid", output_activation="sigmoid", seed=0,
           init="normal", noise=0.0, **train_kwargs):
    """The run the panel should have made, written with the package directly."""
    model = bl.MLP((2, *hidden, 1), activation=activation, output_activation=output_activation, seed=seed, init=init)
    x, y = bl.load_dataset(dataset, seed=seed, noise=noise)
    return bl.train(model, x, y, print_fn=None, **train_kwargs)


def _assert_same_run(panel, expected: History):
    """The panel's run is exactly ``expected``: every loss, accuracy, snapshot epoch and weight."""
    got = panel.history
    np.testing.assert_array_equal(got.loss, expected.loss)
    np.testing.assert_array_equal(got.accuracy, expected.accuracy)
    assert got.snapshot_epochs == expected.snapshot_epochs
    assert got.diverged_at == expected.diverged_at
    weights, want = panel.model.state_dict(), expected.model.state_dict()
    assert weights.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(weights[name], want[name], err_msg=name)


@pytest.fixture
def runs(monkeypatch):
    """Every run the panel starts, in order (a ``LiveRun`` that records itself; it trains as usual)."""
    made = []

    class Recorded(panel_module.LiveRun):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(panel_module, "LiveRun", Recorded)
    return made


# --- construction ----------------------------------------------------------------------------------
def test_only_the_requested_controls_exist_and_the_rest_is_fixed():
    panel = playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=EPOCHS, hidden=(4, 3))
    assert list(panel.controls) == ["lr", "epochs"]
    tree = list(_descendants(panel.widget))
    assert all(w in tree for w in panel.controls.values())
    assert not any(isinstance(w, widgets.Dropdown) for w in tree)  # no dataset/activation/... menus
    # output_activation stays None ("follow the activation"); the run resolves it
    assert panel.settings() == {"dataset": "xor", "lr": 1.0, "hidden": (4, 3), "activation": "sigmoid",
                                "output_activation": None, "optimizer": "gd", "loss": "mse",
                                "epochs": EPOCHS, "seed": 0, "init": "normal", "noise": 0.0, "test": False,
                                "batch_size": None, "weight_decay": 0.0, "features": ("x1", "x2")}
    assert panel.live.settings["output_activation"] == "sigmoid"
    # it trained once, completely and in this thread, at construction, with exactly those settings
    assert not panel.playing and panel.live.done and panel.live.epoch == EPOCHS
    _assert_same_run(panel, _plain(hidden=(4, 3), epochs=EPOCHS, lr=1.0))
    assert panel.model.sizes == (2, 4, 3, 1)
    assert panel.image.format == "png" and panel.image.value[:8] == PNG
    assert "Accuracy:" in panel.status.value and f"{EPOCHS} epochs" in panel.status.value
    assert not _shown(panel.message)
    assert panel.replay.max == EPOCHS and panel.replay.value == EPOCHS and not panel.replay.disabled
    assert panel.play_button.description == "Play"


def test_all_controls_have_descriptions_classes_and_no_continuous_update():
    panel = playground(epochs=EPOCHS)
    assert tuple(panel.controls) == CONTROLS
    assert set(CONTROLS) <= set(DEFAULTS)
    assert "bl-playground" in panel.widget._dom_classes
    for w, cls in [(panel.status, "bl-status"), (panel.message, "bl-message"), (panel.image, "bl-image"),
                   (panel.play_button, "bl-play"), (panel.step_button, "bl-step"),
                   (panel.reset_button, "bl-reset"), (panel.neurons_toggle, "bl-neurons-toggle"),
                   (panel.neurons, "bl-neurons"), (panel.replay, "bl-replay"), (panel.code, "bl-code")]:
        assert cls in w._dom_classes
    for name, w in panel.controls.items():
        assert f"bl-control-{name}" in w._dom_classes
        assert w.description
    assert panel.controls["lr"].description == "learning rate"
    assert panel.controls["hidden"].description == "hidden units"
    assert isinstance(panel.controls["lr"], widgets.FloatLogSlider)
    assert panel.controls["lr"].min == -5 and panel.controls["lr"].max == 2
    sliders = [w for w in _descendants(panel.widget)
               if isinstance(w, (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider))]
    hidden = panel.controls["hidden"]
    # lr, hidden layers + one slider per possible layer (3), epochs, noise, replay
    assert len(sliders) == 8 and panel.replay in sliders and hidden.layers in sliders
    assert all(s.continuous_update is False for s in sliders)
    assert panel.controls["seed"].continuous_update is False
    assert isinstance(panel.controls["test"], widgets.Checkbox)
    # Play/Pause is a toggle: the click carries what the person saw (issue 23, a click near the end of a run)
    assert isinstance(panel.play_button, widgets.ToggleButton) and panel.play_button.description == "Play"
    for button, text in [(panel.step_button, "Step"), (panel.reset_button, "Reset")]:
        assert isinstance(button, widgets.Button) and button.description == text
    assert isinstance(panel.neurons_toggle, widgets.ToggleButton) and panel.neurons_toggle.value is False


def test_unknown_control_names_raise_and_list_the_valid_ones():
    with pytest.raises(ValueError, match="'learning_rate'.*valid controls are: dataset, lr, hidden, activation, "
                                         "optimizer, loss, epochs, seed, init, noise, test"):
        playground(controls=("learning_rate", "epochs"))
    with pytest.raises(TypeError, match="controls must be a tuple of control names"):
        playground(controls=3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dataset": "moons"}, ValueError, "unknown dataset 'moons'; valid names are"),
    ({"lr": -1.0}, ValueError, "lr must be a finite number > 0"),
    ({"lr": "big"}, TypeError, "lr must be a positive number"),
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"hidden": (10, 0)}, ValueError, r"hidden\[1\]"),
    ({"activation": "softmax"}, ValueError, "unknown activation"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
    ({"init": "he"}, ValueError, "unknown init 'he'"),
    ({"noise": 2.0}, ValueError, "noise is the standard deviation"),
    ({"test": "yes"}, TypeError, "test must be True"),
    ({"loss": "bce", "activation": "none"}, ValueError, "Use output_activation='sigmoid'"),
    ({"colour": "red"}, ValueError, "unknown setting.*'colour'"),
])
def test_invalid_fixed_settings_raise_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        playground(controls=("lr",), **kwargs)


def test_the_panel_displays_as_its_root_widget():
    panel = playground(controls=("epochs",), epochs=EPOCHS)
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert repr(panel).startswith("Playground(controls=('epochs',)")


def test_playground_is_the_class_and_autorun_false_trains_nothing():
    assert isinstance(playground(controls=(), epochs=10), Playground)
    panel = Playground(controls=("lr",), epochs=10, autorun=False)
    assert panel.live is None and panel.history is None and panel.model is None and panel.code_text == ""
    assert panel.image.value == b""


# --- the wiring --------------------------------------------------------------------------------------
def test_releasing_the_lr_slider_retrains_and_updates_every_output(runs):
    panel = playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=EPOCHS)
    before = (panel.live, panel.image.value, panel.status.value, panel.code.value)
    assert "lr=1.0," in panel.code_text and len(runs) == 1
    panel.controls["lr"].value = 0.1
    assert panel.wait()
    assert len(runs) == 2 and panel.live is runs[1] is not before[0]
    assert panel.history.config["lr"] == 0.1 and panel.settings()["lr"] == 0.1
    _assert_same_run(panel, _plain(epochs=EPOCHS, lr=0.1))
    assert panel.image.value != before[1] and panel.image.format == "png"
    assert panel.status.value != before[2] and "Accuracy:" in panel.status.value
    assert "lr=0.1," in panel.code_text and "lr=0.1," in panel.code.value
    assert panel.code.value != before[3]
    assert panel.play_button.description == "Play" and "bl-running" not in panel.widget._dom_classes


def test_the_lr_used_is_the_value_the_slider_readout_shows():
    panel = playground(controls=("lr",), epochs=20, lr=0.0316)
    assert panel.history.config["lr"] == 0.0316  # the notebook's own value is kept exact
    panel.controls["lr"].value = 10 ** -1.5      # where a log-slider step lands: 0.0316227766...
    panel.wait()
    assert panel.history.config["lr"] == 0.032   # shown as "0.032" (see test_lr_readout.py)
    assert "lr=0.032," in panel.code_text


def test_the_replay_slider_shows_snapshots_without_retraining(runs):
    panel = playground(controls=("lr",), epochs=EPOCHS)
    live, final_png, status = panel.live, panel.image.value, panel.status.value
    assert len(runs) == 1
    every = EPOCHS // 50                                  # train's default snapshot interval
    panel.replay.value = 61
    assert len(runs) == 1 and panel.live is live and live.epoch == EPOCHS
    assert panel.image.value != final_png
    assert panel.replay.value == 61 // every * every      # snapped to the nearest snapshot: 60
    assert panel.replay.value in panel.history.snapshot_epochs
    assert panel.replay.step == every                     # one arrow key, one snapshot (issue 23)
    panel.replay.value = 0
    assert panel.image.value != final_png
    panel.replay.value = EPOCHS
    assert panel.image.value == final_png and panel.status.value == status
    assert len(runs) == 1


def test_the_status_line_describes_the_replayed_epoch():
    """Issue 23: while the replay showed epoch 600, the status still gave the final accuracy. Now it
    gives the accuracy, held-out accuracy and loss of the epoch shown, computed from its snapshot."""
    panel = playground(controls=("lr",), lr=1.0, epochs=EPOCHS, test=True)
    final_status = panel.status.value
    every = panel.live.every
    for epoch in (0, 3 * every, 10 * every):
        panel.replay.value = epoch
        model = panel.history.model_at(epoch)
        right = int(np.count_nonzero((model.forward(panel.x) > 0.5) == (panel.y > 0.5)))
        loss = float(bl.get_loss("mse").value(model.forward(panel.x), panel.y))
        test_right = round(panel.live.test_accuracy[panel.live.test_epochs.index(epoch)] * len(panel.live.y_test))
        status = panel.status.value
        assert status.startswith(f"Replay: epoch {epoch} of {EPOCHS} trained · ")
        assert f"accuracy {right / len(panel.y):.1%} ({right}/{len(panel.y)})" in status
        assert f"held-out: {test_right / len(panel.live.y_test):.1%} ({test_right}/{len(panel.live.y_test)})" in status
        assert f"loss {loss:.4f}" in status
    # epoch 0's loss is the first loss train recorded (the initial weights'); not the final one
    panel.replay.value = 0
    assert f"loss {panel.history.loss[0]:.4f}" in panel.status.value
    panel.replay.value = EPOCHS                           # back at the end: the run's own status line
    assert panel.status.value == final_status


def test_the_replayed_image_is_the_snapshot_model():
    panel = playground(controls=(), epochs=EPOCHS)
    assert panel.show_epoch(100) == 100 and panel.replay.value == 100
    expected = render_run(panel.history.model_at(100), panel.history, panel.x, panel.y, epoch=100)
    assert panel.image.format == "png" and panel.image.value == expected


def _carry_on_and_pause(panel, past):
    """Click Play, wait until the run is ``past`` epochs further than its setting, click Pause."""
    run, start = panel.live, panel.live.epoch
    panel.play_button.click()
    deadline = time.monotonic() + 60
    while run.epoch < start + past and time.monotonic() < deadline:
        time.sleep(0.01)
    panel.play_button.click()
    assert not panel.playing and panel.play_button.description == "Play"
    return run


def test_the_play_button_after_a_finished_run_trains_it_on(runs):
    """Issue 22: Play trains on past the epochs setting until Pause (TensorFlow Playground's Play)."""
    panel = playground(controls=("lr",), epochs=EPOCHS)
    first = panel.live
    run = _carry_on_and_pause(panel, 3 * first.every)
    assert len(runs) == 1 and run is first and run.epoch >= EPOCHS + 3 * run.every and run.epochs == run.epoch
    plain = bl.train(bl.MLP(seed=0), *bl.load_dataset("xor", seed=0), epochs=run.epoch, print_fn=None)
    assert np.array_equal(panel.history.loss, plain.loss)


def test_a_panel_without_controls_still_trains_on_the_button(runs):
    panel = playground(controls=(), epochs=EPOCHS)
    assert panel.controls == {}
    run = _carry_on_and_pause(panel, panel.live.every)
    assert len(runs) == 1 and run.epoch > EPOCHS


def test_divergence_shows_the_packages_message_and_no_exception():
    panel = playground(controls=("lr",), dataset="linear", activation="none", lr=1.0, epochs=EPOCHS)
    h = panel.history
    expected = _plain("linear", activation="none", output_activation="none", epochs=EPOCHS, lr=1.0)
    assert expected.diverged
    _assert_same_run(panel, expected)
    assert h.message == expected.message
    assert panel.model.output_activation == "none"  # activation="none": no activation anywhere
    assert h.message in panel.message.value and _shown(panel.message)
    assert f"Diverged at epoch {expected.diverged_at}" in panel.status.value
    assert panel.replay.max == h.epochs == expected.diverged_at - 1
    panel.controls["lr"].value = 100.0
    panel.wait()
    assert panel.history.diverged and "lr=100" in panel.message.value
    panel.controls["lr"].value = 1e-3
    panel.wait()
    assert not panel.history.diverged
    assert not _shown(panel.message)
    assert "Accuracy:" in panel.status.value


def test_invalid_control_values_show_a_message_not_a_traceback(runs):
    panel = playground(controls=("seed", "lr"), epochs=EPOCHS)
    live, png = panel.live, panel.image.value
    panel.controls["seed"].value = -1  # a student can type any number
    panel.wait()
    assert "seed must be &gt;= 0; got -1" in panel.message.value and _shown(panel.message)
    assert "color:#a40000" in panel.message.value                     # the red message box
    assert panel.last_error == "seed must be >= 0; got -1."
    assert panel.live is live and panel.image.value == png and len(runs) == 1
    assert "Not trained" in panel.status.value
    assert panel.play_button.description == "Play"
    panel.controls["seed"].value = 3  # fixing it clears the message and trains
    panel.wait()
    assert not _shown(panel.message) and panel.live is not live and panel.live.done
    assert panel.last_error is None
    _assert_same_run(panel, _plain(seed=3, epochs=EPOCHS, lr=bl.DEFAULT_LR["gd"]))


def test_invalid_programmatic_settings_show_a_message_and_run_returns_none(runs):
    panel = playground(controls=("dataset", "lr"), epochs=EPOCHS)
    live = panel.live
    assert panel.run(dataset="nope") is None
    assert "unknown dataset 'nope'; valid names are: circles, linear, spiral, xor." in panel.message.value
    assert panel.live is live and panel.controls["dataset"].value == "xor"
    assert panel.run(optimizer="rmsprop") is None  # a fixed setting, refused the same way
    assert "unknown optimizer 'rmsprop'" in panel.message.value
    assert panel.run(colour="red") is None
    assert "unknown setting(s) 'colour'" in panel.message.value
    assert len(runs) == 1
    h = panel.run(dataset="circles", lr=0.5)  # valid changes move the controls (without extra runs)
    assert len(runs) == 2 and not panel.playing
    assert h.config["lr"] == 0.5 and panel.controls["dataset"].value == "circles"
    assert panel.controls["lr"].value == 0.5 and not _shown(panel.message)
    _assert_same_run(panel, _plain("circles", epochs=EPOCHS, lr=0.5))


def test_an_unexpected_error_is_shown_not_raised(monkeypatch):
    panel = playground(controls=("lr",), epochs=EPOCHS)

    def broken(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(live_module, "train", broken)
    panel.run()                        # in this thread: no exception escapes
    assert "Unexpected error (RuntimeError): something broke" in panel.message.value
    panel.message.value = ""
    panel.controls["lr"].value = 0.5   # in the worker thread: reported the same way, not lost
    panel.wait()
    assert "Unexpected error (RuntimeError): something broke" in panel.message.value
    assert panel.play_button.description == "Play" and "bl-running" not in panel.widget._dom_classes


def test_hidden_and_activation_controls_map_onto_the_mlp(runs):
    panel = playground(controls=("hidden", "activation", "loss", "optimizer"), epochs=EPOCHS)
    hidden = panel.controls["hidden"]
    assert hidden.value == (10, 10) and [s.value for s in hidden.sliders[:2]] == [10, 10]
    hidden.sliders[1].value = 4  # one slider released: one run
    panel.wait()
    assert len(runs) == 2 and panel.model.sizes == (2, 10, 4, 1)
    hidden.value = (3, 5)  # both at once, programmatically: still one run
    panel.wait()
    assert len(runs) == 3 and panel.model.sizes == (2, 3, 5, 1)
    assert [s.value for s in hidden.sliders[:2]] == [3, 5]
    panel.controls["activation"].value = "tanh"
    panel.wait()
    assert panel.model.activation == "tanh" and panel.model.output_activation == "sigmoid"
    panel.controls["activation"].value = "none"
    panel.wait()
    assert panel.model.activation == "none" and panel.model.output_activation == "none"
    assert 'output_activation="none"' in panel.code_text
    n = len(runs)
    panel.controls["loss"].value = "bce"       # BCE needs a sigmoid output, not "none": refused, not trained
    panel.wait()
    assert len(runs) == n and panel.history.config["loss"] == "mse"
    assert "Use output_activation='sigmoid'" in panel.last_error
    panel.controls["activation"].value = "tanh"  # the output follows: a sigmoid again, and BCE trains
    panel.wait()
    assert panel.history.config["loss"] == "bce" and panel.last_error is None
    panel.controls["optimizer"].value = "adam"  # lr not a control: it follows the optimizer's default
    panel.wait()
    assert panel.history.config["optimizer"] == "adam" and panel.history.config["lr"] == bl.DEFAULT_LR["adam"]
    _assert_same_run(panel, _plain(hidden=(3, 5), activation="tanh", epochs=EPOCHS, lr=bl.DEFAULT_LR["adam"],
                                   optimizer="adam", loss="bce"))


def test_an_explicit_output_activation_is_kept():
    panel = playground(controls=("activation",), activation="relu", output_activation="none", epochs=20)
    assert panel.model.output_activation == "none"
    panel.controls["activation"].value = "tanh"
    panel.wait()
    assert panel.model.activation == "tanh" and panel.model.output_activation == "none"


# --- the reproducing call --------------------------------------------------------------------------
def test_the_code_line_reproduces_the_run():
    panel = playground(controls=("lr",), dataset="circles", hidden=(6,), activation="tanh", optimizer="momentum",
                       loss="bce", lr=0.2, epochs=EPOCHS, seed=3)
    code = panel.code_text
    assert code == ('bl.train(bl.MLP((2, 6, 1), activation="tanh", seed=3), *bl.load_dataset("circles", seed=3), '
                    'epochs=200, lr=0.2, optimizer="momentum", loss="bce")')
    assert code == format_call(panel.settings())
    again = eval(code, {"bl": bl})
    _assert_same_run(panel, again)


def test_format_call_matches_the_issue_example():
    assert format_call({"dataset": "xor", "lr": 1.0, "hidden": (10, 10), "activation": "sigmoid",
                        "optimizer": "gd", "loss": "mse", "epochs": 2000, "seed": 0}) == (
        'bl.train(bl.MLP((2, 10, 10, 1), activation="sigmoid", seed=0), *bl.load_dataset("xor", seed=0), '
        'epochs=2000, lr=1.0, optimizer="gd", loss="mse")')


def test_format_call_with_noise_init_and_held_out_points_reproduces_the_run_when_executed():
    panel = playground(controls=(), dataset="circles", hidden=(4, 3), activation="tanh", optimizer="adam",
                       loss="bce", lr=0.02, epochs=150, seed=5, init="xavier", noise=0.05, test=True)
    code = panel.code_text
    lines = code.split("\n")
    assert len(lines) == 2 and 'init="xavier"' in lines[0] and "noise=0.05" in lines[0]
    assert lines[1] == 'x_test, y_test = bl.load_test_set("circles", seed=5, noise=0.05)'
    ns = {"bl": bl}
    exec("history = " + code, ns)         # the first line's result is the run's History
    _assert_same_run(panel, ns["history"])
    np.testing.assert_array_equal(ns["x_test"], panel.live.x_test)
    np.testing.assert_array_equal(ns["y_test"], panel.live.y_test)
    # the defaults are left out of the call: no init, no noise, no second line
    plain = format_call({"dataset": "circles", "lr": 0.02, "seed": 5})
    assert "init" not in plain and "noise" not in plain and "\n" not in plain


# --- the picture -----------------------------------------------------------------------------------
def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_render_run_returns_a_small_png_without_touching_pyplot():
    import matplotlib.pyplot as plt
    x, y = bl.load_dataset("xor")
    model = bl.MLP((2, 4, 1), seed=0)
    history = bl.train(model, x, y, epochs=50, lr=1.0)
    figures = plt.get_fignums()
    png = render_run(model, history, x, y)
    assert png[:8] == PNG
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (560, 224)  # 7 x 2.8 inches at 80 dpi
    assert len(png) < 60_000
    assert plt.get_fignums() == figures
    assert matplotlib.get_backend().lower() == "agg"


def test_render_run_draws_a_run_that_diverged_at_the_first_epoch():
    x, y = bl.load_dataset("xor")
    model = bl.MLP((2, 3, 1), seed=0)
    history = History(np.array([]), np.array([]), [0], [model.state_dict()], diverged_at=1,
                      message="diverged", model=model, config={"lr": 1.0, "optimizer": "gd"})
    assert render_run(model, history, x, y)[:4] == b"\x89PNG"


def _frames_of(canvas, history, x, y, epochs, x_test=None, y_test=None):
    """Draw a run's frames at a few epochs on ``canvas`` (as the panel does while it plays); return the last."""
    canvas.start(x, y, x_test, y_test, epochs=history.config["epochs"])
    png = None
    for e in epochs:
        e = min(e, history.epochs)
        test = None
        if x_test is not None:
            with np.errstate(all="ignore"):
                test = ([0, e], [np.mean((history.model_at(k).forward(x_test) - y_test) ** 2) for k in (0, e)])
        png = canvas.frame(history.model_at(e), history.loss[:e], test, title=f"Epoch {e}",
                           curve_title="Learning curve" if history.diverged_at is None else "Learning curve (diverged)",
                           diverged_at=history.diverged_at if e == history.epochs else None, fmt="png")
    return png


def test_a_reused_canvas_draws_exactly_what_a_fresh_one_draws():
    # The playground keeps one PanelCanvas and blits onto it (its static part is drawn once and
    # restored for every frame); nothing of a previous run (its loss axis, a divergence title and
    # cross, held-out points, the legend) may leak into the next picture.
    x, y = bl.load_dataset("linear")
    x_test, y_test = bl.load_test_set("linear")
    wild = bl.train(bl.MLP(seed=0, activation="none", output_activation="none"), x, y, epochs=200, lr=1.0,
                    print_fn=None)
    assert wild.diverged
    xor_x, xor_y = bl.load_dataset("xor")
    calm = bl.train(bl.MLP((2, 4, 1), seed=1), xor_x, xor_y, epochs=200, lr=1.0, print_fn=None)
    other = bl.train(bl.MLP((2, 3, 1), seed=2), xor_x, xor_y, epochs=200, lr=0.5, print_fn=None)
    canvas = PanelCanvas()
    _frames_of(canvas, wild, x, y, [1, 2, 4], x_test, y_test)         # a run with held-out points
    _frames_of(canvas, wild, x, y, [1, 2, 4])                          # same axes as the next runs
    _frames_of(canvas, other, xor_x, xor_y, [8, 200])                  # its static bitmap may be kept
    reused = _frames_of(canvas, calm, xor_x, xor_y, [8, 40, 120, 200])
    fresh = _frames_of(PanelCanvas(), calm, xor_x, xor_y, [200])
    np.testing.assert_array_equal(_pixels(reused), _pixels(fresh))
    assert reused == fresh
    # and within one run, a frame drawn after many others equals one drawn alone
    mid_reused = _frames_of(canvas, calm, xor_x, xor_y, [8, 40, 120])
    mid_fresh = _frames_of(PanelCanvas(), calm, xor_x, xor_y, [120])
    np.testing.assert_array_equal(_pixels(mid_reused), _pixels(mid_fresh))
    # the diverged run's picture differs (the check above can see a difference)
    assert not np.array_equal(_pixels(_frames_of(PanelCanvas(), wild, x, y, [4])), _pixels(fresh))


# --- issue 23: tooltips, numbers as a person writes them, typed values out of range ----------------
def _all_widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _all_widgets(child)


def test_every_control_and_button_has_a_tooltip():
    """Issue 23: the tooltips of "hidden layers" and "seed" read "null" (ipywidgets shows a missing
    tooltip as the word null)."""
    panel = playground(epochs=EPOCHS, test=True)
    interactive = [w for w in _all_widgets(panel.widget)
                   if isinstance(w, (widgets.ValueWidget, widgets.Button))
                   and not isinstance(w, (widgets.HTML, widgets.Image))]
    assert len(interactive) >= 27     # 14 controls (+3 units sliders, 7 feature toggles), 3 buttons, 2 toggles, replay
    for w in interactive:
        assert isinstance(w.tooltip, str) and len(w.tooltip) > 10, (w.description, w.tooltip)
    # a Box's view fails to render with a tooltip (ipywidgets 8.1): none on the boxes
    assert all(w.tooltip is None for w in _all_widgets(panel.widget) if isinstance(w, widgets.Box))
    assert {w.description for w in interactive} >= {"hidden layers", "seed", "data set", "learning rate", "Play",
                                                    "Step", "Reset", "neuron maps", "replay epoch"}


def test_the_neuron_maps_toggle_shows_its_state():
    panel = playground(controls=(), epochs=EPOCHS)
    toggle = panel.neurons_toggle
    assert toggle.button_style == "" and toggle.icon == "square-o"
    toggle.value = True
    assert toggle.button_style == "info" and toggle.icon == "check-square-o"


def test_the_boundary_and_the_neuron_maps_share_one_labelled_colour_bar():
    panel = playground(controls=(), epochs=EPOCHS, neuron_maps=True)
    bar = panel.view.colours
    assert bar in list(_all_widgets(panel.widget))
    assert "linear-gradient" in bar.value and "0 = class 0 · unit low" in bar.value
    assert "1 = class 1 · unit high" in bar.value and "neuron maps" in bar.value and "boundary" in bar.value
    children = panel.widget.children
    assert children.index(panel.image) < children.index(bar) < children.index(panel.neurons)


@pytest.mark.parametrize("value, text", [(0.0025, "0.0025"), (0.79, "0.79"), (0.11, "0.11"), (1.0, "1.0"),
                                         (100.0, "100.0"), (0.001, "0.001"), (2.5e-4, "2.5e-4"), (1e-5, "1e-5"),
                                         (2e4, "2e4"), (12345.0, "1.2345e4"), (0.1 + 0.01, "0.11")])
def test_plain_number_writes_numbers_as_a_person_does(value, text):
    from backprop_lab.playground.panel_settings import plain_number
    assert plain_number(value) == text
    assert float(text) == value                         # and they still read back as the same float


def test_the_code_line_writes_lr_and_noise_as_a_person_does():
    """Issue 23: the code line said noise=0.11000000000000001 (the browser's slider adds 0.01 steps in
    binary floats) and lr=0.0025 must stay 0.0025, 1e-5 must not read 1e-05."""
    panel = playground(controls=("noise", "lr"), dataset="circles", lr=0.0025, noise=0.1, epochs=EPOCHS)
    assert "lr=0.0025," in panel.code_text
    panel.controls["noise"].value = 0.1 + 0.01           # what the browser sends for one step up
    assert panel.wait()
    assert "noise=0.11)" in panel.code_text and panel.live.settings["noise"] == 0.11
    panel.controls["lr"].value = 10 ** -5
    assert panel.wait()
    assert "lr=1e-5," in panel.code_text


@pytest.mark.parametrize("name, value, says", [("lr", 100.0, "learning rate: 100 is the largest value of this slider "
                                                                  "(1e-5 to 100)"),
                                               ("lr", 1e-5, "learning rate: 1e-5 is the smallest"),
                                               ("epochs", 10000, "epochs: 10000 is the largest"),
                                               ("noise", 0.3, "noise: 0.3 is the largest")])
def test_a_slider_at_an_end_of_its_range_says_typed_values_beyond_are_clamped(name, value, says):
    """Issue 23: typing 1000 into the lr readout was clamped silently (the browser clamps a typed value
    to the slider's range before the kernel sees it). At an end of its range the panel now says so."""
    panel = playground(controls=("lr", "epochs", "noise"), epochs=EPOCHS, lr=1.0)
    panel.controls[name].value = value
    panel.wait()
    assert panel.view.note is not None and says in panel.message.value, panel.message.value
    assert f"playground({name}=...)" in panel.message.value and panel.last_error is None
    panel.controls["epochs"].value = 120                 # inside the range: the note goes with the next run
    panel.wait()
    assert panel.view.note is None and panel.message.layout.display == "none"


def test_no_noise_is_a_choice_not_a_clamped_value():
    panel = playground(controls=("noise",), noise=0.1, epochs=EPOCHS)
    panel.controls["noise"].value = 0.0
    panel.wait()
    assert panel.view.note is None and panel.message.layout.display == "none"


def test_a_units_slider_at_its_top_says_so():
    panel = playground(controls=("hidden",), hidden=(4,), epochs=EPOCHS)
    panel.controls["hidden"].sliders[0].value = 32
    panel.wait()
    assert "units 1: 32 is the slider's largest value" in panel.message.value


def test_the_panel_has_a_fixed_layout():
    """Issue 23, item 4: the status line on its own row under the buttons; the controls in a grid of
    fixed cells where a hidden units slider keeps its cell; the pictures scale down."""
    panel = playground(epochs=EPOCHS)
    children = list(panel.widget.children)
    grid, inputs, buttons = children[0], children[1], children[2]
    assert isinstance(grid, widgets.GridBox) and grid.layout.grid_template_columns == "repeat(auto-fill, 280px)"
    assert inputs is panel.controls["features"] and inputs not in grid.children    # the inputs: a row of their own
    assert list(buttons.children) == [panel.play_button, panel.step_button, panel.reset_button, panel.neurons_toggle,
                                      panel.pictures]
    assert children[3] is panel.status and panel.status.layout.align_self == "stretch"
    hidden = panel.controls["hidden"]
    assert hidden.layout.display == "contents"           # its sliders are cells of the grid
    assert panel.image.layout.max_width and panel.image.layout.height == "auto"
    assert panel.replay.layout.max_width == "560px" and panel.replay.layout.width == "auto"


def test_the_epochs_slider_lands_on_round_hundreds():
    from backprop_lab.playground.controls import make_control

    slider = make_control("epochs", 1500)
    assert slider.step == 100 and slider.min == 100 and (slider.value - slider.min) % slider.step == 0
    assert all((v - slider.min) % slider.step == 0 for v in (1500, 2000, 5000, 10000))
