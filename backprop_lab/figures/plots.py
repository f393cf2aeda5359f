"""Plots. Each function takes ``ax=None`` (or ``axes``), draws, and returns what it drew.

Class 0 is red and class 1 blue, as in the lab's handout. Nothing here changes matplotlib's global
settings; figures are small (about 3 inches per panel, 80 dpi) so notebooks stay light.
"""
from __future__ import annotations

import numpy as np

from ..validation import as_2d_array, check_same_shape

CLASS_COLORS = ("tab:red", "tab:blue")      # class 0, class 1: points in every picture of the package
# The colour map of the decision boundary, the neuron maps and the playground's pictures: red = class 0 /
# low, blue = class 1 / high, the same order as CLASS_COLORS.
BOUNDARY_CMAP = "RdBu"
DPI = 80


def new_axes(ncols=1, width=3.2, height=3.0):
    """A new figure of ``ncols`` axes side by side, ``width`` × ``height`` inches each; returns the axes
    (one ``Axes``, or an array of ``ncols``). The ``ax=None`` default of every plot here."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), dpi=DPI, layout="constrained")
    return axes


def _scatter_classes(ax, x, labels):
    for cls, color in enumerate(CLASS_COLORS):
        pts = x[labels[:, 0] == cls]
        ax.scatter(pts[:, 0], pts[:, 1], c=color, s=18, edgecolors="k", linewidths=0.4, label=f"class {cls}")
    ax.set_xlabel("x₁")   # plain text, not mathtext: text layout is most of a redraw's time
    ax.set_ylabel("x₂")
    ax.set_aspect("equal", adjustable="box")


def plain_log_axis(ax, minor_span: float = np.inf):
    """Log-scale y axis with plain tick labels (0.01, not mathtext 10⁻², which is slow to lay out).

    Minor ticks are labelled at 2 and 5 times a power of ten, or all of them when the view spans
    less than a decade, so a narrow range still has numbers on it; none when the view spans more
    than ``minor_span`` (a ratio: 1e3 is three decades), where the decades alone are enough.
    """
    from matplotlib.ticker import FuncFormatter

    def minor(v, _):
        lo, hi = ax.yaxis.get_view_interval()
        if v <= 0 or lo <= 0 or hi / lo > minor_span:
            return ""
        mantissa = round(v / 10 ** np.floor(np.log10(v)))
        return f"{v:g}" if hi / lo < 10 or mantissa in (2, 5) else ""

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("e-0", "e-")))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def show_result(x, y, pred, axes=None, threshold: float = 0.5):
    """Ground truth beside prediction: two scatter panels, red = 0, blue = 1.

    x: (N, 2) points; y: (N, 1) labels; pred: (N, 1) network outputs, thresholded at ``threshold``
    before plotting (probabilities are never passed to the colours). Returns the two axes.
    """
    x = as_2d_array(x, "x", 2)
    y = as_2d_array(y, "y")
    pred = as_2d_array(pred, "pred")
    check_same_shape(pred, y, "pred", "y")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} points but y has {len(y)} labels.")
    axes = new_axes(2) if axes is None else axes
    labels_pred = (pred > threshold).astype(int)
    wrong = int(np.sum(labels_pred != (y > threshold)))
    _scatter_classes(axes[0], x, (y > threshold).astype(int))
    axes[0].set_title("Ground truth")
    _scatter_classes(axes[1], x, labels_pred)
    axes[1].set_title(f"Predict result ({wrong} wrong)")
    return axes


def plot_learning_curves(histories, labels=None, ax=None, logy: bool = True, metric: str = "loss"):
    """Overlay the per-epoch loss (or ``metric="accuracy"``) of one or several ``History`` objects.

    ``histories``: a History, a list of them, or a dict {label: History}. A run that diverged ends
    with an ✕ at the epoch where it stopped. On the log loss axis a diverging run would stretch the
    axis to 1e+100 and flatten every other curve, so the axis then stops at ten times the largest
    starting loss: the diverging run leaves through the top edge, its ✕ sits on that edge, labelled
    with the last finite loss. Returns the axes.
    """
    if isinstance(histories, dict):
        labels, histories = list(histories), list(histories.values())
    elif not isinstance(histories, (list, tuple)):
        histories = [histories]
    if labels is None:
        labels = [h.label for h in histories]
    if len(labels) != len(histories):
        raise ValueError(f"got {len(labels)} labels for {len(histories)} histories.")
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy'; got {metric!r}.")
    ax = new_axes(1, width=4.2) if ax is None else ax
    log_loss = logy and metric == "loss"
    starts = [float(h.loss[0]) for h in histories if len(h.loss) and np.isfinite(h.loss[0])]
    top = 10 * max(starts) if log_loss and starts and any(h.diverged for h in histories) else None
    for h, label in zip(histories, labels):
        # A run on its way to diverging can reach 1e260; matplotlib's log axis overflows on such
        # values, and nothing above 1e100 is readable anyway.
        values = np.minimum(getattr(h, metric), 1e100)
        epochs = np.arange(1, len(values) + 1)
        (line,) = ax.plot(epochs, values, label=label, lw=1.5)
        if h.diverged:
            last = values[-1] if len(values) else 1.0
            y = last if top is None else min(last, top)
            ax.plot([h.diverged_at], [y], "x", color=line.get_color(), ms=8, mew=2, clip_on=False)
            if top is not None and last > top:
                raw = float(h.loss[-1]) if len(h.loss) else float("inf")
                ax.annotate(f"{raw:.0e}", (h.diverged_at, top), textcoords="offset points", xytext=(4, -10),
                            fontsize="x-small", color=line.get_color())
    if log_loss:
        plain_log_axis(ax)
        if top is not None:
            shown = [v for h in histories for v in np.asarray(h.loss, dtype=float) if 0 < v <= top]
            ax.set_ylim(bottom=min(shown) / 2 if shown else None, top=top)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title("Learning curve" if len(histories) == 1 else "Learning curves")
    if any(labels):
        ax.legend(fontsize="small")
    return ax


def plot_decision_boundary(model, x, y=None, ax=None, resolution: int = 80, padding: float = 0.1, title=None):
    """The model's output over the plane (red = 0, blue = 1, the 0.5 contour in black) with the points.

    model: takes (M, 2) inputs; x: (N, 2); y: (N, 1) labels or None. Returns the axes.
    """
    x = as_2d_array(x, "x", 2)
    ax = new_axes(1) if ax is None else ax
    lo, hi = x.min(axis=0) - padding, x.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    with np.errstate(all="ignore"):
        z = model.forward(grid).reshape(g0.shape)
    z = np.nan_to_num(z, nan=0.5)
    # An image of the output (fast to draw, which keeps sliders responsive), then the 0.5 contour.
    ax.imshow(np.clip(z, 0, 1), extent=(lo[0], hi[0], lo[1], hi[1]), origin="lower", cmap=BOUNDARY_CMAP,
              vmin=0, vmax=1, alpha=0.45, interpolation="bilinear", aspect="auto")
    if z.min() < 0.5 < z.max():
        ax.contour(g0, g1, z, levels=[0.5], colors="k", linewidths=1)
    if y is not None:
        y = as_2d_array(y, "y")
        _scatter_classes(ax, x, (y > 0.5).astype(int))
    else:
        ax.scatter(x[:, 0], x[:, 1], c="k", s=10)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_title(title or "Decision boundary")
    return ax


def draw_network(model, ax=None, values: str = "weight", title=None):
    """Neurons as circles and connections as lines: width ∝ |value|, blue positive, red negative.

    ``values="weight"`` draws the weights; ``values="grad"`` the gradients from the last ``backward``
    (which connections the loss wants to change most). Returns the axes.
    """
    if values not in ("weight", "grad"):
        raise ValueError(f"values must be 'weight' or 'grad'; got {values!r}.")
    linears = model.linear_layers()
    sizes = [linears[0].in_features] + [lin.out_features for lin in linears]
    ax = new_axes(1, width=4.0, height=3.0) if ax is None else ax
    ys = [np.linspace(0, 1, s) if s > 1 else np.array([0.5]) for s in sizes]
    mats = [lin.weight if values == "weight" else lin.weight_grad for lin in linears]
    scale = max(float(np.max(np.abs(m))) for m in mats) or 1.0
    for layer, m in enumerate(mats):
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                w = m[i, j]
                ax.plot([layer, layer + 1], [ys[layer][i], ys[layer + 1][j]],
                        color="tab:blue" if w >= 0 else "tab:red", lw=0.2 + 2.8 * abs(w) / scale,
                        alpha=0.35 + 0.6 * abs(w) / scale, zorder=1)
    for layer, y in enumerate(ys):
        ax.scatter(np.full(len(y), layer), y, s=90, c="white", edgecolors="k", zorder=2)
    names = ["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"]
    ax.set_xticks(range(len(sizes)), [f"{n}\n({s})" for n, s in zip(names, sizes)], fontsize="small")
    ax.set_yticks([])
    ax.set_xlim(-0.3, len(sizes) - 0.7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    default = "Weights" if values == "weight" else "Gradients dL/dW"
    ax.set_title(title or f"{default} (blue +, red −, width ∝ |value|)", fontsize="medium")
    return ax
