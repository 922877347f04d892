"""Make or update the learner's working copy of the course notebooks (run by `make lab`).

    python lab/working_copy.py notebooks work

Learners work in ``work/`` (git-ignored), never in ``notebooks/``: `make release` and a
`git pull` of a newer course version rewrite ``notebooks/``, and would take a learner's answers
with them. Each run copies every file of ``notebooks/`` that ``work/`` does not have yet (the
first time, all of them; later, the chapters added since) and never writes over a file that
is already there.

When the course has changed a notebook since it was copied, the run says so and leaves the
learner's copy alone; the learner picks up the corrected chapter by renaming their copy and
running `make lab` again (README, "For learners"). ``work/.course-copies.json`` remembers a
fingerprint of each file as it was copied, to tell a course correction from the learner's
own edits.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

RECORD = ".course-copies.json"
SKIPPED_PARTS = {".ipynb_checkpoints", "__pycache__"}


def fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def course_files(source: Path) -> list[Path]:
    """Every file of the course's notebook folder, relative to it, sorted."""
    return sorted(
        path.relative_to(source)
        for path in source.rglob("*")
        if path.is_file() and not SKIPPED_PARTS & set(path.parts)
    )


def update(source: Path, work: Path) -> tuple[list[Path], list[Path]]:
    """Copy into `work` every file of `source` it lacks; never change a file `work` has.

    Args:
        source: the course's learner notebooks (notebooks/).
        work: the learner's working copy (work/), made if missing.

    Returns:
        (files copied now, files the course has changed since they were copied), both
        relative to `work`.
    """
    source, work = Path(source), Path(work)
    work.mkdir(parents=True, exist_ok=True)
    record_path = work / RECORD
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    copied, changed = [], []
    for relative in course_files(source):
        target = work / relative
        key = relative.as_posix()
        if target.exists():
            if key in record and record[key] != fingerprint(source / relative):
                changed.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)
        record[key] = fingerprint(target)
        copied.append(relative)
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return copied, changed


def main(argv: list[str]) -> int:
    source, work = (Path(arg) for arg in argv)
    copied, changed = update(source, work)
    for relative in copied:
        print(f"copied {source / relative} -> {work / relative}")
    if not copied:
        print(f"{work}/ is up to date with {source}/ (your files there are never overwritten)")
    for relative in changed:
        print(
            f"note: the course has a corrected {source / relative} since you copied it; yours "
            f"({work / relative}) is kept. To take the new one, rename yours (e.g. to "
            f"{relative.stem}_mine{relative.suffix}) and run `make lab` again."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
