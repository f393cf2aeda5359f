"""Draw the README's figures from the package (no browser needed):

* docs/xor_result.png: the lab's network trained on XOR;
* docs/playground_network.png: the playground's "network" picture of the lab's 2-10-10-1 network
  on XOR (what the panel shows when its picture buttons say "network");
* docs/playground_gradients.png: its "gradients" picture of a deeper sigmoid network, 2-10-10-10-10-1 on
  XOR: the first layer's gradient far below the output layer's.

    .venv/bin/python tools/make_readme_figure.py
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import backprop_lab as bl  # noqa: E402
from backprop_lab.widgets import playground  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"

x, y = bl.generate_xor_easy()
model = bl.MLP((2, 10, 10, 1), seed=0)
history = bl.train(model, x, y, epochs=3000, lr=1.0)
fig, axes = plt.subplots(1, 4, figsize=(13, 2.9), dpi=80, layout="constrained")
bl.show_result(x, y, model.predict_proba(x), axes=axes[:2])
bl.plot_decision_boundary(model, x, y, ax=axes[2])
bl.plot_learning_curves(history, labels=["GD, lr=1"], ax=axes[3])
fig.savefig(DOCS / "xor_result.png")
print("wrote xor_result.png")

# The panel's own pictures: the PNG its image widget holds once the run has finished.
PICTURES = {"playground_network.png": dict(picture="network", hidden=(10, 10)),
            "playground_gradients.png": dict(picture="gradients", hidden=(10, 10, 10, 10), epochs=3000)}
for name, settings in PICTURES.items():
    panel = playground(controls=(), dataset="xor", **{"lr": 1.0, "epochs": 2000, "seed": 0, **settings})
    assert panel.last_error is None, panel.last_error
    (DOCS / name).write_bytes(panel.image.value)
    print("wrote", name, f"({len(panel.image.value)} bytes)")
