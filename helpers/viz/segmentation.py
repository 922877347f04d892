"""Figures and the explorer of chapter 06: semantic segmentation.

"Extra code": the chapter calls each of these in one line. Class maps follow the course's
convention (:mod:`helpers.datasets`): uint8 ``(N, H, W)``, 0 for background and ``label + 1``
for an object; instance maps: 0 for background and ``k + 1`` for the k-th object of a scene.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from helpers.viz.common import Progress as Progress  # the notebook's progress bars
from helpers.viz.common import Table, int_slider, show_image, show_in_output

# One colour per class of SEG_CLASS_NAMES: background black, then the five shapes.
CLASS_COLOURS = ("#000000", "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4")
ERROR_COLOUR = np.array([1.0, 0.0, 1.0])


def class_colours(class_map: np.ndarray, num_classes: int) -> np.ndarray:
    """(H, W) class map -> (H, W, 3) float RGB image, one colour per class."""
    palette = np.array([ListedColormap(CLASS_COLOURS)(c)[:3] for c in range(num_classes)])
    return palette[np.asarray(class_map, dtype=np.int64)]


def error_image(image: np.ndarray, truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The image darkened, with every wrongly labelled pixel in magenta: (H, W, 3)."""
    out = 0.35 * np.asarray(image, dtype=np.float64)
    out[np.asarray(truth) != np.asarray(predicted)] = ERROR_COLOUR
    return out


def _legend(fig: Figure, class_names: Sequence[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=CLASS_COLOURS[c], label=n) for c, n in enumerate(class_names)]
    handles.append(Patch(color=ERROR_COLOUR, label="error"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)


def show_scenes(
    images, class_maps, instance_maps, class_names: Sequence[str], n: int = 6
) -> Figure:
    """The first n scenes, their class maps (semantic) and their instance maps.

    Args:
        images: (N, H, W, 3) in [0, 1].
        class_maps: (N, H, W) uint8 class maps.
        instance_maps: (N, H, W) uint8 instance maps.
        class_names: names of the classes, index 0 the background.
        n: how many scenes.

    Returns:
        Figure with three rows.
    """
    fig = Figure(figsize=(1.8 * n, 6.0), layout="constrained")
    axes = fig.subplots(3, n, squeeze=False)
    for j in range(n):
        show_image(axes[0, j], images[j])
        show_image(axes[1, j], class_colours(class_maps[j], len(class_names)))
        instances = np.asarray(instance_maps[j])
        palette = np.array([[0, 0, 0], [1, 1, 1], [0.3, 0.8, 1], [1, 0.6, 0.2], [0.6, 1, 0.3],
                            [1, 0.3, 0.6], [0.7, 0.5, 1]])  # fmt: skip
        show_image(axes[2, j], palette[instances % len(palette)])
        axes[2, j].set_title(f"{int(instances.max())} instances", fontsize=8)
    for ax, label in zip(axes[:, 0], ("image", "class map", "instance map"), strict=True):
        ax.set_ylabel(label)
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))
    _legend(fig, class_names)
    return fig


def plot_maps(maps: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """Small 2-D maps side by side, each value written in its cell (for the checkerboard).

    Args:
        maps: {title: (H, W) array}.
        title: the figure's title.
    """
    fig = Figure(figsize=(3.2 * len(maps), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(maps)))
    for ax, (name, values) in zip(axes, maps.items(), strict=True):
        values = np.asarray(values, dtype=np.float64)
        ax.imshow(values, cmap="viridis", interpolation="nearest")
        if values.size <= 256:
            for (r, c), v in np.ndenumerate(values):
                ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=6, color="white")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def _blocks(model) -> list[tuple[str, tuple]]:
    """[(block name, output shape of its last layer)] in the order the model builds them."""
    order: dict[str, tuple] = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        block = layer.name.rsplit("_", 1)[0] if "_" in layer.name else layer.name
        shape = tuple(layer.output.shape)
        if layer.name.endswith("_pool"):
            continue
        order[block] = shape
    return list(order.items())


def plot_unet(model) -> Figure:
    """The architecture of a built U-Net, drawn from its layers: one box per block at the height
    of its resolution, its output shape written in it, max pooling and up-sampling arrows, and
    an arrow for every concatenation (a skip connection).

    Args:
        model: a keras.Model whose blocks are named down1 .., bottom, .. up1, logits.

    Returns:
        Figure.
    """
    blocks = _blocks(model)
    names = {layer.name for layer in model.layers}
    size = blocks[0][1][1]
    fig = Figure(figsize=(1.5 * len(blocks) + 1, 4.2), layout="constrained")
    ax = fig.subplots()
    where = {}
    for x, (block, shape) in enumerate(blocks):
        level = int(round(np.log2(size / shape[1])))
        y = -level
        where[block] = (x, y)
        colour = {"down": "#9ecae1", "bottom": "#fdae6b", "up": "#a1d99b"}.get(
            block.rstrip("0123456789"), "#dddddd"
        )
        ax.add_patch(Rectangle((x - 0.4, y - 0.3), 0.8, 0.6, facecolor=colour, edgecolor="k"))
        ax.text(x, y + 0.08, block, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(x, y - 0.14, " x ".join(str(d) for d in shape[1:]), ha="center", va="center",
                fontsize=7)  # fmt: skip
    for (a, _), (b, _) in zip(blocks, blocks[1:], strict=False):
        (x0, y0), (x1, y1) = where[a], where[b]
        style = "-|>" if y1 == y0 else ("-|>" if y1 < y0 else "-|>")
        colour = "tab:red" if y1 < y0 else ("tab:green" if y1 > y0 else "k")
        ax.add_patch(FancyArrowPatch((x0 + 0.4, y0), (x1 - 0.4, y1), arrowstyle=style,
                                     mutation_scale=10, color=colour))  # fmt: skip
    for block, _ in blocks:
        if block.startswith("up") and f"{block}_concat" in names:
            source = "down" + block[2:]
            if source in where:
                (x0, y0), (x1, y1) = where[source], where[block]
                ax.add_patch(FancyArrowPatch((x0, y0 + 0.3), (x1, y1 + 0.3), arrowstyle="-|>",
                                             connectionstyle="arc3,rad=-0.25", mutation_scale=10,
                                             color="tab:purple", linestyle="--"))  # fmt: skip
    ax.set_xlim(-0.6, len(blocks) - 0.4)
    low = min(y for _, y in where.values())
    ax.set_ylim(low - 0.6, 1.0)
    ax.axis("off")
    skips = any(n.endswith("_concat") for n in names)
    ax.set_title(f"{model.name}: {model.count_params():,} parameters. Red: 2 x 2 max pooling, "
                 f"green: 2 x 2 transposed convolution (stride 2)"
                 + (", purple: skip connection (concatenation)" if skips else ", no skip connection"),
                 fontsize=9)  # fmt: skip
    return fig


def iou_table(results: Mapping[str, tuple[float, np.ndarray]], class_names: Sequence[str]) -> Table:
    """Per-class IoU and mean IoU of one or more networks.

    Args:
        results: {network name: (mean IoU, (C,) per-class IoU)}.
        class_names: the C class names.
    """
    header = ["network", *class_names, "mean IoU"]
    body = [
        [name, *("-" if np.isnan(v) else f"{v:.3f}" for v in per_class), f"{mean:.3f}"]
        for name, (mean, per_class) in results.items()
    ]
    return Table(header, body)


def boundary_mask(class_maps: np.ndarray, width: int = 1) -> np.ndarray:
    """bool (N, H, W): pixels within ``width`` pixels (a square neighbourhood) of a pixel of
    another class in the truth: the edges of the objects, on both sides.

    Args:
        class_maps: (N, H, W) integer class maps (the truth).
        width: the neighbourhood's half-size in pixels.
    """
    maps = np.asarray(class_maps)
    padded = np.pad(maps, ((0, 0), (width, width), (width, width)), mode="edge")
    H, W = maps.shape[1:]
    edge = np.zeros(maps.shape, dtype=bool)
    for dy in range(2 * width + 1):
        for dx in range(2 * width + 1):
            edge |= padded[:, dy : dy + H, dx : dx + W] != maps
    return edge


def boundary_accuracy(truth: np.ndarray, predicted: np.ndarray, width: int = 1) -> float:
    """The fraction of the truth's boundary pixels (:func:`boundary_mask`) labelled right.

    Args:
        truth, predicted: (N, H, W) class maps.
        width: as for :func:`boundary_mask`.
    """
    edge = boundary_mask(truth, width)
    return float(np.mean(np.asarray(predicted)[edge] == np.asarray(truth)[edge]))


def plot_predictions(images, truth, predictions: Mapping[str, np.ndarray],
                     class_names: Sequence[str], indices: Sequence[int]) -> Figure:  # fmt: skip
    """For each scene: the image, the true class map, and each network's prediction and errors.

    Args:
        images: (N, H, W, 3).
        truth: (N, H, W) class maps.
        predictions: {network name: (N, H, W) predicted class maps}.
        class_names: the class names, background first.
        indices: the scenes to show.
    """
    rows = 2 + 2 * len(predictions)
    fig = Figure(figsize=(1.6 * len(indices), 1.7 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, len(indices), squeeze=False)
    C = len(class_names)
    for j, i in enumerate(indices):
        show_image(axes[0, j], images[i])
        show_image(axes[1, j], class_colours(truth[i], C))
        for k, predicted in enumerate(predictions.values()):
            wrong = int(np.sum(predicted[i] != truth[i]))
            show_image(axes[2 + 2 * k, j], class_colours(predicted[i], C))
            show_image(axes[3 + 2 * k, j], error_image(images[i], truth[i], predicted[i]),
                       f"{wrong} wrong")  # fmt: skip
    labels = ["image", "truth"]
    for name in predictions:
        labels += [name, "errors"]
    for ax, label in zip(axes[:, 0], labels, strict=True):
        ax.set_ylabel(label, fontsize=8)
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    _legend(fig, class_names)
    return fig


def plot_semantic_instance(images, class_maps, instance_maps, class_names, indices) -> Figure:
    """The same scenes as class maps and as instance maps, with the count of each.

    Args:
        images: (N, H, W, 3).
        class_maps, instance_maps: (N, H, W).
        class_names: the class names, background first.
        indices: the scenes to show.
    """
    fig = Figure(figsize=(2.0 * len(indices), 6.2), layout="constrained")
    axes = fig.subplots(3, len(indices), squeeze=False)
    for j, i in enumerate(indices):
        show_image(axes[0, j], images[i])
        classes = sorted(set(np.unique(class_maps[i])) - {0})
        show_image(axes[1, j], class_colours(class_maps[i], len(class_names)),
                   ", ".join(class_names[c] for c in classes))  # fmt: skip
        palette = np.array([[0, 0, 0], [1, 1, 1], [0.3, 0.8, 1], [1, 0.6, 0.2], [0.6, 1, 0.3],
                            [1, 0.3, 0.6], [0.7, 0.5, 1]])  # fmt: skip
        count = int(instance_maps[i].max())
        show_image(axes[2, j], palette[np.asarray(instance_maps[i]) % len(palette)],
                   f"{count} objects")  # fmt: skip
    for ax, label in zip(axes[:, 0], ("image", "semantic: one label\nper class",
                                      "instance: one label\nper object"), strict=True):  # fmt: skip
        ax.set_ylabel(label, fontsize=8)
    return fig


def segmentation_explorer(images, truth, predictions: Mapping[str, np.ndarray],
                          class_names: Sequence[str], value: int = 0) -> widgets.VBox:  # fmt: skip
    """Pick a scene and the classes to show; see each network's prediction and its errors.

    Things to try:
        - Find a scene where the network without skips gets the shapes right but their edges
          wrong, and one where both confuse two classes.
        - Switch every class off but one: its IoU on this scene is printed.

    Args:
        images: (N, H, W, 3).
        truth: (N, H, W) class maps.
        predictions: {network name: (N, H, W) predicted class maps}.
        class_names: the class names, background first.
        value: the first scene.

    Returns:
        ipywidgets.VBox: a scene slider, one checkbox per object class, a Label and an Output.
    """
    slider = int_slider("scene", value, 0, len(images) - 1)
    boxes = [widgets.Checkbox(value=True, description=n, indent=False,
                              layout=widgets.Layout(width="90px")) for n in class_names[1:]]  # fmt: skip
    label = widgets.Label()
    output = widgets.Output()
    C = len(class_names)

    def update(_change=None) -> None:
        i = slider.value
        shown = [c for c, box in enumerate(boxes, start=1) if box.value]
        keep = lambda m: np.where(np.isin(m, shown), m, 0)  # noqa: E731  hidden classes -> black
        panels = [("image", images[i]), ("truth", class_colours(keep(truth[i]), C))]
        words = []
        for name, predicted in predictions.items():
            p = predicted[i]
            panels.append((name, class_colours(keep(p), C)))
            mask = np.isin(truth[i], shown) | np.isin(p, shown)
            wrong = (p != truth[i]) & mask
            panels.append((f"{name}: errors", error_image(images[i], np.where(mask, truth[i], 0),
                                                           np.where(mask, p, 0))))  # fmt: skip
            ious = []
            for c in shown:
                union = np.sum((truth[i] == c) | (p == c))
                if union:
                    ious.append(np.sum((truth[i] == c) & (p == c)) / union)
            mean = f"{np.mean(ious):.2f}" if ious else "-"
            words.append(
                f"{name}: {int(wrong.sum())} wrong pixels, IoU of the shown classes {mean}"
            )
        label.value = f"scene {i}: " + "; ".join(words)
        fig = Figure(figsize=(1.9 * len(panels), 2.3), layout="constrained")
        axes = fig.subplots(1, len(panels))
        for ax, (title, picture) in zip(axes, panels, strict=True):
            show_image(ax, picture, title)
        show_in_output(output, fig, label.value)

    slider.observe(update, names="value")
    for box in boxes:
        box.observe(update, names="value")
    update()
    return widgets.VBox([slider, widgets.HBox(boxes), label, output])
