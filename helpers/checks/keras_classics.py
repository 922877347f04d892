"""Checks for chapter 02: ConvNets in Keras and the classic architectures.

A learner's model is compared layer by layer with a reference Keras model
(:mod:`helpers.references.keras_classics`): the output shape and the parameter count of every
layer are Keras' own (``layer.output.shape``, ``layer.count_params()``), so the messages can
name the first layer that differs and guess why ("layer 3 (C3): output shape (None, 10, 10, 6),
expected (None, 10, 10, 16): this layer should have 16 filters").

Each graded function has a ``check_*`` (the visible part: the chapter's default arguments)
and a ``compare_*`` for one case; hidden tests call ``compare_*`` on other arguments and on
random cases (:func:`random_output_shape_cases`, :func:`random_architectures`).
"""

from __future__ import annotations

import gc
import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from helpers.checks.common import CheckFailed, call_learner, passed
from helpers.references.keras_classics import (
    alexnet_layers,
    expected_activation_table,
    lenet5_layers,
    load_keras,
    model_layers,
    reference_model,
    simple_convnet_layers,
    vgg16_reference,
)

# --------------------------------------------------------------------- comparing two models


def _output_shape(layer) -> tuple:
    return tuple(layer.output.shape)


def _activation(layer) -> str | None:
    activation = layer.get_config().get("activation")
    return activation if isinstance(activation, str) else None


def _label(index: int, reference_layer, named: bool) -> str:
    what = reference_layer.name if named else type(reference_layer).__name__
    return f"layer {index} ({what})"


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"


def _shape_hint(layer, reference) -> str:
    """Why two layers of the same kind give different output shapes, from their configs."""
    got, want = layer.get_config(), reference.get_config()
    kind = type(reference).__name__
    if kind == "Conv2D":
        if got["filters"] != want["filters"]:
            return f"this layer should have {want['filters']} filters"
        for key, what in (("kernel_size", "filter size"), ("strides", "stride"),
                          ("padding", "padding")):  # fmt: skip
            if got[key] != want[key]:
                return f"its {what} is {got[key]!r}, expected {want[key]!r}"
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        for key, what in (("pool_size", "window"), ("strides", "stride"), ("padding", "padding")):
            if got[key] != want[key]:
                return f"its {what} is {got[key]!r}, expected {want[key]!r}"
    if kind == "Dense" and got["units"] != want["units"]:
        return f"this layer should have {want['units']} units"
    return "an earlier layer, or the input shape, already differs"


def compare_models(name: str, model, reference, *, reference_name: str, named: bool = True):
    """Fail with a message naming the first layer of ``model`` that differs from ``reference``.

    Compared, layer by layer (InputLayer and Dropout skipped): the kind of layer (Keras
    class), its output shape and parameter count as Keras computes them, its activation, and
    its name when ``named``; then the input shape and the total parameter count.

    Args:
        name: the learner's function, for messages.
        model: what the learner's function returned.
        reference: the Keras model to compare with.
        reference_name: how messages call the reference ("keras.applications.VGG16").
        named: whether layer names must match the reference's.
    """
    k = load_keras()
    if not isinstance(model, k.Model):
        raise CheckFailed(
            f"{name} should return a keras.Model; got {type(model).__name__}. "
            "Did you forget to `return model`?"
        )
    if not getattr(model, "inputs", None):
        raise CheckFailed(
            f"{name}: the model has no input yet. Start it with keras.Input(shape=input_shape), "
            "so that Keras knows the shape of every layer."
        )
    got_input, want_input = tuple(model.inputs[0].shape), tuple(reference.inputs[0].shape)
    if got_input != want_input:
        raise CheckFailed(
            f"{name}: the input has shape {_fmt_shape(got_input)}, expected "
            f"{_fmt_shape(want_input)}: use keras.Input(shape=input_shape)."
        )
    got_layers, want_layers = model_layers(model), model_layers(reference)
    for index, (layer, want) in enumerate(zip(got_layers, want_layers, strict=False), start=1):
        label = _label(index, want, named)
        kind, want_kind = type(layer).__name__, type(want).__name__
        if kind != want_kind:
            hint = ""
            if kind == "Activation":
                hint = " Pass activation=... to the layer before instead of a separate layer."
            raise CheckFailed(f"{name}: {label} is a {kind} layer, expected {want_kind} ({reference_name}).{hint}")  # fmt: skip
        got_shape, want_shape = _output_shape(layer), _output_shape(want)
        if got_shape != want_shape:
            raise CheckFailed(
                f"{name}: {label}: output shape {_fmt_shape(got_shape)}, expected "
                f"{_fmt_shape(want_shape)}: {_shape_hint(layer, want)}."
            )
        got_params, want_params = layer.count_params(), want.count_params()
        if got_params != want_params:
            hint = (
                " Did you turn off the bias (use_bias=False)?" if got_params < want_params else ""
            )
            raise CheckFailed(f"{name}: {label}: {got_params:,} parameters, expected {want_params:,}.{hint}")  # fmt: skip
        got_act, want_act = _activation(layer), _activation(want)
        if got_act != want_act:
            raise CheckFailed(
                f"{name}: {label}: activation {got_act!r}, expected {want_act!r}: pass "
                f"activation={want_act!r} to the layer."
            )
        if named and layer.name != want.name:
            raise CheckFailed(
                f"{name}: {label} is named {layer.name!r}, expected {want.name!r}: pass "
                f"name={want.name!r} to the layer."
            )
    if len(got_layers) != len(want_layers):
        if len(got_layers) < len(want_layers):
            missing = want_layers[len(got_layers)]
            raise CheckFailed(
                f"{name}: the model has {len(got_layers)} layers (input and dropout not "
                f"counted), expected {len(want_layers)}: layer {len(got_layers) + 1} "
                f"({missing.name if named else type(missing).__name__}), a "
                f"{type(missing).__name__}, is missing."
            )
        extra = got_layers[len(want_layers)]
        raise CheckFailed(
            f"{name}: the model has {len(got_layers)} layers (input and dropout not counted), "
            f"expected {len(want_layers)}: {extra.name!r} ({type(extra).__name__}) and any "
            "after it should not be there."
        )
    if model.count_params() != reference.count_params():
        raise CheckFailed(
            f"{name}: {model.count_params():,} parameters, expected {reference.count_params():,} "
            f"({reference_name}). Is a layer shared or left out of the model's graph?"
        )


# ------------------------------------------------------------------- the graded models
def _simple_convnet(builder: Callable, *, api: str, input_shape=(32, 32, 1),
                           num_classes: int = 10) -> int:  # fmt: skip
    """Compare ``builder(input_shape, num_classes)`` with the chapter's small ConvNet.

    Args:
        builder: simple_convnet_sequential or simple_convnet_functional.
        api: "sequential" or "functional", the API the model must be built with.

    Returns:
        The model's parameter count.
    """
    k = load_keras()
    name = f"simple_convnet_{api}"
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    model = call_learner(builder, input_shape, num_classes, name=name, case=case)
    if api == "sequential" and not isinstance(model, k.Sequential):
        raise CheckFailed(
            f"{name} should build a keras.Sequential model (a list of layers); got "
            f"{type(model).__name__}."
        )
    if api == "functional" and isinstance(model, k.Sequential):
        raise CheckFailed(
            f"{name} built a keras.Sequential model. Use the Functional API: inputs = "
            "keras.Input(...), x = layer(inputs), ..., keras.Model(inputs, outputs)."
        )
    reference = reference_model(input_shape, simple_convnet_layers(num_classes))
    compare_models(name, model, reference, reference_name="the small ConvNet", named=False)
    return model.count_params()


def _lenet5(lenet5: Callable, *, activation="relu", pooling="max", num_classes=10):
    """Compare ``lenet5(activation=, pooling=, num_classes=)`` with the paper's table."""
    case = f"activation={activation!r}, pooling={pooling!r}, num_classes={num_classes}"
    model = call_learner(lenet5, activation=activation, pooling=pooling,
                         num_classes=num_classes, name="lenet5", case=case)  # fmt: skip
    reference = reference_model((32, 32, 1), lenet5_layers(num_classes), activation=activation,
                                pooling=pooling)  # fmt: skip
    compare_models("lenet5", model, reference, reference_name="LeNet-5, LeCun et al. 1998")
    return model.count_params()


def _alexnet(alexnet: Callable, *, input_shape=(227, 227, 3), num_classes=1000) -> int:
    """Compare ``alexnet(input_shape, num_classes)`` with the paper's table (one device)."""
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    model = call_learner(alexnet, input_shape, num_classes, name="alexnet", case=case)
    reference = reference_model(input_shape, alexnet_layers(num_classes))
    compare_models("alexnet", model, reference, reference_name="AlexNet, Krizhevsky et al. 2012")
    count = model.count_params()
    del model, reference  # VGG-16 holds half a gigabyte of weights: free it at once
    gc.collect()
    return count


def _vgg16(vgg16: Callable, *, input_shape=(224, 224, 3), num_classes=1000) -> int:
    """Compare ``vgg16(input_shape, num_classes)`` with keras.applications.VGG16(weights=None)."""
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    model = call_learner(vgg16, input_shape, num_classes, name="vgg16", case=case)
    reference = vgg16_reference(input_shape, num_classes)
    compare_models("vgg16", model, reference, reference_name="keras.applications.VGG16")
    count = model.count_params()
    del model, reference  # VGG-16 holds half a gigabyte of weights: free it at once
    gc.collect()
    return count


# The compare_* functions return None: a test cell whose last line has a value would have that
# value read by nbgrader as the cell's partial credit.
def compare_simple_convnet(builder: Callable, *, api: str, input_shape=(32, 32, 1),
                           num_classes: int = 10) -> None:  # fmt: skip
    """Compare ``builder(input_shape, num_classes)`` with the chapter's small ConvNet
    (``api``: "sequential" or "functional", the API the model must be built with)."""
    _simple_convnet(builder, api=api, input_shape=input_shape, num_classes=num_classes)


def compare_lenet5(lenet5: Callable, *, activation="relu", pooling="max", num_classes=10) -> None:
    """Compare ``lenet5(activation=, pooling=, num_classes=)`` with the paper's table."""
    _lenet5(lenet5, activation=activation, pooling=pooling, num_classes=num_classes)


def compare_alexnet(alexnet: Callable, *, input_shape=(227, 227, 3), num_classes=1000) -> None:
    """Compare ``alexnet(input_shape, num_classes)`` with the paper's table (one device)."""
    _alexnet(alexnet, input_shape=input_shape, num_classes=num_classes)


def compare_vgg16(vgg16: Callable, *, input_shape=(224, 224, 3), num_classes=1000) -> None:
    """Compare ``vgg16(input_shape, num_classes)`` with keras.applications.VGG16(weights=None)."""
    _vgg16(vgg16, input_shape=input_shape, num_classes=num_classes)


def check_simple_convnet_sequential(builder: Callable) -> None:
    """The visible check for ``simple_convnet_sequential``."""
    count = _simple_convnet(builder, api="sequential")
    passed("simple_convnet_sequential", f"a keras.Sequential, every layer as specified, {count:,} parameters.")  # fmt: skip


def check_simple_convnet_functional(builder: Callable) -> None:
    """The visible check for ``simple_convnet_functional``."""
    count = _simple_convnet(builder, api="functional")
    passed("simple_convnet_functional", f"built with the Functional API, every layer as specified, {count:,} parameters.")  # fmt: skip


def check_lenet5(lenet5: Callable) -> None:
    """The visible check for ``lenet5``: the modern version (ReLU, max pooling, softmax)."""
    count = _lenet5(lenet5)
    passed("lenet5", f"C1 to the output match the paper's shapes; {count:,} parameters.")


def check_alexnet(alexnet: Callable) -> None:
    """The visible check for ``alexnet``, 227x227x3 input and 1000 classes."""
    count = _alexnet(alexnet)
    passed("alexnet", f"every layer matches the paper's shapes; {count:,} parameters.")


def check_vgg16(vgg16: Callable) -> None:
    """The visible check for ``vgg16``: every layer against keras.applications.VGG16."""
    count = _vgg16(vgg16)
    passed("vgg16", f"every layer matches keras.applications.VGG16(weights=None): {count:,} parameters.")  # fmt: skip


# ------------------------------------------------------------ counting by hand, checked
@dataclass(frozen=True)
class OutputShapeCase:
    """One conv layer: input_shape (n_H_prev, n_W_prev, n_C_prev), filters, f, stride, padding."""

    input_shape: tuple[int, int, int]
    filters: int
    f: int
    stride: int
    padding: str

    def describe(self) -> str:
        return (f"input_shape={self.input_shape}, filters={self.filters}, f={self.f}, "
                f"stride={self.stride}, padding={self.padding!r}")  # fmt: skip


def random_output_shape_cases(seed: int, count: int) -> Iterator[OutputShapeCase]:
    """Random conv layers: non-square inputs, 1..64 channels, f 1..7, stride 1..4, both paddings."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        f = int(rng.integers(1, 8))
        n_H, n_W = (int(rng.integers(f, f + 40)) for _ in range(2))
        yield OutputShapeCase(
            input_shape=(n_H, n_W, int(rng.integers(1, 65))),
            filters=int(rng.integers(1, 65)),
            f=f,
            stride=int(rng.integers(1, 5)),
            padding=str(rng.choice(["valid", "same"])),
        )


def _output_shape_hint(got, case: OutputShapeCase) -> str:
    (n_H, n_W, _), f, s = case.input_shape, case.f, case.stride
    if case.padding == "same":
        if tuple(got[:2]) == (n_H, n_W) and s > 1:
            return (
                "'same' padding keeps the size only for stride 1: the output is ceil(n / stride)."
            )
        return "With 'same' padding Keras gives ceil(n / stride) per axis."
    if len(got) == 3 and got[2] != case.filters:
        return "The output has as many channels as the layer has filters."
    if tuple(got[:2]) == ((n_H - f) // s, (n_W - f) // s):
        return "Missing the + 1 in floor((n - f) / stride) + 1?"
    if tuple(got[:2]) == (n_H - f + 1, n_W - f + 1):
        return "Did you divide by the stride? floor((n - f) / stride) + 1."
    return "With 'valid' padding the size per axis is floor((n - f) / stride) + 1."


def compare_conv_output_shape(conv_output_shape: Callable, case: OutputShapeCase) -> None:
    """Compare ``conv_output_shape(...)`` with keras.layers.Conv2D.compute_output_shape."""
    name = "conv_output_shape"
    got = call_learner(conv_output_shape, case.input_shape, case.filters, case.f,
                       stride=case.stride, padding=case.padding, name=name,
                       case=case.describe())  # fmt: skip
    layer = load_keras().layers.Conv2D(
        case.filters, case.f, strides=case.stride, padding=case.padding
    )
    expected = tuple(int(n) for n in layer.compute_output_shape((None, *case.input_shape))[1:])
    try:
        got = tuple(int(n) for n in got)
    except TypeError:
        raise CheckFailed(f"{name} should return a tuple (n_H, n_W, n_C); got {got!r}.") from None
    if got != expected:
        raise CheckFailed(
            f"{name}({case.describe()}) returned {got}; Keras' Conv2D gives {expected}. "
            f"{_output_shape_hint(got, case)}"
        )


def compare_conv_layer_params(
    conv_layer_params: Callable, f: int, n_C_prev: int, filters: int
) -> None:
    """Compare ``conv_layer_params(f, n_C_prev, filters)`` with a built Conv2D's count_params."""
    name, case = "conv_layer_params", f"f={f}, n_C_prev={n_C_prev}, filters={filters}"
    got = call_learner(conv_layer_params, f, n_C_prev, filters, name=name, case=case)
    layer = load_keras().layers.Conv2D(filters, f)
    layer.build((None, f, f, n_C_prev))
    expected = layer.count_params()
    if not isinstance(got, numbers.Integral) or got != expected:
        hint = _params_hint(got, f, n_C_prev, filters)
        raise CheckFailed(f"{name}({case}) returned {got!r}; Keras counts {expected:,}.{hint}")


def _params_hint(got, f: int, n_C_prev: int, filters: int) -> str:
    if got == f * f * n_C_prev * filters:
        return " You forgot the biases: one per filter."
    if got == (f * f + 1) * filters:
        return " A filter spans every input channel: f * f * n_C_prev weights."
    if got == f * f * n_C_prev + 1:
        return " That is one filter; the layer has `filters` of them."
    return ""


def check_conv_output_shape(conv_output_shape: Callable) -> None:
    """The visible check: LeNet-5's C1, a stride-2 'valid' and a stride-2 'same' layer."""
    for case in [
        OutputShapeCase((32, 32, 1), 6, 5, 1, "valid"),
        OutputShapeCase((227, 227, 3), 96, 11, 4, "valid"),
        OutputShapeCase((7, 9, 3), 4, 3, 2, "same"),
        OutputShapeCase((28, 20, 6), 16, 3, 2, "valid"),
    ]:
        compare_conv_output_shape(conv_output_shape, case)
    passed("conv_output_shape", "matches Keras' Conv2D on 4 layers, 'valid' and 'same', stride 1 to 4.")  # fmt: skip


def check_conv_layer_params(conv_layer_params: Callable) -> None:
    """The visible check: LeNet-5's C1 (156, worked in the text), then two more layers."""
    got = call_learner(conv_layer_params, 5, 1, 6, name="conv_layer_params", case="f=5, n_C_prev=1, filters=6")  # fmt: skip
    if got != 156:
        raise CheckFailed(
            f"conv_layer_params(5, 1, 6) (LeNet-5's C1) returned {got!r}; by hand it is "
            f"(5 * 5 * 1 + 1) * 6 = 156, as the paper says.{_params_hint(got, 5, 1, 6)}"
        )
    for f, n_C_prev, filters in [(5, 6, 16), (3, 64, 128)]:
        compare_conv_layer_params(conv_layer_params, f, n_C_prev, filters)
    passed("conv_layer_params", "C1 = 156 as in the paper, and two more layers match Keras.")


# ------------------------------------------------------------------- the activation table
ROW_KEYS = ("layer", "shape", "size", "params")


def random_architectures(seed: int, count: int) -> Iterator[tuple[tuple[int, int, int], list]]:
    """Random (input_shape, layers): conv and pool layers with both paddings and strides 1..3 on
    non-square inputs, then flatten and one or two dense layers."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        shape = [int(rng.integers(16, 65)), int(rng.integers(16, 65)), int(rng.integers(1, 4))]
        input_shape = tuple(shape)
        layers = []
        for index in range(int(rng.integers(1, 6))):
            kind = "conv" if index == 0 or rng.random() < 0.6 else "pool"
            f = int(rng.integers(1, 6)) if kind == "conv" else int(rng.integers(2, 4))
            stride = int(rng.integers(1, 4))
            padding = str(rng.choice(["valid", "same"]))
            size = [
                math.ceil(n / stride) if padding == "same" else (n - f) // stride + 1
                for n in shape[:2]
            ]
            if min(shape[:2]) < f or min(size) < 1:
                continue
            spec = {"name": f"{kind}{index + 1}", "type": kind, "f": f, "stride": stride,
                    "padding": padding}  # fmt: skip
            if kind == "conv":
                spec["filters"] = int(rng.integers(1, 33))
                shape[2] = spec["filters"]
            shape[:2] = size
            layers.append(spec)
        layers.append({"name": "flatten", "type": "flatten"})
        for index in range(int(rng.integers(1, 3))):
            layers.append({"name": f"fc{index + 1}", "type": "dense", "units": int(rng.integers(1, 65))})  # fmt: skip
        yield input_shape, layers


def _row_hint(key: str, spec: Mapping | None, want: Mapping) -> str:
    kind = spec["type"] if spec else "input"
    if key == "shape":
        return {
            "conv": "A conv layer's output has as many channels as it has filters; each size is "
            "floor((n - f) / stride) + 1 ('valid') or ceil(n / stride) ('same').",
            "pool": "Pooling keeps the number of channels; each size is floor((n - f) / stride)"
            " + 1 ('valid') or ceil(n / stride) ('same').",
            "flatten": "Flatten gives a vector: its length is the product of the input's shape.",
            "dense": "A dense layer gives a vector of `units` numbers.",
            "input": "The first row is the input: shape input_shape, no parameters.",
        }[kind]
    if key == "size":
        dims = " * ".join(str(n) for n in want["shape"])
        return f"The size is the product of the shape: {dims} = {want['size']:,}."
    return {
        "conv": "A conv layer has (f * f * n_C_prev + 1) * filters parameters.",
        "pool": "A pooling layer has nothing to learn: 0 parameters.",
        "flatten": "Flatten has nothing to learn: 0 parameters.",
        "dense": "A dense layer has (n_prev + 1) * units parameters.",
        "input": "The input has no parameters.",
    }[kind]


def _activation_table(activation_table: Callable, input_shape, layers) -> list[dict]:
    """Compare ``activation_table(input_shape, layers)`` with Keras' shapes and counts.

    Returns:
        The learner's rows (after the checks passed).
    """
    name = "activation_table"
    case = f"input_shape={tuple(input_shape)} and {len(layers)} layers"
    given = [dict(spec) for spec in layers]
    rows = call_learner(activation_table, tuple(input_shape), given, name=name, case=case)
    if given != [dict(spec) for spec in layers]:
        raise CheckFailed(f"{name} changed the layer dicts it was given; read them, don't edit them.")  # fmt: skip
    expected = expected_activation_table(input_shape, layers)
    if not isinstance(rows, list | tuple) or not all(isinstance(r, Mapping) for r in rows):
        raise CheckFailed(f"{name} should return a list of dicts, one per row; got {type(rows).__name__}.")  # fmt: skip
    if len(rows) != len(expected):
        raise CheckFailed(
            f"{name} returned {len(rows)} rows for {case}; expected {len(expected)}: one for the "
            "input, then one per layer."
        )
    for index, (row, want) in enumerate(zip(rows, expected, strict=True)):
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            raise CheckFailed(f"{name}: row {index} has no key {missing[0]!r}; each row is a dict with keys {ROW_KEYS}.")  # fmt: skip
        label = f"row {index} ({want['layer']})"
        if row["layer"] != want["layer"]:
            raise CheckFailed(f"{name}: {label} is called {row['layer']!r}, expected {want['layer']!r} (the layer's 'name').")  # fmt: skip
        spec = layers[index - 1] if index else None
        for key in ("shape", "size", "params"):
            value = row[key]
            try:
                value = tuple(int(n) for n in value) if key == "shape" else int(value)
            except (TypeError, ValueError):
                raise CheckFailed(f"{name}: {label}: {key} is {row[key]!r}; expected {'a tuple of ints' if key == 'shape' else 'an int'}.") from None  # fmt: skip
            if value != want[key]:
                raise CheckFailed(
                    f"{name}: {label}: {key} {value!r}, Keras gives {want[key]!r}. "
                    f"{_row_hint(key, spec, want)}"
                )
    return list(rows)


def compare_activation_table(activation_table: Callable, input_shape, layers) -> None:
    """Compare ``activation_table(input_shape, layers)`` with Keras' shapes and counts."""
    _activation_table(activation_table, input_shape, layers)


def check_activation_table(activation_table: Callable) -> None:
    """The visible check: LeNet-5's table, then a small net with 'same' padding and strides."""
    _activation_table(activation_table, (32, 32, 1), lenet5_layers())
    small = [
        {"name": "conv1", "type": "conv", "filters": 8, "f": 3, "stride": 2, "padding": "same"},
        {"name": "pool1", "type": "pool", "f": 3, "stride": 2},
        {"name": "flatten", "type": "flatten"},
        {"name": "fc1", "type": "dense", "units": 5},
    ]
    _activation_table(activation_table, (25, 18, 3), small)
    passed("activation_table", "LeNet-5's table and a strided 'same' net match Keras' shapes and counts.")  # fmt: skip
