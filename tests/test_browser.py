"""The course as a learner meets it: the learner's JupyterLab (`make lab`'s settings, lab/learner/)
in a real Chromium, driven with Playwright.

One JupyterLab is started for the module on a free port, on a working copy of notebooks/ (as
`make lab` makes it) plus a solved chapter 01. The tests open every learner notebook and run
its first cells, type a wrong then a right answer into chapter 01 and read the check's
message on the page, move every widget of chapter 01, press Validate on the solved chapter,
check that nbgrader's instructor tools are absent, and open a `make html` page offline.

Screenshots go to build/test-artifacts/browser/ (git-ignored). The tests need Debian's
Chromium (`make test` installs it where it can); without it they skip and say why, except
in CI (CI=true), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from helpers.grading.config import LEARNER_NOTEBOOKS_DIR, REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # minutes: not in the fast suite

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts" / "browser"
TOKEN = "course-browser-test"
CHAPTER = "01_convolution"
# Seconds: a kernel's start and TensorFlow's import, and a whole chapter 01 run, on a loaded
# 2-core machine (Validate runs the chapter in a kernel of its own).
CELL_SECONDS = 120
VALIDATE_SECONDS = 420


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (run `make test`, which installs it)"
    if not CHROMIUM.exists():
        return (
            f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium where apt-get "
            "runs as root; elsewhere install chromium, or set COURSE_CHROMIUM to its path"
        )
    return None


MISSING = _missing_browser()
if MISSING and os.environ.get("CI"):
    pytest.fail(f"CI must run the browser tests: {MISSING}", pytrace=False)
if MISSING:
    pytest.skip(MISSING, allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def solved_learner_notebook(chapter: str) -> nbformat.NotebookNode:
    """The learner notebook with every exercise answered by the instructor's solution."""
    from helpers.grading.solutions import solution_cells

    nb = nbformat.read(LEARNER_NOTEBOOKS_DIR / f"{chapter}.ipynb", as_version=4)
    solutions = solution_cells(chapter)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in solutions:
            cell.source = solutions[grade_id]
    return nb


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A learner JupyterLab on a working copy of notebooks/; yields (base URL, work folder)."""
    spec = importlib.util.spec_from_file_location(
        "working_copy", REPO_ROOT / "lab" / "working_copy.py"
    )
    working_copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(working_copy)
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    working_copy.update(LEARNER_NOTEBOOKS_DIR, work)  # as `make lab` makes it
    (work / "solved").mkdir()
    nbformat.write(solved_learner_notebook(CHAPTER), work / "solved" / f"{CHAPTER}.ipynb")
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_PATH": str(REPO_ROOT / "lab" / "learner"),
        # The learner's own JupyterLab settings and layout stay out of the test, and the
        # test's out of theirs.
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    log = open(home / "jupyter.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={work}",
         f"--IdentityProvider.token={TOKEN}", "--allow-root",
         # window.jupyterapp: the tests read cell outputs from the notebook model.
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not start:\n{(home / 'jupyter.log').read_text()}"
                    ) from None
                time.sleep(1)
        yield base, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(home / "jupyter.log", ARTIFACTS / "jupyter.log")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab, request):
    """JupyterLab loaded in a fresh page (layout reset); a screenshot is kept at the end."""
    base, _ = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/lab?reset&token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel")
    page.wait_for_function("window.jupyterapp && window.jupyterapp.started !== undefined")
    page.evaluate("window.jupyterapp.started")
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"))
    context.close()
    shut_down_every_kernel(base)  # each holds up to 1.5 GB once TensorFlow is imported


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_notebook(page, path: str) -> None:
    """Open a notebook of the working copy and wait until its kernel is ready."""
    page.evaluate(
        """async (path) => {
            const app = window.jupyterapp;
            const widget = await app.commands.execute('docmanager:open', {path});
            await widget.context.ready;
            await widget.sessionContext.ready;
            app.shell.activateById(widget.id);
        }""",
        path,
    )
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")


def code_cell_indices(page) -> dict[str, int]:
    """{cell id: index} of the current notebook's code cells."""
    return page.evaluate(
        """() => {
            const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
            const found = {};
            for (let i = 0; i < cells.length; i++) {
                const cell = cells.get(i);
                if (cell.type === 'code') found[cell.id] = i;
            }
            return found;
        }"""
    )


def run_cell(page, index: int, timeout_s: int = CELL_SECONDS) -> list[dict]:
    """Select cell `index` of the current notebook, run it, wait, and return its outputs."""
    page.evaluate(
        """async (index) => {
            const app = window.jupyterapp;
            app.shell.currentWidget.content.activeCellIndex = index;
            await app.commands.execute('notebook:run-cell');
        }""",
        index,
    )
    page.wait_for_function(
        """(index) => {
            const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
            return cell.model.executionCount !== null && !cell.promptNode.textContent.includes('*');
        }""",
        arg=index,
        timeout=timeout_s * 1000,
    )
    return outputs(page, index)


def outputs(page, index: int) -> list[dict]:
    return page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.outputs.toJSON()",
        index,
    )


def errors(cell_outputs: list[dict]) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in cell_outputs if o["output_type"] == "error"]


def close_current(page) -> None:
    """Save the current notebook (running cells marks it changed) and close its tab."""
    page.evaluate(
        """async () => {
            const widget = window.jupyterapp.shell.currentWidget;
            await widget.context.save();
            widget.close();
        }"""
    )


def api(base: str, path: str, method: str = "GET"):
    """Call JupyterLab's REST API; returns the decoded JSON (None for an empty answer)."""
    import json

    request = urllib.request.Request(f"{base}/api/{path}?token={TOKEN}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def session_paths(base: str) -> list[str]:
    """The notebooks whose kernels are running."""
    return [session["path"] for session in api(base, "sessions")]


def shut_down_every_kernel(base: str) -> None:
    for session in api(base, "sessions"):
        api(base, f"sessions/{session['id']}", method="DELETE")


def set_cell_text(page, index: int, text: str) -> None:
    """Replace a cell's code as a learner would: click in it, select all, type."""
    editor = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
    editor.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    typed = page.evaluate(
        "(i) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i).sharedModel.getSource()",
        index,
    )
    assert typed == text


def test_learner_setup_has_validate_and_no_instructor_tools(page, lab):
    base, _ = lab
    open_notebook(page, "00_start_here.ipynb")
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "File" in menus and "Nbgrader" not in menus, menus
    assert page.locator(".jp-NotebookPanel-toolbar .validate-button").count() == 1
    # No "get notified about official Jupyter news?" toast (JupyterLab asks a few seconds in).
    page.wait_for_timeout(3000)
    assert page.get_by_text("official Jupyter news").count() == 0
    shot(page, "learner-setup")
    for url in ("formgrader", "assignments", "courses"):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(f"{base}/{url}?token={TOKEN}", timeout=10)
        assert error.value.code == 404, url


def test_every_learner_notebook_opens_and_runs_its_first_cells(page, lab):
    base, work = lab
    # Every notebook `make lab` copied (not the solved one the fixture added, nor JupyterLab's
    # .ipynb_checkpoints/ copies).
    notebooks = sorted(
        path.relative_to(work).as_posix()
        for path in work.rglob("*.ipynb")
        if not any(part.startswith(".") for part in path.relative_to(work).parts)
        and path.relative_to(work).parts[0] != "solved"
    )
    assert "00_start_here.ipynb" in notebooks and f"{CHAPTER}.ipynb" in notebooks
    stderr = []  # kept as an artefact: what a learner sees in red under the first cells
    for name in notebooks:
        open_notebook(page, name)
        first_two = list(code_cell_indices(page).values())[:2]
        for index in first_two:
            cell_outputs = run_cell(page, index)
            found = errors(cell_outputs)
            assert not found, f"{name}, cell {index}: {found}"
            red = [o["text"] for o in cell_outputs if o.get("name") == "stderr"]
            stderr.append(f"== {name}, cell {index}: {len(red)} stderr output(s)\n{''.join(red)}")
        cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
        cells.nth(first_two[-1]).scroll_into_view_if_needed()
        shot(page, f"first-cells-{Path(name).stem}")
        # The learner setup stops a notebook's kernel when its tab is closed.
        close_current(page)
        deadline = time.monotonic() + 30
        while name in session_paths(base) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert name not in session_paths(base), f"{name}'s kernel kept running after its tab closed"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-cells-stderr.txt").write_text("\n".join(stderr), encoding="utf-8")


WRONG_ZERO_PAD = """def zero_pad(X, pad):
    # a common slip: the height padded, the width forgotten
    return np.pad(X, ((0, 0), (pad, pad), (0, 0), (0, 0)), mode="constant")
"""
RIGHT_ZERO_PAD = """def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")
"""


def text_of(cell_outputs: list[dict]) -> str:
    parts = []
    for output in cell_outputs:
        if output["output_type"] == "stream":
            parts.append("".join(output["text"]))
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_wrong_then_right_answer_in_chapter_01_and_every_widget_moves(page):
    open_notebook(page, f"{CHAPTER}.ipynb")
    cells = code_cell_indices(page)
    for cell_id in ("environment-check", "imports", "code-03"):
        assert not errors(run_cell(page, cells[cell_id])), cell_id

    # Every widget of the chapter: the explorers draw with the course's references, so they
    # work before any exercise is done.
    for cell_id in ("code-07", "code-11", "code-19", "code-20"):
        assert not errors(run_cell(page, cells[cell_id])), cell_id
    moved = move_every_widget(page, [cells["code-07"], cells["code-11"], cells["code-20"]])
    assert moved >= 9, f"{moved} widgets moved; chapter 01 has 2 + 4 + 3"

    # A wrong answer, then the right one, typed into the zero_pad exercise.
    set_cell_text(page, cells["zero_pad"], WRONG_ZERO_PAD)
    assert not errors(run_cell(page, cells["zero_pad"]))
    wrong = run_cell(page, cells["test_zero_pad"])
    check = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(
        cells["test_zero_pad"]
    )
    check.scroll_into_view_if_needed()
    shot(page, "chapter01-zero_pad-wrong")
    message = check.locator(".jp-OutputArea").inner_text()
    assert errors(wrong), "the check must fail on a zero_pad that pads only the height"
    assert "zero_pad" in message and "(1, 4, 4, 1)" in message, message

    set_cell_text(page, cells["zero_pad"], RIGHT_ZERO_PAD)
    assert not errors(run_cell(page, cells["zero_pad"]))
    right = run_cell(page, cells["test_zero_pad"])
    check.scroll_into_view_if_needed()
    shot(page, "chapter01-zero_pad-right")
    assert not errors(right), text_of(right)
    assert "\N{CHECK MARK}" in check.locator(".jp-OutputArea").inner_text()


def widget_picture(cell) -> str:
    """What a cell's widget figure shows now: the bytes of the images in its Output."""
    return cell.evaluate(
        """(node) => Array.from(node.querySelectorAll('.widget-output img'))
            .map(img => img.src).join('|')"""
    )


def wait_until_idle(page) -> None:
    """Wait until the current notebook's kernel has finished what it was asked."""
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'"
    )


def move_every_widget(page, indices: list[int]) -> int:
    """Move each slider, dropdown and toggle of the given cells' widgets; the figure must change."""
    moved = 0
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    for index in indices:
        cell = notebook.nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".widget-output img").first.wait_for()
        wait_until_idle(page)
        controls = [
            *[("slider", s) for s in cell.locator(".widget-slider").all()],
            *[("dropdown", s) for s in cell.locator(".widget-dropdown select").all()],
            *[("toggle", s) for s in cell.locator(".widget-toggle-buttons").all()],
        ]
        for kind, control in controls:
            before = widget_picture(cell)
            if kind == "slider":
                handle = control.locator(".noUi-handle").first
                at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute(
                    "aria-valuemax"
                )
                handle.focus()
                page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
            elif kind == "dropdown":
                options = control.locator("option").all_inner_texts()
                control.select_option(label=options[-1])
            else:
                control.locator("button").last.click()
            deadline = time.monotonic() + 30
            while widget_picture(cell) == before and time.monotonic() < deadline:
                time.sleep(0.3)
            assert widget_picture(cell) != before, (
                f"cell {index}: moving its {kind} changed nothing"
            )
            wait_until_idle(page)  # the figure is drawn in full before the next control moves
            moved += 1
        shot(page, f"chapter01-widgets-cell{index}")
    return moved


def test_validate_on_a_solved_chapter_reports_success(page):
    open_notebook(page, f"solved/{CHAPTER}.ipynb")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=VALIDATE_SECONDS * 1000)
    page.get_by_text("Validation Results").wait_for()
    shot(page, "validate-solved-chapter01")
    text = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in text, text


def test_make_html_page_shows_formulas_offline(browser, tmp_path):
    from helpers.grading import chapters, html

    # The page `make html` writes, rendered here from the chapter without executing it: the
    # formulas are in its Markdown, and executing the chapter is `make html`'s slow part.
    nb = nbformat.read(chapters.get(CHAPTER).source_notebook, as_version=4)
    page_path = html.write_page(nb, CHAPTER, tmp_path)
    context = browser.new_context(offline=True)
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
        " && document.querySelectorAll('.MathJax_Display').length > 0",
        timeout=60_000,
    )
    formula = page.locator(".MathJax_Display").first
    formula.scroll_into_view_if_needed()
    shot(page, "make-html-formula-offline")
    assert formula.bounding_box()["height"] > 20  # typeset, not a line of raw TeX
    fonts = page.evaluate(
        "Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any(font.startswith("STIXMathJax") for font in fonts), fonts
    text = page.locator("body").inner_text()
    assert "$$" not in text and "\\sum" not in text
    web = [url for url in requests if url.startswith(("http:", "https:"))]
    assert web == [], f"the page asked the network for {web}"
    context.close()
