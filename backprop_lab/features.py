"""Input features: what the network sees of a point (x1, x2) of the plane, as TensorFlow Playground offers.

``add_features(x, ["x1", "x2", "x1*x2"])`` turns points x (N, 2) into the columns named, (N, 3) here.
With x1·x2 among its inputs even a network without hidden layers separates XOR: the product is
positive in two quadrants and negative in the other two, a boundary no straight line in (x1, x2) draws.
The pictures (boundaries, neuron maps, ``plot_network``) still show the 2-D plane.
"""
from __future__ import annotations

import numpy as np

from .validation import as_2d_array, lookup

#: The features by name, each a function of the points x (N, 2) giving one column (N,).
FEATURES = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1^2": lambda x: x[:, 0] ** 2,
    "x2^2": lambda x: x[:, 1] ** 2,
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: np.sin(x[:, 0]),
    "sin(x2)": lambda x: np.sin(x[:, 1]),
}

#: How the pictures and the panel write each feature.
LABELS = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin(x1)": "sin x₁",
          "sin(x2)": "sin x₂"}


def feature_names(names) -> tuple[str, ...]:
    """``names`` (one name or a sequence) checked against ``FEATURES`` and made canonical; an unknown
    name raises ``ValueError`` listing the valid ones, an empty or repeated list too."""
    if isinstance(names, str):
        names = [names]
    try:
        names = list(names)
    except TypeError:
        raise TypeError(f"features must be a list of names such as ['x1', 'x2', 'x1*x2']; got {names!r}.") from None
    canonical = []
    for name in names:
        name = name.replace(" ", "").lower() if isinstance(name, str) else name
        lookup(FEATURES, name, "feature")              # an unknown name: the error lists the valid ones
        canonical.append(name)
    canonical = tuple(canonical)
    if not canonical:
        raise ValueError(f"features must name at least one of {', '.join(FEATURES)}.")
    if len(set(canonical)) != len(canonical):
        raise ValueError(f"features lists a name twice: {list(canonical)}; each column once.")
    return canonical


def add_features(x, names) -> np.ndarray:
    """The columns ``names`` (from ``FEATURES``) of the points ``x``.

    x: (N, 2) points of the plane; names: e.g. ["x1", "x2", "x1*x2"]. Returns (N, len(names)), the
    columns in the order named.
    """
    x = as_2d_array(x, "x")
    if x.shape[1] != 2:
        raise ValueError(f"x must hold points of the plane, shape (N, 2); got shape {x.shape}. The features are "
                         f"functions of (x1, x2).")
    return np.column_stack([FEATURES[name](x) for name in feature_names(names)])
