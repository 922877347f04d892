"""Instructor tooling, without running nbgrader: chapter paths, executing a notebook, stderr
pattern, feedback, clear errors."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from helpers.grading import chapters, course
from helpers.grading.__main__ import main
from helpers.grading.chapters import Chapter, CourseError
from helpers.grading.config import COURSE_ROOT, IGNORED_STDERR_PATTERN
from helpers.grading.execute import errors, execute_chapter, stdout_text
from helpers.grading.feedback import HIDDEN_NOTE, HideHiddenTests
from helpers.grading.solutions import load_solutions


def test_chapters_are_the_folders_of_a_course_roots_source(tmp_path):
    for folder in ("02_second", "01_first", ".ipynb_checkpoints"):
        (tmp_path / "source" / folder).mkdir(parents=True)
    (tmp_path / "source" / "notes.txt").write_text("not a chapter")
    assert chapters.names(tmp_path) == ["01_first", "02_second"]
    assert chapters.select("all", tmp_path) == ["01_first", "02_second"]
    assert chapters.select("02_second", tmp_path) == ["02_second"]
    assert chapters.get("01_first", tmp_path) == Chapter("01_first", tmp_path)


def test_the_course_has_its_chapters():
    assert {"01_convolution", "02_keras_classics", "05_object_detection"} <= set(chapters.names())


def test_an_unknown_chapter_is_a_course_error_that_lists_the_known_ones():
    with pytest.raises(CourseError, match="No chapter '99_nothing'.*Chapters: 01_convolution, "):
        chapters.get("99_nothing")
    with pytest.raises(CourseError, match="Chapters: 01_convolution"):
        load_solutions("99_nothing")


def test_chapter_paths_follow_nbgrader_layout(tmp_path):
    chapter = Chapter("01_convolution", tmp_path)
    notebook = "01_convolution.ipynb"
    assert chapter.slug == "convolution"
    assert chapter.source_notebook == tmp_path / "source" / "01_convolution" / notebook
    assert chapter.release_notebook == tmp_path / "release" / "01_convolution" / notebook
    assert chapter.learner_notebook(tmp_path / "nb") == tmp_path / "nb" / notebook
    student = "ada/01_convolution"  # <student>/<chapter>, as nbgrader lays them out
    assert chapter.submitted_notebook("ada") == tmp_path / "submitted" / student / notebook
    assert chapter.autograded_notebook("ada") == tmp_path / "autograded" / student / notebook
    assert chapter.feedback_page("ada") == tmp_path / "feedback" / student / "01_convolution.html"
    assert chapter.unreadable_folder("ada") == tmp_path / "submitted_unreadable" / student
    assert chapter.at(COURSE_ROOT).source_notebook.exists()


def test_a_chapter_not_named_nn_slug_has_no_slug():
    assert Chapter("05_object_detection").slug == "object_detection"
    with pytest.raises(CourseError, match="not named NN_slug"):
        Chapter("convolution").slug  # noqa: B018 (the property raises)


def test_copy_chapter_makes_a_course_with_that_chapter_only(tmp_path):
    copied = course.copy_chapter("01_convolution", tmp_path / "copy")
    assert chapters.names(copied.root) == ["01_convolution"]
    original = chapters.get("01_convolution").source_notebook
    assert copied.source_notebook.read_bytes() == original.read_bytes()
    assert (copied.root / "nbgrader_config.py").is_file()


def test_execute_chapter_runs_in_the_notebooks_folder_and_reads_its_output(tmp_path):
    notebook = Chapter("01_tiny", tmp_path).source_notebook
    notebook.parent.mkdir(parents=True)
    cells = [
        new_code_cell("import os\nprint(os.getcwd())"),
        new_code_cell("import sys\nprint('to stderr', file=sys.stderr)\nprint('done')"),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    executed = execute_chapter("01_tiny", tmp_path, timeout=60)
    assert stdout_text(executed.notebook) == f"{notebook.parent}\ndone\n"
    assert errors(executed.notebook) == []
    assert executed.seconds > 0
    assert not nbformat.read(notebook, as_version=4).cells[0].outputs, "the file is not changed"


def test_errors_lists_every_error_output_with_its_cell():
    failing = new_code_cell("1 / 0", id="divide")
    failing.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    printing = new_code_cell("print(1)", id="fine")
    printing.outputs = [new_output("stream", name="stdout", text="1\n")]
    nb = nbformat.v4.new_notebook(cells=[printing, failing])
    assert errors(nb) == [("divide", "ZeroDivisionError", "division by zero")]
    assert stdout_text(nb) == "1\n"


@pytest.fixture(scope="module")
def real_tensorflow_stderr() -> str:
    """What TensorFlow really writes to stderr on import, first op, and a logged warning."""
    code = (
        "import tensorflow as tf\n"
        "tf.constant(1.0) + 1\n"
        "tf.get_logger().warning('5 out of the last 5 calls triggered tf.function retracing.')\n"
        "import warnings\n"
        "warnings.warn('Do not pass an `input_shape` argument to a layer.', UserWarning)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stderr


def test_pattern_drops_real_tensorflow_stderr(real_tensorflow_stderr):
    assert "WARNING:tensorflow" in real_tensorflow_stderr
    assert re.search(IGNORED_STDERR_PATTERN, real_tensorflow_stderr)


@pytest.mark.parametrize(
    "text",
    [
        "Traceback (most recent call last):\n  File 'x.py', line 1\nValueError: no\n",
        "my debugging output\n",
        "WARNING:tensorflow:retracing\nbut also something the learner printed\n",
    ],
)
def test_pattern_keeps_anything_else(text):
    assert not re.search(IGNORED_STDERR_PATTERN, text)


def test_pattern_is_fast_on_long_output():
    import time

    text = "W0000 00:00:1.0  1 x.cc:1] " + "a " * 20000 + "\n" + "x" * 5000
    start = time.perf_counter()
    re.search(IGNORED_STDERR_PATTERN, text)
    assert time.perf_counter() - start < 1.0


def hidden_cell_with_error():
    cell = new_code_cell(
        "checks.check_conv_forward(conv_forward)\n### BEGIN HIDDEN TESTS\n"
        "for case in checks.random_conv_cases(seed=303, count=16):\n"
        "    checks.compare_conv_forward(conv_forward, case)\n### END HIDDEN TESTS"
    )
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 3, "solution": False}
    cell.outputs = [
        new_output(
            "error",
            ename="CheckFailed",
            evalue="conv_forward: Z differs",
            traceback=[
                "\x1b[31m---------\x1b[0m",
                "Cell In[7], line 4\n      3 for case in checks.random_conv_cases(seed=303, count=16):\n"
                "----> 4     checks.compare_conv_forward(conv_forward, case)",
                "\x1b[31mCheckFailed\x1b[0m: conv_forward: Z differs",
            ],
        )
    ]
    return cell


def test_feedback_preprocessor_removes_hidden_code_and_its_traceback():
    nb = nbformat.v4.new_notebook(cells=[hidden_cell_with_error()])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    cell = nb.cells[0]
    assert "random_conv_cases" not in cell.source
    assert cell.source.startswith("checks.check_conv_forward(conv_forward)")
    traceback = "\n".join(cell.outputs[0].traceback)
    assert "random_conv_cases" not in traceback
    assert "CheckFailed: conv_forward: Z differs" in traceback
    assert HIDDEN_NOTE in traceback


def test_missing_course_folder_is_explained(tmp_path, capsys):
    assert main(["autograde", "01_convolution", "--course-root", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_unknown_chapter_lists_the_real_ones(capsys):
    assert main(["feedback", "99_nothing"]) == 1
    assert "Chapters: 01_convolution" in capsys.readouterr().err


def test_autograde_before_collecting_says_how_to_collect(tmp_path, capsys):
    root = tmp_path / "course"
    (root / "source" / "01_convolution").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text((COURSE_ROOT / "nbgrader_config.py").read_text())
    assert main(["autograde", "01_convolution", "--course-root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "Collect the submissions first" in err and "make zip-collect" in err


def test_unreadable_notebooks_are_named_with_a_reason(tmp_path):
    good = tmp_path / "good.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), good)
    truncated = tmp_path / "truncated.ipynb"
    truncated.write_text('{"cells": [')
    not_a_notebook = tmp_path / "photo.ipynb"
    not_a_notebook.write_bytes(b"\x89PNG\r\n")
    problems = course.unreadable_notebooks([good, truncated, not_a_notebook])
    assert set(problems) == {truncated, not_a_notebook}
