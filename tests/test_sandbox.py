"""The grading sandbox (helpers.grading.sandbox) and what crosses its wall (wire), run for real.

Each test starts a real bubblewrap sandbox (about a second) and tries one way out.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers.grading import sandbox, wire
from helpers.grading.config import COURSE_ROOT, REPO_ROOT

pytestmark = pytest.mark.skipif(
    sandbox.shutil.which("bwrap") is None, reason="bubblewrap is not installed (make setup)"
)
LIMITS = sandbox.Limits(wall_seconds=60)


def run_python(code: str, limits: sandbox.Limits = LIMITS, **kwargs) -> sandbox.Outcome:
    """Run `code` in a sandbox; it may send bytes with send(b"...")."""
    prelude = "import os\ndef send(data): os.write(int(os.environ['RESULT_FD']), data)\n"
    return sandbox.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        Path("/nonexistent"),
        limits,
        **kwargs,
    )


def test_the_course_the_repository_and_the_network_are_out_of_reach():
    outcome = run_python(f"""
        import socket
        seen = []
        for path in ({str(COURSE_ROOT)!r}, {str(REPO_ROOT / "tests")!r}, {str(REPO_ROOT / ".git")!r},
                     "/etc/shadow", "/root/.ssh", "/home"):
            seen.append(os.path.exists(path))
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=3)
            seen.append("network")
        except OSError:
            pass
        for path in ({str(REPO_ROOT / "helpers" / "x.py")!r}, "/usr/x", "/etc/x"):
            try:
                open(path, "w")
                seen.append(path)
            except OSError:
                pass
        open("/scratch/ok", "w").write("the scratch folder is writable")
        send(repr(seen).encode())
    """)
    assert outcome.result == b"[False, False, False, False, False, False]", outcome.log


def test_the_helpers_and_numpy_are_readable_but_not_writable():
    outcome = run_python("""
        import numpy, helpers.checks.common
        send(b"ok")
    """)
    assert outcome.result == b"ok", outcome.log


def test_a_detached_process_dies_with_the_run(tmp_path):
    marker = f"sandbox-test-{os.getpid()}"
    run_python(f"""
        import subprocess
        subprocess.Popen(["sleep", "600"], start_new_session=True, env={{"X": "{marker}"}})
        subprocess.Popen(["python", "-c", "import time; time.sleep(600)  # {marker}"],
                         start_new_session=True)
        send(b"started")
    """)
    alive = [
        pid for pid in filter(str.isdigit, os.listdir("/proc"))
        if marker.encode() in _read(f"/proc/{pid}/cmdline") + _read(f"/proc/{pid}/environ")
    ]  # fmt: skip
    assert alive == []


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def test_one_huge_allocation_fails_at_once_with_memory_error():
    limits = sandbox.Limits(wall_seconds=60, data_bytes=2**30)
    outcome = run_python("""
        import numpy as np
        try:
            np.ones(2 * 10**9)
        except MemoryError:
            send(b"MemoryError")
    """, limits)  # fmt: skip
    assert outcome.result == b"MemoryError"


def test_memory_growing_past_the_cap_stops_the_run():
    limits = sandbox.Limits(wall_seconds=60, memory_bytes=2**29)
    outcome = run_python("""
        import numpy as np
        hog = [np.ones(10**7) for _ in range(200)]
        send(b"survived")
    """, limits)  # fmt: skip
    assert outcome.result == b""
    assert "memory" in outcome.cause()


def test_a_fork_bomb_meets_the_process_limit_and_is_killed_with_the_run():
    limits = sandbox.Limits(wall_seconds=60, processes=64)
    outcome = run_python("""
        import time
        children = 0
        try:
            while children < 10000:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                children += 1
        except OSError:
            send(str(children).encode())
    """, limits)  # fmt: skip
    # Either fork fails (RLIMIT_NPROC, for a grader that is not root) or the watchdog stops
    # the run; in both cases every child dies with the sandbox.
    assert outcome.result or "processes" in outcome.cause()


def test_the_wall_clock_and_a_step_limit_stop_a_loop():
    outcome = run_python("send(b'step'); exec('while True: pass')", idle_seconds=2)
    assert outcome.result == b"step"
    assert "limit" in outcome.cause()
    outcome = run_python("import time; time.sleep(60)", sandbox.Limits(wall_seconds=2))
    assert "2 s limit" in outcome.cause()


def test_the_thread_pools_are_sized_by_the_limits():
    names = " ".join(sandbox.THREAD_VARIABLES)
    read = f"send(' '.join(os.environ.get(name, '-') for name in {names!r}.split()).encode())"
    one = run_python(read, sandbox.Limits(wall_seconds=60, threads=1))
    assert one.result.decode().split() == ["1"] * len(sandbox.THREAD_VARIABLES)
    default = run_python(read)
    assert default.result.decode().split() == ["-"] * len(sandbox.THREAD_VARIABLES)


def test_results_are_capped_in_bytes():
    limits = sandbox.Limits(wall_seconds=60, result_bytes=2**20)
    outcome = run_python("send(b'x' * 10**8)", limits)
    assert len(outcome.result) <= 2**20
    assert "MiB of results" in outcome.cause()


def test_exit_status_and_signals_are_named():
    assert "status 3" in run_python("os._exit(3)").cause()
    assert "SIGKILL" in run_python("import signal; os.kill(os.getpid(), signal.SIGKILL)").cause()


def test_wire_round_trip_keeps_values_and_types():
    value = (np.arange(6.0).reshape(2, 3), [1, 2.5, float("nan"), None, "s"], {"k": np.float32(2)},
             np.float64(0.1), np.int64(3), np.bool_(True))  # fmt: skip
    arrays: dict = {}
    form = wire.encode(value, arrays)
    ((message, back),) = wire.unpack_all(wire.pack({"v": form}, arrays))
    assert wire.same(wire.decode(message["v"], back), value)


def test_wire_carries_tensorflow_tensors_and_variables_as_arrays():
    import tensorflow as tf

    tensor, variable = tf.constant([[1.5, -2.0]]), tf.Variable(np.arange(3, dtype=np.float32))
    arrays: dict = {}
    form = wire.encode([tensor, variable, 2], arrays)
    assert [sorted(item) for item in form["l"][:2]] == [["e"], ["v"]]
    ((message, back),) = wire.unpack_all(wire.pack({"v": form}, arrays))
    got = wire.decode(message["v"], back)
    assert type(got[0]) is type(tensor) and type(got[1]) is type(variable)
    np.testing.assert_array_equal(got[0].numpy(), tensor.numpy())
    np.testing.assert_array_equal(got[1].numpy(), variable.numpy())
    assert got[0].dtype == tf.float32
    assert wire.same(got, [tensor, variable, 2])
    assert not wire.same([tf.constant([1.0])], [tf.constant([2.0])])
    assert not wire.same([tf.constant([1.0])], [np.array([1.0], np.float32)])  # type kept
    with pytest.raises(wire.Unencodable):
        wire.encode(tf.constant(["text"]), {})


def test_wire_carries_keras_models_as_their_configuration_and_weights():
    """A model rebuilt in the grader has the learner's layers, names and weights, so it
    computes what theirs computes (compared on an input); a big one crosses without weights."""
    import keras

    inputs = keras.Input((6, 5, 2))
    x = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv")(inputs)
    x = keras.layers.Add()([x, keras.layers.Conv2D(3, 1)(inputs)])
    outputs = keras.layers.Dense(4, activation="softmax")(keras.layers.Flatten()(x))
    functional = keras.Model(inputs, outputs, name="learners")
    sequential = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="seq")
    arrays: dict = {}
    form = wire.encode({"f": functional, "s": sequential}, arrays)
    ((message, back),) = wire.unpack_all(wire.pack({"v": form}, arrays))
    got = wire.decode(message["v"], back)
    assert type(got["f"]) is type(functional) and type(got["s"]) is type(sequential)
    assert [layer.name for layer in got["f"].layers] == [layer.name for layer in functional.layers]
    sample = np.random.default_rng(0).normal(size=(2, 6, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(got["f"](sample), functional(sample), rtol=1e-6)
    assert (
        got["f"].count_params() == functional.count_params() == 3 * 18 + 3 + 3 * 2 + 3 + 90 * 4 + 4
    )
    big = keras.Sequential([keras.Input((4096,)), keras.layers.Dense(1100)])  # 18 MB of weights
    big_form = wire.encode(big, arrays := {})
    assert big_form["m"]["weights"] is None and not arrays
    assert wire.decode(big_form, {}).count_params() == big.count_params()


def test_a_keras_model_that_carries_code_is_not_rebuilt_by_the_grader():
    """A Lambda layer (Python bytecode) or an object from outside Keras is refused before
    Keras reads the configuration, with a sentence that names it."""
    import json

    import keras

    from helpers.grading import keras_models

    inputs = keras.Input((3,))
    with_lambda = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    with pytest.raises(keras_models.Refused, match="Lambda.*Keras' own layers"):
        wire.decode(wire.encode(with_lambda, arrays := {}), arrays)
    form = wire.encode(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), {})
    config = json.loads(form["m"]["config"])
    config["config"]["layers"][-1]["module"] = "os"
    forged = {"m": {"config": json.dumps(config), "weights": None}}
    with pytest.raises(keras_models.Refused, match="from 'os'"):
        wire.decode(forged, {})
    with pytest.raises(ValueError, match="weights are missing"):
        wire.decode({"m": {"config": form["m"]["config"], "weights": ["nope"]}}, {})


def test_a_forged_model_too_big_for_the_grader_fails_with_a_message_and_the_grader_goes_on():
    """A configuration is untrusted: one asking for 160 GB of weights must not take the
    grader's memory; the rebuild fails with MemoryError inside a cap, and the next model is
    rebuilt as usual (the cap is lifted again)."""
    import json
    import resource

    import keras

    small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    form = wire.encode(small, arrays := {})
    config = json.loads(form["m"]["config"])
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 200_000]
    config["config"]["layers"][-1]["config"]["units"] = 200_000
    config["config"]["layers"][-1]["build_config"]["input_shape"] = [None, 200_000]
    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(ValueError, match="too big for the grader"):
        wire.decode({"m": {"config": json.dumps(config), "weights": None}}, {})
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert wire.decode(form, arrays).count_params() == 3 * 2 + 2


def test_wire_refuses_pickles_and_objects():
    with pytest.raises(wire.Unencodable):
        wire.encode(np.array([object()]), {})
    with pytest.raises(wire.Unencodable):
        wire.encode(lambda: 0, {})
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.frombuffer(b'{"v": {"a": "x"}}', np.uint8),
             x=np.array([{"evil": 1}], dtype=object))  # fmt: skip
    frame = struct.pack("<Q", len(buffer.getvalue())) + buffer.getvalue()
    assert wire.unpack_all(frame) == []  # an object array (a pickle) is not loaded
    with pytest.raises(ValueError):
        wire.decode({"zz": 1}, {})


@pytest.mark.parametrize(
    "form",
    [
        {"k": {"shape": [None, 10**9], "dtype": "float32"}},  # a dimension too large
        {"k": {"shape": [None] * 20, "dtype": "float32"}},  # a rank too large
        {"k": {"shape": [None, 4], "dtype": "object"}},  # not a numeric dtype
        {"x": ["Popen", {"args": "sh"}]},  # a class that is not one of the checks' objects
        {"x": ["KnownEncoder", {"__class__": 1}]},  # a dunder attribute
        {"g": {"model": {"config": "{}", "weights": None}, "value": {"o": 0}}},  # no model
        {"o": "0"},  # an output marker that is not an index
        {"p": '{"module": "os", "class_name": "system", "config": {"command": "sh"}}'},
        {"p": '{"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}'},
        {"h": {"l": []}},  # a History that is not a dict of curves
        {"x": ["FitGuard", {"d": [["calls", 1]]}]},  # a check object missing its attributes
    ],
)
def test_wire_refuses_forged_symbolic_inputs_graphs_and_check_objects(form):
    """The forms the sandbox may send for Keras blocks, optimizers, Histories and the checks'
    objects are untrusted: each forgery is a ValueError (the learner's own cell fails)."""
    with pytest.raises(ValueError):
        wire.decode(form, {})


def test_a_checks_object_crosses_as_its_attributes_and_a_models_sameness_ignores_names():
    import keras

    from helpers.checks.face_verification import KnownEncoder

    encoder = KnownEncoder(np.eye(3))
    encoder.calls = 2
    out: dict = {}
    ((form, arrays),) = wire.unpack_all(wire.pack({"v": wire.encode(encoder, out)}, out))
    rebuilt = wire.decode(form["v"], arrays)
    assert type(rebuilt) is KnownEncoder and rebuilt.calls == 2
    assert wire.same(rebuilt, encoder) and not wire.same(rebuilt, KnownEncoder(np.eye(3) * 2))
    np.testing.assert_array_equal(rebuilt.predict(np.full((1, 2, 2, 3), 1.0)), [[0, 1, 0]])
    assert rebuilt.calls == 3 and not wire.same(rebuilt, encoder)  # its call was counted

    def model(seed):
        inputs = keras.Input(shape=(3,))
        init = keras.initializers.RandomNormal(seed=seed)
        return keras.Model(inputs, keras.layers.Dense(2, kernel_initializer=init)(inputs))

    assert wire.same(model(1), model(1))  # other layer names, same network
    assert not wire.same(model(1), model(2))


def test_autograde_refuses_to_run_learner_code_without_a_sandbox(tmp_path, monkeypatch):
    from helpers.grading import course
    from helpers.grading.chapters import CourseError

    notebook = tmp_path / "submitted" / "ada" / "01_convolution" / "01_convolution.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text("{}")
    monkeypatch.delenv("CNN_COURSE_UNSANDBOXED", raising=False)
    monkeypatch.setattr(sandbox, "_CHECKED", [])
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(CourseError, match="without a sandbox.*bubblewrap.*UNSANDBOXED=1"):
        course.autograde(tmp_path, "01_convolution")
    assert notebook.read_text() == "{}"  # nothing was touched


def _notebook(imports: str, solution: str, tests: dict[str, str]):
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell(imports, id="imports")]
    cells.append(new_code_cell(solution, metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": "square", "locked": False}}))  # fmt: skip
    for grade_id, source in tests.items():
        cells.append(new_code_cell(source, metadata={"nbgrader": {
            "solution": False, "grade": True, "grade_id": grade_id, "points": 1,
            "locked": True}}))  # fmt: skip
    return new_notebook(cells=cells)


def test_a_cell_is_judged_outside_only_when_the_solutions_own_results_pass_there():
    """Values cross the wall, and so does a scalar loss's gradient with respect to the
    check's tensors; a gradient through a result of any other shape does not (a replayed
    result is a constant), so a cell that checks one is graded in the kernel instead."""
    from helpers.grading import gradients, judge

    gradient_check = (
        "x = tf.Variable({x})\nwith tf.GradientTape() as tape:\n    y = square(x)\n"
        "slope = tape.gradient(y, x)\nassert slope is not None, 'no gradient'\n"
        "np.testing.assert_allclose(slope, 2 * x.numpy())"
    )
    nb = _notebook(
        "import numpy as np\nimport tensorflow as tf",
        "def square(x):\n    return x * x",
        {
            "test_values": "np.testing.assert_allclose(square(np.arange(3.0)), [0, 1, 4])",
            "test_tensor": "assert float(square(tf.constant(3.0))) == 9.0",
            "test_gradient": gradient_check.format(x="3.0"),
            "test_vector_gradient": gradient_check.format(x="[1.0, 2.0]"),
        },
    )
    plan = judge.plan(nb)
    assert set(plan.judged) == {"test_values", "test_tensor", "test_gradient"}
    assert "no gradient" in plan.fallback["test_vector_gradient"]

    def produced_by(learners_square):
        """What the sandbox's runner sends back for `learners_square`, through the wire."""
        results = {}
        for call in plan.calls:
            out: dict = {}
            args = wire.decode(call.args, plan.arrays)
            value, slopes = gradients.call(learners_square, args, {})
            message = {"value": wire.encode(value, out), "after": wire.encode([args, {}], out)}
            if slopes is not None:
                message["gradients"] = wire.encode(slopes, out)
            ((message, arrays),) = wire.unpack_all(wire.pack(message, out))
            results[call.index] = (message, arrays)
        return judge.Produced(results, {}, {}, 0.0)

    # The learner's results pass the judged cells, the gradient check included...
    verdicts = judge.judge(plan, produced_by(lambda x: x * x))
    assert all(v.passed for v in verdicts.values()), verdicts
    # ... a wrong value fails them in the grader's process, and so does a wrong gradient
    # (x ** 2 computed through numpy has the right value and no gradient at all; a value
    # built to match, with the gradient of x ** 3, has the wrong one).
    import tensorflow as tf

    assert not judge.judge(plan, produced_by(lambda x: x + x))["test_values"].passed
    no_gradient = judge.judge(plan, produced_by(lambda x: tf.constant(np.square(np.asarray(x)))))
    assert no_gradient["test_tensor"].passed and not no_gradient["test_gradient"].passed
    assert "no gradient" in no_gradient["test_gradient"].evalue
    cube_slope = judge.judge(plan, produced_by(lambda x: x * x * x / tf.stop_gradient(x)))
    assert not cube_slope["test_gradient"].passed
    assert "Not equal to tolerance" in cube_slope["test_gradient"].evalue


def test_a_cell_whose_later_calls_take_earlier_results_is_graded_in_the_kernel():
    """Replayed, a call must be given exactly its recorded inputs. When a cell feeds a result
    (or an argument changed in place) back into the next call, a learner right to within
    rounding would be given other inputs than the recorded ones and fail: the plan's second
    dry run (the solutions' floats moved by one unit in the last place) finds such cells."""
    from helpers.grading import judge

    returned = _notebook(
        "import numpy as np",
        "def square(x):\n    return x * x",
        {
            "test_fixed": "np.testing.assert_allclose(square(np.array([0.5, 2.0])), [0.25, 4.0])",
            "test_loop": "x = np.array([0.5, 0.9])\nfor _ in range(3):\n    x = square(x)\n"
            "np.testing.assert_allclose(x, [0.5**8, 0.9**8])",
        },
    )
    plan = judge.plan(returned)
    assert list(plan.judged) == ["test_fixed"]
    assert "later calls are given what the earlier ones returned" in plan.fallback["test_loop"]
    in_place = _notebook(
        "import numpy as np",
        "def square(x):\n    np.multiply(x, x, out=x)",
        {"test_twice": "x = np.array([0.9])\nsquare(x)\nsquare(x)\n"
         "np.testing.assert_allclose(x, [0.9**4])"},
    )  # fmt: skip
    assert "later calls" in judge.plan(in_place).fallback["test_twice"]


def test_the_gradient_of_a_scalar_result_follows_the_chain_rule_through_the_stand_in():
    """The check's tape may differentiate any function of the stand-in's value: the gradient
    is the sandbox's, scaled by the check's upstream gradient (compared with TensorFlow's
    gradient of the real function); a forged gradient of the wrong shape gives none."""
    import tensorflow as tf

    from helpers.grading import gradients

    def loss(a, pair):
        return tf.reduce_sum(a * pair["w"]) + tf.reduce_mean(pair["b"] ** 2)

    a, w, b = tf.constant([1.0, -2.0]), tf.Variable([0.5, 3.0]), tf.constant([[1.0], [4.0]])
    value, slopes = gradients.call(loss, [a], {"pair": {"w": w, "b": b}})
    assert len(slopes) == 3  # a, then the dict's "b" and "w" (sorted keys)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        replayed = gradients.stand_in(value, [a], {"pair": {"w": w, "b": b}}, slopes)
        direct = loss(a, {"w": w, "b": b})
        outer_replayed, outer_direct = 3.0 * replayed + 1.0, 3.0 * direct + 1.0
    for leaf in (a, w, b):
        np.testing.assert_allclose(tape.gradient(outer_replayed, leaf),
                                   tape.gradient(outer_direct, leaf))  # fmt: skip
    assert float(replayed) == float(direct)
    forged = [np.zeros(5, np.float32), slopes[1], slopes[2]]
    with tf.GradientTape() as tape:
        tape.watch(a)
        replayed = gradients.stand_in(value, [a], {"pair": {"w": w, "b": b}}, forged)
    assert tape.gradient(replayed, a) is None


def test_the_plan_kept_for_the_next_graders_is_read_back_and_a_broken_one_recorded_again(tmp_path):
    import nbformat

    from helpers.grading import sandboxed

    nb = _notebook("import numpy as np", "def square(x):\n    return x * x",
                   {"test_values": "assert square(np.float64(3.0)) == 9.0"})  # fmt: skip
    (tmp_path / "source" / "tiny").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "source" / "tiny" / "tiny.ipynb")
    kept = sandboxed.keep_plan(tmp_path, "tiny")
    assert kept == sandboxed.plan_file(tmp_path, "tiny") and kept.stat().st_size > 0
    sandboxed._PLANS.clear()
    assert list(sandboxed.chapter_plan(tmp_path, "tiny").judged) == ["test_values"]
    sandboxed._PLANS.clear()
    kept.write_bytes(b"")  # e.g. a grader killed while writing it
    assert list(sandboxed.chapter_plan(tmp_path, "tiny").judged) == ["test_values"]
