"""What every exercise check shares: the verdict (``CheckResult``), calling the student's function
safely, comparing its answer with the right one and the typical wrong ones, and ``yours_or_package``.

The checks themselves live beside it in ``basics`` (notebooks 1-4, and 10's BCE gradient), ``backprop``
(notebook 3's numerical gradient and whole backward pass), ``optim`` (notebook 9) and ``layers``
(notebook 10); each builds its reply with these.
"""
from __future__ import annotations

import numpy as np


class CheckResult:
    """The verdict of a check: ``passed`` and a ``message`` for the student."""

    def __init__(self, passed: bool, message: str):
        self.passed, self.message = passed, message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return ("✔ Correct! " if self.passed else "✘ Not yet. ") + self.message


def close(a, b):
    """Same shape and the same values to 1e-6 (NaN where ``b`` has NaN counts as equal)."""
    a = np.asarray(a, dtype=float)
    return a.shape == np.shape(b) and np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)


def call(fn, *args):
    """Call the student's function; (result, None) or (None, CheckResult explaining the exception)."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, CheckResult(False, "the function is still the exercise's placeholder: replace the "
                                        "`raise NotImplementedError(...)` line with your code.")
    except Exception as exc:  # the student's code may raise anything; report it, don't crash
        return None, CheckResult(False, f"your function raised {type(exc).__name__}: {exc}. "
                                        f"Check the shapes of your arrays (print them) and try again.")


def verdict(got, right, wrong_answers, ok_message, what):
    """Compare ``got`` with ``right``, then with each (wrong answer, hint) pair."""
    got_arr = np.asarray(got, dtype=float) if got is not None else None
    if got_arr is None:
        return CheckResult(False, f"your function returned None; it should return {what}.")
    if got_arr.shape != np.shape(right):
        for wrong, hint in wrong_answers:
            if got_arr.shape == np.shape(wrong) and np.allclose(got_arr, wrong):
                return CheckResult(False, hint)
        return CheckResult(False, f"{what} should have shape {np.shape(right)}; yours has shape {got_arr.shape}.")
    if close(got_arr, right):
        return CheckResult(True, ok_message)
    for wrong, hint in wrong_answers:
        if close(got_arr, wrong):
            return CheckResult(False, hint)
    err = float(np.max(np.abs(got_arr - right)))
    return CheckResult(False, f"{what} differs from the right answer by up to {err:.3g}. "
                              f"Compare your formula with the one in the text, term by term.")


def report(result: CheckResult) -> CheckResult:
    print(repr(result))
    return result


def yours_or_package(result: CheckResult, yours, package, what: str):
    """``yours`` if its check passed, else ``package``, saying so: the rest of the notebook still runs.

    ``result`` is what the exercise's check returned for ``yours`` (a function or a class the student
    wrote); ``package`` is the package's version of the same thing; ``what`` names it in the note,
    e.g. ``"backward pass"``. In the student version, until the exercise is done, the cells after it
    run on the package's code and say so once.
    """
    if result:
        return yours
    name = getattr(package, "__qualname__", None) or repr(package)
    print(f"Note: your {what} does not pass its check yet, so the cells below use the package's {name} "
          f"instead. Finish the exercise and re-run them to see your own code at work.")
    return package
