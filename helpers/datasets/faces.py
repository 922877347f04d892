"""Synthetic face identities for verification and recognition (chapter 07).

Each identity has fixed traits: face shape and jaw, skin tone, hair colour, style and volume,
eye spacing, size, height and colour, eyebrows, nose, mouth, ears, and accessories (glasses, beard
or moustache, a mole). Each rendering of an identity varies the nuisances: head rotation, small
turn of the head (yaw), scale and position, lighting direction and strength, colour cast,
expression (smile, open mouth, blink, raised brows), background (gradient, smooth noise or a crop
of a bundled photo) and sensor noise.

Identities are split once and for all (:data:`SPLIT_IDENTITIES`): 500 for training, 100 for
validation and 100 for testing, so verification is measured on people never seen in training.
Identity ``i`` and its rendering ``r`` depend only on ``(seed, i, r)``, never on which other
faces are generated with them.

This module holds the data only. What raw pixels achieve on it, and the threshold sweep that
measures it, are in :mod:`helpers.references.face_verification`: chapter 07 grades choosing a
threshold, so the data layer must not hand learners one.

Conventions: images are RGB ``(N, size, size, 3)``, float32 in [0, 1] (or uint8 with
``dtype="uint8"``); identities are global int64 ids in ``0..699``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.datasets.cache import cached_arrays

VERSION = 1  # bump whenever the output for the same arguments changes (it is in the cache key)
N_IDENTITIES = 700
SPLIT_IDENTITIES = {"train": range(0, 500), "val": range(500, 600), "test": range(600, 700)}
_N_TRAITS = 32
_N_NUISANCES = 96
_CHUNK = 128

_HAIR_COLOURS = np.array(
    [[0.08, 0.06, 0.05], [0.25, 0.15, 0.08], [0.47, 0.31, 0.16], [0.86, 0.73, 0.45],
     [0.62, 0.26, 0.10], [0.62, 0.62, 0.62], [0.30, 0.30, 0.32]], dtype=np.float32,
)  # fmt: skip
_IRIS_COLOURS = np.array(
    [[0.35, 0.20, 0.10], [0.25, 0.45, 0.78], [0.30, 0.56, 0.30], [0.50, 0.56, 0.62],
     [0.56, 0.45, 0.20]], dtype=np.float32,
)  # fmt: skip
_GLASSES_COLOURS = np.array(
    [[0.05, 0.05, 0.05], [0.55, 0.35, 0.15], [0.75, 0.75, 0.78], [0.60, 0.10, 0.15]],
    dtype=np.float32,
)
_SKIN_LIGHT = np.array([0.97, 0.82, 0.70], dtype=np.float32)
_SKIN_DARK = np.array([0.34, 0.21, 0.13], dtype=np.float32)
HAIR_STYLES = ("bald", "short", "long", "fringe", "curly")


def _lerp(t, lo, hi):
    return lo + (hi - lo) * t


def _traits(identity_ids: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Trait arrays of shape ``(R,)`` or ``(R, 3)`` for each identity id."""
    t = np.stack(
        [
            np.random.default_rng([seed, 1, int(i)]).random(_N_TRAITS, dtype=np.float32)
            for i in identity_ids
        ]
    ).reshape(len(identity_ids), _N_TRAITS)
    skin = _SKIN_LIGHT + (_SKIN_DARK - _SKIN_LIGHT) * t[:, 3:4]
    skin = skin + (t[:, 4:5] - 0.5) * np.array([0.08, 0.0, -0.08], np.float32)
    hair_idx = np.minimum((t[:, 5] * len(_HAIR_COLOURS)).astype(int), len(_HAIR_COLOURS) - 1)
    hair = _HAIR_COLOURS[hair_idx] * _lerp(t[:, 6:7], 0.8, 1.2)
    iris_idx = np.minimum((t[:, 12] * len(_IRIS_COLOURS)).astype(int), len(_IRIS_COLOURS) - 1)
    glasses_idx = np.minimum((t[:, 21] * 4).astype(int), 3)
    return dict(
        face_rx=_lerp(t[:, 0], 0.23, 0.31),
        face_ry=_lerp(t[:, 1], 0.30, 0.37),
        jaw=_lerp(t[:, 2], 0.0, 0.35),
        skin=np.clip(skin, 0, 1),
        hair=np.clip(hair, 0, 1),
        hair_style=np.minimum((t[:, 7] * len(HAIR_STYLES)).astype(int), len(HAIR_STYLES) - 1),
        hair_volume=_lerp(t[:, 8], 0.02, 0.07),
        eye_dx=_lerp(t[:, 9], 0.085, 0.125),
        eye_r=_lerp(t[:, 10], 0.035, 0.055),
        eye_y=_lerp(t[:, 11], -0.08, -0.03),
        iris=_IRIS_COLOURS[iris_idx],
        brow_thick=_lerp(t[:, 13], 0.010, 0.024),
        brow_tilt=_lerp(t[:, 14], -0.35, 0.35),
        nose_len=_lerp(t[:, 15], 0.07, 0.13),
        nose_w=_lerp(t[:, 16], 0.022, 0.045),
        mouth_w=_lerp(t[:, 17], 0.06, 0.11),
        lip=_lerp(t[:, 18], 0.010, 0.022),
        mouth_y=_lerp(t[:, 19], 0.13, 0.19),
        glasses=t[:, 20] < 0.25,
        glasses_colour=_GLASSES_COLOURS[glasses_idx],
        beard=t[:, 22] < 0.15,
        moustache=(t[:, 22] >= 0.15) & (t[:, 22] < 0.27),
        mole=t[:, 23] < 0.3,
        mole_x=_lerp(t[:, 24], -0.15, 0.15),
        mole_y=_lerp(t[:, 25], -0.02, 0.15),
        ear=_lerp(t[:, 26], 0.035, 0.06),
        lip_colour=np.clip(skin * np.array([0.95, 0.55, 0.55], np.float32) + 0.05, 0, 1),
    )


def identity_traits(identity: int, seed: int = 0) -> dict[str, object]:
    """The fixed traits of one identity, readable (for a figure or a question in a notebook).

    Args:
        identity: a global identity id in ``0..699``.
        seed: the data set's seed.

    Returns:
        A dict of trait name to value (floats in units of the image size, RGB triples, names).
    """
    tr = _traits(np.array([identity]), seed)
    out: dict[str, object] = {}
    for key, value in tr.items():
        v = value[0]
        if key == "hair_style":
            out[key] = HAIR_STYLES[v]
        elif np.asarray(v).dtype == bool:
            out[key] = bool(v)
        else:
            out[key] = np.round(np.asarray(v, dtype=np.float64), 3).tolist()
    return out


def _ellipse(x, y, cx, cy, rx, ry, px):
    """Anti-aliased coverage in [0, 1] of an axis-aligned ellipse (parameters ``(R, 1, 1)``)."""
    q = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
    return np.clip((1 - q) * np.minimum(rx, ry) * px + 0.5, 0, 1)


def _col(a):
    return np.asarray(a, dtype=np.float32)[:, None, None]


def _render_chunk(identity_ids, rendering_ids, size, seed):
    from helpers.datasets.shapes import _backgrounds

    n = len(identity_ids)
    tr = {k: (_col(v) if v.ndim == 1 else v) for k, v in _traits(identity_ids, seed).items()}
    rngs = [
        np.random.default_rng([seed, 2, int(i), int(r)])
        for i, r in zip(identity_ids, rendering_ids, strict=True)
    ]
    nu = np.stack([g.random(_N_NUISANCES, dtype=np.float32) for g in rngs])
    noise = np.stack([g.random((size, size, 3), dtype=np.float32) for g in rngs])
    # The background's own random stream: one per rendering too, so subsets agree.
    bg = np.concatenate(
        [
            _backgrounds(np.random.default_rng([seed, 3, int(i), int(r)]), 1, size, ("gradient",
                         "noise", "photo"))
            for i, r in zip(identity_ids, rendering_ids, strict=True)
        ]
    )  # fmt: skip

    angle = _col(np.deg2rad(_lerp(nu[:, 0], -12, 12)))
    scale = _col(_lerp(nu[:, 1], 0.88, 1.12))
    tx, ty = _col(_lerp(nu[:, 2], -0.06, 0.06)), _col(_lerp(nu[:, 3], -0.05, 0.06))
    yaw = _col(_lerp(nu[:, 4], -1, 1))
    light_dir = _col(_lerp(nu[:, 5], 0, 2 * np.pi))
    light_k = _col(_lerp(nu[:, 6], 0.0, 0.9))
    brightness = _col(_lerp(nu[:, 7], 0.7, 1.15))
    tint = 1 + (nu[:, 8:11] - 0.5) * 0.16
    smile = _col(_lerp(nu[:, 11], -0.5, 1.0))
    mouth_open = _col(np.where(nu[:, 12] < 0.3, nu[:, 13], 0))
    eye_open = _col(np.where(nu[:, 14] < 0.06, 0.15, _lerp(nu[:, 15], 0.6, 1.0)))
    brow_up = _col(_lerp(nu[:, 16], -0.01, 0.025))
    sigma = _col(_lerp(nu[:, 17], 0.0, 0.05))

    grid = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
    gx, gy = grid[None, None, :] - tx, grid[None, :, None] - ty
    cos, sin = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)
    x = ((cos * gx + sin * gy) / scale).astype(np.float32)
    y = ((-sin * gx + cos * gy) / scale).astype(np.float32)
    px = (size * scale).astype(np.float32)  # pixels per face unit
    shift = yaw * 0.045  # features move sideways when the head turns

    shade = brightness * (1 + light_k * (x * np.cos(light_dir) + y * np.sin(light_dir)) / 0.4)
    shade = np.clip(shade, 0.25, 1.6).astype(np.float32)
    img = bg.copy()
    skin, hair = tr["skin"] * 1.0, tr["hair"]
    rx, ry = tr["face_rx"], tr["face_ry"]
    style = tr["hair_style"]
    vol = tr["hair_volume"]

    def paint(alpha, colour, lit=True):
        # Only the covered pixels: most layers (eyes, nose, mouth) cover few of them.
        where = np.nonzero(np.broadcast_to(alpha, x.shape) > 0)
        a = np.broadcast_to(alpha, x.shape)[where][:, None]
        c = colour[where[0]]
        if lit:
            c = c * shade[where][:, None]
        img[where] += a * (c - img[where])

    # Hair behind the head: long hair falls to the shoulders, curly hair is a big cloud.
    long_back = _ellipse(x, y, 0, 0.06, rx + vol + 0.03, ry + 0.14, px) * (style == 2)
    curly_back = _ellipse(x, y, 0, -0.04, rx + vol + 0.06, ry + vol + 0.04, px) * (style == 4)
    paint(np.maximum(long_back, curly_back), hair)
    # Neck and ears.
    neck = np.clip((rx * 0.55 - np.abs(x)) * px + 0.5, 0, 1) * np.clip((y - 0.1) * px, 0, 1)
    paint(neck, skin * 0.85)
    ear_r = tr["ear"]
    for side in (-1, 1):
        ear = _ellipse(x, y, side * (rx - 0.005) + shift * 0.5, 0.0, ear_r * (1 - 0.4 * side * yaw),
                       ear_r * 1.5, px)  # fmt: skip
        paint(ear, skin * 0.93)
    # Face: an ellipse whose lower half narrows towards the chin.
    jaw_x = x / (1 - tr["jaw"] * np.clip(y / ry, 0, 1))
    face = _ellipse(jaw_x, y, 0, 0, rx, ry, px)
    paint(face, skin)
    # Hair on top: a cap above the hairline, lower for a fringe.
    hairline = np.where(
        style == 3, -ry * 0.35 + 0.06 * (x / rx) ** 2, -ry * 0.62 + 0.1 * (x / rx) ** 2
    )
    cap = _ellipse(x, y, 0, -0.01, rx + vol * 0.6, ry + vol, px)
    cap = cap * np.clip((hairline - y) * px + 0.5, 0, 1) * (style != 0)
    curly_top = _ellipse(x, y, 0, -ry * 0.8, rx + vol, vol + 0.09, px) * (style == 4)
    paint(np.maximum(cap, curly_top), hair)
    # Eyes: white, iris, pupil, then eyebrows.
    for side in (-1, 1):
        ex = side * tr["eye_dx"] + shift
        ey, er = tr["eye_y"], tr["eye_r"]
        white = _ellipse(x, y, ex, ey, er, er * 0.62 * eye_open, px)
        paint(white, np.full((n, 3), 0.95, np.float32))
        iris = _ellipse(x, y, ex + shift * 0.3, ey, er * 0.5, er * 0.5, px) * white
        paint(iris, tr["iris"])
        pupil = _ellipse(x, y, ex + shift * 0.3, ey, er * 0.22, er * 0.22, px) * white
        paint(pupil, np.full((n, 3), 0.05, np.float32))
        by = ey - er * 1.15 - brow_up - side * tr["brow_tilt"] * (x - ex)
        brow = _ellipse(x, y - by + ey, ex, ey, er * 1.25, tr["brow_thick"], px)
        paint(brow, hair * 0.7)
    # Nose: a shaded ridge and two nostrils.
    ny0 = tr["eye_y"] + 0.02
    nose = _ellipse(x, y, shift * 1.4, ny0 + tr["nose_len"] * 0.6, tr["nose_w"] * 0.6,
                    tr["nose_len"] * 0.55, px)  # fmt: skip
    paint(nose * 0.55, skin * 0.78)
    for side in (-1, 1):
        nostril = _ellipse(x, y, shift * 1.4 + side * tr["nose_w"] * 0.6,
                           ny0 + tr["nose_len"] * 1.1, 0.012, 0.008, px)  # fmt: skip
        paint(nostril * 0.8, skin * 0.45)
    # Mouth: a band along a parabola whose curvature is the smile; open mouths show a dark gap.
    mx, my, mw = shift * 1.2, tr["mouth_y"], tr["mouth_w"]
    u = (x - mx) / mw
    centre = my + smile * 0.035 * (1 - u**2)
    in_width = np.clip((1 - np.abs(u)) * mw * px + 0.5, 0, 1)
    lips = np.clip((tr["lip"] + mouth_open * 0.02 - np.abs(y - centre)) * px + 0.5, 0, 1)
    paint(lips * in_width, tr["lip_colour"])
    gap = _ellipse(x, y, mx, centre, mw * 0.75, mouth_open * 0.022 + 1e-3, px) * (mouth_open > 0)
    paint(gap * in_width, np.full((n, 3), 0.15, np.float32))
    # Facial hair.
    beard = face * np.clip((y - my + 0.005) * px, 0, 1) * (1 - lips * in_width) * tr["beard"]
    paint(beard * 0.9, hair * 0.9)
    moustache = _ellipse(x, y, mx, my - tr["lip"] - 0.018, mw * 0.9, 0.014, px)
    paint(moustache * np.maximum(tr["moustache"], tr["beard"]), hair * 0.8)
    mole = _ellipse(x, y, tr["mole_x"] + shift, tr["mole_y"], 0.01, 0.01, px) * tr["mole"]
    paint(mole, skin * 0.4)
    # Glasses: two rings and a bridge.
    for side in (-1, 1):
        ex = side * tr["eye_dx"] + shift
        r = tr["eye_r"] * 1.65
        q = np.sqrt((x - ex) ** 2 + (y - tr["eye_y"]) ** 2)
        ring = np.clip((0.008 - np.abs(q - r)) * px + 0.5, 0, 1) * tr["glasses"]
        paint(ring, tr["glasses_colour"], lit=False)
    bridge_w = tr["eye_dx"] - tr["eye_r"] * 1.65
    bridge = np.clip((bridge_w - np.abs(x - shift)) * px + 0.5, 0, 1)
    bridge = bridge * np.clip((0.007 - np.abs(y - tr["eye_y"] + 0.01)) * px + 0.5, 0, 1)
    paint(bridge * tr["glasses"], tr["glasses_colour"], lit=False)

    img *= tint[:, None, None, :].astype(np.float32)
    img += sigma[..., None] * np.float32(np.sqrt(12.0)) * (noise - np.float32(0.5))
    np.clip(img, 0, 1, out=img)
    img *= np.float32(255)
    img += np.float32(0.5)
    return img.astype(np.uint8)


def render_faces(
    identities: np.ndarray, renderings: np.ndarray, size: int = 64, seed: int = 0
) -> np.ndarray:
    """Render given renderings of given identities (no cache).

    Args:
        identities: int array ``(N,)`` of global identity ids in ``0..699``.
        renderings: int array ``(N,)``, which rendering of each identity (any int >= 0).
        size: images are ``size x size`` RGB (at least 32).
        seed: the data set's seed.

    Returns:
        uint8 ``(N, size, size, 3)``; row k depends only on ``(seed, identities[k],
        renderings[k])``.
    """
    from concurrent.futures import ThreadPoolExecutor

    identities = np.asarray(identities, dtype=np.int64)
    renderings = np.asarray(renderings, dtype=np.int64)
    if identities.shape != renderings.shape or identities.ndim != 1:
        raise ValueError(
            f"identities and renderings must be 1-D of the same length, got shapes "
            f"{identities.shape} and {renderings.shape}"
        )
    if size < 32:
        raise ValueError(f"size must be at least 32 pixels for a recognisable face, got {size}")
    if len(identities) and (identities.min() < 0 or identities.max() >= N_IDENTITIES):
        raise ValueError(f"identity ids must be in 0..{N_IDENTITIES - 1}")
    starts = range(0, len(identities), _CHUNK)

    def one(s):
        return _render_chunk(identities[s : s + _CHUNK], renderings[s : s + _CHUNK], size, seed)

    if len(starts) <= 1:
        parts = [one(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(one, starts))
    return np.concatenate(parts) if parts else np.zeros((0, size, size, 3), np.uint8)


@dataclass(frozen=True)
class FaceSet:
    """Renderings of identities.

    Attributes:
        images: ``(N, size, size, 3)``, float32 in [0, 1] or uint8.
        identities: int64 ``(N,)`` global identity ids.
        renderings: int64 ``(N,)`` rendering index within the identity.
    """

    images: np.ndarray
    identities: np.ndarray
    renderings: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def face_identities(
    split: str = "train",
    renderings_per_identity: int = 10,
    size: int = 64,
    seed: int = 0,
    n_identities: int | None = None,
    dtype: str = "float32",
    cache: bool = True,
) -> FaceSet:
    """Renderings of every identity of a split, identity by identity.

    Args:
        split: ``"train"`` (500 identities), ``"val"`` (100) or ``"test"`` (100).
        renderings_per_identity: renderings of each identity.
        size: images are ``size x size`` RGB.
        seed: the data set's seed.
        n_identities: only the first ``n_identities`` of the split (for quick experiments).
        dtype: ``"float32"`` (values in [0, 1]) or ``"uint8"`` (0..255), the same pixels.
        cache: read from / write to the on-disk cache.

    Returns:
        A :class:`FaceSet` of ``n_identities * renderings_per_identity`` images, ordered by
        identity then rendering.
    """
    if split not in SPLIT_IDENTITIES:
        raise ValueError(f"Unknown split {split!r}. Valid splits: {', '.join(SPLIT_IDENTITIES)}.")
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"dtype must be 'float32' (values in [0, 1]) or 'uint8', got {dtype!r}")
    ids = np.array(SPLIT_IDENTITIES[split], dtype=np.int64)
    if n_identities is not None:
        if not 1 <= n_identities <= len(ids):
            raise ValueError(f"n_identities must be in 1..{len(ids)} for split {split!r}")
        ids = ids[:n_identities]
    identities = np.repeat(ids, renderings_per_identity)
    renderings = np.tile(np.arange(renderings_per_identity, dtype=np.int64), len(ids))
    params = dict(split=split, r=renderings_per_identity, size=size, seed=seed, n=len(ids))
    data = cached_arrays(
        "faces",
        VERSION,
        params,
        lambda: {"images": render_faces(identities, renderings, size, seed)},
        enabled=cache,
    )
    images = data["images"]
    if dtype == "float32":
        images = images.astype(np.float32) / np.float32(255)
    return FaceSet(images=images, identities=identities, renderings=renderings)


def verification_pairs(
    identities: np.ndarray, n_pairs: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balanced pairs of image indices: half the same identity, half different identities.

    Args:
        identities: int array ``(N,)``, the identity of each image (each identity needs at
            least 2 images).
        n_pairs: number of pairs (even).
        seed: the random seed of the pairing.

    Returns:
        first: int64 ``(n_pairs,)`` image indices.
        second: int64 ``(n_pairs,)`` image indices, never equal to ``first``.
        same: bool ``(n_pairs,)``, True where both images show the same identity.
    """
    identities = np.asarray(identities)
    rng = np.random.default_rng([seed, 4])
    by_id = {i: np.flatnonzero(identities == i) for i in np.unique(identities)}
    if min(len(v) for v in by_id.values()) < 2 or len(by_id) < 2:
        raise ValueError("verification pairs need >= 2 identities with >= 2 images each")
    keys = np.array(sorted(by_id))
    first, second = [], []
    half = n_pairs // 2
    for _ in range(half):
        idx = by_id[keys[rng.integers(len(keys))]]
        a, b = rng.choice(idx, 2, replace=False)
        first.append(a)
        second.append(b)
    for _ in range(n_pairs - half):
        ia, ib = rng.choice(len(keys), 2, replace=False)
        first.append(rng.choice(by_id[keys[ia]]))
        second.append(rng.choice(by_id[keys[ib]]))
    same = np.r_[np.ones(half, bool), np.zeros(n_pairs - half, bool)]
    return np.array(first, np.int64), np.array(second, np.int64), same


def faces_gallery(
    split: str = "train", n_identities: int = 6, n_renderings: int = 8, size: int = 64, seed=0
):
    """Rows of identities, columns of renderings.

    Args:
        split: which identities (the first ``n_identities`` of the split).
        n_identities: rows.
        n_renderings: columns.
        size: image size.
        seed: the data set's seed.

    Returns:
        A matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    ids = np.array(SPLIT_IDENTITIES[split][:n_identities])
    identities = np.repeat(ids, n_renderings)
    renderings = np.tile(np.arange(n_renderings), len(ids))
    images = render_faces(identities, renderings, size, seed)
    fig, axes = plt.subplots(
        len(ids), n_renderings, figsize=(1.4 * n_renderings, 1.5 * len(ids)), squeeze=False
    )
    for k, ax in enumerate(axes.ravel()):
        ax.imshow(images[k])
        ax.set_xticks([])
        ax.set_yticks([])
    for row, i in enumerate(ids):
        axes[row, 0].set_ylabel(f"id {i}")
    fig.suptitle(f"Synthetic identities ({split}): rows are people, columns renderings")
    fig.tight_layout()
    return fig
