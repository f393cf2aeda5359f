"""How many digits of a result to print: only those that another computer would print too.

Two computers that run the same notebook add up the same numbers in a different order (another
BLAS kernel, another thread count), so their results differ in the last bits. Most results do not
care, but a run that passes a saddle of the loss amplifies those bits: seed 1 of the lab's XOR network
(GD, lr = 1) reaches 100% after 774, 777, 779 or 780 epochs depending only on the order in which the
21 samples are summed. Printing ``779`` states a digit that is not a property of the network.

``approx(value)`` prints a number to two significant figures; ``mean_pm(mean, std)`` prints a mean
with one significant figure of its spread and the mean to the same decimal place (the usual
"value ± uncertainty" rule). Claims that rest on such numbers are asserted in the notebooks with a
tolerance; ``tests/test_portability.py`` re-runs every notebook with the samples permuted (which changes
only the rounding, as another CPU does) and checks that the printed forms stay the same.
"""
from __future__ import annotations

import math

from .validation import check_positive_int


def _step(value: float, sig: int) -> float:
    """The place value of the last of ``sig`` significant figures of ``value`` (non-zero): 779, 2 -> 10."""
    return 10.0 ** (math.floor(math.log10(abs(value))) - check_positive_int(sig, "sig") + 1)


def _round_to(value: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step``, half away from zero."""
    return math.copysign(math.floor(abs(value) / step + 0.5) * step, value)


def round_sig(value: float, sig: int = 2) -> float:
    """``value`` rounded to ``sig`` significant figures (half away from zero): 779 -> 780, 0.04213 -> 0.042."""
    check_positive_int(sig, "sig")
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value
    return _round_to(value, _step(value, sig))


def _decimals(step: float) -> int:
    """Digits after the point needed to show multiples of ``step`` (a power of ten)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def approx(value, sig: int = 2, never: str = "never") -> str:
    """``value`` to ``sig`` significant figures as text: ``approx(779) == "780"``, ``approx(0.04213) == "0.042"``.

    ``None``, NaN and infinity (e.g. "did not reach 100% within the budget") print as ``never``.
    Large numbers get thousands separators: ``approx(4785) == "4,800"``. A whole number keeps no
    decimals (``approx(3) == "3"``, a count of epochs), a fraction keeps its significant zeros
    (``approx(1.04) == "1.0"``).
    """
    if value is None or not math.isfinite(float(value)):
        return never
    r = round_sig(value, sig)
    if r == 0:
        return "0"
    return f"{r:,.{0 if float(value).is_integer() else _decimals(_step(r, sig))}f}"


def mean_pm(mean: float, std: float, percent: bool = False, sig=None) -> str:
    """``"mean ± std"`` with the std to one significant figure and the mean to the same decimal place.

    ``mean_pm(0.4903, 0.0281) == "0.49 ± 0.03"``; with ``percent=True`` both are fractions shown in
    percent: ``mean_pm(0.775, 0.168, percent=True) == "80% ± 20%"``. A std of zero (or pure rounding noise,
    below 1e-9 of the mean) prints the mean to four significant figures (three in percent) and ``± 0``;
    a std below that precision prints as zero: ``mean_pm(0.24943310, 3e-10) == "0.2494 ± 0"``.

    ``sig`` (an int) prints the mean to that many significant figures instead, whatever the std: for
    runs so sensitive that their mean moves by a good part of the std from one computer to another
    (``mean_pm(0.4952, 0.028, sig=1) == "0.5 ± 0.03"``, as ``0.4903`` does).
    """
    scale, unit = (100.0, "%") if percent else (1.0, "")
    m, s = float(mean) * scale, float(std) * scale
    if not (math.isfinite(m) and math.isfinite(s)):
        return "—"
    if sig is not None:
        return f"{approx(m, sig)}{unit} ± {approx(s, 1) if s > 1e-9 * abs(m) else 0}{unit}"
    zero = f"{approx(m, 3 if percent else 4)}{unit} ± 0{unit}"
    if s <= 1e-9 * abs(m) or s == 0:
        return zero
    s1 = round_sig(s, 1)
    step = 10.0 ** math.floor(math.log10(s1))
    if m != 0:     # never more than four significant figures of the mean (three in percent)
        step = max(step, 10.0 ** (math.floor(math.log10(abs(m))) - (2 if percent else 3)))
    d = _decimals(step)
    s1 = _round_to(s1, step)
    if s1 == 0:                                # the spread is below the mean's last printed digit
        return zero
    m1 = _round_to(m, step)
    return f"{m1:.{d}f}{unit} ± {s1:.{d}f}{unit}"
