"""The chapter 04 checks: they accept the instructor's solutions, and for the usual bugs they
fail with a message that names the cause. The references are checked too: the Keras-layer
counts against the cases the text works by hand, the TensorFlow-ops Inception module against
one built from Keras layers, the shipped pre-trained base against its checksum, and the choice of
the transfer base (ImageNet's weights from Keras' cache, else the course's) without a download."""

from __future__ import annotations

import re
import urllib.request

import keras
import numpy as np
import pytest
from solution_harness import mutant

from helpers import weights
from helpers.checks import efficient_nets as checks
from helpers.checks.common import CheckFailed
from helpers.model_costs import multiply_adds
from helpers.references import efficient_nets as references

CHAPTER = "04_efficient_nets"


# ------------------------------------------------------------- the solutions pass
@pytest.mark.parametrize(
    "name",
    ["conv_cost", "bottleneck_multiplications", "depthwise_separable_cost", "inception_module",
     "mobilenet_v1_block", "inverted_residual_block", "rgb_pca", "pca_color_augment"],
)  # fmt: skip
def test_visible_checks_accept_the_solutions(solved, name, capsys):
    getattr(checks, f"check_{name}")(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_visible_mobilenet_v2_check_accepts_the_solution(solved, capsys):
    checks.check_mobilenet_v2(solved["mobilenet_v2"])
    assert "3,538,984 parameters" in capsys.readouterr().out


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_cost_cases(seed=1, count=10):
        checks.compare_conv_cost(solved["conv_cost"], case)
        checks.compare_depthwise_separable_cost(solved["depthwise_separable_cost"], case)
    for case in checks.random_cost_cases(seed=1, count=10, bottleneck=True):
        checks.compare_bottleneck_multiplications(solved["bottleneck_multiplications"], case)
    for case in checks.random_inception_cases(seed=1, count=4):
        checks.compare_inception_module(solved["inception_module"], case)
    for case in checks.random_v1_cases(seed=1, count=4):
        checks.compare_mobilenet_v1_block(solved["mobilenet_v1_block"], case)
    for case in checks.random_v2_cases(seed=1, count=6):
        checks.compare_inverted_residual_block(solved["inverted_residual_block"], case)
    for images in checks.random_pca_cases(seed=1, count=5):
        checks.compare_rgb_pca(solved["rgb_pca"], images)
    for images, seed in checks.random_augment_cases(seed=1, count=5):
        checks.compare_pca_color_augment(solved["pca_color_augment"], images, seed)
    checks.compare_mobilenet_v2(solved["mobilenet_v2"], input_shape=(33, 45, 3), num_classes=3)


def test_compare_functions_return_none(solved):
    """nbgrader reads the value of a test cell's last line as partial credit."""
    cost = next(checks.random_cost_cases(seed=2, count=1, bottleneck=True))
    assert checks.compare_conv_cost(solved["conv_cost"], cost) is None
    assert checks.compare_bottleneck_multiplications(solved["bottleneck_multiplications"], cost) is None  # fmt: skip
    assert checks.compare_depthwise_separable_cost(solved["depthwise_separable_cost"], cost) is None  # fmt: skip
    inception = next(checks.random_inception_cases(seed=2, count=1))
    assert checks.compare_inception_module(solved["inception_module"], inception) is None
    v1, v2 = next(checks.random_v1_cases(seed=2, count=1)), next(checks.random_v2_cases(seed=2, count=1))  # fmt: skip
    assert checks.compare_mobilenet_v1_block(solved["mobilenet_v1_block"], v1) is None
    assert checks.compare_inverted_residual_block(solved["inverted_residual_block"], v2) is None
    images = next(checks.random_pca_cases(seed=2, count=1))
    assert checks.compare_rgb_pca(solved["rgb_pca"], images) is None
    assert checks.compare_pca_color_augment(solved["pca_color_augment"], images, 3) is None


def test_random_cases_cover_what_the_hidden_tests_promise():
    costs = list(checks.random_cost_cases(seed=1312, count=20))
    assert {c.f for c in costs} == {1, 3, 5, 7} and any(c.n_H != c.n_W for c in costs)
    bottlenecks = list(checks.random_cost_cases(seed=1410, count=20, bottleneck=True))
    assert {c.n_bottleneck is None for c in bottlenecks} == {True, False}
    v1 = list(checks.random_v1_cases(seed=1861, count=8))
    assert {c.stride for c in v1} == {1, 2} and any(c.input_shape[0] % 2 for c in v1 if c.stride == 2)  # fmt: skip
    v2 = list(checks.random_v2_cases(seed=1801, count=12))
    residual = [c for c in v2 if c.stride == 1 and c.input_shape[2] == c.filters]
    assert residual and any(c.stride == 2 for c in v2) and any(c.block_id == 0 for c in v2)
    assert any(c.stride == 2 and (c.input_shape[0] % 2 or c.input_shape[1] % 2) for c in v2)
    assert all((c.block_id == 0) == (c.expansion == 1) for c in v2)
    inception = list(checks.random_inception_cases(seed=1409, count=8))
    assert any(c.input_shape[0] != c.input_shape[1] for c in inception)


def test_cases_are_reproducible():
    assert list(checks.random_v2_cases(seed=5, count=4)) == list(checks.random_v2_cases(seed=5, count=4))  # fmt: skip


# --------------------------------------------------------------- the references
def test_keras_counts_equal_the_cases_worked_by_hand_in_the_text():
    """The text works these out by hand (sections 1, 3 and 4); Keras' layers must agree."""
    assert references.keras_conv_cost(28, 28, 192, 32, 5) == (153_632, 120_422_400)
    assert references.keras_conv_cost(28, 28, 192, 16, 1) == (3_088, 2_408_448)
    assert references.keras_bottleneck_multiplications(28, 28, 192, 32, 5) == 120_422_400
    assert references.keras_bottleneck_multiplications(28, 28, 192, 32, 5, 16) == 2_408_448 + 10_035_200  # fmt: skip
    separable = references.keras_separable_cost(14, 14, 512, 512, 3)
    assert separable == {"depthwise": 903_168, "pointwise": 51_380_224, "separable": 52_283_392,
                         "standard": 462_422_016}  # fmt: skip
    assert separable["separable"] / separable["standard"] == pytest.approx(1 / 512 + 1 / 9)


def test_block_2_of_mobilenet_v2_as_worked_by_hand():
    block = references.inverted_residual_reference((56, 56, 24), 6, 24, 1, 2)
    assert block.count_params() == 9_456
    assert multiply_adds(block) == 56 * 56 * (3_456 + 1_296 + 3_456)
    assert "block_2_add" in [layer.name for layer in block.layers]


def test_mobilenet_v2_reference_is_keras_count():
    model = references.mobilenet_v2_reference()
    assert model.count_params() == 3_538_984
    assert references.POOL_NAME in [layer.name for layer in model.layers]


def test_inception_reference_equals_a_module_of_keras_layers():
    rng = np.random.default_rng(0)
    inputs = keras.Input((5, 6, 4))
    conv = {role: keras.layers.Conv2D(n, f, padding="same", activation="relu") for role, n, f in
            [("1x1", 2, 1), ("3x3_reduce", 3, 1), ("3x3", 4, 3), ("5x5_reduce", 1, 1), ("5x5", 2, 5),
             ("pool_proj", 3, 1)]}  # fmt: skip
    pooled = keras.layers.MaxPooling2D(3, strides=1, padding="same")(inputs)
    outputs = keras.layers.Concatenate()([
        conv["1x1"](inputs), conv["3x3"](conv["3x3_reduce"](inputs)),
        conv["5x5"](conv["5x5_reduce"](inputs)), conv["pool_proj"](pooled)])  # fmt: skip
    model = keras.Model(inputs, outputs)
    for layer in conv.values():
        layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape).astype("float32"))
    x = rng.normal(size=(2, 5, 6, 4)).astype("float32")
    weights_ = {role: {"kernel": layer.kernel.numpy(), "bias": layer.bias.numpy()} for role, layer in conv.items()}  # fmt: skip
    np.testing.assert_allclose(references.inception_reference(x, weights_), model(x).numpy(), atol=1e-5)  # fmt: skip


def test_rgb_pca_reference_diagonalises_the_covariance():
    images = checks.random_images(0, count=2, size=(4, 5))
    values, vectors = references.rgb_pca_reference(images)
    covariance = np.cov(images.reshape(-1, 3).astype(np.float64), rowvar=False)
    np.testing.assert_allclose(vectors.T @ covariance @ vectors, np.diag(values), atol=1e-10)
    assert np.all(np.diff(values) <= 0)


# ---------------------------------------------------------- planted bugs are named
def rejects(chapter_bug: tuple, check: str, message: str) -> None:
    grade_id, *replacements = chapter_bug
    broken = mutant(CHAPTER, grade_id, *replacements)
    with pytest.raises(CheckFailed, match=message):
        getattr(checks, check)(broken[grade_id])


@pytest.mark.parametrize(
    "bug, message",
    [
        (
            ("conv_cost", ("(f * f * n_C_prev + 1) * n_C", "f * f * n_C_prev * n_C")),
            "Each filter also has a bias",
        ),  # fmt: skip
        (("conv_cost", ("n_H * n_W * n_C * f", "n_C * f")), "You counted one output position"),
        (("conv_cost", ("f * f * n_C_prev\n", "f * f\n")), "spans all n_C_prev input channels"),
        (
            ("bottleneck_multiplications", ("return reduce + ", "return ")),
            "The 1 x 1 bottleneck layer itself",
        ),  # fmt: skip
        (
            ("bottleneck_multiplications", ("* f * f * n_bottleneck", "* f * f * n_C_prev")),
            "the f x f filters read its n_bottleneck channels",
        ),  # fmt: skip
        (
            ("depthwise_separable_cost", ("n_C_prev * f * f", "n_C_prev * n_C * f * f")),
            "one f x f filter per input channel",
        ),  # fmt: skip
        (
            ("depthwise_separable_cost", ("n_C_prev * n_C\n", "n_C * n_C\n")),
            "pointwise part .* reads the n_C_prev channels the depthwise one wrote",
        ),  # fmt: skip
    ],
)
def test_wrong_counts_are_explained(bug, message):
    grade_id = bug[0]
    rejects(bug, f"check_{grade_id}", message)


@pytest.mark.parametrize(
    "replacement, message",
    [
        (
            ("[branch1, branch3, branch5, pooled]", "[branch1, branch5, branch3, pooled]"),
            "in that order",
        ),  # fmt: skip
        (('Conv2D(F3r, 1, activation="relu"', "Conv2D(F3r, 1"), "the reductions included"),
        (
            ('MaxPooling2D(3, strides=1, padding="same"', "MaxPooling2D(3, strides=1"),
            'padding="same"',
        ),  # fmt: skip
        (
            ("(pooled)\n", "(X)\n"),
            "no layer named 'check_3a_pool', or the module's output does not depend on it",
        ),  # fmt: skip
        (
            ('name=f"{name}_5x5_reduce"', 'name=f"{name}_5x5_red"'),
            "no layer named 'check_3a_5x5_reduce'",
        ),  # fmt: skip
    ],
)
def test_inception_bugs_are_named(replacement, message):
    rejects(("inception_module", replacement), "check_inception_module", message)


def test_inception_numbers_catch_what_the_structure_does_not_look_at():
    """Every layer named, shaped and wired right, but the 5 x 5 filters dilated: only the
    numbers can tell."""
    rejects(
        (
            "inception_module",
            (
                'Conv2D(F5, 5, padding="same", activation="relu"',
                'Conv2D(F5, 5, padding="same", activation="relu", dilation_rate=2',
            ),
        ),  # fmt: skip
        "check_inception_module",
        "differs from the module in TensorFlow ops",
    )


@pytest.mark.parametrize(
    "replacement, message",
    [
        (
            ('name=f"conv_pad_{block_id}")', 'name=f"pad_{block_id}")'),
            "has a layer 'conv_pad_3'.*Keras pads one row at the bottom",
        ),  # fmt: skip
        (
            (
                'layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")',
                'layers.ReLU(name=f"conv_dw_{block_id}_relu")',
            ),
            "ReLU layer; keras.applications.MobileNet's block has a ReLU \\(max_value=6.0\\)",
        ),  # fmt: skip
        (
            ('use_bias=False, name=f"conv_pw_{block_id}"', 'name=f"conv_pw_{block_id}"'),
            "'conv_pw_2' has a bias.*pass use_bias=False",
        ),  # fmt: skip
    ],
)
def test_mobilenet_v1_block_bugs_are_named(replacement, message):
    rejects(("mobilenet_v1_block", replacement), "check_mobilenet_v1_block", message)


@pytest.mark.parametrize(
    "replacement, message",
    [
        (
            ("if stride == 1 and n_C_prev == filters:", "if False:"),
            "has a layer 'block_2_add'.*exactly when stride == 1",
        ),  # fmt: skip
        (
            ("top, left = X.shape[1] % 2, X.shape[2] % 2", "top, left = 0, 0"),
            "block_3_pad.*top \\(left\\) 1 for an odd",
        ),  # fmt: skip
        (
            (
                'name=f"{prefix}project_BN")(X)\n',
                'name=f"{prefix}project_BN")(X)\n    X = layers.ReLU(6.0, name=f"{prefix}project_relu")(X)\n',
            ),
            "activation 'block_2_project_relu' after 'block_2_project_BN'.*linear bottleneck",
        ),  # fmt: skip
        (
            ("if expansion != 1:", "if True:"),
            "expansion layer 'expanded_conv_expand'.*expand only if expansion != 1",
        ),  # fmt: skip
        (("expansion * n_C_prev, 1", "expansion * filters, 1"), "parameters|output shape"),
    ],
)
def test_inverted_residual_block_bugs_are_named(replacement, message):
    rejects(("inverted_residual_block", replacement), "check_inverted_residual_block", message)


# More common wrong answers, each planted in the solutions: the visible check must name the
# cause (helpers.checks.common.likely_cause and the hints of helpers.checks.efficient_nets).
COMMON_BUGS = {
    "conv_cost, weights of one channel": (
        "conv_cost",
        ("(f * f * n_C_prev + 1) * n_C", "(f * f + 1) * n_C"),
        r"153,632.*Each filter spans all n_C_prev input channels",
    ),
    "conv_cost, f instead of f * f weights": (
        "conv_cost",
        ("(f * f * n_C_prev + 1) * n_C", "(f * n_C_prev + 1) * n_C"),
        r"A filter is f x f: f \* f weights per input channel",
    ),
    "conv_cost, f instead of f * f products": (
        "conv_cost",
        ("n_H * n_W * n_C * f * f * n_C_prev", "n_H * n_W * n_C * f * n_C_prev"),
        r"The window is f x f: f \* f products",
    ),
    "conv_cost, the bias counted as a multiplication": (
        "conv_cost",
        ("n_H * n_W * n_C * f * f * n_C_prev", "n_H * n_W * n_C * (f * f * n_C_prev + 1)"),
        r"Adding the bias is not a multiplication",
    ),
    "depthwise_separable_cost, the two counts swapped": (
        "depthwise_separable_cost",
        ("return depthwise, pointwise", "return pointwise, depthwise"),
        r"in the other order: return \(depthwise, pointwise\)",
    ),
    "depthwise_separable_cost, an f x f pointwise convolution": (
        "depthwise_separable_cost",
        ("pointwise = n_H * n_W * n_C_prev * n_C", "pointwise = n_H * n_W * n_C_prev * n_C * f * f"),
        r"the pointwise convolution is 1 x 1",
    ),
    "inverted_residual_block, a bias in the expansion": (
        "inverted_residual_block",
        ("Conv2D(expansion * n_C_prev, 1, use_bias=False,", "Conv2D(expansion * n_C_prev, 1,"),
        r"'block_2_expand' has a bias.*pass use_bias=False",
    ),
    "inverted_residual_block, a ReLU in the projection": (
        "inverted_residual_block",
        ('Conv2D(filters, 1, use_bias=False, name=f"{prefix}project")',
         'Conv2D(filters, 1, use_bias=False, activation="relu", name=f"{prefix}project")'),
        r"'block_2_project' has activation 'relu'.*linear bottleneck",
    ),
    "mobilenet_v2, blocks numbered again in each row": (
        "mobilenet_v2",
        ("s if i == 0 else 1, block_id)", "s if i == 0 else 1, i)"),
        r"two layers of the same name.*Number the blocks from 0 through the whole network",
    ),
    "rgb_pca, np.cov with pixels as variables": (
        "rgb_pca",
        ("np.cov(pixels, rowvar=False)", "np.cov(pixels)"),
        r"eigenvalues has shape \(90,\); expected \(3,\)\. np.cov takes each row as a variable",
    ),
    "rgb_pca, eigenvectors left in increasing order": (
        "rgb_pca",
        ("eigenvectors[:, order]", "eigenvectors"),
        r"still in np.linalg.eigh's increasing order",
    ),
    "rgb_pca, eigenvectors as rows": (
        "rgb_pca",
        ("eigenvectors[:, order]\n", "eigenvectors[:, order].T\n"),
        r"are the columns of np.linalg.eigh's second result, not its rows",
    ),
    "pca_color_augment, no eigenvalues": (
        "pca_color_augment",
        ("(alphas * eigenvalues)", "alphas"),
        r"You left out the eigenvalues",
    ),
    "pca_color_augment, one draw for every image": (
        "pca_color_augment",
        ("(alphas * eigenvalues)", "(alphas[:1] * eigenvalues)"),
        r"That is image 0's shift: .* image j uses alphas\[j\]",
    ),
}  # fmt: skip


@pytest.mark.parametrize("bug", COMMON_BUGS, ids=list(COMMON_BUGS))
def test_common_bugs_are_named(bug):
    grade_id, *replacements, message = COMMON_BUGS[bug]
    broken = mutant(CHAPTER, grade_id, *replacements)
    with pytest.raises(CheckFailed, match=message):
        getattr(checks, f"check_{grade_id}")(broken[grade_id])


def test_inverted_residual_numbers_catch_a_wrong_activation_cap():
    """ReLU(6.0) and ReLU(max_value=6.0) are the same layer; a cap of 4 differs in kind, and
    the message names the layer."""
    rejects(
        (
            "inverted_residual_block",
            (
                'layers.ReLU(6.0, name=f"{prefix}depthwise_relu")',
                'layers.ReLU(4.0, name=f"{prefix}depthwise_relu")',
            ),
        ),  # fmt: skip
        "check_inverted_residual_block",
        "depthwise_relu",
    )


def test_wrong_stride_in_mobilenet_v2_is_located(solved):
    rejects(
        ("mobilenet_v2", ("(6, 96, 3, 1)", "(6, 96, 3, 2)")),
        "check_mobilenet_v2",
        "Block 10 is in row 5 of the table: expansion 6, 96 filters, stride 1",
    )


def test_unnamed_pooling_layer_is_named():
    rejects(
        (
            "mobilenet_v2",
            (
                'GlobalAveragePooling2D(name="global_average_pooling2d")',
                'GlobalAveragePooling2D(name="pool")',
            ),
        ),  # fmt: skip
        "check_mobilenet_v2",
        'name="global_average_pooling2d"',
    )


@pytest.mark.parametrize(
    "replacement, message",
    [
        (
            ("order = np.argsort(eigenvalues)[::-1]", "order = np.argsort(eigenvalues)"),
            "increasing order",
        ),  # fmt: skip
        (
            ("pixels = images.reshape(-1, 3)", "pixels = images.reshape(len(images), -1)[:, :3]"),
            "eigenvalues",
        ),  # fmt: skip
        (("eigenvectors[:, order]", "eigenvectors[order, :]"), "reordered the rows"),
    ],
)
def test_rgb_pca_bugs_are_named(replacement, message):
    rejects(("rgb_pca", replacement), "check_rgb_pca", message)


@pytest.mark.parametrize(
    "replacement, message",
    [
        (("(alphas * eigenvalues)", "(alphas * np.sqrt(eigenvalues))"), "square roots"),
        (("@ eigenvectors.T", "@ eigenvectors"), "eigenvectors @ \\(alphas \\* eigenvalues\\)"),
        (
            (
                "shifts[:, None, None, :]",
                "shifts[:, None, None, :] * np.random.default_rng(0).uniform(0.5, 1.5, images.shape)",
            ),
            "not all moved by the same vector",
        ),  # fmt: skip
    ],
)
def test_pca_color_augment_bugs_are_named(replacement, message):
    rejects(("pca_color_augment", replacement), "check_pca_color_augment", message)


def test_pca_color_augment_must_clip_and_keep_the_dtype():
    broken = mutant(CHAPTER, "pca_color_augment", ("return np.clip(augmented, 0, 1).astype(images.dtype)", "return augmented.astype(images.dtype)"))  # fmt: skip
    with pytest.raises(CheckFailed, match="clip them to \\[0, 1\\]"):
        checks.check_pca_color_augment(broken["pca_color_augment"])
    broken = mutant(CHAPTER, "pca_color_augment", ("return np.clip(augmented, 0, 1).astype(images.dtype)", "return np.clip(augmented, 0, 1)"))  # fmt: skip
    with pytest.raises(CheckFailed, match="dtype float64; the images have float32"):
        checks.check_pca_color_augment(broken["pca_color_augment"])


def test_unwritten_function_says_to_write_it():
    def stub(*args):
        raise NotImplementedError()

    stub.__name__ = "conv_cost"
    with pytest.raises(CheckFailed, match="conv_cost is not written yet"):
        checks.check_conv_cost(stub)


def test_a_fractional_count_is_explained():
    with pytest.raises(CheckFailed, match="not a whole number"):
        checks.check_conv_cost(lambda n_H, n_W, n_C_prev, n_C, f: ((f * f * n_C_prev + 1) * n_C, n_H * n_W * n_C * f * f * n_C_prev + 0.5))  # fmt: skip


# ------------------------------------------------------------ the shipped pre-trained base
def test_pretrained_base_matches_its_checksum_and_the_architecture():
    """data/efficient_nets_faces_base.npz is what its checksum says, and holds exactly the
    weights (names and shapes) of the base of the chapter's small_mobilenet."""
    from helpers.grading.pretrain import EFFICIENT_CELLS, chapter_namespace

    path = references.PRETRAINED
    recorded = weights.checksum_path(path).read_text().split()
    assert recorded == [weights.file_sha256(path), path.name]
    assert path.stat().st_size <= 10 * 2**20
    chapter = chapter_namespace(CHAPTER, EFFICIENT_CELLS)
    base = chapter["base_of"](chapter["small_mobilenet"](20))
    with np.load(path) as stored:
        shapes = {key: stored[key].shape for key in stored.files}
    assert shapes == {weight.path: tuple(weight.shape) for weight in base.weights}
    references.load_pretrained(base)
    with np.load(path) as stored:
        assert np.array_equal(base.get_layer("Conv_1").kernel.numpy(), stored["Conv_1/kernel"])


@pytest.mark.slow
def test_pretraining_repeats_exactly(tmp_path):
    """Seeds and deterministic ops: two runs write the same bytes (a tiny run, same code path)."""
    from helpers.grading.pretrain import pretrain_efficient_nets as pretrain

    first = pretrain(tmp_path / "a.npz", images=1, epochs=1)
    second = pretrain(tmp_path / "b.npz", images=1, epochs=1)
    assert first["sha256"] == second["sha256"]
    assert re.search(r"500 identities x 1 epochs", first["summary"])


# --------------------------------------------------- the base: ImageNet's if cached, else ours
IMAGENET_96 = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"


def refuse_downloads(monkeypatch) -> None:
    """Make any download fail the test: keras.utils.get_file, which keras.applications calls
    for weights="imagenet", and urllib underneath it."""
    import keras.src.utils.file_utils as file_utils

    def refuse(*args, **kwargs):
        raise AssertionError(f"a download was attempted: {args}")

    monkeypatch.setattr(file_utils, "get_file", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)


def write_keras_weights_file(model, path) -> None:
    """Write ``model``'s weights in the layout of Keras' ImageNet files (Keras 2's HDF5
    ``save_weights``, which keras.applications reads by the ".h5" ending). Keras 3's own
    ``save_weights`` writes only ".weights.h5" files, a different layout."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as stored:
        legacy_h5_format.save_weights_to_hdf5_group(stored, model)


def test_without_imagenet_weights_the_notebook_uses_the_course_base(tmp_path, monkeypatch):
    """The state of an offline machine: no ImageNet file of MobileNetV2 1.0 in Keras' cache (a
    file of another width does not count), so the course's base, and no download attempted."""
    from helpers.grading.pretrain import chapter_namespace

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    refuse_downloads(monkeypatch)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / IMAGENET_96.replace("_1.0_", "_0.35_")).write_bytes(b"")
    assert references.keras_models_folders()[0] == tmp_path / "models"
    assert references.imagenet_weights_file(96) is None
    chapter = chapter_namespace(CHAPTER, ("small-mobilenet", "transfer-base"))
    choice = chapter["BASE"]
    assert (choice.kind, choice.path) == ("course", references.PRETRAINED)
    assert str(tmp_path / "models") in choice.description
    assert chapter["network"] is chapter["small_mobilenet"]
    base = chapter["base_of"](chapter["network"](20))
    references.load_base(base, choice)
    with np.load(references.PRETRAINED) as stored:
        assert np.array_equal(base.get_layer("Conv_1").kernel.numpy(), stored["Conv_1/kernel"])


def test_with_imagenet_weights_cached_the_notebook_loads_them(tmp_path, monkeypatch):
    """A file of the expected name in $KERAS_HOME/models (random weights, written as Keras'
    ImageNet files are): the notebook's cell picks it, builds the whole MobileNetV2 on upsampled
    images, and loads every layer of its base from the file, without a download."""
    from helpers.grading.pretrain import chapter_namespace

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    refuse_downloads(monkeypatch)
    keras.utils.set_random_seed(7)
    stored = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))  # fmt: skip
    path = tmp_path / "models" / IMAGENET_96
    write_keras_weights_file(stored, path)
    assert references.imagenet_weights_file(96) == path
    chapter = chapter_namespace(CHAPTER, ("small-mobilenet", "transfer-base"))
    choice = chapter["BASE"]
    assert (choice.kind, choice.path) == ("imagenet", path) and str(path) in choice.description
    assert chapter["network"] is chapter["imagenet_mobilenet"]
    model = chapter["network"](20)
    assert model.output.shape == (None, 20) and model.get_layer("upsample").output.shape == (None, 96, 96, 3)  # fmt: skip
    base = chapter["base_of"](model)
    references.load_base(base, choice)
    with_weights = [layer for layer in base.layers if layer.weights]
    assert len(with_weights) == len([layer for layer in stored.layers if layer.weights])
    for layer in with_weights:
        for got, want in zip(layer.get_weights(), stored.get_layer(layer.name).get_weights(), strict=True):  # fmt: skip
            np.testing.assert_array_equal(got, want)
    assert any(layer.name.startswith(chapter["FINE_TUNED"]) for layer in with_weights)


def test_imagenet_file_preference_and_the_full_network_file(tmp_path, monkeypatch):
    """Without the classifier first, the size nearest the images' first; a file of the whole
    network (with its 1000-class classifier) also gives the base."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    refuse_downloads(monkeypatch)
    models = tmp_path / "models"
    keras.utils.set_random_seed(8)
    whole = keras.applications.MobileNetV2(weights=None, include_top=True, input_shape=(96, 96, 3))
    write_keras_weights_file(whole, models / IMAGENET_96.replace("_96_no_top", "_224"))
    assert references.imagenet_weights_file(96) == models / IMAGENET_96.replace("_96_no_top", "_224")  # fmt: skip
    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(64, 64, 3))
    references.load_base(base, references.transfer_base(96))
    np.testing.assert_array_equal(base.get_layer("Conv_1").kernel.numpy(), whole.get_layer("Conv_1").kernel.numpy())  # fmt: skip
    for size in (224, 128):
        (models / IMAGENET_96.replace("_96_", f"_{size}_")).write_bytes(b"")
    assert references.imagenet_weights_file(96).name == IMAGENET_96.replace("_96_", "_128_")
    assert references.imagenet_weights_file(200).name == IMAGENET_96.replace("_96_", "_224_")


def test_the_summary_cell_lists_every_exercise_and_is_worth_no_points():
    """The last code cell before the recap: 0 points, every solution cell's grade id in order."""
    import ast

    from helpers.grading.solutions import solution_cells, source_notebook

    cells = source_notebook(CHAPTER).cells
    index = next(i for i, cell in enumerate(cells) if cell.get("id") == "exercise-summary")
    cell = cells[index]
    assert cell.metadata["nbgrader"]["grade"] and cell.metadata["nbgrader"]["points"] == 0
    call = ast.parse(cell.source).body[-1].value
    assert ast.unparse(call.func) == "checks.exercise_summary"
    assert ast.literal_eval(call.args[0]) == list(solution_cells(CHAPTER))
    after = cells[index + 1 :]
    assert after[0].cell_type == "markdown" and after[0].source.startswith("## Recap")
    assert all(later.cell_type == "markdown" for later in after)
