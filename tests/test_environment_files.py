"""The install files agree with each other, and the two commands are where README says."""

from __future__ import annotations

import re
import tomllib

from helpers.grading.config import REPO_ROOT


def pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    pins = {}
    for requirement in data["project"]["dependencies"]:
        name, version = requirement.split("==")
        pins[name.lower()] = version
    return pins


def environment_yml_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "environment.yml").read_text().splitlines():
        match = re.fullmatch(r"\s+- ([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_dependency_is_pinned_exactly():
    assert len(pyproject_pins()) >= 15
    assert all(re.fullmatch(r"\d+(\.\d+)*", v) for v in pyproject_pins().values())


def test_environment_yml_has_the_same_pins_as_pyproject():
    assert environment_yml_pins() == pyproject_pins()
    assert "python=3.11" in (REPO_ROOT / "environment.yml").read_text()


def test_constraints_agree_with_the_pins():
    locked = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            locked[normalise(name)] = version
    for name, version in pyproject_pins().items():
        assert locked.get(normalise(name)) == version, name


def test_the_stack_is_the_one_the_course_promises():
    pins = pyproject_pins()
    assert pins["tensorflow"].startswith("2.21.")
    assert pins["keras"].startswith("3.")
    assert pins["nbgrader"].startswith("0.9.")
    assert pins["ipywidgets"].startswith("8.")
    assert pins["jupyterlab"].startswith("4.")


def test_ci_runs_the_command_readme_gives_first():
    readme = (REPO_ROOT / "README.md").read_text()
    commands = re.findall(r"^make (\w+)$", readme, flags=re.M)
    assert commands[:2] == ["lab", "test"]
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)
