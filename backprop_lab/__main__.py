"""``python -m backprop_lab``: the same as the ``backprop-lab`` command (see ``backprop_lab.cli``)."""
import sys

from .cli import main

sys.exit(main())
