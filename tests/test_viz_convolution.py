"""helpers.viz.convolution: every figure builds and draws, titles carry the right numbers, bad input is
refused with a message a learner can act on."""

import re

import matplotlib
import numpy as np
import pytest
from readable_figures import draw

from helpers.viz import convolution as viz

# viz never touches pyplot; this keeps any test that does away from a GUI backend.
matplotlib.use("Agg")

RNG = np.random.default_rng(0)
IMAGE = RNG.random((24, 20))


def test_edge_kernels_match_the_literature():
    literature = {
        "vertical": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
        "horizontal": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
        "Sobel-x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
        "Sobel-y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
        "Scharr-x": [[3, 0, -3], [10, 0, -10], [3, 0, -3]],
        "Scharr-y": [[3, 10, 3], [0, 0, 0], [-3, -10, -3]],
    }
    assert list(viz.EDGE_KERNELS) == list(literature)
    for name, expected in literature.items():
        np.testing.assert_array_equal(viz.EDGE_KERNELS[name], np.array(expected, float), name)
    with pytest.raises(ValueError):  # shared kernels are read-only
        viz.EDGE_KERNELS["Sobel-x"][0, 0] = 5


def test_kernel_response_finds_a_vertical_edge():
    step = np.zeros((8, 8))
    step[:, :4] = 1.0  # bright left half: the vertical kernel responds positively at the edge
    response = viz.kernel_response(step, viz.EDGE_KERNELS["vertical"])
    assert response.shape == step.shape
    assert response[:, 3:5].min() == 3.0
    assert np.abs(response[:, :2]).max() == 0.0


def test_plot_kernel_responses_and_edge_map():
    fig = draw(viz.plot_kernel_responses(IMAGE, viz.EDGE_KERNELS))
    titles = [ax.get_title() for ax in fig.axes]
    assert "response to Scharr-y" in titles
    draw(viz.plot_edge_map(IMAGE, viz.EDGE_KERNELS["Sobel-x"], 0.5, "Sobel-x"))
    with pytest.raises(ValueError, match="rgb2gray"):
        viz.plot_kernel_responses(RNG.random((8, 8, 3)), viz.EDGE_KERNELS)
    with pytest.raises(ValueError, match="empty"):
        viz.plot_kernel_responses(IMAGE, {})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        viz.plot_edge_map(IMAGE, viz.EDGE_KERNELS["Sobel-x"], 1.5)


@pytest.mark.parametrize("kernel", [RNG.normal(size=(3, 3)), RNG.normal(size=(2, 4))])
def test_correlation_vs_convolution(kernel):
    fig = draw(viz.plot_correlation_vs_convolution(IMAGE, kernel))
    numbers = re.findall(r"= ([0-9.e+-]+)", fig.get_suptitle())
    assert float(numbers[0]) < 1e-12  # convolve == correlate with the flipped kernel
    assert float(numbers[1]) > 1e-3  # a random kernel is not 180-degree symmetric
    assert len(fig.axes) == 3


# (n, f, p, s) over small values, including strides that leave the last columns uncovered.
OUTPUT_SIZE_CASES = [
    (n, f, p, s)
    for n in (3, 8)
    for f in (1, 2, 3, 5)
    for p in (0, 1, 2)
    for s in (1, 2, 3)
    if f <= n + 2 * p
]


def test_plot_output_size_title_gives_the_formula_value():
    for n, f, p, s in OUTPUT_SIZE_CASES:
        expected = int(np.floor((n + 2 * p - f) / s)) + 1
        fig = viz.plot_output_size(n, f, p, s)
        title = fig.axes[0].get_title()
        match = re.match(r"output: (\d+) x (\d+)", title)
        assert match, title
        assert (int(match[1]), int(match[2])) == (expected, expected), (n, f, p, s, title)
        assert ("never covered" in title) == ((n + 2 * p - f) % s != 0), (n, f, p, s, title)
    draw(viz.plot_output_size(16, 7, 4, 3))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 7, 1, 1), r"f=7 is larger than the padded input n \+ 2p = 3 \+ 2\*1 = 5"),
        ((7, 3, 0, 0), "stride must be an integer >= 1; got 0"),
        ((7, 3, -1, 1), "pad must be an integer >= 0"),
        ((0, 1, 0, 1), "n must be an integer >= 1"),
        ((7, 2.5, 0, 1), "f must be an integer >= 1"),
    ],
)
def test_plot_output_size_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        viz.plot_output_size(*args)


def test_plot_pooling_and_its_pooled_values():
    x = np.arange(16, dtype=float).reshape(4, 4)
    np.testing.assert_array_equal(viz.pooled_for_figure(x, 2, 2, "max"), [[5, 7], [13, 15]])
    np.testing.assert_array_equal(
        viz.pooled_for_figure(x, 2, 2, "average"), [[2.5, 4.5], [10.5, 12.5]]
    )
    assert viz.pooled_for_figure(x, 3, 1, "max").shape == (2, 2)
    fig = draw(viz.plot_pooling(x, 2, 2, "max"))
    assert fig.axes[1].get_title() == "max pool: 2x2"
    draw(viz.plot_pooling(x, 3, 1, "average"))
    with pytest.raises(ValueError, match='"max" or "average"'):
        viz.plot_pooling(x, 2, 2, "min")
    with pytest.raises(ValueError, match="single-channel 2-D"):
        viz.plot_pooling(np.zeros((4, 4, 2)), 2, 2, "max")
    with pytest.raises(ValueError, match="larger than the padded input"):
        viz.plot_pooling(x, 5, 1, "max")


def test_speed_tables():
    rows = [
        {"method": "loops", "seconds": 2.0, "shape": "(2, 8, 8, 3)"},
        {"method": "im2col <fast>", "seconds": 0.02},
    ]
    text = viz.format_speed_table(rows)
    lines = text.splitlines()
    assert "x slower than fastest" in lines[0] and "shape" in lines[0]
    assert lines[2].split()[:3] == ["loops", "2", "100.0"]
    assert lines[3].split()[-1] == "1.0"
    table = viz.speed_table(rows).data
    assert "<th>x slower than fastest</th>" in table
    assert "im2col &lt;fast&gt;" in table and "100.0" in table
    with pytest.raises(ValueError, match="empty"):
        viz.format_speed_table([])
    with pytest.raises(ValueError, match='"method" and "seconds"'):
        viz.speed_table([{"method": "x"}])
    with pytest.raises(ValueError, match="seconds must be > 0"):
        viz.format_speed_table([{"method": "x", "seconds": 0}])
