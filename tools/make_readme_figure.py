"""Draw docs/xor_result.png, the README's figure: the lab's network trained on XOR.

    .venv/bin/python tools/make_readme_figure.py
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import backprop_lab as bl  # noqa: E402

x, y = bl.generate_xor_easy()
model = bl.MLP((2, 10, 10, 1), seed=0)
history = bl.train(model, x, y, epochs=3000, lr=1.0)
fig, axes = plt.subplots(1, 4, figsize=(13, 2.9), dpi=80, layout="constrained")
bl.show_result(x, y, model.predict_proba(x), axes=axes[:2])
bl.plot_decision_boundary(model, x, y, ax=axes[2])
bl.plot_learning_curves(history, labels=["GD, lr=1"], ax=axes[3])
out = Path(__file__).resolve().parent.parent / "docs" / "xor_result.png"
fig.savefig(out)
print("wrote", out.name)
