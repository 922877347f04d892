"""The parallel grader (helpers.grading.parallel) and the class report (helpers.grading.report).

The slow tests grade a small real class of chapter 01 (blank, one function written, solved,
one that kills its kernel, and a corrupt file) with `grade-class`, kill the run with SIGKILL as soon as the first grade
is recorded, run it again, and check that every student is graded exactly once with the
points nbgrader gives; then they write the class report. The fast tests check the report's
arithmetic, the failure messages and the job digests on data written by hand.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from class_harness import gradebook_rows
from grading_harness import Submission, hand_in, max_points
from nbformat.v4 import new_code_cell, new_notebook, new_output

from helpers.grading import course, parallel, report
from helpers.grading.chapters import Chapter
from helpers.grading.parallel import SubmissionResult, failure_messages, make_job, results_folder
from helpers.grading.solutions import solution_cells

CHAPTER = "01_convolution"


# ----------------------------------------------------------------------- fast: no grading
def write_results(root, chapter, results):
    folder = results_folder(root, chapter)
    folder.mkdir(parents=True)
    for result in results:
        (folder / f"{result.student}.json").write_text(json.dumps(result.summary()))


def hand_made_class(tmp_path):
    """Three students on a two-cell chapter (points 1 and 3), summarised by hand below."""
    top = {"a": 1.0, "b": 3.0}
    results = [
        SubmissionResult("ada", "d1", scores={"a": 1.0, "b": 3.0}, max_scores=top, seconds=5,
                         cpu_seconds=4),
        SubmissionResult("bob", "d2", scores={"a": 1.0, "b": 1.5}, max_scores=top,
                         messages={"b": "CheckFailed: expected (2, 3), found (3, 2)"}, seconds=9,
                         cpu_seconds=7),
        SubmissionResult("cy", "d3", scores={"a": 0.0, "b": 0.0}, max_scores=top,
                         failure="the notebook stopped its kernel", seconds=2, cpu_seconds=1),
    ]  # fmt: skip
    write_results(tmp_path, "01_tiny", results)
    return tmp_path


def test_the_report_counts_full_marks_messages_and_scores(tmp_path):
    summary = report.summarise(hand_made_class(tmp_path), "01_tiny")
    a, b = summary.cells
    # Cell a: ada and bob have 1/1, cy 0 -> 2 of 3 full marks, nobody partial.
    assert (a.grade_id, a.full, a.partial, a.graded) == ("a", 2, 0, 3)
    # Cell b: only ada has 3/3; bob's 1.5 is partial; bob's message and cy's crash, once each.
    assert (b.full, b.partial) == (1, 1)
    assert b.passed_share == pytest.approx(1 / 3)
    assert dict(b.messages) == {
        "CheckFailed: expected (2, 3), found (3, 2)": 1,
        "the notebook stopped its kernel": 1,
    }
    # Totals 4, 2.5 and 0 of 4: histogram bins 0..4 hold cy, -, bob (2.5 -> 2), -, ada.
    assert summary.totals == {"ada": 4.0, "bob": 2.5, "cy": 0.0}
    assert summary.histogram() == [(0, 1), (1, 0), (2, 1), (3, 0), (4, 1)]
    assert [s for s, _, _ in summary.slowest] == ["bob", "ada", "cy"]
    assert summary.failed == {"cy": "the notebook stopped its kernel"}


def test_the_report_page_is_written_next_to_the_grades(tmp_path):
    root = hand_made_class(tmp_path)
    page = report.write_report(root, "01_tiny")
    assert page == root / "report_01_tiny.html"
    assert page.parent == root  # where `make grades` writes grades.csv
    body = page.read_text()
    assert "expected (2, 3), found (3, 2)" in body and "<svg" in body
    assert "1/3" in body  # cell b: one full mark out of three


def test_a_chapter_never_graded_has_no_report(tmp_path):
    with pytest.raises(report.CourseError, match="run `make autograde CH=01_tiny` first"):
        report.summarise(tmp_path, "01_tiny")


def test_a_worker_grades_with_the_course_config_the_options_and_the_scratch_gradebook(tmp_path):
    """The worker runs nbgrader in its own process (autograde_here), so it reads the config
    as nbgrader's command line would: the course's nbgrader_config.py (the sandboxed
    executor, the course root), then options such as "--SandboxedExecute.cell_seconds=7",
    then the job's own gradebook."""
    from nbgrader.coursedir import CourseDirectory

    from helpers.grading.config import COURSE_ROOT, SLOWEST_CELL_SECONDS
    from helpers.grading.sandboxed import SandboxedExecute

    (tmp_path / "nbgrader_config.py").write_bytes((COURSE_ROOT / "nbgrader_config.py").read_bytes())
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    config = parallel.nbgrader_config(tmp_path, db_url, ["--SandboxedExecute.cell_seconds=7"])
    assert SandboxedExecute(config=config).cell_seconds == 7
    course_default = parallel.nbgrader_config(tmp_path, db_url)
    assert SandboxedExecute(config=course_default).cell_seconds == SLOWEST_CELL_SECONDS
    # A job per core: one thread per numeric library in the sandbox, unless the options say.
    assert SandboxedExecute(config=course_default).threads == 1
    sized = parallel.nbgrader_config(tmp_path, db_url, ["--SandboxedExecute.threads=2"])
    assert SandboxedExecute(config=sized).threads == 2
    assert SandboxedExecute().threads == 0  # the serial grader: the libraries' own defaults
    directory = CourseDirectory(config=config)
    assert (directory.db_url, directory.root) == (db_url, str(tmp_path.resolve()))


def test_failure_messages_come_from_graded_cells_only():
    def cell(grade, grade_id, error):
        code = new_code_cell("x")
        code.metadata["nbgrader"] = {"grade": grade, "grade_id": grade_id}
        if error:
            code.outputs = [new_output("error", ename=error[0], evalue=error[1], traceback=[])]
        return code

    nb = new_notebook(cells=[
        cell(False, "solution", ("NotImplementedError", "write it")),
        cell(True, "test_a", ("CheckFailed", "\x1b[31mexpected 1\x1b[0m\nfound 2")),
        cell(True, "test_b", None),
    ])  # fmt: skip
    assert failure_messages(nb) == {"test_a": "CheckFailed: expected 1"}


def test_a_job_digest_changes_with_the_submission_only(tmp_path):
    folder = Chapter(CHAPTER, tmp_path).submitted_folder("ada")
    folder.mkdir(parents=True)
    (folder / f"{CHAPTER}.ipynb").write_text("{}")
    first = make_job(tmp_path, CHAPTER, "ada")
    assert make_job(tmp_path, CHAPTER, "ada").digest == first.digest
    (folder / "timestamp.txt").write_text("2026-11-29 10:00:00 UTC")
    assert make_job(tmp_path, CHAPTER, "ada").digest != first.digest
    assert set(first.files) == {f"{CHAPTER}.ipynb"}


def test_the_local_cluster_fits_the_machine():
    import psutil

    workers, memory = parallel.default_workers()
    assert 1 <= workers <= len(os.sched_getaffinity(0))
    assert workers * memory <= psutil.virtual_memory().total


# ------------------------------------------------------- slow: a real class, killed halfway
def students() -> dict[str, Submission]:
    solutions = solution_cells(CHAPTER)
    return {
        "blank": Submission(),
        "only_zero_pad": Submission(
            written={"zero_pad": solutions["zero_pad"]}, passes=("test_zero_pad",)
        ),
        "solved": Submission(written=solutions, passes=tuple(max_points(CHAPTER))),
        # Ends its kernel in the first function's cell: the sandbox notes where it stopped and
        # grades the rest (0 points here), so it is graded, not a failure.
        "crashes": Submission(written={"zero_pad": "import os\nos._exit(1)"}),
    }


@pytest.fixture(scope="module")
def killed_and_rerun(tmp_path_factory):
    """A class graded by `grade-class`, killed (SIGKILL) once the first grade is recorded, and
    graded again; returns (root, {result file: mtime before the rerun}, the rerun's output)."""
    root = tmp_path_factory.mktemp("parallel") / "course"
    hand_in(root, CHAPTER, students(), corrupt=("corrupt",))
    command = [sys.executable, "-m", "helpers.grading", "grade-class", CHAPTER,
               "--course-root", str(root), "--workers", "2"]  # fmt: skip
    # Its own process group, so that one signal kills the coordinator, the Dask workers and
    # nbgrader at once, as a machine going down would.
    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    results = results_folder(root, CHAPTER)
    deadline = time.monotonic() + 1200
    while first.poll() is None and time.monotonic() < deadline and not any(results.glob("*.json")):
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    kept = {path.name: path.stat().st_mtime_ns for path in results.glob("*.json")}
    rerun = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1800)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    return root, kept, rerun.stdout


@pytest.mark.slow
def test_a_run_killed_halfway_and_rerun_grades_every_student_exactly_once(killed_and_rerun):
    root, kept, output = killed_and_rerun
    assert 1 <= len(kept) < len(students()), "the first run was not stopped halfway"
    expected = {name: s.expected_scores(CHAPTER) for name, s in students().items()}
    # gradebook_rows fails on a student graded twice or a grade recorded twice.
    assert gradebook_rows(f"sqlite:///{root / 'gradebook.db'}", CHAPTER) == expected
    results = results_folder(root, CHAPTER)
    assert {path.stem for path in results.glob("*.json")} == set(students())
    # The students recorded before the kill were kept, not graded again.
    assert {name: (results / name).stat().st_mtime_ns for name in kept} == kept
    assert f"{len(kept)} submission(s) already graded with the same files: kept" in output
    assert not list(root.glob("autograded/*/.*.partial"))
    assert (Chapter(CHAPTER, root).unreadable_folder("corrupt") / "WHY.txt").exists()
    for name in students():
        nbformat.read(Chapter(CHAPTER, root).autograded_notebook(name), as_version=4)
    crashed = json.loads((results / "crashes.json").read_text())
    assert crashed["failure"] is None
    assert any("stopped" in note for note in crashed["notes"]), crashed["notes"]


@pytest.mark.slow
def test_the_class_report_shows_what_the_class_got_wrong(killed_and_rerun):
    root, _, _ = killed_and_rerun
    course.export_grades(root)
    summary = report.summarise(root, CHAPTER)
    cells = {cell.grade_id: cell for cell in summary.cells}
    assert set(cells) == set(max_points(CHAPTER))
    # zero_pad: only_zero_pad and solved pass (of 4 graded); conv_forward: solved only.
    assert (cells["test_zero_pad"].full, cells["test_zero_pad"].graded) == (2, 4)
    assert cells["test_conv_forward"].full == 1
    # blank, only_zero_pad and crashes (graded without its crashing cell) fail
    # test_conv_forward with the same message: the stub's.
    assert [count for _, count in cells["test_conv_forward"].messages] == [3]
    assert summary.set_aside.keys() == {"corrupt"}
    assert summary.failed == {}
    assert summary.totals["solved"] == sum(max_points(CHAPTER).values())
    page = report.write_report(root, CHAPTER)
    assert page.parent == (root / "grades.csv").parent
    assert cells["test_conv_forward"].messages[0][0] in report.html.unescape(page.read_text())


def test_a_scheduler_address_connects_to_that_cluster():
    from dask.distributed import LocalCluster

    # An in-process cluster (threads): the address is all that connect() is given.
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        client, where = parallel.connect(scheduler=cluster.scheduler_address)
        try:
            assert where == f"the Dask cluster at {cluster.scheduler_address} (1 worker(s))"
            assert client.submit(sum, [1, 2]).result() == 3
        finally:
            client.close()


@pytest.mark.slow
def test_the_local_workers_are_warmed_before_their_first_job_and_keep_dask_quiet():
    import dask

    client, _ = parallel._started(None, 1)
    try:
        imported = client.run(lambda: [name in sys.modules for name in
                                       ("tensorflow", "nbgrader.converters", "helpers.grading.judge")])  # fmt: skip
        assert list(imported.values()) == [[True, True, True]]
        # Dask's sampling profiler and frequent monitors are off in the workers (QUIET_CLUSTER).
        settings = client.run(lambda: {key: dask.config.get(key) for key in parallel.QUIET_CLUSTER})
        assert list(settings.values()) == [parallel.QUIET_CLUSTER]
    finally:
        parallel._close(client)


def test_the_largest_submissions_are_graded_first():
    from helpers.grading.parallel import SubmissionJob, largest_first

    def job(student, size):
        return SubmissionJob("01_convolution", student, {"a.ipynb": b"x" * size}, student)

    jobs = [job("blank", 10), job("solved", 300), job("partial", 100), job("blank_2", 10)]
    assert [j.student for j in largest_first(jobs)] == ["solved", "partial", "blank", "blank_2"]
