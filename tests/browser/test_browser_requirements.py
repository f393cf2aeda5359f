"""Without Chromium the browser tests skip, saying how to enable them; with BACKPROP_LAB_BROWSER=required they fail.

No browser needed: the gate (``harness.require_browser``, the body of the session fixture every
browser test depends on) is called directly with a Chromium path that does not exist, and one
browser test file is run by pytest in a subprocess under the same condition.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import browser_harness as harness

REPO = Path(__file__).resolve().parents[2]
MISSING = "/nonexistent/chromium"


def test_a_missing_chromium_skips_with_how_to_install_it():
    with pytest.raises(pytest.skip.Exception) as info:
        harness.require_browser({harness.CHROMIUM_ENV: MISSING})
    message = str(info.value)
    assert f"Chromium not found at {MISSING}" in message
    assert "apt-get install chromium" in message and "BACKPROP_LAB_BROWSER=required" in message


def test_a_missing_chromium_fails_when_the_browser_tests_are_required():
    with pytest.raises(pytest.fail.Exception) as info:
        harness.require_browser({harness.CHROMIUM_ENV: MISSING, harness.MODE_ENV: "required"})
    message = str(info.value)
    assert "browser tests required" in message and f"Chromium not found at {MISSING}" in message
    assert "apt-get install chromium" in message


def test_off_skips_even_with_chromium():
    with pytest.raises(pytest.skip.Exception):
        harness.require_browser({harness.CHROMIUM_ENV: sys.executable, harness.MODE_ENV: "off"})


def test_a_missing_playwright_is_reported(monkeypatch):
    real = harness.importlib.util.find_spec
    monkeypatch.setattr(harness.importlib.util, "find_spec", lambda name: None if name == "playwright" else real(name))
    _, problems = harness.check_requirements({harness.CHROMIUM_ENV: sys.executable})
    assert problems == [f"the playwright package is not installed in {sys.prefix}"]
    with pytest.raises(pytest.skip.Exception, match="playwright package is not installed"):
        harness.require_browser({harness.CHROMIUM_ENV: sys.executable})


def test_an_existing_chromium_path_is_used():
    chromium, problems = harness.check_requirements({harness.CHROMIUM_ENV: sys.executable})
    assert chromium == sys.executable
    assert not [p for p in problems if "Chromium" in p]


@pytest.mark.parametrize("value, mode", [("", "auto"), ("required", "required"), ("REQUIRED", "required"),
                                         ("off", "off"), ("whatever", "auto")])
def test_browser_mode(value, mode):
    assert harness.browser_mode({harness.MODE_ENV: value}) == mode


def test_pytest_without_chromium_skips_the_browser_tests():
    env = {k: v for k, v in os.environ.items() if k != harness.MODE_ENV}
    env[harness.CHROMIUM_ENV] = MISSING
    # -p no:nbval: only to start faster (tests/conftest.py then accepts pyproject's --nbval options)
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/browser/test_browser_divergence.py", "-q", "-rs",
                           "-p", "no:cacheprovider", "-p", "no:nbval"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 skipped" in proc.stdout, proc.stdout
    assert "apt-get install chromium" in proc.stdout and "BACKPROP_LAB_BROWSER=required" in proc.stdout
