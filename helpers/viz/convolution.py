"""Figures for the course ("extra code": kept out of the learner's way, called in one line).

Every plotting function builds a :class:`matplotlib.figure.Figure` directly, without pyplot, and
returns it. Nothing is registered with pyplot, so nothing needs closing and a figure is shown
once: as the value of the last line of a notebook cell under ``%matplotlib inline``.

Conventions (chapter 01 onwards): channels last. An image is ``(H, W)`` or ``(H, W, C)``, a batch
``(N, H, W, C)``, conv weights ``(f, f, n_C_prev, n_C)``.

None of the graded exercises (``zero_pad``, ``conv_forward``, ``pool_forward``, ...) is solved
here. The 2-D single-channel filtering in the edge figures uses :func:`scipy.signal.correlate2d`,
and :func:`plot_pooling` pools one small 2-D array with plain loops, just to draw it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.viz.common import (
    OKABE_ITO,
    SMALLEST_TEXT,
    Table,
    int_slider,
    plain_table,
    show_in_output,
)

# Shared figures that chapter 01's notebook calls through this module, as viz.<name>.
from helpers.viz.common import plot_gradient_check as plot_gradient_check
from helpers.viz.common import show_images as show_images


def _kernel(rows: list[list[float]]) -> np.ndarray:
    # Read-only, because the dict is shared by every figure and widget: a learner who edits a
    # kernel in place would otherwise change it for the rest of the session.
    array = np.array(rows, dtype=float)
    array.setflags(write=False)
    return array


# Cross-correlation kernels (the operation the course calls "convolution", as deep-learning
# libraries do). Textbooks often print Sobel's G_x as [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and
# apply it by true convolution, which flips it: the result is the same operator as "Sobel-x"
# here. Sobel & Feldman (1968); Scharr (2000), "Optimale Operatoren in der digitalen
# Bildverarbeitung". A positive x response means "brighter on the left than on the right".
EDGE_KERNELS: dict[str, np.ndarray] = {
    "vertical": _kernel([[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    "horizontal": _kernel([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
    "Sobel-x": _kernel([[1, 0, -1], [2, 0, -2], [1, 0, -1]]),
    "Sobel-y": _kernel([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]),
    "Scharr-x": _kernel([[3, 0, -3], [10, 0, -10], [3, 0, -3]]),
    "Scharr-y": _kernel([[3, 10, 3], [0, 0, 0], [-3, -10, -3]]),
}


# --------------------------------------------------------------------------- small utilities


def _as_gray_image(image, name: str = "image") -> np.ndarray:
    array = np.asarray(image, dtype=float)
    if array.ndim != 2:
        hint = ""
        if array.ndim == 3 and array.shape[-1] in (3, 4):
            hint = " It looks like a colour image: convert it with skimage.color.rgb2gray first."
        raise ValueError(
            f"{name} must be a 2-D grayscale array (H, W); got shape {array.shape}.{hint}"
        )
    return array


def _as_kernel(kernel, name: str = "kernel") -> np.ndarray:
    array = np.asarray(kernel, dtype=float)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (f, f); got shape {array.shape}.")
    return array


def _annotate(ax, values: np.ndarray, limit: float, fontsize: float = SMALLEST_TEXT) -> None:
    """Write each entry of a 2-D array in its ``imshow`` cell, white on the darkest cells."""
    for (i, j), value in np.ndenumerate(values):
        colour = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=fontsize, color=colour)


def _draw_kernel(ax, kernel: np.ndarray, title: str) -> None:
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    if kernel.shape[1] <= 5:  # wider kernels: the colours alone (legible numbers would not fit)
        _annotate(ax, kernel, limit, fontsize=SMALLEST_TEXT)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_response(ax, response: np.ndarray, title: str) -> None:
    # Symmetric limits so that zero is mid-grey: bright = positive, dark = negative response.
    limit = float(np.abs(response).max()) or 1.0
    ax.imshow(response, cmap="gray", vmin=-limit, vmax=limit)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def kernel_response(image, kernel) -> np.ndarray:
    """Cross-correlate one grayscale image with one 2-D kernel (for figures and widgets).

    A thin wrapper around :func:`scipy.signal.correlate2d` with ``mode="same"`` and a
    symmetric (mirror) boundary, so that the border of a photo does not light up as an edge.

    Args:
        image: array of shape (H, W), grayscale.
        kernel: array of shape (f_h, f_w).

    Returns:
        Array of shape (H, W): the response at every pixel.
    """
    # Imported here: scipy.signal takes over a second to import and most figures do not need it.
    from scipy.signal import correlate2d

    return correlate2d(_as_gray_image(image), _as_kernel(kernel), mode="same", boundary="symm")


# --------------------------------------------------------------------------- image grids


# --------------------------------------------------------------------------- edge detection


def plot_kernel_responses(image, kernels: Mapping[str, np.ndarray]) -> Figure:
    """Show a grayscale image, some kernels (with their numbers) and each kernel's response.

    The response is the cross-correlation of the image with the kernel (``kernel_response``:
    same size as the image, mirrored borders). Grey is zero; bright and dark are edges of
    opposite direction.

    Args:
        image: array of shape (H, W), grayscale floats.
        kernels: dict name -> array of shape (f, f), e.g. ``EDGE_KERNELS``.

    Returns:
        matplotlib.figure.Figure: the image on the left, kernels on the top row and their
        responses under them.
    """
    image = _as_gray_image(image)
    if not kernels:
        raise ValueError("kernels is empty; pass a dict name -> (f, f) array, e.g. EDGE_KERNELS.")
    names = list(kernels)
    arrays = [_as_kernel(kernels[name], name=f"kernel {name!r}") for name in names]
    keys = [f"k{i}" for i in range(len(names))]
    mosaic = [["image", *keys], ["image", *[f"r{i}" for i in range(len(names))]]]
    fig = Figure(figsize=(2.6 * (len(names) + 1), 4.6), layout="constrained")
    axes = fig.subplot_mosaic(mosaic, height_ratios=[1, 2])
    axes["image"].imshow(image, cmap="gray")
    axes["image"].set_title(f"image {image.shape[0]}x{image.shape[1]}", fontsize=9)
    axes["image"].axis("off")
    for i, (name, kernel) in enumerate(zip(names, arrays, strict=True)):
        _draw_kernel(axes[f"k{i}"], kernel, name)
        _draw_response(axes[f"r{i}"], kernel_response(image, kernel), f"response to {name}")
    return fig


def plot_edge_map(image, kernel, threshold: float = 0.3, name: str = "kernel") -> Figure:
    """Show a kernel, its response on an image, and the pixels where |response| is large.

    Args:
        image: array of shape (H, W), grayscale floats.
        kernel: array of shape (f, f).
        threshold: fraction of the largest |response|, in [0, 1]; pixels at or above it are
            drawn white in the third panel.
        name: the kernel's name, for the titles.

    Returns:
        matplotlib.figure.Figure with three panels.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(
            f"threshold is a fraction of the largest response, in [0, 1]; got {threshold}."
        )
    kernel = _as_kernel(kernel)
    response = kernel_response(image, kernel)
    peak = float(np.abs(response).max())
    edges = np.abs(response) >= threshold * peak if peak > 0 else np.zeros_like(response, bool)
    fig = Figure(figsize=(9, 3.3), layout="constrained")
    ax_kernel, ax_response, ax_edges = fig.subplots(1, 3, width_ratios=[0.6, 1, 1])
    _draw_kernel(ax_kernel, kernel, name)
    _draw_response(ax_response, response, f"response (max |r| = {peak:.3g})")
    ax_edges.imshow(edges, cmap="gray", vmin=0, vmax=1)
    ax_edges.set_title(
        f"|response| >= {threshold:.2f} x max ({edges.mean():.1%} of pixels)", fontsize=9
    )
    ax_edges.axis("off")
    return fig


def plot_correlation_vs_convolution(image, kernel) -> Figure:
    """Show that convolution is cross-correlation with the kernel flipped in both axes.

    Three panels: correlate(image, kernel), convolve(image, kernel) and
    correlate(image, kernel[::-1, ::-1]). The title gives max |convolve - correlate flipped|
    (zero up to rounding) and max |correlate - convolve| (not zero unless the kernel is
    symmetric under a 180-degree rotation). Mode "valid" is used because scipy centres an
    even-sized kernel differently in its two "same" modes, a shift that would hide the identity.

    Args:
        image: array of shape (H, W), grayscale floats.
        kernel: array of shape (f_h, f_w), no larger than the image.

    Returns:
        matplotlib.figure.Figure with three panels, each of shape (H - f_h + 1, W - f_w + 1).
    """
    from scipy.signal import convolve2d, correlate2d

    image = _as_gray_image(image)
    kernel = _as_kernel(kernel)
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"kernel {kernel.shape} is larger than the image {image.shape}.")
    correlated = correlate2d(image, kernel, mode="valid")
    convolved = convolve2d(image, kernel, mode="valid")
    flipped = correlate2d(image, kernel[::-1, ::-1], mode="valid")
    same = float(np.abs(convolved - flipped).max())
    differ = float(np.abs(convolved - correlated).max())
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    panels = [
        (correlated, "cross-correlate with K\n(what CNN layers compute)"),
        (convolved, "convolve with K\n(the maths-book convolution)"),
        (flipped, "cross-correlate with K flipped\n(K[::-1, ::-1])"),
    ]
    for ax, (response, title) in zip(axes, panels, strict=True):
        _draw_response(ax, response, title)
    fig.suptitle(
        f"max |convolve - correlate flipped| = {same:.1e};   "
        f"max |correlate - convolve| = {differ:.3g}"
    )
    return fig


# --------------------------------------------------------------------------- output size


def conv_output_size(n: int, f: int, pad: int, stride: int) -> int:
    """Output size along one axis: floor((n + 2 pad - f) / stride) + 1, with checked inputs.

    Args:
        n: input size (height or width), >= 1.
        f: filter size, >= 1 and <= n + 2 pad.
        pad: zeros added on each side, >= 0.
        stride: step between filter positions, >= 1.

    Returns:
        int, the number of filter positions along that axis.

    Raises:
        ValueError: with a message naming the offending value.
    """
    for label, value, low in (("n", n, 1), ("f", f, 1), ("pad", pad, 0), ("stride", stride, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"{label} must be an integer >= {low}; got {value!r}.")
    if f > n + 2 * pad:
        raise ValueError(
            f"filter size f={f} is larger than the padded input n + 2p = {n} + 2*{pad} = "
            f"{n + 2 * pad}: the filter fits nowhere. Use a smaller filter or more padding."
        )
    return (n + 2 * pad - f) // stride + 1


def plot_output_size(n: int, f: int, pad: int, stride: int) -> Figure:
    """Draw where an f x f filter lands on an n x n input with padding and stride.

    The padded input is an (n + 2p) x (n + 2p) grid: padding cells grey and hatched, input cells
    white. A dot marks each position of the filter's top-left corner; the first row of windows
    is outlined. Cells never covered by any window (when (n + 2p - f) is not a multiple of s)
    are tinted red and the title says so.

    Args:
        n: input height and width.
        f: filter height and width.
        pad: zero cells added on each side.
        stride: step between windows.

    Returns:
        matplotlib.figure.Figure; its axes title starts with "output: k x k".

    Raises:
        ValueError: if f > n + 2p, stride < 1, n < 1, f < 1 or pad < 0.
    """
    k = conv_output_size(n, f, pad, stride)
    size = n + 2 * pad
    covered = (k - 1) * stride + f
    uncovered = size - covered
    cell = min(0.42, 7.0 / size)
    fig = Figure(figsize=(max(cell * size + 0.6, 4.8), cell * size + 1.4), layout="constrained")
    ax = fig.add_subplot()
    # A few large patches and two line collections, not one patch per cell: the figure is
    # redrawn on every slider move of the explorer.
    ax.add_patch(Rectangle((0, 0), size, size, facecolor="#d9d9d9", hatch="///", lw=0))
    ax.add_patch(Rectangle((pad, pad), n, n, facecolor="white", lw=0))
    if uncovered:
        never = {"facecolor": "#e06666", "alpha": 0.45, "lw": 0}
        ax.add_patch(Rectangle((covered, 0), uncovered, size, **never))
        ax.add_patch(Rectangle((0, covered), covered, uncovered, **never))
    ax.hlines(np.arange(size + 1), 0, size, color="#888888", lw=0.6)
    ax.vlines(np.arange(size + 1), 0, size, color="#888888", lw=0.6)
    colours = OKABE_ITO[:6]
    for col in range(k):
        # Inset successive outlines a little so that overlapping windows stay distinguishable.
        inset = 0.06 + 0.05 * (col % 3)
        ax.add_patch(
            Rectangle(
                (col * stride + inset, inset),
                f - 2 * inset,
                f - 2 * inset,
                fill=False,
                edgecolor=colours[col % len(colours)],
                linewidth=1.8,
            )
        )
    positions = np.arange(k) * stride + 0.5
    rows, cols = np.meshgrid(positions, positions, indexing="ij")
    ax.scatter(cols.ravel(), rows.ravel(), s=14, color="black", zorder=3)
    ax.set_xlim(0, size)
    ax.set_ylim(size, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    title = (
        f"output: {k} x {k}   (n={n}, f={f}, p={pad}, s={stride})\n"
        f"floor(({n} + 2*{pad} - {f}) / {stride}) + 1 = {k}"
    )
    if uncovered:
        title += (
            f"\nlast {uncovered} row(s)/column(s) never covered (red):"
            f"\n{n} + 2*{pad} - {f} = {size - f} is not a multiple of s={stride}"
        )
    ax.set_title(title, fontsize=9)
    return fig


# --------------------------------------------------------------------------- pooling


def pooled_for_figure(x, f: int, stride: int, mode: str = "max") -> np.ndarray:
    """Pool one small 2-D array with TensorFlow's op (the graded pool_forward stays the learner's).

    Args:
        x: array of shape (H, W), a single channel.
        f: window height and width.
        stride: step between windows.
        mode: "max" or "average".

    Returns:
        Array of shape (floor((H - f) / stride) + 1, floor((W - f) / stride) + 1).
    """
    from helpers.references import convolution as references

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must be a single-channel 2-D array (H, W); got shape {x.shape}.")
    if mode not in ("max", "average"):
        raise ValueError(f'mode must be "max" or "average"; got {mode!r}.')
    conv_output_size(x.shape[0], f, 0, stride)  # raises a clear error for a window too large
    conv_output_size(x.shape[1], f, 0, stride)
    return references.pool2d(x[None, :, :, None], f, stride, mode)[0, :, :, 0]


def plot_pooling(x, f: int, stride: int, mode: str = "max") -> Figure:
    """Draw a small 2-D array with its pooling windows coloured, and the pooled output beside it.

    Each output cell has the colour of the window it summarises. In max mode the entry that
    wins each window is circled: it is where the gradient goes in the backward pass.

    Args:
        x: array of shape (H, W), small (up to about 10 x 10 stays readable).
        f: window height and width.
        stride: step between windows.
        mode: "max" or "average".

    Returns:
        matplotlib.figure.Figure with two panels: input and output.
    """
    x = np.asarray(x, dtype=float)
    out = pooled_for_figure(x, f, stride, mode)
    colours = OKABE_ITO
    height, width = x.shape
    fig = Figure(figsize=(0.5 * (width + out.shape[1]) + 1.6, 0.5 * height + 1.2))
    fig.set_layout_engine("constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[width, max(out.shape[1], 1)])
    for ax, values in ((ax_in, x), (ax_out, out)):
        ax.set_xlim(0, values.shape[1])
        ax.set_ylim(values.shape[0], 0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for (i, j), value in np.ndenumerate(values):
            ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="#999999", lw=0.5))
            ax.text(
                j + 0.5, i + 0.5, f"{value:.3g}", ha="center", va="center", fontsize=SMALLEST_TEXT
            )
    for index, (i, j) in enumerate(np.ndindex(out.shape)):
        colour = colours[index % len(colours)]
        top, left = i * stride, j * stride
        inset = 0.05 + 0.05 * (index % 3)
        ax_in.add_patch(Rectangle((left, top), f, f, facecolor=colour, alpha=0.15, lw=0))
        ax_in.add_patch(
            Rectangle(
                (left + inset, top + inset),
                f - 2 * inset,
                f - 2 * inset,
                fill=False,
                edgecolor=colour,
                lw=1.5,
            )
        )
        ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, alpha=0.35, lw=0))
        if mode == "max":
            window = x[top : top + f, left : left + f]
            di, dj = np.unravel_index(np.argmax(window), window.shape)
            ax_in.scatter(
                left + dj + 0.5,
                top + di + 0.5,
                s=260,
                facecolors="none",
                edgecolors=colour,
                linewidths=1.5,
            )
    ax_in.set_title(f"input {height}x{width}, f={f}, s={stride}", fontsize=9)
    ax_out.set_title(f"{mode} pool: {out.shape[0]}x{out.shape[1]}", fontsize=9)
    return fig


# --------------------------------------------------------------------------- speed table


def _speed_rows(rows: Sequence[Mapping]) -> tuple[list[str], list[list[str]]]:
    rows = list(rows)
    if not rows:
        raise ValueError('rows is empty; pass a list of dicts {"method": str, "seconds": float}.')
    for index, row in enumerate(rows):
        if "method" not in row or "seconds" not in row:
            raise ValueError(f'row {index} needs keys "method" and "seconds"; got {sorted(row)}.')
        if not float(row["seconds"]) > 0:
            raise ValueError(
                f"row {index} ({row['method']}): seconds must be > 0; got {row['seconds']}."
            )
    fastest = min(float(row["seconds"]) for row in rows)
    extra = [key for row in rows for key in row if key not in ("method", "seconds")]
    extra = list(dict.fromkeys(extra))
    header = ["method", "seconds", "x slower than fastest", *extra]
    body = []
    for row in rows:
        seconds = float(row["seconds"])
        body.append(
            [str(row["method"]), f"{seconds:.3g}", f"{seconds / fastest:.1f}"]
            + [str(row.get(key, "")) for key in extra]
        )
    return header, body


def format_speed_table(rows: Sequence[Mapping]) -> str:
    """Format timings as a plain-text table (the fallback for ``speed_table``).

    Args:
        rows: list of dicts {"method": str, "seconds": float, ...}; extra keys become columns.

    Returns:
        str, one line per row, with a column "x slower than fastest" (1.0 for the fastest).
    """
    return plain_table(*_speed_rows(rows), text_columns=1)


def speed_table(rows: Sequence[Mapping]):
    """Show timings as an HTML table, with how many times slower each method is than the fastest.

    Args:
        rows: list of dicts {"method": str, "seconds": float, ...}; extra keys become columns.

    Returns:
        A :class:`~helpers.viz.common.Table`: HTML when it is the last line of a cell
        (``.data`` is the HTML string); its plain-text form is ``format_speed_table(rows)``.
    """
    return Table(*_speed_rows(rows), text_columns=1)


# --------------------------------------------------------------------------- explorers


def output_size_explorer(n: int = 7, f: int = 3, pad: int = 0, stride: int = 1) -> widgets.VBox:
    """Sliders for n, f, pad and stride, and the figure of where the filter lands.

    Things to try:
        - f=3, stride=1: which pad keeps the output at n x n ("same")? Is it still n x n with
          stride 2?
        - n=8, f=3, pad=0, stride=2: the last column is never covered (red). Which pad fixes it?
        - Make f larger than n + 2p: there is no output at all.
        - Predict "output: k x k" with floor((n + 2p - f) / s) + 1 before you move a slider.

    Args:
        n: initial input size (3..16).
        f: initial filter size (1..7).
        pad: initial padding (0..4).
        stride: initial stride (1..4).

    Returns:
        ipywidgets.VBox: a row of four IntSliders (n, f, pad, stride), a Label with
        "output: k x k" (or why there is none) and an Output with the figure.
    """
    sliders = {
        "n": int_slider("n", n, 3, 16),
        "f": int_slider("f", f, 1, 7),
        "pad": int_slider("pad", pad, 0, 4),
        "stride": int_slider("stride", stride, 1, 4),
    }
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        values = {name: slider.value for name, slider in sliders.items()}
        try:
            k = conv_output_size(**values)
        except ValueError as error:
            label.value = f"no output: {error}"
            show_in_output(output, None, label.value)
            return
        label.value = f"output: {k} x {k}"
        show_in_output(output, plot_output_size(**values), label.value)

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox(list(sliders.values())), label, output])


def kernel_explorer(image) -> widgets.VBox:
    """Pick an edge kernel and a threshold, and see its response on a photo.

    Things to try:
        - "vertical" then "horizontal": which edges of the photo light up, which vanish?
        - "vertical" against "Sobel-x" against "Scharr-x": same direction, different weights
          on the centre row. Compare the edge maps at the same threshold.
        - Raise the threshold until only the strongest edges remain. Bright and dark in the
          response are edges of opposite direction (light-to-dark or dark-to-light).

    Args:
        image: array of shape (H, W), grayscale floats (e.g. ``skimage.color.rgb2gray(photo)``).

    Returns:
        ipywidgets.VBox: a Dropdown over ``EDGE_KERNELS``, a FloatSlider "threshold"
        (a fraction of the largest |response|), a Label and an Output with the figure.
    """
    image = _as_gray_image(image)
    kernel_menu = widgets.Dropdown(
        options=list(EDGE_KERNELS), value="vertical", description="kernel"
    )
    threshold = widgets.FloatSlider(
        value=0.3,
        min=0.0,
        max=1.0,
        step=0.05,
        description="threshold",
        continuous_update=False,
    )
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        name = kernel_menu.value
        label.value = f"kernel: {name}, threshold: {threshold.value:.2f} x max |response|"
        fig = plot_edge_map(image, EDGE_KERNELS[name], threshold.value, name)
        show_in_output(output, fig, label.value)

    kernel_menu.observe(update, names="value")
    threshold.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([kernel_menu, threshold]), label, output])


def pooling_explorer(x) -> widgets.VBox:
    """Window size, stride and mode for pooling a small 2-D array, with the pooled output.

    Things to try:
        - f=2, stride=2 (the usual choice): each entry of x is in exactly one window.
        - f=3, stride=1: windows overlap, so one large entry wins several windows in max mode.
        - Switch max and average: which keeps a single bright pixel, which blurs it?
        - Find the stride where some rows/columns of x are left out of every window.

    Args:
        x: array of shape (H, W), small (6 x 6 to 10 x 10 stays readable).

    Returns:
        ipywidgets.VBox: IntSliders "f" and "stride", ToggleButtons "mode" (max, average),
        a Label with the output shape and an Output with the figure.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or min(x.shape) < 1:
        raise ValueError(f"x must be a small 2-D array (H, W); got shape {x.shape}.")
    smallest = min(x.shape)
    f = int_slider("f", min(2, smallest), 1, min(smallest, 5))
    stride = int_slider("stride", min(2, smallest), 1, min(smallest, 4))
    mode = widgets.ToggleButtons(options=["max", "average"], value="max", description="mode")
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        pooled = pooled_for_figure(x, f.value, stride.value, mode.value)
        label.value = f"{mode.value} pool, f={f.value}, stride={stride.value}: output " + (
            f"{pooled.shape[0]} x {pooled.shape[1]}"
        )
        show_in_output(output, plot_pooling(x, f.value, stride.value, mode.value), label.value)

    for control in (f, stride, mode):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([f, stride, mode]), label, output])
