"""Benchmark rows of issue 22's live views: Play's frame rate in the kernel, and the network picture.

``make bench`` prints these rows after the others (``bench.py`` calls ``rows``); run alone:

    .venv/bin/python benchmarks/playground_views.py [--repeat 5] [--seconds 3]

* **Play, frames per second**: notebook 8's panel (XOR, 10×10, held-out points, neuron maps on)
  played with ``play(on=True)`` (the Play button: on past the epochs setting until Pause) for
  ``--seconds`` seconds, once per picture (boundary, network, gradients); the frames are the image
  widget's value changes in the kernel (what is sent to the browser). Target ≥ 10 per second.
* **network picture**: one live frame (JPEG) of the lab's 2-10-10-1 network on the XOR data, as the
  panel draws it while playing (``NetworkPicture.frame``), median of ``--repeat`` rounds of 20 frames;
  target ≤ 40 ms. ``plot_network`` (the matplotlib figure, saved as PNG) is timed beside it, for
  comparison.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time

import matplotlib
import numpy as np

matplotlib.use("Agg")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

import backprop_lab as bl  # noqa: E402
from backprop_lab.playground.network_picture import NetworkPicture  # noqa: E402
from backprop_lab.widgets import playground  # noqa: E402

#: Notebook 8's panel, as bench.py's PANELS has it.
PANEL = dict(controls=("dataset", "hidden", "lr", "activation", "optimizer", "seed", "noise", "test"), dataset="xor",
             hidden=(10, 10), lr=1.0, epochs=2000, seed=0, test=True, neuron_maps=True)


@contextlib.contextmanager
def frames_of(panel):
    """A list that fills with the time (``time.perf_counter``) of every change of the panel's image
    (every frame sent to the browser) while the ``with`` block runs."""
    times = []
    observer = lambda change: times.append(time.perf_counter())      # noqa: E731
    panel.image.observe(observer, names="value")
    try:
        yield times
    finally:
        panel.image.unobserve(observer, names="value")


def play_fps(picture: str, seconds: float) -> float:
    """Frames per second that Play (on until Pause) puts on the image widget, with ``picture`` shown."""
    panel = playground(picture=picture, **PANEL)
    with frames_of(panel) as frames:
        t0 = time.perf_counter()
        panel.play(on=True)
        time.sleep(seconds)
        panel.pause()
    return sum(1 for t in frames if t - t0 <= seconds) / seconds


def network_frame_ms(repeat: int) -> tuple[float, float]:
    """(ms per live frame of the network picture, ms per plot_network figure saved as PNG): medians."""
    import matplotlib.pyplot as plt

    x, y = bl.load_dataset("xor", seed=0)
    model = bl.train(bl.MLP((2, 10, 10, 1), seed=0), x, y, epochs=500, lr=1.0, print_fn=None).model
    picture = NetworkPicture()
    picture.frame(model, x, y, fmt="jpeg")                           # warm-up: the layout, the font
    live, figure = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(20):
            picture.frame(model, x, y, fmt="jpeg")
        live.append((time.perf_counter() - t0) / 20 * 1e3)
        t0 = time.perf_counter()
        fig = bl.plot_network(model, x, y)
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        figure.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(live)), float(np.median(figure))


def rows(row, repeat: int = 5, seconds: float = 3.0):
    """Print the rows with ``row(name, value, unit, ratio, target, met)`` (bench.py's)."""
    for picture in ("boundary", "network", "gradients"):
        fps = play_fps(picture, seconds)
        row(f"playground Play, {picture} picture, nb 8 panel", fps, "frames/s", None, "≥ 10 frames/s", fps >= 10)
    live, figure = network_frame_ms(repeat)
    row("network picture, 2-10-10-1: one live frame", live, "ms", None, "≤ 40 ms", live <= 40)
    row("  plot_network's figure, for comparison", figure, "ms", None, "(information)", None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)

    def row(name, value, unit, ratio, target, met):
        met_s = "" if met is None else ("yes" if met else "NO")
        print(f"{name:<52} {value:>9.1f} {unit:<16} {target:<22} {met_s}".rstrip())

    rows(row, args.repeat, args.seconds)


if __name__ == "__main__":
    main()
