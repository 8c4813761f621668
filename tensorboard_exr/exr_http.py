"""What both servers (the TensorBoard plugin and the review server) send with an EXR's bytes.

A URL that names its content (the plugin's `exr?…&sha256=`, the review server's `?v=`) can never
answer other bytes, so the browser keeps the response for good; any other EXR URL may answer other
bytes later, so the browser keeps them but revalidates them with their ETag (a 304, no download).
"""

from __future__ import annotations

from typing import Final

EXR_MIME_TYPE: Final = "image/x-exr"
IMMUTABLE_CACHE_CONTROL: Final = "private, max-age=31536000, immutable"
REVALIDATE_CACHE_CONTROL: Final = "private, no-cache"
