"""Test cells judged outside the learner's kernel give the kernel's verdict and message.

Judged outside, the learner's function runs where the learner's code runs (here: this process,
called as the sandbox's runner calls it), what it returns and what it did to its arguments
cross the wall, and the check runs in the grader on that. Some inputs are not plain values:

- a Keras block called on the check's ``keras.Input`` (chapter 03's ``identity_block``): the
  input crosses as its shape, the block's graph as a model whose layers the grader calls on
  the check's own tensors (symbolic.py);
- a Keras model given to the function (chapter 02's ``evaluate_accuracy``): its configuration
  and weights, compared by kinds and weights when the grader replays the call; a model the
  function trains (``train_lenet5``) comes back with its new weights, with what the check's
  stand-in for its ``fit`` counted, and the History crosses as its curves;
- one of the checks' own objects (chapter 07's ``KnownEncoder``, whose embeddings the check
  chooses; chapter 08's cost function ``StepCosts``): its attributes (wire.CHECK_OBJECTS);
- a variable and an optimizer that chapter 08's check passes to ``train_step`` twenty times:
  the optimizer crosses as its configuration, and each later call is given the very objects
  the earlier one left (Call.links), so the optimizer's state lives where the steps are taken.

For each, the verdict and the message must be those of the same test cell run directly on the
learner's function, as it was in the learner's kernel, for the solution and common wrong
answers alike.
"""

from __future__ import annotations

import keras
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from solution_harness import replaced

from helpers.grading import answer, judge, symbolic, wire
from helpers.grading.solutions import _python_only, solution_cells, source_notebook

# chapter, function, the test cell (visible check and a few hidden-style cases), wrong answers
# as (old, new) text replacements of the solution.
CASES = {
    "identity_block": (
        "03_resnets",
        "checks.check_identity_block(identity_block)\n"
        "for case in checks.random_identity_cases(seed=7, count=2):\n"
        "    checks.compare_identity_shortcut(identity_block, case)\n",
        {
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
        },
    ),
    "evaluate_accuracy": (
        "02_keras_classics",
        "checks.check_evaluate_accuracy(evaluate_accuracy)\n"
        "for seed in (3, 4):\n"
        "    checks.compare_evaluate_accuracy(evaluate_accuracy, seed=seed)\n",
        {
            "evaluates an uncompiled model": [
                (
                    "predicted = np.argmax(model.predict(X, verbose=0), axis=1)\n"
                    "    accuracy = float(np.mean(predicted == y))",
                    "accuracy = model.evaluate(X, y, verbose=0)[1]",
                )
            ],
            "argmax over the examples": [("verbose=0), axis=1)", "verbose=0), axis=0)")],
        },
    ),
    "train_lenet5": (
        "02_keras_classics",
        "checks.check_train_lenet5(train_lenet5)\n",
        {
            "one-hot loss for integer labels": [
                ('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')
            ],
            "no validation split": [("        validation_split=0.1,\n", "")],
            "fits before compiling": [
                (
                    "    model.compile(",
                    "    model.fit(X_train[:1], y_train[:1])\n    model.compile(",
                )
            ],
            "trains on the images twice over": [
                (
                    "        X_train,\n        y_train,",
                    "        np.concatenate([X_train, X_train + 1]),\n        np.concatenate([y_train, y_train]),",
                )
            ],
        },
    ),
    "verify": (
        "07_face_verification",
        "checks.check_verify(verify)\n"
        "for case in checks.random_database_cases(seed=5, count=2):\n"
        "    checks.compare_verify(verify, case)\n",
        {
            "plain distance": [
                ("distance = float(np.sum(", "distance = float(np.sqrt(np.sum("),
                ("** 2))", "** 2)))"),
            ],
            "no batch axis": [("encoder.predict(image[np.newaxis]", "encoder.predict(image")],
            "the decision inverted": [
                ("same = distance <= threshold", "same = distance > threshold")
            ],
        },
    ),
    "train_step": (
        "08_style_transfer",
        "checks.check_train_step(train_step)\n"
        "for case in checks.random_step_cases(seed=3, count=1):\n"
        "    checks.compare_train_step(train_step, case)\n",
        {
            "no clipping": [
                ("    generated.assign(tf.clip_by_value(generated, 0.0, 1.0))", "    pass")
            ],
            "returns the costs after the step": [
                ("    return J, J_content, J_style", "    return compute_costs(generated)")
            ],
            "climbs the gradient": [("[(grad, generated)]", "[(-grad, generated)]")],
            "a new optimizer of its own": [
                ("optimizer.apply_gradients(", "keras.optimizers.SGD(0.1).apply_gradients(")
            ],
        },
    ),
}
WRONG = [
    (function, wrong) for function, (_, _, wrongs) in CASES.items() for wrong in [None, *wrongs]
]


def _imports(chapter: str) -> str:
    return next(c.source for c in source_notebook(chapter).cells if c.get("id") == "imports")


def _function(chapter: str, name: str, source: str):
    namespace: dict = {}
    exec(compile(_python_only(_imports(chapter)), "imports", "exec"), namespace)
    exec(compile(source, name, "exec"), namespace)
    return namespace[name]


@pytest.fixture(scope="module")
def plans():
    """{function: the plan of a notebook of its chapter's imports, solution and test cell}."""
    made = {}
    for function, (chapter, test, _) in CASES.items():
        cells = [new_code_cell(_imports(chapter), id="imports")]
        cells.append(new_code_cell(solution_cells(chapter)[function], metadata={"nbgrader": {
            "solution": True, "grade": False, "grade_id": function, "locked": False}}))  # fmt: skip
        cells.append(new_code_cell(test, metadata={"nbgrader": {
            "solution": False, "grade": True, "grade_id": "test", "points": 1,
            "locked": True}}))  # fmt: skip
        made[function] = judge.plan(new_notebook(cells=cells))
    return made


def _judged_outside(plan, function) -> judge.Verdict:
    """The verdict when `function` runs as the sandbox's runner calls it, through the wire."""
    results, live = {}, {}
    for call in plan.calls:
        args, kwargs = wire.decode(call.args, plan.arrays), wire.decode(call.kwargs, plan.arrays)
        answer.pass_on(call.links, args, kwargs, live)
        try:
            message, out, _ = answer.answer(function, args, kwargs)
        except Exception as error:  # noqa: BLE001
            message, out = answer.failure(error), {}
        live[call.index] = (args, kwargs)
        ((message, arrays),) = wire.unpack_all(wire.pack(message, out))
        results[call.index] = (message, arrays)
    return judge.judge(plan, judge.Produced(results, {}, {}, 0.0))["test"]


def _in_the_kernel(chapter: str, name: str, test: str, function) -> judge.Verdict:
    """The verdict of the same test cell run directly on `function`, as in the kernel."""
    namespace: dict = {}
    exec(compile(_python_only(_imports(chapter)), "imports", "exec"), namespace)
    namespace[name] = function
    try:
        exec(compile(test, "test", "exec"), namespace)
    except Exception as error:  # noqa: BLE001
        text = "\n".join([str(error), *map(str, getattr(error, "__notes__", []))])
        return judge.Verdict(False, type(error).__name__, text[:4000])
    return judge.Verdict(True)


def test_each_cell_is_judged_outside_the_kernel(plans):
    for plan in plans.values():
        assert list(plan.judged) == ["test"] and not plan.fallback
    # The check's keras.Input crossed as its shape and dtype, not as a value.
    first = plans["identity_block"].calls[0].args["l"][0]
    assert first == {"k": {"shape": [None, 6, 5, 8], "dtype": "float32"}}
    # The model and the encoder crossed as a model and as a check's object.
    assert "m" in plans["evaluate_accuracy"].calls[0].args["l"][0]
    assert plans["verify"].calls[0].args["l"][3]["x"][0] == "KnownEncoder"
    # The model given to train_lenet5 carries the check's guard on its fit.
    assert "fit" in plans["train_lenet5"].calls[0].args["l"][0]["m"]
    # The twenty steps of check_train_step pass on the variable and the optimizer.
    steps = [call for call in plans["train_step"].calls if call.links]
    assert len(steps) == 19 and steps[0].links == {"0": [1, "0"], "2": [1, "2"]}


@pytest.mark.parametrize("name, wrong", WRONG)
def test_judged_outside_a_cell_gets_the_verdict_and_message_of_the_kernel(plans, name, wrong):
    chapter, test, wrongs = CASES[name]
    solution = solution_cells(chapter)[name]
    function = _function(
        chapter, name, solution if wrong is None else replaced(solution, *wrongs[wrong])
    )
    outside = _judged_outside(plans[name], function)
    inside = _in_the_kernel(chapter, name, test, function)
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
