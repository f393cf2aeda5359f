"""The panel's TensorFlow-Playground controls and pictures in a real JupyterLab (issue 22).

On ``harness.PAUSE_NOTEBOOK`` (every control): the picture buttons beside Play switch the image to
the network graph and to the gradients, and back; a click on the x₁x₂ input toggle and a batch size
chosen from its menu retrain, and the call under the panel names them. Each change is undone at
the end, so the page is left as the other tests expect it.
"""
import pytest

import browser_harness as harness

PAUSE = harness.PAUSE_NOTEBOOK


@pytest.fixture(scope="module")
def nb(notebooks):
    nb = notebooks[PAUSE].ready()
    nb.wait_settled()
    return nb


def _image(nb):
    return nb.page.evaluate("""() => { const img = document.querySelector('.bl-playground .bl-image');
        return [img.getAttribute('src'), img.naturalWidth, img.naturalHeight]; }""")


def _choose_picture(nb, name: str):
    before = _image(nb)[0]
    nb.panel.locator(".bl-pictures button", has_text=name).click()
    nb.page.wait_for_function("src => document.querySelector('.bl-playground .bl-image').getAttribute('src') !== src",
                              arg=before, timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.page.wait_for_function("() => document.querySelector('.bl-playground .bl-image').complete")
    nb.wait_settled()
    return _image(nb)


def test_the_picture_buttons_show_the_network_and_the_gradients(nb, artifacts):
    _, width, height = _image(nb)
    _, net_width, net_height = _choose_picture(nb, "network")
    assert net_width == width and net_height > height            # the graph of a 32-32 network is taller
    nb.panel.screenshot(path=str(artifacts / "playground-network.png"))
    _, grad_width, grad_height = _choose_picture(nb, "gradients")
    assert (grad_width, grad_height) == (width, height)           # the boundary's canvas, gradients on the left
    nb.panel.screenshot(path=str(artifacts / "playground-gradients.png"))
    _choose_picture(nb, "boundary")
    assert nb.widget_errors() == []


def test_an_input_toggle_and_the_batch_size_retrain_and_the_call_names_them(nb, record_timing):
    assert "add_features" not in nb.code_text()
    toggle = nb.panel.locator(".bl-feature", has_text="x₁x₂")
    started = nb.page.evaluate("() => performance.now()")
    toggle.click()
    nb.page.wait_for_function("() => document.querySelector('.bl-code').innerText.includes('add_features')",
                              timeout=harness.REDRAW_TIMEOUT * 1000)
    waited = nb.page.evaluate("() => performance.now()") - started
    nb.wait_settled()
    assert 'bl.add_features(x, ["x1", "x2", "x1*x2"]), y' in nb.code_text()
    assert "bl.MLP((3, 32, 32, 1)" in nb.code_text()
    record_timing(PAUSE, "features", "click x₁x₂ (2 -> 3 inputs)", {"to_src_ms": round(waited, 1),
                                                                     "to_loaded_ms": round(waited, 1), "wall_s": 0})
    nb.panel.locator(".bl-control-batch_size select").select_option(label="8")
    nb.page.wait_for_function("() => document.querySelector('.bl-code').innerText.includes('batch_size=8')",
                              timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.wait_settled()
    assert "batch_size=8, shuffle_seed=0" in nb.code_text()
    # as it was
    nb.panel.locator(".bl-control-batch_size select").select_option(label="full")
    nb.page.wait_for_function("() => !document.querySelector('.bl-code').innerText.includes('batch_size=')",
                              timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.wait_settled()
    toggle.click()
    nb.page.wait_for_function("() => !document.querySelector('.bl-code').innerText.includes('add_features')",
                              timeout=harness.REDRAW_TIMEOUT * 1000)
    nb.wait_settled()
    assert nb.widget_errors() == []
