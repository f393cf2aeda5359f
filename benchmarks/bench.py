"""Benchmark: the seed-style reference, train(), sweep() and the playground's live runs.

Run ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``). Every row is measured in this one
run, on this machine, as the median of ``--repeat`` repetitions (5) after a warm-up; the ratios
compare rows of the same run. ``--profile`` adds where train()'s time goes, per stage and per
function. See benchmarks/README.md for what each row means.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import io
import os
import platform
import pstats
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_floor  # noqa: E402
import playground_views  # noqa: E402
import seed_reference  # noqa: E402

import backprop_lab as bl  # noqa: E402
from backprop_lab.nn import engine  # noqa: E402
from backprop_lab.widgets import playground  # noqa: E402

SIZES = (2, 10, 10, 1)


def median_times(cases, repeat, cpu=None):
    """Median wall time (s) of each ``fn()`` in ``cases`` {name: fn} over ``repeat`` runs, after one
    warm-up run each. The cases take turns (round robin), so a change in the machine's load during the
    run affects them alike and the ratios between rows stay fair. If a dict ``cpu`` is given, it gets
    the median CPU time (s) of the process (``time.process_time``, all threads) of each case: it leaves
    out the moments a loaded machine did not run the process, which the wall time counts."""
    for fn in cases.values():
        fn()
    times = {name: [] for name in cases}
    cpu_times = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
            cpu_times[name].append(time.process_time() - c0)
    if cpu is not None:
        cpu.update({name: float(np.median(t)) for name, t in cpu_times.items()})
    return {name: float(np.median(t)) for name, t in times.items()}


#: The playgrounds of the experiment notebooks, as notebooks 7 and 8 open them.
PANELS = {
    "nb 7 panel (linear, 1500 epochs)": dict(controls=("lr", "epochs", "seed"), dataset="linear", lr=1.0,
                                             epochs=1500, seed=0),
    "nb 8 panel (XOR, 2000 epochs, held-out, neuron maps)": dict(
        controls=("dataset", "hidden", "lr", "activation", "optimizer", "seed", "noise", "test"), dataset="xor",
        hidden=(10, 10), lr=1.0, epochs=2000,
        seed=0, test=True, neuron_maps=True),
}


def live_run(panel):
    """What the playground does when a control changes: ``play(restart=True)`` (what the control's
    callback calls) starts a new run with the panel's settings in the worker thread. Returns (ms to
    the first frame on the image widget, ms to the final frame), timed from the call."""
    with playground_views.frames_of(panel) as frames:
        t0 = time.perf_counter()
        panel.play(restart=True)
        if not panel.wait(60):
            raise RuntimeError("the playground's run did not finish within 60 s")
    return (frames[0] - t0) * 1e3, (frames[-1] - t0) * 1e3


BROWSER_TIMINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests", "browser", "artifacts",
                               "timings.json")


def browser_timings(path=BROWSER_TIMINGS):
    """(median ms from a key press on a slider to the new image loaded, how many, when) from the browser
    suite's last run (tests/browser/artifacts/timings.json), or None if it has not run here."""
    import json
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    keys = [t["to_loaded_ms"] for t in data.get("timings", []) if t.get("event") == "keydown"]
    return (float(np.median(keys)), len(keys), data.get("when", "?")) if keys else None


def row(name, value, unit, ratio, target, met):
    ratio_s = "" if ratio is None else f"{ratio:5.2f}×"
    met_s = "" if met is None else ("yes" if met else "NO")
    print(f"{name:<52} {value:>9.1f} {unit:<16} {ratio_s:>7}   {target:<22} {met_s}".rstrip())


#: Epochs of the per-sample SGD rows (each epoch is 100 optimizer steps).
SGD_EPOCHS = 40


def bench(repeat, ref_epochs, sweep_epochs):
    x, y = bl.generate_linear(100, seed=0)
    xor_x, xor_y = bl.generate_xor_easy()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"backprop_lab benchmark: numpy {np.__version__}, {os.cpu_count()} CPUs ({affinity} usable), "
          f"Python {platform.python_version()}, {platform.machine()}; median of {repeat} runs")
    print(f"{'row':<52} {'time':>9} {'unit':<16} {'ratio':>7}   {'target':<22} met")

    lrs = np.geomspace(0.05, 5.0, 8)
    # The floor row: the NumPy calls of one epoch of the one-thread sweep, recorded once (numpy_floor.py;
    # before the panels exist, as the recording briefly replaces a few of numpy's constructors) and each
    # replayed alone; one replay of all of them per round, in the round robin like the rest.
    calls, n_nets = numpy_floor.record_epoch(x, y, sizes=SIZES[1:3], lrs=lrs, seeds=range(8))
    panels = {name: playground(**kw) for name, kw in PANELS.items()}
    cases = {
        "ref": lambda: seed_reference.train_reference(
            seed_reference.Network(SIZES, learning_rate=1.0, optimizer="GD", seed=0), x, y, ref_epochs),
        "train": lambda: bl.train(bl.MLP(SIZES, seed=0), x, y, epochs=ref_epochs, lr=1.0, optimizer="gd"),
        "sweep": lambda: bl.sweep(x, y, lr=lrs, seed=range(8), hidden=SIZES[1:3], epochs=sweep_epochs),
        "sweep1": lambda: bl.sweep(x, y, lr=lrs, seed=range(8), hidden=SIZES[1:3], epochs=sweep_epochs,
                                   workers=1),
        # per-sample SGD (issue 22): 100 samples, one step each, per epoch
        "ref sgd": lambda: seed_reference.train_reference_per_sample(
            seed_reference.Network(SIZES, learning_rate=0.1, optimizer="GD", seed=0), x, y, SGD_EPOCHS),
        "train sgd": lambda: bl.train(bl.MLP(SIZES, seed=0), x, y, epochs=SGD_EPOCHS, lr=0.1, batch_size=1,
                                      print_fn=None),
    }
    floors = []
    cases["floor"] = lambda: floors.append(numpy_floor.floor_us(calls, n_nets))
    epochs_alone = []           # the engine's epoch timed epoch by epoch, the floor's kind of median
    cases["epoch"] = lambda: epochs_alone.append(numpy_floor.engine_epoch_us(x, y, sizes=SIZES[1:3], lrs=lrs))
    frames = {name: [] for name in panels}     # (ms to the first frame, ms to the final frame) per live run
    for name, panel in panels.items():
        # In the round robin with everything else, so that the machine's drifting speed affects the
        # live run and train() alone alike.
        cases[name + " live"] = lambda name=name, panel=panel: frames[name].append(live_run(panel))
        s = panel.settings()
        data = bl.load_dataset(s["dataset"], seed=s["seed"])
        cases[name + " train"] = lambda s=s, data=data: bl.train(
            bl.MLP((2, *s["hidden"], 1), activation=s["activation"], seed=s["seed"]), *data,
            epochs=s["epochs"], lr=s["lr"], optimizer=s["optimizer"], loss=s["loss"], print_fn=None)
    cpu = {}
    t = median_times(cases, repeat, cpu)

    ref_us = t["ref"] / ref_epochs * 1e6
    row("seed-style reference, 2-10-10-1 sigmoid, GD", ref_us, "µs/epoch", 1.0, "(baseline)", None)
    train_us = t["train"] / ref_epochs * 1e6
    row("train(), one 2-10-10-1 sigmoid network, GD", train_us, "µs/epoch", ref_us / train_us,
        "≥ 1.1× reference", ref_us / train_us >= 1.1)
    ref_cpu, train_cpu = (cpu[k] / ref_epochs * 1e6 for k in ("ref", "train"))
    row(f"  the same in CPU time (reference: {ref_cpu:.1f})", train_cpu, "µs/epoch", ref_cpu / train_cpu,
        "≥ 1.1× reference", ref_cpu / train_cpu >= 1.1)
    ref_sgd_us, sgd_us = (t[k] / SGD_EPOCHS * 1e6 for k in ("ref sgd", "train sgd"))
    row("seed-style per-sample SGD loop (100 steps/epoch)", ref_sgd_us, "µs/epoch", 1.0, "(baseline)", None)
    row("train(batch_size=1), the same 100 steps/epoch", sgd_us, "µs/epoch", ref_sgd_us / sgd_us,
        "≤ 1.5× its time", sgd_us <= 1.5 * ref_sgd_us)
    workers = importlib.import_module("backprop_lab.experiments.sweep")._workers(None)   # (bl.sweep is the function)
    # sweep()'s own targets are against the code before issue 19 (compare_commits.py): here the ratio
    # column is only its throughput against the reference.
    sweep_us = t["sweep"] / (64 * sweep_epochs) * 1e6
    row(f"sweep(), K=64 (8 lr × 8 seeds), float64, {workers} thread(s)", sweep_us, "µs/network-epoch",
        ref_us / sweep_us, "(before/after: compare_commits.py)", None)
    sweep1_us = t["sweep1"] / (64 * sweep_epochs) * 1e6
    row("  the same in one thread (workers=1)", sweep1_us, "µs/network-epoch", ref_us / sweep1_us, "", None)
    # The most threads can give: every thread as fast as the one thread alone, no sharing at all.
    row(f"  ceiling with {workers} threads: one-thread time / {workers}", sweep1_us / workers, "µs/network-epoch",
        ref_us * workers / sweep1_us, "(information)", None)
    # The floor of any engine making these NumPy calls: each call of one epoch of the one-thread sweep
    # (same shapes, same values, same memory layout), timed alone and summed (numpy_floor.py). The ratio
    # column is the one-thread sweep's time over it.
    floor = float(np.median(floors[1:]))                                 # without the warm-up
    row(f"  NumPy floor: its {len(calls)} calls of an epoch, each alone", floor, "µs/network-epoch",
        sweep1_us / floor, "1 thread ≤ 1.35× floor", sweep1_us / floor <= 1.35)
    sweep1_cpu = cpu["sweep1"] / (64 * sweep_epochs) * 1e6
    row("  the one-thread sweep in CPU time, / floor", sweep1_cpu, "µs/network-epoch", sweep1_cpu / floor,
        "1 thread ≤ 1.35× floor", sweep1_cpu / floor <= 1.35)
    # The same engine timed one epoch at a time (median), as the floor's calls are: on a loaded machine
    # the whole sweep's wall time also counts the moments this process waited for a CPU.
    epoch = float(np.median(epochs_alone[1:]))
    row("  the engine's epoch, timed epoch by epoch (median)", epoch, "µs/network-epoch", epoch / floor,
        "(information: / floor)", None)
    for name in panels:
        first, whole = np.median(frames[name][1:], axis=0)               # without the warm-up
        row(f"playground {name}: first frame", first, "ms", None, "≤ 100 ms", first <= 100)
        row("  the whole run, animation included", whole, "ms", None, "≤ 400 ms", whole <= 400)
        row("  of which train() alone", t[name + " train"] * 1e3, "ms", None, "", None)
    keys = browser_timings()
    if keys is None:
        print("browser: key press on a slider -> new image: not measured here (run pytest tests/browser)")
    else:
        ms, n, when = keys
        row(f"browser: key on a slider -> first new image ({n} keys, {when[:16]})", ms, "ms", None, "≤ 400 ms",
            ms <= 400)
    playground_views.rows(row, repeat)          # issue 22: Play's frame rate, the network picture

def profile_train(epochs=1000):
    """Where train()'s time goes: cumulative stages (forward, + loss, + backward, + step = the bare
    loop), on what train() runs for an MLP of the package's layers (``engine.one_network``, the flat
    engine with K = 1: the same formulas on one flat parameter vector) and on the teaching loop over
    the layers themselves (what train() runs for a model with a layer of your own); then train() itself (+ history,
    accuracy, divergence check, snapshots, over the first); then cProfile."""
    x, y = bl.generate_linear(100, seed=0)
    loss_fn = bl.get_loss("mse")

    def loop(stages, flat):
        model, opt = bl.MLP(SIZES, seed=0), bl.get_optimizer("gd", 1.0)
        with (engine.one_network(model, opt) if flat else contextlib.nullcontext(model)) as net:
            for _ in range(epochs):
                pred = net.forward(x)
                if stages > 1:
                    _, grad = loss_fn.value_and_grad(pred, y)
                if stages > 2:
                    net.backward(grad)
                if stages > 3:
                    net.step() if flat else opt.step(model.parameters())
    stages = {"forward (3 × Linear + sigmoid)": 1, "loss (MSE value and gradient)": 2,
              "backward (3 × Linear + sigmoid)": 3, "optimizer step (GD on net.parameters())": 4}
    for flat, what in ((True, "the flat engine, what train() runs for an MLP"),
                       (False, "the layers' own forward/backward, model.parameters()")):
        cases = {name: (lambda n=n, flat=flat: loop(n, flat)) for name, n in stages.items()}
        if flat:
            cases["train() bookkeeping (history, accuracy, checks)"] = lambda: bl.train(
                bl.MLP(SIZES, seed=0), x, y, epochs=epochs, lr=1.0)
        t = median_times(cases, 7)
        print(f"\ntrain() profile, 2-10-10-1 sigmoid, GD, {what}: µs/epoch per stage (each stage's loop "
              f"minus the previous one; median of 7, {epochs} epochs)")
        previous = 0.0
        for name, seconds in t.items():
            us = seconds / epochs * 1e6
            print(f"  {name:<50} {us - previous:6.1f}")
            previous = us
        print(f"  {'total train()' if flat else 'total loop':<50} {previous:6.1f}")
    prof = cProfile.Profile()
    prof.runcall(bl.train, bl.MLP(SIZES, seed=0), x, y, epochs=epochs, lr=1.0)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    print("\ncProfile of train() (own time per function; cProfile adds its own overhead):")
    print("\n".join(out.getvalue().splitlines()[4:]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="repetitions per row (the median is printed)")
    ap.add_argument("--epochs", type=int, default=2000, help="epochs for the reference and train() rows")
    ap.add_argument("--sweep-epochs", type=int, default=500, help="epochs for the sweep row")
    ap.add_argument("--profile", action="store_true", help="also show where train()'s time goes")
    args = ap.parse_args(argv)
    bench(args.repeat, args.epochs, args.sweep_epochs)
    if args.profile:
        profile_train()


if __name__ == "__main__":
    main()
