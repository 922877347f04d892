"""TensorFlow's C++ and absl log lines stay out of the notebooks: the kernel's environment
(helpers.environment.QUIET_KERNEL_ENV, QUIET_KERNEL_ARGUMENTS) is set by the course's
kernelspec, by helpers.grading's execution and by nbgrader's configuration, before any cell
imports TensorFlow."""

import json

import pytest
from nbformat.v4 import new_code_cell, new_notebook
from traitlets.config.loader import PyFileConfigLoader

from helpers import environment
from helpers.grading import chapters
from helpers.grading.config import COURSE_ROOT
from helpers.grading.execute import execute_notebook
from helpers.grading.solutions import source_notebook

CHAPTERS = ("01_convolution", "02_keras_classics", "03_resnets", "05_object_detection")

# A small Keras training on a tf.data pipeline: what printed "E0000 ... NodeDef mentions
# attribute use_unbounded_threadpool" in chapter 02's training, in a second rather than a minute.
TRAINING = """\
import numpy as np
import keras
import tensorflow as tf

data = tf.data.Dataset.from_tensor_slices((np.zeros((64, 4)), np.zeros((64, 2)))).batch(16)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.compile("sgd", "mse")
model.fit(data, epochs=2, shuffle=False, verbose=0)
print("trained")
"""


def test_kernelspec_runs_this_python_quietly(tmp_path):
    path = environment.install_kernel(tmp_path)
    assert path == tmp_path / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    spec = json.loads(path.read_text())
    assert spec["env"] == environment.QUIET_KERNEL_ENV
    assert spec["argv"][:3] == [environment.sys.executable, "-m", "ipykernel_launcher"]
    assert "{connection_file}" in spec["argv"]
    assert spec["argv"][-len(environment.QUIET_KERNEL_ARGUMENTS) :] == list(
        environment.QUIET_KERNEL_ARGUMENTS
    )
    assert environment.install_kernel(tmp_path) == path  # the set-up runs it on every start


def test_arguments_are_added_only_where_the_kernelspec_lacks_them(monkeypatch):
    class Spec:
        argv = ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]

    from jupyter_client import kernelspec

    monkeypatch.setattr(kernelspec.KernelSpecManager, "get_kernel_spec", lambda self, name: Spec)
    assert environment.missing_kernel_arguments() == list(environment.QUIET_KERNEL_ARGUMENTS)
    Spec.argv = [*Spec.argv, *environment.QUIET_KERNEL_ARGUMENTS]
    assert environment.missing_kernel_arguments() == []


def test_quiet_environment_adds_to_the_base_and_leaves_it_unchanged():
    base = {"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "0"}
    quiet = environment.quiet_kernel_environment(base)
    assert quiet["PATH"] == "/bin"
    assert quiet["TF_CPP_MIN_LOG_LEVEL"] == environment.QUIET_KERNEL_ENV["TF_CPP_MIN_LOG_LEVEL"]
    assert base["TF_CPP_MIN_LOG_LEVEL"] == "0"


def test_nbgrader_config_starts_quiet_kernels(monkeypatch):
    for name in environment.QUIET_KERNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(COURSE_ROOT))
    config = loader.load_config()
    from jupyter_client.kernelspec import KernelSpecManager

    # Each argument exactly once on the kernel's command line: from the installed kernelspec
    # (make kernel) or added by the config, never both (ipykernel refuses a repeated option).
    argv = KernelSpecManager().get_kernel_spec("python3").argv
    for argument in environment.QUIET_KERNEL_ARGUMENTS:
        assert [*argv, *config.Execute.extra_arguments].count(argument) == 1
    import os

    for name, value in environment.QUIET_KERNEL_ENV.items():
        assert os.environ[name] == value


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_fresh_kernel_imports_a_chapter_without_writing_to_stderr(chapter):
    cells = {cell.get("id"): cell for cell in source_notebook(chapter).cells}
    sources = [cells["environment-check"].source, cells["imports"].source]
    if chapter == "02_keras_classics":
        sources.append(TRAINING)
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    execute_notebook(nb, chapters.get(chapter, COURSE_ROOT).source_notebook.parent, timeout=300)
    streams = [output for cell in nb.cells for output in cell.outputs if "name" in output]
    stderr = "".join(output.text for output in streams if output.name == "stderr")
    assert stderr == ""
    assert "Environment OK" in "".join(output.text for output in streams)
    if chapter == "02_keras_classics":
        assert "trained" in nb.cells[-1].outputs[-1].text
