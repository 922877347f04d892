"""Chapter 06's own grading assertions, beyond the contract (tests/test_grading_contract.py).

They read the class the contract grades once per run (blank, solved, only mean_iou): the solved
run is the chapter's one execution, and must show a brief training that visibly learns, the
loaded U-Net at the quality floor, and the ablation's U-Net ahead of its twin without skips; a
blank notebook fails at the learner's first unwritten function, before any training.
"""

from __future__ import annotations

import re

import pytest
from test_grading_contract import contract

from helpers.grading.execute import errors, stdout_text

pytestmark = pytest.mark.slow

CHAPTER = "06_segmentation"
BRIEF = re.compile(r"brief training: .* test mean IoU ([\d.]+) before, ([\d.]+) after")
PRETRAINED = re.compile(r"pre-trained U-Net: test mean IoU ([\d.]+) on ([\d,]+) test scenes")
ABLATION = re.compile(r"(U-Net|without skips) *: mean IoU ([\d.]+), boundary accuracy ([\d.]+)%")
FLOOR = 0.85  # the chapter's quality floor (issue 12)


@pytest.fixture
def graded(graded_class):
    """Chapter 06's contract class, graded once per run (see conftest.py)."""
    return graded_class(contract(CHAPTER))


def test_the_brief_training_learns_and_the_loaded_unet_meets_the_floor(graded):
    printed = stdout_text(graded.autograded("solved"))
    brief, pretrained = BRIEF.search(printed), PRETRAINED.search(printed)
    assert brief and pretrained, "the chapter prints both mean IoUs"
    assert float(brief[2]) >= float(brief[1]) + 0.1  # visibly learns
    assert float(pretrained[1]) >= FLOOR
    assert int(pretrained[2].replace(",", "")) >= 1000


def test_the_skips_win_the_ablation_in_mean_iou_and_at_the_boundaries(graded):
    found = {name: (float(miou), float(boundary)) for name, miou, boundary in
             ABLATION.findall(stdout_text(graded.autograded("solved")))}  # fmt: skip
    assert set(found) == {"U-Net", "without skips"}, found
    assert found["U-Net"][0] > found["without skips"][0] + 0.05
    assert found["U-Net"][1] > found["without skips"][1]


def test_blank_notebook_fails_at_the_learner_code_before_any_training(graded):
    nb = graded.autograded("blank")
    found = errors(nb)
    assert found
    assert {name for _, name, _ in found} <= {"NotImplementedError", "CheckFailed", "NameError"}
    assert all(cell_id not in ("environment-check", "imports", "scenes") for cell_id, _, _ in found)
    cell = next(c for c in nb.cells if c.get("id") == "brief-training")
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert error.ename == "NotImplementedError"
    assert not any(o.output_type == "stream" and "brief training" in o.text for o in cell.outputs)
