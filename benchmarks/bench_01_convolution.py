"""Measure the figures README quotes for chapter 01 (run: `make bench`, or this file).

Prints medians over repeated runs on this machine:
  1. the solved chapter 01 executed top to bottom (nbclient, as in JupyterLab "Run All");
  2. conv_forward_fast against tf.nn.conv2d, and the loop conv_forward against both, on
     N=8, 64x64x16 -> 32 filters, f=3, stride 1, pad 1 (float32): the ratio the chapter aims
     at (conv_forward_fast within 1.5x of tf.nn.conv2d), and the matrix product of
     conv_forward_fast alone, which says how much of the gap is building the patch matrix;
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
from helpers.grading.benchmark import summary, time_chapter
from helpers.grading.config import REPO_ROOT
from helpers.grading.solutions import load_solutions

CHAPTER = "01_convolution"
PRODUCT_ALONE = "  its product alone"


def median_time(function, repeats: int) -> tuple[float, list[float]]:
    """Call `function()` `repeats` times; return (median seconds, every run's seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def convolution_speeds(repeats: int) -> dict[str, list[float]]:
    """Seconds of every timed run, by method, on the layer README quotes.

    conv_forward_fast, tf.nn.conv2d and the product alone are timed side by side, one call of
    each per round, so that a busy spell of this shared machine slows all three alike.

    Args:
        repeats: the loop conv_forward runs `repeats` times, the fast methods 10 x `repeats`.

    Returns:
        {method: [seconds of each run]}.
    """
    import tensorflow as tf

    solved = load_solutions(CHAPTER)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((8, 64, 64, 16)).astype(np.float32)
    W = rng.standard_normal((3, 3, 16, 32)).astype(np.float32)
    b = np.zeros(32, np.float32)
    A_t, W_t = tf.constant(A), tf.constant(W)
    padding = [[0, 0], [1, 1], [1, 1], [0, 0]]
    # A ready patch matrix of conv_forward_fast's shape: 8 * 64 * 64 positions, 3 * 3 * 16
    # numbers per window; its product with the filters is the arithmetic of the layer.
    patches = rng.standard_normal((8 * 64 * 64, 3 * 3 * 16)).astype(np.float32)
    W_matrix = W.reshape(3 * 3 * 16, 32)
    fast = {
        "conv_forward_fast": lambda: solved["conv_forward_fast"](A, W, b, 1, 1),
        PRODUCT_ALONE: lambda: patches @ W_matrix,
        "tf.nn.conv2d": lambda: tf.nn.conv2d(A_t, W_t, 1, padding).numpy(),
    }
    for function in fast.values():
        function()  # the first call allocates and picks TensorFlow's kernel; not timed
    runs = {name: [] for name in fast}
    for _ in range(repeats * 10):
        for name, function in fast.items():
            runs[name].append(median_time(function, repeats=1)[0])
    runs["conv_forward (loops)"] = median_time(
        lambda: solved["conv_forward"](A, W, b, 1, 1), repeats
    )[1]
    return runs


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

    print(summary(CHAPTER, time_chapter(CHAPTER, args.repeats)))

    timings = convolution_speeds(args.repeats)
    medians = {method: statistics.median(times) for method, times in timings.items()}
    print("convolution, N=8, 64x64x16 -> 32 filters, f=3, stride 1, pad 1, float32 "
          "(median, fastest run; this machine is shared, so the figures are noisy):")  # fmt: skip
    for method, times in timings.items():
        print(f"  {method:<22} {medians[method] * 1000:10.1f} ms {min(times) * 1000:10.1f} ms")
    fast, reference = timings["conv_forward_fast"], timings["tf.nn.conv2d"]
    ratio = medians["conv_forward_fast"] / medians["tf.nn.conv2d"]
    side_by_side = statistics.median(f / r for f, r in zip(fast, reference, strict=True))
    print(f"  conv_forward_fast / tf.nn.conv2d = {ratio:.2f}x "
          f"(medians; goal <= 1.5x), {min(fast) / min(reference):.2f}x (fastest runs), "
          f"{side_by_side:.2f}x (median of side-by-side ratios)")  # fmt: skip
    building = [medians["conv_forward_fast"] - medians[PRODUCT_ALONE],
                min(fast) - min(timings[PRODUCT_ALONE])]  # fmt: skip
    print(f"  padding and patch matrix (conv_forward_fast minus its product): "
          f"{building[0] * 1000:.1f} ms (medians), {building[1] * 1000:.1f} ms (fastest runs)")  # fmt: skip
    loops = medians["conv_forward (loops)"] / medians["conv_forward_fast"]
    print(f"  loops / conv_forward_fast = {loops:.0f}x")

    seconds = [autograde_one_submission() for _ in range(args.repeats)]
    print(f"autograde of one chapter-01 submission: median {statistics.median(seconds):.1f} s "
          f"({', '.join(f'{t:.1f}' for t in seconds)})")  # fmt: skip

    if args.fresh_clone:
        print(f"make test in a fresh clone: {fresh_clone_make_test() / 60:.1f} min")


if __name__ == "__main__":
    main()
