"""The course-level operations behind ``python -m helpers.grading``.

Each function checks what it needs first and raises :class:`CourseError` with a sentence an
instructor can act on, then runs nbgrader in the course root (``assignments/``) so that
``nbgrader_config.py`` applies.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from helpers.grading import chapters
from helpers.grading.chapters import NOTEBOOK_SUFFIX, Chapter, CourseError
from helpers.grading.config import COURSE_ROOT, HTML_DIR

CRASHED_KERNEL = (
    "the notebook stopped its kernel before the end (os._exit, a crash in compiled code, or "
    "out of memory); open it and run it top to bottom to see which cell"
)


def check_course_root(root: Path) -> Path:
    """Return the course root, or explain why the folder is not one.

    Args:
        root: the folder holding nbgrader_config.py and source/.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise CourseError(f"The course folder {root} does not exist.")
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"{root} has no nbgrader_config.py, so it is not the course root.")
    if not (root / "source").is_dir():
        raise CourseError(f"{root} has no source/ folder with the instructor notebooks.")
    return root


def nbgrader_command() -> list[str]:
    """nbgrader, run by the Python of the course's environment."""
    return [sys.executable, "-m", "nbgrader"]


def environment_with_venv_on_path() -> dict[str, str]:
    """os.environ with this Python's bin folder first on PATH: nbgrader runs `alembic` by name."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run_nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root; raise CourseError with its log if it fails.

    Args:
        root: the course root.
        *args: nbgrader's command and arguments.
        check: raise when nbgrader exits with an error (else the caller looks at the result).
    """
    result = subprocess.run(
        [*nbgrader_command(), *args],
        cwd=root,
        env=environment_with_venv_on_path(),
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stdout.write(result.stdout)
    if check and result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-25:])
        raise CourseError(f"`nbgrader {' '.join(args)}` failed in {root}:\n{tail}")
    return result


# ------------------------------------------------------------------------------ release
def copy_chapter(chapter: str, target: Path, root: Path = COURSE_ROOT) -> Chapter:
    """Make `target` a course root that holds one chapter's source and nothing else.

    The copy has the course's nbgrader_config.py and source/<chapter>/, but no gradebook,
    release or submissions: a scratch course to release, grade or time one chapter in.

    Args:
        chapter: the chapter's name, e.g. "01_convolution".
        target: the folder to create (it may exist, but must not hold this chapter's source).
        root: the course root to copy from.

    Returns:
        The chapter, with paths in the copy.

    Raises:
        CourseError: no such chapter in `root`.
    """
    original = chapters.get(chapter, root)
    copied = original.at(target)
    copied.source_folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(original.root / "nbgrader_config.py", copied.root)
    shutil.copytree(original.source_folder, copied.source_folder)
    return copied


def release(root: Path, chapter: str, notebooks_dir: Path) -> list[Path]:
    """Generate a chapter's learner notebooks with nbgrader and copy them to notebooks_dir.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".
        notebooks_dir: the folder of learner notebooks (the repository's notebooks/).

    Returns:
        The paths written in notebooks_dir.
    """
    run_nbgrader(root, "generate_assignment", chapter, "--force")
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Chapter(chapter, root).release_folder.glob(f"*{NOTEBOOK_SUFFIX}")):
        target = notebooks_dir / path.name
        shutil.copyfile(path, target)
        written.append(target)
        print(f"wrote {target}")
    return written


def check_release(root: Path, chapter: str, notebooks_dir: Path) -> None:
    """Fail when notebooks_dir does not hold exactly what `release` would write now.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".
        notebooks_dir: the folder of learner notebooks (the repository's notebooks/).
    """
    with tempfile.TemporaryDirectory() as scratch:
        copy = copy_chapter(chapter, Path(scratch) / "course", root)
        fresh = release(copy.root, chapter, Path(scratch) / "notebooks")
        for path in fresh:
            committed = notebooks_dir / path.name
            if not committed.exists():
                raise CourseError(f"{committed} is missing: run `make release`.")
            if _normalised(committed) != _normalised(path):
                raise CourseError(
                    f"{committed} is out of date with {Chapter(chapter, root).source_folder}: "
                    "run `make release` (never edit the learner notebooks by hand)."
                )
    print(f"\N{CHECK MARK} {chapter}: learner notebooks are up to date")


def _normalised(path: Path) -> str:
    nb = json.loads(path.read_text())
    return json.dumps(nb, sort_keys=True, indent=1)


# ---------------------------------------------------------------------------- submissions
def submissions(root: Path, chapter: str) -> dict[str, list[Path]]:
    """{student id: notebooks} under submitted/<student>/<chapter>/.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".

    Raises:
        CourseError: when there is no submitted/ folder or no submission of this chapter.
    """
    submitted = root / "submitted"
    if not submitted.is_dir():
        raise CourseError(
            f"There is no {submitted} folder yet. Collect the submissions first (`make collect "
            f"CH={chapter}` from a JupyterHub exchange, or `make zip-collect CH={chapter}` for an "
            f"LMS download), or copy each one to "
            f"{Chapter(chapter, root).submitted_notebook('<student>')}."
        )
    found = {}
    for student in sorted(path.name for path in submitted.iterdir()):
        # Every notebook in the folder, not only <chapter>.ipynb: nbgrader reads them all, so
        # a corrupt one under any name must be found here and set aside.
        notebooks = sorted(
            Chapter(chapter, root).submitted_folder(student).glob(f"*{NOTEBOOK_SUFFIX}")
        )
        if notebooks:
            found[student] = notebooks
    if not found:
        raise CourseError(f"No submission of {chapter} in {submitted}/<student>/{chapter}/.")
    return found


def unreadable_notebooks(paths: list[Path]) -> dict[Path, str]:
    """{path: reason} for every notebook that nbformat cannot read as a valid notebook."""
    problems = {}
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as error:  # any failure to parse is a corrupt submission
            problems[path] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    return problems


def autograde(root: Path, chapter: str, *nbgrader_args: str) -> dict[str, dict[str, str]]:
    """Autograde every readable submission of a chapter; report the ones that could not be.

    A corrupt notebook (not JSON, truncated, not a notebook) is set aside in
    ``submitted_unreadable/`` with a note before grading. A notebook that kills its kernel
    (``os._exit``, a crash in compiled code, running out of memory) stops nbgrader for that
    student only; it is reported by name and the rest of the class is still graded.

    Args:
        root: the course root.
        chapter: the chapter to grade.
        *nbgrader_args: extra options for ``nbgrader autograde`` (e.g. ``--Execute.timeout=30``).

    Returns:
        {"set_aside": {student: reason}, "failed": {student: reason}}.
    """
    from helpers.grading.sandboxed import notes_file

    found = submissions(root, chapter)  # first: "collect them first" comes before "no sandbox"
    refuse_without_sandbox()
    notes_folder = notes_file(root, chapter, "x").parent
    if notes_folder.exists():
        shutil.rmtree(notes_folder)
    set_aside = set_aside_unreadable(root, chapter, found)
    if set_aside:
        print(f"Set aside {len(set_aside)} submission(s) that cannot be read as notebooks "
              f"(moved to {root / 'submitted_unreadable'}):")  # fmt: skip
        for student, reasons in set_aside.items():
            print(f"  - {student}: {reasons}")
    failed = {}
    if any((root / "submitted").glob(f"*/{chapter}")):
        result = run_nbgrader(root, "autograde", chapter, "--force", *nbgrader_args, check=False)
        failed = failures_in_log(result.stderr, chapter)
        if result.returncode != 0 and not failed:
            tail = "\n".join(result.stderr.strip().splitlines()[-25:])
            raise CourseError(f"`nbgrader autograde {chapter}` failed in {root}:\n{tail}")
    if failed:
        print(f"Could not autograde {len(failed)} submission(s); they score 0 until fixed:")
        for student, why in failed.items():
            print(f"  - {student}: {why}")
    notes = {}
    for path in sorted(notes_folder.glob("*.json")) if notes_folder.exists() else []:
        notes[path.stem] = json.loads(path.read_text())
        for note in notes[path.stem]:
            print(f"  note, {path.stem}: {note}")
    record_failures(root, chapter, {**set_aside, **failed})
    return {"set_aside": set_aside, "failed": failed, "notes": notes}


def refuse_without_sandbox() -> None:
    """Raise CourseError unless learner code can run in the sandbox (or the instructor opted out).

    Raises:
        CourseError: bubblewrap is missing or cannot run here, and --unsandboxed was not given.
    """
    from helpers.grading import sandbox

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as error:
        raise CourseError(f"Refusing to run learner code without a sandbox: {error}") from None


def set_aside_unreadable(
    root: Path, chapter: str, found: dict[str, list[Path]] | None = None
) -> dict[str, str]:
    """Move every submission with a corrupt notebook to submitted_unreadable/, with a WHY.txt.

    Args:
        root: the course root.
        chapter: the chapter's name.
        found: {student: notebook paths} as `submissions` returns it (read when None).

    Returns:
        {student: reasons} of the submissions set aside.
    """
    set_aside = {}
    for student, paths in (submissions(root, chapter) if found is None else found).items():
        problems = unreadable_notebooks(paths)
        if problems:
            target = Chapter(chapter, root).unreadable_folder(student)
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(Chapter(chapter, root).submitted_folder(student), target)
            reasons = "; ".join(f"{path.name}: {why}" for path, why in problems.items())
            (target / "WHY.txt").write_text(reasons + "\n")
            set_aside[student] = reasons
    return set_aside


def record_failures(root: Path, chapter: str, failures: dict[str, str]) -> None:
    """Keep why each submission of a chapter could not be graded, for the grades export.

    Args:
        root: the course root.
        chapter: the chapter's name.
        failures: {student: reason} (replaces the chapter's earlier list).
    """
    (root / "grading_failures.json").write_text(json.dumps(
        {**_previous_failures(root, chapter), chapter: failures}, indent=1
    ))  # fmt: skip


def failures_in_log(stderr: str, chapter: str) -> dict[str, str]:
    """{student: the real cause} of every submission nbgrader could not process.

    nbgrader logs "error processing assignment ... for student 'x'" and, before it, the
    exception that stopped it; the cause is that exception's last line.
    """
    failed, last_error = {}, CRASHED_KERNEL
    marker = rf"error processing assignment '{re.escape(chapter)}' for student '([^']+)'"
    for line in stderr.splitlines():
        match = re.search(marker, line)
        if match:
            failed[match[1]] = last_error
            last_error = CRASHED_KERNEL
        elif re.match(r"^\s*[\w.]*(Error|Exception|Exit)\b.*:", line):
            last_error = line.strip()[:300]
    return failed


def previous_failures(root: Path) -> dict[str, dict[str, str]]:
    """{chapter: {student: why}} of the submissions that could not be graded, as recorded."""
    return _previous_failures(root, "")


def _previous_failures(root: Path, chapter: str) -> dict:
    path = root / "grading_failures.json"
    try:
        old = json.loads(path.read_text()) if path.exists() else {}
    except ValueError:
        old = {}
    old.pop(chapter, None)
    return old


def zip_collect(root: Path, chapter: str) -> None:
    """Unpack an LMS download placed in downloaded/<chapter>/archive/ into submitted/."""
    archive = root / "downloaded" / chapter / "archive"
    if not archive.is_dir() or not any(archive.iterdir()):
        raise CourseError(
            f"Put the LMS download (zip files or notebooks) in {archive} first, then run this again."
        )
    run_nbgrader(root, "zip_collect", chapter, "--force")


def feedback(root: Path, chapter: str) -> None:
    """HTML feedback in feedback/<student>/<chapter>/ for every autograded submission."""
    if not any((root / "autograded").glob(f"*/{chapter}")):
        raise CourseError(
            f"Nothing autograded for {chapter} yet: run `make autograde CH={chapter}`."
        )
    run_nbgrader(root, "generate_feedback", chapter, "--force")


def export_grades(root: Path) -> Path:
    """Write every grade in the gradebook to <root>/grades.csv and print a summary."""
    from helpers.grading.gradebook import course_settings, is_sqlite

    if is_sqlite(course_settings(root)[0]) and not (root / "gradebook.db").exists():
        raise CourseError(f"No gradebook in {root}: autograde some submissions first.")
    out = root / "grades.csv"
    run_nbgrader(root, "export", "--to", str(out))
    with out.open() as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    # A submission that could not be graded (unreadable, or nbgrader failed on it) still gets
    # a row: 0 points, and the reason.
    failures = _previous_failures(root, "")
    graded = {(row["assignment"], row["student_id"]): row for row in rows}
    for chapter, students in failures.items():
        for student, why in students.items():
            row = graded.get((chapter, student))
            if row is None:
                row = dict.fromkeys(fields, "")
                max_score = next((r["max_score"] for r in rows if r["assignment"] == chapter), "")
                row.update(assignment=chapter, student_id=student, score="0.0",
                           raw_score="0.0", max_score=max_score)  # fmt: skip
                rows.append(row)
            row["not_graded_because"] = why
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [*fields, "not_graded_because"], restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out}: {len(rows)} row(s), one per student and chapter")
    return out


# ---------------------------------------------------------------------------------- html
def render_html(root: Path, chapter: str, out_dir: Path = HTML_DIR) -> Path:
    """Execute the solved (instructor) notebook of a chapter and render it as HTML.

    See helpers.grading.html (`make html`): MathJax served from a local copy, no log noise,
    hidden tests removed, and the index page rewritten.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".
        out_dir: the folder to write <chapter>.html in (build/html/ by default).

    Returns:
        The page written.
    """
    from helpers.grading import html

    return html.render_chapters(chapter, root, out_dir)[0]
