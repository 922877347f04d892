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

import argparse
import re
import resource
import statistics

from helpers.grading.execute import execute_chapter, stdout_text

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
        fall = re.search(r"it fell (\d+)x", printed)
        print(f"  run {run + 1}: {times[-1]:.1f} s ({cpu[-1]:.0f} s of CPU), style cost fell "
              f"{fall.group(1) + 'x' if fall else '?'}", flush=True)  # fmt: skip
    print(f"chapter 08 executed top to bottom: median {statistics.median(times):.1f} s over "
          f"{args.repeats} runs ({', '.join(f'{t:.1f}' for t in times)}); CPU time of the kernel, "
          f"median {statistics.median(cpu):.0f} s")  # fmt: skip
    for label, pattern in FIGURES.items():
        found = re.search(pattern, printed)
        print(f"  {label}: {found.group(1).strip() if found else 'not printed'}")


if __name__ == "__main__":
    main()
