"""The playground panel, headless: set control values, check what the outputs hold.

No browser and no kernel: ipywidgets' Python side runs the same callbacks the front end would
trigger (a slider release sets ``.value``, ``button.click()`` fires ``on_click``). Epochs are small
to keep the file fast; nothing here measures time.
"""
import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

import backprop_lab as bl
import backprop_lab.widgets as blw
from backprop_lab.train import History
from backprop_lab.widgets import CONTROLS, Playground, format_call, playground, render_run

EPOCHS = 200


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


@pytest.fixture
def train_calls(monkeypatch):
    """Record the settings of every train() the panel starts (the real train still runs)."""
    calls = []
    real = blw.train

    def counting(model, x, y, **kwargs):
        calls.append(kwargs)
        return real(model, x, y, **kwargs)

    monkeypatch.setattr(blw, "train", counting)
    return calls


def _shown(html_widget):
    return html_widget.layout.display != "none" and html_widget.value != ""


# --- construction ----------------------------------------------------------------------------------
def test_only_the_requested_controls_exist_and_the_rest_is_fixed():
    panel = playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=EPOCHS, hidden=(4, 3))
    assert list(panel.controls) == ["lr", "epochs"]
    tree = list(_descendants(panel.widget))
    assert all(w in tree for w in panel.controls.values())
    assert not any(isinstance(w, widgets.Dropdown) for w in tree)  # no dataset/activation/... menus
    assert panel.settings() == {"dataset": "xor", "lr": 1.0, "hidden": (4, 3), "activation": "sigmoid",
                                "output_activation": "sigmoid", "optimizer": "gd", "loss": "mse",
                                "epochs": EPOCHS, "seed": 0}
    # it trained once at construction, with exactly those settings
    assert panel.history is not None and panel.history.config["epochs"] == EPOCHS
    assert panel.model is panel.history.model and panel.model.sizes == (2, 4, 3, 1)
    assert panel.image.format == "png" and panel.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Accuracy:" in panel.status.value and f"{EPOCHS} epochs" in panel.status.value
    assert not _shown(panel.message)
    assert panel.replay.max == EPOCHS and panel.replay.value == EPOCHS


def test_all_controls_have_descriptions_classes_and_no_continuous_update():
    panel = playground(epochs=EPOCHS)
    assert tuple(panel.controls) == CONTROLS
    assert "bl-playground" in panel.widget._dom_classes
    for w, cls in [(panel.status, "bl-status"), (panel.message, "bl-message"), (panel.image, "bl-image"),
                   (panel.train_button, "bl-train")]:
        assert cls in w._dom_classes
    for name, w in panel.controls.items():
        assert f"bl-control-{name}" in w._dom_classes
        assert w.description
    assert panel.controls["lr"].description == "learning rate"
    assert panel.controls["hidden"].description == "hidden units"
    assert isinstance(panel.controls["lr"], widgets.FloatLogSlider)
    assert panel.controls["lr"].min == -5 and panel.controls["lr"].max == 2
    sliders = [w for w in _descendants(panel.widget) if isinstance(w, (widgets.IntSlider, widgets.FloatLogSlider))]
    assert len(sliders) == 5 and panel.replay in sliders  # lr, 2 x hidden, epochs, replay
    assert all(s.continuous_update is False for s in sliders)
    assert panel.controls["seed"].continuous_update is False
    assert isinstance(panel.train_button, widgets.Button) and panel.train_button.description == "Train"


def test_unknown_control_names_raise_and_list_the_valid_ones():
    with pytest.raises(ValueError, match="'learning_rate'.*valid controls are: dataset, lr, hidden"):
        playground(controls=("learning_rate", "epochs"))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dataset": "moons"}, ValueError, "unknown dataset 'moons'; valid names are"),
    ({"lr": -1.0}, ValueError, "lr must be a finite number > 0"),
    ({"lr": "big"}, TypeError, "lr must be a positive number"),
    ({"epochs": 0}, ValueError, "epochs must be >= 1"),
    ({"hidden": (10, 0)}, ValueError, r"hidden\[1\]"),
    ({"activation": "softmax"}, ValueError, "unknown activation"),
    ({"seed": -1}, ValueError, "seed must be >= 0"),
])
def test_invalid_fixed_settings_raise_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        playground(controls=("lr",), **kwargs)


def test_the_panel_displays_as_its_root_widget():
    panel = playground(controls=("epochs",), epochs=EPOCHS)
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id


# --- the wiring --------------------------------------------------------------------------------------
def test_releasing_the_lr_slider_retrains_and_updates_every_output(train_calls):
    panel = playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=EPOCHS)
    before = (panel.history, panel.image.value, panel.status.value, panel.code.value)
    assert "lr=1.0," in panel.code_text
    panel.controls["lr"].value = 0.1
    assert len(train_calls) == 2
    assert panel.history is not before[0]
    assert panel.history.config["lr"] == 0.1 and panel.settings()["lr"] == 0.1
    assert panel.image.value != before[1]
    assert panel.status.value != before[2]
    assert "lr=0.1," in panel.code_text and "lr=0.1," in panel.code.value
    assert panel.code.value != before[3]


def test_the_lr_used_is_the_value_the_slider_readout_shows():
    panel = playground(controls=("lr",), epochs=20, lr=0.0316)
    assert panel.history.config["lr"] == 0.0316  # the notebook's own value is kept exact
    panel.controls["lr"].value = 10 ** -1.5      # where a log-slider step lands: 0.0316227766...
    assert panel.history.config["lr"] == 0.032   # shown as "3.2e-2" by readout_format ".1e"
    assert "lr=0.032," in panel.code_text


def test_the_epoch_slider_replays_snapshots_without_retraining(train_calls):
    panel = playground(controls=("lr",), epochs=EPOCHS)
    history, final_png, status = panel.history, panel.image.value, panel.status.value
    assert len(train_calls) == 1
    panel.replay.value = 61
    assert len(train_calls) == 1 and panel.history is history
    assert panel.image.value != final_png
    assert panel.status.value == status
    assert panel.replay.value in history.snapshot_epochs  # it snapped to the nearest snapshot: 60
    assert panel.replay.value == 60
    panel.replay.value = 0
    assert panel.image.value != final_png
    panel.replay.value = EPOCHS
    assert panel.image.value == final_png
    assert len(train_calls) == 1


def test_the_replayed_image_is_the_snapshot_model():
    panel = playground(controls=(), epochs=EPOCHS)
    panel.replay.value = 100
    expected = render_run(panel.history.model_at(100), panel.history, panel.x, panel.y, epoch=100)
    assert panel.image.value == expected


def test_the_train_button_retrains(train_calls):
    panel = playground(controls=("lr",), epochs=EPOCHS)
    history = panel.history
    panel.train_button.click()
    assert len(train_calls) == 2 and panel.history is not history
    assert not panel.train_button.disabled  # re-enabled after the run


def test_a_panel_without_controls_still_retrains_on_the_button(train_calls):
    panel = playground(controls=(), epochs=EPOCHS)
    assert panel.controls == {}
    panel.train_button.click()
    assert len(train_calls) == 2


def test_divergence_shows_the_packages_message_and_no_exception():
    panel = playground(controls=("lr",), dataset="linear", activation="none", lr=1.0, epochs=EPOCHS)
    h = panel.history
    assert h.diverged and h.message
    assert panel.model.output_activation == "none"  # activation="none": no activation anywhere
    assert h.message in panel.message.value and _shown(panel.message)
    assert "Diverged at epoch" in panel.status.value
    assert panel.replay.max == h.epochs
    panel.controls["lr"].value = 100.0
    assert panel.history.diverged and "lr=100" in panel.message.value
    panel.controls["lr"].value = 1e-3
    assert not panel.history.diverged
    assert not _shown(panel.message)
    assert "Accuracy:" in panel.status.value


def test_invalid_control_values_show_a_message_not_a_traceback(train_calls):
    panel = playground(controls=("seed", "lr"), epochs=EPOCHS)
    history, png = panel.history, panel.image.value
    panel.controls["seed"].value = -1  # a student can type any number
    assert "seed must be &gt;= 0; got -1" in panel.message.value and _shown(panel.message)
    assert panel.last_error == "seed must be >= 0; got -1."
    assert panel.history is history and panel.image.value == png and len(train_calls) == 1
    assert "Not trained" in panel.status.value
    panel.controls["seed"].value = 3  # fixing it clears the message and trains
    assert not _shown(panel.message) and panel.history is not history
    assert panel.last_error is None


def test_invalid_programmatic_settings_show_a_message_and_run_returns_none():
    panel = playground(controls=("dataset", "lr"), epochs=EPOCHS)
    history = panel.history
    assert panel.run(dataset="nope") is None
    assert "unknown dataset 'nope'; valid names are: circles, linear, spiral, xor." in panel.message.value
    assert panel.history is history and panel.controls["dataset"].value == "xor"
    assert panel.run(optimizer="rmsprop") is None  # a fixed setting, refused the same way
    assert "unknown optimizer 'rmsprop'" in panel.message.value
    assert panel.run(colour="red") is None
    assert "unknown setting(s) 'colour'" in panel.message.value
    h = panel.run(dataset="circles", lr=0.5)  # valid changes move the controls (without extra runs)
    assert h is panel.history and panel.controls["dataset"].value == "circles"
    assert panel.controls["lr"].value == 0.5 and not _shown(panel.message)


def test_an_unexpected_error_is_shown_not_raised(monkeypatch):
    panel = playground(controls=("lr",), epochs=EPOCHS)

    def broken(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr(blw, "train", broken)
    panel.controls["lr"].value = 0.5  # no exception escapes the callback
    assert "Unexpected error (RuntimeError): something broke" in panel.message.value
    assert not panel.train_button.disabled


def test_a_change_during_a_run_does_not_start_an_overlapping_run(monkeypatch):
    panel = playground(controls=("lr",), epochs=EPOCHS)
    real, seen, depth = blw.train, [], [0]

    def slow_train(model, x, y, **kwargs):
        depth[0] += 1
        assert depth[0] == 1, "overlapping runs"
        seen.append(kwargs["lr"])
        if len(seen) == 1:
            panel.controls["lr"].value = 0.25  # the student releases the slider mid-run
        try:
            return real(model, x, y, **kwargs)
        finally:
            depth[0] -= 1

    monkeypatch.setattr(blw, "train", slow_train)
    panel.controls["lr"].value = 0.5
    assert seen == [0.5, 0.25]  # the stale run finished, then exactly one run with the latest value
    assert panel.history.config["lr"] == 0.25 and "lr=0.25," in panel.code_text


def test_hidden_and_activation_controls_map_onto_the_mlp(train_calls):
    panel = playground(controls=("hidden", "activation", "loss", "optimizer"), epochs=EPOCHS)
    hidden = panel.controls["hidden"]
    assert hidden.value == (10, 10) and [s.value for s in hidden.sliders] == [10, 10]
    hidden.sliders[1].value = 4  # one slider released: one run
    assert len(train_calls) == 2 and panel.model.sizes == (2, 10, 4, 1)
    hidden.value = (3, 5)  # both at once, programmatically: still one run
    assert len(train_calls) == 3 and panel.model.sizes == (2, 3, 5, 1)
    assert [s.value for s in hidden.sliders] == [3, 5]
    panel.controls["activation"].value = "tanh"
    assert panel.model.activation == "tanh" and panel.model.output_activation == "sigmoid"
    panel.controls["activation"].value = "none"
    assert panel.model.activation == "none" and panel.model.output_activation == "none"
    assert 'output_activation="none"' in panel.code_text
    panel.controls["loss"].value = "bce"       # BCE needs a sigmoid output, not "none": refused, not trained
    assert panel.history.config["loss"] == "mse" and "Use output_activation='sigmoid'" in panel.last_error
    panel.controls["activation"].value = "tanh"  # the output follows: a sigmoid again, and BCE trains
    assert panel.history.config["loss"] == "bce" and panel.last_error is None
    panel.controls["optimizer"].value = "adam"  # lr not a control: it follows the optimizer's default
    assert panel.history.config["optimizer"] == "adam" and panel.history.config["lr"] == bl.DEFAULT_LR["adam"]


def test_an_explicit_output_activation_is_kept():
    panel = playground(controls=("activation",), activation="relu", output_activation="none", epochs=20)
    assert panel.model.output_activation == "none"
    panel.controls["activation"].value = "tanh"
    assert panel.model.activation == "tanh" and panel.model.output_activation == "none"


def test_the_code_line_reproduces_the_run():
    panel = playground(controls=("lr",), dataset="circles", hidden=(6,), activation="tanh", optimizer="momentum",
                       loss="bce", lr=0.2, epochs=EPOCHS, seed=3)
    code = panel.code_text
    assert code == ('bl.train(bl.MLP((2, 6, 1), activation="tanh", seed=3), *bl.load_dataset("circles", seed=3), '
                    'epochs=200, lr=0.2, optimizer="momentum", loss="bce")')
    assert code == format_call(panel.settings())
    again = eval(code, {"bl": bl})
    np.testing.assert_array_equal(again.loss, panel.history.loss)


def test_format_call_matches_the_issue_example():
    assert format_call({"dataset": "xor", "lr": 1.0, "hidden": (10, 10), "activation": "sigmoid",
                        "optimizer": "gd", "loss": "mse", "epochs": 2000, "seed": 0}) == (
        'bl.train(bl.MLP((2, 10, 10, 1), activation="sigmoid", seed=0), *bl.load_dataset("xor", seed=0), '
        'epochs=2000, lr=1.0, optimizer="gd", loss="mse")')


# --- render_run --------------------------------------------------------------------------------------
def test_render_run_returns_a_small_png_without_touching_pyplot():
    import matplotlib.pyplot as plt
    x, y = bl.load_dataset("xor")
    model = bl.MLP((2, 4, 1), seed=0)
    history = bl.train(model, x, y, epochs=50, lr=1.0)
    figures = plt.get_fignums()
    png = render_run(model, history, x, y)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (560, 224)  # 7 x 2.8 inches at 80 dpi
    assert plt.get_fignums() == figures
    # a snapshot dict is drawn like the model holding those weights
    assert render_run(history.snapshots[0], history, x, y, epoch=0) == render_run(
        history.model_at(0), history, x, y, epoch=0)
    assert matplotlib.get_backend().lower() == "agg"


def test_render_run_draws_a_run_that_diverged_at_the_first_epoch():
    x, y = bl.load_dataset("xor")
    model = bl.MLP((2, 3, 1), seed=0)
    history = History(np.array([]), np.array([]), [0], [model.state_dict()], diverged_at=1,
                      message="diverged", model=model, config={"lr": 1.0, "optimizer": "gd"})
    assert render_run(model, history, x, y)[:4] == b"\x89PNG"


def test_playground_is_the_class():
    assert isinstance(playground(controls=(), epochs=10), Playground)
    assert Playground(controls=("lr",), epochs=10, autorun=False).history is None


def test_a_reused_canvas_draws_exactly_what_a_fresh_one_draws():
    # The playground keeps one RunCanvas between redraws; nothing of the previous run (its data
    # limits, line colours, divergence title) may leak into the next picture.
    from backprop_lab.widgets import RunCanvas
    x, y = bl.generate_xor_easy()
    long_run = bl.train(bl.MLP(seed=0, activation="none", output_activation="none"), x, y, epochs=50, lr=1.0,
                        print_fn=None)
    assert long_run.diverged
    short_model = bl.MLP(seed=1)
    short_run = bl.train(short_model, x, y, epochs=30, lr=0.1)
    canvas = RunCanvas()
    canvas.render(long_run.model, long_run, x, y)
    assert canvas.render(short_model, short_run, x, y) == render_run(short_model, short_run, x, y)
