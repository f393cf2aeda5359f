"""Memory of one student's kernel, notebook by notebook: the figure behind the README's hub sizing rule.

    .venv/bin/python benchmarks/kernel_memory.py            # every notebook, one fresh kernel each
    .venv/bin/python benchmarks/kernel_memory.py 08         # notebooks whose name starts with 08

Each notebook runs top to bottom in a fresh kernel (as a student's Run All); the table gives the
kernel's resident memory at the end (what an idle student holds on a hub) and its peak (VmHWM, what a
node must have room for while the notebook runs). Linux only (reads /proc/PID/status).
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def kernel_memory_mib(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of process ``pid`` in MiB, from /proc/PID/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024     # kB -> MiB
    return fields["VmRSS"], fields["VmHWM"]


def measure(path: Path) -> tuple[float, float, float]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.pid
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        rss, peak = kernel_memory_mib(pid)
    return rss, peak, time.perf_counter() - start


if __name__ == "__main__":
    prefixes = sys.argv[1:]
    paths = [p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
             if not prefixes or p.name.startswith(tuple(prefixes))]
    print(f"{'notebook':32} {'resident at end':>16} {'peak':>10} {'run time':>9}")
    for path in paths:
        rss, peak, seconds = measure(path)
        print(f"{path.name:32} {rss:12.0f} MiB {peak:6.0f} MiB {seconds:7.1f} s", flush=True)
