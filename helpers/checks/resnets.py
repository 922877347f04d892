"""Checks for chapter 03: residual networks.

A learner's block is checked in three steps, each with a message that names the layer:

1. **structure**: every layer of the block is there under its Keras name (``<name>_1_conv``,
   ..., ``<name>_add``, ``<name>_out``), of the right kind and configuration, with the output
   shape and parameter count Keras gives it, reading the layer it should read;
2. **numbers**: random weights (and batch-norm statistics) are put into the learner's layers,
   copied into the TensorFlow-ops reference (:func:`helpers.references.resnets.bottleneck_reference`),
   and every layer's output is compared in inference mode, to 1e-5;
3. **the shortcut is there** (hidden tests): with the last batch norm's scale and offset set to
   zero the residual branch outputs 0, so the block must output ReLU of its shortcut.

``resnet50`` is compared layer by layer, by name, with ``keras.applications.ResNet50``: kind,
output shape, parameter count and the layers each one reads.

Each graded function has a ``check_*`` (the visible part), ``compare_*`` for one case, and
``random_*_cases`` for the hidden tests. Every ``check_*`` and ``compare_*`` returns None: nbgrader
reads the value of a test cell's last line as partial credit.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from helpers.checks.common import CheckFailed, call_learner, expect_close, passed
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.checks.models import compare_models_by_name, fmt_shape, inbound_layers, layer_kind
from helpers.references.resnets import (
    block_roles,
    bottleneck_reference,
    layer_weights,
    load_keras,
    projection_reference,
    resnet50_reference,
)
from helpers.viz.common import Progress

TOLERANCE = 1e-5  # float32 through a dozen layers: the same computation agrees far closer

# What each layer of a block does, for messages that say what a wrong layer should be.
ROLE_DOES = {
    "0_conv": "the projection shortcut's 1 x 1 convolution (F3 filters, stride s)",
    "0_bn": "the batch norm of the projection shortcut",
    "1_conv": "the first 1 x 1 convolution (F1 filters; stride s in a convolutional block)",
    "1_bn": "the batch norm after the first convolution",
    "1_relu": "the ReLU after the first batch norm",
    "2_conv": 'the middle f x f convolution (F2 filters, padding="same")',
    "2_bn": "the batch norm after the middle convolution",
    "2_relu": "the ReLU after the middle batch norm",
    "3_conv": "the last 1 x 1 convolution (F3 filters)",
    "3_bn": "the last batch norm (no ReLU after it inside the branch)",
    "add": "the addition of the shortcut and the residual branch",
    "out": "the ReLU after the addition",
}
KIND = {"conv": "Conv2D", "bn": "BatchNormalization", "relu": "ReLU", "out": "ReLU", "add": "Add"}

# The likely cause of the common wrong answers, for the messages that see them.
BN_THEN_RELU = (
    " Each convolution is followed by its batch norm, then the ReLU: conv -> batch norm -> ReLU "
    "(He et al. 2015, section 3.4), not the ReLU first."
)
RELU_ENDS_BRANCH = (
    " The branch ends with its last batch norm, without a ReLU: with one, F(x) >= 0 and a block "
    "could only increase its input. The one ReLU after {bn} is {out}, after the addition."
)
FILTERS_ORDER = (
    " filters = (F1, F2, F3) = {filters}: the first 1 x 1 convolution has F1 filters, the middle "
    "one F2, the last one (and the projection shortcut) F3."
)


# --------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class BlockCase:
    """One block to build: input_shape (n_H, n_W, n_C), f, filters (F1, F2, F3), stride,
    shortcut (False: the plain identity block), name (the block's layer-name prefix), seed
    (of the weights and the input)."""

    input_shape: tuple[int, int, int]
    f: int
    filters: tuple[int, int, int]
    stride: int = 1
    shortcut: bool = True
    name: str = "block"
    seed: int = 0

    def describe(self, kind: str) -> str:
        text = f"X of shape (m, {', '.join(map(str, self.input_shape))}), f={self.f}, filters={self.filters}, name={self.name!r}"  # fmt: skip
        if kind == "convolutional":
            return f"{text}, stride={self.stride}"
        return text if self.shortcut else f"{text}, shortcut=False"

    def output_size(self) -> tuple[int, int]:
        """Height and width after the strided 1 x 1 convolution: ceil(n / s)."""
        return tuple(math.ceil(n / self.stride) for n in self.input_shape[:2])


def random_identity_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Identity blocks: non-square inputs 2..12, 1..12 channels (F3 = n_C), f in 1, 3, 5,
    F1 and F2 in 1..8, one case in four without the shortcut."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        channels = int(rng.integers(1, 13))
        yield BlockCase(
            input_shape=(int(rng.integers(2, 13)), int(rng.integers(2, 13)), channels),
            f=int(rng.choice([1, 3, 5])),
            filters=(int(rng.integers(1, 9)), int(rng.integers(1, 9)), channels),
            shortcut=bool(rng.random() >= 0.25),
            name=f"stage{index % 4 + 2}_block{index + 1}",
            seed=int(rng.integers(1 << 30)),
        )


def random_convolutional_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Convolutional blocks: non-square inputs 2..12, 1..12 channels, f in 1, 3, 5, F1 and F2 in
    1..8, F3 in 1..16 (more or fewer channels than the input), stride 1..3."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        yield BlockCase(
            input_shape=(int(rng.integers(2, 13)), int(rng.integers(2, 13)), int(rng.integers(1, 13))),
            f=int(rng.choice([1, 3, 5])),
            filters=(int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 17))),
            stride=int(rng.integers(1, 4)),
            name=f"stage{index % 4 + 2}_block1",
            seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


# ------------------------------------------------------------------------ building a block
def _names(layer_names: list[str], input_name: str) -> str:
    """'a and X (the block's input)': layer names for a message, the block's input last."""
    named = [n for n in layer_names if n != input_name]
    named += ["X (the block's input)"] * (len(layer_names) - len(named))
    return " and ".join(named)


def _build_block(fn: Callable, case: BlockCase, kind: str):
    """Call the learner's block on a keras.Input; return (model, input layer name)."""
    k = load_keras()
    name = f"{kind}_block"
    inputs = k.Input(shape=case.input_shape)
    args = (inputs, case.f, case.filters, case.name)
    extra = {"stride": case.stride} if kind == "convolutional" else {"shortcut": case.shortcut}
    try:
        output = call_learner(fn, *args, name=name, case=case.describe(kind), **extra)
    except ValueError as error:
        if "incompatible shapes" not in str(error):
            raise
        raise CheckFailed(
            f"{name}, on {case.describe(kind)}: the two tensors you add have different shapes "
            f"({str(error).split('Received ')[-1]}). The branch must end with the shortcut's "
            'shape: padding="same" in the middle convolution, F3 filters in the last one, and '
            "in a convolutional block a shortcut of F3 filters with the same stride as the "
            "branch's first convolution."
        ) from None
    if not isinstance(output, k.KerasTensor):
        raise CheckFailed(
            f"{name} should return the block's output tensor (what the last layer returned); "
            f"got {type(output).__name__}. Did you forget `return X`, or return a model?"
        )
    try:
        model = k.Model(inputs, output)
    except ValueError as error:
        raise CheckFailed(
            f"{name}: the tensor you returned is not computed from X ({error}). Start the "
            "block from the X it is given."
        ) from None
    return model, inputs._keras_history.operation.name


def _expectedinbound_layers(role: str, case: BlockCase, projection: bool, input_name: str) -> list:
    block = case.name
    previous = {
        "0_conv": [input_name],
        "0_bn": [f"{block}_0_conv"],
        "1_conv": [input_name],
        "1_bn": [f"{block}_1_conv"],
        "1_relu": [f"{block}_1_bn"],
        "2_conv": [f"{block}_1_relu"],
        "2_bn": [f"{block}_2_conv"],
        "2_relu": [f"{block}_2_bn"],
        "3_conv": [f"{block}_2_relu"],
        "3_bn": [f"{block}_3_conv"],
        "add": sorted([f"{block}_3_bn", f"{block}_0_bn" if projection else input_name]),
        "out": [f"{block}_add" if case.shortcut else f"{block}_3_bn"],
    }
    return previous[role]


def _expected_layer(role: str, case: BlockCase, n_C_prev: int) -> tuple[tuple, int]:
    """The output shape (batch axis None) and parameter count of one layer of the block."""
    F1, F2, F3 = case.filters
    n_H, n_W = case.output_size()
    channels = {"0": F3, "1": F1, "2": F2, "3": F3}
    if role in ("add", "out"):
        return (None, n_H, n_W, F3), 0
    stage, what = role.split("_")
    n_C = channels[stage]
    if what == "conv":
        f = case.f if stage == "2" else 1
        reads = {"0": n_C_prev, "1": n_C_prev, "2": F1, "3": F2}[stage]
        return (None, n_H, n_W, n_C), (f * f * reads + 1) * n_C
    return (None, n_H, n_W, n_C), 4 * n_C if what == "bn" else 0


def _structure(name: str, model, case: BlockCase, input_name: str, projection: bool) -> dict:
    """Fail with the first layer of the block that is missing, extra, of the wrong kind or
    configuration, shape or parameter count, or that reads the wrong layer.

    Returns:
        {role: layer} of the learner's block.
    """
    k = load_keras()
    roles = block_roles(projection=projection, shortcut=case.shortcut)
    layers = {layer.name: layer for layer in model.layers if not isinstance(layer, k.layers.InputLayer)}  # fmt: skip
    found = {}
    for role in roles:
        full = f"{case.name}_{role}"
        if full not in layers:
            others = ", ".join(sorted(layers)) or "none"
            raise CheckFailed(
                f"{name}: the block has no layer named {full!r} ({ROLE_DOES[role]}). Pass "
                f'name=f"{{name}}_{role}" to that layer, as in the table. Its layers: {others}.'
            )
        layer = found[role] = layers[full]
        want = KIND[role.split("_")[-1]]
        if layer_kind(layer) != want:
            raise CheckFailed(f"{name}: layer {full!r} is a {layer_kind(layer)} layer; it should be {ROLE_DOES[role]}, a {want}.")  # fmt: skip
    extra = sorted(set(layers) - {f"{case.name}_{role}" for role in roles})
    if extra:
        hint = ""
        if f"{case.name}_add" in extra and not case.shortcut:
            hint = " With shortcut=False the block is plain: no addition."
        elif any(layer_kind(layers[n]) == "ReLU" and inbound_layers(layers[n]) == [f"{case.name}_3_bn"] for n in extra):  # fmt: skip
            hint = RELU_ENDS_BRANCH.format(bn=f"{case.name}_3_bn", out=f"{case.name}_out")
        raise CheckFailed(f"{name}: the block has layers it should not have: {extra}.{hint} It has exactly the layers of the table.")  # fmt: skip
    n_C_prev = case.input_shape[2]
    for role in roles:
        layer, full = found[role], f"{case.name}_{role}"
        _configuration(name, role, layer, case)
        want_inbound = _expectedinbound_layers(role, case, projection, input_name)
        got_inbound = sorted(inbound_layers(layer)) if role == "add" else inbound_layers(layer)
        if got_inbound != want_inbound:
            hint = _reads_hint(role, got_inbound)
            raise CheckFailed(
                f"{name}: layer {full!r} reads {_names(got_inbound, input_name)}; it should read "
                f"{_names(want_inbound, input_name)}.{hint}"
            )
        want_shape, want_params = _expected_layer(role, case, n_C_prev)
        got_shape = tuple(layer.output.shape)
        if got_shape != want_shape:
            hint = ""
            if role.endswith("_conv") and got_shape[:3] == want_shape[:3] and got_shape[3] in case.filters:  # fmt: skip
                hint = FILTERS_ORDER.format(filters=case.filters)
            raise CheckFailed(
                f"{name}: layer {full!r} has output shape {fmt_shape(got_shape)}, expected "
                f"{fmt_shape(want_shape)} for {case.describe('convolutional' if projection else 'identity')}.{hint}"
            )  # fmt: skip
        if layer.count_params() != want_params:
            raise CheckFailed(
                f"{name}: layer {full!r} has {layer.count_params():,} parameters, expected "
                f"{want_params:,}. A convolution keeps its bias (Keras' default, as in "
                "keras.applications.ResNet50); a batch norm has a scale and an offset."
            )
    return found


def _reads_hint(role: str, got_inbound: list[str]) -> str:
    """The likely cause when a layer of a block reads the wrong layer ("" when none is known)."""
    if role == "add":
        return " The shortcut is X itself, or its projection: add it to the output of the last batch norm."  # fmt: skip
    if (role.endswith("_bn") and any(n.endswith("_relu") for n in got_inbound)) or (
        role.endswith("_relu") and any(n.endswith("_conv") for n in got_inbound)
    ):
        return BN_THEN_RELU
    return ""


def _configuration(name: str, role: str, layer, case: BlockCase) -> None:
    """Fail when a conv or batch-norm layer is configured differently from the table."""
    full = f"{case.name}_{role}"
    if role.endswith("_conv"):
        config = layer.get_config()
        f = case.f if role == "2_conv" else 1
        stride = case.stride if role in ("0_conv", "1_conv") else 1
        if tuple(config["kernel_size"]) != (f, f):
            raise CheckFailed(f"{name}: layer {full!r} has a {config['kernel_size']} kernel; {ROLE_DOES[role]} is {f} x {f}.")  # fmt: skip
        if tuple(config["strides"]) != (stride, stride):
            where = "the first 1 x 1 convolution and the projection shortcut" if stride > 1 else "every layer but the first 1 x 1 convolution and the shortcut"  # fmt: skip
            raise CheckFailed(f"{name}: layer {full!r} has strides {config['strides']}; expected {stride}: the stride goes on {where}.")  # fmt: skip
        if role == "2_conv" and config["padding"] != "same" and f > 1:
            raise CheckFailed(f"{name}: layer {full!r} has padding {config['padding']!r}; use padding=\"same\" so that the shortcut and the branch keep the same size.")  # fmt: skip
        if config.get("activation") not in (None, "linear"):
            raise CheckFailed(f"{name}: layer {full!r} has activation {config['activation']!r}; the convolutions have none: batch norm comes first, then the ReLU layer.")  # fmt: skip
    if role.endswith("_bn") and layer.axis not in (-1, 3, [-1], [3]):
        raise CheckFailed(f"{name}: layer {full!r} normalises axis {layer.axis}; normalise the channels, axis=-1 (the default).")  # fmt: skip


# --------------------------------------------------------------------------- comparing numbers
def _randomise(found: dict, rng: np.random.Generator) -> None:
    """Put random weights and batch-norm statistics into the learner's layers, so that a layer
    in the wrong place gives different numbers (fresh layers would be near-identities)."""
    for role, layer in found.items():
        if role.endswith("_conv"):
            fan_in = int(np.prod(layer.kernel.shape[:-1]))
            layer.kernel.assign(
                rng.normal(0, np.sqrt(2 / fan_in), layer.kernel.shape).astype("float32")
            )
            if layer.use_bias:
                layer.bias.assign(rng.normal(0, 0.1, layer.bias.shape).astype("float32"))
        elif role.endswith("_bn"):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.3, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, n).astype("float32"))
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            if layer.center:
                layer.beta.assign(rng.normal(0, 0.3, n).astype("float32"))


def _compare_numbers(name: str, model, found: dict, case: BlockCase, projection: bool) -> None:
    """Every layer's output in inference mode against the TensorFlow-ops reference, on random
    weights put into the learner's layers and a random input (2, n_H, n_W, n_C)."""
    k = load_keras()
    rng = np.random.default_rng(case.seed)
    _randomise(found, rng)
    x = rng.normal(0, 1, (2, *case.input_shape)).astype("float32")
    roles = list(found)
    probe = k.Model(model.inputs[0], [found[role].output for role in roles])
    values = probe(x, training=False)
    weights = {
        role: layer_weights(found[role]) for role in roles if role.endswith(("_conv", "_bn"))
    }
    reference = bottleneck_reference(x, weights, stride=case.stride, projection=projection,
                                     shortcut=case.shortcut)  # fmt: skip
    kind = "convolutional" if projection else "identity"
    for role in block_roles(projection=projection, shortcut=case.shortcut):
        got = k.ops.convert_to_numpy(values[roles.index(role)])
        expect_close(
            name, got, reference[role], what=f"the output of layer {case.name}_{role}",
            reference="the reference (TensorFlow ops, your weights, inference mode)",
            case=case.describe(kind), rtol=TOLERANCE, atol=TOLERANCE,
        )  # fmt: skip


def _block(fn: Callable, case: BlockCase, kind: str) -> None:
    name = f"{kind}_block"
    projection = kind == "convolutional"
    if not projection and case.filters[2] != case.input_shape[2]:
        raise ValueError(f"an identity block needs F3 == n_C; got {case}")
    model, input_name = _build_block(fn, case, kind)
    found = _structure(name, model, case, input_name, projection)
    _compare_numbers(name, model, found, case, projection)


def _shortcut_is_there(fn: Callable, case: BlockCase, kind: str) -> None:
    """With the last batch norm's gamma and beta at zero the branch gives 0: out = ReLU(shortcut).

    Only the layers this needs are looked up by name (the last batch norm, and the projection's
    layers); the rest of the block is not inspected, so that this test stands on its own.
    """
    name = f"{kind}_block"
    projection = kind == "convolutional"
    case = replace(case, shortcut=True)
    model, _ = _build_block(fn, case, kind)
    needed = ["3_bn", "0_conv", "0_bn"] if projection else ["3_bn"]
    by_name = {layer.name: layer for layer in model.layers}
    missing = [f"{case.name}_{role}" for role in needed if f"{case.name}_{role}" not in by_name]
    if missing:
        raise CheckFailed(
            f"{name}: the block's output does not depend on a layer named {missing[0]!r} "
            f"({ROLE_DOES[missing[0].removeprefix(case.name + '_')]}): is it missing, named "
            "differently, or left out of the addition?"
        )
    found = {layer.name.removeprefix(f"{case.name}_"): layer for layer in model.layers
             if layer.name.startswith(f"{case.name}_")}  # fmt: skip
    rng = np.random.default_rng(case.seed)
    _randomise(found, rng)
    x = rng.normal(0, 1, (2, *case.input_shape)).astype("float32")
    last = found["3_bn"]
    last.gamma.assign(np.zeros(last.gamma.shape, "float32"))
    last.beta.assign(np.zeros(last.beta.shape, "float32"))
    k = load_keras()
    got = k.ops.convert_to_numpy(model(x, training=False))
    if projection:
        weights = {role: layer_weights(found[role]) for role in ("0_conv", "0_bn")}
        shortcut = projection_reference(x, weights, stride=case.stride)
        what = "ReLU(BN(conv(X))), the ReLU of the projection shortcut"
    else:
        shortcut, what = x, "ReLU(X), the ReLU of the block's input"
    if got.shape != shortcut.shape:
        raise CheckFailed(f"{name}: the block's output has shape {got.shape}; its shortcut has shape {shortcut.shape}.")  # fmt: skip
    expect_close(
        name, got, np.maximum(shortcut, 0), what="the block's output",
        reference=f"{what} (the last batch norm's scale and offset set to 0, so that the residual branch outputs 0)",
        case=case.describe(kind), rtol=TOLERANCE, atol=TOLERANCE,
    )  # fmt: skip


VISIBLE_IDENTITY = BlockCase((6, 5, 8), 3, (2, 3, 8), name="check_block2", seed=3)
VISIBLE_CONVOLUTIONAL = BlockCase((7, 6, 4), 3, (2, 3, 8), stride=2, name="check_block1", seed=5)


def compare_identity_block(identity_block: Callable, case: BlockCase) -> None:
    """Build ``identity_block`` for ``case``; compare its layers and numbers with the reference."""
    _block(identity_block, case, "identity")


def compare_convolutional_block(convolutional_block: Callable, case: BlockCase) -> None:
    """Build ``convolutional_block`` for ``case``; compare its layers and numbers with the reference."""
    _block(convolutional_block, case, "convolutional")


def compare_identity_shortcut(identity_block: Callable, case: BlockCase) -> None:
    """The identity block with its last batch norm zeroed must output ReLU(X)."""
    _shortcut_is_there(identity_block, case, "identity")


def compare_convolutional_shortcut(convolutional_block: Callable, case: BlockCase) -> None:
    """The convolutional block with its last batch norm zeroed must output ReLU(BN(conv(X)))."""
    _shortcut_is_there(convolutional_block, case, "convolutional")


def check_identity_block(identity_block: Callable) -> None:
    """The visible check: one identity block and its plain twin, layer by layer."""
    compare_identity_block(identity_block, VISIBLE_IDENTITY)
    compare_identity_block(identity_block, replace(VISIBLE_IDENTITY, shortcut=False))
    passed("identity_block", "every layer named, shaped and wired as in the table, and the same numbers as the reference to 1e-5 (with and without the shortcut).")  # fmt: skip


def check_convolutional_block(convolutional_block: Callable) -> None:
    """The visible check: one convolutional block with stride 2, layer by layer."""
    compare_convolutional_block(convolutional_block, VISIBLE_CONVOLUTIONAL)
    passed("convolutional_block", "every layer named, shaped and wired as in the table (stride 2, projection shortcut), and the same numbers as the reference to 1e-5.")  # fmt: skip


# ------------------------------------------------------------------------------- ResNet-50
RESNET50_PADDING = {
    "conv1_pad": ' Keras pads explicitly: ZeroPadding2D(3, name="conv1_pad"), then Conv2D(64, 7, strides=2) with the default padding="valid" ((224 + 6 - 7) // 2 + 1 = 112), not padding="same".',
    "pool1_pad": ' Keras pads explicitly: ZeroPadding2D(1, name="pool1_pad"), then MaxPooling2D(3, strides=2) with the default padding="valid".',
}  # fmt: skip
WIDE_END = " The last 1 x 1 convolution of every block, and the projection shortcut, have 4 times the stage's width: filters (64, 64, 256), (128, 128, 512), (256, 256, 1024), (512, 512, 2048)."  # fmt: skip


def _stage_hint(name: str) -> str:
    """What the layer ``name`` of ResNet-50 should be, for a message about it (starts with a space)."""
    if name in RESNET50_PADDING:
        return RESNET50_PADDING[name]
    if name.endswith(("_0_conv", "_3_conv")):
        return WIDE_END + _block_hint(name)
    return _block_hint(name)


def _block_hint(name: str) -> str:
    block = name.split("_")[0] + "_" + name.split("_")[1] if name.count("_") >= 2 else name
    if block.startswith("conv2_block1"):
        return " conv2_block1 is a convolutional block with stride 1: the max pooling has already halved the size, only the channels change (64 -> 256)."  # fmt: skip
    if block.endswith("_block1"):
        return f" {block} is a convolutional block with stride 2: the first block of conv3, conv4 and conv5 halves the height and width."  # fmt: skip
    if "_block" in block:
        return f" {block} is an identity block: same shape in and out."
    return ""


def _resnet50(resnet50: Callable, input_shape=(224, 224, 3), num_classes: int = 1000) -> tuple:
    """Compare one ResNet-50 with Keras'; return (parameters, layers compared)."""
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    # Building the two networks takes seconds: a bar shows that the check is working.
    bar = Progress(3, f"checking resnet50 {tuple(input_shape)}", unit="steps")
    bar.update(0, "building your resnet50")
    model = call_learner(resnet50, tuple(input_shape), num_classes, name="resnet50", case=case)
    bar.update(1, "building keras.applications.ResNet50")
    reference = resnet50_reference(input_shape, num_classes)
    bar.update(2, "comparing them layer by layer")
    compare_models_by_name("resnet50", model, reference, reference_name="keras.applications.ResNet50", layer_hint=_stage_hint)  # fmt: skip
    count, compared = model.count_params(), len(reference.layers) - 1  # the input is not a layer
    bar.update(3, "")
    del model, reference  # 25 million weights each: free them at once
    gc.collect()
    return count, compared


def compare_resnet50(
    resnet50: Callable, input_shape=(224, 224, 3), num_classes: int = 1000
) -> None:
    """Compare ``resnet50(input_shape, num_classes)`` with keras.applications.ResNet50."""
    _resnet50(resnet50, input_shape, num_classes)


def check_resnet50(resnet50: Callable) -> None:
    """The visible check: 224 x 224 x 3 and 1000 classes, every layer against Keras'."""
    count, compared = _resnet50(resnet50)
    passed("resnet50", f"all {compared} layers match keras.applications.ResNet50(weights=None) by name, kind, shape, parameters and inputs: {count:,} parameters.")  # fmt: skip
