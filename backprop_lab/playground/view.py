"""What the panel shows: its widget tree, the callbacks wired to it, and how a run is put on screen.

``build(panel)`` makes the widgets and connects each to one ``Playground`` method (the callbacks
stay thin). ``draw(panel, run, final)`` puts a ``LiveRun`` on screen: the picture, the status
line, the replay slider, the neuron maps and the message box. During an animation the picture is
a JPEG (ten times faster to encode); a final frame is a PNG.
"""
from __future__ import annotations

import contextlib
import html

import ipywidgets as widgets
import numpy as np

from ..plots import DPI
from . import neuron_box
from .controls import STYLE
from .drawing import FIGSIZE, curve_title
from .panel_settings import YOUR_DATA

_MESSAGE_STYLE = ("color:#a40000; background:#fdecea; border:1px solid #e8a09a; border-radius:4px; "
                  "padding:4px 8px; margin:2px 0; white-space:pre-wrap")
_BUTTON_LAYOUT = {"width": "auto", "flex": "0 0 auto"}   # as wide as the label, never squeezed by the status


def build(panel, neuron_maps: bool):
    """Make the panel's widgets (attributes of ``panel``) and connect them to its methods."""
    for name, w in panel.controls.items():
        w.add_class(f"bl-control-{name}")
        w.observe(lambda change: None if panel._quiet else panel.play(restart=True), names="value")

    def button(text, icon, tooltip, cls, action):
        b = widgets.Button(description=text, icon=icon, tooltip=tooltip, layout=_BUTTON_LAYOUT)
        b.add_class(cls)
        b.on_click(lambda _: action())
        return b

    panel.play_button = button("Play", "play", "train, and watch it learn (Pause stops)", "bl-play",
                               lambda: panel.pause() if panel.playing else panel.play())
    panel.play_button.button_style = "primary"
    panel.step_button = button("Step", "step-forward", "train one snapshot interval (epochs / 50); after a "
                               "finished run, start again from epoch 0", "bl-step", panel.step)
    panel.reset_button = button("Reset", "undo", "back to epoch 0: the initial weights of this seed",
                                "bl-reset", panel.reset)
    panel.status = _with_class(widgets.HTML(""), "bl-status")
    panel.message = _with_class(widgets.HTML("", layout={"display": "none"}), "bl-message")
    # At its own pixel width: stretched to the output area's width, the picture would look blurred.
    panel.image = _with_class(widgets.Image(format="png", layout={"width": f"{FIGSIZE[0] * DPI:.0f}px"}), "bl-image")
    panel.neurons_toggle = _with_class(widgets.ToggleButton(value=neuron_maps, description="neuron maps",
                                                            tooltip="what every hidden unit computes over the plane",
                                                            layout=_BUTTON_LAYOUT), "bl-neurons-toggle")
    panel.neurons = _with_class(widgets.VBox([], layout={"display": None if neuron_maps else "none"}), "bl-neurons")
    panel._neuron_images = []
    panel.neurons_toggle.observe(lambda change: neuron_box.toggle(panel), names="value")
    panel.replay = _with_class(widgets.IntSlider(value=0, min=0, max=0, description="replay epoch",
                                                 tooltip="the state during training (from the snapshots)",
                                                 continuous_update=False, disabled=True, style=STYLE,
                                                 layout={"width": "560px"}), "bl-replay")
    panel.replay.observe(lambda change: None if panel._quiet else panel.show_epoch(change["new"]), names="value")
    panel.code = _with_class(widgets.HTML(""), "bl-code")
    box = _with_class(widgets.Box(list(panel.controls.values()),
                                  layout={"flex_flow": "row wrap", "display": "flex" if panel.controls else "none"}),
                      "bl-controls")
    buttons = widgets.HBox([panel.play_button, panel.step_button, panel.reset_button, panel.neurons_toggle,
                            panel.status], layout={"align_items": "center"})
    panel.widget = _with_class(widgets.VBox([box, buttons, panel.message, panel.image, panel.neurons,
                                             panel.replay, panel.code]), "bl-playground")


def _with_class(w, cls):
    w.add_class(cls)
    return w


@contextlib.contextmanager
def quietly(panel):
    """Set widget values without their observers starting runs (they check ``panel._quiet``), in
    this thread only (an observer runs in the thread that sets the value)."""
    panel._local.quiet = panel._quiet + 1
    try:
        yield
    finally:
        panel._local.quiet -= 1


def set_control(w, name, value):
    """Show ``value`` on the control ``w``, widening a slider's range if needed."""
    if name == "lr":
        exponent = np.log10(value)
        w.min, w.max = min(w.min, np.floor(exponent)), max(w.max, np.ceil(exponent))
    elif name in ("epochs", "noise"):
        w.min, w.max = min(w.min, value), max(w.max, value)
    w.value = value


def show_playing(panel, playing: bool):
    panel.play_button.description, panel.play_button.icon = ("Pause", "pause") if playing else ("Play", "play")
    if playing:
        panel.replay.disabled = True                 # until the run stops: no snapshots are final yet
    (panel.widget.add_class if playing else panel.widget.remove_class)("bl-running")


def draw(panel, run, final: bool):
    """Put ``run`` on screen: a JPEG frame while it plays, the PNG of its final state when ``final``."""
    h = run.history()
    correct = _correct(run.model, run.x, run.y)
    test = None if run.x_test is None else (run.test_epochs, run.test_loss)
    # While it plays, the status line gives the epoch (a title's glyphs cost a quarter of a frame).
    title = f"Epoch {run.epoch}: {correct}/{len(run.y)} correct" if final else ""
    picture = panel._canvas.frame(run.model, h.loss, test, title=title, curve_title=curve_title(h.diverged_at),
                                  diverged_at=h.diverged_at, fmt="png" if final else "jpeg")
    panel.image.format = "png" if final else "jpeg"
    panel.image.value = picture
    panel.status.value = _status_html(run, h, correct, final)
    if panel.neurons_toggle.value:
        neuron_box.draw(panel, run.model, "png" if final else "bmp")
    with quietly(panel):
        panel.replay.max = max(panel.replay.max, run.epoch)
        panel.replay.value = run.epoch
        panel.replay.max = run.epoch
        panel.replay.disabled = not final or run.epoch == 0
    if final:
        panel._replay_cache[run.epoch, run.epoch] = picture
        show_playing(panel, False)
        panel.code.value = ('<div style="font-size:small">Reproduce this run (<code>import backprop_lab as bl</code>'
                            + ('; <code>x, y</code> are your data' if run.settings["dataset"] == YOUR_DATA else "")
                            + '):</div><pre style="user-select:all; white-space:pre-wrap; margin:2px 0">'
                            f'{html.escape(panel.code_text, quote=False)}</pre>')
    if h.diverged:
        show_error(panel, h.message, error=False)
    elif panel.last_error is None:
        clear_message(panel)


def show_snapshot(panel, epoch):
    """The replay slider's picture: the nearest snapshot to ``epoch``, marked on the learning curve."""
    run = panel.live
    if run is None:
        return None
    j = int(np.argmin([abs(e - int(epoch)) for e in run.snapshot_epochs]))
    shown = run.snapshot_epochs[j]
    with quietly(panel):
        panel.replay.value = shown
    model = run.snapshot_model(j)
    png = panel._replay_cache.get((shown, run.epoch))   # (epoch shown, epochs trained): the curve differs
    if png is None:
        test = None if run.x_test is None else (run.test_epochs, run.test_loss)
        with panel._lock:
            png = panel._canvas.frame(model, run.history().loss, test, epoch=shown,
                                      title=f"Epoch {shown}: {_correct(model, run.x, run.y)}/{len(run.y)} correct")
        panel._replay_cache[shown, run.epoch] = png
    panel.image.format, panel.image.value = "png", png
    if panel.neurons_toggle.value:
        neuron_box.draw(panel, model)
    return shown


def _correct(model, x, y) -> int:
    with np.errstate(all="ignore"):
        return int(np.count_nonzero((model.forward(x) > 0.5) == (y > 0.5)))


def _status_html(run, h, correct: int, final: bool) -> str:
    """The status line: accuracy (and the held-out points'), loss, epochs."""
    n = len(run.y)
    if h.diverged:
        text = f"Diverged at epoch {h.diverged_at} · {h.epochs} epochs completed"
        if len(h.loss):
            text += f" · last finite loss {h.final_loss:.4g}"
        return f'<span style="color:#a40000"><b>{html.escape(text)}</b></span>'
    if run.epoch == 0:
        return f"Epoch 0: the initial weights, {correct}/{n} correct · press Play or Step to train"
    loss = h.final_loss
    loss_s = f"{loss:.4f}" if not loss < 1e-4 else f"{loss:.1e}"
    test = ""
    if run.x_test is not None:
        n_test = len(run.y_test)
        right = round(run.test_accuracy[-1] * n_test)
        test = f" · <b>held-out: {right / n_test:.1%} ({right}/{n_test})</b>"
    if run.done:
        return f"<b>Accuracy: {correct / n:.1%} ({correct}/{n})</b>{test} · final loss {loss_s} · {h.epochs} epochs"
    doing = "Paused at" if final else "Training…"
    return (f"{doing} epoch {run.epoch}/{run.epochs} · <b>accuracy {correct / n:.1%} ({correct}/{n})</b>{test}"
            f" · loss {loss_s}")


def show_error(panel, text: str, error: bool = True):
    if error:
        panel.last_error = text
        if panel.live is not None:
            panel.status.value = ('<span style="color:#a40000">Not trained: see the message below. '
                                  'The plot shows the last run.</span>')
        if not panel.playing:                   # e.g. a run stopped by an invalid change: the button says Play
            show_playing(panel, False)
    panel.message.value = f'<div style="{_MESSAGE_STYLE}">{html.escape(text, quote=False)}</div>'
    panel.message.layout.display = None


def clear_message(panel):
    panel.message.value = ""
    panel.message.layout.display = "none"

