"""Neuron maps: what every neuron computes over the 2-D input plane (TensorFlow Playground's picture).

A network's "layer" here is a ``Linear`` and the activation after it; its units are the Linear's
outputs passed through that activation. ``neuron_outputs`` computes every layer's values on a grid
of input points; ``plot_neuron_maps`` draws them, one row per layer (the hidden layers, then the
output), one small heat map per unit, with the data points drawn faintly on top.

Colours: red = low, blue = high (the class colours, so the output's map reads like the decision
boundary). A bounded activation gets its fixed range (sigmoid 0 to 1, tanh -1 to 1), so maps of
different units compare directly; an unbounded one (relu, none) gets its layer's own lowest and
highest value on the grid.
"""
from __future__ import annotations

import numpy as np

from ..nn.layers import Linear
from ..validation import as_2d_array
from .plots import BOUNDARY_CMAP, CLASS_COLORS, DPI


def _flat_layers(model):
    """The model's layers in order, nested ``Sequential`` models opened up."""
    layers = []
    for layer in getattr(model, "layers", [model]):
        layers.extend(_flat_layers(layer) if hasattr(layer, "layers") else [layer])
    return layers


def neuron_layers(model):
    """The layers grouped as [Linear, activation, ...]: one group per Linear (a neuron layer), the
    output's last. Raises ``ValueError`` unless the first layer is a ``Linear`` with 2 inputs."""
    groups = []
    for layer in _flat_layers(model):
        if isinstance(layer, Linear) or not groups:
            groups.append([])
        groups[-1].append(layer)
    if not groups or not isinstance(groups[0][0], Linear):
        raise ValueError("neuron maps need a model whose first layer is a Linear, e.g. bl.MLP((2, 10, 10, 1)).")
    if groups[0][0].in_features != 2:
        raise ValueError(f"neuron maps draw the 2-D input plane, so the model must take 2 inputs; its first "
                         f"layer is Linear({groups[0][0].in_features}, {groups[0][0].out_features}). "
                         f"Train a model on 2-D data, e.g. bl.MLP((2, 10, 10, 1)).")
    return groups


def neuron_outputs(model, grid) -> list[np.ndarray]:
    """Every neuron's output at the points of ``grid``, layer by layer.

    model: an ``MLP`` or a ``Sequential`` of ``Linear`` and activation layers, with 2 inputs.
    grid: input points of shape (..., 2), e.g. (res, res, 2) from ``input_grid`` or (M, 2).
    Returns one array per Linear layer (the hidden layers, then the output), each of shape
    (n_units, ...): unit j's output (after the layer's activation) at every grid point.
    """
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim < 2 or grid.shape[-1] != 2:
        raise ValueError(f"grid must hold 2-D input points, shape (..., 2) such as (res, res, 2); "
                         f"got shape {grid.shape}. Build one with bl.input_grid(x).")
    groups = neuron_layers(model)
    h = grid.reshape(-1, 2)                                      # (M, 2)
    outputs = []
    for group in groups:
        for layer in group:
            h = layer.forward(h)                                 # (M, n_units)
        outputs.append(h.T.reshape(h.shape[1], *grid.shape[:-1]))  # (n_units, ...)
    return outputs


def input_grid(x, resolution: int = 40, padding: float = 0.1):
    """A square grid over the points ``x`` (N, 2), ``padding`` wider on each side.

    Returns (grid, extent): grid of shape (resolution, resolution, 2), row i at height x₂ = i-th
    value (``imshow(..., origin="lower")`` order), and extent (x₁ min, x₁ max, x₂ min, x₂ max).
    """
    x = _plane_points(x)
    lo, hi = x.min(axis=0) - padding, x.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return np.stack([g0, g1], axis=-1), (lo[0], hi[0], lo[1], hi[1])


def _plane_points(x):
    """x as a (N, 2) float array, or a ValueError saying why it cannot be drawn on the plane."""
    x = as_2d_array(x, "x")
    if x.shape[1] != 2:
        raise ValueError(f"x must hold points of the 2-D input plane, shape (N, 2); got shape {x.shape}. "
                         f"Neuron maps draw the plane: pick two features (e.g. x[:, :2]) and a model with 2 inputs.")
    return x


def colour_range(group, values):
    """(vmin, vmax): the activation's fixed range if bounded, else the layer's own range on the grid."""
    lo, hi = group[-1].output_range or (-np.inf, np.inf)
    if np.isfinite(lo) and np.isfinite(hi):
        return lo, hi
    vmin, vmax = float(values.min()), float(values.max())
    return (vmin, vmax) if vmax > vmin else (vmin - 1, vmax + 1)


def plot_neuron_maps(model, x, y=None, resolution: int = 40, axes=None, padding: float = 0.1, size: float = 0.85):
    """Draw every neuron's output over the input plane: one row per layer, one small map per unit.

    model: 2 inputs (an ``MLP`` of any depth, or a ``Sequential``); x: (N, 2) points, drawn faintly
    on top, red for class 0 and blue for class 1 when y (N, 1) is given, else grey. Each map is
    ``resolution`` × ``resolution`` pixels. ``axes``: a 2-D array of at least (n_layers, widest
    layer) axes, or None for a new figure of ``size``-inch maps. Returns that 2-D axes array; row i
    holds layer i + 1's maps (the last row: the output), unused axes are switched off.
    """
    import matplotlib.pyplot as plt

    neuron_layers(model)                                         # refuse a model without 2 inputs first
    x = _plane_points(x)
    y = None if y is None else as_2d_array(y, "y")
    if y is not None and len(y) != len(x):
        raise ValueError(f"x has {len(x)} points but y has {len(y)} labels; give one label per point.")
    grid, extent = input_grid(x, resolution, padding)
    values = neuron_outputs(model, grid)                         # [(n_units, res, res), ...]
    groups = neuron_layers(model)
    n_cols = max(v.shape[0] for v in values)
    if axes is None:
        _, axes = plt.subplots(len(values), n_cols, figsize=(size * n_cols + 0.4, (size + 0.2) * len(values)),
                               dpi=DPI, layout="constrained", squeeze=False)
    axes = np.asarray(axes).reshape(len(values), -1)
    for i, (group, v) in enumerate(zip(groups, values)):
        vmin, vmax = colour_range(group, v)
        last = i == len(values) - 1
        for j, ax in enumerate(axes[i]):
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= v.shape[0]:
                ax.set_axis_off()
                continue
            ax.imshow(v[j], extent=extent, origin="lower", cmap=BOUNDARY_CMAP, vmin=vmin, vmax=vmax,
                      interpolation="bilinear")
            _faint_points(ax, x, y)
            name = "output" if last else f"layer {i + 1}"
            ax.set_title(name if last and v.shape[0] == 1 else f"{name}, unit {j + 1}", fontsize=7, pad=2)
        activation = getattr(group[-1], "name", None) if len(group) > 1 else "none"
        axes[i, 0].set_ylabel(activation or type(group[-1]).__name__, fontsize=7)
    return axes


def _faint_points(ax, x, y):
    if y is None:
        ax.scatter(x[:, 0], x[:, 1], c="0.3", s=4, alpha=0.4, linewidths=0)
        return
    labels = (y[:, 0] > 0.5).astype(int)
    for cls, colour in enumerate(CLASS_COLORS):
        pts = x[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, s=5, alpha=0.45, linewidths=0.3, edgecolors="w")

