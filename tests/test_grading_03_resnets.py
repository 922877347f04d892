"""Chapter 03's own grading assertions, beyond the contract (tests/test_grading_contract.py).

They read the class the contract grades once per run (blank, solved, only
convolutional_block): the solved run is the chapter's one execution, and must show the
degradation gap (the plain network's final training loss above the residual one's), a brief
training that learns, and the pre-trained small ResNet at the quality floor; a blank notebook
fails at the learner's first unwritten block, before any training.
"""

from __future__ import annotations

import re

import pytest
from test_grading_contract import contract

from helpers.grading.execute import errors, stdout_text

pytestmark = pytest.mark.slow

CHAPTER = "03_resnets"
FINAL_LOSS = re.compile(r"final training loss, (plain|residual)_(\d+): ([\d.]+)")
BRIEF = re.compile(
    r"brief training: .* test accuracy ([\d.]+)% on [\d,]+ easy test images \(chance: 20%\)"
)
PRETRAINED = re.compile(
    r"pre-trained weights: test accuracy ([\d.]+)% on ([\d,]+) test images of the full data"
)
FLOOR = 95.0  # the chapter's quality floor, percent (SYLLABUS, issue 10)
CHANCE = 100 / 5  # five classes, balanced


@pytest.fixture
def graded(graded_class):
    """Chapter 03's contract class, graded once per run (see conftest.py)."""
    return graded_class(contract(CHAPTER))


def test_the_plain_network_ends_with_the_higher_training_loss(graded):
    found = FINAL_LOSS.findall(stdout_text(graded.autograded("solved")))
    losses = {kind: float(loss) for kind, _, loss in found}
    depths = {int(depth) for _, depth, _ in found}
    assert set(losses) == {"plain", "residual"} and len(depths) == 1, found
    # Degradation, not noise: the gap is a sizeable part of the plain network's loss.
    assert losses["plain"] - losses["residual"] > 0.1 * losses["plain"]


def test_the_small_resnet_learns_briefly_and_meets_the_floor_with_its_weights(graded):
    printed = stdout_text(graded.autograded("solved"))
    brief, pretrained = BRIEF.search(printed), PRETRAINED.search(printed)
    assert brief and pretrained, "the chapter prints both accuracies"
    assert float(brief[1]) >= CHANCE + 10  # visibly learns: well above chance
    assert float(pretrained[1]) >= FLOOR
    assert int(pretrained[2].replace(",", "")) >= 1000


def test_blank_notebook_fails_at_the_learner_code_before_any_training(graded):
    nb = graded.autograded("blank")
    found = errors(nb)
    assert found
    assert {name for _, name, _ in found} <= {"NotImplementedError", "CheckFailed", "NameError"}
    assert all(cell_id not in ("environment-check", "imports") for cell_id, _, _ in found)
    for cell_id in ("deep-nets", "brief-training"):
        cell = next(c for c in nb.cells if c.get("id") == cell_id)
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert error.ename == "NotImplementedError"
        assert not any(o.output_type == "stream" and "trained in" in o.text for o in cell.outputs)
