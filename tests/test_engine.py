"""One linear kernel, one flat engine, an explicit and safe choice between the engine and the layers.

* The linear layer's products are written in affine.py only (grep), and checked numerically there.
* train(engine="flat") and engine="layers" give the same numbers, bit for bit, on the notebooks' settings.
* "auto" never hands a flat vector to a rule that may not be element-wise, and never skips a layer's
  own backward: a per-parameter optimizer and a Linear subclass run through the layers.
* A layer object used twice is refused: its cache would be overwritten, so the gradient would be wrong.
"""
import io
import pathlib
import tokenize

import numpy as np
import pytest

import backprop_lab as bl
from backprop_lab.nn.affine import affine_backward, affine_forward
from backprop_lab.nn.engine import flat_layout
from backprop_lab.validation import declares_elementwise

PACKAGE = pathlib.Path(bl.__file__).parent


# --- the kernel ----------------------------------------------------------------------------------

#: Modules that may write matrix products, and why. The exercise checks compute the expected answer
#: and a student's typical mistakes (a transposed product, a missing bias) in the exercise's own
#: notation, independently of the package's code they are meant to check.
PRODUCTS_ALLOWED = {
    "nn/affine.py": "the kernel: the linear layer's maths, written once",
    "checks/basics.py": "exercise checks: the expected answers and the typical mistakes, written out",
    "checks/backprop.py": "exercise checks: the expected answers and the typical mistakes, written out",
}


def _products(source):
    """(line, what) of every matrix product in Python ``source``: the ``@`` operator (not a decorator)
    and calls of matmul / dot / einsum / tensordot / inner; strings and comments are not code."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT)]
    found = []
    for i, t in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        if t.type == tokenize.OP and t.string in ("@", "@="):
            decorator = prev is None or prev.type in (tokenize.NEWLINE, tokenize.ENCODING)
            if not decorator:
                found.append((t.start[0], t.string))
        elif t.type == tokenize.NAME and t.string in ("matmul", "dot", "einsum", "tensordot", "inner") \
                and prev is not None and prev.string == ".":
            found.append((t.start[0], t.string))
    return found


def test_the_detector_finds_products_and_ignores_decorators_strings_and_comments():
    code = 'import numpy as np\n@property\ndef f(x, W):\n    """x @ W"""\n    # x @ W\n    y = x @ W\n' \
           '    return np.dot(y, W.T), y.dot(W), np.matmul(x, W)\n'
    assert _products(code) == [(6, "@"), (7, "dot"), (7, "dot"), (7, "matmul")]


def test_the_linear_layers_products_are_written_in_affine_py_only():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        hits = _products(path.read_text(encoding="utf-8"))
        if hits and rel not in PRODUCTS_ALLOWED:
            found[rel] = hits
    assert found == {}, f"matrix products outside affine.py (line, operator): {found}"
    assert _products((PACKAGE / "nn" / "affine.py").read_text(encoding="utf-8"))        # the kernel has them
    for user in ("nn/layers.py", "nn/engine.py"):
        text = (PACKAGE / user).read_text(encoding="utf-8")
        assert "affine_forward(" in text and "affine_backward(" in text, user


def _numeric_grads(x, W, b, dout, h=1e-6):
    """Central differences of L = sum(affine_forward(x, W, b) * dout) with respect to x, W and b."""
    grads = []
    for a in (x, W, b):
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + h
            plus = np.sum(affine_forward(x, W, b) * dout)
            a[i] = old - h
            minus = np.sum(affine_forward(x, W, b) * dout)
            a[i] = old
            g[i] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("shape", [(5, 3, 4), (5, 3, 1), (5, 1, 2)])
def test_affine_backward_against_numerical_gradients_one_network(shape):
    N, D, M = shape
    rng = np.random.default_rng(0)
    x, W, b, dout = rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=(1, M)), rng.normal(size=(N, M))
    dx, dW, db = affine_backward(x, W, dout)
    for got, want in zip((dx, dW, db), _numeric_grads(x, W, b, dout)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("M", [4, 1])
def test_affine_on_a_stack_is_each_network_on_its_own(M):
    # K networks stacked (K, N, D) give, network by network, the numbers of the (N, D) call, which the
    # test above checked against numerical gradients; and x (N, D) shared by all broadcasts.
    K, N, D = 3, 6, 5
    rng = np.random.default_rng(1)
    x, W, b, dout = (rng.normal(size=s) for s in ((K, N, D), (K, D, M), (K, 1, M), (K, N, M)))
    out = affine_forward(x, W, b)
    dx, dW, db = affine_backward(x, W, dout)
    for k in range(K):
        np.testing.assert_allclose(out[k], x[k] @ W[k] + b[k], rtol=1e-14)
        for got, want in zip((dx[k], dW[k], db[k]), affine_backward(x[k], W[k], dout[k])):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    shared_out, shared_dW = affine_forward(x[0], W, b), affine_backward(x[0], W, dout)[1]   # x (N, D) for all K
    for k in range(K):
        np.testing.assert_allclose(shared_out[k], x[0] @ W[k] + b[k], rtol=1e-14)
        np.testing.assert_allclose(shared_dW[k], x[0].T @ dout[k], rtol=1e-12)


def test_affine_writes_into_the_buffers_given():
    rng = np.random.default_rng(2)
    x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(1, 2)), rng.normal(size=(4, 2))
    z, dx, dW, db = np.empty((4, 2)), np.empty((4, 3)), np.empty((3, 2)), np.empty((1, 2))
    assert affine_forward(x, W, b, out=z) is z
    got = affine_backward(x, W, dout, out=(dx, dW, db))
    assert got[0] is dx and got[1] is dW and got[2] is db
    assert affine_backward(x, W, dout, need_dx=False)[0] is None
    np.testing.assert_array_equal(z, x @ W + b)


def test_flat_layout_is_the_order_of_parameters_to_vector():
    model = bl.MLP((3, 4, 2, 1), seed=0)
    flat = bl.parameters_to_vector(model.parameters())
    layout = flat_layout(model.sizes)
    assert layout[-1][0].stop == flat.size == model.n_parameters()
    for (piece, shape), p in zip(layout, model.parameters()):
        np.testing.assert_array_equal(flat[piece].reshape(shape), p.value)


# --- flat and layers agree bit for bit on the notebooks' settings -----------------------------------

NOTEBOOK_RUNS = [   # (data, model settings, train settings), as notebooks 5 to 13 train
    ("linear", dict(), dict(epochs=500, lr=1.0)),                                        # nb 5
    ("xor", dict(), dict(epochs=500, lr=1.0)),                                           # nb 6
    ("xor", dict(), dict(epochs=300, lr=0.1)),
    ("linear", dict(), dict(epochs=60, lr=100.0)),                                       # nb 7: too large
    ("linear", dict(activation="none", output_activation="none"), dict(epochs=300, lr=0.003)),   # nb 9
    ("linear", dict(activation="none", output_activation="none"), dict(epochs=15, lr=1.0)),      # nb 10: diverges
    ("xor", dict(), dict(epochs=300, optimizer="momentum", lr=1.0)),                     # nb 11
    ("xor", dict(), dict(epochs=300, optimizer="adam", lr=0.1)),
    ("xor", dict(activation="tanh"), dict(epochs=300, lr=1.0)),                          # nb 12
    ("xor", dict(activation="relu"), dict(epochs=300, lr=1.0)),
    ("xor", dict(), dict(epochs=300, lr=1.0, loss="bce")),                               # nb 13
    ("circles", dict(sizes=(2, 4, 1)), dict(epochs=300, lr=1.0)),                         # nb 8
]


@pytest.mark.parametrize("data, model_kw, train_kw", NOTEBOOK_RUNS)
def test_flat_and_layers_agree_bit_for_bit(data, model_kw, train_kw):
    x, y = bl.load_dataset(data, seed=0)
    runs = {}
    for engine in ("flat", "layers"):
        model = bl.MLP(model_kw.get("sizes", (2, 10, 10, 1)), seed=0,
                       **{k: v for k, v in model_kw.items() if k != "sizes"})
        opt = bl.get_optimizer(train_kw.get("optimizer", "gd"), train_kw["lr"])
        kw = {k: v for k, v in train_kw.items() if k not in ("optimizer", "lr")}
        hist = bl.train(model, x, y, optimizer=opt, engine=engine, print_fn=None, **kw)
        assert hist.config["engine"] == engine
        runs[engine] = model, opt, hist
    (m1, o1, h1), (m2, o2, h2) = runs["flat"], runs["layers"]
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1.accuracy, h2.accuracy)
    assert h1.diverged_at == h2.diverged_at and h1.snapshot_epochs == h2.snapshot_epochs
    for s1, s2 in zip(h1.snapshots, h2.snapshots):
        assert all(np.array_equal(s1[k], s2[k]) for k in s2)
    for l1, l2 in zip(m1.layers, m2.layers):
        for p1, p2 in zip(l1.parameters(), l2.parameters()):
            np.testing.assert_array_equal(p1.value, p2.value)
            np.testing.assert_array_equal(p1.grad, p2.grad)
    assert o1.t == o2.t == h1.epochs                  # the steps taken (none in the epoch that diverged)
    for name, st in o2.state.items():
        assert all(np.array_equal(o1.state[name][k], v) for k, v in st.items())


def test_auto_takes_the_flat_engine_for_the_package_mlp():
    x, y = bl.generate_xor_easy()
    assert bl.train(bl.MLP(seed=0), x, y, epochs=2, print_fn=None).config["engine"] == "flat"
    with pytest.raises(ValueError, match=r"engine must be one of 'auto', 'flat', 'layers'; got 'fast'"):
        bl.train(bl.MLP(seed=0), x, y, epochs=2, engine="fast")


# --- a rule that needs each parameter on its own ---------------------------------------------------

MAX_NORM = 0.02         # XOR's gradients under MSE are small: most are clipped at this norm


class ClipEachByItsNorm(bl.GD):
    """Gradient descent with each parameter's gradient clipped to norm MAX_NORM on its own: not
    element-wise. It overrides only ``update``, the documented way to add a rule, and does not restate
    the claim."""

    def update(self, w, g, state, lr):
        norm = np.linalg.norm(g)
        w -= lr * (g if norm <= MAX_NORM else g * (MAX_NORM / norm))


def _by_hand_with_clipping(model, x, y, epochs, lr):
    """The written-out loop: the layers' forward and backward, MSE, each parameter clipped alone."""
    loss, clipped = bl.get_loss("mse"), 0
    for _ in range(epochs):
        pred = model.forward(x)
        model.backward(loss.gradient(pred, y))
        for p in model.parameters():
            norm = np.linalg.norm(p.grad)
            clipped += norm > MAX_NORM
            p.value -= lr * (p.grad if norm <= MAX_NORM else p.grad * (MAX_NORM / norm))
    return clipped


def test_a_per_parameter_rule_runs_on_each_parameter_under_auto():
    x, y = bl.generate_xor_easy()
    assert not declares_elementwise(ClipEachByItsNorm(1.0))      # GD's claim is not inherited
    auto, layers, hand = bl.MLP(seed=0), bl.MLP(seed=0), bl.MLP(seed=0)
    h = bl.train(auto, x, y, epochs=200, optimizer=ClipEachByItsNorm(5.0), print_fn=None)
    assert h.config["engine"] == "layers"
    bl.train(layers, x, y, epochs=200, optimizer=ClipEachByItsNorm(5.0), engine="layers", print_fn=None)
    assert _by_hand_with_clipping(hand, x, y, 200, 5.0) > 200          # the clipping happened, often
    for a, b, c in zip(auto.parameters(), layers.parameters(), hand.parameters()):
        np.testing.assert_array_equal(a.value, b.value)
        np.testing.assert_array_equal(a.value, c.value)
    # clipping the whole flat vector instead would have given other weights (so the test can fail)
    flat = bl.MLP(seed=0)

    class ClipAll(ClipEachByItsNorm):
        elementwise = True                                        # a false claim, for the comparison
    bl.train(flat, x, y, epochs=200, optimizer=ClipAll(5.0), engine="flat", print_fn=None)
    assert not np.array_equal(flat.parameters()[0].value, hand.parameters()[0].value)


def test_flat_refuses_a_rule_that_does_not_declare_itself_elementwise():
    x, y = bl.generate_xor_easy()
    model = bl.MLP(seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"engine='flat' cannot train this model exactly: the optimizer "
                                         r"ClipEachByItsNorm does not declare elementwise = True.*engine='layers'"):
        bl.train(model, x, y, epochs=5, optimizer=ClipEachByItsNorm(1.0), engine="flat")
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())
    with pytest.raises(TypeError, match="does not declare elementwise = True"):
        ClipEachByItsNorm(1.0).update_flat(np.zeros(3), np.ones(3), {}, 1.0, t=1)


def test_the_elementwise_claim_belongs_to_the_class_that_states_it():
    class Restated(bl.Momentum):
        elementwise = True

        def update(self, w, g, state, lr):
            super().update(w, g, state, lr)

    class StepOverridden(bl.Adam):
        def step(self, params):
            super().step(params)

    assert declares_elementwise(bl.GD(1.0)) and declares_elementwise(bl.Adam(0.1))
    assert declares_elementwise(Restated(0.1))
    assert not declares_elementwise(StepOverridden(0.1))
    assert not declares_elementwise(bl.Optimizer(0.1))
    assert all(declares_elementwise(bl.get_activation(n), ("function", "derivative"))
               for n in ("sigmoid", "tanh", "relu", "none"))


def test_optimizers_get_the_step_number_and_count_on_from_it():
    x, y = bl.generate_xor_easy()
    for engine in ("flat", "layers"):
        opt = bl.Adam(0.1)
        bl.train(bl.MLP(seed=0), x, y, epochs=7, optimizer=opt, engine=engine, print_fn=None)
        assert opt.t == 7
    w, g, st = np.zeros(2), np.ones(2), {"m": np.zeros(2), "v": np.zeros(2)}
    opt = bl.Adam(0.1)
    opt.update_flat(w, g, st, 0.1, t=3)
    # m = 0.1, v = 0.001; m̂ = 0.1 / (1 - 0.9³), v̂ = 0.001 / (1 - 0.999³): the step of t = 3
    m_hat, v_hat = 0.1 / (1 - 0.9 ** 3), 0.001 / (1 - 0.999 ** 3)
    np.testing.assert_allclose(w, -0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-12)
    assert opt.t == 3


# --- a layer of your own runs; one object in two places is refused ---------------------------------

class CountingLinear(bl.Linear):
    """A student's Linear whose backward also counts its calls and doubles the weight gradient."""

    calls = 0

    def backward(self, grad_out):
        CountingLinear.calls += 1
        grad_in = super().backward(grad_out)
        self.weight_grad = 2 * self.weight_grad
        return grad_in


def test_a_linear_subclass_backward_runs_under_train():
    x, y = bl.generate_xor_easy()
    mine = bl.Sequential(CountingLinear(2, 3, seed=0), bl.Sigmoid(), bl.Linear(3, 1, seed=1), bl.Sigmoid())
    plain = bl.Sequential(bl.Linear(2, 3, seed=0), bl.Sigmoid(), bl.Linear(3, 1, seed=1), bl.Sigmoid())
    CountingLinear.calls = 0
    h = bl.train(mine, x, y, epochs=10, lr=1.0, print_fn=None)
    assert h.config["engine"] == "layers" and CountingLinear.calls == 10
    bl.train(plain, x, y, epochs=10, lr=1.0, print_fn=None)
    assert not np.array_equal(mine.layers[0].weight, plain.layers[0].weight)    # the doubling took effect
    with pytest.raises(ValueError, match=r"engine='flat' cannot.*layer 0 \(Linear\(2, 3\)\) is not the package's own"):
        bl.train(mine, x, y, epochs=1, engine="flat")


def test_one_activation_object_in_two_places_is_refused():
    s = bl.Sigmoid()
    with pytest.raises(ValueError, match=r"the same layer object Sigmoid\(\) is used twice \(layers 1 and 3"
                                         r".*write Sigmoid\(...\) again"):
        bl.Sequential(bl.Linear(2, 3, seed=0), s, bl.Linear(3, 1, seed=1), s)
    model = bl.Sequential(bl.Linear(2, 3, seed=0), s, bl.Linear(3, 1, seed=1), bl.Sigmoid())
    model.layers[3] = s                                   # the list changed after the model was built
    for engine in ("auto", "layers", "flat"):
        with pytest.raises(ValueError, match="is used twice"):
            bl.train(model, *bl.generate_xor_easy(), epochs=2, engine=engine)


def test_a_linear_object_in_two_places_and_shared_arrays_are_refused():
    lin = bl.Linear(3, 3, seed=0)
    with pytest.raises(ValueError, match=r"Linear\(3, 3\) is used twice"):
        bl.Sequential(bl.Linear(2, 3, seed=1), bl.Sigmoid(), bl.Sequential(lin, bl.Sigmoid()), lin)
    a, b = bl.Linear(3, 3, seed=0), bl.Linear(3, 3, seed=1)
    b.weight = a.weight                                   # tied weights: one array in two layers
    model = bl.Sequential(bl.Linear(2, 3, seed=2), bl.Sigmoid(), a, bl.Sigmoid(), b, bl.Sigmoid(),
                          bl.Linear(3, 1, seed=3), bl.Sigmoid())
    names = [p.name for p in model.parameters()]
    assert names.count("2.weight") == 1 and "4.weight" not in names          # yielded once
    with pytest.raises(ValueError, match=r"layers 2 and 4 hold the same parameter array"):
        bl.train(model, *bl.generate_xor_easy(), epochs=2)


def test_sweep_refuses_a_registered_rule_that_does_not_declare_itself_elementwise(monkeypatch):
    # sweep steps K networks' parameters as one (K, P) stack: a per-parameter rule would mix them
    class Clip(ClipEachByItsNorm):
        name = "clip"
        default_lr = 1.0
    monkeypatch.setitem(bl.OPTIMIZERS, "clip", Clip)
    with pytest.raises(TypeError, match=r"the optimizer Clip does not declare elementwise = True.*engine='layers'"):
        bl.sweep("xor", optimizer="clip", seed=range(2), epochs=3)
