"""Grade a small class of notebooks through real nbgrader, in a temporary course copy.

Each chapter's end-to-end test (tests/test_grading_NN_*.py) builds its submissions from the
generated learner notebook and the instructor's solution cells, then calls `grade_class`.
Autograding the solved submission is also the chapter's one execution per test run.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from helpers.grading import course
from helpers.grading.config import COURSE_ROOT, SOURCE_DIR
from helpers.grading.solutions import source_notebook_path

HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def max_points(chapter: str) -> dict[str, float]:
    """{grade_id: points} of every graded test cell, read from the instructor notebook."""
    nb = nbformat.read(source_notebook_path(chapter), as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


def only(chapter: str, grade_id: str) -> dict[str, float]:
    """Expected scores when only `grade_id`'s test passes."""
    scores = dict.fromkeys(max_points(chapter), 0.0)
    scores[grade_id] = max_points(chapter)[grade_id]
    return scores


def with_solutions(release_nb, sources: dict[str, str]):
    """A copy of the learner notebook with some solution cells filled in, as a learner would."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
    return nb


def new_course(root: Path, chapter: str):
    """Copy the course config and one chapter's source to `root`, generate the release.

    Returns:
        The generated learner notebook (a NotebookNode), to build submissions from.
    """
    (root / "source").mkdir(parents=True, exist_ok=True)
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", root)
    shutil.copytree(SOURCE_DIR / chapter, root / "source" / chapter)
    course.run_nbgrader(root, "generate_assignment", chapter, "--force")
    return nbformat.read(root / "release" / chapter / f"{chapter}.ipynb", as_version=4)


def submit(root: Path, chapter: str, student: str, nb) -> Path:
    folder = root / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.ipynb"
    nbformat.write(nb, path)
    return path


def grade_class(root: Path, chapter: str, *nbgrader_args: str) -> dict:
    """Autograde every submission, generate feedback, export grades (the instructor's commands).

    Returns:
        {"set_aside": {student: reason}, "failed": {student: reason}, "grades_csv": Path}.
    """
    outcome = course.autograde(root, chapter, *nbgrader_args)
    course.feedback(root, chapter)
    return {**outcome, "grades_csv": course.export_grades(root)}


def scores(root: Path, chapter: str, student: str) -> dict[str, float]:
    """{grade_id: score} of one student's autograded notebook, from the gradebook."""
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        nb = gradebook.find_submission_notebook(chapter, chapter, student)
        return {grade.name: float(grade.score) for grade in nb.grades}


def errors_in(path: Path) -> list[tuple[str, str, str]]:
    """(cell id, exception name, message) of every error output in a notebook."""
    nb = nbformat.read(path, as_version=4)
    return [
        (cell.get("id"), output.ename, output.evalue)
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


def hidden_test_lines(chapter: str) -> list[str]:
    """Every line of hidden-test code that says something (not a lone bracket)."""
    nb = nbformat.read(source_notebook_path(chapter), as_version=4)
    lines = []
    for cell in nb.cells:
        for region in HIDDEN_REGION.findall(cell.source):
            lines += [line.strip() for line in region.splitlines()]
    return [line for line in lines if len(re.sub(r"\W", "", line)) >= 8]


def visible_text(path: Path) -> str:
    """The text a reader sees in an HTML page (tags removed, entities decoded, spaces folded)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
    return re.sub(r"\s+", " ", text)


def leaked_hidden_lines(root: Path, chapter: str, student: str) -> list[str]:
    """Hidden-test lines that a student's feedback page shows (should be none)."""
    page = root / "feedback" / student / chapter / f"{chapter}.html"
    text = visible_text(page)
    return [line for line in hidden_test_lines(chapter) if re.sub(r"\s+", " ", line) in text]
