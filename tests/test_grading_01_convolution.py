"""Chapter 01's own grading assertions, beyond the contract (tests/test_grading_contract.py).

The contract grades chapter 01's class once per run, with three extra students whose scores
it checks: `tf_warning` (TensorFlow logs a warning to stderr in a passing test cell),
`deleted_test_cell` (nbgrader puts the cell back) and `patched_checks` (a learner who replaces
the checks by functions that accept anything). Here: what the patched learner's feedback says,
and that the stderr pattern is what lets the warning cell score. Infinite loops, killed
kernels and every other unruly or hostile submission are graded in one class of their own,
with tight limits: tests/test_grading_hostile.py.
"""

from __future__ import annotations

import re

import pytest
from test_grading_contract import contract

from helpers.grading.config import IGNORED_STDERR_PATTERN
from helpers.grading.feedback import HIDDEN_NOTE

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
