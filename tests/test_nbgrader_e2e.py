"""The whole nbgrader pipeline, for real, on chapter 01, in a temporary copy of the course.

One module-scoped fixture generates the release, submits a handful of notebooks a class
would hand in, autogrades them (this run is also the one execution of the solved chapter
per test run), generates feedback and exports grades. The tests then read the results.
"""

from __future__ import annotations

import csv
import html
import re
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from helpers.grading import course
from helpers.grading.config import COURSE_ROOT, IGNORED_STDERR_PATTERN, SOURCE_DIR
from helpers.grading.feedback import HIDDEN_NOTE
from helpers.grading.solutions import solution_cells, source_notebook_path

pytestmark = pytest.mark.slow

CHAPTER = "01_convolution"
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def max_points() -> dict[str, float]:
    """{grade_id: points} of every graded test cell, read from the instructor notebook."""
    nb = nbformat.read(source_notebook_path(CHAPTER), as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


def with_solutions(release_nb, sources: dict[str, str]):
    """A copy of the learner notebook with some solution cells filled in, as a learner would."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
    return nb


def only(grade_id: str, points: float) -> dict[str, float]:
    scores = dict.fromkeys(max_points(), 0.0)
    scores[grade_id] = points
    return scores


SOLUTIONS = solution_cells(CHAPTER)
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
TF_WARNING_IN_ZERO_PAD = SOLUTIONS["zero_pad"].replace(
    "    return X_pad",
    '    tf.get_logger().warning("5 out of the last 5 calls triggered tf.function retracing.")\n'
    "    return X_pad",
)


def submissions(release_nb) -> dict[str, object]:
    """{student: notebook} for the class this test grades."""
    deleted = with_solutions(release_nb, {"conv_forward": SOLUTIONS["conv_forward"]})
    deleted.cells = [c for c in deleted.cells if c.get("id") != "test_conv_forward"]
    return {
        "blank": with_solutions(release_nb, {}),
        "solved": with_solutions(release_nb, SOLUTIONS),
        "only_conv_forward": with_solutions(
            release_nb, {"conv_forward": SOLUTIONS["conv_forward"]}
        ),
        "tf_warning": with_solutions(release_nb, {"zero_pad": TF_WARNING_IN_ZERO_PAD}),
        "deleted_test_cell": deleted,
        "patched_checks": with_solutions(release_nb, {"conv_forward": ZEROS_WITH_PATCHED_CHECKS}),
    }


EXPECTED = {
    "blank": dict.fromkeys(max_points(), 0.0),
    "solved": max_points(),
    "only_conv_forward": only("test_conv_forward", max_points()["test_conv_forward"]),
    "tf_warning": only("test_zero_pad", max_points()["test_zero_pad"]),
    "deleted_test_cell": only("test_conv_forward", max_points()["test_conv_forward"]),
    "patched_checks": dict.fromkeys(max_points(), 0.0),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", root)
    shutil.copytree(SOURCE_DIR / CHAPTER, root / "source" / CHAPTER)
    course.run_nbgrader(root, "generate_assignment", CHAPTER, "--force")
    release_nb = nbformat.read(root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    for student, nb in submissions(release_nb).items():
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    corrupt = root / "submitted" / "corrupt" / CHAPTER
    corrupt.mkdir(parents=True)
    (corrupt / f"{CHAPTER}.ipynb").write_text('{"cells": [{"cell_type": "code", "sour')
    set_aside = course.autograde(root, CHAPTER)
    course.feedback(root, CHAPTER)
    grades_csv = course.export_grades(root)
    return {"root": root, "set_aside": set_aside, "grades_csv": grades_csv}


def scores(root, student) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(CHAPTER, CHAPTER, student)
        return {grade.name: float(grade.score) for grade in nb.grades}


@pytest.mark.parametrize("student", list(EXPECTED))
def test_each_submission_gets_exactly_its_points(graded, student):
    assert scores(graded["root"], student) == EXPECTED[student]


def test_solved_chapter_runs_top_to_bottom_without_an_error(graded):
    path = graded["root"] / "autograded" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    nb = nbformat.read(path, as_version=4)
    errors = [
        (cell.get("id"), output.ename, output.evalue)
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    assert sum(cell.cell_type == "code" and bool(cell.outputs) for cell in nb.cells) > 10


def test_corrupt_submission_is_set_aside_with_a_reason(graded):
    assert list(graded["set_aside"]) == ["corrupt"]
    why = graded["root"] / "submitted_unreadable" / "corrupt" / CHAPTER / "WHY.txt"
    assert "01_convolution.ipynb" in why.read_text()


def test_export_has_one_row_per_graded_student_with_the_right_total(graded):
    with graded["grades_csv"].open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(EXPECTED)
    for student, expected in EXPECTED.items():
        assert float(rows[student]["score"]) == sum(expected.values())
        assert float(rows[student]["max_score"]) == sum(max_points().values())


def hidden_test_lines() -> list[str]:
    source = source_notebook_path(CHAPTER).read_text()
    nb = nbformat.reads(source, as_version=4)
    lines = []
    for cell in nb.cells:
        for region in HIDDEN_REGION.findall(cell.source):
            lines += [line.strip() for line in region.splitlines()]
    # Lines such as ")" could appear anywhere; every line that says something is checked.
    return [line for line in lines if len(re.sub(r"\W", "", line)) >= 8]


def visible_text(path) -> str:
    """The text a reader sees in an HTML page (tags removed, entities decoded)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
    return re.sub(r"\s+", " ", text)


def test_feedback_is_written_and_never_shows_hidden_tests(graded):
    hidden = hidden_test_lines()
    assert len(hidden) > 20
    for student in EXPECTED:
        page = graded["root"] / "feedback" / student / CHAPTER / f"{CHAPTER}.html"
        text = visible_text(page)
        leaked = [line for line in hidden if re.sub(r"\s+", " ", line) in text]
        assert leaked == [], f"{student}'s feedback shows hidden-test code: {leaked[:3]}"


def test_hidden_test_lines_are_there_before_feedback_strips_them(graded):
    """The leak check above can fail: the autograded notebook does contain the hidden code."""
    autograded = graded["root"] / "autograded" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    assert "checks.random_conv_cases(seed=303" in autograded.read_text()


def test_feedback_of_a_hidden_failure_says_what_differs(graded):
    page = graded["root"] / "feedback" / "patched_checks" / CHAPTER / f"{CHAPTER}.html"
    text = visible_text(page)
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
