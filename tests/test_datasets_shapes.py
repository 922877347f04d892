"""Synthetic shapes: geometry, exact labels, occlusion, determinism and cache. (Speed is
measured by benchmarks/bench_data.py, not asserted here: a busy machine would fail it.)"""

import hashlib
import math

import numpy as np
import pytest

from helpers.datasets import cache, shapes


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def digest(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# Areas in units of radius**2, from the shapes' definitions in the module docstring comments:
# circle of radius 0.8, square of half-side 0.75, equilateral triangle of circumradius 1,
# pentagram of circumradius 1 (inner radius cos 72 / cos 36), plus of arm half-width 0.3 and
# half-length 0.95.
_INNER = math.cos(math.radians(72)) / math.cos(math.radians(36))
AREAS = {
    "circle": math.pi * 0.8**2,
    "square": 1.5**2,
    "triangle": 3 * math.sqrt(3) / 4,
    "star": 5 * _INNER * math.sin(math.radians(36)),
    "cross": 2 * (1.9 * 0.6) - 0.6**2,
}


@pytest.mark.parametrize("aspect", [1.0, 1.5])
@pytest.mark.parametrize("name", shapes.CLASS_NAMES)
def test_mask_area_matches_geometry(name, aspect):
    r = 40.0
    params = np.array([[100, 100, r, 0.3, aspect]], np.float32)
    mask = shapes.shape_masks(np.array([shapes.CLASS_NAMES.index(name)]), params, 200)[0]
    assert mask.sum() == pytest.approx(AREAS[name] * r**2, rel=0.03)


def test_circle_uses_row_column_and_pixel_centres():
    # Computed here independently: pixel (i, j) is in the disc when its centre is.
    cy, cx, r = 20.3, 41.7, 10.0
    params = np.array([[cy, cx, r, 1.1, 1.0]], np.float32)
    mask = shapes.shape_masks(np.array([0]), params, 64)[0]
    i, j = np.mgrid[:64, :64]
    expected = (i + 0.5 - cy) ** 2 + (j + 0.5 - cx) ** 2 <= (0.8 * r) ** 2
    assert np.count_nonzero(mask != expected) <= 2


def test_star_has_five_points():
    params = np.array([[100, 100, 80, 0.2, 1.0]], np.float32)
    mask = shapes.shape_masks(np.array([3]), params, 200)[0]
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    ring = mask[(100 + 60 * np.sin(theta)).astype(int), (100 + 60 * np.cos(theta)).astype(int)]
    assert np.count_nonzero(ring != np.roll(ring, 1)) == 10  # in and out of 5 tips


def test_classification_is_deterministic_and_prefix_stable():
    a = shapes.shape_classification(300, 48, seed=3, dtype="uint8", return_boxes=True, cache=False)
    b = shapes.shape_classification(300, 48, seed=3, dtype="uint8", return_boxes=True, cache=False)
    assert digest(*a) == digest(*b)
    small = shapes.shape_classification(20, 48, seed=3, dtype="uint8", cache=False)
    np.testing.assert_array_equal(small[0], a[0][:20])
    other = shapes.shape_classification(20, 48, seed=4, dtype="uint8", cache=False)
    assert not np.array_equal(other[0], small[0])
    test_split = shapes.shape_classification(20, 48, seed=3, split="test", cache=False)
    assert not np.array_equal(test_split[0], small[0] / 255)
    floats = shapes.shape_classification(20, 48, seed=3, cache=False)[0]
    assert floats.dtype == np.float32 and 0 <= floats.min() and floats.max() <= 1
    np.testing.assert_array_equal(floats, small[0].astype(np.float32) / np.float32(255))


def test_classification_classes_balanced_and_nothing_painted_outside_the_box():
    images, labels, boxes = shapes.shape_classification(
        1000, 48, seed=1, backgrounds=("flat",), dtype="uint8", return_boxes=True, cache=False
    )
    counts = np.bincount(labels, minlength=5)
    assert counts.min() > 150, counts
    x = images.astype(np.float32) / 255
    for img, (y1, x1, y2, x2) in zip(x[:200], boxes[:200].astype(int), strict=True):
        outside = np.ones(img.shape[:2], bool)
        outside[y1:y2, x1:x2] = False
        background = np.median(img[outside], axis=0)
        # Only sensor noise (at most 0.05 * sqrt(3) per channel) and rounding outside the box.
        assert np.abs(img[outside] - background).max() <= 0.05 * math.sqrt(3) + 2 / 255
        # The object is inside: every side of the box touches a pixel unlike the background.
        far = np.abs(img - background).max(axis=-1) > 0.1
        assert far[y1].any() and far[y2 - 1].any() and far[:, x1].any() and far[:, x2 - 1].any()


def test_raw_pixels_are_not_enough():
    # A nearest-centroid classifier on raw pixels: the backgrounds must defeat it.
    x, y = shapes.shape_classification(2000, 32, seed=0, cache=False)
    xt, yt = shapes.shape_classification(500, 32, split="test", seed=0, cache=False)
    centroids = np.stack([x[y == k].reshape(-1, 32 * 32 * 3).mean(0) for k in range(5)])
    d = ((xt.reshape(len(xt), -1)[:, None] - centroids[None]) ** 2).sum(-1)
    assert np.mean(d.argmin(1) == yt) < 0.4  # chance is 0.2


def test_scenes_labels_are_exact():
    scenes = shapes.shape_scenes(
        60, 64, min_objects=2, max_objects=6, radius_range=(0.12, 0.25), seed=5, cache=False
    )
    class_maps = scenes.class_maps
    n_occluded = 0
    for i in range(len(scenes)):
        masks, full, labels = scenes.masks(i), scenes.full_masks(i), scenes.labels(i)
        assert masks.shape[0] == len(labels) == len(scenes.boxes(i)) >= 1
        # Masks are disjoint and cover exactly the non-background pixels of the class map.
        assert (masks.sum(0) <= 1).all()
        np.testing.assert_array_equal(masks.any(0), class_maps[i] > 0)
        for k, (mask, box, label) in enumerate(zip(masks, scenes.boxes(i), labels, strict=True)):
            np.testing.assert_array_equal(class_maps[i][mask], label + 1)
            rows, cols = np.nonzero(mask)
            tight = [rows.min(), cols.min(), rows.max() + 1, cols.max() + 1]
            np.testing.assert_array_equal(box, tight)
            # Occlusion as documented: visible = whole minus the objects painted later.
            later = full[k + 1 :].any(0) if k + 1 < len(full) else np.zeros_like(mask)
            np.testing.assert_array_equal(mask, full[k] & ~later)
            fraction = mask.sum() / full[k].sum()
            assert fraction >= 0.5
            assert scenes.visible_fraction[scenes.offsets[i] + k] == pytest.approx(fraction)
            n_occluded += fraction < 1
    assert n_occluded >= 10  # the occlusion rule was really exercised


def test_scenes_paint_only_inside_masks():
    scenes = shapes.shape_scenes(40, 64, backgrounds=("flat",), seed=2, cache=False)
    for i in range(len(scenes)):
        img = scenes.images[i]
        bg = scenes.instance_maps[i] == 0
        background = np.median(img[bg], axis=0)
        assert np.abs(img[bg] - background).max() <= 0.05 * math.sqrt(3) + 2 / 255


def test_scene_counts_and_segmentation_view():
    scenes = shapes.shape_scenes(64, 48, min_objects=0, max_objects=3, seed=0, cache=False)
    counts = np.diff(scenes.offsets)
    assert counts.min() == 0 and counts.max() == 3
    images, class_maps = shapes.shape_segmentation(
        64, 48, min_objects=0, max_objects=3, seed=0, cache=False
    )
    np.testing.assert_array_equal(images, scenes.images)
    np.testing.assert_array_equal(class_maps, scenes.class_maps)
    assert class_maps.dtype == np.uint8 and class_maps.max() <= len(shapes.CLASS_NAMES)


def test_cache_roundtrip_and_key(tmp_cache, monkeypatch):
    first = shapes.shape_scenes(10, 32, seed=1)
    files = sorted(tmp_cache.glob("*.npz"))
    assert len(files) == 1 and files[0].name.startswith("shapes-scenes-v")

    def no_build(*args, **kwargs):
        raise AssertionError("should have been read from the cache")

    monkeypatch.setattr(shapes, "_scene_chunk", no_build)
    second = shapes.shape_scenes(10, 32, seed=1)
    for field in ("images", "instance_maps", "object_boxes", "object_labels", "offsets"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))
    monkeypatch.undo()
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_cache))
    shapes.shape_scenes(10, 32, seed=1, min_visible=0.6)  # a parameter change: a new file
    monkeypatch.setattr(shapes, "VERSION", shapes.VERSION + 1)
    shapes.shape_scenes(10, 32, seed=1)  # a generator change: a new file
    assert len(list(tmp_cache.glob("*.npz"))) == 3
    assert cache.cache_size() > 0
    assert cache.clear_cache() == 3 and cache.cache_size() == 0


def test_clear_errors():
    with pytest.raises(ValueError, match="Valid backgrounds"):
        shapes.shape_classification(4, backgrounds=("plaid",), cache=False)
    with pytest.raises(ValueError, match="Valid splits: train, val, test"):
        shapes.shape_scenes(4, split="validation", cache=False)
    with pytest.raises(ValueError, match="min_objects"):
        shapes.shape_scenes(4, min_objects=3, max_objects=2, cache=False)


def test_gallery():
    import matplotlib.pyplot as plt

    fig = shapes.shapes_gallery(n=3, size=48)
    assert len(fig.axes) == 12
    plt.close(fig)
