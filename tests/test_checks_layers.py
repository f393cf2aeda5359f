"""Notebook 12's layer checks (backprop_lab.checks.layers) against right and deliberately wrong classes.

Each wrong class below is written the way a student would write the mistake, independently of the
check's own replay of it; the check must say "not yet" AND name that mistake, and accept every
correct way of writing the layer.
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.checks import layers as ce


def _verdict(check, cls, capsys):
    result = check(cls)
    out = capsys.readouterr().out
    assert ("Correct" in out) == bool(result) and ("Not yet" in out) == (not result)
    return result


# --- ReLU (notebook 12) --------------------------------------------------------------------------
class _ReLU(bl.Layer):
    """Caches the mask x > 0 of its input (the package's way)."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, grad_out):
        return grad_out * self._cached(self.mask)


class ReLUFromOutput(bl.Layer):           # the mask taken from the output, output > 0: the same mask
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.maximum(x, 0)
        return self.out

    def backward(self, grad_out):
        if self.out is None:
            raise RuntimeError("forward first")
        return grad_out * (self.out > 0)


class ReLUCachesInput(bl.Layer):          # the input cached, the mask computed in backward
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return x * (x > 0)

    def backward(self, grad_out):
        return np.where(self._cached(self.x) > 0, grad_out, 0.0)


@pytest.mark.parametrize("cls", [bl.ReLU, _ReLU, ReLUFromOutput, ReLUCachesInput])
def test_relu_accepts_right_answers(cls, capsys):
    assert _verdict(ce.check_relu, cls, capsys)


class ReLUMaskAtZero(_ReLU):
    def forward(self, x):
        self.mask = x >= 0
        return np.maximum(x, 0)


class ReLUMaskOnly(_ReLU):
    def backward(self, grad_out):
        return self._cached(self.mask).astype(float)


class ReLUMaskFromGradient(_ReLU):
    def backward(self, grad_out):
        self._cached(self.mask)
        return grad_out * (grad_out > 0)


class ReLUTimesOutput(ReLUFromOutput):
    def backward(self, grad_out):
        return grad_out * self.out


class ReLUOutputAtLeastZero(ReLUFromOutput):   # output >= 0 is always True: no mask at all
    def backward(self, grad_out):
        return grad_out * (self.out >= 0)


class ReLUInvertedMask(_ReLU):
    def backward(self, grad_out):
        return grad_out * ~self._cached(self.mask)


class ReLUFloatMask(_ReLU):               # the seed report's bug
    def backward(self, grad_out):
        return grad_out * float(self._cached(self.mask))


class ReLUForwardMask(_ReLU):
    def forward(self, x):
        self.mask = x > 0
        return self.mask.astype(float)


class ReLUForwardIdentity(_ReLU):
    def forward(self, x):
        self.mask = x > 0
        return x


class ReLUInPlace(_ReLU):
    def forward(self, x):
        self.mask = x > 0
        x[~self.mask] = 0.0
        return x


class ReLUFirstCallOnly(_ReLU):
    def forward(self, x):
        if self.mask is None:
            self.mask = x > 0
        return np.maximum(x, 0)


class ReLUClassCache(bl.Layer):
    mask = None

    def forward(self, x):
        ReLUClassCache.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_out):
        return grad_out * self._cached(ReLUClassCache.mask)


class ReLUNotRefused(bl.Layer):
    def __init__(self):
        self.mask = np.ones((4, 5), dtype=bool)

    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad_out):
        return grad_out * self.mask


class ReLUPlaceholder(bl.Layer):
    def forward(self, x):
        raise NotImplementedError("your code here: replace this line")

    def backward(self, grad_out):
        raise NotImplementedError("your code here: replace this line")


class ReLUBackwardPlaceholder(_ReLU):
    def backward(self, grad_out):
        raise NotImplementedError("your code here: replace this line")


class ReLUNotALayer:
    def forward(self, x):
        return np.maximum(x, 0)


@pytest.mark.parametrize("cls, hint", [
    (ReLUMaskAtZero, "x >= 0"),
    (ReLUMaskOnly, "returned the mask itself"),
    (ReLUMaskFromGradient, "taken from the gradient"),
    (ReLUTimesOutput, "multiplied by the output"),
    (ReLUOutputAtLeastZero, "passes grad_out through everywhere"),
    (ReLUInvertedMask, "mask is inverted"),
    (ReLUFloatMask, "float() takes a single number"),
    (ReLUForwardMask, "forward returned the mask"),
    (ReLUForwardIdentity, "forward returned x unchanged"),
    (ReLUInPlace, "forward changed its input `x` in place"),
    (ReLUFirstCallOnly, "cache of an earlier forward call"),
    (ReLUClassCache, "another layer object's forward"),
    (ReLUNotRefused, "before any forward() returned a value"),
    (ReLUPlaceholder, "replace the `raise NotImplementedError"),
    (ReLUBackwardPlaceholder, "replace the `raise NotImplementedError"),
    (ReLUNotALayer, "subclass of bl.Layer"),
])
def test_relu_names_the_mistake(cls, hint, capsys):
    result = _verdict(ce.check_relu, cls, capsys)
    assert not result
    assert hint in result.message


# --- tanh (notebook 12) --------------------------------------------------------------------------
class _Tanh(bl.Layer):
    """Caches its output t = tanh(x): the derivative is 1 - t²."""

    def __init__(self):
        self.t = None

    def forward(self, x):
        self.t = np.tanh(x)
        return self.t

    def backward(self, grad_out):
        t = self._cached(self.t)
        return grad_out * (1 - t ** 2)


class TanhCachesInput(bl.Layer):          # caches x, recomputes tanh in backward
    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = np.array(x, copy=True)
        return np.tanh(x)

    def backward(self, grad_out):
        return grad_out * (1 - np.tanh(self._cached(self.x)) ** 2)


class TanhSech(TanhCachesInput):          # tanh'(x) = 1 / cosh²(x)
    def backward(self, grad_out):
        return grad_out / np.cosh(self._cached(self.x)) ** 2


@pytest.mark.parametrize("cls", [bl.Tanh, _Tanh, TanhCachesInput, TanhSech])
def test_tanh_accepts_right_answers(cls, capsys):
    assert _verdict(ce.check_tanh, cls, capsys)


class TanhNotSquared(_Tanh):
    def backward(self, grad_out):
        return grad_out * (1 - self._cached(self.t))


class TanhFromInput(TanhCachesInput):
    def backward(self, grad_out):
        return grad_out * (1 - self._cached(self.x) ** 2)


class TanhTwice(_Tanh):
    def backward(self, grad_out):
        return grad_out * (1 - np.tanh(self._cached(self.t)) ** 2)


class TanhNoGradOut(_Tanh):
    def backward(self, grad_out):
        return 1 - self._cached(self.t) ** 2


class TanhSigmoidDerivative(_Tanh):
    def backward(self, grad_out):
        t = self._cached(self.t)
        return grad_out * t * (1 - t)


class TanhSignFlipped(_Tanh):
    def backward(self, grad_out):
        return grad_out * (self._cached(self.t) ** 2 - 1)


class TanhSigmoidForward(_Tanh):
    def forward(self, x):
        self.t = 1 / (1 + np.exp(-x))
        return self.t


class TanhNotRefused(bl.Layer):
    def __init__(self):
        self.t = np.zeros((4, 5))

    def forward(self, x):
        self.t = np.tanh(x)
        return self.t

    def backward(self, grad_out):
        return grad_out * (1 - self.t ** 2)


class TanhInPlace(_Tanh):
    def forward(self, x):
        self.t = np.tanh(x, out=x)
        return self.t


class TanhPlaceholder(bl.Layer):
    def forward(self, x):
        raise NotImplementedError("your code here: replace this line")

    def backward(self, grad_out):
        raise NotImplementedError("your code here: replace this line")


@pytest.mark.parametrize("cls, hint", [
    (TanhNotSquared, "you used 1 - tanh(x)"),
    (TanhFromInput, "from the input x as 1 - x²"),
    (TanhTwice, "tanh is applied twice"),
    (TanhNoGradOut, "multiply it by grad_out"),
    (TanhSigmoidDerivative, "sigmoid's derivative"),
    (TanhSignFlipped, "sign is flipped"),
    (TanhSigmoidForward, "forward computed the sigmoid"),
    (TanhNotRefused, "before any forward() returned a value"),
    (TanhInPlace, "forward changed its input `x` in place"),
    (TanhPlaceholder, "replace the `raise NotImplementedError"),
    (_Tanh(), "pass the class itself"),
])
def test_tanh_names_the_mistake(cls, hint, capsys):
    result = _verdict(ce.check_tanh, cls, capsys)
    assert not result
    assert hint in result.message


def test_a_layer_that_passes_trains_like_the_package():
    # What notebook 12 does with a passing class: the lab's network built from it, trained, same curve.
    x, y = bl.generate_xor_easy()
    rng = np.random.default_rng(0)
    mine = bl.Sequential(bl.Linear(2, 10, rng=rng), _Tanh(), bl.Linear(10, 10, rng=rng), _Tanh(),
                         bl.Linear(10, 1, rng=rng), bl.Sigmoid())
    ours = bl.MLP((2, 10, 10, 1), activation="tanh", seed=0)
    a = bl.train(mine, x, y, epochs=50, lr=1.0, print_fn=None)
    b = bl.train(ours, x, y, epochs=50, lr=1.0, print_fn=None)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-9)


# --- issue 20: what a hostile grader found -------------------------------------------------------
class TanhSecondInstanceFails(_Tanh):
    made = 0

    def __init__(self):
        super().__init__()
        TanhSecondInstanceFails.made += 1
        if TanhSecondInstanceFails.made % 2 == 0:
            raise RuntimeError("only one Tanh, please")


class TanhGradInPlace(_Tanh):
    def backward(self, grad_out):
        grad_out *= 1 - self._cached(self.t) ** 2
        return grad_out


class TanhBackwardFirstLoops(_Tanh):
    def backward(self, grad_out):
        while self.t is None:
            pass
        return super().backward(grad_out)


@pytest.mark.parametrize("cls, hint", [
    (TanhSecondInstanceFails, "TanhSecondInstanceFails(): your function raised RuntimeError: only one Tanh"),
    (TanhGradInPlace, "backward(): your function changed its input `grad_out` in place"),
    (TanhBackwardFirstLoops, "backward() before any forward() did not return within 0.2 s"),
])
def test_tanh_hostile_classes_get_a_verdict(cls, hint, capsys):
    TanhSecondInstanceFails.made = 0
    result = ce.check_tanh(cls, timeout=0.2)
    assert not result and hint in result.message, result.message
    assert "Not yet" in capsys.readouterr().out
