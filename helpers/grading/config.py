"""Settings shared by nbgrader_config.py, the grading commands and the tests."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COURSE_ROOT = REPO_ROOT / "assignments"
LEARNER_NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
HTML_DIR = REPO_ROOT / "build" / "html"  # `make html` writes the solved chapters here

# The slowest legitimate cell in any chapter (a training run) takes well under this on 2 cores.
SLOWEST_CELL_SECONDS = 300

# One stderr line that may be dropped: a TensorFlow/absl/glog log line, or a Python warning
# (the "file.py:12: UserWarning: ..." line and the indented source line after it).
_LOG_LINE = (
    r"(?:"
    r"[IWEF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\].*"  # glog / absl C++: I0000 00:00:... 123 file.cc:31] ...
    r"|\d{4}-\d\d-\d\d [\d:.]+: [IWEF] .*"  # TF C++: 2026-11-29 10:00:00.0: W tensorflow/...
    r"|WARNING:(?:tensorflow|absl):.*"  # tf.get_logger() / absl.logging
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called.*"
    r"|To enable the following instructions:.*|.*rebuild TensorFlow with the appropriate.*"
    r"|.*:\d+: \w*Warning: .*"  # warnings.warn(...)
    r"|[ \t]+.*"  # the indented source line a warning prints, or a continuation line
    r"|"  # blank lines
    r")"
)
IGNORED_STDERR_PATTERN = rf"\A(?:{_LOG_LINE}\n)*(?:{_LOG_LINE})\Z"

# Modules that a chapter's exercises must be written without ("from scratch"): when the
# grader runs the learner's functions on the hidden tests' inputs, these modules' files are
# not in the sandbox and importing one gives a stand-in that fails, when used, with the
# sentence below. A chapter not listed here may use every installed module.
FROM_SCRATCH = {
    "01_convolution": ("tensorflow", "keras", "tf_keras", "torch", "jax", "scipy",
                       "helpers.references"),
}  # fmt: skip
FROM_SCRATCH_WHY = (
    "this chapter's exercises are written from scratch, with numpy; the grader runs your "
    "functions without TensorFlow, Keras, SciPy or helpers.references."
)
