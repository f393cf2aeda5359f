"""The computational-graph figure: the nodes are the forward pass, the gradients are dL/d(node)."""
import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.figures.graph import draw_graph, graph_nodes


def _setup():
    x, y = bl.generate_xor_easy()
    return bl.MLP((2, 10, 10, 1), seed=0), x[:5], y[:5]


def test_nodes_are_the_forward_pass_with_their_shapes():
    model, x, y = _setup()
    nodes = graph_nodes(model, x, y)
    assert [n["name"] for n in nodes] == ["X", "A1", "Z1", "A2", "Z2", "A3", "ŷ", "L"]
    assert [n["value"].shape for n in nodes] == [(5, 2), (5, 10), (5, 10), (5, 10), (5, 10), (5, 1), (5, 1), (1, 1)]
    W1, b1 = model.linear_layers()[0].weight, model.linear_layers()[0].bias
    np.testing.assert_allclose(nodes[1]["value"], x @ W1 + b1, rtol=1e-14)
    np.testing.assert_allclose(nodes[2]["value"], bl.sigmoid(x @ W1 + b1), rtol=1e-14)
    assert nodes[-1]["value"][0, 0] == pytest.approx(np.mean((nodes[-2]["value"] - y) ** 2))
    assert [n["local"] for n in nodes[1:3]] == ["·W1ᵀ", "σ′ = Z1(1−Z1)"]


def test_gradients_are_dL_dnode_checked_by_finite_differences():
    model, x, y = _setup()
    nodes = graph_nodes(model, x, y)
    np.testing.assert_allclose(nodes[-2]["grad"], 2 * (nodes[-2]["value"] - y) / len(y), rtol=1e-14)
    # dL/dA2[n, j] by perturbing A2 alone and running the rest of the network forward
    rest = model.layers[3:]

    def loss_from(a2):
        out = a2
        for layer in rest:
            out = layer.forward(out)
        return float(np.mean((out - y) ** 2))

    a2, h = nodes[3]["value"].copy(), 1e-6
    for n, j in [(0, 0), (3, 7)]:
        plus, minus = a2.copy(), a2.copy()
        plus[n, j] += h
        minus[n, j] -= h
        assert nodes[3]["grad"][n, j] == pytest.approx((loss_from(plus) - loss_from(minus)) / (2 * h), rel=1e-6)
    # and the input's gradient is the last chain-rule step
    np.testing.assert_allclose(nodes[0]["grad"], nodes[1]["grad"] @ model.linear_layers()[0].weight.T, rtol=1e-12)


def test_draw_graph_draws_one_box_per_node_and_refuses_bad_arguments():
    model, x, y = _setup()
    ax = draw_graph(model, x, y, sample=2, values="grad")
    boxes = [p for p in ax.patches if not p.get_fill()]
    assert len(boxes) == 8 and "sample 2" in ax.get_title()
    with pytest.raises(ValueError, match="values must be 'forward' or 'grad'"):
        draw_graph(model, x, y, values="weights")
    with pytest.raises(ValueError, match="sample must be a row index from 0 to 4"):
        draw_graph(model, x, y, sample=5)
