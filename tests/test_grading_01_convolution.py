"""Chapter 01's own grading assertions, beyond the contract (tests/test_grading_contract.py).

The contract grades chapter 01's class once per run, with three extra students whose scores
it checks: `tf_warning` (TensorFlow logs a warning to stderr in a passing test cell),
`deleted_test_cell` (nbgrader puts the cell back) and `patched_checks` (a learner who replaces
the checks by functions that accept anything). Here: what the patched learner's feedback says,
and that the stderr pattern is what lets the warning cell score. A second, small class (an
infinite loop, a killed kernel) is graded with a short cell timeout, which the contract's run
must not have.
"""

from __future__ import annotations

import csv
import re

import pytest
from grading_harness import Submission, grade_class
from test_grading_contract import contract

from helpers.grading.config import IGNORED_STDERR_PATTERN
from helpers.grading.feedback import HIDDEN_NOTE
from helpers.grading.solutions import solution_cells

pytestmark = pytest.mark.slow

CHAPTER = "01_convolution"


@pytest.fixture
def graded(graded_class):
    """Chapter 01's contract class, graded once per run (see conftest.py)."""
    return graded_class(contract(CHAPTER))


def test_feedback_of_a_hidden_failure_says_what_differs(graded):
    text = graded.feedback_text("patched_checks")
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


CONV_FORWARD = solution_cells(CHAPTER)["conv_forward"]
FOREVER = "def conv_single_step(a_slice_prev, W, b):\n    while True:\n        pass\n"
KILL_KERNEL = "import os\n\nos._exit(1)\n"
UNRULY = {
    "infinite_loop": Submission(
        written={"conv_single_step": FOREVER, "conv_forward": CONV_FORWARD},
        passes=("test_conv_forward",),
    ),
    "kills_kernel": Submission(written={"zero_pad": KILL_KERNEL, "conv_forward": CONV_FORWARD}),
}


@pytest.fixture(scope="module")
def unruly(tmp_path_factory):
    """A learner whose function never returns, and one whose notebook kills its kernel.

    Graded with a 45 s cell timeout (the course's is 300 s) to keep the test short; the
    contract's class is graded with the course's own settings, so this is a class of its own.
    """
    return grade_class(tmp_path_factory.mktemp("unruly"), CHAPTER, UNRULY, "--Execute.timeout=45")


def test_an_infinite_loop_costs_only_its_own_cell(unruly):
    expected = UNRULY["infinite_loop"].expected_scores(CHAPTER)
    assert unruly.scores("infinite_loop") == expected


def test_a_killed_kernel_is_reported_and_the_class_still_graded(unruly):
    assert list(unruly.failed) == ["kills_kernel"]
    with unruly.grades_csv.open() as handle:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {"infinite_loop": 3.0, "kills_kernel": 0.0}
