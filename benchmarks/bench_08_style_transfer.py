"""Measure the figures README quotes for chapter 08 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 08 top to bottom (nbclient, as JupyterLab's "Run All") several
times and prints the median time, then, from the last run, the figures the chapter prints: the
network and weights used, the sparsity of the deep feature maps, the gradient-ascent activations,
the style transfer's time per step, the fall of the style cost (the chapter's floor: 50x) and
the explorer's first state. The kernel's CPU time is printed beside the wall time: on a machine
shared with other work, it shows how much of the wall time was this chapter's.
Every run is seeded, so the figures of every execution should agree.
"""

from __future__ import annotations

from helpers.grading.benchmark import main

CHAPTER = "08_style_transfer"
FIGURES = {
    "network and weights": r"(VGG1[69] with [^(]*)\(",
    "deepest feature map": r"(block5_conv3: .*)",
    "patches": r"(\d+ photos through \S+ in [\d.]+ s)",
    "gradient ascent, plain": r"(block3_conv3, plain: .*)",
    "gradient ascent, regularised": r"(block3_conv3, regularised: .*)",
    "gradient ascent, time": r"(\d+ images synthesised in \d+ s)",
    "style transfer, time": r"style transfer: (.*)",
    "style transfer, costs": r"(style cost [\d.e+-]+ -> .*)",
    "explorer, first state": r"(block1_conv1, .* in \d+ steps)",
}


# The figure shown after every run.
EACH_RUN = {"style cost fell by (x)": r"it fell (\d+)x"}


if __name__ == "__main__":
    main(CHAPTER, __doc__, {**EACH_RUN, **FIGURES}, each_run="style cost fell by (x)")
