"""A Keras model crosses the sandbox's wall as its configuration and weights.

A learner's function that builds a model (``lenet5(...)``, ``resnet50(...)``, ``unet(...)``)
returns a ``keras.Model``, which is not a value the wire can carry. The sandbox sends the
model's JSON configuration and, when they are small enough, its weights; the grader rebuilds
the model from them with the standard Keras layers only and judges that.

The configuration is untrusted: before Keras reads it, every object in it must name a module
of Keras itself (``keras.layers``, ``keras.initializers``, ...), and nothing that carries code
(a ``Lambda`` layer, a serialised function) is accepted; Keras then deserialises it in safe
mode. A learner whose model uses such a layer reads why, in the grader's message.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource

import numpy as np

MAX_CONFIG_CHARS = 4_000_000
# Layers, initializers, ... in one configuration (keras.applications.ResNet50: 866 in its
# 177 layers; a forged one of millions would hold the grader for minutes).
MAX_OBJECTS = 20_000
MAX_WEIGHT_BYTES = 16 * 2**20  # larger models cross without weights (rebuilt freshly initialised)
# The modules a configuration's objects may come from: Keras' own public API.
ALLOWED_MODULES = frozenset({
    "keras", "keras.layers", "keras.models", "keras.initializers", "keras.regularizers",
    "keras.constraints", "keras.activations", "keras.ops", "keras.src.models.functional",
    "keras.src.models.sequential", "keras.src.models.model", "keras.optimizers",
    "keras.optimizers.schedules",
})  # fmt: skip
OPS_MODULES = "keras.src.ops."
REFUSED_CLASSES = frozenset({"Lambda", "TFSMLayer", "__lambda__", "TorchModuleWrapper",
                             "JaxLayer", "FlaxLayer"})  # fmt: skip
MAX_REBUILD_BYTES = 3 * 2**30  # the grader's own memory a rebuilt model may take


@contextlib.contextmanager
def _memory_cap(extra_bytes: int):
    """This process may grow by at most `extra_bytes` of address space inside the block.

    The configuration is untrusted: one that asks for a layer of a billion units must fail
    with MemoryError here, not take the grader's memory (and every other learner's grading).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as handle:
        current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = current + extra_bytes
    for limit in (soft, hard):
        if limit != resource.RLIM_INFINITY:
            cap = min(cap, limit)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _allowed(module) -> bool:
    # keras.src.ops.*: Keras' own operations (keras.ops.add(x, y) on symbolic tensors).
    return module in ALLOWED_MODULES or str(module).startswith(OPS_MODULES)


class Refused(ValueError):
    """A configuration the grader will not rebuild (the message says why)."""


def is_model(value) -> bool:
    """Whether `value` is a Keras model (without importing Keras)."""
    kind = type(value)
    return any(c.__module__.startswith("keras") and c.__name__ == "Model" for c in kind.__mro__)


def encode(model, arrays: dict[str, np.ndarray]) -> dict:
    """{"config": JSON text, "weights": [array names] or None (too big)}; arrays filled in.

    Args:
        model: a keras.Model.
        arrays: {name: array}, filled in (names a0, a1, ... continue its numbering).
    """
    config = model.to_json()
    if len(config) > MAX_CONFIG_CHARS:
        raise ValueError(f"a model whose configuration has more than {MAX_CONFIG_CHARS} characters")
    weights = [np.asarray(w) for w in model.get_weights()]
    names = None
    if sum(w.nbytes for w in weights) <= MAX_WEIGHT_BYTES:
        names = []
        for weight in weights:
            names.append(f"a{len(arrays)}")
            arrays[names[-1]] = weight
    return {"config": config, "weights": names}


def _check(node, depth: int = 0, budget: list[int] | None = None) -> None:
    budget = budget if budget is not None else [MAX_OBJECTS]
    if depth > 200:
        raise Refused("a model configuration nested too deep")
    if isinstance(node, dict):
        if "class_name" in node:
            budget[0] -= 1
            if budget[0] < 0:
                raise Refused(f"a model configuration of more than {MAX_OBJECTS} objects")
            module, name = node.get("module"), str(node.get("class_name"))
            if module is not None and not _allowed(module):
                raise Refused(
                    f"it contains a {name} from {str(module)[:80]!r}; the grader rebuilds "
                    "models from Keras' own layers only"
                )
            if name in REFUSED_CLASSES or (name == "function" and module != "keras.activations"):
                raise Refused(
                    f"it contains a {name}, which carries Python code; the grader rebuilds "
                    "models from Keras' own layers only (use keras.layers.Activation, "
                    "keras.layers.Add, ... instead of a Lambda layer)"
                )
        for key, value in node.items():
            if key in ("function", "function_type", "output_shape_type"):
                raise Refused("it contains Python code (a Lambda layer's function)")
            _check(value, depth + 1, budget)
    elif isinstance(node, list):
        for value in node:
            _check(value, depth + 1, budget)


def _parsed(config_text: str, what: str):
    """The JSON configuration, checked to name Keras' own objects only (see `_check`)."""
    try:
        config = json.loads(config_text)
    except ValueError:
        raise ValueError(f"{what} whose configuration is not JSON") from None
    _check(config)
    return config


def rebuild(form: dict, arrays: dict[str, np.ndarray]):
    """The model that `encode` turned into `form` (untrusted), rebuilt in safe mode.

    Args:
        form: {"config": str, "weights": [str] or None}.
        arrays: {name: array} of the frame.

    Raises:
        Refused: the configuration names something other than Keras' own objects.
        ValueError: the form is malformed, or Keras cannot build it.
    """
    config_text, names = form.get("config"), form.get("weights")
    if not isinstance(config_text, str) or len(config_text) > MAX_CONFIG_CHARS:
        raise ValueError("a model without a readable configuration")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(n, str) and n in arrays for n in names)
    ):
        raise ValueError("a model whose weights are missing")
    config = _parsed(config_text, "a model")
    import keras

    try:
        with _memory_cap(MAX_REBUILD_BYTES):
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # noqa: BLE001 (Keras's own message says what it could not build)
        # Out of memory: numpy's MemoryError, or TensorFlow's OOM when it allocates a weight.
        if isinstance(error, MemoryError) or type(error).__name__ == "ResourceExhaustedError":
            why = f"a model too big for the grader to rebuild (over {MAX_REBUILD_BYTES >> 30} GiB)"
        else:
            why = f"a model Keras could not rebuild ({type(error).__name__}: {str(error)[:300]})"
        raise ValueError(why) from None
    if not is_model(model):
        raise ValueError(f"a {type(model).__name__}, not a Keras model")
    if names is not None:
        weights = [arrays[n] for n in names]
        if any(w.dtype.kind not in "biuf" for w in weights):
            raise ValueError("a model whose weights are not numbers")
        expected = [tuple(w.shape) for w in model.weights]
        if [tuple(w.shape) for w in weights] != expected:
            raise ValueError("a model whose weights do not fit its layers")
        model.set_weights(weights)
    return model


def same(a, b) -> bool:
    """Whether two models are the same network: layer kinds in order, and equal weights.

    Names are not compared: a check that builds its model again gets Keras' next names.
    """
    kinds = [type(layer).__name__ for layer in a.layers]
    if kinds != [type(layer).__name__ for layer in b.layers]:
        return False
    left, right = a.get_weights(), b.get_weights()
    return len(left) == len(right) and all(
        x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
        for x, y in zip(left, right, strict=True)
    )


# ------------------------------------------------------------------------------ optimizers
def is_optimizer(value) -> bool:
    """Whether `value` is a Keras optimizer (without importing Keras)."""
    return any(
        c.__module__.startswith("keras") and c.__name__ == "BaseOptimizer"
        for c in type(value).__mro__
    )


def encode_optimizer(optimizer) -> str:
    """An optimizer's configuration (its class and hyperparameters; not its state) as JSON."""
    import keras

    return json.dumps(keras.optimizers.serialize(optimizer))


def rebuild_optimizer(config_text) -> object:
    """A fresh optimizer from `encode_optimizer`'s JSON (untrusted: Keras' own classes only).

    Raises:
        ValueError: not an optimizer's configuration.
    """
    if not isinstance(config_text, str) or len(config_text) > 100_000:
        raise ValueError("an optimizer without a readable configuration")
    config = _parsed(config_text, "an optimizer")
    import keras

    try:
        optimizer = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # noqa: BLE001 (Keras's own message says why)
        raise ValueError(f"an optimizer Keras could not rebuild ({str(error)[:200]})") from None
    if not is_optimizer(optimizer):
        raise ValueError(f"a {type(optimizer).__name__}, not a Keras optimizer")
    return optimizer


def same_optimizer(a, b) -> bool:
    """Whether two optimizers have the same class and hyperparameters (names aside)."""

    def described(optimizer) -> dict:
        config = json.loads(encode_optimizer(optimizer))
        config["config"].pop("name", None)
        return config

    return described(a) == described(b)
