"""What the sandbox costs: grading one solved submission against executing the chapter (issue 15).

For a chapter, repeated `--runs` times (median reported):

- **execute**: the solved instructor notebook run top to bottom in a fresh kernel
  (helpers.grading.execute.execute_chapter), as a learner's "Run All";
- **grade**: one solved submission autograded as `make autograde-serial` does (nbgrader, the
  bubblewrap sandbox, the judge), in a scratch course; the grader's note splits it into the
  sandboxed kernel run and the learner's functions plus the judge;
- **record**: the judge's plan recorded once per chapter (the test cells run with the
  solutions in the grader; once per class, not per submission).

It prints each figure, the CPU seconds of the children (kernels, nbgrader, sandboxes) and the
load average, so a figure taken on a shared machine can be judged.

    python benchmarks/bench_sandbox_grading.py 01_convolution --runs 3
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from helpers.grading import chapters, course, judge
from helpers.grading.config import COURSE_ROOT, REPO_ROOT
from helpers.grading.execute import execute_chapter
from helpers.grading.solutions import solution_cells

sys.path.insert(0, str(REPO_ROOT / "tests"))
from grading_harness import Submission, hand_in  # noqa: E402 (the tests' harness)


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(work) -> tuple[object, float, float]:
    """(what work() returned, wall seconds, CPU seconds of the children)."""
    cpu, start = cpu_of_children(), time.perf_counter()
    value = work()
    return value, time.perf_counter() - start, cpu_of_children() - cpu


def grade_once(chapter: str) -> tuple[float, float, str]:
    """Autograde one solved submission in a scratch course: (wall s, CPU s, the grader's note)."""
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        root = hand_in(Path(scratch), chapter, {"solved": Submission(solution_cells(chapter))}).root
        outcome, wall, cpu = timed(lambda: course.autograde(root, chapter))
        notes = outcome.get("notes", {}).get("solved", [])
        timing = next((note for note in notes if note.startswith("graded in")), "")
        if outcome["failed"]:
            raise SystemExit(f"the solved submission could not be graded: {outcome['failed']}")
    return wall, cpu, timing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", default="01_convolution")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    source = chapters.get(args.chapter, COURSE_ROOT).source_notebook
    load = [os.getloadavg()[0]]
    _, record_wall, _ = timed(lambda: judge.plan(nbformat.read(source, as_version=4)))
    executed, graded = [], []
    for run in range(args.runs):
        _, wall, cpu = timed(lambda: execute_chapter(args.chapter))
        executed.append((wall, cpu))
        wall_g, cpu_g, timing = grade_once(args.chapter)
        graded.append((wall_g, cpu_g, timing))
        load.append(os.getloadavg()[0])
        print(f"run {run + 1}: execute {wall:.1f} s (CPU {cpu:.1f} s) | grade {wall_g:.1f} s "
              f"(CPU {cpu_g:.1f} s) | {timing}", flush=True)  # fmt: skip
    in_sandbox = [float(m[1]) for *_, t in graded if (m := re.search(r"graded in ([\d.]+) s", t))]
    execute_median = statistics.median(w for w, _ in executed)
    print(f"\n{args.chapter}, median of {args.runs}:")
    print(f"  execute (Run All, no sandbox):         {execute_median:.1f} s")
    print(
        f"  grade, whole nbgrader run:             {statistics.median(w for w, *_ in graded):.1f} s"
    )
    if in_sandbox:
        median = statistics.median(in_sandbox)
        print(f"  grade, sandboxed kernel + judge:       {median:.1f} s "
              f"({median / execute_median:.2f}x executing)")  # fmt: skip
    print(f"  plan recorded once per class:          {record_wall:.1f} s")
    print(f"  load average (1 min) during the runs:  {min(load):.1f} to {max(load):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
