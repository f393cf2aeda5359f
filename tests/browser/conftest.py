"""Fixtures of the browser tests: one JupyterLab server, one headless Chromium, the notebooks run once.

How a session goes:

1. ``browser_requirements``: Chromium (``/usr/bin/chromium`` or ``$BACKPROP_LAB_CHROMIUM``) and
   Playwright present? If not, every browser test is skipped with a message saying how to enable
   them, or fails if ``BACKPROP_LAB_BROWSER=required`` (CI sets it).
2. ``lab_server``: ``notebooks/`` is copied to a temporary directory (JupyterLab's autosave and
   checkpoints never touch the repository; the tmp copy is outside the repository, so nbval never
   collects it), plus a small generated notebook for the divergence test; ``jupyter lab`` serves it.
3. ``notebooks``: each notebook opens in its own browser context and gets Run → Run All Cells; the
   runs go in parallel (one kernel each) and the fixture returns once all of them finished, so the
   control-to-redraw timings are measured on an otherwise idle kernel.
4. The tests move controls like a person and time each redraw (``record_timing``). The timings are
   printed at the end of the run (terminal summary) and written to ``artifacts/timings.json``.

Artifacts (git-ignored) go to tests/browser/artifacts/: timings, panel screenshots, the server log,
and a screenshot of every notebook page when a test fails.
"""
from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import time
from pathlib import Path

import pytest

import browser_harness as harness

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOKS = ("07_learning_rate.ipynb", "08_hidden_units.ipynb", harness.DIVERGENCE_NOTEBOOK, harness.PAUSE_NOTEBOOK)

TIMINGS: list[dict] = []   # filled by record_timing, printed by pytest_terminal_summary
RUNS: list[dict] = []      # per notebook: page load (to kernel idle) and Run All, in seconds


# --------------------------------------------------------------------------------------------------
# Session: requirements, server, browser, notebooks run
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_requirements():
    return harness.require_browser()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# The server, the browser and the pages are released right after the last test that uses them (see
# pytest_runtest_teardown below), not at the end of the whole session: a plain `pytest` goes on to
# run the unit tests and every notebook under nbval, which need neither. Each fixture registers its
# clean-up here as soon as there is something to clean up; closing is idempotent.
_SHARED = contextlib.ExitStack()
_LAST_BROWSER_TEST = None


def _close_shared():
    _SHARED.close()


@pytest.fixture(scope="session")
def lab_server(browser_requirements, tmp_path_factory, artifacts):
    work = tmp_path_factory.mktemp("jupyterlab")
    root = work / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    harness.write_panel_notebook(root / harness.DIVERGENCE_NOTEBOOK)
    harness.write_panel_notebook(root / harness.PAUSE_NOTEBOOK, harness.PAUSE_SETTINGS, controls=None,
                                      title="a long run to pause, every control")
    (work / "server").mkdir()
    server = harness.JupyterLabServer(root_dir=root, work_dir=work / "server", log_path=work / "jupyter-server.log",
                                      repo_root=REPO)
    _SHARED.callback(lambda: server.log_path.exists() and shutil.copyfile(server.log_path,
                                                                          artifacts / "jupyter-server.log"))
    _SHARED.callback(server.stop)
    server.start()
    yield server
    _close_shared()


@pytest.fixture(scope="session")
def browser(browser_requirements):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    _SHARED.callback(pw.stop)
    b = pw.chromium.launch(executable_path=browser_requirements, headless=True, args=harness.CHROMIUM_ARGS,
                           timeout=harness.PAGE_LOAD_TIMEOUT * 1000)
    _SHARED.callback(b.close)
    yield b
    _close_shared()


@pytest.fixture(scope="session")
def notebooks(lab_server, browser):
    """{name: NotebookPage}: every notebook opened and run (in parallel); ``NotebookPage.ready()``
    raises a notebook's own failure in its own tests."""
    pages, failures = {}, {}
    for name in NOTEBOOKS:
        pages[name] = nb = harness.NotebookPage(browser, lab_server, name)
        _SHARED.callback(nb.close)
    for name, nb in pages.items():   # start loading all of them, then wait for each
        try:
            nb.navigate()
        except Exception as exc:
            failures[name] = exc
    for name, nb in pages.items():
        if name not in failures:
            try:
                nb.wait_loaded()
                nb.start_run_all()
            except Exception as exc:
                failures[name] = exc
    for name, nb in pages.items():
        if name not in failures:
            try:
                nb.wait_run_all()
            except Exception as exc:
                failures[name] = exc
    for name, nb in pages.items():
        nb.failure = failures.get(name)
        RUNS.append({"notebook": name, "load_s": nb.load_seconds and round(nb.load_seconds, 1),
                     "run_all_s": nb.run_seconds and round(nb.run_seconds, 1), "ok": nb.failure is None})
    yield pages
    _close_shared()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    global _LAST_BROWSER_TEST
    # The browser tests that start a Playwright of their own (the student's `make lab`) run after every
    # test of the shared pages, which are closed after the last of them: two sync Playwrights cannot
    # run in one thread. (A stable sort: everything else keeps its order.)
    items.sort(key=lambda item: "/browser/" in item.nodeid.replace("\\", "/")
               and "notebooks" not in getattr(item, "fixturenames", ()))
    users = [item.nodeid for item in items if "notebooks" in getattr(item, "fixturenames", ())]
    _LAST_BROWSER_TEST = users[-1] if users else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if item.nodeid == _LAST_BROWSER_TEST:
        _close_shared()


# --------------------------------------------------------------------------------------------------
# Timings
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def record_timing(request):
    def record(notebook: str, control: str, gesture: str, timing: dict, **extra):
        TIMINGS.append({"test": request.node.name, "notebook": notebook, "control": control, "gesture": gesture,
                        **timing, **extra})
    return record


def _timings_table() -> list[str]:
    lines = [f"{'notebook':28} {'control':10} {'gesture':34} {'event->src':>10} {'event->load':>11} {'wall':>6}"]
    notes = {}
    for t in TIMINGS:
        if t.get("to_src_ms") is None:        # a measurement without times (e.g. a width): its text only
            lines.append(f"{t['notebook']:28} {t['control']:10} {t['gesture']}")
            continue
        mark = ""
        if t.get("what"):                     # columns that mean something else for this row, said once below
            mark = " " + "*" * (list(notes).index(t["what"]) + 1 if t["what"] in notes else len(notes) + 1)
            notes.setdefault(t["what"], mark.strip())
        lines.append(f"{t['notebook']:28} {t['control']:10} {t['gesture']:34} {t['to_src_ms']:>7.0f} ms "
                     f"{t['to_loaded_ms']:>8.0f} ms {t['wall_s']:>5.2f}s{mark}")
    lines.extend(f"  {mark} {what}" for what, mark in notes.items())
    if RUNS:
        lines.append("notebooks run in parallel, one kernel each (page load to idle kernel; Run All Cells):")
        lines.extend(f"  {r['notebook']:28} load {r['load_s']} s; run all {r['run_all_s']} s" for r in RUNS)
    return lines


def pytest_sessionfinish(session):
    _close_shared()
    if not (TIMINGS or RUNS):
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": platform.machine(),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "what": "control gesture (keydown / pointerup / change) -> plot <img> src changed / PNG loaded, "
                    "measured in the page with performance.now(); wall: Python-side, from before the gesture",
            "timings": TIMINGS, "notebook_runs": RUNS}
    (ARTIFACTS / "timings.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (ARTIFACTS / "timings.txt").write_text("\n".join(_timings_table()) + "\n", encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    terminalreporter.section("backprop-lab browser: control change -> plot redraw")
    for line in _timings_table():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(written to {ARTIFACTS.relative_to(REPO)}/timings.json; "
                                "recorded, not asserted: machines are noisy)")


# --------------------------------------------------------------------------------------------------
# A screenshot of every open notebook page when a browser test fails
# --------------------------------------------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.bl_failed = report.failed


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    yield
    if not getattr(request.node, "bl_failed", False) or "notebooks" not in request.fixturenames:
        return
    try:
        pages = request.getfixturevalue("notebooks")
    except Exception:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, nb in pages.items():
        try:
            nb.page.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}-{Path(name).stem}.png"),
                               full_page=True)
        except Exception:
            pass
