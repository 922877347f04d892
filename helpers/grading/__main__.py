"""Instructor commands: ``python -m helpers.grading COMMAND [CHAPTER] [--course-root DIR]``.

release        regenerate the learner notebooks in notebooks/ from assignments/source/
check-release  fail when notebooks/ is out of date with assignments/source/
collect        nbgrader collect (JupyterHub exchange)
zip-collect    nbgrader zip_collect (an LMS download in assignments/downloaded/CHAPTER/archive/)
autograde      autograde every submission of a chapter, after checking each one can be read
grade-class    the same on Dask, one job per submission (--workers, --scheduler, --regrade);
               a run killed halfway, run again, grades only what is left
report         the class report of a graded chapter: assignments/report_CHAPTER.html
feedback       HTML feedback for every autograded submission (hidden tests not shown)
export         every grade to assignments/grades.csv
html           execute the solved chapters and render them to build/html/ (index.html links them)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from helpers.grading import chapters, course, html
from helpers.grading.config import COURSE_ROOT, HTML_DIR, LEARNER_NOTEBOOKS_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("command", choices=[
        "release", "check-release", "collect", "zip-collect", "autograde", "feedback", "export",
        "html", "grade-class", "report",
    ])  # fmt: skip
    parser.add_argument("chapter", nargs="?", default="all",
                        help="e.g. 01_convolution; 'all' (the default) for every chapter")  # fmt: skip
    parser.add_argument("--course-root", type=Path, default=COURSE_ROOT)
    parser.add_argument("--notebooks", type=Path, default=LEARNER_NOTEBOOKS_DIR,
                        help="where the learner notebooks go (release, check-release)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=None,
                        help="grade-class: worker processes (default: one per core)")  # fmt: skip
    parser.add_argument("--scheduler", default=None,
                        help="grade-class: address of an existing Dask scheduler")  # fmt: skip
    parser.add_argument("--regrade", action="store_true",
                        help="grade-class: grade again submissions already graded")  # fmt: skip
    parser.add_argument("--unsandboxed", action="store_true",
                        help="autograde without the bubblewrap sandbox (only for trusted code)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.unsandboxed:
        import os

        os.environ["CNN_COURSE_UNSANDBOXED"] = "1"
        print("warning: grading WITHOUT a sandbox: learner code runs as you.", file=sys.stderr)
    not_graded = 0
    try:
        root = course.check_course_root(args.course_root)
        if args.command == "export":
            course.export_grades(root)
            return 0
        if args.command == "html":
            html.render_chapters(args.chapter, root, HTML_DIR)
            return 0
        for chapter in chapters.select(args.chapter, root):
            if args.command == "release":
                course.release(root, chapter, args.notebooks)
            elif args.command == "check-release":
                course.check_release(root, chapter, args.notebooks)
            elif args.command == "collect":
                course.run_nbgrader(root, "collect", chapter)
            elif args.command == "zip-collect":
                course.zip_collect(root, chapter)
            elif args.command == "autograde":
                outcome = course.autograde(root, chapter)
                not_graded += len(outcome["set_aside"]) + len(outcome["failed"])
            elif args.command == "feedback":
                course.feedback(root, chapter)
            elif args.command == "grade-class":
                from helpers.grading import parallel  # imports Dask: only this command needs it

                outcome = parallel.autograde_class(root, chapter, workers=args.workers,
                                                   scheduler=args.scheduler, regrade=args.regrade)  # fmt: skip
                not_graded += len(outcome["set_aside"]) + len(outcome["failed"])
            elif args.command == "report":
                from helpers.grading import report

                # "all": the chapters graded so far; one named chapter must have been graded.
                if args.chapter != "all" or report.recorded(root, chapter):
                    report.write_report(root, chapter)
    except chapters.CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not_graded:
        print(f"error: {not_graded} submission(s) could not be graded (listed above).",
              file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
