"""The frontend build (tensorboard_exr/static/, git-ignored): where it is, what may be served from
it, and with which Content-Type.

Both servers send this folder: the TensorBoard plugin through TensorBoard's response helpers (its
CSP, its gzip), the review server directly (ETags, its own CSP). Either sends only files named
exactly, from the flat folder.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
import re
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

_MIME_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",  # WebAssembly.instantiateStreaming requires exactly this type
    ".map": "application/json",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}

_ASSET_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def is_asset_name(name: str) -> bool:
    """Whether `name` could be a file of the flat static folder (no folders, no hidden files)."""
    return bool(_ASSET_NAME.match(name))


def asset_mime_type(name: str) -> str:
    """The Content-Type of a static file."""
    suffix = Path(name).suffix.lower()
    return _MIME_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def content_version(content: bytes) -> str:
    """The version a page writes into a static file's URL (`exr_core.wasm?v=`): the first 16 hex
    digits of its SHA-256, as frontend/build.mjs computes it. A request naming the file's current
    version may be kept by the browser for good (the bytes behind that URL never change)."""
    return hashlib.sha256(content).hexdigest()[:16]


@functools.lru_cache(maxsize=64)
def file_content_version(path: Path, token: str) -> str:
    """`content_version` of the file at `path`, read once per `token` (its stat-based version)."""
    return content_version(path.read_bytes())
