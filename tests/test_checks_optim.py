"""Notebook 11's optimizer checks (backprop_lab.checks.optim) against right and deliberately wrong classes.

Each wrong class below is written the way a student would write the mistake, independently of the
check's own replay of it; the check must say "not yet" AND name that mistake, and it must accept
every correct way of writing the rule (only the weights are compared, never the internal state).
"""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.checks import optim as ce
from backprop_lab.nn.optim import Optimizer


def _verdict(check, cls, capsys):
    result = check(cls)
    out = capsys.readouterr().out
    assert ("Correct" in out) == bool(result) and ("Not yet" in out) == (not result)
    return result


# --- momentum (notebook 11) ----------------------------------------------------------------------
class _Momentum(Optimizer):
    """The rule as the text writes it, V ← βV - ηg, W ← W + V, one velocity per parameter in self.state."""

    def __init__(self, lr, beta=0.9):
        super().__init__(lr)
        self.beta = beta

    def step(self, params):
        for p in params:
            v = self.state_for(p, "v")["v"]
            v[...] = self.beta * v - self.lr * p.grad
            p.value += v


class MomentumPlusForm(_Momentum):        # V ← βV + ηg, W ← W - V: the same weights
    def step(self, params):
        for p in params:
            st = self.state_for(p, "v")
            st["v"] = self.beta * st["v"] + self.lr * p.grad
            p.value -= st["v"]


class MomentumTorchForm(_Momentum):       # PyTorch's V ← βV + g, W ← W - ηV: the same weights for a fixed η
    def step(self, params):
        for p in params:
            st = self.state_for(p, "v")
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
            st = self.state_for(p, "v")
            st["v"] = self.beta * st["v"] + self.lr * p.grad
            p.value += st["v"]


class MomentumLateVelocity(_Momentum):    # the seed report's equation: W_t = W_{t-1} + V_{t-1}
    def step(self, params):
        for p in params:
            st = self.state_for(p, "v")
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
            st = self.state_for(p, "v")
            st["v"] = self.beta * st["v"] - p.grad
            p.value += st["v"]


class MomentumBetaFixed(_Momentum):
    def step(self, params):
        for p in params:
            st = self.state_for(p, "v")
            st["v"] = 0.9 * st["v"] - self.lr * p.grad
            p.value += st["v"]


class MomentumRunningAverage(_Momentum):
    def step(self, params):
        for p in params:
            st = self.state_for(p, "v")
            st["v"] = self.beta * st["v"] + (1 - self.beta) * p.grad
            p.value -= self.lr * st["v"]


class MomentumNoReset(MomentumOwnDict):
    def reset(self):
        pass


class MomentumRebinds(_Momentum):
    def step(self, params):
        for p in params:
            v = self.state_for(p, "v")["v"]
            v[...] = self.beta * v - self.lr * p.grad
            p.value = p.value + v


class MomentumDoesNothing(_Momentum):
    def step(self, params):
        for p in params:
            self.state_for(p, "v")


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


# --- Adam (notebook 11) --------------------------------------------------------------------------
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
        st = self.state_for(p, "m", "v")
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
        st = self.state_for(p, "m", "v")
        st["m"] = self.beta1 * st["m"] + (1 - self.beta1) * p.grad
        st["v"] = self.beta2 * st["v"] + (1 - self.beta2) * p.grad
        return st["m"], st["v"]


class AdamDefaultsFixed(_Adam):
    def update(self, m, v, t):
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + 1e-8)

    def moments(self, p):
        st = self.state_for(p, "m", "v")
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


# --- issue 20: what a hostile grader found -------------------------------------------------------
class AdamBeta1Twice(_Adam):
    def update(self, m, v, t):
        m_hat, v_hat = m / (1 - self.beta1 ** t), v / (1 - self.beta1 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamBeta2Twice(_Adam):
    def update(self, m, v, t):
        m_hat, v_hat = m / (1 - self.beta2 ** t), v / (1 - self.beta2 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamScalesGradInPlace(_Adam):       # right weights, but the model's gradients are overwritten
    def moments(self, p):
        m, v = super().moments(p)
        p.grad *= 0.0
        return m, v


class MomentumScalesGradInPlace(MomentumOwnDict):
    def step(self, params):
        for p in params:
            p.grad *= self.lr                     # right weights from here on, but p.grad is overwritten
            v = self.velocity.get(p.name, np.zeros_like(p.value))
            self.velocity[p.name] = v = self.beta * v - p.grad
            p.value += v


class MomentumDropsParams(_Momentum):
    def step(self, params):
        super().step(params)
        params.clear()


@pytest.mark.parametrize("check, cls, hint", [
    (ce.check_adam, AdamBeta1Twice, "both bias corrections use β1"),
    (ce.check_adam, AdamBeta2Twice, "both bias corrections use β2"),
    (ce.check_adam, AdamScalesGradInPlace, "step() changed p.grad"),
    (ce.check_momentum, MomentumScalesGradInPlace, "step() changed p.grad"),
    (ce.check_momentum, MomentumDropsParams, "changed its input `params` in place"),
])
def test_optimizer_hostile_classes_are_named(check, cls, hint, capsys):
    result = _verdict(check, cls, capsys)
    assert not result and hint in result.message, result.message
