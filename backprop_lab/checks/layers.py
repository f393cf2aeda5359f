"""Checks for notebook 12's exercises: a ReLU and a tanh activation layer written by the student.

``check_relu(MyReLU)`` and ``check_tanh(MyTanh)`` test the layer contract: ``forward(x)`` returns
f(x) and leaves x alone, ``backward(grad_out)`` returns ``grad_out * f'(x)`` for the latest
``forward`` of that layer object, and ``backward`` before any ``forward`` raises; a wrong answer is
matched against the classic mistakes (a mask from the output or the gradient, 1 - t instead of
1 - t², a cache shared between objects...). Each check prints its verdict and returns a
``CheckResult`` (truthy when correct).
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import sigmoid
from ..nn.layers import Layer
from .verdict import CheckResult, CheckTimeout, as_array, call, close, current_limit, exercise_check, report, time_limit


def _layer_verdict(got, right, wrongs, what) -> CheckResult | None:
    """None if ``got`` is right, else a verdict naming the matching wrong answer (or what came back)."""
    got, problem = as_array(got, "the layer's output" if what.startswith("forward") else "dL/dx")
    if problem is not None:
        return CheckResult(False, f"{what}: " + problem.message)
    if close(got, right):
        return None
    for wrong, hint in wrongs:
        if close(got, wrong):
            return CheckResult(False, hint)
    if got.shape != right.shape:
        return CheckResult(False, f"{what} returned shape {got.shape}; it must be {right.shape}, like its input.")
    with np.errstate(all="ignore"):
        worst = np.max(np.abs(got - right))
    return CheckResult(False, f"{what} differs from the right values by up to {worst:.3g}. "
                              f"Compare your formula with the one in the text.")


def _call(layer, method, *args):
    """``layer.method(*args)`` under the time limit: (result, None) or (None, CheckResult). backward's
    ``grad_out`` is checked for changes in place; forward's ``x`` is judged by ``_check_layer``, with
    the reason the layer below needs it."""
    with np.errstate(all="ignore"):
        got, error = call(getattr(layer, method), *args, names=("grad_out",), keep_inputs=(method == "backward"))
    if error is not None and "only 0-dimensional arrays" in error.message:  # float(mask) on an array
        return None, CheckResult(False, f"{method}() raised TypeError: float() takes a single number; multiply by "
                                        f"the boolean array itself (grad_out * mask), element by element.")
    if error is not None:
        return None, CheckResult(False, f"{method}(): " + error.message)
    return got, None


def _new(cls):
    """``cls()`` under the time limit: (layer, None) or (None, CheckResult), for every object the check builds."""
    layer, error = call(cls)
    if error is not None:
        return None, CheckResult(False, f"{cls.__name__}(): " + error.message)
    return layer, None


def _refuses_backward_first(cls, g) -> CheckResult | None:
    """None if a fresh ``cls()``'s backward raises before any forward, as the contract asks; else the verdict."""
    fresh, error = _new(cls)
    if error is not None:
        return error
    with np.errstate(all="ignore"):
        try:
            with time_limit(current_limit()):
                fresh.backward(g.copy())
        except NotImplementedError:
            return CheckResult(False, "a method is still the exercise's placeholder: replace the "
                                      "`raise NotImplementedError(...)` line with your code.")
        except CheckTimeout:
            return CheckResult(False, f"backward() before any forward() did not return within "
                                      f"{current_limit():g} s (an endless loop?).")
        except Exception:
            return None           # refused, as the contract asks
    return CheckResult(False, "backward() before any forward() returned a value instead of raising: "
                              "start backward with self._cached(...), which raises a clear error.")


def _check_layer(cls, f, df, wrong_forward, wrong_backward, x, x2, name) -> CheckResult:
    """The contract, in order: forward values, x left alone, backward values, per-object cache, refusal."""
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        return CheckResult(False, f"pass the class itself, a subclass of bl.Layer, not {cls!r}: bl.Sequential "
                                  f"accepts only layers.")
    g = np.random.default_rng(1).normal(size=x.shape)
    right_out, right_grad = f(x), g * df(x)           # the right answers first, from the check's own arrays
    layer, error = _new(cls)
    if error is not None:
        return error
    x_in = x.copy()
    out, error = _call(layer, "forward", x_in)
    if error is not None:
        return error
    if not np.array_equal(x_in, x, equal_nan=True):
        return CheckResult(False, "forward changed its input `x` in place: the layer below still needs it "
                                  "(its backward uses it). Compute a new array instead.")
    verdict = _layer_verdict(out, right_out, wrong_forward(x), "forward(x)")
    if verdict is not None:
        return verdict
    got, error = _call(layer, "backward", g.copy())
    if error is not None:
        return error
    verdict = _layer_verdict(got, right_grad, wrong_backward(x, g), "backward(grad_out)")
    if verdict is not None:
        return verdict
    # the cache follows the latest forward of this object (x2 after x), and of this object only
    first, error = _new(cls)
    if error is not None:
        return error
    second, error = _new(cls)
    if error is not None:
        return error
    cases = [([(layer, x2)], layer, x2, x, "backward used the cache of an earlier forward call: cache again at "
                                            "every forward."),
             ([(first, x), (second, x2)], first, x, x2, "backward used what another layer object's forward "
                                                        "cached: keep the cache in self, not in a class attribute "
                                                        "or a global.")]
    for forwards, obj, right, stale, hint in cases:
        for fwd_obj, z in forwards:
            error = _call(fwd_obj, "forward", z.copy())[1]
            if error is not None:
                return error
        got, error = _call(obj, "backward", g.copy())
        if error is not None:
            return error
        verdict = _layer_verdict(got, g * df(right), [(g * df(stale), hint)],
                                 "backward(grad_out) after another forward")
        if verdict is not None:
            return verdict
    verdict = _refuses_backward_first(cls, g)
    if verdict is not None:
        return verdict
    return CheckResult(True, f"{name}: forward, backward, a cache per layer object, and backward refused before "
                             f"forward, all as the contract says.")


def _inputs(seed, scale, zeros=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, scale, (4, 5))
    if zeros:
        x[0, :2] = 0.0              # the kink: ReLU's derivative at exactly 0 is taken as 0
    return x


@exercise_check
def check_relu(cls) -> CheckResult:
    """``cls()`` must be a layer: forward(x) = max(0, x), backward(g) = g * (x > 0) for the cached x."""
    x, x2 = _inputs(10, 1.0, zeros=True), _inputs(11, 1.0, zeros=True)
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    wrong_forward = lambda z: [  # noqa: E731
        ((z > 0).astype(float), "forward returned the mask x > 0; return the values max(0, x)."),
        (z, "forward returned x unchanged: the negative values must become 0, max(0, x)."),
    ]
    wrong_backward = lambda z, g: [  # noqa: E731
        (g * (z >= 0), "the mask is x >= 0: at x = 0 exactly the derivative is taken as 0 (x > 0), as the "
                       "package and PyTorch do."),
        ((z > 0).astype(float), "backward returned the mask itself: multiply it by grad_out, element-wise."),
        (g * (g > 0), "the mask was taken from the gradient (grad_out > 0); it must come from the input of "
                      "forward, x > 0, cached there."),
        (g * relu(z), "backward multiplied by the output max(0, x); the derivative is the 0/1 mask x > 0."),
        (g, "backward passes grad_out through everywhere: where x <= 0 the gradient must be 0 (is your mask "
            "output >= 0? that is always true)."),
        (g * (z <= 0), "the mask is inverted: the gradient passes where x > 0, not where x < 0."),
    ]
    return report(_check_layer(cls, relu, lambda z: (z > 0).astype(float), wrong_forward, wrong_backward,
                                x, x2, "ReLU"))


@exercise_check
def check_tanh(cls) -> CheckResult:
    """``cls()`` must be a layer: forward(x) = tanh(x), backward(g) = g * (1 - tanh(x)²)."""
    x, x2 = _inputs(20, 1.5), _inputs(21, 1.5)
    wrong_forward = lambda z: [  # noqa: E731
        (sigmoid(z), "forward computed the sigmoid; tanh is np.tanh(x)."),
        (z, "forward returned x unchanged; return np.tanh(x)."),
    ]
    wrong_backward = lambda z, g: [  # noqa: E731
        (g * (1 - np.tanh(z)), "the derivative is 1 - tanh(x)², squared: you used 1 - tanh(x)."),
        (g * (1 - z ** 2), "the derivative was computed from the input x as 1 - x²; it is 1 - t² with the "
                           "output t = tanh(x) (cache t in forward)."),
        (g * (1 - np.tanh(np.tanh(z)) ** 2), "tanh is applied twice: the cached output t is already tanh(x), so "
                                             "the derivative is 1 - t², not 1 - tanh(t)²."),
        (1 - np.tanh(z) ** 2, "backward returned tanh'(x) itself: multiply it by grad_out, element-wise."),
        (g * np.tanh(z) * (1 - np.tanh(z)), "that is the sigmoid's derivative s(1 - s); tanh's is 1 - t²."),
        (-g * (1 - np.tanh(z) ** 2), "the sign is flipped: tanh is increasing, its derivative 1 - t² is positive."),
        (g, "backward passes grad_out through unchanged; multiply it by 1 - t²."),
    ]
    return report(_check_layer(cls, np.tanh, lambda z: 1 - np.tanh(z) ** 2, wrong_forward, wrong_backward,
                                x, x2, "Tanh"))
