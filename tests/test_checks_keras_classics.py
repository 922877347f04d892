"""The chapter 02 checks: they accept the instructor's solutions, and for the usual bugs they
fail with a message that names the layer and the cause. References are Keras' own shapes and
counts, keras.applications.VGG16, and the numbers the papers print (worked out below)."""

from __future__ import annotations

import base64
import math

import ipywidgets as widgets
import keras
import numpy as np
import pytest
import solution_harness

from helpers.checks import keras_classics as checks
from helpers.checks.common import CheckFailed
from helpers.grading.solutions import load_solutions
from helpers.references import keras_classics as references
from helpers.viz import keras_classics as viz_keras

CHAPTER = "02_keras_classics"


@pytest.fixture(scope="module")
def solved():
    return load_solutions(CHAPTER)


def mutant(grade_id: str, *replacements: tuple[str, str]) -> dict:
    """The chapter's solutions with one function changed (see solution_harness.mutant)."""
    return solution_harness.mutant(CHAPTER, grade_id, *replacements)


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
def test_lenet5_reference_matches_the_paper():
    """LeCun et al. 1998, section II.B: C1 156, C5 48,120, F6 10,164 trainable parameters;
    C3 with full connection (5*5*6 + 1)*16 = 2,416 instead of the paper's 1,516; the output
    layer (84 + 1)*10 = 850. Total 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706."""
    model = references.reference_model((32, 32, 1), references.lenet5_layers())
    by_name = {layer.name: layer for layer in model.layers}
    expected = {"C1": ((None, 28, 28, 6), 156), "S2": ((None, 14, 14, 6), 0),
                "C3": ((None, 10, 10, 16), 2416), "S4": ((None, 5, 5, 16), 0),
                "C5": ((None, 1, 1, 120), 48120), "F6": ((None, 84), 10164),
                "output": ((None, 10), 850)}  # fmt: skip
    for name, (shape, params) in expected.items():
        assert tuple(by_name[name].output.shape) == shape, name
        assert by_name[name].count_params() == params, name
    assert model.count_params() == 61706
    # The paper's 1,516 for C3, from its connection table (Table I): 6 maps read 3 of S2's
    # maps, 9 read 4, 1 reads all 6.
    assert 6 * (25 * 3 + 1) + 9 * (25 * 4 + 1) + (25 * 6 + 1) == 1516
    assert 156 + 12 + 1516 + 32 + 48120 + 10164 == 60000


def test_alexnet_reference_matches_the_paper():
    """Krizhevsky et al. 2012, section 3.5 and Figure 2: 55x55x96 after conv1, 27x27x256,
    13x13x384 (twice), 13x13x256, two dense layers of 4096, 1000 outputs."""
    model = references.reference_model((227, 227, 3), references.alexnet_layers())
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (55, 55, 96) and shapes["conv2"] == (27, 27, 256)
    assert shapes["conv3"] == shapes["conv4"] == (13, 13, 384)
    assert shapes["conv5"] == (13, 13, 256) and shapes["flatten"] == (6 * 6 * 256,)
    assert shapes["fc6"] == shapes["fc7"] == (4096,) and shapes["fc8"] == (1000,)
    assert model.count_params() == 62_378_344
    # The two-GPU network groups conv2, conv4, conv5 over 2 devices: the paper's "60 million".
    grouped = (5 * 5 * 48 + 1) * 256 + (3 * 3 * 192 + 1) * 384 + (3 * 3 * 192 + 1) * 256
    full = (5 * 5 * 96 + 1) * 256 + (3 * 3 * 384 + 1) * 384 + (3 * 3 * 384 + 1) * 256
    assert round((62_378_344 - full + grouped) / 1e6) == 61


def test_vgg16_count_comes_from_keras_applications(solved):
    assert keras.applications.VGG16(weights=None).count_params() == 138_357_544


# ------------------------------------------------------------------ planted bugs
def test_unwritten_function_says_to_write_it():
    def lenet5(activation="relu", pooling="max", num_classes=10):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="lenet5 is not written yet"):
        checks.check_lenet5(lenet5)


def test_wrong_number_of_filters_is_named_with_the_layer():
    broken = mutant("lenet5", ('layers.Conv2D(16, 5, activation=activation, name="C3")',
                               'layers.Conv2D(6, 5, activation=activation, name="C3")'))  # fmt: skip
    with pytest.raises(CheckFailed) as raised:
        checks.check_lenet5(broken["lenet5"])
    assert str(raised.value) == (
        "lenet5: layer 3 (C3): output shape (None, 10, 10, 6), expected (None, 10, 10, 16): "
        "this layer should have 16 filters."
    )


def test_missing_activation_is_named():
    broken = mutant("lenet5", ('layers.Conv2D(6, 5, activation=activation, name="C1")',
                               'layers.Conv2D(6, 5, name="C1")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(C1\): activation 'linear', expected 'relu'"):
        checks.check_lenet5(broken["lenet5"])


def test_ignoring_the_pooling_argument_is_caught_by_the_hidden_case():
    broken = mutant("lenet5", ('Pooling(2, strides=2, name="S2")',
                               'layers.MaxPooling2D(2, strides=2, name="S2")'))  # fmt: skip
    checks.check_lenet5(broken["lenet5"])  # the visible (max pooling) case cannot see it
    with pytest.raises(CheckFailed, match=r"layer 2 \(S2\) is a MaxPooling2D layer, expected AveragePooling2D"):  # fmt: skip
        checks.compare_lenet5(broken["lenet5"], activation="tanh", pooling="average")


def test_unnamed_layer_gets_the_name_to_use():
    broken = mutant("lenet5", ('layers.Flatten(name="flatten")', "layers.Flatten(name='flat')"))
    with pytest.raises(CheckFailed, match=r"layer 6 \(flatten\) is named 'flat'.*name='flatten'"):
        checks.check_lenet5(broken["lenet5"])


def test_wrong_stride_is_named():
    broken = mutant("alexnet", ('layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")',
                                'layers.Conv2D(96, 11, strides=2, activation="relu", name="conv1")'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(conv1\): output shape \(None, 45, 61, 96\), "
                       r"expected \(None, 23, 31, 96\): its stride is \(2, 2\), expected \(4, 4\)"):  # fmt: skip
        checks.compare_alexnet(broken["alexnet"], input_shape=(99, 131, 3), num_classes=10)


def test_vgg_block_with_a_conv_missing_is_named():
    broken = mutant("vgg16", ("[(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]",
                              "[(64, 2), (128, 2), (256, 2), (512, 3), (512, 3)]"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 9 \(block3_conv3\) is a MaxPooling2D layer, "
                       r"expected Conv2D \(keras.applications.VGG16\)"):  # fmt: skip
        checks.compare_vgg16(broken["vgg16"], input_shape=(64, 64, 3), num_classes=10)


def test_vgg_valid_padding_is_named():
    broken = mutant("vgg16", ('padding="same", activation="relu", name=f"block', 'activation="relu", name=f"block'))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"layer 1 \(block1_conv1\).*its padding is 'valid', expected 'same'"):  # fmt: skip
        # 212 x 212 is the smallest input that 13 'valid' convolutions and 5 poolings leave 1 x 1.
        checks.compare_vgg16(broken["vgg16"], input_shape=(212, 212, 3), num_classes=10)


def test_missing_last_layer_is_named():
    broken = mutant("vgg16", ('outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)', "outputs = x"))  # fmt: skip
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
    broken = mutant("conv_layer_params", ("(f * f * n_C_prev + 1) * filters", "f * f * n_C_prev * filters"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"returned 150; by hand it is .* = 156.*You forgot the biases"):  # fmt: skip
        checks.check_conv_layer_params(broken["conv_layer_params"])


def test_same_padding_that_ignores_the_stride_is_named():
    broken = mutant("conv_output_shape", ("math.ceil(n_H_prev / stride), math.ceil(n_W_prev / stride)",
                                          "n_H_prev, n_W_prev"))  # fmt: skip
    with pytest.raises(CheckFailed, match=r"returned \(7, 9, 4\); Keras' Conv2D gives \(4, 5, 4\)\. "
                       r"'same' padding keeps the size only for stride 1"):  # fmt: skip
        checks.check_conv_output_shape(broken["conv_output_shape"])


def test_conv_row_that_keeps_the_channels_is_named():
    broken = mutant("activation_table", ('                n_C = layer["filters"]\n', ""))
    with pytest.raises(CheckFailed, match=r"row 1 \(C1\): shape \(28, 28, 1\), Keras gives \(28, 28, 6\)\. "
                       r"A conv layer's output has as many channels as it has filters"):  # fmt: skip
        checks.check_activation_table(broken["activation_table"])


def test_dense_params_without_bias_are_named():
    broken = mutant("activation_table", ('params = (shape[0] + 1) * layer["units"]', 'params = shape[0] * layer["units"]'))  # fmt: skip
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
def test_activation_table_display_has_the_totals(solved):
    rows = solved["activation_table"]((32, 32, 1), references.lenet5_layers())
    text = viz_keras.format_activation_table(rows)
    assert "61,706" in text and "(28, 28, 6)" in text
    assert "<td" in viz_keras.activation_table_html(rows).data
    assert math.isclose(sum(r["size"] for r in rows), 1024 + 4704 + 1176 + 1600 + 400 + 120 + 120 + 84 + 10)  # fmt: skip
    fig = viz_keras.plot_network_shapes(rows, title="LeNet-5")
    assert len(fig.axes) == 3


def test_feature_map_explorer_builds_headless_and_follows_its_controls(solved):
    model = solved["lenet5"]()
    images = np.random.default_rng(0).random((5, 32, 32, 1)).astype("float32")
    assert viz_keras.map_layers(model) == ["C1", "S2", "C3", "S4"]  # C5 is 1 x 1: left out
    box = viz_keras.feature_map_explorer(model, images, labels=[3, 1, 4, 1, 5])
    layer_menu, example = box.children[0].children
    label = next(c for c in box.children if isinstance(c, widgets.Label))
    output = next(c for c in box.children if isinstance(c, widgets.Output))
    assert label.value == "example 0 (label 3), layer C1: 6 maps of 28 x 28"
    assert base64.b64decode(output.outputs[0]["data"]["image/png"]).startswith(b"\x89PNG")
    layer_menu.value, example.value = "C3", 2
    assert label.value == "example 2 (label 4), layer C3: 16 maps of 10 x 10"
    fig = viz_keras.plot_feature_map_overview(model, images[0])
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4 * 1 + 6 + 6 + 16 + 16


def test_feature_maps_name_an_unknown_layer(solved):
    with pytest.raises(ValueError, match="no layer 'C2'"):
        viz_keras.feature_maps(solved["lenet5"](), np.zeros((1, 32, 32, 1)), ["C2"])
