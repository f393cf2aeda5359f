"""The extras' exercise checks (backprop_lab.checks_extras) against right and deliberately wrong classes.

Each wrong class below is written the way a student would write the mistake, independently of the
check's own replay of it; the check must say "not yet" AND name that mistake, and it must accept
every correct way of writing the rule (only the weights are compared, never the internal state).
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab import checks_extras as ce
from backprop_lab.optim import Optimizer


def _verdict(check, cls, capsys):
    result = check(cls)
    out = capsys.readouterr().out
    assert ("Correct" in out) == bool(result) and ("Not yet" in out) == (not result)
    return result


# --- momentum (notebook 09) ----------------------------------------------------------------------
class _Momentum(Optimizer):
    """The rule as the text writes it, V ← βV - ηg, W ← W + V, one velocity per parameter in self.state."""

    def __init__(self, lr, beta=0.9):
        super().__init__(lr)
        self.beta = beta

    def step(self, params):
        for p in params:
            v = self._state(p, "v")["v"]
            v[...] = self.beta * v - self.lr * p.grad
            p.value += v


class MomentumPlusForm(_Momentum):        # V ← βV + ηg, W ← W - V: the same weights
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = self.beta * st["v"] + self.lr * p.grad
            p.value -= st["v"]


class MomentumTorchForm(_Momentum):       # PyTorch's V ← βV + g, W ← W - ηV: the same weights for a fixed η
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = self.beta * st["v"] + p.grad
            p.value -= self.lr * st["v"]


class MomentumOwnDict(_Momentum):         # its own dict by name, and its own reset
    def __init__(self, lr, beta=0.9):
        super().__init__(lr, beta)
        self.velocity = {}

    def step(self, params):
        for p in params:
            v = self.velocity.get(p.name, np.zeros_like(p.value))
            self.velocity[p.name] = v = self.beta * v - self.lr * p.grad
            p.value += v

    def reset(self):
        self.velocity = {}


@pytest.mark.parametrize("cls", [bl.Momentum, _Momentum, MomentumPlusForm, MomentumTorchForm, MomentumOwnDict])
def test_momentum_accepts_right_answers(cls, capsys):
    assert _verdict(ce.check_momentum, cls, capsys)


class MomentumSignFlipped(_Momentum):
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = self.beta * st["v"] + self.lr * p.grad
            p.value += st["v"]


class MomentumLateVelocity(_Momentum):    # the seed report's equation: W_t = W_{t-1} + V_{t-1}
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            p.value += st["v"]
            st["v"] = self.beta * st["v"] - self.lr * p.grad


class MomentumForgets(_Momentum):
    def step(self, params):
        for p in params:
            v = np.zeros_like(p.value)
            v = self.beta * v - self.lr * p.grad
            p.value += v


class MomentumShared(_Momentum):
    def step(self, params):
        if not hasattr(self, "v"):
            self.v = np.zeros_like(params[0].value)
        for p in params:
            self.v = self.beta * self.v - self.lr * p.grad
            p.value += self.v


class MomentumNoLr(_Momentum):
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = self.beta * st["v"] - p.grad
            p.value += st["v"]


class MomentumBetaFixed(_Momentum):
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = 0.9 * st["v"] - self.lr * p.grad
            p.value += st["v"]


class MomentumRunningAverage(_Momentum):
    def step(self, params):
        for p in params:
            st = self._state(p, "v")
            st["v"] = self.beta * st["v"] + (1 - self.beta) * p.grad
            p.value -= self.lr * st["v"]


class MomentumNoReset(MomentumOwnDict):
    def reset(self):
        pass


class MomentumRebinds(_Momentum):
    def step(self, params):
        for p in params:
            v = self._state(p, "v")["v"]
            v[...] = self.beta * v - self.lr * p.grad
            p.value = p.value + v


class MomentumDoesNothing(_Momentum):
    def step(self, params):
        for p in params:
            self._state(p, "v")


class MomentumPlaceholder(_Momentum):
    def step(self, params):
        raise NotImplementedError("your code here: replace this line")


class MomentumTypo(_Momentum):
    def step(self, params):
        for p in params:
            p.value += self.velocity[p.name]


class NotAnOptimizer:
    def __init__(self, lr, beta=0.9):
        self.lr, self.beta = lr, beta


@pytest.mark.parametrize("cls, hint", [
    (MomentumSignFlipped, "sign is flipped"),
    (MomentumLateVelocity, "previous velocity V_{t-1}"),
    (MomentumForgets, "velocity is not kept between steps"),
    (MomentumShared, "shared by all the parameters"),
    (MomentumNoLr, "learning rate is missing"),
    (MomentumBetaFixed, "β is fixed at 0.9"),
    (MomentumRunningAverage, "running-average form"),
    (MomentumNoReset, "reset() does not clear the velocity"),
    (MomentumRebinds, "replaced p.value by a new array"),
    (MomentumDoesNothing, "did not change the weights"),
    (MomentumPlaceholder, "replace the `raise NotImplementedError"),
    (MomentumTypo, "AttributeError"),
    (NotAnOptimizer, "subclass of bl.Optimizer"),
    (bl.Momentum(0.1), "pass the class itself"),
])
def test_momentum_names_the_mistake(cls, hint, capsys):
    result = _verdict(ce.check_momentum, cls, capsys)
    assert not result
    assert hint in result.message


# --- Adam (notebook 09) --------------------------------------------------------------------------
class _Adam(Optimizer):
    """Adam as the text writes it; the subclasses below change one piece each."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0

    def reset(self):
        super().reset()
        self.t = 0

    def moments(self, p):
        st = self._state(p, "m", "v")
        st["m"] = self.beta1 * st["m"] + (1 - self.beta1) * p.grad
        st["v"] = self.beta2 * st["v"] + (1 - self.beta2) * p.grad ** 2
        return st["m"], st["v"]

    def update(self, m, v, t):
        m_hat, v_hat = m / (1 - self.beta1 ** t), v / (1 - self.beta2 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def step(self, params):
        self.t += 1
        for p in params:
            m, v = self.moments(p)
            p.value += self.update(m, v, self.t)


class AdamReordered(_Adam):               # Kingma & Ba's reordering: α_t = η √(1-β2^t) / (1-β1^t)
    def update(self, m, v, t):
        alpha = self.lr * np.sqrt(1 - self.beta2 ** t) / (1 - self.beta1 ** t)
        return -alpha * m / (np.sqrt(v) + self.eps)


class AdamReorderedExact(_Adam):          # the same, with ε̂ = ε √(1-β2^t): identical to the text's rule
    def update(self, m, v, t):
        c2 = 1 - self.beta2 ** t
        return -self.lr * np.sqrt(c2) / (1 - self.beta1 ** t) * m / (np.sqrt(v) + self.eps * np.sqrt(c2))


class AdamTimeFromState(_Adam):           # t kept as 1 + the number of earlier steps, in the state itself
    def step(self, params):
        self.state.setdefault("__steps__", {"t": np.zeros(())})["t"] += 1
        for p in params:
            m, v = self.moments(p)
            p.value += self.update(m, v, float(self.state["__steps__"]["t"]))


@pytest.mark.parametrize("cls", [bl.Adam, _Adam, AdamReordered, AdamReorderedExact, AdamTimeFromState])
def test_adam_accepts_right_answers(cls, capsys):
    assert _verdict(ce.check_adam, cls, capsys)


class AdamNoCorrection(_Adam):
    def update(self, m, v, t):
        return -self.lr * m / (np.sqrt(v) + self.eps)


class AdamOnlyM(_Adam):
    def update(self, m, v, t):
        return -self.lr * (m / (1 - self.beta1 ** t)) / (np.sqrt(v) + self.eps)


class AdamOnlyV(_Adam):
    def update(self, m, v, t):
        return -self.lr * m / (np.sqrt(v / (1 - self.beta2 ** t)) + self.eps)


class AdamSwapped(_Adam):
    def update(self, m, v, t):
        return -self.lr * (m / (1 - self.beta2 ** t)) / (np.sqrt(v / (1 - self.beta1 ** t)) + self.eps)


class AdamEpsInside(_Adam):
    def update(self, m, v, t):
        return -self.lr * (m / (1 - self.beta1 ** t)) / np.sqrt(v / (1 - self.beta2 ** t) + self.eps)


class AdamSignFlipped(_Adam):
    def update(self, m, v, t):
        return -super().update(m, v, t)


class AdamNoLr(_Adam):
    def update(self, m, v, t):
        return super().update(m, v, t) / self.lr


class AdamTPerParameter(_Adam):
    def step(self, params):
        for p in params:
            self.t += 1
            m, v = self.moments(p)
            p.value += self.update(m, v, self.t)


class AdamTNeverIncremented(_Adam):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.t = 1

    def reset(self):
        super().reset()
        self.t = 1

    def step(self, params):
        for p in params:
            m, v = self.moments(p)
            p.value += self.update(m, v, self.t)


class AdamTIncrementedLate(_Adam):
    def step(self, params):
        for p in params:
            m, v = self.moments(p)
            p.value += self.update(m, v, self.t)
        self.t += 1


class AdamGradNotSquared(_Adam):
    def moments(self, p):
        st = self._state(p, "m", "v")
        st["m"] = self.beta1 * st["m"] + (1 - self.beta1) * p.grad
        st["v"] = self.beta2 * st["v"] + (1 - self.beta2) * p.grad
        return st["m"], st["v"]


class AdamDefaultsFixed(_Adam):
    def update(self, m, v, t):
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)

    def moments(self, p):
        st = self._state(p, "m", "v")
        st["m"] = 0.9 * st["m"] + 0.1 * p.grad
        st["v"] = 0.999 * st["v"] + 0.001 * p.grad ** 2
        return st["m"], st["v"]


class AdamForgets(_Adam):
    def moments(self, p):
        m = (1 - self.beta1) * p.grad
        v = (1 - self.beta2) * p.grad ** 2
        return m, v


class AdamShared(_Adam):
    def moments(self, p):
        if not hasattr(self, "m"):
            self.m, self.v = np.zeros_like(p.value), np.zeros_like(p.value)
        self.m = self.beta1 * self.m + (1 - self.beta1) * p.grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * p.grad ** 2
        return self.m, self.v


class AdamTNotReset(_Adam):               # a reset of its own that forgets the step count
    def reset(self):
        self.state.clear()
        self._owners.clear()


class AdamStateNotReset(_Adam):
    def reset(self):
        self.t = 0


class AdamResetNothing(_Adam):
    def reset(self):
        pass


class AdamTPerParameterResetRight(AdamTPerParameter):   # still named, whatever reset() does
    def reset(self):
        Optimizer.reset(self)
        self.t = 0


class AdamPlaceholder(_Adam):
    def step(self, params):
        raise NotImplementedError("your code here: replace this line")


class AdamWrongSignature(_Adam):
    def __init__(self, lr):
        super().__init__(lr)


@pytest.mark.parametrize("cls, hint", [
    (AdamNoCorrection, "bias correction is missing"),
    (AdamOnlyM, "only m is bias-corrected"),
    (AdamOnlyV, "only v is bias-corrected"),
    (AdamSwapped, "bias corrections are swapped"),
    (AdamEpsInside, "ε is inside the square root"),
    (AdamSignFlipped, "sign is flipped"),
    (AdamNoLr, "learning rate is missing"),
    (AdamTPerParameter, "t is counted per parameter"),
    (AdamTPerParameterResetRight, "t is counted per parameter"),
    (AdamTNeverIncremented, "t is not incremented"),
    (AdamTIncrementedLate, "t is 0 at the first step"),
    (AdamGradNotSquared, "squared gradient g²"),
    (AdamDefaultsFixed, "fixed at their defaults"),
    (AdamForgets, "m and v are not kept between steps"),
    (AdamShared, "shared by all the parameters"),
    (AdamTNotReset, "does not set t back to 0"),
    (AdamStateNotReset, "does not clear m and v"),
    (AdamResetNothing, "reset() changes nothing"),
    (AdamPlaceholder, "replace the `raise NotImplementedError"),
    (AdamWrongSignature, "TypeError"),
])
def test_adam_names_the_mistake(cls, hint, capsys):
    result = _verdict(ce.check_adam, cls, capsys)
    assert not result
    assert hint in result.message


# --- ReLU (notebook 10) --------------------------------------------------------------------------
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
    (ReLUInPlace, "changed its input array in place"),
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


# --- tanh (notebook 10) --------------------------------------------------------------------------
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
    (TanhInPlace, "changed its input array in place"),
    (TanhPlaceholder, "replace the `raise NotImplementedError"),
    (_Tanh(), "pass the class itself"),
])
def test_tanh_names_the_mistake(cls, hint, capsys):
    result = _verdict(ce.check_tanh, cls, capsys)
    assert not result
    assert hint in result.message


def test_a_layer_that_passes_trains_like_the_package():
    # What notebook 10 does with a passing class: the lab's network built from it, trained, same curve.
    x, y = bl.generate_xor_easy()
    rng = np.random.default_rng(0)
    mine = bl.Sequential(bl.Linear(2, 10, rng=rng), _Tanh(), bl.Linear(10, 10, rng=rng), _Tanh(),
                         bl.Linear(10, 1, rng=rng), bl.Sigmoid())
    ours = bl.MLP((2, 10, 10, 1), activation="tanh", seed=0)
    a = bl.train(mine, x, y, epochs=50, lr=1.0, print_fn=None)
    b = bl.train(ours, x, y, epochs=50, lr=1.0, print_fn=None)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-9)
