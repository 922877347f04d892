"""helpers.gradients: the centred difference against derivatives worked out by hand, and the
relative error against its definition."""

import numpy as np
import pytest

from helpers.gradients import numerical_gradient, relative_error


def test_numerical_gradient_matches_the_derivative_by_hand():
    # d/dx sum(x**3) = 3 x**2; the centred difference is off by exactly epsilon**2 for a cubic.
    x = np.random.default_rng(1).standard_normal((3, 4, 2))
    before = x.copy()
    picked, estimates = numerical_gradient(lambda: float(np.sum(x**3)), x, epsilon=1e-4, count=10)
    assert picked.shape == estimates.shape == (10,)
    assert len(set(picked.tolist())) == 10
    np.testing.assert_allclose(estimates, 3 * x.flat[picked] ** 2 + 1e-8, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(x, before)  # restored after every nudge


def test_numerical_gradient_tries_every_entry_of_a_small_array():
    x = np.array([1.0, -2.0])
    picked, estimates = numerical_gradient(lambda: float(x[0] * x[1]), x, count=40)
    assert sorted(picked.tolist()) == [0, 1]
    by_index = dict(zip(picked.tolist(), estimates.tolist(), strict=True))
    assert by_index[0] == pytest.approx(-2.0) and by_index[1] == pytest.approx(1.0)


def test_numerical_gradient_refuses_an_integer_array():
    with pytest.raises(ValueError, match="float numpy array"):
        numerical_gradient(lambda: 0.0, np.arange(3))


def test_relative_error_is_the_norm_ratio():
    a, n = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    assert relative_error(a, n) == pytest.approx(5.0 / 7.0)  # ||(3, -4)|| / (3 + 4)
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="must match"):
        relative_error(np.zeros(2), np.zeros(3))
