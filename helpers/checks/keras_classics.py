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
import hashlib
import inspect
import math
import numbers
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from helpers.checks.common import CheckFailed, call_learner, passed
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.checks.models import compare_models
from helpers.references.keras_classics import (
    alexnet_layers,
    expected_activation_table,
    lenet5_layers,
    load_keras,
    model_layers,
    reference_model,
    shapes_only,
    simple_convnet_layers,
    vgg16_reference,
)
from helpers.viz.common import Progress

# ------------------------------------------------------------------- the graded models
_POOLING = ("MaxPooling2D", "AveragePooling2D")


def _layer_hint(name: str):
    """The likely cause of a layer that differs, for ``compare_models``' ``hint`` argument.

    Args:
        name: the learner's function ("lenet5", ...): LeNet-5 takes its activation and
            pooling as arguments, the other networks fix them.

    Returns:
        hint(problem, layer, want) -> a sentence starting with a space, or "" (see
        helpers.checks.models.compare_models).
    """

    def hint(problem: str, layer, want) -> str:
        kind, want_kind = type(layer).__name__, type(want).__name__
        if problem == "kind":
            if kind == "Dense" and want_kind == "Flatten":
                return (
                    " Flatten the feature maps before the first Dense layer: layers.Flatten() "
                    "turns (None, n_H, n_W, n_C) into (None, n_H * n_W * n_C); a Dense layer "
                    "on feature maps acts on their last axis alone."
                )
            if kind == "Flatten" and want.name == "C5":
                return (
                    " C5 is a convolution, not a Dense layer after Flatten: 120 filters of "
                    "5 x 5 over S4's 5 x 5 x 16 maps, which leave 1 x 1 x 120; flatten after it."
                )
            if kind in _POOLING and want_kind == "Conv2D":
                return " A conv layer is missing before this pooling layer: count the conv layers of each block."  # fmt: skip
            if kind == "Conv2D" and want_kind in _POOLING:
                return " A pooling layer is missing after the conv layer before this one (or this conv layer is one too many)."  # fmt: skip
            if kind in _POOLING and want_kind in _POOLING:
                if name == "lenet5":
                    return (
                        " Build S2 and S4 with `Pooling`, which the given line picks from the "
                        "`pooling` argument, not with a fixed pooling layer."
                    )
                return f" Use layers.{want_kind}."
        if problem == "activation":
            got_act, want_act = layer.get_config().get("activation"), want.get_config().get("activation")  # fmt: skip
            if want_act == "softmax":
                return (
                    " The last layer gives a probability per class, and softmax is what makes "
                    "its outputs positive and sum to 1."
                )
            if name == "lenet5" and got_act != "linear":
                return (
                    " Here that is the function's `activation` argument: write "
                    f"activation=activation for C1, C3, C5 and F6, not a fixed {got_act!r}."
                )
        if problem == "shape" and kind == want_kind == "Dense":
            units = layer.get_config()["units"]
            if units in (10, 1000) and want.get_config()["activation"] == "softmax":
                return f" Give the last layer num_classes units (the argument), not a fixed {units}."  # fmt: skip
        return ""

    return hint


def _compare_pooling_windows(name: str, model, reference, *, reference_name: str,
                             named: bool = True) -> None:  # fmt: skip
    """Fail if a pooling layer's window or stride differs from the reference's, once
    ``compare_models`` has found every output shape equal.

    The shapes alone can miss it: on AlexNet's 55 x 55 maps, 2 x 2 windows moved by 2 give the
    27 x 27 of its overlapping 3 x 3 windows moved by 2, and a pooling layer has no parameters
    to count.

    Args:
        name, model, reference, reference_name, named: as for ``compare_models``.
    """
    pairs = zip(model_layers(model), model_layers(reference), strict=False)
    for index, (layer, want) in enumerate(pairs, start=1):
        if type(want).__name__ not in _POOLING:
            continue
        got, expected = layer.get_config(), want.get_config()
        for key, what in (("pool_size", "window"), ("strides", "stride")):
            if tuple(got[key]) != tuple(expected[key]):
                label = f"layer {index} ({want.name if named else type(want).__name__})"
                overlap = (
                    " AlexNet's pooling overlaps: 3 x 3 windows moved by 2 (Krizhevsky et al. "
                    "2012, section 3.4)."
                    if name == "alexnet"
                    else ""
                )
                raise CheckFailed(
                    f"{name}: {label}: its {what} is {tuple(got[key])}, expected "
                    f"{tuple(expected[key])} ({reference_name}); the output shapes agree on this "
                    f"input, but not on every input.{overlap}"
                )


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
    compare_models(name, model, reference, reference_name="the small ConvNet", named=False,
                   hint=_layer_hint(name))  # fmt: skip
    _compare_pooling_windows(name, model, reference, reference_name="the small ConvNet", named=False)  # fmt: skip
    return model.count_params()


def _lenet5(lenet5: Callable, *, activation="relu", pooling="max", num_classes=10):
    """Compare ``lenet5(activation=, pooling=, num_classes=)`` with the paper's layer table in
    its modern form (full C3 connections, a dense softmax output)."""
    case = f"activation={activation!r}, pooling={pooling!r}, num_classes={num_classes}"
    model = call_learner(lenet5, activation=activation, pooling=pooling,
                         num_classes=num_classes, name="lenet5", case=case)  # fmt: skip
    reference = reference_model((32, 32, 1), lenet5_layers(num_classes), activation=activation,
                                pooling=pooling)  # fmt: skip
    compare_models("lenet5", model, reference, reference_name="LeNet-5, modern form",
                   hint=_layer_hint("lenet5"))  # fmt: skip
    _compare_pooling_windows("lenet5", model, reference, reference_name="LeNet-5, modern form")
    return model.count_params()


def _alexnet(alexnet: Callable, *, input_shape=(227, 227, 3), num_classes=1000) -> int:
    """Compare ``alexnet(input_shape, num_classes)`` with the paper's table (one device).

    Both models are built without their weights (``shapes_only``): 62 million weights each
    would take a quarter of a gigabyte, and the comparison needs only Keras' shapes and counts.
    """
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    with shapes_only():
        model = call_learner(alexnet, input_shape, num_classes, name="alexnet", case=case)
        reference = reference_model(input_shape, alexnet_layers(num_classes))
        compare_models("alexnet", model, reference, reference_name="AlexNet, Krizhevsky et al. 2012", hint=_layer_hint("alexnet"))  # fmt: skip
        _compare_pooling_windows("alexnet", model, reference, reference_name="AlexNet, Krizhevsky et al. 2012")  # fmt: skip
        count = model.count_params()
    del model, reference
    gc.collect()
    return count


def _vgg16(vgg16: Callable, *, input_shape=(224, 224, 3), num_classes=1000) -> int:
    """Compare ``vgg16(input_shape, num_classes)`` with keras.applications.VGG16(weights=None).

    Both models are built without their weights (``shapes_only``): with them, the two would
    hold 1.1 GB and drawing the weights of the two fc1 layers needs as much again for a
    moment, too much for a laptop with 4 GB. Shapes and counts are Keras' own either way.
    """
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    # Building the two networks takes seconds: a bar shows that the check is working.
    bar = Progress(3, f"checking vgg16 {tuple(input_shape)}", unit="steps")
    bar.update(0, "building your vgg16")
    with shapes_only():
        model = call_learner(vgg16, input_shape, num_classes, name="vgg16", case=case)
        bar.update(1, "building keras.applications.VGG16")
        reference = vgg16_reference(input_shape, num_classes)
        bar.update(2, "comparing them layer by layer")
        compare_models("vgg16", model, reference, reference_name="keras.applications.VGG16",
                       hint=_layer_hint("vgg16"))  # fmt: skip
        _compare_pooling_windows("vgg16", model, reference, reference_name="keras.applications.VGG16")  # fmt: skip
        count = model.count_params()
        bar.update(3, "")
    del model, reference
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
    """Compare ``lenet5(activation=, pooling=, num_classes=)`` with the paper's sizes, modern form."""
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
    passed("lenet5", f"C1 to the output have the paper's sizes, in the modern form (full C3, softmax output); {count:,} parameters.")  # fmt: skip


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
    """The likely cause of a wrong ``got``: the sizes that common wrong formulas give, each
    worked out from the case's own numbers."""
    (n_H, n_W, n_C_prev), f, s = case.input_shape, case.f, case.stride
    if len(got) != 3:
        return "Return three numbers, (n_H, n_W, n_C): the channels too."
    if got[2] != case.filters:
        if got[2] == n_C_prev != case.filters:
            return (
                f"The output has as many channels as the layer has filters ({case.filters}), "
                f"not as many as its input ({n_C_prev})."
            )
        return "The output has as many channels as the layer has filters."
    size = tuple(got[:2])
    same_size = (math.ceil(n_H / s), math.ceil(n_W / s))
    valid_size = ((n_H - f) // s + 1, (n_W - f) // s + 1)
    if case.padding == "same":
        if size == (n_H, n_W) and s > 1:
            return (
                "'same' padding keeps the size only for stride 1: the output is ceil(n / stride)."
            )
        if size == (n_H // s, n_W // s):
            return "Keras' 'same' padding rounds up: ceil(n / stride) (math.ceil), not n // stride."
        if size == valid_size:
            return (
                "That is the 'valid' size: the padding argument is 'same' here, which gives "
                "ceil(n / stride) per axis."
            )
        return "With 'same' padding Keras gives ceil(n / stride) per axis."
    if size == same_size != valid_size:
        return (
            "That is the 'same' size, ceil(n / stride): with 'valid' padding (no padding) the "
            "filter must fit inside the input, floor((n - f) / stride) + 1 per axis."
        )
    if size == ((n_H - f) // s, (n_W - f) // s):
        return "Missing the + 1 in floor((n - f) / stride) + 1?"
    if size == (n_H - f + 1, n_W - f + 1):
        return "Did you divide by the stride? floor((n - f) / stride) + 1."
    if size == (math.ceil((n_H - f) / s) + 1, math.ceil((n_W - f) / s) + 1):
        return "Round down, not up: floor((n - f) / stride) + 1, which is (n - f) // stride + 1."
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
        whole = all(float(n).is_integer() for n in got)
        sizes = tuple(int(n) for n in got)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} should return a tuple (n_H, n_W, n_C); got {got!r}.") from None
    if not whole:
        raise CheckFailed(
            f"{name}({case.describe()}) returned {got!r}: a size is a whole number of "
            "positions. `/` gives a fraction when the filter does not fit a whole number of "
            "times; floor((n - f) / stride) + 1 is (n - f) // stride + 1 in Python."
        )
    got = sizes
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
    if got == f * f * n_C_prev * filters + 1:
        return " Each filter has its own bias: + 1 per filter, not + 1 for the whole layer."
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


def _row_cause(got: tuple, spec: Mapping | None, before: tuple | None) -> str | None:
    """The common bug whose shape ``got`` is, for a conv or pool row, or None.

    Each guess is Keras' own output shape for the layer with the spec changed as the bug
    changes it (padding or stride ignored), on the previous row's (right) shape.

    Args:
        got: the learner's shape for the row.
        spec: the row's layer dict; before: the shape of the row above, as Keras gives it.
    """
    if spec is None or spec["type"] not in ("conv", "pool"):
        return None
    padding, stride = spec.get("padding", "valid"), spec.get("stride", 1)
    guesses = []
    if padding == "same":
        guesses.append((
            {**spec, "padding": "valid"},
            "That is the 'valid' size: this layer has padding 'same', ceil(n / stride) per axis.",
        ))  # fmt: skip
    if stride != 1:
        guesses.append((
            {**spec, "stride": 1},
            f"That is the size for stride 1: this layer moves by {stride}. Read its 'stride' "
            "(default 1) and use it in the formula.",
        ))  # fmt: skip
    for changed, sentence in guesses:
        try:
            wrong = expected_activation_table(before, [changed])[-1]["shape"]
        except Exception:  # the changed layer does not fit this input: not this bug
            continue
        if tuple(got) == tuple(wrong):
            return sentence
    return None


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
        before = expected[index - 1]["shape"] if index else None
        for key in ("shape", "size", "params"):
            value = row[key]
            try:
                value = tuple(int(n) for n in value) if key == "shape" else int(value)
            except (TypeError, ValueError):
                raise CheckFailed(f"{name}: {label}: {key} is {row[key]!r}; expected {'a tuple of ints' if key == 'shape' else 'an int'}.") from None  # fmt: skip
            if value != want[key]:
                cause = _row_cause(value, spec, before) if key == "shape" else None
                raise CheckFailed(
                    f"{name}: {label}: {key} {value!r}, Keras gives {want[key]!r}. "
                    f"{cause or _row_hint(key, spec, want)}"
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


# ------------------------------------------------------------------- training LeNet-5
# The check's data: the real digits, split by the check itself, so that the learner's function
# only ever sees training examples. The test digits never reach it.
TRAINING_BUDGET_SECONDS = 120  # one call of train_lenet5, 2 cores; the solution's takes 10-40 s
MIN_TEST_ACCURACY = 0.97
SHIFT_PIXELS = 2
MOVES = ((0, 0), (-SHIFT_PIXELS, 0), (SHIFT_PIXELS, 0), (0, -SHIFT_PIXELS), (0, SHIFT_PIXELS))


@dataclass(frozen=True, eq=False)
class DigitsCase:
    """The digits split by the check: what train_lenet5 gets, and what only the check sees.

    Attributes:
        X_train: float32 (5 N, 32, 32, 1), standardised with the training digits' mean and
            standard deviation; each training digit then moved up, down, left and right by
            2 pixels, the five copies of a digit next to each other (so that Keras'
            validation_split, which takes the last examples, holds out whole digits).
        y_train: int64 (5 N,), the class of each copy.
        X_test: float32 (M, 32, 32, 1), standardised with the training statistics, unshifted.
        y_test: int64 (M,).
        seed: the split's random_state.
        renamed: whether the classes are renamed (digit d is called class ``rename[d]``).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    seed: int
    renamed: bool

    def describe(self) -> str:
        split = f"{len(self.X_train):,} training examples ({len(self.X_train) // len(MOVES):,} digits x 5 positions)"  # fmt: skip
        renamed = ", classes renamed" if self.renamed else ""
        return f"the check's split of the digits (random_state={self.seed}{renamed}): {split}"


def class_renaming(seed: int, classes: int = 10) -> np.ndarray:
    """A permutation of the classes that moves every class (none keeps its name), from a seed.

    Returns:
        int64 (classes,): class d is renamed ``renaming[d]``.
    """
    rng = np.random.default_rng(seed)
    while True:
        renaming = rng.permutation(classes)
        if np.all(renaming != np.arange(classes)):
            return renaming


def _shifted_copies(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X (N, H, W, C), y (N,) -> (5 N, H, W, C), (5 N,): each image, then moved by MOVES, the
    five copies of an image next to each other; zeros (the standardised background is not zero,
    so the caller shifts before standardising) move in at the border."""
    p, (H, W) = SHIFT_PIXELS, X.shape[1:3]
    padded = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
    copies = [padded[:, p + dy : p + dy + H, p + dx : p + dx + W] for dy, dx in MOVES]
    return np.stack(copies, axis=1).reshape(-1, *X.shape[1:]), np.repeat(y, len(MOVES))


def digits_case(seed: int, rename_classes: bool = False) -> DigitsCase:
    """The real digits at 32 x 32, split 80 / 20 (stratified) with ``random_state=seed``.

    Args:
        seed: the split's random_state (the chapter's own split uses 0).
        rename_classes: rename the classes with :func:`class_renaming` (seed): a network can
            then only score well on the test digits if it learnt the names from X_train and
            y_train, not from the digits' usual labels.
    """
    from sklearn.model_selection import train_test_split

    from helpers.datasets import load_digits

    images, labels = load_digits(size=32)
    X_train, X_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, stratify=labels, random_state=seed
    )
    if rename_classes:  # after the split, so that the digits are split as without renaming
        renaming = class_renaming(seed)
        y_train, y_test = renaming[y_train], renaming[y_test]
    mean, std = X_train.mean(), X_train.std()
    X_shifted, y_shifted = _shifted_copies(X_train, y_train)
    return DigitsCase(
        X_train=((X_shifted - mean) / std).astype(np.float32),
        y_train=y_shifted,
        X_test=((X_test - mean) / std).astype(np.float32),
        y_test=y_test,
        seed=seed,
        renamed=rename_classes,
    )


def _row_digests(X) -> np.ndarray:
    """One 64-bit digest per example of X (its float32 bytes), sorted: int64 (N,)."""
    rows = np.ascontiguousarray(X, dtype=np.float32).reshape(len(X), -1)
    digests = [hashlib.blake2b(row.tobytes(), digest_size=8).digest() for row in rows]
    return np.sort(np.frombuffer(b"".join(digests), dtype=np.int64))


class FitGuard:
    """Stands in for ``model.fit`` while the learner's function runs.

    Before each call it checks that the model is compiled, that the data are arrays whose
    every example is one of X_train's, and that part of them is held out for validation; it
    adds a callback that stops training when the time budget is spent.

    It is there to catch honest mistakes early, with a clear message. A function that goes
    around it (``keras.Model.fit(model, ...)``, ``train_on_batch``, a loop of its own) is
    caught by the hidden case instead: its classes are renamed, and only X_train and y_train
    can teach the new names.

    The grader gives it, on the model, to a learner's function in the sandbox: it crosses as
    the attributes named in ``crossing`` (helpers.grading.wire.CHECK_OBJECTS) and is attached
    to the model there again; what it counted comes back.
    """

    crossing = ("budget", "image_shape", "allowed", "calls", "over_budget", "seconds")

    def __init__(self, X_train: np.ndarray, budget: float):
        self.budget, self.image_shape = budget, tuple(X_train.shape[1:])
        self.allowed = _row_digests(X_train)
        self.calls, self.over_budget, self.seconds = 0, False, 0.0

    def attach(self, model) -> None:
        """Stand in for ``model.fit`` from now on; the time budget starts now."""
        self.fit, self.model, self.start = model.fit, model, time.perf_counter()
        model.fit = self

    def _given_only(self, X, what: str) -> None:
        if not isinstance(X, np.ndarray):
            raise CheckFailed(
                f"train_lenet5 passed {what} to model.fit as a {type(X).__name__}; pass numpy "
                "arrays (X_train, y_train), so that the check can see what the network trains on."
            )
        if X.shape[1:] != self.image_shape:
            raise CheckFailed(f"train_lenet5 passed {what} of shape {X.shape} to model.fit; the training images have shape (N, *{self.image_shape}).")  # fmt: skip
        digests = _row_digests(X)
        at = np.minimum(np.searchsorted(self.allowed, digests), len(self.allowed) - 1)
        foreign = int(np.sum(self.allowed[at] != digests)) if len(self.allowed) else len(X)
        if foreign:
            raise CheckFailed(
                f"train_lenet5 passed model.fit {foreign:,} examples ({what}) that are not in "
                "the X_train it was given. Train and validate on X_train and y_train as given "
                "(already standardised and shifted), and on nothing else: the test digits must "
                "stay unseen until the network is evaluated."
            )

    def __call__(self, *args, **kwargs):
        arguments = inspect.signature(self.fit).bind(*args, **kwargs).arguments
        if not getattr(self.model, "compiled", False):
            raise CheckFailed(
                "train_lenet5 called model.fit before model.compile: compile the model first "
                "(an optimizer, a loss and metrics=['accuracy'])."
            )
        self._given_only(arguments.get("x"), "as x")
        validation = arguments.get("validation_data")
        if validation is not None:
            self._given_only(validation[0], "as validation_data")
        elif not arguments.get("validation_split"):
            raise CheckFailed(
                "train_lenet5 called model.fit without holding out a validation set: pass "
                "validation_split=0.1, so that the History shows how the network does on "
                "digits it does not train on."
            )
        guard = self
        k = load_keras()

        class Budget(k.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if time.perf_counter() - guard.start > guard.budget:
                    guard.over_budget = True
                    self.model.stop_training = True

        # The check's training takes as long as the learner's: one line shows how far it is.
        epochs = arguments.get("epochs") or 1
        bar = Progress(epochs, "training a fresh LeNet-5 with your train_lenet5")
        arguments["callbacks"] = [*(arguments.get("callbacks") or []), Budget(), bar.keras_callback()]  # fmt: skip
        self.calls += 1
        try:
            return self.fit(**arguments)
        finally:
            self.seconds = time.perf_counter() - self.start


def _test_accuracy(model, case: DigitsCase) -> float:
    """The fraction of the case's test digits whose most probable class is the label."""
    probabilities = model.predict(case.X_test, verbose=0)
    return float(np.mean(np.argmax(probabilities, axis=1) == case.y_test))


def _accuracy_hint(history) -> str:
    curves = getattr(history, "history", {})
    train = curves.get("accuracy", [None])[-1]
    val = curves.get("val_accuracy", [None])[-1]
    if train is None:
        return ""
    if train < 0.9:
        return (
            f" It does not fit its training data either (last training accuracy {train:.1%}): "
            "check the loss (sparse_categorical_crossentropy for integer labels and a softmax "
            "output, not from_logits=True) and the learning rate (Adam's 1e-3 is a good start), "
            "or train for more epochs."
        )
    return (
        f" It fits its training data (training accuracy {train:.1%}"
        f"{f', validation {val:.1%}' if val is not None else ''}) but not new digits: fewer "
        "epochs, or a smaller learning rate at the end (a decaying schedule), may help."
    )


def _train_lenet5(train_lenet5: Callable, case: DigitsCase) -> tuple[float, float, int, float]:
    """Train a fresh LeNet-5 with ``train_lenet5`` on the case's training examples only, then
    evaluate it on the case's test digits, which the learner's function never sees.

    Returns:
        (seconds, test accuracy, epochs run, last validation accuracy).
    """
    k = load_keras()
    name = "train_lenet5"
    k.utils.set_random_seed(case.seed)
    # The reference LeNet-5, not the learner's lenet5: this exercise is graded on its own.
    model = reference_model((32, 32, 1), lenet5_layers())
    guard = FitGuard(case.X_train, TRAINING_BUDGET_SECONDS)
    guard.attach(model)
    try:
        history = call_learner(train_lenet5, model, case.X_train, case.y_train, name=name,
                               case=case.describe())  # fmt: skip
    except ValueError as error:
        if "`target` and `output` must have the same rank" not in str(error):
            raise
        # Keras' message names tensors; the cause is the loss, in the learner's compile.
        raise CheckFailed(
            f"{name}: model.fit stopped at the first batch, where the loss compares the labels "
            "with the network's 10 probabilities per example. y_train holds one integer class "
            "per example, which loss='sparse_categorical_crossentropy' takes; "
            "'categorical_crossentropy' expects one-hot rows of 10. (Keras said: "
            f"{str(error).splitlines()[0]})"
        ) from error
    finally:
        del model.fit  # the model's own fit again
    seconds = guard.seconds  # from the call's start to the end of its last fit
    if guard.calls == 0:
        raise CheckFailed(
            f"{name} did not call fit on the model it was given: compile and fit `model`, "
            "the argument, rather than a model of your own."
        )
    if guard.over_budget:
        raise CheckFailed(
            f"{name} was stopped after {seconds:.0f} s: one call may take at most "
            f"{TRAINING_BUDGET_SECONDS} s on {case.describe()}. Use fewer epochs or larger "
            "batches (4 epochs of batches of 64 are enough, and take well under a minute)."
        )
    if not isinstance(history, k.callbacks.History):
        raise CheckFailed(
            f"{name} should return the History that model.fit returns; got "
            f"{type(history).__name__}. Did you forget `return history`?"
        )
    curves = history.history
    if "val_accuracy" not in curves:
        raise CheckFailed(
            f"{name}: the History has {sorted(curves)}, no 'val_accuracy'. Compile with "
            "metrics=['accuracy'] and fit with validation_split=0.1."
        )
    accuracy = _test_accuracy(model, case)
    if accuracy < MIN_TEST_ACCURACY:
        raise CheckFailed(
            f"{name}: the trained LeNet-5 gets {accuracy:.1%} of {len(case.y_test)} held-out "
            f"digits right on {case.describe()}; the goal is at least {MIN_TEST_ACCURACY:.0%}."
            f"{_accuracy_hint(history)}"
        )
    return seconds, accuracy, len(curves["val_accuracy"]), curves["val_accuracy"][-1]


def compare_train_lenet5(train_lenet5: Callable, *, seed: int, rename_classes: bool) -> None:
    """Train and evaluate with ``train_lenet5`` on the check's split ``seed`` (see
    :func:`digits_case`); fail unless held-out accuracy is at least MIN_TEST_ACCURACY."""
    _train_lenet5(train_lenet5, digits_case(seed, rename_classes))


def check_train_lenet5(train_lenet5: Callable) -> None:
    """The visible check: a fresh LeNet-5 trained by ``train_lenet5`` on the check's own split
    (random_state=1), evaluated on the 360 digits it held back."""
    case = digits_case(seed=1)
    seconds, accuracy, epochs, val = _train_lenet5(train_lenet5, case)
    passed(
        "train_lenet5",
        f"{epochs} epochs in {seconds:.0f} s (budget {TRAINING_BUDGET_SECONDS} s), validation "
        f"accuracy {val:.1%}; {accuracy:.1%} of {len(case.y_test)} digits the function never "
        f"saw are right (goal: {MIN_TEST_ACCURACY:.0%}).",
    )


# ---------------------------------------------------------------- evaluating a classifier
def _softmax_model(classes: int, features: int, seed: int | None):
    """A small classifier, (None, features) -> (None, classes) probabilities, not compiled:
    a softmax of the input itself (seed None), or of a random dense layer."""
    k = load_keras()
    inputs = k.Input(shape=(features,))
    if seed is None:
        outputs = k.layers.Softmax()(inputs)
    else:
        init = k.initializers.RandomNormal(seed=seed)
        outputs = k.layers.Dense(classes, activation="softmax", kernel_initializer=init)(inputs)
    return k.Model(inputs, outputs)


def _evaluate_accuracy(evaluate_accuracy: Callable, model, X, y, expected: float, case: str):
    name = "evaluate_accuracy"
    try:
        got = call_learner(evaluate_accuracy, model, X, y, name=name, case=case)
    except CheckFailed:
        raise
    except Exception as error:
        if "compile" in str(error):
            raise CheckFailed(
                f"{name}: the model it was given is not compiled, so model.evaluate cannot "
                "run. Use model.predict and compare the most probable class with the label."
            ) from error
        raise
    if hasattr(got, "numpy"):  # a TensorFlow scalar, e.g. from keras.metrics
        got = got.numpy()
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        raise CheckFailed(f"{name} should return one number, the accuracy; got {type(got).__name__} ({case}).")  # fmt: skip
    if not math.isclose(got, expected, abs_tol=1e-6):
        hint = ""
        if math.isclose(got, 100 * expected, abs_tol=1e-4):
            hint = " Return a fraction between 0 and 1, not a percentage."
        elif math.isclose(got, 1 - expected, abs_tol=1e-6):
            hint = " That is the error rate: the accuracy counts the examples that are right."
        elif math.isclose(got, expected * len(y), abs_tol=1e-4):
            hint = " That is the count of right examples: divide by the number of examples."
        raise CheckFailed(f"{name} returned {got!r} on {case}; the accuracy is {expected!r}.{hint}")  # fmt: skip


def compare_evaluate_accuracy(evaluate_accuracy: Callable, seed: int) -> None:
    """Compare ``evaluate_accuracy`` with keras.metrics.SparseCategoricalAccuracy on a random
    uncompiled classifier (3 to 12 classes, 1 to 200 examples)."""
    k = load_keras()
    rng = np.random.default_rng(seed)
    classes, count, features = int(rng.integers(3, 13)), int(rng.integers(1, 201)), 6
    model = _softmax_model(classes, features, seed)
    X = rng.normal(size=(count, features)).astype(np.float32)
    y = rng.integers(0, classes, count)
    metric = k.metrics.SparseCategoricalAccuracy()
    metric.update_state(y, model.predict(X, verbose=0))
    case = f"a random classifier ({classes} classes, {count} examples, seed {seed})"
    _evaluate_accuracy(evaluate_accuracy, model, X, y, float(metric.result()), case)


def check_evaluate_accuracy(evaluate_accuracy: Callable) -> None:
    """The visible check: a case worked by hand, then one random classifier.

    By hand: the model is a softmax of its input, so each row's most probable class is the
    position of its largest number. Rows [2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 0, 0] predict
    classes 0, 1, 2, 0; the labels 0, 1, 2, 2 agree on the first three: accuracy 3 / 4 = 0.75.
    """
    X = np.array([[2, 1, 0], [0, 3, 1], [1, 0, 5], [4, 0, 0]], dtype=np.float32)
    y = np.array([0, 1, 2, 2])
    case = "4 examples worked by hand (predicted classes 0, 1, 2, 0; labels 0, 1, 2, 2)"
    _evaluate_accuracy(evaluate_accuracy, _softmax_model(3, 3, None), X, y, 0.75, case)
    compare_evaluate_accuracy(evaluate_accuracy, seed=11)
    passed("evaluate_accuracy", "a case worked by hand (0.75) and a random classifier agree with keras.metrics.SparseCategoricalAccuracy.")  # fmt: skip
