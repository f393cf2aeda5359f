"""The panel's texts: the status line (of the run, or of the epoch the replay slider shows), the
notes (a finished run, a slider at an end of its range), the reproducing call, and the colour bar
that the decision boundary and the neuron maps share."""
from __future__ import annotations

import html

import numpy as np

from .controls import round_lr
from .images import colour_table
from .panel_settings import YOUR_DATA, format_call, plain_number

FINISHED_NOTE = ("This run has finished: all {epochs} epochs are trained, so Step has nothing left to train. "
                 "Play trains on past them until Pause; Reset starts over from epoch 0.")
DIVERGED_NOTE = ("This run diverged at epoch {epoch}, so Step has nothing left to train. Reset starts over from "
                 "epoch 0; a smaller learning rate may not diverge.")


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
    right = correct(model, run.inputs, run.y)
    with np.errstate(all="ignore"):
        loss = float(run.loss_fn.value(model.forward(run.inputs), run.y))
    k = run.test_epochs.index(shown) if run.x_test is not None and shown in run.test_epochs else None
    test = "" if k is None else _held_out(run, k)
    return (f"Replay: epoch {shown} of {run.epoch} trained · <b>accuracy {right / n:.1%} ({right}/{n})</b>{test}"
            f" · loss {loss_text(loss)} · move the replay slider to {run.epoch} for the latest")


def range_note(name: str, w) -> str | None:
    """A note when the slider of setting ``name`` (its widget ``w``) stands at an end of its range, or
    None: the browser sets a value typed beyond the range to that end, without a word, so the panel
    says it (and how to go further)."""
    if name == "hidden":
        at_max = [s for s in w.sliders[:w.layers.value] if s.value >= s.max]
        return (f"{at_max[0].description}: {at_max[0].max} is the slider's largest value; a value typed beyond "
                f"it is set to {at_max[0].max}. playground(hidden=(...)) takes more.") if at_max else None
    if name not in ("lr", "epochs", "noise"):
        return None
    if name == "lr":
        lo, hi, value = 10.0 ** w.min, 10.0 ** w.max, round_lr(w.value)
        lo, hi = round_lr(lo), round_lr(hi)
    else:
        lo, hi, value = w.min, w.max, w.value
    if lo < value < hi or (name == "noise" and value == 0):    # no noise is a choice, not a clamped value
        return None

    def show(v):
        return str(v) if isinstance(v, int) else plain_number(v).removesuffix(".0")

    return (f"{w.description}: {show(value)} is the {'largest' if value >= hi else 'smallest'} value of this "
            f"slider ({show(lo)} to {show(hi)}); a value typed beyond the range is set to its end. "
            f"playground({name}=...) takes any valid value.")


def code_html(settings: dict) -> str:
    """The reproducing call of a run made from ``settings`` (``format_call``), ready to copy."""
    return ('<div style="font-size:small">Reproduce this run (<code>import backprop_lab as bl</code>'
            + ('; <code>x, y</code> are your data' if settings["dataset"] == YOUR_DATA else "")
            + '):</div><pre style="user-select:all; white-space:pre-wrap; margin:2px 0">'
            f'{html.escape(format_call(settings), quote=False)}</pre>')


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
