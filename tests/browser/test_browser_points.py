"""A point drawn by hand in a real JupyterLab (issue 22): a click on the playground's boundary
picture adds a point there (ipyevents reports the click with the pixel of the image), the panel
retrains on the points, and its accuracy line counts one point more.

On notebook 07's panel (the linear data in the unit square). The pixel of a point of the plane is
computed with the panel's own ``PanelCanvas`` (the same figure layout), then scaled to the picture as
the page shows it.
"""
import re

import numpy as np
import pytest

from backprop_lab.playground.drawing import PanelCanvas

NAME = "07_learning_rate.ipynb"


@pytest.fixture(scope="module")
def nb(notebooks):
    return notebooks[NAME].ready()


def _counted(status: str) -> int:
    m = re.search(r"\((\d+)/(\d+)\)", status)
    assert m, status
    return int(m.group(2))


def test_a_click_on_the_picture_adds_a_point_and_the_accuracy_line_changes(nb, record_timing):
    nb.wait_settled()
    before = nb.status_text()
    n = _counted(before)
    canvas = PanelCanvas()
    canvas.start(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.0], [1.0]]))   # the unit square's extent
    px, py = canvas.pixel(0.2, 0.85)
    img = nb.panel.locator(".bl-image")
    box = img.bounding_box()
    natural = nb.page.evaluate("img => [img.naturalWidth, img.naturalHeight]", img.element_handle())
    started = nb.page.evaluate("() => performance.now()")
    nb.page.mouse.click(box["x"] + px * box["width"] / natural[0], box["y"] + py * box["height"] / natural[1])
    nb.page.wait_for_function(
        "n => { const s = document.querySelector('.bl-status'); return s && s.innerText.includes('/' + n + ')') }",
        arg=n + 1, timeout=30_000)
    nb.wait_settled()
    after = nb.status_text()
    assert _counted(after) == n + 1 and after != before
    assert "x, y, epochs=" in nb.code_text()                       # the call now trains on your points
    waited = nb.page.evaluate("() => performance.now()") - started
    record_timing(NAME, "click", "a point added at (0.2, 0.85)", {"to_src_ms": round(waited, 1),
                                                                   "to_loaded_ms": round(waited, 1), "wall_s": 0})
    assert nb.widget_errors() == []
