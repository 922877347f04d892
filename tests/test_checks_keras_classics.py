"""The chapter 02 checks: they accept the instructor's solutions, and for the usual bugs they
fail with a message that names the layer and the cause. References are Keras' own shapes and
counts, keras.applications.VGG16, and the numbers the papers print (worked out below)."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from solution_harness import assert_cause_named, mutant

from helpers.checks import keras_classics as checks
from helpers.checks.common import CheckFailed
from helpers.grading.solutions import source_notebook
from helpers.references import keras_classics as references

CHAPTER = "02_keras_classics"


@pytest.mark.parametrize(
    "check, name",
    [
        (checks.check_simple_convnet_sequential, "simple_convnet_sequential"),
        (checks.check_simple_convnet_functional, "simple_convnet_functional"),
        (checks.check_conv_output_shape, "conv_output_shape"),
        (checks.check_conv_layer_params, "conv_layer_params"),
        (checks.check_activation_table, "activation_table"),
        (checks.check_lenet5, "lenet5"),
        (checks.check_alexnet, "alexnet"),
        (checks.check_vgg16, "vgg16"),
        (checks.check_evaluate_accuracy, "evaluate_accuracy"),
    ],
)
def test_visible_checks_accept_the_solutions(solved, check, name, capsys):
    check(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_output_shape_cases(seed=1, count=30):
        checks.compare_conv_output_shape(solved["conv_output_shape"], case)
    for input_shape, architecture in checks.random_architectures(seed=1, count=8):
        checks.compare_activation_table(solved["activation_table"], input_shape, architecture)
    for activation, pooling in [("tanh", "average"), ("sigmoid", "max")]:
        checks.compare_lenet5(solved["lenet5"], activation=activation, pooling=pooling)
    checks.compare_alexnet(solved["alexnet"], input_shape=(99, 131, 3), num_classes=10)
    checks.compare_vgg16(solved["vgg16"], input_shape=(64, 96, 3), num_classes=10)
    for seed in range(20):
        checks.compare_evaluate_accuracy(solved["evaluate_accuracy"], seed=seed)
    for api in ("sequential", "functional"):
        checks.compare_simple_convnet(solved[f"simple_convnet_{api}"], api=api,
                                      input_shape=(40, 24, 1), num_classes=2)  # fmt: skip


def test_compare_functions_return_none(solved):
    """nbgrader reads the value of a test cell's last line as partial credit: a hidden test
    that ends with a compare_* call must not produce one."""
    case = next(checks.random_output_shape_cases(seed=1, count=1))
    assert checks.compare_conv_output_shape(solved["conv_output_shape"], case) is None
    assert checks.compare_conv_layer_params(solved["conv_layer_params"], 3, 2, 4) is None
    arch = references.lenet5_layers()
    assert checks.compare_activation_table(solved["activation_table"], (32, 32, 1), arch) is None
    assert checks.compare_lenet5(solved["lenet5"]) is None
    assert checks.compare_alexnet(solved["alexnet"], input_shape=(99, 99, 3)) is None
    assert checks.compare_vgg16(solved["vgg16"], input_shape=(32, 32, 3), num_classes=2) is None
    assert checks.compare_simple_convnet(solved["simple_convnet_functional"], api="functional") is None  # fmt: skip
    assert checks.compare_evaluate_accuracy(solved["evaluate_accuracy"], seed=1) is None


def test_random_cases_cover_what_the_hidden_tests_promise():
    cases = list(checks.random_output_shape_cases(seed=202, count=200))
    assert {c.stride for c in cases} == {1, 2, 3, 4}
    assert {c.padding for c in cases} == {"valid", "same"}
    assert {c.f for c in cases} == set(range(1, 8))
    assert any(c.input_shape[0] != c.input_shape[1] for c in cases)
    architectures = list(checks.random_architectures(seed=404, count=60))
    layers = [layer for _, arch in architectures for layer in arch]
    assert {layer["type"] for layer in layers} == {"conv", "pool", "flatten", "dense"}
    assert {layer.get("padding") for layer in layers if layer["type"] == "pool"} >= {
        "valid",
        "same",
    }
    assert {layer.get("stride") for layer in layers if layer["type"] == "conv"} == {1, 2, 3}
    assert any(shape[0] != shape[1] for shape, _ in architectures)


def test_cases_are_reproducible():
    first, second = (list(checks.random_architectures(seed=7, count=3)) for _ in range(2))
    assert first == second


# ------------------------------------------------------------- the references themselves
def chapter_formula(layer) -> int:
    """A built layer's parameter count by the chapter's formulas (its section 2), read from the
    layer's own shapes: conv (f * f * n_C_prev + 1) * n_C, dense (n_prev + 1) * units, pooling
    and flatten none. A grouped conv's filter reads n_C_prev / groups channels (section 5)."""
    n_prev = layer.input.shape[-1]
    if isinstance(layer, keras.layers.Conv2D):
        f_h, f_w = layer.kernel_size
        return (f_h * f_w * n_prev // layer.groups + 1) * layer.filters
    if isinstance(layer, keras.layers.Dense):
        return (n_prev + 1) * layer.units
    return 0


REFERENCE_MODELS = {
    "simple_convnet": lambda: references.reference_model(
        (32, 32, 1), references.simple_convnet_layers()
    ),
    "lenet5": lambda: references.reference_model((32, 32, 1), references.lenet5_layers()),
    "alexnet": lambda: references.reference_model((227, 227, 3), references.alexnet_layers()),
    "vgg16": references.vgg16_reference,
}


@pytest.mark.parametrize("network", REFERENCE_MODELS)
def test_reference_counts_follow_the_chapter_formulas(network):
    """Keras counts the weights it allocated; the chapter's formulas count from the shapes. The
    learner's conv_layer_params and activation_table are graded against the first, taught with
    the second: they must agree on every layer of every reference."""
    model = REFERENCE_MODELS[network]()
    layers = references.model_layers(model)
    for layer in layers:
        assert layer.count_params() == chapter_formula(layer), layer.name
    assert model.count_params() == sum(chapter_formula(layer) for layer in layers)


def test_lenet5_reference_matches_the_paper():
    """LeCun et al. 1998, section II.B: the maps of each layer, and the trainable parameters of
    the layers this chapter builds as the paper does: C1 156, C5 48,120, F6 10,164. (C3 and the
    output differ on purpose: test_lenet5_paper_layers_counted_in_keras.)"""
    model = references.reference_model((32, 32, 1), references.lenet5_layers())
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["C1"] == (28, 28, 6) and shapes["S2"] == (14, 14, 6)
    assert shapes["C3"] == (10, 10, 16) and shapes["S4"] == (5, 5, 16)
    assert shapes["C5"] == (1, 1, 120) and shapes["F6"] == (84,) and shapes["output"] == (10,)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert (counts["C1"], counts["C5"], counts["F6"]) == (156, 48_120, 10_164)


# LeCun et al. 1998, Table I: the S2 maps each C3 map reads. As section II.B sums it up: the
# first six C3 maps read every contiguous subset of three S2 maps, the next six every contiguous
# subset of four, the next three some non-contiguous subsets of four, the last one all six.
C3_CONNECTIONS = [
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
]  # fmt: skip


def test_lenet5_paper_layers_counted_in_keras():
    """The layers the chapter modernises, built in Keras as the paper describes them, give the
    paper's counts (section II.B): C3 1,516, S2 12, S4 32."""
    assert len(set(C3_CONNECTIONS)) == 16
    # C3: each map is a 5 x 5 filter (and a bias) over the S2 maps of its column of Table I.
    c3 = 0
    for maps in C3_CONNECTIONS:
        one_map = keras.layers.Conv2D(1, 5)
        one_map.build((None, 14, 14, len(maps)))
        c3 += one_map.count_params()
    assert c3 == 1_516
    # S2 and S4 (section II.B): the four inputs of a window are added, multiplied by a
    # trainable coefficient and shifted by a trainable bias, one pair per map. In Keras: average
    # pooling (no weights) followed by a 1 x 1 depthwise conv, one coefficient and one bias per
    # map. Built on the pooled maps: S2's 14 x 14 x 6 and S4's 5 x 5 x 16.
    for pooled_shape, paper in [((14, 14, 6), 12), ((5, 5, 16), 32)]:
        scale_and_bias = keras.layers.DepthwiseConv2D(1)
        scale_and_bias.build((None, *pooled_shape))
        assert scale_and_bias.count_params() == paper


# Krizhevsky et al. 2012, section 3.5: the kernels as printed, (f, f, depth, filters). conv2,
# conv4 and conv5 read only the kernel maps on their own GPU: half of the previous layer's.
ALEXNET_PAPER_KERNELS = {
    "conv1": (11, 11, 3, 96),
    "conv2": (5, 5, 48, 256),
    "conv3": (3, 3, 256, 384),
    "conv4": (3, 3, 192, 384),
    "conv5": (3, 3, 192, 256),
}
ALEXNET_GROUPS = {"conv1": 1, "conv2": 2, "conv3": 1, "conv4": 2, "conv5": 2}


def alexnet_two_gpu_count(model) -> int:
    """The parameters of the paper's two-GPU AlexNet: the single-device reference's layers,
    with conv2, conv4 and conv5 rebuilt as Keras grouped convolutions (groups=2)."""
    total = 0
    for layer in references.model_layers(model):
        if layer.name in ALEXNET_GROUPS:
            # Strides and padding change neither the kernel nor the count: left at default.
            groups = ALEXNET_GROUPS[layer.name]
            as_published = keras.layers.Conv2D(layer.filters, layer.kernel_size, groups=groups)
            as_published.build(layer.input.shape)
            assert tuple(as_published.kernel.shape) == ALEXNET_PAPER_KERNELS[layer.name]
            total += as_published.count_params()
        else:
            total += layer.count_params()
    return total


def test_alexnet_reference_matches_the_paper():
    """Krizhevsky et al. 2012, section 3.5 and Figure 2: 55x55x96 after conv1, 27x27x256,
    13x13x384 (twice), 13x13x256, two dense layers of 4096, 1000 outputs; the kernels of
    section 3.5; and "60 million parameters" (abstract) once the two-GPU grouping is counted."""
    model = references.reference_model((227, 227, 3), references.alexnet_layers())
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (55, 55, 96) and shapes["conv2"] == (27, 27, 256)
    assert shapes["conv3"] == shapes["conv4"] == (13, 13, 384)
    assert shapes["conv5"] == (13, 13, 256) and shapes["flatten"] == (6 * 6 * 256,)
    assert shapes["fc6"] == shapes["fc7"] == (4096,) and shapes["fc8"] == (1000,)
    # The ungrouped layers keep the paper's kernels as they are.
    for name in ("conv1", "conv3"):
        assert tuple(model.get_layer(name).kernel.shape) == ALEXNET_PAPER_KERNELS[name]
    # "60 million" is a round figure: the grouped network is within 2 % of it; the
    # single-device one, which the learner builds, is not (section 5 of the chapter says why).
    assert abs(alexnet_two_gpu_count(model) / 60e6 - 1) < 0.02
    assert abs(model.count_params() / 60e6 - 1) > 0.02


def test_vgg16_reference_matches_the_paper():
    """keras.applications.VGG16 is configuration D of Simonyan and Zisserman 2015: Table 1's
    conv3-64 x2, conv3-128 x2, conv3-256 x3, conv3-512 x3, conv3-512 x3, FC-4096, FC-4096,
    FC-1000; and Table 2's 138 million parameters."""
    model = references.vgg16_reference()
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.filters for layer in convs] == 2 * [64] + 2 * [128] + 3 * [256] + 6 * [512]
    assert {(layer.kernel_size, layer.strides, layer.padding) for layer in convs} == {
        ((3, 3), (1, 1), "same")
    }
    dense = [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert dense == [4096, 4096, 1000]
    assert round(model.count_params() / 1e6) == 138


def test_the_chapter_quotes_keras_counts():
    """The numbers the chapter's text gives a learner are the references' own counts."""
    markdown = [
        cell.source for cell in source_notebook(CHAPTER).cells if cell.cell_type == "markdown"
    ]
    text = " ".join(" ".join(markdown).split())  # one space between words, wherever lines break
    lenet = references.reference_model((32, 32, 1), references.lenet5_layers())
    c5 = lenet.get_layer("C5").count_params()
    assert f"C5 alone holds {c5:,} of the {lenet.count_params():,}" in text
    alexnet = references.reference_model((227, 227, 3), references.alexnet_layers())
    one_device, two_gpus = alexnet.count_params(), alexnet_two_gpu_count(alexnet)
    assert f"{one_device / 1e6:.1f} million parameters on one device" in text
    assert f"{two_gpus / 1e6:.1f} million with the paper's two-GPU grouping" in text
    del alexnet  # 62 million weights: freed before VGG-16's 138 million are built
    vgg = references.vgg16_reference()
    assert f"keras.applications.VGG16`'s {vgg.count_params():,}" in text
    assert f"as a convolution it has {vgg.get_layer('block1_conv1').count_params():,}" in text


# ------------------------------------------------------------------ planted bugs
def test_unwritten_function_says_to_write_it():
    def lenet5(activation="relu", pooling="max", num_classes=10):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="lenet5 is not written yet"):
        checks.check_lenet5(lenet5)


def test_wrong_number_of_filters_is_named_with_the_layer():
    broken = mutant(CHAPTER, "lenet5", ('layers.Conv2D(16, 5, activation=activation, name="C3")',
                               'layers.Conv2D(6, 5, activation=activation, name="C3")'))  # fmt: skip
    with pytest.raises(CheckFailed) as raised:
        checks.check_lenet5(broken["lenet5"])
    assert str(raised.value) == (
        "lenet5: layer 3 (C3): output shape (None, 10, 10, 6), expected (None, 10, 10, 16): "
        "this layer should have 16 filters."
    )


def test_missing_activation_is_named():
    broken = mutant(CHAPTER, "lenet5", ('layers.Conv2D(6, 5, activation=activation, name="C1")',
                               'layers.Conv2D(6, 5, name="C1")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(C1\): activation 'linear', expected 'relu'"):
        checks.check_lenet5(broken["lenet5"])


def test_ignoring_the_pooling_argument_is_caught_by_the_hidden_case():
    broken = mutant(CHAPTER, "lenet5", ('Pooling(2, strides=2, name="S2")',
                               'layers.MaxPooling2D(2, strides=2, name="S2")'))  # fmt: skip
    checks.check_lenet5(broken["lenet5"])  # the visible (max pooling) case cannot see it
    with pytest.raises(CheckFailed, match=r"layer 2 \(S2\) is a MaxPooling2D layer, expected AveragePooling2D"):  # fmt: skip
        checks.compare_lenet5(broken["lenet5"], activation="tanh", pooling="average")


def test_unnamed_layer_gets_the_name_to_use():
    broken = mutant(
        CHAPTER, "lenet5", ('layers.Flatten(name="flatten")', "layers.Flatten(name='flat')")
    )
    with pytest.raises(CheckFailed, match=r"layer 6 \(flatten\) is named 'flat'.*name='flatten'"):
        checks.check_lenet5(broken["lenet5"])


def test_wrong_stride_is_named():
    broken = mutant(CHAPTER, "alexnet", ('layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")',
                                'layers.Conv2D(96, 11, strides=2, activation="relu", name="conv1")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(conv1\): output shape \(None, 45, 61, 96\), "
                       r"expected \(None, 23, 31, 96\): its stride is \(2, 2\), expected \(4, 4\)"):  # fmt: skip
        checks.compare_alexnet(broken["alexnet"], input_shape=(99, 131, 3), num_classes=10)


def test_vgg_block_with_a_conv_missing_is_named():
    broken = mutant(CHAPTER, "vgg16", ("[(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]",
                              "[(64, 2), (128, 2), (256, 2), (512, 3), (512, 3)]"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 9 \(block3_conv3\) is a MaxPooling2D layer, "
                       r"expected Conv2D \(keras.applications.VGG16\)"):  # fmt: skip
        checks.compare_vgg16(broken["vgg16"], input_shape=(64, 64, 3), num_classes=10)


def test_vgg_valid_padding_is_named():
    broken = mutant(CHAPTER, "vgg16", ('padding="same", activation="relu", name=f"block', 'activation="relu", name=f"block'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(block1_conv1\).*its padding is 'valid', expected 'same'"):  # fmt: skip
        # 212 x 212 is the smallest input that 13 'valid' convolutions and 5 poolings leave 1 x 1.
        checks.compare_vgg16(broken["vgg16"], input_shape=(212, 212, 3), num_classes=10)


def test_missing_last_layer_is_named():
    broken = mutant(CHAPTER, "vgg16", ('outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)', "outputs = x"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"has 21 layers .* expected 22: layer 22 \(predictions\), a Dense, is missing"):  # fmt: skip
        checks.compare_vgg16(broken["vgg16"], input_shape=(64, 64, 3), num_classes=10)


def test_sequential_model_given_for_the_functional_exercise():
    with pytest.raises(CheckFailed, match="built a keras.Sequential model. Use the Functional API"):
        checks.check_simple_convnet_functional(lambda input_shape, num_classes: keras.Sequential(
            [keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(num_classes)]))  # fmt: skip


def test_model_without_an_input_is_explained():
    def simple_convnet_sequential(input_shape=(32, 32, 1), num_classes=10):
        return keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.Dense(num_classes)])

    with pytest.raises(CheckFailed, match=r"no input yet\. Start it with keras.Input"):
        checks.check_simple_convnet_sequential(simple_convnet_sequential)


def test_missing_return_is_reported():
    def alexnet(input_shape=(227, 227, 3), num_classes=1000):
        keras.Input(shape=input_shape)

    with pytest.raises(CheckFailed, match="should return a keras.Model; got NoneType"):
        checks.check_alexnet(alexnet)


def test_separate_activation_layer_is_named():
    def simple_convnet_sequential(input_shape=(32, 32, 1), num_classes=10):
        L = keras.layers
        return keras.Sequential([keras.Input(input_shape), L.Conv2D(8, 3, padding="same"),
                                 L.Activation("relu"), L.MaxPooling2D(2), L.Conv2D(16, 3, padding="same"),
                                 L.MaxPooling2D(2), L.Flatten(), L.Dense(num_classes, activation="softmax")])  # fmt: skip

    with pytest.raises(CheckFailed, match=r"layer 1 \(Conv2D\): activation 'linear', expected 'relu': pass activation='relu'"):  # fmt: skip
        checks.check_simple_convnet_sequential(simple_convnet_sequential)


def test_forgotten_bias_is_named():
    broken = mutant(CHAPTER, "conv_layer_params", ("(f * f * n_C_prev + 1) * filters", "f * f * n_C_prev * filters"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"returned 150; by hand it is .* = 156.*You forgot the biases"):  # fmt: skip
        checks.check_conv_layer_params(broken["conv_layer_params"])


def test_same_padding_that_ignores_the_stride_is_named():
    broken = mutant(CHAPTER, "conv_output_shape", ("math.ceil(n_H_prev / stride), math.ceil(n_W_prev / stride)",
                                          "n_H_prev, n_W_prev"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"returned \(7, 9, 4\); Keras' Conv2D gives \(4, 5, 4\)\. "
                       r"'same' padding keeps the size only for stride 1"):  # fmt: skip
        checks.check_conv_output_shape(broken["conv_output_shape"])


def test_conv_row_that_keeps_the_channels_is_named():
    broken = mutant(CHAPTER, "activation_table", ('                n_C = layer["filters"]\n', ""))
    with pytest.raises(CheckFailed, match=r"row 1 \(C1\): shape \(28, 28, 1\), Keras gives \(28, 28, 6\)\. "
                       r"A conv layer's output has as many channels as it has filters"):  # fmt: skip
        checks.check_activation_table(broken["activation_table"])


def test_dense_params_without_bias_are_named():
    broken = mutant(CHAPTER, "activation_table", ('params = (shape[0] + 1) * layer["units"]', 'params = shape[0] * layer["units"]'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"row 7 \(F6\): params 10080, Keras gives 10164\. "
                       r"A dense layer has \(n_prev \+ 1\) \* units parameters"):  # fmt: skip
        checks.check_activation_table(broken["activation_table"])


def test_table_without_the_input_row_is_reported():
    def activation_table(input_shape, architecture):
        return [
            {"layer": spec["name"], "shape": (1,), "size": 1, "params": 0} for spec in architecture
        ]

    with pytest.raises(CheckFailed, match="returned 8 rows .* expected 9: one for the input"):
        checks.check_activation_table(activation_table)


# --------------------------------------------------------- the chapter's figures and explorer


# ------------------------------------------------------- building big models without weights
def rss_megabytes() -> float:
    """This process's resident memory now, from /proc (Linux), in MB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_models_built_shapes_only_have_keras_counts_and_no_weights():
    """VGG-16 built inside shapes_only: every layer's shape and count as Keras gives them (the
    chapter's formulas from the shapes), 0.55 GB of weights never allocated, and Keras'
    registry of deferred variables left as it was, so nothing draws them later."""
    from keras.src.backend.common import global_state

    before = rss_megabytes()
    with references.shapes_only():
        model = references.vgg16_reference()
    grown = rss_megabytes() - before
    layers = references.model_layers(model)
    assert model.count_params() == sum(chapter_formula(layer) for layer in layers)
    assert tuple(model.get_layer("fc1").output.shape) == (None, 4096)
    weights_mb = 4 * model.count_params() / 2**20  # float32
    assert grown < weights_mb / 4
    assert not global_state.get_global_attribute("uninitialized_variables", None)
    # A model built afterwards (its build opens a stateless scope) draws only its own weights.
    references.reference_model((32, 32, 1), references.lenet5_layers())
    assert rss_megabytes() - before < weights_mb / 4


def test_the_big_model_checks_leave_no_deferred_variables(solved):
    from keras.src.backend.common import global_state

    checks.compare_vgg16(solved["vgg16"], input_shape=(64, 64, 3), num_classes=10)
    checks.compare_alexnet(solved["alexnet"], input_shape=(99, 99, 3), num_classes=10)
    assert not global_state.get_global_attribute("uninitialized_variables", None)


# --------------------------------------------------------------------------- train_lenet5
def test_renaming_moves_every_class_and_the_test_digits_stay_out_of_training():
    """The hidden case renames every class, so a network that learnt the usual labels from
    anywhere but X_train and y_train gets none of the renamed test digits right; and the check's
    test digits are not among the training examples it hands over."""
    for seed in range(10):
        renaming = checks.class_renaming(seed)
        assert sorted(renaming) == list(range(10)) and all(renaming != range(10))
    usual, renamed = checks.digits_case(2), checks.digits_case(2, rename_classes=True)
    np.testing.assert_array_equal(usual.X_test, renamed.X_test)
    np.testing.assert_array_equal(checks.class_renaming(2)[usual.y_test], renamed.y_test)
    training_rows = {row.tobytes() for row in renamed.X_train}
    assert not any(row.tobytes() in training_rows for row in renamed.X_test)
    assert len(renamed.X_train) == 5 * (1797 - len(renamed.X_test))


def test_the_validation_split_holds_out_whole_digits():
    """Keras' validation_split takes the last examples: with the copies of a digit side by side
    (rows 5i to 5i + 4), the last 10 % are whole digits, none of which the network trains on."""
    case = checks.digits_case(1)
    split_at = int(len(case.X_train) * 0.9)  # keras: the first floor(0.9 N) examples train
    digit_of_row = np.arange(len(case.X_train)) // 5
    assert not set(digit_of_row[:split_at]) & set(digit_of_row[split_at + 5 :])
    unshifted = case.X_train[::5]
    for move in range(1, 5):  # each copy moved by 2 pixels, the border filled from outside
        assert not np.array_equal(case.X_train[move::5], unshifted)


def cheap_training(model, X_train, y_train, **fit):
    """Compile with Adam and the usual loss, then fit on 2 digits' copies: seconds, not minutes."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    arguments = {"epochs": 1, "batch_size": 10, "validation_split": 0.5, "verbose": 0} | fit
    return model.fit(X_train[:20], y_train[:20], **arguments)


def test_training_without_validation_is_stopped_before_it_starts():
    broken = mutant(CHAPTER, "train_lenet5", ("        validation_split=0.1,\n", ""))
    with pytest.raises(CheckFailed, match="without holding out a validation set: pass validation_split=0.1"):  # fmt: skip
        checks.check_train_lenet5(broken["train_lenet5"])


def test_fit_before_compile_is_named():
    broken = mutant(CHAPTER, "train_lenet5", ("model.compile(", "settings = dict("))
    with pytest.raises(CheckFailed, match="called model.fit before model.compile"):
        checks.check_train_lenet5(broken["train_lenet5"])


def test_training_on_the_test_digits_is_refused():
    """A function that fetches the digits itself, test digits included, is stopped at fit."""

    def train_lenet5(model, X_train, y_train):
        from helpers.datasets import load_digits

        images, labels = load_digits(size=32)
        X_all = (images - images.mean()) / images.std()
        return cheap_training(model, X_all, labels)

    with pytest.raises(CheckFailed, match=r"passed model.fit 20 examples \(as x\) that are not in the X_train it was given"):  # fmt: skip
        checks.check_train_lenet5(train_lenet5)


def test_training_a_model_of_ones_own_is_named():
    def train_lenet5(model, X_train, y_train):
        own = references.reference_model((32, 32, 1), references.lenet5_layers())
        return cheap_training(own, X_train, y_train)

    with pytest.raises(CheckFailed, match="did not call fit on the model it was given"):
        checks.check_train_lenet5(train_lenet5)


def test_missing_return_of_the_history_is_named():
    def train_lenet5(model, X_train, y_train):
        cheap_training(model, X_train, y_train)

    with pytest.raises(CheckFailed, match="should return the History that model.fit returns; got NoneType"):  # fmt: skip
        checks.check_train_lenet5(train_lenet5)


def test_too_little_training_fails_on_accuracy_with_a_hint():
    with pytest.raises(CheckFailed) as raised:
        checks.check_train_lenet5(cheap_training)
    message = str(raised.value)
    assert re.search(r"gets \d+\.\d% of 360 held-out digits right .* the goal is at least 97%", message)  # fmt: skip
    assert "It does not fit its training data either" in message


def test_training_past_the_budget_is_stopped(solved, monkeypatch):
    monkeypatch.setattr(checks, "TRAINING_BUDGET_SECONDS", 0)
    with pytest.raises(
        CheckFailed, match=r"was stopped after \d+ s: one call may take at most 0 s"
    ):
        checks.check_train_lenet5(solved["train_lenet5"])


def test_a_network_that_learnt_the_usual_labels_elsewhere_fails_the_hidden_case():
    """The cheat the renamed classes are there for: train on every digit, test digits included,
    with the usual labels, out of the check's sight (Keras' own fit, called through the class),
    then call fit on a few given examples for show. The visible check is fooled; the hidden
    case is not."""

    def train_lenet5(model, X_train, y_train):
        from helpers.datasets import load_digits

        images, labels = load_digits(size=32)
        X_all = (images - images.mean()) / images.std()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # fmt: skip
        keras.Model.fit(model, X_all, labels, epochs=6, batch_size=32, verbose=0)
        return model.fit(X_train[:20], y_train[:20], epochs=1, validation_split=0.5, verbose=0)

    checks.check_train_lenet5(train_lenet5)
    with pytest.raises(CheckFailed, match=r"classes renamed\): .* the goal is at least 97%"):
        checks.compare_train_lenet5(train_lenet5, seed=2, rename_classes=True)


# ---------------------------------------------------------------------- evaluate_accuracy
ACCURACY_LINE = "float(np.mean(predicted == y))"


@pytest.mark.parametrize(
    "new, message",
    [
        ("float(100 * np.mean(predicted == y))", "not a percentage"),
        ("float(np.mean(predicted != y))", "That is the error rate"),
        ("int(np.sum(predicted == y))", "That is the count of right examples"),
    ],
)
def test_evaluate_accuracy_bugs_get_their_hint(new, message):
    broken = mutant(CHAPTER, "evaluate_accuracy", (ACCURACY_LINE, new))
    with pytest.raises(
        CheckFailed, match=rf"worked by hand .*; the accuracy is 0\.75\. .*{message}"
    ):
        checks.check_evaluate_accuracy(broken["evaluate_accuracy"])


def test_evaluate_on_an_uncompiled_model_says_to_predict():
    def evaluate_accuracy(model, X, y):
        return model.evaluate(X, y, verbose=0)[1]

    with pytest.raises(CheckFailed, match="not compiled, so model.evaluate cannot run. Use model.predict"):  # fmt: skip
        checks.check_evaluate_accuracy(evaluate_accuracy)


# ------------------------------------------------------- the common wrong answers, by function
# Each entry plants one bug that learners write in the instructor's solution and runs the
# check that sees it (the visible check unless the bug only shows on a hidden case's
# arguments); the message must name the cause, not only the layer or the number that differs.
SEQUENTIAL_CONV1 = 'layers.Conv2D(8, 3, padding="same", activation="relu"),'
SEQUENTIAL_HEAD = (
    '            layers.Flatten(),\n            layers.Dense(num_classes, activation="softmax"),'
)
FUNCTIONAL_CONV1 = 'x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)\n'
LENET_C5 = 'x = layers.Conv2D(120, 5, activation=activation, name="C5")(x)\n    x = layers.Flatten(name="flatten")(x)'
VGG_OUTPUT = 'layers.Dense(num_classes, activation="softmax", name="predictions")'


def visible(name):
    """The visible check of graded function ``name``, called on the broken function."""
    return lambda broken: getattr(checks, f"check_{name}")(broken)


COMMON_BUGS = {
    "simple_convnet_sequential, no ReLU": (
        "simple_convnet_sequential",
        [(SEQUENTIAL_CONV1, 'layers.Conv2D(8, 3, padding="same"),')],
        visible("simple_convnet_sequential"),
        r"layer 1 \(Conv2D\): activation 'linear', expected 'relu': pass activation='relu'",
    ),
    "simple_convnet_sequential, 'valid' padding": (
        "simple_convnet_sequential",
        [(SEQUENTIAL_CONV1, 'layers.Conv2D(8, 3, activation="relu"),')],
        visible("simple_convnet_sequential"),
        r"layer 1 \(Conv2D\): output shape \(None, 30, 30, 8\), expected \(None, 32, 32, 8\): its padding is 'valid', expected 'same'",
    ),
    "simple_convnet_sequential, 16 filters first": (
        "simple_convnet_sequential",
        [(SEQUENTIAL_CONV1, 'layers.Conv2D(16, 3, padding="same", activation="relu"),')],
        visible("simple_convnet_sequential"),
        r"layer 1 \(Conv2D\): output shape \(None, 32, 32, 16\), expected \(None, 32, 32, 8\): this layer should have 8 filters",
    ),
    "simple_convnet_sequential, Dense before Flatten": (
        "simple_convnet_sequential",
        [(SEQUENTIAL_HEAD, '            layers.Dense(num_classes, activation="softmax"),\n            layers.Flatten(),')],
        visible("simple_convnet_sequential"),
        r"layer 5 \(Flatten\) is a Dense layer, expected Flatten .* Flatten the feature maps before the first Dense layer",
    ),
    "simple_convnet_sequential, no softmax": (
        "simple_convnet_sequential",
        [('layers.Dense(num_classes, activation="softmax"),', "layers.Dense(num_classes),")],
        visible("simple_convnet_sequential"),
        r"layer 6 \(Dense\): activation 'linear', expected 'softmax'.* a probability per class",
    ),
    "simple_convnet_sequential, 10 classes fixed": (
        "simple_convnet_sequential",
        [('layers.Dense(num_classes, activation="softmax"),', 'layers.Dense(10, activation="softmax"),')],
        lambda broken: checks.compare_simple_convnet(broken, api="sequential", input_shape=(28, 28, 3), num_classes=5),
        r"layer 6 \(Dense\): output shape \(None, 10\), expected \(None, 5\).* num_classes units \(the argument\), not a fixed 10",
    ),
    "simple_convnet_functional, first pooling left out": (
        "simple_convnet_functional",
        [(FUNCTIONAL_CONV1 + "    x = layers.MaxPooling2D(2, strides=2)(x)\n", FUNCTIONAL_CONV1)],
        visible("simple_convnet_functional"),
        r"layer 2 \(MaxPooling2D\) is a Conv2D layer, expected MaxPooling2D .* A pooling layer is missing after the conv layer",
    ),
    "simple_convnet_functional, no Flatten": (
        "simple_convnet_functional",
        [("    x = layers.Flatten()(x)\n", "")],
        visible("simple_convnet_functional"),
        r"layer 5 \(Flatten\) is a Dense layer, expected Flatten .* Flatten the feature maps",
    ),
    "conv_output_shape, 'same' rounded down": (
        "conv_output_shape",
        [("math.ceil(n_H_prev / stride), math.ceil(n_W_prev / stride)", "n_H_prev // stride, n_W_prev // stride")],
        visible("conv_output_shape"),
        r"returned \(3, 4, 4\); Keras' Conv2D gives \(4, 5, 4\)\. Keras' 'same' padding rounds up: ceil\(n / stride\)",
    ),
    "conv_output_shape, padding ignored": (
        "conv_output_shape",
        [('if padding == "same":', "if True:")],
        visible("conv_output_shape"),
        r"returned \(32, 32, 6\); Keras' Conv2D gives \(28, 28, 6\)\. That is the 'same' size",
    ),
    "conv_output_shape, no + 1": (
        "conv_output_shape",
        [("n_H = (n_H_prev - f) // stride + 1", "n_H = (n_H_prev - f) // stride"),
         ("n_W = (n_W_prev - f) // stride + 1", "n_W = (n_W_prev - f) // stride")],
        visible("conv_output_shape"),
        r"returned \(27, 27, 6\); .* Missing the \+ 1",
    ),
    "conv_output_shape, stride ignored": (
        "conv_output_shape",
        [("n_H = (n_H_prev - f) // stride + 1", "n_H = n_H_prev - f + 1"),
         ("n_W = (n_W_prev - f) // stride + 1", "n_W = n_W_prev - f + 1")],
        visible("conv_output_shape"),
        r"returned \(217, 217, 96\); Keras' Conv2D gives \(55, 55, 96\)\. Did you divide by the stride",
    ),
    "conv_output_shape, true division": (
        "conv_output_shape",
        [("n_H = (n_H_prev - f) // stride + 1", "n_H = (n_H_prev - f) / stride + 1"),
         ("n_W = (n_W_prev - f) // stride + 1", "n_W = (n_W_prev - f) / stride + 1")],
        visible("conv_output_shape"),
        r"returned \(13\.5, 9\.5, 16\): a size is a whole number .* \(n - f\) // stride \+ 1",
    ),
    "conv_output_shape, the input's channels": (
        "conv_output_shape",
        [("output_shape = (n_H, n_W, filters)", "output_shape = (n_H, n_W, n_C_prev)")],
        visible("conv_output_shape"),
        r"returned \(28, 28, 1\); .* as many channels as the layer has filters \(6\), not as many as its input \(1\)",
    ),
    "conv_layer_params, one bias for the layer": (
        "conv_layer_params",
        [("(f * f * n_C_prev + 1) * filters", "f * f * n_C_prev * filters + 1")],
        visible("conv_layer_params"),
        r"returned 151; by hand it is .* = 156.* Each filter has its own bias",
    ),
    "conv_layer_params, input channels left out": (
        "conv_layer_params",
        [("(f * f * n_C_prev + 1) * filters", "(f * f + 1) * filters")],
        visible("conv_layer_params"),
        # LeNet-5's C1 reads 1 channel, so it passes; C3 (5, 6, 16) does not.
        r"conv_layer_params\(f=5, n_C_prev=6, filters=16\) returned 416; Keras counts 2,416\. A filter spans every input channel",
    ),
    "conv_layer_params, one filter": (
        "conv_layer_params",
        [("(f * f * n_C_prev + 1) * filters", "f * f * n_C_prev + 1")],
        visible("conv_layer_params"),
        r"returned 26; .* That is one filter",
    ),
    "activation_table, padding ignored": (
        "activation_table",
        [('if layer.get("padding", "valid") == "same":', "if False:")],
        visible("activation_table"),
        r"row 1 \(conv1\): shape \(12, 8, 8\), Keras gives \(13, 9, 8\)\. That is the 'valid' size: this layer has padding 'same'",
    ),
    "activation_table, stride ignored": (
        "activation_table",
        [('f, stride = layer["f"], layer.get("stride", 1)', 'f, stride = layer["f"], 1')],
        visible("activation_table"),
        r"row 2 \(S2\): shape \(27, 27, 6\), Keras gives \(14, 14, 6\)\. That is the size for stride 1: this layer moves by 2",
    ),
    "lenet5, activation fixed to ReLU": (
        "lenet5",
        [("activation=activation", 'activation="relu"')],
        lambda broken: checks.compare_lenet5(broken, activation="tanh", pooling="average"),
        r"layer 1 \(C1\): activation 'relu', expected 'tanh'.* write activation=activation for C1, C3, C5 and F6",
    ),
    "lenet5, max pooling fixed": (
        "lenet5",
        [('Pooling(2, strides=2, name="S2")', 'layers.MaxPooling2D(2, strides=2, name="S2")'),
         ('Pooling(2, strides=2, name="S4")', 'layers.MaxPooling2D(2, strides=2, name="S4")')],
        lambda broken: checks.compare_lenet5(broken, activation="tanh", pooling="average"),
        r"layer 2 \(S2\) is a MaxPooling2D layer, expected AveragePooling2D .* with `Pooling`",
    ),
    "lenet5, C5 as a Dense layer": (
        "lenet5",
        [(LENET_C5, 'x = layers.Flatten(name="flatten")(x)\n    x = layers.Dense(120, activation=activation, name="C5")(x)')],
        visible("lenet5"),
        r"layer 5 \(C5\) is a Flatten layer, expected Conv2D .* C5 is a convolution",
    ),
    "alexnet, 2 x 2 pooling": (
        "alexnet",
        [('layers.MaxPooling2D(3, strides=2, name="pool1")', 'layers.MaxPooling2D(2, strides=2, name="pool1")')],
        lambda broken: checks.compare_alexnet(broken, input_shape=(99, 131, 3), num_classes=10),
        r"layer 2 \(pool1\): its window is \(2, 2\), expected \(3, 3\) .* the output shapes agree .* AlexNet's pooling overlaps",
    ),
    "alexnet, ReLU on fc8": (
        "alexnet",
        [('activation="softmax", name="fc8"', 'activation="relu", name="fc8"')],
        lambda broken: checks.compare_alexnet(broken, input_shape=(99, 131, 3), num_classes=10),
        r"layer 12 \(fc8\): activation 'relu', expected 'softmax'.* a probability per class",
    ),
    "alexnet, no Flatten": (
        "alexnet",
        [('    x = layers.Flatten(name="flatten")(x)\n', "")],
        lambda broken: checks.compare_alexnet(broken, input_shape=(99, 131, 3), num_classes=10),
        r"layer 9 \(flatten\) is a Dense layer, expected Flatten .* Flatten the feature maps",
    ),
    "vgg16, no pooling after a block": (
        "vgg16",
        [('        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)\n', "")],
        lambda broken: checks.compare_vgg16(broken, input_shape=(32, 32, 3), num_classes=10),
        r"layer 3 \(block1_pool\) is a Conv2D layer, expected MaxPooling2D .* A pooling layer is missing",
    ),
    "vgg16, 1000 classes fixed": (
        "vgg16",
        [(VGG_OUTPUT, 'layers.Dense(1000, activation="softmax", name="predictions")')],
        lambda broken: checks.compare_vgg16(broken, input_shape=(64, 96, 3), num_classes=10),
        r"layer 22 \(predictions\): output shape \(None, 1000\), expected \(None, 10\).* not a fixed 1000",
    ),
    "train_lenet5, one-hot loss for integer labels": (
        "train_lenet5",
        [('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')],
        visible("train_lenet5"),
        r"model.fit stopped at the first batch, .* loss='sparse_categorical_crossentropy' takes; 'categorical_crossentropy' expects one-hot rows",
    ),
}  # fmt: skip


@pytest.mark.parametrize("bug", COMMON_BUGS)
def test_common_wrong_answers_get_their_cause(bug):
    assert_cause_named(CHAPTER, *COMMON_BUGS[bug])


def test_every_graded_function_has_a_common_wrong_answer():
    graded = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in source_notebook(CHAPTER).cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    # evaluate_accuracy's three are test_evaluate_accuracy_bugs_get_their_hint's.
    assert graded - {name for name, *_ in COMMON_BUGS.values()} == {"evaluate_accuracy"}
