"""The gradebook on PostgreSQL: a small class graded in parallel against a real server.

The test starts a PostgreSQL server of its own (tests/postgres_server.py: a temporary folder,
a free port of 127.0.0.1) and stops it at the end. The course's nbgrader_config.py names the
server in ``c.CourseDirectory.db_url``, as an instructor would; release, grading and export
then all use it, and no SQLite gradebook file appears.
"""

from __future__ import annotations

import csv

import pytest
from class_harness import gradebook_rows
from grading_harness import Submission, hand_in
from postgres_server import postgres_server, why_not

from helpers.grading import course, gradebook, parallel
from helpers.grading.solutions import solution_cells

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(why_not() is not None, reason=f"no PostgreSQL server here: {why_not()}"),
]

CHAPTER = "01_convolution"


def test_a_class_graded_into_postgresql_then_graded_again_has_each_grade_once(tmp_path):
    solutions = solution_cells(CHAPTER)
    students = {
        "blank": Submission(),
        "only_zero_pad": Submission(
            written={"zero_pad": solutions["zero_pad"]}, passes=("test_zero_pad",)
        ),
    }
    with postgres_server() as db_url:
        root = hand_in(tmp_path / "course", CHAPTER, students, db_url=db_url).root
        assert gradebook.course_settings(root) == (db_url, "cnn-course")
        first = parallel.autograde_class(root, CHAPTER, workers=2)
        assert sorted(first["graded"]) == sorted(students)
        expected = {name: s.expected_scores(CHAPTER) for name, s in students.items()}
        assert gradebook_rows(db_url, CHAPTER) == expected
        # Graded again with --regrade: the same rows are updated, none is added.
        again = parallel.autograde_class(root, CHAPTER, workers=1, regrade=True)
        assert sorted(again["graded"]) == sorted(students)
        assert gradebook_rows(db_url, CHAPTER) == expected
        with course.export_grades(root).open() as handle:
            rows = {row["student_id"]: row for row in csv.DictReader(handle)}
        assert set(rows) == set(students)
        assert float(rows["only_zero_pad"]["raw_score"]) == 1.0  # test_zero_pad's one point
    assert not (root / "gradebook.db").exists()
