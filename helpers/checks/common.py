"""Learner-facing checks: compare a result with a reference and say exactly what differs.

Every failure raises :class:`CheckFailed`, an ``AssertionError`` (so nbgrader counts it as a
failed test) whose message is written for a person: what was expected, what was found, and
the likely cause when one can be guessed.

In a notebook a failed check shows its message alone, without the frames of the check that
raised it (:meth:`CheckFailed._render_traceback_`): the learner's code did not fail there. An
error raised *inside* the learner's function keeps the learner's own frames and lines, and
only those (:func:`call_learner`). nbgrader stores what the kernel shows, so its autograded
notebooks, its feedback and its Validate dialog show the same.

The chapter modules (``helpers.checks.convolution``, ...) build on these few functions.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class CheckFailed(AssertionError):
    """A learner's function gave a wrong result; the message says what and why."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for this error: "CheckFailed: <message>" and any notes, no frames.

        IPython (and so JupyterLab, nbclient and nbgrader) calls this instead of formatting the
        traceback: the frames would be the check's, and the message already says what to fix.
        """
        return [f"{type(self).__name__}: {self}", *getattr(self, "__notes__", [])]


def _learner_frames_only(error: BaseException, traceback) -> None:
    """Make IPython show ``error`` with the frames of ``traceback`` alone (the learner's code).

    An exception raised inside the learner's function passes through the check on its way to
    the notebook, and IPython would show the check's frames around the learner's. Setting
    ``_render_traceback_`` on this one exception (IPython looks the attribute up on the
    instance) shows the learner's frames, with their cell and line, and the message.

    Args:
        error: the exception the learner's function raised.
        traceback: its traceback from the learner's first frame down to the raise.
    """

    def render() -> list[str]:
        try:
            from IPython import get_ipython

            shell = get_ipython()
            if shell is not None:
                return shell.InteractiveTB.structured_traceback(type(error), error, traceback)
        except Exception:  # formatting must never hide the learner's error
            pass
        import traceback as tb_module

        return tb_module.format_exception(type(error), error, traceback)

    try:
        error._render_traceback_ = render
    except AttributeError:  # an exception type without a __dict__: IPython's usual traceback
        pass


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
        Exception: any other error ``fn`` raises, with a note naming the case; in a notebook
            it is shown with the learner's frames only.
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
        if not isinstance(error, CheckFailed):
            # The traceback's first frame is this function's; the learner's frames follow.
            _learner_frames_only(error, error.__traceback__.tb_next)
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
    causes: Sequence[tuple[str, Callable[[], Any]]] = (),
) -> None:
    """Fail unless ``got`` matches ``expected`` element by element.

    The message gives the index of the worst element, both values, and how many elements
    differ, which usually points at the bug (one border row wrong, every value off by b, ...);
    and, when ``got`` is exactly what a common bug gives, that bug (see :func:`likely_cause`).

    Args:
        name: the function's name in messages.
        got: the learner's array; must already have ``expected``'s shape.
        expected: the reference values.
        what: which output this is.
        reference: what computed ``expected`` (e.g. "tf.nn.conv2d").
        case: a short description of the inputs.
        rtol, atol: tolerances as in ``numpy.isclose``.
        causes: the common bugs, as (sentence, wrong) pairs: ``wrong()`` computes what that
            bug gives on these inputs (with the reference, not with the solution), and the
            sentence names it for the learner. Called only once the values are known wrong.
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
    cause = likely_cause(got, causes, rtol=rtol, atol=atol)
    raise CheckFailed(
        f"{name}: {what} differs from {reference}{' on ' + case if case else ''}: "
        f"{int(wrong.sum())} of {wrong.size} values are wrong. The largest difference is at "
        f"index {index}: you have {got[worst]:.6g}, {reference} gives {expected[worst]:.6g}."
        + (f" {cause}" if cause else "")
    )


def likely_cause(
    got: Any,
    causes: Sequence[tuple[str, Callable[[], Any]]],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> str | None:
    """The first common bug whose result ``got`` matches exactly, or None.

    A check that knows the usual wrong answers (windows that do not move by the stride, a
    forgotten bias, ...) computes each one on the same inputs and names the one the learner's
    result equals: "165 of 180 values are wrong" says *that* something is wrong, the cause says
    *what*.

    Args:
        got: the learner's (wrong) result, any shape.
        causes: (sentence, wrong) pairs; ``wrong()`` returns what the bug would give. A
            ``wrong`` that raises, or returns another shape, is skipped.
        rtol, atol: tolerances as in ``numpy.isclose``.
    """
    got = np.asarray(got, dtype=np.float64)
    for sentence, wrong in causes:
        try:
            candidate = np.asarray(wrong(), dtype=np.float64)
        except Exception:  # a guess that does not apply to these inputs
            continue
        if candidate.shape == got.shape and np.allclose(got, candidate, rtol=rtol, atol=atol):
            return sentence
    return None


# The exercises whose visible check has passed in this kernel (see exercise_summary). Validate
# and the grader run the notebook top to bottom in a fresh kernel, so there it is this run's.
# (Not cleared by call_learner: the hidden tests call it too, after the visible check.)
_PASSED: dict[str, str] = {}


def passed(name: str, detail: str) -> None:
    """Print the one-line success message every visible check ends with, and record the pass."""
    _PASSED[name] = detail
    print(f"\N{CHECK MARK} {name}: {detail}")


def exercise_summary(exercises: Sequence[str]) -> None:
    """Say how many of a chapter's exercises have passed their visible checks in this kernel.

    nbgrader's Validate dialog shows only the graded cells that fail, each with its error, and
    no count. A chapter's last graded cell (0 points) calls this: when every exercise passes
    it prints one line; otherwise it fails with "3 of 7 exercises pass ...", which Validate
    shows last, after the failures it lists, and a learner's "Run All" shows at the end.

    Args:
        exercises: the chapter's graded functions, in the notebook's order (their grade ids).

    Raises:
        CheckFailed: some exercise's check failed, or did not run (its cell was not run, or
            stopped earlier).
    """
    done = [name for name in exercises if name in _PASSED]
    missing = [name for name in exercises if name not in _PASSED]
    if not missing:
        print(f"\N{CHECK MARK} All {len(exercises)} exercises pass their checks.")
        return
    raise CheckFailed(
        f"{len(done)} of {len(exercises)} exercises pass their checks; not yet: "
        f"{'; '.join(missing)}. Run each one's check cell after its exercise and read its message."
    )
