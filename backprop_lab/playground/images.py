"""Pictures written straight from arrays, without a matplotlib figure: fast enough for every frame.

``colour_image`` maps values onto the colour map (red = low / class 0, blue = high / class 1, as
``plot_decision_boundary`` and ``plot_neuron_maps``); ``boundary_rgb`` is the decision boundary's
picture (tinted colours, the 0.5 boundary as dark pixels, no contour search); ``neuron_map_images``
is one picture per hidden layer of its units' maps (TensorFlow Playground's neuron maps, laid out by
``mosaic``); ``encode`` makes PNG, JPEG or BMP bytes.
"""
from __future__ import annotations

import functools
import io
import struct

import numpy as np

from ..figures.network import network_layers, node_values
from ..figures.neurons import colour_range
from ..figures.plots import BOUNDARY_CMAP

BOUNDARY_GREY = (60, 60, 60)


@functools.cache
def colour_table(tint: float = 1.0) -> np.ndarray:
    """The colour map as a (256, 3) uint8 table, mixed with white: tint 1 = full colour."""
    from matplotlib import colormaps
    rgb = colormaps[BOUNDARY_CMAP](np.linspace(0, 1, 256))[:, :3]
    return np.round(255 * (1 - tint + tint * rgb)).astype(np.uint8)


def colour_image(values, lo: float, hi: float, lut) -> np.ndarray:
    """values (H, W) mapped onto ``lut`` over [lo, hi] -> (H, W, 3) uint8 (NaN: the middle colour)."""
    scaled = (np.nan_to_num(np.asarray(values, dtype=np.float64), nan=(lo + hi) / 2) - lo) / (hi - lo)
    return lut[np.clip(scaled * 255 + 0.5, 0, 255).astype(np.intp)]


def boundary_rgb(z, lut) -> np.ndarray:
    """The decision boundary picture of the output z (H, W): tinted colours, with the pixels where the
    class (z > 0.5) changes from a neighbour's drawn dark grey. Returns (H, W, 3) uint8."""
    rgb = colour_image(np.clip(z, 0, 1), 0.0, 1.0, lut)
    cls = z > 0.5
    edge = np.zeros(cls.shape, dtype=bool)
    edge[:, 1:] |= cls[:, 1:] != cls[:, :-1]
    edge[1:, :] |= cls[1:, :] != cls[:-1, :]
    rgb[edge] = BOUNDARY_GREY
    return rgb


def encode(rgb, fmt: str = "png") -> bytes:
    """An (H, W, 3) uint8 array as image bytes: ``"png"``; ``"jpeg"`` (quality 90), about ten times
    faster to encode (0.7 against 7 ms for a frame), for the frames of an animation; ``"bmp"``,
    uncompressed and written here in a few microseconds, for the small neuron maps of an animation
    (PIL's own overhead is 0.25 ms per image, twenty maps a frame)."""
    if fmt == "bmp":
        return _bmp(np.asarray(rgb, dtype=np.uint8))
    from PIL import Image
    buf = io.BytesIO()
    options = {"quality": 90} if fmt == "jpeg" else {"compress_level": 1}
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format=fmt, **options)
    return buf.getvalue()


def _bmp(rgb) -> bytes:
    """A 24-bit BMP: a 14-byte file header, a 40-byte BITMAPINFOHEADER, then the rows bottom-up as BGR,
    each padded to a multiple of 4 bytes."""
    h, w, _ = rgb.shape
    row = (3 * w + 3) // 4 * 4
    pixels = np.zeros((h, row), np.uint8)
    pixels[:, :3 * w] = rgb[::-1, :, ::-1].reshape(h, 3 * w)
    header = (struct.pack("<2sIHHI", b"BM", 54 + pixels.size, 0, 0, 54)
              + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, pixels.size, 2835, 2835, 0, 0))
    return header + pixels.tobytes()


MAP_COLUMNS = 16                 # neuron maps per row of a layer's picture
MAP_GAP = 2                      # white pixels between two maps


def mosaic(tiles, columns: int = MAP_COLUMNS, gap: int = MAP_GAP) -> np.ndarray:
    """Equal tiles (n, r, r, 3) uint8 laid out in rows of ``columns``, left to right then top to bottom,
    with ``gap`` white pixels between them: tile k's top-left corner is at row (k // columns) * (r + gap),
    column (k % columns) * (r + gap). Returns (H, W, 3) uint8."""
    tiles = np.asarray(tiles)
    n, r = len(tiles), tiles.shape[1]
    cols = min(columns, n)
    rows = -(-n // cols)
    out = np.full((rows * (r + gap) - gap, cols * (r + gap) - gap, 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        top, left = (k // cols) * (r + gap), (k % cols) * (r + gap)
        out[top:top + r, left:left + r] = tile
    return out


def neuron_map_images(model, x, resolution: int = 24, fmt: str = "png", features=None) -> list[tuple[bytes, int]]:
    """The maps of every unit of ``model``'s layers except the output, over the plane around x (N, 2):
    one picture per hidden layer, its units' maps laid out by ``mosaic`` (one message to the browser
    per layer, not one per unit: a browser draws each image update in a few milliseconds).
    ``features``: the network's inputs, columns of the points (``add_features``; None: x1, x2).

    Returns a list per hidden layer of (image bytes in ``fmt``, see ``encode``; the number of units).
    Each map is ``resolution`` pixels square, coloured red (low) to blue (high) over the activation's
    range (sigmoid 0 to 1) or, if unbounded, the layer's own range on the grid.
    """
    values, _ = node_values(model, x, features, resolution)
    values = values[1:-1]                                        # the hidden layers: (n_units, res, res)
    lut = colour_table()
    pictures = []
    for group, v in zip(network_layers(model), values):
        lo, hi = colour_range(group, v)
        # Row 0 of the grid is the lowest x₂: flip so that up is up in the picture. All units at once.
        pictures.append((encode(mosaic(colour_image(v[:, ::-1], lo, hi, lut)), fmt), len(v)))
    return pictures
