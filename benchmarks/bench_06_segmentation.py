"""Measure the figures README quotes for chapter 06 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 06 top to bottom (nbclient, as JupyterLab's "Run All") several
times and prints the median time, then, from the last run, the figures the chapter prints: the
transposed convolution against the gradient of a convolution, the checkerboard rows, the U-Net's
parameters, the brief training (time, mean IoU before and after), the pre-trained U-Net's test
mean IoU (the floor is 0.85) and the ablation without skips (mean IoU, boundary accuracy). The
kernel's CPU time is printed beside the wall time: on a machine shared with other work, it shows
how much of the wall time was this chapter's. Every run is seeded, so the figures of every
execution should agree.
"""

from __future__ import annotations

from helpers.grading.benchmark import main

CHAPTER = "06_segmentation"
FIGURES = {
    "transposed conv = gradient of conv": r"(your transposed convolution of dZ: .*)",
    "conv then transposed conv": r"(conv then transposed conv: .*)",
    "checkerboard, f=3": r"(transposed conv f=3, stride 2 *: row 5 = .*)",
    "U-Net parameters": r"(U-Net for 32 x 32 scenes: [\d,]+ parameters)",
    "brief training": r"(brief training: .*)",
    "pre-trained U-Net": r"(pre-trained U-Net: .*)",
    "ablation, U-Net": r"(U-Net *: mean IoU .*)",
    "ablation, without skips": r"(without skips: mean IoU .*)",
}


# The figure shown after every run.
EACH_RUN = {"pre-trained test mean IoU": r"pre-trained U-Net: test mean IoU ([\d.]+)"}


if __name__ == "__main__":
    main(CHAPTER, __doc__, {**EACH_RUN, **FIGURES}, each_run="pre-trained test mean IoU")
