"""Shared pytest set-up for the unit tests.

* Matplotlib uses the non-interactive Agg backend (chosen before pyplot is imported anywhere), so
  the plot tests run headless, and every figure is closed after each test.
* ``pyproject.toml``'s ``addopts`` passes ``--nbval ...`` to every run. The unit-test command of the
  Makefile (``pytest tests -p no:nbval``) disables the nbval plugin, and pytest would then refuse
  those options as unknown. When nbval is not loaded, they are registered here as inert options so
  that command works; when nbval is loaded, nothing is added (nbval owns them).
* ``stop_panels``: the playground tests' guard that no panel leaves a worker thread running.
"""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after matplotlib.use on purpose)
import pytest  # noqa: E402

_NBVAL_OPTIONS = {
    "--nbval": dict(action="store_true"),
    "--nbval-lax": dict(action="store_true"),
    "--nbval-current-env": dict(action="store_true"),
    "--nbval-sanitize-with": dict(action="store", default=None),
    "--nbval-kernel-name": dict(action="store", default=None),
    "--nbval-cell-timeout": dict(action="store", default=None),
}


def pytest_addoption(parser, pluginmanager):
    if pluginmanager.has_plugin("nbval"):
        return
    group = parser.getgroup("nbval-disabled", "nbval options, ignored because the nbval plugin is disabled")
    for name, kwargs in _NBVAL_OPTIONS.items():
        group.addoption(name, dest="_ignored_" + name.strip("-").replace("-", "_"),
                        help="ignored: the nbval plugin is disabled (-p no:nbval)", **kwargs)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def stop_panels(monkeypatch):
    """Every playground panel built during the test is paused when it ends, so no worker thread
    outlives the test; yields the list of panels built. Used by the playground test files through
    ``pytestmark = pytest.mark.usefixtures("stop_panels")``."""
    import threading

    from backprop_lab.playground.panel import Playground

    made = []
    real_init = Playground.__init__

    def init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Playground, "__init__", init)
    yield made
    built = [p for p in made if hasattr(p, "_player")]   # a panel whose construction raised has no worker
    for panel in built:
        panel.pause()
    assert not [p for p in built if p.playing]
    assert not [t for t in threading.enumerate() if t.name == "backprop_lab playground" and t.is_alive()]
