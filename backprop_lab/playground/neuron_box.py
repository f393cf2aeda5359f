"""The panel's neuron maps: one small map per hidden unit, one row per hidden layer, under the picture.

TensorFlow Playground's picture of what every hidden unit computes over the input plane, drawn
from ``images.neuron_map_images``: one image per hidden layer holding all its units' maps (BMP while
a run plays, PNG otherwise), so a frame sends one message per layer, not one per unit. ``NeuronBox``
owns the "neuron maps" toggle button, the box under the picture and the images in it.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..figures.network import network_layers
from .images import MAP_COLUMNS, MAP_GAP, neuron_map_images
from .look import TOGGLE_LAYOUT, with_class

NEURON_PX = 44                        # a neuron map's size on screen (scaled down in a narrow notebook)
MAP_RESOLUTION = 24                   # a neuron map's pixels per side


class NeuronBox:
    """The neuron maps: ``toggle`` (a ToggleButton, on when ``shown``: then blue and ticked) and ``box``
    (a VBox of one row per hidden layer: its name and one image of its units' maps, left to right in
    rows of ``MAP_COLUMNS``; hidden while the toggle is off). ``images``: those images, one per hidden
    layer. ``on_show()`` is called when a person turns the maps on, to draw them; ``draw(model, x, fmt)``
    fills the images."""

    def __init__(self, shown: bool = False, *, on_show=None):
        self.on_show = on_show
        self.toggle = with_class(widgets.ToggleButton(value=shown, description="neuron maps",
                                                      tooltip="what every hidden unit computes over the plane",
                                                      layout=TOGGLE_LAYOUT), "bl-neurons-toggle")
        self.box = with_class(widgets.VBox([], layout={"display": None if shown else "none"}), "bl-neurons")
        self.images = []                  # one Image widget per hidden layer
        self._units = []                  # the units of each layer the images are laid out for
        self._look()
        self.toggle.observe(self._toggled, names="value")

    @property
    def shown(self) -> bool:
        return self.toggle.value

    def _look(self):
        # A pressed ToggleButton only looks darker, which reads as "disabled": on, it is coloured and ticked.
        self.toggle.icon = "check-square-o" if self.shown else "square-o"
        self.toggle.button_style = "info" if self.shown else ""

    def _toggled(self, change):
        self._look()
        self.box.layout.display = None if self.shown else "none"
        if self.shown and self.on_show is not None:
            self.on_show()

    def draw(self, model, x, fmt: str = "png", features=None):
        """The maps of every hidden unit of ``model`` over the plane around the points ``x`` (N, 2), a row
        per hidden layer (TensorFlow Playground's picture); BMP while a run plays (written in
        microseconds), PNG otherwise. ``features``: the network's inputs (None: x1, x2)."""
        pictures = neuron_map_images(model, x, MAP_RESOLUTION, fmt=fmt, features=features)
        units = [n for _, n in pictures]
        if units != self._units:                                 # a new architecture: new images
            self._units = units
            self.images = [_image(n) for n in units]
            names = [layer[-1].name for layer in network_layers(model)[:-1]]
            # One row per hidden layer, as plot_neuron_maps draws them: the panel stays short.
            label = {"width": "95px", "flex": "0 0 auto"}
            self.box.children = [widgets.HBox([widgets.HTML(f"<small>layer {i + 1} ({name})</small>", layout=label),
                                               image], layout={"align_items": "center", "flex_flow": "row wrap"})
                                 for i, (name, image) in enumerate(zip(names, self.images))]
        for image, (picture, _) in zip(self.images, pictures):
            with image.hold_sync():       # format and bytes in one message: the browser draws once
                image.format, image.value = fmt, picture


def _image(units: int):
    """The Image of a layer of ``units`` maps, each ``NEURON_PX`` wide on screen (narrower if the notebook is)."""
    columns = min(units, MAP_COLUMNS)
    width = round((columns * MAP_RESOLUTION + (columns - 1) * MAP_GAP) * NEURON_PX / MAP_RESOLUTION)
    return with_class(widgets.Image(format="png", layout={"width": f"{width}px", "max_width": "calc(100% - 4px)",
                                                          "height": "auto"}), "bl-neuron")
