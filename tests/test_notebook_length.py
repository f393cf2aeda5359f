"""Notebooks of a readable length, numbered in reading order (issue 21).

Past about 30 cells a reader loses the thread, so a notebook that grows beyond that is split where its
ideas part, and the notebooks are renumbered: the file name's number, the title's and the reading order
are one and the same.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CELLS = 30


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_has_more_than_30_cells(path):
    cells = len(nbformat.read(path, as_version=4).cells)
    assert cells <= MAX_CELLS, f"{path.name} has {cells} cells (at most {MAX_CELLS}): split it where its ideas part"


def test_the_notebooks_are_numbered_01_to_n_in_order_and_their_titles_agree():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [p.name for p in NOTEBOOKS]
    for number, path in zip(numbers, NOTEBOOKS):
        title = nbformat.read(path, as_version=4).cells[0].source
        assert re.match(rf"# {number} · \S", title), f"{path.name} starts with {title.splitlines()[0]!r}"
