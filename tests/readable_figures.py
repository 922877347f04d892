"""Draw a figure off screen and require it readable at 100 % zoom: no text under
helpers.viz.common.SMALLEST_TEXT points, on an opaque white background (legible in
JupyterLab's dark theme). The figure tests of chapters 01, 02, 03 and 05 draw through this."""

from __future__ import annotations

from figure_harness import draw as render
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers.viz.common import SMALLEST_TEXT


def small_texts(fig: Figure) -> list[str]:
    """'"text" at N pt' for every visible, non-empty text of a drawn figure under SMALLEST_TEXT.

    Args:
        fig: a figure already drawn (tick labels exist only once it is).
    """
    return [
        f"{text.get_text()!r} at {text.get_fontsize():g} pt"
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < SMALLEST_TEXT
    ]


def draw(fig) -> Figure:
    """Render ``fig`` (figure_harness.draw), then fail on small text or a see-through background.

    Args:
        fig: what a plotting function returned; it must be a matplotlib Figure.
    """
    render(fig)
    small = small_texts(fig)
    assert not small, f"text under {SMALLEST_TEXT} pt: {small[:5]}"
    assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0), (
        "the background must be opaque white"
    )
    return fig
