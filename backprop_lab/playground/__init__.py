"""The playground's parts (see ``backprop_lab.widgets``, which puts them together for notebooks)."""
