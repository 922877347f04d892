"""Serial vs parallel autograding of one class, side by side in one run (issue 16's figure).

Hands in a class of chapter-01 copies (solved, partial and blank in turn), copies the course
twice, then grades one copy as `make autograde-serial` does (one `nbgrader autograde` for the
whole class) and the other as `make autograde` does (helpers.grading.parallel: one Dask job per
submission on a local cluster), and prints both wall times, the speed-up, the CPU seconds of
each (the coordinator's children: nbgrader, kernels, Dask workers), the cores the machine kept
busy, the median time a submission spent in its sandboxes, and the load average of the
machine during each, so that a figure taken on a shared machine can be judged.

    python benchmarks/bench_parallel_grading.py                 # 30 students, 2 workers
    python benchmarks/bench_parallel_grading.py --students 8    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from helpers.grading import course, parallel
from helpers.grading.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests"))
from class_harness import gradebook_rows  # noqa: E402 (the tests' harness)
from grading_harness import (
    Submission,  # noqa: E402
    hand_in,  # noqa: E402
)

from helpers.grading.solutions import solution_cells  # noqa: E402

CHAPTER = "01_convolution"


def the_class(size: int) -> dict[str, Submission]:
    """`size` students: solved, partial (two functions written) and blank, in turn."""
    solutions = solution_cells(CHAPTER)
    kinds = {
        "solved": Submission(written=solutions),
        "partial": Submission(written={k: solutions[k] for k in ("zero_pad", "conv_single_step")}),
        "blank": Submission(),
    }
    names = list(kinds)
    return {f"{names[i % 3]}_{i:02d}": kinds[names[i % 3]] for i in range(size)}


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat: all but idle and
    I/O wait), whoever spent them: over a run, busy seconds / wall seconds = cores kept busy."""
    with open("/proc/stat") as handle:
        ticks = [int(field) for field in handle.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def timed(label: str, grade) -> tuple[float, float, float, tuple[float, float]]:
    """(wall s, CPU s of children, cores kept busy, (1-minute load average at the start, at the
    end))."""
    load_before, cpu_before, busy_before = (
        os.getloadavg()[0],
        cpu_of_children(),
        machine_busy_seconds(),
    )
    start = time.perf_counter()
    grade()
    wall, cpu = time.perf_counter() - start, cpu_of_children() - cpu_before
    busy = (machine_busy_seconds() - busy_before) / wall
    print(f"{label}: {wall:.0f} s wall, {cpu:.0f} s CPU, {busy:.2f} cores busy", flush=True)
    return wall, cpu, busy, (load_before, os.getloadavg()[0])


def graded_seconds(root: Path) -> list[float]:
    """Seconds each submission spent in its sandboxes (kernel, then functions and judge), as
    the grader's note for the instructor says ("graded in 14.2 s (kernel ...)")."""
    seconds = []
    for path in sorted((Path(root) / "grading_notes" / CHAPTER).glob("*.json")):
        for note in json.loads(path.read_text()):
            found = re.match(r"graded in ([0-9.]+) s", note)
            if found:
                seconds.append(float(found.group(1)))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        base = hand_in(Path(scratch) / "base", CHAPTER, the_class(args.students)).root
        serial_root = shutil.copytree(base, Path(scratch) / "serial")
        parallel_root = shutil.copytree(base, Path(scratch) / "parallel")
        serial = timed("serial (one nbgrader autograde)",
                       lambda: course.autograde(serial_root, CHAPTER))  # fmt: skip
        par = timed("parallel (Dask, one job per submission)",
                    lambda: parallel.autograde_class(parallel_root, CHAPTER,
                                                     workers=args.workers))  # fmt: skip
        # Both graders must give every student the same points.
        per_job = {"serial": graded_seconds(serial_root), "parallel": graded_seconds(parallel_root)}
        same = gradebook_rows(f"sqlite:///{serial_root / 'gradebook.db'}", CHAPTER) == (
            gradebook_rows(f"sqlite:///{parallel_root / 'gradebook.db'}", CHAPTER)
        )
    workers = args.workers or parallel.default_workers()[0]
    print(f"\n{args.students} submissions of {CHAPTER} (solved, partial, blank in turn), "
          f"{os.cpu_count()} cores, {workers} worker(s); same grades from both: {same}")  # fmt: skip
    print(f"{'':<10}{'wall s':>8}{'CPU s':>8}{'cores busy':>12}{'median s a job':>16}"
          "  load average (start, end)")  # fmt: skip
    for label, (wall, cpu, busy, load) in (("serial", serial), ("parallel", par)):
        median = statistics.median(per_job[label]) if per_job[label] else float("nan")
        print(f"{label:<10}{wall:>8.0f}{cpu:>8.0f}{busy:>12.2f}{median:>16.1f}"
              f"  {load[0]:.1f}, {load[1]:.1f}")  # fmt: skip
    print(f"speed-up: {serial[0] / par[0]:.2f}x (goal 1.7x on 2 quiet cores)")


if __name__ == "__main__":
    main()
