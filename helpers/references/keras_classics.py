"""References for chapter 02: the classic architectures as the papers and Keras give them.

- ``keras.applications.VGG16(weights=None)`` for VGG-16 (:func:`vgg16_reference`);
- for the other networks, the published layer tables (LeNet-5: LeCun et al. 1998, in the modern
  form the chapter builds, with full C3 connections and a dense softmax output; AlexNet:
  Krizhevsky et al. 2012, the single-GPU version; the chapter's small ConvNet: its text),
  written below as lists of layer dicts and turned into Keras models by :func:`reference_model`.

Layer dicts are the chapter's format for an architecture (``activation_table`` reads it too)::

    {"name": "C1", "type": "conv", "filters": 6, "f": 5}                 # stride 1, "valid"
    {"name": "S2", "type": "pool", "f": 2, "stride": 2}                  # max pooling
    {"name": "flatten", "type": "flatten"}
    {"name": "F6", "type": "dense", "units": 84}

``stride`` defaults to 1 and ``padding`` to ``"valid"`` ("same" is the other choice). Output
shapes and parameter counts always come from Keras itself (``layer.output.shape``,
``layer.count_params()``), never from a formula typed in here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np

from helpers.references.common import load_keras, model_layers


def lenet5_layers(num_classes: int = 10) -> list[dict]:
    """LeNet-5 in the modern form the chapter builds, for a 32x32x1 input: the layers and sizes
    of LeCun et al. (1998), Section II.B, with two changes.

    C3 is fully connected to S2's six maps here (the paper uses a partial connection table),
    and the output is a dense layer (the paper's is a layer of fixed RBF units). Activation and
    pooling are chosen by :func:`reference_model` (ReLU and max pooling by default; the paper
    squashes with a scaled tanh and subsamples with a trainable coefficient and bias).
    """
    return [
        {"name": "C1", "type": "conv", "filters": 6, "f": 5},
        {"name": "S2", "type": "pool", "f": 2, "stride": 2},
        {"name": "C3", "type": "conv", "filters": 16, "f": 5},
        {"name": "S4", "type": "pool", "f": 2, "stride": 2},
        {"name": "C5", "type": "conv", "filters": 120, "f": 5},
        {"name": "flatten", "type": "flatten"},
        {"name": "F6", "type": "dense", "units": 84},
        {"name": "output", "type": "dense", "units": num_classes},
    ]


def alexnet_layers(num_classes: int = 1000) -> list[dict]:
    """AlexNet (Krizhevsky et al. 2012, Section 3.5) on one device: no grouping, no local
    response normalisation (it has no parameters), dropout left out (no parameters either).
    Overlapping max pooling, 3x3 windows with stride 2."""
    return [
        {"name": "conv1", "type": "conv", "filters": 96, "f": 11, "stride": 4},
        {"name": "pool1", "type": "pool", "f": 3, "stride": 2},
        {"name": "conv2", "type": "conv", "filters": 256, "f": 5, "padding": "same"},
        {"name": "pool2", "type": "pool", "f": 3, "stride": 2},
        {"name": "conv3", "type": "conv", "filters": 384, "f": 3, "padding": "same"},
        {"name": "conv4", "type": "conv", "filters": 384, "f": 3, "padding": "same"},
        {"name": "conv5", "type": "conv", "filters": 256, "f": 3, "padding": "same"},
        {"name": "pool5", "type": "pool", "f": 3, "stride": 2},
        {"name": "flatten", "type": "flatten"},
        {"name": "fc6", "type": "dense", "units": 4096},
        {"name": "fc7", "type": "dense", "units": 4096},
        {"name": "fc8", "type": "dense", "units": num_classes},
    ]


def simple_convnet_layers(num_classes: int = 10) -> list[dict]:
    """The chapter's small ConvNet (its section 1). Names are not checked for this one."""
    return [
        {"name": None, "type": "conv", "filters": 8, "f": 3, "padding": "same"},
        {"name": None, "type": "pool", "f": 2, "stride": 2},
        {"name": None, "type": "conv", "filters": 16, "f": 3, "padding": "same"},
        {"name": None, "type": "pool", "f": 2, "stride": 2},
        {"name": None, "type": "flatten"},
        {"name": None, "type": "dense", "units": num_classes},
    ]


def reference_model(
    input_shape: Sequence[int],
    layers: Sequence[Mapping],
    *,
    activation: str = "relu",
    pooling: str = "max",
    final_activation: str = "softmax",
):
    """Build a Keras model from layer dicts (the references the checks compare with).

    Args:
        input_shape: (n_H, n_W, n_C) of one example.
        layers: layer dicts (module docstring).
        activation: of every conv and dense layer but the last dense one.
        pooling: "max" or "average", for every pool layer.
        final_activation: of the last dense layer.

    Returns:
        keras.Sequential, built, named layers where the dicts give a name.
    """
    k = load_keras()
    pool_class = {"max": k.layers.MaxPooling2D, "average": k.layers.AveragePooling2D}[pooling]
    last_dense = max((i for i, d in enumerate(layers) if d["type"] == "dense"), default=-1)
    built = [k.Input(shape=tuple(input_shape))]
    for index, spec in enumerate(layers):
        name = spec.get("name")
        stride, padding = spec.get("stride", 1), spec.get("padding", "valid")
        if spec["type"] == "conv":
            layer = k.layers.Conv2D(spec["filters"], spec["f"], strides=stride, padding=padding,
                                    activation=activation, name=name)  # fmt: skip
        elif spec["type"] == "pool":
            layer = pool_class(spec["f"], strides=stride, padding=padding, name=name)
        elif spec["type"] == "flatten":
            layer = k.layers.Flatten(name=name)
        elif spec["type"] == "dense":
            act = final_activation if index == last_dense else activation
            layer = k.layers.Dense(spec["units"], activation=act, name=name)
        else:
            raise ValueError(f"unknown layer type {spec['type']!r} in {dict(spec)}")
        built.append(layer)
    return k.Sequential(built)


def expected_activation_table(input_shape, layers) -> list[dict]:
    """The rows Keras gives: each layer's output shape and parameter count from a built model."""
    model = reference_model(input_shape, layers)
    rows = [{"layer": "input", "shape": tuple(input_shape),
             "size": int(np.prod(input_shape)), "params": 0}]  # fmt: skip
    for layer in model_layers(model):
        shape = tuple(int(n) for n in layer.output.shape[1:])
        rows.append({"layer": layer.name, "shape": shape, "size": int(np.prod(shape)),
                     "params": int(layer.count_params())})  # fmt: skip
    return rows


def vgg16_reference(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000):
    """``keras.applications.VGG16(weights=None)`` for an input shape and a number of classes.

    Args:
        input_shape: (n_H, n_W, 3) of one example.
        num_classes: units of the last dense layer.

    Returns:
        keras.Model, untrained (no download).
    """
    return load_keras().applications.VGG16(
        weights=None, input_shape=tuple(input_shape), classes=num_classes
    )


@contextmanager
def shapes_only() -> Iterator[None]:
    """Build Keras models inside this block without allocating their weights.

    Every output shape and parameter count is Keras' own (they come from the variables'
    shapes), but no weight is drawn: VGG-16's 138 million weights would take 0.55 GB, and
    drawing fc1's 103 million takes as much again for a moment, twice over when the learner's
    model and the reference are compared. A model built here cannot be run or trained.

    Keras defers the initialisation of variables created in a ``StatelessScope`` and lists
    them in a global registry, which it initialises when the next top-level stateless scope
    closes (building any model opens one). The registry is put back as it was on the way out,
    so the deferred variables are never drawn and are freed with their model.
    """
    k = load_keras()
    from keras.src.backend.common import global_state  # the registry has no public name

    key = "uninitialized_variables"
    before = list(global_state.get_global_attribute(key, None) or [])
    try:
        with k.StatelessScope(initialize_variables=False):
            yield
    finally:
        global_state.set_global_attribute(key, before)
