"""Where a course's gradebook is, and the one place that writes a graded submission into it.

The gradebook is nbgrader's: SQLite (``<root>/gradebook.db``) unless the course's
``nbgrader_config.py`` sets ``c.CourseDirectory.db_url`` (e.g. PostgreSQL,
``postgresql+psycopg2://grader@dbhost:5432/gradebook``, when several graders or machines write).
Every nbgrader command of the course reads the same setting, so ``make release``,
``make feedback`` and ``make grades`` use the same database as the parallel grader.

Only the coordinator of a grading run writes grades (:func:`record_grades`); the workers grade
in scratch courses of their own and send back what they found, so that writes to a SQLite file
are never concurrent.
"""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import nbformat
from nbgrader import utils as nbgrader_utils
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from helpers.grading.chapters import CourseError


def course_settings(root: Path) -> tuple[str, str]:
    """(db_url, course_id) that nbgrader uses in a course root, read from its nbgrader_config.py.

    Args:
        root: the course root (the folder holding nbgrader_config.py).
    """
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(Path(root).resolve())  # the default db_url is <root>/gradebook.db
    return coursedir.db_url, coursedir.course_id


def is_sqlite(db_url: str) -> bool:
    """True for a SQLite gradebook (a file), False for a database server such as PostgreSQL."""
    return db_url.startswith("sqlite")


def shown(db_url: str) -> str:
    """The database URL with any password hidden, for messages."""
    head, at, tail = db_url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return db_url
    user = head.split("//", 1)[-1].split(":", 1)[0]
    return f"{head.split('//', 1)[0]}//{user}:***@{tail}"


def check_assignment(db_url: str, course_id: str, chapter: str) -> None:
    """Raise CourseError unless the gradebook knows the chapter (nbgrader generate_assignment ran).

    Args:
        db_url: the gradebook's database URL.
        course_id: nbgrader's course id.
        chapter: the chapter's name, e.g. "01_convolution".
    """
    if is_sqlite(db_url) and not Path(db_url.split("///", 1)[-1]).exists():
        raise CourseError(
            f"No gradebook at {db_url}: release the chapter first (`make release CH={chapter}`)."
        )
    with Gradebook(db_url, course_id) as gradebook:
        try:
            gradebook.find_assignment(chapter)
        except MissingEntry:
            raise CourseError(
                f"The gradebook {shown(db_url)} has no assignment {chapter}: release it first "
                f"(`make release CH={chapter}` runs nbgrader generate_assignment)."
            ) from None


def record_grades(
    db_url: str,
    course_id: str,
    chapter: str,
    student: str,
    scores: dict[str, float],
    timestamp: str | None,
    autograded: nbformat.NotebookNode | None,
) -> None:
    """Write one graded submission into the gradebook, as nbgrader autograde would.

    Idempotent: the submission, its notebook and one grade per graded cell are created the
    first time and updated after, so recording the same student again (a rerun after a run was
    killed) leaves one row of each.

    Args:
        db_url: the gradebook's database URL.
        course_id: nbgrader's course id.
        chapter: the chapter (nbgrader's assignment and notebook name).
        student: the student id.
        scores: {grade_id: points obtained} for every graded cell.
        timestamp: when the student handed in (ISO 8601, from timestamp.txt), or None.
        autograded: the autograded notebook, for the "No response." comments of solution cells
            left as released; None when there is none (a submission that crashed its kernel).
    """
    with Gradebook(db_url, course_id) as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission makes SQLAlchemy warn about its own autoflush; harmless.
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(student)
        extra = {"timestamp": timestamp} if timestamp else {}
        gradebook.update_or_create_submission(chapter, student, **extra)
        for grade_id, score in scores.items():
            grade = gradebook.find_grade(grade_id, chapter, chapter, student)
            grade.auto_score = score
            # As nbgrader's SaveAutoGrades: a grade a person already changed is reviewed again.
            grade.needs_manual_grade = grade.manual_score is not None
        for cell in autograded.cells if autograded is not None else []:
            if nbgrader_utils.is_solution(cell) or nbgrader_utils.is_task(cell):
                comment = gradebook.find_comment(
                    cell.metadata["nbgrader"]["grade_id"], chapter, chapter, student
                )
                checksum = nbgrader_utils.compute_checksum(cell)
                unchanged = cell.metadata.nbgrader.get("checksum") == checksum
                comment.auto_comment = (
                    "No response." if unchanged and not nbgrader_utils.is_task(cell) else None
                )
        gradebook.db.commit()


def submission_timestamp(db_url: str, chapter: str, student: str) -> str | None:
    """The hand-in time nbgrader stored for a submission (ISO 8601, UTC), or None.

    Args:
        db_url: the gradebook's database URL (a worker's scratch gradebook).
        chapter: the chapter's name.
        student: the student id.
    """
    with Gradebook(db_url) as gradebook:
        stamp = gradebook.find_submission(chapter, student).timestamp
    if stamp is None:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.UTC)
    return stamp.isoformat()
