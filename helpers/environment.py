"""The environment check that opens every chapter notebook.

It answers, in plain words, the three questions behind most "it does not work" reports: is
this the Python and TensorFlow the course was tested with, is the course package the one
installed from this repository, and is the notebook running from its own folder?
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from importlib import metadata
from pathlib import Path

import helpers

PYTHON = (3, 11)
# The packages a chapter cannot run without, and the versions pinned in pyproject.toml.
PINNED = ("tensorflow", "keras", "numpy", "matplotlib", "ipywidgets", "scikit-image")

# The kernel's environment, set before TensorFlow is first imported: the one list of the
# variables, read by the course's kernelspec (install_kernel, run by the set-up), by
# helpers.grading.execute and by nbgrader_config.py (autograde). A red "E0000 ..." line reads as
# a failure to a learner, and nbgrader takes the points of a test cell that writes to stderr.
QUIET_KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ log: errors only (no INFO, no WARNING)
    "GRPC_VERBOSITY": "ERROR",  # gRPC, loaded with TensorFlow's distributed runtime
    "GLOG_minloglevel": "2",  # glog-style logging in TensorFlow's dependencies
}
# Some C++ lines are written before TensorFlow reads TF_CPP_MIN_LOG_LEVEL, straight to file
# descriptor 2 with no threshold that any variable sets: absl's "WARNING: All log messages before
# absl::InitializeLog() is called ...", the CUDA stub's "Could not find cuda drivers", "E0000
# ... failed call to cuInit" and tf.data's "NodeDef mentions attribute use_unbounded_threadpool".
# ipykernel copies that descriptor into the notebook as red stderr; with this argument it does
# not, and they go to the terminal that started JupyterLab (or to the grader's log) instead.
# Python's own sys.stderr (warnings, tracebacks, a learner's print(..., file=sys.stderr)) still
# reaches the notebook.
QUIET_KERNEL_ARGUMENTS = ("--IPKernelApp.capture_fd_output=False",)
KERNEL_NAME = "python3"  # the kernel every course notebook names in its metadata


def quiet_kernel_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: os.environ) with QUIET_KERNEL_ENV added, for a kernel to start with.

    Args:
        base: the environment to start from; not changed.
    """
    return {**(os.environ if base is None else base), **QUIET_KERNEL_ENV}


def missing_kernel_arguments() -> list[str]:
    """The QUIET_KERNEL_ARGUMENTS that the installed ``python3`` kernelspec does not already pass.

    What nbclient and nbgrader add to a kernel's command line (``extra_arguments``) comes on top
    of the kernelspec's own, and ipykernel refuses an option given twice: once ``make kernel``
    has installed the course's kernelspec (:func:`install_kernel`), nothing must be added; on a
    plain ipykernel spec, the arguments are added here.

    Returns:
        The arguments to add (possibly none).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv
    except NoSuchKernel:
        argv = []
    return [argument for argument in QUIET_KERNEL_ARGUMENTS if argument not in argv]


def kernel_spec(python: str | None = None) -> dict:
    """The course's Jupyter kernelspec: this Python, quiet TensorFlow, no C-level stderr capture.

    Args:
        python: the interpreter the kernel runs (default: this one, the course's .venv).

    Returns:
        The kernel.json content, as a dict.
    """
    return {
        "argv": [
            python or sys.executable,
            *("-m", "ipykernel_launcher", "-f", "{connection_file}"),
            *QUIET_KERNEL_ARGUMENTS,
        ],
        "display_name": "Python 3 (cnn-course)",
        "language": "python",
        "env": dict(QUIET_KERNEL_ENV),
        "metadata": {"debugger": True},
        "kernel_protocol_version": "5.5",
    }


def install_kernel(prefix: str | Path | None = None) -> Path:
    """Write the course's kernelspec as ``python3`` in ``prefix``'s Jupyter data folder.

    The notebooks name the kernel ``python3``; installed in the environment's own
    share/jupyter/kernels/ it replaces ipykernel's default there, so JupyterLab, nbgrader's
    Validate and nbgrader's autograde all start the quiet kernel. Running it again rewrites the
    same file (the set-up runs it on every start).

    Args:
        prefix: the environment's root (default: sys.prefix, the course's .venv).

    Returns:
        The kernel.json written.
    """
    folder = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "kernel.json"
    path.write_text(json.dumps(kernel_spec(), indent=1) + "\n")
    return path


FIX = "From the course folder run `make lab`: it installs the pinned versions into .venv and starts JupyterLab with that Python."


def pinned_versions() -> dict[str, str]:
    """The exact versions pyproject.toml pins, read from the installed package's metadata.

    Returns:
        {package name: version}, e.g. {"tensorflow": "2.21.0", ...}.
    """
    pins = {}
    for requirement in metadata.requires("cnn-course") or []:
        name, _, version = requirement.partition("==")
        pins[name.strip().lower()] = version.split(";")[0].strip()
    return pins


def environment_problems(chapter: str | None = None) -> list[str]:
    """Everything wrong with the running environment, one sentence each (empty when fine).

    Args:
        chapter: the notebook's name without ".ipynb" (e.g. "01_convolution"); when given,
            the current directory must hold that notebook.
    """
    problems = []
    if sys.version_info[:2] != PYTHON:
        problems.append(
            f"This kernel runs Python {sys.version.split()[0]} ({sys.executable}); the course "
            f"needs Python {PYTHON[0]}.{PYTHON[1]}."
        )
    try:
        pins = pinned_versions()
    except metadata.PackageNotFoundError:
        pins = {}
        problems.append(
            "The course package is importable but not installed (no 'cnn-course' metadata): "
            f"`helpers` was found at {Path(helpers.__file__).parent}."
        )
    for name in PINNED:
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed in this kernel ({sys.executable}).")
            continue
        wanted = pins.get(name)
        if wanted and found != wanted:
            problems.append(f"{name} {found} is installed; the course is tested with {wanted}.")
    if chapter and not (Path.cwd() / f"{chapter}.ipynb").exists():
        warnings.warn(
            f"The working directory is {Path.cwd()}, which does not hold {chapter}.ipynb. "
            "Open the notebook from JupyterLab's file browser so that it runs in its own folder.",
            stacklevel=3,
        )
    return problems


def check_environment(chapter: str | None = None) -> None:
    """Print a one-line summary when the environment is right; raise with the fixes if not.

    Args:
        chapter: the notebook's name without ".ipynb", to check the working directory.

    Raises:
        RuntimeError: listing every problem found and how to fix it.
    """
    problems = environment_problems(chapter)
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise RuntimeError(f"This environment is not the course's:\n{listing}\n{FIX}")
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in PINNED[:3])
    print(
        f"\N{CHECK MARK} Environment OK: Python {sys.version.split()[0]}, {versions}; "
        f"helpers from {Path(helpers.__file__).parent}"
    )


if __name__ == "__main__":
    # `python -m helpers.environment --install-kernel`, run by the set-up (make lab, make test).
    if sys.argv[1:] == ["--install-kernel"]:
        print(f"installed the course's quiet kernel: {install_kernel()}")
    else:
        check_environment()
