"""Measure the figures README quotes for chapter 02 (run this file).

Executes the solved chapter 02 top to bottom with nbclient (as JupyterLab's "Run All"),
`--repeats` times (default 3), and prints the median time, then, from the last run, LeNet-5's
test accuracy and the parameter counts the notebook prints (LeNet-5, AlexNet, VGG-16).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import nbformat

from helpers.grading.solutions import source_notebook_path

CHAPTER = "02_keras_classics"
FIGURES = {
    "LeNet-5 test accuracy": r"test accuracy (\d+\.\d+%)",
    "LeNet-5 parameters": r"LeNet-5: ([\d,]+) parameters",
    "LeNet-5 training time": r"trained in ([\d.]+ s)",
    "AlexNet parameters, one device": r"AlexNet, one device: ([\d,]+) parameters",
    "AlexNet parameters, two GPUs": r"AlexNet, two GPUs as in the paper: ([\d,]+) parameters",
    "VGG-16 parameters": r"VGG-16: ([\d,]+) parameters",
}


def execute_chapter() -> str:
    """Run the solved chapter; return everything its cells printed (stdout)."""
    from nbclient import NotebookClient

    path = source_notebook_path(CHAPTER)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    return "\n".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    times, printed = [], ""
    for _ in range(args.repeats):
        start = time.perf_counter()
        printed = execute_chapter()
        times.append(time.perf_counter() - start)
        accuracy = re.search(FIGURES["LeNet-5 test accuracy"], printed)
        print(f"  run {len(times)}: {times[-1]:.1f} s, LeNet-5 test accuracy "
              f"{accuracy.group(1) if accuracy else '?'}", flush=True)  # fmt: skip
    print(f"chapter 02 executed top to bottom: median {statistics.median(times):.1f} s over "
          f"{args.repeats} runs ({', '.join(f'{t:.1f}' for t in times)})")  # fmt: skip
    for label, pattern in FIGURES.items():
        found = re.search(pattern, printed)
        print(f"  {label}: {found.group(1) if found else 'not printed'}")


if __name__ == "__main__":
    main()
