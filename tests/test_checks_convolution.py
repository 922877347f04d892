"""The chapter 01 checks: they accept the instructor's solutions, and for the usual bugs they
fail with the message a learner needs. References are TensorFlow ops (helpers.references)."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from solution_harness import assert_cause_named, mutant

from helpers.checks import convolution as checks
from helpers.checks.common import CheckFailed, expect_close
from helpers.gradients import relative_error
from helpers.grading.solutions import hidden_test_lines
from helpers.references import convolution as references

CHAPTER = "01_convolution"


@pytest.mark.parametrize(
    "check, name",
    [
        (checks.check_zero_pad, "zero_pad"),
        (checks.check_conv_single_step, "conv_single_step"),
        (checks.check_conv_forward, "conv_forward"),
        (checks.check_pool_forward, "pool_forward"),
        (checks.check_conv_backward, "conv_backward"),
        (checks.check_pool_backward, "pool_backward"),
    ],
)
def test_visible_checks_accept_the_solutions(solved, check, name, capsys):
    check(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_conv_cases(seed=1, count=8):
        checks.compare_conv_forward(solved["conv_forward"], case)
        checks.compare_conv_forward(solved["conv_forward_fast"], case, name="conv_forward_fast")
        checks.compare_conv_backward(solved["conv_backward"], case)
    for case in checks.random_pool_cases(seed=1, count=8):
        checks.compare_pool_forward(solved["pool_forward"], case)
        checks.compare_pool_backward(solved["pool_backward"], case)


def test_random_cases_cover_what_the_hidden_tests_promise():
    cases = list(checks.random_conv_cases(seed=303, count=200))
    assert {c.stride for c in cases} == {1, 2, 3}
    assert {c.pad for c in cases} == {0, 1, 2, 3}
    assert {c.W.shape[0] for c in cases} == {1, 2, 3, 4, 5}
    assert any(c.A_prev.shape[0] > 1 for c in cases)
    assert any(c.A_prev.shape[1] != c.A_prev.shape[2] for c in cases)
    assert any(c.A_prev.shape[3] > 1 and c.W.shape[3] > 1 for c in cases)
    pools = list(checks.random_pool_cases(seed=404, count=100))
    assert {p.mode for p in pools} == {"max", "average"} and {p.stride for p in pools} == {1, 2, 3}


def test_cases_are_reproducible():
    first, second = (list(checks.random_conv_cases(seed=7, count=3)) for _ in range(2))
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a.A_prev, b.A_prev) and np.array_equal(a.dZ, b.dZ)


def test_unwritten_function_says_to_write_it():
    def conv_forward(A_prev, W, b, stride=1, pad=0):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="conv_forward is not written yet"):
        checks.check_conv_forward(conv_forward)


def test_missing_stride_is_named():
    broken = mutant(
        CHAPTER,
        "conv_forward",
        ("n_H = (n_H_prev + 2 * pad - f) // stride + 1", "n_H = n_H_prev + 2 * pad - f + 1"),
        ("n_W = (n_W_prev + 2 * pad - f) // stride + 1", "n_W = n_W_prev + 2 * pad - f + 1"),
        ("vert_start = h * stride", "vert_start = h"),
        ("horiz_start = w * stride", "horiz_start = w"),
    )
    with pytest.raises(CheckFailed, match=r"has shape \(3, 7, 6, 5\); expected \(3, 4, 3, 5\)"
                       r"\. Did you apply the stride\?"):  # fmt: skip
        checks.check_conv_forward(broken["conv_forward"])


def test_error_inside_learner_code_names_the_case():
    broken = mutant(
        CHAPTER,
        "conv_forward",
        ("np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))", "A_prev"),
    )
    with pytest.raises(ValueError) as raised:
        checks.check_conv_forward(broken["conv_forward"])
    assert "This happened inside conv_forward, called on A_prev of shape (3, 7, 6, 2)" in str(
        raised.value.__notes__
    )


def test_overwriting_instead_of_adding_gradients_is_caught():
    broken = mutant(
        CHAPTER,
        "conv_backward",
        ("dA_prev_pad[i, vert, horiz, :] += W", "dA_prev_pad[i, vert, horiz, :] = W"),
    )
    with pytest.raises(CheckFailed, match="conv_backward: dA_prev differs from tf.GradientTape"):
        checks.check_conv_backward(broken["conv_backward"])


ASSIGNING = ("dA_prev_pad[i, vert, horiz, :] += W", "dA_prev_pad[i, vert, horiz, :] = W")


def no_overlap_case(seed: int, n_C: int) -> checks.ConvCase:
    """s = f = 2 and no padding: the windows tile the input without overlapping."""
    rng = np.random.default_rng(seed)
    shape = dict(m=2, n_H_prev=6, n_W_prev=6, n_C_prev=3, f=2, stride=2, pad=0)
    return checks.make_conv_case(rng, n_C=n_C, **shape)


def test_assigning_is_wrong_with_several_filters_even_without_overlap():
    """The chapter's reason for `+=`: every filter adds into the same window of dA_prev_pad.

    With s = f = 2 no window overlaps another, so with one filter `=` is right; with 3 filters
    each input pixel's gradient is c1 + c2 + c3, one term per filter, and `=` keeps only c3.
    For independent terms of equal size sigma, ||c1 + c2|| ~ sqrt(2) sigma,
    ||c1 + c2 + c3|| ~ sqrt(3) sigma and ||c3|| ~ sigma, so the relative error of `=` against
    the reference is about sqrt(2) / (sqrt(3) + 1) = 0.52: "about 0.5", as the chapter says.
    """
    broken = mutant(CHAPTER, "conv_backward", ASSIGNING)["conv_backward"]
    checks.compare_conv_backward(broken, no_overlap_case(seed=0, n_C=1))
    with pytest.raises(CheckFailed, match="conv_backward: dA_prev differs from tf.GradientTape"):
        checks.compare_conv_backward(broken, no_overlap_case(seed=0, n_C=3))
    errors = []
    for seed in range(20):
        case = no_overlap_case(seed, n_C=3)
        cache = (case.A_prev, case.W, case.b, case.stride, case.pad)
        expected = references.conv2d_gradients(case.dZ, *cache)[0]
        errors.append(relative_error(broken(case.dZ, cache)[0], expected))
    assert min(errors) > 0.2 and 0.45 < np.mean(errors) < 0.6, errors


def test_pad_to_minus_pad_gets_a_hint_that_works_for_pad_0():
    """`pad:-pad` is the empty slice 0:0 when pad == 0 (visible case 0 has pad 0)."""
    broken = mutant(CHAPTER,
        "conv_backward",
        ("dA_prev = dA_prev_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]",
         "dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]"),
    )  # fmt: skip
    message = r"has shape \(2, 0, 0, 3\); expected \(2, 5, 5, 3\)\. With pad = 0 the slice pad:-pad"
    with pytest.raises(CheckFailed, match=message) as raised:
        checks.check_conv_backward(broken["conv_backward"])
    assert checks.STRIP_PADDING in str(raised.value)


def test_the_hinted_slice_passes_as_given():
    """The slice the hints suggest, planted in the solution as written there, passes for every
    pad the hidden tests use, 0 included."""
    planted = mutant(CHAPTER,
        "conv_backward",
        ("dA_prev = dA_prev_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]",
         f"dA_prev = {checks.STRIP_PADDING}"),
    )["conv_backward"]  # fmt: skip
    checks.check_conv_backward(planted)
    cases = list(checks.random_conv_cases(seed=2, count=12))
    assert {case.pad for case in cases} == {0, 1, 2, 3}
    for case in cases:
        checks.compare_conv_backward(planted, case)


def test_padded_gradient_gets_the_strip_padding_hint():
    broken = mutant(CHAPTER,
        "conv_backward",
        ("dA_prev = dA_prev_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]",
         "dA_prev = dA_prev_pad"),
    )  # fmt: skip
    with pytest.raises(CheckFailed, match="strip the padding"):
        checks.check_conv_backward(broken["conv_backward"])


def test_average_pool_gradient_without_division_gets_the_hint():
    broken = mutant(CHAPTER, "pool_backward", ("dA[i, h, w, c] / (f * f)", "dA[i, h, w, c]"))
    with pytest.raises(CheckFailed, match=r"each input of a window gets dA / \(f \* f\)"):
        checks.check_pool_backward(broken["pool_backward"])


# A hand-made tie: one 2x2 window [[1, 5], [5, 2]], upstream gradient 2. Its maximum, 5, is at
# (0, 1) and at (1, 0); (0, 1) comes first in row-major order.
TIED = np.array([[1.0, 5.0], [5.0, 2.0]]).reshape(1, 2, 2, 1)
TIED_CACHE = (TIED, 2, 2, "max")
UPSTREAM = np.full((1, 1, 1, 1), 2.0)
FIRST_MAXIMUM = (
    "mask = window == np.max(window)",
    "mask = np.zeros(window.shape, dtype=bool)\n"
    "                        mask[np.unravel_index(np.argmax(window), window.shape)] = True",
)


def test_on_a_tie_the_mask_feeds_every_maximum_and_tensorflow_the_first(solved):
    """What the chapter says about ties: the mask sends the whole gradient to both 5s,
    TensorFlow only to the first, so the check would fail the mask on a tie."""
    from_mask = solved["pool_backward"](UPSTREAM, TIED_CACHE)
    assert from_mask.ravel().tolist() == [0.0, 2.0, 2.0, 0.0]
    from_tf = references.pool2d_gradient(UPSTREAM, TIED, 2, 2, "max")
    assert from_tf.ravel().tolist() == [0.0, 2.0, 0.0, 0.0]
    tie = checks.PoolCase(TIED, 2, 2, "max", UPSTREAM)
    with pytest.raises(CheckFailed, match="dA_prev differs from tf.GradientTape"):
        checks.compare_pool_backward(solved["pool_backward"], tie)
    first_maximum = mutant(CHAPTER, "pool_backward", FIRST_MAXIMUM)["pool_backward"]
    assert first_maximum(UPSTREAM, TIED_CACHE).ravel().tolist() == from_tf.ravel().tolist()


def test_the_first_maximum_way_passes_the_checks_too():
    """Without ties the two ways agree, so the checks accept both."""
    first_maximum = mutant(CHAPTER, "pool_backward", FIRST_MAXIMUM)["pool_backward"]
    checks.check_pool_backward(first_maximum)
    for case in checks.random_pool_cases(seed=3, count=8):
        checks.compare_pool_backward(first_maximum, case)


def tied_windows(case: checks.PoolCase) -> int:
    """How many (image, window, channel) of a max-pooling case have a tied maximum."""
    windows = np.lib.stride_tricks.sliding_window_view(case.A_prev, (case.f, case.f), axis=(1, 2))
    windows = windows[:, :: case.stride, :: case.stride]  # (m, n_H, n_W, n_C, f, f)
    at_maximum = windows == windows.max(axis=(4, 5), keepdims=True)
    return int((at_maximum.sum(axis=(4, 5)) > 1).sum())


def test_tie_counting_is_right():
    assert tied_windows(checks.PoolCase(TIED, 2, 2, "max", UPSTREAM)) == 1
    # Stride 1 over [[0, 7, 0], [7, 1, 0], [0, 0, 0]]: windows [[0, 7], [7, 1]] (tied),
    # [[7, 0], [1, 0]], [[7, 1], [0, 0]], [[1, 0], [0, 0]].
    overlapping = np.array([[0.0, 7, 0], [7, 1, 0], [0, 0, 0]]).reshape(1, 3, 3, 1)
    assert tied_windows(checks.PoolCase(overlapping, 2, 1, "max", np.zeros((1, 2, 2, 1)))) == 1


def test_no_max_pooling_case_of_the_checks_has_a_tie():
    """So a mask solution is never failed by a tie: every visible case and every hidden case
    list the notebook draws (seeds read from it) is tie-free."""
    cases = checks.visible_pool_cases()
    for name, seed, count in hidden_case_lists():
        if name == "random_pool_cases":
            cases += list(checks.random_pool_cases(seed=seed, count=count))
    max_cases = [case for case in cases if case.mode == "max"]
    assert len(max_cases) >= 10
    assert [tied_windows(case) for case in max_cases] == [0] * len(max_cases)


def test_padding_the_batch_axis_is_named():
    def zero_pad(X, pad):
        return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)))

    with pytest.raises(CheckFailed, match="not the batch axis"):
        checks.check_zero_pad(zero_pad)


def test_single_step_must_return_one_number():
    def conv_single_step(a_slice_prev, W, b):
        return np.sum(a_slice_prev * W, axis=2) + b

    with pytest.raises(CheckFailed, match="should return one number"):
        checks.check_conv_single_step(conv_single_step)


def test_changing_the_input_in_place_is_reported(solved):
    def zero_pad(X, pad):
        out = solved["zero_pad"](X, pad)
        X *= 2
        return out

    with pytest.raises(CheckFailed, match="changed its input X in place"):
        checks.check_zero_pad(zero_pad)


def test_missing_return_is_reported():
    def pool_forward(A_prev, f=2, stride=2, mode="max"):
        A_prev.max()

    with pytest.raises(CheckFailed, match=r"should return \(A, cache\)"):
        checks.check_pool_forward(pool_forward)


# The two visible cases the hints are tried on, their expected shapes worked out by hand:
# case 0: A_prev (2, 5, 5, 3), 4 filters of f = 3, stride 1, pad 0:
#   (5 + 0 - 3) // 1 + 1 = 3 per axis -> (2, 3, 3, 4).
# case 1: A_prev (3, 7, 6, 2), 5 filters of f = 3, stride 2, pad 1:
#   (7 + 2 - 3) // 2 + 1 = 4 and (6 + 2 - 3) // 2 + 1 = 3 -> (3, 4, 3, 5).
EXPECTED_SHAPES = {0: (2, 3, 3, 4), 1: (3, 4, 3, 5)}


@pytest.mark.parametrize(
    "case_index, got, hint",
    [
        # The stride forgotten: 7 + 2 - 3 + 1 = 7 and 6 + 2 - 3 + 1 = 6.
        (1, (3, 7, 6, 5), "Did you apply the stride?"),
        # The padding forgotten: (7 - 3) // 2 + 1 = 3 and (6 - 3) // 2 + 1 = 2.
        (1, (3, 3, 2, 5), "Did you pad the input first (zero_pad(A_prev, pad))?"),
        # The + 1 forgotten: (5 - 3) // 1 = 2. (On case 1 it gives the shape of the forgotten
        # padding, (7 + 2 - 3) // 2 = 3 and (6 + 2 - 3) // 2 = 2, so case 0 tells them apart.)
        (0, (2, 2, 2, 4), "Missing the + 1"),
        # Rounded up: ceil((7 + 2 - 3) / 2) + 1 = 4 and ceil((6 + 2 - 3) / 2) + 1 = 4.
        (1, (3, 4, 4, 5), "Round down, not up"),
        # n_C_prev = 2 channels instead of the 5 filters.
        (1, (3, 4, 3, 2), "not n_C_prev"),
        # Height and width swapped.
        (1, (3, 3, 4, 5), "Height and width are swapped"),
        # No known bug gives this shape: the formula itself.
        (1, (3, 5, 5, 5), "Output size per axis is floor((n + 2p - f) / stride) + 1."),
    ],
)
def test_shape_hints(case_index, got, hint):
    case = checks.visible_conv_cases()[case_index]
    assert case.output_shape == EXPECTED_SHAPES[case_index]
    assert hint in checks.conv_shape_hint(got, case)


def test_expect_close_points_at_the_worst_element():
    expected = np.zeros((2, 3))
    got = expected.copy()
    got[1, 2] = 0.5
    with pytest.raises(CheckFailed, match=r"1 of 6 values are wrong.*index \(1, 2\)"):
        expect_close("f", got, expected, reference="ref")


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros((5, 5, 3)), np.zeros((3, 3, 3, 2)), np.zeros(2), 1, 0), "add the batch axis"),
        ((np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 4, 2)), np.zeros(2), 1, 0), "4 input channels"),
        (
            (np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 2)), np.zeros(3), 1, 0),
            "one bias per filter",
        ),
        ((np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 2)), np.zeros(2), 0, 0), "stride must be"),
        (
            (np.zeros((1, 2, 2, 3)), np.zeros((3, 3, 3, 2)), np.zeros(2), 1, 0),
            "larger than the padded",
        ),
    ],
)
def test_bad_layer_inputs_get_a_clear_message(args, message):
    with pytest.raises(ValueError, match=message):
        checks.validate_conv_inputs(*args)


def test_bad_pool_inputs_get_a_clear_message():
    for args, message in [
        ((np.zeros((1, 4, 4, 1)), 2, 2, "min"), "mode must be"),
        ((np.zeros((1, 4, 4, 1)), 5, 1, "max"), "larger than the input"),
    ]:
        with pytest.raises(ValueError, match=message):
            checks.validate_pool_inputs(*args)


def test_reference_conv_matches_a_case_worked_by_hand():
    """The reference itself, on the chapter's worked example: 1*1 + 4*(-1) + 0.5 = -2.5."""
    from helpers.references import convolution as references

    A = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    W = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    assert references.conv2d(A, W, np.array([0.5]), stride=1, pad=0).item() == -2.5
    # Padding 1 with stride 2 on a 2x2 input: windows at (0,0),(0,2),(2,0),(2,2) of the
    # padded 4x4 input; the first one sees only A[0,0] (at its bottom-right): 1*(-1) + 0.5.
    padded = references.conv2d(A, W, np.array([0.5]), stride=2, pad=1)
    assert padded.shape == (1, 2, 2, 1) and padded[0, 0, 0, 0] == -0.5


def test_reference_pool_gradient_worked_by_hand():
    from helpers.references import convolution as references

    A = np.array([[1.0, 5.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    dA = np.array([[[[2.0]]]])
    assert references.pool2d_gradient(dA, A, 2, 2, "max").ravel().tolist() == [0, 2, 0, 0]
    assert references.pool2d_gradient(dA, A, 2, 2, "average").ravel().tolist() == [0.5] * 4


def hidden_case_lists() -> list[tuple[str, int, int]]:
    """(generator, seed, count) of every random case list the chapter's hidden tests draw, read
    from the instructor notebook, so that a seed changed there is tested here."""
    pattern = r"checks\.(random_conv_cases|random_pool_cases)\(seed=(\d+), count=(\d+)\)"
    found = []
    for line in hidden_test_lines(CHAPTER):
        for name, seed, count in re.findall(pattern, line):
            found.append((name, int(seed), int(count)))
    return found


def case_arrays(case) -> dict[str, np.ndarray]:
    """The numbers of a ConvCase or PoolCase, by field name (A_prev, W, b, dZ or A_prev, dA)."""
    arrays = {}
    for field in dataclasses.fields(case):
        value = getattr(case, field.name)
        if isinstance(value, np.ndarray):
            arrays[field.name] = value
    return arrays


def shared_array(case, other) -> str | None:
    """The name of an array that holds the same numbers in both cases, or None."""
    theirs = case_arrays(other)
    for field, array in case_arrays(case).items():
        if array.shape == theirs[field].shape and np.allclose(array, theirs[field]):
            return field
    return None


def test_hidden_cases_differ_from_every_visible_case():
    """A learner who fits the visible cases (or copies their expected outputs) must not pass a
    hidden one: no array of any hidden case equals the same array of any visible case."""
    lists = hidden_case_lists()
    # conv_forward, conv_backward and conv_forward_fast draw conv cases; pool_forward and
    # pool_backward draw pool cases. A hidden test written another way would be missed here.
    names = [name for name, _, _ in lists]
    assert names.count("random_conv_cases") == 3 and names.count("random_pool_cases") == 2, names
    visible = {
        "random_conv_cases": checks.visible_conv_cases(),
        "random_pool_cases": checks.visible_pool_cases(),
    }
    for name, seed, count in lists:
        hidden_cases = getattr(checks, name)(seed=seed, count=count)
        for k, hidden in enumerate(hidden_cases):
            for v, shown in enumerate(visible[name]):
                field = shared_array(hidden, shown)
                assert field is None, (
                    f"{name}(seed={seed}) case {k}: its {field} is visible case {v}'s"
                )


# The common wrong answers of every graded function, each planted in the solutions; the check
# must name the cause, not only count the wrong values (helpers.checks.common.likely_cause).
PAD_BODY = (
    "X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C), dtype=X.dtype)\n"
    "    X_pad[:, pad : pad + n_H, pad : pad + n_W, :] = X"
)
COMMON_BUGS = {
    "zero_pad, height only": (
        "zero_pad",
        (PAD_BODY, "X_pad = np.zeros((m, n_H + 2 * pad, n_W, n_C), dtype=X.dtype)\n"
                   "    X_pad[:, pad : pad + n_H, :, :] = X"),
        r"has shape \(1, 4, 2, 1\); expected \(1, 4, 4, 1\)\. Only the height is padded",
    ),
    "zero_pad, width only": (
        "zero_pad",
        (PAD_BODY, "X_pad = np.zeros((m, n_H, n_W + 2 * pad, n_C), dtype=X.dtype)\n"
                   "    X_pad[:, :, pad : pad + n_W, :] = X"),
        r"Only the width is padded",
    ),
    "zero_pad, edge values": (
        "zero_pad",
        (PAD_BODY, "X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='edge')"),
        r"values are wrong\..*The border holds copies of the edge values",
    ),
    "zero_pad, X in the corner": (
        "zero_pad",
        ("X_pad[:, pad : pad + n_H, pad : pad + n_W, :] = X", "X_pad[:, :n_H, :n_W, :] = X"),
        r"X sits in the top-left corner",
    ),
    "conv_single_step, no bias": (
        "conv_single_step",
        ("np.sum(a_slice_prev * W)) + float(b)", "np.sum(a_slice_prev * W))"),
        r"That is the sum without the bias",
    ),
    "conv_single_step, bias on every product": (
        "conv_single_step",
        ("np.sum(a_slice_prev * W)) + float(b)", "np.sum(a_slice_prev * W + b))"),
        r"The bias is added to each of the \d+ products",
    ),
    "conv_forward, windows not moved by the stride": (
        "conv_forward",
        ("vert_start = h * stride", "vert_start = h"),
        ("horiz_start = w * stride", "horiz_start = w"),
        r"values are wrong\..*windows that move by 1, not by the stride \(2\)",
    ),
    "conv_forward, no bias": (
        "conv_forward",
        ("np.sum(a_slice * W[:, :, :, c]) + b[c]", "np.sum(a_slice * W[:, :, :, c])"),
        r"These are the values without the bias",
    ),
    "conv_forward, flipped filters": (
        "conv_forward",
        ("np.sum(a_slice * W[:, :, :, c])", "np.sum(a_slice * W[::-1, ::-1, :, c])"),
        r"each filter flipped .* a cross-correlation",
    ),
    "pool_forward, windows not moved by the stride": (
        "pool_forward",
        ("vert_start = h * stride", "vert_start = h"),
        ("horiz_start = w * stride", "horiz_start = w"),
        r"windows that move by 1, not by the stride \(2\)",
    ),
    "pool_forward, mode ignored": (
        "pool_forward",
        ('if mode == "max" else', 'if mode != "max" else'),
        r"These are the values of average pooling, but mode is 'max'",
    ),
    "conv_backward, flipped filters": (
        "conv_backward",
        ("W[:, :, :, c] * dZ[i, h, w, c]", "W[::-1, ::-1, :, c] * dZ[i, h, w, c]"),
        r"dA_prev differs .* with each filter flipped",
    ),
    "conv_backward, flipped windows": (
        "conv_backward",
        ("dW[:, :, :, c] += a_slice * dZ", "dW[:, :, :, c] += a_slice[::-1, ::-1] * dZ"),
        r"dW differs .* with each window flipped",
    ),
    "conv_backward, dW averaged over the batch": (
        "conv_backward",
        ("dW[:, :, :, c] += a_slice * dZ[i, h, w, c]", "dW[:, :, :, c] += a_slice * dZ[i, h, w, c] / m"),
        r"dW is 2 times too small: it is averaged over the batch",
    ),
    "conv_backward, db averaged": (
        "conv_backward",
        ("db = dZ.sum(axis=(0, 1, 2))", "db = dZ.mean(axis=(0, 1, 2))"),
        r"db is averaged, not summed",
    ),
}  # fmt: skip


@pytest.mark.parametrize("bug", COMMON_BUGS)
def test_common_wrong_answers_get_their_cause(bug):
    name, *replacements, message = COMMON_BUGS[bug]
    assert_cause_named(CHAPTER, name, replacements, getattr(checks, f"check_{name}"), message)


def test_a_wrong_answer_without_a_known_cause_gets_the_count_alone():
    broken = mutant(CHAPTER, "conv_forward", ("+ b[c]", "+ 2 * b[c]"))["conv_forward"]
    with pytest.raises(CheckFailed) as raised:
        checks.check_conv_forward(broken)
    # b doubled is no common bug: the message counts and locates, and guesses no cause.
    assert re.search(r"values are wrong\. .* tf\.nn\.conv2d gives -?[\d.]+\.$", str(raised.value))
    assert "These are the values" not in str(raised.value)
