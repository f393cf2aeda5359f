"""Shared pytest set-up for the unit tests.

* Matplotlib uses the non-interactive Agg backend (chosen before pyplot is imported anywhere), so
  the plot tests run headless, and every figure is closed after each test.
* ``pyproject.toml``'s ``addopts`` passes ``--nbval ...`` to every run. The unit-test command of the
  Makefile (``pytest tests -p no:nbval``) disables the nbval plugin, and pytest would then refuse
  those options as unknown. When nbval is not loaded, they are registered here as inert options so
  that command works; when nbval is loaded, nothing is added (nbval owns them).
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
