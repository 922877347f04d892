"""Measure the figures README quotes for chapter 02 (run this file).

Executes the solved chapter 02 top to bottom with nbclient (as JupyterLab's "Run All"),
`--repeats` times (default 3), and prints the median time and the kernel's peak memory, then,
from the last run, LeNet-5's test accuracy and the parameter counts the notebook prints
(LeNet-5, AlexNet, VGG-16).

Peak memory is the kernel's peak resident set size (RSS): each run's kernel is a child process
of this script, and once it has exited, getrusage(RUSAGE_CHILDREN).ru_maxrss is the largest
peak RSS of any child so far (Linux reports it in KiB), so after the runs it is the largest
kernel's peak. The figure to compare with a laptop's memory.
"""

from __future__ import annotations

from helpers.grading.benchmark import main

CHAPTER = "02_keras_classics"
FIGURES = {
    "LeNet-5 test accuracy": r"test accuracy (\d+\.\d+%)",
    "LeNet-5 parameters": r"LeNet-5: ([\d,]+) parameters",
    "LeNet-5 training time (the chapter's run)": r"trained in ([\d.]+ s)",
    "train_lenet5's visible check": r"\N{CHECK MARK} train_lenet5: (.*)",
    "AlexNet parameters, one device": r"AlexNet, one device: ([\d,]+) parameters",
    "AlexNet parameters, two GPUs": r"AlexNet, two GPUs as in the paper: ([\d,]+) parameters",
    "VGG-16 parameters": r"VGG-16: ([\d,]+) parameters",
}


if __name__ == "__main__":
    main(CHAPTER, __doc__, FIGURES, each_run="LeNet-5 test accuracy")
