"""`make html` (helpers/grading/html.py): pages that work offline, with no log lines, no hidden
tests and no CDN scripts. The browser test (tests/test_browser.py) opens one and checks that a
formula is typeset."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.grading import chapters, html

LOG_LINES = (
    "I0000 00:00:1795953167.458072   22145 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.\n"
    "E0000 00:00:1795953195.222403   22145 cuda_platform.cc:52] failed call to cuInit: INTERNAL\n"
)


def small_notebook():
    hidden = "x = 1\n### BEGIN HIDDEN TESTS\nassert secret_case()\n### END HIDDEN TESTS\n"
    return new_notebook(
        cells=[
            new_markdown_cell("# Chapter 99: a title\n\n$$Z = \\sum_u X[u] K[u]$$"),
            new_code_cell(
                hidden,
                outputs=[
                    new_output("stream", name="stderr", text=LOG_LINES),
                    new_output("stream", name="stderr", text="my own warning, not a log line\n"),
                    new_output(
                        "display_data",
                        data={
                            html.WIDGET_VIEW: {"model_id": "abc", "version_major": 2},
                            "text/plain": "VBox(...)",
                        },
                    ),
                ],
            ),
        ],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
    )


def test_log_lines_are_dropped_and_other_stderr_kept():
    nb = small_notebook()
    assert html.drop_log_noise(nb) == 1
    texts = [o.text for o in nb.cells[1].outputs if o.output_type == "stream"]
    assert texts == ["my own warning, not a log line\n"]


def test_page_has_local_mathjax_no_hidden_tests_no_cdn_script_and_no_widget_state(tmp_path):
    nb = small_notebook()
    page = html.write_page(nb, "99_demo", tmp_path)
    text = page.read_text(encoding="utf-8")
    assert page == chapters.Chapter("99_demo").html_page(tmp_path)
    assert (tmp_path / html.MATHJAX_FOLDER / "MathJax.js").is_file()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]*)"', text)
    assert scripts == [f"{html.MATHJAX_FOLDER}/MathJax.js?config={html.MATHJAX_CONFIG}"], scripts
    assert "secret_case" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "cudart_stub" not in text and "my own warning" in text
    assert html.WIDGET_NOTE in text and "widget-state" not in text
    # The caller's notebook is left as it was.
    assert "secret_case" in nb.cells[1].source and len(nb.cells[1].outputs) == 3


def test_index_links_every_page_with_its_chapter_title(tmp_path):
    (tmp_path / "01_convolution.html").write_text("<html></html>")
    (tmp_path / "notes.html").write_text("<html></html>")
    index = html.write_index(tmp_path).read_text(encoding="utf-8")
    source = nbformat.read(chapters.get("01_convolution").source_notebook, as_version=4)
    title = html.chapter_title(source, "?")
    assert title.startswith("Chapter 01")
    assert f'<a href="01_convolution.html">{title}</a>' in index
    assert '<a href="notes.html">notes</a>' in index
    assert "index.html" not in index
