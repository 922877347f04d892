"""Measure the figures README quotes for chapter 01 (run: `make bench`, or this file).

Prints medians over repeated runs on this machine:
  1. the solved chapter 01 executed top to bottom (nbclient, as in JupyterLab "Run All");
  2. conv_forward_fast against tf.nn.conv2d, and the loop conv_forward against both, on
     N=8, 64x64x16 -> 32 filters, f=3, stride 1, pad 1 (float32);
  3. the autograding of one solved chapter-01 submission (nbgrader autograde, start to end);
  4. with --fresh-clone: `make test` in a fresh clone of this repository (slow: minutes).
The functions timed are the instructor's solutions, read from the source notebook.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from helpers.grading import course
from helpers.grading.config import REPO_ROOT
from helpers.grading.execute import execute_chapter
from helpers.grading.solutions import load_solutions

CHAPTER = "01_convolution"


def median_time(function, repeats: int) -> tuple[float, list[float]]:
    """Call `function()` `repeats` times; return (median seconds, every run's seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def convolution_speeds(repeats: int) -> dict[str, float]:
    import tensorflow as tf

    solved = load_solutions(CHAPTER)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 64, 64, 16)).astype(np.float32)
    W = rng.standard_normal((3, 3, 16, 32)).astype(np.float32)
    b = np.zeros(32, np.float32)
    A_t, W_t = tf.constant(A), tf.constant(W)
    padding = [[0, 0], [1, 1], [1, 1], [0, 0]]
    tf.nn.conv2d(A_t, W_t, 1, padding)  # first call builds the kernel; not timed
    fast, _ = median_time(lambda: solved["conv_forward_fast"](A, W, b, 1, 1), repeats * 5)
    reference, _ = median_time(lambda: tf.nn.conv2d(A_t, W_t, 1, padding).numpy(), repeats * 5)
    loops, _ = median_time(lambda: solved["conv_forward"](A, W, b, 1, 1), repeats)
    return {"conv_forward (loops)": loops, "conv_forward_fast": fast, "tf.nn.conv2d": reference}


def autograde_one_submission() -> float:
    """Seconds nbgrader takes to autograde the solved chapter handed in by one learner."""
    with tempfile.TemporaryDirectory() as scratch:
        copied = course.copy_chapter(CHAPTER, Path(scratch) / "course")
        course.run_nbgrader(copied.root, "generate_assignment", CHAPTER, "--force")
        # The instructor notebook itself is the submission: every solution written.
        shutil.copytree(copied.source_folder, copied.submitted_folder("learner"))
        start = time.perf_counter()
        course.run_nbgrader(copied.root, "autograde", CHAPTER, "--force")
        return time.perf_counter() - start


def fresh_clone_make_test() -> float:
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
        start = time.perf_counter()
        subprocess.run(["make", "test"], cwd=clone, check=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--fresh-clone", action="store_true", help="also time `make test` in a fresh clone"
    )
    args = parser.parse_args()

    runs = [execute_chapter(CHAPTER).seconds for _ in range(args.repeats)]
    chapter = statistics.median(runs)
    print(f"chapter 01 executed top to bottom: median {chapter:.1f} s over {args.repeats} runs "
          f"({', '.join(f'{t:.1f}' for t in runs)})")  # fmt: skip

    speeds = convolution_speeds(args.repeats)
    print("convolution, N=8, 64x64x16 -> 32 filters, f=3, stride 1, pad 1, float32 (median):")
    for method, seconds in speeds.items():
        print(f"  {method:<22} {seconds * 1000:10.1f} ms")
    print(
        f"  conv_forward_fast / tf.nn.conv2d = {speeds['conv_forward_fast'] / speeds['tf.nn.conv2d']:.2f}x"
    )
    print(
        f"  loops / conv_forward_fast = {speeds['conv_forward (loops)'] / speeds['conv_forward_fast']:.0f}x"
    )

    seconds = [autograde_one_submission() for _ in range(args.repeats)]
    print(f"autograde of one chapter-01 submission: median {statistics.median(seconds):.1f} s "
          f"({', '.join(f'{t:.1f}' for t in seconds)})")  # fmt: skip

    if args.fresh_clone:
        print(f"make test in a fresh clone: {fresh_clone_make_test() / 60:.1f} min")


if __name__ == "__main__":
    main()
