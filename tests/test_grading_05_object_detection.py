"""The whole nbgrader pipeline, for real, on chapter 05, in a temporary copy of the course.

A blank notebook, a solved one and one with only `iou` solved are autograded (the solved one is
the chapter's one execution per test run: it trains the detector), feedback is generated, and
the tests read the results: the points, the feedback pages, the solved run's error-free output
and its mAP.
"""

from __future__ import annotations

import re

import nbformat
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

CHAPTER = "05_object_detection"
SOLUTIONS = solution_cells(CHAPTER)
EXPECTED = {
    "blank": dict.fromkeys(max_points(CHAPTER), 0.0),
    "solved": max_points(CHAPTER),
    "only_iou": only(CHAPTER, "test_iou"),
}
MAP_LINE = re.compile(
    r"mAP@0\.5 on 200 held-out scenes: ([\d.]+) \(course\), ([\d.]+) \(pycocotools\)"
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    release_nb = new_course(root, CHAPTER)
    submit(root, CHAPTER, "blank", with_solutions(release_nb, {}))
    submit(root, CHAPTER, "solved", with_solutions(release_nb, SOLUTIONS))
    submit(root, CHAPTER, "only_iou", with_solutions(release_nb, {"iou": SOLUTIONS["iou"]}))
    return {"root": root, **grade_class(root, CHAPTER)}


def autograded(graded, student: str):
    return graded["root"] / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_submission_gets_exactly_its_points(graded, student):
    assert scores(graded["root"], CHAPTER, student) == EXPECTED[student]


def test_nobody_failed(graded):
    assert graded["failed"] == {} and graded["set_aside"] == {}


def test_solved_chapter_runs_top_to_bottom_without_an_error(graded):
    assert errors_in(autograded(graded, "solved")) == []


def test_solved_chapter_meets_the_quality_floor_and_agrees_with_pycocotools(graded):
    nb = nbformat.read(autograded(graded, "solved"), as_version=4)
    text = "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    found = MAP_LINE.search(text)
    assert found, "the chapter prints its mAP"
    course, coco = float(found[1]), float(found[2])
    assert course >= 0.8
    assert abs(course - coco) <= 1e-3


def test_blank_training_stops_at_the_learners_function(graded):
    """A blank notebook fails fast: the training cell stops at the unwritten encode_targets."""
    nb = nbformat.read(autograded(graded, "blank"), as_version=4)
    training = next(cell for cell in nb.cells if "yolo.fit(" in cell.source)
    (error,) = [output for output in training.outputs if output.output_type == "error"]
    assert error.ename == "NotImplementedError"
    assert not any(
        output.output_type == "stream" and "epoch" in output.text for output in training.outputs
    )


@pytest.mark.parametrize("student", list(EXPECTED))
def test_feedback_never_shows_hidden_tests(graded, student):
    assert len(hidden_test_lines(CHAPTER)) > 20
    assert leaked_hidden_lines(graded["root"], CHAPTER, student) == []


def test_hidden_test_lines_are_there_before_feedback_strips_them(graded):
    """The leak check above can fail: the autograded notebook does contain the hidden code."""
    assert "checks.random_map_cases(seed=509" in autograded(graded, "solved").read_text()
