"""The engine behind ``sweep``: K networks of one shape trained at once, one set of NumPy calls per epoch.

Every array has the network index k first. For sizes (d, h1, h2, 1), N samples and P parameters:

* parameters: ``flat`` (K, P), laid out per row exactly as ``MLP.flat_parameter()`` (W1, b1, W2, b2,
  W3, b3), with views ``W1`` (K, d, h1), ``b1`` (K, 1, h1), ..., ``W3`` (K, h2, 1), ``b3`` (K, 1, 1);
  gradients ``grad`` (K, P) with the same views; optimizer state (K, P) arrays; ``lr`` (K, 1);
* data: ``x`` (N, d) and ``y`` (N, 1), shared by all networks (``x @ W1`` broadcasts to (K, N, h1));
* activations ``a1`` (K, N, h1), ``a2`` (K, N, h2), prediction ``pred`` (K, N, 1), loss (K,).

Each step repeats, element by element, the operations of ``Linear``, the activation layers, the
losses and the optimizers in the same order, so network k follows ``train()`` on its own setting.
"""
from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .losses import BCELoss


# --- activations: forward returns (output, what backward needs) ---
def _act_forward(name, z):
    if name == "sigmoid":
        s = sigmoid(z)
        return s, s
    if name == "tanh":
        t = np.tanh(z)
        return t, t
    if name == "relu":
        mask = z > 0
        return np.where(mask, z, 0.0), mask
    return z, None                                          # "none"


def _act_backward(name, grad, cache):
    if name == "sigmoid":                                   # σ' = s (1 - s), as in Sigmoid.backward
        g = 1.0 - cache
        g *= cache
        g *= grad
        return g
    if name == "tanh":
        return grad * (1.0 - cache * cache)
    if name == "relu":
        return grad * cache
    return grad


# --- losses: (K,) values and dL/dpred (K, N, 1), per network as MSELoss / BCELoss compute them ---
def _loss_value_and_grad(name, pred, y):
    size = y.size
    if name == "mse":
        diff = pred - y
        flat = diff.reshape(len(diff), -1)
        value = np.einsum("ki,ki->k", flat, flat) / size
        diff *= 2.0 / size
        return value, diff
    eps = BCELoss().eps                                     # "bce"
    p = np.clip(pred, eps, 1 - eps)
    value = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p), axis=(1, 2))
    return value, (p - y) / (p * (1 - p)) / size


class Batch:
    """K networks of sizes (d, h1, h2, 1) sharing activation, output activation, loss and optimizer.

    ``flat0`` (K, P): the initial parameters, one ``MLP.flat_parameter().value`` per row. ``lr`` (K,):
    the learning rates. ``opt`` is the optimizer object whose rule (and betas) all K follow.
    """

    def __init__(self, sizes, flat0, lr, activation, output_activation, loss, opt):
        self.sizes, self.act, self.out_act, self.loss, self.opt = sizes, activation, output_activation, loss, opt
        self.flat = np.array(flat0, dtype=np.float64)
        self.lr = np.asarray(lr, dtype=np.float64).reshape(-1, 1)
        self.state = {k: np.zeros_like(self.flat) for k in {"momentum": ("v",), "adam": ("m", "v")}.get(opt.name, ())}
        self.t = 0                                          # Adam's step count
        self._ones = None                                   # (K, 1, N) ones for the bias sums
        self._views()

    def _views(self):
        """(Re)make the per-layer views of ``flat`` and ``grad``."""
        K = len(self.flat)
        self.grad = np.zeros_like(self.flat)
        self.params, self.grads, start = [], [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            for shape in ((n_in, n_out), (1, n_out)):
                stop = start + shape[0] * shape[1]
                self.params.append(self.flat[:, start:stop].reshape(K, *shape))
                self.grads.append(self.grad[:, start:stop].reshape(K, *shape))
                start = stop

    def keep(self, mask):
        """Drop the networks where ``mask`` is False (they diverged): their weights stop changing."""
        self.flat, self.lr = self.flat[mask], self.lr[mask]
        self.state = {k: v[mask] for k, v in self.state.items()}
        self._views()

    def forward(self, x):
        """x (N, d) -> pred (K, N, 1) and the cache for ``backward``: [x, a1, c1, a2, c2, c3]."""
        cache, a = [x], x
        for i in range(3):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            z = np.matmul(a, W)                             # Linear: x @ W, then + b
            z += b
            a, c = _act_forward(self.out_act if i == 2 else self.act, z)
            cache += [a, c] if i < 2 else [c]
        return a, cache

    def value_and_grad(self, pred, y):
        return _loss_value_and_grad(self.loss, pred, y)

    def backward(self, grad, cache):
        """Fill ``self.grad`` from dL/dpred (K, N, 1), layer by layer in reverse, as Sequential.backward."""
        x, a1, c1, a2, c2, c3 = cache
        inputs, act_caches, acts = (x, a1, a2), (c1, c2, c3), (self.act, self.act, self.out_act)
        for i in (2, 1, 0):
            grad = _act_backward(acts[i], grad, act_caches[i])
            a = inputs[i]
            np.matmul(np.swapaxes(a, -1, -2), grad, out=self.grads[2 * i])       # dL/dW = aᵀ · dL/dz
            self._sum_over_samples(grad, out=self.grads[2 * i + 1])             # dL/db
            if i == 2:      # W3 is (K, h2, 1): the product is an outer product, einsum is faster than BLAS
                grad = np.einsum("kn,kj->knj", grad[:, :, 0], self.params[4][:, :, 0])
            elif i:
                grad = np.matmul(grad, np.swapaxes(self.params[2 * i], 1, 2))   # dL/da = dL/dz · Wᵀ

    def _sum_over_samples(self, g, out):
        """out (K, 1, h) = g (K, N, h) summed over the samples: ones (K, 1, N) @ g, the same BLAS product
        (and so the same rounding, bit for bit) as Linear.backward's ``ones @ grad_out`` per network."""
        if self._ones is None or self._ones.shape[::2] != g.shape[:2]:   # new N, or networks dropped
            self._ones = np.ones((g.shape[0], 1, g.shape[1]))
        np.matmul(self._ones, g, out=out)

    def step(self):
        """One optimizer update of all K parameter rows, the formulas of optim.GD / Momentum / Adam."""
        p, g, lr, opt = self.flat, self.grad, self.lr, self.opt
        if opt.name == "gd":
            p -= lr * g
        elif opt.name == "momentum":
            v = self.state["v"]
            v *= opt.beta
            v -= lr * g
            p += v
        else:                                               # adam
            self.t += 1
            c1, c2 = 1 - opt.beta1 ** self.t, 1 - opt.beta2 ** self.t
            m, v = self.state["m"], self.state["v"]
            m *= opt.beta1
            m += (1 - opt.beta1) * g
            v *= opt.beta2
            v += (1 - opt.beta2) * (g * g)
            p -= lr * (m / c1) / (np.sqrt(v / c2) + opt.eps)


def run(batch, x, y, epochs, loss, accuracy, diverged_at, final, index):
    """Train ``batch`` for ``epochs`` epochs on (x, y), writing into the caller's arrays.

    ``index`` (K,): each network's row in ``loss`` / ``accuracy`` (n, epochs), ``diverged_at`` (n,) and
    ``final`` (a list of flat weight rows). A network whose loss is not finite at epoch e gets
    ``diverged_at = e`` and keeps the weights it had at that epoch, like ``train()``; the others go on.
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
