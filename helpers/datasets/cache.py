"""On-disk cache for generated data sets, so a chapter builds its data once.

Arrays are stored as uncompressed ``.npz`` files (loading is then limited by the disk, not by
zlib) under ``<repo>/data/cache/``, which git ignores. Set the environment variable
``CNN_COURSE_CACHE`` to use another folder (the tests point it at a temporary one).

The file name holds a hash of the generator's name, its version and every parameter that
changes the output, so a change of parameters or of the generator never returns stale data:
bump the generator's ``VERSION`` whenever its output changes for the same parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

ENV_VAR = "CNN_COURSE_CACHE"
_REPO_ROOT = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    """The folder that holds cached data sets (created on first use).

    Returns:
        ``$CNN_COURSE_CACHE`` when that variable is set, else ``<repo>/data/cache`` for a
        checkout of the course, else ``~/.cache/cnn_course`` (an installed, non-editable copy).
    """
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    if (_REPO_ROOT / "pyproject.toml").exists():
        return _REPO_ROOT / "data" / "cache"
    return Path.home() / ".cache" / "cnn_course"


def cache_key(name: str, version: int, params: Mapping[str, object]) -> str:
    """A file-name-safe key for one build of a generator.

    Args:
        name: the generator's name, e.g. ``"shapes-classification"``.
        version: the generator's version; bump it when the output changes.
        params: every parameter that changes the output (JSON-serialisable values).

    Returns:
        ``"<name>-v<version>-<16 hex digits of a SHA-256 of the parameters>"``.
    """
    text = json.dumps({"name": name, "version": version, "params": dict(params)}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{name}-v{version}-{digest}"


def cached_arrays(
    name: str,
    version: int,
    params: Mapping[str, object],
    build: Callable[[], Mapping[str, np.ndarray]],
    enabled: bool = True,
) -> dict[str, np.ndarray]:
    """Return the arrays of a build from the cache, building and storing them the first time.

    Args:
        name: the generator's name.
        version: the generator's version (part of the key).
        params: the parameters that change the output (part of the key).
        build: a function of no argument returning a dict of numpy arrays.
        enabled: False builds without reading or writing the cache.

    Returns:
        A dict of numpy arrays, the same (byte for byte) whether built or read back.
    """
    if not enabled:
        return dict(build())
    path = cache_dir() / (cache_key(name, version, params) + ".npz")
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError):
            path.unlink(missing_ok=True)  # a damaged file (an interrupted copy): rebuild it
    arrays = dict(build())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary name first so that an interrupted run never leaves half a file
    # that a later run would trust.
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return arrays


def cache_size() -> int:
    """Total size in bytes of the cached files (0 when the folder does not exist yet)."""
    folder = cache_dir()
    if not folder.exists():
        return 0
    return sum(p.stat().st_size for p in folder.glob("*.npz"))


def clear_cache() -> int:
    """Delete every cached data set.

    Returns:
        The number of files deleted.
    """
    folder = cache_dir()
    if not folder.exists():
        return 0
    files = list(folder.glob("*.npz"))
    for p in files:
        p.unlink()
    return len(files)
