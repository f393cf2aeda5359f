"""Stored outputs hold on another computer: re-run the notebooks with the training samples permuted.

Another CPU (BLAS kernel, thread count, vector width) adds the same numbers in another order, and a
sensitive run amplifies the difference in the last bits. Permuting the training samples does exactly
that to every sum over the batch and nothing else, without touching the BLAS configuration (which some
machines set for correctness). So each notebook is run again under nbval, in a kernel whose ``train``
and ``sweep`` see the samples in a fixed permuted order (``portability/permute_samples.py``), and
every stored output must come out the same.

The same idea is checked on its own below: a quantity that does change under the permutation (the
epochs seed 1 of the XOR network needs) prints the same through ``rounding.approx``.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.rounding import approx, mean_pm, round_sig

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))


def _permuted(x, y, seed):
    order = np.random.default_rng(seed).permutation(len(x))
    return x[order], y[order]


def test_permuting_the_samples_changes_only_the_rounding():
    # Sanity check of the method: on a run that is not sensitive the loss curves agree to ~1e-12,
    # they are not bit-identical (otherwise the notebook run below would prove nothing).
    x, y = bl.generate_linear(100, seed=1)
    a = bl.train(bl.MLP(seed=0), x, y, epochs=300, lr=1.0)
    b = bl.train(bl.MLP(seed=0), *_permuted(x, y, 1), epochs=300, lr=1.0)
    assert not np.array_equal(a.loss, b.loss)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)


def test_approx_holds_where_the_raw_number_does_not():
    # Seed 1 of the lab's XOR network (GD, lr = 1) passes a saddle: the epoch at which it reaches
    # 100% moves by a few epochs with the order of the samples. The raw counts differ; two
    # significant figures of the median over the five seeds of notebook 06 do not.
    x, y = bl.generate_xor_easy()
    runs = []
    for perm_seed in (None, 1, 2, 3):
        xs, ys = (x, y) if perm_seed is None else _permuted(x, y, perm_seed)
        runs.append([bl.train(bl.MLP(seed=s), xs, ys, epochs=2000, lr=1.0, print_fn=None).epochs_to_accuracy() or np.inf
                     for s in range(5)])
    raw = {r[1] for r in runs}
    assert len(raw) > 1, f"seed 1 no longer depends on the sample order ({raw}); pick a sensitive example"
    assert len({approx(np.median(r)) for r in runs}) == 1
    assert len({approx(max(r)) for r in runs}) == 1


@pytest.mark.parametrize("value, sig, text", [(779, 2, "780"), (774.9, 2, "770"), (4785, 2, "4,800"),
                                              (0.04213, 2, "0.042"), (56.5, 2, "57"), (None, 2, "never"),
                                              (np.inf, 2, "never"), (0, 2, "0"), (1234.5, 4, "1,235"),
                                              (3, 2, "3"), (3.0, 2, "3"), (1.04, 2, "1.0")])
def test_approx(value, sig, text):
    assert approx(value, sig) == text


def test_round_sig_rounds_half_away_from_zero():
    assert round_sig(0.125, 2) == pytest.approx(0.13) and round_sig(-0.125, 2) == pytest.approx(-0.13)
    with pytest.raises(ValueError, match="sig"):
        round_sig(1.0, 0)


@pytest.mark.parametrize("mean, std, percent, text", [
    (0.4903, 0.0281, False, "0.49 ± 0.03"), (0.004214, 9.7e-05, False, "0.0042 ± 0.0001"),
    (0.775, 0.168, True, "80% ± 20%"), (1.0, 0.0, True, "100% ± 0%"), (0.25, 1e-18, False, "0.2500 ± 0"),
    (512.0, 31.0, False, "510 ± 30"), (np.nan, 0.1, False, "—"),
    (0.2494331067, 3e-10, False, "0.2494 ± 0"), (0.524, 1e-9, True, "52.4% ± 0%")])
def test_mean_pm(mean, std, percent, text):
    assert mean_pm(mean, std, percent) == text


def test_mean_pm_with_fixed_significant_figures():
    # notebook 07's lr = 100 row: each seed ends at 0.47 or 0.53, and which one depends on rounding
    assert mean_pm(0.4952, 0.028, sig=1) == mean_pm(0.4903, 0.0281, sig=1) == "0.5 ± 0.03"
    assert mean_pm(0.51, 0.028, percent=True, sig=1) == mean_pm(0.50, 0.03, percent=True, sig=1) == "50% ± 3%"
    assert mean_pm(1.0, 0.0, percent=True, sig=1) == "100% ± 0%"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_stored_outputs_hold_with_the_samples_permuted(notebook, tmp_path):
    """nbval against the stored outputs, in a kernel whose train/sweep see the samples permuted."""
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "portability" / "permute_samples.py", startup / "00_permute_samples.py")
    log = tmp_path / "permutations.log"
    seed = os.environ.get("BACKPROP_LAB_PERMUTATION_SEED", "1")         # another order: set it by hand
    env = dict(os.environ, IPYTHONDIR=str(tmp_path / "ipython"), BACKPROP_LAB_PERMUTATION_SEED=seed,
               BACKPROP_LAB_PERMUTATION_LOG=str(log))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
                           f"notebooks/{notebook}"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{notebook} changes with the samples permuted:\n{proc.stdout[-6000:]}"
    # The start-up file really ran in the kernel, and permuted the data of every notebook that trains
    # (otherwise this test would prove nothing).
    lines = log.read_text().splitlines()
    assert lines[0] == "loaded"
    source = (ROOT / "notebooks" / notebook).read_text()
    trains = "bl.train(" in source or "sweep(" in source
    assert not trains or any(line.startswith("permuted") for line in lines)
