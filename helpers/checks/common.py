"""Learner-facing checks: compare a result with a reference and say exactly what differs.

Every failure raises :class:`CheckFailed`, an ``AssertionError`` (so nbgrader counts it as a
failed test) whose message is written for a person: what was expected, what was found, and
the likely cause when one can be guessed.

The chapter modules (``helpers.checks.convolution``, ...) build on these few functions.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class CheckFailed(AssertionError):
    """A learner's function gave a wrong result; the message says what and why."""


def call_learner(fn: Callable, *args: Any, name: str | None = None, case: str = "", **kwargs):
    """Call a learner's function, turning the common failures into clear messages.

    Args:
        fn: the learner's function.
        *args, **kwargs: passed to ``fn``.
        name: the function's name in messages (defaults to ``fn.__name__``).
        case: a short description of the inputs, added to any error.

    Returns:
        Whatever ``fn`` returns.

    Raises:
        CheckFailed: ``fn`` is still the unimplemented stub.
        Exception: any other error ``fn`` raises, with a note naming the case.
    """
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        raise CheckFailed(f"{name} should be a function, but it is a {type(fn).__name__}.")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(
            f"{name} is not written yet: replace `raise NotImplementedError()` in its cell "
            "with your code, run that cell, then run this check again."
        ) from None
    except Exception as error:
        if case:
            error.add_note(f"This happened inside {name}, called on {case}.")
        raise


def as_array(name: str, value: Any, *, what: str = "result") -> np.ndarray:
    """Return ``value`` as a float numpy array, or fail with a message naming its type.

    Args:
        name: the function's name in messages.
        value: what the learner's function returned.
        what: which of its outputs this is ("Z", "dA_prev", ...).
    """
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, numbers.Number):
        array = np.asarray(value)
    else:
        raise CheckFailed(
            f"{name}: {what} should be a numpy array, but it is a {type(value).__name__}. "
            "Did you forget a `return`, or return a list instead of an array?"
        )
    if not np.issubdtype(array.dtype, np.number):
        raise CheckFailed(f"{name}: {what} should hold numbers, but its dtype is {array.dtype}.")
    return array.astype(np.float64, copy=False)


def expect_tuple(name: str, value: Any, names: Sequence[str]) -> tuple:
    """Check that a function returned a tuple of ``len(names)`` items.

    Args:
        name: the function's name in messages.
        value: what the function returned.
        names: the names of the items, e.g. ``("Z", "cache")``.
    """
    wanted = ", ".join(names)
    if not isinstance(value, tuple) or len(value) != len(names):
        found = f"a tuple of {len(value)}" if isinstance(value, tuple) else type(value).__name__
        raise CheckFailed(f"{name} should return ({wanted}), a tuple of {len(names)}; got {found}.")
    return value


def expect_shape(
    name: str,
    got: np.ndarray,
    expected: tuple[int, ...],
    *,
    what: str = "result",
    hint: str | None = None,
) -> None:
    """Fail unless ``got.shape == expected``.

    Args:
        name: the function's name in messages.
        got: the learner's array.
        expected: the shape it should have.
        what: which output this is, for the message.
        hint: the likely cause, when the caller can tell (see ``convolution.shape_hint``).
    """
    if tuple(got.shape) != tuple(expected):
        message = f"{name}: {what} has shape {tuple(got.shape)}; expected {tuple(expected)}."
        if hint:
            message += f" {hint}"
        raise CheckFailed(message)


def expect_close(
    name: str,
    got: np.ndarray,
    expected: np.ndarray,
    *,
    what: str = "result",
    reference: str = "the reference",
    case: str = "",
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Fail unless ``got`` matches ``expected`` element by element.

    The message gives the index of the worst element, both values, and how many elements
    differ, which usually points at the bug (one border row wrong, every value off by b, ...).

    Args:
        name: the function's name in messages.
        got: the learner's array; must already have ``expected``'s shape.
        expected: the reference values.
        what: which output this is.
        reference: what computed ``expected`` (e.g. "tf.nn.conv2d").
        case: a short description of the inputs.
        rtol, atol: tolerances as in ``numpy.isclose``.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise CheckFailed(
            f"{name}: {what} contains {got[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
            f"{' (' + case + ')' if case else ''}. Look for a division by zero or an "
            "uninitialised array (np.empty instead of np.zeros)."
        )
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not wrong.any():
        return
    error = np.abs(got - expected)
    worst = np.unravel_index(int(np.argmax(error)), error.shape)
    index = tuple(int(i) for i in worst)
    raise CheckFailed(
        f"{name}: {what} differs from {reference}{' on ' + case if case else ''}: "
        f"{int(wrong.sum())} of {wrong.size} values are wrong. The largest difference is at "
        f"index {index}: you have {got[worst]:.6g}, {reference} gives {expected[worst]:.6g}."
    )


def passed(name: str, detail: str) -> None:
    """Print the one-line success message every visible check ends with."""
    print(f"\N{CHECK MARK} {name}: {detail}")
