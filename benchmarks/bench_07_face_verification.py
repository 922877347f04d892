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

import argparse
import re
import resource
import statistics

from helpers.grading.execute import execute_chapter, stdout_text

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    times, cpu, printed = [], [], ""
    for run in range(args.repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        executed = execute_chapter(CHAPTER)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, once it has exited
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        printed = stdout_text(executed.notebook)
        times.append(executed.seconds)
        accuracy = re.search(r"verification accuracy ([\d.]+) on \d+ test pairs", printed)
        print(f"  run {run + 1}: {times[-1]:.1f} s ({cpu[-1]:.0f} s of CPU), test verification "
              f"accuracy {accuracy.group(1) if accuracy else '?'}", flush=True)  # fmt: skip
    print(f"chapter 07 executed top to bottom: median {statistics.median(times):.1f} s over "
          f"{args.repeats} runs ({', '.join(f'{t:.1f}' for t in times)}); CPU time of the kernel, "
          f"median {statistics.median(cpu):.0f} s")  # fmt: skip
    for label, pattern in FIGURES.items():
        found = re.search(pattern, printed)
        print(f"  {label}: {found.group(1) if found else 'not printed'}")


if __name__ == "__main__":
    main()
