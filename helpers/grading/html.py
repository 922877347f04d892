"""`make html`: the solved chapters as web pages for a class, readable with no network.

Every chapter is executed from its instructor notebook (solutions filled in), and written to
``build/html/<chapter>.html`` with its figures inlined, beside an ``index.html`` that links
them. Two things make the pages fit to show:

- Formulas render offline: the pages load MathJax from ``build/html/mathjax/``, a copy of the
  MathJax that the ``jupyter-server-mathjax`` package ships, not from a CDN.
- No log noise: the chapter runs in the course's quiet kernel (helpers.grading.execute, with
  helpers.environment's settings), and any stderr output made only of log lines or warnings
  (the grader's own pattern, ``IGNORED_STDERR_PATTERN``) is dropped before rendering.

Hidden tests are removed from the pages (the code a class should not see before grading).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat

from helpers.grading import chapters
from helpers.grading.config import COURSE_ROOT, HTML_DIR, IGNORED_STDERR_PATTERN

MATHJAX_FOLDER = "mathjax"
# The one configuration jupyter-server-mathjax ships: TeX input, HTML-CSS output.
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
# That package ships the STIX-Web fonts only; MathJax looks for its TeX fonts first and, not
# finding them, would fall back to the system's fonts. Set before MathJax.js loads.
MATHJAX_FONTS = (
    "<script>window.MathJax = {'HTML-CSS': {availableFonts: ['STIX-Web'], "
    "preferredFont: 'STIX-Web', webFont: 'STIX-Web', imageFont: null}};</script>\n"
)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    "<p><em>An interactive widget is here: open the notebook in JupyterLab to use it.</em></p>"
)
INDEX = "index.html"


def mathjax_source() -> Path:
    """The folder holding MathJax.js in the installed jupyter-server-mathjax package."""
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(out_dir: Path) -> Path:
    """Copy MathJax next to the pages (once), so that they render formulas with no network.

    Args:
        out_dir: the folder of rendered pages (build/html/).

    Returns:
        The folder written, <out_dir>/mathjax/.
    """
    target = Path(out_dir) / MATHJAX_FOLDER
    if not (target / "MathJax.js").exists():
        shutil.copytree(mathjax_source(), target, dirs_exist_ok=True)
    return target


def drop_log_noise(nb: nbformat.NotebookNode) -> int:
    """Remove every stderr output made only of TensorFlow/absl log lines or warnings.

    Args:
        nb: an executed notebook (nbformat.NotebookNode), changed in place.

    Returns:
        How many outputs were removed.
    """
    removed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            noise = (
                output.output_type == "stream"
                and output.name == "stderr"
                and re.match(IGNORED_STDERR_PATTERN, output.text.rstrip("\n"))
            )
            if noise:
                removed += 1
            else:
                kept.append(output)
        cell.outputs = kept
    return removed


def replace_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace each widget output by a note, and drop the saved widget state.

    A saved widget state is drawn by a script that nbconvert's page loads from a CDN, which an
    offline page cannot reach; a note says where the widget is instead.

    Args:
        nb: an executed notebook (nbformat.NotebookNode), changed in place.

    Returns:
        How many widget outputs were replaced.
    """
    nb.metadata.pop("widgets", None)
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output.data = {"text/html": WIDGET_NOTE}
                replaced += 1
    return replaced


def hide_hidden_tests(nb: nbformat.NotebookNode) -> None:
    """Remove the hidden-test regions from every cell's source, as nbgrader does on release.

    Args:
        nb: a notebook (nbformat.NotebookNode), changed in place.
    """
    from nbgrader.preprocessors import ClearHiddenTests

    clearer = ClearHiddenTests(enforce_metadata=False)
    for cell in nb.cells:
        if cell.cell_type == "code":
            clearer._remove_hidden_test_region(cell)


def write_page(nb: nbformat.NotebookNode, name: str, out_dir: Path = HTML_DIR) -> Path:
    """Render one notebook to <out_dir>/<name>.html with the local MathJax and no hidden tests.

    Args:
        nb: the notebook (nbformat.NotebookNode), executed or not; it is not changed.
        name: the page's name without ".html", e.g. "01_convolution".
        out_dir: the folder of rendered pages.

    Returns:
        The page written.
    """
    from nbconvert import HTMLExporter  # slow to import; only this command needs it

    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook keeps its hidden tests
    hide_hidden_tests(nb)
    drop_log_noise(nb)
    replace_widgets(nb)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_mathjax(out_dir)
    mathjax_url = f"{MATHJAX_FOLDER}/MathJax.js?config={MATHJAX_CONFIG}"
    # require.js (from a CDN by default) only serves the widget scripts, removed above.
    exporter = HTMLExporter(mathjax_url=mathjax_url, require_js_url="")
    body, _ = exporter.from_notebook_node(nb)
    body = body.replace('<script src=""></script>', "")
    mathjax_tag = f'<script src="{mathjax_url}">'
    body = body.replace(mathjax_tag, MATHJAX_FONTS + mathjax_tag, 1)
    out = out_dir / f"{name}.html"
    out.write_text(body, encoding="utf-8")
    return out


def chapter_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first Markdown heading of a notebook ("# Chapter 01: ..."), without the hashes.

    Args:
        nb: a notebook (nbformat.NotebookNode).
        fallback: what to return when it has no heading.
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+)$", cell.source, flags=re.M)
            if match:
                return match[1].strip()
    return fallback


def write_index(out_dir: Path = HTML_DIR, root: Path = COURSE_ROOT) -> Path:
    """Write <out_dir>/index.html linking every chapter page found there, by its title.

    Args:
        out_dir: the folder of rendered pages.
        root: the course root, whose instructor notebooks give each chapter's title.

    Returns:
        The index page.
    """
    out_dir = Path(out_dir)
    known = set(chapters.names(root))
    rows = []
    for page in sorted(out_dir.glob("*.html")):
        if page.name == INDEX:
            continue
        title = page.stem
        if page.stem in known:
            title = chapter_title(
                nbformat.read(chapters.get(page.stem, root).source_notebook, as_version=4), title
            )
        rows.append(f'  <li><a href="{html.escape(page.name)}">{html.escape(title)}</a></li>')
    items = "\n".join(rows)
    index = out_dir / INDEX
    index.write_text(
        "<!DOCTYPE html>\n<html lang='en'>\n<head><meta charset='utf-8'>"
        "<title>CNN course: solved chapters</title></head>\n<body>\n"
        "<h1>Convolutional neural networks, hands-on: the solved chapters</h1>\n"
        "<p>Each page is a chapter executed top to bottom with its solutions, for a class "
        "demo; hidden tests are not shown. The pages work offline.</p>\n"
        f"<ul>\n{items}\n</ul>\n</body>\n</html>\n",
        encoding="utf-8",
    )
    return index


def render_chapters(which: str = "all", root: Path = COURSE_ROOT, out_dir: Path = HTML_DIR):
    """Execute and render the chosen chapters, then (re)write the index page.

    Args:
        which: "all", or one chapter's name (the CLI's CHAPTER argument).
        root: the course root.
        out_dir: the folder of rendered pages (build/html/).

    Returns:
        The pages written, index last.
    """
    from helpers.grading.execute import execute_chapter

    written = []
    for chapter in chapters.select(which, root):
        print(f"executing {chapter} (solved) ...", flush=True)
        executed = execute_chapter(chapter, root)
        page = write_page(executed.notebook, chapter, out_dir)
        print(f"wrote {page} ({executed.seconds:.0f} s)", flush=True)
        written.append(page)
    index = write_index(out_dir, root)
    print(f"wrote {index}")
    return [*written, index]
