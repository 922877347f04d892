"""Chapter 05's own grading assertions, beyond the contract (tests/test_grading_contract.py).

They read the class the contract grades once per run (blank, solved, only iou): the solved
run trains the detector, which must meet the quality floor and agree with pycocotools, and a
blank notebook stops training at the learner's first unwritten function.
"""

from __future__ import annotations

import re

import pytest
from test_grading_contract import contract

from helpers.grading.execute import stdout_text

pytestmark = pytest.mark.slow

CHAPTER = "05_object_detection"
MAP_LINE = re.compile(
    r"mAP@0\.5 on 200 held-out scenes: ([\d.]+) \(course\), ([\d.]+) \(pycocotools\)"
)


@pytest.fixture
def graded(graded_class):
    """Chapter 05's contract class, graded once per run (see conftest.py)."""
    return graded_class(contract(CHAPTER))


def test_solved_chapter_meets_the_quality_floor_and_agrees_with_pycocotools(graded):
    found = MAP_LINE.search(stdout_text(graded.autograded("solved")))
    assert found, "the chapter prints its mAP"
    course, coco = float(found[1]), float(found[2])
    assert course >= 0.8
    assert abs(course - coco) <= 1e-3


def test_blank_training_stops_at_the_learners_function(graded):
    """A blank notebook fails fast: the training cell stops at the unwritten encode_targets."""
    nb = graded.autograded("blank")
    training = next(cell for cell in nb.cells if "yolo.fit(" in cell.source)
    (error,) = [output for output in training.outputs if output.output_type == "error"]
    assert error.ename == "NotImplementedError"
    assert not any(
        output.output_type == "stream" and "epoch" in output.text for output in training.outputs
    )
