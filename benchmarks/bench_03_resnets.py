"""Measure the figures README quotes for chapter 03 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 03 top to bottom (nbclient, as JupyterLab's "Run All") several
times and prints the median time, then, from the last run, the figures the chapter prints: the
final training losses of the plain and the residual network of the degradation experiment, the
spread of their gradient norms at initialisation, ResNet-50's parameters and multiply-adds, the
explorer's first state, the test accuracy after the brief training (easy images) and with the
pre-trained weights (full data), and how long each training took. The kernel's CPU time is
printed beside the wall time: on a machine shared with other work, it shows how much of the
wall time was this chapter's.
Every run is seeded, so the figures of every execution should agree.
"""

from __future__ import annotations

from helpers.grading.benchmark import main

CHAPTER = "03_resnets"
FIGURES = {
    "degradation, final training loss, plain": r"final training loss, plain_\d+: ([\d.]+ \(training accuracy [\d.]+%\))",
    "degradation, final training loss, residual": r"final training loss, residual_\d+: ([\d.]+ \(training accuracy [\d.]+%\))",
    "degradation, training time, plain": r"(plain_\d+: [\d,]+ parameters, trained in \d+ s)",
    "degradation, training time, residual": r"(residual_\d+: [\d,]+ parameters, trained in \d+ s)",
    "gradient at initialisation, plain": r"(plain_\d+: gradient norms .*\))",
    "gradient at initialisation, residual": r"(residual_\d+: gradient norms .*\))",
    "ResNet-50 parameters": r"ResNet-50: ([\d,]+) parameters",
    "ResNet-50 multiply-adds": r"([\d.]+ billion) multiply-adds for one 224",
    "explorer, first state": r"(\d+ blocks, \d+ weight layers: .*)",
    "small ResNet, brief training": r"(brief training: .*)",
    "small ResNet, pre-trained weights": r"(pre-trained weights: .*)",
}


if __name__ == "__main__":
    main(CHAPTER, __doc__, FIGURES, each_run="small ResNet, pre-trained weights")
