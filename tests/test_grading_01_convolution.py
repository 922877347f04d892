"""The whole nbgrader pipeline, for real, on chapter 01, in a temporary copy of the course.

The fixture submits the notebooks a class would hand in, autogrades them (the one execution
of the solved chapter per test run), generates feedback and exports grades; the tests read
the results. Besides blank / solved / one function, it covers the ways a grader breaks: a
TensorFlow warning in a test cell, a deleted test cell, a learner who patches the checks,
and a corrupt file.
"""

from __future__ import annotations

import csv
import re

import pytest
from grading_harness import (
    errors_in,
    grade_class,
    hidden_test_lines,
    leaked_hidden_lines,
    max_points,
    new_course,
    only,
    scores,
    submit,
    visible_text,
    with_solutions,
)

from helpers.grading.config import IGNORED_STDERR_PATTERN
from helpers.grading.feedback import HIDDEN_NOTE
from helpers.grading.solutions import solution_cells

pytestmark = pytest.mark.slow

CHAPTER = "01_convolution"
SOLUTIONS = solution_cells(CHAPTER)
ZEROS_WITH_PATCHED_CHECKS = """
def conv_forward(A_prev, W, b, stride=1, pad=0):
    import numpy as np
    f = W.shape[0]
    n_H = (A_prev.shape[1] + 2 * pad - f) // stride + 1
    n_W = (A_prev.shape[2] + 2 * pad - f) // stride + 1
    return np.zeros((A_prev.shape[0], n_H, n_W, W.shape[3])), (A_prev, W, b, stride, pad)

# Trying to fool the grader: replace the checks by functions that accept anything.
checks.check_conv_forward = lambda *args, **kwargs: None
checks.compare_conv_forward = lambda *args, **kwargs: None
"""
TF_WARNING_IN_ZERO_PAD = SOLUTIONS["zero_pad"].replace(
    "    return X_pad",
    '    tf.get_logger().warning("5 out of the last 5 calls triggered tf.function retracing.")\n'
    "    return X_pad",
)
EXPECTED = {
    "blank": dict.fromkeys(max_points(CHAPTER), 0.0),
    "solved": max_points(CHAPTER),
    "only_conv_forward": only(CHAPTER, "test_conv_forward"),
    "tf_warning": only(CHAPTER, "test_zero_pad"),
    "deleted_test_cell": only(CHAPTER, "test_conv_forward"),
    "patched_checks": dict.fromkeys(max_points(CHAPTER), 0.0),
}


def submissions(release_nb) -> dict:
    """{student: notebook} for the class this test grades (keys match EXPECTED)."""
    deleted = with_solutions(release_nb, {"conv_forward": SOLUTIONS["conv_forward"]})
    deleted.cells = [c for c in deleted.cells if c.get("id") != "test_conv_forward"]
    return {
        "blank": with_solutions(release_nb, {}),
        "solved": with_solutions(release_nb, SOLUTIONS),
        "only_conv_forward": with_solutions(
            release_nb, {"conv_forward": SOLUTIONS["conv_forward"]}
        ),
        "tf_warning": with_solutions(release_nb, {"zero_pad": TF_WARNING_IN_ZERO_PAD}),
        "deleted_test_cell": deleted,
        "patched_checks": with_solutions(release_nb, {"conv_forward": ZEROS_WITH_PATCHED_CHECKS}),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    release_nb = new_course(root, CHAPTER)
    for student, nb in submissions(release_nb).items():
        submit(root, CHAPTER, student, nb)
    corrupt = root / "submitted" / "corrupt" / CHAPTER
    corrupt.mkdir(parents=True)
    (corrupt / f"{CHAPTER}.ipynb").write_text('{"cells": [{"cell_type": "code", "sour')
    return {"root": root, **grade_class(root, CHAPTER)}


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_submission_gets_exactly_its_points(graded, student):
    assert scores(graded["root"], CHAPTER, student) == EXPECTED[student]


def test_solved_chapter_runs_top_to_bottom_without_an_error(graded):
    path = graded["root"] / "autograded" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    assert errors_in(path) == []


def test_nobody_else_failed(graded):
    assert graded["failed"] == {}


def test_corrupt_submission_is_set_aside_with_a_reason(graded):
    assert list(graded["set_aside"]) == ["corrupt"]
    why = graded["root"] / "submitted_unreadable" / "corrupt" / CHAPTER / "WHY.txt"
    assert "01_convolution.ipynb" in why.read_text()


def test_export_has_one_row_per_graded_student_with_the_right_total(graded):
    with graded["grades_csv"].open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        assert float(rows[student]["score"]) == sum(expected.values())
        assert float(rows[student]["max_score"]) == sum(max_points(CHAPTER).values())


@pytest.mark.parametrize("student", list(EXPECTED))
def test_feedback_never_shows_hidden_tests(graded, student):
    assert len(hidden_test_lines(CHAPTER)) > 20
    assert leaked_hidden_lines(graded["root"], CHAPTER, student) == []


def test_hidden_test_lines_are_there_before_feedback_strips_them(graded):
    """The leak check above can fail: the autograded notebook does contain the hidden code."""
    autograded = graded["root"] / "autograded" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    assert "checks.random_conv_cases(seed=303" in autograded.read_text()


def test_feedback_of_a_hidden_failure_says_what_differs(graded):
    page = graded["root"] / "feedback" / "patched_checks" / CHAPTER / f"{CHAPTER}.html"
    text = visible_text(page)
    assert "conv_forward: Z differs from tf.nn.conv2d" in text
    assert HIDDEN_NOTE in text


def test_ignore_pattern_is_what_lets_the_tf_warning_cell_score():
    """Without the configured pattern, the stderr a TF warning writes would cost the points."""
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.utils import determine_grade

    warning = "WARNING:tensorflow:5 out of the last 5 calls triggered tf.function retracing.\n"
    cell = new_code_cell("checks.check_zero_pad(zero_pad)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1, "grade_id": "t"}
    cell.outputs = [new_output("stream", name="stderr", text=warning)]
    assert determine_grade(cell)[0] == 0
    assert re.search(IGNORED_STDERR_PATTERN, warning)


@pytest.fixture(scope="module")
def unruly(tmp_path_factory):
    """A learner whose function never returns, and one whose notebook kills its kernel.

    Graded with a 45 s cell timeout (the course's is 300 s) to keep the test short.
    """
    root = tmp_path_factory.mktemp("unruly")
    release_nb = new_course(root, CHAPTER)
    forever = "def conv_single_step(a_slice_prev, W, b):\n    while True:\n        pass\n"
    submit(root, CHAPTER, "infinite_loop", with_solutions(release_nb, {
        "conv_single_step": forever, "conv_forward": SOLUTIONS["conv_forward"]}))  # fmt: skip
    submit(root, CHAPTER, "kills_kernel", with_solutions(release_nb, {
        "zero_pad": "import os\n\nos._exit(1)\n", "conv_forward": SOLUTIONS["conv_forward"]}))  # fmt: skip
    return {"root": root, **grade_class(root, CHAPTER, "--Execute.timeout=45")}


def test_an_infinite_loop_costs_only_its_own_cell(unruly):
    assert scores(unruly["root"], CHAPTER, "infinite_loop") == only(CHAPTER, "test_conv_forward")


def test_a_killed_kernel_is_reported_and_the_class_still_graded(unruly):
    assert list(unruly["failed"]) == ["kills_kernel"]
    with unruly["grades_csv"].open() as handle:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {"infinite_loop": 3.0, "kills_kernel": 0.0}
