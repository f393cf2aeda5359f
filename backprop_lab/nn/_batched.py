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

``_one_network.OneNetwork`` is its counterpart for ``train()``: one network of the package's own
layers, their operations in the same order (the same numbers bit for bit), its parameters in one
flat vector.
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .losses import get_loss
from .optim import get_optimizer

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
