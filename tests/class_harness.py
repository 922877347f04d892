"""Hand in a class of notebooks in a temporary course, without grading them, and read back
what the gradebook holds: for the parallel grader's tests (tests/test_grading_parallel.py,
tests/test_gradebook_postgres.py) and benchmarks/bench_parallel_grading.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
from grading_harness import CORRUPT_NOTEBOOK, Submission
from nbgrader.api import Gradebook

from helpers.grading import course
from helpers.grading.chapters import Chapter


def hand_in(
    root: Path,
    chapter: str,
    students: dict[str, Submission],
    corrupt: tuple[str, ...] = (),
    db_url: str | None = None,
) -> Chapter:
    """Make a course with one chapter, release it and hand in each student's notebook.

    Args:
        root: an empty folder to make the course in.
        chapter: the chapter's name, e.g. "01_convolution".
        students: {student id: Submission}.
        corrupt: student ids who hand in a corrupt file (CORRUPT_NOTEBOOK) instead.
        db_url: a gradebook URL to write into the course's nbgrader_config.py (as an
            instructor configures PostgreSQL); None keeps the SQLite default.

    Returns:
        The chapter, with paths in the new course.
    """
    copied = course.copy_chapter(chapter, root)
    if db_url:
        config = copied.root / "nbgrader_config.py"
        config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    course.run_nbgrader(copied.root, "generate_assignment", chapter, "--force")
    release_nb = nbformat.read(copied.release_notebook, as_version=4)
    for student, submission in students.items():
        path = copied.submitted_notebook(student)
        path.parent.mkdir(parents=True)
        nbformat.write(submission.notebook(release_nb), path)
    for student in corrupt:
        path = copied.submitted_notebook(student)
        path.parent.mkdir(parents=True)
        path.write_text(CORRUPT_NOTEBOOK)
    return copied


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
