"""The graded cells' hidden tests really test (issue 20).

* Every graded cell is what tools/hidden_tests.py writes: the visible check from a fresh copy of the
  checks, then a hidden region holding its inputs and expected values as literals, and calling no
  check (so it is not the visible check again).
* Run as nbgrader runs it, each hidden region passes the right answer (the package's own version)
  and fails a slightly wrong one.
* It fails an answer that is right only on the visible check's inputs: a function that memorised
  what the visible check asks passes the check but not the hidden test. So the hidden inputs are
  not the visible ones.
* ``grade.fresh()`` ignores what a cell did to the notebook's checks.
"""
import re
import subprocess
import sys
from importlib import reload
from pathlib import Path

import nbformat
import numpy as np
import pytest

import backprop_lab as bl
import backprop_lab.checks.grading as grading
from backprop_lab import checks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import hidden_tests  # noqa: E402  (tools/ is not a package)
from reference_answers import RIGHT  # noqa: E402  (tests/ is on the path under pytest)


def _grade_cells():
    out = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grading_md = cell.metadata.get("nbgrader", {})
            if grading_md.get("grade") and cell.cell_type == "code":
                out[grading_md["grade_id"]] = cell.source
    return out


CELLS = _grade_cells()


def test_the_graded_cells_are_what_the_tool_writes():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "hidden_tests.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(CELLS) == sorted(hidden_tests.SPECS) and len(CELLS) == 15


@pytest.mark.parametrize("grade_id", sorted(CELLS))
def test_the_hidden_region_holds_its_values_and_calls_no_check(grade_id):
    visible, hidden = CELLS[grade_id].split("### BEGIN HIDDEN TESTS")
    hidden = hidden.split("### END HIDDEN TESTS")[0]
    assert "grade = reload(grading).fresh()" in visible and "assert graded, graded.failure" in visible
    assert "hidden_expected = " in hidden and "np.array(" in hidden
    assert "check_" not in hidden, "the hidden test must not just re-run the visible check"
    assert "assert hidden, hidden.failure" in hidden


def _off(value):
    """``value`` slightly wrong: every array scaled by 1.001 (numbers too)."""
    if isinstance(value, dict):
        return {k: _off(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_off(v) for v in value)
    return np.asarray(value) * 1.001


def _wrong(name):
    right = RIGHT[name]
    if isinstance(right, type):                         # a class: its update or its forward a bit off
        if issubclass(right, bl.Optimizer):
            class Off(right):
                def update(self, w, g, state, lr):       # (Adam would not notice a scaled gradient)
                    return super().update(w, g, state, 1.001 * lr)
            return Off
        class OffLayer(right):
            def forward(self, x):
                return 1.001 * super().forward(x)
        return OffLayer
    if name == "train_step":
        return lambda model, x, y, lr: right(model, x, y, 1.001 * lr)
    if name == "fit":
        return lambda model, x, y, epochs, lr, log_every=None: right(model, x, y, epochs, 1.001 * lr)
    return lambda *args: _off(right(*args))


def _run_hidden(grade_id, name, implementation):
    """Run the graded cell's hidden region with ``implementation`` as the student's; its verdict."""
    hidden = CELLS[grade_id].split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
    hidden = hidden.replace("assert hidden, hidden.failure", "")
    namespace = {"np": np, "grade": reload(grading).fresh(), name: implementation}
    exec(hidden, namespace)
    return namespace["hidden"]


def _name(grade_id):
    return hidden_tests.SPECS[grade_id]()["target"]


@pytest.mark.parametrize("grade_id", sorted(CELLS))
def test_each_hidden_test_passes_the_right_answer_and_fails_a_wrong_one(grade_id):
    name = _name(grade_id)
    assert _run_hidden(grade_id, name, RIGHT[name]), f"{grade_id}: the right answer fails its hidden test"
    assert not _run_hidden(grade_id, name, _wrong(name)), f"{grade_id}: a wrong answer passes its hidden test"


FUNCTIONS = [g for g in sorted(CELLS) if not isinstance(RIGHT[_name(g)], type)
             and _name(g) not in ("train_step", "fit")]


@pytest.mark.parametrize("grade_id", FUNCTIONS)
def test_an_answer_memorised_from_the_visible_check_fails_the_hidden_test(grade_id):
    """A function right only on the inputs the visible check gives passes that check, not the hidden test."""
    name, spec = _name(grade_id), hidden_tests.SPECS[grade_id]()
    right, seen = RIGHT[name], []

    def recording(*args):
        seen.append([a.copy() if isinstance(a, np.ndarray) else a for a in args])
        return right(*args)

    check = getattr(checks, spec["check"])
    assert check(recording)
    arrays_seen = [[a for a in args if isinstance(a, np.ndarray)] for args in seen]

    def memorised(*args):
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        if isinstance(args[0], dict):                  # backward_pass: the cache's arrays
            arrays = list(args[0].values())
        if any(len(s) == len(arrays) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(s, arrays))
               for s in arrays_seen + [list(a[0].values()) for a in seen if isinstance(a[0], dict)]):
            return right(*args)
        return _off(right(*args))

    memorised.__name__ = name
    assert check(memorised), "the memorised answer should pass the visible check"
    assert not _run_hidden(grade_id, name, memorised), f"{grade_id}: hidden inputs are the visible ones"


def test_fresh_ignores_what_a_cell_did_to_the_checks(monkeypatch):
    import backprop_lab.checks as notebook_checks

    monkeypatch.setattr(notebook_checks, "check_sigmoid_derivative", lambda *a, **k: True)
    monkeypatch.setattr(grading, "same", lambda *a, **k: True)
    grade = reload(grading).fresh()
    assert grade is not notebook_checks
    assert grade.check_sigmoid_derivative is not notebook_checks.check_sigmoid_derivative
    assert not grade.check_sigmoid_derivative(lambda x: x * 0)
    assert not grade.same(lambda x: x, (np.ones(2),), np.zeros(2), "f(x)")
    assert sys.modules["backprop_lab.checks"] is notebook_checks and bl.checks is notebook_checks


def test_hidden_literals_are_exact():
    a = np.array([[0.1, 1 / 3], [-2.5e-300, 7.0]])
    assert eval(hidden_tests.literal(a), {"np": np}).tolist() == a.tolist()
    assert re.fullmatch(r"np\.array\(\[\[.*\]\]\)", hidden_tests.literal(a))
