"""Interactive explorers (ipywidgets) for the chapter notebooks, each built in one call.

Every explorer draws its first state as soon as it is built, and puts each figure into its
``Output`` widget as a PNG (``Output.outputs``) rather than through ``display``: the same code
then works in JupyterLab, when a notebook is executed headless (nbclient, nbconvert, tests),
and in the rendered HTML, which keeps the last state drawn. The figures come from
:mod:`helpers.viz`; this module only wires controls to them.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
import numpy as np

from helpers import viz


def show_in_output(output: widgets.Output, fig, text: str) -> None:
    """Replace what ``output`` shows by ``fig`` (PNG), with ``text`` as its plain-text form."""
    data = {"text/plain": text}
    if fig is not None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def _slider(description: str, value: int, low: int, high: int) -> widgets.IntSlider:
    if not low <= value <= high:
        raise ValueError(f"{description}={value} is outside the explorer's range {low}..{high}.")
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        description=description,
        continuous_update=False,
        style={"description_width": "initial"},
    )


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
        "n": _slider("n", n, 3, 16),
        "f": _slider("f", f, 1, 7),
        "pad": _slider("pad", pad, 0, 4),
        "stride": _slider("stride", stride, 1, 4),
    }
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        values = {name: slider.value for name, slider in sliders.items()}
        try:
            k = viz.conv_output_size(**values)
        except ValueError as error:
            label.value = f"no output: {error}"
            show_in_output(output, None, label.value)
            return
        label.value = f"output: {k} x {k}"
        show_in_output(output, viz.plot_output_size(**values), label.value)

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
        ipywidgets.VBox: a Dropdown over ``viz.EDGE_KERNELS``, a FloatSlider "threshold"
        (a fraction of the largest |response|), a Label and an Output with the figure.
    """
    image = viz._as_gray_image(image)
    kernel_menu = widgets.Dropdown(
        options=list(viz.EDGE_KERNELS), value="vertical", description="kernel"
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
        fig = viz.plot_edge_map(image, viz.EDGE_KERNELS[name], threshold.value, name)
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
    f = _slider("f", min(2, smallest), 1, min(smallest, 5))
    stride = _slider("stride", min(2, smallest), 1, min(smallest, 4))
    mode = widgets.ToggleButtons(options=["max", "average"], value="max", description="mode")
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        pooled = viz.pooled_for_figure(x, f.value, stride.value, mode.value)
        label.value = f"{mode.value} pool, f={f.value}, stride={stride.value}: output " + (
            f"{pooled.shape[0]} x {pooled.shape[1]}"
        )
        show_in_output(output, viz.plot_pooling(x, f.value, stride.value, mode.value), label.value)

    for control in (f, stride, mode):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([f, stride, mode]), label, output])
