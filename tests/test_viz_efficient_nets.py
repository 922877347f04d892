"""helpers.viz.efficient_nets: the tables and figures of chapter 04, drawn off screen."""

import numpy as np
from figure_harness import draw

from helpers.viz import efficient_nets as viz


def test_table_has_every_row_in_html_and_text():
    table = viz.table([["a", "0.1131"], ["b", "0.2500"]], ["case", "ratio"])
    assert "<td" in table.data and "0.1131" in table.data
    assert [line.split()[0] for line in repr(table).splitlines()[2:]] == ["a", "b"]


def test_show_people_draws_one_row_per_person():
    images = np.random.default_rng(0).random((12, 8, 8, 3)).astype("float32")
    labels = np.repeat(np.arange(4), 3)
    fig = draw(viz.show_people(images, labels, per_person=3, people=2))
    assert sum(ax.get_visible() for ax in fig.axes) == 6
    assert fig.axes[0].get_title() == "person 0" and fig.axes[3].get_title() == "person 1"


def test_plot_accuracies_writes_each_value():
    fig = draw(viz.plot_accuracies({"from scratch": 0.25, "transfer": 0.8}, title="t"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["25.0 %", "80.0 %"]
    ticks = {t.get_text(): y for t, y in zip(fig.axes[0].get_yticklabels(), fig.axes[0].get_yticks(), strict=True)}  # fmt: skip
    assert ticks["from scratch"] > ticks["transfer"]  # the first method on top


def test_augmentation_gallery_has_a_row_per_augmentation():
    rng = np.random.default_rng(1)
    rows = {"original": rng.random((3, 8, 8, 3)), "shifted": rng.random((2, 8, 8, 3)) + 0.5}
    fig = draw(viz.augmentation_gallery(rows))
    assert sum(ax.get_visible() for ax in fig.axes) == 5
    assert fig.axes[0].get_title() == "original" and fig.axes[3].get_title() == "shifted"
