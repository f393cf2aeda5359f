"""The panel's neuron maps: one small image per hidden unit, one row per hidden layer, under the picture.

TensorFlow Playground's picture of what every hidden unit computes over the input plane, drawn
from ``images.neuron_map_pngs`` (BMP while a run plays, PNG otherwise) into ``panel.neurons``.
"""
from __future__ import annotations

import copy

import ipywidgets as widgets

from ..neurons import neuron_layers
from .images import neuron_map_pngs

NEURON_PX = 44                        # a neuron map's size on screen


def _image():
    image = widgets.Image(format="png", layout={"width": f"{NEURON_PX}px"})
    image.add_class("bl-neuron")
    return image


def toggle(panel):
    """The toggle's callback: show or hide the maps; shown, draw them from the run's last snapshot."""
    panel.neurons.layout.display = None if panel.neurons_toggle.value else "none"
    if panel.neurons_toggle.value and panel.live is not None:
        # From the last snapshot, in a copy: a playing run's model belongs to the worker (a forward pass
        # on it here would overwrite what its layers keep for backward, and its weights may be mid-update).
        run = panel.live
        with panel._lock:
            model = copy.deepcopy(run.model)
            model.load_state_dict(run.snapshots[-1])
            panel._guarded(draw, panel, model)


def draw(panel, model, fmt: str = "png"):
    """One image per hidden unit, a row per hidden layer (TensorFlow Playground's picture); BMP while
    a run plays (written in microseconds), PNG otherwise."""
    pngs = neuron_map_pngs(model, panel.live.x, fmt=fmt)
    shape = [len(layer) for layer in pngs]
    if [len(col) for col in panel._neuron_images] != shape:      # a new architecture: new images
        panel._neuron_images = [[_image() for _ in layer] for layer in pngs]
        names = [layer[-1].name for layer in _hidden_groups(model)]
        # One row per hidden layer, as plot_neuron_maps draws them: the panel stays short.
        label = {"width": "95px", "flex": "0 0 auto"}
        panel.neurons.children = [widgets.HBox([widgets.HTML(f"<small>layer {i + 1} ({name})</small>", layout=label),
                                                *col], layout={"align_items": "center", "flex_flow": "row wrap"})
                                  for i, (name, col) in enumerate(zip(names, panel._neuron_images))]
    for col, layer in zip(panel._neuron_images, pngs):
        for image, png in zip(col, layer):
            image.format = fmt                # sent only when it changes
            image.value = png


def _hidden_groups(model):
    return neuron_layers(model)[:-1]
