"""The first code cell of every notebook: install backprop_lab on Google Colab, do nothing anywhere else.

    .venv/bin/python tools/colab_cell.py          # write (or refresh) the cell in every notebook
    .venv/bin/python tools/colab_cell.py --check  # exit 1 if a notebook's cell differs (tests do this)

Colab opens a notebook straight from the repository without the package, so the cell installs it from
the repository named in pyproject.toml (``[project.urls] Source``): a fork changes it there and runs this
script. Outside Colab (``make lab``, a JupyterHub, Binder, nbval) the ``if`` is false, the cell prints
nothing, and the stored outputs stay as they were; writing the cell shifts the stored execution counts
by one, exactly as a fresh top-to-bottom run would number them.
"""
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Google Colab only"


def colab_source() -> str:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    return (f"{MARKER}: Colab has no backprop_lab, so this installs it there (about a minute).\n"
            "# Anywhere else (make lab, a JupyterHub, Binder, your own Python) it does nothing.\n"
            "import sys\n"
            "\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install --quiet "backprop-lab @ git+{urls["Source"]}"\n'
            "    from google.colab import output\n"
            "\n"
            "    output.enable_custom_widget_manager()  # the playground's ipywidgets 8 panels\n")


def first_code_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def write(path: Path) -> bool:
    """Put the Colab cell before the notebook's first code cell (or refresh it); True if changed."""
    nb = nbformat.read(path, as_version=4)
    source = colab_source()
    first = first_code_cell(nb)
    if first.source.startswith(MARKER):
        if first.source == source:
            return False
        first.source = source
    else:
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.execution_count is not None:
                cell.execution_count += 1
                for out in cell.outputs:
                    if "execution_count" in out:
                        out["execution_count"] += 1
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = 1
        cell.metadata = {}
        nb.cells.insert(nb.cells.index(first), cell)
    nbformat.write(nb, path)
    return True


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        wrong = [p.name for p in notebooks()
                 if first_code_cell(nbformat.read(p, as_version=4)).source != colab_source()]
        sys.exit(f"the Colab cell is missing or stale in {wrong}: run tools/colab_cell.py" if wrong else 0)
    for path in notebooks():
        print(f"{path.name:32} {'written' if write(path) else 'up to date'}")
