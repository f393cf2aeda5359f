"""Checks for notebook 11's exercises: a momentum and an Adam optimizer class written by the student.

``check_momentum(MyMomentum)`` and ``check_adam(MyAdam)`` build the student's optimizer with
hyperparameters other than the defaults, step it six times on three parameters (fresh gradients at
every step, ``reset()`` after the fourth) and compare the weights after every step with the formula.
When they differ, the same steps are replayed with each classic mistake (momentum's sign flipped,
the velocity not kept or shared between parameters, Adam's bias correction missing or applied to
the wrong moment, t counted per parameter, ε inside the square root...) to name the one made.
Any correct way of writing the rule passes: only the weights are compared, never the state.
Each check prints its verdict and returns a ``CheckResult`` (truthy when correct).
"""
from __future__ import annotations

import numpy as np

from ..nn.layers import Parameter
from ..nn.optim import Optimizer
from .verdict import CheckResult, call, close, exercise_check, report

_STEPS, _RESET_AFTER, _N_PARAMS = 6, 4, 3


def _same_path(a, b) -> bool:
    return all(close(x, y) for step_a, step_b in zip(a, b) for x, y in zip(step_a, step_b))


def _problem(what: str) -> tuple:
    """Three parameters of one shape (so that a velocity shared between them still computes) and
    the gradients of every step, drawn from ``what`` (so each check has its own numbers)."""
    rng = np.random.default_rng(sum(map(ord, what)))
    w0 = [rng.normal(size=(2, 3)) for _ in range(_N_PARAMS)]
    grads = [[rng.normal(size=(2, 3)) for _ in range(_N_PARAMS)] for _ in range(_STEPS)]
    return w0, grads


def _student_path(opt, w0, grads):
    """Step the student's optimizer like ``train`` does; (weights after each step, None) or (None, verdict)."""
    arrays = [w.copy() for w in w0]
    params = [Parameter(f"{2 * i}.weight", a, np.zeros_like(a)) for i, a in enumerate(arrays)]
    path = []
    with np.errstate(all="ignore"):
        for k, gs in enumerate(grads):
            if k == _RESET_AFTER:
                _, error = call(opt.reset)
                if error is not None:
                    return None, CheckResult(False, "reset(): " + error.message)
            grad_arrays = [p.grad for p in params]
            for p, g in zip(params, gs):
                p.grad[...] = g                       # backward fills the gradient arrays in place
            _, error = call(opt.step, params, names=("params",))
            if error is not None:
                return None, CheckResult(False, "step(): " + error.message)
            if any(p.grad is not a or not np.array_equal(a, g, equal_nan=True)
                   for p, a, g in zip(params, grad_arrays, gs)):
                return None, CheckResult(False, "step() changed p.grad: the gradient belongs to the model (its "
                                                "backward fills it, and the next steps and any gradient check "
                                                "read it). Read p.grad and compute new arrays from it; change "
                                                "only p.value and your own state.")
            if any(p.value is not a for p, a in zip(params, arrays)):
                return None, CheckResult(False, "step() replaced p.value by a new array (p.value = ...), so the "
                                                "model's own weights never change: update it in place, "
                                                "p.value -= ... or p.value += ...")
            path.append([a.copy() for a in arrays])
    return path, None


def _formula_path(w0, grads, update, shared=False, keep=True, reset_state=True, reset_t=True):
    """Weights after each step of ``update(state, g, t) -> dW``, one state per parameter.

    ``t`` counts the steps from 1, and from 1 again after ``reset()`` unless ``reset_t=False``.
    ``shared``: one state for all parameters; ``keep=False``: a fresh state at every step;
    ``reset_state=False``: ``reset()`` keeps the states.
    """
    ws = [w.copy() for w in w0]
    states = [{} for _ in ws]
    path, t = [], 0
    with np.errstate(all="ignore"):
        for k, gs in enumerate(grads):
            if (k == _RESET_AFTER and reset_state) or not keep:
                states = [{} for _ in ws]
            t = 1 if k == _RESET_AFTER and reset_t else t + 1
            for i, g in enumerate(gs):
                ws[i] = ws[i] + update(states[0] if shared else states[i], g, t)
            path.append([w.copy() for w in ws])
    return path


def _judge(student, rights, wrongs, reset_wrongs, ok: str) -> CheckResult:
    """Pass if ``student`` follows one of the ``rights``; else name the first mistake whose path it follows.

    ``wrongs`` are compared on the steps before ``reset()`` (so a mistake is named whatever the
    student's reset does), ``reset_wrongs`` (right steps, wrong reset) on all six.
    """
    if any(_same_path(student, r) for r in rights):
        return CheckResult(True, ok)
    before = slice(0, _RESET_AFTER)
    if any(_same_path(student[before], r[before]) for r in rights):
        for path, hint in reset_wrongs:
            if _same_path(student, path):
                return CheckResult(False, hint)
        return CheckResult(False, f"steps 1 to {_RESET_AFTER} are right, but after reset() the weights differ: "
                                  f"reset() must bring the optimizer back to its state before the first step.")
    for path, hint in wrongs:
        if _same_path(student[before], path[before]):
            return CheckResult(False, hint)
    k = next(i for i in range(_STEPS) if not _same_path(student[i:i + 1], rights[0][i:i + 1]))
    if not np.isfinite(np.concatenate([w.ravel() for w in student[k]])).all():
        return CheckResult(False, f"after step {k + 1} some weights are NaN or infinite: look for a division by "
                                  f"zero or the square root of a negative number.")
    return CheckResult(False, f"the weights first differ from the formula at step {k + 1} (steps before it were "
                              f"right). Compare your update with the formula in the text, term by term.")


def _student_run(cls, kind, w0, grads, **hyper):
    """Build ``cls(**hyper)`` and step it on the weights ``w0`` with the gradients ``grads``:
    (student path, None), or (None, CheckResult) saying why the class could not be built or stepped."""
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        return None, CheckResult(False, f"pass the class itself, a subclass of bl.Optimizer ({kind}), not "
                                        f"{cls!r}: bl.train accepts only Optimizer objects.")
    opt, error = call(lambda: cls(**hyper))
    if error is not None:
        return None, CheckResult(False, f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in hyper.items())}): "
                                        + error.message)
    return _student_path(opt, w0, grads)


@exercise_check
def check_momentum(cls) -> CheckResult:
    """``cls(lr, beta)`` must step V ← βV - η g, W ← W + V, one V per parameter, ``reset()`` clearing it."""
    lr, beta = 0.05, 0.8
    w0, grads = _problem("momentum")

    def rule(form="right", b=beta):
        def update(st, g, t):
            v = st.get("v", 0.0)
            if form == "late":                 # W moves by the old velocity, then V is updated
                st["v"] = b * v - lr * g
                return v
            step = {"right": -lr * g, "sign": lr * g, "no_lr": -g, "ema": -(1 - b) * lr * g}[form]
            st["v"] = b * v + step
            return st["v"]
        return update

    def path(update=None, **kw):
        return _formula_path(w0, grads, update or rule(), **kw)

    wrongs = [
        (path(update=rule("sign")), "the sign is flipped: the weights move uphill. With V = βV - ηg add V "
                                    "(W += V); with V = βV + ηg subtract it (W -= V)."),
        (path(update=rule("late")), "the weights move by the previous velocity V_{t-1} (the seed report's "
                                    "equation): first update V, then add the new V to W."),
        (path(keep=False), "the velocity is not kept between steps: each step starts from V = 0, which is "
                           "plain gradient descent. Keep V in self.state (self.state_for(p, 'v')['v'])."),
        (path(shared=True), "one velocity is shared by all the parameters: keep one per parameter, e.g. "
                            "self.state_for(p, 'v')['v'], or a dict keyed by p.name."),
        (path(update=rule("no_lr")), "the learning rate is missing: V = βV - η g, with η = self.lr."),
        (path(update=rule(b=0.9)), "β is fixed at 0.9: use self.beta (the check passes beta=0.8)."),
        (path(update=rule("ema")), "that is the running-average form V = βV + (1-β) g; this lab's rule (and "
                                   "the seed report's) is V = βV - η g, without the (1-β)."),
        ([[w.copy() for w in w0]] * _STEPS, "step() did not change the weights: update each p.value in place."),
    ]
    reset_wrongs = [(path(reset_state=False), "every step is right, but reset() does not clear the velocity: keep "
                                              "it in self.state, which Optimizer.reset() empties.")]
    rights = [path()]
    student, error = _student_run(cls, "like bl.Momentum", w0, grads, lr=lr, beta=beta)
    if error is not None:
        return report(error)
    ok = f"six steps on three parameters match V ← βV - ηg, W ← W + V (lr={lr}, beta={beta}), reset() included."
    return report(_judge(student, rights, wrongs, reset_wrongs, ok))


@exercise_check
def check_adam(cls) -> CheckResult:
    """``cls(lr, beta1, beta2, eps)`` must step Adam with bias correction, t counted once per step."""
    lr, b1, b2, eps = 0.05, 0.8, 0.9, 1e-2
    w0, grads = _problem("adam")

    def rule(t_of=lambda t: t, fix=(True, True), swap=False, eps_in=False, sign=-1.0, rate=lr,
             square=True, betas=(b1, b2, eps), efficient=False, corrections=None):
        c1_, c2_, e = betas
        k1, k2 = corrections or (c1_, c2_)   # the β of each bias correction

        def update(st, g, t):
            m = st["m"] = c1_ * st.get("m", 0.0) + (1 - c1_) * g
            v = st["v"] = c2_ * st.get("v", 0.0) + (1 - c2_) * (g * g if square else g)
            t = t_of(t)
            c1, c2 = 1 - k1 ** t, 1 - k2 ** t
            if efficient:                      # Kingma & Ba's reordering, α_t = η √c2 / c1, ε added to √v
                return sign * rate * np.sqrt(c2) / c1 * m / (np.sqrt(v) + e)
            if swap:
                c1, c2 = c2, c1
            mh, vh = m / (c1 if fix[0] else 1), v / (c2 if fix[1] else 1)
            return sign * rate * mh / (np.sqrt(vh + e) if eps_in else np.sqrt(vh) + e)
        return update

    def per_parameter():                      # t += 1 inside the loop over the parameters
        count = {"t": 0, "step": 0}

        def t_of(t):
            if t < count["step"]:             # reset() sets t back to 0
                count["t"] = 0
            count["t"], count["step"] = count["t"] + 1, t
            return count["t"]
        return rule(t_of=t_of)

    def path(update=None, **kw):
        return _formula_path(w0, grads, update or rule(), **kw)

    wrongs = [
        (path(rule(fix=(False, False))), "the bias correction is missing: divide m by (1 - β1^t) and v by "
                                         "(1 - β2^t) before the update."),
        (path(rule(fix=(True, False))), "only m is bias-corrected: v̂ = v / (1 - β2^t) as well."),
        (path(rule(fix=(False, True))), "only v is bias-corrected: m̂ = m / (1 - β1^t) as well."),
        (path(rule(swap=True)), "the bias corrections are swapped: m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t)."),
        (path(rule(corrections=(b1, b1))), "both bias corrections use β1: v̂ = v / (1 - β2^t) takes β2, the "
                                           "rate of v's own average."),
        (path(rule(corrections=(b2, b2))), "both bias corrections use β2: m̂ = m / (1 - β1^t) takes β1, the "
                                           "rate of m's own average."),
        (path(per_parameter()), "t is counted per parameter: increment it once per step() call, before the "
                                "loop over the parameters (all parameters share the step number t)."),
        (path(rule(t_of=lambda t: 1)), "t is not incremented: it must count the steps, 1, 2, 3, ..."),
        (path(rule(t_of=lambda t: t - 1)), "t is 0 at the first step (1 - β^0 = 0 divides by zero): "
                                                  "increment t at the start of step(), so it counts from 1."),
        (path(rule(eps_in=True)), "ε is inside the square root: divide by (√v̂ + ε), not √(v̂ + ε)."),
        (path(rule(sign=1.0)), "the sign is flipped: the weights move uphill; W ← W - η m̂ / (√v̂ + ε)."),
        (path(rule(rate=1.0)), "the learning rate is missing: W ← W - η m̂ / (√v̂ + ε), η = self.lr."),
        (path(rule(square=False)), "v must average the squared gradient g², not g."),
        (path(rule(betas=(0.9, 0.999, 1e-8))), "β1, β2 and ε are fixed at their defaults: use self.beta1, "
                                               "self.beta2 and self.eps (the check passes 0.8, 0.9, 0.01)."),
        (path(keep=False), "m and v are not kept between steps: each step starts from zero. Keep them in "
                           "self.state (self.state_for(p, 'm', 'v'))."),
        (path(shared=True), "one m and v are shared by all the parameters: keep them per parameter, e.g. "
                            "self.state_for(p, 'm', 'v'), or a dict keyed by p.name."),
        ([[w.copy() for w in w0]] * _STEPS, "step() did not change the weights: update each p.value in place."),
    ]
    reset_wrongs = [
        (path(reset_t=False), "every step is right, but reset() does not set t back to 0."),
        (path(reset_state=False), "every step is right, but reset() does not clear m and v: call "
                                  "super().reset() in your reset()."),
        (path(reset_state=False, reset_t=False), "every step is right, but reset() changes nothing: it must "
                                                 "clear m and v (super().reset()) and set t back to 0."),
    ]
    rights = [path(), path(rule(efficient=True))]
    student, error = _student_run(cls, "like bl.Adam", w0, grads, lr=lr, beta1=b1, beta2=b2, eps=eps)
    if error is not None:
        return report(error)
    ok = (f"six steps on three parameters match Adam with bias correction (lr={lr}, beta1={b1}, beta2={b2}, "
          f"eps={eps}), reset() included.")
    return report(_judge(student, rights, wrongs, reset_wrongs, ok))
