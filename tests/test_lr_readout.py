"""The learning-rate slider's readout (issue 18): plain decimals a person reads (0.79, not 7.9e-1)
between 0.001 and 10⁴, scientific notation beyond, and always the number the panel trains with.

ipywidgets' front end writes the readout with d3-format: ``d3.format(readout_format)(value)``
(``FloatLogSliderView.valueToString``, ipywidgets 8). ``d3_format`` below is that function for the
specifiers the slider uses (``r`` and ``e``; ``g`` and the trim flag as well, to show why they are
not used), transcribed from d3-format 3's source (``formatRounded``, ``formatDecimalParts``,
``formatTrim``; ``e`` and ``g`` are JavaScript's ``toExponential`` and ``toPrecision``) and checked
against d3-format's own test cases first, so the readouts asserted here are what a browser shows,
without a browser.
"""
import re

import pytest
import traitlets

from backprop_lab.playground.controls import LR_PLAIN, LR_RANGE, LR_STEP, lr_readout_format, lr_slider, round_lr
from backprop_lab.widgets import playground


def _to_exponential(x: float, digits: int) -> str:
    """JavaScript's ``x.toExponential(digits)`` for x > 0: "7.9e-1", "1e+2" (no zero-padded exponent).
    (Python rounds an exact tie to even where JavaScript rounds it up; no value here is an exact tie.)"""
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent):+d}"


def _decimal_parts(x: float, p: int):
    """d3's formatDecimalParts(x, p): (the p significant digits without the point, the exponent)."""
    mantissa, exponent = _to_exponential(x, p - 1).split("e")
    return mantissa.replace(".", ""), int(exponent)


def _to_precision(x: float, p: int) -> str:
    """JavaScript's ``x.toPrecision(p)`` for x > 0: scientific when the exponent is below -6 or at least p."""
    coefficient, exponent = _decimal_parts(x, p)
    if exponent < -6 or exponent >= p:
        return _to_exponential(x, p - 1)
    if exponent < 0:
        return "0." + "0" * (-exponent - 1) + coefficient
    return coefficient[:exponent + 1] + ("." + coefficient[exponent + 1:] if exponent + 1 < p else "")


def _rounded(x: float, p: int) -> str:
    """d3's formatRounded (type "r"): decimal notation rounded to p significant digits."""
    coefficient, exponent = _decimal_parts(x, p)
    if exponent < 0:
        return "0." + "0" * (-exponent - 1) + coefficient
    if len(coefficient) > exponent + 1:
        return coefficient[:exponent + 1] + "." + coefficient[exponent + 1:]
    return coefficient + "0" * (exponent - len(coefficient) + 1)


def _trim(s: str) -> str:
    """d3's formatTrim (the "~" flag): drop insignificant trailing zeros of the fraction, and a bare point."""
    mantissa, e, exponent = s.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def d3_format(specifier: str, x: float) -> str:
    """``d3.format(specifier)(x)`` for positive x and the specifiers ``.<p>[~]<type>``, type ``r``, ``e``,
    ``g`` or none (d3: none is ``~g``)."""
    match = re.fullmatch(r"\.(\d+)(~?)([reg]?)", specifier)
    assert match, f"d3_format does not model {specifier!r}"
    p, trim, kind = int(match[1]), match[2] or not match[3], match[3] or "g"
    s = {"r": _rounded, "e": _to_exponential, "g": _to_precision}[kind](x, p)
    return _trim(s) if trim else s


def test_d3_format_model_agrees_with_d3_formats_own_tests():
    # d3-format's test/format-type-r-test.js and README (",.2r" on 4223 is "4,200"; without the comma, 4200)
    assert d3_format(".1r", 0.049) == "0.05"
    assert d3_format(".1r", 0.49) == "0.5"
    assert d3_format(".2r", 0.449) == "0.45"
    assert d3_format(".3r", 0.4449) == "0.445"
    assert d3_format(".3r", 1.0) == "1.00"
    assert d3_format(".3r", 0.9995) == "1.00"
    assert d3_format(".5r", 0.444449) == "0.44445"
    assert d3_format(".1r", 123.45) == "100"
    assert d3_format(".2r", 123.45) == "120"
    assert d3_format(".3r", 123.45) == "123"
    assert d3_format(".2r", 4223) == "4200"
    assert d3_format(".1e", 42) == "4.2e+1"          # JavaScript's (42).toExponential(1)
    assert d3_format(".1e", 7.9e-5) == "7.9e-5"
    # test/format-type-none-test.js (no type: "~g") and the trim flag ("1.50000k" becomes "1.5k")
    assert d3_format(".1", 4.9) == "5" and d3_format(".2", 0.449) == "0.45" and d3_format(".3", 4.9) == "4.9"
    assert d3_format(".5", 1000) == "1000" and d3_format(".5", 21010) == "21010" and d3_format(".1", 42) == "4e+1"
    assert d3_format(".3~r", 1.0) == "1" and d3_format(".2~r", 100) == "100" and d3_format(".1~e", 2e4) == "2e+4"


def test_no_single_specifier_would_do():
    # g switches to scientific by precision, so two digits write 100 as 1e+2, and it stays plain down to 1e-6;
    # ipywidgets refuses the trim flag (its NumberFormat trait predates d3's "~"), so ".2~r" cannot be set.
    assert d3_format(".2", 100.0) == "1e+2" and d3_format(".2", 1e-5) == "0.00001"
    with pytest.raises(traitlets.TraitError):
        lr_slider(1.0).readout_format = ".2~r"


@pytest.mark.parametrize("value, shown", [
    (10 ** -0.1, "0.79"), (10 ** -1.5, "0.032"), (10 ** -0.3, "0.50"), (1.0, "1.0"), (10 ** 0.5, "3.2"),
    (1e-3, "0.0010"), (10 ** -2.9, "0.0013"), (10.0, "10"), (100.0, "100"), (10 ** 3.5, "3200"),
    (10 ** 3.99, "9800"), (10 ** -3.1, "7.9e-4"), (1e-5, "1.0e-5"), (10 ** -4.1, "7.9e-5"), (1e4, "1.0e+4"),
    (10 ** 4.3, "2.0e+4")])
def test_the_readout_is_plain_between_a_thousandth_and_ten_thousand(value, shown):
    assert d3_format(lr_readout_format(value), value) == shown


def test_every_slider_position_reads_as_the_lr_it_trains_with():
    lo, hi = LR_PLAIN
    steps = round((LR_RANGE[1] - LR_RANGE[0]) / LR_STEP)
    for k in range(steps + 1):
        value = 10 ** (LR_RANGE[0] + k * LR_STEP)        # where the front end puts a step: base ** exponent
        text = d3_format(lr_readout_format(value), value)
        assert float(text) == round_lr(value), (value, text)
        assert ("e" in text) == (not lo <= float(text) < hi), (value, text)
        assert len(text) <= 6, (value, text)            # fits the readout box


def test_the_slider_switches_notation_with_its_value():
    slider = lr_slider(1.0)
    assert slider.readout_format == ".2r"
    slider.value = 1e-4
    assert slider.readout_format == ".1e"
    slider.value = 10 ** -0.1
    assert slider.readout_format == ".2r"
    assert lr_slider(1e-5).readout_format == ".1e"


def test_the_panel_trains_with_the_number_the_readout_shows():
    panel = playground(controls=("lr",), epochs=20, lr=1.0)
    slider = panel.controls["lr"]
    slider.value = 10 ** -0.1                               # a step of the slider: 0.7943282...
    assert panel.wait()
    assert d3_format(slider.readout_format, slider.value) == "0.79"
    assert panel.history.config["lr"] == 0.79 and "lr=0.79," in panel.code_text
