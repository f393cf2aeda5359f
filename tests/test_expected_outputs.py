"""Every exercise shows an expected output on a small fixed example (issue 21), and the text is right.

The exercise text of each of the 15 exercises ends with a block

    **Expected output** on a small example, to compare with before you run the check:
    ```python
    <setup lines>
    <one expression>
    ```
    gives `<numbers>` (and `<numbers>`)

written as text, so a student can compare before any check runs. This test runs the block with the
package's reference in place of the student's code and compares every printed number with what it
gives (to the digits shown), so the text cannot drift from the reference.
"""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from reference_answers import RIGHT

import backprop_lab as bl

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXAMPLE = re.compile(r"\*\*Expected output\*\*[^\n]*\n```python\n(?P<code>.*?)\n```\ngives (?P<out>[^\n]*)", re.S)
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


# The reference, under the names the students write (its numerical gradient is the package's own).
REFERENCE = {**RIGHT, "numerical_gradient": bl.numerical_gradient}


def run_example(code):
    """What the example's last line gives with the reference: setup lines run, the last one evaluated."""
    *setup, last = code.strip().splitlines()
    namespace = {"np": np, "bl": bl, **REFERENCE}
    exec("\n".join(setup), namespace)
    return eval(last, namespace)


def _flat(value):
    if isinstance(value, (tuple, list)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.asarray(value, dtype=float).ravel()


def as_text(value):
    """How the notebooks print an expected output: each array (or number) rounded, in backticks."""
    if isinstance(value, tuple):
        return " and ".join(as_text(v) for v in value)
    if np.ndim(value) == 0:
        return f"`{float(value):.4f}`"
    text = np.array2string(np.asarray(value, dtype=float), precision=4, suppress_small=True, separator=", ")
    return "`" + re.sub(r"\s+", " ", text) + "`"


def _examples():
    out = []
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                out += [(path.name, m["code"], m["out"]) for m in EXAMPLE.finditer(cell.source)]
    return out


EXAMPLES = _examples()


def test_every_exercise_has_an_expected_output():
    shown = {name for _, code, _ in EXAMPLES for name in REFERENCE if re.search(rf"\b{name}\(", code)}
    assert shown == set(REFERENCE), f"no expected output for {set(REFERENCE) - shown}"


@pytest.mark.parametrize("notebook, code, out", EXAMPLES,
                         ids=[f"{n}:{c.splitlines()[-1][:40]}" for n, c, _ in EXAMPLES])
def test_the_printed_expected_output_is_the_references(notebook, code, out):
    got = _flat(run_example(code))
    printed = np.array([float(v) for v in NUMBER.findall(out)])
    assert printed.shape == got.shape, \
        f"{notebook}: the text shows {printed.size} numbers, the example gives {got.size}"
    # each number to the digits shown: 4 decimals, or 4 significant figures for small ones
    assert np.allclose(printed, got, rtol=1e-3, atol=6e-5), \
        f"{notebook}: shows {out}, the reference gives {as_text(run_example(code))}"
