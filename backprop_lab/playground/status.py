"""The panel's texts: the status line (of the run, or of the epoch the replay slider shows), the
notes, and the colour bar that the decision boundary and the neuron maps share."""
from __future__ import annotations

import html

import numpy as np

from .images import colour_table

FINISHED_NOTE = ("This run has finished: all {epochs} epochs are trained, so Step has nothing left to train. "
                 "Reset starts over from epoch 0 (Play trains the run again); more epochs train longer.")


def correct(model, x, y) -> int:
    """How many of the points x (N, d) ``model`` puts on the side of their labels y (N, 1)."""
    with np.errstate(all="ignore"):
        return int(np.count_nonzero((model.forward(x) > 0.5) == (y > 0.5)))


def loss_text(loss: float) -> str:
    return f"{loss:.4f}" if not loss < 1e-4 else f"{loss:.1e}"


def _held_out(run, k: int) -> str:
    """The held-out points' accuracy at test measurement ``k`` (" · held-out: ..."), or ""."""
    if run.x_test is None:
        return ""
    n_test = len(run.y_test)
    right = round(run.test_accuracy[k] * n_test)
    return f" · <b>held-out: {right / n_test:.1%} ({right}/{n_test})</b>"


def status_html(run, h, right: int, final: bool) -> str:
    """The status line of the run's latest epoch: accuracy (and the held-out points'), loss, epochs.
    ``h``: the run's ``History``; ``right``: its correct points now; ``final``: no frame follows."""
    n = len(run.y)
    if h.diverged:
        text = f"Diverged at epoch {h.diverged_at} · {h.epochs} epochs completed"
        if len(h.loss):
            text += f" · last finite loss {h.final_loss:.4g}"
        return f'<span style="color:#a40000"><b>{html.escape(text)}</b></span>'
    if run.epoch == 0:
        return f"Epoch 0: the initial weights, {right}/{n} correct · press Play or Step to train"
    loss_s = loss_text(h.final_loss)
    test = _held_out(run, -1)
    if run.done:
        return f"<b>Accuracy: {right / n:.1%} ({right}/{n})</b>{test} · final loss {loss_s} · {h.epochs} epochs"
    doing = "Paused at" if final else "Training…"
    return (f"{doing} epoch {run.epoch}/{run.epochs} · <b>accuracy {right / n:.1%} ({right}/{n})</b>{test}"
            f" · loss {loss_s}")


def replay_status_html(run, shown: int, model) -> str:
    """The status line while the replay slider shows snapshot epoch ``shown`` (``model`` holds its
    weights): that epoch's accuracy, held-out accuracy and loss, not the run's latest."""
    n = len(run.y)
    right = correct(model, run.x, run.y)
    with np.errstate(all="ignore"):
        loss = float(run.loss_fn.value(model.forward(run.x), run.y))
    k = run.test_epochs.index(shown) if run.x_test is not None and shown in run.test_epochs else None
    test = "" if k is None else _held_out(run, k)
    return (f"Replay: epoch {shown} of {run.epoch} trained · <b>accuracy {right / n:.1%} ({right}/{n})</b>{test}"
            f" · loss {loss_text(loss)} · move the replay slider to {run.epoch} for the latest")


def colour_bar_html(stops: int = 11) -> str:
    """One labelled colour bar for both pictures: the decision boundary colours the network's output
    from 0 (class 0, red) to 1 (class 1, blue), tinted, with a grey line where it is 0.5; a neuron map
    colours its unit's output the same way, from the activation's low end (sigmoid 0, tanh -1) to its
    high end. The labels sit under the bar, so the bar stays one short block at any width."""
    lut = colour_table()
    colours = ", ".join("rgb({},{},{})".format(*lut[i]) for i in np.linspace(0, 255, stops).round().astype(int))
    return ('<div style="max-width:420px; font-size:small; line-height:1.3">'
            '<div>Colours: the network\'s output (boundary, tinted; grey line: 0.5) and each unit\'s output '
            '(neuron maps)</div>'
            f'<div style="height:10px; border:1px solid #999; background:linear-gradient(to right, {colours})"></div>'
            '<div style="display:flex; justify-content:space-between">'
            '<span>0 = class 0 · unit low</span><span>1 = class 1 · unit high</span></div></div>')
