"""The flat engine: K >= 1 networks of one shape, their parameters in flat vectors, one set of NumPy
calls per epoch. ``train(engine="flat")`` runs one network (K = 1), ``sweep`` runs K networks.

The maths is not written here: the linear layer is ``affine.affine_forward`` / ``affine_backward``,
each activation its ``Activation.function`` / ``derivative``, each update rule its
``Optimizer.update`` (through ``update_flat``), each loss its ``Loss.value`` / ``gradient``. What is
here is the bookkeeping that makes them fast, and **speed tricks live here and only here**:

* parameters in one flat vector ``flat``, laid out by ``flat_layout`` (W_1, b_1, W_2, b_2, ..., the
  order of ``parameters_to_vector(MLP(sizes).parameters())``): (P,) for one network, (K, P) for K,
  with views W_i (n_in, n_out) / (K, n_in, n_out) and b_i (1, n_out) / (K, 1, n_out); gradients
  ``grad`` and optimizer state shaped like ``flat``, so one ``update_flat`` steps everything;
* pre-activations, dL/dz and dL/da in buffers reused every epoch (``out=``), one set per batch size,
  with everything an epoch passes to the NumPy calls (buffers, views of blocks, bound functions)
  looked up once per layer, not per epoch; dL/dz written in place over dL/da; the first layer's dL/dx,
  which nothing uses, is not computed; no shape checks per epoch (the caller checked x and y once);
* for K networks: x (N, d) shared by all (``x @ W_1`` broadcasts to (K, N, h_1)), and the element-wise
  activations called on blocks of networks where a layer is larger than ``_BLOCK_ELEMENTS`` (the
  1-unit output layer of 64 networks is one call), their output written back over ``z``.

With K = 1 the arrays are the layers' own 2-D shapes and the operations those of ``Linear`` and
``Activation`` in the same order, so ``train`` gives the same numbers bit for bit on either engine
(tested). Only rules that declare themselves element-wise (``validation.declares_elementwise``) may
be run on flat vectors: ``refusal`` says why a model or optimizer cannot be.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..validation import declares_elementwise
from .activations import ACTIVATIONS
from .affine import affine_backward, affine_forward
from .layers import Linear, parameters_to_vector
from .model import MLP, Sequential

#: For K networks, the element-wise definitions (activation, derivative) are called on blocks of
#: networks of about this many elements (16 networks of 100 × 10), layer by layer: a layer of at most
#: this many elements is one call. Measured on the dev VM (benchmarks/README.md): one call on a whole
#: (64, 100, 10) stack spends more time in page faults and cache misses for its fresh 512 kB
#: temporaries than in arithmetic (8000, 16000, 32000, 64000: 19.1, 18.5, 19.9, 24.1 µs per
#: network-epoch); much smaller blocks pay NumPy's per-call overhead.
_BLOCK_ELEMENTS = 16000

#: The methods whose code an activation's ``elementwise = True`` vouches for.
ACTIVATION_METHODS = ("function", "derivative", "forward", "backward")


def flat_layout(sizes) -> list[tuple[slice, tuple]]:
    """Where each parameter of an MLP of ``sizes`` (d, h_1, ..., n_out) lives in the flat vector:
    [(slice, shape), ...] for W_1 (d, h_1), b_1 (1, h_1), W_2, b_2, ... in this order."""
    layout, start = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        for shape in ((n_in, n_out), (1, n_out)):
            layout.append((slice(start, start + shape[0] * shape[1]), shape))
            start += shape[0] * shape[1]
    return layout


class FlatNetworks:
    """K >= 1 networks of ``sizes`` sharing activations and an element-wise optimizer rule.

    ``flat``: (P,) for one network or (K, P) for K (copied). ``lr``: a number, or (K,) one per network.
    ``activations``: one activation object per layer (hidden ones, then the output's). ``opt``: an
    optimizer object whose rule is element-wise (its ``lr`` is not used: ``lr`` is). ``state``: the
    optimizer's state arrays {name: array shaped like ``flat``} to continue from (default zeros); ``t``:
    the steps already taken.
    """

    def __init__(self, sizes, flat, lr, activations, opt, state=None, t=0):
        if not declares_elementwise(opt):
            raise TypeError(f"the optimizer {type(opt).__name__} does not declare elementwise = True in its own "
                            f"class, so its update may need each parameter on its own: it cannot step a flat "
                            f"vector. Use train(..., engine='layers') for it.")
        for act in activations:
            if not declares_elementwise(act, ACTIVATION_METHODS):
                raise TypeError(f"the activation {act!r} does not declare elementwise = True in its own class: "
                                f"the flat engine cannot run it. Use train(..., engine='layers') for it.")
        self.sizes, self.acts, self.opt, self.t = tuple(sizes), list(activations), opt, t
        self.flat = np.array(flat, dtype=np.float64)
        self.lead = self.flat.shape[:-1]                      # () for one network, (K,) for K
        self.lr = lr if not self.lead else np.asarray(lr, dtype=np.float64).reshape(-1, 1)
        self.state = {k: np.zeros_like(self.flat) for k in opt.state_names} if state is None else state
        self._views()

    def _views(self):
        """(Re)make ``grad`` and the per-layer views ``params`` [(W, b), ...] and ``grads`` of ``flat``."""
        self.grad = np.zeros_like(self.flat)
        views = [(self.flat[..., piece].reshape(*self.lead, *shape), self.grad[..., piece].reshape(*self.lead, *shape))
                 for piece, shape in flat_layout(self.sizes)]
        self.values, grads = [v for v, _ in views], [g for _, g in views]
        self.params = list(zip(self.values[0::2], self.values[1::2]))
        self.grads = list(zip(grads[0::2], grads[1::2]))
        self._n, self._by_n = None, {}

    def _buffers(self, n):
        """Arrays reused every epoch, for N = n samples, and per layer the tuple of what ``forward`` /
        ``backward`` use, looked up once here, not every epoch; kept per n (mini-batches: the full set and
        the batch sizes). Per layer: the pre-activations ``z`` and dL/d(input) ``da`` ((N, h) or (K, N, h));
        dL/dz is written in place over the dL/da that the layer above wrote (nothing reads it after), the
        top layer's into a buffer of its own. For K networks whose layer is larger than a block
        (``_BLOCK_ELEMENTS``), the activation is called block by block, on views made here, and written
        back over ``z`` (which nothing reads after): the layer's output is then ``z`` itself."""
        if n in self._by_n:
            self._n, self._z, self._forward_steps, self._backward_steps = n, *self._by_n[n]
            return
        lead, widths = self.lead, self.sizes[1:]
        z = [np.empty((*lead, n, h)) for h in widths]
        da = [None] + [np.empty((*lead, n, h)) for h in widths[:-1]]          # dL/d(input) of layer i
        dz = da[1:] + [np.empty((*lead, n, widths[-1]))]                       # dL/dz of layer i
        forward, backward = [], []
        for (W, b), act, (W_grad, b_grad), z_i, da_i, dz_i, h in zip(self.params, self.acts, self.grads, z, da, dz,
                                                                       widths):
            step = max(1, _BLOCK_ELEMENTS // (n * h))
            if not lead or step >= lead[0]:
                blocks = None                                                  # one call on the whole array
            else:
                blocks = tuple((blk, z_i[blk], dz_i[blk]) for blk in
                               (slice(i, i + step) for i in range(0, lead[0], step)))
            forward.append((W, b, z_i, act.function, blocks))
            backward.append((act.derivative, dz_i, W, (da_i, W_grad, b_grad), da_i is not None, blocks))
        self._by_n[n] = z, forward, backward[::-1]
        self._n, self._z, self._forward_steps, self._backward_steps = n, *self._by_n[n]

    def keep(self, mask):
        """K networks: drop those where ``mask`` (K,) is False (they diverged): their weights stop changing."""
        self.flat, self.lr = self.flat[mask], self.lr[mask]
        self.lead = self.flat.shape[:-1]
        self.state = {k: v[mask] for k, v in self.state.items()}
        self._views()

    def forward(self, x):
        """x (N, d) -> the output (N, n_out), or (K, N, n_out) for K networks; each layer's input and
        output are kept for ``backward``."""
        if self._n != len(x):
            self._buffers(len(x))
        self._inputs = inputs = [x]
        a = x
        for W, b, z, function, blocks in self._forward_steps:
            affine_forward(a, W, b, z)                                         # z = a @ W + b
            if blocks is None:
                a = function(z)
            else:
                for _, z_blk, _ in blocks:
                    z_blk[...] = function(z_blk)
                a = z
            inputs.append(a)
        self._out = inputs.pop()
        return a

    def backward(self, grad):
        """Fill ``grad`` from dL/d(output), layer by layer in reverse, as ``Sequential.backward``."""
        out = self._out
        for (derivative, dz, W, buffers, need_dx, blocks), x in zip(self._backward_steps, reversed(self._inputs)):
            if blocks is None:
                np.multiply(grad, derivative(out), out=dz)                     # dL/dz = dL/da · f'(z)
            elif grad is dz:                                                   # in place, over dL/da
                for _, out_blk, dz_blk in blocks:
                    np.multiply(dz_blk, derivative(out_blk), out=dz_blk)
            else:
                for blk, out_blk, dz_blk in blocks:
                    np.multiply(grad[blk], derivative(out_blk), out=dz_blk)
            grad = affine_backward(x, W, dz, buffers, need_dx)[0]
            out = x

    def last_pass(self) -> list:
        """Per layer, (its input, its pre-activation z) in the last ``forward``; [] before any. For one
        network (K = 1); for K networks in blocks, ``z`` holds the activation's output instead."""
        return [] if self._n is None else list(zip(self._inputs, self._z))

    def step(self):
        """One update of all parameters (of all K networks) by the optimizer's own element-wise rule."""
        self.t += 1
        self.opt.update_flat(self.flat, self.grad, self.state, self.lr, self.t)


def refusal(model, opt) -> str | None:
    """Why the flat engine cannot train ``model`` with ``opt`` (a sentence), or None if it can: it
    needs the package's own ``MLP`` or ``Sequential`` of the package's own ``Linear`` and activation
    classes (not subclasses, which may compute something else), alternating and chained, each object
    once, and an optimizer that declares itself element-wise and holds no state of other parameters."""
    layers = getattr(model, "layers", None)
    if type(model) not in (MLP, Sequential):
        return f"the model is a {type(model).__name__}, not the package's own MLP or Sequential"
    if not layers or len(layers) % 2:
        return "the model is not Linear, activation, Linear, activation, ... (an even number of layers)"
    activations = set(ACTIVATIONS.values())
    for i, layer in enumerate(layers):
        if i % 2 == 0 and type(layer) is not Linear:
            return f"layer {i} ({layer!r}) is not the package's own Linear (a subclass or a layer of your own)"
        if i % 2 and (type(layer) not in activations or not declares_elementwise(layer, ACTIVATION_METHODS)):
            return (f"layer {i} ({layer!r}) is not one of the package's activations declaring "
                    f"elementwise = True (a subclass or a layer of your own)")
    if len({id(layer) for layer in layers}) != len(layers):
        return "a layer object appears more than once"
    linears = layers[0::2]
    if any(a.out_features != b.in_features for a, b in zip(linears, linears[1:])):
        return "the Linear layers' sizes do not chain"
    if not declares_elementwise(opt):
        return (f"the optimizer {type(opt).__name__} does not declare elementwise = True in its own class "
                f"(it overrides update or step, so it may need each parameter on its own)")
    if not opt.holds_state_of(model.parameters()):
        return "the optimizer holds state of other parameters (it stepped another model)"
    return None


@contextmanager
def one_network(model, opt):
    """``model`` (which ``refusal`` accepts) as a ``FlatNetworks`` of K = 1, continuing ``opt``'s state
    and step count. On leaving, the model's own arrays get the weights (in place), the last gradients
    and the layers' caches, and ``opt`` the state per parameter, as training the layers leaves them."""
    params = model.parameters()
    sizes = (model.layers[0].in_features, *(linear.out_features for linear in model.layers[0::2]))
    state = None
    if opt.state:                    # a run continued: each parameter's state, gathered into flat vectors
        state = {k: np.concatenate([opt.state[p.name][k].ravel() for p in params]) for k in opt.state_names}
    net = FlatNetworks(sizes, parameters_to_vector(params), opt.lr, model.layers[1::2], opt, state, opt.t)
    net.names = [p.name for p in params]
    try:
        yield net
    finally:
        for p, value in zip(params, net.values):
            p.value[...] = value
        linears, acts = model.layers[0::2], model.layers[1::2]
        for linear, (W_grad, b_grad) in zip(linears, net.grads):
            linear.weight_grad, linear.bias_grad = W_grad.copy(), b_grad.copy()
        with np.errstate(over="ignore", invalid="ignore"):     # the last forward's caches, by the layers' forward
            for linear, act, (x, z) in zip(linears, acts, net.last_pass()):
                linear.forward(x)
                act.forward(z)
        for p, (piece, shape) in zip(params, flat_layout(sizes)):
            opt.set_state(p, {k: v[piece].reshape(shape).copy() for k, v in net.state.items()})


def state_dict(net) -> dict:
    """A copy of one network's (K = 1) weights, by the names of ``one_network``'s model."""
    return {name: v.copy() for name, v in zip(net.names, net.values)}


def run(batch, x, y, epochs, loss_fn, loss, accuracy, diverged_at, final, index, batch_size=None,
        weight_decay=0.0, shuffle_seed=0, grad_rms=None):
    """Train the K networks of ``batch`` for ``epochs`` epochs on (x, y) with ``loss_fn``, writing into
    the caller's arrays. ``batch_size``, ``weight_decay`` and ``shuffle_seed`` as in ``train``: all K
    networks see the same shuffled batches, the ones ``train`` draws from that seed. ``grad_rms``
    (n, epochs, layers), if given, gets each network's weight-gradient RMS per layer and epoch, as
    ``History.grad_rms``.

    ``index`` (K,): each network's row in ``loss`` / ``accuracy`` (n, epochs), its entry in the list
    ``diverged_at`` (n,) and in ``final`` (a list of flat weight rows). A network whose loss is not
    finite at epoch e gets ``diverged_at = e`` and keeps the weights it had at that epoch, like
    ``train()``; the others go on.
    """
    index = np.asarray(index)
    target, n = y > 0.5, len(y)
    shuffles = None if batch_size is None else np.random.default_rng(shuffle_seed)
    with np.errstate(over="ignore", invalid="ignore"):                 # as in train()
        for epoch in range(1, epochs + 1):
            while True:
                pred = batch.forward(x)
                value = loss_fn.value(pred, y)
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
            if shuffles is None:
                batch.backward(loss_fn.gradient(pred, y))
                _decay(batch, weight_decay)
                if grad_rms is not None:
                    grad_rms[index, epoch - 1] = np.sqrt(_mean_squares(batch))
                batch.step()
                continue
            order = shuffles.permutation(n)
            steps = -(-n // batch_size)
            squares = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                batch.backward(loss_fn.gradient(batch.forward(x[idx]), y[idx]))
                _decay(batch, weight_decay)
                if grad_rms is not None:
                    squares = squares + _mean_squares(batch) / steps
                batch.step()
            if grad_rms is not None:
                grad_rms[index, epoch - 1] = np.sqrt(squares)
    for j, k in enumerate(index):
        final[k] = batch.flat[j].copy()


def _decay(batch, weight_decay):
    """L2 weight decay: λW added to each weight gradient (not the biases') before the step, as ``train``."""
    if weight_decay:
        for W, (W_grad, _) in zip(batch.values[0::2], batch.grads):
            W_grad += weight_decay * W


def _mean_squares(batch):
    """(K, layers): the mean square of each network's weight gradient, layer by layer."""
    axes = tuple(range(len(batch.lead), len(batch.lead) + 2))          # the (in, out) axes of each W_grad
    squares = [np.mean(W_grad ** 2, axis=axes) for W_grad, _ in batch.grads]
    return np.stack(squares, axis=-1).reshape(-1, len(batch.grads))
