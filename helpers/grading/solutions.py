"""Read the instructor-only parts of a source notebook, for tests and benchmarks.

Solutions and hidden tests live only in the instructor notebooks (between nbgrader's markers).
This module runs the solution cells so that the test suite can check the course's checks
against them and the benchmarks can time them, and lists the hidden-test lines so that the
tests can make sure no learner-facing file shows them. It never copies them anywhere.
"""

from __future__ import annotations

import re

import nbformat

from helpers.grading import chapters

HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def source_notebook(chapter: str) -> nbformat.NotebookNode:
    """A chapter's instructor notebook, read from the course (assignments/source/).

    Args:
        chapter: the chapter's name, e.g. "01_convolution".

    Raises:
        CourseError: no such chapter; the message lists the chapters there are.
    """
    return nbformat.read(chapters.get(chapter).source_notebook, as_version=4)


def _python_only(source: str) -> str:
    """Drop IPython magics and shell lines, which plain exec cannot run."""
    return "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )


def solution_cells(chapter: str) -> dict[str, str]:
    """{grade_id: source} of every solution cell of a chapter, in notebook order.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
    """
    nb = source_notebook(chapter)
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
    }


def load_solutions(chapter: str, replace: dict[str, str] | None = None) -> dict:
    """Run a chapter's "imports" cell and its solution cells; return the resulting namespace.

    Args:
        chapter: e.g. "01_convolution".
        replace: optional {grade_id: source} that stands in for some solution cells (tests
            use it to plant a known bug and check the message a learner would see).

    Returns:
        The namespace dict: every function the solution cells define, plus the imports.
    """
    nb = source_notebook(chapter)
    namespace: dict = {"__name__": f"solutions_{chapter}"}
    imports = next(cell for cell in nb.cells if cell.get("id") == "imports")
    exec(compile(_python_only(imports.source), f"{chapter}:imports", "exec"), namespace)
    for grade_id, source in solution_cells(chapter).items():
        source = (replace or {}).get(grade_id, source)
        exec(compile(source, f"{chapter}:{grade_id}", "exec"), namespace)
    return namespace


def hidden_test_lines(chapter: str) -> list[str]:
    """Every line of a chapter's hidden-test code that says something, stripped, in order.

    Lines that are too short to mean anything on their own (a lone bracket, ``pass``) are
    left out: they appear in any code, so finding one elsewhere would not show a leak.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".

    Returns:
        The lines, with repeats (several test cells open with the same lines).
    """
    lines = []
    for cell in source_notebook(chapter).cells:
        for region in HIDDEN_REGION.findall(cell.source):
            lines += [line.strip() for line in region.splitlines()]
    return [line for line in lines if len(re.sub(r"\W", "", line)) >= 8]
