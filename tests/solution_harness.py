"""Load a chapter's instructor solutions, or a copy of them with one bug planted, for the
tests of that chapter's checks (tests/test_checks_*.py) and the grading tests."""

from __future__ import annotations

from helpers.grading.solutions import load_solutions, solution_cells


def replaced(source: str, *replacements: tuple[str, str]) -> str:
    """`source` with exact text replacements, each of which must apply.

    Args:
        source: a cell's source, e.g. one solution cell.
        *replacements: (old, new) pairs of text; a pair whose `old` is not found fails the
            test, so a planted bug cannot silently stop being planted.
    """
    for old, new in replacements:
        assert old in source, f"{old!r} is not in the source any more"
        source = source.replace(old, new)
    return source


def mutant(chapter: str, grade_id: str, *replacements: tuple[str, str]) -> dict:
    """The solutions with one function changed by exact text replacements (each must apply).

    Args:
        chapter: e.g. "01_convolution".
        grade_id: the solution cell to change (the function's name).
        *replacements: (old, new) pairs of text, as for `replaced`.

    Returns:
        The namespace of the chapter's solutions, with that one function replaced.
    """
    source = replaced(solution_cells(chapter)[grade_id], *replacements)
    return load_solutions(chapter, replace={grade_id: source})


def assert_cause_named(chapter: str, grade_id: str, replacements, run_check, message: str) -> None:
    """Plant a common wrong answer in a solution; its check must reject it naming the cause.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
        grade_id: the solution cell (and function) to break.
        replacements: [(old, new)] text replacements that plant the bug (see `mutant`).
        run_check: called with the broken function (the chapter's visible check).
        message: a regular expression the CheckFailed message must match.
    """
    import pytest

    from helpers.checks.common import CheckFailed

    broken = mutant(chapter, grade_id, *replacements)[grade_id]
    with pytest.raises(CheckFailed, match=message):
        run_check(broken)
