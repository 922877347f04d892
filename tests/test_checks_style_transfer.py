"""The chapter 08 checks: they accept the instructor's solutions, and for the usual bugs (the
common wrong normalisations among them) they fail with a message that names the cause. The
references are checked too: the paper's formulas as einsum against the cases worked by hand,
against TensorFlow, and their derivatives against numerical ones; the receptive fields against
a computation written out by hand."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from solution_harness import mutant

from helpers.checks import style_transfer as checks
from helpers.checks.common import CheckFailed
from helpers.gradients import numerical_gradient, relative_error
from helpers.references import style_transfer as references

CHAPTER = "08_style_transfer"
GRADED = [
    "content_cost",
    "gram_matrix",
    "layer_style_cost",
    "style_cost",
    "total_cost",
    "train_step",
]


# ------------------------------------------------------------- the solutions pass
@pytest.mark.parametrize("name", GRADED)
def test_visible_checks_accept_the_solutions(solved, name, capsys):
    getattr(checks, f"check_{name}")(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_feature_cases(seed=1, count=10):
        checks.compare_content_cost(solved["content_cost"], case)
        checks.compare_gram_matrix(solved["gram_matrix"], case)
        checks.compare_layer_style_cost(solved["layer_style_cost"], case)
    for case in checks.random_style_cases(seed=1, count=6):
        checks.compare_style_cost(solved["style_cost"], case)
    for case in checks.random_total_cases(seed=1, count=6):
        checks.compare_total_cost(solved["total_cost"], *case)
    for case in checks.random_step_cases(seed=1, count=2):
        checks.compare_train_step(solved["train_step"], case)
        checks.compare_train_step_lowers_cost(solved["train_step"], case)


def test_compare_functions_return_none(solved):
    """nbgrader reads the value of a test cell's last line as partial credit."""
    feature = next(checks.random_feature_cases(seed=2, count=1))
    style = next(checks.random_style_cases(seed=2, count=1))
    step = next(checks.random_step_cases(seed=2, count=1))
    assert checks.compare_content_cost(solved["content_cost"], feature) is None
    assert checks.compare_gram_matrix(solved["gram_matrix"], feature) is None
    assert checks.compare_layer_style_cost(solved["layer_style_cost"], feature) is None
    assert checks.compare_style_cost(solved["style_cost"], style) is None
    assert checks.compare_total_cost(solved["total_cost"], 1.0, 2.0, 0.5, 3.0) is None
    assert checks.compare_train_step(solved["train_step"], step) is None
    assert checks.compare_train_step_lowers_cost(solved["train_step"], step) is None


def test_random_cases_cover_what_the_hidden_tests_promise():
    features = list(checks.random_feature_cases(seed=1508, count=200))
    assert {c.shape[1] for c in features} == set(range(1, 10))
    assert {c.shape[3] for c in features} == set(range(1, 13))
    assert any(c.shape[1] != c.shape[2] for c in features)
    styles = list(checks.random_style_cases(seed=1605, count=100))
    assert {len(c.shapes) for c in styles} == {1, 2, 3, 4, 5}
    assert any(not np.isclose(sum(c.weights), 1) for c in styles)
    steps = list(checks.random_step_cases(seed=2015, count=50))
    assert any(c.image_shape[1] != c.image_shape[2] for c in steps)
    assert min(c.lr for c in steps) < 0.1 and max(c.lr for c in steps) > 0.5
    totals = list(checks.random_total_cases(seed=1607, count=50))
    assert all(alpha != beta for _, _, alpha, beta in totals)


def test_cases_are_reproducible():
    first, second = (list(checks.random_feature_cases(seed=7, count=3)) for _ in range(2))
    assert first == second
    a, b = (checks.FeatureCase((1, 3, 4, 5), 9).arrays() for _ in range(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_step_cases_make_clipping_matter():
    """The cases' learning rates push some pixels out of [0, 1], so a missing clip shows."""
    for case in list(checks.random_step_cases(seed=2015, count=3)) + [
        checks.StepCase(image_shape=(1, 4, 5, 3), lr=0.5, seed=5)
    ]:
        start, compute_costs = case.problem()
        x = tf.Variable(start)
        with tf.GradientTape() as tape:
            J = compute_costs(x)[0]
        moved = start - case.lr * tape.gradient(J, x).numpy()
        assert np.any((moved < 0) | (moved > 1)), case


# ------------------------------------------------------------- the references themselves
def test_paper_formulas_on_the_cases_worked_by_hand():
    """The arithmetic is written out beside the constants in helpers/checks/style_transfer.py."""
    np.testing.assert_array_equal(references.paper_gram(checks.HAND_FEATURES), [[6, 3], [3, 11]])
    assert references.paper_content_cost(checks.HAND_CONTENT, checks.HAND_FEATURES) == 8.5
    E = references.paper_layer_style_cost(checks.HAND_STYLE_GRAM, checks.HAND_FEATURES)
    assert E == pytest.approx(8 / (4 * 2**2 * 4**2)) and E == pytest.approx(1 / 32)
    E2 = references.paper_layer_style_cost(checks.HAND_STYLE_GRAM_2, checks.HAND_FEATURES_2)
    assert E2 == pytest.approx((5 - 3) ** 2 / (4 * 1 * 2**2))
    both = references.paper_style_cost(
        [checks.HAND_STYLE_GRAM, checks.HAND_STYLE_GRAM_2],
        [checks.HAND_FEATURES, checks.HAND_FEATURES_2],
        checks.HAND_WEIGHTS,
    )
    assert both == pytest.approx(0.25 / 32 + 0.75 / 4) and checks.HAND_STYLE_COST == both
    assert checks.HAND_TOTAL == pytest.approx(10 * 8.5 + 40 * both)


def test_paper_gram_matches_tensorflow_on_random_maps():
    for case in checks.random_feature_cases(seed=3, count=5):
        features, _, _ = case.arrays()
        flat = tf.reshape(tf.constant(features, tf.float64), (-1, features.shape[-1]))
        np.testing.assert_allclose(references.paper_gram(features), tf.matmul(tf.transpose(flat), flat), rtol=1e-12)  # fmt: skip


@pytest.mark.parametrize("which", ["content", "style"])
def test_paper_derivatives_match_numerical_ones(which):
    """Eqs. 2 and 6 against centred differences of eqs. 1 and 4, in float64."""
    case = checks.FeatureCase((1, 3, 4, 3), seed=21)
    generated, content, gram = case.arrays()
    x = generated.astype(np.float64)
    if which == "content":
        cost = lambda: references.paper_content_cost(content, x)  # noqa: E731
        analytic = references.paper_content_gradient(content, x)
    else:
        cost = lambda: references.paper_layer_style_cost(gram, x)  # noqa: E731
        analytic = references.paper_layer_style_gradient(gram, x)
    picked, numeric = numerical_gradient(cost, x, epsilon=1e-6, count=x.size)
    assert relative_error(analytic.ravel()[picked], numeric) < 1e-7


def test_vgg_input_matches_keras_preprocessing():
    from helpers import weights

    images = np.random.default_rng(0).random((2, 5, 7, 3)).astype("float32")
    np.testing.assert_allclose(references.vgg_input(images), weights.preprocess(images), atol=1e-4)


def test_receptive_fields_of_vgg16():
    """By hand: each 3 x 3 convolution adds 2 x jump, each 2 x 2 pooling adds 1 x jump and
    doubles it. block1: 3, 5; pool 6 (jump 2); block2: 10, 14; pool 16 (4); block3: 24, 32, 40;
    pool 44 (8); block4: 60, 76, 92; pool 100 (16); block5: 132, 164, 196; pool 212 (32)."""
    model = keras.applications.VGG16(weights=None, include_top=False)
    fields = references.receptive_fields(model)
    expected = {"block1_conv1": 3, "block1_conv2": 5, "block2_conv2": 14, "block3_conv3": 40,
                "block4_conv2": 76, "block4_conv3": 92, "block5_conv1": 132, "block5_conv3": 196,
                "block5_pool": 212}  # fmt: skip
    assert {name: fields[name][0] for name in expected} == expected
    assert fields["block3_conv3"][1] == 4 and fields["block5_pool"][1] == 32
    # "same" convolutions keep unit 0 centred on pixel 0; each 2 x 2 pooling moves it by half
    # a jump: 0.5 + 1 + 2 + 4 + 8 = 15.5 after the last pooling.
    assert fields["block1_conv2"][2] == 0 and fields["block5_pool"][2] == 15.5


def test_gatys_choices_name_layers_both_vggs_have():
    vgg19 = keras.applications.VGG19(weights=None, include_top=False)
    vgg16 = keras.applications.VGG16(weights=None, include_top=False)
    for model in (vgg16, vgg19):
        names = {layer.name for layer in model.layers}
        assert {references.GATYS["content_layer"], *references.GATYS["style_layers"]} <= names
    assert references.GATYS["style_weight"] * len(references.GATYS["style_layers"]) == 1


# ------------------------------------------------------------- planted bugs are caught
# The common wrong answers of every graded function, each planted in the solutions; the
# visible check must name the cause (the hints of helpers/checks/style_transfer.py).
BUGS = [
    ("content_cost", ("0.5 * tf.reduce_sum", "tf.reduce_sum"), "the 1/2 is missing"),
    (
        "content_cost",
        (
            "0.5 * tf.reduce_sum(tf.square(a_G - a_C))",
            "tf.reduce_sum(tf.square(a_G - a_C)) / (4.0 * tf.cast(tf.size(a_G), tf.float32))",
        ),
        "4 n_H n_W n_C",
    ),  # fmt: skip
    ("content_cost", ("0.5 * tf.reduce_sum", "tf.reduce_mean"), "mean of the squares"),
    (
        "content_cost",
        (
            "0.5 * tf.reduce_sum(tf.square(a_G - a_C))",
            "0.5 * np.sum(np.square(a_G.numpy() - a_C.numpy()))",
        ),
        "cannot differentiate",
    ),  # fmt: skip
    (
        "gram_matrix",
        ("tf.matmul(X, X, transpose_a=True)", "tf.matmul(X, X, transpose_b=True)"),
        "one row and column per position",
    ),  # fmt: skip
    (
        "gram_matrix",
        (
            "G = tf.matmul(X, X, transpose_a=True)",
            "G = tf.matmul(X, X, transpose_a=True) / X.shape[0]",
        ),
        "divided by M",
    ),  # fmt: skip
    ("layer_style_cost", ("(4.0 * N**2 * M**2)", "(N**2 * M**2)"), "the 4 is missing"),
    ("layer_style_cost", ("(4.0 * N**2 * M**2)", "(4.0 * N**2 * M)"), "M is not squared"),
    ("layer_style_cost", ("(4.0 * N**2 * M**2)", "(4.0 * N * M**2)"), "N is not squared"),
    (
        "layer_style_cost",
        ("G = gram_matrix(a_G)", "G = gram_matrix(a_G) / (n_H * n_W)\n    A = A / (n_H * n_W)"),
        "M is divided out twice",
    ),  # fmt: skip
    (
        "style_cost",
        ("J_style += w * layer_style_cost", "J_style += layer_style_cost"),
        "without their weights",
    ),  # fmt: skip
    (
        "total_cost",
        ("alpha * J_content + beta * J_style", "alpha * J_style + beta * J_content"),
        "alpha weighs the content",
    ),  # fmt: skip
    (
        "train_step",
        (
            "optimizer.apply_gradients([(grad, generated)])",
            "optimizer.apply_gradients([(-grad, generated)])",
        ),
        "moved up the gradient",
    ),  # fmt: skip
    (
        "train_step",
        ("    generated.assign(tf.clip_by_value(generated, 0.0, 1.0))  # keep a valid image\n", ""),
        "Clip the image after the step",
    ),  # fmt: skip
    (
        "train_step",
        ("    return J, J_content, J_style", "    return compute_costs(generated)"),
        "costs after the step",
    ),  # fmt: skip
    (
        "train_step",
        ("    optimizer.apply_gradients([(grad, generated)])\n", ""),
        "the image did not change",
    ),  # fmt: skip
    ("content_cost", ("0.5 * tf.reduce_sum", "0.5 * tf.reduce_mean"), "you took 1/2 of the mean (divided by n_H n_W n_C = 8)"),
    ("content_cost", ("0.5 * tf.reduce_sum(tf.square(a_G - a_C))", "0.5 * tf.norm(a_G - a_C)"), "you took 1/2 of the Euclidean norm of F - P (tf.norm)"),
    ("gram_matrix", ("X = tf.reshape(a, (-1, n_C))  # (M, N): one row per position\n    G = tf.matmul(X, X, transpose_a=True)", "X = tf.reshape(a, (n_C, -1))\n    G = tf.matmul(X, X, transpose_b=True)"), "values are wrong. The largest difference is at index (1, 1): you have 8.86707, eq. 3 (einsum) gives 24.1493. The features were reshaped straight to (n_C, n_H"),
    ("gram_matrix", ("G = tf.matmul(X, X, transpose_a=True)", "G = tf.matmul(X, X, transpose_a=True) / tf.cast(tf.size(a), tf.float32)"), "your matrix is the paper's divided by N"),
    ("layer_style_cost", ("tf.reduce_sum(tf.square(G - A)) / (4.0 * N**2 * M**2)", "tf.reduce_mean(tf.square(G - A))"), "Yours is 64 times the paper's value: you took the mean over the"),
    ("layer_style_cost", ("G = gram_matrix(a_G)", "G = gram_matrix(a_G) / (n_H * n_W * n_C)\n    A = A / (n_H * n_W * n_C)"), "the Gram matrices were also divided by N M = 8"),
    ("style_cost", ("        J_style += w * layer_style_cost(A, a_G)\n", "        J_style += w * layer_style_cost(A, a_G)\n        return J_style\n"), "the first layer's weighted cost only (a `return` inside the loop?)"),
    ("style_cost", ("J_style += w * layer_style_cost(A, a_G)", "J_style += w * layer_style_cost(A, a_G) / len(style_grams)"), "You computed the weighted sum divided by the number of layers"),
    ("style_cost", ("J_style += w * layer_style_cost(A, a_G)", "J_style += layer_style_cost(A, a_G) / len(style_grams)"), "You computed the mean of the E_l without their weights"),
    ("total_cost", ("alpha * J_content + beta * J_style", "alpha * J_content + J_style"), "got 85.19531. That is alpha * J_content + J_style: beta, the weight of the style, is missing"),
    ("train_step", ("generated.assign(tf.clip_by_value(generated, 0.0, 1.0))", "generated = tf.clip_by_value(generated, 0.0, 1.0)"), "Clip the image after the step: generated.assign"),
    ("train_step", ("grad = tape.gradient(J, generated)", "grad = tape.gradient(J_style, generated)"), "That step follows the gradient of J_style alone; take the gradient of the total cost J"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "bug", "message"), BUGS, ids=[f"{b[0]}-{b[2][:24]}" for b in BUGS]
)
def test_planted_bug_is_caught_with_the_right_message(name, bug, message):
    broken = mutant(CHAPTER, name, bug)[name]
    with pytest.raises(CheckFailed, match=re.escape(message)):  # the message's own words
        getattr(checks, f"check_{name}")(broken)


def test_costs_computed_outside_the_tape_get_a_note_naming_the_cause():
    """Keras' own error stays (the learner's frames show where), with a note on the cause."""
    outside = (
        "    with tf.GradientTape() as tape:\n        J, J_content, J_style = compute_costs(generated)\n",
        "    J, J_content, J_style = compute_costs(generated)\n    with tf.GradientTape() as tape:\n        pass\n",
    )  # fmt: skip
    broken = mutant(CHAPTER, "train_step", outside)["train_step"]
    with pytest.raises(ValueError, match="No gradients provided") as raised:
        checks.check_train_step(broken)
    notes = " ".join(raised.value.__notes__)
    assert "gave None" in notes and "call compute_costs(generated) inside it" in notes


def test_a_wrong_layer_style_cost_is_caught_by_the_hidden_cases_too():
    broken = mutant(CHAPTER, "layer_style_cost", ("(4.0 * N**2 * M**2)", "(4.0 * N * M)"))
    with pytest.raises(CheckFailed, match="4 N M"):
        for case in checks.random_feature_cases(seed=1509, count=12):
            checks.compare_layer_style_cost(broken["layer_style_cost"], case)


def test_the_stub_says_not_written_yet():
    def content_cost(a_C, a_G):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not written yet"):
        checks.check_content_cost(content_cost)


def test_a_cost_with_the_wrong_shape_is_named():
    with pytest.raises(CheckFailed, match="shape"):
        checks.check_content_cost(lambda a_C, a_G: tf.reduce_sum(tf.square(a_G - a_C), axis=-1))
