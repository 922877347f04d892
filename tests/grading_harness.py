"""Grade a small class of notebooks through real nbgrader, in a temporary copy of the course.

A test describes each student as a `Submission` (which solution cells they wrote, which test
cells that should pass); `grade_class` builds the notebooks from the generated learner
notebook and the instructor's solution cells, hands them in, and runs the instructor's
commands (autograde, feedback, export). `Contract` is one chapter's entry in the end-to-end
grading contract (tests/test_grading_contract.py); conftest.py grades each contract's class
once per test run, and autograding its solved submission is the chapter's one execution.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from helpers.grading import chapters, course
from helpers.grading.chapters import Chapter
from helpers.grading.solutions import hidden_test_lines, solution_cells, source_notebook

# A submission cut short mid-file (an interrupted upload): not JSON, so it cannot be graded.
CORRUPT_NOTEBOOK = '{"cells": [{"cell_type": "code", "sour'
CORRUPT_STUDENT = "corrupt"  # the contract's student who hands in CORRUPT_NOTEBOOK


def max_points(chapter: str) -> dict[str, float]:
    """{grade_id: points} of every graded test cell, read from the instructor notebook.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
    """
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in source_notebook(chapter).cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


@dataclasses.dataclass(frozen=True)
class Submission:
    """What one student of a test class hands in, and the points it should get.

    Attributes:
        written: {grade_id: source} of the solution cells the student filled in; every other
            solution cell keeps the learner notebook's stub.
        passes: grade ids of the test cells that should get full points; every other test
            cell should get 0.
        deleted_cells: ids of cells the student deleted (nbgrader puts test cells back).
    """

    written: dict[str, str] = dataclasses.field(default_factory=dict)
    passes: tuple[str, ...] = ()
    deleted_cells: tuple[str, ...] = ()

    def notebook(self, release_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        """A copy of the learner notebook with this student's cells written and deleted.

        Args:
            release_nb: the learner notebook nbgrader generated (not changed).
        """
        nb = nbformat.from_dict(release_nb)
        nb.cells = [cell for cell in nb.cells if cell.get("id") not in self.deleted_cells]
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in self.written:
                cell.source = self.written[grade_id]
        return nb

    def expected_scores(self, chapter: str) -> dict[str, float]:
        """{grade_id: points} this submission should get for every test cell of the chapter.

        Args:
            chapter: the chapter's name, e.g. "01_convolution".
        """
        points = max_points(chapter)
        unknown = set(self.passes) - set(points)
        assert not unknown, f"{sorted(unknown)} are not test cells of {chapter}"
        return {
            grade_id: full if grade_id in self.passes else 0.0 for grade_id, full in points.items()
        }


@dataclasses.dataclass(frozen=True)
class Contract:
    """One chapter's entry in the end-to-end grading contract.

    Attributes:
        chapter: the chapter's name, e.g. "01_convolution".
        only: the solution cell (function name) of the "only this one is written" student;
            that student should get exactly the points of test_<only>.
        min_hidden_lines: how many hidden-test lines the chapter has at least, so that the
            "feedback shows none of them" check cannot pass by finding no lines to look for.
        extra: more students, {student id: Submission}, for the chapter's own assertions
            (tests/test_grading_NN_*.py); they are graded in the same run.
    """

    chapter: str
    only: str
    min_hidden_lines: int
    extra: dict[str, Submission] = dataclasses.field(default_factory=dict)

    def students(self) -> dict[str, Submission]:
        """{student id: Submission} of the whole class: blank, solved, only_<only>, extras."""
        solutions = solution_cells(self.chapter)
        return {
            "blank": Submission(),
            "solved": Submission(written=solutions, passes=tuple(max_points(self.chapter))),
            f"only_{self.only}": Submission(
                written={self.only: solutions[self.only]}, passes=(f"test_{self.only}",)
            ),
            **self.extra,
        }


@dataclasses.dataclass(frozen=True)
class GradedClass:
    """A class graded by the instructor's commands, in a temporary course.

    Attributes:
        chapter: the chapter, with paths in the temporary course.
        set_aside: {student id: reason} of the submissions set aside as unreadable.
        failed: {student id: reason} of the submissions nbgrader could not grade.
        grades_csv: the exported grades (one row per graded student).
    """

    chapter: Chapter
    set_aside: dict[str, str]
    failed: dict[str, str]
    grades_csv: Path

    def scores(self, student: str) -> dict[str, float]:
        """{grade_id: score} of one student's autograded notebook, from the gradebook.

        Args:
            student: the student id.
        """
        with Gradebook(f"sqlite:///{self.chapter.root / 'gradebook.db'}") as gradebook:
            # nbgrader names the assignment and its one notebook after the chapter.
            nb = gradebook.find_submission_notebook(self.chapter.name, self.chapter.name, student)
            return {grade.name: float(grade.score) for grade in nb.grades}

    def autograded(self, student: str) -> nbformat.NotebookNode:
        """One student's notebook as autograded (executed, with the hidden tests).

        Args:
            student: the student id.
        """
        return nbformat.read(self.chapter.autograded_notebook(student), as_version=4)

    def feedback_text(self, student: str) -> str:
        """The text a student reads on their feedback page (see `visible_text`).

        Args:
            student: the student id.
        """
        return visible_text(self.chapter.feedback_page(student))

    def leaked_hidden_lines(self, student: str) -> list[str]:
        """Hidden-test lines that a student's feedback page shows (should be none).

        Args:
            student: the student id.
        """
        text = self.feedback_text(student)
        lines = hidden_test_lines(self.chapter.name)
        # The page's text has its spaces folded (visible_text); fold the lines' spaces too.
        return [line for line in lines if re.sub(r"\s+", " ", line) in text]


def visible_text(path: Path) -> str:
    """The text a reader sees in an HTML page (tags removed, entities decoded, spaces folded).

    Args:
        path: an HTML file.
    """
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
    return re.sub(r"\s+", " ", text)


def hand_in(
    root: Path,
    chapter: str,
    students: dict[str, Submission],
    corrupt: tuple[str, ...] = (),
    empty: tuple[str, ...] = (),
    db_url: str | None = None,
) -> Chapter:
    """Make a course with one chapter, release it and hand in each student's notebook.

    Args:
        root: an empty folder to make the course in.
        chapter: the chapter's name, e.g. "01_convolution".
        students: {student id: Submission}.
        corrupt: student ids who hand in a corrupt file (CORRUPT_NOTEBOOK) instead.
        empty: student ids who hand in an empty file.
        db_url: a gradebook URL to write into the course's nbgrader_config.py (as an
            instructor configures PostgreSQL); None keeps the SQLite default.

    Returns:
        The chapter, with paths in the new course.
    """
    copied = course.copy_chapter(chapter, root)
    if db_url:
        config = copied.root / "nbgrader_config.py"
        config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    course.run_nbgrader(copied.root, "generate_assignment", chapter, "--force")
    release_nb = nbformat.read(copied.release_notebook, as_version=4)
    for student, submission in students.items():
        path = copied.submitted_notebook(student)
        path.parent.mkdir(parents=True)
        nbformat.write(submission.notebook(release_nb), path)
    for student in corrupt:
        path = copied.submitted_notebook(student)
        path.parent.mkdir(parents=True)
        path.write_text(CORRUPT_NOTEBOOK)
    for student in empty:
        path = copied.submitted_notebook(student)
        path.parent.mkdir(parents=True)
        path.write_text("")
    return copied


def grade_class(
    root: Path,
    chapter: str,
    students: dict[str, Submission],
    *nbgrader_args: str,
    corrupt: tuple[str, ...] = (),
    empty: tuple[str, ...] = (),
    on_handed_in: Callable[[Path], None] | None = None,
) -> GradedClass:
    """Make a course with one chapter, hand in a class's notebooks, and grade them.

    Runs what an instructor runs: nbgrader generate_assignment, then autograde, feedback
    and export through helpers.grading.course.

    Args:
        root: an empty folder to make the temporary course in.
        chapter: the chapter's name, e.g. "01_convolution".
        students: {student id: Submission} to hand in.
        *nbgrader_args: extra options for nbgrader autograde (e.g. "--Execute.timeout=45").
        corrupt: student ids who hand in a corrupt file (CORRUPT_NOTEBOOK) instead.
        empty: student ids who hand in an empty file.
        on_handed_in: called with the course root once the class has handed in, before grading.
    """
    copied = hand_in(root, chapter, students, corrupt, empty)
    if on_handed_in:
        on_handed_in(copied.root)
    outcome = course.autograde(copied.root, chapter, *nbgrader_args)
    course.feedback(copied.root, chapter)
    return GradedClass(
        chapter=chapters.get(chapter, copied.root),
        set_aside=outcome["set_aside"],
        failed=outcome["failed"],
        grades_csv=course.export_grades(copied.root),
    )


def grade_contract(root: Path, contract: Contract) -> GradedClass:
    """Grade a contract's class (Contract.students) plus one corrupt file (CORRUPT_STUDENT).

    Args:
        root: an empty folder to make the temporary course in.
        contract: the chapter's entry in the grading contract.
    """
    return grade_class(root, contract.chapter, contract.students(), corrupt=(CORRUPT_STUDENT,))
