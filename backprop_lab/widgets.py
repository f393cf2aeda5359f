"""The playground: an experiment panel for JupyterLab in the spirit of TensorFlow Playground.

>>> from backprop_lab.widgets import playground
>>> playground(controls=("lr", "epochs"), dataset="xor", lr=1.0, epochs=2000)   # doctest: +SKIP

Every notebook shows only the controls its question needs; the other settings stay fixed at the
values given. The panel trains once when it is built, then trains live whenever a control changes
or Play is pressed: the learning curves and the decision boundary move as the network learns.
The code lives in ``backprop_lab.playground``, one idea per module:

* ``panel_settings``: the settings, their check, the data they name, the reproducing call;
* ``controls``: one widget per setting; ``compound``: the controls made of several widgets (hidden
  layers and units, the input toggles); ``look``: their widths and tooltips;
* ``live``: a run advanced in chunks (``LiveRun``) and the worker thread that plays it (``Player``);
* ``drawing``: the fast picture (``PanelCanvas``: curves or gradients beside the boundary);
  ``network_picture``: the network as a graph, in pixels; ``images``: pictures straight from arrays (neuron maps);
* ``view``: ``PanelView``, the widget tree and everything on screen (the run shown, the picture,
  the replay pictures, the message box); ``neuron_box``: ``NeuronBox``, the neuron maps under it;
* ``panel``: ``Playground`` and ``playground``: the settings, the worker, the methods the buttons call.
"""
from .playground.compound import HiddenUnits
from .playground.controls import CONTROLS
from .playground.drawing import PanelCanvas, render_run
from .playground.network_picture import render_network
from .playground.panel import Playground, playground
from .playground.panel_settings import DEFAULTS, check_settings, format_call

__all__ = ["CONTROLS", "DEFAULTS", "HiddenUnits", "PanelCanvas", "Playground", "check_settings", "format_call",
           "playground", "render_network", "render_run"]
