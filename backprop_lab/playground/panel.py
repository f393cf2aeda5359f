"""The experiment panel: controls, Play/Pause/Step/Reset, the live picture, neuron maps, replay.

>>> from backprop_lab.widgets import playground
>>> playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=2000)   # doctest: +SKIP

The panel trains once, completely, when it is built (so a stored notebook shows the final state).
Afterwards a control change starts a new run at once and plays it: a worker thread trains a chunk
of epochs at a time and redraws the learning curve and the decision boundary after each chunk,
while the kernel stays free. Play/Pause pauses and resumes, Step trains one snapshot interval
(after a finished run it says so and keeps the run), Reset goes back to epoch 0. The replay
slider steps through the snapshots of the run shown, and the status line describes the epoch shown.

The buttons beside Play choose the picture (``picture``): the learning curve and the decision
boundary, the network drawn as a graph, or each layer's gradient size beside the boundary.

Everything the callbacks do is a method here (``run``, ``play``, ``pause``, ``step``, ``reset``,
``show_epoch``, ``show_picture``), over ``LiveRun``/``Player`` (live.py), the settings (panel_settings.py) and
``PanelView`` (view.py), which owns what is on screen. ``Playground`` owns the settings and the
worker; errors go to the view's red message box; nothing raises out of a callback.
"""
from __future__ import annotations

import logging
import math

import numpy as np
import traitlets

from ..nn.model import MLP
from ..nn.optim import get_optimizer
from .controls import NOISE_DIGITS, check_controls, round_lr, setting_value
from .drawing import RESOLUTION
from .live import LiveRun, Player
from .panel_settings import (
    DATA_SETTINGS,
    DEFAULTS,
    PLANE,
    YOUR_DATA,
    Data,
    check_settings,
    format_call,
    load_data,
    own_data,
)
from .status import DIVERGED_NOTE, FINISHED_NOTE, range_note
from .view import PanelView, check_picture

log = logging.getLogger(__name__)

_ERRORS = (ValueError, TypeError, traitlets.TraitError)


class Playground:
    """The experiment panel; ``playground(...)`` builds one. See the module docstring.

    ``view``: the ``PanelView`` on screen. Its widgets, also readable here: ``widget`` (the root,
    displayed when the panel is), ``controls`` (name -> widget), ``play_button``, ``step_button``,
    ``reset_button``, ``pictures`` (the picture's buttons), ``status``, ``message``, ``image``,
    ``neurons_toggle`` and ``neurons`` (the box of one image per hidden unit), ``replay``, ``code``.
    State: ``live`` (the ``LiveRun`` shown), and its ``history``, ``model``, ``x``, ``y``;
    ``last_error`` (the error the message box shows, or None).
    """

    def __init__(self, controls=None, *, data=None, resolution: int = RESOLUTION, autorun: bool = True,
                 neuron_maps: bool = False, picture: str = "boundary", **settings):
        check_picture(picture)
        self._own, names = own_data(data, check_controls(controls), settings, all_controls=controls is None)
        initial = check_settings(settings)          # a notebook's own settings: errors raise here
        # Settings that are not controls stay fixed; lr=None keeps following the optimizer's default,
        # output_activation=None the activation.
        self._fixed = {k: settings.get(k, DEFAULTS[k]) if k in ("lr", "output_activation") else initial[k]
                       for k in DEFAULTS if k not in names}
        self._lr_exact = initial["lr"]
        self._player = Player(self._on_frame, on_error=self._on_error)
        self.view = PanelView({n: initial[n] for n in names}, neuron_maps=neuron_maps, resolution=resolution,
                              on_change=self._changed,
                              on_play=lambda playing: self.play(on=True) if playing else self.pause(),
                              on_step=self.step, on_reset=self.reset, on_replay=self.show_epoch,
                              on_neurons=lambda: self._guarded(self.view.draw_neurons),
                              on_point=lambda cls, px, py: self._guarded(self.add_point_at, cls, px, py),
                              on_clear=lambda: self._guarded(self.clear_points),
                              picture=picture, on_picture=lambda: self._guarded(self.show_picture))
        self._drawn = False                         # the data are points drawn (or cleared) by hand
        if autorun:
            self.run()

    # ---- display and state ---------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):          # IPython's display protocol: shown as its root widget
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"Playground(controls={tuple(self.controls)}, settings={self.settings()})"

    live = property(lambda self: self.view.run)
    last_error = property(lambda self: self.view.error)
    history = property(lambda self: None if self.live is None else self.live.history())
    model = property(lambda self: None if self.live is None else self.live.model)
    x = property(lambda self: None if self.live is None else self.live.x)
    y = property(lambda self: None if self.live is None else self.live.y)
    playing = property(lambda self: self._player.playing)
    # The view's widgets, read here as the panel's.
    widget = property(lambda self: self.view.widget)
    controls = property(lambda self: self.view.controls)
    play_button = property(lambda self: self.view.play_button)
    step_button = property(lambda self: self.view.step_button)
    reset_button = property(lambda self: self.view.reset_button)
    pictures = property(lambda self: self.view.pictures)
    status = property(lambda self: self.view.status)
    message = property(lambda self: self.view.message)
    image = property(lambda self: self.view.image)
    neurons_toggle = property(lambda self: self.view.neurons.toggle)
    neurons = property(lambda self: self.view.neurons.box)
    replay = property(lambda self: self.view.replay)
    code = property(lambda self: self.view.code)

    @property
    def code_text(self) -> str:
        """The reproducing call of the run shown, as plain text ("" before the first run)."""
        return "" if self.live is None else format_call(self.live.settings)

    def settings(self) -> dict:
        """The current settings (the controls' values and the fixed ones), not yet checked."""
        s = {k: (self._control_value(k) if k in self.controls else self._fixed[k]) for k in DEFAULTS}
        if self._drawn:                             # points drawn by hand are the data: no data set, no noise
            s.update(dataset=YOUR_DATA, noise=0.0, test=False)
        return s

    @property
    def data(self):
        """The training points in use, (x (N, 2), y (N, 1)): a data set's, yours, or those drawn by hand."""
        if self._own is not None:
            return self._own.x, self._own.y
        return None if self.live is None else (self.live.x, self.live.y)

    # ---- points drawn by hand --------------------------------------------------------------------
    def add_point(self, x1: float, x2: float, label: int):
        """Add the point (x1, x2) of class ``label`` (0 or 1) to the training data and retrain: the panel
        then trains on these points as data of your own (a data set chosen later replaces them)."""
        x, y = self.data if self.data is not None else (np.empty((0, 2)), np.empty((0, 1)))
        self._own = Data(np.vstack([x, [[x1, x2]]]), np.vstack([y, [[float(label)]]]))
        self._drawn = True
        self.play(restart=True)

    def add_point_at(self, label: int, px: float, py: float):
        """A click at pixel (px, py) of the picture: a point of class ``label`` there, if it is on the plane."""
        point = self.view.plane_point(px, py)
        if point is None:
            where = ("the output node (the decision boundary, on the right)" if self.view.picture == "network"
                     else "the decision boundary's picture (the right one)")
            self.view.show_note(f"Click inside {where} to add a point there.")
            return
        self.add_point(*point, label)

    def clear_points(self):
        """Remove every training point: the panel waits for points drawn by hand (two of each class)."""
        self._player.stop()
        self._own, self._drawn = Data(np.empty((0, 2)), np.empty((0, 1))), True
        self.play(restart=True)

    def _control_value(self, name):
        value = self.controls[name].value
        if name == "lr":
            # The slider's value rounded as its readout shows it (0.0316... -> 0.032), so the
            # call shown is the one that ran; the initial value is kept exact.
            value = float(value)
            if not math.isclose(value, self._lr_exact, rel_tol=1e-9):
                value = round_lr(value)
        elif name == "noise":
            # The browser's slider adds its steps in binary floats (0.1 + 0.01 = 0.11000000000000001):
            # the noise used, and written in the call, is the one the readout shows.
            value = round(float(value), NOISE_DIGITS)
        return setting_value(name, value)

    def _apply(self, changes: dict):
        """Merge ``changes`` into the settings; controls get the new values without starting runs."""
        if self._drawn and set(changes) & set(DATA_SETTINGS):     # a data set replaces points drawn by hand
            self._own, self._drawn = None, False
        own = sorted(set(changes) & set(DATA_SETTINGS)) if self._own is not None else []
        if own:
            raise ValueError(f"this panel trains on your own data (data=...), so {', '.join(own)} cannot change; "
                             f"build a new panel with dataset=... instead.")
        s = check_settings({**self.settings(), **changes})
        for k in changes:
            if k not in self.controls:
                self._fixed[k] = None if k in ("lr", "output_activation") and changes[k] is None else s[k]
                continue
            self.view.set_control(k, s[k])
            if k == "lr":
                self._lr_exact = s[k]

    def _new_run(self, changes=None) -> LiveRun:
        if changes:
            self._apply(changes)
        s = check_settings(self.settings())
        data = load_data(s, self._own)
        model = MLP((len(s["features"]), *s["hidden"], 1), activation=s["activation"],
                    output_activation=s["output_activation"], seed=s["seed"], init=s["init"])
        run = LiveRun(model, data.x, data.y, epochs=s["epochs"], optimizer=get_optimizer(s["optimizer"], s["lr"]),
                      loss=s["loss"], x_test=data.x_test, y_test=data.y_test, settings=s,
                      features=None if s["features"] == PLANE else s["features"], batch_size=s["batch_size"],
                      weight_decay=s["weight_decay"], shuffle_seed=s["seed"])
        self.view.clear_message()
        self.view.start(run)
        return run

    # ---- what the buttons and controls do ------------------------------------------------------
    def run(self, **changes):
        """Train a whole run with the current settings (updated by ``changes``, e.g. ``lr=0.1``) in
        this thread, and show its final state. Returns the History, or None if the settings were
        invalid (the message box says why). Never raises."""
        self._player.stop()
        run = self._guarded(self._new_run, changes)
        if run is None or self._too_few_points():
            return None
        self._guarded(run.advance, run.epochs)
        self._guarded(self._draw, run, True)
        return self.history

    def _too_few_points(self) -> bool:
        """With points drawn by hand and fewer than two of a class: draw them, say what is missing in the
        status line, train nothing; True then."""
        counts = [int(np.sum(self.live.y[:, 0] == c)) for c in (0, 1)]
        if min(counts) >= 2:
            return False
        self._guarded(self._draw, self.live, True)
        self.view.status.value = (f'<span style="color:#a40000">Not enough points to train: {counts[0]} red '
                                  f'(class 0) and {counts[1]} blue (class 1). Click the picture to add at least 2 '
                                  f'of each class (the buttons under it choose which).</span>')
        self.view.show_playing(False)
        return True

    def play(self, restart: bool = False, on: bool = False, **changes):
        """Play in the worker thread: the paused run from where it stopped, or (with ``changes`` or
        ``restart``, or after a finished run) a new run from epoch 0. Returns at once.

        ``on=True`` (the Play button) trains on past the epochs setting until ``pause()``, as TensorFlow
        Playground does, and then a finished run goes on from its last epoch; frames come at about ten
        a second."""
        finished = self.live is not None and self.live.done
        carry_on = on and finished and self.live.diverged_at is None and not (changes or restart)
        if changes or restart or self.live is None or (finished and not carry_on):
            self._player.stop()
            if self._guarded(self._new_run, changes) is None:
                return
        if self._too_few_points():
            return
        self.view.show_playing(True)               # first: a short run may end (and say Play) at once
        self._player.play(self.live, on=on)

    def pause(self):
        """Stop the worker after its chunk; the run stays where it is (Play resumes it). A run that Play
        carried on (``play(on=True)``) ends at the epoch reached: it is then ``train(..., epochs=...)``
        with that many epochs, and the call shown under the panel says so."""
        carried_on = self._player.on
        self._player.stop()
        if self.live is not None:
            if carried_on:
                self.live.end_here()
            self._guarded(self._draw, self.live, True)

    def step(self):
        """Pause, then train one snapshot interval (``epochs // 50`` epochs) and show it. A finished
        run is left as it is (its curve kept), with a note saying so: Reset starts over."""
        self._player.stop()
        if self.live is None:
            if self._guarded(self._new_run) is None:
                return
        if self.live.done:
            if self.live.diverged_at is None:
                self.view.show_note(FINISHED_NOTE.format(epochs=self.live.epochs))
            else:                                       # red, as the divergence message it joins
                self.view.show_message(f"{self.live.message}\n{DIVERGED_NOTE.format(epoch=self.live.diverged_at)}")
            if self.view.play_button.value:             # stopped before its last frame: show where it is
                self._guarded(self._draw, self.live, True)
            return
        self._guarded(self.live.advance, self.live.every)
        self._guarded(self._draw, self.live, True)

    def reset(self):
        """Stop, and start again at epoch 0 with the current settings (shown, not trained)."""
        self._player.stop()
        run = self._guarded(self._new_run)
        if run is not None:
            self._guarded(self._draw, run, True)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait for the run being played to finish; True if it did within ``timeout`` seconds."""
        return self._player.wait(timeout)

    def show_picture(self, picture: str | None = None):
        """Show ``picture`` (a key of ``PICTURES``: "boundary", "network", "gradients"; None: the one the
        buttons show) of the run: at once if it is stopped (at the replay slider's epoch), else from its
        next frame. Never raises."""
        if picture is not None:
            self._guarded(self.view.choose_picture, picture)
        if self.live is None or self.playing:
            return
        if self.view.replay.value != self.live.epoch:
            self.show_epoch(self.view.replay.value)
        else:
            self._guarded(self._draw, self.live, True)

    def show_epoch(self, epoch: int):
        """Draw the state after ``epoch`` updates (the nearest snapshot) without retraining; returns
        the epoch shown, the replay slider moves there. Never raises."""
        return self._guarded(self.view.show_snapshot, epoch)

    def _changed(self, name: str):
        """A person changed the control ``name``: a new run at once (still playing on if Play was on,
        else to the epochs setting); a note if the control is at an end of its range, where the
        browser puts a value typed beyond it."""
        if self._drawn and name in DATA_SETTINGS:      # a data set replaces points drawn by hand
            self._own, self._drawn = None, False
        self.play(restart=True, on=self.playing and self._player.on)
        note = range_note(name, self.controls[name])
        if note and self.last_error is None:
            self.view.show_note(note)

    # ---- drawing ---------------------------------------------------------------------------------
    def _on_frame(self, run, final):
        """Called by the worker after each chunk."""
        if run is self.live:
            self._guarded(self._draw, run, final)

    def _on_error(self, run, exc):
        """Called by the worker when training raised: shown like a callback's error, and Play again."""
        if run is self.live:
            self._guarded(_reraise, exc)
            self.view.show_playing(False)

    def _draw(self, run, final: bool):
        # A PNG for the finished run, or for one stopped (paused, stepped); JPEG frames while playing,
        # also when a run Play carries on reaches its planned end for a moment (it goes on).
        stopped = final and (not self._player.playing or run.done)
        self.view.draw(run, stopped or (run.done and not self._player.on))

    def _guarded(self, fn, *args):
        try:
            return fn(*args)
        except _ERRORS as exc:
            self.view.show_error(str(exc), playing=self.playing)
        except Exception as exc:  # a bug, not a setting: still no traceback in the notebook
            log.exception("backprop_lab playground: unexpected error")
            self.view.show_error(f"Unexpected error ({type(exc).__name__}): {exc}", playing=self.playing)
        return None


def _reraise(exc):
    raise exc


def playground(controls=None, *, data=None, neuron_maps: bool = False, resolution: int = RESOLUTION,
               picture: str = "boundary", **settings) -> Playground:
    """An experiment panel showing ``controls``, trained once with these settings; display it in a cell.

    ``controls``: names from ``CONTROLS`` ("dataset", "lr", "hidden", "activation", "optimizer",
    "loss", "epochs", "seed", "init", "noise", "test", "batch_size", "weight_decay", "features"), in
    the order given (None: all). The other
    settings stay fixed at the values given; their defaults are ``DEFAULTS`` (the lab's 2-10-10-1
    sigmoid network, GD at its default lr, MSE, 2000 epochs, seed 0, on "xor"). ``data=(x, y)``
    (or ``(x, y, x_test, y_test)``) trains on points of your own instead of a data set.
    ``neuron_maps=True`` opens the neuron maps; ``picture`` is the picture shown first ("boundary",
    "network" or "gradients"; buttons switch it); ``resolution`` sets the boundary image's grid.
    Unknown names or invalid settings raise ``ValueError``/``TypeError`` here; afterwards the panel
    shows problems in its message box.
    """
    return Playground(controls, data=data, neuron_maps=neuron_maps, resolution=resolution, picture=picture,
                      **settings)
