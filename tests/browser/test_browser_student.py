"""Notebook 08 the way a student opens it: ``make lab``'s server, the windowed notebook, Run All.

The other browser tests run JupyterLab with every cell kept in the page (``windowingMode: none``),
which makes cells easy to find. A student has JupyterLab's defaults: a windowed notebook, where cells
far from the view are not in the page at all, plus the overrides ``make lab`` installs into the venv
(lab-settings/overrides.json). This test hands out the student version as ``make lab`` does, starts its
own server with ``make lab``'s command line and environment (``backprop_lab.cli.lab_command``: the
student's Jupyter config), runs the notebook from the
Run menu, scrolls to the panel like a person, and moves a slider while the panel trains live.
"""
import re
import shutil
import time
from pathlib import Path

import pytest

import browser_harness as harness

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

NAME = "08_hidden_units.ipynb"


@pytest.fixture(scope="module")
def student_page(browser_requirements, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    work = tmp_path_factory.mktemp("student")
    # What `make lab` serves: the student version, handed out by the same command into a folder of its own.
    from backprop_lab.handout import copy_notebooks

    copy_notebooks(work / "student")
    (work / "server").mkdir()
    server = harness.JupyterLabServer(root_dir=work / "student", work_dir=work / "server",
                                      log_path=work / "jupyter-server.log", repo_root=REPO, settings={},
                                      as_make_lab=True)
    pw = sync_playwright().start()
    browser = page = None
    try:
        server.start()
        browser = pw.chromium.launch(executable_path=browser_requirements, headless=True,
                                     args=harness.CHROMIUM_ARGS, timeout=harness.PAGE_LOAD_TIMEOUT * 1000)
        page = harness.NotebookPage(browser, server, NAME)
        yield page
    finally:
        if page is not None:
            page.close()
        if browser is not None:
            browser.close()
        pw.stop()
        server.stop()
        if server.log_path.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log_path, ARTIFACTS / "jupyter-server-student.log")


def _wait_idle_for(nb, seconds: float, timeout: float):
    """The kernel and the notebook's execution indicator idle for ``seconds`` in a row (Run All done)."""
    deadline, since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        status = nb.page.evaluate("() => { const e = document.querySelector('.jp-NotebookPanel "
                                  ".jp-Notebook-ExecutionIndicator'); return e ? e.dataset.status : null }")
        if status == "idle" and nb.server.kernel_state(NAME) == "idle":
            since = since or time.monotonic()
            if time.monotonic() - since >= seconds:
                return
        else:
            since = None
        time.sleep(0.25)
    raise AssertionError(f"{NAME}: Run All did not finish within {timeout} s")


def _scroll_to_panel(nb):
    """Scroll the notebook with the mouse wheel until the panel's cell is in the page and visible."""
    box = nb.page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer").bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(200):
        if nb.panel.count() and nb.panel.first.is_visible():
            nb.panel.first.scroll_into_view_if_needed()
            return
        nb.page.mouse.wheel(0, 400)
        nb.page.wait_for_timeout(100)
    raise AssertionError("the playground panel never appeared while scrolling through the notebook")


def test_run_all_in_the_windowed_notebook_then_a_slider_trains_live(student_page, record_timing):
    nb = student_page
    nb.navigate().wait_loaded()
    # JupyterLab's own default windowing (4.x: "contentVisibility", off-screen cells are placeholders
    # until idle time and skipped by the browser's rendering), not the other tests' "none"
    tracker = nb.server._api("GET", "/lab/api/settings/@jupyterlab/notebook-extension:tracker")
    mode = tracker["settings"].get("windowingMode", tracker["schema"]["properties"]["windowingMode"]["default"])
    assert mode == tracker["schema"]["properties"]["windowingMode"]["default"] != "none", mode
    assert "windowingMode" not in (tracker.get("raw") or "")

    nb.menu("Run", "Run All Cells")
    _wait_idle_for(nb, 2.0, harness.RUN_ALL_TIMEOUT)
    _scroll_to_panel(nb)
    nb.wait_panel()
    assert nb.status_text().startswith("Accuracy: 100.0%"), nb.status_text()
    assert nb.widget_errors() == []

    units = nb.panel.locator(".bl-hidden-units").first
    handle = units.locator(".noUi-handle")
    nb.record_frames()
    timing = nb.press_key_on(handle, "ArrowRight")            # 10 -> 11 units in the first hidden layer
    record_timing(NAME + " (windowed)", "hidden", "keyboard ArrowRight (10 -> 11)", timing)

    assert units.locator(".widget-readout").inner_text() == "11"
    assert "bl.MLP((2, 11, 10, 1)," in nb.code_text()
    assert re.match(r"Accuracy: [\d.]+% \(\d+/21\)", nb.status_text()), nb.status_text()
    assert len(nb.frames()) >= 2                              # an animation, not one final picture
    assert nb.widget_errors() == []
