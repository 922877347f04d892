"""The layout of helpers/: one home per concern, one module per chapter, and no chapter module
that leans on another chapter's (the rule in helpers/__init__.py and assignments/AUTHORING.md).

Imports are read from the source text (``ast``), so these tests run in well under a second.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

import helpers
from helpers.grading import chapters

HELPERS = Path(helpers.__file__).parent
REPO = HELPERS.parent
CHAPTERS = chapters.names()
SLUGS = {name: chapters.get(name).slug for name in CHAPTERS}
PER_CHAPTER = ("checks", "references", "viz")  # packages with one module per chapter
SHARED_IN_PACKAGE = {"__init__", "common", "models"}  # shared modules inside a per-chapter package
# Modules whose chapter has no notebook yet (none at present).
AHEAD_OF_THEIR_CHAPTER: set[str] = set()


def helpers_imports(source: str) -> set[str]:
    """Every ``helpers...`` module a Python source imports, as a dotted name."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("helpers")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            found.add(node.module)
            # `from helpers.viz import convolution` imports the module helpers.viz.convolution
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def chapter_of(module: str) -> str | None:
    """The slug a module belongs to (``helpers.viz.convolution`` -> ``convolution``), or None
    for a shared module."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] in PER_CHAPTER and parts[2] not in SHARED_IN_PACKAGE:
        return parts[2]
    return None


def python_modules() -> dict[str, Path]:
    """{dotted name: path} of every module in helpers/."""
    modules = {}
    for path in sorted(HELPERS.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        modules[".".join(parts)] = path
    return modules


def chapter_notebook_source(chapter: str) -> str:
    """Every code cell of a chapter's instructor notebook, IPython magics dropped."""
    nb = nbformat.read(chapters.get(chapter).source_notebook, as_version=4)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))


def test_the_rules_read_imports_and_chapters_correctly():
    assert {"01_convolution", "02_keras_classics", "05_object_detection"} <= set(CHAPTERS)
    assert helpers_imports("from helpers.viz import convolution as viz") >= {
        "helpers.viz.convolution"
    }
    assert chapter_of("helpers.viz.convolution") == "convolution"
    assert chapter_of("helpers.viz.common") is None
    assert chapter_of("helpers.boxes") is None
    source = "import numpy\nfrom helpers.checks.common import passed\nimport helpers.viz.object_detection"
    assert helpers_imports(source) == {
        "helpers.checks.common",
        "helpers.checks.common.passed",
        "helpers.viz.object_detection",
    }


@pytest.mark.parametrize("module", sorted(python_modules()))
def test_a_module_imports_no_other_chapters_module(module):
    own = chapter_of(module)
    imported = helpers_imports(python_modules()[module].read_text())
    foreign = {name for name in imported if chapter_of(name) not in (None, own)}
    assert not foreign, (
        f"{module} imports {sorted(foreign)}: move what both chapters use to a shared module "
        "(helpers.viz.common, helpers.checks.common, helpers.boxes, helpers.gradients)."
    )
    unknown = {
        name for name in imported if chapter_of(name) and chapter_of(name) not in SLUGS.values()
    }
    assert not unknown, f"{module} imports {sorted(unknown)}, which belong to no chapter"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_notebook_imports_only_its_own_chapter_modules(chapter):
    imported = helpers_imports(chapter_notebook_source(chapter))
    foreign = {name for name in imported if chapter_of(name) not in (None, SLUGS[chapter])}
    assert not foreign, f"{chapter} imports another chapter's modules: {sorted(foreign)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_its_checks_and_their_tests(chapter):
    slug = SLUGS[chapter]
    assert (HELPERS / "checks" / f"{slug}.py").is_file()
    assert (REPO / "tests" / f"test_checks_{slug}.py").is_file()
    assert (REPO / "benchmarks" / f"bench_{chapter}.py").is_file()


@pytest.mark.parametrize("package", PER_CHAPTER)
def test_per_chapter_packages_hold_only_chapter_modules(package):
    names = {p.stem for p in (HELPERS / package).glob("*.py")} - SHARED_IN_PACKAGE
    stray = names - set(SLUGS.values()) - AHEAD_OF_THEIR_CHAPTER
    assert not stray, (
        f"helpers/{package}/ holds {sorted(stray)}, which is not a chapter slug "
        f"({sorted(SLUGS.values())}); a shared module goes in common.py or at the top of helpers/."
    )


def test_the_package_docstring_lists_what_it_holds():
    top_level = {p.stem for p in HELPERS.glob("*.py")} | {
        p.name for p in HELPERS.iterdir() if (p / "__init__.py").is_file()
    }
    missing = [
        name
        for name in sorted(top_level - {"__init__"})
        if not re.search(rf"``helpers\.{name}\b", helpers.__doc__)
    ]
    assert not missing, f"helpers/__init__.py does not describe {missing}"
