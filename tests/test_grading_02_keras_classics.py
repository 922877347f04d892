"""Chapter 02's own grading assertions, beyond the contract (tests/test_grading_contract.py).

They read the class the contract grades once per run (blank, solved, only conv_layer_params):
the solved run prints the figures the chapter is about, and a blank notebook fails only where
it needs the learner's code.
"""

from __future__ import annotations

import re

import pytest
from test_grading_contract import contract

from helpers.grading.execute import errors, stdout_text

pytestmark = pytest.mark.slow

CHAPTER = "02_keras_classics"


@pytest.fixture
def graded(graded_class):
    """Chapter 02's contract class, graded once per run (see conftest.py)."""
    return graded_class(contract(CHAPTER))


def test_solved_chapter_prints_the_vgg_and_lenet_figures(graded):
    printed = stdout_text(graded.autograded("solved"))
    assert "VGG-16: 138,357,544 parameters" in printed
    assert "LeNet-5: 61,706 parameters, test accuracy" in printed


def test_solved_lenet5_meets_the_quality_floor_and_its_training_check(graded):
    """The syllabus' floor for the chapter's own LeNet-5 (98 % of the test digits), and the
    visible check of train_lenet5 passing on its own split (at least 97 %)."""
    printed = stdout_text(graded.autograded("solved"))
    accuracy = float(re.search(r"LeNet-5: [\d,]+ parameters, test accuracy ([\d.]+)%", printed)[1])
    assert accuracy >= 98.0
    checked = re.search(r"\N{CHECK MARK} train_lenet5: .*; ([\d.]+)% of 360 digits", printed)
    assert checked and float(checked[1]) >= 97.0


def test_blank_notebook_fails_at_the_learner_code(graded):
    """A blank submission errors where it needs the learner's functions, and nowhere else."""
    found = errors(graded.autograded("blank"))
    assert found
    assert {name for _, name, _ in found} <= {"NotImplementedError", "CheckFailed", "NameError"}
    assert all(cell_id not in ("environment-check", "imports") for cell_id, _, _ in found)


def progress_lines(cell) -> list[str]:
    """The progress bars a cell showed (helpers.viz.common.Progress), as saved: the last line."""
    return [
        output["data"]["text/plain"]
        for output in cell.get("outputs", [])
        if output.output_type == "display_data"
        and " elapsed" in output.get("data", {}).get("text/plain", "")
    ]


def test_the_long_trainings_show_one_progress_line_each(graded):
    """The chapter's LeNet-5 training and the check of train_lenet5 (the cells that take more
    than a few seconds) show a one-line bar that ends with the time taken, and no epoch lines."""
    cells = [cell for cell in graded.autograded("solved").cells if cell.cell_type == "code"]
    training = next(cell for cell in cells if "train_lenet5(lenet, X_train_aug" in cell.source)
    check = next(cell for cell in cells if cell.source.startswith("checks.check_train_lenet5("))
    done = r"\[#{20}\] 4/4 epochs, \d+:\d\d elapsed, done \| loss [\d.]+"
    [line] = progress_lines(training)
    assert re.fullmatch(rf"training LeNet-5 {done}", line), line
    # The visible check trains a fresh LeNet-5 with one bar; the hidden case is not in the
    # kernel at all (the learner's function trains for it in the grader's sandboxed process).
    [line] = progress_lines(check)
    assert re.fullmatch(rf"training a fresh LeNet-5 with your train_lenet5 {done}", line), line
    assert "Epoch 1/" not in stdout_text(graded.autograded("solved"))
