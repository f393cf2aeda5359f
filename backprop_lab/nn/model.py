"""Models: ``Sequential`` chains layers; ``MLP`` builds the lab's network from its sizes.

The lab's network is ``MLP((2, 10, 10, 1))``: Linear(2,10) → σ → Linear(10,10) → σ → Linear(10,1) → σ,
that is Z1 = σ(X W1 + b1), Z2 = σ(Z1 W2 + b2), ŷ = σ(Z2 W3 + b3) with W_i of shape (in, out).
Saved models are plain ``.npz`` files of arrays (no pickles): ``model.save(path)``, ``load_model(path)``.
"""
from __future__ import annotations

import os
import zipfile

import numpy as np

from ..validation import as_2d_array, check_memory, check_positive_int, check_seed
from .activations import get_activation
from .layers import Layer, Linear, Parameter

_FORMAT = "backprop_lab.model.v1"


def _leaves(layers):
    """The layers of ``layers``, nested ``Sequential``s walked into, in order."""
    for layer in layers:
        if isinstance(layer, Sequential):
            yield from _leaves(layer.layers)
        else:
            yield layer


def _check_distinct(layers):
    """Refuse a layer object that appears twice (also inside nested models): each use would overwrite
    the other's cache (its input or output), so backward would get a wrong gradient."""
    seen = {}
    for i, layer in enumerate(_leaves(layers)):
        if id(layer) in seen:
            raise ValueError(f"the same layer object {layer!r} is used twice (layers {seen[id(layer)]} and {i}, "
                             f"counting nested ones); a layer caches what its backward needs, so each place in a "
                             f"model needs its own object: write {type(layer).__name__}(...) again for the second "
                             f"place (to share weights, that is not supported).")
        seen[id(layer)] = i


def check_model(model) -> None:
    """What ``train`` refuses in a model before the first epoch: no layers at all, a layer object used
    twice, two layers holding the same parameter array (its gradients would not be summed)."""
    layers = getattr(model, "layers", None)
    if layers is not None:
        if not layers:
            raise ValueError(f"model {type(model).__name__}() has no layers; give it some, e.g. "
                             f"Sequential(Linear(2, 1), Sigmoid()) or MLP((2, 10, 10, 1)).")
        _check_distinct(layers)
        arrays = {}
        for i, layer in enumerate(_leaves(layers)):
            for p in layer.parameters():
                if id(p.value) in arrays:
                    raise ValueError(f"layers {arrays[id(p.value)]} and {i} hold the same parameter array "
                                     f"({p.name}); sharing weights between layers is not supported: give each "
                                     f"layer its own array (e.g. a .copy()).")
                arrays[id(p.value)] = i


class Sequential(Layer):
    """Layers applied in order; ``backward`` walks them in reverse.

    ``parameters()`` returns ``Parameter`` pairs named ``"<layer index>.weight"`` / ``".bias"`` (a
    nested ``Sequential`` adds its own index: ``"0.1.weight"``), built fresh from the arrays the
    layers hold at that moment: the list an optimizer steps and a gradient check perturbs.
    """

    def __init__(self, *layers: Layer):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be a backprop_lab layer (Linear, Sigmoid, ...); "
                                f"got {type(layer).__name__}.")
        _check_distinct(layers)
        self.layers = list(layers)

    def forward(self, x):
        """x: (N, in_features) -> output of the last layer, (N, out_features)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        """grad: dL/d(output), (N, out_features) -> dL/dx, (N, in_features)."""
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self) -> list[Parameter]:
        params, seen = [], set()
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():        # fresh pairs: ours to rename
                if id(p.value) in seen:         # an array held twice is yielded once (PyTorch's memo)
                    continue
                seen.add(id(p.value))
                p.name = f"{i}.{p.name}"
                params.append(p)
        return params

    @property
    def output_range(self):
        """(lowest, highest) value the last layer can output, or None if unknown."""
        return self.layers[-1].output_range if self.layers else None

    def n_parameters(self) -> int:
        return sum(p.value.size for p in self.parameters())

    # --- weights as a dict of arrays: snapshots, save and load ---
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter array, by name."""
        return {p.name: p.value.copy() for p in self.parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Copy arrays into the parameters, in place; names and shapes must match exactly."""
        params = {p.name: p for p in self.parameters()}
        missing = sorted(set(params) - set(state))
        extra = sorted(set(state) - set(params))
        if missing or extra:
            raise ValueError(f"the weights do not match this model's architecture: missing {missing}, "
                             f"unexpected {extra}. Build the model with the same sizes first.")
        arrays = {name: np.asarray(state[name], dtype=np.float64) for name in params}
        for name, p in params.items():  # check every shape before copying anything: all or nothing
            if arrays[name].shape != p.value.shape:
                raise ValueError(f"the weights do not match this model's architecture: {name} has shape "
                                 f"{arrays[name].shape} in the file but {p.value.shape} in the model.")
        for name, p in params.items():
            p.value[...] = arrays[name]

    def _config(self) -> dict:
        return {}

    def save(self, path) -> None:
        """Save the weights (and, for an MLP, its sizes and activations) to an ``.npz`` file."""
        if os.path.isdir(path):
            raise IsADirectoryError(f"path {os.fspath(path)!r} is a directory; give a file name such as "
                                    f"{os.path.join(os.fspath(path), 'model.npz')!r}.")
        arrays = {f"param/{k}": v for k, v in self.state_dict().items()}
        arrays["format"] = np.array(_FORMAT)
        for k, v in self._config().items():
            arrays[f"config/{k}"] = np.asarray(v)
        np.savez(path, **arrays)

    def load(self, path) -> Sequential:
        """Load weights saved by ``save`` into this model (same architecture), in place; returns self."""
        state, _ = _read(path)
        self.load_state_dict(state)
        return self

    def __repr__(self):
        lines = [f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class MLP(Sequential):
    """A multilayer perceptron: Linear layers of the given ``sizes``, an activation after each.

    ``sizes=(2, 10, 10, 1)`` is the lab's network. ``activation`` follows every hidden layer and
    ``output_activation`` the last one ("sigmoid", "tanh", "relu" or "none"). ``seed`` makes the
    weight draw reproducible; ``init`` is "normal" (standard normal, as the seed report's np.random.randn) or "xavier".
    """

    def __init__(self, sizes=(2, 10, 10, 1), activation="sigmoid", output_activation="sigmoid",
                 seed=None, init="normal"):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a sequence of layer sizes such as (2, 10, 10, 1); got {sizes!r}.")
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output size, e.g. (2, 10, 10, 1); got {sizes}.")
        self.sizes = tuple(check_positive_int(s, f"sizes[{i}] (a layer size)") for i, s in enumerate(sizes))
        n_params = sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        check_memory(8 * 2 * n_params, f"MLP({self.sizes})", f"{n_params:,} weights and their gradients; "
                     f"use smaller layers")
        check_seed(seed)
        # Look the names up once, here; build fresh layers below.
        hidden_layer, output_layer = get_activation(activation), get_activation(output_activation)
        # Canonical names ("none" for "identity"/"linear"/None), so repr, save and messages agree.
        self.activation, self.output_activation = hidden_layer.name, output_layer.name
        self.seed, self.init = seed, init
        rng = np.random.default_rng(seed)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, init=init, rng=rng))
            last = i == len(sizes) - 2
            layers.append(get_activation(self.output_activation if last else self.activation))
        super().__init__(*layers)

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    def linear_layers(self) -> list[Linear]:
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    def output(self, x) -> np.ndarray:
        """The network's output for x (N, n_inputs), checked: (N, n_outputs), in the output
        activation's range (unbounded for ``output_activation="none"``)."""
        return self.forward(as_2d_array(x, "x", self.n_inputs))

    def predict_proba(self, x) -> np.ndarray:
        """The probability of class 1 for x (N, n_inputs): (N, n_outputs) values in (0, 1).

        Only a sigmoid output gives probabilities; for an output activation whose values can leave
        [0, 1] ("none", "tanh", "relu") this raises
        ``ValueError`` (use ``output(x)`` for the raw output).
        """
        lo, hi = self.output_range
        if lo < 0 or hi > 1:
            raise ValueError(f"predict_proba needs a sigmoid output (probabilities in (0, 1)), but this MLP has "
                             f"output_activation={self.output_activation!r}; use model.output(x) for its raw output.")
        return self._finite(self.output(x), "predict_proba")

    def predict(self, x, threshold: float = 0.5) -> np.ndarray:
        """Class labels 0/1 of shape (N, 1): the output thresholded at ``threshold``."""
        return (self._finite(self.output(x), "predict") > threshold).astype(np.int64)

    @staticmethod
    def _finite(out, what):
        """``out``, unless it holds NaN or inf: then the weights have overflowed (training diverged)."""
        bad = ~np.isfinite(out)
        if bad.any():
            raise ValueError(f"{what}: the model's output is NaN or infinite for {int(bad.sum())} of {len(out)} "
                             f"points: its weights overflowed (training diverged; the model keeps the weights "
                             f"of the step that diverged). Train a fresh model with a smaller learning rate.")
        return out

    def _config(self):
        return {"sizes": np.array(self.sizes), "activation": self.activation,
                "output_activation": self.output_activation, "init": self.init}

    def __repr__(self):
        arch = " → ".join(str(s) for s in self.sizes)
        head = (f"MLP({arch}, activation={self.activation!r}, output_activation={self.output_activation!r}, "
                f"{self.n_parameters()} parameters)")
        return head + "\n" + "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))


def _read(path):
    """Read a file written by ``save``: (state dict, config dict). Never unpickles."""
    path = os.fspath(path)
    if not os.path.exists(path) and os.path.exists(path + ".npz"):
        path += ".npz"  # np.savez adds the suffix when it is missing
    if not os.path.exists(path):
        raise FileNotFoundError(f"no saved model at {path!r}.")
    try:
        with np.load(path, allow_pickle=False) as f:
            files = {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:  # empty or corrupt files too
        raise ValueError(f"{path!r} is not a saved backprop_lab model (could not read it as .npz: {exc}).") from None
    if files.get("format") is None or str(files["format"]) != _FORMAT:
        raise ValueError(f"{path!r} is not a saved backprop_lab model (no '{_FORMAT}' marker); "
                         f"save models with model.save(path).")
    state = {k[len("param/"):]: v for k, v in files.items() if k.startswith("param/")}
    config = {k[len("config/"):]: v for k, v in files.items() if k.startswith("config/")}
    return state, config


def load_model(path) -> MLP:
    """Build an ``MLP`` from a file written by ``MLP.save``, with its sizes, activations and weights.

    The file is checked before anything large is allocated: integer sizes that fit in memory, one
    array per parameter with the shape the sizes declare, finite weights."""
    state, config = _read(path)
    if "sizes" not in config:
        raise ValueError(f"{path!r} holds weights without an architecture (saved from a Sequential); "
                         f"build the model yourself and call model.load(path).")
    declared = np.asarray(config["sizes"])
    if declared.ndim != 1 or declared.dtype.kind not in "iu":
        raise ValueError(f"{path!r} declares sizes={declared.tolist()!r}; sizes must be a list of integers "
                         f"such as [2, 10, 10, 1]. The file is damaged or was not written by MLP.save.")
    sizes = tuple(int(s) for s in declared)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{path!r} declares sizes={list(sizes)}; it needs two or more sizes >= 1.")
    n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    check_memory(8 * 2 * n_params, f"load_model({os.fspath(path)!r})", f"the {n_params:,} weights its "
                 f"sizes={list(sizes)} declare; the file is damaged or not meant for this package")
    expected = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        expected[f"{2 * i}.weight"], expected[f"{2 * i}.bias"] = (n_in, n_out), (1, n_out)
    for name, shape in expected.items():
        if name in state and np.shape(state[name]) != shape:
            raise ValueError(f"{path!r}: {name} has shape {np.shape(state[name])} but sizes={list(sizes)} "
                             f"need {shape}; the file is damaged.")
        if name in state and not np.isfinite(np.asarray(state[name], dtype=np.float64)).all():
            raise ValueError(f"{path!r}: {name} holds NaN or infinite weights (saved after training diverged?); "
                             f"such a model cannot predict anything. Train it again with a smaller learning rate.")
    model = MLP(sizes, activation=str(config["activation"]),
                output_activation=str(config["output_activation"]), init=str(config.get("init", "normal")),
                seed=0)
    model.load_state_dict(state)
    return model
