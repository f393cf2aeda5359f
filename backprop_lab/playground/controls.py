"""The playground's controls: one widget per setting, built from the setting's current value.

``make_control(name, value)`` builds the widget of one setting (``CONTROLS`` lists them). Sliders
never update while dragged (``continuous_update=False``): a run starts when a control is released.
``HiddenUnits`` is a compound control: a slider for the number of hidden layers (1 to
``MAX_LAYERS``) and one slider of units per layer; its ``value`` is the tuple of sizes, e.g. (10, 10).
``FeatureToggles`` is the other: one toggle per input feature (TensorFlow Playground's input column);
its ``value`` is the tuple of the features switched on, e.g. ("x1", "x2", "x1*x2").
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import traitlets

from ..data import DATASETS
from ..experiments.settings import hidden_sizes
from ..features import FEATURES
from ..features import LABELS as FEATURE_LABELS
from ..nn.activations import ACTIVATIONS
from ..nn.layers import INITS
from ..nn.losses import LOSSES
from ..nn.optim import OPTIMIZERS
from ..validation import canonical_names

#: The control names a panel can show, in their default order.
CONTROLS = ("dataset", "lr", "hidden", "activation", "optimizer", "loss", "epochs", "seed", "init", "noise", "test",
            "batch_size", "weight_decay", "features")

LR_RANGE = (-5, 2)           # the learning-rate slider spans 10**-5 .. 10**2
LR_STEP = 0.1                # in powers of ten
LR_DIGITS = 2                # significant digits of the slider's readout; the lr it gives is rounded the same way
LR_PLAIN = (1e-3, 1e4)       # the readout writes plain decimals (0.79, 100) in this range, else 1.0e-5
MAX_HIDDEN = 32
MAX_LAYERS = 3
EPOCHS_RANGE = (100, 10000)
# A drag over a slider ~250 px wide covers ~40 epochs per pixel: a finer step than round hundreds
# lands on values like 1,470 that nobody asked for.
EPOCHS_STEP = 100
NOISE_MAX = 0.3
NOISE_DIGITS = 10            # the noise a slider gives is rounded to this many decimals (float noise of JS steps)
#: The batch sizes offered (None: the full batch), and the L2 rates: TensorFlow Playground's list.
BATCH_SIZES = (None, 1, 2, 4, 8, 16, 32, 64)
WEIGHT_DECAYS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

#: What every control does, shown when the pointer rests on it (a control without one shows "null").
TOOLTIPS = {
    "dataset": "the points to classify (each data set's seed also draws its points)",
    "lr": "learning rate: the size of each gradient step (type a value in the readout, or use the arrow keys)",
    "hidden layers": "how many hidden layers the network has (1 to 3): its depth",
    "activation": "the function each hidden unit applies to its weighted sum",
    "optimizer": "the update rule that turns the gradients into weight changes",
    "loss": "what training minimises: mse (squared error) or bce (cross-entropy)",
    "epochs": "how many passes over the training points the run makes",
    "seed": "seeds the initial weights, the data set and its noise: another seed, another run",
    "init": "how the initial weights are drawn",
    "noise": "standard deviation of the jitter added to every point",
    "test": "also draw points from the same generator that are never trained on",
    "batch_size": "samples per update: full = all of them (the lab's gradient descent), 1 = one sample per "
                  "step (SGD); the points are shuffled every epoch",
    "weight_decay": "L2 regularisation: λ in the penalty ½λ‖W‖² on the weights (not the biases), which pulls "
                    "every weight towards 0",
    "features": "the network's inputs, each a function of the point (x₁, x₂): x₁·x₂ lets even a network "
                "without hidden layers separate XOR",
}

STYLE = {"description_width": "95px"}
WIDTH = "280px"
# Fixed widths: "Play" and "Pause" take the same room, so a click never lands on the neighbouring button.
BUTTON_LAYOUT = {"width": "88px", "flex": "0 0 auto"}
TOGGLE_LAYOUT = {"width": "130px", "flex": "0 0 auto"}


def with_class(w, cls: str):
    """``w`` with the CSS class ``cls`` added (how the browser tests and the notebooks' CSS find a part)."""
    w.add_class(cls)
    return w


class HiddenUnits(widgets.HBox):
    """A "hidden layers" slider (1 to ``MAX_LAYERS``) and one "units" slider per layer; ``value`` is
    the tuple of the shown layers' sizes (e.g. (10, 10)) and can be observed and set like a single
    widget's. Fewer layers hide the last sliders (their values are kept for when they come back).
    In the panel's grid the box itself draws nothing (CSS ``display: contents``): each slider is a cell
    of the grid, and a hidden slider keeps its cell empty (``visibility: hidden``), so changing the
    number of layers never moves a control."""

    value = traitlets.Tuple()
    description = traitlets.Unicode("hidden units")

    def __init__(self, value=(10, 10), max_units: int = MAX_HIDDEN, max_layers: int = MAX_LAYERS, **kwargs):
        value = hidden_sizes(value)
        n = max(max_layers, len(value))
        self._syncing = False
        self.layers = widgets.IntSlider(value=len(value), min=1, max=n, description="hidden layers",
                                        tooltip=TOOLTIPS["hidden layers"], continuous_update=False, style=STYLE,
                                        layout={"width": WIDTH})
        self.layers.add_class("bl-hidden-layers")
        self.sliders = [widgets.IntSlider(value=value[i] if i < len(value) else value[-1], min=1,
                                          max=max(max_units, *value), description=f"units {i + 1}",
                                          tooltip=f"units in hidden layer {i + 1}", continuous_update=False,
                                          style=STYLE, layout={"width": WIDTH}) for i in range(n)]
        for s in self.sliders:
            s.add_class("bl-hidden-units")
        # (no tooltip on the box itself: ipywidgets' HBox view fails to render with one, each slider has its own)
        super().__init__([self.layers, *self.sliders], layout={"display": "contents"}, **kwargs)
        self.value = value
        for w in (self.layers, *self.sliders):
            w.observe(self._from_sliders, names="value")

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = hidden_sizes(tuple(proposal["value"]))
        if len(value) > len(self.sliders):
            raise traitlets.TraitError(f"this panel has at most {len(self.sliders)} hidden layers; got hidden={value}.")
        return value

    @traitlets.observe("value")
    def _to_sliders(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            self.layers.value = len(change["new"])
            for i, s in enumerate(self.sliders):
                if i < len(change["new"]):
                    s.max = max(s.max, change["new"][i])
                    s.value = change["new"][i]
                _show(s, i < len(change["new"]))
        finally:
            self._syncing = False

    def _from_sliders(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            for i, s in enumerate(self.sliders):
                _show(s, i < self.layers.value)
            self.value = tuple(s.value for s in self.sliders[:self.layers.value])
        finally:
            self._syncing = False


class FeatureToggles(widgets.HBox):
    """The inputs control: a label and one toggle per feature of ``FEATURES`` (x1, x2, x1^2, ...), on
    for the network's inputs. ``value`` is the tuple of the features on, in ``FEATURES`` order, and
    can be observed and set like a single widget's. Turning every toggle off gives ``()``, which the
    panel refuses with the settings' message (at least one input). The panel shows it on a row of
    its own, under the grid of the other controls."""

    value = traitlets.Tuple()
    description = traitlets.Unicode("inputs")

    def __init__(self, value=("x1", "x2"), **kwargs):
        self._syncing = False
        self.buttons = {name: with_class(widgets.ToggleButton(value=name in value, description=FEATURE_LABELS[name],
                                                              tooltip=f"use {name} as an input",
                                                              layout={"width": "56px", "flex": "0 0 auto"}),
                                         "bl-feature")
                        for name in FEATURES}
        label = widgets.HTML('<span title="' + TOOLTIPS["features"] + '">inputs</span>',
                             layout={"width": STYLE["description_width"], "flex": "0 0 auto"})
        super().__init__([label, *self.buttons.values()],
                         layout={"flex_flow": "row wrap", "align_items": "center"}, **kwargs)
        self.value = tuple(value)
        for b in self.buttons.values():
            b.observe(self._from_buttons, names="value")
        self._look()

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = tuple(proposal["value"])
        unknown = [v for v in value if v not in FEATURES]
        if unknown:
            raise traitlets.TraitError(f"unknown feature(s) {unknown}; valid features are: {', '.join(FEATURES)}.")
        return tuple(name for name in FEATURES if name in value)

    @traitlets.observe("value")
    def _to_buttons(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            for name, b in self.buttons.items():
                b.value = name in change["new"]
        finally:
            self._syncing = False
        self._look()

    def _from_buttons(self, change):
        if self._syncing:
            return
        self._syncing = True
        try:
            self.value = tuple(name for name, b in self.buttons.items() if b.value)
        finally:
            self._syncing = False
        self._look()

    def _look(self):
        # A pressed ToggleButton only looks darker: an input in use is coloured, as the neuron-maps toggle.
        for b in self.buttons.values():
            b.button_style = "info" if b.value else ""


def _show(slider, shown: bool):
    """Show or hide a units slider; hidden, it keeps its place (and its value) for when it comes back."""
    slider.layout.visibility = None if shown else "hidden"


class PlayButton(widgets.ToggleButton):
    """Play/Pause as a toggle whose value (True: playing) travels with the click: a click on "Pause"
    sends value=False, so if the run ended before the click reached the kernel (which set False
    itself), nothing changes, where a plain button's click would have been taken as Play.
    ``click()`` does what a person's click does (for tests and scripts)."""

    def click(self):
        self.value = not self.value


def round_lr(value: float) -> float:
    """``value`` rounded to the readout's ``LR_DIGITS`` significant digits (0.0316... -> 0.032): the
    learning rate a slider position gives is the number its readout shows."""
    return float(f"{value:.{LR_DIGITS - 1}e}")


def lr_readout_format(value: float) -> str:
    """The d3-format specifier (ipywidgets' ``readout_format``) for the lr slider showing ``value``,
    two significant digits either way: ``".2r"``, decimal notation (0.79, 0.50, 1.0, 0.0010, 100,
    3200), while the rounded value lies in ``LR_PLAIN``; ``".1e"`` beyond (1.0e-5, 7.9e-4, 2.0e+4).
    No single specifier switches at these bounds (``g`` writes 100 as 1.0e+2 at two digits and turns
    scientific only below 1e-6), so the slider changes its specifier with its value."""
    lo, hi = LR_PLAIN
    return f".{LR_DIGITS}r" if lo <= round_lr(value) < hi else f".{LR_DIGITS - 1}e"


def lr_slider(value: float) -> widgets.FloatLogSlider:
    """The learning-rate slider: powers of ten from ``LR_RANGE`` (widened to hold ``value``) in steps
    of ``LR_STEP``, its readout written by ``lr_readout_format``."""
    exponent = math.log10(value)
    slider = widgets.FloatLogSlider(value=value, base=10, min=min(LR_RANGE[0], math.floor(exponent)),
                                    max=max(LR_RANGE[1], math.ceil(exponent)), step=LR_STEP,
                                    readout_format=lr_readout_format(value), description="learning rate",
                                    tooltip=TOOLTIPS["lr"],
                                    continuous_update=False, style=STYLE, layout={"width": WIDTH})

    def follow(change):
        # Set when a value reaches the kernel (on release): while the handle moves, the readout keeps
        # the notation it had.
        slider.readout_format = lr_readout_format(change["new"])

    slider.observe(follow, names="value")
    return slider


def make_control(name: str, value):
    """The widget for the setting ``name`` showing ``value`` (a canonical value, see ``check_settings``)."""
    common = {"style": STYLE, "layout": {"width": WIDTH}, "tooltip": TOOLTIPS.get(name)}
    dropdowns = {"dataset": ("data set", list(DATASETS)), "activation": ("activation", canonical_names(ACTIVATIONS)),
                 "optimizer": ("optimizer", canonical_names(OPTIMIZERS)), "loss": ("loss", canonical_names(LOSSES)),
                 "init": ("initial weights", list(INITS))}
    if name in dropdowns:
        description, options = dropdowns[name]
        return widgets.Dropdown(options=options, value=value, description=description, **common)
    if name == "lr":
        return lr_slider(value)
    if name == "hidden":
        return HiddenUnits(value)
    if name == "epochs":
        return widgets.IntSlider(value=value, min=min(EPOCHS_RANGE[0], value), max=max(EPOCHS_RANGE[1], value),
                                 step=EPOCHS_STEP, description="epochs", continuous_update=False, **common)
    if name == "seed":
        return widgets.IntText(value=value, description="seed", continuous_update=False, **common)
    if name == "noise":
        return widgets.FloatSlider(value=value, min=0, max=max(NOISE_MAX, value), step=0.01, description="noise",
                                   continuous_update=False, **common)
    if name == "test":
        return widgets.Checkbox(value=value, description="held-out points", indent=True, **common)
    if name in ("batch_size", "weight_decay"):
        return widgets.Dropdown(options=dropdown_options(name, value), value=widget_value(name, value),
                                description="batch size" if name == "batch_size" else "L2 (λ)", **common)
    if name == "features":
        return FeatureToggles(value)
    raise ValueError(f"unknown control {name!r}; valid controls are: {', '.join(CONTROLS)}.")


#: The full batch on the batch-size menu: ipywidgets' Dropdown takes None for "nothing selected", so the
#: menu's value for batch_size=None is 0.
FULL_BATCH = 0


def widget_value(name: str, value):
    """The control's value for the setting's ``value`` (batch_size None: ``FULL_BATCH``)."""
    return FULL_BATCH if name == "batch_size" and value is None else value


def setting_value(name: str, value):
    """The setting's value for the control's ``value`` (the inverse of ``widget_value``)."""
    return None if name == "batch_size" and value == FULL_BATCH else value


def dropdown_options(name: str, value) -> list:
    """The (label, value) pairs of the batch-size or L2 menu: the usual choices and ``value``."""
    if name == "batch_size":
        sizes = sorted(set(BATCH_SIZES[1:]) | ({value} - {None}))
        return [("full", FULL_BATCH)] + [(str(b), b) for b in sizes]
    rates = sorted(set(WEIGHT_DECAYS) | {float(value)})
    return [("0 (none)" if r == 0 else f"{r:g}", r) for r in rates]


def check_controls(controls) -> tuple:
    """``controls`` as a tuple of known control names, in the given order, without repeats."""
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
    return tuple(dict.fromkeys(names))
