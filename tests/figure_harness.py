"""Draw a figure off screen, as the tests of every chapter's figures do."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


def draw(fig) -> Figure:
    """Render ``fig`` to a PNG in memory (drawing is where a bad figure fails) and return it.

    Args:
        fig: what a plotting function returned; it must be a matplotlib Figure.
    """
    assert isinstance(fig, Figure), f"expected a matplotlib Figure, got {type(fig).__name__}"
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig
