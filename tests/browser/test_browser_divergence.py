"""A diverging run in the browser shows the package's divergence message in the panel's message box.

No control of notebooks 07 or 08 makes training diverge (their sigmoid network saturates at the lr
slider's maximum instead), so the session writes a small notebook into its temporary copy of
notebooks/ (``harness.write_panel_notebook``): a panel with controls ("lr", "activation") on the
linear data with activation="none", a purely linear network, at lr=0.01. At lr=100 it diverges.
"""
import re

import pytest

import browser_harness as harness

NAME = harness.DIVERGENCE_NOTEBOOK


@pytest.fixture(scope="module")
def nb(notebooks):
    return notebooks[NAME].ready()


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_panel_learns_at_a_small_learning_rate(nb):
    assert nb.widget_errors() == []
    assert "Error displaying widget" not in nb.page_text()
    assert nb.status_text().startswith("Accuracy:"), nb.status_text()
    assert not nb.message().is_visible()
    assert nb.panel.locator(".bl-control-activation select").input_value() == "none"


def test_lr_at_its_maximum_diverges_and_the_message_says_so(nb, record_timing, artifacts):
    from backprop_lab.widgets import Playground

    # the package's own message for this run, computed here without a browser
    expected = Playground(harness.DIVERGENCE_CONTROLS, **{**harness.DIVERGENCE_SETTINGS, "lr": 100.0}).history
    assert expected.diverged, "the divergence test's settings no longer diverge at lr=100"

    src, status = nb.image_src(), nb.status_text()
    timing = nb.press_key_on(nb.panel.locator(".bl-control-lr .noUi-handle"), "End")
    record_timing(NAME, "lr", "keyboard End (lr 0.01 -> 100)", timing)

    message = nb.message()
    message.wait_for(state="visible", timeout=harness.REDRAW_TIMEOUT * 1000)
    assert _normalize(message.inner_text()) == _normalize(expected.message)
    assert "diverged" in message.inner_text()
    assert nb.image_src() != src
    assert nb.status_text() != status
    assert nb.status_text().startswith(f"Diverged at epoch {expected.diverged_at}"), nb.status_text()
    assert nb.widget_errors() == []
    nb.panel.screenshot(path=str(artifacts / "playground-diverged.png"))


def test_a_bounded_output_clears_the_message(nb, record_timing):
    src = nb.image_src()
    started = nb.arm_redraw("change")
    nb.panel.locator(".bl-control-activation select").select_option("sigmoid")
    timing = nb.wait_redraw(started)
    nb.wait_settled()
    record_timing(NAME, "activation", "dropdown none -> sigmoid", timing)

    nb.message().wait_for(state="hidden", timeout=harness.REDRAW_TIMEOUT * 1000)
    assert nb.image_src() != src
    assert nb.status_text().startswith("Accuracy:"), nb.status_text()
    assert 'activation="sigmoid"' in nb.code_text()
    assert nb.widget_errors() == []
