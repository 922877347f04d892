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
