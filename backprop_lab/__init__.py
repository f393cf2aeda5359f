"""backprop_lab: back-propagation from scratch, in NumPy, for learning.

Layers (``Linear``, ``Sigmoid``, ``Tanh``, ``ReLU``, ``Identity``) share one contract,
``forward(x) -> out`` and ``backward(grad_out) -> grad_in``; ``MLP`` builds the lab's network;
``train`` runs forward, loss, backward and an optimizer step for a number of epochs.

>>> import backprop_lab as bl
>>> x, y = bl.generate_xor_easy()
>>> model = bl.MLP((2, 10, 10, 1), seed=0)
>>> history = bl.train(model, x, y, epochs=3000, lr=1.0)
"""
from .data import (
    DATASETS,
    generate_circles,
    generate_linear,
    generate_spiral,
    generate_xor_between,
    generate_xor_easy,
    load_dataset,
    load_test_set,
)
from .experiments.sweep import SweepResult, sweep
from .features import FEATURES, add_features
from .figures.graph import draw_graph, graph_nodes
from .figures.network import plot_network
from .figures.neurons import input_grid, neuron_outputs, plot_neuron_maps
from .figures.plots import draw_network, plot_decision_boundary, plot_learning_curves, show_result
from .metrics import accuracy, print_loss_log, print_predictions
from .nn.activations import ACTIVATIONS, Activation, Identity, ReLU, Sigmoid, Tanh, get_activation, sigmoid
from .nn.gradcheck import (
    check_layer_gradients,
    check_loss_gradient,
    check_model_gradients,
    numerical_gradient,
    rel_error,
)
from .nn.layers import Layer, Linear, Parameter, parameters_to_vector, vector_to_parameters
from .nn.losses import LOSSES, BCELoss, Loss, MSELoss, get_loss
from .nn.model import MLP, Sequential, load_model
from .nn.optim import DEFAULT_LR, GD, OPTIMIZERS, Adam, Momentum, Optimizer, default_lr, get_optimizer
from .nn.train import History, TrainingDiverged, train
from .rounding import approx, mean_pm

__version__ = "0.1.0"
