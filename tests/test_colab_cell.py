"""Every notebook's first code cell installs the package on Colab and does nothing anywhere else.

The cell is written by tools/colab_cell.py; here it is run, as IPython would run it, once as on
Colab (a stand-in ``google.colab`` module and a recording ``get_ipython``) and once as anywhere else.
nbval covers the "anywhere else" case in a real kernel: the cell's stored output is empty.
"""
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402  (tools/ is not a package)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_first_code_cell_is_the_colab_cell_without_output(path):
    first = colab_cell.first_code_cell(nbformat.read(path, as_version=4))
    assert first.source == colab_cell.colab_source(), f"{path.name}: run tools/colab_cell.py"
    assert first.outputs == []


def _run(source: str, on_colab: bool, monkeypatch) -> list:
    """Run the cell's code as IPython transforms it; return the magics and Colab calls it made."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls = []
    ipython = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append(("%" + name, line)))
    if on_colab:
        colab = types.ModuleType("google.colab")
        colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append(("widgets",)))
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", colab)
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(TransformerManager().transform_cell(source), {"get_ipython": lambda: ipython})
    return calls


def test_on_colab_it_installs_from_the_repository_and_enables_widgets(monkeypatch):
    source = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Source"]
    calls = _run(colab_cell.colab_source(), on_colab=True, monkeypatch=monkeypatch)
    assert calls == [("%pip", f'install --quiet "backprop-lab @ git+{source}"'), ("widgets",)]


def test_anywhere_else_it_does_nothing(monkeypatch):
    assert _run(colab_cell.colab_source(), on_colab=False, monkeypatch=monkeypatch) == []
