"""The NumPy floor of one ``sweep()`` epoch: the summed time of the NumPy calls the engine makes,
each timed alone. Used by ``bench.py``'s floor row; ``python benchmarks/numpy_floor.py`` prints the
calls grouped by function.

Method (benchmarks/README.md, "issue 19"):

1. **Record.** One K-network batch is built as ``sweep(..., workers=1)`` builds it (``MLP`` initial
   weights, ``engine.FlatNetworks``, the optimizer and loss of the sweep) and trained with
   ``engine.run`` — the engine's own code, unchanged — while its arrays are an ndarray subclass,
   ``Traced``, that records every ufunc call (operators, ``np.exp``, ``np.matmul``, reductions such as
   ``.sum``, in-place ``+=``: NumPy's ``__array_ufunc__``), every function NumPy dispatches through
   ``__array_function__`` (``np.dot``...) and every ``a[i] = b`` copy into a traced array. For the
   recording only, ``np.empty``, ``np.array`` and ``np.zeros_like`` return ``Traced`` arrays (so the
   engine's buffers are traced), ``np.asarray`` returns a float64 ``Traced`` array itself (as NumPy
   does for a plain one), and ``np.ascontiguousarray`` records its copy; ``numpy`` is restored after.
   Warm-up epochs run first (not recorded: the buffers are allocated then), then one epoch is
   recorded. Each record keeps a copy of the call's inputs and ``out=`` arrays, with their values at
   that moment and their memory layout (strides and the offset into their buffer); an array passed
   twice to one call (an in-place call: ``z += b``, ``np.multiply(g, d, out=g)``) gets one copy, so
   the replay is in place as the engine's call is.
2. **Check.** The same batch trained without tracing ends with the same weights bit for bit, so the
   recording changed nothing the engine computed.
3. **Time.** Each recorded call is replayed alone on its copies, ``reps`` times, timing each call
   with ``time.perf_counter`` (minus the cost of an empty pair of ``perf_counter`` calls); an
   ``out=`` array that is also an input (``z += b``, ``w -= ...``) is restored between calls,
   outside the timed part. The floor is the sum over calls of each call's median.

What is not counted: creating views (``z[blk]``, ``.mT``, ``reshape``; the engine makes its block views
once, but ``affine.py`` makes ``.mT`` per call), Python's own work
(loops, attribute look-ups, function calls of the package), and the engine's allocations, which NumPy
makes inside the calls (they are in each call's time, as in the engine). Each call runs with its
inputs hot in cache, as they mostly are in the engine. So the floor is what an engine making the
same NumPy calls would take with no Python overhead at all; an engine making other calls could be
faster or slower.
"""
from __future__ import annotations

import contextlib
import time
from collections import defaultdict

import numpy as np
from numpy.lib.array_utils import byte_bounds

import backprop_lab as bl
from backprop_lab.nn import engine
from backprop_lab.nn.activations import get_activation
from backprop_lab.nn.layers import parameters_to_vector
from backprop_lab.nn.losses import get_loss
from backprop_lab.nn.optim import get_optimizer

_EMPTY = np.empty


def _layout_copy(a):
    """A copy of ndarray ``a`` with the same values, shape, strides and alignment (mod 64 bytes): a
    view such as ``W.mT`` or ``z[blk]`` stays such a view, of a copy of the memory it spans."""
    a = np.ndarray.view(a, np.ndarray)
    if a.size == 0:
        return a.copy()
    lo, hi = byte_bounds(a)
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not root.flags.c_contiguous:
        root = None
    raw = _EMPTY(hi - lo + 64, np.uint8)              # not np.empty, which the recording replaces
    shift = (lo - raw.ctypes.data) % 64
    region = raw[shift:shift + hi - lo]
    if root is not None:
        root_lo = byte_bounds(root)[0]
        region[:] = np.ndarray.view(root, np.ndarray).reshape(-1).view(np.uint8)[lo - root_lo:hi - root_lo]
        return np.ndarray(a.shape, a.dtype, buffer=region, offset=a.ctypes.data - lo, strides=a.strides)
    copy = np.ndarray(a.shape, a.dtype, buffer=region, offset=a.ctypes.data - lo, strides=a.strides)
    copy[...] = a
    return copy


def _plain(value):
    """``value`` with every ``Traced`` array (also inside tuples) as a plain ndarray view."""
    if isinstance(value, Traced):
        return value.view(np.ndarray)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _copy(value, memo):
    """``value`` for a later replay: arrays as ``_layout_copy``, tuples element by element. Within one
    call, the same array (the same memory, shape and strides) passed twice gets one copy (``memo``), so
    an in-place call such as ``z += b`` or ``np.multiply(g, d, out=g)`` is replayed in place, as run."""
    if isinstance(value, np.ndarray):
        key = (value.__array_interface__["data"][0], value.shape, value.strides, value.dtype.str)
        if key not in memo:
            memo[key] = _layout_copy(value)
        return memo[key]
    if isinstance(value, tuple):
        return tuple(_copy(v, memo) for v in value)
    return value


def _traced(value):
    if type(value) is np.ndarray:
        return value.view(Traced)
    return value


class _Recorder:
    def __init__(self):
        self.on = False
        self.calls = []                  # (name, function, args, kwargs), arrays copied

    def add(self, name, function, args, kwargs):
        if self.on:
            memo = {}
            args = _copy(tuple(args), memo)
            self.calls.append((name, function, args, {k: _copy(v, memo) for k, v in kwargs.items()}))


_RECORDER = _Recorder()


class Traced(np.ndarray):
    """An ndarray that records the ufunc calls, dispatched NumPy functions and copies made on it."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        inputs = _plain(inputs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = _plain(out)
        function = ufunc if method == "__call__" else getattr(ufunc, method)
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        _RECORDER.add(name, function, inputs, kwargs)
        result = function(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return tuple(_traced(r) for r in result) if isinstance(result, tuple) else _traced(result)

    def __array_function__(self, func, types, args, kwargs):
        out = kwargs.get("out")
        args, kwargs = _plain(tuple(args)), {k: _plain(v) for k, v in kwargs.items()}
        _RECORDER.add(func.__name__, func, args, kwargs)
        result = func(*args, **kwargs)
        return out if out is not None else _traced(result)

    def __setitem__(self, key, value):
        _RECORDER.add("copy (a[i] = b)", np.ndarray.__setitem__, (self.view(np.ndarray), key, _plain(value)), {})
        np.ndarray.__setitem__(self.view(np.ndarray), key, _plain(value))


@contextlib.contextmanager
def _tracing_numpy():
    """For the recording only: the constructors the engine uses give ``Traced`` arrays."""
    originals = {name: getattr(np, name) for name in ("empty", "array", "zeros_like", "asarray", "ascontiguousarray")}

    def asarray(a, dtype=None, *args, **kwargs):
        if isinstance(a, Traced) and not args and not kwargs and dtype in (None, np.float64, a.dtype):
            return a                                      # what np.asarray does for a plain float64 array
        return originals["asarray"](a, dtype, *args, **kwargs)

    def ascontiguousarray(a, *args, **kwargs):
        _RECORDER.add("ascontiguousarray", originals["ascontiguousarray"], (_plain(a), *args), kwargs)
        return _traced(originals["ascontiguousarray"](_plain(a), *args, **kwargs))

    np.empty = lambda *a, **k: _traced(originals["empty"](*a, **k))
    np.array = lambda *a, **k: _traced(originals["array"](*a, **k))
    np.zeros_like = lambda *a, **k: _traced(originals["zeros_like"](*a, **k))
    np.asarray, np.ascontiguousarray = asarray, ascontiguousarray
    try:
        yield
    finally:
        for name, f in originals.items():
            setattr(np, name, f)


def _batch(x, sizes, lrs, seeds, flat=None):
    """K = len(lrs) × len(seeds) sigmoid networks, GD, MSE, as ``sweep(..., workers=1)`` builds them
    (one batch, lr varying slowest); ``flat`` (K, P) instead of the initial weights if given."""
    settings = [(lr, s) for lr in lrs for s in seeds]
    if flat is None:
        flat = [parameters_to_vector(bl.MLP(sizes, seed=s).parameters()) for _, s in settings]
    acts = [get_activation("sigmoid") for _ in sizes[1:]]
    return engine.FlatNetworks(sizes, flat, [lr for lr, _ in settings], acts, get_optimizer("gd", 1.0))


def _train(batch, x, y, epochs):
    K = batch.flat.shape[0]
    final = [None] * K
    engine.run(batch, x, y, epochs, get_loss("mse"), np.full((K, epochs), np.nan), np.full((K, epochs), np.nan),
               [None] * K, final, np.arange(K))
    return np.array([np.asarray(f) for f in final])


def record_epoch(x, y, sizes=(10, 10), lrs=None, seeds=range(8), warm=50):
    """The NumPy calls of one epoch of the engine as ``sweep(x, y, lr=lrs, seed=seeds, hidden=sizes,
    workers=1)`` runs it, after ``warm`` epochs (from which the recorded epoch's values come).
    Returns (calls, K); raises if the recorded batch does not end bit for bit like an untraced one."""
    lrs = np.geomspace(0.05, 5.0, 8) if lrs is None else lrs
    sizes = (x.shape[1], *sizes, 1)
    start = _train(_batch(x, sizes, lrs, seeds), x, y, warm)             # the weights after warm epochs
    K = len(start)
    _RECORDER.calls, _RECORDER.on = [], False
    # x and y stay plain arrays (sweep's x and y): what is computed from them and the weights is traced.
    loss, acc = np.full((K, 2), np.nan).view(Traced), np.full((K, 2), np.nan).view(Traced)
    final = [None] * K
    with _tracing_numpy(), np.errstate(over="ignore", invalid="ignore"):
        batch = _batch(x, sizes, lrs, seeds, start)
        engine.run(batch, x, y, 1, get_loss("mse"), loss, acc, [None] * K, final, np.arange(K))
        _RECORDER.on = True                          # the second epoch: buffers exist, as in every later epoch
        try:
            engine.run(batch, x, y, 1, get_loss("mse"), loss[:, 1:], acc[:, 1:], [None] * K, final, np.arange(K))
        finally:
            _RECORDER.on = False
    calls = _RECORDER.calls
    traced_final = np.stack([np.ndarray.view(f, np.ndarray) for f in final])
    # The check: the same two epochs without tracing give the same weights, bit for bit.
    untraced = _train(_batch(x, sizes, lrs, seeds, start), x, y, 2)
    if not np.array_equal(traced_final, untraced):
        raise AssertionError("the traced epoch does not give the engine's weights bit for bit")
    return calls, len(start)


def engine_epoch_us(x, y, sizes=(10, 10), lrs=None, seeds=range(8), warm=50, epochs=30):
    """The engine's own epoch timed the way the floor's calls are: ``engine.run`` for one epoch at a
    time, ``epochs`` times, on the batch of ``record_epoch`` (after ``warm`` epochs); the median, in µs
    per network-epoch. Each ``engine.run`` call also does its few set-up and finishing steps (the
    final weights' copies: a few µs per epoch), so this is slightly pessimistic. On a loaded machine
    a median of short pieces leaves out the moments the process was not running, as the floor's
    medians do, where a whole sweep()'s wall time counts them."""
    lrs = np.geomspace(0.05, 5.0, 8) if lrs is None else lrs
    sizes = (x.shape[1], *sizes, 1)
    batch = _batch(x, sizes, lrs, seeds)
    K = batch.flat.shape[0]
    loss, acc, final = np.full((K, 1), np.nan), np.full((K, 1), np.nan), [None] * K
    times = []
    for _ in range(warm + epochs):
        t0 = time.perf_counter()
        engine.run(batch, x, y, 1, get_loss("mse"), loss, acc, [None] * K, final, np.arange(K))
        times.append(time.perf_counter() - t0)
    return float(np.median(times[warm:])) / K * 1e6


def time_calls(calls, reps=30):
    """Each call replayed alone ``reps`` times: [(name, median seconds)], in the order of the epoch."""
    overhead = np.median([-(time.perf_counter() - time.perf_counter()) for _ in range(1000)])
    result = []
    for name, function, args, kwargs in calls:
        outs = kwargs.get("out", ())
        outs = outs if isinstance(outs, tuple) else (outs,)
        if name.startswith("copy"):
            outs = (args[0],)
        saved = [o.copy() for o in outs if isinstance(o, np.ndarray)]
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            function(*args, **kwargs)
            times.append(time.perf_counter() - t0)
            for o, s in zip((o for o in outs if isinstance(o, np.ndarray)), saved):
                np.copyto(o, s)                       # an in-place call starts from the same values each time
        result.append((name, max(0.0, float(np.median(times)) - overhead)))
    return result


def floor_us(calls, K, reps=30):
    """The floor in µs per network-epoch: the summed medians of the calls, / K."""
    return sum(t for _, t in time_calls(calls, reps)) / K * 1e6


def main():
    x, y = bl.generate_linear(100, seed=0)
    calls, K = record_epoch(x, y)
    timed = time_calls(calls, reps=50)
    by_name, count = defaultdict(float), defaultdict(int)
    for name, t in timed:
        by_name[name] += t
        count[name] += 1
    total = sum(by_name.values())
    print(f"one epoch of sweep(), K = {K}, one thread: {len(calls)} NumPy calls, each timed alone (median of 50)")
    print(f"{'call':<28} {'calls':>5} {'µs/epoch':>9} {'µs/network-epoch':>17}")
    for name in sorted(by_name, key=by_name.get, reverse=True):
        print(f"{name:<28} {count[name]:>5} {by_name[name] * 1e6:9.1f} {by_name[name] / K * 1e6:17.2f}")
    print(f"{'sum (the floor)':<28} {len(calls):>5} {total * 1e6:9.1f} {total / K * 1e6:17.2f}")
    print(f"the engine's epoch itself (engine.run, one epoch at a time, median): "
          f"{engine_epoch_us(x, y):.2f} µs/network-epoch")


if __name__ == "__main__":
    main()
