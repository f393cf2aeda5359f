"""The panel holds its shape and responds exactly (issue 23, items 3 and 4), in a real JupyterLab at
1400×1000 and at 800×900, the left sidebar open with the file browser (JupyterLab's default).

* Pause (on ``harness.PAUSE_NOTEBOOK``: every control, a run of a few seconds): once the click is
  acknowledged (the button reads Play again) no frame is drawn any more, and the run stays at the
  epoch it paused at; the button did not move when it turned from Play to Pause, so the click landed
  on it. The time from the click to the acknowledgement is recorded in the timings table, never asserted.
* The replay slider moves one snapshot per arrow key, and the status line follows the epoch shown.
* Notebook 08: no control, button or the status line moves when the hidden layers go 2 -> 3 -> 1;
  the status line is at least 300 px wide; the picture and the replay slider fit in the output area.
"""
import re

import pytest

import browser_harness as harness

NB08 = "08_hidden_units.ipynb"
PAUSE = harness.PAUSE_NOTEBOOK
SIZES = [(1400, 1000), (800, 900)]
MIN_STATUS_PX = 300

# Every part of the panel above the pictures that must not move: each control of the grid (the units
# sliders included), each button, the status line.
FIXED_PARTS = ".bl-controls .widget-inline-hbox, .bl-buttons > *, .bl-status"

_PAUSE_JS = """root => {
    const button = root.querySelector('.bl-play'), img = root.querySelector('.bl-image');
    const rec = {clickAt: null, playAt: null, srcChanges: []};
    root.addEventListener('click', e => {
        if (rec.clickAt === null && button.contains(e.target)) rec.clickAt = performance.now();
    }, true);
    new MutationObserver(() => {
        if (rec.clickAt !== null && rec.playAt === null && button.textContent.trim() === 'Play')
            rec.playAt = performance.now();
    }).observe(button, {subtree: true, childList: true, characterData: true, attributes: true});
    new MutationObserver(() => rec.srcChanges.push(performance.now()))
        .observe(img, {attributes: true, attributeFilter: ['src']});
    window.__blPause = rec;
}"""


def _at(nb, size):
    nb.set_window(*size)
    # JupyterLab's default on a fresh workspace: the file browser open in the left sidebar
    assert nb.sidebar_open(), "the file browser is not open: the test must run with JupyterLab's default sidebar"
    nb.wait_settled()
    return nb


@pytest.fixture(scope="module")
def pages(notebooks):
    yield notebooks
    for name in (NB08, PAUSE):                # leave the windows as the other tests expect them
        if notebooks[name].failure is None:
            notebooks[name].page.set_viewport_size(harness.VIEWPORT)


def _size_id(size):
    return f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_the_status_line_has_its_own_wide_row_and_the_pictures_fit(pages, size, record_timing, artifacts):
    nb = _at(pages[NB08].ready(), size)
    nb.panel.screenshot(path=str(artifacts / f"playground-08-{_size_id(size)}.png"))
    status, = nb.boxes(".bl-status")
    buttons = nb.boxes(".bl-buttons > *")
    assert status[2] >= MIN_STATUS_PX, f"the status line is {status[2]} px wide at {size}"
    assert status[1] >= max(b[1] + b[3] for b in buttons) - 1, "the status line is not on a row under the buttons"
    area = nb.panel.evaluate("root => root.closest('.jp-OutputArea-output').getBoundingClientRect().width")
    panel = nb.panel.evaluate("root => root.getBoundingClientRect().width")
    for part in (".bl-image", ".bl-replay", ".bl-replay .noUi-handle", ".bl-colours", ".bl-neuron"):
        for box in nb.boxes(part):
            assert box[0] >= 0 and box[0] + box[2] <= panel + 1 <= area + 1, (part, box, panel, area)
    # recorded for the report: how wide the notebook's output area is at this window size
    record_timing(NB08, "layout", f"window {_size_id(size)}, file browser open: output area {area:.0f} px, "
                  f"status line {status[2]} px", {"to_src_ms": None, "to_loaded_ms": None, "wall_s": None})


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_no_control_moves_when_the_hidden_layers_change(pages, size, record_timing):
    nb = _at(pages[NB08].ready(), size)
    layers = nb.panel.locator(".bl-hidden-layers")
    handle = layers.locator(".noUi-handle")
    if layers.locator(".widget-readout").inner_text() != "2":
        nb.press_key_on(handle, "Home")
        nb.press_key_on(handle, "ArrowRight")
    assert layers.locator(".widget-readout").inner_text() == "2"
    before = nb.boxes(FIXED_PARTS)
    assert len(before) >= 8 + 4 + 1            # 8 controls + 2 hidden units cells, 4 buttons, the status
    for key, depth in (("End", "3"), ("Home", "1"), ("ArrowRight", "2")):
        timing = nb.press_key_on(handle, key)
        record_timing(NB08, "hidden", f"layers -> {depth} ({_size_id(size)})", timing)
        assert layers.locator(".widget-readout").inner_text() == depth
        assert nb.panel.locator(".bl-hidden-units:visible").count() == int(depth)
        after = nb.boxes(FIXED_PARTS)
        moved = [(i, a, b) for i, (a, b) in enumerate(zip(before, after)) if a != b]
        assert len(after) == len(before) and not moved, f"{depth} hidden layers at {size}: moved {moved}"
    assert nb.widget_errors() == []


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_the_replay_slider_moves_with_the_arrow_keys(pages, size, record_timing):
    nb = _at(pages[NB08].ready(), size)
    replay = nb.panel.locator(".bl-replay")
    handle, readout = replay.locator(".noUi-handle"), replay.locator(".widget-readout")
    end = int(readout.inner_text())
    assert end == 2000 and nb.status_text().startswith("Accuracy:"), nb.status_text()
    every = end // 50
    for key, epoch in (("ArrowLeft", end - every), ("ArrowLeft", end - 2 * every), ("ArrowRight", end - every)):
        timing = nb.press_key_on(handle, key)
        record_timing(NB08, "replay", f"keyboard {key} -> {epoch} ({_size_id(size)})", timing)
        assert readout.inner_text() == str(epoch)
        assert nb.status_text().startswith(f"Replay: epoch {epoch} of {end} trained · accuracy "), nb.status_text()
    nb.press_key_on(handle, "End")
    assert readout.inner_text() == str(end) and nb.status_text().startswith("Accuracy:"), nb.status_text()
    assert nb.widget_errors() == []


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_pause_stops_and_no_frame_comes_after_it(pages, size, record_timing):
    nb = _at(pages[PAUSE].ready(), size)
    play = nb.panel.locator(".bl-play")
    buttons = nb.boxes(".bl-buttons > *")
    assert play.inner_text().strip() == "Play"
    nb.record_frames()
    play.click()                                                  # Play (or resume the run paused before)
    nb.page.wait_for_function("() => window.__blFrames.changes.length >= 1", timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.page.locator(".bl-playground.bl-running").wait_for(timeout=harness.ACTION_TIMEOUT * 1000)
    assert play.inner_text().strip() == "Pause"
    assert nb.boxes(".bl-buttons > *") == buttons, "a button moved when Play turned into Pause"

    nb.panel.evaluate(_PAUSE_JS)
    play.click()                                                  # Pause, where the person saw it
    nb.page.wait_for_function("() => window.__blPause.playAt !== null", timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.wait_settled()
    status, src = nb.status_text(), nb.image_src()
    # Paused, the run ends at the epoch reached (Play trains on until Pause): "... · N epochs"
    paused = re.search(r" · (\d+) epochs$", status)
    assert paused and nb.page.locator(".bl-playground.bl-running").count() == 0, f"not paused: {status}"
    rec = nb.page.evaluate("() => window.__blPause")
    nb.page.wait_for_timeout(1000)                                # would a stray frame still come?
    nb.wait_kernel_idle(harness.ACTION_TIMEOUT)
    rec_later = nb.page.evaluate("() => window.__blPause")
    # logically: no frame after the acknowledged click, the run still where it paused
    assert all(t <= rec["playAt"] for t in rec_later["srcChanges"]), (rec_later, "a frame came after the Pause")
    assert nb.image_src() == src and nb.status_text() == status
    last_frame = max(rec["srcChanges"], default=rec["clickAt"])
    record_timing(PAUSE, "pause", f"click Pause at epoch {paused.group(1)} ({_size_id(size)})",
                  {"to_src_ms": round(last_frame - rec["clickAt"], 1),
                   "to_loaded_ms": round(rec["playAt"] - rec["clickAt"], 1), "wall_s": 0},
                  what="Pause: event->src = click to the paused picture; event->load = click to the button "
                       "reading Play (acknowledged)")
    assert nb.widget_errors() == []


def test_play_keeps_the_picture_changing_until_pause(pages, record_timing):
    """Issue 22: Play trains on past the epochs setting until Pause (TensorFlow Playground's Play): the
    picture still changes three seconds after the click, well past a fixed run's handful of frames.
    The frame rate is recorded in the timings table, not asserted."""
    nb = _at(pages[PAUSE].ready(), SIZES[0])
    play = nb.panel.locator(".bl-play")
    assert play.inner_text().strip() == "Play"
    nb.record_frames()
    started = nb.page.evaluate("() => performance.now()")
    play.click()
    nb.page.wait_for_timeout(3000)
    changes = [t - started for t in nb.page.evaluate("() => window.__blFrames.changes")]
    assert play.inner_text().strip() == "Pause", "Play stopped by itself"
    play.click()                                                  # Pause
    nb.page.wait_for_function("() => !document.querySelector('.bl-playground.bl-running')",
                              timeout=harness.REDRAW_TIMEOUT * 1000)
    in_window = [t for t in changes if t <= 3000]
    assert len(in_window) >= 7, f"only {len(in_window)} frames in 3 s"
    assert max(in_window) >= 2500, "the picture stopped changing before the 3 s were over"
    record_timing(PAUSE, "play", f"Play for 3 s ({_size_id(SIZES[0])}): {len(in_window)} frames",
                  {"to_src_ms": round(3000 / max(len(in_window), 1), 1), "to_loaded_ms": 0, "wall_s": 3},
                  what="Play on: event->src = milliseconds per frame over the 3 s (frames/s = 1000 / it)")
    assert nb.widget_errors() == []
