"""Shared test settings: a non-interactive matplotlib backend, and the repository's paths."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
