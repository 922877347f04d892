"""The class report of a graded chapter: what the class got right, and what it got wrong.

``python -m helpers.grading report CHAPTER`` (``make report CH=...``) reads the result file of
every student graded by ``grade-class`` (``<root>/grading/<chapter>/<student>.json``) and the
submissions set aside, and writes ``<root>/report_<chapter>.html`` next to the grades CSV
(``<root>/grades.csv``) with:

- per graded cell: the share of the class that got full points, partial points, nothing, and the
  most common failure messages with their counts;
- a histogram of the total scores;
- the slowest submissions (wall and CPU seconds), and the ones that could not be graded.

The same summary is printed as text. The page is for the instructor: it names hidden tests'
messages, so it never goes to students.
"""

from __future__ import annotations

import collections
import dataclasses
import html
import statistics
from pathlib import Path

from helpers.grading.chapters import Chapter, CourseError
from helpers.grading.parallel import recorded

TOP_MESSAGES = 3  # failure messages shown per graded cell
SLOWEST = 5  # submissions listed as the slowest


@dataclasses.dataclass(frozen=True)
class CellSummary:
    """How the class did on one graded cell.

    Attributes:
        grade_id: the cell's nbgrader grade id, e.g. "test_conv_forward".
        points: the points it is worth.
        full: students who got every point.
        partial: students who got some but not all.
        graded: students graded (the denominator of the shares).
        messages: [(message, count)], most common first.
    """

    grade_id: str
    points: float
    full: int
    partial: int
    graded: int
    messages: list[tuple[str, int]]

    @property
    def passed_share(self) -> float:
        """Fraction of graded students with full points (0 when none was graded)."""
        return self.full / self.graded if self.graded else 0.0


@dataclasses.dataclass(frozen=True)
class ClassSummary:
    """A graded chapter, summarised.

    Attributes:
        chapter: the chapter's name.
        cells: one CellSummary per graded cell, in the notebook's order.
        totals: {student: total score}.
        max_total: the points of the whole chapter.
        slowest: [(student, seconds, cpu_seconds)], slowest first.
        failed: {student: why it scored 0 without being graded}.
        set_aside: {student: why the submission could not be read}.
    """

    chapter: str
    cells: list[CellSummary]
    totals: dict[str, float]
    max_total: float
    slowest: list[tuple[str, float, float]]
    failed: dict[str, str]
    set_aside: dict[str, str]

    def histogram(self) -> list[tuple[int, int]]:
        """[(score rounded down to a whole point, students)] for every score from 0 to max."""
        counts = collections.Counter(int(total) for total in self.totals.values())
        return [(score, counts.get(score, 0)) for score in range(int(self.max_total) + 1)]


def summarise(root: Path, chapter: str) -> ClassSummary:
    """Read a graded chapter's result files and summarise them.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".

    Raises:
        CourseError: no student of the chapter has been graded by grade-class.
    """
    results = recorded(root, chapter)
    if not results:
        raise CourseError(
            f"No graded submission of {chapter} in {Path(root) / 'grading' / chapter}: "
            f"run `make autograde CH={chapter}` first."
        )
    max_scores = {}
    for result in results.values():
        max_scores.update(result["max_scores"])
    cells = []
    for grade_id, points in max_scores.items():
        scores = [r["scores"].get(grade_id, 0.0) for r in results.values()]
        messages = collections.Counter(
            r["messages"][grade_id] for r in results.values() if grade_id in r["messages"]
        )
        messages.update(r["failure"] for r in results.values() if r["failure"])
        cells.append(
            CellSummary(
                grade_id=grade_id,
                points=points,
                full=sum(score >= points for score in scores),
                partial=sum(0 < score < points for score in scores),
                graded=len(scores),
                messages=messages.most_common(TOP_MESSAGES),
            )
        )
    slowest = sorted(
        ((s, r["seconds"], r["cpu_seconds"]) for s, r in results.items()), key=lambda x: -x[1]
    )
    set_aside = {}
    for why in sorted((Path(root) / "submitted_unreadable").glob(f"*/{chapter}/WHY.txt")):
        set_aside[why.parent.parent.name] = why.read_text().strip()
    return ClassSummary(
        chapter=chapter,
        cells=cells,
        totals={s: sum(r["scores"].values()) for s, r in results.items()},
        max_total=sum(max_scores.values()),
        slowest=slowest[:SLOWEST],
        failed={s: r["failure"] for s, r in results.items() if r["failure"]},
        set_aside=set_aside,
    )


def text(summary: ClassSummary) -> str:
    """The report as plain text (what `make report` prints)."""
    totals = list(summary.totals.values())
    lines = [
        f"{summary.chapter}: {len(totals)} graded, {len(summary.failed)} of them could not be "
        f"run (0 points), {len(summary.set_aside)} set aside as unreadable",
        f"total score: median {statistics.median(totals):g} / {summary.max_total:g}, "
        f"mean {statistics.fmean(totals):.1f}",
        "",
        "graded cell                      points  full marks  most common failure",
    ]
    for cell in summary.cells:
        top = f"{cell.messages[0][1]} x {cell.messages[0][0][:70]}" if cell.messages else ""
        lines.append(
            f"{cell.grade_id:<32} {cell.points:>6g}  {cell.passed_share:>9.0%}  {top}".rstrip()
        )
    lines += ["", "score histogram (whole points: students)"]
    lines += [f"{score:>4} {'#' * count} {count}" for score, count in summary.histogram()]
    lines += ["", "slowest submissions (wall s, CPU s)"]
    lines += [f"  {s}: {sec:.1f} s, {cpu:.1f} s CPU" for s, sec, cpu in summary.slowest]
    return "\n".join(lines)


def _histogram_svg(bins: list[tuple[int, int]], width: int = 560, height: int = 180) -> str:
    """An SVG bar chart of [(score, students)]: one bar per whole point, counts on top."""
    most = max((count for _, count in bins), default=0) or 1
    bar = width / len(bins)
    parts = [f'<svg width="{width}" height="{height + 40}" role="img" '
             f'aria-label="histogram of total scores">']  # fmt: skip
    for i, (score, count) in enumerate(bins):
        h = height * count / most
        x, y = i * bar, height - h + 15
        parts.append(f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
                     f'fill="#4477aa"><title>{score} points: {count}</title></rect>')  # fmt: skip
        if count:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" font-size="11" '
                         f'text-anchor="middle">{count}</text>')  # fmt: skip
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 30}" font-size="11" '
                     f'text-anchor="middle">{score}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def to_html(summary: ClassSummary) -> str:
    """The report as a self-contained HTML page (no scripts, no external files)."""
    e = html.escape
    rows = []
    for cell in summary.cells:
        messages = "".join(f"<li><b>{count}</b> &times; <code>{e(message)}</code></li>"
                           for message, count in cell.messages)  # fmt: skip
        rows.append(
            f"<tr><td><code>{e(cell.grade_id)}</code></td><td>{cell.points:g}</td>"
            f"<td>{cell.passed_share:.0%} ({cell.full}/{cell.graded})</td>"
            f"<td>{cell.partial}</td><td><ul>{messages}</ul></td></tr>"
        )
    slow = "".join(f"<tr><td>{e(s)}</td><td>{sec:.1f}</td><td>{cpu:.1f}</td></tr>"
                   for s, sec, cpu in summary.slowest)  # fmt: skip
    failed = "".join(f"<li>{e(s)}: {e(why)}</li>" for s, why in summary.failed.items())
    aside = "".join(f"<li>{e(s)}: {e(why)}</li>" for s, why in summary.set_aside.items())
    totals = list(summary.totals.values())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {e(summary.chapter)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
ul{{margin:0;padding-left:1.2em}}</style></head><body>
<h1>Class report: {e(summary.chapter)}</h1>
<p>{len(totals)} submission(s) graded ({len(summary.failed)} could not be run and score 0),
{len(summary.set_aside)} set aside as unreadable. Total score: median
{statistics.median(totals):g} of {summary.max_total:g}, mean {statistics.fmean(totals):.1f}.
This page shows hidden tests' messages: it is for instructors only.</p>
<h2>Per graded cell</h2>
<table><tr><th>cell</th><th>points</th><th>full marks</th><th>partial</th>
<th>most common failures (count)</th></tr>{"".join(rows)}</table>
<h2>Total scores</h2>{_histogram_svg(summary.histogram())}
<p>Students per total score (whole points, 0 to {summary.max_total:g}).</p>
<h2>Slowest submissions</h2>
<table><tr><th>student</th><th>wall s</th><th>CPU s</th></tr>{slow}</table>
<h2>Could not be graded</h2><ul>{failed or "<li>none</li>"}</ul>
<h2>Set aside as unreadable</h2><ul>{aside or "<li>none</li>"}</ul>
</body></html>
"""


def report_path(root: Path, chapter: str) -> Path:
    """Where the report goes: <root>/report_<chapter>.html, next to <root>/grades.csv."""
    return Path(root) / f"report_{Chapter(chapter, Path(root)).name}.html"


def write_report(root: Path, chapter: str) -> Path:
    """Summarise a graded chapter, print the summary and write the HTML page.

    Args:
        root: the course root.
        chapter: the chapter's name, e.g. "01_convolution".

    Returns:
        The page written.
    """
    summary = summarise(root, chapter)
    print(text(summary))
    out = report_path(root, chapter)
    out.write_text(to_html(summary))
    print(f"wrote {out}")
    return out
