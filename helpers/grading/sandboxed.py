"""nbgrader preprocessors that grade a submission in the sandbox (assignments/nbgrader_config.py).

``NormalizeSubmission`` (before nbgrader's own clean-up) repairs what a learner's editing can
do to the cells' grading metadata, one cell at a time, with a note for each repair: a copied
cell (a second cell with the same grade_id), a graded cell retyped to markdown or raw, a cell
whose grade_id the source notebook does not have. nbgrader then restores deleted test cells
and the source of locked cells (``OverwriteCells``).

``SandboxedExecute`` replaces nbgrader's ``Execute``: the notebook runs in a bubblewrap
sandbox (:mod:`helpers.grading.sandbox`) with its hidden tests removed, for the outputs the
learner reads; each test cell that can be split (:mod:`helpers.grading.judge`) is then scored
by calling the learner's functions in a second sandboxed process and judging their results in
this process. The verdict becomes the cell's last output: nothing for a pass beyond a line
that says so, an error for a failure; nbgrader's usual rule (an error scores 0) does the rest.

Notes for the instructor (what was repaired, why a run stopped) are written to
``<course root>/grading_notes/<chapter>/<student>.json``; ``course.autograde`` prints them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pickle
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets import Float, Integer

from helpers.grading import judge, sandbox, wire
from helpers.grading.config import FROM_SCRATCH, FROM_SCRATCH_WHY, REPO_ROOT, SLOWEST_CELL_SECONDS

RUNNER = judge.RUNNER
PASSED = "\N{CHECK MARK} graded outside your notebook's kernel: this test passed.\n"


def _root(preprocessor) -> Path:
    return Path(preprocessor.config.CourseDirectory.root)


def notes_file(root: Path, chapter: str, student: str) -> Path:
    """Where the grading notes of one submission are written."""
    return Path(root) / "grading_notes" / chapter / f"{student}.json"


def _add_notes(root: Path, chapter: str, student: str, notes: list[str]) -> None:
    path = notes_file(root, chapter, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(old + notes, indent=1, ensure_ascii=False))


def _ids(resources) -> tuple[str, str]:
    info = resources["nbgrader"]
    return info["assignment"], info["student"]


def _source(root: Path, chapter: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "source" / chapter / f"{chapter}.ipynb", as_version=4)


class NormalizeSubmission(NbGraderPreprocessor):
    """Repair copied, retyped and unknown graded cells, one cell at a time, with a note each."""

    def preprocess(self, nb, resources):
        root = _root(self)
        chapter, student = _ids(resources)
        source = {
            cell.metadata["nbgrader"]["grade_id"]: cell
            for cell in _source(root, chapter).cells
            if "grade_id" in cell.metadata.get("nbgrader", {})
        }
        seen, notes = set(), []
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader")
            if not isinstance(meta, dict) or "grade_id" not in meta:
                continue
            grade_id = str(meta.get("grade_id"))
            why = ""
            if grade_id not in source:
                why = f"cell {index + 1} has grade_id {grade_id!r}, which the chapter does not have"
            elif grade_id in seen:
                why = f"cell {index + 1} is a second copy of {grade_id!r}; the first one is graded"
            elif cell.cell_type != source[grade_id].cell_type:
                why = (f"cell {index + 1} ({grade_id!r}) was changed to {cell.cell_type}; "
                       "it counts as deleted")  # fmt: skip
            if why:
                # A plain cell from now on: it runs (if code) but is not graded.
                del cell.metadata["nbgrader"]
                cell.id = f"learner-{index}"
                notes.append(why)
            else:
                seen.add(grade_id)
        # An old release (or a deleted exercise) lacks a solution cell: nbgrader would stop with
        # a KeyError for the whole notebook. Put the cell back as the learner copy has it (the
        # solution replaced by its stub), after the cell that precedes it in the source.
        present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
        previous_id = None
        for cell in _source(root, chapter).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and not meta.get("grade") and meta["grade_id"] not in present:
                stub = nbformat.from_dict(cell)
                ClearSolutions(enforce_metadata=False)._replace_solution_region(stub, "python")
                ids = [c.get("id") for c in nb.cells]
                at = ids.index(previous_id) + 1 if previous_id in ids else len(nb.cells)
                nb.cells.insert(at, stub)
                notes.append(f"the exercise {meta['grade_id']!r} was missing; it was put back "
                             "unanswered")  # fmt: skip
            previous_id = cell.get("id")
        if notes:
            _add_notes(root, chapter, student, notes)
        return nb, resources


_PLANS: dict = {}


def plan_file(root: Path, chapter: str) -> Path:
    """Where a recorded plan may be kept for the grader's next processes (parallel grading)."""
    return Path(root) / "grading_plans" / f"{chapter}.pickle"


def chapter_plan(root: Path, chapter: str) -> judge.Plan:
    """The chapter's judge plan, recorded once per process and source notebook.

    Recording runs every test cell with the solutions (seconds to a minute); a grader that
    starts one nbgrader process per submission (helpers.grading.parallel) records it once and
    leaves it in `plan_file`, which the grader alone writes and reads (the sandbox cannot see
    the course), keyed by the source notebook's digest.
    """
    path = root / "source" / chapter / f"{chapter}.ipynb"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest not in _PLANS:
        kept = plan_file(root, chapter)
        if kept.exists():
            try:
                with kept.open("rb") as handle:
                    stored_digest, stored = pickle.load(handle)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError):
                stored_digest = None  # a broken file: record the plan again
            if stored_digest == digest:
                _PLANS[digest] = stored
        if digest not in _PLANS:
            _PLANS[digest] = judge.plan(nbformat.read(path, as_version=4))
    return _PLANS[digest]


def keep_plan(root: Path, chapter: str) -> Path:
    """Record the chapter's plan and keep it in `plan_file` (see `chapter_plan`)."""
    path = root / "source" / chapter / f"{chapter}.ipynb"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    the_plan = chapter_plan(root, chapter)  # first: the file must not exist half-written
    out = plan_file(root, chapter)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".partial")
    with partial.open("wb") as handle:
        pickle.dump((digest, the_plan), handle)
    os.replace(partial, out)
    return out


def _hidden_folders(modules: tuple[str, ...]) -> tuple[str, ...]:
    """The folders of the forbidden modules (hidden from the sandbox)."""
    folders = []
    for name in modules:
        if name.startswith("helpers."):
            folders.append(str(REPO_ROOT / name.replace(".", "/")))
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            # The package's own folder only: once imported, a package such as TensorFlow adds
            # its subfolders to __path__, and those are hidden with it.
            folders.append(list(spec.submodule_search_locations)[0])
    return tuple(folders)


class SandboxedExecute(NbGraderPreprocessor):
    """Execute in the sandbox, then judge the split test cells outside it."""

    cell_seconds = Integer(SLOWEST_CELL_SECONDS, help="wall-clock limit of one cell").tag(
        config=True
    )
    notebook_seconds = Float(1800, help="wall-clock limit of the whole notebook").tag(config=True)
    cpu_seconds = Integer(1800, help="CPU seconds of each process of a submission").tag(config=True)
    memory_bytes = Integer(6 * 2**30, help="resident memory of a submission's sandbox").tag(
        config=True
    )
    data_bytes = Integer(8 * 2**30, help="writable memory of each process (RLIMIT_DATA)").tag(
        config=True
    )
    call_seconds = Float(
        SLOWEST_CELL_SECONDS, help="limit of one call of a learner's function"
    ).tag(config=True)
    threads = Integer(
        0, help="threads of each numeric library's pool in the sandbox (0: one per core)"
    ).tag(config=True)

    def limits(self, wall: float) -> sandbox.Limits:
        return sandbox.Limits(wall_seconds=wall, cpu_seconds=self.cpu_seconds,
                              memory_bytes=self.memory_bytes, data_bytes=self.data_bytes,
                              threads=self.threads)  # fmt: skip

    def preprocess(self, nb, resources):
        root = _root(self)
        chapter, student = _ids(resources)
        sandbox.check_available()
        the_plan = chapter_plan(root, chapter)
        notes: list[str] = []
        start = time.monotonic()
        self._execute(nb, the_plan, chapter, notes)
        executed = time.monotonic()
        self._judge(nb, the_plan, chapter, notes)
        notes.append(f"graded in {time.monotonic() - start:.1f} s (kernel {executed - start:.1f} s, "
                     f"functions and judge {time.monotonic() - executed:.1f} s)")  # fmt: skip
        _add_notes(root, chapter, student, notes)
        return nb, resources

    # -- the learner's kernel: every cell, hidden tests removed, for the outputs
    def _execute(self, nb, the_plan, chapter, notes):
        runnable = nbformat.from_dict(nb)
        for cell in runnable.cells:
            cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id in the_plan.judged:
                cell.source = judge.strip_hidden(cell.source)
            if cell.cell_type != "code":
                cell.pop("outputs", None)
        with tempfile.TemporaryDirectory(prefix="execute-") as job:
            job = Path(job)
            job.chmod(0o755)
            (job / "notebook.ipynb").write_text(nbformat.writes(runnable))
            (job / "execute.json").write_text(json.dumps({
                # nbclient's own limit is wall-clock time: four times the cell's limit, so that
                # a loaded machine does not interrupt a legitimate cell; the sandbox's step
                # limit below counts CPU seconds, which load does not inflate.
                "notebook_name": f"{chapter}.ipynb", "cell_seconds": 4 * self.cell_seconds,
            }))  # fmt: skip
            for path in job.iterdir():
                path.chmod(0o644)
            sandbox.seed_job(job)
            outcome = sandbox.run([*RUNNER, "execute"], job, self.limits(self.notebook_seconds),
                                  idle_seconds=1.5 * self.cell_seconds)  # fmt: skip
        ran, ended = set(), None
        for message, _ in wire.unpack_all(outcome.result):
            index = message.get("index")
            if (
                message.get("kind") == "cell"
                and isinstance(index, int)
                and 0 <= index < len(nb.cells)
            ):
                cell = nb.cells[index]
                if cell.cell_type == "code" and isinstance(message.get("outputs"), list):
                    cell.outputs = [_safe_output(o) for o in message["outputs"][:50]]
                    count = message.get("execution_count")
                    cell.execution_count = count if isinstance(count, int) else None
                    ran.add(index)
            elif message.get("kind") == "end":
                ended = message
        missing = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and i not in ran]
        if missing:
            why = (ended or {}).get("why") if ended else outcome.cause()
            why = str(why or outcome.cause())[:300]
            notes.append(f"the notebook stopped at cell {missing[0] + 1}: {why}")
            for index in missing:
                nb.cells[index].outputs = [_error("NotRun", f"This cell did not run: {why}.")]

    # -- the learner's functions on the hidden inputs, judged here
    def _judge(self, nb, the_plan, chapter, notes):
        if not the_plan.judged:
            return
        known = {cell.get("id") for cell in _source(_root(self), chapter).cells}
        learner_cells = []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("grade"):
                continue
            if meta.get("solution") or cell.get("id") not in known:
                learner_cells.append(
                    (meta.get("grade_id") or cell.get("id") or "cell", cell.source)
                )
        forbidden = FROM_SCRATCH.get(chapter, ())
        produced = judge.produce(
            the_plan, learner_cells, self.limits(self.notebook_seconds), self.call_seconds,
            forbidden=forbidden, forbidden_why=FROM_SCRATCH_WHY if forbidden else "",
            hide=_hidden_folders(forbidden),
        )  # fmt: skip
        for label, why in produced.cell_errors.items():
            if "stopped the process" in why:
                notes.append(f"{label}: {why}; the grader ran your other cells without it")
        for grade_id, why in produced.lost.items():
            notes.append(f"{grade_id}: {why}")
        verdicts = judge.judge(the_plan, produced)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in verdicts:
                continue
            verdict = verdicts[grade_id]
            # The kernel's own error or stderr in this cell does not decide: the verdict does.
            kept = [o for o in cell.outputs if o.output_type in ("stream", "display_data")
                    and o.get("name") != "stderr"]  # fmt: skip
            if verdict.passed:
                kept.append(new_output("stream", name="stdout", text=PASSED))
            else:
                kept.append(_error(verdict.ename, verdict.evalue))
            cell.outputs = kept


def _error(ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _safe_output(output) -> nbformat.NotebookNode:
    """One output from the sandbox, rebuilt from its known fields only (it is untrusted)."""
    if not isinstance(output, dict):
        return new_output("stream", name="stdout", text="(an output the grader could not read)\n")
    kind = output.get("output_type")
    text = lambda key: str(output.get(key, ""))[:30_000]  # noqa: E731
    if kind == "stream":
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return new_output("stream", name=name, text=text("text"))
    if kind == "error":
        trace = output.get("traceback") if isinstance(output.get("traceback"), list) else []
        return new_output("error", ename=text("ename")[:200], evalue=text("evalue"),
                          traceback=[str(line)[:5000] for line in trace[:60]])  # fmt: skip
    if kind in ("display_data", "execute_result"):
        data = output.get("data") if isinstance(output.get("data"), dict) else {}
        data = {k: str(v)[:2_000_000] for k, v in data.items() if k in ("text/plain", "image/png")}
        if kind == "execute_result":
            return new_output("execute_result", data=data, execution_count=None)
        return new_output("display_data", data=data)
    return new_output("stream", name="stdout", text="(an output the grader could not read)\n")
