"""Measure the figures README quotes for chapter 04 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 04 top to bottom (nbclient, as JupyterLab's "Run All") several
times and prints the median time, then, from the last run, the figures the chapter prints: the
bottleneck's multiplication counts, MobileNetV2's parameters and multiply-adds, and the test
accuracies of the transfer experiment on 20 unseen face identities with 5 labelled images each
(from scratch, frozen pre-trained base + head, after fine-tuning the top blocks, and from
scratch with augmentation), with the transfer gain and the augmentation effect in points. The
kernel's CPU time is printed beside the wall time: on a machine shared with other work, it shows
how much of the wall time was this chapter's. Every run is seeded, so the figures of every
execution should agree.

The figures are those of the offline path, the course's own pre-trained base: the kernels run
with KERAS_HOME set to an empty folder, so that MobileNetV2's ImageNet weights in this
machine's Keras cache, if any, are not used (the chapter prints which base it used).
"""

from __future__ import annotations

import os
import tempfile

from helpers.grading.benchmark import main

CHAPTER = "04_efficient_nets"
FIGURES = {
    "transfer base": r"transfer base: ([^(\n]+?) \(",
    "5x5 branch, multiplications": r"bottleneck_multiplications: ([\d,]+ without and [\d,]+ with the bottleneck)",
    "MobileNetV2 parameters": r"MobileNetV2: ([\d,]+) parameters",
    "MobileNetV2 multiply-adds": r"(\d+ million) multiply-adds for one 224",
    "from scratch": r"from scratch\s*: ([\d.]+%)",
    "frozen base + new head": r"frozen base \+ new head\s*: ([\d.]+%)",
    "+ fine-tuning the top blocks": r"\+ fine-tuning the top blocks\s*: ([\d.]+%)",
    "transfer gain": r"transfer gain over scratch: ([+-][\d.]+ points)",
    "from scratch + augmentation": r"from scratch \+ augmentation\s*: ([\d.]+%)",
    "augmentation effect": r"augmentation effect on the network from scratch: ([+-][\d.]+ points)",
}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as empty_keras_home:
        os.environ["KERAS_HOME"] = empty_keras_home  # inherited by the kernels: the offline path
        main(CHAPTER, __doc__, FIGURES, each_run="transfer gain")
