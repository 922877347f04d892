"""What every chapter's figures and explorers share: grids of panels, image panels, tables,
sliders and the plumbing that puts a figure into an ipywidgets ``Output``.

"Extra code", kept out of the learner's way. Every plotting function builds a
:class:`matplotlib.figure.Figure` directly, without pyplot, and returns it: nothing is
registered with pyplot, so nothing needs closing, and a figure is shown once, as the value of
the last line of a notebook cell under ``%matplotlib inline``.

Explorers draw their first state as soon as they are built and put each figure into their
``Output`` widget as a PNG (:func:`show_in_output`) rather than through ``display``: the same
code then works in JupyterLab, when a notebook runs headless (nbclient, nbconvert, tests), and
in the rendered HTML, which keeps the last state drawn.

Conventions: channels last. An image is ``(H, W)`` or ``(H, W, C)``, a batch ``(N, H, W, C)``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import time
from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.figure import Figure

from helpers.gradients import relative_error

# Readable at 100 % zoom, for every reader: the smallest text any course figure writes (tick
# labels, legends, annotations, box labels), in points; tests/readable_figures.py checks it.
SMALLEST_TEXT = 9
# The Okabe-Ito palette (M. Okabe and K. Ito, "Color Universal Design", 2008): eight colours
# told apart with every common colour-vision deficiency, unlike matplotlib's tab10, whose
# red and green look alike to about 1 man in 12.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
# Applied when helpers.viz is imported, so a notebook's own plots follow too: the Okabe-Ito
# line colours, text no smaller than SMALLEST_TEXT, and an opaque white background, so that a
# figure's black text stays legible in JupyterLab's dark theme.
COURSE_STYLE = {
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": SMALLEST_TEXT,
    "ytick.labelsize": SMALLEST_TEXT,
    "legend.fontsize": SMALLEST_TEXT,
    "legend.title_fontsize": SMALLEST_TEXT,
    "figure.titlesize": 11,
}
matplotlib.rcParams.update(COURSE_STYLE)

__all__ = [
    "COURSE_STYLE",
    "OKABE_ITO",
    "Progress",
    "SMALLEST_TEXT",
    "Table",
    "grid",
    "float_slider",
    "html_table",
    "int_slider",
    "plot_feature_maps",
    "plot_gradient_check",
    "plain_table",
    "plot_training_curves",
    "show_image",
    "show_images",
    "show_in_output",
]


def grid(n_panels: int, ncols: int | None = None, size: float = 2.5, max_cols: int = 4):
    """A figure with ``n_panels`` square panels in rows; spare axes are hidden.

    Args:
        n_panels: how many panels (>= 1).
        ncols: panels per row (default: up to ``max_cols``).
        size: width and height of one panel, in inches.
        max_cols: the default number of columns.

    Returns:
        (fig, axes): a Figure and a list of ``n_panels`` Axes, row by row.
    """
    ncols = min(n_panels, ncols or max_cols)
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(size * ncols, size * nrows + 0.3), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes[:n_panels])


def show_images(images, titles=None, cmap: str = "gray", ncols: int | None = None, size=2.5):
    """Show images in a grid.

    Args:
        images: a sequence of images, or an array of shape (N, H, W) or (N, H, W, C). Each image
            is (H, W) (drawn with ``cmap``), (H, W, 1), or (H, W, 3|4) (RGB(A), float in [0, 1]
            or uint8). A single (H, W) array is one image; pass one RGB image as ``[image]``.
        titles: optional sequence of N strings.
        cmap: colour map for 2-D images.
        ncols: number of columns (default: up to 4).
        size: width and height of one panel, in inches.

    Returns:
        matplotlib.figure.Figure.
    """
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    images = list(images)
    if not images:
        raise ValueError("show_images needs at least one image; got an empty sequence.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles.")
    fig, axes = grid(len(images), ncols, size)
    for index, (ax, image) in enumerate(zip(axes, images, strict=True)):
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        if image.ndim == 2:
            ax.imshow(image, cmap=cmap)
        elif image.ndim == 3 and image.shape[-1] in (3, 4):
            ax.imshow(image)
        else:
            raise ValueError(
                f"image {index} has shape {image.shape}; expected (H, W), (H, W, 1) or "
                "(H, W, 3|4). A batch (N, H, W, C) is a sequence of images: pass it whole."
            )
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=9)
        ax.axis("off")
    return fig


def plot_feature_maps(maps, title: str | None = None, ncols: int = 8) -> Figure:
    """Show every channel of one activation volume as a small image.

    Args:
        maps: array of shape (H, W, C): one example's activations, channels last.
        title: optional title for the whole figure.
        ncols: panels per row.

    Returns:
        matplotlib.figure.Figure with C panels, each with its own colour scale.
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        hint = " For a batch (N, H, W, C), pass one example: maps[0]." if maps.ndim == 4 else ""
        raise ValueError(f"maps must have shape (H, W, C); got {maps.shape}.{hint}")
    n_channels = maps.shape[-1]
    fig, axes = grid(n_channels, ncols, 1.4, max_cols=ncols)
    for channel, ax in enumerate(axes):
        ax.imshow(maps[..., channel], cmap="viridis")
        ax.set_title(f"channel {channel}", fontsize=SMALLEST_TEXT)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def html_table(header: Sequence[str], body: Sequence[Sequence[str]], text_columns: int = 1) -> str:
    """An HTML table: text columns aligned left, the numbers after them aligned right.

    Args:
        header: the column titles.
        body: rows of cells, already formatted as strings.
        text_columns: how many leading columns hold text rather than numbers.

    Returns:
        The HTML string.
    """
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    lines = [
        "<tr>"
        + "".join(
            f'<td style="text-align:{"left" if c < text_columns else "right"}">'
            f"{html.escape(cell)}</td>"
            for c, cell in enumerate(line)
        )
        + "</tr>"
        for line in body
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def plot_gradient_check(analytic, numeric, title: str = "gradient check") -> Figure:
    """Scatter every analytic gradient entry against its numerical estimate.

    Points on the dashed line y = x agree. The title gives the relative error
    ||a - n|| / (||a|| + ||n||).

    Args:
        analytic: gradient from the backward pass, any shape (e.g. dW of shape (f, f, C_prev, C)).
        numeric: finite-difference estimate, same shape.
        title: what is checked, e.g. "dW".

    Returns:
        matplotlib.figure.Figure.
    """
    error = relative_error(analytic, numeric)
    a = np.asarray(analytic, dtype=float).ravel()
    b = np.asarray(numeric, dtype=float).ravel()
    low = float(min(a.min(initial=0.0), b.min(initial=0.0)))
    high = float(max(a.max(initial=0.0), b.max(initial=0.0)))
    margin = 0.05 * (high - low or 1.0)
    fig = Figure(figsize=(4, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([low - margin, high + margin], [low - margin, high + margin], "--", color="grey", lw=1)
    ax.scatter(b, a, s=12, alpha=0.7)
    ax.set_xlabel("numerical gradient")
    ax.set_ylabel("analytic gradient")
    ax.set_aspect("equal")
    ax.set_title(f"{title}: relative error {error:.1e} ({a.size} entries)", fontsize=10)
    return fig


def plain_table(header: Sequence[str], body: Sequence[Sequence[str]], text_columns: int = 1) -> str:
    """The same table as :func:`html_table`, as aligned plain text with a rule under the header.

    Args:
        header: the column titles.
        body: rows of cells, already formatted as strings.
        text_columns: how many leading columns hold text (padded on the right, the rest on the left).

    Returns:
        The text, one line per row.
    """
    lines = [list(header), *[list(line) for line in body]]
    widths = [max(len(line[c]) for line in lines) for c in range(len(header))]
    lines.insert(1, ["-" * w for w in widths])
    return "\n".join(
        "  ".join(
            cell.ljust(w) if c < text_columns else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


class Table:
    """A table: HTML in a notebook, plain text elsewhere (``repr``, a terminal, a text-only export).

    Args:
        header: the column titles.
        body: rows of cells, already formatted as strings.
        text_columns: how many leading columns hold text rather than numbers.

    ``.data`` is the HTML string; ``repr(table)`` is :func:`plain_table`'s text.
    """

    def __init__(self, header: Sequence[str], body: Sequence[Sequence[str]], text_columns: int = 1):
        self.data = html_table(header, body, text_columns)
        self._plain = plain_table(header, body, text_columns)

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return self._plain


def plot_training_curves(history, title: str = "") -> Figure:
    """Loss and accuracy per epoch, from a Keras History (or its ``.history`` dict).

    Args:
        history: keras.callbacks.History, or a dict {"loss": [...], "accuracy": [...],
            "val_loss": [...], ...} as ``History.history``.
        title: the figure's title.

    Returns:
        matplotlib.figure.Figure with two panels.
    """
    curves = dict(getattr(history, "history", history))
    if "loss" not in curves:
        raise ValueError(f"history needs a 'loss' curve; got keys {sorted(curves)}.")
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            if key in curves:
                epochs = np.arange(1, len(curves[key]) + 1)
                ax.plot(epochs, curves[key], "o-", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=SMALLEST_TEXT)
    if title:
        fig.suptitle(title)
    return fig


def show_image(ax, image, title: str | None = None) -> None:
    """Draw an image with its pixel edges at integer coordinates, without ticks.

    Pixel ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)``, so a box
    ``(y1, x1, y2, x2)`` with exclusive ends (:mod:`helpers.boxes`) outlines exactly its pixels.

    Args:
        ax: a matplotlib Axes.
        image: (H, W) or (H, W, 3) array.
        title: optional panel title.
    """
    image = np.asarray(image)
    ax.imshow(image, extent=(0, image.shape[1], image.shape[0], 0), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def show_in_output(output: widgets.Output, fig, text: str) -> None:
    """Replace what ``output`` shows by ``fig`` (PNG), with ``text`` as its plain-text form."""
    data = {"text/plain": text}
    if fig is not None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def int_slider(description: str, value: int, low: int, high: int) -> widgets.IntSlider:
    """An integer slider that updates when released; fails if ``value`` is outside low..high."""
    return _released_slider(widgets.IntSlider, description, value, low, high, step=1)


def float_slider(
    description: str, value: float, low: float, high: float, step: float
) -> widgets.FloatSlider:
    """A float slider that updates when released; fails if ``value`` is outside low..high."""
    return _released_slider(widgets.FloatSlider, description, value, low, high, step=step)


def _released_slider(kind, description, value, low, high, step):
    # continuous_update=False: figures are redrawn once, when the slider is let go, not for
    # every pixel it passes over (each redraw takes a few hundred milliseconds).
    if not low <= value <= high:
        raise ValueError(f"{description}={value} is outside the explorer's range {low}..{high}.")
    return kind(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )


# ------------------------------------------------------------------------------ progress
def _minutes(seconds: float) -> str:
    """A duration as m:ss (e.g. 95.2 -> "1:35")."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """A one-line progress bar for long work, updated in place: what runs, how far it is, how
    long it has taken and about how long is left.

    ``Progress(16, "YOLO training")`` shows::

        YOLO training [##########----------] 8/16 epochs, 1:02 elapsed, about 1:02 left | loss 0.412

    In a notebook the line is one display that each update replaces (``display_id``), so the
    saved notebook and its HTML keep one line, the last one, however long the run; it needs
    neither tqdm nor ipywidgets. Outside a notebook (tests, scripts) it shows nothing.
    Updates closer than ``every`` seconds apart are skipped; reaching ``total`` shows the final
    line, with the time taken, at once.

    Args:
        total: how much work there is, in ``unit`` (epochs, steps, images).
        label: what runs, e.g. "YOLO training".
        unit: the unit of ``total``, plural.
        every: the shortest time between two redraws, in seconds.
    """

    WIDTH = 20  # characters of the bar

    def __init__(self, total: float, label: str, unit: str = "epochs", every: float = 0.5):
        if total <= 0:
            raise ValueError(f"Progress needs some work to show: total={total!r}.")
        self.total, self.label, self.unit, self.every = total, label, unit, every
        self.start = time.perf_counter()
        self.done, self.note, self.finished = 0.0, "", False
        self._drawn_at = self.start
        self._handle = None
        try:
            from IPython import get_ipython

            if get_ipython() is not None and hasattr(get_ipython(), "kernel"):
                from IPython.display import display

                self._handle = display({"text/plain": self.line()}, raw=True, display_id=True)
        except ImportError:  # no IPython: nothing to show
            pass

    def line(self) -> str:
        """The text the bar shows now."""
        elapsed = time.perf_counter() - self.start
        fraction = min(self.done / self.total, 1.0)
        filled = round(self.WIDTH * fraction)
        text = (
            f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
            f"{math.floor(self.done + 1e-9):g}/{self.total:g} {self.unit}, "
            f"{_minutes(elapsed)} elapsed"
        )
        if self.finished:
            text += ", done"
        elif fraction > 0:
            text += f", about {_minutes(elapsed * (1 - fraction) / fraction)} left"
        return text + (f" | {self.note}" if self.note else "")

    def update(self, done: float, note: str | None = None) -> None:
        """Set how much is done (in ``unit``; fractions allowed) and redraw if due.

        Args:
            done: the work done so far, 0 to ``total``.
            note: a short status shown after the bar ("loss 0.412"); None keeps the last one.
        """
        self.done = min(float(done), float(self.total))
        if note is not None:
            self.note = note
        self.finished = self.done >= self.total
        if self.finished or self.due():
            self._drawn_at = time.perf_counter()
            if self._handle is not None:
                self._handle.update({"text/plain": self.line()}, raw=True)

    def due(self) -> bool:
        """Whether the next update will redraw (``every`` seconds have passed since the last)."""
        return time.perf_counter() - self._drawn_at >= self.every

    def keras_callback(self, offset: float = 0.0):
        """A Keras callback that moves this bar after every training batch.

        Used with ``total`` in epochs: ``model.fit(..., callbacks=[bar.keras_callback()])``;
        when a loop calls ``fit(..., epochs=1)`` once per epoch, pass ``offset=epoch``.

        Args:
            offset: the epochs already done before this ``fit`` starts.

        Returns:
            a keras.callbacks.Callback; its note is the running training loss.
        """
        import keras  # only the chapters that train import Keras

        bar = self

        class ProgressCallback(keras.callbacks.Callback):
            epoch = 0

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                steps = self.params.get("steps") or 1
                done = offset + self.epoch + (batch + 1) / steps
                loss = (logs or {}).get("loss")
                # Reading the loss waits for the batch: only when the line will be redrawn.
                due = bar.due() or done >= bar.total
                note = f"loss {float(loss):.3f}" if due and loss is not None else None
                bar.update(done, note)

        return ProgressCallback()
