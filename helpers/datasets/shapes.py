"""Synthetic scenes of shapes with exact labels: classification, detection and segmentation.

One generator, three views (in the spirit of the "shapes" demo of Matterport's Mask R-CNN):

- :func:`shape_classification`: one main object per image, its class (and its box);
- :func:`shape_scenes`: 0..K objects per image with boxes, classes and instance masks
  (detection, instance segmentation);
- :func:`shape_segmentation`: the per-pixel class map of the same scenes (semantic
  segmentation).

Classes (:data:`CLASS_NAMES`): circle, square, triangle, star, cross. Each object has its own
colour, size, position, rotation and aspect (an aspect stretches every class, so a square may
become a rectangle and a circle an ellipse), and a little shading. Backgrounds mix colour
gradients, smooth noise and random crops of the bundled photos, plus per-image sensor noise, so
that "the bright pixels are the object" is not a solution.

Label conventions, used everywhere in the course:

- ``labels``: int64 class index in ``0..4`` (``CLASS_NAMES[label]``);
- ``boxes``: float32 ``(N, 4)`` in the course convention (:mod:`helpers.boxes`), the tight box
  of each object's mask (:func:`helpers.boxes.tight_boxes`);
- class maps: uint8, 0 for background and ``label + 1`` for an object
  (:data:`SEG_CLASS_NAMES`);
- instance maps: uint8, 0 for background and ``k + 1`` for the k-th object of the scene.

Occlusion, as documented once here: objects are painted back to front in the order they are
listed. A mask is the object's *visible* pixels (what is left after the objects painted later
cover it), and its box is the tight box of that visible mask. An object is kept only if at
least ``min_visible`` of its own area stays visible (its visible part may come in several
pieces), and an object is never painted over another of nearly the same colour.

Deterministic: the same arguments give byte-identical arrays. Images are generated in chunks
of fixed size with a random stream per chunk, so the first ``n`` images of a larger set are
the ``n`` images of a smaller one. Results are cached on disk (:mod:`helpers.datasets.cache`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from helpers.boxes import draw_boxes, tight_boxes
from helpers.datasets import bundled
from helpers.datasets.cache import cached_arrays

VERSION = 1  # bump whenever the output for the same arguments changes (it is in the cache key)
CLASS_NAMES = ("circle", "square", "triangle", "star", "cross")
SEG_CLASS_NAMES = ("background",) + CLASS_NAMES
BACKGROUNDS = ("gradient", "noise", "photo", "flat")
DEFAULT_BACKGROUNDS = ("gradient", "noise", "photo")
SPLITS = ("train", "val", "test")
# Photos used as backgrounds: coins is left out because its round coins would look like circles.
BACKGROUND_PHOTOS = tuple(p for p in bundled.PHOTO_NAMES if p != "coins")
_CHUNK_CLASSIFICATION = 256
_CHUNK_SCENES = 32
_MIN_COLOUR_DISTANCE = 0.35  # RGB distance in [0, 1] units between an object and what it covers


# ---------------------------------------------------------------------------------------------
# Geometry: a vectorised rasteriser in each object's own unit frame


def _unit_vectors(angles_deg: list[float]) -> np.ndarray:
    rad = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    # Rounded so that tiny differences between maths libraries cannot flip a pixel.
    return np.round(np.stack([np.cos(rad), np.sin(rad)], axis=1), 7).astype(np.float32)


_TRIANGLE_NORMALS = _unit_vectors([90.0, 210.0, 330.0])  # edges opposite a vertex at the top
_STAR_NORMALS = _unit_vectors([-90.0 + 72.0 * j for j in range(5)])
_STAR_OFFSET = np.float32(np.round(np.cos(np.deg2rad(72.0)), 7))


def _inside(label: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Pixels inside a shape of circumradius <= 1 centred at the origin, in unit coordinates."""
    if label == 0:  # circle of radius 0.8
        return u * u + v * v <= np.float32(0.64)
    au, av = np.abs(u), np.abs(v)
    if label == 1:  # square of half-side 0.75
        return (au <= 0.75) & (av <= 0.75)
    if label == 2:  # equilateral triangle of circumradius 1 (inradius 0.5)
        inside = np.ones(u.shape, dtype=bool)
        for cx, cy in _TRIANGLE_NORMALS:
            inside &= u * cx + v * cy <= 0.5
        return inside
    if label == 3:
        # Filled pentagram of circumradius 1: the five lines through its edges each leave the
        # centre on one side; the star is the set of points on that side of at least 4 lines.
        count = np.zeros(u.shape, dtype=np.uint8)
        for cx, cy in _STAR_NORMALS:
            count += u * cx + v * cy <= _STAR_OFFSET
        return count >= 4
    if label == 4:  # plus sign: arms of half-width 0.3 and half-length 0.95
        return ((au <= 0.3) & (av <= 0.95)) | ((av <= 0.3) & (au <= 0.95))
    raise ValueError(f"label must be in 0..{len(CLASS_NAMES) - 1}, got {label}")


def shape_masks(
    labels: np.ndarray,
    params: np.ndarray,
    size: int,
    return_u: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Rasterise whole (unoccluded) shapes.

    A pixel (row i, column j) belongs to a shape when its centre (i + 0.5, j + 0.5) does.

    Args:
        labels: int array ``(M,)``, class indices in ``0..4``.
        params: float32 array ``(M, 5)``: centre row, centre column, radius (pixels), rotation
            (radians), aspect (width / height before rotation). The shape fits in the circle
            of radius ``radius * max(sqrt(aspect), 1 / sqrt(aspect))`` around its centre.
        size: the image is ``size x size`` pixels.
        return_u: also return each pixel's coordinate along the shape's own first axis.

    Returns:
        bool array ``(M, size, size)``; with ``return_u``, also float32 ``(M, size, size)``
        (about -1..1 across the shape; used for shading).
    """
    labels = np.asarray(labels)
    params = np.asarray(params, dtype=np.float32)
    cy, cx, radius, angle, aspect = params.T
    cos = np.round(np.cos(angle.astype(np.float64)), 7).astype(np.float32)
    sin = np.round(np.sin(angle.astype(np.float64)), 7).astype(np.float32)
    stretch = np.sqrt(aspect)
    # u = (cos*dx + sin*dy) / (r*stretch), v = (-sin*dx + cos*dy) * stretch / r
    ux, uy = cos / (radius * stretch), sin / (radius * stretch)
    vx, vy = -sin * stretch / radius, cos * stretch / radius
    grid = np.arange(size, dtype=np.float32) + np.float32(0.5)
    masks = np.zeros((len(labels), size, size), dtype=bool)
    us = np.zeros((len(labels), size, size), dtype=np.float32) if return_u else None
    for label in range(len(CLASS_NAMES)):
        idx = np.flatnonzero(labels == label)
        if idx.size == 0:
            continue
        dy = grid[None, :, None] - cy[idx, None, None]
        dx = grid[None, None, :] - cx[idx, None, None]
        u = dx * ux[idx, None, None] + dy * uy[idx, None, None]
        v = dx * vx[idx, None, None] + dy * vy[idx, None, None]
        masks[idx] = _inside(label, u, v)
        if return_u:
            us[idx] = u
    return (masks, us) if return_u else masks


# ---------------------------------------------------------------------------------------------
# Backgrounds


@lru_cache(maxsize=4)
def _photo_pools(size: int) -> tuple[np.ndarray, ...]:
    """Square crops of the background photos at two scales: uint8 ``(P, 3, L, L)`` each."""
    pools = []
    for factor in (3, 6):
        side = factor * size
        stack = []
        for name in BACKGROUND_PHOTOS:
            photo = bundled._photo_uint8(name)
            h, w = photo.shape[:2]
            s = min(h, w)
            square = photo[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
            resized = bundled._resize_uint8(np.ascontiguousarray(square), (side, side))
            stack.append(resized.transpose(2, 0, 1))
        pools.append(np.ascontiguousarray(np.stack(stack)))
    return tuple(pools)


@lru_cache(maxsize=16)
def _bilinear_matrix(n_out: int, n_in: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix that upsamples a 1-D signal by linear interpolation."""
    pos = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    pos = np.clip(pos, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), lo] += 1 - frac
    m[np.arange(n_out), hi] += frac
    return m.astype(np.float32)


def _upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upsampling of ``(m, 3, g, g)`` to ``(m, 3, size, size)``."""
    a = _bilinear_matrix(size, grid.shape[-1])
    return a @ grid @ a.T


def _backgrounds(rng: np.random.Generator, n: int, size: int, kinds: tuple[str, ...]):
    """float32 ``(n, size, size, 3)`` backgrounds in [0, 1], each of a kind drawn from kinds."""
    return _backgrounds_planar(rng, n, size, kinds).transpose(0, 2, 3, 1)


def _backgrounds_planar(rng: np.random.Generator, n: int, size: int, kinds: tuple[str, ...]):
    """float32 ``(n, 3, size, size)`` backgrounds in [0, 1], each of a kind drawn from kinds.

    Channels first: numpy is several times faster when a per-image colour is broadcast over
    ``size x size`` contiguous pixels than over an innermost axis of length 3.
    """
    kind = rng.integers(0, len(kinds), n)
    c0 = rng.random((n, 3), dtype=np.float32)
    c1 = rng.random((n, 3), dtype=np.float32)
    out = np.empty((n, 3, size, size), dtype=np.float32)
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
    for k, name in enumerate(kinds):
        idx = np.flatnonzero(kind == k)
        m = idx.size
        if name == "flat":
            out[idx] = c0[idx, :, None, None]
        elif name == "gradient":
            beta = rng.uniform(0, 2 * np.pi, m)
            gy = np.round(np.sin(beta), 7).astype(np.float32)[:, None, None]
            gx = np.round(np.cos(beta), 7).astype(np.float32)[:, None, None]
            t = np.clip(grid[None, :, None] * gy + grid[None, None, :] * gx + 0.5, 0, 1)
            delta = (c1[idx] - c0[idx])[:, :, None, None]
            out[idx] = c0[idx, :, None, None] + delta * t[:, None]
        elif name == "noise":
            # Two octaves of smooth value noise around a base colour.
            coarse = rng.random((m, 3, 4, 4), dtype=np.float32) - 0.5
            fine = rng.random((m, 3, 8, 8), dtype=np.float32) - 0.5
            field = _upsample(coarse, size) + 0.4 * _upsample(fine, size)
            field += c0[idx, :, None, None] * 0.6 + 0.2
            out[idx] = np.clip(field, 0, 1, out=field)
        elif name == "photo":
            pools = _photo_pools(size)
            scale = rng.integers(0, len(pools), m)
            which = rng.integers(0, len(BACKGROUND_PHOTOS), m)
            corner = rng.random((m, 2))
            flip = rng.random(m) < 0.5
            gain = rng.uniform(0.7, 1.2, m).astype(np.float32)
            for j, i in enumerate(idx):  # slicing a contiguous window beats fancy indexing
                pool = pools[scale[j]]
                y, x = (corner[j] * (pool.shape[-1] - size + 1)).astype(int)
                crop = pool[which[j], :, y : y + size, x : x + size]
                crop = crop[:, :, ::-1] if flip[j] else crop
                np.multiply(crop, gain[j] / np.float32(255), out=out[i])
                np.minimum(out[i], 1, out=out[i])
        else:
            raise ValueError(f"Unknown background {name!r}. Valid backgrounds: {BACKGROUNDS}.")
    return out


# ---------------------------------------------------------------------------------------------
# Sampling and painting


def _sample_objects(rng, m, size, radius_range):
    """Labels ``(m,)``, params float32 ``(m, 5)``, colours ``(m, 3)`` and shading ``(m,)``."""
    labels = rng.integers(0, len(CLASS_NAMES), m)
    radius = rng.uniform(radius_range[0], radius_range[1], m) * size
    aspect = np.exp(rng.uniform(np.log(2 / 3), np.log(1.5), m))
    angle = rng.uniform(0, 2 * np.pi, m)
    reach = radius * np.maximum(np.sqrt(aspect), 1 / np.sqrt(aspect))
    cy = reach + rng.random(m) * (size - 2 * reach)
    cx = reach + rng.random(m) * (size - 2 * reach)
    params = np.stack([cy, cx, radius, angle, aspect], axis=1).astype(np.float32)
    colours = rng.random((m, 3), dtype=np.float32)
    shading = rng.uniform(-0.3, 0.3, m).astype(np.float32)
    return labels, params, colours, shading


def _contrast(colours: np.ndarray, under: np.ndarray) -> np.ndarray:
    """Move colours that are too close to the mean colour they cover well away from it."""
    close = np.linalg.norm(colours - under, axis=1) < _MIN_COLOUR_DISTANCE
    far = np.where(under > 0.5, under - 0.4, under + 0.4).astype(np.float32)
    return np.where(close[:, None], far, colours)


def _finish(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add sensor noise of a random strength per image and quantise (in place).

    Args:
        images: float32 ``(n, 3, H, W)`` in [0, 1] (channels first).

    Returns:
        uint8 ``(n, H, W, 3)``.
    """
    # Uniform noise of standard deviation sigma from random bytes: as good as Gaussian here,
    # and several times cheaper to draw.
    sigma = rng.uniform(0.0, 0.05, len(images)).astype(np.float32)
    scale = (sigma * np.float32(np.sqrt(12.0) / 256))[:, None, None, None]
    noise = np.frombuffer(rng.bytes(images.size), np.uint8).reshape(images.shape)
    noise = noise.astype(np.float32)
    noise -= np.float32(127.5)
    noise *= scale
    images += noise
    np.clip(images, 0, 1, out=images)
    images *= np.float32(255)
    images += np.float32(0.5)  # then truncation rounds to the nearest integer
    planar = images.astype(np.uint8)
    out = np.empty((images.shape[0], images.shape[2], images.shape[3], 3), np.uint8)
    for c in range(3):  # channel by channel: far faster than one transposing copy
        out[..., c] = planar[:, c]
    return out


def _chunk_rng(seed: int, split: str, view: int, chunk: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, SPLITS.index(split), view, chunk]))


def _map_chunks(func, n_chunks: int) -> list:
    """``[func(0), ..., func(n_chunks - 1)]``, on up to 2 threads (numpy releases the GIL).

    Each chunk has its own random stream, so the result does not depend on the threads.
    """
    if n_chunks <= 1:
        return [func(c) for c in range(n_chunks)]
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return list(pool.map(func, range(n_chunks)))


def _check_common(n, size, split, backgrounds, dtype):
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if size < 16:
        raise ValueError(f"size must be at least 16 pixels, got {size}")
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}. Valid splits: {', '.join(SPLITS)}.")
    for b in backgrounds:
        if b not in BACKGROUNDS:
            raise ValueError(f"Unknown background {b!r}. Valid backgrounds: {BACKGROUNDS}.")
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"dtype must be 'float32' (values in [0, 1]) or 'uint8', got {dtype!r}")


def _as_dtype(images: np.ndarray, dtype: str) -> np.ndarray:
    return images.astype(np.float32) / np.float32(255) if dtype == "float32" else images


def _classification_chunk(seed, split, chunk, n, size, radius_range, backgrounds):
    rng = _chunk_rng(seed, split, 0, chunk)
    labels, params, colours, shading = _sample_objects(rng, n, size, radius_range)
    images = _backgrounds_planar(rng, n, size, backgrounds)
    masks, u = shape_masks(labels, params, size, return_u=True)
    which, rows, cols = np.nonzero(masks)
    area = np.bincount(which, minlength=n)
    covered = images[which, :, rows, cols]  # (pixels, 3)
    under = np.stack([np.bincount(which, covered[:, c], n) for c in range(3)], axis=1)
    colours = _contrast(colours, (under / area[:, None]).astype(np.float32))
    paint = colours[which] * (1 + shading[which] * u[which, rows, cols])[:, None]
    images[which, :, rows, cols] = np.clip(paint, 0, 1)
    return _finish(images, rng), labels, tight_boxes(masks)


def shape_classification(
    n: int,
    size: int = 64,
    split: str = "train",
    seed: int = 0,
    radius_range: tuple[float, float] = (0.15, 0.38),
    backgrounds: tuple[str, ...] = DEFAULT_BACKGROUNDS,
    dtype: str = "float32",
    return_boxes: bool = False,
    cache: bool = True,
):
    """Images of one whole shape each, for classification (and localisation).

    Args:
        n: number of images.
        size: images are ``size x size`` RGB.
        split: ``"train"``, ``"val"`` or ``"test"``: independent random streams.
        seed: the random seed.
        radius_range: object radius as a fraction of ``size`` (before the aspect stretch).
        backgrounds: the background kinds to draw from (see :data:`BACKGROUNDS`).
        dtype: ``"float32"`` (values in [0, 1]) or ``"uint8"`` (0..255), the same pixels.
        return_boxes: also return the box of each object.
        cache: read from / write to the on-disk cache.

    Returns:
        images: ``(n, size, size, 3)`` of ``dtype``.
        labels: int64 ``(n,)``, class indices into :data:`CLASS_NAMES`.
        boxes (only with ``return_boxes``): float32 ``(n, 4)`` in the course convention
        (:mod:`helpers.boxes`), the tight box of the object's mask.
    """
    backgrounds = tuple(backgrounds)
    _check_common(n, size, split, backgrounds, dtype)
    if not 0 < radius_range[0] <= radius_range[1] <= 0.4:
        raise ValueError(f"radius_range must satisfy 0 < low <= high <= 0.4, got {radius_range}")
    params = dict(
        n=n, size=size, split=split, seed=seed, radius_range=list(radius_range), bg=backgrounds
    )

    def build():
        def one(c):
            # Always a whole chunk, cut afterwards, so that a set is a prefix of a larger one.
            m = min(_CHUNK_CLASSIFICATION, n - c * _CHUNK_CLASSIFICATION)
            out = _classification_chunk(
                seed, split, c, _CHUNK_CLASSIFICATION, size, radius_range, backgrounds
            )
            return tuple(a[:m] for a in out)

        _photo_pools(size)  # built once, before the threads share it
        parts = _map_chunks(one, -(-n // _CHUNK_CLASSIFICATION))
        if not parts:
            return dict(
                images=np.zeros((0, size, size, 3), np.uint8),
                labels=np.zeros(0, np.int64),
                boxes=np.zeros((0, 4), np.float32),
            )
        return dict(
            images=np.concatenate([p[0] for p in parts]),
            labels=np.concatenate([p[1] for p in parts]).astype(np.int64),
            boxes=np.concatenate([p[2] for p in parts]),
        )

    data = cached_arrays("shapes-classification", VERSION, params, build, enabled=cache)
    images = _as_dtype(data["images"], dtype)
    if return_boxes:
        return images, data["labels"], data["boxes"]
    return images, data["labels"]


# ---------------------------------------------------------------------------------------------
# Scenes of several objects (detection and segmentation views)


@dataclass(frozen=True)
class ShapeScenes:
    """Scenes of several shapes with exact labels (see the module docstring for conventions).

    Attributes:
        images: ``(N, H, W, 3)``, float32 in [0, 1] or uint8.
        instance_maps: uint8 ``(N, H, W)``: 0 background, ``k + 1`` for the scene's k-th object
            (objects are listed back to front, in painting order).
        offsets: int64 ``(N + 1,)``: the objects of scene i are rows ``offsets[i]:offsets[i+1]``
            of the per-object arrays below.
        object_labels: int64 ``(M,)`` class indices.
        object_boxes: float32 ``(M, 4)``: the tight boxes of the visible masks, in the course
            convention (:mod:`helpers.boxes`).
        object_params: float32 ``(M, 5)``: centre row, centre column, radius, rotation, aspect
            (see :func:`shape_masks`).
        visible_fraction: float32 ``(M,)``: visible area / whole area of each object.
    """

    images: np.ndarray
    instance_maps: np.ndarray
    offsets: np.ndarray
    object_labels: np.ndarray
    object_boxes: np.ndarray
    object_params: np.ndarray
    visible_fraction: np.ndarray

    def __len__(self) -> int:
        return len(self.images)

    def _rows(self, i: int) -> slice:
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def boxes(self, i: int) -> np.ndarray:
        """float32 ``(K, 4)``: the boxes of scene i's K objects (course convention)."""
        return self.object_boxes[self._rows(i)]

    def labels(self, i: int) -> np.ndarray:
        """int64 ``(K,)``: the class indices of scene i's K objects."""
        return self.object_labels[self._rows(i)]

    def masks(self, i: int) -> np.ndarray:
        """bool ``(K, H, W)``: the visible mask of each of scene i's K objects."""
        k = self.offsets[i + 1] - self.offsets[i]
        return self.instance_maps[i][None] == np.arange(1, k + 1, dtype=np.uint8)[:, None, None]

    def full_masks(self, i: int) -> np.ndarray:
        """bool ``(K, H, W)``: each object of scene i whole, as if nothing covered it."""
        rows = self._rows(i)
        return shape_masks(self.object_labels[rows], self.object_params[rows], self.size)

    @property
    def size(self) -> int:
        return self.images.shape[1]

    @property
    def class_maps(self) -> np.ndarray:
        """uint8 ``(N, H, W)``: 0 background, ``label + 1`` for an object's visible pixels."""
        out = np.zeros_like(self.instance_maps)
        for i in range(len(self)):
            lookup = np.r_[0, self.labels(i) + 1].astype(np.uint8)
            out[i] = lookup[self.instance_maps[i]]
        return out


def _scene_chunk(seed, split, chunk, n, size, radius_range, min_obj, max_obj, min_visible, bgs):
    rng = _chunk_rng(seed, split, 1, chunk)
    n_cand = 4 * max(max_obj, 1)
    targets = rng.integers(min_obj, max_obj + 1, n)
    labels, params, colours, shading = _sample_objects(rng, n * n_cand, size, radius_range)
    images = _backgrounds_planar(rng, n, size, bgs)
    masks, u = shape_masks(labels, params, size, return_u=True)
    masks = masks.reshape(n, n_cand, size, size)
    u = u.reshape(n, n_cand, size, size)
    area = masks.sum(axis=(2, 3))
    under = np.einsum("ncyx,nkyx->nkc", images, masks.astype(np.float32)) / area[..., None]
    colours = _contrast(colours, under.reshape(-1, 3)).reshape(n, n_cand, 3)
    labels, params = labels.reshape(n, n_cand), params.reshape(n, n_cand, 5)
    shading = shading.reshape(n, n_cand)
    min_pixels = max(4, size * size // 400)

    inst = np.zeros((n, size, size), dtype=np.uint8)
    out_labels, out_params, out_boxes, out_vis, counts = [], [], [], [], []
    for i in range(n):
        chosen: list[int] = []
        for c in range(n_cand):
            if len(chosen) == targets[i]:
                break
            new = masks[i, c]
            if area[i, c] < min_pixels:
                continue
            ok = True
            for k, prev in enumerate(chosen):
                left = np.count_nonzero((inst[i] == k + 1) & ~new)
                covered = left < np.count_nonzero(inst[i] == k + 1)
                too_similar = np.linalg.norm(colours[i, c] - colours[i, prev]) < 0.3
                if left < min_visible * area[i, prev] or (covered and too_similar):
                    ok = False
                    break
            if not ok:
                continue
            inst[i][new] = len(chosen) + 1
            chosen.append(c)
        for c in chosen:
            rows, cols = np.nonzero(masks[i, c])
            paint = colours[i, c] * (1 + shading[i, c] * u[i, c, rows, cols])[:, None]
            images[i][:, rows, cols] = np.clip(paint, 0, 1).T
        visible = inst[i][None] == np.arange(1, len(chosen) + 1, dtype=np.uint8)[:, None, None]
        counts.append(len(chosen))
        out_labels.append(labels[i, chosen])
        out_params.append(params[i, chosen])
        out_boxes.append(tight_boxes(visible))
        out_vis.append(visible.sum(axis=(1, 2)) / area[i, chosen])
    return dict(
        images=_finish(images, rng),
        instance_maps=inst,
        counts=np.array(counts, np.int64),
        labels=np.concatenate(out_labels).astype(np.int64),
        params=np.concatenate(out_params).astype(np.float32),
        boxes=np.concatenate(out_boxes).astype(np.float32),
        visible=np.concatenate(out_vis).astype(np.float32),
    )


def shape_scenes(
    n: int,
    size: int = 64,
    min_objects: int = 1,
    max_objects: int = 4,
    split: str = "train",
    seed: int = 0,
    radius_range: tuple[float, float] = (0.08, 0.22),
    min_visible: float = 0.5,
    backgrounds: tuple[str, ...] = DEFAULT_BACKGROUNDS,
    dtype: str = "float32",
    cache: bool = True,
) -> ShapeScenes:
    """Scenes of several, possibly overlapping shapes: the detection and segmentation views.

    Args:
        n: number of scenes.
        size: images are ``size x size`` RGB.
        min_objects: fewest objects per scene (0 allows empty scenes).
        max_objects: most objects per scene. The number is drawn uniformly in between; rarely
            a scene gets fewer when no placement satisfies ``min_visible``.
        split: ``"train"``, ``"val"`` or ``"test"``: independent random streams.
        seed: the random seed.
        radius_range: object radius as a fraction of ``size`` (before the aspect stretch).
        min_visible: the smallest visible fraction of an object's area that occlusion may leave.
        backgrounds: the background kinds to draw from (see :data:`BACKGROUNDS`).
        dtype: ``"float32"`` (values in [0, 1]) or ``"uint8"`` (0..255), the same pixels.
        cache: read from / write to the on-disk cache.

    Returns:
        A :class:`ShapeScenes` (``scenes.boxes(i)``, ``scenes.labels(i)``, ``scenes.masks(i)``,
        ``scenes.class_maps``).
    """
    backgrounds = tuple(backgrounds)
    _check_common(n, size, split, backgrounds, dtype)
    if not 0 <= min_objects <= max_objects <= 254:
        raise ValueError(f"need 0 <= min_objects <= max_objects, got {min_objects}, {max_objects}")
    if not 0 < radius_range[0] <= radius_range[1] <= 0.4:
        raise ValueError(f"radius_range must satisfy 0 < low <= high <= 0.4, got {radius_range}")
    if not 0 < min_visible <= 1:
        raise ValueError(f"min_visible must be in (0, 1], got {min_visible}")
    params = dict(
        n=n, size=size, min_objects=min_objects, max_objects=max_objects, split=split, seed=seed,
        radius_range=list(radius_range), min_visible=min_visible, bg=backgrounds,
    )  # fmt: skip

    def build():
        def one(c):
            # Always a whole chunk, cut afterwards, so that a set is a prefix of a larger one.
            m = min(_CHUNK_SCENES, n - c * _CHUNK_SCENES)
            out = _scene_chunk(
                seed, split, c, _CHUNK_SCENES, size, radius_range, min_objects, max_objects,
                min_visible, backgrounds,
            )  # fmt: skip
            n_obj = int(out["counts"][:m].sum())
            per_scene = ("images", "instance_maps", "counts")
            return {k: v[:m] if k in per_scene else v[:n_obj] for k, v in out.items()}

        _photo_pools(size)
        parts = _map_chunks(one, -(-n // _CHUNK_SCENES))
        if not parts:
            parts = [
                dict(
                    images=np.zeros((0, size, size, 3), np.uint8),
                    instance_maps=np.zeros((0, size, size), np.uint8),
                    counts=np.zeros(0, np.int64),
                    labels=np.zeros(0, np.int64),
                    params=np.zeros((0, 5), np.float32),
                    boxes=np.zeros((0, 4), np.float32),
                    visible=np.zeros(0, np.float32),
                )
            ]
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    data = cached_arrays("shapes-scenes", VERSION, params, build, enabled=cache)
    return ShapeScenes(
        images=_as_dtype(data["images"], dtype),
        instance_maps=data["instance_maps"],
        offsets=np.r_[0, np.cumsum(data["counts"])].astype(np.int64),
        object_labels=data["labels"],
        object_boxes=data["boxes"],
        object_params=data["params"],
        visible_fraction=data["visible"],
    )


def shape_segmentation(n: int, size: int = 64, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """The semantic segmentation view of :func:`shape_scenes` (same arguments).

    Returns:
        images: ``(n, size, size, 3)``, float32 in [0, 1] unless ``dtype="uint8"``.
        class_maps: uint8 ``(n, size, size)``: 0 background, ``label + 1`` for an object
        (:data:`SEG_CLASS_NAMES`).
    """
    scenes = shape_scenes(n, size, **kwargs)
    return scenes.images, scenes.class_maps


# ---------------------------------------------------------------------------------------------
# Gallery


def shapes_gallery(n: int = 6, size: int = 64, seed: int = 0):
    """A figure of the three views: classification images, scenes with boxes, class maps.

    Args:
        n: columns (examples per view).
        size: image size in pixels.
        seed: the random seed.

    Returns:
        A matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    images, labels = shape_classification(n, size, seed=seed, cache=False)
    scenes = shape_scenes(n, size, seed=seed, cache=False)
    class_maps = scenes.class_maps
    fig, axes = plt.subplots(4, n, figsize=(2 * n, 8.4), squeeze=False)
    for j in range(n):
        axes[0, j].imshow(images[j])
        axes[0, j].set_title(CLASS_NAMES[labels[j]], fontsize=9)
        # Pixel edges at integers, as draw_boxes expects (helpers.viz.common.show_image).
        axes[1, j].imshow(scenes.images[j], extent=(0, size, size, 0))
        draw_boxes(
            axes[1, j],
            scenes.boxes(j),
            scenes.labels(j),
            class_names=CLASS_NAMES,
            colour="yellow",
            linewidth=1.0,
        )
        axes[2, j].imshow(class_maps[j], cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
        axes[3, j].imshow(scenes.instance_maps[j], cmap="tab20", interpolation="nearest")
    for ax, title in zip(
        axes[:, 0], ["classification", "detection", "class map", "instances"], strict=True
    ):
        ax.set_ylabel(title)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Synthetic shapes: one generator, three views")
    fig.tight_layout()
    return fig
