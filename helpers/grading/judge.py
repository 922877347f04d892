"""Scores that the learner's process cannot influence: record, produce in the sandbox, judge.

A test cell of the instructor notebook (visible check and hidden tests together) is split in
two, with no change to how a chapter writes it:

1. **record** (the grader, once per chapter): the test cell runs in the grader's own process
   with the instructor's solutions wrapped in recorders, which note every call the checks
   make (function name, arguments). The solutions only drive the checks to their inputs; the
   checks still compare with their independent references.
2. **produce** (the sandbox, once per submission): a plain Python process runs the learner's
   code cells and calls the learner's functions on exactly those inputs, then sends back the
   results (or the exceptions) and the arguments as they were after each call (a function
   that changes its input in place must be caught). No test code enters it.
3. **judge** (the grader): the same test cell runs again in the grader's process, the
   learner's functions replaced by replayers that return the sandbox's results in order. The
   checks' comparisons, messages and references run here, in a process the learner never
   touched; the cell passes when it raises nothing.

What crosses: values (wire.py), a Keras model the learner's function builds (its
configuration and weights, rebuilt from Keras' own layers: keras_models.py), a Keras block
called on the check's ``keras.Input`` (the input as its shape, the block's graph as a model
whose layers the grader calls on the check's own tensors: symbolic.py), one of the checks'
own objects (wire.CHECK_OBJECTS), and a scalar loss's gradient with respect to the check's
tensors, so that a check's ``tf.GradientTape`` through the learner's loss works in the grader
too (gradients.py). Both sides describe a call with answer.py.

A test cell that cannot be split (it fails in the grader with the solutions; one of its inputs
or the solution's results cannot cross: a training History, a function; or its later calls are
given what earlier ones returned, so that replaying recorded inputs would fail a learner right
to within rounding) is graded the old way, in the learner's sandboxed kernel with its hidden
tests: see :func:`plan` (``Plan.fallback`` names the cell and why).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import nbformat
import numpy as np

from helpers.grading import answer, gradients, keras_models, sandbox, symbolic, wire
from helpers.grading.solutions import HIDDEN_REGION, _python_only

RUNNER = ["python", "-m", "helpers.grading.sandbox_runner"]


DIFFERENT_INPUTS = "differ from the recorded ones"


class NotGraded(Exception):
    """A call whose result never came back from the sandbox (the message says why)."""


@dataclasses.dataclass
class Call:
    cell: str  # the test cell's grade_id
    function: str
    args: object  # encoded (wire.encode) form
    kwargs: object
    index: int = 0
    # {position ("0", "1", ... or "k:name"): [index of an earlier call, its position]}: an
    # argument that is the same stateful object (a variable, an optimizer) as one an earlier
    # call of the cell was given. The sandbox passes its own object on, as the kernel would.
    links: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Plan:
    """How a chapter's test cells are graded.

    Attributes:
        imports: the instructor's imports cell source.
        functions: {function name: grade_id of the solution cell that defines it}.
        judged: {test grade_id: its source (visible check and hidden tests)}.
        calls: every recorded call, in order, with their encoded inputs in `arrays`.
        arrays: the arrays of the calls' inputs.
        fallback: {test grade_id: why it is graded in the kernel instead}.
    """

    imports: str
    functions: dict[str, str]
    judged: dict[str, str]
    calls: list[Call]
    arrays: dict[str, np.ndarray]
    fallback: dict[str, str]


def _imports_namespace(imports: str) -> dict:
    namespace: dict = {"__name__": "grader"}
    exec(compile(_python_only(imports), "imports", "exec"), namespace)
    return namespace


def _positions(args, kwargs) -> list[tuple[str, object]]:
    return [(str(i), a) for i, a in enumerate(args)] + [(f"k:{k}", v) for k, v in kwargs.items()]


def _stateful(value) -> bool:
    """A variable or an optimizer: objects a function changes that a check passes on."""
    return wire.tensor_kind(value) == "v" or keras_models.is_optimizer(value)


class _Recorder:
    def __init__(self, name, function, log, seen):
        self.__name__, self.function, self.log, self.seen = name, function, log, seen

    def __call__(self, *args, **kwargs):
        arrays: dict = {}
        form = (wire.encode(list(args), arrays), wire.encode(kwargs, arrays))
        # Copies: the call may change its arguments in place, and these are its inputs.
        arrays = {name: np.array(array, copy=True) for name, array in arrays.items()}
        links = {
            position: list(self.seen[id(value)][:2])
            for position, value in _positions(args, kwargs)
            if _stateful(value) and id(value) in self.seen
        }
        # The result must cross the wall too; kept, as the sandbox would send it, for the
        # dry run of `plan` (the cell judged on the solutions' own results).
        message, out, result = answer.answer(self.function, list(args), kwargs)
        for position, value in _positions(args, kwargs):
            if _stateful(value):  # the object itself is kept, so that its id stays its own
                self.seen[id(value)] = (len(self.log), position, value)
        self.log.append((self.__name__, form, arrays, (message, out), links))
        return result


def plan(source_nb: nbformat.NotebookNode) -> Plan:
    """Record the inputs of every test cell's calls to the learner's functions (step 1).

    Args:
        source_nb: the instructor notebook.
    """
    imports = next((c.source for c in source_nb.cells if c.get("id") == "imports"), "")
    namespace = _imports_namespace(imports)
    functions = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            before = set(namespace)
            exec(compile(cell.source, meta["grade_id"], "exec"), namespace)
            for name in set(namespace) - before:
                if callable(namespace[name]):
                    functions[name] = meta["grade_id"]
    judged, calls, arrays, fallback = {}, [], {}, {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        grade_id, log, seen = meta["grade_id"], [], {}
        local = dict(namespace)
        for name in functions:
            local[name] = _Recorder(name, namespace[name], log, seen)
        try:
            exec(compile(cell.source, grade_id, "exec"), local)
        except Exception as error:  # noqa: BLE001 (anything: the cell then stays in the kernel)
            fallback[grade_id] = f"it does not run in the grader ({type(error).__name__}: {error})"
            continue
        if not log:
            fallback[grade_id] = "it calls none of the learner's functions"
            continue
        cell_calls, cell_arrays, solved, given = [], {}, {}, {}
        for name, (args, kwargs), call_arrays, sent, links in log:
            index = len(calls) + len(cell_calls)
            renamed = {key: f"c{index}_{key}" for key in call_arrays}
            cell_arrays.update({renamed[key]: value for key, value in call_arrays.items()})
            links = {at: [len(calls) + earlier, where] for at, (earlier, where) in links.items()}
            cell_calls.append(Call(grade_id, name, _rename(args, renamed),
                                   _rename(kwargs, renamed), index, links))  # fmt: skip
            solved[index] = sent
            given[index] = list(call_arrays.values())
        # Dry run: the cell judged on the solutions' own results, as they come back from the
        # sandbox. A check that needs more than the values (a gradient through the learner's
        # function, the identity of an object) fails here and is graded in the kernel.
        dry = Plan(imports, functions, {grade_id: cell.source}, cell_calls, cell_arrays, {})
        verdict = judge(dry, Produced(solved, {}, {}, 0.0))[grade_id]
        if not verdict.passed:
            first = verdict.evalue.splitlines()[0][:200] if verdict.evalue else ""
            fallback[grade_id] = (
                f"judged on the solutions' own results it fails ({verdict.ename}: {first})"
            )
            continue
        # Second dry run: every float the solutions sent (that is not one of the call's own
        # inputs, unchanged) moved by one unit in the last place, a difference any check's
        # tolerance accepts. A cell whose later calls are given what earlier calls returned
        # (a training loop, a variable changed in place) then meets inputs that differ from
        # the recorded ones: a learner right to within rounding would fail it, so it is
        # graded in the kernel.
        nudged = {i: _nudged(*sent, given[i]) for i, sent in solved.items()}
        verdict = judge(dry, Produced(nudged, {}, {}, 0.0))[grade_id]
        if (
            not verdict.passed
            and verdict.ename == "NotGraded"
            and DIFFERENT_INPUTS in verdict.evalue
        ):
            fallback[grade_id] = (
                "its later calls are given what the earlier ones returned, so a learner's "
                "result that is right to within rounding would change the recorded inputs"
            )
            continue
        judged[grade_id] = cell.source
        calls.extend(cell_calls)
        arrays.update(cell_arrays)
    return Plan(imports, functions, judged, calls, arrays, fallback)


def _nudged(message: dict, arrays: dict, inputs: list[np.ndarray]) -> tuple[dict, dict]:
    """A call's message with its float arrays moved by one unit in the last place, except
    those equal to one of the call's inputs (an argument sent back unchanged)."""

    def moved(a: np.ndarray) -> np.ndarray:
        if a.dtype.kind != "f" or any(
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b) for b in inputs
        ):
            return a
        return np.nextafter(a, np.inf).astype(a.dtype)

    return message, {name: moved(a) for name, a in arrays.items()}


def _rename(form, renamed):
    """The encoded form with its array names replaced (calls share one .npz)."""
    if isinstance(form, dict) and set(form) == {"m"} and isinstance(form["m"], dict):
        weights, model = form["m"].get("weights"), dict(form["m"])
        model["weights"] = None if weights is None else [renamed[name] for name in weights]
        if "fit" in model:
            model["fit"] = _rename(model["fit"], renamed)
        return {"m": model}
    if isinstance(form, dict):
        return {
            key: (renamed[value] if key in wire.ARRAY_KINDS else _rename(value, renamed))
            for key, value in form.items()
        }
    if isinstance(form, list):
        return [_rename(item, renamed) for item in form]
    return form


@dataclasses.dataclass
class Produced:
    """What the learner's functions returned in the sandbox.

    Attributes:
        results: {call index: (message, arrays)} of the calls that came back.
        lost: {test grade_id: why its calls did not come back}.
        cell_errors: {cell label: the error its code raised when it ran}.
        seconds: the sandbox's wall time, all runs together.
    """

    results: dict
    lost: dict[str, str]
    cell_errors: dict[str, str]
    seconds: float


def produce(
    the_plan: Plan,
    learner_cells: list[tuple[str, str]],
    limits: sandbox.Limits,
    call_seconds: float,
    forbidden: tuple[str, ...] = (),
    forbidden_why: str = "",
    hide: tuple[str, ...] = (),
) -> Produced:
    """Call the learner's functions on the recorded inputs in the sandbox (step 2).

    When a run dies or is stopped inside one test cell's calls, that cell's remaining calls
    are lost (with the cause) and a fresh run goes on with the next cell.

    Args:
        the_plan: the chapter's plan.
        learner_cells: [(label, source)] of the learner's code cells to run first, in order.
        limits: the sandbox's limits for one run.
        call_seconds: the longest a single call (or the learner's cells) may take.
        forbidden: module names the learner's code may not use (e.g. "tensorflow").
        forbidden_why: the sentence a learner reads when their code tries.
        hide: folders that appear empty in the sandbox (the forbidden modules' files).
    """
    results, lost, cell_errors, seconds = {}, {}, {}, 0.0
    todo = list(the_plan.calls)
    skipped: set[int] = set()  # learner cells that stopped the process when they ran
    while todo:
        cells = [cell for index, cell in enumerate(learner_cells) if index not in skipped]
        with tempfile.TemporaryDirectory(prefix="produce-") as job:
            job = Path(job)
            job.chmod(0o755)
            calls = []
            for position, call in enumerate(todo):
                first = position == 0 or todo[position - 1].cell != call.cell
                calls.append({**dataclasses.asdict(call), "first_of_cell": first})
            (job / "produce.json").write_text(json.dumps({
                "imports": the_plan.imports,
                "cells": [{"label": label, "source": source} for label, source in cells],
                "calls": calls,
                "forbidden": list(forbidden),
                "forbidden_why": forbidden_why,
            }))  # fmt: skip
            np.savez(job / "produce.npz", **the_plan.arrays)
            for path in job.iterdir():
                path.chmod(0o644)
            sandbox.seed_job(job)
            outcome = sandbox.run(
                [*RUNNER, "produce"], job, limits, hide=hide, idle_seconds=call_seconds
            )
        seconds += outcome.seconds
        current, done, executing, ready = None, set(), None, False
        for message, arrays in wire.unpack_all(outcome.result):
            kind = message.get("kind")
            if kind == "exec" and not ready:
                executing = message.get("label")
            if kind == "ready" and isinstance(message.get("cell_errors"), dict):
                ready = True
                cell_errors.update(
                    {str(k): str(v)[:400] for k, v in message["cell_errors"].items()}
                )
            elif kind == "cell":
                current = message.get("cell")
            elif kind == "call" and isinstance(message.get("index"), int):
                results[message["index"]] = (message, arrays)
                done.add(message["index"])
        finished = any(m.get("kind") == "done" for m, _ in wire.unpack_all(outcome.result[-4096:]))
        remaining = [call for call in todo if call.index not in done]
        if not remaining:
            break
        if finished:
            # The run said it had finished but results are missing: a forged stream.
            for call in remaining:
                lost.setdefault(call.cell, "the grader's run of your functions returned no result")
            break
        cause = outcome.cause()
        broken = next(call.cell for call in remaining) if current is None else current
        if not ready and executing is not None:
            # One of the learner's cells ended the process: run again without that cell.
            labels = [label for label, _ in learner_cells]
            index = next((i for i, label in enumerate(labels) if label == executing
                          and i not in skipped), None)  # fmt: skip
            if index is not None:
                skipped.add(index)
                cell_errors[executing] = f"running this cell stopped the process: {cause}"
                continue
        if current is None and not results:
            # It died before the first call: the learner's cells themselves stop the process.
            log = outcome.log.strip().splitlines()[-1:] if outcome.returncode else []
            for call in remaining:
                lost.setdefault(call.cell, f"running your code cells stopped the process: {cause}"
                                + (f" (last line: {log[0][:200]})" if log else ""))  # fmt: skip
            break
        lost[broken] = f"the grader's run of your functions stopped in this test: {cause}"
        todo = [call for call in remaining if call.cell != broken]
    return Produced(results, lost, cell_errors, seconds)


class _Replayer:
    def __init__(self, name, calls, produced, arrays):
        self.__name__ = name
        self.calls, self.produced, self.arrays = calls, produced, arrays

    def _left(self, earlier: int, position: str):
        """The argument at `position` of call `earlier` as the learner's function left it."""
        if earlier not in self.produced.results or "after" not in self.produced.results[earlier][0]:
            raise NotGraded(f"{self.__name__} was given an object an earlier call did not return")
        message, arrays = self.produced.results[earlier]
        try:
            return answer.argument_at(wire.decode(message["after"], arrays), position)
        except (KeyError, IndexError, TypeError, ValueError):
            raise NotGraded(
                f"{self.__name__}: the grader cannot read an earlier call's arguments"
            ) from None

    def __call__(self, *args, **kwargs):
        if not self.calls:
            raise NotGraded(f"{self.__name__} was called more often than when the grader recorded")
        call = self.calls.pop(0)
        recorded = [wire.decode(call.args, self.arrays), wire.decode(call.kwargs, self.arrays)]
        for position, (earlier, where) in getattr(call, "links", {}).items():
            # The sandbox passed on its own object: compare with that object as it was left.
            answer.put_argument(recorded, position, self._left(earlier, where))
        if not wire.same(recorded, [list(args), kwargs]):
            raise NotGraded(
                f"the grader's inputs to {self.__name__} {DIFFERENT_INPUTS}: this "
                "test cell is not deterministic (an instructor's error; grade it in the kernel)"
            )
        if call.index not in self.produced.results:
            why = self.produced.lost.get(call.cell, "no result came back from the sandbox")
            raise NotGraded(f"{self.__name__} did not return: {why}")
        message, arrays = self.produced.results[call.index]
        if "ename" in message:
            raise _rebuilt(message)
        try:
            value = wire.decode(message["value"], arrays)
            after_args, after_kwargs = wire.decode(message["after"], arrays)
            slopes = wire.decode(message["gradients"], arrays) if "gradients" in message else None
            if isinstance(value, symbolic.Graph):  # a block's layers, into the check's graph
                value = symbolic.inline(value, list(args), kwargs)
        except (KeyError, ValueError) as error:
            raise NotGraded(
                f"{self.__name__} returned something the grader cannot read: {error}"
            ) from None
        # The learner's function may have changed its inputs in place: do the same here.
        for given, changed in zip(args, after_args, strict=False):
            _copy_back(given, changed)
        for key, given in kwargs.items():
            _copy_back(given, after_kwargs.get(key) if isinstance(after_kwargs, dict) else None)
        # A scalar loss keeps its gradient with respect to the check's tensors.
        return gradients.stand_in(value, list(args), kwargs, slopes)


def _copy_back(given, changed) -> None:
    if keras_models.is_model(given) and keras_models.is_model(changed):
        # A model the learner's function trained: the check sees its new weights.
        if [w.shape for w in given.get_weights()] == [w.shape for w in changed.get_weights()]:
            given.set_weights(changed.get_weights())
        # And the check's stand-in for its fit, what it counted.
        _copy_back(vars(given).get("fit"), vars(changed).get("fit"))
    elif wire.check_object_tag(given) and type(given) is type(changed):
        # A check's object the learner's function used (an encoder counts its calls).
        for key, value in wire.crossing_state(changed).items():
            if key in vars(given):
                setattr(given, key, value)
    elif wire.tensor_kind(given) == "v" and wire.tensor_kind(changed):
        if tuple(given.shape) == tuple(changed.shape):
            given.assign(wire.as_plain(changed))
    elif isinstance(given, np.ndarray) and isinstance(changed, np.ndarray):
        if given.shape == changed.shape and given.flags.writeable:
            np.copyto(given, changed, casting="unsafe")
    elif isinstance(given, list | tuple) and isinstance(changed, list | tuple):
        for a, b in zip(given, changed, strict=False):
            _copy_back(a, b)


def _rebuilt(message: dict) -> Exception:
    """The learner's exception, rebuilt by name (a builtin class where there is one)."""
    import builtins

    name = str(message.get("ename", "Exception"))[:100]
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = type(name if name.isidentifier() else "LearnerError", (Exception,), {})
    error = cls(str(message.get("evalue", ""))[:2000])
    for note in message.get("notes", [])[:5]:
        error.add_note(str(note)[:500])
    return error


@dataclasses.dataclass
class Verdict:
    passed: bool
    ename: str = ""
    evalue: str = ""


def judge(the_plan: Plan, produced: Produced) -> dict[str, Verdict]:
    """Run every judged test cell in the grader with the learner's results (step 3).

    Args:
        the_plan: the chapter's plan.
        produced: what the learner's functions returned in the sandbox.

    Returns:
        {test grade_id: Verdict}.
    """
    namespace = _imports_namespace(the_plan.imports)
    verdicts = {}
    for grade_id, source in the_plan.judged.items():
        local = dict(namespace)
        for name in the_plan.functions:
            calls = [c for c in the_plan.calls if c.cell == grade_id and c.function == name]
            local[name] = _Replayer(name, calls, produced, the_plan.arrays)
        try:
            exec(compile(source, grade_id, "exec"), local)
            verdicts[grade_id] = Verdict(True)
        except Exception as error:  # noqa: BLE001 (the check's failure, whatever its type)
            text = str(error)
            notes = getattr(error, "__notes__", [])
            verdicts[grade_id] = Verdict(
                False, type(error).__name__, "\n".join([text, *map(str, notes)])[:4000]
            )
    return verdicts


def strip_hidden(source: str) -> str:
    """A test cell's source without its hidden-test region (what the learner's kernel runs)."""
    return HIDDEN_REGION.sub("", source).rstrip() + "\n"
