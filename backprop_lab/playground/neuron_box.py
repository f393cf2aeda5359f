"""The panel's neuron maps: one small image per hidden unit, one row per hidden layer, under the picture.

TensorFlow Playground's picture of what every hidden unit computes over the input plane, drawn
from ``images.neuron_map_pngs`` (BMP while a run plays, PNG otherwise). ``NeuronBox`` owns the
"neuron maps" toggle button, the box under the picture and the images in it.
"""
from __future__ import annotations

import ipywidgets as widgets

from ..figures.neurons import neuron_layers
from .controls import TOGGLE_LAYOUT, with_class
from .images import neuron_map_pngs

NEURON_PX = 44                        # a neuron map's size on screen


class NeuronBox:
    """The neuron maps: ``toggle`` (a ToggleButton, on when ``shown``: then blue and ticked) and ``box`` (a VBox of one
    row of images per hidden layer, hidden while the toggle is off). ``on_show()`` is called when a
    person turns the maps on, to draw them; ``draw(model, x, fmt)`` fills the images."""

    def __init__(self, shown: bool = False, *, on_show=None):
        self.on_show = on_show
        self.toggle = with_class(widgets.ToggleButton(value=shown, description="neuron maps",
                                                      tooltip="what every hidden unit computes over the plane",
                                                      layout=TOGGLE_LAYOUT), "bl-neurons-toggle")
        self.box = with_class(widgets.VBox([], layout={"display": None if shown else "none"}), "bl-neurons")
        self._images = []                 # one list of Image widgets per hidden layer
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

    def draw(self, model, x, fmt: str = "png"):
        """One image per hidden unit of ``model`` over the plane around the points ``x`` (N, 2), a row
        per hidden layer (TensorFlow Playground's picture); BMP while a run plays (written in
        microseconds), PNG otherwise."""
        pngs = neuron_map_pngs(model, x, fmt=fmt)
        shape = [len(layer) for layer in pngs]
        if [len(col) for col in self._images] != shape:         # a new architecture: new images
            self._images = [[_image() for _ in layer] for layer in pngs]
            names = [layer[-1].name for layer in neuron_layers(model)[:-1]]
            # One row per hidden layer, as plot_neuron_maps draws them: the panel stays short.
            label = {"width": "95px", "flex": "0 0 auto"}
            self.box.children = [widgets.HBox([widgets.HTML(f"<small>layer {i + 1} ({name})</small>", layout=label),
                                               *col], layout={"align_items": "center", "flex_flow": "row wrap"})
                                 for i, (name, col) in enumerate(zip(names, self._images))]
        for col, layer in zip(self._images, pngs):
            for image, png in zip(col, layer):
                image.format = fmt                # sent only when it changes
                image.value = png


def _image():
    return with_class(widgets.Image(format="png", layout={"width": f"{NEURON_PX}px"}), "bl-neuron")
