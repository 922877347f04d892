"""A Keras block crosses the sandbox's wall: its symbolic inputs as specs, its graph as a model.

Some checks call the learner's block on a ``keras.Input`` (``identity_block(X, f, filters,
name)``, ``conv_block(inputs, n_filters)``) and inspect the layers it added to their graph:
their names, what each one reads, their weights and outputs. A symbolic tensor is not a value,
so neither the input nor the result can cross as one. Instead:

- an input crosses as its shape and dtype (``spec``); the sandbox calls the block on a fresh
  ``keras.Input`` of that shape and dtype (``from_spec``);
- the result crosses as a ``Graph``: the Keras model from the block's symbolic inputs to the
  tensors it returned (``capture``; keras_models carries its configuration and weights, and
  rebuilds it in the grader from Keras' own layers only), and the result's structure with each
  tensor replaced by an ``Output`` marker;
- the grader calls the rebuilt model's layers one by one, in the graph's order, on the check's
  own tensors (``inline``), so the check finds them in its graph as if the block had been
  called there: the first call of each layer (what ``layer.output`` and the checks' "what does
  this layer read" look at) is the one on the check's tensors.

A returned tensor that is not computed from the block's inputs crosses as a spec and becomes a
new, unconnected ``keras.Input`` in the grader, so the check's own ``keras.Model(inputs,
output)`` fails there as it would have in the learner's kernel.
"""

from __future__ import annotations

import dataclasses

DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32",
                    "int64", "uint8", "bool"})  # fmt: skip
MAX_RANK = 8
MAX_DIMENSION = 1_000_000


@dataclasses.dataclass
class Output:
    """In a block's result: the block's graph's output number `index`."""

    index: int


@dataclasses.dataclass
class Graph:
    """A block's result: the model from its symbolic inputs to its outputs, and the result's
    structure (values, with Output markers where the block returned a tensor)."""

    model: object  # keras.Model
    value: object


def is_symbolic(value) -> bool:
    """Whether `value` is a Keras symbolic tensor (without importing Keras)."""
    kind = type(value)
    return kind.__name__ == "KerasTensor" and kind.__module__.startswith("keras")


def spec(value) -> dict:
    """{"shape": [None or int, ...], "dtype": str} of a symbolic tensor."""
    return {
        "shape": [None if d is None else int(d) for d in value.shape],
        "dtype": str(value.dtype),
    }


def from_spec(form: dict):
    """A new ``keras.Input`` of the shape and dtype that `spec` gave (the form is checked).

    Raises:
        ValueError: not a form `spec` makes.
    """
    shape, dtype = form.get("shape"), form.get("dtype")
    if not (
        isinstance(shape, list)
        and len(shape) <= MAX_RANK
        and all(d is None or (type(d) is int and 0 <= d <= MAX_DIMENSION) for d in shape)
        and dtype in DTYPES
    ):
        raise ValueError("a symbolic tensor's description the grader does not know")
    import keras

    return keras.Input(batch_shape=tuple(shape), dtype=dtype)


def symbolic_leaves(value) -> list:
    """The symbolic tensors in `value` (lists, tuples, dicts), depth first, dicts by sorted key."""
    if is_symbolic(value):
        return [value]
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in symbolic_leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in symbolic_leaves(value[key])]
    return []


def capture(result, args: list, kwargs: dict):
    """`result` ready to cross: a Graph when it holds symbolic tensors, else `result` itself.

    Args:
        result: what the block returned.
        args, kwargs: the arguments it was given (its symbolic inputs among them).
    """
    outputs: list = []

    def mark(value):
        if not is_symbolic(value):
            return value
        outputs.append(value)
        return Output(len(outputs) - 1)

    structure = _map_leaves(result, mark)
    inputs = symbolic_leaves([list(args), kwargs])
    if not outputs or not inputs:
        return result
    import keras

    try:
        model = keras.Model(inputs, outputs)
    except ValueError:
        # A tensor not computed from the inputs: it crosses as a spec (see the module's text).
        return result
    return Graph(model, structure)


def inline(graph: Graph, args: list, kwargs: dict):
    """The block's result on the check's own tensors: the graph's layers called on them.

    Args:
        graph: the rebuilt Graph (its model is the grader's own copy, used once).
        args, kwargs: the check's live arguments (the structure that was recorded).

    Raises:
        ValueError: the graph does not fit the check's arguments.
    """
    import keras

    inputs = symbolic_leaves([list(args), kwargs])
    model = graph.model
    if len(inputs) != len(model.inputs):
        raise ValueError(
            f"a block graph with {len(model.inputs)} inputs for {len(inputs)} symbolic arguments"
        )
    # The rebuilt model's own calls of its layers are forgotten, so that the calls made here,
    # on the check's tensors, are each layer's first (Keras numbers a layer's calls).
    for operation in model.operations:
        operation._inbound_nodes = []
        operation._outbound_nodes = []
    outputs = keras.tree.flatten(model._run_through_graph(inputs, operation_fn=lambda op: op))

    def fill(value):
        if not isinstance(value, Output):
            return value
        if not 0 <= value.index < len(outputs):
            raise ValueError("a block result that names an output its graph does not have")
        return outputs[value.index]

    return _map_leaves(graph.value, fill)


def _map_leaves(value, function):
    """`value` with `function` applied to each leaf of its lists, tuples and dicts."""
    if isinstance(value, list | tuple):
        items = [_map_leaves(item, function) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {key: _map_leaves(item, function) for key, item in value.items()}
    return function(value)
