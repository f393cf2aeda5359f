"""What the panel shows: its widget tree, and how a run is put on screen.

``PanelView`` makes the widgets and owns everything on screen: the run shown, the picture (a
``PanelCanvas``, one drawer at a time), the replay pictures already drawn, the neuron maps and the
message box. A person's actions reach the panel through callbacks; values the view sets itself
(``quietly``) never do. ``draw(run, final)`` puts a ``LiveRun`` on screen: the picture, the status
line, the replay slider, the neuron maps and the message box. During an animation the picture is
a JPEG (ten times faster to encode); a final frame is a PNG. The picture is one of ``PICTURES``,
chosen with the buttons beside Play: "boundary" (the learning curve and the decision boundary),
"network" (the network as a graph, ``NetworkPicture``) or "gradients" (each layer's gradient size
per epoch beside the decision boundary).
"""
from __future__ import annotations

import contextlib
import copy
import html
import threading

import ipywidgets as widgets
import numpy as np

from ..figures.plots import DPI
from .controls import PlayButton, dropdown_options, make_control, widget_value
from .drawing import FIGSIZE, GRADIENTS_TITLE, PanelCanvas, curve_title
from .look import BUTTON_LAYOUT, STYLE, WIDTH, with_class
from .network_picture import NetworkPicture
from .neuron_box import NeuronBox
from .points import PointsBox
from .status import code_html, colour_bar_html, correct, replay_status_html, status_html

_MESSAGE_STYLE = ("color:#a40000; background:#fdecea; border:1px solid #e8a09a; border-radius:4px; "
                  "padding:4px 8px; margin:2px 0; white-space:pre-wrap")
# A row as wide as the panel (less the widget's margins, which width: 100% would add on top).
_FULL_ROW = {"width": "auto", "align_self": "stretch"}
_NOTE_STYLE = ("color:#1f3a5f; background:#eaf2fb; border:1px solid #9dbbe0; border-radius:4px; "
               "padding:4px 8px; margin:2px 0; white-space:pre-wrap")

#: The panel's pictures, and what each shows (the buttons' tooltips).
PICTURES = {"boundary": "the learning curve and the decision boundary",
            "network": "the network as a graph: every unit's map, the weights as coloured edges "
                       "(blue positive, red negative, thicker larger), the decision boundary at the output",
            "gradients": "how large each layer's weight gradient is, epoch by epoch (log scale): in a deep "
                         "sigmoid network the first layers get far smaller gradients than the last"}


def check_picture(picture: str) -> str:
    """``picture`` if it is one of ``PICTURES``, else a ``ValueError`` listing them."""
    if picture not in PICTURES:
        raise ValueError(f"picture must be one of {', '.join(map(repr, PICTURES))}; got {picture!r}.")
    return picture


class PanelView:
    """The panel's widgets and what they show.

    ``values``: the controls to make, name -> initial value. The callbacks, each called without
    arguments unless said: ``on_change(name)`` (a person changed the control ``name``),
    ``on_play(playing)`` (the Play/Pause toggle: True for Play, False for Pause), ``on_step``,
    ``on_reset``, ``on_replay(epoch)`` (the replay slider moved), ``on_neurons`` (the neuron maps
    were turned on) and ``on_picture`` (another picture was chosen).
    Widgets: ``widget`` (the root), ``controls`` (name -> widget), ``play_button``, ``step_button``,
    ``reset_button``, ``pictures`` (the picture's buttons: ``PICTURES``), ``status``, ``message``,
    ``image``, ``colours`` (the colour bar), ``neurons`` (a ``NeuronBox``), ``replay``, ``code``.
    Layout: the controls in a grid of fixed cells, the buttons, then the status line on its own row;
    the picture scales down in a narrow notebook.
    State: ``run``, the ``LiveRun`` shown (``start`` sets it); ``error``, the error the message box
    shows, and ``note``, the note it shows instead (each None if none).
    """

    def __init__(self, values: dict, *, neuron_maps: bool, resolution: int, on_change, on_play, on_step,
                 on_reset, on_replay, on_neurons, on_point=None, on_clear=None, picture: str = "boundary",
                 on_picture=None):
        self.run = None
        self.error = None
        self.note = None
        self._alert = False                         # the message box shows a red message
        self._local = threading.local()             # per thread: see quietly
        self._lock = threading.RLock()              # one drawer at a time: the canvas is not thread-safe
        self._canvas = PanelCanvas(resolution=resolution)
        self._network = NetworkPicture(width=round(FIGSIZE[0] * DPI))
        self._replay_cache = {}                     # (picture, epoch shown, epochs trained) -> PNG
        self.controls = {n: make_control(n, v) for n, v in values.items()}
        for name, w in self.controls.items():
            w.add_class(f"bl-control-{name}")
            w.observe(lambda change, name=name: None if self.quiet else on_change(name), names="value")

        def button(text, icon, tooltip, cls, action):
            b = widgets.Button(description=text, icon=icon, tooltip=tooltip, layout=BUTTON_LAYOUT)
            b.add_class(cls)
            b.on_click(lambda _: action())
            return b

        self.play_button = with_class(PlayButton(value=False, description="Play", icon="play", button_style="primary",
                                                 tooltip="train, and watch it learn; Pause stops at once",
                                                 layout=BUTTON_LAYOUT), "bl-play")
        self.play_button.observe(lambda change: None if self.quiet else on_play(change["new"]), names="value")
        self.step_button = button("Step", "step-forward", "train one snapshot interval (epochs / 50) and stop; "
                                  "a finished run has nothing left to train (Reset starts over)", "bl-step", on_step)
        self.reset_button = button("Reset", "undo", "back to epoch 0: the initial weights of this seed",
                                   "bl-reset", on_reset)
        self.pictures = with_class(widgets.ToggleButtons(options=list(PICTURES), value=check_picture(picture),
                                                         tooltips=list(PICTURES.values()),
                                                         tooltip="the picture under the buttons",
                                                         style={"button_width": "86px"},
                                                         layout={"flex": "0 0 auto"}), "bl-pictures")
        self.pictures.observe(lambda change: None if self.quiet or on_picture is None else on_picture(),
                              names="value")
        # The status line has a row of its own, as wide as the panel: never squeezed beside the buttons.
        self.status = with_class(widgets.HTML("", layout=_FULL_ROW), "bl-status")
        self.message = with_class(widgets.HTML("", layout={"display": "none"}), "bl-message")
        # At most its own pixel width (stretched, the picture would look blurred); narrower, it scales down.
        # (less the widget's 2-px margins: max-width 100% would overflow the output area by them)
        self.image = with_class(widgets.Image(format="png", layout={"width": f"{FIGSIZE[0] * DPI:.0f}px",
                                                                    "max_width": "calc(100% - 4px)",
                                                                    "height": "auto"}),
                                "bl-image")
        self.colours = with_class(widgets.HTML(colour_bar_html(), layout=_FULL_ROW), "bl-colours")
        self.points = PointsBox(self.image, on_point=on_point or (lambda *a: None),
                                on_clear=on_clear or (lambda: None))
        self.neurons = NeuronBox(neuron_maps, on_show=on_neurons)
        self.replay = with_class(widgets.IntSlider(value=0, min=0, max=0, description="replay epoch",
                                                   tooltip="the state during training, from the snapshots "
                                                   "(the arrow keys step one snapshot)",
                                                   continuous_update=False, disabled=True, style=STYLE,
                                                   layout={**_FULL_ROW, "max_width": "560px"}), "bl-replay")
        self.replay.observe(lambda change: None if self.quiet else on_replay(change["new"]), names="value")
        self.code = with_class(widgets.HTML(""), "bl-code")
        # A grid of fixed cells: a control's place depends only on its order, never on another's width.
        # The inputs' toggles take a row of their own, under the grid.
        gridded = [w for name, w in self.controls.items() if name != "features"]
        box = with_class(widgets.GridBox(gridded,
                                         layout={"grid_template_columns": f"repeat(auto-fill, {WIDTH})",
                                                 "grid_gap": "0px 8px", "width": "100%",
                                                 "display": "grid" if gridded else "none"}),
                         "bl-controls")
        buttons = with_class(widgets.HBox([self.play_button, self.step_button, self.reset_button,
                                           self.neurons.toggle, self.pictures], layout={"flex_flow": "row wrap"}),
                             "bl-buttons")
        inputs = [self.controls["features"]] if "features" in self.controls else []
        self.widget = with_class(widgets.VBox([box, *inputs, buttons, self.status, self.message, self.image,
                                               self.colours, self.points.box, self.neurons.box, self.replay, self.code],
                                              layout={"width": "100%", "max_width": "900px"}), "bl-playground")

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
            elif name in ("batch_size", "weight_decay"):
                w.options = dropdown_options(name, value)
            w.value = widget_value(name, value)

    @property
    def picture(self) -> str:
        """The picture shown: a key of ``PICTURES``."""
        return self.pictures.value

    def choose_picture(self, picture: str):
        """Set the picture buttons to ``picture`` (quietly); ``ValueError`` if it is not one of ``PICTURES``."""
        with self.quietly():
            self.pictures.value = check_picture(picture)

    def plane_point(self, px: float, py: float):
        """The point (x1, x2) of the plane under pixel (px, py) of the picture, or None outside the decision
        boundary (the right-hand plot, or the network picture's output node)."""
        with self._lock:
            drawer = self._network if self.picture == "network" else self._canvas
            return drawer.plane_point(px, py)

    def pixel(self, x1: float, x2: float) -> tuple[float, float]:
        """The pixel of the picture where the point (x1, x2) of the plane is drawn (origin top left)."""
        with self._lock:
            drawer = self._network if self.picture == "network" else self._canvas
            return drawer.pixel(x1, x2)

    # ---- the run shown ---------------------------------------------------------------------------
    def start(self, run):
        """Show ``run`` from now on: its points on the canvas; frames of the run shown before are dropped."""
        with self._lock:
            self._canvas.start(run.x, run.y, run.x_test, run.y_test, epochs=run.epochs, net_inputs=run.net_inputs)
            self.run, self._replay_cache = run, {}

    def draw(self, run, final: bool):
        """Put ``run`` on screen: a JPEG frame while it plays, the PNG of its final state when ``final``.
        Returns the picture's bytes, or None (nothing drawn) if ``run`` is no longer the run shown."""
        with self._lock:
            if run is not self.run:
                return None
            if run.epochs != self._canvas.epochs:       # Play carried the run on: the curve's axis grows
                self._canvas.start(run.x, run.y, run.x_test, run.y_test, epochs=run.epochs,
                                   net_inputs=run.net_inputs)
            h = run.history()
            right = correct(run.model, run.inputs, run.y)
            # While it plays, the status line gives the epoch (a title's glyphs cost a quarter of a frame).
            title = f"Epoch {run.epoch}: {right}/{len(run.y)} correct" if final else ""
            picture = self._picture(run, run.model, h, title=title, fmt="png" if final else "jpeg")
            with self.image.hold_sync():                # one message, one redraw in the browser
                self.image.format, self.image.value = ("png" if final else "jpeg"), picture
            self.status.value = status_html(run, h, right, final)
            if self.neurons.shown:
                self.neurons.draw(run.model, run.x, "png" if final else "bmp", features=run.features)
            with self.quietly():
                self.replay.max = max(self.replay.max, run.epoch)
                self.replay.value = run.epoch
                self.replay.max = run.epoch
                # One arrow key, one snapshot: a step of one epoch would snap back to the same snapshot.
                self.replay.step = run.every
                self.replay.disabled = not final or run.epoch == 0
            if final:
                self._replay_cache[self.picture, run.epoch, run.epoch] = picture
                self.show_playing(False)
                self.code.value = code_html(run.settings)
            if h.diverged:
                self.show_message(h.message)
            elif self.error is None and self.note is None:
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
        if shown == run.epoch:                           # back at the latest epoch: the run's own status
            self.status.value = status_html(run, run.history(), correct(model, run.inputs, run.y), True)
        else:
            self.status.value = replay_status_html(run, shown, model)
        key = (self.picture, shown, run.epoch)           # (picture, epoch shown, epochs trained): the curve differs
        png = self._replay_cache.get(key)
        if png is None:
            with self._lock:
                png = self._picture(run, model, run.history(), epoch=shown,
                                    title=f"Epoch {shown}: {correct(model, run.inputs, run.y)}/{len(run.y)} correct")
            self._replay_cache[key] = png
        with self.image.hold_sync():
            self.image.format, self.image.value = "png", png
        if self.neurons.shown:
            self.neurons.draw(model, run.x, features=run.features)
        return shown

    def _picture(self, run, model, h, *, title: str, epoch=None, fmt: str = "png") -> bytes:
        """The chosen picture of ``run`` with ``model``'s weights (the run's, or a snapshot's) and the
        history ``h``: the network graph, or the curves (loss or gradients) beside the boundary."""
        if self.picture == "network":
            return self._network.frame(model, run.x, run.y, run.features, fmt=fmt)
        test = None if run.x_test is None else (run.test_epochs, run.test_loss)
        gradients = self.picture == "gradients"
        return self._canvas.frame(model, h.loss, test, epoch=epoch, title=title, fmt=fmt,
                                  curve_title=GRADIENTS_TITLE if gradients else curve_title(h.diverged_at),
                                  diverged_at=h.diverged_at, grad_rms=h.grad_rms if gradients else None)

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
            self.neurons.draw(model, run.x, features=run.features)

    # ---- buttons and messages --------------------------------------------------------------------
    def show_playing(self, playing: bool):
        """Play/Pause, and the panel's ``bl-running`` class, say whether a run plays."""
        with self.quietly():
            self.play_button.value = playing
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
        """A red message (an error, a diverged run): it replaces a note, and no note replaces it."""
        with self._lock:
            self.note, self._alert = None, True
            self.message.value = f'<div style="{_MESSAGE_STYLE}">{html.escape(text, quote=False)}</div>'
            self.message.layout.display = None

    def show_note(self, text: str):
        """A note, not an error (kept as ``note`` until the next run): e.g. why Step did nothing. Not
        shown over a red message (the worker may have shown a divergence first)."""
        with self._lock:
            if self._alert:
                return
            self.note = text
            self.message.value = f'<div style="{_NOTE_STYLE}">{html.escape(text, quote=False)}</div>'
            self.message.layout.display = None

    def clear_message(self):
        self.error = self.note = None
        self._alert = False
        self.message.value = ""
        self.message.layout.display = "none"

