"""Run a solved chapter top to bottom, as JupyterLab's "Run All" would, and read what it printed.

`make html` renders the executed notebook and the benchmarks time it and read the figures it
prints. The tests do not call :func:`execute_chapter`: autograding the solved submission is
their one execution of a chapter, and they read that notebook with :func:`stdout_text` and
:func:`errors`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbclient import NotebookClient

from helpers.environment import missing_kernel_arguments, quiet_kernel_environment
from helpers.grading import chapters
from helpers.grading.config import COURSE_ROOT, SLOWEST_CELL_SECONDS

# Rendering or timing a chapter on a slower machine should not fail where grading would pass,
# so one cell may take twice as long as the grader allows.
CELL_TIMEOUT_SECONDS = 2 * SLOWEST_CELL_SECONDS


class Execution(NamedTuple):
    """A chapter run top to bottom.

    Attributes:
        notebook: the executed notebook (nbformat.NotebookNode), outputs included.
        seconds: wall time of the run, kernel start to last cell, in seconds.
    """

    notebook: nbformat.NotebookNode
    seconds: float


def execute_chapter(
    chapter: str, root: Path = COURSE_ROOT, timeout: int = CELL_TIMEOUT_SECONDS
) -> Execution:
    """Execute a chapter's solved instructor notebook in a fresh kernel; the file is not changed.

    The kernel's working directory is the notebook's folder, as when a learner opens it, so
    the environment check and relative paths behave as in JupyterLab.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
        root: the course root holding source/<chapter>/<chapter>.ipynb.
        timeout: seconds one cell may run before the run is stopped with an error.

    Returns:
        The executed notebook and the wall time of the run.

    Raises:
        CourseError: no such chapter in `root`.
        nbclient.exceptions.CellExecutionError: a cell raised; the message names the cell.
    """
    path = chapters.get(chapter, root).source_notebook
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    execute_notebook(nb, path.parent, timeout)
    return Execution(notebook=nb, seconds=time.perf_counter() - start)


def execute_notebook(nb: nbformat.NotebookNode, folder: Path, timeout: int) -> None:
    """Execute ``nb`` in place in a fresh kernel started as the learner's and the grader's are.

    The kernel gets the course's quiet environment (helpers.environment.QUIET_KERNEL_ENV and
    the QUIET_KERNEL_ARGUMENTS its kernelspec lacks): no TensorFlow C++ log lines in the outputs.

    Args:
        nb: the notebook (nbformat.NotebookNode); its outputs are replaced.
        folder: the kernel's working directory.
        timeout: seconds one cell may run.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised.
    """
    client = NotebookClient(
        nb,
        timeout=timeout,
        resources={"metadata": {"path": str(folder)}},
        extra_arguments=missing_kernel_arguments(),  # none when the kernelspec has them
    )
    client.execute(env=quiet_kernel_environment())


def stdout_text(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook's code cells printed to stdout, in order, as one string.

    Args:
        nb: an executed notebook (nbformat.NotebookNode).
    """
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == "stdout"
    )


def errors(nb: nbformat.NotebookNode) -> list[tuple[str, str, str]]:
    """(cell id, exception name, message) of every error output in a notebook, in order.

    Args:
        nb: an executed notebook (nbformat.NotebookNode).
    """
    return [
        (cell.get("id"), output.ename, output.evalue)
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
