"""Write the student version of the notebooks: exercise solutions replaced, outputs cleared.

    .venv/bin/python tools/make_student_version.py            # -> student/NN_*.ipynb
    .venv/bin/python tools/make_student_version.py OUT_DIR

In every code cell, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become
``raise NotImplementedError("...")`` at the same indentation (nbgrader's convention, so nbgrader's
own ``generate_assignment`` gives the same result: the cells also carry its solution metadata). The
exercise checks recognise the placeholder and say to replace it. Outputs are cleared, so students
run each notebook themselves. A notebook with exercises gets a first cell that tells the student
how the hand-out works (what to replace, what the checks do, what happens to the cells after an
unfinished exercise).
"""
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.M | re.S)
PLACEHOLDER = r'\1raise NotImplementedError("your code here: replace this line")'


def student_source(source: str) -> str:
    """``source`` with each solution region replaced by the placeholder."""
    return REGION.sub(PLACEHOLDER, source)


HANDOUT_NOTE = (
    "> **Student version: {n} exercise{s}.** Each exercise cell holds "
    "`raise NotImplementedError(\"your code here: replace this line\")` where your code goes; the text "
    "above it says what to write, and the check right after it tells you whether it is right or which "
    "typical mistake it sees. Run the notebook from the top: until an exercise passes its check, the "
    "cells that build on it use the package's own version and say so, so everything else still runs."
)


def student_notebook(nb):
    exercises = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            exercises += len(REGION.findall(cell.source))
            cell.source = student_source(cell.source)
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)          # stored widget state belongs to the executed version
    if exercises:
        note = nbformat.v4.new_markdown_cell(HANDOUT_NOTE.format(n=exercises, s="" if exercises == 1 else "s"))
        nb.cells.insert(1, note)
    return nb


def main(out_dir=None):
    out = Path(out_dir) if out_dir else ROOT / "student"
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        nb = student_notebook(nbformat.read(path, as_version=4))
        nbformat.write(nb, out / path.name)
        exercises = sum("NotImplementedError(\"your code here" in c.source for c in nb.cells if c.cell_type == "code")
        print(f"{path.name:40} {exercises} exercise(s)")


if __name__ == "__main__":
    main(*sys.argv[1:2])
