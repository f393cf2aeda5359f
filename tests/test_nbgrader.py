"""Instructors release and grade the lab with nbgrader, with the README's own commands (issues 12, 20).

One course is built (``tools/nbgrader_course.py course``), released with nbgrader's
``generate_assignment`` and autograded (``nbgrader autograde lab``) for these submissions:

* the release filled with the reference solutions and a written answer of its own in each written-answer
  cell: full marks for every exercise, and its written answers in nbgrader's feedback, left for the
  instructor to grade by hand;
* the untouched release: zero for every exercise, and every notebook still runs to the end;
* the reference with one typical mistake in one exercise: only that exercise's points lost;
* hostile ones, each the reference except one exercise (and only that exercise's notebook submitted):
  a wrong σ′ plus a monkeypatch of the check (and of the grading module); a class named ``checks``
  that passes everything, over a "stable sigmoid" that returns x; an endless loop; a function that
  returns a string. Each gets 0 for that exercise and full marks for the notebook's others, the
  notebook is graded to its end, and the graded cell fails with the check's message.
"""
import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("nbgrader_course", ROOT / "tools" / "nbgrader_course.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

# The typical mistake of the third submission: notebook 3's MSE gradient without its 1/N.
MISTAKE_ID = "nb03-mse-grad"
MISTAKE = ("return 2 * (pred - target) / pred.size", "return 2 * (pred - target)")


def _written_answer(grade_id):
    """What the "full" student writes in the written-answer cell ``grade_id``: a sentence of their own."""
    return f"My answer to {grade_id}: the table above shows it, in my own words."


def _solution_cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


# The hostile submissions: (notebook, grade id of the exercise, the student's whole solution cell).
HOSTILE = {
    "patched": ("01_sigmoid.ipynb", "nb01-exercise-1", """import backprop_lab.checks
import backprop_lab.checks.grading


def sigmoid_derivative(x):
    return x * 0


backprop_lab.checks.check_sigmoid_derivative = lambda *a, **k: True
backprop_lab.checks.grading.fresh = lambda: backprop_lab.checks
backprop_lab.checks.grading.same = lambda *a, **k: True
checks.check_sigmoid_derivative = lambda *a, **k: True
result = checks.check_sigmoid_derivative(sigmoid_derivative)
"""),
    "shadow": ("01_sigmoid.ipynb", "nb01-stable-sigmoid", """def two_branch_sigmoid(x):
    return x


class checks:
    check_stable_sigmoid = staticmethod(lambda *a, **k: True)
    check_sigmoid_derivative = staticmethod(lambda *a, **k: True)
    yours_or_package = staticmethod(lambda yours, package, what: yours)


result = checks.check_stable_sigmoid(two_branch_sigmoid)
"""),
    "endless": ("03_chain_rule.ipynb", "nb03-mse-grad", """def mse_grad(pred, target):
    while True:
        pass


result = checks.check_mse_grad(mse_grad)
"""),
    "string": ("13_vanishing_gradient.ipynb", "nb13-bce-grad", """def bce_grad(pred, target, eps=1e-12):
    return "the gradient"


result = checks.check_bce_grad(bce_grad)
"""),
}


def _submission(course, student, fill, mistake=False, only=None, replace=None):
    """Write ``student``'s submission: the release, with the solution cells taken from the source if
    ``fill`` (and the typical mistake put into one of them if ``mistake``); ``only`` submits one
    notebook, in which ``replace = (grade id, source)`` replaces one solution cell whole."""
    out = course / "submitted" / student / tool.ASSIGNMENT
    out.mkdir(parents=True)
    for path in sorted((course / "release" / tool.ASSIGNMENT).glob("*.ipynb")):
        if only is not None and path.name != only:
            continue
        nb = nbformat.read(path, as_version=4)
        if fill:
            source = _solution_cells(nbformat.read(course / "source" / tool.ASSIGNMENT / path.name, as_version=4))
            for gid, cell in _solution_cells(nb).items():
                cell.source = source[gid].source if cell.cell_type == "code" else _written_answer(gid)
                if mistake and gid == MISTAKE_ID:
                    assert MISTAKE[0] in cell.source
                    cell.source = cell.source.replace(*MISTAKE)
                if replace is not None and gid == replace[0]:
                    cell.source = replace[1]
        nbformat.write(nb, out / path.name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tool.make_course(tmp_path_factory.mktemp("course"))
    students = {"full": dict(fill=True), "empty": dict(fill=False), "mistake": dict(fill=True, mistake=True)}
    for student, (notebook, grade_id, cell) in HOSTILE.items():
        students[student] = dict(fill=True, only=notebook, replace=(grade_id, cell))
    for student, how in students.items():
        tool.nbgrader(course, "db", "student", "add", student)
        _submission(course, student, **how)
    started = time.monotonic()
    tool.nbgrader(course, "autograde", tool.ASSIGNMENT)
    print(f"nbgrader autograde of {len(students)} submissions: {time.monotonic() - started:.0f} s")
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            submission = gb.find_submission(tool.ASSIGNMENT, student)
            scores[student] = {g.name: (g.score, g.max_score) for nb in submission.notebooks for g in nb.grades
                               if student not in HOSTILE or nb.name == HOSTILE[student][0][:-len(".ipynb")]}
    return course, scores


def test_the_release_has_no_solution_code_and_no_hidden_test(graded):
    course, _ = graded
    released = sorted((course / "release" / tool.ASSIGNMENT).glob("*.ipynb"))
    assert [p.name for p in released] == [p.name for p in tool.exercise_notebooks()]
    for path in released:
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        source = nbformat.read(course / "source" / tool.ASSIGNMENT / path.name, as_version=4)
        for cell in source.cells:
            for region in cell.source.split("### BEGIN SOLUTION")[1:]:
                for line in region.split("### END SOLUTION")[0].splitlines():
                    if len(line.strip()) >= 12:
                        assert line.strip() not in text, f"{path.name}: solution line {line.strip()!r} released"
            for region in cell.source.split("### BEGIN HIDDEN TESTS")[1:]:
                for line in region.split("### END HIDDEN TESTS")[0].splitlines():
                    if line.strip():
                        assert line.strip() not in text, f"{path.name}: hidden test {line.strip()!r} released"
            if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
                for line in cell.source.splitlines():          # the model answer and its rubric
                    if len(line.strip()) >= 12:
                        assert line.strip() not in text, f"{path.name}: written answer {line.strip()!r} released"
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "MARK SCHEME" not in text
        solutions = _solution_cells(source).values()
        assert text.count("raise NotImplementedError()") >= sum(c.cell_type == "code" for c in solutions)
        assert text.count("YOUR ANSWER HERE") == sum(c.cell_type == "markdown" for c in solutions)


def test_reference_solutions_get_full_marks(graded):
    _, scores = graded
    tests = {k: v for k, v in scores["full"].items() if k.endswith("-test")}
    assert len(tests) >= 8 and sum(m for _, m in tests.values()) >= 20
    assert all(score == max_score for score, max_score in tests.values()), tests


def test_the_untouched_release_gets_zero_for_every_exercise_and_still_runs_to_the_end(graded):
    course, scores = graded
    tests = {k: v for k, v in scores["empty"].items() if k.endswith("-test")}
    assert tests and all(score == 0 for score, _ in tests.values()), tests
    for path in sorted((course / "autograded" / "empty" / tool.ASSIGNMENT).glob("*.ipynb")):
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in cells), f"{path.name} stopped before its end"


def test_one_typical_mistake_loses_only_that_exercises_points(graded):
    _, scores = graded
    lost = {k: v for k, v in scores["mistake"].items() if k.endswith("-test") and v[0] != v[1]}
    assert list(lost) == [f"{MISTAKE_ID}-test"] and lost[f"{MISTAKE_ID}-test"][0] == 0


def test_points_per_exercise_match_the_readme(graded):
    _, scores = graded
    readme = (ROOT / "README.md").read_text()
    for grade_id, (_, points) in scores["full"].items():
        if grade_id.endswith("-test"):
            exercise = grade_id[:-len("-test")]
            assert re.search(rf"`{exercise}`\s*\|\s*{points:g}\s*\|", readme), f"README: {exercise} {points:g}"


def _written(scores):
    """The written answers' grades: the graded cells that are not a code exercise's test cell."""
    return {k: v for k, v in scores.items() if not k.endswith("-test")}


def test_written_answers_are_left_for_the_instructor_with_the_readmes_points(graded):
    """The lab's discussion (learning rate, hidden units, no activation, and an extra) is graded by hand:
    autograding gives no points for it, and the README lists its points apart from the autograded ones."""
    _, scores = graded
    written = _written(scores["full"])
    assert {"nb07-discussion", "nb08-discussion", "nb09-discussion", "nb10-discussion"} <= set(written), written
    assert set(written) & {"nb11-discussion", "nb12-discussion"}, written
    readme = (ROOT / "README.md").read_text()
    table = readme.split("Points per written answer")[1].split("\n\n")[1]
    for grade_id, (score, points) in written.items():
        assert 2 <= points <= 4 and not score, (grade_id, score, points)
        assert re.search(rf"`{grade_id}`\s*\|\s*{points:g}\s*\|", table), f"README: {grade_id} {points:g}"
    assert f"({sum(p for _, p in written.values()):g} in all)" in readme.split("Points per written answer")[1]


def test_feedback_shows_the_written_answers(graded):
    """The student's own sentences, not the model answer or its rubric, are in nbgrader's feedback."""
    course, scores = graded
    tool.nbgrader(course, "generate_feedback", tool.ASSIGNMENT, "--student", "full")
    for path in tool.exercise_notebooks():
        nb = nbformat.read(path, as_version=4)
        html = (course / "feedback" / "full" / tool.ASSIGNMENT / path.with_suffix(".html").name).read_text(
            encoding="utf-8")
        for gid, cell in _solution_cells(nb).items():
            if cell.cell_type == "markdown":
                assert _written_answer(gid) in html, f"{path.name}: {gid} not in the feedback"
                assert "MARK SCHEME" not in html and "Model answer" not in html, path.name


def _graded_cell(course, student, grade_id):
    path = course / "autograded" / student / tool.ASSIGNMENT / HOSTILE[student][0]
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in cells), f"{student}: {path.name} stopped before its end"
    return next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{grade_id}-test")


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_submissions_lose_that_exercise_only(graded, student):
    course, scores = graded
    notebook, grade_id, _ = HOSTILE[student]
    tests = {k: v for k, v in scores[student].items() if k.endswith("-test")}
    assert tests[f"{grade_id}-test"][0] == 0, f"{student}: {tests}"
    others = {k: v for k, v in tests.items() if k != f"{grade_id}-test"}
    assert all(score == max_score for score, max_score in others.values()), f"{student}: {others}"
    cell = _graded_cell(course, student, grade_id)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "AssertionError", cell.outputs
    assert errors[0].evalue.startswith("✘ your "), errors[0].evalue          # the check's own message
    frames = "\n".join(errors[0].traceback)
    assert "backprop_lab/checks" not in frames, "a traceback from inside the package"


def test_the_checks_say_what_went_wrong(graded):
    course, _ = graded
    expect = {"patched": "σ'(x)", "shadow": "σ(x)", "endless": "did not return within",
              "string": "returned a str"}
    for student, text in expect.items():
        _, grade_id, _ = HOSTILE[student]
        evalue = next(o for o in _graded_cell(course, student, grade_id).outputs if o.output_type == "error").evalue
        assert text in evalue, f"{student}: {evalue}"


def test_an_endless_loop_costs_seconds_not_the_cell_timeout(graded):
    """The checks' own time limit stops the loop, so nbgrader's cell timeout never fires: no cell of
    the graded notebook ends in a timeout, and the notebook is graded to its end."""
    course, _ = graded
    path = course / "autograded" / "endless" / tool.ASSIGNMENT / HOSTILE["endless"][0]
    text = path.read_text(encoding="utf-8")
    assert "did not return within" in text
    assert "CellTimeoutError" not in text and "Timeout waiting for execute reply" not in text
    config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    timeout = int(re.search(r"ExecutePreprocessor.timeout = (\d+)", config).group(1))
    assert timeout <= 60, "one endless exercise may cost at most about a minute per notebook"


def test_feedback_and_validate_show_the_checks_message(graded, tmp_path):
    """What a student receives: nbgrader's feedback HTML, and the Validate button (`nbgrader validate`),
    both carry the check's message, not a bare AssertionError."""
    course, _ = graded
    tool.nbgrader(course, "generate_feedback", tool.ASSIGNMENT, "--student", "string")
    html = (course / "feedback" / "string" / tool.ASSIGNMENT / "13_vanishing_gradient.html").read_text(encoding="utf-8")
    assert "✘ your bce_grad: your function returned a str" in html
    submitted = course / "submitted" / "string" / tool.ASSIGNMENT / "13_vanishing_gradient.ipynb"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(submitted)], cwd=tmp_path,
                               capture_output=True, text=True)
    assert "VALIDATION FAILED" in proc.stdout, proc.stdout[-2000:]
    assert "✘ your bce_grad: your function returned a str" in proc.stdout
