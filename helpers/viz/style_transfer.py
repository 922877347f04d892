"""Figures and the explorer of chapter 08: what ConvNets learn, and neural style transfer.

"Extra code": every function returns a matplotlib Figure (or an ipywidgets box) and draws
nothing the chapter asks the learner to write.

- :func:`layer_table`: every layer of the VGG, its output channels and receptive field.
- :func:`plot_depth_maps`: one photo's feature maps at several depths.
- :func:`top_activating_patches` and :func:`plot_top_patches`: the image patches of a set of
  photos that excite chosen channels most (the right-hand panels of Zeiler & Fergus's Figure 2).
- :func:`plot_channel_images`: the inputs synthesised by gradient ascent, per channel.
- :func:`plot_style_transfer` and :func:`plot_style_losses`: content, style and result side by
  side; the costs per step, on a log scale.
- :func:`style_explorer`: style layers and alpha / beta to a quick low-resolution preview.

Conventions: channels last; images RGB in [0, 1], ``(H, W, 3)``; feature maps ``(H, W, C)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from helpers.viz.common import Table, float_slider, grid, show_in_output

__all__ = [
    "layer_table",
    "plot_channel_images",
    "plot_depth_maps",
    "plot_style_losses",
    "plot_style_transfer",
    "plot_top_patches",
    "style_explorer",
    "top_activating_patches",
]


def layer_table(model, fields: Mapping[str, tuple[int, int, float]], names: Sequence[str]) -> Table:
    """A table of the named layers: output channels, stride from the input, receptive field.

    Args:
        model: the VGG (keras.Model).
        fields: ``{layer name: (size, jump, centre)}``, as ``references.receptive_fields``.
        names: the layers to list, in order.

    Returns:
        a Table (HTML in a notebook, plain text elsewhere).
    """
    body = []
    for name in names:
        size, jump, _ = fields[name]
        channels = model.get_layer(name).output.shape[-1]
        body.append([name, f"{channels}", f"1/{jump}", f"{size} x {size}"])
    return Table(["layer", "channels", "resolution (of the input's)", "receptive field (pixels)"], body)  # fmt: skip


def plot_depth_maps(image, maps: Mapping[str, np.ndarray], channels: int = 6) -> Figure:
    """The photo, then for each layer its first ``channels`` feature maps, one row per layer.

    Args:
        image: ``(H, W, 3)`` in [0, 1].
        maps: ``{layer name: (h, w, C) activations of that photo}``, shallow to deep.
        channels: how many channels to draw per layer (the ones with the largest mean).

    Returns:
        Figure with one row per layer (the photo on the left of the first row).
    """
    rows = len(maps)
    fig = Figure(figsize=(1.9 * (channels + 1), 1.8 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, channels + 1, squeeze=False)
    for row, (name, activation) in enumerate(maps.items()):
        activation = np.asarray(activation)
        axes[row, 0].axis("off")
        if row == 0:
            axes[row, 0].imshow(image)
            axes[row, 0].set_title("input", fontsize=9)
        strongest = np.argsort(-activation.mean(axis=(0, 1)))[:channels]
        for col, channel in enumerate(strongest, start=1):
            ax = axes[row, col]
            ax.imshow(activation[..., channel], cmap="viridis")
            ax.set_title(f"{name} #{channel}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 1].set_ylabel(f"{activation.shape[0]} x {activation.shape[1]}", fontsize=9)
    fig.suptitle("the most active channels at each depth (each map with its own colour scale)")
    return fig


def top_activating_patches(
    extractor,
    images: Sequence[np.ndarray],
    fields: Mapping[str, tuple[int, int, float]],
    layer_names: Sequence[str],
    channels: int = 4,
    k: int = 9,
    preprocess: Callable | None = None,
) -> dict[str, list[tuple[int, list[np.ndarray]]]]:
    """For each layer, the ``channels`` channels with the largest activation over the images,
    and for each such channel the receptive-field patches of its ``k`` strongest images.

    Each image contributes at most one patch per channel (its strongest position), as Zeiler &
    Fergus's top-9 came from different images. A patch that sticks out of the image is cut at
    the border.

    Args:
        extractor: keras.Model from a preprocessed batch ``(1, H, W, 3)`` to the list of the
            outputs of ``layer_names``, each ``(1, h, w, C)``.
        images: photos ``(H, W, 3)`` in [0, 1], any sizes.
        fields: ``{layer name: (size, jump, centre)}``, as ``references.receptive_fields``.
        layer_names: the layers, in the extractor's output order.
        channels: how many channels to show per layer.
        k: patches per channel.
        preprocess: images ``(1, H, W, 3)`` in [0, 1] to the network's input.

    Returns:
        ``{layer name: [(channel, [k patches (s, s, 3) or smaller at borders]), ...]}``.
    """
    best = {name: [] for name in layer_names}  # per image: (value (C,), row (C,), col (C,))
    for image in images:
        outputs = extractor(preprocess(image[None]) if preprocess else image[None])
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        for name, out in zip(layer_names, outputs, strict=True):
            out = np.asarray(out)[0]  # (h, w, C)
            flat = out.reshape(-1, out.shape[-1])
            where = flat.argmax(axis=0)
            best[name].append((flat.max(axis=0), *np.unravel_index(where, out.shape[:2])))
    result = {}
    for name in layer_names:
        values = np.stack([b[0] for b in best[name]])  # (images, C)
        size, jump, centre = fields[name]
        chosen = np.argsort(-values.max(axis=0))[:channels]
        per_channel = []
        for channel in chosen:
            order = np.argsort(-values[:, channel])[:k]
            patches = []
            for index in order:
                _, rows, cols = best[name][index]
                y = centre + rows[channel] * jump - (size - 1) / 2
                x = centre + cols[channel] * jump - (size - 1) / 2
                y0, x0 = max(int(round(y)), 0), max(int(round(x)), 0)
                y1, x1 = int(round(y)) + size, int(round(x)) + size
                patches.append(images[index][y0:y1, x0:x1])
            per_channel.append((int(channel), patches))
        result[name] = per_channel
    return result


def plot_top_patches(patches: Mapping[str, list[tuple[int, list[np.ndarray]]]]) -> Figure:
    """One block of 3 x 3 patches per channel, one row of blocks per layer.

    Args:
        patches: as returned by :func:`top_activating_patches` (k = 9).

    Returns:
        Figure.
    """
    rows = len(patches)
    cols = max(len(v) for v in patches.values())
    fig = Figure(figsize=(2.6 * cols, 2.8 * rows), layout="constrained")
    subfigs = np.atleast_2d(fig.subfigures(rows, cols, squeeze=False))
    for row, (name, per_channel) in enumerate(patches.items()):
        for col in range(cols):
            sub = subfigs[row, col]
            if col >= len(per_channel):
                continue
            channel, images = per_channel[col]
            axes = sub.subplots(3, 3)
            for ax, patch in zip(axes.ravel(), list(images) + [None] * 9, strict=False):
                ax.axis("off")
                if patch is not None:
                    ax.imshow(patch, interpolation="nearest")
            sub.suptitle(f"{name} #{channel}", fontsize=9)
    return fig


def plot_channel_images(
    images: Mapping[str, np.ndarray], titles: Mapping[str, Sequence[str]]
) -> Figure:
    """The synthesised inputs, one row per variant (e.g. "plain", "regularised").

    Args:
        images: ``{variant: (n, H, W, 3) in [0, 1]}``, the same n for every variant.
        titles: ``{variant: n titles}``.

    Returns:
        Figure.
    """
    rows = len(images)
    n = max(len(v) for v in images.values())
    fig = Figure(figsize=(2.3 * n, 2.5 * rows), layout="constrained")
    axes = fig.subplots(rows, n, squeeze=False)
    for row, (variant, batch) in enumerate(images.items()):
        for col in range(n):
            ax = axes[row, col]
            ax.axis("off")
            if col < len(batch):
                ax.imshow(np.clip(batch[col], 0, 1))
                ax.set_title(f"{variant}\n{titles[variant][col]}", fontsize=9)
    return fig


def plot_style_transfer(content, style, result, title: str = "") -> Figure:
    """Content, style and result side by side.

    Args:
        content, style, result: ``(H, W, 3)`` in [0, 1] (the style image may have another size).
        title: the figure's title.

    Returns:
        Figure with three panels.
    """
    fig, axes = grid(3, 3, 3.0)
    for ax, image, name in zip(axes, (content, style, result), ("content", "style", "result"), strict=True):  # fmt: skip
        ax.imshow(np.clip(np.asarray(image), 0, 1))
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def plot_style_losses(history: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """The costs at every step, each in its own panel, on a log scale (values of 0 left out).

    Args:
        history: ``{"J": [...], "J_content": [...], "J_style": [...]}`` (one value per step).
        title: the figure's title.

    Returns:
        Figure with one panel per cost.
    """
    fig = Figure(figsize=(3.3 * len(history), 3.0), layout="constrained")
    axes = fig.subplots(1, len(history), squeeze=False)[0]
    for ax, (name, values) in zip(axes, history.items(), strict=True):
        values = np.asarray(values, dtype=float)
        steps = np.arange(len(values))
        shown = values > 0  # a log scale cannot show 0 (the content cost of the first step)
        ax.plot(steps[shown], values[shown], "-")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3, which="both")
    if title:
        fig.suptitle(title)
    return fig


def style_explorer(
    preview: Callable, style_layers: Sequence[str], log_ratio: float = -3.0
) -> widgets.VBox:
    """Tick style layers and pick alpha / beta; see a quick low-resolution result.

    Things to try:
        - Only ``block1_conv1``: colours and the finest grain move over, no larger structure.
        - Only the deepest layer: larger blobs of the style, and the colours hardly change.
        - Slide alpha / beta from 1e-5 to 1e-1: from the style's texture everywhere to the
          content photo almost unchanged.

    Args:
        preview: preview(layers: list of names, alpha_over_beta: float) -> (image (H, W, 3) in
            [0, 1], text), the chapter's own style transfer at low resolution.
        style_layers: the layers offered, each a checkbox (all ticked at first).
        log_ratio: log10 of the first alpha / beta.

    Returns:
        ipywidgets.VBox: the checkboxes, a FloatSlider "log10(alpha / beta)", a Button, a Label
        and an Output.
    """
    boxes = [
        widgets.Checkbox(value=True, description=name, indent=False, layout={"width": "130px"})
        for name in style_layers
    ]
    slider = float_slider("log10(alpha / beta)", log_ratio, -6.0, 0.0, 0.5)
    button = widgets.Button(description="preview")
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        chosen = [box.description for box in boxes if box.value]
        if not chosen:
            label.value = "Tick at least one style layer."
            return
        image, text = preview(chosen, 10.0**slider.value)
        label.value = text
        fig = Figure(figsize=(3.2, 2.6), layout="constrained")
        ax = fig.subplots()
        ax.imshow(np.clip(image, 0, 1))
        ax.axis("off")
        ax.set_title(f"alpha / beta = 1e{slider.value:g}; {len(chosen)} style layer(s)", fontsize=9)
        show_in_output(output, fig, text)

    # A preview takes a few seconds: it runs when the button is pressed, not on every tick.
    button.on_click(update)
    update()
    return widgets.VBox([widgets.HBox(boxes), slider, button, label, output])
