"""What every chapter's references share: Keras imported on first use, and the layers of a model
that comparisons look at."""

from __future__ import annotations

_SKIPPED = ("InputLayer", "Dropout")  # no parameters and no change of shape: not compared


def load_keras():
    """The keras module, imported on first use: importing it takes seconds, and the unit tests of
    chapters that do not need it import the references package."""
    import keras

    return keras


def model_layers(model) -> list:
    """The layers of a model that comparisons look at, in order (no InputLayer, no Dropout).

    Args:
        model: a built keras.Model.
    """
    return [layer for layer in model.layers if type(layer).__name__ not in _SKIPPED]
