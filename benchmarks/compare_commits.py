"""Before and after in one process: the package of commit BASE against this working tree's.

    python benchmarks/compare_commits.py [BASE] [--rounds 7]      # BASE defaults to 8a93e61

Speed ratios move a lot between machines and, on a shared VM, between minutes; so both versions are
timed in the same process, taking turns (round robin), with the seed-style reference in the same
rounds. BASE's ``backprop_lab/`` is extracted with ``git archive`` into a temporary directory as
``backprop_lab_base`` (the package imports itself only relatively, so renaming the folder is enough;
the script checks that the two imported packages live in different folders), and this working
tree's package is imported from the repository root, whatever is installed.

Timed, each once per round after one warm-up: the reference (``seed_reference.py``); ``train()``
(2-10-10-1 sigmoid, GD lr 1, ``generate_linear(100, seed=0)``, ``--epochs`` epochs); ``sweep()`` K = 64
(8 lr × 8 seeds, hidden (10, 10), ``--sweep-epochs`` epochs) with 2 threads and with ``workers=1``.
Printed: the median and the range (lowest–highest) over the rounds, and new/old as the ratio of the
medians and as the median and range of the ratios within each round (each round's two times were
taken a few seconds apart, so those are the ones to read when the machine's speed drifts); all of it
in wall time and in the process's CPU time.
"""
from __future__ import annotations

import argparse
import importlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)                   # this working tree's backprop_lab, not an installed one
sys.path.insert(1, HERE)
import seed_reference  # noqa: E402

SIZES = (2, 10, 10, 1)


def extract(base, into):
    """BASE's ``backprop_lab/`` as ``into/backprop_lab_base``; returns the commit's short hash."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", base], check=True, capture_output=True,
                            text=True).stdout.strip()
    tar = subprocess.run(["git", "-C", ROOT, "archive", "--format=tar", commit, "backprop_lab"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    os.rename(os.path.join(into, "backprop_lab"), os.path.join(into, "backprop_lab_base"))
    return commit


def cases_for(bl, name, x, y, lrs, epochs, sweep_epochs):
    """The three timed calls of one version of the package. Both versions take the same arguments:
    the new ``train(engine="auto")`` is the default, which runs the flat engine for this MLP as the
    old ``train()`` ran ``_one_network``."""
    return {
        f"train {name}": lambda: bl.train(bl.MLP(SIZES, seed=0), x, y, epochs=epochs, lr=1.0, optimizer="gd",
                                          print_fn=None),
        f"sweep2 {name}": lambda: bl.sweep(x, y, lr=lrs, seed=range(8), hidden=SIZES[1:3], epochs=sweep_epochs,
                                           workers=2),
        f"sweep1 {name}": lambda: bl.sweep(x, y, lr=lrs, seed=range(8), hidden=SIZES[1:3], epochs=sweep_epochs,
                                           workers=1),
    }


def round_robin(cases, rounds):
    """({name: [wall seconds per round]}, {name: [CPU seconds per round]}): one warm-up each, then
    ``rounds`` rounds of every case in turn. The CPU time (``time.process_time``, all of the process's
    threads) leaves out the moments the process waited for a CPU, which a loaded machine adds to the
    wall time; for a one-thread case it is the steadier measure of its own work."""
    for fn in cases.values():
        fn()
    wall, cpu = {name: [] for name in cases}, {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return wall, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", nargs="?", default="8a93e61", help="the commit before (default 8a93e61, before issue 19)")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of the round robin (the median is printed)")
    ap.add_argument("--epochs", type=int, default=2000, help="epochs of the reference and train()")
    ap.add_argument("--sweep-epochs", type=int, default=500, help="epochs of sweep()")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="backprop_lab_base_") as tmp:
        commit = extract(args.base, tmp)
        sys.path.insert(0, tmp)
        old = importlib.import_module("backprop_lab_base")
        new = importlib.import_module("backprop_lab")
        if os.path.dirname(old.__file__) == os.path.dirname(new.__file__) or not new.__file__.startswith(ROOT):
            raise SystemExit(f"the two packages are not the two versions: {old.__file__}, {new.__file__}")
        head = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True,
                              text=True).stdout.strip()
        x, y = new.generate_linear(100, seed=0)
        x_old, y_old = old.generate_linear(100, seed=0)
        if not (np.array_equal(x, x_old) and np.array_equal(y, y_old)):
            raise SystemExit("the two versions generate different data")
        lrs = np.geomspace(0.05, 5.0, 8)
        cases = {"ref": lambda: seed_reference.train_reference(
            seed_reference.Network(SIZES, learning_rate=1.0, optimizer="GD", seed=0), x, y, args.epochs)}
        old_cases = cases_for(old, "old", x, y, lrs, args.epochs, args.sweep_epochs)
        new_cases = cases_for(new, "new", x, y, lrs, args.epochs, args.sweep_epochs)
        for what in ("train", "sweep2", "sweep1"):          # old and new of one row next to each other
            cases[f"{what} old"], cases[f"{what} new"] = old_cases[f"{what} old"], new_cases[f"{what} new"]
        # The same weights before and after (the refactor keeps the numbers): a check, not timed.
        h_old = old.train(old.MLP(SIZES, seed=0), x, y, epochs=50, lr=1.0, print_fn=None)
        h_new = new.train(new.MLP(SIZES, seed=0), x, y, epochs=50, lr=1.0, print_fn=None)
        same = np.array_equal(h_old.loss, h_new.loss)
        wall, cpu = round_robin(cases, args.rounds)
        loadavg = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)

    per = {"ref": args.epochs, "train": args.epochs, "sweep2": 64 * args.sweep_epochs, "sweep1": 64 * args.sweep_epochs}
    print(f"before = {commit} (as backprop_lab_base), after = this working tree ({head}); numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs; {args.rounds} rounds round robin; load average at the end "
          f"{', '.join(f'{v:.1f}' for v in loadavg)}; train() loss curves equal bit for bit: {same}")
    for kind, times in (("wall time", wall), ("CPU time of the process (all threads)", cpu)):
        table(kind, {name: np.array(t) / per[name.split()[0]] * 1e6 for name, t in times.items()})


def table(kind, us):
    """One table: median (range) per row and version, after/before, and each version against the reference."""
    def cell(a):
        return f"{np.median(a):6.1f} ({a.min():.1f}–{a.max():.1f})"

    print(f"\n{kind}: median (lowest–highest) over the rounds; after/before: the ratio of the medians, then "
          f"the per-round ratios' median (range)")
    print(f"{'row':<44} {'before':>20} {'after':>20}   after/before")
    ref = us["ref"]
    print(f"{'seed-style reference, µs/epoch':<44} {cell(ref):>20}")
    labels = {"train": "train(), µs/epoch", "sweep2": "sweep() K=64, 2 threads, µs/network-epoch",
              "sweep1": "sweep() K=64, workers=1, µs/network-epoch"}
    for what, label in labels.items():
        a, b = us[f"{what} old"], us[f"{what} new"]
        r = b / a
        print(f"{label:<44} {cell(a):>20} {cell(b):>20}   {np.median(b) / np.median(a):.2f}, per round "
              f"{np.median(r):.2f} ({r.min():.2f}–{r.max():.2f})")
    for what in ("train", "sweep2", "sweep1"):
        r_old, r_new = ref / us[f"{what} old"], ref / us[f"{what} new"]
        print(f"  {what:<7} reference / this, per round, median (range): before {np.median(r_old):.2f}× "
              f"({r_old.min():.2f}–{r_old.max():.2f}), after {np.median(r_new):.2f}× "
              f"({r_new.min():.2f}–{r_new.max():.2f})")


if __name__ == "__main__":
    main()
