"""Figures and tables of chapter 04 (efficient architectures and transfer learning).

"Extra code", kept out of the learner's way: figures are built without pyplot and returned
(shown once, as the value of a cell's last line). Nothing here solves an exercise: the functions
receive numbers, images and accuracies the notebook computed, and only draw them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from helpers.viz.common import Table, grid, show_image


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> Table:
    """A table of already formatted cells: HTML in a notebook, plain text elsewhere.

    Args:
        rows: rows of strings, one per line of the table.
        header: the column titles (the first column holds text, the others numbers).
    """
    return Table(header, rows, text_columns=1)


def show_people(images: np.ndarray, labels: np.ndarray, per_person: int, people: int = 6) -> Figure:
    """The labelled photos of the first ``people`` people, one row per person.

    Args:
        images: (N, H, W, 3) in [0, 1], grouped by person.
        labels: (N,) the person of each image.
        per_person: how many images to show for each person.
        people: how many people (rows).

    Returns:
        matplotlib.figure.Figure.
    """
    chosen = [np.flatnonzero(labels == person)[:per_person] for person in np.unique(labels)[:people]]  # fmt: skip
    fig, axes = grid(len(chosen) * per_person, ncols=per_person, size=1.2)
    for row, indices in enumerate(chosen):
        for column, index in enumerate(indices):
            title = f"person {labels[index]}" if column == 0 else None
            show_image(axes[row * per_person + column], images[index], title)
    fig.suptitle("the labelled photos of the target task (one row per person)", fontsize=10)
    return fig


def plot_accuracies(results: Mapping[str, float], title: str = "") -> Figure:
    """Horizontal bars: test accuracy of each method, with its value written at the bar's end.

    Args:
        results: {method: accuracy in [0, 1]}, drawn top to bottom in this order.
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure.
    """
    names, values = list(results), [100 * v for v in results.values()]
    fig = Figure(figsize=(7, 0.5 * len(names) + 1.0), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(names))[::-1]
    ax.barh(positions, values, color="tab:blue")
    for position, value in zip(positions, values, strict=True):
        ax.text(value + 1, position, f"{value:.1f} %", va="center", fontsize=9)
    ax.set_yticks(positions, names)
    ax.set_xlim(0, 110)
    ax.set_xlabel("test accuracy (%)")
    ax.set_title(title, fontsize=10)
    return fig


def augmentation_gallery(rows: Mapping[str, np.ndarray]) -> Figure:
    """One row per augmentation: {title: (k, H, W, 3) images in [0, 1]}, k panels each.

    Returns:
        matplotlib.figure.Figure.
    """
    count = max(len(images) for images in rows.values())
    fig, axes = grid(len(rows) * count, ncols=count, size=1.3)
    for row, (title, images) in enumerate(rows.items()):
        for column in range(count):
            ax = axes[row * count + column]
            if column < len(images):
                show_image(ax, np.clip(images[column], 0, 1), title if column == 0 else None)
            else:
                ax.set_visible(False)
    return fig
