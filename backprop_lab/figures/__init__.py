"""Figures: the lab's plots, the computational graph and the neuron maps.

* ``plots``: ``show_result``, ``plot_learning_curves``, ``plot_decision_boundary``, ``draw_network``, and
  the colours every picture of the package uses (``CLASS_COLORS``, ``BOUNDARY_CMAP``);
* ``graph``: ``draw_graph``, the computational graph with one sample's values or gradients;
* ``neurons``: ``plot_neuron_maps``, what every hidden unit computes over the input plane.
"""
