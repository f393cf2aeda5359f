"""One training step of a tiny network, worked out by hand, against the package.

The network is Linear(2, 1) followed by a sigmoid: ŷ = σ(x W + b), with

    x = [1, 2],   W = [[0.5], [-0.25]],   b = ln 3,   target y = 0,   MSE loss,   GD with lr = 0.5.

b = ln 3 is chosen so that σ gives a simple number that is not 1/2 (where s and 1 - s would coincide
and a swapped factor would go unnoticed); every other number is a short binary fraction, exact in
floating point.
"""
import math

import numpy as np
import pytest

import backprop_lab as bl

X = np.array([[1.0, 2.0]])
W = np.array([[0.5], [-0.25]])
B = np.array([[math.log(3.0)]])
Y = np.array([[0.0]])
LR = 0.5

# Forward:
#   z = x W + b = 1 * 0.5 + 2 * (-0.25) + ln 3 = 0.5 - 0.5 + ln 3 = ln 3 ≈ 1.0986
#   ŷ = σ(z) = 1 / (1 + e^(-ln 3)) = 1 / (1 + 1/3) = 3/4 = 0.75
Z = math.log(3.0)
Y_HAT = 0.75
# Loss (N = 1 sample): L = (ŷ - y)^2 / N = 0.75^2 = 0.5625
LOSS = 0.5625
# Backward, by the chain rule:
#   dL/dŷ = 2 (ŷ - y) / N = 2 * 0.75 = 1.5
#   dŷ/dz = σ'(z) = ŷ (1 - ŷ) = 0.75 * 0.25 = 0.1875
#   dL/dz = 1.5 * 0.1875 = 0.28125
#   dL/dW = xᵀ dL/dz = [[1 * 0.28125], [2 * 0.28125]] = [[0.28125], [0.5625]]
#   dL/db = dL/dz summed over the batch = 0.28125
#   dL/dx = dL/dz Wᵀ = 0.28125 * [0.5, -0.25] = [0.140625, -0.0703125]
DL_DYHAT = 1.5
DL_DZ = 0.28125
DL_DW = np.array([[0.28125], [0.5625]])
DL_DB = np.array([[0.28125]])
DL_DX = np.array([[0.140625, -0.0703125]])
# One gradient-descent step, W ← W - lr dL/dW with lr = 0.5:
#   W' = [[0.5 - 0.5 * 0.28125], [-0.25 - 0.5 * 0.5625]] = [[0.5 - 0.140625], [-0.25 - 0.28125]]
#      = [[0.359375], [-0.53125]]
#   b' = ln 3 - 0.5 * 0.28125 = ln 3 - 0.140625 ≈ 0.957987
W_AFTER = np.array([[0.359375], [-0.53125]])
B_AFTER = np.array([[math.log(3.0) - 0.140625]])
# After the step: z' = 0.359375 - 2 * 0.53125 + ln 3 - 0.140625 = ln 3 - 0.84375 ≈ 0.254862,
#   ŷ' = σ(z') = 1 / (1 + 3^(-1) e^(0.84375)) ≈ 1 / (1 + 0.77503) ≈ 0.5634, L' = ŷ'^2 ≈ 0.3174 < 0.5625.
Y_HAT_AFTER = 1.0 / (1.0 + math.exp(0.84375) / 3.0)


def _tiny_model():
    model = bl.MLP((2, 1), activation="sigmoid", output_activation="sigmoid", seed=0)
    assert [type(layer) for layer in model.layers] == [bl.Linear, bl.Sigmoid]
    model.load_state_dict({"0.weight": W, "0.bias": B})
    return model


def test_forward_loss_and_gradients_by_hand():
    model = _tiny_model()
    lin, sig = model.layers

    z = lin.forward(X)
    assert z[0, 0] == pytest.approx(Z, rel=1e-15)
    y_hat = sig.forward(z)
    assert y_hat[0, 0] == pytest.approx(Y_HAT, rel=1e-15)

    loss = bl.MSELoss()
    assert loss.forward(y_hat, Y) == pytest.approx(LOSS, rel=1e-15)
    dl_dyhat = loss.backward()
    np.testing.assert_allclose(dl_dyhat, [[DL_DYHAT]], rtol=1e-15)

    dl_dz = sig.backward(dl_dyhat)
    np.testing.assert_allclose(dl_dz, [[DL_DZ]], rtol=1e-14)
    dl_dx = lin.backward(dl_dz)
    np.testing.assert_allclose(lin.weight_grad, DL_DW, rtol=1e-14)
    np.testing.assert_allclose(lin.bias_grad, DL_DB, rtol=1e-14)
    np.testing.assert_allclose(dl_dx, DL_DX, rtol=1e-14)


def test_one_gradient_descent_step_by_hand():
    model = _tiny_model()
    loss = bl.MSELoss()
    loss.forward(model.forward(X), Y)
    model.backward(loss.backward())
    bl.GD(LR).step(model.parameters())
    np.testing.assert_allclose(model.layers[0].weight, W_AFTER, rtol=1e-14)
    np.testing.assert_allclose(model.layers[0].bias, B_AFTER, rtol=1e-14)
    np.testing.assert_allclose(model.predict_proba(X), [[Y_HAT_AFTER]], rtol=1e-12)
    # and the step helped: L' ≈ 0.3174 < 0.5625
    assert loss.forward(model.forward(X), Y) == pytest.approx(0.3174, abs=1e-4)


def test_train_for_one_epoch_matches_the_hand_computation():
    model = _tiny_model()
    history = bl.train(model, X, Y, epochs=1, lr=LR, optimizer="gd", loss="mse")
    # the loss is recorded before the update, on the initial weights
    assert history.loss.tolist() == pytest.approx([LOSS], rel=1e-15)
    # ŷ = 0.75 > 0.5 is class 1 but the label is 0: accuracy 0
    assert history.accuracy.tolist() == [0.0]
    np.testing.assert_allclose(model.layers[0].weight, W_AFTER, rtol=1e-14)
    np.testing.assert_allclose(model.layers[0].bias, B_AFTER, rtol=1e-14)
    # the snapshots hold the weights before (epoch 0) and after (epoch 1) the step
    assert history.snapshot_epochs == [0, 1]
    np.testing.assert_allclose(history.weights_at(0)["0.weight"], W, rtol=0)
    np.testing.assert_allclose(history.weights_at(1)["0.weight"], W_AFTER, rtol=1e-14)


def test_bce_with_sigmoid_gives_the_simple_gradient_by_hand():
    # Same forward pass (ŷ = 3/4, y = 0), binary cross-entropy instead:
    #   L = -(y ln ŷ + (1 - y) ln(1 - ŷ)) = -ln(1/4) = ln 4 ≈ 1.3863
    #   dL/dŷ = (ŷ - y) / (ŷ (1 - ŷ)) / N = 0.75 / 0.1875 = 4
    #   dL/dz = dL/dŷ · ŷ (1 - ŷ) = 4 * 0.1875 = 0.75 = ŷ - y   (the famous simplification)
    #   dL/dW = xᵀ dL/dz = [[0.75], [1.5]]
    model = _tiny_model()
    loss = bl.BCELoss()
    assert loss.forward(model.forward(X), Y) == pytest.approx(math.log(4.0), rel=1e-14)
    dl_dyhat = loss.backward()
    np.testing.assert_allclose(dl_dyhat, [[4.0]], rtol=1e-14)
    np.testing.assert_allclose(model.layers[1].backward(dl_dyhat), [[0.75]], rtol=1e-14)
    model.layers[0].backward(np.array([[0.75]]))
    np.testing.assert_allclose(model.layers[0].weight_grad, [[0.75], [1.5]], rtol=1e-14)
