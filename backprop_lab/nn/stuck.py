"""Stuck, named like diverged: training that makes no progress at all.

A run is **stuck** when its loss has changed by less than ``STUCK_CHANGE`` (relative) over the last
``STUCK_WINDOW`` epochs while its accuracy is no better than always answering the commoner class
(within ``NEAR_CHANCE``). That separates a dead run from a slow one: on the lab's data, lr = 100
moves the loss by exactly 0 in a thousand epochs, while lr = 0.001 still moves it by about 1 %, and
XOR's plateau at lr = 0.01 by 0.1 %.

``why_stuck`` looks at the trained model for the usual reason: sigmoid (or tanh) units pinned at
their limits, whose derivative σ(1 - σ) is then about 0, so no gradient reaches the weights.
"""
from __future__ import annotations

import numpy as np

STUCK_WINDOW = 1000       # epochs without progress
STUCK_CHANGE = 1e-4       # largest relative change of the loss over the window that counts as none
NEAR_CHANCE = 0.05        # accuracy at most this far above the commoner class's share
SATURATED = 1e-3          # a unit is pinned when its output is this close to a limit


def stuck_window(epochs: int) -> int | None:
    """The window for a run of ``epochs`` epochs: ``STUCK_WINDOW``, or half the run if it is shorter
    (at least 200 epochs); None for runs too short to tell."""
    window = min(STUCK_WINDOW, epochs // 2)
    return window if window >= 200 else None


def is_stuck(loss, accuracy, y) -> bool:
    """True if the run whose per-epoch ``loss`` and ``accuracy`` these are, on labels ``y`` (N, 1), made
    no progress: the loss flat over the last window and the accuracy near chance."""
    loss, accuracy = np.asarray(loss, dtype=float), np.asarray(accuracy, dtype=float)
    window = stuck_window(len(loss))
    if window is None or not np.isfinite(loss[-window:]).all():
        return False
    before, last = loss[-window], loss[-1]
    change = abs(before - last) / max(abs(before), 1e-12)
    share = float(np.mean(np.asarray(y) > 0.5))
    chance = max(share, 1 - share)
    return change < STUCK_CHANGE and accuracy[-1] <= chance + NEAR_CHANCE


def most_saturated(model, x) -> tuple[str, float] | None:
    """The bounded layer (sigmoid, tanh) of ``model.layers`` with the largest share of outputs pinned
    at a limit on the inputs ``x``: ("the output layer" or "hidden layer k", share); None if the
    model has no such layer to look at."""
    layers = getattr(model, "layers", None)
    if not layers:
        return None
    found, bounded = None, 0
    a = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        for i, layer in enumerate(layers):
            a = layer.forward(a)
            low, high = getattr(layer, "output_range", (None, None))
            if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
                continue
            bounded += 1
            share = float(np.mean(np.minimum(np.abs(a - low), np.abs(high - a)) < SATURATED * (high - low)))
            name = "the output layer" if i == len(layers) - 1 else f"hidden layer {bounded}"
            if found is None or share >= found[1]:
                found = (name, share)
    return found


def stuck_message(window: int, accuracy: float, lr: float, saturated: tuple[str, float] | None,
                  large_lr: bool) -> str:
    """The message for a stuck run: how long, how accurate, and the likely reason with what to try.
    ``saturated`` is ``most_saturated``'s answer; ``large_lr`` says whether ``lr`` is far above the
    optimizer's default (then it is the likely cause of the saturation)."""
    head = f"stuck: the loss has not moved for {window:,} epochs and accuracy is {accuracy:.0%}"
    if saturated is not None and saturated[1] >= 0.5:
        where, share = saturated
        pinned = f"{where}'s outputs are 0 or 1 for {share:.0%} of the points"
        if large_lr:
            return (f"{head}; with lr={lr:g} the sigmoid units saturate ({pinned}), so their gradients "
                    f"σ(1 - σ) vanish; try lr ≤ {lr / 10:g}.")
        return (f"{head}; the sigmoid units are saturated ({pinned}), so their gradients σ(1 - σ) vanish. "
                f"Large weights do that (here not the learning rate, lr={lr:g}): start from smaller weights, "
                f"or use the BCE loss, whose gradient at the output has no σ′ factor.")
    return (f"{head}: the gradient is about zero, at a minimum or a flat stretch of the loss. If the network "
            f"cannot draw the boundary (no hidden layer, too few units), more epochs will not help; otherwise "
            f"try another seed, another learning rate (now lr={lr:g}) or another activation.")
