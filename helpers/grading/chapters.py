"""The course's chapters and where each one's files live: the one rule for every path.

A chapter is a folder ``source/NN_slug/`` of a course root holding ``NN_slug.ipynb`` (e.g.
``source/01_convolution/01_convolution.ipynb``); its modules are ``helpers/<concern>/<slug>.py``.
The chapters of a course root are the folders of its ``source/``, so a temporary course that
holds one chapter (as the tests and benchmarks make) has just that one. nbgrader names the
assignment and its notebook after the folder, which gives every other path::

    source/<chapter>/<chapter>.ipynb                        the instructor notebook (solutions)
    release/<chapter>/<chapter>.ipynb                       what nbgrader generates for learners
    notebooks/<chapter>.ipynb                               the learner copy in the repository
    submitted/<student>/<chapter>/<chapter>.ipynb           a student's submission
    autograded/<student>/<chapter>/<chapter>.ipynb          the same, executed and graded
    feedback/<student>/<chapter>/<chapter>.html             the feedback page (no hidden tests)
    submitted_unreadable/<student>/<chapter>/WHY.txt        a corrupt submission, set aside

Use :func:`get` for a chapter by name (it checks that the chapter exists), :func:`names` for
every chapter, and :func:`select` for the CLI's ``CHAPTER`` argument ("all" or one name).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from helpers.grading.config import COURSE_ROOT, HTML_DIR, LEARNER_NOTEBOOKS_DIR

NOTEBOOK_SUFFIX = ".ipynb"
# NN_slug: two digits, then the slug that names the chapter's modules (lower case, underscores).
CHAPTER_NAME = re.compile(r"(\d\d)_([a-z][a-z0-9_]*)")


class CourseError(Exception):
    """Something an instructor must fix before the command can run; the message says what."""


@dataclasses.dataclass(frozen=True)
class Chapter:
    """One chapter's paths in one course root.

    Build it with :func:`get`, which checks that the chapter exists; a ``Chapter`` made
    directly (or with :meth:`at`) is not checked, so that a course being built can name its
    paths before they exist.

    Attributes:
        name: the folder name, "NN_slug" (e.g. "01_convolution"); also nbgrader's assignment
            name and its notebook's name.
        root: the course root (the folder holding nbgrader_config.py and source/).
    """

    name: str
    root: Path = COURSE_ROOT

    def at(self, root: Path) -> Chapter:
        """The same chapter in another course root (e.g. a temporary copy of the course).

        Args:
            root: the other course root.
        """
        return dataclasses.replace(self, root=Path(root))

    @property
    def slug(self) -> str:
        """The chapter's name without its number ("convolution"): the name of its modules."""
        match = CHAPTER_NAME.fullmatch(self.name)
        if match is None:
            raise CourseError(
                f"Chapter folder {self.name!r} is not named NN_slug (two digits, an underscore, "
                "then lower-case words joined by underscores, e.g. 01_convolution)."
            )
        return match[2]

    @property
    def notebook_name(self) -> str:
        """The file name of every notebook of the chapter, e.g. "01_convolution.ipynb"."""
        return f"{self.name}{NOTEBOOK_SUFFIX}"

    @property
    def source_folder(self) -> Path:
        return self.root / "source" / self.name

    @property
    def source_notebook(self) -> Path:
        """The instructor notebook: the only file that holds the solutions."""
        return self.source_folder / self.notebook_name

    @property
    def release_folder(self) -> Path:
        return self.root / "release" / self.name

    @property
    def release_notebook(self) -> Path:
        """The learner notebook as nbgrader generates it (solutions and hidden tests removed)."""
        return self.release_folder / self.notebook_name

    def learner_notebook(self, notebooks_dir: Path = LEARNER_NOTEBOOKS_DIR) -> Path:
        """The learner copy that `make release` writes, e.g. notebooks/01_convolution.ipynb.

        Args:
            notebooks_dir: the folder of learner notebooks (the repository's notebooks/).
        """
        return Path(notebooks_dir) / self.notebook_name

    def html_page(self, out_dir: Path = HTML_DIR) -> Path:
        """Where `make html` writes the solved chapter, e.g. build/html/01_convolution.html.

        Args:
            out_dir: the folder of rendered chapters.
        """
        return Path(out_dir) / f"{self.name}.html"

    def submitted_folder(self, student: str) -> Path:
        """The folder of one student's submission (nbgrader reads every notebook in it).

        Args:
            student: the student id (the folder name under submitted/).
        """
        return self.root / "submitted" / student / self.name

    def submitted_notebook(self, student: str) -> Path:
        """One student's submitted notebook.

        Args:
            student: the student id.
        """
        return self.submitted_folder(student) / self.notebook_name

    def autograded_notebook(self, student: str) -> Path:
        """One student's notebook as autograded (executed, hidden tests included).

        Args:
            student: the student id.
        """
        return self.root / "autograded" / student / self.name / self.notebook_name

    def feedback_page(self, student: str) -> Path:
        """One student's HTML feedback page (hidden tests removed).

        Args:
            student: the student id.
        """
        return self.root / "feedback" / student / self.name / f"{self.name}.html"

    def unreadable_folder(self, student: str) -> Path:
        """Where a corrupt submission is moved, with a WHY.txt naming the unreadable files.

        Args:
            student: the student id.
        """
        return self.root / "submitted_unreadable" / student / self.name


def names(root: Path = COURSE_ROOT) -> list[str]:
    """Every chapter of a course root, sorted: the folders of <root>/source/.

    Args:
        root: the course root; the repository's assignments/ by default.

    Raises:
        CourseError: the root has no source/ folder.
    """
    source = Path(root) / "source"
    if not source.is_dir():
        raise CourseError(f"{Path(root)} has no source/ folder with the instructor notebooks.")
    # Hidden folders (.ipynb_checkpoints) are left behind by Jupyter, not chapters.
    return sorted(path.name for path in source.iterdir() if path.is_dir() and path.name[0] != ".")


def get(name: str, root: Path = COURSE_ROOT) -> Chapter:
    """The chapter called `name` in a course root.

    Args:
        name: the chapter's folder name, e.g. "01_convolution".
        root: the course root; the repository's assignments/ by default.

    Raises:
        CourseError: no such chapter; the message lists the chapters there are.
    """
    known = names(root)
    if name not in known:
        raise CourseError(
            f"No chapter {name!r} in {Path(root) / 'source'}. Chapters: {', '.join(known)}."
        )
    return Chapter(name, Path(root))


def select(which: str = "all", root: Path = COURSE_ROOT) -> list[str]:
    """The chapter names a command works on: every chapter for "all", else the one named.

    Args:
        which: "all", or a chapter's name (the CLI's CHAPTER argument).
        root: the course root; the repository's assignments/ by default.

    Raises:
        CourseError: `which` names no chapter of this root.
    """
    if which == "all":
        return names(root)
    return [get(which, root).name]
