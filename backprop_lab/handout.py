"""The lab's notebooks as they travel with the package, and handing them out to a student.

A wheel carries the thirteen notebooks as package data (``backprop_lab/notebooks/``, put there by
``setup.py`` at build time from the repository's ``notebooks/``); a source checkout reads the
repository's ``notebooks/`` directly. These are the reference: every exercise solved between
nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers, with hidden tests and outputs.

``copy_notebooks`` hands out the **student version** by default: ``student_version`` applies what
nbgrader's release does (a solution region becomes ``raise NotImplementedError()``, a written answer
``YOUR ANSWER HERE``; hidden tests, mark schemes, outputs and widget state are removed) and puts a
note on top of each exercise notebook; ``solutions=True`` copies the reference. It never replaces a
file that is already there: an edited notebook is the student's work.

>>> report = copy_notebooks("backprop-lab")      # doctest: +SKIP
>>> report.copied, report.skipped                 # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# Notebook 1 is where the lab starts; `backprop-lab lab` and `make lab` open it.
FIRST_NOTEBOOK = "01_sigmoid.ipynb"
# nbgrader's stubs and markers (its ClearSolutions, ClearHiddenTests and ClearMarkScheme defaults).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
HANDOUT_NOTE = (
    "> **Student version: {n} exercise{s}.** Each exercise cell holds `raise NotImplementedError()` "
    "where your code goes; the text above it says what to write, and the check right after it tells you "
    "whether it is right or which typical mistake it sees. Run the notebook from the top: until an "
    "exercise passes its check, the cells that build on it use the package's own version and say so, "
    "so everything else still runs. The cells marked *Graded* are locked: leave them as they are."
)
# A notebook's written answers (markdown solution cells, graded by hand): what the note says about them.
WRITTEN_NOTE = (
    "Each cell that reads *{stub}* is a written answer: double-click it and replace that text with "
    "your own, a claim and the number or figure above that shows it. Your instructor grades these by hand."
)


def handout_note(exercises: int, written: int = 0) -> str | None:
    """The note put under the title of a student notebook with ``exercises`` code exercises and
    ``written`` written answers (None if it has neither). nbgrader's release gets the same note."""
    if not exercises and not written:
        return None
    note = HANDOUT_NOTE.format(n=exercises, s="" if exercises == 1 else "s") if exercises else ""
    if written:
        what = f"{written} written answer{'' if written == 1 else 's'}"
        head = (note.replace(".** ", f" and {what}.** ", 1) if note
                else f"> **Student version: {what}.**")
        note = head + " " + WRITTEN_NOTE.format(stub=TEXT_STUB)
    return note
# Besides the notebooks: nbval's output sanitizers, so `pytest --nbval` works in a handed-out folder.
EXTRA_FILES = ("sanitize.cfg",)


def notebook_source() -> Path:
    """The folder the notebooks are copied from: the installed package's ``notebooks/`` (a wheel), else
    the repository's ``notebooks/`` beside the package (a source checkout, e.g. ``make setup``'s editable
    install). Raises ``FileNotFoundError`` saying how to get them if neither exists."""
    packaged = Path(str(resources.files("backprop_lab"))) / "notebooks"
    checkout = Path(__file__).resolve().parent.parent / "notebooks"
    for folder in (packaged, checkout):
        if any(folder.glob("[0-9][0-9]_*.ipynb")):
            return folder
    raise FileNotFoundError(
        f"no notebooks found in {packaged} or {checkout}: this installation of backprop_lab was built "
        "without them; reinstall from a wheel or the repository (pip install 'backprop-lab @ git+...')")


def notebook_files(source: Path | None = None) -> list[Path]:
    """The files handed out: the numbered notebooks in order, then ``EXTRA_FILES`` that exist."""
    source = notebook_source() if source is None else Path(source)
    extras = [source / name for name in EXTRA_FILES if (source / name).is_file()]
    return sorted(source.glob("[0-9][0-9]_*.ipynb")) + extras


@dataclass
class CopyReport:
    """What ``copy_notebooks`` did: file names ``copied`` (new or, with ``force``, replaced) and
    ``skipped`` (already there, left untouched), and the folder ``dest``."""

    dest: Path
    solutions: bool = False
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        notebooks = [name for name in self.copied if name.endswith(".ipynb")]
        others = [name for name in self.copied if not name.endswith(".ipynb")]
        version = "the reference, solutions included" if self.solutions else "the student version: exercises to do"
        lines = [f"copied {len(notebooks)} notebook(s)" + (f" and {', '.join(others)}" if others else "")
                 + f" into {self.dest} ({version})"]
        if self.skipped:
            lines.append(f"kept {len(self.skipped)} file(s) already there, untouched (your work is never "
                         "replaced; --force replaces them): " + ", ".join(self.skipped))
        if notebooks:
            lines.append(f"start with {self.dest / FIRST_NOTEBOOK}")
        return "\n".join(lines)


def _source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _remove_regions(source: str, begin: str, end: str, stub: str | None) -> tuple[str, bool]:
    """``source`` with every line range from a line containing ``begin`` to one containing ``end``
    replaced by ``stub`` (indented as the ``begin`` line), or removed if ``stub`` is None; and whether
    any region was found. Raises ``ValueError`` on a region that is nested or never ends."""
    out, inside, found = [], False, False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested {begin!r} in a cell:\n{source}")
            inside = found = True
            if stub is not None:
                indent = re.match(r"\s*", line).group(0)
                out.extend(indent + stub_line for stub_line in stub.split("\n"))
        elif end in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{begin!r} without {end!r} in a cell:\n{source}")
    return "\n".join(out), found


def is_exercise_notebook(nb: dict) -> bool:
    """True if the notebook (a JSON dict) has an nbgrader solution cell."""
    return any(c.get("metadata", {}).get("nbgrader", {}).get("solution") for c in nb["cells"])


def student_version(nb: dict) -> dict:
    """The student's copy of a reference notebook (a JSON dict, changed in place and returned), as
    nbgrader's release makes it: solutions replaced by ``CODE_STUB`` (code) or ``TEXT_STUB`` (a written
    answer), hidden tests and mark schemes removed, outputs, execution counts and widget state
    cleared, and ``handout_note`` inserted under the title of a notebook with exercises or written answers."""
    exercises = written = 0
    for cell in nb["cells"]:
        source = _source_text(cell)
        grading = cell.get("metadata", {}).get("nbgrader", {})
        stub = CODE_STUB if cell["cell_type"] == "code" else TEXT_STUB
        source, replaced = _remove_regions(source, "BEGIN SOLUTION", "END SOLUTION", stub)
        if grading.get("solution"):
            exercises += cell["cell_type"] == "code"
            written += cell["cell_type"] == "markdown"
            if not replaced:
                source = stub
        source, _ = _remove_regions(source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", None)
        source, _ = _remove_regions(source, "BEGIN MARK SCHEME", "END MARK SCHEME", None)
        cell["source"] = source
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb.get("metadata", {}).pop("widgets", None)     # stored widget state belongs to the executed version
    if exercises or written:
        note = {"cell_type": "markdown", "id": "student-version-note", "metadata": {},
                "source": handout_note(exercises, written)}
        nb["cells"].insert(1, note)
    return nb


def check_destination(dest) -> Path:
    """``dest`` as a Path, after checking that it can hold the notebooks: not a file, and writable
    (or creatable). Raises ``NotADirectoryError`` / ``PermissionError`` naming ``dest``."""
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"DIR={str(dest)!r} is a file; give a folder (it is created if missing)")
    existing = dest
    while not existing.exists():        # the nearest folder that exists must let us create the rest
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(f"DIR={str(dest)!r}: {existing} is a file, so no folder can be made there")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(f"DIR={str(dest)!r}: {existing} is not writable; choose a folder of your own "
                              "(for example in your home directory)")
    return dest


def place_files(files, dest, force: bool = False, write=shutil.copyfile, solutions: bool = False) -> CopyReport:
    """Write each of ``files`` into the folder ``dest`` under its own name with ``write(path, target)``,
    keeping (and listing as skipped) any file already there unless ``force``. ``dest`` is checked and
    created first. Used by ``copy_notebooks`` and by the instructor's release (tools/nbgrader_course.py)."""
    dest = check_destination(dest)
    report = CopyReport(dest=dest, solutions=solutions)
    if dest.is_dir() and files and dest.resolve() == Path(files[0]).parent.resolve():
        return report
    dest.mkdir(parents=True, exist_ok=True)
    for path in map(Path, files):
        target = dest / path.name
        if target.exists() and not force:
            report.skipped.append(path.name)
            continue
        write(path, target)
        report.copied.append(path.name)
    return report


def write_student_version(path: Path, target: Path):
    """Write the student version of the reference notebook ``path`` to ``target``; other files as they are."""
    if path.suffix != ".ipynb":
        shutil.copyfile(path, target)
        return
    nb = student_version(json.loads(Path(path).read_text(encoding="utf-8")))
    # nbformat's own layout (1-space indent, sorted keys), so Jupyter saves it without a diff
    Path(target).write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def copy_notebooks(dest, force: bool = False, solutions: bool = False, source: Path | None = None) -> CopyReport:
    """Copy the notebooks (and ``EXTRA_FILES``) into the folder ``dest``, creating it if needed: the
    student version (``student_version``), or with ``solutions=True`` the reference as it is.

    A file already in ``dest`` is kept and listed in ``report.skipped``, unless ``force`` is True.
    Copying a folder onto itself (a checkout's own ``notebooks/``) copies nothing and skips nothing.
    """
    write = shutil.copyfile if solutions else write_student_version
    return place_files(notebook_files(source), dest, force=force, write=write, solutions=solutions)
