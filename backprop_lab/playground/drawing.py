"""The playground's main picture, drawn fast enough to animate: learning curves and decision boundary.

``PanelCanvas`` keeps one figure (learning curves left, decision boundary right) with fixed axes, so
a frame changes only its data: the static part (axes, ticks, labels, legend) is drawn once per run
and kept as a bitmap (Agg's ``copy_from_bbox``); each frame restores that bitmap, draws the artists
that change (``draw_artist``: the curves, the boundary image, the points, the boundary's title) and
encodes the pixels: JPEG while a run plays, PNG otherwise (``images.encode``). The boundary image is
written straight from the network's output on a grid (``images.boundary_rgb``). The loss axis grows
by whole decades when a loss leaves it (the only time the static part is redrawn within a run).
The left axes show either the loss or, in the "gradients" picture, the root-mean-square of each
layer's weight gradient per epoch (``History.grad_rms``), one line per layer on a log scale: a deep
sigmoid network's first layer gets gradients orders of magnitude smaller than its last.
``render_run`` is the same picture as a plain function.
"""
from __future__ import annotations

import math

import numpy as np

from ..figures.plots import DPI, plain_log_axis
from .images import boundary_rgb, colour_table, encode

FIGSIZE = (7.0, 2.8)
RESOLUTION = 80                   # boundary image: grid points per side
TINTS = 0.45                      # the boundary image's colours mixed with white (as plot_decision_boundary's alpha)
#: The gradient lines: the hidden layers dark to light, layer 1 first, as the signal fades on its way
#: back (a deeper network's further layers repeat them dashed), and the output layer's always red.
HIDDEN_GRADIENT_COLOURS = ("#1b3a6b", "#2f7fc1", "#6bb3d9", "#f28e2b")
OUTPUT_GRADIENT_COLOUR = "#e15759"
GRADIENTS_TITLE = "Gradient size by layer (RMS)"


class PanelCanvas:
    """One reusable figure: the learning curves (left) and the decision boundary (right).

    ``start(x, y, x_test, y_test, epochs)`` sets up a run (fixed axes, the points); ``frame(...)``
    returns the PNG of one moment of it. A ``matplotlib.figure.Figure`` on the Agg canvas, never
    pyplot: nothing is displayed and no global state changes. Not thread-safe: one caller at a time.
    """

    def __init__(self, *, resolution: int = RESOLUTION, figsize=FIGSIZE, dpi: int = DPI):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        self.resolution = resolution
        width, height = figsize
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.72 / width, right=1 - 0.1 / width, bottom=0.45 / height,
                                    top=1 - 0.3 / height, wspace=0.3)
        ax, bx = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
        self.ax_curve, self.ax_boundary = ax, bx
        self._lut = colour_table(TINTS)
        plain_log_axis(ax, minor_span=1e3)            # (deeper than 3 decades: the decades alone)
        ax.yaxis.set_major_formatter(FuncFormatter(short_decade))
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        bx.set_xlabel("x₁")
        bx.set_ylabel("x₂")
        # Every artist that changes during a run is "animated": left out of the static bitmap.
        self.train_line, = ax.plot([], [], lw=1.5, color="tab:blue", label="train", animated=True)
        self.test_line, = ax.plot([], [], lw=1.2, ls="--", color="tab:orange", label="held-out", animated=True)
        self.cross, = ax.plot([], [], "x", color="tab:blue", ms=8, mew=2, animated=True)
        self.marker = ax.axvline(0, color="0.4", lw=1, ls="--", animated=True)
        self.legend = ax.legend(handles=[self.train_line, self.test_line], fontsize="small", loc="upper right")
        self.curve_title = ax.set_title("Learning curve")          # static: it changes only when a run diverges
        self.image = bx.imshow(np.zeros((2, 2, 3), np.uint8), origin="lower", interpolation="bilinear",
                               aspect="auto", animated=True)
        self.points = bx.scatter([], [], s=18, edgecolors="k", linewidths=0.4, animated=True)
        self.test_points = bx.scatter([], [], facecolors="w", s=16, linewidths=1.2, marker="s", animated=True)
        self.boundary_title = bx.set_title("Decision boundary", fontsize="medium", animated=True)
        self.gradient_lines = [ax.plot([], [], lw=1.3, animated=True)[0] for _ in range(5)]
        self._dynamic = [self.train_line, self.test_line, self.cross, self.marker, self.image, self.points,
                         self.test_points, self.boundary_title, *self.gradient_lines]
        self.gradients = None                    # the number of gradient lines shown (None: the loss)
        self._background = None
        self._static = None
        self.ylim = None

    # ---- a run ----------------------------------------------------------------------------------
    def start(self, x, y, x_test=None, y_test=None, epochs: int = 1, net_inputs=None):
        """Set up a run of ``epochs`` epochs on the points x (N, 2), y (N, 1) (and the held-out
        x_test, y_test, drawn as hollow squares). ``net_inputs(points)`` gives the network's inputs for
        points of the plane (the run's features; None: the points themselves). The static part is
        redrawn only if the run's epochs, the plane's extent or the legend differ from the last run's."""
        pts = x if x_test is None else np.concatenate([x, x_test])
        # The built-in data sets lie in the unit square: one extent for all of them (wider data: whole
        # quarters around it), so changing the data set rarely redraws the axes. No points yet (drawn by
        # hand after "clear"): the unit square.
        lo, hi = (pts.min(axis=0) - 0.1, pts.max(axis=0) + 0.1) if len(pts) else (np.zeros(2), np.ones(2))
        lo = np.where(lo < -0.15, np.floor(lo * 4) / 4, -0.15)
        hi = np.where(hi > 1.15, np.ceil(hi * 4) / 4, 1.15)
        extent = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
        self.epochs = max(1, int(epochs))
        static = (self.epochs, extent, x_test is not None)
        if static != self._static:
            self._static, self._background = static, None
            self.ax_curve.set_xlim(0, self.epochs)
            if self.gradients is None:                   # the loss legend: train and held-out
                self.legend.set_visible(x_test is not None)
            self.ax_boundary.set_xlim(extent[0], extent[1])
            self.ax_boundary.set_ylim(extent[2], extent[3])
            self.image.set_extent(extent)
            g0, g1 = np.meshgrid(np.linspace(extent[0], extent[1], self.resolution),
                                 np.linspace(extent[2], extent[3], self.resolution))
            self.grid = np.column_stack([g0.ravel(), g1.ravel()])
        self.net_grid = self.grid if net_inputs is None else net_inputs(self.grid)
        self.points.set_offsets(x)
        self.points.set_facecolors(_class_colours(y))
        self.test_points.set_visible(x_test is not None)
        if x_test is not None:
            self.test_points.set_offsets(x_test)
            self.test_points.set_edgecolors(_class_colours(y_test))
        self.test_line.set_data([], [])
        self.ylim = None

    def plane_point(self, px: float, py: float):
        """The point (x1, x2) of the plane under pixel (px, py) of a frame (origin top left, the frame's
        own pixels), or None if the pixel is outside the decision boundary's axes."""
        display = (float(px), self.figure.bbox.height - float(py))
        if not self.ax_boundary.bbox.contains(*display):
            return None
        x1, x2 = self.ax_boundary.transData.inverted().transform(display)
        return float(x1), float(x2)

    def pixel(self, x1: float, x2: float) -> tuple[float, float]:
        """The pixel (px, py) of a frame (origin top left) where the point (x1, x2) is drawn."""
        dx, dy = self.ax_boundary.transData.transform((x1, x2))
        return float(dx), float(self.figure.bbox.height - dy)

    def _show_gradients(self, layers):
        """Switch the left axes to ``layers`` gradient lines (None: the loss). True if that changed the
        static part (labels, legend), which then has to be redrawn."""
        if layers == self.gradients:
            return False
        self.gradients = layers
        ax = self.ax_curve
        while layers is not None and len(self.gradient_lines) < layers:     # a deeper network: more lines
            line, = ax.plot([], [], lw=1.3, animated=True)
            self.gradient_lines.append(line)
            self._dynamic.append(line)
        for j, line in enumerate(self.gradient_lines[:layers or 0]):
            hidden = len(HIDDEN_GRADIENT_COLOURS)
            line.set_color(OUTPUT_GRADIENT_COLOUR if j == layers - 1 else HIDDEN_GRADIENT_COLOURS[j % hidden])
            line.set_linestyle("-" if j < hidden or j == layers - 1 else "--")
        for line in (self.train_line, self.test_line):
            line.set_visible(layers is None)
        for j, line in enumerate(self.gradient_lines):
            line.set_visible(layers is not None and j < layers)
            line.set_data([], [])
        self.legend.remove()
        if layers is None:
            ax.set_ylabel("loss")
            self.legend = ax.legend(handles=[self.train_line, self.test_line], fontsize="small", loc="upper right")
            self.legend.set_visible(self._static is not None and self._static[2])
        else:
            ax.set_ylabel("gradient")
            labels = [f"layer {j + 1}" if j < layers - 1 else "output" for j in range(layers)]
            # Upper right: the gradients rarely reach the top decade (the axis goes up to 1).
            self.legend = ax.legend(self.gradient_lines[:layers], labels, fontsize="x-small", loc="upper right",
                                    ncols=min(layers, 3))
        self.ylim = None
        return True

    def _fit_loss_axis(self, values, floor: float = 1e-3):
        """Set the loss axis to whole decades around ``values`` (at least ``floor`` to 1; within a run
        it only widens). True if it changed, which means redrawing the static part."""
        finite = values[np.isfinite(values) & (values > 0)]
        lo, hi = floor, 1.0
        if finite.size:
            lo = min(lo, 10.0 ** math.floor(math.log10(max(float(finite.min()), 1e-12))))
            hi = max(hi, 10.0 ** math.ceil(math.log10(min(float(finite.max()), 1e100))))
        if self.ylim is not None:
            lo, hi = min(lo, self.ylim[0]), max(hi, self.ylim[1])
        self.ylim = (lo, hi)
        if self.ax_curve.get_ylim() == (lo, hi):
            return False
        self.ax_curve.set_ylim(lo, hi)
        return True

    def frame(self, model, loss, test=None, *, epoch=None, title="", curve_title="Learning curve",
              diverged_at=None, fmt: str = "png", grad_rms=None) -> bytes:
        """PNG bytes of one moment of the run.

        model: the network to draw (its output on the grid); loss: the training loss per epoch so far
        (epoch i + 1 at index i); test: (epochs, losses) of the held-out points, or None; ``epoch``:
        a dashed marker on the curve (replay); ``title``: the boundary's title ("Epoch 300: 20/21
        correct"); ``diverged_at``: draw an ✕ where the run stopped, title in red; ``fmt``: "png"
        or "jpeg" (see ``encode``). ``grad_rms`` (epochs so far, layers): draw these gradient sizes,
        one line per layer, instead of the loss (the "gradients" picture).
        """
        loss = np.minimum(np.asarray(loss, dtype=np.float64), 1e100)
        epochs = np.arange(1, len(loss) + 1)
        if self._show_gradients(None if grad_rms is None else np.shape(grad_rms)[1]):
            self._background = None
        if grad_rms is None:
            self.train_line.set_data(*thin(epochs, loss))
            if test is not None:
                self.test_line.set_data(test[0], np.minimum(test[1], 1e100))
            values = loss if test is None else np.concatenate([loss, np.asarray(test[1], dtype=np.float64)])
        else:
            grad_rms = np.minimum(np.asarray(grad_rms, dtype=np.float64), 1e100)
            for j, line in enumerate(self.gradient_lines[:grad_rms.shape[1]]):
                line.set_data(*thin(np.arange(1, len(grad_rms) + 1), grad_rms[:, j]))
            values = grad_rms.ravel()
        if self._fit_loss_axis(values, floor=1e-3 if grad_rms is None else 0.1):
            self._background = None
        if diverged_at is not None and grad_rms is None:
            self.cross.set_data([diverged_at], [loss[-1] if len(loss) else 1.0])
        else:
            self.cross.set_data([], [])
        self.marker.set_visible(epoch is not None)
        if epoch is not None:
            self.marker.set_xdata([epoch, epoch])
        if curve_title != self.curve_title.get_text():
            self.curve_title.set_text(curve_title)
            self.curve_title.set_color("#a40000" if diverged_at is not None else "k")
            self._background = None
        with np.errstate(all="ignore"):
            z = model.forward(self.net_grid).reshape(self.resolution, self.resolution)
        self.image.set_data(boundary_rgb(np.nan_to_num(z, nan=0.5), self._lut))
        self.boundary_title.set_text(title)
        return encode(self._draw()[..., :3], fmt)

    def _draw(self) -> np.ndarray:
        """Blit: the static part from its saved bitmap, then the artists that change. Returns RGBA pixels."""
        if self._background is None:
            self.canvas.draw()                                  # animated artists are left out
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            self.figure.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())


def short_decade(value, _=None) -> str:
    """A decade's tick label that fits the panel's narrow margin: 1, 0.1, 0.01, then 1e-3, 1e-4, ..."""
    return f"{value:g}" if value >= 0.01 else f"1e{round(np.log10(value))}"


#: A curve has at most about this many points drawn: the picture is a few hundred pixels wide.
MAX_POINTS = 2000


def thin(epochs, values, max_points: int = MAX_POINTS):
    """(epochs, values) of a curve with at most about ``max_points`` points: beyond that, each bucket of
    consecutive epochs is drawn as its lowest and highest value (in epoch order), so no spike is lost
    however long a run that Play carried on gets. Shorter curves come back as they are."""
    n = len(values)
    if n <= max_points:
        return epochs, values
    k = -(-n // (max_points // 2))                          # epochs per bucket
    m = n // k * k
    v = np.asarray(values[:m]).reshape(-1, k)
    e = np.asarray(epochs[:m]).reshape(-1, k)
    rows = np.arange(len(v))
    lo = np.argmin(np.where(np.isnan(v), np.inf, v), axis=1)          # (a NaN is neither the lowest nor the highest)
    hi = np.argmax(np.where(np.isnan(v), -np.inf, v), axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    xs = np.column_stack([e[rows, first], e[rows, second]]).ravel()
    ys = np.column_stack([v[rows, first], v[rows, second]]).ravel()
    return np.concatenate([xs, epochs[m:]]), np.concatenate([ys, values[m:]])


def _class_colours(y):
    """Red for class 0, blue for class 1, per label of y (N, 1)."""
    return np.where(np.asarray(y)[:, 0] > 0.5, "tab:blue", "tab:red")


def curve_title(diverged_at) -> str:
    """The learning curve's title: it says where a run diverged."""
    return "Learning curve" if diverged_at is None else f"Learning curve (diverged at epoch {diverged_at})"


def render_run(model, history, x, y, epoch=None, *, resolution: int = RESOLUTION, gradients: bool = False) -> bytes:
    """PNG bytes of one run: the learning curve (left), the decision boundary of ``model`` (right).

    model: the network to draw (e.g. ``history.model`` or ``history.model_at(epoch)``); x: (N, 2)
    points; y: (N, 1) labels. ``epoch`` (optional) marks that epoch on the curve and names it in the
    boundary's title (default: the last epoch). ``gradients=True`` draws the playground's gradients
    picture instead of the loss: ``history.grad_rms`` (``train(..., record_gradients=True)``), one
    line per layer. A fresh ``PanelCanvas`` each call; the playground keeps one.
    """
    if gradients and history.grad_rms is None:
        raise ValueError("gradients=True draws history.grad_rms, which this History has not recorded: train "
                         "with bl.train(..., record_gradients=True).")
    canvas = PanelCanvas(resolution=resolution)
    canvas.start(x, y, epochs=history.config.get("epochs", len(history.loss)))
    with np.errstate(all="ignore"):
        correct = int(np.count_nonzero((model.forward(x) > 0.5) == (np.asarray(y) > 0.5)))
    shown = history.epochs if epoch is None else epoch
    return canvas.frame(model, history.loss, epoch=epoch, title=f"Epoch {shown}: {correct}/{len(y)} correct",
                        curve_title=GRADIENTS_TITLE if gradients else curve_title(history.diverged_at),
                        diverged_at=history.diverged_at, grad_rms=history.grad_rms if gradients else None)
