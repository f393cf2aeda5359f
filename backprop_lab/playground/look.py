"""How the panel's controls look and what they say: their widths, the CSS classes the browser tests and
the notebooks' CSS find them by, and the tooltip of every control."""
from __future__ import annotations

#: The hidden-layer slider's range (its tooltip says it).
MAX_LAYERS = 3

#: What every control does, shown when the pointer rests on it (a control without one shows "null").
TOOLTIPS = {
    "dataset": "the points to classify (each data set's seed also draws its points)",
    "lr": "learning rate: the size of each gradient step (type a value in the readout, or use the arrow keys)",
    "hidden layers": f"how many hidden layers the network has (1 to {MAX_LAYERS}): its depth",
    "activation": "the function each hidden unit applies to its weighted sum",
    "optimizer": "the update rule that turns the gradients into weight changes",
    "loss": "what training minimises: mse (squared error) or bce (cross-entropy)",
    "epochs": "how many passes over the training points the run makes",
    "seed": "seeds the initial weights, the data set and its noise: another seed, another run",
    "init": "how the initial weights are drawn",
    "noise": "standard deviation of the jitter added to every point",
    "test": "also draw points from the same generator that are never trained on",
    "batch_size": "samples per update: full = all of them (the lab's gradient descent), 1 = one sample per "
                  "step (SGD); the points are shuffled every epoch",
    "weight_decay": "L2 regularisation: λ in the penalty ½λ‖W‖² on the weights (not the biases), which pulls "
                    "every weight towards 0",
    "features": "the network's inputs, each a function of the point (x₁, x₂): x₁·x₂ lets even a network "
                "without hidden layers separate XOR",
}

STYLE = {"description_width": "95px"}
WIDTH = "280px"
# Fixed widths: "Play" and "Pause" take the same room, so a click never lands on the neighbouring button.
BUTTON_LAYOUT = {"width": "88px", "flex": "0 0 auto"}
TOGGLE_LAYOUT = {"width": "130px", "flex": "0 0 auto"}


def with_class(w, cls: str):
    """``w`` with the CSS class ``cls`` added (how the browser tests and the notebooks' CSS find a part)."""
    w.add_class(cls)
    return w


