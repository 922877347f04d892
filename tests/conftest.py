"""Shared test settings: a non-interactive matplotlib backend, each chapter's solutions, and
each chapter's graded class."""

import os

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


def test_group(item) -> str:
    """The group a test runs in when the suite is spread over processes (``make test``: pytest-xdist,
    ``--dist loadgroup``): one process runs a whole group.

    A test that reads a chapter's graded class (the contract's tests of that chapter and the
    chapter's own tests/test_grading_NN_*.py) is in that chapter's group, so the class is
    graded once per run; any other test is in its module's group, so a module's fixtures are
    made once.

    Args:
        item: a collected pytest item.
    """
    if "graded_class" in getattr(item, "fixturenames", ()):
        params = getattr(getattr(item, "callspec", None), "params", {})
        chapter = params["entry"].chapter if "entry" in params else item.module.CHAPTER
        return f"graded-{chapter}"
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config, items):
    """Group the tests for pytest-xdist (test_group), the slow groups first.

    A process takes the next group when it finishes one, in the order collected: the groups
    that execute chapters or run nbgrader go first, so that the last minutes of a run are
    spent on short tests on both processes instead of one long group on one.
    """
    groups: dict[str, list] = {}
    for item in items:
        group = test_group(item)
        item.add_marker(pytest.mark.xdist_group(group))
        groups.setdefault(group, []).append(item)
    slow_first = sorted(groups.values(), key=lambda tests: not any(
        test.get_closest_marker("slow") for test in tests))  # fmt: skip
    items[:] = [test for tests in slow_first for test in tests]
