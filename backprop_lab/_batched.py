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
* activations (K, N, h_i), prediction ``pred`` (K, N, n_out), loss (K,).

Network k follows the same formulas as ``train()`` on its own setting, so it ends with the same
weights up to rounding (the tests ask for 1e-10 relative on non-chaotic runs).
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .losses import get_loss
from .optim import get_optimizer


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

    def keep(self, mask):
        """Drop the networks where ``mask`` is False (they diverged): their weights stop changing."""
        self.flat, self.lr = self.flat[mask], self.lr[mask]
        self.state = {k: v[mask] for k, v in self.state.items()}
        self._views()

    def forward(self, x):
        """x (N, d) -> pred (K, N, n_out) and the cache for ``backward``: each layer's input and output."""
        inputs, outputs, a = [], [], x
        for (W, b), act in zip(self.params, self.acts):
            inputs.append(a)
            z = np.matmul(a, W)                             # Linear: a @ W + b, (K, N, n_out)
            z += b
            a = act.function(z)
            outputs.append(a)
        return a, (inputs, outputs)

    def value_and_grad(self, pred, y):
        """(K,) losses and dL/dpred (K, N, n_out)."""
        return self.loss.value(pred, y), self.loss.gradient(pred, y)

    def backward(self, grad, cache):
        """Fill ``self.grad`` from dL/dpred (K, N, n_out), layer by layer in reverse, as Sequential.backward."""
        inputs, outputs = cache
        for i in reversed(range(len(self.params))):
            grad = grad * self.acts[i].derivative(outputs[i])              # dL/dz
            W = self.params[i][0]
            W_grad, b_grad = self.grads[i]
            np.matmul(np.swapaxes(inputs[i], -1, -2), grad, out=W_grad)     # dL/dW = aᵀ · dL/dz
            np.sum(grad, axis=1, keepdims=True, out=b_grad)                 # dL/db: summed over the samples
            if i:
                if W.shape[2] == 1:     # a thin last layer: dL/dz · Wᵀ is an outer product, einsum beats BLAS
                    grad = np.einsum("kn,kj->knj", grad[:, :, 0], W[:, :, 0])
                else:
                    grad = np.matmul(grad, np.swapaxes(W, 1, 2))            # dL/da = dL/dz · Wᵀ

    def step(self):
        """One update of all K parameter rows by the optimizer's own rule (``Optimizer.update``)."""
        self.t += 1
        self.opt.t = self.t
        self.opt.update(self.flat, self.grad, self.state, self.lr)


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
                pred, cache = batch.forward(x)
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
            batch.backward(grad, cache)
            batch.step()
    for j, k in enumerate(index):
        final[k] = batch.flat[j].copy()
