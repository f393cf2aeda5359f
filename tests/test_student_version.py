"""The student version of the notebooks (`make student`, nbgrader's release) is a real hand-out.

* every solution region becomes nbgrader's placeholder, which the checks recognise; outputs are
  cleared, and a note at the top says how the hand-out works;
* the exercises add up to well over 60 lines of the student's own code, in at least eight exercises;
* no solution's key line stands, runnable, in a cell before its exercise (the student would only copy);
* every student notebook runs top to bottom with the exercises unfinished.
"""
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from backprop_lab import checks

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("nbgrader_course", ROOT / "tools" / "nbgrader_course.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
# The exercises of issue 11, by nbgrader grade_id: what the student writes.
EXERCISES = {"nb01-exercise-1", "nb01-stable-sigmoid", "nb02-exercise-1", "nb03-numerical-gradient",
             "nb03-mse-grad", "nb03-linear-backward", "nb04-forward-cache", "nb04-backward-pass",
             "nb05-exercise-1", "nb05-fit", "nb11-momentum", "nb11-adam", "nb12-tanh", "nb12-relu",
             "nb13-bce-grad"}


def _solutions():
    """(notebook path, cell index, grade_id, solution lines) for every solution region."""
    out = []
    for path in NOTEBOOKS:
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
                # every region of the cell: a class has one per method
                bodies = [region.split("### END SOLUTION")[0] for region in cell.source.split("### BEGIN SOLUTION")[1:]]
                lines = [line.strip() for body in bodies for line in body.splitlines() if line.strip()]
                out.append((path, i, cell.metadata["nbgrader"]["grade_id"], lines))
    return out


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    pytest.importorskip("nbgrader")
    out = tmp_path_factory.mktemp("student")
    tool.release(out, course=tmp_path_factory.mktemp("course"))
    return out


def test_every_solution_region_is_replaced_and_outputs_cleared(student_dir):
    exercises = 0
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(student_dir / path.name, as_version=4)
        if tool.is_exercise_notebook(original):      # the hand-out note, then the notebook cell for cell
            note = student.cells.pop(1)
            assert note.cell_type == "markdown" and note.source.startswith("> **Student version:")
        assert len(student.cells) == len(original.cells)
        for before, after in zip(original.cells, student.cells):
            if after.cell_type != "code":
                written = before.metadata.get("nbgrader", {}).get("solution")
                # a written answer (model answer and rubric) becomes nbgrader's placeholder, all of it
                assert after.source == ("YOUR ANSWER HERE" if written else before.source)
                continue
            assert after.outputs == [] and after.execution_count is None
            assert "BEGIN SOLUTION" not in after.source and "HIDDEN TESTS" not in after.source
            if "### BEGIN SOLUTION" in before.source:
                exercises += 1
                assert before.metadata["nbgrader"]["solution"] is True
                assert "raise NotImplementedError()" in after.source
                for region in before.source.split("### BEGIN SOLUTION")[1:]:
                    solution, rest = region.split("### END SOLUTION")
                    for line in solution.strip().splitlines():
                        assert line.strip() == "" or line not in after.source
                    assert rest.split("### BEGIN SOLUTION")[0].strip() in after.source
    assert exercises == len(_solutions())


def test_the_exercises_are_the_students_own_backprop():
    found = {gid: lines for _, _, gid, lines in _solutions()}
    assert EXERCISES <= set(found), f"missing exercises: {EXERCISES - set(found)}"
    assert len(found) >= 8                                 # issue 11: at least eight exercises in all
    total = sum(len(lines) for lines in found.values())
    assert total > 60, f"the students write only {total} lines"
    print(f"{len(found)} exercises, {total} solution lines")


def _normal(line):
    return re.sub(r"\s+", "", line.split("#")[0])


def test_no_solution_is_runnable_code_before_its_exercise(student_dir):
    for path, index, gid, lines in _solutions():
        student = nbformat.read(student_dir / path.name, as_version=4)
        # the hand-out note shifts the cells by one
        earlier = [c.source for c in student.cells[:index + 1] if c.cell_type == "code"]
        earlier_lines = {_normal(line) for source in earlier for line in source.splitlines()}
        key_lines = [line for line in lines if len(_normal(line)) >= 12]
        for line in key_lines:
            assert _normal(line) not in earlier_lines, f"{path.name} ({gid}): '{line}' already runs in an earlier cell"


def test_instructions_do_not_claim_a_solution_is_there():
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert "holds one working solution" not in cell.source, path.name
                assert "### BEGIN SOLUTION" not in cell.source, path.name     # nbgrader would stop there


def test_the_checks_recognise_the_placeholder(student_dir):
    nb = nbformat.read(student_dir / "01_sigmoid.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.source.startswith("def sigmoid_derivative"))
    namespace = {"bl": __import__("backprop_lab"), "checks": checks}
    exec(source.split("result =")[0], namespace)
    result = checks.check_sigmoid_derivative(namespace["sigmoid_derivative"])
    assert not result and "replace the `raise NotImplementedError" in result.message


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if "### BEGIN SOLUTION" in p.read_text()], ids=lambda p: p.name)
def test_the_hand_out_runs_top_to_bottom_with_the_exercises_unfinished(path, student_dir):
    """Every cell runs (the checks say "Not yet" and the notebook goes on with the package's versions);
    the only errors are the graded cells', each failing with its check's message, never a bare
    AssertionError and never a traceback from inside the package."""
    code = ("import json, sys, nbformat, nbclient\n"
            "nb = nbformat.read(sys.argv[1], as_version=4)\n"
            "nbclient.NotebookClient(nb, timeout=300, kernel_name='python3', allow_errors=True).execute()\n"
            "out = [dict(graded=bool(c.metadata.get('nbgrader', {}).get('grade')), ename=o.ename, evalue=o.evalue,"
            " frames='\\n'.join(o.traceback)) for c in nb.cells if c.cell_type == 'code'"
            " for o in c.outputs if o.output_type == 'error']\n"
            "print(json.dumps(out))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(student_dir / path.name)], cwd=student_dir,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    errors = json.loads(proc.stdout.strip().splitlines()[-1])
    graded = sum(bool(c.metadata.get("nbgrader", {}).get("grade"))      # a written answer runs nothing
                 for c in nbformat.read(student_dir / path.name, as_version=4).cells if c.cell_type == "code")
    assert [e for e in errors if not e["graded"]] == [], "an ungraded cell failed"
    assert len(errors) == graded, errors
    for e in errors:
        assert e["ename"] == "AssertionError" and e["evalue"].startswith("✘ your "), e
        assert "replace the `raise NotImplementedError" in e["evalue"], e
        assert "backprop_lab/checks" not in e["frames"], "a traceback from inside the package"


def test_the_hand_out_command_makes_the_same_student_version(student_dir, tmp_path):
    """`backprop-lab notebooks` (no nbgrader) and `make student` (nbgrader's release) give a student the
    same notebooks: the same cells with the same sources, cell for cell."""
    from backprop_lab.handout import copy_notebooks

    copy_notebooks(tmp_path)
    for path in NOTEBOOKS:
        ours = nbformat.read(tmp_path / path.name, as_version=4)
        theirs = nbformat.read(student_dir / path.name, as_version=4)
        assert [(c.cell_type, c.source) for c in ours.cells] == [(c.cell_type, c.source) for c in theirs.cells], \
            path.name


def test_a_second_release_keeps_a_students_edit(student_dir, tmp_path_factory, capsys):
    mine = tmp_path_factory.mktemp("student-edited")    # a copy of the release, to edit
    for path in NOTEBOOKS:
        shutil.copyfile(student_dir / path.name, mine / path.name)
    student_dir = mine
    edited = student_dir / "04_backward_pass.ipynb"
    nb = nbformat.read(edited, as_version=4)
    nb.cells[-1].source += "\n# my note"
    nbformat.write(nb, edited)
    before = edited.read_bytes()
    report = tool.release(student_dir, course=tmp_path_factory.mktemp("course-again"))
    assert edited.read_bytes() == before
    assert "04_backward_pass.ipynb" in report.skipped and len(report.skipped) == len(NOTEBOOKS)
    assert "kept 13 file(s) already there" in capsys.readouterr().out


def _leaks(folder):
    """Every solution line of 16 or more characters (whitespace and comment removed) that appears
    anywhere in a notebook of ``folder``: in any cell's source, code or markdown, or in its outputs."""
    found = []
    for path in NOTEBOOKS:
        nb = nbformat.read(folder / path.name, as_version=4)
        texts = [c.source for c in nb.cells] + [json.dumps(c.get("outputs", []), ensure_ascii=False)
                                                for c in nb.cells if c.cell_type == "code"]
        text = re.sub(r"\s+", "", "\n".join(texts))
        for _, _, gid, lines in _solutions():
            for line in lines:
                key = _normal(line)
                if len(key) >= 16 and key in text:
                    found.append(f"{path.name} shows {gid}'s line '{line}'")
    return found


def test_no_solution_line_is_readable_anywhere_in_the_nbgrader_release(student_dir):
    """Issue 21: a student reading the hand-out (any notebook, any cell, code or prose) finds no line
    of any solution; what the notebooks show is a description or pseudo-code."""
    assert _leaks(student_dir) == []


def test_no_solution_line_is_readable_anywhere_in_the_copied_hand_out(tmp_path):
    from backprop_lab.handout import copy_notebooks

    copy_notebooks(tmp_path / "hand-out")
    assert _leaks(tmp_path / "hand-out") == []
