"""nbgrader configuration for the CNN course (this folder is the course root).

Every command in README's instructor guide runs with this file, whatever the current
directory: `python -m helpers.grading ...` runs nbgrader inside this folder.
"""

import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from helpers.environment import QUIET_KERNEL_ENV, missing_kernel_arguments
from helpers.grading.config import IGNORED_STDERR_PATTERN, SLOWEST_CELL_SECONDS
from helpers.grading.feedback import HideHiddenTests
from helpers.grading.sandboxed import NormalizeSubmission, SandboxedExecute

c = get_config()  # noqa: F821 (nbgrader injects get_config)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "cnn-course"

# The kernels nbgrader starts (autograde, Validate) run with TensorFlow's C++ logging quiet and
# without copying C-level stderr into the notebook (helpers.environment says why): a kernel
# inherits this process's environment, and the arguments are added to the kernelspec's.
os.environ.update(QUIET_KERNEL_ENV)
# (nbclient adds its own --HistoryManager.hist_file=:memory: to these.) Only what the installed
# kernelspec lacks: ipykernel refuses an option given twice.
c.Execute.extra_arguments = missing_kernel_arguments()

# TensorFlow writes log lines to stderr, and nbgrader gives 0 points to a test cell with any
# stderr output. The pattern matches only output made entirely of TensorFlow/absl log lines
# and Python warnings; anything else written to stderr still costs the cell its points.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = IGNORED_STDERR_PATTERN

# Learner code is untrusted: each submission runs in a bubblewrap sandbox, and the test cells
# are scored outside it (helpers/grading/sandboxed.py). These lists are nbgrader's own, with
# NormalizeSubmission added and SandboxedExecute in the place of Execute.
c.Autograde.sanitize_preprocessors = [
    ClearOutput, NormalizeSubmission, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
    CheckCellMetadata,
]  # fmt: skip
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]  # fmt: skip
c.SandboxedExecute.cell_seconds = SLOWEST_CELL_SECONDS
c.SandboxedExecute.call_seconds = SLOWEST_CELL_SECONDS

# The slowest legitimate cell (a training run in a later chapter) must finish; an infinite
# loop in a learner's function must not hold the grader for ever.
c.Execute.timeout = SLOWEST_CELL_SECONDS

# A learner who deletes a test cell gets it back, and is graded on it.
c.OverwriteCells.add_missing_cells = True

# Keep autograded notebooks and feedback small when a learner prints in a loop.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# Feedback never shows hidden tests: neither their source nor a traceback through them.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
