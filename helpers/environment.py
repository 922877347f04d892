"""The environment check that opens every chapter notebook.

It answers, in plain words, the three questions behind most "it does not work" reports: is
this the Python and TensorFlow the course was tested with, is the course package the one
installed from this repository, and is the notebook running from its own folder?
"""

from __future__ import annotations

import sys
import warnings
from importlib import metadata
from pathlib import Path

import helpers

PYTHON = (3, 11)
# The packages a chapter cannot run without, and the versions pinned in pyproject.toml.
PINNED = ("tensorflow", "keras", "numpy", "matplotlib", "ipywidgets", "scikit-image")

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
