"""Chapter 05's own grading assertions, beyond the contract (tests/test_grading_contract.py).

They read the class the contract grades once per run (blank, solved, only iou): the solved
run trains the localiser twice and the detector once. The localiser trained with a log-loss
on the class must classify well, and the squared-error one is reported beside it; the detector
must meet the quality floor and agree with pycocotools; the threshold playground's scene must
respond to both sliders; and a blank notebook stops training at the learner's first unwritten
function.
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
LOCALISER_LINE = re.compile(
    r"(squared error|log-loss) on the class \(\d+ s\): object / no object right (\d+)%, "
    r"box centre off by ([\d.]+) px, class right (\d+)%\n"
    r" +class right after each epoch: ((?:\d+% ?)+)"
)
PLAYGROUND_LINE = re.compile(
    r"scene \d+, (\d+) objects: (\d+) boxes with score >= 0\.1 -> (\d+) kept after NMS at IoU 0\.5; "
    r"score >= 0\.5: (\d+) kept; NMS at IoU 0\.9: (\d+) kept"
)


def assert_the_texts_localiser_claims(squared: list[int], log_loss: list[int]) -> None:
    """What the text says of the two learning curves (class accuracy in % after each epoch): the
    log-loss is ahead after the first epoch and ends higher; the squared error is far from
    chance (20 %) and not far behind, within 10 points."""
    assert all(log > sq for log, sq in zip(log_loss[1:], squared[1:], strict=True))
    assert squared[-1] >= 60 and 0 <= log_loss[-1] - squared[-1] <= 10


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


def test_solved_localiser_classifies_well_with_the_log_loss(graded):
    """Issue 9: the chapter's localiser (log-loss on the class) gets the class of at least 90 %
    of the test scenes with an object; both losses find the object and its box; the text's
    comparison of the two learning curves holds (assert_the_texts_localiser_claims)."""
    found = {m[1]: m for m in LOCALISER_LINE.finditer(stdout_text(graded.autograded("solved")))}
    assert set(found) == {"squared error", "log-loss"}, "the chapter prints both localisers"
    curves = {name: [int(a) for a in re.findall(r"(\d+)%", m[5])] for name, m in found.items()}
    for name, m in found.items():
        assert int(m[2]) >= 95 and float(m[3]) <= 3.0, f"{name}: object and box are learned"
        assert curves[name][-1] == int(m[4])
    assert curves["log-loss"][-1] >= 90
    assert_the_texts_localiser_claims(curves["squared error"], curves["log-loss"])


def test_playground_scene_responds_to_both_sliders(graded):
    found = PLAYGROUND_LINE.search(stdout_text(graded.autograded("solved")))
    assert found, "the playground cell prints what each slider does on its scene"
    objects, above, kept, stricter_score, looser_nms = (int(v) for v in found.groups())
    assert above > kept, "NMS removes boxes at the starting thresholds"
    assert stricter_score < kept, "raising the score threshold drops boxes"
    assert looser_nms > kept, "raising the IoU threshold lets duplicates through"
    assert stricter_score == objects, "at score 0.5, one box per object (the text says so)"


def test_blank_training_stops_at_the_learners_function(graded):
    """A blank notebook fails fast: the training cell stops at the unwritten encode_targets."""
    nb = graded.autograded("blank")
    for marker in ("yolo.fit(", "train_localiser(loss, label="):
        training = next(cell for cell in nb.cells if marker in cell.source)
        (error,) = [output for output in training.outputs if output.output_type == "error"]
        assert error.ename == "NotImplementedError"
        assert not any(
            output.output_type == "stream" and "epoch" in output.text for output in training.outputs
        )
