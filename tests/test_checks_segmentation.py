"""The chapter 06 checks: they accept the instructor's solutions, and for the usual bugs they fail
with a message that names the cause. The references are checked too, against cases worked by
hand, a numerical gradient and Keras' own layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from solution_harness import mutant

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


def test_same_padding_without_the_crop_is_explained():
    broken = mutant(
        CHAPTER, "conv_transpose_forward", ('    if padding == "same":', "    if False:")
    )
    with pytest.raises(CheckFailed, match=r'Z has shape \(1, 9, 7, 3\); expected \(1, 8, 6, 3\)\. With padding="same" the output is n \* stride: crop'):  # fmt: skip
        checks.check_conv_transpose_forward(broken["conv_transpose_forward"])


def test_stride_larger_than_the_kernel_is_explained():
    broken = mutant(CHAPTER, "conv_transpose_forward", ("(n_H_prev - 1) * stride + max(f, stride)", "(n_H_prev - 1) * stride + f"), ("(n_W_prev - 1) * stride + max(f, stride)", "(n_W_prev - 1) * stride + f"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"Z has shape \(2, 4, 7, 2\); expected \(2, 6, 9, 2\)\. When the stride is larger than the kernel"):  # fmt: skip
        checks.check_conv_transpose_forward(broken["conv_transpose_forward"])


def test_copies_without_the_stride_fail_on_the_hand_case():
    broken = mutant(CHAPTER, "conv_transpose_forward", ("top, left = h * stride, w * stride", "top, left = h, w"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"differs from the case worked by hand in the text on A_prev of shape \(1, 2, 2, 1\), W of shape \(2, 2, 1, 1\), stride=2"):  # fmt: skip
        checks.check_conv_transpose_forward(broken["conv_transpose_forward"])


def test_a_missing_bias_is_found_against_keras():
    broken = mutant(CHAPTER, "conv_transpose_forward", ("    Z = Z + b\n", ""))
    with pytest.raises(CheckFailed, match=r"differs from keras\.layers\.Conv2DTranspose on A_prev of shape \(2, 3, 4, 3\)"):  # fmt: skip
        checks.check_conv_transpose_forward(broken["conv_transpose_forward"])


def test_absent_classes_counted_as_zero_are_named():
    broken = mutant(CHAPTER, "mean_iou", ("mean = float(np.nanmean(per_class))", "mean = float(np.nan_to_num(per_class).mean())"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"the mean should be \(1/2 \+ 2/3\) / 2 = 0\.5833 \(class 2 is in neither map, so it is left out\); you have 0\.3889"):  # fmt: skip
        checks.check_mean_iou(broken["mean_iou"])
    case = next(c for c in checks.random_iou_cases(seed=1505, count=12)
                if np.isnan(references.mean_iou_reference(c.y_true, c.y_pred, c.num_classes)[1]).any())  # fmt: skip
    with pytest.raises(CheckFailed, match=r"classes in neither map were counted as 0; leave them out of the mean"):  # fmt: skip
        checks.compare_mean_iou(broken["mean_iou"], case)


def test_recall_instead_of_iou_is_named():
    broken = mutant(CHAPTER, "mean_iou", ("union = np.sum(truth | predicted)", "union = np.sum(truth | (predicted & truth))"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"per_class should be \[0\.5, 0\.667, nan\]; you have \[0\.5, 1\.0, nan\]"):  # fmt: skip
        checks.check_mean_iou(broken["mean_iou"])
    case = next(c for c in checks.random_iou_cases(seed=1505, count=12)
                if not (set(np.unique(c.y_pred)) - set(np.unique(c.y_true))))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"its recall; IoU divides by the union"):
        checks.compare_mean_iou(broken["mean_iou"], case)


def test_skip_after_the_pooling_is_named():
    broken = mutant(CHAPTER, "conv_block", (
        '    skip = X\n    if pool:\n        X = layers.MaxPooling2D(2, name=f"{name}_pool")(X)\n',
        '    if pool:\n        X = layers.MaxPooling2D(2, name=f"{name}_pool")(X)\n    skip = X\n'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"skip should be the output of the second ReLU \(down1_relu2\), before any pooling; it comes from 'down1_pool'"):  # fmt: skip
        checks.check_conv_block(broken["conv_block"])


def test_valid_convolutions_are_named():
    broken = mutant(CHAPTER, "conv_block", ('padding="same", name=f"{name}_conv{i}"', 'name=f"{name}_conv{i}"'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"'down1_conv1' should have padding='same'; it has 'valid'"):  # fmt: skip
        checks.check_conv_block(broken["conv_block"])


def test_skip_concatenated_first_is_named():
    broken = mutant(CHAPTER, "upsampling_block", ("([X, skip])", "([skip, X])"))
    with pytest.raises(CheckFailed, match=r"'up1_concat' should read \['up1_up', '.*'\]; it reads \['.*', 'up1_up'\]"):  # fmt: skip
        checks.check_upsampling_block(broken["upsampling_block"])


def test_a_checkerboard_kernel_is_named():
    broken = mutant(CHAPTER, "upsampling_block", ("Conv2DTranspose(n_filters, 2,", "Conv2DTranspose(n_filters, 3,"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"'up1_up' should have kernel_size=\(2, 2\); it has \(3, 3\)"):  # fmt: skip
        checks.check_upsampling_block(broken["upsampling_block"])


def test_a_unet_without_skips_is_caught():
    broken = mutant(CHAPTER, "unet", ("skip = skip_tensors[level] if skips else None", "skip = None"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"no layer named 'up2_concat'"):
        checks.check_unet(broken["unet"])


def test_softmax_logits_are_named():
    broken = mutant(CHAPTER, "unet", ('Conv2D(num_classes, 1, name="logits")', 'Conv2D(num_classes, 1, activation="softmax", name="logits")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"'logits' should be a 1 x 1 Conv2D with 6 filters and no activation"):  # fmt: skip
        checks.check_unet(broken["unet"])


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
