"""Measure the figures README quotes for chapter 05 (run this file; `--repeats 1` for a quick look).

Executes the solved chapter 05 top to bottom (nbclient, as in JupyterLab "Run All") several
times and prints the median time, then what the chapter reports, read from the executed
notebook's output: the class accuracy of the localiser trained with a squared error and with a
log-loss on the class, and the seconds each took; and the detector's mAP@0.5 on the held-out
scenes as the chapter computes it (the instructor's `mean_average_precision`) and as
pycocotools computes it. The training runs are seeded, so every execution should agree to
about a hundredth (TensorFlow's CPU kernels are not bit-for-bit reproducible across runs).
"""

from __future__ import annotations

import argparse
import re
import statistics

from helpers.grading.benchmark import summary, time_chapter

CHAPTER = "05_object_detection"
MAP_LINE = re.compile(
    r"mAP@0\.5 on (\d+) held-out scenes: ([\d.]+) \(course\), ([\d.]+) \(pycocotools\)"
)
LOCALISER_LINE = re.compile(
    r"(squared error|log-loss) on the class \((\d+) s\): .*class right (\d+)%"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    runs = time_chapter(CHAPTER, args.repeats, figure=r"(mAP@0\.5 on .*)")
    print(summary(CHAPTER, runs))
    maps = []
    localisers: dict[str, list[tuple[int, int]]] = {"squared error": [], "log-loss": []}
    for number, run in enumerate(runs, start=1):
        found = MAP_LINE.search(run.printed)
        if found is None:
            raise SystemExit(f"run {number}: no mAP line in the chapter's output")
        maps.append((float(found[2]), float(found[3])))
        for loss, train_seconds, accuracy in LOCALISER_LINE.findall(run.printed):
            localisers[loss].append((int(accuracy), int(train_seconds)))
    for loss, trained in localisers.items():
        if len(trained) != args.repeats:
            raise SystemExit(f"the chapter did not print the {loss} localiser in every run")
        print(
            f"localiser, {loss} on the class: class right (median) "
            f"{statistics.median(r[0] for r in trained)} %, trained in (median) "
            f"{statistics.median(r[1] for r in trained)} s"
        )
    course = statistics.median(m[0] for m in maps)
    coco = statistics.median(m[1] for m in maps)
    print(
        f"mAP@0.5 (median): {course:.3f} course, {coco:.3f} pycocotools, "
        f"largest difference in a run {max(abs(a - b) for a, b in maps):.1e}"
    )


if __name__ == "__main__":
    main()
