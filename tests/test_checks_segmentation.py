"""The chapter 06 checks: they accept the instructor's solutions, and for the usual bugs they fail
with a message that names the cause. The references are checked too, against cases worked by
hand, a numerical gradient and Keras' own layers."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from solution_harness import assert_cause_named, mutant

from helpers import weights
from helpers.checks import segmentation as checks
from helpers.checks.common import CheckFailed
from helpers.gradients import numerical_gradient
from helpers.grading.solutions import source_notebook
from helpers.references import segmentation as references

CHAPTER = "06_segmentation"


# ------------------------------------------------------------- the solutions pass
@pytest.mark.parametrize(
    "check, name",
    [
        (checks.check_conv_transpose_forward, "conv_transpose_forward"),
        (checks.check_mean_iou, "mean_iou"),
        (checks.check_conv_block, "conv_block"),
        (checks.check_upsampling_block, "upsampling_block"),
        (checks.check_unet, "unet"),
    ],
)
def test_visible_checks_accept_the_solutions(solved, check, name, capsys):
    assert check(solved[name]) is None  # nbgrader reads a last value as partial credit
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_conv_transpose_cases(seed=1, count=20):
        assert checks.compare_conv_transpose_forward(solved["conv_transpose_forward"], case) is None
    for case in checks.random_iou_cases(seed=1, count=12):
        assert checks.compare_mean_iou(solved["mean_iou"], case) is None
    for case in checks.random_conv_block_cases(seed=1, count=3):
        assert checks.compare_conv_block(solved["conv_block"], case) is None
    for case in checks.random_upsampling_cases(seed=1, count=3):
        assert checks.compare_upsampling_block(solved["upsampling_block"], case) is None
    for kwargs in checks.random_unet_cases(seed=1, count=3):
        assert checks.compare_unet(solved["unet"], **kwargs) is None


def test_random_cases_cover_what_the_hidden_tests_promise():
    cases = list(checks.random_conv_transpose_cases(seed=1505, count=24))
    assert {c.padding for c in cases} == {"valid", "same"}
    assert {c.stride for c in cases} == {1, 2, 3}
    assert any(c.stride > c.W.shape[0] for c in cases if c.padding == "valid")
    assert any(c.stride > c.W.shape[0] for c in cases if c.padding == "same")
    assert any(c.W.shape[0] > c.stride for c in cases if c.padding == "same")
    assert any(c.A_prev.shape[0] > 1 for c in cases)
    assert any(c.A_prev.shape[1] != c.A_prev.shape[2] for c in cases)
    iou = list(checks.random_iou_cases(seed=1505, count=12))
    assert any(np.isnan(references.mean_iou_reference(c.y_true, c.y_pred, c.num_classes)[1]).any() for c in iou)  # fmt: skip
    only_predicted = [
        c for c in iou if (set(np.unique(c.y_pred)) - set(np.unique(c.y_true)))
    ]  # a class predicted where there is none: IoU 0, not NaN
    assert only_predicted
    blocks = list(checks.random_conv_block_cases(seed=1505, count=5))
    assert {c.pool for c in blocks} == {True, False}
    ups = list(checks.random_upsampling_cases(seed=1505, count=5))
    assert {c.skip_channels > 0 for c in ups} == {True, False}
    unets = list(checks.random_unet_cases(seed=1505, count=3))
    assert {u["skips"] for u in unets} == {True, False}
    assert any(u["input_shape"][0] != u["input_shape"][1] for u in unets)


def test_cases_are_reproducible():
    first = next(checks.random_conv_transpose_cases(seed=5, count=1))
    again = next(checks.random_conv_transpose_cases(seed=5, count=1))
    assert np.array_equal(first.A_prev, again.A_prev) and first.stride == again.stride


# ------------------------------------------------------------------ the references
def test_conv_transpose_reference_on_the_cases_worked_by_hand():
    for case, expected in checks.hand_cases():
        got = references.conv_transpose_reference(case.A_prev, case.W, case.b, case.stride, case.padding)  # fmt: skip
        assert np.allclose(got, expected)


def test_conv_transpose_reference_sizes_follow_keras_documentation():
    """Keras: "valid" gives (n - 1) * s + max(f, s), "same" gives n * s."""
    rng = np.random.default_rng(0)
    for n, f, s in [(3, 3, 2), (3, 1, 3), (4, 4, 2), (2, 2, 3)]:
        A, W, b = rng.standard_normal((1, n, n, 2)), rng.standard_normal((f, f, 2, 1)), np.zeros(1)
        assert references.conv_transpose_reference(A, W, b, s, "valid").shape[1] == (n - 1) * s + max(f, s)  # fmt: skip
        assert references.conv_transpose_reference(A, W, b, s, "same").shape[1] == n * s


def test_conv_input_gradient_matches_a_numerical_gradient():
    rng = np.random.default_rng(1)
    X, W = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 3))
    dZ = rng.standard_normal((1, 2, 2, 3))
    import tensorflow as tf

    def cost():
        Z = tf.nn.conv2d(X, W, strides=2, padding="VALID").numpy()
        return float(np.sum(Z * dZ))

    indices, numeric = numerical_gradient(cost, X, count=20)
    analytic = references.conv_input_gradient(X, W, dZ, stride=2).ravel()[indices]
    assert np.allclose(analytic, numeric, atol=1e-3)


def test_mean_iou_reference_on_the_case_worked_by_hand():
    mean, per_class = references.mean_iou_reference(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)  # fmt: skip
    assert np.isclose(mean, 7 / 12)
    assert np.allclose(per_class[:2], [1 / 2, 2 / 3]) and np.isnan(per_class[2])


def test_block_references_match_keras_layers():
    """The TensorFlow-ops blocks against the same blocks written with Keras layers here."""
    rng = np.random.default_rng(2)
    inputs = keras.Input((4, 6, 3))
    x = inputs
    for i in (1, 2):
        x = keras.layers.Conv2D(5, 3, padding="same", name=f"b_conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"b_bn{i}")(x)
        x = keras.layers.ReLU(name=f"b_relu{i}")(x)
    pooled = keras.layers.MaxPooling2D(2)(x)
    skip_in = keras.Input((4, 6, 2))
    up = keras.layers.Conv2DTranspose(4, 2, strides=2, padding="same", name="u_up")(pooled)
    y = keras.layers.Concatenate()([up, skip_in])
    for i in (1, 2):
        y = keras.layers.Conv2D(4, 3, padding="same", name=f"u_conv{i}")(y)
        y = keras.layers.BatchNormalization(name=f"u_bn{i}")(y)
        y = keras.layers.ReLU()(y)
    model = keras.Model([inputs, skip_in], [pooled, x, y])
    weights = checks._randomise(model, rng)
    X = rng.standard_normal((2, 4, 6, 3)).astype("float32")
    S = rng.standard_normal((2, 4, 6, 2)).astype("float32")
    pooled_k, skip_k, up_k = (np.asarray(t) for t in model([X, S], training=False))
    pooled_r, skip_r = references.conv_block_reference(X, weights, "b")
    assert np.allclose(pooled_r, pooled_k, atol=1e-5) and np.allclose(skip_r, skip_k, atol=1e-5)
    up_r = references.upsampling_block_reference(pooled_k, S, weights, "u")
    assert np.allclose(up_r, up_k, atol=1e-5)


def test_the_chapter_quotes_the_block_by_block_counts(solved):
    """The parameter counts worked out in the text are Keras' own counts."""
    text = "\n".join(c.source for c in source_notebook(CHAPTER).cells if c.cell_type == "markdown")
    model = solved["unet"]()
    down1 = sum(model.get_layer(f"down1_{r}").count_params() for r in ("conv1", "bn1", "conv2", "bn2"))  # fmt: skip
    assert f"= {down1:,}$" in text.replace("{,}", ",")
    up1 = model.get_layer("up1_up").count_params()
    assert f"= {up1:,}$" in text.replace("{,}", ",")
    conv1 = model.get_layer("up1_conv1").count_params() + model.get_layer("up1_bn1").count_params()
    assert f"= {conv1:,}$" in text.replace("{,}", ",")
    assert model.count_params() == checks.unet_parameters((16, 32, 64, 128), 3, 6)
    up2 = model.get_layer("up2_conv1").count_params() + model.get_layer("up2_bn1").count_params()
    no_skips = solved["unet"](skips=False)
    up2_alone = no_skips.get_layer("up2_conv1").count_params() + no_skips.get_layer("up2_bn1").count_params()  # fmt: skip
    assert f"{up2:,}." in text.replace("{,}", ",") and f"= {up2_alone:,}$" in text.replace("{,}", ",")  # fmt: skip


@pytest.mark.parametrize("skips", [True, False])
def test_shipped_weights_match_their_checksum_and_the_network(solved, skips):
    path = references.PRETRAINED[skips]
    assert weights.file_sha256(path) == weights.checksum_path(path).read_text().split()[0]
    assert path.stat().st_size < 10 * 2**20
    references.load_pretrained(solved["unet"](skips=skips), skips=skips)


# ------------------------------------------------------------------ planted bugs
def test_unwritten_function_says_to_write_it():
    def conv_transpose_forward(A_prev, W, b, stride=1, padding="valid"):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="conv_transpose_forward is not written yet"):
        checks.check_conv_transpose_forward(conv_transpose_forward)


# The common wrong answers of every graded function, each planted in the solutions: the check
# must name the cause, not only count the wrong values (helpers.checks.common.likely_cause).
SKIP_THEN_POOL = (
    '    skip = X\n    if pool:\n        X = layers.MaxPooling2D(2, name=f"{name}_pool")(X)\n'
)
BN_THEN_RELU = (
    '        X = layers.BatchNormalization(name=f"{name}_bn{i}")(X)\n'
    '        X = layers.Activation("relu", name=f"{name}_relu{i}")(X)\n'
)
RELU_THEN_BN = (
    '        X = layers.Activation("relu", name=f"{name}_relu{i}")(X)\n'
    '        X = layers.BatchNormalization(name=f"{name}_bn{i}")(X)\n'
)
COMMON_BUGS = {
    "conv_transpose_forward, 'same' without the crop": (
        "conv_transpose_forward",
        ('    if padding == "same":', "    if False:"),
        r'Z has shape \(1, 9, 7, 3\); expected \(1, 8, 6, 3\)\. With padding="same" the output is n \* stride: crop',
    ),
    "conv_transpose_forward, stride larger than the kernel": (
        "conv_transpose_forward",
        ("(n_H_prev - 1) * stride + max(f, stride)", "(n_H_prev - 1) * stride + f"),
        ("(n_W_prev - 1) * stride + max(f, stride)", "(n_W_prev - 1) * stride + f"),
        r"Z has shape \(2, 4, 7, 2\); expected \(2, 6, 9, 2\)\. When the stride is larger than the kernel",
    ),
    "conv_transpose_forward, copies not moved by the stride": (
        "conv_transpose_forward",
        ("top, left = h * stride, w * stride", "top, left = h, w"),
        r"differs from the case worked by hand in the text on .* stride=2.* The copies are 1 pixel apart instead of `stride`",
    ),
    "conv_transpose_forward, overlaps overwritten": (
        "conv_transpose_forward",
        ("Z[:, top : top + f, left : left + f, :] += copy", "Z[:, top : top + f, left : left + f, :] = copy"),
        r"stride=1.* the last one replaced the others \(the centre pixel holds 4, not 1 \+ 2 \+ 3 \+ 4 = 10\): add each copy",
    ),
    "conv_transpose_forward, no bias": (
        "conv_transpose_forward",
        ("    Z = Z + b\n", ""),
        r"differs from keras\.layers\.Conv2DTranspose on A_prev of shape \(2, 3, 4, 3\).* These are the values without the bias",
    ),
    "conv_transpose_forward, kernel flipped": (
        "conv_transpose_forward",
        ('np.einsum("mc,ijck->mijk", A_prev[:, h, w, :], W)', 'np.einsum("mc,ijck->mijk", A_prev[:, h, w, :], W[::-1, ::-1])'),
        r"Conv2DTranspose on .* the kernel turned by 180 degrees",
    ),
    "conv_transpose_forward, 'same' cropped at the end": (
        "conv_transpose_forward",
        ("start = max(f - stride, 0) // 2", "start = 0"),
        r"padding='same'.* cropped at the wrong place: Keras crops \(f - stride\) // 2",
    ),
    "conv_transpose_forward, 'same' crop rounded up": (
        "conv_transpose_forward",
        ("start = max(f - stride, 0) // 2", "start = (max(f - stride, 0) + 1) // 2"),
        r"padding='same'.* cropped at the wrong place",
    ),
    "conv_block, skip after the pooling": (
        "conv_block",
        (SKIP_THEN_POOL, '    if pool:\n        X = layers.MaxPooling2D(2, name=f"{name}_pool")(X)\n    skip = X\n'),
        r"skip should be the output of the second ReLU \(down1_relu2\), before any pooling; it comes from 'down1_pool'",
    ),
    "conv_block, next_layer and skip swapped": (
        "conv_block",
        ("    return X, skip", "    return skip, X"),
        r"yours are the other way round: return next_layer, skip",
    ),
    "conv_block, ReLU before the batch norm": (
        "conv_block",
        (BN_THEN_RELU, RELU_THEN_BN),
        r"'down1_bn1' should read \['down1_conv1'\]; it reads \['down1_relu1'\]\. The batch norm comes before the ReLU",
    ),
    "conv_block, 'valid' convolutions": (
        "conv_block",
        ('padding="same", name=f"{name}_conv{i}"', 'name=f"{name}_conv{i}"'),
        r"'down1_conv1' should have padding='same'; it has 'valid'",
    ),
    "conv_block, pooling at the bottom": (
        "conv_block",
        ("    if pool:\n", "    if True:\n"),
        r"layers the block should not have: \['bottom_pool'\]\. With pool=False \(the bottom of the U\) there is no pooling",
    ),
    "upsampling_block, skip concatenated first": (
        "upsampling_block",
        ("([X, skip])", "([skip, X])"),
        r"'up1_concat' should read \['up1_up', '.*'\]; it reads \['.*', 'up1_up'\]",
    ),
    "upsampling_block, a checkerboard kernel": (
        "upsampling_block",
        ("Conv2DTranspose(n_filters, 2,", "Conv2DTranspose(n_filters, 3,"),
        r"'up1_up' should have kernel_size=\(2, 2\); it has \(3, 3\)",
    ),
    "unet, no skip connections": (
        "unet",
        ("skip = skip_tensors[level] if skips else None", "skip = None"),
        r"no layer named 'up2_concat'",
    ),
    "unet, skips=False ignored": (
        "unet",
        ("skip = skip_tensors[level] if skips else None", "skip = skip_tensors[level]"),
        r"skips=False.*'up2_conv1' should be a Conv2D reading \['up2_up'\].* With skips=False pass None as the skip",
    ),
    "unet, softmax logits": (
        "unet",
        ('Conv2D(num_classes, 1, name="logits")', 'Conv2D(num_classes, 1, activation="softmax", name="logits")'),
        r"'logits' should be a 1 x 1 Conv2D with 6 filters and no activation",
    ),
    "unet, expanding blocks one level too wide": (
        "unet",
        ('X = upsampling_block(X, skip, widths[level - 1], f"up{level}")', 'X = upsampling_block(X, skip, widths[level], f"up{level}")'),
        r"'up2_up' should have 8 filters, the width of its level \(up2: widths\[1\]\); it has 16\. Block up\{i\} has the filters of down\{i\}",
    ),
    "mean_iou, absent classes counted as 0": (
        "mean_iou",
        ("mean = float(np.nanmean(per_class))", "mean = float(np.nan_to_num(per_class).mean())"),
        r"the mean should be \(1/2 \+ 2/3\) / 2 = 0\.5833 \(class 2 is in neither map, so it is left out\); you have 0\.3889",
    ),
    "mean_iou, np.mean over NaN": (
        "mean_iou",
        ("mean = float(np.nanmean(per_class))", "mean = float(np.mean(per_class))"),
        r"you have nan\. np\.mean of per_class is NaN when a class is NaN: use np\.nanmean",
    ),
    "mean_iou, recall": (
        "mean_iou",
        ("union = np.sum(truth | predicted)", "union = np.sum(truth)"),
        r"per_class should be \[0\.5, 0\.667, nan\]; you have \[0\.5, 1\.0, nan\]\. It looks like you divided by the class's pixels in the truth, its recall",
    ),
    "mean_iou, precision": (
        "mean_iou",
        ("union = np.sum(truth | predicted)", "union = np.sum(predicted)"),
        r"you have \[1\.0, 0\.667, nan\]\. It looks like you divided by the class's pixels in the prediction, its precision",
    ),
    "mean_iou, Dice": (
        "mean_iou",
        ("per_class[c] = np.sum(truth & predicted) / union", "per_class[c] = 2 * np.sum(truth & predicted) / (np.sum(truth) + np.sum(predicted))"),
        r"It looks like that is the Dice coefficient",
    ),
}  # fmt: skip


@pytest.mark.parametrize("bug", COMMON_BUGS)
def test_common_wrong_answers_get_their_cause(bug):
    name, *replacements, message = COMMON_BUGS[bug]
    assert_cause_named(CHAPTER, name, replacements, getattr(checks, f"check_{name}"), message)


def test_hidden_cases_name_the_cause_too():
    """The causes are named on the hidden tests' random cases as well, not only on the visible
    check's: a missing bias, and the absent classes of mean_iou counted as 0."""
    broken = mutant(CHAPTER, "conv_transpose_forward", ("    Z = Z + b\n", ""))
    case = next(checks.random_conv_transpose_cases(seed=1505, count=1))
    with pytest.raises(CheckFailed, match=r"These are the values without the bias"):
        checks.compare_conv_transpose_forward(broken["conv_transpose_forward"], case)
    broken = mutant(CHAPTER, "mean_iou", ("mean = float(np.nanmean(per_class))", "mean = float(np.nan_to_num(per_class).mean())"))  # fmt: skip
    case = next(c for c in checks.random_iou_cases(seed=1505, count=12)
                if np.isnan(references.mean_iou_reference(c.y_true, c.y_pred, c.num_classes)[1]).any())  # fmt: skip
    with pytest.raises(CheckFailed, match=r"classes in neither map were counted as 0; leave them out of the mean"):  # fmt: skip
        checks.compare_mean_iou(broken["mean_iou"], case)
    broken = mutant(CHAPTER, "mean_iou", ("union = np.sum(truth | predicted)", "union = np.sum(truth)"))  # fmt: skip
    case = next(c for c in checks.random_iou_cases(seed=1505, count=12)
                if not (set(np.unique(c.y_pred)) - set(np.unique(c.y_true))))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"its recall; IoU divides by the union"):
        checks.compare_mean_iou(broken["mean_iou"], case)


def test_concatenation_errors_in_the_learners_code_get_a_note():
    """A transposed convolution without strides=2 makes Keras' Concatenate fail inside the
    learner's function: the error stays theirs (their frames), with a note naming the cause."""
    broken = mutant(CHAPTER, "upsampling_block", ("Conv2DTranspose(n_filters, 2, strides=2,", "Conv2DTranspose(n_filters, 2,"))  # fmt: skip
    with pytest.raises(ValueError, match="Concatenate") as raised:
        checks.check_upsampling_block(broken["upsampling_block"])
    assert any("strides=2" in note for note in raised.value.__notes__)
    broken = mutant(CHAPTER, "unet", ('conv_block(X, widths[-1], "bottom", pool=False)', 'conv_block(X, widths[-1], "bottom")'))  # fmt: skip
    with pytest.raises(ValueError, match="Concatenate") as raised:
        checks.check_unet(broken["unet"])
    assert any("the bottom block does not pool" in note for note in raised.value.__notes__)


def test_a_wrong_answer_without_a_known_cause_gets_the_count_alone():
    broken = mutant(CHAPTER, "conv_transpose_forward", ("    Z = Z + b\n", "    Z = Z + 2 * b\n"))
    with pytest.raises(CheckFailed) as raised:
        checks.check_conv_transpose_forward(broken["conv_transpose_forward"])
    assert re.search(r"values are wrong\. .* keras\.layers\.Conv2DTranspose gives -?[\d.]+\.$", str(raised.value))  # fmt: skip


def test_the_zeroed_up_sampling_test_tells_skips_from_none(solved):
    """The last line of defence: a network whose expanding path gets nothing but what comes up
    the U has an output that no longer depends on the image once the transposed convolutions
    are zero; one with a skip still does."""
    x = np.random.default_rng(3).standard_normal((2, 16, 16, 3)).astype("float32")
    without = solved["unet"]((16, 16, 3), 6, widths=(4, 8, 16), skips=False)
    with pytest.raises(CheckFailed, match="no information reaches the expanding path through a skip connection"):  # fmt: skip
        checks._expect_real_skips(without, "a network without skips", x, skips=True)
    with_skips = solved["unet"]((16, 16, 3), 6, widths=(4, 8, 16), skips=True)
    with pytest.raises(CheckFailed, match="a skip connection is left in"):
        checks._expect_real_skips(with_skips, "a network with skips", x, skips=False)
