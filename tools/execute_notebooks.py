"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs, ready to commit.

    .venv/bin/python tools/execute_notebooks.py                    # every notebook in notebooks/
    .venv/bin/python tools/execute_notebooks.py notebooks/04_*.ipynb

Run it after changing the package or a notebook, then `make test` (nbval compares against what this
stored). Consecutive stream outputs are merged so the stored notebook reads cleanly on GitHub.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def merge_streams(outputs):
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
            cell.metadata.pop("execution", None)   # timestamps only make diffs noisy
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path.name:40} {execute(path):6.1f} s", flush=True)
