"""accuracy() and print_predictions(): probabilities are thresholded, one line per sample is printed."""
import numpy as np
import pytest

import backprop_lab as bl

Y = np.array([[0], [1], [1], [0]])
# 0.4 -> 0 (right), 0.6 -> 1 (right), 0.5 -> 0 since the test is pred > 0.5 (wrong), 0.5 -> 0 (right)
PRED = np.array([[0.4], [0.6], [0.5], [0.5]])


def test_accuracy_thresholds_probabilities():
    assert bl.accuracy(Y, PRED) == 0.75
    # at threshold 0.45 the two 0.5s become class 1: samples 2 right, 3 wrong -> still 3/4
    assert bl.accuracy(Y, PRED, threshold=0.45) == 0.75
    # at 0.65 everything is class 0: only the two zeros are right
    assert bl.accuracy(Y, PRED, threshold=0.65) == 0.5
    assert isinstance(bl.accuracy(Y, PRED), float)


def test_accuracy_of_labels_and_of_a_model():
    assert bl.accuracy(Y, Y) == 1.0
    assert bl.accuracy(Y, 1 - Y) == 0.0
    x, y = bl.generate_xor_easy()
    model = bl.MLP(seed=0)
    assert bl.accuracy(y, model.predict_proba(x)) == bl.accuracy(y, model.predict(x)) == np.mean(model.predict(x) == y)


def test_print_predictions_one_line_per_sample_then_the_accuracy(capsys):
    acc = bl.print_predictions(Y, PRED)
    out = capsys.readouterr().out.splitlines()
    assert acc == 0.75
    assert len(out) == len(Y) + 1
    for i, line in enumerate(out[:-1]):
        assert line.startswith(f"Sample {i}")
        assert f"ground truth: {Y[i, 0]}" in line
        assert f"prediction: {PRED[i, 0]:.5f}" in line
    # exactly the wrong sample is marked
    assert ["wrong" in line for line in out[:-1]] == [False, False, True, False]
    assert out[-1] == "Accuracy: 75.0% (3/4 correct)"


def test_print_predictions_max_rows_still_counts_every_sample(capsys):
    x, y = bl.generate_xor_easy()
    acc = bl.print_predictions(y, np.where(y == 1, 0.9, 0.1), max_rows=5, digits=2)
    out = capsys.readouterr().out.splitlines()
    assert acc == 1.0
    assert len(out) == 5 + 2
    assert "prediction: 0.10" in out[0]
    assert out[5] == "... (16 more samples)"
    assert out[6] == "Accuracy: 100.0% (21/21 correct)"


def test_print_predictions_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"pred has shape \(3, 1\) but y has shape \(4, 1\)"):
        bl.print_predictions(Y, PRED[:3])


def test_print_predictions_in_the_handouts_format(capsys):
    acc = bl.print_predictions(Y, PRED, style="handout", digits=3)
    out = capsys.readouterr().out.splitlines()
    assert acc == 0.75
    assert out == ["Ground truth: [0] | prediction: 0.400", "Ground truth: [1] | prediction: 0.600",
                   "Ground truth: [1] | prediction: 0.500", "Ground truth: [0] | prediction: 0.500",
                   "Accuracy: 75.0%"]
    with pytest.raises(ValueError, match="style must be 'table' or 'handout'"):
        bl.print_predictions(Y, PRED, style="lab")


def test_print_loss_log_every_5000_epochs_as_the_handout(capsys):
    # loss[e - 1] is the loss measured at epoch e: 1/e here, so epoch 5000 prints 0.000200
    history = bl.History(loss=1 / np.arange(1, 12001), accuracy=np.ones(12000))
    bl.print_loss_log(history, every=5000)
    assert capsys.readouterr().out.splitlines() == ["Epoch: 5000    loss: 0.000200", "Epoch: 10000   loss: 0.000100"]
    with pytest.raises(ValueError, match="every must be >= 1"):
        bl.print_loss_log(history, every=0)
