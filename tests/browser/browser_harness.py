"""The machinery of the browser tests: find Chromium, run JupyterLab, drive a notebook in it.

Kept apart from the tests so that conftest.py and the test files stay short. Nothing here imports
Playwright at module level: the requirement check must work (and say how to enable the tests) on a
machine without it.

* ``check_requirements(environ)``: is everything there (Chromium, Playwright, JupyterLab with the
  widgets extension)? Returns the Chromium path and the problems found; ``requirement_message``
  turns the problems into the skip / failure text.
* ``JupyterLabServer``: ``jupyter lab`` on 127.0.0.1, a free port, a random token, serving a
  temporary directory, with its settings, workspaces and runtime files in temporary directories
  too (nothing of the user's JupyterLab set-up leaks in, nothing is written to the repository).
  ``stop()`` shuts the server down over its REST API (which also shuts down the kernels), then
  terminates it, then kills it, each step with a timeout.
* ``NotebookPage``: one notebook open in its own browser context, run with Run → Run All Cells,
  and the few things the tests do with the playground panel (arm a redraw timer, wait for the
  redraw, read its texts).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MODE_ENV = "BACKPROP_LAB_BROWSER"        # "required": fail instead of skipping; "off": always skip
CHROMIUM_ENV = "BACKPROP_LAB_CHROMIUM"   # the Chromium to use (default /usr/bin/chromium)
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Playwright cannot download its own browser here; Debian's Chromium is driven instead.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Every wait is bounded (seconds).
SERVER_START_TIMEOUT = 60
PAGE_LOAD_TIMEOUT = 60
KERNEL_READY_TIMEOUT = 60
RUN_ALL_TIMEOUT = 120       # a whole notebook (06 and 07: 15-25 s each, run side by side on 2 cores)
REDRAW_TIMEOUT = 30         # one panel retraining after a control change
ACTION_TIMEOUT = 15         # a click, a key press, a locator appearing
SERVER_STOP_TIMEOUT = 20

VIEWPORT = {"width": 1100, "height": 900}

# The notebook the divergence test drives: written into the temporary copy (never into notebooks/),
# because no control of 06 or 07 makes training diverge (lr=100 on the sigmoid network saturates
# instead). A purely linear network (activation="none": no activation anywhere) on the linear data
# learns at lr=0.01 and diverges at the lr slider's maximum, 100.
DIVERGENCE_NOTEBOOK = "zz_browser_divergence.ipynb"
DIVERGENCE_CONTROLS = ("lr", "activation")
DIVERGENCE_SETTINGS = {"dataset": "linear", "activation": "none", "lr": 0.01, "epochs": 500, "seed": 0}


# The notebook the Pause and layout tests drive (written into the temporary copy, like the divergence
# one): every control, on a run long enough to click Pause in the middle of (two 32-unit layers,
# 10000 epochs of the spiral: a few seconds), with the neuron maps open as in notebook 08.
PAUSE_NOTEBOOK = "zz_browser_pause.ipynb"
PAUSE_SETTINGS = {"dataset": "spiral", "hidden": (32, 32), "activation": "tanh", "optimizer": "adam",
                  "lr": 0.01, "epochs": 10000, "seed": 0, "neuron_maps": True}


def write_panel_notebook(path: Path, settings=None, controls=DIVERGENCE_CONTROLS, title="a panel that can diverge"):
    """The one-panel notebook of a browser test: ``playground(controls=controls, **settings)``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    args = ", ".join(f"{k}={v!r}" for k, v in (DIVERGENCE_SETTINGS if settings is None else settings).items())
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                               "language": "python"}})
    nb.cells = [new_markdown_cell(f"# Browser test: {title} (written by tests/browser)"),
                new_code_cell("from backprop_lab.widgets import playground"),
                new_code_cell(f"panel = playground(controls={controls!r}, {args})\npanel")]
    nbformat.write(nb, str(path))


# --------------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------------
def browser_mode(environ=os.environ) -> str:
    """'required', 'off' or 'auto' (the default: run if possible, skip otherwise)."""
    value = environ.get(MODE_ENV, "").strip().lower()
    if value in ("required", "require", "1", "yes", "true"):
        return "required"
    if value in ("off", "skip", "0", "no", "false"):
        return "off"
    return "auto"


def check_requirements(environ=os.environ) -> tuple[str | None, list[str]]:
    """(chromium path or None, problems): what the browser tests need and do not have."""
    problems = []
    chromium = environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        if CHROMIUM_ENV not in environ and shutil.which("chromium"):
            chromium = shutil.which("chromium")
        else:
            problems.append(f"Chromium not found at {chromium}")
            chromium = None
    for module, what in (("playwright", "the playwright package"), ("jupyterlab", "JupyterLab"),
                         ("ipywidgets", "ipywidgets"),
                         ("jupyterlab_widgets", "the JupyterLab widgets extension (jupyterlab_widgets)")):
        if importlib.util.find_spec(module) is None:
            problems.append(f"{what} is not installed in {sys.prefix}")
    return chromium, problems


def requirement_message(problems: list[str], mode: str) -> str:
    what = "; ".join(problems)
    how = ("To run them: `apt-get install chromium` (or set BACKPROP_LAB_CHROMIUM=/path/to/chromium) and "
           "`pip install -e '.[lab,test]'` (playwright, jupyterlab); `make setup` does the pip part.")
    if mode == "required":
        return f"browser tests required ({MODE_ENV}=required) but cannot run: {what}. {how}"
    return (f"browser tests skipped: {what}. {how} "
            f"Set {MODE_ENV}=required to make this a failure instead of a skip.")


def require_browser(environ=os.environ) -> str:
    """The Chromium path; or skip the calling test (fail it if BACKPROP_LAB_BROWSER=required)."""
    import pytest

    mode = browser_mode(environ)
    if mode == "off":
        pytest.skip(f"browser tests skipped: {MODE_ENV}=off")
    chromium, problems = check_requirements(environ)
    if problems:
        message = requirement_message(problems, mode)
        if mode == "required":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return chromium


# --------------------------------------------------------------------------------------------------
# The JupyterLab server
# --------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# User settings for the test server: every notebook cell attached to the DOM (no virtual
# scrolling, so the panel and every output can be found), no news / update toasts over the page.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


class JupyterLabServer:
    """``jupyter lab`` serving ``root_dir``; its own config, settings and runtime under ``work_dir``."""

    def __init__(self, root_dir: Path, work_dir: Path, log_path: Path, repo_root: Path, settings=None,
                 as_make_lab: bool = False):
        # as_make_lab: start the server with the command line and environment of `make lab`
        # (backprop_lab.cli.lab_command: the student's Jupyter config, notebook 1 as the start page).
        self.as_make_lab = as_make_lab
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.log_path = Path(log_path)
        self.repo_root = Path(repo_root)
        # User settings (``LAB_SETTINGS`` by default); ``{}`` leaves JupyterLab's defaults, with only the
        # environment's own overrides (what ``make lab`` installs into the venv), as a student has them.
        self.settings = LAB_SETTINGS if settings is None else settings
        self.token = secrets.token_hex(24)
        self.port = None
        self.proc = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query) -> str:
        """The browser URL of ``path`` (e.g. "lab/tree/x.ipynb"), with the token; ``reset=True`` adds ?reset."""
        parts = [f"token={self.token}"] + [k if v is True else f"{k}={v}" for k, v in query.items()]
        return f"{self.base_url}/{path.lstrip('/')}?{'&'.join(parts)}"

    def _env(self) -> dict:
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("JUPYTER_RUNTIME_DIR", "runtime")):
            path = self.work_dir / sub
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        for rel, content in self.settings.items():
            path = self.work_dir / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(content), encoding="utf-8")
        # The kernels import backprop_lab from this checkout even if it is not pip-installed.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.repo_root), env.get("PYTHONPATH")) if p)
        env.pop("MPLBACKEND", None)  # the notebooks use the inline backend
        if self.as_make_lab:
            from backprop_lab.cli import lab_command

            env.update(lab_command(self.root_dir)[1])
        return env

    # A safety net if this process is killed before its clean-up runs: idle kernels are culled after
    # 5 minutes, then the idle server shuts itself down.
    SAFETY = ["--MappingKernelManager.cull_idle_timeout=300", "--MappingKernelManager.cull_interval=60",
              "--ServerApp.shutdown_no_activity_timeout=300"]

    def _command(self) -> list[str]:
        test_only = [f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
                     "--ServerApp.port_retries=0", *self.SAFETY]
        if self.as_make_lab:      # make lab's own command line; only the port, token and safety net added
            from backprop_lab.cli import lab_command

            return lab_command(self.root_dir, port=self.port)[0] + test_only
        cmd = [sys.executable, "-m", "jupyterlab",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.terminals_enabled=False", *test_only]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def start(self, attempts: int = 3):
        env = self._env()
        self._log = open(self.log_path, "ab")
        last = ""
        for _ in range(attempts):  # a port picked free can be taken before the server binds it
            self.port = free_port()
            self.proc = subprocess.Popen(self._command(), cwd=self.work_dir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last = self.log_tail()
                    break
                if self._api("GET", "/api/status", timeout=2) is not None:
                    return self
                time.sleep(0.25)
            else:
                self.stop()
                raise RuntimeError(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s; log:\n"
                                   f"{self.log_tail()}")
        raise RuntimeError(f"jupyter lab exited at start ({attempts} attempts); log:\n{last}")

    def _api(self, method: str, path: str, timeout: float = 5):
        """The JSON answer of a REST call, or None if the server does not answer."""
        req = urllib.request.Request(self.base_url + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read()
        except (urllib.error.URLError, OSError):
            return None
        return json.loads(body) if body else {}

    def sessions(self) -> list:
        return self._api("GET", "/api/sessions") or []

    def kernel_state(self, notebook_path: str) -> str | None:
        """The execution state ("starting", "idle", "busy") of the kernel of ``notebook_path``."""
        for s in self.sessions():
            if s.get("path") == notebook_path and s.get("kernel"):
                return s["kernel"].get("execution_state")
        return None

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def stop(self):
        """Shut down (REST: kernels too), then terminate, then kill; every step bounded."""
        proc, self.proc = self.proc, None
        try:
            if proc is not None and proc.poll() is None:
                self._api("POST", "/api/shutdown", timeout=5)
                try:
                    proc.wait(SERVER_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    proc.terminate()
                    try:
                        proc.wait(SERVER_STOP_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(10)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None


# --------------------------------------------------------------------------------------------------
# A notebook in the browser
# --------------------------------------------------------------------------------------------------
_PROMPTS_JS = r"""() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell')].map(cell => {
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    const errors = [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.innerText).filter(t => /Traceback \(most recent call last\)|^\s*Cell In\[\d+\], line \d+/m.test(t));
    return {prompt: prompt ? prompt.textContent.trim() : '', errors};
})"""

# Arm a timer on the panel: the time of the last `eventType` event (keydown, pointerup, change)
# anywhere on the page, and of the plot image's next src change and load (performance.now(), ms).
_ARM_JS = """(root, eventType) => {
    const img = root.querySelector('.bl-image');
    const rec = {eventType, events: [], srcChangedAt: null, loadedAt: null, src0: img.getAttribute('src')};
    const onEvent = () => rec.events.push(performance.now());
    document.addEventListener(eventType, onEvent, true);
    const observer = new MutationObserver(() => {
        if (rec.srcChangedAt === null && img.getAttribute('src') !== rec.src0) {
            rec.srcChangedAt = performance.now();
            img.addEventListener('load', () => { rec.loadedAt = performance.now(); }, {once: true});
            observer.disconnect();
            document.removeEventListener(eventType, onEvent, true);
        }
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
    window.__blRedraw = rec;
}"""


class NotebookPage:
    """One notebook open in JupyterLab, in its own browser context (own window, own workspace)."""

    def __init__(self, browser, server: JupyterLabServer, name: str):
        self.server = server
        self.name = name
        self.context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        self.context.set_default_timeout(ACTION_TIMEOUT * 1000)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"))
        self.run_started = None
        self.run_seconds = None
        self.failure = None
        self.navigated = None
        self.load_seconds = None

    # ---- opening and running ---------------------------------------------------------------------
    def navigate(self):
        """Start loading JupyterLab on a fresh workspace showing only this notebook (returns at once,
        so that several notebooks load in parallel; ``wait_loaded`` waits)."""
        workspace = re.sub(r"[^A-Za-z0-9]+", "-", Path(self.name).stem)
        self.page.goto(self.server.url(f"lab/workspaces/bl-{workspace}/tree/{self.name}", reset=True),
                       wait_until="commit", timeout=PAGE_LOAD_TIMEOUT * 1000)
        self.navigated = time.monotonic()
        return self

    def wait_loaded(self):
        """The notebook's cells are shown and its kernel is idle."""
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=PAGE_LOAD_TIMEOUT * 1000)
        self.wait_kernel_idle(max(1.0, self.navigated + PAGE_LOAD_TIMEOUT + KERNEL_READY_TIMEOUT - time.monotonic()))
        self.load_seconds = time.monotonic() - self.navigated
        return self

    def wait_kernel_idle(self, timeout: float):
        """The server says the notebook's kernel is idle, and so does the notebook's toolbar."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.kernel_state(self.name) == "idle":
                status = self.page.evaluate("() => { const e = document.querySelector("
                                            "'.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');"
                                            " return e ? e.dataset.status : null }")
                # (at a narrow window the toolbar folds the indicator away: the server's word then)
                if status in ("idle", None):
                    return
            time.sleep(0.25)
        raise AssertionError(f"{self.name}: the kernel was not idle within {timeout} s "
                             f"(server: {self.server.kernel_state(self.name)})")

    def menu(self, top: str, item: str):
        self.page.locator(".lm-MenuBar-itemLabel").get_by_text(top, exact=True).click()
        self.page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()

    def start_run_all(self):
        """Clear every output (so no stored output is mistaken for a fresh one), then Run All Cells."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function("() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell "
                                    ".jp-InputArea-prompt')].every(p => !/\\d/.test(p.textContent))",
                                    timeout=ACTION_TIMEOUT * 1000)
        self.run_started = time.monotonic()
        self.menu("Run", "Run All Cells")

    def wait_run_all(self, timeout: float = RUN_ALL_TIMEOUT):
        """Wait until every code cell has run ([n]: prompts) and the kernel is idle; fail on a traceback."""
        assert self.run_started is not None, "start_run_all() first"
        deadline = self.run_started + timeout
        cells = []
        while time.monotonic() < deadline:
            cells = self.page.evaluate(_PROMPTS_JS)
            errors = [e for c in cells for e in c["errors"]]
            if errors:  # an IPython traceback in an output
                raise AssertionError(f"{self.name}: a cell raised during Run All:\n{errors[0][-3000:]}")
            if cells and all(re.fullmatch(r"\[\d+\]:", c["prompt"]) for c in cells):
                self.wait_kernel_idle(max(1.0, deadline - time.monotonic()))
                self.run_seconds = time.monotonic() - self.run_started
                return
            if cells and not any(c["prompt"] == "[*]:" for c in cells) and time.monotonic() - self.run_started > 5:
                if self.server.kernel_state(self.name) == "idle":  # stopped with cells never run
                    raise AssertionError(f"{self.name}: Run All stopped early; prompts: "
                                         f"{[c['prompt'] for c in cells]}")
            time.sleep(0.5)
        raise AssertionError(f"{self.name}: Run All did not finish within {timeout} s; prompts: "
                             f"{[c['prompt'] for c in cells]}")

    # ---- the playground panel --------------------------------------------------------------------
    @property
    def panel(self):
        return self.page.locator(".bl-playground")

    def wait_panel(self):
        """The panel is shown, with its plot loaded (a decoded PNG) and its accuracy text."""
        panel = self.panel
        panel.wait_for(state="visible", timeout=REDRAW_TIMEOUT * 1000)
        panel.locator(".bl-image").wait_for(state="visible", timeout=REDRAW_TIMEOUT * 1000)
        self.page.wait_for_function(
            "() => { const img = document.querySelector('.bl-playground .bl-image');"
            " return img && img.complete && img.naturalWidth > 0; }", timeout=REDRAW_TIMEOUT * 1000)
        panel.locator(".bl-status").filter(has_text=re.compile(r"\S")).wait_for(timeout=REDRAW_TIMEOUT * 1000)
        return panel

    def page_text(self) -> str:
        return self.page.evaluate("() => document.body.innerText")

    def widget_errors(self) -> list[str]:
        """Every "Error displaying widget" (and a stuck "Loading widget...") on the page."""
        return self.page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
            .map(e => e.innerText.trim())
            .filter(t => t.includes('Error displaying widget') || t === 'Loading widget...')""")

    def image_src(self) -> str:
        return self.panel.locator(".bl-image").get_attribute("src")

    def status_text(self) -> str:
        return self.panel.locator(".bl-status").inner_text().strip()

    def code_text(self) -> str:
        return self.panel.locator(".bl-code pre").inner_text().strip()

    def message(self):
        return self.panel.locator(".bl-message")

    def arm_redraw(self, event_type: str):
        """Start timing: call just before the gesture (event_type: keydown, pointerup or change)."""
        self.panel.evaluate(_ARM_JS, event_type)
        return time.perf_counter()

    def wait_redraw(self, started: float, timeout: float = REDRAW_TIMEOUT) -> dict:
        """Wait for the plot's src to change (then for the PNG to load); return the timings (ms)."""
        self.page.wait_for_function("() => window.__blRedraw && window.__blRedraw.srcChangedAt !== null",
                                    timeout=timeout * 1000)
        wall = time.perf_counter() - started
        self.page.wait_for_function("() => window.__blRedraw.loadedAt !== null", timeout=timeout * 1000)
        rec = self.page.evaluate("() => window.__blRedraw")
        before = [t for t in rec["events"] if t <= rec["srcChangedAt"]]
        assert before, f"no {rec['eventType']} event was seen before the redraw: the gesture did not reach the page"
        t0 = before[-1]
        return {"event": rec["eventType"], "to_src_ms": round(rec["srcChangedAt"] - t0, 1),
                "to_loaded_ms": round(rec["loadedAt"] - t0, 1), "wall_s": round(wall, 3)}

    def press_key_on(self, handle, key: str):
        """Focus ``handle`` (a slider's handle locator), press ``key`` as a person would, wait for the
        redraw and for the run to finish; return the redraw timing."""
        handle.focus()
        started = self.arm_redraw("keydown")
        self.page.keyboard.press(key)
        timing = self.wait_redraw(started)
        self.wait_settled()
        return timing

    def wait_settled(self, timeout: float = REDRAW_TIMEOUT):
        """After a redraw: the live run has finished (the panel drops its ``bl-running`` class when the
        final frame is drawn) and the kernel is idle."""
        self.page.locator(".bl-playground:not(.bl-running)").wait_for(timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)

    def record_frames(self):
        """Start recording every change of the plot image's src (performance.now(), ms) in the page."""
        self.panel.evaluate("""root => {
            const img = root.querySelector('.bl-image');
            const rec = {changes: [], src0: img.getAttribute('src')};
            new MutationObserver(() => rec.changes.push(performance.now()))
                .observe(img, {attributes: true, attributeFilter: ['src']});
            window.__blFrames = rec;
        }""")

    def frames(self) -> list:
        """The times (ms, performance.now()) of the src changes recorded since ``record_frames``."""
        return self.page.evaluate("() => window.__blFrames.changes")

    # ---- the window: size, sidebar, where the panel's parts are -----------------------------------
    def set_window(self, width: int, height: int):
        """Resize the browser window (the viewport) and wait until JupyterLab has laid the page out
        again (two animation frames after the resize)."""
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        self.panel.scroll_into_view_if_needed()

    def sidebar_open(self) -> bool:
        """Whether the left sidebar shows the file browser (JupyterLab's default on a fresh workspace)."""
        return self.page.locator("#filebrowser").is_visible()

    def boxes(self, selector: str) -> list:
        """The bounding boxes (x, y, width, height; px, relative to the panel's top-left corner, so
        scrolling does not change them) of every element matching ``selector`` in the panel, in page order."""
        return self.panel.evaluate("""(root, selector) => {
            const r0 = root.getBoundingClientRect();
            return [...root.querySelectorAll(selector)].map(e => {
                const r = e.getBoundingClientRect();
                return [Math.round(r.x - r0.x), Math.round(r.y - r0.y), Math.round(r.width), Math.round(r.height)];
            });
        }""", selector)

    def ready(self):
        """For a test: this notebook's Run All succeeded, and its panel is shown (scrolled into view)."""
        import pytest

        if self.failure is not None:
            pytest.fail(f"{self.name}: {self.failure}", pytrace=False)
        self.panel.scroll_into_view_if_needed()
        self.wait_panel()
        return self

    def close(self):
        try:
            self.context.close()
        except Exception:  # the browser may already be gone
            pass
