"""An experiment panel for JupyterLab, in the spirit of TensorFlow Playground.

>>> from backprop_lab.widgets import playground
>>> playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=2000)   # doctest: +SKIP

One panel, reused by every notebook: each shows only the controls its question needs, and every
setting that is not a control stays fixed at the value given. The panel trains once when it is
built, then again whenever a control is released (``continuous_update=False`` on every slider, so
dragging never queues up stale runs) or the Train button is clicked. It shows the learning curve and
the decision boundary (one PNG image), the accuracy, the divergence message when training diverges,
and the one-line ``backprop_lab`` call that reproduces the run. The replay slider steps the decision
boundary through training from the History's snapshots, without retraining.

How the settings map onto the package (``format_call`` writes exactly this call)::

    bl.train(bl.MLP((2, *hidden, 1), activation=activation, output_activation=<see below>, seed=seed),
             *bl.load_dataset(dataset, seed=seed), epochs=epochs, lr=lr, optimizer=optimizer, loss=loss)

* ``activation`` follows every hidden layer. The output activation is ``output_activation`` if one
  is given; otherwise it is "sigmoid", except that ``activation="none"`` means *no activation
  anywhere* (hidden and output), a purely linear network whose unbounded output is the classic
  divergence case (try ``dataset="linear", activation="none", lr=1``).
* ``seed`` seeds both the weight draw and the data set (the XOR set ignores it).
* ``lr=None`` takes the optimizer's default (``optim.DEFAULT_LR``); the call shows the value used.

The callbacks are thin: ``Playground.run`` validates the settings, calls ``train`` and draws with
a ``RunCanvas`` (the plots' functions on one reused ``matplotlib.figure.Figure``, rendered to PNG
bytes, never through pyplot, so nothing leaks into the notebook's inline output; ``render_run`` is
the same drawing as a plain function). Invalid settings and diverged
runs are shown in the panel's red message box; nothing raises out of a callback.
"""
from __future__ import annotations

import contextlib
import html
import io
import logging
import math
import threading
from numbers import Integral

import ipywidgets as widgets
import numpy as np
import traitlets

from .activations import ACTIVATIONS
from .data import DATASETS, load_dataset
from .losses import LOSSES
from .model import MLP
from .optim import OPTIMIZERS, default_lr
from .plots import DPI, plot_decision_boundary, plot_learning_curves
from .train import train
from .validation import canonical_names, check_learning_rate, check_positive_int, lookup

__all__ = ["CONTROLS", "Playground", "playground", "RunCanvas", "render_run", "format_call", "check_settings"]

log = logging.getLogger(__name__)

#: The control names a panel can show, in their default order.
CONTROLS = ("dataset", "lr", "hidden", "activation", "optimizer", "loss", "epochs", "seed")

#: The settings of a run and their defaults (the lab's network, on the XOR set).
DEFAULTS = {"dataset": "xor", "lr": None, "hidden": (10, 10), "activation": "sigmoid",
            "output_activation": None, "optimizer": "gd", "loss": "mse", "epochs": 2000, "seed": 0}


LR_RANGE = (-5, 2)           # the learning-rate slider spans 10**-5 .. 10**2
LR_STEP = 0.1                # in powers of ten
LR_FORMAT = ".1e"            # the slider's readout; the lr it gives is rounded the same way
MAX_HIDDEN = 32
EPOCHS_RANGE = (10, 10000)
EPOCHS_STEP = 10

FIGSIZE = (7.0, 2.8)
RESOLUTION = 60

_DESCRIPTION_STYLE = {"description_width": "95px"}
_CONTROL_WIDTH = "280px"
_MESSAGE_STYLE = ("color:#a40000; background:#fdecea; border:1px solid #e8a09a; border-radius:4px; "
                  "padding:4px 8px; margin:2px 0; white-space:pre-wrap")


# --------------------------------------------------------------------------------------------------
# Plain functions: settings, the reproducing call, the figure
# --------------------------------------------------------------------------------------------------
def _name(table: dict, value, what: str) -> str:
    """The canonical name of ``value`` in ``table`` (e.g. "identity" -> "none", "sgd" -> "gd")."""
    return lookup(table, value, what).name


def check_settings(settings: dict) -> dict:
    """Validate one run's settings; return them normalized (canonical names, resolved defaults).

    Raises ``ValueError``/``TypeError`` with the package's messages. Keys: those of ``DEFAULTS``;
    missing keys take the defaults; ``lr=None`` becomes ``DEFAULT_LR[optimizer]`` and
    ``output_activation=None`` becomes "none" if ``activation`` is "none", else "sigmoid". A loss that
    does not fit the output activation (BCE without a sigmoid output) is refused here, before training.
    """
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(map(repr, unknown))}; valid settings are: "
                         f"{', '.join(DEFAULTS)}.")
    s = {**DEFAULTS, **settings}
    out = {}
    lookup(DATASETS, s["dataset"], "dataset")
    out["dataset"] = s["dataset"].strip().lower()
    out["optimizer"] = _name(OPTIMIZERS, s["optimizer"], "optimizer")
    out["lr"] = default_lr(out["optimizer"]) if s["lr"] is None else check_learning_rate(s["lr"])
    hidden = s["hidden"]
    if isinstance(hidden, Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if not isinstance(hidden, (tuple, list)):
        raise TypeError(f"hidden must be a tuple of layer sizes such as (10, 10); got {hidden!r}.")
    out["hidden"] = tuple(check_positive_int(h, f"hidden[{i}] (units in hidden layer {i + 1})")
                          for i, h in enumerate(hidden))
    out["activation"] = _name(ACTIVATIONS, s["activation"], "activation")
    if s["output_activation"] is None:
        out["output_activation"] = "none" if out["activation"] == "none" else "sigmoid"
    else:
        out["output_activation"] = _name(ACTIVATIONS, s["output_activation"], "output activation")
    out["loss"] = _name(LOSSES, s["loss"], "loss")
    LOSSES[out["loss"]]().check_output(ACTIVATIONS[out["output_activation"]].output_range,
                                       f"output_activation={out['output_activation']!r}")
    out["epochs"] = check_positive_int(s["epochs"], "epochs")
    out["seed"] = check_positive_int(s["seed"], "seed", minimum=0)
    return {k: out[k] for k in DEFAULTS}


def format_call(settings: dict) -> str:
    """The one-line ``backprop_lab`` call (``import backprop_lab as bl``) that reproduces a run."""
    s = check_settings(settings)
    sizes = (2, *s["hidden"], 1)
    mlp = f'bl.MLP({sizes!r}, activation="{s["activation"]}"'
    if s["output_activation"] != "sigmoid":
        mlp += f', output_activation="{s["output_activation"]}"'
    mlp += f', seed={s["seed"]})'
    return (f'bl.train({mlp}, *bl.load_dataset("{s["dataset"]}", seed={s["seed"]}), '
            f'epochs={s["epochs"]}, lr={float(s["lr"])!r}, optimizer="{s["optimizer"]}", loss="{s["loss"]}")')


def _snapshot_model(history, epoch):
    """(model, epoch shown): the weights after ``epoch`` updates, or the nearest snapshot to it."""
    final = history.epochs
    if history.model is not None and epoch >= final:
        return history.model, final
    candidates = list(history.snapshot_epochs) + ([final] if history.model is not None else [])
    nearest = min(candidates, key=lambda e: (abs(e - epoch), e))
    if history.model is not None and nearest == final:
        return history.model, final
    return history.model_at(nearest), nearest


def _correct(model, x, y):
    with np.errstate(all="ignore"):
        pred = model.forward(x)
    return int(np.count_nonzero((pred > 0.5) == (y > 0.5)))


class RunCanvas:
    """One reusable two-panel figure: the learning curve (left) and the decision boundary (right).

    ``render(...)`` clears the data artists, redraws and returns PNG bytes. Keeping the figure, its
    axes and their tick objects between redraws saves a third of a redraw's time (creating ticks and
    laying out their labels is most of it). A ``matplotlib.figure.Figure`` with the Agg canvas, never
    pyplot: no global state changes and nothing is displayed.
    """

    def __init__(self, *, resolution: int = RESOLUTION, figsize=FIGSIZE, dpi: int = DPI):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.resolution = resolution
        width, height = figsize
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        # Fixed margins (in inches, so any figsize works) instead of constrained layout, which costs
        # more than the rest of the drawing together (measuring the log axis's tick labels).
        self.figure.subplots_adjust(left=0.72 / width, right=1 - 0.1 / width, bottom=0.45 / height,
                                    top=1 - 0.3 / height, wspace=0.3)
        self.axes = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})

    def _clear(self):
        for ax in self.axes:
            for artist in [*ax.lines, *ax.collections, *ax.images, *ax.texts]:
                artist.remove()
            if ax.get_legend() is not None:
                ax.get_legend().remove()
            ax.set_prop_cycle(None)  # the first line is blue again
            ax.relim()              # forget the removed artists' data limits ...
            ax.autoscale()          # ... and let the next run's data set the view again

    def render(self, model, history, x, y, epoch=None) -> bytes:
        """PNG bytes of one run; see ``render_run`` for the arguments."""
        if isinstance(model, dict):
            if history.model is None:
                raise ValueError("a snapshot dict needs a History with a model attached.")
            weights, model = model, history.model_at(0)
            model.load_state_dict(weights)
        y = np.asarray(y)
        self._clear()
        ax_curve, ax_boundary = self.axes
        plot_learning_curves(history, ax=ax_curve)
        if history.diverged:
            ax_curve.set_title(f"Learning curve (diverged at epoch {history.diverged_at})", color="#a40000")
        else:
            ax_curve.set_title("Learning curve", color="k")
        if epoch is not None:
            ax_curve.axvline(epoch, color="0.4", lw=1, ls="--")
        correct = _correct(model, x, y)
        shown = history.epochs if epoch is None else epoch
        title = f"Epoch {shown}: {correct}/{len(y)} correct"
        plot_decision_boundary(model, x, y, ax=ax_boundary, resolution=self.resolution, title=title)
        ax_boundary.title.set_fontsize("medium")
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png")
        return buf.getvalue()


def render_run(model, history, x, y, epoch=None, *, resolution: int = RESOLUTION, figsize=FIGSIZE,
               dpi: int = DPI) -> bytes:
    """Draw one run as PNG bytes: the learning curve (left) and the decision boundary (right).

    model: the network to draw (e.g. ``history.model`` or ``history.model_at(epoch)``), or a snapshot
    dict of weights (loaded into a copy of ``history.model``); x: (N, 2) points; y: (N, 1) labels.
    ``epoch`` (optional) marks that epoch on the learning curve and names it in the boundary's title.
    A fresh ``RunCanvas`` each call; the playground keeps one and redraws it.
    """
    return RunCanvas(resolution=resolution, figsize=figsize, dpi=dpi).render(model, history, x, y, epoch)


def _status_html(history, correct: int, n: int) -> str:
    """The status line. ``correct`` counts the final model's right answers (the boundary drawn);
    ``history.final_accuracy`` was measured before the last update, so it can differ by a point."""
    if history.diverged:
        text = (f"Diverged at epoch {history.diverged_at} · {history.epochs} epochs completed"
                + (f" · last finite loss {history.final_loss:.4g}" if len(history.loss) else ""))
        return f'<span style="color:#a40000"><b>{html.escape(text)}</b></span>'
    loss = history.final_loss
    loss_s = f"{loss:.4f}" if loss >= 1e-4 else f"{loss:.1e}"
    return (f"<b>Accuracy: {correct / n:.1%} ({correct}/{n})</b> · final loss {loss_s} · "
            f"{history.epochs} epochs")


# --------------------------------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------------------------------
class HiddenUnits(widgets.HBox):
    """One IntSlider per hidden layer; ``value`` is the tuple of their values (e.g. (10, 10)).

    ``value`` can be observed and set like a single widget's; its length is fixed by the initial value.
    """

    value = traitlets.Tuple()
    description = traitlets.Unicode("hidden units")

    def __init__(self, value=(10, 10), max_units: int = MAX_HIDDEN, **kwargs):
        value = tuple(int(v) for v in value)
        self._syncing = False
        self.sliders = [widgets.IntSlider(value=v, min=1, max=max(max_units, v), step=1,
                                          description=f"hidden {i + 1}" if len(value) > 1 else "hidden units",
                                          tooltip=f"units in hidden layer {i + 1}", continuous_update=False,
                                          style=_DESCRIPTION_STYLE, layout={"width": _CONTROL_WIDTH})
                        for i, v in enumerate(value)]
        children = self.sliders or [widgets.HTML("hidden units: none (no hidden layer)")]
        super().__init__(children, **kwargs)
        self.value = value
        for s in self.sliders:
            s.observe(self._from_sliders, names="value")

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = tuple(proposal["value"])
        if len(value) != len(self.sliders):
            raise traitlets.TraitError(f"this panel has {len(self.sliders)} hidden layer(s); got hidden={value}.")
        return tuple(check_positive_int(v, f"hidden[{i}]") for i, v in enumerate(value))

    @traitlets.observe("value")
    def _to_sliders(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            for s, v in zip(self.sliders, change["new"]):
                s.max = max(s.max, v)
                s.value = v
        finally:
            self._syncing = False

    def _from_sliders(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            self.value = tuple(s.value for s in self.sliders)
        finally:
            self._syncing = False


def _make_control(name: str, value):
    common = {"style": _DESCRIPTION_STYLE, "layout": {"width": _CONTROL_WIDTH}}
    if name == "dataset":
        return widgets.Dropdown(options=list(DATASETS), value=value, description="data set", **common)
    if name == "lr":
        exponent = math.log10(value)
        return widgets.FloatLogSlider(value=value, base=10, min=min(LR_RANGE[0], math.floor(exponent)),
                                      max=max(LR_RANGE[1], math.ceil(exponent)), step=LR_STEP,
                                      readout_format=LR_FORMAT, description="learning rate",
                                      continuous_update=False, **common)
    if name == "hidden":
        return HiddenUnits(value)
    if name == "activation":
        return widgets.Dropdown(options=canonical_names(ACTIVATIONS), value=value, description="activation", **common)
    if name == "optimizer":
        return widgets.Dropdown(options=canonical_names(OPTIMIZERS), value=value, description="optimizer", **common)
    if name == "loss":
        return widgets.Dropdown(options=canonical_names(LOSSES), value=value, description="loss", **common)
    if name == "epochs":
        return widgets.IntSlider(value=value, min=min(EPOCHS_RANGE[0], value), max=max(EPOCHS_RANGE[1], value),
                                 step=EPOCHS_STEP, description="epochs", continuous_update=False, **common)
    if name == "seed":
        return widgets.IntText(value=value, description="seed", continuous_update=False, **common)
    raise AssertionError(name)


def _check_controls(controls) -> tuple:
    if controls is None:
        return CONTROLS
    if isinstance(controls, str):
        controls = (controls,)
    try:
        names = list(controls)
    except TypeError:
        raise TypeError(f"controls must be a tuple of control names such as ('lr', 'epochs'); "
                        f"got {controls!r}.") from None
    bad = [c for c in names if not isinstance(c, str) or c not in CONTROLS]
    if bad:
        raise ValueError(f"unknown control(s) {', '.join(map(repr, bad))}; valid controls are: "
                         f"{', '.join(CONTROLS)}.")
    return tuple(dict.fromkeys(names))  # in the given order, without repeats


class Playground:
    """The experiment panel. ``playground(...)`` builds one and trains once; see the module docstring.

    Attributes: ``widget`` (the root VBox, displayed when the panel is), ``controls`` (dict name ->
    widget, only the requested ones), ``train_button``, ``image`` (PNG), ``status`` (accuracy HTML),
    ``message`` (the red error/divergence box), ``code`` (HTML with the reproducing call),
    ``replay`` (epoch slider), and ``history``, ``model``, ``x``, ``y`` of the last successful run.
    """

    def __init__(self, controls=CONTROLS, *, dataset="xor", lr=None, hidden=(10, 10), activation="sigmoid",
                 output_activation=None, optimizer="gd", loss="mse", epochs=2000, seed=0,
                 resolution: int = RESOLUTION, autorun: bool = True):
        names = _check_controls(controls)
        given = {"dataset": dataset, "lr": lr, "hidden": hidden, "activation": activation,
                 "output_activation": output_activation, "optimizer": optimizer, "loss": loss,
                 "epochs": epochs, "seed": seed}
        initial = check_settings(given)  # a notebook's own settings: errors raise here, at construction
        self.resolution = check_positive_int(resolution, "resolution", minimum=2)
        self._canvas = RunCanvas(resolution=self.resolution)
        # Settings that are not controls stay fixed; lr=None (not a control) keeps following the
        # optimizer's default, output_activation=None keeps following the activation.
        self._fixed = {k: (given[k] if k in ("lr", "output_activation") and given[k] is None else initial[k])
                       for k in DEFAULTS if k not in names}
        self._lr_exact = initial["lr"]
        self.history = self.model = self.x = self.y = None
        self.last_error = None
        self._lock = threading.Lock()
        self._pending = False
        self._quiet = 0
        self._replay_cache = {}

        self.controls = {}
        for name in names:
            w = _make_control(name, initial[name])
            w.add_class(f"bl-control-{name}")
            w.observe(self._on_control, names="value")
            self.controls[name] = w

        self.train_button = widgets.Button(description="Train", icon="play", button_style="primary",
                                           tooltip="train again with these settings", layout={"width": "100px"})
        self.train_button.add_class("bl-train")
        self.train_button.on_click(self._on_click)
        self.status = widgets.HTML("")
        self.status.add_class("bl-status")
        self.message = widgets.HTML("", layout={"display": "none"})
        self.message.add_class("bl-message")
        # At its own pixel width: stretched to the output area's width, the PNG would look blurred.
        self.image = widgets.Image(format="png", layout={"width": f"{FIGSIZE[0] * DPI:.0f}px"})
        self.image.add_class("bl-image")
        self.replay = widgets.IntSlider(value=0, min=0, max=0, description="replay epoch",
                                        tooltip="the decision boundary during training (from the snapshots)",
                                        continuous_update=False, disabled=True, style=_DESCRIPTION_STYLE,
                                        layout={"width": "560px"})
        self.replay.add_class("bl-replay")
        self.replay.observe(self._on_replay, names="value")
        self.code = widgets.HTML("")
        self.code.add_class("bl-code")

        box = widgets.Box(list(self.controls.values()),
                          layout={"flex_flow": "row wrap", "display": "flex" if self.controls else "none"})
        box.add_class("bl-controls")
        self.widget = widgets.VBox([box, widgets.HBox([self.train_button, self.status],
                                                      layout={"align_items": "center"}),
                                    self.message, self.image, self.replay, self.code])
        self.widget.add_class("bl-playground")
        if autorun:
            self.run()

    # ---- display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        return f"Playground(controls={tuple(self.controls)}, settings={self.settings()})"

    # ---- settings ------------------------------------------------------------------------------
    def _control_value(self, name):
        value = self.controls[name].value
        if name == "lr":
            # The slider's value rounded as its readout shows it (".1e": 0.0316... -> 0.032), so the
            # call shown is the one that ran; the initial value is kept exact.
            value = float(value)
            if not math.isclose(value, self._lr_exact, rel_tol=1e-9):
                value = float(format(value, LR_FORMAT))
        return value

    def settings(self) -> dict:
        """The current settings (controls' values and fixed ones), with ``lr`` resolved if it is None."""
        s = {k: (self._control_value(k) if k in self.controls else self._fixed[k]) for k in DEFAULTS}
        if s["lr"] is None:
            opt = OPTIMIZERS.get(str(s["optimizer"]).strip().lower())
            s["lr"] = None if opt is None else opt.default_lr
        if s["output_activation"] is None and isinstance(s["activation"], str):
            act = s["activation"].strip().lower()
            if act in ACTIVATIONS:
                s["output_activation"] = "none" if ACTIVATIONS[act].name == "none" else "sigmoid"
        return s

    @property
    def code_text(self) -> str:
        """The reproducing call of the last run, as plain text ("" before the first run)."""
        return self._code_text if self.history is not None else ""

    @contextlib.contextmanager
    def _quietly(self):
        """Set widget values without their observers starting runs (they check ``_quiet``)."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _apply(self, changes: dict):
        """Merge ``changes`` into the settings (controls get the new values, quietly)."""
        s = check_settings({**self.settings(), **changes})
        for k in changes:
            if k not in self.controls:
                follow = k in ("lr", "output_activation") and changes[k] is None  # keep following
                self._fixed[k] = None if follow else s[k]
                continue
            w = self.controls[k]
            with self._quietly():
                if k == "lr":
                    exponent = math.log10(s[k])
                    w.min, w.max = min(w.min, math.floor(exponent)), max(w.max, math.ceil(exponent))
                    self._lr_exact = s[k]
                elif k == "epochs":
                    w.min, w.max = min(w.min, s[k]), max(w.max, s[k])
                w.value = s[k]

    # ---- running -------------------------------------------------------------------------------
    def run(self, **changes):
        """Train with the current settings (updated by ``changes``, e.g. ``lr=0.1``) and redraw.

        Returns the History, or None if the settings were invalid (the message box says why). Never
        raises. A call arriving while a run is in progress does not start an overlapping run: it is
        remembered and the settings are trained once more when the current run ends.
        """
        if not self._lock.acquire(blocking=False):
            self._pending = True
            return None
        try:
            result = self._guarded(self._run_once, changes)
            while self._pending:
                self._pending = False
                result = self._guarded(self._run_once, {})
            return result
        finally:
            self._lock.release()

    def _guarded(self, fn, *args):
        try:
            return fn(*args)
        except (ValueError, TypeError, traitlets.TraitError) as exc:
            self._show_error(str(exc))
        except Exception as exc:  # a bug, not a setting: still no traceback in the notebook
            log.exception("backprop_lab playground: unexpected error")
            self._show_error(f"Unexpected error ({type(exc).__name__}): {exc}")
        return None

    def _run_once(self, changes):
        self.last_error = None
        self.train_button.disabled = True
        try:
            if changes:
                self._apply(changes)
            s = check_settings(self.settings())
            x, y = load_dataset(s["dataset"], seed=s["seed"])
            model = MLP((x.shape[1], *s["hidden"], 1), activation=s["activation"],
                        output_activation=s["output_activation"], seed=s["seed"])
            history = train(model, x, y, epochs=s["epochs"], lr=s["lr"], optimizer=s["optimizer"],
                            loss=s["loss"], print_fn=_ignore)
            if self._pending:  # the settings changed while training: skip drawing, run() trains again
                return history
            self.history, self.model, self.x, self.y = history, model, x, y
            self._replay_cache = {}
            self._code_text = format_call(s)
            with self._quietly():
                self.replay.max = max(self.replay.max, history.epochs)
                self.replay.value = history.epochs
                self.replay.max = history.epochs
                self.replay.disabled = history.epochs == 0
            png = self._canvas.render(model, history, x, y)
            self._replay_cache[history.epochs] = png
            self.image.value = png
            self.status.value = _status_html(history, _correct(model, x, y), len(y))
            self.code.value = ('<div style="font-size:small">Reproduce this run '
                               '(<code>import backprop_lab as bl</code>):</div>'
                               '<pre style="user-select:all; white-space:pre-wrap; margin:2px 0">'
                               f'{html.escape(self._code_text, quote=False)}</pre>')
            if history.diverged:
                self._show_error(history.message, error=False)
            else:
                self._clear_message()
            return history
        finally:
            self.train_button.disabled = False

    def show_epoch(self, epoch: int):
        """Draw the decision boundary after ``epoch`` updates (nearest snapshot), without retraining.

        Returns the epoch shown; the replay slider moves there. Never raises.
        """
        return self._guarded(self._show_epoch, epoch)

    def _show_epoch(self, epoch):
        h = self.history
        if h is None:
            return None
        epoch = int(epoch)
        model, shown = _snapshot_model(h, epoch)
        with self._quietly():
            self.replay.value = shown
        png = self._replay_cache.get(shown)
        if png is None:
            final = shown == h.epochs
            png = self._replay_cache[shown] = self._canvas.render(model, h, self.x, self.y,
                                                                  epoch=None if final else shown)
        self.image.value = png
        return shown

    # ---- messages ------------------------------------------------------------------------------
    def _show_error(self, text: str, error: bool = True):
        if error:
            self.last_error = text
            if self.history is not None:
                self.status.value = ('<span style="color:#a40000">Not trained: see the message below. '
                                     'The plot shows the last run.</span>')
        self.message.value = f'<div style="{_MESSAGE_STYLE}">{html.escape(text, quote=False)}</div>'
        self.message.layout.display = None

    def _clear_message(self):
        self.message.value = ""
        self.message.layout.display = "none"

    # ---- callbacks (thin: everything they do is run() / show_epoch()) -----------------------------
    def _on_control(self, change):
        if self._quiet:
            return
        self.run()

    def _on_click(self, _button):
        self.run()

    def _on_replay(self, change):
        if self._quiet:
            return
        self.show_epoch(change["new"])


def _ignore(*args, **kwargs):
    pass


def playground(controls=CONTROLS, *, dataset="xor", lr=None, hidden=(10, 10), activation="sigmoid",
               output_activation=None, optimizer="gd", loss="mse", epochs=2000, seed=0,
               resolution: int = RESOLUTION) -> Playground:
    """An experiment panel showing ``controls``, trained once with these settings; display it in a cell.

    ``controls``: names from ``CONTROLS`` ("dataset", "lr", "hidden", "activation", "optimizer",
    "loss", "epochs", "seed"), shown in the order given; the other settings stay fixed at the values
    given (defaults: the lab's 2-10-10-1 sigmoid network, GD at its default lr, MSE, 2000 epochs,
    seed 0, on "xor"). ``lr=None`` follows the optimizer's default; ``output_activation=None`` is
    "sigmoid", or "none" while ``activation`` is "none". Unknown control names or invalid settings
    raise ``ValueError``/``TypeError`` here; afterwards the panel shows problems in its message box.
    """
    return Playground(controls, dataset=dataset, lr=lr, hidden=hidden, activation=activation,
                      output_activation=output_activation, optimizer=optimizer, loss=loss, epochs=epochs,
                      seed=seed, resolution=resolution)
