"""The engine behind ``sweep``: K networks of one shape trained at once, one set of NumPy calls per epoch.

The maths is not written here: every activation, loss and update rule is the package's own definition
(``Activation.function`` / ``derivative``, ``Loss.value`` / ``gradient``, ``Optimizer.update``),
called on arrays with the network index k first. What is here is the bookkeeping that makes that
fast. For sizes (d, h_1, ..., h_L, n_out), N samples and P parameters per network:

* parameters: ``flat`` (K, P), each row laid out as ``parameters_to_vector(MLP(sizes).parameters())``
  (W_1, b_1, W_2, b_2, ...), with views ``W_i`` (K, n_in, n_out) and ``b_i`` (K, 1, n_out);
  gradients ``grad`` (K, P) with the same views, optimizer state (K, P) arrays, ``lr`` (K, 1), so
  one call of the update rule steps every parameter of every network;
* data: ``x`` (N, d) and ``y`` (N, n_out), shared by all networks (``x @ W_1`` broadcasts to (K, N, h_1));
* per layer, reused every epoch: pre-activations ``z`` and outputs ``a`` (K, N, h_i), dL/dz and
  dL/da; prediction ``pred`` (K, N, n_out) is the last ``a``; loss (K,).

Speed tricks live here and only here: buffers written with ``out=``, the element-wise definitions
called on blocks of networks (see ``_BLOCK_ELEMENTS``), bias gradients as ``ones @ dL/dz``, worker
threads in ``sweep``.

Network k follows the same formulas as ``train()`` on its own setting, so it ends with the same
weights up to rounding (the tests ask for 1e-10 relative on non-chaotic runs).

``OneNetwork`` (at the end) is what ``train()`` runs for an MLP of the package's own layers: one
network, the layers' operations in the same order (the same numbers bit for bit), its parameters in
one flat vector.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .layers import Linear, Parameter, parameters_to_vector
from .losses import get_loss
from .model import MLP, Sequential
from .optim import Optimizer, get_optimizer

#: The element-wise definitions (activation, derivative) are called on blocks of networks of about
#: this many elements (16 networks of 100 × 10). Measured on the dev VM (benchmarks/README.md): one
#: call on a whole (64, 100, 10) stack spends more time in page faults for its fresh 512 kB temporaries
#: than in arithmetic; much smaller blocks pay NumPy's per-call overhead instead.
_BLOCK_ELEMENTS = 16000


class Batch:
    """K networks of ``sizes`` sharing activation, output activation, loss and optimizer rule.

    ``flat0`` (K, P): the initial parameters, one ``parameters_to_vector(mlp.parameters())`` per row.
    ``lr`` (K,): the learning rates. ``activation``, ``output_activation``, ``loss`` and ``optimizer``
    are names (looked up in the package's tables) or the package's objects; an optimizer object's
    other settings (betas) are shared by all K, its own ``lr`` is ignored.
    """

    def __init__(self, sizes, flat0, lr, activation, output_activation, loss, optimizer):
        self.sizes = tuple(sizes)
        n_layers = len(self.sizes) - 1
        self.acts = [get_activation(activation)] * (n_layers - 1) + [get_activation(output_activation)]
        self.loss = get_loss(loss)
        self.opt = get_optimizer(optimizer, 1.0) if isinstance(optimizer, str) else optimizer
        self.flat = np.array(flat0, dtype=np.float64)
        self.lr = np.asarray(lr, dtype=np.float64).reshape(-1, 1)
        self.state = {name: np.zeros_like(self.flat) for name in self.opt.state_names}
        self.t = 0
        self._n = None                                      # samples the buffers were made for
        self._views()

    def _views(self):
        """(Re)make the per-layer views ``params`` [(W, b), ...] and ``grads`` of ``flat`` and ``grad``."""
        K = len(self.flat)
        self.grad = np.zeros_like(self.flat)
        self.params, self.grads, start = [], [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            pair, grad_pair = [], []
            for shape in ((n_in, n_out), (1, n_out)):
                stop = start + shape[0] * shape[1]
                pair.append(self.flat[:, start:stop].reshape(K, *shape))
                grad_pair.append(self.grad[:, start:stop].reshape(K, *shape))
                start = stop
            self.params.append(pair)
            self.grads.append(grad_pair)
        self._n = None

    def _buffers(self, n):
        """Arrays reused every epoch, for N = n samples: pre-activations ``z`` and outputs ``a``
        (K, N, h_i) per layer, dL/dz and dL/da, ones (K, 1, N) for the bias sums, and the blocks."""
        K = len(self.flat)
        widths = self.sizes[1:]
        self._z = [np.empty((K, n, h)) for h in widths]
        self._a = [np.empty((K, n, h)) for h in widths]
        self._dz = [np.empty((K, n, h)) for h in widths]
        self._da = [np.empty((K, n, h)) for h in widths[:-1]]
        self._ones = np.ones((K, 1, n))
        step = max(1, _BLOCK_ELEMENTS // (n * max(widths)))
        self._blocks = [slice(i, i + step) for i in range(0, K, step)]
        self._n = n

    def keep(self, mask):
        """Drop the networks where ``mask`` is False (they diverged): their weights stop changing."""
        self.flat, self.lr = self.flat[mask], self.lr[mask]
        self.state = {k: v[mask] for k, v in self.state.items()}
        self._views()

    def forward(self, x):
        """x (N, d) -> pred (K, N, n_out); each layer's input and output stay in the buffers for ``backward``."""
        if self._n != len(x):
            self._buffers(len(x))
        a = x
        for (W, b), act, z, out in zip(self.params, self.acts, self._z, self._a):
            np.matmul(a, W, out=z)                          # Linear: a @ W + b, (K, N, n_out)
            z += b
            for blk in self._blocks:
                out[blk] = act.function(z[blk])
            a = out
        return a

    def value_and_grad(self, pred, y):
        """(K,) losses and dL/dpred (K, N, n_out)."""
        return self.loss.value(pred, y), self.loss.gradient(pred, y)

    def backward(self, grad, x):
        """Fill ``self.grad`` from dL/dpred (K, N, n_out), layer by layer in reverse, as Sequential.backward."""
        for i in reversed(range(len(self.params))):
            act, out, dz = self.acts[i], self._a[i], self._dz[i]
            for blk in self._blocks:                        # dL/dz = dL/da · f'(z)
                np.multiply(grad[blk], act.derivative(out[blk]), out=dz[blk])
            a = self._a[i - 1] if i else x
            W = self.params[i][0]
            W_grad, b_grad = self.grads[i]
            np.matmul(np.swapaxes(a, -1, -2), dz, out=W_grad)          # dL/dW = aᵀ · dL/dz
            np.matmul(self._ones, dz, out=b_grad)                       # dL/db = dL/dz summed over the samples
            if i:
                grad = self._da[i - 1]                                  # dL/da = dL/dz · Wᵀ
                W_T = np.ascontiguousarray(np.swapaxes(W, 1, 2))        # (K, n_out, n_in)
                _times(dz, W_T, out=grad)

    def step(self):
        """One update of all K parameter rows by the optimizer's own rule (``Optimizer.update``)."""
        self.t += 1
        self.opt.t = self.t
        self.opt.update(self.flat, self.grad, self.state, self.lr)


def _times(a, b, out):
    """out = a @ b for stacks (K, N, m) @ (K, m, n). For m = 1 (after a layer of one unit, such as the
    output) the product is an outer product, and a broadcast multiply is several times faster than
    BLAS or einsum on these shapes."""
    if a.shape[2] == 1:
        return np.multiply(a, b, out=out)
    return np.matmul(a, b, out=out)


def run(batch, x, y, epochs, loss, accuracy, diverged_at, final, index):
    """Train ``batch`` for ``epochs`` epochs on (x, y), writing into the caller's arrays.

    ``index`` (K,): each network's row in ``loss`` / ``accuracy`` (n, epochs), its entry in the list
    ``diverged_at`` (n,) and in ``final`` (a list of flat weight rows). A network whose loss is not
    finite at epoch e gets ``diverged_at = e`` and keeps the weights it had at that epoch, like
    ``train()``; the others go on.
    """
    index = np.asarray(index)
    target, n = y > 0.5, len(y)
    with np.errstate(over="ignore", invalid="ignore"):                 # as in train()
        for epoch in range(1, epochs + 1):
            while True:
                pred = batch.forward(x)
                value, grad = batch.value_and_grad(pred, y)
                ok = np.isfinite(value)
                if ok.all():
                    break
                for j in np.flatnonzero(~ok):              # diverged: record, keep weights, drop
                    diverged_at[index[j]] = epoch
                    final[index[j]] = batch.flat[j].copy()
                batch.keep(ok)
                index = index[ok]
                if not len(index):
                    return
            loss[index, epoch - 1] = value
            accuracy[index, epoch - 1] = ((pred > 0.5) == target).sum(axis=(1, 2)) / n
            batch.backward(grad, x)
            batch.step()
    for j, k in enumerate(index):
        final[k] = batch.flat[j].copy()


# --- one network, for train() -----------------------------------------------------------------------

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
