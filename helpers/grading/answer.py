"""One call of a learner's function, as it crosses the sandbox's wall back to the grader.

The sandbox's runner calls the learner's function on a recorded input, and the grader's
recorder calls the solution's on the same input (for the dry run that decides which test
cells are judged outside the kernel); both describe the call with `answer`, so that the dry run
sees exactly what a learner's sandbox would send.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from helpers.grading import gradients, symbolic, wire


def answer(
    function: Callable, args: list, kwargs: dict
) -> tuple[dict, dict[str, np.ndarray], object]:
    """Call ``function(*args, **kwargs)`` and describe what came out.

    Args:
        function: the learner's (or the solution's) function.
        args, kwargs: its arguments, as decoded (a function may change them in place).

    Returns:
        (message, arrays, result): message has "value" (the result; a Keras block's graph when
        it returns symbolic tensors), "after" (the arguments after the call) and, for a scalar
        loss of tensors, "gradients"; arrays holds the message's arrays.

    Raises:
        wire.Unencodable: the result is of a type that cannot cross.
        Exception: whatever the function raised (`failure` describes it).
    """
    out: dict = {}
    before = _snapshot([list(args), kwargs])
    result, slopes = gradients.call(function, args, kwargs)
    message = {
        "value": wire.encode(symbolic.capture(result, args, kwargs), out),
        # An array the call did not change is not sent back (training data can be large).
        "after": wire.encode(_unchanged_marked([list(args), kwargs], before), out),
    }
    if slopes is not None:
        message["gradients"] = wire.encode(slopes, out)
    # Copies: the caller may hold the message while later calls change these arrays in place.
    return message, {name: np.array(a, copy=True) for name, a in out.items()}, result


def _snapshot(value):
    """Copies of the numpy arrays in `value`, in the same structure (None elsewhere)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list | tuple):
        return [_snapshot(item) for item in value]
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    return None


def _unchanged_marked(value, before):
    """`value` with each array equal to its `_snapshot` copy replaced by wire.UNCHANGED."""
    if isinstance(value, np.ndarray) and isinstance(before, np.ndarray):
        if (
            value.shape == before.shape
            and value.dtype == before.dtype
            and np.array_equal(value, before, equal_nan=value.dtype.kind in "fc")
        ):
            return wire.UNCHANGED
        return value
    if isinstance(value, list | tuple) and isinstance(before, list) and len(value) == len(before):
        items = [_unchanged_marked(item, old) for item, old in zip(value, before, strict=True)]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and isinstance(before, dict):
        return {key: _unchanged_marked(item, before.get(key)) for key, item in value.items()}
    return value


def failure(error: BaseException) -> dict:
    """The message for a call that raised `error` (rebuilt by name in the grader)."""
    notes = [str(note)[:500] for note in getattr(error, "__notes__", [])][:5]
    return {"ename": type(error).__name__, "evalue": str(error)[:2000], "notes": notes}


def pass_on(links: dict, args: list, kwargs: dict, live: dict) -> None:
    """Give a call the very objects (a variable, an optimizer) that earlier calls were given.

    Args:
        links: the call's links ({position: [earlier call index, its position]}; a position
            is "0", "1", ... or "k:name").
        args, kwargs: the call's decoded arguments, changed in place.
        live: {call index: (args, kwargs)} of the earlier calls of the cell, as they left them.
    """

    for position, (earlier, where) in links.items():
        if earlier in live:
            put_argument([args, kwargs], position, argument_at(live[earlier], where))


def argument_at(pair, position: str):
    """The argument at `position` ("0", "1", ... or "k:name") of (args, kwargs)."""
    return pair[1][position[2:]] if position.startswith("k:") else pair[0][int(position)]


def put_argument(pair, position: str, value) -> None:
    """Set the argument at `position` of [args, kwargs] (both changed in place)."""
    if position.startswith("k:"):
        pair[1][position[2:]] = value
    else:
        pair[0][int(position)] = value
