"""Numerical gradient checks: the one centred-difference estimate and the one relative error
that chapter 01 and every later chapter use to test a backward pass.

The check (cs231n's, and Goodfellow, Bengio & Courville, *Deep Learning*, section 11.5): take a
scalar cost, nudge one entry of an array by ``+-epsilon``, and compare the slope with the
gradient the backward pass computed, entry by entry, through :func:`relative_error`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    cost: Callable[[], float], x: np.ndarray, epsilon: float = 1e-5, count: int = 40, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Centred-difference estimate of d cost / d x at ``count`` random entries of ``x``.

    Args:
        cost: function of no arguments that reads ``x`` and returns a float.
        x: float array of any shape, the one to perturb (changed in place, then restored).
        epsilon: the nudge.
        count: how many entries to try (all of them when ``x`` has fewer).
        seed: picks the entries.

    Returns:
        (indices, estimates): int array (K,) of flat indices into ``x`` and float array (K,) of
        the estimated derivatives, K = min(count, x.size).
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"x must be a float numpy array (it is nudged in place); got {type(x).__name__}"
            f"{' of dtype ' + str(x.dtype) if isinstance(x, np.ndarray) else ''}."
        )
    picked = np.random.default_rng(seed).choice(x.size, size=min(count, x.size), replace=False)
    estimates = []
    for k in picked:
        original = x.flat[k]
        x.flat[k] = original + epsilon
        plus = cost()
        x.flat[k] = original - epsilon
        minus = cost()
        x.flat[k] = original
        estimates.append((plus - minus) / (2 * epsilon))
    return picked, np.array(estimates, dtype=float)


def relative_error(analytic, numeric) -> float:
    """||analytic - numeric|| / (||analytic|| + ||numeric||), the usual gradient-check measure.

    Below about 1e-7 the gradients agree; above about 1e-3 there is almost surely a bug.

    Args:
        analytic: array of any shape.
        numeric: array of the same shape.

    Returns:
        float in [0, 1]; 0 when both are all zeros.
    """
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"analytic gradient has shape {analytic.shape} but numeric gradient has shape "
            f"{numeric.shape}; they must match (same parameter, same layout)."
        )
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric) / denominator)
