"""The settings of a run, each checked and put in canonical form in one place.

``sweep`` (one value or a list per setting) and the playground (one value each) both call
``setting(name, value)``: "Sigmoid" becomes "sigmoid", "sgd" becomes "gd", a hidden size ``10``
becomes ``(10, 10)``, a learning rate is checked to be a positive number, and so on; anything
else gets the package's error naming the setting. The two defaults that depend on another
setting are worked out here too: ``resolve_lr`` (``lr=None``: the optimizer's ``default_lr``)
and ``resolve_output_activation``.
"""
from __future__ import annotations

from numbers import Integral

from ..data import DATASETS, noise_level
from ..features import feature_names
from ..nn.activations import ACTIVATIONS
from ..nn.layers import INITS
from ..nn.losses import LOSSES
from ..nn.optim import OPTIMIZERS, default_lr
from ..validation import check_learning_rate, check_positive_int, check_weight_decay, lookup


def hidden_sizes(h) -> tuple:
    """One hidden-size setting as a tuple of layer sizes: a tuple (h1, ..., hL) of any length, or an
    int h, which means two layers of h, (h, h), as it always has in the lab."""
    sizes = (h, h) if isinstance(h, Integral) and not isinstance(h, bool) else (
        tuple(h) if isinstance(h, (tuple, list)) else None)
    if sizes is None:
        raise ValueError(f"a hidden setting is a tuple of layer sizes such as (10,) or (10, 10), or an int h "
                         f"for (h, h); got {h!r}.")
    return tuple(check_positive_int(s, f"hidden[{i}] (units in hidden layer {i + 1})") for i, s in enumerate(sizes))


def _name(table, what):
    return lambda value: lookup(table, value, what).name


def _dataset(value):
    lookup(DATASETS, value, "dataset")
    return value.strip().lower()


def _init(value):
    lookup(INITS, value, "init")
    return value.strip().lower()


def _lr(value):
    return None if value is None else check_learning_rate(value)


#: How each setting is checked and made canonical: name -> function(value) -> canonical value.
RULES = {
    "dataset": _dataset,
    "lr": _lr,
    "hidden": hidden_sizes,
    "activation": _name(ACTIVATIONS, "activation"),
    "output_activation": lambda v: None if v is None else _name(ACTIVATIONS, "output activation")(v),
    "optimizer": _name(OPTIMIZERS, "optimizer"),
    "loss": _name(LOSSES, "loss"),
    "epochs": lambda v: check_positive_int(v, "epochs"),
    "seed": lambda v: check_positive_int(v, "seed", minimum=0),
    "init": _init,
    "noise": noise_level,
    "batch_size": lambda v: None if v is None else check_positive_int(v, "batch_size"),
    "weight_decay": check_weight_decay,
    "features": feature_names,
}


def setting(name: str, value):
    """``value`` of the setting ``name`` in canonical form, or the package's error saying what is wrong."""
    return lookup(RULES, name, "setting")(value)


def resolve_lr(optimizer: str, lr) -> float:
    """The learning rate to use: ``lr``, or the optimizer's default (``optim.DEFAULT_LR``) if it is None."""
    return default_lr(optimizer) if lr is None else check_learning_rate(lr)


def resolve_output_activation(activation: str, output_activation) -> str:
    """The output activation to use: the one given, else "sigmoid"; but "none" when ``activation`` is
    "none" and none is given, so that ``activation="none"`` means no activation anywhere."""
    if output_activation is not None:
        return setting("output_activation", output_activation)
    return "none" if setting("activation", activation) == "none" else "sigmoid"


def check_loss_fits(loss: str, output_activation: str) -> None:
    """Refuse a loss that cannot take the output activation's values (BCE without a sigmoid output)."""
    LOSSES[setting("loss", loss)]().check_output(ACTIVATIONS[output_activation].output_range,
                                                 f"output_activation={output_activation!r}")

