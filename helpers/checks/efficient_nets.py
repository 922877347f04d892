"""Checks for chapter 04: efficient architectures and transfer learning.

- **Costs** (``conv_cost``, ``bottleneck_multiplications``, ``depthwise_separable_cost``): the
  learner's counts against counts taken from Keras layers built for the same case
  (:mod:`helpers.model_costs` and ``count_params``), on the cases the text works by hand and on
  random shapes.
- **Blocks**: ``inception_module`` layer by layer (names, kinds, windows, activations), then its
  numbers against the TensorFlow-ops module of :func:`helpers.references.efficient_nets.inception_reference`
  on random weights; ``mobilenet_v1_block`` and ``inverted_residual_block`` against the blocks
  Keras' own application code builds, by layer name (kind, shape, parameters, inputs), then
  their numbers, with the learner's random weights copied into Keras' block, in inference mode.
- ``mobilenet_v2`` against ``keras.applications.MobileNetV2(weights=None)``, by layer name.
- **Colour**: ``rgb_pca`` against scikit-learn's PCA; ``pca_color_augment`` by the properties
  AlexNet's formula implies (shape and dtype kept, values in [0, 1], every unclipped pixel of an
  image moved by one vector whose coordinates in the eigenbasis are alpha_i * lambda_i, nothing
  moved when alpha = 0).

Each graded function has a ``check_*`` (the visible part), ``compare_*`` for one case and
``random_*_cases`` for the hidden tests. Every ``check_*`` and ``compare_*`` returns None: nbgrader
reads the value of a test cell's last line as partial credit.
"""

from __future__ import annotations

import gc
import numbers
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from helpers.checks.common import (
    CheckFailed,
    as_array,
    call_learner,
    expect_close,
    expect_shape,
    likely_cause,
    passed,
)
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.checks.models import compare_models_by_name, layer_kind
from helpers.references import efficient_nets as ref
from helpers.references.common import load_keras

TOLERANCE = 1e-4  # float32 through a few layers with random weights; a bug is off by far more


# ------------------------------------------------------------------------------- costs
@dataclass(frozen=True)
class CostCase:
    """A "same" convolution, stride 1: input (n_H, n_W, n_C_prev), n_C filters of f x f;
    n_bottleneck: the 1 x 1 bottleneck's filters (None: none)."""

    n_H: int
    n_W: int
    n_C_prev: int
    n_C: int
    f: int
    n_bottleneck: int | None = None

    def args(self) -> tuple[int, ...]:
        return (self.n_H, self.n_W, self.n_C_prev, self.n_C, self.f)

    def describe(self) -> str:
        text = f"n_H={self.n_H}, n_W={self.n_W}, n_C_prev={self.n_C_prev}, n_C={self.n_C}, f={self.f}"  # fmt: skip
        return text if self.n_bottleneck is None else f"{text}, n_bottleneck={self.n_bottleneck}"


def random_cost_cases(seed: int, count: int, bottleneck: bool = False) -> Iterator[CostCase]:
    """Non-square inputs 1..40, 1..300 input channels, 1..300 filters, f in 1, 3, 5, 7; with
    ``bottleneck`` a bottleneck of 1..64 filters in every other case."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        yield CostCase(
            int(rng.integers(1, 41)), int(rng.integers(1, 41)), int(rng.integers(1, 301)),
            int(rng.integers(1, 301)), int(rng.choice([1, 3, 5, 7])),
            int(rng.integers(1, 65)) if bottleneck and index % 2 == 0 else None,
        )  # fmt: skip


def _integer(name: str, value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | float | np.floating):
        raise CheckFailed(f"{name}: {what} should be a number; got {type(value).__name__}. Did you forget a `return`?")  # fmt: skip
    if float(value) != int(value):
        raise CheckFailed(f"{name}: {what} is {value}, not a whole number: a count of multiplications is an integer (use // or int(), not /).")  # fmt: skip
    return int(value)


def compare_conv_cost(conv_cost: Callable, case: CostCase) -> None:
    """``conv_cost(n_H, n_W, n_C_prev, n_C, f)`` against a built Keras Conv2D."""
    name = "conv_cost"
    result = call_learner(conv_cost, *case.args(), name=name, case=case.describe())
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"{name} should return (parameters, multiplications), a tuple of 2; got {result!r}.")  # fmt: skip
    params, mults = (_integer(name, v, w) for v, w in zip(result, ("parameters", "multiplications"), strict=True))  # fmt: skip
    want_params, want_mults = ref.keras_conv_cost(*case.args())
    if params != want_params:
        hint = ""
        if params == want_params - case.n_C:
            hint = " Each filter also has a bias."
        elif params == case.f * case.f * case.n_C_prev * case.n_C + 1:
            hint = " There is one bias per filter, not one in all."
        elif case.n_C_prev > 1 and params == (case.f * case.f + 1) * case.n_C:
            hint = " Each filter spans all n_C_prev input channels: f * f * n_C_prev weights, plus its bias."  # fmt: skip
        elif case.f > 1 and params == (case.f * case.n_C_prev + 1) * case.n_C:
            hint = " A filter is f x f: f * f weights per input channel, not f."
        raise CheckFailed(f"{name}: {params:,} parameters for {case.describe()}; a Keras Conv2D has {want_params:,}.{hint}")  # fmt: skip
    if mults != want_mults:
        hint = ""
        if mults == want_mults // max(case.n_H * case.n_W, 1) and case.n_H * case.n_W > 1:
            hint = " You counted one output position; every one of the n_H x n_W positions repeats the products."  # fmt: skip
        elif case.n_C_prev > 1 and mults * case.n_C_prev == want_mults:
            hint = " Each filter spans all n_C_prev input channels: f x f x n_C_prev products per output number."  # fmt: skip
        elif case.f > 1 and mults * case.f == want_mults:
            hint = " The window is f x f: f * f products per input channel, not f."
        elif mults == want_mults + case.n_H * case.n_W * case.n_C:
            hint = " Adding the bias is not a multiplication: count only the f * f * n_C_prev products of each output number."  # fmt: skip
        raise CheckFailed(f"{name}: {mults:,} multiplications for {case.describe()}; counted from the built Keras layer: {want_mults:,}.{hint}")  # fmt: skip


VISIBLE_CONV = (CostCase(28, 28, 192, 32, 5), CostCase(28, 28, 192, 16, 1), CostCase(7, 5, 3, 4, 3))


def check_conv_cost(conv_cost: Callable) -> None:
    """The visible check: the text's two cases and a small odd one, against Keras."""
    for case in VISIBLE_CONV:
        compare_conv_cost(conv_cost, case)
    passed("conv_cost", "parameters and multiplications equal those of Keras' Conv2D on the text's 5 x 5 and 1 x 1 cases and a small odd one.")  # fmt: skip


def compare_bottleneck_multiplications(fn: Callable, case: CostCase) -> None:
    """``bottleneck_multiplications(..., n_bottleneck)`` against the built Keras layers."""
    name = "bottleneck_multiplications"
    got = call_learner(fn, *case.args(), case.n_bottleneck, name=name, case=case.describe())
    got = _integer(name, got, "the result")
    want = ref.keras_bottleneck_multiplications(*case.args(), case.n_bottleneck)
    if got != want:
        hint = ""
        if case.n_bottleneck is not None:
            direct = ref.keras_bottleneck_multiplications(*case.args())
            if got == direct:
                hint = " That is the count without the bottleneck: with one, the f x f filters read n_bottleneck channels, and the 1 x 1 layer costs n_H * n_W * n_C_prev * n_bottleneck."  # fmt: skip
            elif got == want - case.n_H * case.n_W * case.n_C_prev * case.n_bottleneck:
                hint = " The 1 x 1 bottleneck layer itself costs multiplications too."
            elif got == direct + case.n_H * case.n_W * case.n_C_prev * case.n_bottleneck:
                hint = " With the bottleneck, the f x f filters read its n_bottleneck channels, not the n_C_prev channels of the input."  # fmt: skip
        raise CheckFailed(f"{name}: {got:,} for {case.describe()}; counted from the built Keras layers: {want:,}.{hint}")  # fmt: skip


VISIBLE_BOTTLENECK = (CostCase(28, 28, 192, 32, 5), CostCase(28, 28, 192, 32, 5, 16))


def check_bottleneck_multiplications(fn: Callable) -> None:
    """The visible check: the text's case, 28 x 28 x 192 -> 32 filters 5 x 5, with and without
    a 16-channel bottleneck."""
    for case in VISIBLE_BOTTLENECK:
        compare_bottleneck_multiplications(fn, case)
    without, with_ = (fn(*c.args(), c.n_bottleneck) for c in VISIBLE_BOTTLENECK)
    passed("bottleneck_multiplications", f"{without:,} without and {with_:,} with the bottleneck, as counted from the built Keras layers (a factor of {without / with_:.1f}).")  # fmt: skip


def compare_depthwise_separable_cost(fn: Callable, case: CostCase) -> None:
    """``depthwise_separable_cost`` -> (depthwise, pointwise) against Keras' DepthwiseConv2D, the
    1 x 1 Conv2D after it and SeparableConv2D."""
    name = "depthwise_separable_cost"
    result = call_learner(fn, *case.args(), name=name, case=case.describe())
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"{name} should return (depthwise, pointwise), a tuple of 2; got {result!r}.")  # fmt: skip
    depthwise, pointwise = (_integer(name, v, w) for v, w in zip(result, ("the depthwise count", "the pointwise count"), strict=True))  # fmt: skip
    want = ref.keras_separable_cost(*case.args())
    if (depthwise, pointwise) == (want["pointwise"], want["depthwise"]) and depthwise != pointwise:
        raise CheckFailed(f"{name}: ({depthwise:,}, {pointwise:,}) for {case.describe()} are Keras' two counts in the other order: return (depthwise, pointwise), the depthwise part first.")  # fmt: skip
    if depthwise != want["depthwise"]:
        hint = ""
        if depthwise == want["depthwise"] * case.n_C:
            hint = " A depthwise convolution has one f x f filter per input channel, not n_C of them."  # fmt: skip
        elif depthwise == want["standard"]:
            hint = " That is a standard convolution's count."
        raise CheckFailed(f"{name}: depthwise part {depthwise:,} for {case.describe()}; Keras' DepthwiseConv2D: {want['depthwise']:,}.{hint}")  # fmt: skip
    if pointwise != want["pointwise"]:
        hint = ""
        if pointwise == want["standard"]:
            hint = " That is a standard f x f convolution's count: the pointwise convolution is 1 x 1, no f * f."  # fmt: skip
        elif pointwise in (case.n_H * case.n_W * case.n_C * case.n_C, case.n_H * case.n_W * case.n_C_prev * case.n_C_prev):  # fmt: skip
            hint = " The pointwise convolution reads the n_C_prev channels the depthwise one wrote and writes n_C: n_H * n_W * n_C_prev * n_C."  # fmt: skip
        raise CheckFailed(f"{name}: pointwise part {pointwise:,} for {case.describe()}; Keras' 1 x 1 Conv2D after the depthwise one: {want['pointwise']:,}.{hint}")  # fmt: skip
    if depthwise + pointwise != want["separable"]:  # the two Keras layers and SeparableConv2D agree
        raise CheckFailed(f"{name}: the sum {depthwise + pointwise:,} differs from Keras' SeparableConv2D, {want['separable']:,}.")  # fmt: skip


VISIBLE_SEPARABLE = (CostCase(14, 14, 512, 512, 3), CostCase(5, 7, 3, 8, 5))


def check_depthwise_separable_cost(fn: Callable) -> None:
    """The visible check: a MobileNet layer (14 x 14 x 512, 3 x 3, 512 filters) and a small odd case."""
    for case in VISIBLE_SEPARABLE:
        compare_depthwise_separable_cost(fn, case)
    passed("depthwise_separable_cost", "both parts equal Keras' DepthwiseConv2D and 1 x 1 Conv2D, and their sum Keras' SeparableConv2D.")  # fmt: skip


# ------------------------------------------------------------------------ building a block
def _build(fn: Callable, name: str, input_shape: tuple, args: tuple, describe: str):
    """Call the learner's block on a keras.Input; return the block as a keras.Model."""
    k = load_keras()
    inputs = k.Input(shape=input_shape)
    try:
        output = call_learner(fn, inputs, *args, name=name, case=describe)
    except ValueError as error:
        text = str(error)
        if "Concatenate" in text and "matching shapes" in text:
            raise CheckFailed(f"{name}, on {describe}: the branches you concatenate have different heights or widths ({text.split('Received: ')[-1].splitlines()[0]}). Every branch keeps n_H x n_W: stride 1, and padding=\"same\" in the 3 x 3 and 5 x 5 convolutions and in the pooling.") from None  # fmt: skip
        if "incompatible shapes" in text or "Inputs have incompatible shapes" in text:
            raise CheckFailed(f"{name}, on {describe}: the two tensors you add have different shapes. Add the shortcut only when stride == 1 and the input already has `filters` channels.") from None  # fmt: skip
        raise
    if not isinstance(output, k.KerasTensor):
        raise CheckFailed(f"{name} should return the block's output tensor (what its last layer returned); got {type(output).__name__}. Did you forget `return X`?")  # fmt: skip
    try:
        return k.Model(inputs, output)
    except ValueError as error:
        raise CheckFailed(f"{name}: the tensor you returned is not computed from X ({error}).") from None  # fmt: skip


def _randomise(model, rng: np.random.Generator) -> None:
    """Random weights and batch-norm statistics in every layer, so that a misplaced layer shows
    in the numbers (fresh layers are close to identities)."""
    k = load_keras()
    for layer in model.layers:
        if isinstance(layer, k.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.3, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, n).astype("float32"))
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            if layer.center:
                layer.beta.assign(rng.normal(0, 0.3, n).astype("float32"))
        else:
            for weight in layer.weights:
                fan_in = int(np.prod(weight.shape[:-1])) if len(weight.shape) > 1 else 10
                weight.assign(rng.normal(0, np.sqrt(2 / fan_in), weight.shape).astype("float32"))


def _compare_outputs(name: str, model, reference, input_shape, seed: int, reference_name: str, describe: str) -> None:  # fmt: skip
    """Random weights in the learner's block, copied into the reference by layer name; the two
    outputs on a random input, in inference mode."""
    k = load_keras()
    rng = np.random.default_rng(seed)
    _randomise(model, rng)
    ref.copy_weights(model, reference)
    x = rng.uniform(-1, 7, (2, *input_shape)).astype("float32")  # reaches ReLU6's cap
    got = k.ops.convert_to_numpy(model(x, training=False))
    want = k.ops.convert_to_numpy(reference(x, training=False))
    expect_close(name, got, want, what="the block's output", reference=f"{reference_name} with your weights (inference mode)", case=describe, rtol=TOLERANCE, atol=TOLERANCE)  # fmt: skip


# ------------------------------------------------------------------------- Inception
INCEPTION_ROLES = ("1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool", "pool_proj", "concat")
INCEPTION_KIND = {"pool": "MaxPooling2D", "concat": "Concatenate"}
INCEPTION_WINDOW = {"1x1": 1, "3x3_reduce": 1, "3x3": 3, "5x5_reduce": 1, "5x5": 5, "pool_proj": 1, "pool": 3}  # fmt: skip
INCEPTION_READS = {"1x1": "X", "3x3_reduce": "X", "3x3": "3x3_reduce", "5x5_reduce": "X",
                   "5x5": "5x5_reduce", "pool": "X", "pool_proj": "pool"}  # fmt: skip


@dataclass(frozen=True)
class InceptionCase:
    """input_shape (n_H, n_W, n_C_prev); filters (F1, F3r, F3, F5r, F5, Fpool); name; seed."""

    input_shape: tuple[int, int, int]
    filters: tuple[int, int, int, int, int, int]
    name: str = "inception_3a"
    seed: int = 0

    def describe(self) -> str:
        return f"X of shape (m, {', '.join(map(str, self.input_shape))}), filters={self.filters}, name={self.name!r}"  # fmt: skip


def random_inception_cases(seed: int, count: int) -> Iterator[InceptionCase]:
    """Non-square inputs 1..12, 1..16 channels, every branch 1..8 filters."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        yield InceptionCase(
            (int(rng.integers(1, 13)), int(rng.integers(1, 13)), int(rng.integers(1, 17))),
            tuple(int(v) for v in rng.integers(1, 9, 6)),
            name=f"inception_{index + 3}{'abc'[index % 3]}", seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


def compare_inception_module(inception_module: Callable, case: InceptionCase) -> None:
    """Build ``inception_module`` for ``case``; compare its layers, then its numbers with the
    TensorFlow-ops module on random weights."""
    name, k = "inception_module", load_keras()
    model = _build(inception_module, name, case.input_shape, (case.filters, case.name), case.describe())  # fmt: skip
    layers = {layer.name: layer for layer in model.layers}
    input_name = model.layers[0].name
    F1, F3r, F3, F5r, F5, Fp = case.filters
    out_filters = {"1x1": F1, "3x3_reduce": F3r, "3x3": F3, "5x5_reduce": F5r, "5x5": F5, "pool_proj": Fp}  # fmt: skip
    for role in INCEPTION_ROLES:
        full = f"{case.name}_{role}"
        if full not in layers:
            raise CheckFailed(f"{name}: the module has no layer named {full!r}, or the module's output does not depend on it. Name each layer f\"{{name}}_{role}\", as in the table. Its layers: {sorted(n for n in layers if n != input_name)}.")  # fmt: skip
        layer, want_kind = layers[full], INCEPTION_KIND.get(role, "Conv2D")
        if layer_kind(layer) != want_kind:
            raise CheckFailed(f"{name}: layer {full!r} is a {layer_kind(layer)}; it should be a {want_kind}.")  # fmt: skip
        config = layer.get_config()
        if role in INCEPTION_WINDOW:
            key = "pool_size" if role == "pool" else "kernel_size"
            window = INCEPTION_WINDOW[role]
            if tuple(config[key]) != (window, window):
                raise CheckFailed(f"{name}: layer {full!r} has a {tuple(config[key])} window; it should be {window} x {window}.")  # fmt: skip
            if tuple(config["strides"]) != (1, 1) or (window > 1 and config["padding"] != "same"):
                raise CheckFailed(f"{name}: layer {full!r} has strides {tuple(config['strides'])} and padding {config['padding']!r}; every layer of the module keeps the size: stride 1, padding=\"same\".")  # fmt: skip
        if want_kind == "Conv2D":
            if config["filters"] != out_filters[role]:
                raise CheckFailed(f"{name}: layer {full!r} has {config['filters']} filters; with filters={case.filters} it should have {out_filters[role]}.")  # fmt: skip
            if config.get("activation") != "relu":
                raise CheckFailed(f"{name}: layer {full!r} has activation {config.get('activation')!r}; every convolution of GoogLeNet, the reductions included, is followed by a ReLU: activation=\"relu\".")  # fmt: skip
        if role in INCEPTION_READS:
            want_in = input_name if INCEPTION_READS[role] == "X" else f"{case.name}_{INCEPTION_READS[role]}"  # fmt: skip
            got_in = [t._keras_history.operation.name for t in layer._inbound_nodes[0].input_tensors]  # fmt: skip
            if got_in != [want_in]:
                said = "X (the module's input)" if want_in == input_name else repr(want_in)
                raise CheckFailed(f"{name}: layer {full!r} reads {got_in}; it should read {said}.")  # fmt: skip
    concat = layers[f"{case.name}_concat"]
    order = [f"{case.name}_{r}" for r in ("1x1", "3x3", "5x5", "pool_proj")]
    got_in = [t._keras_history.operation.name for t in concat._inbound_nodes[0].input_tensors]
    if got_in != order:
        raise CheckFailed(f"{name}: the concatenation reads {got_in}; it should join {order}, in that order (the order of GoogLeNet's Table 1).")  # fmt: skip
    if model.output is not concat.output:
        raise CheckFailed(f"{name}: return the output of the concatenation, {case.name + '_concat'!r}.")  # fmt: skip
    rng = np.random.default_rng(case.seed)
    _randomise(model, rng)
    weights = {role: {"kernel": k.ops.convert_to_numpy(layers[f"{case.name}_{role}"].kernel),
                      "bias": k.ops.convert_to_numpy(layers[f"{case.name}_{role}"].bias)}
               for role in out_filters}  # fmt: skip
    x = rng.normal(0, 1, (2, *case.input_shape)).astype("float32")
    got = k.ops.convert_to_numpy(model(x))
    want = ref.inception_reference(x, weights)
    expect_shape(name, got, want.shape, what="the module's output")
    expect_close(name, got, want, what="the module's output", reference="the module in TensorFlow ops (your weights)", case=case.describe(), rtol=TOLERANCE, atol=TOLERANCE)  # fmt: skip


VISIBLE_INCEPTION = InceptionCase((6, 5, 7), (2, 3, 4, 1, 2, 3), name="check_3a", seed=3)


def check_inception_module(inception_module: Callable) -> None:
    """The visible check: one small module, layer by layer, then its numbers."""
    compare_inception_module(inception_module, VISIBLE_INCEPTION)
    passed("inception_module", "every layer named, shaped and wired as in the table, and the same numbers as the module written in TensorFlow ops.")  # fmt: skip


# --------------------------------------------------------------------- MobileNet blocks
@dataclass(frozen=True)
class BlockCase:
    """input_shape (n_H, n_W, n_C_prev), filters, stride, block_id, expansion (v2 only), seed."""

    input_shape: tuple[int, int, int]
    filters: int
    stride: int
    block_id: int
    expansion: int = 1
    seed: int = 0

    def describe(self, v2: bool) -> str:
        shape = f"X of shape (m, {', '.join(map(str, self.input_shape))})"
        if v2:
            return f"{shape}, expansion={self.expansion}, filters={self.filters}, stride={self.stride}, block_id={self.block_id}"  # fmt: skip
        return f"{shape}, filters={self.filters}, stride={self.stride}, block_id={self.block_id}"


def random_v1_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Non-square inputs 2..12 (odd and even), 1..16 channels, 1..16 filters, stride 1 or 2."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield BlockCase(
            (int(rng.integers(2, 13)), int(rng.integers(2, 13)), int(rng.integers(1, 17))),
            int(rng.integers(1, 17)), int(rng.integers(1, 3)), int(rng.integers(1, 14)),
            seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


def random_v2_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Non-square inputs 2..12 (odd and even), 1..24 channels, 8, 16 or 24 filters, stride 1 or
    2, expansion 2..6 (block_id 1..16), or block 0 with expansion 1; the residual case (input
    channels = filters, stride 1) in every third case."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        filters, stride = int(rng.choice([8, 16, 24])), int(rng.integers(1, 3))
        channels = filters if index % 3 == 0 else int(rng.integers(1, 25))
        stride = 1 if index % 3 == 0 else stride
        block_id = 0 if index % 5 == 4 else int(rng.integers(1, 17))
        yield BlockCase(
            (int(rng.integers(2, 13)), int(rng.integers(2, 13)), channels), filters, stride,
            block_id, expansion=1 if block_id == 0 else int(rng.integers(2, 7)),
            seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


def _block_causes(name: str, model, reference, reference_name: str) -> None:
    """Name the usual wrong blocks before the layer-by-layer comparison, whose first difference
    would be a symptom: a bias in a convolution that a batch norm follows, an activation after
    MobileNetV2's projection, an expansion layer in a block of expansion 1."""
    k = load_keras()
    wanted = {layer.name: layer for layer in reference.layers}
    for layer in model.layers:
        want = wanted.get(layer.name)
        if want is not None and layer.get_config().get("use_bias") and not want.get_config().get("use_bias", True):  # fmt: skip
            raise CheckFailed(f"{name}: layer {layer.name!r} has a bias, so {layer.count_params():,} parameters; in {reference_name} it has {want.count_params():,} and no bias. The batch norm right after it has its own offset, which makes a bias redundant: pass use_bias=False.")  # fmt: skip
        if layer.name.endswith("project") and isinstance(layer, k.layers.Conv2D) and layer.get_config().get("activation") not in (None, "linear"):  # fmt: skip
            raise CheckFailed(f"{name}: layer {layer.name!r} has activation {layer.get_config().get('activation')!r}. The projection is linear (the linear bottleneck, Sandler et al. 2018, section 3.2): no activation after it or after its batch norm.")  # fmt: skip
        if layer.name.endswith("expand") and want is None and isinstance(layer, k.layers.Conv2D):
            raise CheckFailed(f"{name}: your block has an expansion layer {layer.name!r}; {reference_name} has none here. A block of expansion 1 (block 0) starts with the depthwise convolution: expand only if expansion != 1.")  # fmt: skip
        if want is None and type(layer).__name__ in ("ReLU", "Activation"):
            reads = [n for n in (t._keras_history.operation.name for t in layer._inbound_nodes[0].input_tensors)]  # fmt: skip
            if any(n.endswith(("project", "project_BN")) for n in reads):
                raise CheckFailed(f"{name}: your block has an activation {layer.name!r} after {reads[0]!r}. The projection is linear (the linear bottleneck, Sandler et al. 2018, section 3.2): a ReLU on its few channels destroys information, so nothing follows its batch norm but the shortcut's addition.")  # fmt: skip


def _v1_hint(layer_name: str) -> str:
    if "_pad_" in layer_name:
        return " With stride 2, Keras pads one row at the bottom and one column at the right, ZeroPadding2D(((0, 1), (0, 1))), and the depthwise convolution uses padding=\"valid\"."  # fmt: skip
    if layer_name.startswith("conv_dw") and layer_name.endswith("_relu"):
        return " The activation is ReLU6: layers.ReLU(6.0)."
    return ""


def compare_mobilenet_v1_block(mobilenet_v1_block: Callable, case: BlockCase) -> None:
    """Build ``mobilenet_v1_block`` for ``case``; compare it with Keras' MobileNet block by
    layer name, then its numbers with the learner's weights copied in."""
    name = "mobilenet_v1_block"
    args = (case.filters, case.stride, case.block_id)
    model = _build(mobilenet_v1_block, name, case.input_shape, args, case.describe(False))
    reference = ref.depthwise_block_reference(case.input_shape, *args)
    reference_name = "keras.applications.MobileNet's block"
    _block_causes(name, model, reference, reference_name)
    compare_models_by_name(name, model, reference, reference_name=reference_name, layer_hint=_v1_hint)  # fmt: skip
    _compare_outputs(name, model, reference, case.input_shape, case.seed, reference_name, case.describe(False))  # fmt: skip


VISIBLE_V1 = (BlockCase((6, 8, 5), 7, 1, 2, seed=1), BlockCase((8, 7, 4), 6, 2, 3, seed=2))


def check_mobilenet_v1_block(mobilenet_v1_block: Callable) -> None:
    """The visible check: one block of stride 1 and one of stride 2."""
    for case in VISIBLE_V1:
        compare_mobilenet_v1_block(mobilenet_v1_block, case)
    passed("mobilenet_v1_block", "the same layers as keras.applications.MobileNet's block (names, kinds, shapes, parameters, inputs), and the same numbers, for stride 1 and 2.")  # fmt: skip


def _v2_hint(layer_name: str) -> str:
    role = layer_name.split("_", 2)[-1] if layer_name.startswith("block_") else layer_name.removeprefix("expanded_conv_")  # fmt: skip
    hints = {
        "expand": " The expansion is a 1 x 1 Conv2D of expansion * n_C_prev filters without bias; block 0 (expansion 1) has none.",  # fmt: skip
        "pad": ' With stride 2 the block pads first, ZeroPadding2D(((top, 1), (left, 1))) with top (left) 1 for an odd height (width) and 0 for an even one, then the depthwise convolution uses padding="valid".',  # fmt: skip
        "project": " The projection is a 1 x 1 Conv2D of `filters` filters without bias, and no activation after its batch norm (the linear bottleneck).",  # fmt: skip
        "add": " The shortcut is there exactly when stride == 1 and the input already has `filters` channels.",  # fmt: skip
    }
    return next((text for key, text in hints.items() if role.startswith(key)), "")


def compare_inverted_residual_block(inverted_residual_block: Callable, case: BlockCase) -> None:
    """Build ``inverted_residual_block`` for ``case``; compare it with Keras' MobileNetV2 block by
    layer name, then its numbers with the learner's weights copied in."""
    name = "inverted_residual_block"
    args = (case.expansion, case.filters, case.stride, case.block_id)
    model = _build(inverted_residual_block, name, case.input_shape, args, case.describe(True))
    reference = ref.inverted_residual_reference(case.input_shape, *args)
    reference_name = "keras.applications.MobileNetV2's block"
    _block_causes(name, model, reference, reference_name)
    compare_models_by_name(name, model, reference, reference_name=reference_name, layer_hint=_v2_hint)  # fmt: skip
    _compare_outputs(name, model, reference, case.input_shape, case.seed, reference_name, case.describe(True))  # fmt: skip


VISIBLE_V2 = (
    BlockCase((6, 7, 8), 8, 1, 2, expansion=6, seed=1),  # residual
    BlockCase((8, 7, 8), 16, 2, 3, expansion=6, seed=2),  # stride 2, odd width
    BlockCase((5, 5, 16), 8, 1, 0, expansion=1, seed=3),  # block 0: no expansion layer
)


def check_inverted_residual_block(inverted_residual_block: Callable) -> None:
    """The visible check: a residual block, a stride-2 block and block 0."""
    for case in VISIBLE_V2:
        compare_inverted_residual_block(inverted_residual_block, case)
    passed("inverted_residual_block", "the same layers as keras.applications.MobileNetV2's block (names, kinds, shapes, parameters, inputs), and the same numbers, with and without the shortcut, stride 1 and 2, and block 0.")  # fmt: skip


# ------------------------------------------------------------------------- MobileNetV2
MOBILENET_V2_TABLE = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                      (6, 160, 3, 2), (6, 320, 1, 1))  # fmt: skip  # Sandler et al. 2018, Table 2: t, c, n, s


def _network_hint(layer_name: str) -> str:
    if layer_name.startswith(("block_", "expanded_conv_")):
        block_id = 0 if layer_name.startswith("expanded") else int(layer_name.split("_")[1])
        row, first = 0, 0
        for row, (_t, _c, n, _s) in enumerate(MOBILENET_V2_TABLE):  # noqa: B007
            if block_id < first + n:
                break
            first += n
        t, c, _n, s = MOBILENET_V2_TABLE[row]
        stride = s if block_id == first else 1
        return f" Block {block_id} is in row {row + 1} of the table: expansion {t}, {c} filters, stride {stride}."  # fmt: skip
    if layer_name.startswith("global_average"):
        return f' Name the pooling layer name="{ref.POOL_NAME}".'
    return ""


def _mobilenet_v2(mobilenet_v2: Callable, input_shape=(224, 224, 3), num_classes: int = 1000) -> tuple:  # fmt: skip
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    try:
        model = call_learner(mobilenet_v2, tuple(input_shape), num_classes, name="mobilenet_v2", case=case)  # fmt: skip
    except ValueError as error:
        if "unique" not in str(error):
            raise
        raise CheckFailed(f"mobilenet_v2: Keras refuses two layers of the same name ({str(error).splitlines()[0]}). Number the blocks from 0 through the whole network (0 to 16), not again in each row of the table: keep one block_id and add 1 after each block.") from None  # fmt: skip
    reference = ref.mobilenet_v2_reference(input_shape, num_classes)
    compare_models_by_name("mobilenet_v2", model, reference, reference_name="keras.applications.MobileNetV2", layer_hint=_network_hint)  # fmt: skip
    count, compared = model.count_params(), len(reference.layers) - 1
    del model, reference
    gc.collect()
    return count, compared


def compare_mobilenet_v2(mobilenet_v2: Callable, input_shape=(224, 224, 3), num_classes: int = 1000) -> None:  # fmt: skip
    """Compare ``mobilenet_v2(input_shape, num_classes)`` with keras.applications.MobileNetV2."""
    _mobilenet_v2(mobilenet_v2, input_shape, num_classes)


def check_mobilenet_v2(mobilenet_v2: Callable) -> None:
    """The visible check: 224 x 224 x 3 and 1000 classes, every layer against Keras'."""
    count, compared = _mobilenet_v2(mobilenet_v2)
    passed("mobilenet_v2", f"all {compared} layers match keras.applications.MobileNetV2(weights=None) by name, kind, shape, parameters and inputs: {count:,} parameters.")  # fmt: skip


# ------------------------------------------------------------------------------- colour
def random_images(seed: int, count: int = 3, size: tuple[int, int] = (6, 5)) -> np.ndarray:
    """(count, n_H, n_W, 3) float32 in [0, 1] with correlated channels (a grey level plus a
    smaller colour part), like photographs."""
    rng = np.random.default_rng(seed)
    grey = rng.uniform(0.2, 0.8, (count, *size, 1))
    return np.clip(grey + rng.normal(0, 0.08, (count, *size, 3)), 0, 1).astype("float32")


def random_pca_cases(seed: int, count: int) -> Iterator[np.ndarray]:
    """Image sets of 1..6 images of 1..10 x 1..10 pixels (at least 4 pixels in all)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, size = int(rng.integers(1, 7)), (int(rng.integers(2, 11)), int(rng.integers(2, 11)))
        yield random_images(int(rng.integers(1 << 30)), m, size)


def compare_rgb_pca(rgb_pca: Callable, images: np.ndarray) -> None:
    """``rgb_pca(images)`` -> (eigenvalues (3,), eigenvectors (3, 3)) against scikit-learn's PCA;
    each eigenvector's sign is free."""
    name = "rgb_pca"
    case = f"images of shape {images.shape}"
    result = call_learner(rgb_pca, images.copy(), name=name, case=case)
    if not isinstance(result, tuple) or len(result) != 2:
        raise CheckFailed(f"{name} should return (eigenvalues, eigenvectors), a tuple of 2; got {type(result).__name__}.")  # fmt: skip
    values, vectors = as_array(name, result[0], what="eigenvalues"), as_array(name, result[1], what="eigenvectors")  # fmt: skip
    rows_as_variables = "np.cov takes each row as a variable: with the pixels as rows of 3 numbers, pass rowvar=False." if values.shape[:1] == (images.size // 3,) else None  # fmt: skip
    expect_shape(name, values, (3,), what="eigenvalues", hint=rows_as_variables)
    expect_shape(name, vectors, (3, 3), what="eigenvectors")
    want_values, want_vectors = ref.rgb_pca_reference(images)
    if np.allclose(values[::-1], want_values, rtol=1e-3, atol=1e-9) and not np.allclose(values, want_values, rtol=1e-3, atol=1e-9):  # fmt: skip
        raise CheckFailed(f"{name}: eigenvalues {values} are in increasing order; sort them largest first, and the eigenvectors' columns with them (np.linalg.eigh returns them smallest first).")  # fmt: skip
    if np.allclose(values, want_values * (images.size / 3 - 1) / (images.size / 3), rtol=1e-6) and not np.allclose(values, want_values, rtol=1e-6):  # fmt: skip
        pass  # the biased covariance (divided by n): accepted, it differs by n / (n - 1)
    elif not np.allclose(values, want_values, rtol=1e-3, atol=1e-9):
        raise CheckFailed(f"{name}: eigenvalues {np.round(values, 6)}; scikit-learn's PCA of the {images.size // 3} pixels' RGB values gives {np.round(want_values, 6)} on {case}. Take the covariance of the pixels as rows of 3 numbers (reshape to (-1, 3)), not of the images.")  # fmt: skip
    aligned = _sign_aligned(vectors, want_vectors)
    if not np.allclose(aligned, want_vectors, rtol=1e-3, atol=1e-3):
        # An eigenvector's sign is free, so the usual wrong answers are recognised up to signs.
        rows = "The eigenvectors are the columns of np.linalg.eigh's second result, not its rows."
        reordered_rows = "You reordered the rows of the eigenvectors; reorder their columns, with the eigenvalues: eigenvectors[:, order]."  # fmt: skip
        unsorted = "The eigenvectors' columns are still in np.linalg.eigh's increasing order: reorder them with the eigenvalues, eigenvectors[:, order]."  # fmt: skip
        wrong = {rows: want_vectors.T, reordered_rows: want_vectors[::-1, ::-1], unsorted: want_vectors[:, ::-1]}  # fmt: skip
        cause = likely_cause(np.abs(vectors), [(sentence, lambda v=v: np.abs(v)) for sentence, v in wrong.items()], rtol=1e-3, atol=1e-3)  # fmt: skip
        if cause:
            raise CheckFailed(f"{name}: eigenvectors {np.round(vectors, 3).tolist()} on {case}; scikit-learn's PCA components, as columns: {np.round(want_vectors, 3).tolist()}. {cause}")  # fmt: skip
    expect_close(name, aligned, want_vectors, what="eigenvectors (each column's sign aligned)", reference="scikit-learn's PCA components (as columns)", case=case, rtol=1e-3, atol=1e-3)  # fmt: skip


def _sign_aligned(vectors: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``vectors`` (3, 3) with each column's sign flipped where that brings it nearer the same
    column of ``like``: an eigenvector's sign is free."""
    signs = np.sign(np.sum(vectors * like, axis=0))
    signs[signs == 0] = 1
    return vectors * signs


def check_rgb_pca(rgb_pca: Callable) -> None:
    """The visible check: one small set of images against scikit-learn's PCA."""
    compare_rgb_pca(rgb_pca, random_images(4, count=3, size=(6, 5)))
    passed("rgb_pca", "eigenvalues (largest first) and unit eigenvectors (columns) agree with scikit-learn's PCA of the pixels' RGB values.")  # fmt: skip


def compare_pca_color_augment(fn: Callable, images: np.ndarray, seed: int) -> None:
    """The properties of AlexNet's formula on ``images`` with random draws ``alphas``."""
    name = "pca_color_augment"
    rng = np.random.default_rng(seed)
    values, vectors = ref.rgb_pca_reference(images)
    alphas = rng.normal(0, 3.0, (len(images), 3)).astype("float32")  # large: some pixels clip
    case = f"images of shape {images.shape}, alphas of shape {alphas.shape}"
    got = call_learner(fn, images.copy(), values, vectors, alphas.copy(), name=name, case=case)
    if not isinstance(got, np.ndarray):
        raise CheckFailed(f"{name} should return a numpy array; got {type(got).__name__}.")
    expect_shape(name, got, images.shape, what="the augmented images")
    if got.dtype != images.dtype:
        raise CheckFailed(f"{name}: the result has dtype {got.dtype}; the images have {images.dtype}. Keep their dtype (astype).")  # fmt: skip
    if got.min() < 0 or got.max() > 1:
        raise CheckFailed(f"{name}: values from {got.min():.3f} to {got.max():.3f}; clip them to [0, 1], the range of the images.")  # fmt: skip
    same = call_learner(fn, images.copy(), values, vectors, np.zeros_like(alphas), name=name, case=case)  # fmt: skip
    expect_close(name, np.asarray(same), images, what="the result with alphas = 0", reference="the images themselves", case=case)  # fmt: skip
    _expect_shifts(name, images, got, alphas, values, vectors)
    # AlexNet's own scale, N(0, 0.1^2): few pixels clip, so that a shift far too large (the
    # eigenvalues left out) cannot hide behind the clipping of every pixel.
    small = rng.normal(0, 0.1, (len(images), 3)).astype("float32")
    got = np.asarray(call_learner(fn, images.copy(), values, vectors, small.copy(), name=name, case=case))  # fmt: skip
    _expect_shifts(name, images, got, small, values, vectors)


def _expect_shifts(name: str, images, got, alphas, values, vectors) -> None:
    """Every unclipped pixel of image i moved by one vector, of coordinates alphas[i] * values in
    the eigenbasis (the columns of ``vectors``)."""
    for i in range(len(images)):
        shift = got[i].astype(np.float64) - images[i]
        inside = np.all((got[i] > 1e-6) & (got[i] < 1 - 1e-6), axis=-1)  # pixels not clipped
        if not inside.any():
            continue
        moved = shift[inside]
        vector = moved.mean(axis=0)
        if not np.allclose(moved, vector, atol=1e-5):
            raise CheckFailed(f"{name}: image {i}'s pixels are not all moved by the same vector (the unclipped ones differ by up to {np.ptp(moved, axis=0).max():.3g}). AlexNet adds one RGB vector to every pixel of an image.")  # fmt: skip
        coordinates = vectors.T @ vector  # the shift in the eigenbasis
        want = alphas[i] * values
        if not np.allclose(coordinates, want, rtol=1e-3, atol=1e-6):
            hint = ""
            if np.allclose(coordinates, alphas[i] * np.sqrt(values), rtol=1e-3, atol=1e-6):
                hint = " You used the square roots of the eigenvalues; AlexNet's formula multiplies alpha_i by lambda_i itself."  # fmt: skip
            elif np.allclose(vectors @ vector, want, rtol=1e-3, atol=1e-6):
                hint = " The eigenvectors are the columns of `eigenvectors`: the shift is eigenvectors @ (alphas * eigenvalues)."  # fmt: skip
            elif np.allclose(coordinates, alphas[i], rtol=1e-3, atol=1e-6):
                hint = " You left out the eigenvalues: the shift's coordinates in the eigenbasis are alpha_i * lambda_i."  # fmt: skip
            elif i > 0 and np.allclose(coordinates, alphas[0] * values, rtol=1e-3, atol=1e-6):
                hint = " That is image 0's shift: every image has its own draws, image j uses alphas[j]."  # fmt: skip
            raise CheckFailed(f"{name}: image {i} is moved by {np.round(vector, 5)}, which in the eigenbasis is {np.round(coordinates, 5)}; expected alpha_i * lambda_i = {np.round(want, 5)}.{hint}")  # fmt: skip


def random_augment_cases(seed: int, count: int) -> Iterator[tuple[np.ndarray, int]]:
    """(images, seed of the alphas) pairs, images as in :func:`random_pca_cases`."""
    rng = np.random.default_rng(seed)
    for images in random_pca_cases(int(rng.integers(1 << 30)), count):
        yield images, int(rng.integers(1 << 30))


def check_pca_color_augment(fn: Callable) -> None:
    """The visible check: one small set of images, with draws large enough that some clip."""
    compare_pca_color_augment(fn, random_images(5, count=4, size=(6, 5)), seed=6)
    passed("pca_color_augment", "shape and dtype kept, values in [0, 1], every unclipped pixel of an image moved by the same vector, of coordinates alpha_i * lambda_i in the eigenbasis, and nothing moved when alpha = 0.")  # fmt: skip
