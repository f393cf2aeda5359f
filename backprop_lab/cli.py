"""The ``backprop-lab`` command (also ``python -m backprop_lab``): hand out the notebooks, open the lab.

    backprop-lab notebooks [DIR] [--force] [--solutions]   copy the thirteen notebooks into DIR (default ./backprop-lab)
    backprop-lab lab [DIR] [--port N] [--solutions]        copy them if needed, then open JupyterLab on notebook 1
    backprop-lab --version

The notebooks handed out are the student version (the exercises to do); ``--solutions`` gives the
reference, every exercise solved. A notebook already in DIR is never replaced (``--force`` does).

``lab`` serves on 127.0.0.1 only, with a login token (open the URL it prints). It shows students the
lab without nbgrader's instructor panels (Formgrader, Create Assignment, Course List), which an
environment with nbgrader installed would otherwise offer; ``--instructor`` shows them.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from . import __version__
from .handout import FIRST_NOTEBOOK, copy_notebooks

DEFAULT_DIR = "backprop-lab"
# The Jupyter config folder that hides nbgrader's instructor tools from students: labconfig/page_config.json
# disables their JupyterLab plugins, jupyter_server_config.json their server extensions. nbgrader's docs
# give the same list for student installs; Validate and the assignment list stay.
STUDENT_CONFIG = "jupyter_student"
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")


def student_config_dir() -> Path:
    """The folder to put first on ``JUPYTER_CONFIG_PATH`` for a student's JupyterLab."""
    return Path(str(resources.files("backprop_lab"))) / STUDENT_CONFIG


def lab_command(notebook_dir, port: int | None = None, instructor: bool = False) -> tuple[list[str], dict]:
    """The command line and the environment variables to add that open JupyterLab on ``notebook_dir``
    at notebook 1, on 127.0.0.1 with a token. ``make lab`` and the browser tests use this too, so a
    student's server is the tested one."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={Path(notebook_dir).resolve()}",
           f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}", "--ServerApp.ip=127.0.0.1"]
    if port is not None:
        cmd.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:   # Jupyter refuses root unless told (containers run as root)
        cmd.append("--allow-root")
    env = {}
    if not instructor:
        paths = [str(student_config_dir()), os.environ.get("JUPYTER_CONFIG_PATH", "")]
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in paths if p)
    return cmd, env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-lab", description="Back-propagation from scratch: hand out the notebooks, open the lab.")
    parser.add_argument("--version", action="version", version=f"backprop-lab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{notebooks,lab}", required=True)
    solutions = {"action": "store_true", "help": "the reference notebooks, every exercise solved, instead of "
                                                    "the student version"}
    nb = commands.add_parser("notebooks", help="copy the thirteen notebooks into DIR (files already there are kept)")
    nb.add_argument("dir", nargs="?", default=DEFAULT_DIR, metavar="DIR", help=f"default: ./{DEFAULT_DIR}")
    nb.add_argument("--force", action="store_true", help="replace notebooks already in DIR (their edits are lost)")
    nb.add_argument("--solutions", **solutions)
    lab = commands.add_parser("lab", help="copy the notebooks into DIR if needed, then open JupyterLab there")
    lab.add_argument("dir", nargs="?", default=DEFAULT_DIR, metavar="DIR", help=f"default: ./{DEFAULT_DIR}")
    lab.add_argument("--port", type=int, default=None, help="the port (default: 8888, or the next free one)")
    lab.add_argument("--solutions", **solutions)
    lab.add_argument("--instructor", action="store_true",
                     help="show nbgrader's instructor panels (Formgrader, Create Assignment, Course List)")
    return parser


def _copy(dest, force: bool, solutions: bool) -> int:
    try:
        report = copy_notebooks(dest, force=force, solutions=solutions)
    except OSError as err:          # a file as DIR, no write permission, a full disk...
        print(f"backprop-lab: {err}", file=sys.stderr)
        return 2
    if report.copied or report.skipped:
        print(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "notebooks":
        return _copy(args.dir, args.force, args.solutions)
    # lab
    if importlib.util.find_spec("jupyterlab") is None:
        print("backprop-lab lab needs JupyterLab, which is not installed here: pip install 'backprop-lab[lab]' "
              "(or open the notebooks from `backprop-lab notebooks DIR` in a Jupyter you already have)",
              file=sys.stderr)
        return 2
    status = _copy(args.dir, force=False, solutions=args.solutions)
    if status:
        return status
    cmd, env = lab_command(args.dir, port=args.port, instructor=args.instructor)
    try:
        return subprocess.call(cmd, env={**os.environ, **env})
    except KeyboardInterrupt:       # Ctrl-C stops the server; JupyterLab has already said goodbye
        return 0


if __name__ == "__main__":
    sys.exit(main())
