"""The lab as an nbgrader course: the student release (`make student`) and a course to grade in.

    .venv/bin/python tools/nbgrader_course.py release [OUT] [--force]   # -> student/ (default): the hand-out
    .venv/bin/python tools/nbgrader_course.py course DIR                # an nbgrader course directory to grade in

The exercise notebooks (those with nbgrader cells: solution cells, and locked test cells with points
and hidden tests; or written answers, markdown solution cells graded by hand) form one assignment,
``lab``. nbgrader's own ``generate_assignment`` makes the release: solutions become
``raise NotImplementedError()``, a written answer (model answer and rubric) ``YOUR ANSWER HERE``,
hidden tests and outputs are removed, and the locked cells are checksummed so that grading can tell
if a student changed them. The release then
gets a note at the top of every exercise notebook saying how the hand-out works, and the notebooks
without exercises are copied with their outputs cleared, so ``student/`` holds the whole lab.

A notebook already in OUT is the student's work: it is kept, and the release says which it skipped
(``--force`` replaces them). ``backprop-lab notebooks`` (backprop_lab/handout.py) makes the same
student version without nbgrader; tests/test_student_version.py checks that the two agree.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from backprop_lab.handout import handout_note, is_exercise_notebook, place_files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ASSIGNMENT = "lab"
COURSE_ID = "backprop-lab"


def exercise_notebooks() -> list[Path]:
    return [p for p in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")) if is_exercise_notebook(nbformat.read(p, as_version=4))]


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course``, with this Python's scripts on PATH (nbgrader runs alembic)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {course}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(course: Path) -> Path:
    """An nbgrader course directory at ``course``: its config, and the exercise notebooks as the source
    of the assignment ``lab`` (``source/lab/``), registered in its gradebook."""
    course = Path(course).resolve()
    (course / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    # A cell may run 30 s: the checks stop a student's endless loop themselves after TIME_LIMIT (5 s),
    # so this is the backstop for a loop outside any check (at a cell's top level), and one endless
    # exercise costs well under a minute of autograding per notebook.
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.ExecutePreprocessor.timeout = 30\n")
    for path in exercise_notebooks():
        shutil.copy(path, course / "source" / ASSIGNMENT / path.name)
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def release(out: Path, course: Path | None = None, force: bool = False):
    """The hand-out in ``out``: nbgrader's release of the exercise notebooks, with the note on top,
    and every other notebook with its outputs cleared. Notebooks already in ``out`` are kept unless
    ``force``; returns ``backprop_lab.handout.CopyReport`` (what was copied, what was skipped)."""
    if course is None:
        course = ROOT / "build" / "course"
        shutil.rmtree(course, ignore_errors=True)
    course = make_course(course)
    staging = course / "handout"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        released = course / "release" / ASSIGNMENT / path.name
        nb = nbformat.read(released if released.exists() else path, as_version=4)
        solutions = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
        exercises = sum(c.cell_type == "code" for c in solutions)
        written = len(solutions) - exercises        # markdown answers, graded by hand in the formgrader
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)        # stored widget state belongs to the executed version
        if solutions:
            note = nbformat.v4.new_markdown_cell(handout_note(exercises, written))
            note.id = "student-version-note"
            nb.cells.insert(1, note)
        nbformat.write(nb, staging / path.name)
        print(f"{path.name:32} {exercises} exercise(s), {written} written answer(s)")
    report = place_files(sorted(staging.glob("*.ipynb")), out, force=force)
    print(report)
    return report


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["release"]
    force = "--force" in rest
    rest = [r for r in rest if r != "--force"]
    if command == "release":
        release(Path(rest[0]) if rest else ROOT / "student", force=force)
    elif command == "course" and rest:
        print("course directory:", make_course(Path(rest[0])))
    else:
        sys.exit(__doc__)
