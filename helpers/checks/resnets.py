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
from helpers.references.resnets import (
    block_roles,
    bottleneck_reference,
    layer_weights,
    load_keras,
    projection_reference,
    resnet50_reference,
)

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
def _kind(layer) -> str:
    """The layer's kind; a ReLU is a ReLU whether written ReLU() or Activation("relu")."""
    kind = type(layer).__name__
    if kind == "Activation" and layer.get_config().get("activation") == "relu":
        return "ReLU"
    if kind == "ReLU":
        config = layer.get_config()
        plain = config.get("max_value") is None and not config.get("negative_slope")
        return "ReLU" if plain and not config.get("threshold") else "ReLU (modified)"
    return kind


def _inbound(layer) -> list[str]:
    """Names of the layers whose outputs ``layer`` reads (its first call)."""
    node = layer._inbound_nodes[0]
    return [tensor._keras_history.operation.name for tensor in node.input_tensors]


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"


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


def _expected_inbound(role: str, case: BlockCase, projection: bool, input_name: str) -> list:
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
        if _kind(layer) != want:
            raise CheckFailed(f"{name}: layer {full!r} is a {_kind(layer)} layer; it should be {ROLE_DOES[role]}, a {want}.")  # fmt: skip
    extra = sorted(set(layers) - {f"{case.name}_{role}" for role in roles})
    if extra:
        hint = ""
        if f"{case.name}_add" in extra and not case.shortcut:
            hint = " With shortcut=False the block is plain: no addition."
        raise CheckFailed(f"{name}: the block has layers it should not have: {extra}.{hint} It has exactly the layers of the table.")  # fmt: skip
    n_C_prev = case.input_shape[2]
    for role in roles:
        layer, full = found[role], f"{case.name}_{role}"
        _configuration(name, role, layer, case)
        want_inbound = _expected_inbound(role, case, projection, input_name)
        got_inbound = sorted(_inbound(layer)) if role == "add" else _inbound(layer)
        if got_inbound != want_inbound:
            hint = " The shortcut is X itself, or its projection: add it to the output of the last batch norm." if role == "add" else ""  # fmt: skip
            raise CheckFailed(
                f"{name}: layer {full!r} reads {_names(got_inbound, input_name)}; it should read "
                f"{_names(want_inbound, input_name)}.{hint}"
            )
        want_shape, want_params = _expected_layer(role, case, n_C_prev)
        got_shape = tuple(layer.output.shape)
        if got_shape != want_shape:
            raise CheckFailed(
                f"{name}: layer {full!r} has output shape {_fmt_shape(got_shape)}, expected "
                f"{_fmt_shape(want_shape)} for {case.describe('convolutional' if projection else 'identity')}."
            )  # fmt: skip
        if layer.count_params() != want_params:
            raise CheckFailed(
                f"{name}: layer {full!r} has {layer.count_params():,} parameters, expected "
                f"{want_params:,}. A convolution keeps its bias (Keras' default, as in "
                "keras.applications.ResNet50); a batch norm has a scale and an offset."
            )
    return found


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
def _stage_hint(name: str) -> str:
    block = name.split("_")[0] + "_" + name.split("_")[1] if name.count("_") >= 2 else name
    if block.startswith("conv2_block1"):
        return " conv2_block1 is a convolutional block with stride 1: the max pooling has already halved the size, only the channels change (64 -> 256)."  # fmt: skip
    if block.endswith("_block1"):
        return f" {block} is a convolutional block with stride 2: the first block of conv3, conv4 and conv5 halves the height and width."  # fmt: skip
    if "_block" in block:
        return f" {block} is an identity block: same shape in and out."
    return ""


def compare_models_by_name(name: str, model, reference, *, reference_name: str) -> None:
    """Fail with a message naming the first layer of ``reference`` that ``model`` lacks or has
    differently: its kind, output shape, parameter count, activation, or the layers it reads;
    then any layer ``model`` has in excess, then the total parameter count.

    Args:
        name: the learner's function, for messages.
        model: what the learner's function returned.
        reference: the Keras model to compare with (its layers in the order Keras made them).
        reference_name: how messages call the reference ("keras.applications.ResNet50").
    """
    k = load_keras()
    if not isinstance(model, k.Model):
        raise CheckFailed(f"{name} should return a keras.Model; got {type(model).__name__}. Did you forget to `return model`?")  # fmt: skip
    got_input, want_input = tuple(model.inputs[0].shape), tuple(reference.inputs[0].shape)
    if got_input != want_input:
        raise CheckFailed(f"{name}: the input has shape {_fmt_shape(got_input)}, expected {_fmt_shape(want_input)}: use keras.Input(shape=input_shape).")  # fmt: skip
    mine = {layer.name: layer for layer in model.layers}
    inputs = {layer.name for layer in model.layers if isinstance(layer, k.layers.InputLayer)}
    ref_inputs = {r.name for r in reference.layers if isinstance(r, k.layers.InputLayer)}
    wanted = [layer for layer in reference.layers if layer.name not in ref_inputs]
    for want in wanted:
        kind = _kind(want)
        layer = mine.get(want.name)
        if layer is None:
            raise CheckFailed(
                f"{name}: {reference_name} has a layer {want.name!r} ({kind}); yours has none. "
                f"Name each layer as Keras does.{_stage_hint(want.name)}"
            )
        if _kind(layer) != kind:
            raise CheckFailed(f"{name}: layer {want.name!r} is a {_kind(layer)} layer; {reference_name} has a {kind}.")  # fmt: skip
        got_in = ["<input>" if n in inputs else n for n in _inbound(layer)]
        want_in = ["<input>" if n in ref_inputs else n for n in _inbound(want)]
        if sorted(got_in) != sorted(want_in):
            raise CheckFailed(f"{name}: layer {want.name!r} reads {got_in}; in {reference_name} it reads {want_in}.{_stage_hint(want.name)}")  # fmt: skip
        got_shape, want_shape = tuple(layer.output.shape), tuple(want.output.shape)
        if got_shape != want_shape:
            raise CheckFailed(
                f"{name}: layer {want.name!r} has output shape {_fmt_shape(got_shape)}; "
                f"{reference_name} gives {_fmt_shape(want_shape)}.{_stage_hint(want.name)}"
            )
        if layer.count_params() != want.count_params():
            hint = " Did you turn off the convolution's bias? Keras' ResNet50 keeps it." if layer.count_params() < want.count_params() else ""  # fmt: skip
            raise CheckFailed(f"{name}: layer {want.name!r} has {layer.count_params():,} parameters; {reference_name}'s has {want.count_params():,}.{hint}")  # fmt: skip
        got_act = layer.get_config().get("activation")
        want_act = want.get_config().get("activation")
        if kind in ("Conv2D", "Dense") and got_act != want_act:
            raise CheckFailed(f"{name}: layer {want.name!r} has activation {got_act!r}; {reference_name}'s has {want_act!r}.")  # fmt: skip
    extra = [n for n in mine if n not in inputs and n not in {w.name for w in wanted}]
    if extra:
        raise CheckFailed(f"{name}: your model has layers {reference_name} does not have: {extra[:5]}{' ...' if len(extra) > 5 else ''}.")  # fmt: skip
    if model.count_params() != reference.count_params():
        raise CheckFailed(f"{name}: {model.count_params():,} parameters, {reference_name} has {reference.count_params():,}.")  # fmt: skip


def _resnet50(resnet50: Callable, input_shape=(224, 224, 3), num_classes: int = 1000) -> tuple:
    """Compare one ResNet-50 with Keras'; return (parameters, layers compared)."""
    case = f"input_shape={tuple(input_shape)}, num_classes={num_classes}"
    model = call_learner(resnet50, tuple(input_shape), num_classes, name="resnet50", case=case)
    reference = resnet50_reference(input_shape, num_classes)
    compare_models_by_name("resnet50", model, reference, reference_name="keras.applications.ResNet50")  # fmt: skip
    count, compared = model.count_params(), len(reference.layers) - 1  # the input is not a layer
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
