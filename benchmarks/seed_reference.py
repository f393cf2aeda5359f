"""A re-implementation of the seed report's design, kept only as the benchmark's baseline.

Layer objects with ``np.dot``, the optimizer chosen by a string inside ``LinearLayer.update`` and the
momentum velocity stored in the layer: the shape ``backprop_lab`` deliberately does not have. No
history, no checks: just the loop the report ran. Not part of the package; do not import it elsewhere.
"""
import numpy as np


class Sigmoid:
    def forward(self, x):
        self.output = 1.0 / (1.0 + np.exp(-x))
        return self.output

    def backward(self, output_grad):
        return output_grad * self.output * (1 - self.output)


class LinearLayer:
    def __init__(self, in_features, out_features, rng):
        self.weight = rng.standard_normal((in_features, out_features))
        self.bias = np.zeros((1, out_features))
        self.vw = np.zeros((in_features, out_features))
        self.vb = np.zeros((1, out_features))

    def forward(self, x):
        self.input = x
        return np.dot(self.input, self.weight) + self.bias

    def backward(self, output_grad):
        input_grad = np.dot(output_grad, self.weight.T)
        self.weight_grad = np.dot(self.input.T, output_grad)
        self.bias_grad = np.sum(output_grad, axis=0, keepdims=True)
        return input_grad

    def update(self, learning_rate, optimizer):
        if optimizer == "GD":
            self.weight -= learning_rate * self.weight_grad
            self.bias -= learning_rate * self.bias_grad
        if optimizer == "Momentum":
            self.vw = 0.9 * self.vw - learning_rate * self.weight_grad
            self.weight += self.vw
            self.vb = 0.9 * self.vb - learning_rate * self.bias_grad
            self.bias += self.vb


class MSE:
    def forward(self, pred, label):
        self.pred, self.label = pred, label
        return np.mean((self.pred - self.label) ** 2)

    def backward(self):
        return 2 * (self.pred - self.label) / np.size(self.label)


class Network:
    def __init__(self, sizes=(2, 10, 10, 1), learning_rate=1.0, optimizer="GD", seed=0):
        rng = np.random.default_rng(seed)
        self.fc = [LinearLayer(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.act = [Sigmoid() for _ in self.fc]
        self.loss = MSE()
        self.lr, self.optimizer = learning_rate, optimizer

    def forward(self, x):
        for fc, act in zip(self.fc, self.act):
            x = act.forward(fc.forward(x))
        return x

    def backward(self):
        grad = self.loss.backward()
        for fc, act in zip(reversed(self.fc), reversed(self.act)):
            grad = fc.backward(act.backward(grad))

    def update(self):
        for fc in self.fc:
            fc.update(learning_rate=self.lr, optimizer=self.optimizer)


def train_reference(net, x, y, epochs):
    """The report's loop: forward, loss, backward, update; returns the last loss."""
    for _ in range(epochs):
        pred = net.forward(x)
        loss = net.loss.forward(pred, y)
        net.backward()
        net.update()
    return loss


def train_reference_per_sample(net, x, y, epochs, seed=0):
    """The per-sample SGD loop a student writes first: each epoch visits the samples in a shuffled
    order and updates after every one; returns the last sample's loss."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for i in rng.permutation(len(x)):
            pred = net.forward(x[i:i + 1])
            loss = net.loss.forward(pred, y[i:i + 1])
            net.backward()
            net.update()
    return loss
