"""The network drawn as a graph, TensorFlow Playground's picture: a map at every node, weights on the edges.

``plot_network(model, x, y)`` draws one column per layer: the input features, then each hidden
layer's units, then the output. Every node shows what it computes over the 2-D input plane (an
input feature's values, a hidden unit's output, and at the output the decision boundary with the
data points); every edge is a weight, blue where positive and red where negative, as thick as it is
large. The colours are the package's (red = low / class 0, blue = high / class 1).
"""
from __future__ import annotations

import numpy as np

from ..features import add_features, feature_names
from ..nn.layers import Linear
from ..validation import as_2d_array
from .neurons import colour_range, input_grid
from .plots import BOUNDARY_CMAP, CLASS_COLORS, DPI

EDGE_COLOURS = ("tab:red", "tab:blue")        # negative, positive: as the maps' low and high


def network_layers(model) -> list[list]:
    """The model's layers grouped as [Linear, activation, ...], one group per Linear; nested models
    opened up. Raises ``ValueError`` for a model that does not start with a Linear."""
    flat, stack = [], list(getattr(model, "layers", [model]))[::-1]
    while stack:
        layer = stack.pop()
        if hasattr(layer, "layers"):
            stack.extend(list(layer.layers)[::-1])
        else:
            flat.append(layer)
    groups = []
    for layer in flat:
        if isinstance(layer, Linear) or not groups:
            groups.append([])
        groups[-1].append(layer)
    if not groups or not isinstance(groups[0][0], Linear):
        raise ValueError("plot_network needs a model whose first layer is a Linear, e.g. bl.MLP((2, 10, 10, 1)).")
    return groups


def node_values(model, x, features=None, resolution: int = 30):
    """What every node computes over the plane around ``x`` (N, 2).

    Returns (values, extent): values[0] (n_inputs, res, res) the input features, then per Linear layer
    (n_units, res, res) its units' outputs after the activation (the output layer's last); extent is
    the plane's (x1 min, x1 max, x2 min, x2 max).
    """
    names = feature_names(features) if features is not None else ("x1", "x2")
    groups = network_layers(model)
    if groups[0][0].in_features != len(names):
        raise ValueError(f"the model takes {groups[0][0].in_features} inputs but features={list(names)} gives "
                         f"{len(names)}: pass the features the model was trained on (features=None means x1, x2).")
    grid, extent = input_grid(x, resolution)
    h = add_features(grid.reshape(-1, 2), names)                  # (M, n_inputs)
    values = [h.T.reshape(len(names), resolution, resolution)]
    with np.errstate(all="ignore"):
        for group in groups:
            for layer in group:
                h = layer.forward(h)
            values.append(h.T.reshape(h.shape[1], resolution, resolution))
    return values, extent


def plot_network(model, x, y=None, features=None, resolution: int = 30, node: float = 0.42):
    """Draw ``model`` as a graph over the plane of ``x``; returns the matplotlib Figure.

    model: an ``MLP`` or ``Sequential`` whose inputs are ``features`` of the plane (None: x1 and x2);
    x: (N, 2) points of the plane, y: (N, 1) labels or None. Each node is a ``resolution``-pixel map of
    ``node`` inches; the output node shows the decision boundary (the 0.5 line) and the points.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    x = as_2d_array(x, "x")
    y = None if y is None else as_2d_array(y, "y")
    names = feature_names(features) if features is not None else ("x1", "x2")
    values, extent = node_values(model, x, names, resolution)
    groups = network_layers(model)
    weights = [group[0].weight for group in groups]
    columns = len(values)
    tallest = max(v.shape[0] for v in values)
    gap = 1.5                                                       # node pitch, in node sizes
    fig = plt.figure(figsize=(node * gap * columns + 0.6, node * gap * tallest + 0.5), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 0.93))
    ax.set_axis_off()
    centres = [[(c * gap, (v.shape[0] - 1) * gap / 2 - i * gap) for i in range(v.shape[0])]   # centred columns
               for c, v in enumerate(values)]
    biggest = max(float(np.max(np.abs(W))) for W in weights) or 1.0
    for c, W in enumerate(weights):                                  # edges first, under the maps
        for i, (x0, y0) in enumerate(centres[c]):
            for j, (x1, y1) in enumerate(centres[c + 1]):
                w = float(W[i, j])
                ax.add_line(Line2D([x0 + 0.5, x1 - 0.5], [y0, y1], lw=0.3 + 3.0 * abs(w) / biggest,
                                   color=EDGE_COLOURS[w > 0], alpha=0.25 + 0.6 * abs(w) / biggest, zorder=1))
    for c, v in enumerate(values):
        group = None if c == 0 else groups[c - 1]
        vmin, vmax = (float(v.min()), float(v.max())) if group is None else colour_range(group, v)
        if vmax <= vmin:
            vmin, vmax = vmin - 1, vmax + 1
        for j, (cx, cy) in enumerate(centres[c]):
            box = (cx - 0.5, cx + 0.5, cy - 0.5, cy + 0.5)
            ax.imshow(v[j], extent=box, origin="lower", cmap=BOUNDARY_CMAP, vmin=vmin, vmax=vmax,
                      interpolation="bilinear", zorder=2)
            ax.add_patch(plt.Rectangle((box[0], box[2]), 1, 1, fill=False, lw=0.5, color="0.4", zorder=3))
            if c == 0:
                ax.text(cx - 0.6, cy, names[j], ha="right", va="center", fontsize=7)
        if c == columns - 1:                                          # the output: boundary and points
            cx, cy = centres[c][0]
            res = v.shape[-1]
            gx, gy = np.meshgrid(np.linspace(cx - 0.5, cx + 0.5, res), np.linspace(cy - 0.5, cy + 0.5, res))
            ax.contour(gx, gy, v[0], levels=[0.5], colors="k", linewidths=0.8, zorder=4)
            if y is not None:
                for cls, colour in enumerate(CLASS_COLORS):
                    px, py = _to_node(x[(y[:, 0] > 0.5) == cls], extent, (cx, cy))
                    ax.scatter(px, py, s=4, c=colour, linewidths=0.2, edgecolors="w", zorder=5)
    for c in range(columns):
        label = "inputs" if c == 0 else ("output" if c == columns - 1 else f"hidden {c}")
        ax.text(c * gap, (tallest - 1) * gap / 2 + 0.75, label, ha="center", va="bottom", fontsize=7)
    ax.set_xlim(-1.4, (columns - 1) * gap + 0.7)
    ax.set_ylim(-(tallest - 1) * gap / 2 - 0.7, (tallest - 1) * gap / 2 + 1.0)
    ax.set_aspect("equal")
    return fig


def _to_node(points, extent, centre):
    """Points of the plane (M, 2) placed in the unit square of the node at ``centre``: (xs, ys)."""
    (cx, cy), (x0, x1, y0, y1) = centre, extent
    return cx - 0.5 + (points[:, 0] - x0) / (x1 - x0), cy - 0.5 + (points[:, 1] - y0) / (y1 - y0)
