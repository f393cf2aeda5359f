"""What every exercise check shares: the verdict (``CheckResult``), calling the student's function
safely, comparing its answer with the right one and the typical wrong ones, and ``yours_or_package``.

Whatever the student's code returns, raises or loops, a check ends with a named verdict:
``call`` runs it under a time limit (``TIME_LIMIT`` seconds), on copies of the inputs, and names an
input the function changed in place; ``as_array`` turns any return value into a float array or a
verdict saying what came back instead (None, a string, a tuple, a generator, complex numbers...).

The checks themselves live beside it in ``sigmoid`` (notebook 1), ``basics`` (notebooks 2, 3 and 5, and
13's BCE gradient), ``backprop`` (notebook 3's numerical gradient, notebook 4's whole backward pass),
``optim`` (notebook 11) and ``layers`` (notebook 12); each builds its reply with these.
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import html
import re
import signal
import threading
import weakref

import numpy as np

# Seconds a student's function may run inside a check before the check gives up on it; a check
# called with ``timeout=`` uses that instead, for every call it makes.
TIME_LIMIT = 5.0
_timeout = contextvars.ContextVar("timeout", default=None)


class CheckResult:
    """The verdict of a check: ``passed``, a ``message`` for the student, and the ``subject`` checked
    (the student's function or class name, for ``failure``).

    Shown in a notebook as a coloured box (green ✔ / red ✘) with the same text as its plain form, which
    nbval and nbgrader compare; ``failure`` is the message a graded cell fails with."""

    def __init__(self, passed: bool, message: str, subject: str | None = None):
        self.passed, self.message, self.subject = bool(passed), str(message), subject

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return ("✔ Correct! " if self.passed else "✘ Not yet. ") + self.message

    @property
    def failure(self) -> str:
        """``✘ your <subject>: <message>``, the text of a failed graded cell's AssertionError."""
        return f"✘ your {self.subject or 'answer'}: {self.message}"

    def _repr_html_(self):
        colour, background = ("#1b5e20", "#e8f5e9") if self.passed else ("#b71c1c", "#ffebee")
        text = html.escape(repr(self))
        text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)         # `code` as the text writes it
        return (f'<div class="bl-verdict" style="border-left: 4px solid {colour}; background: {background}; '
                f'color: {colour}; padding: 4px 10px; margin: 2px 0; font-family: var(--jp-ui-font-family, '
                f'sans-serif)">{text}</div>')


class CheckTimeout(BaseException):
    """Raised inside a student's function that ran past the time limit. A BaseException, so that an
    ``except Exception`` in the student's loop cannot swallow it."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise ``CheckTimeout`` in the running code after ``seconds`` (a real-time alarm, SIGALRM).

    Only where a signal can be delivered: the main thread of a Unix process, which is where a Jupyter
    kernel runs cells. Elsewhere (Windows, a worker thread) the code runs without a limit."""
    usable = (seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def alarm(signum, frame):
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def current_limit() -> float:
    """The time limit, in seconds, of the student's code in the check now running: its ``timeout=``,
    or ``TIME_LIMIT``."""
    return _timeout.get() or TIME_LIMIT


def _snapshot(value):
    try:
        return copy.deepcopy(value)
    except Exception:       # an object that cannot be copied is not checked for changes
        return None


def _changed(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return not (isinstance(after, np.ndarray) and after.shape == before.shape
                    and np.array_equal(after, before, equal_nan=True))
    if isinstance(before, dict):
        return not isinstance(after, dict) or before.keys() != after.keys() or any(
            _changed(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return (not isinstance(after, (list, tuple)) or len(before) != len(after)
                or any(_changed(a, b) for a, b in zip(before, after)))
    return False


def call(fn, *args, names: tuple[str, ...] | None = None, timeout: float | None = None, keep_inputs: bool = True):
    """Call the student's ``fn(*args)``: ``(result, None)``, or ``(None, CheckResult)`` naming what went
    wrong: the placeholder still there, an exception, no return within ``timeout`` seconds
    (``TIME_LIMIT`` by default), or, with ``keep_inputs``, an argument changed in place (``names``
    gives the arguments' names for that message; arrays, lists and dicts are compared with a copy
    taken before the call). A check whose function is meant to change an input passes
    ``keep_inputs=False`` and judges the change itself."""
    subject = getattr(fn, "__name__", None)
    if subject in (None, "<lambda>"):
        subject = None
    limit = timeout if timeout is not None else current_limit()
    before = [_snapshot(a) if keep_inputs else None for a in args]
    try:
        with time_limit(limit):
            got = fn(*args)
    except NotImplementedError:
        return None, CheckResult(False, "the function is still the exercise's placeholder: replace the "
                                        "`raise NotImplementedError(...)` line with your code.", subject)
    except CheckTimeout:
        return None, CheckResult(False, f"your function did not return within {limit:g} s (an endless loop?). "
                                        "Check that every loop ends: a `while` needs its condition to "
                                        "become false.", subject)
    except RecursionError:
        return None, CheckResult(False, "your function calls itself without end (RecursionError): it "
                                        "probably calls itself instead of the package's function.", subject)
    except Exception as exc:  # the student's code may raise anything; report it, don't crash
        return None, CheckResult(False, f"your function raised {type(exc).__name__}: {exc}. "
                                        f"Check the shapes of your arrays (print them) and try again.", subject)
    for i, (old, new) in enumerate(zip(before, args)):
        if old is not None and _changed(old, new):
            name = names[i] if names and i < len(names) else f"number {i + 1}"
            return None, CheckResult(False, f"your function changed its input `{name}` in place. Compute "
                                            f"new arrays instead (y = x * 2, not x *= 2), so the caller's "
                                            f"`{name}` stays as it was.", subject)
    return got, None


def as_array(got, what: str, shape: tuple | None = None):
    """``(array, None)`` with ``got`` as a float array, or ``(None, CheckResult)`` saying what the
    function returned instead of ``what`` (and, with ``shape``, that the shape is wrong)."""
    kind = type(got).__name__
    if got is None:
        return None, CheckResult(False, f"your function returned None; it should return {what} "
                                        "(is a `return` missing?).")
    if isinstance(got, (str, bytes, dict, set)) or hasattr(got, "__next__") or callable(got):
        return None, CheckResult(False, f"your function returned a {kind}; it should return {what} as a "
                                        "NumPy array.")
    if isinstance(got, tuple):
        return None, CheckResult(False, f"your function returned a tuple of {len(got)} values; it should "
                                        f"return {what} alone, one array.")
    try:
        with np.errstate(all="ignore"):
            raw = np.asarray(got)
            if raw.dtype.kind in "USMmV":      # text, dates, raw bytes: numbers only by accident
                return None, CheckResult(False, f"your function returned an array of {raw.dtype} values, not "
                                                f"numbers; it should return {what} as an array of floats.")
            if np.iscomplexobj(raw):
                return None, CheckResult(False, f"your function returned complex numbers; {what} is real "
                                                "(did a square root or a power of a negative number creep in?).")
            arr = raw.astype(float)
    except Exception as exc:
        return None, CheckResult(False, f"your function returned a {kind} that is not an array of numbers "
                                        f"({type(exc).__name__}: {exc}); it should return {what}.")
    if shape is not None and arr.shape != tuple(shape):
        return None, CheckResult(False, f"{what} should have shape {tuple(shape)}; yours has shape {arr.shape}.")
    return arr, None


def as_parts(got, names: tuple[str, ...]):
    """``(tuple, None)`` if ``got`` is a tuple or list of ``len(names)`` values, else ``(None, CheckResult)``
    asking for them by name and saying what came back instead (None, a generator, two values...)."""
    count = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(len(names), str(len(names)))
    wanted = f"return {count} arrays, in this order: ({', '.join(names)})"
    if isinstance(got, (tuple, list)):
        if len(got) == len(names):
            return tuple(got), None
        return None, CheckResult(False, f"{wanted}; you returned {len(got)} values.")
    return None, CheckResult(False, f"{wanted}; you returned {describe(got)}.")


def describe(got) -> str:
    """What came back, for a message: ``None``, ``one array of shape (3, 4)``, ``a str``, ``a generator``..."""
    if got is None:
        return "None"
    if isinstance(got, np.ndarray):
        return f"one array of shape {got.shape}"
    name = type(got).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def close(a, b):
    """Same shape and the same values to 1e-6 (NaN where ``b`` has NaN counts as equal)."""
    try:
        a = np.asarray(a, dtype=float)
    except Exception:
        return False
    return a.shape == np.shape(b) and np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)


def verdict(got, right, wrong_answers, ok_message, what):
    """Compare ``got`` with ``right``, then with each (wrong answer, hint) pair."""
    got_arr, problem = as_array(got, what)
    if problem is not None:
        return problem
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
    with np.errstate(all="ignore"):
        err = float(np.nanmax(np.abs(got_arr - right))) if np.isfinite(got_arr).all() else float("nan")
    if not np.isfinite(err):
        return CheckResult(False, f"{what} holds NaN or infinite values where the right answer is finite: "
                                  "look for a division by zero or an overflowing exp.")
    return CheckResult(False, f"{what} differs from the right answer by up to {err:.3g}. "
                              f"Compare your formula with the one in the text, term by term.")


# The last verdict of each student function or class checked (weakly held, so nothing is kept alive):
# what ``yours_or_package`` reads. It survives a reload of this module (the checks a graded cell
# uses are a separate copy, see grading.py, and never write here).
_RECORD = globals().get("_RECORD", weakref.WeakKeyDictionary())


def report(result: CheckResult) -> CheckResult:
    """Show ``result`` (a coloured box in a notebook, its text elsewhere) and return it."""
    from IPython.display import display
    display(result)
    return result


def exercise_check(check):
    """Make ``check(yours, ...)`` an exercise check: whatever happens inside it, it returns a
    ``CheckResult`` (an error of the check itself, e.g. on an object it cannot compare, becomes a
    named ✘ verdict, never a traceback), names its subject (``yours.__name__``), and records the
    verdict on ``yours`` for ``yours_or_package``. ``timeout=`` (seconds) sets the time limit of
    every call of the student's code in it (default ``TIME_LIMIT``)."""
    @functools.wraps(check)
    def run(yours, *args, timeout: float | None = None, **kwargs):
        token = _timeout.set(timeout)
        try:
            result = check(yours, *args, **kwargs)
        except (Exception, CheckTimeout) as exc:
            result = report(CheckResult(False, f"the check could not judge what your code gave back "
                                               f"({type(exc).__name__}: {exc}); look at what it returns."))
        finally:
            _timeout.reset(token)
        if not isinstance(result, CheckResult):
            result = report(CheckResult(bool(result), "(no message)"))
        if result.subject is None:
            result.subject = getattr(yours, "__name__", None)
        try:
            _RECORD[yours] = result.passed
        except TypeError:          # not weakly referenceable (a builtin): nothing to remember
            pass
        return result
    return run


def passed_before(checked) -> bool | None:
    """The last verdict ``report`` recorded on ``checked``: True, False, or None if never checked."""
    try:
        return _RECORD.get(checked)
    except TypeError:
        return None


def yours_or_package(yours, package, what: str):
    """``yours`` if its last check passed, else ``package``, saying so: the rest of the notebook still runs.

    ``yours`` is the function or class the student wrote; ``package`` is the package's version of the
    same thing; ``what`` names it in the note, e.g. ``"backward pass"``. The verdict is the one the
    exercise's check recorded on ``yours``: a check that failed, timed out or never ran (the cell was
    stopped) all mean the package's version, and so does a function redefined since its check.
    """
    if passed_before(yours):
        return yours
    name = getattr(package, "__qualname__", None) or repr(package)
    reason = "has not been checked since you last ran its cell" if passed_before(yours) is None else \
        "does not pass its check yet"
    print(f"Note: your {what} {reason}, so the cells below use the package's {name} "
          f"instead. Finish the exercise and re-run them to see your own code at work.")
    return package
