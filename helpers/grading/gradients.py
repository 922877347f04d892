"""A loss's gradient crosses the sandbox's wall with its value.

Some checks take a gradient through the learner's function (a loss must be differentiable for
Keras to train with it). A value sent back from the sandbox is a constant, so the grader could
not take that gradient. Instead the sandbox, which calls the learner's function anyway, also
takes the gradient of a scalar result with respect to every floating-point tensor among the
arguments; the grader's stand-in returns the value through ``tf.custom_gradient`` with those
gradients, so the check's own ``tf.GradientTape`` sees what it would have seen in the
learner's kernel (for a scalar, the chain rule needs nothing more than d value / d input).

Both sides use this module: the sandboxed runner (`call`) and the grader (`call` while it
records with the solutions, `stand_in` when it judges). TensorFlow is imported only when a
tensor is among the arguments, so a from-scratch chapter's sandbox never loads it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.grading import wire


def tensor_leaves(value) -> list:
    """The floating-point TensorFlow tensors and variables in `value`, in a fixed order.

    Args:
        value: a decoded argument structure (lists, tuples, dicts with str keys, values).

    Returns:
        [tensor], depth first; a dict's items in the order of their sorted keys.
    """
    if wire.tensor_kind(value):
        return [value] if value.dtype.is_floating else []
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in tensor_leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in tensor_leaves(value[key])]
    return []


def _scalar_float(value) -> bool:
    return (
        wire.tensor_kind(value) == "e"
        and value.dtype.is_floating
        and value.shape.num_elements() == 1
    )


def call(function: Callable, args: list, kwargs: dict):
    """``function(*args, **kwargs)``, and the gradients of its result if it is a scalar tensor.

    Args:
        function: the learner's (or the solution's) function.
        args: positional arguments, as decoded.
        kwargs: keyword arguments, as decoded.

    Returns:
        (result, gradients): gradients is None when no floating tensor is among the arguments
        or the result is not a floating scalar tensor; else [array of each leaf's shape, or
        None where the result does not depend on that leaf], in `tensor_leaves` order.
    """
    leaves = tensor_leaves([list(args), kwargs])
    if not leaves:
        return function(*args, **kwargs), None
    import tensorflow as tf

    with tf.GradientTape(watch_accessed_variables=False) as tape:
        for leaf in leaves:
            tape.watch(leaf)
        result = function(*args, **kwargs)
    if not _scalar_float(result):
        return result, None
    try:
        found = tape.gradient(result, leaves)
    except Exception:  # noqa: BLE001 (no gradient to give: the check will say so)
        return result, None
    return result, [None if g is None else np.asarray(tf.convert_to_tensor(g)) for g in found]


def stand_in(value, args: list, kwargs: dict, gradients):
    """`value` as the check's tape should see it: depending on the check's own tensors.

    Args:
        value: the result as it came back from the sandbox.
        args, kwargs: the check's live arguments (the same structure that was recorded).
        gradients: the decoded list that `call` sent, or None.

    Returns:
        `value` itself, or a tensor equal to it whose gradient with respect to each leaf is
        the sandbox's (cast to the leaf's dtype; a leaf of another shape gets none).
    """
    leaves = tensor_leaves([list(args), kwargs])
    if not (leaves and isinstance(gradients, list) and len(gradients) == len(leaves)):
        return value
    if not _scalar_float(value):
        return value
    import tensorflow as tf

    fitted = [
        None
        if not isinstance(g, np.ndarray) or g.shape != tuple(leaf.shape)
        else tf.constant(g, dtype=leaf.dtype)
        for g, leaf in zip(gradients, leaves, strict=True)
    ]

    @tf.custom_gradient
    def learners_result(*inputs):
        def backward(upstream):
            scale = tf.reduce_sum(upstream)
            return [None if g is None else tf.cast(scale, g.dtype) * g for g in fitted]

        return tf.identity(value), backward

    return learners_result(*[tf.identity(leaf) for leaf in leaves])
