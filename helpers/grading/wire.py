"""What crosses the sandbox's wall: values as JSON plus numpy arrays, never pickle.

Both sides use this module: the sandboxed runner writes frames, the grader reads them. The
grader treats every frame as hostile: sizes are capped, arrays are loaded with
``allow_pickle=False`` (numeric and boolean dtypes only), and structures are limited in depth
and size, so that a learner's result can be wrong but cannot run code in the grader.

A value is None, a bool, an int, a float, a str, a numpy array or scalar, a TensorFlow tensor
or variable (numeric; it crosses as an array and is rebuilt with ``tf.constant`` or
``tf.Variable``, TensorFlow being imported only then), a Keras model (its configuration and
weights, rebuilt from Keras' own layers only: see keras_models), a Keras optimizer (its
configuration: a fresh one on the other side, its state stays where it is used), a Keras symbolic tensor (its
shape and dtype) or a block's graph (see symbolic), one of the checks' own objects named in
CHECK_OBJECTS (its attributes; a model carries the check's stand-in for its ``fit``), a Keras
History (its curves), or a tuple, list or dict (str keys) of values.
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np

from helpers.grading import keras_models, symbolic

MAX_FRAME_BYTES = 32 * 2**20
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_STRING = 100_000
# Objects of the checks that a learner's function is given and that cross as their
# attributes' values: {tag: (module, class)}. Only these classes are ever rebuilt.
CHECK_OBJECTS = {
    "KnownEncoder": ("helpers.checks.face_verification", "KnownEncoder"),
    "StepCosts": ("helpers.checks.style_transfer", "StepCosts"),
    "FitGuard": ("helpers.checks.keras_classics", "FitGuard"),
}


class Unchanged:
    """In the arguments sent back after a call: an array the call left as it was given."""


UNCHANGED = Unchanged()
# The tags of a form whose value names an array: numpy array, numpy scalar, tensor, variable.
ARRAY_KINDS = ("a", "s", "e", "v")


class Unencodable(TypeError):
    """A value of a type that cannot cross the sandbox's wall."""


def encode(value, arrays: dict[str, np.ndarray], depth: int = 0):
    """A JSON-able form of `value`; its arrays go into `arrays` (named a0, a1, ...).

    Args:
        value: see the module's docstring.
        arrays: {name: array}, filled in.
        depth: the nesting depth so far.

    Raises:
        Unencodable: a value of another type, or nested too deep.
    """
    if depth > MAX_DEPTH:
        raise Unencodable("a value nested too deep")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and not isinstance(value, np.generic):  # np.float64 is a float
        return {"f": float.__repr__(value)}  # repr keeps nan, inf and every bit
    kind = tensor_kind(value)
    if kind:
        array = np.asarray(value.numpy())
        if array.dtype.kind not in "biufc":
            raise Unencodable(f"a tensor of dtype {array.dtype}")
        name = f"a{len(arrays)}"
        arrays[name] = array
        return {kind: name}
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise Unencodable(f"a numpy array of dtype {array.dtype}")
        name = f"a{len(arrays)}"
        arrays[name] = array
        return {"s" if isinstance(value, np.generic) else "a": name}
    if symbolic.is_symbolic(value):
        return {"k": symbolic.spec(value)}
    if isinstance(value, symbolic.Output):
        return {"o": value.index}
    if isinstance(value, symbolic.Graph):
        try:
            model = keras_models.encode(value.model, arrays)
        except Exception as error:  # noqa: BLE001 (a graph Keras cannot describe)
            raise Unencodable(f"a Keras graph that cannot be described: {error}") from None
        return {"g": {"model": model, "value": encode(value.value, arrays, depth + 1)}}
    if value is UNCHANGED:
        return {"n": 0}
    tag = check_object_tag(value)
    if tag:
        return {"x": [tag, encode(crossing_state(value), arrays, depth + 1)]}
    if keras_models.is_optimizer(value):
        return {"p": keras_models.encode_optimizer(value)}
    if _is_history(value):
        state = {"history": value.history, "params": value.params, "epoch": value.epoch}
        return {"h": encode(state, arrays, depth + 1)}
    if keras_models.is_model(value):
        try:
            form = keras_models.encode(value, arrays)
        except Exception as error:  # noqa: BLE001 (a model Keras cannot describe)
            raise Unencodable(f"a Keras model that cannot be described: {error}") from None
        guard = vars(value).get("fit")  # a check's stand-in for model.fit goes with the model
        if check_object_tag(guard):
            form["fit"] = encode(guard, arrays, depth + 1)
        return {"m": form}
    if isinstance(value, tuple | list):
        items = [encode(item, arrays, depth + 1) for item in value]
        return {"t" if isinstance(value, tuple) else "l": items}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"d": [[key, encode(item, arrays, depth + 1)] for key, item in value.items()]}
    raise Unencodable(f"a {type(value).__name__}")


def crossing_state(value) -> dict:
    """The attributes of a check's object that cross: those its class names, or all."""
    names = getattr(type(value), "crossing", None)
    state = vars(value)
    return {name: state[name] for name in names} if names else dict(state)


def _is_history(value) -> bool:
    kind = type(value)
    return kind.__name__ == "History" and kind.__module__.startswith("keras")


def _rebuild_history(state) -> object:
    import keras

    if not (isinstance(state, dict) and isinstance(state.get("history"), dict)):
        raise ValueError("a History the grader cannot read")
    history = keras.callbacks.History()
    history.history = state["history"]
    history.params = state.get("params") if isinstance(state.get("params"), dict) else {}
    history.epoch = state.get("epoch") if isinstance(state.get("epoch"), list) else []
    return history


def check_object_tag(value) -> str | None:
    """The CHECK_OBJECTS tag of `value`'s class, or None."""
    kind = type(value)
    for tag, (module, name) in CHECK_OBJECTS.items():
        if kind.__module__ == module and kind.__qualname__ == name:
            return tag
    return None


def _rebuild_check_object(tag: str, state) -> object:
    import importlib

    module, name = CHECK_OBJECTS[tag]
    cls = getattr(importlib.import_module(module), name)
    if not isinstance(state, dict) or not all(
        key.isidentifier() and not key.startswith("__") for key in state
    ):
        raise ValueError(f"a {name} whose attributes the grader cannot read")
    names = getattr(cls, "crossing", None)
    if names and set(state) != set(names):
        raise ValueError(f"a {name} whose attributes are not its own")
    value = cls.__new__(cls)
    vars(value).update(state)
    return value


def tensor_kind(value) -> str | None:
    """The kind of a TensorFlow tensor ("e": eager, "v": variable), or None (no TF import)."""
    kind = type(value)
    if not kind.__module__.startswith("tensorflow"):
        return None
    if kind.__name__ == "EagerTensor":
        return "e"
    if kind.__name__ in ("ResourceVariable", "Variable", "UninitializedVariable"):
        return "v"
    return None


def _rebuild_tensor(kind: str, array: np.ndarray):
    import tensorflow as tf  # only when a tensor crosses: from-scratch chapters never get here

    return tf.constant(array) if kind == "e" else tf.Variable(array)


def as_plain(value):
    """A TensorFlow tensor or variable as a numpy array; any other value as it is."""
    return np.asarray(value.numpy()) if tensor_kind(value) else value


def decode(form, arrays, budget: list[int] | None = None, depth: int = 0):
    """The value that `encode` turned into `form` (checking sizes: the form is untrusted).

    Args:
        form: a JSON-loaded form.
        arrays: {name: array} (an np.load result).
        budget: [nodes left], shared by the recursion.
        depth: the nesting depth so far.

    Raises:
        ValueError: the form is not one `encode` makes, or is too big.
    """
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise ValueError("a result too big or nested too deep")
    if form is None or isinstance(form, bool | int):
        return form
    if isinstance(form, str):
        return form[:MAX_STRING]
    if isinstance(form, dict) and len(form) == 1:
        ((kind, item),) = form.items()
        if kind == "f" and isinstance(item, str) and len(item) < 40:
            return float(item)
        if kind in ("a", "s") and isinstance(item, str) and item in arrays:
            array = arrays[item]
            if array.dtype.kind not in "biufc":
                raise ValueError("an array of a dtype that is not numeric")
            return array[()] if kind == "s" else array
        if kind in ("e", "v") and isinstance(item, str) and item in arrays:
            array = arrays[item]
            if array.dtype.kind not in "biufc":
                raise ValueError("a tensor of a dtype that is not numeric")
            return _rebuild_tensor(kind, array)
        if kind == "m" and isinstance(item, dict):
            model = keras_models.rebuild(item, arrays)
            if "fit" in item:
                guard = decode(item["fit"], arrays, budget, depth + 1)
                if not (check_object_tag(guard) and hasattr(guard, "attach")):
                    raise ValueError("a model whose fit is not the check's")
                guard.attach(model)
            return model
        if kind == "n" and item == 0:
            return UNCHANGED
        if kind == "h":
            return _rebuild_history(decode(item, arrays, budget, depth + 1))
        if kind == "x" and isinstance(item, list) and len(item) == 2 and item[0] in CHECK_OBJECTS:
            return _rebuild_check_object(item[0], decode(item[1], arrays, budget, depth + 1))
        if kind == "p":
            return keras_models.rebuild_optimizer(item)
        if kind == "k" and isinstance(item, dict):
            return symbolic.from_spec(item)
        if kind == "o" and type(item) is int:
            return symbolic.Output(item)
        if kind == "g" and isinstance(item, dict) and isinstance(item.get("model"), dict):
            model = keras_models.rebuild(item["model"], arrays)
            return symbolic.Graph(model, decode(item.get("value"), arrays, budget, depth + 1))
        if kind in ("t", "l") and isinstance(item, list):
            items = [decode(x, arrays, budget, depth + 1) for x in item]
            return tuple(items) if kind == "t" else items
        if kind == "d" and isinstance(item, list):
            return {
                str(key)[:200]: decode(value, arrays, budget, depth + 1)
                for key, value in (
                    pair for pair in item if isinstance(pair, list) and len(pair) == 2
                )
            }
    raise ValueError("a result in a form the grader does not know")


def pack(message: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame: its length, then an .npz holding the JSON message and the arrays."""
    buffer = io.BytesIO()
    meta = np.frombuffer(json.dumps(message).encode(), dtype=np.uint8)
    np.savez(buffer, __meta__=meta, **(arrays or {}))
    payload = buffer.getvalue()
    return struct.pack("<Q", len(payload)) + payload


def unpack_all(data: bytes) -> list[tuple[dict, dict[str, np.ndarray]]]:
    """Every complete frame in `data` (a truncated last frame is dropped): [(message, arrays)].

    A frame that cannot be read ends the list: what follows it cannot be trusted either.
    """
    frames, offset = [], 0
    while offset + 8 <= len(data):
        (size,) = struct.unpack_from("<Q", data, offset)
        if size > MAX_FRAME_BYTES or offset + 8 + size > len(data):
            break
        try:
            with np.load(
                io.BytesIO(data[offset + 8 : offset + 8 + size]), allow_pickle=False
            ) as npz:
                arrays = {name: npz[name] for name in npz.files}
            message = json.loads(arrays.pop("__meta__").tobytes().decode())
        except Exception:  # a corrupt frame: stop reading
            break
        if not isinstance(message, dict):
            break
        frames.append((message, arrays))
        offset += 8 + size
    return frames


def same(a, b) -> bool:
    """Whether two decoded values are equal (arrays element by element, nan equal to nan)."""
    if symbolic.is_symbolic(a) or symbolic.is_symbolic(b):
        both = symbolic.is_symbolic(a) and symbolic.is_symbolic(b)
        return both and symbolic.spec(a) == symbolic.spec(b)
    if check_object_tag(a) or check_object_tag(b):
        return type(a) is type(b) and same(crossing_state(a), crossing_state(b))
    if keras_models.is_optimizer(a) or keras_models.is_optimizer(b):
        both = keras_models.is_optimizer(a) and keras_models.is_optimizer(b)
        return both and keras_models.same_optimizer(a, b)
    if keras_models.is_model(a) or keras_models.is_model(b):
        both = keras_models.is_model(a) and keras_models.is_model(b)
        return both and keras_models.same(a, b)
    if tensor_kind(a) or tensor_kind(b):
        return type(a) is type(b) and same(as_plain(a), as_plain(b))
    if isinstance(a, np.ndarray | np.generic) or isinstance(b, np.ndarray | np.generic):
        a, b = np.asarray(a), np.asarray(b)
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b
