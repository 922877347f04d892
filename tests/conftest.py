"""Shared test settings: a non-interactive matplotlib backend, each chapter's solutions, and
each chapter's graded class."""

import os
import re

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="module")
def solved(request):
    """The instructor's solutions of the chapter named by the test module's ``CHAPTER``.

    Returns:
        The namespace dict of the chapter's "imports" and solution cells (load_solutions).
    """
    from helpers.grading.solutions import load_solutions

    return load_solutions(request.module.CHAPTER)


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """A function that grades a chapter's contract class, once per test run.

    The contract (tests/test_grading_contract.py) and the chapter's own file
    (tests/test_grading_NN_*.py) both read the same graded class: autograding takes minutes,
    and the solved submission is the chapter's one execution per run.

    Returns:
        graded(contract: grading_harness.Contract) -> grading_harness.GradedClass.
    """
    # Imported here so that the fast tests do not load nbgrader through this file.
    from grading_harness import grade_contract

    runs = {}

    def graded(contract):
        if contract.chapter not in runs:
            try:
                root = tmp_path_factory.mktemp(contract.chapter)
                runs[contract.chapter] = grade_contract(root, contract)
            except Exception as error:
                # Remember the failure: every later test of this chapter reports it at once
                # instead of grading the class again for minutes.
                runs[contract.chapter] = error
        if isinstance(runs[contract.chapter], Exception):
            raise runs[contract.chapter]
        return runs[contract.chapter]

    return graded


# A test of a chapter's graded class: in tests/test_grading_NN_*.py, or one of the contract's
# tests parametrized by that chapter (ids "NN_chapter" and "NN_chapter-student").
GRADED_CHAPTER = re.compile(
    r"^tests/test_grading_(\d\d_[a-z0-9_]+)\.py::|^tests/test_grading_contract\.py::\w+\[(\d\d_[a-z0-9_]+)[-\]]"
)


def run_group(nodeid: str) -> str:
    """The group a test runs in when the suite is spread over processes (``make test``:
    pytest-xdist): one process runs a whole group.

    A test of a chapter's graded class (GRADED_CHAPTER) is in that chapter's group, so the class
    is graded once per run; any other test is in its module's group, so a module's fixtures are
    made once.

    Args:
        nodeid: a test's pytest node id, e.g. "tests/test_boxes.py::test_iou[1]".
    """
    found = GRADED_CHAPTER.match(nodeid)
    if found:
        return f"graded-{found.group(1) or found.group(2)}"
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(config, items):
    """Order the tests by group (run_group), the slow groups first.

    A process takes the next group when it finishes one, in this order: the groups that
    execute chapters or run nbgrader go first, so that the last minutes of a run are spent on
    short tests on both processes instead of one long group on one.
    """
    groups: dict[str, list] = {}
    for item in items:
        group = run_group(item.nodeid)
        if "graded_class" in getattr(item, "fixturenames", ()) and not group.startswith("graded-"):
            raise pytest.UsageError(
                f"{item.nodeid} reads a chapter's graded class but is not in that chapter's group: "
                "name its file tests/test_grading_NN_slug.py or parametrize it by the contract "
                "entry (tests/conftest.py, GRADED_CHAPTER), or each process grades the class again"
            )
        groups.setdefault(group, []).append(item)
    slow_first = sorted(groups.values(), key=lambda tests: not any(
        test.get_closest_marker("slow") for test in tests))  # fmt: skip
    items[:] = [test for tests in slow_first for test in tests]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist hands out whole groups (run_group), in the order collected.

    (Its own "xdist_group" marks do not group with pytest 9, which no longer reads the node id
    that pytest-xdist 3.8 rewrites for them.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return run_group(nodeid)

    return ByGroup(config, log)
