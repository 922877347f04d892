"""How a failed check and a learner's own bug look in a notebook, in nbgrader's autograded
notebook and in its Validate output: a check's message alone, without the check's frames; the
learner's bug with the learner's frame and line, and without the check's frames."""

import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.checks.common import CheckFailed, call_learner
from helpers.grading.execute import execute_notebook

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# A check (an ordinary helpers.checks function) and a learner's function with a bug on its
# third line, as a notebook defines and calls them.
LEARNER_CELL = """\
import numpy as np
from helpers.checks.common import CheckFailed, call_learner, expect_shape

def zero_pad(X, pad):
    rows = X.shape[1]
    return X[:, :, :, 99]  # the learner's bug: an index out of range

def wrong_shape(X, pad):
    return X
"""
CHECK_FAILS = """\
import helpers.checks.common as common
common.expect_shape("zero_pad", np.zeros((1, 4, 2, 1)), (1, 4, 4, 1), hint="Pad both axes.")
"""
LEARNER_BUG = """\
common.call_learner(zero_pad, np.zeros((1, 2, 2, 1)), 1, case="X of shape (1, 2, 2, 1)")
"""


def test_render_traceback_is_the_message_and_its_notes():
    error = CheckFailed("zero_pad: result has shape (1, 4, 2, 1); expected (1, 4, 4, 1).")
    error.add_note("This happened inside zero_pad, called on X of shape (1, 2, 2, 1).")
    assert error._render_traceback_() == [
        "CheckFailed: zero_pad: result has shape (1, 4, 2, 1); expected (1, 4, 4, 1).",
        "This happened inside zero_pad, called on X of shape (1, 2, 2, 1).",
    ]


def test_call_learner_keeps_only_the_learners_frames_outside_ipython():
    def learner(x):
        return [][x]  # IndexError on this line

    with pytest.raises(IndexError) as caught:
        call_learner(learner, 3, case="x = 3")
    rendered = "".join(caught.value._render_traceback_())
    assert "return [][x]" in rendered
    assert "in learner" in rendered
    assert "call_learner" not in rendered and "common.py" not in rendered
    assert "This happened inside learner, called on x = 3." in rendered


def error_outputs(nb):
    """{cell index: the one error output} of an executed notebook."""
    return {
        index: output
        for index, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    }


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The three cells run in one kernel, as helpers.grading runs a chapter (errors allowed)."""
    nb = new_notebook(
        cells=[new_code_cell(LEARNER_CELL), new_code_cell(CHECK_FAILS), new_code_cell(LEARNER_BUG)]
    )
    for cell in nb.cells:
        cell.metadata["tags"] = ["raises-exception"]  # nbclient runs on past an expected error
    execute_notebook(nb, tmp_path_factory.mktemp("kernel"), timeout=120)
    return nb


def test_a_failed_check_shows_its_message_alone_in_the_kernels_output(executed):
    output = error_outputs(executed)[1]
    assert output.ename == "CheckFailed"
    assert output.evalue.startswith("zero_pad: result has shape (1, 4, 2, 1)")
    traceback = ANSI.sub("", "\n".join(output.traceback))
    assert traceback == f"CheckFailed: {output.evalue}"


def test_a_learners_bug_shows_the_learners_line_and_not_the_checks_frames(executed):
    output = error_outputs(executed)[2]
    assert output.ename == "IndexError"
    traceback = ANSI.sub("", "\n".join(output.traceback))
    assert "return X[:, :, :, 99]  # the learner's bug" in traceback
    assert "zero_pad" in traceback
    assert "common.py" not in traceback and "call_learner" not in traceback
    assert "This happened inside zero_pad, called on X of shape (1, 2, 2, 1)." in traceback


@pytest.mark.slow
def test_nbgraders_validate_shows_the_message_alone(tmp_path):
    """Validate runs the notebook in nbgrader's own kernel; its report quotes the traceback."""
    from nbgrader.validator import Validator

    test_cell = new_code_cell(CHECK_FAILS, id="test_zero_pad")
    test_cell.metadata["nbgrader"] = {
        "grade": True, "solution": False, "locked": True, "points": 1,
        "grade_id": "test_zero_pad", "schema_version": 3,
    }  # fmt: skip
    nb = new_notebook(cells=[new_code_cell(LEARNER_CELL, id="learner"), test_cell])
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(nb) + "\n")
    nbformat.validate(nbformat.read(path, as_version=4))
    results = Validator().validate(str(path))
    (failed,) = results["failed"]
    error = ANSI.sub("", failed["raw_error"])
    assert (
        error
        == "CheckFailed: zero_pad: result has shape (1, 4, 2, 1); expected (1, 4, 4, 1). Pad both axes."
    )


def test_exercise_summary_counts_the_checks_that_passed(capsys):
    from helpers.checks import common

    common._PASSED.clear()
    common.passed("zero_pad", "ok")
    common.passed("conv_forward", "ok")
    # The hidden tests call the learner's function again, through call_learner: still passed.
    call_learner(lambda: None, name="conv_forward")
    with pytest.raises(
        CheckFailed, match=r"^2 of 4 exercises pass their checks; not yet: pool_forward; iou\."
    ):
        common.exercise_summary(["zero_pad", "conv_forward", "pool_forward", "iou"])
    common.exercise_summary(["zero_pad"])
    assert capsys.readouterr().out.endswith("All 1 exercises pass their checks.\n")
    common._PASSED.clear()


SUMMARY_CELL = 'common.exercise_summary(["zero_pad", "wrong_shape"])\n'
PASSING_CHECK = 'common.passed("wrong_shape", "right")\n'


def graded(source, grade_id, points):
    cell = new_code_cell(source, id=grade_id)
    cell.metadata["nbgrader"] = {
        "grade": True, "solution": False, "locked": True, "points": points,
        "grade_id": grade_id, "schema_version": 3,
    }  # fmt: skip
    return cell


@pytest.mark.slow
def test_nbgraders_validate_ends_with_the_summary(tmp_path):
    """The chapter's last graded cell (0 points) makes Validate end with "1 of 2 exercises pass"."""
    from nbgrader.validator import Validator

    cells = [
        new_code_cell(LEARNER_CELL + "import helpers.checks.common as common\n", id="learner"),
        graded(CHECK_FAILS, "test_zero_pad", 1),
        graded(PASSING_CHECK, "test_wrong_shape", 1),
        graded(SUMMARY_CELL, "exercise_summary", 0),
    ]
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps(new_notebook(cells=cells)) + "\n")
    failed = Validator().validate(str(path))["failed"]
    assert [ANSI.sub("", cell["raw_error"]) for cell in failed] == [
        "CheckFailed: zero_pad: result has shape (1, 4, 2, 1); expected (1, 4, 4, 1). Pad both axes.",
        "CheckFailed: 1 of 2 exercises pass their checks; not yet: zero_pad. Run each one's check "
        "cell after its exercise and read its message.",
    ]


@pytest.mark.parametrize(
    "chapter",
    [
        "01_convolution",
        "02_keras_classics",
        "03_resnets",
        "04_efficient_nets",
        "05_object_detection",
        "06_segmentation",
        "07_face_verification",
        "08_style_transfer",
    ],
)
def test_the_summary_cell_lists_every_exercise_and_is_worth_no_points(chapter):
    import ast
    import importlib

    from helpers.grading.solutions import solution_cells, source_notebook

    cells = {cell.get("id"): cell for cell in source_notebook(chapter).cells}
    cell = cells["exercise-summary"]
    assert cell.metadata["nbgrader"]["grade"] and cell.metadata["nbgrader"]["points"] == 0
    call = ast.parse(cell.source).body[-1].value
    assert ast.unparse(call.func) == "checks.exercise_summary"
    assert ast.literal_eval(call.args[0]) == list(solution_cells(chapter))
    slug = chapter.split("_", 1)[1]
    assert importlib.import_module(f"helpers.checks.{slug}").exercise_summary is not None
