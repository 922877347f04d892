"""Load a chapter's instructor solutions, or a copy of them with one bug planted, for the
tests of that chapter's checks (tests/test_checks_*.py)."""

from __future__ import annotations

from helpers.grading.solutions import load_solutions, solution_cells


def mutant(chapter: str, grade_id: str, *replacements: tuple[str, str]) -> dict:
    """The solutions with one function changed by exact text replacements (each must apply).

    Args:
        chapter: e.g. "01_convolution".
        grade_id: the solution cell to change (the function's name).
        *replacements: (old, new) pairs of text; a pair whose `old` is not found fails the
            test, so a planted bug cannot silently stop being planted.

    Returns:
        The namespace of the chapter's solutions, with that one function replaced.
    """
    source = solution_cells(chapter)[grade_id]
    for old, new in replacements:
        assert old in source, f"{old!r} is not in the {grade_id} solution any more"
        source = source.replace(old, new)
    return load_solutions(chapter, replace={grade_id: source})
