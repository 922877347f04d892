"""Figures and ipywidgets explorers: "extra code", kept out of the learner's way.

- :mod:`helpers.viz.common`: what every chapter shares (panel grids, image panels, tables,
  sliders, gradient-check and training-curve figures, putting a figure into a widget).
- One module per chapter, named by the chapter's slug, holding that chapter's figures and
  explorers: :mod:`~helpers.viz.convolution` (01), :mod:`~helpers.viz.keras_classics` (02),
  :mod:`~helpers.viz.object_detection` (05).

A chapter module imports :mod:`helpers.viz.common` and never another chapter's module.
"""
