"""A corpus of hostile and broken chapter 01 submissions, graded in one class run (issue 15).

Each case is a class of attack, with the score it must get: attacks on the grader's files
(gradebook, a classmate's submission, the course source, the helpers on disk), on the
process that scores (patched builtins, numpy, importlib, checks, references, TensorFlow; input
transformers; hooks on every cell), on the hidden tests (the input history), on the limits
(memory, processes, output, time, os._exit, signals, detached processes), answers that call
TensorFlow or helpers.references in a from-scratch exercise, and broken bookkeeping (a copied
cell, a retyped cell, an old release, unicode and a huge notebook, corrupt and empty files).
The class is graded with tight limits so that the slow cases stay short.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest
from grading_harness import Submission, grade_class, max_points
from nbformat.v4 import new_code_cell, new_markdown_cell

from helpers.grading import course
from helpers.grading.config import REPO_ROOT
from helpers.grading.sandboxed import notes_file
from helpers.grading.solutions import solution_cells

pytestmark = pytest.mark.slow

CHAPTER = "01_convolution"
SOLVED = solution_cells(CHAPTER)
MARKER = "hostile-daemon-7d1f"  # in the command line of the detached process of `daemon`
TIGHT = (
    "--SandboxedExecute.cell_seconds=20",
    "--SandboxedExecute.notebook_seconds=90",
    "--SandboxedExecute.call_seconds=15",
    "--SandboxedExecute.memory_bytes=3221225472",
    "--SandboxedExecute.data_bytes=2147483648",
    "--SandboxedExecute.cpu_seconds=200",
)


class Edited(Submission):
    """A submission whose notebook is changed by `edit(nb)` after the cells are written."""

    def __init__(self, edit=None, **kwargs):
        super().__init__(**kwargs)
        object.__setattr__(self, "edit", edit)

    def notebook(self, release_nb):
        nb = super().notebook(release_nb)
        if self.edit:
            self.edit(nb)
        return nb


def after(grade_id: str, source: str):
    """An edit that inserts a learner's code cell after the cell `grade_id`."""

    def edit(nb):
        index = next(i for i, c in enumerate(nb.cells) if c.get("id") == grade_id)
        nb.cells.insert(index + 1, new_code_cell(source))

    return edit


def attack(root: Path) -> str:
    """Code that tries to reach the grader's files (paths of this test's course)."""
    victim = root / "submitted" / "solved" / CHAPTER / f"{CHAPTER}.ipynb"
    return f"""
import os, socket, sqlite3, glob
for action in (
    lambda: sqlite3.connect({str(root / "gradebook.db")!r}).execute("update grade set auto_score=0"),
    lambda: open({str(victim)!r}, "w").write("{{}}"),
    lambda: open({str(Path(course.__file__).parents[1] / "checks" / "convolution.py")!r}, "a").write("# edited"),
    lambda: print(open({str(root / "source" / CHAPTER / (CHAPTER + ".ipynb"))!r}).read()[:5000]),
    lambda: print(glob.glob("/work/*/assignments/**", recursive=True)[:20]),
    lambda: socket.create_connection(("1.1.1.1", 80), timeout=3),
):
    try:
        action()
    except Exception as error:
        print("blocked:", type(error).__name__)
"""


PATCH_EVERYTHING = """
import builtins, importlib, numpy as np, tensorflow as tf
import helpers.references.convolution as references
builtins.abs = lambda x: 0 * x
np.isclose = lambda *a, **k: True
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
importlib.reload = lambda module: module
checks.check_conv_forward = checks.compare_conv_forward = lambda *a, **k: None
references.conv2d = lambda A, W, b, stride, pad: np.zeros((A.shape[0], (A.shape[1] + 2 * pad - W.shape[0]) // stride + 1, (A.shape[2] + 2 * pad - W.shape[1]) // stride + 1, W.shape[3]))
tf.nn.conv2d = lambda *a, **k: 0
def conv_forward(A_prev, W, b, stride=1, pad=0):
    return references.conv2d(A_prev, W, b, stride, pad), (A_prev, W, b, stride, pad)
"""
TRANSFORMER = """
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
"""
HISTORY_LEAK = (
    SOLVED["zero_pad"]
    + """
def _leak(result):
    print("LEAK", result.info.raw_cell)
    print("HISTORY", In)
get_ipython().events.register("post_run_cell", _leak)
"""
)
USES_TF = """
def conv_forward(A_prev, W, b, stride=1, pad=0):
    import tensorflow as tf
    A = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = tf.nn.conv2d(A, W, stride, "VALID").numpy() + b
    return Z, (A_prev, W, b, stride, pad)
"""
USES_REFERENCES = """
def conv_forward_fast(A_prev, W, b, stride=1, pad=0):
    from helpers.references import convolution
    return convolution.conv2d(A_prev, W, b, stride, pad), (A_prev, W, b, stride, pad)
"""
OS_EXIT = "import os\n\nos._exit(3)\n"
MEMORY_BOMB = "import numpy as np\nhog = [np.ones(10**8) for _ in range(60)]\n"
FORK_BOMB = """
import os, time
children = 0
try:
    while children < 5000:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
except OSError as error:
    print("fork stopped after", children, error)
"""
SIGNALS = """
import os, signal
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, signal.SIG_IGN)
try:
    os.kill(os.getppid(), signal.SIGKILL)
except Exception as error:
    print(error)
"""
DAEMON = f"""
import subprocess
subprocess.Popen(["python", "-c", "import time; time.sleep(900)  # {MARKER}"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""
SLEEP_HOOKS = """
import time
get_ipython().events.register("pre_run_cell", lambda *a: time.sleep(6))
"""
HUGE_OUTPUT = SOLVED["zero_pad"] + '\nprint("x" * 100_000_000)\n'
FOREVER = "def conv_single_step(a_slice_prev, W, b):\n    while True:\n        pass\n"


def duplicate(grade_id):
    def edit(nb):
        index = next(i for i, c in enumerate(nb.cells) if c.get("id") == grade_id)
        copy = nbformat.from_dict(nb.cells[index])
        copy.id = f"{grade_id}-copy"
        nb.cells.insert(index + 1, copy)

    return edit


def retype(*grade_ids):
    def edit(nb):
        for index, cell in enumerate(nb.cells):
            if cell.get("id") in grade_ids:
                md = new_markdown_cell(cell.source, metadata=cell.metadata)
                md.id = cell.id
                nb.cells[index] = md

    return edit


def old_release(nb):
    """An older release: no conv_forward_fast exercise, other cell ids, no language_info."""
    nb.cells = [c for c in nb.cells if "conv_forward_fast" not in c.get("id", "")]
    for index, cell in enumerate(nb.cells):
        if "nbgrader" not in cell.metadata:
            cell.id = f"old-{index}"
    nb.metadata.pop("language_info", None)


def unicode_and_huge(nb):
    nb.cells.insert(3, new_markdown_cell("Ünïcødé ✓ 卷积 🧠 " + "\u202e" * 3 + "x" * 3_000_000))
    nb.cells.append(new_code_cell("π = 3.14159\nprint('卷积', π, '🧠')"))


def corpus(root: Path) -> dict[str, Submission]:
    """{student: submission} of the hostile class (the paths of `root` go into the attacks)."""
    zp, cf = SOLVED["zero_pad"], SOLVED["conv_forward"]
    return {
        "solved": Submission(written=SOLVED, passes=tuple(max_points(CHAPTER))),
        "attacks_files": Submission(written={"zero_pad": zp + attack(root)},
                                    passes=("test_zero_pad",)),
        "patches_everything": Submission(written={"conv_forward": PATCH_EVERYTHING}),
        "input_transformer": Edited(after("imports", TRANSFORMER)),
        "history_leak": Submission(written={"zero_pad": HISTORY_LEAK}, passes=("test_zero_pad",)),
        "uses_tensorflow": Submission(written={"conv_forward": USES_TF}),
        "uses_references": Submission(written={"conv_forward_fast": USES_REFERENCES}),
        "os_exit": Submission(written={"zero_pad": OS_EXIT, "conv_forward": cf},
                              passes=("test_conv_forward",)),
        "memory_bomb": Submission(written={"zero_pad": MEMORY_BOMB, "conv_forward": cf},
                                  passes=("test_conv_forward",)),
        "fork_bomb": Submission(written={"zero_pad": FORK_BOMB, "conv_forward": cf},
                                passes=("test_conv_forward",)),
        "signals_and_daemon": Submission(
            written={"zero_pad": SIGNALS + DAEMON, "conv_forward": cf},
            passes=("test_conv_forward",),
        ),
        "sleep_hooks": Edited(after("imports", SLEEP_HOOKS), written=SOLVED,
                              passes=tuple(max_points(CHAPTER))),
        "infinite_loop": Submission(written={"conv_single_step": FOREVER, "conv_forward": cf},
                                    passes=("test_conv_forward",)),
        "huge_output": Submission(written={"zero_pad": HUGE_OUTPUT}, passes=("test_zero_pad",)),
        "duplicate_cells": Edited(duplicate("zero_pad"), written={"zero_pad": zp, "conv_forward": cf},
                                  passes=("test_zero_pad", "test_conv_forward")),
        "retyped_cells": Edited(retype("test_zero_pad", "conv_single_step"),
                                written={"zero_pad": zp, "conv_forward": cf},
                                passes=("test_zero_pad", "test_conv_forward")),
        "old_release": Edited(old_release, written={"zero_pad": zp}, passes=("test_zero_pad",)),
        "unicode_huge": Edited(unicode_and_huge, written={"zero_pad": zp},
                               passes=("test_zero_pad",)),
    }  # fmt: skip


def _digests(root: Path, students) -> dict[str, str]:
    return {
        student: hashlib.sha256(
            (root / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb").read_bytes()
        ).hexdigest()
        for student in students
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    students = corpus(root)
    checks_file = Path(course.__file__).parents[1] / "checks" / "convolution.py"
    before = checks_file.read_bytes()
    start = time.monotonic()
    handed_in = {}
    graded = grade_class(root, CHAPTER, students, *TIGHT, corrupt=("corrupt",), empty=("empty",),
                         on_handed_in=lambda r: handed_in.update(_digests(r, students)))  # fmt: skip
    seconds = time.monotonic() - start
    timings = _timing_table(graded, students, seconds)
    return {"graded": graded, "students": students, "seconds": seconds, "root": root,
            "checks_unchanged": checks_file.read_bytes() == before, "handed_in": handed_in,
            "timings": timings}  # fmt: skip


def _timing_table(graded, students, seconds: float) -> str:
    """Each case's score and the grader's timing note, kept in build/test-artifacts/hostile/."""
    lines = [f"hostile class ({len(students)} cases + corrupt + empty) graded in {seconds:.0f} s"]
    for student, submission in students.items():
        notes = notes_file(graded.chapter.root, CHAPTER, student)
        timing = next((n for n in json.loads(notes.read_text()) if n.startswith("graded in")),
                      "no timing note") if notes.exists() else "no notes"  # fmt: skip
        expected = sum(submission.expected_scores(CHAPTER).values())
        got = sum(graded.scores(student).values())
        lines.append(f"{student:20s} expected {expected:4.0f} got {got:4.0f} | {timing}")
    table = "\n".join(lines) + "\n"
    out = REPO_ROOT / "build" / "test-artifacts" / "hostile"
    out.mkdir(parents=True, exist_ok=True)
    (out / "timings.txt").write_text(table)
    return table


def test_every_case_gets_its_expected_score(hostile):
    graded, table, wrong = hostile["graded"], [], []
    for student, submission in hostile["students"].items():
        expected = submission.expected_scores(CHAPTER)
        got = graded.scores(student)
        table.append(
            f"{student:20s} expected {sum(expected.values()):4.0f} got {sum(got.values()):4.0f}"
        )
        if got != expected:
            wrong.append((student, expected, got))
    print("\n" + hostile["timings"])
    assert wrong == []


def test_nothing_outside_the_sandbox_changed(hostile):
    assert hostile["checks_unchanged"]
    # Every classmate's submitted file is byte-identical after the whole class was graded.
    root = hostile["graded"].chapter.root
    assert _digests(root, hostile["students"]) == hostile["handed_in"]
    graded = hostile["graded"]
    solved = graded.chapter.submitted_notebook("solved")
    assert nbformat.read(solved, as_version=4).cells  # the classmate's file is intact
    assert graded.scores("solved") == hostile["students"]["solved"].expected_scores(CHAPTER)


def test_no_process_outlives_grading(hostile):
    survivors = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if MARKER in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                survivors.append(pid)
        except OSError:
            pass
    assert survivors == []


def test_no_feedback_shows_hidden_tests_or_solutions(hostile):
    graded = hostile["graded"]
    for student, submission in hostile["students"].items():
        assert graded.leaked_hidden_lines(student) == [], student
        if "BEGIN SOLUTION" not in "".join(submission.written.values()):
            assert "BEGIN SOLUTION" not in graded.feedback_text(student), student


def test_hidden_tests_never_reach_the_learners_kernel(hostile):
    autograded = hostile["graded"].autograded("history_leak")
    printed = "".join(
        o.get("text", "") for c in autograded.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "LEAK" in printed  # the hook ran and printed every cell it saw
    assert "BEGIN HIDDEN TESTS" not in printed and "hidden_rng" not in printed


def test_from_scratch_exercises_say_why_tensorflow_is_refused(hostile):
    for student in ("uses_tensorflow", "uses_references"):
        assert "not available to your code here" in hostile["graded"].feedback_text(student)


def test_outputs_are_capped_in_bytes(hostile):
    graded = hostile["graded"]
    assert graded.chapter.autograded_notebook("huge_output").stat().st_size < 5_000_000
    assert graded.chapter.feedback_page("huge_output").stat().st_size < 5_000_000


def test_repairs_and_stops_are_noted_per_cell(hostile):
    root = hostile["root"]
    notes = {s: " ".join(json.loads(notes_file(root, CHAPTER, s).read_text()))
             for s in ("duplicate_cells", "retyped_cells", "os_exit", "infinite_loop")}  # fmt: skip
    assert "second copy of 'zero_pad'" in notes["duplicate_cells"]
    assert "was changed to markdown" in notes["retyped_cells"]
    assert "exited with status 3" in notes["os_exit"]
    assert "limit" in notes["infinite_loop"]


def test_corrupt_files_get_a_zero_row_with_the_reason(hostile):
    with hostile["graded"].grades_csv.open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student in ("corrupt", "empty"):
        assert float(rows[student]["score"]) == 0
        assert f"{CHAPTER}.ipynb: " in rows[student]["not_graded_because"]
    assert set(hostile["students"]) < set(rows)
