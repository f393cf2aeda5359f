"""Experiments: many networks at once, and the settings they share with the playground.

* ``settings``: one rule per setting (names made canonical, numbers checked);
* ``sweep``: a grid of settings × seeds trained together; ``sweep_result``: its tables, heatmaps and curves.
"""
