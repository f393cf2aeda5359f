"""The data sets: the handout's two generators reproduced point for point, and the two extra ones."""
import numpy as np
import pytest

import backprop_lab as bl

# --- the course handout's original functions, pasted verbatim as the reference --------------------

def generate_linear(n=100):
    pts = np.random.uniform(0, 1, (n, 2))
    inputs = []; labels = []  # noqa: E702
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        if pt[0] > pt[1]: labels.append(0)  # noqa: E701
        else: labels.append(1)  # noqa: E701
    return np.array(inputs), np.array(labels).reshape(n, 1)


def generate_XOR_easy():  # noqa: N802
    inputs = []; labels = []  # noqa: E702
    for i in range(11):
        inputs.append([0.1*i, 0.1*i]); labels.append(0)  # noqa: E702
        if 0.1*i == 0.5: continue  # noqa: E701
        inputs.append([0.1*i, 1-0.1*i]); labels.append(1)  # noqa: E702
    return np.array(inputs), np.array(labels).reshape(21, 1)


# --------------------------------------------------------------------------------------------------

@pytest.fixture
def restore_global_rng():
    state = np.random.get_state()
    yield
    np.random.set_state(state)


@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
@pytest.mark.parametrize("n", [100, 7])
def test_generate_linear_reproduces_the_handout(seed, n, restore_global_rng):
    np.random.seed(seed)
    x_ref, y_ref = generate_linear(n)
    np.random.seed(seed)
    x, y = bl.generate_linear(n)
    assert x.shape == (n, 2) and y.shape == (n, 1)
    np.testing.assert_array_equal(x, x_ref)   # the same points, bit for bit
    np.testing.assert_array_equal(y, y_ref)   # the same labels
    assert set(np.unique(y)) <= {0, 1}


def test_generate_linear_default_n_is_100(restore_global_rng):
    np.random.seed(5)
    x, y = bl.generate_linear()
    assert x.shape == (100, 2) and y.shape == (100, 1)


def test_generate_linear_labels_follow_the_rule():
    x, y = bl.generate_linear(200, seed=3)
    np.testing.assert_array_equal(y[:, 0], np.where(x[:, 0] > x[:, 1], 0, 1))
    assert np.all((x >= 0) & (x < 1))


@pytest.mark.parametrize("seed", [0, 7])
def test_generate_linear_with_a_seed_leaves_the_global_state_alone_and_is_reproducible(seed, restore_global_rng):
    np.random.seed(123)
    before = np.random.get_state()
    x1, y1 = bl.generate_linear(100, seed=seed)
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])  # the Mersenne Twister key
    assert before[2:] == after[2:]                        # position, gauss cache
    x2, y2 = bl.generate_linear(100, seed=seed)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, _ = bl.generate_linear(100, seed=seed + 1)
    assert not np.array_equal(x1, x3)


def test_generate_linear_accepts_a_generator():
    x1, _ = bl.generate_linear(10, seed=np.random.default_rng(4))
    x2, _ = bl.generate_linear(10, seed=4)
    np.testing.assert_array_equal(x1, x2)


def test_generate_xor_easy_equals_the_handout():
    x_ref, y_ref = generate_XOR_easy()
    x, y = bl.generate_xor_easy()
    assert x.shape == (21, 2) and y.shape == (21, 1)
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(y, y_ref)
    # 11 points on the diagonal labelled 0, 10 on the anti-diagonal labelled 1 (its middle skipped)
    assert int((y == 0).sum()) == 11 and int((y == 1).sum()) == 10


@pytest.mark.parametrize("generate", [bl.generate_circles, bl.generate_spiral])
@pytest.mark.parametrize("n", [200, 51])
def test_circles_and_spiral_shapes_classes_and_seeding(generate, n):
    x, y = generate(n, seed=1)
    assert x.shape == (n, 2) and y.shape == (n, 1)
    assert set(np.unique(y)) == {0, 1}
    # half per class, class 0 getting the extra point when n is odd
    assert int((y == 1).sum()) == n // 2 and int((y == 0).sum()) == n - n // 2
    assert np.all(np.isfinite(x))
    x2, y2 = generate(n, seed=1)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = generate(n, seed=2)
    assert not np.array_equal(x, x3)


def test_circles_are_a_disk_inside_a_ring():
    x, y = bl.generate_circles(400, noise=0.0, seed=0)
    r = np.hypot(x[:, 0] - 0.5, x[:, 1] - 0.5)
    # without noise: the disk has radius <= 0.15, the ring lies between 0.3 and 0.45
    assert r[y[:, 0] == 0].max() <= 0.15 + 1e-12
    assert r[y[:, 0] == 1].min() >= 0.3 - 1e-12 and r[y[:, 0] == 1].max() <= 0.45 + 1e-12


@pytest.mark.parametrize("name, n", [("linear", 100), ("xor", 21), ("circles", 200), ("spiral", 200)])
def test_load_dataset(name, n):
    x, y = bl.load_dataset(name, seed=0)
    assert x.shape == (n, 2) and y.shape == (n, 1)
    x2, _ = bl.load_dataset(name.upper(), seed=0)
    np.testing.assert_array_equal(x, x2)


def test_load_dataset_keeps_the_handouts_global_state_draw_and_takes_a_generator():
    np.random.seed(3)
    want = bl.generate_linear(100)                               # the handout's np.random draw
    np.random.seed(3)
    got, _ = bl.load_dataset("linear", seed=None)
    np.testing.assert_array_equal(got, want[0])
    gen_pts, _ = bl.load_dataset("linear", seed=np.random.default_rng(5))
    np.testing.assert_array_equal(gen_pts, bl.generate_linear(100, seed=np.random.default_rng(5))[0])


@pytest.mark.parametrize("noise", [float("nan"), -0.1, 1.5, True, "0.1"])
def test_a_bad_noise_level_is_refused_naming_it(noise):
    with pytest.raises(ValueError, match="noise is the standard deviation"):
        bl.load_dataset("xor", noise=noise)
    with pytest.raises(ValueError, match="noise is the standard deviation"):
        bl.load_test_set("xor", noise=noise)


def test_held_out_points_are_never_training_points_and_noise_is_seeded():
    for name in bl.DATASETS:
        x, _ = bl.load_dataset(name, seed=2)
        x_test, _ = bl.load_test_set(name, seed=2)
        assert not (x[:, None, :] == x_test[None, :, :]).all(axis=2).any(), name
        a, _ = bl.load_dataset(name, seed=2, noise=0.1)
        b, _ = bl.load_dataset(name, seed=2, noise=0.1)
        np.testing.assert_array_equal(a, b)
        assert 0.05 < np.std(a - x) < 0.15                       # jitter of standard deviation 0.1
