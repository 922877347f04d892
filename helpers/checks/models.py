"""Comparing a learner's Keras model with a reference model, with a message naming the first
layer that differs (shared by every chapter whose learners build networks).

Two ways to line the layers up:

- :func:`compare_models`: in order (the layers of a Sequential-like network; names optional),
  with a guess of why a layer's shape differs, from the two layers' configurations.
- :func:`compare_models_by_name`: by Keras' layer names, as ``keras.applications`` names them,
  also comparing the layers each layer reads (for networks with branches and shortcuts).

The output shapes and parameter counts compared are Keras' own (``layer.output.shape``,
``layer.count_params()``) on both sides: the reference is an independent Keras model, never a
copy of the solution.
"""

from __future__ import annotations

from collections.abc import Callable

from helpers.checks.common import CheckFailed
from helpers.references.common import load_keras, model_layers


def layer_kind(layer) -> str:
    """The layer's kind; a ReLU is a ReLU whether written ReLU() or Activation("relu")."""
    kind = type(layer).__name__
    if kind == "Activation" and layer.get_config().get("activation") == "relu":
        return "ReLU"
    if kind == "ReLU":
        config = layer.get_config()
        plain = config.get("max_value") is None and not config.get("negative_slope")
        if plain and not config.get("threshold"):
            return "ReLU"
        return (
            f"ReLU (max_value={config.get('max_value')})"
            if config.get("max_value")
            else "ReLU (modified)"
        )
    return kind


def inbound_layers(layer) -> list[str]:
    """Names of the layers whose outputs ``layer`` reads (its first call)."""
    node = layer._inbound_nodes[0]
    return [tensor._keras_history.operation.name for tensor in node.input_tensors]


def _output_shape(layer) -> tuple:
    return tuple(layer.output.shape)


def _activation(layer) -> str | None:
    activation = layer.get_config().get("activation")
    return activation if isinstance(activation, str) else None


def _label(index: int, reference_layer, named: bool) -> str:
    what = reference_layer.name if named else type(reference_layer).__name__
    return f"layer {index} ({what})"


def fmt_shape(shape) -> str:
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


def _no_layer_hint(problem: str, layer, reference_layer) -> str:
    return ""


def compare_models(
    name: str,
    model,
    reference,
    *,
    reference_name: str,
    named: bool = True,
    hint: Callable[[str, object, object], str] = _no_layer_hint,
):
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
        hint: ``hint(problem, layer, reference_layer)`` -> a sentence (starting with a space)
            that a chapter adds to the message about the first layer that differs, naming the
            likely cause its learners meet (a fixed activation instead of the argument, a Dense
            layer before Flatten, ...); "" for none. ``problem`` is what differs: "kind",
            "shape", "params", "activation" or "name"; ``layer`` is the learner's layer,
            ``reference_layer`` the reference's.
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
            f"{name}: the input has shape {fmt_shape(got_input)}, expected "
            f"{fmt_shape(want_input)}: use keras.Input(shape=input_shape)."
        )
    got_layers, want_layers = model_layers(model), model_layers(reference)
    for index, (layer, want) in enumerate(zip(got_layers, want_layers, strict=False), start=1):
        label = _label(index, want, named)
        kind, want_kind = type(layer).__name__, type(want).__name__
        if kind != want_kind:
            if kind == "Activation":
                hint_text = " Pass activation=... to the layer before instead of a separate layer."
            else:
                hint_text = hint("kind", layer, want)
            raise CheckFailed(f"{name}: {label} is a {kind} layer, expected {want_kind} ({reference_name}).{hint_text}")  # fmt: skip
        got_shape, want_shape = _output_shape(layer), _output_shape(want)
        if got_shape != want_shape:
            raise CheckFailed(
                f"{name}: {label}: output shape {fmt_shape(got_shape)}, expected "
                f"{fmt_shape(want_shape)}: {_shape_hint(layer, want)}.{hint('shape', layer, want)}"
            )
        got_params, want_params = layer.count_params(), want.count_params()
        if got_params != want_params:
            bias = (
                " Did you turn off the bias (use_bias=False)?" if got_params < want_params else ""
            )
            raise CheckFailed(f"{name}: {label}: {got_params:,} parameters, expected {want_params:,}.{bias}{hint('params', layer, want)}")  # fmt: skip
        got_act, want_act = _activation(layer), _activation(want)
        if got_act != want_act:
            raise CheckFailed(
                f"{name}: {label}: activation {got_act!r}, expected {want_act!r}: pass "
                f"activation={want_act!r} to the layer.{hint('activation', layer, want)}"
            )
        if named and layer.name != want.name:
            raise CheckFailed(
                f"{name}: {label} is named {layer.name!r}, expected {want.name!r}: pass "
                f"name={want.name!r} to the layer.{hint('name', layer, want)}"
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


def _no_hint(layer_name: str) -> str:
    return ""


def compare_models_by_name(
    name: str, model, reference, *, reference_name: str, layer_hint: Callable[[str], str] = _no_hint
) -> None:
    """Fail with a message naming the first layer of ``reference`` that ``model`` lacks or has
    differently: its kind, output shape, parameter count, activation, or the layers it reads;
    then any layer ``model`` has in excess, then the total parameter count.

    Args:
        name: the learner's function, for messages.
        model: what the learner's function returned.
        reference: the Keras model to compare with (its layers in the order Keras made them).
        reference_name: how messages call the reference ("keras.applications.ResNet50").
        layer_hint: a layer's name -> a sentence (starting with a space) that a chapter adds to
            a message about that layer, e.g. what the layer's stage should do; "" for none.
    """
    k = load_keras()
    if not isinstance(model, k.Model):
        raise CheckFailed(f"{name} should return a keras.Model; got {type(model).__name__}. Did you forget to `return model`?")  # fmt: skip
    got_input, want_input = tuple(model.inputs[0].shape), tuple(reference.inputs[0].shape)
    if got_input != want_input:
        raise CheckFailed(f"{name}: the input has shape {fmt_shape(got_input)}, expected {fmt_shape(want_input)}: use keras.Input(shape=input_shape).")  # fmt: skip
    mine = {layer.name: layer for layer in model.layers}
    inputs = {layer.name for layer in model.layers if isinstance(layer, k.layers.InputLayer)}
    ref_inputs = {r.name for r in reference.layers if isinstance(r, k.layers.InputLayer)}
    wanted = [layer for layer in reference.layers if layer.name not in ref_inputs]
    for want in wanted:
        kind = layer_kind(want)
        layer = mine.get(want.name)
        if layer is None:
            raise CheckFailed(
                f"{name}: {reference_name} has a layer {want.name!r} ({kind}); yours has none. "
                f"Name each layer as Keras does.{layer_hint(want.name)}"
            )
        if layer_kind(layer) != kind:
            raise CheckFailed(f"{name}: layer {want.name!r} is a {layer_kind(layer)} layer; {reference_name} has a {kind}.")  # fmt: skip
        got_in = ["<input>" if n in inputs else n for n in inbound_layers(layer)]
        want_in = ["<input>" if n in ref_inputs else n for n in inbound_layers(want)]
        if sorted(got_in) != sorted(want_in):
            raise CheckFailed(f"{name}: layer {want.name!r} reads {got_in}; in {reference_name} it reads {want_in}.{layer_hint(want.name)}")  # fmt: skip
        got_shape, want_shape = tuple(layer.output.shape), tuple(want.output.shape)
        if got_shape != want_shape:
            raise CheckFailed(
                f"{name}: layer {want.name!r} has output shape {fmt_shape(got_shape)}; "
                f"{reference_name} gives {fmt_shape(want_shape)}.{layer_hint(want.name)}"
            )
        if layer.count_params() != want.count_params():
            hint = f" Did you turn off the layer's bias (use_bias=False)? {reference_name}'s keeps it." if layer.count_params() < want.count_params() else ""  # fmt: skip
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
