"""Instructors release and grade the lab with nbgrader (issue 12).

One course is built, released with nbgrader's ``generate_assignment`` and autograded for three
submissions: the release filled with the reference solutions (full marks), the untouched release
(zero for every exercise, and every notebook still runs to the end), and the reference solutions with
one typical mistake in one exercise (only that exercise's points lost).
"""
import importlib.util
import re
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


def _solution_cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def _submission(course, student, fill, mistake=False):
    """Write ``student``'s submission: the release, with the solution cells taken from the source if
    ``fill`` (and the typical mistake put into one of them if ``mistake``)."""
    out = course / "submitted" / student / tool.ASSIGNMENT
    out.mkdir(parents=True)
    for path in sorted((course / "release" / tool.ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if fill:
            source = _solution_cells(nbformat.read(course / "source" / tool.ASSIGNMENT / path.name, as_version=4))
            for gid, cell in _solution_cells(nb).items():
                cell.source = source[gid].source
                if mistake and gid == MISTAKE_ID:
                    assert MISTAKE[0] in cell.source
                    cell.source = cell.source.replace(*MISTAKE)
        nbformat.write(nb, out / path.name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tool.make_course(tmp_path_factory.mktemp("course"))
    students = {"full": dict(fill=True), "empty": dict(fill=False), "mistake": dict(fill=True, mistake=True)}
    for student, how in students.items():
        tool.nbgrader(course, "db", "student", "add", student)
        _submission(course, student, **how)
    tool.nbgrader(course, "autograde", tool.ASSIGNMENT)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            submission = gb.find_submission(tool.ASSIGNMENT, student)
            scores[student] = {g.name: (g.score, g.max_score) for nb in submission.notebooks for g in nb.grades}
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
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        assert "raise NotImplementedError()" in text


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
