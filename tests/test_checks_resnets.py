"""The chapter 03 checks: they accept the instructor's solutions, and for the usual bugs they
fail with a message that names the layer and the cause. The references are checked too: the
TensorFlow-ops block against the blocks of keras.applications.ResNet50 and against a case
worked by hand, and the figures the text quotes against Keras' own counts."""

from __future__ import annotations

import re
from dataclasses import replace

import keras
import numpy as np
import pytest
from solution_harness import assert_cause_named, mutant

from helpers import weights
from helpers.checks import resnets as checks
from helpers.checks.common import CheckFailed
from helpers.checks.models import layer_kind
from helpers.grading.solutions import source_notebook
from helpers.references import resnets as references

CHAPTER = "03_resnets"


# ------------------------------------------------------------- the solutions pass
@pytest.mark.parametrize(
    "check, name",
    [
        (checks.check_identity_block, "identity_block"),
        (checks.check_convolutional_block, "convolutional_block"),
    ],
)
def test_visible_block_checks_accept_the_solutions(solved, check, name, capsys):
    check(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_visible_resnet50_check_accepts_the_solution(solved, capsys):
    checks.check_resnet50(solved["resnet50"])
    assert "25,636,712 parameters" in capsys.readouterr().out


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_identity_cases(seed=1, count=8):
        checks.compare_identity_block(solved["identity_block"], case)
        checks.compare_identity_shortcut(solved["identity_block"], case)
    for case in checks.random_convolutional_cases(seed=1, count=8):
        checks.compare_convolutional_block(solved["convolutional_block"], case)
        checks.compare_convolutional_shortcut(solved["convolutional_block"], case)
    checks.compare_resnet50(solved["resnet50"], input_shape=(40, 56, 3), num_classes=3)


def test_compare_functions_return_none(solved):
    """nbgrader reads the value of a test cell's last line as partial credit."""
    identity = next(checks.random_identity_cases(seed=2, count=1))
    projection = next(checks.random_convolutional_cases(seed=2, count=1))
    assert checks.compare_identity_block(solved["identity_block"], identity) is None
    assert checks.compare_identity_shortcut(solved["identity_block"], identity) is None
    assert checks.compare_convolutional_block(solved["convolutional_block"], projection) is None
    assert checks.compare_convolutional_shortcut(solved["convolutional_block"], projection) is None
    assert checks.compare_resnet50(solved["resnet50"], input_shape=(32, 32, 3), num_classes=2) is None  # fmt: skip


def test_random_cases_cover_what_the_hidden_tests_promise():
    identity = list(checks.random_identity_cases(seed=2015, count=200))
    assert {c.f for c in identity} == {1, 3, 5}
    assert {c.shortcut for c in identity} == {True, False}
    assert all(c.filters[2] == c.input_shape[2] for c in identity)
    assert any(c.input_shape[0] != c.input_shape[1] for c in identity)
    projection = list(checks.random_convolutional_cases(seed=1512, count=200))
    assert {c.stride for c in projection} == {1, 2, 3}
    assert {c.f for c in projection} == {1, 3, 5}
    assert any(c.filters[2] > c.input_shape[2] for c in projection)
    assert any(c.filters[2] < c.input_shape[2] for c in projection)
    # odd sizes with a stride: ceil(n / s) differs from n / s
    assert any(c.stride > 1 and c.input_shape[0] % c.stride for c in projection)


def test_cases_are_reproducible():
    first, second = (list(checks.random_convolutional_cases(seed=7, count=3)) for _ in range(2))
    assert first == second


def test_hidden_cases_differ_from_the_visible_ones():
    hidden = list(checks.random_identity_cases(seed=2015, count=10))
    hidden += list(checks.random_convolutional_cases(seed=1512, count=10))
    assert checks.VISIBLE_IDENTITY not in hidden and checks.VISIBLE_CONVOLUTIONAL not in hidden


# ------------------------------------------------------------- the references themselves
def randomised_resnet50(input_shape=(32, 32, 3)):
    """keras.applications.ResNet50 with random batch-norm statistics (fresh ones are 0 and 1,
    which would hide a wrong mean or variance)."""
    model = references.resnet50_reference(input_shape, 10)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.3, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, n).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.3, n).astype("float32"))
    return model


@pytest.mark.parametrize(
    "block, reads, stride, projection",
    [
        ("conv2_block1", "pool1_pool", 1, True),  # projection, stride 1: 64 -> 256 channels
        ("conv2_block2", "conv2_block1_out", 1, False),  # identity
        ("conv3_block1", "conv2_block3_out", 2, True),  # projection, stride 2
    ],
)
def test_reference_block_gives_keras_applications_numbers(block, reads, stride, projection):
    """The TensorFlow-ops block, on the weights of a block of keras.applications.ResNet50,
    gives that block's every layer output (inference mode) to 1e-5."""
    model = randomised_resnet50()
    roles = references.block_roles(projection=projection)
    probe = keras.Model(model.inputs[0], [model.get_layer(reads).output]
                        + [model.get_layer(f"{block}_{role}").output for role in roles])  # fmt: skip
    x = np.random.default_rng(1).normal(0, 1, (2, 32, 32, 3)).astype("float32")
    block_input, *outputs = (np.asarray(v) for v in probe(x, training=False))
    weights = {
        role: references.layer_weights(model.get_layer(f"{block}_{role}"))
        for role in roles
        if role.endswith(("_conv", "_bn"))
    }
    expected = references.bottleneck_reference(block_input, weights, stride=stride, projection=projection)  # fmt: skip
    for role, got in zip(roles, outputs, strict=True):
        np.testing.assert_allclose(expected[role], got, rtol=1e-5, atol=1e-5, err_msg=role)
    if projection:
        shortcut = references.projection_reference(block_input, weights, stride=stride)
        np.testing.assert_allclose(shortcut, outputs[roles.index("0_bn")], rtol=1e-5, atol=1e-5)


def test_reference_block_on_a_case_worked_by_hand():
    """One number, one channel, every convolution the identity (kernel 1, bias 0) except where
    said, every batch norm the identity (gamma 1, beta 0, mean 0, variance 1 - epsilon):
    x = 2 goes through the branch unchanged, so add = 2 + 2 = 4 and out = 4; the plain block
    outputs relu(2) = 2. With the last kernel -1 the branch gives -2: add = 0, out = 0."""
    eps = 1e-3
    conv = {"kernel": np.ones((1, 1, 1, 1), np.float32), "bias": np.zeros(1, np.float32)}
    bn = {"gamma": np.ones(1), "beta": np.zeros(1), "moving_mean": np.zeros(1),
          "moving_variance": np.full(1, 1 - eps), "epsilon": eps}  # fmt: skip
    weights = {role: conv if role.endswith("conv") else bn for role in ("1_conv", "1_bn", "2_conv", "2_bn", "3_conv", "3_bn")}  # fmt: skip
    x = np.full((1, 1, 1, 1), 2.0, np.float32)
    residual = references.bottleneck_reference(x, weights)
    assert residual["add"].item() == pytest.approx(4.0) and residual["out"].item() == pytest.approx(4.0)  # fmt: skip
    plain = references.bottleneck_reference(x, weights, shortcut=False)
    assert "add" not in plain and plain["out"].item() == pytest.approx(2.0)
    weights["3_conv"] = {"kernel": -np.ones((1, 1, 1, 1), np.float32), "bias": np.zeros(1, np.float32)}  # fmt: skip
    flipped = references.bottleneck_reference(x, weights)
    assert flipped["3_bn"].item() == pytest.approx(-2.0) and flipped["out"].item() == pytest.approx(0.0)  # fmt: skip


def test_resnet50_reference_matches_the_paper():
    """He et al. 2015, Table 1: conv1 7 x 7, 64, stride 2; 3 x 3 max pooling, stride 2; then
    3, 4, 6 and 3 bottleneck blocks of (64, 64, 256) ... (512, 512, 2048), down-sampling in
    conv3_1, conv4_1 and conv5_1; global average pooling and a 1000-way dense layer."""
    model = references.resnet50_reference()
    conv1 = model.get_layer("conv1_conv")
    assert (conv1.filters, conv1.kernel_size, conv1.strides) == (64, (7, 7), (2, 2))
    assert tuple(model.get_layer("pool1_pool").output.shape[1:]) == (56, 56, 64)
    names = [layer.name for layer in model.layers]
    for stage, (blocks, (F1, F2, F3)) in enumerate(zip(references.PAPER["resnet50_blocks"], references.PAPER["resnet50_filters"], strict=True), start=2):  # fmt: skip
        assert f"conv{stage}_block{blocks}_out" in names
        assert f"conv{stage}_block{blocks + 1}_out" not in names
        block = f"conv{stage}_block1"
        filters = [model.get_layer(f"{block}_{i}_conv").filters for i in (1, 2, 3)]
        assert filters == [F1, F2, F3]
        stride = 1 if stage == 2 else 2
        assert model.get_layer(f"{block}_1_conv").strides == (stride, stride)
        assert model.get_layer(f"{block}_0_conv").strides == (stride, stride)
    assert tuple(model.get_layer("conv5_block3_out").output.shape[1:]) == (7, 7, 2048)
    assert model.get_layer("predictions").units == 1000
    assert model.count_params() == 25_636_712


def markdown_text() -> str:
    cells = source_notebook(CHAPTER).cells
    return " ".join(" ".join(c.source for c in cells if c.cell_type == "markdown").split())


def test_the_chapter_quotes_keras_counts():
    """Every count the text gives a learner is Keras' own (the worked examples included)."""
    text = markdown_text()
    model = references.resnet50_reference()

    def block_params(block):
        return sum(layer.count_params() for layer in model.layers if layer.name.startswith(f"{block}_"))  # fmt: skip

    assert f"**{block_params('conv2_block2'):,}**" in text
    assert f"**{block_params('conv2_block1'):,}**" in text
    projection = sum(model.get_layer(f"conv2_block1_0_{r}").count_params() for r in ("conv", "bn"))
    assert f"= {projection:,}$ parameters".replace(",", "{,}") in text  # LaTeX: 17{,}664
    assert f"{model.count_params():,} parameters must equal" in text
    conv_biases = sum(layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D))  # fmt: skip
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    moving = model.count_params() - trainable
    assert f"({conv_biases:,} of them)" in text and f"({moving:,} numbers)" in text
    assert f"the {model.count_params() - conv_biases - moving:,} of the original model" in text
    fc1_vgg = (7 * 7 * 512 + 1) * 4096  # VGG-16's fc1, chapter 02
    assert f"fc1 alone has {round(fc1_vgg / 1e6)} million" in text
    top = model.get_layer("predictions").count_params()
    assert f"the whole top has {round(top / 1e6)} million parameters" in text
    conv3 = model.get_layer("conv3_block1_0_conv").count_params() + model.get_layer("conv3_block1_0_bn").count_params()  # fmt: skip
    assert f"its batch norm: {conv3:,}." in text
    layer_count = len(model.layers) - 1
    assert f"compares every one of the {layer_count} layers" in text


def test_the_chapter_quotes_the_papers_figures():
    text = markdown_text()
    paper = references.PAPER
    assert f"{paper['cifar_resnet110_error_relu_before_add']} % test error instead of {paper['cifar_resnet110_error_original']} %" in text  # fmt: skip
    assert f"{paper['vgg19_multiply_adds'] / 1e9} billion for VGG-19" in text
    assert f"{paper['resnet34_multiply_adds'] / 1e9} billion for their 34-layer" in text
    assert re.search(r"3 \+ 4 \+ 6 \+ 3 bottleneck blocks", text)
    assert paper["resnet50_blocks"] == (3, 4, 6, 3)


# ------------------------------------------------------------------ planted bugs
def test_unwritten_block_says_to_write_it():
    def identity_block(X, f, filters, name, shortcut=True):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="identity_block is not written yet"):
        checks.check_identity_block(identity_block)


RELU_BEFORE_ADD = (
    """    if shortcut:
        X = layers.Add(name=f"{name}_add")([X_shortcut, X])
    X = layers.Activation("relu", name=f"{name}_out")(X)""",
    """    X = layers.Activation("relu", name=f"{name}_out")(X)
    if shortcut:
        X = layers.Add(name=f"{name}_add")([X_shortcut, X])""",
)


def test_relu_before_the_addition_is_named():
    broken = mutant(CHAPTER, "identity_block", RELU_BEFORE_ADD)
    with pytest.raises(CheckFailed) as raised:
        checks.check_identity_block(broken["identity_block"])
    assert str(raised.value) == (
        "identity_block: layer 'check_block2_add' reads check_block2_out and X (the block's "
        "input); it should read check_block2_3_bn and X (the block's input). "
        "The shortcut is X itself, or its projection: add it to the output of the last batch norm."
    )


def test_plain_block_that_still_adds_is_named():
    broken = mutant(CHAPTER, "identity_block", ("    if shortcut:\n        X = layers.Add", "    if True:\n        X = layers.Add"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layers it should not have: \['check_block2_add'\]\. With shortcut=False the block is plain"):  # fmt: skip
        checks.check_identity_block(broken["identity_block"])


def test_valid_padding_in_the_middle_is_explained():
    broken = mutant(CHAPTER, "identity_block", ('layers.Conv2D(F2, f, padding="same"', "layers.Conv2D(F2, f"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"the two tensors you add have different shapes \(shapes \(6, 5, 8\) and \(4, 3, 8\)\)\. .*padding=\"same\" in the middle convolution"):  # fmt: skip
        checks.check_identity_block(broken["identity_block"])


def test_a_wrong_number_is_found_in_the_layer_that_computes_it():
    """A dilated middle convolution has the right kernel, shape and count: only the numbers
    show it, and the message names the layer whose output differs first."""
    broken = mutant(CHAPTER, "identity_block", ('padding="same", name=f"{name}_2_conv"', 'padding="same", dilation_rate=2, name=f"{name}_2_conv"'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"identity_block: the output of layer check_block2_2_conv differs from the reference \(TensorFlow ops, your weights, inference mode\) on X of shape \(m, 6, 5, 8\)"):  # fmt: skip
        checks.check_identity_block(broken["identity_block"])


def test_a_missing_shortcut_is_caught_by_the_zeroed_branch():
    """Adding the branch to itself instead of X: the zeroed-branch test sees the shortcut is
    missing (the block outputs 0 instead of ReLU(X)); the visible check names the wiring."""
    broken = mutant(CHAPTER, "identity_block", ("([X_shortcut, X])", "([X, X])"))
    case = next(checks.random_identity_cases(seed=2016, count=1))
    with pytest.raises(CheckFailed, match=r"identity_block: the block's output differs from ReLU\(X\), the ReLU of the block's input \(the last batch norm's scale and offset set to 0"):  # fmt: skip
        checks.compare_identity_shortcut(broken["identity_block"], case)
    with pytest.raises(CheckFailed, match="layer 'check_block2_add' reads"):
        checks.check_identity_block(broken["identity_block"])


def test_stride_on_the_middle_convolution_is_named():
    """ResNet v1.5 puts the stride on the 3 x 3 convolution; this chapter (and Keras) on the 1 x 1."""
    broken = mutant(CHAPTER, "convolutional_block", (
        'X = layers.Conv2D(F1, 1, strides=stride, name=f"{name}_1_conv")(X)', 'X = layers.Conv2D(F1, 1, name=f"{name}_1_conv")(X)'), (
        'layers.Conv2D(F2, f, padding="same", name', 'layers.Conv2D(F2, f, strides=stride, padding="same", name'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 'check_block1_1_conv' has strides \(1, 1\); expected 2: the stride goes on the first 1 x 1 convolution and the projection shortcut"):  # fmt: skip
        checks.check_convolutional_block(broken["convolutional_block"])


def test_shortcut_without_the_stride_is_explained():
    broken = mutant(CHAPTER, "convolutional_block", ('layers.Conv2D(F3, 1, strides=stride, name=f"{name}_0_conv")', 'layers.Conv2D(F3, 1, name=f"{name}_0_conv")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"different shapes \(shapes \(7, 6, 8\) and \(4, 3, 8\)\).*with the same stride as the branch's first convolution"):  # fmt: skip
        checks.check_convolutional_block(broken["convolutional_block"])


def test_shortcut_without_batch_norm_is_named():
    broken = mutant(CHAPTER, "convolutional_block", ('    X_shortcut = layers.BatchNormalization(name=f"{name}_0_bn")(X_shortcut)\n', ""))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"no layer named 'check_block1_0_bn' \(the batch norm of the projection shortcut\)\. Pass name=f\"\{name\}_0_bn\" to that layer"):  # fmt: skip
        checks.check_convolutional_block(broken["convolutional_block"])


def test_zeroed_branch_finds_a_projection_that_is_not_added():
    """A projection left out of the addition is not part of the block at all; one added with the
    wrong sign is, and only the numbers of the zeroed branch show it."""
    case = next(checks.random_convolutional_cases(seed=3385, count=1))
    unused = mutant(CHAPTER, "convolutional_block", ("([X_shortcut, X])", "([X, X])"))
    with pytest.raises(CheckFailed, match=r"the block's output does not depend on a layer named 'stage2_block1_0_conv' \(the projection shortcut's 1 x 1 convolution .*left out of the addition\?"):  # fmt: skip
        checks.compare_convolutional_shortcut(unused["convolutional_block"], case)
    negated = mutant(CHAPTER, "convolutional_block", ('X = layers.Add(name=f"{name}_add")([X_shortcut, X])', 'X = layers.Add(name=f"{name}_add")([layers.Lambda(lambda t: -t)(X_shortcut), X])'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"differs from ReLU\(BN\(conv\(X\)\)\), the ReLU of the projection shortcut"):  # fmt: skip
        checks.compare_convolutional_shortcut(negated["convolutional_block"], case)


def test_stride_in_the_first_stage_is_named(solved):
    broken = mutant(CHAPTER, "resnet50", ("(2, 3, 64, 1)", "(2, 3, 64, 2)"))
    with pytest.raises(CheckFailed) as raised:
        checks.check_resnet50(broken["resnet50"])
    assert str(raised.value) == (
        "resnet50: layer 'conv2_block1_1_conv' has output shape (None, 28, 28, 64); "
        "keras.applications.ResNet50 gives (None, 56, 56, 64). conv2_block1 is a convolutional "
        "block with stride 1: the max pooling has already halved the size, only the channels "
        "change (64 -> 256)."
    )


def test_missing_block_is_named():
    broken = mutant(CHAPTER, "resnet50", ("(4, 6, 256, 2)", "(4, 5, 256, 2)"))
    with pytest.raises(CheckFailed, match=r"keras.applications.ResNet50 has a layer 'conv4_block6_1_conv' \(Conv2D\); yours has none\. .* conv4_block6 is an identity block"):  # fmt: skip
        checks.check_resnet50(broken["resnet50"])


def test_flatten_instead_of_global_pooling_is_named():
    broken = mutant(CHAPTER, "resnet50", ('layers.GlobalAveragePooling2D(name="avg_pool")', 'layers.Flatten(name="avg_pool")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 'avg_pool' is a Flatten layer; keras.applications.ResNet50 has a GlobalAveragePooling2D"):  # fmt: skip
        checks.check_resnet50(broken["resnet50"])


def test_convolutions_without_bias_are_named():
    broken = mutant(CHAPTER, "resnet50", ('layers.Conv2D(64, 7, strides=2, name="conv1_conv")', 'layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 'conv1_conv' has 9,408 parameters; keras.applications.ResNet50's has 9,472\. Did you turn off the layer's bias \(use_bias=False\)\? keras.applications.ResNet50's keeps it"):  # fmt: skip
        checks.check_resnet50(broken["resnet50"])


def test_relu_layer_or_activation_both_count():
    relu, activation = keras.layers.ReLU(), keras.layers.Activation("relu")
    assert layer_kind(relu) == layer_kind(activation) == "ReLU"
    assert layer_kind(keras.layers.ReLU(max_value=6.0)) != "ReLU"
    assert layer_kind(keras.layers.Activation("tanh")) == "Activation"


def test_a_block_case_describes_itself():
    case = replace(checks.VISIBLE_IDENTITY, shortcut=False)
    assert case.describe("identity").endswith("shortcut=False")
    assert checks.VISIBLE_CONVOLUTIONAL.output_size() == (4, 3)  # ceil(7 / 2), ceil(6 / 2)


# ------------------------------------------------------------ the shipped trained weights
def test_pretrained_weights_match_their_checksum_and_the_architecture():
    """data/resnets_small_shapes.npz is what its checksum says, and holds exactly the weights
    (names and shapes) of the chapter's small_resnet, built from the solutions."""
    from helpers.grading.pretrain import chapter_namespace

    path = references.PRETRAINED
    recorded = weights.checksum_path(path).read_text().split()
    assert recorded == [weights.file_sha256(path), path.name]
    model = chapter_namespace()["small_resnet"]()
    with np.load(path) as stored:
        shapes = {key: stored[key].shape for key in stored.files}
    assert shapes == {weight.path: tuple(weight.shape) for weight in model.weights}
    references.load_pretrained(model)
    with np.load(path) as stored:
        assert np.array_equal(
            model.get_layer("predictions").kernel.numpy(), stored["predictions/kernel"]
        )


def test_loading_refuses_a_damaged_file_or_another_network(tmp_path):
    inputs = keras.Input((4, 4, 3))
    small = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="c")(inputs))
    path = tmp_path / "w.npz"
    weights.save_weights(small, path)
    references.load_pretrained(small, path)  # its own file loads
    other = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="d")(inputs))
    with pytest.raises(ValueError, match="the network has a weight 'd/kernel' the file does not hold"):  # fmt: skip
        references.load_pretrained(other, path)
    damaged = bytearray(path.read_bytes())
    damaged[-30] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="w.npz does not match its checksum"):
        references.load_pretrained(small, path)
    with pytest.raises(FileNotFoundError, match="run `make pretrain`"):
        references.load_pretrained(small, tmp_path / "missing.npz")


@pytest.mark.slow
def test_pretraining_repeats_exactly(tmp_path):
    """Seeds and deterministic ops: two runs write the same bytes (a tiny run, same code path)."""
    from helpers.grading.pretrain import pretrain_resnets as pretrain

    first = pretrain(tmp_path / "a.npz", images=32, epochs=1, test_images=32)
    second = pretrain(tmp_path / "b.npz", images=32, epochs=1, test_images=32)
    assert first["sha256"] == second["sha256"]
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


# ------------------------------------------------ common wrong answers, each with its cause
# Each entry plants one bug that learners write into the solution and gives the sentence the
# visible check must then show (a regular expression). The bugs the tests above plant (the
# ReLU before the addition, valid padding, the stride on the 3 x 3 convolution or not on the
# shortcut, a shortcut without batch norm, the stride of conv2, a missing block, Flatten,
# convolutions without bias) are not repeated.
BN_RELU_1 = (
    '    X = layers.BatchNormalization(name=f"{name}_1_bn")(X)\n'
    '    X = layers.Activation("relu", name=f"{name}_1_relu")(X)\n'
)
BN_RELU_2 = (
    '    X = layers.BatchNormalization(name=f"{name}_2_bn")(X)\n'
    '    X = layers.Activation("relu", name=f"{name}_2_relu")(X)\n'
)
LAST_BN = '    X = layers.BatchNormalization(name=f"{name}_3_bn")(X)\n'
COMMON_BUGS = {
    "identity_block, ReLU before batch norm": (
        "identity_block",
        (BN_RELU_1, "".join(reversed(BN_RELU_1.splitlines(keepends=True)))),
        r"layer 'check_block2_1_bn' reads check_block2_1_relu; it should read check_block2_1_conv\. Each convolution is followed by its batch norm, then the ReLU",
    ),
    "identity_block, a named ReLU at the end of the branch": (
        "identity_block",
        (LAST_BN, LAST_BN + '    X = layers.Activation("relu", name=f"{name}_3_relu")(X)\n'),
        r"layers it should not have: \['check_block2_3_relu'\]\. The branch ends with its last batch norm, without a ReLU: with one, F\(x\) >= 0",
    ),
    "identity_block, an unnamed ReLU at the end of the branch": (
        "identity_block",
        (LAST_BN, LAST_BN + "    X = layers.ReLU()(X)\n"),
        r"layers it should not have: \['re_lu.*'\]\. The branch ends with its last batch norm, without a ReLU",
    ),
    "identity_block, F3 filters in the first convolution": (
        "identity_block",
        ('layers.Conv2D(F1, 1, name=f"{name}_1_conv")', 'layers.Conv2D(F3, 1, name=f"{name}_1_conv")'),
        r"layer 'check_block2_1_conv' has output shape \(None, 6, 5, 8\), expected \(None, 6, 5, 2\) .*filters = \(F1, F2, F3\) = \(2, 3, 8\): the first 1 x 1 convolution has F1 filters",
    ),
    "convolutional_block, ReLU before batch norm": (
        "convolutional_block",
        (BN_RELU_2, "".join(reversed(BN_RELU_2.splitlines(keepends=True)))),
        r"layer 'check_block1_2_bn' reads check_block1_2_relu; it should read check_block1_2_conv\. Each convolution is followed by its batch norm",
    ),
    "resnet50, blocks that end at the stage's width": (
        "resnet50",
        ("filters = (width, width, 4 * width)", "filters = (width, width, width)"),
        r"layer 'conv2_block1_[03]_conv' has output shape \(None, 56, 56, 64\); keras.applications.ResNet50 gives \(None, 56, 56, 256\)\. The last 1 x 1 convolution of every block, and the projection shortcut, have 4 times the stage's width",
    ),
    "resnet50, padding='same' instead of conv1_pad": (
        "resnet50",
        ('x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)\n    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)',
         'x = layers.Conv2D(64, 7, strides=2, padding="same", name="conv1_conv")(inputs)'),
        r"has a layer 'conv1_pad' \(ZeroPadding2D\); yours has none\. Name each layer as Keras does\. Keras pads explicitly: ZeroPadding2D\(3, name=\"conv1_pad\"\)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("bug", COMMON_BUGS)
def test_common_wrong_answers_get_their_cause(bug):
    name, *replacements, message = COMMON_BUGS[bug]
    assert_cause_named(CHAPTER, name, replacements, getattr(checks, f"check_{name}"), message)
