"""A learner's own image folder: loading and the errors a person can act on."""

import numpy as np
import pytest
from PIL import Image

from helpers.datasets import folder


def save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture
def two_classes(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for cls in ("dog", "cat"):
        for k in range(3):
            a = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
            save(tmp_path / "data" / cls / f"{k}.png", a)
            arrays[(cls, k)] = a
    return tmp_path / "data", arrays


def test_loads_classes_in_alphabetical_order(two_classes):
    root, arrays = two_classes
    (root / ".ipynb_checkpoints").mkdir()
    (root / "cat" / ".DS_Store").write_bytes(b"\0junk")
    images, labels, names = folder.load_image_folder(root)
    assert names == ["cat", "dog"]
    assert images.shape == (6, 12, 10, 3) and images.dtype == np.float32
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(images[4] * 255, arrays[("dog", 1)])  # PNG is lossless


def test_grayscale_becomes_rgb_and_resizing_unifies_sizes(two_classes):
    root, _ = two_classes
    save(root / "cat" / "gray.png", np.full((30, 20), 128, np.uint8))
    with pytest.raises(ValueError, match=r"different sizes.*gray.png.*size=\(height, width\)"):
        folder.load_image_folder(root)
    images, _, _ = folder.load_image_folder(root, size=(16, 8))
    assert images.shape == (7, 16, 8, 3)
    gray = images[3]  # cat/0, cat/1, cat/2, cat/gray
    np.testing.assert_allclose(gray, 128 / 255, atol=1e-6)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="No folder .*nowhere"):
        folder.load_image_folder(tmp_path / "nowhere")


def test_folder_without_class_subfolders(tmp_path):
    save(tmp_path / "a.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="no class sub-folder.*a.png"):
        folder.load_image_folder(tmp_path)


def test_empty_class_folder(two_classes):
    root, _ = two_classes
    (root / "bird").mkdir()
    with pytest.raises(ValueError, match="bird is empty"):
        folder.load_image_folder(root)


def test_unreadable_file_is_named(two_classes):
    root, _ = two_classes
    (root / "dog" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match=r"Cannot read .*notes.txt as an image"):
        folder.load_image_folder(root)


def test_gallery(two_classes):
    import matplotlib.pyplot as plt

    fig = folder.folder_gallery(two_classes[0], size=16, per_class=2)
    assert len(fig.axes) == 4
    plt.close(fig)
