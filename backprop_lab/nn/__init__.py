"""The network and its training: what the lecture teaches.

* ``layers``: ``Linear`` and the ``Layer`` contract, ``forward(x) -> out``, ``backward(grad_out) -> grad_in``;
* ``activations``: ``Sigmoid``, ``Tanh``, ``ReLU``, ``Identity``, each a ``function`` and a ``derivative``;
* ``losses``: ``MSELoss``, ``BCELoss``; ``optim``: ``GD``, ``Momentum``, ``Adam``, each owning its state;
* ``model``: ``Sequential``, ``MLP``, saving and loading; ``train``: the training loop and its ``History``;
* ``gradcheck``: numerical gradients to check all of the above;
* the fast engine, which runs the same definitions on one flat parameter vector.

Nothing here imports from the figures, the experiments, the checks or the playground.
"""
