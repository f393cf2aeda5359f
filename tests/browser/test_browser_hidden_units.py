"""Notebook 08 (hidden units) in a real JupyterLab: its playground renders and answers its controls.

The panel: ``playground(controls=("dataset", "hidden", "seed"), dataset="xor", hidden=(10, 10), lr=1.0,
epochs=2000, seed=0)``. Its screenshot, as rendered at the opening run, is the README's figure
(docs/playground.png; rewritten only with BACKPROP_LAB_UPDATE_SCREENSHOT=1, so that a test run
leaves the repository as it was).
"""
import os
import shutil
from pathlib import Path

import pytest

import browser_harness as harness

NAME = "08_hidden_units.ipynb"
DOCS_PNG = Path(__file__).resolve().parents[2] / "docs" / "playground.png"
MAX_DOCS_PNG_BYTES = 150_000


@pytest.fixture(scope="module")
def nb(notebooks):
    return notebooks[NAME].ready()


def test_panel_renders_after_run_all(nb, artifacts):
    assert nb.widget_errors() == []
    assert "Error displaying widget" not in nb.page_text()
    assert nb.status_text().startswith("Accuracy: 100.0%"), nb.status_text()
    assert 'bl.MLP((2, 10, 10, 1), activation="sigmoid", seed=0), *bl.load_dataset("xor", seed=0)' in nb.code_text()
    assert not nb.message().is_visible()
    assert nb.panel.locator(".bl-control-dataset select").input_value() == "xor"
    assert nb.panel.locator(".bl-hidden-layers .widget-readout").inner_text() == "2"
    assert nb.panel.locator(".bl-hidden-units:visible").count() == 2   # one units slider per hidden layer
    assert nb.panel.locator(".bl-control-seed input").input_value() == "0"

    shot = artifacts / "playground-08.png"
    # A window tall enough for the whole panel: a taller panel than the window would be shot scrolled,
    # under the notebook's toolbar.
    nb.set_window(harness.VIEWPORT["width"], 1500)
    nb.panel.screenshot(path=str(shot))
    nb.set_window(harness.VIEWPORT["width"], harness.VIEWPORT["height"])
    if os.environ.get("BACKPROP_LAB_UPDATE_SCREENSHOT") or not DOCS_PNG.exists():
        # A palette of 256 colours (the panel has far fewer that matter) keeps the README's figure small.
        from PIL import Image

        small = artifacts / "playground-08-small.png"
        Image.open(shot).convert("RGB").quantize(256).save(small, optimize=True)
        size = small.stat().st_size
        assert size < MAX_DOCS_PNG_BYTES, f"the panel screenshot is {size} bytes; the README's figure must stay small"
        shutil.copyfile(small, DOCS_PNG)


def test_dataset_dropdown(nb, record_timing):
    src, status = nb.image_src(), nb.status_text()
    select = nb.panel.locator(".bl-control-dataset select")
    started = nb.arm_redraw("change")
    select.select_option("circles")
    timing = nb.wait_redraw(started)
    nb.wait_settled()
    record_timing(NAME, "dataset", "dropdown xor -> circles", timing)

    assert nb.image_src() != src
    assert nb.status_text() != status
    assert nb.status_text().startswith("Accuracy:"), nb.status_text()
    assert 'bl.load_dataset("circles", seed=0)' in nb.code_text()
    assert nb.widget_errors() == []


def test_hidden_units_slider_with_the_keyboard(nb, record_timing):
    src, status = nb.image_src(), nb.status_text()
    first = nb.panel.locator(".bl-hidden-units").first
    timing = nb.press_key_on(first.locator(".noUi-handle"), "Home")
    record_timing(NAME, "hidden", "keyboard Home (layer 1: 10 -> 1)", timing)

    assert first.locator(".widget-readout").inner_text() == "1"
    assert nb.image_src() != src
    assert nb.status_text() != status
    assert "bl.MLP((2, 1, 10, 1)," in nb.code_text()
    assert nb.widget_errors() == []


def test_seed_typed_in(nb, record_timing):
    src, status = nb.image_src(), nb.status_text()
    seed = nb.panel.locator(".bl-control-seed input")
    started = nb.arm_redraw("keydown")
    seed.fill("3")
    seed.press("Enter")
    timing = nb.wait_redraw(started)
    nb.wait_settled()
    record_timing(NAME, "seed", "typed 3 + Enter", timing)

    assert nb.image_src() != src
    assert nb.status_text() != status
    assert "seed=3)" in nb.code_text()
    assert nb.widget_errors() == []


def test_a_slider_moved_during_the_animation_restarts_it(nb, record_timing):
    """TensorFlow Playground's behaviour: the panel trains live, and a control moved while it does
    cancels that run and starts the new one at once; frames keep coming, then the final image."""
    units = nb.panel.locator(".bl-hidden-units").first
    handle = units.locator(".noUi-handle")
    nb.record_frames()
    handle.focus()
    started = nb.arm_redraw("keydown")
    nb.page.keyboard.press("End")                      # 1 -> 32 units: a longer run to interrupt
    timing = nb.wait_redraw(started)
    record_timing(NAME, "hidden", "keyboard End (1 -> 32), before ArrowLeft mid-run", timing)
    running = nb.page.evaluate("() => document.querySelector('.bl-playground').classList.contains('bl-running')")
    handle.focus()
    nb.page.keyboard.press("ArrowLeft")                # 32 -> 31 while the first run is still animating
    nb.wait_settled()
    frames = nb.frames()

    assert units.locator(".widget-readout").inner_text() == "31"
    assert "bl.MLP((2, 31, 10, 1)," in nb.code_text()
    assert nb.status_text().startswith("Accuracy:"), nb.status_text()
    # frames of the first run, then of the second, then its final image: at least three src changes
    assert len(frames) >= 3, frames
    assert running, "the first run had already finished when the second key was pressed"
    final = nb.image_src()
    nb.page.wait_for_timeout(500)
    assert nb.image_src() == final                     # nothing draws after the final frame
    assert nb.widget_errors() == []
