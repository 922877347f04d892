"""The program that runs inside the grading sandbox: ``python -m helpers.grading.sandbox_runner``.

``execute``: run the submission (hidden tests already removed by the grader) top to bottom in
a kernel, as JupyterLab's "Run All" would, and send each executed cell's outputs, capped in
bytes, as one frame on $RESULT_FD. This is what the learner reads in the feedback.

``produce``: in a plain Python process, run the learner's code cells, then call the learner's
functions on the hidden tests' inputs (recorded by the grader) and send each result, or the
exception, as one frame. No IPython: no input transformers, no hooks, no history. Modules the
chapter forbids in from-scratch exercises are absent from the sandbox (the grader hides their
folders); importing one gives a stand-in that fails, when used, with a sentence that says why.

Everything this program sends is untrusted by the grader (the learner's code runs in the same
process or its child): it can make a learner's own results wrong, nothing else.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types
from pathlib import Path

JOB = Path(os.environ.get("JOB_DIR", "/job"))
SCRATCH = Path(os.environ.get("SCRATCH_DIR", "/scratch"))
OUTPUT_TEXT_BYTES = 20_000  # per output, a stream's text or an image's data
NOTEBOOK_OUTPUT_BYTES = 2_000_000  # all outputs of the notebook together


def _seed_matplotlib() -> None:
    """Copy the grader's font cache (JOB/mpl) into MPLCONFIGDIR, if the grader sent one."""
    import shutil

    target = os.environ.get("MPLCONFIGDIR")
    if target and (JOB / "mpl").is_dir():
        Path(target).mkdir(parents=True, exist_ok=True)
        for path in (JOB / "mpl").glob("*.json"):
            shutil.copy(path, target)


def send(message: dict, arrays=None) -> None:
    from helpers.grading import wire

    data = wire.pack(message, arrays)
    fd = int(os.environ["RESULT_FD"])
    while data:
        data = data[os.write(fd, data) :]


# ------------------------------------------------------------------------------- produce
class Forbidden(ImportError):
    """Raised when a from-scratch exercise uses a module the chapter forbids."""


class _Stand_in(types.ModuleType):
    def __init__(self, name: str, why: str):
        super().__init__(name)
        self.__path__ = []
        self.__why = why

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Unavailable(f"{self.__name__}.{attribute}", self.__why)


class _Unavailable:
    def __init__(self, name: str, why: str):
        self._name, self._why = name, why

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _Unavailable(f"{self._name}.{attribute}", self._why)

    def __call__(self, *args, **kwargs):
        raise Forbidden(f"{self._name} is not available to your code here: {self._why}")

    def __repr__(self):
        return f"<{self._name}: not available to the learner's code>"


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of forbidden modules give a stand-in (their files are not in the sandbox)."""

    def __init__(self, prefixes: list[str], why: str):
        self.prefixes, self.why = prefixes, why

    def find_spec(self, name, path=None, target=None):
        if any(name == p or name.startswith(p + ".") for p in self.prefixes):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Stand_in(spec.name, self.why)

    def exec_module(self, module):
        pass


def _python_only(source: str) -> str:
    """Drop IPython magics and shell lines, which plain Python cannot run."""
    return "\n".join(
        "pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def _run_statements(source: str, namespace: dict, label: str) -> str:
    """Run each top-level statement of `source`; return the first error as text ("" if none)."""
    first_error = ""
    try:
        tree = ast.parse(_python_only(source), filename=label)
    except SyntaxError as error:
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    for statement in tree.body:
        module = ast.Module(body=[statement], type_ignores=[])
        try:
            exec(compile(module, label, "exec"), namespace)
        except BaseException as error:  # noqa: BLE001 (SystemExit too: the process goes on)
            first_error = first_error or f"{type(error).__name__}: {str(error)[:300]}"
    return first_error


def produce() -> None:
    from helpers.grading import answer, wire

    with open(JOB / "produce.json") as handle:
        job = json.load(handle)
    with __import__("numpy").load(JOB / "produce.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    if job["forbidden"]:
        sys.meta_path.insert(0, _StandInFinder(job["forbidden"], job["forbidden_why"]))
    namespace: dict = {"__name__": "__main__"}
    # The chapter's imports cell (the instructor's, not the learner's copy).
    _run_statements(job["imports"], namespace, "imports")
    cell_errors = {}
    for cell in job["cells"]:
        # Said first: if this cell ends the process (os._exit), the grader runs again without it.
        send({"kind": "exec", "label": cell["label"]})
        error = _run_statements(cell["source"], namespace, cell["label"])
        if error:
            cell_errors[cell["label"]] = error
    send({"kind": "ready", "cell_errors": cell_errors})
    live: dict = {}  # {call index: (args, kwargs)}, as the call left them
    for call in job["calls"]:
        if call.get("first_of_cell"):
            send({"kind": "cell", "cell": call["cell"]})
            live.clear()
        args = wire.decode(call["args"], arrays)
        kwargs = wire.decode(call["kwargs"], arrays)
        answer.pass_on(call.get("links", {}), args, kwargs, live)
        function = namespace.get(call["function"])
        try:
            if function is None:
                why = cell_errors.get(call["function"])
                raise NameError(
                    f"name '{call['function']}' is not defined"
                    + (f" (its cell raised {why})" if why else "")
                )
            message, out, _ = answer.answer(function, args, kwargs)
        except BaseException as error:  # noqa: BLE001 (a learner may raise anything)
            message, out = answer.failure(error), {}
        live[call["index"]] = (args, kwargs)
        message = {"kind": "call", "index": call["index"], **message}
        send(message, out)
    send({"kind": "done"})


# ------------------------------------------------------------------------------- execute
def _capped(outputs: list, budget: list[int]) -> list:
    """Outputs with every text and data field cut to OUTPUT_TEXT_BYTES and the notebook's budget."""
    capped = []
    for output in outputs:
        output = dict(output)
        for key in ("text", "evalue"):
            if key in output:
                output[key] = _cut("".join(output[key]), budget)
        if "traceback" in output:
            output["traceback"] = [_cut(line, budget) for line in output["traceback"][-60:]]
        if "data" in output:
            output["data"] = {
                kind: _cut(value if isinstance(value, str) else json.dumps(value), budget)
                for kind, value in output["data"].items()
                if kind in ("text/plain", "image/png", "text/html")
            }
        capped.append(output)
    return capped


def _cut(text: str, budget: list[int]) -> str:
    limit = min(OUTPUT_TEXT_BYTES, max(budget[0], 0))
    if len(text) > limit:
        text = text[:limit] + f"\n... (output cut at {limit} characters by the grader)\n"
    budget[0] -= len(text)
    return text


def execute() -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from helpers.environment import missing_kernel_arguments

    with open(JOB / "execute.json") as handle:
        job = json.load(handle)
    work = SCRATCH / "work"
    work.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(JOB / "notebook.ipynb", as_version=4)
    (work / job["notebook_name"]).write_text(nbformat.writes(nb))
    budget = [NOTEBOOK_OUTPUT_BYTES]
    current = {"index": None}

    def started(cell, cell_index, **kwargs):
        current["index"] = cell_index
        send({"kind": "start", "index": cell_index})

    def executed(cell, cell_index, **kwargs):
        outputs = _capped(cell.get("outputs", []), budget)
        send({"kind": "cell", "index": cell_index, "outputs": outputs,
              "execution_count": cell.get("execution_count")})  # fmt: skip
        cell.outputs = []  # keep the runner's memory small

    client = NotebookClient(
        nb,
        timeout=job["cell_seconds"],
        kernel_name="python3",
        extra_arguments=missing_kernel_arguments(),  # the course's quiet kernel
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(work)}},
        on_cell_start=started,
        on_cell_executed=executed,
    )
    why = ""
    try:
        client.execute()
    except CellTimeoutError:
        why = f"a cell ran longer than the {job['cell_seconds']} s a cell may take"
    except DeadKernelError:
        why = "the kernel died"
        try:
            code = client.km.provisioner.process.returncode
            if code is not None:
                why += f" (exit status {code})" if code >= 0 else f" (signal {-code})"
        except Exception:  # noqa: BLE001 (best effort: the cause's details)
            pass
    except BaseException as error:  # noqa: BLE001
        why = f"{type(error).__name__}: {str(error)[:300]}"
    send({"kind": "end", "stopped_at": current["index"] if why else None, "why": why})


if __name__ == "__main__":
    _seed_matplotlib()
    {"produce": produce, "execute": execute}[sys.argv[1]]()
