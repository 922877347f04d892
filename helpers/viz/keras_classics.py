"""Figures, tables and the feature-map explorer of chapter 02 (Keras models), kept out of the
learner's way and called in one line.

As in :mod:`helpers.viz`, figures are built without pyplot and returned; the explorer puts
each figure into its ``Output`` widget as a PNG, so it works in JupyterLab, when a notebook is
executed headless, and in the rendered HTML (which keeps the last state drawn).

Activation-table rows are the chapter's format: dicts ``{"layer": str, "shape": tuple,
"size": int, "params": int}``, the first row being the input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.viz.common import (
    OKABE_ITO,
    SMALLEST_TEXT,
    Table,
    plain_table,
    plot_feature_maps,
    plot_training_curves,
    show_images,
    show_in_output,
)
from helpers.viz.common import Progress as Progress  # the notebooks' progress bars

# ------------------------------------------------------------------------ activation tables


def _check_rows(rows: Sequence[Mapping]) -> list[Mapping]:
    rows = list(rows)
    if not rows:
        raise ValueError("rows is empty; pass the list of dicts activation_table returns.")
    for index, row in enumerate(rows):
        missing = [key for key in ("layer", "shape", "size", "params") if key not in row]
        if missing:
            raise ValueError(f"row {index} has no key {missing[0]!r}; got {sorted(row)}.")
    return rows


def _table_cells(rows: Sequence[Mapping]) -> tuple[list[str], list[list[str]]]:
    rows = _check_rows(rows)
    header = ["layer", "activation shape", "activation size", "parameters"]
    body = [
        [str(r["layer"]), str(tuple(int(n) for n in r["shape"])), f"{int(r['size']):,}",
         f"{int(r['params']):,}"]
        for r in rows
    ]  # fmt: skip
    total_size = sum(int(r["size"]) for r in rows)
    total_params = sum(int(r["params"]) for r in rows)
    body.append(["total", "", f"{total_size:,}", f"{total_params:,}"])
    return header, body


def format_activation_table(rows: Sequence[Mapping]) -> str:
    """The activation table as plain text, with a total row.

    Args:
        rows: dicts {"layer", "shape", "size", "params"} (see the module docstring).

    Returns:
        str, one line per row.
    """
    return plain_table(*_table_cells(rows), text_columns=2)


def activation_table_html(rows: Sequence[Mapping]) -> Table:
    """Show the activation table as an HTML table (its plain-text form when not in a notebook).

    Args:
        rows: dicts {"layer", "shape", "size", "params"}.

    Returns:
        An object a notebook shows as HTML (``.data`` is the HTML string).
    """
    header, body = _table_cells(rows)
    return Table(header, body, text_columns=2)


def plot_network_shapes(rows: Sequence[Mapping], title: str = "") -> Figure:
    """Three panels along the depth of a network: height and channels of each activation,
    the activation's size, and the layer's parameter count (log scales).

    Args:
        rows: dicts {"layer", "shape", "size", "params"}; rows with a 1-D shape (flatten,
            dense) have no height, and count their length as channels.
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure.
    """
    rows = _check_rows(rows)
    names = [str(r["layer"]) for r in rows]
    x = np.arange(len(rows))
    height = [r["shape"][0] if len(r["shape"]) == 3 else np.nan for r in rows]
    channels = [r["shape"][-1] for r in rows]
    fig = Figure(figsize=(max(7.0, 0.42 * len(rows)), 7.5), layout="constrained")
    ax_shape, ax_size, ax_params = fig.subplots(3, 1, sharex=True)
    ax_shape.plot(x, height, "o-", label="height n_H (= width here)")
    ax_shape.plot(x, channels, "s-", label="channels n_C (units for dense)")
    ax_shape.set_yscale("log", base=2)
    ax_shape.set_ylabel("size")
    ax_shape.legend(fontsize=SMALLEST_TEXT)
    ax_size.bar(x, [r["size"] for r in rows], color=OKABE_ITO[1])
    ax_size.set_yscale("log")
    ax_size.set_ylabel("activation size\n(numbers per example)")
    params = [r["params"] for r in rows]
    ax_params.bar(x, params, color=OKABE_ITO[2])
    ax_params.set_yscale("symlog", linthresh=1)
    ax_params.set_ylabel("parameters")
    for ax in (ax_shape, ax_size, ax_params):
        ax.grid(alpha=0.3)
    ax_params.set_xticks(x, names, rotation=60, ha="right", fontsize=SMALLEST_TEXT)
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- training


# ------------------------------------------------------------------------- feature maps


def feature_maps(model, images, layer_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The activations of some layers of a Keras model.

    Args:
        model: a built keras.Model (it must have an input, e.g. keras.Input(...)).
        images: (N, H, W, C) batch the model accepts.
        layer_names: names of layers of the model.

    Returns:
        {name: array (N, ...)}, e.g. (N, 28, 28, 6) for LeNet-5's C1.
    """
    import keras

    known = [layer.name for layer in model.layers]
    for name in layer_names:
        if name not in known:
            raise ValueError(f"the model has no layer {name!r}; its layers are {known}.")
    outputs = [model.get_layer(name).output for name in layer_names]
    extractor = keras.Model(model.input, outputs)
    # A direct call rather than predict(): no tf.function to trace for every new extractor.
    values = extractor(np.asarray(images, dtype=np.float32), training=False)
    return {
        name: keras.ops.convert_to_numpy(value)
        for name, value in zip(layer_names, values, strict=True)
    }


def map_layers(model) -> list[str]:
    """Names of the layers of a model whose output is a stack of 2-D maps (N, H, W, C) larger
    than 1 x 1 (LeNet-5's C5, 1 x 1 x 120, is a vector in all but name)."""
    return [
        layer.name
        for layer in model.layers
        if type(layer).__name__ != "InputLayer"
        and len(layer.output.shape) == 4
        and layer.output.shape[1] * layer.output.shape[2] > 1
    ]


def plot_feature_map_overview(
    model, image, layer_names: Sequence[str] | None = None, title: str = ""
) -> Figure:
    """One row per layer: the input digit, then every map of that layer for this digit.

    Args:
        model: a built keras.Model.
        image: (H, W, C) one example.
        layer_names: layers to show (default: every layer with 2-D maps, see map_layers).
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure.
    """
    layer_names = list(layer_names or map_layers(model))
    maps = feature_maps(model, np.asarray(image)[None], layer_names)
    ncols = 1 + max(m.shape[-1] for m in maps.values())
    if ncols > 65:
        raise ValueError(f"{ncols - 1} maps in one layer are too many to draw; pick layer_names.")
    # No constrained layout: with dozens of panels it takes seconds, and the grid is regular.
    fig = Figure(figsize=(0.9 * ncols, 1.0 * len(layer_names) + 0.5))
    axes = fig.subplots(len(layer_names), ncols, squeeze=False)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.02, top=0.85, wspace=0.08, hspace=0.15)
    for row, name in enumerate(layer_names):
        volume = maps[name][0]
        axes[row, 0].imshow(np.asarray(image)[..., 0], cmap="gray_r")
        axes[row, 0].set_ylabel(
            f"{name}\n{volume.shape[0]}x{volume.shape[1]}", fontsize=SMALLEST_TEXT
        )
        axes[row, 0].set_xticks([])
        axes[row, 0].set_yticks([])
        for column in range(1, ncols):
            ax = axes[row, column]
            if column - 1 < volume.shape[-1]:
                ax.imshow(volume[..., column - 1], cmap="viridis")
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


def feature_map_explorer(model, images, labels=None, layer_names: Sequence[str] | None = None):
    """Pick a layer of a trained model and an example; see that layer's feature maps.

    Things to try:
        - C1 on a few digits: which maps respond to strokes of one direction?
        - The same digit through C1, S2, C3, S4: the maps get smaller and more numerous, and
          less like the digit.
        - Two different digits at C3: do the same maps light up?

    Args:
        model: a built keras.Model (e.g. the trained LeNet-5).
        images: (N, H, W, C) examples to choose from.
        labels: optional (N,) their labels, shown in the text.
        layer_names: layers offered (default: every layer with 2-D maps).

    Returns:
        ipywidgets.VBox: a Dropdown "layer", an IntSlider "example", a Label and an Output.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got {images.shape}.")
    layer_names = list(layer_names or map_layers(model))
    if not layer_names:
        raise ValueError("the model has no layer with 2-D feature maps to show.")
    maps = feature_maps(model, images, layer_names)  # all at once: small model, small batch
    layer_menu = widgets.Dropdown(options=layer_names, value=layer_names[0], description="layer")
    example = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="example",
                                continuous_update=False)  # fmt: skip
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        volume = maps[layer_menu.value][example.value]
        digit = "" if labels is None else f" (label {int(labels[example.value])})"
        label.value = (
            f"example {example.value}{digit}, layer {layer_menu.value}: {volume.shape[-1]} maps "
            f"of {volume.shape[0]} x {volume.shape[1]}"
        )
        fig = plot_feature_maps(volume, title=label.value, ncols=8)
        show_in_output(output, fig, label.value)

    layer_menu.observe(update, names="value")
    example.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([layer_menu, example]), label, output])


def plot_misclassified(images, labels, predicted, limit: int = 12) -> Figure | str:
    """The examples a model gets wrong, titled "label -> predicted".

    Args:
        images: (N, H, W, 1) examples; labels, predicted: (N,) ints.
        limit: at most this many panels.

    Returns:
        matplotlib.figure.Figure, or the string "no mistakes" when there are none.
    """
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predicted))[:limit]
    if wrong.size == 0:
        return "no mistakes"
    titles = [f"{int(labels[i])} -> {int(predicted[i])}" for i in wrong]
    ncols = min(6, wrong.size)
    return show_images([images[i] for i in wrong], titles=titles, cmap="gray_r",
                           ncols=ncols, size=1.4)  # fmt: skip


def digits_grid(images, labels, count: int = 12) -> Figure:
    """The first ``count`` digits with their labels (a quick look at the data)."""
    count = min(count, len(images))
    return show_images([images[i] for i in range(count)],
                           titles=[f"label {int(labels[i])}" for i in range(count)],
                           cmap="gray_r", ncols=min(count, 6), size=1.4)  # fmt: skip


__all__ = [
    "activation_table_html",
    "digits_grid",
    "feature_map_explorer",
    "feature_maps",
    "format_activation_table",
    "map_layers",
    "plot_feature_map_overview",
    "plot_misclassified",
    "plot_network_shapes",
    "plot_training_curves",
]
