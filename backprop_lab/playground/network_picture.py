"""The panel's "network" picture: TensorFlow Playground's graph, drawn fast enough for every frame.

The same picture as ``bl.plot_network`` (one column per layer; every input feature and hidden unit a
node showing its map over the plane; edges blue where the weight is positive, red where negative,
as thick and as opaque as the weight is large; the output node the decision boundary with the
points), written straight into pixels instead of through matplotlib: the maps are arrays coloured
by ``images.colour_image``, the edges Pillow's lines, the labels drawn once per architecture. A
frame of the lab's 2-10-10-1 network takes a few milliseconds (``make bench`` times it), where
``plot_network`` takes a quarter of a second.
"""
from __future__ import annotations

import numpy as np

from ..features import LABELS, add_features
from ..figures.network import network_layers, node_values
from ..figures.neurons import colour_range
from .images import BOUNDARY_GREY, boundary_rgb, colour_image, colour_table, encode

WIDTH = 560                  # pixels: the panel's main picture is this wide (drawing.FIGSIZE at DPI 80)
MAP_RESOLUTION = 20          # a node's map: grid points per side (scaled up to the node's size)
OUTPUT_SIZE = 124            # the output node's side, in pixels: the decision boundary with the points
OUTPUT_RESOLUTION = 62       # its grid points per side (each drawn as 2 × 2 pixels)
LABEL_ROW = 18               # pixels above the nodes for the column labels
EDGE_RGB = ((214, 39, 40), (31, 119, 180))    # negative, positive: red and blue, as the maps' low and high
CLASS_RGB = ((214, 39, 40), (31, 119, 180))   # the points: class 0 red, class 1 blue (CLASS_COLORS)


class Layout:
    """Where everything of a network with these columns goes: ``columns`` (the number of nodes per
    column: inputs, hidden layers, output), ``names`` (the input features). ``boxes[c][i]`` is node i
    of column c as (left, top, size) in pixels; ``size`` the picture's (width, height)."""

    def __init__(self, columns: tuple, names: tuple, width: int = WIDTH):
        tallest = max(columns[:-1])
        pitch = int(np.clip(260 // tallest, 10, 34))           # node pitch: 10 nodes fit in 260 pixels
        node = max(7, round(pitch * 0.76))
        body = max(tallest * pitch, OUTPUT_SIZE + 8)
        self.size = (width, LABEL_ROW + body + 6)
        self.node, self.columns, self.names = node, columns, names
        left, out_left = 64, width - 12 - OUTPUT_SIZE            # room for the feature names on the left
        step = (out_left - left) / (len(columns) - 1)             # columns evenly spaced up to the output
        middle = LABEL_ROW + body / 2
        self.boxes = []
        for c, n in enumerate(columns):
            if c == len(columns) - 1:
                self.boxes.append([(out_left, round(middle - OUTPUT_SIZE / 2), OUTPUT_SIZE)])
                continue
            x = round(left + c * step)
            self.boxes.append([(x, round(middle + (i - (n - 1) / 2) * pitch - node / 2), node) for i in range(n)])
        self.background = self._background()

    def _background(self) -> np.ndarray:
        """White, with the column labels and the input features' names: drawn once per architecture."""
        from PIL import Image, ImageDraw, ImageFont

        image = Image.new("RGB", self.size, "white")
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(_font_file(), 11)
        last = len(self.columns) - 1
        for c, boxes in enumerate(self.boxes):
            left, _, size = boxes[0]
            label = ("inputs" if c == 0 else "output" if c == last else f"hidden {c} ({self.columns[c]})")
            draw.text((left + size / 2, 2), label, fill=(40, 40, 40), font=font, anchor="ma")
        for name, (left, top, size) in zip(self.names, self.boxes[0]):
            draw.text((left - 4, top + size / 2), LABELS.get(name, name), fill=(40, 40, 40), font=font, anchor="rm")
        return np.asarray(image).copy()


class NetworkPicture:
    """Draws frames of the network picture; keeps the layout of the last architecture drawn.
    ``frame(model, x, y, features, fmt)`` returns the image bytes; ``plane_point``/``pixel`` map the
    output node's pixels to points of the plane and back (a click there adds a point)."""

    def __init__(self, width: int = WIDTH):
        self.width = width
        self.layout = None
        self.extent = None
        self._lut = colour_table()
        self._tint = colour_table(0.45)

    def frame(self, model, x, y, features=None, fmt: str = "png") -> bytes:
        """The picture of ``model`` over the plane of the points x (N, 2), with labels y (N, 1) drawn on
        the output node; ``features``: the network's inputs (None: x1, x2). Image bytes in ``fmt``."""
        return encode(self.pixels(model, x, y, features), fmt)

    def pixels(self, model, x, y, features=None) -> np.ndarray:
        """The picture as an (H, W, 3) uint8 array."""
        from PIL import Image, ImageDraw

        names = features if features is not None else ("x1", "x2")
        values, extent = node_values(model, x, names, MAP_RESOLUTION)
        self.extent = extent
        groups = network_layers(model)
        columns = tuple(v.shape[0] for v in values)
        if self.layout is None or (self.layout.columns, self.layout.names) != (columns, tuple(names)):
            self.layout = Layout(columns, tuple(names), self.width)
        layout = self.layout
        image = Image.fromarray(layout.background)
        draw = ImageDraw.Draw(image, "RGBA")
        weights = [np.asarray(group[0].weight) for group in groups]
        biggest = max(float(np.max(np.abs(W))) if W.size else 0.0 for W in weights)
        biggest = biggest if np.isfinite(biggest) and biggest > 0 else 1.0
        for c, W in enumerate(weights):                         # edges first, under the maps
            for i, (l0, t0, s0) in enumerate(layout.boxes[c]):
                for j, (l1, t1, s1) in enumerate(layout.boxes[c + 1]):
                    w = float(W[i, j]) if np.isfinite(W[i, j]) else 0.0
                    share = min(abs(w) / biggest, 1.0)
                    draw.line([(l0 + s0, t0 + s0 / 2), (l1, t1 + s1 / 2)],
                              fill=(*EDGE_RGB[w > 0], int(50 + 180 * share)), width=max(1, round(1 + 4 * share)))
        rgb = np.asarray(image).copy()
        for c, v in enumerate(values[:-1]):                      # the inputs' and hidden units' maps
            lo_hi = None if c == 0 else colour_range(groups[c - 1], v)
            for k, (left, top, size) in enumerate(layout.boxes[c]):
                lo, hi = lo_hi or _own_range(v[k])
                _paste(rgb, colour_image(v[k][::-1], lo, hi, self._lut), left, top, size)
        left, top, size = layout.boxes[-1][0]
        rgb[top:top + size, left:left + size] = self._output(model, x, y, names, extent, size)
        return rgb

    def _output(self, model, x, y, names, extent, size):
        """The output node: the decision boundary over ``extent`` (tinted, its 0.5 line grey) and the points."""
        x0, x1, y0, y1 = extent
        g0, g1 = np.meshgrid(np.linspace(x0, x1, OUTPUT_RESOLUTION), np.linspace(y0, y1, OUTPUT_RESOLUTION))
        grid = np.column_stack([g0.ravel(), g1.ravel()])
        with np.errstate(all="ignore"):
            z = model.forward(add_features(grid, names)).reshape(OUTPUT_RESOLUTION, OUTPUT_RESOLUTION)
        tile = _scale(boundary_rgb(np.nan_to_num(z, nan=0.5), self._tint)[::-1], size)
        tile[[0, -1], :] = tile[:, [0, -1]] = BOUNDARY_GREY
        if y is not None:
            cols = np.clip(((x[:, 0] - x0) / (x1 - x0) * (size - 1)).round().astype(int), 1, size - 2)
            rows = np.clip(((y1 - x[:, 1]) / (y1 - y0) * (size - 1)).round().astype(int), 1, size - 2)
            for cls, colour in enumerate(CLASS_RGB):
                mine = (y[:, 0] > 0.5) == cls
                for dr in (-1, 0, 1):
                    for dc in (-1, 0, 1):
                        tile[rows[mine] + dr, cols[mine] + dc] = colour
        return tile

    def plane_point(self, px: float, py: float):
        """The point (x1, x2) of the plane under pixel (px, py) of the last frame's output node, or None."""
        if self.layout is None:
            return None
        left, top, size = self.layout.boxes[-1][0]
        if not (left <= px < left + size and top <= py < top + size):
            return None
        x0, x1, y0, y1 = self.extent
        return float(x0 + (px - left) / (size - 1) * (x1 - x0)), float(y1 - (py - top) / (size - 1) * (y1 - y0))

    def pixel(self, x1: float, x2: float) -> tuple[float, float]:
        """The pixel of the last frame's output node where the point (x1, x2) is drawn."""
        left, top, size = self.layout.boxes[-1][0]
        e0, e1, f0, f1 = self.extent
        return float(left + (x1 - e0) / (e1 - e0) * (size - 1)), float(top + (f1 - x2) / (f1 - f0) * (size - 1))


def _own_range(v):
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    return (lo, hi) if hi > lo else (lo - 1, hi + 1)


def _scale(tile, size: int) -> np.ndarray:
    """A square (r, r, 3) tile scaled to (size, size, 3), nearest pixel."""
    idx = np.arange(size) * tile.shape[0] // size
    return tile[idx][:, idx]


def _paste(rgb, tile, left, top, size):
    """Put ``tile`` scaled to ``size`` at (left, top) of ``rgb``, with a grey border."""
    scaled = _scale(tile, size)
    scaled[[0, -1], :] = scaled[:, [0, -1]] = (110, 110, 110)
    rgb[top:top + size, left:left + size] = scaled


def _font_file() -> str:
    """DejaVu Sans, the font matplotlib ships (and draws every other picture of the package with): it
    has the subscripts and the square of the feature names, which Pillow's own default font lacks."""
    from matplotlib import font_manager
    return font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))


def render_network(model, x, y=None, features=None) -> bytes:
    """PNG bytes of the playground's network picture of ``model`` over the plane of the points x (N, 2),
    with the labels y (N, 1) on the output node; ``features``: the network's inputs (None: x1, x2).
    ``bl.plot_network`` draws the same graph as a matplotlib figure."""
    from ..validation import as_2d_array

    x = as_2d_array(x, "x")
    return NetworkPicture().frame(model, x, None if y is None else as_2d_array(y, "y"), features)
