"""The lab's data sets, and two harder ones for the experiments.

Every generator returns ``x`` of shape (n, 2) and labels ``y`` of shape (n, 1) with values 0 or 1.
``generate_linear`` and ``generate_xor_easy`` reproduce the course handout's generators exactly.
"""
from __future__ import annotations

import numpy as np

from .validation import check_positive_int, lookup


def generate_linear(n: int = 100, seed=None):
    """``n`` points uniform in the unit square; label 0 where x > y, else 1. Returns (n, 2), (n, 1).

    With ``seed=None`` the points come from NumPy's global random state, exactly as the handout's
    ``generate_linear`` draws them (``np.random.seed(s); generate_linear()`` gives its points). With an
    integer ``seed`` (or a ``numpy.random.Generator``) an own generator is used and the global state is
    left untouched.
    """
    n = check_positive_int(n, "n")
    if seed is None:
        pts = np.random.uniform(0, 1, (n, 2))
    else:
        pts = np.random.default_rng(seed).uniform(0, 1, (n, 2))
    labels = np.where(pts[:, 0] > pts[:, 1], 0, 1)
    return pts, labels.reshape(n, 1)


def generate_xor_easy():
    """The handout's 21 XOR points: (0.1i, 0.1i) labelled 0 and (0.1i, 1 - 0.1i) labelled 1,
    interleaved, for i = 0..10, the second point skipped at i = 5 (it would coincide with the first).
    Returns (21, 2), (21, 1); deterministic."""
    inputs, labels = [], []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)
    return np.array(inputs), np.array(labels).reshape(21, 1)


def generate_circles(n: int = 200, noise: float = 0.08, seed=0):
    """A disk (label 0) inside a ring (label 1), in the unit square; not linearly separable.

    Half the points per class (class 0 gets the extra one for odd n), radii around 0.15 and 0.38 from
    the centre (0.5, 0.5), Gaussian noise of std ``noise``. Returns (n, 2), (n, 1).
    """
    n = check_positive_int(n, "n", minimum=2)
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    radius = np.concatenate([rng.uniform(0, 0.25, n0) ** 0.5 * 0.3, rng.uniform(0.3, 0.45, n1)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = 0.5 + np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x += rng.normal(0, noise / 2, x.shape)
    y = np.concatenate([np.zeros(n0, dtype=int), np.ones(n1, dtype=int)]).reshape(n, 1)
    order = rng.permutation(n)
    return x[order], y[order]


def generate_spiral(n: int = 200, turns: float = 1.25, noise: float = 0.02, seed=0):
    """Two interleaved spirals (labels 0 and 1) in the unit square, the hardest of the four sets.

    Returns (n, 2), (n, 1); ``turns`` sets how far the arms wind, ``noise`` the jitter.
    """
    n = check_positive_int(n, "n", minimum=2)
    rng = np.random.default_rng(seed)
    n1 = n // 2
    n0 = n - n1
    label = np.concatenate([np.zeros(n0, dtype=int), np.ones(n1, dtype=int)])
    t = np.concatenate([np.linspace(0.05, 1, n0), np.linspace(0.05, 1, n1)])
    angle = 2 * np.pi * turns * t + np.pi * label
    r = 0.45 * t
    x = 0.5 + np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + rng.normal(0, noise, (n, 2))
    order = rng.permutation(n)
    return x[order], label[order].reshape(n, 1)


def generate_xor_between():
    """20 points on the XOR set's two diagonals, halfway between the handout's 21: (t, t) labelled 0
    and (t, 1 - t) labelled 1 for t = 0.05, 0.15, ..., 0.95. The XOR set's held-out points (the handout's
    generator has no randomness to draw new points from). Returns (20, 2), (20, 1)."""
    t = 0.05 + 0.1 * np.arange(10)
    x = np.stack([np.column_stack([t, t]), np.column_stack([t, 1 - t])], axis=1).reshape(20, 2)
    return x, np.tile([0, 1], 10).reshape(20, 1)


#: Data sets by name, each a function of ``seed`` (ignored by the deterministic XOR set).
DATASETS = {
    "linear": lambda seed=0: generate_linear(100, seed=seed),
    "xor": lambda seed=0: generate_xor_easy(),
    "circles": lambda seed=0: generate_circles(seed=seed),
    "spiral": lambda seed=0: generate_spiral(seed=seed),
}

#: Held-out points of each data set: the same generator with another stream of random numbers; for XOR,
#: whose generator has no randomness, the 20 points halfway between the handout's 21 on its two diagonals.
TEST_SETS = {
    "linear": lambda seed=0: generate_linear(100, seed=_stream(seed, 2)),
    "xor": lambda seed=0: generate_xor_between(),
    "circles": lambda seed=0: generate_circles(seed=_stream(seed, 2)),
    "spiral": lambda seed=0: generate_spiral(seed=_stream(seed, 2)),
}


def _stream(seed, k: int):
    """An independent generator number ``k`` for an integer ``seed`` (a ``Generator`` is used as it is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng([check_positive_int(seed, "seed", minimum=0), k])


def noise_level(value) -> float:
    """The standard deviation of the noise added to the points: a number from 0 to 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 <= float(value) <= 1:
        raise ValueError(f"noise is the standard deviation of the jitter added to every point, a number from "
                         f"0 to 1 (0.1 is a tenth of the unit square); got {value!r}.")
    return float(value)


def add_noise(x, noise: float, rng):
    """x (N, 2) plus Gaussian jitter of standard deviation ``noise`` (a new array; x itself if noise is 0)."""
    return x + rng.normal(0, noise, x.shape) if noise else x


def load_dataset(name: str, seed=0, noise: float = 0.0):
    """``x, y`` of the data set ``name`` ("linear", "xor", "circles", "spiral"), drawn with ``seed``;
    ``noise`` > 0 moves every point by Gaussian jitter of that standard deviation (seeded too)."""
    noise = noise_level(noise)
    x, y = lookup(DATASETS, name, "dataset")(seed)
    return (add_noise(x, noise, _stream(seed, 1)) if noise else x), y


def load_test_set(name: str, seed=0, noise: float = 0.0):
    """Held-out ``x, y`` for ``load_dataset(name, seed, noise)``, never its training points: the same
    generator with another stream of random numbers (XOR: ``generate_xor_between``), with their own noise."""
    noise = noise_level(noise)
    x, y = lookup(TEST_SETS, name, "dataset")(seed)
    return (add_noise(x, noise, _stream(seed, 3)) if noise else x), y
