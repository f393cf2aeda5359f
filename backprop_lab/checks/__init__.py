"""The exercise checks: each runs a student's function, names the typical mistake it sees, and stands in
with the package's version while the exercise is unfinished.

``from backprop_lab import checks`` gives every check of notebooks 1-5 and 13 (``checks.check_sigmoid_derivative``,
``checks.yours_or_package``...); notebooks 11 and 12 also use ``checks.optim`` and ``checks.layers``.

* ``verdict``: what every check shares (``CheckResult``, calling the student's code, the report);
* ``sigmoid``: notebook 1 (σ′, and the stable sigmoid, with its watch on ``numpy.exp``);
* ``basics``: notebooks 2 and 5 (the forward pass, a training step, the loop) and the MSE and
  linear-layer gradients (notebook 3) and BCE's (notebook 13);
* ``backprop``: notebook 3's numerical gradient, notebook 4's forward cache and whole backward pass;
* ``optim``: notebook 11's ``Momentum`` and ``Adam``; ``layers``: notebook 12's ``Tanh`` and ``ReLU``;
* ``grading``: what the locked graded cells run: a fresh copy of these checks, and ``same``, the hidden
  tests' comparison with values the cell holds.
"""
from . import grading, layers, optim
from .backprop import (
    check_backward_pass,
    check_forward_cache,
    check_numerical_gradient,
    forward_cache,
    package_backward_pass,
)
from .basics import (
    check_bce_grad,
    check_fit,
    check_forward,
    check_linear_backward,
    check_mse_grad,
    check_train_step,
    package_bce_grad,
    package_train_step,
)
from .grading import backward_from_inputs, fit_on, layer_pass, optimizer_path, same, train_step_on
from .sigmoid import check_sigmoid_derivative, check_stable_sigmoid
from .verdict import CheckResult, call, close, report, verdict, yours_or_package
