"""Points drawn by hand: a click on the panel's picture adds a point of the chosen class there.

``PointsBox`` holds the row under the picture: which class a click adds (red 0 / blue 1) and a
"clear points" button. The click itself comes from ipyevents (a maintained widget library that
reports mouse events on an ``Image`` widget, with the pixel clicked in the image's own coordinates);
the panel turns the pixel into a point of the plane (``PanelView.plane_point``) and retrains.
"""
from __future__ import annotations

import ipywidgets as widgets

from .look import with_class

CLASSES = (("0 (red)", 0), ("1 (blue)", 1))


class PointsBox:
    """The row that adds points by hand, over ``image`` (the panel's picture).

    ``on_point(cls, px, py)``: a click at pixel (px, py) of the picture (origin top left) asks for a
    point of class ``cls``; ``on_clear()``: the clear button. ``box``: the row; ``label`` the class a
    click adds (``selected``); ``clear_button``.
    """

    def __init__(self, image, *, on_point, on_clear):
        from ipyevents import Event

        self._on_point = on_point
        self.label = with_class(widgets.ToggleButtons(options=CLASSES, value=1,
                                                      tooltip="the class of the point a click on the picture adds",
                                                      tooltips=[
            "a click on the picture adds a point of class 0 (red)", "a click on the picture adds a point of class 1 "
            "(blue)"], style={"button_width": "92px"}), "bl-point-class")
        self.clear_button = with_class(widgets.Button(description="clear points", icon="trash",
                                                      tooltip="remove every point: then click to draw your own data",
                                                      layout={"width": "120px"}), "bl-clear")
        self.clear_button.on_click(lambda _: on_clear())
        hint = widgets.HTML("<small>click the boundary picture to add a point:</small>")
        self.box = with_class(widgets.HBox([hint, self.label, self.clear_button],
                                           layout={"align_items": "center", "flex_flow": "row wrap"}), "bl-points")
        self.events = Event(source=image, watched_events=["click"])
        self.events.on_dom_event(self._dom_event)

    @property
    def selected(self) -> int:
        return int(self.label.value)

    def click(self, px: float, py: float):
        """A click at pixel (px, py) of the picture: ask for a point of the selected class there."""
        self._on_point(self.selected, float(px), float(py))

    def _dom_event(self, event: dict):
        if event.get("type") == "click" and "dataX" in event:
            self.click(event["dataX"], event["dataY"])
