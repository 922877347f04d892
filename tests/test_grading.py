"""Instructor tooling, without running nbgrader: stderr pattern, feedback, clear errors."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from helpers.grading import course
from helpers.grading.__main__ import main
from helpers.grading.config import COURSE_ROOT, IGNORED_STDERR_PATTERN
from helpers.grading.feedback import HIDDEN_NOTE, HideHiddenTests


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
