"""Figures and the pair explorer of chapter 07 (face verification and recognition).

"Extra code", kept out of the learner's way: figures are built without pyplot and returned
(shown once, as the value of a cell's last line); the explorer puts its figure into an
``Output`` widget as a PNG (:func:`helpers.viz.common.show_in_output`), so it works in
JupyterLab, headless, and in the rendered HTML.

None of the graded exercises is solved here: the figures receive the embeddings, rates and
thresholds the learner's functions computed, and only draw them. The one computation is the
2-D projection of the embedding map (principal components, :func:`project_2d`), which no
exercise asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.viz.common import int_slider, show_image, show_in_output

__all__ = [
    "pair_explorer",
    "plot_embedding_map",
    "plot_losses",
    "plot_roc",
    "project_2d",
    "show_identification",
]


def plot_losses(curves: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """Loss per training step, one line per run (a moving average of 20 steps over the raw one).

    Args:
        curves: {label: losses (S,)}.
        title: the figure's title.

    Returns:
        matplotlib Figure with one panel per run.
    """
    fig = Figure(figsize=(4.2 * len(curves), 3.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(curves)))
    for ax, (label, losses) in zip(axes, curves.items(), strict=True):
        losses = np.asarray(losses, dtype=float)
        steps = np.arange(1, len(losses) + 1)
        ax.plot(steps, losses, color="0.75", lw=0.8, label="each step")
        window = min(20, len(losses))
        if window > 1:
            smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
            ax.plot(steps[window - 1 :], smooth, lw=2, label=f"mean of {window} steps")
        ax.set_xlabel("training step")
        ax.set_ylabel("loss")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_roc(curves: Mapping[str, tuple], chosen: Mapping[str, tuple] | None = None,
             title: str = "ROC on validation pairs") -> Figure:  # fmt: skip
    """ROC curves (true positive rate against false positive rate), with the chosen points.

    Args:
        curves: {label: (fpr (T,), tpr (T,))}.
        chosen: {label: (fpr, tpr)} of the chosen threshold, marked with a dot.
        title: the figure's title.

    Returns:
        matplotlib Figure.
    """
    fig = Figure(figsize=(4.6, 4.2), layout="constrained")
    ax = fig.subplots()
    for label, (fpr, tpr) in curves.items():
        area = float(np.trapezoid(tpr, fpr))
        (line,) = ax.plot(fpr, tpr, lw=2, label=f"{label} (area {area:.3f})")
        if chosen and label in chosen:
            ax.plot(*chosen[label], "o", color=line.get_color(), ms=7)
    ax.plot([0, 1], [0, 1], ":", color="0.5", label="chance")
    ax.set_xlabel("false positive rate (different pairs accepted)")
    ax.set_ylabel("true positive rate (same pairs accepted)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    return fig


def project_2d(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The embeddings' first two principal components.

    Args:
        embeddings: ``(N, d)``.

    Returns:
        ``(points (N, 2), explained (2,))``: the coordinates and the fraction of the variance
        each component explains.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    x = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(x, full_matrices=False)
    variance = singular**2
    return x @ vt[:2].T, variance[:2] / variance.sum()


def plot_embedding_map(embeddings_by_title: Mapping[str, np.ndarray], identities: np.ndarray,
                       title: str = "") -> Figure:  # fmt: skip
    """Each embedding projected on its first two principal components, coloured by identity.

    Args:
        embeddings_by_title: {panel title: embeddings (N, d)}, e.g. raw pixels and the encoder.
        identities: ``(N,)`` identity of each row.
        title: the figure's title.

    Returns:
        matplotlib Figure, one panel per entry.
    """
    identities = np.asarray(identities)
    names = {i: k for k, i in enumerate(np.unique(identities))}
    colour = np.array([names[i] for i in identities])
    fig = Figure(figsize=(4.4 * len(embeddings_by_title), 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(embeddings_by_title)))
    for ax, (label, embeddings) in zip(axes, embeddings_by_title.items(), strict=True):
        points, explained = project_2d(embeddings)
        ax.scatter(points[:, 0], points[:, 1], c=colour, cmap="tab20", s=14, alpha=0.85)
        ax.set_title(f"{label}\n(2 components: {explained.sum():.0%} of the variance)", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def show_identification(queries: np.ndarray, references: np.ndarray, answers: Sequence[str],
                        truths: Sequence[str], distances: Sequence[float]) -> Figure:  # fmt: skip
    """Queries with the enrolled image of the answer, and whether it was right.

    Args:
        queries: ``(n, H, W, 3)`` the query images.
        references: ``(n, H, W, 3)`` the enrolled image of each answer (anything for "unknown").
        answers: the name answered for each query ("unknown" allowed).
        truths: the true name of each query.
        distances: the squared distance to the closest enrolled face.

    Returns:
        matplotlib Figure: two rows, queries on top, answers below.
    """
    n = len(queries)
    fig = Figure(figsize=(1.6 * n, 3.6), layout="constrained")
    axes = fig.subplots(2, n, squeeze=False)
    for k in range(n):
        show_image(axes[0, k], queries[k], f"query: {truths[k]}")
        verdict = "right" if answers[k] == truths[k] else "wrong"
        if answers[k] == "unknown":
            axes[1, k].axis("off")
            axes[1, k].set_title(f"unknown\n(d={distances[k]:.2f})", fontsize=9)
        else:
            show_image(
                axes[1, k], references[k], f"{answers[k]}, {verdict}\n(d={distances[k]:.2f})"
            )
    return fig


def _pair_figure(first, second, text: str) -> Figure:
    fig = Figure(figsize=(4.4, 2.5), layout="constrained")
    axes = fig.subplots(1, 2)
    show_image(axes[0], first, "face A")
    show_image(axes[1], second, "face B")
    fig.suptitle(text, fontsize=9)
    return fig


def pair_explorer(images: np.ndarray, identities: np.ndarray, embeddings: np.ndarray,
                  threshold: float, first: int = 0, second: int = 1) -> widgets.VBox:  # fmt: skip
    """Pick two faces: see their squared distance, the threshold and the decision.

    Things to try:
        - Two renderings of one person (indices next to each other share an identity): how far
          below the threshold are they, and does it change with the pose or the light?
        - Two people: find a pair the encoder confuses, and look at what they have in common.

    Args:
        images: ``(N, H, W, 3)`` faces.
        identities: ``(N,)`` identity of each face.
        embeddings: ``(N, d)`` the encoder's embedding of each face (computed once, by the
            learner's encoder).
        threshold: the chosen squared-distance threshold.
        first, second: the faces shown first.

    Returns:
        ipywidgets.VBox: two IntSliders, a Label and an Output.
    """
    images, embeddings = np.asarray(images), np.asarray(embeddings, dtype=np.float64)
    identities = np.asarray(identities)
    last = len(images) - 1
    sliders = [int_slider("face A", first, 0, last), int_slider("face B", second, 0, last)]
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        a, b = (s.value for s in sliders)
        distance = float(np.sum((embeddings[a] - embeddings[b]) ** 2))
        decision = "same person" if distance <= threshold else "different people"
        truth = "same person" if identities[a] == identities[b] else "different people"
        verdict = "right" if decision == truth else "WRONG"
        label.value = (
            f"faces {a} (id {identities[a]}) and {b} (id {identities[b]}): squared distance "
            f"{distance:.3f}, threshold {threshold:.3f} -> {decision} ({verdict}; truly {truth})"
        )
        show_in_output(output, _pair_figure(images[a], images[b], label.value), label.value)

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox(sliders), label, output])
