"""The end-to-end grading contract, for every chapter: real nbgrader, in a temporary course.

Each chapter's class (CONTRACTS, one entry per chapter) is handed in, autograded, given
feedback and exported once per test run (the `graded_class` fixture in conftest.py); the
solved submission is the chapter's one execution per run. Every chapter must then meet the
same contract:

- blank scores 0 on every test cell, solved scores full marks with no error in any cell, and
  a notebook with one function written scores exactly that function's points;
- the autograded notebook holds every hidden-test line (read from the instructor notebook), and
  no feedback page shows any of them;
- a corrupt file is set aside with a WHY.txt that names it, and the rest of the class is graded;
- the export has one row per student, with the right total (0 and the reason for the corrupt
  file).

A new chapter adds one entry to CONTRACTS. Its own file (tests/test_grading_NN_*.py) keeps
only its extra assertions, on the same graded class; the students those need go in the entry's
`extra`, so that they are graded in the same run.
"""

from __future__ import annotations

import csv

import pytest
from grading_harness import CORRUPT_STUDENT, Contract, Submission, max_points
from solution_harness import replaced

from helpers.grading.execute import errors
from helpers.grading.solutions import hidden_test_lines, solution_cells

pytestmark = pytest.mark.slow

# Chapter 01's extra students (asserted on in tests/test_grading_01_convolution.py): a test
# cell whose passing code makes TensorFlow log a warning to stderr, a learner who deletes a
# test cell, and one who replaces the visible checks by functions that accept anything.
CONVOLUTION = solution_cells("01_convolution")
TF_WARNING_IN_ZERO_PAD = replaced(
    CONVOLUTION["zero_pad"],
    (
        "    return X_pad",
        # TensorFlow's logger by name (tf.get_logger() is this logger): chapter 01's exercises
        # are from scratch, so the grader runs them without TensorFlow.
        "    import logging\n"
        '    logging.getLogger("tensorflow").warning("5 out of the last 5 calls triggered '
        'tf.function retracing.")\n'
        "    return X_pad",
    ),
)
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

CONTRACTS = [
    Contract(
        "01_convolution",
        only="conv_forward",
        min_hidden_lines=21,
        extra={
            "tf_warning": Submission(
                written={"zero_pad": TF_WARNING_IN_ZERO_PAD}, passes=("test_zero_pad",)
            ),
            "deleted_test_cell": Submission(
                written={"conv_forward": CONVOLUTION["conv_forward"]},
                passes=("test_conv_forward",),
                deleted_cells=("test_conv_forward",),
            ),
            "patched_checks": Submission(written={"conv_forward": ZEROS_WITH_PATCHED_CHECKS}),
        },
    ),
    Contract("02_keras_classics", only="conv_layer_params", min_hidden_lines=16),
    Contract("03_resnets", only="convolutional_block", min_hidden_lines=16),
    Contract("04_efficient_nets", only="conv_cost", min_hidden_lines=30),
    Contract("05_object_detection", only="iou", min_hidden_lines=21),
    Contract("06_segmentation", only="mean_iou", min_hidden_lines=20),
    Contract("07_face_verification", only="choose_threshold", min_hidden_lines=16),
    Contract("08_style_transfer", only="gram_matrix", min_hidden_lines=20),
]


def contract(chapter: str) -> Contract:
    """The entry of `chapter` in CONTRACTS (for the chapter's own test file).

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
    """
    (entry,) = [entry for entry in CONTRACTS if entry.chapter == chapter]
    return entry


EACH_CHAPTER = pytest.mark.parametrize("entry", CONTRACTS, ids=[c.chapter for c in CONTRACTS])
# Every student of every chapter's class, named chapter-student in the test ids.
STUDENTS = [(entry, student) for entry in CONTRACTS for student in entry.students()]
EACH_STUDENT = pytest.mark.parametrize(
    ("entry", "student"),
    STUDENTS,
    ids=[f"{entry.chapter}-{student}" for entry, student in STUDENTS],
)


def test_every_chapter_has_one_entry():
    from helpers.grading import chapters

    assert sorted(entry.chapter for entry in CONTRACTS) == chapters.names()


@EACH_STUDENT
def test_each_submission_gets_exactly_its_points(graded_class, entry, student):
    expected = entry.students()[student].expected_scores(entry.chapter)
    assert graded_class(entry).scores(student) == expected


@EACH_CHAPTER
def test_solved_chapter_runs_top_to_bottom_without_an_error(graded_class, entry):
    assert errors(graded_class(entry).autograded("solved")) == []


@EACH_CHAPTER
def test_only_the_corrupt_file_is_set_aside_and_nobody_failed(graded_class, entry):
    graded = graded_class(entry)
    assert list(graded.set_aside) == [CORRUPT_STUDENT]
    assert graded.failed == {}
    why = graded.chapter.unreadable_folder(CORRUPT_STUDENT) / "WHY.txt"
    assert graded.chapter.notebook_name in why.read_text()
    assert not graded.chapter.submitted_folder(CORRUPT_STUDENT).exists()


@EACH_CHAPTER
def test_export_has_one_row_per_graded_student_with_the_right_total(graded_class, entry):
    with graded_class(entry).grades_csv.open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    # The corrupt file has a row too: 0 points, and why it could not be graded.
    assert set(rows) == {*entry.students(), CORRUPT_STUDENT}
    assert float(rows[CORRUPT_STUDENT]["score"]) == 0
    assert graded_class(entry).chapter.notebook_name in rows[CORRUPT_STUDENT]["not_graded_because"]
    for student, submission in entry.students().items():
        expected = submission.expected_scores(entry.chapter)
        assert float(rows[student]["score"]) == sum(expected.values()), student
        assert float(rows[student]["max_score"]) == sum(max_points(entry.chapter).values())


@EACH_CHAPTER
def test_hidden_test_lines_are_there_before_feedback_strips_them(graded_class, entry):
    """The leak check below can fail: the autograded notebook does hold the hidden code."""
    lines = hidden_test_lines(entry.chapter)
    assert len(lines) >= entry.min_hidden_lines
    autograded = graded_class(entry).autograded("solved")
    code = "\n".join(cell.source for cell in autograded.cells if cell.cell_type == "code")
    assert [line for line in lines if line not in code] == []


@EACH_STUDENT
def test_feedback_never_shows_hidden_tests(graded_class, entry, student):
    assert len(hidden_test_lines(entry.chapter)) >= entry.min_hidden_lines
    assert graded_class(entry).leaked_hidden_lines(student) == []
