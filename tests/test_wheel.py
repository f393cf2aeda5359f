"""The package as users get it: a built wheel, installed (not editable) in a fresh virtual environment.

`make setup` installs the package in editable mode, which reads this checkout; a wheel is what
`pip install .`, `pip install git+...`, a JupyterHub image or Colab gets. So this file builds the
sdist and the wheel (the wheel from the sdist, as `python -m build` does), checks that the wheel holds
every module of the tree and the notebooks, installs it with only what executing a notebook needs
(ipykernel, nbclient) into a new venv, and from a folder outside the checkout:

* imports the package and checks that it came from the venv's site-packages;
* builds a playground;
* hands out the notebooks with `backprop-lab notebooks DIR` (the student version), twice (an edited
  notebook survives), and with `--solutions` (the reference, byte for byte);
* executes notebook 08 (the playground notebook) as copied, in a kernel of that venv;
* tries the command's wrong uses.

The venv's packages come from pip's cache after `make setup` (about 20 s); the whole file takes
about a minute.
"""
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backprop_lab"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def run(cmd, cwd, check=True, **kwargs):
    """Run ``cmd`` without this checkout on PYTHONPATH (nothing may leak into the fresh venv)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and the wheel built from this checkout by `python -m build` (wheel from the sdist)."""
    pytest.importorskip("build", reason="needs the `build` package: `make setup` installs the test extra")
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=out)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, f"expected one wheel and one sdist in {sorted(out.iterdir())}"
    return wheels[0], sdists[0]


@pytest.fixture(scope="module")
def env(dist, tmp_path_factory):
    """A fresh venv with the wheel installed (plus ipykernel and nbclient), and a work folder outside
    the checkout: (python, backprop-lab script, work folder)."""
    base = tmp_path_factory.mktemp("wheel-venv")
    venv.EnvBuilder(with_pip=True).create(base / "venv")
    bindir = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", ROOT / "constraints.txt",
         dist[0], "ipykernel", "nbclient"], cwd=base)
    work = base / "work"
    work.mkdir()
    return python, bindir / "backprop-lab", work


def tree_files() -> set[str]:
    """Every module and data file of the package in the checkout, as wheel paths."""
    files = set()
    for path in PACKAGE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".json", ".md"):
            files.add(path.relative_to(ROOT).as_posix())
    return files


def test_the_wheel_holds_every_module_and_the_notebooks(dist):
    names = set(zipfile.ZipFile(dist[0]).namelist())
    missing = sorted(tree_files() - names)
    assert not missing, f"the wheel lacks {missing}: check [tool.setuptools] in pyproject.toml"
    assert {"backprop_lab/playground/panel.py", "backprop_lab/cli.py"} <= names   # the finder found them
    shipped = sorted(n.split("/")[-1] for n in names if n.startswith("backprop_lab/notebooks/"))
    assert shipped == sorted(NOTEBOOKS + ["sanitize.cfg"])
    assert len(NOTEBOOKS) == 13
    entry_points = zipfile.ZipFile(dist[0]).read(f"{dist[0].name.split('-')[0]}-{dist[0].name.split('-')[1]}"
                                                 ".dist-info/entry_points.txt").decode()
    assert "backprop-lab = backprop_lab.cli:main" in entry_points


def test_the_test_of_completeness_can_fail(dist, tmp_path):
    """A wheel without the playground subpackage (what `packages = ["backprop_lab"]` built) is caught."""
    cut = tmp_path / "cut.whl"
    with zipfile.ZipFile(dist[0]) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith("backprop_lab/playground/"):
                dst.writestr(item, src.read(item))
    assert "backprop_lab/playground/panel.py" in tree_files() - set(zipfile.ZipFile(cut).namelist())


def test_twine_check_passes_on_the_wheel_and_the_sdist(dist):
    pytest.importorskip("twine", reason="needs twine: `make setup` installs the test extra")
    proc = run([sys.executable, "-m", "twine", "check", "--strict", *dist], cwd=dist[0].parent)
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_installed_package_comes_from_site_packages_and_builds_a_playground(env):
    python, _, work = env
    code = ("import backprop_lab, json, sys\n"
            "from backprop_lab.widgets import playground\n"
            "panel = playground(epochs=100)\n"
            "print(json.dumps({'file': backprop_lab.__file__, 'prefix': sys.prefix,"
            " 'panel': type(panel).__name__}))\n")
    info = json.loads(run([python, "-c", code], cwd=work).stdout.strip().splitlines()[-1])
    package_file = Path(info["file"]).resolve()
    assert "site-packages" in package_file.parts
    assert Path(info["prefix"]).resolve() in package_file.parents
    assert ROOT not in package_file.parents, f"imported from the checkout: {package_file}"
    assert info["panel"] == "Playground"


def test_hand_out_keeps_a_students_edits_and_notebook_08_runs(env):
    python, script, work = env
    out = run([script, "notebooks", "hand"], cwd=work).stdout
    hand = work / "hand"
    assert sorted(p.name for p in hand.glob("*.ipynb")) == NOTEBOOKS
    assert "copied 13 notebook(s)" in out and "student version" in out
    for name in NOTEBOOKS:    # the student version: no solution, no hidden test
        text = (hand / name).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "raise NotImplementedError()" in (hand / "01_sigmoid.ipynb").read_text(encoding="utf-8")
    run([script, "notebooks", "reference", "--solutions"], cwd=work)
    for name in NOTEBOOKS:    # --solutions: byte for byte the repository's notebooks
        assert (work / "reference" / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()

    edited = hand / "04_backward_pass.ipynb"
    edited.write_text(edited.read_text(encoding="utf-8").replace('"cells": [', '"cells": [ ', 1), encoding="utf-8")
    mine = edited.read_bytes()
    again = run([script, "notebooks", "hand"], cwd=work).stdout
    assert edited.read_bytes() == mine, "a second hand-out replaced the student's notebook"
    assert "kept 14 file(s) already there" in again and "04_backward_pass.ipynb" in again
    run([script, "notebooks", "hand", "--force"], cwd=work)
    assert edited.read_bytes() != mine, "--force should replace it"

    # Notebook 08 as handed out, in a kernel of the fresh venv, from the folder it was copied to.
    code = ("import nbformat, nbclient\n"
            "nb = nbformat.read('08_hidden_units.ipynb', as_version=4)\n"
            "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
            "errors = [o for c in nb.cells for o in c.get('outputs', []) if o.get('output_type') == 'error']\n"
            "print('errors:', len(errors))\n")
    proc = run([python, "-c", code], cwd=hand)
    assert "errors: 0" in proc.stdout


def test_python_m_is_the_same_command(env):
    python, script, work = env
    assert run([python, "-m", "backprop_lab", "--version"], cwd=work).stdout == \
        run([script, "--version"], cwd=work).stdout
    assert run([script, "--version"], cwd=work).stdout.strip() == "backprop-lab 0.1.0"


def test_wrong_use_gets_a_message_and_a_non_zero_exit(env):
    _, script, work = env
    (work / "a-file").write_text("not a folder")
    proc = run([script, "notebooks", "a-file"], cwd=work, check=False)
    assert proc.returncode != 0 and "is a file" in proc.stderr
    proc = run([script, "notebooks", "a-file/below"], cwd=work, check=False)
    assert proc.returncode != 0 and "is a file" in proc.stderr
    proc = run([script, "notebok"], cwd=work, check=False)
    assert proc.returncode == 2 and "invalid choice: 'notebok'" in proc.stderr
    proc = run([script], cwd=work, check=False)
    assert proc.returncode == 2 and "required" in proc.stderr
    # The venv has no JupyterLab (the `lab` extra): `lab` says what to install instead of a traceback.
    proc = run([script, "lab", "somewhere"], cwd=work, check=False)
    assert proc.returncode == 2 and "pip install 'backprop-lab[lab]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (work / "somewhere").exists(), "nothing is copied when the lab cannot open"
