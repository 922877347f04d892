"""A Keras block (a function called on a keras.Input) judged outside the learner's kernel.

The chapter 03 check of ``identity_block`` reads the layers the block adds to the check's graph:
their names, what each reads, their weights. Judged outside, the block runs where the
learner's code runs (here: this process, as the sandbox's runner would call it), its graph
crosses the wall as a model, and the grader calls the rebuilt layers on the check's own
tensors. The verdict and the message must be those of the same check run directly on the
learner's function, as it was in the learner's kernel, for right and wrong blocks alike.
"""

from __future__ import annotations

import keras
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from solution_harness import replaced

from helpers.grading import answer, judge, symbolic, wire
from helpers.grading.solutions import _python_only, solution_cells, source_notebook

CHAPTER = "03_resnets"
TEST = (
    "checks.check_identity_block(identity_block)\n"
    "for case in checks.random_identity_cases(seed=7, count=2):\n"
    "    checks.compare_identity_shortcut(identity_block, case)\n"
)
SOLUTION = solution_cells(CHAPTER)["identity_block"]
IMPORTS = next(c.source for c in source_notebook(CHAPTER).cells if c.get("id") == "imports")

# Wrong blocks a learner writes, each as (old, new) text replacements of the solution.
WRONG = {
    "relu before the addition": [
        (
            '    if shortcut:\n        X = layers.Add(name=f"{name}_add")([X_shortcut, X])\n'
            '    X = layers.Activation("relu", name=f"{name}_out")(X)',
            '    X = layers.Activation("relu", name=f"{name}_out")(X)\n'
            '    if shortcut:\n        X = layers.Add(name=f"{name}_add")([X_shortcut, X])',
        )
    ],
    "adds the branch to itself": [("([X_shortcut, X])", "([X, X])")],
    "middle convolution without padding": [
        ('layers.Conv2D(F2, f, padding="same"', "layers.Conv2D(F2, f")
    ],
    "an operator instead of an Add layer": [
        ('layers.Add(name=f"{name}_add")([X_shortcut, X])', "X_shortcut + X")
    ],
    "returns a model": [("    return X", "    return keras.Model(X_shortcut, X)")],
    "returns a tensor not computed from X": [
        ("    return X", "    return keras.Input(shape=X.shape[1:])")
    ],
}


def _function(source: str):
    namespace: dict = {}
    exec(compile(_python_only(IMPORTS), "imports", "exec"), namespace)
    exec(compile(source, "identity_block", "exec"), namespace)
    return namespace["identity_block"]


@pytest.fixture(scope="module")
def plan():
    cells = [new_code_cell(IMPORTS, id="imports")]
    cells.append(new_code_cell(SOLUTION, metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": "identity_block", "locked": False}}))  # fmt: skip
    cells.append(new_code_cell(TEST, metadata={"nbgrader": {
        "solution": False, "grade": True, "grade_id": "test_block", "points": 1,
        "locked": True}}))  # fmt: skip
    return judge.plan(new_notebook(cells=cells))


def _judged_outside(plan, function) -> judge.Verdict:
    """The verdict when `function` runs as the sandbox's runner calls it, through the wire."""
    results = {}
    for call in plan.calls:
        args, kwargs = wire.decode(call.args, plan.arrays), wire.decode(call.kwargs, plan.arrays)
        try:
            message, out, _ = answer.answer(function, args, kwargs)
        except Exception as error:  # noqa: BLE001
            message, out = answer.failure(error), {}
        ((message, arrays),) = wire.unpack_all(wire.pack(message, out))
        results[call.index] = (message, arrays)
    return judge.judge(plan, judge.Produced(results, {}, {}, 0.0))["test_block"]


def _in_the_kernel(function) -> judge.Verdict:
    """The verdict of the same test cell run directly on `function`, as in the kernel."""
    namespace: dict = {}
    exec(compile(_python_only(IMPORTS), "imports", "exec"), namespace)
    namespace["identity_block"] = function
    try:
        exec(compile(TEST, "test_block", "exec"), namespace)
    except Exception as error:  # noqa: BLE001
        text = "\n".join([str(error), *map(str, getattr(error, "__notes__", []))])
        return judge.Verdict(False, type(error).__name__, text[:4000])
    return judge.Verdict(True)


def test_the_block_cell_is_judged_outside_the_kernel(plan):
    assert list(plan.judged) == ["test_block"] and not plan.fallback
    # The check's keras.Input crossed as its shape and dtype, not as a value.
    first = plan.calls[0].args["l"][0]
    assert first == {"k": {"shape": [None, 6, 5, 8], "dtype": "float32"}}


@pytest.mark.parametrize("wrong", [None, *WRONG])
def test_a_block_judged_outside_gets_the_verdict_and_message_of_the_kernel(plan, wrong):
    function = _function(SOLUTION if wrong is None else replaced(SOLUTION, *WRONG[wrong]))
    outside, inside = _judged_outside(plan, function), _in_the_kernel(function)
    assert outside.passed == inside.passed == (wrong is None)
    assert (outside.ename, outside.evalue) == (inside.ename, inside.evalue)


def test_the_rebuilt_layers_join_the_checks_graph_as_their_first_call():
    """Inlined, each layer reads the check's tensors (its node 0), and the weights crossed."""
    x = keras.Input(shape=(4, 4, 3), name="learners_x")
    y = keras.layers.Conv2D(2, 1, name="b_conv")(x)
    z = keras.layers.Add(name="b_add")([y, keras.layers.Conv2D(2, 1, name="b_skip")(x)])
    sent = symbolic.capture((z, 7), [x], {})
    out: dict = {}
    ((form, arrays),) = wire.unpack_all(wire.pack({"v": wire.encode(sent, out)}, out))
    rebuilt = wire.decode(form["v"], arrays)
    check_x = keras.Input(shape=(4, 4, 3), name="checks_x")
    result, seven = symbolic.inline(rebuilt, [check_x], {})
    assert seven == 7
    model = keras.Model(check_x, result)
    by_name = {layer.name: layer for layer in model.layers}
    reads = {n: [t._keras_history.operation.name for t in by_name[n]._inbound_nodes[0].input_tensors]
             for n in ("b_conv", "b_skip", "b_add")}  # fmt: skip
    assert reads == {"b_conv": ["checks_x"], "b_skip": ["checks_x"], "b_add": ["b_conv", "b_skip"]}
    original = keras.Model(x, z)
    for name in ("b_conv", "b_skip"):
        for a, b in zip(by_name[name].get_weights(), original.get_layer(name).get_weights(),
                        strict=True):  # fmt: skip
            assert (a == b).all()
    # A forged result naming an output the graph does not have is refused.
    with pytest.raises(ValueError, match="output its graph does not have"):
        symbolic.inline(symbolic.Graph(wire.decode(form["v"], arrays).model, symbolic.Output(3)),
                        [keras.Input(shape=(4, 4, 3))], {})  # fmt: skip
