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

import argparse
import re
import resource
import statistics

from helpers.grading.execute import execute_chapter, stdout_text

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
        miou = re.search(r"pre-trained U-Net: test mean IoU ([\d.]+)", printed)
        print(f"  run {run + 1}: {times[-1]:.1f} s ({cpu[-1]:.0f} s of CPU), pre-trained test "
              f"mean IoU {miou.group(1) if miou else '?'}", flush=True)  # fmt: skip
    print(f"chapter 06 executed top to bottom: median {statistics.median(times):.1f} s over "
          f"{args.repeats} runs ({', '.join(f'{t:.1f}' for t in times)}); CPU time of the kernel, "
          f"median {statistics.median(cpu):.0f} s")  # fmt: skip
    for label, pattern in FIGURES.items():
        found = re.search(pattern, printed)
        print(f"  {label}: {found.group(1) if found else 'not printed'}")


if __name__ == "__main__":
    main()
