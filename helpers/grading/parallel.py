"""Autograde a whole class in parallel on Dask: one job per submission, every grade recorded once.

``python -m helpers.grading grade-class CHAPTER`` (``make autograde CH=...``) runs
:func:`autograde_class`:

1. corrupt notebooks are set aside in ``submitted_unreadable/`` (as the serial autograde does);
2. every other submission becomes a :class:`SubmissionJob` (its files, as bytes, and a digest of
   them), and a submission already graded with the same digest is skipped: a run that was
   killed halfway, run again, grades only what is left;
3. the jobs run on a Dask cluster: a ``LocalCluster`` sized to this machine (one single-threaded
   worker process per core, as many as memory allows, each with a memory limit), or an existing
   cluster given by its scheduler address. Each job is :func:`grade_submission`: one submission
   in, its result out (score per graded cell, failure cause, seconds), graded by nbgrader in a
   scratch course of its own, so a worker needs no shared disk and never writes to the
   gradebook;
4. this process (the coordinator) records each result as it arrives, one at a time
   (:func:`record`): the autograded folder, the grades (:func:`gradebook.record_grades`, which
   creates or updates, so a student recorded twice still has one row per grade), then the
   result file ``grading/<chapter>/<student>.json``, written last: a student counts as graded
   only when all three are there.

Progress (submissions done, failures, time left) is printed as results arrive. The class
report (:mod:`helpers.grading.report`) reads the result files.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from helpers.grading import chapters, course, gradebook
from helpers.grading.chapters import Chapter, CourseError
from helpers.grading.sandboxed import keep_plan, notes_file

# Memory one grading job needs at most (nbgrader, a kernel that imports TensorFlow and trains a
# small network in a later chapter): the local cluster starts no more workers than fit.
MEMORY_PER_JOB_BYTES = 3 * 2**30
RESULTS_FOLDER = "grading"  # <root>/grading/<chapter>/<student>.json, one per graded student
# Dask's own bookkeeping in the local cluster, made rare: by default each worker samples its
# threads' stacks every 10 ms (the dashboard's profile, which this cluster does not serve) and
# each process wakes every 20 ms (event-loop tick) and every 0.1 to 0.5 s (memory and system
# monitors). On 2 idle workers: 0.13-0.25 of a core busy by default, 0.02-0.03 with these
# (benchmarks/bench_dask_idle.py); on a 2-core machine that is CPU the jobs lose to Dask.
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
}
KILLED_WORKER = (
    "grading this notebook killed its Dask worker several times (out of memory, or a crash); "
    "open it and run it top to bottom to see which cell"
)


# ------------------------------------------------------------------------------ the jobs
@dataclasses.dataclass(frozen=True)
class CourseTemplate:
    """What every job needs of the course: a scratch course with the chapter released.

    Attributes:
        chapter: the chapter's name, e.g. "01_convolution".
        files: {path relative to the course root: bytes}: nbgrader_config.py, source/<chapter>/
            and a SQLite gradebook.db that knows the chapter's graded cells.
    """

    chapter: str
    files: dict[str, bytes]


@dataclasses.dataclass(frozen=True)
class SubmissionJob:
    """One student's submission, as a worker receives it.

    Attributes:
        chapter: the chapter's name.
        student: the student id.
        files: {file name: bytes} of submitted/<student>/<chapter>/ (timestamp.txt included).
        digest: sha256 of the files, to tell a resubmission from a submission already graded.
        nbgrader_args: extra options for nbgrader autograde (e.g. "--Execute.timeout=30").
    """

    chapter: str
    student: str
    files: dict[str, bytes]
    digest: str
    nbgrader_args: tuple[str, ...] = ()


@dataclasses.dataclass
class SubmissionResult:
    """What grading one submission found.

    Attributes:
        student: the student id.
        digest: the submission's digest (SubmissionJob.digest).
        scores: {grade_id: points obtained} for every graded cell (0 when it could not be graded).
        max_scores: {grade_id: points available}.
        messages: {grade_id: "ExceptionName: first line of the message"} of every graded cell
            that raised.
        failure: why the submission could not be graded (it scores 0), or None.
        grader_error: a fault of the grader, not the student (nothing is recorded; a rerun
            grades the submission again), or None.
        seconds: wall time of the job, in seconds.
        cpu_seconds: CPU time of nbgrader and the kernel, in seconds.
        timestamp: when the student handed in (ISO 8601), or None.
        autograded: {file name: bytes} of autograded/<student>/<chapter>/ (empty on failure).
        notes: the grader's notes for the instructor (cells repaired, why a run stopped).
    """

    student: str
    digest: str
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    max_scores: dict[str, float] = dataclasses.field(default_factory=dict)
    messages: dict[str, str] = dataclasses.field(default_factory=dict)
    failure: str | None = None
    grader_error: str | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    timestamp: str | None = None
    autograded: dict[str, bytes] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> dict:
        """The result as JSON-ready data, without the autograded files."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "autograded"}


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _write_tree(files: dict[str, bytes], folder: Path) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def grade_submission(template: CourseTemplate, job: SubmissionJob) -> SubmissionResult:
    """THE SEAM: grade one submission; nothing outside a scratch folder is read or written.

    Runs what ``course.autograde`` runs for each student (``nbgrader autograde CHAPTER
    --student STUDENT``, in this process: :func:`autograde_here`; with the course's
    nbgrader_config.py, so the learner's code runs in the bubblewrap sandbox and the test
    cells are judged outside it), in a scratch course made
    from `template`, and reads the scores from that course's own gradebook: one submission
    in, its SubmissionResult out, no write to the course or its gradebook.

    Args:
        template: the scratch course every job starts from (make_template).
        job: the submission.

    Returns:
        Its result; `failure` says why a submission scored 0 without being graded (it crashed
        its kernel), `grader_error` a fault that is not the student's.
    """
    start, cpu_start = time.perf_counter(), _children_cpu_seconds()
    result = SubmissionResult(student=job.student, digest=job.digest)
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        root = Path(scratch)
        _write_tree(template.files, root)
        chapter = Chapter(job.chapter, root)
        _write_tree(job.files, chapter.submitted_folder(job.student))
        db_url = f"sqlite:///{root / 'gradebook.db'}"
        returncode, log = autograde_here(root, job.chapter, job.student, db_url, job.nbgrader_args)
        result.max_scores = _max_scores(db_url, job.chapter, chapter.source_notebook)
        result.scores = dict.fromkeys(result.max_scores, 0.0)
        notes = notes_file(root, job.chapter, job.student)
        if notes.exists():
            result.notes = json.loads(notes.read_text())
        failures = course.failures_in_log(log, job.chapter)
        notebook = chapter.autograded_notebook(job.student)
        if job.student in failures:
            result.failure = failures[job.student]
        elif returncode != 0 or not notebook.exists():
            tail = "\n".join(log.strip().splitlines()[-25:])
            result.grader_error = f"`nbgrader autograde` failed:\n{tail}"
        else:
            result.scores = _scores(db_url, job.chapter, job.student)
            result.messages = failure_messages(nbformat.read(notebook, as_version=4))
            result.timestamp = gradebook.submission_timestamp(db_url, job.chapter, job.student)
            result.autograded = _read_tree(notebook.parent)
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = _children_cpu_seconds() - cpu_start
    return result


def autograde_here(root: Path, chapter: str, student: str, db_url: str,
                   nbgrader_args=()) -> tuple[int, str]:  # fmt: skip
    """``nbgrader autograde CHAPTER --student STUDENT --force`` in this process.

    A Dask worker grades many submissions: run in the worker itself, nbgrader, TensorFlow
    (which the judge's references use) and the course's modules are imported once per worker,
    not once per submission (a new ``nbgrader`` process cost about 12 s of CPU per job). The
    learner's code still runs only in the sandbox that ``SandboxedExecute`` starts; this
    process only reads its results.

    Args:
        root: the scratch course (its nbgrader_config.py is the course's).
        chapter, student: what to grade.
        db_url: the scratch course's gradebook.
        nbgrader_args: nbgrader options, as on its command line ("--Execute.timeout=30").

    Returns:
        (0 if nbgrader succeeded else 1, its log: the lines ``failures_in_log`` reads).
    """
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    _venv_on_path()
    config = nbgrader_config(root, db_url, nbgrader_args)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = chapter, student
    app = Autograde(coursedir=coursedir, config=config)
    app.force, app.create_student = True, True
    # nbgrader starts from the current directory, which must exist: a worker started while
    # the coordinator released the chapter in a scratch folder (since removed) may be there.
    os.chdir(root)
    outcome = capture_log(app)
    return (0 if outcome["success"] else 1), outcome.get("log", "") + outcome.get("error", "")


def generate_here(root: Path, chapter: str, db_url: str) -> None:
    """``nbgrader generate_assignment CHAPTER --force`` in this process (no new nbgrader
    process to start and import: the coordinator does this before any job can start).

    Raises:
        CourseError: nbgrader could not release the chapter (its log says why).
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    _venv_on_path()
    config = nbgrader_config(root, db_url)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = chapter
    app = GenerateAssignment(coursedir=coursedir, config=config)
    app.force = True
    outcome = capture_log(app)
    if not outcome["success"]:
        log = (outcome.get("log", "") + outcome.get("error", "")).strip().splitlines()[-15:]
        raise CourseError(f"nbgrader could not release {chapter}:\n" + "\n".join(log))


def _venv_on_path() -> None:
    """nbgrader runs alembic (the gradebook's migrations) from PATH: the venv's first."""
    if not os.environ.get("PATH", "").startswith(str(Path(sys.executable).parent)):
        os.environ["PATH"] = course.environment_with_venv_on_path()["PATH"]


def nbgrader_config(root: Path, db_url: str, nbgrader_args=()):
    """The configuration ``nbgrader ... --CourseDirectory.db_url=DB_URL ARGS`` would run with
    in `root`: its nbgrader_config.py, then the command-line options, then the gradebook; and,
    unless either of those sizes them, thread pools of one thread in the sandbox
    (``SandboxedExecute.threads``): a job runs on each core.

    Args:
        root: a course root holding nbgrader_config.py.
        db_url: the gradebook to use.
        nbgrader_args: options as on nbgrader's command line ("--Execute.timeout=30").
    """
    from traitlets.config.loader import KVArgParseConfigLoader, PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    if nbgrader_args:
        config.merge(KVArgParseConfigLoader(argv=list(nbgrader_args)).load_config())
    config.CourseDirectory.db_url = db_url
    if "threads" not in config.SandboxedExecute:
        config.SandboxedExecute.threads = 1
    return config


def _max_scores(db_url: str, chapter: str, source: Path) -> dict[str, float]:
    """{grade_id: points} of the chapter's graded cells, in the notebook's order."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as book:
        points = {
            c.name: float(c.max_score) for c in book.find_notebook(chapter, chapter).grade_cells
        }
    order = [cell.metadata.get("nbgrader", {}).get("grade_id")
             for cell in nbformat.read(source, as_version=4).cells]  # fmt: skip
    return dict(sorted(points.items(), key=lambda item: order.index(item[0])))


def _scores(db_url: str, chapter: str, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as book:
        grades = book.find_submission_notebook(chapter, chapter, student).grades
        return {grade.name: float(grade.auto_score or 0.0) for grade in grades}


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def failure_messages(nb: nbformat.NotebookNode) -> dict[str, str]:
    """{grade_id: "ExceptionName: first line of its message"} of every graded cell that raised.

    Args:
        nb: an autograded notebook.
    """
    messages = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                first = ANSI_ESCAPE.sub("", str(output.evalue)).strip().splitlines()[:1]
                messages[grade_id] = f"{output.ename}: {first[0][:300] if first else ''}".rstrip()
                break
    return messages


def make_template(root: Path, chapter: str, scratch: Path) -> CourseTemplate:
    """Release a chapter in a scratch copy of the course and pack what a job needs.

    The scratch gradebook is SQLite whatever the course's db_url: only the coordinator writes
    to the course's gradebook.

    Args:
        root: the course root.
        chapter: the chapter's name.
        scratch: an empty folder to build the copy in.
    """
    copied = course.copy_chapter(chapter, scratch, root)
    generate_here(copied.root, chapter, f"sqlite:///{copied.root / 'gradebook.db'}")
    files = {"nbgrader_config.py": (copied.root / "nbgrader_config.py").read_bytes()}
    files["gradebook.db"] = (copied.root / "gradebook.db").read_bytes()
    # The judge's plan, recorded here once instead of once per submission.
    plan = keep_plan(copied.root, chapter)
    files[plan.relative_to(copied.root).as_posix()] = plan.read_bytes()
    for name, data in _read_tree(copied.source_folder).items():
        files[f"source/{chapter}/{name}"] = data
    return CourseTemplate(chapter=chapter, files=files)


# ------------------------------------------------------------------------ the coordinator
def make_job(root: Path, chapter: str, student: str, nbgrader_args=()) -> SubmissionJob:
    """A student's submission as a job: its files and their digest.

    Args:
        root: the course root.
        chapter: the chapter's name.
        student: the student id.
        nbgrader_args: extra options for nbgrader autograde.
    """
    files = _read_tree(Chapter(chapter, root).submitted_folder(student))
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return SubmissionJob(chapter, student, files, digest.hexdigest(), tuple(nbgrader_args))


def results_folder(root: Path, chapter: str) -> Path:
    """Where each graded student's result file is: <root>/grading/<chapter>/."""
    return Path(root) / RESULTS_FOLDER / chapter


def recorded(root: Path, chapter: str) -> dict[str, dict]:
    """{student: result summary} of every student recorded for a chapter.

    Args:
        root: the course root.
        chapter: the chapter's name.
    """
    folder = results_folder(root, chapter)
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        summary = json.loads(path.read_text())
        found[summary["student"]] = summary
    return found


def record(root: Path, chapter: str, db_url: str, course_id: str, result: SubmissionResult):
    """Record one result: autograded folder, grades, then the result file (the last word).

    Runs in the coordinator only, one result at a time. Every step replaces what a killed run
    may have left, so recording a student again gives the same state as recording it once.

    Args:
        root: the course root.
        chapter: the chapter's name.
        db_url: the course gradebook's database URL.
        course_id: nbgrader's course id.
        result: what grade_submission returned (grader_error is None).
    """
    target = Chapter(chapter, root).autograded_notebook(result.student).parent
    partial = target.with_name(f".{chapter}.partial")
    for folder in (partial, target):
        if folder.exists():
            shutil.rmtree(folder)
    autograded = None
    if result.autograded:
        _write_tree(result.autograded, partial)
        autograded = nbformat.read(partial / Chapter(chapter).notebook_name, as_version=4)
        partial.rename(target)
    gradebook.record_grades(
        db_url, course_id, chapter, result.student, result.scores, result.timestamp, autograded
    )
    out = results_folder(root, chapter) / f"{result.student}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    notes = notes_file(root, chapter, result.student)
    if result.notes:
        notes.parent.mkdir(parents=True, exist_ok=True)
        notes.write_text(json.dumps(result.notes, indent=1, ensure_ascii=False))
    elif notes.exists():
        notes.unlink()
    tmp.write_text(json.dumps(result.summary(), indent=1, sort_keys=True) + "\n")
    os.replace(tmp, out)  # atomic: a result file is whole or absent


def default_workers() -> tuple[int, int]:
    """(workers, memory limit per worker in bytes) for a LocalCluster on this machine.

    One single-threaded worker process per core the process may use, no more than the
    machine's memory holds at MEMORY_PER_JOB_BYTES each; each gets an equal share of memory.
    """
    import psutil

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = psutil.virtual_memory().total
    workers = max(1, min(cores or 1, memory // MEMORY_PER_JOB_BYTES))
    return workers, memory // workers


def connect(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: on an existing cluster (its scheduler address), or a new LocalCluster.

    Args:
        scheduler: e.g. "tcp://10.0.0.5:8786"; None starts a LocalCluster on this machine.
        workers: the LocalCluster's worker processes (default_workers() when None).

    Returns:
        (client, description): the client and a sentence saying where the jobs run.
    """
    import logging

    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler)
        count = len(client.scheduler_info()["workers"])
        return client, f"the Dask cluster at {scheduler} ({count} worker(s))"
    count, memory = default_workers()
    if workers:
        count, memory = workers, memory * count // workers
    with dask.config.set(QUIET_CLUSTER):  # the worker processes take the settings as they start
        cluster = LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True, memory_limit=memory,
            dashboard_address=None, silence_logs=logging.ERROR,
        )  # fmt: skip
    client = Client(cluster)
    where = f"a local Dask cluster: {count} worker process(es), 1 thread and "
    return client, where + f"{memory / 2**30:.1f} GiB each"


def warm_up() -> None:
    """Import what every job imports (nbgrader's autograder, the grader's side of the sandbox,
    TensorFlow and Keras for the checks' references), on a worker that has no job yet.

    Run on each worker while the coordinator releases the chapter: the first job of each worker
    then grades at once instead of importing for about 5 s while the other jobs wait for it.
    """
    import keras  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import tensorflow  # noqa: F401

    import helpers.grading.sandboxed  # noqa: F401


def _started(scheduler: str | None, workers: int | None):
    """connect(scheduler, workers), then warm_up() on every worker; (client, description)."""
    client, where = connect(scheduler, workers)
    try:
        client.run(warm_up)
    except BaseException:
        _close(client)
        raise
    return client, where


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


def autograde_class(
    root: Path,
    chapter: str,
    *nbgrader_args: str,
    workers: int | None = None,
    scheduler: str | None = None,
    regrade: bool = False,
    on_recorded: Callable[[SubmissionResult], None] | None = None,
    client=None,
) -> dict:
    """Autograde every submission of a chapter on Dask; record each result once, as it arrives.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".
        *nbgrader_args: extra options for nbgrader autograde (e.g. "--Execute.timeout=30").
        workers: worker processes of the local cluster (default: one per core, as memory allows).
        scheduler: address of an existing Dask scheduler; the jobs run there instead.
        regrade: grade every submission again, even those already graded with the same files.
        on_recorded: called with each result after it is recorded (progress hooks, tests).
        client: a dask.distributed.Client to use (then `workers` and `scheduler` are ignored).

    Returns:
        {"graded": [students], "skipped": [already graded], "failed": {student: reason},
        "set_aside": {student: reason}, "grader_errors": {student: error}, "seconds": wall}.

    Raises:
        CourseError: no submission, no gradebook entry for the chapter, or the grader failed
            (after every other submission was recorded).
    """
    start = time.perf_counter()
    root = course.check_course_root(root)
    chapters.get(chapter, root)
    db_url, course_id = gradebook.course_settings(root)
    gradebook.check_assignment(db_url, course_id, chapter)
    course.refuse_without_sandbox()
    set_aside = course.set_aside_unreadable(root, chapter) if (root / "submitted").is_dir() else {}
    for student, reasons in set_aside.items():
        print(f"set aside {student} (cannot be read as a notebook): {reasons}")
    students = list(course.submissions(root, chapter))
    done = recorded(root, chapter)
    jobs, skipped = [], []
    for student in students:
        job = make_job(root, chapter, student, nbgrader_args)
        if not regrade and done.get(student, {}).get("digest") == job.digest:
            skipped.append(student)
        else:
            jobs.append(job)
    jobs = largest_first(jobs)
    outcome = {"graded": [], "skipped": skipped, "failed": {}, "set_aside": set_aside,
               "grader_errors": {}, "seconds": 0.0}  # fmt: skip
    if skipped:
        print(f"{len(skipped)} submission(s) already graded with the same files: kept")
    if not jobs:
        print(f"Nothing left to grade for {chapter}.")
        outcome["seconds"] = time.perf_counter() - start
        return outcome
    own_client = client is None
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as starter:
        # The cluster's workers start, and import what a job needs, while the chapter is
        # released and its plan recorded.
        starting = starter.submit(_started, scheduler, workers) if own_client else None
        try:
            with tempfile.TemporaryDirectory(prefix="grading-template-") as scratch:
                template = make_template(root, chapter, Path(scratch) / "course")
        except BaseException:
            if starting is not None:
                _close(starting.result()[0])
            raise
        client, where = starting.result() if starting else (client, "the given Dask client")
    print(f"Grading {len(jobs)} submission(s) of {chapter} on {where}; gradebook "
          f"{gradebook.shown(db_url)}")  # fmt: skip
    try:
        _run_jobs(client, template, jobs, root, chapter, db_url, course_id, outcome, on_recorded)
    finally:
        if own_client:
            _close(client)
    _record_failures(root, chapter, set_aside)
    outcome["seconds"] = time.perf_counter() - start
    print(f"Graded {len(outcome['graded'])} submission(s) of {chapter} in "
          f"{_clock(outcome['seconds'])}; {len(outcome['failed'])} scored 0 (could not be "
          f"graded), {len(set_aside)} set aside, {len(skipped)} kept from an earlier run.")  # fmt: skip
    for student, reason in outcome["failed"].items():
        print(f"  - {student}: {reason}")
    if outcome["grader_errors"]:
        first = next(iter(outcome["grader_errors"].items()))
        raise CourseError(
            f"The grader failed on {len(outcome['grader_errors'])} submission(s), which are not "
            f"recorded; fix the cause and run the same command again (graded ones are kept). "
            f"First, {first[0]}: {first[1]}"
        )
    return outcome


def largest_first(jobs: list[SubmissionJob]) -> list[SubmissionJob]:
    """The jobs, largest submission (bytes of its files) first, in a stable order.

    A written notebook usually takes longer to grade than a blank one, and a long job started
    last keeps one worker busy while the others wait: the longest first shortens that tail.
    """
    return sorted(jobs, key=lambda job: -sum(len(data) for data in job.files.values()))


def _close(client) -> None:
    """Close a client and the local cluster it started."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


def _record_failures(root: Path, chapter: str, set_aside: dict[str, str]) -> None:
    """Keep why each submission scored 0 ungraded, for the export (course.record_failures).

    The chapter's list is: the results recorded with a failure (this run or an earlier one),
    the submissions set aside now, and those set aside by an earlier run (no result file).
    """
    results = recorded(root, chapter)
    earlier = course.previous_failures(root).get(chapter, {})
    failures = {student: why for student, why in earlier.items() if student not in results}
    failures.update(set_aside)
    failures.update({s: r["failure"] for s, r in results.items() if r.get("failure")})
    course.record_failures(root, chapter, failures)


def _run_jobs(client, template, jobs, root, chapter, db_url, course_id, outcome, on_recorded):
    """Submit every job, then record each result in the coordinator as it completes."""
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker

    shipped = client.scatter(template, broadcast=True)
    futures = {
        client.submit(grade_submission, shipped, job, key=f"grade-{job.student}-{job.digest}",
                      pure=False): job
        for job in jobs
    }  # fmt: skip
    start, total = time.perf_counter(), len(jobs)
    # Jobs run `slots` at a time: time left = jobs left x mean job time / slots.
    slots = max(1, sum(client.nthreads().values()))
    job_seconds = []
    for count, future in enumerate(as_completed(futures), start=1):
        job = futures[future]
        try:
            result = future.result()
        except KilledWorker:
            result = SubmissionResult(job.student, job.digest, failure=KILLED_WORKER)
            result.max_scores = _max_scores_of(template)
            result.scores = dict.fromkeys(result.max_scores, 0.0)
        except Exception as error:  # a fault of the grader: report it, record nothing
            result = SubmissionResult(job.student, job.digest, grader_error=repr(error))
        if result.grader_error:
            outcome["grader_errors"][job.student] = result.grader_error
        else:
            record(root, chapter, db_url, course_id, result)
            outcome["graded"].append(job.student)
            if result.failure:
                outcome["failed"][job.student] = result.failure
            if on_recorded:
                on_recorded(result)
        elapsed = time.perf_counter() - start
        job_seconds.append(result.seconds)
        left = sum(job_seconds) / len(job_seconds) * (total - count) / slots
        errors = len(outcome["failed"]) + len(outcome["grader_errors"])
        status = "ok" if not (result.failure or result.grader_error) else "FAILED"
        print(f"[{count:>{len(str(total))}}/{total}] {job.student}: {status} "
              f"({result.seconds:.0f} s) | failures {errors} | elapsed {_clock(elapsed)}, "
              f"about {_clock(left)} left", flush=True)  # fmt: skip


def _max_scores_of(template: CourseTemplate) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        _write_tree(template.files, Path(scratch))
        chapter = Chapter(template.chapter, Path(scratch))
        return _max_scores(f"sqlite:///{chapter.root / 'gradebook.db'}", chapter.name,
                           chapter.source_notebook)  # fmt: skip
