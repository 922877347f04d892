"""Every instructor notebook follows the authoring guide (assignments/AUTHORING.md), and the
learner copies in notebooks/ are exactly what `make release` generates from them."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.grading import chapters, course
from helpers.grading.config import COURSE_ROOT, LEARNER_NOTEBOOKS_DIR
from helpers.grading.solutions import hidden_test_lines, source_notebook

CHAPTERS = chapters.names()


def load(chapter):
    return source_notebook(chapter)


def source_text(chapter):
    return "\n".join(c.source for c in load(chapter).cells)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_is_valid_and_has_no_outputs(chapter):
    nb = load(chapter)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    ids = [c.get("id") for c in nb.cells]
    assert len(ids) == len(set(ids)) and all(ids)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_with_the_environment_check(chapter):
    first_code = next(c for c in load(chapter).cells if c.cell_type == "code")
    assert first_code.id == "environment-check"
    assert f'check_environment(chapter="{chapter}")' in first_code.source


def test_every_chapter_has_the_same_environment_check_apart_from_its_name():
    """AUTHORING.md: the cell is copied from chapter 01 with the chapter's name; it must not drift."""
    checks = {}
    for chapter in CHAPTERS:
        cell = next(c for c in load(chapter).cells if c.get("id") == "environment-check")
        checks[chapter] = cell.source.replace(chapter, "<chapter>")
    assert "<chapter>" in checks["01_convolution"]
    differ = [chapter for chapter in CHAPTERS if checks[chapter] != checks["01_convolution"]]
    assert differ == [], f"environment-check differs from chapter 01's in {differ}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_solution_has_a_graded_test_cell_after_it(chapter):
    cells = load(chapter).cells
    solutions = [nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c).get("solution")]
    tests = {nbgrader_meta(c)["grade_id"]: c for c in cells if nbgrader_meta(c).get("grade")}
    assert solutions, "a chapter has graded exercises"
    for grade_id in solutions:
        test = tests.get(f"test_{grade_id}")
        assert test is not None, f"no test_{grade_id} cell"
        assert nbgrader_meta(test)["points"] > 0 and nbgrader_meta(test)["locked"]
        assert "### BEGIN HIDDEN TESTS" in test.source and "### END HIDDEN TESTS" in test.source
        solution = next(c for c in cells if nbgrader_meta(c).get("grade_id") == grade_id)
        assert "### BEGIN SOLUTION" in solution.source and '"""' in solution.source, grade_id
        assert cells.index(solution) < cells.index(test)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_ends_with_recap_questions_and_references(chapter):
    text = "\n".join(c.source for c in load(chapter).cells if c.cell_type == "markdown")
    for heading in ("## Recap", "## Check your understanding", "## References"):
        assert heading in text, heading


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_never_points_to_lecture_notes_the_learner_does_not_have(chapter):
    """A self-paced learner has no lecture notes: a wrong version of a fact is named as a common
    misconception, with the primary source (AUTHORING.md)."""
    text = "\n".join(c.source for c in load(chapter).cells if c.cell_type == "markdown")
    found = re.findall(r"[^.\n]*lecture notes?[^.\n]*", text, flags=re.IGNORECASE)
    assert not found, f"{chapter} mentions lecture notes: {found}"


def test_chapter_01_grades_the_functions_the_syllabus_names():
    cells = load("01_convolution").cells
    graded = {nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c).get("solution")}
    assert {"zero_pad", "conv_single_step", "conv_forward", "pool_forward", "conv_backward",
            "pool_backward"} <= graded  # fmt: skip


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_learner_notebook_has_no_hidden_test(chapter):
    path = chapters.get(chapter).learner_notebook()
    assert "BEGIN HIDDEN TESTS" not in path.read_text()
    learner = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    hidden = hidden_test_lines(chapter)
    assert hidden, "every test cell has hidden tests, so there are lines to look for"
    assert [line for line in hidden if line in learner] == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_learner_notebook_has_no_solution(chapter):
    learner = chapters.get(chapter).learner_notebook().read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in learner
    solution_lines = {
        line.strip()
        for c in load(chapter).cells
        if nbgrader_meta(c).get("solution")
        for line in re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", c.source, re.S)
        .group(1)
        .splitlines()
        if len(line.strip()) > 25
    }
    # Lines the text gives away on purpose (a formula in a docstring, a hint in the prose)
    # appear outside the solution regions too; only the others would be a leak.
    given = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", "", source_text(chapter), flags=re.S)
    leaked = [line for line in solution_lines if line in learner and line not in given]
    assert leaked == []


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_learner_notebooks_are_up_to_date(chapter):
    course.check_release(COURSE_ROOT, chapter, LEARNER_NOTEBOOKS_DIR)
