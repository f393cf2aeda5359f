"""Optimizers that own their state, one entry per parameter (by the parameter's name).

Each update rule is written once, element-wise, in ``update(w, g, state, lr)``: it changes the array
``w`` in place from its gradient ``g`` and its state arrays (shaped like ``w``). ``step(params)``
applies it to every parameter of ``model.parameters()``; the batched engine behind ``sweep`` applies
the same ``update`` to (K, P) stacks of K networks' parameters, with ``lr`` a (K, 1) column. The
state (momentum's velocity, Adam's moments) lives here, never in a layer, so switching optimizers
leaves nothing stale behind. Adding a rule is one edit: a subclass entered in ``OPTIMIZERS``.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_learning_rate, declares_elementwise, lookup


class Optimizer:
    """Base class; subclasses set ``name``, ``default_lr`` and ``state_names`` and define ``update``.

    ``t`` counts the steps taken (1 during the first ``update``s); only the optimizer writes it.

    ``elementwise = True``, stated in a class's own body, claims that its ``update`` treats every
    entry of ``w`` on its own (as GD, momentum and Adam do): then the flat engine may call it once on
    all parameters laid end to end, or on a (K, P) stack of K networks (``update_flat``). The claim
    is not inherited by a subclass that overrides ``update`` or ``step`` without stating it again
    (``declares_elementwise``): a rule such as "clip each gradient by its own norm" must see each
    parameter alone, and it does, through ``step``.
    """

    name = "optimizer"
    default_lr = None
    state_names: tuple = ()
    elementwise = False

    def __init__(self, lr: float):
        self.lr = check_learning_rate(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._owners: dict[str, np.ndarray] = {}   # name -> the parameter array it belongs to
        self.t = 0

    def update(self, w, g, state, lr):
        """Update ``w`` in place from the gradient ``g`` (and ``state``, modified in place too)."""
        raise NotImplementedError

    def step(self, params):
        """One update of every parameter in ``params`` (the list from ``model.parameters()``)."""
        self.t += 1
        for p in params:
            self.update(p.value, p.grad, self.state_for(p), self.lr)

    def update_flat(self, w, g, state, lr, t: int):
        """Step number ``t`` of the element-wise rule on a flat vector (P,) or stack (K, P) ``w`` of
        parameters, its gradient ``g`` and state arrays shaped like ``w``; ``lr`` a number or (K, 1).
        Refused for a rule that does not declare itself element-wise (``declares_elementwise``)."""
        if getattr(self, "_flat_checked", None) is not type(self):      # checked once per optimizer, not per step
            if not declares_elementwise(self):
                raise TypeError(f"{type(self).__name__} does not declare elementwise = True in its own class, so "
                                f"its update may need each parameter on its own; it cannot step a flat vector of "
                                f"all parameters. Train with engine='layers' (or 'auto').")
            self._flat_checked = type(self)
        self.t = t
        self.update(w, g, state, lr)

    def state_for(self, p, *keys):
        """The state arrays of parameter ``p``, a dict {name: array} (zeros shaped like it on first use)
        with the names ``keys`` (default: ``state_names``); an optimizer you write calls
        ``self.state_for(p, "v")["v"]``.

        State is kept by the parameter's name; a second, different array under a name already in
        use (e.g. the ``parameters()`` of two separate layers, both called "weight") is refused
        rather than silently sharing one velocity.
        """
        st = self.state.get(p.name)
        if st is None:
            self._owners[p.name] = p.value
            st = self.state[p.name] = {k: np.zeros_like(p.value) for k in keys or self.state_names}
        elif self._owners.get(p.name, p.value) is not p.value:
            raise ValueError(f"two different parameters are both named {p.name!r}; one optimizer per model: "
                             f"step model.parameters() (unique names), not several layers' parameters().")
        return st

    def holds_state_of(self, params) -> bool:
        """Is the state empty, or exactly the state of ``params`` (their names, their very arrays, every
        name of ``state_names``)? True when a run is continued with the same model and optimizer."""
        if not self.state:
            return True
        return (set(self.state) == {p.name for p in params}
                and all(self._owners.get(p.name) is p.value and set(self.state[p.name]) == set(self.state_names)
                        for p in params))

    def set_state(self, p, arrays: dict) -> None:
        """Make ``arrays`` {state name: array shaped like ``p.value``} the state of parameter ``p``."""
        self.state[p.name] = arrays
        self._owners[p.name] = p.value

    def reset(self):
        self.state.clear()
        self._owners.clear()
        self.t = 0

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class GD(Optimizer):
    """Plain gradient descent: W ← W - η ∂L/∂W."""

    name = "gd"
    default_lr = 1.0
    elementwise = True

    def update(self, w, g, state, lr):
        w -= lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum (the seed report's rule, written correctly):

    V_t = β V_{t-1} - η ∂L/∂W,   W_t = W_{t-1} + V_t   (V_0 = 0, state["v"] per parameter).
    """

    name = "momentum"
    default_lr = 0.5
    state_names = ("v",)
    elementwise = True

    def __init__(self, lr: float, beta: float = 0.9):
        super().__init__(lr)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1); got {beta}.")
        self.beta = float(beta)

    def update(self, w, g, state, lr):
        v = state["v"]
        v *= self.beta
        v -= lr * g              # V ← β V - η g
        w += v                   # W ← W + V

    def __repr__(self):
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with bias correction; ``t`` counts steps from 1:

    m_t = β1 m_{t-1} + (1-β1) g,  v_t = β2 v_{t-1} + (1-β2) g²,
    W ← W - η m̂_t / (√v̂_t + ε)  with m̂_t = m_t / (1-β1^t), v̂_t = v_t / (1-β2^t).
    """

    name = "adam"
    default_lr = 0.01
    state_names = ("m", "v")
    elementwise = True

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        for nm, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"{nm} must be in [0, 1); got {b}.")
        if not eps > 0:
            raise ValueError(f"eps must be a small positive number such as 1e-8; got {eps}.")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def update(self, w, g, state, lr):
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        w -= lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g})"


OPTIMIZERS = {"gd": GD, "sgd": GD, "momentum": Momentum, "adam": Adam}

#: A learning rate that works for the lab's 2-10-10-1 sigmoid network with MSE, per optimizer (each
#: class's ``default_lr``; an optimizer added to ``OPTIMIZERS`` later brings its own).
DEFAULT_LR = {name: cls.default_lr for name, cls in OPTIMIZERS.items()}


def default_lr(name) -> float:
    """The default learning rate of the optimizer called ``name``."""
    cls = lookup(OPTIMIZERS, name, "optimizer")
    if cls.default_lr is None:
        raise ValueError(f"optimizer {cls.name!r} has no default learning rate; pass lr=... explicitly.")
    return cls.default_lr


def get_optimizer(name, lr=None) -> Optimizer:
    """An optimizer for ``name`` ("gd", "momentum", "adam") with learning rate ``lr``.

    ``lr=None`` takes the optimizer's ``default_lr``. An ``Optimizer`` instance is returned as it is
    (passing ``lr`` as well is then an error, since the instance already has one).
    """
    if isinstance(name, Optimizer):
        if lr is not None and check_learning_rate(lr) != name.lr:
            raise ValueError(f"lr={lr} was given together with the optimizer object {name!r}, which has "
                             f"its own learning rate; pass only one of them.")
        return name
    cls = lookup(OPTIMIZERS, name, "optimizer")
    return cls(default_lr(name) if lr is None else lr)
