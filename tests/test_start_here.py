"""The first-run page, notebooks/00_start_here.ipynb, runs top to bottom and shows the current
chapter map; and `make lab`'s working copy never overwrites a learner's file
(lab/working_copy.py)."""

from __future__ import annotations

import importlib.util
import json
import shutil

import nbformat
from nbclient import NotebookClient

from helpers.grading import chapters
from helpers.grading.config import LEARNER_NOTEBOOKS_DIR, REPO_ROOT

START_HERE = LEARNER_NOTEBOOKS_DIR / "00_start_here.ipynb"


def load_working_copy():
    spec = importlib.util.spec_from_file_location(
        "working_copy", REPO_ROOT / "lab" / "working_copy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_start_here_runs_top_to_bottom_and_shows_the_readme_chapter_map(tmp_path):
    # Run a copy in a folder of its own, as in the learner's work/, so that nothing is written
    # into notebooks/.
    shutil.copy(START_HERE, tmp_path / START_HERE.name)
    nb = nbformat.read(tmp_path / START_HERE.name, as_version=4)
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {cell.id: cell.outputs for cell in nb.cells if cell.cell_type == "code"}
    assert all(o.output_type != "error" for cell in outputs.values() for o in cell)
    printed = "".join(o.get("text", "") for o in outputs["environment-check"])
    assert "Environment OK" in printed
    (shown,) = [o.data["text/markdown"] for o in outputs["chapter-map"] if "data" in o]
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    # Every row of README's table is shown, links rewritten to the learner's own folder.
    rows = [
        line for line in readme.split("## Chapter map")[1].splitlines() if line.startswith("| [")
    ]
    assert rows and all(row.replace("](notebooks/", "](") in shown for row in rows)
    assert "](notebooks/" not in shown
    for name in chapters.names():
        if f"](notebooks/{name}.ipynb)" in readme:
            assert f"]({name}.ipynb)" in shown


def test_start_here_is_saved_without_outputs_and_explains_the_course():
    nb = nbformat.read(START_HERE, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.id == "environment-check"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for topic in ("Hidden tests", "Validate", "Handing in", "Kernel died", "work/"):
        assert topic in text, topic


def test_working_copy_adds_new_files_and_never_overwrites_the_learners(tmp_path):
    working_copy = load_working_copy()
    course, work = tmp_path / "notebooks", tmp_path / "work"
    (course / "extras").mkdir(parents=True)
    (course / "01_a.ipynb").write_text("course v1")
    (course / "extras" / "gallery.ipynb").write_text("gallery")
    copied, changed = working_copy.update(course, work)
    assert sorted(p.as_posix() for p in copied) == ["01_a.ipynb", "extras/gallery.ipynb"]
    assert changed == []

    (work / "01_a.ipynb").write_text("my answers")  # the learner works
    (course / "02_b.ipynb").write_text("new chapter")  # the course adds a chapter
    copied, changed = working_copy.update(course, work)
    assert [p.as_posix() for p in copied] == ["02_b.ipynb"] and changed == []
    assert (work / "01_a.ipynb").read_text() == "my answers"

    (course / "01_a.ipynb").write_text("course v2")  # the course corrects chapter 01
    copied, changed = working_copy.update(course, work)
    assert copied == [] and [p.as_posix() for p in changed] == ["01_a.ipynb"]
    assert (work / "01_a.ipynb").read_text() == "my answers"

    (work / "01_a.ipynb").rename(work / "01_a_mine.ipynb")  # README: how to take the correction
    copied, changed = working_copy.update(course, work)
    assert [p.as_posix() for p in copied] == ["01_a.ipynb"] and changed == []
    assert (work / "01_a.ipynb").read_text() == "course v2"
    assert (work / "01_a_mine.ipynb").read_text() == "my answers"
    assert json.loads((work / working_copy.RECORD).read_text())["01_a.ipynb"]


def test_working_copy_is_ignored_by_git_and_make_lab_opens_it():
    assert "work/" in (REPO_ROOT / ".gitignore").read_text().splitlines()
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "lab/working_copy.py notebooks $(WORK)" in makefile
    assert "--ServerApp.root_dir=$(WORK)" in makefile
