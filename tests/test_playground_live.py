"""The playground trains live (issue 13), headless: runs played in a worker thread, cancelled,
paused, stepped and reset; neuron maps; held-out points and noise; data of your own; the init and
depth controls; the frames.

Every expected value comes from the package used directly (``bl.train``, ``bl.MLP``,
``bl.load_dataset``, ``bl.neuron_outputs``) or from NumPy, never from the panel itself. Threads: a
test waits (``panel.wait()``) or pauses before it looks, polls ``live.epoch`` when it must act
mid-run, and the ``stop_panels`` fixture pauses every panel at its end. Nothing measures time;
the runs mid-run tests interrupt are long (they are cancelled after their first chunks).
"""
import io
import re
import threading
import time

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

import backprop_lab as bl
from backprop_lab.nn.train import History
from backprop_lab.playground import images, neuron_box, view
from backprop_lab.playground import live as live_module
from backprop_lab.playground import panel as panel_module
from backprop_lab.playground.live import LiveRun
from backprop_lab.widgets import Playground, playground, render_run

pytestmark = pytest.mark.usefixtures("stop_panels")

EPOCHS = 300
LONG = 20000            # a run that is interrupted after its first chunks (never played to the end)
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"


# --- helpers -------------------------------------------------------------------------------------
def _plain(dataset="xor", hidden=(10, 10), activation="sigmoid", output_activation="sigmoid", seed=0,
           init="normal", noise=0.0, data=None, **train_kwargs) -> History:
    """The run the panel should have made, written with the package directly."""
    model = bl.MLP((2, *hidden, 1), activation=activation, output_activation=output_activation, seed=seed, init=init)
    x, y = bl.load_dataset(dataset, seed=seed, noise=noise) if data is None else data
    return bl.train(model, x, y, print_fn=None, **train_kwargs)


def _assert_same_weights(got: dict, want: dict):
    assert got.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def _assert_same_run(panel, expected: History, snapshots: bool = True):
    """The panel's run is exactly ``expected``: every loss, accuracy, (snapshot epoch) and weight."""
    got = panel.history
    np.testing.assert_array_equal(got.loss, expected.loss)
    np.testing.assert_array_equal(got.accuracy, expected.accuracy)
    if snapshots:
        assert got.snapshot_epochs == expected.snapshot_epochs
    assert got.diverged_at == expected.diverged_at
    _assert_same_weights(panel.model.state_dict(), expected.model.state_dict())


def _wait_until(condition, timeout: float = 60.0):
    """Poll ``condition`` (a safety net against a hang, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never became true")
        time.sleep(0.002)


def _started_and_running(panel):
    """Wait until the run being played has trained its first chunk; check it is still playing."""
    run = panel.live
    _wait_until(lambda: run.epoch > 0)
    assert panel.playing and not run.done, "the run ended before the test could act mid-run: make it longer"
    return run


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


class _Trace(list):
    most_at_once = 0


@pytest.fixture
def trace(monkeypatch):
    """What the panel does, in order: ("run", run) when it makes a run, ("frame", run, epoch, format,
    bytes) when it draws one on the image; ``trace.most_at_once``: the most ``train`` calls that
    were ever running at the same time."""
    events = _Trace()
    lock = threading.Lock()
    running = [0]

    class Recorded(panel_module.LiveRun):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            events.append(("run", self))

    real_draw, real_train = view.PanelView.draw, live_module.train

    def draw(panel_view, run, final):
        picture = real_draw(panel_view, run, final)
        if picture is not None:                       # None: a frame of a run no longer shown, dropped
            events.append(("frame", run, run.epoch, "png" if picture.startswith(PNG) else "jpeg", picture))
        return picture

    def train(*args, **kwargs):
        with lock:
            running[0] += 1
            events.most_at_once = max(events.most_at_once, running[0])
        try:
            return real_train(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(panel_module, "LiveRun", Recorded)
    monkeypatch.setattr(view.PanelView, "draw", draw)
    monkeypatch.setattr(live_module, "train", train)
    return events


# --- cancel ----------------------------------------------------------------------------------------
def test_a_control_change_mid_run_cancels_it_and_the_result_is_the_new_settings_run(trace):
    panel = Playground(controls=("lr", "epochs"), lr=1.0, epochs=LONG, autorun=False)
    panel.controls["lr"].value = 0.5                  # starts a LONG run, played in the worker
    first = panel.live
    _wait_until(lambda: any(e[0] == "frame" and e[1] is first for e in trace))   # it has drawn a frame
    assert panel.playing and not first.done
    panel.controls["epochs"].value = EPOCHS           # released while it plays
    stopped_at = first.epoch
    second = panel.live
    assert second is not first and second.settings["epochs"] == EPOCHS and second.settings["lr"] == 0.5
    assert panel.wait()
    assert 0 < stopped_at < LONG and not first.done   # the first run was cancelled mid-way...
    assert first.epoch == stopped_at                  # ...at once: nothing trained it after the change
    assert second.done and not panel.playing
    _assert_same_run(panel, _plain(epochs=EPOCHS, lr=0.5))
    # The frames: some of the first run, then none of it once the second run exists.
    made = [e[1] for e in trace if e[0] == "run"]
    assert made == [first, second]
    start = trace.index(("run", second))
    assert any(e[0] == "frame" and e[1] is first for e in trace[:start])
    assert not [e for e in trace[start:] if e[0] == "frame" and e[1] is not second]
    last = [e for e in trace if e[0] == "frame"][-1]
    assert last[1] is second and last[2] == EPOCHS and last[3] == "png"
    assert panel.image.value == last[4] and panel.image.format == "png"
    assert trace.most_at_once == 1                    # never two runs training at once
    assert "Accuracy:" in panel.status.value and f"{EPOCHS} epochs" in panel.status.value
    assert f"epochs={EPOCHS}, lr=0.5," in panel.code_text


def test_many_changes_during_a_run_leave_only_the_last_settings(trace):
    panel = Playground(controls=("lr",), lr=1.0, epochs=LONG, autorun=False, hidden=(4,))
    for lr in (0.5, 0.25, 0.2):
        panel.controls["lr"].value = lr
        _started_and_running(panel)
    panel.controls["lr"].value = 2.0
    run = _started_and_running(panel)
    panel.pause()
    assert run.settings["lr"] == 2.0 and trace.most_at_once == 1
    runs = [e[1] for e in trace if e[0] == "run"]
    assert [r.settings["lr"] for r in runs] == [0.5, 0.25, 0.2, 2.0]
    assert all(0 < r.epoch < LONG for r in runs)
    # after the pause, the weights are those of plain training for as many epochs
    _assert_same_weights(panel.model.state_dict(),
                         _plain(hidden=(4,), epochs=run.epoch, lr=2.0).model.state_dict())


def test_a_control_change_is_not_lost_while_the_worker_draws():
    # The worker sets the replay slider "quietly" (its observer must not start a run from there). A
    # control change that arrives meanwhile, in the kernel's thread (as when the worker is waiting on
    # the front end's socket), must still start the new run.
    panel = playground(controls=("lr",), lr=1.0, hidden=(4,), epochs=EPOCHS)
    inside, release = threading.Event(), threading.Event()

    def worker_drawing():
        with panel.view.quietly():
            inside.set()
            release.wait(30)

    worker = threading.Thread(target=worker_drawing)
    worker.start()
    try:
        assert inside.wait(30)
        panel.controls["lr"].value = 0.5
    finally:
        release.set()
        worker.join()
    assert panel.wait()
    assert panel.live.settings["lr"] == 0.5
    _assert_same_run(panel, _plain(hidden=(4,), epochs=EPOCHS, lr=0.5))


# --- pause, play, step, reset ---------------------------------------------------------------------
def test_pause_stops_training_and_play_resumes_to_exactly_the_plain_run():
    panel = Playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=4000, autorun=False)
    panel.play_button.click()                         # Play: a new run, played in the worker
    assert panel.play_button.description == "Pause" and "bl-running" in panel.widget._dom_classes
    run = _started_and_running(panel)
    panel.play_button.click()                         # Pause
    assert not panel.playing and panel.play_button.description == "Play"
    assert "bl-running" not in panel.widget._dom_classes
    paused_at = run.epoch
    assert 0 < paused_at < 4000 and paused_at % run.every == 0          # whole snapshot intervals
    # Play (the button) trains on until Pause; paused, the run is train(..., epochs=paused_at) exactly
    assert run.epochs == paused_at and f"epochs={paused_at}" in panel.code_text
    weights = panel.model.state_dict()
    time.sleep(0.3)                                   # (nothing may happen meanwhile)
    assert run.epoch == paused_at
    _assert_same_weights(panel.model.state_dict(), weights)
    # the paused state is drawn as a final PNG, the replay slider usable up to it
    assert panel.image.format == "png" and panel.image.value[:8] == PNG
    assert f"{paused_at} epochs" in panel.status.value
    assert panel.replay.max == paused_at and not panel.replay.disabled
    _assert_same_weights(weights, _plain(hidden=(4,), epochs=paused_at, lr=1.0).model.state_dict())
    panel.play_button.click()                         # Play again: resumes the same run, and goes on
    assert panel.live is run
    _wait_until(lambda: run.epoch > paused_at + 2 * run.every)
    panel.play_button.click()                         # Pause
    assert not panel.playing and panel.play_button.description == "Play"
    plain = _plain(hidden=(4,), epochs=run.epoch, lr=1.0)
    assert np.array_equal(panel.history.loss, plain.loss)
    _assert_same_weights(panel.model.state_dict(), plain.model.state_dict())


def test_step_after_a_diverged_run_says_so_next_to_the_divergence_message():
    panel = playground(controls=("lr",), dataset="linear", activation="none", lr=1.0, epochs=EPOCHS)
    run, message = panel.live, panel.live.message
    assert run.diverged_at is not None and message in panel.message.value
    panel.step()
    assert panel.live is run and message in panel.message.value
    assert f"This run diverged at epoch {run.diverged_at}, so Step has nothing left to train" in panel.message.value


def test_a_note_never_hides_a_red_message():
    """The worker may show a divergence before the kernel thread shows a range note: the note waits."""
    panel = playground(controls=("lr",), epochs=EPOCHS)
    panel.view.show_message("diverged")
    panel.view.show_note("a note")
    assert "diverged" in panel.message.value and "a note" not in panel.message.value and panel.view.note is None
    panel.view.clear_message()
    panel.view.show_note("a note")
    assert "a note" in panel.message.value


def test_pause_draws_no_frame_after_it_is_acknowledged_and_the_worker_stops(trace, monkeypatch):
    """Issue 23: Pause took 0.58 s and two more frames came after the click. Logically, without a
    clock: the worker trains a chunk one snapshot interval per ``train`` call, checking the cancel
    flag between calls (so a Pause waits for at most one interval); once the click has been handled
    (the button says Play) the only frame drawn since the click is the paused state's PNG, and
    nothing is trained or drawn afterwards."""
    sizes = []
    real_train = live_module.train

    def train(*args, **kwargs):
        sizes.append(kwargs["epochs"])
        return real_train(*args, **kwargs)

    monkeypatch.setattr(live_module, "train", train)
    panel = Playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=20000, autorun=False)
    panel.play_button.click()
    run = _started_and_running(panel)
    _wait_until(lambda: sum(e[0] == "frame" for e in trace) >= 2)     # a few frames into the run
    panel.play_button.click()                                          # Pause
    assert panel.play_button.description == "Play" and panel.play_button.value is False and not panel.playing
    frames = [e for e in trace if e[0] == "frame"]
    assert frames[-1][3] == "png" and frames[-1][2] == run.epoch       # the acknowledgement: the paused state
    count, calls, epoch = len(frames), len(sizes), run.epoch
    time.sleep(0.3)                                                    # (nothing may happen meanwhile)
    assert len([e for e in trace if e[0] == "frame"]) == count and len(sizes) == calls and run.epoch == epoch
    assert max(sizes) <= run.every, sizes                               # a pause waits for one interval at most


def test_a_pause_click_that_arrives_after_the_run_ended_is_not_taken_as_play(trace):
    """Issue 23: a click on Pause near the end of a run restarted it. The Play/Pause toggle's value
    travels with the click: the browser showing Pause sends False; if the run has ended meanwhile the
    kernel's value is already False, so nothing happens. A click on Play (True) starts a run. (Play
    trains on until Pause, so here the run ends by itself by diverging: no activation, lr 1.)"""
    panel = playground(controls=("lr",), activation="none", dataset="linear", lr=1.0, epochs=EPOCHS)
    panel.play_button.value = True                   # Play, as the browser sends it
    assert panel.wait()
    run, runs = panel.live, len([e for e in trace if e[0] == "run"])
    assert run.done and run.diverged_at is not None
    assert panel.play_button.value is False and panel.play_button.description == "Play"
    panel.play_button.value = False                  # the late "Pause" click of a browser still showing Pause
    assert panel.live is run and not panel.playing and len([e for e in trace if e[0] == "run"]) == runs
    panel.play_button.value = True                   # a click on Play after a diverged run: a new run, from epoch 0
    assert panel.live is not run
    assert panel.wait()


def test_play_trains_on_past_the_epochs_setting_until_pause():
    """Issue 22: like TensorFlow Playground, Play goes on past the epochs setting until Pause; the run
    paused is then exactly train(..., epochs=<the epoch reached>), and the call shown says so."""
    panel = playground(controls=("lr", "seed"), hidden=(4,), lr=1.0, epochs=200)    # trained to 200 at build
    first = panel.live
    assert first.done and first.epoch == 200
    panel.play_button.value = True                   # Play on a finished run: it carries on
    _wait_until(lambda: first.epoch >= 600)
    assert panel.live is first and panel.playing
    panel.play_button.value = False                  # Pause
    assert not panel.playing
    reached = first.epoch
    assert reached >= 600 and first.epochs == reached and first.done
    assert f"epochs={reached}" in panel.code_text and f"{reached} epochs" in panel.status.value
    again = bl.train(bl.MLP((2, 4, 1), seed=0), *bl.load_dataset("xor", seed=0), epochs=reached, lr=1.0,
                     print_fn=None)
    assert np.array_equal(panel.history.loss, again.loss)
    _assert_same_weights(panel.model.state_dict(), again.model.state_dict())


def test_a_slider_moved_while_playing_on_restarts_and_keeps_playing():
    panel = playground(controls=("lr", "seed"), hidden=(4,), lr=1.0, epochs=200)
    panel.play_button.value = True
    _wait_until(lambda: panel.live.epoch > 200)
    panel.controls["seed"].value = 1                 # a control change while playing on
    run = panel.live
    assert run.settings["seed"] == 1 and panel.playing
    _wait_until(lambda: run.epoch > 200)             # the new run, too, goes on past the setting
    assert panel.playing and panel.live is run
    panel.pause()
    assert run.epochs == run.epoch


def test_releasing_a_slider_when_not_playing_trains_to_the_setting_and_stops():
    panel = playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=200)
    panel.controls["lr"].value = 0.5
    assert panel.wait()
    assert panel.live.epoch == 200 and panel.live.epochs == 200 and not panel.playing


def test_play_and_pause_keep_their_width_and_every_button_its_place():
    """Issue 23: "Pause" is wider than "Play"; with widths from the label, Step moved under the pointer."""
    panel = playground(controls=(), epochs=EPOCHS)
    widths = {b.layout.width for b in (panel.play_button, panel.step_button, panel.reset_button)}
    assert len(widths) == 1 and widths.pop().endswith("px")
    assert panel.neurons_toggle.layout.width.endswith("px")


def test_step_trains_one_snapshot_interval_and_draws_it():
    panel = playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=EPOCHS)
    panel.reset()
    run, every = panel.live, panel.live.every
    assert every == EPOCHS // 50 and run.epoch == 0
    before = panel.image.value
    panel.step_button.click()
    assert panel.live is run and run.epoch == every and not panel.playing
    assert panel.image.value != before and panel.image.format == "png"
    assert panel.replay.value == every == panel.replay.max
    assert panel.status.value.startswith(f"Paused at epoch {every}/{EPOCHS} · ")
    panel.step()
    assert run.epoch == 2 * every
    plain = _plain(hidden=(4,), epochs=2 * every, lr=1.0)
    _assert_same_run(panel, plain, snapshots=False)   # (a plain run of 2 * every epochs snapshots each epoch)
    assert panel.history.snapshot_epochs == [0, every, 2 * every]


def test_step_after_a_finished_run_keeps_the_run_and_says_so():
    """Issue 23: Step after a finished run threw the curve away without a word. Now the run, its
    curve and its picture stay, and a note (not an error) says Reset starts over."""
    finished = playground(controls=("lr",), hidden=(4,), lr=1.0, epochs=EPOCHS)
    old, loss, image, status = finished.live, finished.history.loss.copy(), finished.image.value, finished.status.value
    finished.step_button.click()
    assert finished.live is old and old.epoch == EPOCHS
    np.testing.assert_array_equal(finished.history.loss, loss)
    assert finished.image.value == image and finished.status.value == status
    assert finished.view.note is not None and finished.last_error is None
    assert f"all {EPOCHS} epochs are trained" in finished.message.value
    assert "Reset starts over" in finished.message.value
    assert finished.message.layout.display != "none" and "#a40000" not in finished.message.value   # not red
    finished.reset_button.click()                        # Reset: epoch 0, the note gone
    assert finished.live.epoch == 0 and finished.view.note is None and finished.message.layout.display == "none"
    finished.step()
    assert finished.live.epoch == finished.live.every


def test_reset_goes_back_to_the_initial_weights_of_the_seed():
    panel = Playground(controls=("lr",), hidden=(4,), lr=1.0, seed=3, epochs=LONG, autorun=False)
    panel.play()
    played = _started_and_running(panel)
    panel.reset_button.click()                        # during play: stops it
    assert not panel.playing and panel.live is not played and played.epoch < LONG
    assert panel.play_button.description == "Play"
    run = panel.live
    assert run.epoch == 0 and len(panel.history.loss) == 0
    _assert_same_weights(panel.model.state_dict(), bl.MLP((2, 4, 1), seed=3).state_dict())
    assert panel.status.value.startswith("Epoch 0:") and "press Play or Step" in panel.status.value
    assert panel.image.format == "png" and panel.replay.max == 0 and panel.replay.disabled
    # after a finished run too; and training from there is the plain run
    panel.step()
    _assert_same_run(panel, _plain(hidden=(4,), seed=3, epochs=run.every, lr=1.0), snapshots=False)
    panel.reset()
    _assert_same_weights(panel.model.state_dict(), bl.MLP((2, 4, 1), seed=3).state_dict())


# --- LiveRun: the chunks add up to one train() call ------------------------------------------------
@pytest.mark.parametrize("optimizer, lr", [("gd", 1.0), ("momentum", 0.5), ("adam", 0.02)])
def test_a_live_run_advanced_in_any_chunks_equals_one_train_call(optimizer, lr):
    x, y = bl.load_dataset("circles", seed=1)
    epochs = 250

    def model():
        return bl.MLP((2, 5, 4, 1), activation="tanh", seed=2)

    # snapshot_every=1: the plain run's weights after every epoch, to check any snapshot against
    plain = bl.train(model(), x, y, epochs=epochs, lr=lr, optimizer=optimizer, print_fn=None, snapshot_every=1)
    plain_default = bl.train(model(), x, y, epochs=epochs, lr=lr, optimizer=optimizer, print_fn=None)
    rng = np.random.default_rng(0)
    for aligned in (False, True):
        run = LiveRun(model(), x, y, epochs=epochs, optimizer=bl.get_optimizer(optimizer, lr), loss="mse")
        assert run.every == epochs // 50
        chunks = []
        while not run.done:
            n = int(rng.integers(1, 5)) * run.every if aligned else int(rng.integers(1, 37))
            chunks.append(run.advance(n))
        assert sum(chunks) == epochs == run.epoch and len(chunks) > 3
        assert run.advance(10) == 0
        h = run.history()
        np.testing.assert_array_equal(h.loss, plain.loss)
        np.testing.assert_array_equal(h.accuracy, plain.accuracy)
        assert h.diverged_at is None and h.config["optimizer"] == optimizer and h.config["lr"] == lr
        _assert_same_weights(run.model.state_dict(), plain.model.state_dict())
        for e, w in zip(h.snapshot_epochs, h.snapshots):   # every snapshot holds the weights of its epoch
            _assert_same_weights(w, plain.snapshots[e])
        if aligned:                                          # whole snapshot intervals: train's own snapshots
            assert h.snapshot_epochs == plain_default.snapshot_epochs


@pytest.mark.parametrize("lr", [100.0, 0.013])
def test_a_diverging_live_run_stops_at_the_plain_runs_epoch_with_its_message(lr):
    x, y = bl.load_dataset("linear")

    def model():
        return bl.MLP((2, 10, 10, 1), activation="none", output_activation="none", seed=0)

    plain = bl.train(model(), x, y, epochs=EPOCHS, lr=lr, print_fn=None)
    assert plain.diverged and plain.diverged_at > 3      # it diverges after the first chunk below
    run = LiveRun(model(), x, y, epochs=EPOCHS, optimizer=bl.get_optimizer("gd", lr), loss="mse")
    while not run.done:
        run.advance(3)
    assert run.diverged_at == plain.diverged_at and run.epoch == plain.epochs
    assert run.message == plain.message and f"at epoch {plain.diverged_at}:" in run.message
    h = run.history()
    assert h.diverged and h.message == plain.message
    np.testing.assert_array_equal(h.loss, plain.loss)
    np.testing.assert_array_equal(h.accuracy, plain.accuracy)
    assert run.advance(3) == 0


def test_a_run_diverging_while_it_plays_is_shown_like_plain_train():
    panel = playground(controls=("lr",), dataset="linear", activation="none", lr=1e-3, epochs=EPOCHS)
    assert not panel.history.diverged
    panel.controls["lr"].value = 100.0
    assert panel.wait()
    plain = _plain("linear", activation="none", output_activation="none", epochs=EPOCHS, lr=100.0)
    assert plain.diverged
    _assert_same_run(panel, plain)
    assert panel.history.message == plain.message and plain.message in panel.message.value
    assert panel.status.value.count(f"Diverged at epoch {plain.diverged_at}") == 1
    assert panel.image.format == "png" and panel.play_button.description == "Play"


# --- neuron maps -------------------------------------------------------------------------------------
def _neuron_images(panel):
    """The neuron maps' Image widgets as the panel lays them out: one per hidden layer."""
    return [w for row in panel.neurons.children for w in row.children if isinstance(w, widgets.Image)]


def _neuron_columns(panel):
    """The neuron maps as the panel shows them: per hidden layer, the maps (res, res, 3) cut out of its
    picture, where ``images.mosaic`` documents them: map k's top-left corner at row
    (k // MAP_COLUMNS) * (res + MAP_GAP), column (k % MAP_COLUMNS) * (res + MAP_GAP); the gaps white."""
    res, cols, gap = neuron_box.MAP_RESOLUTION, images.MAP_COLUMNS, images.MAP_GAP
    layers = []
    for image, units in zip(_neuron_images(panel), panel.model.sizes[1:-1]):
        picture = _pixels(image.value)
        n_cols, n_rows = min(units, cols), -(-units // cols)
        assert picture.shape == (n_rows * (res + gap) - gap, n_cols * (res + gap) - gap, 3)
        corners = [((k // cols) * (res + gap), (k % cols) * (res + gap)) for k in range(units)]
        tiles = [picture[top:top + res, left:left + res] for top, left in corners]
        on_a_map = np.zeros(picture.shape[:2], bool)
        for top, left in corners:
            on_a_map[top:top + res, left:left + res] = True
        assert (picture[~on_a_map] == 255).all()     # nothing but the maps and white gaps
        layers.append(tiles)
    return layers


def _rdbu_lut():
    from matplotlib import colormaps
    return np.round(255 * colormaps["RdBu"](np.linspace(0, 1, 256))[:, :3]).astype(np.uint8)


def _assert_maps_show(panel, activation):
    """Each map is its unit's output over the plane (bl.neuron_outputs), coloured red (low) to blue
    (high) over the activation's range, or the layer's own range for an unbounded one."""
    columns = _neuron_columns(panel)
    res = neuron_box.MAP_RESOLUTION
    assert all(image.format == "png" and image.value[:8] == PNG for image in _neuron_images(panel))
    grid, _ = bl.input_grid(panel.x, res)
    values = bl.neuron_outputs(panel.model, grid)[:-1]           # the hidden layers
    assert [len(c) for c in columns] == [len(v) for v in values]
    lut = _rdbu_lut()
    for column, layer in zip(columns, values):
        lo, hi = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(activation, (layer.min(), layer.max()))
        for tile, unit in zip(column, layer):
            expected = images.colour_image(unit[::-1], lo, hi, lut)    # row 0 of the picture: the top
            np.testing.assert_array_equal(tile, expected)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_neuron_maps_one_map_per_hidden_unit_showing_its_activation(activation):
    # one image per hidden layer (a message per layer, not per unit), holding a map per unit
    panel = playground(controls=("seed",), hidden=(3, 4, 5), activation=activation, lr=0.5, epochs=100,
                       neuron_maps=True)
    images = [w for w in _descendants(panel.neurons) if isinstance(w, widgets.Image)]
    assert len(images) == 3 and images == _neuron_images(panel) == panel.view.neurons.images
    assert [len(c) for c in _neuron_columns(panel)] == [3, 4, 5]
    assert panel.neurons.layout.display is None and panel.neurons_toggle.value
    _assert_maps_show(panel, activation)
    before = [w.value for w in images]
    panel.controls["seed"].value = 1                            # a new run: the maps follow its model
    assert panel.wait()
    assert [w.value for w in images] != before
    _assert_maps_show(panel, activation)


def test_a_wide_layer_s_maps_wrap_into_rows():
    panel = playground(controls=(), hidden=(20, 3), lr=1.0, epochs=100, neuron_maps=True)
    assert [len(c) for c in _neuron_columns(panel)] == [20, 3]      # 16 maps, then 4 in a second row
    _assert_maps_show(panel, "sigmoid")
    wide, narrow = (image.layout.width for image in _neuron_images(panel))
    assert wide == f"{round((16 * 24 + 15 * 2) * 44 / 24)}px" and narrow == f"{round((3 * 24 + 2 * 2) * 44 / 24)}px"


def test_the_neuron_maps_toggle_and_a_new_depth():
    panel = playground(controls=("hidden",), hidden=(2,), epochs=100)
    assert panel.neurons.layout.display == "none" and _neuron_columns(panel) == []
    panel.neurons_toggle.value = True                          # drawn at once, for the run shown
    assert [len(c) for c in _neuron_columns(panel)] == [2]
    _assert_maps_show(panel, "sigmoid")
    panel.controls["hidden"].value = (3, 2)
    assert panel.wait()
    assert [len(c) for c in _neuron_columns(panel)] == [3, 2]
    _assert_maps_show(panel, "sigmoid")
    panel.neurons_toggle.value = False
    assert panel.neurons.layout.display == "none"


def test_toggling_the_neuron_maps_while_a_run_plays_does_not_disturb_it():
    # The maps run the network over a grid; done on the model the worker is training, that
    # would overwrite what its layers cached for backward.
    panel = Playground(controls=("lr",), hidden=(4, 4), lr=1.0, epochs=3000, autorun=False)
    panel.play()
    run = _started_and_running(panel)
    toggles = 0
    while panel.playing and toggles < 200:
        panel.neurons_toggle.value = not panel.neurons_toggle.value
        toggles += 1
    assert panel.wait()
    assert panel.live is run and run.done and panel.last_error is None
    _assert_same_run(panel, _plain(hidden=(4, 4), epochs=3000, lr=1.0))
    panel.neurons_toggle.value = True
    _assert_maps_show(panel, "sigmoid")


# --- held-out points and noise -----------------------------------------------------------------------
def _held_out_in_status(status):
    m = re.search(r"held-out: [\d.]+% \((\d+)/(\d+)\)", status)
    assert m, status
    return int(m[1]), int(m[2])


@pytest.mark.parametrize("dataset", ["xor", "linear", "circles"])
def test_held_out_points_are_not_trained_on_and_measured_independently(dataset):
    panel = playground(controls=("test",), dataset=dataset, test=True, lr=1.0, seed=2, epochs=EPOCHS)
    x, y = bl.load_dataset(dataset, seed=2)
    x_test, y_test = bl.load_test_set(dataset, seed=2)
    np.testing.assert_array_equal(panel.x, x)                  # the training points are the data set's
    np.testing.assert_array_equal(panel.live.x_test, x_test)
    np.testing.assert_array_equal(panel.live.y_test, y_test)
    shared = set(map(tuple, x)) & set(map(tuple, x_test))
    assert not shared and np.min(np.linalg.norm(x[:, None] - x_test[None], axis=2)) > 0
    _assert_same_run(panel, _plain(dataset, seed=2, epochs=EPOCHS, lr=1.0))   # trained on x, y only
    pred = panel.model.forward(x_test)
    right = int(np.count_nonzero((pred > 0.5) == (y_test > 0.5)))
    assert _held_out_in_status(panel.status.value) == (right, len(y_test))
    assert panel.live.test_loss[-1] == pytest.approx(np.mean((pred - y_test) ** 2), rel=1e-12)
    assert panel.live.test_epochs == panel.history.snapshot_epochs         # measured at every snapshot
    first = bl.MLP((2, 10, 10, 1), seed=2).forward(x_test)
    assert panel.live.test_loss[0] == pytest.approx(np.mean((first - y_test) ** 2), rel=1e-12)
    panel.controls["test"].value = False
    assert panel.wait()
    assert panel.live.x_test is None and "held-out" not in panel.status.value


def test_noise_moves_the_points_reproducibly_from_the_seed():
    panel = playground(controls=("noise",), dataset="xor", noise=0.1, test=True, seed=1, epochs=EPOCHS)
    clean_x, clean_y = bl.generate_xor_easy()
    between_x, _ = bl.generate_xor_between()
    moved = panel.x - clean_x
    assert np.all(moved != 0) and 0.05 < moved.std() < 0.17      # jitter of about 0.1 on every point
    np.testing.assert_array_equal(panel.y, clean_y)               # the labels stay
    assert np.all(panel.live.x_test != between_x)
    again = playground(controls=(), dataset="xor", noise=0.1, test=True, seed=1, epochs=10)
    np.testing.assert_array_equal(again.x, panel.x)
    np.testing.assert_array_equal(again.live.x_test, panel.live.x_test)
    other = playground(controls=(), dataset="xor", noise=0.1, test=True, seed=2, epochs=10)
    assert not np.array_equal(other.x, panel.x)
    assert not set(map(tuple, panel.x)) & set(map(tuple, panel.live.x_test))
    _assert_same_run(panel, _plain(seed=1, noise=0.1, epochs=EPOCHS, lr=bl.DEFAULT_LR["gd"]))
    panel.controls["noise"].value = 0.0
    assert panel.wait()
    np.testing.assert_array_equal(panel.x, clean_x)
    np.testing.assert_array_equal(panel.live.x_test, between_x)


# --- data of your own --------------------------------------------------------------------------------
def _my_data(n=30, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 2, (n, 2))
    return x, (x[:, 0] ** 2 > x[:, 1]).astype(float).reshape(-1, 1)


def test_data_of_your_own_is_trained_on_exactly():
    x, y = _my_data()
    panel = playground(data=(x, y), lr=1.0, epochs=EPOCHS)
    assert "dataset" not in panel.controls and "noise" not in panel.controls and "test" not in panel.controls
    np.testing.assert_array_equal(panel.x, x)
    np.testing.assert_array_equal(panel.y, y)
    _assert_same_run(panel, _plain(data=(x, y), epochs=EPOCHS, lr=1.0))
    code = panel.code_text
    assert "bl.load_dataset" not in code and ", x, y, epochs=" in code
    assert "x, y" in panel.code.value and "your data" in panel.code.value
    again = eval(code, {"bl": bl, "x": x, "y": y})
    _assert_same_run(panel, again)
    panel.controls["seed"].value = 4                               # a control change keeps the data
    assert panel.wait()
    np.testing.assert_array_equal(panel.x, x)
    _assert_same_run(panel, _plain(data=(x, y), seed=4, epochs=EPOCHS, lr=1.0))


def test_data_of_your_own_with_held_out_points():
    x, y = _my_data()
    x_test, y_test = _my_data(20, seed=8)
    panel = playground(controls=("lr",), data=(x, y, x_test, y_test), lr=1.0, epochs=EPOCHS)
    np.testing.assert_array_equal(panel.live.x_test, x_test)
    _assert_same_run(panel, _plain(data=(x, y), epochs=EPOCHS, lr=1.0))
    pred = panel.model.forward(x_test)
    right = int(np.count_nonzero((pred > 0.5) == (y_test > 0.5)))
    assert _held_out_in_status(panel.status.value) == (right, 20)
    assert "load_test_set" not in panel.code_text


@pytest.mark.parametrize("data, kwargs, error, match", [
    ("x", {}, TypeError, r"data must be a pair \(x, y\)"),
    ((np.zeros((4, 2)),), {}, TypeError, r"data must be a pair \(x, y\)"),
    ((np.zeros((4, 2)), np.zeros(4)), {}, ValueError, r"reshape\(-1, 1\)"),
    ((np.zeros((4, 3)), np.zeros((4, 1))), {}, ValueError, r"x must hold points of the plane, shape \(N, 2\)"),
    ((np.zeros((4, 2)), np.zeros((5, 1))), {}, ValueError, "x has 4 points but y has 5 labels"),
    ((np.zeros((4, 2)), np.full((4, 1), 2.0)), {}, ValueError, "y must hold class labels 0 and 1"),
    ((np.zeros((4, 2)), np.zeros((4, 1)), np.zeros((3, 2)), np.zeros((4, 1))), {}, ValueError,
     "x_test has 3 points but y_test has 4 labels"),
    ((np.full((4, 2), np.nan), np.zeros((4, 1))), {}, ValueError, "NaN"),
    (None, {"controls": ("dataset", "lr")}, ValueError, "leave dataset out"),
    (None, {"dataset": "circles"}, ValueError, "leave dataset out"),
    (None, {"noise": 0.1}, ValueError, "leave noise out"),
    (None, {"controls": ("test",)}, ValueError, "leave test out"),
])
def test_bad_data_of_your_own_is_refused_clearly(data, kwargs, error, match):
    data = _my_data() if data is None else data
    with pytest.raises(error, match=match):
        playground(data=data, **kwargs)


def test_a_worker_error_is_shown_not_lost(monkeypatch):
    """An error raised while the worker trains (here: a training step that fails) reaches the
    message box, and the button says Play again."""
    panel = playground(controls=("lr",), epochs=EPOCHS)

    def failing(*args, **kwargs):
        raise ValueError("BCELoss: target values must lie in [0, 1] (a failure planted by the test)")

    monkeypatch.setattr(live_module, "train", failing)
    panel.controls["lr"].value = 0.5
    panel.wait()
    assert "BCELoss: target values must lie in [0, 1]" in panel.message.value
    assert panel.message.layout.display != "none"
    assert not panel.playing and panel.play_button.description == "Play"
    assert "bl-running" not in panel.widget._dom_classes


# --- init, depth, errors while playing ------------------------------------------------------------
def test_the_init_control_gives_the_weights_of_that_init():
    panel = playground(controls=("init",), init="xavier", seed=4, lr=1.0, epochs=EPOCHS)
    want = bl.MLP((2, 10, 10, 1), init="xavier", seed=4).state_dict()
    _assert_same_weights(panel.live.snapshots[0], want)
    assert not np.array_equal(want["0.weight"], bl.MLP((2, 10, 10, 1), seed=4).state_dict()["0.weight"])
    _assert_same_run(panel, _plain(init="xavier", seed=4, epochs=EPOCHS, lr=1.0))
    assert 'init="xavier")' in panel.code_text
    panel.controls["init"].value = "normal"
    assert panel.wait()
    _assert_same_weights(panel.live.snapshots[0], bl.MLP((2, 10, 10, 1), seed=4).state_dict())
    _assert_same_run(panel, _plain(seed=4, epochs=EPOCHS, lr=1.0))
    assert "init=" not in panel.code_text


def test_the_hidden_layers_slider_sets_the_depth(trace):
    panel = playground(controls=("hidden",), hidden=(6, 5), lr=1.0, epochs=EPOCHS)
    hidden = panel.controls["hidden"]
    assert hidden.layers.value == 2 and hidden.layers.min == 1 and hidden.layers.max == 3
    # A hidden units slider keeps its cell of the grid (visibility), so no control moves (issue 23)
    assert all(s.layout.display is None for s in hidden.sliders) and hidden.layout.display == "contents"
    shown = [s.layout.visibility != "hidden" for s in hidden.sliders]
    assert shown == [True, True, False]
    hidden.layers.value = 3                           # a third layer, as wide as the last one
    assert panel.wait()
    assert hidden.value == (6, 5, 5) and panel.model.sizes == (2, 6, 5, 5, 1)
    assert [s.layout.visibility != "hidden" for s in hidden.sliders] == [True, True, True]
    assert "bl.MLP((2, 6, 5, 5, 1)," in panel.code_text
    _assert_same_run(panel, _plain(hidden=(6, 5, 5), epochs=EPOCHS, lr=1.0))
    hidden.sliders[2].value = 3
    assert panel.wait()
    assert panel.model.sizes == (2, 6, 5, 3, 1)
    hidden.layers.value = 1
    assert panel.wait()
    assert panel.model.sizes == (2, 6, 1) and "bl.MLP((2, 6, 1)," in panel.code_text
    assert [s.layout.visibility != "hidden" for s in hidden.sliders] == [True, False, False]
    assert all(s.layout.display is None for s in hidden.sliders)
    _assert_same_run(panel, _plain(hidden=(6,), epochs=EPOCHS, lr=1.0))
    hidden.layers.value = 3                           # the hidden sliders kept their values
    assert panel.wait()
    assert panel.model.sizes == (2, 6, 5, 3, 1)
    assert len([e for e in trace if e[0] == "run"]) == 5   # one run per change, plus the first
    hidden.value = (7,)                               # programmatically: the sliders follow
    assert panel.wait()
    assert hidden.layers.value == 1 and hidden.sliders[0].value == 7 and panel.model.sizes == (2, 7, 1)
    with pytest.raises(traitlets.TraitError, match="at most 3 hidden layers"):
        hidden.value = (2, 2, 2, 2)


def test_an_invalid_change_while_playing_stops_the_run_and_says_why():
    panel = Playground(controls=("seed", "lr"), lr=1.0, epochs=LONG, autorun=False, hidden=(4,))
    panel.play()
    run = _started_and_running(panel)
    panel.controls["seed"].value = -1
    assert not panel.playing and panel.live is run
    assert "seed must be &gt;= 0; got -1" in panel.message.value
    assert "Not trained" in panel.status.value
    assert panel.play_button.description == "Play" and "bl-running" not in panel.widget._dom_classes


# --- frames ----------------------------------------------------------------------------------------
def test_the_replay_slider_works_after_a_played_run():
    panel = playground(controls=("lr",), lr=1.0, epochs=EPOCHS)
    panel.controls["lr"].value = 0.5
    assert panel.wait()
    h = panel.history
    assert h.snapshot_epochs == _plain(epochs=EPOCHS, lr=0.5).snapshot_epochs
    assert not panel.replay.disabled and panel.replay.max == EPOCHS
    panel.replay.value = 100
    shown = min(h.snapshot_epochs, key=lambda e: abs(e - 100))   # the nearest snapshot (every 6 epochs: 102)
    assert panel.replay.value == shown
    assert panel.image.format == "png"
    assert panel.image.value == render_run(h.model_at(shown), h, panel.x, panel.y, epoch=shown)
    assert panel.live.done and panel.live.epoch == EPOCHS        # replaying trains nothing


def test_frames_are_jpeg_while_playing_and_a_small_png_at_the_end():
    panel = playground(controls=("lr",), lr=1.0, epochs=600, neuron_maps=True)
    assert panel.image.format == "png" and len(panel.image.value) < 60_000
    seen, statuses = [], []
    panel.image.observe(lambda change: seen.append((panel.image.format, change["new"])), names="value")
    panel.status.observe(lambda change: statuses.append(change["new"]), names="value")
    panel.controls["lr"].value = 0.5
    assert panel.wait()
    assert len(seen) >= 2                             # at least the first chunk's frame and the final one
    assert statuses[0].startswith("Training… epoch ") and "/600 · " in statuses[0]
    assert statuses[-1].startswith("<b>Accuracy:")
    *playing, (final_format, final) = seen
    assert all(fmt == "jpeg" and png[:3] == JPEG for fmt, png in playing)
    assert final_format == "png" and final[:8] == PNG and final == panel.image.value
    assert len(final) < 60_000
    width, height = int.from_bytes(final[16:20], "big"), int.from_bytes(final[20:24], "big")
    assert _pixels(playing[0][1]).shape == (height, width, 3)   # JPEG frames are the same picture size
    assert all(len(w.value) < 5_000 * units for w, units in zip(_neuron_images(panel), panel.model.sizes[1:-1]))


def test_a_replayed_epoch_is_redrawn_once_the_run_went_on():
    """The replay picture of an epoch shows the learning curve as far as the run has trained: a
    picture cached while paused is not reused after Play carried the run further."""
    panel = playground(controls=("lr",), epochs=EPOCHS, autorun=False)
    panel.reset()
    for _ in range(5):
        panel.step()
    early = panel.live.every
    paused = panel.show_epoch(early) and panel.image.value
    panel.play()
    assert panel.wait()
    assert panel.show_epoch(early) == early
    assert panel.image.value != paused                           # the curve now runs to the end


def test_a_panel_on_your_own_data_refuses_a_data_set_change():
    x, y = _my_data()
    panel = playground(controls=("lr",), data=(x, y), epochs=EPOCHS)
    history = panel.history
    assert panel.run(dataset="xor", noise=0.2) is None
    assert "trains on your own data" in panel.message.value and panel.history.loss.tolist() == history.loss.tolist()
    with pytest.raises(ValueError, match="needs the points: pass data"):
        playground(dataset="your data")


def test_neuron_maps_are_bmp_while_playing_and_png_when_final():
    """While a run plays the maps are uncompressed BMPs (written in microseconds), decoded to the same
    pixels as the final PNGs would be."""
    panel = playground(controls=("lr",), epochs=2000, neuron_maps=True)   # long enough for frames before the last
    formats = []
    image = _neuron_images(panel)[0]
    image.observe(lambda change: formats.append((image.format, bytes(change["new"][:2]))), names="value")
    panel.play(restart=True)
    assert panel.wait()
    assert len(formats) >= 2 and formats[-1] == ("png", PNG[:2])
    assert all(f == ("bmp", b"BM") for f in formats[:-1])
    png = images.encode(np.zeros((3, 5, 3), np.uint8) + np.arange(5, dtype=np.uint8)[None, :, None] * 40)
    bmp = images.encode(np.asarray(_pixels(png)), "bmp")
    np.testing.assert_array_equal(_pixels(bmp), _pixels(png))
