"""Real bundled data: values, shapes and ranges against the packages that ship them."""

import numpy as np
import pytest

from helpers.datasets import bundled


def test_digits_match_scikit_learn():
    from sklearn.datasets import load_digits

    reference = load_digits()
    images, labels = bundled.load_digits()
    assert images.shape == (1797, 8, 8, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], reference.images / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(labels, reference.target)
    big, _ = bundled.load_digits(size=32)
    assert big.shape == (1797, 32, 32, 1) and 0 <= big.min() and big.max() <= 1


def test_lfw_subset_faces_then_non_faces():
    import skimage.data

    images, labels = bundled.load_lfw_subset()
    assert images.shape == (200, 25, 25, 1) and images.dtype == np.float32
    np.testing.assert_allclose(images[..., 0], skimage.data.lfw_subset(), rtol=1e-6)
    np.testing.assert_array_equal(labels, [1] * 100 + [0] * 100)


@pytest.mark.parametrize("name", bundled.PHOTO_NAMES)
def test_every_photo_loads_as_rgb_in_unit_range(name):
    photo = bundled.load_photo(name)
    assert photo.ndim == 3 and photo.shape[2] == 3 and photo.dtype == np.float32
    assert 0 <= photo.min() and photo.max() <= 1 and photo.std() > 0.02


def test_photo_values_and_resizing():
    import skimage.data

    camera = bundled.load_photo("camera")  # grayscale: repeated on the three channels
    for c in range(3):
        np.testing.assert_array_equal(camera[..., c] * 255, skimage.data.camera())
    np.testing.assert_array_equal(bundled.load_photo("coffee") * 255, skimage.data.coffee())
    assert bundled.load_photo("coffee", 100).shape == (100, 150, 3)  # shorter side, aspect kept
    assert bundled.load_photo("china", (64, 80)).shape == (64, 80, 3)
    assert bundled.load_bundled("grace_hopper").shape == (600, 512, 3)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown data set 'mnist'") as err:
        bundled.load_bundled("mnist")
    for name in ("digits", "lfw_subset", "astronaut", "china", "grace_hopper"):
        assert name in str(err.value)
    with pytest.raises(ValueError, match="astronaut"):
        bundled.load_photo("digits")


def test_gallery():
    import matplotlib.pyplot as plt

    fig = bundled.bundled_gallery(size=32)
    assert len([ax for ax in fig.axes if ax.images]) == len(bundled.PHOTO_NAMES) + 24
    plt.close(fig)
