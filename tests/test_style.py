"""ruff, the formatter and linter the project follows (configuration in pyproject.toml)."""

import subprocess
import sys

from helpers.grading.config import REPO_ROOT

PATHS = ["helpers", "tests", "benchmarks", "assignments/nbgrader_config.py"]


def test_ruff_check_passes():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *PATHS], cwd=REPO_ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_applied():
    result = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", *PATHS],
                            cwd=REPO_ROOT, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout
