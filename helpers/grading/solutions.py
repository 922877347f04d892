"""Load the instructor's solutions from a source notebook, for tests and benchmarks.

Solutions live only in the instructor notebooks (between nbgrader's solution markers); this
module runs those cells so that the test suite can check the course's checks against them
and the benchmark can time them. It never copies them anywhere.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from helpers.grading.config import SOURCE_DIR


def source_notebook_path(chapter: str) -> Path:
    """The instructor notebook of a chapter, e.g. assignments/source/01_convolution/01_convolution.ipynb."""
    path = SOURCE_DIR / chapter / f"{chapter}.ipynb"
    if not path.exists():
        known = sorted(p.name for p in SOURCE_DIR.iterdir() if p.is_dir())
        raise FileNotFoundError(f"No source notebook {path}. Chapters: {', '.join(known)}.")
    return path


def _python_only(source: str) -> str:
    """Drop IPython magics and shell lines, which plain exec cannot run."""
    return "\n".join(
        line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )


def solution_cells(chapter: str) -> dict[str, str]:
    """{grade_id: source} of every solution cell of a chapter, in notebook order."""
    nb = nbformat.read(source_notebook_path(chapter), as_version=4)
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
    nb = nbformat.read(source_notebook_path(chapter), as_version=4)
    namespace: dict = {"__name__": f"solutions_{chapter}"}
    imports = next(cell for cell in nb.cells if cell.get("id") == "imports")
    exec(compile(_python_only(imports.source), f"{chapter}:imports", "exec"), namespace)
    for grade_id, source in solution_cells(chapter).items():
        source = (replace or {}).get(grade_id, source)
        exec(compile(source, f"{chapter}:{grade_id}", "exec"), namespace)
    return namespace
