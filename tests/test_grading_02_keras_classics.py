"""The whole nbgrader pipeline, for real, on chapter 02, in a temporary copy of the course.

A class of three hands in: a blank notebook, the solved one, and one with only
`conv_layer_params` written. Autograding the solved submission is the chapter's one execution
per test run (it trains LeNet-5 and builds AlexNet and VGG-16).
"""

from __future__ import annotations

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
    with_solutions,
)

from helpers.grading.solutions import solution_cells

pytestmark = pytest.mark.slow

CHAPTER = "02_keras_classics"
SOLUTIONS = solution_cells(CHAPTER)
EXPECTED = {
    "blank": dict.fromkeys(max_points(CHAPTER), 0.0),
    "solved": max_points(CHAPTER),
    "only_conv_layer_params": only(CHAPTER, "test_conv_layer_params"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    release_nb = new_course(root, CHAPTER)
    submissions = {
        "blank": with_solutions(release_nb, {}),
        "solved": with_solutions(release_nb, SOLUTIONS),
        "only_conv_layer_params": with_solutions(
            release_nb, {"conv_layer_params": SOLUTIONS["conv_layer_params"]}
        ),
    }
    for student, nb in submissions.items():
        submit(root, CHAPTER, student, nb)
    return {"root": root, **grade_class(root, CHAPTER)}


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_submission_gets_exactly_its_points(graded, student):
    assert scores(graded["root"], CHAPTER, student) == EXPECTED[student]


def test_solved_chapter_runs_top_to_bottom_without_an_error(graded):
    path = graded["root"] / "autograded" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    assert errors_in(path) == []
    text = path.read_text()
    assert "VGG-16: 138,357,544 parameters" in text
    assert "LeNet-5: 61,706 parameters, test accuracy" in text


def test_blank_notebook_fails_at_the_learner_code(graded):
    """A blank submission errors where it needs the learner's functions, and nowhere else."""
    path = graded["root"] / "autograded" / "blank" / CHAPTER / f"{CHAPTER}.ipynb"
    errors = errors_in(path)
    assert errors and {name for _, name, _ in errors} <= {"NotImplementedError", "CheckFailed", "NameError"}  # fmt: skip
    assert all(cell_id not in ("environment-check", "imports") for cell_id, _, _ in errors)


@pytest.mark.parametrize("student", list(EXPECTED))
def test_feedback_never_shows_hidden_tests(graded, student):
    assert len(hidden_test_lines(CHAPTER)) > 15
    assert leaked_hidden_lines(graded["root"], CHAPTER, student) == []
