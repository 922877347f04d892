"""helpers.viz.common: the shared panels, tables and figures draw, and refuse bad input with a
message a learner can act on."""

import matplotlib
import numpy as np
import pytest
from readable_figures import draw

from helpers.gradients import relative_error
from helpers.viz import common as viz

# viz never touches pyplot; this keeps any test that does away from a GUI backend.
matplotlib.use("Agg")

RNG = np.random.default_rng(0)
IMAGE = RNG.random((24, 20))


@pytest.mark.parametrize(
    "images",
    [
        [IMAGE, RNG.random((10, 12, 3)), RNG.random((5, 5, 1))],
        RNG.random((3, 8, 8)),
        (RNG.random((5, 8, 8, 3)) * 255).astype(np.uint8),
        IMAGE,
    ],
)
def test_show_images(images):
    draw(viz.show_images(images, ncols=2))


def test_show_images_titles_and_bad_shapes():
    fig = draw(viz.show_images([IMAGE, IMAGE], titles=["a", "b"]))
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["a", "b"]
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        viz.show_images([IMAGE, IMAGE], titles=["a"])
    with pytest.raises(ValueError, match=r"image 0 has shape \(4, 4, 5\)"):
        viz.show_images([np.zeros((4, 4, 5))])


def test_plot_feature_maps():
    fig = draw(viz.plot_feature_maps(RNG.random((6, 6, 10)), title="conv1", ncols=4))
    assert sum(ax.get_visible() for ax in fig.axes) == 10
    assert fig.get_suptitle() == "conv1"
    with pytest.raises(ValueError, match=r"maps\[0\]"):
        viz.plot_feature_maps(RNG.random((1, 6, 6, 10)))


def test_plot_gradient_check():
    analytic = RNG.normal(size=(3, 3, 2, 4))
    numeric = analytic + 1e-9 * RNG.normal(size=analytic.shape)
    fig = draw(viz.plot_gradient_check(analytic, numeric, "dW"))
    error = np.linalg.norm(analytic - numeric) / (
        np.linalg.norm(analytic) + np.linalg.norm(numeric)
    )
    title = fig.axes[0].get_title()
    assert title.startswith("dW: relative error ")
    assert float(title.split()[3]) == pytest.approx(error, rel=0.06)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"shape \(2,\) but numeric gradient has shape \(3,\)"):
        viz.plot_gradient_check(np.zeros(2), np.zeros(3), "db")


def test_tables_align_text_left_and_numbers_right():
    header, body = ["name", "count"], [["a <b>", "1"], ["ccc", "1,000"]]
    assert viz.plain_table(header, body).splitlines() == [
        "name   count",
        "-----  -----",
        "a <b>      1",
        "ccc    1,000",
    ]
    table = viz.Table(header, body)
    assert '<td style="text-align:left">a &lt;b&gt;</td>' in table.data
    assert '<td style="text-align:right">1,000</td>' in table.data
    assert repr(table) == viz.plain_table(header, body)
