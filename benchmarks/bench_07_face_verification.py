"""Measure the figures README quotes for chapter 07 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 07 top to bottom (nbclient, as JupyterLab's "Run All") several
times and prints the median time, then, from the last run, the figures the chapter prints: the
raw-pixel baselines, the brief training (loss and validation accuracy before and after), the
pre-trained encoder's threshold, test verification accuracy and ROC area, one-shot
identification, and the pair head with cross-entropy. The kernel's CPU time is printed beside
the wall time: on a machine shared with other work, it shows how much of the wall time was this
chapter's. Every run is seeded, so the figures of every execution should agree.
"""

from __future__ import annotations

from helpers.grading.benchmark import main

CHAPTER = "07_face_verification"
FIGURES = {
    "raw pixels, 32 x 32": r"raw pixels, 32 x 32: (.*)",
    "raw pixels, 64 x 64 (reference)": r"raw pixels, 64 x 64 \(reference\): (.*)",
    "mining in an untrained batch, hardest": r"hardest  : (.*)",
    "mining in an untrained batch, semi-hard": r"semi-hard: (.*)",
    "brief training": r"brief training: (.*)",
    "pre-trained encoder": r"pre-trained encoder: (.*)",
    "one-shot identification": r"one-shot identification among (.*)",
    "pair head vs threshold": r"test pairs of unseen identities: (.*)",
}


# The figure shown after every run.
EACH_RUN = {"test verification accuracy": r"verification accuracy ([\d.]+) on \d+ test pairs"}


if __name__ == "__main__":
    main(CHAPTER, __doc__, {**EACH_RUN, **FIGURES}, each_run="test verification accuracy")
