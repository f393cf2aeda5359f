"""The fast path of ``train()``: one network of the package's own layers on one flat parameter vector.

``train()`` runs its loop on ``one_network(model, opt)``: a ``OneNetwork`` when the model is made only
of the package's own ``Linear`` and activation layers (an ``MLP``), the model itself otherwise (a layer
you wrote, a nested model). A ``OneNetwork`` computes what the layers compute, with the same NumPy
operations in the same order (the same numbers bit for bit, tested), minus the teaching code's
overhead. Like ``_batched`` (the engine behind ``sweep``) it calls the package's own definitions of
the activations and the update rules; speed tricks live here and not in the layers.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .activations import ACTIVATIONS
from .layers import Linear, Parameter, parameters_to_vector
from .model import MLP, Sequential
from .optim import Optimizer


@contextmanager
def one_network(model, opt):
    """What ``train()`` runs its loop on: a ``OneNetwork`` for a model made only of the package's own
    layers (Linear, activation, Linear, activation, ...; an ``MLP``) stepped by an optimizer with the
    package's ``step``; otherwise the model itself, untouched (a layer you wrote, a nested model).
    On leaving, a ``OneNetwork`` writes its weights back into the model's own arrays."""
    net = OneNetwork(model, opt) if OneNetwork.fits(model, opt) else None
    try:
        yield model if net is None else net
    finally:
        if net is not None:
            net.finish()


class OneNetwork:
    """One network of ``Linear`` and activation layers, computed the way ``Sequential.forward`` /
    ``backward`` and the layers compute it, with the same NumPy operations in the same order (so
    ``train()`` gives the same numbers bit for bit, tested), minus the overhead of the teaching code:

    * the parameters live in one flat vector ``flat`` (P,), laid out as ``parameters_to_vector``, and
      ``parameters()`` is one ``Parameter`` over it, so an optimizer step is one ``Optimizer.update``
      instead of one per array; the gradients fill the matching vector ``grad`` in place;
    * pre-activations, dL/dz and dL/da go into arrays reused every epoch (``out=``);
    * the first layer's dL/dx, which nothing uses, is not computed; no shape checks per call
      (``train()`` checked x and y once).

    The activations are the layers' own ``function`` / ``derivative``; the model is not changed until
    ``finish()`` copies the weights, the last gradients and the layers' caches back into it.
    """

    @staticmethod
    def fits(model, opt) -> bool:
        """Can ``model`` be trained as a ``OneNetwork`` by ``opt``? Only the package's own classes,
        exactly (not subclasses, which may compute something else), and an optimizer that is fresh or
        holds exactly this model's state (a run continued in chunks, as the playground trains)."""
        layers = getattr(model, "layers", None)
        if type(model) not in (MLP, Sequential) or not layers or len(layers) % 2:
            return False
        linears, acts = layers[0::2], layers[1::2]
        activations = set(ACTIVATIONS.values())
        return (all(type(layer) is Linear for layer in linears)
                and all(type(act) in activations for act in acts)
                and all(a.out_features == b.in_features for a, b in zip(linears, linears[1:]))
                and len({id(layer) for layer in linears}) == len(linears)
                and type(opt).step is Optimizer.step and type(opt)._state is Optimizer._state
                and OneNetwork._state_fits(model, opt))

    @staticmethod
    def _state_fits(model, opt) -> bool:
        if not opt.state:
            return True
        params = model.parameters()
        return (set(opt.state) == {p.name for p in params}
                and all(opt._owners.get(p.name) is p.value and set(opt.state[p.name]) == set(opt.state_names)
                        for p in params))

    def __init__(self, model, opt):
        self.model, self.opt = model, opt
        self.linears, self.acts = model.layers[0::2], model.layers[1::2]
        params = model.parameters()
        self.names = [p.name for p in params]
        self.flat = parameters_to_vector(params)
        self.grad = np.zeros_like(self.flat)
        self.pieces, self.values, self.grads, start = [], [], [], 0
        for p in params:
            piece = slice(start, start + p.value.size)
            self.pieces.append(piece)
            self.values.append(self.flat[piece].reshape(p.value.shape))
            self.grads.append(self.grad[piece].reshape(p.value.shape))
            start = piece.stop
        self._parameters = [Parameter("all parameters", self.flat, self.grad)]
        self._n = None
        if opt.state:       # a run continued: each parameter's state arrays, gathered into flat vectors
            flat_state = {k: np.concatenate([opt.state[name][k].ravel() for name in self.names])
                          for k in opt.state_names}
            opt.state.clear()
            opt._owners.clear()
            opt.state["all parameters"], opt._owners["all parameters"] = flat_state, self.flat

    def _buffers(self, n):
        """Per layer, for N = n samples: (activation, W, b, dL/dW, dL/db, z, dL/dz, dL/da) with the
        arrays z, dL/dz (N, h_i) and dL/d(layer input) (N, n_in) reused every epoch (None for the first
        layer, whose dL/dx nothing uses)."""
        self._layers = []
        for i, (act, linear) in enumerate(zip(self.acts, self.linears)):
            n_in, h = linear.in_features, linear.out_features
            self._layers.append((act, *self.values[2 * i:2 * i + 2], *self.grads[2 * i:2 * i + 2],
                                 np.empty((n, h)), np.empty((n, h)), np.empty((n, n_in)) if i else None))
        self._n = n

    def forward(self, x):
        """x (N, d) -> the output (N, n_out); as ``Linear.forward`` (x @ W + b) and ``Activation.forward``.
        ``np.dot`` is ``@`` (the same BLAS call on these 2-D arrays, the same numbers: tested) with less
        overhead per call."""
        if self._n != len(x):
            self.model.forward(x)              # once, through the layers: their checks and clear errors
            self._buffers(len(x))
        self._inputs = inputs = []
        a = x
        for act, W, b, _, _, z, _, _ in self._layers:
            inputs.append(a)
            np.dot(a, W, out=z)
            z += b
            a = act.function(z)
        self._out = a
        return a

    def backward(self, grad):
        """Fill ``self.grad`` from dL/d(output), as ``Activation.backward`` and ``Linear.backward``."""
        out = self._out
        for (act, W, _, W_grad, b_grad, _, dz, da), x in zip(reversed(self._layers), reversed(self._inputs)):
            np.multiply(grad, act.derivative(out), out=dz)           # grad_out * f'(z)
            np.dot(x.T, dz, out=W_grad)                              # x.T @ g
            np.add.reduce(dz, axis=0, keepdims=True, out=b_grad)     # g.sum(axis=0, keepdims=True)
            if da is not None:
                grad = np.dot(dz, W.T, out=da)                       # g @ W.T
            out = x

    def parameters(self):
        return self._parameters

    def state_dict(self):
        return {name: v.copy() for name, v in zip(self.names, self.values)}

    def finish(self):
        """Copy the weights into the model's own arrays (in place, as the optimizer would have
        updated them), and leave the last gradients, the layers' caches and the optimizer's state
        per parameter name as training the model itself leaves them."""
        for p, value in zip(self.model.parameters(), self.values):
            p.value[...] = value
        if self._n is not None:
            outs = self._inputs[1:] + [self._out]
            for linear, act, x, out in zip(self.linears, self.acts, self._inputs, outs):
                linear._x, act._out = x, out
        for i, linear in enumerate(self.linears):
            linear.weight_grad, linear.bias_grad = self.grads[2 * i].copy(), self.grads[2 * i + 1].copy()
        state = self.opt.state.pop("all parameters", None)
        self.opt._owners.pop("all parameters", None)
        if state is not None:
            for p, piece in zip(self.model.parameters(), self.pieces):
                self.opt.state[p.name] = {k: v[piece].reshape(p.value.shape).copy() for k, v in state.items()}
                self.opt._owners[p.name] = p.value
