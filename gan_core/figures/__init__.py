"""Figures: plots of the toy chapters (``plots``), image grids and training curves
(``image_plots``), and the interactive widgets with their static twins (``widgets``)."""
