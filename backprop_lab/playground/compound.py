"""The controls made of several widgets, each with one ``value`` as a single widget has.

``HiddenUnits``: a slider for the number of hidden layers (1 to ``MAX_LAYERS``) and one slider of
units per layer; its ``value`` is the tuple of sizes, e.g. (10, 10). ``FeatureToggles``: one toggle
per input feature (TensorFlow Playground's input column); its ``value`` is the tuple of the features
switched on, e.g. ("x1", "x2", "x1*x2"). ``CompoundControl`` keeps ``value`` and the parts in step.
"""
from __future__ import annotations

import ipywidgets as widgets
import traitlets

from ..experiments.settings import hidden_sizes
from ..features import FEATURES
from ..features import LABELS as FEATURE_LABELS
from .look import MAX_LAYERS, STYLE, TOOLTIPS, WIDTH, with_class

MAX_HIDDEN = 32              # the units sliders' range


class CompoundControl(widgets.HBox):
    """A box of parts whose ``value`` (a tuple) can be observed and set like a single widget's.

    Setting ``value`` shows it on the parts (``_show_value``); a person changing a part sets ``value``
    from the parts (``_parts_value``); while one direction writes, the other is silent, so neither
    echoes back. ``_refresh()`` then redraws what depends on the value (hidden sliders, colours).
    A subclass calls ``_watch(parts)`` once its parts exist."""

    value = traitlets.Tuple()
    _syncing = False

    def _show_value(self, value):
        raise NotImplementedError

    def _parts_value(self) -> tuple:
        raise NotImplementedError

    def _refresh(self):
        pass

    def _watch(self, parts):
        for w in parts:
            w.observe(lambda change: self._sync(self._from_parts), names="value")

    @traitlets.observe("value")
    def _to_parts(self, change):
        self._sync(lambda: self._show_value(change["new"]))

    def _from_parts(self):
        self.value = self._parts_value()

    def _sync(self, write):
        if self._syncing:
            return
        self._syncing = True
        try:
            write()
        finally:
            self._syncing = False
        self._refresh()


class HiddenUnits(CompoundControl):
    """A "hidden layers" slider (1 to ``MAX_LAYERS``) and one "units" slider per layer; ``value`` is
    the tuple of the shown layers' sizes (e.g. (10, 10)). Fewer layers hide the last sliders (their
    values are kept for when they come back).
    In the panel's grid the box itself draws nothing (CSS ``display: contents``): each slider is a cell
    of the grid, and a hidden slider keeps its cell empty (``visibility: hidden``), so changing the
    number of layers never moves a control."""

    description = traitlets.Unicode("hidden units")

    def __init__(self, value=(10, 10), max_units: int = MAX_HIDDEN, max_layers: int = MAX_LAYERS, **kwargs):
        value = hidden_sizes(value)
        n = max(max_layers, len(value))
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
        self._watch([self.layers, *self.sliders])

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = hidden_sizes(tuple(proposal["value"]))
        if len(value) > len(self.sliders):
            raise traitlets.TraitError(f"this panel has at most {len(self.sliders)} hidden layers; got hidden={value}.")
        return value

    def _show_value(self, value):
        self.layers.value = len(value)
        for s, units in zip(self.sliders, value):
            s.max = max(s.max, units)
            s.value = units

    def _parts_value(self) -> tuple:
        return tuple(s.value for s in self.sliders[:self.layers.value])

    def _refresh(self):
        # A hidden units slider keeps its place (and its value) for when it comes back.
        for i, s in enumerate(self.sliders):
            s.layout.visibility = None if i < self.layers.value else "hidden"


class FeatureToggles(CompoundControl):
    """The inputs control: a label and one toggle per feature of ``FEATURES`` (x1, x2, x1^2, ...), on
    for the network's inputs. ``value`` is the tuple of the features on, in ``FEATURES`` order.
    Turning every toggle off gives ``()``, which the panel refuses with the settings' message (at
    least one input). The panel shows it on a row of its own, under the grid of the other controls."""

    description = traitlets.Unicode("inputs")

    def __init__(self, value=("x1", "x2"), **kwargs):
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
        self._watch(self.buttons.values())
        self._refresh()

    @traitlets.validate("value")
    def _check_value(self, proposal):
        value = tuple(proposal["value"])
        unknown = [v for v in value if v not in FEATURES]
        if unknown:
            raise traitlets.TraitError(f"unknown feature(s) {unknown}; valid features are: {', '.join(FEATURES)}.")
        return tuple(name for name in FEATURES if name in value)

    def _show_value(self, value):
        for name, b in self.buttons.items():
            b.value = name in value

    def _parts_value(self) -> tuple:
        return tuple(name for name, b in self.buttons.items() if b.value)

    def _refresh(self):
        # A pressed ToggleButton only looks darker: an input in use is coloured, as the neuron-maps toggle.
        for b in self.buttons.values():
            b.button_style = "info" if b.value else ""
