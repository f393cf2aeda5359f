"""The lab's notebooks as they travel with the package, and copying them into a student's folder.

A wheel carries the ten notebooks as package data (``backprop_lab/notebooks/``, put there by
``setup.py`` at build time from the repository's ``notebooks/``); a source checkout reads the
repository's ``notebooks/`` directly. ``copy_notebooks`` hands them out without ever replacing a file
that is already there: an edited notebook is the student's work.

>>> report = copy_notebooks("backprop-lab")      # doctest: +SKIP
>>> report.copied, report.skipped                 # doctest: +SKIP
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

# Notebook 1 is where the lab starts; `backprop-lab lab` and `make lab` open it.
FIRST_NOTEBOOK = "01_sigmoid.ipynb"
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
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        notebooks = [name for name in self.copied if name.endswith(".ipynb")]
        others = [name for name in self.copied if not name.endswith(".ipynb")]
        lines = [f"copied {len(notebooks)} notebook(s)" + (f" and {', '.join(others)}" if others else "")
                 + f" into {self.dest}"]
        if self.skipped:
            lines.append(f"kept {len(self.skipped)} file(s) already there, untouched (your work is never "
                         "replaced; --force replaces them): " + ", ".join(self.skipped))
        if notebooks:
            lines.append(f"start with {self.dest / FIRST_NOTEBOOK}")
        return "\n".join(lines)


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


def copy_notebooks(dest, force: bool = False, source: Path | None = None) -> CopyReport:
    """Copy the notebooks (and ``EXTRA_FILES``) into the folder ``dest``, creating it if needed.

    A file already in ``dest`` is kept and listed in ``report.skipped``, unless ``force`` is True.
    Copying a folder onto itself (a checkout's own ``notebooks/``) copies nothing and skips nothing.
    """
    dest = check_destination(dest)
    files = notebook_files(source)
    report = CopyReport(dest=dest)
    if dest.is_dir() and files and dest.resolve() == files[0].parent.resolve():
        return report
    dest.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = dest / path.name
        if target.exists() and not force:
            report.skipped.append(path.name)
            continue
        shutil.copyfile(path, target)
        report.copied.append(path.name)
    return report
