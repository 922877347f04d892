"""Figures, tables, measurements and the depth explorer of chapter 03 (residual networks).

"Extra code", kept out of the learner's way: figures are built without pyplot and returned
(shown once, as the value of a cell's last line); the explorer puts each figure into its
``Output`` widget as a PNG (:func:`helpers.viz.common.show_in_output`), so it works in
JupyterLab, headless, and in the rendered HTML.

None of the graded exercises is solved here: the explorer and the gradient figure receive the
learner's own networks (built from their ``identity_block``), and only count, time and draw.

Counting conventions, as in He et al. 2015 (Table 1 calls them FLOPs; section 3.3 says
multiply-adds): :func:`multiply_adds` (from :mod:`helpers.model_costs`, shared by every chapter)
counts the multiplications of the convolutions and the dense layers, one per weight per output
position; batch norm, ReLU, pooling and the shortcut's additions are left out, and the
additions are counted on their own (:func:`shortcut_additions`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.model_costs import layer_multiply_adds, multiply_adds
from helpers.viz.common import SMALLEST_TEXT, Table, int_slider, show_images, show_in_output
from helpers.viz.common import Progress as Progress  # the notebooks' progress bars

__all__ = [
    "depth_explorer",
    "forward_seconds",
    "kernel_gradient_norms",
    "multiply_adds",
    "plot_degradation",
    "plot_gradient_norms",
    "plot_misclassified",
    "shortcut_additions",
    "stage_table",
]


# ------------------------------------------------------------------------------ counting
def shortcut_additions(model) -> int:
    """The additions of every Add layer for one example: one per number of its output."""
    import keras

    return sum(
        int(np.prod(layer.output.shape[1:]))
        for layer in model.layers
        if isinstance(layer, keras.layers.Add)
    )


def forward_seconds(model, images, repeats: int = 3) -> float:
    """Median wall time of ``model(images, training=False)``, after one call to warm up.

    Args:
        model: a keras.Model.
        images: (m, n_H, n_W, n_C) float32 batch.
        repeats: timed calls; the median is returned.

    Returns:
        seconds per call (the whole batch).
    """
    images = np.asarray(images, dtype=np.float32)
    model(images, training=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model(images, training=False)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _stage(layer_name: str) -> str:
    """conv3_block2_1_conv -> conv3; conv1_conv -> conv1; avg_pool, predictions -> top."""
    head = layer_name.split("_")[0]
    if head.startswith("conv") and head[4:].isdigit():
        return head
    if head == "pool1":
        return "conv1"
    return "top"


def stage_table(model) -> Table:
    """Parameters, multiply-adds and output shape of each stage of a ResNet named as Keras' is.

    Args:
        model: a built ResNet whose layers are named as keras.applications.ResNet50's
            (``conv1_...``, ``conv2_block1_...``, ..., ``avg_pool``, ``predictions``).

    Returns:
        A table (HTML in a notebook, text otherwise), one row per stage and a total.
    """
    stages: dict[str, dict] = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        row = stages.setdefault(_stage(layer.name), {"params": 0, "macs": 0, "shape": None})
        row["params"] += layer.count_params()
        row["macs"] += layer_multiply_adds(layer)
        row["shape"] = tuple(layer.output.shape[1:])
    total_params = sum(row["params"] for row in stages.values())
    total_macs = sum(row["macs"] for row in stages.values())
    body = [
        [name, " x ".join(str(n) for n in row["shape"]), f"{row['params']:,}",
         f"{row['params'] / total_params:.1%}", f"{row['macs'] / 1e6:,.0f}",
         f"{row['macs'] / total_macs:.1%}"]
        for name, row in stages.items()
    ]  # fmt: skip
    body.append(["total", "", f"{total_params:,}", "100%", f"{total_macs / 1e6:,.0f}", "100%"])
    header = ["stage", "output", "parameters", "share", "multiply-adds (millions)", "share"]
    return Table(header, body, text_columns=2)


# ---------------------------------------------------------------------------- gradients
def kernel_gradient_norms(model, images, labels) -> list[tuple[str, float]]:
    """The norm of the loss gradient with respect to every convolution's kernel, input to output.

    The loss is the mean sparse categorical cross-entropy of the model's softmax output; batch
    norm uses the batch's statistics, as in the first step of training.

    Args:
        model: a keras.Model ending in a softmax.
        images: (m, n_H, n_W, n_C) float32 batch.
        labels: (m,) int class indices.

    Returns:
        [(layer name, ||dL/dW||), ...] for every Conv2D layer, in the model's order.
    """
    import keras
    import tensorflow as tf

    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    with tf.GradientTape() as tape:
        probabilities = model(np.asarray(images, dtype=np.float32), training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities))
    gradients = tape.gradient(loss, [layer.kernel for layer in convs])
    return [(layer.name, float(tf.norm(g))) for layer, g in zip(convs, gradients, strict=True)]


def plot_gradient_norms(
    norms: Mapping[str, Sequence[tuple[str, float]]], title: str = ""
) -> Figure:
    """Gradient norm per convolution, from the input (left) to the output (right), log scale.

    Args:
        norms: {network name: [(layer name, norm), ...]} as kernel_gradient_norms returns.
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure.
    """
    fig = Figure(figsize=(8, 3.4), layout="constrained")
    ax = fig.add_subplot()
    for label, values in norms.items():
        depth = np.arange(1, len(values) + 1)
        ax.plot(depth, [v for _, v in values], "o-", ms=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("convolution, from the input (1) to the output")
    ax.set_ylabel("||dL/dW|| at initialisation")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=SMALLEST_TEXT)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


# -------------------------------------------------------------------------- training curves
def plot_degradation(
    histories: Mapping[str, Mapping[str, Sequence[float]]], title: str = ""
) -> Figure:
    """Training loss and training accuracy per epoch of several networks, side by side.

    Args:
        histories: {network name: History.history} (keys "loss" and "accuracy").
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure with two panels.
    """
    fig = Figure(figsize=(9, 3.3), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for label, history in histories.items():
            curve = list(getattr(history, "history", history)[metric])
            ax.plot(np.arange(1, len(curve) + 1), curve, "o-", label=f"{label} ({curve[-1]:.3f})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"training {metric}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=SMALLEST_TEXT)
    epochs = max(len(getattr(h, "history", h)["loss"]) for h in histories.values())
    axes[0].axhline(math.log(5), color="grey", lw=1, ls="--")
    axes[0].annotate("chance: ln 5", (epochs, math.log(5)), fontsize=SMALLEST_TEXT, color="grey", ha="right",
                     xytext=(0, 3), textcoords="offset points")  # fmt: skip
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    return fig


def plot_misclassified(images, labels, predicted, class_names: Sequence[str], limit: int = 12):
    """The examples a model gets wrong, titled "label -> predicted".

    Args:
        images: (N, H, W, 3) examples in [0, 1]; labels, predicted: (N,) ints.
        class_names: the name of each class index.
        limit: at most this many panels.

    Returns:
        matplotlib.figure.Figure, or the string "no mistakes".
    """
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predicted))[:limit]
    if wrong.size == 0:
        return "no mistakes"
    titles = [f"{class_names[labels[i]]} -> {class_names[predicted[i]]}" for i in wrong]
    return show_images(
        [images[i] for i in wrong], titles=titles, ncols=min(6, wrong.size), size=1.5
    )


# ------------------------------------------------------------------------------ explorer
def _measure(build: Callable, blocks: int, images) -> dict:
    row = {}
    for shortcut in (False, True):
        model = build(blocks, shortcut)
        row[shortcut] = {
            "params": model.count_params(),
            "macs": multiply_adds(model),
            "adds": shortcut_additions(model),
            "seconds": forward_seconds(model, images),
            "layers": sum(1 for layer in model.layers if type(layer).__name__ in ("Conv2D", "Dense")),
        }  # fmt: skip
    return row


def _explorer_figure(results: Mapping[int, dict], current: int, batch: int) -> Figure:
    depths = sorted(results)
    fig = Figure(figsize=(10, 3.0), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = (("params", 1e3, "parameters (thousands)"),
              ("macs", 1e6, "multiply-adds per image (millions)"),
              ("seconds", 1e-3, f"forward time, batch of {batch} (ms)"))  # fmt: skip
    for ax, (key, scale, label) in zip(axes, panels, strict=True):
        for shortcut, style, name in ((False, "s--", "plain"), (True, "o-", "residual")):
            ax.plot(depths, [results[d][shortcut][key] / scale for d in depths], style, label=name)
        ax.axvline(current, color="grey", lw=1)
        ax.set_xlabel("blocks (3 conv layers each)")
        ax.set_title(label, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=SMALLEST_TEXT)
    return fig


def depth_explorer(build: Callable, images, low: int = 1, high: int = 24, value: int = 8):
    """Pick a depth; see the parameters, multiply-adds and measured forward time of the plain
    and the residual network of that depth, and of every depth tried so far.

    Things to try:
        - Move from 2 to 16 blocks: parameters and multiply-adds grow in a straight line.
        - Compare the two curves: the shortcut adds no parameter and no multiplication, only one
          addition per number (printed), and its cost hides in the timing noise.

    Args:
        build: build(blocks, shortcut) -> keras.Model, the chapter's network of ``blocks``
            identity blocks, with (True) or without (False) the shortcut.
        images: (m, n_H, n_W, n_C) batch the forward pass is timed on.
        low, high, value: the slider's range and first value.

    Returns:
        ipywidgets.VBox: an IntSlider "blocks", a Label and an Output.
    """
    images = np.asarray(images, dtype=np.float32)
    slider = int_slider("blocks", value, low, high)
    label = widgets.Label()
    output = widgets.Output()
    results: dict[int, dict] = {}

    def update(_change=None) -> None:
        blocks = slider.value
        if blocks not in results:
            results[blocks] = _measure(build, blocks, images)
        plain, residual = results[blocks][False], results[blocks][True]
        label.value = (
            f"{blocks} blocks, {residual['layers']} weight layers: parameters {plain['params']:,} "
            f"plain / {residual['params']:,} residual; multiply-adds {plain['macs']:,} / "
            f"{residual['macs']:,} (+ {residual['adds']:,} additions on the shortcuts); forward "
            f"{plain['seconds'] * 1e3:.1f} ms / {residual['seconds'] * 1e3:.1f} ms"
        )
        show_in_output(output, _explorer_figure(results, blocks, len(images)), label.value)

    slider.observe(update, names="value")
    update()
    return widgets.VBox([slider, label, output])
