"""Optimizers that own their state, one entry per parameter (by the parameter's name).

Each ``step(params)`` takes the list from ``model.parameters()`` and updates every ``p.value`` in
place from ``p.grad``. The state (momentum's velocity, Adam's moments) lives here, never in a layer,
so switching optimizers leaves nothing stale behind.
"""
from __future__ import annotations

import numpy as np

from .validation import check_learning_rate, lookup


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float):
        self.lr = check_learning_rate(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._owners: dict[str, np.ndarray] = {}   # name -> the parameter array it belongs to

    def _state(self, p, *keys):
        """The state arrays of parameter ``p`` (zeros, shaped like it, on first use).

        State is kept by the parameter's name; a second, different array under a name already in
        use (e.g. the ``parameters()`` of two separate layers, both called "weight") is refused
        rather than silently sharing one velocity.
        """
        owner = self._owners.setdefault(p.name, p.value)
        if owner is not p.value:
            raise ValueError(f"two different parameters are both named {p.name!r}; one optimizer per model: "
                             f"step model.parameters() (unique names), not several layers' parameters().")
        st = self.state.get(p.name)
        if st is None:
            st = self.state[p.name] = {k: np.zeros_like(p.value) for k in keys}
        return st

    def reset(self):
        self.state.clear()
        self._owners.clear()

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class GD(Optimizer):
    """Plain gradient descent: W ← W - η ∂L/∂W."""

    name = "gd"

    def step(self, params):
        for p in params:
            p.value -= self.lr * p.grad


class Momentum(Optimizer):
    """Gradient descent with momentum (the seed report's rule, written correctly):

    V_t = β V_{t-1} - η ∂L/∂W,   W_t = W_{t-1} + V_t   (V_0 = 0, state["v"] per parameter).
    """

    name = "momentum"

    def __init__(self, lr: float, beta: float = 0.9):
        super().__init__(lr)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1); got {beta}.")
        self.beta = float(beta)

    def step(self, params):
        for p in params:
            v = self._state(p, "v")["v"]
            v *= self.beta
            v -= self.lr * p.grad
            p.value += v

    def __repr__(self):
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with bias correction; ``t`` counts steps from 1:

    m_t = β1 m_{t-1} + (1-β1) g,  v_t = β2 v_{t-1} + (1-β2) g²,
    W ← W - η m̂_t / (√v̂_t + ε)  with m̂_t = m_t / (1-β1^t), v̂_t = v_t / (1-β2^t).
    """

    name = "adam"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{nm} must be in [0, 1); got {b}.")
        if not eps > 0:
            raise ValueError(f"eps must be a small positive number such as 1e-8; got {eps}.")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0

    def step(self, params):
        self.t += 1
        c1 = 1 - self.beta1 ** self.t
        c2 = 1 - self.beta2 ** self.t
        for p in params:
            st = self._state(p, "m", "v")
            m, v, g = st["m"], st["v"], p.grad
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * (g * g)
            p.value -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)

    def reset(self):
        super().reset()
        self.t = 0

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g})"


OPTIMIZERS = {"gd": GD, "sgd": GD, "momentum": Momentum, "adam": Adam}

#: A learning rate that works for the lab's 2-10-10-1 sigmoid network with MSE, per optimizer.
DEFAULT_LR = {"gd": 1.0, "sgd": 1.0, "momentum": 0.5, "adam": 0.01}


def get_optimizer(name, lr=None) -> Optimizer:
    """An optimizer for ``name`` ("gd", "momentum", "adam") with learning rate ``lr``.

    ``lr=None`` takes ``DEFAULT_LR[name]``. An ``Optimizer`` instance is returned as it is (passing
    ``lr`` as well is then an error, since the instance already has one).
    """
    if isinstance(name, Optimizer):
        if lr is not None and check_learning_rate(lr) != name.lr:
            raise ValueError(f"lr={lr} was given together with the optimizer object {name!r}, which has "
                             f"its own learning rate; pass only one of them.")
        return name
    cls = lookup(OPTIMIZERS, name, "optimizer")
    return cls(DEFAULT_LR[name.strip().lower()] if lr is None else lr)
