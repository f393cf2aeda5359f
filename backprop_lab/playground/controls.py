"""The playground's controls: one widget per setting, built from the setting's current value.

``make_control(name, value)`` builds the widget of one setting (``CONTROLS`` lists them). Sliders
never update while dragged (``continuous_update=False``): a run starts when a control is released.
The two controls made of several widgets (hidden layers and units, the input toggles) are in
``compound.py``; the look every control shares (widths, tooltips) in ``look.py``.
"""
from __future__ import annotations

import math

import ipywidgets as widgets

from ..data import DATASETS
from ..nn.activations import ACTIVATIONS
from ..nn.layers import INITS
from ..nn.losses import LOSSES
from ..nn.optim import OPTIMIZERS
from ..validation import canonical_names
from .compound import FeatureToggles, HiddenUnits
from .look import STYLE, TOOLTIPS, WIDTH

#: The control names a panel can show, in their default order.
CONTROLS = ("dataset", "lr", "hidden", "activation", "optimizer", "loss", "epochs", "seed", "init", "noise", "test",
            "batch_size", "weight_decay", "features")

LR_RANGE = (-5, 2)           # the learning-rate slider spans 10**-5 .. 10**2
LR_STEP = 0.1                # in powers of ten
LR_DIGITS = 2                # significant digits of the slider's readout; the lr it gives is rounded the same way
LR_PLAIN = (1e-3, 1e4)       # the readout writes plain decimals (0.79, 100) in this range, else 1.0e-5
EPOCHS_RANGE = (100, 10000)
# A drag over a slider ~250 px wide covers ~40 epochs per pixel: a finer step than round hundreds
# lands on values like 1,470 that nobody asked for.
EPOCHS_STEP = 100
NOISE_MAX = 0.3
NOISE_DIGITS = 10            # the noise a slider gives is rounded to this many decimals (float noise of JS steps)
#: The batch sizes offered (None: the full batch), and the L2 rates: TensorFlow Playground's list.
BATCH_SIZES = (None, 1, 2, 4, 8, 16, 32, 64)
WEIGHT_DECAYS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

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
