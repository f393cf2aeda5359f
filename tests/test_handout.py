"""`backprop-lab notebooks` / `lab` in this environment: copying, never overwriting, clear refusals,
and the JupyterLab that `lab` (and so `make lab`) starts for students and for instructors.

tests/test_wheel.py runs the same command from an installed wheel; here the pieces are tested one by
one, and a real JupyterLab server is started from `lab_command` to read the page configuration a
student's browser receives.
"""
import html
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from backprop_lab import cli
from backprop_lab.handout import (
    FIRST_NOTEBOOK,
    HANDOUT_NOTE,
    TEXT_STUB,
    check_destination,
    copy_notebooks,
    handout_note,
    notebook_files,
    notebook_source,
    student_version,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_checkout_hands_out_its_own_notebooks():
    assert notebook_source().resolve() == (ROOT / "notebooks").resolve()
    assert [p.name for p in notebook_files()] == NOTEBOOKS + ["sanitize.cfg"]
    assert FIRST_NOTEBOOK == NOTEBOOKS[0]


def _cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def test_the_hand_out_is_the_student_version(tmp_path):
    report = copy_notebooks(tmp_path)
    assert "student version" in str(report)
    exercise_notebooks = written_notebooks = 0
    for name in NOTEBOOKS:
        cells, reference = _cells(tmp_path / name), _cells(ROOT / "notebooks" / name)
        text = json.dumps(cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME"):
            assert marker not in text, f"{name}: {marker} in the student version"
        assert all(c.get("outputs", []) == [] for c in cells)
        solutions = [c for c in reference if c["metadata"].get("nbgrader", {}).get("solution")]
        solved = sum(c["cell_type"] == "code" for c in solutions)
        written = len(solutions) - solved               # written answers: markdown, graded by hand
        if solutions:
            exercise_notebooks += 1
            assert cells[1]["source"] == handout_note(solved, written)
            assert text.count("raise NotImplementedError()") >= solved
            assert text.count(TEXT_STUB) >= written
            assert len(cells) == len(reference) + 1
        else:
            assert len(cells) == len(reference)
        written_notebooks += bool(written)
    # 1-5 and 11-13 have code exercises; 7-12 written answers on the lab's discussion
    assert exercise_notebooks == 12 and written_notebooks == 6


def test_student_version_replaces_regions_as_nbgrader_does():
    nb = {"metadata": {"widgets": {"state": 1}}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True}}, "execution_count": 3, "outputs": [1],
         "source": ["def f(x):\n", "    ### BEGIN SOLUTION\n", "    return 2 * x\n", "    ### END SOLUTION\n"]},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True}}, "execution_count": 4, "outputs": [],
         "source": "check(f)\n### BEGIN HIDDEN TESTS\nassert f(1) == 2\n### END HIDDEN TESTS"},
        {"cell_type": "markdown", "metadata": {"nbgrader": {"solution": True}}, "source": "The answer is 42."},
    ]}
    out = student_version(nb)
    assert [c["source"] for c in out["cells"]] == [
        "# Title", handout_note(1, 1),
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n", "check(f)", "YOUR ANSWER HERE"]
    assert handout_note(1, 1).startswith(HANDOUT_NOTE.format(n=1, s="").split(".**")[0] + " and 1 written answer.**")
    assert handout_note(0, 2).startswith("> **Student version: 2 written answers.**") and handout_note(0, 0) is None
    assert out["cells"][2]["outputs"] == [] and out["cells"][2]["execution_count"] is None
    assert "widgets" not in out["metadata"]
    with pytest.raises(ValueError, match="without"):
        student_version({"metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                                    "source": "### BEGIN SOLUTION\nx = 1"}]})


def test_copy_then_copy_again_keeps_edits(tmp_path):
    dest = tmp_path / "new" / "folder"
    first = copy_notebooks(dest, solutions=True)
    assert first.copied == NOTEBOOKS + ["sanitize.cfg"] and first.skipped == []
    assert f"copied {len(NOTEBOOKS)} notebook(s) and sanitize.cfg" in str(first)
    (dest / NOTEBOOKS[0]).write_text("my work", encoding="utf-8")
    (dest / NOTEBOOKS[4]).unlink()                       # a deleted notebook comes back
    second = copy_notebooks(dest, solutions=True)
    assert second.copied == [NOTEBOOKS[4]]
    assert len(second.skipped) == len(NOTEBOOKS) and NOTEBOOKS[0] in second.skipped
    assert (dest / NOTEBOOKS[0]).read_text(encoding="utf-8") == "my work"
    assert "--force" in str(second) and NOTEBOOKS[0] in str(second)
    forced = copy_notebooks(dest, force=True, solutions=True)
    assert len(forced.copied) == len(NOTEBOOKS) + 1 and forced.skipped == []
    assert (dest / NOTEBOOKS[0]).read_bytes() == (ROOT / "notebooks" / NOTEBOOKS[0]).read_bytes()


def test_the_checkouts_folder_onto_itself_copies_nothing():
    report = copy_notebooks(ROOT / "notebooks", force=True)
    assert report.copied == [] and report.skipped == []


def test_a_file_as_dir_is_refused_by_name(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("x")
    with pytest.raises(NotADirectoryError, match=r"DIR='.*notes.txt' is a file"):
        check_destination(f)
    with pytest.raises(NotADirectoryError, match=r"notes.txt is a file, so no folder can be made there"):
        check_destination(f / "below")


def test_an_unwritable_dir_is_refused_by_name(tmp_path, monkeypatch):
    # As root (CI) permission bits do not stop writes, so the check's answer is what is tested.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(PermissionError, match=r"DIR=.*is not writable; choose a folder of your own"):
        check_destination(tmp_path / "lab")


def test_cli_reports_and_refuses(tmp_path, capsys):
    assert cli.main(["notebooks", str(tmp_path / "hand")]) == 0
    assert f"copied {len(NOTEBOOKS)} notebook(s)" in capsys.readouterr().out
    (tmp_path / "file").write_text("x")
    assert cli.main(["notebooks", str(tmp_path / "file")]) == 2
    assert "backprop-lab: DIR=" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["lab", "--port", "many"])
    assert stop.value.code == 2 and "invalid int value: 'many'" in capsys.readouterr().err


def test_lab_command_serves_loopback_on_notebook_one():
    cmd, env = cli.lab_command("notebooks", port=8890)
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8890" in cmd
    assert f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}" in cmd
    assert not any("token" in c.lower() for c in cmd), "the token stays Jupyter's own random one"
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0] == str(cli.student_config_dir())
    _, instructor_env = cli.lab_command("notebooks", instructor=True)
    assert "JUPYTER_CONFIG_PATH" not in instructor_env


def test_student_config_disables_exactly_the_instructor_plugins():
    page = json.loads((cli.student_config_dir() / "labconfig" / "page_config.json").read_text(encoding="utf-8"))
    assert sorted(k for k, v in page["disabledExtensions"].items() if v) == sorted(cli.INSTRUCTOR_PLUGINS)
    nbgrader = pytest.importorskip("nbgrader")
    # The ids are nbgrader's own: each appears in its installed lab extension (a renamed plugin fails here).
    static = Path(nbgrader.__file__).parent / "labextension" / "static"
    bundles = "".join(p.read_text(encoding="utf-8", errors="replace") for p in static.glob("*.js"))
    for plugin in (*cli.INSTRUCTOR_PLUGINS, "@jupyter/nbgrader:validate-assignment",
                   "@jupyter/nbgrader:assignment-list"):
        assert f'"{plugin}"' in bundles, f"nbgrader has no plugin {plugin}"


# --------------------------------------------------------------------------------------------------
# A real server, as `make lab` and `make lab-instructor` start it
# --------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, instructor: bool):
    """Start `lab_command`'s server on a free port with a known token; yield (base URL, token, stop)."""
    pytest.importorskip("jupyterlab")
    port, token = _free_port(), "t" * 32
    cmd, extra = cli.lab_command(ROOT / "notebooks", port=port, instructor=instructor)
    cmd += [f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", "--ServerApp.port_retries=0"]
    env = dict(os.environ, **extra)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[var] = str(tmp_path / var.lower())
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return proc, f"http://127.0.0.1:{port}", token, log


def _get(url: str, token: str):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def _page_config(tmp_path, instructor: bool) -> tuple[dict, int]:
    """The page configuration embedded in /lab, and the HTTP status of nbgrader's formgrader page."""
    proc, base, token, log = _serve(tmp_path, instructor)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
            try:
                status, page = _get(f"{base}/lab", token)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("jupyter lab did not answer within 60 s:\n" + (tmp_path / "server.log").read_text())
        assert status == 200
        m = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
        config = json.loads(html.unescape(m.group(1)))
        formgrader_status, _ = _get(f"{base}/formgrader", token)
        return config, formgrader_status
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_make_lab_hides_nbgraders_instructor_panels_and_lab_instructor_shows_them(tmp_path):
    pytest.importorskip("nbgrader")
    student, student_formgrader = _page_config(tmp_path / "student", instructor=False)
    disabled = set(student["disabledExtensions"])
    assert set(cli.INSTRUCTOR_PLUGINS) <= disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert "@jupyter/nbgrader:assignment-list" not in disabled
    assert student_formgrader == 404, "the formgrader's server extension should be off for students"

    instructor, instructor_formgrader = _page_config(tmp_path / "instructor", instructor=True)
    assert not set(cli.INSTRUCTOR_PLUGINS) & set(instructor["disabledExtensions"])
    assert instructor_formgrader != 404


def test_makefile_lab_targets_use_the_command():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = {name: re.search(rf"^{name}: setup\n\t(.*)$", makefile, re.M).group(1)
              for name in ("lab", "lab-solutions", "lab-instructor")}
    assert "backprop-lab lab student " in target["lab"]
    assert "--solutions" not in target["lab"] and "--instructor" not in target["lab"]
    assert "backprop-lab lab notebooks --solutions" in target["lab-solutions"]
    assert "--instructor" not in target["lab-solutions"]
    assert "backprop-lab lab notebooks --solutions" in target["lab-instructor"]
    assert "--instructor" in target["lab-instructor"]
    clean = re.search(r"^clean:\n\t(.*)$", makefile, re.M).group(1)
    assert "student" not in clean, "make clean must not delete a student's work"


def test_make_lab_twice_keeps_a_students_edit(tmp_path, capsys):
    """`make lab` is `backprop-lab lab student`: the copy step, run twice, keeps the edited notebook."""
    student = tmp_path / "student"
    assert cli.main(["notebooks", str(student)]) == 0
    mine = student / "02_forward_pass.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("YOUR CODE HERE", "my attempt"), encoding="utf-8")
    before = mine.read_bytes()
    assert cli.main(["notebooks", str(student)]) == 0
    assert mine.read_bytes() == before
    assert f"kept {len(NOTEBOOKS) + 1} file(s) already there" in capsys.readouterr().out
