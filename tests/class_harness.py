"""Read back what a gradebook holds after a class was handed in (grading_harness.hand_in)
and graded: for the parallel grader's tests (tests/test_grading_parallel.py,
tests/test_gradebook_postgres.py) and benchmarks/bench_parallel_grading.py."""

from __future__ import annotations

from nbgrader.api import Gradebook


def gradebook_rows(db_url: str, chapter: str) -> dict[str, dict[str, float]]:
    """{student: {grade_id: auto score}} of every submission of a chapter in a gradebook.

    Raises AssertionError when a student has more than one submission or a graded cell more
    than one grade (what a grade recorded twice would look like).

    Args:
        db_url: the gradebook's database URL.
        chapter: the chapter (nbgrader's assignment and notebook name).
    """
    rows = {}
    with Gradebook(db_url) as gradebook:
        for submission in gradebook.find_assignment(chapter).submissions:
            student = submission.student.id
            assert student not in rows, f"{student} has two submissions of {chapter}"
            (notebook,) = submission.notebooks
            names = [grade.name for grade in notebook.grades]
            assert len(names) == len(set(names)), f"{student} has a grade recorded twice"
            rows[student] = {grade.name: grade.auto_score for grade in notebook.grades}
    return rows
