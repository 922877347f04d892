"""Timing a solved chapter: the one loop every ``benchmarks/bench_NN_slug.py`` runs.

Each run executes the solved chapter top to bottom (:func:`helpers.grading.execute.execute_chapter`,
as JupyterLab's "Run All") and records its wall time, the kernel's CPU time and the text it
printed. The kernel is a child process of the benchmark, so once it has exited
``getrusage(RUSAGE_CHILDREN)`` holds its CPU time and its peak resident memory: on a machine
shared with other work the CPU time shows how much of the wall time was this chapter's.

A benchmark script names its chapter, the figures to read from the printed text (label ->
regular expression with one group) and, optionally, one figure to show after every run:

    from helpers.grading.benchmark import main

    if __name__ == "__main__":
        main("03_resnets", __doc__, FIGURES, each_run="small ResNet, pre-trained weights")
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from helpers.grading.execute import execute_chapter, stdout_text


@dataclass(frozen=True)
class Run:
    """One execution of a solved chapter: wall and CPU seconds, and what it printed."""

    seconds: float
    cpu_seconds: float
    printed: str


def time_chapter(chapter: str, repeats: int = 3, figure: str | None = None) -> list[Run]:
    """Execute ``chapter`` ``repeats`` times, printing one line per run.

    Args:
        chapter: the chapter's name ("03_resnets").
        repeats: executions.
        figure: a regular expression with one group, read from each run's printed text and
            shown on its line ("" when absent).

    Returns:
        One :class:`Run` per execution, in order.
    """
    runs = []
    for number in range(1, repeats + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        executed = execute_chapter(chapter)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, once it has exited
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        runs.append(Run(executed.seconds, cpu, stdout_text(executed.notebook)))
        shown = ""
        if figure:
            found = re.search(figure, runs[-1].printed)
            shown = f", {found.group(1) if found else 'not printed'}"
        print(f"  run {number}: {executed.seconds:.1f} s ({cpu:.0f} s of CPU){shown}", flush=True)
    return runs


def summary(chapter: str, runs: list[Run]) -> str:
    """The line README's chapter map quotes: median wall time, each run, median CPU time, and
    the largest peak memory of any kernel so far (Linux reports ru_maxrss in KiB)."""
    times = [run.seconds for run in runs]
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return (
        f"chapter {chapter} executed top to bottom: median {statistics.median(times):.1f} s over "
        f"{len(runs)} runs ({', '.join(f'{t:.1f}' for t in times)}); CPU time of the kernel, "
        f"median {statistics.median(run.cpu_seconds for run in runs):.0f} s; peak memory of a "
        f"kernel {peak_gib:.2f} GiB"
    )


def figures_of(printed: str, figures: Mapping[str, str]) -> list[str]:
    """'label: value' for each figure (regular expression with one group) found in ``printed``."""
    lines = []
    for label, pattern in figures.items():
        found = re.search(pattern, printed)
        lines.append(f"  {label}: {found.group(1) if found else 'not printed'}")
    return lines


def main(
    chapter: str, description: str, figures: Mapping[str, str], each_run: str | None = None
) -> None:
    """The command line of a chapter's benchmark: ``--repeats N`` (default 3); prints each run,
    the summary, then the figures of the last run.

    Args:
        chapter: the chapter's name.
        description: the script's docstring, for ``--help``.
        figures: label -> regular expression with one group.
        each_run: the label of the figure to show after every run, if any.
    """
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = time_chapter(chapter, args.repeats, figures[each_run] if each_run else None)
    print(summary(chapter, runs))
    print("\n".join(figures_of(runs[-1].printed, figures)))
