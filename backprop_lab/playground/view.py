"""What the panel shows: its widget tree, and how a run is put on screen.

``PanelView`` makes the widgets and owns everything on screen: the run shown, the picture (a
``PanelCanvas``, one drawer at a time), the replay pictures already drawn, the neuron maps and the
message box. A person's actions reach the panel through callbacks; values the view sets itself
(``quietly``) never do. ``draw(run, final)`` puts a ``LiveRun`` on screen: the picture, the status
line, the replay slider, the neuron maps and the message box. During an animation the picture is
a JPEG (ten times faster to encode); a final frame is a PNG.
"""
from __future__ import annotations

import contextlib
import copy
import html
import threading

import ipywidgets as widgets
import numpy as np

from ..figures.plots import DPI
from .controls import BUTTON_LAYOUT, STYLE, make_control, with_class
from .drawing import FIGSIZE, PanelCanvas, curve_title
from .neuron_box import NeuronBox
from .panel_settings import YOUR_DATA, format_call

_MESSAGE_STYLE = ("color:#a40000; background:#fdecea; border:1px solid #e8a09a; border-radius:4px; "
                  "padding:4px 8px; margin:2px 0; white-space:pre-wrap")


class PanelView:
    """The panel's widgets and what they show.

    ``values``: the controls to make, name -> initial value. The callbacks, each called without
    arguments unless said: ``on_change`` (a person changed a control), ``on_play`` (the Play/Pause
    button), ``on_step``, ``on_reset``, ``on_replay(epoch)`` (the replay slider moved) and
    ``on_neurons`` (the neuron maps were turned on).
    Widgets: ``widget`` (the root), ``controls`` (name -> widget), ``play_button``, ``step_button``,
    ``reset_button``, ``status``, ``message``, ``image``, ``neurons`` (a ``NeuronBox``), ``replay``, ``code``.
    State: ``run``, the ``LiveRun`` shown (``start`` sets it), and ``error``, the error the message
    box shows (or None).
    """

    def __init__(self, values: dict, *, neuron_maps: bool, resolution: int, on_change, on_play, on_step,
                 on_reset, on_replay, on_neurons):
        self.run = None
        self.error = None
        self._local = threading.local()             # per thread: see quietly
        self._lock = threading.RLock()              # one drawer at a time: the canvas is not thread-safe
        self._canvas = PanelCanvas(resolution=resolution)
        self._replay_cache = {}                     # (epoch shown, epochs trained) -> PNG
        self.controls = {n: make_control(n, v) for n, v in values.items()}
        for name, w in self.controls.items():
            w.add_class(f"bl-control-{name}")
            w.observe(lambda change: None if self.quiet else on_change(), names="value")

        def button(text, icon, tooltip, cls, action):
            b = widgets.Button(description=text, icon=icon, tooltip=tooltip, layout=BUTTON_LAYOUT)
            b.add_class(cls)
            b.on_click(lambda _: action())
            return b

        self.play_button = button("Play", "play", "train, and watch it learn (Pause stops)", "bl-play", on_play)
        self.play_button.button_style = "primary"
        self.step_button = button("Step", "step-forward", "train one snapshot interval (epochs / 50); after a "
                                  "finished run, start again from epoch 0", "bl-step", on_step)
        self.reset_button = button("Reset", "undo", "back to epoch 0: the initial weights of this seed",
                                   "bl-reset", on_reset)
        self.status = with_class(widgets.HTML(""), "bl-status")
        self.message = with_class(widgets.HTML("", layout={"display": "none"}), "bl-message")
        # At its own pixel width: stretched to the output area's width, the picture would look blurred.
        self.image = with_class(widgets.Image(format="png", layout={"width": f"{FIGSIZE[0] * DPI:.0f}px"}),
                                "bl-image")
        self.neurons = NeuronBox(neuron_maps, on_show=on_neurons)
        self.replay = with_class(widgets.IntSlider(value=0, min=0, max=0, description="replay epoch",
                                                   tooltip="the state during training (from the snapshots)",
                                                   continuous_update=False, disabled=True, style=STYLE,
                                                   layout={"width": "560px"}), "bl-replay")
        self.replay.observe(lambda change: None if self.quiet else on_replay(change["new"]), names="value")
        self.code = with_class(widgets.HTML(""), "bl-code")
        box = with_class(widgets.Box(list(self.controls.values()),
                                     layout={"flex_flow": "row wrap", "display": "flex" if self.controls else "none"}),
                         "bl-controls")
        buttons = widgets.HBox([self.play_button, self.step_button, self.reset_button, self.neurons.toggle,
                                self.status], layout={"align_items": "center"})
        self.widget = with_class(widgets.VBox([box, buttons, self.message, self.image, self.neurons.box,
                                               self.replay, self.code]), "bl-playground")

    # ---- values set by the view itself ----------------------------------------------------------
    @property
    def quiet(self) -> bool:
        """True while this thread sets widget values that must not reach the callbacks (``quietly``)."""
        return getattr(self._local, "quiet", 0) > 0

    @contextlib.contextmanager
    def quietly(self):
        """Set widget values without their observers calling back, in this thread only (an observer runs
        in the thread that sets the value): the worker drawing a frame must not silence a control
        change handled meanwhile in the kernel's thread."""
        self._local.quiet = getattr(self._local, "quiet", 0) + 1
        try:
            yield
        finally:
            self._local.quiet -= 1

    def set_control(self, name: str, value):
        """Show ``value`` on the control ``name`` (quietly), widening a slider's range if needed."""
        w = self.controls[name]
        with self.quietly():
            if name == "lr":
                exponent = np.log10(value)
                w.min, w.max = min(w.min, np.floor(exponent)), max(w.max, np.ceil(exponent))
            elif name in ("epochs", "noise"):
                w.min, w.max = min(w.min, value), max(w.max, value)
            w.value = value

    # ---- the run shown ---------------------------------------------------------------------------
    def start(self, run):
        """Show ``run`` from now on: its points on the canvas; frames of the run shown before are dropped."""
        with self._lock:
            self._canvas.start(run.x, run.y, run.x_test, run.y_test, epochs=run.epochs)
            self.run, self._replay_cache = run, {}

    def draw(self, run, final: bool):
        """Put ``run`` on screen: a JPEG frame while it plays, the PNG of its final state when ``final``.
        Returns the picture's bytes, or None (nothing drawn) if ``run`` is no longer the run shown."""
        with self._lock:
            if run is not self.run:
                return None
            h = run.history()
            correct = _correct(run.model, run.x, run.y)
            test = None if run.x_test is None else (run.test_epochs, run.test_loss)
            # While it plays, the status line gives the epoch (a title's glyphs cost a quarter of a frame).
            title = f"Epoch {run.epoch}: {correct}/{len(run.y)} correct" if final else ""
            picture = self._canvas.frame(run.model, h.loss, test, title=title, curve_title=curve_title(h.diverged_at),
                                         diverged_at=h.diverged_at, fmt="png" if final else "jpeg")
            self.image.format = "png" if final else "jpeg"
            self.image.value = picture
            self.status.value = _status_html(run, h, correct, final)
            if self.neurons.shown:
                self.neurons.draw(run.model, run.x, "png" if final else "bmp")
            with self.quietly():
                self.replay.max = max(self.replay.max, run.epoch)
                self.replay.value = run.epoch
                self.replay.max = run.epoch
                self.replay.disabled = not final or run.epoch == 0
            if final:
                self._replay_cache[run.epoch, run.epoch] = picture
                self.show_playing(False)
                self.code.value = ('<div style="font-size:small">Reproduce this run (<code>import backprop_lab as bl'
                                   '</code>' + ('; <code>x, y</code> are your data'
                                                if run.settings["dataset"] == YOUR_DATA else "")
                                   + '):</div><pre style="user-select:all; white-space:pre-wrap; margin:2px 0">'
                                   f'{html.escape(format_call(run.settings), quote=False)}</pre>')
            if h.diverged:
                self.show_message(h.message)
            elif self.error is None:
                self.clear_message()
            return picture

    def show_snapshot(self, epoch):
        """The replay slider's picture: the nearest snapshot to ``epoch``, marked on the learning curve.
        Returns the snapshot's epoch (None before the first run)."""
        run = self.run
        if run is None:
            return None
        j = int(np.argmin([abs(e - int(epoch)) for e in run.snapshot_epochs]))
        shown = run.snapshot_epochs[j]
        with self.quietly():
            self.replay.value = shown
        model = run.snapshot_model(j)
        png = self._replay_cache.get((shown, run.epoch))   # (epoch shown, epochs trained): the curve differs
        if png is None:
            test = None if run.x_test is None else (run.test_epochs, run.test_loss)
            with self._lock:
                png = self._canvas.frame(model, run.history().loss, test, epoch=shown,
                                         title=f"Epoch {shown}: {_correct(model, run.x, run.y)}/{len(run.y)} correct")
            self._replay_cache[shown, run.epoch] = png
        self.image.format, self.image.value = "png", png
        if self.neurons.shown:
            self.neurons.draw(model, run.x)
        return shown

    def draw_neurons(self):
        """Draw the neuron maps of the run shown, from its last snapshot, in a copy: a playing run's model
        belongs to the worker (a forward pass on it here would overwrite what its layers keep for
        backward, and its weights may be mid-update)."""
        run = self.run
        if run is None:
            return
        with self._lock:
            model = copy.deepcopy(run.model)
            model.load_state_dict(run.snapshots[-1])
            self.neurons.draw(model, run.x)

    # ---- buttons and messages --------------------------------------------------------------------
    def show_playing(self, playing: bool):
        """Play/Pause, and the panel's ``bl-running`` class, say whether a run plays."""
        self.play_button.description, self.play_button.icon = ("Pause", "pause") if playing else ("Play", "play")
        if playing:
            self.replay.disabled = True                 # until the run stops: no snapshots are final yet
        (self.widget.add_class if playing else self.widget.remove_class)("bl-running")

    def show_error(self, text: str, *, playing: bool):
        """Show an error in the message box (kept as ``error``); the status says the run shown is old."""
        self.error = text
        if self.run is not None:
            self.status.value = ('<span style="color:#a40000">Not trained: see the message below. '
                                 'The plot shows the last run.</span>')
        if not playing:                                 # e.g. a run stopped by an invalid change: the button says Play
            self.show_playing(False)
        self.show_message(text)

    def show_message(self, text: str):
        self.message.value = f'<div style="{_MESSAGE_STYLE}">{html.escape(text, quote=False)}</div>'
        self.message.layout.display = None

    def clear_message(self):
        self.error = None
        self.message.value = ""
        self.message.layout.display = "none"


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
