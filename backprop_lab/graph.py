"""The computational graph of a network, drawn: X → A1 → Z1 → A2 → Z2 → A3 → ŷ → L.

Each node is one array of the forward pass, with its shape; each edge carries the operation that
makes the next node (above) and its local derivative (below), the factor the chain rule multiplies
by on the way back. ``draw_graph(model, x, y, values="forward")`` shows one sample's values in every
node; ``values="grad"`` shows dL/d(node) for the same sample, computed by ``model.backward``: the
numbers back-propagation passes from right to left.
"""
from __future__ import annotations

import numpy as np

from .losses import get_loss
from .plots import new_axes
from .validation import check_xy


def graph_nodes(model, x, y, loss="mse"):
    """The forward pass of ``model`` on (x, y), node by node, and dL/d(node) for each.

    Returns a list of dicts ``{"name", "value", "grad", "op", "local"}`` from the input to the loss:
    ``value`` (N, d) the node's array ((1, 1) for L), ``grad`` dL/d(node) of the same shape, ``op``
    the operation that made the node from the one before and ``local`` its local derivative, as text.
    The model is a chain of layers, ``Linear`` and activations (an ``MLP``); like any backward pass,
    this fills the model's gradients.
    """
    x, y = check_xy(x, y)
    loss_fn = get_loss(loss)
    nodes = [dict(name="X", value=x, op="", local="")]
    out, k = x, 0
    for layer in model.layers:
        out = layer.forward(out)
        if hasattr(layer, "weight"):
            k += 1
            nodes.append(dict(name=f"A{k}", value=out, op=f"· W{k} + b{k}", local=f"·W{k}ᵀ"))
        else:
            nodes.append(dict(name=f"Z{k}", value=out, op=f"{layer.name}", local=_local(layer.name, k)))
    nodes[-1]["name"] = "ŷ"
    value = loss_fn.forward(out, y)
    nodes.append(dict(name="L", value=np.array([[value]]), op=f"{loss_fn.name.upper()}(ŷ, y)",
                      local="2(ŷ − y)/N" if loss_fn.name == "mse" else "∂L/∂ŷ"))
    # backward, layer by layer, keeping dL/d(node) for every node
    grad = loss_fn.backward()
    nodes[-1]["grad"] = np.ones((1, 1))
    nodes[-2]["grad"] = grad
    for i, layer in zip(range(len(nodes) - 3, -1, -1), reversed(model.layers)):
        grad = layer.backward(grad)
        nodes[i]["grad"] = grad
    return nodes


def _local(name, k):
    return {"sigmoid": f"σ′ = Z{k}(1−Z{k})", "tanh": f"1 − Z{k}²", "relu": f"1[A{k} > 0]",
            "none": "1"}.get(name, f"{name}′")


def draw_graph(model, x, y, sample: int = 0, values: str = "forward", loss="mse", ax=None):
    """Draw the computational graph with one sample's numbers in every node; returns the axes.

    x: (N, d) inputs, y: (N, 1) labels. ``values="forward"``: each node's row ``sample`` (the loss L
    is the batch's); ``"grad"``: dL/d(node) for that row (dL/dL = 1). Each node shows its name, its
    shape for the batch, and up to 10 numbers as coloured cells (blue > 0, red < 0) with the largest
    one written out.
    """
    if values not in ("forward", "grad"):
        raise ValueError(f"values must be 'forward' or 'grad'; got {values!r}.")
    nodes = graph_nodes(model, x, y, loss)
    n = len(nodes[0]["value"])
    if not 0 <= sample < n:
        raise ValueError(f"sample must be a row index from 0 to {n - 1}; got {sample}.")
    ax = new_axes(1, width=1.15 * len(nodes), height=2.2) if ax is None else ax
    key = "value" if values == "forward" else "grad"
    for j, node in enumerate(nodes):
        arr = node[key]
        row = arr[0] if node["name"] == "L" else arr[sample]
        _draw_node(ax, j, node["name"], arr.shape if node["name"] != "L" else (), row, values)
        if j:
            ax.annotate("", xy=(j - 0.39, 0.5), xytext=(j - 0.61, 0.5),
                        arrowprops=dict(arrowstyle="->" if values == "forward" else "<-", lw=1))
            ax.text(j - 0.5, 0.9, node["op"], ha="center", va="bottom", fontsize=6.5)
            ax.text(j - 0.5, 0.1, node["local"], ha="center", va="top", fontsize=6.5, color="tab:purple")
    ax.set_xlim(-0.6, len(nodes) - 0.4)
    ax.set_ylim(-0.05, 1.05)
    ax.axis("off")
    what = f"forward values of sample {sample}" if values == "forward" else f"dL/d(node) for sample {sample}"
    ax.set_title(f"Computational graph: {what} (purple: local derivatives)", fontsize="medium")
    return ax


def _draw_node(ax, j, name, shape, row, values):
    from matplotlib.patches import Rectangle
    ax.add_patch(Rectangle((j - 0.38, 0.2), 0.76, 0.62, fill=False, lw=1))
    ax.text(j, 0.74, f"{name}" + (f" {shape}" if shape else ""), ha="center", va="center", fontsize=7)
    cells = np.asarray(row, dtype=float).ravel()[:10]
    scale = float(np.max(np.abs(cells))) or 1.0
    width = 0.66 / len(cells)
    for i, v in enumerate(cells):
        ax.add_patch(Rectangle((j - 0.33 + i * width, 0.42), width, 0.2, lw=0,
                               color="tab:blue" if v >= 0 else "tab:red", alpha=0.15 + 0.85 * abs(v) / scale))
    big = cells[np.argmax(np.abs(cells))]
    ax.text(j, 0.31, f"{big:.2g}" if len(cells) > 1 else f"{big:.3g}", ha="center", va="center", fontsize=6.5)
